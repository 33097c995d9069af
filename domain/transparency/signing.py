"""When the log signs a checkpoint, and whether it may: the policy (every N new leaves
or T seconds, only when the tree grew) and the refusal to sign a tree that does not
extend the previous checkpoint."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from domain.transparency.checkpoint import Checkpoint
from domain.transparency.merkle import ProofError, verify_consistency
from domain.transparency.note import NoteError, Verifier


class SigningRefused(Exception):
    """The tree the log would sign does not extend what it signed before."""


@dataclass(frozen=True)
class CheckpointPolicy:
    """Sign after ``every`` new leaves, or ``seconds`` after the last checkpoint if the
    tree grew at all."""

    every: int = 1000
    seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.every < 1 or self.seconds <= 0:
            raise ValueError("a checkpoint is due after at least 1 leaf and some seconds")

    def due(self, size: int, signed_size: int, elapsed: float) -> bool:
        """Whether to sign the tree of ``size`` leaves, ``elapsed`` seconds after the last
        checkpoint (of ``signed_size`` leaves)."""
        grown = size - signed_size
        return grown > 0 and (grown >= self.every or elapsed >= self.seconds)


Prove = Callable[[int, int], Sequence[bytes]]
"""The consistency proof from a tree size to a larger one, from the stored tree."""


def next_checkpoint(
    origin: str,
    size: int,
    root: bytes,
    *,
    previous: str | None,
    verifier: Verifier,
    prove: Prove,
) -> Checkpoint:
    """The checkpoint of the tree (``size``, ``root``) of the log ``origin``, if it extends
    the ``previous`` signed checkpoint: a note that ``verifier`` opens, to whose tree
    ``prove(previous size, size)`` proves the new one consistent. ``SigningRefused``
    otherwise."""
    if previous is None:
        return Checkpoint(origin, size, root)
    try:
        last = Checkpoint.open(previous, verifier, origin)
    except NoteError as error:
        raise SigningRefused(f"the previous checkpoint does not verify: {error}") from None
    if last.size > size:
        raise SigningRefused(
            f"the tree has {size} leaves, fewer than the {last.size} of the previous checkpoint"
        )
    try:
        verify_consistency(last.size, size, prove(last.size, size), last.root, root)
    except ProofError as error:
        raise SigningRefused(
            f"the tree of {size} leaves does not extend the previous checkpoint of "
            f"{last.size}: {error}"
        ) from None
    return Checkpoint(origin, size, root)
