"""A case's statutory and promised deadlines, computed from its terms and pauses, the
time limits of the Administrative Licensing Law they follow, and the one rule that says
whether a clock kept its limit.

Each clock counts from the day after acceptance, in its limit's unit (working days
``G`` or natural days ``Z``), pauses excluded, up to the event that ends it:

- the statutory clock (法定时限) ends at the decision: Art. 42 gives the limit for
  作出行政许可决定 (a case closed without one, withdrawn, terminated or forwarded, ends
  it at that closure);
- the promised clock (承诺时限, the hall's 承诺办结时限) ends at completion (办结): the
  hall promises the result in the applicant's hands, so delivery counts too (or at any
  other closure).

Days used and the on-time flag of a clock are taken at that same end, with ``on_time``.
A handling step's clock runs from when the step became current (acceptance, the previous
step's completion, or a return to it) to its completion, in ``step_limit``'s unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.calendar import Pause, WorkingCalendar, add_natural_days, natural_days_between
from domain.item_terms import ItemContent, Step, TimeLimit

JOINT_HANDLING_LIMIT = TimeLimit(45, "G")  # Art. 42(2): unified, joint or centralised handling
ORDINARY_EXTENSION_DAYS = 10  # Art. 42(1): with the approval of the department head
JOINT_EXTENSION_DAYS = 15  # Art. 42(2): with the approval of the people's government head
SUPPLEMENT_NOTICE_DAYS = 5  # Art. 32(4): working days after receipt to give the one notice


def statutory_limit(terms: ItemContent) -> TimeLimit:
    """The limit a case is decided within: 45 working days when the item is handled
    jointly with co-departments (Art. 42(2)), else the item's statutory limit."""
    return JOINT_HANDLING_LIMIT if terms.joint else terms.statutory_limit


def step_limit(terms: ItemContent, step: Step) -> TimeLimit:
    """A handling step's limit: its ``limit_days`` in the unit of the item's statutory
    limit (the power list publishes no unit of its own for steps)."""
    return TimeLimit(step.limit_days, terms.statutory_limit.unit)


def on_time(days_used: int, limit_days: int, extension_days: int = 0) -> bool:
    """The one rule of "on time", for every clock and every view: the days a clock used
    up to its end (or so far) are no more than its limit plus any extension. A case is
    late exactly when it used more than 100 % of its limit."""
    return days_used <= limit_days + extension_days


def supplement_notice_due(calendar: WorkingCalendar, received_on: date) -> date:
    """The last day of Art. 32's supplement notice: the 5th working day after receipt."""
    due = calendar.add_working_days(received_on, SUPPLEMENT_NOTICE_DAYS).date
    assert due is not None, "no pause stops this count"
    return due


@dataclass(frozen=True)
class Deadlines:
    """Both deadlines; ``None`` while an open pause stops the clock."""

    statutory: date | None
    promised: date | None
    provisional: bool

    def to_data(self) -> dict[str, Any]:
        """As recorded in an event."""
        return {
            "statutory_deadline": self.statutory.isoformat() if self.statutory else None,
            "promised_deadline": self.promised.isoformat() if self.promised else None,
            "deadline_provisional": self.provisional,
        }


def compute(
    calendar: WorkingCalendar,
    terms: ItemContent,
    accepted_on: date,
    *,
    statutory: TimeLimit,
    pauses: Sequence[Pause] = (),
    statutory_pauses: Sequence[Pause] = (),
    extension_days: int = 0,
) -> Deadlines:
    """Counting starts the day after acceptance; extensions add days. The promised limit
    is the item's, stopped by every pause; the ``statutory`` limit is stopped only by
    ``statutory_pauses`` (Art. 45)."""
    by_law = _deadline(calendar, statutory, accepted_on, statutory_pauses, extension_days)
    promised = _deadline(calendar, terms.promised_limit, accepted_on, pauses, extension_days)
    return Deadlines(
        statutory=by_law[0], promised=promised[0], provisional=by_law[1] or promised[1]
    )


def due_date(
    calendar: WorkingCalendar, limit: TimeLimit, start: date, pauses: Sequence[Pause] = ()
) -> date | None:
    """The last day of ``limit`` counted from the day after ``start`` (None while an open
    pause stops the count first)."""
    return _deadline(calendar, limit, start, pauses, 0)[0]


def _deadline(
    calendar: WorkingCalendar, limit: TimeLimit, start: date, pauses: Sequence[Pause], extra: int
) -> tuple[date | None, bool]:
    days = limit.days + extra
    found = (
        calendar.add_working_days(start, days, pauses)
        if limit.unit == "G"
        else add_natural_days(start, days, pauses)
    )
    return found.date, found.provisional


def days_used(
    calendar: WorkingCalendar, limit: TimeLimit, start: date, today: date, pauses: Sequence[Pause]
) -> int:
    """Days of ``limit``'s unit counted from ``start`` (exclusive) to ``today`` (inclusive)."""
    if limit.unit == "G":
        return calendar.working_days_between(start, today, pauses)
    return natural_days_between(start, today, pauses)


def days_left(calendar: WorkingCalendar, unit: str, due: date, today: date) -> int:
    """Days of ``unit`` from ``today`` to the deadline ``due`` (no pause open): working days
    for ``G``, natural days for ``Z``; negative once it has passed."""
    if unit == "G":
        if due < today:
            return -calendar.working_days_between(due, today)
        return calendar.working_days_between(today, due)
    return (due - today).days


@dataclass(frozen=True)
class ClockReading:
    """One clock as of a day: its limit, the extension granted, the days used (in the
    limit's unit) up to its end or so far, and whether it has ended."""

    limit: TimeLimit
    extension_days: int
    days_used: int
    ended: bool

    @property
    def days_remaining(self) -> int:
        """Days of the limit (with its extension) left; negative once overdue."""
        return self.limit.days + self.extension_days - self.days_used

    @property
    def on_time(self) -> bool:
        """Within the limit at its end, or so far (``on_time``)."""
        return on_time(self.days_used, self.limit.days, self.extension_days)

    def warning(self, threshold_percent: int) -> bool:
        """A running clock that used ``threshold_percent`` of its limit (with extension)."""
        allowed = self.limit.days + self.extension_days
        return not self.ended and self.days_used * 100 >= threshold_percent * allowed


def read_clock(
    calendar: WorkingCalendar,
    limit: TimeLimit,
    start: date,
    until: date,
    pauses: Sequence[Pause],
    *,
    extension_days: int = 0,
    ended: bool = False,
) -> ClockReading:
    """``limit``'s clock started on ``start``, read on ``until`` (its end when ``ended``)."""
    used = days_used(calendar, limit, start, until, pauses)
    return ClockReading(limit, extension_days, used, ended)
