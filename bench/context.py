"""What every stage of a benchmark run is given: the report to add figures to, the size
of the run, and platforms on the local servers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from bench.report import Report
from infra.local import stack
from tests.integration.harness import Platform


@dataclass
class Context:
    """One run's shared state. ``scale`` multiplies every stage's counts (1.0 is the full
    run; the tests use a small fraction); ``sized`` applies it."""

    report: Report = field(default_factory=Report)
    scale: float = 1.0

    def sized(self, count: int, least: int = 1) -> int:
        """``count`` scaled to this run, never below ``least``."""
        return max(least, round(count * self.scale))

    @cached_property
    def bootstrap_servers(self) -> str:
        """The local Kafka (the stack is started if it is not running)."""
        return stack.up().bootstrap_servers

    @contextmanager
    def platform(self, name: str, *processes: str) -> Iterator[Platform]:
        """A private platform (its own database and topic) running ``processes``,
        closed (processes stopped) on exit."""
        platform = Platform(self.bootstrap_servers, f"bench_{name}")
        try:
            for process in processes:
                platform.start(process)
            yield platform
        finally:
            platform.close()
