"""Random command sequences never reach an invalid state, and closed cases stay closed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.chain import verify_chain
from domain.errors import DomainError
from domain.events import ChainedEvent, hashed_document
from tests.unit.conftest import submitted_case
from tests.unit.test_case_lifecycle import ACTIONS

TERMINAL = {"not_accepted", "completed", "withdrawn"}
# What each state may become next.
SUCCESSORS = {
    "submitted": {"accepted", "not_accepted", "withdrawn"},
    "accepted": {"decided", "withdrawn"},
    "decided": {"completed", "withdrawn"},
}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(sorted(ACTIONS)), max_size=12))
def test_random_commands_keep_the_case_valid(actions: list[str]) -> None:
    case = submitted_case()
    for action in actions:
        before, version = case.status, case.version
        try:
            ACTIONS[action](case)
        except DomainError:
            assert (case.status, case.version) == (before, version)  # refused: unchanged
            continue
        assert before not in TERMINAL, f"{action} changed a {before} case"
        assert case.status in SUCCESSORS[before]
        assert case.version == version + 1
    events = [e for e in case.collect_events() if isinstance(e, ChainedEvent)]
    assert len(events) == case.version
    verify_chain([hashed_document(e) for e in events], head=case.head_hash)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(sorted(TERMINAL)), st.lists(st.sampled_from(sorted(ACTIONS)), min_size=1))
def test_closed_cases_refuse_every_action(state: str, actions: list[str]) -> None:
    case = submitted_case()
    path = {
        "not_accepted": ["not-accept"],
        "completed": ["accept", "decide", "complete"],
        "withdrawn": ["withdraw"],
    }[state]
    for action in path:
        ACTIONS[action](case)
    for action in actions:
        try:
            ACTIONS[action](case)
        except DomainError:
            continue
        raise AssertionError(f"{action} was allowed on a {state} case")
    assert case.status == state
