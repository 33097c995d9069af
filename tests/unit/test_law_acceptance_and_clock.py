"""The law's table for acceptance and the clock (行政许可法 Arts. 32, 42, 45): for each rule,
a case it allows and a case it refuses, through the domain; old events keep their effect."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Notification

from consumers.cloudevents import recorded_document
from domain.actor import Actor
from domain.application import HallApplication
from domain.calendar import Pause
from domain.case import (
    Accepted,
    Case,
    DeadlineExtended,
    DeemedAccepted,
    NotAccepted,
    SpecialProcedureStarted,
    SupplementRequested,
    Suspended,
)
from domain.case.commands import (
    Accept,
    Extend,
    Material,
    NotAccept,
    RequestSupplement,
    StartSpecialProcedure,
    Suspend,
)
from domain.clock import SimulatedClock
from domain.errors import InvalidCommand, InvalidTransition
from domain.events import ChainedEvent
from domain.item_terms import TimeLimit
from tests.unit.conftest import (
    APPROVER,
    CALENDAR,
    CLERK,
    OFFICER,
    as_version,
    item_content,
    submitted_case,
)

ORDINARY = item_content("SCJG-001")  # 10 statutory, 5 promised working days; inspection
JOINT = item_content("ZJ-001")  # co-departments ZRZY, STHJ, RF: joint handling
NOTICED = item_content("ZJ-003")  # expert review and public notice (公示)
ZJ_OFFICER = Actor(id="zj-1", role="officer", department="ZJ")
MISSING = [{"code": "M2", "name": "营业执照"}]
APPEAL = "如不服本决定，可在收到之日起六十日内申请行政复议，或六个月内提起行政诉讼。"
# Received Mon 2026-03-02. SCJG-001 accepted that day: promised deadline Mon 03-09 (5 working
# days), statutory Mon 03-16 (10). The supplement notice is due by Mon 03-09 (5 working days).


def on(day: int) -> datetime:
    """09:00 in Shanghai on a day of March 2026."""
    return datetime(2026, 3, day, 1, 0, tzinfo=UTC)


def accepted(content: Any = ORDINARY) -> Case:
    case = submitted_case(content)
    case.accept(at=on(2), actor=CLERK, revision=1, terms=content, calendar=CALENDAR)
    return case


def last(case: Case) -> Any:
    return case.collect_events()[-1]


def extend(case: Case, day: int, days: int, approved_by: str, ref: str = "") -> None:
    case.extend(
        at=on(day),
        actor=APPROVER,
        days=days,
        reason="情况复杂，需延长期限",
        calendar=CALENDAR,
        approved_by=approved_by,
        approval_ref=ref,
    )


# --- Art. 42: joint handling's 45 working days, and who approves an extension -----------


def test_joint_handling_runs_45_working_days() -> None:
    case = accepted(JOINT)
    event = last(case)
    assert isinstance(event, Accepted)
    assert event.statutory_limit == {"days": 45, "unit": "G"}  # not the list's 20
    assert case.statutory_limit == TimeLimit(45, "G")
    assert case.statutory_deadline == date(2026, 5, 8)  # past Qingming and Labour Day
    assert case.promised_deadline == date(2026, 3, 11)  # the hall's own 7 days


def test_an_ordinary_item_runs_its_own_statutory_limit() -> None:
    case = accepted(ORDINARY)
    assert case.statutory_limit == TimeLimit(10, "G")
    assert case.statutory_deadline == date(2026, 3, 16)


def test_joint_extension_of_15_days_with_the_government_heads_approval() -> None:
    case = accepted(JOINT)
    extend(case, 3, 15, "government_head", "府办审批〔2026〕12号")
    event = last(case)
    assert isinstance(event, DeadlineExtended)
    assert (event.days, event.approved_by, event.approval_ref) == (
        15,
        "government_head",
        "府办审批〔2026〕12号",
    )
    assert case.statutory_deadline == date(2026, 5, 28)  # 45 + 15 working days


@pytest.mark.parametrize(
    ("days", "approved_by", "ref", "refusal"),
    [
        (15, "department_head", "", r"Art\. 42\(2\).*head of the people's government"),
        (15, "government_head", "", "required: approval_ref"),
        (16, "government_head", "府批1号", r"Art\. 42\(2\).*1 to 15 days"),
        (5, "mayor", "府批1号", "approved_by must be one of"),
    ],
)
def test_joint_extension_refused_without_the_government_heads_approval(
    days: int, approved_by: str, ref: str, refusal: str
) -> None:
    case = accepted(JOINT)
    with pytest.raises(InvalidCommand, match=refusal):
        extend(case, 3, days, approved_by, ref)
    assert case.extension_days == 0


def test_ordinary_extension_of_10_days_with_the_department_heads_approval() -> None:
    case = accepted(ORDINARY)
    extend(case, 3, 10, "department_head")
    event = last(case)
    assert (event.approved_by, event.approval_ref, event.actor["role"]) == (
        "department_head",
        "",
        "approver",
    )
    assert case.statutory_deadline == date(2026, 3, 30)  # 10 + 10 working days


@pytest.mark.parametrize(
    ("days", "approved_by", "refusal"),
    [
        (11, "department_head", r"Art\. 42\(1\).*1 to 10 days"),
        (5, "government_head", r"Art\. 42\(1\).*head of the department"),
    ],
)
def test_ordinary_extension_refused_beyond_10_days_or_by_another_head(
    days: int, approved_by: str, refusal: str
) -> None:
    case = accepted(ORDINARY)
    with pytest.raises(InvalidCommand, match=refusal):
        extend(case, 3, days, approved_by, "府批1号")


# --- Art. 42: an extension before the deadline passes, with the clock running --------------


def test_an_extension_on_the_statutory_deadline_day() -> None:
    case = accepted(ORDINARY)
    extend(case, 16, 5, "department_head")
    assert case.statutory_deadline == date(2026, 3, 23)


def test_an_extension_after_the_statutory_deadline_is_refused() -> None:
    case = accepted(ORDINARY)
    with pytest.raises(InvalidCommand, match=r"Art\. 42.*deadline 2026-03-16 has passed"):
        extend(case, 17, 5, "department_head")
    assert case.extension_days == 0 and case.statutory_deadline == date(2026, 3, 16)


@pytest.mark.parametrize("pause", ["suspend", "special_procedure"])
def test_an_extension_while_the_clock_is_stopped_is_refused(pause: str) -> None:
    case = accepted(ORDINARY)
    if pause == "suspend":
        case.suspend(at=on(3), actor=OFFICER, reason="申请人申请中止")
    else:
        case.start_special_procedure(
            at=on(3), actor=OFFICER, kind="inspection", expected_days=2, notice="现场勘查通知"
        )
    with pytest.raises(InvalidCommand, match=r"Art\. 42: .*while the clock runs"):
        extend(case, 4, 5, "department_head")


# --- Art. 45: only its procedures stop the statutory clock ----------------------------------


def test_an_art_45_procedure_stops_both_clocks() -> None:
    case = accepted(ORDINARY)
    case.start_special_procedure(
        at=on(3), actor=OFFICER, kind="inspection", expected_days=2, notice="现场勘查通知"
    )
    assert last(case).stops_statutory_clock is True
    assert case.statutory_paused
    case.end_special_procedure(at=on(5), actor=OFFICER, result="合格", calendar=CALENDAR)
    # Stopped Tue 03-03, resumed Thu 03-05: Wed and Thu do not count on either clock.
    assert (case.promised_deadline, case.statutory_deadline) == (
        date(2026, 3, 11),
        date(2026, 3, 18),
    )


def test_a_suspension_stops_only_the_promised_clock() -> None:
    case = accepted(ORDINARY)
    case.suspend(at=on(3), actor=OFFICER, reason="申请人申请中止审查")
    event = last(case)
    assert isinstance(event, Suspended) and event.stops_statutory_clock is False
    clock = case.clock(CALENDAR, date(2026, 3, 5))
    assert clock["paused"] and not clock["statutory_paused"]
    assert (clock["working_days_used"], clock["statutory_days_used"]) == (1, 3)
    case.resume(at=on(5), actor=OFFICER, reason="中止情形消除", calendar=CALENDAR)
    assert case.promised_deadline == date(2026, 3, 11)  # moved by Wed and Thu
    assert case.statutory_deadline == date(2026, 3, 16)  # the law's clock ran on


def test_a_non_art_45_procedure_stops_only_the_promised_clock() -> None:
    case = accepted(NOTICED)  # 20 statutory, 15 promised working days
    case.start_special_procedure(
        at=on(3), actor=OFFICER, kind="public_notice", expected_days=2, notice="公示期间"
    )
    assert last(case).stops_statutory_clock is False
    case.end_special_procedure(at=on(5), actor=OFFICER, result="公示无异议", calendar=CALENDAR)
    assert case.statutory_deadline == date(2026, 3, 30)  # unmoved
    assert case.promised_deadline == date(2026, 3, 25)  # 03-23 + Wed and Thu


def test_a_supplement_notice_in_review_stops_only_the_promised_clock() -> None:
    case = accepted(ORDINARY)
    case.request_supplement(at=on(3), actor=OFFICER, missing=MISSING, calendar=CALENDAR)
    assert last(case).stops_statutory_clock is False
    case.provide_supplement(at=on(5), actor=CLERK, provided=MISSING, calendar=CALENDAR)
    assert (case.promised_deadline, case.statutory_deadline) == (
        date(2026, 3, 11),
        date(2026, 3, 16),
    )


def test_a_pause_on_the_day_its_deadline_falls() -> None:
    suspended = accepted(ORDINARY)
    suspended.suspend(at=on(9), actor=OFFICER, reason="申请人申请中止")  # promised: Mon 03-09
    procedure = accepted(ORDINARY)  # past the promised deadline, within the statutory one
    procedure.start_special_procedure(
        at=on(16), actor=OFFICER, kind="inspection", expected_days=2, notice="现场勘查通知"
    )
    assert suspended.paused and procedure.statutory_paused


@pytest.mark.parametrize(
    ("day", "command", "refusal"),
    [
        (10, "suspend", r"a suspension cannot start after .* \(2026-03-09\)"),
        (10, "request-supplement", r"a supplement notice cannot start after .* \(2026-03-09\)"),
        (17, "inspection", r"Art\. 45: a special procedure cannot start after .*2026-03-16"),
    ],
)
def test_no_pause_starts_after_the_deadline_it_would_stop(
    day: int, command: str, refusal: str
) -> None:
    case = accepted(ORDINARY)
    with pytest.raises(InvalidCommand, match=refusal):
        if command == "suspend":
            case.suspend(at=on(day), actor=OFFICER, reason="等待")
        elif command == "request-supplement":
            case.request_supplement(at=on(day), actor=OFFICER, missing=MISSING, calendar=CALENDAR)
        else:
            case.start_special_procedure(
                at=on(day), actor=OFFICER, kind=command, expected_days=2, notice="通知"
            )
    assert not case.paused


# --- Art. 32: one supplement notice, within 5 working days, else deemed accepted ----------


def test_a_supplement_notice_on_the_fifth_working_day() -> None:
    case = submitted_case()
    case.request_supplement(at=on(9), actor=CLERK, missing=MISSING, calendar=CALENDAR)
    assert case.status == "awaiting_supplement"


def test_a_supplement_notice_after_five_working_days_is_refused() -> None:
    case = submitted_case()
    with pytest.raises(
        InvalidCommand,
        match=r"Art\. 32: .*by 2026-03-09\); the application is deemed accepted from 2026-03-02",
    ):
        case.request_supplement(at=on(10), actor=CLERK, missing=MISSING, calendar=CALENDAR)
    assert case.status == "submitted" and case.supplement_notices == 0


def test_a_second_supplement_notice_is_refused_even_once_the_first_is_answered() -> None:
    case = submitted_case()
    case.request_supplement(at=on(2), actor=CLERK, missing=MISSING, calendar=CALENDAR)
    case.provide_supplement(at=on(3), actor=CLERK, provided=MISSING, calendar=CALENDAR)
    more = [{"code": "M3", "name": "布局图"}]
    with pytest.raises(InvalidCommand, match=r"Art\. 32: one supplement notice .*already given"):
        case.request_supplement(at=on(3), actor=CLERK, missing=more, calendar=CALENDAR)
    case.accept(at=on(4), actor=CLERK, revision=1, terms=ORDINARY, calendar=CALENDAR)
    with pytest.raises(InvalidCommand, match="already given"):  # nor a new one in review
        case.request_supplement(at=on(5), actor=OFFICER, missing=more, calendar=CALENDAR)
    assert case.supplement_notices == 1


def test_deemed_accepted_from_the_day_of_receipt() -> None:
    case = submitted_case()
    case.deem_accepted(at=on(10), actor=OFFICER, revision=1, terms=ORDINARY, calendar=CALENDAR)
    event = last(case)
    assert isinstance(event, DeemedAccepted)
    assert (event.accepted_on, event.notice_due_on) == ("2026-03-02", "2026-03-09")
    assert case.status == "in_review" and case.accepted_on == date(2026, 3, 2)
    assert (case.promised_deadline, case.statutory_deadline) == (
        date(2026, 3, 9),
        date(2026, 3, 16),
    )


@pytest.mark.parametrize(
    ("history", "refusal"),
    [
        ([], r"Art\. 32: a supplement notice may still be given until 2026-03-09"),
        (["notice", "answer"], r"Art\. 32: a supplement notice was given"),
        (["notice"], "cannot deem-accepted a case in state 'awaiting_supplement'"),
        (["accept"], "cannot deem-accepted a case in state 'in_review'"),
    ],
)
def test_deemed_acceptance_refused_before_the_five_days_or_once_handled(
    history: list[str], refusal: str
) -> None:
    case = submitted_case()
    for step in history:
        if step == "notice":
            case.request_supplement(at=on(2), actor=CLERK, missing=MISSING, calendar=CALENDAR)
        elif step == "answer":
            case.provide_supplement(at=on(3), actor=CLERK, provided=MISSING, calendar=CALENDAR)
        else:
            case.accept(at=on(3), actor=CLERK, revision=1, terms=ORDINARY, calendar=CALENDAR)
    day = 9 if not history else 10
    with pytest.raises((InvalidCommand, InvalidTransition), match=refusal):
        case.deem_accepted(at=on(day), actor=OFFICER, revision=1, terms=ORDINARY, calendar=CALENDAR)


@pytest.mark.parametrize(
    ("notice", "day", "counted_from"),
    [
        (False, 9, date(2026, 3, 9)),  # in time: from the day of acceptance
        (False, 10, date(2026, 3, 2)),  # late, no notice: from the day of receipt
        (True, 10, date(2026, 3, 10)),  # a notice was given: from the day of acceptance
    ],
)
def test_a_late_acceptance_without_notice_counts_from_receipt(
    notice: bool, day: int, counted_from: date
) -> None:
    case = submitted_case()
    if notice:
        case.request_supplement(at=on(2), actor=CLERK, missing=MISSING, calendar=CALENDAR)
        case.provide_supplement(at=on(3), actor=CLERK, provided=MISSING, calendar=CALENDAR)
    case.accept(at=on(day), actor=CLERK, revision=1, terms=ORDINARY, calendar=CALENDAR)
    assert case.accepted_on == counted_from
    assert last(case).accepted_on == counted_from.isoformat()


# --- Art. 32(1): a not-acceptance carries the appeal notice and names the competent body ---


def test_not_accepted_with_the_appeal_notice_and_the_competent_authority() -> None:
    case = submitted_case()
    case.not_accept(
        at=on(2),
        actor=CLERK,
        reason="申请事项不属于本机关职权范围",
        legal_basis="《中华人民共和国行政许可法》第三十二条第一款第二项",
        appeal_notice=APPEAL,
        outside_competence=True,
        competent_authority="市卫生健康委员会",
    )
    event = last(case)
    assert isinstance(event, NotAccepted)
    assert (event.appeal_notice, event.outside_competence, event.competent_authority) == (
        APPEAL,
        True,
        "市卫生健康委员会",
    )
    assert case.status == "not_accepted"


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({}, r"required: appeal_notice \(Art\. 32"),
        ({"appeal_notice": " "}, "required: appeal_notice"),
        (
            {"appeal_notice": APPEAL, "outside_competence": True},
            r"required: competent_authority \(Art\. 32\(1\)",
        ),
        (
            {"appeal_notice": APPEAL, "competent_authority": "市卫生健康委员会"},
            "named only when the matter is outside the department's competence",
        ),
    ],
)
def test_not_accepted_refused_without_the_appeal_notice_or_the_competent_authority(
    fields: dict[str, Any], refusal: str
) -> None:
    case = submitted_case()
    with pytest.raises(InvalidCommand, match=refusal):
        case.not_accept(
            at=on(2), actor=CLERK, reason="不属于职权范围", legal_basis="第三十二条", **fields
        )
    assert case.status == "submitted"


# --- old events replay as before -----------------------------------------------------------


def _stored(app: HallApplication, case_id: UUID) -> list[Notification]:
    return [
        n
        for n in app.recorder.select_notifications(start=None, limit=100_000)
        if n.originator_id == case_id
    ]


def _replayed(app: HallApplication, stored: list[Notification]) -> Case:
    case: Any = None
    for notification in stored:
        event = app.mapper.to_domain_event(notification)
        assert isinstance(event, ChainedEvent)
        case = event.mutate(case)
    assert isinstance(case, Case)
    return case


def _older(
    app: HallApplication, case_id: UUID, event: type, version: int, drop: tuple[str, ...]
) -> list[Notification]:
    return [
        as_version(n, version, **dict.fromkeys(drop))
        if n.topic.endswith(f".{event.__name__}")
        else n
        for n in _stored(app, case_id)
    ]


def _next_day(app: HallApplication, days: int = 1) -> None:
    assert isinstance(app.clock, SimulatedClock)
    app.clock.advance(timedelta(days=days))


def _submitted_in(app: HallApplication, code: str) -> UUID:
    applicant = {"kind": "person", "name": "张三", "id_number": "110101199003071234"}
    done = app.submit(CLERK, item_code=code, channel="window", applicant=applicant, materials=[])
    return done.aggregate_id


def _accepted_in(app: HallApplication, code: str) -> UUID:
    case_id = _submitted_in(app, code)
    app.handle(Accept(), case_id, CLERK)
    return case_id


@pytest.mark.parametrize(
    ("pause", "event"),
    [
        ("suspend", Suspended),
        ("special_procedure", SpecialProcedureStarted),
        ("supplement", SupplementRequested),
    ],
)
def test_a_version_1_pause_still_stops_the_statutory_clock(
    app: HallApplication, pause: str, event: type
) -> None:
    case_id = _accepted_in(app, "ZJ-003")  # Mon 03-02: statutory Mon 03-30
    _next_day(app)
    if pause == "suspend":
        app.handle(Suspend(reason="等待"), case_id, ZJ_OFFICER)
    elif pause == "special_procedure":
        app.handle(
            StartSpecialProcedure(kind="public_notice", expected_days=2, notice="公示期间"),
            case_id,
            ZJ_OFFICER,
        )
    else:
        app.handle(RequestSupplement(missing=[Material(**m) for m in MISSING]), case_id, ZJ_OFFICER)
    _next_day(app, 2)
    now = app.get_case(case_id)
    assert now.statutory_pauses == [] and now.statutory_deadline == date(2026, 3, 30)
    old = _replayed(app, _older(app, case_id, event, 1, ("stops_statutory_clock",)))
    assert old.statutory_pauses == [Pause(date(2026, 3, 3))] and old.statutory_paused
    if pause == "supplement":
        old.provide_supplement(at=app.clock.now(), actor=CLERK, provided=MISSING, calendar=CALENDAR)
    elif pause == "suspend":
        old.resume(at=app.clock.now(), actor=ZJ_OFFICER, reason="继续", calendar=CALENDAR)
    else:
        old.end_special_procedure(
            at=app.clock.now(), actor=ZJ_OFFICER, result="r", calendar=CALENDAR
        )
    assert old.statutory_deadline == date(2026, 4, 1)  # moved by Wed and Thu, as before


def test_a_version_2_acceptance_keeps_the_items_statutory_limit(app: HallApplication) -> None:
    case_id = _accepted_in(app, "ZJ-001")
    assert app.get_case(case_id).statutory_limit == TimeLimit(45, "G")
    stored = _older(app, case_id, Accepted, 2, ("statutory_limit",))
    assert recorded_document(stored[1], app.mapper)["type"] == "casetrail.case.accepted.v2"
    old = _replayed(app, stored)
    assert old.statutory_limit == TimeLimit(20, "G")  # the item's, as it ran then
    assert old.deadlines(CALENDAR, 0).statutory == date(2026, 3, 30)


@pytest.mark.parametrize(
    ("event", "drop", "upcast"),
    [
        (
            DeadlineExtended,
            ("approved_by", "approval_ref"),
            {"approved_by": "department_head", "approval_ref": ""},
        ),
        (
            NotAccepted,
            ("appeal_notice", "outside_competence", "competent_authority"),
            {"appeal_notice": "", "outside_competence": False, "competent_authority": None},
        ),
    ],
)
def test_version_1_extensions_and_not_acceptances_are_upcast(
    app: HallApplication, event: type, drop: tuple[str, ...], upcast: dict[str, Any]
) -> None:
    if event is DeadlineExtended:
        case_id = _accepted_in(app, "SCJG-001")
        app.handle(Extend(days=3, reason="复杂", approved_by="department_head"), case_id, APPROVER)
    else:
        case_id = _submitted_in(app, "SCJG-001")
        app.handle(NotAccept(reason="r", legal_basis="b", appeal_notice=APPEAL), case_id, CLERK)
    stored = _older(app, case_id, event, 1, drop)
    old = app.mapper.to_domain_event(stored[-1])
    assert isinstance(old, event)
    assert {name: getattr(old, name) for name in upcast} == upcast
    _replayed(app, stored)
