"""The lookup budget: a token bucket per client, kept in PostgreSQL so that every API
process spends from the same one. Each lookup is charged before any work, in one
atomic statement (``charge``); a client without a whole token is refused until the
bucket refills. A bucket untouched for a whole period is full again, so its row is
deleted (``purge``)."""

from __future__ import annotations

import math
import threading
import time

from psycopg_pool import ConnectionPool

# The bucket's level now: what it held plus what has refilled since, at most full.
_LEVEL = (
    "LEAST(%(capacity)s, b.tokens + %(rate)s * "
    "GREATEST(0, extract(epoch FROM now() - b.updated_at)))"
)
CHARGE = f"""
INSERT INTO lookup_budgets AS b (client, tokens, granted, updated_at)
VALUES (%(client)s, %(capacity)s - 1, true, now())
ON CONFLICT (client) DO UPDATE SET
    tokens = CASE WHEN {_LEVEL} >= 1 THEN {_LEVEL} - 1 ELSE {_LEVEL} END,
    granted = {_LEVEL} >= 1,
    updated_at = GREATEST(b.updated_at, now())
RETURNING granted, tokens
"""
PURGE = "DELETE FROM lookup_budgets WHERE updated_at < now() - make_interval(secs => %s)"


class LookupBudget:
    """``capacity`` lookups at once per client, refilled at ``capacity / period`` per second."""

    def __init__(self, pool: ConnectionPool, capacity: int, period: float) -> None:
        self.pool = pool
        self.capacity = capacity
        self.period = period
        self.rate = capacity / period
        self._purged_at = -math.inf
        self._purge_lock = threading.Lock()

    @classmethod
    def parse(cls, pool: ConnectionPool, setting: str) -> LookupBudget:
        """From ``"30/60"``: 30 lookups per 60 seconds."""
        count, seconds = parse_rate(setting)
        return cls(pool, count, seconds)

    def charge(self, client: str) -> int:
        """Spend one lookup of ``client``'s: 0 when it had one, else the seconds until it
        will have (and nothing is spent)."""
        self._purge_now_and_then()
        params = {"client": client, "capacity": self.capacity, "rate": self.rate}
        with self.pool.connection() as conn:
            row = conn.execute(CHARGE, params).fetchone()
        assert row is not None
        granted, tokens = row
        return 0 if granted else max(1, math.ceil((1 - tokens) / self.rate))

    def purge(self) -> int:
        """Delete the buckets that are full again; how many."""
        with self.pool.connection() as conn:
            return conn.execute(PURGE, (self.period,)).rowcount

    def _purge_now_and_then(self) -> None:
        """Purge at most once a period per process."""
        now = time.monotonic()
        with self._purge_lock:
            if now - self._purged_at < self.period:
                return
            self._purged_at = now
        self.purge()


def parse_rate(setting: str) -> tuple[int, float]:
    """``"30/60"`` as (30, 60.0), checked."""
    try:
        count, _, seconds = setting.partition("/")
        parsed = int(count), float(seconds)
    except ValueError:
        parsed = (0, 0.0)
    if parsed[0] < 1 or not 0 < parsed[1] < math.inf:
        raise ValueError(
            f"CASETRAIL_LOOKUP_RATE must look like 30/60 (lookups/seconds), not '{setting}'"
        )
    return parsed
