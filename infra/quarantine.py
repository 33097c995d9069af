"""The quarantine: messages a consumer refused, held until an operator decides.

Each row is one refused message (consumer, topic, partition, offset), with its
bytes and the reason. Holding is idempotent, so a consumer that crashes after
holding a message and reads it again holds it once. An operator replays a row
(the message is applied if it is valid now) or discards it; either decision is
recorded with who made it and why, and the row is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row

FIELDS = (
    'id, consumer, topic, partition, "offset", case_id, reason, held_at, status, '
    "decided_by, decided_at, decision_reason"
)


@dataclass(frozen=True)
class Held:
    """One quarantined message, without its bytes."""

    id: int
    consumer: str
    topic: str
    partition: int
    offset: int
    case_id: UUID | None
    reason: str
    held_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None


def hold(
    conn: psycopg.Connection,
    *,
    consumer: str,
    topic: str,
    partition: int,
    offset: int,
    case_id: str | None,
    reason: str,
    key: bytes | None,
    value: bytes | None,
) -> bool:
    """Hold a refused message (once, however often it is read); whether it is new here."""
    cursor = conn.execute(
        'INSERT INTO quarantine (consumer, topic, partition, "offset", case_id, reason, key, '
        "value) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (consumer, topic, partition, offset, _uuid(case_id), reason, key, value),
    )
    return cursor.rowcount == 1


def held_for_case(conn: psycopg.Connection[Any], case_id: UUID) -> list[Held]:
    """The messages of a case still held."""
    with conn.cursor(row_factory=class_row(Held)) as cursor:
        return cursor.execute(
            f"SELECT {FIELDS} FROM quarantine WHERE case_id = %s AND status = 'held' ORDER BY id",
            (case_id,),
        ).fetchall()


def counts(conn: psycopg.Connection[Any]) -> list[tuple[str, str, int]]:
    """How many messages each consumer refused, by status."""
    rows = conn.execute(
        "SELECT consumer, status, count(*) FROM quarantine GROUP BY consumer, status"
    ).fetchall()
    return [(consumer, status, int(count)) for consumer, status, count in rows]


def listing(conn: psycopg.Connection[Any], *, all_statuses: bool = False) -> list[Held]:
    """The held messages, oldest first (with ``all_statuses``, decided ones too)."""
    where = "" if all_statuses else "WHERE status = 'held'"
    with conn.cursor(row_factory=class_row(Held)) as cursor:
        return cursor.execute(f"SELECT {FIELDS} FROM quarantine {where} ORDER BY id").fetchall()


def message(conn: psycopg.Connection[Any], quarantine_id: int) -> tuple[Held, bytes | None]:
    """A held message and its bytes, locked until the transaction ends; ``LookupError``
    when there is no such held message."""
    row = conn.execute(
        f"SELECT {FIELDS}, value FROM quarantine WHERE id = %s AND status = 'held' FOR UPDATE",
        (quarantine_id,),
    ).fetchone()
    if row is None:
        raise LookupError(f"no held message {quarantine_id} in the quarantine")
    *fields, value = row
    return Held(*fields), None if value is None else bytes(value)


def decide(
    conn: psycopg.Connection[Any], quarantine_id: int, status: str, by: str, reason: str
) -> None:
    """Record an operator's decision on a held message."""
    conn.execute(
        "UPDATE quarantine SET status = %s, decided_by = %s, decided_at = now(), "
        "decision_reason = %s WHERE id = %s AND status = 'held'",
        (status, by, reason, quarantine_id),
    )


def _uuid(value: str | None) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None
