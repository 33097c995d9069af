"""An open-loop load generator: requests start at a fixed offered rate whatever the
answers, as people's requests arrive, so a slow server meets a growing queue instead of
a politely waiting client (a closed loop hides saturation: it slows down with the server).

Each request has a scheduled time; a sender thread takes it from a queue and sends it on
a keep-alive connection of its own (``http.client``: it costs the machine's two cores far
less than a full client would). At most ``in_flight`` requests are outstanding: a
request whose time comes while all are busy is not sent, and counted as missed. One sent
more than ``LATE_S`` after its time is counted as late. Latency runs from the scheduled
time (so a late start counts against the server), to the end of the answer.
"""

from __future__ import annotations

import http.client
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bench.context import Context
from bench.report import Figure
from bench.samples import percentile

LATE_S = 0.01
TIMEOUT_S = 5.0  # an answer slower than this is a failure


@dataclass(frozen=True)
class Answer:
    """What a request got: the status and the body."""

    status: int
    body: bytes


class Connection:
    """A keep-alive HTTP/1.1 connection to one server, reopened after an error."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._conn: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """Send one request and read its whole answer."""
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S)
        try:
            self._conn.request(method, path, body=body, headers=headers or {})
            response = self._conn.getresponse()
            return Answer(response.status, response.read())
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


Call = Callable[[Connection, int], bool]
"""One request, the ``n``-th of the run, on a sender's connection: whether it succeeded."""


@dataclass
class Outcome:
    """One run at one offered rate."""

    offered: float
    seconds: float
    scheduled: int = 0
    missed: int = 0
    late: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)  # of the successes, in seconds
    elapsed: float = 0.0  # from the first scheduled time to the last answer

    @property
    def achieved(self) -> float:
        """Successful answers per second."""
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def p(self, q: float) -> float:
        """The q-th percentile latency of the successes, in ms (NaN when none)."""
        return percentile(self.latencies, q) if self.latencies else float("nan")

    def summary(self) -> str:
        return (
            f"offered {self.offered:g}/s: achieved {self.achieved:.1f}/s, "
            f"p50 {self.p(50):.1f} ms, p99 {self.p(99):.1f} ms, {self.missed} missed, "
            f"{self.late} late, {self.failed} failed of {self.scheduled}"
        )


def offer(
    base_url: str, call: Call, rate: float, seconds: float, *, in_flight: int = 64
) -> Outcome:
    """Offer ``call`` at ``rate`` per second for ``seconds``; wait for the answers."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    outcome = Outcome(rate, seconds)
    lock = threading.Lock()
    idle = threading.Semaphore(in_flight)
    work: queue.Queue[tuple[int, float] | None] = queue.Queue()
    last_answer = [0.0]

    def sender() -> None:
        connection = Connection(host, int(port))
        while (job := work.get()) is not None:
            n, due = job
            started = time.perf_counter()
            try:
                ok = call(connection, n)
            except Exception:
                ok = False
            done = time.perf_counter()
            with lock:
                outcome.late += started - due > LATE_S
                if ok:
                    outcome.latencies.append(done - due)
                else:
                    outcome.failed += 1
                last_answer[0] = max(last_answer[0], done)
            idle.release()
        connection.close()

    senders = [threading.Thread(target=sender, daemon=True) for _ in range(in_flight)]
    for thread in senders:
        thread.start()
    count = max(1, round(rate * seconds))
    start = time.perf_counter() + 0.05
    for n in range(count):
        due = start + n / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        outcome.scheduled += 1
        if idle.acquire(blocking=False):
            work.put((n, due))
        else:
            outcome.missed += 1
    for _ in senders:
        work.put(None)
    for thread in senders:
        thread.join(timeout=TIMEOUT_S * 2)
    outcome.elapsed = max(last_answer[0], start + count / rate) - start
    return outcome


def ping(connection: Connection, _: int) -> bool:
    """The no-op route: the server's own floor beside a real route."""
    return connection.request("GET", "/api/v1/ping").status == 204


def sweep(
    base_url: str, calls: Mapping[str, Call], rates: tuple[float, ...], seconds: float
) -> dict[str, list[Outcome]]:
    """Each of ``calls`` offered at each rate in turn (all calls at one rate, then the
    next rate), printing each outcome."""
    outcomes: dict[str, list[Outcome]] = {label: [] for label in calls}
    for rate in rates:
        for label, call in calls.items():
            outcome = offer(base_url, call, rate, seconds)
            print(f"  {label}: {outcome.summary()}", flush=True)
            outcomes[label].append(outcome)
    return outcomes


def report(
    context: Context, stage: str, outcomes: dict[str, list[Outcome]], measured: str, baseline: str
) -> None:
    """Figures of the ``measured`` label's outcomes (achieved rate, p50, p99 at each
    offered rate) beside the ``baseline`` label's; plots of achieved and p99 against
    offered rate; a note of where ``measured`` saturates."""
    achieved = context.report.plot(
        f"{stage}_achieved",
        f"{stage}: achieved vs offered (open loop)",
        "offered /s",
        "achieved /s",
    )
    p99 = context.report.plot(f"{stage}_p99", f"{stage}: p99 latency", "offered /s", "p99 ms")
    for label, runs in outcomes.items():
        for outcome in runs:
            achieved.curve(label).points.append((outcome.offered, outcome.achieved))
            p99.curve(label).points.append((outcome.offered, outcome.p(99)))
    for mine, base in zip(outcomes[measured], outcomes[baseline], strict=True):
        at = f"at {mine.offered:g}/s offered"
        context.report.add(
            Figure(stage, f"{measured} {at}", mine.achieved, "req/s", base.achieved, baseline)
        )
        for q in (50, 99):
            context.report.add(
                Figure(stage, f"{measured} p{q} {at}", mine.p(q), "ms", base.p(q), baseline)
            )
    short = [o for o in outcomes[measured] if o.achieved < 0.9 * o.offered or o.missed]
    if short:
        first = short[0]
        context.report.notes[stage] = (
            f"{measured} saturate from {first.offered:g}/s offered: at most "
            f"{max(o.achieved for o in outcomes[measured]):.0f}/s achieved; "
            + "; ".join(o.summary() for o in short)
        )
