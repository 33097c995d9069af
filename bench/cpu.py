"""CPU seconds of process trees, read from ``/proc`` (Linux): a process's user and system
time, its reaped children's, and its live descendants' (a PostgreSQL server's backends,
an API's workers). The difference of two ``snapshot``s is the CPU used between them."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stats() -> dict[int, tuple[int, float]]:
    """Every live process: its parent and its CPU seconds with its reaped children's."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        # after the name: state ppid … utime(14) stime cutime cstime, counted from 1
        ticks = sum(int(value) for value in fields[11:15])
        found[int(entry.name)] = (int(fields[1]), ticks / TICKS)
    return found


def snapshot(roots: Mapping[str, int]) -> dict[str, float]:
    """CPU seconds so far of each named process tree (its root's pid)."""
    stats = _stats()
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (parent, _) in stats.items():
        children[parent].append(pid)

    def tree(pid: int) -> float:
        own = stats[pid][1] if pid in stats else 0.0
        return own + sum(tree(child) for child in children[pid])

    return {name: tree(pid) for name, pid in roots.items()}


def used(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """CPU seconds of each tree between two snapshots."""
    return {name: max(0.0, after[name] - before.get(name, 0.0)) for name in after}
