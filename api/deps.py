"""Dependencies shared by the routers: the application, the database, the caller.

Each is ``async``, though none waits for anything: FastAPI runs a plain function
dependency in its thread pool, a hand-off to a thread and back for each, which cost a
command about four of them; these run on the event loop (the token check is an HMAC
and a JSON decode, microseconds)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg_pool import ConnectionPool

from api.security_log import remember_principal
from api.tokens import InvalidToken, verify
from domain.actor import Actor
from domain.application import HallApplication
from infra.config import Settings

bearer = HTTPBearer(auto_error=False)


async def application(request: Request) -> HallApplication:
    """The case application."""
    app: HallApplication = request.app.state.application
    return app


async def pool(request: Request) -> ConnectionPool:
    """The read-model database pool."""
    pool: ConnectionPool = request.app.state.pool
    return pool


async def settings(request: Request) -> Settings:
    """The running settings."""
    value: Settings = request.app.state.settings
    return value


async def actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    config: Annotated[Settings, Depends(settings)],
) -> Actor:
    """The caller, from a verified bearer token (never from the body)."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(401, "a bearer token is required", headers=challenge)
    try:
        caller = verify(config.token_secret, credentials.credentials)
    except InvalidToken as error:
        raise HTTPException(401, f"invalid token: {error}", headers=challenge) from None
    remember_principal(request, caller)
    return caller


App = Annotated[HallApplication, Depends(application)]
Pool = Annotated[ConnectionPool, Depends(pool)]
Caller = Annotated[Actor, Depends(actor)]
