"""``casetrail audit verify``'s checks, in memory: each kind of tampering with the event
store, the topic or the log is found, and pinpointed as the first broken link; what a
consumer has not reached yet is pending, not a problem."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import orjson
import pytest

from consumers.audit_checks import StoredNote
from consumers.audit_findings import (
    CheckpointRef,
    EventRef,
    NodeRef,
    Problem,
    describe_differences,
    field_differences,
)
from domain.transparency.checkpoint import Checkpoint
from domain.transparency.note import Signer
from tests.unit.audit_world import ORIGIN, World, rehash

Tamper = Callable[[World], Any]


@pytest.fixture(scope="module")
def pristine() -> World:
    return World.make()


@pytest.fixture
def world(pristine: World) -> World:
    """A copy of the pristine world to tamper with."""
    return replace(
        pristine,
        stored=list(pristine.stored),
        messages=list(pristine.messages),
        leaves=list(pristine.leaves),
        checkpoints=list(pristine.checkpoints),
        published=list(pristine.published),
        nodes=dict(pristine.nodes),
    )


def kinds(problems: list[Problem]) -> set[str]:
    return {problem.kind for problem in problems}


def event_at(world: World, case: int, version: int) -> tuple[int, str]:
    """The index (position order) and id of a case's event."""
    case_id = world.case_ids()[case]
    return world.index(case_id, version), case_id


def edit_stored(world: World, case: int, version: int, change: Callable[[dict], dict]) -> None:
    index, _ = event_at(world, case, version)
    position, document = world.stored[index]
    world.stored[index] = (position, change(document))


def test_an_untouched_history_verifies(world: World) -> None:
    report = world.report()
    assert report.ok, report.text()
    events = len(world.stored)
    assert report.checked["postgres_events"] == report.checked["kafka_messages"] == events
    assert report.checked["leaves"] == events
    assert report.checked["nodes"] == len(world.nodes) == 2 * events - events.bit_count()
    assert report.checked["checkpoints"] == report.checked["published_checkpoints"] == 2
    assert not any(report.pending.values())
    assert report.text().startswith("OK: every chain, leaf, node and checkpoint verifies")


def test_content_altered_in_postgres_names_the_case_version_and_hashes(world: World) -> None:
    def deny(document: dict) -> dict:
        return {**document, "data": {**document["data"], "outcome": "denied"}}

    edit_stored(world, 0, 4, deny)
    report = world.report()
    link = report.first_link()
    ref = link[0].ref
    assert isinstance(ref, EventRef)
    assert (ref.aggregate_id, ref.version, ref.type) == (
        world.case_ids()[0],
        4,
        "casetrail.case.decided.v3",
    )
    assert ref.case_no and ref.case_no.startswith("SCJG-")
    assert kinds(link) == {"altered", "differs"}
    assert report.counts() == {"altered": 1, "differs": 1}
    headline = report.headline()
    assert headline.startswith(f"case {ref.case_no} ({ref.aggregate_id}) v4 (")
    assert "its content in PostgreSQL was altered: hash recorded " in headline
    assert "recomputed " in headline


def test_an_edit_with_the_chain_recomputed_is_caught_by_kafka_and_the_log(world: World) -> None:
    case_id = world.case_ids()[1]  # submitted, withdrawn
    first, second = world.index(case_id, 1), world.index(case_id, 2)
    position, submitted = world.stored[first]
    forged = rehash({**submitted, "data": {**submitted["data"], "channel": "online"}})
    world.stored[first] = (position, forged)
    position, withdrawn = world.stored[second]
    world.stored[second] = (position, rehash(withdrawn, forged["hash"]))
    report = world.report()
    assert "altered" not in kinds(report.problems)
    assert "chain-broken" not in kinds(report.problems)
    link = report.first_link()
    assert {(p.ref.version, p.kind) for p in link} == {(1, "differs"), (1, "leaf-differs")}  # type: ignore[union-attr]
    assert report.counts() == {"differs": 2, "leaf-differs": 2}


def test_a_deleted_event_is_missing_from_postgres(world: World) -> None:
    index, case_id = event_at(world, 0, 2)
    del world.stored[index]
    report = world.report()
    (problem,) = report.first_link()
    assert problem.kind == "missing-in-postgres"
    assert problem.ref == EventRef(case_id, 2, "casetrail.case.accepted.v3", problem.ref.case_no)  # type: ignore[union-attr]
    assert "held by Kafka, the log" in problem.detail


def test_a_row_that_does_not_decrypt_is_named_from_the_other_sources(world: World) -> None:
    index, case_id = event_at(world, 0, 3)
    position, _ = world.stored.pop(index)
    world.unreadable = [(position, case_id, 3)]
    report = world.report()
    link = report.first_link()
    assert {p.kind for p in link} == {"unreadable", "missing-in-postgres"}
    assert {p.ref for p in link} == {
        EventRef(case_id, 3, "casetrail.case.assigned.v1", link[0].ref.case_no)  # type: ignore[union-attr]
    }
    assert "its row in PostgreSQL cannot be read: InvalidTag" in report.headline()


def test_a_whole_deleted_case_is_reported_once(world: World) -> None:
    case_id = world.case_ids()[2]
    world.stored = [(p, d) for p, d in world.stored if d["subject"] != case_id]
    report = world.report()
    assert report.counts() == {"case-deleted": 1}
    (problem,) = report.problems
    assert problem.ref.version == 1 and problem.ref.case_no  # type: ignore[union-attr]
    assert "the whole case is missing from PostgreSQL: Kafka carries 4" in problem.detail


def test_swapped_positions_are_reordered_rows(world: World) -> None:
    first, case_id = event_at(world, 0, 2)
    second = world.index(case_id, 3)
    (p1, d1), (p2, d2) = world.stored[first], world.stored[second]
    world.stored[first], world.stored[second] = (p2, d1), (p1, d2)
    report = world.report()
    assert kinds(report.first_link()) == {"position-differs"}
    assert report.problems[0].ref.version == 2  # type: ignore[union-attr]
    assert f"PostgreSQL {p2}, Kafka {p1}, the log {p1}" in report.problems[0].detail
    assert "out-of-order" in kinds(report.problems)


def test_swapped_versions_break_the_chain(world: World) -> None:
    first, case_id = event_at(world, 0, 2)
    second = world.index(case_id, 3)
    (p1, d1), (p2, d2) = world.stored[first], world.stored[second]
    world.stored[first] = (p1, {**d2, "caseversion": 2})
    world.stored[second] = (p2, {**d1, "caseversion": 3})
    report = world.report()
    assert report.problems[0].ref.version == 2  # type: ignore[union-attr]
    assert {"altered", "chain-broken", "differs"} <= kinds(report.first_link())


def test_a_forged_message_on_kafka_is_no_event_of_postgres(world: World) -> None:
    index, case_id = event_at(world, 1, 2)
    position, last = world.stored[index]
    before = world.stored[world.index(case_id, 1)][1]
    forged = rehash({**last, "caseversion": 3}, prevhash=before["hash"])  # plausible, wrong
    world.messages.append(world.message(forged, position + 1000))
    report = world.report()
    link = report.first_link()
    assert {(p.kind, p.ref.version) for p in link} == {  # type: ignore[union-attr]
        ("missing-in-postgres", 3),
        ("chain-broken", 3),
    }
    assert "in Kafka its prevhash" in report.headline()


def test_a_republished_copy_must_equal_the_first(world: World) -> None:
    world.messages.append(world.messages[5])  # a relay restart's duplicate: fine
    assert world.report().ok
    assert world.report().checked["kafka_duplicates"] == 1
    position, document = world.stored[6]
    other = rehash({**document, "data": {**document["data"], "x": 1}})
    world.messages.append(world.message(other, position))
    assert world.report().counts() == {"conflicting-copies": 1}


def test_a_malformed_message_is_reported(world: World) -> None:
    world.messages.append(b"\x00 not json")
    world.messages.append(orjson.dumps({"type": "x"}))
    assert world.report().counts() == {"malformed-message": 2}


def test_what_the_relay_or_the_log_has_not_reached_is_pending(world: World) -> None:
    world.messages.pop()  # the last event is not published yet
    del world.leaves[-3:]  # nor the last three logged
    world.rebuild_nodes()
    world.checkpoints = [c for c in world.checkpoints if c.tree_size <= len(world.leaves)]
    world.published = [p for p in world.published if p.note in {c.note for c in world.checkpoints}]
    report = world.report()
    assert report.ok, report.text()
    assert report.pending["not_published"] == 1
    assert report.pending["not_logged"] == 3
    assert report.pending["not_under_checkpoint"] == len(world.leaves) - len(world.stored) // 2


def test_an_event_missing_before_the_ends_is_a_problem(world: World) -> None:
    del world.messages[3]
    del world.leaves[4]
    report = world.report()
    assert {"missing-on-kafka", "leaf-missing", "leaf-gap"} <= kinds(report.problems)
    assert report.problems[0].position == world.stored[3][0]


def test_an_edited_leaf_comes_first_then_its_nodes_and_checkpoints(world: World) -> None:
    _, case_id = event_at(world, 0, 3)
    index = world.index(case_id, 3)
    world.leaves[index] = replace(world.leaves[index], chain_hash=b"\x11" * 32)
    report = world.report()
    (problem,) = report.first_link()
    assert (problem.kind, problem.ref.version) == ("leaf-differs", 3)  # type: ignore[union-attr]
    assert f"its leaf {index} in the log holds hash 111111111111…" in problem.detail
    assert {"node-differs", "checkpoint-root"} <= kinds(report.problems)


def test_a_leaf_edited_with_its_nodes_still_breaks_the_checkpoints(world: World) -> None:
    world.leaves[0] = replace(world.leaves[0], chain_hash=b"\x22" * 32)
    world.rebuild_nodes()
    report = world.report()
    assert report.counts() == {"leaf-differs": 1, "checkpoint-root": 2, "checkpoint-fork": 1}
    assert report.problems[0].kind == "leaf-differs"


def test_leaves_out_of_order_or_twice_are_reported(world: World) -> None:
    world.leaves[2], world.leaves[3] = (
        replace(world.leaves[3], index=2),
        replace(world.leaves[2], index=3),
    )
    world.leaves.append(replace(world.leaves[0], index=len(world.leaves), position=10**6))
    world.rebuild_nodes()
    found = kinds(world.report().problems)
    assert {"leaf-order", "leaf-duplicate"} <= found


@pytest.mark.parametrize(
    ("tamper", "kind"),
    [
        (lambda nodes: nodes.__setitem__((3, 1), b"\x33" * 32), "node-differs"),
        (lambda nodes: nodes.pop((2, 0)), "node-missing"),
        (lambda nodes: nodes.__setitem__((9, 5), b"\x44" * 32), "node-extra"),
    ],
)
def test_stored_nodes_are_checked_against_the_leaves(
    world: World, tamper: Callable[[dict], Any], kind: str
) -> None:
    tamper(world.nodes)
    report = world.report()
    assert report.counts() == {kind: 1}
    assert isinstance(report.problems[0].ref, NodeRef)


def test_a_checkpoint_rewritten_and_signed_by_another_key(world: World) -> None:
    latest = world.checkpoints[-1]
    forged = Checkpoint(ORIGIN, latest.tree_size, b"\x55" * 32).sign(Signer.generate(ORIGIN))
    world.checkpoints[-1] = StoredNote(latest.tree_size, b"\x55" * 32, forged)
    report = world.report()
    link = report.first_link()
    assert {p.ref for p in link} == {CheckpointRef(latest.tree_size)}
    assert kinds(link) == {"checkpoint-signature", "checkpoint-root", "checkpoint-differs"}
    assert "does not verify with key casetrail.test/audit-log" in report.headline()


def test_a_checkpoint_row_that_does_not_say_what_its_note_says(world: World) -> None:
    first = world.checkpoints[0]
    world.checkpoints[0] = replace(first, root_hash=b"\x66" * 32)
    assert world.report().counts() == {"checkpoint-row": 1}


def test_a_published_checkpoint_missing_from_the_store_is_reported(world: World) -> None:
    del world.checkpoints[0]
    report = world.report()
    assert report.counts() == {"checkpoint-unstored": 1}
    assert report.problems[0].ref == CheckpointRef(len(world.leaves) // 2)


def test_the_newest_checkpoint_may_not_be_published_yet(world: World) -> None:
    world.published.pop()
    report = world.report()
    assert report.ok, report.text()
    assert report.pending["checkpoints_not_published"] == 1


def test_a_stored_checkpoint_never_published_is_reported(world: World) -> None:
    world.published = [world.published[-1]]  # the older one never reached the topic
    report = world.report()
    assert report.counts() == {"checkpoint-unpublished": 1}
    world.published = []
    assert world.report().pending["checkpoints_not_published"] == 2


def test_an_unreadable_checkpoint_topic_is_reported(world: World) -> None:
    world.published = None  # type: ignore[assignment]
    report = world.report()
    assert report.counts() == {"checkpoint-topic": 1}
    assert "does not exist or may not be read" in report.headline()


def test_a_forked_log_is_refused_by_the_consistency_check(world: World) -> None:
    world.leaves[0] = replace(world.leaves[0], chain_hash=b"\x77" * 32)
    world.rebuild_nodes()
    world.checkpoints.pop()
    world.published.pop()
    world.sign(len(world.leaves))  # a validly signed checkpoint of the rewritten log
    report = world.report()
    assert "checkpoint-fork" in kinds(report.problems)
    fork = next(p for p in report.problems if p.kind == "checkpoint-fork")
    assert f"not consistent with the checkpoint of size {len(world.leaves) // 2}" in fork.detail


def test_the_report_as_json_and_text(world: World) -> None:
    edit_stored(world, 0, 4, lambda d: {**d, "time": "2026-01-01T00:00:00+00:00"})
    report = world.report()
    document = report.as_json()
    assert document["ok"] is False
    link = document["first_broken_link"]
    assert link["description"] == report.headline()
    assert {p["kind"] for p in link["problems"]} == {"altered", "differs"}
    first = link["problems"][0]
    assert first["version"] == 4 and first["case_no"] and first["stream"] == "case"
    assert document["counts"] == {"altered": 1, "differs": 1}
    text = report.text()
    assert text.startswith("FAILED: 2 problems\nfirst broken link: case ")
    assert "       1  altered: events whose content does not match their recorded hash" in text


def test_field_differences_name_each_field() -> None:
    left = {"data": {"outcome": "approved", "reasons": ["a"], "x": 1}, "type": "t"}
    right = {"data": {"outcome": "denied", "reasons": ["b"]}, "type": "t"}
    differences = field_differences(left, right)
    assert [where for where, _, _ in differences] == ["data.outcome", "data.reasons[0]", "data.x"]
    told = describe_differences(differences, ("PostgreSQL", "Kafka"), limit=2)
    assert told == (
        "field data.outcome differs between PostgreSQL and Kafka: 'approved' vs 'denied'; "
        "field data.reasons[0] differs between PostgreSQL and Kafka: 'a' vs 'b'; "
        "and 1 more fields"
    )
