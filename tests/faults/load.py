"""A bounded load generator: staff commands through HTTP, the way a careful client sends them.

Each command carries its own ``Idempotency-Key`` and is retried under that key
while the platform does not answer (a refused connection, a 5xx) until the
command's patience runs out. A command with a 2xx answer is *acknowledged*: the
platform promised to keep it. A retry answered ``Idempotent-Replayed`` means an
earlier attempt had been recorded although its answer never arrived: a duplicate
the platform absorbed.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

APPLICANT = {"kind": "person", "name": "钱九", "id_number": "110101199003031234"}
INTAKE: dict[str, Any] = {
    "item_code": "SCJG-001",
    "channel": "window",
    "applicant": APPLICANT,
    "materials": [{"code": "M1", "name": "申请书"}],
}
# Each case's commands after its intake: (action, role, department, body).
SCRIPT: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("accept", "clerk", "HALL", {}),
    ("assign", "officer", "SCJG", {"assignee": "officer-scjg"}),
    ("withdraw", "clerk", "HALL", {"reason": "the applicant withdrew"}),
)
RETRY_PAUSE = 0.1  # seconds between two attempts of one command


@dataclass(frozen=True)
class Ack:
    """An acknowledged command: the event it recorded, and when the answer came."""

    case_id: str
    version: int
    position: int
    at: float  # time.monotonic()


@dataclass
class Tally:
    """What the generator sent and what became of it."""

    sent: int = 0
    acknowledged: list[Ack] = field(default_factory=list)
    replayed: int = 0  # retries answered with the first attempt's outcome
    unanswered: int = 0  # given up with no answer: the outcome is unknown, not promised
    refused: list[str] = field(default_factory=list)  # 4xx answers: never expected here
    failed_attempts: int = 0  # attempts met by a lost connection or a 5xx

    def acks_after(self, moment: float) -> list[Ack]:
        return [ack for ack in self.acknowledged if ack.at > moment]


class LoadGenerator:
    """``workers`` threads each walking cases through ``SCRIPT``, starting commands at
    ``rate`` per second in all (an open loop: a slow answer does not slow the offer), at
    most ``max_commands``, until ``stop``; ``client(role, department)`` gives an HTTP
    client."""

    def __init__(
        self,
        client: Callable[[str, str], httpx.Client],
        *,
        rate: float = 40.0,
        workers: int = 3,
        max_commands: int = 20_000,
        patience: float = 120.0,
    ) -> None:
        self.client = client
        self.workers = workers
        self.max_commands = max_commands
        self.patience = patience
        self.tally = Tally()
        self._interval = 1 / rate
        self._next_start = time.monotonic()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for index in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"load-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Send no new command; wait for those under way to be answered or given up."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=self.patience + 30)
        assert not any(t.is_alive() for t in self._threads), "a load thread did not finish"

    def command(self, role: str, department: str, path: str, body: Any) -> dict[str, Any] | None:
        """Send one command until it is answered; its answer, or None if not acknowledged."""
        with self._lock:
            self.tally.sent += 1
            start = self._next_start = max(self._next_start + self._interval, time.monotonic())
        self._stopping.wait(start - time.monotonic())  # its turn at the offered rate
        key = uuid.uuid4().hex
        deadline = time.monotonic() + self.patience
        client = self.client(role, department)
        while True:
            try:
                response = client.post(path, json=body, headers={"Idempotency-Key": key})
            except httpx.TransportError:
                response = None
            if response is not None and response.is_success:
                return self._acknowledged(response)
            if response is not None and response.status_code < 500:
                with self._lock:
                    self.tally.refused.append(f"{path}: {response.status_code} {response.text}")
                return None
            with self._lock:
                self.tally.failed_attempts += 1
            if time.monotonic() > deadline:
                with self._lock:
                    self.tally.unanswered += 1
                return None
            time.sleep(RETRY_PAUSE)  # a client's back-off between attempts, not a wait

    def _acknowledged(self, response: httpx.Response) -> dict[str, Any]:
        answer: dict[str, Any] = response.json()
        ack = Ack(answer["case_id"], answer["version"], answer["position"], time.monotonic())
        with self._lock:
            self.tally.acknowledged.append(ack)
            if response.headers.get("Idempotent-Replayed") == "true":
                self.tally.replayed += 1
        return answer

    def _work(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                if self.tally.sent + 1 + len(SCRIPT) > self.max_commands:
                    return
            case = self.command("clerk", "HALL", "/api/v1/cases", INTAKE)
            if case is None:
                continue
            for action, role, department, body in SCRIPT:
                path = f"/api/v1/cases/{case['case_id']}/{action}"
                if self.command(role, department, path, body) is None:
                    break
