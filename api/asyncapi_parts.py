"""The parts every message of the AsyncAPI document is made of: the content types, the
headers of a structured-mode message (Kafka contract version 2) and the event schema as the
CloudEvents Kafka binding reads it."""

from __future__ import annotations

from typing import Any

from domain.stream_contract import ID_HEADER, PARTITION_KEY, STRUCTURED_CONTENT_TYPE, TYPE_HEADER

CLOUDEVENTS_JSON = "application/cloudevents+json"
SCHEMA_FORMAT = "application/schema+json;version=draft-2020-12"
UUID_STRING = {"type": "string", "format": "uuid"}


def with_partition_key(schema: dict[str, Any]) -> dict[str, Any]:
    """An event's JSON Schema that also allows ``partitionkey``: the message key, which the
    CloudEvents Kafka binding reads as that extension attribute."""
    key = {"type": "string", "description": "the Kafka message key, as the binding reads it"}
    return schema | {"properties": schema["properties"] | {PARTITION_KEY: key}}


def structured_headers(event_type: str) -> dict[str, Any]:
    """The headers of a structured-mode message: its content type, id and type (no ``ce_``
    header: that would make it binary mode)."""
    return {
        "type": "object",
        "properties": {
            "content-type": {"const": STRUCTURED_CONTENT_TYPE},
            ID_HEADER: UUID_STRING,
            TYPE_HEADER: {"const": event_type},
        },
        "required": ["content-type", ID_HEADER, TYPE_HEADER],
    }
