"""The public status view: each event's effect, and what it never shows."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import orjson
import pytest

from domain.actor import Actor
from domain.application import HallApplication
from domain.case.commands import (
    Accept,
    Assign,
    Complete,
    Decide,
    Deliver,
    EndSpecialProcedure,
    Material,
    ProvideSupplement,
    RequestSupplement,
    Skip,
    StartSpecialProcedure,
    Suspend,
    Withdraw,
)
from domain.clock import SimulatedClock
from domain.personal_data import mask_name
from domain.upcasting import current_event
from infra.catalogue import read_catalogue
from projections.public_status import apply
from tests.unit.conftest import APPROVER, CLERK, ITEM, OFFICER, applicant, cloudevents


def view_after(app: HallApplication, case_id: UUID) -> dict:
    view = None
    for event in cloudevents(app, case_id):
        view = apply(view, current_event(event))  # as the projection runner does
    assert view is not None
    return view


def submit(app: HallApplication) -> UUID:
    done = app.submit(
        CLERK, item_code=ITEM.code, channel="online", applicant=applicant(), materials=[]
    )
    return done.aggregate_id


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
    case_id = submit(app)
    view = view_after(app, case_id)
    assert view["case_no"] == "SCJG-20260302-0001"
    assert view["status"] == "submitted"
    assert view["status_label"] == {"zh": "已收件", "en": "Received"}
    assert view["department"] == "SCJG" and view["item_name"] == ITEM.name
    assert view["applicant"] == "张*丰"
    text = orjson.dumps(view).decode()
    assert "110101199003071234" not in text and "张三丰" not in text
    catalogue = read_catalogue()  # its departments and items are recorded first
    recorded_first = len(catalogue["departments"]) + len(catalogue["items"])
    assert view["version"] == 1 and view["position"] == recorded_first + 1


def test_milestones_deadlines_and_the_decision(app: HallApplication) -> None:
    case_id = submit(app)
    app.handle(RequestSupplement(missing=[Material(code="M2", name="营业执照")]), case_id, CLERK)
    assert view_after(app, case_id)["missing"] == ["营业执照"]
    app.handle(ProvideSupplement(provided=[Material(code="M2", name="营业执照")]), case_id, CLERK)
    app.handle(Accept(), case_id, CLERK)
    app.handle(Assign(assignee="officer-1"), case_id, OFFICER)
    internal = view_after(app, case_id)
    assert internal["status"] == "accepted" and internal["version"] == 5  # assign: no milestone
    assert internal["promised_deadline"] == "2026-03-09" and internal["missing"] == []
    app.handle(
        Decide(
            outcome="denied",
            reasons=["材料不实"],
            legal_basis="第三十一条",
            appeal_notice="可于六十日内申请行政复议",
            skipped_steps=[Skip(s, "负责人当场决定") for s in ("审查", "决定")],
        ),
        case_id,
        APPROVER,
    )
    app.handle(Deliver(method="post"), case_id, CLERK)
    app.handle(Complete(), case_id, OFFICER)
    view = view_after(app, case_id)
    assert [m["status"] for m in view["timeline"]] == [
        "submitted",
        "awaiting_supplement",
        "supplement_provided",
        "accepted",
        "denied",
        "delivered",
        "completed",
    ]
    assert view["decision"] == {
        "outcome": "denied",
        "reasons": ["材料不实"],
        "legal_basis": "第三十一条",
        "appeal_notice": "可于六十日内申请行政复议",
    }
    assert view["status_label"]["en"] == "Completed"
    # Dates are the hall's local dates (Asia/Shanghai, UTC+8).
    assert view["timeline"][0]["date"] == "2026-03-02"
    assert view["timeline"][0]["at"].startswith("2026-03-02T01:00")


def test_events_of_other_streams_and_before_submission(app: HallApplication) -> None:
    case_id = submit(app)
    app.handle(Withdraw(reason="不再需要"), case_id, CLERK)
    events = cloudevents(app, case_id)
    assert apply(None, events[1]) is None  # a view starts only at submission
    view = view_after(app, case_id)
    assert view["status_label"]["en"] == "Withdrawn"
    item_event = {**events[1], "type": "casetrail.service_item.revised.v1"}
    assert apply(view, item_event) is view


def test_paused_while_the_clock_stops_and_closed_at_the_end(app: HallApplication) -> None:
    case_id = submit(app)
    app.handle(Accept(), case_id, CLERK)
    app.handle(Assign(assignee="officer-1"), case_id, OFFICER)
    app.handle(
        StartSpecialProcedure(kind="inspection", expected_days=2, notice="现场勘查"),
        case_id,
        OFFICER,
    )
    view = view_after(app, case_id)
    assert view["paused"] is True and view["status"] == "special_procedure"
    app.handle(EndSpecialProcedure(result="合格"), case_id, OFFICER)
    app.handle(RequestSupplement(missing=[Material(code="M9", name="图纸")]), case_id, OFFICER)
    assert view_after(app, case_id)["paused"] is True
    app.handle(ProvideSupplement(provided=[Material(code="M9", name="图纸")]), case_id, CLERK)
    view = view_after(app, case_id)
    assert view["paused"] is False and view["closed"] is False
    app.handle(Withdraw(), case_id, CLERK)
    assert view_after(app, case_id)["closed"] is True


def deemed_accepted(app: HallApplication, case_id: UUID) -> None:
    """No supplement notice within 5 working days of receipt: the timer's command."""
    assert isinstance(app.clock, SimulatedClock)
    app.clock.advance(timedelta(days=8))  # Tue 03-10; the notice was due by Mon 03-09
    case = app.get_case(case_id)
    item = app.service_item(case.item_code)
    case.deem_accepted(
        at=app.clock.now(),
        actor=OFFICER,
        revision=item.revision,
        terms=item.content,
        calendar=app.calendar(),
    )
    app.save(case)


def test_a_deemed_acceptance_is_a_milestone_with_deadlines_from_receipt(
    app: HallApplication,
) -> None:
    case_id = submit(app)
    deemed_accepted(app, case_id)
    view = view_after(app, case_id)
    assert [m["status"] for m in view["timeline"]] == ["submitted", "deemed_accepted"]
    assert view["status_label"] == {"zh": "视为受理", "en": "Deemed accepted"}
    # Counted from Mon 03-02, the day of receipt: 5 promised, 10 statutory working days.
    assert (view["promised_deadline"], view["statutory_deadline"]) == ("2026-03-09", "2026-03-16")
    assert view["paused"] is False and view["closed"] is False


def test_a_suspension_tells_the_applicant_which_clock_stopped(app: HallApplication) -> None:
    case_id = submit(app)
    app.handle(Accept(), case_id, CLERK)
    app.handle(Suspend(reason="申请人申请中止"), case_id, OFFICER)
    view = view_after(app, case_id)
    assert view["paused"] is True and view["status"] == "suspended"
    assert view["status_label"]["zh"] == "已中止（承诺时限暂停计时）"


@pytest.mark.parametrize(
    ("item_code", "unit", "deadline"),
    [
        ("SCJG-001", "G", "2026-03-09"),  # 5 working days from Mon 03-02
        ("JT-001", "Z", "2026-03-12"),  # 10 natural days
    ],
)
def test_the_promised_limits_unit_comes_with_the_acceptance(
    app: HallApplication, item_code: str, unit: str, deadline: str
) -> None:
    case_id = app.submit(
        CLERK, item_code=item_code, channel="online", applicant=applicant(), materials=[]
    ).aggregate_id
    assert "limit_unit" not in view_after(app, case_id)  # no clock before acceptance
    clerk = Actor(id="clerk-1", role="clerk", department=item_code.split("-")[0])
    app.handle(Accept(), case_id, clerk)
    view = view_after(app, case_id)
    assert (view["limit_unit"], view["promised_deadline"]) == (unit, deadline)
