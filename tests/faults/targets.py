"""What the fault suite kills, and how each comes back.

The relay, the projection runner and the API run under the supervisor of
``casetrail up``, which starts a killed one again by itself. Kafka and PostgreSQL
are the project's own local servers; after a SIGKILL the suite starts them again
as an operator (or systemd) would, with the stack's own commands.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from infra.entrypoints.supervisor import Supervisor
from infra.local import kafka, postgres
from infra.state import state_dir
from tests.integration.harness import wait_until


@dataclass(frozen=True)
class Target:
    """One process to kill: ``kill`` sends SIGKILL, ``restart`` brings it back (a no-op
    for supervised processes) and returns once it was started."""

    name: str
    kill: Callable[[], None]
    restart: Callable[[], None]


def supervised(supervisor: Supervisor, name: str, label: str) -> Target:
    """A process of ``casetrail up``; its supervisor restarts it."""

    def kill() -> None:
        process = supervisor.children[name].process
        assert process is not None and process.poll() is None, f"the {label} is not running"
        process.send_signal(signal.SIGKILL)

    return Target(label, kill, lambda: None)


def kafka_broker() -> Target:
    """The local Kafka broker, started again with ``kafka.start`` once killed."""
    home = state_dir() / "kafka"

    def kill() -> None:
        number = kafka.pid(home)
        assert number is not None, "Kafka is not running"
        _kill([number])

    def restart() -> None:
        kafka.start(home)
        kafka.wait_ready(home)

    return Target("Kafka", kill, restart)


def postgresql_server() -> Target:
    """The local PostgreSQL server: the postmaster and every backend are killed at
    once, as when its machine loses power; the next start replays the WAL."""
    home = state_dir() / "postgres"

    def kill() -> None:
        postmaster = postgres.pid(home)
        assert postmaster is not None, "PostgreSQL is not running"
        _kill([postmaster, *_children(postmaster)])

    return Target("PostgreSQL", kill, lambda: postgres.start(home))


def _kill(pids: list[int], timeout: float = 30.0) -> None:
    """SIGKILL ``pids`` and wait until they are gone (reaped, if they are ours), so that
    their ports and files are free for the restart."""
    for number in pids:
        os.kill(number, signal.SIGKILL)
    wait_until(lambda: not any(_alive(n) for n in pids), timeout, f"killed {pids} to be gone")


def _alive(number: int) -> bool:
    """Whether any thread of process ``number`` still runs (a zombie's leader may wait
    for its other threads, which still hold its sockets)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(number, os.WNOHANG)  # reap it if it is our child
    try:
        state = Path(f"/proc/{number}/stat").read_text().rpartition(")")[2].split()[0]
        threads = len(os.listdir(f"/proc/{number}/task"))
    except OSError:
        return False
    return state not in "ZX" or threads > 1


def _children(parent: int) -> list[int]:
    """The pids whose parent is ``parent``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process has just exited
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found
