"""The supervision notices (督办): each notice, its case and department, its date to
respond by, the response and the escalation, with who recorded each.

Pure: ``apply(view, event)`` returns the new view; other types change nothing. The
status is ``open`` until the department responds (``responded``, even after an
escalation) or the notice escalates unanswered (``escalated``).
"""

from __future__ import annotations

from typing import Any

STREAM = "supervision_notice"


def _by(event: dict[str, Any]) -> dict[str, Any]:
    actor = event["data"]["actor"]
    return {"by": actor["id"], "role": actor["role"], "at": event["time"]}


def apply(view: dict[str, Any] | None, event: dict[str, Any]) -> dict[str, Any] | None:
    """The notice's view after ``event`` (a CloudEvent)."""
    _, stream, kind, _ = event["type"].split(".")
    if stream != STREAM:
        return view
    data = event["data"]
    if kind == "issued":
        view = {
            "notice_id": event["subject"],
            "case_id": data["case_id"],
            "case_no": data["case_no"],
            "department": data["department"],
            "officer": data["notify"]["officer"],
            "text": data["text"],
            "respond_by": data["respond_by"],
            "issued_at": event["time"],
            "issued_by": data["actor"]["id"],
            "status": "open",
            "response": None,
            "escalation": None,
        }
    elif view is not None and kind == "responded":
        view = {**view, "status": "responded", "response": {"text": data["text"], **_by(event)}}
    elif view is not None and kind == "escalated":
        escalation = {
            "overdue_since": data["overdue_since"],
            "escalated_to": data["escalated_to"],
            **_by(event),
        }
        status = "responded" if view["response"] else "escalated"
        view = {**view, "status": status, "escalation": escalation}
    else:
        return view
    return {**view, "version": event["caseversion"], "position": event["position"]}
