"""Personal data: erasing an applicant's data (crypto-shredding)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import App, Caller
from api.openapi import problem_responses
from api.schemas import CommandOut, ErasureIn, ErasureOut
from domain.authorization import allowed_roles

router = APIRouter(prefix="/api/v1/privacy", tags=["privacy"])


@router.post(
    "/erasures",
    status_code=201,
    response_model=ErasureOut,
    responses={
        200: {"description": "Erased before: nothing new recorded"},
        **problem_responses(
            descriptions={
                403: "Only " + ", ".join(sorted(allowed_roles("erase-applicant"))),
                404: "No case has an applicant with that ID number",
            }
        ),
    },
)
def erase(body: ErasureIn, app: App, caller: Caller, response: Response) -> ErasureOut:
    """Erase an applicant's personal data: an `ApplicantDataErased` event on each of its
    cases (the keyed hash, reason, legal basis and actor; no personal data), then its
    data keys are destroyed. Its sealed fields can never be opened again, anywhere,
    while every hash chain still verifies."""
    erasure = app.erase_applicant(
        caller, id_number=body.id_number, reason=body.reason, legal_basis=body.legal_basis
    )
    if not erasure.recorded:
        response.status_code = 200
    return ErasureOut(
        subject=erasure.subject,
        case_ids=erasure.case_ids,
        recorded=[
            CommandOut(case_id=r.aggregate_id, version=r.version, position=r.position)
            for r in erasure.recorded
        ],
    )
