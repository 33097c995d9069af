"""The supervision view of each case (电子监察): one flat row per case, staff only.

Pure: ``apply(view, event)`` returns the new view, for events in their current version.
Dates are the hall's local dates (Asia/Shanghai) as ISO strings. Which events accept,
close, pause, resume or move deadlines comes from ``domain.case.kinds``.

The light of an open accepted case is event-driven (never computed from the clock
here): ``green`` by default, ``yellow`` while a deadline warning is active, ``red`` while
a promised-deadline or statutory-limit breach is active; an alert stays active until a
``deadline_alert_cleared`` event names its kind and deadline, or the case closes (which
clears every deadline alert; an overdue rectification, which only a closed case has,
stays until cleared). Closed and not-yet-accepted cases have no light (None).

Counts kept per case: ``returns``, ``suspensions`` (挂起), ``special_procedures``,
``extensions``, ``supplement_notices``. ``steps`` are the item's handling steps (the
clerk's are done by acceptance) with their ``status``: ``completed``, ``current``,
``skipped`` or ``pending``; ``current_step`` and ``current_step_role`` name the one
waiting. ``opinions_owed`` are the co-departments of an open parallel review that have
not given their opinion. ``{stage}_rectification`` is None unless the stage's rating is
poor (1–2), then ``pending``, ``ordered``, ``reported`` and ``called_back``.
``days_used``/``on_time`` are the promised clock's at completion and
``statutory_days_used``/``on_time_statutory`` the statutory one's, both as the
Completed event records them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.case import kinds
from domain.case.supervision import (
    ALERT_EVENTS,
    CLEARED,
    DEEMED_SATISFIED,
    RECTIFICATION,
    alert_kind,
)
from domain.case.vocabulary import POOR_RATING
from domain.clock import HALL_TZ
from domain.supervision.timed import LIGHTS

CASE_TYPE_PREFIX = "casetrail.case."
# The sweeper's alerts (``domain.case.supervision``) and the light each sets.
ALERTS = frozenset(alert_kind(e) for e in ALERT_EVENTS)
KEPT_AFTER_CLOSURE = frozenset({RECTIFICATION})
RECTIFICATION_STEPS = {
    "rectification_ordered": "ordered",
    "rectification_reported": "reported",
    "callback_completed": "called_back",
}
STAGES = ("acceptance", "closure")
RUNNING = {"paused": False, "statutory_paused": False, "paused_since": None, "pause_kind": None}


def local_date(time: str) -> str:
    """The hall's ISO date of an ISO 8601 moment."""
    return datetime.fromisoformat(time).astimezone(HALL_TZ).date().isoformat()


def apply(view: dict[str, Any] | None, event: dict[str, Any]) -> dict[str, Any] | None:
    """The case's supervision row after ``event`` (a CloudEvent); other aggregates' events
    change nothing."""
    if not event["type"].startswith(CASE_TYPE_PREFIX):
        return view
    kind = event["type"].split(".")[2]
    on = local_date(event["time"])
    if kind == "submitted":
        return _submitted(event, on)
    if view is None:
        return None
    changed = {**view, **_change(kind, event["data"], on, view)}
    changed |= {"open": changed["status"] not in kinds.CLOSING, "light": light(changed)}
    return {
        **changed,
        "version": event["caseversion"],
        "position": event["position"],
        "updated_on": on,
    }


def light(view: dict[str, Any]) -> str | None:
    """The light of an open accepted case from its active alerts; None otherwise."""
    if view["accepted_on"] is None or view["status"] in kinds.CLOSING:
        return None
    lights = {LIGHTS.get(alert["kind"]) for alert in view["alerts"]}
    return "red" if "red" in lights else "yellow" if "yellow" in lights else "green"


def _submitted(event: dict[str, Any], on: str) -> dict[str, Any]:
    data = event["data"]
    return {
        "case_id": event["subject"],
        "case_no": data["case_no"],
        "item_code": data["item_code"],
        "item_name": data["item_name"],
        "department": data["department"],
        "channel": data["channel"],
        "assignee": None,
        "status": "submitted",
        "open": True,
        "submitted_on": on,
        "accepted_on": None,
        "decided_on": None,
        "closed_on": None,
        "unit": None,
        "promised_days": None,
        "statutory_unit": None,
        "statutory_days": None,
        "promised_deadline": None,
        "statutory_deadline": None,
        "deadline_provisional": False,
        "extension_days": 0,
        "paused": False,
        "statutory_paused": False,
        "paused_since": None,
        "pause_kind": None,
        "light": None,
        "alerts": [],
        "returns": 0,
        "suspensions": 0,
        "special_procedures": 0,
        "extensions": 0,
        "supplement_notices": 0,
        "steps": [],
        "current_step": None,
        "current_step_role": None,
        "opinions_owed": [],
        "acceptance_rating": None,
        "closure_rating": None,
        "acceptance_rectification": None,
        "closure_rectification": None,
        "poor_ratings": 0,
        "days_used": None,
        "on_time": None,
        "statutory_days_used": None,
        "on_time_statutory": None,
        "deemed_satisfied": [],
        "version": event["caseversion"],
        "position": event["position"],
        "updated_on": on,
    }


def _change(kind: str, data: dict[str, Any], on: str, view: dict[str, Any]) -> dict[str, Any]:
    """The fields an event of ``kind`` changes in ``view``."""
    change: dict[str, Any] = {}
    if kind in kinds.DEADLINE_MOVING:
        change |= {
            "statutory_deadline": data["statutory_deadline"],
            "promised_deadline": data["promised_deadline"],
            "deadline_provisional": data["deadline_provisional"],
        }
    if kind == kinds.SUPPLEMENT_REQUESTED:
        change["supplement_notices"] = view["supplement_notices"] + 1
    if kinds.stops_clock(kind, data):
        return change | _paused(kind, data, on, view)
    if kind in kinds.RESUMING:
        change |= RUNNING
    if kind in kinds.ACCEPTING:
        return change | _accepted(data)
    if kind in kinds.CLOSING:
        return change | _closed(kind, data, on, view)
    return change | _handled(kind, data, on, view)


def _paused(kind: str, data: dict[str, Any], on: str, view: dict[str, Any]) -> dict[str, Any]:
    """A stop of the clock: its kind (``suspended``, ``special_procedure_started:<kind>``,
    ``supplement_requested``) and since when."""
    pause = {
        "paused": True,
        "statutory_paused": data["stops_statutory_clock"],
        "paused_since": on,
        "pause_kind": kind,
    }
    if kind == "suspended":
        return pause | {"suspensions": view["suspensions"] + 1}
    if kind == "special_procedure_started":
        return pause | {
            "pause_kind": f"{kind}:{data['kind']}",
            "special_procedures": view["special_procedures"] + 1,
        }
    return pause


def _accepted(data: dict[str, Any]) -> dict[str, Any]:
    """The clock starts, under the item's promised limit and the recorded statutory one."""
    promised, statutory = data["terms"]["promised_limit"], data["statutory_limit"]
    steps = [
        {"name": s["name"], "role": s["role"], "status": "pending", "completed_on": None}
        for s in data["terms"].get("steps", [])
        if s["role"] != "clerk"
    ]
    return {
        "status": "in_review",
        "accepted_on": data["accepted_on"],
        "unit": promised["unit"],
        "promised_days": promised["days"],
        "statutory_unit": statutory["unit"],
        "statutory_days": statutory["days"],
        **_current(steps),
    }


def _closed(kind: str, data: dict[str, Any], on: str, view: dict[str, Any]) -> dict[str, Any]:
    """Closure: deadline alerts end; a completion records both clocks' days used."""
    alerts = [a for a in view["alerts"] if a["kind"] in KEPT_AFTER_CLOSURE]
    change: dict[str, Any] = {
        **RUNNING,
        "status": kind,
        "closed_on": on,
        "alerts": alerts,
        "current_step": None,
        "current_step_role": None,
        "opinions_owed": [],
    }
    if kind == "completed":
        change |= {
            "closed_on": data["completed_on"],
            "days_used": data["days_used"],
            "on_time": data["on_time_promised"],
            "statutory_days_used": data["statutory_days_used"],
            "on_time_statutory": data["on_time_statutory"],
        }
    return change


def _handled(kind: str, data: dict[str, Any], on: str, view: dict[str, Any]) -> dict[str, Any]:
    """Handling, decision, evaluation and the sweeper's alerts."""
    if kind == "assigned":
        return {"assignee": data["assignee"]}
    if kind == "step_completed":
        return _steps(view, completed=(data["step"], on))
    if kind == "returned":
        return {"returns": view["returns"] + 1, **_steps(view, back_to=data["to_step"])}
    if kind == "parallel_review_requested":
        return {"opinions_owed": sorted(data["departments"])}
    if kind == "co_department_opinion_given":
        return {"opinions_owed": [d for d in view["opinions_owed"] if d != data["department"]]}
    if kind == "parallel_review_closed":
        return {"opinions_owed": []}
    if kind == "deadline_extended":
        return {"extension_days": data["days"], "extensions": view["extensions"] + 1}
    if kind == "decided":
        skipped = {s["step"] for s in data["skipped_steps"]}
        return {"status": "decided", "decided_on": on, **_steps(view, skipped=skipped)}
    if kind == "rated":
        return _rated(view, data["stage"], data["level"])
    if kind in RECTIFICATION_STEPS:
        return {f"{data['stage']}_rectification": RECTIFICATION_STEPS[kind]}
    if kind == DEEMED_SATISFIED:
        return {"deemed_satisfied": sorted({*view["deemed_satisfied"], data["stage"]})}
    if kind in ALERTS:
        return {"alerts": _raised(view["alerts"], kind, data, on)}
    if kind == CLEARED:
        key = (data["alert"], data["deadline"])
        return {"alerts": [a for a in view["alerts"] if (a["kind"], a["deadline"]) != key]}
    return {}


def _raised(
    alerts: list[dict[str, Any]], kind: str, data: dict[str, Any], on: str
) -> list[dict[str, Any]]:
    """The active alerts with one more, once per (kind, deadline); who was notified is
    the event's business, not the board's."""
    if any((a["kind"], a["deadline"]) == (kind, data["deadline"]) for a in alerts):
        return alerts
    details = {k: v for k, v in data.items() if k != "notify"}
    return [*alerts, {"kind": kind, "raised_on": on, **details}]


def _rated(view: dict[str, Any], stage: str, level: int) -> dict[str, Any]:
    poor = level <= POOR_RATING
    change = {
        f"{stage}_rating": level,
        f"{stage}_rectification": "pending" if poor else None,
    }
    ratings = [change.get(f"{s}_rating", view[f"{s}_rating"]) for s in STAGES]
    return change | {"poor_ratings": sum(1 for r in ratings if r is not None and r <= POOR_RATING)}


def _steps(
    view: dict[str, Any],
    *,
    completed: tuple[str, str] | None = None,
    back_to: str | None = None,
    skipped: set[str] | None = None,
) -> dict[str, Any]:
    """The steps after one is completed (name, day), the case is returned to one, or the
    decision skipped some."""
    steps = [dict(s) for s in view["steps"]]
    for index, step in enumerate(steps):
        if completed is not None and step["name"] == completed[0]:
            step |= {"status": "completed", "completed_on": completed[1]}
        if back_to is not None and step["name"] == back_to:
            for later in steps[index:]:
                later |= {"status": "pending", "completed_on": None}
        if skipped and step["name"] in skipped and step["status"] != "completed":
            step["status"] = "skipped"
    return _current(steps)


def _current(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """``steps`` with the first one neither completed nor skipped marked current."""
    waiting = None
    for step in steps:
        if step["status"] == "current":
            step["status"] = "pending"
        if waiting is None and step["status"] == "pending":
            waiting = step
    if waiting is not None:
        waiting["status"] = "current"
    return {
        "steps": steps,
        "current_step": waiting["name"] if waiting else None,
        "current_step_role": waiting["role"] if waiting else None,
    }
