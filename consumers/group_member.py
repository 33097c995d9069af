"""How every consumer of the project joins its group on the event topic."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kafka import KafkaConsumer


def group_member(
    kafka_options: Mapping[str, Any],
    *topics: str,
    group_id: str,
    instance_id: str | None = None,
    max_batch: int = 500,
) -> KafkaConsumer:
    """A new member of ``group_id`` (a static one with ``instance_id``, KIP-345), reading
    ``topics`` (or those it subscribes to later) from the group's committed offsets, else
    from the beginning, at most ``max_batch`` records a poll; it commits only when told."""
    return KafkaConsumer(
        *topics,
        **kafka_options,
        group_id=group_id,
        group_instance_id=instance_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=max_batch,
    )
