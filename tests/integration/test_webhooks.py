"""Webhooks on the real servers: subscribers on loopback that verify every request with
``standardwebhooks``; deliveries in order per case, once each after de-duplication by
``webhook-id`` and without personal data; failures retried, then dead-lettered, then
redelivered; a replay from a position and from a time; pause and resume; a stuck
subscriber that holds up no other; and the API's refusals (a private URL while they are
not allowed, a non-admin, a bad URL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from consumers.webhook_dispatch import REFRESH_SECONDS
from tests.integration.harness import Hall, Platform, free_port, running_hall, wait_until
from tests.integration.webhook_receiver import Receiver, receiving

APPLICANT = {
    "kind": "person",
    "name": "王回调",
    "id_number": "110101199203030033",
    "phone": "13800000033",
    "address": "北京市东城区回调路3号",
}
HOOKS = "/api/v1/webhooks"
MAX_ATTEMPTS = 3
WEBHOOKS_ENV = {
    "CASETRAIL_WEBHOOK_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
    "CASETRAIL_WEBHOOK_BACKOFF_BASE": "0.05",
    "CASETRAIL_WEBHOOK_BACKOFF_CAP": "0.2",
    "CASETRAIL_WEBHOOK_TIMEOUT": "1",
}
ALLOW_PRIVATE = {"CASETRAIL_WEBHOOKS_ALLOW_PRIVATE": "true"}


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    """The platform, its API refusing private URLs (the default), and the webhook
    deliveries allowed to reach loopback (as ``casetrail up`` and the tests allow)."""
    with running_hall(platform, APPLICANT) as staff:
        platform.start("webhooks", env={**WEBHOOKS_ENV, **ALLOW_PRIVATE})
        yield staff


@pytest.fixture(scope="module")
def admin(platform: Platform, hall: Hall) -> Iterator[httpx.Client]:
    """A hall_admin on a second API that allows private URLs."""
    port = free_port()
    platform.start(
        "api", label="api-private", env={**ALLOW_PRIVATE, "CASETRAIL_API_PORT": str(port)}
    )
    headers = {"Authorization": f"Bearer {platform.token('hall_admin')}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as client:
        yield client


def subscribe(admin: httpx.Client, receiver: Receiver, **filters: Any) -> str:
    """Register ``receiver``; its subscription's id (the receiver keeps the secret)."""
    response = admin.post(HOOKS, json={"url": receiver.url, **filters})
    assert response.status_code == 201, response.text
    registered = response.json()
    assert registered["secret"].startswith("whsec_")
    receiver.secret = registered["secret"]
    return str(registered["id"])


def open_case(hall: Hall, item: str, department: str) -> dict[str, Any]:
    """A case accepted and assigned: three events."""
    case = hall.submit(item)
    hall.act(case, "accept", "clerk")
    hall.act(case, "assign", "approver", department, assignee=f"officer-{department.lower()}")
    return case


def versions(platform: Platform, case: dict[str, Any]) -> int:
    """How many events the case has in the event store."""
    found = platform.sql(
        "SELECT max(originator_version) FROM casetrail_events WHERE originator_id = %s",
        case["case_id"],
    )
    return int(found[0][0])


def of_case(receiver: Receiver, case: dict[str, Any]) -> list[int]:
    """The versions of a case's events the receiver got, once each, in arrival order."""
    return [e["caseversion"] for e in receiver.events() if e["subject"] == case["case_id"]]


def all_of(platform: Platform, receiver: Receiver, *cases: dict[str, Any]) -> bool:
    return all(
        of_case(receiver, case) == list(range(1, versions(platform, case) + 1)) for case in cases
    )


def deliveries(admin: httpx.Client, subscription: str, path: str = "deliveries") -> dict[str, Any]:
    response = admin.get(f"{HOOKS}/{subscription}/{path}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_api_refuses_a_private_url_a_bad_url_and_a_non_admin(
    platform: Platform, hall: Hall, admin: httpx.Client
) -> None:
    strict = hall.client("hall_admin")  # the platform's own API: private URLs not allowed
    for url in ("http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/x"):
        refused = strict.post(HOOKS, json={"url": url})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert "CASETRAIL_WEBHOOKS_ALLOW_PRIVATE" in refused.json()["detail"]
    for url in ("ftp://example.org/hook", "https://user:pw@example.org/x", "nothing"):
        refused = admin.post(HOOKS, json={"url": url})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    unknown = admin.post(HOOKS, json={"url": "http://127.0.0.1:9/", "event_types": ["x.y"]})
    assert unknown.status_code == 422 and "x.y" in unknown.json()["detail"]
    for role in ("officer", "supervisor", "clerk"):
        forbidden = hall.client(role).post(HOOKS, json={"url": "http://127.0.0.1:9/"})
        assert forbidden.status_code == 403, forbidden.text
        assert forbidden.headers["content-type"] == "application/problem+json"
        assert hall.client(role).get(HOOKS).status_code == 403
    anonymous = httpx.post(f"{platform.base_url}{HOOKS}", json={"url": "http://127.0.0.1:9/"})
    assert anonymous.status_code == 401
    # the secret is shown once: never in a listing or a subscription's record
    with receiving() as receiver:
        subscription = subscribe(admin, receiver, departments=["SW"])
        listed = admin.get(HOOKS).text + admin.get(f"{HOOKS}/{subscription}").text
        assert receiver.secret is not None and receiver.secret[6:] not in listed
        assert platform.sql(
            "SELECT count(*) FROM webhook_subscriptions WHERE sealed_secret::text LIKE %s",
            f"%{receiver.secret[6:]}%",
        ) == [(0,)]
        record = admin.get(f"{HOOKS}/{subscription}").json()
        assert [(c["action"], c["actor"]) for c in record["changes"]] == [
            ("registered", "hall_admin-hall")
        ]
        assert admin.delete(f"{HOOKS}/{subscription}").status_code == 204
        assert admin.get(f"{HOOKS}/{subscription}").status_code == 404
        assert subscription not in {s["id"] for s in admin.get(HOOKS).json()}


def test_deliveries_arrive_signed_in_order_per_case_once_each_without_personal_data(
    platform: Platform, hall: Hall, admin: httpx.Client
) -> None:
    with receiving() as receiver:
        subscription = subscribe(admin, receiver, departments=["SCJG"])
        cases = [open_case(hall, "SCJG-001", "SCJG") for _ in range(3)]
        hall.act(cases[0], "complete-step", "officer", "SCJG", step="审查", opinion="agree")
        elsewhere = open_case(hall, "MZ-002", "MZ")  # another department: not for this one
        wait_until(lambda: all_of(platform, receiver, *cases), what="every event, in order")
        assert receiver.refused == 0
        ids = receiver.copies()
        assert len(ids) == len(set(ids)) == sum(versions(platform, c) for c in cases)
        assert all(e["subject"] != elsewhere["case_id"] for e in receiver.events())
        for webhook_id, headers, event, body in receiver.received:
            assert headers["content-type"].startswith("application/cloudevents+json")
            assert event["id"] == webhook_id and event["specversion"] == "1.0"
            for personal in ("name", "id_number", "phone", "address"):
                assert APPLICANT[personal].encode() not in body
            assert b'"sealed"' not in body
        submitted = next(e for e in receiver.events() if e["type"].endswith("submitted.v3"))
        assert submitted["data"]["applicant"] == {
            "kind": "person",
            "display_name": "王*调",
            "public_id": None,
        }
        log = deliveries(admin, subscription)
        assert log["total"] == len(ids)
        assert {d["status"] for d in log["items"]} == {"delivered"}
        counted = admin.get(f"{HOOKS}/{subscription}").json()["deliveries"]
        assert counted == {"pending": 0, "delivered": len(ids), "dead": 0}


def test_failures_are_retried_then_dead_lettered_then_redelivered(
    platform: Platform, hall: Hall, admin: httpx.Client
) -> None:
    with receiving("fail") as receiver:
        subscription = subscribe(
            admin, receiver, event_types=["casetrail.case.accepted"], departments=["ZJ"]
        )
        first, second = open_case(hall, "ZJ-002", "ZJ"), open_case(hall, "ZJ-002", "ZJ")

        def dead() -> list[dict[str, Any]]:
            items: list[dict[str, Any]] = deliveries(admin, subscription, "dead-letters")["items"]
            return items if len(items) == 2 else []

        letters = wait_until(dead, what="two dead letters")
        assert {d["case_id"] for d in letters} == {first["case_id"], second["case_id"]}
        assert all(d["attempts"] == MAX_ATTEMPTS and d["last_status"] == 503 for d in letters)
        assert all(receiver.attempts[d["event_id"]] == MAX_ATTEMPTS for d in letters)
        assert receiver.events() == []
        receiver.mode = "ok"
        chosen = letters[0]["event_id"]
        moved = admin.post(
            f"{HOOKS}/{subscription}/dead-letters/redeliver", json={"event_ids": [chosen]}
        )
        assert moved.json() == {"event_ids": [chosen]}
        wait_until(lambda: [e["id"] for e in receiver.events()] == [chosen], what="redelivery")
        rest = admin.post(f"{HOOKS}/{subscription}/dead-letters/redeliver", json={})
        assert rest.json() == {"event_ids": [letters[1]["event_id"]]}
        wait_until(lambda: len(receiver.events()) == 2, what="the other redelivery")
        assert all(e["type"].startswith("casetrail.case.accepted.v") for e in receiver.events())
        assert deliveries(admin, subscription, "dead-letters")["total"] == 0
        actions = [c["action"] for c in admin.get(f"{HOOKS}/{subscription}").json()["changes"]]
        assert actions == ["registered", "redelivered", "redelivered"]


def test_a_stuck_subscriber_holds_up_no_other(
    platform: Platform, hall: Hall, admin: httpx.Client
) -> None:
    with receiving("hang") as stuck, receiving("ok") as healthy:
        stuck_id = subscribe(admin, stuck, departments=["JT"])
        subscribe(admin, healthy, departments=["JT"])
        cases = [open_case(hall, "JT-001", "JT") for _ in range(4)]
        wait_until(lambda: all_of(platform, healthy, *cases), what="the healthy subscriber")
        assert stuck.events() == []
        assert deliveries(admin, stuck_id)["items"][0]["status"] in ("pending", "dead")
        assert admin.get(f"{HOOKS}/{stuck_id}").json()["deliveries"]["delivered"] == 0


def test_pause_holds_deliveries_and_resume_catches_up_in_order(
    platform: Platform, hall: Hall, admin: httpx.Client
) -> None:
    with receiving() as receiver:
        subscription = subscribe(admin, receiver, departments=["ZRZY"])
        paused = admin.patch(f"{HOOKS}/{subscription}", json={"paused": True})
        assert paused.status_code == 200 and paused.json()["paused"] is True
        cases = [open_case(hall, "ZRZY-001", "ZRZY") for _ in range(2)]
        expected = sum(versions(platform, c) for c in cases)

        def queued() -> bool:
            return bool(
                admin.get(f"{HOOKS}/{subscription}").json()["deliveries"]["pending"] == expected
            )

        wait_until(queued, what="the paused subscription's outbox")
        # the dispatcher has looked at the subscriptions at least twice since the pause
        with pytest.raises(AssertionError):
            wait_until(lambda: receiver.events(), timeout=4 * REFRESH_SECONDS)
        resumed = admin.patch(f"{HOOKS}/{subscription}", json={"paused": False})
        assert resumed.json()["paused"] is False
        wait_until(lambda: all_of(platform, receiver, *cases), what="the catch-up")
        actions = [c["action"] for c in admin.get(f"{HOOKS}/{subscription}").json()["changes"]]
        assert actions == ["registered", "paused", "resumed"]


def test_a_replay_from_a_position_or_a_time_sends_the_same_events_again(
    platform: Platform, hall: Hall, admin: httpx.Client
) -> None:
    with receiving() as receiver:
        before = datetime.now(UTC) - timedelta(seconds=1)
        subscription = subscribe(admin, receiver, departments=["WJ"])
        case = open_case(hall, "WJ-001", "WJ")
        wait_until(lambda: all_of(platform, receiver, case), what="the first delivery")
        first = receiver.copies()
        from_second = receiver.events()[1]["position"]

        def replay(body: dict[str, Any]) -> dict[str, Any]:
            asked = admin.post(f"{HOOKS}/{subscription}/replay", json=body)
            assert asked.status_code == 202, asked.text
            path = f"{HOOKS}/{subscription}/replays/{asked.json()['replay_id']}"
            done: dict[str, Any] = wait_until(
                lambda: (r := admin.get(path).json())["done_at"] and r, what="the replay"
            )
            return done

        assert replay({"from_position": from_second})["queued"] == 2
        wait_until(lambda: len(receiver.copies()) == 5, what="the replayed deliveries")
        assert receiver.copies() == first + first[1:]  # the same ids, in order
        assert replay({"from_time": before.isoformat()})["queued"] == 3
        wait_until(lambda: len(receiver.copies()) == 8, what="the replay from a time")
        assert receiver.copies()[5:] == first
        both = admin.post(
            f"{HOOKS}/{subscription}/replay",
            json={"from_position": 1, "from_time": before.isoformat()},
        )
        assert both.status_code == 422
        assert both.headers["content-type"] == "application/problem+json"
