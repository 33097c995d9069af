"""The platform rides out a restart of PostgreSQL and of Kafka.

The relay, the projection runner and the API keep running; nothing they had
acknowledged is lost, and what arrives afterwards reaches the public view.
Only the project's own servers are restarted (never external ones).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from infra.local import kafka, postgres
from infra.state import state_dir
from tests.integration.harness import (
    OWN_SERVERS_ONLY,
    PROCESSES,
    Hall,
    Platform,
    running_hall,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.serial, OWN_SERVERS_ONLY]

PERSON = {"kind": "person", "name": "周八", "id_number": "110101199201011234"}


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


def shown(hall: Hall, case: dict[str, Any]) -> dict[str, Any]:
    """The public view once it includes the case's last event (polled: a restarted
    consumer group may take a while to rebalance)."""

    def reached() -> dict[str, Any] | None:
        response = hall.client("clerk").get(
            f"/api/v1/public/cases/{case['case_no']}",
            params={"query_code": case["query_code"], "min_position": case["position"]},
        )
        if response.headers.get("Casetrail-Position-Reached") != "true":
            return None
        return dict(response.json())

    view = wait_until(reached, timeout=120, what=f"the public view of {case['case_no']}")
    assert view is not None
    return view


def submit_until_taken(hall: Hall, key: str) -> dict[str, Any]:
    """Intake, retried with one Idempotency-Key while the API answers 503 (as a client
    told ``Retry-After`` would); the case is recorded once."""
    answers: list[int] = []

    def taken() -> dict[str, Any] | None:
        response = hall.client("clerk").post(
            "/api/v1/cases",
            json={"item_code": "SCJG-001", "channel": "window", "applicant": PERSON},
            headers={"Idempotency-Key": key},
        )
        answers.append(response.status_code)
        if response.status_code == 503:
            assert response.headers["Retry-After"]
            assert response.headers["content-type"] == "application/problem+json"
            return None
        assert response.status_code == 201, response.text
        return dict(response.json())

    case = wait_until(taken, timeout=60, what="the API to take a case again")
    assert case is not None and set(answers) <= {503, 201}, answers
    return case


def assert_still_running(platform: Platform) -> None:
    exited = {name: platform.processes[name].poll() for name in PROCESSES}
    assert exited == dict.fromkeys(PROCESSES), exited


def test_a_postgresql_restart(hall: Hall) -> None:
    platform = hall.platform
    before = hall.submit("SCJG-001")
    assert shown(hall, before)["status"] == "submitted"
    home = state_dir() / "postgres"
    postgres.stop(home)
    postgres.start(home)
    after = submit_until_taken(hall, "after-postgresql-restart")
    assert shown(hall, after)["status"] == "submitted"
    assert shown(hall, before)["status"] == "submitted"
    assert_still_running(platform)
    for name in ("relay", "project"):
        assert "lost a server" in platform.log(name), f"{name} never noticed the restart"


def test_commands_during_a_kafka_outage_reach_the_public_view(hall: Hall) -> None:
    platform = hall.platform
    home = state_dir() / "kafka"
    kafka.stop(home)
    try:
        during = hall.submit("SCJG-001")  # the event store is the outbox: intake goes on
        accepted = hall.act(during, "accept", "clerk")
    finally:
        kafka.start(home)
        kafka.wait_ready(home)
    view = shown(hall, {**during, "position": accepted})
    assert view["status"] == "accepted"
    assert_still_running(platform)
