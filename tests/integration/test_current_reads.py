"""Two applications on one database, as two API workers: each holds the aggregates it
read or saved, and reads only their newer events (a case, its item and the calendar in
one query); what the other recorded is never missed, and what it holds never changes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from uuid import UUID

import pytest

from bench.samples import applicant
from domain.actor import Actor
from domain.application import HallApplication
from domain.case.commands import Accept, Suspend
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
