"""The pure parts of webhooks: filters, the back-off, the address check, the body without
personal data, and which deliveries a batch of events makes."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import orjson
import pytest

from consumers.webhooks import deliveries_for, departments_named
from domain.errors import InvalidCommand
from domain.webhooks import (
    checked_url,
    matches,
    refused_address,
    retry_delay,
    unversioned,
    webhook_body,
)
from infra.webhook_addresses import Target
from infra.webhook_store import Subscription


@pytest.mark.parametrize(
    ("event_types", "departments", "event_type", "department", "expected"),
    [
        ([], [], "casetrail.case.accepted.v1", "SCJG", True),
        ([], [], "casetrail.service_item.registered.v1", None, True),
        (["casetrail.case.accepted"], [], "casetrail.case.accepted.v1", "SCJG", True),
        (["casetrail.case.accepted"], [], "casetrail.case.accepted.v7", "SCJG", True),
        (["casetrail.case.accepted.v1"], [], "casetrail.case.accepted.v1", "SCJG", True),
        (["casetrail.case.accepted.v2"], [], "casetrail.case.accepted.v1", "SCJG", False),
        (["casetrail.case.accepted"], [], "casetrail.case.submitted.v3", "SCJG", False),
        (["casetrail.case"], [], "casetrail.case.accepted.v1", "SCJG", False),
        ([], ["SCJG"], "casetrail.case.accepted.v1", "SCJG", True),
        ([], ["SCJG"], "casetrail.case.accepted.v1", "GTJ", False),
        ([], ["SCJG"], "casetrail.service_item.registered.v1", None, False),
        (["casetrail.case.decided"], ["GTJ", "SCJG"], "casetrail.case.decided.v2", "GTJ", True),
    ],
)
def test_filters(
    event_types: list[str],
    departments: list[str],
    event_type: str,
    department: str | None,
    expected: bool,
) -> None:
    assert (
        matches(event_type, department, event_types=event_types, departments=departments)
        is expected
    )


def test_unversioned_drops_only_a_trailing_version() -> None:
    assert unversioned("casetrail.case.accepted.v12") == "casetrail.case.accepted"
    assert unversioned("casetrail.v1.case") == "casetrail.v1.case"


def test_back_off_doubles_up_to_the_cap_with_full_jitter() -> None:
    def ceiling(attempts: int) -> float:
        return retry_delay(attempts, base=2.0, cap=60.0, draw=lambda low, high: high)

    assert [ceiling(n) for n in range(1, 8)] == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert retry_delay(3, base=2.0, cap=60.0, draw=lambda low, high: low) == 0.0
    drawn = [retry_delay(4, base=1.0, cap=600.0) for _ in range(200)]
    assert all(0.0 <= d <= 8.0 for d in drawn)
    assert len(set(drawn)) > 100  # jittered, not one fixed delay
    with pytest.raises(ValueError):
        retry_delay(0, base=1.0, cap=10.0)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "100.64.0.1",  # shared address space (carrier NAT)
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
    ],
)
def test_private_addresses_are_refused(address: str) -> None:
    assert refused_address(address) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refused_address(address) is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/hook",
        "file:///etc/passwd",
        "gopher://example.org",
        "http:///nohost",
        "https://user:pw@example.org/hook",
        "https://example.org/hook#frag",
        "https://example.org:99999/hook",
        "example.org/hook",
    ],
)
def test_malformed_or_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidCommand):
        checked_url(url)


def test_a_url_gives_its_scheme_and_host() -> None:
    assert checked_url("https://Hooks.Example.org:8443/a?b=1") == ("https", "hooks.example.org")
    assert checked_url("http://[::1]:8080/x") == ("http", "::1")


def test_the_connection_goes_to_the_checked_address_with_the_host_kept() -> None:
    target = Target("https://hooks.example.org:8443/in?x=1", "https", "hooks.example.org", "::1")
    assert target.connect_url() == "https://[::1]:8443/in?x=1"
    assert target.host_header() == "hooks.example.org:8443"
    plain = Target("http://hooks.example.org/in", "http", "hooks.example.org", "93.184.216.34")
    assert plain.connect_url() == "http://93.184.216.34/in"


def _event(data: dict[str, Any], event_type: str = "casetrail.case.submitted.v3") -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid4()),
        "source": "/casetrail/demo-hall",
        "type": event_type,
        "subject": str(uuid4()),
        "position": 7,
        "time": "2026-01-05T09:00:00+00:00",
        "data": data,
    }


def test_the_body_carries_no_personal_data_even_sealed() -> None:
    sealed = {
        "kind": "person",
        "display_name": "张*三",
        "public_id": None,
        "subject": "ab" * 32,
        "sealed": "eyJhbGciOiJkaXIifQ..bm9uY2U.Y2lwaGVy.dGFn",
    }
    event = _event({"department": "SCJG", "applicant": sealed, "materials": [{"name": "申请书"}]})
    body = webhook_body(event)
    assert body["data"]["applicant"] == {
        "kind": "person",
        "display_name": "张*三",
        "public_id": None,
    }
    assert body["data"]["materials"] == [{"name": "申请书"}]  # other names are kept
    assert {k: v for k, v in body.items() if k != "data"} == {
        k: v for k, v in event.items() if k != "data"
    }
    assert event["data"]["applicant"]["sealed"]  # the event itself is not changed


def test_an_applicant_recorded_in_clear_is_masked() -> None:
    clear = {"kind": "person", "name": "张小三", "id_number": "110101199001011234", "phone": "1"}
    body = orjson.dumps(webhook_body(_event({"applicant": clear}, "casetrail.case.submitted.v2")))
    assert "张小三".encode() not in body
    assert b"110101199001011234" not in body
    assert webhook_body(_event({"applicant": clear}))["data"]["applicant"] == {
        "display_name": "张*三",
        "kind": "person",
        "public_id": None,
    }
    organisation = {
        "kind": "organisation",
        "name": "某公司",
        "id_number": "91110000X",
        "phone": "2",
    }
    shown = webhook_body(_event({"applicant": organisation}))["data"]["applicant"]
    assert shown == {"kind": "organisation", "display_name": "某公司", "public_id": "91110000X"}


def test_an_applicants_comment_is_dropped_sealed_or_clear() -> None:
    for field in ("sealed_comment", "comment"):
        body = webhook_body(_event({"stage": "decision", "level": 2, field: "x"}))
        assert body["data"] == {"stage": "decision", "level": 2}


def _subscription(event_types: list[str], departments: list[str]) -> Subscription:
    return Subscription(uuid4(), "http://example.org", event_types, departments, False, "k", b"")


def test_a_batch_makes_one_delivery_per_taking_subscription_and_event() -> None:
    submitted = _event({"department": "SCJG", "applicant": {"kind": "person"}})
    accepted = {**_event({}, "casetrail.case.accepted.v1"), "subject": submitted["subject"]}
    other = _event({}, "casetrail.case.accepted.v1")  # a case whose department is known
    everything = _subscription([], [])
    scjg = _subscription([], ["SCJG"])
    acceptances = _subscription(["casetrail.case.accepted"], [])
    named = departments_named([submitted, accepted, other])
    assert named == {submitted["subject"]: "SCJG"}
    found = deliveries_for(
        [submitted, accepted, other],
        [everything, scjg, acceptances],
        {**named, other["subject"]: "GTJ"},
    )
    got = {(d.subscription_id, d.event_id) for d in found}
    assert got == {
        (everything.id, submitted["id"]),
        (everything.id, accepted["id"]),
        (everything.id, other["id"]),
        (scjg.id, submitted["id"]),
        (scjg.id, accepted["id"]),
        (acceptances.id, accepted["id"]),
        (acceptances.id, other["id"]),
    }
    assert all("sealed" not in orjson.dumps(d.body).decode() for d in found)


def test_a_notice_names_its_department_in_its_notify_block() -> None:
    escalated = _event(
        {"notify": {"department": "GTJ", "officer": None, "roles": []}},
        "casetrail.supervision_notice.escalated.v1",
    )
    assert departments_named([escalated]) == {escalated["subject"]: "GTJ"}
