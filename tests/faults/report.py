"""The fault suite's report: what was sent, what was kept, and how long each fault cost.

The suite fills ``REPORTS``; the folder's conftest prints them at the end of the
pytest run and writes them to ``test-artifacts/faults.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tests.faults.load import Tally


@dataclass(frozen=True)
class Recovery:
    """One fault: seconds from the SIGKILL until a command was acknowledged again, and
    until a command sent after the kill showed in the public view."""

    target: str
    commands_back: float
    views_back: float
    restarts: int  # processes the supervisor started again meanwhile


REPORTS: list[str] = []


def table(tally: Tally, lost: int, republished: int, recoveries: Sequence[Recovery]) -> str:
    """The report as Markdown."""
    lines = [
        "| commands sent | acknowledged | lost | unanswered | duplicates absorbed |",
        "|---:|---:|---:|---:|---|",
        f"| {tally.sent} | {len(tally.acknowledged)} | {lost} | {tally.unanswered} "
        f"| {tally.replayed} retried requests answered from their first outcome, "
        f"{republished} re-published messages skipped by the views |",
        "",
        "| fault (SIGKILL) | commands acknowledged again after | "
        "visible in the public view after | supervisor restarts |",
        "|---|---:|---:|---:|",
        *(
            f"| {r.target} | {r.commands_back:.1f} s | {r.views_back:.1f} s | {r.restarts} |"
            for r in recoveries
        ),
        "",
        f"Attempts met by a lost connection or a 5xx, then retried: {tally.failed_attempts}.",
    ]
    return "\n".join(lines)
