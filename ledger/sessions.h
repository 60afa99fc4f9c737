/*
 * sessions.h - the web workspace's sign-in (sessions.c; docs/workspace.md
 * "Sessions"): a person signs in with their name and password and their
 * browser holds a session, a random cookie of which the database keeps only
 * the SHA-256, with the CSRF token its writes must echo. The daemon asks
 * here on every request that comes with the cookie, as it asks people.c of
 * tokens, so a sign-out or a disabled user holds from the next request.
 *
 * Failed sign-ins are counted per name tried: LIMIT_SIGN_IN_FAILURES within
 * LIMIT_SIGN_IN_WINDOW_S lock the name for LIMIT_SIGN_IN_LOCK_S (common/
 * limits.h), the right password refused too. Each failure, each lock, each
 * sign-in and each sign-out is an audit row naming the person (or the name
 * tried); a password is never stored, logged nor audited.
 *
 * Each session owns a token (tokens.id, its secret thrown away when made)
 * so that its writes name a token like every write (entries.token_id,
 * audit.token_name); revoking that token ends the session too.
 */
#ifndef TFLEDGER_LEDGER_SESSIONS_H
#define TFLEDGER_LEDGER_SESSIONS_H

#include <jansson.h>
#include <libpq-fe.h>

#include "common/hash.h"
#include "ledger/ledger.h"

/* Prepares sessions.c's statements on c (the daemon's pooled connections). */
int ledger_sessions_setup(PGconn *c);

/* Where a sign-in comes from: the client's address (for the failures
 * table, "" if unknown) and the request id (for the audit rows). */
struct ledger_sign_in_from {
	const char *client;
	const char *request_id;
};

/*
 * Signs name in with password (argon2id through ledger_user_password_check):
 * a new session; out_cookie (64 hex digits: 32 random bytes) is what the
 * browser keeps, *out {"user","roles","csrf","idle_timeout_s"} (caller
 * owns). Audited "session.create". Failures:
 *   - the name is locked: ERR_LIMIT with EC_TOO_MANY_REQUESTS, *out_retry_s
 *     the seconds until it opens (the password is not looked at);
 *   - an unknown name, a wrong password, a disabled user, a user without a
 *     password: EC_UNAUTHENTICATED "unknown name or wrong password", the
 *     same for each; the failure is stored and audited ("session.fail",
 *     user_name the name tried) and the one that reaches the limit locks
 *     the name ("session.lock") and says so.
 * name and password were checked as text by the caller (the JSON door).
 */
int ledger_sign_in(char out_cookie[HASH_HEX_BYTES], json_t **out, int *out_retry_s, PGconn *c,
		   const char *name, const char *password, const struct ledger_sign_in_from *from);

/*
 * Records a wrong password given by the person signed in as user for an
 * action that asks for it again (a password change): counted and audited
 * like a failed sign-in, and may lock the name. 0 or a database failure.
 */
int ledger_sign_in_failed(PGconn *c, const char *user, const struct ledger_sign_in_from *from);

/*
 * The session whose cookie is cookie, its last_seen moved to now: the
 * person as a token check gives it (out: the session's token id and name,
 * the user, their roles) and out_csrf. ERR_NOTFOUND "session expired or
 * ended; sign in again" for a malformed or unknown cookie, an ended session
 * (signed out, its token revoked), one idle longer than web.session_idle_s
 * and one of a disabled user.
 */
int ledger_session_check(struct ledger_token *out, char out_csrf[HASH_HEX_BYTES], PGconn *c,
			 const char *cookie);

/* The idle timeout in force (settings web.session_idle_s, else
 * LIMIT_SESSION_IDLE_S), in seconds. */
int ledger_session_idle_s(int *out, PGconn *c);

/*
 * Ends the session of token_id (ledger_session_check's out->id) on the
 * server: its cookie is refused from the next request. Audited
 * "session.end" as who. ERR_NOTFOUND if token_id is no open session's.
 */
int ledger_session_end(PGconn *c, const char *token_id, const struct ledger_actor *who);

#endif
