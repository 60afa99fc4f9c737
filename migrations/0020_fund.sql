-- 0020_fund.sql: the fund's books beside the journal: donors, pledges,
-- receipts, in-kind gifts and the UN operational rates of exchange
-- (docs/fund.md). ledger/fund.c validates everything before it writes;
-- the CHECK constraints repeat its invariants. Every figure that moves money
-- is ALSO an entry of the journal (0002), appended through ledger_post():
-- these tables say why an entry exists, the journal says what it did.

-- The CLI writes to the database directly (tfledger donors|pledges|... with
-- --database) and names the OS user in the audit trail; its entries need a
-- token id (entries.token_id). This row is that id: revoked from the start,
-- with a hash no token can have, so it can never authenticate an API call.
INSERT INTO tokens (id, name, role, sha256, revoked_at)
    VALUES ('0000000000000000', 'tfledger-cli-direct', 'finance', repeat('0', 64), now());

CREATE TABLE donors (
    id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9._-]{0,31}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    org_type   text NOT NULL CHECK (org_type IN ('10', '11', '15', '21', '22', '23', '24',
                                                 '30', '40', '60', '70', '71', '72', '73',
                                                 '80', '90')),
    country    char(3) CHECK (country ~ '^[A-Z]{3}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE donors IS
    'Who gives to the fund. org_type is an IATI OrganisationType code (10 government, '
    '40 multilateral, 70 private sector...); country is ISO 3166-1 alpha-3, NULL for '
    'a donor that has none (a multilateral such as the European Commission).';

CREATE TABLE pledges (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    donor        text NOT NULL REFERENCES donors (id),
    status       text NOT NULL CHECK (status IN ('indicative', 'signed', 'paid')),
    pledged_on   date NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    earmark      text NOT NULL DEFAULT 'none' CHECK (earmark IN ('none', 'travel')),
    agreement_no text UNIQUE CHECK (length(agreement_no) BETWEEN 1 AND 64),
    signed_on    date,
    entry_id     uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'indicative') = (entry_id IS NULL)),
    CHECK ((status = 'indicative') = (signed_on IS NULL)),
    CHECK (status = 'indicative' OR agreement_no IS NOT NULL)
);
CREATE INDEX pledges_donor ON pledges (donor);
COMMENT ON TABLE pledges IS
    'What donors promised. An indicative pledge is recorded and recognised nowhere; '
    'a signed agreement (agreement_no, signed_on) made entry_id: Dr receivable / Cr '
    'contribution revenue in the pledge currency. paid: receipts settled it whole.';

CREATE TABLE receipts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pledge           bigint NOT NULL REFERENCES pledges (id),
    received_on      date NOT NULL,
    bank_account     text NOT NULL REFERENCES accounts (code),
    amount_minor     bigint NOT NULL CHECK (amount_minor > 0),
    currency         char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    charges_minor    bigint NOT NULL DEFAULT 0 CHECK (charges_minor >= 0),
    instructed_minor bigint NOT NULL CHECK (instructed_minor > 0),
    instructed_currency char(3) NOT NULL CHECK (instructed_currency ~ '^[A-Z]{3}$'),
    settled_minor    bigint NOT NULL CHECK (settled_minor >= 0),
    advance_minor    bigint NOT NULL DEFAULT 0 CHECK (advance_minor >= 0),
    entry_id         uuid NOT NULL UNIQUE,
    bank_line        bigint UNIQUE REFERENCES bank_lines (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (settled_minor + advance_minor = instructed_minor),
    CHECK (currency <> instructed_currency OR amount_minor + charges_minor = instructed_minor)
);
CREATE INDEX receipts_pledge ON receipts (pledge);
COMMENT ON TABLE receipts IS
    'Money received against a signed pledge: amount_minor booked to bank_account in '
    'its currency; instructed_minor is what the donor sent, in the pledge currency; '
    'charges_minor (bank currency) the bank kept; settled_minor went to the receivable '
    'and advance_minor (an allowed over-payment) to advance receipts. entry_id is the '
    'journal entry that did it; bank_line the statement line it was matched to.';

CREATE TABLE inkind_gifts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    donor        text NOT NULL REFERENCES donors (id),
    kind         text NOT NULL CHECK (kind IN ('service', 'goods')),
    description  text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    period_start date NOT NULL,
    period_end   date NOT NULL,
    entry_id     uuid NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (period_end >= period_start)
);
COMMENT ON TABLE inkind_gifts IS
    'Contributions in kind at fair value (amount_minor of currency) for a period. '
    'Services are disclosed in memo accounts, not revenue (IPSAS 23); goods are '
    'recognised as expense and in-kind revenue (docs/fund.md). entry_id made it.';

CREATE TABLE exchange_rates (
    currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$' AND currency <> 'USD'),
    month        text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    usd_mantissa bigint NOT NULL CHECK (usd_mantissa > 0),
    usd_scale    smallint NOT NULL CHECK (usd_scale BETWEEN 0 AND 12),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (currency, month)
);
COMMENT ON TABLE exchange_rates IS
    'UN operational rates of exchange: USD per unit of currency for a month, exactly '
    'usd_mantissa / 10^usd_scale (never a float). USD itself is 1 and not stored. '
    'A rate, once loaded, is not changed.';

-- entry_id names the journal entry a row made. It is not a foreign key: a
-- table referencing entries would make TRUNCATE of the journal fail on the
-- foreign-key check before the journal's own append-only trigger speaks
-- (0002). This trigger checks the entry exists instead; the journal is
-- append-only, so the id cannot dangle later.
CREATE FUNCTION fund_entry_exists() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.entry_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM entries WHERE id = NEW.entry_id) THEN
        RAISE EXCEPTION '%: entry % is not in the journal', TG_TABLE_NAME, NEW.entry_id
            USING ERRCODE = 'P0001';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER pledges_entry_exists BEFORE INSERT OR UPDATE OF entry_id ON pledges
    FOR EACH ROW EXECUTE FUNCTION fund_entry_exists();
CREATE TRIGGER receipts_entry_exists BEFORE INSERT ON receipts
    FOR EACH ROW EXECUTE FUNCTION fund_entry_exists();
CREATE TRIGGER inkind_gifts_entry_exists BEFORE INSERT ON inkind_gifts
    FOR EACH ROW EXECUTE FUNCTION fund_entry_exists();

-- The daemon (and the CLI, which works as the same role) reads everything
-- here, adds rows, and changes only a pledge's signature and status.
GRANT SELECT, INSERT ON donors, pledges, receipts, inkind_gifts, exchange_rates
    TO tfledger_daemon;
GRANT UPDATE (status, amount_minor, agreement_no, signed_on, entry_id) ON pledges
    TO tfledger_daemon;
