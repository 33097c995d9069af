"""The Kafka contract is served, publicly: event schemas and the AsyncAPI document."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from domain.event_schemas import registry
from infra.kafka_security import checkpoint_topic
from tests.integration.harness import Platform


@pytest.fixture(scope="module")
def client(platform: Platform) -> Iterator[httpx.Client]:
    platform.start("api")
    with httpx.Client(base_url=platform.base_url, timeout=30) as client:  # no token: public
        yield client


def test_the_schemas_are_listed(client: httpx.Client) -> None:
    response = client.get("/api/v1/events/schemas")
    assert response.status_code == 200
    listed = {s["type"]: s for s in response.json()}
    assert set(listed) == set(registry())
    decided = listed["casetrail.case.decided.v2"]
    assert (decided["name"], decided["version"], decided["aggregate"]) == (
        "case.decided",
        2,
        "case",
    )
    assert decided["description"].startswith("决定:")
    assert decided["schema"]["properties"]["reasons"] == {
        "type": "array",
        "items": {"type": "string"},
    }


def test_one_schema_by_type(client: httpx.Client) -> None:
    response = client.get("/api/v1/events/schemas/casetrail.case.decided.v1")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert body["schema"]["properties"]["reasons"] == {"type": "string"}
    assert "appeal_notice" not in body["schema"]["properties"]


def test_an_unknown_type_is_a_problem(client: httpx.Client) -> None:
    response = client.get("/api/v1/events/schemas/casetrail.case.nope.v1")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "no event type 'casetrail.case.nope.v1'"


def test_the_asyncapi_document_describes_the_platforms_topic(
    platform: Platform, client: httpx.Client
) -> None:
    document = client.get("/api/v1/asyncapi.json").json()
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] == "casetrail"
    server = document["servers"]["kafka"]
    assert (server["host"], server["protocol"]) == (platform.settings.bootstrap_servers, "kafka")
    assert server["security"][0]["type"] == "scramSha512"
    channel = document["channels"]["caseEvents"]
    assert channel["address"] == platform.topic
    assert set(channel["messages"]) == set(registry())
    accepted = channel["messages"]["casetrail.case.accepted.v2"]
    assert accepted["name"] == "casetrail.case.accepted.v2"
    assert accepted["contentType"] == "application/cloudevents+json"
    assert set(accepted["headers"]["required"]) == {"ce_id", "ce_type"}
    payload = accepted["payload"]["schema"]["properties"]
    assert payload["type"] == {"const": "casetrail.case.accepted.v2"}
    assert (
        payload["data"]["required"] == registry()["casetrail.case.accepted.v2"].schema["required"]
    )
    operation = document["operations"]["receiveCaseEvents"]
    assert operation["action"] == "receive"
    assert len(operation["messages"]) == len(registry())


def test_the_asyncapi_document_describes_the_checkpoint_topic(
    platform: Platform, client: httpx.Client
) -> None:
    document = client.get("/api/v1/asyncapi.json").json()
    channel = document["channels"]["auditCheckpoints"]
    assert channel["address"] == checkpoint_topic(platform.topic)
    message = channel["messages"]["checkpoint"]
    assert (message["contentType"], message["payload"]) == ("text/plain", {"type": "string"})
    assert "/api/v1/audit/verifier-key" in message["summary"]
    operation = document["operations"]["receiveAuditCheckpoints"]
    assert operation["channel"] == {"$ref": "#/channels/auditCheckpoints"}
    assert operation["messages"] == [{"$ref": "#/channels/auditCheckpoints/messages/checkpoint"}]
