"""Each consumer's rate, rebuilding and keeping up, beside a bare consumer of the same topic.

20 000 case events (scaled; ``bench.case_events``) go onto a private platform's topic,
after the power list and calendar, and the same cases into its event store (the deadline
sweeper and the anomaly detector read cases from it). Then, one at a time:

- a bare kafka-python consumer reads the topic from its start (the baseline);
- each consumer as its own process (``casetrail project`` with every projection, ``anomalies``,
  ``sweep``, ``audit log``, ``webhooks`` with one paused subscription, ``exchange``):
  **rebuild**, from offset 0 until its stored (or, for the outbox and the exporter,
  committed) offsets pass the topic's end; then, if it caught up, **steady**: 1 500 more
  events sent at 500 events/s, until it has applied them;
- each projection alone (a projection runner with only it, in this process), rebuilding.

Each watch is bounded: a consumer that cannot finish is measured on what it did.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from bench import case_events
from bench.context import Context
from bench.rates import Rate, watch
from bench.report import Figure, Goal, Report
from bench.stages.webhooks import register
from consumers.projection_runner import ProjectionRunner
from infra.entrypoints.status import committed, consumed
from infra.kafka_security import ADMIN, PROJECTOR
from projections.registry import ALL, Projection
from tests.integration.harness import Platform
from tests.integration.webhook_receiver import receiving

STAGE = "consumers"
# bound of one rebuild watch: room for the slowest consumer (the anomaly detector, about
# 1 500 events/s here) to finish the topic, so that each consumer is also measured steady
REBUILD_S = 30.0
ALONE_S = 2.0  # bound of one projection's rebuild watch
STEADY_RATE = 500  # events/s offered in the steady phase
PROJECTIONS_GOAL = Goal(">=", 20_000)
BARE = "bare kafka-python consumer"


@dataclass(frozen=True)
class Subject:
    """A consumer run as its own process: its command, label and how far it is."""

    label: str
    command: str
    progress: Callable[[Platform, psycopg.Connection], int]


def stored(group: Callable[[Platform], str]) -> Callable[[Platform, psycopg.Connection], int]:
    """Progress as the offsets a consumer stores with its tables."""
    return lambda platform, conn: consumed(conn, platform.topic, group(platform))


def in_kafka(group: Callable[[Platform], str]) -> Callable[[Platform, psycopg.Connection], int]:
    """Progress as the offsets a consumer commits in Kafka once its work is stored."""
    return lambda platform, _: committed(
        platform.settings.kafka_options(ADMIN), platform.topic, group(platform)
    )


SUBJECTS = (
    Subject("projections-all", "project", stored(lambda p: p.settings.projector_group)),
    Subject("anomaly-detector", "anomalies", stored(lambda p: p.settings.anomalies_group)),
    Subject("deadline-sweeper", "sweep", stored(lambda p: p.settings.sweeper_group)),
    Subject("audit-log", "audit log", stored(lambda p: p.settings.audit_group)),
    Subject("webhook-outbox", "webhooks", in_kafka(lambda p: p.settings.webhooks_group)),
    Subject("exporter", "exchange", in_kafka(lambda p: p.settings.exporter_group)),
)


class Feed:
    """The messages to put on the topic: the first ``filled`` at once, then slices paced."""

    def __init__(self, platform: Platform, messages: list[case_events.Message]) -> None:
        self.platform = platform
        self.messages = messages
        self.sent = 0
        self.producer = KafkaProducer(
            **platform.settings.kafka_options(ADMIN), acks="all", linger_ms=5
        )

    def send(self, count: int, rate: float | None = None) -> None:
        """Send the next ``count`` messages, at ``rate`` per second if given."""
        started = time.perf_counter()
        for n, (key, value, headers) in enumerate(self.messages[self.sent : self.sent + count]):
            if rate is not None and (ahead := n / rate - (time.perf_counter() - started)) > 0:
                time.sleep(ahead)
            self.producer.send(self.platform.topic, key=key, value=value, headers=headers)
        self.producer.flush()
        self.sent += count

    def close(self) -> None:
        self.producer.close()


def bare_consumer(platform: Platform, total: int) -> float:
    """Events/s of a plain consumer reading the whole topic from its start."""
    reader = KafkaConsumer(**platform.settings.kafka_options(ADMIN), enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(platform.topic, p) for p in reader.partitions_for_topic(platform.topic)
        ]
        reader.assign(partitions)
        reader.seek_to_beginning(*partitions)
        read = first = 0
        assigned = started = time.perf_counter()
        deadline = started + REBUILD_S * 4
        while read < total and time.perf_counter() < deadline:
            read += sum(len(records) for records in reader.poll(timeout_ms=200).values())
            if not first and read:  # timed from the first records, as the consumers are
                first, started = read, time.perf_counter()
        if read == first:  # all in the first poll
            first, started = 0, assigned
        return (read - first) / (time.perf_counter() - started)
    finally:
        reader.close()


def measure(
    platform: Platform, conn: psycopg.Connection, subject: Subject, feed: Feed, steady: int
) -> tuple[Rate, Rate | None]:
    """The subject's rebuild, then (if it caught up) its steady rate."""
    target = platform.end_offsets_total()
    progress = lambda: subject.progress(platform, conn)  # noqa: E731
    platform.start(subject.command, label=subject.label)
    try:
        rebuild = watch(progress, target, REBUILD_S, since=0)
        if not rebuild.done:
            return rebuild, None
        sending = threading.Thread(target=feed.send, args=(steady, STEADY_RATE))
        sending.start()
        kept = watch(progress, target + steady, 2 * steady / STEADY_RATE + REBUILD_S, since=target)
        sending.join()
        return rebuild, kept
    finally:
        platform.stop(subject.label)


@contextmanager
def alone(platform: Platform, projection: Projection) -> Iterator[str]:
    """A projection runner with ``projection`` only, in this process; its group."""
    group = f"{platform.settings.projector_group}.{projection.name}"
    runner = ProjectionRunner(
        database_url=platform.settings.projector_database_url,
        kafka_options=platform.settings.kafka_options(PROJECTOR),
        topic=platform.topic,
        projections=[projection],
        group_id=group,
    )
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield group
    finally:
        stop.set()
        thread.join(timeout=30)


def run(context: Context) -> None:
    """Fill the topic and the store, then measure the baseline and every consumer."""
    count = context.sized(20_000, least=100)
    steady = context.sized(1_500, least=20)
    report = context.report
    plot = report.plot("consumers", "Each consumer's rate", "consumer", "events/s")
    with context.platform("consumers") as platform, receiving() as receiver:
        messages = case_events.messages(count + steady * len(SUBJECTS))
        print(f"  {len(messages):,} events into the store and {count:,} onto the topic", flush=True)
        case_events.store(platform.settings, len(messages))
        # the audit log takes no position the relay has not recorded as published
        platform.sql(
            "INSERT INTO relay_positions (name, position) VALUES ('kafka', %s)", len(messages)
        )
        register(platform, [receiver])  # one paused subscription: the outbox fills
        feed = Feed(platform, messages)
        try:
            feed.send(len(messages) - steady * len(SUBJECTS))
            baseline = bare_consumer(platform, feed.sent)
            report.add(Figure(STAGE, "bare consumer", baseline, "ev/s"))
            with psycopg.connect(platform.settings.database_url, autocommit=True) as conn:
                for subject in SUBJECTS:
                    print(f"  {subject.label}", flush=True)
                    rebuild, kept = measure(platform, conn, subject, feed, steady)
                    goal = PROJECTIONS_GOAL if subject.command == "project" else None
                    add(report, f"{subject.label}, rebuild", rebuild, baseline, goal)
                    plot.curve("rebuild").points.append((subject.label, rebuild.per_second))
                    plot.curve(BARE).points.append((subject.label, baseline))
                    if kept is not None:
                        add(report, f"{subject.label}, steady", kept, STEADY_RATE, None, "offered")
                        plot.curve("steady").points.append((subject.label, kept.per_second))
                for projection in ALL:
                    with alone(platform, projection) as group:
                        progress = lambda g=group: consumed(conn, platform.topic, g)  # noqa: E731
                        rebuild = watch(progress, feed.sent, ALONE_S, since=0)
                    label = f"{projection.name} alone"
                    add(report, f"{label}, rebuild", rebuild, baseline, PROJECTIONS_GOAL)
                    plot.curve("rebuild").points.append((label, rebuild.per_second))
                    plot.curve(BARE).points.append((label, baseline))
        finally:
            feed.close()


def add(
    report: Report,
    measure_: str,
    rate: Rate,
    baseline: float,
    goal: Goal | None,
    baseline_name: str = BARE,
) -> None:
    """Add a rate, saying when its watch ended before the work did."""
    name = measure_
    if not rate.done:
        name += f" (bounded: {rate.counted:,} in {rate.seconds:.0f} s)"
    report.add(Figure(STAGE, name, rate.per_second, "ev/s", baseline, baseline_name, goal))
