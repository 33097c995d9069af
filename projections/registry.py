"""The projections the runner maintains: each a pure apply function plus its storage."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from projections import (
    audit_anomalies,
    audit_anomalies_store,
    audit_interests,
    audit_interests_store,
    audit_trail,
    audit_trail_store,
    case_facts,
    case_facts_store,
    catalogue,
    catalogue_store,
    departments,
    departments_store,
    public_status,
    public_status_store,
    published_calendar,
    published_calendar_store,
    supervision_cases,
    supervision_cases_store,
    supervision_notices,
    supervision_notices_store,
)

View = dict[str, Any]


@dataclass(frozen=True)
class Projection:
    """A per-aggregate view: how to apply an event, how to load the views of many
    aggregates at once (those that have one, by id) and how to save many.

    ``version`` changes whenever ``apply`` would build different views from the same
    events; the runner then rebuilds every view from the start of the topic, as it does
    when a projection is added. ``table`` is made, and changed, by a migration
    (``infra/migrations``). ``append_only``: each view ``apply`` makes is a row of its
    own (``save_many`` adds it, outside the pipeline of the other saves, so it may
    ``COPY``), not the aggregate's one view replaced.
    """

    name: str
    version: int
    table: str
    apply: Callable[[View | None, View], View | None]
    load_many: Callable[[psycopg.Connection, Collection[str]], dict[str, View]]
    save_many: Callable[[psycopg.Connection, Sequence[View]], None]
    append_only: bool = False


PUBLIC_STATUS = Projection(
    name="public_status",
    version=4,
    table="public_case_status",
    apply=public_status.apply,
    load_many=public_status_store.load_many,
    save_many=public_status_store.save_many,
)

CASE_FACTS = Projection(
    name="case_facts",
    version=4,
    table="public_case_facts",
    apply=case_facts.apply,
    load_many=case_facts_store.load_many,
    save_many=case_facts_store.save_many,
)
CATALOGUE = Projection(
    name="catalogue",
    version=1,
    table="public_catalogue",
    apply=catalogue.apply,
    load_many=catalogue_store.load_many,
    save_many=catalogue_store.save_many,
)

DEPARTMENTS = Projection(
    name="departments",
    version=1,
    table="public_departments",
    apply=departments.apply,
    load_many=departments_store.load_many,
    save_many=departments_store.save_many,
)
PUBLISHED_CALENDAR = Projection(
    name="published_calendar",
    version=1,
    table="public_calendar",
    apply=published_calendar.apply,
    load_many=published_calendar_store.load_many,
    save_many=published_calendar_store.save_many,
)

# One row per event: an aggregate's view is its latest row (whose case number,
# department and channel the next row repeats); ``save`` adds the event's row.
AUDIT_TRAIL = Projection(
    name="audit_trail",
    version=1,
    table="audit_events",
    apply=audit_trail.apply,
    load_many=audit_trail_store.load_many,
    save_many=audit_trail_store.save_many,
    append_only=True,
)

ANOMALIES = Projection(
    name="audit_anomalies",
    version=1,
    table="audit_anomalies",
    apply=audit_anomalies.apply,
    load_many=audit_anomalies_store.load_many,
    save_many=audit_anomalies_store.save_many,
)
INTERESTS = Projection(
    name="audit_interests",
    version=1,
    table="audit_interests",
    apply=audit_interests.apply,
    load_many=audit_interests_store.load_many,
    save_many=audit_interests_store.save_many,
)

SUPERVISION_NOTICES = Projection(
    name="supervision_notices",
    version=1,
    table="supervision_notices",
    apply=supervision_notices.apply,
    load_many=supervision_notices_store.load_many,
    save_many=supervision_notices_store.save_many,
)

SUPERVISION_CASES = Projection(
    name="supervision_cases",
    version=1,
    table="supervision_cases",
    apply=supervision_cases.apply,
    load_many=supervision_cases_store.load_many,
    save_many=supervision_cases_store.save_many,
)

ALL = (
    PUBLIC_STATUS,
    CASE_FACTS,
    CATALOGUE,
    DEPARTMENTS,
    PUBLISHED_CALENDAR,
    AUDIT_TRAIL,
    ANOMALIES,
    INTERESTS,
    SUPERVISION_NOTICES,
    SUPERVISION_CASES,
)


def signature(projections: Sequence[Projection]) -> str:
    """What the stored views were built by, e.g. ``case_facts@1,public_status@2``."""
    return ",".join(sorted(f"{p.name}@{p.version}" for p in projections))
