"""The Kafka message contract: one case event as a CloudEvents 1.0 JSON document."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson

from domain.events import ChainedEvent, hashed_document

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"


def event_id(case_id: UUID | str, version: int) -> str:
    """A stable id for a case event, so a re-published duplicate keeps its id."""
    return str(uuid5(NAMESPACE_URL, f"casetrail:case:{case_id}:{version}"))


def to_cloudevent(event: ChainedEvent, *, position: int, hall: str) -> dict[str, Any]:
    """The structured-mode CloudEvent for a recorded case event."""
    document = hashed_document(event)
    return {
        "specversion": SPECVERSION,
        "id": event_id(event.originator_id, event.originator_version),
        "source": f"/casetrail/{hall}",
        "datacontenttype": CONTENT_TYPE,
        "position": position,
        **document,
    }


def encode(cloudevent: dict[str, Any]) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Key, value and headers of the Kafka message for a CloudEvent."""
    headers = [("ce_id", cloudevent["id"].encode()), ("ce_type", cloudevent["type"].encode())]
    return cloudevent["subject"].encode(), orjson.dumps(cloudevent), headers


def decode(value: bytes) -> dict[str, Any]:
    """The CloudEvent carried by a Kafka message value."""
    document: dict[str, Any] = orjson.loads(value)
    return document
