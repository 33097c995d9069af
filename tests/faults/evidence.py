"""What the platform holds once the faults are over: the event store, the topic, the
views as a rebuild from the topic would make them, and the consumer's bookkeeping."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg

from consumers.cloudevents import recorded_document
from infra.entrypoints.bootstrap import build_application, open_pool
from projections.registry import AUDIT_TRAIL, Projection
from tests.integration.harness import Platform

Key = tuple[str, int]  # (aggregate id, version)
View = dict[str, Any]


@dataclass(frozen=True)
class Stored:
    """One event in the event store: its log position and its recorded document."""

    position: int
    document: dict[str, Any]


def stored_events(platform: Platform, page: int = 1000) -> dict[Key, Stored]:
    """Every recorded event, read through the application's own recorder and mapper."""
    events: dict[Key, Stored] = {}
    with open_pool(platform.settings.database_url, max_size=1) as pool:
        app = build_application(platform.settings, pool)
        try:
            start = None
            while notifications := app.recorder.select_notifications(
                start=start, limit=page, inclusive_of_start=False
            ):
                for notification in notifications:
                    document = recorded_document(notification, app.mapper)
                    key = (document["subject"], document["caseversion"])
                    events[key] = Stored(notification.id, document)
                start = notifications[-1].id
        finally:
            app.close()
    return events


def topic_events(platform: Platform) -> list[dict[str, Any]]:
    """Every message on the topic, decoded, in the order a consumer reads them (each
    case's messages in publishing order, duplicates included)."""
    return [orjson.loads(message.value) for message in platform.read_topic()]


def first_copies(messages: Iterable[dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    """Each event's first message: a re-published event appears more than once."""
    firsts: dict[Key, dict[str, Any]] = {}
    for message in messages:
        firsts.setdefault((message["subject"], message["caseversion"]), message)
    return firsts


def rebuild(
    projections: Sequence[Projection], messages: Iterable[dict[str, Any]]
) -> dict[str, dict[str, View]]:
    """Each projection's views built from scratch, in memory, from the topic, skipping
    what was applied before as the runner does: projection name → subject → view."""
    views: dict[str, dict[str, View]] = {p.name: {} for p in projections}
    applied: dict[str, int] = {}
    for event in messages:
        subject, version = event["subject"], event["caseversion"]
        if version <= applied.get(subject, 0):
            continue
        applied[subject] = version
        for projection in projections:
            view = projection.apply(views[projection.name].get(subject), event)
            if view is not None:
                views[projection.name][subject] = view
    return views


def row_count(projection: Projection, views: dict[str, View]) -> int:
    """How many rows ``projection``'s table holds for ``views``: one per aggregate, or for
    the audit trail one per event (an aggregate's view is its latest row)."""
    if projection is AUDIT_TRAIL:
        return sum(int(view["version"]) for view in views.values())
    return len(views)


def stored_views(
    platform: Platform, projection: Projection, subjects: Iterable[str]
) -> tuple[dict[str, View | None], int]:
    """The views the runner stored for ``subjects``, and how many rows its table has."""
    with psycopg.connect(platform.settings.database_url) as conn:
        stored = projection.load_many(conn, set(subjects))
        views = {subject: stored.get(subject) for subject in subjects}
        rows = conn.execute(f"SELECT count(*) FROM {projection.table}").fetchone()
    return views, int(rows[0]) if rows else 0


def applied_versions(platform: Platform) -> dict[str, tuple[int, str]]:
    """What the projection runner applied last for each aggregate: version and head."""
    rows = platform.sql("SELECT case_id, version, head FROM applied_versions")
    return {str(case_id): (version, head) for case_id, version, head in rows}


def heads(stored: dict[Key, Stored]) -> dict[str, tuple[int, str]]:
    """Each aggregate's last version and its hash, from the event store."""
    last: dict[str, tuple[int, str]] = {}
    for (subject, version), event in stored.items():
        if version > last.get(subject, (0, ""))[0]:
            last[subject] = (version, event.document["hash"])
    return last
