"""The HallCalendar aggregate: the working-day schedules a hall administrator publishes.

Each year's schedule (State Council notice: holidays and 调休 make-up working days) is an
auditable event. Publishing a year again is a correction that replaces the earlier schedule.
There is one calendar per hall, under the fixed id ``HallCalendar.ID``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.calendar import WorkingCalendar, YearSchedule
from domain.errors import InvalidCommand
from domain.events import ChainedAggregate, ChainedEvent


class HallCalendar(ChainedAggregate):
    """The hall's published year schedules."""

    ID = uuid5(NAMESPACE_URL, "urn:casetrail:hall-calendar")

    class Opened(ChainedEvent, Aggregate.Created):
        """The calendar is opened, with no year published yet."""

    class YearPublished(ChainedEvent):
        """A year's schedule is published, or corrected when ``replaces_previous``."""

        year: int
        holidays: list[str]
        makeup_workdays: list[str]
        notice: str
        replaces_previous: bool

        def apply(self, calendar: Aggregate) -> None:
            assert isinstance(calendar, HallCalendar)
            calendar._schedules[self.year] = YearSchedule(
                self.year,
                frozenset(map(date.fromisoformat, self.holidays)),
                frozenset(map(date.fromisoformat, self.makeup_workdays)),
            )
            calendar._notices[self.year] = self.notice

    def __init__(self) -> None:
        self._schedules: dict[int, YearSchedule] = {}
        self._notices: dict[int, str] = {}

    @classmethod
    def create(cls, *, at: datetime, actor: Actor) -> HallCalendar:
        """Open the hall's calendar."""
        return cls._start(cls.Opened, cls.ID, at, actor)

    @property
    def published_years(self) -> tuple[int, ...]:
        """The years published so far, in order."""
        return tuple(sorted(self._schedules))

    def schedule(self, year: int) -> YearSchedule | None:
        """The published schedule of ``year``, if any."""
        return self._schedules.get(year)

    def notice(self, year: int) -> str | None:
        """The notice ``year``'s schedule was published under, if any."""
        return self._notices.get(year)

    def is_published_as(self, schedule: YearSchedule, notice: str) -> bool:
        """Whether ``schedule`` is already published, under the same notice."""
        return schedule == self._schedules.get(schedule.year) and notice == self._notices.get(
            schedule.year
        )

    def publish_year(
        self,
        *,
        year: int,
        holidays: Iterable[date],
        makeup_workdays: Iterable[date],
        notice: str,
        at: datetime,
        actor: Actor,
    ) -> None:
        """Publish ``year``'s schedule, or correct the one already published."""
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2999:
            raise InvalidCommand(f"year must be an integer from 2000 to 2999 (got {year!r})")
        if not notice or not notice.strip():
            raise InvalidCommand("notice is required (the State Council notice it follows)")
        schedule = YearSchedule(year, frozenset(holidays), frozenset(makeup_workdays))
        if self.is_published_as(schedule, notice):
            raise InvalidCommand(f"the schedule for {year} is already published as given")
        self._record(
            self.YearPublished,
            at,
            actor,
            year=year,
            holidays=sorted(d.isoformat() for d in schedule.holidays),
            makeup_workdays=sorted(d.isoformat() for d in schedule.makeup_workdays),
            notice=notice,
            replaces_previous=year in self._schedules,
        )

    def working_calendar(self, base: WorkingCalendar) -> WorkingCalendar:
        """``base`` with every published year applied, replacing ``base``'s own schedule."""
        for year in self.published_years:
            base = base.publish(self._schedules[year])
        return base
