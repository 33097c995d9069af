"""The deadline sweeper on the real servers, under simulated clocks.

SCJG-001 (promised limit 5 working days, warning at 80 %) accepted Mon 2026-09-28: its
4th working day is Fri 10-09 (国庆 is off, see tests/unit/test_sweeper_days.py), the
day the yellow warning and the 审查 step's overrun fire; red would be Mon 10-12.

A case whose warning is due gets exactly one ``DeadlineWarningRaised``: also after the
sweeper is killed and started again, and when two sweepers race over the same schedule.
A sweep rewriting a case's rows while another writer rewrites them waits for it.
Withdrawing the case clears its alerts, each by one ``DeadlineAlertCleared``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import closing
from typing import Any
from uuid import UUID

import psycopg
import pytest
from kafka.partitioner.default import murmur2

from domain.case import DeadlineAlertCleared, DeadlineBreached, DeadlineWarningRaised
from infra import deadline_schedule
from infra.entrypoints import cli
from infra.entrypoints.bootstrap import build_application, open_pool
from infra.entrypoints.status import consumed
from infra.kafka_admin import partition_count
from infra.state import ROOT
from tests.integration.harness import Hall, Platform, wait_until

pytestmark = pytest.mark.integration

APPLICANT = {"kind": "person", "name": "唐三藏", "id_number": "110101198808088888"}
ACCEPTED = "2026-09-28T10:00+08:00"
WARNED = "2026-10-09T18:00+08:00"  # yellow (4 of 5 days), not red
BEFORE = "2026-10-08T18:00+08:00"  # nothing due yet
WITHDRAWN = "2026-10-12T09:00+08:00"


def at(moment: str, **more: str) -> dict[str, str]:
    return {"CASETRAIL_MODE": "test", "CASETRAIL_SIMULATED_NOW": moment, **more}


def sweeper_env(moment: str, instance: str) -> dict[str, str]:
    return at(moment, CASETRAIL_SWEEPER_INSTANCE=instance, CASETRAIL_SWEEP_SECONDS="0.3")


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    platform.start("relay")
    platform.start("api", env=at(ACCEPTED))
    staff = Hall(platform, APPLICANT)
    try:
        yield staff
    finally:
        staff.close()


def accepted_case(hall: Hall) -> dict[str, Any]:
    case = hall.submit("SCJG-001")
    hall.act(case, "accept", "clerk")
    return case


def recorded(platform: Platform, case: dict[str, Any], kind: type[Any]) -> list[Any]:
    """The case's events of class ``kind`` in the store."""
    with open_pool(platform.settings.api_database_url, max_size=1) as pool:
        app = build_application(platform.settings, pool)
        try:
            stored = app.recorder.select_events(UUID(case["case_id"]))
            events = [app.mapper.to_domain_event(s) for s in stored]
        finally:
            app.close()
    return [e for e in events if isinstance(e, kind)]


def count(platform: Platform, case: dict[str, Any], kind: type[Any]) -> int:
    return len(recorded(platform, case, kind))


def caught_up(platform: Platform) -> bool:
    """Whether the sweeper has taken every message on the topic."""
    with closing(psycopg.connect(platform.settings.database_url)) as conn:
        taken = consumed(conn, platform.topic, platform.settings.sweeper_group)
    return taken == platform.end_offsets_total()


def relayed(platform: Platform) -> bool:
    return platform.relay_position() == platform.max_position()


def sweep_once(platform: Platform, moment: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        cli.command("sweep", "--once"),
        cwd=ROOT,
        env={**platform.env(), **at(moment, CASETRAIL_SWEEPER_INSTANCE="once")},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def test_one_warning_across_a_restart(platform: Platform, hall: Hall) -> None:
    case = accepted_case(hall)
    platform.start("sweep", "sweep-1", sweeper_env(WARNED, "sweeper-1"))
    wait_until(lambda: count(platform, case, DeadlineWarningRaised), what="the warning")
    (warning,) = recorded(platform, case, DeadlineWarningRaised)
    assert warning.deadline == "2026-10-10"
    assert (warning.days_used, warning.allowed_days, warning.threshold_percent) == (4, 5, 80)
    assert warning.notify == {"department": "SCJG", "officer": None, "roles": ["officer"]}
    assert warning.actor["id"] == "deadline-sweeper" and warning.actor["simulated"]

    platform.kill("sweep-1")
    platform.start("sweep", "sweep-2", sweeper_env(WARNED, "sweeper-1"))
    wait_until(lambda: relayed(platform) and caught_up(platform), what="the sweeper to catch up")
    once = sweep_once(platform, WARNED)
    out, _ = once.communicate(timeout=120)
    assert once.returncode == 0
    assert case["case_no"] not in out.decode()  # nothing more is due for it
    assert count(platform, case, DeadlineWarningRaised) == 1
    platform.stop("sweep-2")


def test_two_sweepers_racing_record_one_warning(platform: Platform, hall: Hall) -> None:
    case = accepted_case(hall)
    platform.start("sweep", "scheduler", sweeper_env(BEFORE, "sweeper-1"))
    wait_until(lambda: relayed(platform) and caught_up(platform), what="the schedule")
    rows = platform.sql(
        "SELECT rule, fires_on::text FROM deadline_schedule WHERE case_id = %s", case["case_id"]
    )
    assert ("deadline_warning_raised", "2026-10-09") in rows
    platform.stop("scheduler")
    racers = [sweep_once(platform, WARNED) for _ in range(2)]
    outputs = [racer.communicate(timeout=120)[0].decode() for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0]
    lines = [line for out in outputs for line in out.splitlines() if case["case_no"] in line]
    assert sum("deadline_warning_raised" in line for line in lines) == 1
    assert count(platform, case, DeadlineWarningRaised) == 1


def waiting_on_a_lock(platform: Platform) -> bool:
    """Whether a session of the platform's database waits for a lock."""
    rows = platform.sql(
        "SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) "
        "WHERE NOT granted AND datname = current_database()"
    )
    return bool(rows[0][0])


def test_a_sweep_waits_while_another_writer_rewrites_the_schedule(
    platform: Platform, hall: Hall
) -> None:
    case = accepted_case(hall)
    platform.start("sweep", "scheduler-2", sweeper_env(BEFORE, "sweeper-1"))
    wait_until(lambda: relayed(platform) and caught_up(platform), what="the schedule")
    platform.stop("scheduler-2")
    with psycopg.connect(platform.settings.database_url) as other:  # rewriting the case's rows
        deadline_schedule.lock(other)
        rows = other.execute(
            "DELETE FROM deadline_schedule WHERE case_id = %s "
            "RETURNING case_id, rule, key, deadline, fires_on",
            (case["case_id"],),
        ).fetchall()
        assert ("deadline_warning_raised", "2026-10-09") in {(r[1], str(r[4])) for r in rows}
        with other.cursor() as cursor:
            cursor.executemany("INSERT INTO deadline_schedule VALUES (%s, %s, %s, %s, %s)", rows)
        sweeping = sweep_once(platform, WARNED)
        wait_until(lambda: waiting_on_a_lock(platform), what="the sweep to wait")
    out, _ = sweeping.communicate(timeout=120)
    assert sweeping.returncode == 0
    assert f"{case['case_no']}\tdeadline_warning_raised" in out.decode()
    assert count(platform, case, DeadlineWarningRaised) == 1
    left = platform.sql("SELECT rule FROM deadline_schedule WHERE case_id = %s", case["case_id"])
    assert left and ("deadline_warning_raised",) not in left


def test_withdrawal_clears_the_alerts(platform: Platform, hall: Hall) -> None:
    case = accepted_case(hall)
    platform.start("sweep", "sweep-3", sweeper_env(WARNED, "sweeper-1"))
    wait_until(lambda: count(platform, case, DeadlineWarningRaised), what="the warning")
    wait_until(lambda: relayed(platform) and caught_up(platform), what="the sweeper")
    platform.stop("sweep-3")
    platform.stop("api")
    platform.start("api", env=at(WITHDRAWN))
    hall.act(case, "withdraw", "officer", "SCJG", reason="申请人撤回")
    platform.start("sweep", "sweep-4", sweeper_env(WITHDRAWN, "sweeper-1"))
    wait_until(lambda: count(platform, case, DeadlineAlertCleared) >= 2, what="the alerts cleared")
    wait_until(lambda: relayed(platform) and caught_up(platform), what="the sweeper")
    cleared = recorded(platform, case, DeadlineAlertCleared)
    assert sorted((c.alert, c.deadline, c.reason) for c in cleared) == [
        ("deadline_warning_raised", "2026-10-10", "closed"),
        ("step_limit_overrun", "2026-10-08", "closed"),
    ]
    assert count(platform, case, DeadlineBreached) == 0
    platform.stop("sweep-4")


def partition_of(platform: Platform, case: dict[str, Any]) -> int:
    """The partition the case's events went to."""
    (partition,) = {m.partition for m in platform.read_topic() if m.key == case["case_id"].encode()}
    return partition


def keyed_to(case: dict[str, Any], partitions: int) -> int:
    """The partition Kafka's default partitioner gives the case's key."""
    return (murmur2(case["case_id"].encode()) & 0x7FFFFFFF) % partitions


def test_a_case_the_store_cannot_give_back_is_held_alone(platform: Platform, hall: Hall) -> None:
    """Its events are quarantined; another case of the same batch is still scheduled.
    (Last in the module: it leaves a broken case in the event store.)"""
    broken = accepted_case(hall)
    wait_until(lambda: relayed(platform), what="the relay")
    partitions = partition_count(platform.settings.bootstrap_servers, platform.topic)
    sound = next(
        case
        for case in (hall.submit("SCJG-001") for _ in range(8 * partitions))
        if keyed_to(case, partitions) == keyed_to(broken, partitions)
    )
    hall.act(sound, "accept", "clerk")
    wait_until(lambda: relayed(platform), what="the relay")
    assert partition_of(platform, sound) == partition_of(platform, broken)  # one batch
    platform.sql(
        "UPDATE casetrail_events SET topic = 'domain.gone:Vanished' "
        "WHERE originator_id = %s AND originator_version = 2",
        broken["case_id"],
    )
    platform.start("sweep", "sweep-5", sweeper_env(BEFORE, "sweeper-1"))
    wait_until(lambda: caught_up(platform), what="the sweeper")
    assert platform.processes["sweep-5"].poll() is None
    scheduled = platform.sql(
        "SELECT DISTINCT case_id::text FROM deadline_schedule WHERE case_id = ANY(%s)",
        [UUID(sound["case_id"]), UUID(broken["case_id"])],
    )
    assert scheduled == [(sound["case_id"],)]
    held = platform.sql(
        "SELECT DISTINCT case_id::text FROM quarantine WHERE consumer = %s",
        platform.settings.sweeper_group,
    )
    assert held == [(broken["case_id"],)]
    platform.stop("sweep-5")
