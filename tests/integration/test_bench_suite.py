"""The benchmark suite, every stage at a tiny scale on the real servers: it runs through,
and its report holds a positive figure from every stage, the table and the plots."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.stages import STAGES
from infra.state import ROOT

pytestmark = pytest.mark.integration


def test_every_stage_reports_positive_figures(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "infra.entrypoints.cli",
            "bench",
            "--scale",
            "0.005",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads((tmp_path / "results.json").read_text())
    assert {f["stage"] for f in report["figures"]} == set(STAGES)
    assert all(f["value"] > 0 for f in report["figures"]), report["figures"]
    table = (tmp_path / "results.md").read_text().splitlines()
    assert len([line for line in table if line.startswith("| ")]) == len(report["figures"]) + 1
    for plot in [*report["plots"], "ratios"]:
        assert (tmp_path / f"{plot}.png").read_bytes()[:4] == b"\x89PNG"
    assert "all figures" in run.stdout


def test_an_unknown_stage_is_refused_readably() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench", "nosuch"], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 2
    assert "no such stage: nosuch" in run.stderr
