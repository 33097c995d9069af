"""Security events: every 401 and 403, with the route, the method, the principal when
known (from a verified token) and the client's address; never the token itself."""

from __future__ import annotations

import logging

import orjson
from starlette.requests import Request

from api.client_address import TrustedProxies
from domain.actor import Actor

LOGGER = logging.getLogger("casetrail.security")
REFUSALS = {401: "authentication_failed", 403: "access_denied"}


def remember_principal(request: Request, actor: Actor) -> None:
    """Note who the verified caller is, for any refusal logged later in the request."""
    request.state.principal = actor


def log_refusal(request: Request, status: int, reason: str) -> None:
    """Log a 401 or 403 as a security event (other statuses are not security events)."""
    if status not in REFUSALS:
        return
    principal: Actor | None = getattr(request.state, "principal", None)
    route = request.scope.get("route")
    proxies: TrustedProxies = request.app.state.trusted_proxies
    event = {
        "event": REFUSALS[status],
        "status": status,
        "method": request.method,
        "route": getattr(route, "path", None),
        "path": request.url.path,
        "client": proxies.client(request),
        "principal": (
            {"sub": principal.id, "role": principal.role, "department": principal.department}
            if principal
            else None
        ),
        "reason": reason,
    }
    LOGGER.warning("security-event %s", orjson.dumps(event).decode())
