"""The projection runner's verdict on each message: apply, duplicate, or poison and why."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from consumers.validation import Applied, Apply, Duplicate, Poison, judge, parse
from domain.case.commands import Accept, Withdraw
from domain.chain import chain_hash
from tests.unit.conftest import CLERK, ITEM, cloudevents, make_app


@pytest.fixture(scope="module")
def chain() -> list[dict[str, Any]]:
    """A case's first three events, as the relay publishes them."""
    app = make_app()
    case_id = app.submit(
        CLERK,
        item_code=ITEM.code,
        channel="window",
        applicant={"kind": "person", "name": "张三", "id_number": "1"},
        materials=[],
    ).aggregate_id
    app.handle(Accept(), case_id, CLERK)
    app.handle(Withdraw(reason="不办了"), case_id, CLERK)
    return cloudevents(app, case_id)


def test_a_valid_chain_applies_in_order_and_repeats_are_duplicates(chain: list[dict]) -> None:
    applied = None
    for event in chain:
        parsed = parse(orjson.dumps(event))
        assert parsed == event
        assert judge(event, applied) == Apply(event)
        applied = Applied(event["caseversion"], event["hash"])
    assert judge(chain[1], applied) == Duplicate()
    assert judge(chain[2], Applied(2, None)) == Apply(chain[2])  # a row from before heads


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"\xff not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"", "not JSON"),
        (None, "not JSON"),
    ],
)
def test_what_is_not_a_json_object_is_poison(value: bytes | None, reason: str) -> None:
    verdict = parse(value)
    assert isinstance(verdict, Poison) and verdict.reason.startswith(reason)
    assert verdict.subject is None


def test_an_unknown_type_or_a_schema_violation_is_poison(chain: list[dict]) -> None:
    unknown = parse(orjson.dumps({**chain[0], "type": "casetrail.case.bribed.v1"}))
    assert isinstance(unknown, Poison) and "unknown event type" in unknown.reason
    assert unknown.subject == chain[0]["subject"]
    bad = {**chain[1], "data": {**chain[1]["data"], "terms": "none"}}
    invalid = parse(orjson.dumps(bad))
    assert isinstance(invalid, Poison) and "fails the schema" in invalid.reason
    assert "data/terms" in invalid.reason
    missing = parse(orjson.dumps({k: v for k, v in chain[0].items() if k != "prevhash"}))
    assert isinstance(missing, Poison) and "prevhash" in missing.reason


def test_a_gap_a_broken_link_or_an_altered_event_is_poison(chain: list[dict]) -> None:
    first = Applied(1, chain[0]["hash"])
    gap = judge(chain[2], first)
    assert isinstance(gap, Poison) and gap.reason.startswith("version gap")
    broken = judge(chain[1], Applied(1, "ab" * 32))
    assert isinstance(broken, Poison) and broken.reason.startswith("chain break")
    assert isinstance(judge(chain[0], None), Apply)
    not_first = judge({**chain[0], "prevhash": "cd" * 32}, None)
    assert isinstance(not_first, Poison) and not_first.reason.startswith("chain break")
    altered = {**chain[1], "data": {**chain[1]["data"], "accepted_on": "2020-01-01"}}
    verdict = judge(altered, first)
    assert isinstance(verdict, Poison) and verdict.reason.startswith("altered")
    relinked = {**altered, "hash": chain_hash(altered)}
    assert isinstance(judge(relinked, first), Apply)  # a consistent rewrite needs the log
