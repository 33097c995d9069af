"""What reading the stream as a stranger costs: the CloudEvents SDK against a plain decode.

For the events of recorded cases as the relay publishes them (structured mode), and for
signed checkpoints and dead letters (binary mode), times per message: a plain reader's
``orjson.loads`` of the value (structured only); the CloudEvents Python SDK's
auto-detecting ``from_kafka_event``; and the whole conformance check of
``tests/integration/stream_conformance.py`` (SDK parse, JSON form, JSON Schema of its
type from the AsyncAPI document, formats checked). In memory, bounded: no servers.
Prints µs per message and ratios, and writes them to ``test-artifacts/bench/stream.json``.
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
from bench.results import write_results
from consumers.cloudevents import binary_headers, encode
from consumers.dead_letters import dead_letter_headers
from consumers.validation import Poison
from domain.case.commands import Accept, Withdraw
from domain.event_schemas import cloudevent_schema
from domain.stream_contract import (
    CHECKPOINT_CONTENT_TYPE,
    checkpoint_attributes,
    checkpoint_schema,
    dead_letter_schema,
)
from tests.unit.conftest import CLERK, cloudevents, make_app

ROUNDS = 5
BUDGET_S = 60.0  # the whole run stops adding rounds past this


def case_messages(cases: int = 200) -> list[KafkaMessage]:
    """The events of ``cases`` submitted, accepted and withdrawn cases, as published."""
    app = make_app()
    published = []
    for index in range(cases):
        applicant = {"kind": "person", "name": "张三", "id_number": str(index), "phone": "1"}
        case_id = app.submit(
            CLERK, item_code="SCJG-001", channel="window", applicant=applicant, materials=[]
        ).aggregate_id
        app.handle(Accept(), case_id, CLERK)
        app.handle(Withdraw(reason="不办了"), case_id, CLERK)
        for event in cloudevents(app, case_id):
            key, value, headers = encode(event)
            published.append(KafkaMessage(dict(headers), key, value))
    return published


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


def main() -> None:
    """Time each reading and print the figures."""
    cases = case_messages()
    checkpoints, letters = binary_messages()
    plain = per_message(cases, lambda m: orjson.loads(m.value))
    rows = {
        "case events: plain orjson.loads": (len(cases), plain),
        "case events: SDK from_kafka_event": (len(cases), per_message(cases, from_kafka_event)),
        "case events: SDK + JSON Schema": (
            len(cases),
            per_message(cases, checker(cloudevent_schema)),
        ),
        "checkpoints: SDK from_kafka_event": (
            len(checkpoints),
            per_message(checkpoints, from_kafka_event),
        ),
        "checkpoints: SDK + JSON Schema": (
            len(checkpoints),
            per_message(checkpoints, checker(lambda _: checkpoint_schema())),
        ),
        "dead letters: SDK from_kafka_event": (
            len(letters),
            per_message(letters, from_kafka_event),
        ),
        "dead letters: SDK + JSON Schema": (
            len(letters),
            per_message(letters, checker(lambda _: dead_letter_schema())),
        ),
    }
    print(f"{'reading':38} {'messages':>8} {'µs/message':>11} {'messages/s':>11} {'× plain':>8}")
    figures = {}
    for name, (count, seconds) in rows.items():
        figures[name] = {
            "messages": count,
            "us_per_message": round(seconds * 1e6, 1),
            "messages_per_s": round(1 / seconds),
            "ratio_to_plain_decode": round(seconds / plain, 1),
        }
        print(
            f"{name:38} {count:8} {seconds * 1e6:11.1f} {1 / seconds:11,.0f} {seconds / plain:8.1f}"
        )
    write_results(
        "stream",
        {
            "results": figures,
        },
    )


if __name__ == "__main__":
    main()
