"""``Idempotency-Key``: a retried command returns its first response and records nothing new.

The key is claimed in the transaction that records the command's events (see
``infra.recorder``), so a retry finds either that outcome or nothing at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import Header, HTTPException, Request, Response
from psycopg_pool import ConnectionPool

from domain.application import HallApplication
from domain.recorded import Recorded, RequestKey, Submission
from infra.recorder import REPLAY_WINDOW


def fingerprint(method: str, path: str, body: Any) -> str:
    """What identifies a request, so a key reused for another request is caught."""
    document = orjson.dumps([method, path, body], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(document).hexdigest()


IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=200,
        description="Retrying with the same key returns the first response and records nothing",
    ),
]


def run_keyed(
    request: Request,
    response: Response,
    pool: ConnectionPool,
    actor: str,
    key: str | None,
    body: Any,
    command: Callable[[RequestKey | None], Recorded],
) -> Recorded:
    """Run a route's command under its ``Idempotency-Key`` header ``key``, if it sent
    one; a replayed outcome is marked ``Idempotent-Replayed: true``."""
    claim = None
    if key is not None:
        claim = RequestKey(actor, key, fingerprint(request.method, request.url.path, body))
    application: HallApplication = request.app.state.application
    recorded, replayed = run_once(pool, claim, command, application.replayed_submission)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return recorded


Reveal = Callable[[Recorded, dict[str, str]], Submission]


def run_once(
    pool: ConnectionPool,
    request: RequestKey | None,
    command: Callable[[RequestKey | None], Recorded],
    reveal: Reveal,
) -> tuple[Recorded, bool]:
    """Run ``command`` once per (actor, key); returns its outcome and whether it is a
    replay. ``reveal`` rebuilds a replayed intake's response from what its claim kept."""
    if request is None:
        return command(None), False
    if (first := _first_outcome(pool, request, reveal)) is not None:
        return first, True
    try:
        return command(request), False
    except Exception:
        # A concurrent request with the same key may have recorded first, making this
        # one fail (a version clash, or a transition already made): show its outcome.
        if (first := _first_outcome(pool, request, reveal)) is not None:
            return first, True
        raise


def _first_outcome(pool: ConnectionPool, request: RequestKey, reveal: Reveal) -> Recorded | None:
    """What the key's first request recorded; 422 when the key named another request."""
    with pool.connection() as conn:
        row = conn.execute(
            "SELECT fingerprint, aggregate_id, version, position, shown_once "
            "FROM request_claims WHERE actor = %s AND key = %s "
            f"AND created_at >= now() - interval '{REPLAY_WINDOW}'",
            (request.actor, request.key),
        ).fetchone()
    if row is None:
        return None
    stored_fingerprint, aggregate_id, version, position, shown_once = row
    if stored_fingerprint != request.fingerprint:
        raise HTTPException(
            422, f"Idempotency-Key '{request.key}' was already used for a different request"
        )
    recorded = Recorded(aggregate_id=aggregate_id, version=version, position=position)
    return reveal(recorded, shown_once) if shown_once else recorded
