"""``casetrail status``: the supervised processes, their restarts, and how far behind the
relay, the projection runner, the anomaly detector, the deadline sweeper, the audit log and
the notifier are."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import psycopg
from kafka import KafkaConsumer, TopicPartition

from infra import transparency_store
from infra.config import Settings
from infra.entrypoints.supervisor import read_status
from infra.kafka_security import ADMIN
from infra.state import state_dir

STATUS_FILE = state_dir() / "processes.json"


def relay_lag(conn: psycopg.Connection) -> int:
    """Events recorded but not yet published."""
    row = conn.execute(
        "SELECT coalesce((SELECT max(notification_id) FROM casetrail_events), 0) - "
        "coalesce((SELECT position FROM relay_positions WHERE name = 'kafka'), 0)"
    ).fetchone()
    return int(row[0]) if row else 0


class TopicEnd:
    """How many messages a topic holds, over its partitions, asked as often as wanted of
    one reader kept open (close it when done)."""

    def __init__(self, kafka_options: Mapping[str, Any], topic: str) -> None:
        self.reader = KafkaConsumer(**kafka_options)
        self.partitions = [
            TopicPartition(topic, p) for p in self.reader.partitions_for_topic(topic) or ()
        ]

    def __call__(self) -> int:
        return sum(self.reader.end_offsets(self.partitions).values())

    def close(self) -> None:
        self.reader.close()


def topic_end(kafka_options: Mapping[str, Any], topic: str) -> int:
    """How many messages the topic holds, over all partitions."""
    end = TopicEnd(kafka_options, topic)
    try:
        return end()
    finally:
        end.close()


def consumed(conn: psycopg.Connection, topic: str, group: str) -> int:
    """How many messages of the topic the consumer ``group`` has passed (applied, held, or
    for the audit log appended, and read up to the first still waiting for its turn)."""
    row = conn.execute(
        "SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets "
        "WHERE consumer = %s AND topic = %s",
        (group, topic),
    ).fetchone()
    return int(row[0]) if row else 0


def committed(kafka_options: Mapping[str, Any], topic: str, group: str) -> int:
    """How many messages of the topic the consumer ``group`` has committed in Kafka (the
    notifier and the exporter keep their offsets there, not in PostgreSQL)."""
    consumer = KafkaConsumer(**kafka_options, group_id=group, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return sum(consumer.committed(partition) or 0 for partition in partitions)
    finally:
        consumer.close(autocommit=False)


def print_status(settings: Settings) -> int:
    """Print each process, its restarts, and the lags; 1 when the platform is not up."""
    processes = read_status(STATUS_FILE)
    if not processes:
        print("no platform is running here (casetrail up)")
    for name, process in processes.items():
        since = time.strftime("%H:%M:%S", time.localtime(process["started_at"]))
        last_exit = process["last_exit"]
        exit_note = "" if last_exit is None else f", last exit {last_exit}"
        print(
            f"{name:9} {process['state']:10} pid {process['pid'] or '-':>7}  since {since}  "
            f"restarts {process['restarts']}{exit_note}"
        )
    with psycopg.connect(settings.database_url) as conn:
        relay = relay_lag(conn)
        end = topic_end(settings.kafka_options(ADMIN), settings.topic)
        behind = end - consumed(conn, settings.topic, settings.projector_group)
        unjudged = end - consumed(conn, settings.topic, settings.anomalies_group)
        unscheduled = end - consumed(conn, settings.topic, settings.sweeper_group)
        unlogged = end - consumed(conn, settings.topic, settings.audit_group)
        logged = transparency_store.size(conn)
        checkpoint = transparency_store.latest_checkpoint(conn)
    untold = end - committed(settings.kafka_options(ADMIN), settings.topic, settings.notifier_group)
    unexported = end - committed(
        settings.kafka_options(ADMIN), settings.topic, settings.exporter_group
    )
    signed = f"last checkpoint {checkpoint.tree_size}" if checkpoint else "no checkpoint yet"
    print(f"relay lag       {relay} event(s) recorded, not yet on {settings.topic}")
    print(f"projection lag  {behind} message(s) on the topic, not yet applied to the views")
    print(f"anomaly lag     {unjudged} message(s) on the topic, not yet judged for anomalies")
    print(
        f"sweeper lag     {unscheduled} message(s) on the topic, not yet in the deadline schedule"
    )
    print(
        f"audit log lag   {unlogged} message(s) on the topic, not yet in the transparency log "
        f"({logged} events in it, {signed})"
    )
    print(f"notifier lag    {untold} message(s) on the topic, not yet read for notifications")
    print(f"exporter lag    {unexported} message(s) on the topic, not yet exported")
    return 0 if processes else 1
