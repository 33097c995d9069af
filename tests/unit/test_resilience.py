"""``keep_running``: a consumer starts again after losing a server, and only then."""

from __future__ import annotations

import threading

import psycopg
import pytest
from kafka.errors import KafkaConnectionError

from consumers.resilience import keep_running


class Attempts:
    """An attempt that fails with the given errors, one per call, then returns."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)


def test_an_attempt_that_loses_a_server_is_started_again() -> None:
    attempts = Attempts(
        psycopg.OperationalError("server closed the connection"), KafkaConnectionError()
    )
    keep_running("test", attempts, threading.Event(), first_delay=0.001)
    assert attempts.calls == 3


def test_a_bug_is_not_retried() -> None:
    attempts = Attempts(KeyError("bug"))
    with pytest.raises(KeyError):
        keep_running("test", attempts, threading.Event(), first_delay=0.001)
    assert attempts.calls == 1


def test_a_stop_during_the_wait_ends_the_loop() -> None:
    stop = threading.Event()

    def lose_and_stop() -> None:
        stop.set()
        raise psycopg.OperationalError("gone")

    keep_running("test", lose_and_stop, stop, first_delay=60)  # returns at once: stopped


def test_the_wait_doubles_up_to_its_limit(caplog: pytest.LogCaptureFixture) -> None:
    attempts = Attempts(*(psycopg.OperationalError("down") for _ in range(5)))
    with caplog.at_level("WARNING", logger="casetrail.resilience"):
        keep_running("test", attempts, threading.Event(), first_delay=0.001, max_delay=0.004)
    waits = [record.args[2] for record in caplog.records]  # type: ignore[index]
    assert waits == [0.001, 0.002, 0.004, 0.004, 0.004]
