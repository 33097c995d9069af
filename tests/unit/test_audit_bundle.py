"""The offline verification bundle: what verifies, what each tampering breaks, and the
command a third-party evaluator runs, which needs no database, broker or network."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from consumers.cloudevents import to_cloudevent
from domain.transparency.bundle import BundleError, make_bundle, proof_document, verify_bundle
from domain.transparency.checkpoint import Checkpoint
from domain.transparency.merkle import leaf_hash
from domain.transparency.note import Signer
from infra.entrypoints import cli
from infra.state import ROOT
from tests.unit.audit_world import ORIGIN, World, rehash


@pytest.fixture(scope="module")
def world() -> World:
    return World.make()


def bundle_of(world: World, case: int = 0) -> dict[str, Any]:
    """Case ``case``'s bundle under the world's latest checkpoint."""
    case_id = world.case_ids()[case]
    size = world.checkpoints[-1].tree_size
    tree = world.tree(size)
    events = []
    for index, (position, document) in enumerate(world.stored):
        if document["subject"] == case_id:
            leaf = leaf_hash(bytes.fromhex(document["hash"]))
            proof = proof_document(index, size, leaf, tree.inclusion_proof(index, size))
            events.append((to_cloudevent(document, position=position, hall="test"), proof))
    submitted = events[0][0]
    bundle = make_bundle(
        case_no=submitted["data"]["case_no"],
        case_id=case_id,
        checkpoint=world.checkpoints[-1].note,
        verifier_key=world.signer.verifier.vkey(),
        events=events,
    )
    return copy.deepcopy(bundle)  # its events share the world's documents


def test_a_bundle_verifies_with_the_pinned_key(world: World) -> None:
    bundle = bundle_of(world)
    report = verify_bundle(bundle, world.signer.verifier)
    assert (report.case_no, report.events, report.tree_size) == (
        bundle["case_no"],
        4,
        len(world.stored),
    )
    assert report.pinned and report.key_name == ORIGIN
    assert report.key_id == world.signer.verifier.key_id.hex()
    assert report.summary().startswith(f"case {bundle['case_no']} ({bundle['case_id']}): 4 events")
    assert not verify_bundle(bundle).pinned  # the bundle's own key: verifies, not pinned


def _events(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["event"] for entry in bundle["events"]]


def _alter(bundle: dict[str, Any]) -> None:
    _events(bundle)[3]["data"]["outcome"] = "denied"


def _rehash(bundle: dict[str, Any]) -> None:
    event = _events(bundle)[3]
    event["data"]["outcome"] = "denied"
    event.update(rehash(event))


def _drop(bundle: dict[str, Any]) -> None:
    del bundle["events"][1]


def _reorder(bundle: dict[str, Any]) -> None:
    events = bundle["events"]
    events[1], events[2] = events[2], events[1]


def _proof(bundle: dict[str, Any]) -> None:
    hashes = bundle["events"][2]["proof"]["hashes"]
    hashes[0] = hashes[1]


def _size(bundle: dict[str, Any]) -> None:
    bundle["events"][0]["proof"]["tree_size"] -= 1


def _other_case(bundle: dict[str, Any]) -> None:
    bundle["case_no"] = "SCJG-20991231-0001"


def _resign(bundle: dict[str, Any]) -> None:
    """A checkpoint over another root, signed by another key that the bundle names."""
    other = Signer.generate(ORIGIN)
    size = bundle["events"][0]["proof"]["tree_size"]
    bundle["checkpoint"] = Checkpoint(ORIGIN, size, b"\x01" * 32).sign(other)
    bundle["verifier_key"] = other.verifier.vkey()


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (_alter, "event 4 (casetrail.case.decided.v3) was altered"),
        (_rehash, "v4 (casetrail.case.decided.v3): its proof is for leaf hash"),
        (_drop, "has version 3, expected 2"),
        (_reorder, "has version 3, expected 2"),
        (_proof, "v3 (casetrail.case.assigned.v1) is not included under the checkpoint's root"),
        (_size, "the proof is for tree size"),
        (_other_case, "the case was submitted as"),
        (_resign, "does not verify with key casetrail.test/audit-log"),
    ],
)
def test_each_tampering_fails_precisely(world: World, tamper: Any, message: str) -> None:
    bundle = copy.deepcopy(bundle_of(world))
    tamper(bundle)
    with pytest.raises(BundleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        verify_bundle(bundle, world.signer.verifier)


def test_a_bundle_resigned_by_its_own_key_fools_only_an_unpinned_check(world: World) -> None:
    bundle = copy.deepcopy(bundle_of(world))
    other = Signer.generate(ORIGIN)
    note = world.checkpoints[-1].note.split("\n\n")[0] + "\n"
    bundle["checkpoint"] = other.sign(note)
    bundle["verifier_key"] = other.verifier.vkey()
    assert not verify_bundle(bundle).pinned  # self-consistent: hence the warning
    with pytest.raises(BundleError, match="no signature by"):
        verify_bundle(bundle, world.signer.verifier)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not a casetrail audit bundle: the file is not a JSON object"),
        ({"format": "x"}, "not a casetrail audit bundle: format is 'x'"),
        ({"format": "casetrail-audit-bundle", "format_version": 9}, "version 9 is not supported"),
        ({"format": "casetrail-audit-bundle", "format_version": 1}, "the bundle has no case_no"),
    ],
)
def test_a_malformed_bundle_says_what_is_wrong(document: Any, message: str) -> None:
    with pytest.raises(BundleError, match=message):
        verify_bundle(document)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.update(events="x"), "the bundle's events are not a list"),
        (lambda b: b.update(events=[]), "the bundle holds no events"),
        (lambda b: b["events"][1].pop("proof"), "event 2 of the bundle is not an object"),
        (lambda b: b["events"][1]["event"].pop("hash"), "event 2 of the bundle lacks"),
        (lambda b: b["events"][0]["proof"]["hashes"].append("%%%"), "not base64"),
        (lambda b: b.update(verifier_key="nope"), "the bundle's verifier key is malformed"),
    ],
)
def test_a_damaged_bundle_says_where(world: World, change: Any, message: str) -> None:
    bundle = copy.deepcopy(bundle_of(world))
    change(bundle)
    with pytest.raises(BundleError, match=message):
        verify_bundle(bundle)


def test_verify_bundle_on_the_command_line(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = bundle_of(world)
    path = tmp_path / "case.json"
    path.write_bytes(orjson.dumps(bundle))
    vkey = tmp_path / "vkey"
    vkey.write_text(world.signer.verifier.vkey() + "\n")

    assert cli.main(["audit", "verify-bundle", str(path), "--verifier-key", str(vkey)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"OK: case {bundle['case_no']}") and "WARNING" not in err

    assert cli.main(["audit", "verify-bundle", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("OK: ") and "WARNING: verified only with the key inside the bundle" in err

    _alter(bundle)
    path.write_bytes(orjson.dumps(bundle))
    assert cli.main(["audit", "verify-bundle", str(path), "--verifier-key", str(vkey)]) == 1
    out, _ = capsys.readouterr()
    assert out.startswith(f"FAILED: {path}: case {bundle['case_no']}: event 4")

    path.write_text("{ not json")
    assert cli.main(["audit", "verify-bundle", str(path)]) == 1
    assert f"casetrail: {path} is not a JSON file" in capsys.readouterr().err
    assert cli.main(["audit", "verify-bundle", str(tmp_path / "absent.json")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert cli.main(["audit", "verify-bundle", str(path), "--verifier-key", "garbage"]) == 1
    assert "casetrail: --verifier-key:" in capsys.readouterr().err


NO_SERVERS = """
import sys
from importlib.abc import MetaPathFinder

class Refuse(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"psycopg", "psycopg_pool", "kafka", "httpx", "socket"}:
            raise ImportError(f"verify-bundle must not import {name}")
        return None

sys.meta_path.insert(0, Refuse())
from infra.entrypoints import cli
code = cli.main(["audit", "verify-bundle", sys.argv[1], "--verifier-key", sys.argv[2]])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {"psycopg", "kafka", "eventsourcing"})
print("loaded:", loaded)
sys.exit(code)
"""


def test_verify_bundle_imports_no_database_or_kafka_client(world: World, tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_bytes(orjson.dumps(bundle_of(world)))
    done = subprocess.run(
        [sys.executable, "-c", NO_SERVERS, str(path), world.signer.verifier.vkey()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK: case ")
    assert "loaded: []" in done.stdout
