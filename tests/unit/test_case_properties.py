"""Random command sequences never reach an invalid state; closed cases stay closed; the
remaining days never grow except through the end of a pause or an extension; a
completion is on time exactly when its days used are within the limit (+ extension)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.case import (
    TERMINAL_STATES,
    Completed,
    DeadlineExtended,
    DeadlineRecomputed,
    Resumed,
    SpecialProcedureEnded,
    SupplementProvidedInReview,
    local_date,
)
from domain.chain import verify_chain
from domain.errors import DomainError
from domain.events import ChainedEvent, hashed_document
from tests.unit.conftest import CALENDAR, START, submitted_case
from tests.unit.test_case_lifecycle import ACTIONS, STATES

STATUSES = {"submitted", "awaiting_supplement", "in_review", "decided", *TERMINAL_STATES}
# Events after which the remaining days may grow.
GIVE_TIME = (
    SupplementProvidedInReview,
    SpecialProcedureEnded,
    Resumed,
    DeadlineExtended,
    DeadlineRecomputed,
)
steps = st.lists(
    st.tuples(st.sampled_from(sorted(ACTIONS)), st.integers(min_value=0, max_value=4)),
    max_size=25,
)


@settings(max_examples=400, deadline=None)
@given(steps)
def test_random_commands_keep_the_case_valid(commands: list[tuple[str, int]]) -> None:
    case = submitted_case()
    history = list(case.collect_events())
    at = START
    remaining = None
    for action, days_later in commands:
        at += timedelta(days=days_later)
        before, version = case.status, case.version
        try:
            ACTIONS[action](case, at)
        except DomainError:
            assert (case.status, case.version) == (before, version)  # refused: unchanged
            continue
        assert case.status in STATUSES
        if before in TERMINAL_STATES:
            assert case.status == before, f"{action} reopened a {before} case"
        new = case.collect_events()
        history.extend(new)
        for event in new:
            if isinstance(event, Completed) and event.days_used is not None:
                assert case.statutory_limit is not None and event.statutory_days_used is not None
                promised = case.require_terms().promised_limit.days + case.extension_days
                statutory = case.statutory_limit.days + case.extension_days
                assert event.on_time_promised == (event.days_used <= promised)
                assert event.on_time_statutory == (event.statutory_days_used <= statutory)
        now = case.clock(CALENDAR, local_date(at))["working_days_remaining"]
        gave_time = any(isinstance(e, GIVE_TIME) for e in new)
        if remaining is not None and now is not None and not gave_time:
            assert now <= remaining, f"{action} gave the case more time"
        remaining = now
    assert len(history) == case.version
    verify_chain(
        [hashed_document(e) for e in history if isinstance(e, ChainedEvent)], head=case.head_hash
    )


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(TERMINAL_STATES)), st.lists(st.sampled_from(sorted(ACTIONS))))
def test_closed_cases_never_change_state(state: str, actions: list[str]) -> None:
    case = submitted_case()
    for action in STATES[state]:
        ACTIONS[action](case)
    for action in actions:
        try:
            ACTIONS[action](case)
        except DomainError:
            continue
        assert action == "rate", f"{action} was allowed on a {state} case"
    assert case.status == state
