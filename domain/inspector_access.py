"""The InspectorAccess aggregate: one read of the audit trail by an inspector, on record.

Inspectors' reads of trails, replays, officers' activity and decrypted personal data
are themselves events (DESIGN §5): who read (the actor, from the verified token), what
(the read and its parameters), about which case or officer, for which case file (案卷),
and when (the event's time). Each read is an aggregate of its own with one event, so
that reads never contend with each other; the transparency log covers them like any
other event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self
from uuid import uuid4

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.events import ChainedAggregate, ChainedEvent
from domain.item_terms import checked_text


class InspectorAccess(ChainedAggregate):
    """An inspector's read of the audit trail."""

    class Recorded(ChainedEvent, Aggregate.Created):
        """查阅记录: an inspector read part of the audit trail for a case file (案卷)."""

        read: str
        parameters: dict[str, Any]
        case_file: str
        case_id: str | None
        case_no: str | None
        officer: str | None

    def __init__(self) -> None:
        """Nothing to keep but the event (the library would derive an ``__init__``)."""

    @classmethod
    def record(
        cls,
        *,
        at: datetime,
        actor: Actor,
        read: str,
        parameters: dict[str, Any],
        case_file: str,
        case_id: str | None = None,
        case_no: str | None = None,
        officer: str | None = None,
    ) -> Self:
        """Record the read ``read`` (with its ``parameters``) for ``case_file``, about
        the case or officer it concerns."""
        return cls._start(
            cls.Recorded,
            uuid4(),
            at,
            actor,
            read=checked_text(read, "read"),
            parameters=parameters,
            case_file=checked_text(case_file, "case_file").strip(),
            case_id=case_id,
            case_no=case_no,
            officer=officer,
        )
