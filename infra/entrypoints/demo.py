"""Demo data: a few hundred cases walked through the whole lifecycle by the domain commands.

A simulated clock starts some weeks back; every case gets a plan (its journey,
with delays between actions); all plans are merged and run in time order, so
the clock only moves forward and every event is marked simulated. Nothing is
written to tables directly. Actions fall in the hall's office hours on working
days, except in a few journeys written to trip the anomaly rules (``ANOMALOUS``):
a late acceptance, an acceptance at night, a step returned twice, a case assigned
three times, an officer handling the case of a relative he declared, a head
accepting and deciding alone, a fee off the list, a denial without reasons.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID

from domain.actor import Actor
from domain.application import HallApplication
from domain.calendar import WorkingCalendar
from domain.case import local_date
from domain.case.commands import (
    Accept,
    AnswerOpinion,
    Assign,
    CaseCommand,
    ChargeFee,
    CloseParallelReview,
    Complete,
    CompleteCallback,
    CompleteStep,
    Decide,
    Deliver,
    EndSpecialProcedure,
    Extend,
    Forward,
    GiveOpinion,
    IssueCertificate,
    Material,
    NotAccept,
    OrderRectification,
    ProvideSupplement,
    Rate,
    ReportRectification,
    RequestParallelReview,
    RequestSupplement,
    Resume,
    Return,
    Skip,
    StartSpecialProcedure,
    Suspend,
    Terminate,
    Withdraw,
)
from domain.clock import HALL_TZ, SimulatedClock
from domain.errors import DomainError
from domain.item_terms import ItemContent
from infra.catalogue import read_catalogue

CLERK = Actor(id="demo-clerk", role="clerk", department="HALL")
SUPERVISOR = Actor(id="demo-supervisor", role="supervisor", department="HALL")
KIOSK = Actor(id="demo-kiosk-window-1", role="kiosk", department="HALL")  # evaluation device
APPLICANT = Actor(id="applicant", role="applicant", department="HALL")  # named per case by _run
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟"]
COMPANIES = ["青山餐饮", "远航运输", "恒信建设", "明德教育", "华康医药", "星河文化", "瑞丰商贸"]
APPEAL_NOTICE = "如不服本决定，可在收到之日起六十日内申请行政复议，或六个月内提起行政诉讼。"
DENIAL = Decide(
    outcome="denied",
    reasons=["申请材料与实际情况不符", "经现场核查不符合法定条件"],
    legal_basis="《中华人民共和国行政许可法》第三十八条第二款",
    appeal_notice=APPEAL_NOTICE,
)


class Step(NamedTuple):
    """Hours after the previous step, the command (made when it runs: a due date is ahead
    of that moment), who gives it, and whether it waits for office hours."""

    hours: float
    make: Callable[[datetime], CaseCommand]
    actor: Actor
    office_hours: bool = True


def staff(department: str, role: str) -> Actor:
    """A demo officer or approver of a department."""
    return Actor(id=f"demo-{role}-{department.lower()}", role=role, department=department)


def applicant(rng: random.Random, index: int) -> dict[str, Any]:
    """A made-up applicant (the numbers are not real identity numbers)."""
    if rng.random() < 0.4:
        name = f"{rng.choice(COMPANIES)}有限公司"
        return {"kind": "organisation", "name": name, "id_number": f"91DEMO{index:012d}"}
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    return {
        "kind": "person",
        "name": name,
        "id_number": f"DEMO{index:014d}",
        "phone": f"1390000{index:04d}",
    }


def plan(rng: random.Random, item: ItemContent) -> list[Step]:
    """One case's journey after intake: a mix of every closure path and of unfinished cases."""
    officer, approver = staff(item.department, "officer"), staff(item.department, "approver")
    steps: list[Step] = []

    pace = 0.01 if item.immediate else 1.0  # 即办件 are handled on the spot

    def then(hours: float, command: CaseCommand, actor: Actor) -> None:
        steps.append(Step(hours * pace, lambda _: command, actor))

    if rng.random() < 0.15:
        missing = [Material(m.code, m.name) for m in item.materials[-1:]] or [
            Material("X1", "补充说明")
        ]
        then(2, RequestSupplement(missing=missing, note="请一次性补齐以下材料"), CLERK)
        if rng.random() < 0.2:
            then(
                24 * 12,
                Complete(result="never_completed", reason="申请人逾期未补正，补正不来"),
                officer,
            )
            return steps
        then(24 * rng.uniform(1, 4), ProvideSupplement(provided=missing), CLERK)
    path = rng.choices(
        ["approve", "deny", "not_accept", "withdraw", "terminate", "forward"],
        weights=[62, 12, 8, 8, 5, 5],
    )[0]
    if path == "not_accept":
        then(
            3,
            NotAccept(
                reason="申请事项不属于本机关职权范围",
                legal_basis="《中华人民共和国行政许可法》第三十二条第一款第二项",
                appeal_notice=APPEAL_NOTICE,
                outside_competence=True,
                competent_authority="省级主管部门",
            ),
            CLERK,
        )
        return steps
    then(rng.uniform(0.5, 20), Accept(), CLERK)
    if rng.random() < 0.2:
        then(24, Rate(stage="acceptance", level=rng.choice([1, 2, 4, 5, 5, 5])), KIOSK)
    then(rng.uniform(1, 30), Assign(assignee=officer.id), officer)
    if path == "withdraw":
        then(24 * rng.uniform(1, 5), Withdraw(reason="申请人主动撤回申请"), CLERK)
        return steps
    if item.co_departments and rng.random() < 0.8:
        due = 24 * 5
        departments = list(item.co_departments)
        steps.append(
            Step(
                4 * pace,
                lambda now: RequestParallelReview(
                    departments=departments, due_on=local_date(now + timedelta(hours=due))
                ),
                officer,
            )
        )
        answering = [d for d in item.co_departments if rng.random() < 0.85]
        disagreeing = [d for d in answering if rng.random() < 0.2]
        for department in answering:
            then(
                24 * rng.uniform(0.5, 1.5),
                GiveOpinion(
                    opinion="disagree" if department in disagreeing else "agree",
                    comment="选址与规划不符" if department in disagreeing else "同意",
                ),
                staff(department, "officer"),
            )
        for department in disagreeing:  # the decision waits for an answer on record
            then(4, AnswerOpinion(department=department, answer="已补充核查，符合规划"), officer)
        if len(answering) < len(item.co_departments):
            then(due + 30, CloseParallelReview(), approver)
    if item.special_procedures and rng.random() < 0.3:
        kind = rng.choice(item.special_procedures)
        days = rng.randint(2, 6)
        then(
            24,
            StartSpecialProcedure(
                kind=kind,
                expected_days=days,
                notice="依法启动特别程序，所需时间不计入办理时限，特此告知。",
            ),
            officer,
        )
        then(24 * days, EndSpecialProcedure(result="符合要求"), officer)
    if rng.random() < 0.08:  # stops the promised clock only: the statutory one runs on
        then(24, Suspend(reason="申请人申请中止审查"), officer)
        then(24 * rng.uniform(2, 6), Resume(reason="中止情形消除"), officer)
    if item.joint and rng.random() < 0.5:  # Art. 42(2): the people's government head approves
        then(
            24,
            Extend(
                days=rng.randint(5, 15),
                reason="联合办理，四十五日内不能办结，经本级人民政府负责人批准延长十五日",
                approved_by="government_head",
                approval_ref=f"府办审批〔2026〕{rng.randint(1, 99)}号",
            ),
            approver,
        )
    elif rng.random() < 0.08:
        then(
            24,
            Extend(
                days=rng.randint(3, 10),
                reason="情况复杂，经本机关负责人批准延长期限",
                approved_by="department_head",
            ),
            approver,
        )
    handling = [s.name for s in item.steps if s.role != "clerk"]
    for name in handling[:-1]:
        then(24 * rng.uniform(0.5, 3), CompleteStep(step=name, opinion="agree"), officer)
    if path == "terminate":
        then(
            24,
            Terminate(reason="申请人依法终止", legal_basis="《中华人民共和国行政许可法》第七十条"),
            approver,
        )
        return steps
    if path == "forward":
        then(24, Forward(to_authority="省级主管部门", reason="依法需报上级机关决定"), officer)
        return steps
    skipped: list[Skip] = []
    if handling and path == "approve" and rng.random() < 0.15:
        skipped = [Skip(handling[-1], "负责人当场审查并作出决定")]
    elif handling:
        then(
            24 * rng.uniform(0.5, 2),
            CompleteStep(step=handling[-1], opinion="agree" if path == "approve" else "disagree"),
            approver,
        )
    if path == "deny":
        if handling:
            then(1, AnswerOpinion(step=handling[-1], answer="采纳审查意见，不予许可"), approver)
        then(2, DENIAL, approver)
    else:
        then(2, Decide(outcome="approved", skipped_steps=skipped), approver)
        for fee in item.fees[:1]:
            then(1, ChargeFee(fee_code=fee.code, amount_fen=fee.amount_fen), CLERK)
        hours, number = 24 * rng.uniform(0.5, 2), f"{item.code}-{rng.randint(100000, 999999)}"
        steps.append(  # valid for five years from the day of issue
            Step(
                hours * pace,
                lambda now: IssueCertificate(
                    certificate_no=number,
                    valid_until=local_date(now) + timedelta(days=5 * 365),
                ),
                CLERK,
            )
        )
    then(
        24 * rng.uniform(0.5, 3),
        Deliver(method=rng.choice(["window", "post", "electronic"])),
        CLERK,
    )
    then(2, Complete(), officer)
    level = rng.choices([5, 4, 3, 2, 1], weights=[60, 20, 8, 7, 5])[0]
    rater = rng.choice([APPLICANT, APPLICANT, KIOSK])  # online with the query code, or at a window
    then(24 * rng.uniform(0, 3), Rate(stage="closure", level=level), rater)
    if level <= 2:
        then(24, OrderRectification(stage="closure", instructions="核实差评原因并整改"), SUPERVISOR)
        then(
            24 * 3,
            ReportRectification(stage="closure", measures="已约谈经办人并优化告知流程"),
            officer,
        )
        then(
            24 * 2,
            CompleteCallback(stage="closure", satisfied=True, note="申请人对整改结果表示满意"),
            SUPERVISOR,
        )
    return steps


def _given(command: CaseCommand) -> Callable[[datetime], CaseCommand]:
    return lambda _: command


def _steps(*given: tuple[float, CaseCommand, Actor]) -> list[Step]:
    return [Step(hours, _given(command), actor) for hours, command, actor in given]


RELATIVE = {"kind": "person", "name": "周小明", "id_number": "DEMO-RELATIVE-0001"}
"""The applicant whose case the SCJG officer handles though he declared him a relative."""
INTEREST = {"applicant_kind": "person", "id_number": RELATIVE["id_number"], "relation": "表兄弟"}


def anomalous() -> list[tuple[str, dict[str, Any], list[Step]]]:
    """Journeys that trip anomaly rules: item, applicant, steps after intake."""
    officer, head = staff("SCJG", "officer"), staff("SCJG", "approver")
    review = [
        (3, Assign(assignee=officer.id), officer),
        (20, CompleteStep(step="审查", opinion="agree"), officer),
        (20, CompleteStep(step="决定", opinion="agree"), head),
    ]
    close = [
        (2, Decide(outcome="approved"), head),
        (20, Deliver(method="window"), CLERK),
        (2, Complete(), officer),
    ]

    def person(n: int) -> dict[str, Any]:
        return {"kind": "person", "name": f"演示异常{n}", "id_number": f"DEMO-ANOMALY-{n:04d}"}

    returned = [
        (3, Assign(assignee=officer.id), officer),
        *[
            step
            for _ in range(2)
            for step in (
                (20, CompleteStep(step="审查", opinion="agree"), officer),
                (4, Return(to_step="审查", reason="材料需重新核查"), head),
            )
        ],
        *review[1:],
    ]
    zrzy, zrzy_head = staff("ZRZY", "officer"), staff("ZRZY", "approver")
    terse = Decide(
        outcome="denied",
        reasons=["不符"],
        legal_basis="《中华人民共和国行政许可法》第三十八条",
        appeal_notice=APPEAL_NOTICE,
    )
    return [
        ("SCJG-001", person(1), _steps((24 * 8, Accept(), CLERK), *review, *close)),  # T01
        (
            "SCJG-001",
            person(2),
            [
                Step(12, _given(Accept()), CLERK, office_hours=False),  # I01: at night
                *_steps(*review, *close),
            ],
        ),
        ("SCJG-001", person(3), _steps((2, Accept(), CLERK), *returned, *close)),  # P02
        (
            "SCJG-001",
            person(4),
            _steps(
                (2, Accept(), CLERK),
                *((4, Assign(assignee=f"demo-officer-scjg-{n}"), officer) for n in range(3)),
            ),  # P06
        ),
        ("SCJG-001", RELATIVE, _steps((2, Accept(), CLERK), *review, *close)),  # I03
        ("SCJG-001", person(5), _steps((2, Accept(), head), *review, *close)),  # I02
        (
            "ZRZY-002",
            person(6),
            _steps(
                (2, Accept(), CLERK),
                (3, Assign(assignee=zrzy.id), zrzy),
                (20, CompleteStep(step="审核", opinion="agree"), zrzy),
                (20, CompleteStep(step="登簿", opinion="agree"), zrzy_head),
                (2, Decide(outcome="approved"), zrzy_head),
                (
                    1,
                    ChargeFee(
                        fee_code="F1",
                        amount_fen=12000,
                        override_reason="加急办理",
                        legal_basis="《不动产登记暂行条例实施细则》第二十条",
                    ),
                    CLERK,
                ),  # C01
            ),
        ),
        (
            "SCJG-001",
            person(7),
            _steps(
                (2, Accept(), CLERK),
                *review[:2],
                (20, CompleteStep(step="决定", opinion="disagree"), head),
                (1, AnswerOpinion(step="决定", answer="采纳审查意见"), head),
                (2, terse, head),  # C02
            ),
        ),
    ]


@dataclass(order=True)
class _Due:
    """The next step of one case, due at a moment."""

    at: datetime
    seq: int
    case: int = field(compare=False)


@dataclass(frozen=True)
class DemoCase:
    """A seeded case and what the applicant would hold."""

    case_no: str
    query_code: str
    status: str


@dataclass
class _Journey:
    """One demo case: its item, its id once submitted, and the steps still ahead."""

    item: ItemContent
    steps: Iterator[Step]
    next_step: Step | None = None
    case_id: UUID | None = None
    case_no: str = ""
    query_code: str = ""
    applicant: dict[str, Any] | None = None  # a written journey's own (else a random one)


def generate(
    app: HallApplication,
    clock: SimulatedClock,
    *,
    cases: int = 300,
    days: int = 100,
    until: datetime,
    seed: int = 2026,
    progress: Callable[[str], None] = print,
) -> list[DemoCase]:
    """Create ``cases`` cases arriving over ``days`` days of simulated time and walk them
    through, and the anomalous journeys (their officer's declared interest first); steps
    due after ``until`` are left undone, so recent cases are still open."""
    rng = random.Random(seed)
    items = [app.service_item(entry["code"]).content for entry in read_catalogue()["items"]]
    calendar = app.calendar()
    start = clock.now()
    journeys = []
    queue: list[_Due] = []
    for index in range(cases):
        item = rng.choice(items)
        journeys.append(_Journey(item, iter(plan(rng, item))))
        arrival = _office_hours(start + timedelta(days=rng.uniform(0, days)), calendar)
        heapq.heappush(queue, _Due(arrival, index, index))
    app.declare_interest(staff("SCJG", "officer"), **INTEREST, note="其表兄弟的申请")
    for n, (code, person, steps) in enumerate(anomalous()):
        index = len(journeys)
        journeys.append(_Journey(app.service_item(code).content, iter(steps), applicant=person))
        arrival = start + timedelta(days=days * (0.2 + 0.07 * n))
        heapq.heappush(queue, _Due(_office_hours(arrival, calendar), index, index))
    sequence, finished = len(journeys), 0
    while queue:
        due = heapq.heappop(queue)
        if due.at > until:
            break
        if due.at > clock.now():
            clock.advance(due.at - clock.now())
        journey = journeys[due.case]
        if not _run(app, rng, journey, due.case, clock, progress):
            continue
        journey.next_step = next(journey.steps, None)
        if journey.next_step is None:
            finished += 1
            if finished % 50 == 0:
                progress(f"  {finished}/{cases} demo cases walked through")
            continue
        sequence += 1
        later = clock.now() + timedelta(hours=journey.next_step.hours)
        if journey.next_step.office_hours:
            later = _office_hours(later, calendar)
        heapq.heappush(queue, _Due(later, sequence, due.case))
    return [  # the anomalous ones first: the last in the list is the one shown
        DemoCase(j.case_no, j.query_code, app.get_case(j.case_id).status)
        for j in journeys[cases:] + journeys[:cases]
        if j.case_id is not None
    ]


def _run(
    app: HallApplication,
    rng: random.Random,
    journey: _Journey,
    index: int,
    clock: SimulatedClock,
    progress: Callable[[str], None],
) -> bool:
    """Submit the case, or run its next step; False when the step was refused."""
    if journey.case_id is None:
        if journey.applicant is None:
            channel = rng.choice(["window", "online", "mobile", "kiosk"])
            person = applicant(rng, index)
        else:  # a written journey draws nothing, so the others stay as they were
            channel, person = "window", journey.applicant
        made = app.submit(
            CLERK,
            item_code=journey.item.code,
            channel=channel,
            applicant=person,
            materials=[{"code": m.code, "name": m.name} for m in journey.item.materials],
        )
        journey.case_id, journey.case_no, journey.query_code = (
            made.aggregate_id,
            made.case_no,
            made.query_code,
        )
        return True
    assert journey.next_step is not None
    make, actor = journey.next_step.make, journey.next_step.actor
    if actor.role == APPLICANT.role:  # as the public rating route names the applicant
        actor = replace(actor, id=f"applicant:{journey.case_no}")
    command = make(clock.now())
    try:
        app.handle(command, journey.case_id, actor)
    except DomainError as error:
        progress(
            f"  demo case {journey.case_no}: {command.ACTION} refused ({error}); it stops there"
        )
        return False
    return True


def _office_hours(moment: datetime, calendar: WorkingCalendar) -> datetime:
    """Move a moment into the hall's office hours (09:00–17:00 Shanghai, working days of
    the calendar: no holidays, and 调休 make-up Saturdays and Sundays)."""
    local = moment.astimezone(HALL_TZ)
    if local.hour < 9:
        local = local.replace(hour=9)
    elif local.hour >= 17:
        local = (local + timedelta(days=1)).replace(hour=9)
    while not calendar.is_working_day(local.date()):
        local += timedelta(days=1)
    return local
