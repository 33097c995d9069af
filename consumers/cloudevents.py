"""The Kafka message contract (version 2, ``domain.stream_contract``): one recorded event
as a CloudEvents 1.0 JSON document, and the Kafka messages of CloudEvents.

Events are published as they were recorded, in the version they were recorded
in (never upcast), so that their hash chain verifies from Kafka alone and the
``type`` tells consumers which shape ``data`` has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, Notification

from domain.event_states import EventStateTranscoder
from domain.events import ENVELOPE_FIELDS, type_name
from domain.stream_contract import ID_HEADER as ID_HEADER
from domain.stream_contract import SPECVERSION as SPECVERSION
from domain.stream_contract import STRUCTURED_CONTENT_TYPE, stable_id
from domain.stream_contract import TYPE_HEADER as TYPE_HEADER

CONTENT_TYPE = "application/json"
BINARY_PREFIX = "ce_"  # binary mode's attribute headers; never in structured mode
VERSION_1_TYPE_HEADER = "ce_type"  # the type header of structured messages before version 2


def event_id(aggregate_id: UUID | str, version: int) -> str:
    """A stable id for an event, so a re-published duplicate keeps its id."""
    return stable_id("case", aggregate_id, version)


def recorded_document(notification: Notification, mapper: Mapper[UUID]) -> dict[str, Any]:
    """The event as recorded: the document its hash covers, plus the hash."""
    state = notification.state
    if mapper.cipher:
        state = mapper.cipher.decrypt(state)
    if mapper.compressor:
        state = mapper.compressor.decompress(state)
    if not isinstance(mapper.transcoder, EventStateTranscoder):
        raise TypeError("recorded events are read with the application's transcoder")
    fields = mapper.transcoder.decode_recorded(state)
    return stored_document(
        notification.topic, notification.originator_id, notification.originator_version, fields
    )


def stored_document(
    topic: str, originator_id: UUID | str, version: int, fields: dict[str, Any]
) -> dict[str, Any]:
    """The document of an event stored under ``topic`` as ``fields``: its decoded state,
    the timestamp as the text it is stored as (``EventStateTranscoder.decode_recorded``)."""
    return {
        "type": type_name(topic.partition(":")[2], fields.get("class_version", 1)),
        "subject": str(originator_id),
        "caseversion": version,
        "time": fields["timestamp"],
        "data": {
            name: value
            for name, value in fields.items()
            if name not in ENVELOPE_FIELDS and name != "class_version"
        },
        "prevhash": fields["prevhash"],
        "hash": fields["hash"],
    }


def to_cloudevent(document: dict[str, Any], *, position: int, hall: str) -> dict[str, Any]:
    """The structured-mode CloudEvent of a recorded event document."""
    return {
        "specversion": SPECVERSION,
        "id": event_id(document["subject"], document["caseversion"]),
        "source": f"/casetrail/{hall}",
        "datacontenttype": CONTENT_TYPE,
        "position": position,
        **document,
    }


def encode(cloudevent: dict[str, Any]) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Key, value and headers of the Kafka message for a CloudEvent (structured mode, with
    its id and type repeated in ``casetrail-id`` and ``casetrail-type`` so consumers can
    filter without decoding; no ``ce_`` header, which would make it binary mode)."""
    headers = [
        ("content-type", STRUCTURED_CONTENT_TYPE.encode()),
        (ID_HEADER, cloudevent["id"].encode()),
        (TYPE_HEADER, cloudevent["type"].encode()),
    ]
    return cloudevent["subject"].encode(), orjson.dumps(cloudevent), headers


def binary_headers(attributes: Mapping[str, str], content_type: str) -> list[tuple[str, bytes]]:
    """The headers of a binary-mode message whose value is the event's data: each
    attribute as ``ce_<name>`` (``ce_specversion`` first), and the data's content type."""
    return [
        (f"{BINARY_PREFIX}specversion", SPECVERSION.encode()),
        *((f"{BINARY_PREFIX}{name}", value.encode()) for name, value in attributes.items()),
        ("content-type", content_type.encode()),
    ]


def type_header(headers: Any) -> str | None:
    """The event type a consumer record's ``headers`` name, if any: ``casetrail-type``,
    or ``ce_type`` on a message written before version 2 of the contract."""
    found = dict(headers or ())
    value = found.get(TYPE_HEADER, found.get(VERSION_1_TYPE_HEADER))
    return value.decode() if isinstance(value, bytes) else None


def decode(value: bytes) -> dict[str, Any]:
    """The CloudEvent carried by a Kafka message value."""
    document: dict[str, Any] = orjson.loads(value)
    return document
