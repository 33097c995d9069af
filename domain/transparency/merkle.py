"""RFC 9162 Merkle trees (§2.1): hashes, roots, inclusion and consistency proofs.

A tree of ``n`` leaves is addressed by its *perfect subtrees*: ``Node(level, index)``
covers the leaves ``[index·2^level, (index+1)·2^level)``. A log stores each node
once, when it becomes complete; any range of leaves that the RFC's algorithms
ask for (``MTH(D[a:b])``) is the fold of a few such nodes (``range_nodes``), so
a root or a proof costs O(log n) stored hashes and no recomputation.

Proofs are built as *plans* (which ranges, hence which nodes, they need) so that a
store fetches every node of a proof in one query; ``MemoryTree`` keeps all nodes in
memory for tests, bundles and benchmarks. Verification follows RFC 9162 §2.1.3.2
and §2.1.4.2 as transparency-dev/merkle implements them, and passes its vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof does not prove what it claims."""


@dataclass(frozen=True, order=True, slots=True)
class Node:
    """The perfect subtree of ``2^level`` leaves starting at leaf ``index·2^level``."""

    level: int
    index: int


Fetch = Callable[[Sequence[Node]], Mapping[Node, bytes]]
"""A store's reader: the hashes of the given complete nodes."""


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 ‖ data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 ‖ left ‖ right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (``size`` ≥ 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[Node]:
    """The perfect subtrees whose fold is ``MTH(D[start:end])``, left to right.

    ``start`` must be aligned as every range of the RFC's algorithms is: a multiple of
    the largest power of two not above ``end - start``'s first split.
    """
    nodes = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1  # the largest perfect subtree that fits
        if start % (1 << level):
            raise ValueError(f"range [{start}, {end}) is not a subtree of the tree")
        nodes.append(Node(level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """``MTH`` of a range from its perfect subtrees' hashes (``range_nodes`` order)."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose hashes form ``PATH(index, D[0:size])``, bottom up (§2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return ranges[::-1]


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The ranges whose hashes form ``PROOF(size1, D[0:size2])``, bottom up (§2.1.4.1)."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from {size1} to {size2} leaves")
    ranges: list[tuple[int, int]] = []
    start, end, whole = 0, size2, True
    m = size1
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            m -= k
            start += k
            whole = False
    if not whole:
        ranges.append((start, end))
    return ranges[::-1]


class TreeReader:
    """Roots and proofs of a stored tree, each read with one ``fetch``."""

    def __init__(self, fetch: Fetch) -> None:
        self.fetch = fetch

    def _hashes(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        plans = [range_nodes(start, end) for start, end in ranges]
        found = self.fetch(sorted({node for plan in plans for node in plan}))
        try:
            return [fold([found[node] for node in plan]) for plan in plans]
        except KeyError as missing:
            raise LookupError(f"the log lacks node {missing.args[0]}") from None

    def root(self, size: int) -> bytes:
        """``MTH`` of the first ``size`` leaves."""
        return self._hashes([(0, size)])[0] if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of ``size`` leaves."""
        return self._hashes(inclusion_ranges(index, size))

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        """The proof that the tree of ``size1`` leaves is a prefix of that of ``size2``."""
        return self._hashes(consistency_ranges(size1, size2))


class Frontier:
    """The right edge of a growing tree: the hashes of ``range_nodes(0, size)``.

    Appending a leaf completes the leaf's node and every node it closes; a store
    saves those (``append`` returns them) and the frontier is all it needs to go on.
    """

    def __init__(self, entries: Sequence[tuple[Node, bytes]] = ()) -> None:
        self.entries = list(entries)
        self.size = sum(1 << node.level for node, _ in self.entries)

    def append(self, leaf: bytes) -> list[tuple[Node, bytes]]:
        """Add a leaf hash; the nodes it completed, bottom up."""
        node, value = Node(0, self.size), leaf
        completed = [(node, value)]
        while self.entries and self.entries[-1][0].level == node.level:
            left, left_value = self.entries.pop()
            node, value = Node(node.level + 1, left.index >> 1), node_hash(left_value, value)
            completed.append((node, value))
        self.entries.append((node, value))
        self.size += 1
        return completed

    def root(self) -> bytes:
        """The root of the tree so far."""
        return fold([value for _, value in self.entries])


class MemoryTree(TreeReader):
    """A whole tree in memory (tests, offline bundles, benchmarks)."""

    def __init__(self, leaves: Sequence[bytes] = ()) -> None:
        super().__init__(lambda wanted: {node: self.nodes[node] for node in wanted})
        self.nodes: dict[Node, bytes] = {}
        self.frontier = Frontier()
        for leaf in leaves:
            self.append(leaf)

    @property
    def size(self) -> int:
        """The number of leaves."""
        return self.frontier.size

    def append(self, leaf: bytes) -> None:
        """Add a leaf hash."""
        self.nodes.update(self.frontier.append(leaf))


def _inner_size(index: int, size: int) -> int:
    return (index ^ (size - 1)).bit_length()


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, sibling in enumerate(proof):
        seed = node_hash(sibling, seed) if (index >> i) & 1 else node_hash(seed, sibling)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, sibling in enumerate(proof):
        if (index >> i) & 1:
            seed = node_hash(sibling, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for sibling in proof:
        seed = node_hash(sibling, seed)
    return seed


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that an inclusion proof of ``leaf`` at ``index`` leads to (§2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is beyond a tree of {size} leaves")
    if len(leaf) != HASH_SIZE:
        raise ProofError(f"a leaf hash has {HASH_SIZE} bytes, not {len(leaf)}")
    inner = _inner_size(index, size)
    border = (index >> inner).bit_count()
    if len(proof) != inner + border:
        raise ProofError(f"the proof has {len(proof)} hashes; it needs {inner + border}")
    return _chain_border_right(_chain_inner(leaf, proof[:inner], index), proof[inner:])


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ``ProofError`` unless ``proof`` shows ``leaf`` at ``index`` under ``root``."""
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise ProofError(f"the proof of leaf {index} does not lead to the tree's root")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Raise ``ProofError`` unless the tree (``size2``, ``root2``) extends the tree
    (``size1``, ``root1``) (§2.1.4.2). A proof from the empty tree proves nothing and is
    refused."""
    if size1 > size2:
        raise ProofError(f"a tree of {size2} leaves cannot extend one of {size1}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        if proof:
            raise ProofError("trees of equal size need an empty proof")
        if root1 != root2:
            raise ProofError(f"two different roots for the same {size1} leaves")
        return
    if not proof:
        raise ProofError("the proof is empty")
    inner = _inner_size(size1 - 1, size2)
    border = ((size1 - 1) >> inner).bit_count()
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    seed, start = (root1, 0) if size1 == 1 << shift else (proof[0], 1)
    if len(proof) != start + inner + border:
        raise ProofError(f"the proof has {len(proof)} hashes; it needs {start + inner + border}")
    path = proof[start:]
    mask = (size1 - 1) >> shift
    first = _chain_border_right(_chain_inner_right(seed, path[:inner], mask), path[inner:])
    if first != root1:
        raise ProofError(f"the proof does not lead to the root of the tree of {size1} leaves")
    second = _chain_border_right(_chain_inner(seed, path[:inner], mask), path[inner:])
    if second != root2:
        raise ProofError(f"the proof does not lead to the root of the tree of {size2} leaves")
