"""Tampering on the real servers, each found and pinpointed by ``casetrail audit verify``:
rows of the event store updated (re-encrypted so they decrypt, with and without their
chain recomputed), deleted and reordered, a whole case deleted, the log's leaves, nodes
and checkpoints edited. The log is the real audit log's, signed with a key of the
module's own. Each test starts from a platform that verifies (every event logged under a
published checkpoint, so the audit log has nothing to append or sign meanwhile), tampers
as the database owner would (bypassing the application), and puts everything back
after."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import Notification

from consumers.cloudevents import recorded_document
from domain.chain import chain_hash
from domain.transparency.checkpoint import Checkpoint
from domain.transparency.note import Signer
from infra.entrypoints.bootstrap import build_application, open_pool
from tests.integration.audit_commands import audit, first_link, verify
from tests.integration.audit_helpers import OwnKeyAuditLog
from tests.integration.harness import Hall, Platform, running_hall

PERSON = {"kind": "person", "name": "赵六", "id_number": "110101198001011234"}
TABLES = ("casetrail_events", "audit_log_leaves", "audit_log_nodes", "audit_checkpoints")
Case = dict[str, Any]


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


@pytest.fixture(scope="module")
def log(platform: Platform) -> OwnKeyAuditLog:
    audit_log = OwnKeyAuditLog(platform)
    audit_log.start()
    return audit_log


@pytest.fixture(scope="module")
def cases(hall: Hall, log: OwnKeyAuditLog) -> dict[str, Case]:
    """A decided case, a withdrawn one and a submitted one, logged under at least two
    checkpoints (the audit log signs as often as the events come)."""
    decided = hall.submit("SCJG-001")
    hall.act(decided, "accept", "clerk")
    hall.approve_and_close(decided, "SCJG")
    withdrawn = hall.submit("SCJG-001")
    hall.act(withdrawn, "withdraw", "clerk", reason="不办了")
    log.caught_up()
    submitted = hall.submit("JT-001")
    hall.act(submitted, "accept", "clerk")
    log.caught_up()
    return {"decided": decided, "withdrawn": withdrawn, "submitted": submitted}


@contextmanager
def tampering(platform: Platform, log: OwnKeyAuditLog) -> Iterator[None]:
    """Start from a platform that verifies; afterwards put every table back as it was."""
    code, report = verify(log)
    assert code == 0 and report["ok"], report["first_broken_link"]
    saved = {table: platform.sql(f"SELECT * FROM {table}") for table in TABLES}
    try:
        yield
    finally:
        with psycopg.connect(platform.settings.database_url) as conn:
            for table, rows in saved.items():
                conn.execute(f"DELETE FROM {table}")
                if rows:
                    marks = ", ".join(["%s"] * len(rows[0]))
                    with conn.cursor() as cursor:
                        cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


def rewrite(
    platform: Platform, case: Case, version: int, change: Callable[[dict], None], *, rechain: bool
) -> None:
    """As the owner, change the stored fields of ``version`` of ``case`` and encrypt them
    again with the application's mapper (so the row decrypts); with ``rechain``, also
    recompute the hash of that version and the links and hashes of every later one."""
    case_id = UUID(case["case_id"])
    with (
        open_pool(platform.settings.database_url, max_size=1) as pool,
        psycopg.connect(platform.settings.database_url) as conn,
    ):
        app = build_application(platform.settings, pool)
        mapper = app.mapper
        assert mapper.cipher is not None and mapper.compressor is None
        rows = conn.execute(
            "SELECT originator_version, topic, state FROM casetrail_events"
            " WHERE originator_id = %s AND originator_version >= %s ORDER BY originator_version",
            (case_id, version),
        ).fetchall()
        previous = None
        for number, topic, state in rows:
            fields = mapper.transcoder.decode(mapper.cipher.decrypt(bytes(state)))
            if number == version:
                change(fields)
            elif not rechain:
                break
            if rechain:
                fields["prevhash"] = previous or fields["prevhash"]
                fields["hash"] = chain_hash(_document(mapper, case_id, number, topic, fields))
                previous = fields["hash"]
            conn.execute(
                "UPDATE casetrail_events SET state = %s"
                " WHERE originator_id = %s AND originator_version = %s",
                (mapper.cipher.encrypt(mapper.transcoder.encode(fields)), case_id, number),
            )
        app.close()


def _document(mapper: Any, case_id: UUID, version: int, topic: str, fields: dict) -> dict:
    state = mapper.cipher.encrypt(mapper.transcoder.encode(fields))
    return recorded_document(Notification(case_id, version, topic, state, 0), mapper)


def swap(platform: Platform, column: str, case: Case, first: int, second: int) -> None:
    """Swap ``column`` between two of the case's event rows (through a free value: the
    column is unique)."""
    case_id = UUID(case["case_id"])
    where = " WHERE originator_id = %s AND originator_version = %s"
    (a,), (b,) = (
        platform.sql(f"SELECT {column} FROM casetrail_events{where}", case_id, v)[0]
        for v in (first, second)
    )
    platform.sql(f"UPDATE casetrail_events SET {column} = -1{where}", case_id, first)
    platform.sql(f"UPDATE casetrail_events SET {column} = %s{where}", a, case_id, second)
    platform.sql(
        f"UPDATE casetrail_events SET {column} = %s WHERE originator_id = %s AND {column} = -1",
        b,
        case_id,
    )


def version_of(platform: Platform, case: Case, type_prefix: str) -> int:
    """The version of the case's event whose type starts with ``type_prefix``."""
    with open_pool(platform.settings.database_url, max_size=1) as pool:
        app = build_application(platform.settings, pool)
        stored = app.recorder.select_events(UUID(case["case_id"]))
        found = [
            s.originator_version
            for s in stored
            if s.topic.partition(":")[2].lower().endswith(type_prefix.lower())
        ]
        app.close()
    return found[0]


def test_the_platform_verifies(platform: Platform, log: OwnKeyAuditLog, cases: dict) -> None:
    done = audit(log, "verify")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK: every chain, leaf, node and checkpoint verifies")
    assert "audit verify: PostgreSQL:" in done.stderr  # progress, with a rate
    assert "events/s" in done.stderr
    code, report = verify(log)
    (events,) = platform.sql("SELECT count(*) FROM casetrail_events")[0]
    (signed,) = platform.sql("SELECT count(*) FROM audit_checkpoints")[0]
    assert code == 0 and report["checked"]["checkpoints"] == signed >= 2
    assert report["checked"]["postgres_events"] == report["checked"]["leaves"] == events
    assert report["checked"]["published_checkpoints"] == signed
    assert not any(report["pending"].values())


def test_the_key_can_be_given_and_a_wrong_one_fails(
    platform: Platform, log: OwnKeyAuditLog, cases: dict
) -> None:
    other = Signer.generate(log.signer.name).verifier.vkey()
    done = audit(log, "verify", "--json", "--verifier-key", other)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    (signed,) = platform.sql("SELECT count(*) FROM audit_checkpoints")[0]
    assert report["counts"]["checkpoint-signature"] == 2 * signed  # each stored and published
    done = audit(log, "verify", "--verifier-key", log.signer.verifier.vkey())
    assert done.returncode == 0, done.stdout


def test_an_event_altered_in_place_is_pinpointed(
    platform: Platform, log: OwnKeyAuditLog, cases: dict
) -> None:
    case = cases["decided"]
    version = version_of(platform, case, ".Decided")
    with tampering(platform, log):
        rewrite(platform, case, version, lambda f: f.update(outcome="denied"), rechain=False)
        code, report = verify(log)
    assert code == 1
    link = first_link(report)
    assert {p["kind"] for p in link} == {"altered", "differs"}
    assert {(p["case_no"], p["version"]) for p in link} == {(case["case_no"], version)}
    description = report["first_broken_link"]["description"]
    assert description.startswith(f"case {case['case_no']} ({case['case_id']}) v{version} (")
    assert "its content in PostgreSQL was altered: hash recorded " in description
    assert (
        "field data.outcome differs between PostgreSQL and Kafka: 'denied' vs 'approved'"
        in description
    )
    assert report["counts"] == {"altered": 1, "differs": 1}


def test_an_event_altered_with_its_chain_recomputed_is_caught_by_kafka_and_the_log(
    platform: Platform, log: OwnKeyAuditLog, cases: dict
) -> None:
    case = cases["decided"]
    with tampering(platform, log):
        rewrite(platform, case, 2, lambda f: f.update(note="后补"), rechain=True)
        code, report = verify(log)
    assert code == 1
    link = first_link(report)
    assert {(p["kind"], p["case_no"], p["version"]) for p in link} == {
        ("differs", case["case_no"], 2),
        ("leaf-differs", case["case_no"], 2),
    }
    assert (
        "field data.note differs between PostgreSQL and Kafka"
        in link[0]["description"] + (link[1]["description"])
    )
    assert not {"altered", "chain-broken"} & set(report["counts"])  # the store's chain holds
    later = {p["version"] for p in report["problems"] if p["kind"] == "leaf-differs"}
    assert later == set(range(2, 9))  # every later hash changed too


def test_a_deleted_event_row(platform: Platform, log: OwnKeyAuditLog, cases: dict) -> None:
    case = cases["withdrawn"]
    with tampering(platform, log):
        platform.sql(
            "DELETE FROM casetrail_events WHERE originator_id = %s AND originator_version = 2",
            UUID(case["case_id"]),
        )
        code, report = verify(log)
    assert code == 1
    (problem,) = first_link(report)
    assert (problem["kind"], problem["case_no"], problem["version"]) == (
        "missing-in-postgres",
        case["case_no"],
        2,
    )
    assert report["counts"] == {"missing-in-postgres": 1}


def test_reordered_rows(platform: Platform, log: OwnKeyAuditLog, cases: dict) -> None:
    case = cases["decided"]
    with tampering(platform, log):  # two events swap their notification ids
        swap(platform, "notification_id", case, 2, 3)
        code, report = verify(log)
    assert code == 1
    assert {(p["kind"], p["version"]) for p in first_link(report)} == {("position-differs", 2)}
    assert report["counts"] == {"out-of-order": 1, "position-differs": 2}

    with tampering(platform, log):  # two events swap their versions
        swap(platform, "originator_version", cases["withdrawn"], 1, 2)
        code, report = verify(log)
    assert code == 1
    link = first_link(report)
    assert {p["version"] for p in link} == {1}
    assert {"altered", "chain-broken", "differs"} <= {p["kind"] for p in link}
    assert link[0]["case_no"] == cases["withdrawn"]["case_no"]


def test_a_whole_case_deleted_from_the_store(
    platform: Platform, log: OwnKeyAuditLog, cases: dict
) -> None:
    case = cases["submitted"]
    with tampering(platform, log):
        platform.sql("DELETE FROM casetrail_events WHERE originator_id = %s", UUID(case["case_id"]))
        code, report = verify(log)
    assert code == 1
    (problem,) = first_link(report)
    assert (problem["kind"], problem["case_no"], problem["aggregate_id"]) == (
        "case-deleted",
        case["case_no"],
        case["case_id"],
    )
    assert "the whole case is missing from PostgreSQL: Kafka carries 2" in problem["detail"]
    assert report["counts"] == {"case-deleted": 1}


def test_an_edited_or_deleted_leaf(platform: Platform, log: OwnKeyAuditLog, cases: dict) -> None:
    case = cases["withdrawn"]
    with tampering(platform, log):
        platform.sql(
            "UPDATE audit_log_leaves SET chain_hash = %s WHERE aggregate_id = %s AND version = 1",
            b"\x42" * 32,
            UUID(case["case_id"]),
        )
        code, report = verify(log)
    assert code == 1
    (problem,) = first_link(report)
    assert (problem["kind"], problem["case_no"], problem["version"]) == (
        "leaf-differs",
        case["case_no"],
        1,
    )
    assert {"node-differs", "checkpoint-root"} <= set(report["counts"])

    with tampering(platform, log):
        platform.sql(
            "DELETE FROM audit_log_leaves WHERE aggregate_id = %s AND version = 2",
            UUID(case["case_id"]),
        )
        code, report = verify(log)
    assert code == 1
    kinds = {(p["kind"], p.get("version")) for p in first_link(report)}
    assert kinds == {("leaf-missing", 2)}
    assert "leaf-gap" in report["counts"]


def test_an_edited_node(platform: Platform, log: OwnKeyAuditLog, cases: dict) -> None:
    with tampering(platform, log):
        platform.sql(
            "UPDATE audit_log_nodes SET hash = %s WHERE level = 2 AND index = 1", b"\x43" * 32
        )
        code, report = verify(log)
    assert code == 1
    (problem,) = first_link(report)
    assert (problem["kind"], problem["node"]) == ("node-differs", {"level": 2, "index": 1})
    assert "over leaves 4–7" in report["first_broken_link"]["description"]
    assert report["counts"] == {"node-differs": 1}


def test_a_rewritten_checkpoint_table(platform: Platform, log: OwnKeyAuditLog, cases: dict) -> None:
    size, root = platform.sql(
        "SELECT tree_size, root_hash FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1"
    )[0]
    origin = log.signer.name
    forged = Checkpoint(origin, size, b"\x44" * 32).sign(Signer.generate(origin))
    with tampering(platform, log):  # a rewritten root, re-signed by another key
        platform.sql(
            "UPDATE audit_checkpoints SET root_hash = %s, note = %s WHERE tree_size = %s",
            b"\x44" * 32,
            forged,
            size,
        )
        code, report = verify(log)
    assert code == 1
    link = first_link(report)
    assert {p["tree_size"] for p in link} == {size}
    assert {p["kind"] for p in link} == {
        "checkpoint-signature",
        "checkpoint-root",
        "checkpoint-differs",
    }
    assert f"does not verify with key {origin}" in link[0]["description"]

    with tampering(platform, log):  # a row changed, its note left alone
        platform.sql(
            "UPDATE audit_checkpoints SET root_hash = %s WHERE tree_size = %s",
            bytes(32),
            size,
        )
        code, report = verify(log)
    assert code == 1
    assert report["counts"] == {"checkpoint-row": 1}
    assert bytes(root).hex()[:12] in report["first_broken_link"]["description"]
