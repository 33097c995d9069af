"""The platform's long-running processes: the API, the relay, the projection runner, the
anomaly detector, the deadline sweeper, the audit log, the notifier, the webhook deliveries
and the exporter (``casetrail api``, ``casetrail relay``, ``casetrail project``,
``casetrail anomalies``, ``casetrail sweep``, ``casetrail audit log``, ``casetrail
notify``, ``casetrail webhooks``, ``casetrail exchange``)."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import threading
from functools import partial
from pathlib import Path
from typing import Any

import psycopg

from consumers.anomaly_detector import AnomalyDetector
from consumers.audit_log import AuditLog
from consumers.deadline_sweeper import DeadlineSweeper
from consumers.exchange import Exporter
from consumers.notice_escalation import escalate_overdue_notices
from consumers.notifier import Notifier
from consumers.projection_runner import ProjectionRunner
from consumers.relay import Relay
from consumers.webhook_dispatch import Dispatcher, Policy
from consumers.webhooks import Outbox
from domain.anomalies.catalogue import InvalidCatalogue, read_catalogue
from domain.transparency.signing import CheckpointPolicy
from infra import audit_keys, grants
from infra.config import Settings
from infra.entrypoints.bootstrap import build_application, open_pool
from infra.grants import API, require_privileges
from infra.kafka_security import (
    ANOMALIES,
    AUDITOR,
    EXPORTER,
    NOTIFIER,
    PROJECTOR,
    RELAY,
    SWEEPER,
    WEBHOOKS,
    approvals_topic,
    exchange_topic,
    notifications_topic,
)
from infra.master_keys import MasterKeys
from infra.state import state_dir
from projections.registry import ALL

WEBHOOK_CONNECTIONS = 16  # shared by the outbox, the dispatcher and its workers


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, for a clean stop."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def serve_api(settings: Settings) -> None:
    """Serve the API on the configured address until stopped: ``api_workers`` processes
    (``infra.entrypoints.api_worker``) on one port, their metrics added up through
    prometheus_client's multiprocess mode; a single worker runs in this process, and so
    does the API under a simulated clock (an advancing one starts with its process: two
    workers would tell two times). A
    database the API cannot use stops it here, before any worker starts (uvicorn would
    start failing workers again and again)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    options: dict[str, Any] = {
        "host": settings.api_host,
        "port": settings.api_port,
        "log_level": "warning",
        "proxy_headers": False,  # CASETRAIL_TRUSTED_PROXIES alone decides (api/client_address.py)
        "http": "httptools",  # compiled, as the loop: named, so that a missing one fails here
        "loop": "uvloop",
    }
    if settings.api_workers > 1 and settings.simulated_now is None:
        with psycopg.connect(settings.api_database_url) as conn:
            require_privileges(conn, API)
        metrics = state_dir() / "api-metrics" / str(settings.api_port)
        shutil.rmtree(metrics, ignore_errors=True)  # a dead run's counts are not this one's
        metrics.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        uvicorn.run(
            "infra.entrypoints.api_worker:create",
            factory=True,
            workers=settings.api_workers,
            **options,
        )
        return
    from api.app import create_app

    with open_pool(settings.api_database_url) as pool:
        application = build_application(settings, pool)
        uvicorn.run(create_app(settings, application, pool), **options)


def run_relay(settings: Settings) -> None:
    """Relay the event store to Kafka until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = stop_on_signals()
    with open_pool(settings.relay_database_url, max_size=2) as pool:
        app = build_application(settings, pool)
        try:
            Relay(
                database_url=settings.relay_database_url,
                recorder=app.recorder,
                mapper=app.mapper,
                kafka_options=settings.kafka_options(RELAY),
                topic=settings.topic,
                hall=settings.hall,
                channel=app.recorder.channel_name,  # type: ignore[attr-defined]
                batch_size=settings.relay_batch,
            ).run(stop)
        finally:
            app.close()


def projection_runner(settings: Settings) -> ProjectionRunner:
    """The projection runner of ``settings``: every projection, as its own role, in its
    consumer group."""
    return ProjectionRunner(
        database_url=settings.projector_database_url,
        kafka_options=settings.kafka_options(PROJECTOR),
        topic=settings.topic,
        projections=ALL,
        group_id=settings.projector_group,
        instance_id=settings.projector_instance,
    )


def run_projections(settings: Settings) -> None:
    """Keep the read models up to date from Kafka until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    projection_runner(settings).run(stop_on_signals())


def run_anomalies(settings: Settings) -> None:
    """Judge the cases by the anomaly rules as their events arrive, recording what is
    found, until stopped; a rule catalogue that cannot be used stops it at once."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        catalogue = read_catalogue()
    except InvalidCatalogue as error:
        raise RuntimeError(f"the anomaly rule catalogue: {error}") from None
    stop = stop_on_signals()
    with open_pool(settings.anomalies_database_url, max_size=2) as pool:
        app = build_application(settings, pool)
        try:
            AnomalyDetector(
                database_url=settings.anomalies_database_url,
                kafka_options=settings.kafka_options(ANOMALIES),
                topic=settings.topic,
                application=app,
                catalogue=catalogue,
                group_id=settings.anomalies_group,
                instance_id=settings.anomalies_instance,
            ).run(stop)
        finally:
            app.close()


def run_sweeper(settings: Settings, *, once: bool = False) -> int:
    """Keep the deadline schedule from Kafka and record the timed rules due, every
    ``sweep_seconds``, until stopped; with ``once``, sweep the schedule as it stands a
    single time and print what was recorded."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with open_pool(settings.sweeper_database_url, max_size=2) as pool:
        app = build_application(settings, pool)
        try:
            sweeper = DeadlineSweeper(
                database_url=settings.sweeper_database_url,
                kafka_options=settings.kafka_options(SWEEPER),
                topic=settings.topic,
                application=app,
                timed_rules=(partial(escalate_overdue_notices, app),),
                group_id=settings.sweeper_group,
                instance_id=settings.sweeper_instance,
                sweep_seconds=settings.sweep_seconds,
            )
            if not once:
                sweeper.run(stop_on_signals())
                return 0
            with psycopg.connect(settings.sweeper_database_url) as conn:
                sweeper.prepare_views(conn)
                swept = sweeper.sweep(conn)
            for done in swept:
                for due in done.recorded:
                    deadline = due.deadline.isoformat() if due.deadline else "-"
                    print(f"{done.case.case_no}\t{due.rule}\t{deadline}\t{due.subject or '-'}")
            print(f"recorded {sum(len(s.recorded) for s in swept)} events on {len(swept)} cases")
            return 0
        finally:
            app.close()


def run_audit_log(settings: Settings) -> None:
    """Append every event to the transparency log and sign its checkpoints until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        policy = CheckpointPolicy(
            settings.audit_checkpoint_every, settings.audit_checkpoint_seconds
        )
    except ValueError as error:
        raise RuntimeError(f"CASETRAIL_AUDIT_CHECKPOINT_EVERY and _SECONDS: {error}") from None
    signer = audit_keys.signer(settings.audit_origin)
    stop = stop_on_signals()
    AuditLog(
        database_url=settings.auditor_database_url,
        kafka_options=settings.kafka_options(AUDITOR),
        topic=settings.topic,
        signer=signer,
        policy=policy,
        group_id=settings.audit_group,
    ).run(stop)


def run_notifier(settings: Settings) -> None:
    """Publish a notification for every timed alert and supervision notice until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = stop_on_signals()
    with open_pool(settings.notifier_database_url, max_size=2) as pool:
        with pool.connection() as conn:
            require_privileges(conn, grants.NOTIFIER)
        app = build_application(settings, pool)
        try:
            Notifier(
                kafka_options=settings.kafka_options(NOTIFIER),
                topic=settings.topic,
                notifications_topic=notifications_topic(settings.topic),
                application=app,
                group_id=settings.notifier_group,
                instance_id=settings.notifier_instance,
            ).run(stop)
        finally:
            app.close()


def run_webhooks(settings: Settings) -> None:
    """Fill the webhook outbox from the topic and deliver it until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = stop_on_signals()
    policy = Policy(
        max_attempts=settings.webhook_max_attempts,
        backoff_base=settings.webhook_backoff_base,
        backoff_cap=settings.webhook_backoff_cap,
        timeout=settings.webhook_timeout,
        parallel=settings.webhook_parallel,
        allow_private=settings.webhooks_allow_private,
    )
    with open_pool(settings.webhooks_database_url, max_size=WEBHOOK_CONNECTIONS) as pool:
        with pool.connection() as conn:
            require_privileges(conn, grants.WEBHOOKS)
        dispatcher = Dispatcher(
            pool=pool, master_keys=MasterKeys.parse(settings.master_keys), policy=policy
        )
        delivering = threading.Thread(target=dispatcher.run, args=(stop,), name="dispatcher")
        delivering.start()
        try:
            Outbox(
                kafka_options=settings.kafka_options(WEBHOOKS),
                topic=settings.topic,
                pool=pool,
                group_id=settings.webhooks_group,
            ).run(stop)
        finally:
            stop.set()
            delivering.join()


def run_exchange(settings: Settings) -> None:
    """Publish the exchange records and approvals of every case event until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = stop_on_signals()
    with psycopg.connect(settings.exporter_database_url) as conn:
        require_privileges(conn, grants.EXPORTER)
    Exporter(
        database_url=settings.exporter_database_url,
        kafka_options=settings.kafka_options(EXPORTER),
        topic=settings.topic,
        exchange_topic=exchange_topic(settings.topic),
        approvals_topic=approvals_topic(settings.topic),
        hall=settings.hall,
        group_id=settings.exporter_group,
        files=Path(settings.exchange_dir),
        instance_id=settings.exporter_instance,
        clock=settings.clock(),
    ).run(stop)
