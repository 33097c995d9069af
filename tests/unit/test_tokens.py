"""Bearer tokens: audience, bounded lifetime, key ids and a rotating keyring, and no
secret shorter than 32 bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from api.tokens import AUDIENCE, ISSUER, InvalidToken, WeakKeyring, issue, keyring, verify

OLD = "old:" + "o" * 32
NEW = "new:" + "n" * 32


def forged(secret: bytes, kid: str | None = "new", **changes: Any) -> str:
    """A token signed with ``secret`` whose claims differ from a good one by ``changes``."""
    now = datetime.now(UTC)
    claims = {
        "sub": "u",
        "roles": ["clerk"],
        "department": "HALL",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(hours=1),
        **changes,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, secret, algorithm="HS256", headers=headers)


def test_a_token_names_its_audience_and_key() -> None:
    token = issue(NEW, user="u", roles=["clerk"], department="HALL")
    assert jwt.get_unverified_header(token)["kid"] == "new"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == AUDIENCE
    assert verify(NEW, token).id == "u"


def test_keys_rotate_and_old_tokens_verify_until_their_key_goes() -> None:
    old_token = issue(OLD, user="u", roles=["clerk"], department="HALL")
    rotated = f"{NEW},{OLD}"
    assert verify(rotated, old_token).id == "u"
    assert (
        jwt.get_unverified_header(issue(rotated, user="u", roles=["clerk"], department="H"))["kid"]
        == "new"
    )
    with pytest.raises(InvalidToken, match="key id"):
        verify(NEW, old_token)


@pytest.mark.parametrize(
    "token",
    [
        forged(b"n" * 32, aud=None),
        forged(b"n" * 32, aud="someone-else"),
        forged(b"n" * 32, kid=None),
        forged(b"n" * 32, kid="unknown"),
        forged(b"x" * 32),
        forged(b"n" * 32, iat=None),
        forged(b"n" * 32, exp=datetime.now(UTC) + timedelta(hours=25)),
    ],
    ids=["no-aud", "other-aud", "no-kid", "unknown-kid", "wrong-key", "no-iat", "too-long"],
)
def test_bad_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        verify(NEW, token)


def test_lifetimes_are_bounded_when_issuing() -> None:
    with pytest.raises(ValueError, match="at most 24 hours"):
        issue(NEW, user="u", roles=["clerk"], department="HALL", hours=25)


@pytest.mark.parametrize("setting", ["", "short", "k1:" + "s" * 31, f"{NEW},k2:tiny"])
def test_weak_secrets_are_refused_with_a_clear_error(setting: str) -> None:
    with pytest.raises(WeakKeyring, match="CASETRAIL_TOKEN_SECRET"):
        keyring(setting)


def test_a_bare_secret_gets_a_stable_key_id() -> None:
    secret = "b" * 43  # what the local stack generates
    assert keyring(secret).current == keyring(secret).current
    assert keyring(secret).current.startswith("k")
