"""What history costs as it grows: at 10 000, 100 000 and 1 000 000 events, the time to
rebuild the projections from the start of the topic, a public lookup's p99 afterwards,
and the tables' sizes.

The events are copies of recorded case histories (``bench.case_events``), each
step adding to the last: published on the platform's topic as the relay would, and
their rows written to the event store (``COPY``, sealed as the application stores
them), for its size. Then a
projection runner with a new consumer group (so it clears the views and starts from
offset 0; in a thread of this process, saving an interpreter's start) runs until it
has passed every event; then 200 public lookups of random cases through the API (one
client, one after another; verifiers made for them).

Steps are time-capped (building at most 20 s and rebuilding at most 20 s at scale 1,
never under 2 s and 1 s): a capped rebuild's time is extrapolated from its rate since the
runner was started, and the sizes from bytes per event, as the note says.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, replace

import psycopg
from kafka import KafkaProducer

from bench import case_events
from bench.context import Context
from bench.report import Figure, Goal
from bench.samples import percentile
from consumers.cloudevents import encode, to_cloudevent
from domain.query_code import QueryCodes
from infra.entrypoints.processes import projection_runner
from infra.entrypoints.status import consumed
from infra.kafka_security import ADMIN
from projections.registry import ALL
from tests.integration.harness import Platform

STAGE = "growth"
SIZES = (10_000, 100_000, 1_000_000)
BUILD_SECONDS = 20.0
REBUILD_SECONDS = 20.0
LOOKUPS = 200
CODE = "BENCHCODE"
READ_MODELS = (*(p.table for p in ALL), "applied_versions", "consumer_offsets")


@dataclass
class Step:
    """What one size found; ``built`` and ``applied`` fall short of ``events`` when capped."""

    events: int
    built: int
    applied: int
    rebuild_seconds: float  # extrapolated to ``events`` when capped
    rate: float
    lookups: list[float]
    read_model_bytes: int  # above the empty tables'
    event_store_bytes: int


class Builder:
    """Adds copied cases to the platform's topic and event store."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.sealer = case_events.Sealer(platform.settings)
        self.cases = case_events.cases()
        self.built = 0

    def build(self, events: int, seconds: float) -> None:
        """Add cases until ``events`` events are built or ``seconds`` have passed."""
        settings = self.platform.settings
        producer = KafkaProducer(
            **settings.kafka_options(ADMIN), acks=1, linger_ms=50, batch_size=512 * 1024
        )
        deadline = time.monotonic() + seconds
        try:
            with (
                psycopg.connect(settings.database_url) as conn,
                conn.cursor().copy(case_events.COPY_EVENTS) as copy,
            ):
                while self.built < events and time.monotonic() < deadline:
                    for event in next(self.cases):
                        self.built += 1
                        cloudevent = to_cloudevent(
                            event.document(), position=self.built, hall=settings.hall
                        )
                        key, value, headers = encode(cloudevent)
                        producer.send(self.platform.topic, key=key, value=value, headers=headers)
                        copy.write_row(self.sealer.row(event))
            producer.flush()
        finally:
            producer.close()


def rebuild(
    platform: Platform, label: str, events: int, seconds: float
) -> tuple[int, float, float]:
    """A projection runner of a new group, in a thread of this process, until it has
    passed ``events``, or for ``seconds`` after it passed its first; the events passed,
    its rate since it was started, and the rebuild's time (extrapolated at that rate to
    ``events`` when capped)."""
    settings = platform.settings
    group = f"{settings.projector_group}.{label}"
    runner = projection_runner(replace(settings, projector_group=group))
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), name=label)
    started = time.perf_counter()
    thread.start()
    try:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            first_at = None
            while True:
                passed = consumed(conn, platform.topic, group)
                now = time.perf_counter()
                first_at = first_at or (now if passed else None)
                if passed >= events or (first_at and now - first_at > seconds):
                    break
                if now - started > seconds + 60:
                    raise RuntimeError("the projection runner applied nothing in a minute")
                time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=60)
    rate = passed / (now - started)
    return passed, rate, events / rate


def lookups(platform: Platform, count: int) -> list[float]:
    """Seconds of ``count`` public lookups of random projected cases."""
    codes = QueryCodes(platform.settings.query_code_key.encode())
    cases = platform.sql(
        "SELECT case_no, case_id FROM public_case_status ORDER BY random() LIMIT %s", count
    )
    with psycopg.connect(platform.settings.database_url) as conn:
        conn.cursor().executemany(
            "INSERT INTO query_code_verifiers (case_no, case_id, verifier) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            [(case_no, case_id, codes.verifier(case_no, CODE)) for case_no, case_id in cases],
        )
    took = []
    with platform.client() as client:
        for case_no, _ in random.sample(cases, len(cases)):
            started = time.perf_counter()
            client.get(
                f"/api/v1/public/cases/{case_no}", params={"query_code": CODE}
            ).raise_for_status()
            took.append(time.perf_counter() - started)
    return took


def sizes(platform: Platform) -> tuple[int, int]:
    """Bytes of the read models (with their bookkeeping) and of the event store."""
    (row,) = platform.sql(
        "SELECT (SELECT sum(pg_total_relation_size(t)) FROM unnest(%s::regclass[]) AS t),"
        " pg_total_relation_size('casetrail_events')",
        list(READ_MODELS),
    )
    return int(row[0]), int(row[1])


def run(context: Context) -> None:
    """Grow the history step by step, rebuild and look up at each, add the figures."""
    steps = []
    with context.platform("growth", "api") as platform:
        builder = Builder(platform)
        empty = sizes(platform)
        for number, size in enumerate(SIZES):
            events = context.sized(size, least=50)
            print(f"  {events:,} events: building …", flush=True)
            builder.build(events, max(2.0, BUILD_SECONDS * context.scale))
            print(f"  {builder.built:,} built; rebuilding the projections …", flush=True)
            applied, rate, seconds = rebuild(
                platform,
                f"rebuild-{number}",
                builder.built,
                max(1.0, REBUILD_SECONDS * context.scale),
            )
            took = lookups(platform, context.sized(LOOKUPS, least=10))
            read_models, event_store = (
                now - before for now, before in zip(sizes(platform), empty, strict=True)
            )
            steps.append(
                Step(
                    events,
                    builder.built,
                    applied,
                    seconds * events / builder.built,
                    rate,
                    took,
                    read_models,
                    event_store,
                )
            )
    report(context, steps)


def report(context: Context, steps: list[Step]) -> None:
    """The figures, plots and the note on what was extrapolated."""
    add = context.report.add
    times = context.report.plot(
        "growth_rebuild", "Growth: rebuild time", "events", "seconds", log_x=True
    )
    lookup = context.report.plot(
        "growth_lookup", "Growth: public lookup p99", "events", "ms", log_x=True
    )
    notes = []
    for step in steps:
        at = f"at {step.events:,} events"
        last = step is steps[-1]
        add(Figure(STAGE, f"rebuild time {at}", step.rebuild_seconds, "s"))
        add(
            Figure(
                STAGE,
                f"rebuild rate {at}",
                step.rate,
                "ev/s",
                goal=Goal(">=", 20_000) if last else None,
            )
        )
        for q in (50, 99):
            add(Figure(STAGE, f"public lookup p{q} {at}", percentile(step.lookups, q), "ms"))
        per_read = step.read_model_bytes / step.applied
        per_stored = step.event_store_bytes / step.built
        add(Figure(STAGE, f"read models {at}", per_read * step.events / 1e6, "MB"))
        add(Figure(STAGE, f"read models per event {at}", per_read, "B"))
        add(Figure(STAGE, f"event store {at}", per_stored * step.events / 1e6, "MB"))
        add(Figure(STAGE, f"event store per event {at}", per_stored, "B"))
        times.curve("rebuild").points.append((step.events, step.rebuild_seconds))
        lookup.curve("p99").points.append((step.events, percentile(step.lookups, 99)))
        if step.built < step.events or step.applied < step.built:
            notes.append(
                f"At {step.events:,} events, capped: {step.built:,} built, {step.applied:,}"
                f" rebuilt at {step.rate:,.0f} ev/s; the rebuild time and the sizes are"
                " extrapolated linearly to the full count (lookups ran on the cases rebuilt)."
            )
    if notes:
        context.report.notes[STAGE] = " ".join(notes)
