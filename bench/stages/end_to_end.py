"""The whole platform under an open-loop load of case events: what it sustains, how long
commands take, and how long until the public sees them.

Every process ``casetrail up`` runs is started on a private platform. Cases are then
offered at 50, 200 and 1 000 events/s (each case two events: submit, then accept; 15 s
per rate at scale 1), at most 32 cases in flight (``bench.open_loop``: a case whose start
finds every slot taken is missed, never sent late). Measured per rate:

- **achieved events/s**: commands answered successfully ÷ the run's seconds;
- **command latency**: each submit's and accept's answer time;
- **command → public view**: from the accept's answer until the case's row in
  ``public_case_status`` (what the public view ``GET /api/v1/public/cases/{case_no}``
  reads) holds the accept's position. A watcher thread polls every 10 ms for the oldest
  512 cases not yet seen, by case number (its unique index), so the watch costs
  PostgreSQL little; cases still unseen 5 s after the load count with the time they
  waited (a lower bound);
- **the same through a long poll**: one case in ten is also asked for through the public
  view with ``min_position`` (on a separate pool of 8 threads), from the accept's
  answer until the view answers; and, in the note, for those cases, the long poll's
  answer less the moment the watcher saw the row (what waiting through the API adds,
  within the watcher's 10 ms);
- **CPU** of each process (its process tree, from ``/proc``) over the load, the local
  PostgreSQL and Kafka servers and this client included, as a share of one core; and
  what the platform's PostgreSQL sessions wait on (``pg_stat_activity`` sampled every
  50 ms, active sessions only).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import psycopg

from bench import cpu, open_loop
from bench.context import Context
from bench.report import Figure, Goal
from bench.samples import applicant, percentile
from infra.entrypoints.up import PROCESSES
from infra.local import stack
from tests.integration.harness import Platform

STAGE = "end_to_end"
RATES = (50, 200, 1000)  # case events per second offered
EVENTS_PER_CASE = 2
IN_FLIGHT = 32
WATCH_EVERY = 0.01
WATCH_WINDOW = 512
LONG_POLL_ONE_IN = 10
SAMPLE_WAITS_EVERY = 0.05
DRAIN_SECONDS = 5.0  # after the load, for the last cases to become public


@dataclass
class Level:
    """What one offered rate found."""

    commands: list[float] = field(default_factory=list)  # seconds, successful only
    visible: list[float] = field(default_factory=list)  # accept answered → row seen
    long_polled: list[float] = field(default_factory=list)  # accept answered → view answered
    seen_at: dict[str, float] = field(default_factory=dict)  # case_no → row seen
    polled_at: dict[str, float] = field(default_factory=dict)  # case_no → long poll answered
    waits: Counter[str] = field(default_factory=Counter)  # of sessions not idle
    samples: int = 0  # of pg_stat_activity
    cpu: dict[str, float] = field(default_factory=dict)  # share of one core
    load: open_loop.Outcome = field(default_factory=lambda: open_loop.Outcome(0, 0))


class Watcher:
    """Notes when each accepted case's public row reaches the accept's position."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.pending: dict[str, tuple[float, int]] = {}  # case_no → (answered, position)
        self.lock = threading.Lock()
        self.level = Level()

    def expect(self, case_no: str, answered: float, position: int) -> None:
        with self.lock:
            self.pending[case_no] = (answered, position)

    def run(self, stop: threading.Event) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not stop.wait(WATCH_EVERY):
                with self.lock:
                    window = list(itertools.islice(self.pending, WATCH_WINDOW))
                if not window:
                    continue
                rows = conn.execute(
                    "SELECT case_no, position FROM public_case_status WHERE case_no = ANY(%s)",
                    (window,),
                ).fetchall()
                seen = time.perf_counter()
                with self.lock:
                    for case_no, position in rows:
                        answered, wanted = self.pending[case_no]
                        if position >= wanted:
                            del self.pending[case_no]
                            self.level.visible.append(seen - answered)
                            self.level.seen_at[case_no] = seen

    def give_up(self) -> int:
        """Count the cases still unseen with the time they have waited; how many."""
        now = time.perf_counter()
        with self.lock:
            self.level.visible += [now - answered for answered, _ in self.pending.values()]
            unseen = len(self.pending)
            self.pending.clear()
        return unseen


def sample_waits(database_url: str, level: Level, stop: threading.Event) -> None:
    """Count what the platform's active PostgreSQL sessions wait on, every 50 ms."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        while not stop.wait(SAMPLE_WAITS_EVERY):
            rows = conn.execute(
                "SELECT coalesce(wait_event_type || ':' || wait_event, 'no wait (CPU)'), state"
                " FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state NOT IN ('idle')"
            ).fetchall()
            level.samples += 1
            level.waits.update(
                f"{state}: {wait}" if state != "active" else wait for wait, state in rows
            )


@contextmanager
def watching(watcher: Watcher) -> Iterator[None]:
    """The watcher and the wait sampler running until the block ends."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=watcher.run, args=(stop,), daemon=True),
        threading.Thread(
            target=sample_waits, args=(watcher.database_url, watcher.level, stop), daemon=True
        ),
    ]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


def cpu_roots(platform: Platform) -> dict[str, int]:
    """The process trees to account: the platform's processes and the local servers."""
    roots = {label: process.pid for label, process in platform.processes.items()}
    for server in stack.status():
        if server.pid:
            roots[server.name] = server.pid
    roots["bench client (whole tree)"] = os.getpid()
    return roots


def cpu_shares(platform: Platform, before: dict[str, float], seconds: float) -> dict[str, float]:
    """Each tree's CPU since ``before``, as a share of one core; the client's own without
    the platform's processes (its children)."""
    used = cpu.used(before, cpu.snapshot(cpu_roots(platform)))
    whole = used.pop("bench client (whole tree)")
    used["bench client"] = whole - sum(used[label] for label in platform.processes)
    return {name: value / seconds for name, value in used.items()}


def load(platform: Platform, rate: int, seconds: float, first: int) -> Level:
    """Offer ``rate`` events/s for ``seconds``; what it found (cases numbered from
    ``first``, so that every applicant is new)."""
    watcher = Watcher(platform.settings.database_url)
    level = watcher.level
    with (
        platform.client() as client,
        httpx.Client(base_url=platform.base_url, timeout=30) as public,
        ThreadPoolExecutor(8) as long_polls,
        watching(watcher),
    ):

        def long_poll(case: dict[str, str], answered: float, position: int) -> None:
            public.get(
                f"/api/v1/public/cases/{case['case_no']}",
                params={"query_code": case["query_code"], "min_position": position},
            ).raise_for_status()
            level.polled_at[case["case_no"]] = time.perf_counter()
            level.long_polled.append(level.polled_at[case["case_no"]] - answered)

        def send(index: int) -> None:
            started = time.perf_counter()
            submitted = client.post(
                "/api/v1/cases",
                json={
                    "item_code": "SCJG-001",
                    "channel": "online",
                    "applicant": applicant(first + index),
                },
            )
            submitted.raise_for_status()
            case = submitted.json()
            middle = time.perf_counter()
            level.commands.append(middle - started)
            accepted = client.post(f"/api/v1/cases/{case['case_id']}/accept")
            accepted.raise_for_status()
            answered = time.perf_counter()
            level.commands.append(answered - middle)
            position = int(accepted.json()["position"])
            watcher.expect(case["case_no"], answered, position)
            if index % LONG_POLL_ONE_IN == 0:
                long_polls.submit(long_poll, case, answered, position)

        before = cpu.snapshot(cpu_roots(platform))

        def call(_: open_loop.Connection, index: int) -> bool:
            send(index)
            return True

        level.load = open_loop.offer(
            platform.base_url, call, rate / EVENTS_PER_CASE, seconds, in_flight=IN_FLIGHT
        )
        level.cpu = cpu_shares(platform, before, level.load.elapsed)
        deadline = time.monotonic() + DRAIN_SECONDS
        while watcher.pending and time.monotonic() < deadline:
            time.sleep(0.05)
        unseen = watcher.give_up()
    if unseen:
        print(f"  {unseen} cases not yet public {DRAIN_SECONDS:.0f} s after the load", flush=True)
    return level


def run(context: Context) -> None:
    """Offer each rate in turn to one platform running everything, and add the figures."""
    seconds = max(1.0, 15 * context.scale)
    processes = [" ".join(args) for args in PROCESSES.values()]
    levels: dict[int, Level] = {}
    with context.platform("end_to_end", *processes) as platform:
        first = 0
        for rate in RATES:
            print(f"  {rate} events/s offered for {seconds:.0f} s …", flush=True)
            levels[rate] = load(platform, rate, seconds, first)
            first += levels[rate].load.scheduled
    report(context, levels)


def report(context: Context, levels: dict[int, Level]) -> None:
    """The figures, plots and the note on what saturates."""
    add = context.report.add
    achieved = context.report.plot(
        "end_to_end_achieved", "End to end: achieved vs offered", "offered events/s", "events/s"
    )
    latency = context.report.plot(
        "end_to_end_latency", "End to end: p99 latency vs offered", "offered events/s", "ms"
    )
    shares = context.report.plot(
        "end_to_end_cpu", "End to end: CPU per process", "offered events/s", "% of one core"
    )
    notes = []
    for rate, level in levels.items():
        full = rate == max(RATES)
        events = len(level.commands) / level.load.elapsed
        add(
            Figure(
                STAGE,
                f"achieved at {rate} ev/s offered",
                events,
                "ev/s",
                goal=Goal(">=", 1000) if full else None,
            )
        )
        achieved.curve("achieved").points.append((rate, events))
        achieved.curve("offered").points.append((rate, rate))
        extra = [
            at - level.seen_at[case_no]
            for case_no, at in level.polled_at.items()
            if case_no in level.seen_at
        ]
        for name, values in (
            ("command", level.commands),
            ("command → public", level.visible),
            ("command → public (long poll)", level.long_polled),
        ):
            if not values:
                continue
            for q in (50, 99):
                goal = Goal("<=", 250) if full and q == 99 and name == "command → public" else None
                add(
                    Figure(
                        STAGE, f"{name} p{q} at {rate} ev/s", percentile(values, q), "ms", goal=goal
                    )
                )
            latency.curve(f"{name} p99").points.append((rate, percentile(values, 99)))
        for name, share in level.cpu.items():
            shares.curve(name).points.append((rate, share * 100))
        busy = sorted(level.cpu.items(), key=lambda item: -item[1])
        sampled = level.waits.total() or 1
        waits = ", ".join(
            f"{wait} {count / sampled:.0%}" for wait, count in level.waits.most_common(4)
        )
        added = (
            f"p50 {percentile(extra, 50):.0f} ms, p99 {percentile(extra, 99):.0f} ms"
            if extra
            else "–"
        )
        notes.append(
            f"At {rate} ev/s offered: achieved {events:.0f} ev/s, {level.load.missed} of "
            f"{level.load.scheduled} cases shed ({IN_FLIGHT} in flight); CPU "
            f"{sum(level.cpu.values()):.0%} of one core in all (2 cores), busiest "
            + ", ".join(
                f"{name} {share:.0%} ({share * 1000 / events:.1f} ms per event)"
                for name, share in busy[:4]
            )
            + f"; PostgreSQL: {level.waits.total()} sessions not idle in {level.samples} samples"
            f" ({waits or 'none'}). A long poll answered after the row was seen"
            f" (negative: before the watcher's tick saw it): {added}."
        )
    context.report.notes[STAGE] = " ".join(notes)
    print("  " + "\n  ".join(notes), flush=True)
