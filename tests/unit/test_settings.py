"""Settings: the simulated clock is for demo and test modes only."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.clock import SimulatedClock, SystemClock
from infra.config import Settings

URL = "postgresql://x@127.0.0.1:1/x"
BASE = Settings(
    database_url=URL,
    bootstrap_servers="127.0.0.1:1",
    api_database_url=URL,
    relay_database_url=URL,
    projector_database_url=URL,
    anomalies_database_url=URL,
    token_secret="s",
)


def test_without_simulation_the_system_clock_runs() -> None:
    assert isinstance(BASE.clock(), SystemClock)


@pytest.mark.parametrize("mode", ["demo", "test"])
def test_a_simulated_start_in_demo_and_test_modes(mode: str) -> None:
    clock = replace(BASE, mode=mode, simulated_now="2026-03-02T09:00:00+08:00").clock()
    assert isinstance(clock, SimulatedClock) and clock.simulated
    assert clock.now() == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert clock.now() == clock.now()  # standing still unless advancing


def test_an_advancing_simulated_clock_moves_with_real_time() -> None:
    clock = replace(BASE, mode="demo", simulated_now="2026-03-02T09:00+08:00,advancing").clock()
    first = clock.now()
    assert first >= datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert first - datetime(2026, 3, 2, 1, 0, tzinfo=UTC) < timedelta(seconds=5)
    while clock.now() == first:  # time moves on by itself
        pass


def test_simulation_is_refused_in_production() -> None:
    with pytest.raises(RuntimeError, match="refused in mode 'production'"):
        replace(BASE, simulated_now="2026-03-02T09:00:00+08:00").clock()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("yesterday", "not an ISO 8601 time"),
        ("2026-03-02T09:00:00", "needs a UTC offset"),
        ("2026-03-02T09:00:00+08:00,backwards", "unknown mode 'backwards'"),
    ],
)
def test_bad_simulated_times_are_explained(setting: str, message: str) -> None:
    with pytest.raises(RuntimeError, match=message):
        replace(BASE, mode="test", simulated_now=setting).clock()
