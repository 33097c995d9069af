"""The authorization matrix, every action against every role and department relation."""

from __future__ import annotations

import pytest

from domain.actor import Actor
from domain.authorization import (
    ACTIONS,
    Forbidden,
    allowed_roles,
    authorize,
    department_scope,
)
from domain.roles import ROLES

CASE_DEPARTMENT = "SCJG"
CO_DEPARTMENTS = ("ZJ", "HB")
# Relation of the actor's department to the case; NONE for actions not tied to a case.
NONE, OWN, OTHER, CO = "none", "own", "other", "co"
ACTOR_DEPARTMENT = {NONE: "BGS", OWN: CASE_DEPARTMENT, OTHER: "JT", CO: "ZJ"}

ALL_ROLES = [
    "clerk",
    "officer",
    "approver",
    "hall_admin",
    "supervisor",
    "inspector",
    "senior_inspector",
    "integrator",
    "applicant",
    "kiosk",
]
CASE_FREE_ACTIONS = [
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
]
CASE_ACTIONS = [
    "request-supplement",
    "provide-supplement",
    "accept",
    "not-accept",
    "assign",
    "complete-step",
    "return",
    "request-parallel-review",
    "give-opinion",
    "answer-opinion",
    "close-parallel-review",
    "start-special-procedure",
    "end-special-procedure",
    "suspend",
    "resume",
    "extend",
    "decide",
    "charge-fee",
    "issue-certificate",
    "deliver",
    "complete",
    "forward",
    "terminate",
    "withdraw",
    "rate",
    "order-rectification",
    "report-rectification",
    "complete-callback",
    "read-case",
    "issue-notice",
    "respond-notice",
]

# Every allowed (role, action, relation); anything else must be Forbidden.
ALLOWED = {
    # clerk: intake and result for the whole hall
    ("clerk", "submit", NONE),
    ("clerk", "request-supplement", OWN),
    ("clerk", "request-supplement", OTHER),
    ("clerk", "request-supplement", CO),
    ("clerk", "provide-supplement", OWN),
    ("clerk", "provide-supplement", OTHER),
    ("clerk", "provide-supplement", CO),
    ("clerk", "accept", OWN),
    ("clerk", "accept", OTHER),
    ("clerk", "accept", CO),
    ("clerk", "not-accept", OWN),
    ("clerk", "not-accept", OTHER),
    ("clerk", "not-accept", CO),
    ("clerk", "charge-fee", OWN),
    ("clerk", "charge-fee", OTHER),
    ("clerk", "charge-fee", CO),
    ("clerk", "issue-certificate", OWN),
    ("clerk", "issue-certificate", OTHER),
    ("clerk", "issue-certificate", CO),
    ("clerk", "deliver", OWN),
    ("clerk", "deliver", OTHER),
    ("clerk", "deliver", CO),
    ("clerk", "withdraw", OWN),
    ("clerk", "withdraw", OTHER),
    ("clerk", "withdraw", CO),
    # The applicant rates its own case (the public API checks the query code first), or
    # at a window evaluation device (kiosk), which may do nothing else; staff never rate.
    ("applicant", "rate", OWN),
    ("applicant", "rate", OTHER),
    ("applicant", "rate", CO),
    ("kiosk", "rate", OWN),
    ("kiosk", "rate", OTHER),
    ("kiosk", "rate", CO),
    ("clerk", "read-case", OWN),
    ("clerk", "read-case", OTHER),
    ("clerk", "read-case", CO),
    # officer: own department only; give-opinion for a co-department only
    ("officer", "request-supplement", OWN),
    ("officer", "provide-supplement", OWN),
    ("officer", "assign", OWN),
    ("officer", "complete-step", OWN),
    ("officer", "return", OWN),
    ("officer", "request-parallel-review", OWN),
    ("officer", "give-opinion", CO),
    ("officer", "answer-opinion", OWN),
    ("officer", "start-special-procedure", OWN),
    ("officer", "end-special-procedure", OWN),
    ("officer", "suspend", OWN),
    ("officer", "resume", OWN),
    ("officer", "charge-fee", OWN),
    ("officer", "issue-certificate", OWN),
    ("officer", "deliver", OWN),
    ("officer", "complete", OWN),
    ("officer", "forward", OWN),
    ("officer", "withdraw", OWN),
    ("officer", "report-rectification", OWN),
    ("officer", "read-case", OWN),
    # approver: what an officer may, plus the head's decisions
    ("approver", "request-supplement", OWN),
    ("approver", "provide-supplement", OWN),
    ("approver", "accept", OWN),
    ("approver", "not-accept", OWN),
    ("approver", "assign", OWN),
    ("approver", "complete-step", OWN),
    ("approver", "return", OWN),
    ("approver", "request-parallel-review", OWN),
    ("approver", "give-opinion", CO),
    ("approver", "answer-opinion", OWN),
    ("approver", "close-parallel-review", OWN),
    ("approver", "start-special-procedure", OWN),
    ("approver", "end-special-procedure", OWN),
    ("approver", "suspend", OWN),
    ("approver", "resume", OWN),
    ("approver", "extend", OWN),
    ("approver", "decide", OWN),
    ("approver", "charge-fee", OWN),
    ("approver", "issue-certificate", OWN),
    ("approver", "deliver", OWN),
    ("approver", "complete", OWN),
    ("approver", "forward", OWN),
    ("approver", "terminate", OWN),
    ("approver", "withdraw", OWN),
    ("approver", "report-rectification", OWN),
    ("approver", "read-case", OWN),
    # supervisor and inspector: hall-wide
    ("supervisor", "order-rectification", OWN),
    ("supervisor", "order-rectification", OTHER),
    ("supervisor", "order-rectification", CO),
    ("supervisor", "complete-callback", OWN),
    ("supervisor", "complete-callback", OTHER),
    ("supervisor", "complete-callback", CO),
    ("supervisor", "read-case", OWN),
    ("supervisor", "read-case", OTHER),
    ("supervisor", "read-case", CO),
    ("inspector", "read-case", OWN),
    ("inspector", "read-case", OTHER),
    ("inspector", "read-case", CO),
    ("senior_inspector", "read-case", OWN),
    ("senior_inspector", "read-case", OTHER),
    ("senior_inspector", "read-case", CO),
    # the audit trail: inspectors read it; only a senior inspector reads who read it
    ("inspector", "read-audit", NONE),
    ("senior_inspector", "read-audit", NONE),
    ("senior_inspector", "read-access-log", NONE),
    # hall_admin: the power list, the calendar and the departments
    ("hall_admin", "register-item", NONE),
    ("hall_admin", "revise-item", NONE),
    ("hall_admin", "suspend-item", NONE),
    ("hall_admin", "resume-item", NONE),
    ("hall_admin", "retire-item", NONE),
    ("hall_admin", "publish-calendar-year", NONE),
    ("hall_admin", "register-department", NONE),
    ("hall_admin", "rename-department", NONE),
    # hall_admin: erasing an applicant's personal data
    ("hall_admin", "erase-applicant", NONE),
    ("hall_admin", "resolve-quarantine", NONE),
    # the audit: inspectors read anomalies and decide on them, and read the register;
    # staff declare their interests (hall_admin also for others)
    ("inspector", "read-anomalies", NONE),
    ("inspector", "decide-anomaly", NONE),
    ("inspector", "read-interests", NONE),
    ("senior_inspector", "read-anomalies", NONE),
    ("senior_inspector", "decide-anomaly", NONE),
    ("senior_inspector", "read-interests", NONE),
    *(
        (role, action, NONE)
        for role in ("clerk", "officer", "approver", "hall_admin")
        for action in ("declare-interest", "withdraw-interest")
    ),
    # supervision notices (督办): a supervisor issues one about any case; the case's
    # department answers it; the department readers are narrowed by ``department_scope``
    ("supervisor", "issue-notice", OWN),
    ("supervisor", "issue-notice", OTHER),
    ("supervisor", "issue-notice", CO),
    ("officer", "respond-notice", OWN),
    ("approver", "respond-notice", OWN),
    *((role, "read-notices", NONE) for role in ("supervisor", "hall_admin", "approver", "officer")),
    # the staff's read side (which departments: ``department_scope``)
    *(
        (role, "search-cases", NONE)
        for role in ("clerk", "officer", "approver", "supervisor", "hall_admin")
    ),
    ("officer", "read-own-queue", NONE),
    ("approver", "read-own-queue", NONE),
    *(
        (role, "read-department-queue", NONE)
        for role in ("officer", "approver", "supervisor", "hall_admin")
    ),
    *((role, "read-supervision", NONE) for role in ("approver", "supervisor", "hall_admin")),
    ("hall_admin", "manage-webhooks", NONE),
}

MATRIX = [(role, action, NONE) for action in CASE_FREE_ACTIONS for role in ALL_ROLES] + [
    (role, action, relation)
    for action in CASE_ACTIONS
    for role in ALL_ROLES
    for relation in (OWN, OTHER, CO)
]


def attempt(role: str, action: str, relation: str) -> None:
    authorize(
        Actor(id="u-1", role=role, department=ACTOR_DEPARTMENT[relation]),
        action,
        case_department=None if relation == NONE else CASE_DEPARTMENT,
        co_departments=() if relation == NONE else CO_DEPARTMENTS,
    )


def test_expected_table_mentions_only_known_cells() -> None:
    assert set(ALLOWED) <= set(MATRIX)


def test_actions_and_roles_are_exported_in_full() -> None:
    assert sorted(ACTIONS) == sorted(CASE_FREE_ACTIONS + CASE_ACTIONS)
    assert sorted(ROLES) == sorted(ALL_ROLES)


@pytest.mark.parametrize("action", CASE_FREE_ACTIONS + CASE_ACTIONS)
def test_allowed_roles_agree_with_the_table(action: str) -> None:
    assert allowed_roles(action) == {role for role, a, _ in ALLOWED if a == action}


@pytest.mark.parametrize(("role", "action", "relation"), MATRIX)
def test_matrix(role: str, action: str, relation: str) -> None:
    if (role, action, relation) in ALLOWED:
        attempt(role, action, relation)
    else:
        with pytest.raises(Forbidden) as caught:
            attempt(role, action, relation)
        assert role in str(caught.value)
        assert f"may not {action}" in str(caught.value)
        assert (caught.value.role, caught.value.action) == (role, action)


def test_own_department_may_not_give_opinion_even_if_listed_as_co_department() -> None:
    officer = Actor(id="u-1", role="officer", department=CASE_DEPARTMENT)
    with pytest.raises(Forbidden, match="own department"):
        authorize(
            officer,
            "give-opinion",
            case_department=CASE_DEPARTMENT,
            co_departments=(CASE_DEPARTMENT, "ZJ"),
        )


def test_no_co_departments_means_no_opinion() -> None:
    approver = Actor(id="u-1", role="approver", department="ZJ")
    with pytest.raises(Forbidden, match=r"not a co-department \(co-departments: none\)"):
        authorize(approver, "give-opinion", case_department=CASE_DEPARTMENT)


@pytest.mark.parametrize(
    ("actor", "action", "message"),
    [
        (Actor("u-1", "clerk", "SCJG"), "decide", "role 'clerk' may not decide"),
        (
            Actor("u-1", "officer", "JT"),
            "complete-step",
            "officer of department 'JT' may not complete-step a case of department 'SCJG'",
        ),
        (
            Actor("u-1", "approver", "SCJG"),
            "give-opinion",
            "approver of department 'SCJG' may not give-opinion on its own department's case",
        ),
        (
            Actor("u-1", "officer", "JT"),
            "give-opinion",
            "officer of department 'JT' may not give-opinion on a case of department 'SCJG':"
            " not a co-department (co-departments: 'ZJ', 'HB')",
        ),
        (Actor("u-1", "janitor", "SCJG"), "read-case", "role 'janitor' may not read-case"),
    ],
)
def test_messages_name_role_action_and_reason(actor: Actor, action: str, message: str) -> None:
    with pytest.raises(Forbidden) as caught:
        authorize(actor, action, case_department=CASE_DEPARTMENT, co_departments=CO_DEPARTMENTS)
    assert str(caught.value).startswith(message)


def test_unknown_role_is_forbidden_and_said_so() -> None:
    with pytest.raises(Forbidden, match=r"role 'janitor' may not submit \(unknown role\)"):
        authorize(Actor("u-1", "janitor", "SCJG"), "submit")


def test_unknown_action_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown action 'approve'"):
        authorize(Actor("u-1", "approver", "SCJG"), "approve", case_department="SCJG")
    with pytest.raises(ValueError, match="unknown action 'approve'"):
        allowed_roles("approve")


def test_case_action_without_case_department_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="'decide' takes the case's department"):
        authorize(Actor("u-1", "approver", "SCJG"), "decide")


def test_case_free_action_with_case_department_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="'register-item' takes no case department"):
        authorize(Actor("u-1", "hall_admin", "BGS"), "register-item", case_department="SCJG")


@pytest.mark.parametrize("role", ["officer", "approver"])
def test_department_readers_read_their_own_department_only(role: str) -> None:
    actor = Actor("u-1", role, "SCJG")
    assert department_scope(actor, "read-department-queue", None) == "SCJG"
    assert department_scope(actor, "read-department-queue", "SCJG") == "SCJG"
    refused = f"{role} of department 'SCJG' may not .* of department 'JT'"
    with pytest.raises(Forbidden, match=refused):
        department_scope(actor, "read-department-queue", "JT")


@pytest.mark.parametrize("role", ["supervisor", "hall_admin"])
def test_hall_wide_readers_read_any_department_or_all(role: str) -> None:
    actor = Actor("u-1", role, "BGS")
    assert department_scope(actor, "read-supervision", None) is None
    assert department_scope(actor, "read-supervision", "JT") == "JT"


def test_clerks_search_every_department_and_read_no_board() -> None:
    clerk = Actor("u-1", "clerk", "HALL")
    assert department_scope(clerk, "search-cases", "JT") == "JT"
    with pytest.raises(Forbidden):
        department_scope(clerk, "read-supervision", None)
