"""The application: authorization, versions, items, the calendar, simulation, upcasting."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest

from domain.actor import Actor
from domain.application import HallApplication
from domain.authorization import Forbidden
from domain.case import Case, DeadlineRecomputed
from domain.case.commands import Accept, Assign, Decide, NotAccept, Withdraw
from domain.clock import SimulatedClock
from domain.errors import InvalidCommand, NotFound, VersionConflict
from domain.hall_calendar import HallCalendar
from domain.query_code import ALPHABET, CODE_LENGTH, QueryCodes
from domain.recorded import Submission
from tests.unit.conftest import ADMIN, APPROVER, CLERK, ITEM, OFFICER, applicant, make_app


def submit(app: HallApplication, item_code: str = ITEM.code) -> Submission:
    return app.submit(
        CLERK, item_code=item_code, channel="window", applicant=applicant(), materials=[]
    )


def test_case_numbers_run_per_department_and_local_day(app: HallApplication) -> None:
    first, second = submit(app), submit(app)
    assert first.case_no == "SCJG-20260302-0001"
    assert second.case_no == "SCJG-20260302-0002"
    assert submit(app, "JT-001").case_no == "JT-20260302-0001"


def test_query_codes_are_checked_against_a_keyed_verifier_of_number_and_code() -> None:
    codes = QueryCodes(b"key")
    code = codes.new_code()
    stored = codes.verifier("SCJG-20260302-0001", code)
    assert code.encode() not in stored and len(code) == 8
    assert codes.matches("SCJG-20260302-0001", code, stored)
    assert codes.matches("SCJG-20260302-0001", f" {code.lower()} ", stored)
    assert not codes.matches("SCJG-20260302-0001", "WRONGCDE", stored)
    assert not codes.matches("SCJG-20260302-0002", code, stored)  # bound to its case
    assert not codes.matches("SCJG-20260302-0001", code, None)  # unknown number
    assert not QueryCodes(b"other key").matches("SCJG-20260302-0001", code, stored)


def test_query_codes_draw_every_symbol_at_every_position() -> None:
    codes = [QueryCodes(b"key").new_code() for _ in range(2_000)]
    assert all(len(code) == CODE_LENGTH and set(code) <= set(ALPHABET) for code in codes)
    for position in range(CODE_LENGTH):  # 2 000 draws miss a symbol with odds below 1e-26
        assert {code[position] for code in codes} == set(ALPHABET)
    assert len(set(codes)) == len(codes)  # 40 bits: a repeat has odds below 2e-6


def test_the_query_code_is_in_no_event(app: HallApplication) -> None:
    done = submit(app)
    stored = app.recorder.select_notifications(start=None, limit=10)
    assert all(done.query_code.encode() not in n.state for n in stored)
    assert "query_code_hash" not in vars(app.get_case(done.aggregate_id))


def test_stale_expected_version_is_refused_and_records_nothing(app: HallApplication) -> None:
    done = submit(app)
    with pytest.raises(VersionConflict):
        app.handle(Accept(), done.aggregate_id, CLERK, expected_version=2)
    assert app.get_case(done.aggregate_id).version == 1
    assert app.handle(Accept(), done.aggregate_id, CLERK, expected_version=1).version == 2


def test_unknown_case_and_item(app: HallApplication) -> None:
    with pytest.raises(NotFound):
        app.handle(Accept(), uuid4(), CLERK)
    with pytest.raises(InvalidCommand, match="unknown service item"):
        submit(app, "NOPE")


def test_authorization_is_checked_against_the_cases_department(app: HallApplication) -> None:
    done = submit(app)
    app.handle(Accept(), done.aggregate_id, CLERK)
    other = Actor(id="jt-1", role="officer", department="JT")
    with pytest.raises(Forbidden, match="department 'JT'"):
        app.handle(Assign(assignee="jt-1"), done.aggregate_id, other)
    with pytest.raises(Forbidden, match="may not decide"):
        app.handle(Decide(outcome="approved"), done.aggregate_id, OFFICER)
    with pytest.raises(Forbidden):
        app.read_case(done.aggregate_id, other)
    assert app.get_case(done.aggregate_id).version == 2


def test_positions_follow_the_log(app: HallApplication) -> None:
    done = submit(app)
    assert app.handle(Accept(), done.aggregate_id, CLERK).position == done.position + 1


def test_a_case_keeps_the_item_revision_it_was_accepted_under(app: HallApplication) -> None:
    accepted = submit(app)
    app.handle(Accept(), accepted.aggregate_id, CLERK)
    revised = ITEM.to_data() | {"promised_limit": {"days": 3, "unit": "G"}}
    app.change_item("revise-item", ITEM.code, ADMIN, content=revised, reason="承诺时限压缩")
    later = submit(app)
    app.handle(Accept(), later.aggregate_id, CLERK)
    first, second = app.get_case(accepted.aggregate_id), app.get_case(later.aggregate_id)
    assert (first.item_revision, second.item_revision) == (1, 2)
    assert first.promised_deadline == date(2026, 3, 9)  # 5 working days after Mon 03-02
    assert second.promised_deadline == date(2026, 3, 5)  # 3 working days


def test_suspended_and_retired_items_take_no_cases(app: HallApplication) -> None:
    app.change_item("suspend-item", ITEM.code, ADMIN, reason="依据修订中")
    with pytest.raises(InvalidCommand, match="suspended"):
        submit(app)
    with pytest.raises(Forbidden):
        app.change_item("resume-item", ITEM.code, CLERK, reason="r")
    app.change_item("resume-item", ITEM.code, ADMIN, reason="依据已修订")
    submit(app)
    app.change_item("retire-item", ITEM.code, ADMIN, reason="事项取消")
    with pytest.raises(InvalidCommand, match="retired"):
        submit(app)


def test_publishing_a_year_recomputes_provisional_deadlines_by_event() -> None:
    from datetime import UTC, datetime

    app = make_app(datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    done = submit(app, "ZJ-001")  # joint handling's 45 working days run into 2027
    app.handle(Accept(), done.aggregate_id, CLERK)
    case = app.get_case(done.aggregate_id)
    assert case.deadline_provisional and case.statutory_deadline == date(2027, 2, 11)
    app.publish_calendar_year(
        ADMIN,
        year=2027,
        holidays=[date(2027, 1, 1)],
        makeup_workdays=[],
        notice="国务院办公厅关于2027年部分节假日安排的通知（演示数据）",
    )
    case = app.get_case(done.aggregate_id)
    assert not case.deadline_provisional and case.statutory_deadline == date(2027, 2, 12)
    recomputed = [e for e in app.events.get(done.aggregate_id) if isinstance(e, DeadlineRecomputed)]
    assert len(recomputed) == 1 and recomputed[0].reason == "calendar 2027 published"
    with pytest.raises(Forbidden):
        app.publish_calendar_year(CLERK, year=2028, holidays=[], makeup_workdays=[], notice="n")


def test_a_retried_publication_finishes_what_an_interrupted_one_left() -> None:
    from datetime import UTC, datetime

    app = make_app(datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    done = submit(app, "ZJ-001")
    app.handle(Accept(), done.aggregate_id, CLERK)
    year = {
        "year": 2027,
        "holidays": [date(2027, 1, 1)],
        "makeup_workdays": [],
        "notice": "国务院办公厅关于2027年部分节假日安排的通知（演示数据）",
    }
    # The publication is recorded, then the process dies before any case is recomputed.
    interrupted = HallCalendar.create(at=app.clock.now(), actor=ADMIN)
    interrupted.publish_year(at=app.clock.now(), actor=ADMIN, **year)  # type: ignore[arg-type]
    app.save(interrupted)
    assert app.get_case(done.aggregate_id).deadline_provisional

    retried = app.publish_calendar_year(ADMIN, **year)  # type: ignore[arg-type]
    assert not retried.new and retried.version == interrupted.version
    assert retried.position == app.recorder.max_notification_id()
    case = app.get_case(done.aggregate_id)
    assert not case.deadline_provisional and case.statutory_deadline == date(2027, 2, 12)
    assert app.calendar().published_years[-1] == 2027

    app.publish_calendar_year(ADMIN, **year)  # type: ignore[arg-type]
    recomputed = [e for e in app.events.get(done.aggregate_id) if isinstance(e, DeadlineRecomputed)]
    assert len(recomputed) == 1
    published = list(app.events.get(HallCalendar.ID))
    assert sum(isinstance(e, HallCalendar.YearPublished) for e in published) == 1


def test_recomputation_loads_only_open_accepted_cases(app: HallApplication) -> None:
    open_case, withdrawn, refused, _waiting = (submit(app) for _ in range(4))
    for case in (open_case, withdrawn):
        app.handle(Accept(), case.aggregate_id, CLERK)
    app.handle(Withdraw(reason="申请人撤回"), withdrawn.aggregate_id, CLERK)
    app.handle(
        NotAccept(
            reason="不属于本机关职权",
            legal_basis="第三十二条",
            appeal_notice="可于六十日内申请行政复议",
        ),
        refused.aggregate_id,
        APPROVER,
    )
    loaded: list[UUID] = []
    get_case = app.get_case

    def counting(case_id: UUID) -> Case:
        loaded.append(case_id)
        return get_case(case_id)

    app.get_case = counting  # type: ignore[method-assign]
    app.recompute_provisional_deadlines(ADMIN, reason="test")
    assert loaded == [open_case.aggregate_id]  # never the withdrawn, refused or waiting ones


def test_events_under_a_simulated_clock_are_marked(app: HallApplication) -> None:
    done = submit(app)
    assert isinstance(app.clock, SimulatedClock)
    app.clock.advance(timedelta(days=1))
    app.handle(Accept(), done.aggregate_id, CLERK)
    events = list(app.events.get(done.aggregate_id))
    assert len(events) == 2
    assert all(e.actor["simulated"] is True for e in events)  # type: ignore[attr-defined]
    assert [e.timestamp.date() for e in events] == [  # type: ignore[attr-defined]
        date(2026, 3, 2),
        date(2026, 3, 3),
    ]
    assert "simulated" not in CLERK.as_dict()
