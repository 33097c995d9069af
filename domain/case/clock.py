"""The clock of an accepted case (特别程序, 挂起/恢复, 延期, deadline changes): each command
beside the event it records, and what the clock shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from domain.actor import Actor
from domain.calendar import WorkingCalendar
from domain.case.state import (
    CaseEvent,
    CaseState,
    Procedure,
    Resumes,
    Stage,
    local_date,
    require_choice,
    require_text,
)
from domain.case.vocabulary import EXTENSION_APPROVERS
from domain.deadlines import JOINT_EXTENSION_DAYS, ORDINARY_EXTENSION_DAYS, Deadlines
from domain.errors import InvalidCommand, InvalidTransition
from domain.item_terms import ART_45_PROCEDURES, SPECIAL_PROCEDURES

_HEADS = {
    "department_head": "head of the department",
    "government_head": "head of the people's government at that level",
}


class SpecialProcedureStarted(CaseEvent):
    """特别程序: the clock stops; the applicant is told in writing.

    An Art. 45 procedure (hearing, tender or auction, testing, inspection,
    quarantine, appraisal, expert review) stops both clocks; any other (public
    notice) only the promised one. Version 2 records which; every version 1
    procedure stopped both (upcast: it still does).
    """

    class_version: ClassVar[int] = 2

    kind: str
    expected_days: int
    notice: str
    stops_statutory_clock: bool

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """v1 stopped both clocks, whatever the procedure."""
        state["stops_statutory_clock"] = True

    def apply_to(self, case: CaseState) -> None:
        on = local_date(self.timestamp)
        case.open_pause(f"special_procedure:{self.kind}", on, statutory=self.stops_statutory_clock)
        case.procedure = Procedure(self.kind, on, self.expected_days)


class SpecialProcedureEnded(Resumes):
    """The special procedure's result; the clock runs again."""

    result: str


class Suspended(CaseEvent):
    """挂起: the hall's promised clock stops; the statutory one runs on, since only the
    procedures of Art. 45 are excluded from the statutory limit.

    Version 2 records whether it stops the statutory clock (never now); a version 1
    suspension stopped both (upcast: it still does).
    """

    class_version: ClassVar[int] = 2

    reason: str
    stops_statutory_clock: bool

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """v1 stopped both clocks."""
        state["stops_statutory_clock"] = True

    def apply_to(self, case: CaseState) -> None:
        case.open_pause(
            "suspension", local_date(self.timestamp), statutory=self.stops_statutory_clock
        )


class Resumed(Resumes):
    """恢复: the clock runs again."""

    reason: str


class DeadlineExtended(CaseEvent):
    """延期 (Art. 42): once, before the statutory deadline, the reason told to the
    applicant; up to 10 working days approved by the department head, or for joint
    handling 15 approved by the head of the people's government.

    Version 2 records who approved it and the approval's reference; a version 1
    extension was the department head's (upcast), with no reference recorded.
    """

    class_version: ClassVar[int] = 2

    days: int
    reason: str
    approved_by: str
    approval_ref: str
    statutory_deadline: str | None
    promised_deadline: str | None
    deadline_provisional: bool

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """v1 was granted by the approver role, the department head, on no reference."""
        state["approved_by"] = "department_head"
        state["approval_ref"] = ""

    def apply_to(self, case: CaseState) -> None:
        case.extension_days = self.days
        case.set_deadlines(
            self.statutory_deadline, self.promised_deadline, self.deadline_provisional
        )


class DeadlineRecomputed(CaseEvent):
    """The calendar of a year the deadline falls in was published (or corrected)."""

    reason: str
    statutory_deadline: str | None
    promised_deadline: str | None
    deadline_provisional: bool

    def apply_to(self, case: CaseState) -> None:
        case.set_deadlines(
            self.statutory_deadline, self.promised_deadline, self.deadline_provisional
        )


class Clock(Stage):
    """The commands that stop, restart or move the clock, and what it shows."""

    def clock(self, calendar: WorkingCalendar, today: date) -> dict[str, Any]:
        """Both clocks as of ``today``, days counted in each limit's unit (``unit``,
        ``statutory_unit``): used, remaining, and whether within the limit (``on_time``,
        the rule of ``domain.deadlines``: at the clock's end once it ended). The promised
        clock ends at completion, the statutory one at the decision. ``working_days_*``
        are the promised clock's days when its limit counts working days, else None.
        ``warning``: the running promised clock used the item's warning threshold."""
        if self.terms is None or self.accepted_on is None or self.statutory_limit is None:
            return {"paused": False, "working_days_used": None, "working_days_remaining": None}
        promised, statutory = self.clocks(calendar, today)
        working = promised.limit.working_days
        return {
            "paused": self.paused,
            "pause_kind": self.pause_kind,
            "unit": promised.limit.unit,
            "days_used": promised.days_used,
            "days_remaining": promised.days_remaining,
            "working_days_used": promised.days_used if working else None,
            "working_days_remaining": promised.days_remaining if working else None,
            "on_time": promised.on_time,
            "ended": promised.ended,
            "warning": promised.warning(self.terms.warning_threshold_percent),
            "warning_threshold_percent": self.terms.warning_threshold_percent,
            "statutory_paused": self.statutory_paused,
            "statutory_unit": statutory.limit.unit,
            "statutory_days_used": statutory.days_used,
            "statutory_days_remaining": statutory.days_remaining,
            "statutory_on_time": statutory.on_time,
            "statutory_ended": statutory.ended,
        }

    def start_special_procedure(
        self, *, at: datetime, actor: Actor, kind: str, expected_days: int, notice: str
    ) -> None:
        """特别程序: the clock stops; only procedures the item allows, and only before
        the deadline they stop has passed (the statutory one for an Art. 45 procedure)."""
        self.require_handling("start-special-procedure", running=True)
        require_choice("kind", kind, SPECIAL_PROCEDURES)
        if kind not in self.require_terms().special_procedures:
            raise InvalidCommand(f"the item does not provide for the special procedure '{kind}'")
        if expected_days < 1:
            raise InvalidCommand("expected_days must be at least 1")
        require_text(notice=notice)
        art_45 = kind in ART_45_PROCEDURES
        if art_45:
            self.require_running_until(self.statutory_deadline, at, "Art. 45: a special procedure")
        else:
            self.require_running_until(
                self.promised_deadline, at, f"'{kind}' (not an Art. 45 procedure)"
            )
        self._record(
            SpecialProcedureStarted,
            at,
            actor,
            kind=kind,
            expected_days=expected_days,
            notice=notice,
            stops_statutory_clock=art_45,
        )

    def end_special_procedure(
        self, *, at: datetime, actor: Actor, result: str, calendar: WorkingCalendar
    ) -> None:
        """The special procedure ends; deadlines move by the days it took."""
        if not (self.pause_kind or "").startswith("special_procedure:"):
            raise InvalidTransition(self.state(), "end-special-procedure")
        require_text(result=result)
        resumption = self.resumption(at, calendar)
        self._record(SpecialProcedureEnded, at, actor, result=result, **resumption)

    def suspend(self, *, at: datetime, actor: Actor, reason: str) -> None:
        """挂起: stop the promised clock, before its deadline has passed; the statutory
        clock runs on (Art. 45 lists the only procedures it does not count)."""
        self.require_handling("suspend", running=True)
        require_text(reason=reason)
        self.require_running_until(self.promised_deadline, at, "a suspension")
        self._record(Suspended, at, actor, reason=reason, stops_statutory_clock=False)

    def resume(self, *, at: datetime, actor: Actor, reason: str, calendar: WorkingCalendar) -> None:
        """恢复: the clock runs again."""
        if self.pause_kind != "suspension":
            raise InvalidTransition(self.state(), "resume")
        self._record(Resumed, at, actor, reason=reason, **self.resumption(at, calendar))

    def extend(
        self,
        *,
        at: datetime,
        actor: Actor,
        days: int,
        reason: str,
        calendar: WorkingCalendar,
        approved_by: str,
        approval_ref: str = "",
    ) -> None:
        """延期 (Art. 42): once, while the clock runs and before the statutory deadline
        has passed; up to 10 working days on the department head's approval, or for
        joint handling up to 15 on the people's government head's, whose reference
        (the approval's document number) is recorded."""
        self.require_handling("extend")
        require_choice("approved_by", approved_by, EXTENSION_APPROVERS)
        if self.paused:
            raise InvalidCommand(
                f"Art. 42: an extension is decided while the clock runs, not while it is "
                f"stopped ({self.pause_kind})"
            )
        if self.extension_days:
            raise InvalidCommand("Art. 42: the deadline has already been extended once")
        assert self.statutory_deadline is not None, "a running clock has its deadline"
        if local_date(at) > self.statutory_deadline:
            raise InvalidCommand(
                f"Art. 42: an extension is decided within the time limit; the statutory "
                f"deadline {self.statutory_deadline.isoformat()} has passed"
            )
        if self.require_terms().joint:
            rule, needed = "Art. 42(2): joint handling's extension", "government_head"
            most = JOINT_EXTENSION_DAYS
        else:
            rule, needed = "Art. 42(1): an extension", "department_head"
            most = ORDINARY_EXTENSION_DAYS
        if approved_by != needed:
            raise InvalidCommand(f"{rule} is approved by the {_HEADS[needed]} ({needed})")
        if not 1 <= days <= most:
            raise InvalidCommand(f"{rule} is 1 to {most} days")
        if needed == "government_head":
            require_text(approval_ref=approval_ref)
        require_text(reason=reason)
        deadlines = self.deadlines(calendar, extension_days=days)
        self._record(
            DeadlineExtended,
            at,
            actor,
            days=days,
            reason=reason,
            approved_by=approved_by,
            approval_ref=approval_ref,
            **deadlines.to_data(),
        )

    def recompute_deadlines(
        self, *, at: datetime, actor: Actor, reason: str, calendar: WorkingCalendar
    ) -> bool:
        """Record new deadlines if the calendar changed them; False when nothing changed."""
        if not self.is_open or self.accepted_on is None:
            return False
        deadlines = self.deadlines(calendar, self.extension_days)
        current = Deadlines(
            self.statutory_deadline, self.promised_deadline, self.deadline_provisional
        )
        if deadlines == current:
            return False
        self._record(DeadlineRecomputed, at, actor, reason=reason, **deadlines.to_data())
        return True
