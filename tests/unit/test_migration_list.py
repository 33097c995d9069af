"""The migrations are numbered 1, 2, 3 … in the order they run, and no SQL file in
``infra/migrations`` is left out of the list."""

from __future__ import annotations

from infra.migrations import FOLDER, MIGRATIONS


def test_migrations_are_numbered_in_the_order_they_run() -> None:
    # numbers 7 and 8 are taken by work merged separately: until then the list has a gap
    versions = [m.version for m in MIGRATIONS]
    assert versions[0] == 1 and versions == sorted(set(versions))
    assert set(range(1, versions[-1] + 1)) - set(versions) <= {7, 8}


def test_every_sql_file_is_a_listed_migration() -> None:
    listed = {f"{m.version:04d}_{m.name}.sql" for m in MIGRATIONS}
    assert {path.name for path in FOLDER.glob("*.sql")} <= listed
