"""The relay's rate, PostgreSQL → Kafka, beside a bare producer of the same messages.

20 000 case events (scaled; ``bench.case_events``) are written straight into a private
platform's event store; then ``casetrail relay`` runs as its own process, and its rate is
watched on the topic's end offsets until they hold every stored event again (bounded).
The baseline: the messages the relay published, read back, sent again with the same
keys, values and headers by a bare kafka-python producer (every in-sync replica
acknowledging, idempotent, as the relay's) to a scratch topic, and flushed.

The machine's speed drifts within a minute, so the two take turns, as in the ``domain``
stage: three rounds, the relay first in the first and last (the baseline sends what it
published), each round's relay publishing the whole store again from its start; each
side's rate is its events over its time in all rounds.
"""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaProducer

from bench import case_events
from bench.context import Context
from bench.rates import watch
from bench.report import Figure, Goal
from infra import kafka_admin
from infra.entrypoints.status import TopicEnd
from infra.kafka_security import ADMIN
from tests.integration.harness import Platform

STAGE = "relay"
BOUND_S = 60.0  # a relay round's watch stops here, done or not
ROUNDS = 3
# the relay goes first in the first round: the baseline sends what it published
SIDES = ("relay", "bare")
Published = list[tuple[Any, Any, Any]]  # key, value, headers


def relay_round(platform: Platform, end: TopicEnd, total: int) -> tuple[int, float]:
    """The relay publishing the whole store from its start: events counted and seconds
    (from its first published batch, as ``watch`` counts)."""
    platform.sql("DELETE FROM relay_positions")
    start = end()
    platform.start("relay")
    try:
        relayed = watch(end, start + total, BOUND_S, since=start)
    finally:
        platform.stop("relay")
    if not relayed.done:
        raise RuntimeError(f"the relay published {relayed.counted} of {total} in {BOUND_S} s")
    return relayed.counted, relayed.seconds


def bare_round(platform: Platform, published: Published) -> tuple[int, float]:
    """A bare producer sending ``published`` to a scratch topic: events and seconds."""
    scratch = f"{platform.topic}.bare"
    kafka_admin.ensure_topic(platform.settings.bootstrap_servers, scratch)
    producer = KafkaProducer(
        **platform.settings.kafka_options(ADMIN), acks="all", enable_idempotence=True
    )
    try:
        started = time.perf_counter()
        for key, value, headers in published:
            producer.send(scratch, key=key, value=value, headers=headers)
        producer.flush()
        return len(published), time.perf_counter() - started
    finally:
        producer.close()
        kafka_admin.drop_topic(platform.settings.bootstrap_servers, scratch)


def run(context: Context) -> None:
    """Fill the store, then let the relay and the bare producer take turns."""
    count = context.sized(20_000, least=100)
    events, seconds = dict.fromkeys(SIDES, 0), dict.fromkeys(SIDES, 0.0)
    with context.platform("relay") as platform:
        print(f"  writing {count:,} case events into the event store", flush=True)
        total = case_events.store(platform.settings, count)
        end = TopicEnd(platform.settings.kafka_options(ADMIN), platform.topic)
        try:
            published: Published = []
            for n in range(ROUNDS):
                for side in SIDES if n % 2 == 0 else SIDES[::-1]:
                    if side == "relay":
                        sent, took = relay_round(platform, end, total)
                        published = published or [
                            (r.key, r.value, r.headers) for r in platform.read_topic()
                        ]
                    else:
                        sent, took = bare_round(platform, published)
                    events[side] += sent
                    seconds[side] += took
                    print(
                        f"  round {n + 1}/{ROUNDS}, {side}: {sent / took:,.0f} events/s", flush=True
                    )
        finally:
            end.close()
    context.report.add(
        Figure(
            STAGE,
            "events PostgreSQL → Kafka",
            events["relay"] / seconds["relay"],
            "ev/s",
            events["bare"] / seconds["bare"],
            "bare kafka-python producer",
            Goal(">=", 0.8, of="ratio"),
        )
    )
