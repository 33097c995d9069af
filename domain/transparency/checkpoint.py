"""C2SP ``tlog-checkpoint``: the body of a signed note committing to a log's state.

``<origin>\\n<tree size>\\n<base64 root hash>\\n``, optionally followed by extension
lines, which this log does not write and readers ignore.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from domain.transparency.merkle import HASH_SIZE
from domain.transparency.note import NoteError, Signer, Verifier

_SIZE = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class Checkpoint:
    """A log's origin, size and root hash."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        """The checkpoint body."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    def sign(self, signer: Signer) -> str:
        """The checkpoint as a note signed by ``signer``."""
        return signer.sign(self.text())

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint body (``NoteError`` when malformed)."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint is an origin, a size and a root hash, one per line")
        origin, size, root = lines[:3]
        if not origin or not _SIZE.fullmatch(size):
            raise NoteError("a checkpoint starts with its origin and a decimal tree size")
        try:
            digest = base64.b64decode(root, validate=True)
        except binascii.Error:
            raise NoteError("a checkpoint's root hash is base64") from None
        if len(digest) != HASH_SIZE:
            raise NoteError(f"a checkpoint's root hash has {HASH_SIZE} bytes")
        return cls(origin, int(size), digest)

    @classmethod
    def open(cls, note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
        """The checkpoint of a signed note, if ``verifier`` signed it (and it is of
        ``origin``, when given)."""
        checkpoint = cls.parse(verifier.verify(note))
        if origin is not None and checkpoint.origin != origin:
            raise NoteError(f"the checkpoint is of log {checkpoint.origin!r}, not {origin!r}")
        return checkpoint
