"""The Case aggregate (办件): the first slice of the lifecycle.

Submitted → Accepted | NotAccepted; Accepted → Decided; Decided → Completed;
Withdrawn from any open state. Every event records its actor and extends the
case's hash chain.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import InvalidCommand, InvalidTransition
from domain.events import ChainedAggregate, ChainedEvent

CHANNELS = ("window", "online", "mobile", "kiosk")
OUTCOMES = ("approved", "denied")
CLOSURE_RESULTS = (
    "certificate_issued",  # 0 出证办结
    "returned",  # 1 退回
    "voided",  # 2 作废
    "forwarded",  # 4 转报
    "never_completed",  # 5 补正不来
    "other",  # 6 办结
)
OPEN_STATES = frozenset({"submitted", "accepted", "decided"})


class Case(ChainedAggregate):
    """An application case, from intake to closure."""

    class Submitted(ChainedEvent, Aggregate.Created):
        """申请/收件: the case is received."""

        case_no: str
        item_code: str
        item_name: str
        department: str
        channel: str
        applicant: dict[str, Any]
        materials: list[dict[str, Any]]
        query_code_hash: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.case_no = self.case_no
            case.item_code = self.item_code
            case.item_name = self.item_name
            case.department = self.department
            case.channel = self.channel
            case.applicant = self.applicant
            case.materials = self.materials
            case.query_code_hash = self.query_code_hash
            case.submitted_at = self.timestamp
            case.status = "submitted"

    class Accepted(ChainedEvent):
        """受理: the case is accepted and the clock starts."""

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.status = "accepted"
            case.accepted_at = self.timestamp

    class NotAccepted(ChainedEvent):
        """不予受理: refused at acceptance, with reason and legal basis."""

        reason: str
        legal_basis: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.status = "not_accepted"
            case.closed_at = self.timestamp

    class Decided(ChainedEvent):
        """决定: approved, or denied with reasons, legal basis and appeal rights."""

        outcome: str
        reasons: str
        legal_basis: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.status = "decided"
            case.outcome = self.outcome
            case.decided_at = self.timestamp

    class Completed(ChainedEvent):
        """办结: the case is closed with a closure result."""

        result: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.status = "completed"
            case.result = self.result
            case.closed_at = self.timestamp

    class Withdrawn(ChainedEvent):
        """撤回: the applicant withdraws an open case."""

        reason: str

        def apply(self, case: Aggregate) -> None:
            assert isinstance(case, Case)
            case.status = "withdrawn"
            case.closed_at = self.timestamp

    def __init__(self) -> None:
        self.outcome: str | None = None
        self.result: str | None = None
        self.accepted_at: datetime | None = None
        self.decided_at: datetime | None = None
        self.closed_at: datetime | None = None

    # Declared for type checkers; set by Submitted.apply.
    case_no: str
    item_code: str
    item_name: str
    department: str
    channel: str
    applicant: dict[str, Any]
    materials: list[dict[str, Any]]
    query_code_hash: str
    submitted_at: datetime
    status: str

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
        department: str,
        channel: str,
        applicant: dict[str, Any],
        materials: list[dict[str, Any]],
        query_code_hash: str,
    ) -> Case:
        """Record the intake of a new case."""
        if channel not in CHANNELS:
            raise InvalidCommand(f"channel must be one of {', '.join(CHANNELS)}")
        return cls._start(
            cls.Submitted,
            case_id,
            at,
            actor,
            case_no=case_no,
            item_code=item_code,
            item_name=item_name,
            department=department,
            channel=channel,
            applicant=applicant,
            materials=materials,
            query_code_hash=query_code_hash,
        )

    @property
    def is_open(self) -> bool:
        """Whether the case still accepts actions."""
        return self.status in OPEN_STATES

    def accept(self, *, at: datetime, actor: Actor) -> None:
        """受理."""
        self._require("submitted", action="accept")
        self._record(self.Accepted, at, actor)

    def not_accept(self, *, at: datetime, actor: Actor, reason: str, legal_basis: str) -> None:
        """不予受理: reason and legal basis are required."""
        self._require("submitted", action="not-accept")
        _require_text(reason=reason, legal_basis=legal_basis)
        self._record(self.NotAccepted, at, actor, reason=reason, legal_basis=legal_basis)

    def decide(
        self, *, at: datetime, actor: Actor, outcome: str, reasons: str = "", legal_basis: str = ""
    ) -> None:
        """决定: a denial must give reasons and legal basis."""
        self._require("accepted", action="decide")
        if outcome not in OUTCOMES:
            raise InvalidCommand(f"outcome must be one of {', '.join(OUTCOMES)}")
        if outcome == "denied":
            _require_text(reasons=reasons, legal_basis=legal_basis)
        self._record(
            self.Decided, at, actor, outcome=outcome, reasons=reasons, legal_basis=legal_basis
        )

    def complete(self, *, at: datetime, actor: Actor, result: str | None = None) -> None:
        """办结: defaults to certificate issued when approved, otherwise 'other'."""
        self._require("decided", action="complete")
        if result is None:
            result = "certificate_issued" if self.outcome == "approved" else "other"
        if result not in CLOSURE_RESULTS:
            raise InvalidCommand(f"result must be one of {', '.join(CLOSURE_RESULTS)}")
        self._record(self.Completed, at, actor, result=result)

    def withdraw(self, *, at: datetime, actor: Actor, reason: str = "") -> None:
        """撤回: allowed in any open state."""
        if not self.is_open:
            raise InvalidTransition(self.status, "withdraw")
        self._record(self.Withdrawn, at, actor, reason=reason)

    def _require(self, *states: str, action: str) -> None:
        if self.status not in states:
            raise InvalidTransition(self.status, action)


def _require_text(**values: str) -> None:
    missing = [name for name, value in values.items() if not value or not value.strip()]
    if missing:
        raise InvalidCommand(f"required: {', '.join(missing)}")
