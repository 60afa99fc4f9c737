-- 0060_people.sql: one door, four eyes, and an auditor who needs to trust
-- no one (issue 15; docs/people.md, docs/privacy.md, docs/signing.md).
--
-- People: named users holding one or more roles; every token belongs to a
-- user and every audit row names the user. Four eyes: a stored ranking
-- records who ranked it and who approved it, two different people when
-- travel.four_eyes is on. Applicants are corrected field by field with the
-- old and new values kept, and their personal fields can be erased after
-- the retention period without touching the journal (no personal name is
-- written into an entry). The daemon's signed journal checkpoints are kept.

-- --- people -----------------------------------------------------------------

CREATE TABLE users (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    full_name   text NOT NULL DEFAULT '' CHECK (length(full_name) <= 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL DEFAULT '',
    disabled_at timestamptz,
    disabled_by text,
    disabled_reason text CHECK (length(disabled_reason) <= 1000),
    CHECK ((disabled_at IS NULL) = (disabled_by IS NULL))
);
COMMENT ON TABLE users IS
    'The people who use tfledger, by a login name. A disabled user''s tokens are '
    'refused; users are never deleted (the audit trail names them).';

CREATE TABLE user_roles (
    user_id bigint NOT NULL REFERENCES users (id),
    role    text NOT NULL
        CHECK (role IN ('admin', 'finance', 'secretariat', 'auditor', 'approver')),
    PRIMARY KEY (user_id, role)
);
COMMENT ON TABLE user_roles IS
    'The roles a user holds: admin, finance, secretariat, auditor, and approver (may '
    'approve a ranking someone else made: four eyes).';

-- Every existing token becomes its own user, with the token's role.
INSERT INTO users (name, created_by)
    SELECT DISTINCT lower(regexp_replace(name, '[^A-Za-z0-9._-]', '-', 'g')), 'migration 0060'
    FROM tokens ORDER BY 1
    ON CONFLICT (name) DO NOTHING;
ALTER TABLE tokens ADD COLUMN user_id bigint REFERENCES users (id);
UPDATE tokens t SET user_id = u.id FROM users u
    WHERE u.name = lower(regexp_replace(t.name, '[^A-Za-z0-9._-]', '-', 'g'));
INSERT INTO user_roles (user_id, role)
    SELECT DISTINCT user_id, role FROM tokens ON CONFLICT DO NOTHING;
ALTER TABLE tokens ALTER COLUMN user_id SET NOT NULL;
-- The CLI's direct-database token of migration 0020 was never a person:
-- its user is disabled (its rows in entries and audit keep their name).
UPDATE users SET disabled_at = now(), disabled_by = 'migration 0060',
    disabled_reason = 'the token of the CLI''s direct database access before the one door'
    WHERE name = 'tfledger-cli-direct';
ALTER TABLE tokens ALTER COLUMN role DROP NOT NULL;
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check
    CHECK (role IN ('admin', 'finance', 'secretariat', 'auditor', 'approver'));
COMMENT ON COLUMN tokens.role IS
    'Before migration 0060 a token had one role; now the roles are its user''s '
    '(user_roles) and this column is left NULL for new tokens.';
CREATE INDEX tokens_user ON tokens (user_id);

-- A change to users or their roles empties the daemons' token caches too.
CREATE TRIGGER users_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_tokens_changed();
CREATE TRIGGER user_roles_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_roles
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_tokens_changed();

ALTER TABLE audit ADD COLUMN user_name text NOT NULL DEFAULT '';
UPDATE audit SET user_name = token_name;
COMMENT ON COLUMN audit.user_name IS 'The person (users.name) who did it.';
CREATE INDEX audit_user_at ON audit (user_name, at);
CREATE INDEX audit_at ON audit (at);

-- --- four eyes ----------------------------------------------------------------

ALTER TABLE travel_runs ADD COLUMN approved_by text;
ALTER TABLE travel_runs ADD COLUMN approved_at timestamptz;
ALTER TABLE travel_runs ADD CONSTRAINT travel_runs_approved_both
    CHECK ((approved_by IS NULL) = (approved_at IS NULL));
COMMENT ON COLUMN travel_runs.created_by IS 'The user who ranked (stored) the run.';
COMMENT ON COLUMN travel_runs.approved_by IS
    'The user who approved the run; another person than created_by when travel.four_eyes is on.';

-- --- applicants: corrections, health as an attestation, erasure -------------

ALTER TABLE travel_applicants ADD COLUMN health_attested_on date;
ALTER TABLE travel_applicants ADD COLUMN erased_at timestamptz;
ALTER TABLE travel_applicants ADD COLUMN erased_by text;
COMMENT ON COLUMN travel_applicants.health_check IS
    'Yes/no: the applicant attested a health check (nothing about health itself is kept).';
COMMENT ON COLUMN travel_applicants.health_attested_on IS 'The day of the health attestation.';
COMMENT ON COLUMN travel_applicants.erased_at IS
    'When the personal fields (name, role, source) were erased after the retention period.';

CREATE TABLE travel_applicant_changes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting    text NOT NULL,
    applicant  text NOT NULL,
    field      text NOT NULL CHECK (length(field) BETWEEN 1 AND 64),
    old_value  text,
    new_value  text,
    reason     text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    changed_by text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (meeting, applicant) REFERENCES travel_applicants (meeting, id)
);
CREATE INDEX travel_applicant_changes_of ON travel_applicant_changes (meeting, applicant, id);
COMMENT ON TABLE travel_applicant_changes IS
    'A correction of one field of an applicant before approval: old and new value, '
    'why and by whom. Erasure blanks the values of personal fields here too.';

-- --- checkpoints ----------------------------------------------------------------

CREATE TABLE journal_checkpoints (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sequence   bigint NOT NULL CHECK (sequence >= 0),
    head_hash  char(64) NOT NULL CHECK (head_hash ~ '^[0-9a-f]{64}$'),
    at         timestamptz NOT NULL DEFAULT now(),
    reason     text NOT NULL CHECK (reason IN ('request', 'close')),
    month      date,
    created_by text NOT NULL,
    key_id     text NOT NULL DEFAULT '',
    document   text NOT NULL
);
COMMENT ON TABLE journal_checkpoints IS
    'Signed journal checkpoints: the sequence and head hash of the journal at a time, '
    'issued on request and at each month close; document is the signed XML as served.';

-- --- settings -------------------------------------------------------------------

INSERT INTO settings (key, value) VALUES
    ('travel.four_eyes', 'on'),
    ('privacy.retention_days', '730');

GRANT SELECT ON users, user_roles, travel_applicant_changes, journal_checkpoints
    TO tfledger_daemon;
GRANT INSERT ON users, user_roles, travel_applicant_changes, journal_checkpoints, tokens
    TO tfledger_daemon;
GRANT DELETE ON user_roles TO tfledger_daemon;
GRANT UPDATE (full_name, disabled_at, disabled_by, disabled_reason) ON users TO tfledger_daemon;
GRANT UPDATE (revoked_at) ON tokens TO tfledger_daemon;
GRANT UPDATE (approved_by, approved_at) ON travel_runs TO tfledger_daemon;
GRANT UPDATE ON travel_applicants TO tfledger_daemon;
GRANT UPDATE (old_value, new_value) ON travel_applicant_changes TO tfledger_daemon;
