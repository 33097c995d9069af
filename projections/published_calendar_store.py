"""PostgreSQL storage of the published working-day calendar, and its schedules."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from domain.calendar import WorkingCalendar, with_published


def load(conn: psycopg.Connection, calendar_id: str) -> dict[str, Any] | None:
    """The stored view of a calendar, or None."""
    row = conn.execute(
        "SELECT view FROM public_calendar WHERE calendar_id = %s", (calendar_id,)
    ).fetchone()
    return row[0] if row else None


def save(conn: psycopg.Connection, view: dict[str, Any]) -> None:
    """Insert or replace a calendar's view."""
    conn.execute(
        "INSERT INTO public_calendar (calendar_id, position, view) VALUES (%s, %s, %s)"
        " ON CONFLICT (calendar_id) DO UPDATE SET"
        " (position, view) = (EXCLUDED.position, EXCLUDED.view)",
        (view["calendar_id"], view["position"], Jsonb(view)),
    )


def working_calendar(conn: psycopg.Connection, base: WorkingCalendar) -> WorkingCalendar:
    """``base`` with every year the hall published, replacing ``base``'s own schedule."""
    for (view,) in conn.execute("SELECT view FROM public_calendar").fetchall():
        base = with_published(base, view["years"])
    return base
