"""A per-client token bucket for case lookups: each lookup that reads a case (or fails)
spends a token; a client without tokens is refused until they refill. Revalidating an
unchanged view with its ETag (the tracking page's polling) spends nothing."""

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
        """0 when ``client`` may look up now, else the seconds until it may."""
        with self._lock:
            tokens = self._tokens(client, time.monotonic())
        return 0 if tokens >= 1 else max(1, math.ceil((1 - tokens) / self.rate))

    def spend(self, client: str) -> None:
        """Take a token from ``client``."""
        now = time.monotonic()
        with self._lock:
            self._buckets[client] = (max(0.0, self._tokens(client, now) - 1), now)

    def _tokens(self, client: str, now: float) -> float:
        tokens, since = self._buckets.get(client, (float(self.capacity), now))
        return min(float(self.capacity), tokens + (now - since) * self.rate)
