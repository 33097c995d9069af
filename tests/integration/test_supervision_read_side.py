"""The staff's work views and the supervision board on the real servers: search by case
number and item, the queues, the board's rows and days remaining, a department's KPIs,
the exports parsing back to the JSON rows, and an approver of one department never
seeing another's cases on any route."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import openpyxl
import pytest

from api.supervision_views import EXPORT_COLUMNS
from tests.integration.harness import Hall, Platform, hall_today, running_hall, wait_until

PERSON = {"kind": "person", "name": "孙八", "id_number": "110101198001010071"}
OWN, OTHER = "SCJG", "ZJ"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Cases = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


def _case(hall: Hall, item: str, *acts: tuple[str, str, str, dict[str, Any]]) -> dict[str, Any]:
    case = hall.submit(item)
    case |= {"item": item, "last": case["position"]}
    for action, role, department, body in acts:
        case["last"] = hall.act(case, action, role, department, **body)
    return case


def _accept(assignee: str | None = None, department: str = OWN) -> list[Any]:
    acts: list[Any] = [("accept", "clerk", "HALL", {})]
    if assignee:
        acts.append(("assign", "officer", department, {"assignee": assignee}))
    return acts


@pytest.fixture(scope="module")
def cases(hall: Hall, platform: Platform) -> Cases:
    """Cases of both departments in every state the views tell apart, once the projection
    has applied them all."""
    review_due = (hall_today() + timedelta(days=20)).isoformat()
    made = {
        "assigned": _case(hall, "SCJG-002", *_accept("officer-scjg")),
        "unassigned": _case(hall, "SCJG-001", *_accept()),
        "waiting": _case(hall, "SCJG-004"),
        "approver_step": _case(
            hall,
            "SCJG-001",
            *_accept("officer-scjg"),
            ("complete-step", "officer", OWN, {"step": "审查", "opinion": "agree"}),
        ),
        "suspended": _case(
            hall,
            "SCJG-002",
            *_accept("officer-scjg"),
            ("suspend", "approver", OWN, {"reason": "等待申请人补充说明"}),
        ),
        "other_open": _case(hall, "ZJ-003", *_accept("officer-zj", OTHER)),
        "other_review": _case(
            hall,
            "ZJ-001",
            *_accept("officer-zj", OTHER),
            (
                "request-parallel-review",
                "officer",
                OTHER,
                {"departments": ["ZRZY"], "due_on": review_due},
            ),
        ),
        "due_soon": _case(hall, "JT-003", *_accept()),
    }
    for name, department in (("done", OWN), ("other_done", OTHER)):
        case = _case(hall, "SCJG-001" if department == OWN else "ZJ-002", *_accept())
        case["last"] = hall.approve_and_close(case, department)
        made[name] = case
    supervisor = hall.client("supervisor")

    def applied() -> bool:
        rows = supervisor.get(
            "/api/v1/supervision/cases", params={"state": "all", "page_size": 100}
        ).json()["items"]
        seen = {row["case_no"]: row["position"] for row in rows}
        return all(seen.get(c["case_no"], -1) >= c["last"] for c in made.values())

    wait_until(applied, what="the supervision view of every case")
    return made


def _numbers(cases: Cases, department: str) -> set[str]:
    prefix = "ZJ-" if department == OTHER else "SCJG-"
    return {c["case_no"] for c in cases.values() if c["item"].startswith(prefix)}


def _listed(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {row["case_no"] for row in response.json()["items"]}


def test_staff_search_by_case_number_and_by_item(hall: Hall, cases: Cases) -> None:
    officer = hall.client("officer", OWN)
    wanted = cases["assigned"]["case_no"]
    assert _listed(officer.get("/api/v1/staff/cases", params={"q": wanted})) == {wanted}
    by_item = {cases["assigned"]["case_no"], cases["suspended"]["case_no"]}
    assert _listed(officer.get("/api/v1/staff/cases", params={"q": "SCJG-002"})) == by_item
    assert _listed(officer.get("/api/v1/staff/cases", params={"q": "药品零售"})) == by_item
    other = cases["other_open"]["case_no"]
    assert _listed(officer.get("/api/v1/staff/cases", params={"q": other})) == set()
    clerk = hall.client("clerk")  # the window searches every department
    assert _listed(clerk.get("/api/v1/staff/cases", params={"q": other})) == {other}


def _row(client: httpx.Client, case: dict[str, Any]) -> dict[str, Any]:
    response = client.get("/api/v1/staff/cases", params={"q": case["case_no"]})
    (row,) = response.json()["items"]
    return dict(row)


def test_board_rows_read_their_days_and_pauses_today(hall: Hall, cases: Cases) -> None:
    supervisor = hall.client("supervisor")
    running = _row(supervisor, cases["assigned"])
    assert running["light"] == "green"
    assert running["accepted_on"] == hall_today().isoformat()
    # accepted today: the whole limit (12 working days) is left
    assert (running["unit"], running["days_remaining"], running["days_overdue"]) == ("G", 12, 0)
    assert running["current_step"] == "审查" and running["assignee"] == "officer-scjg"
    paused = _row(supervisor, cases["suspended"])
    assert paused["paused"] and paused["pause_kind"] == "suspended"
    assert (paused["paused_since"], paused["paused_days"]) == (hall_today().isoformat(), 0)
    assert paused["days_remaining"] is None and paused["suspensions"] == 1
    done = _row(supervisor, cases["done"])
    assert (done["open"], done["light"], done["days_remaining"]) == (False, None, None)
    assert (done["status"], done["on_time"], done["days_used"]) == ("completed", True, 0)
    board = _listed(supervisor.get("/api/v1/supervision/cases"))
    assert cases["assigned"]["case_no"] in board and done["case_no"] not in board


def _queue(response: httpx.Response, section: str) -> set[str]:
    assert response.status_code == 200, response.text
    return {row["case_no"] for row in response.json()[section]["items"]}


def test_queues_of_an_officer_an_approver_a_co_department_and_a_department(
    hall: Hall, cases: Cases
) -> None:
    mine = hall.client("officer", OWN).get("/api/v1/staff/queue")
    numbers = {name: case["case_no"] for name, case in cases.items()}
    assigned = {numbers[n] for n in ("assigned", "approver_step", "suspended")}
    assert _queue(mine, "assigned") == assigned
    assert _queue(mine, "steps") == {numbers["assigned"], numbers["suspended"]}
    approver = hall.client("approver", OWN).get("/api/v1/staff/queue")
    assert _queue(approver, "steps") == {numbers["approver_step"]}
    co_department = hall.client("officer", "ZRZY").get("/api/v1/staff/queue")
    assert _queue(co_department, "opinions") == {numbers["other_review"]}
    department = hall.client("approver", OWN).get(f"/api/v1/staff/departments/{OWN}/queue")
    assert _queue(department, "unassigned") == {numbers["unassigned"]}
    assert _queue(department, "awaiting_acceptance") == {numbers["waiting"]}
    assert _queue(department, "due_soon") == set()
    transport = hall.client("supervisor").get("/api/v1/staff/departments/JT/queue")
    assert _queue(transport, "due_soon") == {numbers["due_soon"]}  # 2 working days


def test_department_kpis_count_its_cases(hall: Hall, cases: Cases) -> None:
    response = hall.client("approver", OWN).get(f"/api/v1/supervision/departments/{OWN}")
    assert response.status_code == 200, response.text
    kpis = response.json()
    summary = kpis["summary"]
    assert (summary["backlog"], summary["green"], summary["awaiting_acceptance"]) == (4, 4, 1)
    assert (summary["completed"], summary["on_time_rate"], summary["suspensions"]) == (1, 1.0, 1)
    assert kpis["ageing"][0] == {"bucket": "0-5", "from_days": 0, "to_days": 5, "cases": 4}
    this_week = kpis["weekly"][-1]
    assert (this_week["opened"], this_week["completed"]) == (6, 1)
    officers = {row["officer"]: row for row in kpis["officers"]}
    assert set(officers) == {"officer-scjg"}
    assert (officers["officer-scjg"]["backlog"], officers["officer-scjg"]["completed"]) == (3, 1)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_board_exports_parse_back_to_the_json_rows(hall: Hall, cases: Cases) -> None:
    supervisor = hall.client("supervisor")
    params: dict[str, str | int] = {"state": "all", "page_size": 100}
    rows = supervisor.get("/api/v1/supervision/cases", params=params).json()["items"]
    expected = [
        [
            "; ".join(f"{a['kind']}@{a['deadline']}" for a in row["alerts"]) or None
            if name == "alerts"
            else "; ".join(row[name]) or None
            if name == "opinions_owed"
            else row[name]
            for name in EXPORT_COLUMNS
        ]
        for row in rows
    ]
    # an export holds every matching row, whatever page was asked for
    one_row_pages = {**params, "page_size": 1}
    as_csv = supervisor.get("/api/v1/supervision/cases", params={**one_row_pages, "format": "csv"})
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_csv.headers["content-disposition"].startswith('attachment; filename="supervision')
    header, *parsed = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert header == list(EXPORT_COLUMNS)
    assert parsed == [[_cell(v) for v in row] for row in expected]
    assert len(parsed) == len(cases)
    as_xlsx = supervisor.get(
        "/api/v1/supervision/cases", params={**one_row_pages, "format": "xlsx"}
    )
    assert as_xlsx.headers["content-type"] == XLSX
    assert as_xlsx.headers["content-disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content))["cases"]
    header, *cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header == list(EXPORT_COLUMNS)
    assert cells == expected


def test_department_kpis_export_a_sheet_per_table(hall: Hall, cases: Cases) -> None:
    supervisor = hall.client("supervisor")
    path = f"/api/v1/supervision/departments/{OWN}"
    kpis = supervisor.get(path).json()
    book = openpyxl.load_workbook(
        io.BytesIO(supervisor.get(path, params={"format": "xlsx"}).content)
    )
    assert book.sheetnames == ["summary", "days_used", "ageing", "weekly", "monthly", "officers"]
    summary = {
        metric: value for metric, value in book["summary"].iter_rows(min_row=2, values_only=True)
    }
    assert summary == kpis["summary"]
    for name in ("days_used", "ageing", "weekly", "monthly", "officers"):
        header, *cells = [list(r) for r in book[name].iter_rows(values_only=True)]
        assert [dict(zip(header, row, strict=True)) for row in cells] == kpis[name]
    weekly = supervisor.get(path, params={"format": "csv", "table": "weekly"})
    assert weekly.headers["content-type"] == "text/csv; charset=utf-8"
    header, *parsed = list(csv.reader(io.StringIO(weekly.content.decode("utf-8-sig"))))
    assert parsed == [[_cell(row[h]) for h in header] for row in kpis["weekly"]]


# Every route, as an approver of OWN reads it: "refused" for another department (403),
# else the text it answers (an export's cells) must hold none of OTHER's cases.
ROUTES = [
    ("/api/v1/staff/cases?state=open", "own"),
    ("/api/v1/staff/cases?q=ZJ", "own"),
    (f"/api/v1/staff/cases?department={OTHER}", "refused"),
    ("/api/v1/staff/cases?format=csv", "own"),
    ("/api/v1/staff/cases?format=xlsx", "own"),
    ("/api/v1/staff/queue", "own"),
    (f"/api/v1/staff/departments/{OWN}/queue", "own"),
    (f"/api/v1/staff/departments/{OTHER}/queue", "refused"),
    ("/api/v1/supervision/cases?state=all", "own"),
    ("/api/v1/supervision/cases?officer=officer-zj", "own"),
    ("/api/v1/supervision/cases?item=ZJ-003", "own"),
    (f"/api/v1/supervision/cases?department={OTHER}", "refused"),
    (f"/api/v1/supervision/cases?department={OTHER}&format=csv", "refused"),
    ("/api/v1/supervision/cases?state=all&format=csv", "own"),
    ("/api/v1/supervision/cases?state=all&format=xlsx", "own"),
    (f"/api/v1/supervision/departments/{OWN}", "own"),
    (f"/api/v1/supervision/departments/{OWN}?format=xlsx", "own"),
    (f"/api/v1/supervision/departments/{OTHER}", "refused"),
    (f"/api/v1/supervision/departments/{OTHER}?format=xlsx", "refused"),
]


def _text(response: httpx.Response) -> str:
    if response.headers["content-type"] == XLSX:
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    return response.content.decode("utf-8-sig")


@pytest.mark.parametrize(("path", "expect"), ROUTES)
def test_an_approver_never_sees_another_departments_cases(
    hall: Hall, cases: Cases, path: str, expect: str
) -> None:
    response = hall.client("approver", OWN).get(path)
    if expect == "refused":
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 403
        return
    assert response.status_code == 200, response.text
    text = _text(response)
    assert not [n for n in _numbers(cases, OTHER) if n in text]
    assert "officer-zj" not in text and "ZJ-00" not in text
