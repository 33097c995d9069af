"""The commands of the decision and its result, and of closing early."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Annotated

from annotated_types import MaxLen

from domain.case.commands.base import DEPARTMENT_STAFF, HANDLERS, HEAD, CaseCommand, Needs
from domain.case.handling import SkippedStep
from domain.case.vocabulary import ClosureResult, DeliveryMethod, Outcome
from domain.constraints import MAX_LIST, AmountFen, Note, Text

if TYPE_CHECKING:
    from domain.case import Case


@dataclass(frozen=True)
class Skip:
    """A handling step decided without, and why."""

    step: Text
    reason: Text


@dataclass(frozen=True)
class Decide(CaseCommand):
    """决定: needs an officer in charge, every handling step completed or named in
    ``skipped_steps`` with a reason, and every disagreement answered; a denial needs
    reasons, legal basis and the appeal notice."""

    ACTION = "decide"
    ROLES = HEAD
    outcome: Outcome
    reasons: Annotated[list[Text], MaxLen(MAX_LIST)] = field(default_factory=list)
    legal_basis: Note = ""
    appeal_notice: Note = ""
    skipped_steps: Annotated[list[Skip], MaxLen(MAX_LIST)] = field(default_factory=list)

    def run(self, case: Case, needs: Needs) -> None:
        case.decide(
            at=needs.at,
            actor=needs.actor,
            outcome=self.outcome,
            reasons=list(self.reasons),
            legal_basis=self.legal_basis,
            appeal_notice=self.appeal_notice,
            skipped_steps=[SkippedStep(step=s.step, reason=s.reason) for s in self.skipped_steps],
        )


@dataclass(frozen=True)
class ChargeFee(CaseCommand):
    """收费: a fee or amount off the item's fee list needs the law or administrative
    regulation providing for it (``legal_basis``, Art. 58) and an override reason."""

    ACTION = "charge-fee"
    ROLES = DEPARTMENT_STAFF
    fee_code: Text
    amount_fen: AmountFen
    override_reason: Note = ""
    legal_basis: Note = ""

    def run(self, case: Case, needs: Needs) -> None:
        case.charge_fee(
            at=needs.at,
            actor=needs.actor,
            fee_code=self.fee_code,
            amount_fen=self.amount_fen,
            override_reason=self.override_reason,
            legal_basis=self.legal_basis,
        )


@dataclass(frozen=True)
class IssueCertificate(CaseCommand):
    """制证: valid from the day of issue until ``valid_until`` if given (the power list
    states no validity, so none is assumed)."""

    ACTION = "issue-certificate"
    ROLES = DEPARTMENT_STAFF
    certificate_no: Text
    valid_until: date | None = None

    def run(self, case: Case, needs: Needs) -> None:
        case.issue_certificate(
            at=needs.at,
            actor=needs.actor,
            certificate_no=self.certificate_no,
            valid_until=self.valid_until,
        )


@dataclass(frozen=True)
class Deliver(CaseCommand):
    """送达/领取."""

    ACTION = "deliver"
    ROLES = DEPARTMENT_STAFF
    method: DeliveryMethod
    detail: Note = ""

    def run(self, case: Case, needs: Needs) -> None:
        case.deliver(at=needs.at, actor=needs.actor, method=self.method, detail=self.detail)


@dataclass(frozen=True)
class Complete(CaseCommand):
    """办结, with the closure result: after delivery certificate_issued or other (default
    from the decision); before acceptance never_completed (awaiting supplement), voided
    or returned, with a reason."""

    ACTION = "complete"
    ROLES = HANDLERS
    result: ClosureResult | None = None
    reason: Note = ""

    def run(self, case: Case, needs: Needs) -> None:
        case.complete(
            at=needs.at,
            actor=needs.actor,
            calendar=needs.calendar(),
            result=self.result,
            reason=self.reason,
        )


@dataclass(frozen=True)
class Withdraw(CaseCommand):
    """撤回, at the applicant's request."""

    ACTION = "withdraw"
    ROLES = DEPARTMENT_STAFF
    reason: Note = ""

    def run(self, case: Case, needs: Needs) -> None:
        case.withdraw(at=needs.at, actor=needs.actor, reason=self.reason)


@dataclass(frozen=True)
class Terminate(CaseCommand):
    """终止: reason and legal basis."""

    ACTION = "terminate"
    ROLES = HEAD
    reason: Text
    legal_basis: Text

    def run(self, case: Case, needs: Needs) -> None:
        case.terminate(
            at=needs.at, actor=needs.actor, reason=self.reason, legal_basis=self.legal_basis
        )


@dataclass(frozen=True)
class Forward(CaseCommand):
    """转报 to the higher authority."""

    ACTION = "forward"
    ROLES = HANDLERS
    to_authority: Text
    reason: Text

    def run(self, case: Case, needs: Needs) -> None:
        case.forward(
            at=needs.at, actor=needs.actor, to_authority=self.to_authority, reason=self.reason
        )
