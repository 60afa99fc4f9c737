-- 0069_currency_totals_in_turn.sql: the currency totals of 0067 are
-- added up under the head lock, not while the postings are copied.
--
-- 0067 locked a currency's row of ledger_currency_totals in the COPY of
-- the postings. tfledgerd's two writer lanes copy at once and finish in
-- turn (ledger/writer.c): a later group that had copied held the row and
-- waited for its turn, while the earlier group's COPY waited for the row.
-- PostgreSQL cannot see the writer's turns, so nothing broke the wait and
-- concurrent batches hung for ever (bench/ledger.sh's batch section;
-- test_load__concurrent_batches_use_both_lanes_and_never_hang).
--
-- Now the COPY only notes what it added, in a row of its own transaction
-- (ledger_currency_pending: no lock anyone else waits for), and the sums
-- are folded into ledger_currency_totals, currencies in order, by
-- ledger_append() under the head lock, which every append takes in its
-- turn. Postings stored any other way are folded by a deferred trigger at
-- commit. The bound and the refusal ('currency-total ...') are 0067's.

DROP TRIGGER postings_currency_totals ON postings;
DROP FUNCTION postings_currency_totals();

CREATE TABLE ledger_currency_pending (
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    currency character(3) NOT NULL,
    debits numeric NOT NULL
);
CREATE INDEX ledger_currency_pending_xid ON ledger_currency_pending (xid);
COMMENT ON TABLE ledger_currency_pending IS
    'Debit postings an open transaction copied, per currency, not yet added to '
    'ledger_currency_totals: rows live from their statement to ledger_currency_fold() in the same '
    'transaction (ledger_append() or the deferred trigger at commit).';

CREATE FUNCTION postings_currency_pending() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    INSERT INTO ledger_currency_pending (currency, debits)
        SELECT currency, sum(amount) FROM new_postings
            WHERE side = 'debit' GROUP BY currency;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION postings_currency_pending() IS
    'Notes the debit postings a statement copied, per currency, for ledger_currency_fold().';

CREATE TRIGGER postings_currency_pending AFTER INSERT ON postings
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION postings_currency_pending();

-- Currencies in order, one row at a time: two folds lock them in the same
-- order and cannot deadlock on them.
CREATE FUNCTION ledger_currency_fold() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
DECLARE
    ccys text[];
    sums numeric[];
    had bigint;
BEGIN
    WITH gone AS (DELETE FROM ledger_currency_pending p WHERE p.xid = pg_current_xact_id()
                      RETURNING p.currency, p.debits)
    SELECT array_agg(s.currency ORDER BY s.currency), array_agg(s.debits ORDER BY s.currency)
        INTO ccys, sums
        FROM (SELECT g.currency, sum(g.debits) AS debits FROM gone g GROUP BY g.currency) s;
    FOR i IN 1 .. COALESCE(array_length(ccys, 1), 0) LOOP
        INSERT INTO ledger_currency_totals AS t (currency, debits) VALUES (ccys[i], 0)
            ON CONFLICT (currency) DO NOTHING;
        SELECT t.debits INTO had FROM ledger_currency_totals t
            WHERE t.currency = ccys[i] FOR UPDATE;
        IF had::numeric + sums[i] > 9223372036854775807 THEN
            RAISE EXCEPTION 'currency-total % % %', ccys[i], had, sums[i]
                USING ERRCODE = 'P0001';
        END IF;
        UPDATE ledger_currency_totals t SET debits = had + sums[i]::bigint
            WHERE t.currency = ccys[i];
    END LOOP;
END
$$;
COMMENT ON FUNCTION ledger_currency_fold() IS
    'Adds this transaction''s ledger_currency_pending rows to ledger_currency_totals and removes '
    'them, or refuses with ''currency-total CURRENCY HAD ADDED'' when a currency''s sum would pass '
    '9223372036854775807.';

CREATE FUNCTION ledger_currency_pending_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
BEGIN
    PERFORM ledger_currency_fold(); -- nothing left if ledger_append() folded
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ledger_currency_pending_check() IS
    'At commit: folds what no ledger_append() folded (postings stored another way).';

CREATE CONSTRAINT TRIGGER ledger_currency_pending_check AFTER INSERT ON ledger_currency_pending
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_currency_pending_check();

-- ledger_append() of 0050, folding the currency totals under the head lock.
CREATE OR REPLACE FUNCTION ledger_append() RETURNS void
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
    short record;
BEGIN
    SELECT * INTO head FROM ledger_head FOR UPDATE;
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

    SELECT * INTO accs, days, deltas FROM ledger_check_entries(ids, dates);
    PERFORM ledger_currency_fold();
    DELETE FROM ledger_unchecked u WHERE u.first_seq > head.sequence AND u.last_seq <= new_last;

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

    -- The bank accounts' floor: a bank account this append credited may
    -- not be below minus its overdraft limit on any day from the first day
    -- the append moved it. The message is read by ledger/append.c:
    -- 'insufficient-funds ACCOUNT DAY DEBIT_BALANCE LIMIT CURRENCY'.
    IF EXISTS (SELECT 1 FROM unnest(accs, deltas) AS d(account, delta)
               WHERE d.delta < 0 AND d.account ~ '^10[0-9][0-9]-[A-Z]{3}$') THEN
        SELECT b.account, b.day, b.debit_balance, COALESCE(o.limit_minor, 0) AS limit_minor,
               a.currency
            INTO short
            FROM (SELECT d.account, min(d.day) AS first_day
                  FROM unnest(accs, days, deltas) AS d(account, day, delta)
                  WHERE d.delta < 0 AND d.account ~ '^10[0-9][0-9]-[A-Z]{3}$'
                  GROUP BY d.account) m
            JOIN accounts a ON a.code = m.account AND a.type = 'asset'
            JOIN balances b ON b.account = m.account AND b.day >= m.first_day
            LEFT JOIN account_overdrafts o ON o.account = m.account
            WHERE b.debit_balance < -COALESCE(o.limit_minor, 0)
            ORDER BY b.day, b.account LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'insufficient-funds % % % % %', short.account, short.day,
                short.debit_balance, short.limit_minor, short.currency
                USING ERRCODE = 'P0001',
                DETAIL = 'a bank account may not go below zero unless an overdraft is configured';
        END IF;
    END IF;
    UPDATE ledger_head SET sequence = new_last, hash = last_hash;
END
$$;

COMMENT ON FUNCTION ledger_append() IS
    'Completes an append (ledger/append.c) under the head lock: the new entries follow the head without a gap; the currency totals (ledger_currency_fold); running balances; no bank account (10NN-CCY) below minus its overdraft limit; the head moves to the last.';
GRANT EXECUTE ON FUNCTION ledger_append() TO tfledger_daemon;
