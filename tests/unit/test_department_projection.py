"""The published departments: each department event's effect on its view."""

from __future__ import annotations

from domain.application import HallApplication
from domain.department import Department
from projections.departments import apply
from tests.unit.conftest import ADMIN, CLERK, applicant, cloudevents

SCJG = Department.id_for("SCJG")


def view_after(app: HallApplication) -> dict | None:
    view = None
    for event in cloudevents(app, SCJG):
        view = apply(view, event)
    return view


def test_registration_publishes_the_code_and_name(app: HallApplication) -> None:
    (registered,) = cloudevents(app, SCJG)
    assert view_after(app) == {
        "department_id": str(SCJG),
        "code": "SCJG",
        "name": "市场监督管理局",
        "version": 1,
        "position": registered["position"],
    }


def test_a_rename_replaces_the_name_and_publishes_nobody(app: HallApplication) -> None:
    app.rename_department(ADMIN, "SCJG", name="市场监管局", reason="机构改革（内部文号）")
    view = view_after(app)
    assert view is not None
    assert (view["code"], view["name"], view["version"]) == ("SCJG", "市场监管局", 2)
    assert view["position"] == cloudevents(app, SCJG)[-1]["position"]
    assert "admin" not in str(view) and "机构改革" not in str(view)


def test_other_events_change_nothing(app: HallApplication) -> None:
    view = view_after(app)
    done = app.submit(
        CLERK, item_code="SCJG-001", channel="window", applicant=applicant(), materials=[]
    )
    (submitted,) = cloudevents(app, done.aggregate_id)
    assert apply(view, submitted) is view and apply(None, submitted) is None
    unknown = {**cloudevents(app, SCJG)[0], "type": "casetrail.department.merged.v1"}
    assert apply(view, unknown) is view and apply(None, unknown) is None
