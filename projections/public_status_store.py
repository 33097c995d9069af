"""PostgreSQL storage of the public case status view."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def load(conn: psycopg.Connection, case_id: str) -> dict[str, Any] | None:
    """The stored view of a case, or None."""
    row = conn.execute(
        "SELECT view FROM public_case_status WHERE case_id = %s", (case_id,)
    ).fetchone()
    return row[0] if row else None


def save(conn: psycopg.Connection, view: dict[str, Any]) -> None:
    """Insert or replace a case's view."""
    conn.execute(
        "INSERT INTO public_case_status (case_id, case_no, position, view) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (case_id) DO UPDATE SET position = EXCLUDED.position, view = EXCLUDED.view",
        (view["case_id"], view["case_no"], view["position"], Jsonb(view)),
    )


def find_by_case_no(conn: psycopg.Connection, case_no: str) -> tuple[int, dict[str, Any]] | None:
    """The position and view of the case with this number, or None."""
    row = conn.execute(
        "SELECT position, view FROM public_case_status WHERE case_no = %s", (case_no,)
    ).fetchone()
    return (int(row[0]), row[1]) if row else None
