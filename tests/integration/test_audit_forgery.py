"""A forged message on the topic (a leaked producer credential): a CloudEvent for an
existing case, schema-valid, with a plausible but wrong prevhash (then a wrong hash).
The projection runner checks it against the case's stored head and quarantines it, and
``casetrail audit verify`` reports Kafka disagreeing with PostgreSQL. In a module of its
own: nothing removes a message from the topic."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from kafka import KafkaProducer

from consumers.cloudevents import event_id
from domain.chain import chain_hash
from infra.kafka_security import ADMIN
from tests.integration.audit_log_stand_in import StandInAuditLog, audit, first_link, verify
from tests.integration.harness import Hall, Platform, running_hall, wait_until

PERSON = {"kind": "person", "name": "孙七", "id_number": "110101197001011234"}


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


@pytest.fixture(scope="module")
def log(platform: Platform) -> StandInAuditLog:
    return StandInAuditLog(platform)


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


def held(platform: Platform) -> list[str]:
    return [row[0] for row in platform.sql("SELECT reason FROM quarantine ORDER BY id")]


def test_a_forged_message_is_quarantined_and_reported(
    platform: Platform, hall: Hall, log: StandInAuditLog
) -> None:
    victim = hall.submit("SCJG-001")
    hall.public(victim, hall.act(victim, "accept", "clerk"))
    other = hall.submit("SCJG-001")
    hall.public(other, hall.act(other, "withdraw", "clerk", reason="不办了"))
    log.catch_up()
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
    wait_until(lambda: held(platform), what="the forged message held")
    assert held(platform) == ["chain break: prevhash of version 3 is not the head"]

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
    wait_until(lambda: len(held(platform)) == 2, what="the second forged message held")
    assert held(platform)[1] == "altered: the hash of version 3 does not match"
    done = audit(log, "verify", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["counts"] == {
        "chain-broken": 1,
        "missing-in-postgres": 1,
        "conflicting-copies": 1,
    }
