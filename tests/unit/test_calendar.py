"""The working-day calendar: statutory deadlines around the 2025 and 2026 holidays."""

from __future__ import annotations

from datetime import date

import pytest

from domain.calendar import (
    Deadline,
    Pause,
    WorkingCalendar,
    YearSchedule,
    add_natural_days,
    default_calendar,
    natural_days_between,
    seed_from_chinesecalendar,
)
from domain.errors import InvalidCommand

D = date
EXTENSION = 10


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return default_calendar()


DEADLINES = [
    # --- Spring Festival 2025: off 01-28 (Tue)..02-04 (Tue); make-up 01-26 Sun, 02-08 Sat.
    # Accepted Fri 01-24; 01-25 Sat off; 01-26 Sun is a make-up day → 1st working day.
    pytest.param(D(2025, 1, 24), 1, (), D(2025, 1, 26), id="sf25-1"),
    # Accepted Mon 01-27; 01-28..02-04 off → 1st is Wed 02-05.
    pytest.param(D(2025, 1, 27), 1, (), D(2025, 2, 5), id="sf25-1-before-holiday"),
    # 01-26, 01-27, [01-28..02-04 off], 02-05, 02-06, 02-07 → 5th is Fri 02-07.
    pytest.param(D(2025, 1, 24), 5, (), D(2025, 2, 7), id="sf25-5"),
    # 1-5 as above, 6: 02-08 Sat (make-up), 7-11: 02-10..14, 12-16: 02-17..21,
    # 17-20: 02-24..27 → Thu 02-27.
    pytest.param(D(2025, 1, 24), 20, (), D(2025, 2, 27), id="sf25-20"),
    # 20: 02-27, 21: 02-28, 22-41: the four full weeks 03-03..03-28 (no holidays),
    # 42-45: 03-31..04-03 → Thu 04-03 (the day before Qingming 04-04).
    pytest.param(D(2025, 1, 24), 45, (), D(2025, 4, 3), id="sf25-45"),
    # 45: 04-03, 04-04..04-06 Qingming off, 46-50: 04-07..11, 51-55: 04-14..18 → Fri 04-18.
    pytest.param(D(2025, 1, 24), 45 + EXTENSION, (), D(2025, 4, 18), id="sf25-45+ext"),
    # Pause 01-24 → 02-07 stops 01-26..02-07 (five working days); 1: 02-08 Sat make-up,
    # 2-6: 02-10..14 → Fri 02-14.
    pytest.param(
        D(2025, 1, 24), 6, (Pause(D(2025, 1, 24), D(2025, 2, 7)),), D(2025, 2, 14), id="sf25-pause"
    ),
    # --- Labour Day 2025: off 05-01 (Thu)..05-05 (Mon); make-up 04-27 Sun.
    # Accepted Fri 04-25; 04-26 Sat off; 04-27 Sun make-up → 1st.
    pytest.param(D(2025, 4, 25), 1, (), D(2025, 4, 27), id="ld25-1"),
    # Accepted Sat 04-26 (online) → 1st is the make-up Sunday 04-27.
    pytest.param(D(2025, 4, 26), 1, (), D(2025, 4, 27), id="ld25-1-accepted-saturday"),
    # Accepted Tue 04-29: 1: 04-30, [05-01..05-05 off], 2-5: 05-06..09 → Fri 05-09.
    pytest.param(D(2025, 4, 29), 5, (), D(2025, 5, 9), id="ld25-5"),
    # 1-4: 04-27..30, 5-8: 05-06..09, 9-13: 05-12..16, 14-18: 05-19..23,
    # 19-20: 05-26..27 → Tue 05-27.
    pytest.param(D(2025, 4, 25), 20, (), D(2025, 5, 27), id="ld25-20"),
    # As ld25-20 but 05-07, 05-08, 05-09 are paused (pause 05-06 → 05-09; 05-06 itself
    # counts) → three more: 05-28, 05-29, 05-30 → Fri 05-30.
    pytest.param(
        D(2025, 4, 25), 20, (Pause(D(2025, 5, 6), D(2025, 5, 9)),), D(2025, 5, 30), id="ld25-pause"
    ),
    # Pause 04-30 → 05-06 over the holiday stops only one working day (05-06) → 05-28.
    pytest.param(
        D(2025, 4, 25),
        20,
        (Pause(D(2025, 4, 30), D(2025, 5, 6)),),
        D(2025, 5, 28),
        id="ld25-pause-over-holiday",
    ),
    # ld25-20 + 10: 21-23: 05-28..30, [05-31..06-02 Dragon Boat off], 24-27: 06-03..06,
    # 28-30: 06-09..11 → Wed 06-11.
    pytest.param(D(2025, 4, 25), 20 + EXTENSION, (), D(2025, 6, 11), id="ld25-20+ext"),
    # --- National Day 2025: off 10-01 (Wed)..10-08 (Wed); make-up 09-28 Sun, 10-11 Sat.
    # Accepted Fri 09-26; 09-27 Sat off; 09-28 Sun make-up → 1st.
    pytest.param(D(2025, 9, 26), 1, (), D(2025, 9, 28), id="nd25-1"),
    # Accepted Tue 09-30; 10-01..10-08 off → 1st is Thu 10-09.
    pytest.param(D(2025, 9, 30), 1, (), D(2025, 10, 9), id="nd25-1-before-holiday"),
    # 09-28, 09-29, 09-30, [10-01..10-08 off], 10-09, 10-10 → Fri 10-10.
    pytest.param(D(2025, 9, 26), 5, (), D(2025, 10, 10), id="nd25-5"),
    # Accepted 09-30: 10-09, 10-10, 10-11 Sat (make-up), 10-13, 10-14 → Tue 10-14.
    pytest.param(D(2025, 9, 30), 5, (), D(2025, 10, 14), id="nd25-5-from-eve"),
    # 1-5 as nd25-5, 6: 10-11 Sat, 7-11: 10-13..17, 12-16: 10-20..24, 17-20: 10-27..30
    # → Thu 10-30.
    pytest.param(D(2025, 9, 26), 20, (), D(2025, 10, 30), id="nd25-20"),
    # 21: 10-31, 22-41: four full weeks 11-03..11-28, 42-45: 12-01..04 → Thu 12-04.
    pytest.param(D(2025, 9, 26), 45, (), D(2025, 12, 4), id="nd25-45"),
    # 46: 12-05, 47-51: 12-08..12, 52-55: 12-15..18 → Thu 12-18.
    pytest.param(D(2025, 9, 26), 45 + EXTENSION, (), D(2025, 12, 18), id="nd25-45+ext"),
    # Pause 10-09 → 10-15 stops 10-10, 10-11 (make-up), 10-13, 10-14, 10-15: 1-4 as nd25-5,
    # 5th is Thu 10-16.
    pytest.param(
        D(2025, 9, 26),
        5,
        (Pause(D(2025, 10, 9), D(2025, 10, 15)),),
        D(2025, 10, 16),
        id="nd25-pause",
    ),
    # Same pause, 20 days: five working days lost, so the 25th unpaused day: 10-31, 11-03..06
    # → Thu 11-06.
    pytest.param(
        D(2025, 9, 26),
        20,
        (Pause(D(2025, 10, 9), D(2025, 10, 15)),),
        D(2025, 11, 6),
        id="nd25-pause-20",
    ),
    # --- New Year 2026: off 01-01 (Thu)..01-03 (Sat); make-up 01-04 Sun.
    # Accepted Wed 2025-12-31 → 1st is the make-up Sunday 2026-01-04.
    pytest.param(D(2025, 12, 31), 1, (), D(2026, 1, 4), id="ny26-1-across-years"),
    # --- Spring Festival 2026: off 02-15 (Sun)..02-23 (Mon); make-up 02-14 Sat, 02-28 Sat.
    # Accepted Fri 02-13; 02-14 Sat make-up → 1st.
    pytest.param(D(2026, 2, 13), 1, (), D(2026, 2, 14), id="sf26-1"),
    # 02-14, [02-15..02-23 off], 02-24, 02-25, 02-26, 02-27 → Fri 02-27.
    pytest.param(D(2026, 2, 13), 5, (), D(2026, 2, 27), id="sf26-5"),
    # 1-5 as sf26-5, 6: 02-28 Sat (make-up), 7-11: 03-02..06, 12-16: 03-09..13,
    # 17-20: 03-16..19 → Thu 03-19.
    pytest.param(D(2026, 2, 13), 20, (), D(2026, 3, 19), id="sf26-20"),
    # 21: 03-20, 22-26: 03-23..27, 27-31: 03-30..04-03, [04-04..04-06 Qingming off],
    # 32-35: 04-07..10, 36-40: 04-13..17, 41-45: 04-20..24 → Fri 04-24.
    pytest.param(D(2026, 2, 13), 45, (), D(2026, 4, 24), id="sf26-45"),
    # Accepted Mon 02-09, pause 02-11 → 02-26 (02-11 itself counts): 1: 02-10, 2: 02-11,
    # [02-12..02-26 paused], 3: 02-27, 4: 02-28 Sat, 5-9: 03-02..06, 10-14: 03-09..13,
    # 15-19: 03-16..20, 20: 03-23 → Mon 03-23.
    pytest.param(
        D(2026, 2, 9), 20, (Pause(D(2026, 2, 11), D(2026, 2, 26)),), D(2026, 3, 23), id="sf26-pause"
    ),
    # 46-49: 04-27..30, [05-01..05-05 Labour Day off], 50-52: 05-06..08, 53: 05-09 Sat
    # (make-up), 54-55: 05-11..12 → Tue 05-12.
    pytest.param(D(2026, 2, 13), 45 + EXTENSION, (), D(2026, 5, 12), id="sf26-45+ext"),
    # --- Labour Day 2026: off 05-01 (Fri)..05-05 (Tue); make-up 05-09 Sat.
    # Accepted Thu 04-30; 05-01..05-05 off → 1st is Wed 05-06.
    pytest.param(D(2026, 4, 30), 1, (), D(2026, 5, 6), id="ld26-1"),
    # 05-06, 05-07, 05-08, 05-09 Sat (make-up), 05-11 → Mon 05-11.
    pytest.param(D(2026, 4, 30), 5, (), D(2026, 5, 11), id="ld26-5"),
    # Accepted Wed 04-29, pause 04-30 → 05-07 (04-30 itself counts): 1: 04-30,
    # [05-06, 05-07 paused], 2: 05-08, 3: 05-09 Sat (make-up), 4: 05-11, 5: 05-12 → Tue 05-12.
    pytest.param(
        D(2026, 4, 29), 5, (Pause(D(2026, 4, 30), D(2026, 5, 7)),), D(2026, 5, 12), id="ld26-pause"
    ),
    # Accepted Wed 04-29: 1: 04-30, 2-5: 05-06..09, 6-10: 05-11..15, 11-15: 05-18..22,
    # 16-20: 05-25..29 → Fri 05-29.
    pytest.param(D(2026, 4, 29), 20, (), D(2026, 5, 29), id="ld26-20"),
    # 21-25: 06-01..05, 26-30: 06-08..12 → Fri 06-12.
    pytest.param(D(2026, 4, 29), 20 + EXTENSION, (), D(2026, 6, 12), id="ld26-20+ext"),
    # 31-34: 06-15..18, [06-19 Fri Dragon Boat off], 35-39: 06-22..26, 40-44: 06-29..07-03,
    # 45: 07-06 → Mon 07-06.
    pytest.param(D(2026, 4, 29), 45, (), D(2026, 7, 6), id="ld26-45"),
    # --- National Day 2026: off 10-01 (Thu)..10-07 (Wed); make-up 09-20 Sun, 10-10 Sat;
    # Mid-Autumn 09-25 (Fri) off.
    # Accepted Fri 09-18; 09-19 Sat off; 09-20 Sun make-up → 1st.
    pytest.param(D(2026, 9, 18), 1, (), D(2026, 9, 20), id="nd26-1"),
    # Accepted Wed 09-30; 10-01..10-07 off → 1st is Thu 10-08.
    pytest.param(D(2026, 9, 30), 1, (), D(2026, 10, 8), id="nd26-1-before-holiday"),
    # 09-20, 09-21, 09-22, 09-23, 09-24 → Thu 09-24.
    pytest.param(D(2026, 9, 18), 5, (), D(2026, 9, 24), id="nd26-5"),
    # Pause 09-21 → 09-22 stops 09-22: 09-20, 09-21, 09-23, 09-24, [09-25..27 off], 09-28.
    pytest.param(
        D(2026, 9, 18), 5, (Pause(D(2026, 9, 21), D(2026, 9, 22)),), D(2026, 9, 28), id="nd26-pause"
    ),
    # Accepted 09-30: 10-08, 10-09, 10-10 Sat (make-up), 10-12, 10-13 → Tue 10-13.
    pytest.param(D(2026, 9, 30), 5, (), D(2026, 10, 13), id="nd26-5-from-eve"),
    # 1-5: 09-20..24, [09-25 off], 6-8: 09-28..30, [10-01..07 off], 9-10: 10-08..09,
    # 11: 10-10 Sat, 12-16: 10-12..16, 17-20: 10-19..22 → Thu 10-22.
    pytest.param(D(2026, 9, 18), 20, (), D(2026, 10, 22), id="nd26-20"),
    # 21: 10-23, 22-26: 10-26..30, 27-31: 11-02..06, 32-36: 11-09..13, 37-41: 11-16..20,
    # 42-45: 11-23..26 → Thu 11-26.
    pytest.param(D(2026, 9, 18), 45, (), D(2026, 11, 26), id="nd26-45"),
    # 46: 11-27, 47-51: 11-30..12-04, 52-55: 12-07..10 → Thu 12-10.
    pytest.param(D(2026, 9, 18), 45 + EXTENSION, (), D(2026, 12, 10), id="nd26-45+ext"),
]


@pytest.mark.parametrize(("accepted", "days", "pauses", "expected"), DEADLINES)
def test_deadline(
    cal: WorkingCalendar, accepted: date, days: int, pauses: tuple[Pause, ...], expected: date
) -> None:
    assert cal.add_working_days(accepted, days, pauses) == Deadline(expected, provisional=False)


def test_default_calendar_covers_what_chinesecalendar_publishes(cal: WorkingCalendar) -> None:
    assert cal.published_years == tuple(range(2004, 2027))
    assert not cal.is_published(2027)
    assert default_calendar() is cal


def test_2026_schedule_matches_the_state_council_notice() -> None:
    [schedule] = seed_from_chinesecalendar([2026])
    assert schedule.makeup_workdays == {
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    }
    for holiday in [D(2026, 1, 2), D(2026, 2, 16), D(2026, 2, 23), D(2026, 5, 5), D(2026, 10, 7)]:
        assert holiday in schedule.holidays
    assert all(d.weekday() < 5 for d in schedule.holidays)


def test_seeding_an_uncovered_year_is_refused() -> None:
    with pytest.raises(ValueError, match="2027"):
        seed_from_chinesecalendar([2027])


def test_a_limit_of_zero_ends_on_the_acceptance_day(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(D(2025, 10, 1), 0) == Deadline(D(2025, 10, 1), provisional=False)


def test_a_negative_limit_is_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(InvalidCommand, match="negative"):
        cal.add_working_days(D(2025, 10, 1), -1)


def test_an_endless_pause_is_refused_rather_than_looping(cal: WorkingCalendar) -> None:
    with pytest.raises(InvalidCommand, match="does not end"):
        cal.add_working_days(D(2025, 1, 1), 1, [Pause(D(2025, 1, 1), D(9000, 1, 1))])


# --- Unpublished years


def test_a_deadline_in_an_unpublished_year_is_provisional_until_published(
    cal: WorkingCalendar,
) -> None:
    # Accepted Thu 2026-12-10: 1-15 are 12-11..12-31; 2027 falls back to Mon-Fri, so
    # 16: Fri 2027-01-01, 17-20: 01-04..07 → Thu 2027-01-07, provisional.
    assert cal.add_working_days(D(2026, 12, 10), 20) == Deadline(D(2027, 1, 7), provisional=True)
    # Publishing 2027 with New Year's Day off moves the 20th day to Fri 01-08, for certain.
    published = cal.publish(YearSchedule(2027, holidays=frozenset({D(2027, 1, 1)})))
    assert published.is_published(2027)
    assert published.add_working_days(D(2026, 12, 10), 20) == Deadline(
        D(2027, 1, 8), provisional=False
    )
    assert not cal.is_published(2027)  # the original calendar is unchanged


@pytest.mark.parametrize(
    ("accepted", "provisional"),
    [
        pytest.param(D(2026, 12, 30), False, id="ends-12-31"),
        pytest.param(D(2026, 12, 31), True, id="ends-2027-01-01"),
    ],
)
def test_only_days_counted_over_decide_provisional(
    cal: WorkingCalendar, accepted: date, provisional: bool
) -> None:
    assert cal.add_working_days(accepted, 1).provisional is provisional


def test_an_empty_calendar_counts_monday_to_friday_provisionally() -> None:
    # Accepted Fri 2025-09-26 with no schedule at all: 09-29 Mon .. 10-03 Fri.
    assert WorkingCalendar().add_working_days(D(2025, 9, 26), 5) == Deadline(
        D(2025, 10, 3), provisional=True
    )


def test_publishing_a_year_again_replaces_it(cal: WorkingCalendar) -> None:
    [original] = seed_from_chinesecalendar([2025])
    extra_day_off = D(2025, 1, 27)  # a hypothetical correction: Mon 01-27 also off
    corrected = cal.publish(
        YearSchedule(2025, original.holidays | {extra_day_off}, original.makeup_workdays)
    )
    assert not corrected.is_working_day(extra_day_off)
    assert cal.is_working_day(extra_day_off)
    assert corrected.published_years == cal.published_years
    # Accepted Fri 01-24: 01-26 Sun make-up, then 02-05 instead of 01-27.
    assert corrected.add_working_days(D(2025, 1, 24), 2).date == D(2025, 2, 5)


# --- Invalid schedules and pauses


@pytest.mark.parametrize(
    ("holidays", "makeup", "message"),
    [
        pytest.param({D(2026, 1, 1)}, set(), "another year", id="holiday-of-another-year"),
        pytest.param(set(), {D(2024, 12, 28)}, "another year", id="makeup-of-another-year"),
        pytest.param({D(2025, 1, 26)}, {D(2025, 1, 26)}, "both", id="holiday-and-makeup"),
        pytest.param(set(), {D(2025, 1, 27)}, "weekdays", id="makeup-on-a-weekday"),
    ],
)
def test_invalid_schedules_are_refused(
    holidays: set[date], makeup: set[date], message: str
) -> None:
    with pytest.raises(InvalidCommand, match=message):
        YearSchedule(2025, frozenset(holidays), frozenset(makeup))


def test_a_weekend_holiday_may_be_listed_harmlessly() -> None:
    schedule = YearSchedule(2025, holidays=frozenset({D(2025, 10, 4)}))  # Sat
    assert WorkingCalendar([schedule]).add_working_days(D(2025, 10, 3), 1).date == D(2025, 10, 6)


def test_a_year_given_twice_is_refused() -> None:
    with pytest.raises(InvalidCommand, match="twice"):
        WorkingCalendar([YearSchedule(2025), YearSchedule(2025)])


def test_a_pause_cannot_resume_before_it_starts() -> None:
    with pytest.raises(InvalidCommand, match="before it starts"):
        Pause(D(2025, 5, 6), D(2025, 5, 5))


# --- Open pauses


def test_an_open_pause_leaves_the_deadline_undetermined(cal: WorkingCalendar) -> None:
    # Accepted Fri 2025-09-26, paused on 10-09 with no resume yet: 09-28, 09-29, 09-30 and
    # 10-09 are used, then the clock stops; 16 of 20 days remain whatever the date.
    pauses = [Pause(D(2025, 10, 9))]
    assert cal.add_working_days(D(2025, 9, 26), 20, pauses) == Deadline(None, provisional=False)
    assert cal.remaining_working_days(D(2025, 9, 26), 20, D(2025, 12, 1), pauses) == 16


def test_an_open_pause_after_the_limit_is_used_up_does_not_hide_the_deadline(
    cal: WorkingCalendar,
) -> None:
    # nd25-5 ends on Fri 10-10; a pause opened that day stops only the days after it.
    pauses = [Pause(D(2025, 10, 10))]
    assert cal.add_working_days(D(2025, 9, 26), 5, pauses).date == D(2025, 10, 10)


def test_resuming_an_open_pause_determines_the_deadline(cal: WorkingCalendar) -> None:
    # nd25-pause, first open then resumed on 10-15.
    accepted = D(2025, 9, 26)
    assert cal.add_working_days(accepted, 5, [Pause(D(2025, 10, 9))]).date is None
    resumed = [Pause(D(2025, 10, 9), D(2025, 10, 15))]
    assert cal.add_working_days(accepted, 5, resumed).date == D(2025, 10, 16)


def test_an_open_pause_in_an_unpublished_year_is_provisional(cal: WorkingCalendar) -> None:
    # Days 2027-01-01..01-05 were counted over under the Mon-Fri fallback.
    deadline = cal.add_working_days(D(2026, 12, 31), 20, [Pause(D(2027, 1, 5))])
    assert deadline == Deadline(None, provisional=True)


# --- Working days used and remaining


@pytest.mark.parametrize(
    ("start", "end", "pauses", "used"),
    [
        # 01-26 (Sun make-up), 01-27, 02-05, 02-06, 02-07.
        pytest.param(D(2025, 1, 24), D(2025, 2, 7), (), 5, id="spring-festival-2025"),
        # 10-01..10-08 are all off.
        pytest.param(D(2025, 9, 30), D(2025, 10, 8), (), 0, id="national-day-2025"),
        pytest.param(D(2025, 9, 30), D(2025, 9, 30), (), 0, id="same-day"),
        pytest.param(D(2025, 10, 9), D(2025, 9, 30), (), 0, id="end-before-start"),
        # 09-28, 09-29, 09-30, 10-09 and, after the pause ending 10-15, 10-16, 10-17.
        pytest.param(
            D(2025, 9, 26),
            D(2025, 10, 17),
            (Pause(D(2025, 10, 9), D(2025, 10, 15)),),
            6,
            id="with-pause",
        ),
    ],
)
def test_working_days_between(
    cal: WorkingCalendar, start: date, end: date, pauses: tuple[Pause, ...], used: int
) -> None:
    assert cal.working_days_between(start, end, pauses) == used


def test_remaining_goes_negative_once_overdue(cal: WorkingCalendar) -> None:
    # nd25-5 ends Fri 10-10; by Tue 10-14 three more working days (10-11 Sat, 10-13, 10-14)
    # have passed.
    assert cal.remaining_working_days(D(2025, 9, 26), 5, D(2025, 10, 10)) == 0
    assert cal.remaining_working_days(D(2025, 9, 26), 5, D(2025, 10, 14)) == -3


# --- Natural days (自然日)


@pytest.mark.parametrize(
    ("accepted", "days", "pauses", "expected"),
    [
        # Holidays count: 10-01..10-05.
        pytest.param(D(2025, 9, 30), 5, (), D(2025, 10, 5), id="over-national-day"),
        # Pause 09-30 → 10-03 stops 10-01..10-03: 10-04..10-08.
        pytest.param(
            D(2025, 9, 30), 5, (Pause(D(2025, 9, 30), D(2025, 10, 3)),), D(2025, 10, 8), id="pause"
        ),
        # Stopped after 10-01 and 10-02 are used.
        pytest.param(D(2025, 9, 30), 5, (Pause(D(2025, 10, 2)),), None, id="open-pause"),
        # 2028 leap day counts; nothing about 2028 is published, yet nothing is provisional.
        pytest.param(D(2028, 2, 27), 3, (), D(2028, 3, 1), id="leap-day"),
    ],
)
def test_natural_days(
    accepted: date, days: int, pauses: tuple[Pause, ...], expected: date | None
) -> None:
    assert add_natural_days(accepted, days, pauses) == Deadline(expected, provisional=False)


def test_natural_days_between_counts_every_day_no_pause_covers() -> None:
    assert natural_days_between(D(2026, 3, 2), D(2026, 3, 12)) == 10  # weekends count
    paused = (Pause(D(2026, 3, 4), D(2026, 3, 6)),)  # covers 03-05 and 03-06
    assert natural_days_between(D(2026, 3, 2), D(2026, 3, 12), paused) == 8
    assert natural_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0
    assert natural_days_between(D(2026, 3, 5), D(2026, 3, 2)) == 0
