"""What every case event carries, and its public name.

An event's *data* is every field of its class except the library's envelope
(id, version, timestamp, topic) and the chain links; the CloudEvents ``type``
is ``casetrail.case.<snake_name>.v<class_version>``.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

from eventsourcing.domain import Aggregate

ENVELOPE_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "prevhash", "hash"}
)


class CaseEvent(Aggregate.Event):
    """Base class of case events: the actor and the chain links."""

    actor: dict[str, Any]
    prevhash: str
    hash: str

    def mutate(self, aggregate: Any) -> Any:
        """Apply the event, then move the aggregate's chain head to this event."""
        mutated = super().mutate(aggregate)
        assert mutated is not None
        mutated.head_hash = self.hash
        return mutated


def event_type(event_class: type[Aggregate.Event]) -> str:
    """The versioned CloudEvents type of an event class."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", event_class.__name__).lower()
    version = getattr(event_class, "class_version", 1)
    return f"casetrail.case.{snake}.v{version}"


def event_data(event: Aggregate.Event) -> dict[str, Any]:
    """The event's own fields, without envelope or chain links."""
    return {f.name: getattr(event, f.name) for f in fields(event) if f.name not in ENVELOPE_FIELDS}


def hashed_document(event: CaseEvent) -> dict[str, Any]:
    """The event in the shape the chain hashes and Kafka carries (plus its hash)."""
    return {
        "type": event_type(type(event)),
        "subject": str(event.originator_id),
        "caseversion": event.originator_version,
        "time": event.timestamp.isoformat(),
        "data": event_data(event),
        "prevhash": event.prevhash,
        "hash": event.hash,
    }
