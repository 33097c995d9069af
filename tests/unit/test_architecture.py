"""The layers point one way: a pure domain, pure projection functions, adapters below
the HTTP API and the consumers, the composition root and the entrypoints on top, and
the local Kafka and PostgreSQL launchers beside them, used by no production process.

This reads every module's imports (with ``ast``, without importing anything), those
inside functions too, and names any that cross a line.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "projections", "api", "consumers", "infra")
WEB = {"fastapi", "starlette", "uvicorn"}
WEB_AND_BROKER = WEB | {"httpx", "kafka", "jwt"}
STORAGE = {"psycopg", "psycopg_pool"}

# each layer and the layers of ours it may import (besides itself); every module is in
# the layer of its longest matching package
MAY_IMPORT: dict[str, set[str]] = {
    "domain": set(),
    "projections": {"domain"},
    "infra": {"domain", "projections"},  # the adapters
    "api": {"domain", "projections", "infra"},
    "consumers": {"domain", "projections", "infra"},
    "infra.local": {"infra"},  # the local stack
    "infra.entrypoints": {"domain", "projections", "infra", "api", "consumers", "infra.local"},
}
THIRD_PARTY_FORBIDDEN: dict[str, set[str]] = {
    "domain": WEB_AND_BROKER | STORAGE | {"pydantic"},
    "projections": WEB_AND_BROKER,
    "infra": WEB,
    "api": {"kafka"},
    "consumers": WEB,
    "infra.local": WEB,
    "infra.entrypoints": set(),
}
# the production processes: the API, the relay and the projection runner, and
# `casetrail migrate` (through the composition root); the CLI that starts each of them
# imports the local stack only inside its `stack` and `up` commands
PRODUCTION = ("infra.entrypoints.processes", "infra.entrypoints.bootstrap")
CLI = "infra.entrypoints.cli"
SCHEMA_CHANGE = re.compile(r"\b(CREATE|ALTER|DROP)\s+(TABLE|(UNIQUE\s+)?INDEX|TYPE|FUNCTION)\b")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
}


def layer(module: str) -> str:
    """The layer of a module of ours (e.g. ``infra.local.stack`` → ``infra.local``)."""
    return max((name for name in MAY_IMPORT if f"{module}.".startswith(f"{name}.")), key=len)


def imported(tree: ast.AST, *, nested: bool = True) -> set[str]:
    """Every absolute import's dotted name (``from a import b`` as ``a.b``); with
    ``nested=False`` only the module's own statements, not those inside functions."""
    nodes = ast.walk(tree) if nested else iter(ast.iter_child_nodes(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def parsed(module: str) -> ast.Module:
    path = MODULES[module]
    return ast.parse(path.read_text(), filename=str(path))


def ours(name: str) -> str | None:
    """The module of ours that an imported name is, or is in (``infra.config.Settings``
    → ``infra.config``); None for a third-party name."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def reachable(start: set[str]) -> set[str]:
    """Every module of ours that importing ``start`` may import, lazily too."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo += [m for name in imported(parsed(module)) if (m := ours(name))]
    return seen


def test_every_folder_is_in_a_layer() -> None:
    assert {module.partition(".")[0] for module in MODULES} == set(PACKAGES)
    assert {layer(module) for module in MODULES} == set(MAY_IMPORT)


@pytest.mark.parametrize("name", sorted(MAY_IMPORT))
def test_each_layer_imports_only_the_layers_below_it(name: str) -> None:
    members = [module for module in MODULES if layer(module) == name]
    crossings = {
        module: sorted(
            found
            for found in imported(parsed(module))
            if (target := ours(found)) and layer(target) not in MAY_IMPORT[name] | {name}
        )
        for module in members
    }
    assert members, f"no modules in layer {name}"
    assert {module: names for module, names in crossings.items() if names} == {}


@pytest.mark.parametrize("name", sorted(THIRD_PARTY_FORBIDDEN))
def test_each_layer_uses_only_the_libraries_it_may(name: str) -> None:
    crossings = {
        module: sorted(
            {found.split(".")[0] for found in imported(parsed(module))}
            & THIRD_PARTY_FORBIDDEN[name]
        )
        for module in MODULES
        if layer(module) == name
    }
    assert {module: names for module, names in crossings.items() if names} == {}


def test_no_production_process_imports_the_local_stack() -> None:
    cli_imports = {m for name in imported(parsed(CLI), nested=False) if (m := ours(name))}
    loaded = reachable(set(PRODUCTION) | cli_imports)
    assert {module for module in loaded if layer(module) == "infra.local"} == set()
    assert "infra.entrypoints.up" not in loaded  # `casetrail up` starts the local stack


def test_projection_apply_functions_touch_no_storage() -> None:
    """``projections/x.py`` is the pure apply; only ``x_store.py`` and the registry
    that pairs them may reach PostgreSQL."""
    pure = [
        module
        for module in MODULES
        if layer(module) == "projections"
        and not module.endswith("_store")
        and module not in ("projections", "projections.registry")
    ]
    assert len(pure) >= 3
    touching = {m: {n.split(".")[0] for n in imported(parsed(m))} & STORAGE for m in pure}
    assert {module: names for module, names in touching.items() if names} == {}


def test_every_schema_change_is_a_migration() -> None:
    """Tables, indexes, types and functions are made only by ``infra/migrations``."""
    changing = {
        module
        for module, path in MODULES.items()
        if not module.startswith("infra.migrations") and SCHEMA_CHANGE.search(path.read_text())
    }
    assert changing == set()


def test_the_checks_see_a_crossing(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text(
        "import kafka.admin\nfrom fastapi import APIRouter\nfrom . import sibling\n"
        "def later():\n    from infra.local import stack\n"
    )
    tree = ast.parse(module.read_text())
    assert imported(tree) == {"kafka.admin", "fastapi.APIRouter", "infra.local.stack"}
    assert imported(tree, nested=False) == {"kafka.admin", "fastapi.APIRouter"}
    assert layer(ours("infra.local.stack") or "") == "infra.local"
    assert layer(ours("infra.config.Settings") or "") == "infra"
    assert SCHEMA_CHANGE.search("conn.execute('CREATE UNIQUE INDEX i ON t (c)')")
