"""What checking each message costs the projection runner.

Times, per message of a recorded run, the plain decode the runner did before
(``orjson.loads``) against the whole check it does now (``consumers.validation``:
decode, JSON Schema of its type, chain link and hash), and prints both and their
ratio. In memory: no servers.
"""

from __future__ import annotations

import time

import orjson

from consumers.validation import Applied, judge, parse
from domain.case.commands import Accept, Withdraw
from tests.unit.conftest import CLERK, cloudevents, make_app

ROUNDS = 20


def messages(cases: int = 200) -> list[bytes]:
    """The events of ``cases`` submitted, accepted and withdrawn cases, as published."""
    app = make_app()
    published = []
    for index in range(cases):
        applicant = {"kind": "person", "name": "张三", "id_number": str(index), "phone": "1"}
        case_id = app.submit(
            CLERK, item_code="SCJG-001", channel="window", applicant=applicant, materials=[]
        ).aggregate_id
        app.handle(Accept(), case_id, CLERK)
        app.handle(Withdraw(reason="不办了"), case_id, CLERK)
        published += [orjson.dumps(event) for event in cloudevents(app, case_id)]
    return published


def main() -> None:
    """Time both and print the figures."""
    values = messages()
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for value in values:
            orjson.loads(value)
    plain = (time.perf_counter() - started) / (ROUNDS * len(values))
    heads: dict[str, Applied] = {}
    started = time.perf_counter()
    for _ in range(ROUNDS):
        heads.clear()
        for value in values:
            event = parse(value)
            assert isinstance(event, dict)
            judge(event, heads.get(event["subject"]))
            heads[event["subject"]] = Applied(event["caseversion"], event["hash"])
    checked = (time.perf_counter() - started) / (ROUNDS * len(values))
    print(f"messages: {len(values)} × {ROUNDS}")
    print(f"decode only            {plain * 1e6:8.1f} µs per message")
    print(f"decode + schema + chain {checked * 1e6:7.1f} µs per message")
    print(f"ratio: {checked / plain:.1f}")


if __name__ == "__main__":
    main()
