-- 0067_currency_totals.sql: no total of a report can leave 64 bits
-- (issue 16 item 5; docs/ledger.md "Amounts and their bounds").
--
-- Every figure a report adds up in one currency (a trial balance's
-- columns, a period's movements, a statement's sections) is a sum of
-- some of that currency's postings, debits or credits, with or without
-- sign. Each entry balances per currency, so all of them together are at
-- most the sum of the currency's debit postings. Keeping that sum at or
-- below 9223372036854775807 minor units therefore keeps every such total
-- in a bigint, and a report of any period stays answerable. The sum is
-- kept here, in the transaction that copies the postings; an append that
-- would pass the bound is refused ('currency-total', mapped by
-- ledger/append.c to 422 amount-overflow) and nothing of it is stored.

CREATE TABLE ledger_currency_totals (
    currency character(3) PRIMARY KEY CHECK (currency ~ '^[A-Z]{3}$'),
    debits bigint NOT NULL CHECK (debits >= 0)
);
COMMENT ON TABLE ledger_currency_totals IS
    'Per currency, the sum of the amounts of all its debit postings (= of its credit postings): '
    'the bound of every report total in that currency, at most 9223372036854775807 minor units. '
    'Derived data, kept by postings_currency_totals() in the transaction of the postings.';

INSERT INTO ledger_currency_totals (currency, debits)
    SELECT currency, LEAST(sum(amount), 9223372036854775807)::bigint
        FROM postings WHERE side = 'debit' GROUP BY currency;

-- Currencies in order, one row at a time: two appends lock them in the
-- same order and cannot deadlock on them.
CREATE FUNCTION postings_currency_totals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
DECLARE
    add record;
    had bigint;
BEGIN
    FOR add IN SELECT currency, sum(amount) AS debits FROM new_postings
                   WHERE side = 'debit' GROUP BY currency ORDER BY currency LOOP
        INSERT INTO ledger_currency_totals AS t (currency, debits) VALUES (add.currency, 0)
            ON CONFLICT (currency) DO NOTHING;
        SELECT t.debits INTO had FROM ledger_currency_totals t
            WHERE t.currency = add.currency FOR UPDATE;
        IF had::numeric + add.debits > 9223372036854775807 THEN
            RAISE EXCEPTION 'currency-total % % %', add.currency, had, add.debits
                USING ERRCODE = 'P0001';
        END IF;
        UPDATE ledger_currency_totals t SET debits = had + add.debits::bigint
            WHERE t.currency = add.currency;
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION postings_currency_totals() IS
    'Adds the debit postings just copied to ledger_currency_totals, or refuses them with '
    '''currency-total CURRENCY HAD ADDED'' when a currency''s sum would pass 9223372036854775807.';

CREATE TRIGGER postings_currency_totals AFTER INSERT ON postings
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION postings_currency_totals();
