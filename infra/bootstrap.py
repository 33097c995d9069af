"""The composition root: builds the application and its adapters from settings."""

from __future__ import annotations

from psycopg_pool import ConnectionPool

from domain.application import HallApplication
from domain.clock import Clock
from domain.personal_data import PersonalData
from domain.query_code import QueryCodes
from infra import personal_data_store
from infra.config import Settings
from infra.master_keys import MasterKeys
from infra.personal_data_store import PostgresPersonalDataStore
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
) -> HallApplication:
    """The case application on PostgreSQL, numbering cases and keeping data keys in
    ``pool``'s database."""
    store = PostgresPersonalDataStore(pool, MasterKeys.parse(settings.master_keys))
    return HallApplication(
        env=settings.eventsourcing_env(),
        case_numbers=PostgresCaseNumberSequence(pool),
        personal_data=PersonalData(store, settings.subject_key.encode()),
        query_codes=QueryCodes(settings.query_code_key.encode()),
        clock=clock or settings.clock(),
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
        conn.execute(personal_data_store.SCHEMA)
        for projection in ALL:
            projection.ensure_schema(conn)
