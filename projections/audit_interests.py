"""The declared-interest register (回避) as inspectors read it: each declaration, the
applicant by its keyed hash only, whether it stands, and its history.

Pure: ``apply(view, event)`` returns the new view; other types change nothing.
"""

from __future__ import annotations

from typing import Any

DECLARED_FIELDS = ("officer", "department", "applicant_kind", "subject", "relation", "note")


def apply(view: dict[str, Any] | None, event: dict[str, Any]) -> dict[str, Any] | None:
    """The declared interest's view after ``event`` (a CloudEvent)."""
    _, stream, kind, _ = event["type"].split(".")
    if stream != "declared_interest":
        return view
    data = event["data"]
    entry = {"event": kind, "at": event["time"], "by": data["actor"]["id"]}
    if kind == "declared":
        view = {
            "interest_id": event["subject"],
            **{name: data[name] for name in DECLARED_FIELDS},
            "status": "standing",
            "declared_at": event["time"],
            "withdrawn_at": None,
            "history": [],
        }
    elif view is not None and kind == "withdrawn":
        view = {**view, "status": "withdrawn", "withdrawn_at": event["time"]}
        entry["reason"] = data["reason"]
    elif view is not None and kind == "renewed":
        view = {
            **view,
            "status": "standing",
            "relation": data["relation"],
            "note": data["note"],
            "withdrawn_at": None,
        }
    else:
        return view
    return {
        **view,
        "history": [*view["history"], entry],
        "version": event["caseversion"],
        "position": event["position"],
    }
