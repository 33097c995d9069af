"""Every command on an existing case, declared once, by stage (as the ``Case`` is):
the command's fields, its name, its roles, and the one ``Case`` method it runs."""

from __future__ import annotations

from domain.case.commands.base import CaseCommand, Material, Needs
from domain.case.commands.clock import (
    EndSpecialProcedure,
    Extend,
    Resume,
    StartSpecialProcedure,
    Suspend,
)
from domain.case.commands.decision import (
    ChargeFee,
    Complete,
    Decide,
    Deliver,
    Forward,
    IssueCertificate,
    Skip,
    Terminate,
    Withdraw,
)
from domain.case.commands.evaluation import (
    CompleteCallback,
    OrderRectification,
    Rate,
    ReportRectification,
)
from domain.case.commands.handling import (
    AnswerOpinion,
    Assign,
    CloseParallelReview,
    CompleteStep,
    GiveOpinion,
    RequestParallelReview,
    Return,
)
from domain.case.commands.intake import Accept, NotAccept, ProvideSupplement, RequestSupplement

CASE_COMMANDS: tuple[type[CaseCommand], ...] = (
    RequestSupplement,
    ProvideSupplement,
    Accept,
    NotAccept,
    Assign,
    CompleteStep,
    Return,
    RequestParallelReview,
    GiveOpinion,
    AnswerOpinion,
    CloseParallelReview,
    StartSpecialProcedure,
    EndSpecialProcedure,
    Suspend,
    Resume,
    Extend,
    Decide,
    ChargeFee,
    IssueCertificate,
    Deliver,
    Complete,
    Withdraw,
    Terminate,
    Forward,
    Rate,
    OrderRectification,
    ReportRectification,
    CompleteCallback,
)

__all__ = [
    "CASE_COMMANDS",
    "Accept",
    "AnswerOpinion",
    "Assign",
    "CaseCommand",
    "ChargeFee",
    "CloseParallelReview",
    "Complete",
    "CompleteCallback",
    "CompleteStep",
    "Decide",
    "Deliver",
    "EndSpecialProcedure",
    "Extend",
    "Forward",
    "GiveOpinion",
    "IssueCertificate",
    "Material",
    "Needs",
    "NotAccept",
    "OrderRectification",
    "ProvideSupplement",
    "Rate",
    "ReportRectification",
    "RequestParallelReview",
    "RequestSupplement",
    "Resume",
    "Return",
    "Skip",
    "StartSpecialProcedure",
    "Suspend",
    "Terminate",
    "Withdraw",
]
