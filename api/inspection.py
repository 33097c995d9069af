"""Inspectors' reads of the audit trail (纪检监察): who may read (inspectors and senior
inspectors: 403 for every other role), the case file (案卷) each read must name (400
without it, and nothing is recorded), and the ``InspectorAccess`` event that puts each
read on record before anything is read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import HTTPException, Query, Request

from api.deps import App, Caller
from api.openapi import Responses, problem_responses
from domain.actor import Actor
from domain.application import HallApplication
from domain.authorization import allowed_roles, authorize
from domain.clock import HALL_TZ

READ_NOTE = (
    f" Allowed roles: {', '.join(sorted(allowed_roles('read-audit')))};"
    " each read is recorded with its case_file."
)
CASE_FILE_REQUIRED = (
    "case_file is required: the reference of the case file (案卷) this read is for, "
    "recorded with the read"
)
CaseFileQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="Required: the case file (案卷) reference this read is for, recorded "
        "with the read; without it the answer is 400 and nothing is read or recorded.",
    ),
]
TIME_NOTE = "RFC 3339; a time without a UTC offset is read in the hall's time zone"
Since = Annotated[
    datetime | None, Query(alias="from", description=f"From this time, inclusive ({TIME_NOTE}).")
]
Until = Annotated[
    datetime | None, Query(alias="to", description=f"Up to this time, exclusive ({TIME_NOTE}).")
]


@dataclass(frozen=True)
class InspectorRead:
    """A read an inspector may make, naming its case file; ``record`` puts it on record."""

    app: HallApplication
    actor: Actor
    read: str
    case_file: str
    parameters: dict[str, str]

    def record(
        self, *, case_id: UUID | None = None, case_no: str | None = None, officer: str | None = None
    ) -> None:
        """Record the read, about the case or the officer it concerns (call it once the
        request is valid, before reading)."""
        self.app.record_access(
            self.actor,
            read=self.read,
            parameters=self.parameters,
            case_file=self.case_file,
            case_id=str(case_id) if case_id else None,
            case_no=case_no,
            officer=officer,
        )


def inspector_read(read: str) -> Callable[..., InspectorRead]:
    """The dependency of the inspectors' route named ``read``."""

    def dependency(
        request: Request, app: App, caller: Caller, case_file: CaseFileQuery = None
    ) -> InspectorRead:
        authorize(caller, "read-audit")
        if case_file is None or not case_file.strip():
            raise HTTPException(400, CASE_FILE_REQUIRED)
        asked = {k: v for k, v in request.query_params.items() if k != "case_file"}
        parameters = {**request.path_params, **asked}
        return InspectorRead(app, caller, read, case_file.strip(), parameters)

    return dependency


def read_problems(not_found: str | None = None) -> Responses:
    """The problems of an inspector's read: no case file (400), not an inspector (403),
    and what ``not_found`` says (404) when it can be."""
    descriptions = {
        400: "No case_file given: nothing was read or recorded",
        403: "Only inspectors read the audit trail",
    }
    if not_found:
        descriptions[404] = not_found
    return problem_responses(descriptions=descriptions)


def hall_time(value: datetime | None) -> datetime | None:
    """A query's time, in the hall's time zone when it gave no UTC offset."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=HALL_TZ)
