-- The audit trail (projections/audit_trail.py): every event of every aggregate, one row
-- each, for discipline inspectors; the inspectors' own reads are the rows of the
-- inspector_access stream, which only the access log shows.
CREATE TABLE IF NOT EXISTS audit_events (
    aggregate_id uuid NOT NULL,
    version int NOT NULL,
    position bigint NOT NULL,
    stream text NOT NULL,
    case_no text,
    case_department text,
    channel text,
    type text NOT NULL,
    recorded_at timestamptz NOT NULL,
    actor_id text,
    actor_role text,
    actor_department text,
    data jsonb NOT NULL,
    prevhash text NOT NULL,
    hash text NOT NULL,
    PRIMARY KEY (aggregate_id, version)
);
CREATE INDEX IF NOT EXISTS audit_events_newest ON audit_events (recorded_at DESC, position DESC);
CREATE INDEX IF NOT EXISTS audit_events_actor ON audit_events (actor_id, recorded_at DESC);
CREATE INDEX IF NOT EXISTS audit_events_actor_department
    ON audit_events (actor_department, recorded_at DESC);
CREATE INDEX IF NOT EXISTS audit_events_case_department
    ON audit_events (case_department, recorded_at DESC) WHERE case_department IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_events_case_no ON audit_events (case_no) WHERE case_no IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_events_type ON audit_events (type, recorded_at DESC);
