"""PostgreSQL storage of the public case status view."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from projections.views_store import views_by_id

LOAD = "SELECT case_id, view FROM public_case_status WHERE case_id = ANY(%s)"


def load_many(conn: psycopg.Connection, case_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """The stored views of those of ``case_ids`` that have one, by id."""
    return views_by_id(conn, LOAD, case_ids)


SAVE = (
    "INSERT INTO public_case_status (case_id, case_no, position, view) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (case_id) DO UPDATE SET position = EXCLUDED.position, view = EXCLUDED.view"
)


def save_many(conn: psycopg.Connection, views: Sequence[dict[str, Any]]) -> None:
    """Insert or replace the cases' views."""
    with conn.cursor() as cursor:
        cursor.executemany(SAVE, [_parameters(view) for view in views])


def _parameters(view: dict[str, Any]) -> Any:
    """The statement's parameters for one view."""
    return (view["case_id"], view["case_no"], view["position"], Jsonb(view))


def find_by_case_no(conn: psycopg.Connection, case_no: str) -> tuple[int, dict[str, Any]] | None:
    """The position and view of the case with this number, or None."""
    row = conn.execute(
        "SELECT position, view FROM public_case_status WHERE case_no = %s", (case_no,)
    ).fetchone()
    return (int(row[0]), row[1]) if row else None
