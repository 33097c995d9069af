"""The deadline sweeper's schedule in PostgreSQL (``deadline_schedule``): one row per
timed rule of a case still to be recorded, with the day it fires
(``domain.supervision.schedule``). Written by the sweeper only.

Whoever rewrites a case's rows (``replace_many``) takes the schedule lock (``lock``) for
the rest of the transaction:
under read committed a ``DELETE`` does not see rows another writer inserts after it
began, so two writers replacing one case's rows at once (two sweepers, or a sweep and a
batch of the topic) would both insert them, and the second would fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import psycopg

from domain.supervision import Due

SCHEDULE_LOCK_KEY = 0x0CA5E7A4  # advisory lock id; each lock has its own (test_advisory_locks)


def lock(conn: psycopg.Connection[Any]) -> None:
    """Hold the schedule lock until the current transaction of ``conn`` ends."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEDULE_LOCK_KEY,))


def replace_many(conn: psycopg.Connection[Any], dues: Mapping[UUID, Sequence[Due]]) -> None:
    """Each case's rows become its ``dues``, under the schedule lock."""
    lock(conn)
    conn.execute("DELETE FROM deadline_schedule WHERE case_id = ANY(%s)", (list(dues),))
    write(conn, ((case_id, d) for case_id, found in dues.items() for d in found))


def write(conn: psycopg.Connection[Any], rows: Iterable[tuple[UUID, Due]]) -> None:
    """Add rows (of cases with none yet), in one COPY."""
    with (
        conn.cursor() as cursor,
        cursor.copy(
            "COPY deadline_schedule (case_id, rule, key, deadline, fires_on) FROM STDIN"
        ) as copy,
    ):
        for case_id, due in rows:
            copy.write_row((case_id, due.rule, due.key, due.deadline, due.fires_on))


def due_cases(conn: psycopg.Connection[Any], today: date) -> list[UUID]:
    """The cases with a rule firing by ``today``, oldest firing first."""
    rows = conn.execute(
        "SELECT case_id FROM deadline_schedule WHERE fires_on <= %s "
        "GROUP BY case_id ORDER BY min(fires_on), case_id",
        (today,),
    ).fetchall()
    return [row[0] for row in rows]


def scheduled_cases(conn: psycopg.Connection[Any]) -> list[UUID]:
    """Every case with a row."""
    return [row[0] for row in conn.execute("SELECT DISTINCT case_id FROM deadline_schedule")]
