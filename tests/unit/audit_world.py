"""A recorded history in memory, and the transparency log over it, for the audit tests:
the event store's documents, the Kafka messages and the log's leaves, nodes and signed
checkpoints, each as its source would hold it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import orjson

from consumers.audit_checks import (
    Evidence,
    Leaf,
    LogSnapshot,
    PublishedNote,
    StoredNote,
    assess,
    check_nodes,
    recompute_levels,
)
from consumers.audit_findings import Report
from consumers.cloudevents import recorded_document, to_cloudevent
from domain.application import HallApplication
from domain.case.commands import Accept, Decide, Withdraw
from domain.chain import chain_hash
from domain.transparency.checkpoint import Checkpoint
from domain.transparency.merkle import MemoryTree, leaf_hash
from domain.transparency.note import Signer
from tests.unit.conftest import APPROVER, CLERK, ITEM, applicant, assign_for_decision, make_app

ORIGIN = "casetrail.test/audit-log"
TOPIC = "casetrail.audit-checkpoints"


def decided_case(app: HallApplication, *, denied: bool = False) -> UUID:
    """A case submitted, accepted, assigned and decided."""
    case_id = app.submit(
        CLERK, item_code=ITEM.code, channel="window", applicant=applicant(), materials=[]
    ).aggregate_id
    app.handle(Accept(), case_id, CLERK)
    skipped = assign_for_decision(app, case_id)
    decision = (
        Decide(
            outcome="denied",
            reasons=["材料不实"],
            legal_basis="第三十一条",
            appeal_notice="六十日内可申请行政复议",
            skipped_steps=skipped,
        )
        if denied
        else Decide(outcome="approved", skipped_steps=skipped)
    )
    app.handle(decision, case_id, APPROVER)
    return case_id


def withdrawn_case(app: HallApplication) -> UUID:
    case_id = app.submit(
        CLERK, item_code=ITEM.code, channel="window", applicant=applicant(), materials=[]
    ).aggregate_id
    app.handle(Withdraw(reason="不办了"), case_id, CLERK)
    return case_id


@dataclass
class World:
    """Every event in position order as PostgreSQL, Kafka and the log hold it."""

    app: HallApplication
    stored: list[tuple[int, dict[str, Any]]]  # position, recorded document
    messages: list[bytes]
    leaves: list[Leaf]
    signer: Signer
    checkpoints: list[StoredNote] = field(default_factory=list)
    published: list[PublishedNote] = field(default_factory=list)
    nodes: dict[tuple[int, int], bytes] = field(default_factory=dict)
    unreadable: list[tuple[int, str, int]] = field(default_factory=list)  # rows, by key

    @classmethod
    def make(cls, signer: Signer | None = None) -> World:
        app = make_app()
        decided_case(app)
        withdrawn_case(app)
        decided_case(app, denied=True)
        stored = [
            (n.id, recorded_document(n, app.mapper))
            for n in app.recorder.select_notifications(start=None, limit=100_000)
        ]
        world = cls(app, stored, [], [], signer or Signer.generate(ORIGIN))
        world.messages = [world.message(document, position) for position, document in stored]
        world.leaves = [
            Leaf(index, position, document["subject"], document["caseversion"], _hash(document))
            for index, (position, document) in enumerate(stored)
        ]
        world.rebuild_nodes()
        for size in (len(stored) // 2, len(stored)):
            world.sign(size)
        return world

    def message(self, document: dict[str, Any], position: int) -> bytes:
        return orjson.dumps(to_cloudevent(document, position=position, hall="test"))

    def rebuild_nodes(self) -> None:
        """The stored nodes, as the log stores them from its leaves."""
        tree = MemoryTree([leaf_hash(leaf.chain_hash) for leaf in self.leaves])
        self.nodes = {(node.level, node.index): digest for node, digest in tree.nodes.items()}

    def tree(self, size: int | None = None) -> MemoryTree:
        leaves = self.leaves if size is None else self.leaves[:size]
        return MemoryTree([leaf_hash(leaf.chain_hash) for leaf in leaves])

    def sign(self, size: int, signer: Signer | None = None) -> str:
        """Sign, store and publish a checkpoint of the first ``size`` leaves."""
        root = self.tree(size).root(size)
        note = Checkpoint(ORIGIN, size, root).sign(signer or self.signer)
        self.checkpoints.append(StoredNote(size, root, note))
        self.published.append(PublishedNote(0, len(self.published), note))
        return note

    def case_ids(self) -> list[str]:
        """The cases' ids, in order of intake."""
        seen = [d["subject"] for _, d in self.stored if d["type"].startswith("casetrail.case.")]
        return list(dict.fromkeys(seen))

    def index(self, case_id: str, version: int) -> int:
        """Where an event is in position order."""
        return next(
            i
            for i, (_, d) in enumerate(self.stored)
            if (d["subject"], d["caseversion"]) == (case_id, version)
        )

    def report(self) -> Report:
        """What ``casetrail audit verify`` finds in this world."""
        evidence = Evidence()
        evidence.add_leaves(self.leaves)
        for offset, value in enumerate(self.messages):
            evidence.add_kafka(value, 0, offset)
        for position, document in self.stored:
            evidence.add_postgres(position, document)
        for position, aggregate_id, version in self.unreadable:
            evidence.unreadable(position, aggregate_id, version, "InvalidTag: ")
        levels = recompute_levels(self.leaves)
        log = LogSnapshot(self.leaves, levels, [], 0, sorted(self.checkpoints, key=_size))
        nodes = ((level, index, digest) for (level, index), digest in sorted(self.nodes.items()))
        log.node_problems, log.nodes = check_nodes(levels, nodes, log.position_of)
        return assess(evidence, log, self.published, self.signer.verifier, TOPIC)


def rehash(document: dict[str, Any], prevhash: str | None = None) -> dict[str, Any]:
    """The document with its chain links recomputed (after ``prevhash``, when given)."""
    changed = {**document, "prevhash": prevhash or document["prevhash"]}
    return {**changed, "hash": chain_hash(changed)}


def _hash(document: dict[str, Any]) -> bytes:
    return bytes.fromhex(document["hash"])


def _size(note: StoredNote) -> int:
    return note.tree_size
