"""Hash-chained events: what every recorded event carries, and its public name.

An event's *data* is every field of its class except the library's envelope
(id, version, timestamp, topic) and the chain links. Its CloudEvents ``type`` is
``casetrail.<stream>.<snake_name>.v<class_version>``, the stream being the
aggregate class (``Case.Accepted`` → ``casetrail.case.accepted.v1``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import fields
from datetime import datetime
from typing import Any, Self
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain.actor import Actor
from domain.chain import GENESIS, chain_hash

ENVELOPE_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic", "prevhash", "hash"}
)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class ChainedEvent(Aggregate.Event):
    """Base class of recorded events: the actor and the chain links."""

    actor: dict[str, Any]
    prevhash: str
    hash: str

    def mutate(self, aggregate: Any) -> Any:
        """Apply the event, then move the aggregate's chain head to this event."""
        mutated = super().mutate(aggregate)
        assert mutated is not None
        mutated.head_hash = self.hash
        return mutated


@functools.cache  # a few dozen event classes; asked for once per event published
def type_name(qualname: str, version: int) -> str:
    """The CloudEvents type of version ``version`` of the event class ``qualname``."""
    stream, _, name = qualname.rpartition(".")
    return f"casetrail.{_snake(stream)}.{_snake(name)}.v{version}"


def wire_name(event_class: type[Aggregate.Event]) -> str:
    """The name an event class is stored under, after its module: ``Case.Accepted``."""
    return get_topic(event_class).partition(":")[2]


def event_type(event_class: type[Aggregate.Event]) -> str:
    """The versioned CloudEvents type of an event class (its current version)."""
    return type_name(wire_name(event_class), getattr(event_class, "class_version", 1))


def event_data(event: Aggregate.Event) -> dict[str, Any]:
    """The event's own fields, without envelope or chain links."""
    return {f.name: getattr(event, f.name) for f in fields(event) if f.name not in ENVELOPE_FIELDS}


def hashed_document(event: ChainedEvent) -> dict[str, Any]:
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


class ChainedAggregate(Aggregate):
    """An aggregate whose events form a hash chain and record their actor."""

    head_hash: str

    @classmethod
    def _start(
        cls,
        event_class: type[ChainedEvent],
        aggregate_id: UUID,
        at: datetime,
        actor: Actor,
        **fields: Any,
    ) -> Self:
        """Create the aggregate with its first event."""
        data = {"actor": actor.as_dict(), **fields}
        links = _links(event_class, aggregate_id, 1, at, GENESIS, data)
        return cls._create(event_class, id=aggregate_id, timestamp=at, **data, **links)  # type: ignore[arg-type]

    def _record(
        self, event_class: type[ChainedEvent], at: datetime, actor: Actor, **fields: Any
    ) -> None:
        """Trigger the next event of the chain."""
        data = {"actor": actor.as_dict(), **fields}
        links = _links(event_class, self.id, self.version + 1, at, self.head_hash, data)
        self.trigger_event(event_class, timestamp=at, **data, **links)


def _links(
    event_class: type[ChainedEvent],
    aggregate_id: UUID,
    version: int,
    at: datetime,
    prevhash: str,
    data: dict[str, Any],
) -> dict[str, str]:
    """The chain links (prevhash, hash) of the event about to be recorded."""
    document = {
        "type": event_type(event_class),
        "subject": str(aggregate_id),
        "caseversion": version,
        "time": at.isoformat(),
        "data": data,
        "prevhash": prevhash,
    }
    return {"prevhash": prevhash, "hash": chain_hash(document)}
