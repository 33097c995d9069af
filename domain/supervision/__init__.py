"""Supervision's timed rules (电子监察), pure: when each fires for a case, what is due on a
day, how the sweeper records it, and the light of a case.

``schedule(case, calendar)`` gives the day each timed rule still to record fires (and the
clearing of every active alert that no longer stands); ``due(case, calendar, today)`` what
of it is due by ``today``; ``record(case, due, …)`` records one of those through the
case's own commands, which check it against the one rule of ``domain.deadlines``.
"""

from domain.supervision.timed import (
    RULES,
    SWEEPER,
    Due,
    ItemTerms,
    Swept,
    due,
    light,
    record,
    schedule,
    sweep,
)

__all__ = [
    "RULES",
    "SWEEPER",
    "Due",
    "ItemTerms",
    "Swept",
    "due",
    "light",
    "record",
    "schedule",
    "sweep",
]
