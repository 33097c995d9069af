"""Command-to-public-view latency on the real servers, one client, one case after another.

Starts a private platform (its own database and topic, real relay, projection
runner and API processes), then for each case: submits it (a new applicant each
time, so every intake seals under a new data key), accepts it, and asks
the public view for the acceptance with ``min_position``. Gives percentiles of
the intake and the command time (and their ratio), of the propagation time
(command answered → public view shows it, through the relay, Kafka and the
projection), and of a plain public lookup.
Every other acceptance carries an ``Idempotency-Key`` (claimed in the events'
transaction) and is then retried: the keyed/plain ratio is the claim's cost.
"""

from __future__ import annotations

import time

from bench.context import Context
from bench.report import Figure
from bench.samples import applicant, percentile

STAGE = "latency"


def run(context: Context) -> None:
    """Run the cases one after another and add the figures."""
    cases = context.sized(200, least=10)
    intake: list[float] = []
    command: list[float] = []
    keyed: list[float] = []
    replay: list[float] = []
    propagation: list[float] = []
    lookup: list[float] = []
    with (
        context.platform("latency", "relay", "project", "api") as platform,
        platform.client() as client,
    ):
        for index in range(cases):
            submitted = time.perf_counter()
            case = client.post(
                "/api/v1/cases",
                json={
                    "item_code": "SCJG-001",
                    "channel": "online",
                    "applicant": applicant(index),
                },
            ).json()
            intake.append(time.perf_counter() - submitted)
            path = f"/api/v1/cases/{case['case_id']}/accept"
            headers = {"Idempotency-Key": f"bench-{index}"} if index % 2 else {}
            started = time.perf_counter()
            accepted = client.post(path, headers=headers).json()
            answered = time.perf_counter()
            (keyed if headers else command).append(answered - started)
            view = client.get(
                f"/api/v1/public/cases/{case['case_no']}",
                params={
                    "query_code": case["query_code"],
                    "min_position": accepted["position"],
                },
            )
            shown = time.perf_counter()
            assert view.json()["status"] == "accepted", view.text
            looked = time.perf_counter()
            client.get(
                f"/api/v1/public/cases/{case['case_no']}",
                params={"query_code": case["query_code"]},
            ).raise_for_status()
            propagation.append(shown - answered)
            lookup.append(time.perf_counter() - looked)
            if headers:
                retried = time.perf_counter()
                again = client.post(path, headers=headers)
                assert again.headers["Idempotent-Replayed"] == "true", again.text
                replay.append(time.perf_counter() - retried)
            if (index + 1) % 50 == 0:
                print(f"  {index + 1}/{cases} cases", flush=True)
    for name, values, baseline in (
        ("intake (submit)", intake, command),
        ("command (accept)", command, None),
        ("keyed accept", keyed, command),
        ("keyed retry (replay)", replay, None),
        ("command → public view", propagation, None),
        ("public lookup", lookup, None),
    ):
        for q in (50, 99):
            context.report.add(
                Figure(
                    STAGE,
                    f"{name} p{q}, one client",
                    percentile(values, q),
                    "ms",
                    percentile(baseline, q) if baseline else None,
                    "plain accept" if baseline else None,
                )
            )
