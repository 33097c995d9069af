"""Bad requests get problem+json with the documented status and record nothing."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import httpx
import pytest

from tests.integration.harness import Platform

VALID = {
    "item_code": "SCJG-001",
    "channel": "window",
    "applicant": {
        "kind": "organisation",
        "name": "青山餐饮有限公司",
        "id_number": "91110000MA01ABCD2X",
    },
}


@pytest.fixture(scope="module")
def api(platform: Platform) -> Iterator[tuple[Platform, httpx.Client, dict]]:
    platform.start("api")
    with platform.client() as client:
        case = client.post("/api/v1/cases", json=VALID).json()
        yield platform, client, case


def _send(client: httpx.Client, case: dict, name: str) -> httpx.Response:
    cases = "/api/v1/cases"
    requests = {
        "malformed json": lambda: client.post(
            cases, content=b'{"item_code": ', headers={"content-type": "application/json"}
        ),
        "missing fields": lambda: client.post(cases, json={"item_code": "SCJG-001"}),
        "unknown field": lambda: client.post(cases, json={**VALID, "actor": "boss"}),
        "bad channel": lambda: client.post(cases, json={**VALID, "channel": "fax"}),
        "unknown item": lambda: client.post(cases, json={**VALID, "item_code": "NOPE"}),
        "unknown case": lambda: client.post(f"{cases}/{uuid4()}/accept"),
        "not a case id": lambda: client.post(f"{cases}/not-a-uuid/accept"),
        "invalid transition": lambda: client.post(f"{cases}/{case['case_id']}/complete"),
        "stale version": lambda: client.post(
            f"{cases}/{case['case_id']}/accept", json={"expected_version": 7}
        ),
        "not-accept without legal basis": lambda: client.post(
            f"{cases}/{case['case_id']}/not-accept", json={"reason": "x"}
        ),
        "no token": lambda: httpx.post(f"{client.base_url}{cases}", json=VALID),
        "forged token": lambda: httpx.post(
            f"{client.base_url}{cases}", json=VALID, headers={"Authorization": "Bearer a.b.c"}
        ),
    }
    return requests[name]()


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("malformed json", 400),
        ("missing fields", 422),
        ("unknown field", 422),
        ("bad channel", 422),
        ("unknown item", 422),
        ("unknown case", 404),
        ("not a case id", 422),
        ("invalid transition", 409),
        ("stale version", 409),
        ("not-accept without legal basis", 422),
        ("no token", 401),
        ("forged token", 401),
    ],
)
def test_bad_input_changes_nothing(
    api: tuple[Platform, httpx.Client, dict], name: str, status: int
) -> None:
    platform, client, case = api
    before = platform.max_position()
    response = _send(client, case, name)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    assert platform.max_position() == before


def test_the_invalid_transition_names_state_and_action(
    api: tuple[Platform, httpx.Client, dict],
) -> None:
    _, client, case = api
    detail = _send(client, case, "invalid transition").json()["detail"]
    assert detail == "cannot complete a case in state 'submitted'"
