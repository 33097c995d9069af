"""The clock of an accepted case (特别程序, 挂起/恢复, 延期, deadline changes): each command
beside the event it records, and what the clock shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.actor import Actor
from domain.calendar import WorkingCalendar
from domain.case.state import (
    CaseEvent,
    CaseState,
    Resumes,
    Stage,
    local_date,
    require_choice,
    require_text,
)
from domain.deadlines import Deadlines, days_used
from domain.errors import InvalidCommand, InvalidTransition
from domain.item_terms import SPECIAL_PROCEDURES


class SpecialProcedureStarted(CaseEvent):
    """特别程序 (Art. 45): the clock stops; the applicant is told in writing."""

    kind: str
    expected_days: int
    notice: str

    def apply_to(self, case: CaseState) -> None:
        case.open_pause(f"special_procedure:{self.kind}", local_date(self.timestamp))


class SpecialProcedureEnded(Resumes):
    """The special procedure's result; the clock runs again."""

    result: str


class Suspended(CaseEvent):
    """挂起: the clock stops."""

    reason: str

    def apply_to(self, case: CaseState) -> None:
        case.open_pause("suspension", local_date(self.timestamp))


class Resumed(Resumes):
    """恢复: the clock runs again."""

    reason: str


class DeadlineExtended(CaseEvent):
    """延期: granted once by the department head, reason told to the applicant."""

    days: int
    reason: str
    statutory_deadline: str | None
    promised_deadline: str | None
    deadline_provisional: bool

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
        """Days used and remaining of the promised limit, as of ``today``."""
        if self.terms is None or self.accepted_on is None:
            return {"paused": False, "working_days_used": None, "working_days_remaining": None}
        end = local_date(self.closed_at) if self.closed_at else today
        used = days_used(calendar, self.terms.promised_limit, self.accepted_on, end, self.pauses)
        limit = self.terms.promised_limit.days + self.extension_days
        return {
            "paused": self.paused,
            "pause_kind": self.pause_kind,
            "unit": self.terms.promised_limit.unit,
            "working_days_used": used,
            "working_days_remaining": limit - used,
        }

    def start_special_procedure(
        self, *, at: datetime, actor: Actor, kind: str, expected_days: int, notice: str
    ) -> None:
        """特别程序: the clock stops; only procedures the item allows."""
        self.require_handling("start-special-procedure", running=True)
        require_choice("kind", kind, SPECIAL_PROCEDURES)
        if kind not in self.require_terms().special_procedures:
            raise InvalidCommand(f"the item does not provide for the special procedure '{kind}'")
        if expected_days < 1:
            raise InvalidCommand("expected_days must be at least 1")
        require_text(notice=notice)
        self._record(
            SpecialProcedureStarted,
            at,
            actor,
            kind=kind,
            expected_days=expected_days,
            notice=notice,
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
        """挂起: stop the clock."""
        self.require_handling("suspend", running=True)
        require_text(reason=reason)
        self._record(Suspended, at, actor, reason=reason)

    def resume(self, *, at: datetime, actor: Actor, reason: str, calendar: WorkingCalendar) -> None:
        """恢复: the clock runs again."""
        if self.pause_kind != "suspension":
            raise InvalidTransition(self.state(), "resume")
        self._record(Resumed, at, actor, reason=reason, **self.resumption(at, calendar))

    def extend(
        self, *, at: datetime, actor: Actor, days: int, reason: str, calendar: WorkingCalendar
    ) -> None:
        """延期: once, at most 10 working days (15 for joint handling), with a reason."""
        self.require_handling("extend")
        terms = self.require_terms()
        if self.extension_days:
            raise InvalidCommand("the deadline has already been extended once")
        most = 15 if terms.joint else 10  # Art. 42: 10 working days, 15 for joint handling
        if not 1 <= days <= most:
            raise InvalidCommand(f"an extension is 1 to {most} days")
        require_text(reason=reason)
        deadlines = self.deadlines(calendar, extension_days=days)
        self._record(DeadlineExtended, at, actor, days=days, reason=reason, **deadlines.to_data())

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
