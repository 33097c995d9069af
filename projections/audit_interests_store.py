"""PostgreSQL storage of the declared-interest register, and the inspectors' listing."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

PAGE_SIZE = 50


def load(conn: psycopg.Connection, interest_id: str) -> dict[str, Any] | None:
    """The stored view of a declared interest, or None."""
    row = conn.execute(
        "SELECT view FROM audit_interests WHERE interest_id = %s", (interest_id,)
    ).fetchone()
    return row[0] if row else None


def save(conn: psycopg.Connection, view: dict[str, Any]) -> None:
    """Insert or replace a declared interest's view."""
    conn.execute(
        "INSERT INTO audit_interests (interest_id, officer, status, position, view)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (interest_id) DO UPDATE SET"
        " (status, position, view) = (EXCLUDED.status, EXCLUDED.position, EXCLUDED.view)",
        (view["interest_id"], view["officer"], view["status"], view["position"], Jsonb(view)),
    )


def listing(
    conn: psycopg.Connection[Any],
    *,
    officer: str | None,
    status: str | None,
    page: int,
    page_size: int = PAGE_SIZE,
) -> tuple[list[dict[str, Any]], int]:
    """One page of declarations, newest first, and how many match in all."""
    where = "(%(officer)s::text IS NULL OR officer = %(officer)s)"
    where += " AND (%(status)s::text IS NULL OR status = %(status)s)"
    params = {"officer": officer, "status": status}
    total = conn.execute(f"SELECT count(*) FROM audit_interests WHERE {where}", params).fetchone()
    rows = conn.execute(
        f"SELECT view FROM audit_interests WHERE {where} ORDER BY position DESC"
        " LIMIT %(limit)s OFFSET %(offset)s",
        params | {"limit": page_size, "offset": (page - 1) * page_size},
    ).fetchall()
    return [row[0] for row in rows], int(total[0]) if total else 0
