"""Human case numbers (办件编号): department code, date, daily sequence."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date
from typing import Protocol


class CaseNumberSequence(Protocol):
    """Hands out the next sequence number for a department and a day."""

    def next(self, department: str, day: date) -> int: ...


class InMemoryCaseNumberSequence:
    """A sequence held in memory, for unit tests."""

    def __init__(self) -> None:
        self._last: defaultdict[tuple[str, date], int] = defaultdict(int)
        self._lock = threading.Lock()

    def next(self, department: str, day: date) -> int:
        """The next number for this department and day, starting at 1."""
        with self._lock:
            self._last[department, day] += 1
            return self._last[department, day]


def format_case_no(department: str, day: date, sequence: int) -> str:
    """E.g. ``SCJG-20261125-0007``."""
    return f"{department}-{day:%Y%m%d}-{sequence:04d}"
