-- 0010_bank_statements.sql: bank statements imported from camt.053 files and
-- their bank lines, each line stored once (see docs/bank-statements.md).
--
-- ledger/statements.c validates everything before it writes; the CHECK
-- constraints repeat its invariants (amounts in minor units > 0, a side, an
-- ISO 4217 code) so that the database defends itself too. Reconciliation
-- with the ledger comes later and only moves bank_lines.match_status.

CREATE TABLE bank_statements (
    id             bigserial PRIMARY KEY,
    account        text NOT NULL CHECK (account ~ '^[A-Za-z0-9]' AND length(account) <= 255),
    statement_id   text NOT NULL CHECK (length(statement_id) BETWEEN 1 AND 255),
    currency       char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    camt_version   text NOT NULL CHECK (camt_version IN ('001.02', '001.04', '001.08')),
    file_name      text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 4096),
    file_sha256    char(64) NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    entries        integer NOT NULL DEFAULT 0 CHECK (entries >= 0),
    credits_minor  bigint NOT NULL DEFAULT 0 CHECK (credits_minor >= 0),
    debits_minor   bigint NOT NULL DEFAULT 0 CHECK (debits_minor >= 0),
    opening_minor  bigint,
    opening_date   date,
    closing_minor  bigint,
    closing_date   date,
    imported_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account, statement_id)
);
COMMENT ON TABLE bank_statements IS
    'One camt.053 Stmt per row, keyed by bank account and Stmt/Id; amounts are '
    'minor units of currency (the account''s); balances are signed, credit positive. '
    'A statement imported again keeps its first row.';

CREATE TABLE bank_lines (
    id                  bigserial PRIMARY KEY,
    statement           bigint NOT NULL REFERENCES bank_statements (id),
    account             text NOT NULL,
    line_key            text NOT NULL CHECK (line_key ~ '^(ref|txref|sha256):.'),
    entry_index         integer NOT NULL CHECK (entry_index > 0),
    tx_index            integer NOT NULL CHECK (tx_index >= 0),
    amount_minor        bigint NOT NULL CHECK (amount_minor > 0),
    currency            char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    side                text NOT NULL CHECK (side IN ('credit', 'debit')),
    reversal            boolean NOT NULL,
    status              text NOT NULL CHECK (length(status) BETWEEN 1 AND 255),
    booking_date        date,
    value_date          date,
    bank_ref            text,
    tx_ref              text,
    end_to_end_id       text,
    remittance          text,
    remittance_refs     text,
    debtor_name         text,
    creditor_name       text,
    instructed_minor    bigint CHECK (instructed_minor > 0),
    instructed_currency char(3) CHECK (instructed_currency ~ '^[A-Z]{3}$'),
    charges_minor       bigint CHECK (charges_minor >= 0),
    charges_currency    char(3) CHECK (charges_currency ~ '^[A-Z]{3}$'),
    match_status        text NOT NULL DEFAULT 'unmatched'
                        CHECK (match_status IN ('unmatched', 'suggested', 'matched')),
    imported_at         timestamptz NOT NULL DEFAULT now(),
    CHECK ((instructed_minor IS NULL) = (instructed_currency IS NULL)),
    CHECK ((charges_minor IS NULL) = (charges_currency IS NULL)),
    UNIQUE (account, line_key)
);
CREATE INDEX bank_lines_statement ON bank_lines (statement);
CREATE INDEX bank_lines_unmatched ON bank_lines (account) WHERE match_status = 'unmatched';
COMMENT ON TABLE bank_lines IS
    'One bank line per row: a camt.053 Ntry, or one TxDtls of a batch booking '
    '(tx_index > 0). Stored once per (account, line_key): line_key is ref:<AcctSvcrRef> '
    '(with /<tx_index> for a split batch), txref:<TxDtls AcctSvcrRef>, or the documented '
    'sha256 fallback. amount_minor is in the statement''s currency; instructed and '
    'charges amounts keep their own currency. match_status is for reconciliation.';
