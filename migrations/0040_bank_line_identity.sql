-- 0040_bank_line_identity.sql: each bank line stored once, and no line ever
-- lost (docs/bank-statements.md, "Each bank line stored once").
--
-- The key of 0010 was the bank's AcctSvcrRef when present; banks reuse one
-- servicer reference for different entries, and such lines were dropped as
-- duplicates. The key is now a hash over what tells a payment apart plus
-- its occurrence among equal lines of its statement; a second, wider
-- fingerprint tells a re-reported line (a duplicate) from a different line
-- whose key is taken (stored under key~n, with a warning). The two SQL
-- functions below are the formula of bank/statements.c (line_base,
-- line_fingerprint) and the one place the occurrence is added
-- (bank_line_key); the keys of stored lines are recomputed with them so that
-- a file imported before this migration stores nothing new after it.
--
-- Entries booked in another currency than the account's are read now:
-- amount_minor/currency are the account-currency amount from AmtDtls, or
-- the line's own when the bank gave none (review says so).

-- The SHA-256 hex of the fields that tell a payment apart, joined by the
-- unit separator 0x1F, absent fields as ''. Parties and remittance count
-- only for a line without any reference (bank, transaction or end-to-end).
CREATE FUNCTION bank_line_base(account text, own_currency text, own_amount_minor bigint,
                               side text, reversal boolean, value_date date,
                               booking_date date, bank_ref text, tx_ref text,
                               end_to_end_id text, remittance text,
                               remittance_refs text, debtor_name text,
                               creditor_name text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT encode(sha256(convert_to(concat_ws(E'\x1f', 'line-1', account, own_currency,
        own_amount_minor::text, side, CASE WHEN reversal THEN 'reversal' ELSE '' END,
        coalesce(to_char(coalesce(value_date, booking_date), 'YYYY-MM-DD'), ''),
        coalesce(bank_ref, ''), coalesce(tx_ref, ''), coalesce(end_to_end_id, ''),
        CASE WHEN unreferenced THEN coalesce(remittance, '') ELSE '' END,
        CASE WHEN unreferenced THEN coalesce(remittance_refs, '') ELSE '' END,
        CASE WHEN unreferenced THEN coalesce(debtor_name, '') ELSE '' END,
        CASE WHEN unreferenced THEN coalesce(creditor_name, '') ELSE '' END), 'UTF8')), 'hex')
      FROM (SELECT coalesce(bank_ref, '') = '' AND coalesce(tx_ref, '') = ''
                   AND coalesce(end_to_end_id, '') IN ('', 'NOTPROVIDED') AS unreferenced) u
$$;

-- The line key: the base hash and the line's occurrence (0, 1, ...) among
-- the lines of its statement with that base and that fingerprint (equal
-- lines: two identical payments of one day are two lines), in file order.
CREATE FUNCTION bank_line_key(base text, occurrence bigint)
RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT 'sha256:' || encode(sha256(convert_to(base || E'\x1f' || occurrence::text,
                                                 'UTF8')), 'hex')
$$;

-- What a line says beyond its key: the parties and the remittance.
CREATE FUNCTION bank_line_fingerprint(debtor_name text, creditor_name text,
                                      remittance text, remittance_refs text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT encode(sha256(convert_to(concat_ws(E'\x1f', 'content-1', coalesce(debtor_name, ''),
        coalesce(creditor_name, ''), coalesce(remittance, ''), coalesce(remittance_refs, '')),
        'UTF8')), 'hex')
$$;

ALTER TABLE bank_lines
    ADD COLUMN ntry_ref text CHECK (length(ntry_ref) BETWEEN 1 AND 255),
    ADD COLUMN own_amount_minor bigint CHECK (own_amount_minor > 0),
    ADD COLUMN own_currency char(3) CHECK (own_currency ~ '^[A-Z]{3}$'),
    ADD COLUMN account_amount_from text
        CHECK (account_amount_from IN ('CntrValAmt', 'TxAmt', 'InstdAmt')),
    ADD COLUMN exchange_rate text CHECK (exchange_rate ~ '^([0-9]+\.?[0-9]*|\.[0-9]+)$'),
    ADD COLUMN review text CHECK (length(review) BETWEEN 1 AND 255),
    ADD COLUMN content_sha256 char(64);

-- Lines stored before were all in the account's currency, as written.
UPDATE bank_lines SET own_amount_minor = amount_minor, own_currency = currency,
    content_sha256 = bank_line_fingerprint(debtor_name, creditor_name, remittance,
                                           remittance_refs);

-- The new keys; the unique constraint holds at every row, so the old keys
-- are moved out of the way first. Two stored lines that get one key (a key
-- the old formula told apart) keep both, the later one as key~n, as an
-- import does with a different line whose key is taken.
ALTER TABLE bank_lines DROP CONSTRAINT bank_lines_line_key_check;
UPDATE bank_lines SET line_key = 'migrating:' || id;
WITH based AS (
    SELECT id, account, statement, entry_index, tx_index, content_sha256,
           bank_line_base(account, own_currency, own_amount_minor, side, reversal, value_date,
                          booking_date, bank_ref, tx_ref, end_to_end_id, remittance,
                          remittance_refs, debtor_name, creditor_name) AS base
      FROM bank_lines
), keyed AS (
    SELECT id, account,
           bank_line_key(base, row_number() OVER (PARTITION BY statement, base, content_sha256
                                                  ORDER BY entry_index, tx_index, id) - 1) AS k
      FROM based
), unique_keys AS (
    SELECT id, k || CASE WHEN n > 1 THEN '~' || (n - 1) ELSE '' END AS k
      FROM (SELECT id, k, row_number() OVER (PARTITION BY account, k ORDER BY id) AS n
              FROM keyed) x
)
UPDATE bank_lines l SET line_key = u.k FROM unique_keys u WHERE u.id = l.id;

ALTER TABLE bank_lines
    ALTER COLUMN own_amount_minor SET NOT NULL,
    ALTER COLUMN own_currency SET NOT NULL,
    ALTER COLUMN content_sha256 SET NOT NULL,
    -- the shape of a key and a fingerprint, checked without a regular
    -- expression: two regexes over 64 hex digits doubled the cost of
    -- storing a line (bench/README.md); the digits are bank/statements.c's
    ADD CONSTRAINT bank_lines_line_key_check
        CHECK (starts_with(line_key, 'sha256:') AND length(line_key) BETWEEN 71 AND 82),
    ADD CONSTRAINT bank_lines_content_sha256_check CHECK (octet_length(content_sha256) = 64),
    ADD CONSTRAINT bank_lines_review_currency
        CHECK (review IS NOT NULL OR account_amount_from IS NOT NULL
               OR (amount_minor = own_amount_minor AND currency = own_currency));

COMMENT ON TABLE bank_lines IS
    'One bank line per row: a camt.053 Ntry, or one TxDtls of a batch booking '
    '(tx_index > 0). Stored once per (account, line_key): line_key is '
    'bank_line_key(bank_line_base(...), occurrence), with ~n when a different line '
    'had the key first (docs/bank-statements.md). amount_minor is in currency: the '
    'account''s, unless review is set; own_amount_minor/own_currency are the amount '
    'as the bank wrote it. Instructed and charges amounts keep their own currency. '
    'match_status is for reconciliation.';
COMMENT ON COLUMN bank_lines.ntry_ref IS 'Ntry/NtryRef (not part of the key: it differs '
    'between a bank''s intraday report, notification and statement).';
COMMENT ON COLUMN bank_lines.account_amount_from IS
    'The AmtDtls element that gave amount_minor for an entry booked in another currency '
    '(own_currency); NULL when Ntry/Amt was in the account''s currency.';
COMMENT ON COLUMN bank_lines.exchange_rate IS 'CcyXchg/XchgRate as the bank wrote it.';
COMMENT ON COLUMN bank_lines.review IS
    'Why a person must look at the line (foreign-currency: no account-currency amount); '
    'such a line is not in its statement''s credits/debits.';
COMMENT ON COLUMN bank_lines.content_sha256 IS
    'bank_line_fingerprint: tells a line reported again (same key and fingerprint: a '
    'duplicate) from a different line whose key is taken.';
