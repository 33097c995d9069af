"""The public case status (办件进度): what an applicant sees with case number and query code.

Pure: ``apply(view, event)`` returns the new view, for events in their current
version (the projection runner upcasts older ones first). ``limit_unit`` is the unit of the
promised limit the deadline counts (``G`` working days, ``Z`` natural days), from the
acceptance's terms, so that the days left are told in it. Personal data never enters
the view except the masked applicant name, and that goes when the applicant's
data is erased.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.case import kinds
from domain.clock import HALL_TZ
from domain.personal_data import published_name

STATUS_LABELS = {
    "submitted": {"zh": "已收件", "en": "Received"},
    "awaiting_supplement": {"zh": "待补正材料", "en": "Awaiting missing materials"},
    "supplement_provided": {"zh": "材料已补齐", "en": "Materials provided"},
    "accepted": {"zh": "已受理", "en": "Accepted"},
    "deemed_accepted": {"zh": "视为受理", "en": "Deemed accepted"},
    "not_accepted": {"zh": "不予受理", "en": "Not accepted"},
    "special_procedure": {"zh": "特别程序中（不计时）", "en": "Special procedure (clock stopped)"},
    "suspended": {
        "zh": "已中止（承诺时限暂停计时）",
        "en": "Suspended (the promised time limit is stopped)",
    },
    "in_review": {"zh": "审查中", "en": "Under review"},
    "extended": {"zh": "已延期", "en": "Deadline extended"},
    "approved": {"zh": "已决定：准予许可", "en": "Decided: approved"},
    "denied": {"zh": "已决定：不予许可", "en": "Decided: denied"},
    "certificate_issued": {"zh": "已制证", "en": "Certificate issued"},
    "delivered": {"zh": "已送达", "en": "Result delivered"},
    "completed": {"zh": "已办结", "en": "Completed"},
    "withdrawn": {"zh": "已撤回", "en": "Withdrawn"},
    "terminated": {"zh": "已终止", "en": "Terminated"},
    "forwarded": {"zh": "已转报上级机关", "en": "Forwarded to the higher authority"},
}
# The public status each case event leads to; events not listed are internal steps.
PUBLIC_STATUS = {
    "submitted": "submitted",
    "supplement_requested": "awaiting_supplement",
    "supplement_provided": "supplement_provided",
    "supplement_provided_in_review": "supplement_provided",
    "accepted": "accepted",
    "deemed_accepted": "deemed_accepted",
    "not_accepted": "not_accepted",
    "special_procedure_started": "special_procedure",
    "special_procedure_ended": "in_review",
    "suspended": "suspended",
    "resumed": "in_review",
    "deadline_extended": "extended",
    "certificate_issued": "certificate_issued",
    "result_delivered": "delivered",
    "completed": "completed",
    "withdrawn": "withdrawn",
    "terminated": "terminated",
    "forwarded": "forwarded",
}
DEADLINE_FIELDS = ("promised_deadline", "statutory_deadline", "deadline_provisional")


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
            "applicant": published_name(applicant),
            "timeline": [],
            "decision": None,
            "missing": [],
            "paused": False,
            "closed": False,
        }
    if view is None:
        return None
    view = {
        **view,
        **{name: data[name] for name in DEADLINE_FIELDS if name in data},
        "version": event["caseversion"],
        "position": event["position"],
        "updated_at": event["time"],
    }
    if kinds.stops_clock(kind, data):
        view["paused"] = True
    elif kind in kinds.RESUMING or kind in kinds.CLOSING:
        view["paused"] = False
    view["closed"] = view.get("closed", False) or kind in kinds.CLOSING
    if kind == "applicant_data_erased":
        view["applicant"] = None
    if kind in kinds.ACCEPTING:
        view["limit_unit"] = data["terms"]["promised_limit"]["unit"]
    if kind == "decided":
        view["decision"] = _decision(data)
    if kind == "supplement_requested":
        view["missing"] = [m["name"] for m in data["missing"]]
    elif kind.startswith("supplement_provided"):
        view["missing"] = []
    status = str(data["outcome"]) if kind == "decided" else PUBLIC_STATUS.get(kind)
    if status is None:
        return view
    milestone = {"status": status, "label": STATUS_LABELS[status], **_when(event["time"])}
    return {
        **view,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "timeline": [*view["timeline"], milestone],
    }


def _decision(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "outcome": data["outcome"],
        "reasons": data["reasons"],
        "legal_basis": data["legal_basis"],
        "appeal_notice": data["appeal_notice"],
    }


def _when(time: str) -> dict[str, str]:
    local = datetime.fromisoformat(time).astimezone(HALL_TZ)
    return {"at": time, "date": local.date().isoformat()}
