"""Every anomaly rule, on cases recorded by the domain in memory and read as the detector
reads them (published events, current versions, facts, context): one case that trips the
rule, a near miss that does not, and the verdict moving when the rule's threshold changes
in a copy of the catalogue. The thresholds come from the shipped data file.

A few anomalies cannot be recorded through the domain's commands at all (a second
supplement notice, handling before acceptance, a backdated event, an acceptance racing
the item's suspension): those cases are the real events of a case, re-sequenced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from consumers.cloudevents import recorded_document, to_cloudevent
from domain.actor import Actor
from domain.anomalies.book import InMemoryFactBook, calendar, judge, observe
from domain.anomalies.catalogue import (
    Catalogue,
    InvalidCatalogue,
    load_catalogue,
    read_catalogue,
)
from domain.anomalies.detection import Detection
from domain.application import HallApplication
from domain.case.commands import (
    Accept,
    AnswerOpinion,
    Assign,
    CaseCommand,
    ChargeFee,
    Complete,
    CompleteStep,
    Decide,
    Deliver,
    Material,
    NotAccept,
    ProvideSupplement,
    RequestSupplement,
    Return,
    StartSpecialProcedure,
    Suspend,
)
from domain.case.vocabulary import Opinion
from domain.clock import HALL_TZ, SimulatedClock
from domain.upcasting import current_event
from tests.unit.conftest import ADMIN, APPROVER, CLERK, OFFICER, applicant, make_app

CATALOGUE = read_catalogue()
APPEAL = "可于六十日内申请行政复议或六个月内提起行政诉讼"
BASIS = "《中华人民共和国行政许可法》第三十八条"
Events = list[dict[str, Any]]


class Hall:
    """An in-memory hall on a simulated clock (Monday 2026-03-02 09:00 in Shanghai)."""

    def __init__(self) -> None:
        self.app: HallApplication = make_app()
        assert isinstance(self.app.clock, SimulatedClock)
        self.clock = self.app.clock

    def at(self, moment: str) -> None:
        """Move the clock on to a local time, ``2026-03-10 10:00``."""
        target = datetime.fromisoformat(moment).replace(tzinfo=HALL_TZ)
        assert target >= self.clock.now(), "the clock only moves on"
        self.clock.advance(target - self.clock.now())

    def submit(self, item: str = "SCJG-001", id_number: str | None = None) -> UUID:
        person = applicant() | ({"id_number": id_number} if id_number else {})
        return self.app.submit(
            CLERK, item_code=item, channel="window", applicant=person, materials=[]
        ).aggregate_id

    def do(self, case_id: UUID, *steps: tuple[CaseCommand, Actor]) -> None:
        for command, actor in steps:
            self.app.handle(command, case_id, actor)

    def events(self) -> Events:
        """Every event as the relay publishes it, in log order."""
        return published(self.app)


def published(app: HallApplication) -> Events:
    """Every event of ``app`` as the relay publishes it, in log order."""
    return [
        to_cloudevent(recorded_document(n, app.mapper), position=n.id, hall="test")
        for n in app.recorder.select_notifications(start=None, limit=100_000)
    ]


def found(
    events: Events,
    case_id: UUID,
    catalogue: Catalogue = CATALOGUE,
    today: str | None = None,
) -> dict[str, Detection]:
    """What the detector finds in the case once it has read ``events``, by rule code."""
    book = InMemoryFactBook()
    for event in events:
        observe(book, current_event(event))
    case = book.load("case", str(case_id))
    assert case is not None
    day = date.fromisoformat(today) if today else None
    return {d.rule: d for d in judge(book, catalogue, case, calendar(book), day)}


def with_thresholds(code: str, **changed: Any) -> Catalogue:
    """A copy of the shipped catalogue with some thresholds of rule ``code`` changed."""
    data = [rule.as_data() for rule in CATALOGUE.rules]
    for entry in data:
        if entry["code"] == code:
            entry["thresholds"] |= changed
    return load_catalogue({"rules": data})


def trips(code: str, events: Events, case_id: UUID, **changed: Any) -> bool:
    """Whether rule ``code`` finds an anomaly in the case, with ``changed`` thresholds."""
    catalogue = with_thresholds(code, **changed) if changed else CATALOGUE
    return code in found(events, case_id, catalogue)


def resequenced(events: Events, order: list[int], **times: str) -> Events:
    """``events`` in another ``order`` (indexes), each aggregate's versions and every
    position renumbered as if recorded so; ``times`` moves the event at index ``"i<n>"``."""
    versions: dict[str, int] = {}
    moved = []
    for position, index in enumerate(order, start=1):
        event = dict(events[index])
        versions[event["subject"]] = versions.get(event["subject"], 0) + 1
        event |= {"caseversion": versions[event["subject"]], "position": position}
        if f"i{index}" in times:
            event["time"] = times[f"i{index}"]
        moved.append(event)
    return moved


def index_of(events: Events, case_id: UUID, kind: str, nth: int = 0) -> int:
    indexes = [
        i
        for i, e in enumerate(events)
        if e["subject"] == str(case_id) and e["type"].split(".")[2] == kind
    ]
    return indexes[nth]


def reviewed(hall: Hall, case_id: UUID, last_opinion: Opinion = "agree") -> None:
    """Assigned, and both handling steps of SCJG-001 completed."""
    hall.do(
        case_id,
        (Assign(assignee=OFFICER.id), OFFICER),
        (CompleteStep(step="审查", opinion="agree"), OFFICER),
        (CompleteStep(step="决定", opinion=last_opinion), APPROVER),
    )


def approved_and_delivered(hall: Hall, case_id: UUID) -> None:
    reviewed(hall, case_id)
    hall.do(case_id, (Decide(outcome="approved"), APPROVER), (Deliver(method="window"), CLERK))


# --- timing ----------------------------------------------------------------------------


@pytest.mark.parametrize(("accepted_on", "late"), [("2026-03-09", False), ("2026-03-10", True)])
def test_t01_late_acceptance(accepted_on: str, late: bool) -> None:
    """Received Monday 2 March: the 5th working day after is Monday 9 March."""
    hall = Hall()
    case_id = hall.submit()
    hall.at(f"{accepted_on} 10:00")
    hall.do(case_id, (Accept(), CLERK))
    events = hall.events()
    assert trips("T01", events, case_id) is late
    if late:
        assert found(events, case_id)["T01"].evidence["measured"]["working_days"] == 6
        assert not trips("T01", events, case_id, max_working_days=6)
    else:
        assert trips("T01", events, case_id, max_working_days=4)


def test_t01_counts_from_the_materials_a_notice_asked_for() -> None:
    hall = Hall()
    case_id = hall.submit()
    hall.do(case_id, (RequestSupplement(missing=[Material("M2", "执照")]), CLERK))
    hall.at("2026-03-05 10:00")
    hall.do(case_id, (ProvideSupplement(provided=[Material("M2", "执照")]), CLERK))
    hall.at("2026-03-12 10:00")  # 5 working days after the materials came, 8 after receipt
    hall.do(case_id, (Accept(), CLERK))
    assert not trips("T01", hall.events(), case_id)


@pytest.mark.parametrize(("completed_on", "late"), [("2026-03-09", False), ("2026-03-10", True)])
def test_t02_completed_past_the_promised_limit(completed_on: str, late: bool) -> None:
    """SCJG-001 promises 5 working days: accepted Monday 2 March, due Monday 9 March."""
    hall = Hall()
    case_id = hall.submit()
    hall.do(case_id, (Accept(), CLERK))
    approved_and_delivered(hall, case_id)
    hall.at(f"{completed_on} 10:00")
    hall.do(case_id, (Complete(), OFFICER))
    events = hall.events()
    assert trips("T02", events, case_id) is late
    assert trips("T02", events, case_id, grace_days=1) is False
    if late:
        officers = found(events, case_id)["T02"].officers
        assert officers == [OFFICER.id]  # who completed it, and the officer in charge


@pytest.mark.parametrize(("decided_on", "late"), [("2026-03-16", False), ("2026-03-17", True)])
def test_t03_decided_past_the_statutory_limit(decided_on: str, late: bool) -> None:
    """SCJG-001's statutory limit is 10 working days: due Monday 16 March."""
    hall = Hall()
    case_id = hall.submit()
    hall.do(case_id, (Accept(), CLERK))
    reviewed(hall, case_id)
    hall.at(f"{decided_on} 10:00")
    hall.do(case_id, (Decide(outcome="approved"), APPROVER))
    events = hall.events()
    assert trips("T03", events, case_id) is late
    assert trips("T03", events, case_id, grace_days=1) is False
    if late:
        detection = found(events, case_id)["T03"]
        assert detection.level == "serious" and detection.category == "timing"
        assert detection.evidence["measured"] == {
            "deadline": "2026-03-16",
            "days_over": 1,
            "unit": "G",
        }
        assert detection.evidence["thresholds"] == {"grace_days": 0}


@pytest.mark.parametrize(("next_on", "idle"), [("2026-03-16", False), ("2026-03-17", True)])
def test_t04_no_progress_between_two_events(next_on: str, idle: bool) -> None:
    hall = Hall()
    case_id = hall.submit()
    hall.do(case_id, (Accept(), CLERK), (Assign(assignee=OFFICER.id), OFFICER))
    hall.at(f"{next_on} 10:00")
    hall.do(case_id, (CompleteStep(step="审查", opinion="agree"), OFFICER))
    events = hall.events()
    assert trips("T04", events, case_id) is idle
    assert trips("T04", events, case_id, max_idle_working_days=9)
    if idle:
        assert found(events, case_id)["T04"].officers == [OFFICER.id]


def test_t04_the_sweepers_alerts_are_no_progress() -> None:
    hall = Hall()
    case_id = hall.submit()
    hall.do(case_id, (Accept(), CLERK))
    hall.at("2026-03-06 20:00")  # 4 of 5 promised days: yellow
    (swept,) = hall.app.record_due([case_id])
    assert "deadline_warning_raised" in {d.rule for d in swept.recorded}
    assert "T04" in found(hall.events(), case_id, today="2026-03-17")


def test_t04_no_progress_until_today_on_a_running_clock_only() -> None:
    hall = Hall()
    case_id = hall.submit()
    hall.do(case_id, (Accept(), CLERK))
    events = hall.events()
    assert "T04" in found(events, case_id, today="2026-03-17")
    assert "T04" not in found(events, case_id, today="2026-03-16")
    hall.do(case_id, (Suspend(reason="申请人申请中止"), OFFICER))  # the clock stops
    assert "T04" not in found(hall.events(), case_id, today="2026-03-17")


@pytest.mark.parametrize(("started_on", "hidden"), [("2026-03-13", False), ("2026-03-16", True)])
def test_t05_a_clock_stopped_on_its_deadline(started_on: str, hidden: bool) -> None:
    """An inspection (Art. 45) stops the statutory clock, due Monday 16 March: the domain
    allows it up to that very day."""
    hall = Hall()
    case_id = hall.submit()
    hall.do(case_id, (Accept(), CLERK), (Assign(assignee=OFFICER.id), OFFICER))
    hall.at(f"{started_on} 10:00")
    procedure = StartSpecialProcedure(kind="inspection", expected_days=3, notice="现场勘查告知")
    hall.do(case_id, (procedure, OFFICER))
    events = hall.events()
    assert trips("T05", events, case_id) is hidden
    assert trips("T05", events, case_id, days_before_deadline=1)
    if hidden:
        measured = found(events, case_id)["T05"].evidence["measured"]
        assert measured == {
            "clock": "statutory",
            "deadline": "2026-03-16",
            "days_left": 0,
            "unit": "G",
        }


def test_t05_a_suspension_on_the_promised_deadline() -> None:
    hall = Hall()
    case_id = hall.submit()
    hall.do(case_id, (Accept(), CLERK))
    hall.at("2026-03-09 16:00")  # the promised deadline
    hall.do(case_id, (Suspend(reason="申请人申请中止"), OFFICER))
    assert found(hall.events(), case_id)["T05"].evidence["measured"]["clock"] == "promised"


# --- process ---------------------------------------------------------------------------


def test_p01_a_second_supplement_notice() -> None:
    """The domain refuses a second notice: the case is its real events with the first
    notice given again after the supplement."""
    hall = Hall()
    case_id = hall.submit()
    hall.do(
        case_id,
        (RequestSupplement(missing=[Material("M2", "执照")]), CLERK),
        (ProvideSupplement(provided=[Material("M2", "执照")]), CLERK),
    )
    events = hall.events()
    notice = index_of(events, case_id, "supplement_requested")
    again = resequenced(events, [*range(len(events)), notice])
    assert not trips("P01", events, case_id)
    assert trips("P01", again, case_id)
    assert not trips("P01", again, case_id, max_notices=2)


@pytest.mark.parametrize(("returns", "repeated"), [(1, False), (2, True)])
def test_p02_the_same_step_returned_more_than_once(returns: int, repeated: bool) -> None:
    hall = Hall()
    case_id = hall.submit()
    hall.do(case_id, (Accept(), CLERK), (Assign(assignee=OFFICER.id), OFFICER))
    for _ in range(returns):
        hall.do(
            case_id,
            (CompleteStep(step="审查", opinion="agree"), OFFICER),
            (Return(to_step="审查", reason="材料需复核"), APPROVER),
        )
    events = hall.events()
    assert trips("P02", events, case_id) is repeated
    assert not trips("P02", events, case_id, max_returns_per_step=2)
    if repeated:
        assert found(events, case_id)["P02"].evidence["measured"] == {"step": "审查", "returns": 2}


@pytest.mark.parametrize(("second", "reversed_"), [("agree", False), ("disagree", True)])
def test_p03_a_step_redone_with_the_opposite_opinion(second: Opinion, reversed_: bool) -> None:
    hall = Hall()
    case_id = hall.submit()
    hall.do(
        case_id,
        (Accept(), CLERK),
        (Assign(assignee=OFFICER.id), OFFICER),
        (CompleteStep(step="审查", opinion="agree"), OFFICER),
        (Return(to_step="审查", reason="复核"), APPROVER),
        (CompleteStep(step="审查", opinion=second), OFFICER),
    )
    events = hall.events()
    assert trips("P03", events, case_id) is reversed_
    assert not trips("P03", events, case_id, max_reversals=1)


@pytest.mark.parametrize(("last_step", "reversed_"), [("disagree", False), ("agree", True)])
def test_p03_a_denial_against_the_last_opinion(last_step: Opinion, reversed_: bool) -> None:
    hall = Hall()
    case_id = hall.submit()
    hall.do(case_id, (Accept(), CLERK))
    reviewed(hall, case_id, last_opinion=last_step)
    if last_step == "disagree":
        hall.do(case_id, (AnswerOpinion(step="决定", answer="采纳审查意见"), APPROVER))
    denial = Decide(
        outcome="denied", reasons=["不符合法定条件"], legal_basis=BASIS, appeal_notice=APPEAL
    )
    hall.do(case_id, (denial, APPROVER))
    assert trips("P03", hall.events(), case_id) is reversed_


def test_p04_handling_before_acceptance() -> None:
    """先办后补: the assignment recorded before the acceptance (the domain refuses it)."""
    hall = Hall()
    case_id = hall.submit()
    hall.do(case_id, (Accept(), CLERK), (Assign(assignee=OFFICER.id), OFFICER))
    events = hall.events()
    accepted, assigned = (index_of(events, case_id, k) for k in ("accepted", "assigned"))
    order = [i for i in range(len(events)) if i not in (accepted, assigned)]
    early = resequenced(events, [*order, assigned, accepted])
    assert not trips("P04", events, case_id)
    assert trips("P04", early, case_id)
    assert not trips("P04", early, case_id, max_events_before_acceptance=1)


@pytest.mark.parametrize(("minutes_back", "backdated"), [(3, False), (10, True)])
def test_p04_an_event_earlier_than_the_one_before(minutes_back: int, backdated: bool) -> None:
    hall = Hall()
    case_id = hall.submit()
    hall.at("2026-03-02 11:00")
    hall.do(case_id, (Accept(), CLERK))
    hall.at("2026-03-02 11:01")
    hall.do(case_id, (Assign(assignee=OFFICER.id), OFFICER))
    events = hall.events()
    assigned = index_of(events, case_id, "assigned")
    accepted_at = datetime.fromisoformat(events[assigned - 1]["time"])
    earlier = (accepted_at - timedelta(minutes=minutes_back)).isoformat()
    moved = resequenced(events, list(range(len(events))), **{f"i{assigned}": earlier})
    assert trips("P04", moved, case_id) is backdated
    assert not trips("P04", moved, case_id, clock_skew_minutes=15)


def test_p05_accepted_while_the_item_was_suspended() -> None:
    """The acceptance checked the item, then raced its suspension, which committed first."""
    hall = Hall()
    case_id = hall.submit("JT-001")
    hall.do(case_id, (Accept(), CLERK))
    hall.app.change_item("suspend-item", "JT-001", ADMIN, reason="暂停受理")
    events = hall.events()
    accepted = index_of(events, case_id, "accepted")
    suspended = next(i for i, e in enumerate(events) if e["type"].endswith("item.suspended.v1"))
    order = [i for i in range(len(events)) if i not in (accepted, suspended)]
    raced = resequenced(events, [*order[:accepted], suspended, accepted, *order[accepted:]])
    assert not trips("P05", events, case_id)
    assert trips("P05", raced, case_id)
    assert found(raced, case_id)["P05"].evidence["measured"]["item_status"] == "suspended"
    assert not trips("P05", raced, case_id, statuses=["retired"])


@pytest.mark.parametrize(("assignments", "repeated"), [(2, False), (3, True)])
def test_p06_repeated_reassignment(assignments: int, repeated: bool) -> None:
    hall = Hall()
    case_id = hall.submit()
    hall.do(case_id, (Accept(), CLERK))
    for n in range(assignments):
        hall.do(case_id, (Assign(assignee=f"officer-{n}"), OFFICER))
    events = hall.events()
    assert trips("P06", events, case_id) is repeated
    assert not trips("P06", events, case_id, max_assignments=3)


# --- content and fees --------------------------------------------------------------------


def charged(amount: int) -> tuple[Hall, UUID]:
    """A ZRZY-002 case approved and charged fee F1 (listed at 8000 fen) at ``amount``."""
    hall = Hall()
    zrzy = [replace(a, department="ZRZY") for a in (OFFICER, APPROVER)]
    case_id = hall.submit("ZRZY-002")
    hall.do(
        case_id,
        (Accept(), CLERK),
        (Assign(assignee=zrzy[0].id), zrzy[0]),
        (CompleteStep(step="审核", opinion="agree"), zrzy[0]),
        (CompleteStep(step="登簿", opinion="agree"), zrzy[1]),
        (Decide(outcome="approved"), zrzy[1]),
    )
    override = {} if amount == 8000 else {"override_reason": "加急", "legal_basis": "某规定第三条"}
    hall.do(case_id, (ChargeFee(fee_code="F1", amount_fen=amount, **override), CLERK))
    return hall, case_id


@pytest.mark.parametrize(("amount", "off_list"), [(8000, False), (9000, True)])
def test_c01_a_fee_not_as_listed(amount: int, off_list: bool) -> None:
    hall, case_id = charged(amount)
    events = hall.events()
    assert trips("C01", events, case_id) is off_list
    assert not trips("C01", events, case_id, tolerance_fen=1000)
    if off_list:
        measured = found(events, case_id)["C01"].evidence["measured"]
        assert (measured["listed_amount_fen"], measured["override_reason"]) == (8000, "加急")


@pytest.mark.parametrize(("reasons", "bare"), [(["材料不符合法定条件"], False), (["不符"], True)])
def test_c02_a_denial_without_enough_reasons(reasons: list[str], bare: bool) -> None:
    hall = Hall()
    case_id = hall.submit()
    hall.do(case_id, (Accept(), CLERK))
    reviewed(hall, case_id, last_opinion="disagree")
    hall.do(
        case_id,
        (AnswerOpinion(step="决定", answer="采纳审查意见"), APPROVER),
        (
            Decide(outcome="denied", reasons=reasons, legal_basis=BASIS, appeal_notice=APPEAL),
            APPROVER,
        ),
    )
    events = hall.events()
    assert trips("C02", events, case_id) is bare
    assert not trips("C02", events, case_id, min_reason_chars=2)


def test_c02_a_not_acceptance_without_a_legal_basis() -> None:
    hall = Hall()
    case_id = hall.submit()
    refusal = NotAccept(reason="不属于本机关职权范围", legal_basis="依法", appeal_notice=APPEAL)
    hall.do(case_id, (refusal, CLERK))
    events = hall.events()
    assert found(events, case_id)["C02"].evidence["measured"]["lacking"] == ["legal_basis"]
    assert not trips("C02", events, case_id, min_legal_basis_chars=2)


# --- integrity ---------------------------------------------------------------------------


@pytest.mark.parametrize(("local_time", "off"), [("17:59", False), ("22:30", True)])
def test_i01_an_action_outside_working_hours(local_time: str, off: bool) -> None:
    hall = Hall()
    case_id = hall.submit()
    hall.at(f"2026-03-02 {local_time}")
    hall.do(case_id, (Accept(), CLERK))
    events = hall.events()
    assert trips("I01", events, case_id) is off
    assert not trips("I01", events, case_id, workday_end="23:00")
    if off:
        assert found(events, case_id)["I01"].evidence["measured"] == {
            "local_time": f"2026-03-02T{local_time}+08:00",
            "working_day": True,
        }


def test_i01_an_action_on_a_holiday() -> None:
    hall = Hall()
    case_id = hall.submit()
    hall.at("2026-04-06 10:00")  # 清明节 holiday, a Monday
    hall.do(case_id, (Accept(), CLERK))
    assert found(hall.events(), case_id)["I01"].evidence["measured"]["working_day"] is False


@pytest.mark.parametrize(("acceptor", "same"), [(CLERK, False), (APPROVER, True)])
def test_i02_one_officer_accepting_and_deciding(acceptor: Actor, same: bool) -> None:
    """SCJG-001 requires separation of duties (受理与决定分离)."""
    hall = Hall()
    case_id = hall.submit()
    hall.do(case_id, (Accept(), acceptor))
    reviewed(hall, case_id)
    hall.do(case_id, (Decide(outcome="approved"), APPROVER))
    assert trips("I02", hall.events(), case_id) is same


def test_i02_items_without_the_flag_only_when_the_catalogue_says_so() -> None:
    hall = Hall()
    case_id = hall.submit("SCJG-004")  # a confirmation: no separation required
    hall.do(case_id, (Accept(), APPROVER))
    reviewed(hall, case_id)
    hall.do(case_id, (Decide(outcome="approved"), APPROVER))
    events = hall.events()
    assert not trips("I02", events, case_id)
    assert trips("I02", events, case_id, require_item_flag=False)


RELATIVE = "110101198801010011"


def declare(hall: Hall, id_number: str = RELATIVE) -> UUID:
    return hall.app.declare_interest(
        OFFICER, applicant_kind="person", id_number=id_number, relation="配偶"
    ).aggregate_id


@pytest.mark.parametrize(("declared_in", "conflict"), [("2026-99", False), (RELATIVE, True)])
def test_i03_an_officer_handling_a_case_of_a_declared_interest(
    declared_in: str, conflict: bool
) -> None:
    hall = Hall()
    declare(hall, declared_in)
    case_id = hall.submit(id_number=RELATIVE)
    hall.do(case_id, (Accept(), CLERK))
    reviewed(hall, case_id)
    events = hall.events()
    assert trips("I03", events, case_id) is conflict
    assert not trips("I03", events, case_id, involvements=["decided"])
    if conflict:
        detection = found(events, case_id)["I03"]
        assert detection.officers == [OFFICER.id] and detection.level == "serious"
        assert RELATIVE not in str(events) and RELATIVE not in str(detection)


def test_i03_a_declaration_made_after_the_handling_counts() -> None:
    hall = Hall()
    case_id = hall.submit(id_number=RELATIVE)
    hall.do(case_id, (Accept(), CLERK))
    reviewed(hall, case_id)
    before = hall.events()
    declare(hall)
    assert not trips("I03", before, case_id)
    assert trips("I03", hall.events(), case_id)


def test_i03_a_declaration_withdrawn_before_the_handling_does_not() -> None:
    hall = Hall()
    interest = declare(hall)
    hall.app.withdraw_interest(OFFICER, interest, reason="已离婚")
    case_id = hall.submit(id_number=RELATIVE)
    hall.do(case_id, (Accept(), CLERK))
    reviewed(hall, case_id)
    assert not trips("I03", hall.events(), case_id)


def refusals(hall: Hall, actor: Actor, refused: int, accepted: int) -> UUID:
    """``refused`` not-acceptances and ``accepted`` acceptances of SCJG cases by ``actor``;
    the last case refused."""
    last = None
    for n in range(refused + accepted):
        case_id = hall.submit(id_number=f"RATE-{actor.id}-{n}")
        if n < refused:
            refusal = NotAccept(
                reason="申请材料不符合法定形式", legal_basis=BASIS, appeal_notice=APPEAL
            )
            hall.do(case_id, (refusal, actor))
            last = case_id
        else:
            hall.do(case_id, (Accept(), actor))
    assert last is not None
    return last


@pytest.mark.parametrize(("refused", "far"), [(2, False), (6, True)])
def test_i04_a_refusal_rate_far_above_the_department(refused: int, far: bool) -> None:
    hall = Hall()
    colleague = replace(CLERK, id="clerk-2")
    refusals(hall, colleague, 1, 9)  # 10 % refused
    case_id = refusals(hall, CLERK, refused, 10 - refused)
    events = hall.events()
    assert trips("I04", events, case_id) is far
    assert not trips("I04", events, case_id, min_cases=11)
    if far:
        detection = found(events, case_id)["I04"]
        assert detection.evidence["measured"] == {
            "officer_share_percent": 60,
            "officer_cases": 10,
            "department_share_percent": 10,
            "department_cases": 10,
        }
        another = refusals(hall, CLERK, 1, 0)  # one officer, one month: one anomaly
        again = found(hall.events(), another).get("I04")
        assert again is not None and again.id == detection.id


def decisions(hall: Hall, actor: Actor, denied: int, approved: int) -> UUID:
    """``denied`` denials and ``approved`` approvals by ``actor``; the last case denied."""
    last = None
    for n in range(denied + approved):
        case_id = hall.submit(id_number=f"DECIDE-{actor.id}-{n}")
        hall.do(case_id, (Accept(), CLERK))
        if n < denied:
            reviewed(hall, case_id, last_opinion="disagree")
            hall.do(case_id, (AnswerOpinion(step="决定", answer="采纳"), actor))
            denial = Decide(
                outcome="denied",
                reasons=["不符合法定条件"],
                legal_basis=BASIS,
                appeal_notice=APPEAL,
            )
            hall.do(case_id, (denial, actor))
            last = case_id
        else:
            reviewed(hall, case_id)
            hall.do(case_id, (Decide(outcome="approved"), actor))
    assert last is not None
    return last


@pytest.mark.parametrize(("denied", "far"), [(3, False), (7, True)])
def test_i05_a_denial_rate_far_above_the_department(denied: int, far: bool) -> None:
    hall = Hall()
    decisions(hall, replace(APPROVER, id="approver-2"), 2, 8)  # 20 % denied
    case_id = decisions(hall, APPROVER, denied, 10 - denied)
    events = hall.events()
    assert trips("I05", events, case_id) is far
    assert trips("I05", events, case_id, factor_percent=100, min_gap_percent=10) is True


# --- the catalogue ---------------------------------------------------------------------------


def test_the_catalogue_covers_every_rule_and_checks_its_thresholds() -> None:
    assert len(CATALOGUE.rules) >= 12
    assert {r.category for r in CATALOGUE.rules} == {"timing", "process", "content", "integrity"}
    assert {r.level for r in CATALOGUE.rules} <= {"info", "warning", "serious"}
    for rule in CATALOGUE.rules:
        assert rule.title_zh and rule.title_en and rule.detects and rule.why and rule.thresholds


Change = Callable[[dict[str, Any]], None]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["rules"].pop(), "the catalogue lacks"),
        (lambda d: d["rules"].append(d["rules"][0]), "listed twice"),
        (lambda d: d["rules"][0].update(code="T99"), "no rule 'T99'"),
        (lambda d: d["rules"][0].update(level="fatal"), "level must be one of"),
        (lambda d: d["rules"][0].update(category="process"), "its category is 'timing'"),
        (lambda d: d["rules"][0]["thresholds"].update(max_working_days="5"), "whole number"),
        (lambda d: d["rules"][0]["thresholds"].update(max_working_days=-1), "whole number"),
        (lambda d: d["rules"][0]["thresholds"].update(extra=1), "thresholds must be exactly"),
        (lambda d: d["rules"][13]["thresholds"].update(workday_end="25:00"), "HH:MM"),
        (lambda d: d["rules"][0]["title"].update(zh=" "), "non-empty"),
    ],
)
def test_a_bad_catalogue_is_refused_saying_why(change: Change, message: str) -> None:
    data = {"rules": [r.as_data() for r in CATALOGUE.rules]}
    change(data)
    with pytest.raises(InvalidCatalogue, match=message):
        load_catalogue(data)
