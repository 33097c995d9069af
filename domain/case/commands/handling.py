"""The commands of handling: assignment, steps, the parallel review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated

from annotated_types import MaxLen, MinLen

from domain.case.commands.base import HANDLERS, HEAD, CaseCommand, Needs
from domain.case.vocabulary import Opinion
from domain.constraints import MAX_LIST, Code, Note, Text

if TYPE_CHECKING:
    from domain.case import Case


@dataclass(frozen=True)
class Assign(CaseCommand):
    """承办."""

    ACTION = "assign"
    ROLES = HANDLERS
    assignee: Annotated[str, MinLen(1), MaxLen(100)]

    def run(self, case: Case, needs: Needs) -> None:
        case.assign(at=needs.at, actor=needs.actor, assignee=self.assignee)


@dataclass(frozen=True)
class CompleteStep(CaseCommand):
    """审查/审核/审批: the item's next step."""

    ACTION = "complete-step"
    ROLES = HANDLERS
    step: Text
    opinion: Opinion
    comment: Note = ""

    def run(self, case: Case, needs: Needs) -> None:
        case.complete_step(
            at=needs.at,
            actor=needs.actor,
            step=self.step,
            opinion=self.opinion,
            calendar=needs.calendar(),
            comment=self.comment,
        )


@dataclass(frozen=True)
class Return(CaseCommand):
    """退回 to a completed step."""

    ACTION = "return"
    ROLES = HANDLERS
    to_step: Text
    reason: Text

    def run(self, case: Case, needs: Needs) -> None:
        case.return_to_step(
            at=needs.at, actor=needs.actor, to_step=self.to_step, reason=self.reason
        )


@dataclass(frozen=True)
class RequestParallelReview(CaseCommand):
    """并联审批: co-departments and the date their opinions are due."""

    ACTION = "request-parallel-review"
    ROLES = HANDLERS
    departments: Annotated[list[Code], MinLen(1), MaxLen(MAX_LIST)]
    due_on: date

    def run(self, case: Case, needs: Needs) -> None:
        case.request_parallel_review(
            at=needs.at, actor=needs.actor, departments=list(self.departments), due_on=self.due_on
        )


@dataclass(frozen=True)
class GiveOpinion(CaseCommand):
    """会签: the caller's department's opinion (co-departments only)."""

    ACTION = "give-opinion"
    ROLES = HANDLERS
    opinion: Opinion
    comment: Note = ""

    def run(self, case: Case, needs: Needs) -> None:
        case.give_opinion(
            at=needs.at, actor=needs.actor, opinion=self.opinion, comment=self.comment
        )


@dataclass(frozen=True)
class AnswerOpinion(CaseCommand):
    """The answer on record to a "disagree" opinion: of a co-department (``department``)
    or of a handling step (``step``); the decision waits for every answer."""

    ACTION = "answer-opinion"
    ROLES = HANDLERS
    answer: Text
    department: Code | None = None
    step: Text | None = None

    def run(self, case: Case, needs: Needs) -> None:
        case.answer_opinion(
            at=needs.at,
            actor=needs.actor,
            answer=self.answer,
            department=self.department,
            step=self.step,
        )


@dataclass(frozen=True)
class CloseParallelReview(CaseCommand):
    """Close the parallel review once every opinion is in or its due date has passed."""

    ACTION = "close-parallel-review"
    ROLES = HEAD

    def run(self, case: Case, needs: Needs) -> None:
        case.close_parallel_review(at=needs.at, actor=needs.actor)
