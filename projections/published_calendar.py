"""The working-day calendar as the hall published it: each year's holidays and 调休
make-up working days, the latest publication of a year replacing the earlier one.

Pure: ``apply(view, event)`` returns the new view (one per hall calendar).
"""

from __future__ import annotations

from typing import Any

SCHEDULE_FIELDS = ("holidays", "makeup_workdays", "notice")


def apply(view: dict[str, Any] | None, event: dict[str, Any]) -> dict[str, Any] | None:
    """The calendar's view after ``event`` (a CloudEvent); other types change nothing."""
    _, stream, kind, _ = event["type"].split(".")
    if stream != "hall_calendar":
        return view
    if kind == "opened":
        view = {"calendar_id": event["subject"], "years": {}}
    if view is None:
        return None
    data = event["data"]
    if kind == "year_published":
        schedule = {name: data[name] for name in SCHEDULE_FIELDS}
        view = {**view, "years": {**view["years"], str(data["year"]): schedule}}
    elif kind != "opened":
        return view
    return {**view, "version": event["caseversion"], "position": event["position"]}
