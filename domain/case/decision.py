"""Decision, result and closure (决定, 收费, 制证, 送达, 办结; 撤回, 终止, 转报): each
command beside the event it records."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from domain.actor import Actor
from domain.calendar import WorkingCalendar
from domain.case.handling import Handling
from domain.case.state import CaseEvent, CaseState, local_date, require_choice, require_text
from domain.case.vocabulary import CLOSURE_RESULTS, DELIVERY_METHODS, OUTCOMES
from domain.deadlines import days_used
from domain.errors import InvalidCommand, InvalidTransition, UnsupportedHistory


class Decided(CaseEvent):
    """决定: approved, or denied with reasons, legal basis and the appeal notice.

    Version 2: ``reasons`` became a list and the appeal notice (行政复议/行政诉讼
    rights) is recorded; version 1 events are upcast.
    """

    class_version: ClassVar[int] = 2

    outcome: str
    reasons: list[str]
    legal_basis: str
    appeal_notice: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """v1 had ``reasons: str`` and no appeal notice."""
        reasons = state.pop("reasons")
        state["reasons"] = [reasons] if reasons else []
        state["appeal_notice"] = ""

    def apply_to(self, case: CaseState) -> None:
        case.status = "decided"
        case.outcome = self.outcome
        case.decided_at = self.timestamp


class FeeCharged(CaseEvent):
    """收费: checked against the item's fee list; an override carries its reason."""

    fee_code: str
    amount_fen: int
    listed_amount_fen: int | None
    override_reason: str

    def apply_to(self, case: CaseState) -> None:
        case.fees_charged.append({"fee_code": self.fee_code, "amount_fen": self.amount_fen})


class CertificateIssued(CaseEvent):
    """制证: the licence is issued."""

    certificate_no: str

    def apply_to(self, case: CaseState) -> None:
        case.certificate_no = self.certificate_no


class ResultDelivered(CaseEvent):
    """送达/领取: the result reaches the applicant."""

    method: str
    detail: str

    def apply_to(self, case: CaseState) -> None:
        case.delivered = True


class Completed(CaseEvent):
    """办结: closed with a closure result, and whether it kept both deadlines.

    Version 2 added the days used and the on-time flags; a version 1 completion
    belongs to a v1 acceptance, which cannot be loaded either.
    """

    class_version: ClassVar[int] = 2

    result: str
    completed_on: str
    days_used: int
    on_time_promised: bool
    on_time_statutory: bool

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Refused: a v1 completion has no deadline record to judge it by."""
        raise UnsupportedHistory("Completed v1 recorded no days used")

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
    ) -> None:
        """决定: a denial gives reasons, legal basis and the applicant's appeal rights."""
        self.require_handling("decide", running=True)
        if self.parallel is not None:  # past its due date the decision closes it, on record
            self.close_parallel_review(at=at, actor=actor)
        require_choice("outcome", outcome, OUTCOMES)
        reasons = [r for r in (reasons or []) if r.strip()]
        if outcome == "denied":
            if not reasons:
                raise InvalidCommand("required: reasons")
            require_text(legal_basis=legal_basis, appeal_notice=appeal_notice)
        self._record(
            Decided,
            at,
            actor,
            outcome=outcome,
            reasons=reasons,
            legal_basis=legal_basis,
            appeal_notice=appeal_notice,
        )

    def charge_fee(
        self,
        *,
        at: datetime,
        actor: Actor,
        fee_code: str,
        amount_fen: int,
        override_reason: str = "",
    ) -> None:
        """收费: must match the item's fee list unless an override reason is given."""
        self._require_approved("charge-fee")
        listed = next((f for f in self.require_terms().fees if f.code == fee_code), None)
        listed_amount = listed.amount_fen if listed else None
        if listed_amount != amount_fen and not override_reason.strip():
            expected = f"{listed_amount} fen" if listed else "no such fee item"
            raise InvalidCommand(
                f"fee '{fee_code}' of {amount_fen} fen does not match the item's fee list "
                f"({expected}); give an override_reason to charge it anyway"
            )
        self._record(
            FeeCharged,
            at,
            actor,
            fee_code=fee_code,
            amount_fen=amount_fen,
            listed_amount_fen=listed_amount,
            override_reason=override_reason,
        )

    def issue_certificate(self, *, at: datetime, actor: Actor, certificate_no: str) -> None:
        """制证: only for an approval, once."""
        self._require_approved("issue-certificate")
        if self.certificate_no is not None:
            raise InvalidCommand(f"certificate {self.certificate_no} was already issued")
        require_text(certificate_no=certificate_no)
        self._record(CertificateIssued, at, actor, certificate_no=certificate_no)

    def deliver(self, *, at: datetime, actor: Actor, method: str, detail: str = "") -> None:
        """送达/领取: the decision (and certificate) reach the applicant."""
        self.require("decided", action="deliver")
        require_choice("method", method, DELIVERY_METHODS)
        self._record(ResultDelivered, at, actor, method=method, detail=detail)

    def complete(
        self, *, at: datetime, actor: Actor, calendar: WorkingCalendar, result: str | None = None
    ) -> None:
        """办结: records the closure result and whether both deadlines were kept."""
        self.require("decided", action="complete")
        if not self.delivered:
            raise InvalidCommand("deliver the result to the applicant before completing")
        if result is None:
            result = "certificate_issued" if self.certificate_no else "other"
        require_choice("result", result, CLOSURE_RESULTS)
        if result == "certificate_issued" and self.certificate_no is None:
            raise InvalidCommand("no certificate was issued")
        today = local_date(at)
        terms = self.require_terms()
        assert self.accepted_on is not None
        used = days_used(calendar, terms.promised_limit, self.accepted_on, today, self.pauses)
        decided_on = local_date(self.decided_at) if self.decided_at else today
        self._record(
            Completed,
            at,
            actor,
            result=result,
            completed_on=today.isoformat(),
            days_used=used,
            on_time_promised=self.promised_deadline is None or decided_on <= self.promised_deadline,
            on_time_statutory=self.statutory_deadline is None
            or decided_on <= self.statutory_deadline,
        )

    def withdraw(self, *, at: datetime, actor: Actor, reason: str = "") -> None:
        """撤回: the applicant withdraws an open case."""
        if not self.is_open:
            raise InvalidTransition(self.status, "withdraw")
        self._record(Withdrawn, at, actor, reason=reason)

    def terminate(self, *, at: datetime, actor: Actor, reason: str, legal_basis: str) -> None:
        """终止: end handling of an accepted case without a decision."""
        self.require("in_review", "decided", action="terminate")
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
