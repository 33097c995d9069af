"""The inspectors' anomaly page in headless Chromium on the real servers: the queue with
its level colours, one anomaly with its evidence and rule, confirming with a note and
dismissing only with a reason; without an inspector's token it shows nothing.
Screenshots: test-artifacts/screenshots/anomalies*.png."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from domain.anomalies.detection import anomaly_id
from tests.browser.conftest import Site
from tests.integration.harness import Hall, wait_until


@pytest.fixture(scope="module")
def anomalies(hall: Hall) -> dict[str, Any]:
    """The detector running, a case reassigned three times (P06, a warning) and one
    accepted and decided by the same head (I02, serious), both in the queue."""
    hall.platform.start("anomalies")
    reassigned = hall.submit("SCJG-001")
    hall.act(reassigned, "accept", "clerk")
    for officer in ("officer-a", "officer-b", "officer-c"):
        hall.act(reassigned, "assign", "officer", "SCJG", assignee=officer)
    same = hall.submit("SCJG-001")
    hall.act(same, "accept", "approver", "SCJG")
    hall.act(same, "assign", "officer", "SCJG", assignee="officer-a")
    hall.act(same, "complete-step", "officer", "SCJG", step="审查", opinion="agree")
    hall.act(same, "complete-step", "approver", "SCJG", step="决定", opinion="agree")
    hall.act(same, "decide", "approver", "SCJG", outcome="approved")
    ids = {
        "P06": anomaly_id("P06", reassigned["case_id"], "assignments"),
        "I02": anomaly_id("I02", same["case_id"], "accept-decide"),
    }
    inspector = hall.client("inspector")

    def listed() -> bool:
        paths = [f"/api/v1/audit/anomalies/{anomaly}" for anomaly in ids.values()]
        return all(inspector.get(path).status_code == 200 for path in paths)

    wait_until(listed, what="both anomalies in the queue")
    return ids


def test_inspectors_work_the_queue(site: Site, hall: Hall, anomalies: dict[str, Any]) -> None:
    page = site.goto(f"/audit/anomalies#token={hall.platform.token('inspector')}")
    warning = page.locator(f'tr[data-anomaly="{anomalies["P06"]}"]')
    serious = page.locator(f'tr[data-anomaly="{anomalies["I02"]}"]')
    expect(warning).to_have_class(re.compile("level-warning"))
    expect(serious).to_have_class(re.compile("level-serious"))
    expect(serious.locator(".badge.level-serious")).to_have_text("严重")
    assert "token=" not in page.url  # the token left the address at once
    site.screenshot("anomalies")

    warning.get_by_role("button").click()
    detail = page.locator("#detail")
    expect(detail).to_contain_text("频繁改派承办人")
    expect(detail).to_contain_text("max_assignments = 2")
    expect(page.locator("#evidence tbody tr")).to_have_count(3)
    page.get_by_label("核实说明或排除理由").fill("同一办件三次改派，已约谈")
    page.get_by_role("button", name="核实").click()
    expect(page.locator("#detail-title")).to_contain_text("已核实")
    expect(page.locator("#findings")).to_contain_text("同一办件三次改派，已约谈")
    expect(warning).to_have_count(0)  # the open queue no longer lists it
    site.screenshot("anomalies-confirmed")

    serious.get_by_role("button").click()
    expect(detail).to_contain_text("受理与决定未分离")
    page.get_by_role("button", name="排除").click()
    expect(page.locator("#message")).to_have_text("排除须填写理由。")
    page.get_by_label("核实说明或排除理由").fill("负责人当场受理并决定，有书面授权")
    page.get_by_role("button", name="排除").click()
    expect(page.locator("#detail-title")).to_contain_text("已排除")
    inspector = hall.client("inspector")
    view = inspector.get(f"/api/v1/audit/anomalies/{anomalies['I02']}").json()
    assert view["findings"][0]["text"] == "负责人当场受理并决定，有书面授权"


def test_without_an_inspectors_token_the_page_shows_nothing(
    site: Site, hall: Hall, anomalies: dict[str, Any]
) -> None:
    page = site.goto("/audit/anomalies")
    expect(page.locator("#token-form")).to_be_visible()
    page.get_by_label("访问令牌").fill(hall.platform.token("clerk"))
    page.get_by_role("button", name="使用").click()
    expect(page.locator("#message")).to_contain_text("Forbidden")
    expect(page.locator("#queue tbody tr")).to_have_count(0)
    site.screenshot("anomalies-refused")
    served = httpx.get(f"{hall.platform.base_url}/audit/anomalies", timeout=10)
    assert served.status_code == 200 and "异常线索" in served.text
