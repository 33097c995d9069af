"""Webhook deliveries per second to local receivers, on the real servers.

2 000 case events (scaled; cases accepted, assigned and one step done, four
events each, made by the in-memory application) go onto a scratch topic. Then, for 1
and for 4 subscribers (each a receiver on 127.0.0.1, in this process, that verifies
every request with ``standardwebhooks``), with ``casetrail webhooks`` running as its
own process (a fresh consumer group each time), timed apart:

- **outbox fill**: with the subscriptions paused, from the first delivery queued (the
  process started) until the outbox holds one per event and subscriber;
- **delivery**: from the resume until every one is delivered (4 cases at once per
  subscriber).
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg
from kafka import KafkaProducer

from bench.context import Context
from bench.report import Figure
from consumers.cloudevents import encode
from domain.actor import Actor
from domain.case.commands import CompleteStep
from infra import webhook_store
from infra.kafka_security import ADMIN
from infra.master_keys import MasterKeys
from tests.integration.harness import Platform
from tests.integration.webhook_receiver import Receiver, receiving
from tests.unit.conftest import OFFICER, cloudevents, make_app
from tests.unit.test_case_facts import accepted

STAGE = "webhooks"
EVENTS_PER_CASE = 4
ADMIN_ACTOR = Actor(id="bench-admin", role="hall_admin", department="HALL")
PHASE_SECONDS = 600.0


def case_events(count: int) -> list[dict[str, Any]]:
    """``count`` (rounded up to whole cases) CloudEvents of cases, in log order."""
    app = make_app()
    cases = [accepted(app) for _ in range(-(-count // EVENTS_PER_CASE))]
    for case_id in cases:
        app.handle(CompleteStep(step="审查", opinion="agree"), case_id, OFFICER)
    events = [e for case_id in cases for e in cloudevents(app, case_id)]
    return sorted(events, key=lambda e: e["position"])


def publish(platform: Platform, events: list[dict[str, Any]]) -> None:
    """Put ``events`` on the platform's topic, keyed by case."""
    producer = KafkaProducer(**platform.settings.kafka_options(ADMIN), acks="all")
    try:
        for event in events:
            key, value, headers = encode(event)
            producer.send(platform.topic, key=key, value=value, headers=headers)
        producer.flush()
    finally:
        producer.close()


def register(platform: Platform, receivers: list[Receiver]) -> list[UUID]:
    """One paused subscription per receiver (every event), the receivers given their
    secrets; every earlier subscription deleted."""
    keys = MasterKeys.parse(platform.settings.master_keys)
    made = []
    with psycopg.connect(platform.settings.api_database_url) as conn:
        conn.execute("UPDATE webhook_subscriptions SET deleted = true")
        for receiver in receivers:
            subscription_id = uuid4()
            receiver.secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
            webhook_store.register(
                conn,
                subscription_id,
                url=receiver.url,
                event_types=[],
                departments=[],
                sealed=keys.wrap(str(subscription_id), receiver.secret.encode()),
                actor=ADMIN_ACTOR,
                at=datetime.now(UTC),
            )
            made.append(subscription_id)
        conn.execute("UPDATE webhook_subscriptions SET paused = true WHERE id = ANY(%s)", (made,))
    return made


def counted(platform: Platform, subscriptions: list[UUID], status: str | None = None) -> int:
    where = "" if status is None else " AND status = %s"
    params: tuple[Any, ...] = (subscriptions,) if status is None else (subscriptions, status)
    with psycopg.connect(platform.settings.database_url) as conn:
        row = conn.execute(
            f"SELECT count(*) FROM webhook_deliveries WHERE subscription_id = ANY(%s){where}",
            params,
        ).fetchone()
    return int(row[0]) if row else 0


def timed_until(condition: Callable[[], bool]) -> float:
    """Seconds until ``condition`` holds (polled), at most ``PHASE_SECONDS``."""
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > PHASE_SECONDS:
            raise RuntimeError("a phase took longer than its bound")
        time.sleep(0.02)
    return time.perf_counter() - started


@contextmanager
def running(work: Callable[[threading.Event], None]) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=work, args=(stop,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def measure(platform: Platform, events: int, subscribers: int, parallel: int) -> dict[str, float]:
    """Fill the outbox for ``subscribers`` paused receivers, then resume and deliver it;
    the rates."""
    with ExitStack() as receivers_:
        receivers = [receivers_.enter_context(receiving()) for _ in range(subscribers)]
        subscriptions = register(platform, receivers)
        expected = events * subscribers
        label = f"webhooks-{subscribers}"
        platform.start(
            "webhooks",
            label=label,
            env={
                "CASETRAIL_WEBHOOKS_ALLOW_PRIVATE": "true",
                "CASETRAIL_WEBHOOKS_GROUP": f"{platform.settings.webhooks_group}.{subscribers}",
                "CASETRAIL_WEBHOOK_PARALLEL": str(parallel),
            },
        )
        try:
            timed_until(lambda: counted(platform, subscriptions) > 0)  # the process is up
            fill = timed_until(lambda: counted(platform, subscriptions) >= expected)
            platform.sql("UPDATE webhook_subscriptions SET paused = false")
            deliver = timed_until(lambda: counted(platform, subscriptions, "delivered") >= expected)
        finally:
            platform.stop(label)
        got = [len(r.events()) for r in receivers]
        assert got == [events] * subscribers, got
        assert all(r.refused == 0 for r in receivers)
    return {
        "subscribers": subscribers,
        "deliveries": expected,
        "fill_seconds": round(fill, 3),
        "fill_events_per_second": round(events / fill, 1),
        "deliver_seconds": round(deliver, 3),
        "deliveries_per_second": round(expected / deliver, 1),
        "deliveries_per_second_per_subscriber": round(events / deliver, 1),
    }


def run(context: Context, parallel: int = 4) -> None:
    """Publish the events, measure 1 then 4 subscribers, and add the figures."""
    with context.platform("webhooks") as platform:
        events = case_events(context.sized(2000, least=40))
        publish(platform, events)
        one, four = (measure(platform, len(events), n, parallel) for n in (1, 4))
    for result in (one, four):
        context.report.add(
            Figure(
                STAGE,
                f"outbox fill, {result['subscribers']} subscriber(s)",
                result["fill_events_per_second"],
                "ev/s",
            )
        )
    context.report.add(
        Figure(STAGE, "deliveries, 1 subscriber", one["deliveries_per_second"], "/s")
    )
    context.report.add(
        Figure(
            STAGE,
            "deliveries, 4 subscribers (all)",
            four["deliveries_per_second"],
            "/s",
            one["deliveries_per_second"],
            "1 subscriber",
        )
    )
