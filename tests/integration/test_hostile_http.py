"""Hostile HTTP input on the real servers: the body limit, bounded fields and integers,
the shared lookup budget (charged before the work, 304s too, behind trusted proxies
only), long-polls that hold no thread and are capped, waits that do not tell a known
case from an unknown one, security events and security headers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.integration.harness import Hall, Platform, free_port, running_hall, wait_until

PERSON = {"kind": "person", "name": "王五", "id_number": "110101198001010011"}
TRUSTING = {"CASETRAIL_TRUSTED_PROXIES": "127.0.0.1/32"}
NEVER = 2**62  # a log position no test reaches


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, PERSON) as staff:
        yield staff


@pytest.fixture(scope="module")
def case(hall: Hall) -> dict[str, Any]:
    """A case whose public view is up to date."""
    case = hall.submit("SCJG-001")
    hall.public(case, case["position"])
    return case


def another_api(platform: Platform, label: str, **env: str) -> str:
    """Start one more API process with ``env``, one worker (the long-poll caps and
    counts asserted here are a process's); its base URL."""
    port = free_port()
    settings = {"CASETRAIL_API_PORT": str(port), "CASETRAIL_API_WORKERS": "1", **env}
    platform.start("api", label=label, env=settings)
    return f"http://127.0.0.1:{port}"


def lookup(case: dict[str, Any], **params: Any) -> tuple[str, dict[str, Any]]:
    """The public view's path and query of ``case``."""
    return f"/api/v1/public/cases/{case['case_no']}", {"query_code": case["query_code"], **params}


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


# --- bodies, fields and integers --------------------------------------------------------


def test_a_body_over_the_limit_is_refused_before_the_token_is_checked(
    platform: Platform, hall: Hall
) -> None:
    url = another_api(platform, "small-bodies", CASETRAIL_MAX_BODY_BYTES="1024")
    huge = b'{"item_code": "' + b"x" * 4096 + b'"}'
    headers = {"content-type": "application/json"}
    assert_problem(httpx.post(f"{url}/api/v1/cases", content=huge, headers=headers), 413)

    def chunked() -> Iterator[bytes]:  # no Content-Length: the limit counts what arrives
        yield from (huge[i : i + 512] for i in range(0, len(huge), 512))

    assert_problem(httpx.post(f"{url}/api/v1/cases", content=chunked(), headers=headers), 413)
    # A body within the limit goes on to the token check.
    assert_problem(httpx.post(f"{url}/api/v1/cases", json={"item_code": "x"}), 401)
    platform.stop("small-bodies")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/accept", {"expected_version": 2**70}),
        ("/charge-fee", {"fee_code": "F1", "amount_fen": 10**30}),
        ("/extend", {"days": -(2**65), "reason": "r"}),
        ("/suspend", {"reason": "r" * 5000}),
        ("/decide", {"outcome": "denied", "reasons": ["r"] * 1000}),
    ],
)
def test_huge_integers_long_texts_and_long_lists_are_422(
    hall: Hall, case: dict[str, Any], path: str, body: dict[str, Any]
) -> None:
    before = hall.platform.max_position()
    response = hall.client("approver", "SCJG").post(
        f"/api/v1/cases/{case['case_id']}{path}", json=body
    )
    assert_problem(response, 422)
    assert hall.platform.max_position() == before


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/public/statistics", {"month": "0000-01"}),
        ("/api/v1/public/statistics", {"month": "9999-12"}),
        ("/api/v1/public/decisions", {"page": 2**64}),
        ("/api/v1/public/decisions", {"department": "D" * 1000}),
        ("/api/v1/public/cases/X", {"query_code": "Q", "min_position": 2**64}),
    ],
)
def test_out_of_range_queries_are_422(hall: Hall, path: str, params: dict[str, Any]) -> None:
    assert_problem(httpx.get(f"{hall.platform.base_url}{path}", params=params), 422)


# --- the lookup budget -------------------------------------------------------------------


def _simultaneous_lookups(
    urls: list[str], case: dict[str, Any], client: str, count: int
) -> list[int]:
    """``count`` lookups let go at the same moment, spread over ``urls``; their statuses."""
    path, params = lookup(case)
    start = threading.Barrier(count)

    def one(n: int) -> int:
        start.wait()
        headers = {"X-Forwarded-For": client}
        url = f"{urls[n % len(urls)]}{path}"
        return httpx.get(url, params=params, headers=headers, timeout=60).status_code

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_of_200_simultaneous_lookups_only_the_budget_passes_across_processes(
    platform: Platform, case: dict[str, Any]
) -> None:
    budget = {"CASETRAIL_LOOKUP_RATE": "20/3600", **TRUSTING}
    urls = [another_api(platform, f"budget-{n}", **budget) for n in range(2)]
    statuses = _simultaneous_lookups(urls, case, "198.51.100.20", 200)
    assert statuses.count(200) == 20
    assert statuses.count(429) == 180
    for n in range(2):
        platform.stop(f"budget-{n}")


def test_revalidations_are_charged_and_forwarded_for_is_believed_from_trusted_proxies_only(
    platform: Platform, case: dict[str, Any]
) -> None:
    url = another_api(platform, "revalidating", CASETRAIL_LOOKUP_RATE="3/3600", **TRUSTING)
    path, params = lookup(case)
    me = {"X-Forwarded-For": "203.0.113.9, 127.0.0.1"}  # a trusted hop is skipped
    first = httpx.get(f"{url}{path}", params=params, headers=me)
    assert first.status_code == 200
    again = {**me, "If-None-Match": first.headers["ETag"]}
    answers = [httpx.get(f"{url}{path}", params=params, headers=again) for _ in range(3)]
    assert [a.status_code for a in answers] == [304, 304, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert_problem(answers[-1], 429)
    # Someone else behind the proxy has a budget of its own.
    other = {"X-Forwarded-For": "203.0.113.10"}
    assert httpx.get(f"{url}{path}", params=params, headers=other).status_code == 200
    platform.stop("revalidating")

    untrusting = another_api(platform, "untrusting", CASETRAIL_LOOKUP_RATE="2/3600")
    spoofed = [
        httpx.get(
            f"{untrusting}{path}", params=params, headers={"X-Forwarded-For": f"192.0.2.{n}"}
        ).status_code
        for n in range(3)
    ]
    assert spoofed == [200, 200, 429]  # all from 127.0.0.1, whatever they claim
    platform.stop("untrusting")


# --- long-polls ----------------------------------------------------------------------------


def waiting(url: str) -> float:
    """How many long-polls the API at ``url`` holds now."""
    for line in httpx.get(f"{url}/metrics").text.splitlines():
        if line.startswith("casetrail_long_polls_waiting "):
            return float(line.split()[1])
    raise AssertionError("no casetrail_long_polls_waiting metric")


def _waits(
    pool: ThreadPoolExecutor, url: str, case: dict[str, Any], clients: list[str]
) -> list[Future[httpx.Response]]:
    path, params = lookup(case, min_position=NEVER)
    return [
        pool.submit(
            httpx.get,
            f"{url}{path}",
            params=params,
            headers={"X-Forwarded-For": client},
            timeout=60,
        )
        for client in clients
    ]


def test_a_long_poll_flood_leaves_staff_commands_answering(
    platform: Platform, hall: Hall, case: dict[str, Any]
) -> None:
    url = another_api(platform, "flooded", **TRUSTING)
    flood = 60  # more than the 40 threads sync routes share
    with ThreadPoolExecutor(flood) as pool:
        waits = _waits(pool, url, case, [f"198.51.100.{n}" for n in range(flood)])
        wait_until(lambda: waiting(url) == flood, timeout=30, what="the flood to be waiting")
        token = {"Authorization": hall.client("clerk").headers["Authorization"]}
        staff = httpx.get(f"{url}/api/v1/cases/{case['case_id']}", headers=token, timeout=60)
        assert staff.status_code == 200
        assert waiting(url) == flood and not any(w.done() for w in waits)
        answers = [w.result() for w in waits]
    assert {a.status_code for a in answers} == {200}
    assert {a.headers["Casetrail-Position-Reached"] for a in answers} == {"false"}
    platform.stop("flooded")


def test_long_polls_are_capped_per_client_and_in_total(
    platform: Platform, case: dict[str, Any]
) -> None:
    url = another_api(
        platform,
        "capped",
        CASETRAIL_LONG_POLLS_PER_CLIENT="2",
        CASETRAIL_LONG_POLLS_TOTAL="3",
        **TRUSTING,
    )
    with ThreadPoolExecutor(5) as pool:
        held = _waits(pool, url, case, ["192.0.2.1", "192.0.2.1"])
        wait_until(lambda: waiting(url) == 2, timeout=30, what="two waits")
        (mine,) = _waits(pool, url, case, ["192.0.2.1"])
        assert_problem(mine.result(), 429)
        assert mine.result().headers["Retry-After"]
        held += _waits(pool, url, case, ["192.0.2.2"])
        wait_until(lambda: waiting(url) == 3, timeout=30, what="three waits")
        (late,) = _waits(pool, url, case, ["192.0.2.3"])
        assert_problem(late.result(), 503)
        assert late.result().headers["Retry-After"]
        assert {w.result().status_code for w in held} == {200}
    platform.stop("capped")


def _timed(url: str, path: str, params: dict[str, Any]) -> tuple[int, float]:
    started = time.monotonic()
    status = httpx.get(f"{url}{path}", params=params, timeout=60).status_code
    return status, time.monotonic() - started


@pytest.mark.parametrize("reached", [True, False], ids=["reached", "not-reached"])
def test_an_unknown_number_waits_exactly_as_a_known_one(
    hall: Hall, case: dict[str, Any], reached: bool
) -> None:
    position = case["position"] if reached else NEVER
    path, known = lookup(case, min_position=position)
    unknown = "SCJG-20000101-9999"
    with ThreadPoolExecutor(2) as pool:
        mine = pool.submit(_timed, hall.platform.base_url, path, known)
        theirs = pool.submit(
            _timed, hall.platform.base_url, f"/api/v1/public/cases/{unknown}", known
        )
        (known_status, known_took), (unknown_status, unknown_took) = mine.result(), theirs.result()
    assert (known_status, unknown_status) == (200, 404)
    assert abs(known_took - unknown_took) < 2.0  # 5 s apart when they differ


# --- tokens, security events, headers -----------------------------------------------------


def test_refusals_are_logged_as_security_events_without_the_token(
    platform: Platform, hall: Hall, case: dict[str, Any]
) -> None:
    forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib3NzIn0.Zm9yZ2VkLXNpZ25hdHVyZQ"
    refused = httpx.get(
        f"{platform.base_url}/api/v1/cases/{case['case_id']}",
        headers={"Authorization": f"Bearer {forged}"},
    )
    assert_problem(refused, 401)
    outsider = hall.client("officer", "JT")
    assert_problem(outsider.get(f"/api/v1/cases/{case['case_id']}"), 403)
    wait_until(
        lambda: platform.log("api").count("security-event") >= 2,
        what="the security events in the API's log",
    )
    log = platform.log("api")
    events = [line for line in log.splitlines() if "security-event" in line]
    assert any(
        '"event":"authentication_failed"' in e and '"route":"/api/v1/cases/{case_id}"' in e
        for e in events
    )
    assert any(
        '"event":"access_denied"' in e
        and '"sub":"officer-jt","role":"officer"' in e
        and '"department":"JT"' in e
        and '"client":"127.0.0.1"' in e
        for e in events
    )
    assert forged not in log and forged.split(".")[2] not in log
    own = outsider.headers["Authorization"].removeprefix("Bearer ")
    assert own not in log and own.split(".")[2] not in log


def test_the_api_refuses_to_start_with_a_weak_signing_secret(platform: Platform) -> None:
    with pytest.raises(AssertionError, match="at least 32"):
        another_api(platform, "weak", CASETRAIL_TOKEN_SECRET="too-short")
    platform.processes.pop("weak", None)


@pytest.mark.parametrize(
    "path", ["/", "/statistics", "/api/v1/public/departments", "/api/v1/cases", "/openapi.json"]
)
def test_every_response_carries_the_security_headers(hall: Hall, path: str) -> None:
    response = httpx.get(f"{hall.platform.base_url}{path}")
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    if path in ("/", "/statistics"):
        assert headers["Cache-Control"] == "no-cache"  # the route's own, untouched
    if path == "/api/v1/public/departments":
        assert headers["Cache-Control"] == "public, max-age=3600"
