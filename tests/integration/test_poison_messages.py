"""Poison on the topic: each kind is quarantined and dead-lettered with its reason (a
CloudEvent the SDK reads, valid against the AsyncAPI document's schema), later valid
events are applied, the runner keeps running, an operator decides."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from kafka import KafkaProducer

from infra.entrypoints import cli
from infra.kafka_security import ADMIN, dead_letter_topic
from infra.state import ROOT
from tests.integration import stream_conformance as conformance
from tests.integration.harness import Hall, Platform, read_whole_topic, running_hall, wait_until

PERSON = {"kind": "person", "name": "王五", "id_number": "110101199901011234"}


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


def events_of(platform: Platform, case_id: str) -> list[dict[str, Any]]:
    found = [orjson.loads(m.value) for m in platform.read_topic() if m.key == case_id.encode()]
    return sorted(found, key=lambda e: e["caseversion"])


def produce(platform: Platform, messages: list[tuple[bytes | None, bytes]]) -> None:
    # only the relay may write the topic now; its credentials (or the admin's) leaked
    producer = KafkaProducer(**platform.settings.kafka_options(ADMIN))
    try:
        for key, value in messages:
            producer.send(platform.topic, key=key, value=value)
        producer.flush()
    finally:
        producer.close()


def held(platform: Platform) -> list[tuple[Any, ...]]:
    return platform.sql("SELECT id, case_id::text, reason, status FROM quarantine ORDER BY id")


def quarantine_command(platform: Platform, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli.command("quarantine", *args),
        cwd=ROOT,
        env=platform.env(),
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_kind_of_poison_is_held_and_the_hall_goes_on(hall: Hall) -> None:
    platform = hall.platform
    victim = hall.submit("SCJG-001")  # version 1 applied; poison follows on its key
    other = hall.submit("SCJG-001")
    hall.act(other, "accept", "clerk")
    hall.public(other, hall.act(other, "withdraw", "clerk", reason="不办了"))
    hall.public(victim, victim["position"])
    submitted, accepted, withdrawn = events_of(platform, other["case_id"])
    key = victim["case_id"].encode()
    poison = [
        (None, b"\x00 not json"),
        (key, orjson.dumps({**submitted, "subject": victim["case_id"], "type": "x.bribed.v1"})),
        (key, orjson.dumps({**accepted, "subject": victim["case_id"], "data": {"x": 1}})),
        (key, orjson.dumps({**accepted, "subject": victim["case_id"]})),  # not its chain
        (key, orjson.dumps({**withdrawn, "subject": victim["case_id"]})),  # version 3 after 1
    ]
    produce(platform, poison)

    wait_until(lambda: len(held(platform)) == 5, what="5 held messages")
    rows = held(platform)  # partitions are read in no fixed order
    kinds = {reason.split(" ")[0].rstrip(":"): case for _, case, reason, _ in rows}
    assert kinds == {
        "not": None,
        "unknown": victim["case_id"],
        "fails": victim["case_id"],
        "chain": victim["case_id"],
        "version": victim["case_id"],
    }
    dead = [m for m in read_dead_letters(platform)]
    assert sorted(m.value for m in dead) == sorted(value for _, value in poison)
    headers = dict(dead[0].headers)
    assert headers["__connect.errors.topic"] == platform.topic.encode()
    assert {"__connect.errors.partition", "__connect.errors.offset"} <= set(headers)
    channel = conformance.served_document(platform.base_url)["channels"]["deadLetters"]
    letters = conformance.check_topic(
        platform.settings.kafka_options(ADMIN),
        dead_letter_topic(platform.topic),
        conformance.schemas_by_type(channel),
    )
    assert {e.get_extension("reason") for e in letters} == {reason for *_, reason, _ in rows}
    assert {e.get_extension("origintopic") for e in letters} == {platform.topic}

    # later valid events are applied, and the victim's real chain goes on
    position = hall.act(victim, "accept", "clerk")
    assert hall.public(victim, position)["status"] == "accepted"
    assert platform.processes["project"].poll() is None
    view = hall.staff_view(victim, "SCJG")
    assert len(view["quarantine"]) == 4
    metrics = hall.client("clerk").get("/metrics").text
    group = platform.settings.projector_group
    assert f'casetrail_quarantined_messages{{consumer="{group}",status="held"}} 5.0' in metrics


def read_dead_letters(platform: Platform) -> list[Any]:
    return read_whole_topic(platform, dead_letter_topic(platform.topic))


def test_an_operator_discards_or_replays_held_messages(hall: Hall) -> None:
    platform = hall.platform
    listing = quarantine_command(platform, "list")
    assert listing.returncode == 0 and listing.stdout.count("held") == 5
    ids = [row[0] for row in held(platform)]
    token = platform.token("hall_admin", "HALL", user="ops-1")
    clerk = platform.token("clerk", "HALL")

    def decide(action: str, quarantine_id: int, *more: str) -> subprocess.CompletedProcess[str]:
        return quarantine_command(platform, action, str(quarantine_id), "--reason", "伪造", *more)

    refused = decide("discard", ids[0])
    assert refused.returncode == 1 and "token" in refused.stderr
    forbidden = decide("discard", ids[0], "--token", clerk)
    assert forbidden.returncode == 1 and "may not resolve-quarantine" in forbidden.stderr
    not_json = next(id_ for id_, _, reason, _ in held(platform) if reason.startswith("not JSON"))
    still = decide("replay", not_json, "--token", token)
    assert still.returncode == 1 and "still refused: not JSON" in still.stderr
    for quarantine_id in ids:
        done = decide("discard", quarantine_id, "--token", token)
        assert done.returncode == 0, done.stderr
    assert {status for *_, status in held(platform)} == {"discarded"}
    decided = platform.sql("SELECT DISTINCT decided_by, decision_reason FROM quarantine")
    assert decided == [("ops-1", "伪造")]
    case_id = held(platform)[1][1]
    view = hall.client("officer", "SCJG").get(f"/api/v1/cases/{case_id}").json()
    assert view["quarantine"] == []
    again = decide("discard", ids[0], "--token", token)
    assert again.returncode == 1 and "no held message" in again.stderr
