-- The supervision view of each case (projections/supervision_cases.py), staff only:
-- written by the projection runner, read by the staff and supervision routes. Repeatable
-- (IF NOT EXISTS), as every migration is.
CREATE TABLE IF NOT EXISTS supervision_cases (
    case_id uuid PRIMARY KEY,
    case_no text NOT NULL UNIQUE,
    item_code text NOT NULL,
    item_name text NOT NULL,
    department text NOT NULL,
    channel text NOT NULL,
    assignee text,
    status text NOT NULL,
    open boolean NOT NULL,
    submitted_on date NOT NULL,
    accepted_on date,
    decided_on date,
    closed_on date,
    unit text,
    promised_days int,
    statutory_unit text,
    statutory_days int,
    promised_deadline date,
    statutory_deadline date,
    deadline_provisional boolean NOT NULL,
    extension_days int NOT NULL,
    paused boolean NOT NULL,
    statutory_paused boolean NOT NULL,
    paused_since date,
    pause_kind text,
    light text,
    alerts jsonb NOT NULL,
    returns int NOT NULL,
    suspensions int NOT NULL,
    special_procedures int NOT NULL,
    extensions int NOT NULL,
    supplement_notices int NOT NULL,
    steps jsonb NOT NULL,
    current_step text,
    current_step_role text,
    opinions_owed text[] NOT NULL,
    acceptance_rating smallint,
    closure_rating smallint,
    acceptance_rectification text,
    closure_rectification text,
    poor_ratings int NOT NULL,
    days_used int,
    on_time boolean,
    statutory_days_used int,
    on_time_statutory boolean,
    deemed_satisfied text[] NOT NULL,
    version int NOT NULL,
    position bigint NOT NULL,
    updated_on date NOT NULL
);
-- the board and the staff's listing: by department, light, item, officer; newest first
CREATE INDEX IF NOT EXISTS supervision_cases_department
    ON supervision_cases (department, open, submitted_on DESC);
CREATE INDEX IF NOT EXISTS supervision_cases_light
    ON supervision_cases (light, department) WHERE light IS NOT NULL;
CREATE INDEX IF NOT EXISTS supervision_cases_item ON supervision_cases (item_code, open);
CREATE INDEX IF NOT EXISTS supervision_cases_assignee
    ON supervision_cases (assignee, open) WHERE assignee IS NOT NULL;
-- the queues: the step waiting per department and role, the opinions owed, due soon
CREATE INDEX IF NOT EXISTS supervision_cases_step
    ON supervision_cases (department, current_step_role) WHERE open;
CREATE INDEX IF NOT EXISTS supervision_cases_opinions
    ON supervision_cases USING gin (opinions_owed) WHERE open;
CREATE INDEX IF NOT EXISTS supervision_cases_due
    ON supervision_cases (department, promised_deadline) WHERE open AND NOT paused;
-- the KPIs' periods
CREATE INDEX IF NOT EXISTS supervision_cases_closed
    ON supervision_cases (department, closed_on) WHERE closed_on IS NOT NULL;
