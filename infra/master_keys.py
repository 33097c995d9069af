"""The master keys that wrap applicants' data keys, held outside the database.

A keyring is one or more ``kid:base64key`` entries (newline or comma separated);
the first is current and wraps new data keys, the others only unwrap keys wrapped
before a rotation (``casetrail privacy rewrap`` moves those to the current key).
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


def new_master_key() -> str:
    """A fresh keyring entry: ``mk-<random id>:<base64 of 32 random bytes>``."""
    key = base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()
    return f"mk-{secrets.token_hex(4)}:{key}"


@dataclass(frozen=True)
class MasterKeys:
    """Wraps and unwraps data keys (AES-256-GCM, the data key's id as associated data)."""

    keys: dict[str, bytes] = field(repr=False)
    current: str

    @classmethod
    def parse(cls, keyring: str) -> MasterKeys:
        """Read a keyring; ``RuntimeError`` with the reason if it is malformed."""
        entries = [e.strip() for e in keyring.replace(",", "\n").splitlines() if e.strip()]
        keys: dict[str, bytes] = {}
        for entry in entries:
            kid, sep, encoded = entry.partition(":")
            try:
                key = base64.b64decode(encoded, validate=True)
            except ValueError:
                key = b""
            if not sep or not kid or len(key) != 32:
                raise RuntimeError(
                    "the master keyring must be 'kid:base64key' entries of 32-byte keys"
                )
            keys[kid] = key
        if not keys:
            raise RuntimeError("the master keyring is empty")
        return cls(keys, entries[0].partition(":")[0])

    def wrap(self, kid: str, data_key: bytes) -> tuple[str, bytes]:
        """The current master key's id, and ``data_key`` wrapped by it."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, data_key, kid.encode())
        return self.current, nonce + sealed

    def unwrap(self, master_kid: str, kid: str, wrapped: bytes) -> bytes:
        """The data key ``kid``; ``RuntimeError`` if its master key is not in the keyring."""
        master = self.keys.get(master_kid)
        if master is None:
            raise RuntimeError(f"master key {master_kid} is not in the keyring")
        try:
            return AESGCM(master).decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], kid.encode()
            )
        except InvalidTag:
            raise RuntimeError(f"data key {kid} does not unwrap with {master_kid}") from None
