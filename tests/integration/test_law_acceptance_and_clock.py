"""The law's table for acceptance and the clock over HTTP, on the real servers: two API
processes on one database, one on Mon 2026-03-02 and one on Tue 2026-03-17 (simulated
clocks), so that a case received on Monday can be acted on after its deadlines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import httpx
import pytest

from domain.case import NotAccepted
from infra.entrypoints.bootstrap import build_application, open_pool
from tests.integration.harness import Platform, free_port

MONDAY = "2026-03-02T10:00:00+08:00"  # receipt and acceptance
LATER = "2026-03-17T10:00:00+08:00"  # after SCJG-001's deadlines (03-09, 03-16) and notice due
PERSON = {"kind": "person", "name": "赵六", "id_number": "110101199003071299"}
APPEAL = "如不服本决定，可在收到之日起六十日内申请行政复议，或六个月内提起行政诉讼。"
MISSING = [{"code": "M2", "name": "营业执照"}]


class Desk:
    """The hall's staff at one API process."""

    def __init__(self, platform: Platform, url: str) -> None:
        self.platform, self.url = platform, url
        self.clients: dict[tuple[str, str], httpx.Client] = {}

    def client(self, role: str, department: str) -> httpx.Client:
        if (role, department) not in self.clients:
            headers = {"Authorization": f"Bearer {self.platform.token(role, department)}"}
            self.clients[role, department] = httpx.Client(
                base_url=self.url, headers=headers, timeout=30
            )
        return self.clients[role, department]

    def submit(self, item_code: str) -> dict[str, Any]:
        response = self.client("clerk", "HALL").post(
            "/api/v1/cases",
            json={"item_code": item_code, "channel": "window", "applicant": PERSON},
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def post(
        self, case: dict[str, Any], action: str, role: str, department: str, **body: Any
    ) -> httpx.Response:
        return self.client(role, department).post(
            f"/api/v1/cases/{case['case_id']}/{action}", json=body
        )

    def act(
        self, case: dict[str, Any], action: str, role: str, department: str, **body: Any
    ) -> None:
        response = self.post(case, action, role, department, **body)
        assert response.status_code == 200, f"{action}: {response.text}"

    def read(self, case: dict[str, Any], department: str) -> dict[str, Any]:
        response = self.client("officer", department).get(f"/api/v1/cases/{case['case_id']}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def refused(response: httpx.Response, *phrases: str) -> str:
    """The problem's detail, once the response is a 422 problem naming every phrase."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail = str(response.json()["detail"])
    for phrase in phrases:
        assert phrase in detail, detail
    return detail


@pytest.fixture(scope="module")
def desks(platform: Platform) -> Iterator[tuple[Desk, Desk]]:
    later_port = free_port()
    for label, moment, port in (
        ("monday", MONDAY, platform.settings.api_port),
        ("later", LATER, later_port),
    ):
        env = {
            "CASETRAIL_MODE": "test",
            "CASETRAIL_SIMULATED_NOW": moment,
            "CASETRAIL_API_PORT": str(port),
        }
        platform.start("api", label=label, env=env)
    monday = Desk(platform, platform.base_url)
    later = Desk(platform, f"http://127.0.0.1:{later_port}")
    try:
        yield monday, later
    finally:
        monday.close()
        later.close()


def test_joint_handling_is_extended_15_days_only_on_the_government_heads_approval(
    desks: tuple[Desk, Desk],
) -> None:
    monday, _ = desks
    case = monday.submit("ZJ-001")
    monday.act(case, "accept", "clerk", "HALL")
    assert monday.read(case, "ZJ")["statutory_deadline"] == "2026-05-08"  # 45 working days
    body = {"days": 15, "reason": "联合办理，四十五日内不能办结"}
    refused(
        monday.post(case, "extend", "approver", "ZJ", **body, approved_by="department_head"),
        "Art. 42(2)",
        "head of the people's government",
    )
    refused(
        monday.post(case, "extend", "approver", "ZJ", **body, approved_by="government_head"),
        "required: approval_ref",
    )
    monday.act(
        case,
        "extend",
        "approver",
        "ZJ",
        **body,
        approved_by="government_head",
        approval_ref="府办审批〔2026〕12号",
    )
    view = monday.read(case, "ZJ")
    assert (view["extension_days"], view["statutory_deadline"]) == (15, "2026-05-28")


def test_an_extension_after_the_statutory_deadline_is_refused(desks: tuple[Desk, Desk]) -> None:
    monday, later = desks
    in_time, overdue = monday.submit("SCJG-001"), monday.submit("SCJG-001")
    body = {"days": 5, "reason": "情况复杂", "approved_by": "department_head"}
    for case in (in_time, overdue):
        monday.act(case, "accept", "clerk", "HALL")
    monday.act(in_time, "extend", "approver", "SCJG", **body)
    assert monday.read(in_time, "SCJG")["statutory_deadline"] == "2026-03-23"  # 10 + 5
    refused(
        later.post(overdue, "extend", "approver", "SCJG", **body),
        "Art. 42",
        "deadline 2026-03-16 has passed",
    )
    view = later.read(overdue, "SCJG")
    assert (view["extension_days"], view["statutory_deadline"]) == (0, "2026-03-16")
    assert view["clock"]["statutory_days_remaining"] == -1


def test_a_suspension_stops_only_the_promised_clock(desks: tuple[Desk, Desk]) -> None:
    monday, later = desks
    case, overdue = monday.submit("SCJG-001"), monday.submit("SCJG-001")
    for accepted in (case, overdue):
        monday.act(accepted, "accept", "clerk", "HALL")
    monday.act(case, "suspend", "officer", "SCJG", reason="申请人申请中止审查")
    clock = later.read(case, "SCJG")["clock"]
    assert (clock["paused"], clock["statutory_paused"]) == (True, False)
    # Suspended on the day of acceptance: no promised day used; the statutory clock ran on
    # through Tue 03-17, 11 working days of 10.
    assert (clock["working_days_used"], clock["statutory_days_used"]) == (0, 11)
    refused(
        later.post(overdue, "suspend", "officer", "SCJG", reason="等待"),
        "a suspension cannot start after the deadline it would stop has passed (2026-03-09)",
    )


def test_the_staff_view_counts_in_the_limits_unit_and_tracks_each_step(
    desks: tuple[Desk, Desk],
) -> None:
    """SCJG-001 counts working days (审查 due 3 after acceptance, 决定 1 after 审查);
    JT-001 natural days. Both accepted Monday, read on Tue 03-17."""
    monday, later = desks
    food, transport = monday.submit("SCJG-001"), monday.submit("JT-001")
    for case in (food, transport):
        monday.act(case, "accept", "clerk", "HALL")
    monday.act(food, "assign", "officer", "SCJG", assignee="officer-scjg")
    early = monday.read(food, "SCJG")
    assert (early["clock"]["days_used"], early["clock"]["warning"]) == (0, False)
    later.act(food, "complete-step", "officer", "SCJG", step="审查", opinion="agree")
    view = later.read(food, "SCJG")
    clock = view["clock"]
    assert (clock["unit"], clock["days_used"], clock["days_remaining"]) == ("G", 11, -6)
    assert (clock["working_days_used"], clock["working_days_remaining"]) == (11, -6)
    assert (clock["on_time"], clock["warning"], clock["warning_threshold_percent"]) == (
        False,
        True,
        80,
    )
    review, decision = view["steps"]
    assert review == {
        "name": "审查",
        "role": "officer",
        "limit_days": 3,
        "unit": "G",
        "status": "completed",
        "started_on": "2026-03-02",
        "due_on": "2026-03-05",
        "completed_on": "2026-03-17",
        "on_time": False,
        "overdue": False,
    }
    assert (decision["name"], decision["status"], decision["started_on"]) == (
        "决定",
        "current",
        "2026-03-17",
    )
    assert (decision["due_on"], decision["on_time"], decision["overdue"]) == (
        "2026-03-18",
        True,
        False,
    )
    natural = later.read(transport, "JT")
    z = natural["clock"]
    assert (z["unit"], z["days_used"], z["days_remaining"]) == ("Z", 15, -5)
    assert (z["working_days_used"], z["working_days_remaining"]) == (None, None)
    assert (z["statutory_unit"], z["statutory_days_remaining"], z["statutory_on_time"]) == (
        "Z",
        5,
        True,
    )
    assert natural["steps"][0]["due_on"] == "2026-03-08"  # 审查: 6 natural days, a Sunday


def test_one_supplement_notice_within_five_working_days(desks: tuple[Desk, Desk]) -> None:
    monday, later = desks
    case = monday.submit("SCJG-002")
    monday.act(case, "request-supplement", "clerk", "HALL", missing=MISSING)
    monday.act(case, "provide-supplement", "clerk", "HALL", provided=MISSING)
    more = [{"code": "M3", "name": "场所布局图"}]
    refused(
        monday.post(case, "request-supplement", "clerk", "HALL", missing=more),
        "Art. 32",
        "already given",
    )
    assert monday.read(case, "SCJG")["status"] == "submitted"
    late = monday.submit("SCJG-001")
    refused(
        later.post(late, "request-supplement", "clerk", "HALL", missing=MISSING),
        "Art. 32",
        "by 2026-03-09",
        "deemed accepted from 2026-03-02",
    )
    later.act(late, "accept", "clerk", "HALL")
    view = later.read(late, "SCJG")  # counted from the day of receipt, not from 03-17
    assert (view["promised_deadline"], view["statutory_deadline"]) == ("2026-03-09", "2026-03-16")


def test_a_not_acceptance_carries_the_appeal_notice_and_the_competent_authority(
    desks: tuple[Desk, Desk], platform: Platform
) -> None:
    monday, _ = desks
    case = monday.submit("SCJG-001")
    body = {"reason": "申请事项不属于本机关职权范围", "legal_basis": "《行政许可法》第三十二条"}
    refused(monday.post(case, "not-accept", "clerk", "HALL", **body), "required: appeal_notice")
    refused(
        monday.post(
            case,
            "not-accept",
            "clerk",
            "HALL",
            **body,
            appeal_notice=APPEAL,
            outside_competence=True,
        ),
        "required: competent_authority",
        "Art. 32(1)",
    )
    assert monday.read(case, "SCJG")["version"] == 1  # nothing recorded
    monday.act(
        case,
        "not-accept",
        "clerk",
        "HALL",
        **body,
        appeal_notice=APPEAL,
        outside_competence=True,
        competent_authority="市卫生健康委员会",
    )
    assert monday.read(case, "SCJG")["status"] == "not_accepted"
    with open_pool(platform.settings.api_database_url, max_size=1) as pool:
        app = build_application(platform.settings, pool)
        try:
            *_, recorded = app.events.get(UUID(case["case_id"]))
        finally:
            app.close()
    assert isinstance(recorded, NotAccepted)
    assert (recorded.appeal_notice, recorded.competent_authority) == (APPEAL, "市卫生健康委员会")
