"""``Idempotency-Key`` on the real servers: replays, races, and a crash mid-command.

The key is claimed in the transaction that records the command's events, so a
crash can leave either both or neither, never a key without an outcome.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import httpx
import psycopg
import pytest

from api.idempotency import run_once
from domain.actor import Actor
from domain.case.commands import Accept
from domain.recorded import Recorded, RequestKey
from infra.entrypoints.bootstrap import build_application, open_pool
from tests.integration.harness import Hall, Platform, running_hall, wait_until

pytestmark = pytest.mark.integration

PERSON = {"kind": "person", "name": "李四", "id_number": "110101198001011234"}
MATERIALS = [{"code": "M1", "name": "申请书"}]


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


def accept(hall: Hall, case: dict[str, Any], key: str) -> httpx.Response:
    return hall.client("clerk").post(
        f"/api/v1/cases/{case['case_id']}/accept", json={}, headers={"Idempotency-Key": key}
    )


def events_of(platform: Platform, case: dict[str, Any]) -> int:
    rows = platform.sql(
        "SELECT count(*) FROM casetrail_events WHERE originator_id = %s", case["case_id"]
    )
    return int(rows[0][0])


def test_a_retried_intake_shows_the_same_number_and_query_code(hall: Hall) -> None:
    body = {"item_code": "SCJG-001", "channel": "window", "applicant": PERSON}
    clerk = hall.client("clerk")
    first = clerk.post(
        "/api/v1/cases",
        json={**body, "materials": MATERIALS},
        headers={"Idempotency-Key": "intake-1"},
    )
    again = clerk.post(
        "/api/v1/cases",
        json={**body, "materials": MATERIALS},
        headers={"Idempotency-Key": "intake-1"},
    )
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    case = first.json()
    assert events_of(hall.platform, case) == 1
    assert hall.public(case, case["position"])["status"] == "submitted"  # the code works


def test_the_same_key_sent_at_once_records_once(hall: Hall) -> None:
    case = hall.submit("SCJG-001")
    responses: list[httpx.Response] = []
    start = threading.Barrier(6)

    def send() -> None:
        with hall.platform.client("clerk") as client:
            start.wait()
            responses.append(
                client.post(
                    f"/api/v1/cases/{case['case_id']}/accept",
                    json={},
                    headers={"Idempotency-Key": "race-1"},
                )
            )

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status_code for r in responses] == [200] * 6, [r.text for r in responses]
    assert len({r.content for r in responses}) == 1
    assert events_of(hall.platform, case) == 2
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 5


def test_a_failed_command_leaves_its_key_free(hall: Hall) -> None:
    case = hall.submit("SCJG-001")
    path = f"/api/v1/cases/{case['case_id']}/accept"
    clerk = hall.client("clerk")
    stale = clerk.post(path, json={"expected_version": 7}, headers={"Idempotency-Key": "free-1"})
    assert stale.status_code == 409
    fixed = clerk.post(path, json={"expected_version": 1}, headers={"Idempotency-Key": "free-1"})
    assert fixed.status_code == 200, fixed.text
    assert "Idempotent-Replayed" not in fixed.headers
    assert events_of(hall.platform, case) == 2


def waiting_on_a_lock(platform: Platform) -> bool:
    rows = platform.sql(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    return bool(rows[0][0])


def test_a_command_whose_api_dies_while_it_waits_is_recorded_once(hall: Hall) -> None:
    platform = hall.platform
    case = hall.submit("SCJG-001")
    blocked: list[BaseException] = []

    def doomed_accept() -> None:
        try:
            accept(hall, case, "crash-1")
        except httpx.TransportError as error:  # the API dies under it
            blocked.append(error)

    with psycopg.connect(platform.settings.database_url) as holder:
        # The command's one statement waits for this lock on the server.
        holder.execute("LOCK TABLE casetrail_events IN EXCLUSIVE MODE")
        thread = threading.Thread(target=doomed_accept)
        thread.start()
        wait_until(lambda: waiting_on_a_lock(platform), what="the accept to wait on the lock")
        platform.kill("api")
        thread.join(timeout=60)
    assert blocked, "the request should have lost its API"
    platform.start("api")
    # The statement was whole on the server: once the lock was free it committed, events
    # and claim together, though no one was left to answer. The retry gets that outcome.
    retried = accept(hall, case, "crash-1")
    assert retried.status_code == 200, retried.text
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json()["version"] == 2
    assert events_of(platform, case) == 2


def test_a_retry_that_loses_the_race_shows_the_winners_outcome(hall: Hall) -> None:
    """The interleaving the threads above may or may not hit: the retry finds no claim,
    the first request then commits, and the retry's own command fails (the case was
    accepted meanwhile). The retry answers with the first request's outcome."""
    case = hall.submit("SCJG-001")
    clerk = Actor(id="clerk-hall", role="clerk", department="HALL")
    claim = RequestKey(actor=clerk.id, key="late-1", fingerprint="accept-body")
    with open_pool(hall.platform.settings.api_database_url, max_size=2) as pool:
        app = build_application(hall.platform.settings, pool)
        won: list[Recorded] = []

        def accept_after_the_winner(request: RequestKey | None) -> Recorded:
            won.append(app.handle(Accept(), UUID(case["case_id"]), clerk, request=request))
            return app.handle(Accept(), UUID(case["case_id"]), clerk, request=request)

        outcome, replayed = run_once(pool, claim, accept_after_the_winner, app.replayed_submission)
        app.close()
    assert replayed and outcome == won[0]
    assert events_of(hall.platform, case) == 2
