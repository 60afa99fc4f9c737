-- 0070_tokens_in_the_append.sql: the writer's transaction checks the
-- tokens it stores entries under (issue 18).
--
-- tfledgerd answered every request's token from the database, one round
-- trip before the work: for a single-entry POST that was a fifth of its
-- CPU (bench/README.md). Its appends (POST /v1/entries and
-- /v1/entries/batch) now take the token from memory, and the writer's
-- transaction that stores the entries asks ledger_tokens_hold() first:
-- each submit's token is neither revoked nor of a disabled user, and the
-- user still holds the role the request acted in. So a revoke, a user
-- disabled or a role withdrawn holds for every append that starts after
-- it returned, as for every other request: nothing is stored, the request
-- is answered 401 or 403 and the daemon forgets the token.
--
-- pairs: 'TOKEN_ID ROLE', one per submit. The first one refused raises
-- 'token-refused TOKEN_ID' or 'role-refused TOKEN_ID ROLE', read by
-- ledger/append.c.

CREATE FUNCTION ledger_tokens_hold(pairs text[]) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
DECLARE
    bad record;
BEGIN
    SELECT p.id, p.role, u.id IS NULL AS gone INTO bad
        FROM (SELECT DISTINCT split_part(x, ' ', 1) AS id, split_part(x, ' ', 2) AS role
              FROM unnest(pairs) AS x) p
        LEFT JOIN tokens t ON t.id = p.id AND t.revoked_at IS NULL
        LEFT JOIN users u ON u.id = t.user_id AND u.disabled_at IS NULL
        WHERE u.id IS NULL
           OR NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = p.role)
        ORDER BY p.id, p.role LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    ELSIF bad.gone THEN
        RAISE EXCEPTION 'token-refused %', bad.id USING ERRCODE = 'P0001',
            DETAIL = 'the token was revoked or its user disabled';
    END IF;
    RAISE EXCEPTION 'role-refused % %', bad.id, bad.role USING ERRCODE = 'P0001',
        DETAIL = 'the user no longer holds the role the request acted in';
END
$$;
COMMENT ON FUNCTION ledger_tokens_hold(text[]) IS
    'Refuses (''token-refused ID'', ''role-refused ID ROLE'') the first of pairs (''TOKEN_ID ROLE'') '
    'whose token is revoked, whose user is disabled or no longer holds ROLE: the writer''s '
    'transaction asks it before it stores entries (ledger/append.c).';
REVOKE ALL ON FUNCTION ledger_tokens_hold(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_tokens_hold(text[]) TO tfledger_daemon;
