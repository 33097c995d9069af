"""Rates of work watched from outside: a process's progress polled with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """Work done per second between the first progress seen and the end of the watch;
    ``done`` whether the whole target was reached before the deadline."""

    per_second: float
    counted: int
    seconds: float
    done: bool


def watch(
    progress: Callable[[], int],
    target: int,
    bound: float,
    *,
    since: int | None = None,
    start_bound: float = 60.0,
    pause: float = 0.1,
) -> Rate:
    """Poll ``progress`` until it reaches ``target`` or ``bound`` seconds pass. The clock
    starts when progress first moves past ``since`` (its first value when None; waited
    for at most ``start_bound`` seconds): a process's start-up is not counted, the first
    batch it finished is not either."""
    watched = time.perf_counter()
    start_value = progress() if since is None else since
    deadline = time.monotonic() + start_bound
    while (first := progress()) <= start_value and time.monotonic() < deadline:
        time.sleep(pause / 5)
    deadline = time.monotonic() + bound
    started, last = time.perf_counter(), first
    if first >= target:  # all in one step: counted from the start of the watch
        started, first = watched, start_value
    while last < target and time.monotonic() < deadline:
        time.sleep(pause)
        last = progress()
    seconds = time.perf_counter() - started
    counted = last - first
    per_second = counted / seconds if seconds > 0 and counted > 0 else 0.0
    return Rate(per_second, counted, seconds, last >= target)
