"""What every case command is: a typed, frozen declaration run against the case.

A declaration is a frozen dataclass: its fields are the command's typed input (with
their bounds), ``ACTION`` its name (the HTTP path ``/cases/{id}/<ACTION>``), ``ROLES``
who may give it (the department rules of ``domain.authorization`` apply on top), and
``run`` the one ``Case`` method it calls, with what that method needs besides the
fields (the time, the actor, the calendar, the item's terms). The HTTP routes, their
OpenAPI bodies and the authorization matrix are derived from them
(``domain.case.commands.CASE_COMMANDS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, ClassVar, Protocol

from annotated_types import MaxLen, MinLen

from domain.actor import Actor
from domain.calendar import WorkingCalendar
from domain.constraints import MAX_LIST, Code, Name
from domain.roles import Role
from domain.service_item import ServiceItem

if TYPE_CHECKING:
    from domain.case import Case


class Needs(Protocol):
    """What a command may need besides its own fields, provided by the application."""

    @property
    def at(self) -> datetime: ...

    @property
    def actor(self) -> Actor: ...

    def calendar(self) -> WorkingCalendar: ...

    def service_item(self, code: str) -> ServiceItem: ...

    def sealed_comment(self, case: Case, text: str) -> str | None: ...


@dataclass(frozen=True)
class Material:
    """A material handed in, or missing."""

    code: Code
    name: Name


Materials = Annotated[list[Material], MinLen(1), MaxLen(MAX_LIST)]


@dataclass(frozen=True)
class CaseCommand:
    """A command on an existing case."""

    ACTION: ClassVar[str]
    ROLES: ClassVar[frozenset[Role]]

    def run(self, case: Case, needs: Needs) -> None:
        """Call the case's method for this command."""
        raise NotImplementedError


HANDLERS: frozenset[Role] = frozenset({"officer", "approver"})
DEPARTMENT_STAFF: frozenset[Role] = frozenset({"clerk", "officer", "approver"})
WINDOW: frozenset[Role] = frozenset({"clerk", "approver"})
HEAD: frozenset[Role] = frozenset({"approver"})
SUPERVISION: frozenset[Role] = frozenset({"supervisor"})
