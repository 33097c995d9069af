"""Prometheus metrics of the API, served at ``/metrics`` in the text exposition format."""

from __future__ import annotations

import os

from fastapi import APIRouter, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
    multiprocess,
)

from api.deps import Pool
from infra import quarantine

PERSONAL_DATA_DECRYPTIONS = Counter(
    "casetrail_personal_data_decryptions",
    "Applicants' personal data decrypted for a staff read, by role and purpose",
    ["role", "purpose"],
)
LONG_POLLS_WAITING = Gauge(
    "casetrail_long_polls_waiting",
    "Public lookups waiting now for a min_position",
    multiprocess_mode="livesum",  # every worker's waits
)

QUARANTINED = Gauge(
    "casetrail_quarantined_messages",
    "Messages the consumers refused (poison), by consumer and status: held, replayed, discarded",
    ["consumer", "status"],
    multiprocess_mode="mostrecent",  # counted in the database: any worker's latest count
)

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
def metrics(pool: Pool) -> Response:
    """Every metric of the API's worker processes added up, and the quarantine's counts
    from the database."""
    with pool.connection() as conn:
        for consumer, status, count in quarantine.counts(conn):
            QUARANTINED.labels(consumer=consumer, status=status).set(count)
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)


def _registry() -> CollectorRegistry:
    """This process's registry, or with several workers (``PROMETHEUS_MULTIPROC_DIR``
    set) one collecting every worker's files."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry
