"""The DeclaredInterest aggregate: the declared-interest register (回避).

A staff member declares an interest (a relative, a former employer, a business tie) in
an applicant, person or organisation, known only by the keyed hash of its ID number (its
*subject*, ``domain.personal_data``): the number itself is never recorded. One aggregate
per staff member and subject (``DeclaredInterest.id_for``): declared, withdrawn, declared
again. The recusal rule (I03) reads the register.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import InvalidCommand, VersionConflict
from domain.events import ChainedAggregate, ChainedEvent
from domain.item_terms import checked_text

INTEREST_NAMESPACE = uuid5(NAMESPACE_URL, "urn:casetrail:declared-interest")
APPLICANT_KINDS = ("person", "organisation")


class DeclaredInterest(ChainedAggregate):
    """A staff member's declared interest in one applicant."""

    class Declared(ChainedEvent, Aggregate.Created):
        """申报回避事项: a staff member's interest in an applicant (by its keyed hash)."""

        officer: str
        department: str
        applicant_kind: str
        subject: str
        relation: str
        note: str

        def apply(self, interest: Aggregate) -> None:
            assert isinstance(interest, DeclaredInterest)
            interest.standing = True

    class Withdrawn(ChainedEvent):
        """撤回: the declared interest no longer stands."""

        reason: str

        def apply(self, interest: Aggregate) -> None:
            assert isinstance(interest, DeclaredInterest)
            interest.standing = False

    class Renewed(ChainedEvent):
        """再次申报: the interest is declared again after its withdrawal."""

        relation: str
        note: str

        def apply(self, interest: Aggregate) -> None:
            assert isinstance(interest, DeclaredInterest)
            interest.standing = True

    def __init__(self, officer: str, subject: str) -> None:
        self.officer = officer
        self.subject = subject
        self.standing = True

    @staticmethod
    def id_for(officer: str, subject: str) -> UUID:
        """The id of ``officer``'s interest in the applicant ``subject``."""
        return uuid5(INTEREST_NAMESPACE, f"{officer}\n{subject}")

    @classmethod
    def declare(
        cls,
        *,
        officer: str,
        department: str,
        applicant_kind: str,
        subject: str,
        relation: str,
        note: str,
        at: datetime,
        actor: Actor,
    ) -> Self:
        """申报: record a new declaration."""
        checked_text(officer, "officer")
        checked_text(relation, "relation")
        if applicant_kind not in APPLICANT_KINDS:
            raise InvalidCommand(f"applicant_kind must be one of {', '.join(APPLICANT_KINDS)}")
        return cls._start(
            cls.Declared,
            cls.id_for(officer, subject),
            at,
            actor,
            officer=officer,
            department=department,
            applicant_kind=applicant_kind,
            subject=subject,
            relation=relation,
            note=note,
        )

    def renew(self, *, relation: str, note: str, at: datetime, actor: Actor) -> None:
        """Declare again an interest withdrawn before."""
        if self.standing:
            raise VersionConflict(f"{self.officer} has already declared this interest")
        checked_text(relation, "relation")
        self._record(self.Renewed, at, actor, relation=relation, note=note)

    def withdraw(self, *, reason: str, at: datetime, actor: Actor) -> None:
        """撤回 a standing declaration."""
        if not self.standing:
            raise VersionConflict(f"interest {self.id} was already withdrawn")
        self._record(self.Withdrawn, at, actor, reason=reason)
