"""Events go to Kafka as recorded: the document the hash covers, in its recorded version."""

from __future__ import annotations

from uuid import UUID

import orjson
import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka_event
from eventsourcing.persistence import Notification

from consumers.cloudevents import encode, event_id, recorded_document, to_cloudevent
from domain.application import HallApplication
from domain.case import Decided
from domain.case.commands import Accept, Decide
from domain.chain import verify_chain
from domain.errors import UnsupportedHistory
from domain.events import ChainedEvent, hashed_document
from tests.unit.conftest import APPROVER, CLERK, ITEM, applicant, as_version, assign_for_decision


def decided_case(app: HallApplication) -> UUID:
    done = app.submit(
        CLERK, item_code=ITEM.code, channel="window", applicant=applicant(), materials=[]
    )
    app.handle(Accept(), done.aggregate_id, CLERK)
    skipped = assign_for_decision(app, done.aggregate_id)
    app.handle(
        Decide(
            outcome="denied",
            reasons=["材料不实"],
            legal_basis="第三十一条",
            appeal_notice="六十日内可申请行政复议",
            skipped_steps=skipped,
        ),
        done.aggregate_id,
        APPROVER,
    )
    return done.aggregate_id


def notifications(app: HallApplication, case_id: UUID) -> list[Notification]:
    return [
        n
        for n in app.recorder.select_notifications(start=None, limit=100_000)
        if n.originator_id == case_id
    ]


def test_a_recorded_document_is_what_the_chain_hashed(app: HallApplication) -> None:
    case_id = decided_case(app)
    documents = [recorded_document(n, app.mapper) for n in notifications(app, case_id)]
    events = [e for e in app.events.get(case_id) if isinstance(e, ChainedEvent)]
    assert documents == [hashed_document(e) for e in events]
    assert [d["type"] for d in documents] == [
        "casetrail.case.submitted.v3",
        "casetrail.case.accepted.v3",
        "casetrail.case.assigned.v1",
        "casetrail.case.decided.v3",
    ]
    verify_chain(documents, head=app.get_case(case_id).head_hash)


def test_the_kafka_message(app: HallApplication) -> None:
    case_id = decided_case(app)
    first = notifications(app, case_id)[0]
    cloudevent = to_cloudevent(
        recorded_document(first, app.mapper), position=first.id, hall="hall-1"
    )
    key, value, headers = encode(cloudevent)
    assert key == str(case_id).encode()
    assert orjson.loads(value) == cloudevent
    assert cloudevent["id"] == event_id(case_id, 1)
    assert dict(headers) == {
        "content-type": b"application/cloudevents+json; charset=UTF-8",
        "casetrail-id": cloudevent["id"].encode(),
        "casetrail-type": b"casetrail.case.submitted.v3",
    }
    assert cloudevent["source"] == "/casetrail/hall-1" and cloudevent["position"] == first.id
    # the CloudEvents SDK reads it with no configuration: structured mode, nothing lost
    read = from_kafka_event(KafkaMessage(dict(headers), key, value))
    assert read.get_id() == cloudevent["id"] and read.get_type() == cloudevent["type"]
    assert read.get_data() == cloudevent["data"]
    assert read.get_extension("hash") == cloudevent["hash"]
    assert read.get_extension("partitionkey") == str(case_id)


def test_an_old_version_is_published_as_recorded_and_upcast_when_loaded(
    app: HallApplication,
) -> None:
    decided = notifications(app, decided_case(app))[-1]
    v1 = as_version(decided, 1, reasons="材料不实", appeal_notice=None, skipped_steps=None)
    document = recorded_document(v1, app.mapper)
    assert document["type"] == "casetrail.case.decided.v1"
    assert document["data"]["reasons"] == "材料不实" and "appeal_notice" not in document["data"]
    upcast = app.mapper.to_domain_event(v1)
    assert isinstance(upcast, Decided)
    assert upcast.reasons == ["材料不实"] and upcast.appeal_notice == ""
    assert upcast.skipped_steps == []


def test_a_version_1_acceptance_cannot_be_loaded(app: HallApplication) -> None:
    accepted = notifications(app, decided_case(app))[1]
    v1 = as_version(
        accepted,
        1,
        **{
            name: None
            for name in (
                "accepted_on",
                "item_revision",
                "terms",
                "statutory_deadline",
                "promised_deadline",
                "deadline_provisional",
            )
        },
    )
    with pytest.raises(UnsupportedHistory, match="no terms"):
        app.mapper.to_domain_event(v1)
