"""``Idempotency-Key``: a retried command returns its first response and records nothing new."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import HTTPException
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    actor text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    response jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
)
"""


def fingerprint(method: str, path: str, body: Any) -> str:
    """What identifies a request, so a key reused for another request is caught."""
    document = orjson.dumps([method, path, body], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(document).hexdigest()


def run_once(
    pool: ConnectionPool,
    *,
    actor: str,
    key: str | None,
    request: str,
    command: Callable[[], dict[str, Any]],
) -> tuple[dict[str, Any], bool]:
    """Run ``command`` once per (actor, key); returns the response and whether it is a replay."""
    if key is None:
        return command(), False
    with pool.connection() as conn:
        claimed = conn.execute(
            "INSERT INTO idempotency_keys (actor, key, fingerprint) VALUES (%s, %s, %s) "
            "ON CONFLICT DO NOTHING RETURNING 1",
            (actor, key, request),
        ).fetchone()
        if claimed is None:
            row = conn.execute(
                "SELECT fingerprint, response FROM idempotency_keys WHERE actor = %s AND key = %s",
                (actor, key),
            ).fetchone()
            assert row is not None
            if row[0] != request:
                raise HTTPException(
                    422, f"Idempotency-Key '{key}' was already used for a different request"
                )
            if row[1] is None:
                raise HTTPException(409, f"the request with Idempotency-Key '{key}' is in progress")
            return row[1], True
    try:
        response = command()
    except BaseException:
        with pool.connection() as conn:
            conn.execute("DELETE FROM idempotency_keys WHERE actor = %s AND key = %s", (actor, key))
        raise
    with pool.connection() as conn:
        conn.execute(
            "UPDATE idempotency_keys SET response = %s WHERE actor = %s AND key = %s",
            (Jsonb(response), actor, key),
        )
    return response, False
