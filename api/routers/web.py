"""The public web site (办件公开): HTML shells whose scripts read the public JSON API;
and the inspectors' pages (``/audit/...``), whose scripts read the audit API with a
staff token (``static/js/staff.js``) and a case file for every read.

The pages hold no data: each is a shell from ``api/web/pages`` wrapped in the shared
layout, and its script module (``api/web/static/js``) fetches ``/api/v1/...``.
Nothing here touches the event store or the projections. Every asset is served from
``/static``; the ECharts bundle is copied to ``static/vendor`` by the setup step.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
PAGES_DIR = WEB_DIR / "pages"
STATIC_DIR = WEB_DIR / "static"
CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"  # an item's or department's code, a case number
# The security headers come from api/security_headers.py, for every response.
PAGE_HEADERS = {"Cache-Control": "no-cache"}


@dataclass(frozen=True)
class Page:
    """One page: its shell file, its script module, its title and its navigation entry."""

    name: str
    path: str
    title_zh: str
    title_en: str
    scripts: tuple[str, ...] = ()


PAGES = {
    page.name: page
    for page in (
        Page("track", "/", "办件查询", "Track a case"),
        Page("decisions", "/decisions", "办件公示", "Published decisions"),
        Page("statistics", "/statistics", "统计分析", "Statistics", ("vendor/echarts.min.js",)),
        Page("catalogue", "/catalogue", "权力清单", "Service catalogue"),
        Page("item", "/catalogue", "办事指南", "Service guide"),
        Page("audit-case", "/audit/cases", "办件审计轨迹", "Case audit trail"),
        Page(
            "audit-officer",
            "/audit/officers",
            "人员履职轨迹",
            "Officer trail",
            ("vendor/echarts.min.js",),
        ),
        Page("anomalies", "/audit/anomalies", "异常线索", "Anomalies"),  # inspectors'
        Page("audit", "/audit-log", "审计日志", "Audit log"),
        Page("supervision", "/supervision", "电子监察", "Supervision board"),  # staff's
        Page(
            "supervision-department",
            "/supervision/departments",
            "部门效能",
            "Department performance",
            ("vendor/echarts.min.js",),
        ),
        Page("staff-queue", "/staff/queue", "我的待办", "My work queue"),
        Page("staff-case", "/staff/cases", "办件详情", "Case"),
    )
}
NAVIGATION = ("track", "decisions", "statistics", "catalogue", "audit")
SLOT = re.compile(r"\{\{(\w+)\}\}")

router = APIRouter(include_in_schema=False)


@cache
def _file(name: str) -> str:
    return (PAGES_DIR / name).read_text(encoding="utf-8")


def render(name: str, lang: str = "zh") -> str:
    """The page ``name`` inside the shared layout, in ``lang`` (``zh`` or ``en``)."""
    page = PAGES[name]
    current = "catalogue" if name == "item" else name
    nav = "\n".join(
        f'<li><a href="{PAGES[key].path}" data-i18n="nav.{key}"'
        + (' aria-current="page"' if key == current else "")
        + f">{html.escape(PAGES[key].title_zh)}</a></li>"
        for key in NAVIGATION
    )
    scripts = "\n".join(
        f'<script src="/static/{html.escape(src)}" defer></script>' for src in page.scripts
    )
    slots = {
        "lang": "en" if lang == "en" else "zh-CN",
        "page": page.name,
        "title": html.escape(page.title_zh),
        "nav": nav,
        "content": _file(f"{page.name}.html"),
        "scripts": scripts,
    }
    return SLOT.sub(lambda match: slots[match.group(1)], _file("layout.html"))


def _respond(name: str, lang: str | None) -> HTMLResponse:
    return HTMLResponse(render(name, lang or "zh"), headers=PAGE_HEADERS)


@router.get("/", response_class=HTMLResponse)
def track_page(lang: str | None = None) -> HTMLResponse:
    """Track a case with its number and query code (办件查询)."""
    return _respond("track", lang)


@router.get("/decisions", response_class=HTMLResponse)
def decisions_page(lang: str | None = None) -> HTMLResponse:
    """Published decisions (办件公示)."""
    return _respond("decisions", lang)


@router.get("/statistics", response_class=HTMLResponse)
def statistics_page(lang: str | None = None) -> HTMLResponse:
    """Department and item performance (统计分析)."""
    return _respond("statistics", lang)


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue_page(lang: str | None = None) -> HTMLResponse:
    """The power list (权力清单)."""
    return _respond("catalogue", lang)


@router.get("/catalogue/{code}", response_class=HTMLResponse)
def item_page(code: str, lang: str | None = None) -> HTMLResponse:
    """One item's service guide (办事指南); the script reads the code from the address."""
    if not re.fullmatch(CODE, code):
        raise HTTPException(404, "no such page")
    return _respond("item", lang)


@router.get("/audit/cases", response_class=HTMLResponse)
def audit_case_page(lang: str | None = None) -> HTMLResponse:
    """Inspectors: a case's audit trail, and the differences between two versions."""
    return _respond("audit-case", lang)


@router.get("/audit/officers", response_class=HTMLResponse)
def audit_officer_page(lang: str | None = None) -> HTMLResponse:
    """Inspectors: one officer's actions across cases (人员履职轨迹)."""
    return _respond("audit-officer", lang)


@router.get("/audit/anomalies", response_class=HTMLResponse)
def anomalies_page(lang: str | None = None) -> HTMLResponse:
    """The inspectors' anomaly queue (异常线索); its script calls the audit API with the
    staff token the inspector gives it."""
    return _respond("anomalies", lang)


@router.get("/audit-log", response_class=HTMLResponse)
def audit_page(lang: str | None = None) -> HTMLResponse:
    """The transparency log (审计日志): the latest checkpoint, the verifier key, a proof
    lookup and how to verify them independently."""
    return _respond("audit", lang)


@router.get("/supervision", response_class=HTMLResponse)
def supervision_page(lang: str | None = None) -> HTMLResponse:
    """Supervisors and approvers: the live board of open cases and their lights (电子监察);
    its script reads the supervision API with the staff token, the filters in the address."""
    return _respond("supervision", lang)


@router.get("/supervision/departments/{code}", response_class=HTMLResponse)
def supervision_department_page(code: str, lang: str | None = None) -> HTMLResponse:
    """One department's performance: KPI tiles, ageing, on-time trend and officer ranking;
    the script reads the code from the address."""
    if not re.fullmatch(CODE, code):
        raise HTTPException(404, "no such page")
    return _respond("supervision-department", lang)


@router.get("/staff/queue", response_class=HTMLResponse)
def staff_queue_page(lang: str | None = None) -> HTMLResponse:
    """Staff: the caller's work queue and their department's (我的待办)."""
    return _respond("staff-queue", lang)


@router.get("/staff/cases/{case_no}", response_class=HTMLResponse)
def staff_case_page(case_no: str, lang: str | None = None) -> HTMLResponse:
    """Staff: one case as the supervision view holds it (light, clocks, steps, alerts); the
    script reads the number from the address."""
    if not re.fullmatch(CODE, case_no):
        raise HTTPException(404, "no such page")
    return _respond("staff-case", lang)


def install(app: FastAPI) -> None:
    """Serve the site: the pages' routes and ``/static``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
