"""The inspectors' access log on the real servers: every read of the audit trail, and
every decryption of personal data by an inspector, is one InspectorAccess event with
the case file given; without a case file the read is refused (400) and nothing is
recorded; every other role gets 403 on each route; only a senior inspector reads the
log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import httpx
import pytest

from domain.events import wire_name
from domain.inspector_access import InspectorAccess
from tests.integration.harness import Hall, Platform, running_hall, wait_until

PERSON = {"kind": "person", "name": "郑十二", "id_number": "110101199212121234"}
ACCESS_TOPIC = f"domain.inspector_access:{wire_name(InspectorAccess.Recorded)}"
OUTSIDERS = [
    ("clerk", "HALL"),
    ("officer", "SCJG"),
    ("approver", "SCJG"),
    ("supervisor", "HALL"),
    ("hall_admin", "HALL"),
    ("kiosk", "HALL"),
    ("integrator", "HALL"),
]


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


@pytest.fixture(scope="module")
def case(hall: Hall) -> dict[str, Any]:
    """An accepted case, in the audit projection."""
    case = hall.submit("SCJG-001")
    hall.act(case, "accept", "clerk")
    wait_until(
        lambda: (
            hall.platform.sql(
                "SELECT count(*) FROM audit_events WHERE aggregate_id = %s", case["case_id"]
            )[0][0]
            == 2
        ),
        what="the case in the audit projection",
    )
    return case


def reads(case: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(read, path, parameters) of every inspector read: the audit routes, then the
    staff read of the case with a case file (which decrypts the applicant)."""
    audit, case_id = "/api/v1/audit", case["case_id"]
    return [
        ("case-trail", f"{audit}/cases/{case_id}/trail", {}),
        ("case-replay", f"{audit}/cases/{case_id}/replay", {"version": 2}),
        ("case-diff", f"{audit}/cases/{case_id}/diff", {"from_version": 1, "to_version": 2}),
        ("officer-trail", f"{audit}/officers/clerk-hall/trail", {}),
        ("event-search", f"{audit}/events", {"case_no": case["case_no"]}),
        ("power-list-replay", f"{audit}/service-items", {"on": "2026-03-02"}),
        ("case-personal-data", f"/api/v1/cases/{case_id}", {}),
    ]


def access_events(platform: Platform) -> int:
    """How many reads the event store holds."""
    return int(
        platform.sql("SELECT count(*) FROM casetrail_events WHERE topic = %s", ACCESS_TOPIC)[0][0]
    )


def access_log(hall: Hall, **params: Any) -> httpx.Response:
    return hall.client("senior_inspector").get(
        "/api/v1/audit/access-log", params={"page_size": 200, **params}
    )


def test_every_inspector_read_records_one_access_event_with_its_case_file(
    hall: Hall, case: dict[str, Any]
) -> None:
    before = access_events(hall.platform)
    files = {}
    for role in ("inspector", "senior_inspector"):
        for read, path, params in reads(case):
            case_file = f"纪检案卷-{read}-{uuid4().hex[:8]}"
            response = hall.client(role).get(path, params={**params, "case_file": case_file})
            assert response.status_code == 200, f"{read}: {response.text}"
            files[case_file] = (role, read, params)
    assert access_events(hall.platform) == before + len(files)
    total = before + len(files)
    logged = wait_until(
        lambda: (answer := access_log(hall).json())["total"] == total and answer,
        what="every read in the access log",
    )
    entries = {e["case_file"]: e for e in logged["items"]}
    assert all(sum(e["case_file"] == f for e in logged["items"]) == 1 for f in files)
    for case_file, (role, read, params) in files.items():
        entry = entries[case_file]
        assert entry["inspector"]["id"] == f"{role}-hall" and entry["inspector"]["role"] == role
        assert entry["read"] == read
        assert {k: str(v) for k, v in params.items()}.items() <= entry["parameters"].items()
        assert "case_file" not in entry["parameters"]
        if read.startswith("case"):
            assert entry["case_id"] == case["case_id"]
        if read == "officer-trail":
            assert entry["officer"] == "clerk-hall"
        if read in ("event-search", "case-personal-data"):
            assert entry["case_no"] == case["case_no"]
    mine = access_log(hall, inspector="inspector-hall").json()
    assert mine["total"] == len(reads(case)) and {
        e["inspector"]["role"] for e in mine["items"]
    } == {"inspector"}
    newest = access_log(hall, page_size=1).json()["items"][0]
    assert newest["read"] == "case-personal-data" and newest["inspector"]["role"] == (
        "senior_inspector"
    )
    # the inspectors' own reads stay out of the trail inspectors search
    searched = hall.client("inspector").get(
        "/api/v1/audit/officers/inspector-hall/trail", params={"case_file": "纪检案卷-自查"}
    )
    assert searched.json()["total"] == 0


def test_a_read_without_a_case_file_is_refused_and_records_nothing(
    hall: Hall, case: dict[str, Any]
) -> None:
    before = access_events(hall.platform)
    for read, path, params in reads(case)[:-1]:  # the staff read masks without a case file
        for missing in ({}, {"case_file": "   "}):
            response = hall.client("inspector").get(path, params={**params, **missing})
            assert response.status_code == 400, f"{read}: {response.text}"
            assert response.headers["content-type"] == "application/problem+json"
            assert "case_file is required" in response.json()["detail"]
    masked = hall.client("inspector").get(f"/api/v1/cases/{case['case_id']}").json()
    assert masked["applicant"]["masked"] is True and masked["applicant"]["id_number"] is None
    assert access_events(hall.platform) == before


def test_other_roles_are_refused_and_only_a_senior_inspector_reads_the_log(
    hall: Hall, case: dict[str, Any]
) -> None:
    before = access_events(hall.platform)
    audit_reads = [(path, params) for _, path, params in reads(case)[:-1]]
    log: tuple[str, dict[str, Any]] = ("/api/v1/audit/access-log", {})
    for role, department in OUTSIDERS:
        for path, params in [*audit_reads, log]:
            response = hall.client(role, department).get(
                path, params={**params, "case_file": "纪检案卷-越权"}
            )
            assert response.status_code == 403, f"{role} {path}: {response.text}"
            assert response.json()["type"] == "urn:casetrail:problem:forbidden"
    applicant = hall.platform.token("applicant")  # applicants get no token that verifies
    for path, params in [*audit_reads, log]:
        anonymous = httpx.get(f"{hall.platform.base_url}{path}", params=params)
        assert anonymous.status_code == 401
        refused = httpx.get(
            f"{hall.platform.base_url}{path}",
            params={**params, "case_file": "x"},
            headers={"Authorization": f"Bearer {applicant}"},
        )
        assert refused.status_code == 401 and "applicants act" in refused.json()["detail"]
    inspector = hall.client("inspector").get(log[0])
    assert inspector.status_code == 403 and "read-access-log" in inspector.json()["detail"]
    assert access_log(hall).status_code == 200
    assert access_events(hall.platform) == before
