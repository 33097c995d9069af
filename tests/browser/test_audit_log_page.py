"""The audit log's public page in headless Chromium, with the audit log running: the latest
checkpoint (origin, size, root, signing time) and the verifier key as the API serves
them, an inclusion proof looked up by id and version and verified in the browser, an
unknown event, the English switch and a phone-sized screen."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from domain.transparency.checkpoint import Checkpoint
from domain.transparency.note import Verifier
from tests.browser.conftest import Site
from tests.integration.audit_helpers import AUDIT_ENV, recorded_events, wait_logged
from tests.integration.harness import Hall


@pytest.fixture(scope="module")
def logged(hall: Hall) -> Iterator[dict[str, Any]]:
    """A case accepted and in the log, under a signed checkpoint: its id, its last
    version, the served checkpoint and verifier key."""
    platform = hall.platform
    platform.start("audit log", label="audit", env=AUDIT_ENV)
    case = hall.submit("SCJG-001")
    hall.act(case, "accept", "clerk")
    wait_logged(platform)
    vkey = httpx.get(f"{platform.base_url}/api/v1/audit/verifier-key", timeout=10).text
    note = httpx.get(f"{platform.base_url}/api/v1/audit/checkpoint", timeout=10).text
    (event,) = [e for e in recorded_events(platform) if e.subject == case["case_id"]][1:]
    yield {
        "case_id": case["case_id"],
        "version": event.version,
        "vkey": vkey,
        "checkpoint": Checkpoint.open(note, Verifier.parse(vkey)),
    }
    platform.stop("audit")


def test_the_checkpoint_key_and_a_verified_proof(site: Site, logged: dict[str, Any]) -> None:
    checkpoint: Checkpoint = logged["checkpoint"]
    page = site.goto("/audit-log")
    expect(page).to_have_title(re.compile("审计日志"))
    expect(page.get_by_role("link", name="审计日志")).to_have_attribute("aria-current", "page")
    expect(page.locator("#cp-origin")).to_have_text(checkpoint.origin)
    expect(page.locator("#cp-size")).to_have_text(str(checkpoint.size))
    expect(page.locator("#cp-root")).to_have_text(base64.b64encode(checkpoint.root).decode())
    expect(page.locator("#cp-signed")).to_have_text(re.compile(r"\d{4}"))
    expect(page.locator("#vkey")).to_have_text(logged["vkey"])
    expect(page.locator("#go-commands")).to_contain_text(f"{site.base_url}/api/v1/audit/checkpoint")

    page.get_by_label("ID（UUID）").fill(logged["case_id"])
    page.get_by_label("版本号").fill(str(logged["version"]))
    page.get_by_role("button", name="取得证明").click()
    status = page.locator("#proof-status")
    expect(status).to_have_text(re.compile(rf"^✓ 已核对.*大小为 {checkpoint.size} "))
    expect(status).to_have_attribute("data-verified", "true")
    expect(page.locator("#proof-json")).to_contain_text('"leaf_index"')
    expect(page.locator("#proof-commands")).to_contain_text(logged["case_id"])
    expect(page.get_by_role("alert")).to_be_hidden()
    site.screenshot("audit-log")

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(status).to_have_text(re.compile(r"^✓ Verified"))
    site.screenshot("audit-log-en")


def test_an_event_not_in_the_log_and_bad_input(site: Site, logged: dict[str, Any]) -> None:
    page = site.goto("/audit-log")
    expect(page.locator("#cp-size")).not_to_have_text("—")
    page.get_by_label("ID（UUID）").fill(logged["case_id"])
    page.get_by_label("版本号").fill("999")
    page.get_by_role("button", name="取得证明").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("没有该版本的事件"))
    expect(page.locator("#proof-result")).to_be_hidden()
    page.get_by_label("ID（UUID）").fill("not-a-uuid")
    page.get_by_label("版本号").fill("1")
    page.get_by_role("button", name="取得证明").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("须为 UUID"))


def test_a_proof_from_the_address_on_a_phone(phone: Site, logged: dict[str, Any]) -> None:
    page = phone.goto(f"/audit-log?case_id={logged['case_id']}&version={logged['version']}")
    expect(page.locator("#proof-status")).to_have_attribute("data-verified", "true")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
    phone.screenshot("audit-log-phone")
