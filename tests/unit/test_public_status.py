"""The public status view: each event's effect, and what it never shows."""

from __future__ import annotations

from uuid import UUID

import orjson
import pytest

from consumers.cloudevents import to_cloudevent
from domain.application import HallApplication
from domain.events import ChainedEvent
from projections.public_status import apply, mask_name
from tests.unit.conftest import CLERK, ITEM, applicant


def cloudevents(app: HallApplication, case_id: UUID) -> list[dict]:
    events = app.events.get(case_id)
    return [
        to_cloudevent(e, position=n, hall="test")
        for n, e in enumerate(events, 1)
        if isinstance(e, ChainedEvent)
    ]


def view_after(app: HallApplication, case_id: UUID) -> dict:
    view = None
    for event in cloudevents(app, case_id):
        view = apply(view, event)
    assert view is not None
    return view


@pytest.mark.parametrize(
    ("name", "kind", "masked"),
    [
        ("张三丰", "person", "张*丰"),
        ("欧阳小明", "person", "欧**明"),
        ("王五", "person", "王*"),
        ("李", "person", "李*"),
        ("青山餐饮有限公司", "organisation", "青山餐饮有限公司"),
    ],
)
def test_masking(name: str, kind: str, masked: str) -> None:
    assert mask_name(name, kind) == masked


def test_submission_creates_the_view_without_personal_data(app: HallApplication) -> None:
    done = app.submit(
        CLERK, item_code=ITEM.code, channel="online", applicant=applicant(), materials=[]
    )
    view = view_after(app, done.case_id)
    assert view["case_no"] == done.case_no
    assert view["status"] == "submitted"
    assert view["status_label"] == {"zh": "已收件", "en": "Received"}
    assert view["department"] == "SCJG" and view["item_name"] == ITEM.name
    assert view["applicant"] == "张*丰"
    text = orjson.dumps(view).decode()
    assert "110101199003071234" not in text and "张三丰" not in text
    assert view["version"] == 1 and view["position"] == 1


def test_each_milestone_is_added_in_order(app: HallApplication) -> None:
    done = app.submit(
        CLERK, item_code=ITEM.code, channel="window", applicant=applicant(), materials=[]
    )
    app.accept(done.case_id, CLERK)
    app.decide(done.case_id, CLERK, outcome="denied", reasons="材料不实", legal_basis="第三十一条")
    app.complete(done.case_id, CLERK)
    view = view_after(app, done.case_id)
    assert [m["status"] for m in view["timeline"]] == [
        "submitted",
        "accepted",
        "denied",
        "completed",
    ]
    assert view["decision"] == {
        "outcome": "denied",
        "reasons": "材料不实",
        "legal_basis": "第三十一条",
    }
    assert view["status"] == "completed" and view["version"] == 4
    # Dates are the hall's local dates (Asia/Shanghai, UTC+8).
    first = view["timeline"][0]
    assert first["date"] == "2026-03-02" and first["at"].startswith("2026-03-02T01:01")


def test_withdrawal_and_events_before_submission(app: HallApplication) -> None:
    done = app.submit(
        CLERK, item_code=ITEM.code, channel="window", applicant=applicant(), materials=[]
    )
    app.withdraw(done.case_id, CLERK, reason="不再需要")
    events = cloudevents(app, done.case_id)
    assert apply(None, events[1]) is None  # a view starts only at submission
    assert view_after(app, done.case_id)["status_label"]["en"] == "Withdrawn"
