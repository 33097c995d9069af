"""``casetrail audit verify``: every chain from PostgreSQL and, independently, from
Kafka, every leaf against the events, the tree against its leaves, and every signed
checkpoint against the tree, the verifier key and the checkpoint topic.

The sources are read oldest evidence first, so that what a later one lacks is a
problem and not a race with the running platform: the published checkpoints, then the
log's tables (one snapshot), then the event topic to its end, then the event store,
then the event topic again for events the relay published meanwhile. What a consumer
simply has not reached yet (events after the last published one or the last leaf,
leaves after the latest checkpoint) is counted as pending, not as a problem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

import orjson
import psycopg
from eventsourcing.persistence import ApplicationRecorder, Mapper

from consumers.audit_checks import Evidence, PublishedNote, assess
from consumers.audit_findings import (
    EventRef,
    Report,
    describe_differences,
    field_differences,
)
from consumers.audit_sources import (
    Progress,
    TopicReader,
    read_log,
    read_store,
    stored_document,
)
from domain.chain import HASHED_FIELDS
from domain.transparency.note import Verifier


@dataclass(frozen=True)
class Sources:
    """Where the evidence is: the event store (its recorder and mapper), the log's
    tables (``database_url``), the event topic and the checkpoint topic."""

    recorder: ApplicationRecorder
    mapper: Mapper[UUID]
    database_url: str
    kafka_options: Mapping[str, Any]
    topic: str
    checkpoint_topic: str


def verify(
    sources: Sources, verifier: Verifier, progress: Callable[[str, str], Progress] = Progress
) -> Report:
    """Check everything; the report lists every problem in log order."""
    with TopicReader(sources.kafka_options, sources.checkpoint_topic) as notes:
        published = [
            PublishedNote(r.partition, r.offset, (r.value or b"").decode(errors="replace"))
            for r in notes.read(progress("published checkpoints", "notes"))
        ]
        readable = notes.exists
    with psycopg.connect(sources.database_url) as conn:
        log = read_log(conn, progress)
    evidence = Evidence()
    evidence.add_leaves(log.leaves)
    with TopicReader(sources.kafka_options, sources.topic) as events:
        if not events.exists:
            raise RuntimeError(f"the event topic {sources.topic} does not exist")
        for record in events.read(progress("Kafka", "messages")):
            evidence.add_kafka(record.value, record.partition, record.offset)
        read_store(sources.recorder, sources.mapper, evidence, progress("PostgreSQL", "events"))
        unpublished = {
            (aggregate_id, version)
            for aggregate_id, record in evidence.records.items()
            for version in record.postgres.keys() - record.kafka.keys()
        }
        if unpublished:  # the relay may have published them since
            for record in events.read():
                evidence.add_kafka(record.value, record.partition, record.offset, unpublished)
        report = assess(
            evidence, log, published if readable else None, verifier, sources.checkpoint_topic
        )
        _tell_differences(report, evidence, sources, events)
    return report


def _tell_differences(
    report: Report, evidence: Evidence, sources: Sources, events: TopicReader
) -> None:
    """Name the fields that differ between PostgreSQL and Kafka in the first broken link
    (read again: the checks kept only hashes)."""
    for problem in report.first_link():
        ref = problem.ref
        if problem.kind != "differs" or not isinstance(ref, EventRef):
            continue
        copy = evidence.records[ref.aggregate_id].kafka[ref.version]
        stored = stored_document(sources.recorder, sources.mapper, ref.aggregate_id, ref.version)
        value = events.fetch(*copy.where) if copy.where else None
        if stored is None or value is None:
            continue
        published = orjson.loads(value)
        differences = field_differences(
            {k: stored.get(k) for k in HASHED_FIELDS}, {k: published.get(k) for k in HASHED_FIELDS}
        )
        told = describe_differences(differences, ("PostgreSQL", "Kafka"))
        if told:
            report.replace(problem, replace(problem, detail=f"{problem.detail}; {told}"))
