"""PostgreSQL storage of the published departments, and their names."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from projections.views_store import views_by_id

LOAD = "SELECT department_id, view FROM public_departments WHERE department_id = ANY(%s)"


def load_many(
    conn: psycopg.Connection, department_ids: Collection[str]
) -> dict[str, dict[str, Any]]:
    """The stored views of those of ``department_ids`` that have one, by id."""
    return views_by_id(conn, LOAD, department_ids)


SAVE = (
    "INSERT INTO public_departments (department_id, code, name, position, view)"
    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (department_id) DO UPDATE SET"
    " (name, position, view) = (EXCLUDED.name, EXCLUDED.position, EXCLUDED.view)"
)


def save_many(conn: psycopg.Connection, views: Sequence[dict[str, Any]]) -> None:
    """Insert or replace the departments' views."""
    with conn.cursor() as cursor:
        cursor.executemany(SAVE, [_parameters(view) for view in views])


def _parameters(view: dict[str, Any]) -> Any:
    """The statement's parameters for one view."""
    return (view["department_id"], view["code"], view["name"], view["position"], Jsonb(view))


def names(conn: psycopg.Connection) -> dict[str, str]:
    """Every department's current name, by code (in code order)."""
    rows = conn.execute("SELECT code, name FROM public_departments ORDER BY code").fetchall()
    return {code: name for code, name in rows}
