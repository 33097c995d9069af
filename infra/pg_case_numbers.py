"""Case-number sequences kept in PostgreSQL, one counter per department and day."""

from __future__ import annotations

from datetime import date

from psycopg_pool import ConnectionPool


class PostgresCaseNumberSequence:
    """Atomic per-(department, day) counters; numbers never repeat, gaps are allowed."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def next(self, department: str, day: date) -> int:
        """The next number for this department and day, starting at 1."""
        with self.pool.connection() as conn:
            row = conn.execute(
                "INSERT INTO case_number_counters (department, day, last) VALUES (%s, %s, 1) "
                "ON CONFLICT (department, day) DO UPDATE "
                "SET last = case_number_counters.last + 1 RETURNING last",
                (department, day),
            ).fetchone()
        assert row is not None
        return int(row[0])
