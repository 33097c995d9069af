"""PostgreSQL storage of the public case facts, and the public queries on them.

Published decisions (办件公示) list closed cases; statistics count each metric in
the month of its own date: received by ``submitted_on``, accepted by
``accepted_on``, completed (and on-time rate, days used, share of the limit) by
``closed_on`` of completed cases. Ratings rule: both stages' ratings of a case
count in the month the case closed (``closed_on``), whatever its closing status
and whenever the rating was given, so a closed month's ratings may still grow
while late ratings arrive; ratings of open cases are not counted yet.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from projections.case_facts import CLOSED_STATUSES
from projections.views_store import rows_by_id

COLUMNS = (
    "case_id",
    "case_no",
    "item_code",
    "item_name",
    "item_revision",
    "department",
    "channel",
    "applicant",
    "applicant_kind",
    "status",
    "outcome",
    "result",
    "reasons",
    "legal_basis",
    "submitted_on",
    "accepted_on",
    "decided_on",
    "closed_on",
    "promised_days",
    "promised_unit",
    "statutory_days",
    "statutory_unit",
    "extension_days",
    "days_used",
    "on_time_promised",
    "on_time_statutory",
    "steps_late",
    "paused",
    "acceptance_rating",
    "closure_rating",
    "acceptance_rectification",
    "closure_rectification",
    "version",
    "position",
)
DATE_COLUMNS = ("submitted_on", "accepted_on", "decided_on", "closed_on")
GROUPS = {"department": "department", "item": "item_code"}


# the statements of every event, composed once
LOAD = (
    sql.SQL("SELECT {} FROM public_case_facts WHERE case_id = ANY(%s)")
    .format(sql.SQL(", ").join(map(sql.Identifier, COLUMNS)))
    .as_string()
)
UPSERT = (
    sql.SQL(
        "INSERT INTO public_case_facts ({columns}) VALUES ({values}) "
        "ON CONFLICT (case_id) DO UPDATE SET ({updated}) = ({excluded})"
    )
    .format(
        columns=sql.SQL(", ").join(map(sql.Identifier, COLUMNS)),
        values=sql.SQL(", ").join(map(sql.Placeholder, COLUMNS)),
        updated=sql.SQL(", ").join(map(sql.Identifier, COLUMNS[1:])),
        excluded=sql.SQL(", ").join(sql.Identifier("excluded", c) for c in COLUMNS[1:]),
    )
    .as_string()
)


def load_many(conn: psycopg.Connection, case_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """The stored facts of those of ``case_ids`` that have them (dates as ISO strings),
    by id."""
    found = rows_by_id(conn, LOAD, case_ids, "case_id")
    return {
        case_id: {**row, "case_id": case_id, **_iso_dates(row)} for case_id, row in found.items()
    }


def load(conn: psycopg.Connection, case_id: str) -> dict[str, Any] | None:
    """The stored facts of a case (dates as ISO strings), or None."""
    return load_many(conn, [case_id]).get(case_id)


def save_many(conn: psycopg.Connection, views: Sequence[dict[str, Any]]) -> None:
    """Insert or replace the cases' facts."""
    with conn.cursor() as cursor:
        cursor.executemany(UPSERT, [_parameters(view) for view in views])


def save(conn: psycopg.Connection, view: dict[str, Any]) -> None:
    """Insert or replace a case's facts."""
    save_many(conn, [view])


def _parameters(view: dict[str, Any]) -> Any:
    """The statement's parameters for one view."""
    return {
        **view,
        **{name: date.fromisoformat(view[name]) if view[name] else None for name in DATE_COLUMNS},
    }


def search_decisions(
    conn: psycopg.Connection,
    *,
    q: str | None,
    department: str | None,
    item_code: str | None,
    outcome: str | None,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """One page of closed cases, newest closed first, and how many match in all.

    ``q`` matches the case number, the item name or the masked applicant (ILIKE).
    """
    if page < 1 or page_size < 1:
        raise ValueError("page and page_size start at 1")
    params = {
        "closed": list(CLOSED_STATUSES),
        "pattern": like_pattern(q),
        "department": department,
        "item_code": item_code,
        "outcome": outcome,
        "limit": page_size,
        "offset": (page - 1) * page_size,
    }
    where = """
        WHERE status = ANY(%(closed)s) AND closed_on IS NOT NULL
          AND (%(pattern)s::text IS NULL OR case_no ILIKE %(pattern)s
               OR item_name ILIKE %(pattern)s OR applicant ILIKE %(pattern)s)
          AND (%(department)s::text IS NULL OR department = %(department)s)
          AND (%(item_code)s::text IS NULL OR item_code = %(item_code)s)
          AND (%(outcome)s::text IS NULL OR outcome = %(outcome)s)
    """
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(
            "SELECT case_no, item_code, item_name, department, applicant, status, outcome,"
            " result, reasons, legal_basis, submitted_on, accepted_on, decided_on, closed_on,"
            " on_time_promised AS on_time FROM public_case_facts"
            f" {where} ORDER BY closed_on DESC, case_no DESC"
            " LIMIT %(limit)s OFFSET %(offset)s",
            params,
        ).fetchall()
        counted = cursor.execute(
            f"SELECT count(*) AS total FROM public_case_facts {where}", params
        ).fetchone()
    assert counted is not None
    return [{**row, **_iso_dates(row)} for row in rows], int(counted["total"])


def statistics(conn: psycopg.Connection, *, group: str, month: str | None) -> list[dict[str, Any]]:
    """Per department or item (``group``), the month's (or all time's) performance.

    ``name`` is the item's latest name for items, the department code for departments.
    """
    if group not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}")
    key = sql.Identifier(GROUPS[group])
    name = (
        sql.SQL("(array_agg(item_name ORDER BY submitted_on DESC, case_no DESC))[1]")
        if group == "item"
        else key
    )
    start, end = _month_range(month)
    params = {"start": start, "end": end}
    in_month = "{0} >= %(start)s AND {0} < %(end)s"
    received, accepted, closed = (
        in_month.format(column) for column in ("submitted_on", "accepted_on", "closed_on")
    )
    done = f"status = 'completed' AND {closed}"
    share = "days_used::float8 / (promised_days + extension_days)"
    metrics = sql.SQL(
        f"""
        SELECT {{key}} AS key, {{name}} AS name,
          count(*) FILTER (WHERE {received}) AS received,
          count(*) FILTER (WHERE {accepted}) AS accepted,
          count(*) FILTER (WHERE {done}) AS completed,
          round(avg(on_time_promised::int) FILTER (WHERE {done}), 4) AS on_time_rate,
          round((percentile_cont(0.5) WITHIN GROUP (ORDER BY days_used)
                 FILTER (WHERE {done}))::numeric, 1) AS median_days_used,
          round((percentile_cont(0.9) WITHIN GROUP (ORDER BY days_used)
                 FILTER (WHERE {done}))::numeric, 1) AS p90_days_used,
          round((percentile_cont(0.5) WITHIN GROUP (ORDER BY {share})
                 FILTER (WHERE {done} AND promised_days > 0))::numeric, 2)
            AS median_share_of_limit,
          round((percentile_cont(0.9) WITHIN GROUP (ORDER BY {share})
                 FILTER (WHERE {done} AND promised_days > 0))::numeric, 2)
            AS p90_share_of_limit
        FROM public_case_facts
        WHERE ({received}) OR ({accepted}) OR ({closed})
        GROUP BY {{key}} ORDER BY {{key}}
        """
    ).format(key=key, name=name)
    ratings = sql.SQL(
        f"""
        SELECT {{key}} AS key, r.level, count(*) AS n,
          count(*) FILTER (WHERE r.rectification = 'called_back') AS called_back
        FROM public_case_facts
        CROSS JOIN LATERAL (VALUES (acceptance_rating, acceptance_rectification),
                                   (closure_rating, closure_rectification))
          AS r(level, rectification)
        WHERE {closed} AND r.level IS NOT NULL
        GROUP BY {{key}}, r.level
        """
    ).format(key=key)
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(metrics, params).fetchall()
        rated = cursor.execute(ratings, params).fetchall()
    result = []
    for row in rows:
        levels = {r["level"]: r for r in rated if r["key"] == row["key"]}
        counts = {
            str(level): int(levels[level]["n"]) if level in levels else 0 for level in range(1, 6)
        }
        poor = [levels[level] for level in (1, 2) if level in levels]
        poor_ratings = sum(int(r["n"]) for r in poor)
        rectified = sum(int(r["called_back"]) for r in poor)
        result.append(
            {
                **{k: _number(v) for k, v in row.items()},
                "ratings": counts,
                "poor_ratings": poor_ratings,
                "poor_rectified_share": round(rectified / poor_ratings, 4)
                if poor_ratings
                else None,
            }
        )
    return result


def monthly(conn: psycopg.Connection, *, department: str | None) -> list[dict[str, Any]]:
    """Per month, oldest first: received, accepted, completed and the on-time rate,
    each counted in the month of its own date."""
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(
            """
            WITH facts AS (
                SELECT * FROM public_case_facts
                WHERE %(department)s::text IS NULL OR department = %(department)s
            ), happenings AS (
                SELECT submitted_on AS day, 1 AS received, 0 AS accepted, 0 AS completed,
                       NULL::boolean AS on_time FROM facts
                UNION ALL
                SELECT accepted_on, 0, 1, 0, NULL FROM facts WHERE accepted_on IS NOT NULL
                UNION ALL
                SELECT closed_on, 0, 0, 1, on_time_promised FROM facts
                WHERE status = 'completed'
            )
            SELECT to_char(day, 'YYYY-MM') AS month, sum(received) AS received,
                   sum(accepted) AS accepted, sum(completed) AS completed,
                   round(avg(on_time::int), 4) AS on_time_rate
            FROM happenings GROUP BY month ORDER BY month
            """,
            {"department": department},
        ).fetchall()
    return [{k: _number(v) for k, v in row.items()} for row in rows]


def _month_range(month: str | None) -> tuple[date, date]:
    """First day of ``month`` ("YYYY-MM") and of the next; all time for None."""
    if month is None:
        return date.min, date.max
    start = date.fromisoformat(f"{month}-01")
    end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, end


def _iso_dates(row: dict[str, Any]) -> dict[str, str | None]:
    return {name: row[name].isoformat() if row[name] else None for name in DATE_COLUMNS}


def _number(value: Any) -> Any:
    """Rounded numerics as float (psycopg gives Decimal); counts and None unchanged."""
    return float(value) if isinstance(value, Decimal) else value


def like_pattern(q: str | None) -> str | None:
    """An ILIKE pattern matching ``q`` literally anywhere; None for no search."""
    if q is None:
        return None
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
