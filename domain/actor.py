"""Who performs an action: always taken from a verified token, never from a body."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """A staff member or applicant acting on a case."""

    id: str
    role: str
    department: str
    simulated: bool = False  # acting under a simulated clock (demo and test modes only)

    def as_dict(self) -> dict[str, Any]:
        """The actor as it is recorded in an event (``simulated`` only when true)."""
        recorded = asdict(self)
        if not self.simulated:
            del recorded["simulated"]
        return recorded
