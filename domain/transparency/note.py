"""C2SP ``signed-note`` with Ed25519: signing, verifying, and the key texts.

A note is UTF-8 text ending in a newline, a blank line, then one line per
signature: ``— <key name> <base64(key id ‖ signature)>``. The key id is the first
four bytes of ``SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key)``. The verifier key is
published as ``<name>+<hex key id>+<base64(0x01 ‖ public key)>`` and the signer key
kept as ``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ seed)>`` — the forms Go's
``golang.org/x/mod/sumdb/note`` reads.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"
DASH = "\u2014 "
_PRIVATE = "PRIVATE+KEY+"


class NoteError(ValueError):
    """A note, signature or key that is malformed or does not verify."""


def _key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def check_name(name: str) -> None:
    """Raise ``NoteError`` unless ``name`` may name a key (and a log: its origin)."""
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"a key name is non-empty, without spaces or '+': {name!r}")


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key."""

    name: str
    public: bytes

    @property
    def key_id(self) -> bytes:
        """The four bytes that tag this key's signatures."""
        return _key_id(self.name, self.public)

    def vkey(self) -> str:
        """The verifier key text."""
        encoded = base64.b64encode(ED25519 + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        """Read a verifier key text, checking its key id."""
        name, key_id, key = _parts(vkey.strip(), "verifier key")
        if len(key) != 33 or key[:1] != ED25519:
            raise NoteError("a verifier key holds an Ed25519 public key (0x01 and 32 bytes)")
        verifier = cls(name, key[1:])
        if verifier.key_id != key_id:
            raise NoteError("the verifier key's id does not match its name and key")
        return verifier

    def verify(self, note: str) -> str:
        """The note's text if this key signed it; ``NoteError`` otherwise. Signatures by
        other keys are ignored, as the format allows several signers."""
        text, signatures = split(note)
        public = Ed25519PublicKey.from_public_bytes(self.public)
        for name, signature in signatures:
            if name == self.name and signature[:4] == self.key_id:
                try:
                    public.verify(signature[4:], text.encode())
                except InvalidSignature:
                    raise NoteError(f"the signature by {name} does not verify") from None
                return text
        raise NoteError(f"the note carries no signature by {self.name}")


@dataclass(frozen=True)
class Signer:
    """A named Ed25519 private key."""

    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> Signer:
        """A new random key."""
        check_name(name)
        return cls(name, Ed25519PrivateKey.generate().private_bytes_raw())

    @classmethod
    def parse(cls, skey: str) -> Signer:
        """Read a signer key text, checking its key id."""
        if not skey.startswith(_PRIVATE):
            raise NoteError(f"a signer key starts with {_PRIVATE}")
        name, key_id, key = _parts(skey.strip().removeprefix(_PRIVATE), "signer key")
        if len(key) != 33 or key[:1] != ED25519:
            raise NoteError("a signer key holds an Ed25519 seed (0x01 and 32 bytes)")
        signer = cls(name, key[1:])
        if signer.verifier.key_id != key_id:
            raise NoteError("the signer key's id does not match its name and key")
        return signer

    def skey(self) -> str:
        """The signer key text (a secret)."""
        encoded = base64.b64encode(ED25519 + self.seed).decode()
        return f"{_PRIVATE}{self.name}+{self.verifier.key_id.hex()}+{encoded}"

    @property
    def verifier(self) -> Verifier:
        """The matching public key."""
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        return Verifier(self.name, public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    def sign(self, text: str) -> str:
        """The signed note of ``text``."""
        _check_text(text)
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(text.encode())
        encoded = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{text}\n{DASH}{self.name} {encoded}\n"


def split(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """A note's text and its signatures (key name, key id ‖ signature)."""
    text, separator, block = note.rpartition("\n\n")
    if not separator or not block.endswith("\n"):
        raise NoteError("a signed note is text, a blank line and signature lines")
    text += "\n"
    _check_text(text)
    signatures = []
    for line in block[:-1].split("\n"):
        if not line.startswith(DASH):
            raise NoteError(f"not a signature line: {line[:40]!r}")
        name, _, encoded = line.removeprefix(DASH).partition(" ")
        check_name(name)
        try:
            signature = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise NoteError(f"the signature by {name} is not base64") from None
        if len(signature) < 5:
            raise NoteError(f"the signature by {name} is too short")
        signatures.append((name, signature))
    return text, signatures


def _check_text(text: str) -> None:
    if not text.endswith("\n") or any(c < " " and c != "\n" for c in text):
        raise NoteError("a note's text ends in a newline and has no other control characters")


def _parts(text: str, what: str) -> tuple[str, bytes, bytes]:
    name, _, rest = text.partition("+")
    key_id, _, encoded = rest.partition("+")
    check_name(name)
    try:
        return name, bytes.fromhex(key_id), base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error):
        raise NoteError(f"a {what} is <name>+<hex id>+<base64 key>") from None
