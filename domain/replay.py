"""Replay to any moment (DESIGN §3, 纪检监察): an aggregate as its own events made it at
a version or at a time, the calendar and the power list as they stood then, and the
field-level differences between two states.

Read-only over the application's event store: states are rebuilt with the
repository (``repository.get(id, version=...)``), never changed or saved. The state
at a time is the longest run of the aggregate's events, from its first, recorded at
or before that time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Generic, TypeVar
from uuid import UUID

from domain.application import HallApplication
from domain.calendar import WorkingCalendar
from domain.case import Case
from domain.clock import HALL_TZ
from domain.errors import InvalidCommand, NotFound
from domain.events import ChainedAggregate, ChainedEvent
from domain.hall_calendar import HallCalendar
from domain.service_item import ServiceItem

A = TypeVar("A", bound=ChainedAggregate)


@dataclass(frozen=True)
class Moment(Generic[A]):
    """An aggregate at one version, and the event that made that version."""

    state: A
    event: ChainedEvent

    @property
    def version(self) -> int:
        return self.event.originator_version

    @property
    def as_of(self) -> datetime:
        """When the version's event was recorded."""
        return self.event.timestamp


@dataclass(frozen=True)
class Change:
    """One field that differs between two states: its dotted ``path`` (list items by
    index), the value before and after (None where the field is absent)."""

    path: str
    before: Any
    after: Any


def history(app: HallApplication, aggregate_id: UUID) -> list[ChainedEvent]:
    """Every event of the aggregate, in version order (empty for an unknown id)."""
    return [e for e in app.events.get(aggregate_id) if isinstance(e, ChainedEvent)]


def version_at(events: Sequence[ChainedEvent], at: datetime) -> int:
    """How many of ``events`` (one aggregate's, in order) had been recorded at ``at``:
    the version in force then; 0 before the first."""
    if at.tzinfo is None:
        raise InvalidCommand("a time needs a UTC offset, e.g. 2026-03-02T09:00:00+08:00")
    count = 0
    for event in events:
        if event.timestamp > at:
            break
        count += 1
    return count


def case_at(
    app: HallApplication, case_id: UUID, *, version: int | None = None, at: datetime | None = None
) -> Moment[Case]:
    """The case as of ``version`` or as of the time ``at`` (exactly one of them);
    ``NotFound`` for an unknown case, a version it never had, or a time before it."""
    if (version is None) == (at is None):
        raise InvalidCommand("give exactly one of version and at")
    events = history(app, case_id)
    what = f"case {case_id}"
    if at is not None:
        version = version_at(events, at)
        if events and not version:
            raise NotFound(f"{what} did not exist yet at {at.isoformat()}")
    assert version is not None
    return _replayed(app, Case, events, version, what)


def calendar_at(app: HallApplication, at: datetime) -> WorkingCalendar:
    """The working-day calendar as the hall had published it at ``at``."""
    events = history(app, HallCalendar.ID)
    version = version_at(events, at)
    if not version:
        return app.base_calendar
    hall = _replayed(app, HallCalendar, events, version, "the hall calendar").state
    return hall.working_calendar(app.base_calendar)


def end_of_day(day: date) -> datetime:
    """The last moment of ``day`` in the hall's time zone."""
    return datetime.combine(day, time.max, HALL_TZ)


def power_list_on(app: HallApplication, day: date) -> list[Moment[ServiceItem]]:
    """Every service item registered by the end of ``day`` (the hall's time zone), each
    at its version as of then, by code."""
    at = end_of_day(day)
    items = []
    for item_id in app.ids_recording([ServiceItem.Registered]):
        events = history(app, item_id)
        if version := version_at(events, at):
            items.append(_replayed(app, ServiceItem, events, version, f"item {item_id}"))
    return sorted(items, key=lambda moment: moment.state.code)


def events_between(
    events: Sequence[ChainedEvent], from_version: int, to_version: int
) -> list[ChainedEvent]:
    """The events after ``from_version`` up to and including ``to_version``."""
    return [e for e in events if from_version < e.originator_version <= to_version]


def diff(before: Any, after: Any, path: str = "") -> list[Change]:
    """Every leaf that differs between two JSON-like values, objects field by field and
    lists item by item (by index); a value that changes kind is one change."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        keys = [*before, *(key for key in after if key not in before)]
        return _each(keys, before.get, after.get, path)
    if isinstance(before, list) and isinstance(after, list):
        length = max(len(before), len(after))
        return _each(range(length), _item(before), _item(after), path)
    if type(before) is type(after) and before == after:
        return []
    return [Change(path, before, after)]


def _each(
    keys: Sequence[Any] | range,
    before: Callable[[Any], Any],
    after: Callable[[Any], Any],
    path: str,
) -> list[Change]:
    return [
        change
        for key in keys
        for change in diff(before(key), after(key), f"{path}.{key}" if path else str(key))
    ]


def _item(values: list[Any]) -> Callable[[int], Any]:
    return lambda index: values[index] if index < len(values) else None


def _replayed(
    app: HallApplication,
    kind: type[A],
    events: Sequence[ChainedEvent],
    version: int,
    what: str,
) -> Moment[A]:
    """The aggregate of ``kind`` rebuilt from its events up to ``version``."""
    if not events:
        raise NotFound(f"no {what}")
    if not 1 <= version <= len(events):
        raise NotFound(f"{what} has no version {version}; its latest is {len(events)}")
    state: ChainedAggregate = app.repository.get(events[0].originator_id, version=version)
    if not isinstance(state, kind):
        raise NotFound(f"no {what}")
    return Moment(state, events[version - 1])
