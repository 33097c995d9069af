"""Bad requests get problem+json with the documented status and record nothing;
every command path checks the token (401) and the caller's role and department (403)."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import httpx
import pytest

from domain.case.commands import CASE_COMMANDS
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
# A body each command's schema accepts.
BODIES = {
    "request-supplement": {"missing": [{"code": "M1", "name": "申请书"}]},
    "provide-supplement": {"provided": [{"code": "M1", "name": "申请书"}]},
    "not-accept": {"reason": "r", "legal_basis": "b"},
    "assign": {"assignee": "o-1"},
    "complete-step": {"step": "审查", "opinion": "agree"},
    "return": {"to_step": "审查", "reason": "r"},
    "request-parallel-review": {"departments": ["ZRZY"], "due_on": "2030-01-01"},
    "give-opinion": {"opinion": "agree"},
    "answer-opinion": {"step": "审查", "answer": "a"},
    "start-special-procedure": {"kind": "inspection", "expected_days": 2, "notice": "n"},
    "end-special-procedure": {"result": "r"},
    "suspend": {"reason": "r"},
    "extend": {"days": 5, "reason": "r", "approved_by": "department_head"},
    "decide": {"outcome": "approved"},
    "charge-fee": {"fee_code": "F1", "amount_fen": 100},
    "issue-certificate": {"certificate_no": "C1"},
    "deliver": {"method": "window"},
    "terminate": {"reason": "r", "legal_basis": "b"},
    "forward": {"to_authority": "a", "reason": "r"},
    "rate": {"stage": "closure", "level": 5},
    "order-rectification": {"stage": "closure", "instructions": "i"},
    "report-rectification": {"stage": "closure", "measures": "m"},
    "complete-callback": {"stage": "closure", "satisfied": True},
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
        "actor in the body": lambda: client.post(cases, json={**VALID, "actor": "boss"}),
        "bad channel": lambda: client.post(cases, json={**VALID, "channel": "fax"}),
        "unknown item": lambda: client.post(cases, json={**VALID, "item_code": "NOPE"}),
        "unknown case": lambda: client.post(f"{cases}/{uuid4()}/accept"),
        "not a case id": lambda: client.post(f"{cases}/not-a-uuid/accept"),
        "invalid transition": lambda: client.post(
            f"{cases}/{case['case_id']}/deliver", json={"method": "post"}
        ),
        "stale version": lambda: client.post(
            f"{cases}/{case['case_id']}/accept", json={"expected_version": 7}
        ),
        "not-accept without legal basis": lambda: client.post(
            f"{cases}/{case['case_id']}/not-accept", json={"reason": "x"}
        ),
        "domain rule": lambda: client.post(
            f"{cases}/{case['case_id']}/request-supplement", json={"missing": []}
        ),
        "no token": lambda: httpx.post(f"{client.base_url}{cases}", json=VALID),
        "forged token": lambda: httpx.post(
            f"{client.base_url}{cases}", json=VALID, headers={"Authorization": "Bearer a.b.c"}
        ),
        "wrong role": lambda: client.post(
            f"{cases}/{case['case_id']}/decide", json={"outcome": "approved"}
        ),
    }
    return requests[name]()


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("malformed json", 400),
        ("missing fields", 422),
        ("actor in the body", 422),
        ("bad channel", 422),
        ("unknown item", 422),
        ("unknown case", 404),
        ("not a case id", 422),
        ("invalid transition", 409),
        ("stale version", 409),
        ("not-accept without legal basis", 422),
        ("domain rule", 422),
        ("no token", 401),
        ("forged token", 401),
        ("wrong role", 403),
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
    assert detail == "cannot deliver a case in state 'submitted'"


@pytest.mark.parametrize("action", sorted(c.ACTION for c in CASE_COMMANDS))
def test_every_command_needs_a_token_and_the_right_role(
    api: tuple[Platform, httpx.Client, dict],
    action: str,
) -> None:
    platform, client, case = api
    path = f"/api/v1/cases/{case['case_id']}/{action}"
    body = BODIES.get(action, {})
    before = platform.max_position()
    assert httpx.post(f"{client.base_url}{path}", json=body).status_code == 401
    for role, department in (
        ("inspector", "HALL"),
        ("integrator", "HALL"),
        ("hall_admin", "HALL"),
        ("officer", "JT"),
        ("approver", "JT"),
    ):
        with platform.client(role, department) as outsider:
            response = outsider.post(path, json=body)
        assert response.status_code == 403, f"{role}/{department}: {response.text}"
        assert response.json()["type"] == "urn:casetrail:problem:forbidden"
    assert platform.max_position() == before


def test_other_departments_cannot_read_a_case(api: tuple[Platform, httpx.Client, dict]) -> None:
    platform, _, case = api
    with platform.client("officer", "JT") as outsider:
        assert outsider.get(f"/api/v1/cases/{case['case_id']}").status_code == 403
    with platform.client("inspector") as inspector:
        assert inspector.get(f"/api/v1/cases/{case['case_id']}").status_code == 200
