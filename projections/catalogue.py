"""The power list as published (权力清单): each item's current revision and its history.

Pure: ``apply(view, event)`` returns the new view. The content is the revision's
event data without the actor (staff identities are not published), the revision
number and the reason for it.
"""

from __future__ import annotations

from typing import Any

from projections.case_facts import local_date

NOT_CONTENT = frozenset({"actor", "revision", "reason"})
STATUS_CHANGES = {"suspended": "suspended", "resumed": "active", "retired": "retired"}


def apply(view: dict[str, Any] | None, event: dict[str, Any]) -> dict[str, Any] | None:
    """The item's view after ``event`` (a CloudEvent); unknown types change nothing."""
    _, stream, kind, _ = event["type"].split(".")
    if stream != "service_item":
        return view
    data = event["data"]
    if kind == "registered":
        view = {"item_id": event["subject"], "status": "active", "revisions": []}
    if view is None:
        return view
    if kind in ("registered", "revised"):
        content = {name: value for name, value in data.items() if name not in NOT_CONTENT}
        revision = {
            "revision": data["revision"],
            "date": local_date(event["time"]),
            "reason": data.get("reason"),  # a registration gives none
        }
        view = {
            **view,
            **{name: content[name] for name in ("code", "name", "category", "department")},
            "supervising_department": content["supervising_department"],
            "revision": data["revision"],
            "content": content,
            "revisions": [*view["revisions"], revision],
        }
    elif kind in STATUS_CHANGES:
        view = {**view, "status": STATUS_CHANGES[kind]}
    else:
        return view
    return {**view, "version": event["caseversion"], "position": event["position"]}
