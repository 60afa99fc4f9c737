-- 0066_sessions.sql: the web workspace's sign-in (issue 17; docs/workspace.md
-- "Sessions").
--
-- A session is what a browser holds after a person signed in with their
-- name and password: a random cookie of which only the SHA-256 is kept
-- here (a copy of this table signs no one in), the CSRF token every write
-- of the session must echo, and its life: made, last seen, ended by
-- sign-out. An admin who revokes the session's token (or disables its
-- user) ends it too: the daemon's lookup refuses it. The daemon looks the
-- session up on every request, as it does tokens, so an end or a disabled
-- user holds from the next request; one idle longer than web.session_idle_s
-- seconds is refused.
--
-- Each session has a token of its own (tokens.id, never usable as a bearer
-- token: its secret was thrown away when it was made), so that what the
-- session writes names a token as every write does (entries.token_id,
-- audit.token_name) and the person's token list shows their sessions.
--
-- Failed sign-ins are counted per name tried (the name need not exist):
-- LIMIT_SIGN_IN_FAILURES within LIMIT_SIGN_IN_WINDOW_S lock the name for
-- LIMIT_SIGN_IN_LOCK_S (common/limits.h). The password tried is never kept.

CREATE TABLE sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sha256       char(64) NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    csrf         char(64) NOT NULL CHECK (csrf ~ '^[0-9a-f]{64}$'),
    user_id      bigint NOT NULL REFERENCES users (id),
    token_id     text NOT NULL UNIQUE REFERENCES tokens (id),
    client       text NOT NULL DEFAULT '' CHECK (length(client) <= 64),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen    timestamptz NOT NULL DEFAULT now(),
    ended_at     timestamptz,
    ended_reason text CHECK (ended_reason IN ('sign-out')),
    CHECK ((ended_at IS NULL) = (ended_reason IS NULL))
);
CREATE INDEX sessions_user ON sessions (user_id);
COMMENT ON TABLE sessions IS
    'Signed-in browser sessions: the SHA-256 of the cookie (never the cookie), the CSRF '
    'token its writes must carry, its user and token, from which address, when made, last '
    'seen and ended (sign-out); a revoked token or a disabled user ends it as well.';
COMMENT ON COLUMN sessions.csrf IS
    'The CSRF token: every request of the session but GET and HEAD carries it in X-CSRF-Token.';

CREATE TABLE sign_in_failures (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name   text NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
    at     timestamptz NOT NULL DEFAULT now(),
    client text NOT NULL DEFAULT '' CHECK (length(client) <= 64)
);
CREATE INDEX sign_in_failures_name_at ON sign_in_failures (name, at);
COMMENT ON TABLE sign_in_failures IS
    'Failed sign-ins by the name tried (which need not exist), never the password; a '
    'successful sign-in of the name deletes its failures, and so does the next failure '
    'those older than the window. Each is also an audit row (session.fail).';

CREATE TABLE sign_in_locks (
    name   text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 256),
    at     timestamptz NOT NULL DEFAULT now(),
    until  timestamptz NOT NULL,
    CHECK (until > at)
);
COMMENT ON TABLE sign_in_locks IS
    'A name locked after too many failed sign-ins: no sign-in as it, right password or '
    'not, before until. Each lock is also an audit row (session.lock).';

INSERT INTO settings (key, value) VALUES ('web.session_idle_s', '900');

GRANT SELECT, INSERT ON sessions, sign_in_failures, sign_in_locks TO tfledger_daemon;
GRANT UPDATE (last_seen, ended_at, ended_reason) ON sessions TO tfledger_daemon;
GRANT UPDATE (at, until) ON sign_in_locks TO tfledger_daemon;
GRANT DELETE ON sign_in_failures TO tfledger_daemon;
