"""Read-your-writes waits (``min_position``) without holding a worker thread: a wait is
an asyncio task polling the projection through a small pool of its own, so waiting
clients never take the threads or connections that staff commands run on.

Waits are capped per client (429) and in total (503), both with ``Retry-After``. How
long a wait takes depends only on the position asked for, never on the case asked
about: a request for an unknown case number waits exactly as one for a known case.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import HTTPException
from psycopg_pool import AsyncConnectionPool

from api.metrics import LONG_POLLS_WAITING

FIRST_POLL_SECONDS = 0.02
LONGEST_POLL_SECONDS = 0.25
# Whether the log has got to ``position`` and its event (the latest one at or before it,
# as ids have gaps that never fill) is in its case's public view.
REACHED = """
SELECT %(position)s <= 0 OR (
    EXISTS (SELECT 1 FROM casetrail_events WHERE notification_id >= %(position)s)
    AND EXISTS (
        SELECT 1 FROM public_case_status AS s
        JOIN (
            SELECT originator_id, notification_id FROM casetrail_events
            WHERE notification_id <= %(position)s ORDER BY notification_id DESC LIMIT 1
        ) AS e ON s.case_id = e.originator_id AND s.position >= e.notification_id
    )
)
"""


class PositionWaits:
    """Waits of at most ``seconds`` for the public view to reach a log position, at most
    ``per_client`` at once per client and ``total`` at once in this process."""

    def __init__(self, database_url: str, *, per_client: int, total: int, seconds: float) -> None:
        self.pool = AsyncConnectionPool(database_url, min_size=1, max_size=2, open=False)
        self.seconds = seconds
        self.per_client = per_client
        self.total = total
        self._waiting: Counter[str] = Counter()

    async def open(self) -> None:
        await self.pool.open()

    async def close(self) -> None:
        await self.pool.close()

    async def wait(self, client: str, position: int) -> None:
        """Return once the view holds ``position``, or after ``seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        delay = FIRST_POLL_SECONDS
        async with self._slot(client):
            while not await self._reached(position):
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
                await asyncio.sleep(min(delay, remaining))
                delay = min(delay * 2, LONGEST_POLL_SECONDS)

    @asynccontextmanager
    async def _slot(self, client: str) -> AsyncIterator[None]:
        """A place among the waits, or a refusal to retry later."""
        retry = {"Retry-After": str(max(1, round(self.seconds)))}
        if self._waiting[client] >= self.per_client:
            raise HTTPException(429, "too many waits from this client at once", headers=retry)
        if self._waiting.total() >= self.total:
            raise HTTPException(503, "too many clients are waiting; retry shortly", headers=retry)
        self._waiting[client] += 1
        LONG_POLLS_WAITING.inc()
        try:
            yield
        finally:
            LONG_POLLS_WAITING.dec()
            self._waiting[client] -= 1
            if not self._waiting[client]:
                del self._waiting[client]

    async def _reached(self, position: int) -> bool:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(REACHED, {"position": position})
            row = await cursor.fetchone()
        return bool(row and row[0])
