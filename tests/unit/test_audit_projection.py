"""The audit trail's pure projection: one row per event with its actor, role, department,
time, chain links and whole data, a case's number, department and channel carried to
its later rows; the inspectors' reads as events of their own, which no other view
takes; who may record a read."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from domain.actor import Actor
from domain.application import HallApplication
from domain.authorization import Forbidden
from domain.case.commands import Accept, Assign
from domain.errors import InvalidCommand
from domain.inspector_access import InspectorAccess
from domain.service_item import ServiceItem
from projections import audit_trail
from projections.registry import ALL, AUDIT_TRAIL
from tests.unit.conftest import CLERK, ITEM, OFFICER, applicant, cloudevents

INSPECTOR = Actor(id="insp-1", role="inspector", department="JJJC")
SENIOR = Actor(id="insp-9", role="senior_inspector", department="JJJC")
SUPERVISOR = Actor(id="sup-1", role="supervisor", department="HALL")


def rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each event's row, applying them in order as the runner does (``load`` gives the
    aggregate's latest row)."""
    found: list[dict[str, Any]] = []
    for event in events:
        found.append(audit_trail.apply(found[-1] if found else None, event))
    return found


def read_trail(app: HallApplication, actor: Actor = INSPECTOR) -> InspectorAccess:
    recorded = app.record_access(
        actor, read="case-trail", parameters={"case_id": "c"}, case_file="纪检案卷 1", case_id="c"
    )
    access: InspectorAccess = app.repository.get(recorded.aggregate_id)
    assert isinstance(access, InspectorAccess)
    return access


def test_every_event_of_a_case_is_a_row_with_its_case_context(app: HallApplication) -> None:
    case_id = app.submit(
        CLERK, item_code=ITEM.code, channel="online", applicant=applicant(), materials=[]
    ).aggregate_id
    app.handle(Accept(), case_id, CLERK)
    app.handle(Assign(assignee="officer-1"), case_id, OFFICER)
    events = cloudevents(app, case_id)
    trail = rows(events)
    case_no = app.get_case(case_id).case_no
    assert [r["version"] for r in trail] == [1, 2, 3]
    for row, event in zip(trail, events, strict=True):
        assert (row["case_no"], row["case_department"], row["channel"]) == (
            case_no,
            "SCJG",
            "online",
        )
        assert (row["position"], row["aggregate_id"], row["stream"]) == (
            event["position"],
            str(case_id),
            "case",
        )
        assert (row["type"], row["recorded_at"], row["data"]) == (
            event["type"],
            event["time"],
            event["data"],
        )
        assert (row["prevhash"], row["hash"]) == (event["prevhash"], event["hash"])
    assert (trail[2]["actor_id"], trail[2]["actor_role"], trail[2]["actor_department"]) == (
        "officer-1",
        "officer",
        "SCJG",
    )
    assert trail[0]["data"]["applicant"]["sealed"]  # personal data sealed as recorded
    assert "name" not in trail[0]["data"]["applicant"]


def test_other_aggregates_are_rows_without_a_case(app: HallApplication) -> None:
    item = rows(cloudevents(app, ServiceItem.id_for(ITEM.code)))
    assert [(r["stream"], r["case_no"], r["channel"]) for r in item] == [
        ("service_item", None, None)
    ]
    access = read_trail(app)
    (row,) = rows(cloudevents(app, access.id))
    assert row["stream"] == audit_trail.ACCESS_STREAM == "inspector_access"
    assert row["type"] == "casetrail.inspector_access.recorded.v1"
    assert (row["actor_id"], row["actor_role"], row["case_no"]) == ("insp-1", "inspector", None)
    assert row["data"]["case_file"] == "纪检案卷 1" and row["data"]["read"] == "case-trail"


@pytest.mark.parametrize("projection", [p for p in ALL if p is not AUDIT_TRAIL])
def test_the_other_views_ignore_the_inspectors_reads(app: HallApplication, projection: Any) -> None:
    (event,) = cloudevents(app, read_trail(app).id)
    assert projection.apply(None, event) is None
    view = {"kept": True}
    assert projection.apply(view, event) == view


def test_only_inspectors_record_reads(app: HallApplication) -> None:
    assert read_trail(app, SENIOR).version == 1
    for actor in (CLERK, OFFICER, SUPERVISOR):
        with pytest.raises(Forbidden, match="may not read-audit"):
            read_trail(app, actor)
    with pytest.raises(InvalidCommand, match="case_file must be a non-empty string"):
        app.record_access(INSPECTOR, read="case-trail", parameters={}, case_file=" ")


def test_an_inspector_opening_personal_data_is_an_access_event(app: HallApplication) -> None:
    case = app.get_case(
        app.submit(
            CLERK, item_code=ITEM.code, channel="window", applicant=applicant(), materials=[]
        ).aggregate_id
    )
    access = [
        n
        for n in app.recorder.select_notifications(start=None, limit=1000)
        if n.topic.endswith("InspectorAccess.Recorded")
    ]
    assert access == []
    app.applicant_view(SUPERVISOR, case, case_file="督查案卷 3")  # on record, not an access
    app.applicant_view(INSPECTOR, case, case_file=None)  # masked: nothing opened
    opened = app.applicant_view(INSPECTOR, case, case_file="纪检案卷 5")
    assert opened.opened_for == "case_file"
    events = [
        e
        for n in app.recorder.select_notifications(start=None, limit=1000)
        if n.topic.endswith("InspectorAccess.Recorded")
        for e in cloudevents(app, UUID(str(n.originator_id)))
    ]
    assert [(e["data"]["read"], e["data"]["case_file"], e["data"]["case_no"]) for e in events] == [
        ("case-personal-data", "纪检案卷 5", case.case_no)
    ]
    assert events[0]["data"]["actor"]["id"] == "insp-1"
