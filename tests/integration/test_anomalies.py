"""The anomaly detector and the inspectors' findings on the real servers.

A case that trips a rule gets exactly one ``Detected`` event: also when the detector is
killed and started again (it reads on from its stored offsets, nothing twice) and when
the relay publishes the same message twice. The queue lists the anomaly; inspectors
confirm it or dismiss it with a reason, once; nobody else reads or decides. A declared
interest, made before or after the officer handled the applicant's case, is detected,
and the ID number it was declared with is nowhere in clear.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import orjson
import psycopg
import pytest
from psycopg import sql

from consumers.cloudevents import recorded_document
from consumers.relay import make_producer
from domain.anomalies.detection import anomaly_id
from domain.clock import HALL_TZ
from infra.entrypoints import cli
from infra.entrypoints.bootstrap import build_application, open_pool
from infra.entrypoints.status import consumed
from infra.kafka_security import RELAY
from infra.state import ROOT
from tests.integration.harness import Hall, Platform, running_hall, wait_until

pytestmark = pytest.mark.integration

APPLICANT = {"kind": "person", "name": "孙悟空", "id_number": "110101199202022222"}
RELATIVE = "110101197707077777"  # declared before the officer handles the case
LATER = "110101196606066666"  # declared after
OFFICER = "officer-scjg"  # the user of the harness's officer token of SCJG
FORBIDDEN_ROLES = [("clerk", "HALL"), ("officer", "SCJG"), ("approver", "SCJG")]
FORBIDDEN_ROLES += [("supervisor", "HALL"), ("hall_admin", "HALL")]


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, APPLICANT) as staff:
        platform.start("anomalies")
        yield staff


def detected(platform: Platform, anomaly: UUID) -> int:
    """How many ``Detected`` events the store holds for ``anomaly``."""
    rows = platform.sql(
        "SELECT count(*) FROM casetrail_events WHERE originator_id = %s AND originator_version = 1",
        anomaly,
    )
    return int(rows[0][0])


def judged_up_to_date(platform: Platform) -> bool:
    """Whether the detector has taken every message on the topic."""
    with closing(platform_connection(platform)) as conn:
        taken = consumed(conn, platform.topic, platform.settings.anomalies_group)
    return taken == platform.end_offsets_total()


def platform_connection(platform: Platform) -> psycopg.Connection[Any]:
    return psycopg.connect(platform.settings.database_url)


def case_facts_length(platform: Platform, case_id: str) -> int:
    rows = platform.sql(
        "SELECT jsonb_array_length(facts->'timeline') FROM anomaly_cases WHERE case_id = %s",
        case_id,
    )
    return int(rows[0][0])


def queue(hall: Hall, **filters: Any) -> dict[str, Any]:
    response = hall.client("inspector").get("/api/v1/audit/anomalies", params=filters)
    assert response.status_code == 200, response.text
    return dict(response.json())


def listed(hall: Hall, anomaly: UUID, **expected: Any) -> dict[str, Any]:
    """The anomaly as the queue lists it, once it does (with ``expected`` values)."""

    def found() -> dict[str, Any] | None:
        response = hall.client("inspector").get(f"/api/v1/audit/anomalies/{anomaly}")
        if response.status_code != 200:
            return None
        view = dict(response.json())
        return view if all(view[k] == v for k, v in expected.items()) else None

    view = wait_until(found, timeout=60, what=f"anomaly {anomaly} {expected} in the queue")
    assert view is not None
    return view


@pytest.fixture(scope="module")
def reassigned(hall: Hall) -> dict[str, Any]:
    """A case assigned three times: P06 (repeated reassignment)."""
    case = hall.submit("SCJG-001")
    hall.act(case, "accept", "clerk")
    for officer in ("officer-a", "officer-b", "officer-c"):
        hall.act(case, "assign", "officer", "SCJG", assignee=officer)
    case["anomaly"] = anomaly_id("P06", case["case_id"], "assignments")
    wait_until(lambda: detected(hall.platform, case["anomaly"]) == 1, what="P06 recorded")
    return case


def test_a_case_that_trips_a_rule_gets_one_anomaly(hall: Hall, reassigned: dict[str, Any]) -> None:
    platform = hall.platform
    wait_until(lambda: judged_up_to_date(platform), what="the detector to take every message")
    assert detected(platform, reassigned["anomaly"]) == 1
    view = listed(hall, reassigned["anomaly"])
    assert (view["rule"], view["level"], view["status"]) == ("P06", "warning", "open")
    assert view["case_no"] == reassigned["case_no"] and view["department"] == "SCJG"
    assert set(view["officers"]) >= {"officer-a", "officer-b", "officer-c"}
    assert view["evidence"]["measured"] == {"assignments": 3}
    assert view["evidence"]["thresholds"] == {"max_assignments": 2}
    assert [e["kind"] for e in view["evidence"]["events"]] == ["assigned"] * 3
    assert view["rule_doc"]["title"]["zh"] == "频繁改派承办人"
    assert view["findings"] == [] and view["version"] == 1


def test_the_same_message_delivered_twice_is_judged_once(
    hall: Hall, reassigned: dict[str, Any]
) -> None:
    platform = hall.platform
    wait_until(lambda: judged_up_to_date(platform), what="the detector to catch up")
    last = next(
        record
        for record in platform.read_topic()
        if record.key == reassigned["case_id"].encode()
        and orjson.loads(record.value)["caseversion"] == 5
    )
    with closing(make_producer(platform.settings.kafka_options(RELAY))) as producer:
        producer.send(
            platform.topic, key=last.key, value=last.value, headers=list(last.headers)
        ).get(timeout=30)
    wait_until(lambda: judged_up_to_date(platform), what="the detector to take the duplicate")
    assert detected(platform, reassigned["anomaly"]) == 1
    assert case_facts_length(platform, reassigned["case_id"]) == 5
    applied = platform.sql(
        "SELECT version FROM applied_versions WHERE consumer = %s AND case_id = %s",
        platform.settings.anomalies_group,
        reassigned["case_id"],
    )
    assert applied == [(5,)]


def test_a_restarted_detector_reads_on_from_its_offsets(
    hall: Hall, reassigned: dict[str, Any]
) -> None:
    platform = hall.platform
    wait_until(lambda: judged_up_to_date(platform), what="the detector to catch up")
    platform.kill("anomalies")
    taken = platform.end_offsets_total()
    hall.act(reassigned, "assign", "officer", "SCJG", assignee="officer-d")
    wait_until(lambda: platform.end_offsets_total() > taken, what="the relay to publish")
    platform.start("anomalies", label="anomalies-again")
    wait_until(lambda: judged_up_to_date(platform), what="the restarted detector to catch up")
    assert detected(platform, reassigned["anomaly"]) == 1
    assert case_facts_length(platform, reassigned["case_id"]) == 6
    read = sum(
        int(n) for n in re.findall(r"applied (\d+) events from", platform.log("anomalies-again"))
    )
    assert read == platform.end_offsets_total() - taken  # only what came after the kill


def test_inspectors_confirm_once(hall: Hall, reassigned: dict[str, Any]) -> None:
    inspector = hall.client("inspector")
    path = f"/api/v1/audit/anomalies/{reassigned['anomaly']}"
    confirmed = inspector.post(f"{path}/confirm", json={"note": "已约谈科室负责人"})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["version"] == 2
    view = listed(hall, reassigned["anomaly"], status="confirmed")
    [finding] = view["findings"]
    assert (finding["finding"], finding["text"], finding["by"]) == (
        "confirmed",
        "已约谈科室负责人",
        "inspector-hall",
    )
    again = inspector.post(f"{path}/dismiss", json={"reason": "改判"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert "already confirmed" in again.json()["detail"]
    assert inspector.post(f"{path}/confirm", json={}).status_code == 409
    found = queue(hall, status="confirmed", rule="P06", officer="officer-b")
    assert [item["anomaly_id"] for item in found["items"]] == [str(reassigned["anomaly"])]
    assert queue(hall, status="open", rule="P06", case_id=reassigned["case_id"])["total"] == 0


def test_inspectors_dismiss_only_with_a_reason(hall: Hall) -> None:
    """SCJG-001 requires separation of duties: the head accepted and decided (I02)."""
    case = hall.submit("SCJG-001")
    hall.act(case, "accept", "approver", "SCJG")
    hall.act(case, "assign", "officer", "SCJG", assignee="officer-a")
    hall.act(case, "complete-step", "officer", "SCJG", step="审查", opinion="agree")
    hall.act(case, "complete-step", "approver", "SCJG", step="决定", opinion="agree")
    hall.act(case, "decide", "approver", "SCJG", outcome="approved")
    anomaly = anomaly_id("I02", case["case_id"], "accept-decide")
    view = listed(hall, anomaly)
    assert (view["rule"], view["level"], view["officers"]) == ("I02", "serious", ["approver-scjg"])
    inspector = hall.client("inspector")
    path = f"/api/v1/audit/anomalies/{anomaly}/dismiss"
    for body, status in (({}, 422), ({"reason": ""}, 422), ({"reason": "   "}, 422)):
        refused = inspector.post(path, json=body)
        assert refused.status_code == status, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    dismissed = inspector.post(path, json={"reason": "负责人当场受理并决定，有书面授权"})
    assert dismissed.status_code == 200, dismissed.text
    view = listed(hall, anomaly, status="dismissed")
    assert view["findings"][0]["text"] == "负责人当场受理并决定，有书面授权"
    assert inspector.post(path, json={"reason": "again"}).status_code == 409


def test_nobody_else_reads_or_decides(hall: Hall, reassigned: dict[str, Any]) -> None:
    anomaly = reassigned["anomaly"]
    calls = [
        ("GET", "/api/v1/audit/anomaly-rules", None),
        ("GET", "/api/v1/audit/anomalies", None),
        ("GET", f"/api/v1/audit/anomalies/{anomaly}", None),
        ("POST", f"/api/v1/audit/anomalies/{anomaly}/confirm", {"note": "n"}),
        ("POST", f"/api/v1/audit/anomalies/{anomaly}/dismiss", {"reason": "r"}),
        ("GET", "/api/v1/audit/interests", None),
    ]
    for role, department in FORBIDDEN_ROLES:
        client = hall.client(role, department)
        for method, path, body in calls:
            response = client.request(method, path, json=body)
            assert response.status_code == 403, (role, method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
    for method, path, body in calls:
        anonymous = httpx.request(method, f"{hall.platform.base_url}{path}", json=body)
        assert anonymous.status_code == 401
    assert detected(hall.platform, anomaly) == 1


def test_the_rule_catalogue(hall: Hall) -> None:
    response = hall.client("inspector").get("/api/v1/audit/anomaly-rules")
    assert response.status_code == 200
    rules = {rule["code"]: rule for rule in response.json()["rules"]}
    assert len(rules) >= 12
    assert rules["T01"]["thresholds"] == {"max_working_days": 5}
    assert rules["I03"]["documentation"]["legal_basis"] == "《中华人民共和国公务员法》第七十六条"
    assert {r["category"] for r in rules.values()} == {"timing", "process", "content", "integrity"}


def declare(hall: Hall, id_number: str, role: str = "officer", **more: Any) -> httpx.Response:
    department = "SCJG" if role in ("officer", "approver") else "HALL"
    body = {"applicant_kind": "person", "id_number": id_number, "relation": "配偶", **more}
    return hall.client(role, department).post("/api/v1/audit/interests", json=body)


def handled_by_the_officer(hall: Hall, id_number: str) -> dict[str, Any]:
    case = hall.submit("SCJG-001", {**APPLICANT, "id_number": id_number})
    hall.act(case, "accept", "clerk")
    hall.act(case, "assign", "officer", "SCJG", assignee=OFFICER)
    hall.act(case, "complete-step", "officer", "SCJG", step="审查", opinion="agree")
    return case


def test_an_interest_declared_before_the_handling_is_detected(hall: Hall) -> None:
    declared = declare(hall, RELATIVE, note="其配偶为申请人")
    assert declared.status_code == 201, declared.text
    case = handled_by_the_officer(hall, RELATIVE)
    view = listed(hall, anomaly_id("I03", case["case_id"], f"officer:{OFFICER}"))
    assert (view["level"], view["officers"]) == ("serious", [OFFICER])
    assert view["evidence"]["measured"]["interest_id"] == declared.json()["interest_id"]
    # judged when the officer's first involvement or the declaration was read, whichever last
    kinds = [e["kind"] for e in view["evidence"]["events"]]
    assert kinds in (["assigned"], ["assigned", "step_completed"])
    assert declare(hall, RELATIVE).status_code == 409  # it stands already


def test_an_interest_declared_after_the_handling_is_detected(hall: Hall) -> None:
    case = handled_by_the_officer(hall, LATER)
    wait_until(lambda: judged_up_to_date(hall.platform), what="the detector to catch up")
    anomaly = anomaly_id("I03", case["case_id"], f"officer:{OFFICER}")
    assert detected(hall.platform, anomaly) == 0
    assert declare(hall, LATER).status_code == 201
    listed(hall, anomaly)


def test_the_register_declares_and_withdraws_by_the_rules(hall: Hall) -> None:
    for_another = declare(hall, "110101195505055555", role="hall_admin", officer="officer-x")
    assert for_another.status_code == 201, for_another.text
    refused = declare(hall, "110101195505055555", officer="officer-x")
    assert refused.status_code == 403
    interest = for_another.json()["interest_id"]
    path = f"/api/v1/audit/interests/{interest}"
    assert hall.client("officer", "SCJG").delete(path).status_code == 403  # not theirs
    withdrawn = hall.client("hall_admin").delete(path, params={"reason": "调离"})
    assert withdrawn.status_code == 200, withdrawn.text
    assert hall.client("hall_admin").delete(path).status_code == 409
    unknown = "/api/v1/audit/interests/00000000-0000-0000-0000-000000000000"
    assert hall.client("hall_admin").delete(unknown).status_code == 404

    def register() -> dict[str, Any] | None:
        response = hall.client("inspector").get(
            "/api/v1/audit/interests", params={"officer": "officer-x"}
        )
        items = response.json()["items"]
        return items[0] if items and items[0]["status"] == "withdrawn" else None

    entry = wait_until(register, what="the withdrawal in the register")
    assert entry is not None
    assert entry["officer"] == "officer-x" and len(entry["subject"]) == 64
    assert [h["event"] for h in entry["history"]] == ["declared", "withdrawn"]


def test_an_id_number_is_nowhere_in_clear(hall: Hall, platform: Platform) -> None:
    """After the declarations above: not in any event (decrypted), message, table or log."""
    wait_until(lambda: judged_up_to_date(platform), what="the detector to catch up")
    secrets = (RELATIVE, LATER, "110101195505055555")
    with open_pool(platform.settings.api_database_url, max_size=1) as pool:
        app = build_application(platform.settings, pool)
        events = [
            orjson.dumps(recorded_document(n, app.mapper)).decode()
            for n in app.recorder.select_notifications(start=None, limit=100_000)
        ]
        app.close()
    assert any("casetrail.declared_interest.declared.v1" in e for e in events)
    messages = [record.value.decode() for record in platform.read_topic()]
    tables = [
        name
        for (name,) in platform.sql(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
            "AND relkind = 'r'"
        )
    ]
    with closing(platform_connection(platform)) as conn:
        rows = [
            str(row)
            for table in tables
            for row in conn.execute(
                sql.SQL("SELECT t::text FROM {} AS t").format(sql.Identifier(table))
            ).fetchall()
        ]
    logs = [platform.log(label) for label in ("api", "anomalies", "project", "relay")]
    everything = "\n".join([*events, *messages, *rows, *logs])
    assert '"subject"' in everything  # the keyed hashes are there
    for number in secrets:
        assert number not in everything


def test_casetrail_status_shows_the_detectors_lag(hall: Hall, platform: Platform) -> None:
    wait_until(lambda: judged_up_to_date(platform), what="the detector to catch up")
    finished = subprocess.run(
        cli.command("status"),
        cwd=ROOT,
        env=platform.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = finished.stdout.splitlines()
    assert "anomaly lag     0 message(s) on the topic, not yet judged for anomalies" in lines, (
        finished.stdout + finished.stderr
    )


def test_a_forged_event_is_held_by_the_detector_and_an_operator_discards_it(
    hall: Hall, reassigned: dict[str, Any]
) -> None:
    """A message that does not continue its case's chain (its ``prevhash`` is not the
    head the detector applied) is held under the detector's name, and changes no fact."""
    platform = hall.platform
    wait_until(lambda: judged_up_to_date(platform), what="the detector to catch up")
    last = max(
        (
            orjson.loads(r.value)
            for r in platform.read_topic()
            if r.key == reassigned["case_id"].encode()
        ),
        key=lambda e: e["caseversion"],
    )
    forged = {**last, "caseversion": last["caseversion"] + 1}  # the same link, again
    with closing(make_producer(platform.settings.kafka_options(RELAY))) as producer:
        producer.send(platform.topic, key=last["subject"].encode(), value=orjson.dumps(forged))
        producer.flush()
    group = platform.settings.anomalies_group

    def held() -> list[tuple[Any, ...]]:
        return platform.sql(
            "SELECT id, reason FROM quarantine WHERE consumer = %s AND status = 'held'", group
        )

    [(held_id, reason)] = wait_until(held, what="the forged event held by the detector")
    assert reason.startswith("chain break: prevhash of version")
    assert case_facts_length(platform, reassigned["case_id"]) == last["caseversion"]
    token = platform.token("hall_admin")
    listing = subprocess.run(
        cli.command("quarantine", "list"),
        cwd=ROOT,
        env=platform.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert group in listing.stdout
    discarded = subprocess.run(
        cli.command(
            "quarantine", "discard", str(held_id), "--reason", "伪造消息", "--token", token
        ),
        cwd=ROOT,
        env=platform.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert discarded.returncode == 0, discarded.stderr
    assert held() == []


def test_a_case_standing_still_is_found_by_the_detectors_look_at_today(
    hall: Hall, reassigned: dict[str, Any]
) -> None:
    """Started on a simulated clock 40 days on, the detector finds the reassigned case,
    whose clock runs and which nothing happened to since (T04), without a new event."""
    platform = hall.platform
    wait_until(lambda: judged_up_to_date(platform), what="the detector to catch up")
    for label in [name for name in platform.processes if name.startswith("anomalies")]:
        platform.stop(label)
    later = (datetime.now(UTC) + timedelta(days=40)).isoformat()
    simulated = {"CASETRAIL_MODE": "test", "CASETRAIL_SIMULATED_NOW": later}
    platform.start("anomalies", label="anomalies-later", env=simulated)

    def found() -> list[dict[str, Any]]:
        return list(queue(hall, rule="T04", case_id=reassigned["case_id"])["items"])

    [anomaly] = wait_until(found, what="T04 in the queue")
    view = listed(hall, UUID(anomaly["anomaly_id"]))
    assert view["evidence"]["measured"]["idle_working_days"] > 10
    today = datetime.fromisoformat(later).astimezone(HALL_TZ).date().isoformat()
    assert view["evidence"]["measured"]["until"] == today
    assert [e["kind"] for e in view["evidence"]["events"]] == ["assigned"]
