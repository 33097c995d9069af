"""What the transparency log tests share: the events as the topic carries them, the log as
stored, the checkpoints as published, waiting for the audit log to catch up, and an
audit log signing with a key of its own."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from kafka import KafkaProducer

from consumers.cloudevents import recorded_document
from domain.transparency.checkpoint import Checkpoint
from domain.transparency.note import Signer, Verifier
from infra.audit_keys import SIGNING_KEY, VERIFIER_KEY
from infra.entrypoints.bootstrap import build_application, open_pool
from infra.kafka_security import ADMIN, checkpoint_topic
from tests.integration.harness import Platform, read_whole_topic, wait_until

# checkpoints often, so that tests see several
AUDIT_ENV = {"CASETRAIL_AUDIT_CHECKPOINT_SECONDS": "0.3", "CASETRAIL_AUDIT_CHECKPOINT_EVERY": "25"}


@dataclass(frozen=True)
class Recorded:
    """An event as the event store holds it."""

    position: int
    subject: str
    version: int
    hash: str


def recorded_events(platform: Platform) -> list[Recorded]:
    """Every event in the event store, in position order (the truth the log must match)."""
    with open_pool(platform.settings.api_database_url, max_size=1) as pool:
        app = build_application(platform.settings, pool)
        try:
            notifications = app.recorder.select_notifications(start=None, limit=1_000_000)
            documents = [(n.id, recorded_document(n, app.mapper)) for n in notifications]
        finally:
            app.close()
    return [
        Recorded(position, d["subject"], d["caseversion"], d["hash"]) for position, d in documents
    ]


def partitions_used(platform: Platform) -> set[int]:
    """The partitions of the topic that hold messages."""
    return {record.partition for record in platform.read_topic()}


def leaves(platform: Platform) -> list[tuple[int, int, str, int, str]]:
    """The log's leaves in order: index, position, aggregate, version, chain hash (hex)."""
    return [
        (index, position, str(aggregate), version, bytes(digest).hex())
        for index, position, aggregate, version, digest in platform.sql(
            "SELECT leaf_index, position, aggregate_id, version, chain_hash"
            " FROM audit_log_leaves ORDER BY leaf_index"
        )
    ]


def recorded(platform: Platform) -> int:
    """How many events the event store holds."""
    return int(platform.sql("SELECT count(*) FROM casetrail_events")[0][0])


def checkpoint_size(platform: Platform) -> int:
    rows = platform.sql("SELECT coalesce(max(tree_size), 0) FROM audit_checkpoints")
    return int(rows[0][0])


def wait_logged(platform: Platform, *, signed: bool = True) -> int:
    """Wait until the log holds every recorded event (and, with ``signed``, a checkpoint
    covers them all); how many."""

    def caught_up() -> int:
        count = recorded(platform)
        logged = int(platform.sql("SELECT count(*) FROM audit_log_leaves")[0][0])
        if logged != count or (signed and checkpoint_size(platform) != count):
            return 0
        return count

    return wait_until(caught_up, timeout=90, what="the audit log to catch up")


def public(platform: Platform) -> httpx.Client:
    """A client of the API without a token."""
    return httpx.Client(base_url=platform.base_url, timeout=30)


def verifier(client: httpx.Client) -> Verifier:
    response = client.get("/api/v1/audit/verifier-key")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    return Verifier.parse(response.text)


def latest_checkpoint(client: httpx.Client, origin: str) -> tuple[str, Checkpoint]:
    """The served note and the checkpoint it opens to, with the served verifier key."""
    response = client.get("/api/v1/audit/checkpoint")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    return response.text, Checkpoint.open(response.text, verifier(client), origin)


def published_checkpoints(platform: Platform) -> list[tuple[bytes, str]]:
    """Every (key, note) on the platform's checkpoint topic, in order."""
    records = read_whole_topic(platform, checkpoint_topic(platform.topic))
    return [(bytes(r.key), bytes(r.value).decode()) for r in records]


def produce(platform: Platform, messages: list[tuple[bytes | None, bytes]]) -> None:
    """Write to the event topic as someone holding the admin's password would."""
    producer = KafkaProducer(**platform.settings.kafka_options(ADMIN))
    try:
        for key, value in messages:
            producer.send(platform.topic, key=key, value=value)
        producer.flush()
    finally:
        producer.close()


class OwnKeyAuditLog:
    """The platform's audit log (``casetrail audit log``, labelled ``audit``), signing
    with a key made for it alone; ``env`` is what a ``casetrail audit`` command needs to
    check what it signed (the origin and verifier key, never the signing key)."""

    def __init__(self, platform: Platform, origin: str = "casetrail.test/audit-log") -> None:
        self.platform = platform
        self.signer = Signer.generate(origin)

    def env(self) -> dict[str, str]:
        return {
            **self.platform.env(),
            "CASETRAIL_AUDIT_ORIGIN": self.signer.name,
            VERIFIER_KEY: self.signer.verifier.vkey(),
        }

    def start(self, **env: str) -> None:
        """Start it, checkpointing often (``env`` may say otherwise)."""
        self.platform.start(
            "audit log",
            label="audit",
            env={
                **AUDIT_ENV,
                "CASETRAIL_AUDIT_ORIGIN": self.signer.name,
                SIGNING_KEY: self.signer.skey(),
                **env,
            },
        )

    def stop(self) -> None:
        self.platform.stop("audit")

    def caught_up(self) -> int:
        """Wait until a checkpoint covering every stored event is signed, stored and
        published; its tree size."""
        size = wait_logged(self.platform)
        rows = self.platform.sql("SELECT note FROM audit_checkpoints WHERE tree_size = %s", size)
        latest = (self.signer.name.encode(), rows[0][0])
        wait_until(
            lambda: published_checkpoints(self.platform)[-1:] == [latest],
            what="the checkpoint published",
        )
        return size
