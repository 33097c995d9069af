"""The Kafka contract, public: the JSON Schema of every event type and an AsyncAPI document."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from api.exchange_contract import exchange_channels, exchange_operations
from api.openapi import problem_responses
from api.params import EventType
from domain.event_schemas import cloudevent_schema, registry
from domain.notifications import NOTIFICATION_TYPE, notification_schema
from infra.config import Settings
from infra.kafka_security import SASL_PROTOCOLS, checkpoint_topic, notifications_topic

router = APIRouter(prefix="/api/v1", tags=["contract"])
CLOUDEVENTS_JSON = "application/cloudevents+json"
SCHEMA_FORMAT = "application/schema+json;version=draft-2020-12"
CHANNEL = "caseEvents"
CHECKPOINTS = "auditCheckpoints"
NOTIFICATIONS = "notifications"
CHECKPOINT_MESSAGE = {
    "name": "checkpoint",
    "title": "A signed checkpoint of the transparency log",
    "summary": "The audit log's latest signed tree head: a C2SP tlog-checkpoint (origin, tree "
    "size, base64 root hash, one per line) in a C2SP signed note with an Ed25519 signature, as "
    "GET /api/v1/audit/checkpoint serves it. Verify it with the key of GET "
    "/api/v1/audit/verifier-key (Go: golang.org/x/mod/sumdb/note, "
    "github.com/transparency-dev/formats/log); each one is consistent with the one before it.",
    "contentType": "text/plain",
    "payload": {"type": "string"},
    "bindings": {
        "kafka": {
            "key": {"type": "string", "description": "the log's origin"},
            "bindingVersion": "0.5.0",
        }
    },
}
NOTIFICATION_MESSAGE = {
    "name": NOTIFICATION_TYPE,
    "title": "A notification for SMS and messaging gateways",
    "summary": "Each timed alert on a case (deadline warnings and breaches, overdue "
    "procedures, steps and rectifications, their clearing, deemed acceptance and "
    "satisfaction) and each event of a supervision notice (督办), told once more: whom to tell "
    "(department, officer, roles), the deadline and a fixed text in Chinese and English, no "
    "personal data. Its id is the source event's: delivered at least once, de-duplicate on it.",
    "contentType": CLOUDEVENTS_JSON,
    "headers": {
        "type": "object",
        "properties": {
            "ce_id": {"type": "string", "format": "uuid"},
            "ce_type": {"const": NOTIFICATION_TYPE},
        },
        "required": ["ce_id", "ce_type"],
    },
    "payload": {"schemaFormat": SCHEMA_FORMAT, "schema": notification_schema()},
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
    """The topics as an AsyncAPI 3.0 document: one CloudEvents message per event type, and
    the transparency log's signed checkpoints."""
    settings: Settings = request.app.state.settings
    exporter = exchange_channels(settings.topic)
    messages = {
        event_type: {
            "name": event_type,
            "title": schema.name,
            "summary": schema.description,
            "contentType": CLOUDEVENTS_JSON,
            "headers": {
                "type": "object",
                "properties": {
                    "ce_id": {"type": "string", "format": "uuid"},
                    "ce_type": {"const": event_type},
                },
                "required": ["ce_id", "ce_type"],
            },
            "payload": {"schemaFormat": SCHEMA_FORMAT, "schema": cloudevent_schema(event_type)},
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
            "description": "Every recorded event, as a CloudEvents 1.0 structured-mode message "
            "keyed by its aggregate id, in the version it was recorded in.",
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
