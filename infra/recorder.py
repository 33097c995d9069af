"""The event store's recorder, which also keeps ``Idempotency-Key`` claims and
query-code verifiers.

A claim is written in the same transaction as the events of the command it
names: either both are stored or neither is. So a retry after a crash finds
the first outcome when the events were committed, and runs afresh when they
were not; no key is ever left half-done. A new case's query-code verifier is
written with its ``Submitted`` event the same way: no case without a code, no
code without a case.

Inserting events first locks the events table in EXCLUSIVE mode, so that events
commit in the order of their positions. PostgreSQL allows that lock only to
roles that may UPDATE, DELETE or TRUNCATE the table; the recorder takes it
through ``lock_casetrail_events()``, a function that runs with its owner's
rights, so that the application role may append events and nothing more. The
tables and the function are made by the migrations (``infra.migrations``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Connection
from psycopg.sql import SQL, Identifier
from psycopg.types.json import Jsonb

from domain.recorded import CodeVerifier, RequestKey

REPLAY_WINDOW = "1 day"  # how long a key replays; the query code it may hold goes with it
LOCK_FUNCTION = "lock_casetrail_events"


EXPIRED_CLAIMS = f"DELETE FROM request_claims WHERE created_at < now() - interval '{REPLAY_WINDOW}'"
# The claim takes its position from the event just inserted, in the same statement list.
CLAIM = """
INSERT INTO request_claims (actor, key, fingerprint, aggregate_id, version, position, shown_once)
SELECT %(actor)s, %(key)s, %(fingerprint)s, %(aggregate_id)s, %(version)s, notification_id,
    %(shown_once)s
FROM casetrail_events WHERE originator_id = %(aggregate_id)s AND originator_version = %(version)s
"""


def purge_expired_claims(conn: psycopg.Connection) -> None:
    """Delete the claims that no longer replay (and the query codes they hold)."""
    conn.execute(EXPIRED_CLAIMS)


class ClaimingRecorder(PostgresApplicationRecorder):
    """Records events, and the request's claim with them when a command names one."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema, lock = Identifier(datastore.schema), Identifier(LOCK_FUNCTION)
        *settings, _ = self.lock_table_statements  # the library's own LOCK TABLE goes
        self.lock_table_statements = [
            *settings,
            SQL("SELECT {schema}.{lock}()").format(schema=schema, lock=lock),
        ]

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
        """Record the events, the verifier and the claim in one transaction sent as one
        pipeline, waiting for the server once: the table lock is taken after all else
        but the events and the claim, so it is held only while the server inserts
        them and commits, never across a round trip to this process (where the
        thread holding it may wait for the interpreter or the CPU, and every writer
        with it)."""
        verifier: CodeVerifier | None = kwargs.get("verifier")
        request: RequestKey | None = kwargs.get("request")
        if not stored_events:
            return []
        with self.datastore.get_connection() as conn, conn.cursor() as inserted:
            with conn.pipeline(), conn.transaction(), conn.cursor() as curs:
                if verifier is not None:
                    curs.execute("SELECT require_live_data_key(%s)", (verifier.data_key_id,))
                    curs.execute(
                        "INSERT INTO query_code_verifiers (case_no, case_id, verifier) "
                        "VALUES (%s, %s, %s)",
                        (verifier.case_no, verifier.case_id, verifier.verifier),
                    )
                if request is not None:
                    curs.execute(EXPIRED_CLAIMS)  # and the sealed codes they may hold
                self._insert_stored_events(inserted, stored_events)
                if request is not None:
                    curs.execute(CLAIM, self._claim(request, stored_events[-1]))
            return [row["notification_id"] for row in inserted.fetchall()]

    def _claim(self, request: RequestKey, last: StoredEvent) -> dict[str, Any]:
        return {
            "actor": request.actor,
            "key": request.key,
            "fingerprint": request.fingerprint,
            "aggregate_id": last.originator_id,
            "version": last.originator_version,
            "shown_once": Jsonb(request.shown_once),
        }


def stored_verifier(conn: Connection[Any], case_no: str) -> bytes | None:
    """The query-code verifier of case ``case_no``, if there is such a case."""
    row = conn.execute(
        "SELECT verifier FROM query_code_verifiers WHERE case_no = %s", (case_no,)
    ).fetchone()
    return bytes(row[0]) if row else None
