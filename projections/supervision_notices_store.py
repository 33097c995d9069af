"""PostgreSQL storage of the supervision notices, and the queries on them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from projections.views_store import views_by_id

PAGE_SIZE = 50


LOAD = "SELECT notice_id, view FROM supervision_notices WHERE notice_id = ANY(%s)"


def load_many(conn: psycopg.Connection, notice_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """The stored views of those of ``notice_ids`` that have one, by id."""
    return views_by_id(conn, LOAD, notice_ids)


def load(conn: psycopg.Connection, notice_id: str) -> dict[str, Any] | None:
    """The stored view of a notice, or None."""
    return load_many(conn, [notice_id]).get(notice_id)


SAVE = (
    "INSERT INTO supervision_notices (notice_id, case_id, department, status, respond_by,"
    " issued_at, position, view) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (notice_id) DO UPDATE SET (status, position, view) ="
    " (EXCLUDED.status, EXCLUDED.position, EXCLUDED.view)"
)


def save_many(conn: psycopg.Connection, views: Sequence[dict[str, Any]]) -> None:
    """Insert or replace the notices' views."""
    with conn.cursor() as cursor:
        cursor.executemany(SAVE, [_parameters(view) for view in views])


def _parameters(view: dict[str, Any]) -> Any:
    """The statement's parameters for one view."""
    return (
        view["notice_id"],
        view["case_id"],
        view["department"],
        view["status"],
        date.fromisoformat(view["respond_by"]),
        datetime.fromisoformat(view["issued_at"]),
        view["position"],
        Jsonb(view),
    )


def listing(
    conn: psycopg.Connection[Any],
    *,
    department: str | None,
    status: str | None,
    page: int,
    page_size: int = PAGE_SIZE,
) -> tuple[list[dict[str, Any]], int]:
    """One page of notices of ``department`` (None: all) with ``status`` (None: any),
    newest first, and how many there are in all."""
    where = "(%(department)s::text IS NULL OR department = %(department)s)"
    where += " AND (%(status)s::text IS NULL OR status = %(status)s)"
    values = {"department": department, "status": status}
    total = conn.execute(f"SELECT count(*) FROM supervision_notices WHERE {where}", values)
    counted = total.fetchone()
    rows = conn.execute(
        f"SELECT view FROM supervision_notices WHERE {where}"
        " ORDER BY position DESC LIMIT %(limit)s OFFSET %(offset)s",
        values | {"limit": page_size, "offset": (page - 1) * page_size},
    ).fetchall()
    return [row[0] for row in rows], int(counted[0]) if counted else 0


def overdue(conn: psycopg.Connection[Any], today: date) -> list[str]:
    """The ids of the open notices whose date to respond by is before ``today``."""
    rows = conn.execute(
        "SELECT notice_id FROM supervision_notices WHERE status = 'open' AND respond_by < %s"
        " ORDER BY respond_by, notice_id",
        (today,),
    ).fetchall()
    return [str(row[0]) for row in rows]
