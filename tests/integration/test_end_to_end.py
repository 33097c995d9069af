"""Cases through the HTTP API, PostgreSQL, Kafka and the public view, on the real servers:
one case of every closure path, including a parallel approval and a special procedure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import orjson
import pytest

from domain.chain import verify_chain
from infra import kafka_admin
from tests.integration.harness import Hall, Platform, hall_today, running_hall

PERSON = {
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
DENIAL = {
    "reasons": ["场所卫生条件不符合要求"],
    "legal_basis": "《公共场所卫生管理条例》第八条",
    "appeal_notice": "可于收到本决定之日起六十日内申请行政复议，或六个月内提起行政诉讼。",
}


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


def handle(hall: Hall, case: dict[str, Any], department: str, steps: list[tuple]) -> int:
    """Run ``(action, role, body)`` steps; the last position."""
    position = case["position"]
    for action, role, body in steps:
        acting_department = body.pop("_department", department if role != "clerk" else "HALL")
        position = hall.act(case, action, role, acting_department, **body)
    return int(position)


def test_approval_with_certificate_and_a_rectified_poor_rating(hall: Hall) -> None:
    case = hall.submit("SCJG-001")
    assert hall.public(case, case["position"])["status"] == "submitted"
    position = handle(
        hall,
        case,
        "SCJG",
        [
            ("accept", "clerk", {}),
            ("assign", "officer", {"assignee": "officer-scjg"}),
            ("complete-step", "officer", {"step": "审查", "opinion": "agree"}),
            ("complete-step", "approver", {"step": "决定", "opinion": "agree"}),
            ("decide", "approver", {"outcome": "approved"}),
            ("issue-certificate", "clerk", {"certificate_no": "JY13201000000001"}),
            ("deliver", "clerk", {"method": "electronic"}),
            ("complete", "officer", {}),
        ],
    )
    view = hall.public(case, position)
    assert [m["status"] for m in view["timeline"]] == [
        "submitted",
        "accepted",
        "approved",
        "certificate_issued",
        "delivered",
        "completed",
    ]
    assert view["applicant"] == "张*丰"
    assert "110101199003071234" not in orjson.dumps(view).decode()
    staff = hall.staff_view(case, "SCJG")
    assert staff["result"] == "certificate_issued" and staff["certificate_no"]
    assert staff["promised_deadline"] and staff["clock"]["working_days_used"] == 0
    handle(
        hall,
        case,
        "SCJG",
        [
            (
                "rate",
                "kiosk",
                {"stage": "closure", "level": 2, "comment": "等待时间长", "_department": "HALL"},
            ),
            (
                "order-rectification",
                "supervisor",
                {"stage": "closure", "instructions": "核实整改", "_department": "HALL"},
            ),
            ("report-rectification", "officer", {"stage": "closure", "measures": "增设窗口"}),
            (
                "complete-callback",
                "supervisor",
                {"stage": "closure", "satisfied": True, "_department": "HALL"},
            ),
        ],
    )
    assert hall.staff_view(case, "SCJG")["ratings"]["closure"]["rectification"] == "called_back"


def test_parallel_approval_with_a_special_procedure_and_an_extension(hall: Hall) -> None:
    case = hall.submit(
        "ZJ-001",
        {"kind": "organisation", "name": "恒信建设有限公司", "id_number": "91320000MA1XYZ0001"},
    )
    due = (hall_today() + timedelta(days=10)).isoformat()
    handle(
        hall,
        case,
        "ZJ",
        [
            ("accept", "clerk", {}),
            ("assign", "officer", {"assignee": "officer-zj"}),
            (
                "request-parallel-review",
                "officer",
                {"departments": ["ZRZY", "STHJ", "RF"], "due_on": due},
            ),
        ],
    )
    before = hall.staff_view(case, "ZJ")
    for department in ("ZRZY", "STHJ", "RF"):
        hall.act(case, "give-opinion", "officer", department, opinion="agree", comment="同意")
    assert hall.staff_view(case, "ZJ")["parallel_review"] is None  # closed by the last opinion
    position = handle(
        hall,
        case,
        "ZJ",
        [
            (
                "start-special-procedure",
                "officer",
                {
                    "kind": "inspection",
                    "expected_days": 3,
                    "notice": "现场勘查，期间不计入审批时限",
                },
            ),
        ],
    )
    paused = hall.public(case, position)
    assert paused["status"] == "special_procedure"
    assert hall.staff_view(case, "ZJ")["clock"]["paused"] is True
    position = handle(
        hall,
        case,
        "ZJ",
        [
            ("end-special-procedure", "officer", {"result": "现场符合开工条件"}),
            (
                "extend",
                "approver",
                {
                    "days": 15,
                    "reason": "联合审批，需各部门会商",
                    "approved_by": "government_head",
                    "approval_ref": "府办审批〔2026〕12号",
                },
            ),
            ("complete-step", "officer", {"step": "审查", "opinion": "agree"}),
            ("complete-step", "approver", {"step": "决定", "opinion": "agree"}),
            ("decide", "approver", {"outcome": "approved"}),
            ("issue-certificate", "clerk", {"certificate_no": "SG320100202611250001"}),
            ("deliver", "clerk", {"method": "window"}),
            ("complete", "officer", {}),
        ],
    )
    assert hall.public(case, position)["status"] == "completed"
    after = hall.staff_view(case, "ZJ")
    assert after["extension_days"] == 15
    assert after["statutory_deadline"] > before["statutory_deadline"]


@pytest.mark.parametrize(
    ("item", "department", "steps", "status"),
    [
        (
            "WJ-001",
            "WJ",
            [
                ("accept", "clerk", {}),
                ("assign", "officer", {"assignee": "officer-wj"}),
                ("complete-step", "officer", {"step": "审查", "opinion": "agree"}),
                ("complete-step", "approver", {"step": "决定", "opinion": "agree"}),
                ("decide", "approver", {"outcome": "denied", **DENIAL}),
                ("deliver", "clerk", {"method": "post"}),
                ("complete", "officer", {}),
            ],
            "completed",
        ),
        (
            "SCJG-002",
            "SCJG",
            [
                ("request-supplement", "clerk", {"missing": [{"code": "M2", "name": "资质证明"}]}),
                ("provide-supplement", "clerk", {"provided": [{"code": "M2", "name": "资质证明"}]}),
                (
                    "not-accept",
                    "clerk",
                    {
                        "reason": "不属于本机关职权范围",
                        "legal_basis": "《行政许可法》第三十二条",
                        "appeal_notice": DENIAL["appeal_notice"],
                        "outside_competence": True,
                        "competent_authority": "市卫生健康委员会",
                    },
                ),
            ],
            "not_accepted",
        ),
        (
            "JT-001",
            "JT",
            [("accept", "clerk", {}), ("withdraw", "clerk", {"reason": "撤回"})],
            "withdrawn",
        ),
        (
            "ZRZY-002",
            "ZRZY",
            [
                ("accept", "clerk", {}),
                ("suspend", "officer", {"reason": "权属争议"}),
                ("resume", "officer", {"reason": "争议已解决"}),
                (
                    "terminate",
                    "approver",
                    {"reason": "申请人主体资格终止", "legal_basis": "《行政许可法》第七十条"},
                ),
            ],
            "terminated",
        ),
        (
            "STHJ-001",
            "STHJ",
            [
                ("accept", "clerk", {}),
                (
                    "forward",
                    "officer",
                    {"to_authority": "省生态环境厅", "reason": "依法需报省级审批"},
                ),
            ],
            "forwarded",
        ),
    ],
    ids=["denied", "not-accepted", "withdrawn", "terminated", "forwarded"],
)
def test_every_other_closure_path(
    hall: Hall, item: str, department: str, steps: list[tuple], status: str
) -> None:
    case = hall.submit(item)
    position = handle(hall, case, department, [(a, r, dict(b)) for a, r, b in steps])
    view = hall.public(case, position)
    assert view["status"] == status
    assert hall.staff_view(case, department)["status"] == status
    if status == "completed":
        assert view["decision"]["outcome"] == "denied"
        assert view["decision"]["appeal_notice"] == DENIAL["appeal_notice"]


def test_the_topic_carries_a_cases_events_in_order_with_a_valid_chain(hall: Hall) -> None:
    case = hall.submit("JT-003")
    handle(hall, case, "JT", [("accept", "clerk", {}), ("withdraw", "clerk", {})])
    case_id = case["case_id"]
    head = hall.staff_view(case, "JT")["head_hash"]
    messages = [m for m in hall.platform.read_topic() if m.key == case_id.encode()]
    events = [orjson.loads(m.value) for m in messages]
    assert [e["caseversion"] for e in events] == [1, 2, 3]
    assert [e["type"] for e in events] == [
        "casetrail.case.submitted.v3",
        "casetrail.case.accepted.v3",
        "casetrail.case.withdrawn.v1",
    ]
    for message, event in zip(messages, events, strict=True):
        assert set(event) == CLOUDEVENT_FIELDS
        assert event["specversion"] == "1.0" and event["subject"] == case_id
        assert event["source"] == "/casetrail/demo-hall"
        assert UUID(event["id"])
        assert dict(message.headers) == {
            "content-type": b"application/cloudevents+json; charset=UTF-8",
            "casetrail-id": event["id"].encode(),
            "casetrail-type": event["type"].encode(),
        }
        assert event["data"]["actor"]["id"] == "clerk-hall"
    assert len({m.partition for m in messages}) == 1
    verify_chain(events, head=head)


def test_a_wrong_query_code_and_an_unknown_number_look_the_same(hall: Hall) -> None:
    case = hall.submit("WJ-001")
    clerk = hall.client("clerk")
    assert hall.public(case, case["position"])["status"] == "submitted"
    wrong = clerk.get(f"/api/v1/public/cases/{case['case_no']}", params={"query_code": "AAAAAAAA"})
    unknown = clerk.get(
        "/api/v1/public/cases/WJ-20000101-9999", params={"query_code": case["query_code"]}
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["content-type"] == "application/problem+json"


def test_an_idempotency_key_replays_the_first_response(hall: Hall) -> None:
    case = hall.submit("SCJG-001")
    clerk = hall.client("clerk")
    path = f"/api/v1/cases/{case['case_id']}/accept"
    first = clerk.post(path, json={}, headers={"Idempotency-Key": "k-accept-1"})
    again = clerk.post(path, json={}, headers={"Idempotency-Key": "k-accept-1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert hall.staff_view(case, "SCJG")["version"] == 2  # recorded once
    other = clerk.post(
        path, json={"expected_version": 2}, headers={"Idempotency-Key": "k-accept-1"}
    )
    assert other.status_code == 422 and "different request" in other.json()["detail"]


def test_the_topic_is_an_immutable_log(hall: Hall) -> None:
    platform = hall.platform
    config = kafka_admin.describe_topic_config(platform.settings.bootstrap_servers, platform.topic)
    assert config["retention.ms"] == "-1"
    assert config["retention.bytes"] == "-1"
    assert config["cleanup.policy"] == "delete"
    assert config["unclean.leader.election.enable"] == "false"
    assert kafka_admin.partition_count(platform.settings.bootstrap_servers, platform.topic) == 12
