"""The audit trail (纪检监察): every event of every aggregate, one row each, for inspectors.

Pure: ``apply(view, event)`` returns the row of ``event`` (a CloudEvent in its current
version: the runner upcasts first), given ``view``, the aggregate's latest row so far,
whose case number, department and intake channel (for a case) the new row repeats.
Each row keeps who acted (actor id, role, department), when, the chain links, and the
event's whole data: internal content (opinions, reasons, overrides) included, personal
data sealed as it was recorded. Nothing here is public: inspectors read it through
routes that record each read.
"""

from __future__ import annotations

from typing import Any

from domain.events import event_type
from domain.inspector_access import InspectorAccess

CASE_STREAM = "case"
ACCESS_STREAM = event_type(InspectorAccess.Recorded).split(".")[1]  # the reads of the trail
CONTEXT = ("case_no", "case_department", "channel")  # what a case's later rows repeat


def apply(view: dict[str, Any] | None, event: dict[str, Any]) -> dict[str, Any]:
    """The trail's row for ``event``; ``view`` is the aggregate's latest row so far."""
    _, stream, kind, _ = event["type"].split(".")
    data = event["data"]
    context = {name: (view or {}).get(name) for name in CONTEXT}
    if stream == CASE_STREAM and kind == "submitted":
        context = {
            "case_no": data["case_no"],
            "case_department": data["department"],
            "channel": data["channel"],
        }
    actor = data.get("actor") or {}
    return {
        "position": event["position"],
        "aggregate_id": event["subject"],
        "stream": stream,
        **context,
        "version": event["caseversion"],
        "type": event["type"],
        "recorded_at": event["time"],
        "actor_id": actor.get("id"),
        "actor_role": actor.get("role"),
        "actor_department": actor.get("department"),
        "data": data,
        "prevhash": event["prevhash"],
        "hash": event["hash"],
    }
