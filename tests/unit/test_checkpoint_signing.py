"""When the audit log signs (every N new leaves or T seconds, only when the tree grew),
and its refusal to sign a tree that does not extend the previous checkpoint."""

from __future__ import annotations

import hashlib

import pytest

from domain.transparency.checkpoint import Checkpoint
from domain.transparency.merkle import MemoryTree, leaf_hash
from domain.transparency.note import Signer
from domain.transparency.signing import CheckpointPolicy, SigningRefused, next_checkpoint

ORIGIN = "casetrail.example/audit-log"
SIGNER = Signer.generate(ORIGIN)


@pytest.mark.parametrize(
    ("size", "signed_size", "elapsed", "due"),
    [
        (0, 0, 60.0, False),  # nothing to sign
        (1000, 0, 0.0, True),  # N new leaves
        (1999, 1000, 0.0, False),  # N - 1 new leaves, too soon
        (2000, 1000, 0.0, True),
        (1001, 1000, 4.9, False),  # one new leaf, too soon
        (1001, 1000, 5.0, True),  # T seconds
        (1000, 1000, 3600.0, False),  # T long past, but the tree did not grow
    ],
)
def test_the_policy_signs_after_n_leaves_or_t_seconds_of_growth(
    size: int, signed_size: int, elapsed: float, due: bool
) -> None:
    assert CheckpointPolicy(every=1000, seconds=5).due(size, signed_size, elapsed) is due


@pytest.mark.parametrize(("every", "seconds"), [(0, 5.0), (10, 0.0)])
def test_a_policy_that_never_or_always_signs_is_refused(every: int, seconds: float) -> None:
    with pytest.raises(ValueError):
        CheckpointPolicy(every, seconds)


def tree(count: int, forged: int | None = None) -> MemoryTree:
    return MemoryTree(
        [
            leaf_hash(hashlib.sha256(b"forged" if i == forged else bytes([i])).digest())
            for i in range(count)
        ]
    )


def sign_next(grown: MemoryTree, previous: str | None) -> Checkpoint:
    return next_checkpoint(
        ORIGIN,
        grown.size,
        grown.root(grown.size),
        previous=previous,
        verifier=SIGNER.verifier,
        prove=grown.consistency_proof,
    )


def test_the_first_checkpoint_and_one_that_extends_it_are_signed() -> None:
    first = sign_next(tree(5), None)
    assert first == Checkpoint(ORIGIN, 5, tree(5).root(5))
    second = sign_next(tree(12), first.sign(SIGNER))
    assert (second.size, second.root) == (12, tree(12).root(12))


def test_a_rewritten_history_is_refused() -> None:
    previous = sign_next(tree(5), None).sign(SIGNER)
    with pytest.raises(SigningRefused, match="does not extend the previous checkpoint of 5"):
        sign_next(tree(12, forged=3), previous)


def test_a_shrunk_tree_is_refused() -> None:
    previous = sign_next(tree(5), None).sign(SIGNER)
    with pytest.raises(SigningRefused, match="fewer than the 5"):
        sign_next(tree(4), previous)


@pytest.mark.parametrize(
    "previous",
    [
        Checkpoint(ORIGIN, 5, tree(5).root(5)).sign(Signer.generate(ORIGIN)),  # another key
        Checkpoint(ORIGIN, 5, tree(5).root(5)).sign(SIGNER).replace("\n5\n", "\n4\n"),
        "not a note",
    ],
    ids=["another-key", "altered", "garbage"],
)
def test_a_previous_checkpoint_that_does_not_verify_is_refused(previous: str) -> None:
    with pytest.raises(SigningRefused, match="previous checkpoint does not verify"):
        sign_next(tree(12), previous)
