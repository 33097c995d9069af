"""PostgreSQL storage of the published departments, and their names."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def load(conn: psycopg.Connection, department_id: str) -> dict[str, Any] | None:
    """The stored view of a department, or None."""
    row = conn.execute(
        "SELECT view FROM public_departments WHERE department_id = %s", (department_id,)
    ).fetchone()
    return row[0] if row else None


def save(conn: psycopg.Connection, view: dict[str, Any]) -> None:
    """Insert or replace a department's view."""
    conn.execute(
        "INSERT INTO public_departments (department_id, code, name, position, view)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (department_id) DO UPDATE SET"
        " (name, position, view) = (EXCLUDED.name, EXCLUDED.position, EXCLUDED.view)",
        (view["department_id"], view["code"], view["name"], view["position"], Jsonb(view)),
    )


def names(conn: psycopg.Connection) -> dict[str, str]:
    """Every department's current name, by code (in code order)."""
    rows = conn.execute("SELECT code, name FROM public_departments ORDER BY code").fetchall()
    return {code: name for code, name in rows}
