"""The exporter on the real servers: cases through the API, then their exchange records on
the exchange topic as written by hand and as the mapping makes them from the event topic;
the approvals topic; every message valid under its schema in the AsyncAPI document; the
daily file and its manifest; and a restarted exporter publishing nothing again."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from kafka.consumer.fetcher import ConsumerRecord

from domain.clock import HALL_TZ
from domain.exchange.mapping import approval_message, step
from domain.exchange.records import APPROVAL_TYPE, RECORD_TYPES
from infra.entrypoints import cli
from infra.entrypoints.status import committed, topic_end
from infra.kafka_security import ADMIN, approvals_topic, exchange_topic
from infra.state import ROOT
from tests.integration.harness import Hall, Platform, read_whole_topic, running_hall, wait_until

APPLICANT = {"kind": "person", "name": "王小明", "id_number": "110101199001011234"}
VALID_UNTIL = (datetime.now(HALL_TZ).date() + timedelta(days=5 * 365)).isoformat()
FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER
Expected = list[tuple[str, int, dict[str, Any]]]  # record id after the case number, version


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("exchange")


@pytest.fixture(scope="module")
def hall(platform: Platform, files: Path) -> Iterator[Hall]:
    with running_hall(platform, APPLICANT) as staff:
        platform.start("exchange", env={"CASETRAIL_EXCHANGE_DIR": str(files)})
        yield staff


def reviewed(hall: Hall) -> dict[str, Any]:
    """Accepted (version 2), assigned (3), reviewed (4) and agreed (5)."""
    case = hall.submit("SCJG-001")
    hall.act(case, "accept", "clerk")
    hall.act(case, "assign", "approver", "SCJG", assignee="officer-scjg")
    hall.act(case, "complete-step", "officer", "SCJG", step="审查", opinion="agree", comment="齐全")
    hall.act(case, "complete-step", "approver", "SCJG", step="决定", opinion="agree")
    return case


REVIEWED: Expected = [
    ("basic", 1, {"acceptance_status": 1, "applicant_name": "王*明", "channel": "window"}),
    ("materials", 1, {"supplement": "none", "missing": []}),
    ("process:4", 1, {"step": "审查", "opinion": "agree", "officer_id": "officer-scjg"}),
    ("process:5", 1, {"step": "决定", "opinion": "agree", "officer_id": "approver-scjg"}),
]


def approval(hall: Hall) -> tuple[dict[str, Any], Expected]:
    case = reviewed(hall)
    hall.act(case, "decide", "approver", "SCJG", outcome="approved")
    certificate = {"certificate_no": f"JY-{case['case_no']}", "valid_until": VALID_UNTIL}
    hall.act(case, "issue-certificate", "clerk", **certificate)
    hall.act(case, "deliver", "clerk", method="window")
    hall.act(case, "complete", "officer", "SCJG")
    return case, [
        *REVIEWED,
        ("result", 1, {"outcome": "approved", "certificate_no": None}),
        ("result", 2, certificate),
        ("result", 3, {**certificate, "delivery_method": "window"}),
        ("closure", 1, {"result_code": 0, "closure": "completed", "on_time": True}),
    ]


def denial(hall: Hall) -> tuple[dict[str, Any], Expected]:
    case = reviewed(hall)
    hall.act(
        case,
        "decide",
        "approver",
        "SCJG",
        outcome="denied",
        reasons=["场所不符合要求"],
        legal_basis="《食品经营许可管理办法》",
        appeal_notice="可申请行政复议",
    )
    hall.act(case, "deliver", "clerk", method="post")
    hall.act(case, "complete", "officer", "SCJG")
    return case, [
        *REVIEWED,
        ("result", 1, {"outcome": "denied", "reasons": ["场所不符合要求"]}),
        ("result", 2, {"delivery_method": "post", "certificate_no": None}),
        ("closure", 1, {"result_code": 6, "closure": "completed"}),
    ]


def not_accepted(hall: Hall) -> tuple[dict[str, Any], Expected]:
    case = hall.submit("SCJG-001")
    hall.act(
        case,
        "not-accept",
        "clerk",
        reason="不属于本机关职权范围",
        legal_basis="《行政许可法》第三十二条",
        appeal_notice="可申请行政复议",
    )
    return case, [
        ("basic", 1, {"acceptance_status": 4}),
        ("materials", 1, {"supplement": "none"}),
        ("closure", 1, {"result_code": 6, "closure": "not_accepted", "days_used": None}),
    ]


def supplemented(hall: Hall) -> tuple[dict[str, Any], Expected]:
    case = hall.submit("SCJG-001")
    licence = {"code": "M2", "name": "营业执照"}
    hall.act(case, "request-supplement", "clerk", missing=[licence], note="请补齐")
    hall.act(case, "provide-supplement", "clerk", provided=[licence])
    hall.act(case, "accept", "clerk")
    return case, [
        ("basic", 1, {"acceptance_status": 3}),
        ("materials", 1, {"supplement": "requested", "missing": [licence]}),
        ("materials", 2, {"supplement": "provided", "missing": []}),
        ("basic", 2, {"acceptance_status": 1}),  # the correction
    ]


def special(hall: Hall) -> tuple[dict[str, Any], Expected]:
    case = hall.submit("SCJG-001")
    hall.act(case, "accept", "clerk")
    hall.act(case, "assign", "approver", "SCJG", assignee="officer-scjg")
    hall.act(
        case,
        "start-special-procedure",
        "officer",
        "SCJG",
        kind="inspection",
        expected_days=3,
        notice="现场勘查，时间不计入时限",
    )
    hall.act(case, "end-special-procedure", "officer", "SCJG", result="现场符合要求")
    hall.act(
        case, "extend", "approver", "SCJG", days=5, reason="情况复杂", approved_by="department_head"
    )
    inspection = {"kind_code": "F", "limit": 3, "limit_unit": "G", "ended_at": None}
    return case, [
        ("basic", 1, {"acceptance_status": 1}),
        ("materials", 1, {"supplement": "none"}),
        ("special:4", 1, inspection),
        ("special:4", 2, {"kind_code": "F", "result": "现场符合要求"}),
        ("special:6", 1, {"kind_code": "A", "kind": "extension", "limit": 5, "limit_unit": "G"}),
    ]


def messages_of(records: list[ConsumerRecord]) -> list[dict[str, Any]]:
    return [orjson.loads(r.value) for r in records]


@pytest.fixture(scope="module")
def exported(platform: Platform, hall: Hall) -> dict[str, Any]:
    """The five cases, once the exchange topic holds every record they make."""
    cases = {}  # case number → its records as expected, the approval's first
    for journey in (approval, denial, not_accepted, supplemented, special):
        case, expected = journey(hall)
        cases[case["case_no"]] = expected
    topic = exchange_topic(platform.topic)
    total = sum(len(expected) for expected in cases.values())
    wait_until(
        lambda: topic_end(platform.settings.kafka_options(ADMIN), topic) >= total,
        what="the exchange records",
    )
    return {"cases": cases, "records": read_whole_topic(platform, topic)}


def per_case(messages: list[dict[str, Any]], case_no: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["subject"] == case_no]


def test_the_records_are_the_ones_written_by_hand(exported: dict[str, Any]) -> None:
    messages = messages_of(exported["records"])
    for case_no, expected in exported["cases"].items():
        found = per_case(messages, case_no)
        assert [(m["data"]["record_id"], m["data"]["version"]) for m in found] == [
            (f"{case_no}:{suffix}", version) for suffix, version, _ in expected
        ]
        for message, (_, _, fields) in zip(found, expected, strict=True):
            assert {k: message["data"][k] for k in fields} == fields
            assert message["data"]["case_no"] == case_no


def test_the_records_are_the_mapping_of_the_event_topic(
    platform: Platform, exported: dict[str, Any]
) -> None:
    events = sorted(
        (orjson.loads(r.value) for r in platform.read_topic()),
        key=lambda e: (e["subject"], e["caseversion"]),
    )
    sheets: dict[str, Any] = {}
    expected, approvals = [], []
    source = f"/casetrail/{platform.settings.hall}"
    for event in events:
        sheet, made, found = step(sheets.get(event["subject"]), event)
        if sheet is not None:
            sheets[event["subject"]] = sheet
        expected += [v.message(source) for v in made]
        if found is not None:
            approvals.append(approval_message(found, event["id"], event["time"], source))
    messages = messages_of(exported["records"])
    for case_no in exported["cases"]:
        assert per_case(messages, case_no) == per_case(expected, case_no)
    assert len({m["id"] for m in messages}) == len(messages)  # one id per record version
    on_topic = messages_of(read_whole_topic(platform, approvals_topic(platform.topic)))
    assert on_topic == approvals


def test_the_approvals_topic_carries_the_certificate_and_its_validity(
    platform: Platform, exported: dict[str, Any]
) -> None:
    (approved,) = messages_of(read_whole_topic(platform, approvals_topic(platform.topic)))
    case_no = next(iter(exported["cases"]))
    assert approved["type"] == APPROVAL_TYPE and approved["subject"] == case_no
    today = datetime.now(HALL_TZ).date().isoformat()
    assert {k: approved["data"][k] for k in ("certificate_no", "valid_until", "valid_from")} == {
        "certificate_no": f"JY-{case_no}",
        "valid_until": VALID_UNTIL,
        "valid_from": today,
    }
    assert approved["data"]["decided_on"] == today
    assert approved["data"]["applicant_name"] == "王*明"


def test_every_message_validates_against_the_asyncapi_document(
    platform: Platform, hall: Hall, exported: dict[str, Any]
) -> None:
    document = hall.client("clerk").get("/api/v1/asyncapi.json").json()
    channels = document["channels"]
    assert channels["exchange"]["address"] == exchange_topic(platform.topic)
    assert channels["approvals"]["address"] == approvals_topic(platform.topic)
    schemas = {
        name: message["payload"]["schema"]
        for channel in ("exchange", "approvals")
        for name, message in channels[channel]["messages"].items()
    }
    assert {f"casetrail.exchange.{kind}.v1" for kind in RECORD_TYPES} | {"approval"} == set(schemas)
    approvals = read_whole_topic(platform, approvals_topic(platform.topic))
    for record in [*exported["records"], *approvals]:
        message = orjson.loads(record.value)
        schema = schemas["approval" if message["type"] == APPROVAL_TYPE else message["type"]]
        jsonschema.validate(message, schema, format_checker=FORMATS)
        headers = dict(record.headers)
        assert headers["content-type"].startswith(b"application/cloudevents+json")
        assert record.key == message["subject"].encode()
        text = record.value.decode()
        assert APPLICANT["name"] not in text and APPLICANT["id_number"] not in text


def casetrail(platform: Platform, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli.command("exchange", "files", *args),
        cwd=ROOT,
        env=platform.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_daily_file_and_its_manifest(
    platform: Platform, exported: dict[str, Any], tmp_path: Path
) -> None:
    messages = [r.value for r in exported["records"]]
    for day in {_day(m) for m in messages}:
        done = casetrail(platform, "--date", day.isoformat(), "--out", str(tmp_path))
        assert done.returncode == 0, done.stderr
        body = (tmp_path / f"exchange-{day}.jsonl").read_bytes()
        manifest = orjson.loads((tmp_path / f"exchange-{day}.manifest.json").read_bytes())
        lines = body.splitlines()
        ours = [m for m in messages if _day(m) == day]
        assert sorted(lines) == sorted(ours)  # the topic's messages of the day, byte for byte
        assert manifest["count"] == len(lines) == len(ours)
        assert manifest["sha256"] == hashlib.sha256(body).hexdigest()
        assert manifest["date"] == day.isoformat()
        kinds = [orjson.loads(line)["type"].split(".")[2] for line in lines]
        assert manifest["record_types"] == {kind: kinds.count(kind) for kind in RECORD_TYPES}
        keys = [_order(line) for line in lines]
        assert keys == sorted(keys)  # by time, record id and version
        again = casetrail(platform, "--date", day.isoformat(), "--out", str(tmp_path))
        assert again.returncode == 0 and (tmp_path / f"exchange-{day}.jsonl").read_bytes() == body


def test_readable_errors_of_the_files_command(platform: Platform, tmp_path: Path) -> None:
    bad_date = casetrail(platform, "--date", "2026-13-01")
    assert bad_date.returncode == 2 and "not a date (YYYY-MM-DD): '2026-13-01'" in bad_date.stderr
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    blocked = casetrail(platform, "--date", "2026-03-02", "--out", str(blocker))
    assert blocked.returncode == 1
    assert f"casetrail: cannot write the exchange files into {blocker}" in blocked.stderr
    assert "Traceback" not in blocked.stderr


def test_a_restarted_exporter_publishes_no_version_again(
    platform: Platform, hall: Hall, exported: dict[str, Any], files: Path
) -> None:
    """Restarted in a new consumer group, which reads every event again: nothing is
    published again; a new case's records are."""
    topic = exchange_topic(platform.topic)
    options = platform.settings.kafka_options(ADMIN)
    before = topic_end(options, topic)
    fresh = f"{platform.settings.exporter_group}.again"
    platform.stop("exchange")
    platform.start(
        "exchange",
        env={"CASETRAIL_EXCHANGE_DIR": str(files), "CASETRAIL_EXPORTER_GROUP": fresh},
    )
    events = topic_end(options, platform.topic)
    wait_until(
        lambda: committed(options, platform.topic, fresh) >= events,
        what="the new group reading every event again",
    )
    assert topic_end(options, topic) == before
    case, expected = not_accepted(hall)
    wait_until(lambda: topic_end(options, topic) >= before + len(expected), what="the new case")
    records = messages_of(read_whole_topic(platform, topic))
    assert len(records) == before + len(expected)
    assert [m["data"]["record_id"] for m in records[before:]] == [
        f"{case['case_no']}:{suffix}" for suffix, _, _ in expected
    ]
    # yesterday's files were written once the exporter caught up
    yesterday = datetime.now(HALL_TZ).date() - timedelta(days=1)
    wait_until(lambda: (files / f"exchange-{yesterday}.manifest.json").exists(), what="files")


def _day(message: bytes) -> date:
    return datetime.fromisoformat(orjson.loads(message)["time"]).astimezone(HALL_TZ).date()


def _order(line: bytes) -> tuple[datetime, str, int]:
    message = orjson.loads(line)
    data = message["data"]
    return datetime.fromisoformat(message["time"]), data["record_id"], data["version"]
