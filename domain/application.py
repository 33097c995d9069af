"""The casetrail application: commands on cases, the power list and the calendar."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from copy import deepcopy
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache, partial
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import EnvType, get_topic

from domain.actor import Actor
from domain.anomalies.anomaly import DETECTOR, Anomaly
from domain.anomalies.detection import Detection
from domain.anomalies.interest import DeclaredInterest
from domain.authorization import (
    CASE_FILE_ROLES,
    INTEREST_REGISTRARS,
    Forbidden,
    allowed_roles,
    authorize,
)
from domain.calendar import WorkingCalendar, YearSchedule, default_calendar
from domain.case import CLOSING_EVENTS, Accepted, Case, DeemedAccepted, local_date
from domain.case.commands import CaseCommand
from domain.case_numbers import CaseNumberSequence, format_case_no
from domain.clock import Clock, SystemClock
from domain.current_repository import CurrentRepository
from domain.department import Department
from domain.errors import DomainError, InvalidCommand, NotFound, StaleRead, VersionConflict
from domain.event_states import EventStateTranscoder
from domain.hall_calendar import HallCalendar
from domain.inspector_access import InspectorAccess
from domain.item_terms import ItemContent
from domain.personal_data import DataKey, PersonalData, SealedApplicant, erased, masked
from domain.query_code import QueryCodes
from domain.recorded import (
    ApplicantView,
    CodeVerifier,
    Erasure,
    Publication,
    Recorded,
    RequestKey,
    Submission,
)
from domain.sealing import seal
from domain.service_item import ServiceItem
from domain.supervision import SWEEPER, Swept, sweep
from domain.supervision_notice import ESCALATOR, SupervisionNotice


@dataclass(frozen=True)
class _Needs:
    """What the application gives a case command besides its own fields: ``read`` holds
    the calendar, and the case's item when known, as read with the case."""

    at: datetime
    actor: Actor
    app: HallApplication
    read: Mapping[UUID, Aggregate]

    def calendar(self) -> WorkingCalendar:
        return self.app.working_calendar(self.read.get(HallCalendar.ID))

    def service_item(self, code: str) -> ServiceItem:
        item = self.read.get(ServiceItem.id_for(code))
        return item if isinstance(item, ServiceItem) else self.app.service_item(code)

    def sealed_comment(self, case: Case, text: str) -> str | None:
        """The applicant's comment, sealed with its data; none once that is erased."""
        if case.applicant_erased:
            return None
        return self.app.personal_data.seal_text(case.applicant, case.id, text)


def _versions(read: Mapping[UUID, Aggregate | None]) -> dict[UUID, int]:
    """The version of each aggregate read (0: it had none)."""
    return {i: aggregate.version if aggregate else 0 for i, aggregate in read.items()}


def _require_version(aggregate: Aggregate, expected: int | None, what: str) -> None:
    """A ``VersionConflict`` unless the client expects the aggregate's version (or none)."""
    if expected is not None and expected != aggregate.version:
        raise VersionConflict(f"{what} is at version {aggregate.version}, not {expected}")


class HallApplication(Application[UUID]):
    """One service hall's cases, power list and calendar, stored as events."""

    name = "casetrail"
    repository: CurrentRepository

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        case_numbers: CaseNumberSequence,
        personal_data: PersonalData,
        query_codes: QueryCodes,
        clock: Clock | None = None,
        base_calendar: WorkingCalendar | None = None,
    ) -> None:
        super().__init__(env)
        self.case_numbers = case_numbers
        self.personal_data = personal_data
        self.query_codes = query_codes
        self.clock: Clock = clock or SystemClock()
        self.base_calendar = base_calendar or default_calendar()

    def construct_transcoder(self) -> EventStateTranscoder:
        """The library's JSON transcoder, reading event states faster."""
        transcoder = EventStateTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def construct_repository(self) -> CurrentRepository:
        """The repository reading many aggregates in one query (``CurrentRepository``)."""
        cache_size = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return CurrentRepository(self.events, cache_maxsize=int(cache_size) if cache_size else None)

    # --- cases -------------------------------------------------------------------

    def submit(
        self,
        actor: Actor,
        *,
        item_code: str,
        channel: str,
        applicant: dict[str, Any],
        materials: list[dict[str, Any]],
        request: RequestKey | None = None,
    ) -> Submission:
        """Receive a new case (收件) and give the applicant a query code.

        The item held in memory, when open for intake, is taken as it is, unread; the
        append checks that it has not changed since. If it had, the intake is decided
        again on the item as now read: under a new case number, the applicant sealed
        once. Any other clash (the request's key, a case number's verifier) is a
        ``VersionConflict``, nothing recorded."""
        authorize(actor, "submit")
        intake = partial(
            self._intake,
            self._marked(actor),
            uuid4(),
            cache(partial(self.personal_data.seal_applicant, applicant)),
            channel=channel,
            materials=materials,
            request=request,
        )
        held = self.repository.held(ServiceItem.id_for(item_code))
        if isinstance(held, ServiceItem) and held.is_open_for_intake:
            with suppress(StaleRead):
                return intake(held)
        return intake(self.service_item(item_code))

    def _intake(
        self,
        actor: Actor,
        case_id: UUID,
        sealed: Callable[[UUID], tuple[SealedApplicant, DataKey]],
        item: ServiceItem,
        *,
        channel: str,
        materials: list[dict[str, Any]],
        request: RequestKey | None,
    ) -> Submission:
        """Record case ``case_id`` under ``item``, as of the item's version."""
        if not item.is_open_for_intake:
            raise InvalidCommand(f"service item {item.code} is {item.status}; it accepts no cases")
        at = self.clock.now()
        day = local_date(at)
        department = item.content.department
        case_no = format_case_no(department, day, self.case_numbers.next(department, day))
        applicant, key = sealed(case_id)
        query_code = self.query_codes.new_code()
        case = Case.submit(
            case_id=case_id,
            at=at,
            actor=actor,
            case_no=case_no,
            item_code=item.code,
            item_name=item.content.name,
            item_revision=item.revision,
            department=department,
            channel=channel,
            applicant=applicant,
            materials=materials,
        )
        verifier = CodeVerifier(
            case_no, case_id, self.query_codes.verifier(case_no, query_code), key.kid
        )
        # A retried intake shows the code again, so its claim keeps it, sealed.
        shown_once = {"case_no": case_no, "query_code": seal(key.key, key.kid, query_code.encode())}
        claim = request and replace(request, shown_once=shown_once)
        recorded = self._save(case, claim, verifier=verifier, reads=_versions({item.id: item}))
        return Submission(**vars(recorded), case_no=case_no, query_code=query_code)

    def replayed_submission(self, recorded: Recorded, shown_once: dict[str, str]) -> Submission:
        """A retried intake's first outcome, its query code unsealed again."""
        code = self.personal_data.open_text(shown_once["query_code"])
        if code is None:
            raise InvalidCommand("the applicant's data was erased: the query code is gone")
        return Submission(**vars(recorded), case_no=shown_once["case_no"], query_code=code)

    def handle(
        self,
        command: CaseCommand,
        case_id: UUID,
        actor: Actor,
        *,
        expected_version: int | None = None,
        request: RequestKey | None = None,
    ) -> Recorded:
        """Run ``command`` on the case for ``actor``, if the role and department allow it.

        When the case is held in memory, the command is decided on it, its item and the
        calendar as held, unread: a newer event of the case makes its own append clash,
        one of the others fails the append's check. Then, or if the command was refused
        on them, it is decided again on what is read now."""
        run = partial(self._run, command, actor, expected_version=expected_version, request=request)
        if (held := self._held_case_and_terms(case_id)) is not None:
            with suppress(DomainError):
                return run(*held)
        return run(*self._case_and_terms(case_id))

    def _run(
        self,
        command: CaseCommand,
        actor: Actor,
        case: Case,
        read: Mapping[UUID, Aggregate | None],
        *,
        expected_version: int | None,
        request: RequestKey | None,
    ) -> Recorded:
        """Decide ``command`` on a copy of ``case`` with the aggregates ``read`` (None:
        absent), and record it as of their versions."""
        co_departments = case.terms.co_departments if case.terms else ()
        authorize(
            actor, command.ACTION, case_department=case.department, co_departments=co_departments
        )
        _require_version(case, expected_version, f"case {case.id}")
        case = deepcopy(case)
        found = {i: aggregate for i, aggregate in read.items() if aggregate is not None}
        command.run(case, _Needs(self.clock.now(), self._marked(actor), self, found))
        return self._save(case, request, reads=_versions(read))

    def _terms_ids(self, case_id: UUID) -> list[UUID]:
        """The aggregates a command on the case reads besides it: the calendar, and the
        case's item when the case is held (its item's code is then known)."""
        if isinstance(held := self.repository.held(case_id), Case):
            return [HallCalendar.ID, ServiceItem.id_for(held.item_code)]
        return [HallCalendar.ID]

    def _held_case_and_terms(
        self, case_id: UUID
    ) -> tuple[Case, dict[UUID, Aggregate | None]] | None:
        """The case with its item and the calendar as held in memory, shared, each not
        held taken as absent (version 0, which the append checks too); None unless the
        case is held."""
        case = self.repository.held(case_id)
        if not isinstance(case, Case):
            return None
        return case, {i: self.repository.held(i) for i in self._terms_ids(case_id)}

    def _case_and_terms(self, case_id: UUID) -> tuple[Case, dict[UUID, Aggregate | None]]:
        """The case with the calendar, and with its item when the case is held, as now
        read, in one query, shared."""
        ids = self._terms_ids(case_id)
        read = self.repository.current([case_id, *ids])
        case = read.get(case_id)
        if not isinstance(case, Case):
            raise NotFound(f"no case with id {case_id}")
        return case, {i: read.get(i) for i in ids}

    def get_case(self, case_id: UUID) -> Case:
        """The case as its events make it; ``NotFound`` when there is none."""
        case: Case = self._get(case_id, Case, f"no case with id {case_id}")
        return case

    def current_cases(self, case_ids: Iterable[UUID]) -> dict[UUID, Case]:
        """Those of ``case_ids`` that are cases, as their events now make them, read
        together; shared, not to be changed."""
        found = self.repository.current(case_ids)
        return {case_id: case for case_id, case in found.items() if isinstance(case, Case)}

    def read_case(self, case_id: UUID, actor: Actor) -> Case:
        """The case, for staff allowed to read it."""
        case = self.get_case(case_id)
        authorize(actor, "read-case", case_department=case.department)
        return case

    def applicant_view(self, actor: Actor, case: Case, case_file: str | None) -> ApplicantView:
        """The applicant of a case ``actor`` may read: in clear for the staff handling it;
        for supervisors and inspectors masked, unless they state the case file (案卷)
        they need it for, which is recorded (for inspectors also as an access event);
        erased once its key is gone."""
        applicant = case.applicant
        if case.applicant_erased:
            return ApplicantView(erased(applicant))
        purpose = "handling"
        if actor.role in CASE_FILE_ROLES:
            if not case_file:
                return ApplicantView(masked(applicant))
            self.personal_data.store.record_disclosure(actor, case.id, case_file)
            if actor.role in allowed_roles("read-audit"):
                self.record_access(
                    actor,
                    read="case-personal-data",
                    parameters={"case_id": str(case.id)},
                    case_file=case_file,
                    case_id=str(case.id),
                    case_no=case.case_no,
                )
            purpose = "case_file"
        opened = self.personal_data.open_applicant(applicant)
        if opened is None:  # the key is gone; the erasure's events are being recorded
            return ApplicantView(erased(applicant))
        return ApplicantView(opened, purpose)

    def erase_applicant(
        self, actor: Actor, *, id_number: str, reason: str, legal_basis: str
    ) -> Erasure:
        """Erase an applicant's personal data (PIPL Art. 47): record the erasure on each
        of its cases not yet erased, then destroy its data keys. Running it again
        records nothing, and destroys any key a crash left behind."""
        authorize(actor, "erase-applicant")
        actor = self._marked(actor)
        subject = self.personal_data.subject(id_number)
        case_ids = [c for c in self.personal_data.store.cases(subject) if self._exists(c)]
        if not case_ids:
            raise NotFound("no applicant with that ID number")
        recorded = self._record_erasures(case_ids, actor, reason, legal_basis)
        self.personal_data.store.destroy(subject)
        # An intake that sealed under the key before it was destroyed has committed by
        # now (destroying waits for it) or will record nothing: erase what committed.
        late = [c for c in self.personal_data.store.cases(subject) if c not in case_ids]
        late = [c for c in late if self._exists(c)]
        recorded += self._record_erasures(late, actor, reason, legal_basis)
        return Erasure(subject, case_ids + late, recorded)

    def _record_erasures(
        self, case_ids: list[UUID], actor: Actor, reason: str, legal_basis: str
    ) -> list[Recorded]:
        recorded = []
        for case_id in case_ids:
            case = self.get_case(case_id)
            if not case.applicant_erased:
                case.erase_applicant(
                    at=self.clock.now(), actor=actor, reason=reason, legal_basis=legal_basis
                )
                recorded.append(self._save(case))
        return recorded

    def record_due(self, case_ids: Iterable[UUID], *, batch: int = 200) -> list[Swept]:
        """Record, as the deadline sweeper, what is due today on each of the cases (a
        closed or moved case records nothing new); each case as it then stands, with what
        was recorded. The cases of a batch are saved in one transaction; on a clash (a
        command or another sweeper got there first) each is done again on its own, and a
        case still clashing is skipped: the other writer's record stands."""
        at = self.clock.now()
        calendar, actor = self.calendar(), self._marked(SWEEPER)
        swept: list[Swept] = []
        ids = list(case_ids)
        for start in range(0, len(ids), batch):
            done = [
                self._swept(case, at, actor, calendar)
                for case in self._cases(ids[start : start + batch])
            ]
            try:
                self.save(*(s.case for s in done if s.recorded))
            except IntegrityError:
                again = [self._sweep_alone(s.case.id, at, actor, calendar) for s in done]
                done = [s for s in again if s is not None]
            swept += done
        return swept

    def _cases(self, case_ids: list[UUID]) -> list[Case]:
        """The cases of ``case_ids`` that exist, read together, to change."""
        read = self.repository.rebuilt(case_ids).values()
        return [case for case in read if isinstance(case, Case)]

    def _swept(self, case: Case, at: datetime, actor: Actor, calendar: WorkingCalendar) -> Swept:
        recorded = sweep(case, at=at, actor=actor, calendar=calendar, item=self._item_terms)
        return Swept(case, tuple(recorded))

    def _sweep_alone(
        self, case_id: UUID, at: datetime, actor: Actor, calendar: WorkingCalendar
    ) -> Swept | None:
        """Sweep one case on its own; None when another writer got there first."""
        swept = self._swept(self.get_case(case_id), at, actor, calendar)
        if swept.recorded:
            try:
                self._save(swept.case)
            except VersionConflict:
                return None
        return swept

    def _item_terms(self, code: str) -> tuple[int, ItemContent]:
        item = self.service_item(code)
        return item.revision, item.content

    def recompute_provisional_deadlines(self, actor: Actor, reason: str) -> list[UUID]:
        """Record new deadlines for every open case whose deadlines the calendar now changes."""
        calendar = self.calendar()
        changed = []
        for case_id in self._open_accepted_case_ids():
            case = self.get_case(case_id)
            if case.deadline_provisional and case.recompute_deadlines(
                at=self.clock.now(), actor=actor, reason=reason, calendar=calendar
            ):
                self._save(case)
                changed.append(case_id)
        return changed

    # --- inspectors' reads ------------------------------------------------------------

    def record_access(
        self,
        actor: Actor,
        *,
        read: str,
        parameters: dict[str, Any],
        case_file: str,
        case_id: str | None = None,
        case_no: str | None = None,
        officer: str | None = None,
    ) -> Recorded:
        """Record that an inspector read part of the audit trail (``read``, with its
        ``parameters``) for ``case_file`` (案卷), about a case or an officer."""
        authorize(actor, "read-audit")
        access = InspectorAccess.record(
            at=self.clock.now(),
            actor=self._marked(actor),
            read=read,
            parameters=parameters,
            case_file=case_file,
            case_id=case_id,
            case_no=case_no,
            officer=officer,
        )
        return self._save(access)

    # --- anomalies and the declared-interest register ----------------------------------

    def record_detections(self, detections: Sequence[Detection]) -> list[Detection]:
        """Record what the anomaly detector found, as the detector, in one transaction;
        those that were new. An anomaly recorded before (by this detector or another one
        racing it) is left as it stands; on a clash each is recorded on its own."""
        known = self.repository.current([d.id for d in detections]) if detections else {}
        new = list({d.id: d for d in detections if d.id not in known}.values())
        if not new:
            return []
        at, actor = self.clock.now(), self._marked(DETECTOR)
        try:
            self.save(*(Anomaly.detect(d, at=at, actor=actor) for d in new))
        except IntegrityError:
            return [d for d in new if self._record_alone(d, at, actor)]
        return new

    def _record_alone(self, detection: Detection, at: datetime, actor: Actor) -> bool:
        """Record one detection; False when it was recorded before."""
        if self._exists(detection.id):
            return False
        try:
            self._save(Anomaly.detect(detection, at=at, actor=actor))
        except VersionConflict:
            return False
        return True

    def decide_anomaly(
        self, actor: Actor, anomaly_id: UUID, *, confirmed: bool, text: str
    ) -> Recorded:
        """An inspector's finding on an anomaly: confirmed with a note, or dismissed with
        the reason; once."""
        authorize(actor, "decide-anomaly")
        anomaly: Anomaly = self._get(anomaly_id, Anomaly, f"no anomaly {anomaly_id}")
        at, marked = self.clock.now(), self._marked(actor)
        if confirmed:
            anomaly.confirm(note=text, at=at, actor=marked)
        else:
            anomaly.dismiss(reason=text, at=at, actor=marked)
        return self._save(anomaly)

    def declare_interest(
        self,
        actor: Actor,
        *,
        applicant_kind: str,
        id_number: str,
        relation: str,
        note: str = "",
        officer: str | None = None,
        department: str | None = None,
    ) -> Recorded:
        """Declare ``officer``'s interest (by default the actor's own) in the applicant with
        ``id_number``, which is recorded only as its keyed hash; a hall administrator may
        declare for another staff member (and name that member's ``department``).
        Declaring a withdrawn interest renews it."""
        authorize(actor, "declare-interest")
        officer = officer or actor.id
        if officer != actor.id and actor.role not in INTEREST_REGISTRARS:
            raise Forbidden(actor.role, "declare-interest", reason=" for another staff member")
        if officer == actor.id and department not in (None, actor.department):
            raise InvalidCommand("one's own interest is declared in one's own department")
        subject = self.personal_data.subject(id_number)
        at, marked = self.clock.now(), self._marked(actor)
        interest_id = DeclaredInterest.id_for(officer, subject)
        if self._exists(interest_id):
            interest: DeclaredInterest = self._get(interest_id, DeclaredInterest, "")
            interest.renew(relation=relation, note=note, at=at, actor=marked)
        else:
            interest = DeclaredInterest.declare(
                officer=officer,
                department=department or actor.department,
                applicant_kind=applicant_kind,
                subject=subject,
                relation=relation,
                note=note,
                at=at,
                actor=marked,
            )
        return self._save(interest)

    def withdraw_interest(self, actor: Actor, interest_id: UUID, *, reason: str) -> Recorded:
        """Withdraw a declared interest: one's own, or as a hall administrator anyone's."""
        authorize(actor, "withdraw-interest")
        interest: DeclaredInterest = self._get(
            interest_id, DeclaredInterest, f"no declared interest {interest_id}"
        )
        if interest.officer != actor.id and actor.role not in INTEREST_REGISTRARS:
            raise Forbidden(actor.role, "withdraw-interest", reason=" of another staff member")
        interest.withdraw(reason=reason, at=self.clock.now(), actor=self._marked(actor))
        return self._save(interest)

    # --- supervision notices (督办) ----------------------------------------------------

    def issue_notice(
        self, actor: Actor, *, case_id: UUID, text: str, respond_within_days: int = 3
    ) -> tuple[Recorded, date]:
        """A supervisor's notice to an open case's department, to respond within
        ``respond_within_days`` working days after today on the hall calendar; the
        notice as recorded and the date to respond by."""
        case = self.get_case(case_id)
        authorize(actor, "issue-notice", case_department=case.department)
        if not case.is_open:
            raise InvalidCommand(f"case {case.case_no} is closed: there is nothing to urge")
        if respond_within_days < 1:
            raise InvalidCommand("respond_within_days must be at least 1 working day")
        at = self.clock.now()
        respond_by = self.calendar().add_working_days(local_date(at), respond_within_days).date
        assert respond_by is not None  # no pause: a working-day count always ends
        notice = SupervisionNotice.issue(
            case_id=str(case.id),
            case_no=case.case_no,
            department=case.department,
            officer=case.assignee,
            text=text,
            respond_by=respond_by,
            at=at,
            actor=self._marked(actor),
        )
        return self._save(notice), respond_by

    def respond_notice(
        self, actor: Actor, notice_id: UUID, *, text: str, expected_version: int | None = None
    ) -> Recorded:
        """The response of the notice's department (its approver or an officer), once."""
        notice = self.get_notice(notice_id)
        authorize(actor, "respond-notice", case_department=notice.department)
        _require_version(notice, expected_version, f"notice {notice_id}")
        notice.respond(text=text, at=self.clock.now(), actor=self._marked(actor))
        return self._save(notice)

    def escalate_notice(self, notice_id: UUID, today: date) -> Recorded | None:
        """Escalate the notice, as the platform, if it is unanswered past its date on
        ``today`` and was not escalated before; None when there is nothing to record
        (or another escalation got there first)."""
        notice = self.get_notice(notice_id)
        if notice.escalated or not notice.overdue_on(today):
            return None
        notice.escalate(today=today, at=self.clock.now(), actor=self._marked(ESCALATOR))
        try:
            return self._save(notice)
        except VersionConflict:
            return None

    def get_notice(self, notice_id: UUID) -> SupervisionNotice:
        """The notice as its events make it; ``NotFound`` when there is none."""
        notice: SupervisionNotice = self._get(
            notice_id, SupervisionNotice, f"no supervision notice {notice_id}"
        )
        return notice

    # --- the power list -------------------------------------------------------------

    def service_item(self, code: str) -> ServiceItem:
        """The item with ``code``, shared (not to be changed); an unknown code is an
        invalid command."""
        item = self._find(ServiceItem.id_for(code))
        if not isinstance(item, ServiceItem):
            raise InvalidCommand(f"unknown service item '{code}'")
        return item

    def register_item(self, actor: Actor, content: dict[str, Any]) -> Recorded:
        """Put a new item on the power list."""
        authorize(actor, "register-item")
        parsed = ItemContent.from_data(content)
        if self._exists(ServiceItem.id_for(parsed.code)):
            raise VersionConflict(f"service item {parsed.code} is already registered")
        return self._save(
            ServiceItem.register(content=parsed, at=self.clock.now(), actor=self._marked(actor))
        )

    def change_item(
        self,
        action: str,
        code: str,
        actor: Actor,
        *,
        expected_version: int | None = None,
        request: RequestKey | None = None,
        **fields: Any,
    ) -> Recorded:
        """``revise-item``, ``suspend-item``, ``resume-item`` or ``retire-item``."""
        authorize(actor, action)
        item = deepcopy(self.service_item(code))
        _require_version(item, expected_version, f"item {code}")
        if "content" in fields:
            fields["content"] = ItemContent.from_data(fields["content"])
        method = action.removesuffix("-item")
        getattr(item, method)(at=self.clock.now(), actor=self._marked(actor), **fields)
        return self._save(item, request)

    # --- the departments --------------------------------------------------------------

    def register_department(self, actor: Actor, *, code: str, name: str) -> Recorded:
        """Add a department to the hall, under its code and name."""
        authorize(actor, "register-department")
        if self._exists(Department.id_for(code)):
            raise VersionConflict(f"department {code} is already registered")
        department = Department.register(
            code=code, name=name, at=self.clock.now(), actor=self._marked(actor)
        )
        return self._save(department)

    def rename_department(
        self,
        actor: Actor,
        code: str,
        *,
        name: str,
        reason: str,
        expected_version: int | None = None,
    ) -> Recorded:
        """Record a department's new name."""
        authorize(actor, "rename-department")
        department: Department = self._get(
            Department.id_for(code), Department, f"no department '{code}'"
        )
        _require_version(department, expected_version, f"department {code}")
        department.rename(name=name, reason=reason, at=self.clock.now(), actor=self._marked(actor))
        return self._save(department)

    # --- the calendar -----------------------------------------------------------------

    def calendar(self) -> WorkingCalendar:
        """The working-day calendar: the seeded years plus every year the hall published."""
        return self.working_calendar(self._find(HallCalendar.ID))

    def working_calendar(self, hall: Aggregate | None) -> WorkingCalendar:
        """The calendar ``hall`` (the hall's calendar as read, or none) makes."""
        if not isinstance(hall, HallCalendar):
            return self.base_calendar
        return hall.working_calendar(self.base_calendar)

    def publish_calendar_year(
        self,
        actor: Actor,
        *,
        year: int,
        holidays: list[date],
        makeup_workdays: list[date],
        notice: str,
    ) -> Publication:
        """Publish (or correct) a year's holidays and make-up working days.

        Open cases whose deadlines this changes get a ``DeadlineRecomputed`` event,
        one case after another. Publishing a schedule already published as given
        records nothing new but recomputes again, so a retry finishes what a
        publication interrupted half-way (a crash) left undone; its position is
        then the log's head once that is done.
        """
        authorize(actor, "publish-calendar-year")
        actor = self._marked(actor)
        at = self.clock.now()
        hall = deepcopy(self._find(HallCalendar.ID)) or HallCalendar.create(at=at, actor=actor)
        assert isinstance(hall, HallCalendar)
        reason = f"calendar {year} published"
        schedule = YearSchedule(year, frozenset(holidays), frozenset(makeup_workdays))
        if hall.is_published_as(schedule, notice):
            self.recompute_provisional_deadlines(actor, reason=reason)
            head = self.recorder.max_notification_id() or 0
            return Publication(hall.id, hall.version, head, new=False)
        hall.publish_year(
            year=year,
            holidays=holidays,
            makeup_workdays=makeup_workdays,
            notice=notice,
            at=at,
            actor=actor,
        )
        publication = Publication(**vars(self._save(hall)), new=True)
        self.recompute_provisional_deadlines(actor, reason=reason)
        return publication

    def _marked(self, actor: Actor) -> Actor:
        """The actor as recorded: marked when the clock is simulated."""
        return replace(actor, simulated=True) if self.clock.simulated else actor

    # --- storage ------------------------------------------------------------------------

    def _get(self, aggregate_id: UUID, kind: type[Aggregate], missing: str) -> Any:
        """A copy of the aggregate, to change; ``NotFound`` unless it is a ``kind``."""
        aggregate = self._find(aggregate_id)
        if not isinstance(aggregate, kind):
            raise NotFound(missing)
        return deepcopy(aggregate)

    def _find(self, aggregate_id: UUID) -> Aggregate | None:
        """The aggregate as its events now make it, shared (not to be changed); None when
        it has none."""
        return self.repository.current([aggregate_id]).get(aggregate_id)

    def _exists(self, aggregate_id: UUID) -> bool:
        return self._find(aggregate_id) is not None

    def _open_accepted_case_ids(self) -> list[UUID]:
        """Ids of the accepted cases not yet closed, from the notification log (so that
        closed cases, most of a hall's history, are never loaded)."""
        closed = set(self.ids_recording(CLOSING_EVENTS))
        accepted = self.ids_recording([Accepted, DeemedAccepted])
        return [case_id for case_id in accepted if case_id not in closed]

    def ids_recording(self, events: Iterable[type[Aggregate.Event]]) -> Iterator[UUID]:
        """Ids of the aggregates that recorded any of ``events``, in log order."""
        topics = [get_topic(event) for event in events]
        start = None
        while batch := self.recorder.select_notifications(
            start=start, limit=500, topics=topics, inclusive_of_start=False
        ):
            for notification in batch:
                yield UUID(str(notification.originator_id))
            start = batch[-1].id

    def _save(
        self,
        aggregate: Aggregate,
        request: RequestKey | None = None,
        verifier: CodeVerifier | None = None,
        reads: Mapping[UUID, int] | None = None,
    ) -> Recorded:
        """Record the aggregate's new events, with the request's key and a new case's
        query-code verifier when there are, as of the versions of the other aggregates
        the command read (``reads``).

        A clash (another writer got there first, or the same key was claimed
        concurrently) records nothing and is a ``VersionConflict``; so is a newer event
        of an aggregate read (``StaleRead``).
        """
        try:
            recordings = self.save(aggregate, request=request, verifier=verifier, reads=reads)
        except IntegrityError:
            raise VersionConflict(
                f"{aggregate.id} was changed concurrently; reload and retry"
            ) from None
        # Held as saved (and never changed again), the next command on it reads only what
        # is recorded after.
        self.repository.remember(aggregate)
        return Recorded(
            aggregate_id=aggregate.id,
            version=aggregate.version,
            position=recordings[-1].notification.id,
        )
