"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from psycopg_pool import ConnectionPool

from api import metrics, openapi, problems
from api.body_limit import BodyLimit
from api.client_address import TrustedProxies
from api.long_poll import PositionWaits
from api.routers import (
    audit_anomalies,
    audit_log,
    audit_replay,
    audit_trail,
    calendar,
    cases,
    contract,
    departments,
    ping,
    privacy,
    public,
    service_items,
    staff,
    supervision,
    supervision_notices,
    web,
    webhooks,
)
from api.security_headers import SecurityHeaders
from api.tokens import keyring
from domain.application import HallApplication
from infra import audit_keys
from infra.config import Settings
from infra.grants import API, require_privileges
from infra.lookup_budget import LookupBudget
from infra.recorder import purge_expired_claims


def create_app(settings: Settings, application: HallApplication, pool: ConnectionPool) -> FastAPI:
    """The API over an application and a pool, both as the API's role; fails clearly when
    its tables are missing (they are the owner's to create) or its settings are unsafe."""
    keyring(settings.token_secret)  # a weak signing secret stops the API here
    audit_keys.verifier()  # so does a malformed verifier key of the audit log
    waits = PositionWaits(
        settings.api_database_url,
        per_client=settings.long_polls_per_client,
        total=settings.long_polls_total,
        seconds=settings.long_poll_seconds,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = settings.api_threads
        await waits.open()
        try:
            yield
        finally:
            await waits.close()

    app = FastAPI(
        title="casetrail",
        version="0.1.0",
        description="Case tracking for administrative service halls (行政服务大厅).",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.application = application
    app.state.pool = pool
    app.state.lookup_budget = LookupBudget.parse(pool, settings.lookup_rate)
    app.state.trusted_proxies = TrustedProxies.parse(settings.trusted_proxies)
    app.state.position_waits = waits
    with pool.connection() as conn:
        require_privileges(conn, API)
        purge_expired_claims(conn)
    problems.install(app)
    routers = (
        cases.router,
        service_items.router,
        departments.router,
        calendar.router,
        privacy.router,
        public.router,
        audit_replay.router,
        audit_trail.router,
        audit_anomalies.router,
        audit_log.router,
        supervision_notices.router,
        staff.router,
        supervision.router,
        webhooks.router,
    )
    for router in routers:
        app.include_router(router)
    app.include_router(ping.router)
    app.include_router(metrics.router)
    app.include_router(contract.router)
    web.install(app)
    openapi.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)  # outermost: even a refused body gets the headers
    return app
