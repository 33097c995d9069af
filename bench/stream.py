"""What reading the stream as a stranger costs: the CloudEvents SDK against a plain decode.

For the events of realistic cases as the relay publishes them (structured mode), and for
signed checkpoints and dead letters (binary mode), times per message: a plain reader's
``orjson.loads`` of the value (structured only); the CloudEvents Python SDK's
auto-detecting ``from_kafka_event``; and the whole conformance check of
``tests/integration/stream_conformance.py`` (SDK parse, JSON form, JSON Schema of its
type from the AsyncAPI document, formats checked). In memory, bounded: no servers.
The ``reading`` stage (``bench/stages/reading.py``) times them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import jsonschema
import orjson
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka_event
from cloudevents.core.formats.json import JSONFormat

from api.asyncapi_parts import with_partition_key
from bench import case_events
from consumers.cloudevents import binary_headers
from consumers.dead_letters import dead_letter_headers
from consumers.validation import Poison
from domain.stream_contract import (
    CHECKPOINT_CONTENT_TYPE,
    checkpoint_attributes,
)

ROUNDS = 5
BUDGET_S = 20.0  # the whole run stops adding rounds past this


def case_messages(events: int = 600) -> list[KafkaMessage]:
    """``events`` events of realistic cases (``bench.case_events``), as published."""
    return [
        KafkaMessage(dict(headers), key, value)
        for key, value, headers in case_events.messages(events, preamble=False)
    ]


class Refused:
    topic, partition = "casetrail.case-events", 0

    def __init__(self, offset: int) -> None:
        self.offset, self.key, self.value = offset, None, b'{"type": "x.bribed.v1"}'


def binary_messages(count: int = 600) -> tuple[list[KafkaMessage], list[KafkaMessage]]:
    """``count`` checkpoints and ``count`` dead letters, as published."""
    now = datetime.now(UTC)
    notes = [f"casetrail.bench/audit-log\n{n}\nq0mNo+Xb3z0=\n\n— sig\n" for n in range(count)]
    checkpoints = [
        KafkaMessage(
            dict(binary_headers(checkpoint_attributes(note, now), CHECKPOINT_CONTENT_TYPE)),
            b"casetrail.bench/audit-log",
            note.encode(),
        )
        for note in notes
    ]
    letters = []
    for offset in range(count):
        refused = Refused(offset)
        headers = dead_letter_headers(refused, "casetrail-projections", Poison("unknown"), now)
        letters.append(KafkaMessage(dict(headers), None, refused.value))
    return checkpoints, letters


def per_message(messages: list[KafkaMessage], read: Callable[[KafkaMessage], Any]) -> float:
    """Mean seconds per message of ``read`` over ``ROUNDS`` rounds (fewer past the budget)."""
    rounds, started = 0, time.perf_counter()
    while rounds < ROUNDS and (rounds == 0 or time.perf_counter() - started < BUDGET_S / 6):
        for message in messages:
            read(message)
        rounds += 1
    return (time.perf_counter() - started) / (rounds * len(messages))


def checker(schemas: Callable[[str], dict[str, Any]]) -> Callable[[KafkaMessage], None]:
    """The conformance check of one message, schemas looked up (once) by type."""
    cache: dict[str, jsonschema.Draft202012Validator] = {}
    formats = jsonschema.FormatChecker()

    def check(message: KafkaMessage) -> None:
        event = from_kafka_event(message)
        kind = event.get_type()
        if kind not in cache:
            schema = with_partition_key(schemas(kind))
            cache[kind] = jsonschema.Draft202012Validator(schema, format_checker=formats)
        cache[kind].validate(orjson.loads(JSONFormat().write(event)))

    return check
