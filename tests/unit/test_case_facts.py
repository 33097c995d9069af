"""The public case facts: each event type's effect, masking, old event versions."""

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
    CaseCommand,
    Complete,
    CompleteCallback,
    CompleteStep,
    Decide,
    Deliver,
    EndSpecialProcedure,
    Extend,
    Forward,
    IssueCertificate,
    Material,
    NotAccept,
    OrderRectification,
    ProvideSupplement,
    Rate,
    ReportRectification,
    RequestSupplement,
    Resume,
    StartSpecialProcedure,
    Suspend,
    Terminate,
    Withdraw,
)
from domain.clock import SimulatedClock
from domain.service_item import ServiceItem
from domain.upcasting import current_event
from projections.case_facts import apply
from tests.unit.conftest import (
    APPLICANT,
    APPROVER,
    CLERK,
    ITEM,
    OFFICER,
    applicant,
    assign_for_decision,
    cloudevents,
)
from tests.unit.test_public_status import deemed_accepted

SUPERVISOR = Actor(id="supervisor-1", role="supervisor", department="HALL")
ID_NUMBER = "110101199003071234"


def fold(events: list[dict]) -> dict:
    view = None
    for event in events:
        view = apply(view, current_event(event))  # as the projection runner does
    assert view is not None
    return view


def facts(app: HallApplication, case_id: UUID) -> dict:
    return fold(cloudevents(app, case_id))


def submit(app: HallApplication, who: dict | None = None) -> UUID:
    done = app.submit(
        CLERK,
        item_code=ITEM.code,
        channel="online",
        applicant=who or {**applicant(), "phone": "13800138000", "address": "北京市东城区某街1号"},
        materials=[],
    )
    return done.aggregate_id


def next_day(app: HallApplication) -> None:
    assert isinstance(app.clock, SimulatedClock)
    app.clock.advance(timedelta(days=1))


def accepted(app: HallApplication) -> UUID:
    case_id = submit(app)
    app.handle(Accept(), case_id, CLERK)
    app.handle(Assign(assignee="officer-1"), case_id, OFFICER)
    return case_id


def test_submission_holds_public_facts_only(app: HallApplication) -> None:
    case_id = submit(app)
    view = facts(app, case_id)
    assert view["case_no"] == "SCJG-20260302-0001" and view["case_id"] == str(case_id)
    assert (view["item_code"], view["item_name"], view["department"]) == (
        ITEM.code,
        ITEM.name,
        "SCJG",
    )
    assert (view["channel"], view["status"], view["submitted_on"]) == (
        "online",
        "submitted",
        "2026-03-02",
    )
    assert (view["applicant"], view["applicant_kind"]) == ("张*丰", "person")
    assert view["item_revision"] == 1 and view["version"] == 1 and not view["paused"]
    text = orjson.dumps(view).decode()
    for secret in (ID_NUMBER, "张三丰", "13800138000", "北京市东城区"):
        assert secret not in text


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ({"kind": "person", "name": "欧阳小明", "id_number": ID_NUMBER}, "欧**明"),
        ({"kind": "person", "name": "王五", "id_number": ID_NUMBER}, "王*"),
        (
            {"kind": "organisation", "name": "青山餐饮有限公司", "id_number": "91110000MA00000000"},
            "青山餐饮有限公司",
        ),
    ],
)
def test_persons_are_masked_and_organisations_shown(
    app: HallApplication, who: dict, shown: str
) -> None:
    view = facts(app, submit(app, who))
    assert view["applicant"] == shown and view["applicant_kind"] == who["kind"]
    assert who["id_number"] not in orjson.dumps(view).decode()


def test_intake_supplement_and_acceptance(app: HallApplication) -> None:
    case_id = submit(app)
    app.handle(RequestSupplement(missing=[Material(code="M2", name="营业执照")]), case_id, CLERK)
    assert facts(app, case_id)["status"] == "awaiting_supplement"
    app.handle(ProvideSupplement(provided=[Material(code="M2", name="营业执照")]), case_id, CLERK)
    view = facts(app, case_id)
    assert view["status"] == "submitted" and not view["paused"]  # intake does not pause
    next_day(app)
    app.handle(Accept(), case_id, CLERK)
    view = facts(app, case_id)
    assert (view["status"], view["accepted_on"], view["version"]) == ("in_review", "2026-03-03", 4)
    assert (view["promised_days"], view["promised_unit"]) == (5, "G")  # SCJG-001's terms
    assert (view["statutory_days"], view["statutory_unit"]) == (10, "G")
    app.handle(Assign(assignee="officer-1"), case_id, OFFICER)
    assigned = facts(app, case_id)  # no public effect, but the version moves on
    assert assigned == {**view, "version": 5, "position": view["position"] + 1}


def test_a_deemed_acceptance_counts_from_the_day_of_receipt(app: HallApplication) -> None:
    case_id = submit(app)
    deemed_accepted(app, case_id)  # on Tue 03-10, no notice given
    view = facts(app, case_id)
    assert (view["status"], view["accepted_on"]) == ("in_review", "2026-03-02")
    assert (view["statutory_days"], view["promised_days"]) == (10, 5)


def test_the_statutory_limit_the_case_runs_under(app: HallApplication) -> None:
    done = app.submit(
        CLERK, item_code="ZJ-001", channel="window", applicant=applicant(), materials=[]
    )
    app.handle(Accept(), done.aggregate_id, CLERK)
    *before, accepted = cloudevents(app, done.aggregate_id)
    assert fold([*before, accepted])["statutory_days"] == 45  # joint handling, Art. 42(2)
    data = {k: v for k, v in accepted["data"].items() if k != "statutory_limit"}
    v2 = {**accepted, "type": "casetrail.case.accepted.v2", "data": data}
    assert fold([*before, v2])["statutory_days"] == 20  # a v2 acceptance ran under the item's


def test_pauses_extension_decision_completion(app: HallApplication) -> None:
    case_id = accepted(app)  # Mon 2026-03-02
    next_day(app)
    app.handle(Suspend(reason="等待上级批复"), case_id, OFFICER)
    assert facts(app, case_id)["paused"] is True
    next_day(app)
    app.handle(Resume(reason="已批复"), case_id, OFFICER)
    assert facts(app, case_id)["paused"] is False
    app.handle(
        StartSpecialProcedure(kind="inspection", expected_days=1, notice="现场核查"),
        case_id,
        OFFICER,
    )
    assert facts(app, case_id)["paused"] is True
    next_day(app)
    app.handle(EndSpecialProcedure(result="符合要求"), case_id, OFFICER)
    assert facts(app, case_id)["paused"] is False
    missing = [Material("M3", "布局图")]
    app.handle(RequestSupplement(missing=missing), case_id, OFFICER)
    view = facts(app, case_id)
    assert view["paused"] is True and view["status"] == "in_review"  # in-review supplement
    app.handle(ProvideSupplement(provided=missing), case_id, CLERK)
    assert facts(app, case_id)["paused"] is False
    app.handle(Extend(days=3, reason="情况复杂", approved_by="department_head"), case_id, APPROVER)
    assert facts(app, case_id)["extension_days"] == 3
    next_day(app)  # Fri 2026-03-06
    skipped = assign_for_decision(app, case_id)
    app.handle(Decide(outcome="approved", skipped_steps=skipped), case_id, APPROVER)
    view = facts(app, case_id)
    assert (view["status"], view["outcome"], view["decided_on"]) == (
        "decided",
        "approved",
        "2026-03-06",
    )
    assert view["reasons"] == [] and view["legal_basis"] is None
    app.handle(IssueCertificate(certificate_no="JY-0001"), case_id, CLERK)
    app.handle(Deliver(method="window"), case_id, CLERK)
    app.handle(Complete(), case_id, OFFICER)
    view = facts(app, case_id)
    assert (view["status"], view["result"], view["closed_on"]) == (
        "completed",
        "certificate_issued",
        "2026-03-06",
    )
    # Working days after Mon 03-02 up to Fri 03-06: Tue, Wed, Thu, Fri = 4, less the
    # suspension's resume day (Wed) and the inspection's end day (Thu): 2 days used.
    assert view["days_used"] == 2
    assert view["on_time_promised"] is True and view["on_time_statutory"] is True


def days_later(app: HallApplication, days: int) -> None:
    assert isinstance(app.clock, SimulatedClock)
    app.clock.advance(timedelta(days=days))


def reviewed_and_decided(app: HallApplication) -> UUID:
    """SCJG-001 accepted Mon 03-02; 审查 Thu 03-05 (due Thu), 决定 Mon 03-09 (due Fri,
    late), approved that day: 5 working days of the statutory 10."""
    case_id = accepted(app)
    days_later(app, 3)
    app.handle(CompleteStep(step="审查", opinion="agree"), case_id, OFFICER)
    days_later(app, 4)
    app.handle(CompleteStep(step="决定", opinion="agree"), case_id, APPROVER)
    app.handle(Decide(outcome="approved"), case_id, APPROVER)
    return case_id


def test_decided_on_time_but_completed_late(app: HallApplication) -> None:
    case_id = reviewed_and_decided(app)
    days_later(app, 1)  # Tue 03-10: 6 working days of the promised 5
    app.handle(Deliver(method="window"), case_id, CLERK)
    app.handle(Complete(), case_id, OFFICER)
    view = facts(app, case_id)
    assert (view["decided_on"], view["closed_on"]) == ("2026-03-09", "2026-03-10")
    assert (view["days_used"], view["on_time_promised"], view["on_time_statutory"]) == (
        6,
        False,  # the promised clock runs to completion
        True,  # the statutory one to the decision
    )
    assert view["steps_late"] == 1  # 决定, due Fri 03-06


def test_decided_late(app: HallApplication) -> None:
    case_id = accepted(app)
    days_later(app, 15)  # Tue 03-17: 11 working days, past the statutory 10
    skipped = assign_for_decision(app, case_id)
    app.handle(Decide(outcome="approved", skipped_steps=skipped), case_id, APPROVER)
    app.handle(Deliver(method="window"), case_id, CLERK)
    app.handle(Complete(), case_id, OFFICER)
    view = facts(app, case_id)
    assert (view["days_used"], view["on_time_promised"], view["on_time_statutory"]) == (
        11,
        False,
        False,
    )
    assert view["steps_late"] == 0  # none completed: skipped by the decision


@pytest.mark.parametrize(("days_used", "on_time"), [(6, False), (5, True)])
def test_a_version_3_completion_is_judged_by_its_days_used(
    app: HallApplication, days_used: int, on_time: bool
) -> None:
    """v3 judged the promised deadline at the decision, whatever the days used to
    completion: the read side, seeing it upcast, judges it by the one rule."""
    case_id = reviewed_and_decided(app)
    days_later(app, 1)
    app.handle(Deliver(method="window"), case_id, CLERK)
    app.handle(Complete(), case_id, OFFICER)
    *before, completed = cloudevents(app, case_id)
    data = {k: v for k, v in completed["data"].items() if k != "statutory_days_used"}
    data |= {"days_used": days_used, "on_time_promised": True}  # as v3 would say
    v3 = {**completed, "type": "casetrail.case.completed.v3", "data": data}
    view = fold([current_event(e) for e in [*before, v3]])
    assert (view["days_used"], view["on_time_promised"]) == (days_used, on_time)
    assert view["on_time_statutory"] is True


def test_denial_and_its_public_reasons(app: HallApplication) -> None:
    case_id = accepted(app)
    skipped = assign_for_decision(app, case_id)
    app.handle(
        Decide(
            skipped_steps=skipped,
            outcome="denied",
            reasons=["材料不实", "场所不符"],
            legal_basis="第三十一条",
            appeal_notice="可于六十日内申请行政复议",
        ),
        case_id,
        APPROVER,
    )
    view = facts(app, case_id)
    assert (view["outcome"], view["reasons"], view["legal_basis"]) == (
        "denied",
        ["材料不实", "场所不符"],
        "第三十一条",
    )


def test_a_version_1_decision(app: HallApplication) -> None:
    case_id = accepted(app)
    skipped = assign_for_decision(app, case_id)
    app.handle(
        Decide(
            skipped_steps=skipped,
            outcome="denied",
            reasons=["材料不实"],
            legal_basis="第三十一条",
            appeal_notice="可于六十日内申请行政复议",
        ),
        case_id,
        APPROVER,
    )
    *before, decided = cloudevents(app, case_id)
    data = {k: v for k, v in decided["data"].items() if k not in {"appeal_notice", "skipped_steps"}}
    v1 = {**decided, "type": "casetrail.case.decided.v1", "data": {**data, "reasons": "材料不实"}}
    view = fold([*before, v1])
    assert (view["status"], view["reasons"], view["legal_basis"]) == (
        "decided",
        ["材料不实"],
        "第三十一条",
    )
    empty = {**v1, "data": {**data, "outcome": "approved", "reasons": ""}}
    assert fold([*before, empty])["reasons"] == []


def test_a_version_1_submission_was_revision_1(app: HallApplication) -> None:
    submitted = cloudevents(app, submit(app))[0]
    data = {k: v for k, v in submitted["data"].items() if k != "item_revision"}
    clear = {"kind": "person", "name": "张三丰", "id_number": ID_NUMBER}  # as v1 recorded it
    data |= {"applicant": clear, "query_code_hash": "0" * 64}
    view = fold([{**submitted, "type": "casetrail.case.submitted.v1", "data": data}])
    assert view["item_revision"] == 1 and view["applicant"] == "张*丰"


def test_non_acceptance(app: HallApplication) -> None:
    case_id = submit(app)
    next_day(app)
    app.handle(
        NotAccept(
            reason="不属于本机关职权范围",
            legal_basis="第三十二条",
            appeal_notice="可于六十日内申请行政复议",
            outside_competence=True,
            competent_authority="市卫生健康委员会",
        ),
        case_id,
        CLERK,
    )
    view = facts(app, case_id)
    assert (view["status"], view["closed_on"], view["accepted_on"]) == (
        "not_accepted",
        "2026-03-03",
        None,
    )
    assert (view["reasons"], view["legal_basis"]) == (["不属于本机关职权范围"], "第三十二条")


@pytest.mark.parametrize(
    ("command", "status", "result"),
    [
        (Withdraw(reason="不再需要"), "withdrawn", None),
        (Terminate(reason="申请人已注销", legal_basis="第七十条"), "terminated", None),
        (Forward(to_authority="省市场监管局", reason="上级决定"), "forwarded", "forwarded"),
    ],
)
def test_early_closures(
    app: HallApplication, command: CaseCommand, status: str, result: str | None
) -> None:
    case_id = accepted(app)
    app.handle(Suspend(reason="等待"), case_id, OFFICER)
    actor = CLERK if isinstance(command, Withdraw) else APPROVER
    if not isinstance(command, Terminate):
        app.handle(Resume(reason="继续"), case_id, OFFICER)
    app.handle(command, case_id, actor)
    view = facts(app, case_id)
    assert (view["status"], view["result"], view["closed_on"]) == (status, result, "2026-03-02")
    assert view["paused"] is False and view["reasons"] == [] and view["legal_basis"] is None


def test_ratings_and_rectification(app: HallApplication) -> None:
    case_id = submit(app)
    app.handle(Accept(), case_id, CLERK)
    app.handle(Rate(stage="acceptance", level=2, comment="态度差"), case_id, APPLICANT)
    view = facts(app, case_id)
    assert (view["acceptance_rating"], view["acceptance_rectification"]) == (2, "pending")
    app.handle(Withdraw(reason="不再需要"), case_id, CLERK)
    app.handle(Rate(stage="closure", level=5), case_id, APPLICANT)
    view = facts(app, case_id)
    assert (view["closure_rating"], view["closure_rectification"]) == (5, None)
    steps: list[tuple[CaseCommand, Actor, str]] = [
        (
            OrderRectification(stage="acceptance", instructions="窗口服务培训"),
            SUPERVISOR,
            "ordered",
        ),
        (ReportRectification(stage="acceptance", measures="已培训"), OFFICER, "reported"),
        (CompleteCallback(stage="acceptance", satisfied=True), SUPERVISOR, "called_back"),
    ]
    for command, actor, state in steps:
        app.handle(command, case_id, actor)
        assert facts(app, case_id)["acceptance_rectification"] == state


def test_a_stage_deemed_satisfied_counts_as_satisfied(app: HallApplication) -> None:
    case_id = accepted(app)
    app.handle(Rate(stage="acceptance", level=5), case_id, APPLICANT)
    app.handle(Withdraw(reason="不再需要"), case_id, CLERK)
    app.clock.advance(timedelta(days=ITEM.deemed_satisfied_days))  # type: ignore[attr-defined]
    (swept,) = app.record_due([case_id])
    assert [d.rule for d in swept.recorded] == ["deemed_satisfied"]
    view = facts(app, case_id)
    assert (view["acceptance_rating"], view["closure_rating"]) == (5, 4)
    assert view["closure_rectification"] is None


def test_other_streams_and_events_before_submission(app: HallApplication) -> None:
    case_id = accepted(app)
    events = cloudevents(app, case_id)
    assert apply(None, events[1]) is None  # facts start only at submission
    view = fold(events)
    item_events = cloudevents(app, ServiceItem.id_for(ITEM.code))
    assert item_events and all(apply(view, e) is view for e in item_events)
    assert apply(None, item_events[0]) is None
    unknown = {**events[1], "type": "casetrail.case.teleported.v1"}
    assert apply(view, unknown) is view
    future = {**events[1], "type": "casetrail.case.accepted.v4"}
    assert apply(view, future) is view
