"""The read side's upcaster: older versions reach consumers in the current shape."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from domain.errors import UnsupportedHistory
from domain.event_schemas import recorded_classes, registry
from domain.events import event_type
from domain.upcasting import current, current_event

ACTOR = {"id": "clerk-1", "role": "clerk", "department": "HALL"}
CLEAR = {"kind": "person", "name": "张三丰", "id_number": "110101199001010000"}
SUBMITTED_V2: dict[str, Any] = {
    "case_no": "SCJG-20260302-0001",
    "item_code": "SCJG-001",
    "item_name": "食品经营许可",
    "item_revision": 2,
    "department": "SCJG",
    "channel": "window",
    "applicant": CLEAR,
    "materials": [],
    "query_code_hash": "0" * 64,
}


COMPLETED_V3: dict[str, Any] = {
    "result": "other",
    "completed_on": "2026-03-12",
    "days_used": 8,
    "on_time_promised": True,  # judged at the decision
    "on_time_statutory": True,
    "reason": "",
}


def _valid(versioned_type: str, data: dict[str, Any]) -> None:
    Draft202012Validator(registry()[versioned_type].schema).validate(data)


@pytest.mark.parametrize(
    ("recorded", "data"),
    [
        (
            "casetrail.case.submitted.v1",
            {k: v for k, v in SUBMITTED_V2.items() if k != "item_revision"},
        ),
        ("casetrail.case.submitted.v2", SUBMITTED_V2),
        ("casetrail.case.decided.v1", {"outcome": "denied", "reasons": "不符", "legal_basis": "b"}),
        ("casetrail.case.rated.v1", {"stage": "closure", "level": 2, "comment": "慢"}),
        ("casetrail.case.step_completed.v1", {"step": "审查", "opinion": "agree", "comment": ""}),
        ("casetrail.case.completed.v3", COMPLETED_V3),
    ],
)
def test_an_older_version_comes_out_in_the_current_shape(
    recorded: str, data: dict[str, Any]
) -> None:
    data = {**data, "actor": ACTOR}
    _valid(recorded, data)
    given = {k: v for k, v in data.items()}
    versioned_type, upcast = current(recorded, data)
    assert versioned_type != recorded and versioned_type in registry()
    assert set(upcast) == set(registry()[versioned_type].schema["properties"])
    if not recorded.startswith("casetrail.case.submitted"):  # a clear applicant stays unsealed
        _valid(versioned_type, upcast)
    assert data == given  # the recorded data is left as it was


def test_what_each_version_meant_is_kept() -> None:
    _, submitted = current("casetrail.case.submitted.v1", {**SUBMITTED_V2, "item_revision": 9})
    assert submitted["item_revision"] == 1 and submitted["applicant"]["display_name"] == "张*丰"
    assert "query_code_hash" not in submitted
    _, decided = current(
        "casetrail.case.decided.v1", {"outcome": "denied", "reasons": "不符", "legal_basis": "b"}
    )
    assert (decided["reasons"], decided["appeal_notice"]) == (["不符"], "")
    rated_v1 = {"stage": "closure", "level": 2, "comment": "慢", "actor": ACTOR}
    _, rated = current("casetrail.case.rated.v1", rated_v1)
    assert rated["sealed_comment"] is None and "comment" not in rated
    assert rated["rated_by"] == "clerk"  # an old rating keeps who gave it
    _, completed = current("casetrail.case.completed.v3", {**COMPLETED_V3, "actor": ACTOR})
    assert (completed["days_used"], completed["on_time_statutory"]) == (8, True)
    assert completed["on_time_promised"] is None  # not judged at completion: the reader does
    assert completed["statutory_days_used"] is None
    _, step = current(
        "casetrail.case.step_completed.v1",
        {"step": "审查", "opinion": "agree", "comment": "", "actor": ACTOR},
    )
    assert (step["due_on"], step["on_time"]) == (None, None)


def test_a_current_event_passes_unchanged() -> None:
    event = {"type": "casetrail.case.withdrawn.v1", "data": {"reason": "r"}}
    assert current_event(event) is event


def test_history_the_domain_cannot_load_is_refused() -> None:
    with pytest.raises(UnsupportedHistory):
        current("casetrail.case.accepted.v1", {})


@pytest.mark.parametrize("event_class", recorded_classes(), ids=event_type)
def test_every_older_version_has_its_upcaster(event_class: type) -> None:
    latest = getattr(event_class, "class_version", 1)
    for step in range(1, latest):
        assert callable(getattr(event_class, f"upcast_v{step}_v{step + 1}", None))
