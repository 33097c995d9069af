"""Request and response bodies of the API."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

NonEmpty = Field(min_length=1, max_length=500)


class Strict(BaseModel):
    """Unknown fields are an error, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class ApplicantIn(Strict):
    """The applicant (申请人); personal data, never shown in public views."""

    kind: Literal["person", "organisation"]
    name: str = NonEmpty
    id_number: str = Field(min_length=1, max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=500)


class MaterialIn(Strict):
    """A material handed in with the application."""

    code: str = NonEmpty
    name: str = NonEmpty


class SubmitIn(Strict):
    """Intake of a new case (收件)."""

    item_code: str = NonEmpty
    channel: Literal["window", "online", "mobile", "kiosk"]
    applicant: ApplicantIn
    materials: list[MaterialIn] = []


class CommandIn(Strict):
    """Fields every case command accepts."""

    expected_version: int | None = Field(default=None, ge=1)


class NotAcceptIn(CommandIn):
    """不予受理: the reason and its legal basis are told to the applicant."""

    reason: str = NonEmpty
    legal_basis: str = NonEmpty


class DecideIn(CommandIn):
    """决定: a denial needs reasons and legal basis."""

    outcome: Literal["approved", "denied"]
    reasons: str = ""
    legal_basis: str = ""


class CompleteIn(CommandIn):
    """办结, with the closure result (default from the decision)."""

    result: (
        Literal["certificate_issued", "returned", "voided", "forwarded", "never_completed", "other"]
        | None
    ) = None


class WithdrawIn(CommandIn):
    """撤回 by the applicant."""

    reason: str = ""


class CommandOut(BaseModel):
    """A recorded command: the case's new version and the event's log position."""

    case_id: UUID
    version: int
    position: int


class SubmitOut(CommandOut):
    """A received case; ``query_code`` is returned this once and never again."""

    case_no: str
    query_code: str
