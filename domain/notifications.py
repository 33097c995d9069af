"""Notifications (提醒) for SMS and messaging gateways: which recorded events are told,
to whom, in what words, and the JSON Schema of the message.

Every timed alert on a case (warnings, breaches, overdue procedures, steps and
rectifications, their clearing, deemed acceptance and satisfaction) and every event of a
supervision notice becomes one notification: a CloudEvent of type
``casetrail.notification.v1`` whose id is the source event's (gateways de-duplicate on
it). It carries no personal data: case number, item, department, the staff to tell, the
deadline and a fixed text in Chinese and English, never an applicant's data nor the free
text of a notice or response. Pure: the caller looks up the case's facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.event_schemas import DIALECT

NOTIFICATION_TYPE = "casetrail.notification.v1"


@dataclass(frozen=True)
class Kind:
    """How one kind of source event is told: its texts (``{case_no}`` and ``{deadline}``
    filled in), the roles told when the event names none, and where its deadline is."""

    zh: str
    en: str
    roles: tuple[str, ...]
    deadline_field: str | None = "deadline"  # None: the facts' deadline (a notice's date)


KINDS: dict[str, Kind] = {  # source type without its version → how it is told
    "casetrail.case.deadline_warning_raised": Kind(
        "办件{case_no}即将到期（承诺期限{deadline}），请抓紧办理。",
        "Case {case_no} is nearing its promised deadline ({deadline}).",
        ("officer",),
    ),
    "casetrail.case.deadline_breached": Kind(
        "办件{case_no}已超过承诺期限（{deadline}）。",
        "Case {case_no} is past its promised deadline ({deadline}).",
        ("officer", "approver"),
    ),
    "casetrail.case.statutory_limit_breached": Kind(
        "办件{case_no}已超过法定期限（{deadline}）。",
        "Case {case_no} is past its statutory deadline ({deadline}).",
        ("officer", "approver", "supervisor"),
    ),
    "casetrail.case.special_procedure_overdue": Kind(
        "办件{case_no}的特别程序已超过预计时限（{deadline}）。",
        "The special procedure of case {case_no} is past its expected end ({deadline}).",
        ("officer", "approver"),
    ),
    "casetrail.case.step_limit_overrun": Kind(
        "办件{case_no}的当前环节已超过环节时限（{deadline}）。",
        "The current step of case {case_no} is past its limit ({deadline}).",
        ("officer", "approver"),
    ),
    "casetrail.case.rectification_overdue": Kind(
        "办件{case_no}的差评整改逾期未报（应于{deadline}前报告）。",
        "The rectification ordered on case {case_no} was due by {deadline} and is not reported.",
        ("officer", "approver"),
    ),
    "casetrail.case.deadline_alert_cleared": Kind(
        "办件{case_no}的期限预警已解除。",
        "A deadline alert on case {case_no} was cleared.",
        ("officer",),
    ),
    "casetrail.case.deemed_satisfied": Kind(
        "办件{case_no}逾期未评价，视为满意。",
        "Case {case_no} was not rated in time and is deemed satisfied.",
        ("approver",),
        deadline_field=None,
    ),
    "casetrail.case.deemed_accepted": Kind(
        "办件{case_no}未在5个工作日内一次性告知补正，视为受理（承诺期限{deadline}）。",
        "Case {case_no} is deemed accepted: no supplement notice within 5 working days"
        " (promised deadline {deadline}).",
        ("officer", "approver"),
        deadline_field="promised_deadline",
    ),
    "casetrail.supervision_notice.issued": Kind(
        "办件{case_no}收到督办通知，请于{deadline}前回复。",
        "A supervision notice on case {case_no}: respond by {deadline}.",
        ("approver", "officer"),
        deadline_field=None,
    ),
    "casetrail.supervision_notice.responded": Kind(
        "办件{case_no}的督办通知已回复。",
        "The supervision notice on case {case_no} was answered.",
        ("supervisor",),
        deadline_field=None,
    ),
    "casetrail.supervision_notice.escalated": Kind(
        "办件{case_no}的督办通知逾期未复（应于{deadline}前回复），已升级。",
        "The supervision notice on case {case_no} was not answered by {deadline}; escalated.",
        ("approver", "hall_admin"),
        deadline_field=None,
    ),
}


@dataclass(frozen=True)
class CaseFacts:
    """What a notification says of its case, looked up by the caller: for a notice's
    events its case's, the officer the notice named and its date to respond by."""

    case_id: str
    case_no: str
    item_code: str
    department: str
    officer: str | None
    deadline: str | None = None


def kind_of(event_type: str) -> Kind | None:
    """How events of ``event_type`` (any version) are told; None if they are not."""
    return KINDS.get(event_type.rpartition(".")[0])


def notification_data(event: dict[str, Any], facts: CaseFacts) -> dict[str, Any]:
    """The ``data`` of the notification of a source ``event`` (a CloudEvent of a type
    ``kind_of`` knows) about the case ``facts`` describes."""
    kind = KINDS[event["type"].rpartition(".")[0]]
    data = event["data"]
    notify = data.get("notify") or {}
    deadline = facts.deadline if kind.deadline_field is None else data.get(kind.deadline_field)
    words = {"case_no": facts.case_no, "deadline": deadline or "-"}
    return {
        "source_type": event["type"],
        "case_id": facts.case_id,
        "case_no": facts.case_no,
        "department": notify.get("department", facts.department),
        "item_code": facts.item_code,
        "officer": notify.get("officer", facts.officer),
        "roles": list(notify.get("roles", kind.roles)),
        "deadline": deadline,
        "text_zh": kind.zh.format(**words),
        "text_en": kind.en.format(**words),
        "occurred_at": event["time"],
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


_TEXT = {"type": "string", "minLength": 1}
DATA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "source_type": {
            "type": "string",
            "description": "the type of the event told (its id is this message's id)",
            "pattern": r"^casetrail\.[a-z_]+\.[a-z_]+\.v[1-9][0-9]*$",
        },
        "case_id": {"type": "string", "format": "uuid"},
        "case_no": _TEXT,
        "department": {**_TEXT, "description": "the department told (its code)"},
        "item_code": _TEXT,
        "officer": _nullable({**_TEXT, "description": "the officer told (staff id), if any"}),
        "roles": {
            "type": "array",
            "items": {"type": "string"},
            "description": "the roles of the department (or the hall) told",
        },
        "deadline": _nullable({"type": "string", "format": "date"}),
        "text_zh": _TEXT,
        "text_en": _TEXT,
        "occurred_at": {"type": "string", "format": "date-time"},
    },
    "additionalProperties": False,
}
DATA_SCHEMA["required"] = list(DATA_SCHEMA["properties"])


def notification_schema() -> dict[str, Any]:
    """The JSON Schema of a whole notification message (a structured-mode CloudEvent)."""
    properties: dict[str, Any] = {
        "specversion": {"const": "1.0"},
        "id": {"type": "string", "format": "uuid", "description": "the source event's id"},
        "source": {"type": "string", "pattern": "^/casetrail/.+$"},
        "type": {"const": NOTIFICATION_TYPE},
        "subject": {"type": "string", "format": "uuid", "description": "the case id"},
        "time": {"type": "string", "format": "date-time"},
        "datacontenttype": {"const": "application/json"},
        "data": DATA_SCHEMA,
    }
    return {
        "$schema": DIALECT,
        "title": f"{NOTIFICATION_TYPE} CloudEvent",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
