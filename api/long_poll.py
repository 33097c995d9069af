"""Read-your-writes waits (``min_position``) without holding a worker thread: a wait is
an asyncio task awaiting one poller, so waiting clients never take the threads or
connections that staff commands run on.

One poller per API process (an asyncio task on its event loop, its own connection) asks,
every ``POLL_SECONDS`` while anyone waits, which of the positions waited for the public
view has reached, all in one query, and wakes their waiters; a wait arriving while
nobody waits is checked at once. Polling per request took a query per waiter and tick,
and its backoff added up to a quarter second to each wait.

Waits are capped per client (429) and in total (503), both with ``Retry-After``. How
long a wait takes depends only on the position asked for, never on the case asked
about: a request for an unknown case number waits exactly as one for a known case.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import HTTPException
from psycopg_pool import AsyncConnectionPool

from api.metrics import LONG_POLLS_WAITING

log = logging.getLogger(__name__)

POLL_SECONDS = 0.01
# Which of the positions the log has got to, with its event (the latest one at or before
# the position, as ids have gaps that never fill) in its case's public view.
REACHED = """
SELECT p FROM unnest(%(positions)s::bigint[]) AS p
WHERE p <= 0 OR (
    EXISTS (SELECT 1 FROM casetrail_events WHERE notification_id >= p)
    AND EXISTS (
        SELECT 1 FROM public_case_status AS s
        JOIN LATERAL (
            SELECT originator_id, notification_id FROM casetrail_events
            WHERE notification_id <= p ORDER BY notification_id DESC LIMIT 1
        ) AS e ON s.case_id = e.originator_id AND s.position >= e.notification_id
    )
)
"""


class _Waiting:
    """The waiters of one position: woken together, or all given the poller's error."""

    def __init__(self) -> None:
        self.count = 0
        self.done = asyncio.Event()
        self.error: BaseException | None = None


class PositionWaits:
    """Waits of at most ``seconds`` for the public view to reach a log position, at most
    ``per_client`` at once per client and ``total`` at once in this process."""

    def __init__(self, database_url: str, *, per_client: int, total: int, seconds: float) -> None:
        self.pool = AsyncConnectionPool(database_url, min_size=1, max_size=1, open=False)
        self.seconds = seconds
        self.per_client = per_client
        self.total = total
        self._waiting: Counter[str] = Counter()
        self._positions: dict[int, _Waiting] = {}
        self._arrived = asyncio.Event()
        self._poller: asyncio.Task[None] | None = None

    async def open(self) -> None:
        await self.pool.open()
        self._poller = asyncio.create_task(self._poll(), name="long-poll poller")

    async def close(self) -> None:
        if self._poller:
            self._poller.cancel()
            with suppress(asyncio.CancelledError):
                await self._poller
        await self.pool.close()

    async def wait(self, client: str, position: int) -> None:
        """Return once the view holds ``position``, or after ``seconds``."""
        async with self._slot(client):
            waiting = self._positions.setdefault(position, _Waiting())
            waiting.count += 1
            self._arrived.set()
            try:
                with suppress(TimeoutError):
                    await asyncio.wait_for(waiting.done.wait(), self.seconds)
            finally:
                waiting.count -= 1
                if not waiting.count and self._positions.get(position) is waiting:
                    del self._positions[position]
            if waiting.error is not None:
                raise waiting.error

    async def _poll(self) -> None:
        """Every ``POLL_SECONDS`` while anyone waits (at once when the first arrives):
        wake the waiters of the positions reached."""
        while True:
            if not self._positions:
                self._arrived.clear()
                await self._arrived.wait()
            asked = list(self._positions)
            try:
                reached = await self._reached(asked)
            except Exception as error:  # the database is away: the waiters answer for it
                log.warning("long polls: the public view's position unknown: %s", error)
                for position in asked:
                    self._finish(position, error)
            else:
                for position in reached:
                    self._finish(position, None)
            await asyncio.sleep(POLL_SECONDS)

    def _finish(self, position: int, error: BaseException | None) -> None:
        """Wake the waiters of ``position`` (with ``error``), and forget it."""
        waiting = self._positions.pop(position, None)
        if waiting is not None:
            waiting.error = error
            waiting.done.set()

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

    async def _reached(self, positions: list[int]) -> list[int]:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(REACHED, {"positions": positions})
            return [row[0] for row in await cursor.fetchall()]
