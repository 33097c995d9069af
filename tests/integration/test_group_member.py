"""A consumer's first join to its group, against the real broker."""

from __future__ import annotations

from kafka import ConsumerRebalanceListener, TopicPartition

from consumers.group_member import group_member, subscribe
from infra import kafka_admin
from infra.kafka_security import WEBHOOKS
from tests.integration.harness import Platform, wait_until


class _Assignments(ConsumerRebalanceListener):  # type: ignore[misc]
    """Every assignment the member is given, in order."""

    def __init__(self) -> None:
        self.given: list[set[TopicPartition]] = []

    def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        pass

    def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.given.append(set(assigned))


def test_a_lone_member_is_given_every_partition_in_its_first_assignment(
    platform: Platform,
) -> None:
    """No first join with unknown partitions, an empty assignment and a second join: that
    second join is the one kafka-python can complete unseen, leaving the member idle."""
    settings = platform.settings
    assignments = _Assignments()
    consumer = group_member(settings.kafka_options(WEBHOOKS), group_id=settings.webhooks_group)
    try:
        subscribe(consumer, [platform.topic], assignments)

        def assigned() -> bool:
            consumer.poll(timeout_ms=100)
            return bool(assignments.given)

        wait_until(assigned, what="the first assignment")
    finally:
        consumer.close(autocommit=False)
    partitions = kafka_admin.partition_count(settings.bootstrap_servers, platform.topic)
    assert assignments.given[0] == {TopicPartition(platform.topic, p) for p in range(partitions)}
