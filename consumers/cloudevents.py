"""The Kafka message contract: one recorded event as a CloudEvents 1.0 JSON document.

Events are published as they were recorded, in the version they were recorded
in (never upcast), so that their hash chain verifies from Kafka alone and the
``type`` tells consumers which shape ``data`` has.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson
from eventsourcing.persistence import Mapper, Notification

from domain.events import ENVELOPE_FIELDS, type_name

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
STRUCTURED_CONTENT_TYPE = b"application/cloudevents+json; charset=UTF-8"


def event_id(aggregate_id: UUID | str, version: int) -> str:
    """A stable id for an event, so a re-published duplicate keeps its id."""
    return str(uuid5(NAMESPACE_URL, f"casetrail:case:{aggregate_id}:{version}"))


def recorded_document(notification: Notification, mapper: Mapper[UUID]) -> dict[str, Any]:
    """The event as recorded: the document its hash covers, plus the hash."""
    state = notification.state
    if mapper.cipher:
        state = mapper.cipher.decrypt(state)
    if mapper.compressor:
        state = mapper.compressor.decompress(state)
    fields: dict[str, Any] = mapper.transcoder.decode(state)
    version = fields.pop("class_version", 1)
    return {
        "type": type_name(notification.topic.partition(":")[2], version),
        "subject": str(notification.originator_id),
        "caseversion": notification.originator_version,
        "time": fields["timestamp"].isoformat(),
        "data": {name: value for name, value in fields.items() if name not in ENVELOPE_FIELDS},
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
    """Key, value and headers of the Kafka message for a CloudEvent (structured mode,
    with ``ce_id`` and ``ce_type`` repeated so consumers can filter without decoding)."""
    headers = [
        ("content-type", STRUCTURED_CONTENT_TYPE),
        ("ce_id", cloudevent["id"].encode()),
        ("ce_type", cloudevent["type"].encode()),
    ]
    return cloudevent["subject"].encode(), orjson.dumps(cloudevent), headers


def decode(value: bytes) -> dict[str, Any]:
    """The CloudEvent carried by a Kafka message value."""
    document: dict[str, Any] = orjson.loads(value)
    return document
