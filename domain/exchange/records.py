"""The exchange record types, their codes and their JSON Schemas, defined once.

Every record is keyed by the application serial number (申办流水号, our case number) and
has a stable ``record_id`` and a ``version``: a correction (the same record with other
content) is the next version of the same id, never an edit. Records and versions:

=========  ======================================  ====================================
type       record_id                               a new version when
=========  ======================================  ====================================
basic      ``<case_no>:basic``                     the acceptance status changes
materials  ``<case_no>:materials``                 a supplement is asked for or handed in
process    ``<case_no>:process:<caseversion>``     (one per handling step, opinion, return)
special    ``<case_no>:special:<caseversion>``     the procedure ends
result     ``<case_no>:result``                    the certificate is issued, delivered
closure    ``<case_no>:closure``                   (once)
=========  ======================================  ====================================

A case's records appear once it has an acceptance status or is closed (a case only
received is not exchanged yet). Codes (DESIGN.md §4.2):

Acceptance status (受理状态): 1 受理 (accepted, or deemed accepted), 2 不受理 (outside the
department's competence, the applicant directed elsewhere), 3 补齐补正 (materials asked
for, until the acceptance decision), 4 不予受理 (refused).

Closure result (办结结果): 0 出证办结, 1 退回, 2 作废, 3 删除 (never: nothing is deleted),
4 转报, 5 补正不来, 6 办结 (any other closure: completed without a certificate, not
accepted, withdrawn, terminated; ``closure`` names which).

Special procedure kind (特别程序种类):

====  ==============  =========================================================
code  中文             kinds (ours)
====  ==============  =========================================================
A     延期             extension (Art. 42)
B     听证/招标/拍卖    hearing, tender_auction
C     检验/检测/检疫    testing, quarantine
D     鉴定             appraisal
E     专家评审          expert_review
F     现场勘查          inspection
G     公示             public_notice
H     挂起             suspension (the promised clock only)
I     审查中补正        supplement (a supplement notice given in review)
====  ==============  =========================================================

Limit unit (时限单位): G working days (工作日), Z natural days (自然日).

No personal data: the applicant's kind and masked name (张*三, an organisation's name)
at most; never the sealed fields.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypedDict

from domain.case.vocabulary import Channel, ClosureResult, DeliveryMethod, Opinion, Outcome
from domain.event_schemas import DIALECT

EXCHANGE_PREFIX = "casetrail.exchange."
APPROVAL_TYPE = "casetrail.approval.v1"
RecordType = Literal["basic", "materials", "process", "special", "result", "closure"]
RECORD_TYPES: tuple[RecordType, ...] = typing.get_args(RecordType)
AcceptanceStatus = Literal[1, 2, 3, 4]
ClosureCode = Literal[0, 1, 2, 3, 4, 5, 6]
SpecialCode = Literal["A", "B", "C", "D", "E", "F", "G", "H", "I"]
LimitUnit = Literal["G", "Z"]
ApplicantKind = Literal["person", "organisation"]
Closure = Literal["completed", "not_accepted", "withdrawn", "terminated", "forwarded"]

ACCEPTANCE_STATUS: dict[int, str] = {1: "受理", 2: "不受理", 3: "补齐补正", 4: "不予受理"}
CLOSURE_RESULT: dict[int, str] = {
    0: "出证办结",
    1: "退回",
    2: "作废",
    3: "删除",
    4: "转报",
    5: "补正不来",
    6: "办结",
}
CLOSURE_CODES: dict[ClosureResult, ClosureCode] = {
    "certificate_issued": 0,
    "returned": 1,
    "voided": 2,
    "forwarded": 4,
    "never_completed": 5,
    "other": 6,
}
SPECIAL_KINDS: dict[str, tuple[SpecialCode, str]] = {  # our kind → code, 中文
    "extension": ("A", "延期"),
    "hearing": ("B", "听证"),
    "tender_auction": ("B", "招标/拍卖"),
    "testing": ("C", "检验/检测"),
    "quarantine": ("C", "检疫"),
    "appraisal": ("D", "鉴定"),
    "expert_review": ("E", "专家评审"),
    "inspection": ("F", "现场勘查"),
    "public_notice": ("G", "公示"),
    "suspension": ("H", "挂起"),
    "supplement": ("I", "审查中补正"),
}


@dataclass(frozen=True)
class Doc:
    """A field's description, and its JSON Schema ``format`` if any."""

    text: str
    format: str | None = None


def _codes(table: dict[Any, str]) -> str:
    return ", ".join(f"{code} {name}" for code, name in table.items())


Time = Annotated[str, Doc("a moment (RFC 3339)", "date-time")]
Day = Annotated[str, Doc("a day of the hall (Asia/Shanghai)", "date")]


class Basic(TypedDict):
    """申办基本信息: the application, the applicant (masked) and its acceptance status."""

    item_code: Annotated[str, Doc("事项编码: the service item's code")]
    item_name: Annotated[str, Doc("事项名称")]
    department: Annotated[str, Doc("实施主体: the implementing department's code")]
    channel: Annotated[Channel, Doc("申办渠道: window, online, mobile or kiosk")]
    applicant_kind: Annotated[ApplicantKind, Doc("申请人类型")]
    applicant_name: Annotated[str, Doc("a person's masked name (张*三), an organisation's name")]
    received_at: Annotated[str, Doc("收件时间", "date-time")]
    acceptance_status: Annotated[
        AcceptanceStatus | None,
        Doc(f"受理状态: {_codes(ACCEPTANCE_STATUS)}; null: closed before any decision"),
    ]
    acceptance_at: Annotated[str | None, Doc("when the status was decided", "date-time")]


class Material(TypedDict):
    """One material handed in."""

    code: str
    name: str
    supplemented: Annotated[bool, Doc("handed in as a supplement (补齐补正)")]


class MissingMaterial(TypedDict):
    """One material asked for."""

    code: str
    name: str


class Materials(TypedDict):
    """申请材料: what was handed in, what is missing, and the supplement's state."""

    materials: list[Material]
    missing: list[MissingMaterial]
    supplement: Annotated[
        Literal["none", "requested", "provided"],
        Doc("补正: none asked for, requested (一次性告知), provided (补齐)"),
    ]
    supplement_requested_at: Annotated[str | None, Doc("补正告知时间", "date-time")]
    supplement_provided_at: Annotated[str | None, Doc("补齐时间", "date-time")]


class Process(TypedDict):
    """过程信息: one handling step, opinion or return."""

    action: Annotated[
        Literal["step", "return", "co_department_opinion", "answer"],
        Doc("审查/审核/审批, 退回, 会签, the answer on record to a disagreement"),
    ]
    step: Annotated[str | None, Doc("环节名称: the step (for a return, the step returned to)")]
    officer_id: Annotated[str, Doc("办理人: the staff id of whoever acted")]
    officer_role: str
    department: Annotated[str, Doc("the department acting")]
    opinion: Annotated[
        Opinion | Literal["return"] | None, Doc("办理意见: agree, disagree or return")
    ]
    opinion_text: Annotated[str, Doc("the opinion's or return's words")]
    at: Annotated[str, Doc("办理时间", "date-time")]
    on_time: Annotated[bool | None, Doc("a step: within its limit; null: not judged")]


class Special(TypedDict):
    """特别程序: a procedure that stops the clock, or an extension."""

    kind_code: Annotated[SpecialCode, Doc("特别程序种类 (see the module's table)")]
    kind: Annotated[str, Doc(f"ours: {', '.join(SPECIAL_KINDS)}")]
    kind_name: Annotated[str, Doc("种类名称")]
    started_at: Annotated[str, Doc("开始时间", "date-time")]
    ended_at: Annotated[
        str | None, Doc("结束时间; null while under way, and for an extension", "date-time")
    ]
    reason: Annotated[str, Doc("启动理由: the notice or reason given")]
    result: Annotated[str | None, Doc("结果; null while under way")]
    limit: Annotated[int | None, Doc("时限: expected or extension days; null: none set")]
    limit_unit: Annotated[LimitUnit | None, Doc("时限单位: G working days, Z natural days")]
    stops_statutory_clock: bool


class Result(TypedDict):
    """决定 and 证照: the decision, the certificate and its delivery."""

    outcome: Annotated[Outcome, Doc("准予 approved, 不予许可 denied")]
    decided_at: Annotated[str, Doc("决定时间", "date-time")]
    decided_by: Annotated[str, Doc("决定人: the staff id")]
    reasons: list[str]
    legal_basis: str
    certificate_no: Annotated[str | None, Doc("证照编号")]
    valid_from: Annotated[str | None, Doc("有效期起", "date")]
    valid_until: Annotated[str | None, Doc("有效期止; null: no end stated", "date")]
    delivery_method: Annotated[DeliveryMethod | None, Doc("送达方式")]
    delivered_at: Annotated[str | None, Doc("送达时间", "date-time")]


class ClosureRecord(TypedDict):
    """办结信息: how and when the case closed, and whether it kept its limits."""

    result_code: Annotated[ClosureCode, Doc(f"办结结果: {_codes(CLOSURE_RESULT)}")]
    closure: Annotated[Closure, Doc("the event that closed the case")]
    closed_at: Annotated[str, Doc("办结时间", "date-time")]
    days_used: Annotated[int | None, Doc("办理用时 against the promised limit")]
    days_unit: Annotated[LimitUnit | None, Doc("G working days, Z natural days")]
    on_time: Annotated[bool | None, Doc("within the promised limit; null: not judged")]
    statutory_days_used: int | None
    on_time_statutory: bool | None
    reason: str


class Approval(TypedDict):
    """An approval with its certificate, for post-approval supervision (审管联动)."""

    case_no: Annotated[str, Doc("申办流水号")]
    item_code: str
    item_name: str
    department: str
    decided_on: Annotated[str, Doc("决定日期", "date")]
    certificate_no: str
    valid_from: Annotated[str | None, Doc("有效期起", "date")]
    valid_until: Annotated[str | None, Doc("有效期止; null: no end stated", "date")]
    applicant_kind: ApplicantKind
    applicant_name: Annotated[str, Doc("a person's masked name (张*三), an organisation's name")]
    issued_at: Annotated[str, Doc("制证时间", "date-time")]


CONTENT: dict[RecordType, type] = {
    "basic": Basic,
    "materials": Materials,
    "process": Process,
    "special": Special,
    "result": Result,
    "closure": ClosureRecord,
}


class Envelope(TypedDict):
    """What every record's ``data`` carries beside its content."""

    record_id: Annotated[str, Doc("stable id of the record: <case_no>:<type>[:<caseversion>]")]
    version: Annotated[int, Doc("1, then one more for each correction")]
    case_no: Annotated[str, Doc("申办流水号: the application serial number")]
    source_event_id: Annotated[str, Doc("the case event that made this version", "uuid")]


def exchange_type(kind: RecordType) -> str:
    """The CloudEvents type of a record type: ``casetrail.exchange.basic.v1``."""
    return f"{EXCHANGE_PREFIX}{kind}.v1"


def schema_of(annotation: Any) -> dict[str, Any]:
    """The JSON Schema of a record field's annotation."""
    if typing.get_origin(annotation) is Annotated:
        base, *extras = typing.get_args(annotation)
        schema = schema_of(base)
        for doc in (e for e in extras if isinstance(e, Doc)):
            schema["description"] = doc.text
            if doc.format:
                schema["format"] = doc.format
        return schema
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is type(None):
        return {"type": "null"}
    if annotation in (str, int, bool):
        return {"type": {str: "string", int: "integer", bool: "boolean"}[annotation]}
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (typing.Union, types.UnionType):
        parts = [schema_of(a) for a in args]
        if all(set(p) == {"enum"} or p == {"type": "null"} for p in parts):
            return {"enum": [v for p in parts for v in p.get("enum", [None])]}
        if all(set(p) <= {"type", "format"} for p in parts):
            merged: dict[str, Any] = {"type": [p["type"] for p in parts]}
            merged |= {k: v for p in parts for k, v in p.items() if k == "format"}
            return merged
        return {"anyOf": parts}
    if origin is list:
        return {"type": "array", "items": schema_of(args[0])}
    if typing.is_typeddict(annotation):
        hints = typing.get_type_hints(annotation, include_extras=True)
        return {
            "type": "object",
            "description": (annotation.__doc__ or "").strip(),
            "properties": {name: schema_of(hint) for name, hint in hints.items()},
            "required": list(hints),
            "additionalProperties": False,
        }
    raise TypeError(f"no JSON Schema for {annotation!r}")


def data_schema(kind: RecordType) -> dict[str, Any]:
    """The schema of a record's ``data``: its envelope fields, then its content."""
    envelope, content = schema_of(Envelope), schema_of(CONTENT[kind])
    return {
        **content,
        "properties": envelope["properties"] | content["properties"],
        "required": envelope["required"] + content["required"],
    }


def _cloudevent(event_type: str, data: dict[str, Any], subject: str) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "specversion": {"const": "1.0"},
        "id": {"type": "string", "format": "uuid"},
        "source": {"type": "string", "pattern": "^/casetrail/.+$"},
        "type": {"const": event_type},
        "subject": {"type": "string", "description": subject},
        "time": {"type": "string", "format": "date-time"},
        "datacontenttype": {"const": "application/json"},
        "data": data,
    }
    return {
        "$schema": DIALECT,
        "title": f"{event_type} CloudEvent",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def record_schema(kind: RecordType) -> dict[str, Any]:
    """The JSON Schema of a whole exchange message of one record type (a structured-mode
    CloudEvent whose id is stable per record id and version)."""
    return _cloudevent(exchange_type(kind), data_schema(kind), "申办流水号: the case number")


def approval_schema() -> dict[str, Any]:
    """The JSON Schema of a whole approval message (a structured-mode CloudEvent whose id
    is the certificate event's)."""
    return _cloudevent(APPROVAL_TYPE, schema_of(Approval), "申办流水号: the case number")
