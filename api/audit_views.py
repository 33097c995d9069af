"""What the inspectors' audit routes answer (``/api/v1/audit/...``), field by field:
replays, differences, the power list on a day, the trail, officers' trails and the
inspectors' access log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from api.case_view import CaseStateView


class ActorOut(BaseModel):
    """Who recorded an event, as its token said (``simulated`` under a simulated clock)."""

    id: str
    role: str
    department: str
    simulated: bool = False


class EventOut(BaseModel):
    """One recorded event: its version in its aggregate, CloudEvents ``type``, time,
    actor, whole ``data`` (the actor included, personal data sealed as recorded) and
    chain links."""

    version: int
    type: str
    time: datetime
    actor: ActorOut
    data: dict[str, Any]
    prevhash: str
    hash: str


class ReplayedCase(CaseStateView):
    """A case as its events made it at ``version``: the staff view's fields, its clock
    and steps read on the day of ``as_of`` with the calendar published then, the
    applicant masked (or erased); ``as_of`` is when the version's ``event`` was recorded."""

    as_of: datetime
    event: EventOut


class Change(BaseModel):
    """A field that differs: dotted ``path`` (list items by index), before and after
    (null where absent)."""

    path: str
    before: Any
    after: Any


class CaseDiff(BaseModel):
    """The differences between two replayed versions of a case, and the events between
    them (after the lower version, up to the higher)."""

    case_id: UUID
    from_version: int
    to_version: int
    changes: list[Change]
    events: list[EventOut]


class ItemOnDay(BaseModel):
    """A service item as the power list said at the end of a day: its revision's whole
    ``content``, its status then, and the version and time of its latest event by then."""

    code: str
    name: str
    category: str
    department: str
    status: str
    revision: int
    version: int
    as_of: datetime
    content: dict[str, Any]


class PowerListOn(BaseModel):
    """The power list at the end of ``on`` (``as_of``, the hall's time zone): every item
    registered by then, by code."""

    on: date
    as_of: datetime
    items: list[ItemOnDay]


class TrailEvent(EventOut):
    """An event in the audit trail: its aggregate (``stream`` names the kind), log
    position, and for a case its number, department and intake channel."""

    position: int
    aggregate_id: UUID
    stream: str
    case_no: str | None
    case_department: str | None
    channel: str | None


class EventsPage(BaseModel):
    """One page of the trail, newest first, and how many events match in all."""

    items: list[TrailEvent]
    total: int
    page: int
    page_size: int


class CaseTouched(BaseModel):
    """A case an officer acted on: how many of the trail's events, first and last."""

    case_id: UUID
    case_no: str | None
    department: str | None
    events: int
    first_at: datetime
    last_at: datetime


class OfficerTrail(EventsPage):
    """One officer's actions across cases in a period: a page of them, the count of each
    event type and the cases touched (over the whole period, not only the page)."""

    officer: str
    since: datetime | None
    until: datetime | None
    by_type: dict[str, int]
    cases: list[CaseTouched]


class CaseTrail(BaseModel):
    """Every event of one case, in version order, with its chain links."""

    case_id: UUID
    case_no: str | None
    department: str | None
    channel: str | None
    events: list[TrailEvent]


class AccessEntry(BaseModel):
    """One inspector's read: who, when, what (the read and its parameters), about which
    case or officer, for which case file (案卷)."""

    access_id: UUID
    position: int
    time: datetime
    inspector: ActorOut
    read: str
    parameters: dict[str, Any]
    case_file: str
    case_id: str | None
    case_no: str | None
    officer: str | None


class AccessLogPage(BaseModel):
    """One page of the inspectors' reads, newest first, and how many match in all."""

    items: list[AccessEntry]
    total: int
    page: int
    page_size: int
