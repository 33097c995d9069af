"""``casetrail audit export`` on the real servers, with the real audit log signing with a
key of its own, and ``verify-bundle`` on what it wrote: the case's events exactly as on
Kafka, each with its proof against the latest checkpoint; refused for an unknown case or
one not yet all under a checkpoint, which ``casetrail audit verify`` counts as pending,
not as a problem."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest

from domain.transparency.merkle import leaf_hash
from tests.integration.audit_commands import audit, verify
from tests.integration.audit_helpers import OwnKeyAuditLog, wait_logged
from tests.integration.harness import Hall, Platform, running_hall, wait_until

PERSON = {"kind": "person", "name": "周八", "id_number": "110101196001011234"}
NEVER_SIGNS = {
    "CASETRAIL_AUDIT_CHECKPOINT_EVERY": "1000000",
    "CASETRAIL_AUDIT_CHECKPOINT_SECONDS": "3600",
}


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


@pytest.fixture(scope="module")
def log(platform: Platform) -> OwnKeyAuditLog:
    audit_log = OwnKeyAuditLog(platform)
    audit_log.start()
    return audit_log


@contextmanager
def behind(log: OwnKeyAuditLog, *, appending: bool) -> Iterator[None]:
    """The audit log stopped or, with ``appending``, appending but signing nothing; back
    to normal afterwards."""
    log.stop()
    if appending:
        log.start(**NEVER_SIGNS)
    try:
        yield
    finally:
        if appending:
            log.stop()
        log.start()


def test_a_case_exported_and_verified_offline(
    platform: Platform, hall: Hall, log: OwnKeyAuditLog, tmp_path: Path
) -> None:
    case = hall.submit("SCJG-001")
    hall.act(case, "accept", "clerk")
    hall.approve_and_close(case, "SCJG")
    size = log.caught_up()
    out = tmp_path / "bundle.json"
    done = audit(log, "export", case["case_no"], "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"wrote {out}: case {case['case_no']}, 8 events, tree size {size}"
    )

    bundle = orjson.loads(out.read_bytes())
    on_kafka = sorted(
        (orjson.loads(m.value) for m in platform.read_topic() if m.key == case["case_id"].encode()),
        key=lambda event: event["caseversion"],
    )
    assert [entry["event"] for entry in bundle["events"]] == on_kafka  # exactly as on Kafka
    leaves = dict(
        platform.sql(
            "SELECT version, leaf_index FROM audit_log_leaves WHERE aggregate_id = %s",
            case["case_id"],
        )
    )
    for entry in bundle["events"]:
        proof, event = entry["proof"], entry["event"]
        assert proof["leaf_index"] == leaves[event["caseversion"]]
        assert proof["tree_size"] == size
        digest = leaf_hash(bytes.fromhex(event["hash"]))
        assert proof["leaf_hash"] == base64.b64encode(digest).decode()
    assert bundle["verifier_key"] == log.signer.verifier.vkey()
    assert (
        bundle["checkpoint"]
        == platform.sql("SELECT note FROM audit_checkpoints WHERE tree_size = %s", size)[0][0]
    )

    key = tmp_path / "vkey"
    key.write_text(log.signer.verifier.vkey())
    done = audit(log, "verify-bundle", str(out), "--verifier-key", str(key))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"OK: case {case['case_no']} ({case['case_id']}): 8 events")
    assert f"at tree size {size}" in done.stdout and "WARNING" not in done.stderr


@pytest.mark.parametrize("appending", [False, True], ids=["stopped", "not-signing"])
def test_what_no_checkpoint_covers_yet_is_refused_and_pending(
    platform: Platform, hall: Hall, log: OwnKeyAuditLog, tmp_path: Path, appending: bool
) -> None:
    """The audit log behind: stopped (the event is not in the log), or appending but not
    signing yet (the event's leaf is after the latest checkpoint)."""
    case = hall.submit("JT-001")
    log.caught_up()
    out = tmp_path / "bundle.json"
    with behind(log, appending=appending):
        position = hall.act(case, "accept", "clerk")
        if appending:
            wait_logged(platform, signed=False)
        else:
            wait_until(lambda: platform.relay_position() >= position, what="the relay")
        done = audit(log, "export", case["case_no"], "--out", str(out))
        assert done.returncode == 1
        assert f"case {case['case_no']} v2 is not yet under a signed checkpoint" in done.stderr
        assert not out.exists()
        code, report = verify(log)
        assert code == 0 and report["ok"], report["first_broken_link"]
        assert report["pending"] == {
            "not_published": 0,
            "not_logged": 0 if appending else 1,
            "not_under_checkpoint": 1 if appending else 0,
            "checkpoints_not_published": 0,
        }
    log.caught_up()
    assert audit(log, "export", case["case_no"], "--out", str(out)).returncode == 0
    code, report = verify(log)
    assert code == 0 and not any(report["pending"].values())


def test_export_of_an_unknown_case(log: OwnKeyAuditLog, tmp_path: Path) -> None:
    done = audit(log, "export", "SCJG-20000101-9999", "--out", str(tmp_path / "x.json"))
    assert done.returncode == 1
    assert done.stderr.strip().endswith("casetrail: no case SCJG-20000101-9999")
