"""The lookup rate setting: count/seconds, explained when wrong."""

from __future__ import annotations

import pytest

from infra.lookup_budget import parse_rate


def test_a_rate_is_lookups_per_seconds() -> None:
    assert parse_rate("30/60") == (30, 60.0)


@pytest.mark.parametrize("setting", ["30", "x/60", "0/60", "5/0", "5/-1", "5/inf", "5/nan"])
def test_bad_settings_are_explained(setting: str) -> None:
    with pytest.raises(ValueError, match="CASETRAIL_LOOKUP_RATE"):
        parse_rate(setting)
