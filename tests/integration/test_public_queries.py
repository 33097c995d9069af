"""The public queries on the real PostgreSQL, against a small hand-computed example.

The cases are hand-written CloudEvents folded through the projections' ``apply`` and
stored with their ``save``, so the queries see what the projection runner would write.
Times are given in the hall's zone (+08:00) unless a case tests the date boundary.

    case  dept  item      submitted  accepted  closed          days  limit      ratings
    A     SCJG  SCJG-001  03-02      03-02     03-06 completed  4    5          acc 5, clo 4
    B     SCJG  SCJG-001  03-03      03-03     03-12 completed  5    5          clo 1 called back
          (B is the paused case: inspection 03-05 → 03-10, not counted in its days)
    C     SCJG  SCJG-002  03-09      03-09     03-31 completed  18   12+5 late  acc 2 not rectified
          (C is the extended case, +5 days, denied with a v1 decision; closed 23:30 local)
    D     SCJG  SCJG-001  03-20      —         03-23 not accepted               clo 3
    E     SCJG  SCJG-001  03-25      03-26     open, suspended (paused)         acc 5 (not counted)
    F     SCJG  SCJG-001  04-01      04-01     04-03 completed  2    5          clo 2 ordered only
          (F was submitted 2026-03-31T16:30Z, which is 04-01 00:30 in the hall)
    G     JT    JT-001    03-05      03-05     03-11 completed  6    10 (Z)
    H     JT    JT-001    03-16      —         03-17 withdrawn
    I     JT    JT-002    03-18      03-18     03-18 completed  0    0 (immediate)
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from domain.upcasting import current_event
from infra.local import postgres, stack
from infra.migrations import apply_migrations
from projections import case_facts, case_facts_store, catalogue, catalogue_store
from tests.integration.harness import drop_database

pytestmark = pytest.mark.integration

ACTOR = {"id": "staff-1", "role": "officer", "department": "SCJG"}
POSITIONS = itertools.count(1)
ITEMS = {
    "SCJG-001": ("食品经营许可", "SCJG", 5, 10, "G"),
    "SCJG-002": ("药品零售企业许可", "SCJG", 12, 20, "G"),
    "JT-001": ("道路运输经营许可（道路普通货物运输）", "JT", 10, 20, "Z"),
    "JT-002": ("机动车维修经营备案", "JT", 0, 0, "G"),
}
PERSONS = {
    "A": "张三丰",
    "B": "李小四",
    "D": "王五",
    "E": "赵六",
    "F": "孙七",
    "G": "周八",
    "H": "吴九",
}
ORGANISATIONS = {"C": "青山药房有限公司", "I": "顺达汽修有限公司"}


def at(day: str, hour: str = "10:00") -> str:
    """A 2026 moment in the hall's zone: ``at("03-02")``."""
    return f"2026-{day}T{hour}:00+08:00"


class Story:
    """The CloudEvents of one case, numbered as the relay would publish them."""

    def __init__(self, label: str, item_code: str, submitted: str) -> None:
        name, department, _, _, _ = ITEMS[item_code]
        self.case_id = str(uuid.uuid4())
        self.item_code = item_code
        self.events: list[dict[str, Any]] = []
        kind = "organisation" if label in ORGANISATIONS else "person"
        self.then(
            "submitted.v2",
            submitted,
            case_no=f"{department}-20260301-000{'ABCDEFGHI'.index(label) + 1}-{label}",
            item_code=item_code,
            item_name=name,
            item_revision=1,
            department=department,
            channel="window",
            applicant={
                "kind": kind,
                "name": PERSONS.get(label) or ORGANISATIONS[label],
                "id_number": f"11010119900307{'ABCDEFGHI'.index(label):04d}",
                "phone": "13800138000",
                "address": "北京市东城区某街1号",
            },
            materials=[],
            query_code_hash="scrypt$1024$8$1$00$00",
        )

    def then(self, event_type: str, time: str, **data: Any) -> Story:
        self.events.append(
            {
                "specversion": "1.0",
                "id": str(uuid.uuid4()),
                "source": "/casetrail/test",
                "type": f"casetrail.case.{event_type}",
                "subject": self.case_id,
                "caseversion": len(self.events) + 1,
                "time": time,
                "position": next(POSITIONS),
                "datacontenttype": "application/json",
                "data": {"actor": ACTOR, **data},
            }
        )
        return self

    def accepted(self, time: str) -> Story:
        _, _, promised, statutory, unit = ITEMS[self.item_code]
        terms = {
            "promised_limit": {"days": promised, "unit": unit},
            "statutory_limit": {"days": statutory, "unit": unit},
        }
        return self.then(
            "accepted.v2",
            time,
            accepted_on=time[:10],
            item_revision=1,
            terms=terms,
            statutory_deadline=None,
            promised_deadline=None,
            deadline_provisional=False,
        )

    def approved(self, time: str) -> Story:
        return self.then(
            "decided.v2", time, outcome="approved", reasons=[], legal_basis="", appeal_notice=""
        )

    def completed(self, time: str, days_used: int, on_time: bool = True) -> Story:
        return self.then(
            "completed.v2",
            time,
            result="certificate_issued",
            completed_on=time[:10],
            days_used=days_used,
            on_time_promised=on_time,
            on_time_statutory=True,
        )

    def rated(self, stage: str, level: int, time: str) -> Story:
        return self.then("rated.v1", time, stage=stage, level=level, comment="")

    def view(self) -> dict[str, Any]:
        view = None
        for event in self.events:
            view = case_facts.apply(view, current_event(event))
        assert view is not None
        return view


def stories() -> dict[str, Story]:
    a = Story("A", "SCJG-001", at("03-02")).accepted(at("03-02")).approved(at("03-06"))
    a.completed(at("03-06", "16:00"), 4).rated("acceptance", 5, at("03-02"))
    a.rated("closure", 4, at("03-07"))
    b = Story("B", "SCJG-001", at("03-03")).accepted(at("03-03"))
    b.then(
        "special_procedure_started.v1",
        at("03-05"),
        kind="inspection",
        expected_days=3,
        notice="现场核查",
    )
    b.then(
        "special_procedure_ended.v1",
        at("03-10"),
        result="符合要求",
        resumed_on="2026-03-10",
        statutory_deadline=None,
        promised_deadline=None,
        deadline_provisional=False,
    )
    b.approved(at("03-12")).completed(at("03-12", "15:00"), 5).rated("closure", 1, at("03-13"))
    b.then(
        "rectification_ordered.v1",
        at("03-13"),
        stage="closure",
        due_on="2026-03-24",
        instructions="培训",
    )
    b.then("rectification_reported.v1", at("03-16"), stage="closure", measures="已培训")
    b.then("callback_completed.v1", at("03-17"), stage="closure", satisfied=True, note="")
    c = Story("C", "SCJG-002", at("03-09")).accepted(at("03-09"))
    c.rated("acceptance", 2, at("03-09"))
    c.then(
        "deadline_extended.v1",
        at("03-20"),
        days=5,
        reason="需专家论证",
        statutory_deadline=None,
        promised_deadline=None,
        deadline_provisional=False,
    )
    c.then(
        "decided.v1",
        at("03-30"),
        outcome="denied",
        reasons="经营场所不符合要求",
        legal_basis="《药品管理法》第五十二条",
    )
    c.completed("2026-03-31T15:30:00+00:00", 18, on_time=False)  # 23:30 in the hall
    d = Story("D", "SCJG-001", at("03-20"))
    d.then(
        "not_accepted.v1",
        at("03-23"),
        reason="不属于本机关职权范围",
        legal_basis="《行政许可法》第三十二条",
    )
    d.rated("closure", 3, at("03-24"))
    e = (
        Story("E", "SCJG-001", at("03-25"))
        .accepted(at("03-26"))
        .rated("acceptance", 5, at("03-26"))
    )
    e.then("suspended.v1", at("03-27"), reason="等待上级批复")
    f = Story("F", "SCJG-001", "2026-03-31T16:30:00+00:00").accepted(at("04-01"))
    f.approved(at("04-03")).completed(at("04-03", "11:00"), 2).rated(
        "closure", 2, at("04-03", "12:00")
    )
    f.then(
        "rectification_ordered.v1",
        at("04-07"),
        stage="closure",
        due_on="2026-04-16",
        instructions="培训",
    )
    g = Story("G", "JT-001", at("03-05")).accepted(at("03-05")).approved(at("03-10"))
    g.completed(at("03-11"), 6)
    h = Story("H", "JT-001", at("03-16")).then("withdrawn.v1", at("03-17"), reason="不再需要")
    i = Story("I", "JT-002", at("03-18", "09:00")).accepted(at("03-18", "09:10"))
    i.approved(at("03-18", "09:20")).completed(at("03-18", "09:30"), 0)
    return {"ABCDEFGHI"[n]: story for n, story in enumerate((a, b, c, d, e, f, g, h, i))}


@contextmanager
def scratch_database(prefix: str) -> Iterator[psycopg.Connection]:
    """A new database on the stack's server with every migration, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    url = postgres.create_database(name)
    try:
        apply_migrations(url)
        with psycopg.connect(url, autocommit=True) as connection:
            yield connection
    finally:
        drop_database(url)  # as the superuser: an autovacuum worker may be at work in it


def project(conn: psycopg.Connection, written: dict[str, Story]) -> dict[str, Story]:
    """The stories' events applied to the stored case facts, as the projection runner
    applies them (current versions only)."""
    for story in written.values():
        for event in story.events:
            view = case_facts.apply(
                case_facts_store.load(conn, story.case_id), current_event(event)
            )
            assert view is not None
            case_facts_store.save(conn, view)
    return written


@pytest.fixture(scope="module")
def conn(stack_info: stack.StackInfo) -> Iterator[psycopg.Connection]:
    with scratch_database("test_public_queries") as connection:
        yield connection


@pytest.fixture(scope="module")
def cases(conn: psycopg.Connection) -> dict[str, Story]:
    return project(conn, stories())


def test_stored_facts_load_back_as_folded(
    conn: psycopg.Connection, cases: dict[str, Story]
) -> None:
    for story in cases.values():
        assert case_facts_store.load(conn, story.case_id) == story.view()
    e = case_facts_store.load(conn, cases["E"].case_id)
    assert e is not None and (e["paused"], e["status"]) == (True, "in_review")
    f = case_facts_store.load(conn, cases["F"].case_id)
    assert f is not None and f["submitted_on"] == "2026-04-01"  # 16:30Z is the next day here
    assert case_facts_store.load(conn, str(uuid.uuid4())) is None


def test_no_personal_data_is_stored(conn: psycopg.Connection, cases: dict[str, Story]) -> None:
    rows = conn.execute("SELECT row_to_json(f)::text FROM public_case_facts f").fetchall()
    text = "\n".join(row[0] for row in rows)
    assert "张*丰" in text and "青山药房有限公司" in text
    for secret in [*PERSONS.values(), "1101011990030", "13800138000", "北京市东城区"]:
        assert secret not in text


def case_nos(rows: list[dict[str, Any]]) -> list[str]:
    return [row["case_no"][-1] for row in rows]


def search(conn: psycopg.Connection, **given: Any) -> tuple[list[dict[str, Any]], int]:
    query: dict[str, Any] = {
        "q": None,
        "department": None,
        "item_code": None,
        "outcome": None,
        "page": 1,
        "page_size": 20,
    }
    return case_facts_store.search_decisions(conn, **{**query, **given})


def test_search_lists_closed_cases_newest_first_in_pages(
    conn: psycopg.Connection, cases: dict[str, Story]
) -> None:
    # Closed: F 04-03, C 03-31, D 03-23, I 03-18, H 03-17, B 03-12, G 03-11, A 03-06; E is open.
    pages = [search(conn, page=page, page_size=3) for page in (1, 2, 3, 4)]
    assert [(case_nos(rows), total) for rows, total in pages] == [
        (["F", "C", "D"], 8),
        (["I", "H", "B"], 8),
        (["G", "A"], 8),
        ([], 8),
    ]
    c = pages[0][0][1]
    assert c == {
        "case_no": "SCJG-20260301-0003-C",
        "item_code": "SCJG-002",
        "item_name": "药品零售企业许可",
        "department": "SCJG",
        "applicant": "青山药房有限公司",
        "status": "completed",
        "outcome": "denied",
        "result": "certificate_issued",
        "reasons": ["经营场所不符合要求"],  # a v1 decision's one string
        "legal_basis": "《药品管理法》第五十二条",
        "submitted_on": "2026-03-09",
        "accepted_on": "2026-03-09",
        "decided_on": "2026-03-30",
        "closed_on": "2026-03-31",
        "on_time": False,
    }
    d = pages[0][0][2]
    assert (d["status"], d["applicant"], d["reasons"], d["on_time"]) == (
        "not_accepted",
        "王*",
        ["不属于本机关职权范围"],
        None,
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"department": "JT"}, ["I", "H", "G"]),
        ({"item_code": "SCJG-002"}, ["C"]),
        ({"outcome": "approved"}, ["F", "I", "B", "G", "A"]),
        ({"outcome": "denied", "department": "JT"}, []),
        ({"q": "张*"}, ["A"]),  # the masked name
        ({"q": "三丰"}, []),  # the full name is nowhere
        ({"q": "药品"}, ["C"]),  # the item name
        ({"q": "jt-2026"}, ["I", "H", "G"]),  # the case number, case-insensitive
        ({"q": "%"}, []),  # wildcards are literal
    ],
)
def test_search_filters(
    conn: psycopg.Connection, cases: dict[str, Story], given: dict[str, Any], expected: list[str]
) -> None:
    rows, total = search(conn, **given)
    assert case_nos(rows) == expected and total == len(expected)


def test_statistics_per_department_for_a_month(
    conn: psycopg.Connection, cases: dict[str, Story]
) -> None:
    jt, scjg = case_facts_store.statistics(conn, group="department", month="2026-03")
    assert scjg == {
        "key": "SCJG",
        "name": "SCJG",
        "received": 5,  # A B C D E (F arrived 04-01 in the hall's zone)
        "accepted": 4,  # A B C E
        "completed": 3,  # A B C (D closed, but not accepted)
        "on_time_rate": 0.6667,  # A and B of A B C: 2/3
        "median_days_used": 5.0,  # days 4 5 18
        "p90_days_used": 15.4,  # 5 + 0.8 × (18 − 5); rank 0.9 × (3 − 1) = 1.8
        # shares: A 4/5 = 0.8, B 5/5 = 1.0 (the pause not counted), C 18/(12+5) = 1.0588
        "median_share_of_limit": 1.0,
        "p90_share_of_limit": 1.05,  # 1.0 + 0.8 × 0.0588 = 1.047
        # cases closed in March: A 5 and 4, B 1, C 2, D 3 (E's 5: E is still open)
        "ratings": {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1},
        "poor_ratings": 2,  # B 1, C 2
        "poor_rectified_share": 0.5,  # B's was called back, C's never ordered
    }
    assert jt == {
        "key": "JT",
        "name": "JT",
        "received": 3,  # G H I
        "accepted": 2,  # G I
        "completed": 2,  # G I (H withdrawn)
        "on_time_rate": 1.0,
        "median_days_used": 3.0,  # days 0 6: (0 + 6) / 2
        "p90_days_used": 5.4,  # 0 + 0.9 × 6
        "median_share_of_limit": 0.6,  # only G: 6/10; I's limit is 0 (immediate)
        "p90_share_of_limit": 0.6,
        "ratings": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
        "poor_ratings": 0,
        "poor_rectified_share": None,
    }


def test_statistics_per_department_for_another_month_and_all_time(
    conn: psycopg.Connection, cases: dict[str, Story]
) -> None:
    (april,) = case_facts_store.statistics(conn, group="department", month="2026-04")
    assert april == {
        "key": "SCJG",
        "name": "SCJG",
        "received": 1,  # F
        "accepted": 1,
        "completed": 1,
        "on_time_rate": 1.0,
        "median_days_used": 2.0,
        "p90_days_used": 2.0,
        "median_share_of_limit": 0.4,  # 2/5
        "p90_share_of_limit": 0.4,
        "ratings": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0},
        "poor_ratings": 1,
        "poor_rectified_share": 0.0,  # ordered, not yet called back
    }
    assert case_facts_store.statistics(conn, group="department", month="2026-05") == []
    _, scjg = case_facts_store.statistics(conn, group="department", month=None)
    assert {k: v for k, v in scjg.items() if k not in ("key", "name")} == {
        "received": 6,
        "accepted": 5,
        "completed": 4,  # A B C F
        "on_time_rate": 0.75,  # 3/4
        "median_days_used": 4.5,  # days 2 4 5 18
        "p90_days_used": 14.1,  # rank 0.9 × 3 = 2.7: 5 + 0.7 × 13
        "median_share_of_limit": 0.9,  # shares 0.4 0.8 1.0 1.0588: (0.8 + 1.0) / 2
        "p90_share_of_limit": 1.04,  # 1.0 + 0.7 × 0.0588 = 1.041
        "ratings": {"1": 1, "2": 2, "3": 1, "4": 1, "5": 1},  # March's and F's 2
        "poor_ratings": 3,
        "poor_rectified_share": 0.3333,  # B's only: 1/3
    }


def test_statistics_per_item(conn: psycopg.Connection, cases: dict[str, Story]) -> None:
    rows = case_facts_store.statistics(conn, group="item", month="2026-03")
    by_key = {row["key"]: row for row in rows}
    assert list(by_key) == ["JT-001", "JT-002", "SCJG-001", "SCJG-002"]
    food = by_key["SCJG-001"]
    assert food == {
        "key": "SCJG-001",
        "name": "食品经营许可",
        "received": 4,  # A B D E
        "accepted": 3,  # A B E
        "completed": 2,  # A B
        "on_time_rate": 1.0,
        "median_days_used": 4.5,  # days 4 5
        "p90_days_used": 4.9,  # 4 + 0.9 × 1
        "median_share_of_limit": 0.9,  # 0.8 1.0
        "p90_share_of_limit": 0.98,  # 0.8 + 0.9 × 0.2
        "ratings": {"1": 1, "2": 0, "3": 1, "4": 1, "5": 1},  # A 5 4, B 1, D 3
        "poor_ratings": 1,
        "poor_rectified_share": 1.0,
    }
    drugs = by_key["SCJG-002"]
    assert (drugs["name"], drugs["completed"], drugs["on_time_rate"]) == (
        "药品零售企业许可",
        1,
        0.0,
    )
    assert (drugs["median_share_of_limit"], drugs["poor_rectified_share"]) == (1.06, 0.0)  # 18/17
    immediate = by_key["JT-002"]
    assert (immediate["median_days_used"], immediate["median_share_of_limit"]) == (0.0, None)
    with pytest.raises(ValueError):
        case_facts_store.statistics(conn, group="officer", month=None)


def test_monthly(conn: psycopg.Connection, cases: dict[str, Story]) -> None:
    assert case_facts_store.monthly(conn, department=None) == [
        # received A B C D E G H I; accepted A B C E G I; completed A B C G I (C late)
        {"month": "2026-03", "received": 8, "accepted": 6, "completed": 5, "on_time_rate": 0.8},
        {"month": "2026-04", "received": 1, "accepted": 1, "completed": 1, "on_time_rate": 1.0},
    ]
    assert case_facts_store.monthly(conn, department="JT") == [
        {"month": "2026-03", "received": 3, "accepted": 2, "completed": 2, "on_time_rate": 1.0},
    ]
    assert case_facts_store.monthly(conn, department="GA") == []


def item_events(code: str, *changes: tuple[str, str, dict[str, Any]]) -> list[dict[str, Any]]:
    """An item's registration (GA items charge a fee) followed by ``changes``."""
    department = code.split("-")[0]
    fees = [{"code": "F1", "name": "工本费", "amount_fen": 2000, "legal_basis": "依据"}]
    content = {
        "code": code,
        "name": f"事项{code}",
        "category": "public_service" if department == "GA" else "licensing",
        "department": department,
        "supervising_department": department,
        "legal_basis": "依据",
        "statutory_limit": {"days": 20, "unit": "Z"},
        "promised_limit": {"days": 10, "unit": "Z"},
        "complaint_channel": "12345",
        "immediate": False,
        "materials": [],
        "fees": fees if department == "GA" else [],
        "steps": [],
        "co_departments": [],
        "special_procedures": [],
        "accountability": [],
        "warning_threshold_percent": 80,
        "rectification_limit_days": 7,
        "deemed_satisfied_days": 15,
    }
    subject = str(uuid.uuid4())
    steps = [("registered", at("01-05"), {**content, "revision": 1}), *changes]
    return [
        {
            "type": f"casetrail.service_item.{kind}.v1",
            "subject": subject,
            "caseversion": version,
            "time": time,
            "position": next(POSITIONS),
            "data": {"actor": ACTOR, **data},
        }
        for version, (kind, time, data) in enumerate(steps, start=1)
    ]


def test_catalogue_lists_and_finds_items(conn: psycopg.Connection) -> None:
    revised = {**item_events("SCJG-009")[0]["data"], "name": "食品小作坊登记", "revision": 2}
    histories = [
        item_events("SCJG-009", ("revised", at("02-10"), {**revised, "reason": "更名"})),
        item_events("GA-009", ("suspended", at("02-01"), {"reason": "系统升级"})),
        item_events("JT-009", ("retired", at("02-01"), {"reason": "取消"})),
    ]
    for events in histories:
        for event in events:
            stored = catalogue_store.load_many(conn, [event["subject"]])
            view = catalogue.apply(stored.get(event["subject"]), event)
            assert view is not None
            catalogue_store.save(conn, view)
    listed = catalogue_store.list_items(conn, department=None, category=None, q=None)
    assert listed == [
        {
            "code": "GA-009",
            "name": "事项GA-009",
            "category": "public_service",
            "department": "GA",
            "status": "suspended",
            "revision": 1,
            "statutory_limit": {"days": 20, "unit": "Z"},
            "promised_limit": {"days": 10, "unit": "Z"},
            "immediate": False,
            "free": False,
        },
        {
            "code": "SCJG-009",
            "name": "食品小作坊登记",
            "category": "licensing",
            "department": "SCJG",
            "status": "active",
            "revision": 2,
            "statutory_limit": {"days": 20, "unit": "Z"},
            "promised_limit": {"days": 10, "unit": "Z"},
            "immediate": False,
            "free": True,
        },
    ]

    def codes(**given: str) -> list[str]:
        query = {"department": None, "category": None, "q": None, **given}
        return [row["code"] for row in catalogue_store.list_items(conn, **query)]

    assert codes(department="GA") == ["GA-009"]
    assert codes(category="licensing") == ["SCJG-009"]
    assert codes(q="小作坊") == ["SCJG-009"] and codes(q="ga-") == ["GA-009"]
    assert codes(q="JT") == []  # retired
    retired = catalogue_store.find(conn, "JT-009")
    assert retired is not None and retired["status"] == "retired"
    found = catalogue_store.find(conn, "SCJG-009")
    assert found is not None
    assert found["content"]["name"] == "食品小作坊登记" and "actor" not in found["content"]
    assert found["revisions"] == [
        {"revision": 1, "date": "2026-01-05", "reason": None},
        {"revision": 2, "date": "2026-02-10", "reason": "更名"},
    ]
    assert catalogue_store.find(conn, "NONE-1") is None
