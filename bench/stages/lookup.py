"""Public lookups (case number + query code) at fixed request rates, open loop
(``bench/open_loop.py``), against a real API process, beside the same server answering
the no-op ``GET /api/v1/ping``.

Cases are submitted first and the public view waited for (relay, Kafka, projection);
then at each rate the ping route is offered, then the lookups, going round the cases.
Gives the lookups answered per second (200) and their p50/p99 latency from the
scheduled send.
"""

from __future__ import annotations

from urllib.parse import quote

from bench import open_loop
from bench.context import Context
from bench.open_loop import Connection
from bench.samples import applicant

STAGE = "lookup"
RATES = (50.0, 100.0, 200.0, 400.0)


def run(context: Context) -> None:
    """Submit the cases, wait for their public view, offer ping and lookups at each rate."""
    seconds = max(0.25, 3.0 * context.scale)
    with (
        context.platform("lookup", "relay", "project", "api") as platform,
        platform.client() as client,
    ):
        paths, position = [], 0
        for n in range(context.sized(100, least=5)):
            case = client.post(
                "/api/v1/cases",
                json={"item_code": "SCJG-001", "channel": "online", "applicant": applicant(n)},
            ).json()
            paths.append(
                f"/api/v1/public/cases/{case['case_no']}?query_code={quote(case['query_code'])}"
            )
            position = case["position"]
        shown = client.get(f"{paths[-1]}&min_position={position}", timeout=60)
        assert shown.headers["Casetrail-Position-Reached"] == "true", shown.text

        def lookup(connection: Connection, n: int) -> bool:
            return connection.request("GET", paths[n % len(paths)]).status == 200

        calls = {"ping": open_loop.ping, "lookups": lookup}
        outcomes = open_loop.sweep(platform.base_url, calls, RATES, seconds)
    open_loop.report(context, STAGE, outcomes, "lookups", "ping")
