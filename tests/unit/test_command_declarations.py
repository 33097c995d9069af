"""Each case command is declared once; its route, body and roles derive from it."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import ValidationError

from api.command_bodies import body_model, to_command
from api.routers.cases import router
from domain.authorization import allowed_roles
from domain.case.commands import (
    CASE_COMMANDS,
    CaseCommand,
    CompleteCallback,
    Decide,
    Extend,
    Material,
    OrderRectification,
    ReportRectification,
    RequestParallelReview,
    RequestSupplement,
)
from tests.unit.test_case_lifecycle import ACTIONS as LIFECYCLE_ACTIONS


def _declared(base: type[CaseCommand]) -> set[type[CaseCommand]]:
    found = set()
    for sub in base.__subclasses__():
        found |= {sub} | _declared(sub)
    return found


def test_every_declared_command_is_listed_once() -> None:
    assert _declared(CaseCommand) == set(CASE_COMMANDS)
    assert len({c.ACTION for c in CASE_COMMANDS}) == len(CASE_COMMANDS)


@pytest.mark.parametrize("command", CASE_COMMANDS, ids=lambda c: c.ACTION)
def test_the_authorization_matrix_takes_the_declared_roles(command: type[CaseCommand]) -> None:
    assert allowed_roles(command.ACTION) == command.ROLES


def _route(path: str) -> APIRoute:
    routes = [r for r in router.routes if isinstance(r, APIRoute) and r.path == path]
    assert len(routes) == 1, path
    return routes[0]


@pytest.mark.parametrize("command", CASE_COMMANDS, ids=lambda c: c.ACTION)
def test_each_command_has_its_route_and_a_body_of_its_fields(command: type[CaseCommand]) -> None:
    route = _route(f"/api/v1/cases/{{case_id}}/{command.ACTION}")
    assert route.methods == {"POST"}
    for role in command.ROLES:
        assert role in (route.description or "")
    schema = body_model(command).model_json_schema()
    fields = {f.name for f in dataclasses.fields(command)}
    assert set(schema["properties"]) == fields | {"expected_version"}
    required = {
        f.name
        for f in dataclasses.fields(command)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    assert set(schema.get("required", [])) == required
    assert schema["additionalProperties"] is False
    assert schema["title"] == f"{command.__name__}In"


def _body(command: type[CaseCommand], data: dict[str, Any]) -> CaseCommand:
    return to_command(command, body_model(command).model_validate(data))


def test_a_valid_body_becomes_the_typed_command() -> None:
    given = _body(RequestSupplement, {"missing": [{"code": "M1", "name": "申请书"}], "note": "n"})
    assert given == RequestSupplement(missing=[Material("M1", "申请书")], note="n")
    due = _body(RequestParallelReview, {"departments": ["ZJ"], "due_on": "2026-03-05"})
    assert due == RequestParallelReview(departments=["ZJ"], due_on=date(2026, 3, 5))
    assert _body(Decide, {"outcome": "approved"}) == Decide(outcome="approved")


@pytest.mark.parametrize(
    ("command", "data"),
    [
        (Extend, {"days": 16, "reason": "r"}),
        (Extend, {"days": 5, "reason": ""}),
        (Decide, {"outcome": "maybe"}),
        (Decide, {"outcome": "denied", "reasons": [""]}),
        (RequestSupplement, {"missing": []}),
        (RequestSupplement, {"missing": [{"code": "M1", "name": "x", "extra": 1}]}),
        (RequestParallelReview, {"departments": ["ZJ"], "due_on": "2026-03-05", "actor": "x"}),
    ],
)
def test_the_declared_bounds_refuse_a_bad_body(
    command: type[CaseCommand], data: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        body_model(command).model_validate(data)


def test_the_lifecycle_matrix_tries_every_declared_command() -> None:
    # A poor rating's follow-up needs a rating first: test_case_lifecycle tries those
    # in test_ratings_once_per_stage_and_rectification_of_poor_ones.
    follow_up = {c.ACTION for c in (OrderRectification, ReportRectification, CompleteCallback)}
    assert set(LIFECYCLE_ACTIONS) | follow_up == {c.ACTION for c in CASE_COMMANDS}
