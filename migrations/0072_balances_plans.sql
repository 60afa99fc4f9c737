-- 0072_balances_plans.sql: ledger_append() reaches the running balances
-- only through the days an append moved, whatever the statistics say
-- (issue 18).
--
-- Its plans are made once per connection (0071) from the statistics of
-- that moment. Analysed while small (two rows after a run of single
-- entries), balances looked cheaper to read whole than to look up day by
-- day: the UPDATE read every balance row of every account and compared
-- each with every day the append moved (532,900 comparisons for a batch of
-- 1,000 entries over 365 days), and the NOT EXISTS did the same. Batches
-- fell from about 35,000 entries/s to 23,000 until the next ANALYZE
-- (bench/README.md). Now the plan cannot take that shape:
--   * the NOT EXISTS has OFFSET 0, so it stays a subquery run once per
--     (account, day) with both as parameters: a primary-key lookup;
--   * the UPDATE finds its rows in a LATERAL subquery (OFFSET 0 keeps it
--     apart, so it runs once per moved day range, an index range scan) and
--     updates them by ctid (a TID scan). The ctids are read and updated in
--     one statement under the head lock, which every writer of balances
--     holds (balances is written by ledger_append() alone).
-- Nothing else changes: the same rows, the same sums.

CREATE OR REPLACE FUNCTION ledger_append() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
    SET enable_seqscan = off SET enable_bitmapscan = off SET enable_hashjoin = off
    SET enable_mergejoin = off SET jit = off SET plan_cache_mode = force_generic_plan AS $$
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
                          WHERE b.account = d.account AND b.day = d.day OFFSET 0);
    UPDATE balances b SET debit_balance = b.debit_balance + t.cum
        FROM (SELECT x.tid, c.cum
              FROM (SELECT account, day,
                           sum(delta) OVER (PARTITION BY account ORDER BY day) AS cum,
                           lead(day, 1, 'infinity') OVER (PARTITION BY account ORDER BY day) AS next
                    FROM unnest(accs, days, deltas) AS d(account, day, delta)) c
              CROSS JOIN LATERAL (SELECT b2.ctid AS tid FROM balances b2
                                  WHERE b2.account = c.account AND b2.day >= c.day
                                    AND b2.day < c.next
                                  OFFSET 0) x) t
        WHERE b.ctid = t.tid;

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
