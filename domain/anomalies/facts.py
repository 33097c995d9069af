"""What the anomaly rules look at, built from the events by pure apply functions.

Every function takes the facts so far (None at first) and one CloudEvent in its current
version (consumers upcast first, ``domain.upcasting``) and returns the new facts, plain
JSON data that a consumer stores between events:

- ``case_apply``: one case: where it stands (status, deadlines, limits, whether its
  clock is stopped, the officer in charge, the applicant's keyed hash) and its timeline,
  one entry per event with the event's version, position, time, kind, actor and data
  (without the item terms, the sealed applicant, materials or the applicant's comment);
- ``item_apply``: one service item of the power list: its code, each revision's fee list
  and separation flag, and every change of status with its position;
- ``interest_apply``: one declared interest (回避): the officer, the applicant's keyed
  hash, the relation, and the periods it stood;
- ``department_apply``: one department's acceptance and decision counts per staff member.

Other events leave the facts as they are.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.case import kinds
from domain.case.acceptance import INTAKE_STATES
from domain.case.state import local_date
from domain.item_terms import STEP_ROLES

Facts = dict[str, Any]
Event = dict[str, Any]

OPEN_STATES = ("in_review", "decided")  # accepted and not closed: the clock concerns it
STAFF_ROLES = frozenset(STEP_ROLES)  # the staff who handle cases (not the system, applicants)
_NOT_KEPT = frozenset({"actor", "terms", "applicant", "materials", "provided", "sealed_comment"})
# each power-list event's new status (a revision keeps the status)
_ITEM_STATUSES: dict[str, str | None] = {
    "registered": "active",
    "revised": None,
    "suspended": "suspended",
    "resumed": "active",
    "retired": "retired",
}


def stream_and_kind(event: Event) -> tuple[str, str]:
    """``casetrail.case.accepted.v3`` → (``case``, ``accepted``)."""
    _, stream, kind, _ = event["type"].split(".")
    return stream, kind


def moment(time: str) -> datetime:
    """An event's ISO 8601 time."""
    return datetime.fromisoformat(time)


def day_of(entry: Facts) -> date:
    """The hall's local date of a timeline entry (or any record with a ``time``)."""
    return local_date(moment(entry["time"]))


# --- cases --------------------------------------------------------------------------


def case_apply(facts: Facts | None, event: Event) -> Facts | None:
    """The case's facts after ``event``; None until its ``Submitted``."""
    stream, kind = stream_and_kind(event)
    if stream != "case":
        return facts
    data = event["data"]
    if kind == "submitted":
        facts = _submitted(event)
    if facts is None:
        return None
    entry: Facts = {
        "version": event["caseversion"],
        "position": event["position"],
        "time": event["time"],
        "kind": kind,
        "actor": data["actor"]["id"],
        "role": data["actor"]["role"],
        **{name: value for name, value in data.items() if name not in _NOT_KEPT},
        "before_acceptance": facts["status"] in INTAKE_STATES and kind != "submitted",
    }
    if kinds.stops_clock(kind, data):
        clock = "statutory" if data["stops_statutory_clock"] else "promised"
        limit = facts[f"{clock}_limit"]
        entry |= {
            "stopped_clock": clock,
            "stopped_deadline": facts[f"{clock}_deadline"],
            "unit": limit["unit"] if limit else "G",
        }
    if kind == "decided":
        entry["statutory_deadline"] = facts["statutory_deadline"]
    changed = {**facts, **_change(kind, data, facts)}
    entry |= {"open": changed["status"] in OPEN_STATES, "paused": changed["paused"]}
    return {
        **changed,
        "timeline": [*facts["timeline"], entry],
        "version": event["caseversion"],
        "position": event["position"],
    }


def _submitted(event: Event) -> Facts:
    data = event["data"]
    return {
        "case_id": event["subject"],
        "case_no": data["case_no"],
        "item_code": data["item_code"],
        "item_revision": data["item_revision"],
        "department": data["department"],
        "channel": data["channel"],
        "subject": data["applicant"].get("subject"),
        "received_on": local_date(moment(event["time"])).isoformat(),
        "status": "submitted",
        "paused": False,
        "assignee": None,
        "accepted_on": None,
        "statutory_limit": None,
        "promised_limit": None,
        "statutory_deadline": None,
        "promised_deadline": None,
        "extension_days": 0,
        "timeline": [],
        "detected": [],
    }


def _change(kind: str, data: dict[str, Any], facts: Facts) -> Facts:
    """What an event of ``kind`` changes in the case's state."""
    if kinds.stops_clock(kind, data):
        return {"paused": True}
    if kind == "supplement_requested":  # at intake: acceptance waits
        return {"status": "awaiting_supplement"}
    if kind == "supplement_provided":
        return {"status": "submitted"}
    if kind in kinds.RESUMING:
        return {"paused": False, **_deadlines(data)}
    if kind in kinds.ACCEPTING:
        return {
            "status": "in_review",
            "accepted_on": data["accepted_on"],
            "item_revision": data["item_revision"],
            "statutory_limit": data["statutory_limit"],
            "promised_limit": data["terms"]["promised_limit"],
            **_deadlines(data),
        }
    if kind == "deadline_extended":
        return {"extension_days": data["days"], **_deadlines(data)}
    if kind == "deadline_recomputed":
        return _deadlines(data)
    if kind == "assigned":
        return {"assignee": data["assignee"]}
    if kind == "decided":
        return {"status": "decided"}
    if kind in kinds.CLOSING:
        return {"status": kind, "paused": False}
    return {}


def _deadlines(data: dict[str, Any]) -> Facts:
    return {
        "statutory_deadline": data["statutory_deadline"],
        "promised_deadline": data["promised_deadline"],
    }


def staff_actors(*entries: Facts) -> list[str]:
    """The staff members who recorded ``entries``, each once, in order."""
    return list(dict.fromkeys(e["actor"] for e in entries if e["role"] in STAFF_ROLES))


def assignee_at(facts: Facts, version: int) -> str | None:
    """The officer in charge of the case once its event ``version`` was recorded."""
    assigned = [
        e["assignee"]
        for e in facts["timeline"]
        if e["kind"] == "assigned" and e["version"] <= version
    ]
    return assigned[-1] if assigned else None


# --- the power list ---------------------------------------------------------------------


def item_apply(facts: Facts | None, event: Event) -> Facts | None:
    """The item's facts after ``event`` (kept under the item's aggregate id)."""
    stream, kind = stream_and_kind(event)
    if stream != "service_item" or kind not in _ITEM_STATUSES:
        return facts
    data = event["data"]
    if kind == "registered":
        facts = {"item_id": event["subject"], "code": data["code"], "revisions": {}, "statuses": []}
    if facts is None:
        return None
    if kind in ("registered", "revised"):
        revision = {
            "fees": {fee["code"]: fee["amount_fen"] for fee in data["fees"]},
            "separation_of_duties": data["separation_of_duties"],
        }
        facts = {**facts, "revisions": {**facts["revisions"], str(data["revision"]): revision}}
    status = _ITEM_STATUSES[kind]
    if status is not None:
        change = {"position": event["position"], "time": event["time"], "status": status}
        facts = {**facts, "statuses": [*facts["statuses"], change]}
    return facts


def item_status_at(item: Facts, position: int) -> str:
    """The item's status when the event at ``position`` was recorded; ``unregistered``
    before it was registered."""
    before = [s for s in item["statuses"] if s["position"] < position]
    return max(before, key=lambda s: s["position"])["status"] if before else "unregistered"


def item_revision(item: Facts | None, revision: int) -> Facts | None:
    """What the item's ``revision`` says (fees, separation), when it is known."""
    return None if item is None else item["revisions"].get(str(revision))


# --- declared interests -------------------------------------------------------------------


def interest_apply(facts: Facts | None, event: Event) -> Facts | None:
    """The declared interest's facts after ``event``."""
    stream, kind = stream_and_kind(event)
    if stream != "declared_interest":
        return facts
    data = event["data"]
    if kind == "declared":
        return {
            "interest_id": event["subject"],
            "officer": data["officer"],
            "department": data["department"],
            "subject": data["subject"],
            "applicant_kind": data["applicant_kind"],
            "relation": data["relation"],
            "periods": [{"from": event["time"], "to": None}],
        }
    if facts is None:
        return None
    if kind == "withdrawn":
        *earlier, last = facts["periods"]
        return {**facts, "periods": [*earlier, {**last, "to": event["time"]}]}
    if kind == "renewed":
        periods = [*facts["periods"], {"from": event["time"], "to": None}]
        return {**facts, "relation": data["relation"], "periods": periods}
    return facts


def interest_stood_at(interest: Facts, time: str) -> bool:
    """Whether the interest counts for an action at ``time``: it does unless it had been
    withdrawn by then (declared later counts: the tie existed before it was declared)."""
    at = moment(time)
    return any(p["to"] is None or at < moment(p["to"]) for p in interest["periods"])


# --- departments' norms --------------------------------------------------------------------

_COUNTED = {"accepted": "accepted", "not_accepted": "refused"}


def department_apply(facts: Facts | None, event: Event, department: str) -> Facts | None:
    """The department's counts after a case ``event`` of one of its cases: acceptances
    and refusals (不予受理), approvals and denials, per staff member who recorded them."""
    stream, kind = stream_and_kind(event)
    actor = event["data"].get("actor", {})
    if stream != "case" or actor.get("role") not in STAFF_ROLES:
        return facts
    if kind == "decided":
        counted = event["data"]["outcome"]  # approved or denied
    elif kind in _COUNTED:
        counted = _COUNTED[kind]
    else:
        return facts
    facts = facts or {"department": department, "officers": {}}
    counts = {"accepted": 0, "refused": 0, "approved": 0, "denied": 0}
    counts |= facts["officers"].get(actor["id"], {})
    counts[counted] += 1
    return {**facts, "officers": {**facts["officers"], actor["id"]: counts}}


# --- the published calendar ----------------------------------------------------------------


def calendar_apply(facts: Facts | None, event: Event) -> Facts | None:
    """The years the hall published, after ``event`` (the latest of a year replaces it)."""
    stream, kind = stream_and_kind(event)
    if stream != "hall_calendar" or kind != "year_published":
        return facts
    data = event["data"]
    schedule = {"holidays": data["holidays"], "makeup_workdays": data["makeup_workdays"]}
    years = {**(facts or {}).get("years", {}), str(data["year"]): schedule}
    return {"years": years}
