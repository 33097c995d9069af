"""A per-client token bucket for case lookups (case number + query code guessing)."""

from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    """``capacity`` lookups at once, refilled at ``capacity / period`` per second per client."""

    def __init__(self, capacity: int, period: float) -> None:
        if capacity < 1 or period <= 0:
            raise ValueError("a rate limit needs at least 1 lookup per positive period")
        self.capacity = capacity
        self.rate = capacity / period
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, setting: str) -> RateLimiter:
        """From ``"30/60"``: 30 lookups per 60 seconds."""
        try:
            count, _, seconds = setting.partition("/")
            return cls(int(count), float(seconds))
        except ValueError:
            raise ValueError(
                f"CASETRAIL_LOOKUP_RATE must look like 30/60 (lookups/seconds), not '{setting}'"
            ) from None

    def retry_after(self, client: str) -> int:
        """0 when ``client`` may look up now (and takes a token), else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, since = self._buckets.get(client, (float(self.capacity), now))
            tokens = min(float(self.capacity), tokens + (now - since) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                return 0
            self._buckets[client] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self.rate))
