"""What the projection runner makes of one message: apply it, skip it as a duplicate, or
quarantine it as poison, with the reason.

Pure: the verdict depends only on the message's bytes and on what the consumer
applied last for the message's aggregate (its version and chain head). A message
is poison when it is not JSON, is not a CloudEvent of a known ``type``, fails that
type's JSON Schema, was altered (its hash does not match its content), or does not
continue its aggregate's chain (a version gap, or ``prevhash`` not the stored head).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema_rs
import orjson
from jsonschema import Draft202012Validator

from domain.chain import GENESIS, chain_hash
from domain.event_schemas import cloudevent_schema, registry


@dataclass(frozen=True)
class Applied:
    """Where an aggregate's chain stands for this consumer."""

    version: int
    head: str | None  # None for rows applied before heads were kept


@dataclass(frozen=True)
class Apply:
    """A valid event that continues its chain."""

    event: dict[str, Any]


@dataclass(frozen=True)
class Duplicate:
    """An event applied before (the relay may publish an event twice)."""


@dataclass(frozen=True)
class Ignored:
    """A valid message of a type the consumer does not read."""


@dataclass(frozen=True)
class Poison:
    """A message that must not reach the views; ``subject`` when it names one."""

    reason: str
    subject: str | None = None


Verdict = Apply | Duplicate | Ignored | Poison


@cache
def _validator(event_type: str) -> Draft202012Validator:
    """The reference validator of a type's schema, which words a refusal."""
    schema = cloudevent_schema(event_type)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def _fast_validator(event_type: str) -> jsonschema_rs.Draft202012Validator:
    """A compiled validator of the same schema, about ten times faster: what it accepts
    is accepted; what it refuses, the reference validator judges."""
    return jsonschema_rs.Draft202012Validator(cloudevent_schema(event_type), validate_formats=True)


def decode(value: bytes | None) -> dict[str, Any] | Poison:
    """The JSON object in a message value, or why it is none."""
    try:
        document = orjson.loads(value or b"")
    except orjson.JSONDecodeError as error:
        return Poison(f"not JSON: {error}")
    if not isinstance(document, dict):
        return Poison("not a JSON object")
    return document


def subject_of(document: dict[str, Any]) -> str | None:
    """The aggregate a message names, if it names one."""
    subject = document.get("subject")
    return subject if isinstance(subject, str) else None


def parse(value: bytes | None) -> dict[str, Any] | Poison:
    """The CloudEvent in a message value, or why it is none (not JSON, unknown type, or
    not valid against its type's schema)."""
    event = decode(value)
    if isinstance(event, Poison):
        return event
    subject = subject_of(event)
    event_type = event.get("type")
    if not isinstance(event_type, str) or event_type not in registry():
        return Poison(f"unknown event type {event_type!r}", subject)
    if _fast_validator(event_type).is_valid(event):
        return event
    invalid = next(iter(_validator(event_type).iter_errors(event)), None)
    if invalid is not None:
        where = "/".join(str(p) for p in invalid.absolute_path) or "the event"
        return Poison(f"fails the schema of {event_type} at {where}: {invalid.message}", subject)
    return event


def judge(event: dict[str, Any], applied: Applied | None) -> Verdict:
    """Whether a schema-valid event continues its aggregate's chain as applied so far."""
    subject, version = event["subject"], event["caseversion"]
    last = applied.version if applied else 0
    if version <= last:
        return Duplicate()
    if version != last + 1:
        return Poison(f"version gap: version {version} follows version {last}", subject)
    expected = applied.head if applied else GENESIS
    if expected is not None and event["prevhash"] != expected:
        return Poison(f"chain break: prevhash of version {version} is not the head", subject)
    if chain_hash(event) != event["hash"]:
        return Poison(f"altered: the hash of version {version} does not match", subject)
    return Apply(event)
