"""What reading one message costs, in memory: the projection runner's check (decode, JSON
Schema of its type, chain link and hash) and a stranger's (the CloudEvents SDK, then its
JSON Schema from the AsyncAPI document), each beside a plain ``orjson.loads`` of the same
messages; for case events, checkpoints and dead letters."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka_event

from bench.context import Context
from bench.report import Figure
from bench.stream import binary_messages, case_messages, checker, per_message
from consumers.validation import Applied, judge, parse
from domain.event_schemas import cloudevent_schema
from domain.stream_contract import checkpoint_schema, dead_letter_schema

STAGE = "reading"


def runner_check() -> Callable[[KafkaMessage], None]:
    """The projection runner's check of one message, heads kept per case."""
    heads: dict[str, Applied] = {}

    def check(message: KafkaMessage) -> None:
        event = parse(message.value)
        assert isinstance(event, dict), event
        subject = event["subject"]
        if event["caseversion"] == 1:
            heads.pop(subject, None)
        judge(event, heads.get(subject))
        heads[subject] = Applied(event["caseversion"], event["hash"])

    return check


def run(context: Context) -> None:
    """Time each reading per message and add messages/s beside the plain decode."""
    cases = case_messages(context.sized(600, least=15))
    checkpoints, letters = binary_messages(context.sized(600, least=10))
    plain = 1 / per_message(cases, lambda m: orjson.loads(m.value))
    readings = (
        ("case event: runner's check", cases, runner_check()),
        ("case event: SDK", cases, from_kafka_event),
        ("case event: SDK + schema", cases, checker(cloudevent_schema)),
        ("checkpoint: SDK + schema", checkpoints, checker(lambda _: checkpoint_schema())),
        ("dead letter: SDK + schema", letters, checker(lambda _: dead_letter_schema())),
    )
    for measure, messages, read in readings:
        rate = 1 / per_message(messages, read)
        context.report.add(
            Figure(STAGE, measure, rate, "msg/s", plain, "orjson.loads of case events")
        )
