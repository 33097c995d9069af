"""Replay to any moment, for inspectors: a case as of a version or a time, the
differences between two versions, and the power list as it stood on a day. Rebuilt
from the event store (``domain.replay``); every read is recorded first
(``api.inspection``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query

from api.audit_views import CaseDiff, PowerListOn, ReplayedCase
from api.case_view import CaseStateView, case_state_view
from api.deps import App
from api.inspection import READ_NOTE, InspectorRead, hall_time, inspector_read, read_problems
from domain.application import HallApplication
from domain.case import Case, local_date
from domain.constraints import MAX_VERSION
from domain.events import ChainedEvent, hashed_document
from domain.personal_data import erased, masked
from domain.replay import (
    Moment,
    calendar_at,
    case_at,
    diff,
    end_of_day,
    events_between,
    history,
    power_list_on,
)

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
CASE_PROBLEMS = read_problems("No such case, no such version, or a time before the case")
Version = Annotated[int, Query(ge=1, le=MAX_VERSION)]


@router.get(
    "/cases/{case_id}/replay",
    response_model=ReplayedCase,
    responses=CASE_PROBLEMS,
    description="The case as of `version`, or as of the time `at` (exactly one): the "
    "version in force then, rebuilt from its events." + READ_NOTE,
)
def replay_case(
    case_id: UUID,
    app: App,
    read: Annotated[InspectorRead, Depends(inspector_read("case-replay"))],
    version: Annotated[int | None, Query(ge=1, le=MAX_VERSION)] = None,
    at: Annotated[datetime | None, Query(description="RFC 3339 time")] = None,
) -> dict[str, Any]:
    if (version is None) == (at is None):
        raise HTTPException(422, "give exactly one of version and at")
    read.record(case_id=case_id)
    moment = case_at(app, case_id, version=version, at=hall_time(at))
    return {**_state(app, moment), "as_of": moment.as_of, "event": event_out(moment.event)}


@router.get(
    "/cases/{case_id}/diff",
    response_model=CaseDiff,
    responses=CASE_PROBLEMS,
    description="The fields that differ between two versions of the case (dotted paths, "
    "list items by index) and the events between them." + READ_NOTE,
)
def diff_case(
    case_id: UUID,
    app: App,
    read: Annotated[InspectorRead, Depends(inspector_read("case-diff"))],
    from_version: Version,
    to_version: Version,
) -> dict[str, Any]:
    read.record(case_id=case_id)
    before, after = (case_at(app, case_id, version=v) for v in (from_version, to_version))
    low, high = sorted((from_version, to_version))
    return {
        "case_id": case_id,
        "from_version": from_version,
        "to_version": to_version,
        "changes": diff(_json(app, before), _json(app, after)),
        "events": [event_out(e) for e in events_between(history(app, case_id), low, high)],
    }


@router.get(
    "/service-items",
    response_model=PowerListOn,
    responses=read_problems(),
    description="What the power list said at the end of the day `on` (the hall's time "
    "zone): every item registered by then, at its revision and status then." + READ_NOTE,
)
def power_list(
    app: App,
    read: Annotated[InspectorRead, Depends(inspector_read("power-list-replay"))],
    on: Annotated[date, Query(description="YYYY-MM-DD, a day in the hall's time zone")],
) -> dict[str, Any]:
    read.record()
    items = [
        {
            "code": m.state.code,
            "name": m.state.content.name,
            "category": m.state.content.category,
            "department": m.state.content.department,
            "status": m.state.status,
            "revision": m.state.revision,
            "version": m.version,
            "as_of": m.as_of,
            "content": m.state.content.to_data(),
        }
        for m in power_list_on(app, on)
    ]
    return {"on": on, "as_of": end_of_day(on), "items": items}


def event_out(event: ChainedEvent) -> dict[str, Any]:
    """A recorded event as the audit routes show it."""
    document = hashed_document(event)
    return {
        "version": document["caseversion"],
        "type": document["type"],
        "time": event.timestamp,
        "actor": document["data"]["actor"],
        "data": document["data"],
        "prevhash": document["prevhash"],
        "hash": document["hash"],
    }


def _state(app: HallApplication, moment: Moment[Case]) -> dict[str, Any]:
    """The staff view's fields of a replayed case, read on its version's day with the
    calendar published then; the applicant masked, or erased."""
    case = moment.state
    applicant = erased(case.applicant) if case.applicant_erased else masked(case.applicant)
    calendar = calendar_at(app, moment.as_of)
    return case_state_view(case, applicant, calendar, local_date(moment.as_of))


def _json(app: HallApplication, moment: Moment[Case]) -> dict[str, Any]:
    state: dict[str, Any] = CaseStateView.model_validate(_state(app, moment)).model_dump(
        mode="json"
    )
    return state
