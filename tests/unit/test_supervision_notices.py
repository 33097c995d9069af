"""Supervision notices (督办): who issues and answers them, their date on the hall
calendar, the escalation once, the read side, and the notifications told of them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import jsonschema
import orjson
import pytest

from consumers.notifier import notification
from domain.actor import Actor
from domain.application import HallApplication
from domain.authorization import Forbidden, department_scope
from domain.case.commands import Accept, Assign, Withdraw
from domain.clock import SimulatedClock
from domain.errors import InvalidCommand, VersionConflict
from domain.event_schemas import registry
from domain.notifications import CaseFacts, kind_of, notification_data, notification_schema
from projections.supervision_notices import apply
from tests.unit.conftest import APPROVER, CLERK, ITEM, OFFICER, applicant, cloudevents, make_app

SUPERVISOR = Actor(id="supervisor-1", role="supervisor", department="HALL")
OTHER_APPROVER = Actor(id="approver-jt", role="approver", department="JT")
FRIDAY = datetime(2026, 3, 6, 1, 0, tzinfo=UTC)  # Fri 2026-03-06 09:00 in Shanghai


def open_case(app: HallApplication, assignee: str | None = "officer-1") -> UUID:
    done = app.submit(
        CLERK, item_code=ITEM.code, channel="window", applicant=applicant(), materials=[]
    )
    app.handle(Accept(), done.aggregate_id, CLERK)
    if assignee:
        app.handle(Assign(assignee=assignee), done.aggregate_id, APPROVER)
    return done.aggregate_id


def test_a_notice_is_due_working_days_after_today_on_the_hall_calendar() -> None:
    app = make_app(FRIDAY)
    case_id = open_case(app)
    recorded, respond_by = app.issue_notice(
        SUPERVISOR, case_id=case_id, text="请说明进度", respond_within_days=3
    )
    assert respond_by == date(2026, 3, 11)  # Mon, Tue, Wed: the weekend does not count
    notice = app.get_notice(recorded.aggregate_id)
    assert (notice.department, notice.officer, notice.respond_by) == (
        "SCJG",
        "officer-1",
        respond_by,
    )
    assert recorded.version == 1


def test_only_a_supervisor_issues_and_only_on_an_open_case(app: HallApplication) -> None:
    case_id = open_case(app)
    for actor in (APPROVER, OFFICER, CLERK):
        with pytest.raises(Forbidden):
            app.issue_notice(actor, case_id=case_id, text="x")
    app.handle(Withdraw(reason="申请人撤回"), case_id, CLERK)
    with pytest.raises(InvalidCommand, match="closed"):
        app.issue_notice(SUPERVISOR, case_id=case_id, text="x")


def test_the_department_answers_once_and_no_other_department(app: HallApplication) -> None:
    notice_id = app.issue_notice(SUPERVISOR, case_id=open_case(app), text="x")[0].aggregate_id
    for actor in (OTHER_APPROVER, SUPERVISOR, CLERK):
        with pytest.raises(Forbidden):
            app.respond_notice(actor, notice_id, text="已办理")
    assert app.respond_notice(OFFICER, notice_id, text="已办理").version == 2
    with pytest.raises(VersionConflict):
        app.respond_notice(APPROVER, notice_id, text="再次回复")


def test_an_unanswered_notice_escalates_once_the_day_after_its_date(app: HallApplication) -> None:
    recorded, respond_by = app.issue_notice(SUPERVISOR, case_id=open_case(app), text="x")
    notice_id = recorded.aggregate_id
    assert app.escalate_notice(notice_id, respond_by) is None  # its last day: not overdue
    escalated = app.escalate_notice(notice_id, respond_by + timedelta(days=1))
    assert escalated is not None and escalated.version == 2
    assert app.escalate_notice(notice_id, respond_by + timedelta(days=2)) is None
    event = cloudevents(app, notice_id)[-1]
    assert event["type"] == "casetrail.supervision_notice.escalated.v1"
    assert event["data"]["overdue_since"] == (respond_by + timedelta(days=1)).isoformat()
    assert event["data"]["actor"]["role"] == "system"
    assert app.respond_notice(APPROVER, notice_id, text="迟复").version == 3  # late, still once


def test_an_answered_notice_never_escalates(app: HallApplication) -> None:
    recorded, respond_by = app.issue_notice(SUPERVISOR, case_id=open_case(app), text="x")
    app.respond_notice(APPROVER, recorded.aggregate_id, text="已办理")
    assert app.escalate_notice(recorded.aggregate_id, respond_by + timedelta(days=5)) is None


def test_escalations_under_a_simulated_clock_are_marked() -> None:
    app = make_app()
    assert isinstance(app.clock, SimulatedClock)
    recorded, respond_by = app.issue_notice(SUPERVISOR, case_id=open_case(app), text="x")
    app.escalate_notice(recorded.aggregate_id, respond_by + timedelta(days=1))
    actors = [e["data"]["actor"] for e in cloudevents(app, recorded.aggregate_id)]
    assert all(actor.get("simulated") for actor in actors)


def test_the_notice_events_have_schemas_the_recorded_events_pass(app: HallApplication) -> None:
    recorded, respond_by = app.issue_notice(SUPERVISOR, case_id=open_case(app), text="x")
    app.escalate_notice(recorded.aggregate_id, respond_by + timedelta(days=1))
    app.respond_notice(APPROVER, recorded.aggregate_id, text="迟复")
    events = cloudevents(app, recorded.aggregate_id)
    assert [e["type"].split(".")[2] for e in events] == ["issued", "escalated", "responded"]
    for event in events:
        jsonschema.validate(event["data"], registry()[event["type"]].schema)
    notify = registry()["casetrail.supervision_notice.issued.v1"].schema["properties"]["notify"]
    assert notify["required"] == ["department", "officer", "roles"]


def test_the_read_side_follows_the_notice(app: HallApplication) -> None:
    recorded, respond_by = app.issue_notice(SUPERVISOR, case_id=open_case(app), text="请说明进度")
    app.escalate_notice(recorded.aggregate_id, respond_by + timedelta(days=1))
    app.respond_notice(OFFICER, recorded.aggregate_id, text="已办理")
    issued, escalated, responded = cloudevents(app, recorded.aggregate_id)
    view = apply(None, issued)
    assert view is not None
    assert (view["status"], view["respond_by"], view["officer"]) == (
        "open",
        respond_by.isoformat(),
        "officer-1",
    )
    view = apply(view, escalated)
    assert view is not None and view["status"] == "escalated"
    assert view["escalation"]["escalated_to"] == "hall_admin"
    view = apply(view, responded)
    assert view is not None and view["status"] == "responded"
    assert view["response"]["by"] == "officer-1" and view["escalation"] is not None
    assert view["version"] == 3
    case_event = cloudevents(app, UUID(view["case_id"]))[0]
    assert apply(view, case_event) is view


def test_approvers_and_officers_read_their_own_department_only() -> None:
    assert department_scope(SUPERVISOR, "read-notices", None) is None
    assert department_scope(SUPERVISOR, "read-notices", "JT") == "JT"
    assert department_scope(APPROVER, "read-notices", None) == "SCJG"
    assert department_scope(OFFICER, "read-notices", "SCJG") == "SCJG"
    with pytest.raises(Forbidden):
        department_scope(OTHER_APPROVER, "read-notices", "SCJG")
    with pytest.raises(Forbidden):
        department_scope(CLERK, "read-notices", None)


def _facts(app: HallApplication, case_id: UUID, deadline: str | None = None) -> CaseFacts:
    case = app.get_case(case_id)
    return CaseFacts(str(case_id), case.case_no, case.item_code, "SCJG", "officer-1", deadline)


def test_a_notice_notification_has_no_personal_data_and_passes_its_schema(
    app: HallApplication,
) -> None:
    case_id = open_case(app)
    recorded, respond_by = app.issue_notice(SUPERVISOR, case_id=case_id, text="申请人张三丰电话")
    issued = cloudevents(app, recorded.aggregate_id)[0]
    found = notification(issued, _facts(app, case_id, respond_by.isoformat()))
    jsonschema.validate(found, notification_schema())
    assert found["id"] == issued["id"] and found["subject"] == str(case_id)
    data = found["data"]
    assert data["roles"] == ["approver", "officer"] and data["officer"] == "officer-1"
    assert data["deadline"] == respond_by.isoformat() and respond_by.isoformat() in data["text_zh"]
    assert data["item_code"] == ITEM.code
    text = orjson.dumps(found).decode()
    person = applicant()
    assert person["name"] not in text and person["id_number"] not in text
    assert "张三丰" not in text and "电话" not in text  # never the notice's own words


def alert(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "0b5d5f8e-2a57-5b0e-9d55-2f7a3f1c9a10",
        "source": "/casetrail/test",
        "type": f"casetrail.case.{kind}.v1",
        "subject": "5f0e4c52-6a7b-4f4d-9d0a-6a1d2b3c4d5e",
        "time": "2026-03-20T01:00:00+00:00",
        "data": data,
    }


def test_an_alert_tells_whom_its_event_names() -> None:
    facts = CaseFacts(
        "5f0e4c52-6a7b-4f4d-9d0a-6a1d2b3c4d5e", "SCJG-20260302-0001", "SCJG-001", "SCJG", None
    )
    notify = {"department": "SCJG", "officer": "officer-7", "roles": ["officer", "approver"]}
    breached = alert(
        "deadline_breached",
        {"deadline": "2026-03-19", "unit": "G", "days_used": 16, "allowed_days": 15},
    )
    breached["data"]["notify"] = notify
    data = notification_data(breached, facts)
    assert (data["officer"], data["roles"], data["deadline"]) == (
        "officer-7",
        ["officer", "approver"],
        "2026-03-19",
    )
    assert "SCJG-20260302-0001" in data["text_en"] and "2026-03-19" in data["text_zh"]
    jsonschema.validate(notification(breached, facts), notification_schema())
    cleared = alert(
        "deadline_alert_cleared", {"alert": "deadline_breached", "deadline": "2026-03-19"}
    )
    assert notification_data(cleared, facts)["roles"] == ["officer"]  # the kind's default
    assert kind_of("casetrail.case.accepted.v3") is None
    assert kind_of("casetrail.case.deemed_accepted.v3") is not None
