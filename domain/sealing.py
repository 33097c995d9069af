"""Sealed values: JWE compact serialization (RFC 7516) with direct AES-256-GCM.

A sealed value is ``header.encrypted_key.iv.ciphertext.tag`` in base64url, the
protected header being ``{"alg":"dir","enc":"A256GCM","kid":<data key id>}`` and
the encrypted key empty (the data key itself encrypts). Any JOSE library opens it
with the data key; without the key it is noise.
"""

from __future__ import annotations

import base64
import os

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


class Unsealable(Exception):
    """A sealed value that is malformed, or that this key does not open."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key() -> bytes:
    """A fresh random AES-256 key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def seal(key: bytes, kid: str, plaintext: bytes) -> str:
    """``plaintext`` sealed under ``key`` (known as ``kid``), as a JWE compact string."""
    header = _b64(orjson.dumps({"alg": "dir", "enc": "A256GCM", "kid": kid}))
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext, header.encode("ascii"))
    ciphertext, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    return ".".join((header, "", _b64(nonce), _b64(ciphertext), _b64(tag)))


def key_id(token: str) -> str:
    """The ``kid`` of a sealed value: which data key opens it."""
    try:
        header = orjson.loads(_unb64(token.split(".", 1)[0]))
        return str(header["kid"])
    except (ValueError, KeyError, TypeError):
        raise Unsealable("not a sealed value") from None


def unseal(key: bytes, token: str) -> bytes:
    """The plaintext of a sealed value; ``Unsealable`` if it was altered or the key is wrong."""
    try:
        header, encrypted_key, nonce, ciphertext, tag = token.split(".")
        if encrypted_key:
            raise Unsealable("only direct encryption (alg dir) is used")
        return AESGCM(key).decrypt(
            _unb64(nonce), _unb64(ciphertext) + _unb64(tag), header.encode("ascii")
        )
    except (ValueError, InvalidTag):
        raise Unsealable("the sealed value does not open with this key") from None
