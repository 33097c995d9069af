"""Kafka lets each principal do its own work and nothing more, on the real broker:
only the relay writes the event topic, the projector and integrators read it (an
integrator in groups of its own prefix), nobody but the admin deletes records or the
topic, and a client that does not log in, or logs in with a wrong password, is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
)
from kafka.errors import (
    GroupAuthorizationFailedError,
    KafkaError,
    KafkaTimeoutError,
    TopicAuthorizationFailedError,
)

from consumers.relay import make_producer
from infra import kafka_admin
from infra.config import DEFAULT_TOPIC
from infra.kafka_acls import READ, companion_topics, grant, topic_acls
from infra.kafka_security import (
    ADMIN,
    ANOMALIES,
    AUDITOR,
    INTEGRATOR,
    PROJECTOR,
    PROJECTOR_GROUP,
    RELAY,
    SWEEPER,
)
from tests.integration.harness import Platform, wait_until

pytestmark = pytest.mark.integration

READERS = (PROJECTOR, INTEGRATOR, ANOMALIES, AUDITOR, SWEEPER)
NOT_ADMIN = (RELAY, PROJECTOR, INTEGRATOR, ANOMALIES, AUDITOR, SWEEPER)
# what no ACL may allow anyone: only the admin, a super user, manages topics and records
ADMIN_ONLY = {
    ACLOperation.ALL,
    ACLOperation.DELETE,
    ACLOperation.ALTER,
    ACLOperation.ALTER_CONFIGS,
    ACLOperation.CREATE,
    ACLOperation.CLUSTER_ACTION,
}


@pytest.fixture(scope="module")
def published(platform: Platform) -> Iterator[bytes]:
    """A message the relay's principal wrote to the module's topic (its key)."""
    key = uuid.uuid4().hex.encode()
    with closing(make_producer(platform.settings.kafka_options(RELAY))) as producer:
        producer.send(platform.topic, key=key, value=b"{}").get(timeout=30)
    yield key


def options(platform: Platform, principal: str, **changes: Any) -> dict[str, Any]:
    return {**platform.settings.kafka_options(principal), **changes}


def refused_write(platform: Platform, **client: Any) -> KafkaError:
    """Why sending to the topic failed (the topic holds nothing more)."""
    before = platform.end_offsets_total()
    with pytest.raises(KafkaError) as refused:
        producer = KafkaProducer(max_block_ms=3000, bootstrap_timeout_ms=3000, **client)
        try:
            producer.send(platform.topic, key=b"k", value=b"forged").get(timeout=10)
        finally:
            producer.close(timeout=5)
    assert platform.end_offsets_total() == before
    return refused.value


def all_acls(platform: Platform) -> list[ACL]:
    everything = ACLFilter(
        None,
        None,
        ACLOperation.ANY,
        ACLPermissionType.ANY,
        ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY),
    )
    with closing(KafkaAdminClient(**options(platform, ADMIN))) as admin:
        acls, error = admin.describe_acls(everything)
    assert error.errno == 0, error
    return list(acls)


def acl_row(acl: ACL) -> tuple[Any, ...]:
    pattern = acl.resource_pattern
    return (
        acl.principal,
        acl.operation,
        acl.permission_type,
        pattern.resource_type,
        pattern.resource_name,
        pattern.pattern_type,
    )


def test_an_integrator_reads_the_relays_messages_in_a_group_of_its_prefix(
    platform: Platform, published: bytes
) -> None:
    consumer = KafkaConsumer(
        platform.topic,
        **options(platform, INTEGRATOR),
        group_id=f"integrator-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    with closing(consumer):
        keys: set[bytes] = set()

        def read() -> bool:
            keys.update(r.key for rs in consumer.poll(timeout_ms=500).values() for r in rs)
            return published in keys

        wait_until(read, timeout=60, what="the integrator to read the relay's message")
        consumer.commit()  # its group's offsets are its own


@pytest.mark.parametrize(
    ("principal", "group"),
    [
        (INTEGRATOR, "casetrail-projections"),
        (ANOMALIES, "casetrail-projections"),
        (SWEEPER, "casetrail-anomalies"),
    ],
)
def test_a_reader_may_not_use_a_group_outside_its_prefix(
    platform: Platform, published: bytes, principal: str, group: str
) -> None:
    consumer = KafkaConsumer(
        platform.topic,
        **options(platform, principal),
        group_id=group,
        auto_offset_reset="earliest",
    )
    with closing(consumer), pytest.raises(GroupAuthorizationFailedError):
        wait_until(lambda: consumer.poll(timeout_ms=500), timeout=30, what="a refusal")


def test_a_client_that_does_not_log_in_may_not_write(platform: Platform) -> None:
    anonymous = {"bootstrap_servers": platform.settings.bootstrap_servers}
    assert isinstance(refused_write(platform, **anonymous), KafkaTimeoutError)


@pytest.mark.parametrize("principal", READERS)
def test_only_the_relay_writes_the_topic(platform: Platform, principal: str) -> None:
    plain = refused_write(platform, **options(platform, principal), enable_idempotence=False)
    assert isinstance(plain, TopicAuthorizationFailedError), plain
    # nor with an idempotent producer, as the relay's (kafka-python reports the refused
    # producer id as a plain KafkaError naming ClusterAuthorizationFailedError)
    idempotent = refused_write(platform, **options(platform, principal), enable_idempotence=True)
    assert "AuthorizationFailed" in f"{type(idempotent).__name__} {idempotent}", idempotent


@pytest.mark.parametrize("principal", NOT_ADMIN)
def test_nobody_but_the_admin_deletes_records_or_the_topic(
    platform: Platform, published: bytes, principal: str
) -> None:
    before = platform.end_offsets_total()
    with closing(KafkaAdminClient(**options(platform, principal))) as admin:
        with pytest.raises(TopicAuthorizationFailedError):
            admin.delete_records({TopicPartition(platform.topic, 0): 1})
        with pytest.raises(TopicAuthorizationFailedError):
            admin.delete_topics([platform.topic])
    assert kafka_admin.partition_count(platform.settings.bootstrap_servers, platform.topic) == 12
    assert platform.end_offsets_total() == before
    assert published in {record.key for record in platform.read_topic()}


@pytest.mark.parametrize(
    "login",
    [{"sasl_plain_password": "wrong"}, {"sasl_plain_username": "nobody"}],
    ids=["wrong-password", "unknown-user"],
)
def test_a_wrong_login_is_refused(platform: Platform, login: dict[str, str]) -> None:
    with closing(KafkaAdminClient(**options(platform, RELAY), bootstrap_timeout_ms=3000)):
        pass  # the relay's own login is taken
    with pytest.raises(KafkaTimeoutError, match="Unable to bootstrap"):
        KafkaAdminClient(**options(platform, RELAY, **login), bootstrap_timeout_ms=3000)


def test_the_event_topic_has_exactly_the_acls_of_the_table(platform: Platform) -> None:
    security = platform.settings.kafka_security
    wanted = {acl_row(acl) for acl in topic_acls(security, DEFAULT_TOPIC)}
    found = {acl_row(acl) for acl in all_acls(platform)}
    shared = {row for row in found if row[3] != ResourceType.TOPIC}  # cluster and groups
    ours = (DEFAULT_TOPIC, *companion_topics(DEFAULT_TOPIC))
    named = {row for row in found if row[3] == ResourceType.TOPIC and row[4] in ours}
    assert named | shared == wanted
    assert not {row for row in found if row[1] in ADMIN_ONLY}


def test_granting_removes_the_acls_an_earlier_version_granted(platform: Platform) -> None:
    security = platform.settings.kafka_security
    literal = ResourcePattern(ResourceType.GROUP, PROJECTOR_GROUP, ACLResourcePatternType.LITERAL)
    retired = ACL(security.principal(PROJECTOR), "*", READ, ACLPermissionType.ALLOW, literal)
    with closing(KafkaAdminClient(**options(platform, ADMIN))) as admin:
        assert not admin.create_acls([retired])["failed"]
        assert acl_row(retired) in {acl_row(acl) for acl in all_acls(platform)}
        grant(admin, security, platform.topic)
    assert acl_row(retired) not in {acl_row(acl) for acl in all_acls(platform)}
