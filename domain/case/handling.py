"""Handling (承办, 审查/审核/审批, 退回, 并联审批/会签, answering a disagreement): each
command beside the event it records."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date, datetime
from typing import Any, ClassVar, TypedDict

from domain.actor import Actor
from domain.calendar import WorkingCalendar
from domain.case.state import (
    CaseEvent,
    CaseState,
    ParallelReview,
    Stage,
    StepResult,
    local_date,
    require_choice,
    require_text,
)
from domain.case.vocabulary import OPINIONS
from domain.deadlines import ClockReading, due_date, read_clock, step_limit
from domain.errors import InvalidCommand, InvalidTransition


class SkippedStep(TypedDict):
    """A handling step the decision was made without, and why."""

    step: str
    reason: str


class Assigned(CaseEvent):
    """承办: an officer takes the case."""

    assignee: str

    def apply_to(self, case: CaseState) -> None:
        case.assignee = self.assignee


class StepCompleted(CaseEvent):
    """审查/审核/审批: a handling step with its opinion ("disagree" awaits an answer).

    Version 2 records the step's due date (its ``limit_days`` counted from when it became
    current: acceptance, the previous step's completion or a return to it; pauses
    excluded) and whether it was completed within that limit (``domain.deadlines.
    on_time``); both null for a step the item does not list. Version 1 recorded neither
    (upcast: null, not judged).
    """

    class_version: ClassVar[int] = 2

    step: str
    opinion: str
    comment: str
    due_on: str | None
    on_time: bool | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """v1 recorded no due date and no judgement."""
        state["due_on"] = None
        state["on_time"] = None

    def apply_to(self, case: CaseState) -> None:
        case.completed_steps.append(self.step)
        on = local_date(self.timestamp)
        due = date.fromisoformat(self.due_on) if self.due_on else None
        case.step_results[self.step] = StepResult(case.step_started_on, due, on, self.on_time)
        case.step_started_on = on
        if self.opinion == "disagree" and self.step not in case.unanswered_steps:
            case.unanswered_steps.append(self.step)


class Returned(CaseEvent):
    """退回: back to an earlier step."""

    to_step: str
    reason: str

    def apply_to(self, case: CaseState) -> None:
        index = case.completed_steps.index(self.to_step)
        case.completed_steps = case.completed_steps[:index]
        case.returns += 1
        case.step_started_on = local_date(self.timestamp)


class ParallelReviewRequested(CaseEvent):
    """并联审批: co-departments are asked for their opinions by a due date."""

    departments: list[str]
    due_on: str

    def apply_to(self, case: CaseState) -> None:
        case.parallel = ParallelReview(tuple(self.departments), date.fromisoformat(self.due_on))


class CoDepartmentOpinionGiven(CaseEvent):
    """会签: one co-department's opinion ("disagree" awaits an answer)."""

    department: str
    opinion: str
    comment: str

    def apply_to(self, case: CaseState) -> None:
        assert case.parallel is not None
        opinions = {**case.parallel.opinions, self.department: self.opinion}
        case.parallel = replace(case.parallel, opinions=opinions)
        if self.opinion == "disagree" and self.department not in case.unanswered_departments:
            case.unanswered_departments.append(self.department)


class DisagreementAnswered(CaseEvent):
    """The case department's answer on record to a "disagree" opinion: a co-department's
    (``department``) or a handling step's (``step``); the other is None."""

    department: str | None
    step: str | None
    answer: str

    def apply_to(self, case: CaseState) -> None:
        if self.department is not None:
            case.unanswered_departments.remove(self.department)
        if self.step is not None:
            case.unanswered_steps.remove(self.step)


class ParallelReviewClosed(CaseEvent):
    """The parallel review ends: every opinion is in, or the due date passed."""

    reason: str  # "all_opinions" or "deadline_passed"
    missing: list[str]

    def apply_to(self, case: CaseState) -> None:
        case.parallel = None


class Handling(Stage):
    """The commands of handling an accepted case."""

    def assign(self, *, at: datetime, actor: Actor, assignee: str) -> None:
        """承办: (re)assign the case to an officer."""
        self.require_handling("assign")
        require_text(assignee=assignee)
        self._record(Assigned, at, actor, assignee=assignee)

    def complete_step(
        self,
        *,
        at: datetime,
        actor: Actor,
        step: str,
        opinion: str,
        calendar: WorkingCalendar,
        comment: str = "",
    ) -> None:
        """审查/审核/审批: complete the item's next handling step with an opinion,
        recording its due date and whether it kept its limit."""
        self.require_handling("complete-step", running=True)
        if self.assignee is None:
            raise InvalidCommand("assign the case to an officer before completing steps")
        require_choice("opinion", opinion, OPINIONS)
        expected = _next_step(self)
        if expected is not None and step != expected:
            raise InvalidCommand(f"the next step is '{expected}', not '{step}'")
        require_text(step=step)
        timed = self.step_clock(calendar, step, local_date(at))
        self._record(
            StepCompleted,
            at,
            actor,
            step=step,
            opinion=opinion,
            comment=comment,
            due_on=timed[0].isoformat() if timed and timed[0] else None,
            on_time=timed[1].on_time if timed else None,
        )

    def step_clock(
        self, calendar: WorkingCalendar, name: str, today: date
    ) -> tuple[date | None, ClockReading] | None:
        """The current step ``name``'s due date (None while a pause is open) and its clock
        as of ``today``; None when the item lists no such step. Every pause of the case
        stops it: no step is completed while the clock is stopped."""
        terms = self.require_terms()
        step = next((s for s in terms.steps if s.name == name), None)
        if step is None or self.step_started_on is None:
            return None
        limit = step_limit(terms, step)
        due = due_date(calendar, limit, self.step_started_on, self.pauses)
        return due, read_clock(calendar, limit, self.step_started_on, today, self.pauses)

    def steps(self, calendar: WorkingCalendar, today: date) -> list[dict[str, Any]]:
        """Each handling step of the item, in order, with its limit (in ``step_limit``'s
        unit) and ``status``: ``completed`` (when it started, was due and was completed,
        and whether on time), ``current`` (when it started and is due, ``on_time`` so far
        and ``overdue`` once past its limit), ``skipped`` by the decision, or ``pending``."""
        if self.terms is None:
            return []
        views = []
        done = len(self.completed_steps)
        for index, step in enumerate(s for s in self.terms.steps if s.role != "clerk"):
            view: dict[str, Any] = {
                "name": step.name,
                "role": step.role,
                "limit_days": step.limit_days,
                "unit": step_limit(self.terms, step).unit,
                "status": "pending",
                "started_on": None,
                "due_on": None,
                "completed_on": None,
                "on_time": None,
                "overdue": False,
            }
            timed = self.step_clock(calendar, step.name, today) if index == done else None
            if index < done:
                view |= {"status": "completed", **asdict(self.step_results[step.name])}
            elif step.name in self.skipped_steps:
                view["status"] = "skipped"
            elif timed is not None and self.status == "in_review":
                due, clock = timed
                view |= {
                    "status": "current",
                    "started_on": self.step_started_on,
                    "due_on": due,
                    "on_time": clock.on_time,
                    "overdue": not clock.on_time,
                }
            views.append(view)
        return views

    def return_to_step(self, *, at: datetime, actor: Actor, to_step: str, reason: str) -> None:
        """退回: send the case back to a step already completed."""
        self.require_handling("return", running=True)
        require_text(reason=reason)
        if to_step not in self.completed_steps:
            raise InvalidCommand(f"'{to_step}' is not a completed step of this case")
        self._record(Returned, at, actor, to_step=to_step, reason=reason)

    def request_parallel_review(
        self, *, at: datetime, actor: Actor, departments: list[str], due_on: date
    ) -> None:
        """并联审批: ask co-departments for opinions by ``due_on``."""
        self.require_handling("request-parallel-review", running=True)
        terms = self.require_terms()
        if self.parallel is not None:
            raise InvalidCommand("a parallel review is already open")
        if not departments:
            raise InvalidCommand("name at least one co-department")
        strangers = sorted(set(departments) - set(terms.co_departments))
        if strangers:
            raise InvalidCommand(
                f"not co-departments of this item: {', '.join(strangers)} "
                f"(the item lists {', '.join(terms.co_departments) or 'none'})"
            )
        if due_on <= local_date(at):
            raise InvalidCommand("the due date must be after today")
        self._record(
            ParallelReviewRequested,
            at,
            actor,
            departments=sorted(set(departments)),
            due_on=due_on.isoformat(),
        )

    def give_opinion(self, *, at: datetime, actor: Actor, opinion: str, comment: str = "") -> None:
        """会签: the actor's department gives its opinion; the last one closes the review."""
        if self.parallel is None:
            raise InvalidTransition(self.state(), "give-opinion")
        require_choice("opinion", opinion, OPINIONS)
        department = actor.department
        if department not in self.parallel.departments:
            raise InvalidCommand(f"department '{department}' was not asked for an opinion")
        if department in self.parallel.opinions:
            raise InvalidCommand(f"department '{department}' has already given its opinion")
        self._record(
            CoDepartmentOpinionGiven,
            at,
            actor,
            department=department,
            opinion=opinion,
            comment=comment,
        )
        if not self.parallel.missing:
            self._record(ParallelReviewClosed, at, actor, reason="all_opinions", missing=[])

    def answer_opinion(
        self,
        *,
        at: datetime,
        actor: Actor,
        answer: str,
        department: str | None = None,
        step: str | None = None,
    ) -> None:
        """Answer on record a co-department's (``department``) or a step's (``step``)
        "disagree" opinion; the decision waits for every answer."""
        self.require_handling("answer-opinion")
        if (department is None) == (step is None):
            raise InvalidCommand(
                "name either the department or the step whose disagreement this answers"
            )
        require_text(answer=answer)
        if department is not None and department not in self.unanswered_departments:
            raise InvalidCommand(f"department '{department}' has no unanswered disagreement")
        if step is not None and step not in self.unanswered_steps:
            raise InvalidCommand(f"step '{step}' has no unanswered disagreement")
        self._record(
            DisagreementAnswered, at, actor, department=department, step=step, answer=answer
        )

    def close_parallel_review(self, *, at: datetime, actor: Actor) -> None:
        """Proceed without the missing opinions once their due date has passed."""
        if self.parallel is None:
            raise InvalidTransition(self.state(), "close-parallel-review")
        self.require_review_due(at)
        missing = self.parallel.missing
        self._record(ParallelReviewClosed, at, actor, reason="deadline_passed", missing=missing)

    def require_examined(self, skipped_steps: list[SkippedStep]) -> list[SkippedStep]:
        """The steps skipped, once the case was examined as the law requires (Art. 34,
        37): by an officer in charge, through every step (or a skip with its reason),
        with every disagreement answered (Art. 26)."""
        if self.assignee is None:
            raise InvalidCommand(
                "a case is decided after its examination by an officer in charge (Art. 34):"
                " assign the case first"
            )
        steps = handling_steps(self)
        remaining = steps[len(self.completed_steps) :]
        named = [s["step"] for s in skipped_steps]
        problems = [
            *(f"'{n}' is not a step of this item" for n in named if n not in steps),
            *(f"'{n}' was completed, not skipped" for n in named if n in self.completed_steps),
            *(f"'{n}' is named twice" for n in sorted(set(named)) if named.count(n) > 1),
            *(
                f"skipping '{s['step']}' needs a reason"
                for s in skipped_steps
                if not s["reason"].strip()
            ),
        ]
        if problems:
            raise InvalidCommand(f"skipped_steps: {'; '.join(problems)}")
        undone = [n for n in remaining if n not in named]
        if undone:
            raise InvalidCommand(
                f"steps not completed: {', '.join(undone)}; a decision follows the item's"
                " procedure (Art. 37): complete them, or name each in skipped_steps with a reason"
            )
        unanswered = [
            *(f"department {d}" for d in self.unanswered_departments),
            *(f"step {s}" for s in self.unanswered_steps),
        ]
        if unanswered:
            raise InvalidCommand(
                f"disagreements unanswered: {', '.join(unanswered)}; answer each on record"
                " (answer-opinion) before deciding (Art. 26)"
            )
        return [{"step": s["step"], "reason": s["reason"]} for s in skipped_steps]

    def require_review_due(self, at: datetime) -> None:
        """Refuse while an open parallel review's opinions are not yet due."""
        if self.parallel is not None and local_date(at) <= self.parallel.due_on:
            raise InvalidCommand(
                f"the parallel review is still open: opinions are due by "
                f"{self.parallel.due_on.isoformat()}; wait for them"
            )


def handling_steps(case: CaseState) -> list[str]:
    """The item's handling steps (the clerk's intake steps are done by acceptance)."""
    return [step.name for step in case.require_terms().steps if step.role != "clerk"]


def _next_step(case: CaseState) -> str | None:
    """The item's next handling step (the clerk's intake steps are done by acceptance
    itself); None when the item lists none."""
    steps = handling_steps(case)
    done = len(case.completed_steps)
    if not steps:
        return None
    if done >= len(steps):
        raise InvalidCommand("every handling step is already completed")
    return steps[done]
