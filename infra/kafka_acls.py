"""What each Kafka principal may do: the ACLs of an event topic, and the SCRAM users of
the private broker.

The broker denies whatever no ACL allows (``allow.everyone.if.no.acl.found=false``);
only the admin (a super user) creates, alters or deletes topics, deletes records and
manages ACLs. ACLs on a topic name it exactly (LITERAL); consumer groups are granted
by prefix (PREFIXED): the projection runners' (``casetrail-projections``, and e.g.
``casetrail-projections.test-1`` for a second platform on one broker), the anomaly
detectors' (``casetrail-anomalies``), the deadline sweepers' (``casetrail-sweeper``), the
audit log's, the notifier's, the webhook deliveries', the exporter's and each
integrator's. An event topic comes with its dead-letter topic, the topic of its
transparency log's checkpoints, the topic of its notifications and the exporter's two:
exchange records and approvals. Besides the shared integrator principal, each integrator
that ``casetrail integrator add`` makes is a user of its own: it reads the integrators'
topics (every one but the dead letters) in the consumer groups of its own prefix.
"""

from __future__ import annotations

from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
    ScramMechanism,
    UserScramCredentialUpsertion,
)

from infra.kafka_security import (
    ANOMALIES,
    ANOMALIES_GROUP,
    AUDIT_GROUP,
    AUDITOR,
    EXPORTER,
    EXPORTER_GROUP,
    INTEGRATOR,
    INTEGRATOR_GROUP_PREFIX,
    NOTIFIER,
    NOTIFIER_GROUP,
    PROJECTOR,
    PROJECTOR_GROUP,
    RELAY,
    SWEEPER,
    SWEEPER_GROUP,
    WEBHOOKS,
    WEBHOOKS_GROUP,
    KafkaSecurity,
    approvals_topic,
    checkpoint_topic,
    dead_letter_topic,
    exchange_topic,
    notifications_topic,
    password,
)

READ, WRITE, DESCRIBE = ACLOperation.READ, ACLOperation.WRITE, ACLOperation.DESCRIBE
CLUSTER = ResourcePattern(ResourceType.CLUSTER, "kafka-cluster")
# principal → operations on the event topic, on its dead-letter topic, and on the topic
# of its transparency log's checkpoints (the auditor reads back what it published last)
TOPIC_GRANTS = {
    RELAY: (WRITE, DESCRIBE),
    PROJECTOR: (READ, DESCRIBE),
    INTEGRATOR: (READ, DESCRIBE),
    ANOMALIES: (READ, DESCRIBE),
    AUDITOR: (READ, DESCRIBE),
    SWEEPER: (READ, DESCRIBE),
    NOTIFIER: (READ, DESCRIBE),
    WEBHOOKS: (READ, DESCRIBE),
    EXPORTER: (READ, DESCRIBE),
}
DEAD_LETTER_GRANTS = {PROJECTOR: (WRITE, DESCRIBE), AUDITOR: (WRITE, DESCRIBE)}
CHECKPOINT_GRANTS = {AUDITOR: (WRITE, READ, DESCRIBE), INTEGRATOR: (READ, DESCRIBE)}
NOTIFICATION_GRANTS = {NOTIFIER: (WRITE, DESCRIBE), INTEGRATOR: (READ, DESCRIBE)}
EXPORT_GRANTS = {EXPORTER: (WRITE, DESCRIBE), INTEGRATOR: (READ, DESCRIBE)}  # both its topics
# principal, resource, operation: what the clients need beside the topic
OTHER_GRANTS = (
    (RELAY, CLUSTER, ACLOperation.IDEMPOTENT_WRITE),  # the relay's producer is idempotent
    (PROJECTOR, CLUSTER, ACLOperation.IDEMPOTENT_WRITE),  # so is the dead letters' producer
    (AUDITOR, CLUSTER, ACLOperation.IDEMPOTENT_WRITE),  # and the audit log's
    (NOTIFIER, CLUSTER, ACLOperation.IDEMPOTENT_WRITE),  # and the notifier's
    (EXPORTER, CLUSTER, ACLOperation.IDEMPOTENT_WRITE),  # and the exporter's
    *(
        (
            principal,
            ResourcePattern(ResourceType.GROUP, prefix, ACLResourcePatternType.PREFIXED),
            READ,
        )
        for principal, prefix in (
            (PROJECTOR, PROJECTOR_GROUP),
            (INTEGRATOR, INTEGRATOR_GROUP_PREFIX),
            (ANOMALIES, ANOMALIES_GROUP),
            (AUDITOR, AUDIT_GROUP),
            (SWEEPER, SWEEPER_GROUP),
            (NOTIFIER, NOTIFIER_GROUP),
            (WEBHOOKS, WEBHOOKS_GROUP),
            (EXPORTER, EXPORTER_GROUP),
        )
    ),
)


# What earlier versions granted and this one does not: removed whenever ACLs are granted.
RETIRED = (  # the projector's group, named exactly before it was granted by prefix
    ResourcePatternFilter(ResourceType.GROUP, PROJECTOR_GROUP, ACLResourcePatternType.LITERAL),
)


def companion_topics(topic: str) -> tuple[str, ...]:
    """The topics that come with the event topic ``topic``: its dead letters, its
    transparency log's checkpoints, its notifications, its exchange records and its
    approvals."""
    return (
        dead_letter_topic(topic),
        checkpoint_topic(topic),
        notifications_topic(topic),
        exchange_topic(topic),
        approvals_topic(topic),
    )


def integrator_topics(topic: str) -> tuple[str, ...]:
    """The topics an integrator may read: the event topic ``topic`` and its companion
    topics, but for the dead letters (refused messages are the operators' to look at)."""
    return (topic, *(t for t in companion_topics(topic) if t != dead_letter_topic(topic)))


def integrator_acls(principal: str, group_prefix: str, topic: str) -> list[ACL]:
    """What an integrator's own ``principal`` may do: read and describe the integrators'
    topics of ``topic``, and read (join, commit in) the consumer groups of its prefix."""
    grants = [
        *(
            (ResourcePattern(ResourceType.TOPIC, named), operation)
            for named in integrator_topics(topic)
            for operation in (READ, DESCRIBE)
        ),
        (
            ResourcePattern(ResourceType.GROUP, group_prefix, ACLResourcePatternType.PREFIXED),
            READ,
        ),
    ]
    return [
        ACL(principal, "*", operation, ACLPermissionType.ALLOW, pattern)
        for pattern, operation in grants
    ]


def topic_acls(security: KafkaSecurity, topic: str) -> list[ACL]:
    """Every ACL that the clients of the event topic ``topic`` and of its companion topics
    need, and nothing more."""
    tables = (
        (topic, TOPIC_GRANTS),
        (dead_letter_topic(topic), DEAD_LETTER_GRANTS),
        (checkpoint_topic(topic), CHECKPOINT_GRANTS),
        (notifications_topic(topic), NOTIFICATION_GRANTS),
        (exchange_topic(topic), EXPORT_GRANTS),
        (approvals_topic(topic), EXPORT_GRANTS),
    )
    grants = [
        (name, ResourcePattern(ResourceType.TOPIC, named), operation)
        for named, table in tables
        for name, operations in table.items()
        for operation in operations
    ]
    return [
        ACL(security.principal(name), "*", operation, ACLPermissionType.ALLOW, pattern)
        for name, pattern, operation in (*grants, *OTHER_GRANTS)
    ]


def grant(admin: KafkaAdminClient, security: KafkaSecurity, topic: str) -> None:
    """Create the ACLs of ``topic`` (repeatable: existing ones stay as they are) and remove
    the retired ones."""
    admin.delete_acls(
        [ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ANY, p) for p in RETIRED]
    )
    result = admin.create_acls(topic_acls(security, topic))
    if result["failed"]:
        errors = sorted({error.__name__ for error in result["failed"]})
        raise RuntimeError(f"Kafka refused the ACLs of {topic}: {', '.join(errors)}")


def revoke(admin: KafkaAdminClient, topic: str) -> None:
    """Delete every ACL that names ``topic`` or its companion topics (those on the cluster
    and groups stay)."""
    admin.delete_acls(
        [
            ACLFilter(
                None,
                None,
                ACLOperation.ANY,
                ACLPermissionType.ANY,
                ResourcePatternFilter(ResourceType.TOPIC, named, ACLResourcePatternType.LITERAL),
            )
            for named in (topic, *companion_topics(topic))
        ]
    )


def ensure_users(admin: KafkaAdminClient, security: KafkaSecurity) -> None:
    """Give each client principal its SCRAM credential with its current password (the
    admin's is set when the private broker's storage is formatted)."""
    upserts = [
        UserScramCredentialUpsertion(
            security.usernames[name], ScramMechanism.SCRAM_SHA_512, password(name)
        )
        for name in TOPIC_GRANTS
    ]
    failed = {
        user: error for user, error in admin.alter_user_scram_credentials(upserts).items() if error
    }
    if failed:
        raise RuntimeError(f"could not set the Kafka users' credentials: {failed}")
