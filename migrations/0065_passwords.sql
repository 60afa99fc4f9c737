-- 0065_passwords.sql: a person's password, for the workspace's sign-in
-- (issue 15 stores it; the web sign-in that checks it is issue 17;
-- docs/people.md "Passwords").
--
-- Only an argon2id hash is kept, as the PHC string libargon2 writes
-- ($argon2id$v=19$m=...,t=...,p=...$salt$hash): the salt and the
-- parameters travel with the hash, so stronger parameters later do not
-- invalidate the passwords set before. NULL: the person has no password
-- and works with tokens only. The hash is never answered by the API.

ALTER TABLE users ADD COLUMN password_hash text
    CHECK (password_hash LIKE '$argon2id$%' AND length(password_hash) <= 512);
ALTER TABLE users ADD COLUMN password_set_at timestamptz;
ALTER TABLE users ADD CONSTRAINT users_password_set_both
    CHECK ((password_hash IS NULL) = (password_set_at IS NULL));
COMMENT ON COLUMN users.password_hash IS
    'The person''s password as an argon2id PHC string ($argon2id$v=19$m=,t=,p=$salt$hash), '
    'never the password; NULL: no password (tokens only).';
COMMENT ON COLUMN users.password_set_at IS
    'When the password was last set (NULL with the hash).';

GRANT UPDATE (password_hash, password_set_at) ON users TO tfledger_daemon;
