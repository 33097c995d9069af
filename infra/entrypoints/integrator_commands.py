"""``casetrail integrator add NAME [--rotate]``: an integrator's own Kafka user
(``infra.integrators``), its connection settings printed as ``KEY=value`` lines."""

from __future__ import annotations

import sys

from kafka.errors import KafkaError

from infra import integrators
from infra.config import Settings
from infra.kafka_acls import integrator_topics
from infra.kafka_admin import admin_client


def add_integrator(settings: Settings, name: str, *, rotate: bool) -> int:
    """Make integrator ``name`` (or give it a new password) and print its settings."""
    security = settings.kafka_security
    integrators.check_name(name, security)
    try:
        with admin_client(settings.bootstrap_servers) as admin:
            password = integrators.add(admin, security, settings.topic, name, rotate=rotate)
    except KafkaError as error:
        raise RuntimeError(
            f"Kafka at {settings.bootstrap_servers} refused: {type(error).__name__}: {error}"
        ) from None
    for key, value in integrators.connection_settings(
        settings.bootstrap_servers, security, name, password
    ).items():
        print(f"{key}={value}")
    print(
        f"integrator {name} may read {', '.join(integrator_topics(settings.topic))}; its "
        "password is shown this once",
        file=sys.stderr,
    )
    return 0
