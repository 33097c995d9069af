"""The commands of intake and acceptance."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from domain.case.commands.base import DEPARTMENT_STAFF, WINDOW, CaseCommand, Materials, Needs
from domain.constraints import Note, Text
from domain.errors import InvalidCommand

if TYPE_CHECKING:
    from domain.case import Case


@dataclass(frozen=True)
class RequestSupplement(CaseCommand):
    """补正告知: every missing material, in one notice."""

    ACTION = "request-supplement"
    ROLES = DEPARTMENT_STAFF
    missing: Materials
    note: Note = ""

    def run(self, case: Case, needs: Needs) -> None:
        case.request_supplement(
            at=needs.at,
            actor=needs.actor,
            missing=[asdict(m) for m in self.missing],
            calendar=needs.calendar(),
            note=self.note,
        )


@dataclass(frozen=True)
class ProvideSupplement(CaseCommand):
    """补齐补正."""

    ACTION = "provide-supplement"
    ROLES = DEPARTMENT_STAFF
    provided: Materials

    def run(self, case: Case, needs: Needs) -> None:
        provided = [asdict(m) for m in self.provided]
        case.provide_supplement(
            at=needs.at, actor=needs.actor, provided=provided, calendar=needs.calendar()
        )


@dataclass(frozen=True)
class Accept(CaseCommand):
    """受理: under the item's current revision, which the case keeps."""

    ACTION = "accept"
    ROLES = WINDOW

    def run(self, case: Case, needs: Needs) -> None:
        item = needs.service_item(case.item_code)
        if not item.is_open_for_intake:
            raise InvalidCommand(f"service item {item.code} is {item.status}; it accepts no cases")
        case.accept(
            at=needs.at,
            actor=needs.actor,
            revision=item.revision,
            terms=item.content,
            calendar=needs.calendar(),
        )


@dataclass(frozen=True)
class NotAccept(CaseCommand):
    """不予受理: the reason, its legal basis and the appeal notice (行政复议/行政诉讼) are told
    to the applicant; a matter outside the department's competence names the competent
    authority (Art. 32(1))."""

    ACTION = "not-accept"
    ROLES = WINDOW
    reason: Text
    legal_basis: Text
    appeal_notice: Note = ""
    outside_competence: bool = False
    competent_authority: Text | None = None

    def run(self, case: Case, needs: Needs) -> None:
        case.not_accept(
            at=needs.at,
            actor=needs.actor,
            reason=self.reason,
            legal_basis=self.legal_basis,
            appeal_notice=self.appeal_notice,
            outside_competence=self.outside_competence,
            competent_authority=self.competent_authority,
        )
