"""A sample of the Administrative Licensing Law's table over HTTP, on the real servers:
no withdrawal after a decision, no decision without an officer in charge, no fee off the
fee list without its legal basis (and every override visible to inspectors), ratings
only from the applicant or a window evaluation device, never from staff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest

from domain.case.commands import CASE_COMMANDS
from tests.integration.harness import Hall, Platform, hall_today, running_hall
from tests.integration.test_bad_input import BODIES

PERSON = {"kind": "person", "name": "孙八", "id_number": "110101199105051234"}
DEVICE = "kiosk-window-07"  # the window evaluation device's own principal
FEE_BASIS = "《不动产登记暂行条例》第二十二条"


# A body each command's schema accepts.
@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


@pytest.fixture(scope="module")
def kiosk(hall: Hall) -> Iterator[httpx.Client]:
    token = hall.platform.token("kiosk", "HALL", user=DEVICE)
    with httpx.Client(
        base_url=hall.platform.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        yield client


def post(hall: Hall, case: dict[str, Any], action: str, role: str, dept: str, **body: Any) -> Any:
    """The response to ``action``, whatever it is."""
    return hall.client(role, dept).post(f"/api/v1/cases/{case['case_id']}/{action}", json=body)


def refused(response: httpx.Response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert all(word in detail for word in words), detail


def decided(
    hall: Hall, item: str, department: str, steps: tuple[str, str] = ("审查", "决定")
) -> dict[str, Any]:
    """A case of ``item`` through its two steps (the officer's, the approver's), approved."""
    case = hall.submit(item)
    hall.act(case, "accept", "clerk")
    hall.act(case, "assign", "officer", department, assignee=f"officer-{department.lower()}")
    for step, role in zip(steps, ("officer", "approver"), strict=True):
        hall.act(case, "complete-step", role, department, step=step, opinion="agree")
    hall.act(case, "decide", "approver", department, outcome="approved")
    return case


def test_withdrawal_before_the_decision_not_after(hall: Hall) -> None:
    before = hall.submit("JT-001")
    hall.act(before, "accept", "clerk")
    hall.act(before, "withdraw", "clerk", reason="申请人撤回")
    assert hall.staff_view(before, "JT")["status"] == "withdrawn"

    after = decided(hall, "JT-001", "JT")
    version = hall.staff_view(after, "JT")["version"]
    refused(post(hall, after, "withdraw", "clerk", "HALL", reason="r"), 409, "decided", "Art. 8")
    refused(
        post(hall, after, "terminate", "approver", "JT", reason="r", legal_basis="b"),
        409,
        "Art. 8",
    )
    assert hall.staff_view(after, "JT")["version"] == version  # nothing recorded


def test_no_decision_without_an_officer_in_charge(hall: Hall) -> None:
    case = hall.submit("SCJG-001")
    hall.act(case, "accept", "clerk")
    skipped = [{"step": s, "reason": "负责人当场决定"} for s in ("审查", "决定")]
    refused(
        post(hall, case, "decide", "approver", "SCJG", outcome="approved", skipped_steps=skipped),
        422,
        "officer in charge",
        "Art. 34",
    )
    hall.act(case, "assign", "officer", "SCJG", assignee="officer-scjg")
    refused(
        post(hall, case, "decide", "approver", "SCJG", outcome="approved"),
        422,
        "steps not completed: 审查, 决定",
        "Art. 37",
    )
    hall.act(case, "decide", "approver", "SCJG", outcome="approved", skipped_steps=skipped)
    assert hall.staff_view(case, "SCJG")["status"] == "decided"


def test_a_disagreement_is_answered_before_the_decision(hall: Hall) -> None:
    case = hall.submit("ZJ-001")
    hall.act(case, "accept", "clerk")
    hall.act(case, "assign", "officer", "ZJ", assignee="officer-zj")
    due = (hall_today() + timedelta(days=10)).isoformat()
    hall.act(case, "request-parallel-review", "officer", "ZJ", departments=["ZRZY"], due_on=due)
    hall.act(case, "give-opinion", "officer", "ZRZY", opinion="disagree", comment="不符合规划")
    for step, role in (("审查", "officer"), ("决定", "approver")):
        hall.act(case, "complete-step", role, "ZJ", step=step, opinion="agree")
    refused(
        post(hall, case, "decide", "approver", "ZJ", outcome="approved"),
        422,
        "disagreements unanswered: department ZRZY",
        "Art. 26",
    )
    refused(  # the co-department does not answer its own disagreement
        post(hall, case, "answer-opinion", "officer", "ZRZY", department="ZRZY", answer="a"),
        403,
    )
    answer = {"department": "ZRZY", "answer": "已调整选址"}
    answered = post(hall, case, "answer-opinion", "approver", "ZJ", **answer)
    assert answered.status_code == 200, answered.text
    hall.act(case, "decide", "approver", "ZJ", outcome="approved")


def test_no_fee_off_the_list_without_its_legal_basis(hall: Hall) -> None:
    case = decided(hall, "ZRZY-002", "ZRZY", ("审核", "登簿"))
    refused(
        post(
            hall,
            case,
            "charge-fee",
            "clerk",
            "HALL",
            fee_code="F9",
            amount_fen=500,
            override_reason="补证工本费",
        ),
        422,
        "not on the item's fee list",
        "Art. 58",
    )
    hall.act(case, "charge-fee", "clerk", fee_code="F1", amount_fen=8000)
    hall.act(
        case,
        "charge-fee",
        "clerk",
        fee_code="F9",
        amount_fen=500,
        override_reason="补证工本费",
        legal_basis=FEE_BASIS,
    )
    with hall.platform.client("inspector") as inspector:
        view = inspector.get(f"/api/v1/cases/{case['case_id']}")
    assert view.status_code == 200, view.text
    listed, override = view.json()["fees_charged"]
    assert (listed["override"], listed["override_reason"]) == (False, "")
    assert listed["legal_basis"].startswith("《国家发展改革委")
    assert override == {
        "fee_code": "F9",
        "amount_fen": 500,
        "listed_amount_fen": None,
        "override": True,
        "override_reason": "补证工本费",
        "legal_basis": FEE_BASIS,
    }


def test_ratings_from_the_applicant_or_a_kiosk_never_from_staff(
    hall: Hall, kiosk: httpx.Client
) -> None:
    case = hall.submit("SCJG-001")
    hall.act(case, "accept", "clerk")
    refused(post(hall, case, "rate", "clerk", "HALL", stage="acceptance", level=5), 403, "clerk")
    refused(post(hall, case, "rate", "officer", "SCJG", stage="acceptance", level=5), 403)
    rated = kiosk.post(
        f"/api/v1/cases/{case['case_id']}/rate", json={"stage": "acceptance", "level": 4}
    )
    assert rated.status_code == 200, rated.text
    position = hall.approve_and_close(case, "SCJG")
    hall.public(case, position)
    by_applicant = hall.client("clerk").post(  # any client: the query code proves the applicant
        f"/api/v1/public/cases/{case['case_no']}/rating",
        json={"query_code": case["query_code"], "stage": "closure", "level": 2},
    )
    assert by_applicant.status_code == 200, by_applicant.text
    ratings = hall.staff_view(case, "SCJG")["ratings"]
    assert (ratings["acceptance"]["rated_by"], ratings["acceptance"]["device"]) == (
        "kiosk",
        DEVICE,
    )
    assert (ratings["closure"]["rated_by"], ratings["closure"]["device"]) == ("applicant", None)
    hall.public(case, by_applicant.json()["position"])
    published = [
        orjson.loads(m.value)
        for m in hall.platform.read_topic()
        if m.key == case["case_id"].encode()
    ]
    kiosk_rating = next(e for e in published if e["type"] == "casetrail.case.rated.v3")
    assert kiosk_rating["data"]["rated_by"] == "kiosk"
    assert kiosk_rating["data"]["device"] == kiosk_rating["data"]["actor"]["id"] == DEVICE


@pytest.mark.parametrize("action", sorted({c.ACTION for c in CASE_COMMANDS} - {"rate"}))
def test_a_kiosk_may_only_rate(hall: Hall, kiosk: httpx.Client, action: str) -> None:
    case = hall.submit("SCJG-001")
    response = kiosk.post(f"/api/v1/cases/{case['case_id']}/{action}", json=BODIES.get(action, {}))
    refused(response, 403, "kiosk")
    assert kiosk.get(f"/api/v1/cases/{case['case_id']}").status_code == 403


def test_a_case_awaiting_supplement_closes_as_never_completed(hall: Hall) -> None:
    case = hall.submit("SCJG-002")
    hall.act(case, "request-supplement", "clerk", missing=[{"code": "M2", "name": "资质证明"}])
    refused(post(hall, case, "complete", "officer", "SCJG", result="other"), 409, "办结 follows")
    position = hall.act(
        case, "complete", "officer", "SCJG", result="never_completed", reason="逾期未补正"
    )
    view = hall.public(case, position)
    assert view["status"] == "completed" and view["rating_url"]  # closed: the applicant may rate
    staff = hall.staff_view(case, "SCJG")
    assert (staff["status"], staff["result"], staff["outcome"]) == (
        "completed",
        "never_completed",
        None,
    )
