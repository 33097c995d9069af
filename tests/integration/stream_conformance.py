"""Every message on every casetrail topic, read as a stranger would: with the CloudEvents
Python SDK's auto-detecting Kafka reader (``from_kafka_event``, given the message alone),
each event (in its JSON form) checked against the JSON Schema that the AsyncAPI document
served by the API gives for its ``type``. Channels are taken from the document, so a
channel added to it is checked without a change here."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import jsonschema
import orjson
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka_event
from cloudevents.core.formats.json import JSONFormat
from kafka import KafkaConsumer, TopicPartition

CLOUDEVENT = "x-cloudevent"  # a binary-mode message's event schema (else its payload's)


def served_document(base_url: str) -> dict[str, Any]:
    """The AsyncAPI document the API serves (publicly)."""
    response = httpx.get(f"{base_url}/api/v1/asyncapi.json", timeout=30)
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def channels(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each channel that has messages, by name."""
    return {name: c for name, c in document["channels"].items() if c.get("messages")}


def schemas_by_type(channel: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The JSON Schema of each event type a channel's messages may be, by type."""
    found: dict[str, dict[str, Any]] = {}
    for message in channel["messages"].values():
        schema = (message.get(CLOUDEVENT) or message["payload"])["schema"]
        found[schema["properties"]["type"]["const"]] = schema
    return found


def records(options: Mapping[str, Any], topic: str, timeout: float = 60) -> Iterator[Any]:
    """Every record of every partition of ``topic``, from its start to its end now."""
    consumer = KafkaConsumer(**options, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if end[tp] > 0}
        deadline = time.monotonic() + timeout
        while remaining and time.monotonic() < deadline:
            for tp, batch in consumer.poll(timeout_ms=500).items():
                yield from (r for r in batch if r.offset < end[tp])
                if consumer.position(tp) >= end[tp]:
                    remaining.discard(tp)
        assert not remaining, f"could not read {topic} partitions {remaining} to their end"
    finally:
        consumer.close()


def parsed(record: Any) -> BaseCloudEvent:
    """What the SDK's auto-detecting reader makes of a record, given nothing else."""
    return from_kafka_event(KafkaMessage(dict(record.headers or ()), record.key, record.value))


def json_form(event: BaseCloudEvent) -> dict[str, Any]:
    """The event in the JSON event format, as the SDK writes it."""
    document: dict[str, Any] = orjson.loads(JSONFormat().write(event))
    return document


def check_topic(
    options: Mapping[str, Any], topic: str, schemas: Mapping[str, dict[str, Any]]
) -> list[BaseCloudEvent]:
    """Every event on ``topic``, each parsed by the SDK and valid against the schema of its
    type among ``schemas`` (an AssertionError names the first that is not)."""
    formats = jsonschema.FormatChecker()
    validators = {
        t: jsonschema.Draft202012Validator(s, format_checker=formats) for t, s in schemas.items()
    }
    events = []
    for record in records(options, topic):
        where = f"{topic}[{record.partition}]@{record.offset}"
        try:
            event = parsed(record)
        except Exception as error:  # whatever the SDK raises, say where
            raise AssertionError(f"{where}: the CloudEvents SDK refused it: {error!r}") from error
        validator = validators.get(event.get_type())
        assert validator is not None, f"{where}: type {event.get_type()!r} is not the channel's"
        try:
            validator.validate(json_form(event))
        except jsonschema.ValidationError as error:
            raise AssertionError(f"{where} ({event.get_type()}): {error.message}") from error
        events.append(event)
    return events
