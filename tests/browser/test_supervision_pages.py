"""The supervision pages in headless Chromium on the real servers: the live board (lights
by dot and word, filtering by light narrows the rows and stays in the address, the counts,
the CSV export of the filter, a new case appearing without reload), a department's KPIs
and charts (the tiles equal the API's figures), an officer's work queue, and what each
page shows to a token it refuses.

Cases are opened through the staff API, accepted on one day; the deadline sweeper's
recording (``HallApplication.record_due``) then runs as of the sixth working day after, the
day SCJG-001 (5 working days) breaches and ZJ-001 (7 working days, warned at 80 %) is
warned: one red, one yellow, the others green. The pages are read through a second API
process whose simulated clock stands on that day, so days remaining agree with the lights.
Screenshots: test-artifacts/screenshots/supervision*.png, staff-queue*.png.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect

from domain.case.supervision import BREACH, WARNING
from domain.clock import HALL_TZ, SimulatedClock
from domain.supervision import schedule
from infra.entrypoints.bootstrap import build_application, open_pool
from tests.browser.conftest import Site, site_at
from tests.integration.harness import Hall, Platform, free_port, wait_until

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
MISSING = {"code": "M3", "name": "经营布局图"}


@dataclass(frozen=True)
class Supervised:
    """The cases by name, the day the sweep ran (and the pages read), and the address of
    the API process reading on that day."""

    cases: dict[str, dict[str, Any]]
    day: date
    base_url: str


def _fires_on(platform: Platform, case_id: str, rule: str) -> date:
    with open_pool(platform.settings.api_database_url, max_size=2) as pool:
        app = build_application(platform.settings, pool)
        try:
            timed = schedule(app.get_case(UUID(case_id)), app.calendar())
        finally:
            app.close()
    return next(due.fires_on for due in timed if due.rule == rule)


def _sweep(platform: Platform, case_ids: list[str], day: date) -> set[tuple[str, str]]:
    """Record what is due on ``day`` on the cases, as the sweeper does; (case, rule) pairs."""
    clock = SimulatedClock(datetime.combine(day, time(10), tzinfo=HALL_TZ))
    with open_pool(platform.settings.api_database_url, max_size=2) as pool:
        app = build_application(platform.settings, pool, clock=clock)
        try:
            swept = app.record_due([UUID(case_id) for case_id in case_ids])
        finally:
            app.close()
    return {(str(s.case.id), due.rule) for s in swept for due in s.recorded}


@pytest.fixture(scope="module")
def supervised(hall: Hall) -> Supervised:
    plan = {  # name: item, assignee (None: unassigned)
        "red": ("SCJG-001", "officer-scjg"),
        "green": ("SCJG-002", "officer-scjg"),
        "unassigned": ("SCJG-002", None),
        "yellow": ("ZJ-001", "officer-zj"),
        "paused": ("SCJG-002", "officer-scjg"),
    }
    cases: dict[str, dict[str, Any]] = {}
    for name, (item, assignee) in plan.items():
        case = hall.submit(item)
        hall.act(case, "accept", "clerk")
        department = item.split("-")[0]
        if assignee:
            hall.act(case, "assign", "officer", department, assignee=assignee)
        cases[name] = {**case, "item_code": item, "department": department}
    paused = cases["paused"]  # waiting for a supplement: its clock stopped
    hall.act(paused, "request-supplement", "officer", "SCJG", missing=[MISSING])
    closed = hall.submit("SCJG-001")  # completed on time, for the department's figures
    hall.act(closed, "accept", "clerk")
    hall.approve_and_close(closed, "SCJG")
    platform = hall.platform
    day = _fires_on(platform, cases["red"]["case_id"], BREACH)
    assert _fires_on(platform, cases["yellow"]["case_id"], WARNING) == day  # both 6th day
    ids = [case["case_id"] for case in cases.values()] + [closed["case_id"]]
    recorded = _sweep(platform, ids, day)
    lights = {(case, rule) for case, rule in recorded if rule in (WARNING, BREACH)}
    assert lights == {(cases["red"]["case_id"], BREACH), (cases["yellow"]["case_id"], WARNING)}
    port = free_port()
    platform.start(
        "api",
        label="api-on-the-day",
        env={
            "CASETRAIL_API_PORT": str(port),
            "CASETRAIL_MODE": "test",
            "CASETRAIL_SIMULATED_NOW": f"{day.isoformat()}T10:00+08:00",
        },
    )
    supervisor = hall.client("supervisor")

    def lit() -> bool:
        board = supervisor.get("/api/v1/supervision/cases").json()
        lights = {row["case_no"]: row["light"] for row in board["items"]}
        return all(lights.get(cases[name]["case_no"]) == name for name in ("red", "yellow"))

    wait_until(lit, what="the red and yellow lights on the board")
    return Supervised(cases, day, f"http://127.0.0.1:{port}")


@pytest.fixture
def on_the_day(browser: Browser, supervised: Supervised) -> Iterator[Site]:
    """A browser on the API process reading on the sweep's day."""
    yield from site_at(browser, supervised.base_url, **DESKTOP)


@pytest.fixture
def phone_on_the_day(browser: Browser, supervised: Supervised) -> Iterator[Site]:
    """A phone-sized browser on the API process reading on the sweep's day."""
    yield from site_at(browser, supervised.base_url, **PHONE)


def _api(hall: Hall, supervised: Supervised, role: str, department: str, path: str) -> Any:
    """What the API reading on the sweep's day answers ``role`` of ``department``."""
    token = hall.platform.token(role, department)
    response = httpx.get(
        f"{supervised.base_url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_the_staff_pages_are_served_locally(hall: Hall) -> None:
    """Plain HTTP: each page is HTML with no outside address; a malformed code is 404."""
    pages = ("/supervision", "/supervision/departments/SCJG", "/staff/queue", "/staff/cases/X-1")
    for path in pages:
        response = httpx.get(f"{hall.platform.base_url}{path}", timeout=10)
        assert response.status_code == 200, path
        assert 'name="viewport"' in response.text
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", response.text), path
    for path in ("/supervision/departments/%20x", "/staff/cases/a%2Fb"):
        assert httpx.get(f"{hall.platform.base_url}{path}", timeout=10).status_code == 404


def test_the_board_filters_by_light_and_exports_the_filter(
    on_the_day: Site, hall: Hall, supervised: Supervised, tmp_path: Path
) -> None:
    cases = supervised.cases
    page = on_the_day.goto(f"/supervision#token={hall.platform.token('supervisor')}")
    rows = page.locator("#board tbody tr")
    expect(rows).to_have_count(len(cases))
    assert "token=" not in page.url
    red = page.locator(f'tr[data-case-no="{cases["red"]["case_no"]}"]')
    expect(red.locator(".light")).to_have_text("红灯·超期")  # the word, not the colour alone
    expect(red).to_contain_text("超期 1 个工作日")
    yellow = page.locator(f'tr[data-case-no="{cases["yellow"]["case_no"]}"]')
    expect(yellow.locator(".light")).to_have_text("黄灯·预警")
    expect(yellow).to_contain_text("剩余 1 个工作日")
    counts = page.locator("#counts")
    paused = page.locator(f'tr[data-case-no="{cases["paused"]["case_no"]}"]')
    expect(paused).to_contain_text(f"补正材料，自 {datetime.now(HALL_TZ).date().isoformat()} 起")
    for light, count in (("red", 1), ("yellow", 1), ("green", 3)):
        expect(counts.locator(f'li[data-light="{light}"] .count')).to_have_text(str(count))
    on_the_day.screenshot("supervision")
    page.get_by_role("link", name="English").click()
    expect(red.locator(".light")).to_have_text("Red · overdue")
    expect(red).to_contain_text("1 working day overdue")
    page.get_by_role("link", name="中文").click()

    page.get_by_label("灯", exact=True).select_option("red")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-case-no", cases["red"]["case_no"])
    assert "light=red" in page.url
    page.reload()  # a bookmarked board keeps its filter
    expect(rows).to_have_count(1)
    expect(page.get_by_label("灯", exact=True)).to_have_value("red")

    with page.expect_download() as download:
        page.get_by_role("button", name="导出 CSV").click()
    saved = tmp_path / "board.csv"
    download.value.save_as(saved)
    with saved.open(encoding="utf-8-sig") as exported:
        table = list(csv.DictReader(exported))
    assert [(row["case_no"], row["light"]) for row in table] == [(cases["red"]["case_no"], "red")]
    named = f"supervision-cases-{supervised.day.isoformat()}.csv"  # the server's name
    assert download.value.suggested_filename == named
    expect(page.locator("#message")).to_have_text(f"已导出 {named}。")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 Excel").click()
    download.value.save_as(tmp_path / "board.xlsx")
    book = load_workbook(tmp_path / "board.xlsx", read_only=True)
    sheet = [row[:7] for row in book["cases"].iter_rows(min_row=2, values_only=True)]
    assert [(row[0], row[6]) for row in sheet] == [(cases["red"]["case_no"], "red")]
    on_the_day.screenshot("supervision-red")

    page.get_by_label("灯", exact=True).select_option("")
    page.get_by_label("部门").select_option("SCJG")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(4)
    later = hall.submit("SCJG-001")  # a new case: on the board at the next refresh
    hall.act(later, "accept", "clerk")
    hall.act(later, "assign", "officer", "SCJG", assignee="officer-b")
    expect(page.locator(f'tr[data-case-no="{later["case_no"]}"]')).to_be_visible(timeout=40_000)
    expect(rows).to_have_count(5)


def test_a_department_page_with_its_kpis_and_charts(
    on_the_day: Site, hall: Hall, supervised: Supervised
) -> None:
    kpis = _api(hall, supervised, "supervisor", "HALL", "/api/v1/supervision/departments/SCJG")
    page = on_the_day.goto(
        f"/supervision/departments/SCJG#token={hall.platform.token('approver', 'SCJG')}"
    )
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("h1")).to_contain_text("市场监督管理局")
    summary = kpis["summary"]
    for key in ("backlog", "red", "yellow", "green", "returns", "extensions"):
        expect(page.locator(f'[data-kpi="{key}"] .kpi-value')).to_have_text(str(summary[key]))
    assert summary["red"] >= 1 and summary["backlog"] >= 3
    for chart in ("ageing", "ranking", "trend"):
        canvas = page.locator(f"#chart-{chart} canvas").first
        expect(canvas).to_be_visible()
        box = canvas.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, (chart, box)
    ageing = page.locator("#ageing-table tbody tr")
    expect(ageing).to_have_count(len(kpis["ageing"]))
    officers = page.locator("#ranking-table tbody tr")
    expect(officers.first).to_have_attribute("data-officer", kpis["officers"][0]["officer"])
    on_the_day.screenshot("supervision-department")
    page.get_by_role("button", name="按周").click()
    expect(page.locator("#trend-table tbody tr")).to_have_count(len(kpis["weekly"]))


def test_an_officers_queue(on_the_day: Site, hall: Hall, supervised: Supervised) -> None:
    cases = supervised.cases
    page = on_the_day.goto(f"/staff/queue#token={hall.platform.token('officer', 'SCJG')}")
    mine = page.locator("#assigned tbody tr")
    expect(mine).to_have_count(3)
    expect(mine.first).to_have_attribute("data-case-no", cases["red"]["case_no"])  # due first
    expect(mine.first.locator(".light")).to_have_text("红灯·超期")
    link = mine.first.get_by_role("link", name=cases["red"]["case_no"])
    queue = _api(hall, supervised, "officer", "SCJG", "/api/v1/staff/queue")
    steps = page.locator("#steps tbody tr")
    expect(steps).to_have_count(queue["steps"]["total"])
    expect(steps.first).to_have_attribute("data-case-no", cases["red"]["case_no"])
    unassigned = page.locator("#unassigned tbody tr")
    expect(unassigned).to_have_count(1)
    expect(unassigned.first).to_have_attribute("data-case-no", cases["unassigned"]["case_no"])
    expect(page.locator("#due_soon")).to_contain_text(cases["red"]["case_no"])
    page_text = page.locator("main").inner_text()
    assert cases["yellow"]["case_no"] not in page_text  # another department's
    on_the_day.screenshot("staff-queue")

    link.click()  # the case itself: its light, clocks, steps and the sweeper's alert
    expect(page).to_have_url(re.compile(f"/staff/cases/{cases['red']['case_no']}$"))
    expect(page.locator("#case-light .light")).to_have_text("红灯·超期")
    expect(page.locator('[data-fact="remaining"]')).to_have_text("超期 1 个工作日")
    expect(page.locator('#alerts tr[data-alert="deadline_breached"]')).to_contain_text(
        "超过承诺时限"
    )
    expect(page.locator("#steps tbody tr.step-current")).to_contain_text("审查")
    on_the_day.screenshot("staff-case")


def test_the_board_and_the_queue_on_a_phone(
    phone_on_the_day: Site, hall: Hall, supervised: Supervised
) -> None:
    """The wide tables scroll inside their own region; the page never scrolls sideways."""
    for path, role, department, row in (
        ("/supervision", "supervisor", "HALL", "#board tbody tr"),
        ("/staff/queue", "officer", "SCJG", "#assigned tbody tr"),
    ):
        page = phone_on_the_day.goto(f"{path}#token={hall.platform.token(role, department)}")
        expect(page.locator(row).first).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        phone_on_the_day.screenshot(f"{path.strip('/').replace('/', '-')}-phone")


@pytest.mark.parametrize(
    ("path", "role", "department", "detail"),
    [
        ("/supervision?department=ZJ", "approver", "SCJG", "department 'ZJ'"),
        ("/supervision/departments/ZJ", "approver", "SCJG", "department 'ZJ'"),
        ("/supervision", "officer", "SCJG", "Forbidden"),
        ("/staff/queue", "clerk", "HALL", "Forbidden"),
        ("/staff/cases/ZJ-20990101-0001", "officer", "SCJG", "没有找到办件"),
    ],
)
def test_a_refused_token_shows_the_problem(
    on_the_day: Site, hall: Hall, path: str, role: str, department: str, detail: str
) -> None:
    page = on_the_day.goto(path)
    expect(page.locator("#token-form")).to_be_visible()  # no token yet: asked for
    page.get_by_label("访问令牌").fill(hall.platform.token(role, department))
    page.get_by_role("button", name="使用").click()
    expect(page.locator("#message")).to_contain_text(detail)
    expect(page.locator("main tbody tr")).to_have_count(0)
    name = re.sub(r"\W+", "-", path.strip("/"))
    on_the_day.screenshot(f"supervision-refused-{name}-{role}")
