"""HTTP commands at fixed offered loads (open loop, ``bench/open_loop.py``) against a
real API process, beside the same server answering the no-op ``GET /api/v1/ping``.

At each offered rate the ping route is offered first, then the commands: every
request is one command, a submit (a new applicant each time) or, when a case is
waiting, the acceptance of the oldest submitted case, so about half of each. Gives the
requests per second answered (201/200) and their p50/p99 latency from the scheduled
send; requests the generator could not send (64 already in flight) count as missed.
"""

from __future__ import annotations

import threading
from collections import deque

import orjson

from bench import open_loop
from bench.context import Context
from bench.open_loop import Connection
from bench.samples import applicant

STAGE = "http"
RATES = (50.0, 100.0, 200.0, 400.0)


class Commands:
    """Submits, and accepts what was submitted, as one clerk."""

    def __init__(self, token: str) -> None:
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.waiting: deque[str] = deque()
        self.lock = threading.Lock()

    def __call__(self, connection: Connection, n: int) -> bool:
        with self.lock:
            case_id = self.waiting.popleft() if self.waiting else None
        if case_id is not None:
            path = f"/api/v1/cases/{case_id}/accept"
            return connection.request("POST", path, b"{}", self.headers).status == 200
        body = {"item_code": "SCJG-001", "channel": "online", "applicant": applicant(n)}
        answer = connection.request("POST", "/api/v1/cases", orjson.dumps(body), self.headers)
        if answer.status != 201:
            return False
        with self.lock:
            self.waiting.append(orjson.loads(answer.body)["case_id"])
        return True


def run(context: Context) -> None:
    """Offer the ping route and the commands at each rate; add the figures."""
    seconds = max(0.25, 4.0 * context.scale)
    with context.platform("http", "api") as platform:
        calls: dict[str, open_loop.Call] = {
            "ping": open_loop.ping,
            "commands": Commands(platform.token("clerk")),
        }
        outcomes = open_loop.sweep(platform.base_url, calls, RATES, seconds)
    open_loop.report(context, STAGE, outcomes, "commands", "ping")
