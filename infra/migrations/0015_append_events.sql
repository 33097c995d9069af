-- One statement records a command: its events, and what must commit with them (a new
-- case's query-code verifier, once its applicant's data key is found live; the request's
-- Idempotency-Key claim, once the claims past their window are gone). Called on an
-- autocommit connection it is its own transaction, sent and answered in one round trip:
-- the same work as BEGIN, four to six statements and COMMIT in a pipeline, at a third of
-- the client's time (infra/recorder.py). It runs with its caller's rights; the insert
-- lock is taken through lock_casetrail_events(), after all else but the events and the
-- claim, so it is held only while those are inserted and committed.
CREATE OR REPLACE FUNCTION append_casetrail_events(
    originator_ids uuid[],
    originator_versions bigint[],
    topics text[],
    states bytea[],
    channel text,
    verifier_case_no text,
    verifier_case_id uuid,
    verifier_digest bytea,
    verifier_data_key uuid,
    claim_actor text,
    claim_key text,
    claim_fingerprint text,
    claim_shown_once jsonb,
    claims_kept interval
) RETURNS SETOF bigint LANGUAGE plpgsql AS $$
DECLARE
    last int := cardinality(originator_ids);
BEGIN
    IF verifier_digest IS NOT NULL THEN
        PERFORM require_live_data_key(verifier_data_key);
        INSERT INTO query_code_verifiers (case_no, case_id, verifier)
        VALUES (verifier_case_no, verifier_case_id, verifier_digest);
    END IF;
    IF claim_key IS NOT NULL THEN
        DELETE FROM request_claims WHERE created_at < now() - claims_kept;
    END IF;
    PERFORM lock_casetrail_events();
    PERFORM pg_notify(channel, '');
    RETURN QUERY
        INSERT INTO casetrail_events (originator_id, originator_version, topic, state)
        SELECT * FROM unnest(originator_ids, originator_versions, topics, states)
        RETURNING notification_id;
    IF claim_key IS NOT NULL THEN
        INSERT INTO request_claims
            (actor, key, fingerprint, aggregate_id, version, position, shown_once)
        SELECT claim_actor, claim_key, claim_fingerprint, originator_id, originator_version,
            notification_id, claim_shown_once
        FROM casetrail_events
        WHERE originator_id = originator_ids[last]
            AND originator_version = originator_versions[last];
    END IF;
END $$;
