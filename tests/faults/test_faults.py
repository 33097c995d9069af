"""Fault injection: under a steady load of staff commands, SIGKILL one part of the
platform at a time (the API, the relay, the projection runner, Kafka, PostgreSQL)
and let it come back. Afterwards every acknowledged command is in the event
store, every stored event is on the topic, each view equals a rebuild from the
topic, every chain verifies, and nothing was applied twice.

The processes run under the supervisor of ``casetrail up``; the servers are the
project's own, started again with the stack's commands. The report (commands
sent, acknowledged, lost, duplicates absorbed, recovery per fault) is printed at
the end of the run.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from consumers.cloudevents import SPECVERSION
from domain.chain import verify_chain
from infra.entrypoints.supervisor import Supervisor
from infra.local import stack
from projections.registry import ALL, PUBLIC_STATUS
from tests.faults import evidence
from tests.faults.load import INTAKE, LoadGenerator, Tally
from tests.faults.report import REPORTS, Recovery, table
from tests.faults.targets import Target, kafka_broker, postgresql_server, supervised
from tests.integration.harness import OWN_SERVERS_ONLY, Hall, Platform, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.serial, OWN_SERVERS_ONLY]

LABELS = {"api": "API", "relay": "relay", "project": "projection runner"}
ROLES = (("clerk", "HALL"), ("officer", "SCJG"))
WARM_UP = 20  # commands acknowledged before the first fault, and after each recovery
RECOVERY_TIMEOUT = 180.0


@dataclass(frozen=True)
class Outcome:
    """The platform after the faults, and what the load and the faults recorded."""

    platform: Platform
    tally: Tally
    recoveries: list[Recovery]
    stored: dict[evidence.Key, evidence.Stored]
    messages: list[dict[str, Any]]


@pytest.fixture(scope="module")
def outcome(platform: Platform) -> Iterator[Outcome]:
    supervisor = platform.supervisor()
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(supervisor, stop), daemon=True)
    hall = Hall(platform, INTAKE["applicant"])
    clients = {(role, department): hall.client(role, department) for role, department in ROLES}
    load = LoadGenerator(lambda role, department: clients[role, department])
    supervisor.start()
    watcher.start()
    try:
        wait_until(lambda: _answers(hall), what="the supervised API")
        load.start()
        wait_until(lambda: len(load.tally.acknowledged) >= WARM_UP, what="the load to start")
        targets = [supervised(supervisor, name, label) for name, label in LABELS.items()]
        targets += [kafka_broker(), postgresql_server()]
        recoveries = [_inject(target, load, hall, supervisor) for target in targets]
        load.stop()
        _settle(platform)
        stored = evidence.stored_events(platform)
        messages = evidence.topic_events(platform)
        lost = len(_lost(load.tally, stored))
        republished = len(messages) - len(evidence.first_copies(messages))
        REPORTS.append(table(load.tally, lost, republished, recoveries))
        yield Outcome(platform, load.tally, recoveries, stored, messages)
    finally:
        stack.up()  # whatever happened, the servers run again for the tests after these
        load.stop()
        stop.set()
        watcher.join()
        hall.close()
        supervisor.stop()


def _watch(supervisor: Supervisor, stop: threading.Event) -> None:
    """The supervisor's loop, as ``casetrail up`` runs it."""
    while not stop.is_set():
        supervisor.watch()
        stop.wait(0.1)


def _answers(hall: Hall) -> bool:
    try:
        return hall.client("clerk").get("/openapi.json").status_code == 200
    except httpx.TransportError:
        return False


def _inject(target: Target, load: LoadGenerator, hall: Hall, supervisor: Supervisor) -> Recovery:
    """Kill ``target`` under load, bring it back, and time the recovery with a probe: an
    intake sent after the kill, until it shows in the public view."""
    restarts = sum(child.restarts for child in supervisor.children.values())
    killed = time.monotonic()
    target.kill()
    target.restart()
    probe = load.command("clerk", "HALL", "/api/v1/cases", INTAKE)
    assert probe is not None, f"no intake was acknowledged after the {target.name} was killed"
    commands_back = min(ack.at for ack in load.tally.acks_after(killed)) - killed
    wait_until(
        lambda: _shown(hall, probe), RECOVERY_TIMEOUT, f"the public view after the {target.name}"
    )
    recovered = time.monotonic()
    wait_until(
        lambda: len(load.tally.acks_after(recovered)) >= WARM_UP,
        what=f"the load to go on after the {target.name}",
    )
    return Recovery(
        target.name,
        commands_back,
        recovered - killed,
        sum(child.restarts for child in supervisor.children.values()) - restarts,
    )


def _shown(hall: Hall, case: dict[str, Any]) -> bool:
    try:
        response = hall.client("clerk").get(
            f"/api/v1/public/cases/{case['case_no']}",
            params={"query_code": case["query_code"], "min_position": case["position"]},
        )
    except httpx.TransportError:
        return False
    return response.headers.get("Casetrail-Position-Reached") == "true"


def _settle(platform: Platform) -> None:
    """Wait until the relay has published every stored event and the runner has read the
    whole topic."""
    wait_until(
        lambda: platform.relay_position() == platform.max_position(),
        RECOVERY_TIMEOUT,
        "the relay to publish every stored event",
    )
    wait_until(
        lambda: platform.consumed_total() == platform.end_offsets_total(),
        RECOVERY_TIMEOUT,
        "the projection runner to read the whole topic",
    )


def _lost(tally: Tally, stored: dict[evidence.Key, evidence.Stored]) -> list[str]:
    """Acknowledged commands whose event is not in the store at the position answered."""
    return [
        f"{ack.case_id} version {ack.version} at position {ack.position}"
        for ack in tally.acknowledged
        if (found := stored.get((ack.case_id, ack.version))) is None
        or found.position != ack.position
    ]


def test_every_fault_was_survived_under_load(outcome: Outcome) -> None:
    assert [r.target for r in outcome.recoveries] == [*LABELS.values(), "Kafka", "PostgreSQL"]
    for recovery in outcome.recoveries[: len(LABELS)]:
        assert recovery.restarts >= 1, f"the supervisor never restarted the {recovery.target}"
    assert outcome.tally.refused == []  # no command was answered with a 4xx
    assert len(outcome.tally.acknowledged) > WARM_UP * (len(outcome.recoveries) + 1)


def test_no_acknowledged_command_is_lost(outcome: Outcome) -> None:
    assert _lost(outcome.tally, outcome.stored) == []
    # each acknowledged command, a retried one too, recorded its own event exactly once
    answered = {(ack.case_id, ack.version) for ack in outcome.tally.acknowledged}
    assert len(answered) == len(outcome.tally.acknowledged)


def test_every_stored_event_reached_kafka(outcome: Outcome) -> None:
    published = evidence.first_copies(outcome.messages)
    assert published.keys() == outcome.stored.keys()
    for key, event in outcome.stored.items():
        message = published[key]
        assert message["specversion"] == SPECVERSION and message["position"] == event.position
        assert {name: message[name] for name in event.document} == event.document


def test_each_view_equals_a_rebuild_from_the_topic(outcome: Outcome) -> None:
    rebuilt = evidence.rebuild(ALL, outcome.messages)
    cases = {case_id for case_id, _ in outcome.stored if case_id in rebuilt[PUBLIC_STATUS.name]}
    assert len(cases) > WARM_UP
    for projection in ALL:
        views, rows = evidence.stored_views(outcome.platform, projection, rebuilt[projection.name])
        assert rows == evidence.row_count(projection, rebuilt[projection.name]), projection.name
        assert views == rebuilt[projection.name], projection.name


def test_every_chain_verifies_in_the_store_and_on_kafka(outcome: Outcome) -> None:
    published = evidence.first_copies(outcome.messages)
    chains: defaultdict[str, list[evidence.Key]] = defaultdict(list)
    for key in sorted(outcome.stored):
        chains[key[0]].append(key)
    heads = evidence.heads(outcome.stored)
    for subject, keys in chains.items():
        version, head = heads[subject]
        assert len(keys) == version
        verify_chain([outcome.stored[key].document for key in keys], head)
        verify_chain([published[key] for key in keys], head)


def test_nothing_was_applied_twice(outcome: Outcome) -> None:
    heads = evidence.heads(outcome.stored)
    assert evidence.applied_versions(outcome.platform) == heads
    for case_id, view in outcome.platform.sql("SELECT case_id, view FROM public_case_status"):
        assert view["version"] == heads[str(case_id)][0]
    assert outcome.platform.sql("SELECT count(*) FROM quarantine")[0][0] == 0
