"""The Kafka contract, version 2: what every message on the topics is, as CloudEvents 1.0.

JSON messages (the case events, the notifications) are structured-mode CloudEvents with
no ``ce_`` header, so the CloudEvents SDKs' Kafka bindings read them without
configuration; their id and type are repeated in the ``casetrail-id`` and
``casetrail-type`` headers for filtering without decoding. The messages whose value is
not JSON (the audit log's signed checkpoints, the refused messages on the dead-letter
topic) are binary-mode CloudEvents: the value as it always was, the attributes below in
``ce_`` headers. Here: their types, their attributes and the JSON Schema of each as an
event in JSON form (attributes and ``data``), as the SDKs read it. Pure: the Kafka
adapters turn attributes into headers.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL

from domain.event_schemas import DIALECT

CONTRACT_VERSION = 2
SPECVERSION = "1.0"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"
ID_HEADER = "casetrail-id"  # structured mode: the event's id, for filtering
TYPE_HEADER = "casetrail-type"  # structured mode: the event's type, for filtering
CHECKPOINT_TYPE = "casetrail.audit.checkpoint.v1"
CHECKPOINT_SOURCE = "/casetrail/audit-log"
CHECKPOINT_CONTENT_TYPE = "text/plain; charset=utf-8"
DEAD_LETTER_TYPE = "casetrail.dead_letter.v1"
DEAD_LETTER_CONTENT_TYPE = "application/octet-stream"
PARTITION_KEY = "partitionkey"  # the Kafka key, as the CloudEvents Kafka binding reads it
ID_PREFIX = hashlib.sha1(NAMESPACE_URL.bytes + b"casetrail:")  # every stable id's start


def stable_id(kind: str, *parts: object) -> str:
    """An event id that is the same each time the same thing is published: the name-based
    UUID (version 5, RFC 9562) of ``casetrail:<kind>:<parts>`` in the URL namespace, as
    ``uuid.uuid5`` makes it, formatted here directly (the ``UUID`` object took a third
    of the relay's time per event), from a copy of the namespace and prefix hashed once."""
    hashed = ID_PREFIX.copy()
    hashed.update(":".join((kind, *map(str, parts))).encode())
    digest = bytearray(hashed.digest()[:16])
    digest[6] = digest[6] & 0x0F | 0x50  # version 5
    digest[8] = digest[8] & 0x3F | 0x80  # the RFC's variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def checkpoint_attributes(note: str, time: datetime) -> dict[str, str]:
    """The CloudEvents attributes of a signed checkpoint (its id derived from the note)."""
    return {
        "id": stable_id("checkpoint", note),
        "source": CHECKPOINT_SOURCE,
        "type": CHECKPOINT_TYPE,
        "time": time.isoformat(),
    }


def dead_letter_attributes(
    *,
    consumer: str,
    topic: str,
    partition: int,
    offset: int,
    reason: str,
    subject: str | None,
    time: datetime,
) -> dict[str, str]:
    """The CloudEvents attributes of a message ``consumer`` refused: where it was read and
    why it was refused (extension attributes), and the subject it named, if any."""
    return {
        "id": stable_id("dead-letter", consumer, topic, partition, offset),
        "source": f"/casetrail/consumers/{consumer}",
        "type": DEAD_LETTER_TYPE,
        "time": time.isoformat(),
        "reason": reason,
        "origintopic": topic,
        "originpartition": str(partition),
        "originoffset": str(offset),
    } | ({"subject": subject} if subject else {})


def _schema(title: str, properties: dict[str, Any], optional: set[str]) -> dict[str, Any]:
    return {
        "$schema": DIALECT,
        "title": title,
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


_COMMON: dict[str, Any] = {
    "specversion": {"const": SPECVERSION},
    "id": {"type": "string", "format": "uuid"},
    "time": {"type": "string", "format": "date-time"},
}


def checkpoint_schema() -> dict[str, Any]:
    """The JSON Schema of a checkpoint message as an event in JSON form."""
    return _schema(
        f"{CHECKPOINT_TYPE} CloudEvent",
        {
            **_COMMON,
            "source": {"const": CHECKPOINT_SOURCE},
            "type": {"const": CHECKPOINT_TYPE},
            "datacontenttype": {"const": CHECKPOINT_CONTENT_TYPE},
            "data": {"type": "string", "description": "the signed note, as the value holds it"},
        },
        optional=set(),
    )


def dead_letter_schema() -> dict[str, Any]:
    """The JSON Schema of a dead letter as an event in JSON form: its ``data`` the refused
    bytes (as text, or ``data_base64`` if they are not UTF-8; neither if there were none)."""
    digits = {"type": "string", "pattern": "^[0-9]+$"}
    return _schema(
        f"{DEAD_LETTER_TYPE} CloudEvent",
        {
            **_COMMON,
            "source": {"type": "string", "pattern": "^/casetrail/consumers/.+$"},
            "type": {"const": DEAD_LETTER_TYPE},
            "subject": {"type": "string", "description": "the subject it named, if any"},
            "datacontenttype": {"const": DEAD_LETTER_CONTENT_TYPE},
            "reason": {"type": "string", "description": "why it was refused"},
            "origintopic": {"type": "string", "description": "the topic it was read from"},
            "originpartition": digits,
            "originoffset": digits,
            "data": {"type": "string"},
            "data_base64": {"type": "string", "contentEncoding": "base64"},
        },
        optional={"subject", "data", "data_base64"},
    )
