"""``casetrail up``: the local stack, the relay, the projection runner, the anomaly
detector, the deadline sweeper, the audit log, the notifier, the webhook deliveries, the
exporter and the API, with demo data; the one command that starts the local servers and
the processes together."""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
from eventsourcing.utils import get_topic

from api.tokens import issue
from domain.application import HallApplication
from domain.case import Submitted
from domain.clock import SimulatedClock
from infra.catalogue import load_catalogue
from infra.config import Settings
from infra.entrypoints.bootstrap import build_application, migrate, open_pool
from infra.entrypoints.cli import command
from infra.entrypoints.demo import DemoCase, generate
from infra.entrypoints.status import STATUS_FILE
from infra.entrypoints.supervisor import Supervisor
from infra.local import stack
from infra.state import ROOT, state_dir

PROCESSES = {  # name → its `casetrail` command
    "relay": ("relay",),
    "project": ("project",),
    "anomalies": ("anomalies",),
    "sweep": ("sweep",),
    "audit": ("audit", "log"),
    "notify": ("notify",),
    "webhooks": ("webhooks",),
    "exchange": ("exchange",),
    "api": ("api",),
}
DEMO_CASES = 300
DEMO_DAYS = 100
DEMO_FILE = state_dir() / "demo-cases.json"
TOKENS = [
    ("clerk", "HALL"),
    ("officer", "SCJG"),
    ("approver", "SCJG"),
    ("supervisor", "HALL"),
    ("hall_admin", "HALL"),
    ("kiosk", "HALL"),  # a window evaluation device: it may only rate
    ("inspector", "HALL"),  # reads the audit trail (each read on record), decides anomalies
    ("senior_inspector", "HALL"),  # also reads who read it (the access log)
]


def run_platform() -> int:
    """Start everything, load the catalogue and demo cases, print how to look, wait for Ctrl-C."""
    signal.signal(signal.SIGTERM, _interrupt)
    info = stack.up()
    settings = replace(Settings.from_env(info.database_url, info.bootstrap_servers), mode="demo")
    migrate(settings)
    shown = _demo_data(settings)
    env = {
        **os.environ,
        **settings.database_env(),
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "CASETRAIL_MODE": "demo",
        # demo subscribers run on this machine, unless the hall says otherwise
        "CASETRAIL_WEBHOOKS_ALLOW_PRIVATE": os.environ.get(
            "CASETRAIL_WEBHOOKS_ALLOW_PRIVATE", "true"
        ),
    }
    logs = state_dir() / "logs"
    supervisor = Supervisor(
        commands={name: command(*args) for name, args in PROCESSES.items()},
        env=env,
        logs=logs,
        status_file=STATUS_FILE,
        cwd=ROOT,
    )
    supervisor.start()
    try:
        base_url = f"http://{settings.api_host}:{settings.api_port}"
        _wait_for_api(base_url, supervisor, logs / "api.log")
        print("waiting for the projections to catch up with the demo data …", flush=True)
        started = time.monotonic()
        _wait_for_view(base_url, shown)
        tokens = {
            f"{role:<16} {department}": issue(
                settings.token_secret, user=f"demo-{role}", roles=[role], department=department
            )
            for role, department in TOKENS
        }
        print(
            f"\ncasetrail is up: {base_url}   (views caught up in "
            f"{time.monotonic() - started:.1f} s)\n"
            f"  public site  {base_url}/   (tracking, decisions, statistics, power list)\n"
            f"  inspectors   {base_url}/audit/cases  {base_url}/audit/officers"
            "   (with an inspector token below and a case file reference)\n"
            f"  audit log    {base_url}/audit-log   (signed checkpoints, inclusion proofs)\n"
            f"  supervision  {base_url}/supervision   (the live board; supervisor, hall_admin or"
            " approver token)\n"
            f"  work queue   {base_url}/staff/queue   (officer or approver token)\n"
            f"  API docs     {base_url}/docs\n"
            f"  anomalies    {base_url}/audit/anomalies   (inspectors: paste the inspector"
            " token)\n"
            f"  demo case    {shown.case_no}  query code {shown.query_code}  ({shown.status})\n"
            f"  public view  {base_url}/api/v1/public/cases/{shown.case_no}"
            f"?query_code={shown.query_code}\n"
            f"  more cases   {DEMO_FILE}\n"
            f"  logs         {logs}\n"
            "  staff tokens (12 h):\n"
            + "".join(f"    {who}  {token}\n" for who, token in tokens.items())
            + "Press Ctrl-C to stop.",
            flush=True,
        )
        while True:  # a crashed process is restarted; only Ctrl-C or SIGTERM stops all
            supervisor.watch()
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping …", flush=True)
        return 0
    finally:
        supervisor.stop()


def _demo_data(settings: Settings) -> DemoCase:
    """Load the catalogue, and the demo cases on first start; the case to show."""
    with open_pool(settings.api_database_url, max_size=2) as pool:
        app = build_application(settings, pool)
        registered = load_catalogue(app)
        if registered:
            print(f"loaded {registered} service items into the power list", flush=True)
        if DEMO_FILE.exists() and _has_cases(app):
            cases = [DemoCase(**c) for c in json.loads(DEMO_FILE.read_text(encoding="utf-8"))]
        else:
            print(
                f"walking {DEMO_CASES} demo cases through {DEMO_DAYS} simulated days …", flush=True
            )
            now = app.clock.now()
            clock = SimulatedClock(now - timedelta(days=DEMO_DAYS))
            simulated = build_application(settings, pool, clock=clock)
            cases = generate(simulated, clock, cases=DEMO_CASES, days=DEMO_DAYS, until=now)
            simulated.close()
            DEMO_FILE.write_text(
                json.dumps([vars(c) for c in cases], ensure_ascii=False, indent=1),
                encoding="utf-8",
            )
        app.close()
    return next((c for c in reversed(cases) if c.status == "in_review"), cases[-1])


def _has_cases(app: HallApplication) -> bool:
    submitted = app.recorder.select_notifications(
        start=None, limit=1, topics=[get_topic(Submitted)]
    )
    return bool(submitted)


def _wait_for_view(base_url: str, case: DemoCase) -> None:
    """Wait until the projection shows the demo case (the demo data went through Kafka)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        found = httpx.get(
            f"{base_url}/api/v1/public/cases/{case.case_no}",
            params={"query_code": case.query_code},
            timeout=30,
        )
        if found.status_code == 200 and found.json()["status"] != "submitted":
            return
        time.sleep(0.5)
    raise RuntimeError("the projections did not catch up with the demo data in 5 minutes")


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _wait_for_api(base_url: str, supervisor: Supervisor, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        supervisor.watch()
        if supervisor.children["api"].last_exit is not None:
            raise RuntimeError(f"the API exited at start; see {log}")
        try:
            if httpx.get(f"{base_url}/metrics", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the API did not answer at {base_url} within 60 s; see {log}")
