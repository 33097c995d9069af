"""The Case aggregate (办件): its whole lifecycle, under statutory time limits.

Intake (Submitted, SupplementRequested/Provided) → acceptance (Accepted or
DeemedAccepted starts the clock, or NotAccepted) → handling (Assigned,
StepCompleted, Returned, parallel review, DisagreementAnswered) with the clocks
stopped by special procedures (Art. 45 ones stop the statutory clock too),
suspension and in-review supplements (the promised clock only), and moved by
DeadlineExtended → Decided → fees, certificate, delivery → Completed; Withdrawn,
Terminated and Forwarded close it before a decision, Completed as 补正不来, 作废 or
退回 before acceptance. Ratings and their rectification follow closure. Every
change of deadline is an event.

Each stage is a module holding its events and the commands that record them;
``Case`` is all of them together.
"""

from __future__ import annotations

from domain.case.acceptance import (
    Acceptance,
    AcceptanceEvent,
    Accepted,
    DeemedAccepted,
    NotAccepted,
)
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
    Intake,
    Submitted,
    SupplementProvided,
    SupplementProvidedInReview,
    SupplementRequested,
)
from domain.case.state import TERMINAL_STATES, CaseEvent, CaseState, local_date
from domain.case.supervision import (
    DeadlineAlertCleared,
    DeadlineBreached,
    DeadlineWarningRaised,
    DeemedSatisfied,
    RectificationOverdue,
    SpecialProcedureOverdue,
    StatutoryLimitBreached,
    StepLimitOverrun,
    Supervision,
)


class Case(Intake, Acceptance, Clock, Decision, Evaluation, Supervision, CaseState):
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
    DeemedAccepted,
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
    DeadlineWarningRaised,
    DeadlineBreached,
    StatutoryLimitBreached,
    SpecialProcedureOverdue,
    StepLimitOverrun,
    RectificationOverdue,
    DeadlineAlertCleared,
    DeemedSatisfied,
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
# The events the deadline sweeper records of its own (alerts and their clearing, a stage
# deemed satisfied): none is progress on the case by anyone.
SUPERVISION_EVENTS: tuple[type[CaseEvent], ...] = (
    DeadlineWarningRaised,
    DeadlineBreached,
    StatutoryLimitBreached,
    SpecialProcedureOverdue,
    StepLimitOverrun,
    RectificationOverdue,
    DeadlineAlertCleared,
    DeemedSatisfied,
)
# The events that stop the clock (and a supplement notice given in review, see
# ``domain.case.kinds.stops_clock``); those that start it again are the ``Resumes``.
# Each records whether it stops the statutory clock as well as the promised one.
PAUSING_EVENTS: tuple[type[CaseEvent], ...] = (SpecialProcedureStarted, Suspended)

__all__ = [
    "CLOSING_EVENTS",
    "EVENTS",
    "PAUSING_EVENTS",
    "SUPERVISION_EVENTS",
    "TERMINAL_STATES",
    "AcceptanceEvent",
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
    "DeadlineAlertCleared",
    "DeadlineBreached",
    "DeadlineExtended",
    "DeadlineRecomputed",
    "DeadlineWarningRaised",
    "Decided",
    "DeemedAccepted",
    "DeemedSatisfied",
    "DisagreementAnswered",
    "FeeCharged",
    "Forwarded",
    "NotAccepted",
    "ParallelReviewClosed",
    "ParallelReviewRequested",
    "Rated",
    "RectificationOrdered",
    "RectificationOverdue",
    "RectificationReported",
    "ResultDelivered",
    "Resumed",
    "Returned",
    "SpecialProcedureEnded",
    "SpecialProcedureOverdue",
    "SpecialProcedureStarted",
    "StatutoryLimitBreached",
    "StepCompleted",
    "StepLimitOverrun",
    "Submitted",
    "SupplementProvided",
    "SupplementProvidedInReview",
    "SupplementRequested",
    "Suspended",
    "Terminated",
    "Withdrawn",
    "local_date",
]
