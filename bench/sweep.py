"""One sweep of the deadline sweeper over 100 000 open cases, on the real PostgreSQL.

Setup (not timed): ``--cases`` accepted cases of six items of the demo catalogue
(promised limits of 5 to 20 working days), accepted on the working days of the
``--spread`` working days before the sweep day, are written straight to the event store
in batches (as the application saves them: encrypted, chained). Each is first swept in
memory as of the day before, so that it carries what a running sweeper would already
have recorded; its schedule rows are then written as the sweeper's consumer writes them.

Timed: ``DeadlineSweeper.sweep`` as of the sweep day (a simulated clock): the due rows
selected, each due case loaded from the event store, its events recorded as the sweeper
(several cases per transaction), its rows rewritten. Prints the cases, the rows due, the
events recorded, the seconds and events/s, and writes them to
``test-artifacts/bench/sweep.json``.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from uuid import uuid4

import psycopg

from bench.results import write_results
from consumers.deadline_sweeper import DeadlineSweeper
from domain.actor import Actor
from domain.calendar import WorkingCalendar, default_calendar
from domain.case import Case
from domain.clock import HALL_TZ, SimulatedClock
from domain.item_terms import ItemContent
from domain.personal_data import SealedApplicant
from domain.supervision import SWEEPER, schedule, sweep
from infra import deadline_schedule
from infra.catalogue import read_catalogue
from infra.config import Settings
from infra.entrypoints.bootstrap import build_application, open_pool
from infra.kafka_security import SWEEPER as SWEEPER_PRINCIPAL

ITEMS = ("SCJG-001", "SCJG-002", "ZJ-003", "ZRZY-001", "MZ-003", "WL-002")
SWEEP_DAY = date(2026, 10, 16)  # a Friday, after 国庆 and its make-up Saturday
APPLICANT = SealedApplicant(
    kind="person", display_name="张*丰", public_id=None, subject="ab" * 32, sealed="x.y.z"
)


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, clock_time(hour), HALL_TZ).astimezone(UTC)


def working_days_before(calendar: WorkingCalendar, day: date, count: int) -> list[date]:
    days: list[date] = []
    while len(days) < count:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            days.append(day)
    return days


def open_case(terms: ItemContent, accepted_on: date, calendar: WorkingCalendar) -> Case:
    """An accepted case, swept in memory up to the day before the sweep day."""
    clerk = Actor(id="clerk-bench", role="clerk", department=terms.department)
    case = Case.submit(
        case_id=uuid4(),
        at=at(accepted_on, 9),
        actor=clerk,
        case_no=f"{terms.department}-BENCH-{uuid4().hex[:10]}",
        item_code=terms.code,
        item_name=terms.name,
        item_revision=1,
        department=terms.department,
        channel="window",
        applicant=APPLICANT,
        materials=[{"code": "M1", "name": "申请书"}],
    )
    case.accept(at=at(accepted_on, 10), actor=clerk, revision=1, terms=terms, calendar=calendar)
    while fired := [d.fires_on for d in schedule(case, calendar) if d.fires_on < SWEEP_DAY]:
        day = min(fired)
        sweep(case, at=at(day, 20), actor=SWEEPER, calendar=calendar, item=lambda _: (1, terms))
    return case


def write_cases(
    settings: Settings, sweeper: DeadlineSweeper, count: int, spread: int, batch: int
) -> int:
    """Write ``count`` open cases and their schedule (in the sweeper's table, made ready
    first); how many rows are due on the day."""
    calendar = default_calendar()
    catalogue = {e["code"]: ItemContent.from_data(e) for e in read_catalogue()["items"]}
    days = working_days_before(calendar, SWEEP_DAY, spread)
    started = time.perf_counter()
    with open_pool(settings.api_database_url, max_size=2) as pool:
        app = build_application(settings, pool)
        try:
            with psycopg.connect(settings.sweeper_database_url) as conn:
                sweeper.prepare_views(conn)
                for start in range(0, count, batch):
                    cases = [
                        open_case(catalogue[ITEMS[n % len(ITEMS)]], days[n % spread], calendar)
                        for n in range(start, min(count, start + batch))
                    ]
                    app.save(*cases)
                    deadline_schedule.write(
                        conn, ((c.id, d) for c in cases for d in schedule(c, calendar))
                    )
                    conn.commit()
                    print(
                        f"\rwritten {start + len(cases):,} cases "
                        f"({time.perf_counter() - started:.0f} s)",
                        end="",
                        flush=True,
                    )
                print()
                row = conn.execute(
                    "SELECT count(*) FROM deadline_schedule WHERE fires_on <= %s", (SWEEP_DAY,)
                ).fetchone()
        finally:
            app.close()
    return int(row[0]) if row else 0


def main() -> None:
    """Run the benchmark, print the figures and write them (``bench.results``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--spread", type=int, default=25, help="working days of acceptances")
    parser.add_argument("--batch", type=int, default=1_000, help="cases per write")
    args = parser.parse_args()

    from infra.local import stack
    from tests.integration.harness import Platform

    platform = Platform(stack.up().bootstrap_servers, "bench_sweep")
    try:
        settings = platform.settings
        clock = SimulatedClock(at(SWEEP_DAY, 18))
        with open_pool(settings.sweeper_database_url, max_size=2) as pool:
            app = build_application(settings, pool, clock=clock)
            sweeper = DeadlineSweeper(
                database_url=settings.sweeper_database_url,
                kafka_options=settings.kafka_options(SWEEPER_PRINCIPAL),
                topic=settings.topic,
                application=app,
                group_id=settings.sweeper_group,
            )
            rows_due = write_cases(settings, sweeper, args.cases, args.spread, args.batch)
            with psycopg.connect(settings.sweeper_database_url) as conn:
                started = time.perf_counter()
                swept = sweeper.sweep(conn)
                seconds = time.perf_counter() - started
            app.close()
    finally:
        platform.close()
    events = sum(len(s.recorded) for s in swept)
    figures = {
        "cases": args.cases,
        "sweep_day": SWEEP_DAY.isoformat(),
        "rows_due": rows_due,
        "cases_swept": len(swept),
        "events_recorded": events,
        "seconds": round(seconds, 2),
        "events_per_s": round(events / seconds) if seconds else None,
    }
    print(
        f"cases {args.cases:,}; rows due {rows_due:,} on {len(swept):,} cases; "
        f"events recorded {events:,}; one sweep {seconds:.2f} s ({figures['events_per_s']:,}"
        " events/s)"
    )
    write_results(
        "sweep",
        {
            "results": figures,
        },
    )


if __name__ == "__main__":
    main()
