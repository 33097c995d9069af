"""Who talks to Kafka, and how: the principals, their logins, and the options every
producer, consumer and admin client of the project is built with.

Each process logs in as its own principal (SASL/SCRAM by default). A password comes
from ``KAFKA_<PRINCIPAL>_PASSWORD``, else the file named by ``…_PASSWORD_FILE``, else
a file generated into the state folder's ``secrets/`` (mode 0600) for the private
broker, which the stack gives each principal.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from typing import Any

from infra.secrets import load_secret
from infra.state import secrets_dir

ADMIN = "admin"  # creates topics, users and ACLs: the stack and the test harness only
RELAY = "relay"  # writes the event topic
PROJECTOR = "projector"  # reads it in its consumer group
INTEGRATOR = "integrator"  # reads it, in groups of its own prefix
ANOMALIES = "anomalies"  # the anomaly detector: reads it in its own consumer group
AUDITOR = "auditor"  # reads it into the transparency log, writes the log's checkpoints
SWEEPER = "sweeper"  # the deadline sweeper: reads it in its own consumer group
NOTIFIER = "notifier"  # reads it in its own consumer group, writes the notifications
WEBHOOKS = "webhooks"  # the webhook deliveries: reads it in its own consumer group
EXPORTER = "exporter"  # reads it in its own consumer group, writes exchange records, approvals
PRINCIPALS = (
    ADMIN,
    RELAY,
    PROJECTOR,
    INTEGRATOR,
    ANOMALIES,
    AUDITOR,
    SWEEPER,
    NOTIFIER,
    WEBHOOKS,
    EXPORTER,
)
PROJECTOR_GROUP = "casetrail-projections"
ANOMALIES_GROUP = "casetrail-anomalies"
AUDIT_GROUP = "casetrail-audit-log"
SWEEPER_GROUP = "casetrail-sweeper"
NOTIFIER_GROUP = "casetrail-notifier"
WEBHOOKS_GROUP = "casetrail-webhooks"
EXPORTER_GROUP = "casetrail-exchange"
EVENT_TOPIC = "casetrail.case-events"
CHECKPOINT_TOPIC = "casetrail.audit-checkpoints"  # the event topic's log's signed checkpoints
NOTIFICATIONS_TOPIC = "casetrail.notifications"  # alerts and notices, for gateways
EXCHANGE_TOPIC = "casetrail.exchange"  # exchange records, for provincial platforms
APPROVALS_TOPIC = "casetrail.approvals"  # approvals with their certificates, for regulators
DEAD_LETTER_SUFFIX = ".dlq"  # casetrail.case-events.dlq: what the consumers refused
INTEGRATOR_GROUP_PREFIX = "integrator-"
SASL_PROTOCOLS = ("SASL_PLAINTEXT", "SASL_SSL")


@dataclass(frozen=True)
class KafkaSecurity:
    """How clients reach Kafka: protocol, SASL mechanism, CA file and user names."""

    protocol: str = "SASL_PLAINTEXT"
    mechanism: str = "SCRAM-SHA-512"
    ssl_cafile: str | None = None
    usernames: dict[str, str] = field(default_factory=lambda: {p: p for p in PRINCIPALS})

    @classmethod
    def from_env(cls) -> KafkaSecurity:
        """``KAFKA_SECURITY_PROTOCOL``, ``KAFKA_SASL_MECHANISM``, ``KAFKA_SSL_CAFILE`` and
        ``KAFKA_<PRINCIPAL>_USERNAME``, with the private broker's values as defaults."""
        env = os.environ
        return cls(
            protocol=env.get("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
            mechanism=env.get("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
            ssl_cafile=env.get("KAFKA_SSL_CAFILE") or None,
            usernames={p: env.get(f"{_variable(p)}_USERNAME") or p for p in PRINCIPALS},
        )

    def principal(self, name: str) -> str:
        """The ACL principal of ``name`` (``User:<its user name>``)."""
        return f"User:{self.usernames[name]}"

    def client_options(self, bootstrap_servers: str, principal: str) -> dict[str, Any]:
        """Keyword arguments of a kafka-python client logging in as ``principal``."""
        options: dict[str, Any] = {
            "bootstrap_servers": bootstrap_servers,
            "security_protocol": self.protocol,
        }
        if self.protocol in SASL_PROTOCOLS:
            options |= {
                "sasl_mechanism": self.mechanism,
                "sasl_plain_username": self.usernames[principal],
                "sasl_plain_password": password(principal),
            }
        if self.protocol.endswith("SSL") and self.ssl_cafile:
            options["ssl_cafile"] = self.ssl_cafile
        return options


def password(principal: str) -> str:
    """The password of ``principal``: its variable, its mounted file, or generated."""
    return load_secret(
        f"{_variable(principal)}_PASSWORD", secrets_dir(), lambda: secrets.token_urlsafe(24)
    )


def _variable(principal: str) -> str:
    return f"KAFKA_{principal.upper()}"


def dead_letter_topic(topic: str) -> str:
    """The dead-letter topic of ``topic`` (``casetrail.case-events.dlq``)."""
    return topic + DEAD_LETTER_SUFFIX


def checkpoint_topic(topic: str) -> str:
    """Where the transparency log of event topic ``topic`` publishes its signed checkpoints:
    ``casetrail.audit-checkpoints`` for ``casetrail.case-events``, else ``<topic>.audit-
    checkpoints`` (each test platform's own)."""
    return CHECKPOINT_TOPIC if topic == EVENT_TOPIC else f"{topic}.audit-checkpoints"


def notifications_topic(topic: str) -> str:
    """Where the notifier of event topic ``topic`` publishes: ``casetrail.notifications``
    for ``casetrail.case-events``, else ``<topic>.notifications`` (each test platform's
    own)."""
    return NOTIFICATIONS_TOPIC if topic == EVENT_TOPIC else f"{topic}.notifications"


def exchange_topic(topic: str) -> str:
    """Where the exporter of event topic ``topic`` publishes exchange records:
    ``casetrail.exchange`` for ``casetrail.case-events``, else ``<topic>.exchange`` (each
    test platform's own)."""
    return EXCHANGE_TOPIC if topic == EVENT_TOPIC else f"{topic}.exchange"


def approvals_topic(topic: str) -> str:
    """Where the exporter of event topic ``topic`` publishes approvals with a certificate:
    ``casetrail.approvals`` for ``casetrail.case-events``, else ``<topic>.approvals``."""
    return APPROVALS_TOPIC if topic == EVENT_TOPIC else f"{topic}.approvals"
