"""The first lifecycle slice: every valid and every invalid transition."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from domain.case import Case
from domain.errors import InvalidCommand, InvalidTransition
from tests.unit.conftest import CLERK

AT = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
ACTIONS: dict[str, Callable[[Case], None]] = {
    "accept": lambda c: c.accept(at=AT, actor=CLERK),
    "not-accept": lambda c: c.not_accept(at=AT, actor=CLERK, reason="r", legal_basis="b"),
    "decide": lambda c: c.decide(at=AT, actor=CLERK, outcome="approved"),
    "complete": lambda c: c.complete(at=AT, actor=CLERK),
    "withdraw": lambda c: c.withdraw(at=AT, actor=CLERK, reason="changed my mind"),
}
# The paths that lead to each state, from a fresh submission.
PATHS = {
    "submitted": [],
    "accepted": ["accept"],
    "not_accepted": ["not-accept"],
    "decided": ["accept", "decide"],
    "completed": ["accept", "decide", "complete"],
    "withdrawn": ["withdraw"],
}
ALLOWED = {
    ("submitted", "accept"): "accepted",
    ("submitted", "not-accept"): "not_accepted",
    ("submitted", "withdraw"): "withdrawn",
    ("accepted", "decide"): "decided",
    ("accepted", "withdraw"): "withdrawn",
    ("decided", "complete"): "completed",
    ("decided", "withdraw"): "withdrawn",
}


def case_in(state: str, new_case: Callable[[], Case]) -> Case:
    case = new_case()
    for action in PATHS[state]:
        ACTIONS[action](case)
    assert case.status == state
    return case


@pytest.mark.parametrize("state", PATHS)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_transition(state: str, action: str, new_case: Callable[[], Case]) -> None:
    case = case_in(state, new_case)
    version = case.version
    if (state, action) in ALLOWED:
        ACTIONS[action](case)
        assert case.status == ALLOWED[state, action]
        assert case.version == version + 1
    else:
        with pytest.raises(InvalidTransition) as caught:
            ACTIONS[action](case)
        assert caught.value.state == state
        assert caught.value.action == action
        assert f"'{state}'" in str(caught.value) and action in str(caught.value)
        assert case.version == version


def test_events_record_the_actor(new_case: Callable[[], Case]) -> None:
    case = case_in("completed", new_case)
    events = case.collect_events()
    assert [e.actor for e in events] == [CLERK.as_dict()] * 4  # type: ignore[attr-defined]


def test_denial_needs_reasons_and_legal_basis(new_case: Callable[[], Case]) -> None:
    case = case_in("accepted", new_case)
    with pytest.raises(InvalidCommand, match="reasons, legal_basis"):
        case.decide(at=AT, actor=CLERK, outcome="denied")
    case.decide(at=AT, actor=CLERK, outcome="denied", reasons="不符合条件", legal_basis="第38条")
    case.complete(at=AT, actor=CLERK)
    assert case.result == "other"


def test_not_accepting_needs_a_reason(new_case: Callable[[], Case]) -> None:
    case = new_case()
    with pytest.raises(InvalidCommand, match="reason"):
        case.not_accept(at=AT, actor=CLERK, reason=" ", legal_basis="第32条")
    assert case.status == "submitted"


def test_unknown_outcome_channel_and_result_are_refused(new_case: Callable[[], Case]) -> None:
    case = case_in("accepted", new_case)
    with pytest.raises(InvalidCommand, match="outcome"):
        case.decide(at=AT, actor=CLERK, outcome="maybe")
    case.decide(at=AT, actor=CLERK, outcome="approved")
    with pytest.raises(InvalidCommand, match="result"):
        case.complete(at=AT, actor=CLERK, result="lost")
    case.complete(at=AT, actor=CLERK)
    assert case.result == "certificate_issued"
