"""What the staff read of one case answers (``GET /api/v1/cases/{case_id}``), field by
field, and the same fields of a case replayed to a past version (``CaseStateView``).
Nested values are read from mappings or from objects with the same attributes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.calendar import WorkingCalendar
from domain.case import Case
from domain.case.vocabulary import Opinion, Outcome, RatingStage, Rectification
from domain.item_terms import LimitUnit, StepRole


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Contact(_Read):
    """An organisation's contact person (经办人)."""

    name: str
    id_number: str | None = None
    phone: str | None = None


class StaffApplicant(_Read):
    """The applicant as this reader may see it: in clear for the staff handling the case;
    ``masked`` (the published name only) for supervisors and inspectors without a case
    file; ``erased`` (personal fields null) once its data key is destroyed."""

    kind: Literal["person", "organisation"]
    name: str | None
    id_number: str | None
    phone: str | None = None
    address: str | None = None
    contact: Contact | None = None
    masked: bool = False
    erased: bool = False


class Material(_Read):
    """A material handed in, or missing."""

    code: str
    name: str


class ParallelReview(_Read):
    """并联审批 under way: the co-departments, the due date and the opinions given."""

    departments: list[str]
    due_on: date
    opinions: dict[str, Opinion]


class Clock(_Read):
    """Both clocks, days counted in each limit's unit (nulls before acceptance).

    The promised clock (承诺时限, ``unit``) runs from acceptance to completion (办结); the
    statutory one (``statutory_unit``, Art. 42) to the decision, and only Art. 45
    procedures stop it. ``days_used``/``days_remaining`` are the promised clock's in its
    unit; ``working_days_used``/``working_days_remaining`` the same numbers when that
    unit is working days (``G``), null for natural days (``Z``). ``on_time`` and
    ``statutory_on_time``: the days used are within the limit plus extension, at the
    clock's end once it ended (``ended``, ``statutory_ended``), else so far; the rule
    the Completed event and the statistics use. ``warning``: the running promised clock
    used ``warning_threshold_percent`` of its limit (the item's threshold).
    """

    paused: bool
    pause_kind: str | None = None
    unit: LimitUnit | None = None
    days_used: int | None = None
    days_remaining: int | None = None
    working_days_used: int | None
    working_days_remaining: int | None
    on_time: bool | None = None
    ended: bool = False
    warning: bool = False
    warning_threshold_percent: int | None = None
    statutory_paused: bool = False
    statutory_unit: LimitUnit | None = None
    statutory_days_used: int | None = None
    statutory_days_remaining: int | None = None
    statutory_on_time: bool | None = None
    statutory_ended: bool = False


class StepView(_Read):
    """A handling step of the item: its limit in ``unit`` (the item's statutory limit's)
    and where it stands: ``completed`` (started, due and completed on, and whether
    ``on_time``; dates null for a step completed before due dates were recorded),
    ``current`` (started and due on, ``on_time`` so far, ``overdue`` once past its limit;
    no due date while the clock is stopped), ``skipped`` by the decision, or ``pending``."""

    name: str
    role: StepRole
    limit_days: int
    unit: LimitUnit
    status: Literal["completed", "current", "skipped", "pending"]
    started_on: date | None
    due_on: date | None
    completed_on: date | None
    on_time: bool | None
    overdue: bool


class FeeCharged(_Read):
    """A fee charged, in fen (分): an ``override`` when not on the item's fee list at that
    amount, with its reason; the legal basis is the fee list's, or the override's."""

    fee_code: str
    amount_fen: int
    listed_amount_fen: int | None
    override: bool
    override_reason: str
    legal_basis: str


class Rating(_Read):
    """A stage's rating (1–5), who gave it (``applicant`` or ``kiosk``, and which device; a
    staff role for ratings recorded before staff were refused), and where its
    rectification stands."""

    level: int
    rated_by: str
    device: str | None
    rectification: Rectification | None


class HeldMessage(_Read):
    """A message about the case that a view refused, waiting for an operator."""

    id: int
    reason: str
    held_at: datetime
    offset: int


class CaseStateView(_Read):
    """A case as its events make it, read at one day: the staff view's fields."""

    case_id: UUID
    case_no: str
    status: str
    version: int
    item_code: str
    item_name: str
    item_revision: int
    department: str
    channel: str
    applicant: StaffApplicant
    materials: list[Material]
    missing: list[Material]
    assignee: str | None
    completed_steps: list[str]
    steps: list[StepView]
    parallel_review: ParallelReview | None
    outcome: Outcome | None
    result: str | None
    statutory_deadline: date | None
    promised_deadline: date | None
    deadline_provisional: bool
    extension_days: int
    clock: Clock
    fees_charged: list[FeeCharged]
    certificate_no: str | None
    ratings: dict[RatingStage, Rating]
    submitted_at: datetime
    accepted_at: datetime | None
    decided_at: datetime | None
    closed_at: datetime | None
    head_hash: str


class CaseView(CaseStateView):
    """The staff view of a case, from its events, with the messages about it that the
    views refused."""

    quarantine: list[HeldMessage]


def case_state_view(
    case: Case, applicant: Mapping[str, Any], calendar: WorkingCalendar, today: date
) -> dict[str, Any]:
    """The fields of ``CaseStateView``: the case read on ``today`` with ``calendar``, its
    applicant as given (as this reader may see it)."""
    return {
        "case_id": case.id,
        "case_no": case.case_no,
        "status": case.status,
        "version": case.version,
        "item_code": case.item_code,
        "item_name": case.item_name,
        "item_revision": case.item_revision,
        "department": case.department,
        "channel": case.channel,
        "applicant": applicant,
        "materials": case.materials,
        "missing": case.missing,
        "assignee": case.assignee,
        "completed_steps": case.completed_steps,
        "steps": case.steps(calendar, today),
        "parallel_review": case.parallel.as_data() if case.parallel else None,
        "outcome": case.outcome,
        "result": case.result,
        "statutory_deadline": case.statutory_deadline,
        "promised_deadline": case.promised_deadline,
        "deadline_provisional": case.deadline_provisional,
        "extension_days": case.extension_days,
        "clock": case.clock(calendar, today),
        "fees_charged": case.fees_charged,
        "certificate_no": case.certificate_no,
        "ratings": {stage: rating.as_data() for stage, rating in case.ratings.items()},
        "submitted_at": case.submitted_at,
        "accepted_at": case.accepted_at,
        "decided_at": case.decided_at,
        "closed_at": case.closed_at,
        "head_hash": case.head_hash,
    }
