"""A department's performance (效能监察) from its supervision rows: pure functions of the
rows (``projections.supervision_cases``), the hall's calendar and the day they are read.

Definitions, all over the department's rows of all time unless a period is named:

- ``backlog``: open accepted cases; ``awaiting_acceptance``: open, not yet accepted;
  ``paused``: open cases whose clock is stopped; ``lights``: the backlog by light.
- ``ageing``: the backlog by working days since acceptance (days after the day of
  acceptance up to the day read, pauses not deducted: how long the case has sat), in
  buckets 0–5, 6–10, 11–20 and over 20 — one unit for every case, whatever its limit's.
- ``completed``: closed as 办结 (``completed``); ``on_time_rate``: the share of completed
  cases whose promised clock kept its limit (the Completed event's judgement).
- ``days_used``: per limit unit (``G`` working days, ``Z`` natural days, never mixed), the
  median and 90th percentile of the promised clock's days used by completed cases
  (interpolated as PostgreSQL's ``percentile_cont`` does, to one decimal).
- ``returns``, ``suspensions``, ``special_procedures``, ``extensions``,
  ``supplement_notices``: events counted over every case.
- ``poor_ratings``: poor (1–2) stage ratings; ``rectified``: those called back after
  rectification; ``rectification_open``: those not yet called back;
  ``rectification_overdue``: active overdue-rectification alerts.
- trends by ISO week (``2026-W05``) and by month (``2026-02``), the last ``count`` periods
  up to the day read: ``opened`` (submitted then), ``accepted``, ``closed`` (any closure),
  ``completed`` and the on-time rate of those completed (by closing day).
- ``officers``: per assignee, the same counts over the cases they hold, days used in
  working days only (cases under a ``G`` limit), ranked by on-time rate (none last), then
  completed cases, then name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from domain.calendar import WorkingCalendar
from domain.case.vocabulary import POOR_RATING

Row = dict[str, Any]
AGEING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-5", 0, 5),
    ("6-10", 6, 10),
    ("11-20", 11, 20),
    (">20", 21, None),
)
LIGHTS = ("green", "yellow", "red")
UNITS = ("G", "Z")
COUNTED = ("returns", "suspensions", "special_procedures", "extensions", "supplement_notices")
STAGES = ("acceptance", "closure")


def in_backlog(row: Row) -> bool:
    """An open accepted case."""
    return bool(row["open"]) and row["accepted_on"] is not None


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """``percentile_cont(fraction)``: linear between the two nearest ranks; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 1)


def on_time_rate(rows: Iterable[Row]) -> float | None:
    """The share of completed ``rows`` judged on time (None when none was judged)."""
    judged = [r["on_time"] for r in rows if r["status"] == "completed" and r["on_time"] is not None]
    return round(sum(judged) / len(judged), 4) if judged else None


def days_used(rows: Iterable[Row], unit: str) -> dict[str, Any]:
    """Median and p90 of the days used by completed cases under a ``unit`` limit."""
    used = [
        r["days_used"]
        for r in rows
        if r["status"] == "completed" and r["unit"] == unit and r["days_used"] is not None
    ]
    return {
        "unit": unit,
        "completed": len(used),
        "median": percentile(used, 0.5),
        "p90": percentile(used, 0.9),
    }


def ratings(rows: Iterable[Row]) -> dict[str, int]:
    """Poor stage ratings and how far their rectification got."""
    poor = rectified = overdue = 0
    for row in rows:
        for stage in STAGES:
            level = row[f"{stage}_rating"]
            if level is not None and level <= POOR_RATING:
                poor += 1
                rectified += row[f"{stage}_rectification"] == "called_back"
        overdue += sum(1 for a in row["alerts"] if a["kind"] == "rectification_overdue")
    return {
        "poor_ratings": poor,
        "rectified": rectified,
        "rectification_open": poor - rectified,
        "rectification_overdue": overdue,
    }


def counts(rows: Sequence[Row]) -> dict[str, Any]:
    """The counts every table shares: backlog, lights, closures, on-time rate, events,
    ratings."""
    backlog = [r for r in rows if in_backlog(r)]
    return {
        "backlog": len(backlog),
        **{light: sum(1 for r in backlog if r["light"] == light) for light in LIGHTS},
        "closed": sum(1 for r in rows if not r["open"]),
        "completed": sum(1 for r in rows if r["status"] == "completed"),
        "on_time_rate": on_time_rate(rows),
        **{name: sum(r[name] for r in rows) for name in COUNTED},
        **ratings(rows),
    }


def summary(rows: Sequence[Row]) -> dict[str, Any]:
    """The department's figures (see the module)."""
    return {
        **counts(rows),
        "awaiting_acceptance": sum(1 for r in rows if r["open"] and r["accepted_on"] is None),
        "paused": sum(1 for r in rows if r["open"] and r["paused"]),
        "deemed_satisfied": sum(1 for r in rows if r["deemed_satisfied"]),
    }


def ageing(rows: Iterable[Row], calendar: WorkingCalendar, today: date) -> list[dict[str, Any]]:
    """The backlog by working days since acceptance, in ``AGEING_BUCKETS``."""
    ages: dict[str, int] = {}
    found = [0] * len(AGEING_BUCKETS)
    for row in rows:
        if not in_backlog(row):
            continue
        accepted = row["accepted_on"]
        if accepted not in ages:
            ages[accepted] = calendar.working_days_between(date.fromisoformat(accepted), today)
        found[_bucket(ages[accepted])] += 1
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


def month(day: date) -> str:
    """``2026-02``."""
    return f"{day.year}-{day.month:02d}"


def last_weeks(today: date, count: int) -> list[str]:
    """The ``count`` ISO weeks up to ``today``'s, oldest first."""
    return [iso_week(today - timedelta(weeks=n)) for n in range(count - 1, -1, -1)]


def last_months(today: date, count: int) -> list[str]:
    """The ``count`` months up to ``today``'s, oldest first."""
    index = today.year * 12 + today.month - 1
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def trend(
    rows: Sequence[Row], periods: Sequence[str], period_of: Callable[[date], str]
) -> list[dict[str, Any]]:
    """Per period (``period_of`` a day), oldest first: opened, accepted, closed, completed
    and the on-time rate of those completed."""
    counted: dict[str, Counter[str]] = {"opened": Counter(), "accepted": Counter()}
    closed: dict[str | None, list[Row]] = {}
    for row in rows:
        for name, key in (("submitted_on", "opened"), ("accepted_on", "accepted")):
            counted[key][_period(row[name], period_of) or ""] += 1
        closed.setdefault(_period(row["closed_on"], period_of), []).append(row)
    return [
        {
            "period": period,
            "opened": counted["opened"][period],
            "accepted": counted["accepted"][period],
            "closed": len(closed.get(period, [])),
            "completed": sum(1 for r in closed.get(period, []) if r["status"] == "completed"),
            "on_time_rate": on_time_rate(closed.get(period, [])),
        }
        for period in periods
    ]


def _period(day: str | None, period_of: Callable[[date], str]) -> str | None:
    return period_of(date.fromisoformat(day)) if day else None


def officers(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Per assignee, ranked (see the module)."""
    held: dict[str, list[Row]] = {}
    for row in rows:
        if row["assignee"] is not None:
            held.setdefault(row["assignee"], []).append(row)
    table = []
    for officer, theirs in held.items():
        working = days_used(theirs, "G")
        table.append(
            {
                "officer": officer,
                **counts(theirs),
                "median_days_used": working["median"],
                "p90_days_used": working["p90"],
            }
        )
    table.sort(
        key=lambda t: (
            t["on_time_rate"] is None,
            -(t["on_time_rate"] or 0),
            -t["completed"],
            t["officer"],
        )
    )
    return [{"rank": n, **t} for n, t in enumerate(table, start=1)]


def department_kpis(
    rows: Sequence[Row],
    calendar: WorkingCalendar,
    today: date,
    *,
    weeks: int = 13,
    months: int = 12,
) -> dict[str, Any]:
    """Every table of a department's page, as read on ``today``."""
    return {
        "as_of": today.isoformat(),
        "summary": summary(rows),
        "days_used": [days_used(rows, unit) for unit in UNITS],
        "ageing": ageing(rows, calendar, today),
        "weekly": trend(rows, last_weeks(today, weeks), iso_week),
        "monthly": trend(rows, last_months(today, months), month),
        "officers": officers(rows),
    }
