"""The Kafka contract is served, publicly: event schemas and the AsyncAPI document, which
the official AsyncAPI parser reads with no error and no warning."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from domain.event_schemas import registry
from domain.stream_contract import CONTRACT_VERSION, DEAD_LETTER_TYPE
from infra.kafka_security import checkpoint_topic, dead_letter_topic
from infra.state import ROOT, state_dir
from tests.integration.harness import Platform

PARSER = ROOT / "tests" / "conformance" / "asyncapi"


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
    assert set(accepted["headers"]["required"]) == {
        "content-type",
        "casetrail-id",
        "casetrail-type",
    }
    assert not [h for h in accepted["headers"]["properties"] if h.startswith("ce_")]
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
    assert message["contentType"] == "text/plain; charset=utf-8"
    assert message["payload"]["type"] == "string"
    assert {"ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "content-type"} == set(
        message["headers"]["required"]
    )
    event = message["x-cloudevent"]["schema"]
    assert event["properties"]["data"]["type"] == "string"
    assert "/api/v1/audit/verifier-key" in message["summary"]
    operation = document["operations"]["receiveAuditCheckpoints"]
    assert operation["channel"] == {"$ref": "#/channels/auditCheckpoints"}
    assert operation["messages"] == [{"$ref": "#/channels/auditCheckpoints/messages/checkpoint"}]


def test_the_asyncapi_document_describes_the_dead_letters_and_its_version(
    platform: Platform, client: httpx.Client
) -> None:
    document = client.get("/api/v1/asyncapi.json").json()
    assert document["info"]["x-contract-version"] == CONTRACT_VERSION == 2
    assert "Kafka contract version 2" in document["info"]["description"]
    channel = document["channels"]["deadLetters"]
    assert channel["address"] == dead_letter_topic(platform.topic)
    message = channel["messages"]["deadLetter"]
    assert message["headers"]["properties"]["ce_type"]["const"] == DEAD_LETTER_TYPE
    assert {"ce_reason", "ce_origintopic", "ce_originoffset"} <= set(message["headers"]["required"])
    assert document["operations"]["receiveDeadLetters"]["channel"] == {
        "$ref": "#/channels/deadLetters"
    }


def parser_folder() -> Path:
    """The official AsyncAPI parser, installed once into the state folder (``npm ci``
    again whenever the lock file changes)."""
    folder = state_dir() / "asyncapi"
    folder.mkdir(parents=True, exist_ok=True)
    lock = (PARSER / "package-lock.json").read_bytes()
    installed = folder / "node_modules" / ".package-lock.json"
    if not installed.exists() or (folder / "package-lock.json").read_bytes() != lock:
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(PARSER / name, folder / name)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=folder, check=True)
    shutil.copyfile(PARSER / "check.mjs", folder / "check.mjs")
    return folder


def test_the_official_parser_finds_no_error_and_no_warning(
    client: httpx.Client, tmp_path: Path
) -> None:
    document = tmp_path / "asyncapi.json"
    document.write_bytes(client.get("/api/v1/asyncapi.json").content)
    folder = parser_folder()
    parsed = subprocess.run(
        ["node", str(folder / "check.mjs"), str(document)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    diagnostics = [json.loads(line) for line in parsed.stdout.splitlines()]
    assert [d for d in diagnostics if d["severity"] <= 1] == []  # 0 error, 1 warning
