"""Where every benchmark writes its figures: ``test-artifacts/bench/<name>.json``, with when
and on what it ran."""

from __future__ import annotations

import json
import os
import platform as host
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.state import ROOT


def write_results(name: str, figures: dict[str, Any]) -> Path:
    """Write benchmark ``name``'s ``figures`` as JSON, say where, and return the path."""
    path = ROOT / "test-artifacts" / "bench" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": name,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": host.python_version(),
        "machine": {"cpus": os.cpu_count(), "platform": host.platform()},
        **figures,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {path.relative_to(ROOT)}")
    return path
