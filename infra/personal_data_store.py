"""Applicants' data keys, their cases and who opened their data, in PostgreSQL.

Data keys are stored wrapped by the master key (``infra.master_keys``), which never
enters the database. Destroying a key overwrites its wrapped form with NULL: the
sealed fields of every event under it can no longer be opened.
"""

from __future__ import annotations

from uuid import UUID, uuid4

from psycopg_pool import ConnectionPool

from domain.actor import Actor
from domain.personal_data import DataKey
from domain.sealing import new_key
from infra.master_keys import MasterKeys
from infra.relaxed_commit import RELAXED

# Links the case, adds a key unless the subject has a live one, and returns the live key;
# durable with the first case sealed under it (``infra.relaxed_commit``).
_DATA_KEY = f"""
WITH {RELAXED}, link AS (
    INSERT INTO applicant_cases (subject, case_id) SELECT %(subject)s, %(case_id)s FROM relaxed
    ON CONFLICT DO NOTHING
), added AS (
    INSERT INTO applicant_keys (kid, subject, master_kid, wrapped)
    VALUES (%(kid)s, %(subject)s, %(master_kid)s, %(wrapped)s)
    ON CONFLICT (subject) WHERE wrapped IS NOT NULL DO NOTHING
    RETURNING kid, master_kid, wrapped
)
SELECT kid, master_kid, wrapped FROM added
UNION ALL
SELECT kid, master_kid, wrapped FROM applicant_keys
WHERE subject = %(subject)s AND wrapped IS NOT NULL
"""


class PostgresPersonalDataStore:
    """The ``PersonalDataStore`` of the platform's database."""

    def __init__(self, pool: ConnectionPool, master_keys: MasterKeys) -> None:
        self.pool = pool
        self.master_keys = master_keys

    def data_key(self, subject: str, case_id: UUID) -> DataKey:
        """The subject's live key, made now if it has none; links ``case_id`` to it."""
        kid = str(uuid4())
        master_kid, wrapped = self.master_keys.wrap(kid, new_key())
        params = {
            "subject": subject,
            "case_id": case_id,
            "kid": kid,
            "master_kid": master_kid,
            "wrapped": wrapped,
        }
        for _ in range(3):  # a concurrent first key of the same subject: read it next time
            with self.pool.connection() as conn:
                row = conn.execute(_DATA_KEY, params).fetchone()
            if row is not None:
                live_kid, live_master, live_wrapped = str(row[0]), row[1], row[2]
                return DataKey(
                    live_kid, self.master_keys.unwrap(live_master, live_kid, live_wrapped)
                )
        raise RuntimeError(f"no data key could be made for subject {subject}")

    def key(self, kid: str) -> bytes | None:
        """The data key ``kid`` unwrapped, or None once destroyed."""
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT master_kid, wrapped FROM applicant_keys WHERE kid = %s", (kid,)
            ).fetchone()
        if row is None or row[1] is None:
            return None
        return self.master_keys.unwrap(row[0], kid, row[1])

    def cases(self, subject: str) -> list[UUID]:
        """The cases linked to the subject, in the order they were linked."""
        with self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT case_id FROM applicant_cases WHERE subject = %s ORDER BY linked_at",
                (subject,),
            ).fetchall()
        return [row[0] for row in rows]

    def destroy(self, subject: str) -> int:
        """Overwrite every live key of the subject; how many there were."""
        with self.pool.connection() as conn:
            cursor = conn.execute(
                "UPDATE applicant_keys SET wrapped = NULL, master_kid = NULL, "
                "destroyed_at = now() WHERE subject = %s AND wrapped IS NOT NULL",
                (subject,),
            )
            return cursor.rowcount

    def record_disclosure(self, actor: Actor, case_id: UUID, case_file: str) -> None:
        """Record that ``actor`` opened the case's personal data for ``case_file``."""
        with self.pool.connection() as conn:
            conn.execute(
                "INSERT INTO personal_data_disclosures (actor, role, department, case_id, "
                "case_file) VALUES (%s, %s, %s, %s, %s)",
                (actor.id, actor.role, actor.department, case_id, case_file),
            )

    def rewrap(self) -> int:
        """Re-wrap every live key not under the current master key; how many."""
        moved = 0
        with self.pool.connection() as conn, conn.transaction():
            rows = conn.execute(
                "SELECT kid, master_kid, wrapped FROM applicant_keys "
                "WHERE wrapped IS NOT NULL AND master_kid <> %s",
                (self.master_keys.current,),
            ).fetchall()
            for kid, master_kid, wrapped in rows:
                key = self.master_keys.unwrap(master_kid, str(kid), wrapped)
                current, rewrapped = self.master_keys.wrap(str(kid), key)
                moved += conn.execute(
                    "UPDATE applicant_keys SET master_kid = %s, wrapped = %s "
                    "WHERE kid = %s AND master_kid = %s",
                    (current, rewrapped, kid, master_kid),
                ).rowcount
        return moved
