"""The exporter (``casetrail exchange``): case events → exchange records for provincial
platforms, on the exchange topic, and approvals with a certificate for regulators, on the
approvals topic; the daily exchange files at the end of each day.

A consumer group of its own on the event topic. Each batch: the sheets of its cases are
read (and locked) from PostgreSQL, each event is folded into its case's sheet
(``domain.exchange.mapping``), every record version and approval it makes is published,
and once the brokers have acknowledged them all, the sheets and the versions are stored,
then the offsets committed. At least once: a crash before the store publishes the same
versions again under the same CloudEvent ids (stable per record id and version), which
readers de-duplicate; a crash after it re-reads events already folded, which make nothing.

Whenever it has caught up (a poll finds nothing), it writes yesterday's files (the hall's
day, Asia/Shanghai) if they are not there yet: every event of that day has been read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from kafka import KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from consumers.cloudevents import encode
from consumers.group_member import group_member
from consumers.relay import open_producer
from consumers.resilience import keep_running
from consumers.validation import Poison, parse
from domain.clock import HALL_TZ, Clock, SystemClock
from domain.exchange.mapping import Sheet, approval_message, content_hash, step
from infra.exchange_files import file_names, write_day
from infra.exchange_store import Published, load_sheets, save

log = logging.getLogger("casetrail.exchange")


class Exporter:
    """Publishes the exchange records and approvals the case events make."""

    name = "the exporter"

    def __init__(
        self,
        *,
        database_url: str,
        kafka_options: Mapping[str, Any],
        topic: str,
        exchange_topic: str,
        approvals_topic: str,
        hall: str,
        group_id: str,
        files: Path,
        instance_id: str | None = None,
        max_batch: int = 500,
        clock: Clock | None = None,
    ) -> None:
        self.database_url = database_url
        self.kafka_options = kafka_options
        self.topic = topic
        self.exchange_topic = exchange_topic
        self.approvals_topic = approvals_topic
        self.source = f"/casetrail/{hall}"
        self.group_id = group_id
        self.files = files
        self.instance_id = instance_id
        self.max_batch = max_batch
        self.clock = clock or SystemClock()

    def run(self, stop: threading.Event) -> None:
        """Export until ``stop`` is set, through server restarts."""
        keep_running(self.name, lambda: self._consume(stop), stop)

    def _consume(self, stop: threading.Event) -> None:
        """One attempt: a new group member that starts from the group's committed offsets
        (its connection autocommits outside the batches' transactions)."""
        consumer = group_member(
            self.kafka_options,
            self.topic,
            group_id=self.group_id,
            instance_id=self.instance_id,
            max_batch=self.max_batch,
        )
        try:
            with (
                psycopg.connect(self.database_url, autocommit=True) as conn,
                open_producer(self.kafka_options) as producer,
            ):
                while not stop.is_set():
                    polled = consumer.poll(timeout_ms=500)
                    if not polled:
                        self.write_due_files(conn)
                        continue
                    sent = self.export(conn, producer, (r for rs in polled.values() for r in rs))
                    consumer.commit()  # only once every message is acknowledged and stored
                    if sent:
                        log.info("published %d exchange records and approvals", sent)
        finally:
            consumer.close(autocommit=False)

    def export(
        self, conn: psycopg.Connection, producer: KafkaProducer, records: Iterable[ConsumerRecord]
    ) -> int:
        """Fold a batch of messages into their cases' sheets, publish what they make and
        wait until the brokers acknowledge each (raising if one is refused), then store
        the sheets and versions; how many messages were published."""
        events = [e for e in map(self._event, records) if e is not None]
        with conn.transaction():
            sheets = load_sheets(conn, sorted({e["subject"] for e in events}))
            folded: dict[str, Sheet] = {}
            published: list[Published] = []
            futures = []
            for event in events:
                sheet, made, approval = step(sheets.get(event["subject"]), event)
                if sheet is None:
                    continue
                sheets[event["subject"]] = folded[event["subject"]] = sheet
                time = datetime.fromisoformat(event["time"])
                for version in made:
                    key, value, headers = encode(version.message(self.source))
                    futures.append(
                        producer.send(self.exchange_topic, key=key, value=value, headers=headers)
                    )
                    published.append(
                        Published(
                            version.record_id,
                            version.version,
                            version.record_type,
                            version.case_no,
                            content_hash(version.content),
                            time,
                            time.astimezone(HALL_TZ).date(),
                            value,
                        )
                    )
                if approval is not None:
                    message = approval_message(approval, event["id"], event["time"], self.source)
                    key, value, headers = encode(message)
                    futures.append(
                        producer.send(self.approvals_topic, key=key, value=value, headers=headers)
                    )
            producer.flush()
            for future in futures:
                future.get(timeout=0)  # raises if the broker refused the message
            save(conn, folded, published)
        return len(futures)

    def write_due_files(self, conn: psycopg.Connection) -> None:
        """Write yesterday's files unless they are there."""
        yesterday = self.clock.now().astimezone(HALL_TZ).date() - timedelta(days=1)
        if not (self.files / file_names(yesterday)[1]).exists():
            manifest = write_day(conn, yesterday, self.files)
            log.info("wrote the exchange files of %s (%d records)", yesterday, manifest["count"])

    def _event(self, record: ConsumerRecord) -> dict[str, Any] | None:
        """The CloudEvent of a message; None (logged) for one that is not a valid event (the
        views' consumers hold such messages)."""
        event = parse(record.value)
        if isinstance(event, Poison):
            log.warning("passed over offset %d: %s", record.offset, event.reason)
            return None
        return event
