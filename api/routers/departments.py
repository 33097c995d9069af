"""The hall's departments: register one, rename one (hall administrators). The public
reads their names at ``/api/v1/public/departments``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import App, Caller
from api.openapi import problem_responses
from api.schemas import Code, CommandIn, Name, RecordedOut, Strict, Text
from domain.authorization import allowed_roles
from domain.recorded import Recorded

router = APIRouter(prefix="/api/v1/departments", tags=["departments"])
DepartmentCode = Annotated[str, Path(min_length=1, max_length=64)]


class DepartmentIn(Strict):
    """A department: the code items and cases refer to, and its name."""

    code: str = Code
    name: str = Name


class RenameIn(CommandIn):
    """A department's new name, and why (the reform notice, 机构改革)."""

    name: str = Name
    reason: str = Text


def _roles(action: str) -> str:
    return "Allowed roles: " + ", ".join(sorted(allowed_roles(action))) + "."


def _out(recorded: Recorded) -> RecordedOut:
    return RecordedOut(
        id=recorded.aggregate_id, version=recorded.version, position=recorded.position
    )


@router.post(
    "",
    status_code=201,
    response_model=RecordedOut,
    responses=problem_responses(
        descriptions={
            403: "Only hall administrators register departments",
            409: "Already registered",
            422: "A bad body",
        }
    ),
    description="Register a department. " + _roles("register-department"),
)
def register(body: DepartmentIn, app: App, caller: Caller) -> RecordedOut:
    return _out(app.register_department(caller, code=body.code, name=body.name))


@router.post(
    "/{code}/rename",
    response_model=RecordedOut,
    responses=problem_responses(
        descriptions={
            403: "Only hall administrators rename departments",
            404: "No such department",
            409: "Stale expected_version",
            422: "A bad body, or the name it has already",
        }
    ),
    description="Rename a department; its code stays. " + _roles("rename-department"),
)
def rename(code: DepartmentCode, body: RenameIn, app: App, caller: Caller) -> RecordedOut:
    recorded = app.rename_department(
        caller, code, name=body.name, reason=body.reason, expected_version=body.expected_version
    )
    return _out(recorded)
