"""The event-schema registry: complete, valid JSON Schema, and true to what is recorded."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError

from consumers.cloudevents import recorded_document, to_cloudevent
from domain.actor import Actor
from domain.anomalies.anomaly import Anomaly
from domain.anomalies.detection import Detection, anomaly_id
from domain.anomalies.interest import DeclaredInterest
from domain.application import HallApplication
from domain.case import EVENTS, CaseEvent
from domain.case.commands import (
    Accept,
    AnswerOpinion,
    Assign,
    CaseCommand,
    Complete,
    CompleteCallback,
    CompleteStep,
    Decide,
    EndSpecialProcedure,
    Material,
    OrderRectification,
    Rate,
    ReportRectification,
    RequestSupplement,
    Return,
    Skip,
    StartSpecialProcedure,
    Withdraw,
)
from domain.clock import SimulatedClock
from domain.department import Department
from domain.event_schemas import (
    OLDER_VERSIONS,
    cloudevent_schema,
    envelope_schema,
    registry,
)
from domain.events import ENVELOPE_FIELDS, ChainedEvent, event_type
from domain.hall_calendar import HallCalendar
from domain.inspector_access import InspectorAccess
from domain.service_item import ServiceItem
from domain.supervision_notice import SupervisionNotice
from tests.unit.conftest import (
    ADMIN,
    APPLICANT,
    APPROVER,
    CLERK,
    ITEM,
    KIOSK,
    OFFICER,
    applicant,
    make_app,
)
from tests.unit.conftest import submitted_case as new_case
from tests.unit.test_case_lifecycle import ACTIONS, ALLOWED, case_in

SUPERVISOR = Actor(id="sup-1", role="supervisor", department="HALL")
INSPECTOR = Actor(id="insp-1", role="inspector", department="HALL")
OLDER_TYPES = {
    "casetrail.case.submitted.v1",
    "casetrail.case.submitted.v2",
    "casetrail.case.accepted.v1",
    "casetrail.case.accepted.v2",
    "casetrail.case.supplement_requested.v1",
    "casetrail.case.not_accepted.v1",
    "casetrail.case.special_procedure_started.v1",
    "casetrail.case.suspended.v1",
    "casetrail.case.deadline_extended.v1",
    "casetrail.case.decided.v1",
    "casetrail.case.decided.v2",
    "casetrail.case.fee_charged.v1",
    "casetrail.case.certificate_issued.v1",
    "casetrail.case.completed.v1",
    "casetrail.case.completed.v2",
    "casetrail.case.completed.v3",
    "casetrail.case.step_completed.v1",
    "casetrail.case.rated.v1",
    "casetrail.case.rated.v2",
    "casetrail.service_item.registered.v1",
    "casetrail.service_item.revised.v1",
}


def recorded_event_classes() -> list[type[ChainedEvent]]:
    """Every recorded event class: the case's event classes that no other extends, and
    the other aggregates' nested event classes."""
    return [
        *_leaves(CaseEvent),
        *(
            value
            for aggregate in (
                ServiceItem,
                HallCalendar,
                Department,
                InspectorAccess,
                Anomaly,
                DeclaredInterest,
                SupervisionNotice,
            )
            for name, value in vars(aggregate).items()
            if isinstance(value, type)
            and issubclass(value, ChainedEvent)
            and not name.startswith("_")
        ),
    ]


def _leaves(base: type[ChainedEvent]) -> list[type[ChainedEvent]]:
    children = base.__subclasses__()
    return [leaf for child in children for leaf in _leaves(child)] if children else [base]


def test_the_case_lists_every_event_it_records() -> None:
    assert set(EVENTS) == set(_leaves(CaseEvent))
    assert len(EVENTS) == len(set(EVENTS))


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_every_event_class_is_registered_with_its_older_versions() -> None:
    classes = recorded_event_classes()
    # 49, the 8 timed events of supervision and the 3 of supervision notices
    assert len(classes) == 60
    current = {event_type(c): c for c in classes}
    assert set(registry()) == set(current) | OLDER_TYPES
    for type_, cls in current.items():
        schema = registry()[type_]
        assert schema.version == getattr(cls, "class_version", 1)
        assert f"casetrail.{schema.name}.v{schema.version}" == type_
        assert schema.aggregate == schema.name.split(".")[0]
        data = {f.name for f in fields(cls)} - ENVELOPE_FIELDS
        assert set(schema.schema["properties"]) == set(schema.schema["required"]) == data
        assert cls.__doc__ and "originator_id" not in schema.description
    assert {s.aggregate for s in registry().values()} == {
        "case",
        "service_item",
        "hall_calendar",
        "department",
        "inspector_access",
        "anomaly",
        "declared_interest",
        "supervision_notice",
    }
    assert registry()["casetrail.case.accepted.v3"].description.startswith("受理:")


def test_older_versions_differ_only_from_fields_the_current_class_has() -> None:
    for older in OLDER_VERSIONS:
        current = {f.name for f in fields(older.event_class)}
        assert set(older.lacked) | set(older.retyped) <= current
        assert not set(older.had) & current
        assert older.version < older.event_class.class_version  # type: ignore[attr-defined]
    accepted_v1 = registry()["casetrail.case.accepted.v1"].schema
    assert accepted_v1["required"] == ["actor"]
    completed_v1 = registry()["casetrail.case.completed.v1"].schema
    assert completed_v1["required"] == ["actor", "result"]
    completed_v2 = registry()["casetrail.case.completed.v2"].schema["properties"]
    assert completed_v2["days_used"] == {"type": "integer"} and "reason" not in completed_v2
    completed_v3 = registry()["casetrail.case.completed.v3"].schema["properties"]
    assert completed_v3["days_used"] == {"type": ["integer", "null"]}
    assert "statutory_days_used" not in completed_v3
    completed_v4 = registry()["casetrail.case.completed.v4"].schema["properties"]
    assert completed_v4["statutory_days_used"] == {"type": ["integer", "null"]}
    step_v1 = registry()["casetrail.case.step_completed.v1"].schema
    assert step_v1["required"] == ["actor", "step", "opinion", "comment"]
    step_v2 = registry()["casetrail.case.step_completed.v2"].schema["properties"]
    assert (step_v2["due_on"], step_v2["on_time"]) == (
        {"type": ["string", "null"]},
        {"type": ["boolean", "null"]},
    )


def test_every_schema_is_valid_json_schema() -> None:
    assert "date-time" in Draft202012Validator.FORMAT_CHECKER.checkers, "install rfc3339-validator"
    Draft202012Validator.check_schema(envelope_schema())
    for type_, schema in registry().items():
        Draft202012Validator.check_schema(schema.schema)
        Draft202012Validator.check_schema(cloudevent_schema(type_))


def test_field_types() -> None:
    properties = registry()["casetrail.case.fee_charged.v2"].schema["properties"]
    assert properties["amount_fen"] == {"type": "integer"}
    assert properties["listed_amount_fen"] == {"type": ["integer", "null"]}
    assert properties["override_reason"] == properties["legal_basis"] == {"type": "string"}
    assert "legal_basis" not in registry()["casetrail.case.fee_charged.v1"].schema["properties"]
    submitted = registry()["casetrail.case.submitted.v3"].schema["properties"]
    assert submitted["applicant"]["properties"] == {
        "kind": {"type": "string"},
        "display_name": {"type": "string"},
        "public_id": {"type": ["string", "null"]},
        "subject": {"type": "string"},
        "sealed": {"type": "string"},
    }
    assert submitted["applicant"]["additionalProperties"] is False
    assert submitted["materials"] == {"type": "array", "items": {"type": "object"}}
    older = registry()["casetrail.case.submitted.v2"].schema["properties"]
    assert older["applicant"] == {"type": "object"}
    assert older["query_code_hash"] == {"type": "string"}
    assert "query_code_hash" not in submitted
    assert registry()["casetrail.case.decided.v3"].schema["properties"]["reasons"] == {
        "type": "array",
        "items": {"type": "string"},
    }
    assert registry()["casetrail.case.decided.v3"].schema["properties"]["skipped_steps"] == {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"step": {"type": "string"}, "reason": {"type": "string"}},
            "required": ["reason", "step"],
            "additionalProperties": False,
        },
    }
    rated = registry()["casetrail.case.rated.v3"].schema["properties"]
    assert (rated["rated_by"], rated["device"]) == (
        {"type": "string"},
        {"type": ["string", "null"]},
    )
    assert registry()["casetrail.case.suspended.v1"].schema["properties"]["reason"] == {
        "type": "string"
    }


def _run_every_transition(app: HallApplication) -> None:
    """Every allowed (state, action) of the lifecycle table, on cases saved in ``app``."""
    for state, action in ALLOWED:
        case = case_in(state, new_case)
        ACTIONS[action](case)
        app.save(case)


def _run_through_the_application(app: HallApplication) -> None:
    """Item changes, the calendar, deadline recomputation, returns and rectification."""
    revised = ITEM.to_data() | {"promised_limit": {"days": 3, "unit": "G"}}
    app.change_item("revise-item", ITEM.code, ADMIN, content=revised, reason="承诺时限压缩")
    for action in ("suspend-item", "resume-item", "retire-item"):
        app.change_item(action, "JT-001", ADMIN, reason="r")
    provisional = app.submit(
        CLERK, item_code="ZJ-001", channel="window", applicant=applicant(), materials=[]
    )
    app.handle(Accept(), provisional.aggregate_id, CLERK)
    app.publish_calendar_year(
        ADMIN, year=2027, holidays=[date(2027, 1, 1)], makeup_workdays=[], notice="通知"
    )
    app.rename_department(ADMIN, "SCJG", name="市场监管局", reason="机构改革")
    case_id = app.submit(
        CLERK, item_code=ITEM.code, channel="online", applicant=applicant(), materials=[]
    ).aggregate_id
    commands: list[tuple[CaseCommand, Actor]] = [
        (Accept(), CLERK),
        (Assign(assignee="officer-1"), OFFICER),
        (CompleteStep(step="审查", opinion="disagree"), OFFICER),
        (Return(to_step="审查", reason="材料有误"), APPROVER),
        (AnswerOpinion(step="审查", answer="退回重审，意见已采纳"), APPROVER),
        (Rate(stage="acceptance", level=1, comment="等候太久"), APPLICANT),
        (OrderRectification(stage="acceptance", instructions="优化叫号"), SUPERVISOR),
        (ReportRectification(stage="acceptance", measures="增加窗口"), OFFICER),
        (CompleteCallback(stage="acceptance", satisfied=True), SUPERVISOR),
        (
            Decide(
                outcome="denied",
                reasons=["不符"],
                legal_basis="b",
                appeal_notice="六十日内可申请行政复议",
                skipped_steps=[Skip(s, "当场决定") for s in ("审查", "决定")],
            ),
            APPROVER,
        ),
    ]
    for command, actor in commands:
        app.handle(command, case_id, actor)
    never = app.submit(
        CLERK, item_code=ITEM.code, channel="kiosk", applicant=applicant(), materials=[]
    ).aggregate_id
    app.handle(RequestSupplement(missing=[Material(code="M2", name="执照")]), never, CLERK)
    app.handle(Complete(result="never_completed", reason="逾期未补正"), never, OFFICER)
    app.handle(Rate(stage="closure", level=4), never, KIOSK)
    unanswered = app.submit(
        CLERK, item_code=ITEM.code, channel="window", applicant=applicant(), materials=[]
    )
    assert isinstance(app.clock, SimulatedClock)
    app.clock.advance(timedelta(days=10))  # no supplement notice within 5 working days
    waiting = app.get_case(unanswered.aggregate_id)
    item = app.service_item(ITEM.code)
    waiting.deem_accepted(
        at=app.clock.now(),
        actor=SUPERVISOR,
        revision=item.revision,
        terms=item.content,
        calendar=app.calendar(),
    )
    app.save(waiting)
    app.erase_applicant(
        ADMIN, id_number=applicant()["id_number"], reason="申请删除", legal_basis="PIPL 47"
    )
    app.record_access(
        INSPECTOR,
        read="case-trail",
        parameters={"case_id": str(case_id)},
        case_file="纪检案卷 2026-001",
        case_id=str(case_id),
    )
    _run_the_audit(app, waiting.id)
    _run_a_notice(app, waiting.id)
    _run_the_sweeper(app)


def _run_the_sweeper(app: HallApplication) -> None:
    """Every timed event of supervision, recorded by the sweeper day after day: a
    special procedure overdue then ended, a poor rating's rectification overdue, a case
    yellow then red then closed, and its stages deemed satisfied."""
    assert isinstance(app.clock, SimulatedClock)
    ids = []
    for _ in range(3):
        case_id = app.submit(
            CLERK, item_code="SCJG-002", channel="window", applicant=applicant(), materials=[]
        ).aggregate_id
        app.handle(Accept(), case_id, CLERK)
        ids.append(case_id)
    procedure, rectified, late = ids
    app.handle(
        StartSpecialProcedure(kind="inspection", expected_days=1, notice="勘查"), procedure, OFFICER
    )
    app.handle(Rate(stage="acceptance", level=1, comment="慢"), rectified, APPLICANT)
    app.handle(OrderRectification(stage="acceptance", instructions="改"), rectified, SUPERVISOR)
    for day in range(40):
        app.clock.advance(timedelta(days=1))
        app.record_due(ids)
        if day == 5:
            app.handle(EndSpecialProcedure(result="完毕"), procedure, OFFICER)
    app.handle(Withdraw(reason="撤回"), late, OFFICER)
    app.clock.advance(timedelta(days=20))
    swept = app.record_due(ids)
    assert {d.rule for s in swept for d in s.recorded} >= {"deemed_satisfied"}


def _run_a_notice(app: HallApplication, case_id: Any) -> None:
    """A supervision notice issued, escalated unanswered, then answered late."""
    notice, respond_by = app.issue_notice(SUPERVISOR, case_id=case_id, text="请说明进度")
    app.escalate_notice(notice.aggregate_id, respond_by + timedelta(days=1))
    app.respond_notice(APPROVER, notice.aggregate_id, text="已办理")


def _run_the_audit(app: HallApplication, case_id: Any) -> None:
    """Two anomalies (one confirmed, one dismissed) and a declared interest withdrawn and
    declared again."""
    for occurrence, confirmed in (("v1", True), ("v2", False)):
        detection = Detection(
            id=anomaly_id("I01", str(case_id), occurrence),
            rule="I01",
            category="integrity",
            level="info",
            case_id=str(case_id),
            case_no="SCJG-20261210-0001",
            department="SCJG",
            officers=["clerk-1"],
            occurrence=occurrence,
            evidence={"events": [], "measured": {}, "thresholds": {}},
        )
        assert app.record_detections([detection]) == [detection]
        assert app.record_detections([detection]) == []
        app.decide_anomaly(INSPECTOR, detection.id, confirmed=confirmed, text="核实")
    declared = app.declare_interest(
        OFFICER, applicant_kind="person", id_number="110101199001019999", relation="配偶"
    )
    app.withdraw_interest(OFFICER, declared.aggregate_id, reason="申报有误")
    app.declare_interest(
        OFFICER, applicant_kind="person", id_number="110101199001019999", relation="配偶"
    )


@pytest.fixture(scope="module")
def cloudevents() -> list[dict[str, Any]]:
    """Every event of an in-memory run, as the relay would publish it."""
    app = make_app(datetime(2026, 12, 10, 2, 0, tzinfo=UTC))  # deadlines run into 2027
    _run_every_transition(app)
    _run_through_the_application(app)
    return [
        to_cloudevent(recorded_document(n, app.mapper), position=n.id, hall="demo-hall")
        for n in app.recorder.select_notifications(start=None, limit=100_000)
    ]


def test_a_real_run_covers_nearly_every_type(cloudevents: list[dict[str, Any]]) -> None:
    seen = {e["type"] for e in cloudevents}
    assert set(registry()) - seen == OLDER_TYPES
    assert any(e["data"]["actor"].get("simulated") for e in cloudevents)


def test_recorded_events_match_their_schemas(cloudevents: list[dict[str, Any]]) -> None:
    envelope = validator(envelope_schema())
    for event in cloudevents:
        envelope.validate(event)
        validator(registry()[event["type"]].schema).validate(event["data"])
        validator(cloudevent_schema(event["type"])).validate(event)


def _one(cloudevents: list[dict[str, Any]], type_: str) -> dict[str, Any]:
    return next(e for e in cloudevents if e["type"] == type_)


@pytest.mark.parametrize(
    ("type_", "change"),
    [
        ("casetrail.case.decided.v3", {"extra": 1}),
        ("casetrail.case.decided.v3", {"reasons": "one string"}),
        ("casetrail.case.decided.v3", {"appeal_notice": None}),
        ("casetrail.case.decided.v3", {"skipped_steps": [{"step": "审查"}]}),
        ("casetrail.case.fee_charged.v2", {"amount_fen": "100"}),
        ("casetrail.case.fee_charged.v2", {"amount_fen": True}),
        ("casetrail.case.fee_charged.v2", {"legal_basis": None}),
        ("casetrail.case.rated.v3", {"level": "5"}),
        ("casetrail.case.rated.v3", {"comment": "等候太久"}),
        ("casetrail.case.rated.v3", {"rated_by": None}),
        ("casetrail.case.completed.v4", {"reason": None}),
        ("casetrail.case.completed.v4", {"statutory_days_used": "3"}),
        ("casetrail.case.step_completed.v2", {"on_time": "yes"}),
        ("casetrail.case.disagreement_answered.v1", {"answer": None}),
        ("casetrail.case.accepted.v3", {"terms": []}),
        ("casetrail.case.accepted.v3", {"actor": {"id": "x", "role": "clerk"}}),
        ("casetrail.case.accepted.v3", {"actor": {**CLERK.as_dict(), "simulated": False}}),
        ("casetrail.case.accepted.v3", {"actor": {**CLERK.as_dict(), "name": "张三"}}),
        ("casetrail.case.accepted.v3", {"statutory_limit": None}),
        ("casetrail.case.not_accepted.v2", {"competent_authority": 1}),
        ("casetrail.case.deadline_extended.v2", {"approval_ref": None}),
        ("casetrail.hall_calendar.year_published.v1", {"holidays": [20270101]}),
    ],
)
def test_a_wrong_data_object_fails(
    cloudevents: list[dict[str, Any]], type_: str, change: dict[str, Any]
) -> None:
    data = _one(cloudevents, type_)["data"] | change
    with pytest.raises(ValidationError):
        validator(registry()[type_].schema).validate(data)


def test_a_data_object_missing_a_field_fails(cloudevents: list[dict[str, Any]]) -> None:
    data = dict(_one(cloudevents, "casetrail.case.submitted.v3")["data"])
    del data["item_revision"]
    with pytest.raises(ValidationError, match="item_revision"):
        validator(registry()["casetrail.case.submitted.v3"].schema).validate(data)
    data["applicant"] = {k: v for k, v in data["applicant"].items() if k != "sealed"}
    with pytest.raises(ValidationError, match="sealed"):
        validator(registry()["casetrail.case.submitted.v3"].schema).validate(data)


@pytest.mark.parametrize(
    "change",
    [
        {"specversion": "0.3"},
        {"id": "not-a-uuid"},
        {"time": "yesterday"},
        {"caseversion": 0},
        {"hash": "ABC"},
        {"extension": "x"},
    ],
)
def test_a_wrong_envelope_fails(cloudevents: list[dict[str, Any]], change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        validator(envelope_schema()).validate(cloudevents[0] | change)


def test_a_cloudevent_schema_is_for_one_type(cloudevents: list[dict[str, Any]]) -> None:
    decided = _one(cloudevents, "casetrail.case.decided.v3")
    with pytest.raises(ValidationError):
        validator(cloudevent_schema("casetrail.case.accepted.v3")).validate(decided)


def test_decided_v1_and_v2_have_their_own_shapes(cloudevents: list[dict[str, Any]]) -> None:
    v3 = _one(cloudevents, "casetrail.case.decided.v3")["data"]
    v2 = {k: v for k, v in v3.items() if k != "skipped_steps"}
    v1 = {k: v for k, v in v2.items() if k != "appeal_notice"} | {"reasons": "不符"}
    schemas = [validator(registry()[f"casetrail.case.decided.v{n}"].schema) for n in (1, 2, 3)]
    for version, (schema, data) in enumerate(zip(schemas, (v1, v2, v3), strict=True)):
        schema.validate(data)
        for other in (v1, v2, v3)[:version] + (v1, v2, v3)[version + 1 :]:
            with pytest.raises(ValidationError):
                schema.validate(other)


def test_the_registry_is_built_once() -> None:
    assert registry() is registry()
