"""The public JSON API on the real servers: decisions, statistics, the catalogue, ETags,
the applicant's rating, and no personal data anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration.harness import Platform, public_text, wait_until

PEOPLE = [
    {
        "kind": "person",
        "name": "欧阳小明",
        "id_number": "110101199001011234",
        "phone": "13912345678",
        "address": "北京市东城区某路1号",
    },
    {"kind": "person", "name": "李华", "id_number": "310101198502023456", "phone": "13700001111"},
]
COMPANY = {"kind": "organisation", "name": "青山餐饮有限公司", "id_number": "91110000MA01ABCD2X"}


def walk(platform: Platform, applicant: dict[str, Any], outcome: str) -> dict[str, Any]:
    """Submit a SCJG-001 case and take it to completion with ``outcome``."""
    with (
        platform.client("clerk") as clerk,
        platform.client("approver", "SCJG") as approver,
        platform.client("officer", "SCJG") as officer,
    ):
        case = clerk.post(
            "/api/v1/cases",
            json={"item_code": "SCJG-001", "channel": "online", "applicant": applicant},
        ).json()
        path = f"/api/v1/cases/{case['case_id']}"
        clerk.post(f"{path}/accept").raise_for_status()
        officer.post(f"{path}/assign", json={"assignee": "officer-scjg"}).raise_for_status()
        for step, by in (("审查", officer), ("决定", approver)):
            body = {"step": step, "opinion": "agree"}
            by.post(f"{path}/complete-step", json=body).raise_for_status()
        decision: dict[str, Any] = {"outcome": outcome}
        if outcome == "denied":
            decision |= {
                "reasons": ["经营场所不符合要求"],
                "legal_basis": "《食品安全法》第三十五条",
                "appeal_notice": "六十日内可申请行政复议",
            }
        approver.post(f"{path}/decide", json=decision).raise_for_status()
        clerk.post(f"{path}/deliver", json={"method": "post"}).raise_for_status()
        done = officer.post(f"{path}/complete").json()
    return {**case, "position": done["position"]}


@pytest.fixture(scope="module")
def public(platform: Platform) -> Iterator[tuple[Platform, httpx.Client, list[dict]]]:
    for name in ("relay", "project", "api"):
        platform.start(name)
    cases = [
        walk(platform, PEOPLE[0], "approved"),
        walk(platform, PEOPLE[1], "denied"),
        walk(platform, COMPANY, "approved"),
    ]
    with httpx.Client(base_url=platform.base_url, timeout=30) as anyone:
        last = cases[-1]
        anyone.get(
            f"/api/v1/public/cases/{last['case_no']}",
            params={"query_code": last["query_code"], "min_position": last["position"]},
        )
        wait_until(
            lambda: anyone.get("/api/v1/public/decisions").json()["total"] == 3,
            what="the decisions projection",
        )
        yield platform, anyone, cases


def test_decisions_search_filter_and_paging(public: tuple[Platform, httpx.Client, list]) -> None:
    _, anyone, cases = public
    everything = anyone.get("/api/v1/public/decisions").json()
    assert everything["total"] == 3 and everything["page"] == 1
    assert {d["applicant"] for d in everything["items"]} == {"欧**明", "李*", "青山餐饮有限公司"}
    denied = anyone.get("/api/v1/public/decisions", params={"outcome": "denied"}).json()
    assert [d["case_no"] for d in denied["items"]] == [cases[1]["case_no"]]
    assert denied["items"][0]["reasons"] == ["经营场所不符合要求"]
    found = anyone.get("/api/v1/public/decisions", params={"q": "青山"}).json()
    assert found["total"] == 1 and found["items"][0]["department_name"] == "市场监督管理局"
    page = anyone.get("/api/v1/public/decisions", params={"page": 2, "page_size": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 1
    assert anyone.get("/api/v1/public/decisions", params={"page": 0}).status_code == 422


def test_statistics_and_the_catalogue(public: tuple[Platform, httpx.Client, list]) -> None:
    _, anyone, _ = public
    rows = anyone.get("/api/v1/public/statistics").json()["rows"]
    scjg = next(r for r in rows if r["key"] == "SCJG")
    assert (scjg["received"], scjg["completed"], scjg["name"]) == (3, 3, "市场监督管理局")
    assert scjg["on_time_rate"] == 1.0
    assert anyone.get("/api/v1/public/statistics/monthly").json()["rows"]
    assert anyone.get("/api/v1/public/statistics", params={"month": "2026-13"}).status_code == 422
    items = anyone.get("/api/v1/public/catalogue", params={"department": "ZJ"}).json()["items"]
    assert "ZJ-001" in {i["code"] for i in items}
    guide = anyone.get("/api/v1/public/catalogue/ZJ-001").json()
    assert guide["content"]["co_departments"] and guide["department_name"]
    assert anyone.get("/api/v1/public/catalogue/NOPE").status_code == 404


def test_lists_carry_etags_and_cache_control(public: tuple[Platform, httpx.Client, list]) -> None:
    _, anyone, cases = public
    first = anyone.get("/api/v1/public/decisions")
    assert first.headers["Cache-Control"] == "public, max-age=30"
    again = anyone.get("/api/v1/public/decisions", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.content
    case = cases[0]
    params = {"query_code": case["query_code"]}
    tracked = anyone.get(f"/api/v1/public/cases/{case['case_no']}", params=params)
    assert tracked.headers["Cache-Control"] == "private, no-cache"
    unchanged = anyone.get(
        f"/api/v1/public/cases/{case['case_no']}",
        params=params,
        headers={"If-None-Match": tracked.headers["ETag"]},
    )
    assert unchanged.status_code == 304


def test_the_applicant_rates_a_closed_case(public: tuple[Platform, httpx.Client, list]) -> None:
    platform, anyone, cases = public
    case = cases[0]
    view = anyone.get(
        f"/api/v1/public/cases/{case['case_no']}", params={"query_code": case["query_code"]}
    ).json()
    assert view["rating_url"] == f"/api/v1/public/cases/{case['case_no']}/rating"
    wrong = anyone.post(
        view["rating_url"], json={"query_code": "AAAAAAAA", "stage": "closure", "level": 5}
    )
    assert wrong.status_code == 404
    rated = anyone.post(
        view["rating_url"], json={"query_code": case["query_code"], "stage": "closure", "level": 4}
    )
    assert rated.status_code == 200, rated.text
    twice = anyone.post(
        view["rating_url"], json={"query_code": case["query_code"], "stage": "closure", "level": 1}
    )
    assert twice.status_code == 422
    with platform.client("inspector") as inspector:
        staff = inspector.get(f"/api/v1/cases/{case['case_id']}").json()
    assert staff["ratings"]["closure"]["level"] == 4


def test_no_personal_data_in_any_public_response(
    public: tuple[Platform, httpx.Client, list],
) -> None:
    _, anyone, cases = public
    text = public_text(anyone, [(c["case_no"], c["query_code"]) for c in cases])
    for person in PEOPLE:
        for secret in (person["name"], person["id_number"], person["phone"], person.get("address")):
            if secret:
                assert secret not in text, f"{secret} leaked into a public response"
