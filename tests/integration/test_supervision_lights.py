"""The board's lights come from the deadline sweeper's events, and its days from the day of
reading, on the real servers under a simulated clock.

Accepted Mon 2026-09-28; read Fri 10-09 (国庆 10-01..10-07 off, 10-08 and Sat 10-10 are
working days): SCJG-001 (5 working days, deadline Sat 10-10) has used 4 of 5 → yellow,
1 working day left; JT-003 (2 working days, deadline Wed 09-30) has used 4 → red, 2
working days overdue (10-08, 10-09); SCJG-002 (12 working days) → green.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.harness import Hall, Platform, wait_until

APPLICANT = {"kind": "person", "name": "周九", "id_number": "110101198001010098"}
ACCEPTED = "2026-09-28T10:00+08:00"
READ = "2026-10-09T18:00+08:00"


def at(moment: str, **more: str) -> dict[str, str]:
    return {"CASETRAIL_MODE": "test", "CASETRAIL_SIMULATED_NOW": moment, **more}


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    platform.start("relay")
    platform.start("project")
    platform.start("api", env=at(ACCEPTED))
    staff = Hall(platform, APPLICANT)
    try:
        yield staff
    finally:
        staff.close()


@pytest.fixture(scope="module")
def board(hall: Hall, platform: Platform) -> dict[str, dict[str, Any]]:
    """The three cases' board rows once the sweeper has recorded what is due on 10-09, as
    read that day."""
    cases = {}
    for name, item in (("yellow", "SCJG-001"), ("red", "JT-003"), ("green", "SCJG-002")):
        cases[name] = hall.submit(item)
        hall.act(cases[name], "accept", "clerk")
    platform.start(
        "sweep",
        "sweep",
        at(READ, CASETRAIL_SWEEPER_INSTANCE="lights", CASETRAIL_SWEEP_SECONDS="0.3"),
    )
    platform.stop("api")
    platform.start("api", env=at(READ))
    supervisor = hall.client("supervisor")

    def lit() -> dict[str, dict[str, Any]]:
        rows = supervisor.get("/api/v1/supervision/cases").json()["items"]
        by_no = {row["case_no"]: row for row in rows}
        found = {name: by_no.get(case["case_no"]) for name, case in cases.items()}
        if all(row is not None and row["light"] == name for name, row in found.items()):
            return {name: row for name, row in found.items() if row is not None}
        return {}

    # four processes in turn (sweeper, relay, runner, API): slow on a loaded machine
    return wait_until(lit, timeout=180, what="the sweeper's lights on the board")


def test_lights_and_days_as_read_on_the_day(board: dict[str, dict[str, Any]]) -> None:
    yellow, red, green = board["yellow"], board["red"], board["green"]
    assert (yellow["promised_deadline"], yellow["days_remaining"]) == ("2026-10-10", 1)
    assert (red["promised_deadline"], red["days_remaining"], red["days_overdue"]) == (
        "2026-09-30",
        -2,
        2,
    )
    assert green["days_remaining"] > 0 and not green["alerts"]
    assert ("deadline_warning_raised", "2026-10-10") in {
        (a["kind"], a["deadline"]) for a in yellow["alerts"]
    }
    breach = next(a for a in red["alerts"] if a["kind"] == "deadline_breached")
    assert (breach["unit"], breach["allowed_days"], breach["raised_on"]) == ("G", 2, "2026-10-09")


def test_the_board_filters_and_exports_by_light(
    hall: Hall, board: dict[str, dict[str, Any]]
) -> None:
    supervisor = hall.client("supervisor")
    reds = supervisor.get("/api/v1/supervision/cases", params={"light": "red"}).json()["items"]
    assert [row["case_no"] for row in reds] == [board["red"]["case_no"]]
    ordered = supervisor.get("/api/v1/supervision/cases").json()["items"]
    assert [row["light"] for row in ordered] == ["red", "yellow", "green"]
    exported = supervisor.get("/api/v1/supervision/cases", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    red = next(row for row in rows if row["case_no"] == board["red"]["case_no"])
    assert (red["light"], red["days_overdue"]) == ("red", "2")
    assert "deadline_breached@2026-09-30" in red["alerts"]


def test_the_department_pages_count_the_lights(
    hall: Hall, board: dict[str, dict[str, Any]]
) -> None:
    scjg = hall.client("approver", "SCJG").get("/api/v1/supervision/departments/SCJG").json()
    summary = scjg["summary"]
    assert (summary["green"], summary["yellow"], summary["red"]) == (1, 1, 0)
    transport = hall.client("approver", "JT").get("/api/v1/staff/departments/JT/queue").json()
    assert [row["case_no"] for row in transport["due_soon"]["items"]] == [board["red"]["case_no"]]
