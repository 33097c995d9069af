"""The supervision view of a case: what each event does to its row, and the light the
sweeper's alert events (design §A, given here as the CloudEvents they are) set and clear."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.application import HallApplication
from domain.case.commands import (
    Accept,
    Assign,
    Complete,
    CompleteCallback,
    CompleteStep,
    Decide,
    Deliver,
    EndSpecialProcedure,
    Extend,
    GiveOpinion,
    Material,
    OrderRectification,
    ProvideSupplement,
    Rate,
    ReportRectification,
    RequestParallelReview,
    RequestSupplement,
    Resume,
    Return,
    StartSpecialProcedure,
    Suspend,
    Withdraw,
)
from domain.clock import SimulatedClock
from domain.service_item import ServiceItem
from domain.upcasting import current_event
from projections.supervision_cases import apply
from tests.unit.conftest import (
    APPLICANT,
    APPROVER,
    CLERK,
    ITEM,
    OFFICER,
    applicant,
    cloudevents,
    make_app,
)
from tests.unit.test_case_facts import SUPERVISOR, submit

View = dict[str, Any]


def fold(events: list[View], view: View | None = None) -> View:
    for event in events:
        view = apply(view, current_event(event))
    assert view is not None
    return view


def row(app: HallApplication, case_id: UUID) -> View:
    return fold(cloudevents(app, case_id))


def later(app: HallApplication, days: int = 1) -> None:
    assert isinstance(app.clock, SimulatedClock)
    app.clock.advance(timedelta(days=days))


def accepted(app: HallApplication) -> UUID:
    case_id = submit(app)
    app.handle(Accept(), case_id, CLERK)
    app.handle(Assign(assignee="officer-1"), case_id, OFFICER)
    return case_id


class Sweeper:
    """The alert events a deadline sweeper records on a case, after its own events."""

    def __init__(self, view: View) -> None:
        self.view = view

    def record(self, kind: str, on: str, **data: Any) -> View:
        event = {
            "type": f"casetrail.case.{kind}.v1",
            "subject": self.view["case_id"],
            "time": f"{on}T01:00:00+00:00",
            "caseversion": self.view["version"] + 1,
            "position": self.view["position"] + 1,
            "data": {**data, "notify": {"department": "SCJG", "officer": None, "roles": []}},
        }
        view = apply(self.view, event)
        assert view is not None
        self.view = view
        return view

    def warn(self, deadline: str, on: str) -> View:
        return self.record(
            "deadline_warning_raised",
            on,
            deadline=deadline,
            unit="G",
            days_used=4,
            allowed_days=5,
            threshold_percent=80,
        )

    def breach(self, deadline: str, on: str, kind: str = "deadline_breached") -> View:
        return self.record(kind, on, deadline=deadline, unit="G", days_used=6, allowed_days=5)

    def clear(self, alert: str, deadline: str, on: str, reason: str = "deadline_moved") -> View:
        return self.record(
            "deadline_alert_cleared", on, alert=alert, deadline=deadline, reason=reason
        )


def test_submission_and_acceptance(app: HallApplication) -> None:
    case_id = submit(app)
    view = row(app, case_id)
    assert (view["status"], view["open"], view["light"], view["accepted_on"]) == (
        "submitted",
        True,
        None,  # no light before acceptance
        None,
    )
    assert view["steps"] == [] and view["current_step"] is None
    app.handle(Accept(), case_id, CLERK)
    view = row(app, case_id)
    assert (view["status"], view["light"], view["accepted_on"]) == (
        "in_review",
        "green",
        "2026-03-02",
    )
    assert (view["unit"], view["promised_days"], view["statutory_unit"]) == ("G", 5, "G")
    assert view["promised_deadline"] == "2026-03-09"  # 5 working days after Mon 03-02
    assert [(s["name"], s["role"], s["status"]) for s in view["steps"]] == [
        ("审查", "officer", "current"),
        ("决定", "approver", "pending"),
    ]
    assert (view["current_step"], view["current_step_role"], view["assignee"]) == (
        "审查",
        "officer",
        None,
    )


def test_warning_breach_and_clearing_set_the_light() -> None:
    view = row(app := make_app(), accepted(app))
    sweeper = Sweeper(view)
    assert sweeper.warn("2026-03-09", "2026-03-05")["light"] == "yellow"
    assert sweeper.warn("2026-03-09", "2026-03-06")["alerts"] == sweeper.view["alerts"]
    assert len(sweeper.view["alerts"]) == 1  # once per (kind, deadline)
    (alert,) = sweeper.view["alerts"]
    assert alert["kind"] == "deadline_warning_raised" and alert["raised_on"] == "2026-03-05"
    assert "notify" not in alert and alert["allowed_days"] == 5
    assert sweeper.breach("2026-03-09", "2026-03-10")["light"] == "red"
    # the breach is cleared (the deadline moved), the warning is still active: yellow
    assert sweeper.clear("deadline_breached", "2026-03-09", "2026-03-11")["light"] == "yellow"
    # clearing another deadline's alert changes nothing
    assert sweeper.clear("deadline_warning_raised", "2026-03-20", "2026-03-11")["light"] == "yellow"
    assert sweeper.clear("deadline_warning_raised", "2026-03-09", "2026-03-11")["light"] == "green"
    assert sweeper.view["alerts"] == []
    statutory = sweeper.breach("2026-03-16", "2026-03-17", kind="statutory_limit_breached")
    assert statutory["light"] == "red"


def test_other_alerts_are_listed_without_changing_the_light() -> None:
    sweeper = Sweeper(row(app := make_app(), accepted(app)))
    view = sweeper.record(
        "step_limit_overrun",
        "2026-03-05",
        step="审查",
        started_on="2026-03-02",
        deadline="2026-03-04",
    )
    assert view["light"] == "green"
    assert [(a["kind"], a["step"]) for a in view["alerts"]] == [("step_limit_overrun", "审查")]


def test_closure_clears_deadline_alerts_and_the_light() -> None:
    app = make_app()
    case_id = accepted(app)
    sweeper = Sweeper(row(app, case_id))
    sweeper.breach("2026-03-09", "2026-03-10")
    app.handle(Withdraw(reason="不再需要"), case_id, CLERK)
    withdrawn = cloudevents(app, case_id)[-1]
    view = fold([withdrawn], {**sweeper.view, "version": withdrawn["caseversion"] - 1})
    assert (view["status"], view["open"], view["light"], view["alerts"]) == (
        "withdrawn",
        False,
        None,
        [],
    )
    # an overdue rectification belongs to a closed case and stays until cleared
    after = Sweeper(view).record(
        "rectification_overdue",
        "2026-03-20",
        stage="closure",
        ordered_on="2026-03-11",
        deadline="2026-03-18",
    )
    assert after["light"] is None and len(after["alerts"]) == 1


def test_pauses_say_their_kind_and_since_when(app: HallApplication) -> None:
    case_id = accepted(app)
    later(app)
    app.handle(Suspend(reason="等待上级批复"), case_id, OFFICER)
    view = row(app, case_id)
    assert (view["paused"], view["paused_since"], view["pause_kind"]) == (
        True,
        "2026-03-03",
        "suspended",
    )
    assert (view["statutory_paused"], view["suspensions"], view["light"]) == (False, 1, "green")
    later(app)
    app.handle(Resume(reason="已批复"), case_id, OFFICER)
    view = row(app, case_id)
    assert (view["paused"], view["paused_since"], view["pause_kind"]) == (False, None, None)
    assert view["promised_deadline"] == "2026-03-10"  # moved on by the day paused
    app.handle(
        StartSpecialProcedure(kind="inspection", expected_days=1, notice="现场核查"),
        case_id,
        OFFICER,
    )
    view = row(app, case_id)
    assert (view["pause_kind"], view["statutory_paused"], view["special_procedures"]) == (
        "special_procedure_started:inspection",
        True,  # Art. 45: the statutory clock stops too
        1,
    )
    later(app)
    app.handle(EndSpecialProcedure(result="符合要求"), case_id, OFFICER)
    missing = [Material("M3", "布局图")]
    app.handle(RequestSupplement(missing=missing), case_id, OFFICER)
    view = row(app, case_id)
    assert (view["pause_kind"], view["supplement_notices"]) == ("supplement_requested", 1)
    app.handle(ProvideSupplement(provided=missing), case_id, CLERK)
    app.handle(Extend(days=3, reason="情况复杂", approved_by="department_head"), case_id, APPROVER)
    view = row(app, case_id)
    assert (view["paused"], view["extensions"], view["extension_days"]) == (False, 1, 3)


def test_steps_returns_and_completion(app: HallApplication) -> None:
    case_id = accepted(app)
    later(app, 2)
    app.handle(CompleteStep(step="审查", opinion="agree"), case_id, OFFICER)
    view = row(app, case_id)
    assert [s["status"] for s in view["steps"]] == ["completed", "current"]
    assert view["steps"][0]["completed_on"] == "2026-03-04"
    assert (view["current_step"], view["current_step_role"]) == ("决定", "approver")
    app.handle(Return(to_step="审查", reason="材料需核实"), case_id, APPROVER)
    view = row(app, case_id)
    assert [s["status"] for s in view["steps"]] == ["current", "pending"]
    assert (view["returns"], view["current_step"]) == (1, "审查")
    app.handle(CompleteStep(step="审查", opinion="agree"), case_id, OFFICER)
    app.handle(CompleteStep(step="决定", opinion="agree"), case_id, APPROVER)
    app.handle(Decide(outcome="approved"), case_id, APPROVER)
    view = row(app, case_id)
    assert (view["status"], view["decided_on"], view["current_step"]) == (
        "decided",
        "2026-03-04",
        None,
    )
    app.handle(Deliver(method="window"), case_id, CLERK)
    app.handle(Complete(), case_id, OFFICER)
    view = row(app, case_id)
    assert (view["status"], view["open"], view["closed_on"], view["light"]) == (
        "completed",
        False,
        "2026-03-04",
        None,
    )
    assert (view["days_used"], view["on_time"], view["statutory_days_used"]) == (2, True, 2)


def test_opinions_owed_by_co_departments() -> None:
    app = make_app()
    done = app.submit(
        CLERK, item_code="ZJ-001", channel="window", applicant=applicant(), materials=[]
    )
    case_id = done.aggregate_id
    zj_officer = Actor(id="officer-zj", role="officer", department="ZJ")
    app.handle(Accept(), case_id, CLERK)
    app.handle(Assign(assignee="officer-zj"), case_id, zj_officer)
    review = RequestParallelReview(departments=["ZRZY", "STHJ"], due_on=date(2026, 3, 12))
    app.handle(review, case_id, zj_officer)
    assert row(app, case_id)["opinions_owed"] == ["STHJ", "ZRZY"]
    zrzy = Actor(id="officer-zrzy", role="officer", department="ZRZY")
    app.handle(GiveOpinion(opinion="agree"), case_id, zrzy)
    assert row(app, case_id)["opinions_owed"] == ["STHJ"]


def test_poor_ratings_rectification_and_deemed_satisfaction(app: HallApplication) -> None:
    case_id = submit(app)
    app.handle(Accept(), case_id, CLERK)
    app.handle(Rate(stage="acceptance", level=2, comment="态度差"), case_id, APPLICANT)
    view = row(app, case_id)
    assert (view["acceptance_rating"], view["acceptance_rectification"]) == (2, "pending")
    assert view["poor_ratings"] == 1
    app.handle(Withdraw(reason="不再需要"), case_id, CLERK)
    app.handle(OrderRectification(stage="acceptance", instructions="培训"), case_id, SUPERVISOR)
    app.handle(ReportRectification(stage="acceptance", measures="已培训"), case_id, OFFICER)
    app.handle(CompleteCallback(stage="acceptance", satisfied=True), case_id, SUPERVISOR)
    view = row(app, case_id)
    assert (view["acceptance_rectification"], view["poor_ratings"]) == ("called_back", 1)
    deemed = Sweeper(view).record(
        "deemed_satisfied", "2026-03-20", stage="closure", closed_on="2026-03-02", days=15
    )
    assert deemed["deemed_satisfied"] == ["closure"]


def test_other_streams_and_events_before_submission(app: HallApplication) -> None:
    case_id = accepted(app)
    events = cloudevents(app, case_id)
    assert apply(None, events[1]) is None
    view = fold(events)
    item_events = cloudevents(app, ServiceItem.id_for(ITEM.code))
    assert item_events and all(apply(view, e) is view for e in item_events)


def test_the_sweepers_own_events_set_and_clear_the_light() -> None:
    """SCJG-001 (5 working days, warning at 80 %) accepted Mon 03-02: 4 days used on Fri
    03-06 (yellow), 6 on Tue 03-10 (red); an extension of 5 moves the deadline, and the
    sweeper clears both (6 of 10 used: green); the step still overrun stays listed."""
    app = make_app()
    case_id = accepted(app)
    later(app, 4)
    app.record_due([case_id])
    view = row(app, case_id)
    assert view["light"] == "yellow"
    assert {(a["kind"], a["deadline"]) for a in view["alerts"]} == {
        ("deadline_warning_raised", "2026-03-09"),
        ("step_limit_overrun", "2026-03-05"),  # 审查 is late too: listed, no colour
    }
    later(app, 4)
    app.record_due([case_id])
    assert row(app, case_id)["light"] == "red"
    app.handle(Extend(days=5, reason="情况复杂", approved_by="department_head"), case_id, APPROVER)
    assert row(app, case_id)["light"] == "red"  # until the sweeper clears it
    app.record_due([case_id])
    view = row(app, case_id)
    assert (view["light"], view["promised_deadline"]) == ("green", "2026-03-16")
    assert [a["kind"] for a in view["alerts"]] == ["step_limit_overrun"]
