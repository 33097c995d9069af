"""The anomaly detector's facts in PostgreSQL (``domain.anomalies.book.FactBook``):
each case's facts in ``anomaly_cases``, with the columns it is looked up by (its item,
its applicant's keyed hash, whether its clock runs and since when nothing happened), and
the rest in ``anomaly_context`` by kind and key. Written by the detector only, in the
transaction of its offsets (a batch's changes together, ``save_many``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from domain.anomalies.book import CASE, INTEREST
from domain.anomalies.facts import OPEN_STATES, Facts, day_of
from domain.anomalies.rules import NOT_PROGRESS

_LOOKUPS = {"item_code": "item_code", "subject": "subject"}
_SAVE_CASE = (
    "INSERT INTO anomaly_cases (case_id, item_code, subject, status, paused, last_event_on,"
    " facts) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (case_id) DO UPDATE SET"
    " (subject, status, paused, last_event_on, facts) = (EXCLUDED.subject, EXCLUDED.status,"
    " EXCLUDED.paused, EXCLUDED.last_event_on, EXCLUDED.facts)"
)
_SAVE_CONTEXT = (
    "INSERT INTO anomaly_context (kind, key, subject, facts) VALUES (%s, %s, %s, %s)"
    " ON CONFLICT (kind, key) DO UPDATE SET (subject, facts) = (EXCLUDED.subject, EXCLUDED.facts)"
)


def _case_row(key: str, facts: Facts) -> tuple[Any, ...]:
    """The ``anomaly_cases`` row of a case's facts: the columns it is looked up by."""
    moved = [e for e in facts["timeline"] if e["kind"] not in NOT_PROGRESS]
    return (
        key,
        facts["item_code"],
        facts["subject"],
        facts["status"],
        facts["paused"],
        day_of(moved[-1]),
        Jsonb(facts),
    )


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

    def load_cases(self, keys: Iterable[str]) -> dict[str, Facts | None]:
        """The facts of the cases ``keys`` (aggregate ids), None for those without."""
        wanted = {UUID(key): key for key in keys}
        rows = self.conn.execute(
            "SELECT case_id, facts FROM anomaly_cases WHERE case_id = ANY(%s)", (list(wanted),)
        ).fetchall()
        found: dict[str, Facts | None] = dict.fromkeys(wanted.values())
        found.update((wanted[row[0]], dict(row[1])) for row in rows)
        return found

    def save(self, kind: str, key: str, facts: Facts) -> None:
        """Keep ``facts`` of ``kind`` under ``key``."""
        self.save_many([(kind, key, facts)])

    def save_many(self, changes: Iterable[tuple[str, str, Facts]]) -> None:
        """Keep each (kind, key, facts) of ``changes``: each table's rows by one ``executemany``."""
        cases, context = [], []
        for kind, key, facts in changes:
            if kind == CASE:
                cases.append(_case_row(key, facts))
            else:
                context.append(
                    (kind, key, facts["subject"] if kind == INTEREST else None, Jsonb(facts))
                )
        with self.conn.cursor() as cursor:
            if cases:
                cursor.executemany(_SAVE_CASE, cases)
            if context:
                cursor.executemany(_SAVE_CONTEXT, context)

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
