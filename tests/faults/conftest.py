"""The fault suite runs on the real servers of the test session; it prints its report."""

from __future__ import annotations

from typing import Any

from infra.state import ROOT
from tests.faults.report import REPORTS
from tests.integration import conftest as integration

stack_info = integration.stack_info
platform = integration.platform


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the fault report after the run and keep it in ``test-artifacts/faults.md``."""
    if not REPORTS:
        return
    text = "\n\n".join(REPORTS)
    terminalreporter.write_sep("=", "fault injection")
    terminalreporter.write_line(text)
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "faults.md").write_text(text + "\n", encoding="utf-8")
