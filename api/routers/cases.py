"""Staff commands on cases (one path per command), and the staff read of one case.

No ``from __future__ import annotations`` here: a route per declared case command is
built in a loop, and FastAPI reads their annotations at definition time.
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.case_view import CaseView, case_state_view
from api.command_bodies import body_model, to_command
from api.deps import App, Caller, Pool
from api.idempotency import IdempotencyKey, run_keyed
from api.metrics import PERSONAL_DATA_DECRYPTIONS
from api.openapi import problem_responses
from api.schemas import CommandIn, CommandOut, SubmitIn, SubmitOut
from domain.authorization import allowed_roles
from domain.case import local_date
from domain.case.commands import CASE_COMMANDS, CaseCommand
from domain.recorded import Recorded, RequestKey, Submission
from infra import quarantine

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
ERRORS = problem_responses(
    descriptions={
        404: "No such case",
        409: "Invalid transition, stale expected_version, or a key in progress",
        422: "The body breaks the schema or a domain rule, or a reused key",
    }
)


def _roles(action: str) -> str:
    return "Allowed roles: " + ", ".join(sorted(allowed_roles(action))) + "."


def _out(recorded: Recorded) -> dict[str, Any]:
    if isinstance(recorded, Submission):
        return SubmitOut(
            case_id=recorded.aggregate_id,
            version=recorded.version,
            position=recorded.position,
            case_no=recorded.case_no,
            query_code=recorded.query_code,
        ).model_dump(mode="json")
    return CommandOut(
        case_id=recorded.aggregate_id, version=recorded.version, position=recorded.position
    ).model_dump(mode="json")


@router.post(
    "",
    status_code=201,
    response_model=SubmitOut,
    responses=ERRORS,
    description="收件: receive a new case; the query code is returned only here. "
    + _roles("submit"),
)
def submit(
    body: SubmitIn,
    app: App,
    caller: Caller,
    pool: Pool,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    def command(claim: RequestKey | None) -> Recorded:
        return app.submit(
            caller,
            item_code=body.item_code,
            channel=body.channel,
            applicant=body.applicant.model_dump(),
            materials=[m.model_dump() for m in body.materials],
            request=claim,
        )

    return _out(
        run_keyed(
            request,
            response,
            pool,
            caller.id,
            idempotency_key,
            body.model_dump(mode="json"),
            command,
        )
    )


def _command_route(command: type[CaseCommand]) -> None:
    model = body_model(command)
    optional = not any(f.is_required() for f in model.model_fields.values())

    def route(
        case_id: UUID,
        app: App,
        caller: Caller,
        pool: Pool,
        request: Request,
        response: Response,
        body: model = None if optional else ...,  # type: ignore[valid-type]
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        command_body: CommandIn = body or model()
        given = to_command(command, command_body)

        def run(claim: RequestKey | None) -> Recorded:
            return app.handle(
                given,
                case_id,
                caller,
                expected_version=command_body.expected_version,
                request=claim,
            )

        body_data = command_body.model_dump(mode="json")
        return _out(run_keyed(request, response, pool, caller.id, idempotency_key, body_data, run))

    route.__name__ = command.ACTION.replace("-", "_")
    router.add_api_route(
        f"/{{case_id}}/{command.ACTION}",
        route,
        methods=["POST"],
        response_model=CommandOut,
        responses=ERRORS,
        summary=command.ACTION,
        description=(command.__doc__ or "").strip() + " " + _roles(command.ACTION),
    )


for _command in CASE_COMMANDS:
    _command_route(_command)


CaseFile = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="Supervisors and inspectors: the case file (案卷) reference for which "
        "they need the applicant's personal data; recorded (an inspector's read also as an "
        "InspectorAccess event, in the access log). Without it they see it masked.",
    ),
]


@router.get(
    "/{case_id}",
    response_model=CaseView,
    responses=ERRORS,
    description=_roles("read-case")
    + " The applicant's personal data is decrypted for the staff handling the case; "
    "supervisors and inspectors see it masked unless they give `case_file`; "
    "an erased applicant shows `erased: true` and null personal fields.",
)
def read(
    case_id: UUID, app: App, caller: Caller, pool: Pool, case_file: CaseFile = None
) -> dict[str, Any]:
    """The staff view of a case, from its events; ``quarantine`` lists the messages about
    it that the views refused and that still wait for an operator's decision."""
    case = app.read_case(case_id, caller)
    with pool.connection() as conn:
        held = quarantine.held_for_case(conn, case_id)
    applicant = app.applicant_view(caller, case, case_file)
    calendar, today = app.calendar(), local_date(app.clock.now())
    if applicant.opened_for:
        PERSONAL_DATA_DECRYPTIONS.labels(role=caller.role, purpose=applicant.opened_for).inc()
    return {
        **case_state_view(case, applicant.applicant, calendar, today),
        "quarantine": [
            {"id": h.id, "reason": h.reason, "held_at": h.held_at, "offset": h.offset} for h in held
        ],
    }
