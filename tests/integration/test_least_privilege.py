"""Least privilege in PostgreSQL: each process's role may do what it needs and no more.

The event store is append-only for the API's role, the views are written by the
projector's role only, the relay's role only reads events, every table has its line
in ``infra.grants``, and the private cluster asks for a password.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from infra import grants, servers
from infra.config import Settings
from infra.entrypoints import cli
from infra.local import postgres
from infra.state import ROOT
from projections.registry import ALL
from tests.integration.harness import Hall, Platform, drop_database

pytestmark = pytest.mark.integration

APPLICANT = {"kind": "person", "name": "钱七", "id_number": "110101199001011234"}
VIEWS = [projection.table for projection in ALL]


def run_as(url: str, statement: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(statement)


def test_every_table_and_sequence_has_its_grants(platform: Platform) -> None:
    found = {
        name
        for (name,) in platform.sql(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
            "AND relkind IN ('r', 'p', 'S')"
        )
    }
    assert found == set(grants.TABLES) | set(grants.SEQUENCES)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE casetrail_events SET topic = topic",
        "DELETE FROM casetrail_events",
        "TRUNCATE casetrail_events",
        "LOCK TABLE casetrail_events IN ACCESS EXCLUSIVE MODE",
    ],
)
def test_the_api_role_cannot_change_or_remove_events(platform: Platform, statement: str) -> None:
    assert platform.max_position() > 0  # the catalogue was recorded as the API's role
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        run_as(platform.settings.api_database_url, statement)
    assert platform.max_position() > 0


def test_the_api_records_commands_as_its_role(platform: Platform) -> None:
    before = platform.max_position()
    platform.start("api")
    hall = Hall(platform, APPLICANT)
    try:
        case = hall.submit("SCJG-001")
        keyed = hall.client("clerk").post(
            f"/api/v1/cases/{case['case_id']}/accept", headers={"Idempotency-Key": "lp-1"}, json={}
        )
        users = platform.sql(
            "SELECT DISTINCT usename FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        hall.close()
        platform.stop("api")
    assert keyed.status_code == 200, keyed.text
    assert platform.max_position() == keyed.json()["position"] > case["position"] > before
    assert users == [(conninfo_to_dict(platform.settings.api_database_url)["user"],)]


@pytest.mark.parametrize("table", VIEWS)
@pytest.mark.parametrize("statement", ["TRUNCATE {}", "DELETE FROM {}"])
def test_the_api_role_cannot_write_a_view(platform: Platform, statement: str, table: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        run_as(platform.settings.api_database_url, statement.format(table))


@pytest.mark.parametrize("table", VIEWS)
def test_the_projector_role_may_clear_a_view_for_a_rebuild(platform: Platform, table: str) -> None:
    with psycopg.connect(platform.settings.projector_database_url) as conn:
        conn.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(table)))
        conn.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE casetrail_events SET topic = topic",
        "DELETE FROM casetrail_events",
        "TRUNCATE audit_anomalies",
        "DELETE FROM audit_anomalies",
        "DELETE FROM public_case_status",
        "SELECT * FROM applicant_keys",
        "SELECT * FROM query_code_verifiers",
    ],
)
def test_the_anomaly_detectors_role_appends_events_and_keeps_its_facts_only(
    platform: Platform, statement: str
) -> None:
    """It records anomalies and keeps its own facts, and may change no event, no view,
    and read no personal data."""
    with psycopg.connect(platform.settings.anomalies_database_url) as conn:
        conn.execute("TRUNCATE anomaly_cases, anomaly_context")  # its facts, for a rebuild
        conn.rollback()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        run_as(platform.settings.anomalies_database_url, statement)


@pytest.mark.parametrize("table", ["anomaly_cases", "anomaly_context"])
def test_no_other_role_reads_the_detectors_facts(platform: Platform, table: str) -> None:
    for url in (platform.settings.api_database_url, platform.settings.projector_database_url):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            run_as(url, f"SELECT * FROM {table}")


def test_the_relay_role_cannot_insert_events(platform: Platform) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        run_as(
            platform.settings.relay_database_url,
            "INSERT INTO casetrail_events "
            "(originator_id, originator_version, topic, state, notification_id) "
            "VALUES (gen_random_uuid(), 1, 'forged', '\\x00', 1000000000)",
        )


@pytest.mark.skipif(servers.postgres_is_external(), reason="an external server has its own rules")
def test_the_local_cluster_wants_the_right_password(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = platform.settings.api_database_url
    anonymous = servers.without_password(url)
    with pytest.raises(psycopg.OperationalError, match="no password supplied"):
        psycopg.connect(anonymous, passfile=str(tmp_path / "none"))
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(url, password="wrong")
    psycopg.connect(url).close()


@pytest.fixture
def unmigrated(platform: Platform) -> Iterator[Settings]:
    """Settings on a database that nobody has prepared."""
    url = postgres.create_database(f"test_unmigrated_{uuid.uuid4().hex[:8]}")
    try:
        yield Settings.from_env(url, platform.settings.bootstrap_servers)
    finally:
        drop_database(url)


@pytest.mark.parametrize("command", ["api", "relay", "project", "anomalies", "sweep"])
def test_a_process_started_before_migrate_says_what_to_do(
    unmigrated: Settings, command: str
) -> None:
    """It gets as far as its database, importing no launcher of the local stack
    (``-X importtime`` names every module imported)."""
    python, *args = cli.command(command)
    finished = subprocess.run(
        [python, "-X", "importtime", *args],
        cwd=ROOT,
        env={
            **os.environ,
            **unmigrated.database_env(),
            "KAFKA_BOOTSTRAP_SERVERS": unmigrated.bootstrap_servers,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 1, finished.stderr
    assert finished.stderr.strip().endswith("missing: run `casetrail migrate`"), finished.stderr
    assert "infra.entrypoints.processes" in finished.stderr
    assert "infra.local" not in finished.stderr
