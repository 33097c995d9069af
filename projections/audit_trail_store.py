"""PostgreSQL storage of the audit trail, and the inspectors' queries on it.

One row per event (``audit_events``, keyed by aggregate and version); an aggregate's
view, for the projection runner, is its latest row. The trail's
searches leave out the inspectors' own reads (the ``inspector_access`` stream), which
only the access log shows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from projections.audit_trail import ACCESS_STREAM, CASE_STREAM
from projections.views_store import rows_by_id

COLUMNS = (
    "position",
    "aggregate_id",
    "stream",
    "case_no",
    "case_department",
    "channel",
    "version",
    "type",
    "recorded_at",
    "actor_id",
    "actor_role",
    "actor_department",
    "data",
    "prevhash",
    "hash",
)
NEWEST_FIRST = sql.SQL("ORDER BY recorded_at DESC, position DESC")
# the columns a filter compares for equality, in the order they are checked
EQUAL_FILTERS = ("aggregate_id", "case_no", "actor_id", "actor_department", "case_department")


@dataclass(frozen=True)
class Filters:
    """Which rows a query reads: each given field must match (``type`` with or without
    its ``.vN`` suffix), ``since`` inclusive, ``until`` exclusive; ``access`` reads the
    inspectors' reads instead of the trail."""

    aggregate_id: str | None = None
    case_no: str | None = None
    actor_id: str | None = None
    actor_department: str | None = None
    case_department: str | None = None
    type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    access: bool = False


def load_many(
    conn: psycopg.Connection, aggregate_ids: Collection[str]
) -> dict[str, dict[str, Any]]:
    """Each aggregate's latest row, as ``apply`` made it (what the trail knows of the
    aggregate), for those of ``aggregate_ids`` that have one, by id."""
    return {
        aggregate_id: {
            **row,
            "aggregate_id": aggregate_id,
            "recorded_at": row["recorded_at"].astimezone(UTC).isoformat(),
        }
        for aggregate_id, row in rows_by_id(conn, LATEST, aggregate_ids, "aggregate_id").items()
    }


def save_many(conn: psycopg.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Add events' rows (each is recorded once, and never changes) in one ``COPY``: a
    row already stored is an error (the runner applies each version once), which ends
    the batch's transaction."""
    with conn.cursor() as cursor, cursor.copy(COPY) as copy:
        for row in rows:
            copy.write_row(_values(row))


def _values(row: dict[str, Any]) -> tuple[Any, ...]:
    """One row's values, in ``COLUMNS`` order."""
    values = {
        **row,
        "recorded_at": datetime.fromisoformat(row["recorded_at"]),
        "data": Jsonb(row["data"]),
    }
    return tuple(values[name] for name in COLUMNS)


def page(
    conn: psycopg.Connection, filters: Filters, *, number: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of the matching rows, newest first, and how many match in all."""
    if number < 1 or size < 1:
        raise ValueError("pages and their sizes start at 1")
    where, params = _where(filters)
    counted = conn.execute(
        sql.SQL("SELECT count(*) FROM audit_events WHERE {}").format(where), params
    ).fetchone()
    count = int(counted[0]) if counted else 0
    query = sql.SQL("SELECT {} FROM audit_events WHERE {} {} LIMIT %(limit)s OFFSET %(offset)s")
    rows = _rows(
        conn,
        query.format(_columns(), where, NEWEST_FIRST),
        {**params, "limit": size, "offset": (number - 1) * size},
    )
    return rows, count


def count_by_type(conn: psycopg.Connection, filters: Filters) -> dict[str, int]:
    """How many matching rows of each event type, by type."""
    where, params = _where(filters)
    query = sql.SQL(
        "SELECT type, count(*) FROM audit_events WHERE {} GROUP BY type ORDER BY type"
    ).format(where)
    return {str(kind): int(n) for kind, n in conn.execute(query, params).fetchall()}


def cases_touched(conn: psycopg.Connection, filters: Filters) -> list[dict[str, Any]]:
    """The cases among the matching rows: each with its number, department, how many
    of the rows are its, and the first and last of them; the latest touched first."""
    where, params = _where(filters)
    query = sql.SQL(
        "SELECT aggregate_id AS case_id, case_no, case_department AS department,"
        " count(*) AS events, min(recorded_at) AS first_at, max(recorded_at) AS last_at"
        " FROM audit_events WHERE {} AND stream = %(case)s"
        " GROUP BY aggregate_id, case_no, case_department ORDER BY last_at DESC, case_no"
    ).format(where)
    return _rows(conn, query, {**params, "case": CASE_STREAM})


def case_trail(conn: psycopg.Connection, case_id: str) -> list[dict[str, Any]]:
    """Every row of one case, in version order."""
    query = sql.SQL(
        "SELECT {} FROM audit_events WHERE aggregate_id = %(case_id)s AND stream = %(case)s"
        " ORDER BY version"
    ).format(_columns())
    return _rows(conn, query, {"case_id": case_id, "case": CASE_STREAM})


def _where(filters: Filters) -> tuple[sql.Composed, dict[str, Any]]:
    conditions: list[sql.Composable] = [
        sql.SQL("stream = %(access)s" if filters.access else "stream <> %(access)s")
    ]
    params: dict[str, Any] = {"access": ACCESS_STREAM}
    for column in EQUAL_FILTERS:
        if (value := getattr(filters, column)) is not None:
            conditions.append(
                sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column))
            )
            params[column] = value
    if filters.type is not None:
        conditions.append(
            sql.SQL(r"(type = %(type)s OR regexp_replace(type, '\.v[0-9]+$', '') = %(type)s)")
        )
        params["type"] = filters.type
    if filters.since is not None:
        conditions.append(sql.SQL("recorded_at >= %(since)s"))
        params["since"] = filters.since
    if filters.until is not None:
        conditions.append(sql.SQL("recorded_at < %(until)s"))
        params["until"] = filters.until
    return sql.SQL(" AND ").join(conditions), params


def _columns() -> sql.Composed:
    return sql.SQL(", ").join(map(sql.Identifier, COLUMNS))


# the statements of every event, composed once
LATEST = (
    sql.SQL(
        "SELECT DISTINCT ON (aggregate_id) {} FROM audit_events WHERE aggregate_id = ANY(%s)"
        " ORDER BY aggregate_id, version DESC"
    )
    .format(_columns())
    .as_string()
)
COPY = sql.SQL("COPY audit_events ({}) FROM STDIN").format(_columns()).as_string()


def _rows(
    conn: psycopg.Connection, query: sql.Composed | str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(query, params).fetchall()
