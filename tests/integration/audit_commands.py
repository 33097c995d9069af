"""A stand-in for the audit consumer, for the tests of ``casetrail audit verify`` and
``export``: it appends the platform's events to the transparency log in position order
through ``infra.transparency_store.append`` (what the consumer uses), signs checkpoints
with a test key, stores them and publishes each note to the platform's checkpoint
topic. Swap it for the real consumer once that is merged. Also: running `casetrail
audit` commands against such a log."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import psycopg
from kafka import KafkaProducer

from domain.transparency.checkpoint import Checkpoint
from domain.transparency.note import Signer
from infra import transparency_store
from infra.entrypoints import cli
from infra.kafka_security import ADMIN, checkpoint_topic
from infra.state import ROOT
from infra.transparency_store import Leaf
from tests.faults.evidence import stored_events
from tests.integration.harness import Platform, wait_until

ORIGIN = "casetrail.test/audit-log"


class StandInAuditLog:
    """Fills the log of ``platform`` from its event store, as the audit consumer would."""

    def __init__(self, platform: Platform, signer: Signer | None = None) -> None:
        self.platform = platform
        self.signer = signer or Signer.generate(ORIGIN)
        self.topic = checkpoint_topic(platform.topic)  # made with the platform's topic

    def env(self) -> dict[str, str]:
        """What a ``casetrail audit`` command needs to find this log's key and topic."""
        return {
            **self.platform.env(),
            "CASETRAIL_AUDIT_VERIFIER_KEY": self.signer.verifier.vkey(),
        }

    def catch_up(self) -> int:
        """Once the relay has published every stored event, append those the log lacks,
        in position order, and sign, store and publish a checkpoint; the tree size."""
        platform = self.platform
        wait_until(lambda: platform.relay_position() >= platform.max_position(), what="the relay")
        events = sorted(stored_events(platform).values(), key=lambda e: e.position)
        with psycopg.connect(platform.settings.database_url) as conn:
            edge = transparency_store.frontier(conn)
            last = conn.execute("SELECT coalesce(max(position), 0) FROM audit_log_leaves")
            after = _first(last.fetchone())
            leaves = [
                Leaf(
                    event.position,
                    event.document["subject"],
                    event.document["caseversion"],
                    bytes.fromhex(event.document["hash"]),
                )
                for event in events
                if event.position > after
            ]
            transparency_store.append(conn, edge, leaves)
            note = Checkpoint(ORIGIN, edge.size, edge.root()).sign(self.signer)
            transparency_store.save_checkpoint(conn, edge.size, edge.root(), note)
        self.publish(note)
        return edge.size

    def publish(self, note: str) -> None:
        """Send a note to the checkpoint topic, as the audit consumer does."""
        producer = KafkaProducer(**self.platform.settings.kafka_options(ADMIN))
        try:
            producer.send(self.topic, key=ORIGIN.encode(), value=note.encode()).get(timeout=30)
        finally:
            producer.close()


def audit(log: StandInAuditLog, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli.command("audit", *args),
        cwd=ROOT,
        env=log.env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def verify(log: StandInAuditLog) -> tuple[int, dict[str, Any]]:
    """``casetrail audit verify --json``: its exit code and report."""
    done = audit(log, "verify", "--json")
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def first_link(report: dict[str, Any]) -> list[dict[str, Any]]:
    assert report["ok"] is False
    problems: list[dict[str, Any]] = report["first_broken_link"]["problems"]
    return problems


def _first(row: tuple[Any, ...] | None) -> int:
    return int(row[0]) if row else 0
