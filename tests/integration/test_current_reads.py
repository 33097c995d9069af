"""Two applications on one database, as two API workers: each holds the aggregates it
read or saved, and reads only their newer events (a case, its item and the calendar in
one query), or none at all when it holds the case: the append then checks that nothing
it decided on has changed. What the other recorded is never missed, and what it holds
never changes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from unittest.mock import patch
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from bench.samples import applicant
from domain.actor import Actor
from domain.application import HallApplication
from domain.case.commands import Accept, Suspend
from domain.errors import InvalidCommand, InvalidTransition, StaleRead
from domain.service_item import ServiceItem
from infra.entrypoints.bootstrap import build_application, open_pool
from infra.recorder import ClaimingRecorder
from tests.integration.harness import Platform

pytestmark = pytest.mark.integration

CLERK = Actor(id="reads-clerk", role="clerk", department="SCJG")
OFFICER = Actor(id="reads-officer", role="officer", department="SCJG")
ADMIN = Actor(id="reads-admin", role="hall_admin", department="HALL")
ITEM = "SCJG-001"


@pytest.fixture
def workers(platform: Platform) -> Iterator[tuple[HallApplication, HallApplication]]:
    with ExitStack() as stack:
        apps = []
        for _ in range(2):
            pool = stack.enter_context(open_pool(platform.settings.api_database_url, 2))
            app = build_application(platform.settings, pool)
            stack.callback(app.close)
            apps.append(app)
        yield apps[0], apps[1]


def submitted(app: HallApplication, n: int) -> UUID:
    return app.submit(
        CLERK, item_code=ITEM, channel="online", applicant=applicant(n), materials=[]
    ).aggregate_id


def test_an_item_revised_by_the_other_worker_gives_its_new_terms(
    workers: tuple[HallApplication, HallApplication],
) -> None:
    one, other = workers
    held = one.service_item(ITEM)  # now held by ``one``
    content = {**held.content.to_data(), "promised_limit": {"days": 3, "unit": "G"}}
    other.change_item("revise-item", ITEM, ADMIN, content=content, reason="时限压缩")
    case_id = submitted(one, 1)
    one.handle(Accept(), case_id, CLERK)  # reads the case, its item and the calendar at once
    accepted = one.get_case(case_id)
    assert accepted.item_revision == held.revision + 1
    assert accepted.require_terms().promised_limit.days == 3
    assert one.service_item(ITEM).revision == held.revision + 1
    assert held.content.promised_limit.days != 3, "the instance held before was changed"


def test_a_case_changed_by_the_other_worker_is_read_with_that_change(
    workers: tuple[HallApplication, HallApplication],
) -> None:
    one, other = workers
    case_id = submitted(one, 2)  # held by ``one`` as saved, at version 1
    other.handle(Accept(), case_id, CLERK)
    recorded = one.handle(Suspend(reason="申请人请求"), case_id, OFFICER)
    assert recorded.version == 3
    assert one.get_case(case_id).status == other.get_case(case_id).status


def test_the_recorder_selects_each_aggregates_events_after_the_version_given(
    workers: tuple[HallApplication, HallApplication],
) -> None:
    one, _ = workers
    first, second = submitted(one, 3), submitted(one, 4)
    one.handle(Accept(), first, CLERK)
    recorder = one.recorder
    assert isinstance(recorder, ClaimingRecorder)
    item = ServiceItem.id_for(ITEM)
    stored = recorder.select_events_after({second: 0, first: 1, item: 10**6})
    assert [(e.originator_id, e.originator_version) for e in stored] == sorted(
        [(first, 2), (second, 1)]
    )


def test_a_case_accepted_by_the_other_worker_is_not_accepted_again(
    workers: tuple[HallApplication, HallApplication],
) -> None:
    one, other = workers
    case_id = submitted(one, 5)  # ``one`` holds it as submitted: accepting looks allowed
    other.handle(Accept(), case_id, CLERK)
    with pytest.raises(InvalidTransition):
        one.handle(Accept(), case_id, CLERK)
    assert other.get_case(case_id).version == 2


def test_an_item_suspended_by_the_other_worker_takes_no_case(
    workers: tuple[HallApplication, HallApplication], platform: Platform
) -> None:
    one, other = workers
    assert one.service_item(ITEM).is_open_for_intake  # held by ``one``, open
    other.change_item("suspend-item", ITEM, ADMIN, reason="系统升级")
    try:
        before = platform.max_position()
        with pytest.raises(InvalidCommand, match="accepts no cases"):
            submitted(one, 6)
        assert platform.max_position() == before
    finally:
        other.change_item("resume-item", ITEM, ADMIN, reason="升级完成")


def test_commands_on_what_is_held_read_nothing_first(
    workers: tuple[HallApplication, HallApplication],
) -> None:
    one, other = workers
    one.service_item(ITEM)
    with patch.object(one.repository, "current", wraps=one.repository.current) as current:
        case_id = submitted(one, 7)
        one.handle(Accept(), case_id, CLERK)
    assert current.call_count == 0
    assert other.get_case(case_id).version == 2


def test_the_append_records_nothing_when_an_aggregate_read_has_changed(
    workers: tuple[HallApplication, HallApplication], platform: Platform
) -> None:
    one, _ = workers
    item = one.service_item(ITEM)
    event = StoredEvent(uuid4(), 1, "tests:Nothing", b"{}")
    before = platform.max_position()
    with pytest.raises(StaleRead):
        one.recorder.insert_events([event], reads={item.id: item.version - 1})
    assert platform.max_position() == before
