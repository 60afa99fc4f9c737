-- 0002_ledger.sql: the double-entry journal, its running balances, closed
-- periods, API tokens, the audit trail and idempotency records.
--
-- The C code (ledger/) validates everything before it writes; this schema
-- repeats the invariants so that the database defends itself against a bug
-- or a hand-written statement: CHECK constraints, a deferred constraint
-- trigger that refuses an unbalanced entry at commit, triggers that refuse
-- UPDATE/DELETE/TRUNCATE of the journal, and a role for the daemon that has
-- no UPDATE/DELETE/TRUNCATE privilege on it. See docs/ledger.md.

-- The role tfledgerd works as (SET ROLE after connecting). Roles are
-- cluster-wide and test databases are cloned from a template, so it is
-- created only if absent.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tfledger_daemon') THEN
        CREATE ROLE tfledger_daemon LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;

CREATE TABLE accounts (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    type        text NOT NULL CHECK (type IN ('asset', 'liability', 'net_assets',
                                              'revenue', 'expense', 'memo')),
    currency    char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    normal_side text NOT NULL GENERATED ALWAYS AS (
        CASE WHEN type IN ('asset', 'expense', 'memo') THEN 'debit' ELSE 'credit' END
    ) STORED,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (code, currency)
);
COMMENT ON TABLE accounts IS
    'The chart of accounts: one currency each; the normal side (debit for asset, '
    'expense, memo; credit for liability, net_assets, revenue) follows from the type. '
    'Accounts are never changed or deleted.';

CREATE TABLE tokens (
    id         text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
    name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    role       text NOT NULL CHECK (role IN ('admin', 'finance', 'secretariat', 'auditor')),
    sha256     char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
COMMENT ON TABLE tokens IS
    'API bearer tokens: tfl_<id>_<secret>. Only the SHA-256 of the whole token is '
    'stored; the id part finds the row, the hash is compared in constant time.';

CREATE TABLE entries (
    id              uuid PRIMARY KEY,
    sequence        bigint NOT NULL UNIQUE CHECK (sequence > 0),
    date            date NOT NULL CHECK (date BETWEEN '1900-01-01' AND '9999-12-31'),
    memo            text NOT NULL CHECK (length(memo) <= 1000),
    reference       text NOT NULL CHECK (length(reference) <= 100),
    created_at      timestamptz NOT NULL,
    token_id        text NOT NULL REFERENCES tokens (id),
    idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    request_sha256  char(64) CHECK (request_sha256 ~ '^[0-9a-f]{64}$'),
    reverses        uuid UNIQUE REFERENCES entries (id),
    prev_hash       char(64) NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash            char(64) NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
    CHECK ((idempotency_key IS NULL) = (request_sha256 IS NULL)),
    CHECK (reverses IS NULL OR reverses <> id)
);
CREATE INDEX entries_date ON entries (date);
COMMENT ON TABLE entries IS
    'The journal: one row per balanced entry, never changed or deleted. sequence '
    'is gap-free in commit order; hash = SHA-256(prev_hash || canonical bytes) '
    'chains each entry to the one before (docs/ledger.md). A reversal names the '
    'entry it reverses; UNIQUE(reverses) allows one reversal per entry.';

CREATE TABLE postings (
    entry_id uuid NOT NULL REFERENCES entries (id),
    line     int NOT NULL CHECK (line BETWEEN 1 AND 1000),
    account  text NOT NULL,
    side     text NOT NULL CHECK (side IN ('debit', 'credit')),
    amount   bigint NOT NULL CHECK (amount > 0),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    PRIMARY KEY (entry_id, line),
    FOREIGN KEY (account, currency) REFERENCES accounts (code, currency)
);
CREATE INDEX postings_account ON postings (account, entry_id);
COMMENT ON TABLE postings IS
    'The lines of an entry: amount in minor units of currency (> 0), which is the '
    'account''s currency (enforced by the composite foreign key). For each entry '
    'and currency, debits equal credits (deferred constraint trigger).';

CREATE TABLE balances (
    account       text NOT NULL REFERENCES accounts (code),
    day           date NOT NULL,
    debit_balance bigint NOT NULL CHECK (debit_balance > -9223372036854775807 - 1),
    PRIMARY KEY (account, day)
);
COMMENT ON TABLE balances IS
    'Running balances: for each account and each date on which it has postings, '
    'debits minus credits of all its postings dated on or before that day. The '
    'balance as of D is the row with the greatest day <= D (one index lookup); '
    'the current balance is the row with the greatest day. Derived data, kept '
    'in the same transaction as the postings (docs/ledger.md).';

CREATE TABLE closed_periods (
    month     date PRIMARY KEY CHECK (month = date_trunc('month', month)::date),
    closed_at timestamptz NOT NULL DEFAULT now(),
    token_id  text NOT NULL REFERENCES tokens (id)
);
COMMENT ON TABLE closed_periods IS
    'Closed accounting months (first day of the month): no entry dated inside one '
    'can be posted any more.';

CREATE TABLE ledger_head (
    one      boolean PRIMARY KEY DEFAULT true CHECK (one),
    sequence bigint NOT NULL CHECK (sequence >= 0),
    hash     char(64) NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);
INSERT INTO ledger_head (sequence, hash) VALUES (0, repeat('0', 64));
COMMENT ON TABLE ledger_head IS
    'The last sequence and hash of the journal (one row). Writers lock it FOR '
    'UPDATE, which serialises appends to the chain; verify compares it with the '
    'last entry so that a deleted tail is detected.';

CREATE TABLE audit (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    token_name text NOT NULL,
    role       text NOT NULL,
    action     text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
    object     text NOT NULL DEFAULT '',
    request_id text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 64)
);
COMMENT ON TABLE audit IS
    'Who did what: one row per write through the API, written in the same '
    'transaction as the write itself.';

CREATE TABLE idempotency_keys (
    key            text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 255),
    request_sha256 char(64) NOT NULL CHECK (request_sha256 ~ '^[0-9a-f]{64}$'),
    status         int NOT NULL CHECK (status BETWEEN 200 AND 299),
    response       text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE idempotency_keys IS
    'Idempotency-Key of each successful write, with the SHA-256 of its method, '
    'path and body, and the answer given, which a replay returns again.';

-- Entries and postings are never changed: corrections are reversals.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'P0001';
END
$$;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- At commit: every entry touched has >= 2 postings and, for each currency,
-- debits = credits.
CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    eid uuid;
    n bigint;
    bad text;
BEGIN
    IF TG_TABLE_NAME = 'entries' THEN
        eid := NEW.id;
    ELSE
        eid := NEW.entry_id;
    END IF;
    SELECT count(*) INTO n FROM postings WHERE entry_id = eid;
    IF n < 2 THEN
        RAISE EXCEPTION 'unbalanced-entry: entry % has % posting(s), needs at least 2', eid, n
            USING ERRCODE = 'P0001';
    END IF;
    SELECT currency INTO bad FROM postings WHERE entry_id = eid
        GROUP BY currency
        HAVING sum(CASE WHEN side = 'debit' THEN amount ELSE -amount END) <> 0
        LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'unbalanced-entry: entry % debits <> credits in %', eid, bad
            USING ERRCODE = 'P0001';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER entries_balanced AFTER INSERT ON entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
CREATE CONSTRAINT TRIGGER postings_balanced AFTER INSERT ON postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

-- Appends a group of entries, already validated and hashed by ledger/, in
-- one call. doc = {"head": {"sequence", "hash"}, "entries": [{id, sequence,
-- date, memo, reference, created_at, token_id, idempotency_key,
-- request_sha256, reverses, prev_hash, hash, postings: [{line, account,
-- side, amount, currency}]}], "idempotency": [{key, request_sha256, status,
-- response}], "audit": [{token_name, role, action, object, request_id}]}.
-- The caller holds ledger_head FOR UPDATE. Returns NULL when everything was
-- stored, else an error text (then nothing of this call is kept):
-- 'period-closed YYYY-MM', 'already-reversed', 'idempotency-key', or
-- 'SQLSTATE message' for anything unexpected.
CREATE FUNCTION ledger_post(doc jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    closed text;
    head ledger_head%ROWTYPE;
    first_seq bigint;
    first_prev text;
    cname text;
BEGIN
    SELECT * INTO head FROM ledger_head;
    SELECT (e->>'sequence')::bigint, e->>'prev_hash' INTO first_seq, first_prev
        FROM jsonb_array_elements(doc->'entries') e LIMIT 1;
    IF first_seq <> head.sequence + 1 OR first_prev <> head.hash THEN
        RETURN 'chain-mismatch: head is ' || head.sequence;
    END IF;

    SELECT to_char(c.month, 'YYYY-MM') INTO closed
        FROM jsonb_to_recordset(doc->'entries') AS e(date date)
        JOIN closed_periods c ON c.month = date_trunc('month', e.date)::date
        LIMIT 1;
    IF closed IS NOT NULL THEN
        RETURN 'period-closed ' || closed;
    END IF;

    INSERT INTO entries (id, sequence, date, memo, reference, created_at, token_id,
                         idempotency_key, request_sha256, reverses, prev_hash, hash)
        SELECT id, sequence, date, memo, reference, created_at, token_id,
               idempotency_key, request_sha256, reverses, prev_hash, hash
        FROM jsonb_to_recordset(doc->'entries') AS e(
            id uuid, sequence bigint, date date, memo text, reference text,
            created_at timestamptz, token_id text, idempotency_key text,
            request_sha256 text, reverses uuid, prev_hash text, hash text);

    INSERT INTO postings (entry_id, line, account, side, amount, currency)
        SELECT e.id, p.line, p.account, p.side, p.amount, p.currency
        FROM jsonb_to_recordset(doc->'entries') AS e(id uuid, postings jsonb),
             jsonb_to_recordset(e.postings) AS p(line int, account text, side text,
                                                 amount bigint, currency text);

    -- Running balances: first a row for each (account, day) that has none,
    -- starting from the balance of the day before it; then add to every row
    -- on or after each day the day's movement.
    CREATE TEMP TABLE IF NOT EXISTS ledger_deltas (
        account text, day date, delta bigint) ON COMMIT DELETE ROWS;
    DELETE FROM ledger_deltas;
    INSERT INTO ledger_deltas
        SELECT p.account, e.date,
               sum(CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END)
        FROM jsonb_to_recordset(doc->'entries') AS e(date date, postings jsonb),
             jsonb_to_recordset(e.postings) AS p(account text, side text, amount bigint)
        GROUP BY 1, 2;
    INSERT INTO balances (account, day, debit_balance)
        SELECT d.account, d.day,
               COALESCE((SELECT b.debit_balance FROM balances b
                         WHERE b.account = d.account AND b.day < d.day
                         ORDER BY b.day DESC LIMIT 1), 0)
        FROM ledger_deltas d
        ON CONFLICT (account, day) DO NOTHING;
    UPDATE balances b SET debit_balance = b.debit_balance + s.delta
        FROM (SELECT b2.account, b2.day, sum(d.delta) AS delta
              FROM ledger_deltas d
              JOIN balances b2 ON b2.account = d.account AND b2.day >= d.day
              GROUP BY 1, 2) s
        WHERE b.account = s.account AND b.day = s.day;

    INSERT INTO idempotency_keys (key, request_sha256, status, response)
        SELECT key, request_sha256, status, response
        FROM jsonb_to_recordset(doc->'idempotency') AS i(
            key text, request_sha256 text, status int, response text);
    INSERT INTO audit (token_name, role, action, object, request_id)
        SELECT token_name, role, action, object, request_id
        FROM jsonb_to_recordset(doc->'audit') AS a(
            token_name text, role text, action text, object text, request_id text);
    UPDATE ledger_head SET sequence = (doc->'head'->>'sequence')::bigint,
                           hash = doc->'head'->>'hash';
    RETURN NULL;
EXCEPTION
    WHEN unique_violation THEN
        GET STACKED DIAGNOSTICS cname = CONSTRAINT_NAME;
        IF cname = 'entries_reverses_key' THEN
            RETURN 'already-reversed';
        ELSIF cname = 'idempotency_keys_pkey' THEN
            RETURN 'idempotency-key';
        END IF;
        RETURN SQLSTATE || ' ' || SQLERRM;
    WHEN OTHERS THEN
        RETURN SQLSTATE || ' ' || SQLERRM;
END
$$;
COMMENT ON FUNCTION ledger_post(jsonb) IS
    'Appends validated, hashed entries with their postings, balances, '
    'idempotency records and audit rows; all or nothing per call.';

-- What the daemon may do: read everything, append to the journal, keep the
-- derived tables. Never UPDATE, DELETE or TRUNCATE the journal.
GRANT SELECT ON accounts, tokens, entries, postings, balances, closed_periods,
    ledger_head, audit, idempotency_keys, settings TO tfledger_daemon;
GRANT INSERT ON accounts, entries, postings, balances, closed_periods, audit,
    idempotency_keys TO tfledger_daemon;
GRANT UPDATE ON balances, ledger_head TO tfledger_daemon;
REVOKE UPDATE, DELETE, TRUNCATE ON entries, postings FROM tfledger_daemon;
GRANT EXECUTE ON FUNCTION ledger_post(jsonb) TO tfledger_daemon;
