"""The commands that stop, restart or move the clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from annotated_types import Ge, Le

from domain.case.commands.base import HANDLERS, HEAD, CaseCommand, Needs
from domain.case.vocabulary import ExtensionApprover
from domain.constraints import Note, Text
from domain.item_terms import SpecialProcedure

if TYPE_CHECKING:
    from domain.case import Case


@dataclass(frozen=True)
class StartSpecialProcedure(CaseCommand):
    """特别程序: the clock stops; the notice is given to the applicant."""

    ACTION = "start-special-procedure"
    ROLES = HANDLERS
    kind: SpecialProcedure
    expected_days: Annotated[int, Ge(1), Le(365)]
    notice: Text

    def run(self, case: Case, needs: Needs) -> None:
        case.start_special_procedure(
            at=needs.at,
            actor=needs.actor,
            kind=self.kind,
            expected_days=self.expected_days,
            notice=self.notice,
        )


@dataclass(frozen=True)
class EndSpecialProcedure(CaseCommand):
    """The special procedure's result; the clock runs again."""

    ACTION = "end-special-procedure"
    ROLES = HANDLERS
    result: Text

    def run(self, case: Case, needs: Needs) -> None:
        case.end_special_procedure(
            at=needs.at, actor=needs.actor, result=self.result, calendar=needs.calendar()
        )


@dataclass(frozen=True)
class Suspend(CaseCommand):
    """挂起 on another legal basis than Art. 45 (e.g. the applicant's request), with its
    reason: it stops only the promised clock; the statutory one runs on."""

    ACTION = "suspend"
    ROLES = HANDLERS
    reason: Text

    def run(self, case: Case, needs: Needs) -> None:
        case.suspend(at=needs.at, actor=needs.actor, reason=self.reason)


@dataclass(frozen=True)
class Resume(CaseCommand):
    """解挂: the clock runs again."""

    ACTION = "resume"
    ROLES = HANDLERS
    reason: Note = ""

    def run(self, case: Case, needs: Needs) -> None:
        case.resume(at=needs.at, actor=needs.actor, reason=self.reason, calendar=needs.calendar())


@dataclass(frozen=True)
class Extend(CaseCommand):
    """延期 (Art. 42), once, before the statutory deadline: at most 10 days approved by the
    department head, or for joint handling 15 approved by the people's government head
    (``approval_ref``: the approval's document number, required for the latter)."""

    ACTION = "extend"
    ROLES = HEAD
    days: Annotated[int, Ge(1), Le(15)]
    reason: Text
    approved_by: ExtensionApprover
    approval_ref: Note = ""

    def run(self, case: Case, needs: Needs) -> None:
        case.extend(
            at=needs.at,
            actor=needs.actor,
            days=self.days,
            reason=self.reason,
            calendar=needs.calendar(),
            approved_by=self.approved_by,
            approval_ref=self.approval_ref,
        )
