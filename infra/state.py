"""Where generated state lives: server data, logs and secrets."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def state_dir() -> Path:
    """The ignored folder holding generated state: CASETRAIL_STATE_DIR, else <repo>/.casetrail."""
    override = os.environ.get("CASETRAIL_STATE_DIR")
    return Path(override).resolve() if override else ROOT / ".casetrail"


def secrets_dir() -> Path:
    """Where locally generated secrets live (mode 0600 files, a 0700 folder)."""
    return state_dir() / "secrets"
