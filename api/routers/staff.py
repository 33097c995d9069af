"""The staff's work views: searching cases (by case number, item code or name), one's own
work queue and a department's.

Officers and approvers read their own department only (asking for another is 403);
clerks search every department, as they read any case at the window; supervisors and hall
administrators read every department. Rows are the supervision projection's, read on the
platform's day under the hall's published calendar.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import App, Caller, Pool
from api.exports import DOWNLOADS, Format
from api.openapi import problem_responses
from api.params import Filter
from api.supervision_views import CasePage, Light, Section, listing, reading_day, sections
from domain.authorization import allowed_roles, department_scope
from projections import supervision_cases_store
from projections.supervision_cases_store import Filters

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])
Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=100)]
Search = Annotated[str | None, Query(min_length=1, max_length=100)]
State = Literal["open", "closed"]
DepartmentCode = Annotated[str, Path(min_length=1, max_length=64)]
DUE_SOON_DAYS = 3  # a department's "due soon": promised deadline within this many days


def _only(action: str, scoped: bool = True) -> str:
    roles = "Only " + ", ".join(sorted(allowed_roles(action)))
    return roles + ("; officers and approvers for their own department only" if scoped else "")


class OwnQueue(BaseModel):
    """The caller's queue: open cases ``assigned`` to them; ``steps`` whose current
    handling step is their role's in their department (an officer's only when assigned to
    them); ``opinions`` their department owes a parallel review."""

    officer: str
    role: str
    department: str
    as_of: date
    assigned: Section
    steps: Section
    opinions: Section


class DepartmentQueue(BaseModel):
    """A department's queue: accepted open cases no officer holds (``unassigned``), cases
    ``awaiting_acceptance``, and running cases whose promised deadline is at most
    ``due_within_days`` days (of the limit's unit) away or past (``due_soon``)."""

    department: str
    as_of: date
    due_within_days: int
    unassigned: Section
    awaiting_acceptance: Section
    due_soon: Section


@router.get(
    "/cases",
    response_model=CasePage,
    responses={**DOWNLOADS, **problem_responses(descriptions={403: _only("search-cases")})},
)
def cases(
    caller: Caller,
    app: App,
    pool: Pool,
    q: Search = None,
    status: Filter = None,
    state: State | None = None,
    department: Filter = None,
    light: Light | None = None,
    assignee: Filter = None,
    item: Filter = None,
    page: Page = 1,
    page_size: PageSize = 20,
    format: Format = "json",
) -> CasePage | Response:
    """Cases whose number, item code or item name contains ``q``, red first, then by
    promised deadline; ``department`` defaults to the caller's own for officers and
    approvers. ``format=csv`` or ``xlsx``: every matching row as a download."""
    scope = department_scope(caller, "search-cases", department)
    filters = Filters(
        department=scope,
        q=q,
        status=status,
        state=state,
        light=light,
        item=item,
        assignee=assignee,
    )
    return listing(
        app, pool, filters, page=page, page_size=page_size, fmt=format, stem="staff-cases"
    )


@router.get(
    "/queue",
    response_model=OwnQueue,
    responses=problem_responses(descriptions={403: _only("read-own-queue", scoped=False)}),
)
def own_queue(caller: Caller, app: App, pool: Pool) -> OwnQueue:
    """The caller's work queue (see the schema), each section nearest deadline first."""
    department = department_scope(caller, "read-own-queue", None)
    assert department is not None, "only department staff have a queue"
    with pool.connection() as conn:
        found = supervision_cases_store.officer_queue(
            conn, officer=caller.id, role=caller.role, department=department
        )
        calendar, today = reading_day(app, conn)
    return OwnQueue(
        officer=caller.id,
        role=caller.role,
        department=department,
        as_of=today,
        **sections(found, calendar, today),
    )


@router.get(
    "/departments/{code}/queue",
    response_model=DepartmentQueue,
    responses=problem_responses(descriptions={403: _only("read-department-queue")}),
)
def department_queue(code: DepartmentCode, caller: Caller, app: App, pool: Pool) -> DepartmentQueue:
    """A department's queue (see the schema), each section nearest deadline first."""
    department_scope(caller, "read-department-queue", code)
    with pool.connection() as conn:
        calendar, today = reading_day(app, conn)
        working = calendar.add_working_days(today, DUE_SOON_DAYS).date
        assert working is not None, "no pause stops this count"
        due_by = {"G": working, "Z": today + timedelta(days=DUE_SOON_DAYS)}
        found = supervision_cases_store.department_queue(conn, code, due_by=due_by)
    return DepartmentQueue(
        department=code,
        as_of=today,
        due_within_days=DUE_SOON_DAYS,
        **sections(found, calendar, today),
    )
