"""The stream as others read it, end to end: cases driven through the platform (relay,
projection runner, API, notifier, audit log running), then every message of every
channel of the AsyncAPI document read with the CloudEvents Python SDK and checked
against its type's schema (non-empty for the topics whose producers ran); and the same
topics read by an integrator with the Java client and the CloudEvents Java SDK, which
sees the same events."""

from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cloudevents.core.base import BaseCloudEvent

from infra.entrypoints import cli
from infra.kafka_acls import integrator_topics
from infra.kafka_security import ADMIN
from infra.state import ROOT, state_dir
from tests.integration import stream_conformance as conformance
from tests.integration.audit_helpers import AUDIT_ENV, wait_logged
from tests.integration.harness import Hall, Platform, read_whole_topic, running_hall, wait_until

pytestmark = pytest.mark.integration

APPLICANT = {"kind": "person", "name": "赵流水", "id_number": "110101199002020022"}
# the channels whose producers run here: each must hold messages
PRODUCED = {"caseEvents", "auditCheckpoints", "notifications", "exchange", "approvals"}
JAVA = ROOT / "tests" / "conformance" / "cloudevents-java"
CORE = {"specversion", "id", "source", "type", "subject", "time", "datacontenttype"}


def drive(hall: Hall) -> None:
    """Cases of every kind of ending, and a supervision notice issued and answered."""
    for department in ("SCJG", "JT"):
        case = hall.submit(f"{department}-001")
        hall.act(case, "accept", "clerk")
        hall.approve_and_close(case, department)
    certified = hall.submit("SCJG-001")
    for action, role, department, body in (
        ("accept", "clerk", "HALL", {}),
        ("assign", "approver", "SCJG", {"assignee": "officer-scjg"}),
        ("complete-step", "officer", "SCJG", {"step": "审查", "opinion": "agree"}),
        ("complete-step", "approver", "SCJG", {"step": "决定", "opinion": "agree"}),
        ("decide", "approver", "SCJG", {"outcome": "approved"}),
        ("issue-certificate", "clerk", "HALL", {"certificate_no": "JY13201000000009"}),
    ):
        hall.act(certified, action, role, department, **body)
    withdrawn = hall.submit("SCJG-001")
    hall.act(withdrawn, "withdraw", "clerk", reason="不办了")
    watched = hall.submit("SCJG-001")
    hall.act(watched, "accept", "clerk")
    hall.act(watched, "assign", "approver", "SCJG", assignee="officer-scjg")
    notice = hall.client("supervisor").post(
        "/api/v1/supervision/notices",
        json={"case_id": watched["case_id"], "text": "请说明办理进度", "respond_within_days": 3},
    )
    assert notice.status_code == 201, notice.text
    answered = hall.client("approver", "SCJG").post(
        f"/api/v1/supervision/notices/{notice.json()['notice_id']}/respond",
        json={"text": "已加快办理"},
    )
    assert answered.status_code == 200, answered.text


@pytest.fixture(scope="module")
def driven(platform: Platform) -> Iterator[dict[str, Any]]:
    """The platform once its producers have written: the AsyncAPI document it serves."""
    with running_hall(platform, APPLICANT) as hall:
        platform.start("notify")
        platform.start("audit log", label="audit", env=AUDIT_ENV)
        platform.start("exchange")
        drive(hall)
        wait_logged(platform)  # every event in the log, a checkpoint of it published
        document = conformance.served_document(platform.base_url)
        topics = {name: c["address"] for name, c in conformance.channels(document).items()}
        wait_until(
            lambda: len(read_whole_topic(platform, topics["notifications"])) >= 2,
            what="the notifications of the notice",
        )
        wait_until(
            lambda: read_whole_topic(platform, topics["approvals"]),
            what="the approval of the certified case",
        )
        yield document


def test_every_message_of_every_channel_is_a_cloudevent_valid_against_its_schema(
    platform: Platform, driven: dict[str, Any]
) -> None:
    options = platform.settings.kafka_options(ADMIN)
    found = conformance.channels(driven)
    assert set(found) >= PRODUCED and "deadLetters" in found
    counts = {}
    for name, channel in found.items():
        schemas = conformance.schemas_by_type(channel)
        events = conformance.check_topic(options, channel["address"], schemas)
        counts[name] = len(events)
    assert {name for name, count in counts.items() if count} >= PRODUCED, counts
    assert counts["caseEvents"] >= 16  # read back whole: every event the cases recorded
    assert counts["caseEvents"] == platform.max_position()


def java_reader() -> Path:
    """The Java reader compiled, its jars fetched once from Maven Central into the state
    folder (again whenever its pom.xml changes); the folder to run it in."""
    folder = state_dir() / "cloudevents-java"
    folder.mkdir(parents=True, exist_ok=True)
    pom = folder / "pom.xml"
    if not (pom.exists() and filecmp.cmp(pom, JAVA / "pom.xml", shallow=False)):
        shutil.rmtree(folder / "lib", ignore_errors=True)
        subprocess.run(
            [
                "mvn",
                "-q",
                "-B",
                "-f",
                str(JAVA / "pom.xml"),
                f"-Dmaven.repo.local={folder / 'm2'}",
                "dependency:copy-dependencies",
                f"-DoutputDirectory={folder / 'lib'}",
            ],
            check=True,
            timeout=600,
        )
        shutil.copyfile(JAVA / "pom.xml", pom)
    subprocess.run(
        [
            "javac",
            "-cp",
            f"{folder / 'lib'}/*",
            "-d",
            str(folder / "classes"),
            str(JAVA / "ReadTopics.java"),
        ],
        check=True,
        timeout=300,
    )
    return folder


def seen(topic: str, event: BaseCloudEvent) -> dict[str, Any]:
    """What the Java reader prints of an event the Python SDK read (the key it reads as
    ``partitionkey`` left out: the Java SDK does not map the key)."""
    attributes = event.get_attributes()
    return {
        "topic": topic,
        "id": event.get_id(),
        "type": event.get_type(),
        "subject": event.get_subject(),
        "source": event.get_source(),
        "extensions": {
            name: str(value)
            for name, value in sorted(attributes.items())
            if name not in CORE and name != "partitionkey"
        },
    }


def integrator(platform: Platform, *args: str) -> str:
    done = subprocess.run(
        cli.command("integrator", *args),
        cwd=ROOT,
        env=platform.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def integrator_settings(platform: Platform, tmp_path: Path) -> Iterator[Path]:
    """The settings of a new integrator, as ``casetrail integrator add`` prints them (a
    file); the integrator removed afterwards."""
    name = f"java-{platform.topic.rsplit('.', 1)[-1]}"
    settings = tmp_path / "integrator.env"
    settings.write_text(integrator(platform, "add", name))
    yield settings
    integrator(platform, "remove", name)


def test_an_integrator_reads_the_same_events_with_the_java_sdk(
    platform: Platform, driven: dict[str, Any], integrator_settings: Path
) -> None:
    settings = integrator_settings
    topics = integrator_topics(platform.topic)
    folder = java_reader()
    classpath = f"{folder / 'classes'}:{folder / 'lib'}/*"
    read = subprocess.run(
        ["java", "-cp", classpath, "ReadTopics", str(settings), *topics],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert read.returncode == 0, read.stderr[-3000:]
    by_java = sorted((json.loads(line) for line in read.stdout.splitlines()), key=json.dumps)
    options = platform.settings.kafka_options(ADMIN)
    by_python = sorted(
        (seen(t, conformance.parsed(r)) for t in topics for r in conformance.records(options, t)),
        key=json.dumps,
    )
    assert len(by_java) >= platform.max_position() + 3  # the events, notifications, checkpoints
    assert by_java == by_python
