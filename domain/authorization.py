"""Who may do what: the staff role matrix and its department rules (DESIGN §5).

Pure policy: ``authorize`` raises ``Forbidden`` or returns; it never looks anything up.
Clerks, supervisors, inspectors (senior ones too) and kiosks (window evaluation devices)
act hall-wide; officers and approvers act only on their own department's cases, except
``give-opinion``, which only a co-department gives.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.actor import Actor
from domain.case.commands import CASE_COMMANDS, GiveOpinion
from domain.errors import DomainError
from domain.roles import ROLES, Role

# Roles that read the audit's anomalies and the declared-interest register, and record
# findings on anomalies.
INSPECTORS: frozenset[Role] = frozenset({"inspector", "senior_inspector"})
# Staff who declare their own interests (回避), and the roles that declare or withdraw one
# for another staff member.
DECLARING: frozenset[Role] = frozenset({"clerk", "officer", "approver", "hall_admin"})
INTEREST_REGISTRARS: frozenset[Role] = frozenset({"hall_admin"})

# action -> roles that may perform it (department rules are applied on top): each case
# command's roles as it declares them, then the actions outside a case's lifecycle.
_PERMISSIONS: dict[str, frozenset[Role]] = {
    **{command.ACTION: command.ROLES for command in CASE_COMMANDS},
    "submit": frozenset({"clerk"}),
    "read-case": frozenset(
        {"clerk", "officer", "approver", "supervisor", "inspector", "senior_inspector"}
    ),
    # the audit trail: inspectors read it, each read on record; only a senior inspector
    # reads the record of those reads
    "read-audit": INSPECTORS,
    "read-access-log": frozenset({"senior_inspector"}),
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
    # the audit: anomalies and their findings, the declared-interest register
    "read-anomalies": INSPECTORS,
    "decide-anomaly": INSPECTORS,
    "declare-interest": DECLARING,
    "withdraw-interest": DECLARING,
    "read-interests": INSPECTORS,
    # supervision notices (督办): a supervisor issues one about a case; its department's
    # approver or officer responds; supervisors and hall administrators read every one,
    # approvers and officers their own department's (``department_scope``)
    "issue-notice": frozenset({"supervisor"}),
    "respond-notice": frozenset({"approver", "officer"}),
    "read-notices": frozenset({"supervisor", "hall_admin", "approver", "officer"}),
    # the staff's read side: searching cases, the work queues, the supervision board and
    # its KPIs (which departments each reads: ``department_scope``)
    "search-cases": frozenset({"clerk", "officer", "approver", "supervisor", "hall_admin"}),
    "read-own-queue": frozenset({"officer", "approver"}),
    "read-department-queue": frozenset({"officer", "approver", "supervisor", "hall_admin"}),
    "read-supervision": frozenset({"approver", "supervisor", "hall_admin"}),
    # webhook subscriptions: register, change, pause, replay, read their deliveries
    "manage-webhooks": frozenset({"hall_admin"}),
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
        "read-audit",
        "read-access-log",
        "read-anomalies",
        "decide-anomaly",
        "declare-interest",
        "withdraw-interest",
        "read-interests",
        "read-notices",
        "search-cases",
        "read-own-queue",
        "read-department-queue",
        "read-supervision",
        "manage-webhooks",
    }
)
# Roles whose case actions are not scoped to a department; every other role is.
_HALL_WIDE_ROLES = frozenset(
    {"clerk", "supervisor", "inspector", "senior_inspector", "applicant", "kiosk"}
)
_CO_DEPARTMENT_ACTION = GiveOpinion.ACTION
# Roles that read every department's cases on the staff's read side (a clerk at the
# window searches any case, as it reads any); every other reader reads its own department.
_HALL_WIDE_READERS = frozenset({"clerk", "supervisor", "hall_admin"})
# Roles that read a case's personal data only for a stated case file (案卷), on record.
CASE_FILE_ROLES = frozenset({"supervisor", "inspector", "senior_inspector"})


class Forbidden(DomainError):
    """The actor's role or department does not allow the action."""

    def __init__(
        self, role: str, action: str, *, department: str | None = None, reason: str = ""
    ) -> None:
        who = f"role '{role}'" if department is None else f"{role} of department '{department}'"
        super().__init__(f"{who} may not {action}{reason}")
        self.role = role
        self.action = action


def allowed_roles(action: str) -> frozenset[Role]:
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


def department_scope(actor: Actor, action: str, department: str | None) -> str | None:
    """The department a read of the staff's read side covers (``action``, not tied to a
    case): ``department`` for hall-wide readers (None: every department); for the others
    their own, and ``Forbidden`` for a ``department`` not theirs."""
    authorize(actor, action)
    if actor.role in _HALL_WIDE_READERS:
        return department
    if department is not None and department != actor.department:
        raise Forbidden(
            actor.role,
            action,
            department=actor.department,
            reason=f" of department '{department}'",
        )
    return actor.department
