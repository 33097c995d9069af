"""The applicant's query code (查询密码): shown once, checked against a keyed verifier.

A code is 40 random bits (8 symbols of 32). Its verifier is HMAC-SHA256, under a
server key kept outside the database, of the case number and the code: without
that key nobody who reads the verifiers can test a guess offline, and online
guesses are rate-limited, so no slow hash is needed. Verifiers live in a table of
their own, never in an event.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I look-alikes: 32, five bits
CODE_LENGTH = 8
SYMBOL_BITS = 5


@dataclass(frozen=True)
class QueryCodes:
    """Makes query codes and their verifiers, and checks codes in constant time."""

    key: bytes = field(repr=False)

    def new_code(self) -> str:
        """A fresh random code for an applicant: 40 bits drawn at once (one draw from the
        system's generator, not eight), five bits a symbol."""
        bits = secrets.randbits(CODE_LENGTH * SYMBOL_BITS)
        return "".join(
            ALPHABET[bits >> (SYMBOL_BITS * i) & (len(ALPHABET) - 1)] for i in range(CODE_LENGTH)
        )

    def verifier(self, case_no: str, code: str) -> bytes:
        """What is stored to check ``code`` for case ``case_no``."""
        message = f"{case_no}\n{code.strip().upper()}".encode()
        return hmac.new(self.key, message, hashlib.sha256).digest()

    def matches(self, case_no: str, code: str, stored: bytes | None) -> bool:
        """Whether ``code`` opens the case whose verifier is ``stored`` (None: no such
        case, which takes the same work and gives the same answer as a wrong code)."""
        candidate = self.verifier(case_no, code)
        return hmac.compare_digest(candidate, stored or bytes(len(candidate))) and bool(stored)
