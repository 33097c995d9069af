"""The anomaly detector: a consumer group of its own on the event topic that keeps the
facts the anomaly rules look at and records each anomaly found as an event.

Exactly once in effect, as every ``ChainConsumer``: each batch's fact writes, the
versions applied (with their chain heads, checked against each event's ``prevhash``) and
the next offsets commit in one transaction; what fails is held in the quarantine. A
batch's facts are read once and written together at its end (``BatchFactBook``). It
reads the events of cases, of the power list, of the declared-interest register and of
the calendar, never the anomalies it records itself. After each event it judges the
cases the event concerns (``domain.anomalies.book``) and records, through the
application and as the detector, each anomaly not yet noted for the case (the batch's
findings together, before its facts are written); the anomaly's id is stable, so
judging again after a crash, a restart or a replay of the topic records nothing twice.
Between polls it looks, once a minute, for accepted cases whose running clock has seen
nothing for longer than rule T04 allows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import psycopg
from eventsourcing.persistence import PersistenceError

from consumers.chain_consumer import ChainConsumer
from domain.anomalies.book import (
    CASE,
    STREAMS,
    BatchFactBook,
    FactBook,
    calendar,
    judge,
    noted,
    observe,
)
from domain.anomalies.catalogue import Catalogue
from domain.anomalies.detection import Detection
from domain.anomalies.facts import Facts
from domain.application import HallApplication
from domain.calendar import WorkingCalendar
from domain.case import local_date
from infra.anomaly_facts import PostgresFactBook
from infra.grants import ANOMALIES
from infra.kafka_security import ANOMALIES_GROUP

log = logging.getLogger("casetrail.anomalies")

FACTS_VERSION = 1  # raise when ``domain.anomalies.facts`` would build other facts
IDLE_RULE, IDLE_THRESHOLD = "T04", "max_idle_working_days"


class AnomalyDetector(ChainConsumer):
    """Judges every case by the rule catalogue as its events arrive, and records what it
    finds."""

    name = "the anomaly detector"
    role = ANOMALIES
    dead_letters = False  # held in its quarantine only: the projection runner dead-letters
    failure = "the facts could not take it"
    fatal = (psycopg.Error, PersistenceError)  # recording an anomaly needs the event store

    def __init__(
        self,
        *,
        database_url: str,
        kafka_options: Mapping[str, Any],
        topic: str,
        application: HallApplication,
        catalogue: Catalogue,
        group_id: str = ANOMALIES_GROUP,
        instance_id: str | None = None,
        max_batch: int = 500,
        sweep_seconds: float = 60.0,
    ) -> None:
        super().__init__(
            database_url=database_url,
            kafka_options=kafka_options,
            topic=topic,
            group_id=group_id,
            instance_id=instance_id,
            max_batch=max_batch,
        )
        self.application = application
        self.catalogue = catalogue
        self.sweep_seconds = sweep_seconds
        self.last_sweep: float | None = None
        self._batch: BatchFactBook | None = None
        self._found: list[Detection] = []  # in the batch, to record at its end

    def signature(self) -> str:
        """What builds the facts."""
        return f"anomaly_facts@{FACTS_VERSION}"

    def tables(self) -> Sequence[str]:
        """The facts."""
        return ("anomaly_cases", "anomaly_context")

    def reads(self, event_type: str) -> bool:
        """Cases, the power list, declared interests and the calendar; not its anomalies."""
        return event_type.split(".")[1] in STREAMS

    def begin_batch(self, conn: psycopg.Connection, subjects: set[str]) -> None:
        """Read the facts of the batch's cases, in one query."""
        store = PostgresFactBook(conn)
        self._batch = BatchFactBook(store)
        self._batch.preload(CASE, store.load_cases(subjects))
        self._found = []

    def apply(self, conn: psycopg.Connection, event: dict[str, Any]) -> None:
        """Apply the event to the batch's facts, then judge the cases it concerns; an
        event the facts cannot take leaves nothing of itself behind."""
        book, found = self._batch, len(self._found)
        if book is None:
            raise RuntimeError("the anomaly detector applies events within a batch")
        try:
            cases = observe(book, event)
            if cases:
                working = calendar(book, self.application.base_calendar)
                for case in cases:
                    self._found += self._judge(book, case, working)
        except BaseException:
            book.drop()
            del self._found[found:]
            raise
        book.take()

    def end_batch(self, conn: psycopg.Connection) -> None:
        """Record what the batch's events showed, then write the facts they changed."""
        if self._batch is not None:
            self._record(self._found)
            PostgresFactBook(conn).save_many(self._batch.changes())
            self._batch, self._found = None, []

    def between_polls(self, conn: psycopg.Connection) -> None:
        """Once every ``sweep_seconds``: judge the cases standing still as of today."""
        now = time.monotonic()
        if self.last_sweep is not None and now - self.last_sweep < self.sweep_seconds:
            return
        self.last_sweep = now
        self.sweep(conn, local_date(self.application.clock.now()))

    def sweep(self, conn: psycopg.Connection, today: date) -> int:
        """Judge, as of ``today``, every running case that has recorded nothing for at
        least T04's threshold in calendar days (a working day is never shorter); how many
        anomalies were new to their cases."""
        idle = self.catalogue.rule(IDLE_RULE).thresholds[IDLE_THRESHOLD]
        with conn.transaction():
            book = PostgresFactBook(conn)
            working = calendar(book, self.application.base_calendar)
            found = [
                detection
                for case in book.running_since(today - timedelta(days=idle))
                for detection in self._judge(book, case, working, today)
            ]
            self._record(found)
        return len(found)

    def _judge(
        self, book: FactBook, case: Facts, working: WorkingCalendar, today: date | None = None
    ) -> list[Detection]:
        """What the case shows and was not noted for it yet, noted in ``book``."""
        found = judge(book, self.catalogue, case, working, today)
        if found:
            book.save(CASE, case["case_id"], noted(case, found))
        return found

    def _record(self, found: list[Detection]) -> None:
        """Record the anomalies ``found``, as the detector."""
        for detection in self.application.record_detections(found):
            log.info("%s in case %s (%s)", detection.rule, detection.case_no, detection.id)
