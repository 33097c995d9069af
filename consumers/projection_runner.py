"""The projection runner: a consumer group that keeps the read models in PostgreSQL.

Exactly once in effect, with its poison held, as every ``ChainConsumer``: each batch's
view writes, the versions applied and the next offsets commit in one transaction. Each
event goes to every projection (``projections.registry``): a pure ``apply`` of the view
as loaded (each projection's views of the batch's aggregates in one query), or as the
batch left it; a projection that cannot take the event holds it, and
none of its views change. At the end of the batch each view changed is saved once, each
projection's in one ``executemany``, all pipelined; then the rows of each append-only view
(the audit trail's, one per event) in one ``COPY``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg

from consumers.chain_consumer import ChainConsumer
from infra.grants import PROJECTOR
from infra.kafka_security import PROJECTOR_GROUP
from projections.registry import Projection, View, signature


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
        self._views: dict[tuple[str, str], View | None] = {}  # the batch's, by aggregate
        self._changed: dict[tuple[str, str], tuple[Projection, View]] = {}
        self._rows: list[tuple[Projection, View]] = []  # of append-only views, in order

    def signature(self) -> str:
        """The projections and their versions."""
        return signature(self.projections)

    def tables(self) -> Sequence[str]:
        """The views."""
        return [p.table for p in self.projections]

    def begin_batch(self, conn: psycopg.Connection, subjects: set[str]) -> None:
        """The stored views of the batch's aggregates: one query per projection."""
        self._views, self._changed, self._rows = {}, {}, []
        for projection in self.projections if subjects else ():
            stored = projection.load_many(conn, subjects)
            self._views |= {(projection.name, s): stored.get(s) for s in subjects}

    def apply(self, conn: psycopg.Connection, event: dict[str, Any]) -> None:
        """Every view after the event, then each kept for the batch: a projection that
        fails keeps none."""
        subject = event["subject"]
        views = []
        for projection in self.projections:
            key = (projection.name, subject)
            views.append((projection, key, projection.apply(self._views[key], event)))
        for projection, key, made in views:
            if made is None:
                continue
            self._views[key] = made
            if projection.append_only:
                self._rows.append((projection, made))
            else:
                self._changed[key] = (projection, made)

    def end_batch(self, conn: psycopg.Connection) -> None:
        """Save the views the batch changed, each projection's at once: the replaced views
        in one pipeline, then the rows of append-only views (a ``COPY`` each, which a
        pipeline cannot hold)."""
        made: dict[str, list[View]] = {p.name: [] for p in self.projections}
        for projection, view in [*self._rows, *self._changed.values()]:
            made[projection.name].append(view)
        with conn.pipeline():
            for projection in self.projections:
                if made[projection.name] and not projection.append_only:
                    projection.save_many(conn, made[projection.name])
        for projection in self.projections:
            if made[projection.name] and projection.append_only:
                projection.save_many(conn, made[projection.name])
