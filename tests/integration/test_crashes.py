"""Crashes lose nothing: SIGKILL the relay or the projection runner mid-work, restart it.

A few thousand events are recorded through the application first; then the
relay and the projection runner are killed while they work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from domain.actor import Actor
from domain.case.commands import Accept, Suspend, Terminate, Withdraw
from infra.catalogue import load_catalogue, read_catalogue
from infra.config import Settings
from infra.entrypoints.bootstrap import build_application, open_pool
from projections.registry import ALL, PUBLIC_STATUS
from tests.integration.harness import Platform, wait_until

CASES = 800  # four events each
CATALOGUE = read_catalogue()  # departments and items registered first, one event each
REGISTERED = len(CATALOGUE["departments"]) + len(CATALOGUE["items"])
CLERK = Actor(id="bulk-clerk", role="clerk", department="SCJG")
APPROVER = Actor(id="bulk-approver", role="approver", department="JT")


@pytest.fixture(scope="module")
def recorded(stack_info: Any) -> Iterator[Platform]:
    platform = Platform(stack_info.bootstrap_servers, "crashes", relay_batch=100)
    record_cases(platform.settings, CASES)
    try:
        yield platform
    finally:
        platform.close()


def record_cases(settings: Settings, count: int) -> None:
    """Record ``count`` cases of four events each through the application."""
    with open_pool(settings.api_database_url, max_size=2) as pool:
        app = build_application(settings, pool)
        load_catalogue(app)
        applicant = {"kind": "person", "name": "赵六", "id_number": "1"}
        for index in range(count):
            done = app.submit(
                CLERK, item_code="JT-001", channel="online", applicant=applicant, materials=[]
            )
            app.handle(Accept(), done.aggregate_id, CLERK)
            app.handle(Suspend(reason="待补充说明"), done.aggregate_id, APPROVER)
            if index % 2:  # both close a case before its decision, as the law allows
                app.handle(Terminate(reason="t", legal_basis="b"), done.aggregate_id, APPROVER)
            else:
                app.handle(Withdraw(reason="test"), done.aggregate_id, CLERK)
        app.close()


def versions_by_case(platform: Platform) -> dict[str, list[int]]:
    seen: defaultdict[str, list[int]] = defaultdict(list)
    for message in platform.read_topic():
        event = orjson.loads(message.value)
        assert message.key.decode() == event["subject"]
        if event["type"].startswith("casetrail.case."):
            seen[event["subject"]].append(event["caseversion"])
    return seen


def test_relay_crash_loses_nothing_and_keeps_order(recorded: Platform) -> None:
    total = recorded.max_position()
    assert total == REGISTERED + CASES * 4
    recorded.start("project")
    recorded.start("relay")
    wait_until(lambda: recorded.relay_position() >= total // 4, what="the relay to start")
    recorded.kill("relay")
    killed_at = recorded.relay_position()
    assert killed_at < total, "the relay finished before it could be killed mid-publishing"

    recorded.start("relay")
    wait_until(lambda: recorded.relay_position() == total, what="the relay to catch up")

    seen = versions_by_case(recorded)
    assert len(seen) == CASES
    for versions in seen.values():
        first_seen = list(dict.fromkeys(versions))
        assert first_seen == [1, 2, 3, 4]  # every event, first published in order
        # A re-published run only ever repeats what came before it: no gaps.
        assert all(v <= max(versions[:i], default=0) + 1 for i, v in enumerate(versions))

    wait_until(
        lambda: recorded.consumed_total() == recorded.end_offsets_total(),
        what="the projection to catch up",
    )
    rows = recorded.sql("SELECT view FROM public_case_status")
    assert len(rows) == CASES
    for (view,) in rows:
        assert view["version"] == 4
        assert len(view["timeline"]) == 4  # no duplicate milestones


def rebuild_from_topic(platform: Platform) -> dict[str, dict[str, Any]]:
    """The projection built from scratch, in memory, from the topic."""
    views: dict[str, dict[str, Any]] = {}
    applied: dict[str, int] = {}
    for message in platform.read_topic():
        event = orjson.loads(message.value)
        case_id = event["subject"]
        if event["caseversion"] <= applied.get(case_id, 0):
            continue
        applied[case_id] = event["caseversion"]
        view = PUBLIC_STATUS.apply(views.get(case_id), event)
        if view is not None:
            views[case_id] = view
    return views


def test_projection_crash_matches_a_rebuild_from_scratch(recorded: Platform) -> None:
    wait_until(
        lambda: recorded.relay_position() == recorded.max_position(), what="every event on Kafka"
    )
    recorded.stop("project")
    tables = ", ".join(p.table for p in ALL)
    recorded.sql(f"TRUNCATE {tables}, applied_versions, consumer_offsets")
    end = recorded.end_offsets_total()

    recorded.start("project")
    wait_until(lambda: recorded.consumed_total() > end // 4, what="the runner to start")
    recorded.kill("project")
    assert recorded.consumed_total() < end, "the runner finished before it could be killed"

    recorded.start("project")
    wait_until(lambda: recorded.consumed_total() == end, what="the runner to catch up")
    stored = {
        str(case_id): view
        for case_id, view in recorded.sql("SELECT case_id, view FROM public_case_status")
    }
    assert stored == rebuild_from_topic(recorded)
    assert len(stored) == CASES
    statuses = {view["status"] for view in stored.values()}
    assert statuses == {"terminated", "withdrawn"}


def test_a_second_relay_waits_and_takes_over(recorded: Platform) -> None:
    if "relay" not in recorded.processes:
        recorded.start("relay")
    recorded.start("relay", label="standby")
    wait_until(
        lambda: "another relay is active" in recorded.log("standby"),
        what="the standby relay to wait",
    )
    recorded.kill("relay")
    record_cases(recorded.settings, 5)
    wait_until(
        lambda: recorded.relay_position() == recorded.max_position(),
        what="the standby relay to take over",
    )
    assert "relay is the leader" in recorded.log("standby")


def test_a_new_or_changed_projection_is_rebuilt_from_the_topic(recorded: Platform) -> None:
    if "project" not in recorded.processes:
        recorded.start("project")
    wait_until(  # the views to compare with are the ones of the whole topic
        lambda: recorded.consumed_total() == recorded.end_offsets_total(),
        what="the runner to apply every message",
    )
    recorded.stop("project")
    before = {str(c): v for c, v in recorded.sql("SELECT case_id, view FROM public_case_status")}
    facts = recorded.sql("SELECT count(*) FROM public_case_facts")[0][0]
    assert before and facts == len(before)
    # As if the views had been built by an older set of projections.
    recorded.sql("UPDATE projection_builds SET signature = 'public_status@1'")
    recorded.sql("DELETE FROM public_case_facts")
    recorded.start("project")
    end = recorded.end_offsets_total()
    wait_until(
        lambda: "(was public_status@1)" in recorded.log("project"),
        what="the runner to see the old build",
    )

    def rebuilt() -> bool:
        count = recorded.sql("SELECT count(*) FROM public_case_facts")[0][0]
        return bool(count == facts and recorded.consumed_total() == end)

    wait_until(rebuilt, what="the rebuild")
    after = {str(c): v for c, v in recorded.sql("SELECT case_id, view FROM public_case_status")}
    assert after == before
    assert recorded.sql("SELECT count(*) FROM public_case_facts")[0][0] == facts
