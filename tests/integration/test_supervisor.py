"""Under the supervisor of ``casetrail up``, a killed relay, projection runner or API is
started again, and the others go on serving: the hall never stops for one crash."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import httpx
import pytest

from infra.entrypoints.supervisor import Supervisor
from tests.integration.harness import Hall, Platform, wait_until

PERSON = {"kind": "person", "name": "孙七", "id_number": "110101199202021234"}


@pytest.fixture(scope="module")
def supervised(platform: Platform) -> Iterator[tuple[Supervisor, Hall]]:
    supervisor = platform.supervisor()
    supervisor.start()
    hall = Hall(platform, PERSON)
    try:
        wait_until(lambda: _answers(hall, supervisor), what="the supervised API")
        yield supervisor, hall
    finally:
        hall.close()
        supervisor.stop()


def _answers(hall: Hall, supervisor: Supervisor) -> bool:
    supervisor.watch()
    try:
        return hall.client("clerk").get("/openapi.json").status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.parametrize("name", ["relay", "project", "api"])
def test_a_killed_process_is_restarted_and_nothing_is_lost(
    supervised: tuple[Supervisor, Hall], name: str
) -> None:
    supervisor, hall = supervised
    child = supervisor.children[name]
    assert child.process is not None
    killed = child.process.pid
    os.kill(killed, signal.SIGKILL)
    before = child.restarts

    def restarted() -> bool:
        supervisor.watch()
        return child.restarts == before + 1 and child.process is not None

    wait_until(restarted, what=f"the {name} to start again")
    assert child.last_exit == -signal.SIGKILL and child.process.pid != killed
    others = [c for c in supervisor.children.values() if c is not child]
    assert all(c.process and c.process.poll() is None for c in others)
    # commands taken while it was away reach the public view once it is back
    wait_until(lambda: _answers(hall, supervisor), what="the API")
    case = hall.submit("SCJG-001")
    position = hall.act(case, "accept", "clerk")

    def shown() -> bool:
        supervisor.watch()
        view = hall.client("clerk").get(
            f"/api/v1/public/cases/{case['case_no']}",
            params={"query_code": case["query_code"], "min_position": position},
        )
        return view.status_code == 200 and view.json()["status"] == "accepted"

    wait_until(shown, what="the case in the public view")
