"""The audit log: every event on the topic, appended in position order to the
transparency log (DESIGN.md §3), with signed checkpoints of it.

It reads every partition itself (one active instance, elected by an advisory lock)
and rebuilds the global order (``consumers.position_order``): an event goes into the
log once every event before it has been read, i.e. once its position is within the
relay's recorded progress and every partition has been read to the end it had after
that progress was read. Before it goes in, it is checked as the projection runner
checks it (``consumers.validation``) against the head of its aggregate *in the log*
(the chain hash of its previous leaf), and must come after the log's last position;
what fails is held in the quarantine and sent to the dead-letter topic
(``consumers.dead_letters``), and duplicates (the relay may publish an event twice)
are skipped. The leaves, their nodes, the holds and the offsets commit in one
PostgreSQL transaction, so after a crash it goes on from the stored offsets and the
stored tree.

Every N new leaves or T seconds it signs a checkpoint of the tree, after checking that
the tree extends the previous checkpoint (a consistency proof from the stored nodes);
otherwise it refuses, says so, and signs nothing more. Each checkpoint is stored and
published, as its signed note keyed by the log's origin, to the checkpoint topic: a
binary-mode CloudEvent whose data is the note (``domain.stream_contract``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from consumers.cloudevents import binary_headers
from consumers.dead_letters import Refused, hold
from consumers.group_member import FETCH_MAX_WAIT_MS, FETCH_MIN_BYTES
from consumers.position_order import Pending, PositionOrder
from consumers.relay import open_producer
from consumers.resilience import keep_running
from consumers.validation import (
    Applied,
    Apply,
    Duplicate,
    Poison,
    decode,
    judge,
    parse,
    subject_of,
)
from domain.stream_contract import CHECKPOINT_CONTENT_TYPE, checkpoint_attributes
from domain.transparency.merkle import Frontier
from domain.transparency.note import Signer
from domain.transparency.signing import CheckpointPolicy, SigningRefused, next_checkpoint
from infra import consumer_offsets
from infra import transparency_store as store
from infra.grants import AUDITOR, require_privileges
from infra.kafka_security import AUDIT_GROUP, checkpoint_topic

log = logging.getLogger("casetrail.audit_log")

LEADER_LOCK_KEY = 0x0CA5E7A3  # advisory lock id of the active audit log (see test_advisory_locks)
RELAY_NAME = "kafka"  # the relay whose progress bounds what may be appended
CHUNK = 5000  # messages per transaction


def admit(message: Refused) -> Pending | Poison:
    """A message waiting for its position's turn, or why it can have none."""
    document = decode(message.value)
    if isinstance(document, Poison):
        return document
    position = document.get("position")
    if type(position) is not int or position < 1:
        return Poison(f"no position to order it by: {position!r}", subject_of(document))
    return Pending(
        position, message.partition, message.offset, message.topic, message.key, message.value
    )


@dataclass
class Sorted:
    """What a run of released messages makes: leaves to append, messages to hold."""

    leaves: list[store.Leaf] = field(default_factory=list)
    refused: list[tuple[Pending, Poison]] = field(default_factory=list)


Heads = Callable[[Iterable[UUID]], Mapping[UUID, Applied]]
"""The log's head of each of the given aggregates that it holds."""


def sort_out(released: Sequence[Pending], heads: Heads, last_position: int) -> Sorted:
    """The leaves of the released messages (in position order) that are valid events
    continuing their aggregate's chain in the log, after its ``last_position``; the rest
    refused, but for duplicates, which are skipped."""
    parsed = [(pending, parse(pending.value)) for pending in released]
    chains = dict(heads({UUID(e["subject"]) for _, e in parsed if not isinstance(e, Poison)}))
    result = Sorted()
    for pending, event in parsed:
        if isinstance(event, Poison):
            result.refused.append((pending, event))
            continue
        aggregate = UUID(event["subject"])
        verdict = judge(event, chains.get(aggregate))
        if isinstance(verdict, Apply) and pending.position <= last_position:
            verdict = Poison(
                f"out of order: position {pending.position} is not after the log's last "
                f"position, {last_position}",
                event["subject"],
            )
        if isinstance(verdict, Poison):
            result.refused.append((pending, verdict))
        elif not isinstance(verdict, Duplicate):
            version, digest = event["caseversion"], event["hash"]
            result.leaves.append(
                store.Leaf(pending.position, aggregate, version, bytes.fromhex(digest))
            )
            chains[aggregate] = Applied(version, digest)
            last_position = pending.position
    return result


@dataclass
class _Tail:
    """One attempt's view of the log: its right edge, where the reading stands, and the
    last checkpoint."""

    partitions: list[TopicPartition]
    order: PositionOrder
    stored_offsets: dict[int, int]
    frontier: Frontier
    last_position: int
    signed_size: int
    signed_at: float = field(default_factory=time.monotonic)
    held: list[tuple[Refused, Poison]] = field(default_factory=list)


class AuditLog:
    """Appends the topic's events to the transparency log and signs its checkpoints."""

    def __init__(
        self,
        *,
        database_url: str,
        kafka_options: Mapping[str, Any],
        topic: str,
        signer: Signer,
        policy: CheckpointPolicy,
        group_id: str = AUDIT_GROUP,
        idle_ms: int = 200,
    ) -> None:
        self.database_url = database_url
        self.kafka_options = kafka_options
        self.topic = topic
        self.checkpoint_topic = checkpoint_topic(topic)
        self.signer = signer
        self.policy = policy
        self.group_id = group_id
        self.idle_ms = idle_ms
        self.signing_refused = False

    def run(self, stop: threading.Event) -> None:
        """Wait to be the active audit log, then follow the topic until ``stop`` is set,
        through server restarts."""
        keep_running("the audit log", lambda: self._follow(stop), stop)

    def _follow(self, stop: threading.Event) -> None:
        """One attempt, from the stored offsets and the stored tree."""
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            require_privileges(conn, AUDITOR)
            if not self._lead(conn, stop):
                return
            consumer = KafkaConsumer(
                **self.kafka_options,
                group_id=self.group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                # no CRC-32C check: every event's own SHA-256 hash is checked before it
                # goes in
                check_crcs=False,
                # a step for what gathered meanwhile, not one per event (each step reads
                # the relay's progress and the partitions' ends): at 50 events/s, one
                # byte at a time cost it a fifth of a core
                fetch_min_bytes=FETCH_MIN_BYTES,
                fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
            )
            try:
                with open_producer(self.kafka_options) as producer:
                    tail = self._resume(conn, consumer, producer)
                    while not stop.is_set():
                        self._step(conn, consumer, producer, tail, stop)
            finally:
                consumer.close(autocommit=False)

    def _lead(self, conn: psycopg.Connection, stop: threading.Event) -> bool:
        """Hold the audit log's advisory lock (for this connection's life)."""
        announced = False
        while not stop.is_set():
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK_KEY,)).fetchone()
            if row and row[0]:
                return True
            if not announced:
                log.info("another audit log is active; waiting to take over")
                announced = True
            stop.wait(1.0)
        return False

    def _resume(
        self, conn: psycopg.Connection, consumer: KafkaConsumer, producer: KafkaProducer
    ) -> _Tail:
        """Read every partition from its stored offset (or its beginning), append after
        the stored tree, and publish the last checkpoint if the topic missed it."""
        found = consumer.partitions_for_topic(self.topic)
        if not found:
            raise RuntimeError(f"topic {self.topic} not found: run `casetrail stack up`")
        partitions = [TopicPartition(self.topic, p) for p in sorted(found)]
        consumer.assign(partitions)
        stored = consumer_offsets.stored(conn, self.group_id, self.topic)
        beginnings = consumer.beginning_offsets(partitions)
        resume = {tp.partition: stored.get(tp.partition, beginnings[tp]) for tp in partitions}
        for tp in partitions:
            consumer.seek(tp, resume[tp.partition])
        try:
            frontier = store.frontier(conn)
        except LookupError as error:
            raise RuntimeError(
                f"the stored transparency log is not whole ({error}): nothing more is "
                "appended to it until an operator has looked (casetrail audit verify)"
            ) from None
        latest = store.latest_checkpoint(conn)
        if latest is not None and self._last_published() != latest.note:
            self._publish(producer, latest.note)
        tail = _Tail(
            partitions=partitions,
            order=PositionOrder(resume),
            stored_offsets=stored,
            frontier=frontier,
            last_position=store.last_position(conn),
            signed_size=latest.tree_size if latest else 0,
        )
        log.info(
            "the audit log holds %d events (last position %d); reading %d partitions",
            tail.frontier.size,
            tail.last_position,
            len(partitions),
        )
        return tail

    def _step(
        self,
        conn: psycopg.Connection,
        consumer: KafkaConsumer,
        producer: KafkaProducer,
        tail: _Tail,
        stop: threading.Event,
    ) -> None:
        """Read every partition to its end, append what the relay's progress allows, sign
        if due, then wait briefly for more."""
        relay = self._relay_position(conn)  # first the relay's progress, then the ends
        ends = {tp.partition: end for tp, end in consumer.end_offsets(tail.partitions).items()}
        while not stop.is_set() and not tail.order.caught_up(ends):
            self._take(consumer.poll(timeout_ms=500), tail)
        released = tail.order.release(relay, ends)
        appended = bool(released)
        while True:  # at least once: what was refused on reading, and the offsets
            chunk, released = released[:CHUNK], released[CHUNK:]
            self._commit(conn, producer, tail, chunk, released)
            if not released:
                break
        if appended:
            self._note_offsets(consumer, tail)
        self._sign_if_due(conn, producer, tail)
        self._take(consumer.poll(timeout_ms=self.idle_ms), tail)

    def _take(self, polled: Mapping[TopicPartition, list[Any]], tail: _Tail) -> None:
        for records in polled.values():
            for record in records:
                admitted = admit(record)
                if isinstance(admitted, Poison):
                    tail.held.append((record, admitted))
                    tail.order.read(record.partition, record.offset)
                else:
                    tail.order.read(record.partition, record.offset, admitted)

    def _commit(
        self,
        conn: psycopg.Connection,
        producer: KafkaProducer,
        tail: _Tail,
        released: Sequence[Pending],
        later: Sequence[Pending],
    ) -> None:
        """In one transaction: hold what was refused, append the released events that are
        valid and new, and store the offsets (before ``later``, released but not yet
        appended); dead letters are flushed before it commits."""
        offsets = tail.order.resume_offsets(later)
        changed = {p: o for p, o in offsets.items() if tail.stored_offsets.get(p) != o}
        if not (released or tail.held or changed):
            return
        with conn.transaction():
            sorted_out = sort_out(released, lambda ids: _heads(conn, ids), tail.last_position)
            refused = [*tail.held, *sorted_out.refused]
            for message, poison in refused:
                hold(
                    conn, producer, consumer=self.group_id, message=message, poison=poison, log=log
                )
            store.append(conn, tail.frontier, sorted_out.leaves)
            consumer_offsets.store(conn, self.group_id, self.topic, changed)
            producer.flush()
        tail.held.clear()
        tail.stored_offsets.update(changed)
        if sorted_out.leaves:
            tail.last_position = sorted_out.leaves[-1].position
            log.info(
                "appended %d events up to position %d (%d in the log)",
                len(sorted_out.leaves),
                tail.last_position,
                tail.frontier.size,
            )

    def _note_offsets(self, consumer: KafkaConsumer, tail: _Tail) -> None:
        """Tell the group where the log stands, for Kafka's own lag tools (informational:
        the offsets that count are those stored with the leaves)."""
        consumer.commit_async(
            {
                TopicPartition(self.topic, partition): OffsetAndMetadata(offset, "", -1)
                for partition, offset in tail.stored_offsets.items()
            }
        )

    def _relay_position(self, conn: psycopg.Connection) -> int:
        row = conn.execute(
            "SELECT position FROM relay_positions WHERE name = %s", (RELAY_NAME,)
        ).fetchone()
        return int(row[0]) if row else 0

    def _sign_if_due(self, conn: psycopg.Connection, producer: KafkaProducer, tail: _Tail) -> None:
        """Sign, store and publish a checkpoint of the tree if one is due and the tree
        extends the previous checkpoint; refuse for good otherwise."""
        size = tail.frontier.size
        elapsed = time.monotonic() - tail.signed_at
        if self.signing_refused or not self.policy.due(size, tail.signed_size, elapsed):
            return
        try:
            with conn.transaction():
                note = self._sign(conn, tail)
        except SigningRefused as error:
            self.signing_refused = True
            log.error(
                "REFUSED to sign a checkpoint of %d leaves: %s. Nothing was recorded; no "
                "checkpoint will be signed until this is resolved (the log keeps appending)",
                size,
                error,
            )
            return
        self._publish(producer, note)
        tail.signed_size, tail.signed_at = size, time.monotonic()
        log.info("signed and published a checkpoint of %d leaves", size)

    def _sign(self, conn: psycopg.Connection, tail: _Tail) -> str:
        """The signed note of the stored tree, stored; ``SigningRefused`` unless the stored
        tree is the one appended and extends the previous checkpoint."""
        size, reader = tail.frontier.size, store.reader(conn)
        try:
            root = reader.root(size)
        except LookupError as error:
            raise SigningRefused(f"the stored tree is incomplete: {error}") from None
        previous = store.latest_checkpoint(conn)

        def prove(first: int, second: int) -> list[bytes]:
            try:
                return reader.consistency_proof(first, second)
            except LookupError as error:
                raise SigningRefused(f"the stored tree is incomplete: {error}") from None

        checkpoint = next_checkpoint(
            self.signer.name,
            size,
            root,
            previous=previous.note if previous else None,
            verifier=self.signer.verifier,
            prove=prove,
        )
        if root != tail.frontier.root():
            raise SigningRefused("the stored tree's root is not that of the leaves appended")
        note = checkpoint.sign(self.signer)
        store.save_checkpoint(conn, size, root, note)
        return note

    def _publish(self, producer: KafkaProducer, note: str) -> None:
        """Publish a signed note to the checkpoint topic, keyed by the log's origin."""
        future = producer.send(
            self.checkpoint_topic,
            key=self.signer.name.encode(),
            value=note.encode(),
            headers=binary_headers(
                checkpoint_attributes(note, datetime.now(UTC)), CHECKPOINT_CONTENT_TYPE
            ),
        )
        producer.flush()
        future.get(timeout=0)  # raises if the broker refused it

    def _last_published(self) -> str | None:
        """The last note on the checkpoint topic (read without a group)."""
        partition = TopicPartition(self.checkpoint_topic, 0)
        reader = KafkaConsumer(**self.kafka_options, enable_auto_commit=False)
        try:
            reader.assign([partition])
            end = reader.end_offsets([partition])[partition]
            if end == 0:
                return None
            reader.seek(partition, end - 1)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                records = reader.poll(timeout_ms=500).get(partition)
                if records:
                    return bytes(records[-1].value).decode()
            raise RuntimeError(f"could not read the last checkpoint on {self.checkpoint_topic}")
        finally:
            reader.close()


def _heads(conn: psycopg.Connection, aggregate_ids: Iterable[UUID]) -> dict[UUID, Applied]:
    return {
        aggregate: Applied(version, digest.hex())
        for aggregate, (version, digest) in store.heads(conn, list(aggregate_ids)).items()
    }
