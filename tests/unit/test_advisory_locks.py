"""Each PostgreSQL advisory lock has a key of its own: the audit log's leadership, held for
a session, once shared the schema lock's key and stopped every view rebuild behind it."""

from __future__ import annotations

from consumers import audit_log, relay
from infra import deadline_schedule, schema_lock


def test_every_advisory_lock_has_its_own_key() -> None:
    keys = {
        "relay leader": relay.LEADER_LOCK_KEY,
        "audit log leader": audit_log.LEADER_LOCK_KEY,
        "schema": schema_lock.SCHEMA_LOCK_KEY,
        "deadline schedule": deadline_schedule.SCHEDULE_LOCK_KEY,
    }
    assert len(set(keys.values())) == len(keys), keys
