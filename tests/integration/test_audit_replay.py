"""Replay to any moment over HTTP, on the real servers: every version of a long case
replays to what the staff view showed right after that command, a time between two
events gives the earlier version, a diff names exactly the fields a command changed,
and the power list on a day shows each item as it stood that day.

Two API processes on one database, each under a simulated clock that moves with real
time: one on Mon 2026-03-02, one on Tue 2026-03-03."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from domain.clock import HALL_TZ
from tests.integration.harness import Hall, Platform, free_port
from tests.integration.test_power_list import new_item

MONDAY = "2026-03-02T10:00:00+08:00,advancing"
TUESDAY = "2026-03-03T10:00:00+08:00,advancing"
PERSON = {"kind": "person", "name": "周九", "id_number": "110101198807071234"}
CASE_FILE = "纪检案卷〔2026〕第7号"
MISSING = [{"code": "M2", "name": "营业执照"}]
FEE = {
    "fee_code": "F9",
    "amount_fen": 5000,
    "override_reason": "补证工本费",
    "legal_basis": "《不动产登记暂行条例》第二十二条",
}
# (action, role, department, body): a food licence (SCJG-001) from intake to callback
LONG_CASE: list[tuple[str, str, str, dict[str, Any]]] = [
    ("request-supplement", "clerk", "HALL", {"missing": MISSING}),
    ("provide-supplement", "clerk", "HALL", {"provided": MISSING}),
    ("accept", "clerk", "HALL", {}),
    ("assign", "officer", "SCJG", {"assignee": "officer-scjg"}),
    ("complete-step", "officer", "SCJG", {"step": "审查", "opinion": "agree", "comment": "符合"}),
    ("suspend", "officer", "SCJG", {"reason": "申请人请求中止"}),
    ("resume", "officer", "SCJG", {"reason": "申请人申请恢复"}),
    (
        "start-special-procedure",
        "officer",
        "SCJG",
        {"kind": "inspection", "expected_days": 3, "notice": "现场核查，期间不计时"},
    ),
    ("end-special-procedure", "officer", "SCJG", {"result": "现场符合要求"}),
    (
        "extend",
        "approver",
        "SCJG",
        {"days": 5, "reason": "情况复杂", "approved_by": "department_head"},
    ),
    ("complete-step", "approver", "SCJG", {"step": "决定", "opinion": "agree"}),
    ("decide", "approver", "SCJG", {"outcome": "approved"}),
    ("charge-fee", "clerk", "HALL", FEE),
    ("issue-certificate", "clerk", "HALL", {"certificate_no": "JY13201000000777"}),
    ("deliver", "clerk", "HALL", {"method": "window"}),
    ("complete", "officer", "SCJG", {}),
    ("rate", "kiosk", "HALL", {"stage": "closure", "level": 2, "comment": "等候太久"}),
    ("order-rectification", "supervisor", "HALL", {"stage": "closure", "instructions": "整改"}),
    ("report-rectification", "officer", "SCJG", {"stage": "closure", "measures": "增设窗口"}),
    ("complete-callback", "supervisor", "HALL", {"stage": "closure", "satisfied": True}),
]
ASSIGNED = 5  # the version the assignment made: intake, notice, supplement, acceptance
SUSPENDED = 7


@pytest.fixture(scope="module")
def desks(platform: Platform) -> Iterator[tuple[Hall, str]]:
    """The hall at Monday's API (the platform's port), and Tuesday's API address."""
    tuesday_port = free_port()
    platform.start("api", "monday", {"CASETRAIL_MODE": "test", "CASETRAIL_SIMULATED_NOW": MONDAY})
    platform.start(
        "api",
        "tuesday",
        {
            "CASETRAIL_MODE": "test",
            "CASETRAIL_SIMULATED_NOW": TUESDAY,
            "CASETRAIL_API_PORT": str(tuesday_port),
        },
    )
    hall = Hall(platform, PERSON)
    try:
        yield hall, f"http://127.0.0.1:{tuesday_port}"
    finally:
        hall.close()


@pytest.fixture(scope="module")
def long_case(desks: tuple[Hall, str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The case, and its staff view (as an inspector reads it) after every command."""
    hall, _ = desks
    case = hall.submit("SCJG-001")
    views = [read(hall, case)]
    for action, role, department, body in LONG_CASE:
        hall.act(case, action, role, department, **body)
        views.append(read(hall, case))
    return case, views


def read(hall: Hall, case: dict[str, Any]) -> dict[str, Any]:
    """The staff view as an inspector reads it without a case file (masked, unrecorded)."""
    response = hall.client("inspector").get(f"/api/v1/cases/{case['case_id']}")
    assert response.status_code == 200, response.text
    view = dict(response.json())
    assert view.pop("quarantine") == []
    return view


def audit(hall: Hall, path: str, **params: Any) -> httpx.Response:
    """An inspector's read of ``/api/v1/audit/<path>`` for the case file."""
    return hall.client("inspector").get(
        f"/api/v1/audit/{path}", params={"case_file": CASE_FILE, **params}
    )


def replay(hall: Hall, case: dict[str, Any], **params: Any) -> dict[str, Any]:
    response = audit(hall, f"cases/{case['case_id']}/replay", **params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_every_version_replays_to_what_the_domain_had(
    desks: tuple[Hall, str], long_case: tuple[dict[str, Any], list[dict[str, Any]]]
) -> None:
    hall, _ = desks
    case, views = long_case
    assert [v["version"] for v in views] == list(range(1, len(LONG_CASE) + 2))
    assert views[-1]["ratings"]["closure"]["rectification"] == "called_back"
    times = []
    for version, expected in enumerate(views, start=1):
        replayed = replay(hall, case, version=version)
        event = replayed.pop("event")
        times.append(datetime.fromisoformat(replayed.pop("as_of")))
        assert replayed == expected, f"version {version}"
        assert event["version"] == version and event["hash"] == expected["head_hash"]
        assert datetime.fromisoformat(event["time"]) == times[-1]
    assert times[0] == datetime.fromisoformat(views[0]["submitted_at"])
    assert times == sorted(times) and len(set(times)) == len(times)
    last = replay(hall, case, version=len(views))["event"]
    assert last["type"] == "casetrail.case.callback_completed.v1"
    assert last["actor"] == {
        "id": "supervisor-hall",
        "role": "supervisor",
        "department": "HALL",
        "simulated": True,
    }


def test_a_time_between_two_events_gives_the_earlier_version(
    desks: tuple[Hall, str], long_case: tuple[dict[str, Any], list[dict[str, Any]]]
) -> None:
    hall, _ = desks
    case, views = long_case
    third = datetime.fromisoformat(replay(hall, case, version=3)["as_of"])
    fourth = datetime.fromisoformat(replay(hall, case, version=4)["as_of"])
    between = third + (fourth - third) / 2
    assert replay(hall, case, at=between.isoformat())["version"] == 3
    assert replay(hall, case, at=third.isoformat())["version"] == 3
    naive = between.astimezone(HALL_TZ).replace(tzinfo=None)  # read in the hall's time zone
    assert replay(hall, case, at=naive.isoformat())["version"] == 3
    latest = replay(hall, case, at="2026-03-03T00:00:00+08:00")
    assert latest["version"] == len(views) and latest["status"] == "completed"
    before = audit(hall, f"cases/{case['case_id']}/replay", at="2026-03-02T09:00:00+08:00")
    assert before.status_code == 404, before.text
    assert before.headers["content-type"] == "application/problem+json"
    assert "did not exist yet" in before.json()["detail"]
    for params in ({"version": len(views) + 1}, {}, {"version": 1, "at": between.isoformat()}):
        answer = audit(hall, f"cases/{case['case_id']}/replay", **params)
        assert answer.status_code in (404, 422), answer.text
        assert answer.headers["content-type"] == "application/problem+json"


def test_a_diff_names_exactly_the_changed_fields(
    desks: tuple[Hall, str], long_case: tuple[dict[str, Any], list[dict[str, Any]]]
) -> None:
    hall, _ = desks
    case, views = long_case
    path = f"cases/{case['case_id']}/diff"
    assigned = audit(hall, path, from_version=ASSIGNED - 1, to_version=ASSIGNED).json()
    assert {c["path"]: (c["before"], c["after"]) for c in assigned["changes"]} == {
        "version": (ASSIGNED - 1, ASSIGNED),
        "assignee": (None, "officer-scjg"),
        "head_hash": (views[ASSIGNED - 2]["head_hash"], views[ASSIGNED - 1]["head_hash"]),
    }
    assert [e["type"] for e in assigned["events"]] == ["casetrail.case.assigned.v1"]
    assert assigned["events"][0]["data"]["assignee"] == "officer-scjg"
    suspended = audit(hall, path, from_version=SUSPENDED - 1, to_version=SUSPENDED).json()
    before, after = views[SUSPENDED - 2], views[SUSPENDED - 1]
    # the promised clock stops (not the statutory one), and the current step has no due
    # date while it is stopped
    assert {c["path"]: (c["before"], c["after"]) for c in suspended["changes"]} == {
        "version": (SUSPENDED - 1, SUSPENDED),
        "steps.1.due_on": (before["steps"][1]["due_on"], None),
        "clock.paused": (False, True),
        "clock.pause_kind": (None, "suspension"),
        "head_hash": (before["head_hash"], after["head_hash"]),
    }
    assert before["steps"][1]["due_on"] is not None
    span = audit(hall, path, from_version=2, to_version=SUSPENDED).json()
    assert [e["version"] for e in span["events"]] == [3, 4, 5, 6, 7]
    assert span["events"][3]["data"]["comment"] == "符合"  # internal content, in full


def test_the_power_list_on_a_day(desks: tuple[Hall, str]) -> None:
    hall, tuesday = desks
    item = new_item("AUDIT-001")
    monday_admin = hall.client("hall_admin")
    assert monday_admin.post("/api/v1/service-items", json=item).status_code == 201
    token = hall.platform.token("hall_admin")
    with httpx.Client(
        base_url=tuesday, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as tuesday_admin:
        revised = {**item, "promised_limit": {"days": 3, "unit": "G"}}
        body = {"content": revised, "reason": "压缩承诺时限"}
        assert tuesday_admin.post("/api/v1/service-items/AUDIT-001/revise", json=body).is_success
        suspend = tuesday_admin.post(
            "/api/v1/service-items/AUDIT-001/suspend", json={"reason": "r"}
        )
        assert suspend.is_success, suspend.text

    def on(day: str) -> dict[str, Any]:
        response = audit(hall, "service-items", on=day)
        assert response.status_code == 200, response.text
        listed = response.json()
        assert listed["on"] == day and listed["as_of"].startswith(f"{day}T23:59:59")
        return {i["code"]: i for i in listed["items"]}

    assert "AUDIT-001" not in on("2026-03-01")
    monday, tuesday_list = on("2026-03-02")["AUDIT-001"], on("2026-03-03")["AUDIT-001"]
    assert (monday["revision"], monday["status"], monday["version"]) == (1, "active", 1)
    assert monday["content"]["promised_limit"] == item["promised_limit"]
    assert (tuesday_list["revision"], tuesday_list["status"], tuesday_list["version"]) == (
        2,
        "suspended",
        3,
    )
    assert tuesday_list["content"]["promised_limit"] == {"days": 3, "unit": "G"}
    assert tuesday_list["as_of"].startswith("2026-03-03") and monday["as_of"].startswith(
        "2026-03-02"
    )
