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

# The broker answers a fetch once it has this much for the member, or after this long.
# With kafka-python's default (one byte) it answered each of the platform's consumers
# for every event or two: the broker took a fifth to a half of a core at 50 events/s.
FETCH_MIN_BYTES = 64 * 1024
FETCH_MAX_WAIT_MS = 100


def group_member(
    kafka_options: Mapping[str, Any],
    *topics: str,
    group_id: str,
    instance_id: str | None = None,
    max_batch: int = 500,
) -> KafkaConsumer:
    """A new member of ``group_id`` (a static one with ``instance_id``, KIP-345), reading
    ``topics`` (or those given later to :func:`subscribe`) from the group's committed
    offsets, else from the beginning, at most ``max_batch`` records a poll, fetched
    ``FETCH_MIN_BYTES`` or ``FETCH_MAX_WAIT_MS`` at a time; it commits only when told."""
    consumer = KafkaConsumer(
        **kafka_options,
        group_id=group_id,
        group_instance_id=instance_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=max_batch,
        fetch_min_bytes=FETCH_MIN_BYTES,
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
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
