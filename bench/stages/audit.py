"""The transparency log at scale: verifying every chain and building the log, each beside
``hashlib`` over the same bytes.

Events: copies of recorded case histories (``bench.case_events``), 200 000 at
scale 1. Each step is timed apart, its baseline SHA-256 alone over the very bytes it
hashes:

- **verify chains**: ``domain.chain.verify_chain`` on each case (canonical JSON and
  SHA-256 per event, links and versions); baseline over ``prevhash ‖ canonical JSON``,
  serialised beforehand;
- **log in memory, Frontier**: each event's leaf appended as the audit consumer does
  (``Frontier.append(leaf_hash(chain hash))``); **MemoryTree**: the same, every node
  kept; baseline over the same leaf and node inputs;
- **log in PostgreSQL**: ``infra.transparency_store.append`` in transactions of 5 000
  leaves, on a scratch database;
- **log read back**: what ``casetrail audit verify`` does with the stored log
  (``consumers.audit_sources.read_log``: every leaf and node read and compared with the
  tree recomputed from the leaves).
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

from bench import case_events
from bench.context import Context
from bench.report import Figure
from consumers.audit_sources import Progress, read_log
from domain.chain import HASHED_FIELDS, canonical_json, verify_chain
from domain.transparency.merkle import Frontier, MemoryTree, leaf_hash
from infra import transparency_store

STAGE = "audit"
BATCH = 5_000  # events verified, and leaves appended, at a time


@dataclass
class Timed:
    """Seconds of a step and of its ``hashlib`` baseline."""

    seconds: float = 0.0
    baseline: float = 0.0


def verify_chains(events: int) -> tuple[Timed, list[transparency_store.Leaf]]:
    """Copy the cases batch by batch, timing ``verify_chain`` on each batch and SHA-256
    over the same bytes; the leaves of the log, in order."""
    timed = Timed()
    leaves: list[transparency_store.Leaf] = []
    cases = case_events.cases()
    while len(leaves) < events:
        batch: list[list[dict[str, Any]]] = []
        size = 0
        for events_of_case in cases:
            batch.append([event.document() for event in events_of_case])
            size += len(events_of_case)
            if size >= BATCH:
                break
        payloads = [
            bytes.fromhex(d["prevhash"]) + canonical_json({k: d[k] for k in HASHED_FIELDS})
            for case in batch
            for d in case
        ]
        started = time.perf_counter()
        for case in batch:
            verify_chain(case)
        timed.seconds += time.perf_counter() - started
        started = time.perf_counter()
        for payload in payloads:
            hashlib.sha256(payload).digest()
        timed.baseline += time.perf_counter() - started
        leaves += [
            transparency_store.Leaf(
                len(leaves) + i + 1,
                UUID(d["subject"]),
                d["caseversion"],
                bytes.fromhex(d["hash"]),
            )
            for i, d in enumerate(d for case in batch for d in case)
        ]
    return timed, leaves


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


def build_in_memory(hashes: Sequence[bytes], baseline: float) -> tuple[Timed, Timed, bytes]:
    """The log built with a ``Frontier`` (the consumer's path) and a ``MemoryTree``."""
    started = time.perf_counter()
    frontier = Frontier()
    for digest in hashes:
        frontier.append(leaf_hash(digest))
    edge = Timed(time.perf_counter() - started, baseline)
    started = time.perf_counter()
    tree = MemoryTree()
    for digest in hashes:
        tree.append(leaf_hash(digest))
    whole = Timed(time.perf_counter() - started, baseline)
    assert tree.root(tree.size) == frontier.root()
    return edge, whole, frontier.root()


def build_in_postgres(
    url: str, leaves: Sequence[transparency_store.Leaf], baseline: float, root: bytes
) -> tuple[Timed, Timed]:
    """The log appended through ``transparency_store.append``, ``BATCH`` leaves per
    transaction; then read back and checked as ``casetrail audit verify`` does."""
    with psycopg.connect(url) as conn:
        edge = transparency_store.frontier(conn)
        started = time.perf_counter()
        for start in range(0, len(leaves), BATCH):
            transparency_store.append(conn, edge, leaves[start : start + BATCH])
            conn.commit()
        appended = Timed(time.perf_counter() - started, baseline)
        assert edge.root() == root
    quiet = io.StringIO()
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        log = read_log(conn, lambda phase, unit: Progress(phase, unit, out=quiet, every=3600))
        read = Timed(time.perf_counter() - started, baseline)
    assert not log.node_problems and len(log.leaves) == len(leaves)
    return appended, read


def run(context: Context) -> None:
    """Verify, build in memory and in PostgreSQL, read back; add the figures."""
    events = context.sized(200_000, least=500)
    print(f"  {events:,} events: verifying chains …", flush=True)
    chains, leaves = verify_chains(events)
    hashes = [leaf.chain_hash for leaf in leaves]
    baseline = hashlib_tree(hashes)
    frontier, tree, root = build_in_memory(hashes, baseline)
    print("  the log in PostgreSQL …", flush=True)
    with context.platform("audit") as platform:
        appended, read = build_in_postgres(platform.settings.database_url, leaves, baseline, root)
    for measure, timed in (
        ("verify chains", chains),
        ("log in memory (Frontier, as the consumer appends)", frontier),
        ("log in memory (MemoryTree, every node kept)", tree),
        ("log in PostgreSQL (transparency_store.append)", appended),
        ("log read back and checked (audit verify)", read),
    ):
        context.report.add(
            Figure(
                STAGE,
                measure,
                len(leaves) / timed.seconds,
                "ev/s",
                len(leaves) / timed.baseline,
                "hashlib",
            )
        )
