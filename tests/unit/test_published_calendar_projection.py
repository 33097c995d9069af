"""The published working-day calendar: each hall-calendar event's effect on its view."""

from __future__ import annotations

from datetime import date

from domain.application import HallApplication
from domain.hall_calendar import HallCalendar
from domain.service_item import ServiceItem
from projections.published_calendar import apply
from tests.unit.conftest import ADMIN, ITEM, cloudevents

HOLIDAYS = [date(2027, 1, 1), date(2027, 2, 8)]


def view_after(app: HallApplication) -> dict | None:
    view = None
    for event in cloudevents(app, HallCalendar.ID):
        view = apply(view, event)
    return view


def publish(app: HallApplication, holidays: list[date], notice: str) -> None:
    app.publish_calendar_year(
        ADMIN, year=2027, holidays=holidays, makeup_workdays=[date(2027, 2, 20)], notice=notice
    )


def test_a_published_year_enters_the_view(app: HallApplication) -> None:
    publish(app, HOLIDAYS, "通知一")
    opened, published = cloudevents(app, HallCalendar.ID)
    assert apply(None, opened) == {
        "calendar_id": str(HallCalendar.ID),
        "years": {},
        "version": 1,
        "position": opened["position"],
    }
    view = view_after(app)
    assert view is not None
    assert view["years"] == {
        "2027": {
            "holidays": ["2027-01-01", "2027-02-08"],
            "makeup_workdays": ["2027-02-20"],
            "notice": "通知一",
        }
    }
    assert (view["version"], view["position"]) == (2, published["position"])


def test_a_correction_replaces_the_year_and_keeps_the_others(app: HallApplication) -> None:
    publish(app, HOLIDAYS, "通知一")
    app.publish_calendar_year(ADMIN, year=2028, holidays=[], makeup_workdays=[], notice="通知二")
    publish(app, [date(2027, 1, 1)], "更正通知")
    view = view_after(app)
    assert view is not None and sorted(view["years"]) == ["2027", "2028"]
    assert view["years"]["2027"]["holidays"] == ["2027-01-01"]
    assert view["years"]["2027"]["notice"] == "更正通知" and view["version"] == 4


def test_other_events_change_nothing(app: HallApplication) -> None:
    publish(app, HOLIDAYS, "通知一")
    view = view_after(app)
    (registered,) = cloudevents(app, ServiceItem.id_for(ITEM.code))
    assert apply(view, registered) is view and apply(None, registered) is None
    unknown = {**cloudevents(app, HallCalendar.ID)[0], "type": "casetrail.hall_calendar.closed.v1"}
    assert apply(view, unknown) is view and apply(None, unknown) is None
