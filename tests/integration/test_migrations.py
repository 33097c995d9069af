"""Schema changes are numbered migrations, applied once each by ``casetrail migrate``.

A fresh database gets them all, a database made before migrations existed takes them
in place, a failed one leaves nothing half done, and a process refuses a database
whose schema is not the one its release expects.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from infra import grants
from infra.config import Settings
from infra.entrypoints import cli
from infra.local import postgres, stack
from infra.migrations import MIGRATIONS, Migration, apply_migrations, schema_version
from infra.state import ROOT
from tests.integration.harness import drop_database

pytestmark = pytest.mark.integration

LATEST = MIGRATIONS[-1].version


@pytest.fixture
def database(stack_info: stack.StackInfo) -> Iterator[str]:
    """The owner's URL of a new, empty database."""
    url = postgres.create_database(f"test_migrations_{uuid.uuid4().hex[:8]}")
    try:
        yield url
    finally:
        drop_database(url)


def run(url: str, statement: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


def migrate_command(url: str) -> subprocess.CompletedProcess[str]:
    """``casetrail migrate`` on ``url``'s database, reporting every module it imports."""
    python, *args = cli.command("migrate")
    return subprocess.run(
        [python, "-X", "importtime", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_migrate_applies_each_migration_once_and_imports_no_launcher(database: str) -> None:
    first, second = migrate_command(database), migrate_command(database)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    applied = [line for line in first.stderr.splitlines() if line.startswith("applied")]
    assert applied == [f"applied migration {m.version} ({m.name})" for m in MIGRATIONS]
    assert "applied migration" not in second.stderr
    assert "infra.local" not in first.stderr  # -X importtime names every module imported
    assert "infra.entrypoints.bootstrap" in first.stderr
    rows = run(database, "SELECT version, name FROM schema_migrations ORDER BY version")
    assert rows == [(m.version, m.name) for m in MIGRATIONS]


def test_a_database_made_before_migrations_upgrades_in_place(database: str) -> None:
    """As the previous release left it: every table, no ledger, and the older forms that
    its start-up DDL still upgraded (no ``head`` column, the claims' first table)."""
    apply_migrations(database)
    run(database, "INSERT INTO case_number_counters VALUES ('SCJG', '2026-01-05', 7)")
    run(database, "DROP TABLE schema_migrations")
    run(database, "ALTER TABLE applied_versions DROP COLUMN head")
    run(database, "CREATE TABLE idempotency_keys (key text PRIMARY KEY)")
    assert [m.version for m in apply_migrations(database)] == [m.version for m in MIGRATIONS]
    assert run(database, "SELECT last FROM case_number_counters") == [(7,)]
    assert run(database, "SELECT to_regclass('idempotency_keys')") == [(None,)]
    head = "SELECT 1 FROM information_schema.columns WHERE column_name = 'head'"
    assert run(database, head) == [(1,)]


def test_a_failed_migration_leaves_nothing_half_done(database: str) -> None:
    def broken(conn: psycopg.Connection) -> None:
        conn.execute("CREATE TABLE half_done (id int)")
        conn.execute("SELECT 1 / 0")

    with pytest.raises(psycopg.errors.DivisionByZero):
        apply_migrations(database, [*MIGRATIONS, Migration(LATEST + 1, "broken", broken)])
    with psycopg.connect(database) as conn:
        assert schema_version(conn) == LATEST
        assert conn.execute("SELECT to_regclass('half_done')").fetchone() == (None,)


@pytest.mark.parametrize("role", grants.ROLES)
@pytest.mark.parametrize(
    ("change", "says"),
    [
        (f"DELETE FROM schema_migrations WHERE version = {LATEST}", "run `casetrail migrate`"),
        (
            f"INSERT INTO schema_migrations (version, name) VALUES ({LATEST + 1}, 'later')",
            "newer than this release's",
        ),
    ],
    ids=["behind", "ahead"],
)
def test_a_process_refuses_a_schema_it_does_not_expect(
    database: str, role: str, change: str, says: str
) -> None:
    settings = Settings.from_env(database)
    apply_migrations(database)
    with psycopg.connect(database) as owner:
        grants.apply_grants(owner)
    url = {
        grants.API: settings.api_database_url,
        grants.RELAY: settings.relay_database_url,
        grants.PROJECTOR: settings.projector_database_url,
        grants.ANOMALIES: settings.anomalies_database_url,
        grants.AUDITOR: settings.auditor_database_url,
        grants.SWEEPER: settings.sweeper_database_url,
        grants.NOTIFIER: settings.notifier_database_url,
        grants.WEBHOOKS: settings.webhooks_database_url,
        grants.EXPORTER: settings.exporter_database_url,
    }[role]
    with psycopg.connect(url) as conn:
        grants.require_privileges(conn, role)  # current: accepted
        run(database, change)
        with pytest.raises(RuntimeError, match=f"schema is at version .*{says}"):
            grants.require_privileges(conn, role)
