"""What the application records with a command's events, and what its commands return."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class Recorded:
    """What a command returns: the aggregate's new version and its last event's log position."""

    aggregate_id: UUID
    version: int
    position: int


@dataclass(frozen=True)
class Submission(Recorded):
    """What intake returns; the query code is shown this once and never again."""

    case_no: str
    query_code: str


@dataclass(frozen=True)
class Publication(Recorded):
    """What publishing a calendar year returns; ``new`` is false for a retry of a
    publication already recorded, which records no second one (see
    ``HallApplication.publish_calendar_year``)."""

    new: bool


@dataclass(frozen=True)
class RequestKey:
    """A client's ``Idempotency-Key`` for one command, stored with that command's events.

    ``shown_once`` holds what only the first response shows (intake's query code), so
    that a retry can show it again.
    """

    actor: str
    key: str
    fingerprint: str
    shown_once: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CodeVerifier:
    """A new case's query-code verifier, stored in the transaction of its ``Submitted``,
    which also checks that the data key that sealed the applicant is still live (an
    erasure may have destroyed it since): then nothing is recorded."""

    case_no: str
    case_id: UUID
    verifier: bytes
    data_key_id: str


@dataclass(frozen=True)
class Erasure:
    """What erasing an applicant did: the cases linked to it, and the events it recorded
    (none when every case was erased before)."""

    subject: str
    case_ids: list[UUID]
    recorded: list[Recorded]


@dataclass(frozen=True)
class ApplicantView:
    """The applicant as one reader may see it; ``opened_for`` says why personal data was
    decrypted (``handling`` the case, or a stated ``case_file``), None when it was not."""

    applicant: dict[str, Any]
    opened_for: str | None = None
