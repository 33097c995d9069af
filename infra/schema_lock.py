"""Tables are created or checked by one process at a time.

The API, the relay and the projection runner each make sure of their tables when
they start. ``CREATE ... IF NOT EXISTS`` still takes table locks, so processes
starting together could deadlock on them (one creating an index, another already
rebuilding a view); a transaction-scoped advisory lock puts them in a queue.
"""

from __future__ import annotations

import psycopg

SCHEMA_LOCK_KEY = 0x0CA5E7A2  # advisory lock id; the relay leader uses 0x0CA5E7A1


def lock_schema(conn: psycopg.Connection) -> None:
    """Hold the schema lock until the current transaction of ``conn`` ends."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
