"""The audit's anomalies (异常线索) and the declared-interest register (回避).

Inspectors read the rule catalogue, the anomaly queue (a projection of the anomalies the
detector recorded) and one anomaly with its evidence and findings, and record a finding:
confirmed with a note, or dismissed with the reason, once. Staff declare their own
interests in applicants (a hall administrator also for others), by ID number, which is
turned into its keyed hash at once and never kept; inspectors list the register.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import App, Caller, Pool
from api.openapi import problem_responses
from api.params import Filter
from api.schemas import Note, Strict, Text
from domain.anomalies.catalogue import Catalogue, read_catalogue
from domain.authorization import allowed_roles, authorize
from domain.constraints import MAX_TEXT
from domain.errors import NotFound
from domain.recorded import Recorded
from projections import audit_anomalies_store, audit_interests_store

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Status = Literal["open", "confirmed", "dismissed"]
Level = Literal["info", "warning", "serious"]
Page = Annotated[int, Query(ge=1, le=100_000)]


@cache
def catalogue() -> Catalogue:
    """The rule catalogue shipped with this release."""
    return read_catalogue()


def _only(action: str) -> str:
    return "Only " + ", ".join(sorted(allowed_roles(action)))


class Title(BaseModel):
    """A title in Chinese and English."""

    zh: str
    en: str


class Documentation(BaseModel):
    """What a rule detects, why it matters, and the legal basis where there is one."""

    detects: str
    why: str
    legal_basis: str | None


class RuleOut(BaseModel):
    """An anomaly rule: its code, category, level, titles, documentation and thresholds."""

    code: str
    category: Literal["timing", "process", "content", "integrity"]
    level: Level
    title: Title
    documentation: Documentation
    thresholds: dict[str, Any]


class RulesOut(BaseModel):
    """The rule catalogue."""

    rules: list[RuleOut]


class FindingOut(BaseModel):
    """An inspector's finding: confirmed with a note, or dismissed with the reason."""

    finding: Literal["confirmed", "dismissed"]
    text: str
    by: str
    role: str
    at: datetime


class AnomalyOut(BaseModel):
    """An anomaly in the queue."""

    anomaly_id: UUID
    rule: str
    category: str
    level: Level
    status: Status
    case_id: UUID
    case_no: str
    department: str
    officers: list[str]
    occurrence: str
    detected_at: datetime
    findings: list[FindingOut]
    version: int
    position: int


class AnomalyDetail(AnomalyOut):
    """One anomaly with its evidence (the events it rests on, what was measured, the
    thresholds applied) and its rule's documentation."""

    evidence: dict[str, Any]
    rule_doc: RuleOut | None = Field(description="the rule as the catalogue describes it now")


class AnomalyPage(BaseModel):
    """One page of the queue, newest first."""

    items: list[AnomalyOut]
    total: int
    page: int
    page_size: int


class ConfirmIn(Strict):
    """核实: the anomaly is real."""

    note: str = Field(default="", max_length=MAX_TEXT)


class DismissIn(Strict):
    """排除: the anomaly is not one, and why."""

    reason: str = Text


class FindingRecorded(BaseModel):
    """A recorded finding: the anomaly's new version and the event's log position."""

    anomaly_id: UUID
    version: int
    position: int


class InterestIn(Strict):
    """A declared interest (回避) in an applicant, by its ID number (a person's identity
    number, an organisation's unified social credit code), which is kept only as its
    keyed hash. ``officer`` (and its ``department``): a hall administrator declaring for
    another staff member."""

    applicant_kind: Literal["person", "organisation"]
    id_number: str = Field(min_length=1, max_length=64)
    relation: str = Field(min_length=1, max_length=200)
    note: str = Note
    officer: str | None = Field(default=None, min_length=1, max_length=64)
    department: str | None = Field(default=None, min_length=1, max_length=64)


class InterestRecorded(BaseModel):
    """A recorded declaration or withdrawal."""

    interest_id: UUID
    version: int
    position: int


class InterestOut(BaseModel):
    """A declared interest, the applicant known by its keyed hash only."""

    interest_id: UUID
    officer: str
    department: str
    applicant_kind: Literal["person", "organisation"]
    subject: str
    relation: str
    note: str
    status: Literal["standing", "withdrawn"]
    declared_at: datetime
    withdrawn_at: datetime | None
    history: list[dict[str, Any]]


class InterestPage(BaseModel):
    """One page of the register, newest first."""

    items: list[InterestOut]
    total: int
    page: int
    page_size: int


@router.get(
    "/anomaly-rules",
    response_model=RulesOut,
    responses=problem_responses(descriptions={403: _only("read-anomalies")}),
)
def rules(caller: Caller) -> RulesOut:
    """The anomaly rule catalogue: each rule's code, category, level, titles,
    documentation and thresholds."""
    authorize(caller, "read-anomalies")
    return RulesOut.model_validate({"rules": [r.as_data() for r in catalogue().rules]})


@router.get(
    "/anomalies",
    response_model=AnomalyPage,
    responses=problem_responses(descriptions={403: _only("read-anomalies")}),
)
def anomalies(
    caller: Caller,
    pool: Pool,
    status: Status | None = None,
    rule: Filter = None,
    level: Level | None = None,
    department: Filter = None,
    officer: Filter = None,
    case_id: UUID | None = None,
    page: Page = 1,
) -> AnomalyPage:
    """The anomaly queue, newest first, filtered by status, rule, level, department,
    officer concerned and case."""
    authorize(caller, "read-anomalies")
    with pool.connection() as conn:
        views, total = audit_anomalies_store.search(
            conn,
            page=page,
            status=status,
            rule=rule,
            level=level,
            department=department,
            officer=officer,
            case_id=case_id,
        )
    size = audit_anomalies_store.PAGE_SIZE
    items = [AnomalyOut.model_validate(view) for view in views]
    return AnomalyPage(items=items, total=total, page=page, page_size=size)


@router.get(
    "/anomalies/{anomaly_id}",
    response_model=AnomalyDetail,
    responses=problem_responses(
        descriptions={403: _only("read-anomalies"), 404: "No such anomaly (yet)"}
    ),
)
def anomaly(anomaly_id: UUID, caller: Caller, pool: Pool) -> AnomalyDetail:
    """One anomaly: its evidence, its findings and its rule's documentation."""
    authorize(caller, "read-anomalies")
    with pool.connection() as conn:
        view = audit_anomalies_store.load(conn, str(anomaly_id))
    if view is None:
        raise NotFound(f"no anomaly {anomaly_id}")
    try:
        doc = catalogue().rule(view["rule"]).as_data()
    except KeyError:
        doc = None  # a rule this release no longer has
    return AnomalyDetail.model_validate({**view, "rule_doc": doc})


def _decision(recorded: Recorded) -> FindingRecorded:
    return FindingRecorded(
        anomaly_id=recorded.aggregate_id, version=recorded.version, position=recorded.position
    )


DECISION_ERRORS = problem_responses(
    descriptions={
        403: _only("decide-anomaly"),
        404: "No such anomaly",
        409: "A finding was already recorded",
    }
)


@router.post(
    "/anomalies/{anomaly_id}/confirm", response_model=FindingRecorded, responses=DECISION_ERRORS
)
def confirm(anomaly_id: UUID, body: ConfirmIn, app: App, caller: Caller) -> FindingRecorded:
    """核实: record that the anomaly is real, with a note."""
    return _decision(app.decide_anomaly(caller, anomaly_id, confirmed=True, text=body.note))


@router.post(
    "/anomalies/{anomaly_id}/dismiss", response_model=FindingRecorded, responses=DECISION_ERRORS
)
def dismiss(anomaly_id: UUID, body: DismissIn, app: App, caller: Caller) -> FindingRecorded:
    """排除: record that the anomaly is not one, with the reason (required)."""
    return _decision(app.decide_anomaly(caller, anomaly_id, confirmed=False, text=body.reason))


def _interest(recorded: Recorded) -> InterestRecorded:
    return InterestRecorded(
        interest_id=recorded.aggregate_id, version=recorded.version, position=recorded.position
    )


@router.post(
    "/interests",
    status_code=201,
    response_model=InterestRecorded,
    responses=problem_responses(
        descriptions={
            403: _only("declare-interest") + "; for another staff member, only hall_admin",
            409: "This interest is declared already",
        }
    ),
)
def declare(body: InterestIn, app: App, caller: Caller) -> InterestRecorded:
    """申报: declare an interest in an applicant (one's own; a hall administrator may name
    another ``officer``). The ID number is turned into its keyed hash at once."""
    recorded = app.declare_interest(
        caller,
        applicant_kind=body.applicant_kind,
        id_number=body.id_number,
        relation=body.relation,
        note=body.note,
        officer=body.officer,
        department=body.department,
    )
    return _interest(recorded)


@router.delete(
    "/interests/{interest_id}",
    response_model=InterestRecorded,
    responses=problem_responses(
        descriptions={
            403: "Only the staff member who declared it, or hall_admin",
            404: "No such declared interest",
            409: "Withdrawn already",
        }
    ),
)
def withdraw(
    interest_id: UUID,
    app: App,
    caller: Caller,
    reason: Annotated[str, Query(max_length=MAX_TEXT)] = "",
) -> InterestRecorded:
    """撤回: withdraw a declared interest (one's own, or as hall_admin anyone's)."""
    return _interest(app.withdraw_interest(caller, interest_id, reason=reason))


@router.get(
    "/interests",
    response_model=InterestPage,
    responses=problem_responses(descriptions={403: _only("read-interests")}),
)
def interests(
    caller: Caller,
    pool: Pool,
    officer: Filter = None,
    status: Literal["standing", "withdrawn"] | None = None,
    page: Page = 1,
) -> InterestPage:
    """The declared-interest register, newest first."""
    authorize(caller, "read-interests")
    with pool.connection() as conn:
        views, total = audit_interests_store.listing(
            conn, officer=officer, status=status, page=page
        )
    items = [InterestOut.model_validate(view) for view in views]
    size = audit_interests_store.PAGE_SIZE
    return InterestPage(items=items, total=total, page=page, page_size=size)
