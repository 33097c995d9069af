"""A consumer's batch on the real PostgreSQL: what one poll gave, every partition's
records, applied together with their offsets; and a batch whose end cannot be written
(``ChainConsumer.end_batch`` raising an error that is not ``fatal``) is applied again a
message at a time: only the message that cannot be taken is held, every other one is
applied."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

import orjson
import psycopg
import pytest
from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from consumers.chain_consumer import ChainConsumer
from consumers.cloudevents import encode
from consumers.validation import Apply, Poison
from domain.case.commands import Accept
from infra import consumer_offsets
from infra.kafka_security import PROJECTOR
from tests.integration.harness import Platform
from tests.unit.conftest import CLERK, applicant, make_app
from tests.unit.test_anomaly_rules import published

pytestmark = pytest.mark.integration


class EndsBadly(ChainConsumer):
    """Keeps nothing; its batch's end fails when the batch applied an event of ``bad``."""

    def __init__(self, bad: UUID, **options: Any) -> None:
        super().__init__(**options)
        self.bad = str(bad)
        self.applied: set[str] = set()
        self.batches: list[set[str]] = []  # the subjects of each batch begun

    def signature(self) -> str:
        return "ends-badly@1"

    def tables(self) -> Sequence[str]:
        return ()

    def reads(self, event_type: str) -> bool:
        return event_type.split(".")[1] == "case"

    def begin_batch(self, conn: psycopg.Connection, subjects: set[str]) -> None:
        self.applied = set()
        self.batches.append(subjects)

    def apply(self, conn: psycopg.Connection, event: dict[str, Any]) -> None:
        self.applied.add(event["subject"])

    def end_batch(self, conn: psycopg.Connection) -> None:
        if self.bad in self.applied:
            raise ValueError("its views cannot take it")


def two_cases(platform: Platform) -> tuple[list[bytes], UUID, UUID, EndsBadly]:
    """Two cases submitted and accepted, as published; a consumer whose batch end fails
    on the second's events."""
    app = make_app()
    good, bad = (
        app.submit(
            CLERK, item_code="SCJG-001", channel="window", applicant=applicant(), materials=[]
        )
        for _ in range(2)
    )
    for case in (good, bad):
        app.handle(Accept(), case.aggregate_id, CLERK)
    values = [encode(event)[1] for event in published(app)]
    consumer = EndsBadly(
        bad.aggregate_id,
        database_url=platform.settings.database_url,
        kafka_options=platform.settings.kafka_options(PROJECTOR),
        topic=platform.topic,
        group_id=f"ends-badly-{platform.topic}-{uuid4().hex[:8]}",
    )
    return values, good.aggregate_id, bad.aggregate_id, consumer


def record(topic: str, partition: int, offset: int, value: bytes) -> ConsumerRecord:
    return ConsumerRecord(topic, partition, -1, offset, 0, 0, None, value, [], None, 0, 0, 0)


def test_a_polls_records_of_every_partition_are_one_batch_with_their_offsets(
    platform: Platform,
) -> None:
    values, *_, consumer = two_cases(platform)
    cases = [v for v in values if orjson.loads(v)["type"].startswith("casetrail.case.")]
    first, second = TopicPartition(platform.topic, 3), TopicPartition(platform.topic, 7)
    polled = {
        first: [record(platform.topic, 3, 40 + i, v) for i, v in enumerate(cases[:2])],
        second: [record(platform.topic, 7, 90 + i, v) for i, v in enumerate(cases[2:3])],
    }
    consumer.bad = ""  # every batch ends well
    with psycopg.connect(platform.settings.database_url) as conn:
        consumer._apply_batch(conn, None, polled)
        offsets = consumer_offsets.stored(conn, consumer.group_id, platform.topic)
    assert len(consumer.batches) == 1
    assert consumer.batches[0] == {orjson.loads(v)["subject"] for v in cases[:3]}
    assert offsets == {3: 42, 7: 91}


def test_only_the_message_whose_batch_end_fails_is_held(platform: Platform) -> None:
    values, good_id, bad_id, consumer = two_cases(platform)
    with psycopg.connect(platform.settings.database_url) as conn:
        verdicts = consumer.apply_messages(conn, values)
        applied = conn.execute(
            "SELECT case_id, version FROM applied_versions WHERE consumer = %s",
            (consumer.group_id,),
        ).fetchall()
    held = [v for v in verdicts if isinstance(v, Poison)]
    assert [v.subject for v in held] == [str(bad_id)] * 2
    assert "its views cannot take it" in held[0].reason  # then its accept breaks the chain
    assert sum(isinstance(v, Apply) for v in verdicts) == 2  # the good case's two events
    assert applied == [(good_id, 2)]
