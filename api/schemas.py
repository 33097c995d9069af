"""Request and response bodies of the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.case.vocabulary import Channel
from domain.constraints import MAX_AMOUNT_FEN, MAX_DAYS, MAX_LIST, MAX_TEXT, MAX_VERSION
from domain.item_terms import Category, LimitUnit, SpecialProcedure, StepRole

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"  # an item code (事项编码)
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
    materials: list[MaterialIn] = Field(default=[], max_length=MAX_LIST)


class CommandIn(Strict):
    """Fields every command accepts; a case command's body adds the command's own
    (``api.command_bodies``)."""

    expected_version: int | None = Field(default=None, ge=1, le=MAX_VERSION)


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
    separation_of_duties: bool = Field(
        default=False, description="受理与决定分离: whoever accepts a case may not also decide it"
    )


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
