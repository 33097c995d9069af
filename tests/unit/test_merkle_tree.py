"""The RFC 9162 Merkle tree: every transparency-dev/merkle conformance vector (kept in
tests/conformance/rfc9162, Apache-2.0), the reference roots, and proofs built by the log
verified by the verifier."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.transparency.merkle import (
    EMPTY_ROOT,
    Frontier,
    MemoryTree,
    ProofError,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[1] / "conformance" / "rfc9162" / "testdata"


def _vectors(kind: str) -> list[Any]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    assert files, f"no {kind} vectors under {VECTORS}"
    return [pytest.param(json.loads(f.read_text()), id=str(f.relative_to(VECTORS))) for f in files]


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _proof(vector: dict[str, Any]) -> list[bytes]:
    return [_b64(h) for h in vector["proof"] or []]


@pytest.mark.parametrize("vector", _vectors("inclusion"))
def test_inclusion_vectors(vector: dict[str, Any]) -> None:
    def verify() -> None:
        verify_inclusion(
            vector["leafIdx"],
            vector["treeSize"],
            _b64(vector["leafHash"]),
            _proof(vector),
            _b64(vector["root"]),
        )

    if vector["wantErr"]:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()


@pytest.mark.parametrize("vector", _vectors("consistency"))
def test_consistency_vectors(vector: dict[str, Any]) -> None:
    def verify() -> None:
        verify_consistency(
            vector["size1"],
            vector["size2"],
            _proof(vector),
            _b64(vector["root1"]),
            _b64(vector["root2"]),
        )

    if vector["wantErr"]:
        with pytest.raises(ProofError):
            verify()
    else:
        verify()


def test_reference_roots_of_every_size() -> None:
    reference = json.loads((VECTORS / "reference-roots.json").read_text())
    leaves = [leaf_hash(bytes.fromhex(data)) for data in reference["leaf_inputs_hex"]]
    roots = [bytes.fromhex(root) for root in reference["root_hash_hex_by_tree_size"]]
    tree = MemoryTree()
    assert tree.root(0) == EMPTY_ROOT == roots[0]
    for size, leaf in enumerate(leaves, start=1):
        tree.append(leaf)
        assert tree.root(size) == tree.frontier.root() == roots[size]
    for size in range(1, len(leaves) + 1):  # old roots stay readable from the stored nodes
        assert tree.root(size) == roots[size]


def _leaves(count: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(8, "big")) for i in range(count)]


def test_every_proof_of_every_tree_up_to_70_leaves_verifies() -> None:
    leaves = _leaves(70)
    tree = MemoryTree(leaves)
    for size in range(1, 71):
        root = tree.root(size)
        for index in range(size):
            verify_inclusion(index, size, leaves[index], tree.inclusion_proof(index, size), root)
        for first in range(1, size + 1):
            proof = tree.consistency_proof(first, size)
            verify_consistency(first, size, proof, tree.root(first), root)


@given(st.integers(min_value=2, max_value=5000), st.data())
def test_large_tree_proofs_verify_and_a_changed_leaf_fails(size: int, data: st.DataObject) -> None:
    leaves = _leaves(size)
    tree = MemoryTree(leaves)
    root = tree.root(size)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = tree.inclusion_proof(index, size)
    verify_inclusion(index, size, leaves[index], proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaf_hash(b"forged"), proof, root)
    first = data.draw(st.integers(min_value=1, max_value=size - 1))
    consistency = tree.consistency_proof(first, size)
    verify_consistency(first, size, consistency, tree.root(first), root)
    forked = MemoryTree([*leaves[: first - 1], leaf_hash(b"rewritten"), *leaves[first:]])
    with pytest.raises(ProofError):
        verify_consistency(first, size, consistency, forked.root(first), root)


def test_a_frontier_carries_on_from_its_entries() -> None:
    tree = MemoryTree(_leaves(11))
    resumed = Frontier(tree.frontier.entries)
    assert resumed.size == 11
    resumed.append(leaf_hash(b"twelfth"))
    tree.append(leaf_hash(b"twelfth"))
    assert resumed.root() == tree.root(12)
