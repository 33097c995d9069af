"""The stages of ``python -m bench``, in the order they run: each module has
``run(context)``, adding its figures and plots to ``context.report``."""

from __future__ import annotations

STAGES: tuple[str, ...] = (
    "domain",
    "http",
    "lookup",
    "relay",
    "consumers",
    "end_to_end",
    "growth",
    "audit",
    "latency",
    "reading",
    "sweep",
    "supervision",
    "webhooks",
)
