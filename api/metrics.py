"""Prometheus metrics of the API, served at ``/metrics`` in the text exposition format."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, generate_latest

PERSONAL_DATA_DECRYPTIONS = Counter(
    "casetrail_personal_data_decryptions",
    "Applicants' personal data decrypted for a staff read, by role and purpose",
    ["role", "purpose"],
)
LONG_POLLS_WAITING = Gauge(
    "casetrail_long_polls_waiting", "Public lookups waiting now for a min_position"
)

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    """Every metric of this process."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
