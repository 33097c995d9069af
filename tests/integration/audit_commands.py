"""Running ``casetrail audit`` commands against the log of an ``OwnKeyAuditLog``."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from infra.entrypoints import cli
from infra.state import ROOT
from tests.integration.audit_helpers import OwnKeyAuditLog


def audit(log: OwnKeyAuditLog, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli.command("audit", *args),
        cwd=ROOT,
        env=log.env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def verify(log: OwnKeyAuditLog) -> tuple[int, dict[str, Any]]:
    """``casetrail audit verify --json``: its exit code and report."""
    done = audit(log, "verify", "--json")
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def first_link(report: dict[str, Any]) -> list[dict[str, Any]]:
    assert report["ok"] is False
    problems: list[dict[str, Any]] = report["first_broken_link"]["problems"]
    return problems
