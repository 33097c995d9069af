"""The OpenAPI document tells the truth: every status a route can answer, errors as
``application/problem+json``, and links from an intake to the routes that take its case.

Routes name the problems particular to them (``problem_responses``); ``install`` adds
those that follow from what an operation is: a body (400, 413, 422), parameters (422),
a bearer token (401, 403), and for every API operation the database (503).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict

from api.problems import MEDIA_TYPE

API_PREFIX = "/api/"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
DESCRIPTIONS = {
    400: "The body is not valid JSON",
    401: "No valid bearer token",
    403: "The caller's role or department may not do this",
    404: "Not found",
    409: "Conflict with the current state",
    413: "The request body is too large",
    422: "The request does not match the schema, or breaks a rule",
    429: "Too many requests from this client; see Retry-After",
    503: "The database is unavailable for a moment; see Retry-After",
}
Responses = dict[int | str, dict[str, Any]]


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


def problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    """One documented problem status."""
    return {
        "description": description or DESCRIPTIONS[status],
        "content": {MEDIA_TYPE: {"schema": PROBLEM_REF}},
    }


def problem_responses(*statuses: int, descriptions: dict[int, str] | None = None) -> Responses:
    """Documented problem statuses, with descriptions particular to a route."""
    described = descriptions or {}
    return {
        status: problem_response(status, described.get(status))
        for status in sorted({*statuses, *described})
    }


def install(app: FastAPI) -> None:
    """Serve the document with the ``Problem`` schema, each operation's implied problems
    and the intake's links."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components["Problem"] = Problem.model_json_schema()
            for path, operations in schema["paths"].items():
                for operation in operations.values():
                    _document_problems(path, operation)
            for unused in ("HTTPValidationError", "ValidationError"):
                components.pop(unused, None)
            _link_intake(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def implied_statuses(path: str, operation: dict[str, Any]) -> set[int]:
    """What any operation like this one can answer, whatever it does."""
    statuses = {503} if path.startswith(API_PREFIX) else set()
    if "requestBody" in operation:
        statuses |= {400, 413, 422}
    if operation.get("parameters"):
        statuses.add(422)
    if operation.get("security"):
        statuses |= {401, 403}
    return statuses


def _document_problems(path: str, operation: dict[str, Any]) -> None:
    """Add the implied problems; every 4xx and 5xx is a problem+json document (this also
    replaces FastAPI's own 422, which it documents as plain JSON)."""
    responses = operation.setdefault("responses", {})
    for status in implied_statuses(path, operation):
        responses.setdefault(str(status), problem_response(status))
    for status, response in responses.items():
        if status[0] in "45":
            response["content"] = {MEDIA_TYPE: {"schema": PROBLEM_REF}}


INTAKE = ("/api/v1/cases", "post", "201")
TRACKING = "/api/v1/public/cases/{case_no}"


def _link_intake(schema: dict[str, Any]) -> None:
    """OpenAPI links from an intake's 201 to every route that takes its ``case_id``, and
    to the public view by ``case_no`` and ``query_code``, so a client can walk a case."""
    path, method, status = INTAKE
    links: dict[str, Any] = {}
    for other, operations in schema["paths"].items():
        for verb, operation in operations.items():
            if other.startswith(f"{path}/{{case_id}}"):
                parameters = {"case_id": "$response.body#/case_id"}
            elif other == TRACKING and verb == "get":
                parameters = {
                    "case_no": "$response.body#/case_no",
                    "query_code": "$response.body#/query_code",
                }
            else:
                continue
            name = operation["operationId"]
            links[name] = {"operationId": name, "parameters": parameters}
    schema["paths"][path][method]["responses"][status]["links"] = links
