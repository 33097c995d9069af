"""Command-to-public-view latency on the real servers.

Starts a private platform (its own database and topic, real relay, projection
runner and API processes), then for each case: submits it (a new applicant each
time, so every intake seals under a new data key), accepts it, and asks
the public view for the acceptance with ``min_position``. Prints percentiles of
the intake and the command time (and their p50 ratio), of the propagation time
(command answered → public view shows it, through the relay, Kafka and the
projection), and of a plain public lookup.
Every other acceptance carries an ``Idempotency-Key`` (claimed in the events'
transaction) and is then retried: the keyed/plain ratio is the claim's cost.
"""

from __future__ import annotations

import argparse
import statistics
import time

from infra.local import stack
from tests.integration.harness import Platform


def applicant(index: int) -> dict[str, str]:
    """A new applicant, with personal data to seal."""
    return {
        "kind": "person",
        "name": "钱七",
        "id_number": f"110101{index:012d}",
        "phone": "13800000000",
        "address": "北京市东城区某街1号",
    }


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) of values, in milliseconds."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))
    return ordered[index] * 1000


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args()

    info = stack.up()
    platform = Platform(info.bootstrap_servers, "bench")
    for name in ("relay", "project", "api"):
        platform.start(name)
    intake: list[float] = []
    command: list[float] = []
    keyed: list[float] = []
    replay: list[float] = []
    propagation: list[float] = []
    lookup: list[float] = []
    try:
        with platform.client() as client:
            for index in range(args.cases):
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
                    print(f"  {index + 1}/{args.cases} cases", flush=True)
    finally:
        platform.close()
    print(f"cases: {args.cases}")
    for name, values in (
        ("intake (submit)", intake),
        ("command (accept)", command),
        ("keyed accept", keyed),
        ("keyed retry (replay)", replay),
        ("command → public view", propagation),
        ("public lookup", lookup),
    ):
        print(
            f"{name:24} p50 {percentile(values, 50):7.1f} ms   p99 {percentile(values, 99):7.1f} ms"
            f"   mean {statistics.fmean(values) * 1000:7.1f} ms"
        )
    ratio = statistics.median(keyed) / statistics.median(command)
    print(f"keyed / plain accept, p50 ratio: {ratio:.2f}")
    ratio = statistics.median(intake) / statistics.median(command)
    print(f"intake / accept, p50 ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
