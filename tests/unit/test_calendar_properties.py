"""Properties of working-day deadlines over the published years and beyond."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.calendar import Pause, WorkingCalendar, default_calendar

CAL: WorkingCalendar = default_calendar()

starts = st.dates(min_value=date(2004, 1, 1), max_value=date(2027, 12, 31))
limits = st.integers(min_value=1, max_value=60)


@st.composite
def closed_pauses(draw: st.DrawFn) -> list[Pause]:
    """Zero to three resumed pauses of up to 40 days, in the years around the starts."""
    pauses = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        start = draw(starts)
        pauses.append(Pause(start, start + timedelta(days=draw(st.integers(0, 40)))))
    return pauses


fast = settings(max_examples=150, deadline=None)


@fast
@given(starts, limits, closed_pauses())
def test_the_deadline_is_an_unpaused_working_day_after_the_start(
    start: date, days: int, pauses: list[Pause]
) -> None:
    end = CAL.add_working_days(start, days, pauses).date
    assert end is not None and end > start
    assert CAL.is_working_day(end)
    assert not any(p.covers(end) for p in pauses)


@fast
@given(starts, limits, st.integers(min_value=0, max_value=30), closed_pauses())
def test_more_days_never_give_an_earlier_deadline(
    start: date, days: int, more: int, pauses: list[Pause]
) -> None:
    shorter = CAL.add_working_days(start, days, pauses).date
    longer = CAL.add_working_days(start, days + more, pauses).date
    assert shorter is not None and longer is not None
    assert longer >= shorter


@fast
@given(starts, limits, closed_pauses(), st.booleans())
def test_a_pause_never_makes_the_deadline_earlier(
    start: date, days: int, pauses: list[Pause], still_open: bool
) -> None:
    unpaused = CAL.add_working_days(start, days).date
    if still_open and pauses:
        pauses = [*pauses[:-1], Pause(pauses[-1].start)]
    paused = CAL.add_working_days(start, days, pauses).date
    assert unpaused is not None
    assert paused is None or paused >= unpaused


@fast
@given(starts, limits)
def test_the_working_days_up_to_the_deadline_are_the_limit(start: date, days: int) -> None:
    deadline = CAL.add_working_days(start, days)
    assume(not deadline.provisional)
    assert deadline.date is not None
    assert CAL.working_days_between(start, deadline.date) == days


@fast
@given(starts, limits, closed_pauses())
def test_the_unpaused_working_days_up_to_the_deadline_are_the_limit(
    start: date, days: int, pauses: list[Pause]
) -> None:
    deadline = CAL.add_working_days(start, days, pauses)
    assert deadline.date is not None
    assert CAL.working_days_between(start, deadline.date, pauses) == days
