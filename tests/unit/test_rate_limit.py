"""The lookup rate limit: a burst up to capacity, then a wait that refills."""

from __future__ import annotations

import pytest

from api.rate_limit import RateLimiter


def test_a_burst_then_a_wait_per_client() -> None:
    limiter = RateLimiter(3, 60)
    assert [limiter.retry_after("a") for _ in range(3)] == [0, 0, 0]
    wait = limiter.retry_after("a")
    assert 1 <= wait <= 20  # one token per 20 s
    assert limiter.retry_after("b") == 0  # other clients are not affected


def test_tokens_come_back_with_time() -> None:
    limiter = RateLimiter(1, 0.001)  # refills within a millisecond
    assert limiter.retry_after("a") == 0
    while limiter.retry_after("a"):
        pass  # polled, not slept: it must come back


@pytest.mark.parametrize("setting", ["30", "x/60", "0/60", "5/0"])
def test_bad_settings_are_explained(setting: str) -> None:
    with pytest.raises(ValueError):
        RateLimiter.parse(setting)
    assert RateLimiter.parse("30/60").capacity == 30
