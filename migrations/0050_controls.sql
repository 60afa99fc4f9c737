-- 0050_controls.sql: the books control the money (issue 14). The ground
-- the controls share (docs/controls.md):
--
-- * No bank or cash account goes below zero: ledger_append() (0006) now
--   refuses, under the head lock, an append that takes a bank account
--   (an asset whose code is 10NN-CCY, the chart's bank accounts) below
--   minus its overdraft limit on any day from the first day it moved; the
--   limit is 0 unless account_overdrafts says otherwise. Only accounts the
--   append credited are looked at, so the journal's own bench accounts and
--   every append that only receives money pay one array scan.
-- * Budget lines and annual budgets (revision 0 the original budget, the
--   highest revision the final one: IPSAS 24's two columns).
-- * Allocations of a source (earmark and currency) to a budget line and,
--   for travel, a meeting; countersigned overruns; the month-end
--   revaluations, programme support charges and year-end closes that a
--   month or a year needs before it closes; the log of closing and
--   reopening months.
-- * The rates of programme support costs and of the operating cash
--   reserve, as data in settings.

CREATE TABLE account_overdrafts (
    account text PRIMARY KEY REFERENCES accounts (code),
    limit_minor bigint NOT NULL CHECK (limit_minor >= 0),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    set_by text NOT NULL,
    set_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE account_overdrafts IS
    'Bank accounts (10NN-CCY) allowed below zero, down to minus limit_minor (minor units of the account''s currency). Every other bank account stops at zero (ledger_append).';

CREATE TABLE budget_lines (
    id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{0,31}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    expense_prefixes text[] NOT NULL,
    obligation_prefix text,
    position integer NOT NULL UNIQUE
);
COMMENT ON TABLE budget_lines IS
    'The lines of the trust fund''s budget: the expense accounts (code prefixes, any currency) whose movements are a line''s expenditure, and the memo account of its obligations, if it has some.';
INSERT INTO budget_lines (id, name, expense_prefixes, obligation_prefix, position) VALUES
    ('travel', 'Travel support', '{5200}', '8100', 1),
    ('staff', 'Staff and other personnel costs', '{5400}', NULL, 2),
    ('meetings', 'Meetings and conferences', '{5500}', NULL, 3),
    ('contractual', 'Contractual services', '{5600}', NULL, 4),
    ('psc', 'Programme support costs', '{5800}', NULL, 5);

CREATE TABLE budgets (
    year integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    line text NOT NULL REFERENCES budget_lines (id),
    revision integer NOT NULL CHECK (revision >= 0),
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    currency char(3) NOT NULL DEFAULT 'USD' CHECK (currency = 'USD'),
    reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    set_by text NOT NULL,
    set_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (year, line, revision)
);
COMMENT ON TABLE budgets IS
    'Annual budget per line in USD: revision 0 is the original budget, the highest revision the final one (IPSAS 24). Rows are never changed: a revision is a new row.';

CREATE TABLE fund_allocations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    allocated_on date NOT NULL,
    source_earmark text NOT NULL CHECK (source_earmark IN ('travel', 'none')),
    source_currency char(3) NOT NULL CHECK (source_currency ~ '^[A-Z]{3}$'),
    source_minor bigint NOT NULL CHECK (source_minor > 0),
    line text NOT NULL REFERENCES budget_lines (id),
    meeting text REFERENCES travel_meetings (id),
    year integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    usd_mantissa_source bigint, usd_scale_source smallint,
    usd_mantissa bigint, usd_scale smallint,
    memo text NOT NULL DEFAULT '' CHECK (length(memo) <= 1000),
    entry_id uuid NOT NULL,
    allocated_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (meeting IS NULL OR line = 'travel'),
    CHECK (source_currency = currency OR usd_mantissa_source IS NOT NULL)
);
CREATE INDEX fund_allocations_meeting ON fund_allocations (meeting) WHERE meeting IS NOT NULL;
COMMENT ON TABLE fund_allocations IS
    'Money set aside from a source (earmark, currency) for a budget line of a year and, for travel, a meeting. source_minor in source_currency, amount_minor in currency (the meeting''s); across currencies at the UN operational rates stored beside (USD per unit, mantissa / 10^scale). entry_id: the memo entry in the journal.';

CREATE TABLE fund_overruns (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting text REFERENCES travel_meetings (id),
    line text REFERENCES budget_lines (id),
    source text NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    signed_by text NOT NULL,
    signed_role text NOT NULL,
    signed_at timestamptz NOT NULL DEFAULT now(),
    used_by text,
    used_at timestamptz,
    CHECK (meeting IS NOT NULL OR line IS NOT NULL)
);
COMMENT ON TABLE fund_overruns IS
    'A finance user''s countersignature of a stated overrun: up to amount_minor beyond what the source has may be committed, once (used_by/used_at say by what).';

CREATE TABLE fund_revaluations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    month date NOT NULL CHECK (month = date_trunc('month', month)::date),
    amount_minor bigint NOT NULL,
    rates jsonb NOT NULL,
    entry_id uuid,
    posted_by text NOT NULL,
    posted_at timestamptz NOT NULL DEFAULT now(),
    superseded_at timestamptz,
    reversal_entry_id uuid
);
CREATE UNIQUE INDEX fund_revaluations_current ON fund_revaluations (month)
    WHERE superseded_at IS NULL;
COMMENT ON TABLE fund_revaluations IS
    'Month-end revaluation at UN operational rates: amount_minor in USD (positive a gain, negative a loss), the rates it used, its entry (NULL when zero). A rate corrected later supersedes it: its entry is reversed (reversal_entry_id) and a new row posted.';

CREATE TABLE fund_psc_charges (
    month date PRIMARY KEY CHECK (month = date_trunc('month', month)::date),
    base_minor bigint NOT NULL,
    rate text NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    entry_id uuid,
    charged_by text NOT NULL,
    charged_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE fund_psc_charges IS
    'Programme support costs charged for a month: rate (a decimal, settings fund.psc_rate) of base_minor, the month''s expenditure in USD; entry NULL when zero.';

CREATE TABLE fund_year_closes (
    year integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    surplus_minor bigint NOT NULL,
    reserve_minor bigint NOT NULL,
    entry_ids uuid[] NOT NULL,
    closed_by text NOT NULL,
    closed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE fund_year_closes IS
    'Year-end closes: the year''s surplus (deficit if negative) in USD moved into accumulated net assets, the operating reserve set, and the closing entries (left out of the year''s statement of financial performance).';

CREATE TABLE period_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    month date NOT NULL CHECK (month = date_trunc('month', month)::date),
    action text NOT NULL CHECK (action IN ('close', 'reopen')),
    reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    acknowledged jsonb NOT NULL DEFAULT '[]',
    by_name text NOT NULL,
    by_role text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE period_events IS
    'Every close and reopen of a month: who, when, why, and what open items finance acknowledged when closing.';

INSERT INTO settings (key, value) VALUES
    ('fund.psc_rate', '0.13'),
    ('fund.operating_reserve_rate', '0.15')
ON CONFLICT (key) DO NOTHING;

GRANT SELECT ON account_overdrafts, budget_lines, budgets, fund_allocations, fund_overruns,
    fund_revaluations, fund_psc_charges, fund_year_closes, period_events TO tfledger_daemon;
GRANT INSERT ON account_overdrafts, budgets, fund_allocations, fund_overruns,
    fund_revaluations, fund_psc_charges, fund_year_closes, period_events TO tfledger_daemon;
GRANT UPDATE, DELETE ON account_overdrafts TO tfledger_daemon;
GRANT UPDATE (used_by, used_at) ON fund_overruns TO tfledger_daemon;
GRANT UPDATE (superseded_at, reversal_entry_id) ON fund_revaluations TO tfledger_daemon;
GRANT DELETE ON fund_psc_charges TO tfledger_daemon;
GRANT DELETE ON closed_periods TO tfledger_daemon;
GRANT SELECT ON settings TO tfledger_daemon;

-- ledger_append() of 0006, with the bank accounts' floor after the
-- running balances move.
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
    'Completes an append (ledger/append.c) under the head lock: the new entries follow the head without a gap; running balances; no bank account (10NN-CCY) below minus its overdraft limit; the head moves to the last.';
GRANT EXECUTE ON FUNCTION ledger_append() TO tfledger_daemon;
