"""A department's KPI figures, aggregated by PostgreSQL over its supervision rows (what
they count: ``projections.supervision_kpis``, which shapes them into the page's tables)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import dict_row

from domain.case.supervision import RECTIFICATION
from domain.case.vocabulary import POOR_RATING

COMPLETED = "completed"
# Per officer (``assignee``) and for the whole department (``whole``).
GROUPS = """
SELECT assignee, GROUPING(assignee) = 1 AS whole,
  count(*) FILTER (WHERE open AND accepted_on IS NOT NULL) AS backlog,
  count(*) FILTER (WHERE open AND accepted_on IS NOT NULL AND light = 'green') AS green,
  count(*) FILTER (WHERE open AND accepted_on IS NOT NULL AND light = 'yellow') AS yellow,
  count(*) FILTER (WHERE open AND accepted_on IS NOT NULL AND light = 'red') AS red,
  count(*) FILTER (WHERE NOT open) AS closed,
  count(*) FILTER (WHERE status = %(completed)s) AS completed,
  count(*) FILTER (WHERE status = %(completed)s AND on_time IS NOT NULL) AS judged,
  count(*) FILTER (WHERE status = %(completed)s AND on_time) AS kept,
  coalesce(sum(returns), 0) AS returns,
  coalesce(sum(suspensions), 0) AS suspensions,
  coalesce(sum(special_procedures), 0) AS special_procedures,
  coalesce(sum(extensions), 0) AS extensions,
  coalesce(sum(supplement_notices), 0) AS supplement_notices,
  count(*) FILTER (WHERE acceptance_rating <= %(poor)s)
    + count(*) FILTER (WHERE closure_rating <= %(poor)s) AS poor_ratings,
  count(*) FILTER (WHERE acceptance_rating <= %(poor)s
                   AND acceptance_rectification = 'called_back')
    + count(*) FILTER (WHERE closure_rating <= %(poor)s
                       AND closure_rectification = 'called_back') AS rectified,
  coalesce(sum(jsonb_array_length(jsonb_path_query_array(
    alerts, '$[*] ? (@.kind == $kind)', jsonb_build_object('kind', %(overdue)s::text)))), 0)
    AS rectification_overdue,
  count(*) FILTER (WHERE open AND accepted_on IS NULL) AS awaiting_acceptance,
  count(*) FILTER (WHERE open AND paused) AS paused,
  count(*) FILTER (WHERE cardinality(deemed_satisfied) > 0) AS deemed_satisfied,
  count(days_used) FILTER (WHERE status = %(completed)s AND unit = 'G') AS g_completed,
  round((percentile_cont(0.5) WITHIN GROUP (ORDER BY days_used)
         FILTER (WHERE status = %(completed)s AND unit = 'G'))::numeric, 1) AS g_median,
  round((percentile_cont(0.9) WITHIN GROUP (ORDER BY days_used)
         FILTER (WHERE status = %(completed)s AND unit = 'G'))::numeric, 1) AS g_p90,
  count(days_used) FILTER (WHERE status = %(completed)s AND unit = 'Z') AS z_completed,
  round((percentile_cont(0.5) WITHIN GROUP (ORDER BY days_used)
         FILTER (WHERE status = %(completed)s AND unit = 'Z'))::numeric, 1) AS z_median,
  round((percentile_cont(0.9) WITHIN GROUP (ORDER BY days_used)
         FILTER (WHERE status = %(completed)s AND unit = 'Z'))::numeric, 1) AS z_p90
FROM supervision_cases WHERE department = %(department)s
GROUP BY GROUPING SETS ((), (assignee))
"""
# The backlog by day of acceptance (its age is the calendar's business).
BACKLOG = """
SELECT accepted_on, count(*) AS cases FROM supervision_cases
WHERE department = %(department)s AND open AND accepted_on IS NOT NULL
GROUP BY accepted_on
"""
# Per period (``to_char`` of each day by %(format)s) from %(since)s: opened (submitted),
# accepted, closed, completed, and those completed judged and on time.
PERIODS = """
SELECT period, sum(opened) AS opened, sum(accepted) AS accepted, sum(closed) AS closed,
       sum(completed) AS completed, sum(judged) AS judged, sum(kept) AS kept
FROM (
  SELECT to_char(submitted_on, %(format)s) AS period, 1 AS opened, 0 AS accepted,
         0 AS closed, 0 AS completed, 0 AS judged, 0 AS kept
  FROM supervision_cases WHERE department = %(department)s AND submitted_on >= %(since)s
  UNION ALL
  SELECT to_char(accepted_on, %(format)s), 0, 1, 0, 0, 0, 0
  FROM supervision_cases WHERE department = %(department)s AND accepted_on >= %(since)s
  UNION ALL
  SELECT to_char(closed_on, %(format)s), 0, 0, 1, (status = %(completed)s)::int,
         (status = %(completed)s AND on_time IS NOT NULL)::int,
         (status = %(completed)s AND coalesce(on_time, false))::int
  FROM supervision_cases WHERE department = %(department)s AND closed_on >= %(since)s
) AS happenings
GROUP BY period
"""
WEEK_FORMAT = 'IYYY-"W"IW'  # 2026-W05, as ``date.isocalendar`` numbers weeks
MONTH_FORMAT = "YYYY-MM"
FRACTIONS = frozenset({"g_median", "g_p90", "z_median", "z_p90"})


@dataclass(frozen=True)
class Figures:
    """A department's aggregates: ``groups`` per officer and one ``whole`` row, the
    backlog by day of acceptance, and the counts per week and per month (only periods
    with something in them)."""

    groups: list[dict[str, Any]]
    backlog: dict[date, int]
    weekly: dict[str, dict[str, int]]
    monthly: dict[str, dict[str, int]]


def figures(
    conn: psycopg.Connection, department: str, *, weeks_since: date, months_since: date
) -> Figures:
    """The figures of ``department``; the periods from the days given."""
    params = {
        "department": department,
        "completed": COMPLETED,
        "poor": POOR_RATING,
        "overdue": RECTIFICATION,
    }
    with conn.cursor(row_factory=dict_row) as cursor:
        groups = [_plain(r) for r in cursor.execute(GROUPS, params).fetchall()]
        backlog = {r["accepted_on"]: r["cases"] for r in cursor.execute(BACKLOG, params)}
        periods = [
            {
                r.pop("period"): _plain(r)
                for r in cursor.execute(PERIODS, {**params, "format": form, "since": since})
            }
            for form, since in ((WEEK_FORMAT, weeks_since), (MONTH_FORMAT, months_since))
        ]
    return Figures(groups, backlog, *periods)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """Numerics as int, the rounded percentiles as float (PostgreSQL gives numeric)."""
    return {
        k: (float(v) if k in FRACTIONS else int(v)) if isinstance(v, Decimal) else v
        for k, v in row.items()
    }
