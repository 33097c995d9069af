"""``casetrail audit export``: one case's offline verification bundle
(``domain.transparency.bundle``): its events as the relay publishes them, each with its
inclusion proof against the latest signed checkpoint, that checkpoint and the verifier
key. A bundle that would not verify is refused, never written."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification

from consumers.cloudevents import recorded_document, to_cloudevent
from domain.transparency.bundle import BundleError, make_bundle, proof_document, verify_bundle
from domain.transparency.checkpoint import Checkpoint
from domain.transparency.merkle import leaf_hash
from domain.transparency.note import NoteError, Verifier
from infra import transparency_store


def export_bundle(
    conn: psycopg.Connection[Any],
    recorder: ApplicationRecorder,
    mapper: Mapper[UUID],
    *,
    hall: str,
    case_no: str,
    verifier: Verifier,
) -> dict[str, Any]:
    """The bundle of case ``case_no`` under the latest checkpoint, which ``verifier``
    must verify (``LookupError`` for an unknown case or one not yet all under a
    checkpoint; ``RuntimeError`` for anything that does not verify)."""
    row = conn.execute(
        "SELECT case_id FROM query_code_verifiers WHERE case_no = %s", (case_no,)
    ).fetchone()
    if row is None:
        raise LookupError(f"no case {case_no}")
    case_id: UUID = row[0]
    latest = transparency_store.latest_checkpoint(conn)
    if latest is None:
        raise LookupError("the log has no signed checkpoint yet: try again after the first one")
    try:
        checkpoint = Checkpoint.open(latest.note, verifier)
    except NoteError as error:
        raise RuntimeError(
            f"the latest checkpoint does not verify with key {verifier.name} ({error}): "
            "run `casetrail audit verify`"
        ) from None
    leaves = {
        int(version): (int(index), int(position))
        for version, index, position in conn.execute(
            "SELECT version, leaf_index, position FROM audit_log_leaves WHERE aggregate_id = %s",
            (case_id,),
        )
    }
    tree = transparency_store.reader(conn)
    events = []
    for stored in recorder.select_events(case_id):
        version = stored.originator_version
        index, position = leaves.get(version, (checkpoint.size, 0))
        if index >= checkpoint.size:
            raise LookupError(
                f"case {case_no} v{version} is not yet under a signed checkpoint (the latest "
                f"covers {checkpoint.size} leaves): try again after the next one"
            )
        notification = Notification(
            originator_id=stored.originator_id,
            originator_version=version,
            topic=stored.topic,
            state=stored.state,
            id=position,
        )
        document = recorded_document(notification, mapper)
        proof = tree.inclusion_proof(index, checkpoint.size)
        leaf = leaf_hash(bytes.fromhex(document["hash"]))
        events.append(
            (
                to_cloudevent(document, position=position, hall=hall),
                proof_document(index, checkpoint.size, leaf, proof),
            )
        )
    bundle = make_bundle(
        case_no=case_no,
        case_id=str(case_id),
        checkpoint=latest.note,
        verifier_key=verifier.vkey(),
        events=events,
    )
    try:
        verify_bundle(bundle, verifier)
    except BundleError as error:
        raise RuntimeError(
            f"case {case_no} does not verify, no bundle written: {error}; "
            "run `casetrail audit verify`"
        ) from None
    return bundle
