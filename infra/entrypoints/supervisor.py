"""Keeps the platform's processes running: a crashed one is started again after a
back-off, logged and counted; none is ever stopped because another died.

The back-off doubles from ``min_backoff`` to ``max_backoff`` while a process keeps
crashing, and starts over once it has run ``stable_after`` seconds. What runs, with
its pid, restarts and last exit code, is written to a JSON status file for
``casetrail status``.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Child:
    """One supervised process and its history."""

    name: str
    argv: Sequence[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    last_exit: int | None = None
    backoff: float = 0.0
    due: float | None = None  # when a crashed process starts again

    def status(self) -> dict[str, Any]:
        running = self.process is not None and self.process.poll() is None
        return {
            "pid": self.process.pid if running and self.process else None,
            "state": "running" if running else "restarting",
            "restarts": self.restarts,
            "last_exit": self.last_exit,
            "started_at": time.time() - (time.monotonic() - self.started_at),
        }


@dataclass
class Supervisor:
    """Starts, watches and restarts ``commands`` (name → argv), each logging to its file."""

    commands: Mapping[str, Sequence[str]]
    env: Mapping[str, str]
    logs: Path
    status_file: Path
    cwd: Path
    min_backoff: float = 0.5
    max_backoff: float = 30.0
    stable_after: float = 60.0
    say: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr))
    children: dict[str, Child] = field(default_factory=dict)

    def start(self) -> None:
        """Start every process."""
        self.logs.mkdir(parents=True, exist_ok=True)
        for name, argv in self.commands.items():
            self.children[name] = child = Child(name, argv, self.logs / f"{name}.log")
            self._spawn(child)
        self._write_status()

    def watch(self) -> None:
        """One look at every process: schedule a crashed one, start those that are due."""
        now = time.monotonic()
        for child in self.children.values():
            if child.due is None and child.process is not None:
                code = child.process.poll()
                if code is not None:
                    self._crashed(child, code, now)
            if child.due is not None and now >= child.due:
                child.restarts += 1
                self._spawn(child)
        self._write_status()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop every process: SIGTERM, then SIGKILL for those still running."""
        running = [c.process for c in self.children.values() if c.process and c.due is None]
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.status_file.unlink(missing_ok=True)

    def _crashed(self, child: Child, code: int, now: float) -> None:
        stable = now - child.started_at >= self.stable_after
        child.backoff = self.min_backoff if stable or not child.backoff else child.backoff * 2
        child.backoff = min(child.backoff, self.max_backoff)
        child.last_exit = code
        child.due = now + child.backoff
        self.say(
            f"casetrail: {child.name} exited with code {code}; restarting it in "
            f"{child.backoff:.1f} s (restart {child.restarts + 1}; log {child.log})"
        )

    def _spawn(self, child: Child) -> None:
        with child.log.open("ab") as out:
            child.process = subprocess.Popen(
                list(child.argv),
                cwd=self.cwd,
                env=dict(self.env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        child.started_at = time.monotonic()
        child.due = None

    def _write_status(self) -> None:
        status = {name: child.status() for name, child in self.children.items()}
        draft = self.status_file.with_suffix(".tmp")
        draft.write_text(json.dumps(status, indent=1))
        draft.replace(self.status_file)


def read_status(status_file: Path) -> dict[str, dict[str, Any]]:
    """What the running supervisor last wrote; empty when none runs."""
    try:
        status: dict[str, dict[str, Any]] = json.loads(status_file.read_text())
    except (OSError, ValueError):
        return {}
    return status
