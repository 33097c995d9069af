"""Supervision notices (督办): a supervisor issues one to a case's department, with a
number of working days to respond in; the department's approver or an officer responds,
once; a notice unanswered past its date escalates by itself, once (the sweeper's timed
rule). Supervisors and hall administrators read every notice, approvers and officers
only their own department's.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import App, Caller, Pool
from api.openapi import problem_responses
from api.params import Filter
from api.schemas import CommandIn, Strict, Text
from domain.authorization import allowed_roles, department_scope
from domain.errors import NotFound
from domain.recorded import Recorded
from projections import supervision_notices_store

router = APIRouter(prefix="/api/v1/supervision/notices", tags=["supervision"])
Status = Literal["open", "responded", "escalated"]
Page = Annotated[int, Query(ge=1, le=100_000)]
MAX_RESPOND_DAYS = 60


def _only(action: str) -> str:
    return "Only " + ", ".join(sorted(allowed_roles(action)))


class NoticeIn(Strict):
    """督办: the case, what the department is urged to do, and how many working days
    (on the hall calendar, after today) it has to respond."""

    case_id: UUID
    text: str = Text
    respond_within_days: int = Field(default=3, ge=1, le=MAX_RESPOND_DAYS)


class ResponseIn(CommandIn):
    """回复: the department's response."""

    text: str = Text


class NoticeIssued(BaseModel):
    """The recorded notice, the date it is to be answered by, and the event's position."""

    notice_id: UUID
    respond_by: date
    version: int
    position: int


class NoticeRecorded(BaseModel):
    """A recorded response: the notice's new version and the event's log position."""

    notice_id: UUID
    version: int
    position: int


class Recording(BaseModel):
    """Who recorded a response or an escalation, and when."""

    by: str
    role: str
    at: datetime


class ResponseOut(Recording):
    """The department's response."""

    text: str


class EscalationOut(Recording):
    """The escalation of the unanswered notice."""

    overdue_since: date
    escalated_to: str


class NoticeOut(BaseModel):
    """A supervision notice as the read side keeps it."""

    notice_id: UUID
    case_id: UUID
    case_no: str
    department: str
    officer: str | None
    text: str
    respond_by: date
    issued_at: datetime
    issued_by: str
    status: Status
    response: ResponseOut | None
    escalation: EscalationOut | None
    version: int
    position: int


class NoticePage(BaseModel):
    """One page of notices, newest first."""

    items: list[NoticeOut]
    total: int
    page: int
    page_size: int


@router.post(
    "",
    status_code=201,
    response_model=NoticeIssued,
    responses=problem_responses(
        descriptions={
            403: _only("issue-notice"),
            404: "No such case",
            422: "A bad body, or a closed case",
        }
    ),
)
def issue(body: NoticeIn, app: App, caller: Caller) -> NoticeIssued:
    """督办: urge the case's department to act, to respond within
    ``respond_within_days`` working days."""
    recorded, respond_by = app.issue_notice(
        caller, case_id=body.case_id, text=body.text, respond_within_days=body.respond_within_days
    )
    return NoticeIssued(
        notice_id=recorded.aggregate_id,
        respond_by=respond_by,
        version=recorded.version,
        position=recorded.position,
    )


@router.post(
    "/{notice_id}/respond",
    response_model=NoticeRecorded,
    responses=problem_responses(
        descriptions={
            403: _only("respond-notice") + " of the notice's department",
            404: "No such notice",
            409: "Answered already, or a stale expected_version",
        }
    ),
)
def respond(notice_id: UUID, body: ResponseIn, app: App, caller: Caller) -> NoticeRecorded:
    """回复: the department's response to the notice, once (a late one too)."""
    recorded: Recorded = app.respond_notice(
        caller, notice_id, text=body.text, expected_version=body.expected_version
    )
    return NoticeRecorded(
        notice_id=recorded.aggregate_id, version=recorded.version, position=recorded.position
    )


@router.get(
    "",
    response_model=NoticePage,
    responses=problem_responses(
        descriptions={403: _only("read-notices") + "; approvers and officers their department's"}
    ),
)
def notices(
    caller: Caller,
    pool: Pool,
    department: Filter = None,
    status: Status | None = None,
    page: Page = 1,
) -> NoticePage:
    """The notices, newest first, by department (approvers and officers: their own
    only, also without the filter) and status."""
    scope = department_scope(caller, "read-notices", department)
    with pool.connection() as conn:
        views, total = supervision_notices_store.listing(
            conn, department=scope, status=status, page=page
        )
    items = [NoticeOut.model_validate(view) for view in views]
    size = supervision_notices_store.PAGE_SIZE
    return NoticePage(items=items, total=total, page=page, page_size=size)


@router.get(
    "/{notice_id}",
    response_model=NoticeOut,
    responses=problem_responses(
        descriptions={
            403: _only("read-notices") + "; approvers and officers their department's",
            404: "No such notice (yet)",
        }
    ),
)
def notice(notice_id: UUID, caller: Caller, pool: Pool) -> NoticeOut:
    """One notice, with its response and escalation."""
    department_scope(caller, "read-notices", None)  # the role, before anything is looked up
    with pool.connection() as conn:
        view = supervision_notices_store.load(conn, str(notice_id))
    if view is None:
        raise NotFound(f"no supervision notice {notice_id}")
    department_scope(caller, "read-notices", view["department"])
    return NoticeOut.model_validate(view)
