"""The transparency log's tables (migration 0007): leaves, complete nodes, checkpoints.

The audit consumer appends; the API serves roots and proofs from the stored nodes
(``TreeReader``), reading only the O(log n) nodes a proof needs, in one query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from domain.transparency.merkle import Frontier, Node, TreeReader, leaf_hash, range_nodes


@dataclass(frozen=True)
class Leaf:
    """One event in the log: where it was recorded and its chain hash (the leaf data)."""

    position: int
    aggregate_id: UUID
    version: int
    chain_hash: bytes


@dataclass(frozen=True)
class StoredCheckpoint:
    """A signed checkpoint as stored."""

    tree_size: int
    root_hash: bytes
    note: str
    signed_at: datetime


def size(conn: psycopg.Connection[Any]) -> int:
    """How many leaves the log holds."""
    row = conn.execute("SELECT coalesce(max(leaf_index) + 1, 0) FROM audit_log_leaves").fetchone()
    return int(row[0]) if row else 0


def fetch_nodes(conn: psycopg.Connection[Any], nodes: Sequence[Node]) -> Mapping[Node, bytes]:
    """The stored hashes of the given nodes (missing ones are absent)."""
    rows = conn.execute(
        "SELECT n.level, n.index, n.hash FROM audit_log_nodes n"
        " JOIN unnest(%s::smallint[], %s::bigint[]) AS w(level, index)"
        " ON n.level = w.level AND n.index = w.index",
        ([node.level for node in nodes], [node.index for node in nodes]),
    ).fetchall()
    return {Node(level, index): bytes(digest) for level, index, digest in rows}


def reader(conn: psycopg.Connection[Any]) -> TreeReader:
    """Roots and proofs from the stored nodes."""
    return TreeReader(lambda nodes: fetch_nodes(conn, nodes))


def frontier(conn: psycopg.Connection[Any]) -> Frontier:
    """The right edge of the stored tree, to append to; ``LookupError`` when the stored
    tree cannot be appended to: a node of its edge is missing, or a leaf hash is stored
    beyond its last leaf (leaves were removed)."""
    count = size(conn)
    nodes = range_nodes(0, count)
    found = fetch_nodes(conn, nodes)
    if missing := [node for node in nodes if node not in found]:
        raise LookupError(f"node {missing[0]} of the log's edge is missing")
    row = conn.execute(
        "SELECT count(*) FROM audit_log_nodes WHERE level = 0 AND index >= %s", (count,)
    ).fetchone()
    if row and row[0]:
        raise LookupError(f"{row[0]} leaf hash(es) stored beyond the log's {count} leaves")
    return Frontier([(node, found[node]) for node in nodes])


def append(conn: psycopg.Connection[Any], edge: Frontier, leaves: Sequence[Leaf]) -> None:
    """Append leaves after ``edge`` (which moves on), with every node they complete
    (``COPY``: three times the rows per second of batched inserts)."""
    leaf_rows, node_rows = [], []
    for leaf in leaves:
        leaf_rows.append(
            (edge.size, leaf.position, leaf.aggregate_id, leaf.version, leaf.chain_hash)
        )
        node_rows += [
            (node.level, node.index, digest)
            for node, digest in edge.append(leaf_hash(leaf.chain_hash))
        ]
    with conn.cursor() as cursor:
        for statement, rows in (
            (
                "COPY audit_log_leaves (leaf_index, position, aggregate_id, version, chain_hash)"
                " FROM STDIN",
                leaf_rows,
            ),
            ("COPY audit_log_nodes (level, index, hash) FROM STDIN", node_rows),
        ):
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)


def last_position(conn: psycopg.Connection[Any]) -> int:
    """The position of the log's last event (0 when empty)."""
    row = conn.execute(
        "SELECT position FROM audit_log_leaves ORDER BY leaf_index DESC LIMIT 1"
    ).fetchone()
    return int(row[0]) if row else 0


def heads(
    conn: psycopg.Connection[Any], aggregate_ids: Sequence[UUID]
) -> dict[UUID, tuple[int, bytes]]:
    """The last version in the log of each of these aggregates, and its chain hash (the
    head the aggregate's next event must link to)."""
    rows = conn.execute(
        "SELECT DISTINCT ON (aggregate_id) aggregate_id, version, chain_hash"
        " FROM audit_log_leaves WHERE aggregate_id = ANY(%s)"
        " ORDER BY aggregate_id, version DESC",
        (list(aggregate_ids),),
    ).fetchall()
    return {aggregate: (int(version), bytes(digest)) for aggregate, version, digest in rows}


@dataclass(frozen=True)
class Located:
    """Where an event is in the log (if it is), with the log's size and the size of its
    latest checkpoint (if any), read together."""

    leaf_index: int | None
    chain_hash: bytes | None
    log_size: int
    checkpoint_size: int | None


def locate(conn: psycopg.Connection[Any], aggregate_id: UUID, version: int) -> Located:
    """An event's leaf, the log's size and the latest checkpoint's size, in one query."""
    row = conn.execute(
        "SELECT l.leaf_index, l.chain_hash,"
        " (SELECT coalesce(max(leaf_index) + 1, 0) FROM audit_log_leaves),"
        " (SELECT max(tree_size) FROM audit_checkpoints)"
        " FROM (VALUES (1)) AS one"
        " LEFT JOIN audit_log_leaves l ON l.aggregate_id = %s AND l.version = %s",
        (aggregate_id, version),
    ).fetchone()
    assert row is not None
    index, digest, log_size, checkpoint_size = row
    return Located(
        None if index is None else int(index),
        None if digest is None else bytes(digest),
        int(log_size),
        None if checkpoint_size is None else int(checkpoint_size),
    )


def leaf_index(conn: psycopg.Connection[Any], aggregate_id: UUID, version: int) -> int | None:
    """Where an event's leaf is, if the log has it."""
    row = conn.execute(
        "SELECT leaf_index FROM audit_log_leaves WHERE aggregate_id = %s AND version = %s",
        (aggregate_id, version),
    ).fetchone()
    return int(row[0]) if row else None


def latest_checkpoint(conn: psycopg.Connection[Any]) -> StoredCheckpoint | None:
    """The newest signed checkpoint."""
    row = conn.execute(
        "SELECT tree_size, root_hash, note, signed_at FROM audit_checkpoints"
        " ORDER BY tree_size DESC LIMIT 1"
    ).fetchone()
    return StoredCheckpoint(int(row[0]), bytes(row[1]), row[2], row[3]) if row else None


def checkpoints(conn: psycopg.Connection[Any]) -> list[StoredCheckpoint]:
    """Every signed checkpoint, oldest first."""
    rows = conn.execute(
        "SELECT tree_size, root_hash, note, signed_at FROM audit_checkpoints ORDER BY tree_size"
    ).fetchall()
    return [StoredCheckpoint(int(s), bytes(r), n, t) for s, r, n, t in rows]


def save_checkpoint(
    conn: psycopg.Connection[Any], tree_size: int, root_hash: bytes, note: str
) -> None:
    """Record a signed checkpoint."""
    conn.execute(
        "INSERT INTO audit_checkpoints (tree_size, root_hash, note) VALUES (%s, %s, %s)",
        (tree_size, root_hash, note),
    )
