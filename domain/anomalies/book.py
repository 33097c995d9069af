"""The detector's bookkeeping, pure: which facts an event changes, which cases to judge
again because of it, and what a case shows that was not recorded yet.

The facts live in a ``FactBook``: the anomaly consumer keeps them in PostgreSQL, in the
transaction of its offsets; ``InMemoryFactBook`` keeps them in dicts (tests). A case is
judged again when its own events arrive, and when the power list or the declared-interest
register changes for it (its item, its applicant), so that a finding does not depend on
which partition of the topic was read first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from domain.anomalies.catalogue import Catalogue
from domain.anomalies.detection import Detection, evaluate
from domain.anomalies.facts import (
    Event,
    Facts,
    calendar_apply,
    case_apply,
    department_apply,
    interest_apply,
    item_apply,
    stream_and_kind,
)
from domain.anomalies.rules import Context
from domain.calendar import WorkingCalendar, default_calendar, with_published
from domain.hall_calendar import HallCalendar
from domain.service_item import ServiceItem

CASE, ITEM, INTEREST, DEPARTMENT, CALENDAR = "case", "item", "interest", "department", "calendar"
STREAMS = frozenset({"case", "service_item", "declared_interest", "hall_calendar"})
"""The aggregates whose events the detector reads (it never reads its own anomalies)."""


class FactBook(Protocol):
    """Where the detector keeps its facts, by kind and key."""

    def load(self, kind: str, key: str) -> Facts | None:
        """The facts of ``kind`` under ``key``, or None."""

    def save(self, kind: str, key: str, facts: Facts) -> None:
        """Keep ``facts`` of ``kind`` under ``key``."""

    def cases_with(self, field: str, value: str) -> list[Facts]:
        """The cases whose ``item_code`` or ``subject`` (``field``) is ``value``."""

    def interests_in(self, subject: str) -> list[Facts]:
        """The declared interests in the applicant ``subject``."""


def observe(book: FactBook, event: Event) -> list[Facts]:
    """Apply ``event`` (current version) to the facts in ``book``; the cases to judge."""
    stream, _ = stream_and_kind(event)
    key = event["subject"]
    if stream == "case":
        case = case_apply(book.load(CASE, key), event)
        if case is None:
            return []
        book.save(CASE, key, case)
        department = case["department"]
        counts = book.load(DEPARTMENT, department)
        changed = department_apply(counts, event, department)
        if changed is not None and changed is not counts:
            book.save(DEPARTMENT, department, changed)
        return [case]
    if stream == "service_item":
        item = item_apply(book.load(ITEM, key), event)
        if item is None:
            return []
        book.save(ITEM, key, item)
        return book.cases_with("item_code", item["code"])
    if stream == "declared_interest":
        interest = interest_apply(book.load(INTEREST, key), event)
        if interest is None:
            return []
        book.save(INTEREST, key, interest)
        return book.cases_with("subject", interest["subject"])
    if stream == "hall_calendar":
        published = calendar_apply(book.load(CALENDAR, key), event)
        if published is not None:
            book.save(CALENDAR, key, published)
    return []


def calendar(book: FactBook, base: WorkingCalendar | None = None) -> WorkingCalendar:
    """The working-day calendar: ``base`` (the seeded years) and the years published."""
    published = book.load(CALENDAR, str(HallCalendar.ID))
    base = base or default_calendar()
    return with_published(base, published["years"]) if published else base


def judge(
    book: FactBook,
    catalogue: Catalogue,
    case: Facts,
    working: WorkingCalendar,
    today: date | None = None,
) -> list[Detection]:
    """What ``case`` shows by every rule and was not recorded for it yet."""
    subject = case["subject"]
    context = Context(
        calendar=working,
        item=book.load(ITEM, str(ServiceItem.id_for(case["item_code"]))),
        interests=tuple(book.interests_in(subject)) if subject else (),
        department=book.load(DEPARTMENT, case["department"]),
        today=today,
    )
    recorded = set(case["detected"])
    return [d for d in evaluate(catalogue, case, context) if str(d.id) not in recorded]


def noted(case: Facts, detections: Iterable[Detection]) -> Facts:
    """The case's facts with ``detections`` noted as recorded."""
    return {**case, "detected": [*case["detected"], *(str(d.id) for d in detections)]}


class InMemoryFactBook:
    """Facts kept in dicts, for tests."""

    def __init__(self) -> None:
        self.facts: dict[tuple[str, str], Facts] = {}

    def load(self, kind: str, key: str) -> Facts | None:
        """The facts of ``kind`` under ``key``, or None."""
        return self.facts.get((kind, key))

    def save(self, kind: str, key: str, facts: Facts) -> None:
        """Keep ``facts`` of ``kind`` under ``key``."""
        self.facts[kind, key] = facts

    def cases_with(self, field: str, value: str) -> list[Facts]:
        """The cases whose ``field`` is ``value``."""
        return [f for (kind, _), f in self.facts.items() if kind == CASE and f[field] == value]

    def interests_in(self, subject: str) -> list[Facts]:
        """The declared interests in ``subject``."""
        return [
            f for (kind, _), f in self.facts.items() if kind == INTEREST and f["subject"] == subject
        ]
