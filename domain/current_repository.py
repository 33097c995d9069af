"""The application's repository: the current state of several aggregates read in one
query, each held in memory brought up to date by its newer events only.

The library's repository reads one aggregate a query, brings an aggregate held in
memory up to date by changing it in place under a lock, and copies it for every
reader. This one reads a command's case, the case's item and the calendar together;
it never changes a held aggregate, but holds an updated copy in its place, so readers
need no lock and may share it: only an aggregate about to be changed is copied (a
copy costs more than a query: about 0.3 ms for a case).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from copy import deepcopy
from itertools import groupby
from typing import Any, Protocol, cast, runtime_checkable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent


@runtime_checkable
class ManyAggregatesReader(Protocol):
    """A recorder that selects the newer events of many aggregates in one query."""

    def select_events_after(self, versions: Mapping[UUID, int]) -> Sequence[StoredEvent]: ...


class CurrentRepository(Repository[UUID]):
    """Reads aggregates as their events now make them, many in one query."""

    def get(self, aggregate_id: UUID, *, version: int | None = None, **kwargs: Any) -> Any:
        """A copy of the aggregate now (``current``), or at ``version`` (the library's)."""
        if version is not None or kwargs:
            return super().get(aggregate_id, version=version, **kwargs)
        found = self.current([aggregate_id])
        if aggregate_id not in found:
            raise AggregateNotFoundError(aggregate_id)
        return deepcopy(found[aggregate_id])

    def current(self, aggregate_ids: Iterable[UUID]) -> dict[UUID, Aggregate]:
        """Those of ``aggregate_ids`` that exist, in that order, as their events now make
        them: one query for all, asking only the events newer than those held. Each is
        the instance held, shared with every reader: deepcopy one before changing it."""
        ids = list(dict.fromkeys(aggregate_ids))
        held = {i: aggregate for i in ids if (aggregate := self.held(i)) is not None}
        found = self._up_to_date(ids, held)
        for aggregate_id, aggregate in found.items():
            if aggregate is not held.get(aggregate_id):
                self.remember(aggregate)
        return found

    def rebuilt(self, aggregate_ids: Iterable[UUID]) -> dict[UUID, Aggregate]:
        """Those of ``aggregate_ids`` that exist, each built from all its events in one
        query, the caller's own and never held: for a batch about to be changed (the
        sweeper's), cheaper than copying held ones."""
        return self._up_to_date(list(dict.fromkeys(aggregate_ids)), {})

    def _up_to_date(self, ids: list[UUID], held: dict[UUID, Aggregate]) -> dict[UUID, Aggregate]:
        """The aggregates of ``ids`` that exist: each held one as it is when it has no
        newer events, else a copy with them applied (the held one is never changed)."""
        versions = {i: held[i].version if i in held else 0 for i in ids}
        newer: dict[UUID, list[Any]] = {
            originator_id: [self.event_store.mapper.to_domain_event(e) for e in events]
            for originator_id, events in groupby(
                self._events_after(versions), key=lambda e: e.originator_id
            )
        }
        found: dict[UUID, Aggregate] = {}
        for aggregate_id in ids:
            aggregate = held.get(aggregate_id)
            if aggregate_id in newer:
                aggregate = deepcopy(aggregate)
                for event in newer[aggregate_id]:  # the library's projector checks a
                    aggregate = event.mutate(aggregate)  # protocol per event: slow
            if aggregate is not None:
                found[aggregate_id] = aggregate
        return found

    def held(self, aggregate_id: UUID) -> Aggregate | None:
        """The aggregate held in memory, as last read or saved here (not to be changed)."""
        if self.cache is None:
            return None
        try:
            aggregate: Any = self.cache.get(aggregate_id)
        except KeyError:
            return None
        return cast(Aggregate, aggregate)

    def remember(self, aggregate: Aggregate | None) -> None:
        """Hold ``aggregate`` (as read, or as just saved) in memory in place of the one
        held before; from then on it is shared, and no one may change it."""
        if self.cache is not None and aggregate is not None:
            self.cache.put(aggregate.id, aggregate)

    def _events_after(self, versions: Mapping[UUID, int]) -> Sequence[StoredEvent]:
        """The newer events: the library's query for one aggregate (the cheapest to plan),
        the recorder's for many when it has one."""
        recorder = self.event_store.recorder
        if len(versions) > 1 and isinstance(recorder, ManyAggregatesReader):
            return recorder.select_events_after(versions)
        return [e for i, v in versions.items() for e in recorder.select_events(i, gt=v)]
