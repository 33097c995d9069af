"""The shaping of a department's KPIs from its aggregated figures: ageing buckets by the
hall's calendar, trend windows with their empty periods, the officers' ranking.
(The aggregation itself, against a hand-computed example: tests/integration/
test_supervision_kpis.py.)"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.calendar import default_calendar
from projections.supervision_kpis import (
    SHARED,
    ageing,
    last_months,
    last_weeks,
    officers,
    trend,
)


def test_ageing_counts_working_days_since_acceptance() -> None:
    """Read Thu 2026-10-08: accepted Mon 09-28 → 3 (09-29, 09-30, then 国庆 10-01..10-07
    off, 10-08); accepted Fri 09-11 → 14 (09-14..18, the make-up Sun 09-20, 09-21..24,
    中秋 09-25 off, 09-28..30, 10-08); accepted 01-05 → far over 20."""
    today = date(2026, 10, 8)
    calendar = default_calendar()
    backlog = {date(2026, 9, 28): 2, date(2026, 9, 11): 1, date(2026, 1, 5): 4}
    buckets = {b["bucket"]: b["cases"] for b in ageing(backlog, calendar, today)}
    assert calendar.working_days_between(date(2026, 9, 28), today) == 3
    assert calendar.working_days_between(date(2026, 9, 11), today) == 14
    assert buckets == {"0-5": 2, "6-10": 0, "11-20": 1, ">20": 4}


def test_trend_windows_run_up_to_today_with_empty_periods() -> None:
    assert last_weeks(date(2026, 1, 1), 2) == [
        ("2025-W52", date(2025, 12, 22)),
        ("2026-W01", date(2025, 12, 29)),  # ISO: the week of Thu 01-01 is 2026's first
    ]
    assert last_months(date(2026, 2, 15), 3) == [
        ("2025-12", date(2025, 12, 1)),
        ("2026-01", date(2026, 1, 1)),
        ("2026-02", date(2026, 2, 1)),
    ]
    found = {
        "2026-01": {"opened": 3, "accepted": 2, "closed": 2, "completed": 2, "judged": 2, "kept": 1}
    }
    rows = trend(found, last_months(date(2026, 2, 15), 2))
    assert rows == [
        {
            "period": "2026-01",
            "opened": 3,
            "accepted": 2,
            "closed": 2,
            "completed": 2,
            "on_time_rate": 0.5,
        },
        {
            "period": "2026-02",
            "opened": 0,
            "accepted": 0,
            "closed": 0,
            "completed": 0,
            "on_time_rate": None,
        },
    ]


def group(
    assignee: str | None, kept: int, judged: int, completed: int, whole: bool = False
) -> dict[str, Any]:
    return dict.fromkeys(SHARED, 0) | {
        "assignee": assignee,
        "whole": whole,
        "kept": kept,
        "judged": judged,
        "completed": completed,
        "g_median": None,
        "g_p90": None,
    }


def test_officers_rank_by_on_time_rate_then_completed_then_name() -> None:
    groups = [
        group(None, 9, 12, 12, whole=True),
        group(None, 0, 0, 0),  # the unassigned cases: no officer
        group("zhao", 0, 0, 0),
        group("qian", 3, 4, 4),
        group("sun", 6, 8, 8),
        group("li", 3, 4, 4),
    ]
    ranked = [(o["rank"], o["officer"], o["on_time_rate"]) for o in officers(groups)]
    assert ranked == [(1, "sun", 0.75), (2, "li", 0.75), (3, "qian", 0.75), (4, "zhao", None)]
