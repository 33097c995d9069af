"""The projection runner: a Kafka consumer group that keeps read models in PostgreSQL.

Exactly-once in effect: each batch's view writes, the (case, version) pairs
applied and the next Kafka offsets commit in one PostgreSQL transaction; on
assignment the consumer seeks to the stored offsets; an event whose version is
not above the case's last applied version is a duplicate and is skipped.

No message stops it: one that is not a valid event continuing its case's chain
(``consumers.validation``), or that a projection cannot apply, is held in the
quarantine table (in the batch's transaction), sent to the dead-letter topic
``<topic>.dlq`` with the reason and its source partition and offset, and logged;
the runner goes on with the next message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import psycopg
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.consumer.subscription_state import ConsumerRebalanceListener

from consumers.dead_letters import hold
from consumers.relay import open_producer
from consumers.resilience import keep_running
from consumers.validation import Applied, Apply, Poison, Verdict, judge, parse
from domain.errors import UnsupportedHistory
from domain.upcasting import current_event
from infra import consumer_offsets
from infra.grants import PROJECTOR, require_privileges
from infra.kafka_security import PROJECTOR_GROUP
from infra.schema_lock import lock_schema
from projections.registry import Projection, signature

log = logging.getLogger("casetrail.projections")


class ProjectionRunner:
    """Consumes the case-event topic and applies each event to every projection.

    ``instance_id`` makes the runner a static member of its consumer group (KIP-345):
    started again after a crash under the same id, it takes its partitions back at
    once, instead of waiting for the group to expire the dead member (45 s).
    """

    def __init__(
        self,
        *,
        database_url: str,
        kafka_options: Mapping[str, Any],
        topic: str,
        projections: Sequence[Projection],
        group_id: str = PROJECTOR_GROUP,
        instance_id: str | None = None,
        max_batch: int = 500,
    ) -> None:
        self.database_url = database_url
        self.kafka_options = kafka_options
        self.topic = topic
        self.projections = projections
        self.group_id = group_id
        self.instance_id = instance_id
        self.max_batch = max_batch

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set, through server restarts."""
        keep_running("the projection runner", lambda: self._consume(stop), stop)

    def _consume(self, stop: threading.Event) -> None:
        """One attempt: a new group member that starts from the stored offsets."""
        consumer = KafkaConsumer(
            **self.kafka_options,
            group_id=self.group_id,
            group_instance_id=self.instance_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.max_batch,
        )
        try:
            with (
                psycopg.connect(self.database_url) as conn,
                open_producer(self.kafka_options) as dead_letters,
            ):
                self.prepare_views(conn)
                consumer.subscribe([self.topic], listener=_SeekToStored(self, conn, consumer))
                while not stop.is_set():
                    polled = consumer.poll(timeout_ms=500)
                    for partition, records in polled.items():
                        self._apply_batch(conn, dead_letters, partition, records)
                        log.info("applied %d events from %s", len(records), partition)
                    if polled:
                        consumer.commit_async()  # informational only
        finally:
            consumer.close(autocommit=False)

    def prepare_views(self, conn: psycopg.Connection) -> None:
        """Check that the runner's tables exist and may be written, and clear the views
        for a rebuild when the projections changed, never while the owner changes the
        schema (the schema lock)."""
        with conn.transaction():
            require_privileges(conn, PROJECTOR)
            lock_schema(conn)
            self._rebuild_if_changed(conn)

    def _rebuild_if_changed(self, conn: psycopg.Connection) -> None:
        """Start over from the topic's beginning when projections were added or changed."""
        wanted = signature(self.projections)
        row = conn.execute(
            "SELECT signature FROM projection_builds WHERE consumer = %s", (self.group_id,)
        ).fetchone()
        if row and row[0] == wanted:
            return
        log.info(
            "rebuilding the views from the start of the topic: %s (was %s)",
            wanted,
            row[0] if row else "none",
        )
        tables = ", ".join(p.table for p in self.projections)
        conn.execute(f"TRUNCATE {tables}")
        conn.execute("DELETE FROM applied_versions WHERE consumer = %s", (self.group_id,))
        conn.execute("DELETE FROM consumer_offsets WHERE consumer = %s", (self.group_id,))
        conn.execute(
            "INSERT INTO projection_builds (consumer, signature) VALUES (%s, %s) "
            "ON CONFLICT (consumer) DO UPDATE SET signature = EXCLUDED.signature",
            (self.group_id, wanted),
        )

    def stored_offsets(self, conn: psycopg.Connection) -> dict[int, int]:
        """Next offset to read for each partition, as committed with the views."""
        offsets = consumer_offsets.stored(conn, self.group_id, self.topic)
        conn.commit()
        return offsets

    def _apply_batch(
        self,
        conn: psycopg.Connection,
        dead_letters: KafkaProducer,
        partition: TopicPartition,
        records: Iterable[ConsumerRecord],
    ) -> None:
        """Apply a batch, holding its poison messages, in one transaction with the offsets;
        dead letters are flushed before it commits."""
        last_offset = -1
        with conn.transaction():
            for record in records:
                last_offset = record.offset
                verdict = self.apply_message(conn, record.value)
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
                conn, self.group_id, partition.topic, {partition.partition: last_offset + 1}
            )
            dead_letters.flush()

    def apply_message(self, conn: psycopg.Connection, value: bytes | None) -> Verdict:
        """Apply one message to every view if it is a valid, new event continuing its
        case's chain; what was made of it."""
        event = parse(value)
        if isinstance(event, Poison):
            return event
        verdict = judge(event, self._applied(conn, event["subject"]))
        if not isinstance(verdict, Apply):
            return verdict
        try:
            event = current_event(event)  # the views see only current versions
        except UnsupportedHistory as error:
            return Poison(f"cannot be brought to its current version: {error}", event["subject"])
        try:
            views = [
                (projection, projection.apply(projection.load(conn, event["subject"]), event))
                for projection in self.projections
            ]
        except psycopg.Error:
            raise
        except Exception as error:  # a projection cannot take it: hold it, never die of it
            return Poison(f"a projection failed: {error!r}", event["subject"])
        for projection, view in views:
            if view is not None:
                projection.save(conn, view)
        conn.execute(
            "INSERT INTO applied_versions (consumer, case_id, version, head) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (consumer, case_id) "
            "DO UPDATE SET version = EXCLUDED.version, head = EXCLUDED.head",
            (self.group_id, event["subject"], event["caseversion"], event["hash"]),
        )
        return verdict

    def _applied(self, conn: psycopg.Connection, subject: str) -> Applied | None:
        row = conn.execute(
            "SELECT version, head FROM applied_versions WHERE consumer = %s AND case_id = %s",
            (self.group_id, subject),
        ).fetchone()
        return Applied(row[0], row[1]) if row else None


class _SeekToStored(ConsumerRebalanceListener):  # type: ignore[misc]
    """On assignment, continue from the offsets stored in PostgreSQL."""

    def __init__(
        self, runner: ProjectionRunner, conn: psycopg.Connection, consumer: KafkaConsumer
    ) -> None:
        self.runner = runner
        self.conn = conn
        self.consumer = consumer

    def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        """Nothing to do: offsets are committed with every batch."""

    def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        """Seek each partition to its stored offset, or to the beginning."""
        stored = self.runner.stored_offsets(self.conn)
        for partition in assigned:
            if partition.partition in stored:
                self.consumer.seek(partition, stored[partition.partition])
            else:
                self.consumer.seek_to_beginning(partition)
        log.info("assigned %d partitions", len(assigned))
