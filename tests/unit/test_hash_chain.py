"""The per-case hash chain detects any altered, removed or reordered event."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.case import Case
from domain.chain import GENESIS, ChainBroken, chain_hash, verify_chain
from domain.events import ChainedEvent, hashed_document
from tests.unit.test_case_lifecycle import case_in

AT = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def chain(new_case: Callable[[], Case]) -> list[dict[str, Any]]:
    case = case_in("completed", new_case)
    events = case.collect_events()
    return [hashed_document(e) for e in events if isinstance(e, ChainedEvent)]


def test_an_untouched_chain_verifies(chain: list[dict[str, Any]]) -> None:
    verify_chain(chain)
    assert chain[0]["prevhash"] == GENESIS
    assert all(later["prevhash"] == earlier["hash"] for earlier, later in itertools.pairwise(chain))


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["data"]["actor"].update(id="someone-else"),
        lambda d: d.update(time="2026-03-04T02:00:00+00:00"),
        lambda d: d.update(type="casetrail.case.withdrawn.v1"),
    ],
    ids=["actor", "time", "type"],
)
@pytest.mark.parametrize("index", range(4))
def test_any_altered_event_is_detected(
    chain: list[dict[str, Any]], index: int, edit: Callable[[dict[str, Any]], None]
) -> None:
    tampered = copy.deepcopy(chain)
    edit(tampered[index])
    with pytest.raises(ChainBroken, match=f"event {index + 1}"):
        verify_chain(tampered)


def test_rehashing_an_altered_event_breaks_the_next_link(chain: list[dict[str, Any]]) -> None:
    tampered = copy.deepcopy(chain)
    tampered[1]["data"]["actor"]["id"] = "someone-else"
    tampered[1]["hash"] = chain_hash(tampered[1])
    with pytest.raises(ChainBroken, match="event 3"):
        verify_chain(tampered)


@pytest.mark.parametrize("index", range(4))
def test_a_removed_event_is_detected(chain: list[dict[str, Any]], index: int) -> None:
    with pytest.raises(ChainBroken):
        verify_chain(chain[:index] + chain[index + 1 :], head=chain[-1]["hash"])


def test_without_a_known_head_only_a_cut_at_the_end_goes_unseen(
    chain: list[dict[str, Any]],
) -> None:
    verify_chain(chain[:3])
    with pytest.raises(ChainBroken, match="expected head"):
        verify_chain(chain[:3], head=chain[3]["hash"])


def test_reordered_events_are_detected(chain: list[dict[str, Any]]) -> None:
    with pytest.raises(ChainBroken):
        verify_chain([chain[0], chain[2], chain[1], chain[3]])


def test_an_event_of_another_case_is_detected(
    chain: list[dict[str, Any]], new_case: Callable[[], Case]
) -> None:
    other = hashed_document(new_case().collect_events()[0])  # type: ignore[arg-type]
    with pytest.raises(ChainBroken, match="belongs to case"):
        verify_chain([*chain, other])
