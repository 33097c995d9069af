"""The checks of ``casetrail audit verify``, on what was read from each source.

Pure: ``Evidence`` collects each event as PostgreSQL holds it, as Kafka carries it and
as the log's leaf records it (reduced to its position, type, hashes and links);
``check_events`` compares them and follows every chain; ``check_leaves``,
``check_nodes`` and ``check_checkpoints`` check the log against its leaves and its
signed checkpoints. Each returns ``Problem``s (``consumers.audit_findings``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from consumers.audit_findings import (
    CheckpointRef,
    EventRef,
    LeafRef,
    MessageRef,
    NodeRef,
    Problem,
    Ref,
    Report,
    short,
)
from domain.chain import GENESIS, chain_hash
from domain.transparency.checkpoint import Checkpoint
from domain.transparency.merkle import (
    ProofError,
    TreeReader,
    fold,
    leaf_hash,
    node_hash,
    range_nodes,
    verify_consistency,
)
from domain.transparency.note import NoteError, Verifier, split

ZERO = bytes.fromhex(GENESIS)
SUBMITTED = "casetrail.case.submitted."


@dataclass(slots=True)
class Copy:
    """One source's copy of an event: its position, type and chain links, and the hash
    its content gives (``recomputed``, kept only when it is not the recorded hash)."""

    position: int
    type: str
    hash: bytes
    prevhash: bytes
    recomputed: bytes | None
    where: tuple[int, int] | None = None  # Kafka partition and offset

    @classmethod
    def of(
        cls, document: Mapping[str, Any], position: int, where: tuple[int, int] | None = None
    ) -> Copy:
        """The copy of a recorded document (``ValueError``/``KeyError``/``TypeError``
        when it is not one)."""
        recorded = bytes.fromhex(document["hash"])
        recomputed = bytes.fromhex(chain_hash(document))
        return cls(
            position=int(position),
            type=sys.intern(str(document["type"])),
            hash=recorded,
            prevhash=bytes.fromhex(document["prevhash"]),
            recomputed=None if recomputed == recorded else recomputed,
            where=where,
        )

    @property
    def content(self) -> bytes:
        """The hash of its content: equal contents, equal values."""
        return self.recomputed or self.hash


@dataclass(frozen=True, slots=True)
class Leaf:
    """A leaf as stored: where it is and the event it names."""

    index: int
    position: int
    aggregate_id: str
    version: int
    chain_hash: bytes


@dataclass
class Record:
    """Everything read about one aggregate."""

    case_no: str | None = None
    postgres: dict[int, Copy] = field(default_factory=dict)
    kafka: dict[int, Copy] = field(default_factory=dict)
    leaves: dict[int, Leaf] = field(default_factory=dict)


@dataclass
class Evidence:
    """The events as each source holds them, and the problems met while reading."""

    records: dict[str, Record] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    postgres_events: int = 0
    kafka_messages: int = 0
    duplicates: int = 0

    def record(self, aggregate_id: str) -> Record:
        return self.records.setdefault(aggregate_id, Record())

    def add_postgres(self, position: int, document: Mapping[str, Any]) -> None:
        """An event as the store holds it (through the application's mapper)."""
        copy = Copy.of(document, position)
        self.postgres_events += 1
        self._note(document).postgres[int(document["caseversion"])] = copy

    def unreadable(self, position: int, aggregate_id: str, version: int, error: str) -> None:
        """A stored row that does not decrypt or decode."""
        self.postgres_events += 1
        self.problems.append(
            Problem(
                "unreadable",
                EventRef(aggregate_id, version),
                f"its row in PostgreSQL cannot be read: {error}",
                position,
            )
        )

    def add_kafka(
        self,
        value: bytes | None,
        partition: int,
        offset: int,
        wanted: Container[tuple[str, int]] | None = None,
    ) -> None:
        """A message of the event topic (only if it is of a ``wanted`` event, when
        given); a re-published duplicate must equal the first."""
        try:
            document = orjson.loads(value or b"")
            copy = Copy.of(document, document["position"], (partition, offset))
            aggregate_id, version = str(document["subject"]), int(document["caseversion"])
        except (orjson.JSONDecodeError, ValueError, KeyError, TypeError) as error:
            if wanted is not None:
                return
            self.kafka_messages += 1
            self.problems.append(
                Problem(
                    "malformed-message",
                    MessageRef(partition, offset),
                    f"is not a recorded event ({type(error).__name__}: {error})",
                )
            )
            return
        if wanted is not None and (aggregate_id, version) not in wanted:
            return
        self.kafka_messages += 1
        record = self._note(document)
        first = record.kafka.setdefault(version, copy)
        if first is copy:
            return
        self.duplicates += 1
        if (first.hash, first.content, first.position) != (copy.hash, copy.content, copy.position):
            self.problems.append(
                Problem(
                    "conflicting-copies",
                    EventRef(aggregate_id, version, copy.type),
                    f"Kafka carries it twice with different contents: at partition "
                    f"{partition} offset {first.where[1] if first.where else '?'} hash "
                    f"{short(first.hash)}, at offset {offset} hash {short(copy.hash)}",
                    min(first.position, copy.position),
                )
            )

    def add_leaves(self, leaves: Iterable[Leaf]) -> None:
        for leaf in leaves:
            self.record(leaf.aggregate_id).leaves.setdefault(leaf.version, leaf)

    def named(self, problems: Iterable[Problem]) -> list[Problem]:
        """The problems with each event's case number and type, when some source knew
        them (a row that does not decrypt tells neither)."""
        return [self._name(problem) for problem in problems]

    def _name(self, problem: Problem) -> Problem:
        ref = problem.ref
        if not isinstance(ref, EventRef) or (record := self.records.get(ref.aggregate_id)) is None:
            return problem
        copy = record.postgres.get(ref.version) or record.kafka.get(ref.version)
        named = replace(
            ref,
            case_no=ref.case_no or record.case_no,
            type=ref.type or (copy.type if copy else None),
        )
        return replace(problem, ref=named)

    def _note(self, document: Mapping[str, Any]) -> Record:
        record = self.record(str(document["subject"]))
        if str(document["type"]).startswith(SUBMITTED):
            record.case_no = record.case_no or document["data"].get("case_no")
        return record


@dataclass(frozen=True)
class Finder:
    """Records problems of one event, leaf, node or checkpoint."""

    problems: list[Problem]
    ref: Ref
    at: int | None

    def __call__(self, kind: str, detail: str, **evidence: Any) -> None:
        self.problems.append(Problem(kind, self.ref, detail, self.at, evidence))


@dataclass
class Pending:
    """What cannot be verified yet because a consumer is behind (not problems)."""

    not_published: int = 0
    not_logged: int = 0


def check_events(
    evidence: Evidence, kafka_bound: int, leaf_bound: int
) -> tuple[list[Problem], Pending]:
    """Compare every event across PostgreSQL, Kafka and the log, and follow each chain.

    Kafka was read before PostgreSQL and the log before Kafka, so what Kafka or the log
    holds must be in PostgreSQL; an event in PostgreSQL after ``kafka_bound`` (the last
    position on Kafka) may not be published yet, one after ``leaf_bound`` (the last
    leaf's position) not logged yet."""
    problems: list[Problem] = []
    pending = Pending()
    for aggregate_id, record in evidence.records.items():
        _check_aggregate(evidence, aggregate_id, record, kafka_bound, leaf_bound, problems, pending)
    return problems, pending


def _check_aggregate(
    evidence: Evidence,
    aggregate_id: str,
    record: Record,
    kafka_bound: int,
    leaf_bound: int,
    problems: list[Problem],
    pending: Pending,
) -> None:
    last = max([*record.postgres, *record.kafka, *record.leaves], default=0)
    deleted = not record.postgres
    for version in range(1, last + 1):
        pg, kafka, leaf = (
            record.postgres.get(version),
            record.kafka.get(version),
            record.leaves.get(version),
        )
        kind = pg.type if pg else kafka.type if kafka else None
        ref = EventRef(aggregate_id, version, kind, record.case_no)
        positions = {
            name: item.position
            for name, item in (("PostgreSQL", pg), ("Kafka", kafka), ("the log", leaf))
            if item is not None
        }
        at = min(positions.values(), default=None)
        found = Finder(problems, ref, at)

        if not positions:
            found(
                "version-missing",
                f"is in neither PostgreSQL, Kafka nor the log, yet v{version + 1} follows it",
            )
            continue
        for name, copies in (("PostgreSQL", record.postgres), ("Kafka", record.kafka)):
            _check_link(name, copies, version, found)
        if deleted and version == 1:
            found(
                "case-deleted",
                f"the whole {ref.stream} is missing from PostgreSQL: Kafka carries "
                f"{len(record.kafka)} of its events and the log {len(record.leaves)}",
            )
        elif pg is None and not deleted:
            found(
                "missing-in-postgres",
                f"is missing from PostgreSQL (held by {', '.join(positions)})",
            )
        if pg is not None and kafka is None:
            if pg.position <= kafka_bound:
                found("missing-on-kafka", "is in PostgreSQL but was never published on Kafka")
            else:
                pending.not_published += 1
        if (
            pg is not None
            and kafka is not None
            and (pg.hash, pg.content) != (kafka.hash, kafka.content)
        ):
            told = "PostgreSQL and Kafka hold different contents"
            if pg.hash != kafka.hash:
                told += f": hash {short(pg.hash)} in PostgreSQL, {short(kafka.hash)} on Kafka"
            found("differs", told, postgres_hash=pg.hash.hex(), kafka_hash=kafka.hash.hex())
        if len(set(positions.values())) > 1:
            told = ", ".join(f"{name} {position}" for name, position in positions.items())
            found("position-differs", f"its position differs: {told}", **positions)
        before = record.postgres.get(version - 1)
        if pg is not None and before is not None and pg.position < before.position:
            found(
                "out-of-order",
                f"PostgreSQL stores it at position {pg.position}, before v{version - 1} "
                f"(position {before.position})",
            )
        _check_leaf(pg or kafka, leaf, leaf_bound, found, pending)


def _check_link(name: str, copies: Mapping[int, Copy], version: int, found: Finder) -> None:
    """A source's copy of ``version`` matches its hash and links to the one before."""
    copy = copies.get(version)
    if copy is None:
        return
    if copy.recomputed is not None:
        found(
            "altered",
            f"its content in {name} was altered: hash recorded {short(copy.hash)}, "
            f"recomputed {short(copy.recomputed)}",
            source=name,
            recorded=copy.hash.hex(),
            recomputed=copy.recomputed.hex(),
        )
    before = ZERO if version == 1 else copies[version - 1].hash if version - 1 in copies else None
    if before is not None and copy.prevhash != before:
        what = (
            "the genesis hash" if version == 1 else f"the hash of v{version - 1} ({short(before)})"
        )
        found(
            "chain-broken",
            f"in {name} its prevhash {short(copy.prevhash)} is not {what}",
            source=name,
            prevhash=copy.prevhash.hex(),
            expected=before.hex(),
        )


def _check_leaf(
    copy: Copy | None,
    leaf: Leaf | None,
    leaf_bound: int,
    found: Finder,
    pending: Pending,
) -> None:
    """The event's leaf holds its hash; an event before the log's end has one."""
    if leaf is None:
        if copy is not None and copy.position <= leaf_bound:
            found("leaf-missing", f"is not in the log, whose leaves go on to position {leaf_bound}")
        elif copy is not None:
            pending.not_logged += 1
        return
    if copy is None:
        found(
            "leaf-orphan", f"leaf {leaf.index} names it, and neither PostgreSQL nor Kafka holds it"
        )
    elif leaf.chain_hash != copy.hash:
        found(
            "leaf-differs",
            f"its leaf {leaf.index} in the log holds hash {short(leaf.chain_hash)}, the event's "
            f"hash is {short(copy.hash)}",
            leaf_index=leaf.index,
            leaf_hash=leaf.chain_hash.hex(),
            event_hash=copy.hash.hex(),
        )


def check_leaves(leaves: Sequence[Leaf]) -> list[Problem]:
    """Leaves indexed 0, 1, 2, … in position order, one per event."""
    problems = []
    seen: dict[tuple[str, int], int] = {}
    previous: Leaf | None = None
    for leaf in leaves:
        expected = 0 if previous is None else previous.index + 1
        if leaf.index != expected:
            problems.append(
                Problem(
                    "leaf-gap",
                    LeafRef(expected),
                    f"leaves {expected}–{leaf.index - 1} are missing from the log",
                    leaf.position,
                )
            )
        if previous is not None and leaf.position <= previous.position:
            problems.append(
                Problem(
                    "leaf-order",
                    LeafRef(leaf.index),
                    f"names position {leaf.position}, after leaf {previous.index} at position "
                    f"{previous.position}: the log is not in position order",
                    leaf.position,
                )
            )
        key = (leaf.aggregate_id, leaf.version)
        if key in seen:
            problems.append(
                Problem(
                    "leaf-duplicate",
                    LeafRef(leaf.index),
                    f"repeats the event of leaf {seen[key]} ({leaf.aggregate_id} v{leaf.version})",
                    leaf.position,
                )
            )
        seen.setdefault(key, leaf.index)
        previous = leaf
    return problems


def recompute_levels(leaves: Sequence[Leaf]) -> list[list[bytes]]:
    """Every complete node of the tree of ``leaves`` (in index order), level by level:
    level 0 the leaf hashes ``SHA-256(0x00 ‖ chain hash)``."""
    levels = [[leaf_hash(leaf.chain_hash) for leaf in leaves]]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return levels


def tree_of(levels: Sequence[Sequence[bytes]]) -> TreeReader:
    """Roots and proofs of the recomputed tree."""
    return TreeReader(lambda nodes: {node: levels[node.level][node.index] for node in nodes})


def root_of(levels: Sequence[Sequence[bytes]], size: int) -> bytes:
    """The recomputed root of the first ``size`` leaves."""
    return fold([levels[node.level][node.index] for node in range_nodes(0, size)])


def check_nodes(
    levels: Sequence[Sequence[bytes]],
    stored: Iterable[tuple[int, int, bytes]],
    position_of: Callable[[int], int | None],
) -> tuple[list[Problem], int]:
    """Every stored node equals the node the leaves give, and none is missing or extra;
    the problems and how many nodes were stored."""
    problems = []
    seen = [bytearray(len(level)) for level in levels]
    count = 0
    for level, index, digest in stored:
        count += 1
        ref = NodeRef(level, index)
        last = min(((index + 1) << level), len(levels[0])) - 1
        if level >= len(levels) or index >= len(levels[level]):
            problems.append(
                Problem(
                    "node-extra",
                    ref,
                    "is stored, but the log's leaves complete no such node",
                    position_of(last),
                )
            )
            continue
        seen[level][index] = 1
        if digest != levels[level][index]:
            problems.append(
                Problem(
                    "node-differs",
                    ref,
                    f"holds {short(digest)}, the leaves give {short(levels[level][index])}",
                    position_of(last),
                    {"stored": digest.hex(), "recomputed": levels[level][index].hex()},
                )
            )
    for level, marks in enumerate(seen):
        for index, mark in enumerate(marks):
            if not mark:
                last = ((index + 1) << level) - 1
                problems.append(
                    Problem(
                        "node-missing",
                        NodeRef(level, index),
                        "is missing from the log",
                        position_of(last),
                    )
                )
    return problems, count


@dataclass(frozen=True)
class StoredNote:
    """A checkpoint row: its columns and its note."""

    tree_size: int
    root_hash: bytes
    note: str


@dataclass(frozen=True)
class PublishedNote:
    """A checkpoint note as published on the checkpoint topic."""

    partition: int
    offset: int
    note: str


@dataclass
class CheckpointFindings:
    """The checkpoints' problems, and how far the latest valid one reaches."""

    problems: list[Problem] = field(default_factory=list)
    covered: int = 0
    not_published: int = 0


def check_checkpoints(
    stored: Sequence[StoredNote],
    published: Sequence[PublishedNote] | None,
    verifier: Verifier,
    levels: Sequence[Sequence[bytes]],
    position_of: Callable[[int], int | None],
    topic: str,
) -> CheckpointFindings:
    """Each stored checkpoint is signed by ``verifier``, says what its row says, has the
    root of the log's leaves at its size and extends the one before it; the published
    ones are exactly the stored ones (the newest stored may not be published yet).
    ``published`` is None when the checkpoint topic cannot be read."""
    findings = CheckpointFindings()
    size = len(levels[0])
    tree = tree_of(levels)
    previous: Checkpoint | None = None
    for row in stored:
        ref = CheckpointRef(row.tree_size)
        at = position_of(min(row.tree_size, size) - 1)
        found = Finder(findings.problems, ref, at)

        try:
            checkpoint = Checkpoint.open(row.note, verifier)
        except NoteError as error:
            found(
                "checkpoint-signature",
                f"its note does not verify with key {verifier.name}: {error}",
            )
            checkpoint = None
        body = checkpoint or _body(row.note)
        if body is not None and (body.size, body.root) != (row.tree_size, row.root_hash):
            found(
                "checkpoint-row",
                f"its row says size {row.tree_size} and root {short(row.root_hash)}, its note "
                f"size {body.size} and root {short(body.root)}",
            )
        claimed = checkpoint or Checkpoint("", row.tree_size, row.root_hash)
        _check_root(claimed, levels, found, "its")
        if checkpoint is None or checkpoint.size > size:
            continue
        if previous is not None:
            proof = tree.consistency_proof(previous.size, checkpoint.size)
            try:
                verify_consistency(
                    previous.size, checkpoint.size, proof, previous.root, checkpoint.root
                )
            except ProofError as error:
                found(
                    "checkpoint-fork",
                    f"is not consistent with the checkpoint of size {previous.size}: {error}",
                )
        previous = checkpoint
        findings.covered = checkpoint.size
    if published is not None:
        _compare_published(stored, published, verifier, levels, position_of, topic, findings)
    elif stored:
        findings.problems.append(
            Problem(
                "checkpoint-topic",
                CheckpointRef(stored[0].tree_size),
                f"the checkpoint topic {topic} does not exist or may not be read, so no "
                "checkpoint can be compared with what was published",
                position_of(min(stored[0].tree_size, len(levels[0])) - 1),
            )
        )
    return findings


def _check_root(
    checkpoint: Checkpoint,
    levels: Sequence[Sequence[bytes]],
    found: Finder,
    whose: str,
) -> None:
    size = len(levels[0])
    if checkpoint.size > size:
        found(
            "checkpoint-root",
            f"{whose} tree size {checkpoint.size} is beyond the log's {size} leaves",
        )
    elif checkpoint.root != (recomputed := root_of(levels, checkpoint.size)):
        found(
            "checkpoint-root",
            f"{whose} root {short(checkpoint.root)} is not the root of the log's first "
            f"{checkpoint.size} leaves ({short(recomputed)})",
        )


def _compare_published(
    stored: Sequence[StoredNote],
    published: Sequence[PublishedNote],
    verifier: Verifier,
    levels: Sequence[Sequence[bytes]],
    position_of: Callable[[int], int | None],
    topic: str,
    findings: CheckpointFindings,
) -> None:
    size = len(levels[0])
    by_size = {row.tree_size: row for row in stored}
    newest = 0
    for message in published:
        body = _body(message.note)
        tree_size = body.size if body else 0
        ref = CheckpointRef(tree_size)
        at = position_of(min(tree_size, size) - 1) if tree_size else None
        found = Finder(findings.problems, ref, at)

        where = f"published on {topic} (partition {message.partition}, offset {message.offset})"
        try:
            checkpoint = Checkpoint.open(message.note, verifier)
        except NoteError as error:
            found(
                "checkpoint-signature",
                f"the note {where} does not verify with key {verifier.name}: {error}",
            )
            continue
        newest = max(newest, checkpoint.size)
        row = by_size.get(checkpoint.size)
        if row is None:
            found(
                "checkpoint-unstored", f"was {where}, and the store has no checkpoint of that size"
            )
            _check_root(checkpoint, levels, found, "the published checkpoint's")
        elif row.note != message.note:
            found("checkpoint-differs", f"the stored note differs from the one {where}")
    published_sizes = {b.size for m in published if (b := _body(m.note)) is not None}
    for row in stored:
        if row.tree_size in published_sizes:
            continue
        if row.tree_size < newest:
            findings.problems.append(
                Problem(
                    "checkpoint-unpublished",
                    CheckpointRef(row.tree_size),
                    f"is stored but was never published on {topic}",
                    position_of(min(row.tree_size, size) - 1),
                )
            )
        else:
            findings.not_published += 1


def _body(note: str) -> Checkpoint | None:
    """The checkpoint a note says, signed or not; None if it says none."""
    try:
        return Checkpoint.parse(split(note)[0])
    except NoteError:
        return None


@dataclass
class LogSnapshot:
    """The log's tables as of one moment, with the tree recomputed from its leaves."""

    leaves: list[Leaf]
    levels: list[list[bytes]]
    node_problems: list[Problem]
    nodes: int
    checkpoints: list[StoredNote]

    def position_of(self, index: int) -> int | None:
        """The position of the leaf at ``index`` (in the order read)."""
        return self.leaves[index].position if 0 <= index < len(self.leaves) else None


def assess(
    evidence: Evidence,
    log: LogSnapshot,
    published: Sequence[PublishedNote] | None,
    verifier: Verifier,
    checkpoint_topic: str,
) -> Report:
    """Every check on what was read (``published`` None: the checkpoint topic could not
    be read): the report of all problems, what was checked and what is pending."""
    kafka_bound = max(
        (c.position for r in evidence.records.values() for c in r.kafka.values()), default=0
    )
    leaf_bound = log.leaves[-1].position if log.leaves else 0
    event_problems, pending = check_events(evidence, kafka_bound, leaf_bound)
    checkpoints = check_checkpoints(
        log.checkpoints, published, verifier, log.levels, log.position_of, checkpoint_topic
    )
    problems = [
        *evidence.problems,
        *event_problems,
        *check_leaves(log.leaves),
        *log.node_problems,
        *checkpoints.problems,
    ]
    return Report(
        evidence.named(problems),
        checked={
            "postgres_events": evidence.postgres_events,
            "kafka_messages": evidence.kafka_messages,
            "kafka_duplicates": evidence.duplicates,
            "aggregates": len(evidence.records),
            "leaves": len(log.leaves),
            "nodes": log.nodes,
            "checkpoints": len(log.checkpoints),
            "published_checkpoints": len(published or ()),
        },
        pending={
            "not_published": pending.not_published,
            "not_logged": pending.not_logged,
            "not_under_checkpoint": len(log.leaves) - checkpoints.covered,
            "checkpoints_not_published": checkpoints.not_published,
        },
    )
