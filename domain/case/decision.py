"""Decision, result and closure (决定, 收费, 制证, 送达, 办结; 撤回, 终止, 转报): each
command beside the event it records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from domain.actor import Actor
from domain.calendar import WorkingCalendar
from domain.case.acceptance import INTAKE_STATES
from domain.case.handling import Handling, SkippedStep
from domain.case.state import CaseEvent, CaseState, local_date, require_choice, require_text
from domain.case.vocabulary import CLOSURE_RESULTS, DELIVERY_METHODS, OUTCOMES
from domain.errors import InvalidCommand, InvalidTransition, UnsupportedHistory

# The closure results of a case never accepted, and the intake states each closes.
INTAKE_CLOSURES: dict[str, tuple[str, ...]] = {
    "never_completed": ("awaiting_supplement",),  # 补正不来: the notice was never answered
    "voided": INTAKE_STATES,  # 作废: the intake record was made in error
    "returned": INTAKE_STATES,  # 退回/退件: handed back to the applicant unaccepted
}
# The states ``complete`` records each closure result in (转报 is ``forward``'s own).
CLOSURE_STATES: dict[str, tuple[str, ...]] = {
    **INTAKE_CLOSURES,
    "certificate_issued": ("decided",),
    "other": ("decided",),
    "forwarded": (),
}
# Where each closure result belongs, said when it is asked for elsewhere.
_CLOSES = {
    "never_completed": "补正不来 closes a case awaiting supplement whose applicant never"
    " supplied the materials (Art. 32)",
    "voided": "作废 voids an intake record before acceptance; an accepted case ends by"
    " its decision, withdrawal, termination or forwarding",
    "returned": "退回 hands an application back to the applicant before acceptance; an"
    " accepted case ends by its decision, withdrawal, termination or forwarding",
    "certificate_issued": "出证办结 follows the decision and its delivery (Art. 38, 44)",
    "other": "办结 follows the decision and its delivery (Art. 38, 44)",
    "forwarded": "转报 is recorded by forward, before a decision",
}
# Why nothing undoes a decision but the licence's own procedures.
AFTER_DECISION = (
    "the decision stands (Administrative Licensing Law Art. 8); a licence is revoked or"
    " cancelled only under Art. 69 or 70"
)


class Decided(CaseEvent):
    """决定: approved, or denied with reasons, legal basis and the appeal notice.

    Version 3 records the handling steps decided without (``skipped_steps``, each with
    its reason); version 2 made ``reasons`` a list and recorded the appeal notice
    (行政复议/行政诉讼 rights). Older versions are upcast.
    """

    class_version: ClassVar[int] = 3

    outcome: str
    reasons: list[str]
    legal_basis: str
    appeal_notice: str
    skipped_steps: list[SkippedStep]

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """v1 had ``reasons: str`` and no appeal notice."""
        reasons = state.pop("reasons")
        state["reasons"] = [reasons] if reasons else []
        state["appeal_notice"] = ""

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """v2 recorded no skipped steps (none were asked for)."""
        state["skipped_steps"] = []

    def apply_to(self, case: CaseState) -> None:
        case.status = "decided"
        case.outcome = self.outcome
        case.decided_at = self.timestamp
        case.skipped_steps = [s["step"] for s in self.skipped_steps]


class FeeCharged(CaseEvent):
    """收费: checked against the item's fee list; an override (a fee not on it, or another
    amount) carries its reason and the legal basis that allows it (Art. 58).

    Version 2 records the legal basis: the fee list's for a listed fee, the one named for
    an override. Version 1 recorded none (upcast: empty, as nothing was named).
    """

    class_version: ClassVar[int] = 2

    fee_code: str
    amount_fen: int
    listed_amount_fen: int | None
    override_reason: str
    legal_basis: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """v1 had no legal basis."""
        state["legal_basis"] = ""

    def apply_to(self, case: CaseState) -> None:
        case.fees_charged.append(
            {
                "fee_code": self.fee_code,
                "amount_fen": self.amount_fen,
                "listed_amount_fen": self.listed_amount_fen,
                "override": self.listed_amount_fen != self.amount_fen,
                "override_reason": self.override_reason,
                "legal_basis": self.legal_basis,
            }
        )


class CertificateIssued(CaseEvent):
    """制证: the licence is issued, valid from its day of issue until ``valid_until``
    (None: no end, or none stated).

    Version 2 records the validity (what regulators supervise after approval, 审管联动);
    version 1 recorded none (upcast: null, not stated).
    """

    class_version: ClassVar[int] = 2

    certificate_no: str
    valid_from: str | None
    valid_until: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """v1 recorded no validity."""
        state["valid_from"] = None
        state["valid_until"] = None

    def apply_to(self, case: CaseState) -> None:
        case.certificate_no = self.certificate_no


class ResultDelivered(CaseEvent):
    """送达/领取: the result reaches the applicant."""

    method: str
    detail: str

    def apply_to(self, case: CaseState) -> None:
        case.delivered = True


class Completed(CaseEvent):
    """办结: closed with a closure result, and whether each clock kept its limit.

    Each clock's days used and on-time flag are taken at the event that ends it, by the
    one rule of ``domain.deadlines.on_time``: the promised clock's (``days_used``,
    ``on_time_promised``) at this completion, the statutory clock's
    (``statutory_days_used``, ``on_time_statutory``) at the decision (Art. 42). All are
    null for a case never accepted, whose clock never ran.

    Version 4 records the statutory days used and judges the promised flag at completion.
    Version 3 judged both flags at the decision while counting ``days_used`` to completion
    (upcast: the promised flag null, judged by the reader from ``days_used`` and the limit;
    the statutory flag kept; no statutory days used) and added a reason (required when a
    case never accepted closes: 补正不来, 作废, 退回). Version 2 recorded no reason (upcast:
    empty); a version 1 completion belongs to a v1 acceptance, which cannot be loaded
    either.
    """

    class_version: ClassVar[int] = 4

    result: str
    completed_on: str
    days_used: int | None
    on_time_promised: bool | None
    statutory_days_used: int | None
    on_time_statutory: bool | None
    reason: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Refused: a v1 completion has no deadline record to judge it by."""
        raise UnsupportedHistory("Completed v1 recorded no days used")

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """v2 recorded no reason."""
        state["reason"] = ""

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        """v3 judged the promised deadline at the decision, not at completion where its
        days used were counted: that flag is dropped (null) for the reader to judge from
        ``days_used`` and the promised limit; the statutory days used were not recorded."""
        state["on_time_promised"] = None
        state["statutory_days_used"] = None

    def apply_to(self, case: CaseState) -> None:
        case.result = self.result
        case.close("completed", self.timestamp)


class Withdrawn(CaseEvent):
    """撤回: the applicant withdraws an open case."""

    reason: str

    def apply_to(self, case: CaseState) -> None:
        case.close("withdrawn", self.timestamp)


class Terminated(CaseEvent):
    """终止: handling ends without a decision (e.g. the applicant ceased to exist)."""

    reason: str
    legal_basis: str

    def apply_to(self, case: CaseState) -> None:
        case.close("terminated", self.timestamp)


class Forwarded(CaseEvent):
    """转报: passed to a higher authority that decides."""

    to_authority: str
    reason: str

    def apply_to(self, case: CaseState) -> None:
        case.result = "forwarded"
        case.close("forwarded", self.timestamp)


class Decision(Handling):
    """The commands of the decision, its result and the case's closure (a decision
    closes an overdue parallel review first, so this stage builds on handling)."""

    def decide(
        self,
        *,
        at: datetime,
        actor: Actor,
        outcome: str,
        reasons: list[str] | None = None,
        legal_basis: str = "",
        appeal_notice: str = "",
        skipped_steps: list[SkippedStep] | None = None,
    ) -> None:
        """决定: a denial gives reasons, legal basis and the applicant's appeal rights. The
        case has an officer in charge, every handling step completed or named as skipped
        with its reason, and every "disagree" opinion answered."""
        self.require_handling("decide", running=True)
        self.require_review_due(at)
        require_choice("outcome", outcome, OUTCOMES)
        reasons = [r for r in (reasons or []) if r.strip()]
        if outcome == "denied":
            if not reasons:
                raise InvalidCommand("required: reasons")
            require_text(legal_basis=legal_basis, appeal_notice=appeal_notice)
        skipped = self.require_examined(skipped_steps or [])
        if self.parallel is not None:  # past its due date the decision closes it, on record
            self.close_parallel_review(at=at, actor=actor)
        self._record(
            Decided,
            at,
            actor,
            outcome=outcome,
            reasons=reasons,
            legal_basis=legal_basis,
            appeal_notice=appeal_notice,
            skipped_steps=skipped,
        )

    def charge_fee(
        self,
        *,
        at: datetime,
        actor: Actor,
        fee_code: str,
        amount_fen: int,
        override_reason: str = "",
        legal_basis: str = "",
    ) -> None:
        """收费: as the item's fee list says; any other fee or amount (an override) names
        the law or administrative regulation that provides for it, and why (Art. 58)."""
        self._require_approved("charge-fee")
        listed = next((f for f in self.require_terms().fees if f.code == fee_code), None)
        listed_amount = listed.amount_fen if listed else None
        if listed is not None and listed_amount == amount_fen:
            legal_basis = listed.legal_basis
        elif not (legal_basis.strip() and override_reason.strip()):
            expected = f"listed at {listed_amount} fen" if listed else "not on the item's fee list"
            raise InvalidCommand(
                f"fee '{fee_code}' of {amount_fen} fen is {expected}: licensing is free unless"
                " a law or administrative regulation provides otherwise (Art. 58); name its"
                " legal_basis and an override_reason to charge it"
            )
        self._record(
            FeeCharged,
            at,
            actor,
            fee_code=fee_code,
            amount_fen=amount_fen,
            listed_amount_fen=listed_amount,
            override_reason=override_reason,
            legal_basis=legal_basis,
        )

    def issue_certificate(
        self, *, at: datetime, actor: Actor, certificate_no: str, valid_until: date | None = None
    ) -> None:
        """制证: only for an approval, once; valid from today until ``valid_until`` (after
        today), or with no end stated."""
        self._require_approved("issue-certificate")
        if self.certificate_no is not None:
            raise InvalidCommand(f"certificate {self.certificate_no} was already issued")
        require_text(certificate_no=certificate_no)
        today = local_date(at)
        if valid_until is not None and valid_until <= today:
            raise InvalidCommand(
                f"valid_until must be after the day of issue ({today.isoformat()})"
            )
        self._record(
            CertificateIssued,
            at,
            actor,
            certificate_no=certificate_no,
            valid_from=today.isoformat(),
            valid_until=valid_until.isoformat() if valid_until else None,
        )

    def deliver(self, *, at: datetime, actor: Actor, method: str, detail: str = "") -> None:
        """送达/领取: the decision (and certificate) reach the applicant."""
        self.require("decided", action="deliver")
        require_choice("method", method, DELIVERY_METHODS)
        self._record(ResultDelivered, at, actor, method=method, detail=detail)

    def complete(
        self,
        *,
        at: datetime,
        actor: Actor,
        calendar: WorkingCalendar,
        result: str | None = None,
        reason: str = "",
    ) -> None:
        """办结 with a closure result, at the stage it belongs to: after the decision's
        delivery (recording whether both deadlines were kept), or before acceptance
        (补正不来, 作废, 退回: with a reason, and no clock to judge)."""
        intake = self.status in INTAKE_STATES
        if result is None:
            if intake:
                results = ", ".join(INTAKE_CLOSURES)
                raise InvalidCommand(f"name the closure result of a case never accepted: {results}")
            result = "certificate_issued" if self.certificate_no else "other"
        require_choice("result", result, CLOSURE_RESULTS)
        if self.status not in CLOSURE_STATES[result]:
            raise InvalidTransition(self.state(), "complete", rule=_CLOSES[result])
        today = local_date(at)
        if intake:
            require_text(reason=reason)
            self._record(
                Completed,
                at,
                actor,
                result=result,
                completed_on=today.isoformat(),
                days_used=None,
                on_time_promised=None,
                statutory_days_used=None,
                on_time_statutory=None,
                reason=reason,
            )
            return
        if not self.delivered:
            raise InvalidCommand("deliver the result to the applicant before completing")
        if result == "certificate_issued" and self.certificate_no is None:
            raise InvalidCommand("no certificate was issued")
        promised, statutory = self.clocks(calendar, today)  # ended today, at the decision
        self._record(
            Completed,
            at,
            actor,
            result=result,
            completed_on=today.isoformat(),
            days_used=promised.days_used,
            on_time_promised=promised.on_time,
            statutory_days_used=statutory.days_used,
            on_time_statutory=statutory.on_time,
            reason=reason,
        )

    def withdraw(self, *, at: datetime, actor: Actor, reason: str = "") -> None:
        """撤回: the applicant withdraws its application, until the decision."""
        if self.status == "decided":
            raise InvalidTransition(self.state(), "withdraw", rule=AFTER_DECISION)
        if not self.is_open:
            raise InvalidTransition(self.status, "withdraw")
        self._record(Withdrawn, at, actor, reason=reason)

    def terminate(self, *, at: datetime, actor: Actor, reason: str, legal_basis: str) -> None:
        """终止: end handling of an accepted case without a decision."""
        if self.status == "decided":
            raise InvalidTransition(self.state(), "terminate", rule=AFTER_DECISION)
        self.require("in_review", action="terminate")
        require_text(reason=reason, legal_basis=legal_basis)
        self._record(Terminated, at, actor, reason=reason, legal_basis=legal_basis)

    def forward(self, *, at: datetime, actor: Actor, to_authority: str, reason: str) -> None:
        """转报: pass an accepted case to the higher authority that decides it."""
        self.require_handling("forward")
        require_text(to_authority=to_authority, reason=reason)
        self._record(Forwarded, at, actor, to_authority=to_authority, reason=reason)

    def _require_approved(self, action: str) -> None:
        self.require("decided", action=action)
        if self.outcome != "approved":
            raise InvalidCommand(f"cannot {action} for a denied case")
