"""An open-loop load: requests started at a fixed offered rate whatever the answers, at
most ``max_in_flight`` at once. A request whose start finds every slot taken is shed
(counted, never sent late), so the offered schedule holds and a slow server shows as
fewer completions, not as a slower schedule."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass


@dataclass
class OpenLoopStats:
    """What one open-loop run did."""

    offered: int = 0  # requests the schedule started or shed
    completed: int = 0
    failed: int = 0
    shed: int = 0  # not sent: every slot was in flight at its start time
    seconds: float = 0.0  # from the first start to the last answer

    @property
    def achieved_per_s(self) -> float:
        """Completed requests per second."""
        return self.completed / self.seconds if self.seconds else 0.0


def run_open_loop(
    rate_per_s: float, duration_s: float, max_in_flight: int, send: Callable[[int], None]
) -> OpenLoopStats:
    """Call ``send(i)`` for i = 0, 1, … at ``rate_per_s`` for ``duration_s``, on up to
    ``max_in_flight`` threads; wait for the last answer. ``send`` raising counts as failed."""
    stats = OpenLoopStats()
    slots = threading.BoundedSemaphore(max_in_flight)
    lock = threading.Lock()

    def one(index: int) -> None:
        try:
            send(index)
            outcome = "completed"
        except Exception:  # a failed request is a figure, not a crash
            outcome = "failed"
        finally:
            slots.release()
        with lock:
            setattr(stats, outcome, getattr(stats, outcome) + 1)

    total = max(1, round(rate_per_s * duration_s))
    started = time.perf_counter()
    with ThreadPoolExecutor(max_in_flight) as pool:
        for index in range(total):
            pause = started + index / rate_per_s - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            stats.offered += 1
            if slots.acquire(blocking=False):
                pool.submit(one, index)
            else:
                stats.shed += 1
    stats.seconds = time.perf_counter() - started
    return stats
