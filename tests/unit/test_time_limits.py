"""What "on time" means for each clock, days counted in the limit's unit, the yellow
warning, and each handling step's own limit, through the domain.

- The statutory clock ends at the decision (Art. 42: 作出行政许可决定), the promised
  clock at completion (办结); days used and the on-time flag of each are taken at that
  same end, by the one rule ``domain.deadlines.on_time``.
- Days used and remaining are counted in the limit's unit: working days (G) or natural
  days (Z); ``working_days_*`` only for a working-day limit.
- ``warning``: the running promised clock reached the item's warning threshold.
- Each handling step is due ``limit_days`` (the statutory limit's unit) after it became
  current; its completion records its due date and whether it kept it.

Received and accepted Mon 2026-03-02 (no holiday in March 2026). SCJG-001: promised 5,
statutory 10 working days, steps 审查 3 and 决定 1; JT-001: promised 10, statutory 20
natural days, steps 审查 6 and 决定 1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.case import Case, Completed, StepCompleted
from domain.deadlines import days_left, on_time
from domain.errors import InvalidCommand
from domain.item_terms import ItemContent
from tests.unit.conftest import (
    APPROVER,
    CALENDAR,
    CLERK,
    OFFICER,
    item_content,
    submitted_case,
)

FOOD = item_content("SCJG-001")  # working days
TRANSPORT = item_content("JT-001")  # natural days


def on(day: int, month: int = 3) -> datetime:
    """09:00 in Shanghai on a day of 2026."""
    return datetime(2026, month, day, 1, 0, tzinfo=UTC)


def accepted(content: ItemContent = FOOD) -> Case:
    case = submitted_case(content)
    case.accept(at=on(2), actor=CLERK, revision=1, terms=content, calendar=CALENDAR)
    case.assign(at=on(2), actor=OFFICER, assignee="officer-1")
    return case


def step(case: Case, name: str, day: int) -> StepCompleted:
    case.complete_step(at=on(day), actor=OFFICER, step=name, opinion="agree", calendar=CALENDAR)
    event = case.collect_events()[-1]
    assert isinstance(event, StepCompleted)
    return event


def decide(case: Case, day: int) -> None:
    case.decide(at=on(day), actor=APPROVER, outcome="approved")


def complete(case: Case, day: int) -> Completed:
    case.deliver(at=on(day), actor=CLERK, method="window")
    case.complete(at=on(day), actor=OFFICER, calendar=CALENDAR)
    event = case.collect_events()[-1]
    assert isinstance(event, Completed)
    return event


def clock(case: Case, day: int) -> dict[str, Any]:
    return case.clock(CALENDAR, date(2026, 3, day))


# --- one definition of on time, at each clock's own end ---------------------------------


def test_the_one_rule_counts_the_extension() -> None:
    assert on_time(5, 5) and not on_time(6, 5) and on_time(6, 5, 1)
    assert on_time(0, 0) and not on_time(1, 0)  # an immediate item: the same day


def test_decided_on_time_but_completed_late() -> None:
    case = accepted()
    step(case, "审查", 3)
    step(case, "决定", 4)
    decide(case, 5)  # Thu: 3 working days of the statutory 10
    done = complete(case, 12)  # Thu next week: 8 working days of the promised 5
    assert (done.days_used, done.on_time_promised) == (8, False)
    assert (done.statutory_days_used, done.on_time_statutory) == (3, True)
    after = clock(case, 20)  # both clocks stopped at their ends
    assert (after["days_used"], after["on_time"], after["ended"]) == (8, False, True)
    assert (after["statutory_days_used"], after["statutory_on_time"]) == (3, True)
    assert after["statutory_ended"] and not after["warning"]


def test_decided_and_completed_within_both_limits() -> None:
    case = accepted()
    step(case, "审查", 3)
    step(case, "决定", 4)
    decide(case, 5)
    done = complete(case, 9)  # Mon: 5 working days, the promised limit's last
    assert (done.days_used, done.on_time_promised) == (5, True)
    assert (done.statutory_days_used, done.on_time_statutory) == (3, True)


def test_decided_late() -> None:
    case = accepted()
    step(case, "审查", 3)
    step(case, "决定", 4)
    decide(case, 17)  # Tue after the statutory deadline Mon 03-16: 11 working days
    assert (clock(case, 17)["statutory_on_time"], clock(case, 17)["statutory_ended"]) == (
        False,
        True,
    )
    done = complete(case, 17)
    assert (done.statutory_days_used, done.on_time_statutory) == (11, False)
    assert (done.days_used, done.on_time_promised) == (11, False)


def test_an_extension_is_part_of_the_limit() -> None:
    case = accepted()
    case.extend(
        at=on(3),
        actor=APPROVER,
        days=3,
        reason="情况复杂",
        calendar=CALENDAR,
        approved_by="department_head",
    )
    step(case, "审查", 4)
    step(case, "决定", 5)
    decide(case, 5)
    done = complete(case, 12)  # 8 working days of 5 + 3
    assert (done.days_used, done.on_time_promised) == (8, True)


def test_the_statutory_clock_stops_at_the_decision_the_promised_one_runs_on() -> None:
    case = accepted()
    step(case, "审查", 3)
    step(case, "决定", 4)
    decide(case, 5)
    later = clock(case, 11)  # decided, not yet delivered
    assert (later["statutory_days_used"], later["statutory_ended"]) == (3, True)
    assert (later["days_used"], later["days_remaining"], later["ended"]) == (7, -2, False)
    assert later["on_time"] is False  # overdue so far: the hall promised completion


# --- days counted in the limit's unit ------------------------------------------------


def test_a_working_day_limit_counts_working_days() -> None:
    friday = clock(accepted(FOOD), 6)  # Tue to Fri
    assert (friday["unit"], friday["days_used"], friday["days_remaining"]) == ("G", 4, 1)
    assert (friday["working_days_used"], friday["working_days_remaining"]) == (4, 1)
    monday = clock(accepted(FOOD), 9)  # the weekend does not count
    assert (monday["days_used"], monday["days_remaining"], monday["on_time"]) == (5, 0, True)


def test_a_natural_day_limit_counts_natural_days() -> None:
    monday = clock(accepted(TRANSPORT), 9)  # 7 calendar days, the weekend too
    assert (monday["unit"], monday["days_used"], monday["days_remaining"]) == ("Z", 7, 3)
    assert (monday["working_days_used"], monday["working_days_remaining"]) == (None, None)
    assert (monday["statutory_unit"], monday["statutory_days_remaining"]) == ("Z", 13)
    late = clock(accepted(TRANSPORT), 13)
    assert (late["days_used"], late["days_remaining"], late["on_time"]) == (11, -1, False)


@pytest.mark.parametrize(
    ("unit", "due", "today", "left"),
    [
        ("G", date(2026, 3, 9), date(2026, 3, 6), 1),  # Fri to Mon: one working day
        ("Z", date(2026, 3, 9), date(2026, 3, 6), 3),
        ("G", date(2026, 3, 9), date(2026, 3, 9), 0),
        ("G", date(2026, 3, 6), date(2026, 3, 10), -2),  # past Fri: Mon, Tue
        ("Z", date(2026, 3, 6), date(2026, 3, 10), -4),
    ],
)
def test_days_left_to_a_deadline_in_its_unit(unit: str, due: date, today: date, left: int) -> None:
    assert days_left(CALENDAR, unit, due, today) == left


# --- the yellow warning at the item's threshold -----------------------------------------


def test_the_warning_at_the_items_threshold_of_the_promised_limit() -> None:
    assert FOOD.warning_threshold_percent == 80
    case = accepted()
    assert not clock(case, 5)["warning"]  # 3 of 5 days: 60 %
    friday = clock(case, 6)  # 4 of 5 days: 80 %
    assert (friday["warning"], friday["warning_threshold_percent"]) == (True, 80)
    assert clock(case, 10)["warning"]  # overdue: still warned


def test_a_threshold_of_100_percent_warns_on_the_last_day() -> None:
    content = ItemContent.from_data({**FOOD.to_data(), "warning_threshold_percent": 100})
    case = accepted(content)
    assert not clock(case, 6)["warning"]
    assert clock(case, 9)["warning"]


def test_no_warning_once_completed() -> None:
    case = accepted()
    step(case, "审查", 3)
    step(case, "决定", 4)
    decide(case, 5)
    complete(case, 6)
    assert not clock(case, 9)["warning"]


# --- each handling step's own limit -----------------------------------------------------


def steps(case: Case, day: int) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in case.steps(CALENDAR, date(2026, 3, day))}


def test_the_first_step_is_due_after_acceptance() -> None:
    view = steps(accepted(), 4)
    assert list(view) == ["审查", "决定"]  # the clerk's 受理 is done by acceptance
    review = view["审查"]
    assert (review["status"], review["started_on"], review["due_on"]) == (
        "current",
        date(2026, 3, 2),
        date(2026, 3, 5),  # 3 working days
    )
    assert (review["limit_days"], review["unit"], review["overdue"]) == (3, "G", False)
    assert view["决定"]["status"] == "pending" and view["决定"]["due_on"] is None
    assert steps(accepted(), 6)["审查"]["overdue"] is True


def test_a_step_completed_late_and_the_next_on_time() -> None:
    case = accepted()
    late = step(case, "审查", 6)  # Fri: 4 working days of 3
    assert (late.due_on, late.on_time) == ("2026-03-05", False)
    assert steps(case, 6)["决定"]["due_on"] == date(2026, 3, 9)  # from Fri, 1 working day
    kept = step(case, "决定", 9)
    assert (kept.due_on, kept.on_time) == ("2026-03-09", True)
    view = steps(case, 10)
    assert view["审查"] == {
        "name": "审查",
        "role": "officer",
        "limit_days": 3,
        "unit": "G",
        "status": "completed",
        "started_on": date(2026, 3, 2),
        "due_on": date(2026, 3, 5),
        "completed_on": date(2026, 3, 6),
        "on_time": False,
        "overdue": False,
    }
    assert (view["决定"]["status"], view["决定"]["on_time"]) == ("completed", True)


def test_a_return_restarts_the_step_it_returns_to() -> None:
    case = accepted()
    step(case, "审查", 3)
    case.return_to_step(at=on(4), actor=APPROVER, to_step="审查", reason="材料有误")
    view = steps(case, 4)
    assert (view["审查"]["status"], view["审查"]["started_on"], view["审查"]["due_on"]) == (
        "current",
        date(2026, 3, 4),
        date(2026, 3, 9),
    )
    assert view["决定"]["status"] == "pending"
    assert step(case, "审查", 9).on_time is True  # within 3 days of the return


def test_a_pause_stops_the_steps_clock() -> None:
    case = accepted()
    case.suspend(at=on(3), actor=OFFICER, reason="等待上级批复")
    assert steps(case, 4)["审查"]["due_on"] is None  # not known while stopped
    case.resume(at=on(5), actor=OFFICER, reason="已批复", calendar=CALENDAR)
    assert steps(case, 5)["审查"]["due_on"] == date(2026, 3, 9)  # Wed and Thu not counted
    assert step(case, "审查", 9).on_time is True


def test_a_natural_day_items_steps_count_natural_days() -> None:
    review = steps(accepted(TRANSPORT), 4)["审查"]
    assert (review["unit"], review["due_on"]) == ("Z", date(2026, 3, 8))  # 6 days, a Sunday


def test_steps_skipped_by_the_decision() -> None:
    case = accepted()
    step(case, "审查", 3)
    case.decide(
        at=on(4),
        actor=APPROVER,
        outcome="approved",
        skipped_steps=[{"step": "决定", "reason": "负责人当场决定"}],
    )
    view = steps(case, 4)
    assert (view["审查"]["status"], view["决定"]["status"]) == ("completed", "skipped")
    assert view["决定"]["due_on"] is None


def test_a_step_out_of_order_is_still_refused() -> None:
    case = accepted()
    with pytest.raises(InvalidCommand, match="the next step is '审查'"):
        step(case, "决定", 3)
    assert steps(case, 3)["审查"]["status"] == "current"
