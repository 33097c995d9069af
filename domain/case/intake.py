"""Intake (收件, 补正): each command beside the event it records."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Self
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.calendar import WorkingCalendar
from domain.case.state import (
    CaseEvent,
    CaseState,
    Resumes,
    Stage,
    local_date,
    require_choice,
)
from domain.case.vocabulary import CHANNELS
from domain.deadlines import SUPPLEMENT_NOTICE_DAYS, supplement_notice_due
from domain.errors import InvalidCommand, InvalidTransition
from domain.personal_data import SealedApplicant, mask_name


class Submitted(CaseEvent, Aggregate.Created):
    """申请/收件: the case is received.

    Version 3 records the applicant sealed (``domain.personal_data``) and no query
    code verifier. Version 2 recorded both in clear (upcast: the applicant is kept
    as it was, unsealed, and cannot be erased); version 1 (before the power list
    had revisions) was always revision 1.
    """

    class_version: ClassVar[int] = 3

    case_no: str
    item_code: str
    item_name: str
    item_revision: int
    department: str
    channel: str
    applicant: SealedApplicant
    materials: list[dict[str, Any]]

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """v1 had no item revision: the catalogue had only revision 1."""
        state["item_revision"] = 1

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """v2 held the applicant in clear and the query code's hash: keep the former
        as recorded (it was never sealed), drop the latter (codes are checked
        against their own table now)."""
        clear = state["applicant"]
        organisation = clear["kind"] == "organisation"
        state["applicant"] = {
            "kind": clear["kind"],
            "display_name": mask_name(clear["name"], clear["kind"]),
            "public_id": clear["id_number"] if organisation else None,
            "subject": None,
            "sealed": None,
            "clear": clear,
        }
        del state["query_code_hash"]

    def apply_to(self, case: CaseState) -> None:
        case.case_no = self.case_no
        case.item_code = self.item_code
        case.item_name = self.item_name
        case.item_revision = self.item_revision
        case.department = self.department
        case.channel = self.channel
        case.applicant = dict(self.applicant)
        case.materials = list(self.materials)
        case.submitted_at = self.timestamp
        case.status = "submitted"


class SupplementRequested(CaseEvent):
    """补正告知: one notice listing every missing material (一次性告知).

    At intake it holds acceptance; in review it stops the promised clock only, since
    Art. 45 does not exclude its time from the statutory limit. Version 2 records
    whether it stops the statutory clock; a version 1 notice in review stopped both
    (upcast: it still does).
    """

    class_version: ClassVar[int] = 2

    missing: list[dict[str, Any]]
    note: str
    stage: str  # "intake" or "review"
    stops_statutory_clock: bool

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """v1 stopped both clocks in review."""
        state["stops_statutory_clock"] = state["stage"] == "review"

    def apply_to(self, case: CaseState) -> None:
        case.missing = list(self.missing)
        case.supplement_notices += 1
        if self.stage == "intake":
            case.status = "awaiting_supplement"
        else:
            case.open_pause(
                "supplement", local_date(self.timestamp), statutory=self.stops_statutory_clock
            )


class SupplementProvided(CaseEvent):
    """补齐补正: the applicant hands in what was missing (intake stage)."""

    provided: list[dict[str, Any]]

    def apply_to(self, case: CaseState) -> None:
        case.materials.extend(self.provided)
        case.missing = []
        case.status = "submitted"


class SupplementProvidedInReview(Resumes):
    """补齐补正 in review: the clock runs again, deadlines move."""

    provided: list[dict[str, Any]]

    def apply_to(self, case: CaseState) -> None:
        case.materials.extend(self.provided)
        case.missing = []
        super().apply_to(case)


class Intake(Stage):
    """The commands of intake."""

    @classmethod
    def submit(
        cls,
        *,
        case_id: UUID,
        at: datetime,
        actor: Actor,
        case_no: str,
        item_code: str,
        item_name: str,
        item_revision: int,
        department: str,
        channel: str,
        applicant: SealedApplicant,
        materials: list[dict[str, Any]],
    ) -> Self:
        """Record the intake of a new case; the new case."""
        require_choice("channel", channel, CHANNELS)
        return cls._start(
            Submitted,
            case_id,
            at,
            actor,
            case_no=case_no,
            item_code=item_code,
            item_name=item_name,
            item_revision=item_revision,
            department=department,
            channel=channel,
            applicant=applicant,
            materials=materials,
        )

    def request_supplement(
        self,
        *,
        at: datetime,
        actor: Actor,
        missing: list[dict[str, Any]],
        calendar: WorkingCalendar,
        note: str = "",
    ) -> None:
        """补正告知: list every missing material at once, once (Art. 32); at intake within
        5 working days of receipt; in review it stops the promised clock."""
        if not missing:
            raise InvalidCommand("a supplement notice must list the missing materials")
        if self.status == "submitted":
            stage = "intake"
        elif self.status == "in_review" and not self.paused:
            stage = "review"
        else:
            raise InvalidTransition(self.state(), "request-supplement")
        if self.supplement_notices:
            raise InvalidCommand(
                "Art. 32: one supplement notice lists every missing material (一次性告知); "
                "this case's notice was already given"
            )
        if stage == "intake":
            due = supplement_notice_due(calendar, self.received_on)
            if local_date(at) > due:
                raise InvalidCommand(
                    f"Art. 32: the supplement notice was due on the spot or within "
                    f"{SUPPLEMENT_NOTICE_DAYS} working days of receipt (by {due.isoformat()}); "
                    f"the application is deemed accepted from "
                    f"{self.received_on.isoformat()}, the day the materials arrived"
                )
        else:
            self.require_running_until(self.promised_deadline, at, "a supplement notice")
        self._record(
            SupplementRequested,
            at,
            actor,
            missing=missing,
            note=note,
            stage=stage,
            stops_statutory_clock=False,
        )

    def provide_supplement(
        self,
        *,
        at: datetime,
        actor: Actor,
        provided: list[dict[str, Any]],
        calendar: WorkingCalendar,
    ) -> None:
        """补齐补正: every missing material must be handed in."""
        in_review = self.pause_kind == "supplement"
        if self.status != "awaiting_supplement" and not in_review:
            raise InvalidTransition(self.state(), "provide-supplement")
        still = {m["code"] for m in self.missing} - {m["code"] for m in provided}
        if still:
            raise InvalidCommand(f"still missing: {', '.join(sorted(still))}")
        if in_review:
            resumption = self.resumption(at, calendar)
            self._record(SupplementProvidedInReview, at, actor, provided=provided, **resumption)
        else:
            self._record(SupplementProvided, at, actor, provided=provided)
