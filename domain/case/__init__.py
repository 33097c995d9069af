"""The Case aggregate (办件): its whole lifecycle, under statutory time limits.

Intake (Submitted, SupplementRequested/Provided) → acceptance (Accepted starts
the clock, or NotAccepted) → handling (Assigned, StepCompleted, Returned,
parallel review, DisagreementAnswered) with the clock stopped by special
procedures, suspension and in-review supplements, and moved by DeadlineExtended
→ Decided → fees, certificate, delivery → Completed; Withdrawn, Terminated and
Forwarded close it before a decision, Completed as 补正不来, 作废 or 退回 before
acceptance. Ratings and their rectification follow closure. Every change of
deadline is an event.

Each stage is a module holding its events and the commands that record them;
``Case`` is all of them together.
"""

from __future__ import annotations

from domain.case.clock import (
    Clock,
    DeadlineExtended,
    DeadlineRecomputed,
    Resumed,
    SpecialProcedureEnded,
    SpecialProcedureStarted,
    Suspended,
)
from domain.case.decision import (
    CertificateIssued,
    Completed,
    Decided,
    Decision,
    FeeCharged,
    Forwarded,
    ResultDelivered,
    Terminated,
    Withdrawn,
)
from domain.case.evaluation import (
    ApplicantDataErased,
    CallbackCompleted,
    Evaluation,
    Rated,
    RectificationOrdered,
    RectificationReported,
)
from domain.case.handling import (
    Assigned,
    CoDepartmentOpinionGiven,
    DisagreementAnswered,
    ParallelReviewClosed,
    ParallelReviewRequested,
    Returned,
    StepCompleted,
)
from domain.case.intake import (
    Accepted,
    Intake,
    NotAccepted,
    Submitted,
    SupplementProvided,
    SupplementProvidedInReview,
    SupplementRequested,
)
from domain.case.state import TERMINAL_STATES, CaseEvent, CaseState, local_date


class Case(Intake, Clock, Decision, Evaluation, CaseState):
    """An application case, from intake to closure and evaluation."""

    def __init__(self) -> None:  # its own, or the library would derive one from the state
        super().__init__()


# Every event a case records, in lifecycle order.
EVENTS: tuple[type[CaseEvent], ...] = (
    Submitted,
    SupplementRequested,
    SupplementProvided,
    SupplementProvidedInReview,
    Accepted,
    NotAccepted,
    Assigned,
    StepCompleted,
    Returned,
    ParallelReviewRequested,
    CoDepartmentOpinionGiven,
    DisagreementAnswered,
    ParallelReviewClosed,
    SpecialProcedureStarted,
    SpecialProcedureEnded,
    Suspended,
    Resumed,
    DeadlineExtended,
    DeadlineRecomputed,
    Decided,
    FeeCharged,
    CertificateIssued,
    ResultDelivered,
    Completed,
    Withdrawn,
    Terminated,
    Forwarded,
    Rated,
    RectificationOrdered,
    RectificationReported,
    CallbackCompleted,
    ApplicantDataErased,
)
# The events after which a case is closed for good.
CLOSING_EVENTS: tuple[type[CaseEvent], ...] = (
    NotAccepted,
    Completed,
    Withdrawn,
    Terminated,
    Forwarded,
)
# The events that stop the clock (and a supplement notice given in review, see
# ``domain.case.kinds.stops_clock``); those that start it again are the ``Resumes``.
PAUSING_EVENTS: tuple[type[CaseEvent], ...] = (SpecialProcedureStarted, Suspended)

__all__ = [
    "CLOSING_EVENTS",
    "EVENTS",
    "PAUSING_EVENTS",
    "TERMINAL_STATES",
    "Accepted",
    "ApplicantDataErased",
    "Assigned",
    "CallbackCompleted",
    "Case",
    "CaseEvent",
    "CaseState",
    "CertificateIssued",
    "CoDepartmentOpinionGiven",
    "Completed",
    "DeadlineExtended",
    "DeadlineRecomputed",
    "Decided",
    "DisagreementAnswered",
    "FeeCharged",
    "Forwarded",
    "NotAccepted",
    "ParallelReviewClosed",
    "ParallelReviewRequested",
    "Rated",
    "RectificationOrdered",
    "RectificationReported",
    "ResultDelivered",
    "Resumed",
    "Returned",
    "SpecialProcedureEnded",
    "SpecialProcedureStarted",
    "StepCompleted",
    "Submitted",
    "SupplementProvided",
    "SupplementProvidedInReview",
    "SupplementRequested",
    "Suspended",
    "Terminated",
    "Withdrawn",
    "local_date",
]
