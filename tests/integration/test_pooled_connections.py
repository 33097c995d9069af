"""The processes' pooled connections autocommit: a lone statement is its own transaction,
one round trip, with no BEGIN before it and no COMMIT after it."""

from __future__ import annotations

import pytest
from psycopg.pq import TransactionStatus

from infra.entrypoints.bootstrap import open_pool
from tests.integration.harness import Platform

pytestmark = pytest.mark.integration

COUNTER = (
    "INSERT INTO case_number_counters (department, day, last) VALUES ('POOL', %s, 1) "
    "ON CONFLICT (department, day) DO UPDATE SET last = case_number_counters.last + 1"
)


def last(platform: Platform) -> int | None:
    """The counter as another connection sees it."""
    rows = platform.sql("SELECT last FROM case_number_counters WHERE department = 'POOL'")
    return rows[0][0] if rows else None


def test_a_lone_statement_is_committed_when_it_returns(platform: Platform) -> None:
    with open_pool(platform.settings.api_database_url, 1) as pool, pool.connection() as conn:
        conn.execute(COUNTER, ("2026-12-01",))
        assert conn.info.transaction_status is TransactionStatus.IDLE
        assert last(platform) == 1  # while this connection is still held
