"""The public read side reads projections only: department names and the working-day
calendar follow their events once the projection runner has applied them (not before,
and not from the demo catalogue file), and every public answer holds exactly its
allow-listed fields, as OpenAPI documents them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from domain.calendar import default_calendar, seed_from_chinesecalendar
from domain.case import local_date
from infra.catalogue import read_catalogue
from tests.integration.harness import Hall, Platform, running_hall, wait_until

PERSON = {"kind": "person", "name": "钱七", "id_number": "110101198001010055"}
TRACK_FIELDS = {
    "case_no",
    "item_code",
    "item_name",
    "department",
    "department_name",
    "channel",
    "applicant",
    "status",
    "status_label",
    "timeline",
    "missing",
    "decision",
    "paused",
    "promised_deadline",
    "statutory_deadline",
    "deadline_provisional",
    "limit_unit",
    "days_remaining",
    "working_days_remaining",
    "rating_url",
    "updated_at",
    "version",
    "position",
}
DECISION_FIELDS = {
    "case_no",
    "item_code",
    "item_name",
    "department",
    "department_name",
    "applicant",
    "status",
    "outcome",
    "result",
    "reasons",
    "legal_basis",
    "submitted_on",
    "accepted_on",
    "decided_on",
    "closed_on",
    "on_time",
}
CATALOGUE_FIELDS = {
    "code",
    "name",
    "category",
    "department",
    "department_name",
    "status",
    "revision",
    "statutory_limit",
    "promised_limit",
    "immediate",
    "free",
}
GUIDE_FIELDS = {
    "item_id",
    "code",
    "name",
    "category",
    "department",
    "department_name",
    "supervising_department",
    "supervising_department_name",
    "status",
    "revision",
    "content",
    "revisions",
    "version",
    "position",
}
STATISTICS_FIELDS = {
    "key",
    "name",
    "received",
    "accepted",
    "completed",
    "on_time_rate",
    "median_days_used",
    "p90_days_used",
    "median_share_of_limit",
    "p90_share_of_limit",
    "ratings",
    "poor_ratings",
    "poor_rectified_share",
}


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


@pytest.fixture(scope="module")
def anyone(platform: Platform) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=platform.base_url, timeout=30) as client:
        yield client


def track(anyone: httpx.Client, case: dict[str, Any]) -> dict[str, Any]:
    response = anyone.get(
        f"/api/v1/public/cases/{case['case_no']}", params={"query_code": case["query_code"]}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def department_names(anyone: httpx.Client) -> dict[str, str]:
    names: dict[str, str] = anyone.get("/api/v1/public/departments").json()["departments"]
    return names


def test_department_names_come_from_their_events(
    hall: Hall, platform: Platform, anyone: httpx.Client
) -> None:
    in_file = read_catalogue()["departments"]
    wait_until(lambda: department_names(anyone) == in_file, what="the registered departments")
    case = hall.submit("SCJG-001")
    assert hall.public(case, case["position"])["department_name"] == "市场监督管理局"

    platform.stop("project")
    admin = hall.client("hall_admin")
    renamed = admin.post(
        "/api/v1/departments/SCJG/rename",
        json={"name": "市场监管局", "reason": "机构改革（测试）", "expected_version": 1},
    )
    assert renamed.status_code == 200, renamed.text
    added = admin.post("/api/v1/departments", json={"code": "DSJ", "name": "大数据管理局"})
    assert added.status_code == 201, added.text
    assert department_names(anyone) == in_file  # the view has not applied them yet

    platform.start("project")
    wait_until(
        lambda: (
            department_names(anyone) == {**in_file, "SCJG": "市场监管局", "DSJ": "大数据管理局"}
        ),
        what="the renamed and the new department in the view",
    )
    assert track(anyone, case)["department_name"] == "市场监管局"
    guide = anyone.get("/api/v1/public/catalogue/SCJG-001").json()
    assert guide["department_name"] == guide["supervising_department_name"] == "市场监管局"
    listed = anyone.get("/api/v1/public/catalogue", params={"department": "SCJG"}).json()
    assert {item["department_name"] for item in listed["items"]} == {"市场监管局"}
    rows = anyone.get("/api/v1/public/statistics").json()["rows"]
    assert next(row["name"] for row in rows if row["key"] == "SCJG") == "市场监管局"


def test_only_hall_administrators_name_departments(hall: Hall) -> None:
    clerk, admin = hall.client("clerk"), hall.client("hall_admin")
    refused = clerk.post("/api/v1/departments", json={"code": "X1", "name": "某局"})
    assert refused.status_code == 403
    again = admin.post("/api/v1/departments", json={"code": "GA", "name": "公安局"})
    assert again.status_code == 409
    unknown = admin.post("/api/v1/departments/NOPE/rename", json={"name": "某局", "reason": "r"})
    assert unknown.status_code == 404
    same = admin.post("/api/v1/departments/GA/rename", json={"name": "公安局", "reason": "r"})
    assert same.status_code == 422 and "already named" in same.json()["detail"]


def next_working_day(after: date) -> date:
    day = after + timedelta(days=1)
    while not default_calendar().is_working_day(day):
        day += timedelta(days=1)
    return day


def test_the_days_left_follow_the_published_calendar_view(
    hall: Hall, platform: Platform, anyone: httpx.Client
) -> None:
    case = hall.submit("SCJG-001")
    accepted = hall.act(case, "accept", "clerk")
    view = hall.public(case, accepted)
    today = local_date(datetime.now(UTC))
    due = date.fromisoformat(view["promised_deadline"])
    left = default_calendar().working_days_between(today, due)
    assert view["working_days_remaining"] == left > 0

    day_off = next_working_day(today)  # made a holiday by a correction of its year
    (seeded,) = seed_from_chinesecalendar([day_off.year])
    platform.stop("project")
    published = hall.client("hall_admin").post(
        "/api/v1/calendar/years",
        json={
            "year": day_off.year,
            "holidays": sorted(d.isoformat() for d in seeded.holidays | {day_off}),
            "makeup_workdays": sorted(d.isoformat() for d in seeded.makeup_workdays),
            "notice": "调休更正通知（测试数据）",
        },
    )
    assert published.status_code == 201, published.text
    assert track(anyone, case)["working_days_remaining"] == left  # not applied yet

    platform.start("project")
    position = published.json()["position"]
    wait_until(
        lambda: platform.sql("SELECT 1 FROM public_calendar WHERE position = %s", position),
        what="the corrected calendar in its view",
    )
    assert track(anyone, case)["working_days_remaining"] == left - 1


def test_the_days_left_are_told_in_the_promised_limits_unit(hall: Hall) -> None:
    """Accepted today: SCJG-001 promises 5 working days, JT-001 10 natural days; the
    working days field stays for working-day limits only."""
    food, transport = hall.submit("SCJG-001"), hall.submit("JT-001")
    assert hall.public(food, food["position"])["days_remaining"] is None  # not accepted yet
    working = hall.public(food, hall.act(food, "accept", "clerk"))
    assert (working["limit_unit"], working["days_remaining"]) == ("G", 5)
    assert working["working_days_remaining"] == 5
    natural = hall.public(transport, hall.act(transport, "accept", "clerk"))
    assert (natural["limit_unit"], natural["days_remaining"]) == ("Z", 10)
    assert natural["working_days_remaining"] is None
    due = date.fromisoformat(natural["promised_deadline"])
    assert due == date.fromisoformat(natural["timeline"][-1]["date"]) + timedelta(days=10)


def schema_fields(document: dict[str, Any], name: str) -> set[str]:
    return set(document["components"]["schemas"][name]["properties"])


def test_public_answers_hold_exactly_the_allow_listed_fields(
    hall: Hall, platform: Platform, anyone: httpx.Client
) -> None:
    case = hall.submit("SCJG-001")
    hall.act(case, "accept", "clerk")
    closed = hall.approve_and_close(case, "SCJG")
    tracked = hall.public(case, closed)
    assert set(tracked) == TRACK_FIELDS
    ((stored,),) = platform.sql(
        "SELECT view FROM public_case_status WHERE case_no = %s", case["case_no"]
    )
    assert {"case_id", "closed"} <= set(stored) - set(tracked)  # kept by the view only
    wait_until(
        lambda: anyone.get("/api/v1/public/decisions", params={"q": case["case_no"]}).json()[
            "items"
        ],
        what="the published decision",
    )
    (decision,) = anyone.get("/api/v1/public/decisions", params={"q": case["case_no"]}).json()[
        "items"
    ]
    assert set(decision) == DECISION_FIELDS
    entries = anyone.get("/api/v1/public/catalogue").json()["items"]
    assert entries and all(set(entry) == CATALOGUE_FIELDS for entry in entries)
    assert set(anyone.get("/api/v1/public/catalogue/SCJG-001").json()) == GUIDE_FIELDS
    rows = anyone.get("/api/v1/public/statistics").json()["rows"]
    assert rows and all(set(row) == STATISTICS_FIELDS for row in rows)

    document = anyone.get("/openapi.json").json()
    assert schema_fields(document, "PublicCase") == TRACK_FIELDS
    assert schema_fields(document, "PublishedDecision") == DECISION_FIELDS
    assert schema_fields(document, "CatalogueEntry") == CATALOGUE_FIELDS
    assert schema_fields(document, "Guide") == GUIDE_FIELDS
    assert schema_fields(document, "StatisticsRow") == STATISTICS_FIELDS
    tracking = document["paths"]["/api/v1/public/cases/{case_no}"]["get"]["responses"]["200"]
    assert tracking["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PublicCase"
    }
