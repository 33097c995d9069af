"""Every schema change, as numbered migrations that ``casetrail migrate`` applies.

A migration runs once: in its own transaction, under the schema lock, as the owner,
recorded in ``schema_migrations`` with its version. Migrations only ever get added at
the end, never edited; a process refuses to start on a database whose latest version
is not the last one here (``require_current``). Most are SQL files next to this
module (``NNNN_name.sql``); the first is the event store, as the ``eventsourcing``
library declares it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

from infra.schema_lock import lock_schema

FOLDER = Path(__file__).resolve().parent
EVENTS_TABLE = "casetrail_events"
LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version int PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    """One schema change: ``apply`` runs inside the transaction that records it."""

    version: int
    name: str
    apply: Callable[[psycopg.Connection], None]


def create_event_store(conn: psycopg.Connection) -> None:
    """The events table, its type, index and insert function: the statements that the
    library's ``create_table`` runs (repeatable; a type that exists stays)."""
    info = conn.info
    datastore = PostgresDatastore(info.dbname, info.host, info.port, info.user, info.password or "")
    try:
        recorder = PostgresApplicationRecorder(datastore, events_table_name=EVENTS_TABLE)
    finally:
        datastore.close()
    for statement in recorder.sql_create_statements:
        if "CREATE TYPE" in statement.as_string():
            with contextlib.suppress(psycopg.errors.DuplicateObject), conn.transaction():
                conn.execute(statement)
        else:
            conn.execute(statement)


def sql_file(name: str) -> Migration:
    """The migration written in ``NNNN_<name>.sql``."""
    path = FOLDER / f"{name}.sql"
    version, _, title = name.partition("_")

    def run(conn: psycopg.Connection) -> None:
        conn.execute(path.read_text())

    return Migration(int(version), title, run)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "event_store", create_event_store),
    sql_file("0002_write_side"),
    sql_file("0003_consumers"),
    sql_file("0004_views"),
    sql_file("0005_departments_and_calendar"),
    sql_file("0006_steps_late"),
    sql_file("0007_transparency_log"),
    sql_file("0008_audit_trail"),
    sql_file("0009_anomalies"),
    sql_file("0010_deadline_schedule"),
    sql_file("0011_supervision_notices"),
    sql_file("0012_supervision_cases"),
    sql_file("0013_webhooks"),
    sql_file("0014_exchange"),
    sql_file("0015_append_events"),
    sql_file("0016_append_checks_reads"),
)


def apply_migrations(
    database_url: str, migrations: Sequence[Migration] = MIGRATIONS
) -> list[Migration]:
    """As the owner ``database_url`` names, apply in order each migration the database
    has not recorded, each in its own transaction; the ones applied now."""
    applied = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        with conn.transaction():
            lock_schema(conn)
            conn.execute(LEDGER)
        for migration in migrations:
            with conn.transaction():
                lock_schema(conn)  # a second `casetrail migrate` waits, then finds it done
                if migration.version <= schema_version(conn):
                    continue
                migration.apply(conn)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (migration.version, migration.name),
                )
            applied.append(migration)
    return applied


def schema_version(conn: psycopg.Connection) -> int:
    """The latest migration the database has recorded; 0 before the first."""
    found = conn.execute("SELECT to_regclass('schema_migrations')").fetchone()
    if found is None or found[0] is None:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def require_current(conn: psycopg.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> None:
    """Fail clearly unless the database's schema is the one this release expects."""
    found, wanted = schema_version(conn), migrations[-1].version
    if found < wanted:
        raise RuntimeError(
            f"the database's schema is at version {found}, this release needs {wanted}: "
            "run `casetrail migrate`"
        )
    if found > wanted:
        raise RuntimeError(
            f"the database's schema is at version {found}, newer than this release's "
            f"{wanted}: run the release that migrated it"
        )
