"""The real servers, started once per test session by the project's own stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.local import stack
from tests.integration.harness import Platform


@pytest.fixture(scope="session")
def stack_info() -> stack.StackInfo:
    return stack.up()


@pytest.fixture(scope="module")
def platform(stack_info: stack.StackInfo, request: pytest.FixtureRequest) -> Iterator[Platform]:
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    platform = Platform(stack_info.bootstrap_servers, name)
    try:
        yield platform
    finally:
        platform.close()
