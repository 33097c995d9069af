"""Recording an anomaly once, as the detector, and an inspector's finding on it, once."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.anomalies.anomaly import DETECTOR, Anomaly
from domain.anomalies.detection import Detection, anomaly_id
from domain.authorization import Forbidden
from domain.errors import InvalidCommand, NotFound, VersionConflict
from tests.unit.conftest import CLERK, make_app

INSPECTOR = Actor(id="insp-1", role="inspector", department="HALL")


def detection(occurrence: str = "v3") -> Detection:
    case_id = str(uuid4())
    return Detection(
        id=anomaly_id("P06", case_id, occurrence),
        rule="P06",
        category="process",
        level="warning",
        case_id=case_id,
        case_no="SCJG-20260302-0001",
        department="SCJG",
        officers=["officer-1"],
        occurrence=occurrence,
        evidence={"events": [], "measured": {"assignments": 3}, "thresholds": {}},
    )


def test_an_anomaly_is_recorded_once_as_the_detector() -> None:
    app = make_app()
    found = detection()
    assert app.record_detections([found, found]) == [found]
    assert app.record_detections([found]) == []
    later = detection("v4")
    assert app.record_detections([found, later]) == [later]
    [event] = [
        n
        for n in app.recorder.select_notifications(start=None, limit=10_000)
        if n.originator_id == found.id
    ]
    anomaly = app.mapper.to_domain_event(event)
    assert isinstance(anomaly, Anomaly.Detected)
    assert anomaly.actor == {**DETECTOR.as_dict(), "simulated": True}  # the demo clock


def test_anomalies_recorded_meanwhile_by_another_detector_are_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app()
    raced, new = detection("a"), detection("b")
    app.record_detections([raced])
    monkeypatch.setattr(app.repository, "current", lambda ids: {})  # read before it was
    assert app.record_detections([raced, new]) == [new]
    monkeypatch.undo()
    recorded = [
        n.originator_id
        for n in app.recorder.select_notifications(start=None, limit=10_000)
        if n.originator_id in (raced.id, new.id)
    ]
    assert sorted(recorded) == sorted([raced.id, new.id])


def test_a_finding_is_recorded_once_by_an_inspector() -> None:
    app = make_app()
    confirmed, dismissed = detection("a"), detection("b")
    app.record_detections([confirmed, dismissed])
    with pytest.raises(Forbidden, match="may not decide-anomaly"):
        app.decide_anomaly(CLERK, confirmed.id, confirmed=True, text="")
    with pytest.raises(NotFound):
        app.decide_anomaly(INSPECTOR, uuid4(), confirmed=True, text="")
    assert app.decide_anomaly(INSPECTOR, confirmed.id, confirmed=True, text="").version == 2
    with pytest.raises(VersionConflict, match="already confirmed"):
        app.decide_anomaly(INSPECTOR, confirmed.id, confirmed=False, text="改判")
    with pytest.raises(InvalidCommand, match="reason"):
        app.decide_anomaly(INSPECTOR, dismissed.id, confirmed=False, text="  ")
    app.decide_anomaly(INSPECTOR, dismissed.id, confirmed=False, text="有书面授权")
    with pytest.raises(VersionConflict, match="already dismissed"):
        app.decide_anomaly(INSPECTOR, dismissed.id, confirmed=True, text="")
