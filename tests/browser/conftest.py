"""Headless Chromium (Debian's package, driven by Playwright's Python API) against a
private platform on the real servers: relay, projection runner and API as processes.

The browser is the system's ``/usr/bin/chromium`` (``infra/ensure_browser.sh`` installs
it); Playwright's own browser downloads are never used. Screenshots go to
``test-artifacts/screenshots/<name>.png``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Route,
    expect,
    sync_playwright,
)

from infra.state import ROOT
from tests.integration import conftest as integration
from tests.integration.harness import Hall, Platform, running_hall

# The integration suite's fixtures: the session's real servers and a module's platform.
stack_info = integration.stack_info
platform = integration.platform

CHROMIUM = Path(os.environ.get("CASETRAIL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Projection lag plus one ~3 s poll of the tracking page, with room for a loaded machine.
expect.set_options(timeout=20_000)
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PERSON = {
    "kind": "person",
    "name": "李小龙",
    "id_number": "110101199105052345",
    "phone": "13900000002",
}
ORGANISATION = {
    "kind": "organisation",
    "name": "明德餐饮有限公司",
    "id_number": "91320000MA1ABC0002",
}


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        answer = httpx.get(f"{platform.base_url}/", timeout=10)
        assert answer.status_code == 200 and "text/html" in answer.headers["content-type"], (
            "the API does not serve the web site: add `web.install(app)` to api/app.py"
        )
        yield staff


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run infra/ensure_browser.sh (Debian's chromium)")
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield chromium
    chromium.close()


class Site:
    """A browser context on the platform's site that refuses every other origin and
    records uncaught script errors, so a test fails on either."""

    def __init__(self, context: BrowserContext, base_url: str) -> None:
        self.context = context
        self.base_url = base_url
        self.origin = urlsplit(base_url).netloc
        self.foreign: list[str] = []
        self.errors: list[str] = []
        context.route("**/*", self._only_local)
        self.page = self.new_page()

    def new_page(self) -> Page:
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page

    def _only_local(self, route: Route) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or url.netloc == self.origin:
            route.fallback()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def goto(self, path: str) -> Page:
        self.page.goto(f"{self.base_url}{path}")
        return self.page

    def screenshot(self, name: str, page: Page | None = None) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        (page or self.page).screenshot(path=str(path), full_page=True)
        return path


def _site(browser: Browser, hall: Hall, **options: Any) -> Iterator[Site]:
    yield from site_at(browser, hall.platform.base_url, **options)


def site_at(browser: Browser, base_url: str, **options: Any) -> Iterator[Site]:
    """A browser context on the site at ``base_url`` (an API process of its own)."""
    context = browser.new_context(
        base_url=base_url, locale="zh-CN", timezone_id="Asia/Shanghai", **options
    )
    context.set_default_timeout(20_000)
    site = Site(context, base_url)
    try:
        yield site
        assert not site.errors, f"script errors: {site.errors}"
        assert not site.foreign, f"requests to other origins: {site.foreign}"
    finally:
        context.close()


@pytest.fixture
def site(browser: Browser, hall: Hall) -> Iterator[Site]:
    """A fresh desktop-sized browser context (no stored language choice)."""
    yield from _site(browser, hall, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone(browser: Browser, hall: Hall) -> Iterator[Site]:
    """A fresh phone-sized browser context."""
    yield from _site(
        browser,
        hall,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
