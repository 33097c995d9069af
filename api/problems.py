"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import eventsourcing.persistence
import orjson
import psycopg
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException

from api.security_log import log_refusal
from domain.authorization import Forbidden
from domain.errors import DomainError, InvalidCommand, InvalidTransition, NotFound, VersionConflict

MEDIA_TYPE = "application/problem+json"
# What a database restart or outage raises while a request runs.
STORAGE_UNAVAILABLE: tuple[type[Exception], ...] = (
    psycopg.OperationalError,
    PoolTimeout,
    eventsourcing.persistence.OperationalError,
    eventsourcing.persistence.InterfaceError,
)
RETRY_AFTER_SECONDS = 2
_DOMAIN_STATUS: dict[type[DomainError], tuple[int, str]] = {
    InvalidTransition: (409, "invalid-transition"),
    VersionConflict: (409, "version-conflict"),
    NotFound: (404, "not-found"),
    InvalidCommand: (422, "invalid-command"),
    Forbidden: (403, "forbidden"),
}


def problem(
    status: int, detail: str, *, slug: str | None = None, instance: str | None = None, **extra: Any
) -> Response:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": f"urn:casetrail:problem:{slug}" if slug else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    if instance:
        body["instance"] = instance
    return Response(orjson.dumps(body), status_code=status, media_type=MEDIA_TYPE)


def install(app: FastAPI) -> None:
    """Route every error through ``problem``."""

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> Response:
        status, slug = _DOMAIN_STATUS.get(type(error), (422, "invalid-command"))
        log_refusal(request, status, str(error))
        return problem(status, str(error), slug=slug, instance=request.url.path)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return problem(
                400,
                "the request body is not valid JSON",
                slug="malformed-json",
                instance=request.url.path,
            )
        return problem(
            422,
            "the request does not match the schema",
            slug="invalid-request",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        log_refusal(request, error.status_code, str(error.detail))
        response = problem(error.status_code, str(error.detail), instance=request.url.path)
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    async def storage_unavailable(request: Request, error: Exception) -> Response:
        # A restarted server leaves dead connections in the pool: drop them all now, so
        # that the retry this answer asks for finds live ones.
        await run_in_threadpool(request.app.state.pool.check)
        response = problem(
            503,
            "the database is unavailable for a moment; retry shortly (a command sent with an "
            "Idempotency-Key can be retried with the same key safely)",
            slug="storage-unavailable",
            instance=request.url.path,
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for kind in STORAGE_UNAVAILABLE:
        app.add_exception_handler(kind, storage_unavailable)
