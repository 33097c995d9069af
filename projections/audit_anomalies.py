"""The inspectors' anomaly queue: each anomaly recorded, its evidence, and the findings
on it (confirmed with a note, dismissed with the reason), with who recorded each.

Pure: ``apply(view, event)`` returns the new view; other types change nothing.
"""

from __future__ import annotations

from typing import Any

DETECTED_FIELDS = (
    "rule",
    "category",
    "level",
    "case_id",
    "case_no",
    "department",
    "officers",
    "occurrence",
    "evidence",
)
FINDINGS = {"confirmed": "note", "dismissed": "reason"}


def apply(view: dict[str, Any] | None, event: dict[str, Any]) -> dict[str, Any] | None:
    """The anomaly's view after ``event`` (a CloudEvent)."""
    _, stream, kind, _ = event["type"].split(".")
    if stream != "anomaly":
        return view
    data = event["data"]
    if kind == "detected":
        view = {
            "anomaly_id": event["subject"],
            **{name: data[name] for name in DETECTED_FIELDS},
            "status": "open",
            "detected_at": event["time"],
            "detected_by": data["actor"]["id"],
            "findings": [],
        }
    elif view is not None and kind in FINDINGS:
        finding = {
            "finding": kind,
            "text": data[FINDINGS[kind]],
            "by": data["actor"]["id"],
            "role": data["actor"]["role"],
            "at": event["time"],
        }
        view = {**view, "status": kind, "findings": [*view["findings"], finding]}
    else:
        return view
    return {**view, "version": event["caseversion"], "position": event["position"]}
