"""The whole lifecycle: every command in every state, and the rules inside each command."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from domain.actor import Actor
from domain.case import (
    Case,
    Completed,
    Decided,
    FeeCharged,
    ParallelReviewClosed,
    RectificationOrdered,
)
from domain.case.handling import SkippedStep
from domain.errors import DomainError, InvalidCommand, InvalidTransition
from tests.unit.conftest import (
    APPLICANT,
    APPROVER,
    CALENDAR,
    CLERK,
    OFFICER,
    SEALED,
    START,
    item_content,
)

JOINT = item_content("ZJ-001")  # construction permit: co-departments ZRZY, STHJ, RF
CO_OFFICER = Actor(id="zrzy-1", role="officer", department="ZRZY")
AT = START
MATERIAL = [{"code": "M9", "name": "补充材料"}]


def skips(case: Case) -> list[SkippedStep]:
    """Every handling step the case has not completed, named as skipped with a reason."""
    steps = [s.name for s in case.require_terms().steps if s.role != "clerk"]
    return [{"step": s, "reason": "负责人当场决定"} for s in steps if s not in case.completed_steps]


ACTIONS: dict[str, Callable[..., None]] = {
    "request-supplement": lambda c, at=AT: c.request_supplement(
        at=at, actor=CLERK, missing=MATERIAL, calendar=CALENDAR
    ),
    "provide-supplement": lambda c, at=AT: c.provide_supplement(
        at=at, actor=CLERK, provided=MATERIAL, calendar=CALENDAR
    ),
    "accept": lambda c, at=AT: c.accept(
        at=at, actor=CLERK, revision=1, terms=JOINT, calendar=CALENDAR
    ),
    "not-accept": lambda c, at=AT: c.not_accept(
        at=at, actor=CLERK, reason="r", legal_basis="b", appeal_notice="a"
    ),
    "assign": lambda c, at=AT: c.assign(at=at, actor=OFFICER, assignee="officer-1"),
    "complete-step": lambda c, at=AT: c.complete_step(
        at=at, actor=OFFICER, step="审查", opinion="agree", calendar=CALENDAR
    ),
    "return": lambda c, at=AT: c.return_to_step(at=at, actor=OFFICER, to_step="审查", reason="r"),
    "request-parallel-review": lambda c, at=AT: c.request_parallel_review(
        at=at, actor=OFFICER, departments=["ZRZY"], due_on=date(2026, 3, 5)
    ),
    "give-opinion": lambda c, at=AT: c.give_opinion(at=at, actor=CO_OFFICER, opinion="agree"),
    # no state of this matrix holds a disagreement to answer: refused in every one
    "answer-opinion": lambda c, at=AT: c.answer_opinion(
        at=at, actor=OFFICER, step="审查", answer="已采纳"
    ),
    "close-parallel-review": lambda c, at=AT: c.close_parallel_review(at=at, actor=APPROVER),
    "start-special-procedure": lambda c, at=AT: c.start_special_procedure(
        at=at, actor=OFFICER, kind="inspection", expected_days=3, notice="现场勘查通知"
    ),
    "end-special-procedure": lambda c, at=AT: c.end_special_procedure(
        at=at, actor=OFFICER, result="合格", calendar=CALENDAR
    ),
    "suspend": lambda c, at=AT: c.suspend(at=at, actor=OFFICER, reason="r"),
    "resume": lambda c, at=AT: c.resume(at=at, actor=OFFICER, reason="r", calendar=CALENDAR),
    "extend": lambda c, at=AT: c.extend(
        at=at,
        actor=APPROVER,
        days=5,
        reason="r",
        calendar=CALENDAR,
        approved_by="government_head",  # the accepted item is handled jointly
        approval_ref="府批〔2026〕1号",
    ),
    "decide": lambda c, at=AT: c.decide(
        at=at, actor=APPROVER, outcome="approved", skipped_steps=skips(c) if c.terms else []
    ),
    "charge-fee": lambda c, at=AT: c.charge_fee(
        at=at, actor=CLERK, fee_code="X", amount_fen=100, override_reason="test", legal_basis="b"
    ),
    "issue-certificate": lambda c, at=AT: c.issue_certificate(
        at=at, actor=CLERK, certificate_no="C1"
    ),
    "deliver": lambda c, at=AT: c.deliver(at=at, actor=CLERK, method="window"),
    "complete": lambda c, at=AT: c.complete(
        at=at, actor=OFFICER, calendar=CALENDAR, result="other"
    ),
    "withdraw": lambda c, at=AT: c.withdraw(at=at, actor=CLERK, reason="r"),
    "terminate": lambda c, at=AT: c.terminate(at=at, actor=APPROVER, reason="r", legal_basis="b"),
    "forward": lambda c, at=AT: c.forward(at=at, actor=OFFICER, to_authority="省厅", reason="r"),
    "rate": lambda c, at=AT: c.rate(at=at, actor=APPLICANT, stage="closure", level=5),
}
HANDLING = ["accept", "assign"]
DECIDED = [*HANDLING, "complete-step", "decide"]
STATES: dict[str, list[str]] = {
    "submitted": [],
    "awaiting_supplement": ["request-supplement"],
    "in_review": HANDLING,
    "suspended": [*HANDLING, "suspend"],
    "special_procedure": [*HANDLING, "start-special-procedure"],
    "supplement_in_review": [*HANDLING, "request-supplement"],
    "parallel_review": [*HANDLING, "request-parallel-review"],
    "decided": DECIDED,
    "delivered": [*DECIDED, "deliver"],
    "completed": [*DECIDED, "deliver", "complete"],
    "not_accepted": ["not-accept"],
    "withdrawn": ["withdraw"],
    "terminated": ["accept", "terminate"],
    "forwarded": ["accept", "forward"],
}
CLOSE_EARLY = {"withdraw": "withdrawn", "terminate": "terminated", "forward": "forwarded"}
PAUSED_ALLOWED = {"assign": "in_review", **CLOSE_EARLY}
# (state, action) → the status after it; every other pair must be refused.
ALLOWED: dict[tuple[str, str], str] = {
    ("submitted", "request-supplement"): "awaiting_supplement",
    ("submitted", "accept"): "in_review",
    ("submitted", "not-accept"): "not_accepted",
    ("submitted", "withdraw"): "withdrawn",
    ("awaiting_supplement", "provide-supplement"): "submitted",
    ("awaiting_supplement", "not-accept"): "not_accepted",
    ("awaiting_supplement", "withdraw"): "withdrawn",
    **{
        ("in_review", a): "in_review"
        for a in (
            "assign",
            "complete-step",
            "request-parallel-review",
            "start-special-procedure",
            "suspend",
            "request-supplement",
            "extend",
        )
    },
    ("in_review", "decide"): "decided",
    **{("in_review", a): s for a, s in CLOSE_EARLY.items()},
    **{("suspended", a): s for a, s in {"resume": "in_review", **PAUSED_ALLOWED}.items()},
    **{
        ("special_procedure", a): s
        for a, s in {"end-special-procedure": "in_review", **PAUSED_ALLOWED}.items()
    },
    **{
        ("supplement_in_review", a): s
        for a, s in {"provide-supplement": "in_review", **PAUSED_ALLOWED}.items()
    },
    **{
        ("parallel_review", a): "in_review"
        for a in (
            "assign",
            "complete-step",
            "give-opinion",
            "start-special-procedure",
            "suspend",
            "request-supplement",
            "extend",
        )
    },
    **{("parallel_review", a): s for a, s in CLOSE_EARLY.items()},
    **{("decided", a): "decided" for a in ("charge-fee", "issue-certificate", "deliver")},
    **{("delivered", a): "decided" for a in ("charge-fee", "issue-certificate", "deliver")},
    ("delivered", "complete"): "completed",
    **{
        (s, "rate"): s
        for s in ("completed", "not_accepted", "withdrawn", "terminated", "forwarded")
    },
}


def case_in(state: str, new_case: Callable[[], Case]) -> Case:
    case = new_case()
    for action in STATES[state]:
        ACTIONS[action](case)
    return case


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_command_in_every_state(
    state: str, action: str, new_case: Callable[[], Case]
) -> None:
    case = case_in(state, new_case)
    version, status = case.version, case.status
    if (state, action) in ALLOWED:
        ACTIONS[action](case)
        assert case.status == ALLOWED[state, action]
        assert case.version > version
    else:
        with pytest.raises(DomainError):
            ACTIONS[action](case)
        assert (case.version, case.status) == (version, status)


def test_an_invalid_transition_names_state_and_action(new_case: Callable[[], Case]) -> None:
    case = case_in("suspended", new_case)
    with pytest.raises(InvalidTransition) as caught:
        ACTIONS["decide"](case)
    assert str(caught.value) == "cannot decide a case in state 'in_review (suspension)'"
    with pytest.raises(InvalidTransition, match="cannot complete a case in state 'submitted'"):
        ACTIONS["complete"](new_case())


def test_events_record_the_actor(new_case: Callable[[], Case]) -> None:
    case = case_in("completed", new_case)
    actors = [e.actor for e in case.collect_events()]  # type: ignore[attr-defined]
    assert actors[0] == CLERK.as_dict()
    assert APPROVER.as_dict() in actors and OFFICER.as_dict() in actors


def test_acceptance_records_the_terms_and_both_deadlines(new_case: Callable[[], Case]) -> None:
    case = new_case()
    ACTIONS["accept"](case)
    # Accepted Mon 2026-03-02; 7 promised working days, none of them holidays, and joint
    # handling's 45 statutory ones (Art. 42(2)), past Qingming and Labour Day.
    assert case.promised_deadline == date(2026, 3, 11)
    assert case.statutory_deadline == date(2026, 5, 8)
    assert case.terms == JOINT and case.item_revision == 1
    assert case.deadline_provisional is False


def test_one_supplement_notice_lists_every_missing_item(new_case: Callable[[], Case]) -> None:
    case = new_case()
    with pytest.raises(InvalidCommand, match="must list the missing"):
        case.request_supplement(at=AT, actor=CLERK, missing=[], calendar=CALENDAR)
    case.request_supplement(
        at=AT, actor=CLERK, missing=[*MATERIAL, {"code": "M8", "name": "y"}], calendar=CALENDAR
    )
    with pytest.raises(InvalidCommand, match="still missing: M8"):
        case.provide_supplement(at=AT, actor=CLERK, provided=MATERIAL, calendar=CALENDAR)
    assert case.status == "awaiting_supplement"


def test_denial_needs_reasons_legal_basis_and_appeal_notice(new_case: Callable[[], Case]) -> None:
    case = case_in("in_review", new_case)
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("reasons", {}),
        ("legal_basis", {"reasons": ["不符合条件"]}),
        ("appeal_notice", {"reasons": ["不符合条件"], "legal_basis": "第三十八条"}),
    ]
    for missing, fields in attempts:
        with pytest.raises(InvalidCommand, match=missing):
            case.decide(
                at=AT, actor=APPROVER, outcome="denied", skipped_steps=skips(case), **fields
            )
    case.decide(
        at=AT,
        actor=APPROVER,
        outcome="denied",
        reasons=["不符合条件"],
        legal_basis="第三十八条",
        appeal_notice="可于六十日内申请行政复议",
        skipped_steps=skips(case),
    )
    with pytest.raises(InvalidCommand, match="denied case"):
        case.issue_certificate(at=AT, actor=CLERK, certificate_no="C1")


def test_steps_follow_the_items_order_and_return(new_case: Callable[[], Case]) -> None:
    case = case_in("in_review", new_case)
    with pytest.raises(InvalidCommand, match="the next step is '审查'"):
        case.complete_step(at=AT, actor=OFFICER, step="决定", opinion="agree", calendar=CALENDAR)
    case.complete_step(at=AT, actor=OFFICER, step="审查", opinion="agree", calendar=CALENDAR)
    case.complete_step(at=AT, actor=APPROVER, step="决定", opinion="agree", calendar=CALENDAR)
    with pytest.raises(InvalidCommand, match="every handling step"):
        case.complete_step(at=AT, actor=APPROVER, step="决定", opinion="agree", calendar=CALENDAR)
    case.return_to_step(at=AT, actor=APPROVER, to_step="审查", reason="材料有误")
    assert case.completed_steps == [] and case.returns == 1


def test_parallel_review_closes_on_the_last_opinion_or_after_its_due_date(
    new_case: Callable[[], Case],
) -> None:
    case = case_in("in_review", new_case)
    with pytest.raises(InvalidCommand, match="not co-departments of this item: JT"):
        case.request_parallel_review(
            at=AT, actor=OFFICER, departments=["JT"], due_on=date(2026, 3, 5)
        )
    case.request_parallel_review(
        at=AT, actor=OFFICER, departments=["ZRZY", "STHJ"], due_on=date(2026, 3, 5)
    )
    case.give_opinion(at=AT, actor=CO_OFFICER, opinion="agree")
    with pytest.raises(InvalidCommand, match="already given"):
        case.give_opinion(at=AT, actor=CO_OFFICER, opinion="agree")
    with pytest.raises(InvalidCommand, match="parallel review is still open"):
        case.decide(at=AT, actor=APPROVER, outcome="approved")
    with pytest.raises(InvalidCommand, match="due by 2026-03-05"):
        case.close_parallel_review(at=AT, actor=APPROVER)
    later = AT.replace(day=6)
    case.close_parallel_review(at=later, actor=APPROVER)
    closed = case.collect_events()[-1]
    assert isinstance(closed, ParallelReviewClosed)
    assert (closed.reason, closed.missing) == ("deadline_passed", ["STHJ"])
    case.decide(at=later, actor=APPROVER, outcome="approved", skipped_steps=skips(case))


def test_a_decision_after_the_due_date_closes_the_review_on_record(
    new_case: Callable[[], Case],
) -> None:
    case = case_in("in_review", new_case)
    case.request_parallel_review(
        at=AT, actor=OFFICER, departments=["ZRZY", "STHJ"], due_on=date(2026, 3, 5)
    )
    case.give_opinion(at=AT, actor=CO_OFFICER, opinion="agree")
    with pytest.raises(InvalidCommand, match="still open: opinions are due by 2026-03-05"):
        case.decide(at=AT.replace(day=5), actor=APPROVER, outcome="approved")
    case.collect_events()
    case.decide(at=AT.replace(day=6), actor=APPROVER, outcome="approved", skipped_steps=skips(case))
    closed, decided = case.collect_events()
    assert isinstance(closed, ParallelReviewClosed) and isinstance(decided, Decided)
    assert (closed.reason, closed.missing, closed.actor) == (
        "deadline_passed",
        ["STHJ"],
        APPROVER.as_dict(),
    )
    assert case.parallel is None and case.status == "decided"


def test_a_special_procedure_moves_both_deadlines(new_case: Callable[[], Case]) -> None:
    case = case_in("in_review", new_case)
    case.start_special_procedure(
        at=AT, actor=OFFICER, kind="inspection", expected_days=3, notice="现场勘查通知"
    )
    assert case.paused
    with pytest.raises(InvalidCommand, match="does not provide for the special procedure"):
        case_in("in_review", new_case).start_special_procedure(
            at=AT, actor=OFFICER, kind="hearing", expected_days=3, notice="n"
        )
    # Paused on Mon 03-02, resumed Thu 03-05: Tue, Wed, Thu do not count.
    case.end_special_procedure(
        at=AT.replace(day=5), actor=OFFICER, result="合格", calendar=CALENDAR
    )
    assert case.promised_deadline == date(2026, 3, 16)  # 03-11 + 3 working days
    assert case.statutory_deadline == date(2026, 5, 12)  # 05-08 + 3 working days
    assert not case.paused


def test_extension_once_within_the_legal_maximum(new_case: Callable[[], Case]) -> None:
    joint = case_in("in_review", new_case)

    def extend_joint(days: int, approved_by: str = "government_head", ref: str = "府批1号") -> None:
        joint.extend(
            at=AT,
            actor=APPROVER,
            days=days,
            reason="需组织专家论证",
            calendar=CALENDAR,
            approved_by=approved_by,
            approval_ref=ref,
        )

    with pytest.raises(InvalidCommand, match=r"Art\. 42\(2\).* 1 to 15 days"):
        extend_joint(16)
    with pytest.raises(InvalidCommand, match="approved by the head of the people's government"):
        extend_joint(15, approved_by="department_head")
    with pytest.raises(InvalidCommand, match="required: approval_ref"):
        extend_joint(15, ref=" ")
    extend_joint(15)
    # Joint handling's 45 working days and 15 more after Mon 03-02, past Qingming and
    # Labour Day (05-01..05 off) → Thu 05-28.
    assert joint.statutory_deadline == date(2026, 5, 28)
    with pytest.raises(InvalidCommand, match="already been extended"):
        extend_joint(1)
    single = Case.submit(**_submit_fields("SCJG-001"))
    single.accept(at=AT, actor=CLERK, revision=1, terms=item_content("SCJG-001"), calendar=CALENDAR)
    with pytest.raises(InvalidCommand, match=r"Art\. 42\(1\).* 1 to 10 days"):
        single.extend(
            at=AT,
            actor=APPROVER,
            days=11,
            reason="r",
            calendar=CALENDAR,
            approved_by="department_head",
        )
    single.extend(
        at=AT, actor=APPROVER, days=10, reason="r", calendar=CALENDAR, approved_by="department_head"
    )
    assert single.statutory_deadline == date(2026, 3, 30)  # SCJG-001's 10 working days + 10


def _submit_fields(code: str) -> dict[str, Any]:
    from uuid import uuid4

    content = item_content(code)
    return dict[str, Any](
        case_id=uuid4(),
        at=AT,
        actor=CLERK,
        case_no="X",
        item_code=code,
        item_name=content.name,
        item_revision=1,
        department=content.department,
        channel="online",
        applicant=SEALED,
        materials=[],
    )


def test_fees_must_match_the_item_unless_overridden() -> None:
    code = next(
        c for c in ("SCJG-002", "JT-001", "GA-001", "ZRZY-002", "WL-001") if item_content(c).fees
    )
    content = item_content(code)
    fee = content.fees[0]
    case = Case.submit(**_submit_fields(code))
    case.accept(at=AT, actor=CLERK, revision=1, terms=content, calendar=CALENDAR)
    case.assign(at=AT, actor=OFFICER, assignee="officer-1")
    case.decide(at=AT, actor=APPROVER, outcome="approved", skipped_steps=skips(case))
    with pytest.raises(InvalidCommand, match=f"listed at {fee.amount_fen} fen"):
        case.charge_fee(at=AT, actor=CLERK, fee_code=fee.code, amount_fen=fee.amount_fen + 1)
    with pytest.raises(InvalidCommand, match="not on the item's fee list"):
        case.charge_fee(at=AT, actor=CLERK, fee_code="NOPE", amount_fen=1)
    case.charge_fee(at=AT, actor=CLERK, fee_code=fee.code, amount_fen=fee.amount_fen)
    case.charge_fee(
        at=AT,
        actor=CLERK,
        fee_code=fee.code,
        amount_fen=fee.amount_fen + 1,
        override_reason="加急工本费，经局长批准",
        legal_basis="《某某条例》第十条",
    )
    charged = case.collect_events()[-1]
    assert isinstance(charged, FeeCharged)
    assert charged.listed_amount_fen == fee.amount_fen
    assert charged.override_reason == "加急工本费，经局长批准"


def test_completion_records_whether_deadlines_were_kept(new_case: Callable[[], Case]) -> None:
    case = case_in("delivered", new_case)
    with pytest.raises(InvalidCommand, match="no certificate"):
        case.complete(at=AT, actor=OFFICER, calendar=CALENDAR, result="certificate_issued")
    case.complete(at=AT, actor=OFFICER, calendar=CALENDAR)
    completed = case.collect_events()[-1]
    assert isinstance(completed, Completed)
    assert completed.result == "other" and completed.days_used == 0
    assert completed.on_time_promised and completed.on_time_statutory


def test_completing_needs_delivery(new_case: Callable[[], Case]) -> None:
    case = case_in("decided", new_case)
    with pytest.raises(InvalidCommand, match="deliver the result"):
        case.complete(at=AT, actor=OFFICER, calendar=CALENDAR)


def test_ratings_once_per_stage_and_rectification_of_poor_ones(
    new_case: Callable[[], Case],
) -> None:
    case = case_in("in_review", new_case)
    with pytest.raises(InvalidTransition):
        case.rate(at=AT, actor=APPLICANT, stage="closure", level=1)
    case.rate(at=AT, actor=APPLICANT, stage="acceptance", level=2, sealed_comment="x.y.z")
    with pytest.raises(InvalidCommand, match="already been rated"):
        case.rate(at=AT, actor=APPLICANT, stage="acceptance", level=5)
    supervisor = Actor(id="sup-1", role="supervisor", department="HALL")
    with pytest.raises(InvalidTransition):
        case.report_rectification(at=AT, actor=OFFICER, stage="acceptance", measures="m")
    case.order_rectification(
        at=AT, actor=supervisor, stage="acceptance", instructions="优化叫号", calendar=CALENDAR
    )
    ordered = case.collect_events()[-1]
    assert isinstance(ordered, RectificationOrdered)
    assert ordered.due_on == "2026-03-11"  # 7 working days after Mon 03-02
    case.report_rectification(at=AT, actor=OFFICER, stage="acceptance", measures="增加窗口")
    case.complete_callback(at=AT, actor=supervisor, stage="acceptance", satisfied=True)
    assert case.ratings["acceptance"].rectification == "called_back"
    with pytest.raises(InvalidCommand, match="no poor rating"):
        case.order_rectification(
            at=AT, actor=supervisor, stage="closure", instructions="x", calendar=CALENDAR
        )
