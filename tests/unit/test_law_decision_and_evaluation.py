"""The Administrative Licensing Law's table for handling, decision, closure, fees and
ratings: for each rule, a case it allows and a case it refuses, through the domain.

- No withdrawal or termination after a decision (Art. 8): allowed before it; refused
  once decided or delivered.
- Closure results at their stage: 补正不来 awaiting supplement, 作废 and 退回 before
  acceptance, 出证办结/办结 after the decision's delivery; each refused anywhere else.
- A decision after the examination (Art. 34, 37): an officer in charge, every handling
  step completed or named as skipped with a reason; refused without either.
- Every "disagree" opinion answered on record (Art. 26): refused, naming them, until then.
- Licensing is free unless a law or administrative regulation provides (Art. 58): listed
  fees, and an override naming its legal basis; refused without one.
- 好差评 is the applicant's voice: the applicant, or a window evaluation device (kiosk,
  which may do nothing else); refused from staff.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Notification

from api.case_view import FeeCharged as FeeView
from domain.actor import Actor
from domain.application import HallApplication
from domain.authorization import ACTIONS as AUTHORIZED_ACTIONS
from domain.authorization import Forbidden, authorize
from domain.case import (
    Case,
    Completed,
    Decided,
    DisagreementAnswered,
    FeeCharged,
    Rated,
)
from domain.case.commands import (
    Accept,
    Assign,
    CaseCommand,
    ChargeFee,
    Complete,
    CompleteStep,
    Decide,
    Deliver,
    Material,
    Rate,
    RequestSupplement,
    Skip,
)
from domain.case.decision import CLOSURE_STATES
from domain.case.handling import SkippedStep
from domain.case.vocabulary import CLOSURE_RESULTS
from domain.clock import SimulatedClock
from domain.errors import DomainError, InvalidCommand, InvalidTransition
from infra.entrypoints.demo import generate
from projections import case_facts
from tests.unit.conftest import (
    APPLICANT,
    APPROVER,
    CALENDAR,
    CLERK,
    KIOSK,
    OFFICER,
    START,
    applicant,
    as_version,
    cloudevents,
    item_content,
    make_app,
    submitted_case,
)
from tests.unit.test_authorization import CASE_FREE_ACTIONS
from tests.unit.test_case_lifecycle import ACTIONS, CO_OFFICER, case_in, skips

AT = START
ZJ_OFFICER = Actor(id="zj-1", role="officer", department="ZJ")
ZJ_APPROVER = Actor(id="zj-head", role="approver", department="ZJ")
SUPERVISOR = Actor(id="sup-1", role="supervisor", department="HALL")
ZRZY_OFFICER = Actor(id="zrzy-1", role="officer", department="ZRZY")
ZRZY_APPROVER = Actor(id="zrzy-head", role="approver", department="ZRZY")
FEE_BASIS = "《不动产登记暂行条例》第二十二条"


def refused(case: Case, command: Callable[[], None], error: type[DomainError], match: str) -> None:
    """``command`` is refused with ``error`` matching ``match``, and records nothing."""
    version, status = case.version, case.status
    with pytest.raises(error, match=match):
        command()
    assert (case.version, case.status) == (version, status)


def last(case: Case) -> Any:
    return case.collect_events()[-1]


# --- no withdrawal or termination after a decision ------------------------------------


@pytest.mark.parametrize(
    ("state", "action", "status"),
    [
        ("submitted", "withdraw", "withdrawn"),
        ("awaiting_supplement", "withdraw", "withdrawn"),
        ("in_review", "withdraw", "withdrawn"),
        ("suspended", "withdraw", "withdrawn"),
        ("in_review", "terminate", "terminated"),
        ("special_procedure", "terminate", "terminated"),
    ],
)
def test_withdrawal_and_termination_before_the_decision(
    state: str, action: str, status: str, new_case: Callable[[], Case]
) -> None:
    case = case_in(state, new_case)
    ACTIONS[action](case)
    assert case.status == status


@pytest.mark.parametrize("state", ["decided", "delivered"])
@pytest.mark.parametrize("action", ["withdraw", "terminate"])
def test_no_withdrawal_or_termination_after_the_decision(
    state: str, action: str, new_case: Callable[[], Case]
) -> None:
    case = case_in(state, new_case)
    refused(case, lambda: ACTIONS[action](case), InvalidTransition, r"decision stands.*Art\. 8")


# --- closure results at the stage they belong to --------------------------------------

CLOSURES = [
    # (result, state, allowed)
    ("never_completed", "awaiting_supplement", True),
    ("never_completed", "submitted", False),
    ("never_completed", "in_review", False),
    ("never_completed", "delivered", False),
    ("voided", "submitted", True),
    ("voided", "awaiting_supplement", True),
    ("voided", "in_review", False),
    ("voided", "delivered", False),
    ("returned", "submitted", True),
    ("returned", "awaiting_supplement", True),
    ("returned", "in_review", False),
    ("returned", "delivered", False),
    ("other", "delivered", True),
    ("other", "awaiting_supplement", False),
    ("certificate_issued", "submitted", False),
    ("forwarded", "delivered", False),
]


def test_every_closure_result_has_its_stage() -> None:
    assert set(CLOSURE_STATES) == set(CLOSURE_RESULTS) == {r for r, _, _ in CLOSURES}


@pytest.mark.parametrize(("result", "state", "allowed"), CLOSURES)
def test_each_closure_result_at_its_stage(
    result: str, state: str, allowed: bool, new_case: Callable[[], Case]
) -> None:
    case = case_in(state, new_case)

    def complete() -> None:
        case.complete(at=AT, actor=OFFICER, calendar=CALENDAR, result=result, reason="重复登记")

    if not allowed:
        expected = f"cannot complete a case in state '{case.status}': "
        refused(case, complete, InvalidTransition, expected)
        return
    complete()
    completed = last(case)
    assert isinstance(completed, Completed)
    assert (case.status, case.result, completed.result) == ("completed", result, result)
    if state == "delivered":
        assert completed.days_used == 0 and completed.on_time_promised is True
    else:  # never accepted: no clock ran, nothing to judge
        assert completed.days_used is None and completed.on_time_promised is None
        assert completed.on_time_statutory is None and completed.reason == "重复登记"


def test_a_case_never_accepted_closes_with_a_named_result_and_a_reason(
    new_case: Callable[[], Case],
) -> None:
    case = case_in("awaiting_supplement", new_case)
    refused(
        case,
        lambda: case.complete(at=AT, actor=OFFICER, calendar=CALENDAR),
        InvalidCommand,
        "name the closure result of a case never accepted: never_completed, voided, returned",
    )
    refused(
        case,
        lambda: case.complete(at=AT, actor=OFFICER, calendar=CALENDAR, result="never_completed"),
        InvalidCommand,
        "required: reason",
    )
    refused(
        case,
        lambda: case.complete(at=AT, actor=OFFICER, calendar=CALENDAR, result="voided"),
        InvalidCommand,
        "required: reason",
    )
    case.complete(
        at=AT, actor=OFFICER, calendar=CALENDAR, result="never_completed", reason="逾期未补正"
    )
    assert case.status == "completed" and not case.is_open


def test_never_completed_belongs_to_the_supplement_notice(new_case: Callable[[], Case]) -> None:
    case = case_in("submitted", new_case)
    refused(
        case,
        lambda: case.complete(
            at=AT, actor=OFFICER, calendar=CALENDAR, result="never_completed", reason="r"
        ),
        InvalidTransition,
        r"补正不来 closes a case awaiting supplement.*\(Art\. 32\)",
    )
    decided = case_in("delivered", new_case)
    refused(
        decided,
        lambda: decided.complete(
            at=AT, actor=OFFICER, calendar=CALENDAR, result="voided", reason="r"
        ),
        InvalidTransition,
        "作废 voids an intake record before acceptance",
    )


def test_an_intake_closure_is_public_without_a_clock(app: HallApplication) -> None:
    case_id = app.submit(
        CLERK, item_code="SCJG-001", channel="online", applicant=applicant(), materials=[]
    ).aggregate_id
    app.handle(RequestSupplement(missing=[Material(code="M2", name="执照")]), case_id, CLERK)
    app.handle(Complete(result="never_completed", reason="逾期未补正"), case_id, OFFICER)
    view = None
    for event in cloudevents(app, case_id):
        view = case_facts.apply(view, event)
    assert view is not None
    assert (view["status"], view["result"], view["closed_on"]) == (
        "completed",
        "never_completed",
        "2026-03-02",
    )
    assert view["days_used"] is None and view["on_time_promised"] is None
    assert view["accepted_on"] is None and view["outcome"] is None
    assert cloudevents(app, case_id)[-1]["type"] == "casetrail.case.completed.v4"


# --- a decision after the examination: officer in charge, every step -------------------


def accepted(new_case: Callable[[], Case]) -> Case:
    case = new_case()
    ACTIONS["accept"](case)
    return case


def test_a_decision_needs_an_officer_in_charge(new_case: Callable[[], Case]) -> None:
    case = accepted(new_case)

    def decide() -> None:
        case.decide(at=AT, actor=APPROVER, outcome="approved", skipped_steps=skips(case))

    refused(case, decide, InvalidCommand, r"officer in charge \(Art\. 34\): assign the case")
    case.assign(at=AT, actor=OFFICER, assignee="officer-1")
    decide()
    assert case.status == "decided"


def test_a_decision_needs_every_step_completed(new_case: Callable[[], Case]) -> None:
    case = case_in("in_review", new_case)
    case.complete_step(at=AT, actor=OFFICER, step="审查", opinion="agree", calendar=CALENDAR)

    def decide() -> None:
        case.decide(at=AT, actor=APPROVER, outcome="approved")

    refused(case, decide, InvalidCommand, r"steps not completed: 决定; .*\(Art\. 37\)")
    case.complete_step(at=AT, actor=APPROVER, step="决定", opinion="agree", calendar=CALENDAR)
    decide()
    decided = last(case)
    assert isinstance(decided, Decided) and decided.skipped_steps == []


def test_a_step_skipped_is_recorded_with_its_reason(new_case: Callable[[], Case]) -> None:
    case = case_in("in_review", new_case)
    case.complete_step(at=AT, actor=OFFICER, step="审查", opinion="agree", calendar=CALENDAR)
    skipped: list[SkippedStep] = [{"step": "决定", "reason": "负责人当场审查决定"}]
    case.decide(at=AT, actor=APPROVER, outcome="approved", skipped_steps=skipped)
    decided = last(case)
    assert isinstance(decided, Decided) and decided.skipped_steps == skipped


@pytest.mark.parametrize(
    ("skipped", "problem"),
    [
        ([{"step": "决定", "reason": " "}], "skipping '决定' needs a reason"),
        (
            [{"step": "审查", "reason": "r"}, {"step": "决定", "reason": "r"}],
            "'审查' was completed",
        ),
        ([{"step": "现场核查", "reason": "r"}], "'现场核查' is not a step of this item"),
        ([{"step": "决定", "reason": "r"}] * 2, "'决定' is named twice"),
    ],
)
def test_a_skip_names_a_step_still_to_do_with_a_reason(
    skipped: list[Any], problem: str, new_case: Callable[[], Case]
) -> None:
    case = case_in("in_review", new_case)
    case.complete_step(at=AT, actor=OFFICER, step="审查", opinion="agree", calendar=CALENDAR)
    refused(
        case,
        lambda: case.decide(at=AT, actor=APPROVER, outcome="approved", skipped_steps=skipped),
        InvalidCommand,
        f"skipped_steps: .*{problem}",
    )


# --- every disagreement answered on record --------------------------------------------


def in_parallel_review(new_case: Callable[[], Case]) -> Case:
    case = case_in("in_review", new_case)
    case.request_parallel_review(
        at=AT, actor=OFFICER, departments=["ZRZY", "STHJ"], due_on=date(2026, 3, 5)
    )
    return case


def test_a_co_departments_disagreement_waits_for_its_answer(new_case: Callable[[], Case]) -> None:
    case = in_parallel_review(new_case)
    case.give_opinion(at=AT, actor=CO_OFFICER, opinion="disagree", comment="选址与规划不符")
    case.give_opinion(
        at=AT, actor=Actor(id="sthj-1", role="officer", department="STHJ"), opinion="agree"
    )
    assert case.parallel is None  # closed by the last opinion; the disagreement stays

    def decide() -> None:
        case.decide(at=AT, actor=APPROVER, outcome="approved", skipped_steps=skips(case))

    refused(case, decide, InvalidCommand, r"disagreements unanswered: department ZRZY;.*Art\. 26")
    case.answer_opinion(at=AT, actor=APPROVER, department="ZRZY", answer="已调整选址，符合规划")
    answered = last(case)
    assert isinstance(answered, DisagreementAnswered)
    assert (answered.department, answered.step, answered.answer) == (
        "ZRZY",
        None,
        "已调整选址，符合规划",
    )
    decide()
    assert case.status == "decided"


def test_a_steps_disagreement_waits_for_its_answer(new_case: Callable[[], Case]) -> None:
    case = case_in("in_review", new_case)
    case.complete_step(
        at=AT, actor=OFFICER, step="审查", opinion="disagree", calendar=CALENDAR, comment="不符"
    )
    case.complete_step(at=AT, actor=APPROVER, step="决定", opinion="agree", calendar=CALENDAR)

    def decide() -> None:
        case.decide(at=AT, actor=APPROVER, outcome="approved")

    refused(case, decide, InvalidCommand, "disagreements unanswered: step 审查")
    case.answer_opinion(at=AT, actor=APPROVER, step="审查", answer="经复核，条件已具备")
    decide()
    assert case.status == "decided"


def test_every_unanswered_disagreement_is_named(new_case: Callable[[], Case]) -> None:
    case = in_parallel_review(new_case)
    case.complete_step(at=AT, actor=OFFICER, step="审查", opinion="disagree", calendar=CALENDAR)
    for department in ("ZRZY", "STHJ"):
        co = Actor(id=f"{department}-1", role="officer", department=department)
        case.give_opinion(at=AT, actor=co, opinion="disagree")
    refused(
        case,
        lambda: case.decide(at=AT, actor=APPROVER, outcome="approved", skipped_steps=skips(case)),
        InvalidCommand,
        "disagreements unanswered: department ZRZY, department STHJ, step 审查",
    )


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"department": "STHJ", "answer": "a"}, "department 'STHJ' has no unanswered"),
        ({"step": "决定", "answer": "a"}, "step '决定' has no unanswered"),
        ({"answer": "a"}, "name either the department or the step"),
        ({"department": "ZRZY", "step": "审查", "answer": "a"}, "name either the department"),
        ({"department": "ZRZY", "answer": " "}, "required: answer"),
    ],
)
def test_only_a_disagreement_on_record_is_answered(
    fields: dict[str, Any], problem: str, new_case: Callable[[], Case]
) -> None:
    case = in_parallel_review(new_case)
    case.give_opinion(at=AT, actor=CO_OFFICER, opinion="disagree")
    refused(
        case, lambda: case.answer_opinion(at=AT, actor=APPROVER, **fields), InvalidCommand, problem
    )


def test_a_disagreement_is_answered_once(new_case: Callable[[], Case]) -> None:
    case = in_parallel_review(new_case)
    case.give_opinion(at=AT, actor=CO_OFFICER, opinion="disagree")
    case.answer_opinion(at=AT, actor=OFFICER, department="ZRZY", answer="已采纳")
    refused(
        case,
        lambda: case.answer_opinion(at=AT, actor=OFFICER, department="ZRZY", answer="again"),
        InvalidCommand,
        "department 'ZRZY' has no unanswered disagreement",
    )


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (ZJ_OFFICER, True),
        (ZJ_APPROVER, True),
        (CO_OFFICER, False),  # the co-department that disagreed does not answer itself
        (Actor(id="clerk-1", role="clerk", department="HALL"), False),
    ],
)
def test_the_case_department_answers(actor: Actor, allowed: bool) -> None:
    def attempt() -> None:
        authorize(actor, "answer-opinion", case_department="ZJ", co_departments=("ZRZY",))

    if allowed:
        attempt()
    else:
        with pytest.raises(Forbidden, match="may not answer-opinion"):
            attempt()


# --- fees: licensing is free unless a law or administrative regulation provides ----------


def approved(code: str = "ZRZY-002") -> Case:
    """An accepted case of ``code``, approved, its steps skipped."""
    content = item_content(code)
    case = submitted_case(content)
    case.accept(at=AT, actor=CLERK, revision=1, terms=content, calendar=CALENDAR)
    case.assign(at=AT, actor=ZRZY_OFFICER, assignee="zrzy-1")
    case.decide(at=AT, actor=ZRZY_APPROVER, outcome="approved", skipped_steps=skips(case))
    return case


def test_a_listed_fee_carries_the_fee_lists_legal_basis() -> None:
    case = approved()
    listed = case.require_terms().fees[0]
    case.charge_fee(at=AT, actor=CLERK, fee_code="F1", amount_fen=listed.amount_fen)
    charged = last(case)
    assert isinstance(charged, FeeCharged)
    assert (charged.legal_basis, charged.override_reason) == (listed.legal_basis, "")
    assert case.fees_charged[-1]["override"] is False


@pytest.mark.parametrize(
    ("fee_code", "amount_fen", "fields", "problem"),
    [
        ("F9", 500, {}, "not on the item's fee list"),
        ("F9", 500, {"override_reason": "加急费"}, "not on the item's fee list"),
        ("F1", 9000, {"override_reason": "加收"}, "listed at 8000 fen"),
        ("F1", 9000, {"legal_basis": FEE_BASIS}, "listed at 8000 fen"),
    ],
)
def test_an_off_list_fee_without_its_legal_basis_is_refused(
    fee_code: str, amount_fen: int, fields: dict[str, str], problem: str
) -> None:
    case = approved()
    refused(
        case,
        lambda: case.charge_fee(
            at=AT, actor=CLERK, fee_code=fee_code, amount_fen=amount_fen, **fields
        ),
        InvalidCommand,
        rf"{problem}: licensing is free unless a law or administrative regulation provides"
        r" otherwise \(Art\. 58\); name its legal_basis",
    )


def test_an_item_without_fees_charges_nothing_without_a_legal_basis() -> None:
    case = approved("SCJG-001")
    refused(
        case,
        lambda: case.charge_fee(
            at=AT, actor=CLERK, fee_code="F1", amount_fen=100, override_reason="工本费"
        ),
        InvalidCommand,
        r"Art\. 58",
    )


def test_an_override_with_its_legal_basis_is_recorded_and_shown_to_inspectors() -> None:
    case = approved()
    case.charge_fee(at=AT, actor=CLERK, fee_code="F1", amount_fen=8000)
    case.charge_fee(
        at=AT,
        actor=CLERK,
        fee_code="F9",
        amount_fen=500,
        override_reason="补发证书工本费",
        legal_basis=FEE_BASIS,
    )
    charged = last(case)
    assert isinstance(charged, FeeCharged)
    assert (charged.listed_amount_fen, charged.legal_basis) == (None, FEE_BASIS)
    shown = [FeeView.model_validate(fee).model_dump() for fee in case.fees_charged]
    assert shown[1] == {
        "fee_code": "F9",
        "amount_fen": 500,
        "listed_amount_fen": None,
        "override": True,
        "override_reason": "补发证书工本费",
        "legal_basis": FEE_BASIS,
    }
    assert shown[0]["override"] is False and shown[0]["legal_basis"].startswith("《国家发展改革委")


# --- 好差评 is the applicant's voice ---------------------------------------------------------


def closed(new_case: Callable[[], Case]) -> Case:
    return case_in("completed", new_case)


@pytest.mark.parametrize(
    "staff", [CLERK, OFFICER, APPROVER, SUPERVISOR, Actor("insp-1", "inspector", "HALL")]
)
def test_staff_never_rate(staff: Actor, new_case: Callable[[], Case]) -> None:
    case = closed(new_case)
    refused(
        case,
        lambda: case.rate(at=AT, actor=staff, stage="closure", level=5),
        InvalidCommand,
        f"role '{staff.role}' may not rate: 好差评 is the applicant's own voice",
    )
    with pytest.raises(Forbidden, match="may not rate"):
        authorize(staff, "rate", case_department="ZJ")


def test_the_applicant_rates_and_a_clerk_cannot_get_there_first(
    new_case: Callable[[], Case],
) -> None:
    case = closed(new_case)
    with pytest.raises(InvalidCommand):
        case.rate(at=AT, actor=CLERK, stage="closure", level=5)
    case.rate(at=AT, actor=APPLICANT, stage="closure", level=1)
    rated = last(case)
    assert isinstance(rated, Rated)
    assert (rated.rated_by, rated.device, rated.level) == ("applicant", None, 1)
    assert case.ratings["closure"].as_data() == {
        "level": 1,
        "rated_by": "applicant",
        "device": None,
        "rectification": None,
    }
    case.order_rectification(
        at=AT, actor=SUPERVISOR, stage="closure", instructions="核实", calendar=CALENDAR
    )
    assert case.ratings["closure"].rectification == "ordered"


def test_a_window_evaluation_device_rates_on_record(new_case: Callable[[], Case]) -> None:
    case = case_in("in_review", new_case)
    case.rate(at=AT, actor=KIOSK, stage="acceptance", level=5)
    rated = last(case)
    assert isinstance(rated, Rated)
    assert (rated.rated_by, rated.device) == ("kiosk", "kiosk-window-3")
    authorize(KIOSK, "rate", case_department="ZJ")


@pytest.mark.parametrize("action", sorted(set(AUTHORIZED_ACTIONS) - {"rate"}))
def test_a_kiosk_may_only_rate(action: str) -> None:
    case_free = action in CASE_FREE_ACTIONS
    with pytest.raises(Forbidden, match=f"role 'kiosk' may not {action}"):
        authorize(KIOSK, action, case_department=None if case_free else "ZJ")


# --- old events keep loading: the upcasters ----------------------------------------------


def stored(app: HallApplication, case_id: UUID, event_class: type) -> Notification:
    topic = f"domain.case:Case.{event_class.__name__}"
    return next(
        n
        for n in app.recorder.select_notifications(start=None, limit=100_000)
        if n.originator_id == case_id and n.topic == topic
    )


@pytest.fixture
def walked(app: HallApplication) -> tuple[HallApplication, UUID]:
    """A ZRZY-002 case decided, charged, delivered, completed and rated."""
    case_id = app.submit(
        CLERK, item_code="ZRZY-002", channel="window", applicant=applicant(), materials=[]
    ).aggregate_id
    app.handle(Accept(), case_id, CLERK)
    app.handle(Assign(assignee="zrzy-1"), case_id, ZRZY_OFFICER)
    app.handle(CompleteStep(step="审核", opinion="agree"), case_id, ZRZY_OFFICER)
    skipped = [Skip(**s) for s in skips(app.get_case(case_id))]  # without 登簿, on record
    steps: Iterable[tuple[CaseCommand, Actor]] = [
        (Decide(outcome="approved", skipped_steps=skipped), ZRZY_APPROVER),
        (ChargeFee(fee_code="F1", amount_fen=8000), CLERK),
        (Deliver(method="window"), CLERK),
        (Complete(), ZRZY_OFFICER),
        (Rate(stage="closure", level=4), APPLICANT),
    ]
    for command, actor in steps:
        app.handle(command, case_id, actor)
    return app, case_id


def test_a_version_2_decision_skipped_nothing(walked: tuple[HallApplication, UUID]) -> None:
    app, case_id = walked
    v2 = as_version(stored(app, case_id, Decided), 2, skipped_steps=None)
    decided = app.mapper.to_domain_event(v2)
    assert isinstance(decided, Decided) and decided.skipped_steps == []


def test_a_version_1_fee_named_no_legal_basis(walked: tuple[HallApplication, UUID]) -> None:
    app, case_id = walked
    v1 = as_version(stored(app, case_id, FeeCharged), 1, legal_basis=None)
    charged = app.mapper.to_domain_event(v1)
    assert isinstance(charged, FeeCharged) and charged.legal_basis == ""


def test_a_version_2_completion_gave_no_reason(walked: tuple[HallApplication, UUID]) -> None:
    app, case_id = walked
    v2 = as_version(stored(app, case_id, Completed), 2, reason=None)
    completed = app.mapper.to_domain_event(v2)
    assert isinstance(completed, Completed) and completed.reason == ""
    assert completed.days_used == 0


def test_a_version_2_rating_keeps_who_gave_it(walked: tuple[HallApplication, UUID]) -> None:
    app, case_id = walked
    by_clerk = {**CLERK.as_dict()}
    v2 = as_version(stored(app, case_id, Rated), 2, rated_by=None, device=None, actor=by_clerk)
    rated = app.mapper.to_domain_event(v2)
    assert isinstance(rated, Rated) and (rated.rated_by, rated.device) == ("clerk", None)


# --- the demo follows the rules and walks through them -----------------------------------


def test_the_demo_follows_the_rules_and_shows_them() -> None:
    app = make_app()
    assert isinstance(app.clock, SimulatedClock)
    said: list[str] = []
    demo = generate(
        app, app.clock, cases=150, days=60, until=START + timedelta(days=60), progress=said.append
    )
    assert not [line for line in said if "refused" in line]
    events = [
        app.mapper.to_domain_event(n)
        for n in app.recorder.select_notifications(start=None, limit=100_000)
        if n.topic.startswith("domain.case:")
    ]
    raters = Counter(e.rated_by for e in events if isinstance(e, Rated))
    assert raters["kiosk"] and raters["applicant"] and set(raters) == {"kiosk", "applicant"}
    assert any(isinstance(e, Decided) and e.skipped_steps for e in events)
    assert any(isinstance(e, DisagreementAnswered) for e in events)
    results = Counter(e.result for e in events if isinstance(e, Completed))
    assert results["never_completed"]
    assert {d.status for d in demo} >= {"completed", "withdrawn", "terminated"}
