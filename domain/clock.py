"""The time source used by the domain, injectable for tests and demos."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.errors import InvalidCommand

HALL_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    """Tells the current time as an aware UTC datetime."""

    simulated: bool

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's clock."""

    simulated = False

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that starts at a given moment and stands still, advances with real time,
    or is moved on explicitly (demos and tests only; every event under it is marked)."""

    simulated = True

    def __init__(self, start: datetime, *, advancing: bool = False) -> None:
        if start.tzinfo is None:
            raise InvalidCommand("a simulated time needs a UTC offset, e.g. 2026-03-02T09:00+08:00")
        self._start = start.astimezone(UTC)
        self._offset = timedelta()
        self._since = time.monotonic() if advancing else None

    @classmethod
    def parse(cls, setting: str) -> SimulatedClock:
        """From ``CASETRAIL_SIMULATED_NOW``: an ISO 8601 time, optionally ``,advancing``."""
        moment, _, mode = setting.partition(",")
        if mode not in ("", "advancing"):
            raise InvalidCommand(
                f"CASETRAIL_SIMULATED_NOW: unknown mode '{mode}' (use ',advancing')"
            )
        try:
            start = datetime.fromisoformat(moment.strip())
        except ValueError:
            raise InvalidCommand(
                f"CASETRAIL_SIMULATED_NOW: '{moment}' is not an ISO 8601 time"
            ) from None
        return cls(start, advancing=mode == "advancing")

    def now(self) -> datetime:
        """The simulated time."""
        running = timedelta(seconds=time.monotonic() - self._since) if self._since else timedelta()
        return self._start + self._offset + running

    def advance(self, delta: timedelta) -> None:
        """Move the clock on (a demo generator walks cases through the weeks this way)."""
        self._offset += delta
