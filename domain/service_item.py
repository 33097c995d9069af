"""The ServiceItem aggregate (事项): one entry of the power list (权力清单 / 责任清单).

An item is registered with its content (revision 1); every revision records the whole content
again (revision n+1), so a case can keep the revision under which it was accepted. States:
active → suspended → active, and retired (terminal) from either. The aggregate id is derived
from the item code (``ServiceItem.id_for``), so items are found by code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Self
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import InvalidCommand, InvalidTransition, NotFound
from domain.events import ChainedAggregate, ChainedEvent
from domain.item_terms import CONTENT_FIELDS, ItemContent, checked_text

ITEM_NAMESPACE = uuid5(NAMESPACE_URL, "urn:casetrail:service-item")
"""The namespace of item ids: ``uuid5(ITEM_NAMESPACE, code)``."""


class ServiceItem(ChainedAggregate):
    """A service item of the power list, with its full revision history."""

    class _ContentEvent(ChainedEvent):
        """An event carrying one revision's whole content (``ItemContent.to_data`` fields).

        Version 2 records whether the item requires separation of duties (受理与决定分离);
        a version 1 revision did not say (upcast: not required).
        """

        class_version: ClassVar[int] = 2

        code: str
        name: str
        category: str
        department: str
        supervising_department: str
        legal_basis: str
        statutory_limit: dict[str, Any]
        promised_limit: dict[str, Any]
        complaint_channel: str
        immediate: bool
        materials: list[dict[str, Any]]
        fees: list[dict[str, Any]]
        steps: list[dict[str, Any]]
        co_departments: list[str]
        special_procedures: list[str]
        accountability: list[str]
        warning_threshold_percent: int
        rectification_limit_days: int
        deemed_satisfied_days: int
        separation_of_duties: bool
        revision: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 had no separation flag: no item required it."""
            state["separation_of_duties"] = False

        def apply(self, item: Aggregate) -> None:
            assert isinstance(item, ServiceItem)
            content = ItemContent.from_data({name: getattr(self, name) for name in CONTENT_FIELDS})
            item._contents.append(content)
            item._revised_at.append(self.timestamp.isoformat())
            item.revision = self.revision

    class Registered(_ContentEvent, Aggregate.Created):
        """登记: the item enters the power list (revision 1)."""

        def apply(self, item: Aggregate) -> None:
            super().apply(item)
            assert isinstance(item, ServiceItem)
            item.status = "active"

    class Revised(_ContentEvent):
        """修订: a new revision of the whole content, with the reason for it."""

        reason: str

    class Suspended(ChainedEvent):
        """暂停: no new cases are taken in for the item."""

        reason: str

        def apply(self, item: Aggregate) -> None:
            assert isinstance(item, ServiceItem)
            item.status = "suspended"

    class Resumed(ChainedEvent):
        """恢复: intake reopens."""

        reason: str

        def apply(self, item: Aggregate) -> None:
            assert isinstance(item, ServiceItem)
            item.status = "active"

    class Retired(ChainedEvent):
        """取消: the item leaves the power list for good."""

        reason: str

        def apply(self, item: Aggregate) -> None:
            assert isinstance(item, ServiceItem)
            item.status = "retired"

    def __init__(self) -> None:
        self._contents: list[ItemContent] = []
        self._revised_at: list[str] = []

    # Declared for type checkers; set by the events' apply methods.
    status: str
    revision: int

    @staticmethod
    def id_for(code: str) -> UUID:
        """The aggregate id of the item with ``code``."""
        return uuid5(ITEM_NAMESPACE, code)

    @classmethod
    def register(cls, *, content: ItemContent, at: datetime, actor: Actor) -> Self:
        """登记: record a new item as revision 1."""
        return cls._start(
            cls.Registered, cls.id_for(content.code), at, actor, **content.to_data(), revision=1
        )

    @property
    def code(self) -> str:
        """The item code (事项编码), fixed for the item's life."""
        return self._contents[0].code

    @property
    def content(self) -> ItemContent:
        """The current revision's content."""
        return self._contents[-1]

    @property
    def revisions(self) -> list[tuple[int, str]]:
        """Every revision with the ISO timestamp it was recorded at, oldest first."""
        return [(n, at) for n, at in enumerate(self._revised_at, start=1)]

    @property
    def is_open_for_intake(self) -> bool:
        """Whether new cases may be taken in for the item."""
        return self.status == "active"

    def content_at(self, revision: int) -> ItemContent:
        """The content of ``revision`` (the one a case was accepted under)."""
        if not 1 <= revision <= len(self._contents):
            raise NotFound(f"service item '{self.code}' has no revision {revision}")
        return self._contents[revision - 1]

    def revise(self, *, content: ItemContent, reason: str, at: datetime, actor: Actor) -> None:
        """修订: record ``content`` as the next revision; the code cannot change."""
        if self.status == "retired":
            raise InvalidTransition(self.status, "revise")
        checked_text(reason, "reason")
        if content.code != self.code:
            raise InvalidCommand(f"a revision cannot change the item code ('{self.code}')")
        if content == self.content:
            raise InvalidCommand("the revision changes nothing")
        self._record(
            self.Revised,
            at,
            actor,
            **content.to_data(),
            revision=self.revision + 1,
            reason=reason,
        )

    def suspend(self, *, reason: str, at: datetime, actor: Actor) -> None:
        """暂停 an active item."""
        self._change("active", self.Suspended, "suspend", reason, at, actor)

    def resume(self, *, reason: str, at: datetime, actor: Actor) -> None:
        """恢复 a suspended item."""
        self._change("suspended", self.Resumed, "resume", reason, at, actor)

    def retire(self, *, reason: str, at: datetime, actor: Actor) -> None:
        """取消 an active or suspended item, for good."""
        self._change(("active", "suspended"), self.Retired, "retire", reason, at, actor)

    def _change(
        self,
        states: str | tuple[str, ...],
        event_class: type[ChainedEvent],
        action: str,
        reason: str,
        at: datetime,
        actor: Actor,
    ) -> None:
        if self.status not in ((states,) if isinstance(states, str) else states):
            raise InvalidTransition(self.status, action)
        checked_text(reason, "reason")
        self._record(event_class, at, actor, reason=reason)
