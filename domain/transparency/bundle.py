"""The offline verification bundle: one case's events, their inclusion proofs, a signed
checkpoint and the verifier key, in one JSON document that anyone can check with no
database or network (``casetrail audit export`` / ``verify-bundle``).

```
{"format": "casetrail-audit-bundle", "format_version": 1,
 "case_no": …, "case_id": …,
 "checkpoint": "<signed note>", "verifier_key": "<vkey>",
 "events": [{"event": <CloudEvent as on Kafka>,
             "proof": {"leaf_index", "tree_size", "leaf_hash", "hashes": [base64…]}}, …]}
```

Each proof has the shape of ``GET /api/v1/audit/proofs/inclusion``. The check: the
checkpoint note is signed by the key, the events form the case's unbroken chain from
genesis, and each event's leaf ``SHA-256(0x00 ‖ hash)`` is included under the
checkpoint's root by its proof.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.chain import ChainBroken, verify_chain
from domain.transparency.checkpoint import Checkpoint
from domain.transparency.merkle import ProofError, leaf_hash, verify_inclusion
from domain.transparency.note import NoteError, Verifier

FORMAT = "casetrail-audit-bundle"
FORMAT_VERSION = 1
SUBMITTED_PREFIX = "casetrail.case.submitted."
TEXT_ATTRIBUTES = ("type", "subject", "time", "prevhash", "hash")


class BundleError(ValueError):
    """A bundle that is malformed or does not verify; the message says where."""


def proof_document(index: int, size: int, leaf: bytes, hashes: Sequence[bytes]) -> dict[str, Any]:
    """An inclusion proof as the API serves it and bundles carry it."""
    return {
        "leaf_index": index,
        "tree_size": size,
        "leaf_hash": _b64(leaf),
        "hashes": [_b64(h) for h in hashes],
    }


def make_bundle(
    *,
    case_no: str,
    case_id: str,
    checkpoint: str,
    verifier_key: str,
    events: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
) -> dict[str, Any]:
    """A bundle of ``events``, each a (CloudEvent, proof document) pair, under the signed
    ``checkpoint`` that ``verifier_key`` verifies."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "case_no": case_no,
        "case_id": case_id,
        "checkpoint": checkpoint,
        "verifier_key": verifier_key,
        "events": [{"event": dict(event), "proof": dict(proof)} for event, proof in events],
    }


@dataclass(frozen=True)
class BundleReport:
    """What a verified bundle shows."""

    case_no: str
    case_id: str
    events: int
    origin: str
    tree_size: int
    root: bytes
    key_name: str
    key_id: str
    pinned: bool  # verified with a key given by the verifier, not only the bundle's own

    def summary(self) -> str:
        """The human summary of a bundle that verified."""
        return (
            f"case {self.case_no} ({self.case_id}): {self.events} events form an unbroken "
            f"chain from genesis, each included in log {self.origin} at tree size "
            f"{self.tree_size} (root {self.root.hex()}), whose checkpoint is signed by "
            f"{self.key_name} (key id {self.key_id})"
        )


def verify_bundle(bundle: Any, pinned: Verifier | None = None) -> BundleReport:
    """Check a parsed bundle; ``BundleError`` names the first thing that fails.

    ``pinned`` is the verifier key the verifier trusts; without it the bundle's own key
    is used, which proves only that whoever made the bundle held a key."""
    if not isinstance(bundle, dict):
        raise BundleError("not a casetrail audit bundle: the file is not a JSON object")
    name = bundle.get("format")
    if name != FORMAT:
        raise BundleError(f"not a casetrail audit bundle: format is {name!r}, not {FORMAT!r}")
    version = bundle.get("format_version")
    if version != FORMAT_VERSION:
        raise BundleError(f"bundle format version {version!r} is not supported ({FORMAT_VERSION})")
    case_no, case_id = _text(bundle, "case_no"), _text(bundle, "case_id")
    verifier = pinned or _verifier(_text(bundle, "verifier_key"))
    try:
        checkpoint = Checkpoint.open(_text(bundle, "checkpoint"), verifier)
    except NoteError as error:
        raise BundleError(
            f"the checkpoint does not verify with key {verifier.name}: {error}"
        ) from None
    events, proofs = _events(bundle.get("events"))
    if not events:
        raise BundleError("the bundle holds no events")
    _check_case(events, case_no, case_id)
    try:
        verify_chain(events)
    except ChainBroken as error:
        raise BundleError(f"case {case_no}: {error}") from None
    for event, proof in zip(events, proofs, strict=True):
        _check_inclusion(event, proof, checkpoint)
    return BundleReport(
        case_no=case_no,
        case_id=case_id,
        events=len(events),
        origin=checkpoint.origin,
        tree_size=checkpoint.size,
        root=checkpoint.root,
        key_name=verifier.name,
        key_id=verifier.key_id.hex(),
        pinned=pinned is not None,
    )


def _check_case(events: Sequence[Mapping[str, Any]], case_no: str, case_id: str) -> None:
    first = events[0]
    if first.get("subject") != case_id:
        raise BundleError(f"the events are of {first.get('subject')!r}, not case {case_id}")
    if str(first.get("type", "")).startswith(SUBMITTED_PREFIX):
        recorded = first.get("data", {}).get("case_no")
        if recorded != case_no:
            raise BundleError(f"the case was submitted as {recorded!r}, not {case_no}")


def _check_inclusion(
    event: Mapping[str, Any], proof: Mapping[str, Any], checkpoint: Checkpoint
) -> None:
    where = f"v{event['caseversion']} ({event['type']})"
    leaf = leaf_hash(bytes.fromhex(event["hash"]))
    index, size = proof["leaf_index"], proof["tree_size"]
    if proof.get("leaf_hash") is not None and _bytes(proof["leaf_hash"], where) != leaf:
        raise BundleError(
            f"{where}: its proof is for leaf hash {proof['leaf_hash']}, not for "
            f"SHA-256(0x00 ‖ its hash) = {_b64(leaf)}"
        )
    if size != checkpoint.size:
        raise BundleError(
            f"{where}: the proof is for tree size {size}, the checkpoint's is {checkpoint.size}"
        )
    hashes = [_bytes(h, where) for h in proof["hashes"]]
    try:
        verify_inclusion(index, size, leaf, hashes, checkpoint.root)
    except ProofError as error:
        raise BundleError(f"{where} is not included under the checkpoint's root: {error}") from None


def _events(value: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if not isinstance(value, list):
        raise BundleError("the bundle's events are not a list")
    events, proofs = [], []
    for number, entry in enumerate(value, 1):
        where = f"event {number} of the bundle"
        event = entry.get("event") if isinstance(entry, dict) else None
        proof = entry.get("proof") if isinstance(entry, dict) else None
        if not isinstance(event, dict) or not isinstance(proof, dict):
            raise BundleError(f"{where} is not an object with an event and a proof")
        if not all(
            isinstance(event.get(k), str) for k in ("type", "subject", "time", "prevhash", "hash")
        ):
            raise BundleError(f"{where} lacks a CloudEvent's type, subject, time or chain links")
        if not isinstance(event.get("caseversion"), int) or not isinstance(event.get("data"), dict):
            raise BundleError(f"{where} lacks a CloudEvent's caseversion or data")
        if not _is_hex32(event["hash"]) or not _is_hex32(event["prevhash"]):
            raise BundleError(f"{where}: hash and prevhash are 32 bytes in hex")
        index, size, hashes = proof.get("leaf_index"), proof.get("tree_size"), proof.get("hashes")
        if not (isinstance(index, int) and isinstance(size, int) and isinstance(hashes, list)):
            raise BundleError(f"{where}: its proof lacks leaf_index, tree_size or hashes")
        events.append(event)
        proofs.append(proof)
    return events, proofs


def _verifier(vkey: str) -> Verifier:
    try:
        return Verifier.parse(vkey)
    except NoteError as error:
        raise BundleError(f"the bundle's verifier key is malformed: {error}") from None


def _text(bundle: Mapping[str, Any], name: str) -> str:
    value = bundle.get(name)
    if not isinstance(value, str) or not value:
        raise BundleError(f"the bundle has no {name}")
    return value


def _bytes(value: Any, where: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise BundleError(
            f"{where}: its proof holds a value that is not base64: {value!r}"
        ) from None


def _is_hex32(value: str) -> bool:
    try:
        return len(bytes.fromhex(value)) == 32
    except ValueError:
        return False


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()
