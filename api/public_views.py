"""What the public routes answer, field by field: an allow-list, so that a field the
projections keep for themselves (a case's id, its closed flag) or add later is never
published by accident, and OpenAPI documents exactly what is public."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from domain.case.vocabulary import Outcome
from domain.item_terms import Category, LimitUnit, SpecialProcedure, StepRole

Moment = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class Label(BaseModel):
    """A status in plain language."""

    zh: str
    en: str


class Milestone(BaseModel):
    """A step of the case the applicant can see."""

    status: str
    label: Label
    at: Moment
    date: date


class Decision(BaseModel):
    """The decision as told to the applicant."""

    outcome: Outcome
    reasons: list[str]
    legal_basis: str
    appeal_notice: str

    @field_validator("reasons", mode="before")
    @classmethod
    def _one_reason_of_v1(cls, reasons: object) -> object:
        """Decisions of version 1 gave the reasons as one text."""
        if isinstance(reasons, str):
            return [reasons] if reasons else []
        return reasons


class PublicCase(BaseModel):
    """办件进度: what the applicant sees with the case number and query code. The
    applicant is the published (masked) name, null once erased.

    ``days_remaining`` are the days left to the promised deadline in the unit of its
    limit, ``limit_unit`` (``G`` working days, ``Z`` natural days); negative once past,
    null while the clock is stopped, once closed, or before acceptance.
    ``working_days_remaining`` is kept for the clients that read it: the same number
    when the limit counts working days, null for a natural-day limit."""

    case_no: str
    item_code: str
    item_name: str
    department: str
    department_name: str
    channel: str
    applicant: str | None
    status: str
    status_label: Label
    timeline: list[Milestone]
    missing: list[str]
    decision: Decision | None
    paused: bool
    promised_deadline: date | None = None
    statutory_deadline: date | None = None
    deadline_provisional: bool = False
    limit_unit: LimitUnit | None
    days_remaining: int | None
    working_days_remaining: int | None
    rating_url: str | None
    updated_at: Moment
    version: int
    position: int


class PublishedDecision(BaseModel):
    """办件公示: a closed case; the applicant's name masked, null once erased."""

    case_no: str
    item_code: str
    item_name: str
    department: str
    department_name: str | None
    applicant: str | None
    status: str
    outcome: str | None
    result: str | None
    reasons: list[str]
    legal_basis: str | None
    submitted_on: date
    accepted_on: date | None
    decided_on: date | None
    closed_on: date | None
    on_time: bool | None


class DecisionsPage(BaseModel):
    """One page of published decisions, and how many match in all."""

    items: list[PublishedDecision]
    total: int
    page: int
    page_size: int


class StatisticsRow(BaseModel):
    """One department's or item's performance; ``ratings`` counts each level 1–5."""

    key: str
    name: str | None
    received: int
    accepted: int
    completed: int
    on_time_rate: float | None
    median_days_used: float | None
    p90_days_used: float | None
    median_share_of_limit: float | None
    p90_share_of_limit: float | None
    ratings: dict[str, int]
    poor_ratings: int
    poor_rectified_share: float | None


class Statistics(BaseModel):
    """Performance per department or item, for a month or all time."""

    group: Literal["department", "item"]
    month: str | None
    rows: list[StatisticsRow]


class MonthRow(BaseModel):
    """One month's counts, each in the month of its own date."""

    month: str
    received: int
    accepted: int
    completed: int
    on_time_rate: float | None


class MonthlyTrend(BaseModel):
    """Month by month, oldest first, for one department or all."""

    department: str | None
    rows: list[MonthRow]


class TimeLimitOut(BaseModel):
    """A time limit: working days (``G``, 工作日) or natural days (``Z``, 自然日)."""

    days: int
    unit: LimitUnit


class MaterialOut(BaseModel):
    """A required material (申请材料)."""

    code: str
    name: str
    mandatory: bool
    copies: int


class FeeOut(BaseModel):
    """A fee item (收费项目), in fen (分)."""

    code: str
    name: str
    amount_fen: int
    legal_basis: str


class StepOut(BaseModel):
    """A handling step (办理环节)."""

    name: str
    role: StepRole
    limit_days: int


class ItemContentOut(BaseModel):
    """An item's whole content as of one revision (办事指南)."""

    code: str
    name: str
    category: Category
    department: str
    supervising_department: str
    legal_basis: str
    statutory_limit: TimeLimitOut
    promised_limit: TimeLimitOut
    complaint_channel: str
    immediate: bool
    materials: list[MaterialOut]
    fees: list[FeeOut]
    steps: list[StepOut]
    co_departments: list[str]
    special_procedures: list[SpecialProcedure]
    accountability: list[str]
    warning_threshold_percent: int
    rectification_limit_days: int
    deemed_satisfied_days: int
    separation_of_duties: bool = False  # views built before the flag existed lack it


class CatalogueEntry(BaseModel):
    """An item of the power list, in brief."""

    code: str
    name: str
    category: Category
    department: str
    department_name: str | None
    status: Literal["active", "suspended"]
    revision: int
    statutory_limit: TimeLimitOut
    promised_limit: TimeLimitOut
    immediate: bool
    free: bool


class Catalogue(BaseModel):
    """The power list as published: every item in force."""

    items: list[CatalogueEntry]


class RevisionOut(BaseModel):
    """A revision of an item: when, and why (a registration gives no reason)."""

    revision: int
    date: date
    reason: str | None


class Guide(BaseModel):
    """An item's guide: its current content and its revision history."""

    item_id: UUID
    code: str
    name: str
    category: Category
    department: str
    department_name: str | None
    supervising_department: str
    supervising_department_name: str | None
    status: Literal["active", "suspended", "retired"]
    revision: int
    content: ItemContentOut
    revisions: list[RevisionOut]
    version: int
    position: int


class Departments(BaseModel):
    """Every department's current name, by code."""

    departments: dict[str, str]


class ItemRevisionAt(BaseModel):
    """A revision of an item and when it was recorded."""

    revision: int
    at: datetime


class ServiceItemOut(BaseModel):
    """An item of the power list as recorded: its current content, state and revisions."""

    code: str
    status: Literal["active", "suspended", "retired"]
    revision: int
    version: int
    content: ItemContentOut
    revisions: list[ItemRevisionAt]
