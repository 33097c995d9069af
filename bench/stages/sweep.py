"""One sweep of the deadline sweeper over 30 000 open cases (scaled), on the real
PostgreSQL.

Setup (not timed): accepted cases of six items of the demo catalogue (promised limits
of 5 to 20 working days), accepted on the 25 working days before the sweep day, are
written straight to the event store in batches (as the application saves them:
encrypted, chained). Each is first swept in memory as of the day before, so that it
carries what a running sweeper would already have recorded; its schedule rows are then
written as the sweeper's consumer writes them.

Timed: ``DeadlineSweeper.sweep`` as of the sweep day (a simulated clock): the due rows
selected, each due case loaded from the event store, its events recorded as the sweeper
(several cases per transaction), its rows rewritten: the seconds, and events recorded
per second.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from uuid import uuid4

import psycopg

from bench.context import Context
from bench.report import Figure
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
STAGE = "sweep"
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
) -> None:
    """Write ``count`` open cases and their schedule (in the sweeper's table, made ready
    first)."""
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
        finally:
            app.close()


def run(context: Context, spread: int = 25, batch: int = 1_000) -> None:
    """Write the open cases, sweep them once, and add the figures."""
    cases = context.sized(30_000, least=50)
    with context.platform("sweep") as platform:
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
            write_cases(settings, sweeper, cases, spread, batch)
            with psycopg.connect(settings.sweeper_database_url) as conn:
                started = time.perf_counter()
                swept = sweeper.sweep(conn)
                seconds = time.perf_counter() - started
            app.close()
    events = sum(len(s.recorded) for s in swept)
    context.report.add(Figure(STAGE, f"one sweep over {cases:,} open cases", seconds, "s"))
    context.report.add(
        Figure(
            STAGE, f"events recorded ({events:,} on {len(swept):,} cases)", events / seconds, "ev/s"
        )
    )
