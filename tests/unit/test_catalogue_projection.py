"""The published power list: each service-item event's effect on the catalogue view."""

from __future__ import annotations

from datetime import timedelta

import orjson

from domain.application import HallApplication
from domain.clock import SimulatedClock
from domain.service_item import ServiceItem
from projections.catalogue import apply
from tests.unit.conftest import ADMIN, CLERK, ITEM, applicant, cloudevents

ITEM_ID = ServiceItem.id_for(ITEM.code)


def view_after(app: HallApplication) -> dict:
    view = None
    for event in cloudevents(app, ITEM_ID):
        view = apply(view, event)
    assert view is not None
    return view


def test_registration_publishes_revision_1(app: HallApplication) -> None:
    view = view_after(app)
    assert view["item_id"] == str(ITEM_ID)
    assert (view["code"], view["name"], view["category"]) == (ITEM.code, ITEM.name, "licensing")
    assert (view["department"], view["supervising_department"]) == ("SCJG", "SCJG")
    assert (view["status"], view["revision"], view["version"]) == ("active", 1, 1)
    assert view["content"] == ITEM.to_data()  # no actor, revision or reason
    assert view["revisions"] == [{"revision": 1, "date": "2026-03-02", "reason": None}]
    assert "admin" not in orjson.dumps(view).decode()  # staff identities stay internal


def test_revision_replaces_the_content_and_keeps_the_history(app: HallApplication) -> None:
    assert isinstance(app.clock, SimulatedClock)
    app.clock.advance(timedelta(days=3))
    revised = {
        **ITEM.to_data(),
        "name": "食品经营许可（新）",
        "promised_limit": {"days": 3, "unit": "G"},
    }
    app.change_item("revise-item", ITEM.code, ADMIN, content=revised, reason="压缩承诺时限")
    view = view_after(app)
    assert (view["name"], view["revision"], view["version"]) == ("食品经营许可（新）", 2, 2)
    assert view["content"] == revised
    assert view["revisions"] == [
        {"revision": 1, "date": "2026-03-02", "reason": None},
        {"revision": 2, "date": "2026-03-05", "reason": "压缩承诺时限"},
    ]


def test_suspension_resumption_and_retirement(app: HallApplication) -> None:
    app.change_item("suspend-item", ITEM.code, ADMIN, reason="系统升级")
    suspended = view_after(app)
    assert (suspended["status"], suspended["version"], suspended["revision"]) == ("suspended", 2, 1)
    app.change_item("resume-item", ITEM.code, ADMIN, reason="升级完成")
    assert view_after(app)["status"] == "active"
    app.change_item("retire-item", ITEM.code, ADMIN, reason="事项取消")
    retired = view_after(app)
    assert (retired["status"], retired["version"]) == ("retired", 4)
    assert retired["content"] == suspended["content"]
    assert len(retired["revisions"]) == 1


def test_case_events_and_unknown_types_change_nothing(app: HallApplication) -> None:
    view = view_after(app)
    done = app.submit(
        CLERK, item_code=ITEM.code, channel="window", applicant=applicant(), materials=[]
    )
    (submitted,) = cloudevents(app, done.aggregate_id)
    assert apply(view, submitted) is view
    assert apply(None, submitted) is None
    registered = cloudevents(app, ITEM_ID)[0]
    unknown = {**registered, "type": "casetrail.service_item.renamed.v1"}
    assert apply(view, unknown) is view and apply(None, unknown) is None
