"""Who runs an operator command: the staff member of a verified bearer token."""

from __future__ import annotations

import os

from api.tokens import InvalidToken, verify
from domain.actor import Actor
from infra.config import Settings


def operator(settings: Settings, token: str | None) -> Actor:
    """The actor of ``token`` (else ``CASETRAIL_TOKEN``), verified with the signing secret;
    ``RuntimeError`` saying how to get one when there is none or it is invalid."""
    token = token or os.environ.get("CASETRAIL_TOKEN")
    if not token:
        raise RuntimeError(
            "a hall_admin token is needed: --token or CASETRAIL_TOKEN "
            "(casetrail token --role hall_admin --department HALL --user NAME)"
        )
    try:
        return verify(settings.token_secret, token)
    except InvalidToken as error:
        raise RuntimeError(f"invalid token: {error}") from None
