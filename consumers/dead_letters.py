"""Refused messages: held in the quarantine and sent to the dead-letter topic, for
operators and other tools.

Every consumer that refuses a message (the projection runner, the audit log) holds it
the same way: in the quarantine table under the consumer's name, in the transaction
of its batch, and as it was (key and value) on ``<topic>.dlq``, with headers in Kafka
Connect's dead-letter convention, so tools that read Connect's dead letters read
these: the source topic, partition and offset, and the reason.
"""

from __future__ import annotations

import logging
from typing import Protocol

import psycopg
from kafka import KafkaProducer

from consumers.validation import Poison
from infra import quarantine
from infra.kafka_security import dead_letter_topic


class Refused(Protocol):
    """Where a refused message was read, and its bytes (a Kafka consumer record)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...


def dead_letter_headers(message: Refused, reason: str) -> list[tuple[str, bytes]]:
    """Where a refused message came from, and why it was refused."""
    return [
        ("__connect.errors.topic", message.topic.encode()),
        ("__connect.errors.partition", str(message.partition).encode()),
        ("__connect.errors.offset", str(message.offset).encode()),
        ("__connect.errors.exception.message", reason.encode()),
    ]


def hold(
    conn: psycopg.Connection,
    dead_letters: KafkaProducer | None,
    *,
    consumer: str,
    message: Refused,
    poison: Poison,
    log: logging.Logger,
) -> None:
    """Quarantine a message ``consumer`` refused, log it and, the first time it is held,
    send it to the dead-letter topic unless ``dead_letters`` is None (the caller flushes
    before committing)."""
    where = f"{message.topic}[{message.partition}]@{message.offset}"
    log.warning("quarantined %s: %s", where, poison.reason)
    held = quarantine.hold(
        conn,
        consumer=consumer,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        case_id=poison.subject,
        reason=poison.reason,
        key=message.key,
        value=message.value,
    )
    if held and dead_letters is not None:
        dead_letters.send(
            dead_letter_topic(message.topic),
            key=message.key,
            value=message.value,
            headers=dead_letter_headers(message, poison.reason),
        )
