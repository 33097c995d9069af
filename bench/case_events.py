"""Realistic case events at any count, for the stages that feed the relay and the consumers.

One case of each journey below (approved with its certificate, denied, not accepted,
supplemented then accepted, a special procedure and an extension, withdrawn) is recorded
by the real application in memory; case ``n`` is a copy of journey ``n mod 6`` under its
own id and case number, its hash chain recomputed. The copies are given as CloudEvents,
as the Kafka messages the relay publishes (after the power list and calendar events the
application recorded first), or written straight into a platform's event store (sealed
with its cipher, as the application stores them) for the relay to read.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any
from uuid import UUID, uuid5

import psycopg
from eventsourcing.persistence import Transcoder
from eventsourcing.utils import Environment

from consumers.cloudevents import encode, stored_document, to_cloudevent
from domain.case.commands import (
    Accept,
    Assign,
    Complete,
    CompleteStep,
    Decide,
    Deliver,
    EndSpecialProcedure,
    Extend,
    IssueCertificate,
    Material,
    NotAccept,
    ProvideSupplement,
    RequestSupplement,
    StartSpecialProcedure,
    Withdraw,
)
from domain.chain import GENESIS, chain_hash
from infra.config import Settings
from infra.event_cipher import NONCE_BYTES, EventCipher
from tests.unit.conftest import APPROVER, CLERK, ITEM, OFFICER, applicant, make_app

NAMESPACE = UUID("6a0c3c1e-2f0b-4c8e-9d3a-5be1f27c0e41")
HALL = "bench"
Message = tuple[bytes, bytes, list[tuple[str, bytes]]]  # key, value, headers
COPY_EVENTS = "COPY casetrail_events (originator_id, originator_version, topic, state) FROM STDIN"
REVIEW = [
    (Accept(), CLERK),
    (Assign(assignee="officer-1"), OFFICER),
    (CompleteStep(step="审查", opinion="agree"), OFFICER),
    (CompleteStep(step="决定", opinion="agree"), APPROVER),
]
LICENCE = Material(code="M2", name="营业执照")
JOURNEYS: list[list[tuple[Any, Any]]] = [
    [
        *REVIEW,
        (Decide(outcome="approved"), APPROVER),
        (IssueCertificate(certificate_no="JY-1", valid_until=date(2031, 3, 1)), CLERK),
        (Deliver(method="window"), CLERK),
        (Complete(), OFFICER),
    ],
    [
        *REVIEW,
        (
            Decide(outcome="denied", reasons=["不符合"], legal_basis="法", appeal_notice="复议"),
            APPROVER,
        ),
        (Deliver(method="post"), CLERK),
        (Complete(), OFFICER),
    ],
    [(NotAccept(reason="不属于", legal_basis="法", appeal_notice="复议"), CLERK)],
    [
        (RequestSupplement(missing=[LICENCE], note="补齐"), CLERK),
        (ProvideSupplement(provided=[LICENCE]), CLERK),
        (Accept(), CLERK),
    ],
    [
        (Accept(), CLERK),
        (Assign(assignee="officer-1"), OFFICER),
        (StartSpecialProcedure(kind="inspection", expected_days=3, notice="勘查"), OFFICER),
        (EndSpecialProcedure(result="符合"), OFFICER),
        (Extend(days=5, reason="复杂", approved_by="department_head"), APPROVER),
    ],
    [(Accept(), CLERK), (Withdraw(reason="不办了"), CLERK)],
]


@dataclass(frozen=True)
class Stored:
    """One recorded event: its topic, aggregate, version and decoded state."""

    topic: str
    originator_id: UUID
    version: int
    fields: dict[str, Any]

    def document(self) -> dict[str, Any]:
        fields = {**self.fields, "timestamp": self.fields["timestamp"].isoformat()}
        return stored_document(self.topic, self.originator_id, self.version, fields)


@dataclass(frozen=True)
class Recorded:
    """What the application recorded: the power list and calendar first, then one case
    of each journey; and how it encodes a state."""

    preamble: list[Stored]
    journeys: list[list[Stored]]
    transcoder: Transcoder


@cache
def recorded() -> Recorded:
    """One case of each journey, recorded by the application in memory (once a run)."""
    app = make_app()
    case_ids = []
    for journey in JOURNEYS:
        case_id = app.submit(
            CLERK,
            item_code=ITEM.code,
            channel="window",
            applicant=applicant(),
            materials=[{"code": "M1", "name": "申请书"}],
        ).aggregate_id
        for command, actor in journey:
            app.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
            app.handle(command, case_id, actor)
        case_ids.append(case_id)
    by_aggregate: dict[UUID, list[Stored]] = {}
    preamble = []
    for n in app.recorder.select_notifications(start=None, limit=100_000):
        originator_id = UUID(str(n.originator_id))
        stored = Stored(
            n.topic, originator_id, n.originator_version, app.mapper.transcoder.decode(n.state)
        )
        if originator_id in case_ids:
            by_aggregate.setdefault(originator_id, []).append(stored)
        else:
            preamble.append(stored)
    return Recorded(preamble, [by_aggregate[i] for i in case_ids], app.mapper.transcoder)


def cases(first: int = 0) -> Iterator[list[Stored]]:
    """Case after case from number ``first`` on, without end: journey ``n mod 6`` under
    its own id and case number, chained again."""
    journeys = recorded().journeys
    for number in itertools.count(first):
        subject = uuid5(NAMESPACE, str(number))
        prevhash, case = GENESIS, []
        for template in journeys[number % len(journeys)]:
            fields = {**template.fields, "prevhash": prevhash, "hash": ""}
            if "case_no" in fields:
                fields["case_no"] = f"{ITEM.department}-20260302-{number:06d}"
            event = Stored(template.topic, subject, template.version, fields)
            fields["hash"] = prevhash = chain_hash(event.document())
            case.append(event)
        yield case


def copies(count: int) -> Iterator[Stored]:
    """``count`` case events, case after case (the last case may stop short)."""
    return itertools.islice(itertools.chain.from_iterable(cases()), count)


class Sealer:
    """Encodes and enciphers events as the application stores them (its ``EventCipher``),
    nonces counted from a random start: ``os.urandom`` for each took most of the time of
    writing a million events."""

    def __init__(self, settings: Settings) -> None:
        self.cipher = EventCipher(Environment(env={"CIPHER_KEY": settings.event_cipher_key}))
        self.nonce = itertools.count(int.from_bytes(os.urandom(8)) << 32)
        self.transcoder = recorded().transcoder

    def state(self, event: Stored) -> bytes:
        """The stored state of ``event``."""
        nonce = (next(self.nonce) % 2**96).to_bytes(NONCE_BYTES)
        return self.cipher.seal(nonce, self.transcoder.encode(event.fields))

    def row(self, event: Stored) -> tuple[UUID, int, str, bytes]:
        """``event``'s row of the event store (for ``COPY_EVENTS``)."""
        return event.originator_id, event.version, event.topic, self.state(event)


def cloudevents(count: int, *, preamble: bool = True) -> list[dict[str, Any]]:
    """The power list and calendar events (unless not ``preamble``), then ``count`` case
    events, as the relay publishes them, at consecutive positions."""
    events = [*(recorded().preamble if preamble else ()), *copies(count)]
    return [
        to_cloudevent(event.document(), position=position, hall=HALL)
        for position, event in enumerate(events, start=1)
    ]


def messages(count: int, *, preamble: bool = True) -> list[Message]:
    """The Kafka messages of ``cloudevents(count)``."""
    return [encode(event) for event in cloudevents(count, preamble=preamble)]


def store(settings: Settings, count: int) -> int:
    """Write ``count`` case events into the platform's event store, as the application
    stores them (one ``COPY``); how many events the store then holds."""
    sealer = Sealer(settings)
    with psycopg.connect(settings.database_url) as conn:
        with conn.cursor().copy(COPY_EVENTS) as copy:
            for event in copies(count):
                copy.write_row(sealer.row(event))
        row = conn.execute("SELECT count(*) FROM casetrail_events").fetchone()
    return int(row[0]) if row else 0
