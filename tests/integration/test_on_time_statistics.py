"""On time means one thing in the statistics: the promised clock's days used at completion
within its limit (+ extension), whatever the event version that recorded the completion.

Hand-written CloudEvents, brought to their current versions by the read side's upcaster
and folded through the case facts projection as the projection runner does, then
queried on the real PostgreSQL. SCJG-001 promises 5 working days (statutory 10);
JT-001 10 natural days. All accepted Mon 2026-03-02.

    case  item      decided  completed  recorded as                  days  on time
    A     SCJG-001  03-05    03-12      v4: decided on time, late    8     no (stat. yes)
    B     SCJG-001  03-17    03-17      v4: decided late             11    no (stat. no)
    C     SCJG-001  03-04    03-06      v3 "on time", 4 days         4     yes
    D     SCJG-001  03-04    03-25      v3 "on time" at the decision 17    no (340 %)
    E     JT-001    03-05    03-10      v4, natural days             8     yes
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from infra.local import stack
from projections import case_facts_store
from tests.integration.test_public_queries import Story, at, project, scratch_database

pytestmark = pytest.mark.integration


def completed(story: Story, day: str, version: int, **recorded: Any) -> Story:
    data = {"result": "certificate_issued", "completed_on": f"2026-{day}", "reason": ""}
    return story.then(f"completed.v{version}", at(day), **data, **recorded)


def stories() -> dict[str, Story]:
    a = Story("A", "SCJG-001", at("03-02")).accepted(at("03-02")).approved(at("03-05"))
    completed(
        a,
        "03-12",
        4,
        days_used=8,
        on_time_promised=False,
        statutory_days_used=3,
        on_time_statutory=True,
    )
    b = Story("B", "SCJG-001", at("03-02")).accepted(at("03-02")).approved(at("03-17"))
    completed(
        b,
        "03-17",
        4,
        days_used=11,
        on_time_promised=False,
        statutory_days_used=11,
        on_time_statutory=False,
    )
    c = Story("C", "SCJG-001", at("03-02")).accepted(at("03-02")).approved(at("03-04"))
    completed(c, "03-06", 3, days_used=4, on_time_promised=True, on_time_statutory=True)
    d = Story("D", "SCJG-001", at("03-02")).accepted(at("03-02")).approved(at("03-04"))
    completed(d, "03-25", 3, days_used=17, on_time_promised=True, on_time_statutory=True)
    e = Story("E", "JT-001", at("03-02")).accepted(at("03-02")).approved(at("03-05"))
    completed(
        e,
        "03-10",
        4,
        days_used=8,
        on_time_promised=True,
        statutory_days_used=3,
        on_time_statutory=True,
    )
    return {"A": a, "B": b, "C": c, "D": d, "E": e}


@pytest.fixture(scope="module")
def conn(stack_info: stack.StackInfo) -> Iterator[psycopg.Connection]:
    with scratch_database("test_on_time") as connection:
        yield connection


@pytest.fixture(scope="module")
def cases(conn: psycopg.Connection) -> dict[str, Story]:
    return project(conn, stories())


def test_no_case_is_on_time_past_its_limit(
    conn: psycopg.Connection, cases: dict[str, Story]
) -> None:
    rows = conn.execute(
        "SELECT case_no, days_used, promised_days + extension_days, on_time_promised"
        " FROM public_case_facts ORDER BY right(case_no, 1)"
    ).fetchall()
    assert [(used, allowed, kept) for _, used, allowed, kept in rows] == [
        (8, 5, False),  # A: decided on time, completed late
        (11, 5, False),  # B: decided late
        (4, 5, True),  # C: a v3 completion within the limit
        (17, 5, False),  # D: a v3 completion "on time" at the decision, 340 % at completion
        (8, 10, True),  # E: natural days
    ]
    late_statutory = conn.execute(
        "SELECT case_no FROM public_case_facts WHERE NOT on_time_statutory"
    ).fetchall()
    assert [case_no[-1] for (case_no,) in late_statutory] == ["B"]


def test_the_on_time_rate_agrees_with_the_days_used(
    conn: psycopg.Connection, cases: dict[str, Story]
) -> None:
    jt, scjg = case_facts_store.statistics(conn, group="department", month="2026-03")
    assert {k: scjg[k] for k in ("completed", "on_time_rate")} == {
        "completed": 4,
        "on_time_rate": 0.25,  # C only: A, B and D used more than 5 days
    }
    assert {k: scjg[k] for k in ("median_days_used", "p90_days_used")} == {
        "median_days_used": 9.5,  # days 4 8 11 17
        "p90_days_used": 15.2,  # rank 0.9 × 3 = 2.7: 11 + 0.7 × 6
    }
    assert {k: scjg[k] for k in ("median_share_of_limit", "p90_share_of_limit")} == {
        "median_share_of_limit": 1.9,  # shares 0.8 1.6 2.2 3.4
        "p90_share_of_limit": 3.04,  # 2.2 + 0.7 × 1.2
    }
    assert (jt["completed"], jt["on_time_rate"], jt["p90_share_of_limit"]) == (1, 1.0, 0.8)
    assert case_facts_store.monthly(conn, department=None) == [
        {"month": "2026-03", "received": 5, "accepted": 5, "completed": 5, "on_time_rate": 0.4},
    ]
    decisions, _ = case_facts_store.search_decisions(
        conn, q=None, department=None, item_code=None, outcome=None, page=1, page_size=20
    )
    assert {row["case_no"][-1]: row["on_time"] for row in decisions} == {
        "A": False,
        "B": False,
        "C": True,
        "D": False,
        "E": True,
    }
