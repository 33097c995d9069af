"""``casetrail integrator add NAME [--rotate]``: an integrator's own Kafka user
(``infra.integrators``), its connection settings printed as ``KEY=value`` lines;
``casetrail integrator remove NAME``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from infra import integrators
from infra.config import Settings
from infra.kafka_acls import integrator_topics
from infra.kafka_admin import admin_client


@contextmanager
def _admin(settings: Settings) -> Iterator[KafkaAdminClient]:
    """The admin client, a broker's refusal said plainly."""
    try:
        with admin_client(settings.bootstrap_servers) as admin:
            yield admin
    except KafkaError as error:
        raise RuntimeError(
            f"Kafka at {settings.bootstrap_servers} refused: {type(error).__name__}: {error}"
        ) from None


def add_integrator(settings: Settings, name: str, *, rotate: bool) -> int:
    """Make integrator ``name`` (or give it a new password) and print its settings."""
    security = settings.kafka_security
    integrators.check_name(name, security)
    with _admin(settings) as admin:
        password = integrators.add(admin, security, settings.topic, name, rotate=rotate)
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


def remove_integrator(settings: Settings, name: str) -> int:
    """Delete integrator ``name``'s user and ACLs."""
    with _admin(settings) as admin:
        integrators.remove(admin, settings.kafka_security, name)
    print(f"integrator {name} removed", file=sys.stderr)
    return 0
