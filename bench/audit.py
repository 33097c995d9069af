"""The transparency log at scale: the time to build the log and to verify every chain
for a million events, each beside a ``hashlib`` baseline over the same bytes.

Events: realistic case histories recorded by the real application in memory (closed,
withdrawn and refused cases, with sealed applicants), copied into ``--events`` events
of distinct cases, each chain recomputed. Then, each timed apart:

- **verify every chain**: ``domain.chain.verify_chain`` on each case (canonical JSON
  and SHA-256 per event, links and versions), against SHA-256 alone over the very bytes
  it hashes (``prevhash ‖ canonical JSON``, serialised beforehand);
- **build the log in memory**: each event's leaf appended as the audit consumer does
  (``Frontier.append(leaf_hash(chain hash))``), and into a ``MemoryTree`` (which keeps
  every node), against SHA-256 alone over the same leaf and node inputs;
- **build the log in PostgreSQL**: ``infra.transparency_store.append`` in batches of
  ``--batch`` leaves, one transaction each, on the local server (a scratch database);
- **read and check the log**: what ``casetrail audit verify`` does with the stored log
  (``consumers.audit_sources.read_log``: every leaf and node read back and compared
  with the tree recomputed from the leaves).

Prints events/s and ratios, and writes them to ``test-artifacts/bench/audit.json``.
``--events`` (default 1 000 000) bounds the run; ``--no-postgres`` skips the server.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid5

import psycopg

from bench.results import write_results
from consumers.audit_sources import Progress, read_log
from consumers.cloudevents import recorded_document
from domain.case.commands import Complete, Deliver, IssueCertificate
from domain.chain import GENESIS, HASHED_FIELDS, canonical_json, chain_hash, verify_chain
from domain.transparency.merkle import Frontier, MemoryTree, leaf_hash
from infra import transparency_store
from tests.unit.audit_world import decided_case, withdrawn_case
from tests.unit.conftest import CLERK, OFFICER, make_app

NAMESPACE = UUID("6f0a4c39-4d53-4b8c-9d0e-1f2a3b4c5d6e")
Document = dict[str, Any]


def templates() -> list[list[Document]]:
    """Case histories as the application records them: approved, certified, delivered
    and closed; denied; withdrawn."""
    app = make_app()
    ids = []
    for number in range(20):
        closed = decided_case(app)
        app.handle(IssueCertificate(certificate_no=f"JY{number:08d}"), closed, CLERK)
        app.handle(Deliver(method="window"), closed, CLERK)
        app.handle(Complete(), closed, OFFICER)
        ids += [closed, decided_case(app, denied=True), withdrawn_case(app)]
    stored = app.recorder.select_notifications(start=None, limit=100_000)
    cases: dict[UUID, list[Document]] = {case_id: [] for case_id in ids}
    for notification in stored:
        case_id = UUID(str(notification.originator_id))
        if case_id in cases:
            cases[case_id].append(recorded_document(notification, app.mapper))
    return list(cases.values())


def synthetic(history: list[Document], number: int) -> list[Document]:
    """Case ``number``: a copy of ``history`` under its own id and case number, chained."""
    subject = str(uuid5(NAMESPACE, str(number)))
    chained, prevhash = [], GENESIS
    for document in history:
        data = document["data"]
        if "case_no" in data:
            data = {**data, "case_no": f"SCJG-20260302-{number:06d}"}
        copy = {**document, "subject": subject, "data": data, "prevhash": prevhash}
        copy["hash"] = prevhash = chain_hash(copy)
        chained.append(copy)
    return chained


@dataclass
class Timer:
    """Accumulated seconds of a measured step and of its baseline."""

    seconds: float = 0.0
    baseline: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def figures(self, events: int) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "events_per_s": round(events / self.seconds),
            "baseline_seconds": round(self.baseline, 3),
            "baseline_events_per_s": round(events / self.baseline) if self.baseline else None,
            "ratio_to_baseline": round(self.seconds / self.baseline, 2) if self.baseline else None,
            **self.extra,
        }


@dataclass(frozen=True)
class LeafData:
    position: int
    aggregate_id: UUID
    version: int
    chain_hash: bytes


def verify_chains(events: int, say: Progress) -> tuple[Timer, list[LeafData]]:
    """Generate the events case by case, timing ``verify_chain`` on each batch of cases
    and SHA-256 over the same bytes; the leaves of the log, in order."""
    timer, shapes = Timer(), templates()
    leaves: list[LeafData] = []
    number = hashed = 0
    while len(leaves) < events:
        batch: list[list[Document]] = []
        size = 0
        while size < min(events - len(leaves), 5_000):
            case = synthetic(shapes[number % len(shapes)], number)[: events - len(leaves) - size]
            batch.append(case)
            size += len(case)
            number += 1
        payloads = [
            bytes.fromhex(d["prevhash"]) + canonical_json({k: d[k] for k in HASHED_FIELDS})
            for case in batch
            for d in case
        ]
        hashed += sum(map(len, payloads))
        started = time.perf_counter()
        for case in batch:
            verify_chain(case)
        timer.seconds += time.perf_counter() - started
        started = time.perf_counter()
        for payload in payloads:
            hashlib.sha256(payload).digest()
        timer.baseline += time.perf_counter() - started
        leaves += [
            LeafData(
                len(leaves) + i + 1, UUID(d["subject"]), d["caseversion"], bytes.fromhex(d["hash"])
            )
            for i, d in enumerate(d for case in batch for d in case)
        ]
        say.tick(size)
    say.done()
    timer.extra = {"cases": number, "mean_hashed_bytes": round(hashed / events)}
    return timer, leaves


def hashlib_tree(leaves: Sequence[bytes]) -> float:
    """Seconds to hash the same leaf and node inputs with ``hashlib`` alone."""
    started = time.perf_counter()
    level = [hashlib.sha256(b"\x00" + leaf).digest() for leaf in leaves]
    while len(level) > 1:
        level = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
    return time.perf_counter() - started


def build_in_memory(hashes: Sequence[bytes], baseline: float) -> tuple[Timer, Timer, bytes]:
    """The log built with a ``Frontier`` (the consumer's path) and a ``MemoryTree``."""
    started = time.perf_counter()
    frontier = Frontier()
    for digest in hashes:
        frontier.append(leaf_hash(digest))
    edge = Timer(time.perf_counter() - started, baseline)
    started = time.perf_counter()
    tree = MemoryTree()
    for digest in hashes:
        tree.append(leaf_hash(digest))
    whole = Timer(time.perf_counter() - started, baseline, {"nodes": len(tree.nodes)})
    assert tree.root(tree.size) == frontier.root()
    return edge, whole, frontier.root()


def build_in_postgres(
    url: str, leaves: Sequence[LeafData], batch: int, baseline: float, root: bytes
) -> tuple[Timer, Timer]:
    """The log appended through ``transparency_store.append`` in transactions of
    ``batch`` leaves; then read back and checked as ``casetrail audit verify`` does."""
    say = Progress("PostgreSQL appends", "leaves", prefix="bench.audit")
    with psycopg.connect(url) as conn:
        edge = transparency_store.frontier(conn)
        started = time.perf_counter()
        for start in range(0, len(leaves), batch):
            chunk = leaves[start : start + batch]
            transparency_store.append(
                conn,
                edge,
                [
                    transparency_store.Leaf(x.position, x.aggregate_id, x.version, x.chain_hash)
                    for x in chunk
                ],
            )
            conn.commit()
            say.tick(len(chunk))
        appended = Timer(time.perf_counter() - started, baseline, {"batch": batch})
        say.done()
        assert edge.root() == root
    quiet = io.StringIO()
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        log = read_log(conn, lambda phase, unit: Progress(phase, unit, out=quiet, every=3600))
        read = Timer(time.perf_counter() - started, baseline, {"nodes": log.nodes})
    assert not log.node_problems and len(log.leaves) == len(leaves)
    return appended, read


def main() -> None:
    """Run the benchmark, print the figures and write them (``bench.results``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5_000, help="leaves per transaction")
    parser.add_argument("--no-postgres", action="store_true", help="in memory only")
    args = parser.parse_args()

    chains, leaves = verify_chains(
        args.events, Progress("generate and verify", "events", prefix="bench.audit")
    )
    hashes = [leaf.chain_hash for leaf in leaves]
    baseline = hashlib_tree(hashes)
    frontier, tree, root = build_in_memory(hashes, baseline)
    results = {
        "verify every chain": chains,
        "log in memory (Frontier, as the consumer appends)": frontier,
        "log in memory (MemoryTree, every node kept)": tree,
    }
    if not args.no_postgres:
        from infra.local import stack
        from tests.integration.harness import Platform

        platform = Platform(stack.up().bootstrap_servers, "bench_audit")
        try:
            appended, read = build_in_postgres(
                platform.settings.database_url, leaves, args.batch, baseline, root
            )
        finally:
            platform.close()
        results["log in PostgreSQL (transparency_store.append)"] = appended
        results["log read back and checked (audit verify's log phase)"] = read

    events = len(leaves)
    print(f"\nevents: {events:,} ({chains.extra['cases']:,} cases); baseline: hashlib SHA-256")
    print(f"{'step':54} {'seconds':>8} {'events/s':>11} {'baseline/s':>11} {'ratio':>6}")
    for name, timer in results.items():
        figures = timer.figures(events)
        print(
            f"{name:54} {figures['seconds']:8.2f} {figures['events_per_s']:11,} "
            f"{figures['baseline_events_per_s']:11,} {figures['ratio_to_baseline']:6.1f}"
        )
    write_results(
        "audit",
        {
            "events": events,
            "results": {name: timer.figures(events) for name, timer in results.items()},
        },
    )


if __name__ == "__main__":
    main()
