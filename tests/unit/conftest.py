"""In-memory fixtures for pure domain tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.actor import Actor
from domain.application import HallApplication
from domain.case import Case
from domain.case_numbers import InMemoryCaseNumberSequence
from domain.catalogue import ItemRef, StaticCatalogue
from domain.query_code import QueryCodes

CLERK = Actor(id="clerk-1", role="clerk", department="SCJG")
ITEM = ItemRef(code="SCJG-001", name="食品经营许可", department="SCJG")


class SteppingClock:
    """A clock that moves one minute every time it is read."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        self.current += timedelta(minutes=1)
        return self.current


@pytest.fixture
def app() -> HallApplication:
    return HallApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
        catalogue=StaticCatalogue({ITEM.code: ITEM}),
        case_numbers=InMemoryCaseNumberSequence(),
        clock=SteppingClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)),
        query_codes=QueryCodes(n=2**10),
    )


def applicant() -> dict[str, Any]:
    return {"kind": "person", "name": "张三丰", "id_number": "110101199003071234"}


def submitted_case() -> Case:
    """A freshly submitted case, outside any application."""
    return Case.submit(
        case_id=uuid4(),
        at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
        actor=CLERK,
        case_no="SCJG-20260302-0001",
        item_code=ITEM.code,
        item_name=ITEM.name,
        department=ITEM.department,
        channel="window",
        applicant=applicant(),
        materials=[{"code": "M1", "name": "申请书"}],
        query_code_hash="scrypt$1024$8$1$00$00",
    )


@pytest.fixture
def new_case() -> Callable[[], Case]:
    return submitted_case
