-- 0043_camt_versions.sql: bank_statements.camt_version takes every
-- camt.053 version the reader reads, 001.02 to 001.08 (bank/camt.c,
-- VERSIONS): real banks send 001.05 and 001.06 too
-- (tests/data/camt/CORPUS.md), and they have the shape of 001.04.
ALTER TABLE bank_statements DROP CONSTRAINT bank_statements_camt_version_check;
ALTER TABLE bank_statements ADD CONSTRAINT bank_statements_camt_version_check
    CHECK (camt_version IN ('001.02', '001.03', '001.04', '001.05', '001.06',
                            '001.07', '001.08'));
