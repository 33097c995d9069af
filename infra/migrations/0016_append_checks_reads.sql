-- append_casetrail_events also checks what the command read: given the aggregates it
-- decided on beside the one it changes (a case's item and the calendar) and the version
-- of each it saw (0: none), it records nothing when any of them has events above that
-- version, failing with serialization_failure (SQLSTATE 40001). The check runs under the
-- insert lock, so that no event of those aggregates can commit between the check and
-- the command's own events. An application may then act on the aggregates it holds in
-- memory without reading them first: when they were out of date, the append fails and
-- it acts again on what it reads (infra/recorder.py, domain/application.py).
DROP FUNCTION IF EXISTS append_casetrail_events(
    uuid[], bigint[], text[], bytea[], text, text, uuid, bytea, uuid, text, text, text,
    jsonb, interval
);

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
    claims_kept interval,
    read_ids uuid[],
    read_versions bigint[]
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
    IF EXISTS (
        SELECT FROM unnest(read_ids, read_versions) AS seen (id, version)
        JOIN casetrail_events AS stored
            ON stored.originator_id = seen.id AND stored.originator_version > seen.version
    ) THEN
        RAISE EXCEPTION 'an aggregate the command read has changed since'
            USING ERRCODE = 'serialization_failure';
    END IF;
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
