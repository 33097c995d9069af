"""Public views: anyone holding a case number and its query code."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response

from api.deps import Pool
from domain.query_code import QueryCodes
from projections.public_status_store import find_by_case_no

router = APIRouter(prefix="/api/v1/public", tags=["public"])
MAX_WAIT_SECONDS = 5.0
POLL_SECONDS = 0.02
HIDDEN_FIELDS = ("query_code_hash", "case_id")


@router.get(
    "/cases/{case_no}",
    responses={404: {"description": "Unknown case number or wrong query code"}},
)
def track(
    case_no: str,
    pool: Pool,
    response: Response,
    query_code: Annotated[str, Query(min_length=1, max_length=32)],
    min_position: Annotated[int | None, Query(ge=0)] = None,
) -> dict[str, Any]:
    """Where the case stands. With ``min_position``, waits (up to 5 s) until the
    view includes that event; if it does not in time, answers with what it has and
    ``Casetrail-Position-Reached: false``."""
    found = _wait_for(pool, case_no, min_position or 0)
    if found is None or not QueryCodes.matches(query_code, found[1]["query_code_hash"]):
        raise HTTPException(404, "no case with that number and query code")
    position, view = found
    response.headers["Casetrail-Position-Reached"] = str(position >= (min_position or 0)).lower()
    response.headers["Cache-Control"] = "no-store"
    return {k: v for k, v in view.items() if k not in HIDDEN_FIELDS}


def _wait_for(pool: Pool, case_no: str, min_position: int) -> tuple[int, dict[str, Any]] | None:
    deadline = time.monotonic() + MAX_WAIT_SECONDS
    while True:
        with pool.connection() as conn:
            found = find_by_case_no(conn, case_no)
        if (found and found[0] >= min_position) or time.monotonic() >= deadline:
            return found
        time.sleep(POLL_SECONDS)
