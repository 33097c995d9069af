"""The webhook outbox of ``casetrail webhooks``, filled from the event topic (the
dispatcher, ``consumers.webhook_dispatch``, POSTs it to each subscriber).

The outbox: a consumer group of its own on the event topic. For each event that a live
subscription's filters take (its type, with or without ``.vN``; the department of its
case, known from the case's first event that names one), one row per subscription and
event goes into ``webhook_deliveries`` (a duplicate message adds nothing); the group's
offsets are committed only once the rows are. The same loop does the replays asked for
through the API: it reads the topic again and puts the subscription's events from a
position or a time back to pending.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from psycopg_pool import ConnectionPool

from consumers.group_member import group_member
from consumers.resilience import keep_running
from consumers.validation import Poison, parse
from domain.webhooks import matches, webhook_body
from infra import webhook_store
from infra.webhook_store import Delivery, Subscription

log = logging.getLogger("casetrail.webhooks")

REPLAY_CHECK_SECONDS = 1.0


def departments_named(events: Iterable[dict[str, Any]]) -> dict[str, str]:
    """The department each event's subject belongs to, where the event names one (a
    case's submission; a notice's issue and escalation)."""
    found: dict[str, str] = {}
    for event in events:
        data = event.get("data") or {}
        notify = data.get("notify")
        named = data.get("department") or (notify.get("department") if notify else None)
        if isinstance(named, str):
            found.setdefault(event["subject"], named)
    return found


def deliveries_for(
    events: Iterable[dict[str, Any]],
    subscriptions: Sequence[Subscription],
    departments: Mapping[str, str],
) -> list[Delivery]:
    """One delivery per event and subscription whose filters take it."""
    return [
        Delivery(
            subscription.id,
            event["id"],
            event["subject"],
            event["position"],
            event["type"],
            webhook_body(event),
        )
        for event in events
        for subscription in subscriptions
        if matches(
            event["type"],
            departments.get(event["subject"]),
            event_types=subscription.event_types,
            departments=subscription.departments,
        )
    ]


def _events(records: Iterable[ConsumerRecord]) -> list[dict[str, Any]]:
    """The valid events among ``records``; the others are logged and passed over (the
    views' consumers hold such messages)."""
    events = []
    for record in records:
        event = parse(record.value)
        if isinstance(event, Poison):
            log.warning("passed over offset %d: %s", record.offset, event.reason)
        else:
            events.append(event)
    return events


def _now() -> datetime:
    return datetime.now(UTC)


class Outbox:
    """Fills the outbox from the event topic, and does the replays asked for."""

    name = "the webhook outbox"

    def __init__(
        self,
        *,
        kafka_options: Mapping[str, Any],
        topic: str,
        pool: ConnectionPool,
        group_id: str,
        max_batch: int = 500,
    ) -> None:
        self.kafka_options = kafka_options
        self.topic = topic
        self.pool = pool
        self.group_id = group_id
        self.max_batch = max_batch

    def run(self, stop: threading.Event) -> None:
        """Fill the outbox until ``stop`` is set, through server restarts."""
        keep_running(self.name, lambda: self._consume(stop), stop)

    def _consume(self, stop: threading.Event) -> None:
        consumer = group_member(
            self.kafka_options,
            self.topic,
            group_id=self.group_id,
            max_batch=self.max_batch,
        )
        try:
            replays_checked = 0.0
            while not stop.is_set():
                polled = consumer.poll(timeout_ms=200)
                if polled:
                    queued = self.queue(_events(r for rs in polled.values() for r in rs))
                    consumer.commit()  # only once the rows are
                    if queued:
                        log.info("queued %d deliveries", queued)
                if stop.wait(0) or time.monotonic() - replays_checked < REPLAY_CHECK_SECONDS:
                    continue
                replays_checked = time.monotonic()
                self.replay_asked()
        finally:
            consumer.close(autocommit=False)

    def queue(self, events: list[dict[str, Any]], *, again_for: UUID | None = None) -> int:
        """Put the deliveries of ``events`` into the outbox, in one transaction (with
        ``again_for``, a replay: that subscription's only, back to pending); how many."""
        if not events:
            return 0
        with self.pool.connection() as conn, conn.transaction():
            subscriptions = webhook_store.live_subscriptions(conn)
            if again_for is not None:
                subscriptions = [s for s in subscriptions if s.id == again_for]
            named = departments_named(events)
            webhook_store.remember_departments(conn, named)
            known = webhook_store.departments_of(conn, {e["subject"] for e in events})
            found = deliveries_for(events, subscriptions, {**named, **known})
            webhook_store.enqueue(conn, found, _now(), again=again_for is not None)
        return len(found)

    def replay_asked(self) -> None:
        """Do each replay asked for: the subscription's events from the topic again."""
        with self.pool.connection() as conn:
            asked = webhook_store.replays_asked(conn)
        for replay_id, subscription_id, from_position, from_time in asked:
            queued = sum(
                self.queue(
                    [e for e in batch if _from(e, from_position, from_time)],
                    again_for=subscription_id,
                )
                for batch in self._whole_topic()
            )
            with self.pool.connection() as conn:
                webhook_store.replay_done(conn, replay_id, queued, _now())
            log.info("replay %d queued %d deliveries again", replay_id, queued)

    def _whole_topic(self) -> Iterable[list[dict[str, Any]]]:
        """The events on the topic up to its end now, batch by batch (no group)."""
        reader = KafkaConsumer(**self.kafka_options, enable_auto_commit=False)
        try:
            partitions = [
                TopicPartition(self.topic, p) for p in reader.partitions_for_topic(self.topic) or ()
            ]
            reader.assign(partitions)
            reader.seek_to_beginning(*partitions)
            end = reader.end_offsets(partitions)
            remaining = {tp for tp in partitions if end[tp] > 0}
            while remaining:
                polled = reader.poll(timeout_ms=500, max_records=self.max_batch)
                records = []
                for tp, batch in polled.items():
                    records += [r for r in batch if r.offset < end[tp]]
                    if reader.position(tp) >= end[tp]:
                        remaining.discard(tp)
                yield _events(records)
        finally:
            reader.close()


def _from(event: dict[str, Any], position: int | None, since: datetime | None) -> bool:
    """Whether a replay from ``position`` or from the time ``since`` takes ``event``."""
    if position is not None:
        return bool(event["position"] >= position)
    assert since is not None
    return datetime.fromisoformat(event["time"]) >= since
