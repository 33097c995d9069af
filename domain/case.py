"""The Case aggregate (办件): its whole lifecycle, under statutory time limits.

Intake (Submitted, SupplementRequested/Provided) → acceptance (Accepted starts
the clock, or NotAccepted) → handling (Assigned, StepCompleted, Returned,
parallel review, pauses for special procedures, suspension and in-review
supplements, DeadlineExtended) → Decided → fees, certificate, delivery →
Completed; Withdrawn, Terminated and Forwarded close it early. Ratings and
their rectification follow closure. Every change of deadline is an event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.calendar import Pause, WorkingCalendar
from domain.clock import HALL_TZ
from domain.deadlines import Deadlines, compute, days_used
from domain.errors import InvalidCommand, InvalidTransition, UnsupportedHistory
from domain.events import ChainedAggregate, ChainedEvent
from domain.personal_data import SealedApplicant, mask_name
from domain.service_item import SPECIAL_PROCEDURES, ItemContent

CHANNELS = ("window", "online", "mobile", "kiosk")
OUTCOMES = ("approved", "denied")
OPINIONS = ("agree", "disagree")
DELIVERY_METHODS = ("window", "post", "electronic")
CLOSURE_RESULTS = (
    "certificate_issued",  # 0 出证办结
    "returned",  # 1 退回
    "voided",  # 2 作废
    "forwarded",  # 4 转报
    "never_completed",  # 5 补正不来
    "other",  # 6 办结
)
RATING_STAGES = ("acceptance", "closure")
TERMINAL_STATES = frozenset({"not_accepted", "completed", "withdrawn", "terminated", "forwarded"})
INTAKE_STATES = ("submitted", "awaiting_supplement")


def local_date(at: datetime) -> date:
    """The hall's calendar date (Asia/Shanghai) of a moment."""
    return at.astimezone(HALL_TZ).date()


def _require_text(**values: str) -> None:
    missing = [name for name, value in values.items() if not value or not value.strip()]
    if missing:
        raise InvalidCommand(f"required: {', '.join(missing)}")


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidCommand(f"{name} must be one of {', '.join(allowed)}, not '{value}'")


class _Resumes(ChainedEvent):
    """An event that ends the open pause and records the recomputed deadlines."""

    resumed_on: str
    statutory_deadline: str | None
    promised_deadline: str | None
    deadline_provisional: bool

    def apply(self, case: Aggregate) -> None:
        assert isinstance(case, Case)
        case._close_pause(date.fromisoformat(self.resumed_on))
        case._set_deadlines(
            self.statutory_deadline, self.promised_deadline, self.deadline_provisional
        )


class Case(ChainedAggregate):
    """An application case, from intake to closure and evaluation."""

    # --- intake -------------------------------------------------------------

    class Submitted(ChainedEvent, Aggregate.Created):
        """申请/收件: the case is received.

        Version 3 records the applicant sealed (``domain.personal_data``) and no query
        code verifier. Version 2 recorded both in clear (upcast: the applicant is kept
        as it was, unsealed, and cannot be erased); version 1 (before the power list
        had revisions) was always revision 1.
        """

        class_version: ClassVar[int] = 3

        case_no: str
        item_code: str
        item_name: str
        item_revision: int
        department: str
        channel: str
        applicant: SealedApplicant
        materials: list[dict[str, Any]]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 had no item revision: the catalogue had only revision 1."""
            state["item_revision"] = 1

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """v2 held the applicant in clear and the query code's hash: keep the former
            as recorded (it was never sealed), drop the latter (codes are checked
            against their own table now)."""
            clear = state["applicant"]
            organisation = clear["kind"] == "organisation"
            state["applicant"] = {
                "kind": clear["kind"],
                "display_name": mask_name(clear["name"], clear["kind"]),
                "public_id": clear["id_number"] if organisation else None,
                "subject": None,
                "sealed": None,
                "clear": clear,
            }
            del state["query_code_hash"]

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.case_no = self.case_no
            case.item_code = self.item_code
            case.item_name = self.item_name
            case.item_revision = self.item_revision
            case.department = self.department
            case.channel = self.channel
            case.applicant = dict(self.applicant)
            case.materials = list(self.materials)
            case.submitted_at = self.timestamp
            case.status = "submitted"

    class SupplementRequested(ChainedEvent):
        """补正告知: one notice listing every missing material (一次性告知).

        At intake it holds acceptance; in review it stops the clock.
        """

        missing: list[dict[str, Any]]
        note: str
        stage: str  # "intake" or "review"

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.missing = list(self.missing)
            case.supplement_notices += 1
            if self.stage == "intake":
                case.status = "awaiting_supplement"
            else:
                case._open_pause("supplement", local_date(self.timestamp))

    class SupplementProvided(ChainedEvent):
        """补齐补正: the applicant hands in what was missing (intake stage)."""

        provided: list[dict[str, Any]]

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.materials.extend(self.provided)
            case.missing = []
            case.status = "submitted"

    class SupplementProvidedInReview(_Resumes):
        """补齐补正 in review: the clock runs again, deadlines move."""

        provided: list[dict[str, Any]]

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.materials.extend(self.provided)
            case.missing = []
            super().apply(case)

    # --- acceptance ---------------------------------------------------------

    class Accepted(ChainedEvent):
        """受理: the clock starts; the case keeps its item's terms of this revision.

        Version 2 records the terms and both deadlines. Version 1 (the walking
        skeleton) recorded neither, and they cannot be recovered: such a case
        cannot be loaded, and says so.
        """

        class_version: ClassVar[int] = 2

        accepted_on: str
        item_revision: int
        terms: dict[str, Any]
        statutory_deadline: str | None
        promised_deadline: str | None
        deadline_provisional: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Refused: a v1 acceptance recorded no terms to count deadlines from."""
            raise UnsupportedHistory("Accepted v1 recorded no terms or deadlines")

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.status = "in_review"
            case.accepted_at = self.timestamp
            case.accepted_on = date.fromisoformat(self.accepted_on)
            case.terms = ItemContent.from_data(self.terms)
            case.item_revision = self.item_revision
            case._set_deadlines(
                self.statutory_deadline, self.promised_deadline, self.deadline_provisional
            )

    class NotAccepted(ChainedEvent):
        """不予受理: refused at acceptance, with reason and legal basis."""

        reason: str
        legal_basis: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case._close("not_accepted", self.timestamp)

    # --- handling -----------------------------------------------------------

    class Assigned(ChainedEvent):
        """承办: an officer takes the case."""

        assignee: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.assignee = self.assignee

    class StepCompleted(ChainedEvent):
        """审查/审核/审批: a handling step with its opinion."""

        step: str
        opinion: str
        comment: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.completed_steps.append(self.step)

    class Returned(ChainedEvent):
        """退回: back to an earlier step."""

        to_step: str
        reason: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            index = case.completed_steps.index(self.to_step)
            case.completed_steps = case.completed_steps[:index]
            case.returns += 1

    class ParallelReviewRequested(ChainedEvent):
        """并联审批: co-departments are asked for their opinions by a due date."""

        departments: list[str]
        due_on: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.parallel = {
                "departments": list(self.departments),
                "due_on": self.due_on,
                "opinions": {},
            }

    class CoDepartmentOpinionGiven(ChainedEvent):
        """会签: one co-department's opinion."""

        department: str
        opinion: str
        comment: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case) and case.parallel is not None
            case.parallel["opinions"][self.department] = self.opinion

    class ParallelReviewClosed(ChainedEvent):
        """The parallel review ends: every opinion is in, or the due date passed."""

        reason: str  # "all_opinions" or "deadline_passed"
        missing: list[str]

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.parallel = None

    class SpecialProcedureStarted(ChainedEvent):
        """特别程序 (Art. 45): the clock stops; the applicant is told in writing."""

        kind: str
        expected_days: int
        notice: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case._open_pause(f"special_procedure:{self.kind}", local_date(self.timestamp))

    class SpecialProcedureEnded(_Resumes):
        """The special procedure's result; the clock runs again."""

        result: str

    class Suspended(ChainedEvent):
        """挂起: the clock stops."""

        reason: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case._open_pause("suspension", local_date(self.timestamp))

    class Resumed(_Resumes):
        """恢复: the clock runs again."""

        reason: str

    class DeadlineExtended(ChainedEvent):
        """延期: granted once by the department head, reason told to the applicant."""

        days: int
        reason: str
        statutory_deadline: str | None
        promised_deadline: str | None
        deadline_provisional: bool

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.extension_days = self.days
            case._set_deadlines(
                self.statutory_deadline, self.promised_deadline, self.deadline_provisional
            )

    class DeadlineRecomputed(ChainedEvent):
        """The calendar of a year the deadline falls in was published (or corrected)."""

        reason: str
        statutory_deadline: str | None
        promised_deadline: str | None
        deadline_provisional: bool

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case._set_deadlines(
                self.statutory_deadline, self.promised_deadline, self.deadline_provisional
            )

    # --- decision and result --------------------------------------------------

    class Decided(ChainedEvent):
        """决定: approved, or denied with reasons, legal basis and the appeal notice.

        Version 2: ``reasons`` became a list and the appeal notice (行政复议/行政诉讼
        rights) is recorded; version 1 events are upcast.
        """

        class_version: ClassVar[int] = 2

        outcome: str
        reasons: list[str]
        legal_basis: str
        appeal_notice: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 had ``reasons: str`` and no appeal notice."""
            reasons = state.pop("reasons")
            state["reasons"] = [reasons] if reasons else []
            state["appeal_notice"] = ""

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.status = "decided"
            case.outcome = self.outcome
            case.decided_at = self.timestamp

    class FeeCharged(ChainedEvent):
        """收费: checked against the item's fee list; an override carries its reason."""

        fee_code: str
        amount_fen: int
        listed_amount_fen: int | None
        override_reason: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.fees_charged.append({"fee_code": self.fee_code, "amount_fen": self.amount_fen})

    class CertificateIssued(ChainedEvent):
        """制证: the licence is issued."""

        certificate_no: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.certificate_no = self.certificate_no

    class ResultDelivered(ChainedEvent):
        """送达/领取: the result reaches the applicant."""

        method: str
        detail: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.delivered = True

    # --- closure ----------------------------------------------------------------

    class Completed(ChainedEvent):
        """办结: closed with a closure result, and whether it kept both deadlines.

        Version 2 added the days used and the on-time flags; a version 1 completion
        belongs to a v1 acceptance, which cannot be loaded either.
        """

        class_version: ClassVar[int] = 2

        result: str
        completed_on: str
        days_used: int
        on_time_promised: bool
        on_time_statutory: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Refused: a v1 completion has no deadline record to judge it by."""
            raise UnsupportedHistory("Completed v1 recorded no days used")

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.result = self.result
            case._close("completed", self.timestamp)

    class Withdrawn(ChainedEvent):
        """撤回: the applicant withdraws an open case."""

        reason: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case._close("withdrawn", self.timestamp)

    class Terminated(ChainedEvent):
        """终止: handling ends without a decision (e.g. the applicant ceased to exist)."""

        reason: str
        legal_basis: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case._close("terminated", self.timestamp)

    class Forwarded(ChainedEvent):
        """转报: passed to a higher authority that decides."""

        to_authority: str
        reason: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.result = "forwarded"
            case._close("forwarded", self.timestamp)

    # --- evaluation ---------------------------------------------------------------

    class Rated(ChainedEvent):
        """好差评: one rating per stage, 5 非常满意 … 1 非常不满意 (1–2 are poor).

        Version 2 records the applicant's comment sealed like its personal data (it may
        hold some), None when there is none; version 1 recorded it in clear (upcast:
        dropped, since the case never reads it; the v1 event keeps it as recorded).
        """

        class_version: ClassVar[int] = 2

        stage: str
        level: int
        sealed_comment: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 held the comment in clear."""
            del state["comment"]
            state["sealed_comment"] = None

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.ratings[self.stage] = {"level": self.level, "rectification": None}

    class RectificationOrdered(ChainedEvent):
        """整改: a poor rating must be rectified by the due date."""

        stage: str
        due_on: str
        instructions: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.ratings[self.stage]["rectification"] = "ordered"

    class RectificationReported(ChainedEvent):
        """整改 reported by the department."""

        stage: str
        measures: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.ratings[self.stage]["rectification"] = "reported"

    class CallbackCompleted(ChainedEvent):
        """回访: the applicant was called back about the rectification."""

        stage: str
        satisfied: bool
        note: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.ratings[self.stage]["rectification"] = "called_back"

    # --- personal data -----------------------------------------------------------

    class ApplicantDataErased(ChainedEvent):
        """个人信息删除: the applicant's data key is destroyed; the sealed fields are
        noise from now on, everywhere (PIPL Art. 47). Holds no personal data."""

        subject: str
        reason: str
        legal_basis: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.applicant_erased = True

    # --- state --------------------------------------------------------------------

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
        self.returns = 0
        self.parallel: dict[str, Any] | None = None
        self.pauses: list[Pause] = []
        self.pause_kind: str | None = None
        self.extension_days = 0
        self.statutory_deadline: date | None = None
        self.promised_deadline: date | None = None
        self.deadline_provisional = False
        self.fees_charged: list[dict[str, Any]] = []
        self.certificate_no: str | None = None
        self.delivered = False
        self.ratings: dict[str, dict[str, Any]] = {}
        self.applicant_erased = False

    # Set by Submitted.apply.
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

    def _close(self, status: str, at: datetime) -> None:
        self.status = status
        self.closed_at = at
        self.pause_kind = None

    def _open_pause(self, kind: str, on: date) -> None:
        self.pause_kind = kind
        self.pauses.append(Pause(on))

    def _close_pause(self, on: date) -> None:
        self.pauses[-1] = Pause(self.pauses[-1].start, max(on, self.pauses[-1].start))
        self.pause_kind = None

    def _set_deadlines(
        self, statutory: str | None, promised: str | None, provisional: bool
    ) -> None:
        self.statutory_deadline = date.fromisoformat(statutory) if statutory else None
        self.promised_deadline = date.fromisoformat(promised) if promised else None
        self.deadline_provisional = provisional

    # --- queries --------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """Whether the case is still being handled (not closed)."""
        return self.status not in TERMINAL_STATES

    @property
    def paused(self) -> bool:
        """Whether the clock is stopped."""
        return self.pause_kind is not None

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

    # --- commands: intake -------------------------------------------------------------

    @classmethod
    def submit(
        cls,
        *,
        case_id: UUID,
        at: datetime,
        actor: Actor,
        case_no: str,
        item_code: str,
        item_name: str,
        item_revision: int,
        department: str,
        channel: str,
        applicant: SealedApplicant,
        materials: list[dict[str, Any]],
    ) -> Case:
        """Record the intake of a new case."""
        _choice("channel", channel, CHANNELS)
        return cls._start(
            cls.Submitted,
            case_id,
            at,
            actor,
            case_no=case_no,
            item_code=item_code,
            item_name=item_name,
            item_revision=item_revision,
            department=department,
            channel=channel,
            applicant=applicant,
            materials=materials,
        )

    def request_supplement(
        self, *, at: datetime, actor: Actor, missing: list[dict[str, Any]], note: str = ""
    ) -> None:
        """补正告知: list every missing material at once; in review this stops the clock."""
        if not missing:
            raise InvalidCommand("a supplement notice must list the missing materials")
        if self.status == "submitted":
            stage = "intake"
        elif self.status == "in_review" and not self.paused:
            stage = "review"
        else:
            raise InvalidTransition(self._state(), "request-supplement")
        self._record(self.SupplementRequested, at, actor, missing=missing, note=note, stage=stage)

    def provide_supplement(
        self,
        *,
        at: datetime,
        actor: Actor,
        provided: list[dict[str, Any]],
        calendar: WorkingCalendar,
    ) -> None:
        """补齐补正: every missing material must be handed in."""
        if self.status == "awaiting_supplement":
            event_class: type[ChainedEvent] = self.SupplementProvided
        elif self.pause_kind == "supplement":
            event_class = self.SupplementProvidedInReview
        else:
            raise InvalidTransition(self._state(), "provide-supplement")
        still = {m["code"] for m in self.missing} - {m["code"] for m in provided}
        if still:
            raise InvalidCommand(f"still missing: {', '.join(sorted(still))}")
        if event_class is self.SupplementProvided:
            self._record(event_class, at, actor, provided=provided)
        else:
            self._record(
                event_class, at, actor, provided=provided, **self._resumption(at, calendar)
            )

    # --- commands: acceptance -----------------------------------------------------------

    def accept(
        self,
        *,
        at: datetime,
        actor: Actor,
        revision: int,
        terms: ItemContent,
        calendar: WorkingCalendar,
    ) -> None:
        """受理: the clock starts the day after; the item's current revision becomes the
        case's terms for good, and both deadlines are recorded."""
        self._require("submitted", action="accept")
        accepted_on = local_date(at)
        deadlines = compute(calendar, terms, accepted_on)
        self._record(
            self.Accepted,
            at,
            actor,
            accepted_on=accepted_on.isoformat(),
            item_revision=revision,
            terms=terms.to_data(),
            **deadlines.to_data(),
        )

    def not_accept(self, *, at: datetime, actor: Actor, reason: str, legal_basis: str) -> None:
        """不予受理: reason and legal basis are required."""
        self._require(*INTAKE_STATES, action="not-accept")
        _require_text(reason=reason, legal_basis=legal_basis)
        self._record(self.NotAccepted, at, actor, reason=reason, legal_basis=legal_basis)

    # --- commands: handling ---------------------------------------------------------------

    def assign(self, *, at: datetime, actor: Actor, assignee: str) -> None:
        """承办: (re)assign the case to an officer."""
        self._require_handling("assign")
        _require_text(assignee=assignee)
        self._record(self.Assigned, at, actor, assignee=assignee)

    def complete_step(
        self, *, at: datetime, actor: Actor, step: str, opinion: str, comment: str = ""
    ) -> None:
        """审查/审核/审批: complete the item's next handling step with an opinion."""
        self._require_handling("complete-step", running=True)
        if self.assignee is None:
            raise InvalidCommand("assign the case to an officer before completing steps")
        _choice("opinion", opinion, OPINIONS)
        expected = self._next_step()
        if expected is not None and step != expected:
            raise InvalidCommand(f"the next step is '{expected}', not '{step}'")
        _require_text(step=step)
        self._record(self.StepCompleted, at, actor, step=step, opinion=opinion, comment=comment)

    def return_to_step(self, *, at: datetime, actor: Actor, to_step: str, reason: str) -> None:
        """退回: send the case back to a step already completed."""
        self._require_handling("return", running=True)
        _require_text(reason=reason)
        if to_step not in self.completed_steps:
            raise InvalidCommand(f"'{to_step}' is not a completed step of this case")
        self._record(self.Returned, at, actor, to_step=to_step, reason=reason)

    def request_parallel_review(
        self, *, at: datetime, actor: Actor, departments: list[str], due_on: date
    ) -> None:
        """并联审批: ask co-departments for opinions by ``due_on``."""
        self._require_handling("request-parallel-review", running=True)
        terms = self._terms()
        if self.parallel is not None:
            raise InvalidCommand("a parallel review is already open")
        if not departments:
            raise InvalidCommand("name at least one co-department")
        strangers = sorted(set(departments) - set(terms.co_departments))
        if strangers:
            raise InvalidCommand(
                f"not co-departments of this item: {', '.join(strangers)} "
                f"(the item lists {', '.join(terms.co_departments) or 'none'})"
            )
        if due_on <= local_date(at):
            raise InvalidCommand("the due date must be after today")
        self._record(
            self.ParallelReviewRequested,
            at,
            actor,
            departments=sorted(set(departments)),
            due_on=due_on.isoformat(),
        )

    def give_opinion(self, *, at: datetime, actor: Actor, opinion: str, comment: str = "") -> None:
        """会签: the actor's department gives its opinion; the last one closes the review."""
        if self.parallel is None:
            raise InvalidTransition(self._state(), "give-opinion")
        _choice("opinion", opinion, OPINIONS)
        department = actor.department
        if department not in self.parallel["departments"]:
            raise InvalidCommand(f"department '{department}' was not asked for an opinion")
        if department in self.parallel["opinions"]:
            raise InvalidCommand(f"department '{department}' has already given its opinion")
        self._record(
            self.CoDepartmentOpinionGiven,
            at,
            actor,
            department=department,
            opinion=opinion,
            comment=comment,
        )
        assert self.parallel is not None
        if set(self.parallel["opinions"]) == set(self.parallel["departments"]):
            self._record(self.ParallelReviewClosed, at, actor, reason="all_opinions", missing=[])

    def close_parallel_review(self, *, at: datetime, actor: Actor) -> None:
        """Proceed without the missing opinions once their due date has passed."""
        if self.parallel is None:
            raise InvalidTransition(self._state(), "close-parallel-review")
        self._close_overdue_review(at, actor)

    def _close_overdue_review(self, at: datetime, actor: Actor) -> None:
        assert self.parallel is not None
        if local_date(at) <= date.fromisoformat(self.parallel["due_on"]):
            raise InvalidCommand(
                f"the parallel review is still open: opinions are due by "
                f"{self.parallel['due_on']}; wait for them"
            )
        missing = sorted(set(self.parallel["departments"]) - set(self.parallel["opinions"]))
        self._record(
            self.ParallelReviewClosed, at, actor, reason="deadline_passed", missing=missing
        )

    def start_special_procedure(
        self, *, at: datetime, actor: Actor, kind: str, expected_days: int, notice: str
    ) -> None:
        """特别程序: the clock stops; only procedures the item allows."""
        self._require_handling("start-special-procedure", running=True)
        _choice("kind", kind, SPECIAL_PROCEDURES)
        if kind not in self._terms().special_procedures:
            raise InvalidCommand(f"the item does not provide for the special procedure '{kind}'")
        if expected_days < 1:
            raise InvalidCommand("expected_days must be at least 1")
        _require_text(notice=notice)
        self._record(
            self.SpecialProcedureStarted,
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
            raise InvalidTransition(self._state(), "end-special-procedure")
        _require_text(result=result)
        self._record(
            self.SpecialProcedureEnded, at, actor, result=result, **self._resumption(at, calendar)
        )

    def suspend(self, *, at: datetime, actor: Actor, reason: str) -> None:
        """挂起: stop the clock."""
        self._require_handling("suspend", running=True)
        _require_text(reason=reason)
        self._record(self.Suspended, at, actor, reason=reason)

    def resume(self, *, at: datetime, actor: Actor, reason: str, calendar: WorkingCalendar) -> None:
        """恢复: the clock runs again."""
        if self.pause_kind != "suspension":
            raise InvalidTransition(self._state(), "resume")
        self._record(self.Resumed, at, actor, reason=reason, **self._resumption(at, calendar))

    def extend(
        self, *, at: datetime, actor: Actor, days: int, reason: str, calendar: WorkingCalendar
    ) -> None:
        """延期: once, at most 10 working days (15 for joint handling), with a reason."""
        self._require_handling("extend")
        terms = self._terms()
        if self.extension_days:
            raise InvalidCommand("the deadline has already been extended once")
        most = 15 if terms.joint else 10  # Art. 42: 10 working days, 15 for joint handling
        if not 1 <= days <= most:
            raise InvalidCommand(f"an extension is 1 to {most} days")
        _require_text(reason=reason)
        deadlines = self._deadlines(calendar, extension_days=days)
        self._record(
            self.DeadlineExtended, at, actor, days=days, reason=reason, **deadlines.to_data()
        )

    def recompute_deadlines(
        self, *, at: datetime, actor: Actor, reason: str, calendar: WorkingCalendar
    ) -> bool:
        """Record new deadlines if the calendar changed them; False when nothing changed."""
        if not self.is_open or self.accepted_on is None:
            return False
        deadlines = self._deadlines(calendar, self.extension_days)
        current = Deadlines(
            self.statutory_deadline, self.promised_deadline, self.deadline_provisional
        )
        if deadlines == current:
            return False
        self._record(self.DeadlineRecomputed, at, actor, reason=reason, **deadlines.to_data())
        return True

    # --- commands: decision and result ---------------------------------------------------

    def decide(
        self,
        *,
        at: datetime,
        actor: Actor,
        outcome: str,
        reasons: list[str] | None = None,
        legal_basis: str = "",
        appeal_notice: str = "",
    ) -> None:
        """决定: a denial gives reasons, legal basis and the applicant's appeal rights."""
        self._require_handling("decide", running=True)
        if self.parallel is not None:  # past its due date the decision closes it, on record
            self._close_overdue_review(at, actor)
        _choice("outcome", outcome, OUTCOMES)
        reasons = [r for r in (reasons or []) if r.strip()]
        if outcome == "denied":
            if not reasons:
                raise InvalidCommand("required: reasons")
            _require_text(legal_basis=legal_basis, appeal_notice=appeal_notice)
        self._record(
            self.Decided,
            at,
            actor,
            outcome=outcome,
            reasons=reasons,
            legal_basis=legal_basis,
            appeal_notice=appeal_notice,
        )

    def charge_fee(
        self,
        *,
        at: datetime,
        actor: Actor,
        fee_code: str,
        amount_fen: int,
        override_reason: str = "",
    ) -> None:
        """收费: must match the item's fee list unless an override reason is given."""
        self._require_approved("charge-fee")
        listed = next((f for f in self._terms().fees if f.code == fee_code), None)
        listed_amount = listed.amount_fen if listed else None
        if listed_amount != amount_fen and not override_reason.strip():
            expected = f"{listed_amount} fen" if listed else "no such fee item"
            raise InvalidCommand(
                f"fee '{fee_code}' of {amount_fen} fen does not match the item's fee list "
                f"({expected}); give an override_reason to charge it anyway"
            )
        self._record(
            self.FeeCharged,
            at,
            actor,
            fee_code=fee_code,
            amount_fen=amount_fen,
            listed_amount_fen=listed_amount,
            override_reason=override_reason,
        )

    def issue_certificate(self, *, at: datetime, actor: Actor, certificate_no: str) -> None:
        """制证: only for an approval, once."""
        self._require_approved("issue-certificate")
        if self.certificate_no is not None:
            raise InvalidCommand(f"certificate {self.certificate_no} was already issued")
        _require_text(certificate_no=certificate_no)
        self._record(self.CertificateIssued, at, actor, certificate_no=certificate_no)

    def deliver(self, *, at: datetime, actor: Actor, method: str, detail: str = "") -> None:
        """送达/领取: the decision (and certificate) reach the applicant."""
        self._require("decided", action="deliver")
        _choice("method", method, DELIVERY_METHODS)
        self._record(self.ResultDelivered, at, actor, method=method, detail=detail)

    # --- commands: closure ------------------------------------------------------------------

    def complete(
        self, *, at: datetime, actor: Actor, calendar: WorkingCalendar, result: str | None = None
    ) -> None:
        """办结: records the closure result and whether both deadlines were kept."""
        self._require("decided", action="complete")
        if not self.delivered:
            raise InvalidCommand("deliver the result to the applicant before completing")
        if result is None:
            result = "certificate_issued" if self.certificate_no else "other"
        _choice("result", result, CLOSURE_RESULTS)
        if result == "certificate_issued" and self.certificate_no is None:
            raise InvalidCommand("no certificate was issued")
        today = local_date(at)
        terms = self._terms()
        assert self.accepted_on is not None
        used = days_used(calendar, terms.promised_limit, self.accepted_on, today, self.pauses)
        decided_on = local_date(self.decided_at) if self.decided_at else today
        self._record(
            self.Completed,
            at,
            actor,
            result=result,
            completed_on=today.isoformat(),
            days_used=used,
            on_time_promised=self.promised_deadline is None or decided_on <= self.promised_deadline,
            on_time_statutory=self.statutory_deadline is None
            or decided_on <= self.statutory_deadline,
        )

    def withdraw(self, *, at: datetime, actor: Actor, reason: str = "") -> None:
        """撤回: the applicant withdraws an open case."""
        if not self.is_open:
            raise InvalidTransition(self.status, "withdraw")
        self._record(self.Withdrawn, at, actor, reason=reason)

    def terminate(self, *, at: datetime, actor: Actor, reason: str, legal_basis: str) -> None:
        """终止: end handling of an accepted case without a decision."""
        self._require("in_review", "decided", action="terminate")
        _require_text(reason=reason, legal_basis=legal_basis)
        self._record(self.Terminated, at, actor, reason=reason, legal_basis=legal_basis)

    def forward(self, *, at: datetime, actor: Actor, to_authority: str, reason: str) -> None:
        """转报: pass an accepted case to the higher authority that decides it."""
        self._require_handling("forward")
        _require_text(to_authority=to_authority, reason=reason)
        self._record(self.Forwarded, at, actor, to_authority=to_authority, reason=reason)

    # --- commands: evaluation ------------------------------------------------------------------

    def rate(
        self,
        *,
        at: datetime,
        actor: Actor,
        stage: str,
        level: int,
        sealed_comment: str | None = None,
    ) -> None:
        """好差评: once per stage; acceptance after acceptance, closure after closure."""
        _choice("stage", stage, RATING_STAGES)
        if not 1 <= level <= 5:
            raise InvalidCommand("level must be 1 (非常不满意) to 5 (非常满意)")
        ready = self.accepted_at is not None if stage == "acceptance" else not self.is_open
        if not ready:
            raise InvalidTransition(self._state(), f"rate the {stage} of")
        if stage in self.ratings:
            raise InvalidCommand(f"the {stage} stage has already been rated")
        self._record(self.Rated, at, actor, stage=stage, level=level, sealed_comment=sealed_comment)

    def erase_applicant(self, *, at: datetime, actor: Actor, reason: str, legal_basis: str) -> None:
        """Record the erasure of the applicant's personal data, in any state, once."""
        _require_text(reason=reason, legal_basis=legal_basis)
        if self.applicant_erased:
            raise InvalidTransition("erased", "erase the applicant of")
        subject = self.applicant.get("subject")
        if not subject:
            raise InvalidCommand("this case's applicant was recorded before sealing")
        self._record(
            self.ApplicantDataErased,
            at,
            actor,
            subject=subject,
            reason=reason,
            legal_basis=legal_basis,
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
        if rating is None or rating["level"] > 2:
            raise InvalidCommand(f"the {stage} stage has no poor rating to rectify")
        if rating["rectification"] is not None:
            raise InvalidCommand(
                f"rectification of the {stage} rating is already {rating['rectification']}"
            )
        _require_text(instructions=instructions)
        limit = self.terms.rectification_limit_days if self.terms else 7
        due = calendar.add_working_days(local_date(at), limit).date
        assert due is not None
        self._record(
            self.RectificationOrdered,
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
        _require_text(measures=measures)
        self._record(self.RectificationReported, at, actor, stage=stage, measures=measures)

    def complete_callback(
        self, *, at: datetime, actor: Actor, stage: str, satisfied: bool, note: str = ""
    ) -> None:
        """回访: call the applicant back about the rectification."""
        self._require_rectification(stage, "reported", "complete-callback")
        self._record(self.CallbackCompleted, at, actor, stage=stage, satisfied=satisfied, note=note)

    # --- helpers -----------------------------------------------------------------------------

    def _state(self) -> str:
        return f"{self.status} ({self.pause_kind})" if self.paused else self.status

    def _require(self, *states: str, action: str) -> None:
        if self.status not in states:
            raise InvalidTransition(self._state(), action)

    def _require_handling(self, action: str, running: bool = False) -> None:
        """In review; with ``running``, also not paused."""
        if self.status != "in_review" or (running and self.paused):
            raise InvalidTransition(self._state(), action)

    def _require_approved(self, action: str) -> None:
        self._require("decided", action=action)
        if self.outcome != "approved":
            raise InvalidCommand(f"cannot {action} for a denied case")

    def _require_rectification(self, stage: str, expected: str, action: str) -> None:
        rating = self.ratings.get(stage)
        if rating is None or rating["rectification"] != expected:
            state = rating["rectification"] if rating else "not rated"
            raise InvalidTransition(f"{stage} rectification {state}", action)

    def _terms(self) -> ItemContent:
        assert self.terms is not None, "an accepted case has terms"
        return self.terms

    def _next_step(self) -> str | None:
        # Intake steps (the clerk's) are done by acceptance itself.
        steps = [step.name for step in self._terms().steps if step.role != "clerk"]
        done = len(self.completed_steps)
        if not steps:
            return None
        if done >= len(steps):
            raise InvalidCommand("every handling step is already completed")
        return steps[done]

    def _deadlines(
        self, calendar: WorkingCalendar, extension_days: int, pauses: list[Pause] | None = None
    ) -> Deadlines:
        assert self.accepted_on is not None
        return compute(
            calendar,
            self._terms(),
            self.accepted_on,
            self.pauses if pauses is None else pauses,
            extension_days,
        )

    def _resumption(self, at: datetime, calendar: WorkingCalendar) -> dict[str, Any]:
        """Fields of an event that closes the open pause today, with the new deadlines."""
        today = local_date(at)
        closed = [
            *self.pauses[:-1],
            Pause(self.pauses[-1].start, max(today, self.pauses[-1].start)),
        ]
        deadlines = self._deadlines(calendar, self.extension_days, closed)
        return {"resumed_on": today.isoformat(), **deadlines.to_data()}
