"""The notifier (``casetrail notify``): tells SMS and messaging gateways of every timed
alert on a case and every event of a supervision notice, on the notifications topic.

A consumer group of its own on the event topic. For each event that
``domain.notifications`` tells of (its type is in the message's ``casetrail-type`` header,
so nothing else is decoded), it looks up the case in the event store (as the notifier's
role, read only) and publishes one notification, keyed by the case id, whose id is the
source event's. At least once: a batch's notifications are acknowledged by the brokers
before its offsets are committed, so a crash publishes some again under the same ids,
which the gateways de-duplicate.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from kafka import KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from consumers.cloudevents import CONTENT_TYPE, SPECVERSION, encode, type_header
from consumers.group_member import group_member
from consumers.relay import open_producer
from consumers.resilience import keep_running
from consumers.validation import Poison, parse
from domain.application import HallApplication
from domain.errors import NotFound
from domain.notifications import NOTIFICATION_TYPE, CaseFacts, kind_of, notification_data

log = logging.getLogger("casetrail.notifier")

NOTICE_STREAM = "supervision_notice"


def case_facts(application: HallApplication, event: dict[str, Any]) -> CaseFacts:
    """What the notification of ``event`` says of its case: for a notice's events the
    case it is about, the officer it named and its date to respond by."""
    subject = UUID(event["subject"])
    if event["type"].split(".")[1] == NOTICE_STREAM:
        notice = application.get_notice(subject)
        case = application.get_case(UUID(notice.case_id))
        return CaseFacts(
            case_id=str(case.id),
            case_no=case.case_no,
            item_code=case.item_code,
            department=notice.department,
            officer=notice.officer,
            deadline=notice.respond_by.isoformat(),
        )
    case = application.get_case(subject)
    return CaseFacts(str(case.id), case.case_no, case.item_code, case.department, case.assignee)


def notification(event: dict[str, Any], facts: CaseFacts) -> dict[str, Any]:
    """The notification of a source ``event`` (a CloudEvent): the source's id, source
    and time, the case as subject (and key)."""
    return {
        "specversion": SPECVERSION,
        "id": event["id"],
        "source": event["source"],
        "type": NOTIFICATION_TYPE,
        "subject": facts.case_id,
        "time": event["time"],
        "datacontenttype": CONTENT_TYPE,
        "data": notification_data(event, facts),
    }


class Notifier:
    """Publishes a notification for each event the gateways are told of."""

    name = "the notifier"

    def __init__(
        self,
        *,
        kafka_options: Mapping[str, Any],
        topic: str,
        notifications_topic: str,
        application: HallApplication,
        group_id: str,
        instance_id: str | None = None,
        max_batch: int = 500,
    ) -> None:
        self.kafka_options = kafka_options
        self.topic = topic
        self.notifications_topic = notifications_topic
        self.application = application
        self.group_id = group_id
        self.instance_id = instance_id
        self.max_batch = max_batch

    def run(self, stop: threading.Event) -> None:
        """Notify until ``stop`` is set, through server restarts."""
        keep_running(self.name, lambda: self._consume(stop), stop)

    def _consume(self, stop: threading.Event) -> None:
        """One attempt: a new group member that starts from the group's committed offsets."""
        consumer = group_member(
            self.kafka_options,
            self.topic,
            group_id=self.group_id,
            instance_id=self.instance_id,
            max_batch=self.max_batch,
        )
        try:
            with open_producer(self.kafka_options) as producer:
                while not stop.is_set():
                    polled = consumer.poll(timeout_ms=500)
                    if not polled:
                        continue
                    sent = self.publish(producer, (r for rs in polled.values() for r in rs))
                    consumer.commit()  # only once every notification is acknowledged
                    if sent:
                        log.info("published %d notifications", sent)
        finally:
            consumer.close(autocommit=False)

    def publish(self, producer: KafkaProducer, records: Iterable[ConsumerRecord]) -> int:
        """Publish the notifications of ``records`` and wait until the brokers acknowledge
        each (raising if one is refused); how many."""
        futures = []
        for record in records:
            found = self.notification_of(record)
            if found is not None:
                key, value, headers = encode(found)
                futures.append(
                    producer.send(self.notifications_topic, key=key, value=value, headers=headers)
                )
        producer.flush()
        for future in futures:
            future.get(timeout=0)  # raises if the broker refused the message
        return len(futures)

    def notification_of(self, record: ConsumerRecord) -> dict[str, Any] | None:
        """The notification of a message, if it is an event gateways are told of; a
        message that is not a valid event, or about a case the event store lacks, is
        logged and passed over (the views' consumers hold such messages)."""
        event_type = type_header(record.headers)
        if event_type is None or kind_of(event_type) is None:
            return None
        event = parse(record.value)
        if isinstance(event, Poison):
            log.warning("passed over offset %d: %s", record.offset, event.reason)
            return None
        try:
            facts = case_facts(self.application, event)
        except NotFound as error:
            log.warning("passed over offset %d: %s", record.offset, error)
            return None
        return notification(event, facts)
