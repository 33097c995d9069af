"""Supervision notices (督办) on the real servers: issued and answered through the API,
each department reading only its own; an unanswered notice escalated exactly once by
the timed rule run twice; and the notifier telling the notifications topic of each
notice event, under the schema the AsyncAPI document publishes."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import jsonschema
import orjson
import psycopg
import pytest

from consumers.cloudevents import TYPE_HEADER
from consumers.notice_escalation import escalate_overdue_notices
from domain.application import HallApplication
from domain.clock import SimulatedClock
from domain.notifications import NOTIFICATION_TYPE, kind_of
from infra.entrypoints import cli
from infra.entrypoints.bootstrap import build_application, open_pool
from infra.kafka_security import notifications_topic
from infra.state import ROOT
from tests.integration.harness import (
    Hall,
    Platform,
    hall_today,
    read_whole_topic,
    running_hall,
    wait_until,
)

APPLICANT = {"kind": "person", "name": "李督办", "id_number": "110101198805050011"}
NOTICES = "/api/v1/supervision/notices"


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, APPLICANT) as staff:
        platform.start("notify")
        yield staff


@pytest.fixture(scope="module")
def application(platform: Platform) -> Iterator[HallApplication]:
    with open_pool(platform.settings.api_database_url, max_size=2) as pool:
        app = build_application(platform.settings, pool)
        try:
            yield app
        finally:
            app.close()


def open_case(hall: Hall) -> dict[str, Any]:
    case = hall.submit("SCJG-001")
    hall.act(case, "accept", "clerk")
    hall.act(case, "assign", "approver", "SCJG", assignee="officer-scjg")
    return case


def issue(hall: Hall, case: dict[str, Any], days: int = 3) -> dict[str, Any]:
    response = hall.client("supervisor").post(
        NOTICES,
        json={"case_id": case["case_id"], "text": "请说明办理进度", "respond_within_days": days},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def projected(hall: Hall, notice_id: str, status: str) -> dict[str, Any]:
    """The notice as the supervisor reads it, once the read side shows ``status``."""

    def read() -> dict[str, Any]:
        response = hall.client("supervisor").get(f"{NOTICES}/{notice_id}")
        if response.status_code == 200 and response.json()["status"] == status:
            return dict(response.json())
        assert response.status_code in (200, 404), response.text
        return {}

    return wait_until(read, what=f"notice {notice_id} {status}")


def test_a_notice_is_issued_and_answered_by_its_department_only(hall: Hall) -> None:
    case = open_case(hall)
    issued = issue(hall, case)
    assert date.fromisoformat(issued["respond_by"]) > hall_today()
    notice_id = issued["notice_id"]
    view = projected(hall, notice_id, "open")
    assert (view["case_no"], view["department"], view["officer"]) == (
        case["case_no"],
        "SCJG",
        "officer-scjg",
    )
    # another department's approver neither reads nor answers it; nor lists SCJG's
    other = hall.client("approver", "JT")
    assert other.get(f"{NOTICES}/{notice_id}").status_code == 403
    refused = other.post(f"{NOTICES}/{notice_id}/respond", json={"text": "越权"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert other.get(NOTICES, params={"department": "SCJG"}).status_code == 403
    assert notice_id not in {n["notice_id"] for n in other.get(NOTICES).json()["items"]}
    by_officer = hall.client("officer", "SCJG").post(
        NOTICES, json={"case_id": case["case_id"], "text": "x"}
    )
    assert by_officer.status_code == 403  # only supervisors issue
    # the department's approver lists it (its own department without asking) and answers
    own = hall.client("approver", "SCJG")
    listed = own.get(NOTICES, params={"status": "open"}).json()
    assert notice_id in {n["notice_id"] for n in listed["items"]}
    answered = own.post(f"{NOTICES}/{notice_id}/respond", json={"text": "已加快办理"})
    assert answered.status_code == 200, answered.text
    again = own.post(f"{NOTICES}/{notice_id}/respond", json={"text": "再次回复"})
    assert again.status_code == 409
    view = projected(hall, notice_id, "responded")
    assert (view["response"]["text"], view["response"]["by"]) == ("已加快办理", "approver-scjg")


def test_an_unknown_notice_and_a_closed_case_are_problems(hall: Hall) -> None:
    supervisor = hall.client("supervisor")
    missing = supervisor.get(f"{NOTICES}/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    case = hall.submit("SCJG-001")
    hall.act(case, "withdraw", "clerk", reason="申请人撤回")
    closed = supervisor.post(NOTICES, json={"case_id": case["case_id"], "text": "x"})
    assert closed.status_code == 422


def escalations(platform: Platform, notice_id: str) -> int:
    rows = platform.sql(
        "SELECT count(*) FROM casetrail_events WHERE originator_id = %s AND topic LIKE %s",
        notice_id,
        "%Escalated",
    )
    return int(rows[0][0])


def test_an_overdue_notice_escalates_exactly_once(
    platform: Platform, hall: Hall, application: HallApplication
) -> None:
    issued = issue(hall, open_case(hall), days=1)
    notice_id = issued["notice_id"]
    projected(hall, notice_id, "open")
    respond_by = date.fromisoformat(issued["respond_by"])
    with psycopg.connect(platform.settings.api_database_url) as conn:
        assert escalate_overdue_notices(application, conn, respond_by) == 0  # not yet overdue
        overdue = respond_by + timedelta(days=1)
        assert escalate_overdue_notices(application, conn, overdue) == 1
        assert escalate_overdue_notices(application, conn, overdue) == 0  # view still open
        view = projected(hall, notice_id, "escalated")
        assert escalate_overdue_notices(application, conn, overdue + timedelta(days=1)) == 0
    assert escalations(platform, notice_id) == 1
    assert view["escalation"]["overdue_since"] == overdue.isoformat()
    assert view["escalation"]["escalated_to"] == "hall_admin"
    late = hall.client("officer", "SCJG").post(
        f"{NOTICES}/{notice_id}/respond", json={"text": "迟复"}
    )
    assert late.status_code == 200, late.text


def notification_schema_served(platform: Platform) -> dict[str, Any]:
    """The notification's schema as the AsyncAPI document publishes it."""
    with httpx.Client(base_url=platform.base_url, timeout=30) as public:
        document = public.get("/api/v1/asyncapi.json").json()
    channel = document["channels"]["notifications"]
    assert channel["address"] == notifications_topic(platform.topic)
    return dict(channel["messages"]["notification"]["payload"]["schema"])


def notifications(platform: Platform) -> list[Any]:
    return read_whole_topic(platform, notifications_topic(platform.topic))


def source_ids(platform: Platform, notice_id: str) -> list[str]:
    """The CloudEvents ids of the notice's events, as the relay published them."""
    return [
        orjson.loads(record.value)["id"]
        for record in platform.read_topic()
        if record.key == notice_id.encode()
    ]


def test_the_notifier_tells_of_every_notice_event_under_the_published_schema(
    platform: Platform, hall: Hall
) -> None:
    case = open_case(hall)
    notice_id = issue(hall, case)["notice_id"]
    answered = hall.client("officer", "SCJG").post(
        f"{NOTICES}/{notice_id}/respond", json={"text": "已办理，申请人电话13800000000"}
    )
    assert answered.status_code == 200

    def published() -> list[str]:
        found = source_ids(platform, notice_id)
        return found if len(found) == 2 else []

    ids = wait_until(published, what="the notice's events on the topic")

    def told_of_notice() -> list[Any]:
        found = [r for r in notifications(platform) if orjson.loads(r.value)["id"] in ids]
        return found if len(found) >= 2 else []

    told = wait_until(told_of_notice, what="the notifications of the notice")
    schema = notification_schema_served(platform)
    messages = [orjson.loads(record.value) for record in told]
    for record, message in zip(told, messages, strict=True):
        jsonschema.validate(message, schema, format_checker=jsonschema.FormatChecker())
        assert record.key == case["case_id"].encode()
        assert dict(record.headers)[TYPE_HEADER] == NOTIFICATION_TYPE.encode()
    by_source = {m["data"]["source_type"]: m for m in messages}
    issued = by_source["casetrail.supervision_notice.issued.v1"]["data"]
    assert (issued["case_no"], issued["item_code"], issued["officer"]) == (
        case["case_no"],
        "SCJG-001",
        "officer-scjg",
    )
    responded = by_source["casetrail.supervision_notice.responded.v1"]["data"]
    assert responded["roles"] == ["supervisor"]
    text = b"".join(record.value for record in told).decode()
    assert APPLICANT["name"] not in text and "13800000000" not in text
    assert len({m["id"] for m in messages}) == len(messages) == 2


def test_the_notifier_tells_of_a_deadline_alert_recorded_by_the_sweeper(
    platform: Platform, hall: Hall
) -> None:
    case = open_case(hall)
    later = SimulatedClock(datetime.now(UTC) + timedelta(days=90))  # past the promised limit
    with open_pool(platform.settings.api_database_url, max_size=2) as pool:
        swept = build_application(platform.settings, pool, clock=later)
        try:
            (done,) = swept.record_due([UUID(case["case_id"])])
        finally:
            swept.close()
    assert done.recorded, "the sweeper recorded no alert 90 days on"

    def alerts() -> dict[str, dict[str, Any]]:
        found = {
            (event := orjson.loads(record.value))["id"]: event
            for record in platform.read_topic()
            if record.key == case["case_id"].encode()
        }
        found = {i: e for i, e in found.items() if kind_of(e["type"]) is not None}
        return found if len(found) == len(done.recorded) else {}

    sources = wait_until(alerts, what="the alerts on the topic")

    def told_of_alerts() -> dict[str, dict[str, Any]]:
        messages = (orjson.loads(record.value) for record in notifications(platform))
        found = {m["id"]: m for m in messages if m["id"] in sources}
        return found if len(found) == len(sources) else {}

    told = wait_until(told_of_alerts, what="the notifications of the alerts")
    schema = notification_schema_served(platform)
    for source_id, source in sources.items():
        message = told[source_id]
        jsonschema.validate(message, schema, format_checker=jsonschema.FormatChecker())
        data, notify = message["data"], source["data"]["notify"]
        assert data["source_type"] == source["type"]
        assert (data["department"], data["officer"], data["roles"]) == (
            notify["department"],
            notify["officer"],
            notify["roles"],
        )
        assert data["deadline"] == source["data"]["deadline"]
        assert (data["case_no"], data["item_code"]) == (case["case_no"], "SCJG-001")


def test_a_notifier_killed_and_started_again_tells_of_what_came_meanwhile(
    platform: Platform, hall: Hall
) -> None:
    platform.kill("notify")
    notice_id = issue(hall, open_case(hall))["notice_id"]
    (source,) = wait_until(lambda: source_ids(platform, notice_id), what="the notice published")
    platform.start("notify")

    def told() -> list[dict[str, Any]]:
        messages = (orjson.loads(record.value) for record in notifications(platform))
        return [m for m in messages if m["id"] == source]

    (message,) = wait_until(told, what="the notification after the restart")
    assert message["data"]["source_type"] == "casetrail.supervision_notice.issued.v1"


def test_casetrail_status_shows_the_notifiers_lag(platform: Platform, hall: Hall) -> None:
    issue(hall, open_case(hall))
    caught_up = "notifier lag    0 message(s) on the topic, not yet read for notifications"

    def status() -> str:
        finished = subprocess.run(
            cli.command("status"),
            cwd=ROOT,
            env=platform.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return finished.stdout if caught_up in finished.stdout.splitlines() else ""

    wait_until(status, what="the notifier to catch up, as casetrail status tells")


def test_the_sweeper_escalates_an_overdue_notice_once_after_its_sweeps(
    platform: Platform, hall: Hall
) -> None:
    issued = issue(hall, open_case(hall), days=1)
    notice_id = issued["notice_id"]
    projected(hall, notice_id, "open")
    overdue = date.fromisoformat(issued["respond_by"]) + timedelta(days=1)
    env = {
        **platform.env(),
        "CASETRAIL_MODE": "test",
        "CASETRAIL_SIMULATED_NOW": f"{overdue.isoformat()}T10:00+08:00",
        "CASETRAIL_SWEEPER_INSTANCE": "once",
    }
    for _ in range(2):  # the second finds it escalated, shown by the view or not yet
        finished = subprocess.run(
            cli.command("sweep", "--once"),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert finished.returncode == 0, finished.stderr
    view = projected(hall, notice_id, "escalated")
    assert escalations(platform, notice_id) == 1
    assert view["escalation"]["by"] == "notice-escalation"
