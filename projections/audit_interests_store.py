"""PostgreSQL storage of the declared-interest register, and the inspectors' listing."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from projections.views_store import views_by_id

PAGE_SIZE = 50


LOAD = "SELECT interest_id, view FROM audit_interests WHERE interest_id = ANY(%s)"


def load_many(conn: psycopg.Connection, interest_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """The stored views of those of ``interest_ids`` that have one, by id."""
    return views_by_id(conn, LOAD, interest_ids)


SAVE = (
    "INSERT INTO audit_interests (interest_id, officer, status, position, view)"
    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (interest_id) DO UPDATE SET"
    " (status, position, view) = (EXCLUDED.status, EXCLUDED.position, EXCLUDED.view)"
)


def save_many(conn: psycopg.Connection, views: Sequence[dict[str, Any]]) -> None:
    """Insert or replace the declared interests' views."""
    with conn.cursor() as cursor:
        cursor.executemany(SAVE, [_parameters(view) for view in views])


def _parameters(view: dict[str, Any]) -> Any:
    """The statement's parameters for one view."""
    return (view["interest_id"], view["officer"], view["status"], view["position"], Jsonb(view))


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
