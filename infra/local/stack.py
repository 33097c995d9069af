"""Local stack: start, stop and report the Kafka broker and PostgreSQL server."""

from __future__ import annotations

import fcntl
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from infra import kafka_admin, servers
from infra.local import kafka, postgres
from infra.state import state_dir


@dataclass(frozen=True)
class StackInfo:
    """Where clients find the stack's servers."""

    bootstrap_servers: str
    database_url: str


@dataclass(frozen=True)
class ServerStatus:
    """State of one server: "running", "stopped" or "external" (not managed by us)."""

    name: str
    state: Literal["running", "stopped", "external"]
    address: str
    pid: int | None = None


def up() -> StackInfo:
    """Start the servers that are not running (reusing live ones); ensure the private
    broker's users, and the event topic with its ACLs."""
    bootstrap, url = servers.bootstrap_servers(), servers.database_url()
    with _locked() as home:
        launched = not servers.kafka_is_external() and kafka.start(home / "kafka")
        if servers.postgres_is_external():
            if not postgres.accepts(url):
                raise RuntimeError(
                    f"external PostgreSQL {servers.postgres_address()} refuses connections"
                )
        else:
            postgres.start(home / "postgres")
        if servers.kafka_is_external():
            if not kafka_admin.answers(bootstrap):
                raise RuntimeError(f"external Kafka {bootstrap} does not answer")
        else:
            waited = kafka.wait_ready(home / "kafka")
            if launched:
                print(f"Kafka ready in {waited:.1f} s", file=sys.stderr)
            kafka.ensure_users(bootstrap)
        kafka_admin.ensure_topic(bootstrap)
    return StackInfo(bootstrap, url)


def down() -> None:
    """Stop the servers this stack started; external servers are left alone."""
    with _locked() as home:
        if servers.kafka_is_external():
            print("Kafka is external (KAFKA_BOOTSTRAP_SERVERS); left alone", file=sys.stderr)
        else:
            kafka.stop(home / "kafka")
        if servers.postgres_is_external():
            print(
                "PostgreSQL is external (DATABASE_URL or POSTGRES_HOST); left alone",
                file=sys.stderr,
            )
        else:
            postgres.stop(home / "postgres")


def status() -> list[ServerStatus]:
    """State and address of each server."""
    home = state_dir()
    return [
        _status(
            "kafka",
            servers.kafka_is_external(),
            kafka.pid(home / "kafka"),
            servers.bootstrap_servers(),
        ),
        _status(
            "postgres",
            servers.postgres_is_external(),
            postgres.pid(home / "postgres"),
            servers.postgres_address(),
        ),
    ]


def print_status() -> None:
    """Print one line per server, e.g. `kafka      running  127.0.0.1:19092`."""
    for server in status():
        print(f"{server.name:<10} {server.state:<8} {server.address}")


def _status(name: str, external: bool, pid: int | None, address: str) -> ServerStatus:
    if external:
        return ServerStatus(name, "external", address)
    return ServerStatus(name, "running" if pid else "stopped", address, pid)


@contextmanager
def _locked() -> Iterator[Path]:
    """Hold an exclusive lock on the state folder so concurrent up/down calls serialise."""
    home = state_dir()
    home.mkdir(parents=True, exist_ok=True)
    with open(home / "stack.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield home
