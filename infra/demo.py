"""Demo cases, created through the public HTTP API as real staff would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

APPLICANTS = [
    {"kind": "person", "name": "张三丰", "id_number": "110101199003071234", "phone": "13800000001"},
    {"kind": "organisation", "name": "青山餐饮有限公司", "id_number": "91110000MA01ABCD2X"},
    {"kind": "person", "name": "李小梅", "id_number": "310101198805052345", "phone": "13900000002"},
    {"kind": "organisation", "name": "远航运输有限公司", "id_number": "91310000MA1FL0XY3K"},
    {
        "kind": "person",
        "name": "王五",
        "id_number": "440101197712123456",
        "address": "广州市越秀区",
    },
]
# How far each demo case travels: the number of steps after intake.
JOURNEYS: list[list[tuple[str, dict[str, Any]]]] = [
    [("accept", {}), ("decide", {"outcome": "approved"}), ("complete", {})],
    [("accept", {})],
    [],
    [
        ("accept", {}),
        (
            "decide",
            {
                "outcome": "denied",
                "reasons": "经营场所不符合卫生要求",
                "legal_basis": "《中华人民共和国行政许可法》第三十八条",
            },
        ),
        ("complete", {}),
    ],
    [("withdraw", {"reason": "申请人主动撤回"})],
]
ITEMS = ["SCJG-001", "SCJG-002", "WJ-001", "JT-001", "ZJ-001"]


@dataclass(frozen=True)
class DemoCase:
    """A seeded case and what the applicant would hold."""

    case_no: str
    query_code: str
    position: int


def seed(base_url: str, token: str) -> list[DemoCase]:
    """Create the demo cases and walk each through its journey."""
    seeded = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        for item, applicant, journey in zip(ITEMS, APPLICANTS, JOURNEYS, strict=True):
            body = {
                "item_code": item,
                "channel": "window",
                "applicant": applicant,
                "materials": [{"code": "M1", "name": "申请书"}],
            }
            created = _post(client, "/api/v1/cases", body)
            position = created["position"]
            for action, fields in journey:
                position = _post(client, f"/api/v1/cases/{created['case_id']}/{action}", fields)[
                    "position"
                ]
            seeded.append(DemoCase(created["case_no"], created["query_code"], position))
    return seeded


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    if response.status_code >= 400:
        raise RuntimeError(f"demo seeding failed at {path}: {response.status_code} {response.text}")
    result: dict[str, Any] = response.json()
    return result
