"""From a case's events to its exchange records: a fold over the case's events, in
order, into a *sheet* (the records as they stand and the version of each), and after
each event the record versions it made.

A version is made when a record's content changes (its SHA-256 over canonical JSON
differs from the last version's): the same events always make the same versions, so
re-reading them makes none. An event already folded (its case version at or below the
sheet's) makes nothing. The sheet is plain JSON, kept by the caller between events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import orjson

from domain.clock import HALL_TZ
from domain.exchange.records import (
    APPROVAL_TYPE,
    CLOSURE_CODES,
    RECORD_TYPES,
    SPECIAL_KINDS,
    Approval,
    RecordType,
    exchange_type,
)
from domain.upcasting import current_event

CASE_PREFIX = "casetrail.case."
Sheet = dict[str, Any]  # JSON: see ``new_sheet``


@dataclass(frozen=True)
class RecordVersion:
    """One version of one record, and the case event that made it."""

    record_id: str
    record_type: RecordType
    version: int
    content: dict[str, Any]
    case_no: str
    event_id: str
    time: str

    @property
    def data(self) -> dict[str, Any]:
        """The record's ``data``: its envelope fields, then its content."""
        return {
            "record_id": self.record_id,
            "version": self.version,
            "case_no": self.case_no,
            "source_event_id": self.event_id,
            **self.content,
        }

    def message(self, source: str) -> dict[str, Any]:
        """The CloudEvent of this version; its id is stable per record id and version."""
        return {
            "specversion": "1.0",
            "id": str(uuid5(NAMESPACE_URL, f"casetrail:exchange:{self.record_id}:{self.version}")),
            "source": source,
            "type": exchange_type(self.record_type),
            "subject": self.case_no,
            "time": self.time,
            "datacontenttype": "application/json",
            "data": self.data,
        }


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 (hex) of a record's content as canonical JSON."""
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def new_sheet(event: dict[str, Any]) -> Sheet:
    """The sheet of a case from its intake event: nothing visible yet."""
    data, applicant = event["data"], event["data"]["applicant"]
    received = [
        {"code": m["code"], "name": m["name"], "supplemented": False} for m in data["materials"]
    ]
    return {
        "case_no": data["case_no"],
        "applied": event["caseversion"],
        "units": {"statutory": None, "promised": None},
        "open_special": None,  # the record id of the procedure or suspension under way
        "records": {
            f"{data['case_no']}:basic": {
                "type": "basic",
                "content": {
                    "item_code": data["item_code"],
                    "item_name": data["item_name"],
                    "department": data["department"],
                    "channel": data["channel"],
                    "applicant_kind": applicant["kind"],
                    "applicant_name": applicant["display_name"],
                    "received_at": event["time"],
                    "acceptance_status": None,
                    "acceptance_at": None,
                },
            },
            f"{data['case_no']}:materials": {
                "type": "materials",
                "content": {
                    "materials": received,
                    "missing": [],
                    "supplement": "none",
                    "supplement_requested_at": None,
                    "supplement_provided_at": None,
                },
            },
        },
        "versions": {},  # record id → [version, content hash]
    }


def step(
    sheet: Sheet | None, event: dict[str, Any]
) -> tuple[Sheet | None, list[RecordVersion], Approval | None]:
    """Fold one case event (a CloudEvent, any recorded version) into the case's sheet
    (None before its intake event; updated in place): the sheet, the record versions the
    event made and, for a certificate, the approval to tell regulators of. Events of
    other streams, or already folded, make nothing."""
    if not event["type"].startswith(CASE_PREFIX):
        return sheet, [], None
    event = current_event(event)
    kind = event["type"].split(".")[2]
    if sheet is None:
        if kind != "submitted":
            return None, [], None
        sheet = new_sheet(event)
    elif event["caseversion"] <= sheet["applied"]:
        return sheet, [], None
    else:
        sheet["applied"] = event["caseversion"]
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(_Case(sheet, event), event["data"])
    approval = _approval(sheet, event) if kind == "certificate_issued" else None
    return sheet, _new_versions(sheet, event), approval


def _new_versions(sheet: Sheet, event: dict[str, Any]) -> list[RecordVersion]:
    """The versions of the records whose content changed, once the case is visible (it
    has an acceptance status, or is closed), in the order of ``_order`` (a stored sheet
    keeps no key order)."""
    case_no = sheet["case_no"]
    basic = sheet["records"][f"{case_no}:basic"]["content"]
    if basic["acceptance_status"] is None and f"{case_no}:closure" not in sheet["records"]:
        return []
    made = []
    for record_id, record in sorted(sheet["records"].items(), key=_order):
        digest = content_hash(record["content"])
        version, last = sheet["versions"].get(record_id, (0, None))
        if digest == last:
            continue
        sheet["versions"][record_id] = [version + 1, digest]
        made.append(
            RecordVersion(
                record_id,
                record["type"],
                version + 1,
                dict(record["content"]),  # later events replace its fields, never edit them
                case_no,
                event["id"],
                event["time"],
            )
        )
    return made


def _order(item: tuple[str, dict[str, Any]]) -> tuple[int, int]:
    """A record's place among its case's: by type (``RECORD_TYPES``), then by the case
    version that made a numbered one."""
    record_id, record = item
    number = record_id.rsplit(":", 1)[1]
    return RECORD_TYPES.index(record["type"]), int(number) if number.isdigit() else 0


def _approval(sheet: Sheet, event: dict[str, Any]) -> Approval:
    case_no = sheet["case_no"]
    basic = sheet["records"][f"{case_no}:basic"]["content"]
    result = sheet["records"][f"{case_no}:result"]["content"]
    return {
        "case_no": case_no,
        "item_code": basic["item_code"],
        "item_name": basic["item_name"],
        "department": basic["department"],
        "decided_on": _day(result["decided_at"]),
        "certificate_no": result["certificate_no"],
        "valid_from": result["valid_from"],
        "valid_until": result["valid_until"],
        "applicant_kind": basic["applicant_kind"],
        "applicant_name": basic["applicant_name"],
        "issued_at": event["time"],
    }


def approval_message(approval: Approval, event_id: str, time: str, source: str) -> dict[str, Any]:
    """The CloudEvent of an approval; its id is the certificate event's."""
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": APPROVAL_TYPE,
        "subject": approval["case_no"],
        "time": time,
        "datacontenttype": "application/json",
        "data": dict(approval),
    }


def _day(moment: str) -> str:
    """The hall's day (Asia/Shanghai) of an RFC 3339 moment."""
    return datetime.fromisoformat(moment).astimezone(HALL_TZ).date().isoformat()


class _Case:
    """One event's view of a case's sheet: its records, to change."""

    def __init__(self, sheet: Sheet, event: dict[str, Any]) -> None:
        self.sheet, self.event = sheet, event
        self.time: str = event["time"]
        self.actor: dict[str, Any] = event["data"]["actor"]

    def record(self, kind: str) -> dict[str, Any]:
        """The content of the case's one record of ``kind`` (basic, materials, result)."""
        content: dict[str, Any] = self.sheet["records"][f"{self.sheet['case_no']}:{kind}"][
            "content"
        ]
        return content

    def put(self, kind: RecordType, content: dict[str, Any], numbered: bool = False) -> str:
        """Set a record's content (a new one per event if ``numbered``); its id."""
        record_id = f"{self.sheet['case_no']}:{kind}"
        if numbered:
            record_id += f":{self.event['caseversion']}"
        self.sheet["records"][record_id] = {"type": kind, "content": content}
        return record_id

    def accept(self, status: int) -> None:
        self.record("basic").update(acceptance_status=status, acceptance_at=self.time)

    def process(
        self, action: str, step: str | None, opinion: str | None, text: str, **more: Any
    ) -> None:
        self.put(
            "process",
            {
                "action": action,
                "step": step,
                "officer_id": self.actor["id"],
                "officer_role": self.actor["role"],
                "department": more.get("department", self.actor["department"]),
                "opinion": opinion,
                "opinion_text": text,
                "at": self.time,
                "on_time": more.get("on_time"),
            },
            numbered=True,
        )

    def start(self, kind: str, reason: str, limit: int | None, stops: bool) -> str:
        code, name = SPECIAL_KINDS[kind]
        return self.put(
            "special",
            {
                "kind_code": code,
                "kind": kind,
                "kind_name": name,
                "started_at": self.time,
                "ended_at": None,
                "reason": reason,
                "result": None,
                "limit": limit,
                "limit_unit": self.sheet["units"]["statutory"] if limit is not None else None,
                "stops_statutory_clock": stops,
            },
            numbered=True,
        )

    def extension(self, days: int, reason: str) -> None:
        self.start("extension", reason, days, False)

    def open(self, kind: str, reason: str, limit: int | None, stops: bool) -> None:
        self.sheet["open_special"] = self.start(kind, reason, limit, stops)

    def end(self, result: str) -> None:
        record_id, self.sheet["open_special"] = self.sheet["open_special"], None
        if record_id is not None:
            content = self.sheet["records"][record_id]["content"]
            self.sheet["records"][record_id]["content"] = {
                **content,
                "ended_at": self.time,
                "result": result,
            }

    def close(self, closure: str, code: int, reason: str, **clock: Any) -> None:
        days_used = clock.get("days_used")
        self.put(
            "closure",
            {
                "result_code": code,
                "closure": closure,
                "closed_at": self.time,
                "days_used": days_used,
                "days_unit": self.sheet["units"]["promised"] if days_used is not None else None,
                "on_time": clock.get("on_time"),
                "statutory_days_used": clock.get("statutory_days_used"),
                "on_time_statutory": clock.get("on_time_statutory"),
                "reason": reason,
            },
        )

    def supplement(self, provided: list[dict[str, Any]]) -> None:
        materials = self.record("materials")
        materials["materials"] = [
            *materials["materials"],
            *({"code": m["code"], "name": m["name"], "supplemented": True} for m in provided),
        ]
        materials.update(missing=[], supplement="provided", supplement_provided_at=self.time)


def _supplement_requested(case: _Case, data: dict[str, Any]) -> None:
    case.record("materials").update(
        missing=[{"code": m["code"], "name": m["name"]} for m in data["missing"]],
        supplement="requested",
        supplement_requested_at=case.time,
    )
    if data["stage"] == "intake":
        case.accept(3)
    else:
        case.open("supplement", data["note"], None, data["stops_statutory_clock"])


def _supplement_provided_in_review(case: _Case, data: dict[str, Any]) -> None:
    case.supplement(data["provided"])
    case.end("补齐补正")


def _accepted(case: _Case, data: dict[str, Any]) -> None:
    case.sheet["units"] = {
        "statutory": data["statutory_limit"]["unit"],
        "promised": data["terms"]["promised_limit"]["unit"],
    }
    case.accept(1)


def _not_accepted(case: _Case, data: dict[str, Any]) -> None:
    case.accept(2 if data["outside_competence"] else 4)
    case.close("not_accepted", CLOSURE_CODES["other"], data["reason"])


def _decided(case: _Case, data: dict[str, Any]) -> None:
    case.put(
        "result",
        {
            "outcome": data["outcome"],
            "decided_at": case.time,
            "decided_by": case.actor["id"],
            "reasons": list(data["reasons"]),
            "legal_basis": data["legal_basis"],
            "certificate_no": None,
            "valid_from": None,
            "valid_until": None,
            "delivery_method": None,
            "delivered_at": None,
        },
    )


def _completed(case: _Case, data: dict[str, Any]) -> None:
    case.close(
        "completed",
        CLOSURE_CODES[data["result"]],
        data["reason"],
        days_used=data["days_used"],
        on_time=data["on_time_promised"],
        statutory_days_used=data["statutory_days_used"],
        on_time_statutory=data["on_time_statutory"],
    )


_HANDLERS: dict[str, Callable[[_Case, dict[str, Any]], None]] = {
    "supplement_requested": _supplement_requested,
    "supplement_provided": lambda case, data: case.supplement(data["provided"]),
    "supplement_provided_in_review": _supplement_provided_in_review,
    "accepted": _accepted,
    "deemed_accepted": _accepted,
    "not_accepted": _not_accepted,
    "step_completed": lambda case, data: case.process(
        "step", data["step"], data["opinion"], data["comment"], on_time=data["on_time"]
    ),
    "returned": lambda case, data: case.process(
        "return", data["to_step"], "return", data["reason"]
    ),
    "co_department_opinion_given": lambda case, data: case.process(
        "co_department_opinion",
        None,
        data["opinion"],
        data["comment"],
        department=data["department"],
    ),
    "disagreement_answered": lambda case, data: case.process(
        "answer", data["step"], None, data["answer"], department=case.actor["department"]
    ),
    "special_procedure_started": lambda case, data: case.open(
        data["kind"], data["notice"], data["expected_days"], data["stops_statutory_clock"]
    ),
    "special_procedure_ended": lambda case, data: case.end(data["result"]),
    "suspended": lambda case, data: case.open(
        "suspension", data["reason"], None, data["stops_statutory_clock"]
    ),
    "resumed": lambda case, data: case.end(data["reason"]),
    "deadline_extended": lambda case, data: case.extension(data["days"], data["reason"]),
    "decided": _decided,
    "certificate_issued": lambda case, data: case.record("result").update(
        certificate_no=data["certificate_no"],
        valid_from=data["valid_from"],
        valid_until=data["valid_until"],
    ),
    "result_delivered": lambda case, data: case.record("result").update(
        delivery_method=data["method"], delivered_at=case.time
    ),
    "completed": _completed,
    "withdrawn": lambda case, data: case.close("withdrawn", CLOSURE_CODES["other"], data["reason"]),
    "terminated": lambda case, data: case.close(
        "terminated", CLOSURE_CODES["other"], data["reason"]
    ),
    "forwarded": lambda case, data: case.close(
        "forwarded", CLOSURE_CODES["forwarded"], f"{data['to_authority']}: {data['reason']}"
    ),
}
