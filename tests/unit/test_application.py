"""The application's command handling, in memory."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.application import HallApplication
from domain.errors import InvalidCommand, NotFound, VersionConflict
from domain.query_code import QueryCodes
from tests.unit.conftest import CLERK, ITEM, applicant


def submit(app: HallApplication):
    return app.submit(
        CLERK, item_code=ITEM.code, channel="window", applicant=applicant(), materials=[]
    )


def test_case_numbers_run_per_department_and_local_day(app: HallApplication) -> None:
    first, second = submit(app), submit(app)
    assert first.case_no == "SCJG-20260302-0001"
    assert second.case_no == "SCJG-20260302-0002"


def test_query_code_is_stored_only_as_a_hash(app: HallApplication) -> None:
    done = submit(app)
    case = app.get_case(done.case_id)
    assert done.query_code not in case.query_code_hash
    assert QueryCodes.matches(done.query_code, case.query_code_hash)
    assert QueryCodes.matches(done.query_code.lower(), case.query_code_hash)
    assert not QueryCodes.matches("WRONGCDE", case.query_code_hash)


def test_stale_expected_version_is_refused_and_records_nothing(app: HallApplication) -> None:
    done = submit(app)
    with pytest.raises(VersionConflict):
        app.accept(done.case_id, CLERK, expected_version=2)
    assert app.get_case(done.case_id).version == 1
    assert app.accept(done.case_id, CLERK, expected_version=1).version == 2


def test_unknown_case_and_item(app: HallApplication) -> None:
    with pytest.raises(NotFound):
        app.accept(uuid4(), CLERK)
    with pytest.raises(InvalidCommand, match="unknown service item"):
        app.submit(CLERK, item_code="NOPE", channel="window", applicant=applicant(), materials=[])


def test_positions_follow_the_log(app: HallApplication) -> None:
    done = submit(app)
    assert app.accept(done.case_id, CLERK).position == done.position + 1
