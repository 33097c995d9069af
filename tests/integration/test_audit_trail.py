"""The audit trail on the real servers: every event reaches the audit projection through
Kafka with its actor, role, department, channel and whole content; each search filter
returns exactly its events; an officer's trail counts each type and names the cases it
touched; a case's trail links its chain."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any
from uuid import uuid4

import pytest

from domain.chain import GENESIS
from tests.integration.harness import Hall, Platform, running_hall, wait_until

PERSON = {"kind": "person", "name": "吴十一", "id_number": "110101198502021234"}
CASE_FILE = "纪检案卷〔2026〕第11号"
# (case, action, role, department, body): the food licence F by SCJG, the taxi licence T by
# JT; each case's versions follow its list (its intake is version 1)
ACTIONS: list[tuple[str, str, str, str, dict[str, Any]]] = [
    ("F", "accept", "clerk", "HALL", {}),
    ("F", "assign", "officer", "SCJG", {"assignee": "officer-scjg"}),
    (
        "F",
        "complete-step",
        "officer",
        "SCJG",
        {"step": "审查", "opinion": "agree", "comment": "经核查符合条件"},
    ),
    ("F", "complete-step", "approver", "SCJG", {"step": "决定", "opinion": "agree"}),
    ("F", "decide", "approver", "SCJG", {"outcome": "approved"}),
    ("T", "accept", "clerk", "HALL", {}),
    ("T", "assign", "officer", "JT", {"assignee": "officer-jt"}),
    ("T", "suspend", "officer", "JT", {"reason": "申请人请求中止"}),
]
ITEMS = {"F": "SCJG-001", "T": "JT-001"}
Key = tuple[str, int]  # (case F or T, version)


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


@pytest.fixture(scope="module")
def cases(hall: Hall) -> dict[str, dict[str, Any]]:
    """Both cases once every event of theirs is in the audit projection."""
    cases = {name: hall.submit(item) for name, item in ITEMS.items()}
    for name, action, role, department, body in ACTIONS:
        hall.act(cases[name], action, role, department, **body)
    ids = [case["case_id"] for case in cases.values()]
    wait_until(
        lambda: (
            hall.platform.sql(
                "SELECT count(*) FROM audit_events WHERE aggregate_id::text = ANY(%s)", ids
            )[0][0]
            == len(ACTIONS) + len(cases)
        ),
        what="the audit projection",
    )
    return cases


def search(hall: Hall, **params: Any) -> dict[str, Any]:
    response = hall.client("inspector").get(
        "/api/v1/audit/events", params={"case_file": CASE_FILE, "page_size": 200, **params}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def keys(cases: dict[str, dict[str, Any]], items: list[dict[str, Any]]) -> list[Key]:
    names = {case["case_id"]: name for name, case in cases.items()}
    return [(names[item["aggregate_id"]], item["version"]) for item in items]


def expected(**where: str) -> list[Key]:
    """The (case, version) of the events matching ``where``, newest first: the intakes
    (the clerk's at the hall, F then T), then the actions in their order."""
    done = [(name, "submit", "clerk", "HALL") for name in ITEMS] + [a[:4] for a in ACTIONS]
    versions: dict[str, int] = {}
    found = []
    for name, action, role, department in done:
        versions[name] = versions.get(name, 0) + 1
        values = {"case": name, "action": action, "role": role, "department": department}
        if all(values[k] == v for k, v in where.items()):
            found.append((name, versions[name]))
    return found[::-1]


def test_each_filter_returns_exactly_its_events(
    hall: Hall, cases: dict[str, dict[str, Any]]
) -> None:
    food, taxi = cases["F"], cases["T"]
    by_case = search(hall, case_id=food["case_id"])
    assert keys(cases, by_case["items"]) == expected(case="F") and by_case["total"] == 6
    assert keys(cases, search(hall, case_no=taxi["case_no"])["items"]) == expected(case="T")
    officer = search(hall, officer="officer-scjg")["items"]
    assert keys(cases, officer) == expected(role="officer", department="SCJG")
    assert keys(cases, search(hall, department="JT")["items"]) == expected(department="JT")
    clerks = search(hall, department="HALL", case_department="SCJG")["items"]
    assert keys(cases, clerks) == expected(case="F", department="HALL")
    assert keys(cases, search(hall, case_department="JT")["items"]) == expected(case="T")
    assigned = expected(action="assign")
    assert keys(cases, search(hall, type="casetrail.case.assigned")["items"]) == assigned
    assert keys(cases, search(hall, type="casetrail.case.assigned.v1")["items"]) == assigned
    assert search(hall, type="casetrail.case.assigned.v9")["total"] == 0
    # F's actions came between T's intake and T's acceptance (`to` is exclusive)
    since, until = (search(hall, case_id=taxi["case_id"])["items"][-v]["time"] for v in (1, 2))
    period = search(hall, **{"from": since, "to": until})
    assert keys(cases, period["items"]) == [*expected(case="F")[:-1], ("T", 1)]
    page = search(hall, case_id=food["case_id"], page=2, page_size=2)
    assert keys(cases, page["items"]) == expected(case="F")[2:4] and page["total"] == 6
    row = officer[-1]
    assert row["actor"] == {
        "id": "officer-scjg",
        "role": "officer",
        "department": "SCJG",
        "simulated": False,
    }
    assert (row["case_no"], row["case_department"], row["channel"], row["stream"]) == (
        food["case_no"],
        "SCJG",
        "window",
        "case",
    )


def test_an_officers_trail_counts_each_type_and_names_the_cases(
    hall: Hall, cases: dict[str, dict[str, Any]]
) -> None:
    def trail(user: str, **params: Any) -> dict[str, Any]:
        response = hall.client("inspector").get(
            f"/api/v1/audit/officers/{user}/trail", params={"case_file": CASE_FILE, **params}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    approver = trail("approver-scjg")
    assert approver["by_type"] == {
        "casetrail.case.decided.v3": 1,
        "casetrail.case.step_completed.v2": 1,
    }
    assert approver["total"] == 2 and [e["version"] for e in approver["items"]] == [6, 5]
    assert [(c["case_no"], c["events"]) for c in approver["cases"]] == [(cases["F"]["case_no"], 2)]
    clerk = trail("clerk-hall")
    assert clerk["by_type"] == {
        "casetrail.case.accepted.v3": 2,
        "casetrail.case.submitted.v3": 2,
    }
    assert [c["case_no"] for c in clerk["cases"]] == [cases["T"]["case_no"], cases["F"]["case_no"]]
    assert clerk["cases"][0]["department"] == "JT"
    paged = trail("clerk-hall", page=2, page_size=3)
    assert paged["total"] == 4 and len(paged["items"]) == 1 and paged["by_type"] == clerk["by_type"]
    later = trail("clerk-hall", **{"from": "2099-01-01T00:00:00+08:00"})
    assert (later["total"], later["by_type"], later["cases"]) == (0, {}, [])


def test_a_cases_trail_links_its_chain_and_keeps_the_whole_content(
    hall: Hall, cases: dict[str, dict[str, Any]]
) -> None:
    food = cases["F"]
    response = hall.client("inspector").get(
        f"/api/v1/audit/cases/{food['case_id']}/trail", params={"case_file": CASE_FILE}
    )
    assert response.status_code == 200, response.text
    trail = response.json()
    assert (trail["case_no"], trail["department"], trail["channel"]) == (
        food["case_no"],
        "SCJG",
        "window",
    )
    events = trail["events"]
    assert [e["version"] for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[0]["prevhash"] == GENESIS
    assert all(later["prevhash"] == earlier["hash"] for earlier, later in pairwise(events))
    assert events[-1]["hash"] == hall.staff_view(food, "SCJG")["head_hash"]
    assert events[3]["data"]["comment"] == "经核查符合条件"  # an officer's opinion, in full
    assert events[3]["actor"]["role"] == "officer"
    # personal data stays sealed as recorded: the masked name only
    assert events[0]["data"]["applicant"]["display_name"] == "吴*一"
    assert PERSON["name"] not in response.text and PERSON["id_number"] not in response.text
    unknown = hall.client("inspector").get(
        f"/api/v1/audit/cases/{uuid4()}/trail",
        params={"case_file": CASE_FILE},
    )
    assert unknown.status_code == 404, unknown.text
    assert unknown.headers["content-type"] == "application/problem+json"
