-- The deadline sweeper's schedule: the day each timed rule of a case still to be recorded
-- fires (domain.supervision.schedule), recomputed from the case whenever one of its events
-- arrives; a sweep records the rows due by today. Written by the sweeper only.
CREATE TABLE IF NOT EXISTS deadline_schedule (
    case_id uuid NOT NULL,
    rule text NOT NULL,
    key text NOT NULL,  -- the deadline and subject that tell two rules of a kind apart
    deadline date,
    fires_on date NOT NULL,
    PRIMARY KEY (case_id, rule, key)
);
CREATE INDEX IF NOT EXISTS deadline_schedule_fires_on ON deadline_schedule (fires_on);
