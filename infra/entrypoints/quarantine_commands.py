"""``casetrail quarantine list|replay|discard``: an operator's view of refused messages."""

from __future__ import annotations

import psycopg

from consumers.projection_runner import ProjectionRunner
from consumers.validation import Poison
from domain.authorization import authorize
from infra import quarantine
from infra.config import Settings
from infra.entrypoints.operator_token import operator
from infra.kafka_security import PROJECTOR
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
    """Replay a held message into the views (only if it is valid now) or discard it;
    the decision is recorded with the operator and the reason."""
    actor = operator(settings, token)
    authorize(actor, "resolve-quarantine")
    with psycopg.connect(settings.projector_database_url) as conn, conn.transaction():
        held, value = quarantine.message(conn, quarantine_id)
        if replay and held.consumer == settings.audit_group:
            raise RuntimeError(
                f"#{quarantine_id} was refused by the audit log, which appends in position "
                "order only and never out of it: it cannot be replayed (discard it; the "
                "refusal stays on record)"
            )
        if replay:
            runner = ProjectionRunner(
                database_url=settings.projector_database_url,
                kafka_options=settings.kafka_options(PROJECTOR),
                topic=held.topic,
                projections=ALL,
                group_id=held.consumer,
            )
            verdict = runner.apply_message(conn, value)
            if isinstance(verdict, Poison):
                raise RuntimeError(f"#{quarantine_id} is still refused: {verdict.reason}")
        status = "replayed" if replay else "discarded"
        quarantine.decide(conn, quarantine_id, status, actor.id, reason)
    print(f"#{quarantine_id} {status} by {actor.id}")
    return 0
