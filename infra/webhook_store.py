"""The webhook tables (migration 0013): subscriptions and who changed them, the outbox of
deliveries, the case → department map, and the replays asked for.

The API registers and changes subscriptions, each change on record
(``webhook_changes``); the delivery process (``consumers.webhooks``) fills the outbox,
one row per subscription and event, and works it. A case's pending rows go out in the
order of their positions: only the earliest pending row of a case is ever due.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from domain.actor import Actor

PAGE_SIZE = 100
STATUSES = ("pending", "delivered", "dead")
_SUBSCRIPTION_COLUMNS = """id, url, event_types, departments, paused, created_at, created_by,
    changed_at, changed_by"""


@dataclass(frozen=True)
class Subscription:
    """A live subscription as the delivery process reads it, its secret still sealed."""

    id: UUID
    url: str
    event_types: list[str]
    departments: list[str]
    paused: bool
    master_kid: str
    sealed_secret: bytes


@dataclass(frozen=True)
class Delivery:
    """One event to deliver to one subscriber."""

    subscription_id: UUID
    event_id: str
    case_id: str
    position: int
    event_type: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Due:
    """A pending delivery whose turn it is, with the failures so far."""

    event_id: str
    body: bytes
    attempts: int


@dataclass(frozen=True)
class Attempt:
    """What became of one try at a delivery: its new status, the answer's HTTP status,
    why it failed (None if delivered), and when a pending one is tried again (s)."""

    delivery: Due
    status: str
    http_status: int | None
    error: str | None
    retry_in: float


# the API's side


def register(
    conn: psycopg.Connection,
    subscription_id: UUID,
    *,
    url: str,
    event_types: Sequence[str],
    departments: Sequence[str],
    sealed: tuple[str, bytes],
    actor: Actor,
    at: datetime,
) -> None:
    """Record a new subscription and who registered it."""
    conn.execute(
        "INSERT INTO webhook_subscriptions (id, url, event_types, departments, master_kid,"
        " sealed_secret, created_at, created_by, changed_at, changed_by)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            subscription_id,
            url,
            list(event_types),
            list(departments),
            *sealed,
            at,
            actor.id,
            at,
            actor.id,
        ),
    )
    record_change(
        conn,
        subscription_id,
        "registered",
        actor,
        at,
        {"url": url, "event_types": list(event_types), "departments": list(departments)},
    )


def record_change(
    conn: psycopg.Connection,
    subscription_id: UUID,
    action: str,
    actor: Actor,
    at: datetime,
    detail: dict[str, Any],
) -> None:
    """Put on record who did what to a subscription, and when."""
    conn.execute(
        "INSERT INTO webhook_changes (subscription_id, action, actor, role, at, detail)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        (subscription_id, action, actor.id, actor.role, at, Jsonb(detail)),
    )


def listing(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Every subscription not deleted, oldest first, with its deliveries counted."""
    return _subscriptions(conn, "deleted = false ORDER BY created_at, id", ())


def load(conn: psycopg.Connection, subscription_id: UUID) -> dict[str, Any] | None:
    """One subscription not deleted, with its deliveries counted."""
    found = _subscriptions(conn, "deleted = false AND id = %s", (subscription_id,))
    return found[0] if found else None


def _subscriptions(
    conn: psycopg.Connection, where: str, params: tuple[Any, ...]
) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(
            f"SELECT {_SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE {where}",
            params,
        ).fetchall()
        for row in rows:
            counted = cursor.execute(
                "SELECT status, count(*) AS n FROM webhook_deliveries"
                " WHERE subscription_id = %s GROUP BY status",
                (row["id"],),
            ).fetchall()
            found = {c["status"]: c["n"] for c in counted}
            row["deliveries"] = {status: found.get(status, 0) for status in STATUSES}
    return rows


def change(
    conn: psycopg.Connection,
    subscription_id: UUID,
    fields: dict[str, Any],
    actor: Actor,
    at: datetime,
) -> None:
    """Set ``fields`` (url, event_types, departments, paused, deleted) of a subscription."""
    assignments = ", ".join(f"{name} = %s" for name in fields)
    conn.execute(
        f"UPDATE webhook_subscriptions SET {assignments}, changed_at = %s, changed_by = %s"
        " WHERE id = %s",
        (*fields.values(), at, actor.id, subscription_id),
    )


def changes(conn: psycopg.Connection, subscription_id: UUID) -> list[dict[str, Any]]:
    """Who did what to a subscription, oldest first."""
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(
            "SELECT action, actor, role, at, detail FROM webhook_changes"
            " WHERE subscription_id = %s ORDER BY id",
            (subscription_id,),
        ).fetchall()


def deliveries(
    conn: psycopg.Connection, subscription_id: UUID, *, status: str | None, page: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of a subscription's deliveries (of one status, or all), latest event
    first, and how many there are."""
    where = "subscription_id = %s" + (" AND status = %s" if status else "")
    params: tuple[Any, ...] = (subscription_id, status) if status else (subscription_id,)
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(
            "SELECT event_id, case_id, position, event_type, status, attempts, last_status,"
            " last_error, queued_at, next_attempt_at, delivered_at FROM webhook_deliveries"
            f" WHERE {where} ORDER BY position DESC, event_id LIMIT %s OFFSET %s",
            (*params, PAGE_SIZE, (page - 1) * PAGE_SIZE),
        ).fetchall()
        total = cursor.execute(
            f"SELECT count(*) AS n FROM webhook_deliveries WHERE {where}",
            params,
        ).fetchone()
    return rows, int(total["n"]) if total else 0


def redeliver(
    conn: psycopg.Connection, subscription_id: UUID, event_ids: Sequence[str] | None
) -> list[str]:
    """Move dead letters (the ones named, or all) back to pending; the ones moved."""
    chosen = "" if event_ids is None else " AND event_id = ANY(%s)"
    params: tuple[Any, ...] = (subscription_id,) + (() if event_ids is None else (list(event_ids),))
    rows = conn.execute(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now()"
        f" WHERE subscription_id = %s AND status = 'dead'{chosen} RETURNING event_id",
        params,
    ).fetchall()
    return sorted(str(row[0]) for row in rows)


def request_replay(
    conn: psycopg.Connection,
    subscription_id: UUID,
    *,
    from_position: int | None,
    from_time: datetime | None,
    at: datetime,
) -> int:
    """Ask the delivery process to queue the subscription's events again from a
    position or a time; the replay's id."""
    row = conn.execute(
        "INSERT INTO webhook_replays (subscription_id, from_position, from_time, requested_at)"
        " VALUES (%s, %s, %s, %s) RETURNING id",
        (subscription_id, from_position, from_time, at),
    ).fetchone()
    assert row is not None
    return int(row[0])


def replay_status(
    conn: psycopg.Connection, subscription_id: UUID, replay_id: int
) -> dict[str, Any] | None:
    """A replay asked for, and (once done) how many deliveries it queued."""
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(
            "SELECT id AS replay_id, from_position, from_time, requested_at, done_at, queued"
            " FROM webhook_replays WHERE subscription_id = %s AND id = %s",
            (subscription_id, replay_id),
        ).fetchone()


# the delivery process's side


def live_subscriptions(conn: psycopg.Connection) -> list[Subscription]:
    """Every subscription not deleted (paused ones too: their outbox still fills)."""
    rows = conn.execute(
        "SELECT id, url, event_types, departments, paused, master_kid, sealed_secret"
        " FROM webhook_subscriptions WHERE deleted = false ORDER BY id"
    ).fetchall()
    return [Subscription(r[0], r[1], list(r[2]), list(r[3]), r[4], r[5], bytes(r[6])) for r in rows]


def remember_departments(conn: psycopg.Connection, departments: dict[str, str]) -> None:
    """Keep each subject's department (the first one known stays)."""
    if departments:
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO webhook_case_departments (case_id, department) VALUES (%s, %s)"
                " ON CONFLICT (case_id) DO NOTHING",
                list(departments.items()),
            )


def departments_of(conn: psycopg.Connection, subjects: Iterable[str]) -> dict[str, str]:
    """The departments known of ``subjects``."""
    rows = conn.execute(
        "SELECT case_id::text, department FROM webhook_case_departments"
        " WHERE case_id = ANY(%s::uuid[])",
        (list(subjects),),
    ).fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def enqueue(
    conn: psycopg.Connection, deliveries: Sequence[Delivery], at: datetime, *, again: bool = False
) -> None:
    """Add deliveries to the outbox, once per subscription and event; ``again`` (a
    replay) puts ones already there back to pending, to be sent as if new."""
    conflict = (
        "DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at = excluded.queued_at,"
        " last_status = NULL, last_error = NULL, queued_at = excluded.queued_at"
        if again
        else "DO NOTHING"
    )
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO webhook_deliveries (subscription_id, event_id, case_id, position,"
            " event_type, body, status, next_attempt_at, queued_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, 'pending', %s, %s)"
            f" ON CONFLICT (subscription_id, event_id) {conflict}",
            [
                (
                    d.subscription_id,
                    d.event_id,
                    d.case_id,
                    d.position,
                    d.event_type,
                    Jsonb(d.body, dumps=orjson_text),
                    at,
                    at,
                )
                for d in deliveries
            ],
        )


def orjson_text(value: Any) -> str:
    """JSON text of ``value`` (as orjson writes it)."""
    return orjson.dumps(value).decode()


def due(conn: psycopg.Connection, subscription_id: UUID, limit: int) -> list[Due]:
    """Up to ``limit`` deliveries of a subscription whose turn it is: for each case the
    earliest pending one, if its next attempt is due."""
    rows = conn.execute(
        "SELECT event_id, body::text, attempts FROM ("
        " SELECT DISTINCT ON (case_id) event_id, body, attempts, next_attempt_at, position"
        " FROM webhook_deliveries WHERE subscription_id = %s AND status = 'pending'"
        " ORDER BY case_id, position) AS heads"
        " WHERE next_attempt_at <= now() ORDER BY position LIMIT %s",
        (subscription_id, limit),
    ).fetchall()
    return [Due(str(r[0]), str(r[1]).encode(), int(r[2])) for r in rows]


def next_due_in(conn: psycopg.Connection, subscription_id: UUID) -> float | None:
    """Seconds until a subscription's next pending delivery is due (None: none pending)."""
    row = conn.execute(
        "SELECT extract(epoch FROM min(next_attempt_at) - now()) FROM webhook_deliveries"
        " WHERE subscription_id = %s AND status = 'pending'",
        (subscription_id,),
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def record_attempts(
    conn: psycopg.Connection, subscription_id: UUID, attempts: Sequence[Attempt]
) -> None:
    """The outcomes of attempts: ``delivered``, ``dead`` or still ``pending`` (tried
    again in ``retry_in`` seconds). A row a replay or a redelivery reset meanwhile is
    left as they left it."""
    with conn.cursor() as cursor:
        cursor.executemany(
            "UPDATE webhook_deliveries SET status = %s, attempts = attempts + 1,"
            " last_status = %s, last_error = %s,"
            " next_attempt_at = now() + make_interval(secs => %s),"
            " delivered_at = CASE WHEN %s::text = 'delivered' THEN now() END"
            " WHERE subscription_id = %s AND event_id = %s AND attempts = %s"
            " AND status = 'pending'",
            [
                (
                    a.status,
                    a.http_status,
                    a.error,
                    a.retry_in,
                    a.status,
                    subscription_id,
                    a.delivery.event_id,
                    a.delivery.attempts,
                )
                for a in attempts
            ],
        )


def replays_asked(conn: psycopg.Connection) -> list[tuple[int, UUID, int | None, datetime | None]]:
    """The replays not done yet, oldest first: id, subscription, from position, from time."""
    rows = conn.execute(
        "SELECT id, subscription_id, from_position, from_time FROM webhook_replays"
        " WHERE done_at IS NULL ORDER BY id"
    ).fetchall()
    return [(int(r[0]), r[1], r[2], r[3]) for r in rows]


def replay_done(conn: psycopg.Connection, replay_id: int, queued: int, at: datetime) -> None:
    """Mark a replay done, with how many deliveries it queued."""
    conn.execute(
        "UPDATE webhook_replays SET done_at = %s, queued = %s WHERE id = %s",
        (at, queued, replay_id),
    )
