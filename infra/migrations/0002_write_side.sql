-- The write side's tables beside the event store: request claims and query-code
-- verifiers (kept in the events' transaction by infra/recorder.py), case numbers,
-- personal data, the lookup budget.
-- Part of the schema as it stood before versioned migrations: every statement is
-- repeatable (IF NOT EXISTS, OR REPLACE), so a database made before then takes it
-- unchanged and only records it.

-- Idempotency-Key claims, kept with the events of the command they name
CREATE TABLE IF NOT EXISTS request_claims (
    actor text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    aggregate_id uuid NOT NULL,
    version integer NOT NULL,
    position bigint NOT NULL,
    shown_once jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);

CREATE INDEX IF NOT EXISTS request_claims_created_at ON request_claims (created_at);

-- the claims' first home, outside the events' transaction
DROP TABLE IF EXISTS idempotency_keys;

-- query-code verifiers, written with each new case's Submitted event
CREATE TABLE IF NOT EXISTS query_code_verifiers (
    case_no text PRIMARY KEY,
    case_id uuid NOT NULL UNIQUE,
    verifier bytea NOT NULL
);

-- Takes the insert lock on the events table with its owner's rights: LOCK TABLE itself
-- would need UPDATE, DELETE or TRUNCATE, which the API's role does not hold.
CREATE OR REPLACE FUNCTION public.lock_casetrail_events() RETURNS void LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
$$BEGIN LOCK TABLE public.casetrail_events IN EXCLUSIVE MODE; END$$;

-- case numbers: one counter per department and day
CREATE TABLE IF NOT EXISTS case_number_counters (
    department text NOT NULL,
    day date NOT NULL,
    last int NOT NULL,
    PRIMARY KEY (department, day)
);

-- applicants' data keys (wrapped by the master key), their cases, and who opened their data
CREATE TABLE IF NOT EXISTS applicant_keys (
    kid uuid PRIMARY KEY,
    subject text NOT NULL,
    master_kid text,
    wrapped bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    destroyed_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS applicant_keys_live ON applicant_keys (subject)
    WHERE wrapped IS NOT NULL;
CREATE TABLE IF NOT EXISTS applicant_cases (
    subject text NOT NULL,
    case_id uuid NOT NULL,
    linked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, case_id)
);
-- In an intake's transaction: fails it when an erasure destroyed the key that sealed
-- its applicant, and holds off such a destruction until the intake has committed.
CREATE OR REPLACE FUNCTION require_live_data_key(key_id uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM applicant_keys WHERE kid = key_id AND wrapped IS NOT NULL FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'data key % was destroyed by an erasure', key_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
END $$;
CREATE TABLE IF NOT EXISTS personal_data_disclosures (
    id bigserial PRIMARY KEY,
    actor text NOT NULL,
    role text NOT NULL,
    department text NOT NULL,
    case_id uuid NOT NULL,
    case_file text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);

-- the public lookup budget every API process spends from
CREATE TABLE IF NOT EXISTS lookup_budgets (
    client text PRIMARY KEY,
    tokens double precision NOT NULL,
    granted boolean NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS lookup_budgets_updated_at ON lookup_budgets (updated_at);
