"""The local stack against real servers: idempotent up, the event topic, status, databases."""

from __future__ import annotations

import psycopg
import pytest

from infra import kafka_admin, servers
from infra.config import DEFAULT_TOPIC
from infra.local import postgres, stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def info() -> stack.StackInfo:
    """The running stack (started if needed; never stopped, other tests share it)."""
    return stack.up()


def expected_state(external: bool) -> str:
    """State that status() should report for a server."""
    return "external" if external else "running"


def test_second_up_reuses_the_running_servers(info: stack.StackInfo) -> None:
    pids = {server.name: server.pid for server in stack.status()}
    again = stack.up()
    assert again == info
    assert {server.name: server.pid for server in stack.status()} == pids


def test_event_topic_keeps_events_forever(info: stack.StackInfo) -> None:
    config = kafka_admin.describe_topic_config(info.bootstrap_servers, DEFAULT_TOPIC)
    assert config["retention.ms"] == "-1"
    assert config["retention.bytes"] == "-1"
    assert config["cleanup.policy"] == "delete"
    assert config["unclean.leader.election.enable"] == "false"
    assert (
        kafka_admin.partition_count(info.bootstrap_servers, DEFAULT_TOPIC)
        == kafka_admin.default_partitions()
    )


def test_ensure_topic_leaves_an_existing_topic_alone(info: stack.StackInfo) -> None:
    kafka_admin.ensure_topic(info.bootstrap_servers, DEFAULT_TOPIC, partitions=3)
    assert (
        kafka_admin.partition_count(info.bootstrap_servers, DEFAULT_TOPIC)
        == kafka_admin.default_partitions()
    )


def test_status_reports_both_servers(info: stack.StackInfo) -> None:
    states = {server.name: (server.state, server.address) for server in stack.status()}
    assert states == {
        "kafka": (expected_state(servers.kafka_is_external()), info.bootstrap_servers),
        "postgres": (expected_state(servers.postgres_is_external()), servers.postgres_address()),
    }


def test_create_database_gives_a_usable_isolated_database(info: stack.StackInfo) -> None:
    name = "casetrail_stack_test"
    url = postgres.create_database(name)
    assert postgres.create_database(name) == url
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (name,)
    assert url != info.database_url
