"""What the audit log makes of the messages released to it, in memory: each valid event
continuing its aggregate's chain in the log becomes a leaf (its data the chain hash);
duplicates are skipped; forged, garbled and out-of-order ones are refused with why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

import orjson

from consumers.audit_log import admit, sort_out
from consumers.position_order import Pending
from consumers.validation import Applied, Poison
from domain.application import HallApplication
from domain.case.commands import Accept, Withdraw
from domain.chain import chain_hash
from tests.unit.conftest import CLERK, applicant, cloudevents

TOPIC = "casetrail.case-events"


def case_events(app: HallApplication) -> list[dict[str, Any]]:
    """A submitted, accepted and withdrawn case, as published."""
    case_id = app.submit(
        CLERK, item_code="SCJG-001", channel="window", applicant=applicant(), materials=[]
    ).aggregate_id
    app.handle(Accept(), case_id, CLERK)
    app.handle(Withdraw(reason="不办了"), case_id, CLERK)
    return cloudevents(app, case_id)


def pending(event: dict[str, Any] | bytes, offset: int = 0) -> Pending:
    value = event if isinstance(event, bytes) else orjson.dumps(event)
    admitted = admit(Message(value, offset))
    assert isinstance(admitted, Pending), admitted
    return admitted


class Message:
    """A consumer record's fields."""

    def __init__(self, value: bytes, offset: int = 0) -> None:
        self.topic, self.partition, self.offset, self.key, self.value = (
            TOPIC,
            0,
            offset,
            None,
            value,
        )


def nothing_in_the_log(aggregates: Iterable[UUID]) -> Mapping[UUID, Applied]:
    return {}


def test_valid_events_become_leaves_of_their_chain_hashes(app: HallApplication) -> None:
    events = case_events(app)
    result = sort_out([pending(e) for e in events], nothing_in_the_log, 0)
    assert not result.refused
    assert [(leaf.position, leaf.version, leaf.chain_hash.hex()) for leaf in result.leaves] == [
        (e["position"], e["caseversion"], e["hash"]) for e in events
    ]
    assert {leaf.aggregate_id for leaf in result.leaves} == {UUID(events[0]["subject"])}


def test_duplicates_are_skipped_in_a_run_and_against_the_log(app: HallApplication) -> None:
    submitted, accepted, withdrawn = case_events(app)
    subject = UUID(submitted["subject"])

    def in_the_log(aggregates: Iterable[UUID]) -> Mapping[UUID, Applied]:
        assert set(aggregates) == {subject}  # one lookup for the whole run
        return {subject: Applied(2, accepted["hash"])}

    released = [pending(e) for e in (submitted, accepted, withdrawn, withdrawn)]
    result = sort_out(released, in_the_log, accepted["position"])
    assert [leaf.version for leaf in result.leaves] == [3]
    assert not result.refused


def test_forged_events_are_refused_with_why(app: HallApplication) -> None:
    submitted, accepted, _ = case_events(app)
    wrong_link = {**accepted, "prevhash": "ab" * 32}
    wrong_link["hash"] = chain_hash(wrong_link)
    altered = {**accepted, "time": "2020-01-01T00:00:00+00:00"}  # back-dated
    gap = {**accepted, "caseversion": 3}
    garbled = {**accepted, "type": "casetrail.case.bribed.v1"}
    released = [pending(e) for e in (submitted, wrong_link, altered, gap, garbled)]
    result = sort_out(released, nothing_in_the_log, 0)
    assert [leaf.version for leaf in result.leaves] == [1]
    reasons = [poison.reason.split(":")[0] for _, poison in result.refused]
    assert reasons == [
        "chain break",
        "altered",
        "version gap",
        "unknown event type 'casetrail.case.bribed.v1'",
    ]
    assert {poison.subject for _, poison in result.refused} == {submitted["subject"]}


def test_an_event_behind_the_logs_last_position_is_refused(app: HallApplication) -> None:
    """The log has moved past its position: it was not on the topic when it should have
    been, so appending it now would break the order."""
    (submitted, *_) = case_events(app)
    result = sort_out([pending(submitted)], nothing_in_the_log, submitted["position"])
    assert not result.leaves
    assert result.refused[0][1].reason.startswith("out of order: position")


def test_an_aggregate_is_one_chain_however_its_id_is_written(app: HallApplication) -> None:
    submitted, accepted, _ = case_events(app)
    shouting = {**submitted, "subject": submitted["subject"].upper()}
    shouting["hash"] = chain_hash(shouting)
    subject = UUID(submitted["subject"])
    result = sort_out([pending(shouting)], lambda _: {subject: Applied(2, accepted["hash"])}, 1000)
    assert not result.leaves  # version 1 of a chain the log holds: a duplicate, not a leaf


def test_a_message_without_a_position_has_no_turn() -> None:
    garbled = admit(Message(b"\x00"))
    assert isinstance(garbled, Poison) and garbled.reason.startswith("not JSON: ")
    assert admit(Message(b"[1]")) == Poison("not a JSON object")
    refused = admit(Message(orjson.dumps({"subject": "x", "position": "1"})))
    assert refused == Poison("no position to order it by: '1'", "x")
    assert isinstance(admit(Message(orjson.dumps({"position": True}))), Poison)
