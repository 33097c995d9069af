"""The relay: follows the notification log (the outbox) and publishes to Kafka.

One relay is active at a time (a PostgreSQL advisory lock elects it). It reads
strictly after its stored position and hands a batch, keyed by case id, to the producer;
while the producer sends a full batch, the relay reads and hands over the next, then
waits for the broker to have the first and records its last position (so encoding
overlaps the broker's round trips). After a batch that was not full it waits for the
broker, records, and reads again only once a commit has notified: one read per
notification instead of three (the read that found the end, and the one after the
record, found nothing). A crash before the record re-publishes, and consumers drop the
duplicates.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from kafka import KafkaProducer
from kafka.partitioner.default import DefaultPartitioner, murmur2
from kafka.producer.future import FutureRecordMetadata

from consumers.cloudevents import encode, recorded_document, to_cloudevent
from consumers.resilience import keep_running
from infra.grants import RELAY, require_privileges

log = logging.getLogger("casetrail.relay")

LEADER_LOCK_KEY = 0x0CA5E7A1  # advisory lock id of the relay leader
PRODUCER_BATCH_BYTES = 256 * 1024  # per partition: a relay batch goes out in few requests
KEYS_REMEMBERED = 65_536  # the key hashes the partitioner keeps (a case's events share one)


@lru_cache(maxsize=KEYS_REMEMBERED)
def key_hash(key: bytes) -> int:
    """The Java client's partitioning hash of a message key (murmur2, made positive)."""
    return int(murmur2(key)) & 0x7FFFFFFF


class RememberingPartitioner(DefaultPartitioner):  # type: ignore[misc]
    """The default partitioner (a keyed message goes to partition ``murmur2(key) mod n``,
    as with the Java client), remembering each key's hash: kafka-python's murmur2 is
    pure Python, and it hashed the same case id again for every event of the case."""

    def partition(
        self,
        topic: str,
        key: Any,
        serialized_key: bytes | None,
        value: Any,
        serialized_value: bytes | None,
        cluster: Any,
    ) -> int:
        partitions = cluster.partitions_for_topic(topic)
        if serialized_key is None or not partitions:
            return int(
                super().partition(topic, key, serialized_key, value, serialized_value, cluster)
            )
        return key_hash(serialized_key) % len(partitions)  # a topic's partitions: 0 … n-1


def make_producer(kafka_options: Mapping[str, Any]) -> KafkaProducer:
    """An idempotent producer that waits for all in-sync replicas; ``kafka_options``:
    where the brokers are and how to log in (``Settings.kafka_options``)."""
    return KafkaProducer(
        **kafka_options,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        batch_size=PRODUCER_BATCH_BYTES,
        retries=2**31 - 1,
        max_in_flight_requests_per_connection=5,
        partitioner=RememberingPartitioner(),
    )


@contextmanager
def open_producer(kafka_options: Mapping[str, Any]) -> Iterator[KafkaProducer]:
    """A producer for one attempt. Closing it gives up after a few seconds: whatever it
    did not deliver is published again from the stored position, after it is gone."""
    producer = make_producer(kafka_options)
    try:
        yield producer
    finally:
        producer.close(timeout=5)


class Relay:
    """Publishes every recorded case event to the Kafka topic, in log order."""

    def __init__(
        self,
        *,
        database_url: str,
        recorder: ApplicationRecorder,
        mapper: Mapper[UUID],
        kafka_options: Mapping[str, Any],
        topic: str,
        hall: str,
        channel: str,
        name: str = "kafka",
        batch_size: int = 2000,
        poll_interval: float = 0.5,
    ) -> None:
        self.database_url = database_url
        self.recorder = recorder
        self.mapper = mapper
        self.kafka_options = kafka_options
        self.topic = topic
        self.hall = hall
        self.channel = channel
        self.name = name
        self.batch_size = batch_size
        self.poll_interval = poll_interval

    def run(self, stop: threading.Event) -> None:
        """Wait for leadership, then relay until ``stop`` is set, through server restarts."""
        keep_running("the relay", lambda: self._relay(stop), stop)

    def _relay(self, stop: threading.Event) -> None:
        """One attempt, on new connections and a new producer."""
        with (
            psycopg.connect(self.database_url, autocommit=True) as control,
            psycopg.connect(self.database_url, autocommit=True) as listener,
            open_producer(self.kafka_options) as producer,
        ):
            require_privileges(control, RELAY)
            if not self._lead(control, stop):
                return
            listener.execute(f'LISTEN "{self.channel}"')
            position = self._position(control)
            log.info("relay is the leader; resuming after position %s", position)
            in_flight: Sent | None = None
            while not stop.is_set():
                batch = self.recorder.select_notifications(
                    start=position, limit=self.batch_size, inclusive_of_start=False
                )
                if batch:
                    sent = self._send(producer, batch)
                    if in_flight:
                        self._confirm(control, in_flight)
                    in_flight, position = sent, sent.position
                    if len(batch) == self.batch_size:
                        continue  # more may be waiting: read it while the producer sends
                if in_flight:
                    producer.flush()
                    self._confirm(control, in_flight)
                    in_flight = None
                self._await_commits(listener)
            if in_flight:  # stopped: what was handed over is confirmed, not sent again
                producer.flush()
                self._confirm(control, in_flight)

    def _await_commits(self, listener: psycopg.Connection) -> None:
        """Wait for a commit's notification (at most ``poll_interval``), then take every
        other one already received: the next read finds all their events. A commit
        since the last read has notified already, so this returns at once."""
        for _ in listener.notifies(timeout=self.poll_interval, stop_after=1):
            pass
        for _ in listener.notifies(timeout=0):
            pass

    def _lead(self, control: psycopg.Connection, stop: threading.Event) -> bool:
        announced = False
        while not stop.is_set():
            row = control.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK_KEY,)).fetchone()
            if row and row[0]:
                return True
            if not announced:
                log.info("another relay is active; waiting to take over")
                announced = True
            stop.wait(self.poll_interval)
        return False

    def _position(self, control: psycopg.Connection) -> int:
        row = control.execute(
            "SELECT position FROM relay_positions WHERE name = %s", (self.name,)
        ).fetchone()
        return int(row[0]) if row else 0

    def _record(self, control: psycopg.Connection, position: int) -> None:
        control.execute(
            "INSERT INTO relay_positions (name, position) VALUES (%s, %s) "
            "ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position",
            (self.name, position),
        )

    def _send(self, producer: KafkaProducer, batch: Sequence[Notification]) -> Sent:
        """Hand ``batch`` to the producer, which sends it while the next one is read."""
        futures = []
        for notification in batch:
            document = recorded_document(notification, self.mapper)
            key, value, headers = encode(
                to_cloudevent(document, position=notification.id, hall=self.hall)
            )
            futures.append(producer.send(self.topic, key=key, value=value, headers=headers))
        return Sent(futures, batch[-1].id)

    def _confirm(self, control: psycopg.Connection, sent: Sent) -> None:
        """Wait until the broker has every message of ``sent``, then record its position."""
        for future in sent.futures:
            future.get()  # raises if the broker refused the message
        self._record(control, sent.position)
        log.info("published %d events up to position %d", len(sent.futures), sent.position)


@dataclass(frozen=True)
class Sent:
    """A batch handed to the producer: its messages' futures, and its last position."""

    futures: list[FutureRecordMetadata]
    position: int
