"""The event-schema registry: the JSON Schema of every event type the topic may carry.

The current version of each event is described from its class; older versions that
may still appear on the topic (events are published as recorded, never upcast) are
described by a small hand-written table of how they differed (``OLDER_VERSIONS``).
Schemas are JSON Schema 2020-12 documents for the CloudEvents ``data`` object.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any

from domain import case
from domain.anomalies.anomaly import Anomaly
from domain.anomalies.interest import DeclaredInterest
from domain.department import Department
from domain.events import ENVELOPE_FIELDS, ChainedAggregate, ChainedEvent, type_name, wire_name
from domain.hall_calendar import HallCalendar
from domain.inspector_access import InspectorAccess
from domain.service_item import ServiceItem
from domain.supervision_notice import SupervisionNotice

DIALECT = "https://json-schema.org/draft/2020-12/schema"
NESTED_EVENTS: tuple[type[ChainedAggregate], ...] = (  # events in the class
    ServiceItem,
    HallCalendar,
    Department,
    InspectorAccess,
    Anomaly,
    DeclaredInterest,
    SupervisionNotice,
)
ACTOR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "role": {"type": "string"},
        "department": {"type": "string"},
        "simulated": {"const": True},
    },
    "required": ["id", "role", "department"],
    "additionalProperties": False,
}
_SCALARS: dict[Any, str] = {str: "string", int: "integer", bool: "boolean"}
_HEX64 = "^[0-9a-f]{64}$"


@dataclass(frozen=True)
class EventSchema:
    """One version of one event type, and the schema of its CloudEvents ``data``."""

    type: str
    name: str
    version: int
    aggregate: str
    description: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class OlderVersion:
    """How an older version of an event differed from the current class."""

    event_class: type[ChainedEvent]
    version: int
    note: str
    lacked: tuple[str, ...] = ()
    retyped: dict[str, Any] = field(default_factory=dict)
    had: dict[str, Any] = field(default_factory=dict)  # fields the current version dropped


_CLEAR_APPLICANT = {"applicant": dict[str, Any]}
_QUERY_CODE_HASH = {"query_code_hash": str}

OLDER_VERSIONS: tuple[OlderVersion, ...] = (
    *(
        OlderVersion(
            event_class,
            1,
            "no separation-of-duties flag: not required",
            lacked=("separation_of_duties",),
        )
        for event_class in (ServiceItem.Registered, ServiceItem.Revised)
    ),
    OlderVersion(
        case.Submitted,
        1,
        "no item revision: always revision 1; the applicant and a query code hash in clear",
        lacked=("item_revision",),
        retyped=_CLEAR_APPLICANT,
        had=_QUERY_CODE_HASH,
    ),
    OlderVersion(
        case.Submitted,
        2,
        "the applicant and a query code hash in clear",
        retyped=_CLEAR_APPLICANT,
        had=_QUERY_CODE_HASH,
    ),
    OlderVersion(
        case.Accepted,
        1,
        "only the actor, no terms or deadlines; cannot be loaded",
        lacked=(
            "accepted_on",
            "item_revision",
            "terms",
            "statutory_limit",
            "statutory_deadline",
            "promised_deadline",
            "deadline_provisional",
        ),
    ),
    OlderVersion(
        case.Accepted,
        2,
        "no statutory limit: the case ran under the item's",
        lacked=("statutory_limit",),
    ),
    OlderVersion(
        case.SupplementRequested,
        1,
        "no clock flag: a notice in review stopped both clocks",
        lacked=("stops_statutory_clock",),
    ),
    OlderVersion(
        case.NotAccepted,
        1,
        "no appeal notice, competence not stated",
        lacked=("appeal_notice", "outside_competence", "competent_authority"),
    ),
    OlderVersion(
        case.SpecialProcedureStarted,
        1,
        "no clock flag: every procedure stopped both clocks",
        lacked=("stops_statutory_clock",),
    ),
    OlderVersion(
        case.Suspended,
        1,
        "no clock flag: a suspension stopped both clocks",
        lacked=("stops_statutory_clock",),
    ),
    OlderVersion(
        case.DeadlineExtended,
        1,
        "no approval recorded: the department head's",
        lacked=("approved_by", "approval_ref"),
    ),
    OlderVersion(
        case.Decided,
        1,
        "reasons as one string, no appeal notice, no skipped steps",
        lacked=("appeal_notice", "skipped_steps"),
        retyped={"reasons": str},
    ),
    OlderVersion(case.Decided, 2, "no skipped steps", lacked=("skipped_steps",)),
    OlderVersion(
        case.CertificateIssued, 1, "no validity stated", lacked=("valid_from", "valid_until")
    ),
    OlderVersion(
        case.FeeCharged, 1, "no legal basis, even for an override", lacked=("legal_basis",)
    ),
    OlderVersion(
        case.Rated,
        1,
        "the applicant's comment in clear; who rated only in the actor",
        lacked=("sealed_comment", "rated_by", "device"),
        had={"comment": str},
    ),
    OlderVersion(
        case.Rated,
        2,
        "who rated only in the actor (staff could rate)",
        lacked=("rated_by", "device"),
    ),
    OlderVersion(
        case.StepCompleted,
        1,
        "no due date, not judged on time",
        lacked=("due_on", "on_time"),
    ),
    OlderVersion(
        case.Completed,
        1,
        "only the closure result; cannot be loaded",
        lacked=(
            "completed_on",
            "days_used",
            "on_time_promised",
            "statutory_days_used",
            "on_time_statutory",
            "reason",
        ),
    ),
    OlderVersion(
        case.Completed,
        2,
        "no reason; only after a decision, so days used and on-time flags are never null",
        lacked=("statutory_days_used", "reason"),
        retyped={"days_used": int, "on_time_promised": bool, "on_time_statutory": bool},
    ),
    OlderVersion(
        case.Completed,
        3,
        "both flags judged at the decision, days used counted to completion; no statutory"
        " days used",
        lacked=("statutory_days_used",),
    ),
)


def _json_type(annotation: Any) -> dict[str, Any]:
    """The JSON Schema of a field annotation; ``TypeError`` for one it cannot describe."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation in _SCALARS:
        return {"type": _SCALARS[annotation]}
    if origin in (types.UnionType, typing.Union) and len(args) == 2 and type(None) in args:
        inner = _json_type(next(a for a in args if a is not type(None)))
        return {**inner, "type": [inner["type"], "null"]}
    if origin is list and len(args) == 1:
        return {"type": "array", "items": _json_type(args[0])}
    if origin is dict and args[:1] == (str,):
        return {"type": "object"}
    if typing.is_typeddict(annotation):
        hints = typing.get_type_hints(annotation)
        return {
            "type": "object",
            "properties": {name: _json_type(hint) for name, hint in hints.items()},
            "required": sorted(annotation.__required_keys__),
            "additionalProperties": False,
        }
    raise TypeError(f"no JSON Schema for the annotation {annotation!r}")


def _data_fields(event_class: type[ChainedEvent]) -> dict[str, Any]:
    """The resolved annotations of an event class's ``data`` fields, in field order."""
    hints = typing.get_type_hints(event_class)
    return {f.name: hints[f.name] for f in fields(event_class) if f.name not in ENVELOPE_FIELDS}


def _event_classes(aggregate: type[ChainedAggregate]) -> list[type[ChainedEvent]]:
    """The recorded event classes nested in ``aggregate`` (not ``_``-prefixed bases)."""
    return [
        value
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, ChainedEvent) and not name.startswith("_")
    ]


def _summary(event_class: type[ChainedEvent]) -> str:
    """The first line of the docstring as written.

    The aggregate re-creates each nested event class as a subclass of its own ``Event``,
    and that dataclass's ``__doc__`` is its generated signature: the class as written is
    the last one in the MRO with the same qualified name.
    """
    written = [c for c in event_class.__mro__ if c.__qualname__ == event_class.__qualname__][-1]
    return (written.__doc__ or "").strip().splitlines()[0]


def _schema(
    event_class: type[ChainedEvent], version: int, older: OlderVersion | None = None
) -> EventSchema:
    annotations = _data_fields(event_class)
    if older:
        annotations = {
            name: older.retyped.get(name, annotation)
            for name, annotation in annotations.items()
            if name not in older.lacked
        } | older.had
    event_type = type_name(wire_name(event_class), version)
    name = event_type.removeprefix("casetrail.").rpartition(".")[0]
    description = _summary(event_class)
    if older:
        description = f"{description} (v{version}: {older.note})"
    properties = {
        field_name: ACTOR_SCHEMA if field_name == "actor" else _json_type(annotation)
        for field_name, annotation in annotations.items()
    }
    return EventSchema(
        type=event_type,
        name=name,
        version=version,
        aggregate=name.partition(".")[0],
        description=description,
        schema={
            "$schema": DIALECT,
            "title": f"{event_type} data",
            "description": description,
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        },
    )


def recorded_classes() -> tuple[type[ChainedEvent], ...]:
    """Every event class the event store records, in their current versions."""
    return (*case.EVENTS, *(e for a in NESTED_EVENTS for e in _event_classes(a)))


@cache
def registry() -> dict[str, EventSchema]:
    """Every event type the topic may carry, by CloudEvents type (shared: do not mutate)."""
    schemas = [_schema(d.event_class, d.version, d) for d in OLDER_VERSIONS] + [
        _schema(event_class, getattr(event_class, "class_version", 1))
        for event_class in recorded_classes()
    ]
    return {s.type: s for s in sorted(schemas, key=lambda s: (s.name, s.version))}


def envelope_schema() -> dict[str, Any]:
    """The JSON Schema of a whole CloudEvent on the topic (any ``data`` object)."""
    hex64 = {"type": "string", "pattern": _HEX64}
    properties: dict[str, Any] = {
        "specversion": {"const": "1.0"},
        "id": {"type": "string", "format": "uuid"},
        "source": {"type": "string", "pattern": "^/casetrail/.+$"},
        "type": {"type": "string", "pattern": r"^casetrail\.[a-z_]+\.[a-z_]+\.v[1-9][0-9]*$"},
        "subject": {"type": "string", "format": "uuid"},
        "time": {"type": "string", "format": "date-time"},
        "datacontenttype": {"const": "application/json"},
        "data": {"type": "object"},
        "caseversion": {"type": "integer", "minimum": 1},
        "position": {"type": "integer", "minimum": 1},
        "prevhash": hex64,
        "hash": hex64,
    }
    return {
        "$schema": DIALECT,
        "title": "casetrail CloudEvent",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def cloudevent_schema(event_type: str) -> dict[str, Any]:
    """The envelope schema narrowed to one event type: its ``type`` and ``data`` schema."""
    data = {k: v for k, v in registry()[event_type].schema.items() if k != "$schema"}
    envelope = envelope_schema()
    envelope["title"] = f"{event_type} CloudEvent"
    envelope["properties"] |= {"type": {"const": event_type}, "data": data}
    return envelope
