"""The commands of ratings and their rectification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from annotated_types import Ge, Le

from domain.case.commands.base import HANDLERS, SUPERVISION, CaseCommand, Needs
from domain.case.vocabulary import RatingStage
from domain.constraints import Note, Text

if TYPE_CHECKING:
    from domain.case import Case


@dataclass(frozen=True)
class Rate(CaseCommand):
    """好差评 by the applicant (the public route, with its query code) or at a window
    evaluation device (a kiosk token), never by staff: 5 非常满意 … 1 非常不满意; the
    comment is kept sealed with the applicant's data."""

    ACTION = "rate"
    ROLES = frozenset({"applicant", "kiosk"})
    stage: RatingStage
    level: Annotated[int, Ge(1), Le(5)]
    comment: Note = ""

    def run(self, case: Case, needs: Needs) -> None:
        case.rate(
            at=needs.at,
            actor=needs.actor,
            stage=self.stage,
            level=self.level,
            sealed_comment=needs.sealed_comment(case, self.comment),
        )


@dataclass(frozen=True)
class OrderRectification(CaseCommand):
    """整改 of a poor rating, due within the item's rectification limit."""

    ACTION = "order-rectification"
    ROLES = SUPERVISION
    stage: RatingStage
    instructions: Text

    def run(self, case: Case, needs: Needs) -> None:
        case.order_rectification(
            at=needs.at,
            actor=needs.actor,
            stage=self.stage,
            instructions=self.instructions,
            calendar=needs.calendar(),
        )


@dataclass(frozen=True)
class ReportRectification(CaseCommand):
    """整改 reported."""

    ACTION = "report-rectification"
    ROLES = HANDLERS
    stage: RatingStage
    measures: Text

    def run(self, case: Case, needs: Needs) -> None:
        case.report_rectification(
            at=needs.at, actor=needs.actor, stage=self.stage, measures=self.measures
        )


@dataclass(frozen=True)
class CompleteCallback(CaseCommand):
    """回访."""

    ACTION = "complete-callback"
    ROLES = SUPERVISION
    stage: RatingStage
    satisfied: bool
    note: Note = ""

    def run(self, case: Case, needs: Needs) -> None:
        case.complete_callback(
            at=needs.at,
            actor=needs.actor,
            stage=self.stage,
            satisfied=self.satisfied,
            note=self.note,
        )
