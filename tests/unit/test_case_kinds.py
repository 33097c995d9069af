"""The read side's names for the case's events come from the event classes."""

from __future__ import annotations

from domain.case import TERMINAL_STATES, kinds
from domain.event_schemas import registry


def test_the_groups_name_the_events_that_do_it() -> None:
    assert {"not_accepted", "completed", "withdrawn", "terminated", "forwarded"} == kinds.CLOSING
    assert {"special_procedure_started", "suspended"} == kinds.PAUSING
    assert {"special_procedure_ended", "resumed", "supplement_provided_in_review"} == kinds.RESUMING
    assert (
        kinds.RESUMING
        | {
            "accepted",
            "deemed_accepted",
            "deadline_extended",
            "deadline_recomputed",
        }
        == kinds.DEADLINE_MOVING
    )


def test_an_acceptance_by_the_clerk_or_by_law_accepts() -> None:
    assert {"accepted", "deemed_accepted"} == kinds.ACCEPTING


def test_a_closed_case_has_the_status_of_the_event_that_closed_it() -> None:
    assert kinds.CLOSING == TERMINAL_STATES


def test_every_kind_is_a_registered_event_type() -> None:
    registered = {t.split(".")[2] for t in registry() if t.startswith("casetrail.case.")}
    groups = (
        kinds.ACCEPTING | kinds.CLOSING | kinds.PAUSING | kinds.RESUMING | kinds.DEADLINE_MOVING
    )
    assert groups <= registered


def test_a_supplement_notice_stops_the_clock_only_in_review() -> None:
    assert kinds.stops_clock("supplement_requested", {"stage": "review"})
    assert not kinds.stops_clock("supplement_requested", {"stage": "intake"})
    assert kinds.stops_clock("suspended", {})
    assert not kinds.stops_clock("resumed", {})
