"""The event store's recorder, which also keeps ``Idempotency-Key`` claims and
query-code verifiers.

A claim is written in the same transaction as the events of the command it
names: either both are stored or neither is. So a retry after a crash finds
the first outcome when the events were committed, and runs afresh when they
were not; no key is ever left half-done. A new case's query-code verifier is
written with its ``Submitted`` event the same way: no case without a code, no
code without a case.

A command is recorded by one statement, ``append_casetrail_events(...)``
(migrations 15 and 16), its own transaction on the library's autocommit connections. It
locks the events table in EXCLUSIVE mode before inserting, so that events commit in
the order of their positions; under that lock it checks that the other aggregates the
command read (``reads``: their ids and the versions it saw) have not changed since,
and records nothing when one has (``StaleRead``). PostgreSQL allows that lock only to roles that may
UPDATE, DELETE or TRUNCATE the table; it is taken through ``lock_casetrail_events()``,
a function that runs with its owner's rights, so that the application role may append
events and nothing more. The tables and the functions are made by the migrations
(``infra.migrations``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg import Connection
from psycopg.sql import SQL, Identifier
from psycopg.types.json import Jsonb

from domain.errors import StaleRead
from domain.recorded import CodeVerifier, RequestKey

REPLAY_WINDOW = "1 day"  # how long a key replays; the query code it may hold goes with it
LOCK_FUNCTION = "lock_casetrail_events"
APPEND_FUNCTION = "append_casetrail_events"
APPEND_ARGUMENTS = (  # the function's argument types, which are part of its name
    "uuid[], bigint[], text[], bytea[], text, text, uuid, bytea, uuid, text, text, text, "
    "jsonb, interval, uuid[], bigint[]"
)


EXPIRED_CLAIMS = f"DELETE FROM request_claims WHERE created_at < now() - interval '{REPLAY_WINDOW}'"
# One command's events, verifier and claim (the last two NULL when it has none).
APPEND = f"""
SELECT appended FROM {APPEND_FUNCTION}(
    %(ids)s::uuid[], %(versions)s::bigint[], %(topics)s::text[], %(states)s::bytea[],
    %(channel)s::text,
    %(case_no)s::text, %(case_id)s::uuid, %(verifier)s::bytea, %(data_key)s::uuid,
    %(actor)s::text, %(key)s::text, %(fingerprint)s::text, %(shown_once)s::jsonb,
    interval '{REPLAY_WINDOW}',
    %(read_ids)s::uuid[], %(read_versions)s::bigint[]
) AS appended
"""
NO_VERIFIER = {"case_no": None, "case_id": None, "verifier": None, "data_key": None}
NO_CLAIM = {"actor": None, "key": None, "fingerprint": None, "shown_once": None}


def purge_expired_claims(conn: psycopg.Connection) -> None:
    """Delete the claims that no longer replay (and the query codes they hold)."""
    conn.execute(EXPIRED_CLAIMS)


class ClaimingRecorder(PostgresApplicationRecorder):
    """Records events, and the request's claim with them when a command names one."""

    def select_events_after(self, versions: Mapping[UUID, int]) -> list[StoredEvent]:
        """The events of each aggregate of ``versions`` after the version it gives (0 for
        all), each aggregate's in order: one query for many aggregates (a command reads
        its case, the case's item and the calendar together; the deadline sweeper loads
        the cases due in batches)."""
        # Each aggregate's version is looked up in the array by position: cheap for the
        # few aggregates of a command, not for a batch, which reads whole aggregates.
        after = (
            "AND originator_version > (%(versions)s::bigint[])"
            "[array_position(%(ids)s::uuid[], originator_id)] "
            if any(versions.values())
            else ""
        )
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {schema}.{table} "
            "WHERE originator_id = ANY(%(ids)s) "
            + after
            + "ORDER BY originator_id, originator_version"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                statement,
                {"ids": list(versions), "versions": list(versions.values())},
                prepare=True,
            )
            return [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Record the events, the verifier and the claim in one statement, waiting for the
        server once; their positions, in order. ``StaleRead`` (nothing recorded) when an
        aggregate of ``reads`` (id → version read) has newer events."""
        if not stored_events:
            return []
        params = {
            "ids": [event.originator_id for event in stored_events],
            "versions": [event.originator_version for event in stored_events],
            "topics": [event.topic for event in stored_events],
            "states": [event.state for event in stored_events],
            "channel": self.channel_name,  # the library's subscribers LISTEN there
            **_verifier(kwargs.get("verifier")),
            **_claim(kwargs.get("request")),
            **_reads(kwargs.get("reads") or {}),
        }
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            try:
                curs.execute(APPEND, params, prepare=True)
            except psycopg.errors.SerializationFailure as error:  # not one to retry as is
                raise StaleRead(error.diag.message_primary or "a read has changed") from None
            return [row["appended"] for row in curs.fetchall()]


def _verifier(verifier: CodeVerifier | None) -> dict[str, Any]:
    if verifier is None:
        return NO_VERIFIER
    return {
        "case_no": verifier.case_no,
        "case_id": verifier.case_id,
        "verifier": verifier.verifier,
        "data_key": verifier.data_key_id,
    }


def _claim(request: RequestKey | None) -> dict[str, Any]:
    if request is None:
        return NO_CLAIM
    return {
        "actor": request.actor,
        "key": request.key,
        "fingerprint": request.fingerprint,
        "shown_once": Jsonb(request.shown_once),
    }


def _reads(reads: Mapping[UUID, int]) -> dict[str, Any]:
    return {"read_ids": list(reads), "read_versions": list(reads.values())}


def stored_verifier(conn: Connection[Any], case_no: str) -> bytes | None:
    """The query-code verifier of case ``case_no``, if there is such a case."""
    row = conn.execute(
        "SELECT verifier FROM query_code_verifiers WHERE case_no = %s", (case_no,)
    ).fetchone()
    return bytes(row[0]) if row else None
