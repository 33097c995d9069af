"""The working-day calendar: published years, and how a hall administrator publishes one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.deps import App, Caller
from api.openapi import problem_responses
from api.schemas import CalendarYearIn, RecordedOut

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])


@router.post(
    "/years",
    status_code=201,
    response_model=RecordedOut,
    responses={
        200: {"description": "Already published as given: nothing new recorded"},
        **problem_responses(descriptions={403: "Only hall administrators publish"}),
    },
)
def publish_year(body: CalendarYearIn, app: App, caller: Caller, response: Response) -> RecordedOut:
    """Publish (or correct) a year's holidays and make-up working days (hall_admin).

    Open cases whose deadlines change get an explicit DeadlineRecomputed event. Sending
    a publication again (a retry) records nothing new and answers 200, after finishing
    any recomputation an interrupted first attempt left undone."""
    publication = app.publish_calendar_year(
        caller,
        year=body.year,
        holidays=body.holidays,
        makeup_workdays=body.makeup_workdays,
        notice=body.notice,
    )
    if not publication.new:
        response.status_code = 200
    return RecordedOut(
        id=publication.aggregate_id, version=publication.version, position=publication.position
    )


@router.get("/years")
def published_years(app: App) -> dict[str, Any]:
    """The years whose schedule is published; deadlines beyond them are provisional."""
    return {"published_years": list(app.calendar().published_years)}
