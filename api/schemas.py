"""Request and response bodies of the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.case.vocabulary import (
    Channel,
    ClosureResult,
    DeliveryMethod,
    ExtensionApprover,
    Opinion,
    Outcome,
    RatingStage,
)
from domain.item_terms import Category, LimitUnit, SpecialProcedure, StepRole

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"  # an item code (事项编码)
MAX_TEXT = 2000
MAX_LIST = 100
MAX_VERSION = 2**31 - 1
MAX_AMOUNT_FEN = 10**12
MAX_DAYS = 3650
Text = Field(min_length=1, max_length=MAX_TEXT)
Note = Field(default="", max_length=MAX_TEXT)
Name = Field(min_length=1, max_length=200)
Code = Field(min_length=1, max_length=64)


class Strict(BaseModel):
    """Unknown fields are an error, so a typo (or an ``actor``) never passes silently."""

    model_config = ConfigDict(extra="forbid")


class ContactIn(Strict):
    """An organisation's contact person (经办人): personal data, sealed."""

    name: str = Field(min_length=1, max_length=200)
    id_number: str | None = Field(default=None, min_length=1, max_length=64)
    phone: str | None = Field(default=None, max_length=32)


class ApplicantIn(Strict):
    """The applicant (申请人). A person's name, ID number, phone and address, and an
    organisation's phone, address and contact person, are personal data: recorded only
    sealed, never public. An organisation's name and credit code (``id_number``) are public."""

    kind: Literal["person", "organisation"]
    name: str = Field(min_length=1, max_length=200)
    id_number: str = Field(min_length=1, max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=500)
    contact: ContactIn | None = Field(
        default=None, description="organisations only; its ID number names whose data it is"
    )

    @model_validator(mode="after")
    def _contact_for_organisations(self) -> ApplicantIn:
        if self.contact is not None and self.kind != "organisation":
            raise ValueError("only an organisation has a contact person")
        return self


class MaterialIn(Strict):
    """A material handed in, or missing."""

    code: str = Code
    name: str = Name


Materials = list[MaterialIn]


class SubmitIn(Strict):
    """Intake of a new case (收件)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "item_code": "SCJG-001",
                    "channel": "window",
                    "applicant": {
                        "kind": "person",
                        "name": "张三",
                        "id_number": "110101199001010000",
                    },
                    "materials": [{"code": "M1", "name": "申请书"}],
                }
            ]
        },
    )

    item_code: str = Field(pattern=CODE_PATTERN)
    channel: Channel
    applicant: ApplicantIn
    materials: Materials = Field(default=[], max_length=MAX_LIST)


class CommandIn(Strict):
    """Fields every command accepts."""

    expected_version: int | None = Field(default=None, ge=1, le=MAX_VERSION)


class RequestSupplementIn(CommandIn):
    """补正告知: every missing material, in one notice."""

    missing: Materials = Field(min_length=1, max_length=MAX_LIST)
    note: str = Note


class ProvideSupplementIn(CommandIn):
    """补齐补正."""

    provided: Materials = Field(min_length=1, max_length=MAX_LIST)


class NotAcceptIn(CommandIn):
    """不予受理: the reason, its legal basis and the appeal notice (行政复议/行政诉讼) are told
    to the applicant; a matter outside the department's competence names the competent
    authority (Art. 32(1))."""

    reason: str = Text
    legal_basis: str = Text
    appeal_notice: str = Note
    outside_competence: bool = False
    competent_authority: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT)


class AssignIn(CommandIn):
    """承办."""

    assignee: str = Field(min_length=1, max_length=100)


class CompleteStepIn(CommandIn):
    """审查/审核/审批: the item's next step."""

    step: str = Text
    opinion: Opinion
    comment: str = Note


class ReturnIn(CommandIn):
    """退回 to a completed step."""

    to_step: str = Text
    reason: str = Text


class ParallelReviewIn(CommandIn):
    """并联审批: co-departments and the date their opinions are due."""

    departments: list[Annotated[str, Code]] = Field(min_length=1, max_length=MAX_LIST)
    due_on: date


class OpinionIn(CommandIn):
    """会签: the caller's department's opinion."""

    opinion: Opinion
    comment: str = Note


class SpecialProcedureIn(CommandIn):
    """特别程序: the clock stops; the notice is given to the applicant."""

    kind: SpecialProcedure
    expected_days: int = Field(ge=1, le=365)
    notice: str = Text


class ResultIn(CommandIn):
    """The special procedure's result."""

    result: str = Text


class ReasonIn(CommandIn):
    """A reason (挂起 requires one)."""

    reason: str = Text


class OptionalReasonIn(CommandIn):
    """A reason, if any."""

    reason: str = Note


class ExtendIn(CommandIn):
    """延期 (Art. 42), once, before the statutory deadline: at most 10 days approved by the
    department head, or for joint handling 15 approved by the people's government head
    (``approval_ref``: the approval's document number, required for the latter)."""

    days: int = Field(ge=1, le=15)
    reason: str = Text
    approved_by: ExtensionApprover
    approval_ref: str = Note


class DecideIn(CommandIn):
    """决定: a denial needs reasons, legal basis and the appeal notice."""

    outcome: Outcome
    reasons: list[Annotated[str, Text]] = Field(default=[], max_length=MAX_LIST)
    legal_basis: str = Note
    appeal_notice: str = Note


class ChargeFeeIn(CommandIn):
    """收费: an amount off the item's fee list needs an override reason."""

    fee_code: str = Text
    amount_fen: int = Field(ge=0, le=MAX_AMOUNT_FEN)
    override_reason: str = Note


class CertificateIn(CommandIn):
    """制证."""

    certificate_no: str = Text


class DeliverIn(CommandIn):
    """送达/领取."""

    method: DeliveryMethod
    detail: str = Note


class CompleteIn(CommandIn):
    """办结, with the closure result (default from the decision)."""

    result: ClosureResult | None = None


class ReasonWithBasisIn(CommandIn):
    """终止: reason and legal basis."""

    reason: str = Text
    legal_basis: str = Text


class ForwardIn(CommandIn):
    """转报 to the higher authority."""

    to_authority: str = Text
    reason: str = Text


class RateIn(CommandIn):
    """好差评: 5 非常满意 … 1 非常不满意."""

    stage: RatingStage
    level: int = Field(ge=1, le=5)
    comment: str = Note


class OrderRectificationIn(CommandIn):
    """整改 of a poor rating."""

    stage: RatingStage
    instructions: str = Text


class ReportRectificationIn(CommandIn):
    """整改 reported."""

    stage: RatingStage
    measures: str = Text


class CallbackIn(CommandIn):
    """回访."""

    stage: RatingStage
    satisfied: bool
    note: str = Note


# The body of every case command, by action (the path after /cases/{case_id}/).
CASE_COMMAND_BODIES: dict[str, type[CommandIn]] = {
    "request-supplement": RequestSupplementIn,
    "provide-supplement": ProvideSupplementIn,
    "accept": CommandIn,
    "not-accept": NotAcceptIn,
    "assign": AssignIn,
    "complete-step": CompleteStepIn,
    "return": ReturnIn,
    "request-parallel-review": ParallelReviewIn,
    "give-opinion": OpinionIn,
    "close-parallel-review": CommandIn,
    "start-special-procedure": SpecialProcedureIn,
    "end-special-procedure": ResultIn,
    "suspend": ReasonIn,
    "resume": OptionalReasonIn,
    "extend": ExtendIn,
    "decide": DecideIn,
    "charge-fee": ChargeFeeIn,
    "issue-certificate": CertificateIn,
    "deliver": DeliverIn,
    "complete": CompleteIn,
    "withdraw": OptionalReasonIn,
    "terminate": ReasonWithBasisIn,
    "forward": ForwardIn,
    "rate": RateIn,
    "order-rectification": OrderRectificationIn,
    "report-rectification": ReportRectificationIn,
    "complete-callback": CallbackIn,
}


Days = Annotated[int, Field(ge=0, le=MAX_DAYS)]


class TimeLimitIn(Strict):
    """A time limit: working days (``G``, 工作日) or natural days (``Z``, 自然日)."""

    days: Days
    unit: LimitUnit


class ItemMaterialIn(MaterialIn):
    """A required material (申请材料)."""

    mandatory: bool = True
    copies: int = Field(default=1, ge=1, le=1000)


class FeeIn(Strict):
    """A fee item (收费项目), in fen (分)."""

    code: str = Code
    name: str = Name
    amount_fen: int = Field(ge=1, le=MAX_AMOUNT_FEN)
    legal_basis: str = Text


class StepIn(Strict):
    """A handling step (办理环节)."""

    name: str = Name
    role: StepRole
    limit_days: Days


class ItemContentIn(Strict):
    """An item's whole content, as the power list publishes it (the domain's
    ``ItemContent`` checks its rules)."""

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Name
    category: Category
    department: str = Code
    supervising_department: str = Code
    legal_basis: str = Text
    statutory_limit: TimeLimitIn
    promised_limit: TimeLimitIn
    complaint_channel: str = Text
    immediate: bool = False
    materials: list[ItemMaterialIn] = Field(default=[], max_length=MAX_LIST)
    fees: list[FeeIn] = Field(default=[], max_length=MAX_LIST)
    steps: list[StepIn] = Field(default=[], max_length=MAX_LIST)
    co_departments: list[Annotated[str, Code]] = Field(default=[], max_length=MAX_LIST)
    special_procedures: list[SpecialProcedure] = Field(default=[], max_length=MAX_LIST)
    accountability: list[Annotated[str, Text]] = Field(default=[], max_length=MAX_LIST)
    warning_threshold_percent: int = Field(default=80, ge=1, le=100)
    rectification_limit_days: int = Field(default=7, ge=1, le=MAX_DAYS)
    deemed_satisfied_days: int = Field(default=15, ge=1, le=MAX_DAYS)


class ItemChangeIn(CommandIn):
    """Suspend, resume or retire an item, with a reason."""

    reason: str = Text


class ItemReviseIn(CommandIn):
    """A new revision of the item's content; cases keep the revision they were accepted under."""

    content: ItemContentIn
    reason: str = Text


class CalendarYearIn(Strict):
    """A year's schedule as the State Council publishes it."""

    year: int = Field(ge=2000, le=2100)
    holidays: list[date] = Field(max_length=366)
    makeup_workdays: list[date] = Field(default=[], max_length=366)
    notice: str = Text


class CommandOut(BaseModel):
    """A recorded command: the aggregate's new version and the event's log position."""

    case_id: UUID
    version: int
    position: int


class SubmitOut(CommandOut):
    """A received case; ``query_code`` is returned this once and never again."""

    case_no: str
    query_code: str


class RecordedOut(BaseModel):
    """A recorded command on the power list or the calendar."""

    id: UUID
    version: int
    position: int


class ErasureIn(Strict):
    """An applicant's request to erase its personal data (PIPL Art. 47)."""

    id_number: str = Field(min_length=1, max_length=64)
    reason: str = Text
    legal_basis: str = Text


class ErasureOut(BaseModel):
    """An erasure: the applicant's keyed hash, its cases, and the events recorded now
    (none when it had been erased before)."""

    subject: str
    case_ids: list[UUID]
    recorded: list[CommandOut]
