"""The public facts of each case (办件公示 and statistics): one flat row per case.

Pure: ``apply(view, event)`` returns the new view, for events in their current
version (the projection runner upcasts older ones first). Dates are the hall's local
dates (Asia/Shanghai) as ISO strings. Personal data never enters the view: the
applicant's name is masked for persons, and no ID number, phone or address is
kept; once the applicant's data is erased, not even the masked name. Reasons and
legal basis are public only for a denial or a non-acceptance.

``days_used`` and ``on_time_promised`` are the promised clock's at completion, both
from the Completed event and so by the domain's one rule (``domain.deadlines.on_time``);
a completion recorded before that rule (v3, upcast without the flag) is judged here by
the same rule from its days used and the case's limit and extension, so no case is on
time with more days used than its limit allows. ``steps_late`` counts the handling
steps completed after their own limit.

``{stage}_rectification`` (stage ``acceptance`` or ``closure``) is None unless
that stage's rating is poor (1–2); then it is ``pending`` until a rectification
is ordered, then ``ordered``, ``reported`` and ``called_back``. A stage deemed satisfied
(视为满意, left unrated in time) counts as a rating of 4 (满意).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.case import kinds
from domain.case.vocabulary import DEEMED_RATING, POOR_RATING
from domain.clock import HALL_TZ
from domain.deadlines import on_time
from domain.event_schemas import registry
from domain.personal_data import published_name

CASE_EVENT_TYPES = frozenset(t for t in registry() if t.startswith("casetrail.case."))
CLOSED_STATUSES = tuple(sorted(kinds.CLOSING))  # a closed case's status is its closing event
RECTIFICATION_STEPS = {
    "rectification_ordered": "ordered",
    "rectification_reported": "reported",
    "callback_completed": "called_back",
}


def local_date(time: str) -> str:
    """The hall's ISO date of an ISO 8601 moment."""
    return datetime.fromisoformat(time).astimezone(HALL_TZ).date().isoformat()


def apply(view: dict[str, Any] | None, event: dict[str, Any]) -> dict[str, Any] | None:
    """The case's facts after ``event`` (a CloudEvent).

    Every known case event moves ``version`` and ``position`` on, even one without
    public effect (an assignment); types not in the event-schema registry change nothing.
    """
    if event["type"] not in CASE_EVENT_TYPES:
        return view
    kind = event["type"].split(".")[2]
    if kind == "submitted":
        return _submitted(event)
    if view is None:
        return None
    change = _change(kind, event["data"], local_date(event["time"]), view)
    return {**view, **change, "version": event["caseversion"], "position": event["position"]}


def _submitted(event: dict[str, Any]) -> dict[str, Any]:
    data = event["data"]
    applicant = data["applicant"]
    return {
        "case_id": event["subject"],
        "case_no": data["case_no"],
        "item_code": data["item_code"],
        "item_name": data["item_name"],
        "item_revision": data["item_revision"],
        "department": data["department"],
        "channel": data["channel"],
        "applicant": published_name(applicant),
        "applicant_kind": applicant["kind"],
        "status": "submitted",
        "outcome": None,
        "result": None,
        "reasons": [],
        "legal_basis": None,
        "submitted_on": local_date(event["time"]),
        "accepted_on": None,
        "decided_on": None,
        "closed_on": None,
        "promised_days": None,
        "promised_unit": None,
        "statutory_days": None,
        "statutory_unit": None,
        "extension_days": 0,
        "days_used": None,
        "on_time_promised": None,
        "on_time_statutory": None,
        "steps_late": 0,
        "paused": False,
        "acceptance_rating": None,
        "closure_rating": None,
        "acceptance_rectification": None,
        "closure_rectification": None,
        "version": event["caseversion"],
        "position": event["position"],
    }


def _change(kind: str, data: dict[str, Any], on: str, view: dict[str, Any]) -> dict[str, Any]:
    """The public fields an event of ``kind`` changes in ``view`` (none for an internal
    step)."""
    if kinds.stops_clock(kind, data):
        return {"paused": True}
    if kind == "supplement_requested":  # at intake: acceptance waits, no clock runs yet
        return {"status": "awaiting_supplement"}
    if kind == "supplement_provided":
        return {"status": "submitted"}
    if kind in kinds.RESUMING:
        return {"paused": False}
    if kind in kinds.ACCEPTING:  # accepted by the clerk, or deemed accepted (Art. 32)
        return _accepted(data)
    if kind == "deadline_extended":
        return {"extension_days": data["days"]}
    if kind == "decided":
        return _decided(data, on)
    if kind in CLOSED_STATUSES:
        return _closed(kind, data, on, view)
    if kind == "step_completed" and data["on_time"] is False:
        return {"steps_late": view["steps_late"] + 1}
    if kind == "rated":
        stage, level = data["stage"], data["level"]
        rectification = "pending" if level <= POOR_RATING else None
        return {f"{stage}_rating": level, f"{stage}_rectification": rectification}
    if kind == "deemed_satisfied":
        return {f"{data['stage']}_rating": DEEMED_RATING}
    if kind in RECTIFICATION_STEPS:
        return {f"{data['stage']}_rectification": RECTIFICATION_STEPS[kind]}
    if kind == "applicant_data_erased":
        return {"applicant": None}
    return {}


def _accepted(data: dict[str, Any]) -> dict[str, Any]:
    """An acceptance counts from ``accepted_on`` (for a late or deemed one, the day of
    receipt), under the statutory limit it records and the item's promised one."""
    promised, statutory = data["terms"]["promised_limit"], data["statutory_limit"]
    return {
        "status": "in_review",
        "accepted_on": data["accepted_on"],
        "item_revision": data["item_revision"],
        "promised_days": promised["days"],
        "promised_unit": promised["unit"],
        "statutory_days": statutory["days"],
        "statutory_unit": statutory["unit"],
    }


def _decided(data: dict[str, Any], on: str) -> dict[str, Any]:
    """Approvals publish no reasons."""
    outcome = data["outcome"]
    change: dict[str, Any] = {"status": "decided", "outcome": outcome, "decided_on": on}
    if outcome == "denied":
        change |= {"reasons": list(data["reasons"]), "legal_basis": data["legal_basis"]}
    return change


def _closed(kind: str, data: dict[str, Any], on: str, view: dict[str, Any]) -> dict[str, Any]:
    """Closure: the result, and for a completion the promised clock's days used and both
    on-time flags (a v3 completion's promised flag judged here, see the module)."""
    change: dict[str, Any] = {"status": kind, "closed_on": on, "paused": False}
    if kind == "completed":
        used, promised = data["days_used"], data["on_time_promised"]
        if promised is None and used is not None and view["promised_days"] is not None:
            promised = on_time(used, view["promised_days"], view["extension_days"])
        change |= {
            "result": data["result"],
            "closed_on": data["completed_on"],
            "days_used": used,
            "on_time_promised": promised,
            "on_time_statutory": data["on_time_statutory"],
        }
    elif kind == "forwarded":
        change["result"] = "forwarded"
    elif kind == "not_accepted":
        change |= {"reasons": [data["reason"]], "legal_basis": data["legal_basis"]}
    return change
