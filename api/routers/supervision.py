"""Supervision (电子监察): the board of cases with their lights, and a department's KPIs.

Supervisors and hall administrators read every department; approvers their own only
(asking for another is 403). Both are exportable: ``format=csv`` or ``xlsx``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import App, Caller, Pool
from api.exports import DOWNLOADS, Format, Table, as_download
from api.openapi import problem_responses
from api.params import Filter
from api.supervision_views import CasePage, Light, listing, reading_day
from domain.authorization import allowed_roles, department_scope
from projections import supervision_kpis, supervision_kpis_store
from projections.supervision_cases_store import Filters

router = APIRouter(prefix="/api/v1/supervision", tags=["supervision"])
Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=100)]
State = Literal["open", "closed", "all"]
DepartmentCode = Annotated[str, Path(min_length=1, max_length=64)]
KpiTable = Literal["summary", "days_used", "ageing", "weekly", "monthly", "officers"]
FORBIDDEN = {
    403: "Only "
    + ", ".join(sorted(allowed_roles("read-supervision")))
    + "; approvers for their own department only"
}
FORBIDDEN_RESPONSES = problem_responses(descriptions=FORBIDDEN)


class Summary(BaseModel):
    """The department's figures (definitions: ``projections.supervision_kpis``)."""

    backlog: int
    green: int
    yellow: int
    red: int
    closed: int
    completed: int
    on_time_rate: float | None
    returns: int
    suspensions: int
    special_procedures: int
    extensions: int
    supplement_notices: int
    poor_ratings: int
    rectified: int
    rectification_open: int
    rectification_overdue: int
    awaiting_acceptance: int
    paused: int
    deemed_satisfied: int


class DaysUsed(BaseModel):
    """Median and p90 of the promised clock's days used by completed cases, per unit."""

    unit: Literal["G", "Z"]
    completed: int
    median: float | None
    p90: float | None


class AgeingBucket(BaseModel):
    """Open accepted cases by working days since acceptance (``to_days`` None: no bound)."""

    bucket: str
    from_days: int
    to_days: int | None
    cases: int


class Period(BaseModel):
    """A week (``2026-W05``) or month (``2026-02``): cases opened, accepted, closed,
    completed, and the on-time rate of those completed."""

    period: str
    opened: int
    accepted: int
    closed: int
    completed: int
    on_time_rate: float | None


class OfficerRank(BaseModel):
    """An officer's figures over the cases they hold, days used in working days."""

    rank: int
    officer: str
    backlog: int
    green: int
    yellow: int
    red: int
    closed: int
    completed: int
    on_time_rate: float | None
    median_days_used: float | None
    p90_days_used: float | None
    returns: int
    suspensions: int
    special_procedures: int
    extensions: int
    supplement_notices: int
    poor_ratings: int
    rectified: int
    rectification_open: int
    rectification_overdue: int


class DepartmentKpis(BaseModel):
    """A department's KPIs as read on ``as_of``."""

    department: str
    as_of: date
    summary: Summary
    days_used: list[DaysUsed]
    ageing: list[AgeingBucket]
    weekly: list[Period]
    monthly: list[Period]
    officers: list[OfficerRank]


@router.get("/cases", response_model=CasePage, responses={**DOWNLOADS, **FORBIDDEN_RESPONSES})
def board(
    caller: Caller,
    app: App,
    pool: Pool,
    light: Light | None = None,
    department: Filter = None,
    item: Filter = None,
    officer: Filter = None,
    state: State = "open",
    page: Page = 1,
    page_size: PageSize = 100,
    format: Format = "json",
) -> CasePage | Response:
    """The board: cases (open ones by default) red first, then yellow, then green, nearest
    promised deadline first. ``format=csv`` or ``xlsx``: every matching row as a download."""
    scope = department_scope(caller, "read-supervision", department)
    filters = Filters(
        department=scope,
        state=None if state == "all" else state,
        light=light,
        item=item,
        assignee=officer,
    )
    return listing(
        app, pool, filters, page=page, page_size=page_size, fmt=format, stem="supervision-cases"
    )


@router.get(
    "/departments/{code}",
    response_model=DepartmentKpis,
    responses={**DOWNLOADS, **FORBIDDEN_RESPONSES},
)
def department(
    code: DepartmentCode,
    caller: Caller,
    app: App,
    pool: Pool,
    weeks: Annotated[int, Query(ge=1, le=104)] = 13,
    months: Annotated[int, Query(ge=1, le=36)] = 12,
    format: Format = "json",
    table: KpiTable = "officers",
) -> DepartmentKpis | Response:
    """A department's KPIs: its figures, days used per unit, ageing, trends by ISO week and
    by month (the last ``weeks`` and ``months``), officer ranking. ``format=xlsx``: every
    table, a sheet each; ``format=csv``: the one named by ``table``."""
    department_scope(caller, "read-supervision", code)
    with pool.connection() as conn:
        calendar, today = reading_day(app, conn)
        weekly, monthly = supervision_kpis.windows(today, weeks, months)
        figures = supervision_kpis_store.figures(
            conn, code, weeks_since=weekly[0][1], months_since=monthly[0][1]
        )
    tables = supervision_kpis.department_kpis(
        figures, calendar, today, weeks=weekly, months=monthly
    )
    kpis = DepartmentKpis.model_validate({"department": code, **tables})
    if format == "json":
        return kpis
    return as_download(kpi_tables(kpis), format, f"department-{code}-{today.isoformat()}", table)


LIST_TABLES: dict[str, type[BaseModel]] = {
    "days_used": DaysUsed,
    "ageing": AgeingBucket,
    "weekly": Period,
    "monthly": Period,
    "officers": OfficerRank,
}


def kpi_tables(kpis: DepartmentKpis) -> dict[str, Table]:
    """Every table of the KPIs: the summary as metric/value rows, the lists as they are."""
    tables = {"summary": Table(("metric", "value"), list(kpis.summary.model_dump().items()))}
    for name, model in LIST_TABLES.items():
        rows: list[BaseModel] = getattr(kpis, name)
        tables[name] = Table(
            list(model.model_fields), [list(r.model_dump().values()) for r in rows]
        )
    return tables
