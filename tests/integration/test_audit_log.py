"""The transparency log on the real servers: the audit log appends every event once, in
position order, whatever partition it came from; its checkpoints verify with the
published key and each extends the one before; the public proofs verify; re-published,
forged and garbled messages add nothing (the forged and garbled are quarantined); a
killed audit log goes on where it stopped; and the public endpoints refuse bad
parameters with problems.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import psycopg
import pytest

from domain.chain import chain_hash
from domain.transparency.checkpoint import Checkpoint
from domain.transparency.merkle import verify_consistency, verify_inclusion
from infra.entrypoints import cli
from infra.kafka_security import dead_letter_topic
from infra.state import ROOT
from tests.integration.audit_helpers import (
    AUDIT_ENV,
    latest_checkpoint,
    leaves,
    partitions_used,
    produce,
    public,
    published_checkpoints,
    recorded_events,
    verifier,
    wait_logged,
)
from tests.integration.harness import Hall, Platform, wait_until

pytestmark = pytest.mark.integration

PERSON = {"kind": "person", "name": "周八", "id_number": "110101199303031234"}
CASES = 12


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    """The relay, the audit log and the API (no projection runner: nothing here reads a
    view), and a dozen cases in various states."""
    platform.start("relay")
    platform.start("api")
    platform.start("audit log", label="audit", env=AUDIT_ENV)
    staff = Hall(platform, PERSON)
    try:
        for index in range(CASES):
            case = staff.submit("SCJG-001")
            staff.act(case, "accept", "clerk")
            if index % 2:
                staff.act(case, "withdraw", "clerk", reason="申请人撤回")
        yield staff
    finally:
        staff.close()


def decode(value: bytes) -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads(value)
    return document


def held(platform: Platform) -> list[tuple[Any, ...]]:
    return platform.sql(
        "SELECT case_id::text, reason FROM quarantine WHERE consumer = %s ORDER BY id",
        platform.settings.audit_group,
    )


def audit_read_everything(platform: Platform) -> bool:
    """Whether the audit log's stored offsets have passed every message on the topic."""
    rows = platform.sql(
        "SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets WHERE consumer = %s",
        platform.settings.audit_group,
    )
    return int(rows[0][0]) == platform.end_offsets_total()


def assert_the_log_is_the_topic(platform: Platform) -> None:
    """Every event of the topic is one leaf, in position order, its chain hash the data."""
    events = recorded_events(platform)
    log = leaves(platform)
    assert [index for index, *_ in log] == list(range(len(log)))
    assert [(p, a, v, h) for _, p, a, v, h in log] == [
        (e.position, e.subject, e.version, e.hash) for e in events
    ]


def test_every_event_is_in_the_log_once_in_position_order(hall: Hall) -> None:
    platform = hall.platform
    wait_logged(platform)
    assert_the_log_is_the_topic(platform)
    events = recorded_events(platform)
    assert len(partitions_used(platform)) > 3  # the order was rebuilt across partitions
    aggregates = {e.subject for e in events}
    assert len(aggregates) > CASES  # the cases and the power list's items, every aggregate
    positions = [e.position for e in events]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)


def test_checkpoints_verify_with_the_published_key_and_extend_each_other(hall: Hall) -> None:
    platform = hall.platform
    wait_logged(platform)
    hall.submit("SCJG-001")  # the tree grows: another checkpoint
    size = wait_logged(platform)
    origin = platform.settings.audit_origin
    with public(platform) as client:
        note, latest = latest_checkpoint(client, origin)
        assert latest.size == size
        assert client.get("/api/v1/audit/checkpoint").headers["last-modified"].endswith("GMT")
        key = verifier(client)
        assert key.name == origin
        notes = published_checkpoints(platform)
        assert len(notes) >= 2 and notes[-1] == (origin.encode(), note)
        opened = [Checkpoint.open(text, key, origin) for _, text in notes]
        sizes = [c.size for c in opened]
        assert sizes == sorted(set(sizes))  # each checkpoint after the tree grew
        stored = platform.sql("SELECT tree_size, note FROM audit_checkpoints ORDER BY tree_size")
        assert [(c.size, text) for c, (_, text) in zip(opened, notes, strict=True)] == stored
        for first, second in itertools.pairwise(opened):
            response = client.get(
                "/api/v1/audit/proofs/consistency",
                params={"first": first.size, "second": second.size},
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert (body["first"], body["second"]) == (first.size, second.size)
            proof = [base64.b64decode(h) for h in body["hashes"]]
            verify_consistency(first.size, second.size, proof, first.root, second.root)


def test_every_events_inclusion_proof_verifies_against_the_checkpoint(hall: Hall) -> None:
    platform = hall.platform
    wait_logged(platform)
    with public(platform) as client:
        _, latest = latest_checkpoint(client, platform.settings.audit_origin)
        events = recorded_events(platform)
        for index, event in enumerate(events):
            response = client.get(
                "/api/v1/audit/proofs/inclusion",
                params={"case_id": event.subject, "version": event.version},
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert set(body) == {"leaf_index", "tree_size", "leaf_hash", "hashes"}
            leaf = base64.b64decode(body["leaf_hash"])
            assert leaf == hashlib.sha256(b"\x00" + bytes.fromhex(event.hash)).digest()
            assert (body["leaf_index"], body["tree_size"]) == (index, latest.size)
            proof = [base64.b64decode(h) for h in body["hashes"]]
            verify_inclusion(index, latest.size, leaf, proof, latest.root)
        # in an earlier tree too: the first event in the tree of the first two leaves
        first = events[0]
        response = client.get(
            "/api/v1/audit/proofs/inclusion",
            params={"case_id": first.subject, "version": first.version, "tree_size": 2},
        )
        assert response.status_code == 200
        assert response.json()["tree_size"] == 2 and len(response.json()["hashes"]) == 1


def test_a_republished_message_adds_nothing(hall: Hall) -> None:
    platform = hall.platform
    count = wait_logged(platform)
    again = [(r.key, r.value) for r in list(platform.read_topic())[-3:]]
    produce(platform, again)
    wait_until(lambda: audit_read_everything(platform), what="the audit log to read the copies")
    assert_the_log_is_the_topic(platform)
    assert len(leaves(platform)) == count
    assert not held(platform)


def test_forged_and_garbled_messages_are_quarantined_not_appended(hall: Hall) -> None:
    platform = hall.platform
    case, other = hall.submit("SCJG-001"), hall.submit("SCJG-001")
    hall.act(other, "accept", "clerk")
    count = wait_logged(platform)
    events = {
        (event["subject"], event["caseversion"]): event
        for event in (decode(r.value) for r in platform.read_topic())
    }
    submitted, accepted = events[case["case_id"], 1], events[other["case_id"], 2]
    forged = {**accepted, "subject": case["case_id"], "position": submitted["position"]}
    wrong_link = {**forged, "prevhash": "ab" * 32}
    wrong_link["hash"] = chain_hash(wrong_link)  # a well-made event of another chain
    wrong_hash = {**forged, "prevhash": submitted["hash"]}  # the right link, another's hash
    key = case["case_id"].encode()
    produce(platform, [(key, orjson.dumps(wrong_link)), (key, orjson.dumps(wrong_hash))])
    produce(platform, [(key, b'{"not": "an event"'), (None, b"[]")])

    wait_until(lambda: len(held(platform)) == 4, what="four held messages")
    reasons = sorted(reason.split(":")[0] for _, reason in held(platform))
    assert reasons == ["altered", "chain break", "not JSON", "not a JSON object"]
    assert {case_id for case_id, _ in held(platform)} == {case["case_id"], None}
    assert len(leaves(platform)) == count
    dead = platform.sql(
        "SELECT count(*) FROM quarantine WHERE consumer = %s", platform.settings.audit_group
    )
    assert dead == [(4,)]
    assert dead_letter_topic(platform.topic).endswith(".dlq")
    # the case's real chain goes on in the log
    hall.act(case, "accept", "clerk")
    wait_logged(platform)
    assert_the_log_is_the_topic(platform)


def test_what_the_audit_log_refused_is_discarded_never_replayed(hall: Hall) -> None:
    platform = hall.platform
    (refused, *_) = [
        row[0]
        for row in platform.sql(
            "SELECT id FROM quarantine WHERE consumer = %s AND status = 'held' ORDER BY id",
            platform.settings.audit_group,
        )
    ]
    token = platform.token("hall_admin", "HALL", user="ops-2")

    def decide(action: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            cli.command("quarantine", action, str(refused), "--reason", "伪造", "--token", token),
            cwd=ROOT,
            env=platform.env(),
            capture_output=True,
            text=True,
            check=False,
        )

    replayed = decide("replay")
    assert replayed.returncode == 1 and "cannot be replayed" in replayed.stderr
    assert decide("discard").returncode == 0
    assert platform.sql("SELECT status FROM quarantine WHERE id = %s", refused) == [("discarded",)]


def test_a_killed_audit_log_goes_on_without_gaps_or_duplicates(hall: Hall) -> None:
    platform = hall.platform
    wait_logged(platform)
    platform.kill("audit")
    for _ in range(3):
        case = hall.submit("SCJG-001")
        hall.act(case, "accept", "clerk")
    platform.start("audit log", label="audit", env=AUDIT_ENV)
    for _ in range(3):
        hall.submit("SCJG-001")
        platform.kill("audit")  # while it catches up, again and again
        platform.start("audit log", label="audit", env=AUDIT_ENV)
    wait_logged(platform)
    assert_the_log_is_the_topic(platform)


def test_a_second_audit_log_waits_for_the_first(hall: Hall) -> None:
    platform = hall.platform
    second = platform.start("audit log", label="audit-2", env=AUDIT_ENV)
    wait_until(lambda: "another audit log is active" in platform.log("audit-2"), what="a wait")
    hall.submit("SCJG-001")
    wait_logged(platform)
    assert second.poll() is None
    platform.stop("audit-2")
    assert_the_log_is_the_topic(platform)


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/v1/audit/proofs/inclusion", {"case_id": "nope", "version": 1}, 422),
        ("/api/v1/audit/proofs/inclusion", {"case_id": PERSON["id_number"]}, 422),
        ("/api/v1/audit/proofs/inclusion", {"version": 1}, 422),
        ("/api/v1/audit/proofs/inclusion", {"case_id": "0" * 32, "version": 0}, 422),
        ("/api/v1/audit/proofs/inclusion", {"case_id": "0" * 32, "version": 2**40}, 422),
        ("/api/v1/audit/proofs/inclusion", {"case_id": "0" * 32, "version": 1}, 404),
        (
            "/api/v1/audit/proofs/inclusion",
            {"case_id": "0" * 32, "version": 1, "tree_size": 10**9},
            422,
        ),
        (
            "/api/v1/audit/proofs/inclusion",
            {"case_id": "0" * 32, "version": 1, "tree_size": 0},
            422,
        ),
        ("/api/v1/audit/proofs/consistency", {"first": 0, "second": 1}, 422),
        ("/api/v1/audit/proofs/consistency", {"first": -1, "second": 1}, 422),
        ("/api/v1/audit/proofs/consistency", {"first": 3, "second": 2}, 422),
        ("/api/v1/audit/proofs/consistency", {"first": 1, "second": 10**9}, 422),
        ("/api/v1/audit/proofs/consistency", {"first": 1, "second": 2**70}, 422),
        ("/api/v1/audit/proofs/consistency", {"first": "x", "second": 2}, 422),
        ("/api/v1/audit/proofs/consistency", {"first": 1}, 422),
    ],
)
def test_bad_parameters_are_problems(
    hall: Hall, path: str, params: dict[str, Any], status: int
) -> None:
    with public(hall.platform) as client:
        response = client.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


def test_an_event_beyond_the_requested_tree_is_not_found(hall: Hall) -> None:
    platform = hall.platform
    wait_logged(platform)
    last = recorded_events(platform)[-1]
    with public(platform) as client:
        response = client.get(
            "/api/v1/audit/proofs/inclusion",
            params={"case_id": last.subject, "version": last.version, "tree_size": 1},
        )
        equal = client.get("/api/v1/audit/proofs/consistency", params={"first": 2, "second": 2})
    assert response.status_code == 404
    assert "not within the first 1 leaves" in response.json()["detail"]
    assert (equal.status_code, equal.json()) == (200, {"first": 2, "second": 2, "hashes": []})


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log_leaves SET version = version",
        "DELETE FROM audit_log_nodes",
        "UPDATE audit_checkpoints SET note = note",
        "TRUNCATE audit_log_leaves",
        "SELECT count(*) FROM casetrail_events",
        "DELETE FROM consumer_offsets",
        "INSERT INTO relay_positions VALUES ('kafka', 1)",
        "UPDATE quarantine SET status = 'discarded'",
    ],
)
def test_the_audit_logs_role_only_appends(hall: Hall, statement: str) -> None:
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege),
        psycopg.connect(hall.platform.settings.auditor_database_url) as conn,
    ):
        conn.execute(statement)


def test_the_apis_role_only_reads_the_log(hall: Hall) -> None:
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege),
        psycopg.connect(hall.platform.settings.api_database_url) as conn,
    ):
        conn.execute(
            "INSERT INTO audit_checkpoints (tree_size, root_hash, note) VALUES (1, '', '')"
        )


def test_the_audit_log_started_before_migrate_says_what_to_do(platform: Platform) -> None:
    from infra.local import postgres
    from tests.integration.harness import drop_database

    url = postgres.create_database(f"test_audit_unmigrated_{uuid.uuid4().hex[:8]}")
    try:
        finished = subprocess.run(
            cli.command("audit", "log"),
            cwd=ROOT,
            env={**platform.env(), "DATABASE_URL": url, "CASETRAIL_AUDITOR_DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        drop_database(url)
    assert finished.returncode == 1, finished.stderr
    assert finished.stderr.strip().endswith("missing: run `casetrail migrate`"), finished.stderr
