"""A consumer group of the event topic that keeps tables in PostgreSQL, exactly once in
effect: the base of the projection runner and of the anomaly detector.

Each batch's table writes, the (aggregate, version) pairs applied with their chain heads
and the next Kafka offsets commit in one PostgreSQL transaction; on assignment the
consumer seeks to the stored offsets; an event whose version is not above its
aggregate's last applied version is a duplicate and is skipped.

No message stops it: one that is not a valid event continuing its aggregate's chain
(``consumers.validation``), or that the consumer cannot apply, is held in the quarantine
table (in the batch's transaction), sent to the dead-letter topic ``<topic>.dlq`` with the
reason and its source partition and offset (if the consumer sends dead letters), and
logged; the consumer goes on with the next message.

A subclass says what it keeps (``tables``, rebuilt from the start of the topic when its
``signature`` changes), which event types it reads (``reads``), how it applies one
(``apply``; an error of ``fatal`` types ends the attempt instead of holding the message),
and may work between polls (``between_polls``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any
from uuid import UUID

import psycopg
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.consumer.subscription_state import ConsumerRebalanceListener

from consumers.dead_letters import hold
from consumers.group_member import group_member, subscribe
from consumers.relay import open_producer
from consumers.resilience import keep_running
from consumers.validation import Applied, Apply, Ignored, Poison, Verdict, judge, parse
from domain.errors import UnsupportedHistory
from domain.upcasting import current_event
from infra import consumer_offsets
from infra.grants import require_privileges
from infra.schema_lock import lock_schema

log = logging.getLogger("casetrail.consumers")


class ChainConsumer:
    """Consumes the event topic in ``group_id`` and applies each new, valid event.

    ``instance_id`` makes the consumer a static member of its group (KIP-345): started
    again after a crash under the same id, it takes its partitions back at once, instead
    of waiting for the group to expire the dead member (45 s).
    """

    name = "the consumer"
    role = ""  # the PostgreSQL role whose privileges it checks at start (infra.grants)
    dead_letters = True  # whether refused messages also go to the dead-letter topic
    failure = "could not apply it"  # what a held message's reason says when ``apply`` failed
    # errors of the servers, not of the message: the attempt ends and starts again
    fatal: tuple[type[Exception], ...] = (psycopg.Error,)

    def __init__(
        self,
        *,
        database_url: str,
        kafka_options: Mapping[str, Any],
        topic: str,
        group_id: str,
        instance_id: str | None = None,
        max_batch: int = 500,
    ) -> None:
        self.database_url = database_url
        self.kafka_options = kafka_options
        self.topic = topic
        self.group_id = group_id
        self.instance_id = instance_id
        self.max_batch = max_batch

    # --- what a subclass gives --------------------------------------------------------

    def signature(self) -> str:
        """What the kept tables are built by; a change rebuilds them from the topic."""
        raise NotImplementedError

    def tables(self) -> Sequence[str]:
        """The tables cleared for a rebuild."""
        raise NotImplementedError

    def reads(self, event_type: str) -> bool:
        """Whether the consumer applies events of ``event_type`` (others pass untouched)."""
        return True

    def apply(self, conn: psycopg.Connection, event: dict[str, Any]) -> None:
        """Apply a valid, new event in its current version; raise to hold it, having
        written nothing of it."""
        raise NotImplementedError

    def between_polls(self, conn: psycopg.Connection) -> None:
        """Periodic work of the consumer, between two polls of the topic."""

    # --- the loop ---------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set, through server restarts."""
        keep_running(self.name, lambda: self._consume(stop), stop)

    def _consume(self, stop: threading.Event) -> None:
        """One attempt: a new group member that starts from the stored offsets."""
        consumer = group_member(
            self.kafka_options,
            group_id=self.group_id,
            instance_id=self.instance_id,
            max_batch=self.max_batch,
        )
        try:
            with psycopg.connect(self.database_url) as conn, self._dead_letters() as letters:
                self.prepare_views(conn)
                subscribe(consumer, [self.topic], _SeekToStored(self, conn, consumer))
                while not stop.is_set():
                    polled = consumer.poll(timeout_ms=500)
                    if polled:
                        self._apply_batch(conn, letters, polled)
                        consumer.commit_async()  # informational only
                    self.between_polls(conn)
        finally:
            consumer.close(autocommit=False)

    @contextmanager
    def _dead_letters(self) -> Iterator[KafkaProducer | None]:
        with open_producer(self.kafka_options) if self.dead_letters else nullcontext() as producer:
            yield producer

    def prepare_views(self, conn: psycopg.Connection) -> None:
        """Check that the consumer's tables exist and may be written, and clear them for a
        rebuild when what builds them changed, never while the owner changes the schema
        (the schema lock)."""
        with conn.transaction():
            require_privileges(conn, self.role)
            lock_schema(conn)
            self._rebuild_if_changed(conn)

    def _rebuild_if_changed(self, conn: psycopg.Connection) -> None:
        """Start over from the topic's beginning when what builds the tables changed."""
        wanted = self.signature()
        row = conn.execute(
            "SELECT signature FROM projection_builds WHERE consumer = %s", (self.group_id,)
        ).fetchone()
        if row and row[0] == wanted:
            return
        log.info(
            "rebuilding from the start of the topic: %s (was %s)",
            wanted,
            row[0] if row else "none",
        )
        conn.execute(f"TRUNCATE {', '.join(self.tables())}")
        conn.execute("DELETE FROM applied_versions WHERE consumer = %s", (self.group_id,))
        conn.execute("DELETE FROM consumer_offsets WHERE consumer = %s", (self.group_id,))
        conn.execute(
            "INSERT INTO projection_builds (consumer, signature) VALUES (%s, %s) "
            "ON CONFLICT (consumer) DO UPDATE SET signature = EXCLUDED.signature",
            (self.group_id, wanted),
        )

    def stored_offsets(self, conn: psycopg.Connection) -> dict[int, int]:
        """Next offset to read for each partition, as committed with the tables."""
        offsets = consumer_offsets.stored(conn, self.group_id, self.topic)
        conn.commit()
        return offsets

    def _apply_batch(
        self,
        conn: psycopg.Connection,
        dead_letters: KafkaProducer | None,
        polled: Mapping[TopicPartition, Sequence[ConsumerRecord]],
    ) -> None:
        """Apply what a poll gave, every partition's records, holding its poison messages,
        in one transaction with the offsets; dead letters are flushed before it commits.
        (A transaction per partition cost each consumer a few milliseconds of CPU per
        event at 50 events/s: the records of one poll are spread over the partitions.)"""
        records = [record for batch in polled.values() for record in batch]
        with conn.transaction():
            verdicts = self.apply_messages(conn, [record.value for record in records])
            for record, verdict in zip(records, verdicts, strict=True):
                if isinstance(verdict, Poison):
                    hold(
                        conn,
                        dead_letters,
                        consumer=self.group_id,
                        message=record,
                        poison=verdict,
                        log=log,
                    )
            consumer_offsets.store(
                conn,
                self.group_id,
                self.topic,
                {tp.partition: batch[-1].offset + 1 for tp, batch in polled.items() if batch},
            )
            if dead_letters is not None:
                dead_letters.flush()
        log.info("applied %d events from %d partitions", len(records), len(polled))

    def apply_message(self, conn: psycopg.Connection, value: bytes | None) -> Verdict:
        """Apply one message if it is a valid, new event continuing its aggregate's chain,
        of a type the consumer reads; what was made of it."""
        return self.apply_messages(conn, [value])[0]

    def apply_messages(
        self, conn: psycopg.Connection, values: Sequence[bytes | None]
    ) -> list[Verdict]:
        """Apply messages in order, in the caller's transaction, as ``apply_message`` each:
        the chain heads read once for the batch and written once per aggregate after it,
        with what the subclass kept for the batch (``begin_batch``, ``end_batch``). A batch
        whose end fails (an error not ``fatal``) is applied again a message at a time, so
        that only the message that cannot be taken is held."""
        try:
            with conn.transaction():
                return self._apply_together(conn, values)
        except self.fatal:
            raise
        except Exception as error:
            if len(values) > 1:
                return [v for value in values for v in self.apply_messages(conn, [value])]
            event = parse(values[0])
            if isinstance(event, Poison):
                raise
            return [Poison(f"{self.failure}: {error!r}", event["subject"])]

    def _apply_together(
        self, conn: psycopg.Connection, values: Sequence[bytes | None]
    ) -> list[Verdict]:
        events = [parse(value) for value in values]
        subjects = {
            e["subject"] for e in events if not isinstance(e, Poison) and self.reads(e["type"])
        }
        heads = self._heads(conn, subjects)
        changed: set[str] = set()
        self.begin_batch(conn, subjects)
        verdicts = [
            event if isinstance(event, Poison) else self._apply_event(conn, event, heads, changed)
            for event in events
        ]
        self.end_batch(conn)
        if changed:
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO applied_versions (consumer, case_id, version, head) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (consumer, case_id) "
                    "DO UPDATE SET version = EXCLUDED.version, head = EXCLUDED.head",
                    [
                        (self.group_id, subject, head.version, head.head)
                        for subject in changed
                        if (head := heads[subject]) is not None
                    ],
                )
        return verdicts

    def begin_batch(self, conn: psycopg.Connection, subjects: set[str]) -> None:
        """Before a batch's events, about the aggregates ``subjects``, are applied."""

    def end_batch(self, conn: psycopg.Connection) -> None:
        """After a batch's events are applied: write what was kept for the batch."""

    def _apply_event(
        self,
        conn: psycopg.Connection,
        event: dict[str, Any],
        heads: dict[str, Applied | None],
        changed: set[str],
    ) -> Verdict:
        if not self.reads(event["type"]):
            return Ignored()
        subject = event["subject"]
        verdict = judge(event, heads[subject])
        if not isinstance(verdict, Apply):
            return verdict
        try:
            event = current_event(event)  # the consumer sees only current versions
        except UnsupportedHistory as error:
            return Poison(f"cannot be brought to its current version: {error}", subject)
        try:
            self.apply(conn, event)
        except self.fatal:
            raise
        except Exception as error:  # the consumer cannot take it: hold it, never die of it
            return Poison(f"{self.failure}: {error!r}", subject)
        heads[subject] = Applied(event["caseversion"], event["hash"])
        changed.add(subject)
        return verdict

    def _heads(self, conn: psycopg.Connection, subjects: set[str]) -> dict[str, Applied | None]:
        """Where each aggregate's chain stands for this consumer (None: nothing applied)."""
        heads: dict[str, Applied | None] = dict.fromkeys(subjects)
        if subjects:
            named = {UUID(subject): subject for subject in subjects}
            rows = conn.execute(
                "SELECT case_id, version, head FROM applied_versions "
                "WHERE consumer = %s AND case_id = ANY(%s)",
                (self.group_id, list(named)),
            ).fetchall()
            heads.update({named[row[0]]: Applied(row[1], row[2]) for row in rows})
        return heads


class _SeekToStored(ConsumerRebalanceListener):  # type: ignore[misc]
    """On assignment, continue from the offsets stored in PostgreSQL."""

    def __init__(
        self, consumer_of: ChainConsumer, conn: psycopg.Connection, consumer: KafkaConsumer
    ) -> None:
        self.consumer_of = consumer_of
        self.conn = conn
        self.consumer = consumer

    def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        """Nothing to do: offsets are committed with every batch."""

    def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        """Seek each partition to its stored offset, or to the beginning."""
        stored = self.consumer_of.stored_offsets(self.conn)
        for partition in assigned:
            if partition.partition in stored:
                self.consumer.seek(partition, stored[partition.partition])
            else:
                self.consumer.seek_to_beginning(partition)
        log.info("assigned %d partitions", len(assigned))
