"""The migrations are numbered 1, 2, 3 … in the order they run, and no SQL file in
``infra/migrations`` is left out of the list."""

from __future__ import annotations

from infra.migrations import FOLDER, MIGRATIONS


def test_migrations_are_numbered_in_the_order_they_run() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_every_sql_file_is_a_listed_migration() -> None:
    listed = {f"{m.version:04d}_{m.name}.sql" for m in MIGRATIONS}
    assert {path.name for path in FOLDER.glob("*.sql")} <= listed
