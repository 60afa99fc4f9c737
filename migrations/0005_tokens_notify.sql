-- 0005_tokens_notify.sql: tfledgerd keeps the tokens it has checked in
-- memory (ledger/token_cache.c); any change to the tokens table (create,
-- revoke) tells every listening daemon at commit to forget them, so that a
-- revoked token is refused by the next request (docs/ledger.md).

CREATE FUNCTION ledger_tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tfledger_tokens', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER tokens_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_tokens_changed();
COMMENT ON FUNCTION ledger_tokens_changed() IS
    'NOTIFY tfledger_tokens: daemons empty their token cache.';
