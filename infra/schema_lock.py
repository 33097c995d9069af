"""Schema changes and view rebuilds happen one at a time.

``casetrail migrate`` applies each migration (``infra.migrations``) and the grants,
and the projection runner truncates its views for a rebuild. Both take
table locks (even ``CREATE ... IF NOT EXISTS`` does), so running together they
could deadlock (one creating an index, the other rebuilding a view); a
transaction-scoped advisory lock puts them in a queue.
"""

from __future__ import annotations

import psycopg

SCHEMA_LOCK_KEY = 0x0CA5E7A2  # advisory lock id; each lock has its own (test_advisory_locks)


def lock_schema(conn: psycopg.Connection) -> None:
    """Hold the schema lock until the current transaction of ``conn`` ends."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
