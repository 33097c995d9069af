"""Evaluation (好差评, 整改, 回访) and the erasure of the applicant's personal data: each
command beside the event it records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from domain.actor import Actor
from domain.calendar import WorkingCalendar
from domain.case.state import (
    CaseEvent,
    CaseState,
    Rating,
    Stage,
    local_date,
    require_choice,
    require_text,
)
from domain.case.vocabulary import RATERS, RATING_STAGES, Rectification
from domain.errors import InvalidCommand, InvalidTransition

DEFAULT_RECTIFICATION_DAYS = 7  # working days, when the case has no item terms


class Rated(CaseEvent):
    """好差评: one rating per stage, 5 非常满意 … 1 非常不满意 (1–2 are poor), by the
    applicant or at a window evaluation device.

    Version 3 records who rated (``rated_by``: ``applicant`` or ``kiosk``) and the
    device (``device``: the kiosk's id, None for the applicant); earlier versions
    are upcast with their actor's role as recorded (staff could rate then) and no
    device. Version 2 records the applicant's comment sealed like its personal data
    (it may hold some), None when there is none; version 1 recorded it in clear
    (upcast: dropped, since the case never reads it; the v1 event keeps it as recorded).
    """

    class_version: ClassVar[int] = 3

    stage: str
    level: int
    sealed_comment: str | None
    rated_by: str
    device: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """v1 held the comment in clear."""
        del state["comment"]
        state["sealed_comment"] = None

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """v2 said who rated only in its actor."""
        state["rated_by"] = state["actor"]["role"]
        state["device"] = None

    def apply_to(self, case: CaseState) -> None:
        case.ratings[self.stage] = Rating(self.level, self.rated_by, self.device)


class RectificationOrdered(CaseEvent):
    """整改: a poor rating must be rectified by the due date."""

    stage: str
    due_on: str
    instructions: str

    def apply_to(self, case: CaseState) -> None:
        case.set_rectification(self.stage, "ordered")
        case.rectifications[self.stage] = (
            local_date(self.timestamp),
            date.fromisoformat(self.due_on),
        )


class RectificationReported(CaseEvent):
    """整改 reported by the department."""

    stage: str
    measures: str

    def apply_to(self, case: CaseState) -> None:
        case.set_rectification(self.stage, "reported")


class CallbackCompleted(CaseEvent):
    """回访: the applicant was called back about the rectification."""

    stage: str
    satisfied: bool
    note: str

    def apply_to(self, case: CaseState) -> None:
        case.set_rectification(self.stage, "called_back")


class ApplicantDataErased(CaseEvent):
    """个人信息删除: the applicant's data key is destroyed; the sealed fields are
    noise from now on, everywhere (PIPL Art. 47). Holds no personal data."""

    subject: str
    reason: str
    legal_basis: str

    def apply_to(self, case: CaseState) -> None:
        case.applicant_erased = True


class Evaluation(Stage):
    """The commands of ratings and their rectification, and of erasure."""

    def rate(
        self,
        *,
        at: datetime,
        actor: Actor,
        stage: str,
        level: int,
        sealed_comment: str | None = None,
    ) -> None:
        """好差评: once per stage; acceptance after acceptance, closure after closure. Only
        the applicant rates, itself or at a window evaluation device (kiosk), never staff."""
        if actor.role not in RATERS:
            raise InvalidCommand(
                f"role '{actor.role}' may not rate: 好差评 is the applicant's own voice, given"
                " by the applicant or at a window evaluation device (国办发〔2019〕51号)"
            )
        require_choice("stage", stage, RATING_STAGES)
        if not 1 <= level <= 5:
            raise InvalidCommand("level must be 1 (非常不满意) to 5 (非常满意)")
        ready = self.accepted_at is not None if stage == "acceptance" else not self.is_open
        if not ready:
            raise InvalidTransition(self.state(), f"rate the {stage} of")
        if stage in self.ratings:
            raise InvalidCommand(f"the {stage} stage has already been rated")
        if stage in self.deemed_satisfied:
            raise InvalidCommand(f"the {stage} stage was deemed satisfied, unrated in time")
        self._record(
            Rated,
            at,
            actor,
            stage=stage,
            level=level,
            sealed_comment=sealed_comment,
            rated_by=actor.role,
            device=actor.id if actor.role == "kiosk" else None,
        )

    def erase_applicant(self, *, at: datetime, actor: Actor, reason: str, legal_basis: str) -> None:
        """Record the erasure of the applicant's personal data, in any state, once."""
        require_text(reason=reason, legal_basis=legal_basis)
        if self.applicant_erased:
            raise InvalidTransition("erased", "erase the applicant of")
        subject = self.applicant.get("subject")
        if not subject:
            raise InvalidCommand("this case's applicant was recorded before sealing")
        self._record(
            ApplicantDataErased, at, actor, subject=subject, reason=reason, legal_basis=legal_basis
        )

    def order_rectification(
        self,
        *,
        at: datetime,
        actor: Actor,
        stage: str,
        instructions: str,
        calendar: WorkingCalendar,
    ) -> None:
        """整改: order the rectification of a poor rating (1–2) within the item's limit."""
        rating = self.ratings.get(stage)
        if rating is None or not rating.poor:
            raise InvalidCommand(f"the {stage} stage has no poor rating to rectify")
        if rating.rectification is not None:
            raise InvalidCommand(
                f"rectification of the {stage} rating is already {rating.rectification}"
            )
        require_text(instructions=instructions)
        limit = self.terms.rectification_limit_days if self.terms else DEFAULT_RECTIFICATION_DAYS
        due = calendar.add_working_days(local_date(at), limit).date
        assert due is not None
        self._record(
            RectificationOrdered,
            at,
            actor,
            stage=stage,
            due_on=due.isoformat(),
            instructions=instructions,
        )

    def report_rectification(
        self, *, at: datetime, actor: Actor, stage: str, measures: str
    ) -> None:
        """整改 reported: what the department changed."""
        self._require_rectification(stage, "ordered", "report-rectification")
        require_text(measures=measures)
        self._record(RectificationReported, at, actor, stage=stage, measures=measures)

    def complete_callback(
        self, *, at: datetime, actor: Actor, stage: str, satisfied: bool, note: str = ""
    ) -> None:
        """回访: call the applicant back about the rectification."""
        self._require_rectification(stage, "reported", "complete-callback")
        self._record(CallbackCompleted, at, actor, stage=stage, satisfied=satisfied, note=note)

    def _require_rectification(self, stage: str, expected: Rectification, action: str) -> None:
        rating = self.ratings.get(stage)
        if rating is None or rating.rectification != expected:
            progress = rating.rectification if rating else "not rated"
            raise InvalidTransition(f"{stage} rectification {progress}", action)
