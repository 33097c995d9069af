"""Reading what ``casetrail audit verify`` and ``audit export`` check: the event store
(through the application's mapper: rows are encrypted at rest), a Kafka topic to its
end, and a consistent snapshot of the transparency log's tables."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import Any, TextIO
from uuid import UUID

import psycopg
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from consumers.audit_checks import (
    Evidence,
    Leaf,
    LogSnapshot,
    StoredNote,
    check_nodes,
    recompute_levels,
)
from consumers.cloudevents import recorded_document

PAGE = 2000
STALL_SECONDS = 60.0  # a partition that yields nothing for this long is an error


class Progress:
    """Counts a phase's items and says every few seconds, on stderr, how fast it goes."""

    def __init__(
        self,
        phase: str,
        unit: str,
        out: TextIO = sys.stderr,
        every: float = 2.0,
        prefix: str = "audit verify",
    ):
        self.phase, self.unit, self.out, self.every, self.prefix = phase, unit, out, every, prefix
        self.count = 0
        self.started = self.said = time.monotonic()

    def tick(self, count: int = 1) -> None:
        self.count += count
        now = time.monotonic()
        if now - self.said >= self.every:
            self.said = now
            self._say("…")

    def done(self) -> None:
        self._say("")

    def _say(self, more: str) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        print(
            f"{self.prefix}: {self.phase}: {self.count} {self.unit}{more} "
            f"({self.count / elapsed:,.0f} {self.unit}/s)",
            file=self.out,
            flush=True,
        )


def read_store(
    recorder: ApplicationRecorder, mapper: Mapper[UUID], evidence: Evidence, progress: Progress
) -> None:
    """Every stored event, in position order, into ``evidence``; a row that does not
    decrypt or decode is a problem, not a stop."""
    start = None
    while notifications := recorder.select_notifications(
        start=start, limit=PAGE, inclusive_of_start=False
    ):
        for notification in notifications:
            try:
                evidence.add_postgres(notification.id, recorded_document(notification, mapper))
            except Exception as error:  # whatever a tampered row makes the mapper raise
                evidence.unreadable(
                    notification.id,
                    str(notification.originator_id),
                    notification.originator_version,
                    f"{type(error).__name__}: {error}",
                )
        progress.tick(len(notifications))
        start = notifications[-1].id
    progress.done()


def stored_document(
    recorder: ApplicationRecorder, mapper: Mapper[UUID], aggregate_id: str, version: int
) -> dict[str, Any] | None:
    """One stored event's recorded document (None if absent or unreadable)."""
    found = recorder.select_events(UUID(aggregate_id), gt=version - 1, lte=version)
    if not found:
        return None
    stored = found[0]
    notification = Notification(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=stored.state,
        id=0,
    )
    try:
        return recorded_document(notification, mapper)
    except Exception:  # unreadable rows are reported as such
        return None


class TopicReader:
    """Reads every partition of a topic from the beginning to its end offsets, without a
    consumer group (nothing committed), as many times as asked: each ``read`` goes on to
    the end offsets of that moment."""

    def __init__(self, kafka_options: Mapping[str, Any], topic: str) -> None:
        self.topic = topic
        self.consumer = KafkaConsumer(
            **kafka_options, group_id=None, enable_auto_commit=False, max_poll_records=5000
        )
        found = self.consumer.partitions_for_topic(topic) or set()
        self.partitions = [TopicPartition(topic, p) for p in sorted(found)]
        if self.partitions:
            self.consumer.assign(self.partitions)
            self.consumer.seek_to_beginning(*self.partitions)

    def __enter__(self) -> TopicReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.consumer.close()

    @property
    def exists(self) -> bool:
        return bool(self.partitions)

    def read(self, progress: Progress | None = None) -> Iterator[ConsumerRecord]:
        """The records from where the last read stopped to the current end."""
        if not self.partitions:
            return
        end = self.consumer.end_offsets(self.partitions)
        remaining = {tp for tp in self.partitions if self.consumer.position(tp) < end[tp]}
        stalled = time.monotonic() + STALL_SECONDS
        while remaining:
            polled = self.consumer.poll(timeout_ms=500)
            for tp, records in polled.items():
                wanted = [r for r in records if r.offset < end[tp]]
                yield from wanted
                if progress:
                    progress.tick(len(wanted))
                if len(wanted) < len(records):  # beyond the end: for the next read
                    self.consumer.seek(tp, end[tp])
                if self.consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
                    self.consumer.pause(tp)
            if polled:
                stalled = time.monotonic() + STALL_SECONDS
            elif time.monotonic() > stalled:
                raise RuntimeError(f"could not read {self.topic} to its end: {sorted(remaining)}")
        self.consumer.resume(*self.partitions)
        if progress:
            progress.done()

    def fetch(self, partition: int, offset: int) -> bytes | None:
        """The value of one message (moves the reader: call it after the reads)."""
        tp = TopicPartition(self.topic, partition)
        self.consumer.seek(tp, offset)
        deadline = time.monotonic() + STALL_SECONDS
        while time.monotonic() < deadline:
            for record in self.consumer.poll(timeout_ms=500).get(tp, []):
                if record.offset == offset:
                    value: bytes | None = record.value
                    return value
        return None


def read_log(
    conn: psycopg.Connection[Any], progress: Callable[[str, str], Progress]
) -> LogSnapshot:
    """Leaves, nodes and checkpoints in one REPEATABLE READ transaction, so that an
    audit consumer appending meanwhile changes nothing read; every stored node is
    compared with the recomputed tree as it streams by."""
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    with conn.transaction():
        counted = progress("log leaves", "leaves")
        leaves = []
        with conn.cursor(name="audit_leaves") as cursor:
            cursor.itersize = 10_000
            cursor.execute(
                "SELECT leaf_index, position, aggregate_id, version, chain_hash"
                " FROM audit_log_leaves ORDER BY leaf_index"
            )
            interned: dict[UUID, str] = {}
            for index, position, aggregate_id, version, digest in cursor:
                name = interned.setdefault(aggregate_id, str(aggregate_id))
                leaves.append(Leaf(int(index), int(position), name, int(version), bytes(digest)))
                counted.tick()
        counted.done()
        levels = recompute_levels(leaves)
        snapshot = LogSnapshot(leaves, levels, [], 0, [])
        counted = progress("log nodes", "nodes")
        with conn.cursor(name="audit_nodes") as cursor:
            cursor.itersize = 10_000
            cursor.execute("SELECT level, index, hash FROM audit_log_nodes ORDER BY level, index")
            rows = ((int(level), int(index), bytes(digest)) for level, index, digest in cursor)
            snapshot.node_problems, snapshot.nodes = check_nodes(
                levels, _counting(rows, counted), snapshot.position_of
            )
        counted.done()
        snapshot.checkpoints = [
            StoredNote(int(size), bytes(root), note)
            for size, root, note in conn.execute(
                "SELECT tree_size, root_hash, note FROM audit_checkpoints ORDER BY tree_size"
            )
        ]
    return snapshot


def _counting(
    rows: Iterator[tuple[int, int, bytes]], progress: Progress
) -> Iterator[tuple[int, int, bytes]]:
    for row in rows:
        progress.tick()
        yield row
