"""The composition root: builds the application and its adapters from settings, and
prepares the database they need. Every process composed here reads and writes JSON
columns with orjson (``infra.json_columns``)."""

from __future__ import annotations

import sys

import psycopg
from psycopg_pool import ConnectionPool

from domain.application import HallApplication
from domain.clock import Clock
from domain.personal_data import PersonalData
from domain.query_code import QueryCodes
from infra import grants
from infra.config import Settings
from infra.json_columns import use_orjson
from infra.master_keys import MasterKeys
from infra.migrations import apply_migrations
from infra.personal_data_store import PostgresPersonalDataStore
from infra.pg_case_numbers import PostgresCaseNumberSequence
from infra.schema_lock import lock_schema
from infra.servers import without_password

use_orjson()


def open_pool(database_url: str, max_size: int = 8) -> ConnectionPool:
    """A connection pool on the platform's database, as the role ``database_url`` names.

    Its connections autocommit: a lone statement is its own transaction, one round trip
    to the server where an implicit transaction takes three (BEGIN, the statement,
    COMMIT); several writes that must stand or fall together go in ``conn.transaction()``.
    """
    pool = ConnectionPool(
        database_url,
        min_size=1,
        max_size=max_size,
        open=True,
        timeout=10,
        kwargs={"autocommit": True},
    )
    pool.wait(timeout=30)
    return pool


def build_application(
    settings: Settings, pool: ConnectionPool, *, clock: Clock | None = None
) -> HallApplication:
    """The case application on PostgreSQL, as ``pool``'s role, numbering cases and
    keeping data keys in ``pool``'s database (whose tables ``casetrail migrate`` made)."""
    assert isinstance(pool.conninfo, str), "a pool from open_pool, on a URL"
    store = PostgresPersonalDataStore(pool, MasterKeys.parse(settings.master_keys))
    return HallApplication(
        env=settings.eventsourcing_env(pool.conninfo),
        case_numbers=PostgresCaseNumberSequence(pool),
        personal_data=PersonalData(store, settings.subject_key.encode()),
        query_codes=QueryCodes(settings.query_code_key.encode()),
        clock=clock or settings.clock(),
    )


def prepare_database(settings: Settings) -> list[str]:
    """As the owner (``settings.database_url``), apply the migrations the database lacks
    (``infra.migrations``), then grant each process's role what it needs
    (``infra.grants``) under the schema lock. Returns the roles missing on the server,
    which got nothing."""
    for migration in apply_migrations(settings.database_url):
        print(f"applied migration {migration.version} ({migration.name})", file=sys.stderr)
    with psycopg.connect(settings.database_url) as conn:
        lock_schema(conn)
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
    print(f"schema and grants up to date in {without_password(settings.database_url)}")
