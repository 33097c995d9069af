"""Kafka logins and ACLs: each principal's client options, the ACL table, and a broker
formatted before authentication is refused with how to start over."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from kafka.admin import ACLOperation, ACLResourcePatternType, ResourceType

from infra.kafka_acls import topic_acls
from infra.kafka_security import ADMIN, PRINCIPALS, PROJECTOR, RELAY, KafkaSecurity
from infra.local import kafka


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private state folder and no Kafka variables from the caller's environment."""
    monkeypatch.setenv("CASETRAIL_STATE_DIR", str(tmp_path))
    for name in ("SECURITY_PROTOCOL", "SASL_MECHANISM", "SSL_CAFILE"):
        monkeypatch.delenv(f"KAFKA_{name}", raising=False)
    for principal in PRINCIPALS:
        for suffix in ("USERNAME", "PASSWORD", "PASSWORD_FILE"):
            monkeypatch.delenv(f"KAFKA_{principal.upper()}_{suffix}", raising=False)
    return tmp_path


def test_each_principal_logs_in_with_its_own_generated_password(state: Path) -> None:
    security = KafkaSecurity.from_env()
    relay = security.client_options("127.0.0.1:1", RELAY)
    assert relay == {
        "bootstrap_servers": "127.0.0.1:1",
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "relay",
        "sasl_plain_password": (state / "secrets" / "kafka-relay-password").read_text().strip(),
    }
    assert stat.S_IMODE((state / "secrets" / "kafka-relay-password").stat().st_mode) == 0o600
    assert relay == security.client_options("127.0.0.1:1", RELAY)  # generated once
    passwords = {security.client_options("x", p)["sasl_plain_password"] for p in PRINCIPALS}
    assert len(passwords) == len(PRINCIPALS)


def test_an_external_cluster_from_the_environment(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mounted = state / "projector-password"
    mounted.write_text("from-file\n")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("KAFKA_SSL_CAFILE", "/etc/ssl/kafka-ca.pem")
    monkeypatch.setenv("KAFKA_PROJECTOR_USERNAME", "hall-7-projector")
    monkeypatch.setenv("KAFKA_PROJECTOR_PASSWORD_FILE", str(mounted))
    security = KafkaSecurity.from_env()
    assert security.client_options("kafka.example:9093", PROJECTOR) == {
        "bootstrap_servers": "kafka.example:9093",
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "hall-7-projector",
        "sasl_plain_password": "from-file",
        "ssl_cafile": "/etc/ssl/kafka-ca.pem",
    }
    assert security.principal(PROJECTOR) == "User:hall-7-projector"
    assert not (state / "secrets" / "kafka-projector-password").exists()


def test_a_cluster_without_sasl_gets_no_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    assert KafkaSecurity.from_env().client_options("h:1", ADMIN) == {
        "bootstrap_servers": "h:1",
        "security_protocol": "PLAINTEXT",
    }


def test_the_acl_table() -> None:
    rows = {
        (
            acl.principal,
            acl.operation,
            acl.resource_pattern.resource_type,
            acl.resource_pattern.resource_name,
            acl.resource_pattern.pattern_type,
        )
        for acl in topic_acls(KafkaSecurity(), "casetrail.case-events")
    }
    topic = (ResourceType.TOPIC, "casetrail.case-events", ACLResourcePatternType.LITERAL)
    dead_letters = (ResourceType.TOPIC, "casetrail.case-events.dlq", ACLResourcePatternType.LITERAL)
    checkpoints = (
        ResourceType.TOPIC,
        "casetrail.audit-checkpoints",
        ACLResourcePatternType.LITERAL,
    )
    notifications = (
        ResourceType.TOPIC,
        "casetrail.notifications",
        ACLResourcePatternType.LITERAL,
    )
    assert rows == {
        ("User:relay", ACLOperation.WRITE, *topic),
        ("User:relay", ACLOperation.DESCRIBE, *topic),
        (
            "User:relay",
            ACLOperation.IDEMPOTENT_WRITE,
            ResourceType.CLUSTER,
            "kafka-cluster",
            ACLResourcePatternType.LITERAL,
        ),
        ("User:projector", ACLOperation.READ, *topic),
        ("User:projector", ACLOperation.DESCRIBE, *topic),
        ("User:projector", ACLOperation.WRITE, *dead_letters),
        ("User:projector", ACLOperation.DESCRIBE, *dead_letters),
        (
            "User:projector",
            ACLOperation.IDEMPOTENT_WRITE,
            ResourceType.CLUSTER,
            "kafka-cluster",
            ACLResourcePatternType.LITERAL,
        ),
        (
            "User:projector",
            ACLOperation.READ,
            ResourceType.GROUP,
            "casetrail-projections",
            ACLResourcePatternType.PREFIXED,
        ),
        ("User:integrator", ACLOperation.READ, *topic),
        ("User:integrator", ACLOperation.DESCRIBE, *topic),
        (
            "User:integrator",
            ACLOperation.READ,
            ResourceType.GROUP,
            "integrator-",
            ACLResourcePatternType.PREFIXED,
        ),
        ("User:anomalies", ACLOperation.READ, *topic),
        ("User:anomalies", ACLOperation.DESCRIBE, *topic),
        (
            "User:anomalies",
            ACLOperation.READ,
            ResourceType.GROUP,
            "casetrail-anomalies",
            ACLResourcePatternType.PREFIXED,
        ),
        ("User:sweeper", ACLOperation.READ, *topic),
        ("User:sweeper", ACLOperation.DESCRIBE, *topic),
        (
            "User:sweeper",
            ACLOperation.READ,
            ResourceType.GROUP,
            "casetrail-sweeper",
            ACLResourcePatternType.PREFIXED,
        ),
        ("User:integrator", ACLOperation.READ, *checkpoints),
        ("User:integrator", ACLOperation.DESCRIBE, *checkpoints),
        # the audit log: reads the events, holds what it refuses, writes its checkpoints
        # (and reads back the last one it published)
        ("User:auditor", ACLOperation.READ, *topic),
        ("User:auditor", ACLOperation.DESCRIBE, *topic),
        ("User:auditor", ACLOperation.WRITE, *dead_letters),
        ("User:auditor", ACLOperation.DESCRIBE, *dead_letters),
        ("User:auditor", ACLOperation.WRITE, *checkpoints),
        ("User:auditor", ACLOperation.READ, *checkpoints),
        ("User:auditor", ACLOperation.DESCRIBE, *checkpoints),
        (
            "User:auditor",
            ACLOperation.IDEMPOTENT_WRITE,
            ResourceType.CLUSTER,
            "kafka-cluster",
            ACLResourcePatternType.LITERAL,
        ),
        (
            "User:auditor",
            ACLOperation.READ,
            ResourceType.GROUP,
            "casetrail-audit-log",
            ACLResourcePatternType.PREFIXED,
        ),
        # the notifier: reads the events in its group, writes the notifications, which
        # integrators (the gateways) read
        ("User:notifier", ACLOperation.READ, *topic),
        ("User:notifier", ACLOperation.DESCRIBE, *topic),
        ("User:notifier", ACLOperation.WRITE, *notifications),
        ("User:notifier", ACLOperation.DESCRIBE, *notifications),
        (
            "User:notifier",
            ACLOperation.IDEMPOTENT_WRITE,
            ResourceType.CLUSTER,
            "kafka-cluster",
            ACLResourcePatternType.LITERAL,
        ),
        (
            "User:notifier",
            ACLOperation.READ,
            ResourceType.GROUP,
            "casetrail-notifier",
            ACLResourcePatternType.PREFIXED,
        ),
        ("User:integrator", ACLOperation.READ, *notifications),
        ("User:integrator", ACLOperation.DESCRIBE, *notifications),
        # the webhook deliveries: read the events in their group
        ("User:webhooks", ACLOperation.READ, *topic),
        ("User:webhooks", ACLOperation.DESCRIBE, *topic),
        (
            "User:webhooks",
            ACLOperation.READ,
            ResourceType.GROUP,
            "casetrail-webhooks",
            ACLResourcePatternType.PREFIXED,
        ),
        # the exporter: reads the events in its group, writes the exchange records and the
        # approvals, which integrators (provincial platforms, regulators) read
        ("User:exporter", ACLOperation.READ, *topic),
        ("User:exporter", ACLOperation.DESCRIBE, *topic),
        (
            "User:exporter",
            ACLOperation.IDEMPOTENT_WRITE,
            ResourceType.CLUSTER,
            "kafka-cluster",
            ACLResourcePatternType.LITERAL,
        ),
        (
            "User:exporter",
            ACLOperation.READ,
            ResourceType.GROUP,
            "casetrail-exchange",
            ACLResourcePatternType.PREFIXED,
        ),
        *(
            (principal, operation, ResourceType.TOPIC, name, ACLResourcePatternType.LITERAL)
            for name in ("casetrail.exchange", "casetrail.approvals")
            for principal, operation in (
                ("User:exporter", ACLOperation.WRITE),
                ("User:exporter", ACLOperation.DESCRIBE),
                ("User:integrator", ACLOperation.READ),
                ("User:integrator", ACLOperation.DESCRIBE),
            )
        ),
    }


def test_a_broker_formatted_without_authentication_is_refused(state: Path) -> None:
    home = state / "kafka"
    (home / "data").mkdir(parents=True)
    (home / "data" / "meta.properties").write_text("version=1\n")
    (home / "server.properties").write_text("listeners=PLAINTEXT://127.0.0.1:19092\n")
    with pytest.raises(RuntimeError, match=r"without authentication.*rm -rf \.casetrail"):
        kafka.start(home)
