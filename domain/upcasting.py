"""The read side's one upcaster: an event's data in an older version of its type,
brought to the current version by the event class's own upcasters (the ones the
event store uses when it loads an aggregate), so that every consumer handles only
current versions. Events stay on the topic as they were recorded (their hashes
cover that form); consumers upcast what they read.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from domain.event_schemas import recorded_classes
from domain.events import ChainedEvent, event_type


@cache
def _classes() -> dict[str, type[ChainedEvent]]:
    """Each event class by its type name without the version (``casetrail.case.decided``)."""
    return {event_type(c).rpartition(".v")[0]: c for c in recorded_classes()}


def current(versioned_type: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The current type and data of an event recorded as ``versioned_type``; a copy,
    never the given data. ``KeyError`` for an unknown type; ``UnsupportedHistory`` for
    a version the domain cannot bring forward (it cannot load such a case either)."""
    name, _, version = versioned_type.rpartition(".v")
    event_class = _classes()[name]
    latest = getattr(event_class, "class_version", 1)
    recorded = int(version)
    if recorded == latest:
        return versioned_type, data
    upcast = copy.deepcopy(data)
    for step in range(recorded, latest):
        getattr(event_class, f"upcast_v{step}_v{step + 1}")(upcast)
    return f"{name}.v{latest}", upcast


def current_event(event: dict[str, Any]) -> dict[str, Any]:
    """A CloudEvent with its ``type`` and ``data`` in the current version."""
    versioned_type, data = current(event["type"], event["data"])
    return (
        event
        if versioned_type == event["type"]
        else {**event, "type": versioned_type, "data": data}
    )
