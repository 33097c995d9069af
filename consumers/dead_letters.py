"""Refused messages: held in the quarantine and sent to the dead-letter topic, for
operators and other tools.

Every consumer that refuses a message (the projection runner, the audit log) holds it
the same way: in the quarantine table under the consumer's name, in the transaction
of its batch, and as it was (key and value) on ``<topic>.dlq``: a binary-mode CloudEvent
(``domain.stream_contract``) whose data are the refused bytes, with where they were read
and why they were refused as its extension attributes; the same again in Kafka Connect's
dead-letter headers, so tools that read Connect's dead letters read these too.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Protocol

import psycopg
from kafka import KafkaProducer

from consumers.cloudevents import binary_headers
from consumers.validation import Poison
from domain.stream_contract import DEAD_LETTER_CONTENT_TYPE, dead_letter_attributes
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


def dead_letter_headers(
    message: Refused, consumer: str, poison: Poison, time: datetime
) -> list[tuple[str, bytes]]:
    """The CloudEvent's headers of a message ``consumer`` refused, then Kafka Connect's:
    where it came from, and why it was refused."""
    attributes = dead_letter_attributes(
        consumer=consumer,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        reason=poison.reason,
        subject=poison.subject,
        time=time,
    )
    reason = poison.reason
    return [
        *binary_headers(attributes, DEAD_LETTER_CONTENT_TYPE),
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
            headers=dead_letter_headers(message, consumer, poison, datetime.now(UTC)),
        )
