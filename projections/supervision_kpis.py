"""A department's performance (效能监察): the page's tables, shaped from the figures
PostgreSQL aggregates over its supervision rows (``supervision_kpis_store.figures``), the
hall's calendar and the day they are read. Pure.

Definitions, over the department's cases of all time unless a period is named:

- ``backlog``: open accepted cases; ``awaiting_acceptance``: open, not yet accepted;
  ``paused``: open cases whose clock is stopped; ``green``/``yellow``/``red``: the backlog
  by light.
- ``ageing``: the backlog by working days since acceptance (days after the day of
  acceptance up to the day read, pauses not deducted: how long the case has sat), in
  buckets 0–5, 6–10, 11–20 and over 20 — one unit for every case, whatever its limit's.
- ``closed``: any closure; ``completed``: closed as 办结; ``on_time_rate``: the share of
  completed cases whose promised clock kept its limit (the Completed event's judgement).
- ``days_used``: per limit unit (``G`` working days, ``Z`` natural days, never mixed), the
  median and 90th percentile (``percentile_cont``, one decimal) of the promised clock's
  days used by completed cases.
- ``returns``, ``suspensions``, ``special_procedures``, ``extensions``,
  ``supplement_notices``: events counted over every case.
- ``poor_ratings``: poor (1–2) stage ratings; ``rectified``: those called back after
  rectification; ``rectification_open``: the others; ``rectification_overdue``: active
  overdue-rectification alerts.
- trends by ISO week (``2026-W05``) and by month (``2026-02``), the last ``weeks`` and
  ``months`` periods up to the day read, oldest first, empty ones included: ``opened``
  (submitted then), ``accepted``, ``closed``, ``completed`` and the on-time rate of those
  completed (by closing day).
- ``officers``: per assignee, the same counts over the cases they hold, days used in
  working days only (cases under a ``G`` limit), ranked by on-time rate (none last), then
  completed cases, then name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from domain.calendar import WorkingCalendar
from projections.supervision_kpis_store import Figures

AGEING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-5", 0, 5),
    ("6-10", 6, 10),
    ("11-20", 11, 20),
    (">20", 21, None),
)
UNITS = ("G", "Z")
SHARED = (
    "backlog",
    "green",
    "yellow",
    "red",
    "closed",
    "completed",
    "returns",
    "suspensions",
    "special_procedures",
    "extensions",
    "supplement_notices",
    "poor_ratings",
    "rectified",
    "rectification_overdue",
)
EMPTY_PERIOD = {"opened": 0, "accepted": 0, "closed": 0, "completed": 0, "judged": 0, "kept": 0}


def rate(kept: int, judged: int) -> float | None:
    """The share kept of those judged, to four decimals (None when none was judged)."""
    return round(kept / judged, 4) if judged else None


def counts(group: Mapping[str, Any]) -> dict[str, Any]:
    """The figures every table shares, from one group's aggregates."""
    return {
        **{name: group[name] for name in SHARED[:6]},
        "on_time_rate": rate(group["kept"], group["judged"]),
        **{name: group[name] for name in SHARED[6:]},
        "rectification_open": group["poor_ratings"] - group["rectified"],
    }


def summary(whole: Mapping[str, Any]) -> dict[str, Any]:
    """The department's figures."""
    return {
        **counts(whole),
        "awaiting_acceptance": whole["awaiting_acceptance"],
        "paused": whole["paused"],
        "deemed_satisfied": whole["deemed_satisfied"],
    }


def days_used(whole: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Median and p90 of days used by completed cases, per unit."""
    prefix = {"G": "g", "Z": "z"}
    return [
        {
            "unit": unit,
            "completed": whole[f"{prefix[unit]}_completed"],
            "median": whole[f"{prefix[unit]}_median"],
            "p90": whole[f"{prefix[unit]}_p90"],
        }
        for unit in UNITS
    ]


def ageing(
    backlog: Mapping[date, int], calendar: WorkingCalendar, today: date
) -> list[dict[str, Any]]:
    """The backlog (cases by day of acceptance) by working days since acceptance."""
    found = [0] * len(AGEING_BUCKETS)
    for accepted_on, cases in backlog.items():
        found[_bucket(calendar.working_days_between(accepted_on, today))] += cases
    return [
        {"bucket": name, "from_days": low, "to_days": high, "cases": n}
        for (name, low, high), n in zip(AGEING_BUCKETS, found, strict=True)
    ]


def _bucket(age: int) -> int:
    return next(
        i
        for i, (_, low, high) in enumerate(AGEING_BUCKETS)
        if age >= low and (high is None or age <= high)
    )


def iso_week(day: date) -> str:
    """``2026-W05``: the ISO week of ``day``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def last_weeks(today: date, count: int) -> list[tuple[str, date]]:
    """The ``count`` ISO weeks up to ``today``'s, oldest first, each with its Monday."""
    monday = today - timedelta(days=today.weekday())
    starts = [monday - timedelta(weeks=n) for n in range(count - 1, -1, -1)]
    return [(iso_week(start), start) for start in starts]


def last_months(today: date, count: int) -> list[tuple[str, date]]:
    """The ``count`` months up to ``today``'s (``2026-02``), oldest first, each with its
    first day."""
    index = today.year * 12 + today.month - 1
    firsts = [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]
    return [(f"{first.year}-{first.month:02d}", first) for first in firsts]


def trend(
    found: Mapping[str, Mapping[str, int]], periods: Sequence[tuple[str, date]]
) -> list[dict[str, Any]]:
    """The rows of ``periods``, oldest first, empty ones included."""
    table = []
    for period, _ in periods:
        counted = found.get(period, EMPTY_PERIOD)
        table.append(
            {
                "period": period,
                **{k: counted[k] for k in ("opened", "accepted", "closed", "completed")},
                "on_time_rate": rate(counted["kept"], counted["judged"]),
            }
        )
    return table


def officers(groups: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per assignee, ranked (see the module)."""
    table = [
        {
            "officer": group["assignee"],
            **counts(group),
            "median_days_used": group["g_median"],
            "p90_days_used": group["g_p90"],
        }
        for group in groups
        if not group["whole"] and group["assignee"] is not None
    ]
    table.sort(
        key=lambda t: (
            t["on_time_rate"] is None,
            -(t["on_time_rate"] or 0),
            -t["completed"],
            t["officer"],
        )
    )
    return [{"rank": n, **t} for n, t in enumerate(table, start=1)]


Periods = list[tuple[str, date]]


def windows(today: date, weeks: int, months: int) -> tuple[Periods, Periods]:
    """The trends' last ``weeks`` weeks and ``months`` months up to ``today``."""
    return last_weeks(today, weeks), last_months(today, months)


def department_kpis(
    figures: Figures,
    calendar: WorkingCalendar,
    today: date,
    *,
    weeks: Sequence[tuple[str, date]],
    months: Sequence[tuple[str, date]],
) -> dict[str, Any]:
    """Every table of a department's page, as read on ``today``."""
    whole = next(g for g in figures.groups if g["whole"])
    return {
        "as_of": today.isoformat(),
        "summary": summary(whole),
        "days_used": days_used(whole),
        "ageing": ageing(figures.backlog, calendar, today),
        "weekly": trend(figures.weekly, weeks),
        "monthly": trend(figures.monthly, months),
        "officers": officers(figures.groups),
    }
