"""The exporter's rate: case events in, exchange records and approvals out, per second.

A journey of each kind the tests write by hand (an approval with its certificate, a
denial, a case not accepted, a supplement then acceptance, a special procedure and an
extension) is recorded in memory, then copied with distinct case ids and numbers into
``--cases`` cases (default 2 000, about 17 000 events). Measured:

- **fold**: the pure mapping alone (``domain.exchange.mapping.step``), every event;
- **end to end**: on the real servers (a scratch database and topic of the local stack),
  the events produced to the event topic, then an exporter (``consumers.exchange``) in
  this process, from a new consumer group, until the exchange and approvals topics hold
  every record version: reading, folding, publishing with acknowledgements, storing the
  sheets and versions, committing offsets.

Bounded: ``--timeout`` seconds (default 300) for the end-to-end run. Prints events and
records per second, and writes them to ``test-artifacts/bench/exchange.json``.
"""

from __future__ import annotations

import argparse
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from uuid import UUID, uuid5

import orjson
from kafka import KafkaProducer

from bench.results import write_results
from consumers.cloudevents import encode
from consumers.exchange import Exporter
from domain.case.commands import (
    Accept,
    Assign,
    Complete,
    CompleteStep,
    Decide,
    Deliver,
    EndSpecialProcedure,
    Extend,
    IssueCertificate,
    Material,
    NotAccept,
    ProvideSupplement,
    RequestSupplement,
    StartSpecialProcedure,
)
from domain.exchange.mapping import step
from infra.entrypoints.status import topic_end
from infra.kafka_security import ADMIN, EXPORTER, approvals_topic, exchange_topic
from infra.local import stack
from tests.integration.harness import Platform
from tests.unit.conftest import APPROVER, CLERK, ITEM, OFFICER, applicant, cloudevents, make_app

NAMESPACE = UUID("6a0c3c1e-2f0b-4c8e-9d3a-5be1f27c0e41")
REVIEW = [
    (Accept(), CLERK),
    (Assign(assignee="officer-1"), OFFICER),
    (CompleteStep(step="审查", opinion="agree"), OFFICER),
    (CompleteStep(step="决定", opinion="agree"), APPROVER),
]
LICENCE = Material(code="M2", name="营业执照")
JOURNEYS: list[list[tuple[Any, Any]]] = [
    [
        *REVIEW,
        (Decide(outcome="approved"), APPROVER),
        (IssueCertificate(certificate_no="JY-1", valid_until=date(2031, 3, 1)), CLERK),
        (Deliver(method="window"), CLERK),
        (Complete(), OFFICER),
    ],
    [
        *REVIEW,
        (
            Decide(outcome="denied", reasons=["不符合"], legal_basis="法", appeal_notice="复议"),
            APPROVER,
        ),
        (Deliver(method="post"), CLERK),
        (Complete(), OFFICER),
    ],
    [(NotAccept(reason="不属于", legal_basis="法", appeal_notice="复议"), CLERK)],
    [
        (RequestSupplement(missing=[LICENCE], note="补齐"), CLERK),
        (ProvideSupplement(provided=[LICENCE]), CLERK),
        (Accept(), CLERK),
    ],
    [
        (Accept(), CLERK),
        (Assign(assignee="officer-1"), OFFICER),
        (StartSpecialProcedure(kind="inspection", expected_days=3, notice="勘查"), OFFICER),
        (EndSpecialProcedure(result="符合"), OFFICER),
        (Extend(days=5, reason="复杂", approved_by="department_head"), APPROVER),
    ],
]


def templates() -> list[list[dict[str, Any]]]:
    """The events of one case of each journey, as the relay publishes them."""
    app = make_app()
    made = []
    for journey in JOURNEYS:
        case_id = app.submit(
            CLERK,
            item_code=ITEM.code,
            channel="window",
            applicant=applicant(),
            materials=[{"code": "M1", "name": "申请书"}],
        ).aggregate_id
        for command, actor in journey:
            app.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
            app.handle(command, case_id, actor)
        made.append(cloudevents(app, case_id))
    return made


def cases(count: int) -> list[list[dict[str, Any]]]:
    """``count`` cases, the journeys in turn, each with its own id and number."""
    shapes, made = templates(), []
    for n in range(count):
        case_id, case_no = str(uuid5(NAMESPACE, str(n))), f"SCJG-20260302-{n:06d}"
        events = []
        for event in shapes[n % len(shapes)]:
            copy = orjson.loads(orjson.dumps(event))
            copy |= {"subject": case_id, "id": str(uuid5(NAMESPACE, f"{n}:{event['id']}"))}
            if copy["caseversion"] == 1:
                copy["data"]["case_no"] = case_no
            events.append(copy)
        made.append(events)
    return made


def fold(all_cases: list[list[dict[str, Any]]]) -> tuple[float, int, int]:
    """Seconds to fold every event, the events and the messages made."""
    events = messages = 0
    start = time.perf_counter()
    for case in all_cases:
        sheet = None
        for event in case:
            sheet, made, approval = step(sheet, event)
            events += 1
            messages += len(made) + (approval is not None)
    return time.perf_counter() - start, events, messages


def end_to_end(all_cases: list[list[dict[str, Any]]], expected: int, timeout: float) -> float:
    """Seconds from the exporter's start until both topics hold ``expected`` messages."""
    info = stack.up()
    platform = Platform(info.bootstrap_servers, "bench_exchange")
    options = platform.settings.kafka_options(ADMIN)
    try:
        producer = KafkaProducer(**options, acks="all", linger_ms=20)
        for case in all_cases:
            for event in case:
                key, value, headers = encode(event)
                producer.send(platform.topic, key=key, value=value, headers=headers)
        producer.flush()
        producer.close()
        stop = threading.Event()
        with TemporaryDirectory() as folder:
            exporter = Exporter(
                database_url=platform.settings.exporter_database_url,
                kafka_options=platform.settings.kafka_options(EXPORTER),
                topic=platform.topic,
                exchange_topic=exchange_topic(platform.topic),
                approvals_topic=approvals_topic(platform.topic),
                hall="bench",
                group_id=platform.settings.exporter_group,
                files=Path(folder),
            )
            thread = threading.Thread(target=exporter.run, args=(stop,), daemon=True)
            start = time.perf_counter()
            thread.start()
            deadline = start + timeout
            out = (exchange_topic(platform.topic), approvals_topic(platform.topic))
            while sum(topic_end(options, t) for t in out) < expected:
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"the exporter did not finish within {timeout} s")
                time.sleep(0.2)
            elapsed = time.perf_counter() - start
            stop.set()
            thread.join(timeout=30)
        return elapsed
    finally:
        platform.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    all_cases = cases(args.cases)
    folded, events, messages = fold(all_cases)
    print(f"{args.cases} cases, {events} events → {messages} records and approvals")
    print(f"fold alone:  {events / folded:10.0f} events/s  {messages / folded:10.0f} records/s")
    elapsed = end_to_end(all_cases, messages, args.timeout)
    print(f"end to end:  {events / elapsed:10.0f} events/s  {messages / elapsed:10.0f} records/s")
    print(f"             ({elapsed:.1f} s; the pure fold is {elapsed / folded:.0f}× faster)")
    write_results(
        "exchange",
        {
            "cases": args.cases,
            "events": events,
            "messages": messages,
            "fold_events_per_s": round(events / folded),
            "fold_records_per_s": round(messages / folded),
            "end_to_end_s": round(elapsed, 2),
            "end_to_end_events_per_s": round(events / elapsed),
            "end_to_end_records_per_s": round(messages / elapsed),
        },
    )


if __name__ == "__main__":
    main()
