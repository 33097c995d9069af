"""Public views, read from the projections only: case tracking (case number + query
code), published decisions, statistics, the power list. Lists carry ETag and
Cache-Control; case lookups are charged to a per-client budget before any work."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

import orjson
from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.client_address import TrustedProxies
from api.deps import App, Pool
from api.long_poll import PositionWaits
from api.openapi import problem_responses
from api.params import CaseNo, Filter, ItemCode, Position, QueryCode
from api.public_views import (
    Catalogue,
    DecisionsPage,
    Departments,
    Guide,
    MonthlyTrend,
    PublicCase,
    Statistics,
)
from api.tokens import APPLICANT
from domain.actor import Actor
from domain.calendar import WorkingCalendar
from domain.case import local_date
from domain.case.commands import Rate
from domain.case.vocabulary import Outcome, RatingStage
from domain.deadlines import days_left
from infra.lookup_budget import LookupBudget
from infra.recorder import stored_verifier
from projections import case_facts_store, catalogue_store, departments_store
from projections.public_status_store import find_by_case_no
from projections.published_calendar_store import working_calendar

router = APIRouter(prefix="/api/v1/public", tags=["public"])
MAX_PAGE = 10_000
LIST_CACHE = "public, max-age=30"
NOT_FOUND = "no case with that number and query code"


def _json(request: Request, body: BaseModel, cache_control: str) -> Response:
    """``body`` as JSON with an ETag of its content; 304 when the client already has it."""
    content = orjson.dumps(body.model_dump(mode="json"))
    tag = f'W/"{hashlib.sha256(content).hexdigest()[:20]}"'
    headers = {"ETag": tag, "Cache-Control": cache_control}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(content, media_type="application/json", headers=headers)


REVALIDATED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Unchanged since the ETag sent in If-None-Match"}
}


@router.get(
    "/cases/{case_no}",
    response_model=PublicCase,
    responses={
        304: {"description": "Unchanged since the ETag sent in If-None-Match (charged too)"},
        **problem_responses(
            404,
            429,
            503,
            descriptions={
                404: "Unknown case number or wrong query code (the same answer)",
                429: "Too many lookups, or too many waits at once, from this client; "
                "see Retry-After",
                503: "Too many clients waiting, or the database unavailable; see Retry-After",
            },
        ),
    },
)
async def track(
    case_no: CaseNo,
    request: Request,
    pool: Pool,
    app: App,
    query_code: QueryCode,
    min_position: Position = None,
) -> Response:
    """Where the case stands. With ``min_position``, waits (up to 5 s by default) until the view
    includes that event; if it does not in time, answers with what it has and
    ``Casetrail-Position-Reached: false``. Every lookup is charged to the client's
    budget first, a revalidation (304) too."""
    client = await _charge(request)
    if min_position is not None:
        waits: PositionWaits = request.app.state.position_waits
        await waits.wait(client, min_position)
    found = await run_in_threadpool(_public_view, pool, app, case_no, query_code)
    if found is None:
        raise HTTPException(404, NOT_FOUND)
    position, public = found
    response = _json(request, public, "private, no-cache")
    response.headers["Casetrail-Position-Reached"] = str(position >= (min_position or 0)).lower()
    return response


def _public_view(
    pool: Pool, app: App, case_no: str, query_code: str
) -> tuple[int, PublicCase] | None:
    """The case's position and public view, if the code opens it."""
    if not _code_matches(pool, app, case_no, query_code):
        return None
    with pool.connection() as conn:
        found = find_by_case_no(conn, case_no)
        if found is None:
            return None
        position, view = found
        department = view["department"]
        remaining = _remaining(app, working_calendar(conn, app.base_calendar), view)
        unit = view.get("limit_unit")
        public = PublicCase.model_validate(
            {
                **view,
                "department_name": departments_store.names(conn).get(department, department),
                "limit_unit": unit,
                "days_remaining": remaining,
                "working_days_remaining": remaining if unit == "G" else None,
                "rating_url": f"/api/v1/public/cases/{case_no}/rating" if view["closed"] else None,
            }
        )
    return position, public


class RatingIn(BaseModel):
    """好差评 by the applicant: 5 非常满意 … 1 非常不满意."""

    model_config = ConfigDict(extra="forbid")

    query_code: str = Field(min_length=1, max_length=32)
    stage: RatingStage
    level: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=500)


@router.post(
    "/cases/{case_no}/rating",
    responses=problem_responses(
        404,
        409,
        429,
        descriptions={
            404: "Unknown case number or wrong query code",
            409: "The stage cannot be rated yet",
            422: "Already rated, or a bad body",
            429: "Too many attempts from this client; see Retry-After",
        },
    ),
)
def rate(case_no: CaseNo, body: RatingIn, request: Request, pool: Pool, app: App) -> dict[str, Any]:
    """The applicant rates a stage of its own case, proven by the query code (charged
    to the client's lookup budget first)."""
    _refuse_over_budget(_budget(request).charge(_client(request)))
    found = None
    if _code_matches(pool, app, case_no, body.query_code):
        with pool.connection() as conn:
            found = find_by_case_no(conn, case_no)
    if found is None:
        raise HTTPException(404, NOT_FOUND)
    view = found[1]
    applicant = Actor(id=f"applicant:{case_no}", role=APPLICANT, department=view["department"])
    rating = Rate(stage=body.stage, level=body.level, comment=body.comment)
    done = app.handle(rating, UUID(view["case_id"]), applicant)
    return {"case_no": case_no, "version": done.version, "position": done.position}


def _code_matches(pool: Pool, app: App, case_no: str, query_code: str) -> bool:
    """Whether the code opens the case; an unknown number takes the same work."""
    with pool.connection() as conn:
        stored = stored_verifier(conn, case_no)
    return app.query_codes.matches(case_no, query_code, stored)


def _client(request: Request) -> str:
    proxies: TrustedProxies = request.app.state.trusted_proxies
    return proxies.client(request)


def _budget(request: Request) -> LookupBudget:
    budget: LookupBudget = request.app.state.lookup_budget
    return budget


async def _charge(request: Request) -> str:
    """Charge the client one lookup before any work; the client."""
    client = _client(request)
    _refuse_over_budget(await run_in_threadpool(_budget(request).charge, client))
    return client


def _refuse_over_budget(wait: int) -> None:
    """429 with Retry-After when the charge found the budget spent."""
    if wait:
        raise HTTPException(
            429, "too many case lookups; try again later", headers={"Retry-After": str(wait)}
        )


def _remaining(app: App, calendar: WorkingCalendar, view: dict[str, Any]) -> int | None:
    """Days left to the promised deadline in its limit's unit (working days for ``G``,
    natural days for ``Z``); None while paused, closed or unknown."""
    deadline, unit = view.get("promised_deadline"), view.get("limit_unit")
    if not deadline or not unit or view.get("paused") or view.get("closed"):
        return None
    return days_left(calendar, unit, date.fromisoformat(deadline), local_date(app.clock.now()))


@router.get("/decisions", response_model=DecisionsPage, responses=REVALIDATED)
def decisions(
    request: Request,
    pool: Pool,
    q: Annotated[str | None, Query(max_length=100)] = None,
    department: Filter = None,
    item: Filter = None,
    outcome: Outcome | None = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """办件公示: closed cases, newest first; applicants' personal names masked."""
    with pool.connection() as conn:
        rows, total = case_facts_store.search_decisions(
            conn,
            q=q,
            department=department,
            item_code=item,
            outcome=outcome,
            page=page,
            page_size=page_size,
        )
        names = departments_store.names(conn)
    items = [{**row, "department_name": names.get(row["department"])} for row in rows]
    body = {"items": items, "total": total, "page": page, "page_size": page_size}
    return _json(request, DecisionsPage.model_validate(body), LIST_CACHE)


@router.get("/statistics", response_model=Statistics, responses=REVALIDATED)
def statistics(
    request: Request,
    pool: Pool,
    group: Literal["department", "item"] = "department",
    month: Annotated[str | None, Query(pattern=r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$")] = None,
) -> Response:
    """Per department or item (and month): received, accepted, completed, on-time rate,
    working days used against the promised limit, ratings and rectification."""
    with pool.connection() as conn:
        rows = case_facts_store.statistics(conn, group=group, month=month)
        if group == "department":
            names = departments_store.names(conn)
            rows = [{**row, "name": names.get(row["key"], row["key"])} for row in rows]
    body = Statistics.model_validate({"group": group, "month": month, "rows": rows})
    return _json(request, body, LIST_CACHE)


@router.get("/statistics/monthly", response_model=MonthlyTrend, responses=REVALIDATED)
def monthly(request: Request, pool: Pool, department: Filter = None) -> Response:
    """Monthly trend: received, accepted, completed, on-time rate."""
    with pool.connection() as conn:
        rows = case_facts_store.monthly(conn, department=department)
    body = MonthlyTrend.model_validate({"department": department, "rows": rows})
    return _json(request, body, LIST_CACHE)


@router.get("/catalogue", response_model=Catalogue, responses=REVALIDATED)
def catalogue(
    request: Request,
    pool: Pool,
    department: Filter = None,
    category: Filter = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The power list as published: the current revision of every item in force."""
    with pool.connection() as conn:
        items = catalogue_store.list_items(conn, department=department, category=category, q=q)
        names = departments_store.names(conn)
    body = {"items": [{**i, "department_name": names.get(i["department"])} for i in items]}
    return _json(request, Catalogue.model_validate(body), LIST_CACHE)


@router.get(
    "/catalogue/{code}",
    response_model=Guide,
    responses={**REVALIDATED, **problem_responses(404, descriptions={404: "No such item"})},
)
def guide(code: ItemCode, request: Request, pool: Pool) -> Response:
    """An item's guide (办事指南): materials, fees, limits, legal basis, complaint channel,
    and its revision history."""
    with pool.connection() as conn:
        item = catalogue_store.find(conn, code)
        if item is None:
            raise HTTPException(404, f"no service item '{code}'")
        names = departments_store.names(conn)
    body = {
        **item,
        "department_name": names.get(item["department"]),
        "supervising_department_name": names.get(item["supervising_department"]),
    }
    return _json(request, Guide.model_validate(body), LIST_CACHE)


@router.get("/departments", response_model=Departments, responses=REVALIDATED)
def department_names(request: Request, pool: Pool) -> Response:
    """Department codes and their current names."""
    with pool.connection() as conn:
        names = departments_store.names(conn)
    return _json(request, Departments(departments=names), "public, max-age=3600")
