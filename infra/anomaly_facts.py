"""The anomaly detector's facts in PostgreSQL (``domain.anomalies.book.FactBook``):
each case's facts in ``anomaly_cases``, with the columns it is looked up by (its item,
its applicant's keyed hash, whether its clock runs and since when nothing happened), and
the rest in ``anomaly_context`` by kind and key. Written by the detector only, in the
transaction of its offsets."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from domain.anomalies.book import CASE, INTEREST
from domain.anomalies.facts import OPEN_STATES, Facts, day_of
from domain.anomalies.rules import NOT_PROGRESS

_LOOKUPS = {"item_code": "item_code", "subject": "subject"}


class PostgresFactBook:
    """The detector's facts, on one connection (the caller's transaction)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def load(self, kind: str, key: str) -> Facts | None:
        """The facts of ``kind`` under ``key``, or None."""
        if kind == CASE:
            row = self.conn.execute(
                "SELECT facts FROM anomaly_cases WHERE case_id = %s", (key,)
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT facts FROM anomaly_context WHERE kind = %s AND key = %s", (kind, key)
            ).fetchone()
        return dict(row[0]) if row else None

    def save(self, kind: str, key: str, facts: Facts) -> None:
        """Keep ``facts`` of ``kind`` under ``key``."""
        if kind == CASE:
            moved = [e for e in facts["timeline"] if e["kind"] not in NOT_PROGRESS]
            self.conn.execute(
                "INSERT INTO anomaly_cases (case_id, item_code, subject, status, paused,"
                " last_event_on, facts) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (case_id) DO UPDATE SET (subject, status, paused, last_event_on,"
                " facts) = (EXCLUDED.subject, EXCLUDED.status, EXCLUDED.paused,"
                " EXCLUDED.last_event_on, EXCLUDED.facts)",
                (
                    key,
                    facts["item_code"],
                    facts["subject"],
                    facts["status"],
                    facts["paused"],
                    day_of(moved[-1]),
                    Jsonb(facts),
                ),
            )
            return
        subject = facts["subject"] if kind == INTEREST else None
        self.conn.execute(
            "INSERT INTO anomaly_context (kind, key, subject, facts) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (kind, key) DO UPDATE SET (subject, facts) ="
            " (EXCLUDED.subject, EXCLUDED.facts)",
            (kind, key, subject, Jsonb(facts)),
        )

    def cases_with(self, field: str, value: str) -> list[Facts]:
        """The cases whose ``item_code`` or ``subject`` is ``value``."""
        column = _LOOKUPS[field]
        rows = self.conn.execute(
            f"SELECT facts FROM anomaly_cases WHERE {column} = %s ORDER BY case_id", (value,)
        ).fetchall()
        return [dict(row[0]) for row in rows]

    def interests_in(self, subject: str) -> list[Facts]:
        """The declared interests in the applicant ``subject``."""
        rows = self.conn.execute(
            "SELECT facts FROM anomaly_context WHERE kind = %s AND subject = %s ORDER BY key",
            (INTEREST, subject),
        ).fetchall()
        return [dict(row[0]) for row in rows]

    def running_since(self, day: date) -> list[Facts]:
        """The accepted, open cases whose clock runs and that recorded nothing after
        ``day``."""
        rows = self.conn.execute(
            "SELECT facts FROM anomaly_cases WHERE status = ANY(%s) AND NOT paused"
            " AND last_event_on <= %s ORDER BY last_event_on",
            (list(OPEN_STATES), day),
        ).fetchall()
        return [dict(row[0]) for row in rows]
