-- The audit's anomalies: the views the API reads (written by the projection runner) and
-- the anomaly detector's facts (written by the detector only). Repeatable (IF NOT EXISTS), as
-- every migration is.

-- every anomaly recorded, with its evidence and the inspectors' findings
CREATE TABLE IF NOT EXISTS audit_anomalies (
    anomaly_id uuid PRIMARY KEY,
    rule text NOT NULL,
    category text NOT NULL,
    level text NOT NULL,
    status text NOT NULL,
    case_id uuid NOT NULL,
    case_no text NOT NULL,
    department text NOT NULL,
    officers text[] NOT NULL,
    detected_at timestamptz NOT NULL,
    position bigint NOT NULL,
    view jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_anomalies_queue ON audit_anomalies (status, position DESC);
CREATE INDEX IF NOT EXISTS audit_anomalies_case ON audit_anomalies (case_id);
CREATE INDEX IF NOT EXISTS audit_anomalies_officers ON audit_anomalies USING gin (officers);

-- the declared-interest register (回避), applicants known by their keyed hash only
CREATE TABLE IF NOT EXISTS audit_interests (
    interest_id uuid PRIMARY KEY,
    officer text NOT NULL,
    status text NOT NULL,
    position bigint NOT NULL,
    view jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_interests_officer ON audit_interests (officer);

-- the detector's facts of each case, with what it looks cases up by
CREATE TABLE IF NOT EXISTS anomaly_cases (
    case_id uuid PRIMARY KEY,
    item_code text NOT NULL,
    subject text,
    status text NOT NULL,
    paused boolean NOT NULL,
    last_event_on date NOT NULL,
    facts jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS anomaly_cases_item ON anomaly_cases (item_code);
CREATE INDEX IF NOT EXISTS anomaly_cases_subject ON anomaly_cases (subject) WHERE subject IS NOT NULL;
CREATE INDEX IF NOT EXISTS anomaly_cases_running ON anomaly_cases (last_event_on)
    WHERE status IN ('in_review', 'decided') AND NOT paused;

-- the detector's other facts: service items, declared interests, departments' counts,
-- the published calendar
CREATE TABLE IF NOT EXISTS anomaly_context (
    kind text NOT NULL,
    key text NOT NULL,
    subject text,
    facts jsonb NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS anomaly_context_subject ON anomaly_context (subject) WHERE subject IS NOT NULL;
