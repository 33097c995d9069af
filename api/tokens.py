"""Signed bearer tokens (JWT, HS256) carrying user, roles and department.

Every token names its audience (``aud``), lives at most ``MAX_LIFETIME_HOURS`` and
names the key that signed it (``kid`` header). The signing secret is a keyring,
``CASETRAIL_TOKEN_SECRET``: ``kid:secret`` entries separated by commas or newlines, the
first one current; tokens signed by a later entry still verify, so a key rotates by
putting a new entry first and dropping the old one once its tokens have expired. An
entry without a ``kid:`` prefix gets an id derived from the secret. Every secret must
be at least 32 bytes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import jwt

from domain.actor import Actor

ALGORITHM = "HS256"
ISSUER = "casetrail"
AUDIENCE = "casetrail-api"
APPLICANT = "applicant"
MAX_LIFETIME_HOURS = 24
MIN_SECRET_BYTES = 32
_KID = re.compile(r"[A-Za-z0-9._-]{1,32}")


class InvalidToken(Exception):
    """A token that is missing, malformed, expired or wrongly signed."""


class WeakKeyring(RuntimeError):
    """A signing keyring that must not be used: empty, or a secret too short."""


@dataclass(frozen=True)
class Keyring:
    """Signing secrets by key id; ``current`` signs."""

    current: str
    secrets: dict[str, bytes]


@cache
def keyring(setting: str) -> Keyring:
    """The keyring ``CASETRAIL_TOKEN_SECRET`` describes (see the module's description)."""
    secrets: dict[str, bytes] = {}
    for entry in filter(None, (e.strip() for e in re.split(r"[,\n]", setting))):
        kid, _, secret = entry.partition(":")
        if not (secret and _KID.fullmatch(kid)):
            kid, secret = "k" + hashlib.sha256(entry.encode()).hexdigest()[:8], entry
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise WeakKeyring(
                f"CASETRAIL_TOKEN_SECRET: the secret of key '{kid}' is {len(secret.encode())} "
                f"bytes; a signing secret needs at least {MIN_SECRET_BYTES}"
            )
        secrets.setdefault(kid, secret.encode())
    if not secrets:
        raise WeakKeyring("CASETRAIL_TOKEN_SECRET is empty: it needs a secret of 32 bytes or more")
    return Keyring(current=next(iter(secrets)), secrets=secrets)


def issue(secret: str, *, user: str, roles: list[str], department: str, hours: float = 12) -> str:
    """A token for ``user``, signed with the keyring ``secret``'s current key, that
    expires after ``hours`` (at most ``MAX_LIFETIME_HOURS``)."""
    if not 0 < hours <= MAX_LIFETIME_HOURS:
        raise ValueError(f"a token lives more than 0 and at most {MAX_LIFETIME_HOURS} hours")
    ring = keyring(secret)
    now = datetime.now(UTC).replace(microsecond=0)
    claims = {
        "sub": user,
        "roles": roles,
        "department": department,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(hours=hours),
    }
    return jwt.encode(
        claims, ring.secrets[ring.current], algorithm=ALGORITHM, headers={"kid": ring.current}
    )


def verify(secret: str, token: str) -> Actor:
    """The actor a valid token speaks for, checked against the keyring ``secret``."""
    ring = keyring(secret)
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = ring.secrets.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("unknown or missing key id (kid)")
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            audience=AUDIENCE,
            options={"require": ["sub", "iat", "exp", "aud", "roles", "department"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from None
    if claims["exp"] - claims["iat"] > MAX_LIFETIME_HOURS * 3600:
        raise InvalidToken(f"token lifetime exceeds {MAX_LIFETIME_HOURS} hours")
    roles = claims["roles"]
    if not isinstance(roles, list) or not roles:
        raise InvalidToken("token carries no role")
    if roles[0] == APPLICANT:
        raise InvalidToken("applicants act with their case number and query code, not a token")
    return Actor(id=str(claims["sub"]), role=str(roles[0]), department=str(claims["department"]))
