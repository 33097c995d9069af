"""The timed rules of a case: when each fires, what is due on a day, and recording it.

A clock's rule fires on the first day its reading crosses the line of
``domain.deadlines.ClockReading``: the warning on the first counted day on which the days
used reach ``warning_threshold_percent`` of the limit (with its extension), a breach on
the first counted day past the limit, so on the ``allowed + 1``-th day counted from the
clock's start, pauses excluded (a clock stopped fires nothing). Working days (``G``)
follow the hall's calendar, holidays and make-up days included; natural days (``Z``)
count every day. Deadlines of the law that a command checks by date (Art. 32's notice,
a parallel review's due date) fire the day after that date; an unrated stage is deemed
satisfied ``deemed_satisfied_days`` natural days after closure; an alert that no longer
stands is cleared as of the case's latest event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.actor import Actor
from domain.calendar import Pause, WorkingCalendar
from domain.case import Case, local_date
from domain.case.supervision import (
    BREACH,
    CLEARED,
    DEEMED_SATISFIED,
    PROCEDURE,
    RECTIFICATION,
    STATUTORY,
    STEP,
    WARNING,
)
from domain.deadlines import due_date, step_limit, supplement_notice_due
from domain.errors import InvalidCommand, InvalidTransition
from domain.item_terms import ItemContent, TimeLimit

SWEEPER = Actor(id="deadline-sweeper", role="system", department="HALL")
"""Who records the timed events (marked simulated under a simulated clock)."""
DEEMED_ACCEPTED = "deemed_accepted"  # Art. 32, recorded by ``Case.deem_accepted``
PARALLEL_CLOSED = "parallel_review_closed"  # recorded by ``Case.close_parallel_review``
RULES = (  # in the order the sweeper records what is due on one day
    CLEARED,
    DEEMED_ACCEPTED,
    PARALLEL_CLOSED,
    WARNING,
    BREACH,
    STATUTORY,
    PROCEDURE,
    STEP,
    RECTIFICATION,
    DEEMED_SATISFIED,
)
LIGHTS = {BREACH: "red", STATUTORY: "red", WARNING: "yellow"}

ItemTerms = Callable[[str], tuple[int, ItemContent]]
"""An item's current revision and terms by its code (what a deemed acceptance records)."""


@dataclass(frozen=True)
class Due:
    """A timed rule of a case and the day it fires: ``rule`` is the kind of the event it
    records; ``deadline`` the date it is about (for a clearing, the alert's);
    ``subject`` the step, procedure or rating stage (for a clearing, the alert's kind)."""

    rule: str
    fires_on: date
    deadline: date | None = None
    subject: str | None = None

    @property
    def key(self) -> str:
        """What tells two rules of the same kind of one case apart."""
        return f"{self.deadline.isoformat() if self.deadline else ''}/{self.subject or ''}"


@dataclass(frozen=True)
class Swept:
    """A case as it stands after a sweep, and what the sweep recorded on it."""

    case: Case
    recorded: tuple[Due, ...]


def schedule(case: Case, calendar: WorkingCalendar) -> list[Due]:
    """Every timed rule of ``case`` still to be recorded, with the day it fires, in the
    order of ``RULES``."""
    found = [
        *_clearings(case),
        *_intake(case, calendar),
        *_promised(case, calendar),
        *_statutory(case, calendar),
        *_procedure(case, calendar),
        *_step(case, calendar),
        *_rectifications(case, calendar),
        *_deemed_satisfied(case),
    ]
    return sorted(found, key=lambda d: RULES.index(d.rule))


def due(case: Case, calendar: WorkingCalendar, today: date) -> list[Due]:
    """What the sweeper records for ``case`` on ``today``: each rule fired by then (a
    warning not when the breach of the same deadline is due too: red, not yellow)."""
    fired = [d for d in schedule(case, calendar) if d.fires_on <= today]
    breached = {d.deadline for d in fired if d.rule == BREACH}
    return [d for d in fired if not (d.rule == WARNING and d.deadline in breached)]


def record(
    case: Case, due: Due, *, at: datetime, actor: Actor, calendar: WorkingCalendar, item: ItemTerms
) -> None:
    """Record ``due`` on ``case`` through its command (which refuses what is not due)."""
    if due.rule == CLEARED:
        assert due.subject is not None and due.deadline is not None
        case.clear_alert(at=at, actor=actor, alert=due.subject, deadline=due.deadline)
    elif due.rule == DEEMED_ACCEPTED:
        revision, terms = item(case.item_code)
        case.deem_accepted(at=at, actor=actor, revision=revision, terms=terms, calendar=calendar)
    elif due.rule == PARALLEL_CLOSED:
        case.close_parallel_review(at=at, actor=actor)
    elif due.rule in (RECTIFICATION, DEEMED_SATISFIED):
        assert due.subject is not None
        if due.rule == RECTIFICATION:
            case.record_rectification_overdue(
                at=at, actor=actor, calendar=calendar, stage=due.subject
            )
        else:
            case.deem_satisfied(at=at, actor=actor, stage=due.subject)
    else:
        command = {
            WARNING: case.raise_deadline_warning,
            BREACH: case.record_deadline_breach,
            STATUTORY: case.record_statutory_breach,
            PROCEDURE: case.record_procedure_overdue,
            STEP: case.record_step_overrun,
        }[due.rule]
        command(at=at, actor=actor, calendar=calendar)


def sweep(
    case: Case, *, at: datetime, actor: Actor, calendar: WorkingCalendar, item: ItemTerms
) -> list[Due]:
    """Record on ``case`` all that is due on ``at``'s day; what was recorded. A rule the
    case's command refuses (its state moved under a stale schedule) is left out."""
    recorded = []
    for found in due(case, calendar, local_date(at)):
        try:
            record(case, found, at=at, actor=actor, calendar=calendar, item=item)
        except (InvalidCommand, InvalidTransition):
            continue
        recorded.append(found)
    return recorded


def light(case: Case) -> str:
    """``red`` while a breach is active, ``yellow`` while a warning is, else ``green``."""
    lights = {LIGHTS.get(a.kind) for a in case.active_alerts()}
    return "red" if "red" in lights else "yellow" if "yellow" in lights else "green"


# --- each rule ------------------------------------------------------------------------


def _nth_day(
    calendar: WorkingCalendar, unit: str, start: date, days: int, pauses: list[Pause]
) -> date | None:
    """The ``days``-th day counted after ``start`` (None if an open pause stops it)."""
    return due_date(calendar, TimeLimit(days, unit), start, pauses)


def _clearings(case: Case) -> list[Due]:
    on = local_date(case.modified_on)
    return [
        Due(CLEARED, on, alert.deadline, alert.kind)
        for alert in case.active_alerts()
        if case.stale(alert) is not None
    ]


def _intake(case: Case, calendar: WorkingCalendar) -> list[Due]:
    """Art. 32's deemed acceptance; a parallel review past its due date."""
    found = []
    if case.status == "submitted" and not case.supplement_notices:
        notice_due = supplement_notice_due(calendar, case.received_on)
        found.append(Due(DEEMED_ACCEPTED, notice_due + timedelta(days=1), notice_due))
    if case.is_open and case.parallel is not None:
        found.append(
            Due(PARALLEL_CLOSED, case.parallel.due_on + timedelta(days=1), case.parallel.due_on)
        )
    return found


def _promised(case: Case, calendar: WorkingCalendar) -> list[Due]:
    """Yellow at the item's threshold, red past the limit (with the extension)."""
    deadline = case.promised_deadline
    if not case.promised_running() or deadline is None or (BREACH, deadline) in case.alerts:
        return []
    assert case.accepted_on is not None
    terms = case.require_terms()
    limit = terms.promised_limit
    allowed = limit.days + case.extension_days
    warn_at = -(-terms.warning_threshold_percent * allowed // 100)  # the ceiling
    found = []
    if (WARNING, deadline) not in case.alerts:
        on = _nth_day(calendar, limit.unit, case.accepted_on, warn_at, case.pauses)
        found += [Due(WARNING, on, deadline)] if on else []
    on = _nth_day(calendar, limit.unit, case.accepted_on, allowed + 1, case.pauses)
    return found + ([Due(BREACH, on, deadline)] if on else [])


def _statutory(case: Case, calendar: WorkingCalendar) -> list[Due]:
    deadline = case.statutory_deadline
    limit = case.statutory_limit
    if not case.statutory_running() or deadline is None or (STATUTORY, deadline) in case.alerts:
        return []
    assert case.accepted_on is not None and limit is not None
    allowed = limit.days + case.extension_days
    on = _nth_day(calendar, limit.unit, case.accepted_on, allowed + 1, case.statutory_pauses)
    return [Due(STATUTORY, on, deadline)] if on else []


def _procedure(case: Case, calendar: WorkingCalendar) -> list[Due]:
    limit, procedure = case.procedure_limit(), case.procedure
    deadline = case.procedure_due(calendar)
    if procedure is None or limit is None or deadline is None or not case.is_open:
        return []
    if (PROCEDURE, deadline) in case.alerts:
        return []
    on = _nth_day(calendar, limit.unit, procedure.started_on, limit.days + 1, [])
    return [Due(PROCEDURE, on, deadline, procedure.kind)] if on else []


def _step(case: Case, calendar: WorkingCalendar) -> list[Due]:
    name = None if case.paused else case.current_step()
    started = case.step_started_on
    if name is None or started is None:
        return []
    terms = case.require_terms()
    limit = step_limit(terms, next(s for s in terms.steps if s.name == name))
    deadline = due_date(calendar, limit, started, case.pauses)
    if deadline is None or (STEP, deadline) in case.alerts:
        return []
    on = _nth_day(calendar, limit.unit, started, limit.days + 1, case.pauses)
    return [Due(STEP, on, deadline, name)] if on else []


def _rectifications(case: Case, calendar: WorkingCalendar) -> list[Due]:
    limit = case.rectification_limit()
    found = []
    for stage, (ordered_on, deadline) in case.rectifications.items():
        rating = case.ratings[stage]
        if rating.rectification != "ordered" or (RECTIFICATION, deadline) in case.alerts:
            continue
        on = _nth_day(calendar, limit.unit, ordered_on, limit.days + 1, [])
        found += [Due(RECTIFICATION, on, deadline, stage)] if on else []
    return found


def _deemed_satisfied(case: Case) -> list[Due]:
    if case.closed_at is None:
        return []
    on = local_date(case.closed_at) + timedelta(days=case.deemed_satisfied_days())
    return [Due(DEEMED_SATISFIED, on, None, stage) for stage in case.unrated_stages()]
