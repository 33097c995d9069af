"""The global order of the event topic, rebuilt from its partitions.

Events are keyed by aggregate, so they spread over partitions, and a consumer reads
them out of their global order (their ``position``, the notification id, which has
gaps). The relay records its position only after the broker has acknowledged every
event up to it; so once every partition has been read up to the end offset it had
*after* that position was read, every event up to that position has been read, and
those may go on in position order. Later ones wait. Pure: no broker, no database.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True, slots=True)
class Pending:
    """A message read but not yet passed on, ordered by its position (then where it was
    read, so a re-published copy follows its first)."""

    position: int
    partition: int
    offset: int
    topic: str = field(compare=False)
    key: bytes | None = field(compare=False, repr=False)
    value: bytes | None = field(compare=False, repr=False)


class PositionOrder:
    """The messages read from every partition, released in position order up to the
    relay's progress once every partition has been read to its end.

    ``resume`` is where reading starts in each partition (the next offset).
    """

    def __init__(self, resume: Mapping[int, int]) -> None:
        self._next = dict(resume)
        self._waiting: list[Pending] = []

    def __len__(self) -> int:
        return len(self._waiting)

    def read(self, partition: int, offset: int, pending: Pending | None = None) -> None:
        """Note that the message at ``offset`` was read; ``pending`` waits for its turn
        (``None``: the message needs no turn, e.g. it was refused at once)."""
        self._next[partition] = max(self._next.get(partition, 0), offset + 1)
        if pending is not None:
            heapq.heappush(self._waiting, pending)

    def caught_up(self, ends: Mapping[int, int]) -> bool:
        """Whether every partition was read up to its end offset in ``ends``."""
        return all(self._next.get(partition, 0) >= end for partition, end in ends.items())

    def release(self, relay_position: int, ends: Mapping[int, int]) -> list[Pending]:
        """The waiting messages up to ``relay_position``, in position order, provided every
        partition was read up to ``ends`` (offsets taken *after* ``relay_position`` was
        read); none otherwise."""
        if not self.caught_up(ends):
            return []
        released = []
        while self._waiting and self._waiting[0].position <= relay_position:
            released.append(heapq.heappop(self._waiting))
        return released

    def resume_offsets(self, unfinished: Iterable[Pending] = ()) -> dict[int, int]:
        """Where to start reading each partition again so as to lose nothing still
        waiting (nor the ``unfinished`` released messages): its earliest such message,
        else past everything read."""
        resume = dict(self._next)
        for pending in (*self._waiting, *unfinished):
            resume[pending.partition] = min(resume[pending.partition], pending.offset)
        return resume
