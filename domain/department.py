"""The Department aggregate: a department of the hall (委办局) and the name it is known by.

A department is registered under its code, which items and cases refer to, and renamed
when an institutional reform (机构改革) changes its name; its code stays. The aggregate id
is derived from the code (``Department.id_for``). The public pages name departments from
these events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import InvalidCommand
from domain.events import ChainedAggregate, ChainedEvent

DEPARTMENT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:casetrail:department")
"""The namespace of department ids: ``uuid5(DEPARTMENT_NAMESPACE, code)``."""


def _text(value: str, what: str) -> str:
    if not value.strip():
        raise InvalidCommand(f"{what} must not be blank")
    return value


class Department(ChainedAggregate):
    """A department of the hall: its code and its current name."""

    class Registered(ChainedEvent, Aggregate.Created):
        """登记: the department joins the hall under its code and name."""

        code: str
        name: str

    class Renamed(ChainedEvent):
        """更名: the department's new name, and why (the reform notice)."""

        name: str
        reason: str

        def apply(self, department: Department) -> None:
            department.name = self.name

    def __init__(self, code: str, name: str) -> None:
        self.code = code
        self.name = name

    @staticmethod
    def id_for(code: str) -> UUID:
        """The aggregate id of the department with ``code``."""
        return uuid5(DEPARTMENT_NAMESPACE, code)

    @classmethod
    def register(cls, *, code: str, name: str, at: datetime, actor: Actor) -> Self:
        """登记: record a new department."""
        _text(code, "code")
        _text(name, "name")
        return cls._start(cls.Registered, cls.id_for(code), at, actor, code=code, name=name)

    def rename(self, *, name: str, reason: str, at: datetime, actor: Actor) -> None:
        """更名: record the department's new name."""
        _text(name, "name")
        _text(reason, "reason")
        if name == self.name:
            raise InvalidCommand(f"department {self.code} is already named {name}")
        self._record(self.Renamed, at, actor, name=name, reason=reason)
