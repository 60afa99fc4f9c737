-- 0022_fund_http.sql: what tfledgerd needs to import camt.053 bank
-- statements itself (POST /v1/bank-statements, docs/bank-statements.md).
-- Until now only the CLI, connected as the owner, stored statements; the
-- daemon works as tfledger_daemon and only read them (0021). It may add
-- statements and lines and fill in a statement's totals after its lines;
-- it still changes nothing else of a stored line but its match status.

GRANT INSERT ON bank_statements, bank_lines TO tfledger_daemon;
GRANT UPDATE (entries, credits_minor, debits_minor, opening_minor, opening_date,
              closing_minor, closing_date) ON bank_statements TO tfledger_daemon;
GRANT USAGE ON SEQUENCE bank_statements_id_seq, bank_lines_id_seq TO tfledger_daemon;
