"""Integrators' own Kafka users (``casetrail integrator add NAME``): a SCRAM user with a
generated password, read-only on the integrators' topics (``infra.kafka_acls``), in the
consumer groups of its own prefix (``NAME.``), and the settings it connects with, in
kafka-python's terms; ``casetrail integrator remove NAME`` takes it all away.
"""

from __future__ import annotations

import re
import secrets

from kafka.admin import (
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePatternFilter,
    ResourceType,
    ScramMechanism,
    UserScramCredentialUpsertion,
)

from infra.kafka_acls import integrator_acls
from infra.kafka_security import INTEGRATOR_GROUP_PREFIX, SASL_PROTOCOLS, KafkaSecurity

NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
RESERVED_PREFIXES = ("casetrail", INTEGRATOR_GROUP_PREFIX.rstrip("-"))  # the project's own


class IntegratorRefused(RuntimeError):
    """An integrator that cannot be added (or given a new password) as asked."""


def group_prefix(name: str) -> str:
    """The prefix of the consumer groups integrator ``name`` may use."""
    return f"{name}."


def check_name(name: str, security: KafkaSecurity) -> None:
    """Refuse a name that is not lowercase letters, digits and inner hyphens, or that is
    (or starts like) one of the project's own principals and groups."""
    if not NAME.fullmatch(name):
        raise IntegratorRefused(
            f"invalid integrator name {name!r}: lowercase letters, digits and '-' "
            "(not first or last), at most 40 characters"
        )
    if name in security.usernames or name in security.usernames.values():
        raise IntegratorRefused(f"{name!r} is one of the project's own Kafka principals")
    if name.startswith(RESERVED_PREFIXES):
        raise IntegratorRefused(f"integrator names may not start with {RESERVED_PREFIXES}")


def _mechanism(security: KafkaSecurity) -> ScramMechanism:
    if security.protocol not in SASL_PROTOCOLS or not security.mechanism.startswith("SCRAM-"):
        raise IntegratorRefused(
            "integrators are SCRAM users: KAFKA_SECURITY_PROTOCOL must be SASL_PLAINTEXT or "
            f"SASL_SSL and KAFKA_SASL_MECHANISM SCRAM-SHA-256/512 (now {security.protocol}, "
            f"{security.mechanism})"
        )
    return ScramMechanism[security.mechanism.replace("-", "_")]


def add(
    admin: KafkaAdminClient, security: KafkaSecurity, topic: str, name: str, *, rotate: bool
) -> str:
    """Make integrator ``name`` (with ``rotate``, give an existing one a new password) and
    grant it its ACLs on event topic ``topic`` (again: granting is repeatable); its new
    password."""
    check_name(name, security)
    mechanism = _mechanism(security)
    exists = admin.describe_user_scram_credentials([name])[name]["error"] is None
    if exists and not rotate:
        raise IntegratorRefused(
            f"integrator {name} exists; `casetrail integrator add {name} --rotate` gives it "
            "a new password"
        )
    if rotate and not exists:
        raise IntegratorRefused(f"no integrator {name} to give a new password")
    password = secrets.token_urlsafe(32)
    failed = admin.alter_user_scram_credentials(
        [UserScramCredentialUpsertion(name, mechanism, password)]
    )
    if failed.get(name):
        raise IntegratorRefused(f"Kafka refused the user {name}: {failed[name]}")
    result = admin.create_acls(integrator_acls(f"User:{name}", group_prefix(name), topic))
    if result["failed"]:
        errors = sorted({error.__name__ for error in result["failed"]})
        raise IntegratorRefused(f"Kafka refused the ACLs of {name}: {', '.join(errors)}")
    return password


def remove(admin: KafkaAdminClient, security: KafkaSecurity, name: str) -> None:
    """Take every ACL of integrator ``name`` away and give its user a password nobody
    knows. The user is not deleted: a broker restarted after a SCRAM user's deletion no
    longer knew the admin's credential (the one set when its storage was formatted), which
    locked every client out; ``add NAME --rotate`` gives the name back."""
    check_name(name, security)
    if admin.describe_user_scram_credentials([name])[name]["error"] is not None:
        raise IntegratorRefused(f"no integrator {name} to remove")
    failed = admin.alter_user_scram_credentials(
        [UserScramCredentialUpsertion(name, _mechanism(security), secrets.token_urlsafe(32))]
    )
    if failed.get(name):
        raise IntegratorRefused(f"Kafka refused to lock integrator {name}: {failed[name]}")
    anything = ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)
    admin.delete_acls(
        [ACLFilter(f"User:{name}", None, ACLOperation.ANY, ACLPermissionType.ANY, anything)]
    )


def connection_settings(
    bootstrap_servers: str, security: KafkaSecurity, name: str, password: str
) -> dict[str, str]:
    """What integrator ``name`` connects with, as kafka-python's client options (and the
    prefix its consumer groups must start with)."""
    settings = {
        "bootstrap_servers": bootstrap_servers,
        "security_protocol": security.protocol,
        "sasl_mechanism": security.mechanism,
        "sasl_plain_username": name,
        "sasl_plain_password": password,
        "group_id_prefix": group_prefix(name),
    }
    if security.protocol.endswith("SSL") and security.ssl_cafile:
        settings["ssl_cafile"] = security.ssl_cafile
    return settings
