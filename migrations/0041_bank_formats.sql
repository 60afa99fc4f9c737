-- 0041_bank_formats.sql: the kind of file each bank statement came from
-- (docs/bank-statements.md, "Other formats"). camt.052 reports and camt.054
-- notifications are stored as statements beside camt.053 ones, with the
-- same camt versions; an MT940 statement has no camt version. Rows stored
-- before came from camt.053 files only, hence the default.

ALTER TABLE bank_statements
    ADD COLUMN format text NOT NULL DEFAULT 'camt.053'
        CHECK (format IN ('camt.053', 'camt.052', 'camt.054', 'mt940'));

-- camt_version keeps its CHECK (001.02, 001.04, 001.08); it is NULL exactly
-- for MT940.
ALTER TABLE bank_statements ALTER COLUMN camt_version DROP NOT NULL;
ALTER TABLE bank_statements ADD CONSTRAINT bank_statements_format_version_check
    CHECK ((format = 'mt940') = (camt_version IS NULL));

COMMENT ON COLUMN bank_statements.format IS
    'The file''s format: camt.053 statement (Stmt), camt.052 intraday report (Rpt), '
    'camt.054 debit/credit notification (Ntfctn), or SWIFT MT940; statement_id is '
    'Stmt/Id, Rpt/Id, Ntfctn/Id, or for MT940 ":20:/:28C:/opening balance date".';
