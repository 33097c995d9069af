"""A case through the HTTP API, PostgreSQL, Kafka and the public view, on the real servers."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import orjson
import pytest

from domain.chain import verify_chain
from infra import kafka
from tests.integration.harness import Platform

APPLICANT = {
    "kind": "person",
    "name": "张三丰",
    "id_number": "110101199003071234",
    "phone": "13800000001",
}
CLOUDEVENT_FIELDS = {
    "specversion",
    "id",
    "source",
    "type",
    "subject",
    "time",
    "datacontenttype",
    "data",
    "caseversion",
    "position",
    "prevhash",
    "hash",
}


@pytest.fixture(scope="module")
def running(platform: Platform) -> Iterator[Platform]:
    for name in ("relay", "project", "api"):
        platform.start(name)
    yield platform


def test_a_case_travels_to_the_public_view_and_the_topic(running: Platform) -> None:
    with running.client(role="clerk") as staff:
        created = staff.post(
            "/api/v1/cases",
            json={
                "item_code": "SCJG-001",
                "channel": "window",
                "applicant": APPLICANT,
                "materials": [{"code": "M1", "name": "申请书"}],
            },
        )
        assert created.status_code == 201, created.text
        case = created.json()
        case_id, case_no, code = case["case_id"], case["case_no"], case["query_code"]
        assert case["version"] == 1 and case["position"] >= 1

        def public(position: int) -> dict:
            response = staff.get(
                f"/api/v1/public/cases/{case_no}",
                params={"query_code": code, "min_position": position},
            )
            assert response.status_code == 200, response.text
            assert response.headers["Casetrail-Position-Reached"] == "true"
            return response.json()

        assert public(case["position"])["status"] == "submitted"
        steps = [
            ("accept", {}, "accepted"),
            ("decide", {"outcome": "approved"}, "approved"),
            ("complete", {}, "completed"),
        ]
        for version, (action, body, status) in enumerate(steps, start=2):
            done = staff.post(
                f"/api/v1/cases/{case_id}/{action}", json={**body, "expected_version": version - 1}
            )
            assert done.status_code == 200, done.text
            assert done.json()["version"] == version
            view = public(done.json()["position"])
            assert view["status"] == status
            assert view["version"] == version
        assert [m["status"] for m in view["timeline"]] == [
            "submitted",
            "accepted",
            "approved",
            "completed",
        ]
        assert view["applicant"] == "张*丰"
        assert "110101199003071234" not in orjson.dumps(view).decode()

        staff_view = staff.get(f"/api/v1/cases/{case_id}").json()
        assert staff_view["status"] == "completed" and staff_view["version"] == 4

    messages = [m for m in running.read_topic() if m.key == case_id.encode()]
    events = [orjson.loads(m.value) for m in messages]
    assert [e["caseversion"] for e in events] == [1, 2, 3, 4]
    assert [e["type"] for e in events] == [
        "casetrail.case.submitted.v1",
        "casetrail.case.accepted.v1",
        "casetrail.case.decided.v1",
        "casetrail.case.completed.v1",
    ]
    for message, event in zip(messages, events, strict=True):
        assert set(event) == CLOUDEVENT_FIELDS
        assert event["specversion"] == "1.0" and event["subject"] == case_id
        assert event["source"] == "/casetrail/demo-hall"
        assert UUID(event["id"])
        assert dict(message.headers) == {
            "ce_id": event["id"].encode(),
            "ce_type": event["type"].encode(),
        }
        assert event["data"]["actor"] == {"id": "u-1", "role": "clerk", "department": "SCJG"}
    assert len({m.partition for m in messages}) == 1
    verify_chain(events, head=staff_view["head_hash"])


def test_a_wrong_query_code_and_an_unknown_number_look_the_same(running: Platform) -> None:
    with running.client() as staff:
        case = staff.post(
            "/api/v1/cases",
            json={"item_code": "WJ-001", "channel": "online", "applicant": APPLICANT},
        ).json()
        right = staff.get(
            f"/api/v1/public/cases/{case['case_no']}",
            params={"query_code": case["query_code"], "min_position": case["position"]},
        )
        assert right.status_code == 200
        wrong = staff.get(
            f"/api/v1/public/cases/{case['case_no']}", params={"query_code": "AAAAAAAA"}
        )
        unknown = staff.get(
            "/api/v1/public/cases/WJ-20000101-9999", params={"query_code": case["query_code"]}
        )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["content-type"] == "application/problem+json"


def test_the_topic_is_an_immutable_log(running: Platform) -> None:
    config = kafka.describe_topic_config(running.settings.bootstrap_servers, running.topic)
    assert config["retention.ms"] == "-1"
    assert config["retention.bytes"] == "-1"
    assert config["cleanup.policy"] == "delete"
    assert config["unclean.leader.election.enable"] == "false"
    assert kafka.partition_count(running.settings.bootstrap_servers, running.topic) == 12
