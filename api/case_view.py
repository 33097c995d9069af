"""What the staff read of one case answers (``GET /api/v1/cases/{case_id}``), field by
field. Nested values are read from mappings or from objects with the same attributes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.case.vocabulary import Opinion, Outcome, RatingStage, Rectification
from domain.item_terms import LimitUnit


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
    """The promised limit's days used and remaining (nulls before acceptance), and the
    statutory limit's: only Art. 45 procedures stop the statutory clock."""

    paused: bool
    pause_kind: str | None = None
    unit: LimitUnit | None = None
    working_days_used: int | None
    working_days_remaining: int | None
    statutory_paused: bool = False
    statutory_unit: LimitUnit | None = None
    statutory_days_used: int | None = None
    statutory_days_remaining: int | None = None


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


class CaseView(_Read):
    """The staff view of a case, from its events."""

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
    quarantine: list[HeldMessage]
