"""A case's statutory and promised deadlines, computed from its terms and pauses, and the
time limits of the Administrative Licensing Law they follow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.calendar import Pause, WorkingCalendar, add_natural_days
from domain.item_terms import ItemContent, TimeLimit

JOINT_HANDLING_LIMIT = TimeLimit(45, "G")  # Art. 42(2): unified, joint or centralised handling
ORDINARY_EXTENSION_DAYS = 10  # Art. 42(1): with the approval of the department head
JOINT_EXTENSION_DAYS = 15  # Art. 42(2): with the approval of the people's government head
SUPPLEMENT_NOTICE_DAYS = 5  # Art. 32(4): working days after receipt to give the one notice


def statutory_limit(terms: ItemContent) -> TimeLimit:
    """The limit a case is decided within: 45 working days when the item is handled
    jointly with co-departments (Art. 42(2)), else the item's statutory limit."""
    return JOINT_HANDLING_LIMIT if terms.joint else terms.statutory_limit


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
    if today <= start:
        return 0
    return sum(
        1
        for offset in range(1, (today - start).days + 1)
        if not any(p.covers(date.fromordinal(start.toordinal() + offset)) for p in pauses)
    )
