"""Acceptance (受理, 视为受理, 不予受理): each command beside the event it records."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any, ClassVar

import orjson

from domain.actor import Actor
from domain.calendar import WorkingCalendar
from domain.case.state import CaseEvent, CaseState, Stage, local_date, require_text
from domain.deadlines import compute, statutory_limit, supplement_notice_due
from domain.errors import InvalidCommand, UnsupportedHistory
from domain.item_terms import ItemContent, TimeLimit

INTAKE_STATES = ("submitted", "awaiting_supplement")


class AcceptanceEvent(CaseEvent):
    """What an acceptance records: the day the clock starts from, the terms of the
    item's revision, the statutory limit the case runs under and both deadlines."""

    accepted_on: str
    item_revision: int
    terms: dict[str, Any]
    statutory_limit: dict[str, Any]
    statutory_deadline: str | None
    promised_deadline: str | None
    deadline_provisional: bool

    def apply_to(self, case: CaseState) -> None:
        case.status = "in_review"
        case.accepted_at = self.timestamp
        case.accepted_on = date.fromisoformat(self.accepted_on)
        case.step_started_on = case.accepted_on  # the first handling step starts
        case.terms = _terms(orjson.dumps(self.terms, option=orjson.OPT_SORT_KEYS))
        case.statutory_limit = TimeLimit.from_data(self.statutory_limit)
        case.item_revision = self.item_revision
        case.set_deadlines(
            self.statutory_deadline, self.promised_deadline, self.deadline_provisional
        )


class Accepted(AcceptanceEvent):
    """受理: the clock starts; the case keeps its item's terms of this revision.

    Counted from the day of receipt when the clerk accepts more than 5 working days
    after it with no supplement notice given (Art. 32). Version 3 records the
    statutory limit the case runs under (45 working days for joint handling, Art.
    42(2)); a version 2 acceptance ran under the item's (upcast). Version 1 (the
    walking skeleton) recorded no terms or deadlines: such a case cannot be loaded,
    and says so.
    """

    class_version: ClassVar[int] = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Refused: a v1 acceptance recorded no terms to count deadlines from."""
        raise UnsupportedHistory("Accepted v1 recorded no terms or deadlines")

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """v2 counted the statutory deadline from the item's statutory limit."""
        state["statutory_limit"] = state["terms"]["statutory_limit"]


class DeemedAccepted(AcceptanceEvent):
    """视为受理: no supplement notice within 5 working days of receipt, so the
    application counts as accepted from the day the materials arrived (Art. 32)."""

    notice_due_on: str


class NotAccepted(CaseEvent):
    """不予受理: refused at acceptance, with reason, legal basis and the applicant's
    right to 行政复议 / 行政诉讼; a matter outside the department's competence names
    the competent authority (Art. 32(1)).

    Version 2 added the appeal notice and the competence; version 1 events are
    upcast (no notice recorded, competence not stated).
    """

    class_version: ClassVar[int] = 2

    reason: str
    legal_basis: str
    appeal_notice: str
    outside_competence: bool
    competent_authority: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """v1 recorded neither the appeal notice nor the competence."""
        state["appeal_notice"] = ""
        state["outside_competence"] = False
        state["competent_authority"] = None

    def apply_to(self, case: CaseState) -> None:
        case.close("not_accepted", self.timestamp)


class Acceptance(Stage):
    """The commands that accept an application, or refuse to."""

    def accept(
        self,
        *,
        at: datetime,
        actor: Actor,
        revision: int,
        terms: ItemContent,
        calendar: WorkingCalendar,
    ) -> None:
        """受理: the clock starts the day after; the item's current revision becomes the
        case's terms for good, and both deadlines are recorded. Accepted more than 5
        working days after receipt with no supplement notice, the application counts
        as accepted from the day of receipt (Art. 32)."""
        self.require("submitted", action="accept")
        today = local_date(at)
        late = today > supplement_notice_due(calendar, self.received_on)
        accepted_on = self.received_on if late and not self.supplement_notices else today
        self._record(Accepted, at, actor, **_acceptance(calendar, terms, revision, accepted_on))

    def deem_accepted(
        self,
        *,
        at: datetime,
        actor: Actor,
        revision: int,
        terms: ItemContent,
        calendar: WorkingCalendar,
    ) -> None:
        """视为受理: with no supplement notice within 5 working days of receipt, the
        application counts as accepted from the day of receipt (Art. 32)."""
        self.require("submitted", action="deem-accepted")
        if self.supplement_notices:
            raise InvalidCommand(
                "Art. 32: a supplement notice was given; the application is not deemed accepted"
            )
        due = supplement_notice_due(calendar, self.received_on)
        if local_date(at) <= due:
            raise InvalidCommand(
                f"Art. 32: a supplement notice may still be given until {due.isoformat()}; "
                "the application is deemed accepted only once that day has passed"
            )
        self._record(
            DeemedAccepted,
            at,
            actor,
            notice_due_on=due.isoformat(),
            **_acceptance(calendar, terms, revision, self.received_on),
        )

    def not_accept(
        self,
        *,
        at: datetime,
        actor: Actor,
        reason: str,
        legal_basis: str,
        appeal_notice: str = "",
        outside_competence: bool = False,
        competent_authority: str | None = None,
    ) -> None:
        """不予受理: reason, legal basis and the appeal notice are required; a matter
        outside the department's competence names the competent authority."""
        self.require(*INTAKE_STATES, action="not-accept")
        require_text(reason=reason, legal_basis=legal_basis)
        if not appeal_notice.strip():
            raise InvalidCommand(
                "required: appeal_notice (Art. 32: a not-acceptance is given in writing and "
                "tells the applicant of the right to 行政复议 or 行政诉讼)"
            )
        if outside_competence and not (competent_authority or "").strip():
            raise InvalidCommand(
                "required: competent_authority (Art. 32(1): a matter outside the "
                "department's competence is not accepted, and the applicant is told which "
                "authority to apply to)"
            )
        if competent_authority is not None and not outside_competence:
            raise InvalidCommand(
                "competent_authority is named only when the matter is outside the "
                "department's competence (outside_competence)"
            )
        self._record(
            NotAccepted,
            at,
            actor,
            reason=reason,
            legal_basis=legal_basis,
            appeal_notice=appeal_notice,
            outside_competence=outside_competence,
            competent_authority=competent_authority,
        )


@lru_cache(maxsize=1024)
def _terms(recorded: bytes) -> ItemContent:
    """An acceptance's terms (immutable, so shared by every case accepted under them:
    loading many cases parses each item's terms once)."""
    return ItemContent.from_data(orjson.loads(recorded))


def _acceptance(
    calendar: WorkingCalendar, terms: ItemContent, revision: int, accepted_on: date
) -> dict[str, Any]:
    """The fields of an acceptance counted from ``accepted_on``."""
    limit = statutory_limit(terms)
    deadlines = compute(calendar, terms, accepted_on, statutory=limit)
    return {
        "accepted_on": accepted_on.isoformat(),
        "item_revision": revision,
        "terms": terms.to_data(),
        "statutory_limit": limit.to_data(),
        **deadlines.to_data(),
    }
