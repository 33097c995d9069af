"""Replay to any moment, in memory: every version of a long case as the domain had it,
the version in force at a time, the calendar and the power list on a day, and the
field-level differences between two states."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.actor import Actor
from domain.application import HallApplication
from domain.case import Case
from domain.case.commands import (
    Accept,
    Assign,
    CaseCommand,
    CompleteStep,
    Extend,
    Resume,
    Suspend,
)
from domain.clock import SimulatedClock
from domain.errors import InvalidCommand, NotFound
from domain.replay import (
    Change,
    calendar_at,
    case_at,
    diff,
    end_of_day,
    events_between,
    history,
    power_list_on,
    version_at,
)
from tests.unit.conftest import ADMIN, APPROVER, CLERK, ITEM, OFFICER, START, applicant

COMMANDS: list[tuple[CaseCommand, Actor]] = [
    (Accept(), CLERK),
    (Assign(assignee="officer-1"), OFFICER),
    (CompleteStep(step="审查", opinion="agree"), OFFICER),
    (Suspend(reason="申请人请求中止"), OFFICER),
    (Resume(reason="申请人补充说明"), OFFICER),
    (Extend(days=5, reason="情况复杂", approved_by="department_head"), APPROVER),
]


def state(case: Case) -> dict[str, Any]:
    """Everything a case holds, as a copy."""
    return copy.deepcopy({k: v for k, v in vars(case).items() if k != "_pending_events"})


def advance(app: HallApplication, **delta: float) -> None:
    assert isinstance(app.clock, SimulatedClock)
    app.clock.advance(timedelta(**delta))


def walk(app: HallApplication) -> tuple[UUID, list[dict[str, Any]]]:
    """A case through several commands a day apart; its state after each version."""
    case_id = app.submit(
        CLERK, item_code=ITEM.code, channel="window", applicant=applicant(), materials=[]
    ).aggregate_id
    states = [state(app.get_case(case_id))]
    for command, actor in COMMANDS:
        advance(app, days=1)
        app.handle(command, case_id, actor)
        states.append(state(app.get_case(case_id)))
    return case_id, states


def test_every_version_replays_to_the_state_the_domain_had(app: HallApplication) -> None:
    case_id, states = walk(app)
    assert [s["_version"] for s in states] == list(range(1, len(COMMANDS) + 2))
    for version, expected in enumerate(states, start=1):
        moment = case_at(app, case_id, version=version)
        assert state(moment.state) == expected
        assert moment.version == version and moment.event.originator_version == version
        assert moment.as_of == expected["_modified_on"]


def test_a_time_between_two_events_gives_the_earlier_version(app: HallApplication) -> None:
    case_id, _ = walk(app)
    events = history(app, case_id)
    third, fourth = events[2].timestamp, events[3].timestamp
    assert case_at(app, case_id, at=third + (fourth - third) / 2).version == 3
    assert case_at(app, case_id, at=third).version == 3  # an event counts from its time
    assert case_at(app, case_id, at=events[-1].timestamp + timedelta(days=9)).version == 7
    with pytest.raises(NotFound, match="did not exist yet"):
        case_at(app, case_id, at=events[0].timestamp - timedelta(microseconds=1))
    with pytest.raises(InvalidCommand, match="UTC offset"):
        case_at(app, case_id, at=third.replace(tzinfo=None))


@pytest.mark.parametrize("version", [0, 8, 100])
def test_a_version_the_case_never_had_is_not_found(app: HallApplication, version: int) -> None:
    case_id, _ = walk(app)
    with pytest.raises(NotFound, match=f"has no version {version}; its latest is 7"):
        case_at(app, case_id, version=version)


def test_unknown_ids_and_other_aggregates_are_not_cases(app: HallApplication) -> None:
    for unknown in (uuid4(), app.service_item(ITEM.code).id):
        with pytest.raises(NotFound, match="no case"):
            case_at(app, unknown, version=1)
    case_id, _ = walk(app)
    with pytest.raises(InvalidCommand, match="exactly one"):
        case_at(app, case_id)
    with pytest.raises(InvalidCommand, match="exactly one"):
        case_at(app, case_id, version=1, at=START)


def test_events_between_two_versions(app: HallApplication) -> None:
    case_id, _ = walk(app)
    events = events_between(history(app, case_id), 2, 5)
    assert [e.originator_version for e in events] == [3, 4, 5]
    assert [type(e).__name__ for e in events] == ["Assigned", "StepCompleted", "Suspended"]


def test_version_at_counts_the_events_recorded_by_then(app: HallApplication) -> None:
    case_id, _ = walk(app)
    events = history(app, case_id)
    assert version_at(events, events[0].timestamp - timedelta(seconds=1)) == 0
    assert version_at(events, events[4].timestamp) == 5
    assert version_at([], START) == 0


def test_the_power_list_on_a_day(app: HallApplication) -> None:
    day = START.date()  # 2026-03-02: the demo catalogue is registered at START
    advance(app, days=1)  # 2026-03-03: a revision and a suspension
    revised = ITEM.to_data() | {"promised_limit": {"days": 3, "unit": "G"}}
    app.change_item("revise-item", ITEM.code, ADMIN, content=revised, reason="压缩承诺时限")
    app.change_item("suspend-item", ITEM.code, ADMIN, reason="系统升级")
    before = {m.state.code: m for m in power_list_on(app, day)}
    after = {m.state.code: m for m in power_list_on(app, day + timedelta(days=1))}
    assert power_list_on(app, day - timedelta(days=1)) == []
    assert len(before) == len(after) == 30 and list(before) == sorted(before)
    old, new = before[ITEM.code], after[ITEM.code]
    assert (old.state.revision, old.state.status, old.version) == (1, "active", 1)
    assert (new.state.revision, new.state.status, new.version) == (2, "suspended", 3)
    assert old.state.content.promised_limit.days == 5
    assert new.state.content.promised_limit.days == 3
    assert new.as_of == app.service_item(ITEM.code).modified_on
    assert before["JT-001"].version == after["JT-001"].version == 1


def test_the_end_of_a_day_is_in_the_halls_time_zone() -> None:
    end = end_of_day(date(2026, 3, 2))
    assert end.isoformat() == "2026-03-02T23:59:59.999999+08:00"


def test_the_calendar_as_published_then(app: HallApplication) -> None:
    before = app.clock.now()
    advance(app, hours=1)
    app.publish_calendar_year(
        ADMIN, year=2027, holidays=[date(2027, 1, 4)], makeup_workdays=[], notice="通知"
    )
    monday = date(2027, 1, 4)
    assert not app.calendar().is_working_day(monday)
    assert calendar_at(app, before).is_working_day(monday)  # 2027 unpublished: weekdays work
    assert not calendar_at(app, app.clock.now()).is_working_day(monday)


def test_diff_names_each_changed_leaf_by_its_dotted_path() -> None:
    before = {"status": "in_review", "clock": {"paused": False, "days": 3}, "steps": [1, 2]}
    after = {"status": "in_review", "clock": {"paused": True, "days": 3}, "steps": [1, 5, 6]}
    assert diff(before, after) == [
        Change("clock.paused", False, True),
        Change("steps.1", 2, 5),
        Change("steps.2", None, 6),
    ]
    assert diff({"a": None}, {"a": {"b": 1}, "c": [2]}) == [
        Change("a", None, {"b": 1}),
        Change("c", None, [2]),
    ]
    assert diff({"flag": 1}, {"flag": True}) == [Change("flag", 1, True)]
    assert diff([{"x": 1}], [{"x": 1}]) == []
