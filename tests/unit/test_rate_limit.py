"""The lookup rate limit: a burst up to capacity, then a wait that refills."""

from __future__ import annotations

import pytest

from api.rate_limit import RateLimiter


def test_lookups_spend_a_burst_then_the_client_waits() -> None:
    limiter = RateLimiter(3, 60)
    for _ in range(3):
        assert limiter.retry_after("a") == 0
        limiter.spend("a")
    wait = limiter.retry_after("a")
    assert 1 <= wait <= 20  # one token per 20 s
    assert limiter.retry_after("a") == wait  # asking again spends nothing
    assert limiter.retry_after("b") == 0  # other clients are not affected


def test_tokens_come_back_with_time() -> None:
    limiter = RateLimiter(1, 0.001)  # refills within a millisecond
    limiter.spend("a")
    while limiter.retry_after("a"):
        pass  # polled, not slept: it must come back


@pytest.mark.parametrize("setting", ["30", "x/60", "0/60", "5/0"])
def test_bad_settings_are_explained(setting: str) -> None:
    with pytest.raises(ValueError):
        RateLimiter.parse(setting)
    assert RateLimiter.parse("30/60").capacity == 30
