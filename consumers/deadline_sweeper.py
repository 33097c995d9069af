"""The deadline sweeper: a consumer group of its own on the event topic that keeps the
day each timed rule of each case fires, and records what is due as the platform's clock
reaches it (``domain.supervision``).

Exactly once in effect, as every ``ChainConsumer``: each batch's schedule writes, the
versions applied (with their chain heads) and the next offsets commit in one
transaction; what fails is held in the quarantine. The cases of a batch's events are
read from the event store together, each event recomputes its case's rows of
``deadline_schedule`` from the case as stored (an event of the calendar every case's),
and the rows recomputed are written at the batch's end. Every
``sweep_seconds`` it records, through the application and as the sweeper, everything
due by the hall's date of the platform clock, then rewrites those cases' rows, then runs
each of the ``timed_rules`` (other timed work, on the same connection and day).

Each alert is recorded once per case and deadline: a sweep that follows a restart, or
races a second sweeper, finds it in the loaded case, or loses the optimistic-concurrency
race and records nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import PersistenceError

from consumers.chain_consumer import ChainConsumer
from domain.application import HallApplication
from domain.calendar import WorkingCalendar
from domain.case import Case, local_date
from domain.events import event_type
from domain.hall_calendar import HallCalendar
from domain.supervision import Due, Swept, schedule
from infra import deadline_schedule
from infra.grants import SWEEPER
from infra.kafka_security import SWEEPER_GROUP

log = logging.getLogger("casetrail.sweeper")

SCHEDULE_VERSION = 1  # raise when ``domain.supervision.schedule`` would give other rows
CALENDAR_STREAM = event_type(HallCalendar.Opened).split(".")[1]
STREAMS = frozenset({"case", CALENDAR_STREAM})

TimedRule = Callable[[psycopg.Connection, date], int]
"""Other timed work run after each sweep: given the sweeper's connection and the day,
how many events it recorded."""


class DeadlineSweeper(ChainConsumer):
    """Keeps each case's fire dates, and records the timed rules due."""

    name = "the deadline sweeper"
    role = SWEEPER
    dead_letters = False  # held in its quarantine only: the projection runner dead-letters
    failure = "its schedule could not take it"
    fatal = (psycopg.Error, PersistenceError)  # scheduling reads the event store

    def __init__(
        self,
        *,
        database_url: str,
        kafka_options: Mapping[str, Any],
        topic: str,
        application: HallApplication,
        timed_rules: Sequence[TimedRule] = (),
        group_id: str = SWEEPER_GROUP,
        instance_id: str | None = None,
        max_batch: int = 500,
        sweep_seconds: float = 30.0,
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
        self.timed_rules = timed_rules
        self.sweep_seconds = sweep_seconds
        self.last_sweep: float | None = None
        self._calendar: WorkingCalendar | None = None
        self._cases: dict[UUID, Case] = {}  # the batch's, as stored
        self._rows: dict[UUID, Sequence[Due]] = {}  # recomputed in the batch

    def signature(self) -> str:
        """What computes the schedule."""
        return f"deadline_schedule@{SCHEDULE_VERSION}"

    def tables(self) -> Sequence[str]:
        """The schedule."""
        return ("deadline_schedule",)

    def reads(self, event_type: str) -> bool:
        """The events of cases and of the calendar."""
        return event_type.split(".")[1] in STREAMS

    def begin_batch(self, conn: psycopg.Connection, subjects: set[str]) -> None:
        """Read the batch's cases as stored, together."""
        self._rows = {}
        self._cases = self.application.current_cases(UUID(s) for s in subjects)

    def apply(self, conn: psycopg.Connection, event: dict[str, Any]) -> None:
        """Recompute the rows of the event's case from the case as stored (of every case
        when the calendar changed), to write at the batch's end."""
        if event["type"].split(".")[1] == CALENDAR_STREAM:
            self._calendar = None
            ids = {*deadline_schedule.scheduled_cases(conn), *self._rows}
            cases = self.application.current_cases(ids)
        else:  # a case the store lacks has nothing to schedule
            case_id = UUID(event["subject"])
            cases = {case_id: self._cases[case_id]} if case_id in self._cases else {}
        self._rows |= {case_id: schedule(case, self.calendar()) for case_id, case in cases.items()}

    def end_batch(self, conn: psycopg.Connection) -> None:
        """Write the rows the batch recomputed."""
        if self._rows:
            deadline_schedule.replace_many(conn, self._rows)
        self._cases, self._rows = {}, {}

    def calendar(self) -> WorkingCalendar:
        """The hall's calendar, loaded again after each sweep and calendar event."""
        if self._calendar is None:
            self._calendar = self.application.calendar()
        return self._calendar

    def between_polls(self, conn: psycopg.Connection) -> None:
        """Once every ``sweep_seconds``: record what is due."""
        now = time.monotonic()
        if self.last_sweep is not None and now - self.last_sweep < self.sweep_seconds:
            return
        self.last_sweep = now
        self.sweep(conn)

    def sweep(self, conn: psycopg.Connection) -> list[Swept]:
        """Record everything due by the hall's date of the platform clock, rewrite the
        swept cases' rows, run the other timed rules; the cases swept."""
        today = local_date(self.application.clock.now())
        self._calendar = None
        with conn.transaction():
            case_ids = deadline_schedule.due_cases(conn, today)
        swept = self.application.record_due(case_ids)
        with conn.transaction():
            deadline_schedule.replace_many(
                conn, {done.case.id: schedule(done.case, self.calendar()) for done in swept}
            )
        recorded = sum(len(s.recorded) for s in swept)
        for rule in self.timed_rules:
            with conn.transaction():
                recorded += rule(conn, today)
        if recorded:
            log.info("recorded %d timed events on %d cases as of %s", recorded, len(swept), today)
        return swept
