"""In-memory fixtures for pure domain tests: the real catalogue, a simulated clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.persistence import Notification

from consumers.cloudevents import recorded_document, to_cloudevent
from domain.actor import Actor
from domain.application import HallApplication
from domain.calendar import default_calendar
from domain.case import Case
from domain.case.commands import Assign, Skip
from domain.case_numbers import InMemoryCaseNumberSequence
from domain.clock import SimulatedClock
from domain.item_terms import ItemContent
from domain.personal_data import InMemoryPersonalDataStore, PersonalData, SealedApplicant
from domain.query_code import QueryCodes
from infra.catalogue import load_catalogue, read_catalogue

CLERK = Actor(id="clerk-1", role="clerk", department="SCJG")
OFFICER = Actor(id="officer-1", role="officer", department="SCJG")
APPROVER = Actor(id="approver-1", role="approver", department="SCJG")
ADMIN = Actor(id="admin-1", role="hall_admin", department="HALL")
APPLICANT = Actor(id="applicant:SCJG-20260302-0001", role="applicant", department="HALL")
KIOSK = Actor(id="kiosk-window-3", role="kiosk", department="HALL")  # a window evaluation device
CALENDAR = default_calendar()
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Mon 2026-03-02 09:00 in Shanghai


def item_content(code: str) -> ItemContent:
    """An item of the demo catalogue."""
    entry = next(e for e in read_catalogue()["items"] if e["code"] == code)
    return ItemContent.from_data(entry)


ITEM = item_content("SCJG-001")


def applicant() -> dict[str, Any]:
    return {"kind": "person", "name": "张三丰", "id_number": "110101199003071234"}


# An applicant as events record it (its sealed part opens with no key here).
SEALED = SealedApplicant(
    kind="person", display_name="张*丰", public_id=None, subject="ab" * 32, sealed="x.y.z"
)


def cloudevents(app: HallApplication, aggregate_id: UUID) -> list[dict[str, Any]]:
    """The aggregate's events as the relay publishes them."""
    return [
        to_cloudevent(recorded_document(n, app.mapper), position=n.id, hall="test")
        for n in app.recorder.select_notifications(start=None, limit=100_000)
        if n.originator_id == aggregate_id
    ]


def make_app(start: datetime = START) -> HallApplication:
    """An in-memory application with the demo catalogue and a simulated clock."""
    app = HallApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
        case_numbers=InMemoryCaseNumberSequence(),
        clock=SimulatedClock(start),
        personal_data=PersonalData(InMemoryPersonalDataStore(), b"subject-key"),
        query_codes=QueryCodes(b"query-code-key"),
    )
    load_catalogue(app)
    return app


@pytest.fixture
def app() -> HallApplication:
    return make_app()


def assign_for_decision(app: HallApplication, case_id: UUID) -> list[Skip]:
    """Assign an accepted case to an officer; its handling steps as ``decide``'s
    ``skipped_steps``, each with a reason (a decision needs both)."""
    case = app.get_case(case_id)
    officer = Actor(id="officer-1", role="officer", department=case.department)
    app.handle(Assign(assignee=officer.id), case_id, officer)
    steps = [s.name for s in case.require_terms().steps if s.role != "clerk"]
    return [Skip(step, "负责人当场决定") for step in steps]


def submitted_case(content: ItemContent = ITEM) -> Case:
    """A freshly submitted case, outside any application."""
    return Case.submit(
        case_id=uuid4(),
        at=START,
        actor=CLERK,
        case_no=f"{content.department}-20260302-0001",
        item_code=content.code,
        item_name=content.name,
        item_revision=1,
        department=content.department,
        channel="window",
        applicant=SEALED,
        materials=[{"code": "M1", "name": "申请书"}],
    )


@pytest.fixture
def new_case() -> Callable[[], Case]:
    return submitted_case


def as_version(notification: Notification, version: int, **change: Any) -> Notification:
    """The same stored event as version ``version`` recorded it (version 1 kept no
    ``class_version``); each change sets a field, ``None`` drops it; chain links kept."""
    state = orjson.loads(notification.state)
    state.pop("class_version")
    if version > 1:
        state["class_version"] = version
    for name, value in change.items():
        if value is None:
            del state[name]
        else:
            state[name] = value
    return Notification(
        notification.originator_id,
        notification.originator_version,
        notification.topic,
        orjson.dumps(state),
        notification.id,
    )
