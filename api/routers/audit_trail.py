"""The audit trail for inspectors, from its projection (``projections.audit_trail``):
search every event, one officer's actions across cases, one case's whole trail; every
read recorded first (``api.inspection``). And the inspectors' access log, which only a
senior inspector reads."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from api.audit_views import AccessLogPage, CaseTrail, EventsPage, OfficerTrail
from api.deps import Caller, Pool
from api.inspection import (
    READ_NOTE,
    InspectorRead,
    Since,
    Until,
    hall_time,
    inspector_read,
    read_problems,
)
from api.openapi import problem_responses
from domain.authorization import allowed_roles, authorize
from projections import audit_trail_store
from projections.audit_trail_store import Filters

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
MAX_PAGE = 10_000
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Query(ge=1, le=200)]
Text = Annotated[str | None, Query(min_length=1, max_length=200)]
UserId = Annotated[str, Path(min_length=1, max_length=200)]


@router.get(
    "/events",
    response_model=EventsPage,
    responses=read_problems(),
    description="Search every event of every aggregate (the inspectors' own reads aside), "
    "newest first: by case (`case_id` or `case_no`), acting `officer` (user id), the "
    "officer's `department`, the case's `case_department`, event `type` (with or without "
    "its `.vN`) and period." + READ_NOTE,
)
def search_events(
    pool: Pool,
    read: Annotated[InspectorRead, Depends(inspector_read("event-search"))],
    case_id: UUID | None = None,
    case_no: Text = None,
    officer: Text = None,
    department: Text = None,
    case_department: Text = None,
    event_type: Annotated[str | None, Query(alias="type", min_length=1, max_length=200)] = None,
    since: Since = None,
    until: Until = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    read.record(case_id=case_id, case_no=case_no, officer=officer)
    filters = Filters(
        aggregate_id=str(case_id) if case_id else None,
        case_no=case_no,
        actor_id=officer,
        actor_department=department,
        case_department=case_department,
        type=event_type,
        since=hall_time(since),
        until=hall_time(until),
    )
    with pool.connection() as conn:
        rows, total = audit_trail_store.page(conn, filters, number=page, size=page_size)
    return {
        "items": [trail_event(r) for r in rows],
        "total": total,
        "page": page,
        "page_size": page_size,
    }


@router.get(
    "/officers/{user_id}/trail",
    response_model=OfficerTrail,
    responses=read_problems(),
    description="One officer's actions across cases in a period, newest first, with the "
    "count of each event type and the cases touched." + READ_NOTE,
)
def officer_trail(
    user_id: UserId,
    pool: Pool,
    read: Annotated[InspectorRead, Depends(inspector_read("officer-trail"))],
    since: Since = None,
    until: Until = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    read.record(officer=user_id)
    filters = Filters(actor_id=user_id, since=hall_time(since), until=hall_time(until))
    with pool.connection() as conn:
        rows, total = audit_trail_store.page(conn, filters, number=page, size=page_size)
        by_type = audit_trail_store.count_by_type(conn, filters)
        cases = audit_trail_store.cases_touched(conn, filters)
    return {
        "officer": user_id,
        "since": filters.since,
        "until": filters.until,
        "by_type": by_type,
        "cases": cases,
        "items": [trail_event(r) for r in rows],
        "total": total,
        "page": page,
        "page_size": page_size,
    }


@router.get(
    "/cases/{case_id}/trail",
    response_model=CaseTrail,
    responses=read_problems("No event of that case in the trail (yet)"),
    description="Every event of one case in version order, with actor, role, "
    "department, time, whole content and chain links (prevhash, hash)." + READ_NOTE,
)
def case_trail(
    case_id: UUID,
    pool: Pool,
    read: Annotated[InspectorRead, Depends(inspector_read("case-trail"))],
) -> dict[str, Any]:
    read.record(case_id=case_id)
    with pool.connection() as conn:
        rows = audit_trail_store.case_trail(conn, str(case_id))
    if not rows:
        raise HTTPException(404, f"no event of case {case_id} in the audit trail")
    first = rows[0]
    return {
        "case_id": case_id,
        "case_no": first["case_no"],
        "department": first["case_department"],
        "channel": first["channel"],
        "events": [trail_event(r) for r in rows],
    }


@router.get(
    "/access-log",
    response_model=AccessLogPage,
    responses=problem_responses(descriptions={403: "Only senior inspectors read the access log"}),
    description="The inspectors' reads of the audit trail, newest first, by `inspector` "
    "(user id) and period. Allowed roles: "
    + ", ".join(sorted(allowed_roles("read-access-log")))
    + ".",
)
def access_log(
    caller: Caller,
    pool: Pool,
    inspector: Text = None,
    since: Since = None,
    until: Until = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    authorize(caller, "read-access-log")
    filters = Filters(
        actor_id=inspector, since=hall_time(since), until=hall_time(until), access=True
    )
    with pool.connection() as conn:
        rows, total = audit_trail_store.page(conn, filters, number=page, size=page_size)
    return {
        "items": [_access(r) for r in rows],
        "total": total,
        "page": page,
        "page_size": page_size,
    }


def trail_event(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the trail as the routes show it."""
    names = ("position", "aggregate_id", "stream", "case_no", "case_department", "channel")
    return {
        **{name: row[name] for name in names},
        "version": row["version"],
        "type": row["type"],
        "time": row["recorded_at"],
        "actor": row["data"]["actor"],
        "data": row["data"],
        "prevhash": row["prevhash"],
        "hash": row["hash"],
    }


def _access(row: dict[str, Any]) -> dict[str, Any]:
    data = row["data"]
    names = ("read", "parameters", "case_file", "case_id", "case_no", "officer")
    return {
        "access_id": row["aggregate_id"],
        "position": row["position"],
        "time": row["recorded_at"],
        "inspector": data["actor"],
        **{name: data[name] for name in names},
    }
