"""The public case status (办件进度): what an applicant sees with case number and query code.

Pure: ``apply(view, event)`` returns the new view. Personal data never enters
the view except the masked applicant name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.clock import HALL_TZ

STATUS_LABELS = {
    "submitted": {"zh": "已收件", "en": "Received"},
    "accepted": {"zh": "已受理", "en": "Accepted"},
    "not_accepted": {"zh": "不予受理", "en": "Not accepted"},
    "approved": {"zh": "已决定：准予许可", "en": "Decided: approved"},
    "denied": {"zh": "已决定：不予许可", "en": "Decided: denied"},
    "completed": {"zh": "已办结", "en": "Completed"},
    "withdrawn": {"zh": "已撤回", "en": "Withdrawn"},
}


def mask_name(name: str, kind: str) -> str:
    """Persons' names are masked (张三 → 张*, 张小三 → 张*三); organisations' are shown."""
    if kind != "person":
        return name
    if len(name) <= 2:
        return name[:1] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def apply(view: dict[str, Any] | None, event: dict[str, Any]) -> dict[str, Any] | None:
    """The public view after ``event`` (a CloudEvent); unknown types change nothing."""
    _, stream, kind, _ = event["type"].split(".")
    if stream != "case":
        return view
    data = event["data"]
    if kind == "submitted":
        applicant = data["applicant"]
        view = {
            "case_id": event["subject"],
            "case_no": data["case_no"],
            "item_code": data["item_code"],
            "item_name": data["item_name"],
            "department": data["department"],
            "channel": data["channel"],
            "applicant": mask_name(applicant["name"], applicant["kind"]),
            "query_code_hash": data["query_code_hash"],
            "timeline": [],
            "decision": None,
        }
    if view is None:
        return None
    status = _status_after(kind, data)
    if status is None:
        return view
    milestone = {"status": status, "label": STATUS_LABELS[status], **_when(event["time"])}
    if kind == "decided":
        view = {**view, "decision": _decision(data)}
    return {
        **view,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "timeline": [*view["timeline"], milestone],
        "version": event["caseversion"],
        "position": event["position"],
        "updated_at": event["time"],
    }


def _status_after(kind: str, data: dict[str, Any]) -> str | None:
    if kind == "decided":
        return str(data["outcome"])
    return kind if kind in STATUS_LABELS else None


def _decision(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "outcome": data["outcome"],
        "reasons": data["reasons"],
        "legal_basis": data["legal_basis"],
    }


def _when(time: str) -> dict[str, str]:
    local = datetime.fromisoformat(time).astimezone(HALL_TZ)
    return {"at": time, "date": local.date().isoformat()}
