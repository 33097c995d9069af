"""The detector's bookkeeping, pure: which facts an event changes, which cases to judge
again because of it, and what a case shows that was not recorded yet.

The facts live in a ``FactBook``: the anomaly consumer keeps them in PostgreSQL, in the
transaction of its offsets, read and written once a batch through a ``BatchFactBook``;
``InMemoryFactBook`` keeps them in dicts (tests). A case is
judged again when its own events arrive, and when the power list or the declared-interest
register changes for it (its item, its applicant), so that a finding does not depend on
which partition of the topic was read first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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
KEYS = {CASE: "case_id", INTEREST: "interest_id"}
"""The field holding the key, for the kinds a ``FactBook`` is searched in."""
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


class BatchFactBook:
    """A ``FactBook`` over ``store`` for one batch of events: each fact and search read
    from the store once, every change kept in memory and handed back by ``changes`` at
    the batch's end. An event's changes stay apart until it is taken (``take``), so an
    event the facts cannot take leaves nothing of itself behind (``drop``)."""

    def __init__(self, store: FactBook) -> None:
        self.store = store
        self._read: dict[tuple[str, str], Facts | None] = {}
        self._searched: dict[tuple[str, str, str], list[Facts]] = {}
        self._taken: dict[str, dict[str, Facts]] = {}
        self._pending: dict[str, dict[str, Facts]] = {}

    def preload(self, kind: str, found: Mapping[str, Facts | None]) -> None:
        """Take ``found`` (key: facts or None) as read from the store."""
        self._read.update(((kind, key), facts) for key, facts in found.items())

    def load(self, kind: str, key: str) -> Facts | None:
        """The facts of ``kind`` under ``key``, as changed in the batch, or None."""
        for layer in (self._pending, self._taken):
            if key in layer.get(kind, {}):
                return layer[kind][key]
        if (kind, key) not in self._read:
            self._read[kind, key] = self.store.load(kind, key)
        return self._read[kind, key]

    def save(self, kind: str, key: str, facts: Facts) -> None:
        """Keep ``facts`` of ``kind`` under ``key`` with the event's changes."""
        self._pending.setdefault(kind, {})[key] = facts

    def cases_with(self, field: str, value: str) -> list[Facts]:
        """The cases whose ``item_code`` or ``subject`` (``field``) is ``value``."""
        found = self._search(CASE, field, value, lambda: self.store.cases_with(field, value))
        return self._merged(CASE, found, lambda facts: facts[field] == value)

    def interests_in(self, subject: str) -> list[Facts]:
        """The declared interests in the applicant ``subject``."""
        found = self._search(INTEREST, "subject", subject, lambda: self.store.interests_in(subject))
        return self._merged(INTEREST, found, lambda facts: facts["subject"] == subject)

    def take(self) -> None:
        """Keep the event's changes for the batch."""
        for kind, changed in self._pending.items():
            self._taken.setdefault(kind, {}).update(changed)
        self._pending.clear()

    def drop(self) -> None:
        """Forget the event's changes."""
        self._pending.clear()

    def changes(self) -> list[tuple[str, str, Facts]]:
        """What the batch's taken events changed: (kind, key, facts), each fact once."""
        return [
            (kind, key, facts) for kind, kept in self._taken.items() for key, facts in kept.items()
        ]

    def _search(
        self, kind: str, field: str, value: str, search: Callable[[], list[Facts]]
    ) -> list[Facts]:
        if (kind, field, value) not in self._searched:
            self._searched[kind, field, value] = search()
        return self._searched[kind, field, value]

    def _merged(
        self, kind: str, found: list[Facts], wanted: Callable[[Facts], bool]
    ) -> list[Facts]:
        """The store's ``found`` facts of ``kind`` with the batch's changes, by key."""
        merged = {facts[KEYS[kind]]: facts for facts in found}
        for layer in (self._taken, self._pending):
            for key, facts in layer.get(kind, {}).items():
                if wanted(facts):
                    merged[key] = facts
                else:
                    merged.pop(key, None)
        return [merged[key] for key in sorted(merged)]
