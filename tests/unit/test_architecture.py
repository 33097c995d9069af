"""The layers stay visible: a pure domain, pure projection functions, thin adapters.

Each package may import only what its layer allows; this reads every module's
imports (with ``ast``, without importing anything) and names any that cross.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB_AND_BROKER = {"fastapi", "starlette", "uvicorn", "httpx", "kafka", "jwt"}
STORAGE = {"psycopg", "psycopg_pool"}
ENTRYPOINTS = {"api", "consumers", "infra"}

FORBIDDEN: dict[str, set[str]] = {
    "domain": WEB_AND_BROKER | STORAGE | ENTRYPOINTS | {"projections", "pydantic"},
    "projections": WEB_AND_BROKER | ENTRYPOINTS,
    "api": {"kafka", "consumers"},
    "consumers": {"fastapi", "starlette", "uvicorn", "api"},
}


def imported_packages(path: Path) -> set[str]:
    """The top-level names of every absolute import in a module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_each_layer_imports_only_what_it_may(package: str) -> None:
    crossings = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in modules(package)
    }
    assert modules(package), f"no modules found in {package}/"
    assert {path: names for path, names in crossings.items() if names} == {}


def test_projection_apply_functions_touch_no_storage() -> None:
    """``projections/x.py`` is the pure apply; only ``x_store.py`` and the registry
    that pairs them may reach PostgreSQL."""
    pure = [
        path
        for path in modules("projections")
        if not path.stem.endswith("_store") and path.stem not in ("registry", "__init__")
    ]
    assert len(pure) >= 3
    assert {str(p.relative_to(ROOT)): sorted(imported_packages(p) & STORAGE) for p in pure} == {
        str(p.relative_to(ROOT)): [] for p in pure
    }


def test_the_check_sees_a_crossing(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import kafka.admin\nfrom fastapi import APIRouter\nfrom . import sibling\n")
    assert imported_packages(module) == {"kafka", "fastapi"}
