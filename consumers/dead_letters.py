"""The dead-letter topic: messages a consumer refused, for operators and other tools.

``<topic>.dlq`` carries each refused message as it was (key and value), with
headers in Kafka Connect's dead-letter convention, so tools that read Connect's
dead letters read these: the source topic, partition and offset, and the reason.
"""

from __future__ import annotations

from kafka.consumer.fetcher import ConsumerRecord


def dead_letter_headers(record: ConsumerRecord, reason: str) -> list[tuple[str, bytes]]:
    """Where a refused message came from, and why it was refused."""
    return [
        ("__connect.errors.topic", record.topic.encode()),
        ("__connect.errors.partition", str(record.partition).encode()),
        ("__connect.errors.offset", str(record.offset).encode()),
        ("__connect.errors.exception.message", reason.encode()),
    ]
