-- 0006_ledger_bulk.sql: the same defences as 0002-0004 at a cost per
-- statement instead of per row, so that the writer can append a group of
-- entries with two binary COPYs (issue 3's batch target; the measurements
-- behind each change are in docs/ledger.md "Where the time goes").
--
-- * Foreign keys of entries and postings become statement-level triggers
--   over the inserted rows (transition tables): one anti-join per COPY
--   instead of one locking lookup per row. What a foreign key also
--   guarantees on the other side, that a referenced row is not deleted or
--   re-keyed, is kept by triggers on accounts and tokens (entries already
--   refuse UPDATE and DELETE). The messages still say "foreign key".
-- * Entries dated in a closed month are refused by the database itself
--   (until now only by ledger_post), when inserted and again by
--   ledger_append() under the head lock, which closing a month takes too
--   (store.c): a month closed between the two is still refused.
-- * The deferred balance check runs once per statement that inserted
--   entries (and once per statement that added postings with line > 2 to
--   entries, see 0004), over all of them at once: the statement trigger
--   queues them in ledger_unchecked, whose deferred constraint trigger
--   checks them at commit and removes the row. ledger_append() makes the
--   same check of the entries it appends in its one pass over their
--   postings and removes their row, which the trigger then finds gone (a
--   deferred trigger still fires for a row deleted since). Only SECURITY
--   DEFINER functions touch ledger_unchecked; removing a row is sound only
--   because ledger_append() checked every entry of its range, and any
--   posting added later has line > 2 and queues its entry again.
-- * UNIQUE (hash) is dropped: nothing looks an entry up by its hash, the
--   chain is checked by recomputing it (verify), and a unique index on
--   random 64-character keys cost a random page per entry. UNIQUE
--   (reverses) keeps its name but indexes only reversals.
-- * ledger_post(jsonb) is replaced by binary COPYs into entries, postings,
--   idempotency_keys and audit under the head lock, then ledger_append(),
--   which checks the new rows follow the head, keeps the running balances
--   and moves the head (ledger/append.c).
-- * The functions of an append reach a group's rows only through keys
--   (ids, sequences, accounts and days): they run with sequential and
--   bitmap scans, hash and merge joins disabled, so that their plans stay index lookups
--   whatever the statistics say (a young database whose statistics still
--   say "240 entries" otherwise gets a sequential scan of every table per
--   append, until autovacuum catches up), and without JIT, which the
--   penalty cost of a disabled plan would otherwise switch on (tens of
--   milliseconds of compiling per statement).
-- * The running-balance UPDATE bounds each day's range on both sides in
--   the index condition (the last day's open end is 'infinity'); with
--   "next IS NULL OR day < next" the index scan of every moved day ran to
--   the end of the account, quadratic in the days of a group.
-- * The hex CHECKs of entries (0004's ltrim over the hex digits compared
--   each character with memcmp against each digit, 3 us per value) become
--   64 bytes that decode from hex and encode back to themselves (lower
--   case, no blanks; 0.6 us): a value with a character that is not a hex
--   digit is still refused, by decode's own error ("invalid hexadecimal
--   digit") instead of the constraint's name.
-- Entry ids are now UUID version 7 (time-ordered, ledger/entry.c), so that
-- new keys of entries and postings land at the right edge of their indexes.

-- --- bookkeeping of the deferred check --------------------------------------

CREATE UNLOGGED TABLE ledger_unchecked (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    first_seq bigint,
    last_seq  bigint,
    entry_ids uuid[],
    CHECK ((first_seq IS NULL) = (last_seq IS NULL)
           AND (first_seq IS NULL) <> (entry_ids IS NULL))
);
COMMENT ON TABLE ledger_unchecked IS
    'What the open transactions inserted and the deferred check must still look at: '
    'the entries of one INSERT (their sequence range) or the entries a posting with '
    'line > 2 was added to (ids). A row lives from its statement to its commit; '
    'ledger_append() removes the rows of the entries it checked itself.';
REVOKE ALL ON ledger_unchecked FROM PUBLIC;
-- A thousand ids are 16 kB: stored apart, not compressed (it lives for
-- one transaction).
ALTER TABLE ledger_unchecked ALTER entry_ids SET STORAGE EXTERNAL;

-- Entries ids (with their dates, or NULL) each have lines 1..n with n >= 2
-- and, for each currency, debits = credits; else raises unbalanced-entry.
-- Returns what they move, per account and day (for the running balances),
-- from the same single pass over their postings.
CREATE FUNCTION ledger_check_entries(ids uuid[], dates date[],
                                     OUT accs text[], OUT days date[], OUT deltas bigint[])
    LANGUAGE plpgsql SET search_path = pg_catalog, public
    SET enable_seqscan = off SET enable_bitmapscan = off SET enable_hashjoin = off
    SET enable_mergejoin = off SET jit = off AS $$
DECLARE
    eid uuid;
    n numeric;
    lo int;
    hi int;
    bad text;
BEGIN
    WITH lines AS MATERIALIZED (
        SELECT e.id, e.date, p.line, p.account, p.currency,
               CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END AS net
        FROM unnest(ids, dates) AS e(id, date)
        LEFT JOIN postings p ON p.entry_id = e.id),
    fault AS (
        SELECT id, total, first_line, last_line, unbalanced
        FROM (SELECT id, sum(k) AS total, min(first_line) AS first_line,
                     max(last_line) AS last_line,
                     min(currency) FILTER (WHERE net <> 0) AS unbalanced
              FROM (SELECT id, currency, count(line) AS k, min(line) AS first_line,
                           max(line) AS last_line, sum(net) AS net
                    FROM lines GROUP BY id, currency) per_currency
              GROUP BY id) per_entry
        WHERE total < 2 OR first_line <> 1 OR last_line <> total OR unbalanced IS NOT NULL
        LIMIT 1),
    movement AS (
        SELECT account, date AS day, sum(net)::bigint AS delta
        FROM lines WHERE line IS NOT NULL GROUP BY 1, 2)
    SELECT f.id, f.total, f.first_line, f.last_line, f.unbalanced,
           (SELECT array_agg(account ORDER BY account, day) FROM movement),
           (SELECT array_agg(day ORDER BY account, day) FROM movement),
           (SELECT array_agg(delta ORDER BY account, day) FROM movement)
        INTO eid, n, lo, hi, bad, accs, days, deltas
        FROM (SELECT 1) one LEFT JOIN fault f ON true;
    IF eid IS NULL THEN
        RETURN;
    ELSIF n < 2 THEN
        RAISE EXCEPTION 'unbalanced-entry: entry % has % posting(s), needs at least 2', eid, n
            USING ERRCODE = 'P0001';
    ELSIF lo <> 1 OR hi <> n THEN
        RAISE EXCEPTION 'unbalanced-entry: entry % has lines %..% for % postings, needs 1..%',
            eid, lo, hi, n, n USING ERRCODE = 'P0001';
    END IF;
    RAISE EXCEPTION 'unbalanced-entry: entry % debits <> credits in %', eid, bad
        USING ERRCODE = 'P0001';
END
$$;

-- At commit, for each row of ledger_unchecked that is still there.
CREATE FUNCTION ledger_check_balanced_set() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
    SET enable_seqscan = off SET enable_bitmapscan = off SET enable_hashjoin = off
    SET enable_mergejoin = off SET jit = off AS $$
DECLARE
    ids uuid[] := NEW.entry_ids;
BEGIN
    DELETE FROM ledger_unchecked WHERE id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL; -- ledger_append() checked these entries and removed the row
    END IF;
    IF ids IS NULL THEN
        SELECT array_agg(id) INTO ids FROM entries
            WHERE sequence BETWEEN NEW.first_seq AND NEW.last_seq;
    END IF;
    PERFORM ledger_check_entries(ids, NULL);
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER ledger_unchecked_balanced AFTER INSERT ON ledger_unchecked
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced_set();

-- --- entries: references, closed months, the queue ----------------------------

ALTER TABLE entries
    DROP CONSTRAINT entries_token_id_fkey,
    DROP CONSTRAINT entries_reverses_fkey,
    DROP CONSTRAINT entries_hash_key,
    DROP CONSTRAINT entries_reverses_key;
CREATE UNIQUE INDEX entries_reverses_key ON entries (reverses) WHERE reverses IS NOT NULL;
ALTER TABLE entries
    DROP CONSTRAINT entries_hash_check,
    DROP CONSTRAINT entries_prev_hash_check,
    DROP CONSTRAINT entries_request_sha256_check,
    ADD CONSTRAINT entries_hash_check CHECK (CASE WHEN octet_length(hash::text) = 64
        THEN encode(decode(hash, 'hex'), 'hex') = hash::text ELSE false END),
    ADD CONSTRAINT entries_prev_hash_check CHECK (CASE WHEN octet_length(prev_hash::text) = 64
        THEN encode(decode(prev_hash, 'hex'), 'hex') = prev_hash::text ELSE false END),
    ADD CONSTRAINT entries_request_sha256_check CHECK (CASE WHEN request_sha256 IS NULL THEN true
        WHEN octet_length(request_sha256::text) = 64
        THEN encode(decode(request_sha256, 'hex'), 'hex') = request_sha256::text ELSE false END);
DROP TRIGGER entries_balanced ON entries;
DROP TRIGGER postings_balanced ON postings;
DROP FUNCTION ledger_check_balanced_row();

CREATE FUNCTION ledger_entries_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
    SET enable_seqscan = off SET enable_bitmapscan = off SET enable_hashjoin = off
    SET enable_mergejoin = off SET jit = off AS $$
DECLARE
    bad text;
BEGIN
    SELECT n.token_id INTO bad FROM (SELECT DISTINCT token_id FROM new_entries) n
        WHERE NOT EXISTS (SELECT 1 FROM tokens t WHERE t.id = n.token_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert into entries violates foreign key: no token %', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT n.reverses INTO bad FROM new_entries n
        WHERE n.reverses IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.id = n.reverses) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert into entries violates foreign key: no entry % to reverse', bad
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT to_char(c.month, 'YYYY-MM') INTO bad FROM closed_periods c
        WHERE c.month IN (SELECT DISTINCT date_trunc('month', n.date)::date FROM new_entries n)
        ORDER BY c.month LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'period-closed %', bad USING ERRCODE = 'P0001',
            DETAIL = 'no entry can be dated inside a closed month';
    END IF;
    INSERT INTO ledger_unchecked (first_seq, last_seq)
        SELECT min(sequence), max(sequence) FROM new_entries HAVING count(*) > 0;
    RETURN NULL;
END
$$;
CREATE TRIGGER entries_inserted AFTER INSERT ON entries
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_inserted();

-- --- postings: references, the queue --------------------------------------------

ALTER TABLE postings
    DROP CONSTRAINT postings_entry_id_fkey,
    DROP CONSTRAINT postings_account_currency_fkey;

CREATE FUNCTION ledger_postings_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
    SET enable_seqscan = off SET enable_bitmapscan = off SET enable_hashjoin = off
    SET enable_mergejoin = off SET jit = off AS $$
DECLARE
    eid uuid;
    acct text;
    ccy text;
BEGIN
    SELECT n.entry_id INTO eid FROM (SELECT DISTINCT entry_id FROM new_postings) n
        WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.id = n.entry_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert into postings violates foreign key: no entry %', eid
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT n.account, n.currency INTO acct, ccy
        FROM (SELECT DISTINCT account, currency FROM new_postings) n
        WHERE NOT EXISTS (SELECT 1 FROM accounts a
                          WHERE a.code = n.account AND a.currency = n.currency) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert into postings violates foreign key: no account % in %', acct, ccy
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    -- Lines 1 and 2 are a new entry's, checked through entries_inserted;
    -- a line beyond may be added to a committed entry (0004).
    INSERT INTO ledger_unchecked (entry_ids)
        SELECT array_agg(DISTINCT entry_id) FROM new_postings WHERE line > 2 HAVING count(*) > 0;
    RETURN NULL;
END
$$;
CREATE TRIGGER postings_inserted AFTER INSERT ON postings
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_inserted();

-- --- the referenced side: accounts and tokens keep their keys ----------------------

-- Refuses DELETE, TRUNCATE, and an UPDATE that changes one of the key
-- columns named by the trigger's arguments.
CREATE FUNCTION ledger_keep_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (SELECT 1 FROM unnest(TG_ARGV) AS k
                       WHERE to_jsonb(NEW) -> k IS DISTINCT FROM to_jsonb(OLD) -> k) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '% on % refused: the journal refers to its rows by %', TG_OP, TG_TABLE_NAME,
        array_to_string(TG_ARGV, ' and ') USING ERRCODE = 'foreign_key_violation';
END
$$;
CREATE TRIGGER accounts_keep_keys BEFORE UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_keys('code', 'currency');
CREATE TRIGGER accounts_no_truncate BEFORE TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_keep_keys('code', 'currency');
-- A token is revoked (revoked_at set), never deleted.
CREATE TRIGGER tokens_keep_keys BEFORE UPDATE OR DELETE ON tokens
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_keys('id');
CREATE TRIGGER tokens_no_truncate BEFORE TRUNCATE ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_keep_keys('id');

-- --- appending a group ---------------------------------------------------------------

-- The last statement of an append (ledger/append.c), after the writer
-- copied its entries, their postings, idempotency records and audit rows:
-- takes the head lock, checks that the new entries (those after the head)
-- follow it without a gap and that no month of theirs was closed
-- meanwhile, checks their balance, moves the running balances, and moves
-- the head to the last of them. Raises on any failure; the caller's
-- transaction is then rolled back.
CREATE FUNCTION ledger_append() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
    SET enable_seqscan = off SET enable_bitmapscan = off SET enable_hashjoin = off
    SET enable_mergejoin = off SET jit = off AS $$
DECLARE
    head ledger_head%ROWTYPE;
    n bigint;
    new_last bigint;
    first_prev text;
    last_hash text;
    closed text;
    ids uuid[];
    dates date[];
    accs text[];
    days date[];
    deltas bigint[];
BEGIN
    SELECT * INTO head FROM ledger_head FOR UPDATE;
    -- The new entries, in one range scan of the sequence index; everything
    -- after starts from their ids, so that no plan can start from a whole
    -- table (stale statistics once chose to read every posting).
    SELECT count(*), max(sequence), min(prev_hash) FILTER (WHERE sequence = head.sequence + 1),
           array_agg(id ORDER BY sequence), array_agg(date ORDER BY sequence)
        INTO n, new_last, first_prev, ids, dates
        FROM entries WHERE sequence > head.sequence;
    IF n = 0 OR n <> new_last - head.sequence OR first_prev IS DISTINCT FROM head.hash THEN
        RAISE EXCEPTION 'chain-mismatch: % entries after the head % do not follow it',
            n, head.sequence USING ERRCODE = 'P0001';
    END IF;
    SELECT to_char(c.month, 'YYYY-MM') INTO closed FROM closed_periods c
        WHERE c.month IN (SELECT DISTINCT date_trunc('month', d)::date FROM unnest(dates) AS d)
        ORDER BY c.month LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'period-closed %', closed USING ERRCODE = 'P0001',
            DETAIL = 'the month was closed while the entries were being copied';
    END IF;
    SELECT hash INTO last_hash FROM entries WHERE sequence = new_last;

    -- The deferred check's work, done now in the same pass over the
    -- postings that yields each (account, day)'s movement; the queued
    -- checks of these entries (their INSERT's sequence range) are removed.
    SELECT * INTO accs, days, deltas FROM ledger_check_entries(ids, dates);
    DELETE FROM ledger_unchecked u WHERE u.first_seq > head.sequence AND u.last_seq <= new_last;

    -- Running balances (docs/ledger.md), as in 0004: a new (account, day)
    -- row starts from the latest earlier day; every row on or after a
    -- moved day gets the cumulative movement up to its day.
    INSERT INTO balances (account, day, debit_balance)
        SELECT d.account, d.day,
               COALESCE((SELECT b.debit_balance FROM balances b
                         WHERE b.account = d.account AND b.day < d.day
                         ORDER BY b.day DESC LIMIT 1), 0)
        FROM unnest(accs, days) AS d(account, day)
        WHERE NOT EXISTS (SELECT 1 FROM balances b
                          WHERE b.account = d.account AND b.day = d.day);
    UPDATE balances b SET debit_balance = b.debit_balance + c.cum
        FROM (SELECT account, day,
                     sum(delta) OVER (PARTITION BY account ORDER BY day) AS cum,
                     lead(day, 1, 'infinity') OVER (PARTITION BY account ORDER BY day) AS next
              FROM unnest(accs, days, deltas) AS d(account, day, delta)) c
        WHERE b.account = c.account AND b.day >= c.day AND b.day < c.next;
    UPDATE ledger_head SET sequence = new_last, hash = last_hash;
END
$$;
COMMENT ON FUNCTION ledger_append() IS
    'Completes an append (ledger/append.c) under the head lock: the new entries '
    'follow the head without a gap; running balances; the head moves to the last.';

DROP FUNCTION ledger_post(jsonb);
GRANT EXECUTE ON FUNCTION ledger_append() TO tfledger_daemon;
