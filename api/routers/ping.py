"""A no-op route: what the server costs when a request does nothing (the benchmarks'
baseline beside real routes), and a liveness check for load balancers."""

from __future__ import annotations

from fastapi import APIRouter, Response

router = APIRouter(prefix="/api/v1", tags=["operations"])


@router.get(
    "/ping",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "The API answers; nothing else is checked"}},
)
async def ping() -> Response:
    """No content, no database, no token: the API's own floor."""
    return Response(status_code=204)
