"""``casetrail up``: the stack, the relay, the projection runner and the API, with demo data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import httpx

from api.tokens import issue
from infra import stack
from infra.bootstrap import build_application, open_pool, prepare_database
from infra.config import ROOT, Settings, state_dir
from infra.demo import seed

PROCESSES = ("relay", "project", "api")


def serve_api(settings: Settings) -> None:
    """Serve the API on the configured loopback address until stopped."""
    import uvicorn

    from api.app import create_app

    with open_pool(settings) as pool:
        application = build_application(settings, pool)
        uvicorn.run(
            create_app(settings, application, pool),
            host=settings.api_host,
            port=settings.api_port,
            log_level="warning",
        )


def run_platform() -> int:
    """Start everything, seed demo cases, print how to look, and wait for Ctrl-C."""
    signal.signal(signal.SIGTERM, _interrupt)
    info = stack.up()
    settings = Settings.from_env(info.database_url, info.bootstrap_servers)
    prepare_database(settings)
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
    }
    logs = state_dir() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    children = {name: _spawn(name, env, logs / f"{name}.log") for name in PROCESSES}
    try:
        base_url = f"http://{settings.api_host}:{settings.api_port}"
        _wait_for_api(base_url, children["api"], logs / "api.log")
        token = issue(settings.token_secret, user="demo-clerk", roles=["clerk"], department="SCJG")
        print("seeding demo cases through the API …", flush=True)
        demo = seed(base_url, token)
        shown = demo[0]
        started = time.monotonic()
        public = httpx.get(
            f"{base_url}/api/v1/public/cases/{shown.case_no}",
            params={"query_code": shown.query_code, "min_position": shown.position},
            timeout=30,
        )
        print(
            f"\ncasetrail is up: {base_url}\n"
            f"  API docs       {base_url}/docs\n"
            f"  staff token    {token}\n"
            f"  demo case      {shown.case_no}  query code {shown.query_code}\n"
            f"  public view    {public.request.url}\n"
            f"  (public view caught up in {time.monotonic() - started:.2f} s: "
            f"{public.json().get('status_label', {}).get('en')})\n"
            f"  logs           {logs}\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        failed = [name for name, child in children.items() if child.poll() is not None]
        print(f"casetrail: {', '.join(failed)} stopped; see {logs}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping …", flush=True)
        return 0
    finally:
        _stop(children.values())


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _spawn(name: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "infra.cli", name],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for_api(base_url: str, api: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if api.poll() is not None:
            raise RuntimeError(f"the API exited with code {api.returncode}; see {log}")
        try:
            if httpx.get(f"{base_url}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the API did not answer at {base_url} within 60 s; see {log}")


def _stop(children: Iterable[subprocess.Popen[bytes]]) -> None:
    processes = list(children)
    for child in processes:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in processes:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
