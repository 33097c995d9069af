"""The exporter's two channels in the AsyncAPI document: the exchange records (one
message per record type) and the approvals, with the JSON Schemas the code defines
(``domain.exchange.records``)."""

from __future__ import annotations

from typing import Any

from api.asyncapi_parts import (
    CLOUDEVENTS_JSON,
    SCHEMA_FORMAT,
    structured_headers,
    with_partition_key,
)
from domain.exchange.records import (
    APPROVAL_TYPE,
    CONTENT,
    RECORD_TYPES,
    approval_schema,
    exchange_type,
    record_schema,
)
from infra.kafka_security import approvals_topic, exchange_topic

EXCHANGE, APPROVALS = "exchange", "approvals"
_KEY = {
    "kafka": {
        "key": {"type": "string", "description": "申办流水号: the case number"},
        "bindingVersion": "0.5.0",
    }
}


def _message(event_type: str, title: str, summary: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": event_type,
        "title": title,
        "summary": summary,
        "contentType": CLOUDEVENTS_JSON,
        "headers": structured_headers(event_type),
        "payload": {"schemaFormat": SCHEMA_FORMAT, "schema": with_partition_key(schema)},
        "bindings": _KEY,
    }


def exchange_channels(topic: str) -> dict[str, Any]:
    """The channels of the exchange records and of the approvals of event topic ``topic``."""
    records = {
        exchange_type(kind): _message(
            exchange_type(kind),
            (CONTENT[kind].__doc__ or kind).split(":")[0],
            f"{(CONTENT[kind].__doc__ or '').strip()} Version ``version`` of record "
            "``record_id``: a correction is the next version; the id is stable per record id "
            "and version (delivered at least once: de-duplicate on it).",
            record_schema(kind),
        )
        for kind in RECORD_TYPES
    }
    approval = _message(
        APPROVAL_TYPE,
        "An approval with its certificate",
        "For post-approval supervision (审管联动): the case, item, department, decision "
        "day, certificate number and validity, and the applicant (masked). Its id is the "
        "certificate event's (delivered at least once: de-duplicate on it).",
        approval_schema(),
    )
    return {
        EXCHANGE: {
            "address": exchange_topic(topic),
            "description": "Exchange records for provincial platforms (一体化政务服务平台), "
            "keyed by the case number (one partition, kept forever)",
            "messages": records,
            "servers": [{"$ref": "#/servers/kafka"}],
        },
        APPROVALS: {
            "address": approvals_topic(topic),
            "description": "Approvals with a certificate, for regulators (one partition, "
            "kept forever)",
            "messages": {"approval": approval},
            "servers": [{"$ref": "#/servers/kafka"}],
        },
    }


def exchange_operations(channels: dict[str, Any]) -> dict[str, Any]:
    """The receive operations of ``exchange_channels``."""
    return {
        f"receive{name.capitalize()}": {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{name}"},
            "messages": [
                {"$ref": f"#/channels/{name}/messages/{message}"}
                for message in channels[name]["messages"]
            ],
        }
        for name in (EXCHANGE, APPROVALS)
    }
