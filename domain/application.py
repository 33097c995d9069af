"""The casetrail application: commands on cases, recorded in the event store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import EnvType

from domain.actor import Actor
from domain.case import Case
from domain.case_numbers import CaseNumberSequence, format_case_no
from domain.catalogue import Catalogue
from domain.clock import HALL_TZ, Clock, SystemClock
from domain.errors import NotFound, VersionConflict
from domain.query_code import QueryCodes


@dataclass(frozen=True)
class Recorded:
    """What a command returns: the case's new version and the event's log position."""

    case_id: UUID
    version: int
    position: int


@dataclass(frozen=True)
class Submission(Recorded):
    """What intake returns; the query code is shown this once and never again."""

    case_no: str
    query_code: str


class HallApplication(Application[UUID]):
    """Cases of one service hall, stored as events (table ``casetrail_events``)."""

    name = "casetrail"

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        catalogue: Catalogue,
        case_numbers: CaseNumberSequence,
        clock: Clock | None = None,
        query_codes: QueryCodes | None = None,
    ) -> None:
        super().__init__(env)
        self.catalogue = catalogue
        self.case_numbers = case_numbers
        self.clock: Clock = clock or SystemClock()
        self.query_codes = query_codes or QueryCodes()

    def submit(
        self,
        actor: Actor,
        *,
        item_code: str,
        channel: str,
        applicant: dict[str, Any],
        materials: list[dict[str, Any]],
    ) -> Submission:
        """Receive a new case (收件) and give the applicant a query code."""
        item = self.catalogue.item(item_code)
        at = self.clock.now()
        day = at.astimezone(HALL_TZ).date()
        case_no = format_case_no(item.department, day, self.case_numbers.next(item.department, day))
        query_code = self.query_codes.new_code()
        case = Case.submit(
            case_id=uuid4(),
            at=at,
            actor=actor,
            case_no=case_no,
            item_code=item.code,
            item_name=item.name,
            department=item.department,
            channel=channel,
            applicant=applicant,
            materials=materials,
            query_code_hash=self.query_codes.hash(query_code),
        )
        recorded = self._save(case)
        return Submission(
            case_id=recorded.case_id,
            version=recorded.version,
            position=recorded.position,
            case_no=case_no,
            query_code=query_code,
        )

    def accept(self, case_id: UUID, actor: Actor, expected_version: int | None = None) -> Recorded:
        """受理."""
        return self._act(case_id, expected_version, lambda c, at: c.accept(at=at, actor=actor))

    def not_accept(
        self,
        case_id: UUID,
        actor: Actor,
        *,
        reason: str,
        legal_basis: str,
        expected_version: int | None = None,
    ) -> Recorded:
        """不予受理."""
        return self._act(
            case_id,
            expected_version,
            lambda c, at: c.not_accept(at=at, actor=actor, reason=reason, legal_basis=legal_basis),
        )

    def decide(
        self,
        case_id: UUID,
        actor: Actor,
        *,
        outcome: str,
        reasons: str = "",
        legal_basis: str = "",
        expected_version: int | None = None,
    ) -> Recorded:
        """决定."""
        return self._act(
            case_id,
            expected_version,
            lambda c, at: c.decide(
                at=at, actor=actor, outcome=outcome, reasons=reasons, legal_basis=legal_basis
            ),
        )

    def complete(
        self,
        case_id: UUID,
        actor: Actor,
        *,
        result: str | None = None,
        expected_version: int | None = None,
    ) -> Recorded:
        """办结."""
        return self._act(
            case_id, expected_version, lambda c, at: c.complete(at=at, actor=actor, result=result)
        )

    def withdraw(
        self, case_id: UUID, actor: Actor, *, reason: str = "", expected_version: int | None = None
    ) -> Recorded:
        """撤回."""
        return self._act(
            case_id, expected_version, lambda c, at: c.withdraw(at=at, actor=actor, reason=reason)
        )

    def get_case(self, case_id: UUID) -> Case:
        """The case as its events make it; ``NotFound`` when there is none."""
        try:
            case: Case = self.repository.get(case_id)
        except AggregateNotFoundError:
            raise NotFound(f"no case with id {case_id}") from None
        assert isinstance(case, Case)
        return case

    def _act(
        self,
        case_id: UUID,
        expected_version: int | None,
        action: Callable[[Case, Any], None],
    ) -> Recorded:
        case = self.get_case(case_id)
        if expected_version is not None and expected_version != case.version:
            raise VersionConflict(
                f"case {case_id} is at version {case.version}, not {expected_version}"
            )
        action(case, self.clock.now())
        return self._save(case)

    def _save(self, case: Case) -> Recorded:
        try:
            recordings = self.save(case)
        except IntegrityError:
            raise VersionConflict(
                f"case {case.id} was changed concurrently; reload and retry"
            ) from None
        return Recorded(
            case_id=case.id, version=case.version, position=recordings[-1].notification.id
        )
