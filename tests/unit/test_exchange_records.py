"""The exchange records of a handful of cases, against records written by hand; their
versions, codes and schemas."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import jsonschema
import orjson
import pytest

from domain.actor import Actor
from domain.application import HallApplication
from domain.case.commands import (
    Accept,
    Assign,
    CaseCommand,
    Complete,
    CompleteStep,
    Decide,
    Deliver,
    EndSpecialProcedure,
    Extend,
    IssueCertificate,
    Material,
    NotAccept,
    ProvideSupplement,
    RequestSupplement,
    StartSpecialProcedure,
)
from domain.clock import SimulatedClock
from domain.errors import InvalidCommand
from domain.exchange.mapping import RecordVersion, approval_message, step
from domain.exchange.records import RECORD_TYPES, approval_schema, record_schema
from tests.unit.conftest import APPROVER, CLERK, ITEM, OFFICER, applicant, cloudevents

NO = "SCJG-20260302-0001"  # 申办流水号 of the first case
T = "2026-03-02T{:02d}:00:00+00:00".format  # the hour each step is taken at (UTC)
SOURCE = "/casetrail/test"
FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


class Journey:
    """One case through the application, an hour between steps (from 01:00 UTC)."""

    def __init__(self, app: HallApplication, materials: list[dict[str, str]] | None = None):
        self.app = app
        self.case_id: UUID = app.submit(
            CLERK,
            item_code=ITEM.code,
            channel="window",
            applicant=applicant(),
            materials=[{"code": "M1", "name": "申请书"}] if materials is None else materials,
        ).aggregate_id

    def then(self, command: CaseCommand, actor: Actor) -> Journey:
        assert isinstance(self.app.clock, SimulatedClock)
        self.app.clock.advance(timedelta(hours=1))
        self.app.handle(command, self.case_id, actor)
        return self

    def exported(self) -> tuple[list[RecordVersion], list[dict[str, Any]]]:
        """Every record version and approval, folding the case's events one by one."""
        sheet, versions, approvals = None, [], []
        for event in cloudevents(self.app, self.case_id):
            sheet, made, approval = step(sheet, event)
            versions += made
            if approval is not None:
                message = approval_message(approval, event["id"], event["time"], SOURCE)
                approvals.append(message)
        return versions, approvals


def as_written(versions: list[RecordVersion]) -> list[tuple[str, int, dict[str, Any]]]:
    return [(v.record_id, v.version, v.content) for v in versions]


def basic(status: int | None, decided_hour: int | None) -> dict[str, Any]:
    return {
        "item_code": "SCJG-001",
        "item_name": "食品经营许可",
        "department": "SCJG",
        "channel": "window",
        "applicant_kind": "person",
        "applicant_name": "张*丰",
        "received_at": T(1),
        "acceptance_status": status,
        "acceptance_at": None if decided_hour is None else T(decided_hour),
    }


MATERIALS = {
    "materials": [{"code": "M1", "name": "申请书", "supplemented": False}],
    "missing": [],
    "supplement": "none",
    "supplement_requested_at": None,
    "supplement_provided_at": None,
}


def process(hour: int, step_name: str, who: str, role: str, text: str = "") -> dict[str, Any]:
    return {
        "action": "step",
        "step": step_name,
        "officer_id": who,
        "officer_role": role,
        "department": "SCJG",
        "opinion": "agree",
        "opinion_text": text,
        "at": T(hour),
        "on_time": True,
    }


def result(hour: int, outcome: str, **more: Any) -> dict[str, Any]:
    return {
        "outcome": outcome,
        "decided_at": T(hour),
        "decided_by": "approver-1",
        "reasons": [],
        "legal_basis": "",
        "certificate_no": None,
        "valid_from": None,
        "valid_until": None,
        "delivery_method": None,
        "delivered_at": None,
        **more,
    }


def closure(hour: int, code: int, kind: str = "completed", **more: Any) -> dict[str, Any]:
    return {
        "result_code": code,
        "closure": kind,
        "closed_at": T(hour),
        "days_used": 0,
        "days_unit": "G",
        "on_time": True,
        "statutory_days_used": 0,
        "on_time_statutory": True,
        "reason": "",
        **more,
    }


def reviewed(app: HallApplication) -> Journey:
    """Accepted at 02:00, assigned at 03:00, reviewed at 04:00 and agreed at 05:00."""
    return (
        Journey(app)
        .then(Accept(), CLERK)
        .then(Assign(assignee="officer-1"), OFFICER)
        .then(CompleteStep(step="审查", opinion="agree", comment="材料齐全"), OFFICER)
        .then(CompleteStep(step="决定", opinion="agree"), APPROVER)
    )


def test_an_approval_with_its_certificate(app: HallApplication) -> None:
    journey = (
        reviewed(app)
        .then(Decide(outcome="approved"), APPROVER)
        .then(IssueCertificate(certificate_no="JY-0001", valid_until=date(2031, 3, 1)), CLERK)
        .then(Deliver(method="window"), CLERK)
        .then(Complete(), OFFICER)
    )
    versions, approvals = journey.exported()
    certified = {
        "certificate_no": "JY-0001",
        "valid_from": "2026-03-02",
        "valid_until": "2031-03-01",
    }
    assert as_written(versions) == [
        (f"{NO}:basic", 1, basic(1, 2)),
        (f"{NO}:materials", 1, MATERIALS),
        (f"{NO}:process:4", 1, process(4, "审查", "officer-1", "officer", "材料齐全")),
        (f"{NO}:process:5", 1, process(5, "决定", "approver-1", "approver")),
        (f"{NO}:result", 1, result(6, "approved")),
        (f"{NO}:result", 2, result(6, "approved", **certified)),
        (
            f"{NO}:result",
            3,
            result(6, "approved", **certified, delivery_method="window", delivered_at=T(8)),
        ),
        (f"{NO}:closure", 1, closure(9, 0)),
    ]
    assert [a["data"] for a in approvals] == [
        {
            "case_no": NO,
            "item_code": "SCJG-001",
            "item_name": "食品经营许可",
            "department": "SCJG",
            "decided_on": "2026-03-02",
            **certified,
            "applicant_kind": "person",
            "applicant_name": "张*丰",
            "issued_at": T(7),
        }
    ]


def test_a_denial(app: HallApplication) -> None:
    denial = Decide(
        outcome="denied",
        reasons=["经营场所不符合要求"],
        legal_basis="《食品经营许可管理办法》第十一条",
        appeal_notice="可于六十日内申请行政复议",
    )
    versions, approvals = (
        reviewed(app)
        .then(denial, APPROVER)
        .then(Deliver(method="post"), CLERK)
        .then(Complete(), OFFICER)
        .exported()
    )
    denied = result(
        6,
        "denied",
        reasons=["经营场所不符合要求"],
        legal_basis="《食品经营许可管理办法》第十一条",
    )
    assert as_written(versions)[4:] == [
        (f"{NO}:result", 1, denied),
        (f"{NO}:result", 2, {**denied, "delivery_method": "post", "delivered_at": T(7)}),
        (f"{NO}:closure", 1, closure(8, 6)),
    ]
    assert approvals == []


@pytest.mark.parametrize(("outside", "status"), [(False, 4), (True, 2)])
def test_a_case_not_accepted(app: HallApplication, outside: bool, status: int) -> None:
    refusal = NotAccept(
        reason="不属于许可范围",
        legal_basis="《行政许可法》第三十二条",
        appeal_notice="可申请行政复议",
        outside_competence=outside,
        competent_authority="市场监管总局" if outside else None,
    )
    versions, _ = Journey(app).then(refusal, CLERK).exported()
    assert as_written(versions) == [
        (f"{NO}:basic", 1, basic(status, 2)),
        (f"{NO}:materials", 1, MATERIALS),
        (
            f"{NO}:closure",
            1,
            {
                "result_code": 6,
                "closure": "not_accepted",
                "closed_at": T(2),
                "days_used": None,
                "days_unit": None,
                "on_time": None,
                "statutory_days_used": None,
                "on_time_statutory": None,
                "reason": "不属于许可范围",
            },
        ),
    ]


def test_a_supplement_then_acceptance_corrects_the_basic_record(app: HallApplication) -> None:
    licence = Material(code="M2", name="营业执照")
    versions, _ = (
        Journey(app)
        .then(RequestSupplement(missing=[licence], note="请补齐营业执照"), CLERK)
        .then(ProvideSupplement(provided=[licence]), CLERK)
        .then(Accept(), CLERK)
        .exported()
    )
    requested = {
        **MATERIALS,
        "missing": [{"code": "M2", "name": "营业执照"}],
        "supplement": "requested",
        "supplement_requested_at": T(2),
    }
    assert as_written(versions) == [
        (f"{NO}:basic", 1, basic(3, 2)),
        (f"{NO}:materials", 1, requested),
        (
            f"{NO}:materials",
            2,
            {
                "materials": [
                    {"code": "M1", "name": "申请书", "supplemented": False},
                    {"code": "M2", "name": "营业执照", "supplemented": True},
                ],
                "missing": [],
                "supplement": "provided",
                "supplement_requested_at": T(2),
                "supplement_provided_at": T(3),
            },
        ),
        (f"{NO}:basic", 2, basic(1, 4)),
    ]
    assert versions[0].record_id == versions[-1].record_id  # the same record, corrected


def test_a_special_procedure_and_an_extension(app: HallApplication) -> None:
    versions, _ = (
        Journey(app)
        .then(Accept(), CLERK)
        .then(Assign(assignee="officer-1"), OFFICER)
        .then(
            StartSpecialProcedure(kind="inspection", expected_days=3, notice="现场勘查，时间不计"),
            OFFICER,
        )
        .then(EndSpecialProcedure(result="现场符合要求"), OFFICER)
        .then(Extend(days=5, reason="情况复杂", approved_by="department_head"), APPROVER)
        .exported()
    )
    inspection = {
        "kind_code": "F",
        "kind": "inspection",
        "kind_name": "现场勘查",
        "started_at": T(4),
        "ended_at": None,
        "reason": "现场勘查，时间不计",
        "result": None,
        "limit": 3,
        "limit_unit": "G",
        "stops_statutory_clock": True,
    }
    assert as_written(versions)[2:] == [
        (f"{NO}:special:4", 1, inspection),
        (f"{NO}:special:4", 2, {**inspection, "ended_at": T(5), "result": "现场符合要求"}),
        (
            f"{NO}:special:6",
            1,
            {
                "kind_code": "A",
                "kind": "extension",
                "kind_name": "延期",
                "started_at": T(6),
                "ended_at": None,
                "reason": "情况复杂",
                "result": None,
                "limit": 5,
                "limit_unit": "G",
                "stops_statutory_clock": False,
            },
        ),
    ]


def test_events_folded_again_make_no_version(app: HallApplication) -> None:
    events = cloudevents(app, reviewed(app).case_id)
    sheet = None
    for event in events:
        sheet, _, _ = step(sheet, event)
    again = [step(sheet, event)[1] for event in events]  # a relay's duplicates
    assert again == [[]] * len(events)


def test_every_message_validates_against_its_schema_and_holds_no_personal_data(
    app: HallApplication,
) -> None:
    versions, approvals = (
        reviewed(app)
        .then(Decide(outcome="approved"), APPROVER)
        .then(IssueCertificate(certificate_no="JY-0001"), CLERK)
        .exported()
    )
    messages = [v.message(SOURCE) for v in versions] + approvals
    for message in messages:
        kind = message["type"].split(".")[2]
        schema = approval_schema() if kind == "v1" else record_schema(kind)
        jsonschema.validate(message, schema, format_checker=FORMATS)
    text = orjson.dumps(messages).decode()
    assert "张三丰" not in text and applicant()["id_number"] not in text
    assert "sealed" not in text
    assert len({m["id"] for m in messages}) == len(messages)
    assert approvals[0]["data"]["valid_until"] is None  # no validity given, none in the item


def test_each_record_type_has_a_valid_schema() -> None:
    for kind in RECORD_TYPES:
        jsonschema.Draft202012Validator.check_schema(record_schema(kind))
    jsonschema.Draft202012Validator.check_schema(approval_schema())


def test_a_version_1_certificate_is_exported_with_no_validity(app: HallApplication) -> None:
    journey = reviewed(app).then(Decide(outcome="approved"), APPROVER)
    journey.then(IssueCertificate(certificate_no="JY-0001", valid_until=date(2031, 3, 1)), CLERK)
    events = cloudevents(app, journey.case_id)
    certificate = events[-1]
    certificate["type"] = "casetrail.case.certificate_issued.v1"  # as recorded before validity
    del certificate["data"]["valid_from"], certificate["data"]["valid_until"]
    sheet, approval = None, None
    for event in events:
        sheet, _, approval = step(sheet, event)
    assert approval is not None and approval["certificate_no"] == "JY-0001"
    assert (approval["valid_from"], approval["valid_until"]) == (None, None)


def test_a_certificate_valid_until_its_day_of_issue_is_refused(app: HallApplication) -> None:
    journey = reviewed(app).then(Decide(outcome="approved"), APPROVER)
    with pytest.raises(InvalidCommand, match="valid_until must be after the day of issue"):
        journey.then(IssueCertificate(certificate_no="JY-1", valid_until=date(2026, 3, 2)), CLERK)


def test_a_sheet_stored_between_events_makes_the_same_versions(app: HallApplication) -> None:
    """Stored as jsonb, a sheet comes back with its keys in another order."""
    events = cloudevents(app, reviewed(app).then(Decide(outcome="approved"), APPROVER).case_id)
    in_memory, stored = None, None
    for event in events:
        in_memory, made, _ = step(in_memory, event)
        if stored is not None:
            stored = orjson.loads(orjson.dumps(stored))
            stored["records"] = dict(reversed(stored["records"].items()))
        stored, again, _ = step(stored, event)
        assert [v.data for v in again] == [v.data for v in made]
