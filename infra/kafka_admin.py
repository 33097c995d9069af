"""The event topic's administration: create it and its dead-letter topic with their
ACLs, describe and drop them. Every call logs in as the admin principal
(``infra.kafka_security``)."""

from __future__ import annotations

import os
import sys

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from kafka.errors import KafkaError, TopicAlreadyExistsError

from infra import kafka_acls
from infra.config import DEFAULT_TOPIC
from infra.kafka_acls import companion_topics
from infra.kafka_security import ADMIN, KafkaSecurity

TOPIC_CONFIG = {
    "retention.ms": "-1",
    "retention.bytes": "-1",
    "cleanup.policy": "delete",
    "unclean.leader.election.enable": "false",
    "min.insync.replicas": "1",
}


def default_partitions() -> int:
    """Partition count for new topics: CASETRAIL_TOPIC_PARTITIONS, else 12."""
    return int(os.environ.get("CASETRAIL_TOPIC_PARTITIONS", "12"))


def admin_client(bootstrap: str, timeout_ms: int = 30000) -> KafkaAdminClient:
    """An admin client of the brokers at ``bootstrap``, logged in as the admin."""
    return KafkaAdminClient(
        **KafkaSecurity.from_env().client_options(bootstrap, ADMIN),
        client_id="casetrail-stack",
        bootstrap_timeout_ms=timeout_ms,
        request_timeout_ms=timeout_ms,
    )


def answers(bootstrap: str) -> bool:
    """True if a broker at `bootstrap` serves the admin's metadata requests."""
    try:
        with admin_client(bootstrap, timeout_ms=3000) as admin:
            admin.list_topics()
    except KafkaError:
        return False
    return True


def ensure_topic(bootstrap: str, name: str = DEFAULT_TOPIC, partitions: int | None = None) -> None:
    """Create the event topic `name` and its companion topics (one partition each: the
    dead letters, the transparency log's checkpoints, the notifications, the exchange
    records, the approvals), each with
    infinite retention, unless they exist (never altering an existing topic), and the
    ACLs that let their clients use them (``infra.kafka_acls``)."""
    count = partitions or default_partitions()
    try:
        with admin_client(bootstrap) as admin:
            sizes = [(name, count), *((companion, 1) for companion in companion_topics(name))]
            for topic, size in sizes:
                try:
                    admin.create_topics(
                        {topic: {"num_partitions": size, "configs": TOPIC_CONFIG}},
                        wait_for_metadata=True,
                    )
                    print(f"created topic {topic} ({size} partitions)", file=sys.stderr)
                except TopicAlreadyExistsError:
                    pass
            kafka_acls.grant(admin, KafkaSecurity.from_env(), name)
    except KafkaError as error:
        raise RuntimeError(f"could not create topic {name} on {bootstrap}: {error}") from error


def drop_topic(bootstrap: str, name: str) -> None:
    """Delete the event topic `name`, its companion topics and their ACLs (test and
    benchmark topics)."""
    with admin_client(bootstrap) as admin:
        kafka_acls.revoke(admin, name)
        admin.delete_topics([name, *companion_topics(name)])


def describe_topic_config(bootstrap: str, name: str = DEFAULT_TOPIC) -> dict[str, str]:
    """Effective configuration of topic `name`."""
    with admin_client(bootstrap) as admin:
        result = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name)], config_filter="all"
        )
    entries = result["topic"][name]
    return {key: entry["value"] for key, entry in entries.items() if entry["value"] is not None}


def partition_count(bootstrap: str, name: str = DEFAULT_TOPIC) -> int:
    """Number of partitions of topic `name`."""
    with admin_client(bootstrap) as admin:
        (topic,) = admin.describe_topics([name])
    return len(topic["partitions"])
