-- The consumers' bookkeeping: the relay's position, the projection runner's offsets
-- and applied versions, the quarantine.
-- Part of the schema as it stood before versioned migrations: every statement is
-- repeatable (IF NOT EXISTS, OR REPLACE), so a database made before then takes it
-- unchanged and only records it.

-- the relay's position in the notification log
CREATE TABLE IF NOT EXISTS relay_positions (
    name text PRIMARY KEY,
    position bigint NOT NULL
);

-- the projection runner's offsets, the versions it applied and what built its views
CREATE TABLE IF NOT EXISTS consumer_offsets (
    consumer text NOT NULL,
    topic text NOT NULL,
    partition int NOT NULL,
    next_offset bigint NOT NULL,
    PRIMARY KEY (consumer, topic, partition)
);
CREATE TABLE IF NOT EXISTS applied_versions (
    consumer text NOT NULL,
    case_id uuid NOT NULL,
    version int NOT NULL,
    PRIMARY KEY (consumer, case_id)
);
ALTER TABLE applied_versions ADD COLUMN IF NOT EXISTS head text;
CREATE TABLE IF NOT EXISTS projection_builds (
    consumer text PRIMARY KEY,
    signature text NOT NULL
);

-- messages a consumer refused, held until an operator decides
CREATE TABLE IF NOT EXISTS quarantine (
    id bigserial PRIMARY KEY,
    consumer text NOT NULL,
    topic text NOT NULL,
    partition int NOT NULL,
    "offset" bigint NOT NULL,
    case_id uuid,
    reason text NOT NULL,
    key bytea,
    value bytea,
    held_at timestamptz NOT NULL DEFAULT now(),
    status text NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'replayed', 'discarded')),
    decided_by text,
    decided_at timestamptz,
    decision_reason text,
    UNIQUE (consumer, topic, partition, "offset")
);
CREATE INDEX IF NOT EXISTS quarantine_held ON quarantine (case_id) WHERE status = 'held';
