"""Domain commands on the real PostgreSQL: case events recorded per second through the
application itself (``domain/application.py``), with 1 and 4 writer threads, beside a
bare ``eventsourcing`` application in the same database doing the same.

Each writer submits cases (a new applicant each, so each intake seals under a new data
key) and accepts each one: two events a case, every command loading what it changes.
The baseline is the library alone: a minimal aggregate with two events, each carrying
as many bytes as the application's events of the same kind were stored with in this
run, made and then loaded and changed, the same number of times, by the same threads.

The machine's speed drifts within a minute, so the two take turns: each number of
writers runs in rounds, the application then the library, then the library first; each
side's rate is its events over its time in all rounds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import closing
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import get_topic

from bench.context import Context
from bench.report import Figure, Goal
from bench.samples import applicant
from domain.actor import Actor
from domain.application import HallApplication
from domain.case import Accepted, Submitted
from domain.case.commands import Accept
from infra.entrypoints.bootstrap import build_application, open_pool
from tests.integration.harness import Platform

STAGE = "domain"
WRITERS = (1, 4)
ROUNDS = 4  # turns each side takes, per number of writers
CLERK = Actor(id="bench-clerk", role="clerk", department="HALL")
Case = Callable[[int], None]  # does the two commands of the n-th case


class Filing(Aggregate):
    """The baseline's case: filed, then accepted; each event carries ``data``."""

    @event("Filed")
    def __init__(self, data: str) -> None:
        self.data = data
        self.accepted = False

    @event("Accepted")
    def accept(self, data: str) -> None:
        self.data = data
        self.accepted = True


class Bare(Application[UUID]):
    """The library with its own recorder and nothing else (its table: ``bare_events``)."""

    name = "bare"


def rate(case: Case, cases: int, writers: int, first: int) -> float:
    """Events per second of ``cases`` cases (numbered from ``first``) made by ``writers``
    threads, each taking every ``writers``-th case."""
    failures: list[BaseException] = []

    def write(offset: int) -> None:
        try:
            for n in range(first + offset, first + cases, writers):
                case(n)
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return 2 * cases / (time.perf_counter() - started)


def hall_case(app: HallApplication) -> Case:
    def case(n: int) -> None:
        submitted = app.submit(
            CLERK, item_code="SCJG-001", channel="online", applicant=applicant(n), materials=[]
        )
        app.handle(Accept(), submitted.aggregate_id, CLERK)

    return case


def bare_case(app: Bare, sizes: dict[str, int]) -> Case:
    filed, accepted = "x" * sizes["filed"], "x" * sizes["accepted"]

    def case(_: int) -> None:
        filing = Filing(filed)
        app.save(filing)
        loaded: Any = app.repository.get(filing.id)
        loaded.accept(accepted)
        app.save(loaded)

    return case


def stored_sizes(platform: Platform) -> dict[str, int]:
    """The mean stored size of the application's submitted and accepted events."""
    rows = dict(
        platform.sql(
            "SELECT topic, avg(length(state))::int FROM casetrail_events "
            "WHERE topic = ANY(%s) GROUP BY topic",
            [get_topic(Submitted), get_topic(Accepted)],
        )
    )
    return {"filed": rows[get_topic(Submitted)], "accepted": rows[get_topic(Accepted)]}


def measure(hall: Case, bare: Case, cases: int, first: int) -> dict[str, dict[int, float]]:
    """Events per second of each side with each number of writers, the two taking turns
    in ``ROUNDS`` rounds of ``cases`` cases each (numbered from ``first``)."""
    sides = {"application": hall, "bare library": bare}
    rates: dict[str, dict[int, float]] = {label: {} for label in sides}
    for writers in WRITERS:
        seconds = dict.fromkeys(sides, 0.0)
        for turn in range(ROUNDS):
            for label in sorted(sides, reverse=turn % 2 == 1):
                seconds[label] += 2 * cases / rate(sides[label], cases, writers, first)
                first += cases
        for label in sides:
            rates[label][writers] = 2 * cases * ROUNDS / seconds[label]
            print(
                f"  {label}, {writers} writer(s): {rates[label][writers]:.0f} events/s", flush=True
            )
    return rates


def run(context: Context) -> None:
    """Time the application and the bare library in turns, and add the figures."""
    cases = context.sized(100, least=4)
    with context.platform("domain") as platform:
        settings = platform.settings
        env = settings.eventsourcing_env(settings.database_url)
        del env["APPLICATION_RECORDER_TOPIC"]
        with (
            open_pool(settings.api_database_url) as pool,
            closing(build_application(settings, pool)) as app,
            closing(Bare(env={**env, "CREATE_TABLE": "y"})) as bare_app,
        ):
            hall = hall_case(app)
            rate(hall, 4, 1, 0)  # warm up, and events to size the baseline's by
            bare = bare_case(bare_app, stored_sizes(platform))
            rate(bare, 4, 1, 0)
            rates = measure(hall, bare, cases, first=4)
    plot = context.report.plot(
        "domain_commands", "Domain commands: events recorded", "writer threads", "events/s"
    )
    for writers in WRITERS:
        context.report.add(
            Figure(
                STAGE,
                f"events recorded, {writers} writer(s)",
                rates["application"][writers],
                "events/s",
                rates["bare library"][writers],
                "bare eventsourcing",
                Goal(">=", 0.8, of="ratio"),
            )
        )
        plot.curve("casetrail application").points.append((writers, rates["application"][writers]))
        plot.curve("bare eventsourcing").points.append((writers, rates["bare library"][writers]))
