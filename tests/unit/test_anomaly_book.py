"""The detector's bookkeeping: which cases an event makes it judge again, and that an
anomaly noted as recorded is not found a second time."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.anomalies.book import InMemoryFactBook, calendar, judge, noted, observe
from domain.authorization import Forbidden
from domain.case.commands import Accept, Assign, CompleteStep
from domain.clock import SimulatedClock
from domain.errors import InvalidCommand, VersionConflict
from domain.upcasting import current_event
from infra.entrypoints.demo import generate
from tests.unit.conftest import ADMIN, CLERK, OFFICER, START, make_app
from tests.unit.test_anomaly_rules import CATALOGUE, RELATIVE, Hall, declare, published


def test_each_event_names_the_cases_to_judge_again() -> None:
    hall = Hall()
    case_id = hall.submit(id_number=RELATIVE)
    other = hall.submit(id_number="110101199909090099")
    hall.do(case_id, (Accept(), CLERK), (Assign(assignee=OFFICER.id), OFFICER))
    hall.app.change_item("suspend-item", "SCJG-001", ADMIN, reason="r")
    declare(hall)
    book = InMemoryFactBook()
    judged = {}
    for event in hall.events():
        cases = observe(book, current_event(event))
        judged[event["type"]] = sorted(c["case_id"] for c in cases)
    assert judged["casetrail.case.assigned.v1"] == [str(case_id)]
    assert judged["casetrail.service_item.suspended.v1"] == sorted([str(case_id), str(other)])
    assert judged["casetrail.declared_interest.declared.v1"] == [str(case_id)]
    assert judged["casetrail.department.registered.v1"] == []


def test_an_anomaly_noted_as_recorded_is_not_found_again() -> None:
    hall = Hall()
    declare(hall)
    case_id = hall.submit(id_number=RELATIVE)
    hall.do(
        case_id,
        (Accept(), CLERK),
        (Assign(assignee=OFFICER.id), OFFICER),
        (CompleteStep(step="审查", opinion="agree"), OFFICER),
    )
    book = InMemoryFactBook()
    for event in hall.events():
        observe(book, current_event(event))
    case = book.load("case", str(case_id))
    assert case is not None
    first = judge(book, CATALOGUE, case, calendar(book))
    assert [d.rule for d in first] == ["I03"]
    assert judge(book, CATALOGUE, noted(case, first), calendar(book)) == []
    again = judge(book, CATALOGUE, case, calendar(book))
    assert [d.id for d in again] == [d.id for d in first]  # the same anomaly, the same id


def test_the_demo_trips_several_rules() -> None:
    """The demo's written journeys trip the rules they were written for, and no step of
    the demo is refused."""
    app = make_app()
    assert isinstance(app.clock, SimulatedClock)
    said: list[str] = []
    until = START + timedelta(days=60)
    generate(app, app.clock, cases=40, days=60, until=until, progress=said.append)
    assert not [line for line in said if "refused" in line]
    book = InMemoryFactBook()
    for event in published(app):
        observe(book, current_event(event))
    cases = [facts for (kind, _), facts in book.facts.items() if kind == "case"]
    found = {d.rule for case in cases for d in judge(book, CATALOGUE, case, calendar(book))}
    assert found >= {"T01", "I01", "P02", "P06", "I02", "I03", "C01", "C02"}


def test_the_register_is_kept_by_the_rules() -> None:
    """One's own interest, in one's own department; for another staff member only as a
    hall administrator; declared again only once withdrawn; the number never recorded."""
    hall = Hall()
    app = hall.app
    with pytest.raises(InvalidCommand, match="own department"):
        app.declare_interest(
            OFFICER, applicant_kind="person", id_number=RELATIVE, relation="配偶", department="JT"
        )
    with pytest.raises(Forbidden, match="for another staff member"):
        app.declare_interest(
            OFFICER, applicant_kind="person", id_number=RELATIVE, relation="配偶", officer="x"
        )
    for_another = app.declare_interest(
        ADMIN, applicant_kind="person", id_number=RELATIVE, relation="配偶", officer="x"
    )
    with pytest.raises(Forbidden, match="of another staff member"):
        app.withdraw_interest(OFFICER, for_another.aggregate_id, reason="")
    interest = declare(hall)
    with pytest.raises(VersionConflict, match="already declared"):
        declare(hall)
    app.withdraw_interest(OFFICER, interest, reason="离婚")
    with pytest.raises(VersionConflict, match="already withdrawn"):
        app.withdraw_interest(OFFICER, interest, reason="")
    assert declare(hall) == interest  # renewed, the same declaration
    with pytest.raises(Forbidden, match="may not declare-interest"):
        app.declare_interest(
            replace(OFFICER, role="inspector"),
            applicant_kind="person",
            id_number=RELATIVE,
            relation="配偶",
        )
    assert RELATIVE not in str(published(app))
