"""CASETRAIL_SIMULATED_NOW starts a real API process at that moment, in test mode only."""

from __future__ import annotations

import subprocess

from infra.entrypoints import cli
from infra.state import ROOT
from tests.integration.harness import Platform

SIMULATED = {"CASETRAIL_MODE": "test", "CASETRAIL_SIMULATED_NOW": "2026-09-30T10:00:00+08:00"}


def test_an_api_under_a_simulated_clock_marks_its_events(platform: Platform) -> None:
    platform.start("api", env=SIMULATED)
    with platform.client() as clerk:
        case = clerk.post(
            "/api/v1/cases",
            json={
                "item_code": "SCJG-001",
                "channel": "kiosk",
                "applicant": {"kind": "person", "name": "孙七", "id_number": "1"},
            },
        ).json()
        assert case["case_no"] == "SCJG-20260930-0001"
        clerk.post(f"/api/v1/cases/{case['case_id']}/accept").raise_for_status()
        staff = clerk.get(f"/api/v1/cases/{case['case_id']}").json()
    # Accepted Wed 09-30 just before National Day (10-01..10-07 off, 10-10 a make-up Saturday):
    # promised 5 working days → 10-08, 10-09, 10-10, 10-12, 10-13.
    assert staff["promised_deadline"] == "2026-10-13"
    assert staff["accepted_at"].startswith("2026-09-30T02:00")
    rows = platform.sql(
        "SELECT count(*) FROM casetrail_events WHERE originator_id = %s", case["case_id"]
    )
    assert rows[0][0] == 2
    platform.stop("api")


def test_a_simulated_clock_is_refused_in_production(platform: Platform) -> None:
    env = {
        **platform.env(),
        "CASETRAIL_SIMULATED_NOW": "2026-09-30T10:00:00+08:00",
        "CASETRAIL_MODE": "production",
    }
    done = subprocess.run(
        cli.command("api"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "CASETRAIL_SIMULATED_NOW is refused in mode 'production'" in done.stderr
