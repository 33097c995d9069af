"""Supervision (电子监察): the timed events the deadline sweeper records on a case, each
command beside the event it records.

An alert (yellow warning, red breach, statutory breach, a special procedure, a handling
step or a rectification past its limit) is recorded once per (kind, deadline): the case
keeps the alerts raised and whether each is still active. An active alert is cleared by
an event once it no longer stands: the case closed, its deadline moved (an extension, a
resumption, a recomputation), or what it was about is resolved (the procedure ended, the
step completed, the rectification reported). A closed stage left unrated is deemed
satisfied after the item's ``deemed_satisfied_days``, by an explicit event.

Whether a clock is past its threshold or its limit is always the one rule of
``domain.deadlines`` (``ClockReading.warning`` and ``on_time``) as of the day of the
command; each command refuses what is not due, or was recorded already.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from domain.actor import Actor
from domain.calendar import WorkingCalendar
from domain.case.evaluation import DEFAULT_RECTIFICATION_DAYS
from domain.case.handling import Handling, handling_steps
from domain.case.state import (
    Alert,
    CaseEvent,
    CaseState,
    local_date,
    require_choice,
)
from domain.case.vocabulary import RATING_STAGES
from domain.deadlines import ClockReading, due_date, read_clock
from domain.errors import InvalidCommand, InvalidTransition
from domain.events import event_type
from domain.item_terms import TimeLimit

DEFAULT_DEEMED_SATISFIED_DAYS = 15  # natural days, when the case has no item terms
SPECIAL_PROCEDURE = "special_procedure:"  # the pause kind of a special procedure
WARNED_ROLES = ["officer"]  # who is warned beside the department
BREACH_ROLES = ["officer", "approver"]
STATUTORY_ROLES = ["officer", "approver", "supervisor"]


class AlertRaised(CaseEvent):
    """An alert of the sweeper, recorded once per (kind, deadline), with who is warned
    (``notify``: the department, the officer in charge, the roles)."""

    SUBJECT: ClassVar[str | None] = None  # the field naming what the alert is about
    STARTED: ClassVar[str | None] = None  # the field telling when that started

    deadline: str
    notify: dict[str, Any]

    def apply_to(self, case: CaseState) -> None:
        subject = getattr(self, self.SUBJECT) if self.SUBJECT else None
        started = date.fromisoformat(getattr(self, self.STARTED)) if self.STARTED else None
        alert = Alert(alert_kind(type(self)), date.fromisoformat(self.deadline), subject, started)
        case.alerts[(alert.kind, alert.deadline)] = alert


class DeadlineWarningRaised(AlertRaised):
    """黄牌: the promised clock used the item's warning threshold of its limit (with any
    extension)."""

    unit: str
    days_used: int
    allowed_days: int
    threshold_percent: int


class DeadlineBreached(AlertRaised):
    """红牌: the promised clock is past its limit (with any extension)."""

    unit: str
    days_used: int
    allowed_days: int


class StatutoryLimitBreached(AlertRaised):
    """The statutory clock is past its limit (with any extension), the decision not made."""

    unit: str
    days_used: int
    allowed_days: int


class SpecialProcedureOverdue(AlertRaised):
    """A special procedure still under way past its expected days."""

    SUBJECT = "procedure"
    STARTED = "started_on"

    procedure: str
    started_on: str


class StepLimitOverrun(AlertRaised):
    """The current handling step is past its own limit."""

    SUBJECT = "step"
    STARTED = "started_on"

    step: str
    started_on: str


class RectificationOverdue(AlertRaised):
    """整改 ordered for a poor rating and not reported within the item's limit."""

    SUBJECT = "stage"
    STARTED = "ordered_on"

    stage: str
    ordered_on: str


class DeadlineAlertCleared(CaseEvent):
    """An active alert no longer stands: ``reason`` ``closed``, ``deadline_moved`` or
    ``resolved``."""

    alert: str
    deadline: str
    reason: str

    def apply_to(self, case: CaseState) -> None:
        key = (self.alert, date.fromisoformat(self.deadline))
        case.alerts[key] = replace(case.alerts[key], active=False)


class DeemedSatisfied(CaseEvent):
    """视为满意: a stage of a closed case left unrated ``days`` natural days after its
    closure counts as satisfied, by this event (never by a default read)."""

    stage: str
    closed_on: str
    days: int

    def apply_to(self, case: CaseState) -> None:
        case.deemed_satisfied.append(self.stage)


ALERT_EVENTS: tuple[type[AlertRaised], ...] = (
    DeadlineWarningRaised,
    DeadlineBreached,
    StatutoryLimitBreached,
    SpecialProcedureOverdue,
    StepLimitOverrun,
    RectificationOverdue,
)


def alert_kind(event_class: type[CaseEvent]) -> str:
    """``DeadlineBreached`` → ``deadline_breached``, as its CloudEvents type says."""
    return event_type(event_class).split(".")[2]


WARNING, BREACH, STATUTORY, PROCEDURE, STEP, RECTIFICATION = map(alert_kind, ALERT_EVENTS)
CLEARED = alert_kind(DeadlineAlertCleared)
DEEMED_SATISFIED = alert_kind(DeemedSatisfied)


class Supervision(Handling):
    """The sweeper's commands: raise an alert that is due, clear one that no longer
    stands, deem an unrated stage satisfied; and what they read of the case."""

    # --- what the case shows ----------------------------------------------------------

    def promised_running(self) -> bool:
        """Whether the promised clock runs: accepted, open, not paused."""
        return self.is_open and self.accepted_on is not None and not self.paused

    def statutory_running(self) -> bool:
        """Whether the statutory clock runs: accepted, open, undecided, not stopped by an
        Art. 45 procedure."""
        return (
            self.is_open
            and self.accepted_on is not None
            and self.decided_at is None
            and not self.statutory_paused
        )

    def current_step(self) -> str | None:
        """The handling step under way (in review), if the item lists one."""
        if self.status != "in_review" or self.terms is None:
            return None
        steps = handling_steps(self)
        done = len(self.completed_steps)
        return steps[done] if done < len(steps) else None

    def step_alert_clock(
        self, calendar: WorkingCalendar, today: date
    ) -> tuple[str, date, ClockReading] | None:
        """The current step, its due date and clock as of ``today``; None without one."""
        step = None if self.paused else self.current_step()
        timed = self.step_clock(calendar, step, today) if step else None
        if step is None or timed is None or timed[0] is None:
            return None
        return step, timed[0], timed[1]

    def procedure_limit(self) -> TimeLimit | None:
        """The open special procedure's expected days, in the unit of the item's statutory
        limit (as a step's limit is, ``domain.deadlines.step_limit``)."""
        if self.procedure is None:
            return None
        return TimeLimit(self.procedure.expected_days, self.require_terms().statutory_limit.unit)

    def rectification_limit(self) -> TimeLimit:
        """Working days to rectify a poor rating (the item's, or the default)."""
        days = self.terms.rectification_limit_days if self.terms else DEFAULT_RECTIFICATION_DAYS
        return TimeLimit(days, "G")

    def deemed_satisfied_days(self) -> int:
        """Natural days after closure after which an unrated stage is deemed satisfied."""
        return self.terms.deemed_satisfied_days if self.terms else DEFAULT_DEEMED_SATISFIED_DAYS

    def unrated_stages(self) -> list[str]:
        """The stages of a closed case that could be rated and were neither rated nor
        deemed satisfied: closure, and acceptance once the case was accepted."""
        if self.is_open:
            return []
        stages = ["acceptance", "closure"] if self.accepted_at is not None else ["closure"]
        return [s for s in stages if s not in self.ratings and s not in self.deemed_satisfied]

    def notify(self, roles: list[str]) -> dict[str, Any]:
        """Who is warned: the case's department, its officer in charge, ``roles``."""
        return {"department": self.department, "officer": self.assignee, "roles": list(roles)}

    def stale(self, alert: Alert) -> str | None:
        """Why an active alert no longer stands (``closed``, ``deadline_moved``,
        ``resolved``), or None while it does."""
        if alert.kind == RECTIFICATION:
            rating = self.ratings.get(alert.subject or "")
            return None if rating and rating.rectification == "ordered" else "resolved"
        if not self.is_open:
            return "closed"
        if alert.kind in (WARNING, BREACH):
            return None if alert.deadline == self.promised_deadline else "deadline_moved"
        if alert.kind == STATUTORY:
            return None if alert.deadline == self.statutory_deadline else "deadline_moved"
        if alert.kind == PROCEDURE:
            now = self.procedure
            same = now is not None and (now.kind, now.started_on) == (
                alert.subject,
                alert.started_on,
            )
            return None if same else "resolved"
        if alert.kind == STEP:
            same = (self.current_step(), self.step_started_on) == (alert.subject, alert.started_on)
            return None if same else "resolved"
        return None

    def active_alerts(self) -> list[Alert]:
        """The alerts raised and not cleared."""
        return [a for a in self.alerts.values() if a.active]

    # --- the commands ---------------------------------------------------------------------

    def raise_deadline_warning(
        self, *, at: datetime, actor: Actor, calendar: WorkingCalendar
    ) -> None:
        """黄牌: the running promised clock used the item's threshold, and is within its
        limit (past it, the breach is recorded instead)."""
        promised = self._promised(calendar, at, "raise-deadline-warning")
        threshold = self.require_terms().warning_threshold_percent
        if not promised.warning(threshold) or not promised.on_time:
            raise InvalidCommand(
                f"no warning is due: {promised.days_used} of {_allowed(promised)} days used, "
                f"the threshold is {threshold} %"
            )
        self._raise(
            DeadlineWarningRaised,
            at,
            actor,
            self.promised_deadline,
            WARNED_ROLES,
            threshold_percent=threshold,
            **_reading(promised),
        )

    def record_deadline_breach(
        self, *, at: datetime, actor: Actor, calendar: WorkingCalendar
    ) -> None:
        """红牌: the running promised clock is past its limit."""
        promised = self._promised(calendar, at, "record-deadline-breach")
        if promised.on_time:
            raise InvalidCommand(f"the promised deadline {self.promised_deadline} has not passed")
        self._raise(
            DeadlineBreached, at, actor, self.promised_deadline, BREACH_ROLES, **_reading(promised)
        )

    def record_statutory_breach(
        self, *, at: datetime, actor: Actor, calendar: WorkingCalendar
    ) -> None:
        """The running statutory clock is past its limit."""
        if not self.statutory_running() or self.statutory_deadline is None:
            raise InvalidTransition(self.state(), "record-statutory-breach")
        _, statutory = self.clocks(calendar, local_date(at))
        if statutory.on_time:
            raise InvalidCommand(f"the statutory deadline {self.statutory_deadline} has not passed")
        self._raise(
            StatutoryLimitBreached,
            at,
            actor,
            self.statutory_deadline,
            STATUTORY_ROLES,
            **_reading(statutory),
        )

    def record_procedure_overdue(
        self, *, at: datetime, actor: Actor, calendar: WorkingCalendar
    ) -> None:
        """The special procedure under way is past its expected days."""
        limit = self.procedure_limit()
        if self.procedure is None or limit is None or not self.is_open:
            raise InvalidTransition(self.state(), "record-procedure-overdue")
        started = self.procedure.started_on
        if read_clock(calendar, limit, started, local_date(at), ()).on_time:
            raise InvalidCommand("the special procedure is within its expected days")
        self._raise(
            SpecialProcedureOverdue,
            at,
            actor,
            self.procedure_due(calendar),
            BREACH_ROLES,
            procedure=self.procedure.kind,
            started_on=started.isoformat(),
        )

    def procedure_due(self, calendar: WorkingCalendar) -> date | None:
        """The last expected day of the special procedure under way."""
        limit = self.procedure_limit()
        if self.procedure is None or limit is None:
            return None
        return due_date(calendar, limit, self.procedure.started_on)

    def record_step_overrun(self, *, at: datetime, actor: Actor, calendar: WorkingCalendar) -> None:
        """The current handling step is past its limit."""
        timed = self.step_alert_clock(calendar, local_date(at))
        if timed is None:
            raise InvalidTransition(self.state(), "record-step-overrun")
        step, due, clock = timed
        if clock.on_time:
            raise InvalidCommand(f"step '{step}' is within its limit (due {due.isoformat()})")
        assert self.step_started_on is not None
        self._raise(
            StepLimitOverrun,
            at,
            actor,
            due,
            BREACH_ROLES,
            step=step,
            started_on=self.step_started_on.isoformat(),
        )

    def record_rectification_overdue(
        self, *, at: datetime, actor: Actor, calendar: WorkingCalendar, stage: str
    ) -> None:
        """The rectification ordered for ``stage`` was not reported within its limit."""
        require_choice("stage", stage, RATING_STAGES)
        ordered = self.rectifications.get(stage)
        rating = self.ratings.get(stage)
        if ordered is None or rating is None or rating.rectification != "ordered":
            raise InvalidTransition(f"{stage} rectification not pending", "record-overdue")
        ordered_on, due = ordered
        if read_clock(calendar, self.rectification_limit(), ordered_on, local_date(at), ()).on_time:
            raise InvalidCommand(f"the rectification is due by {due.isoformat()}")
        self._raise(
            RectificationOverdue,
            at,
            actor,
            due,
            BREACH_ROLES,
            stage=stage,
            ordered_on=ordered_on.isoformat(),
        )

    def clear_alert(self, *, at: datetime, actor: Actor, alert: str, deadline: date) -> None:
        """Clear an active alert that no longer stands, saying why."""
        raised = self.alerts.get((alert, deadline))
        if raised is None or not raised.active:
            raise InvalidCommand(f"no active {alert} alert for {deadline.isoformat()}")
        reason = self.stale(raised)
        if reason is None:
            raise InvalidCommand(f"the {alert} alert for {deadline.isoformat()} still stands")
        self._record(
            DeadlineAlertCleared,
            at,
            actor,
            alert=alert,
            deadline=deadline.isoformat(),
            reason=reason,
        )

    def deem_satisfied(self, *, at: datetime, actor: Actor, stage: str) -> None:
        """视为满意: ``stage`` of the closed case is unrated ``deemed_satisfied_days``
        natural days after closure."""
        require_choice("stage", stage, RATING_STAGES)
        if stage not in self.unrated_stages() or self.closed_at is None:
            raise InvalidTransition(self.state(), f"deem satisfied the {stage} of")
        closed_on, days = local_date(self.closed_at), self.deemed_satisfied_days()
        if local_date(at) < closed_on + timedelta(days=days):
            raise InvalidCommand(
                f"the {stage} may be rated until {days} days after closure ({closed_on})"
            )
        self._record(
            DeemedSatisfied, at, actor, stage=stage, closed_on=closed_on.isoformat(), days=days
        )

    # --- shared ---------------------------------------------------------------------------

    def _promised(self, calendar: WorkingCalendar, at: datetime, action: str) -> ClockReading:
        if not self.promised_running() or self.promised_deadline is None:
            raise InvalidTransition(self.state(), action)
        return self.clocks(calendar, local_date(at))[0]

    def _raise(
        self,
        event_class: type[AlertRaised],
        at: datetime,
        actor: Actor,
        deadline: date | None,
        roles: list[str],
        **fields: Any,
    ) -> None:
        assert deadline is not None
        kind = alert_kind(event_class)
        if (kind, deadline) in self.alerts:
            raise InvalidCommand(f"the {kind} for {deadline.isoformat()} is already recorded")
        self._record(
            event_class,
            at,
            actor,
            deadline=deadline.isoformat(),
            notify=self.notify(roles),
            **fields,
        )


def _allowed(reading: ClockReading) -> int:
    return reading.limit.days + reading.extension_days


def _reading(reading: ClockReading) -> dict[str, Any]:
    """A clock's unit, days used and days allowed, as an alert records them."""
    return {
        "unit": reading.limit.unit,
        "days_used": reading.days_used,
        "allowed_days": _allowed(reading),
    }
