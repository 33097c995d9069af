"""A case's statutory and promised deadlines, computed from its terms and pauses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.calendar import Pause, WorkingCalendar, add_natural_days
from domain.item_terms import ItemContent, TimeLimit


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
    pauses: Sequence[Pause] = (),
    extension_days: int = 0,
) -> Deadlines:
    """Counting starts the day after acceptance; pauses stop it; extensions add days."""
    statutory = _deadline(calendar, terms.statutory_limit, accepted_on, pauses, extension_days)
    promised = _deadline(calendar, terms.promised_limit, accepted_on, pauses, extension_days)
    return Deadlines(
        statutory=statutory[0], promised=promised[0], provisional=statutory[1] or promised[1]
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
