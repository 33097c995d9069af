"""The detector's facts kept a batch at a time (``BatchFactBook``): the same facts and
findings as kept event by event, and an event it drops leaves nothing behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.anomalies.book import (
    BatchFactBook,
    FactBook,
    InMemoryFactBook,
    calendar,
    judge,
    noted,
    observe,
)
from domain.clock import SimulatedClock
from domain.upcasting import current_event
from infra.entrypoints.demo import generate
from tests.unit.conftest import START, make_app
from tests.unit.test_anomaly_rules import CATALOGUE, RELATIVE, Hall, declare, published

Event = dict[str, Any]


@pytest.fixture(scope="module")
def demo_events() -> list[Event]:
    """A demo hall's events: its journeys trip most rules, and its items and interests
    make the detector search the facts."""
    app = make_app()
    assert isinstance(app.clock, SimulatedClock)
    generate(app, app.clock, cases=40, days=60, until=START + timedelta(days=60))
    hall = Hall()
    declare(hall)
    hall.submit(id_number=RELATIVE)
    return [current_event(e) for e in [*published(app), *hall.events()]]


def detect(book: FactBook, event: Event) -> list[str]:
    """What the detector does with one event: the ids of the anomalies it finds."""
    found = []
    cases = observe(book, event)
    working = calendar(book)
    for case in cases:
        new = judge(book, CATALOGUE, case, working)
        if new:
            book.save("case", case["case_id"], noted(case, new))
        found += [str(d.id) for d in new]
    return sorted(found)


@pytest.mark.parametrize("size", [1, 7, 500])
def test_batches_keep_the_facts_and_findings_of_single_events(
    demo_events: list[Event], size: int
) -> None:
    one_by_one = InMemoryFactBook()
    expected = [detect(one_by_one, event) for event in demo_events]
    assert sum(map(len, expected)) > 10  # the demo trips rules
    store, got = InMemoryFactBook(), []
    for start in range(0, len(demo_events), size):
        batch = BatchFactBook(store)
        for event in demo_events[start : start + size]:
            got.append(detect(batch, event))
            batch.take()
        for kind, key, facts in batch.changes():
            store.save(kind, key, facts)
    assert got == expected
    assert store.facts == one_by_one.facts


def test_a_dropped_event_is_as_if_never_seen(demo_events: list[Event]) -> None:
    kept = [event for n, event in enumerate(demo_events) if n % 5]
    never_seen = InMemoryFactBook()
    expected = [detect(never_seen, event) for event in kept]
    store, got = InMemoryFactBook(), []
    batch = BatchFactBook(store)
    for n, event in enumerate(demo_events):
        found = detect(batch, event)
        if n % 5:
            got.append(found)
            batch.take()
        else:
            batch.drop()
    assert store.facts == {}  # nothing is written before the batch's end
    for kind, key, facts in batch.changes():
        store.save(kind, key, facts)
    assert got == expected
    assert store.facts == never_seen.facts


def test_searches_see_the_batch_changes(demo_events: list[Event]) -> None:
    store = InMemoryFactBook()
    batch = BatchFactBook(store)
    for event in demo_events:
        detect(batch, event)
        batch.take()
    cases = [facts for kind, _, facts in batch.changes() if kind == "case"]
    for case in cases[:20]:
        found = batch.cases_with("item_code", case["item_code"])
        assert case in found
        assert found == sorted(found, key=lambda facts: facts["case_id"])
    moved = {**cases[0], "item_code": "ELSEWHERE"}
    batch.save("case", moved["case_id"], moved)
    assert moved not in batch.cases_with("item_code", cases[0]["item_code"])
    assert batch.cases_with("item_code", "ELSEWHERE") == [moved]


def test_an_event_reads_its_own_changes_until_dropped() -> None:
    store = InMemoryFactBook()
    store.save("department", "SCJG", {"officers": {}})
    batch = BatchFactBook(store)
    batch.save("department", "SCJG", {"officers": {"officer-1": {"accepted": 1}}})
    assert batch.load("department", "SCJG") == {"officers": {"officer-1": {"accepted": 1}}}
    batch.take()
    batch.save("department", "SCJG", {"officers": {"officer-1": {"accepted": 2}}})
    assert batch.load("department", "SCJG") == {"officers": {"officer-1": {"accepted": 2}}}
    batch.drop()
    assert batch.load("department", "SCJG") == {"officers": {"officer-1": {"accepted": 1}}}
    assert store.load("department", "SCJG") == {"officers": {}}
