"""Signed bearer tokens (JWT, HS256) carrying user, roles and department."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from domain.actor import Actor

ALGORITHM = "HS256"
ISSUER = "casetrail"
APPLICANT = "applicant"


class InvalidToken(Exception):
    """A token that is missing, malformed, expired or wrongly signed."""


def issue(secret: str, *, user: str, roles: list[str], department: str, hours: float = 12) -> str:
    """A token for ``user`` that expires after ``hours``."""
    now = datetime.now(UTC)
    claims = {
        "sub": user,
        "roles": roles,
        "department": department,
        "iss": ISSUER,
        "iat": now,
        "exp": now + timedelta(hours=hours),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(secret: str, token: str) -> Actor:
    """The actor a valid token speaks for."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "roles", "department"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from None
    roles = claims["roles"]
    if not isinstance(roles, list) or not roles:
        raise InvalidToken("token carries no role")
    if roles[0] == APPLICANT:
        raise InvalidToken("applicants act with their case number and query code, not a token")
    return Actor(id=str(claims["sub"]), role=str(roles[0]), department=str(claims["department"]))
