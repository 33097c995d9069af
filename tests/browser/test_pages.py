"""The public site in a real headless Chromium on the real servers: tracking (right and
wrong code, 429, live update without reload), the English switch, a phone-sized screen,
the decisions search, the statistics charts, the catalogue and an item's guide.

Every page is reached through the API process; the pages only call the public JSON API.
A screenshot of each page goes to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import ORGANISATION, PERSON, Site
from tests.integration.harness import Hall

DENIAL = {
    "reasons": ["经营场所与申请材料所述布局不一致"],
    "legal_basis": "《食品经营许可和备案管理办法》第二十一条",
    "appeal_notice": "可于收到本决定之日起六十日内申请行政复议，或六个月内提起行政诉讼。",
}
SKIPPED = {  # the head decided without the item's two handling steps, on record
    "skipped_steps": [{"step": s, "reason": "负责人当场审查决定"} for s in ("审查", "决定")]
}
PAGES = ("/", "/decisions", "/statistics", "/catalogue", "/catalogue/SCJG-001", "/audit-log")


@pytest.fixture(scope="module")
def accepted(hall: Hall) -> dict[str, Any]:
    """A food licence case, submitted and accepted, as the public sees it."""
    case = hall.submit("SCJG-001")
    position = hall.act(case, "accept", "clerk")
    return {**case, "view": hall.public(case, position)}


@pytest.fixture(scope="module")
def closed(hall: Hall) -> dict[str, list[dict[str, Any]]]:
    """Closed cases for the decisions and statistics: two approved, one denied."""
    cases: dict[str, list[dict[str, Any]]] = {"approved": [], "denied": []}
    for item, department, applicant in (
        ("SCJG-001", "SCJG", PERSON),
        ("SCJG-001", "SCJG", ORGANISATION),
    ):
        case = hall.submit(item, applicant)
        hall.act(case, "accept", "clerk")
        hall.public(case, hall.approve_and_close(case, department))
        cases["approved"].append(case)
    for case, level in zip(cases["approved"], (5, 2), strict=True):  # one very satisfied, one poor
        rated = hall.client("clerk").post(
            f"/api/v1/public/cases/{case['case_no']}/rating",
            json={"query_code": case["query_code"], "stage": "closure", "level": level},
        )
        assert rated.status_code == 200, rated.text
        hall.public(case, rated.json()["position"])
    case = hall.submit("SCJG-001", ORGANISATION)
    hall.act(case, "accept", "clerk")
    hall.act(case, "assign", "officer", "SCJG", assignee="officer-scjg")
    hall.act(case, "decide", "approver", "SCJG", outcome="denied", **DENIAL, **SKIPPED)
    hall.act(case, "deliver", "clerk", method="window")
    hall.public(case, hall.act(case, "complete", "officer", "SCJG"))
    cases["denied"].append(case)
    return cases


def look_up(page: Page, case_no: str, query_code: str) -> None:
    page.get_by_label("办件编号").fill(case_no)
    page.get_by_label("查询码").fill(query_code)
    page.get_by_role("button", name="查询").click()


def test_every_page_is_served_locally(hall: Hall) -> None:
    """Plain HTTP: each page is HTML with a viewport, a language and no outside address."""
    for path in PAGES:
        response = httpx.get(f"{hall.platform.base_url}{path}", timeout=10)
        assert response.status_code == 200, path
        html = response.text
        assert '<html lang="zh-CN">' in html and 'name="viewport"' in html
        assert "行政服务大厅 办件公开" in html
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), path
    vendor = httpx.get(f"{hall.platform.base_url}/static/vendor/echarts.min.js", timeout=10)
    assert vendor.status_code == 200, "run the setup step that vendors ECharts (npm ci + cp)"


def test_tracking_with_the_right_code(site: Site, accepted: dict[str, Any]) -> None:
    page = site.goto("/")
    expect(page).to_have_title(re.compile("办件查询"))
    look_up(page, accepted["case_no"], accepted["query_code"])
    expect(page.locator("#case-status")).to_have_text("已受理")
    timeline = page.locator("#timeline li")
    expect(timeline).to_have_count(2)
    expect(timeline.nth(0)).to_contain_text("已收件")
    expect(timeline.nth(1)).to_contain_text("已受理")
    result = page.locator("#track-result")
    expect(result).to_contain_text("食品经营许可")
    expect(result).to_contain_text("李*龙")
    expect(result).to_contain_text(accepted["view"]["promised_deadline"][:10])
    assert accepted["view"]["limit_unit"] == "G"  # SCJG-001 promises 5 working days
    remaining = accepted["view"]["days_remaining"]
    expect(page.locator("#clock")).to_have_text(f"剩余 {remaining} 个工作日")
    content = page.content()
    assert PERSON["name"] not in content and PERSON["id_number"] not in content
    expect(page.get_by_role("alert")).to_be_hidden()
    site.screenshot("track")


def test_tracking_a_natural_day_limit(site: Site, hall: Hall) -> None:
    """JT-001 promises 10 natural days: the page counts days, not working days."""
    case = hall.submit("JT-001")
    view = hall.public(case, hall.act(case, "accept", "clerk"))
    assert (view["limit_unit"], view["days_remaining"]) == ("Z", 10)
    page = site.goto("/")
    look_up(page, case["case_no"], case["query_code"])
    expect(page.locator("#clock")).to_have_text("剩余 10 天")
    page.get_by_role("link", name="English").click()
    expect(page.locator("#clock")).to_have_text("10 days remaining")


def test_tracking_with_a_wrong_code_or_number(site: Site, accepted: dict[str, Any]) -> None:
    page = site.goto("/")
    look_up(page, accepted["case_no"], "WRONG-CODE")
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(re.compile("办件编号或查询码不正确"))
    expect(page.locator("#track-result")).to_be_hidden()
    site.screenshot("track-wrong-code")
    look_up(page, "SCJG-1999-999999", accepted["query_code"])
    expect(alert).to_have_text(re.compile("办件编号或查询码不正确"))
    look_up(page, accepted["case_no"], accepted["query_code"])
    expect(page.locator("#case-status")).to_have_text("已受理")
    expect(alert).to_be_hidden()


def test_too_many_lookups_says_when_to_retry(site: Site, accepted: dict[str, Any]) -> None:
    """The page's answer to a 429 (the API's limit itself is tested on the API)."""

    def limited(route: Route) -> None:
        route.fulfill(
            status=429,
            headers={"Retry-After": "42", "Content-Type": "application/problem+json"},
            body='{"type":"about:blank","title":"Too Many Requests","status":429}',
        )

    page = site.goto("/")
    page.route("**/api/v1/public/cases/**", limited)
    look_up(page, accepted["case_no"], accepted["query_code"])
    expect(page.get_by_role("alert")).to_have_text("查询过于频繁，请在 42 秒后再试。")
    expect(page.locator("#track-result")).to_be_hidden()


def test_a_new_milestone_appears_without_reload(site: Site, hall: Hall) -> None:
    case = hall.submit("SCJG-001")
    hall.public(case, hall.act(case, "accept", "clerk"))
    page = site.goto("/")
    look_up(page, case["case_no"], case["query_code"])
    expect(page.locator("#case-status")).to_have_text("已受理")
    page.evaluate("window.__sameDocument = true")

    hall.act(case, "assign", "officer", "SCJG", assignee="officer-scjg")
    hall.act(
        case,
        "request-supplement",
        "officer",
        "SCJG",
        missing=[{"code": "M3", "name": "经营布局图"}],
    )
    expect(page.locator("#case-status")).to_have_text("待补正材料")
    expect(page.locator("#missing")).to_contain_text("经营布局图")
    expect(page.locator("#live-note")).to_contain_text("办理进程已更新")

    hall.act(case, "provide-supplement", "clerk", provided=[{"code": "M3", "name": "经营布局图"}])
    expect(page.locator("#case-status")).to_have_text("材料已补齐")
    expect(page.locator("#missing")).to_have_count(0)

    hall.act(case, "decide", "approver", "SCJG", outcome="denied", **DENIAL, **SKIPPED)
    expect(page.locator("#case-status")).to_have_text("已决定：不予许可")
    decision = page.locator("section.decision")
    expect(decision).to_contain_text(DENIAL["reasons"][0])
    expect(decision).to_contain_text(DENIAL["legal_basis"])
    expect(decision).to_contain_text("行政复议")

    hall.act(case, "deliver", "clerk", method="post")
    hall.act(case, "complete", "officer", "SCJG")
    expect(page.locator("#case-status")).to_have_text("已办结")
    expect(page.locator("#timeline li").last).to_contain_text("已办结")
    rating = page.locator("#rating-form")
    expect(rating).to_be_visible()
    rating.get_by_label("满意", exact=True).check()
    rating.get_by_role("button", name="提交评价").click()
    expect(page.locator("#rating-status")).to_contain_text("感谢您的评价")
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded"
    site.screenshot("track-live")


def test_english_switch_is_remembered(site: Site, accepted: dict[str, Any]) -> None:
    page = site.goto("/")
    look_up(page, accepted["case_no"], accepted["query_code"])
    expect(page.locator("#case-status")).to_have_text("已受理")
    switch = page.get_by_role("link", name="English")
    switch.focus()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Track your case")
    expect(page.locator("#case-status")).to_have_text("Accepted")
    expect(page.locator("#timeline li").nth(0)).to_contain_text("Received")
    expect(page.get_by_role("link", name="Published decisions")).to_be_visible()
    site.screenshot("track-en")

    page.get_by_role("link", name="Published decisions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Published decisions")
    page.goto("/catalogue?lang=zh")
    expect(page.get_by_role("heading", level=1)).to_have_text("权力清单")
    page.goto("/statistics")
    expect(page.get_by_role("heading", level=1)).to_have_text("统计分析")
    page.goto("/?lang=en")
    expect(page.get_by_role("link", name="中文")).to_be_visible()
    expect(page.get_by_label("Case number")).to_be_visible()


def test_keyboard_and_phone(phone: Site, accepted: dict[str, Any]) -> None:
    page = phone.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="跳到主要内容")).to_be_focused()
    page.get_by_label("办件编号").focus()
    page.keyboard.type(accepted["case_no"])
    page.keyboard.press("Tab")
    expect(page.get_by_label("查询码")).to_be_focused()
    page.keyboard.type(accepted["query_code"])
    page.keyboard.press("Enter")
    expect(page.locator("#case-status")).to_have_text("已受理")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
    phone.screenshot("track-phone")


def test_decisions_search_filters_and_table(
    site: Site, closed: dict[str, list[dict[str, Any]]]
) -> None:
    denied = closed["denied"][0]
    page = site.goto("/decisions")
    rows = page.locator("#decisions-table tbody tr")
    expect(rows.first).to_have_attribute("data-case-no", re.compile(r"\S"))
    expect(page.locator("#decisions-summary")).to_have_text(re.compile(r"共 \d+ 件"))
    site.screenshot("decisions")

    page.get_by_label("结果").select_option("denied")
    page.get_by_role("button", name="检索").click()
    expect(page.locator(f'tr[data-case-no="{denied["case_no"]}"]')).to_be_visible()
    for approved in closed["approved"]:
        expect(page.locator(f'tr[data-case-no="{approved["case_no"]}"]')).to_have_count(0)
    expect(page).to_have_url(re.compile("outcome=denied"))

    page.get_by_label("结果").select_option("")
    page.get_by_label("关键词").fill(closed["approved"][1]["case_no"])
    page.get_by_role("button", name="检索").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(ORGANISATION["name"])
    expect(rows.first).to_contain_text("市场监督管理局")

    page.get_by_label("关键词").fill("")
    page.get_by_label("部门").select_option("SCJG")
    page.get_by_label("事项").select_option("SCJG-001")
    page.get_by_role("button", name="检索").click()
    expect(page.locator("#decisions-summary")).to_have_text(re.compile(r"共 ([3-9]|\d{2,}) 件"))
    assert PERSON["name"] not in page.content()


def test_statistics_render_charts_and_table(
    site: Site, closed: dict[str, list[dict[str, Any]]]
) -> None:
    page = site.goto("/statistics")
    expect(page.locator("body")).to_have_attribute("data-stats-ready", "true")
    expect(page.get_by_role("alert")).to_be_hidden()
    expect(page.locator("#charts-note")).to_be_hidden()
    for chart in ("ontime", "share", "monthly"):
        canvas = page.locator(f"#chart-{chart} canvas").first
        expect(canvas).to_be_visible()
        box = canvas.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, (chart, box)
    table = page.locator("#stats-table tbody")
    expect(table).to_contain_text("市场监督管理局")
    # the ratings as a bar; other tests may have rated more of the department's cases
    bar = table.get_by_role("img", name=re.compile(r"2★ [1-9]\d* · 3★ \d+ · 4★ \d+ · 5★ [1-9]"))
    expect(bar).to_be_visible()
    segments = bar.locator("span")
    expect(segments.first).to_have_class(re.compile(r"rating-[12]"))  # poor on the left
    expect(segments.last).to_have_class("rating-5")
    expect(page.locator("#monthly-table tbody tr").first).to_contain_text(
        re.compile(r"\d{4}-\d{2}")
    )
    site.screenshot("statistics")


def test_statistics_without_echarts_still_show_the_table(
    site: Site, closed: dict[str, list[dict[str, Any]]]
) -> None:
    site.context.route("**/static/vendor/echarts.min.js", lambda route: route.abort())
    page = site.goto("/statistics")
    expect(page.locator("#charts-note")).to_be_visible()
    expect(page.locator("#charts")).to_be_hidden()
    expect(page.locator("#stats-table tbody")).to_contain_text("市场监督管理局")
    site.screenshot("statistics-no-charts")


def test_catalogue_and_an_items_guide(site: Site, hall: Hall) -> None:
    page = site.goto("/catalogue")
    rows = page.locator("#catalogue-table tbody tr")
    expect(rows.first).to_contain_text(re.compile(r"\S"))
    expect(page.locator("#catalogue-table")).to_contain_text("不动产登记")
    site.screenshot("catalogue")

    page.get_by_label("部门").select_option("SCJG")
    page.get_by_role("button", name="检索").click()
    link = page.get_by_role("link", name="食品经营许可", exact=True)
    expect(link).to_be_visible()
    expect(page.locator("#catalogue-table")).not_to_contain_text("不动产登记")
    link.click()

    expect(page).to_have_url(re.compile("/catalogue/SCJG-001$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("食品经营许可")
    guide = page.locator("#item-guide")
    expect(guide).to_contain_text("食品经营许可申请书")
    expect(guide).to_contain_text("10 个工作日")
    expect(guide).to_contain_text("5 个工作日")
    expect(guide).to_contain_text("《中华人民共和国食品安全法》第三十五条")
    expect(guide).to_contain_text("12345政务服务便民热线")
    expect(guide).to_contain_text("现场勘查")
    expect(guide).to_contain_text("本事项不收费")
    expect(guide.get_by_role("heading", name="修订记录")).to_be_visible()
    site.screenshot("catalogue-item")

    page.goto("/catalogue/ZRZY-002")
    expect(page.locator("#item-guide")).to_contain_text("80.00 元")
    page.get_by_role("link", name="English").click()
    expect(page.locator("#item-guide")).to_contain_text("¥80.00")
    expect(page.locator("#item-guide")).to_contain_text(re.compile(r"\d+ (working|calendar) days"))
    site.screenshot("catalogue-item-en")


def test_no_page_shows_a_persons_name_id_number_or_phone(
    site: Site, accepted: dict[str, Any], closed: dict[str, list[dict[str, Any]]]
) -> None:
    secrets = [
        PERSON["name"],
        PERSON["id_number"],
        *([PERSON["phone"]] if "phone" in PERSON else []),
    ]
    shown = []
    for path in PAGES:
        page = site.goto(path)
        if path == "/":
            look_up(page, accepted["case_no"], accepted["query_code"])
            expect(page.locator("#timeline")).to_be_visible()
        page.wait_for_load_state("networkidle")
        shown.append(page.content())
    text = "\n".join(shown)
    assert closed["approved"] and accepted["view"]["applicant"] in text
    for secret in secrets:
        assert secret not in text, f"{secret} is shown on a public page"
