"""The logic of each anomaly rule: a pure function of a case's facts, the context it is
judged in and the rule's thresholds (from the catalogue, ``domain.anomalies.catalogue``),
yielding what it found.

Each rule declares the thresholds it reads and their types (``int``, ``str``, ``bool``
or ``list`` of texts); their values are data. A finding names its *occurrence*: what
makes it one anomaly and not another (the event it concerns, the step, the officer), so
that judging the same facts again finds the same anomaly, never a second one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from typing import Any

from domain.anomalies.facts import (
    OPEN_STATES,
    Facts,
    assignee_at,
    day_of,
    interest_stood_at,
    item_revision,
    item_status_at,
    moment,
    staff_actors,
)
from domain.calendar import WorkingCalendar, natural_days_between
from domain.case import kinds
from domain.clock import HALL_TZ

Thresholds = Mapping[str, Any]
# kinds of event that handle a case: none may come before its acceptance
HANDLING = frozenset(
    {
        "assigned",
        "step_completed",
        "returned",
        "parallel_review_requested",
        "decided",
        "fee_charged",
        "certificate_issued",
        "result_delivered",
        "special_procedure_started",
        "suspended",
        "deadline_extended",
    }
)
# what follows a closed case without moving it (ratings and their follow-up, erasure)
AFTERCARE = frozenset(
    {
        "rated",
        "rectification_ordered",
        "rectification_reported",
        "callback_completed",
        "applicant_data_erased",
    }
)
NOT_PROGRESS = AFTERCARE | kinds.SUPERVISION  # nor do the sweeper's alerts move a case


@dataclass(frozen=True)
class Context:
    """What a case is judged against besides its own facts: the working-day calendar,
    its item's facts, the declared interests in its applicant, its department's counts,
    and, for a look at cases standing still, today's date."""

    calendar: WorkingCalendar
    item: Facts | None = None
    interests: tuple[Facts, ...] = ()
    department: Facts | None = None
    today: date | None = None


@dataclass(frozen=True)
class Finding:
    """What a rule found: its occurrence, the staff concerned, the events it rests on and
    what was measured. ``per_officer`` findings are about a staff member, not one case."""

    occurrence: str
    officers: list[str]
    events: list[Facts]
    measured: dict[str, Any] = field(default_factory=dict)
    per_officer: bool = False


Check = Callable[[Facts, Context, Thresholds], Iterator[Finding]]


@dataclass(frozen=True)
class RuleLogic:
    """A rule's code-side half: the thresholds it reads, a check of their values beyond
    their types, and the function that judges a case."""

    thresholds: Mapping[str, type]
    judge: Check
    check_thresholds: Callable[[Thresholds], None] = lambda _: None


RULES: dict[str, RuleLogic] = {}


def rule(
    code: str, check: Callable[[Thresholds], None] | None = None, **thresholds: type
) -> Callable[[Check], Check]:
    """Register the function below as rule ``code``'s logic, reading ``thresholds``."""

    def register(judge: Check) -> Check:
        RULES[code] = RuleLogic(thresholds, judge, check or (lambda _: None))
        return judge

    return register


def days_between(calendar: WorkingCalendar, unit: str, start: date, end: date) -> int:
    """Days ``d`` with ``start < d <= end`` in a limit's unit: working days (``G``) or
    natural days (``Z``)."""
    if unit == "Z":
        return natural_days_between(start, end)
    return calendar.working_days_between(start, end)


def _of(facts: Facts, *wanted: str) -> list[Facts]:
    return [e for e in facts["timeline"] if e["kind"] in wanted]


def _first(facts: Facts, wanted: frozenset[str]) -> Facts | None:
    return next((e for e in facts["timeline"] if e["kind"] in wanted), None)


def _with_assignee(facts: Facts, officers: list[str], version: int) -> list[str]:
    assignee = assignee_at(facts, version)
    return list(dict.fromkeys([*officers, *([assignee] if assignee else [])]))


# --- timing ---------------------------------------------------------------------------


@rule("T01", max_working_days=int)
def late_acceptance(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """Accepted more than ``max_working_days`` after the materials were complete."""
    accepting = _first(facts, kinds.ACCEPTING)
    if accepting is None:
        return
    complete = [e for e in _of(facts, "supplement_provided") if e["version"] < accepting["version"]]
    start = day_of(complete[-1]) if complete else date.fromisoformat(facts["received_on"])
    used = context.calendar.working_days_between(start, day_of(accepting))
    if used > t["max_working_days"]:
        cited = [facts["timeline"][0], *complete[-1:], accepting]
        measured = {"working_days": used, "counted_from": start.isoformat()}
        yield Finding("acceptance", staff_actors(accepting), cited, measured)


@rule("T02", grace_days=int)
def late_completion(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """Completed with more days used than the promised limit and extension allow."""
    limit = facts["promised_limit"]
    for completed in _of(facts, "completed"):
        if limit is None or completed["days_used"] is None:
            continue
        allowed = limit["days"] + facts["extension_days"]
        over = completed["days_used"] - allowed
        if over > t["grace_days"]:
            officers = _with_assignee(facts, staff_actors(completed), completed["version"])
            measured = {
                "days_used": completed["days_used"],
                "limit_days": limit["days"],
                "extension_days": facts["extension_days"],
                "unit": limit["unit"],
                "days_over": over,
            }
            yield Finding("completion", officers, [completed], measured)


@rule("T03", grace_days=int)
def late_decision(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """Decided after the statutory deadline in force at the time."""
    limit = facts["statutory_limit"]
    for decided in _of(facts, "decided"):
        if limit is None or decided["statutory_deadline"] is None:
            continue
        deadline, day = date.fromisoformat(decided["statutory_deadline"]), day_of(decided)
        over = days_between(context.calendar, limit["unit"], deadline, day)
        if over > t["grace_days"]:
            officers = _with_assignee(facts, staff_actors(decided), decided["version"])
            measured = {"deadline": deadline.isoformat(), "days_over": over, "unit": limit["unit"]}
            yield Finding("decision", officers, [decided], measured)


@rule("T04", max_idle_working_days=int)
def no_progress(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """More than ``max_idle_working_days`` with the clock running and nothing recorded,
    between two events, or (with ``today``) since the last one."""
    moved = [e for e in facts["timeline"] if e["kind"] not in NOT_PROGRESS]
    stretches: list[tuple[Facts, Facts | None, date]] = [
        (before, after, day_of(after)) for before, after in pairwise(moved)
    ]
    if context.today is not None and facts["status"] in OPEN_STATES and not facts["paused"]:
        stretches.append((moved[-1], None, context.today))
    for before, after, until in stretches:
        if not before["open"] or before["paused"]:
            continue
        idle = context.calendar.working_days_between(day_of(before), until)
        if idle > t["max_idle_working_days"]:
            officers = _with_assignee(facts, [], before["version"])
            measured = {"idle_working_days": idle, "until": until.isoformat()}
            cited = [before, *([after] if after else [])]
            yield Finding(f"after-v{before['version']}", officers, cited, measured)


@rule("T05", days_before_deadline=int)
def late_pause(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """A clock stopped with at most ``days_before_deadline`` left on the deadline it stops."""
    for pause in facts["timeline"]:
        if not pause.get("stopped_deadline"):
            continue
        deadline, day = date.fromisoformat(pause["stopped_deadline"]), day_of(pause)
        unit = pause["unit"]
        left = (
            days_between(context.calendar, unit, day, deadline)
            if day <= deadline
            else -days_between(context.calendar, unit, deadline, day)
        )
        if left <= t["days_before_deadline"]:
            measured = {
                "clock": pause["stopped_clock"],
                "deadline": deadline.isoformat(),
                "days_left": left,
                "unit": unit,
            }
            officers = _with_assignee(facts, staff_actors(pause), pause["version"])
            yield Finding(f"v{pause['version']}", officers, [pause], measured)


# --- process --------------------------------------------------------------------------


@rule("P01", max_notices=int)
def repeated_notices(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """More than ``max_notices`` supplement notices (一次性告知)."""
    notices = _of(facts, "supplement_requested")
    if len(notices) > t["max_notices"]:
        yield Finding("notices", staff_actors(*notices), notices, {"notices": len(notices)})


@rule("P02", max_returns_per_step=int)
def repeated_returns(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """A step returned to more than ``max_returns_per_step`` times."""
    returns: dict[str, list[Facts]] = defaultdict(list)
    for entry in _of(facts, "returned"):
        returns[entry["to_step"]].append(entry)
    for step, entries in returns.items():
        if len(entries) > t["max_returns_per_step"]:
            measured = {"step": step, "returns": len(entries)}
            yield Finding(f"step:{step}", staff_actors(*entries), entries, measured)


@rule("P03", max_reversals=int)
def reversals(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """A step redone with the opposite opinion, or a decision against the last step's."""
    found: list[Facts] = []
    by_step: dict[str, str] = {}
    last: str | None = None
    for entry in _of(facts, "step_completed", "decided"):
        if entry["kind"] == "step_completed":
            opinion, before = entry["opinion"], by_step.get(entry["step"])
            by_step[entry["step"]] = opinion
        else:
            opinion, before = ("agree" if entry["outcome"] == "approved" else "disagree"), last
        if before is not None and before != opinion:
            found.append(entry)
        last = opinion
    if len(found) > t["max_reversals"]:
        yield Finding("reversals", staff_actors(*found), found, {"reversals": len(found)})


@rule("P04", max_events_before_acceptance=int, clock_skew_minutes=int)
def out_of_order(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """Handling recorded before acceptance (先办后补), or an event earlier than the one
    before it."""
    early = [e for e in facts["timeline"] if e["before_acceptance"] and e["kind"] in HANDLING]
    if len(early) > t["max_events_before_acceptance"]:
        measured = {"events_before_acceptance": len(early)}
        yield Finding("before-acceptance", staff_actors(*early), early, measured)
    skew = timedelta(minutes=t["clock_skew_minutes"])
    for before, after in pairwise(facts["timeline"]):
        back = moment(before["time"]) - moment(after["time"])
        if back > skew:
            measured = {"minutes_back": int(back.total_seconds() // 60)}
            occurrence = f"backdated-v{after['version']}"
            yield Finding(occurrence, staff_actors(after), [before, after], measured)


@rule("P05", statuses=list)
def item_not_listed(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """Received or accepted while the item stood in one of ``statuses`` (from the power
    list's own events; judged once they are known)."""
    if context.item is None:
        return
    for entry in _of(facts, "submitted", *kinds.ACCEPTING):
        status = item_status_at(context.item, entry["position"])
        if status in t["statuses"]:
            measured = {"item_code": facts["item_code"], "item_status": status}
            yield Finding(entry["kind"], staff_actors(entry), [entry], measured)


@rule("P06", max_assignments=int)
def reassignments(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """Assigned more than ``max_assignments`` times."""
    assigned = _of(facts, "assigned")
    if len(assigned) > t["max_assignments"]:
        assignees = [e["assignee"] for e in assigned]
        officers = list(dict.fromkeys([*staff_actors(*assigned), *assignees]))
        yield Finding("assignments", officers, assigned, {"assignments": len(assigned)})


# --- content and fees -------------------------------------------------------------------


@rule("C01", tolerance_fen=int)
def fee_off_list(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """A fee off the item's list for the case's revision, or another amount."""
    listed_fees = item_revision(context.item, facts["item_revision"])
    for fee in _of(facts, "fee_charged"):
        if listed_fees is not None:
            listed = listed_fees["fees"].get(fee["fee_code"])
        else:  # the power list's events are not known yet: as the domain listed it
            listed = fee["listed_amount_fen"]
        if listed is None or abs(fee["amount_fen"] - listed) > t["tolerance_fen"]:
            measured = {
                "fee_code": fee["fee_code"],
                "amount_fen": fee["amount_fen"],
                "listed_amount_fen": listed,
                "override_reason": fee["override_reason"],
                "legal_basis": fee["legal_basis"],
            }
            yield Finding(f"v{fee['version']}", staff_actors(fee), [fee], measured)


def _refusals(facts: Facts) -> Iterator[tuple[Facts, list[str]]]:
    for entry in _of(facts, "decided", "not_accepted"):
        if entry["kind"] == "not_accepted":
            yield entry, [entry["reason"]]
        elif entry["outcome"] == "denied":
            yield entry, entry["reasons"]


@rule("C02", min_reason_chars=int, min_legal_basis_chars=int)
def bare_refusal(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """A denial or not-acceptance without enough reasons, legal basis or appeal notice."""
    for entry, reasons in _refusals(facts):
        reason_chars = sum(len(r.strip()) for r in reasons)
        basis_chars = len(entry["legal_basis"].strip())
        lacking = [
            *(["reasons"] if reason_chars < t["min_reason_chars"] else []),
            *(["legal_basis"] if basis_chars < t["min_legal_basis_chars"] else []),
            *(["appeal_notice"] if not entry["appeal_notice"].strip() else []),
        ]
        if lacking:
            measured = {
                "lacking": lacking,
                "reason_chars": reason_chars,
                "legal_basis_chars": basis_chars,
            }
            yield Finding(f"v{entry['version']}", staff_actors(entry), [entry], measured)


# --- integrity ------------------------------------------------------------------------------


@cache  # a catalogue's few thresholds, read again for every event judged
def _clock_time(text: str) -> time:
    return datetime.strptime(text, "%H:%M").time()


def _check_hours(t: Thresholds) -> None:
    try:
        start, end = _clock_time(t["workday_start"]), _clock_time(t["workday_end"])
    except ValueError:
        raise ValueError("workday_start and workday_end are times of day, HH:MM") from None
    if start >= end:
        raise ValueError("workday_start must come before workday_end")


@rule("I01", _check_hours, workday_start=str, workday_end=str, roles=list)
def off_hours(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """An action by a listed role outside the working day, or on a day off."""
    start, end = _clock_time(t["workday_start"]), _clock_time(t["workday_end"])
    for entry in facts["timeline"]:
        if entry["role"] not in t["roles"]:
            continue
        if entry["kind"] == "submitted" and entry["channel"] != "window":
            continue  # received online: the applicant chose the hour
        local = moment(entry["time"]).astimezone(HALL_TZ)
        working_day = context.calendar.is_working_day(local.date())
        if not working_day or not start <= local.time() < end:
            measured = {
                "local_time": local.isoformat(timespec="minutes"),
                "working_day": working_day,
            }
            yield Finding(f"v{entry['version']}", [entry["actor"]], [entry], measured)


@rule("I02", require_item_flag=bool)
def no_separation(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """The same staff member accepted and decided a case whose item requires separation."""
    accepted, decided = _first(facts, kinds.ACCEPTING), _first(facts, frozenset({"decided"}))
    if accepted is None or decided is None or not staff_actors(accepted):
        return
    revision = item_revision(context.item, facts["item_revision"])
    required = None if revision is None else revision["separation_of_duties"]
    if t["require_item_flag"] and not required:
        return
    if accepted["actor"] == decided["actor"]:
        measured = {"separation_required": required}
        yield Finding("accept-decide", [decided["actor"]], [accepted, decided], measured)


@rule("I03", involvements=list)
def undeclared_conflict(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """A staff member with a declared interest in the applicant took part in the case."""
    for interest in context.interests:
        if facts["subject"] is None or interest["subject"] != facts["subject"]:
            continue
        officer = interest["officer"]
        involved = [
            e
            for e in facts["timeline"]
            if e["kind"] in t["involvements"]
            and (e["actor"] == officer or (e["kind"] == "assigned" and e["assignee"] == officer))
            and interest_stood_at(interest, e["time"])
        ]
        if involved:
            measured = {
                "interest_id": interest["interest_id"],
                "relation": interest["relation"],
                "declared_at": interest["periods"][0]["from"],
                "withdrawn_at": interest["periods"][-1]["to"],
            }
            yield Finding(f"officer:{officer}", [officer], involved, measured)


def _rates(
    facts: Facts, context: Context, t: Thresholds, entries: list[Facts], flagged: str, other: str
) -> Iterator[Finding]:
    """A staff member whose share of ``flagged`` among ``flagged`` and ``other`` decisions
    on the department's cases is far above the rest of the department's."""
    counts = (context.department or {}).get("officers", {})
    for entry in entries:
        officer = entry["actor"]
        own = counts.get(officer)
        if own is None:
            continue
        mine, total = own[flagged], own[flagged] + own[other]
        rest = [c for name, c in counts.items() if name != officer]
        theirs = sum(c[flagged] for c in rest)
        norm = theirs + sum(c[other] for c in rest)
        if total < t["min_cases"] or norm < t["min_norm_cases"]:
            continue
        far = mine * norm * 100 >= theirs * total * t["factor_percent"]
        gap = mine * 100 // total - theirs * 100 // norm
        if far and gap >= t["min_gap_percent"]:
            measured = {
                "officer_share_percent": mine * 100 // total,
                "officer_cases": total,
                "department_share_percent": theirs * 100 // norm,
                "department_cases": norm,
            }
            month = day_of(entry).strftime("%Y-%m")
            occurrence = f"{facts['department']}/{officer}/{month}"
            yield Finding(occurrence, [officer], [entry], measured, per_officer=True)


_RATE_THRESHOLDS: dict[str, type] = dict.fromkeys(
    ("min_cases", "min_norm_cases", "factor_percent", "min_gap_percent"), int
)


@rule("I04", **_RATE_THRESHOLDS)
def refusal_rate(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """Refusals at acceptance (不予受理) far above the department's norm."""
    yield from _rates(facts, context, t, _of(facts, "not_accepted"), "refused", "accepted")


@rule("I05", **_RATE_THRESHOLDS)
def denial_rate(facts: Facts, context: Context, t: Thresholds) -> Iterator[Finding]:
    """Denials far above the department's norm."""
    yield from _rates(facts, context, t, _of(facts, "decided"), "denied", "approved")
