-- 0064_privacy.sql: erasing applicants' personal fields after the retention
-- period (issue 15, docs/privacy.md "Erasure").
--
-- An erasure blanks, for every applicant of the meetings that ended before
-- a date outside the retention period (settings privacy.retention_days,
-- migration 0060): the applicant's name, role and source file, the values
-- of those fields in travel_applicant_changes (and the reason given for
-- changing one, which may repeat them), the same fields in the
-- stored runs' inputs, and the stored answers of Idempotency-Keys that
-- speak of the meeting (an answer of the applicant import repeats every
-- name). It never touches the journal: no personal name is written into an
-- entry, so the hash chain stays whole. privacy_erasures keeps what each
-- erasure did, when and by whom.

CREATE TABLE privacy_erasures (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    erased_at      timestamptz NOT NULL DEFAULT now(),
    erased_by      text NOT NULL CHECK (length(erased_by) BETWEEN 1 AND 200),
    before         date NOT NULL,
    retention_days integer NOT NULL CHECK (retention_days >= 0),
    meetings       jsonb NOT NULL CHECK (jsonb_typeof(meetings) = 'array')
);
COMMENT ON TABLE privacy_erasures IS
    'One row per erasure of applicants'' personal fields: who, when, the date asked '
    '(meetings that ended before it), the retention period then in force, and per '
    'meeting how many applicants, corrections, stored runs and stored answers it erased.';

-- The inputs of a stored run with the personal fields erased: each
-- applicant's name blanked, a role that was given replaced by '(erased)' (a
-- marker that is no personal data and keeps "has a role", so that ranking
-- the same inputs again decides the same), a blank role left empty.
CREATE FUNCTION privacy_erased_inputs(inputs jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(jsonb_agg(
        CASE WHEN jsonb_typeof(x) = 'object' THEN
            x || jsonb_build_object('name', '', 'role',
                CASE WHEN COALESCE(x->>'role', '') ~ '^\s*$' THEN '' ELSE '(erased)' END)
        ELSE x END ORDER BY i), '[]'::jsonb)
    FROM jsonb_array_elements(inputs) WITH ORDINALITY AS t (x, i)
$$;

-- Forgets the stored answers (idempotency_keys) that name meeting p_meeting:
-- they may repeat its applicants' names. Answers are kept only so that a
-- retried request gets the same answer again; one about a meeting that
-- ended before the retention period will not be retried. A function, so
-- that the daemon may delete these answers and no others (the journal's
-- keys stay). Returns how many it deleted.
CREATE FUNCTION privacy_forget_answers(p_meeting text) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH gone AS (
        DELETE FROM idempotency_keys
         WHERE strpos(response, '"meeting":' || to_json(p_meeting)::text) > 0
        RETURNING 1)
    SELECT count(*) FROM gone
$$;
REVOKE ALL ON FUNCTION privacy_forget_answers(text) FROM PUBLIC;

GRANT SELECT, INSERT ON privacy_erasures TO tfledger_daemon;
GRANT UPDATE (inputs) ON travel_runs TO tfledger_daemon;
GRANT UPDATE (reason) ON travel_applicant_changes TO tfledger_daemon;
GRANT EXECUTE ON FUNCTION privacy_forget_answers(text) TO tfledger_daemon;
