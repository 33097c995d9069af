"""The day each timed rule of supervision fires, for a table of cases one can check by hand
against the 2026 calendar (``domain.calendar``, from the State Council's notice):

    Sep 2026: Fri 25 中秋 off; Sun 20 a make-up working day
    Oct 2026: Thu 1 – Wed 7 国庆 off; Thu 8 and Fri 9 working days; Sat 10 a make-up
              working day; Sun 11 off; Mon 12 on
    Mar 2026: ordinary weeks (Mon 2, 9, 16, 23)

SCJG-001: statutory 10, promised 5 working days, warning at 80 % (4 of 5 days); its
handling steps 审查 (3 days) then 决定 (1 day); rectification within 7 working days;
deemed satisfied after 15 natural days. ZJ-004: statutory 15, promised 5 natural days,
step 备案 3 natural days. ZJ-001: joint, co-departments ZRZY, STHJ and RF.

Each case is walked day by day with a simulated clock: its scripted commands at 09:00,
then the sweeper at 20:00 records everything ``due`` (repeating until nothing more is
due, as its next sweeps would). Every rule recorded is listed with the first day it
fired; none fires twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

import pytest

from domain.calendar import default_calendar
from domain.case import Case
from domain.clock import HALL_TZ
from domain.errors import InvalidCommand
from domain.item_terms import ItemContent
from domain.supervision import SWEEPER, due, light, record, schedule
from tests.unit.conftest import APPLICANT, APPROVER, CLERK, OFFICER, SEALED, item_content

CALENDAR = default_calendar()
SCJG = item_content("SCJG-001")
ZJ_004 = item_content("ZJ-004")
ZJ_001 = item_content("ZJ-001")
SUPERVISOR = APPROVER  # orders rectifications in these walks (the role is not checked here)
D = date.fromisoformat
Script = Mapping[str, Callable[[Case, datetime], None]]


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), HALL_TZ).astimezone(UTC)


def received(content: ItemContent, day: str) -> Case:
    return Case.submit(
        case_id=uuid4(),
        at=at(D(day), 9),
        actor=CLERK,
        case_no=f"{content.department}-{day}-0001",
        item_code=content.code,
        item_name=content.name,
        item_revision=1,
        department=content.department,
        channel="window",
        applicant=SEALED,
        materials=[{"code": "M1", "name": "申请书"}],
    )


def accepted(content: ItemContent, day: str) -> Case:
    case = received(content, day)
    case.accept(at=at(D(day), 10), actor=CLERK, revision=1, terms=content, calendar=CALENDAR)
    return case


@dataclass
class Walk:
    """What the sweeper recorded each day: (rule, deadline, subject) → first day."""

    fired: dict[tuple[str, str | None, str | None], str] = field(default_factory=dict)

    def run(self, case: Case, until: str, script: Script | None = None) -> None:
        day = case.received_on
        while day <= D(until):
            if script and day.isoformat() in script:
                script[day.isoformat()](case, at(day, 9))
            self.sweep(case, day)
            day += timedelta(days=1)

    def sweep(self, case: Case, day: date) -> None:
        for _ in range(5):
            found = due(case, CALENDAR, day)
            if not found:
                return
            for item in found:
                record(
                    case,
                    item,
                    at=at(day, 20),
                    actor=SWEEPER,
                    calendar=CALENDAR,
                    item=lambda code: (1, item_content(code)),
                )
                deadline = item.deadline.isoformat() if item.deadline else None
                key = (item.rule, deadline, item.subject)
                assert key not in self.fired, f"{key} fired twice: {self.fired[key]}, {day}"
                self.fired[key] = day.isoformat()
        raise AssertionError(f"still due after five sweeps on {day}")


def walk(
    case: Case, until: str, script: Script | None = None
) -> dict[tuple[str, str | None, str | None], str]:
    w = Walk()
    w.run(case, until, script)
    return w.fired


def test_promised_yellow_and_red_over_national_day() -> None:
    # accepted Mon 09-28; counted: 09-29, 09-30, 10-08, 10-09, 10-10 (Sat, make-up), 10-12 …
    fired = walk(accepted(SCJG, "2026-09-28"), "2026-10-23")
    assert fired == {
        ("deadline_warning_raised", "2026-10-10", None): "2026-10-09",  # 4 of 5 days
        ("deadline_breached", "2026-10-10", None): "2026-10-12",  # the 6th day
        ("step_limit_overrun", "2026-10-08", "审查"): "2026-10-09",  # 审查's 4th day
        ("statutory_limit_breached", "2026-10-16", None): "2026-10-19",  # the 11th day
    }


def test_the_light_follows_the_alerts() -> None:
    case = accepted(SCJG, "2026-09-28")
    lights = {}
    for day in ("2026-10-08", "2026-10-09", "2026-10-12"):
        Walk().sweep(case, D(day))
        lights[day] = light(case)
    assert lights == {"2026-10-08": "green", "2026-10-09": "yellow", "2026-10-12": "red"}


def test_natural_day_limits_count_the_holidays() -> None:
    # accepted Wed 09-30; every day counts: 10-01 (1) … 10-05 (5)
    fired = walk(accepted(ZJ_004, "2026-09-30"), "2026-10-20")
    assert fired == {
        ("deadline_warning_raised", "2026-10-05", None): "2026-10-04",
        ("deadline_breached", "2026-10-05", None): "2026-10-06",
        ("step_limit_overrun", "2026-10-03", "备案"): "2026-10-04",
        ("statutory_limit_breached", "2026-10-15", None): "2026-10-16",
    }


def test_an_extension_clears_the_warning_and_moves_the_deadline() -> None:
    # accepted Mon 03-02: promised 03-09, statutory 03-16; extended by 5 on 03-09
    def extend(case: Case, when: datetime) -> None:
        case.extend(
            at=when,
            actor=APPROVER,
            days=5,
            reason="情况复杂",
            calendar=CALENDAR,
            approved_by="department_head",
        )

    fired = walk(accepted(SCJG, "2026-03-02"), "2026-03-25", {"2026-03-09": extend})
    assert fired == {
        ("deadline_warning_raised", "2026-03-09", None): "2026-03-06",
        ("step_limit_overrun", "2026-03-05", "审查"): "2026-03-06",
        ("deadline_alert_cleared", "2026-03-09", "deadline_warning_raised"): "2026-03-09",
        ("deadline_warning_raised", "2026-03-16", None): "2026-03-12",  # 8 of 10
        ("deadline_breached", "2026-03-16", None): "2026-03-17",
        ("statutory_limit_breached", "2026-03-23", None): "2026-03-24",  # 15 days
    }


def test_a_suspension_delays_the_promised_clock_and_the_steps_not_the_statutory() -> None:
    # accepted Mon 09-21; suspended 09-23, resumed 10-09: 09-24 … 10-09 not counted by the
    # promised clock (counted: 09-22, 09-23, 10-10, 10-12, 10-13); the statutory runs on
    def suspend(case: Case, when: datetime) -> None:
        case.suspend(at=when, actor=OFFICER, reason="等待外部意见")

    def resume(case: Case, when: datetime) -> None:
        case.resume(at=when, actor=OFFICER, reason="意见已到", calendar=CALENDAR)

    script = {"2026-09-23": suspend, "2026-10-09": resume}
    paused_days: list[str] = []

    def looked(case: Case, when: datetime) -> None:
        if due(case, CALENDAR, when.astimezone(HALL_TZ).date()):
            paused_days.append(when.isoformat())

    script = {**script, **{f"2026-10-0{d}": looked for d in range(1, 9)}}
    fired = walk(accepted(SCJG, "2026-09-21"), "2026-10-20", script)
    assert fired == {
        ("step_limit_overrun", "2026-10-10", "审查"): "2026-10-12",
        ("deadline_warning_raised", "2026-10-13", None): "2026-10-12",
        ("statutory_limit_breached", "2026-10-12", None): "2026-10-13",
        ("deadline_breached", "2026-10-13", None): "2026-10-14",
    }
    assert paused_days == []  # nothing fires while the clock is stopped


def test_a_special_procedure_overdue_then_ended() -> None:
    # accepted Mon 09-21; inspection (Art. 45: both clocks stop) 09-22 expecting 3 working
    # days (09-23, 09-24, 09-28); ended 10-09
    def start(case: Case, when: datetime) -> None:
        case.start_special_procedure(
            at=when, actor=OFFICER, kind="inspection", expected_days=3, notice="现场勘查告知"
        )

    def end(case: Case, when: datetime) -> None:
        case.end_special_procedure(at=when, actor=OFFICER, result="勘查完毕", calendar=CALENDAR)

    script = {"2026-09-22": start, "2026-10-09": end}
    fired = walk(accepted(SCJG, "2026-09-21"), "2026-10-23", script)
    assert fired == {
        ("special_procedure_overdue", "2026-09-28", "inspection"): "2026-09-29",
        ("deadline_alert_cleared", "2026-09-28", "special_procedure_overdue"): "2026-10-09",
        # counted after it: 09-22, then 10-10, 10-12, 10-13, 10-14 …
        ("deadline_warning_raised", "2026-10-14", None): "2026-10-13",
        ("step_limit_overrun", "2026-10-12", "审查"): "2026-10-13",
        ("deadline_breached", "2026-10-14", None): "2026-10-15",
        ("statutory_limit_breached", "2026-10-21", None): "2026-10-22",
    }


def test_deemed_acceptance_after_five_working_days_without_a_notice() -> None:
    # received Mon 09-28: the notice was due by the 5th working day, Sat 10-10 (make-up);
    # deemed accepted the day after, counted from receipt as the first case
    fired = walk(received(SCJG, "2026-09-28"), "2026-10-20")
    assert fired == {
        ("deemed_accepted", "2026-10-10", None): "2026-10-11",
        ("deadline_warning_raised", "2026-10-10", None): "2026-10-11",
        ("step_limit_overrun", "2026-10-08", "审查"): "2026-10-11",
        ("deadline_breached", "2026-10-10", None): "2026-10-12",
        ("statutory_limit_breached", "2026-10-16", None): "2026-10-19",
    }


def test_a_parallel_review_past_its_due_date_is_closed_on_record() -> None:
    def request(case: Case, when: datetime) -> None:
        case.request_parallel_review(
            at=when, actor=OFFICER, departments=["ZRZY"], due_on=D("2026-03-06")
        )

    case = accepted(ZJ_001, "2026-03-02")
    fired = walk(case, "2026-03-09", {"2026-03-03": request})
    assert fired == {
        ("parallel_review_closed", "2026-03-06", None): "2026-03-07",
        ("step_limit_overrun", "2026-03-06", "审查"): "2026-03-09",  # 4 days: 03-03 … 03-06
    }
    assert case.parallel is None


def test_closure_clears_the_alerts_and_unrated_stages_are_deemed_satisfied() -> None:
    def withdraw(case: Case, when: datetime) -> None:
        case.withdraw(at=when, actor=APPLICANT, reason="不再需要")

    fired = walk(accepted(SCJG, "2026-09-28"), "2026-11-01", {"2026-10-13": withdraw})
    cleared = "deadline_alert_cleared"
    assert fired == {
        ("deadline_warning_raised", "2026-10-10", None): "2026-10-09",
        ("step_limit_overrun", "2026-10-08", "审查"): "2026-10-09",
        ("deadline_breached", "2026-10-10", None): "2026-10-12",
        (cleared, "2026-10-10", "deadline_warning_raised"): "2026-10-13",
        (cleared, "2026-10-10", "deadline_breached"): "2026-10-13",
        (cleared, "2026-10-08", "step_limit_overrun"): "2026-10-13",
        ("deemed_satisfied", None, "acceptance"): "2026-10-28",  # 15 days after 10-13
        ("deemed_satisfied", None, "closure"): "2026-10-28",
    }


def test_a_rectification_not_reported_in_time_is_overdue_until_reported() -> None:
    # withdrawn Thu 09-24, closure rated 1; rectification ordered Mon 09-28 within 7
    # working days: 09-29, 09-30, 10-08, 10-09, 10-10, 10-12, 10-13; reported 10-15
    def close_and_rate(case: Case, when: datetime) -> None:
        case.withdraw(at=when, actor=APPLICANT, reason="不再需要")
        case.rate(at=when, actor=APPLICANT, stage="closure", level=1)

    def order(case: Case, when: datetime) -> None:
        case.order_rectification(
            at=when, actor=SUPERVISOR, stage="closure", instructions="整改", calendar=CALENDAR
        )

    def report(case: Case, when: datetime) -> None:
        case.report_rectification(at=when, actor=APPROVER, stage="closure", measures="已整改")

    script = {"2026-09-24": close_and_rate, "2026-09-28": order, "2026-10-15": report}
    fired = walk(accepted(SCJG, "2026-09-21"), "2026-10-20", script)
    assert fired == {
        ("deemed_satisfied", None, "acceptance"): "2026-10-09",  # 15 days after 09-24
        ("rectification_overdue", "2026-10-13", "closure"): "2026-10-14",
        ("deadline_alert_cleared", "2026-10-13", "rectification_overdue"): "2026-10-15",
    }


def test_the_commands_refuse_what_is_not_due_or_already_recorded() -> None:
    case = accepted(SCJG, "2026-09-28")
    with pytest.raises(InvalidCommand, match="no warning is due"):
        case.raise_deadline_warning(at=at(D("2026-10-08"), 20), actor=SWEEPER, calendar=CALENDAR)
    case.raise_deadline_warning(at=at(D("2026-10-09"), 20), actor=SWEEPER, calendar=CALENDAR)
    with pytest.raises(InvalidCommand, match="already recorded"):
        case.raise_deadline_warning(at=at(D("2026-10-09"), 21), actor=SWEEPER, calendar=CALENDAR)
    with pytest.raises(InvalidCommand, match="has not passed"):
        case.record_deadline_breach(at=at(D("2026-10-10"), 20), actor=SWEEPER, calendar=CALENDAR)
    with pytest.raises(InvalidCommand, match="still stands"):
        case.clear_alert(
            at=at(D("2026-10-10"), 20),
            actor=SWEEPER,
            alert="deadline_warning_raised",
            deadline=D("2026-10-10"),
        )


def test_the_schedule_lists_the_days_ahead() -> None:
    case = accepted(SCJG, "2026-09-28")
    ahead = {(d.rule, d.fires_on.isoformat()) for d in schedule(case, CALENDAR)}
    assert ahead == {
        ("deadline_warning_raised", "2026-10-09"),
        ("deadline_breached", "2026-10-12"),
        ("step_limit_overrun", "2026-10-09"),
        ("statutory_limit_breached", "2026-10-19"),
    }
