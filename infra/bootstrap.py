"""The composition root: builds the application and its adapters from settings."""

from __future__ import annotations

import sys

import psycopg
from psycopg_pool import ConnectionPool

from domain.application import HallApplication
from domain.clock import Clock
from domain.personal_data import PersonalData
from domain.query_code import QueryCodes
from infra import grants, lookup_budget, personal_data_store, pg_case_numbers, quarantine
from infra.config import Settings
from infra.master_keys import MasterKeys
from infra.personal_data_store import PostgresPersonalDataStore
from infra.pg_case_numbers import PostgresCaseNumberSequence
from infra.schema_lock import lock_schema


def open_pool(database_url: str, max_size: int = 8) -> ConnectionPool:
    """A connection pool on the platform's database, as the role ``database_url`` names."""
    pool = ConnectionPool(database_url, min_size=1, max_size=max_size, open=True, timeout=10)
    pool.wait(timeout=30)
    return pool


def build_application(
    settings: Settings,
    pool: ConnectionPool,
    *,
    clock: Clock | None = None,
    create_tables: bool = False,
) -> HallApplication:
    """The case application on PostgreSQL, as ``pool``'s role, numbering cases and
    keeping data keys in ``pool``'s database; only the owner (``prepare_database``)
    creates the tables."""
    assert isinstance(pool.conninfo, str), "a pool from open_pool, on a URL"
    store = PostgresPersonalDataStore(pool, MasterKeys.parse(settings.master_keys))
    return HallApplication(
        env=settings.eventsourcing_env(pool.conninfo, create_table=create_tables),
        case_numbers=PostgresCaseNumberSequence(pool),
        personal_data=PersonalData(store, settings.subject_key.encode()),
        query_codes=QueryCodes(settings.query_code_key.encode()),
        clock=clock or settings.clock(),
    )


def prepare_database(settings: Settings) -> list[str]:
    """As the owner (``settings.database_url``), create or update every table, then grant
    each process's role what it needs (``infra.grants``); one caller at a time (the
    schema lock). Returns the roles missing on the server, which got nothing."""
    from consumers import projection_runner, relay
    from projections.registry import ALL

    with psycopg.connect(settings.database_url) as conn:
        lock_schema(conn)
        with open_pool(settings.database_url, max_size=1) as pool:
            build_application(settings, pool, create_tables=True).close()
        conn.execute(pg_case_numbers.SCHEMA)
        conn.execute(relay.SCHEMA)
        conn.execute(projection_runner.SCHEMA)
        conn.execute(personal_data_store.SCHEMA)
        conn.execute(quarantine.SCHEMA)
        conn.execute(lookup_budget.SCHEMA)
        for projection in ALL:
            projection.ensure_schema(conn)
        return grants.apply_grants(conn)


def migrate(settings: Settings) -> None:
    """``casetrail migrate``: ``prepare_database``, saying which roles got no grants."""
    if missing := prepare_database(settings):
        print(
            f"casetrail: roles {', '.join(missing)} do not exist, so they got no grants; "
            "create them, or let their processes connect as roles that hold the grants "
            "(`casetrail grants` prints them)",
            file=sys.stderr,
        )
