"""The inspectors' trail pages in a real headless Chromium on the real servers: the token
asked for once per tab, a case's timeline with each event's actor, role, department and
whole content, a diff between two versions picked on the timeline, an officer's trail
with its per-type summary; every read made with the case file typed in, refusals shown
with the problem's title and detail. The case trail checks in the browser each event's
link in the hash chain and its inclusion proof against the latest checkpoint: pending
before the audit log runs, every event proven once a checkpoint covers them, and a
rewritten hash in the trail pinpointed. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import PERSON, Site
from tests.integration.audit_helpers import AUDIT_ENV, leaves, wait_logged
from tests.integration.harness import Hall, wait_until

CASE_FILE = "纪检案卷〔2026〕第21号"
COMMENT = "经营场所经现场核查符合要求"


def handle(hall: Hall) -> dict[str, Any]:
    """A food licence case accepted, assigned, examined and suspended, in the trail."""
    case = hall.submit("SCJG-001")
    hall.act(case, "accept", "clerk")
    hall.act(case, "assign", "officer", "SCJG", assignee="officer-scjg")
    hall.act(
        case, "complete-step", "officer", "SCJG", step="审查", opinion="agree", comment=COMMENT
    )
    hall.act(case, "suspend", "officer", "SCJG", reason="申请人请求中止")
    wait_until(
        lambda: (
            hall.platform.sql(
                "SELECT count(*) FROM audit_events WHERE aggregate_id = %s", case["case_id"]
            )[0][0]
            == 5
        ),
        what="the case in the audit trail",
    )
    return case


@pytest.fixture(scope="module")
def handled(hall: Hall) -> dict[str, Any]:
    return handle(hall)


@pytest.fixture(scope="module")
def logged(hall: Hall, handled: dict[str, Any]) -> Iterator[None]:
    """The audit log running (from here to the module's end) and a checkpoint signed over
    every event recorded so far."""
    hall.platform.start("audit log", label="audit", env=AUDIT_ENV)
    wait_logged(hall.platform)
    yield
    hall.platform.stop("audit")


def give_token(page: Page, token: str) -> None:
    expect(page.locator("#token-form")).to_be_visible()
    page.get_by_label("访问令牌").fill(token)
    page.get_by_role("button", name="使用").click()
    expect(page.locator("#token-form")).to_have_count(0)


def show_trail(site: Site, hall: Hall, case_no: str) -> Locator:
    """The case's trail on the page, read by an inspector; its events."""
    page = site.goto("/audit/cases")
    page.get_by_label("办件编号（或办件 ID）").fill(case_no)
    page.get_by_label("案卷号").fill(CASE_FILE)
    page.get_by_role("button", name="查看轨迹").click()
    give_token(page, hall.platform.token("inspector"))
    return page.locator("#timeline > li")


def check(event: Locator, which: str) -> Locator:
    return event.locator(f"[data-check={which}]")


def leaf_indexes(hall: Hall, case_id: str) -> dict[int, int]:
    """{version: leaf index} of the case's events in the log."""
    return {
        version: index
        for index, _, aggregate, version, _ in leaves(hall.platform)
        if aggregate == case_id
    }


def access_log(hall: Hall) -> list[dict[str, Any]]:
    response = hall.client("senior_inspector").get(
        "/api/v1/audit/access-log", params={"inspector": "inspector-hall", "page_size": 200}
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_a_cases_trail_with_a_diff_between_two_versions(
    site: Site, hall: Hall, handled: dict[str, Any]
) -> None:
    page = site.goto("/audit/cases")
    expect(page).to_have_title("办件审计轨迹 · 行政服务大厅 办件公开 / casetrail")
    page.get_by_label("办件编号（或办件 ID）").fill(handled["case_no"])
    page.get_by_label("案卷号").fill(CASE_FILE)
    page.get_by_role("button", name="查看轨迹").click()
    give_token(page, hall.platform.token("inspector"))
    events = page.locator("#timeline > li")
    expect(events).to_have_count(5)
    expect(page.locator("#trail-heading")).to_have_text(f"办件 {handled['case_no']}")
    expect(page.locator("#trail-summary")).to_contain_text("SCJG · window · 共 5 个事件")
    assert page.locator("#trail-result").inner_text().count("（clerk · HALL）") == 2
    step = events.nth(3)
    expect(step).to_contain_text("case.step_completed")
    expect(step).to_contain_text("officer-scjg（officer · SCJG）")
    expect(step.locator("pre")).to_be_hidden()
    step.locator("summary").click()
    expect(step.locator("pre")).to_be_visible()
    expect(step.locator("pre")).to_contain_text(COMMENT)
    content = page.content()
    assert PERSON["name"] not in content and PERSON["id_number"] not in content
    page.get_by_role("button", name="比较所选的两个版本").click()
    expect(page.locator("#trail-message")).to_have_text("请在时间线上选择两个版本。")
    events.nth(4).get_by_label("选择比较").check()
    events.nth(3).get_by_label("选择比较").check()
    page.get_by_role("button", name="比较所选的两个版本").click()
    expect(page.locator("#diff h3")).to_have_text("版本 4 → 5 的变化")
    rows = page.locator("#diff-table tbody tr")
    expect(rows.filter(has_text="clock.paused")).to_contain_text("false")
    expect(rows.filter(has_text="clock.paused")).to_contain_text("true")
    expect(page.locator("#diff .between")).to_contain_text("case.suspended")
    for n in range(5):  # no audit log runs yet in this module: nothing is under a checkpoint
        expect(check(events.nth(n), "chain")).to_have_text("✓ 链接完整")
        expect(check(events.nth(n), "log")).to_have_text("… 尚未进入检查点")
    verdict = page.locator("#verification-summary")
    expect(verdict).to_have_attribute("data-verified", "pending")
    expect(verdict).to_contain_text("0 处断开；日志：0 个已证明，5 个尚未进入检查点")
    expect(page.locator("#verification-checkpoint")).to_have_text("日志尚未签署检查点。")
    site.screenshot("audit-case")
    reads = [e for e in access_log(hall) if e["case_file"] == CASE_FILE]
    assert sorted(e["read"] for e in reads) == ["case-diff", "case-trail", "event-search"]


def test_an_officers_trail_with_its_summary(
    site: Site, hall: Hall, handled: dict[str, Any]
) -> None:
    page = site.goto("/audit/officers")
    page.get_by_label("人员（用户 ID）").fill("officer-scjg")
    page.get_by_label("案卷号").fill(CASE_FILE)
    page.get_by_role("button", name="检索").click()
    give_token(page, hall.platform.token("inspector"))
    types = page.locator("#types-table tbody tr")
    expect(types.filter(has_text="case.assigned")).to_contain_text("1")
    expect(types.filter(has_text="case.step_completed")).to_contain_text("1")
    expect(page.locator("#cases-table tbody tr").first).to_contain_text(handled["case_no"])
    expect(page.locator("#officer-summary")).to_contain_text("officer-scjg")
    expect(page.locator("#actions > li").first).to_contain_text(handled["case_no"])
    expect(page.locator("body")).to_have_attribute("data-chart-ready", "true")
    site.screenshot("audit-officer")
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Officer trail")
    expect(page.locator("#officer-summary")).to_contain_text("officer-scjg: 3 actions on 1 cases")


def test_a_refused_read_shows_the_problem(site: Site, hall: Hall, handled: dict[str, Any]) -> None:
    page = site.goto("/audit/officers")
    page.get_by_label("人员（用户 ID）").fill("officer-scjg")
    page.get_by_label("案卷号").fill(CASE_FILE)
    page.get_by_role("button", name="检索").click()
    give_token(page, hall.platform.token("clerk"))
    expect(page.locator("#officer-message")).to_have_text(
        "Forbidden: role 'clerk' may not read-audit"
    )
    expect(page.locator("#officer-result")).to_be_hidden()
    site.screenshot("audit-refused")


def test_every_event_proven_against_the_checkpoint(
    site: Site, hall: Hall, handled: dict[str, Any], logged: None
) -> None:
    events = show_trail(site, hall, handled["case_no"])
    expect(events).to_have_count(5)
    verdict = site.page.locator("#verification-summary")
    expect(verdict).to_have_attribute("data-verified", "true")
    expect(verdict).to_have_text(
        re.compile(r"^✓ 全部 5 个事件链接完整，并已对照大小为 \d+ 的检查点证明。$")
    )
    for version, index in leaf_indexes(hall, handled["case_id"]).items():
        event = site.page.locator(f"#timeline > li[data-version='{version}']")
        expect(check(event, "chain")).to_have_attribute("data-state", "linked")
        expect(check(event, "log")).to_have_attribute("data-state", "proven")
        expect(check(event, "log")).to_have_text(
            re.compile(rf"^✓ 在日志中第 {index} 号叶子，已对照大小为 \d+ 的检查点证明$")
        )
    expect(site.page.locator("#verification-checkpoint")).to_contain_text("根哈希")
    site.screenshot("audit-case-verified")
    site.page.get_by_role("link", name="English").click()
    expect(verdict).to_have_text(
        re.compile(r"^✓ All 5 events linked and proven against the checkpoint of size \d+\.$")
    )


def test_a_rewritten_hash_in_the_trail_is_pinpointed(site: Site, hall: Hall, logged: None) -> None:
    case = handle(hall)
    wait_logged(hall.platform)
    (original,) = hall.platform.sql(
        "SELECT hash FROM audit_events WHERE aggregate_id = %s AND version = 3", case["case_id"]
    )[0]
    forged = "ab" * 32
    hall.platform.sql(
        "UPDATE audit_events SET hash = %s WHERE aggregate_id = %s AND version = 3",
        forged,
        case["case_id"],
    )
    events = show_trail(site, hall, case["case_no"])
    expect(check(events.nth(2), "chain")).to_have_attribute("data-state", "linked")
    expect(check(events.nth(2), "log")).to_have_attribute("data-state", "failed")
    expect(check(events.nth(2), "log")).to_contain_text("✗ 证明不成立")
    expect(check(events.nth(3), "chain")).to_have_text(
        f"✗ 链接断开：前一哈希应为 {forged[:16]}…，实为 {original[:16]}…"
    )
    expect(check(events.nth(3), "log")).to_have_attribute("data-state", "proven")
    expect(site.page.locator("#verification-summary")).to_have_text(
        "✗ 哈希链：4/5 个事件链接完整，1 处断开；"
        "日志：4 个已证明，0 个尚未进入检查点，1 个证明不成立或未能取得。"
    )
    expect(site.page.locator("#verification-summary")).to_have_attribute("data-verified", "false")
    site.screenshot("audit-case-tampered")
