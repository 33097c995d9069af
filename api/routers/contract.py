"""The Kafka contract (version 2), public: the JSON Schema of every event type and an
AsyncAPI document of every topic, each message with the JSON Schema of its event in JSON
form (under ``x-cloudevent`` where the value is only the event's data: binary mode)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from api.asyncapi_parts import (
    CLOUDEVENTS_JSON,
    SCHEMA_FORMAT,
    structured_headers,
    with_partition_key,
)
from api.exchange_contract import exchange_channels, exchange_operations
from api.openapi import problem_responses
from api.params import EventType
from domain.event_schemas import cloudevent_schema, registry
from domain.notifications import NOTIFICATION_TYPE, notification_schema
from domain.stream_contract import (
    CHECKPOINT_CONTENT_TYPE,
    CONTRACT_VERSION,
    DEAD_LETTER_CONTENT_TYPE,
    ID_HEADER,
    TYPE_HEADER,
    checkpoint_schema,
    dead_letter_schema,
)
from infra.config import Settings
from infra.kafka_security import (
    SASL_PROTOCOLS,
    checkpoint_topic,
    dead_letter_topic,
    notifications_topic,
)

router = APIRouter(prefix="/api/v1", tags=["contract"])
CLOUDEVENT = "x-cloudevent"  # a binary-mode message's event in JSON form
CHANNEL = "caseEvents"
CHECKPOINTS = "auditCheckpoints"
NOTIFICATIONS = "notifications"
DEAD_LETTERS = "deadLetters"


def binary_message(schema: dict[str, Any], content_type: str, **fields: Any) -> dict[str, Any]:
    """A binary-mode message of the event ``schema`` describes: its attributes in ``ce_``
    headers, its data's content type in ``content-type``, its data as the value."""
    properties = {
        f"ce_{name}": {"type": "string"} | rule
        for name, rule in schema["properties"].items()
        if name not in ("datacontenttype", "data", "data_base64")
    }
    required = [f"ce_{name}" for name in schema["required"] if f"ce_{name}" in properties]
    properties["content-type"] = {"const": content_type}
    return {
        **fields,
        "contentType": content_type,
        "headers": {
            "type": "object",
            "properties": properties,
            "required": [*required, "content-type"],
        },
        CLOUDEVENT: {"schemaFormat": SCHEMA_FORMAT, "schema": with_partition_key(schema)},
    }


CHECKPOINT_MESSAGE = binary_message(
    checkpoint_schema(),
    CHECKPOINT_CONTENT_TYPE,
    name="checkpoint",
    title="A signed checkpoint of the transparency log",
    summary="The audit log's latest signed tree head: a C2SP tlog-checkpoint (origin, tree "
    "size, base64 root hash, one per line) in a C2SP signed note with an Ed25519 signature, as "
    "GET /api/v1/audit/checkpoint serves it. Verify it with the key of GET "
    "/api/v1/audit/verifier-key (Go: golang.org/x/mod/sumdb/note, "
    "github.com/transparency-dev/formats/log); each one is consistent with the one before it. "
    "A binary-mode CloudEvent: the note is its data.",
    payload={"type": "string", "description": "the signed note"},
    bindings={
        "kafka": {
            "key": {"type": "string", "description": "the log's origin"},
            "bindingVersion": "0.5.0",
        }
    },
)
DEAD_LETTER_MESSAGE = binary_message(
    dead_letter_schema(),
    DEAD_LETTER_CONTENT_TYPE,
    name="deadLetter",
    title="A message a consumer refused",
    summary="A message of the event topic that the projection runner or the audit log refused "
    "(not JSON, an unknown type, invalid against its schema, out of its chain), as it was: a "
    "binary-mode CloudEvent whose data are the refused bytes, with the reason and where it "
    "was read as extension attributes, and Kafka Connect's dead-letter headers "
    "(__connect.errors.*) besides. For operators (casetrail quarantine), not integrators.",
    payload={"type": "string", "format": "binary", "description": "the refused value"},
    bindings={
        "kafka": {
            "key": {"type": "string", "description": "the refused message's key, if any"},
            "bindingVersion": "0.5.0",
        }
    },
)
NOTIFICATION_MESSAGE = {
    "name": NOTIFICATION_TYPE,
    "title": "A notification for SMS and messaging gateways",
    "summary": "Each timed alert on a case (deadline warnings and breaches, overdue "
    "procedures, steps and rectifications, their clearing, deemed acceptance and "
    "satisfaction) and each event of a supervision notice (督办), told once more: whom to tell "
    "(department, officer, roles), the deadline and a fixed text in Chinese and English, no "
    "personal data. Its id is the source event's: delivered at least once, de-duplicate on it.",
    "contentType": CLOUDEVENTS_JSON,
    "headers": structured_headers(NOTIFICATION_TYPE),
    "payload": {"schemaFormat": SCHEMA_FORMAT, "schema": with_partition_key(notification_schema())},
    "bindings": {
        "kafka": {
            "key": {"type": "string", "format": "uuid", "description": "the case id"},
            "bindingVersion": "0.5.0",
        }
    },
}
SASL_SCHEMES = {"SCRAM-SHA-512": "scramSha512", "SCRAM-SHA-256": "scramSha256", "PLAIN": "plain"}


@router.get("/events/schemas")
def event_schemas() -> list[dict[str, Any]]:
    """Every event type the topic may carry, older versions included."""
    return [asdict(schema) for schema in registry().values()]


@router.get(
    "/events/schemas/{event_type}",
    responses=problem_responses(descriptions={404: "Unknown event type"}),
)
def event_schema(event_type: EventType) -> dict[str, Any]:
    """One event type (e.g. ``casetrail.case.accepted.v2``) and the schema of its ``data``."""
    schema = registry().get(event_type)
    if schema is None:
        raise HTTPException(404, f"no event type '{event_type}'")
    return asdict(schema)


@router.get("/asyncapi.json")
def asyncapi(request: Request) -> dict[str, Any]:
    """The topics as an AsyncAPI 3.0 document (Kafka contract version 2): one CloudEvents
    message per event type, the notifications, the transparency log's signed checkpoints
    and the dead letters."""
    settings: Settings = request.app.state.settings
    exporter = exchange_channels(settings.topic)
    messages = {
        event_type: {
            "name": event_type,
            "title": schema.name,
            "summary": schema.description,
            "contentType": CLOUDEVENTS_JSON,
            "headers": structured_headers(event_type),
            "payload": {
                "schemaFormat": SCHEMA_FORMAT,
                "schema": with_partition_key(cloudevent_schema(event_type)),
            },
            "bindings": {
                "kafka": {"key": {"type": "string", "format": "uuid"}, "bindingVersion": "0.5.0"}
            },
        }
        for event_type, schema in registry().items()
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "casetrail",
            "version": request.app.version,
            "description": f"Kafka contract version {CONTRACT_VERSION}. Every message is a "
            "CloudEvents 1.0 message that the CloudEvents SDKs' Kafka bindings read with no "
            "configuration. Every recorded event is a structured-mode message (no ce_ header; "
            f"its id and type repeated in the {ID_HEADER} and {TYPE_HEADER} headers) keyed by "
            "its aggregate id, in the version it was recorded in; so are the notifications. "
            "The signed checkpoints and the dead letters are binary-mode messages. Messages "
            "written before version 2 carry ce_id and ce_type headers beside a structured "
            "value: read those as structured mode.",
            "x-contract-version": CONTRACT_VERSION,
        },
        "defaultContentType": CLOUDEVENTS_JSON,
        "servers": {"kafka": kafka_server(settings)},
        "channels": {
            CHANNEL: {
                "address": settings.topic,
                "messages": messages,
                "servers": [{"$ref": "#/servers/kafka"}],
            },
            CHECKPOINTS: {
                "address": checkpoint_topic(settings.topic),
                "description": "Every checkpoint the audit log signs, in order (one partition, "
                "kept forever)",
                "messages": {"checkpoint": CHECKPOINT_MESSAGE},
                "servers": [{"$ref": "#/servers/kafka"}],
            },
            NOTIFICATIONS: {
                "address": notifications_topic(settings.topic),
                "description": "Alerts and supervision notices for gateways (one partition, "
                "kept forever)",
                "messages": {"notification": NOTIFICATION_MESSAGE},
                "servers": [{"$ref": "#/servers/kafka"}],
            },
            DEAD_LETTERS: {
                "address": dead_letter_topic(settings.topic),
                "description": "What the consumers refused (one partition, kept forever)",
                "messages": {"deadLetter": DEAD_LETTER_MESSAGE},
                "servers": [{"$ref": "#/servers/kafka"}],
            },
            **exporter,
        },
        "operations": {
            "receiveCaseEvents": {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{CHANNEL}"},
                "messages": [
                    {"$ref": f"#/channels/{CHANNEL}/messages/{event_type}"}
                    for event_type in messages
                ],
            },
            "receiveAuditCheckpoints": {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{CHECKPOINTS}"},
                "messages": [{"$ref": f"#/channels/{CHECKPOINTS}/messages/checkpoint"}],
            },
            "receiveNotifications": {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{NOTIFICATIONS}"},
                "messages": [{"$ref": f"#/channels/{NOTIFICATIONS}/messages/notification"}],
            },
            "receiveDeadLetters": {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{DEAD_LETTERS}"},
                "messages": [{"$ref": f"#/channels/{DEAD_LETTERS}/messages/deadLetter"}],
            },
            **exchange_operations(exporter),
        },
    }


def kafka_server(settings: Settings) -> dict[str, Any]:
    """The AsyncAPI server: where the brokers are, with TLS or not, and how to log in."""
    security = settings.kafka_security
    server: dict[str, Any] = {
        "host": settings.bootstrap_servers,
        "protocol": "kafka-secure" if security.protocol.endswith("SSL") else "kafka",
    }
    if security.protocol in SASL_PROTOCOLS:
        server["security"] = [
            {
                "type": SASL_SCHEMES.get(security.mechanism, security.mechanism),
                "description": "SASL login as an integrator principal, which may read the "
                "topics in consumer groups of its prefix",
            }
        ]
    return server
