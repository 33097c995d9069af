"""The composition root: builds the application and its adapters from settings."""

from __future__ import annotations

from psycopg_pool import ConnectionPool

from domain.application import HallApplication
from domain.clock import Clock
from domain.query_code import QueryCodes
from infra.config import Settings
from infra.pg_case_numbers import PostgresCaseNumberSequence
from infra.schema_lock import lock_schema


def open_pool(settings: Settings, max_size: int = 8) -> ConnectionPool:
    """A connection pool on the platform's database."""
    pool = ConnectionPool(
        settings.database_url, min_size=1, max_size=max_size, open=True, timeout=10
    )
    pool.wait(timeout=30)
    return pool


def build_application(
    settings: Settings,
    pool: ConnectionPool,
    *,
    clock: Clock | None = None,
    query_codes: QueryCodes | None = None,
) -> HallApplication:
    """The case application on PostgreSQL, numbering cases in ``pool``'s database."""
    return HallApplication(
        env=settings.eventsourcing_env(),
        case_numbers=PostgresCaseNumberSequence(pool),
        clock=clock or settings.clock(),
        query_codes=query_codes,
    )


def prepare_database(settings: Settings) -> None:
    """Create every table once, before the processes that use them start."""
    import psycopg

    from consumers import projection_runner, relay
    from projections.registry import ALL

    with open_pool(settings, max_size=1) as pool:
        build_application(settings, pool).close()
    with psycopg.connect(settings.database_url) as conn:
        lock_schema(conn)
        conn.execute(relay.SCHEMA)
        conn.execute(projection_runner.SCHEMA)
        for projection in ALL:
            projection.ensure_schema(conn)
