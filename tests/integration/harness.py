"""A private casetrail platform on the real servers: its own database and topic.

The relay, the projection runner and the API run as real processes so that
tests can kill them; nothing here stands in for PostgreSQL or Kafka.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
from kafka import KafkaConsumer, TopicPartition
from psycopg import sql

from api.tokens import issue
from domain.case.state import local_date
from infra import kafka_admin, servers
from infra.catalogue import load_catalogue
from infra.config import Settings
from infra.entrypoints import cli
from infra.entrypoints.bootstrap import build_application, open_pool, prepare_database
from infra.entrypoints.status import consumed, topic_end
from infra.entrypoints.supervisor import Supervisor
from infra.kafka_security import (
    ADMIN,
    ANOMALIES_GROUP,
    EXPORTER_GROUP,
    NOTIFIER_GROUP,
    PROJECTOR_GROUP,
    SWEEPER_GROUP,
    WEBHOOKS_GROUP,
)
from infra.local import postgres
from infra.state import ROOT, state_dir

T = TypeVar("T")

PROCESSES = ("relay", "project", "api")
# for tests that stop or kill a server: never one the project does not run itself
OWN_SERVERS_ONLY = pytest.mark.skipif(
    servers.postgres_is_external() or servers.kafka_is_external(),
    reason="stops only the servers the project runs itself",
)


def read_whole_topic(platform: Platform, topic: str) -> list[Any]:
    """Every record of the one-partition ``topic``, from its start to its current end."""
    partition = TopicPartition(topic, 0)
    consumer = KafkaConsumer(**platform.settings.kafka_options(ADMIN), enable_auto_commit=False)
    try:
        consumer.assign([partition])
        consumer.seek_to_beginning(partition)
        end = consumer.end_offsets([partition])[partition]
        records: list[Any] = []

        def all_read() -> bool:
            records.extend(consumer.poll(timeout_ms=200).get(partition, []))
            return len(records) >= end

        wait_until(all_read, what=f"the topic {topic}")
        return records
    finally:
        consumer.close()


def hall_today() -> date:
    """Today in the hall (Asia/Shanghai), which is tomorrow in UTC from 16:00."""
    return local_date(datetime.now(UTC))


def wait_until(condition: Callable[[], T], timeout: float = 60.0, what: str = "condition") -> T:
    """Poll ``condition`` until it returns a truthy value, or fail after ``timeout``.

    The pause between polls grows from 10 ms to 200 ms, so a long wait does not take
    from the processes it waits for the CPU they need (the machine has two cores)."""
    deadline = time.monotonic() + timeout
    pause = 0.01
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(pause)
        pause = min(pause * 1.5, 0.2)


def drop_database(url: str) -> None:
    """Drop the database that ``url`` names, whoever is still connected to it (as the
    private cluster's superuser: only it may end other roles' sessions, and a process
    just stopped may leave one for a moment)."""
    parts = urlsplit(servers.role_url(servers.SUPERUSER, url))
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        name = sql.Identifier(parts.path.lstrip("/"))
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))


_PORTS_GIVEN: set[int] = set()


def free_port() -> int:
    """A loopback port that is free now and stays free: it lies below the kernel's
    ephemeral range, so no outgoing connection (to Kafka, PostgreSQL) can take it
    before the API binds it, and it is never handed out twice by this process."""
    low, _ = (int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    candidates = list(range(max(1024, low - 12_000), low))
    random.shuffle(candidates)
    for port in candidates:
        if port in _PORTS_GIVEN:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _PORTS_GIVEN.add(port)
        return port
    raise RuntimeError("no free loopback port below the ephemeral range")


class Platform:
    """One isolated platform: a fresh database, a fresh topic, and its processes, each
    process connecting as its own role (``settings``' per-role URLs); ``sql`` runs as
    the owner."""

    def __init__(self, bootstrap_servers: str, name: str, relay_batch: int = 2000) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.topic = f"casetrail.test.{name}.{suffix}"
        self.settings = replace(
            Settings.from_env(postgres.create_database(f"test_{name}_{suffix}"), bootstrap_servers),
            topic=self.topic,
            api_port=free_port(),
            relay_batch=relay_batch,
            projector_group=f"{PROJECTOR_GROUP}.{name}.{suffix}",  # none shared across platforms
            anomalies_group=f"{ANOMALIES_GROUP}.{name}.{suffix}",
            sweeper_group=f"{SWEEPER_GROUP}.{name}.{suffix}",
            notifier_group=f"{NOTIFIER_GROUP}.{name}.{suffix}",
            webhooks_group=f"{WEBHOOKS_GROUP}.{name}.{suffix}",
            exporter_group=f"{EXPORTER_GROUP}.{name}.{suffix}",
        )
        kafka_admin.ensure_topic(bootstrap_servers, self.topic)
        prepare_database(self.settings)
        with open_pool(self.settings.api_database_url, max_size=2) as pool:
            app = build_application(self.settings, pool)
            load_catalogue(app)
            app.close()
        self.logs = state_dir() / "test-logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.base_url = f"http://127.0.0.1:{self.settings.api_port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            **self.settings.database_env(),
            "KAFKA_BOOTSTRAP_SERVERS": self.settings.bootstrap_servers,
            "CASETRAIL_TOPIC": self.topic,
            "CASETRAIL_API_PORT": str(self.settings.api_port),
            "CASETRAIL_RELAY_BATCH": str(self.settings.relay_batch),
            "CASETRAIL_PROJECTOR_GROUP": self.settings.projector_group,
            "CASETRAIL_ANOMALIES_GROUP": self.settings.anomalies_group,
            "CASETRAIL_SWEEPER_GROUP": self.settings.sweeper_group,
            "CASETRAIL_NOTIFIER_GROUP": self.settings.notifier_group,
            "CASETRAIL_WEBHOOKS_GROUP": self.settings.webhooks_group,
            "CASETRAIL_EXPORTER_GROUP": self.settings.exporter_group,
            "CASETRAIL_TOKEN_SECRET": self.settings.token_secret,
            "CASETRAIL_LOOKUP_RATE": "100000/60",  # tests look up far more than people do
            "CASETRAIL_EXCHANGE_DIR": str(state_dir() / "test-exchange" / self.topic),
        }

    def start(
        self, command: str, label: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start ``relay``, ``project``, ``anomalies``, ``audit log``, ``notify``,
        ``exchange`` or ``api`` as its own process, known by ``label``; ``env`` adds to the
        platform's environment. Waits until an API answers."""
        label = label or command
        log = self.log_path(label)
        with log.open("ab") as out:
            process = subprocess.Popen(
                cli.command(*command.split()),
                cwd=ROOT,
                env={**self.env(), **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes[label] = process
        if command == "api":
            port = (env or {}).get("CASETRAIL_API_PORT", str(self.settings.api_port))
            url = f"http://127.0.0.1:{port}"
            wait_until(lambda: self._answers(process, url, label), what=f"the API (log {log})")
        return process

    def log_path(self, label: str) -> Path:
        return self.logs / f"{self.topic}.{label}.log"

    def log(self, label: str) -> str:
        return self.log_path(label).read_text(errors="replace")

    def kill(self, name: str) -> None:
        """SIGKILL a process, as a crash would."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self, name: str) -> None:
        """Stop a process cleanly (SIGTERM)."""
        process = self.processes.pop(name)
        process.terminate()
        process.wait(timeout=30)

    def close(self) -> None:
        """Stop the processes, then drop the platform's database and topic."""
        for name in list(self.processes):
            self.stop(name)
        drop_database(self.settings.database_url)
        kafka_admin.drop_topic(self.settings.bootstrap_servers, self.topic)

    def _answers(self, process: subprocess.Popen[bytes], url: str, label: str) -> bool:
        if process.poll() is not None:
            tail = "\n".join(self.log(label).splitlines()[-20:])
            raise AssertionError(f"the API exited with {process.returncode}; its log ends:\n{tail}")
        try:
            return httpx.get(f"{url}/metrics", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def supervisor(self) -> Supervisor:
        """The platform's relay, projection runner and API under the supervisor of
        ``casetrail up`` (not started yet), restarting after 0.2 s."""
        return Supervisor(
            commands={name: cli.command(name) for name in PROCESSES},
            env=self.env(),
            logs=self.logs / self.topic,
            status_file=self.logs / f"{self.topic}.processes.json",
            cwd=ROOT,
            min_backoff=0.2,
            say=lambda _: None,
        )

    def token(self, role: str = "clerk", department: str = "HALL", user: str | None = None) -> str:
        user = user or f"{role}-{department.lower()}"
        return issue(self.settings.token_secret, user=user, roles=[role], department=department)

    def client(self, role: str = "clerk", department: str = "HALL") -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token(role, department)}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.settings.database_url) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def max_position(self) -> int:
        return int(self.sql("SELECT coalesce(max(notification_id), 0) FROM casetrail_events")[0][0])

    def relay_position(self) -> int:
        rows = self.sql("SELECT position FROM relay_positions WHERE name = 'kafka'")
        return int(rows[0][0]) if rows else 0

    def read_topic(self) -> Iterator[Any]:
        """Every message on the topic, partition by partition, with a plain consumer
        (logged in as the admin)."""
        consumer = KafkaConsumer(**self.settings.kafka_options(ADMIN), enable_auto_commit=False)
        try:
            partitions = [
                TopicPartition(self.topic, p) for p in consumer.partitions_for_topic(self.topic)
            ]
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            end = consumer.end_offsets(partitions)
            remaining = {tp for tp in partitions if end[tp] > 0}
            deadline = time.monotonic() + 60
            while remaining and time.monotonic() < deadline:
                for tp, records in consumer.poll(timeout_ms=500).items():
                    yield from records
                    if consumer.position(tp) >= end[tp]:
                        remaining.discard(tp)
            assert not remaining, f"could not read partitions {remaining} to their end"
        finally:
            consumer.close()

    def end_offsets_total(self) -> int:
        return topic_end(self.settings.kafka_options(ADMIN), self.topic)

    def consumed_total(self) -> int:
        with psycopg.connect(self.settings.database_url) as conn:
            return consumed(conn, self.topic, self.settings.projector_group)


class Hall:
    """The hall's staff acting through the staff API, one client (token) per role."""

    def __init__(self, platform: Platform, applicant: dict[str, Any]) -> None:
        self.platform = platform
        self.applicant = applicant
        self.clients: dict[tuple[str, str], httpx.Client] = {}

    def client(self, role: str, department: str = "HALL") -> httpx.Client:
        if (role, department) not in self.clients:
            self.clients[role, department] = self.platform.client(role, department)
        return self.clients[role, department]

    def submit(self, item_code: str, applicant: dict[str, Any] | None = None) -> dict[str, Any]:
        """A new case at the window; its id, number, query code, version and position."""
        response = self.client("clerk").post(
            "/api/v1/cases",
            json={
                "item_code": item_code,
                "channel": "window",
                "applicant": applicant or self.applicant,
                "materials": [{"code": "M1", "name": "申请书"}],
            },
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def act(
        self, case: dict[str, Any], action: str, role: str, department: str = "HALL", **body: Any
    ) -> int:
        """Perform ``action``; the event's position."""
        response = self.client(role, department).post(
            f"/api/v1/cases/{case['case_id']}/{action}", json=body
        )
        assert response.status_code == 200, f"{action}: {response.text}"
        return int(response.json()["position"])

    def public(self, case: dict[str, Any], position: int) -> dict[str, Any]:
        """The public view once it includes ``position``."""
        response = self.client("clerk").get(
            f"/api/v1/public/cases/{case['case_no']}",
            params={"query_code": case["query_code"], "min_position": position},
        )
        assert response.status_code == 200, response.text
        assert response.headers["Casetrail-Position-Reached"] == "true"
        return dict(response.json())

    def staff_view(self, case: dict[str, Any], department: str) -> dict[str, Any]:
        """The case as an officer of ``department`` reads it."""
        response = self.client("officer", department).get(f"/api/v1/cases/{case['case_id']}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def approve_and_close(self, case: dict[str, Any], department: str) -> int:
        """Review, approve, deliver and complete an accepted case; the last position."""
        steps = [
            ("assign", "officer", department, {"assignee": f"officer-{department.lower()}"}),
            ("complete-step", "officer", department, {"step": "审查", "opinion": "agree"}),
            ("complete-step", "approver", department, {"step": "决定", "opinion": "agree"}),
            ("decide", "approver", department, {"outcome": "approved"}),
            ("deliver", "clerk", "HALL", {"method": "window"}),
            ("complete", "officer", department, {}),
        ]
        return [
            self.act(case, action, role, acting, **body) for action, role, acting, body in steps
        ][-1]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


@contextmanager
def running_hall(platform: Platform, applicant: dict[str, Any]) -> Iterator[Hall]:
    """Start the platform's relay, projection runner and API; the staff acting on it."""
    for name in PROCESSES:
        platform.start(name)
    staff = Hall(platform, applicant)
    try:
        yield staff
    finally:
        staff.close()


PUBLIC_LISTINGS = (
    "/api/v1/public/decisions?page_size=100",
    "/api/v1/public/statistics",
    "/api/v1/public/statistics?group=item",
    "/api/v1/public/statistics/monthly",
    "/api/v1/public/catalogue",
    "/api/v1/public/departments",
)


def public_text(client: httpx.Client, cases: Iterable[tuple[str, str]]) -> str:
    """Every public listing and the public view of each (case number, query code), as
    one text to scan for what must never be public."""
    bodies = [client.get(path).text for path in PUBLIC_LISTINGS]
    bodies += [
        client.get(f"/api/v1/public/cases/{case_no}", params={"query_code": code}).text
        for case_no, code in cases
    ]
    return "\n".join(bodies)
