"""PostgreSQL storage of the anomaly queue, and the inspectors' queries on it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from projections.views_store import views_by_id

PAGE_SIZE = 50
FILTERS = {
    "status": "status = %s",
    "rule": "rule = %s",
    "level": "level = %s",
    "department": "department = %s",
    "officer": "%s = ANY(officers)",
    "case_id": "case_id = %s",
}


LOAD = "SELECT anomaly_id, view FROM audit_anomalies WHERE anomaly_id = ANY(%s)"


def load_many(conn: psycopg.Connection, anomaly_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """The stored views of those of ``anomaly_ids`` that have one, by id."""
    return views_by_id(conn, LOAD, anomaly_ids)


def load(conn: psycopg.Connection, anomaly_id: str) -> dict[str, Any] | None:
    """The stored view of an anomaly, or None."""
    return load_many(conn, [anomaly_id]).get(anomaly_id)


SAVE = (
    "INSERT INTO audit_anomalies (anomaly_id, rule, category, level, status, case_id,"
    " case_no, department, officers, detected_at, position, view)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (anomaly_id) DO UPDATE SET (status, position, view) ="
    " (EXCLUDED.status, EXCLUDED.position, EXCLUDED.view)"
)


def save_many(conn: psycopg.Connection, views: Sequence[dict[str, Any]]) -> None:
    """Insert or replace the anomalies' views."""
    with conn.cursor() as cursor:
        cursor.executemany(SAVE, [_parameters(view) for view in views])


def _parameters(view: dict[str, Any]) -> Any:
    """The statement's parameters for one view."""
    return (
        view["anomaly_id"],
        view["rule"],
        view["category"],
        view["level"],
        view["status"],
        view["case_id"],
        view["case_no"],
        view["department"],
        view["officers"],
        datetime.fromisoformat(view["detected_at"]),
        view["position"],
        Jsonb(view),
    )


def search(
    conn: psycopg.Connection[Any], *, page: int, page_size: int = PAGE_SIZE, **filters: Any
) -> tuple[list[dict[str, Any]], int]:
    """One page of anomalies matching ``filters`` (those of ``FILTERS`` given, not None),
    newest first, and how many match in all."""
    given = {name: value for name, value in filters.items() if value is not None}
    where = " AND ".join(FILTERS[name] for name in given) or "TRUE"
    values = [str(value) for value in given.values()]
    total = conn.execute(f"SELECT count(*) FROM audit_anomalies WHERE {where}", values).fetchone()
    rows = conn.execute(
        f"SELECT view FROM audit_anomalies WHERE {where} ORDER BY position DESC LIMIT %s OFFSET %s",
        [*values, page_size, (page - 1) * page_size],
    ).fetchall()
    return [row[0] for row in rows], int(total[0]) if total else 0
