"""The power list and the calendar over HTTP: hall administrators edit, everyone reads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.item_terms import CATEGORIES, SPECIAL_PROCEDURES
from infra.catalogue import read_catalogue
from tests.integration.harness import Platform


@pytest.fixture(scope="module")
def api(platform: Platform) -> Iterator[Platform]:
    platform.start("api")
    yield platform


def new_item(code: str) -> dict:
    entry = next(e for e in read_catalogue()["items"] if e["code"] == "SCJG-001")
    return {**entry, "code": code, "name": "测试事项"}


def test_register_read_revise_suspend_resume_retire(api: Platform) -> None:
    with api.client("hall_admin") as admin, api.client("clerk") as clerk:
        created = admin.post("/api/v1/service-items", json=new_item("TEST-001"))
        assert created.status_code == 201, created.text
        again = admin.post("/api/v1/service-items", json=new_item("TEST-001"))
        assert again.status_code == 409
        item = clerk.get("/api/v1/service-items/TEST-001").json()
        assert (item["status"], item["revision"]) == ("active", 1)
        revised = {**item["content"], "promised_limit": {"days": 3, "unit": "G"}}
        response = admin.post(
            "/api/v1/service-items/TEST-001/revise",
            json={"content": revised, "reason": "压缩承诺时限"},
        )
        assert response.status_code == 200, response.text
        item = clerk.get("/api/v1/service-items/TEST-001").json()
        assert item["revision"] == 2 and item["content"]["promised_limit"]["days"] == 3
        assert [r["revision"] for r in item["revisions"]] == [1, 2]
        for action, status in (
            ("suspend", "suspended"),
            ("resume", "active"),
            ("retire", "retired"),
        ):
            response = admin.post(
                f"/api/v1/service-items/TEST-001/{action}", json={"reason": "测试"}
            )
            assert response.status_code == 200, response.text
            assert clerk.get("/api/v1/service-items/TEST-001").json()["status"] == status
        refused = clerk.post(
            "/api/v1/cases",
            json={
                "item_code": "TEST-001",
                "channel": "online",
                "applicant": {"kind": "person", "name": "李四", "id_number": "1"},
            },
        )
        assert refused.status_code == 422 and "retired" in refused.json()["detail"]


def test_only_hall_administrators_edit_and_bad_content_is_explained(api: Platform) -> None:
    with api.client("approver", "SCJG") as approver, api.client("hall_admin") as admin:
        assert approver.post("/api/v1/service-items", json=new_item("TEST-002")).status_code == 403
        bad = {**new_item("TEST-003"), "promised_limit": {"days": 30, "unit": "G"}}
        response = admin.post("/api/v1/service-items", json=bad)
        assert response.status_code == 422
        assert "exceeds the statutory limit" in response.json()["detail"]
        assert admin.get("/api/v1/service-items/TEST-003").status_code == 404


def test_publishing_a_calendar_year(api: Platform) -> None:
    with api.client("hall_admin") as admin, api.client("clerk") as clerk:
        years = clerk.get("/api/v1/calendar/years").json()["published_years"]
        assert 2026 in years and 2027 not in years
        body = {
            "year": 2027,
            "holidays": ["2027-01-01"],
            "makeup_workdays": [],
            "notice": "国务院办公厅关于2027年部分节假日安排的通知（测试数据）",
        }
        assert clerk.post("/api/v1/calendar/years", json=body).status_code == 403
        first = admin.post("/api/v1/calendar/years", json=body)
        assert first.status_code == 201
        assert 2027 in clerk.get("/api/v1/calendar/years").json()["published_years"]
        retried = admin.post("/api/v1/calendar/years", json=body)  # records nothing new
        assert retried.status_code == 200
        assert retried.json()["version"] == first.json()["version"]
        assert retried.json()["position"] >= first.json()["position"]
        bad = {**body, "year": 2028, "holidays": ["2027-05-01"]}
        response = admin.post("/api/v1/calendar/years", json=bad)
        assert response.status_code == 422 and "another year" in response.json()["detail"]


def test_a_retried_item_change_is_replayed(api: Platform) -> None:
    with api.client("hall_admin") as admin:
        assert admin.post("/api/v1/service-items", json=new_item("TEST-004")).status_code == 201
        path, key = "/api/v1/service-items/TEST-004/suspend", {"Idempotency-Key": "suspend-4"}
        first = admin.post(path, json={"reason": "系统升级"}, headers=key)
        again = admin.post(path, json={"reason": "系统升级"}, headers=key)
        assert first.status_code == again.status_code == 200, again.text
        assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
        assert first.json()["version"] == 2  # recorded once: register, suspend
        other = admin.post(path, json={"reason": "另一原因"}, headers=key)
        assert other.status_code == 422 and "different request" in other.json()["detail"]


def test_the_item_schema_documents_and_checks_the_domains_enumerations(api: Platform) -> None:
    with api.client("hall_admin") as admin:
        document = admin.get("/openapi.json").json()
        schemas = document["components"]["schemas"]
        content = schemas["ItemContentIn"]["properties"]
        assert content["category"]["enum"] == list(CATEGORIES)
        assert content["special_procedures"]["items"]["enum"] == list(SPECIAL_PROCEDURES)
        assert content["name"]["maxLength"] and content["materials"]["maxItems"]
        revise = document["paths"]["/api/v1/service-items/{code}/revise"]["post"]
        body = revise["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert schemas[body.rpartition("/")[2]]["properties"]["content"] == {
            "$ref": "#/components/schemas/ItemContentIn"
        }
        bad = {**new_item("TEST-005"), "category": "tax", "special_procedures": ["lottery"]}
        response = admin.post("/api/v1/service-items", json=bad)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert sorted(e["loc"][-2:] for e in response.json()["errors"]) == [
            ["body", "category"],
            ["special_procedures", 0],
        ]
        assert admin.get("/api/v1/service-items/TEST-005").status_code == 404
