"""Who may do what: the staff role matrix and its department rules (DESIGN §5).

Pure policy: ``authorize`` raises ``Forbidden`` or returns; it never looks anything up.
Clerks, supervisors, inspectors and kiosks (window evaluation devices) act hall-wide;
officers and approvers act only on their own department's cases, except
``give-opinion``, which only a co-department gives.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.actor import Actor
from domain.errors import DomainError

ROLES: tuple[str, ...] = (
    "clerk",  # 窗口
    "officer",  # 承办/审核
    "approver",  # department head
    "hall_admin",
    "supervisor",
    "inspector",
    "integrator",  # reads the Kafka stream; no action here
    "applicant",  # acts with the case number and query code, checked by the public API
    "kiosk",  # a window evaluation device (评价器): rates, nothing else
)

# action -> roles that may perform it (department rules are applied on top).
_PERMISSIONS: dict[str, frozenset[str]] = {
    # intake and acceptance
    "submit": frozenset({"clerk"}),
    "request-supplement": frozenset({"clerk", "officer", "approver"}),
    "provide-supplement": frozenset({"clerk", "officer", "approver"}),
    "accept": frozenset({"clerk", "approver"}),
    "not-accept": frozenset({"clerk", "approver"}),
    # handling
    "assign": frozenset({"officer", "approver"}),
    "complete-step": frozenset({"officer", "approver"}),
    "return": frozenset({"officer", "approver"}),
    "request-parallel-review": frozenset({"officer", "approver"}),
    "give-opinion": frozenset({"officer", "approver"}),
    "answer-opinion": frozenset({"officer", "approver"}),
    "close-parallel-review": frozenset({"approver"}),
    "start-special-procedure": frozenset({"officer", "approver"}),
    "end-special-procedure": frozenset({"officer", "approver"}),
    "suspend": frozenset({"officer", "approver"}),
    "resume": frozenset({"officer", "approver"}),
    "extend": frozenset({"approver"}),
    "decide": frozenset({"approver"}),
    # result
    "charge-fee": frozenset({"clerk", "officer", "approver"}),
    "issue-certificate": frozenset({"clerk", "officer", "approver"}),
    "deliver": frozenset({"clerk", "officer", "approver"}),
    "complete": frozenset({"officer", "approver"}),
    "forward": frozenset({"officer", "approver"}),
    "terminate": frozenset({"approver"}),
    "withdraw": frozenset({"clerk", "officer", "approver"}),
    # evaluation
    "rate": frozenset({"applicant", "kiosk"}),
    "order-rectification": frozenset({"supervisor"}),
    "report-rectification": frozenset({"officer", "approver"}),
    "complete-callback": frozenset({"supervisor"}),
    # reads
    "read-case": frozenset({"clerk", "officer", "approver", "supervisor", "inspector"}),
    # catalogue, calendar and departments
    "register-item": frozenset({"hall_admin"}),
    "revise-item": frozenset({"hall_admin"}),
    "suspend-item": frozenset({"hall_admin"}),
    "resume-item": frozenset({"hall_admin"}),
    "retire-item": frozenset({"hall_admin"}),
    "publish-calendar-year": frozenset({"hall_admin"}),
    "register-department": frozenset({"hall_admin"}),
    "rename-department": frozenset({"hall_admin"}),
    # personal data
    "erase-applicant": frozenset({"hall_admin"}),
    # operations: messages the views refused
    "resolve-quarantine": frozenset({"hall_admin"}),
}

ACTIONS: tuple[str, ...] = tuple(_PERMISSIONS)

# Actions not tied to an existing case: ``case_department`` must be None for these only.
_CASE_FREE_ACTIONS = frozenset(
    {
        "submit",
        "register-item",
        "revise-item",
        "suspend-item",
        "resume-item",
        "retire-item",
        "publish-calendar-year",
        "register-department",
        "rename-department",
        "erase-applicant",
        "resolve-quarantine",
    }
)
# Roles whose case actions are not scoped to a department; every other role is.
_HALL_WIDE_ROLES = frozenset({"clerk", "supervisor", "inspector", "applicant", "kiosk"})
_CO_DEPARTMENT_ACTION = "give-opinion"
# Roles that read a case's personal data only for a stated case file (案卷), on record.
CASE_FILE_ROLES = frozenset({"supervisor", "inspector"})


class Forbidden(DomainError):
    """The actor's role or department does not allow the action."""

    def __init__(
        self, role: str, action: str, *, department: str | None = None, reason: str = ""
    ) -> None:
        who = f"role '{role}'" if department is None else f"{role} of department '{department}'"
        super().__init__(f"{who} may not {action}{reason}")
        self.role = role
        self.action = action


def allowed_roles(action: str) -> frozenset[str]:
    """The roles that may perform ``action``, before any department rule."""
    try:
        return _PERMISSIONS[action]
    except KeyError:
        raise ValueError(f"unknown action '{action}'") from None


def authorize(
    actor: Actor,
    action: str,
    *,
    case_department: str | None = None,
    co_departments: Sequence[str] = (),
) -> None:
    """Raise ``Forbidden`` unless ``actor`` may perform ``action``.

    ``case_department`` is the case's department, and must be None exactly for the
    actions not tied to a case (intake, catalogue, calendar); ``co_departments`` are the
    case's parallel-review departments. Misuse and unknown actions raise ``ValueError``.
    """
    roles = allowed_roles(action)
    if (case_department is None) != (action in _CASE_FREE_ACTIONS):
        needs = "no case department" if action in _CASE_FREE_ACTIONS else "the case's department"
        raise ValueError(f"action '{action}' takes {needs}")
    if actor.role not in roles:
        reason = "" if actor.role in ROLES else " (unknown role)"
        raise Forbidden(actor.role, action, reason=reason)
    if case_department is None or actor.role in _HALL_WIDE_ROLES:
        return
    if action == _CO_DEPARTMENT_ACTION:
        if actor.department == case_department:
            reason = " on its own department's case: only co-departments give opinions"
        elif actor.department not in co_departments:
            listed = ", ".join(f"'{d}'" for d in co_departments) or "none"
            reason = (
                f" on a case of department '{case_department}':"
                f" not a co-department (co-departments: {listed})"
            )
        else:
            return
        raise Forbidden(actor.role, action, department=actor.department, reason=reason)
    if actor.department != case_department:
        raise Forbidden(
            actor.role,
            action,
            department=actor.department,
            reason=f" a case of department '{case_department}'",
        )
