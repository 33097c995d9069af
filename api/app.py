"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI
from psycopg_pool import ConnectionPool

from api import metrics, problems
from api.rate_limit import RateLimiter
from api.routers import calendar, cases, contract, privacy, public, service_items, web
from domain.application import HallApplication
from infra.config import Settings
from infra.grants import API, require_privileges
from infra.recorder import purge_expired_claims


def create_app(settings: Settings, application: HallApplication, pool: ConnectionPool) -> FastAPI:
    """The API over an application and a pool, both as the API's role; fails clearly when
    its tables are missing (they are the owner's to create)."""
    app = FastAPI(
        title="casetrail",
        version="0.1.0",
        description="Case tracking for administrative service halls (行政服务大厅).",
    )
    app.state.settings = settings
    app.state.application = application
    app.state.pool = pool
    app.state.lookup_limiter = RateLimiter.parse(settings.lookup_rate)
    with pool.connection() as conn:
        require_privileges(conn, API)
        purge_expired_claims(conn)
    problems.install(app)
    routers = (cases.router, service_items.router, calendar.router, privacy.router, public.router)
    for router in routers:
        app.include_router(router)
    app.include_router(metrics.router)
    app.include_router(contract.router)
    web.install(app)
    return app
