"""Who may do what in the database: every table, sequence and function, and each role's
privileges on it.

The owner role creates and alters everything (``casetrail migrate``, with the
migrations of ``infra.migrations``) and then applies this map; the processes connect
as the roles below. A table missing here is a test failure
(``tests/integration/test_least_privilege.py``): add one line for it.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from infra.migrations import require_current
from infra.recorder import APPEND_ARGUMENTS, APPEND_FUNCTION, LOCK_FUNCTION
from projections.registry import ALL as PROJECTIONS

API = "casetrail_api"  # the API, and CLI commands that record events
RELAY = "casetrail_relay"
PROJECTOR = "casetrail_projector"
ANOMALIES = "casetrail_anomalies"  # the anomaly detector: its facts, and the anomalies found
AUDITOR = "casetrail_auditor"  # the audit log: appends to the transparency log
SWEEPER = "casetrail_sweeper"  # the deadline sweeper: its schedule, and the timed events
NOTIFIER = "casetrail_notifier"  # the notifier: reads the cases and notices it tells of
WEBHOOKS = "casetrail_webhooks"  # the webhook deliveries: its outbox, the subscriptions
EXPORTER = "casetrail_exporter"  # the exporter: its sheets and the record versions published
ROLES = (API, RELAY, PROJECTOR, ANOMALIES, AUDITOR, SWEEPER, NOTIFIER, WEBHOOKS, EXPORTER)

READ = "SELECT"
APPEND = "SELECT, INSERT"
UPSERT = "SELECT, INSERT, UPDATE"
WRITE = "SELECT, INSERT, UPDATE, DELETE"

TABLES: dict[str, dict[str, str]] = {
    # which migrations the database has: every process checks it at start
    "schema_migrations": {
        API: READ,
        RELAY: READ,
        PROJECTOR: READ,
        ANOMALIES: READ,
        AUDITOR: READ,
        SWEEPER: READ,
        NOTIFIER: READ,
        WEBHOOKS: READ,
        EXPORTER: READ,
    },
    # the event store is append-only for everyone but its owner
    "casetrail_events": {
        API: "SELECT, INSERT",
        RELAY: READ,
        ANOMALIES: "SELECT, INSERT",
        SWEEPER: "SELECT, INSERT",
        NOTIFIER: READ,
    },
    "request_claims": {API: "SELECT, INSERT, DELETE"},
    "case_number_counters": {API: UPSERT},
    "query_code_verifiers": {API: "SELECT, INSERT"},
    # personal data: data keys are destroyed (and re-wrapped) by UPDATE, never deleted;
    # the disclosure log is append-only
    "applicant_keys": {API: UPSERT},
    "applicant_cases": {API: "SELECT, INSERT"},
    "personal_data_disclosures": {API: "INSERT"},
    # the public lookup budget every API process spends from; full buckets are deleted
    "lookup_budgets": {API: WRITE},
    # the relay's progress: the audit log appends no event beyond it (every event before
    # it is on the topic)
    "relay_positions": {RELAY: UPSERT, AUDITOR: READ},
    # each consumer's offsets, versions applied and builds, under its group's name (the
    # audit log's offsets with its leaves)
    "consumer_offsets": {PROJECTOR: WRITE, ANOMALIES: WRITE, AUDITOR: UPSERT, SWEEPER: WRITE},
    "applied_versions": {PROJECTOR: WRITE, ANOMALIES: WRITE, SWEEPER: WRITE},
    "projection_builds": {PROJECTOR: UPSERT, ANOMALIES: UPSERT, SWEEPER: UPSERT},
    # refused messages: held by the consumers (which apply a replayed one), flagged in
    # the API's staff view
    "quarantine": {
        PROJECTOR: UPSERT,
        ANOMALIES: UPSERT,
        API: READ,
        AUDITOR: "INSERT",
        SWEEPER: UPSERT,
    },
    # the transparency log: appended by the audit log only, never changed; read by the
    # API for proofs
    "audit_log_leaves": {API: READ, AUDITOR: APPEND},
    "audit_log_nodes": {API: READ, AUDITOR: APPEND},
    "audit_checkpoints": {API: READ, AUDITOR: APPEND},
    # the views: written (and truncated for a rebuild) by the projector only
    **{p.table: {API: READ, PROJECTOR: f"{UPSERT}, TRUNCATE"} for p in PROJECTIONS},
    # the supervision notices also for the sweeper, whose timed rule escalates the open
    # ones past their date (consumers.notice_escalation)
    "supervision_notices": {API: READ, PROJECTOR: f"{UPSERT}, TRUNCATE", SWEEPER: READ},
    # the anomaly detector's facts: its own, rebuilt (truncated) when the facts change
    "anomaly_cases": {ANOMALIES: f"{UPSERT}, TRUNCATE"},
    "anomaly_context": {ANOMALIES: f"{UPSERT}, TRUNCATE"},
    # the deadline sweeper's schedule: its own, rebuilt (truncated) when the rules change
    "deadline_schedule": {SWEEPER: f"{WRITE}, TRUNCATE"},
    # webhooks: the API registers and changes subscriptions (on record, append-only),
    # re-queues deliveries (replay, redelivery) and asks for replays; the delivery process
    # fills and works its outbox and does the replays
    "webhook_subscriptions": {API: UPSERT, WEBHOOKS: READ},
    "webhook_changes": {API: APPEND},
    "webhook_case_departments": {WEBHOOKS: UPSERT},
    "webhook_deliveries": {API: "SELECT, UPDATE", WEBHOOKS: UPSERT},
    "webhook_replays": {API: APPEND, WEBHOOKS: "SELECT, UPDATE"},
    # the exporter's: each case's sheet (its records, their last versions and hashes), and
    # the record versions published, never changed (the daily files are made of them)
    "exchange_cases": {EXPORTER: UPSERT},
    "exchange_records": {EXPORTER: APPEND},
}
SEQUENCES: dict[str, dict[str, str]] = {
    "casetrail_events_notification_id_seq": {API: "USAGE", ANOMALIES: "USAGE", SWEEPER: "USAGE"},
    "personal_data_disclosures_id_seq": {API: "USAGE"},
    "webhook_changes_id_seq": {API: "USAGE"},
    "webhook_replays_id_seq": {API: "USAGE"},
    "quarantine_id_seq": {
        PROJECTOR: "USAGE",
        ANOMALIES: "USAGE",
        AUDITOR: "USAGE",
        SWEEPER: "USAGE",
    },
}
FUNCTIONS: dict[str, dict[str, str]] = {
    # takes the insert lock on the events table, which LOCK TABLE itself would only
    # allow with UPDATE, DELETE or TRUNCATE (see infra/recorder.py)
    f"{LOCK_FUNCTION}()": {API: "EXECUTE", ANOMALIES: "EXECUTE", SWEEPER: "EXECUTE"},
    # fails an intake whose data key an erasure destroyed (infra/personal_data_store.py)
    "require_live_data_key(uuid)": {API: "EXECUTE"},
    # records a command: its events, verifier and claim in one statement (infra/recorder.py)
    f"{APPEND_FUNCTION}({APPEND_ARGUMENTS})": {
        API: "EXECUTE",
        ANOMALIES: "EXECUTE",
        SWEEPER: "EXECUTE",
    },
}
KINDS = {"TABLE": TABLES, "SEQUENCE": SEQUENCES, "FUNCTION": FUNCTIONS}


def grant_statements(roles: tuple[str, ...] = ROLES) -> list[sql.Composed]:
    """The statements that give ``roles`` exactly the privileges above, and nothing else,
    on every object (repeatable: each object's privileges are revoked first)."""
    statements = []
    for kind, objects in KINDS.items():
        for name, privileges in objects.items():
            target = sql.SQL("{} {}").format(sql.SQL(kind), _object(kind, name))
            grantees = sql.SQL(", ").join([sql.SQL("PUBLIC"), *map(sql.Identifier, roles)])
            statements.append(sql.SQL("REVOKE ALL ON {} FROM {}").format(target, grantees))
            statements += [
                sql.SQL("GRANT {} ON {} TO {}").format(sql.SQL(what), target, sql.Identifier(role))
                for role, what in privileges.items()
                if role in roles
            ]
    return statements


def apply_grants(conn: psycopg.Connection) -> list[str]:
    """Grant the roles that exist on the server their privileges; the roles missing."""
    existing = {
        row[0]
        for row in conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(ROLES),)
        )
    }
    for statement in grant_statements(tuple(r for r in ROLES if r in existing)):
        conn.execute(statement)
    return [role for role in ROLES if role not in existing]


def require_privileges(conn: psycopg.Connection, role: str) -> None:
    """Fail clearly unless every table that ``role``'s process uses exists and the
    connected user holds the privileges it needs there, and the schema is the one this
    release expects (``infra.migrations``)."""
    for table, privileges in TABLES.items():
        if role not in privileges:
            continue
        found = conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()
        if found is None or found[0] is None:
            raise RuntimeError(f"table {table} missing: run `casetrail migrate`")
        for privilege in privileges[role].split(", "):
            allowed = conn.execute(
                "SELECT has_table_privilege(%s, %s)", (table, privilege)
            ).fetchone()
            if not (allowed and allowed[0]):
                user = conn.info.user
                raise RuntimeError(
                    f"role {user} may not {privilege} table {table}: run `casetrail migrate`"
                )
    require_current(conn)


def _object(kind: str, name: str) -> sql.Composable:
    """A function's signature as written (``f()``), other names quoted."""
    return sql.SQL(name) if kind == "FUNCTION" else sql.Identifier(name)
