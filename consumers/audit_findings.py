"""What ``casetrail audit verify`` found: each problem, where it is, and the report.

Problems are ordered by where they sit in the log (the position of the event, leaf,
node or checkpoint concerned; at one position events before leaves, leaves before
nodes, nodes before checkpoints), so the *first broken link* is the earliest thing
that does not verify, and every other problem of that same event (or leaf, node,
checkpoint) is told with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# kind → what it means, in the order the summary lists them
KINDS: dict[str, str] = {
    "unreadable": "event rows that do not decrypt or decode",
    "malformed-message": "messages on the event topic that are not recorded events",
    "altered": "events whose content does not match their recorded hash",
    "chain-broken": "events whose prevhash is not the hash of the version before",
    "version-missing": "versions missing everywhere, with later versions after them",
    "out-of-order": "events stored at a position before their previous version",
    "case-deleted": "aggregates missing from PostgreSQL as a whole",
    "missing-in-postgres": "events on Kafka or in the log but not in PostgreSQL",
    "missing-on-kafka": "events in PostgreSQL never published on Kafka",
    "differs": "events whose content or hash differs between PostgreSQL and Kafka",
    "conflicting-copies": "events published twice on Kafka with different contents",
    "position-differs": "events whose position differs between PostgreSQL, Kafka and the log",
    "leaf-missing": "events the log skipped",
    "leaf-differs": "leaves whose chain hash is not their event's hash",
    "leaf-orphan": "leaves of events that neither PostgreSQL nor Kafka holds",
    "leaf-duplicate": "events with more than one leaf",
    "leaf-gap": "leaf indexes missing from the log",
    "leaf-order": "leaves not in position order",
    "node-differs": "stored tree nodes that the leaves do not give",
    "node-missing": "tree nodes the log lacks",
    "node-extra": "stored tree nodes that the leaves do not complete",
    "checkpoint-signature": "checkpoints whose note the verifier key does not verify",
    "checkpoint-row": "checkpoint rows that do not say what their note says",
    "checkpoint-root": "checkpoints whose root is not the root of the log's leaves",
    "checkpoint-fork": "checkpoints not consistent with the checkpoint before them",
    "checkpoint-differs": "stored checkpoints that differ from the one published",
    "checkpoint-unstored": "published checkpoints missing from the store",
    "checkpoint-unpublished": "stored checkpoints never published",
    "checkpoint-topic": "checkpoint topics that cannot be read",
}
PENDING: dict[str, str] = {
    "not_published": "events recorded after the last one on Kafka (the relay is behind)",
    "not_logged": "events after the log's last leaf (the audit consumer is behind)",
    "not_under_checkpoint": "leaves after the latest signed checkpoint",
    "checkpoints_not_published": "checkpoints stored after the last one published",
}
CHECKED: dict[str, str] = {
    "postgres_events": "events in PostgreSQL",
    "kafka_messages": "messages on Kafka",
    "kafka_duplicates": "re-published duplicates",
    "aggregates": "aggregates",
    "leaves": "leaves",
    "nodes": "nodes",
    "checkpoints": "checkpoints stored",
    "published_checkpoints": "checkpoints published",
}
LAST = 2**63  # the sort position of a problem whose place in the log is unknown


def short(digest: bytes | str) -> str:
    """A hash as the first 12 hex digits and an ellipsis."""
    text = digest.hex() if isinstance(digest, bytes) else digest
    return f"{text[:12]}…"


@dataclass(frozen=True)
class EventRef:
    """One event: its aggregate, version, type and (for a case) case number."""

    aggregate_id: str
    version: int
    type: str | None = None
    case_no: str | None = None

    @property
    def stream(self) -> str:
        """The aggregate kind, from the type (``casetrail.case.…`` → ``case``)."""
        parts = (self.type or "").split(".")
        return parts[1].replace("_", " ") if len(parts) > 2 else "aggregate"

    @property
    def key(self) -> tuple[str, int]:
        """The event, whatever else is known of it."""
        return self.aggregate_id, self.version

    def label(self) -> str:
        name = f"{self.case_no} ({self.aggregate_id})" if self.case_no else self.aggregate_id
        kind = f" ({self.type})" if self.type else ""
        return f"{self.stream} {name} v{self.version}{kind}"

    def fields(self) -> dict[str, Any]:
        return {
            "aggregate_id": self.aggregate_id,
            "stream": self.stream,
            "case_no": self.case_no,
            "version": self.version,
            "type": self.type,
        }


@dataclass(frozen=True)
class MessageRef:
    """A message on the event topic that names no event."""

    partition: int
    offset: int

    @property
    def key(self) -> tuple[int, ...]:
        return self.partition, self.offset

    def label(self) -> str:
        return f"message at partition {self.partition}, offset {self.offset}"

    def fields(self) -> dict[str, Any]:
        return {"partition": self.partition, "offset": self.offset}


@dataclass(frozen=True)
class LeafRef:
    """A leaf of the log, by index."""

    index: int

    @property
    def key(self) -> tuple[int, ...]:
        return (self.index,)

    def label(self) -> str:
        return f"leaf {self.index}"

    def fields(self) -> dict[str, Any]:
        return {"leaf_index": self.index}


@dataclass(frozen=True)
class NodeRef:
    """A stored node of the tree: ``2^level`` leaves from ``index·2^level``."""

    level: int
    index: int

    @property
    def key(self) -> tuple[int, ...]:
        return self.level, self.index

    def label(self) -> str:
        first = self.index << self.level
        return (
            f"node (level {self.level}, index {self.index}) over leaves "
            f"{first}–{first + (1 << self.level) - 1}"
        )

    def fields(self) -> dict[str, Any]:
        return {"node": {"level": self.level, "index": self.index}}


@dataclass(frozen=True)
class CheckpointRef:
    """A signed checkpoint, by tree size."""

    tree_size: int

    @property
    def key(self) -> tuple[int, ...]:
        return (self.tree_size,)

    def label(self) -> str:
        return f"checkpoint of tree size {self.tree_size}"

    def fields(self) -> dict[str, Any]:
        return {"tree_size": self.tree_size}


Ref = EventRef | MessageRef | LeafRef | NodeRef | CheckpointRef
LAYERS: dict[type, int] = {EventRef: 0, MessageRef: 0, LeafRef: 1, NodeRef: 2, CheckpointRef: 3}


@dataclass(frozen=True)
class Problem:
    """One thing that does not verify. ``position`` places it in the log (the event's
    notification id; for a leaf, node or checkpoint that of its last leaf)."""

    kind: str
    ref: Ref
    detail: str
    position: int | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def order(self) -> tuple[int, int, str]:
        place = LAST if self.position is None else self.position
        return place, LAYERS[type(self.ref)], repr(self.ref.key)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "description": f"{self.ref.label()}: {self.detail}",
            "detail": self.detail,
            "position": self.position,
            **self.ref.fields(),
            "evidence": dict(self.evidence),
        }


class _Missing:
    def __repr__(self) -> str:
        return "(absent)"


MISSING = _Missing()


def field_differences(left: Any, right: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Where two JSON values differ: (dotted path, left value, right value), in key order;
    a key one side lacks shows as ``MISSING`` there."""
    if isinstance(left, dict) and isinstance(right, dict):
        found = []
        for key in sorted(set(left) | set(right)):
            where = f"{path}.{key}" if path else str(key)
            if key not in left or key not in right:
                found.append((where, left.get(key, MISSING), right.get(key, MISSING)))
            else:
                found += field_differences(left[key], right[key], where)
        return found
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [
            difference
            for index, (a, b) in enumerate(zip(left, right, strict=True))
            for difference in field_differences(a, b, f"{path}[{index}]")
        ]
    return [] if left == right else [(path, left, right)]


def describe_differences(
    differences: Sequence[tuple[str, Any, Any]], sides: tuple[str, str], limit: int = 3
) -> str:
    """``field data.outcome differs between PostgreSQL and Kafka: 'approved' vs 'denied'``."""
    told = [
        f"field {where} differs between {sides[0]} and {sides[1]}: {_value(a)} vs {_value(b)}"
        for where, a, b in differences[:limit]
    ]
    if len(differences) > limit:
        told.append(f"and {len(differences) - limit} more fields")
    return "; ".join(told)


def _value(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}…"


@dataclass
class Report:
    """Every problem found, in log order, what was checked, and what is still pending."""

    problems: list[Problem]
    checked: dict[str, int] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.problems.sort(key=Problem.order)

    @property
    def ok(self) -> bool:
        return not self.problems

    def first_link(self) -> list[Problem]:
        """The first problem and every other problem of the same event, leaf, node or
        checkpoint."""
        if not self.problems:
            return []
        first = self.problems[0].ref
        return [p for p in self.problems if type(p.ref) is type(first) and p.ref.key == first.key]

    def replace(self, old: Problem, new: Problem) -> None:
        """Put ``new`` in ``old``'s place (e.g. with the fields that differ)."""
        self.problems[self.problems.index(old)] = new

    def headline(self) -> str:
        """The first broken link, precisely."""
        link = self.first_link()
        if not link:
            return "every chain, leaf, node and checkpoint verifies"
        where = link[0].ref.label()
        if link[0].position is not None:
            where += f" at position {link[0].position}"
        return f"{where}: " + "; ".join(problem.detail for problem in link)

    def counts(self) -> dict[str, int]:
        """How many problems of each kind, in the order of ``KINDS``."""
        found = Counter(problem.kind for problem in self.problems)
        return {kind: found[kind] for kind in KINDS if found[kind]}

    def as_json(self) -> dict[str, Any]:
        link = self.first_link()
        return {
            "ok": self.ok,
            "first_broken_link": {
                "description": self.headline(),
                "problems": [problem.as_json() for problem in link],
            }
            if link
            else None,
            "counts": self.counts(),
            "problems": [problem.as_json() for problem in self.problems],
            "checked": self.checked,
            "pending": self.pending,
        }

    def text(self, listed: int = 20) -> str:
        """The report for people: verdict, first broken link, counts, the next problems,
        what was checked and what is pending."""
        if self.ok:
            lines = [f"OK: {self.headline()}"]
        else:
            lines = [
                f"FAILED: {len(self.problems)} problems",
                f"first broken link: {self.headline()}",
                "problems by kind:",
                *(f"  {n:6}  {kind}: {KINDS[kind]}" for kind, n in self.counts().items()),
            ]
            rest = [p for p in self.problems if p not in self.first_link()]
            if rest:
                lines.append("next problems, in log order:")
                lines += [f"  {p.kind}: {p.ref.label()}: {p.detail}" for p in rest[:listed]]
                if len(rest) > listed:
                    lines.append(f"  … and {len(rest) - listed} more (--json lists them all)")
        lines.append("checked: " + ", ".join(f"{n} {CHECKED[k]}" for k, n in self.checked.items()))
        waiting = {what: n for what, n in self.pending.items() if n}
        if waiting:
            lines.append("not yet verifiable (pending, not problems):")
            lines += [f"  {n:6}  {PENDING[what]}" for what, n in waiting.items()]
        return "\n".join(lines)
