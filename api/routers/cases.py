"""Staff commands on cases, and the staff read of one case."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from api.deps import App, Caller
from api.schemas import (
    CommandIn,
    CommandOut,
    CompleteIn,
    DecideIn,
    NotAcceptIn,
    SubmitIn,
    SubmitOut,
    WithdrawIn,
)
from domain.application import Recorded

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    404: {"description": "No such case"},
    409: {"description": "Invalid transition, or stale expected_version"},
    422: {"description": "The body breaks the schema or a domain rule"},
}


def _out(recorded: Recorded) -> CommandOut:
    return CommandOut(
        case_id=recorded.case_id, version=recorded.version, position=recorded.position
    )


@router.post("", status_code=201, response_model=SubmitOut, responses=ERRORS)
def submit(body: SubmitIn, app: App, caller: Caller) -> SubmitOut:
    """收件: receive a new case; the query code is returned only here."""
    done = app.submit(
        caller,
        item_code=body.item_code,
        channel=body.channel,
        applicant=body.applicant.model_dump(),
        materials=[m.model_dump() for m in body.materials],
    )
    return SubmitOut(
        case_id=done.case_id,
        version=done.version,
        position=done.position,
        case_no=done.case_no,
        query_code=done.query_code,
    )


@router.post("/{case_id}/accept", response_model=CommandOut, responses=ERRORS)
def accept(case_id: UUID, app: App, caller: Caller, body: CommandIn | None = None) -> CommandOut:
    """受理: accept the case; the clock starts."""
    expected = body.expected_version if body else None
    return _out(app.accept(case_id, caller, expected_version=expected))


@router.post("/{case_id}/not-accept", response_model=CommandOut, responses=ERRORS)
def not_accept(case_id: UUID, body: NotAcceptIn, app: App, caller: Caller) -> CommandOut:
    """不予受理: refuse with reason and legal basis."""
    return _out(
        app.not_accept(
            case_id,
            caller,
            reason=body.reason,
            legal_basis=body.legal_basis,
            expected_version=body.expected_version,
        )
    )


@router.post("/{case_id}/decide", response_model=CommandOut, responses=ERRORS)
def decide(case_id: UUID, body: DecideIn, app: App, caller: Caller) -> CommandOut:
    """决定: approve, or deny with reasons and legal basis."""
    return _out(
        app.decide(
            case_id,
            caller,
            outcome=body.outcome,
            reasons=body.reasons,
            legal_basis=body.legal_basis,
            expected_version=body.expected_version,
        )
    )


@router.post("/{case_id}/complete", response_model=CommandOut, responses=ERRORS)
def complete(case_id: UUID, app: App, caller: Caller, body: CompleteIn | None = None) -> CommandOut:
    """办结: close the case with a closure result."""
    body = body or CompleteIn()
    return _out(
        app.complete(case_id, caller, result=body.result, expected_version=body.expected_version)
    )


@router.post("/{case_id}/withdraw", response_model=CommandOut, responses=ERRORS)
def withdraw(case_id: UUID, app: App, caller: Caller, body: WithdrawIn | None = None) -> CommandOut:
    """撤回: the applicant withdraws an open case."""
    body = body or WithdrawIn()
    return _out(
        app.withdraw(case_id, caller, reason=body.reason, expected_version=body.expected_version)
    )


@router.get("/{case_id}", responses=ERRORS)
def read(case_id: UUID, app: App, caller: Caller) -> dict[str, Any]:
    """The staff view of a case, from its events."""
    case = app.get_case(case_id)
    return {
        "case_id": case.id,
        "case_no": case.case_no,
        "status": case.status,
        "version": case.version,
        "item_code": case.item_code,
        "item_name": case.item_name,
        "department": case.department,
        "channel": case.channel,
        "applicant": case.applicant,
        "materials": case.materials,
        "outcome": case.outcome,
        "result": case.result,
        "submitted_at": case.submitted_at,
        "accepted_at": case.accepted_at,
        "decided_at": case.decided_at,
        "closed_at": case.closed_at,
        "head_hash": case.head_hash,
    }
