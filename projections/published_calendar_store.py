"""PostgreSQL storage of the published working-day calendar, and its schedules."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from domain.calendar import WorkingCalendar, with_published
from projections.views_store import views_by_id

LOAD = "SELECT calendar_id, view FROM public_calendar WHERE calendar_id = ANY(%s)"


def load_many(conn: psycopg.Connection, calendar_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """The stored views of those of ``calendar_ids`` that have one, by id."""
    return views_by_id(conn, LOAD, calendar_ids)


SAVE = (
    "INSERT INTO public_calendar (calendar_id, position, view) VALUES (%s, %s, %s)"
    " ON CONFLICT (calendar_id) DO UPDATE SET"
    " (position, view) = (EXCLUDED.position, EXCLUDED.view)"
)


def save_many(conn: psycopg.Connection, views: Sequence[dict[str, Any]]) -> None:
    """Insert or replace the calendars' views."""
    with conn.cursor() as cursor:
        cursor.executemany(SAVE, [_parameters(view) for view in views])


def _parameters(view: dict[str, Any]) -> Any:
    """The statement's parameters for one view."""
    return (view["calendar_id"], view["position"], Jsonb(view))


def working_calendar(conn: psycopg.Connection, base: WorkingCalendar) -> WorkingCalendar:
    """``base`` with every year the hall published, replacing ``base``'s own schedule."""
    for (view,) in conn.execute("SELECT view FROM public_calendar").fetchall():
        base = with_published(base, view["years"])
    return base
