"""The case's events as the read side names them: the ``<kind>`` of their CloudEvents
type ``casetrail.case.<kind>.v<n>``, grouped by what they do to a case.

Derived from the event classes, so that the projections never restate a rule of
the domain (which events accept or close a case, stop or restart its clock, move
its deadlines).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from domain.case import (
    CLOSING_EVENTS,
    EVENTS,
    PAUSING_EVENTS,
    SUPERVISION_EVENTS,
    AcceptanceEvent,
    CaseEvent,
    SupplementRequested,
)
from domain.case.state import Resumes
from domain.events import event_type


def kind(event_class: type[CaseEvent]) -> str:
    """``Accepted`` → ``accepted``, ``NotAccepted`` → ``not_accepted``."""
    return event_type(event_class).split(".")[2]


ACCEPTING = frozenset(kind(e) for e in EVENTS if issubclass(e, AcceptanceEvent))
CLOSING = frozenset(kind(e) for e in CLOSING_EVENTS)
PAUSING = frozenset(kind(e) for e in PAUSING_EVENTS)
RESUMING = frozenset(kind(e) for e in EVENTS if issubclass(e, Resumes))
DEADLINE_MOVING = frozenset(
    kind(e) for e in EVENTS if "statutory_deadline" in {f.name for f in fields(e)}
)
SUPPLEMENT_REQUESTED = kind(SupplementRequested)
SUPERVISION = frozenset(kind(e) for e in SUPERVISION_EVENTS)  # the sweeper's, not progress


def stops_clock(event_kind: str, data: dict[str, Any]) -> bool:
    """Whether an event of ``event_kind`` with ``data`` stops the clock (the promised
    one, which every pause stops; the event's ``stops_statutory_clock`` says whether the
    statutory one stops too): a pausing event, or a supplement notice given in review
    (at intake it only holds acceptance)."""
    return event_kind in PAUSING or (
        event_kind == SUPPLEMENT_REQUESTED and data.get("stage") == "review"
    )
