"""Working-day calendar for statutory time limits (行政许可法: 以工作日计算，不含法定节假日).

Dates are plain ``datetime.date`` values in hall-local time (Asia/Shanghai). The holiday
schedule is data the hall publishes year by year (State Council notice, including 调休
make-up working days); a year that has not been published falls back to "Monday to Friday are
working days", and any result depending on such a year is marked provisional.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

from domain.errors import InvalidCommand

MAX_SCAN_DAYS = 20_000
"""Calendar days a deadline computation may scan before it is refused (about 55 years)."""

_ONE_DAY = timedelta(days=1)


def _is_weekend(d: date) -> bool:
    return d.weekday() >= 5


@dataclass(frozen=True)
class YearSchedule:
    """One year's published schedule of holidays and 调休 make-up working days.

    ``holidays`` are days off that would otherwise be working days; weekend days may be listed
    too and change nothing. ``makeup_workdays`` are weekend days that are working days.
    """

    year: int
    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "makeup_workdays", frozenset(self.makeup_workdays))
        outside = sorted(d for d in self.holidays | self.makeup_workdays if d.year != self.year)
        if outside:
            raise InvalidCommand(
                f"schedule for {self.year} lists dates of another year: "
                + ", ".join(d.isoformat() for d in outside)
            )
        both = sorted(self.holidays & self.makeup_workdays)
        if both:
            raise InvalidCommand(
                f"schedule for {self.year} lists dates both as holiday and as make-up working "
                "day: " + ", ".join(d.isoformat() for d in both)
            )
        weekdays = sorted(d for d in self.makeup_workdays if not _is_weekend(d))
        if weekdays:
            raise InvalidCommand(
                f"schedule for {self.year} lists weekdays as make-up working days "
                "(only a Saturday or Sunday can be one): "
                + ", ".join(d.isoformat() for d in weekdays)
            )

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` (a date of this year) is a working day."""
        if d in self.makeup_workdays:
            return True
        return not _is_weekend(d) and d not in self.holidays


@dataclass(frozen=True)
class Pause:
    """A stop of the clock: a day ``d`` is not counted when ``start < d <= end``.

    ``end`` is ``None`` while the pause is still open: then no day after ``start`` is counted.
    """

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise InvalidCommand(
                f"pause cannot resume ({self.end.isoformat()}) before it starts "
                f"({self.start.isoformat()})"
            )

    def covers(self, d: date) -> bool:
        """Whether the clock is stopped on ``d``."""
        return self.start < d and (self.end is None or d <= self.end)


@dataclass(frozen=True)
class Deadline:
    """The last day of a time limit.

    ``date`` is ``None`` when an open pause stops the clock before the limit is used up: the
    deadline is undetermined until the pause is resumed. ``provisional`` is true when a day
    counted over lies in a year whose schedule is not published, so the date may still move.
    """

    date: date | None
    provisional: bool


def _nth_day_after(
    start: date, days: int, pauses: Sequence[Pause], counts: Callable[[date], bool]
) -> tuple[date | None, date]:
    """Find the ``days``-th day after ``start`` that ``counts`` and no pause covers.

    Returns that day (``start`` when ``days`` is 0, ``None`` when an open pause stops the clock
    first) and the last day examined.
    """
    if days < 0:
        raise InvalidCommand(f"a time limit cannot be negative ({days} days)")
    open_since = min((p.start for p in pauses if p.end is None), default=None)
    day, left = start, days
    for _ in range(MAX_SCAN_DAYS):
        if left == 0:
            return day, day
        if open_since is not None and day >= open_since:
            return None, day
        day += _ONE_DAY
        if counts(day) and not any(p.covers(day) for p in pauses):
            left -= 1
    raise InvalidCommand(
        f"a limit of {days} days from {start.isoformat()} does not end within "
        f"{MAX_SCAN_DAYS} calendar days"
    )


def add_natural_days(start: date, days: int, pauses: Sequence[Pause] = ()) -> Deadline:
    """The deadline of a limit in natural days (自然日) counted from the day after ``start``.

    Every calendar day counts unless a pause covers it; a natural-day deadline is never
    provisional.
    """
    end, _ = _nth_day_after(start, days, pauses, lambda _: True)
    return Deadline(end, provisional=False)


def natural_days_between(start: date, end: date, pauses: Sequence[Pause] = ()) -> int:
    """How many days ``d`` with ``start < d <= end`` no pause covers (natural days used)."""
    return _days_between(start, end, pauses, lambda _: True)


def _days_between(
    start: date, end: date, pauses: Sequence[Pause], counts: Callable[[date], bool]
) -> int:
    """How many days ``d`` with ``start < d <= end`` that ``counts`` and no pause covers."""
    used = 0
    day = start + _ONE_DAY
    while day <= end:
        if counts(day) and not any(p.covers(day) for p in pauses):
            used += 1
        day += _ONE_DAY
    return used


class WorkingCalendar:
    """Working days as defined by the published year schedules (immutable)."""

    def __init__(self, schedules: Iterable[YearSchedule] = ()) -> None:
        self._schedules: dict[int, YearSchedule] = {}
        self._days: dict[date, bool] = {}  # each day looked up, remembered (it never changes)
        self._ends: dict[tuple[date, int], Deadline] = {}  # each unpaused count, remembered
        for schedule in schedules:
            if schedule.year in self._schedules:
                raise InvalidCommand(f"the schedule for {schedule.year} is given twice")
            self._schedules[schedule.year] = schedule

    @property
    def published_years(self) -> tuple[int, ...]:
        """The years with a published schedule, in order."""
        return tuple(sorted(self._schedules))

    def is_published(self, year: int) -> bool:
        """Whether ``year`` has a published schedule."""
        return year in self._schedules

    def publish(self, schedule: YearSchedule) -> WorkingCalendar:
        """A calendar with ``schedule`` added, replacing (correcting) any for the same year."""
        schedules = dict(self._schedules)
        schedules[schedule.year] = schedule
        return WorkingCalendar(schedules.values())

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day; Monday to Friday in an unpublished year."""
        known = self._days.get(d)
        if known is None:
            schedule = self._schedules.get(d.year)
            known = not _is_weekend(d) if schedule is None else schedule.is_working_day(d)
            self._days[d] = known
        return known

    def add_working_days(self, start: date, days: int, pauses: Sequence[Pause] = ()) -> Deadline:
        """The ``days``-th working day strictly after ``start`` not covered by a pause.

        Extensions are added to ``days`` by the caller. A limit of 0 ends on ``start``.
        A count no pause touches is remembered: sweeps ask for the same ones again and again.
        """
        if not pauses:
            known = self._ends.get((start, days))
            if known is None:
                known = self._ends[(start, days)] = self._count(start, days, pauses)
            return known
        return self._count(start, days, pauses)

    def _count(self, start: date, days: int, pauses: Sequence[Pause]) -> Deadline:
        end, last = _nth_day_after(start, days, pauses, self.is_working_day)
        return Deadline(end, self._any_unpublished(start, last))

    def working_days_between(self, start: date, end: date, pauses: Sequence[Pause] = ()) -> int:
        """How many working days ``d`` with ``start < d <= end`` no pause covers (days used)."""
        return _days_between(start, end, pauses, self.is_working_day)

    def remaining_working_days(
        self, start: date, days: int, on: date, pauses: Sequence[Pause] = ()
    ) -> int:
        """Working days of a ``days`` limit left after ``on``; negative once overdue."""
        return days - self.working_days_between(start, on, pauses)

    def _any_unpublished(self, start: date, end: date) -> bool:
        """Whether a day ``d`` with ``start < d <= end`` lies in an unpublished year."""
        if end <= start:
            return False
        first = (start + _ONE_DAY).year
        return any(not self.is_published(y) for y in range(first, end.year + 1))


def with_published(
    base: WorkingCalendar, years: Mapping[str, Mapping[str, Sequence[str]]]
) -> WorkingCalendar:
    """``base`` with each year a hall published (``{"2027": {"holidays": [ISO dates],
    "makeup_workdays": [ISO dates]}}``, as the read side keeps them), replacing its own."""
    for year, schedule in years.items():
        base = base.publish(
            YearSchedule(
                int(year),
                frozenset(map(date.fromisoformat, schedule["holidays"])),
                frozenset(map(date.fromisoformat, schedule["makeup_workdays"])),
            )
        )
    return base


def _schedule_from_chinesecalendar(year: int) -> YearSchedule:
    """``year``'s schedule from chinesecalendar; NotImplementedError if it has no data."""
    holidays: set[date] = set()
    makeup: set[date] = set()
    day = date(year, 1, 1)
    while day.year == year:
        workday = bool(chinese_calendar.is_workday(day))
        if _is_weekend(day) and workday:
            makeup.add(day)
        elif not _is_weekend(day) and not workday:
            holidays.add(day)
        day += _ONE_DAY
    return YearSchedule(year, frozenset(holidays), frozenset(makeup))


def seed_from_chinesecalendar(years: Iterable[int] | None = None) -> list[YearSchedule]:
    """Year schedules from the ``chinesecalendar`` package.

    By default every year it covers, from its first year up to the first year it raises
    NotImplementedError for. Asking for a year it does not cover raises ValueError.
    """
    if years is not None:
        try:
            return [_schedule_from_chinesecalendar(year) for year in years]
        except NotImplementedError as e:
            raise ValueError(f"chinesecalendar has no schedule: {e}") from e
    schedules: list[YearSchedule] = []
    year = min(chinese_calendar.holidays).year
    while True:
        try:
            schedules.append(_schedule_from_chinesecalendar(year))
        except NotImplementedError:
            return schedules
        year += 1


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    """The calendar of every year chinesecalendar covers (built once)."""
    return WorkingCalendar(seed_from_chinesecalendar())
