"""Public views, read from the projections only: case tracking (case number + query
code), published decisions, statistics, the power list. Lists carry ETag and
Cache-Control; case lookups are rate-limited per client."""

from __future__ import annotations

import hashlib
import time
from datetime import date
from functools import cache
from typing import Annotated, Any, Literal
from uuid import UUID

import orjson
from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import App, Pool
from api.rate_limit import RateLimiter
from api.tokens import APPLICANT
from domain.actor import Actor
from domain.case import local_date
from infra.catalogue import read_catalogue
from infra.recorder import stored_verifier
from projections import case_facts_store, catalogue_store
from projections.public_status_store import find_by_case_no

router = APIRouter(prefix="/api/v1/public", tags=["public"])
MAX_WAIT_SECONDS = 5.0
POLL_SECONDS = 0.02
HIDDEN_FIELDS = ("case_id", "closed")
LIST_CACHE = "public, max-age=30"
NOT_FOUND = "no case with that number and query code"


@cache
def departments() -> dict[str, str]:
    """Department codes and names, as the hall publishes them (read once)."""
    names: dict[str, str] = read_catalogue()["departments"]
    return names


def _json(request: Request, body: Any, cache_control: str, etag: str | None = None) -> Response:
    """A JSON response with an ETag; 304 when the client already has it."""
    content = orjson.dumps(body)
    tag = f'W/"{etag or hashlib.sha256(content).hexdigest()[:20]}"'
    headers = {"ETag": tag, "Cache-Control": cache_control}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(content, media_type="application/json", headers=headers)


@router.get(
    "/cases/{case_no}",
    responses={
        304: {"description": "Unchanged since the ETag sent in If-None-Match"},
        404: {"description": "Unknown case number or wrong query code (the same answer)"},
        429: {"description": "Too many lookups from this client; see Retry-After"},
    },
)
def track(
    case_no: str,
    request: Request,
    pool: Pool,
    app: App,
    query_code: Annotated[str, Query(min_length=1, max_length=32)],
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """Where the case stands. With ``min_position``, waits (up to 5 s) until the view
    includes that event; if it does not in time, answers with what it has and
    ``Casetrail-Position-Reached: false``."""
    client = _allowed(request)
    found = _code_matches(pool, app, case_no, query_code) and _wait_for(
        pool, case_no, min_position
    )
    if not found:
        _limiter(request).spend(client)
        raise HTTPException(404, NOT_FOUND)
    position, view = found
    public = {k: v for k, v in view.items() if k not in HIDDEN_FIELDS}
    public["department_name"] = departments().get(view["department"], view["department"])
    public["working_days_remaining"] = _remaining(app, view)
    public["rating_url"] = f"/api/v1/public/cases/{case_no}/rating" if view.get("closed") else None
    response = _json(request, public, "private, no-cache", etag=str(position))
    response.headers["Casetrail-Position-Reached"] = str(position >= (min_position or 0)).lower()
    if response.status_code != 304:  # revalidating an unchanged view (polling) is free
        _limiter(request).spend(client)
    return response


class RatingIn(BaseModel):
    """好差评 by the applicant: 5 非常满意 … 1 非常不满意."""

    model_config = ConfigDict(extra="forbid")

    query_code: str = Field(min_length=1, max_length=32)
    stage: Literal["acceptance", "closure"]
    level: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=500)


@router.post(
    "/cases/{case_no}/rating",
    responses={
        404: {"description": "Unknown case number or wrong query code"},
        409: {"description": "The stage cannot be rated yet"},
        422: {"description": "Already rated, or a bad body"},
        429: {"description": "Too many attempts from this client"},
    },
)
def rate(case_no: str, body: RatingIn, request: Request, pool: Pool, app: App) -> dict[str, Any]:
    """The applicant rates a stage of its own case, proven by the query code."""
    client = _allowed(request)
    found = None
    if _code_matches(pool, app, case_no, body.query_code):
        with pool.connection() as conn:
            found = find_by_case_no(conn, case_no)
    if found is None:
        _limiter(request).spend(client)
        raise HTTPException(404, NOT_FOUND)
    view = found[1]
    applicant = Actor(id=f"applicant:{case_no}", role=APPLICANT, department=view["department"])
    done = app.handle(
        "rate",
        UUID(view["case_id"]),
        applicant,
        stage=body.stage,
        level=body.level,
        comment=body.comment,
    )
    return {"case_no": case_no, "version": done.version, "position": done.position}


def _code_matches(pool: Pool, app: App, case_no: str, query_code: str) -> bool:
    """Whether the code opens the case; an unknown number takes the same work."""
    with pool.connection() as conn:
        stored = stored_verifier(conn, case_no)
    return app.query_codes.matches(case_no, query_code, stored)


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.lookup_limiter
    return limiter


def _allowed(request: Request) -> str:
    """The client, unless it looked up too much lately (then 429 with Retry-After)."""
    client = request.client.host if request.client else "unknown"
    wait = _limiter(request).retry_after(client)
    if wait:
        raise HTTPException(
            429,
            "too many failed case lookups; try again later",
            headers={"Retry-After": str(wait)},
        )
    return client


def _remaining(app: App, view: dict[str, Any]) -> int | None:
    """Working days left to the promised deadline (None while paused, closed or unknown)."""
    deadline = view.get("promised_deadline")
    if not deadline or view.get("paused") or view.get("closed"):
        return None
    today, due = local_date(app.clock.now()), date.fromisoformat(deadline)
    calendar = app.calendar()
    if due < today:
        return -calendar.working_days_between(due, today)
    return calendar.working_days_between(today, due)


def _wait_for(
    pool: Pool, case_no: str, min_position: int | None
) -> tuple[int, dict[str, Any]] | None:
    """The view; with ``min_position``, polled until it includes that position (5 s at most).
    Without it, one read: an unknown number answers as fast as a wrong code."""
    deadline = time.monotonic() + MAX_WAIT_SECONDS
    while True:
        with pool.connection() as conn:
            found = find_by_case_no(conn, case_no)
        reached = found is not None and found[0] >= (min_position or 0)
        if min_position is None or reached or time.monotonic() >= deadline:
            return found
        time.sleep(POLL_SECONDS)


@router.get("/decisions")
def decisions(
    request: Request,
    pool: Pool,
    q: Annotated[str | None, Query(max_length=100)] = None,
    department: str | None = None,
    item: str | None = None,
    outcome: Literal["approved", "denied"] | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
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
    names = departments()
    items = [{**row, "department_name": names.get(row["department"])} for row in rows]
    body = {"items": items, "total": total, "page": page, "page_size": page_size}
    return _json(request, body, LIST_CACHE)


@router.get("/statistics")
def statistics(
    request: Request,
    pool: Pool,
    group: Literal["department", "item"] = "department",
    month: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
) -> Response:
    """Per department or item (and month): received, accepted, completed, on-time rate,
    working days used against the promised limit, ratings and rectification."""
    with pool.connection() as conn:
        rows = case_facts_store.statistics(conn, group=group, month=month)
    if group == "department":
        names = departments()
        rows = [{**row, "name": names.get(row["key"], row["key"])} for row in rows]
    return _json(request, {"group": group, "month": month, "rows": rows}, LIST_CACHE)


@router.get("/statistics/monthly")
def monthly(request: Request, pool: Pool, department: str | None = None) -> Response:
    """Monthly trend: received, accepted, completed, on-time rate."""
    with pool.connection() as conn:
        rows = case_facts_store.monthly(conn, department=department)
    return _json(request, {"department": department, "rows": rows}, LIST_CACHE)


@router.get("/catalogue")
def catalogue(
    request: Request,
    pool: Pool,
    department: str | None = None,
    category: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The power list as published: the current revision of every item in force."""
    with pool.connection() as conn:
        items = catalogue_store.list_items(conn, department=department, category=category, q=q)
    names = departments()
    body = {"items": [{**i, "department_name": names.get(i["department"])} for i in items]}
    return _json(request, body, LIST_CACHE)


@router.get("/catalogue/{code}", responses={404: {"description": "No such item"}})
def guide(code: str, request: Request, pool: Pool) -> Response:
    """An item's guide (办事指南): materials, fees, limits, legal basis, complaint channel,
    and its revision history."""
    with pool.connection() as conn:
        item = catalogue_store.find(conn, code)
    if item is None:
        raise HTTPException(404, f"no service item '{code}'")
    names = departments()
    body = {
        **item,
        "department_name": names.get(item["department"]),
        "supervising_department_name": names.get(item["supervising_department"]),
    }
    return _json(request, body, LIST_CACHE)


@router.get("/departments")
def department_names(request: Request) -> Response:
    """Department codes and names."""
    return _json(request, {"departments": departments()}, "public, max-age=3600")
