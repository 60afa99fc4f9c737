-- 0021_reconcile.sql: reconciliation of stored bank lines (0010) with the
-- fund's receivables (0020): see docs/fund.md. A bank line matched to a
-- pledge posts its receipt once (receipts.bank_line is UNIQUE) and becomes
-- 'matched' in the same transaction; doubtful lines become 'suggested' and
-- post nothing; the rest stay 'unmatched'.

-- The daemon (and the CLI working as it) reads the statements and moves
-- only the match status of a line.
GRANT SELECT ON bank_statements, bank_lines TO tfledger_daemon;
GRANT UPDATE (match_status) ON bank_lines TO tfledger_daemon;
