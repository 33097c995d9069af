"""The HallCalendar aggregate: published year schedules as auditable events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.actor import Actor
from domain.calendar import WorkingCalendar, YearSchedule, default_calendar
from domain.chain import verify_chain
from domain.errors import InvalidCommand
from domain.events import ChainedEvent, event_data, event_type, hashed_document
from domain.hall_calendar import HallCalendar

ADMIN = Actor(id="admin-1", role="hall_admin", department="HALL")
T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
NOTICE_2027 = "国务院办公厅关于2027年部分节假日安排的通知（演示数据）"
# Demonstration data in the shape of the State Council's notice.
HOLIDAYS_2027 = [date(2027, 1, 1), *(date(2027, 2, d) for d in range(8, 13))]
MAKEUP_2027 = [date(2027, 2, 20)]


def opened() -> HallCalendar:
    return HallCalendar.create(at=T0, actor=ADMIN)


def publish_2027(
    calendar: HallCalendar,
    minutes: int = 1,
    *,
    year: int = 2027,
    holidays: list[date] = HOLIDAYS_2027,
    makeup_workdays: list[date] = MAKEUP_2027,
    notice: str = NOTICE_2027,
) -> None:
    calendar.publish_year(
        year=year,
        holidays=holidays,
        makeup_workdays=makeup_workdays,
        notice=notice,
        at=T0 + timedelta(minutes=minutes),
        actor=ADMIN,
    )


def recorded(calendar: HallCalendar) -> list[ChainedEvent]:
    """The calendar's pending events, collected."""
    events = calendar.collect_events()
    assert all(isinstance(e, ChainedEvent) for e in events)
    return events  # type: ignore[return-value]


def test_opening() -> None:
    calendar = opened()
    assert calendar.id == HallCalendar.ID and calendar.published_years == ()
    [event] = recorded(calendar)
    assert event_type(type(event)) == "casetrail.hall_calendar.opened.v1"
    assert calendar.working_calendar(WorkingCalendar()).published_years == ()


def test_publishing_a_year() -> None:
    calendar = opened()
    publish_2027(calendar)
    assert calendar.published_years == (2027,)
    assert calendar.schedule(2027) == YearSchedule(
        2027, frozenset(HOLIDAYS_2027), frozenset(MAKEUP_2027)
    )
    assert calendar.notice(2027) == NOTICE_2027 and calendar.schedule(2028) is None
    event = recorded(calendar)[-1]
    assert event_type(type(event)) == "casetrail.hall_calendar.year_published.v1"
    payload = event_data(event)
    assert payload["holidays"][0] == "2027-01-01" and payload["makeup_workdays"] == ["2027-02-20"]
    assert payload["replaces_previous"] is False


def test_publishing_again_is_a_correction() -> None:
    calendar = opened()
    publish_2027(calendar)
    with pytest.raises(InvalidCommand, match="already published as given"):
        publish_2027(calendar, minutes=2)
    publish_2027(calendar, minutes=2, makeup_workdays=[date(2027, 2, 20), date(2027, 2, 21)])
    assert calendar.schedule(2027).makeup_workdays == {date(2027, 2, 20), date(2027, 2, 21)}  # type: ignore[union-attr]
    events = recorded(calendar)
    assert event_data(events[-1])["replaces_previous"] is True
    verify_chain([hashed_document(e) for e in events], calendar.head_hash)
    replayed: HallCalendar | None = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed is not None and replayed.schedule(2027) == calendar.schedule(2027)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"holidays": [date(2026, 12, 31)]}, "dates of another year"),
        ({"makeup_workdays": [date(2027, 2, 22)]}, "weekdays as make-up working days"),
        ({"makeup_workdays": [date(2027, 2, 20)], "holidays": [date(2027, 2, 20)]}, "both"),
        ({"notice": " "}, "notice is required"),
        ({"year": 1999}, "year must be an integer"),
    ],
)
def test_invalid_schedules_are_refused(changes: dict[str, Any], message: str) -> None:
    calendar = opened()
    with pytest.raises(InvalidCommand, match=message):
        publish_2027(calendar, **changes)
    assert calendar.version == 1


def test_a_published_year_makes_a_provisional_deadline_final() -> None:
    base = default_calendar()
    assert not base.is_published(2027)
    accepted = date(2026, 12, 24)
    provisional = base.add_working_days(accepted, 20)
    assert provisional.provisional

    calendar = opened()
    publish_2027(calendar)
    published = calendar.working_calendar(base)
    final = published.add_working_days(accepted, 20)
    assert not final.provisional
    # 2027-01-01 is a holiday, so the deadline moves one working day later.
    assert final.date == provisional.date + timedelta(days=1)  # type: ignore[operator]
    assert base.published_years == default_calendar().published_years  # base is untouched
