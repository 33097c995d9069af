"""``casetrail quarantine list|replay|discard``: an operator's view of refused messages,
held by the projection runner, the anomaly detector or the deadline sweeper (each row names
its consumer)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from consumers.anomaly_detector import AnomalyDetector
from consumers.chain_consumer import ChainConsumer
from consumers.deadline_sweeper import DeadlineSweeper
from consumers.projection_runner import ProjectionRunner
from consumers.validation import Poison
from domain.anomalies.catalogue import read_catalogue
from domain.application import HallApplication
from domain.authorization import authorize
from infra import quarantine
from infra.config import Settings
from infra.entrypoints.bootstrap import build_application, open_pool
from infra.entrypoints.operator_token import operator
from infra.kafka_security import (
    ANOMALIES,
    ANOMALIES_GROUP,
    PROJECTOR,
    SWEEPER,
    SWEEPER_GROUP,
)
from projections.registry import ALL


def show(settings: Settings, *, all_statuses: bool) -> int:
    """Print the held messages (with ``all_statuses``, the decided ones too)."""
    with psycopg.connect(settings.projector_database_url) as conn:
        rows = quarantine.listing(conn, all_statuses=all_statuses)
    if not rows:
        print("the quarantine is empty" if all_statuses else "no message is held")
    for held in rows:
        where = f"{held.topic}[{held.partition}]@{held.offset}"
        print(
            f"#{held.id}  {held.status:9}  {held.held_at:%Y-%m-%d %H:%M:%S}  {where}  "
            f"(refused by {held.consumer})"
        )
        print(f"     case {held.case_id or '-'}: {held.reason}")
        if held.decided_by:
            print(f"     {held.status} by {held.decided_by}: {held.decision_reason}")
    return 0


def resolve(
    settings: Settings, quarantine_id: int, *, replay: bool, reason: str, token: str | None
) -> int:
    """Replay a held message into its consumer's tables (only if it is valid now) or
    discard it; the decision is recorded with the operator and the reason."""
    actor = operator(settings, token)
    authorize(actor, "resolve-quarantine")
    with psycopg.connect(settings.projector_database_url) as conn:
        held, _ = quarantine.message(conn, quarantine_id)
    with (
        _consumer_of(settings, held) as (url, consumer),
        psycopg.connect(url) as conn,
        conn.transaction(),
    ):
        held, value = quarantine.message(conn, quarantine_id)
        if replay and held.consumer == settings.audit_group:
            raise RuntimeError(
                f"#{quarantine_id} was refused by the audit log, which appends in position "
                "order only and never out of it: it cannot be replayed (discard it; the "
                "refusal stays on record)"
            )
        if replay:
            verdict = consumer.apply_message(conn, value)
            if isinstance(verdict, Poison):
                raise RuntimeError(f"#{quarantine_id} is still refused: {verdict.reason}")
        status = "replayed" if replay else "discarded"
        quarantine.decide(conn, quarantine_id, status, actor.id, reason)
    print(f"#{quarantine_id} {status} by {actor.id}")
    return 0


@contextmanager
def _consumer_of(settings: Settings, held: quarantine.Held) -> Iterator[tuple[str, ChainConsumer]]:
    """The consumer that held the message, and the database URL of its role."""
    if held.consumer.startswith(ANOMALIES_GROUP):
        url = settings.anomalies_database_url
        with _application(settings, url) as application:
            yield (
                url,
                AnomalyDetector(
                    database_url=url,
                    kafka_options=settings.kafka_options(ANOMALIES),
                    topic=held.topic,
                    application=application,
                    catalogue=read_catalogue(),
                    group_id=held.consumer,
                ),
            )
    elif held.consumer.startswith(SWEEPER_GROUP):
        url = settings.sweeper_database_url
        with _application(settings, url) as application:
            yield (
                url,
                DeadlineSweeper(
                    database_url=url,
                    kafka_options=settings.kafka_options(SWEEPER),
                    topic=held.topic,
                    application=application,
                    group_id=held.consumer,
                ),
            )
    else:
        yield (
            settings.projector_database_url,
            ProjectionRunner(
                database_url=settings.projector_database_url,
                kafka_options=settings.kafka_options(PROJECTOR),
                topic=held.topic,
                projections=ALL,
                group_id=held.consumer,
            ),
        )


@contextmanager
def _application(settings: Settings, url: str) -> Iterator[HallApplication]:
    """The application as the role of ``url``."""
    with open_pool(url, max_size=1) as pool:
        application = build_application(settings, pool)
        try:
            yield application
        finally:
            application.close()
