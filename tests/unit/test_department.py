"""Departments: registered under their code, renamed on record; hall administrators only."""

from __future__ import annotations

import pytest

from domain.application import HallApplication
from domain.authorization import Forbidden
from domain.department import Department
from domain.errors import InvalidCommand, NotFound, VersionConflict
from infra.catalogue import read_catalogue
from tests.unit.conftest import ADMIN, CLERK


def test_the_catalogue_registers_each_of_its_departments(app: HallApplication) -> None:
    for code, name in read_catalogue()["departments"].items():
        department: Department = app.repository.get(Department.id_for(code))
        assert isinstance(department, Department)
        assert (department.code, department.name, department.version) == (code, name, 1)


def test_a_rename_keeps_the_code(app: HallApplication) -> None:
    done = app.rename_department(ADMIN, "SCJG", name="市场监管局", reason="机构改革")
    department: Department = app.repository.get(Department.id_for("SCJG"))
    assert isinstance(department, Department)
    assert (department.code, department.name, done.version) == ("SCJG", "市场监管局", 2)


@pytest.mark.parametrize(
    ("name", "reason", "refusal"),
    [
        ("市场监督管理局", "机构改革", "already named"),
        (" ", "机构改革", "name must not be blank"),
        ("市场监管局", "", "reason must not be blank"),
    ],
)
def test_a_rename_must_change_the_name_and_say_why(
    app: HallApplication, name: str, reason: str, refusal: str
) -> None:
    with pytest.raises(InvalidCommand, match=refusal):
        app.rename_department(ADMIN, "SCJG", name=name, reason=reason)


def test_registration_is_once_per_code_and_renames_need_a_known_department(
    app: HallApplication,
) -> None:
    with pytest.raises(VersionConflict, match="already registered"):
        app.register_department(ADMIN, code="SCJG", name="另一个局")
    with pytest.raises(NotFound, match="no department 'XX'"):
        app.rename_department(ADMIN, "XX", name="某局", reason="r")
    with pytest.raises(VersionConflict, match="at version 1, not 3"):
        app.rename_department(ADMIN, "SCJG", name="市场监管局", reason="r", expected_version=3)
    done = app.register_department(ADMIN, code="DSJ", name="大数据局")
    assert done.aggregate_id == Department.id_for("DSJ") and done.version == 1


def test_only_hall_administrators_name_departments(app: HallApplication) -> None:
    with pytest.raises(Forbidden):
        app.register_department(CLERK, code="DSJ", name="大数据局")
    with pytest.raises(Forbidden):
        app.rename_department(CLERK, "SCJG", name="市场监管局", reason="r")
