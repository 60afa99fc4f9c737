-- 0042_reconcile_both_ways.sql: reconciliation on both sides of the bank
-- account (docs/fund.md, "Reconciliation"). A bank line, credit or debit,
-- is matched to ONE posting of the ledger's bank account (10xx-CCY) that
-- it is: a receipt, a travel settlement, a charge, a transfer between the
-- fund's accounts, a refund. A posting is matched to one line at most.
-- Rejected suggestions are remembered so that they are not offered again.
-- A reconciliation signed off by finance for a bank account up to a day
-- locks every match of lines dated up to that day until an admin reopens
-- it; the trigger below refuses the change even if the code forgot.

-- The bank's transaction code says what a line it is (charges, interest):
-- camt BkTxCd as DOMAIN/FAMILY/SUBFAMILY ("ACMT/MDOP/CHRG"), else
-- "prtry:<Prtry/Cd>"; MT940 :61: type as "swift:<code>" ("swift:NCHG").
ALTER TABLE bank_lines ADD COLUMN bank_tx_code text
    CHECK (length(bank_tx_code) BETWEEN 1 AND 255);

CREATE TABLE bank_line_matches (
    bank_line  bigint PRIMARY KEY REFERENCES bank_lines (id),
    entry_id   uuid NOT NULL,
    line       int NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('receipt', 'payment', 'charge', 'interest',
                                             'transfer', 'refund', 'other')),
    how        text NOT NULL CHECK (how IN ('auto', 'confirmed', 'recorded')),
    matched_by text NOT NULL CHECK (length(matched_by) BETWEEN 1 AND 200),
    matched_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (entry_id, line) REFERENCES postings (entry_id, line),
    UNIQUE (entry_id, line)
);
COMMENT ON TABLE bank_line_matches IS
    'Which posting of the ledger''s bank account each matched bank line is (one to one). '
    'how: auto (reconcile found exactly one sure candidate), confirmed (a person '
    'confirmed a suggestion), recorded (the entry was posted from the line).';

-- The receipts reconcile posted before: their posting on the bank account.
INSERT INTO bank_line_matches (bank_line, entry_id, line, kind, how, matched_by, matched_at)
SELECT r.bank_line, p.entry_id, p.line, 'receipt', 'auto', 'migration 0042', r.created_at
  FROM receipts r
  JOIN postings p ON p.entry_id = r.entry_id AND p.account = r.bank_account
                 AND p.side = 'debit'
 WHERE r.bank_line IS NOT NULL;

CREATE TABLE bank_line_rejections (
    bank_line   bigint NOT NULL REFERENCES bank_lines (id),
    candidate   text NOT NULL CHECK (candidate ~ '^(posting:[0-9a-f-]{36}/[0-9]+|pledge:[0-9]+)$'),
    rejected_by text NOT NULL CHECK (length(rejected_by) BETWEEN 1 AND 200),
    rejected_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bank_line, candidate)
);
COMMENT ON TABLE bank_line_rejections IS
    'A suggestion a person rejected: candidate is posting:<entry uuid>/<line> or '
    'pledge:<id>; it is not suggested for that bank line again.';

CREATE TABLE reconciliation_signoffs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account        text NOT NULL REFERENCES accounts (code) CHECK (account ~ '^10'),
    statement_account text NOT NULL,
    period_end     date NOT NULL,
    bank_closing_minor bigint NOT NULL,
    ledger_minor   bigint NOT NULL,
    signed_by      text NOT NULL CHECK (length(signed_by) BETWEEN 1 AND 200),
    signed_at      timestamptz NOT NULL DEFAULT now(),
    reopened_by    text CHECK (length(reopened_by) BETWEEN 1 AND 200),
    reopened_at    timestamptz,
    reopen_reason  text CHECK (length(reopen_reason) BETWEEN 1 AND 1000),
    CHECK ((reopened_by IS NULL) = (reopened_at IS NULL)),
    CHECK ((reopened_at IS NULL) = (reopen_reason IS NULL))
);
CREATE UNIQUE INDEX reconciliation_signoffs_open
    ON reconciliation_signoffs (account, statement_account, period_end)
    WHERE reopened_at IS NULL;
COMMENT ON TABLE reconciliation_signoffs IS
    'A reconciliation of one bank account and statement account up to period_end, '
    'signed off by finance: bank lines dated up to period_end keep their matches '
    'until an admin reopens it (reopened_*). Rows are never deleted.';

-- The day a bank line counts on: booking date, else value date, else its
-- statement's closing date (as reconcile and the reports date it).
CREATE FUNCTION bank_line_day(line_id bigint) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(l.booking_date, l.value_date, s.closing_date)
      FROM bank_lines l JOIN bank_statements s ON s.id = l.statement
     WHERE l.id = line_id
$$;

-- Refuses a change of a locked line's match, match status or rejections,
-- with SQLSTATE TL001 (tfledger's own class TL), which common/db.c answers
-- as 409 reconciliation-locked whichever code path ran into it.
CREATE FUNCTION bank_line_lock_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    line_id bigint;
    day date;
    stmt_account text;
    locked_to date;
BEGIN
    IF TG_TABLE_NAME = 'bank_lines' THEN
        line_id := OLD.id;
    ELSIF TG_OP = 'DELETE' THEN
        line_id := OLD.bank_line;
    ELSE
        line_id := NEW.bank_line;
    END IF;
    SELECT bank_line_day(line_id), l.account INTO day, stmt_account
      FROM bank_lines l WHERE l.id = line_id;
    SELECT max(period_end) INTO locked_to
      FROM reconciliation_signoffs
     WHERE statement_account = stmt_account AND reopened_at IS NULL;
    IF locked_to IS NOT NULL AND day <= locked_to THEN
        RAISE EXCEPTION 'reconciliation-locked: bank line % (%) is in a reconciliation '
                        'signed off up to %', line_id, day, locked_to
              USING ERRCODE = 'TL001';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER bank_line_matches_lock BEFORE INSERT OR UPDATE OR DELETE ON bank_line_matches
    FOR EACH ROW EXECUTE FUNCTION bank_line_lock_check();
CREATE TRIGGER bank_line_rejections_lock BEFORE INSERT OR UPDATE OR DELETE
    ON bank_line_rejections FOR EACH ROW EXECUTE FUNCTION bank_line_lock_check();
CREATE TRIGGER bank_lines_status_lock BEFORE UPDATE OF match_status ON bank_lines
    FOR EACH ROW WHEN (OLD.match_status IS DISTINCT FROM NEW.match_status)
    EXECUTE FUNCTION bank_line_lock_check();

GRANT SELECT, INSERT, DELETE ON bank_line_matches, bank_line_rejections TO tfledger_daemon;
GRANT SELECT, INSERT ON reconciliation_signoffs TO tfledger_daemon;
GRANT UPDATE (reopened_by, reopened_at, reopen_reason) ON reconciliation_signoffs
    TO tfledger_daemon;
