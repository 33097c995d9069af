"""``casetrail integrator add NAME`` on the real broker: the settings it prints, fed
straight into kafka-python, read the integrators' topics in a group of its prefix; that
user writes nothing, reads no dead letter, joins no other prefix's group; a name taken
or reserved is refused, and ``--rotate`` gives a new password that replaces the old."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePatternFilter,
    ResourceType,
)
from kafka.errors import (
    GroupAuthorizationFailedError,
    KafkaTimeoutError,
    TopicAuthorizationFailedError,
)

from infra.entrypoints import cli
from infra.kafka_acls import integrator_topics
from infra.kafka_admin import admin_client
from infra.kafka_security import dead_letter_topic
from infra.state import ROOT
from tests.integration.harness import Hall, Platform, running_hall, wait_until

pytestmark = pytest.mark.integration

APPLICANT = {"kind": "person", "name": "王集成", "id_number": "110101198001010019"}
KEYS = [
    "bootstrap_servers",
    "security_protocol",
    "sasl_mechanism",
    "sasl_plain_username",
    "sasl_plain_password",
    "group_id_prefix",
]


def integrator(platform: Platform, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli.command("integrator", "add", *args),
        cwd=ROOT,
        env=platform.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def printed(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert done.returncode == 0, done.stderr
    return dict(line.split("=", 1) for line in done.stdout.splitlines())


@pytest.fixture(scope="module")
def name(platform: Platform) -> Iterator[str]:
    """A new integrator's name; its user and ACLs are removed afterwards."""
    found = f"acme-{uuid.uuid4().hex[:8]}"
    yield found
    removed = subprocess.run(
        cli.command("integrator", "remove", found), cwd=ROOT, env=platform.env(), timeout=120
    )
    assert removed.returncode == 0
    assert not [acl for acl in acls_of(platform) if acl.principal == f"User:{found}"]


def acls_of(platform: Platform) -> list[ACL]:
    everything = ACLFilter(
        None,
        None,
        ACLOperation.ANY,
        ACLPermissionType.ANY,
        ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY),
    )
    with admin_client(platform.settings.bootstrap_servers) as admin:
        acls, _ = admin.describe_acls(everything)
    return list(acls)


@pytest.fixture(scope="module")
def hall(platform: Platform) -> Iterator[Hall]:
    with running_hall(platform, APPLICANT) as staff:
        yield staff


@pytest.fixture(scope="module")
def settings(platform: Platform, name: str) -> dict[str, str]:
    return printed(integrator(platform, name))


def options_of(settings: dict[str, str]) -> dict[str, Any]:
    """The printed settings that are kafka-python options (all but the group prefix)."""
    return {k: v for k, v in settings.items() if k != "group_id_prefix"}


def consumer(settings: dict[str, str], group: str, *topics: str) -> KafkaConsumer:
    """A kafka-python consumer made of the printed settings alone."""
    return KafkaConsumer(
        *topics,
        **options_of(settings),
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )


def test_the_settings_read_the_topics_in_a_group_of_its_prefix(
    hall: Hall, settings: dict[str, str], name: str
) -> None:
    assert list(settings) == KEYS  # no TLS here, so no ssl_cafile
    assert (settings["sasl_plain_username"], settings["group_id_prefix"]) == (name, f"{name}.")
    case = hall.submit("SCJG-001")
    topics = integrator_topics(hall.platform.topic)
    assert dead_letter_topic(hall.platform.topic) not in topics and len(topics) >= 3
    reader = consumer(settings, f"{name}.cases", *topics)
    with closing(reader):
        keys: set[bytes] = set()

        def read() -> bool:
            keys.update(r.key for rs in reader.poll(timeout_ms=500).values() for r in rs)
            return case["case_id"].encode() in keys

        wait_until(read, what="the integrator to read the case's event")
        reader.commit()  # its own group's offsets
        assert reader.subscription() == set(topics)


def test_it_writes_nothing(platform: Platform, settings: dict[str, str]) -> None:
    before = platform.end_offsets_total()
    with pytest.raises(TopicAuthorizationFailedError):
        producer = KafkaProducer(
            **options_of(settings), enable_idempotence=False, max_block_ms=5000
        )
        try:
            producer.send(platform.topic, key=b"k", value=b"forged").get(timeout=10)
        finally:
            producer.close(timeout=5)
    assert platform.end_offsets_total() == before


def test_it_reads_no_dead_letter(platform: Platform, settings: dict[str, str]) -> None:
    reader = consumer(settings, f"{settings['group_id_prefix']}dlq")
    with closing(reader), pytest.raises(TopicAuthorizationFailedError):
        reader.assign([TopicPartition(dead_letter_topic(platform.topic), 0)])
        wait_until(lambda: reader.poll(timeout_ms=500), timeout=30, what="a refusal")


@pytest.mark.parametrize("group", ["integrator-x", "acme.other", "casetrail-projections"])
def test_it_joins_no_other_group(platform: Platform, settings: dict[str, str], group: str) -> None:
    reader = consumer(settings, group, platform.topic)
    with closing(reader), pytest.raises(GroupAuthorizationFailedError):
        wait_until(lambda: reader.poll(timeout_ms=500), timeout=30, what="a refusal")


@pytest.mark.parametrize(
    ("asked", "says"),
    [
        (["relay"], "one of the project's own Kafka principals"),
        (["integrator"], "one of the project's own Kafka principals"),
        (["casetrail-x"], "may not start with"),
        (["Acme_1"], "invalid integrator name"),
        (["nobody-here", "--rotate"], "no integrator nobody-here"),
    ],
)
def test_a_reserved_invalid_or_unknown_name_is_refused(
    platform: Platform, asked: list[str], says: str
) -> None:
    done = integrator(platform, *asked)
    assert done.returncode == 1 and says in done.stderr and done.stdout == ""


def test_a_taken_name_is_refused_and_rotate_replaces_the_password(
    platform: Platform, settings: dict[str, str], name: str
) -> None:
    again = integrator(platform, name)
    assert again.returncode == 1 and f"{name} --rotate" in again.stderr
    rotated = printed(integrator(platform, name, "--rotate"))
    assert rotated["sasl_plain_password"] != settings["sasl_plain_password"]
    assert {k: v for k, v in rotated.items() if k != "sasl_plain_password"} == {
        k: v for k, v in settings.items() if k != "sasl_plain_password"
    }
    with closing(consumer(rotated, f"{name}.rotated", platform.topic)) as reader:
        assert platform.topic in reader.topics()
    with pytest.raises(KafkaTimeoutError, match="Unable to bootstrap"):
        KafkaAdminClient(**options_of(settings), bootstrap_timeout_ms=3000)  # the old password
