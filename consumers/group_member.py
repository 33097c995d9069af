"""How every consumer of the project joins its group on the event topic.

A member subscribes only once it knows its topics' partitions. kafka-python (3.0.12)
otherwise joins with no partition metadata, assigns nothing, and rejoins when the
metadata arrives; if a ``poll`` gives up while that second join is in flight, the join
completes unseen and the member keeps an empty assignment for good (found under load:
every webhook test timed out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer


def group_member(
    kafka_options: Mapping[str, Any],
    *topics: str,
    group_id: str,
    instance_id: str | None = None,
    max_batch: int = 500,
) -> KafkaConsumer:
    """A new member of ``group_id`` (a static one with ``instance_id``, KIP-345), reading
    ``topics`` (or those given later to :func:`subscribe`) from the group's committed
    offsets, else from the beginning, at most ``max_batch`` records a poll; it commits
    only when told."""
    consumer = KafkaConsumer(
        **kafka_options,
        group_id=group_id,
        group_instance_id=instance_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=max_batch,
    )
    if topics:
        subscribe(consumer, topics)
    return consumer


def subscribe(
    consumer: KafkaConsumer,
    topics: Sequence[str],
    listener: ConsumerRebalanceListener | None = None,
) -> None:
    """Subscribe ``consumer`` to ``topics`` and fetch their partitions before it joins,
    so that its first join assigns them (see the module's note)."""
    consumer.subscribe(list(topics), listener=listener)
    for topic in topics:
        consumer.partitions_for_topic(topic)
