"""The relay's rate, PostgreSQL → Kafka, beside a bare producer of the same messages.

20 000 case events (scaled; ``bench.case_events``) are written straight into a private
platform's event store; then ``casetrail relay`` runs as its own process, and its rate is
watched on the topic's end offsets until they hold every stored event (bounded). The
baseline: the messages the relay published, read back, sent again with the same keys,
values and headers by a bare kafka-python producer (every in-sync replica acknowledging,
idempotent, as the relay's) to a scratch topic, and flushed.
"""

from __future__ import annotations

import time

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
BOUND_S = 60.0  # the relay's watch stops here, done or not


def bare_producer(platform: Platform) -> float:
    """Events/s of a bare producer sending what the relay published, to a scratch topic."""
    published = [(r.key, r.value, r.headers) for r in platform.read_topic()]
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
        return len(published) / (time.perf_counter() - started)
    finally:
        producer.close()
        kafka_admin.drop_topic(platform.settings.bootstrap_servers, scratch)


def run(context: Context) -> None:
    """Fill the store, watch the relay publish it, then time the bare producer."""
    count = context.sized(20_000, least=100)
    with context.platform("relay") as platform:
        print(f"  writing {count:,} case events into the event store", flush=True)
        total = case_events.store(platform.settings, count)
        end = TopicEnd(platform.settings.kafka_options(ADMIN), platform.topic)
        try:
            platform.start("relay")
            print(f"  relaying {total:,} events", flush=True)
            relayed = watch(end, total, BOUND_S)
        finally:
            end.close()
        if not relayed.done:
            raise RuntimeError(f"the relay published {relayed.counted} of {total} in {BOUND_S} s")
        platform.stop("relay")
        baseline = bare_producer(platform)
    context.report.add(
        Figure(
            STAGE,
            "events PostgreSQL → Kafka",
            relayed.per_second,
            "ev/s",
            baseline,
            "bare kafka-python producer",
            Goal(">=", 0.8, of="ratio"),
        )
    )
