"""The stages of ``python -m bench``, in the order they run: each module has
``run(context)``, adding its figures and plots to ``context.report``."""

from __future__ import annotations

STAGES: tuple[str, ...] = (
    "reading",
    "sweep",
    "latency",
    "supervision",
    "webhooks",
    "domain",
    "http",
    "lookup",
)
