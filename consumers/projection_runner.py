"""The projection runner: a consumer group that keeps the read models in PostgreSQL.

Exactly once in effect, with its poison held, as every ``ChainConsumer``: each batch's
view writes, the versions applied and the next offsets commit in one transaction. Each
event goes to every projection (``projections.registry``): a pure ``apply`` of the view
as loaded, then the views are saved; a projection that cannot take the event holds it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg

from consumers.chain_consumer import ChainConsumer
from infra.grants import PROJECTOR
from infra.kafka_security import PROJECTOR_GROUP
from projections.registry import Projection, signature


class ProjectionRunner(ChainConsumer):
    """Consumes the case-event topic and applies each event to every projection."""

    name = "the projection runner"
    role = PROJECTOR
    failure = "a projection failed"

    def __init__(
        self,
        *,
        database_url: str,
        kafka_options: Mapping[str, Any],
        topic: str,
        projections: Sequence[Projection],
        group_id: str = PROJECTOR_GROUP,
        instance_id: str | None = None,
        max_batch: int = 500,
    ) -> None:
        super().__init__(
            database_url=database_url,
            kafka_options=kafka_options,
            topic=topic,
            group_id=group_id,
            instance_id=instance_id,
            max_batch=max_batch,
        )
        self.projections = projections

    def signature(self) -> str:
        """The projections and their versions."""
        return signature(self.projections)

    def tables(self) -> Sequence[str]:
        """The views."""
        return [p.table for p in self.projections]

    def apply(self, conn: psycopg.Connection, event: dict[str, Any]) -> None:
        """Every view after the event, then each saved: a projection that fails saves none."""
        views = [
            (projection, projection.apply(projection.load(conn, event["subject"]), event))
            for projection in self.projections
        ]
        for projection, view in views:
            if view is not None:
                projection.save(conn, view)
