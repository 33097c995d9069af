"""The staff's and supervisors' case rows as the API answers them: the stored supervision
row with what only the day of reading knows (days remaining or overdue in each limit's
unit, how long a pause has lasted), and the flat tables the CSV and XLSX exports hold."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import psycopg
from fastapi.responses import Response
from psycopg_pool import ConnectionPool
from pydantic import BaseModel

from api.exports import Cell, Format, Table, as_download
from domain.application import HallApplication
from domain.calendar import WorkingCalendar
from domain.case import local_date
from domain.deadlines import days_left
from projections import supervision_cases_store
from projections.published_calendar_store import working_calendar
from projections.supervision_cases_store import Filters

Light = Literal["green", "yellow", "red"]


class Alert(BaseModel):
    """An active alert of the deadline sweeper: its kind (the event's, e.g.
    ``deadline_warning_raised``), the deadline it is about, the day it was raised, and the
    event's other details (unit, days used and allowed; step; procedure; stage)."""

    model_config = {"extra": "allow"}

    kind: str
    deadline: str
    raised_on: date


class StepOut(BaseModel):
    """A handling step: ``pending``, ``current``, ``completed`` (on ``completed_on``) or
    ``skipped`` by the decision."""

    name: str
    role: str
    status: Literal["pending", "current", "completed", "skipped"]
    completed_on: date | None


class CaseRow(BaseModel):
    """A case on the staff's listings and the supervision board.

    ``light`` is None unless the case is open and accepted. ``days_remaining`` counts the
    promised clock's days (in ``unit``: ``G`` working, ``Z`` natural) from the day read to
    the promised deadline, negative once it has passed (``days_overdue`` then says by how
    many); both None unless the case is open, accepted and running. The statutory pair
    likewise, in ``statutory_unit``, until the decision. ``paused_days``: natural days
    since the clock stopped (``paused_since``)."""

    case_id: str
    case_no: str
    item_code: str
    item_name: str
    department: str
    channel: str
    assignee: str | None
    status: str
    open: bool
    submitted_on: date
    accepted_on: date | None
    decided_on: date | None
    closed_on: date | None
    unit: str | None
    promised_days: int | None
    statutory_unit: str | None
    statutory_days: int | None
    promised_deadline: date | None
    statutory_deadline: date | None
    deadline_provisional: bool
    extension_days: int
    days_remaining: int | None
    days_overdue: int | None
    statutory_days_remaining: int | None
    paused: bool
    statutory_paused: bool
    paused_since: date | None
    paused_days: int | None
    pause_kind: str | None
    light: Light | None
    alerts: list[Alert]
    returns: int
    suspensions: int
    special_procedures: int
    extensions: int
    supplement_notices: int
    steps: list[StepOut]
    current_step: str | None
    current_step_role: str | None
    opinions_owed: list[str]
    acceptance_rating: int | None
    closure_rating: int | None
    acceptance_rectification: str | None
    closure_rectification: str | None
    poor_ratings: int
    days_used: int | None
    on_time: bool | None
    statutory_days_used: int | None
    on_time_statutory: bool | None
    deemed_satisfied: list[str]
    updated_on: date
    version: int
    position: int


class CasePage(BaseModel):
    """One page of a listing, and how many cases match in all."""

    items: list[CaseRow]
    total: int
    page: int
    page_size: int


def read_row(row: dict[str, Any], calendar: WorkingCalendar, today: date) -> CaseRow:
    """``row`` as read on ``today`` under the hall's ``calendar``."""
    running = row["open"] and row["accepted_on"] is not None
    remaining = _left(calendar, row["unit"], row["promised_deadline"], today)
    statutory = _left(calendar, row["statutory_unit"], row["statutory_deadline"], today)
    if not running or row["paused"]:
        remaining = None
    if not running or row["statutory_paused"] or row["decided_on"] is not None:
        statutory = None
    since = row["paused_since"]
    return CaseRow.model_validate(
        {
            **row,
            "days_remaining": remaining,
            "days_overdue": max(0, -remaining) if remaining is not None else None,
            "statutory_days_remaining": statutory,
            "paused_days": (today - date.fromisoformat(since)).days if since else None,
        }
    )


def _left(
    calendar: WorkingCalendar, unit: str | None, deadline: str | None, today: date
) -> int | None:
    if unit is None or deadline is None:
        return None
    return days_left(calendar, unit, date.fromisoformat(deadline), today)


EXPORT_ROWS = 100_000  # an export holds every row its filters keep, up to this many

# The board's export: one flat row per case (lists joined with "; ", alerts as
# ``kind@deadline``; an empty list is an empty cell).
EXPORT_COLUMNS = (
    "case_no",
    "item_code",
    "item_name",
    "department",
    "assignee",
    "status",
    "light",
    "submitted_on",
    "accepted_on",
    "closed_on",
    "unit",
    "promised_deadline",
    "days_remaining",
    "days_overdue",
    "statutory_unit",
    "statutory_deadline",
    "statutory_days_remaining",
    "extension_days",
    "paused",
    "paused_since",
    "pause_kind",
    "alerts",
    "returns",
    "suspensions",
    "special_procedures",
    "extensions",
    "supplement_notices",
    "current_step",
    "opinions_owed",
    "poor_ratings",
    "days_used",
    "on_time",
)


def export_row(row: CaseRow) -> list[Cell]:
    """A board row's cells in ``EXPORT_COLUMNS``' order."""
    values = row.model_dump(mode="json")
    values["alerts"] = "; ".join(f"{a.kind}@{a.deadline}" for a in row.alerts) or None
    values["opinions_owed"] = "; ".join(row.opinions_owed) or None
    return [values[name] for name in EXPORT_COLUMNS]


class Section(BaseModel):
    """A queue's section: at most ``QUEUE_LIMIT`` cases, nearest deadline first, and how
    many in all."""

    items: list[CaseRow]
    total: int


def reading_day(app: HallApplication, conn: psycopg.Connection) -> tuple[WorkingCalendar, date]:
    """The hall's published calendar and today's local date, for reading rows."""
    return working_calendar(conn, app.base_calendar), local_date(app.clock.now())


def listing(
    app: HallApplication,
    pool: ConnectionPool,
    filters: Filters,
    *,
    page: int,
    page_size: int,
    fmt: Format,
    stem: str,
) -> CasePage | Response:
    """A page of the rows ``filters`` keeps; as CSV or XLSX (sheet ``cases``) every row it
    keeps, up to ``EXPORT_ROWS``, whatever the page."""
    if fmt != "json":
        page, page_size = 1, EXPORT_ROWS
    with pool.connection() as conn:
        rows, total = supervision_cases_store.search(conn, filters, page=page, page_size=page_size)
        calendar, today = reading_day(app, conn)
    items = [read_row(row, calendar, today) for row in rows]
    if fmt != "json":
        table = Table(EXPORT_COLUMNS, [export_row(item) for item in items])
        return as_download({"cases": table}, fmt, f"{stem}-{today.isoformat()}", "cases")
    return CasePage(items=items, total=total, page=page, page_size=page_size)


def sections(
    found: dict[str, tuple[list[dict[str, Any]], int]], calendar: WorkingCalendar, today: date
) -> dict[str, Section]:
    """A queue's sections, their rows read on ``today``."""
    return {
        name: Section(items=[read_row(row, calendar, today) for row in rows], total=total)
        for name, (rows, total) in found.items()
    }
