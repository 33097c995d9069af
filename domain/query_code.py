"""The applicant's query code (查询密码): shown once, stored only as a slow hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I look-alikes
CODE_LENGTH = 8


@dataclass(frozen=True)
class QueryCodes:
    """Makes query codes and checks them against scrypt hashes.

    The hash string records its own cost (``scrypt$n$r$p$salt$digest``), so the
    cost can be raised later without invalidating existing codes.
    """

    n: int = 2**14
    r: int = 8
    p: int = 1

    def new_code(self) -> str:
        """A fresh random code for an applicant."""
        return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))

    def hash(self, code: str) -> str:
        """The storable hash of ``code``."""
        salt = secrets.token_bytes(16)
        digest = hashlib.scrypt(code.encode(), salt=salt, n=self.n, r=self.r, p=self.p)
        return f"scrypt${self.n}${self.r}${self.p}${salt.hex()}${digest.hex()}"

    @staticmethod
    def matches(code: str, stored: str) -> bool:
        """True when ``code`` is the one whose hash is ``stored``."""
        try:
            scheme, n, r, p, salt, digest = stored.split("$")
        except ValueError:
            return False
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            code.strip().upper().encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p)
        )
        return hmac.compare_digest(candidate.hex(), digest)
