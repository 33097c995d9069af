"""The hall's departments as published: each department's code and current name.

Pure: ``apply(view, event)`` returns the new view. Staff identities and the reasons
for a rename are not kept.
"""

from __future__ import annotations

from typing import Any


def apply(view: dict[str, Any] | None, event: dict[str, Any]) -> dict[str, Any] | None:
    """The department's view after ``event`` (a CloudEvent); other types change nothing."""
    _, stream, kind, _ = event["type"].split(".")
    if stream != "department":
        return view
    data = event["data"]
    if kind == "registered":
        view = {"department_id": event["subject"], "code": data["code"]}
    if view is None or kind not in ("registered", "renamed"):
        return view
    return {
        **view,
        "name": data["name"],
        "version": event["caseversion"],
        "position": event["position"],
    }
