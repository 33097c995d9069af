"""Case events to measure with, made by the real application in memory, and what reading
the stream as a stranger costs: the CloudEvents SDK against a plain decode.

``histories`` records realistic case histories (closed, denied, withdrawn, with sealed
applicants); ``copied_case`` copies one under a case id and number of its own, its chain
recomputed, so that any number of distinct events can be made fast.

For the events of recorded cases as the relay publishes them (structured mode), and for
signed checkpoints and dead letters (binary mode), times per message: a plain reader's
``orjson.loads`` of the value (structured only); the CloudEvents Python SDK's
auto-detecting ``from_kafka_event``; and the whole conformance check of
``tests/integration/stream_conformance.py`` (SDK parse, JSON form, JSON Schema of its
type from the AsyncAPI document, formats checked). In memory, bounded: no servers.
The ``reading`` stage (``bench/stages/reading.py``) times them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

import jsonschema
import orjson
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka_event
from cloudevents.core.formats.json import JSONFormat

from api.asyncapi_parts import with_partition_key
from consumers.cloudevents import binary_headers, encode, recorded_document
from consumers.dead_letters import dead_letter_headers
from consumers.validation import Poison
from domain.case.commands import Accept, Complete, Deliver, IssueCertificate, Withdraw
from domain.chain import GENESIS, chain_hash
from domain.stream_contract import (
    CHECKPOINT_CONTENT_TYPE,
    checkpoint_attributes,
)
from tests.unit.audit_world import decided_case, withdrawn_case
from tests.unit.conftest import CLERK, OFFICER, cloudevents, make_app

NAMESPACE = UUID("6f0a4c39-4d53-4b8c-9d0e-1f2a3b4c5d6e")
Document = dict[str, Any]
ROUNDS = 5
BUDGET_S = 20.0  # the whole run stops adding rounds past this


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


@dataclass(frozen=True)
class Recorded:
    """One recorded event: its document (what its hash covers, and the hash) and its
    stored topic and state (as the event store keeps them, before any cipher)."""

    document: Document
    topic: str
    state: bytes


def histories() -> list[list[Recorded]]:
    """Case histories as the application records them: approved, certified, delivered
    and closed; denied; withdrawn."""
    app = make_app()
    ids = []
    for number in range(20):
        closed = decided_case(app)
        app.handle(IssueCertificate(certificate_no=f"JY{number:08d}"), closed, CLERK)
        app.handle(Deliver(method="window"), closed, CLERK)
        app.handle(Complete(), closed, OFFICER)
        ids += [closed, decided_case(app, denied=True), withdrawn_case(app)]
    cases: dict[UUID, list[Recorded]] = {case_id: [] for case_id in ids}
    for notification in app.recorder.select_notifications(start=None, limit=100_000):
        case_id = UUID(str(notification.originator_id))
        if case_id in cases:
            document = recorded_document(notification, app.mapper)
            cases[case_id].append(Recorded(document, notification.topic, notification.state))
    return list(cases.values())


def case_no(number: int) -> str:
    """The case number of copy ``number``."""
    return f"SCJG-20260302-{number:06d}"


def copied_case(history: list[Recorded], number: int) -> list[Document]:
    """Case ``number``: a copy of ``history``'s documents under its own id and case
    number, chained."""
    subject = str(uuid5(NAMESPACE, str(number)))
    chained, prevhash = [], GENESIS
    for recorded in history:
        data = recorded.document["data"]
        if "case_no" in data:
            data = {**data, "case_no": case_no(number)}
        copy = {**recorded.document, "subject": subject, "data": data, "prevhash": prevhash}
        copy["hash"] = prevhash = chain_hash(copy)
        chained.append(copy)
    return chained


def copied_state(recorded: Recorded, copy: Document) -> bytes:
    """The stored state of ``copy`` (made by ``copied_case`` from ``recorded``): the
    original's, with the case number and hashes of the copy."""
    original = recorded.document
    state = recorded.state
    for name in ("prevhash", "hash"):
        state = state.replace(original[name].encode(), copy[name].encode())
    if "case_no" in original["data"]:
        state = state.replace(
            original["data"]["case_no"].encode(), copy["data"]["case_no"].encode()
        )
    return state


def copied_cases(events: int, first: int = 0) -> Iterator[tuple[list[Recorded], list[Document]]]:
    """Copies of the recorded histories, case ``first`` onwards, until they hold ``events``
    events (the last case cut short); each with the history it copies."""
    shapes = histories()
    number, made = first, 0
    while made < events:
        history = shapes[number % len(shapes)][: events - made]
        copy = copied_case(history, number)
        yield history, copy
        made += len(copy)
        number += 1


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
