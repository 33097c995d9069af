"""A department's KPIs against an example worked out by hand: the rows stored in
PostgreSQL, aggregated there (``supervision_kpis_store``) and shaped into the page's
tables (``supervision_kpis``).

Read on Fri 2026-03-20 (ISO week 2026-W12; March 2026 has no public holiday), ten cases of
one department, each row holding only what the KPIs read:

====  ========  =========  ==========  =========  ========  ======  =====  ====  =======
case  status    submitted  accepted    closed     assignee  light   unit   used  on time
====  ========  =========  ==========  =========  ========  ======  =====  ====  =======
A     open      03-18      03-18       –          li        green   G      –     –
B     open      03-05      03-06       –          li        yellow  G      –     –
C     open      03-02      03-02       –          wang      red     G      –     –
D     open      01-04      01-05       –          –         red     G      –     –
E     open      03-19      –           –          –         –       –      –     –
F     completed 03-10      03-10       03-17      li        –       G      4     yes
G     completed 03-03      03-03       03-19      wang      –       G      9     no
H     completed 03-09      03-09       03-12      li        –       Z      6     yes
I     withdrawn 03-11      –           03-13      –         –       –      –     –
J     completed 02-25      02-25       02-27      wang      –       G      2     yes
====  ========  =========  ==========  =========  ========  ======  =====  ====  =======

Besides: B is paused and was suspended once; C was returned twice; F was extended once and
its acceptance rated 1, rectified and called back; G's closure was rated 2, rectification
ordered and overdue (an active ``rectification_overdue`` alert); J was deemed satisfied.
A case of another department (ZJ) counts nowhere.

- backlog A B C D = 4: green 1 (A), yellow 1 (B), red 2 (C, D); awaiting acceptance 1
  (E); paused 1 (B). Closed F G H I J = 5, completed F G H J = 4, on time 3 of 4 = 0.75.
- ageing, working days after acceptance up to 03-20: A 2 (Thu, Fri) → 0–5; B 10 (two
  full weeks) → 6–10; C 14 (Tue–Fri, then two weeks) → 11–20; D → over 20.
- days used (``percentile_cont``): G limits F 4, G 9, J 2 → sorted 2 4 9: median 4.0;
  p90 at rank 0.9 × 2 = 1.8 → 4 + 0.8 × (9 − 4) = 8.0. Z: H 6 → 6.0 and 6.0.
- ratings: poor 2 (F, G), rectified 1 (F), open 1 (G), overdue 1 (G).
- weeks W10 (03-02..08), W11 (03-09..15), W12 (03-16..22): opened B C G | F H I | A E =
  3 3 2; accepted B C G | F H | A = 3 2 1; closed – | H I | F G = 0 2 2; completed 0 1 2;
  on time – | 1.0 | 0.5.
- months 2026-02: J opened, accepted, closed, completed, on time 1.0. 2026-03: opened A B C
  E F G H I = 8, accepted A B C F G H = 6, closed F G H I = 4, completed 3, on time 2/3.
- officers: li holds A B F H: backlog 2 (green 1, yellow 1), closed 2, completed 2, on time
  1.0, G days F 4 → median and p90 4.0, 1 suspension, 1 extension, 1 poor rating
  rectified. wang holds C G J: backlog 1 (red), closed 2, completed 2, on time 0.5, G days
  2 9 → median 5.5, p90 2 + 0.9 × 7 = 8.3, 2 returns, 1 poor rating open and overdue.
  li ranks first (on time 1.0 over 0.5).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from domain.calendar import default_calendar
from projections import supervision_cases_store, supervision_kpis, supervision_kpis_store
from tests.integration.harness import Platform

TODAY = date(2026, 3, 20)
OVERDUE = {"kind": "rectification_overdue", "deadline": "2026-03-18"}


def case(
    status: str,
    submitted: str,
    accepted: str | None = None,
    closed: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A supervision row of SCJG; dates in 2026, written MM-DD."""
    case_id = str(uuid4())
    row: dict[str, Any] = {column: None for column in supervision_cases_store.COLUMNS} | {
        "case_id": case_id,
        "case_no": f"SCJG-{case_id[:8]}",
        "item_code": "SCJG-001",
        "item_name": "食品经营许可",
        "department": "SCJG",
        "channel": "window",
        "status": status,
        "open": status == "open",
        "submitted_on": f"2026-{submitted}",
        "accepted_on": f"2026-{accepted}" if accepted else None,
        "closed_on": f"2026-{closed}" if closed else None,
        "unit": "G",
        "deadline_provisional": False,
        "extension_days": 0,
        "paused": False,
        "statutory_paused": False,
        "alerts": [],
        "returns": 0,
        "suspensions": 0,
        "special_procedures": 0,
        "extensions": 0,
        "supplement_notices": 0,
        "steps": [],
        "opinions_owed": [],
        "poor_ratings": 0,
        "deemed_satisfied": [],
        "version": 1,
        "position": 1,
        "updated_on": f"2026-{submitted}",
    }
    if status == "open":
        row["status"] = "in_review" if accepted else "submitted"
    return row | fields


ROWS = [
    case("open", "03-18", "03-18", assignee="li", light="green"),
    case("open", "03-05", "03-06", assignee="li", light="yellow", paused=True, suspensions=1),
    case("open", "03-02", "03-02", assignee="wang", light="red", returns=2),
    case("open", "01-04", "01-05", light="red"),
    case("open", "03-19"),
    case(
        "completed",
        "03-10",
        "03-10",
        "03-17",
        assignee="li",
        days_used=4,
        on_time=True,
        extensions=1,
        acceptance_rating=1,
        acceptance_rectification="called_back",
    ),
    case(
        "completed",
        "03-03",
        "03-03",
        "03-19",
        assignee="wang",
        days_used=9,
        on_time=False,
        closure_rating=2,
        closure_rectification="ordered",
        alerts=[OVERDUE],
    ),
    case(
        "completed", "03-09", "03-09", "03-12", assignee="li", unit="Z", days_used=6, on_time=True
    ),
    case("withdrawn", "03-11", None, "03-13", unit=None),
    case(
        "completed",
        "02-25",
        "02-25",
        "02-27",
        assignee="wang",
        days_used=2,
        on_time=True,
        deemed_satisfied=["closure"],
    ),
]


@pytest.fixture(scope="module")
def kpis(platform: Platform) -> Iterator[dict[str, Any]]:
    with psycopg.connect(platform.settings.database_url) as conn:
        for row in ROWS:
            supervision_cases_store.save(conn, row)
        supervision_cases_store.save(conn, case("open", "03-19") | {"department": "ZJ"})
        weeks, months = supervision_kpis.windows(TODAY, 3, 2)
        figures = supervision_kpis_store.figures(
            conn, "SCJG", weeks_since=weeks[0][1], months_since=months[0][1]
        )
    yield supervision_kpis.department_kpis(
        figures, default_calendar(), TODAY, weeks=weeks, months=months
    )


def test_summary(kpis: dict[str, Any]) -> None:
    assert kpis["as_of"] == "2026-03-20"
    assert kpis["summary"] == {
        "backlog": 4,
        "green": 1,
        "yellow": 1,
        "red": 2,
        "closed": 5,
        "completed": 4,
        "on_time_rate": 0.75,
        "returns": 2,
        "suspensions": 1,
        "special_procedures": 0,
        "extensions": 1,
        "supplement_notices": 0,
        "poor_ratings": 2,
        "rectified": 1,
        "rectification_open": 1,
        "rectification_overdue": 1,
        "awaiting_acceptance": 1,
        "paused": 1,
        "deemed_satisfied": 1,
    }


def test_days_used_per_unit_and_ageing(kpis: dict[str, Any]) -> None:
    assert kpis["days_used"] == [
        {"unit": "G", "completed": 3, "median": 4.0, "p90": 8.0},
        {"unit": "Z", "completed": 1, "median": 6.0, "p90": 6.0},
    ]
    assert [(b["bucket"], b["cases"]) for b in kpis["ageing"]] == [
        ("0-5", 1),
        ("6-10", 1),
        ("11-20", 1),
        (">20", 1),
    ]


def test_trends_by_week_and_month(kpis: dict[str, Any]) -> None:
    assert kpis["weekly"] == [
        {
            "period": "2026-W10",
            "opened": 3,
            "accepted": 3,
            "closed": 0,
            "completed": 0,
            "on_time_rate": None,
        },
        {
            "period": "2026-W11",
            "opened": 3,
            "accepted": 2,
            "closed": 2,
            "completed": 1,
            "on_time_rate": 1.0,
        },
        {
            "period": "2026-W12",
            "opened": 2,
            "accepted": 1,
            "closed": 2,
            "completed": 2,
            "on_time_rate": 0.5,
        },
    ]
    assert kpis["monthly"] == [
        {
            "period": "2026-02",
            "opened": 1,
            "accepted": 1,
            "closed": 1,
            "completed": 1,
            "on_time_rate": 1.0,
        },
        {
            "period": "2026-03",
            "opened": 8,
            "accepted": 6,
            "closed": 4,
            "completed": 3,
            "on_time_rate": 0.6667,
        },
    ]


def test_officer_ranking(kpis: dict[str, Any]) -> None:
    li, wang = kpis["officers"]
    assert (li["rank"], li["officer"], wang["rank"], wang["officer"]) == (1, "li", 2, "wang")
    assert {k: li[k] for k in ("backlog", "green", "yellow", "red", "closed", "completed")} == {
        "backlog": 2,
        "green": 1,
        "yellow": 1,
        "red": 0,
        "closed": 2,
        "completed": 2,
    }
    assert (li["on_time_rate"], li["median_days_used"], li["p90_days_used"]) == (1.0, 4.0, 4.0)
    assert (li["suspensions"], li["extensions"], li["poor_ratings"], li["rectified"]) == (
        1,
        1,
        1,
        1,
    )
    assert (wang["backlog"], wang["red"], wang["completed"], wang["on_time_rate"]) == (1, 1, 2, 0.5)
    assert (wang["median_days_used"], wang["p90_days_used"], wang["returns"]) == (5.5, 8.3, 2)
    assert (wang["rectification_open"], wang["rectification_overdue"]) == (1, 1)
