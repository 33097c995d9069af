"""PostgreSQL storage of the published power list, and its public queries."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from projections.case_facts_store import like_pattern
from projections.views_store import views_by_id

LOAD = "SELECT item_id, view FROM public_catalogue WHERE item_id = ANY(%s)"


def load_many(conn: psycopg.Connection, item_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """The stored views of those of ``item_ids`` that have one, by id."""
    return views_by_id(conn, LOAD, item_ids)


SAVE = (
    "INSERT INTO public_catalogue"
    " (item_id, code, name, category, department, status, position, view)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (item_id) DO UPDATE SET"
    " (code, name, category, department, status, position, view) = (EXCLUDED.code,"
    " EXCLUDED.name, EXCLUDED.category, EXCLUDED.department, EXCLUDED.status,"
    " EXCLUDED.position, EXCLUDED.view)"
)


def save_many(conn: psycopg.Connection, views: Sequence[dict[str, Any]]) -> None:
    """Insert or replace the items' views."""
    with conn.cursor() as cursor:
        cursor.executemany(SAVE, [_parameters(view) for view in views])


def save(conn: psycopg.Connection, view: dict[str, Any]) -> None:
    """Insert or replace an item's view."""
    save_many(conn, [view])


def _parameters(view: dict[str, Any]) -> Any:
    """The statement's parameters for one view."""
    return (
        view["item_id"],
        view["code"],
        view["name"],
        view["category"],
        view["department"],
        view["status"],
        view["position"],
        Jsonb(view),
    )


def list_items(
    conn: psycopg.Connection, *, department: str | None, category: str | None, q: str | None
) -> list[dict[str, Any]]:
    """Items not retired, by code; ``q`` matches the code or the name (ILIKE)."""
    rows = conn.execute(
        "SELECT view FROM public_catalogue WHERE status <> 'retired'"
        " AND (%(department)s::text IS NULL OR department = %(department)s)"
        " AND (%(category)s::text IS NULL OR category = %(category)s)"
        " AND (%(pattern)s::text IS NULL OR code ILIKE %(pattern)s OR name ILIKE %(pattern)s)"
        " ORDER BY code",
        {"department": department, "category": category, "pattern": like_pattern(q)},
    ).fetchall()
    return [_summary(row[0]) for row in rows]


def find(conn: psycopg.Connection, code: str) -> dict[str, Any] | None:
    """The item's full view (content and revisions), retired items included; or None."""
    row = conn.execute("SELECT view FROM public_catalogue WHERE code = %s", (code,)).fetchone()
    return row[0] if row else None


def _summary(view: dict[str, Any]) -> dict[str, Any]:
    content = view["content"]
    return {
        **{name: view[name] for name in ("code", "name", "category", "department", "status")},
        "revision": view["revision"],
        "statutory_limit": content["statutory_limit"],
        "promised_limit": content["promised_limit"],
        "immediate": content["immediate"],
        "free": not content["fees"],
    }
