"""The supervision read side at scale: a department's KPI page and the board over
100 000 supervision rows (scaled) in PostgreSQL (a private platform's database).

Rows: the supervision view of a real case history (accepted, assigned, one step
completed; or completed), folded by ``projections.supervision_cases.apply`` and copied
with distinct ids, numbers, dates over the year before the day read, lights and
officers, all in one department (the whole load on one page, the worst case). Then, each
timed apart (best of three):

- **department KPIs**: what ``GET /api/v1/supervision/departments/{code}`` does: the
  figures aggregated by PostgreSQL (``supervision_kpis_store.figures``) and shaped into
  the page's tables (``supervision_kpis.department_kpis``);
- **board page**: one page of 100 red cases (``supervision_cases_store.search``);
- **staff search**: a case number searched among every row.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid5

import psycopg

from bench.context import Context
from bench.report import Figure
from domain.calendar import default_calendar
from domain.case.commands import Accept, Assign, CompleteStep
from domain.upcasting import current_event
from projections import supervision_cases_store, supervision_kpis, supervision_kpis_store
from projections.supervision_cases import apply
from projections.supervision_cases_store import Filters
from tests.unit.conftest import CLERK, OFFICER, cloudevents, make_app
from tests.unit.test_case_facts import submit

STAGE = "supervision"
NAMESPACE = UUID("0d6f5a1e-7c2b-4e0a-9a51-3c9e8b7d2f14")
TODAY = date(2026, 12, 2)
T = TypeVar("T")


def template() -> dict[str, Any]:
    """The supervision row of an accepted SCJG-001 case, its first step done."""
    app = make_app()
    case_id = submit(app)
    app.handle(Accept(), case_id, CLERK)
    app.handle(Assign(assignee="officer-1"), case_id, OFFICER)
    app.handle(CompleteStep(step="审查", opinion="agree"), case_id, OFFICER)
    view = None
    for event in cloudevents(app, case_id):
        view = apply(view, current_event(event))
    assert view is not None
    return view


def rows(count: int, departments: int) -> list[dict[str, Any]]:
    """``count`` rows like the template: 30 % open (lights 70/20/10 % green, yellow, red),
    the rest completed (80 % on time), over the year before ``TODAY``."""
    base, rng = template(), random.Random(11)
    made = []
    for n in range(count):
        submitted = TODAY - timedelta(days=rng.randint(0, 365))
        closed = min(submitted + timedelta(days=rng.randint(1, 20)), TODAY)
        department = f"D{n % departments:02d}"
        row = base | {
            "case_id": str(uuid5(NAMESPACE, str(n))),
            "case_no": f"{department}-{submitted:%Y%m%d}-{n:06d}",
            "department": department,
            "assignee": f"officer-{n % 40:02d}",
            "submitted_on": submitted.isoformat(),
            "accepted_on": submitted.isoformat(),
            "updated_on": submitted.isoformat(),
        }
        if rng.random() < 0.3:
            row["light"] = rng.choices(("green", "yellow", "red"), (7, 2, 1))[0]
        else:
            row |= {
                "status": "completed",
                "open": False,
                "light": None,
                "closed_on": closed.isoformat(),
                "days_used": rng.randint(0, 8),
                "on_time": rng.random() < 0.8,
            }
        made.append(row)
    return made


def best(runs: int, work: Callable[[], T]) -> tuple[float, T]:
    """The fastest of ``runs`` runs of ``work``, and its result."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        timings.append(time.perf_counter() - start)
    return round(min(timings), 3), result


def measure(url: str, made: list[dict[str, Any]], runs: int) -> dict[str, float]:
    with psycopg.connect(url) as conn:
        start = time.perf_counter()
        supervision_cases_store.save_many(conn, made)
        conn.commit()
        conn.execute("ANALYZE supervision_cases")
        stored = time.perf_counter() - start
        department = made[0]["department"]
        calendar = default_calendar()
        weeks, months = supervision_kpis.windows(TODAY, 13, 12)

        def page() -> dict[str, Any]:
            figures = supervision_kpis_store.figures(
                conn, department, weeks_since=weeks[0][1], months_since=months[0][1]
            )
            return supervision_kpis.department_kpis(
                figures, calendar, TODAY, weeks=weeks, months=months
            )

        computed, _ = best(runs, page)
        board, _ = best(
            runs,
            lambda: supervision_cases_store.search(
                conn, Filters(department=department, light="red"), page=1, page_size=100
            ),
        )
        wanted = Filters(q=made[len(made) // 2]["case_no"])
        searched, _ = best(
            runs, lambda: supervision_cases_store.search(conn, wanted, page=1, page_size=20)
        )
    return {
        "rows stored (one executemany)": stored,
        "department KPIs (aggregated and shaped)": computed,
        "board page (100 red cases)": board,
        "staff search by case number": searched,
    }


def run(context: Context, runs: int = 3) -> None:
    """Store the rows on a private platform's database, time each read, add the figures."""
    cases = context.sized(100_000, least=100)
    made = rows(cases, departments=1)
    with context.platform("supervision") as platform:
        results = measure(platform.settings.database_url, made, runs)
    stored = results.pop("rows stored (one executemany)")
    context.report.add(
        Figure(STAGE, f"rows stored (one executemany), {cases:,}", cases / stored, "rows/s")
    )
    for name, seconds in results.items():
        context.report.add(Figure(STAGE, f"{name}, {cases:,} rows", seconds * 1000, "ms"))
