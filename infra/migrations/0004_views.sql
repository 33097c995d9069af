-- The projections' views (projections/*_store.py), written by the projection runner.
-- Part of the schema as it stood before versioned migrations: every statement is
-- repeatable (IF NOT EXISTS, OR REPLACE), so a database made before then takes it
-- unchanged and only records it.

-- the public status of each case (projections/public_status.py)
CREATE TABLE IF NOT EXISTS public_case_status (
    case_id uuid PRIMARY KEY,
    case_no text NOT NULL UNIQUE,
    position bigint NOT NULL,
    view jsonb NOT NULL
);

-- the facts of each case, for listings and statistics (projections/case_facts.py)
CREATE TABLE IF NOT EXISTS public_case_facts (
    case_id uuid PRIMARY KEY,
    case_no text NOT NULL UNIQUE,
    item_code text NOT NULL,
    item_name text NOT NULL,
    item_revision int NOT NULL,
    department text NOT NULL,
    channel text NOT NULL,
    applicant text,
    applicant_kind text NOT NULL,
    status text NOT NULL,
    outcome text,
    result text,
    reasons text[] NOT NULL,
    legal_basis text,
    submitted_on date NOT NULL,
    accepted_on date,
    decided_on date,
    closed_on date,
    promised_days int,
    promised_unit text,
    statutory_days int,
    statutory_unit text,
    extension_days int NOT NULL,
    days_used int,
    on_time_promised boolean,
    on_time_statutory boolean,
    paused boolean NOT NULL,
    acceptance_rating smallint,
    closure_rating smallint,
    acceptance_rectification text,
    closure_rectification text,
    version int NOT NULL,
    position bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS public_case_facts_closed
    ON public_case_facts (closed_on DESC, case_no DESC) WHERE closed_on IS NOT NULL;
CREATE INDEX IF NOT EXISTS public_case_facts_department_closed
    ON public_case_facts (department, closed_on DESC) WHERE closed_on IS NOT NULL;
CREATE INDEX IF NOT EXISTS public_case_facts_item_closed
    ON public_case_facts (item_code, closed_on DESC) WHERE closed_on IS NOT NULL;
CREATE INDEX IF NOT EXISTS public_case_facts_submitted
    ON public_case_facts (submitted_on, department);
CREATE INDEX IF NOT EXISTS public_case_facts_accepted
    ON public_case_facts (accepted_on, department) WHERE accepted_on IS NOT NULL;
-- null once the applicant's data is erased (tables made before erasure existed)
ALTER TABLE public_case_facts ALTER COLUMN applicant DROP NOT NULL;

-- the published power list (projections/catalogue.py)
CREATE TABLE IF NOT EXISTS public_catalogue (
    item_id uuid PRIMARY KEY,
    code text NOT NULL UNIQUE,
    name text NOT NULL,
    category text NOT NULL,
    department text NOT NULL,
    status text NOT NULL,
    position bigint NOT NULL,
    view jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS public_catalogue_department
    ON public_catalogue (department, category) WHERE status <> 'retired';
