"""PostgreSQL storage of the supervision view of each case, and the staff's queries on it.

Every query takes the departments it may read (``department`` None: every one) from
its caller, which decides them from the token; the queries never widen it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from projections.case_facts_store import like_pattern
from projections.views_store import rows_by_id

TABLE = "supervision_cases"
COLUMNS = (
    "case_id",
    "case_no",
    "item_code",
    "item_name",
    "department",
    "channel",
    "assignee",
    "status",
    "open",
    "submitted_on",
    "accepted_on",
    "decided_on",
    "closed_on",
    "unit",
    "promised_days",
    "statutory_unit",
    "statutory_days",
    "promised_deadline",
    "statutory_deadline",
    "deadline_provisional",
    "extension_days",
    "paused",
    "statutory_paused",
    "paused_since",
    "pause_kind",
    "light",
    "alerts",
    "returns",
    "suspensions",
    "special_procedures",
    "extensions",
    "supplement_notices",
    "steps",
    "current_step",
    "current_step_role",
    "opinions_owed",
    "acceptance_rating",
    "closure_rating",
    "acceptance_rectification",
    "closure_rectification",
    "poor_ratings",
    "days_used",
    "on_time",
    "statutory_days_used",
    "on_time_statutory",
    "deemed_satisfied",
    "version",
    "position",
    "updated_on",
)
DATE_COLUMNS = (
    "submitted_on",
    "accepted_on",
    "decided_on",
    "closed_on",
    "promised_deadline",
    "statutory_deadline",
    "paused_since",
    "updated_on",
)
JSON_COLUMNS = ("alerts", "steps")
SELECT = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
# the board's order: red, yellow, green, then the rest; nearest deadline first
BOARD_ORDER = sql.SQL(
    "ORDER BY CASE light WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 WHEN 'green' THEN 2 ELSE 3 END,"
    " promised_deadline NULLS LAST, case_no"
)
LOAD = (
    sql.SQL("SELECT {} FROM supervision_cases WHERE case_id = ANY(%s)").format(SELECT).as_string()
)
QUEUE_LIMIT = 100  # each queue section lists at most this many cases (its total counts all)


def load_many(conn: psycopg.Connection, case_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """The stored rows of those of ``case_ids`` that have one (dates as ISO strings), by
    id."""
    return {
        case_id: _view(row) for case_id, row in rows_by_id(conn, LOAD, case_ids, "case_id").items()
    }


UPSERT = (  # composed once: it runs for every event
    sql.SQL(
        "INSERT INTO supervision_cases ({columns}) VALUES ({values}) "
        "ON CONFLICT (case_id) DO UPDATE SET ({updated}) = ({excluded})"
    )
    .format(
        columns=SELECT,
        values=sql.SQL(", ").join(map(sql.Placeholder, COLUMNS)),
        updated=sql.SQL(", ").join(map(sql.Identifier, COLUMNS[1:])),
        excluded=sql.SQL(", ").join(sql.Identifier("excluded", c) for c in COLUMNS[1:]),
    )
    .as_string()
)


def save_many(conn: psycopg.Connection, views: Sequence[dict[str, Any]]) -> None:
    """Insert or replace the cases' rows."""
    with conn.cursor() as cursor:
        cursor.executemany(UPSERT, [parameters(view) for view in views])


def save(conn: psycopg.Connection, view: dict[str, Any]) -> None:
    """Insert or replace a case's row."""
    save_many(conn, [view])


def parameters(view: dict[str, Any]) -> dict[str, Any]:
    """``UPSERT``'s parameters for a row: dates as dates, lists of objects as JSON."""
    return {
        **view,
        **{name: date.fromisoformat(view[name]) if view[name] else None for name in DATE_COLUMNS},
        **{name: Jsonb(view[name]) for name in JSON_COLUMNS},
    }


@dataclass(frozen=True)
class Filters:
    """What a listing keeps: ``department`` None reads every department; ``q`` matches the
    case number, the item code or the item name; ``state`` is ``open``, ``closed`` or None
    (both); ``status`` a case status."""

    department: str | None = None
    q: str | None = None
    status: str | None = None
    state: str | None = None
    light: str | None = None
    item: str | None = None
    assignee: str | None = None

    def where(self) -> tuple[sql.Composable, dict[str, Any]]:
        params = {
            "department": self.department,
            "pattern": like_pattern(self.q),
            "status": self.status,
            "open": None if self.state is None else self.state == "open",
            "light": self.light,
            "item": self.item,
            "assignee": self.assignee,
        }
        clause = sql.SQL(
            """WHERE (%(department)s::text IS NULL OR department = %(department)s)
              AND (%(pattern)s::text IS NULL OR case_no ILIKE %(pattern)s
                   OR item_code ILIKE %(pattern)s OR item_name ILIKE %(pattern)s)
              AND (%(status)s::text IS NULL OR status = %(status)s)
              AND (%(open)s::boolean IS NULL OR open = %(open)s)
              AND (%(light)s::text IS NULL OR light = %(light)s)
              AND (%(item)s::text IS NULL OR item_code = %(item)s)
              AND (%(assignee)s::text IS NULL OR assignee = %(assignee)s)"""
        )
        return clause, params


def search(
    conn: psycopg.Connection, filters: Filters, *, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of the rows ``filters`` keeps, in the board's order, and how many in all."""
    if page < 1 or page_size < 1:
        raise ValueError("page and page_size start at 1")
    where, params = filters.where()
    query = sql.SQL("SELECT {} FROM supervision_cases {} {} LIMIT %(limit)s OFFSET %(offset)s")
    paged = {**params, "limit": page_size, "offset": (page - 1) * page_size}
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(query.format(SELECT, where, BOARD_ORDER), paged).fetchall()
        counted = cursor.execute(
            sql.SQL("SELECT count(*) AS n FROM supervision_cases {}").format(where), params
        ).fetchone()
    assert counted is not None
    return [_view(row) for row in rows], int(counted["n"])


def section(
    conn: psycopg.Connection, condition: sql.Composable, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], int]:
    """A queue's section: the first ``QUEUE_LIMIT`` open cases meeting ``condition``,
    nearest deadline first, and how many in all."""
    where = sql.SQL("WHERE open AND ({})").format(condition)
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(
            sql.SQL(
                "SELECT {} FROM supervision_cases {}"
                " ORDER BY promised_deadline NULLS LAST, case_no LIMIT {}"
            ).format(SELECT, where, sql.Literal(QUEUE_LIMIT)),
            params,
        ).fetchall()
        counted = cursor.execute(
            sql.SQL("SELECT count(*) AS n FROM supervision_cases {}").format(where), params
        ).fetchone()
    assert counted is not None
    return [_view(row) for row in rows], int(counted["n"])


def officer_queue(
    conn: psycopg.Connection, *, officer: str, role: str, department: str
) -> dict[str, tuple[list[dict[str, Any]], int]]:
    """A staff member's queue: the open cases ``assigned`` to them, those whose current
    handling step is their role's in their department (an officer's only when assigned to
    them), and those whose parallel review awaits their department's
    opinion."""
    params = {"officer": officer, "role": role, "department": department}
    return {
        "assigned": section(conn, sql.SQL("assignee = %(officer)s"), params),
        "steps": section(
            conn,
            sql.SQL(
                "department = %(department)s AND current_step_role = %(role)s"
                " AND status = 'in_review'"
                " AND (%(role)s <> 'officer' OR assignee = %(officer)s)"
            ),
            params,
        ),
        "opinions": section(conn, sql.SQL("%(department)s = ANY(opinions_owed)"), params),
    }


def department_queue(
    conn: psycopg.Connection, department: str, *, due_by: dict[str, date]
) -> dict[str, tuple[list[dict[str, Any]], int]]:
    """A department's queue: accepted open cases no officer holds, cases waiting for
    acceptance, and running cases whose promised deadline is on or before ``due_by`` of
    their unit (``{"G": day, "Z": day}``; overdue ones included)."""
    params = {"department": department, "g": due_by["G"], "z": due_by["Z"]}
    return {
        "unassigned": section(
            conn,
            sql.SQL("department = %(department)s AND accepted_on IS NOT NULL AND assignee IS NULL"),
            params,
        ),
        "awaiting_acceptance": section(
            conn, sql.SQL("department = %(department)s AND accepted_on IS NULL"), params
        ),
        "due_soon": section(
            conn,
            sql.SQL(
                "department = %(department)s AND NOT paused AND promised_deadline IS NOT NULL"
                " AND ((unit = 'G' AND promised_deadline <= %(g)s)"
                " OR (unit = 'Z' AND promised_deadline <= %(z)s))"
            ),
            params,
        ),
    }


def _view(row: dict[str, Any]) -> dict[str, Any]:
    """Dates as ISO strings, the case id as text."""
    return {
        **row,
        "case_id": str(row["case_id"]),
        **{name: row[name].isoformat() if row[name] else None for name in DATE_COLUMNS},
    }
