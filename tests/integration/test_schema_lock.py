"""Schema changes and view rebuilds wait for one another.

The owner's migrations and grants (``casetrail migrate``) and the projection runner's
rebuild of its views (a TRUNCATE) take the schema lock, so neither runs into the
other's table locks; the API and the relay change no schema and take no such lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import psycopg
import pytest
from psycopg import sql

from api.app import create_app
from consumers.projection_runner import ProjectionRunner
from infra.config import Settings
from infra.entrypoints.bootstrap import build_application, open_pool, prepare_database
from infra.kafka_security import PROJECTOR
from infra.schema_lock import SCHEMA_LOCK_KEY, lock_schema
from projections.registry import ALL
from tests.integration.harness import Platform, wait_until

pytestmark = pytest.mark.integration


Start = Callable[[], object]


@contextmanager
def database(settings: Settings) -> Iterator[Start]:
    yield lambda: prepare_database(settings)


@contextmanager
def projection_runner(settings: Settings) -> Iterator[Start]:
    """The runner's check of its tables and views, on a connection of its own."""
    runner = ProjectionRunner(
        database_url=settings.projector_database_url,
        kafka_options=settings.kafka_options(PROJECTOR),
        topic=settings.topic,
        projections=ALL,
        group_id=f"schema-lock-{settings.topic}",
    )
    with psycopg.connect(settings.projector_database_url) as conn:
        yield lambda: runner.prepare_views(conn)


def waiting_for_schema_lock(platform: Platform) -> bool:
    rows = platform.sql(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND ((classid::bigint << 32) | objid::bigint) = %s",
        SCHEMA_LOCK_KEY,
    )
    return bool(rows[0][0])


@pytest.mark.parametrize("setup", [database, projection_runner], ids=lambda f: f.__name__)
def test_schema_work_waits_while_another_process_holds_the_schema_lock(
    platform: Platform, setup: Callable[[Settings], AbstractContextManager[Start]]
) -> None:
    with setup(platform.settings) as start:
        assert_waits_for_the_lock(platform, start)


def assert_waits_for_the_lock(platform: Platform, start: Start) -> None:
    finished = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start()
        except BaseException as error:  # reported by the test thread below
            errors.append(error)
        finally:
            finished.set()

    with psycopg.connect(platform.settings.database_url) as holder:
        lock_schema(holder)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        wait_until(lambda: waiting_for_schema_lock(platform), what="a wait on the schema lock")
        assert not finished.is_set()
        holder.commit()
    assert finished.wait(timeout=60), "schema work did not finish after the lock was freed"
    thread.join()
    assert not errors, errors


def test_the_api_starts_while_the_runner_is_writing_the_views(platform: Platform) -> None:
    """The runner's transactions hold row-exclusive locks on the views; an API that
    locked them at start (DDL, even ``IF NOT EXISTS``) would wait, or deadlock."""
    settings = platform.settings
    with (
        open_pool(settings.api_database_url, max_size=2) as pool,
        psycopg.connect(settings.projector_database_url) as writer,
    ):
        application = build_application(settings, pool)
        for projection in ALL:
            writer.execute(
                sql.SQL("LOCK TABLE {} IN ROW EXCLUSIVE MODE").format(
                    sql.Identifier(projection.table)
                )
            )
        started = threading.Thread(
            target=lambda: create_app(settings, application, pool), daemon=True
        )
        started.start()
        started.join(timeout=30)
        application.close()
        assert not started.is_alive(), "the API waited for the views' writer"
