"""Version 2 of the Kafka contract: the messages whose value is not JSON are binary-mode
CloudEvents that the CloudEvents SDK reads, whose JSON form its schema describes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid4, uuid5

import jsonschema
import orjson
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka_event
from cloudevents.core.formats.json import JSONFormat
from hypothesis import given
from hypothesis import strategies as st

from api.asyncapi_parts import with_partition_key
from consumers.cloudevents import binary_headers, type_header
from consumers.dead_letters import dead_letter_headers
from consumers.validation import Poison
from domain.stream_contract import (
    CHECKPOINT_CONTENT_TYPE,
    CHECKPOINT_TYPE,
    DEAD_LETTER_TYPE,
    checkpoint_attributes,
    checkpoint_schema,
    dead_letter_schema,
    stable_id,
)

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
NOTE = "casetrail.demo-hall/audit-log\n12\nq0mNo+Xb3z0=\n\n— casetrail.demo-hall/audit-log abc=\n"


def read(headers: list[tuple[str, bytes]], key: bytes | None, value: bytes) -> Any:
    """What the SDK's auto-detecting reader makes of a message, with no argument but it."""
    return from_kafka_event(KafkaMessage(dict(headers), key, value))


def json_form(event: Any) -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads(JSONFormat().write(event))
    return document


def test_a_checkpoint_is_a_binary_mode_event_with_its_note_as_data() -> None:
    headers = binary_headers(checkpoint_attributes(NOTE, NOW), CHECKPOINT_CONTENT_TYPE)
    assert [name for name, _ in headers if not name.startswith("ce_")] == ["content-type"]
    event = read(headers, b"casetrail.demo-hall/audit-log", NOTE.encode())
    assert (event.get_type(), event.get_data(), event.get_time()) == (CHECKPOINT_TYPE, NOTE, NOW)
    again = checkpoint_attributes(NOTE, datetime.now(UTC))["id"]
    assert event.get_id() == again  # published again after a crash: the same id
    assert again != checkpoint_attributes(NOTE.replace("12", "13"), NOW)["id"]
    jsonschema.validate(json_form(event), with_partition_key(checkpoint_schema()))


class Message:
    """A consumer record as the dead letters read it."""

    topic, partition, offset = "casetrail.case-events", 3, 41

    def __init__(self, key: bytes | None, value: bytes | None) -> None:
        self.key, self.value = key, value


def test_a_dead_letter_keeps_the_refused_bytes_and_says_why_and_where() -> None:
    case = str(uuid4())
    refused = Message(case.encode(), b'{"type": "x.bribed.v1"}')
    poison = Poison("unknown event type 'x.bribed.v1'", case)
    headers = dead_letter_headers(refused, "casetrail-projections", poison, NOW)
    event = read(headers, refused.key, refused.value or b"")
    assert event.get_type() == DEAD_LETTER_TYPE and event.get_subject() == case
    assert event.get_data() == refused.value.decode()  # type: ignore[union-attr]
    assert {name: event.get_extension(name) for name in ("reason", "origintopic")} == {
        "reason": poison.reason,
        "origintopic": "casetrail.case-events",
    }
    assert (event.get_extension("originpartition"), event.get_extension("originoffset")) == (
        "3",
        "41",
    )
    assert dict(headers)["__connect.errors.offset"] == b"41"  # Kafka Connect's tools too
    jsonschema.validate(json_form(event), with_partition_key(dead_letter_schema()))


def test_a_dead_letter_of_bytes_that_are_not_text_and_name_no_case() -> None:
    refused = Message(None, b"\xff\xfe not text")
    headers = dead_letter_headers(refused, "casetrail-audit-log", Poison("not JSON"), NOW)
    event = read(headers, None, b"\xff\xfe not text")
    assert event.get_subject() is None and event.get_data() == b"\xff\xfe not text"
    document = json_form(event)
    assert "data_base64" in document and "data" not in document
    jsonschema.validate(document, dead_letter_schema())


def test_the_type_header_of_both_versions_is_read() -> None:
    assert type_header([("casetrail-type", b"casetrail.case.submitted.v3")]) == (
        "casetrail.case.submitted.v3"
    )
    assert type_header([("ce_type", b"casetrail.case.submitted.v2")]) == (
        "casetrail.case.submitted.v2"
    )
    assert type_header([("content-type", b"text/plain")]) is None and type_header(None) is None


@given(st.text(), st.lists(st.one_of(st.text(), st.integers(), st.uuids()), max_size=4))
def test_an_event_id_is_the_name_based_uuid_of_its_parts(kind: str, parts: list[object]) -> None:
    """The same ids as ever (``uuid.uuid5``), so a re-published event keeps its id."""
    name = ":".join(("casetrail", kind, *map(str, parts)))
    assert stable_id(kind, *parts) == str(uuid5(NAMESPACE_URL, name))
