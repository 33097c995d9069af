"""An integrator's own user: which names it may have, what it may read, and the settings
it is given."""

from __future__ import annotations

import pytest
from kafka.admin import ACLOperation, ACLResourcePatternType, ResourceType

from infra.integrators import IntegratorRefused, check_name, connection_settings
from infra.kafka_acls import companion_topics, integrator_acls, integrator_topics
from infra.kafka_security import KafkaSecurity


def test_an_integrator_reads_every_topic_but_the_dead_letters() -> None:
    topics = integrator_topics("casetrail.case-events")
    assert topics == (
        "casetrail.case-events",
        "casetrail.audit-checkpoints",
        "casetrail.notifications",
        "casetrail.exchange",
        "casetrail.approvals",
    )
    assert set(companion_topics("casetrail.case-events")) - set(topics) == {
        "casetrail.case-events.dlq"
    }


def test_its_acls_read_and_describe_its_topics_and_read_its_groups_only() -> None:
    acls = integrator_acls("User:acme", "acme.", "casetrail.case-events")
    rows = {
        (a.operation, a.resource_pattern.resource_type, a.resource_pattern.resource_name)
        for a in acls
    }
    topics = integrator_topics("casetrail.case-events")
    assert rows == {
        *(
            (op, ResourceType.TOPIC, t)
            for t in topics
            for op in (ACLOperation.READ, ACLOperation.DESCRIBE)
        ),
        (ACLOperation.READ, ResourceType.GROUP, "acme."),
    }
    (group,) = [a for a in acls if a.resource_pattern.resource_type == ResourceType.GROUP]
    assert group.resource_pattern.pattern_type == ACLResourcePatternType.PREFIXED
    assert {a.principal for a in acls} == {"User:acme"}


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Acme",
        "acme_1",
        "-acme",
        "acme-",
        "a.b",
        "x" * 41,
        "relay",
        "integrator",
        "casetrail-x",
        "integrator-acme",
        "admin",
    ],
)
def test_a_name_not_its_own_is_refused(name: str) -> None:
    with pytest.raises(IntegratorRefused):
        check_name(name, KafkaSecurity())


def test_a_renamed_principal_is_reserved_too() -> None:
    security = KafkaSecurity(usernames={**KafkaSecurity().usernames, "relay": "hall-relay"})
    with pytest.raises(IntegratorRefused):
        check_name("hall-relay", security)
    check_name("acme-2", security)


def test_the_ca_file_is_given_only_with_tls() -> None:
    plain = connection_settings("b:9092", KafkaSecurity(), "acme", "pw")
    assert list(plain) == [
        "bootstrap_servers",
        "security_protocol",
        "sasl_mechanism",
        "sasl_plain_username",
        "sasl_plain_password",
        "group_id_prefix",
    ]
    tls = KafkaSecurity(protocol="SASL_SSL", ssl_cafile="/etc/ca.pem")
    assert connection_settings("b:9093", tls, "acme", "pw")["ssl_cafile"] == "/etc/ca.pem"
