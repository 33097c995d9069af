"""The SupervisionNotice aggregate (督办通知): a supervisor urges a department about a case.

A supervisor issues a notice to the case's department with a date to respond by (a
number of working days on the hall calendar); the department's approver or the officer
responds, once; a notice still unanswered after its date escalates, once, recorded by
the platform (``ESCALATOR``). Each notice is an aggregate of its own, so notices never
contend with the case's own events; who is to be told is in each event (``notify``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Self, TypedDict
from uuid import uuid4

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import InvalidCommand, VersionConflict
from domain.events import ChainedAggregate, ChainedEvent
from domain.item_terms import checked_text

ESCALATOR = Actor(id="notice-escalation", role="system", department="HALL")
"""The actor of every escalation: the platform's timed rule, no person."""
ESCALATED_TO = "hall_admin"  # the hall's leadership, above the supervisor who issued it
NOTICE_ROLES = ["approver", "officer"]  # who in the department is told of a notice


class Notify(TypedDict):
    """Who is to be told: the department, the officer handling the case (if any), and
    the roles."""

    department: str
    officer: str | None
    roles: list[str]


class SupervisionNotice(ChainedAggregate):
    """A supervision notice about a case, its response and its escalation."""

    class Issued(ChainedEvent, Aggregate.Created):
        """督办: a supervisor urges the case's department, to respond by a date."""

        case_id: str
        case_no: str
        department: str
        text: str
        respond_by: str
        notify: Notify

    class Responded(ChainedEvent):
        """督办回复: the department's response."""

        text: str

        def apply(self, notice: Aggregate) -> None:
            assert isinstance(notice, SupervisionNotice)
            notice.responded = True

    class Escalated(ChainedEvent):
        """督办升级: the notice went unanswered past its date and goes up to the hall."""

        overdue_since: str
        escalated_to: str
        notify: Notify

        def apply(self, notice: Aggregate) -> None:
            assert isinstance(notice, SupervisionNotice)
            notice.escalated = True

    def __init__(
        self, case_id: str, case_no: str, department: str, respond_by: str, notify: Notify
    ) -> None:
        self.case_id = case_id
        self.case_no = case_no
        self.department = department
        self.respond_by = date.fromisoformat(respond_by)
        self.officer = notify["officer"]
        self.responded = False
        self.escalated = False

    @classmethod
    def issue(
        cls,
        *,
        case_id: str,
        case_no: str,
        department: str,
        officer: str | None,
        text: str,
        respond_by: date,
        at: datetime,
        actor: Actor,
    ) -> Self:
        """督办: record a new notice to ``department`` about the case."""
        return cls._start(
            cls.Issued,
            uuid4(),
            at,
            actor,
            case_id=case_id,
            case_no=case_no,
            department=department,
            text=checked_text(text, "text").strip(),
            respond_by=respond_by.isoformat(),
            notify=Notify(department=department, officer=officer, roles=list(NOTICE_ROLES)),
        )

    def respond(self, *, text: str, at: datetime, actor: Actor) -> None:
        """回复: the department's response, once (late ones too, after an escalation)."""
        if self.responded:
            raise VersionConflict(f"notice {self.id} was responded to already: once only")
        self._record(self.Responded, at, actor, text=checked_text(text, "text").strip())

    def overdue_on(self, today: date) -> bool:
        """Whether the notice is unanswered and past its date on ``today``."""
        return not self.responded and today > self.respond_by

    def escalate(self, *, today: date, at: datetime, actor: Actor) -> None:
        """升级: record that the unanswered notice went up to the hall, once."""
        if self.escalated:
            raise VersionConflict(f"notice {self.id} was escalated already: once only")
        if not self.overdue_on(today):
            raise InvalidCommand(f"notice {self.id} is not overdue on {today.isoformat()}")
        self._record(
            self.Escalated,
            at,
            actor,
            overdue_since=(self.respond_by + timedelta(days=1)).isoformat(),
            escalated_to=ESCALATED_TO,
            notify=Notify(
                department=self.department,
                officer=self.officer,
                roles=["approver", ESCALATED_TO],
            ),
        )
