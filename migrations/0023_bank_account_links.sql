-- 0023_bank_account_links.sql: which of the ledger's bank accounts (10xx-CCY)
-- each statement account is (the IBAN, or the bank's other account id, as
-- bank_statements.account holds it), so that reconciliation can be asked
-- for with the ledger's account alone (docs/fund.md, "Bank accounts").
-- A statement account belongs to one ledger account; a ledger account may
-- have several statement accounts (then reconcile needs to be told which).

CREATE TABLE bank_account_links (
    statement_account text PRIMARY KEY
                      CHECK (statement_account ~ '^[A-Za-z0-9]'
                             AND length(statement_account) <= 255),
    account           text NOT NULL REFERENCES accounts (code) CHECK (account ~ '^10'),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bank_account_links_account ON bank_account_links (account);
COMMENT ON TABLE bank_account_links IS
    'The ledger bank account (10xx-CCY) of each statement account (IBAN or other '
    'id of camt.053 Acct/Id); written by tfledger bank-accounts link and '
    'POST /v1/bank-accounts/links, never changed (a wrong link is a conflict).';

GRANT SELECT, INSERT ON bank_account_links TO tfledger_daemon;
