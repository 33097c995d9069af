"""Case-number sequences kept in PostgreSQL, one counter per department and day."""

from __future__ import annotations

from datetime import date

from psycopg_pool import ConnectionPool

from infra.relaxed_commit import RELAXED

# Durable with the case that carries the number (``infra.relaxed_commit``).
_NEXT = (
    f"WITH {RELAXED} "
    "INSERT INTO case_number_counters (department, day, last) SELECT %s, %s, 1 FROM relaxed "
    "ON CONFLICT (department, day) DO UPDATE "
    "SET last = case_number_counters.last + 1 RETURNING last"
)


class PostgresCaseNumberSequence:
    """Atomic per-(department, day) counters; numbers never repeat in recorded cases,
    gaps are allowed."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def next(self, department: str, day: date) -> int:
        """The next number for this department and day, starting at 1."""
        with self.pool.connection() as conn:
            row = conn.execute(_NEXT, (department, day)).fetchone()
        assert row is not None
        return int(row[0])
