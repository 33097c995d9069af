"""The power list (权力清单): register items, read them, revise, suspend, resume, retire."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response

from api.deps import App, Caller, Pool
from api.idempotency import IdempotencyKey, run_keyed
from api.openapi import problem_responses
from api.params import ItemCode
from api.public_views import ServiceItemOut
from api.schemas import CommandIn, ItemChangeIn, ItemContentIn, ItemReviseIn, RecordedOut
from domain.authorization import allowed_roles
from domain.errors import InvalidCommand
from domain.recorded import Recorded, RequestKey

router = APIRouter(prefix="/api/v1/service-items", tags=["service items"])
ERRORS = problem_responses(
    descriptions={
        403: "Only hall administrators edit the power list",
        409: "Invalid transition, already registered, or stale expected_version",
        422: "The content breaks the schema or a rule of the power list",
    }
)
BODIES: dict[str, type[CommandIn]] = {
    "revise": ItemReviseIn,
    "suspend": ItemChangeIn,
    "resume": ItemChangeIn,
    "retire": ItemChangeIn,
}


def _out(recorded: Recorded) -> dict[str, Any]:
    return RecordedOut(
        id=recorded.aggregate_id, version=recorded.version, position=recorded.position
    ).model_dump(mode="json")


@router.post(
    "",
    status_code=201,
    response_model=RecordedOut,
    responses=ERRORS,
    description="Register an item (its whole content, see GET). Allowed roles: "
    + ", ".join(sorted(allowed_roles("register-item")))
    + ".",
)
def register(content: ItemContentIn, app: App, caller: Caller) -> dict[str, Any]:
    return _out(app.register_item(caller, content.model_dump()))


@router.get(
    "/{code}",
    response_model=ServiceItemOut,
    responses=problem_responses(descriptions={404: "No such item"}),
)
def read(code: ItemCode, app: App) -> dict[str, Any]:
    """The item's current content, state and revision history (public)."""
    try:
        item = app.service_item(code)
    except InvalidCommand:
        raise HTTPException(404, f"no service item '{code}'") from None
    return {
        "code": item.code,
        "status": item.status,
        "revision": item.revision,
        "version": item.version,
        "content": item.content.to_data(),
        "revisions": [{"revision": r, "at": at} for r, at in item.revisions],
    }


def _change_route(action: str, body_model: type[CommandIn]) -> None:
    def route(
        code: ItemCode,
        body: body_model,  # type: ignore[valid-type]
        app: App,
        caller: Caller,
        pool: Pool,
        request: Request,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        command_body: CommandIn = body
        fields = command_body.model_dump()
        expected = fields.pop("expected_version")

        def command(claim: RequestKey | None) -> Recorded:
            return app.change_item(
                f"{action}-item", code, caller, expected_version=expected, request=claim, **fields
            )

        body_data = command_body.model_dump(mode="json")
        return _out(
            run_keyed(request, response, pool, caller.id, idempotency_key, body_data, command)
        )

    route.__name__ = f"{action}_item"
    router.add_api_route(
        f"/{{code}}/{action}",
        route,
        methods=["POST"],
        response_model=RecordedOut,
        responses=ERRORS,
        summary=f"{action} an item",
        description=(body_model.__doc__ or "").strip()
        + " Allowed roles: "
        + ", ".join(sorted(allowed_roles(f"{action}-item")))
        + ".",
    )


for _action, _body in BODIES.items():
    _change_route(_action, _body)
