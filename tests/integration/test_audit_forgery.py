"""A forged message on the topic (a leaked producer credential): a CloudEvent for an
existing case, schema-valid, with a plausible but wrong prevhash (then a wrong hash).
The projection runner checks it against the case's stored head and quarantines it; the
audit log, once the relay's progress passes the position it claims, checks it against
the case's head in the log and quarantines it too, appending only the real events; and
``casetrail audit verify`` reports Kafka disagreeing with PostgreSQL. In a module of its
own: nothing removes a message from the topic."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import orjson
import pytest
from kafka import KafkaProducer

from consumers.cloudevents import event_id
from domain.chain import chain_hash
from infra.kafka_security import ADMIN
from tests.integration.audit_commands import first_link, verify
from tests.integration.audit_helpers import OwnKeyAuditLog
from tests.integration.harness import Hall, Platform, running_hall, wait_until

PERSON = {"kind": "person", "name": "孙七", "id_number": "110101197001011234"}


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


@pytest.fixture(scope="module")
def log(platform: Platform) -> OwnKeyAuditLog:
    audit_log = OwnKeyAuditLog(platform)
    audit_log.start()
    return audit_log


def published(platform: Platform, case_id: str) -> list[dict[str, Any]]:
    found = [orjson.loads(m.value) for m in platform.read_topic() if m.key == case_id.encode()]
    return sorted(found, key=lambda event: event["caseversion"])


def send(platform: Platform, event: dict[str, Any]) -> None:
    producer = KafkaProducer(**platform.settings.kafka_options(ADMIN))
    try:
        producer.send(platform.topic, key=event["subject"].encode(), value=orjson.dumps(event))
        producer.flush()
    finally:
        producer.close()


def held(platform: Platform, consumer: str) -> list[str]:
    """Why ``consumer`` (a projection runner's or the audit log's group) held what it held."""
    return [
        row[0]
        for row in platform.sql(
            "SELECT reason FROM quarantine WHERE consumer = %s ORDER BY id", consumer
        )
    ]


def test_a_forged_message_is_quarantined_and_reported(
    platform: Platform, hall: Hall, log: OwnKeyAuditLog
) -> None:
    victim = hall.submit("SCJG-001")
    hall.public(victim, hall.act(victim, "accept", "clerk"))
    other = hall.submit("SCJG-001")
    hall.public(other, hall.act(other, "withdraw", "clerk", reason="不办了"))
    log.caught_up()
    code, report = verify(log)
    assert code == 0, report["first_broken_link"]

    submitted, accepted = published(platform, victim["case_id"])
    withdrawn = published(platform, other["case_id"])[-1]
    forged = {
        **withdrawn,
        "id": event_id(victim["case_id"], 3),
        "subject": victim["case_id"],
        "caseversion": 3,
        "position": platform.max_position() + 1,
        "prevhash": submitted["hash"],  # plausible, but not the head (v2)
    }
    forged["hash"] = chain_hash(forged)  # its own hash is right
    send(platform, forged)
    projector, auditor = platform.settings.projector_group, platform.settings.audit_group
    wait_until(lambda: held(platform, projector), what="the forged message held")
    assert held(platform, projector) == ["chain break: prevhash of version 3 is not the head"]

    code, report = verify(log)
    assert code == 1
    link = first_link(report)
    assert {(p["kind"], p["case_no"], p["version"]) for p in link} == {
        ("missing-in-postgres", victim["case_no"], 3),
        ("chain-broken", victim["case_no"], 3),
    }
    description = report["first_broken_link"]["description"]
    assert f"in Kafka its prevhash {submitted['hash'][:12]}… is not the hash of v2" in description
    assert "is missing from PostgreSQL (held by Kafka)" in description

    altered = {**forged, "prevhash": accepted["hash"], "hash": "ab" * 32}  # links, lies
    send(platform, altered)
    wait_until(lambda: len(held(platform, projector)) == 2, what="the second forged one held")
    assert held(platform, projector)[1] == "altered: the hash of version 3 does not match"

    # the audit log waits for the position they claim, then refuses both for what they are
    assert not held(platform, auditor)
    hall.submit("SCJG-001")
    wait_until(lambda: len(held(platform, auditor)) == 2, what="the audit log's holds")
    assert held(platform, auditor) == held(platform, projector)
    log.caught_up()
    in_the_log = platform.sql(
        "SELECT version, chain_hash FROM audit_log_leaves WHERE aggregate_id = %s ORDER BY version",
        UUID(victim["case_id"]),
    )
    assert [(v, bytes(h).hex()) for v, h in in_the_log] == [
        (1, submitted["hash"]),
        (2, accepted["hash"]),
    ]
    code, report = verify(log)
    assert code == 1
    assert report["counts"] == {
        "chain-broken": 1,
        "missing-in-postgres": 1,
        "conflicting-copies": 1,
        "leaf-missing": 1,  # refused by the audit log, whose leaves now go on past it
    }
    assert {(p["kind"], p["case_no"], p["version"]) for p in first_link(report)} == {
        (kind, victim["case_no"], 3)
        for kind in ("conflicting-copies", "chain-broken", "missing-in-postgres", "leaf-missing")
    }
