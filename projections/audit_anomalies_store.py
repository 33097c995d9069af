"""PostgreSQL storage of the anomaly queue, and the inspectors' queries on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

PAGE_SIZE = 50
FILTERS = {
    "status": "status = %s",
    "rule": "rule = %s",
    "level": "level = %s",
    "department": "department = %s",
    "officer": "%s = ANY(officers)",
    "case_id": "case_id = %s",
}


def load(conn: psycopg.Connection, anomaly_id: str) -> dict[str, Any] | None:
    """The stored view of an anomaly, or None."""
    row = conn.execute(
        "SELECT view FROM audit_anomalies WHERE anomaly_id = %s", (anomaly_id,)
    ).fetchone()
    return row[0] if row else None


def save(conn: psycopg.Connection, view: dict[str, Any]) -> None:
    """Insert or replace an anomaly's view."""
    conn.execute(
        "INSERT INTO audit_anomalies (anomaly_id, rule, category, level, status, case_id,"
        " case_no, department, officers, detected_at, position, view)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (anomaly_id) DO UPDATE SET (status, position, view) ="
        " (EXCLUDED.status, EXCLUDED.position, EXCLUDED.view)",
        (
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
        ),
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
