"""What every stage of a case builds on: the case's state, its event base, and the checks
the commands share.

``CaseState`` is the aggregate's state and its bookkeeping; each stage module
(``intake``, ``handling``, ``clock``, ``decision``, ``evaluation``) adds its events and
the commands that record them as a mixin, and ``domain.case.Case`` puts them together.
The mixins are plain classes at run time (only ``Case`` is an aggregate for the
``eventsourcing`` library); to the type checker each of them is a ``CaseState``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from domain.calendar import Pause, WorkingCalendar
from domain.case.vocabulary import POOR_RATING, Rectification
from domain.clock import HALL_TZ
from domain.deadlines import ClockReading, Deadlines, compute, read_clock
from domain.errors import InvalidCommand, InvalidTransition
from domain.events import ChainedAggregate, ChainedEvent
from domain.item_terms import ItemContent, TimeLimit

CASE_TOPIC = "domain.case:Case"  # how the event store names the aggregate, for good
TERMINAL_STATES = frozenset({"not_accepted", "completed", "withdrawn", "terminated", "forwarded"})


def local_date(at: datetime) -> date:
    """The hall's calendar date (Asia/Shanghai) of a moment."""
    return at.astimezone(HALL_TZ).date()


def require_text(**values: str) -> None:
    """Refuse blank values, naming them."""
    missing = [name for name, value in values.items() if not value or not value.strip()]
    if missing:
        raise InvalidCommand(f"required: {', '.join(missing)}")


def require_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    """Refuse a value outside ``allowed``."""
    if value not in allowed:
        raise InvalidCommand(f"{name} must be one of {', '.join(allowed)}, not '{value}'")


@dataclass(frozen=True)
class ParallelReview:
    """并联审批 under way: the co-departments asked, their due date, the opinions given."""

    departments: tuple[str, ...]
    due_on: date
    opinions: Mapping[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return sorted(set(self.departments) - set(self.opinions))

    def as_data(self) -> dict[str, Any]:
        return {
            "departments": list(self.departments),
            "due_on": self.due_on.isoformat(),
            "opinions": dict(self.opinions),
        }


@dataclass(frozen=True)
class StepResult:
    """A handling step's latest completion: when it became current, its due date then,
    and whether it kept its limit."""

    started_on: date | None
    due_on: date | None
    completed_on: date
    on_time: bool | None


@dataclass(frozen=True)
class Rating:
    """A stage's rating, who gave it (the applicant, or a window evaluation device and
    which one), and how far its rectification got (None, ordered, reported, called_back)."""

    level: int
    rated_by: str
    device: str | None = None
    rectification: Rectification | None = None

    @property
    def poor(self) -> bool:
        return self.level <= POOR_RATING

    def as_data(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "rated_by": self.rated_by,
            "device": self.device,
            "rectification": self.rectification,
        }


@dataclass(frozen=True)
class Alert:
    """An alert raised on the case: its kind (``deadline_warning_raised`` …), deadline,
    what it is about (the step, procedure or rating stage, with when that started) and
    whether it is still active."""

    kind: str
    deadline: date
    subject: str | None = None
    started_on: date | None = None
    active: bool = True


@dataclass(frozen=True)
class Procedure:
    """The special procedure under way: its kind, the day it started, its expected days."""

    kind: str
    started_on: date
    expected_days: int


class CaseEvent(ChainedEvent):
    """An event of a case. Its stored name is ``domain.case:Case.<ClassName>`` wherever
    the class is written, so moving code never renames recorded history."""

    TOPIC: ClassVar[str]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls.TOPIC = f"{CASE_TOPIC}.{cls.__name__}"
        register_topic(cls.TOPIC, cls)

    def apply(self, aggregate: Aggregate) -> None:
        assert isinstance(aggregate, CaseState)
        self.apply_to(aggregate)

    def apply_to(self, case: CaseState) -> None:
        """Change the case's state; most events only add to its record."""


class Resumes(CaseEvent):
    """An event that ends the open pause and records the recomputed deadlines."""

    resumed_on: str
    statutory_deadline: str | None
    promised_deadline: str | None
    deadline_provisional: bool

    def apply_to(self, case: CaseState) -> None:
        case.close_pause(date.fromisoformat(self.resumed_on))
        case.set_deadlines(
            self.statutory_deadline, self.promised_deadline, self.deadline_provisional
        )


class CaseState(ChainedAggregate):
    """A case's state as its events make it, and the checks its commands share."""

    def __init__(self) -> None:
        self.outcome: str | None = None
        self.result: str | None = None
        self.accepted_at: datetime | None = None
        self.accepted_on: date | None = None
        self.decided_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.terms: ItemContent | None = None
        self.missing: list[dict[str, Any]] = []
        self.supplement_notices = 0
        self.assignee: str | None = None
        self.completed_steps: list[str] = []
        self.step_started_on: date | None = None  # when the current step became current
        self.step_results: dict[str, StepResult] = {}
        self.skipped_steps: list[str] = []
        self.returns = 0
        self.parallel: ParallelReview | None = None
        # "disagree" opinions still waiting for the case department's answer on record
        self.unanswered_departments: list[str] = []
        self.unanswered_steps: list[str] = []
        self.pauses: list[Pause] = []  # every stop of the clock: the promised clock's
        self.statutory_pauses: list[Pause] = []  # those that also stop the statutory clock
        self.pause_kind: str | None = None
        self.statutory_limit: TimeLimit | None = None
        self.extension_days = 0
        self.statutory_deadline: date | None = None
        self.promised_deadline: date | None = None
        self.deadline_provisional = False
        self.fees_charged: list[dict[str, Any]] = []
        self.certificate_no: str | None = None
        self.delivered = False
        self.ratings: dict[str, Rating] = {}
        self.rectifications: dict[str, tuple[date, date]] = {}  # stage → ordered on, due on
        self.deemed_satisfied: list[str] = []  # stages deemed satisfied (视为满意)
        self.procedure: Procedure | None = None  # the special procedure under way
        self.alerts: dict[tuple[str, date], Alert] = {}  # by (kind, deadline)
        self.applicant_erased = False

    # Set by Submitted.
    case_no: str
    item_code: str
    item_name: str
    item_revision: int
    department: str
    channel: str
    applicant: dict[str, Any]  # as recorded: a SealedApplicant (or a v2 one, upcast)
    materials: list[dict[str, Any]]
    submitted_at: datetime
    status: str

    # --- queries ----------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """Whether the case is still being handled (not closed)."""
        return self.status not in TERMINAL_STATES

    @property
    def paused(self) -> bool:
        """Whether the clock is stopped (the promised clock, which every pause stops)."""
        return self.pause_kind is not None

    @property
    def statutory_paused(self) -> bool:
        """Whether the statutory clock is stopped too (an Art. 45 procedure, or a pause
        recorded before only those stopped it)."""
        return self.paused and bool(self.statutory_pauses) and self.statutory_pauses[-1].end is None

    @property
    def received_on(self) -> date:
        """The day the application's materials arrived (收件)."""
        return local_date(self.submitted_at)

    # --- state changes, made by events ---------------------------------------------

    def close(self, status: str, at: datetime) -> None:
        self.status = status
        self.closed_at = at
        self.pause_kind = None
        self.procedure = None

    def open_pause(self, kind: str, on: date, *, statutory: bool) -> None:
        """Stop the promised clock, and with ``statutory`` the statutory one too."""
        self.pause_kind = kind
        self.pauses.append(Pause(on))
        if statutory:
            self.statutory_pauses.append(Pause(on))

    def close_pause(self, on: date) -> None:
        self.pauses, self.statutory_pauses = self.closed_pauses(on)
        self.pause_kind = None
        self.procedure = None

    def closed_pauses(self, on: date) -> tuple[list[Pause], list[Pause]]:
        """Both clocks' pauses with the open one closed on ``on``."""
        return _closed(self.pauses, on), _closed(self.statutory_pauses, on)

    def set_deadlines(self, statutory: str | None, promised: str | None, provisional: bool) -> None:
        self.statutory_deadline = date.fromisoformat(statutory) if statutory else None
        self.promised_deadline = date.fromisoformat(promised) if promised else None
        self.deadline_provisional = provisional

    def set_rectification(self, stage: str, progress: Rectification) -> None:
        self.ratings[stage] = replace(self.ratings[stage], rectification=progress)

    # --- checks and derived values for commands -----------------------------------------

    def state(self) -> str:
        """The status, with the kind of pause when the clock is stopped."""
        return f"{self.status} ({self.pause_kind})" if self.paused else self.status

    def require(self, *states: str, action: str) -> None:
        if self.status not in states:
            raise InvalidTransition(self.state(), action)

    def require_handling(self, action: str, running: bool = False) -> None:
        """In review; with ``running``, also not paused."""
        if self.status != "in_review" or (running and self.paused):
            raise InvalidTransition(self.state(), action)

    def require_terms(self) -> ItemContent:
        assert self.terms is not None, "an accepted case has terms"
        return self.terms

    def deadlines(
        self,
        calendar: WorkingCalendar,
        extension_days: int,
        pauses: tuple[list[Pause], list[Pause]] | None = None,
    ) -> Deadlines:
        """Both deadlines with ``extension_days``, under the case's pauses or ``pauses``
        (the promised clock's and the statutory clock's)."""
        assert self.accepted_on is not None and self.statutory_limit is not None
        promised, statutory = pauses or (self.pauses, self.statutory_pauses)
        return compute(
            calendar,
            self.require_terms(),
            self.accepted_on,
            statutory=self.statutory_limit,
            pauses=promised,
            statutory_pauses=statutory,
            extension_days=extension_days,
        )

    def clocks(self, calendar: WorkingCalendar, today: date) -> tuple[ClockReading, ClockReading]:
        """The promised and the statutory clock of an accepted case as of ``today``: the
        promised one ends at completion (or any closure), the statutory one at the decision
        (or a closure without one), as ``domain.deadlines`` says."""
        assert self.accepted_on is not None and self.statutory_limit is not None
        closed = local_date(self.closed_at) if self.closed_at else None
        decided = local_date(self.decided_at) if self.decided_at else closed
        promised = read_clock(
            calendar,
            self.require_terms().promised_limit,
            self.accepted_on,
            closed or today,
            self.pauses,
            extension_days=self.extension_days,
            ended=closed is not None,
        )
        statutory = read_clock(
            calendar,
            self.statutory_limit,
            self.accepted_on,
            decided or today,
            self.statutory_pauses,
            extension_days=self.extension_days,
            ended=decided is not None,
        )
        return promised, statutory

    def resumption(self, at: datetime, calendar: WorkingCalendar) -> dict[str, Any]:
        """Fields of an event that closes the open pause today, with the new deadlines."""
        today = local_date(at)
        deadlines = self.deadlines(calendar, self.extension_days, self.closed_pauses(today))
        return {"resumed_on": today.isoformat(), **deadlines.to_data()}

    def require_running_until(self, deadline: date | None, at: datetime, what: str) -> None:
        """Refuse to stop a clock whose ``deadline`` has passed: a pause started after it
        would only hide an overdue case."""
        if deadline is not None and local_date(at) > deadline:
            raise InvalidCommand(
                f"{what} cannot start after the deadline it would stop has passed "
                f"({deadline.isoformat()})"
            )


def _closed(pauses: list[Pause], on: date) -> list[Pause]:
    """``pauses`` with an open last one closed on ``on`` (never before it started)."""
    if not pauses or pauses[-1].end is not None:
        return list(pauses)
    return [*pauses[:-1], Pause(pauses[-1].start, max(on, pauses[-1].start))]


if TYPE_CHECKING:
    Stage = CaseState
else:
    Stage = object  # a stage mixin; ``Case`` alone is the aggregate
