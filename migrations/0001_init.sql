-- 0001_init.sql: the ground every later migration stands on.
-- schema_migrations itself is created by tfledger migrate before this runs.

-- The fund this database keeps the books of: one row per setting, written by
-- `tfledger fund init` and read by reports (fund id, name, base currency).
CREATE TABLE settings (
    key   text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]{0,62}$'),
    value text NOT NULL CHECK (length(value) <= 4096)
);
COMMENT ON TABLE settings IS
    'Fund-wide settings (fund.id, fund.name, fund.base_currency...): one row per key.';

INSERT INTO settings (key, value) VALUES
    ('fund.id', 'IGF-TF'),
    ('fund.name', 'Internet Governance Forum Trust Fund'),
    ('fund.base_currency', 'USD');
