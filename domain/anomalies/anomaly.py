"""The Anomaly aggregate (异常线索): what a rule found in a case, and the inspectors'
finding on it.

An anomaly is recorded by the system (the anomaly detector, ``DETECTOR``) under the id
of its detection (``domain.anomalies.detection``), so each is recorded once; then an
inspector confirms it (核实, with a note) or dismisses it (排除, with the reason), once.
What inspectors were shown, and what they made of it, is itself on record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.anomalies.detection import Detection
from domain.errors import VersionConflict
from domain.events import ChainedAggregate, ChainedEvent
from domain.item_terms import checked_text

DETECTOR = Actor(id="anomaly-detector", role="system", department="HALL")
"""The actor of every detection: the platform's anomaly detector, no person."""


class Anomaly(ChainedAggregate):
    """An anomaly found by a rule, and the finding on it."""

    class Detected(ChainedEvent, Aggregate.Created):
        """发现异常: a rule of the catalogue found an anomaly in a case, with its evidence."""

        rule: str
        category: str
        level: str
        case_id: str
        case_no: str
        department: str
        officers: list[str]
        occurrence: str
        evidence: dict[str, Any]

    class Confirmed(ChainedEvent):
        """核实: an inspector confirms the anomaly, with a note."""

        note: str

        def apply(self, anomaly: Aggregate) -> None:
            assert isinstance(anomaly, Anomaly)
            anomaly.finding = "confirmed"

    class Dismissed(ChainedEvent):
        """排除: an inspector dismisses the anomaly, with the reason."""

        reason: str

        def apply(self, anomaly: Aggregate) -> None:
            assert isinstance(anomaly, Anomaly)
            anomaly.finding = "dismissed"

    def __init__(self, rule: str, case_id: str) -> None:
        self.rule = rule
        self.case_id = case_id
        self.finding: str | None = None

    @classmethod
    def detect(cls, detection: Detection, *, at: datetime, actor: Actor) -> Self:
        """Record what a rule found."""
        return cls._start(
            cls.Detected,
            detection.id,
            at,
            actor,
            rule=detection.rule,
            category=detection.category,
            level=detection.level,
            case_id=detection.case_id,
            case_no=detection.case_no,
            department=detection.department,
            officers=list(detection.officers),
            occurrence=detection.occurrence,
            evidence=detection.evidence,
        )

    def confirm(self, *, note: str, at: datetime, actor: Actor) -> None:
        """核实: the anomaly is real."""
        self._require_open()
        self._record(self.Confirmed, at, actor, note=note)

    def dismiss(self, *, reason: str, at: datetime, actor: Actor) -> None:
        """排除: the anomaly is not one, for the reason given."""
        self._require_open()
        checked_text(reason, "reason")
        self._record(self.Dismissed, at, actor, reason=reason)

    def _require_open(self) -> None:
        if self.finding is not None:
            raise VersionConflict(
                f"anomaly {self.id} was already {self.finding}: a finding is recorded once"
            )
