"""Settings, read once from the environment; every process gets them the same way."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from eventsourcing.cryptography import AESCipher

from domain.clock import Clock, SimulatedClock, SystemClock
from domain.errors import InvalidCommand
from infra import grants, servers
from infra.kafka_security import (
    ANOMALIES_GROUP,
    AUDIT_GROUP,
    EVENT_TOPIC,
    EXPORTER_GROUP,
    NOTIFIER_GROUP,
    PROJECTOR_GROUP,
    SWEEPER_GROUP,
    WEBHOOKS_GROUP,
    KafkaSecurity,
)
from infra.master_keys import new_master_key
from infra.secrets import load_secret
from infra.state import secrets_dir, state_dir

DEFAULT_TOPIC = EVENT_TOPIC
SIMULATION_MODES = ("demo", "test")
MIN_KEY_BYTES = 32
RECONNECT_BACKOFF_MAX_MS = 1000

AGGREGATE_CACHE_SIZE = "1000"  # aggregates kept in memory per process


@dataclass(frozen=True)
class Settings:
    """Where the servers are and how the platform names things.

    ``database_url`` is the owner's, for schema changes (``casetrail migrate``); each
    process connects with its own role's URL.
    """

    database_url: str = field(repr=False)
    bootstrap_servers: str
    api_database_url: str = field(repr=False)
    relay_database_url: str = field(repr=False)
    projector_database_url: str = field(repr=False)
    anomalies_database_url: str = field(repr=False)
    auditor_database_url: str = field(default="", repr=False)  # from_env sets it
    sweeper_database_url: str = field(default="", repr=False)  # from_env sets it
    notifier_database_url: str = field(default="", repr=False)  # from_env sets it
    webhooks_database_url: str = field(default="", repr=False)  # from_env sets it
    exporter_database_url: str = field(default="", repr=False)  # from_env sets it
    topic: str = DEFAULT_TOPIC
    hall: str = "demo-hall"
    api_host: str = "127.0.0.1"
    api_port: int = 8780
    relay_batch: int = 2000
    projector_group: str = PROJECTOR_GROUP
    projector_instance: str = "projector-1"
    anomalies_group: str = ANOMALIES_GROUP
    anomalies_instance: str = "anomalies-1"
    audit_group: str = AUDIT_GROUP
    sweeper_group: str = SWEEPER_GROUP
    sweeper_instance: str = "sweeper-1"
    sweep_seconds: float = 30.0
    notifier_group: str = NOTIFIER_GROUP
    notifier_instance: str = "notifier-1"
    webhooks_group: str = WEBHOOKS_GROUP
    webhooks_allow_private: bool = False  # subscribers on the hall's own network (SSRF)
    webhook_max_attempts: int = 8  # failures before a delivery is dead-lettered
    webhook_backoff_base: float = 1.0  # seconds before the first retry, doubled each time
    webhook_backoff_cap: float = 600.0  # the longest wait between two tries (s)
    webhook_timeout: float = 10.0  # one request (s)
    webhook_parallel: int = 4  # cases delivered at once to one subscriber
    exporter_group: str = EXPORTER_GROUP
    exporter_instance: str = "exporter-1"
    exchange_dir: str = ""  # the daily exchange files' folder; from_env sets it
    audit_origin: str = "casetrail.demo-hall/audit-log"
    audit_checkpoint_every: int = 1000
    audit_checkpoint_seconds: float = 5.0
    mode: str = "production"
    lookup_rate: str = "30/60"
    trusted_proxies: str = ""
    max_body_bytes: int = 65_536
    long_polls_per_client: int = 2
    long_polls_total: int = 200
    long_poll_seconds: float = 5.0
    api_workers: int = 1
    api_threads: int = 40
    simulated_now: str | None = None
    token_secret: str = field(default="", repr=False)
    master_keys: str = field(default="", repr=False)
    subject_key: str = field(default="", repr=False)
    query_code_key: str = field(default="", repr=False)
    event_cipher_key: str = field(default="", repr=False)
    kafka_security: KafkaSecurity = field(default_factory=KafkaSecurity)

    @classmethod
    def from_env(
        cls, database_url: str | None = None, bootstrap_servers: str | None = None
    ) -> Settings:
        """Settings from environment variables, with the local stack's addresses as defaults."""
        env = os.environ
        owner = database_url or servers.database_url()
        hall = env.get("CASETRAIL_HALL", "demo-hall")
        return cls(
            database_url=owner,
            bootstrap_servers=bootstrap_servers or servers.bootstrap_servers(),
            api_database_url=env.get("CASETRAIL_API_DATABASE_URL")
            or servers.role_url(grants.API, owner),
            relay_database_url=env.get("CASETRAIL_RELAY_DATABASE_URL")
            or servers.role_url(grants.RELAY, owner),
            projector_database_url=env.get("CASETRAIL_PROJECTOR_DATABASE_URL")
            or servers.role_url(grants.PROJECTOR, owner),
            anomalies_database_url=env.get("CASETRAIL_ANOMALIES_DATABASE_URL")
            or servers.role_url(grants.ANOMALIES, owner),
            auditor_database_url=env.get("CASETRAIL_AUDITOR_DATABASE_URL")
            or servers.role_url(grants.AUDITOR, owner),
            sweeper_database_url=env.get("CASETRAIL_SWEEPER_DATABASE_URL")
            or servers.role_url(grants.SWEEPER, owner),
            notifier_database_url=env.get("CASETRAIL_NOTIFIER_DATABASE_URL")
            or servers.role_url(grants.NOTIFIER, owner),
            exporter_database_url=env.get("CASETRAIL_EXPORTER_DATABASE_URL")
            or servers.role_url(grants.EXPORTER, owner),
            topic=env.get("CASETRAIL_TOPIC", DEFAULT_TOPIC),
            hall=hall,
            api_host=env.get("CASETRAIL_API_HOST", "127.0.0.1"),
            api_port=int(env.get("CASETRAIL_API_PORT", "8780")),
            relay_batch=int(env.get("CASETRAIL_RELAY_BATCH", "2000")),
            projector_group=env.get("CASETRAIL_PROJECTOR_GROUP", PROJECTOR_GROUP),
            projector_instance=env.get("CASETRAIL_PROJECTOR_INSTANCE", "projector-1"),
            anomalies_group=env.get("CASETRAIL_ANOMALIES_GROUP", ANOMALIES_GROUP),
            anomalies_instance=env.get("CASETRAIL_ANOMALIES_INSTANCE", "anomalies-1"),
            audit_group=env.get("CASETRAIL_AUDIT_GROUP", AUDIT_GROUP),
            sweeper_group=env.get("CASETRAIL_SWEEPER_GROUP", SWEEPER_GROUP),
            sweeper_instance=env.get("CASETRAIL_SWEEPER_INSTANCE", "sweeper-1"),
            sweep_seconds=float(env.get("CASETRAIL_SWEEP_SECONDS", "30")),
            notifier_group=env.get("CASETRAIL_NOTIFIER_GROUP", NOTIFIER_GROUP),
            notifier_instance=env.get("CASETRAIL_NOTIFIER_INSTANCE", "notifier-1"),
            webhooks_database_url=env.get("CASETRAIL_WEBHOOKS_DATABASE_URL")
            or servers.role_url(grants.WEBHOOKS, owner),
            webhooks_group=env.get("CASETRAIL_WEBHOOKS_GROUP", WEBHOOKS_GROUP),
            webhooks_allow_private=env.get("CASETRAIL_WEBHOOKS_ALLOW_PRIVATE", "false").lower()
            in ("1", "true", "yes"),
            webhook_max_attempts=int(env.get("CASETRAIL_WEBHOOK_MAX_ATTEMPTS", "8")),
            webhook_backoff_base=float(env.get("CASETRAIL_WEBHOOK_BACKOFF_BASE", "1")),
            webhook_backoff_cap=float(env.get("CASETRAIL_WEBHOOK_BACKOFF_CAP", "600")),
            webhook_timeout=float(env.get("CASETRAIL_WEBHOOK_TIMEOUT", "10")),
            webhook_parallel=int(env.get("CASETRAIL_WEBHOOK_PARALLEL", "4")),
            exporter_group=env.get("CASETRAIL_EXPORTER_GROUP", EXPORTER_GROUP),
            exporter_instance=env.get("CASETRAIL_EXPORTER_INSTANCE", "exporter-1"),
            exchange_dir=env.get("CASETRAIL_EXCHANGE_DIR") or str(state_dir() / "exchange"),
            audit_origin=env.get("CASETRAIL_AUDIT_ORIGIN") or f"casetrail.{hall}/audit-log",
            audit_checkpoint_every=int(env.get("CASETRAIL_AUDIT_CHECKPOINT_EVERY", "1000")),
            audit_checkpoint_seconds=float(env.get("CASETRAIL_AUDIT_CHECKPOINT_SECONDS", "5")),
            mode=env.get("CASETRAIL_MODE", "production"),
            lookup_rate=env.get("CASETRAIL_LOOKUP_RATE", "30/60"),
            trusted_proxies=env.get("CASETRAIL_TRUSTED_PROXIES", ""),
            max_body_bytes=int(env.get("CASETRAIL_MAX_BODY_BYTES", "65536")),
            long_polls_per_client=int(env.get("CASETRAIL_LONG_POLLS_PER_CLIENT", "2")),
            long_polls_total=int(env.get("CASETRAIL_LONG_POLLS_TOTAL", "200")),
            long_poll_seconds=float(env.get("CASETRAIL_LONG_POLL_SECONDS", "5")),
            api_workers=int(env.get("CASETRAIL_API_WORKERS") or os.cpu_count() or 1),
            api_threads=int(env.get("CASETRAIL_API_THREADS", "40")),
            simulated_now=env.get("CASETRAIL_SIMULATED_NOW") or None,
            token_secret=load_secret("CASETRAIL_TOKEN_SECRET", secrets_dir(), _token),
            master_keys=load_secret("CASETRAIL_MASTER_KEY", secrets_dir(), new_master_key),
            subject_key=_hmac_key("CASETRAIL_SUBJECT_KEY"),
            query_code_key=_hmac_key("CASETRAIL_QUERY_CODE_KEY"),
            event_cipher_key=load_secret(
                "CASETRAIL_EVENT_CIPHER_KEY", secrets_dir(), lambda: AESCipher.create_key(32)
            ),
            kafka_security=KafkaSecurity.from_env(),
        )

    def kafka_options(self, principal: str) -> dict[str, Any]:
        """Options of a Kafka client that logs in as ``principal`` (``infra.kafka_security``).

        A lost broker is tried again at least every second (the Java client's default;
        kafka-python's own backs off to 30 s, so a client could sleep through the
        broker's return)."""
        options = self.kafka_security.client_options(self.bootstrap_servers, principal)
        return options | {"reconnect_backoff_max_ms": RECONNECT_BACKOFF_MAX_MS}

    def clock(self) -> Clock:
        """The system clock, or in demo and test mode a simulated one if configured."""
        if self.simulated_now is None:
            return SystemClock()
        if self.mode not in SIMULATION_MODES:
            raise RuntimeError(
                "CASETRAIL_SIMULATED_NOW is refused in mode "
                f"'{self.mode}': set CASETRAIL_MODE to demo or test to simulate time"
            )
        try:
            return SimulatedClock.parse(self.simulated_now)
        except InvalidCommand as error:
            raise RuntimeError(str(error)) from None

    def database_env(self) -> dict[str, str]:
        """The variables that hand these database URLs to a child process."""
        return {
            "DATABASE_URL": self.database_url,
            "CASETRAIL_API_DATABASE_URL": self.api_database_url,
            "CASETRAIL_RELAY_DATABASE_URL": self.relay_database_url,
            "CASETRAIL_PROJECTOR_DATABASE_URL": self.projector_database_url,
            "CASETRAIL_ANOMALIES_DATABASE_URL": self.anomalies_database_url,
            "CASETRAIL_AUDITOR_DATABASE_URL": self.auditor_database_url,
            "CASETRAIL_SWEEPER_DATABASE_URL": self.sweeper_database_url,
            "CASETRAIL_NOTIFIER_DATABASE_URL": self.notifier_database_url,
            "CASETRAIL_WEBHOOKS_DATABASE_URL": self.webhooks_database_url,
            "CASETRAIL_EXPORTER_DATABASE_URL": self.exporter_database_url,
        }

    def eventsourcing_env(self, database_url: str) -> dict[str, str]:
        """The ``eventsourcing`` library's settings for a connection as ``database_url``;
        it creates no table (the migrations do, ``infra.migrations``)."""
        url = urlsplit(database_url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/"),
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or ""),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            "CREATE_TABLE": "n",
            "APPLICATION_RECORDER_TOPIC": "infra.recorder:ClaimingRecorder",
            "CIPHER_TOPIC": "infra.event_cipher:EventCipher",
            "CIPHER_KEY": self.event_cipher_key,
            # Aggregates read again (the items, the calendar, a case between commands)
            # come from memory, brought up to date by reading only their newer events
            # (domain.current_repository).
            "AGGREGATE_CACHE_MAXSIZE": AGGREGATE_CACHE_SIZE,
        }


def _hmac_key(variable: str) -> str:
    """An HMAC key: without 32 bytes of it, keyed hashes of ID numbers and 40-bit codes
    could be guessed offline, so a shorter one is refused."""
    key = load_secret(variable, secrets_dir(), _token)
    if len(key.encode()) < MIN_KEY_BYTES:
        raise RuntimeError(f"{variable} must be at least {MIN_KEY_BYTES} bytes")
    return key


def _token() -> str:
    return secrets.token_urlsafe(32)
