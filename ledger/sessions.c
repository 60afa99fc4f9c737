/*
 * sessions.c - the web workspace's sign-in, sessions and lockout (see
 * sessions.h, docs/workspace.md "Sessions", migrations/0066_sessions.sql).
 *
 * The cookie is 32 random bytes from getrandom (through ledger_random_hex)
 * and only its SHA-256 is stored, as for tokens; the CSRF token is 32 more
 * random bytes, stored as is (it is no credential without the cookie). The
 * session is looked up in the database on every request (one indexed
 * UPDATE that also moves last_seen), never answered from memory.
 *
 * A failed sign-in, its count and the lock it may cause are one
 * transaction with their audit rows, serialised per name by an advisory
 * lock so that two guesses at once cannot both slip under the limit. The
 * password is passed to ledger_user_password_check and nowhere else.
 */
#include "ledger/sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/limits.h"
#include "ledger/people.h"

/* sign_in_locked */
enum { LOCKED_WAIT_S, LOCKED_NCOLS };
static const char *const locked_cols[LOCKED_NCOLS] = {[LOCKED_WAIT_S] = "wait_s"};

/* sign_in_failures_count */
enum { FAILURES_N, FAILURES_NCOLS };
static const char *const failures_cols[FAILURES_NCOLS] = {[FAILURES_N] = "n"};

/* session_user */
enum { SUSER_ID, SUSER_ROLES, SUSER_NCOLS };
static const char *const suser_cols[SUSER_NCOLS] = {[SUSER_ID] = "id", [SUSER_ROLES] = "roles"};

/* session_check */
enum {
	CHECK_CSRF, CHECK_TOKEN_ID, CHECK_TOKEN_NAME, CHECK_USER, CHECK_FULL_NAME, CHECK_ROLES,
	CHECK_NCOLS
};
static const char *const check_cols[CHECK_NCOLS] = {
	[CHECK_CSRF] = "csrf", [CHECK_TOKEN_ID] = "token_id", [CHECK_TOKEN_NAME] = "token_name",
	[CHECK_USER] = "user_name", [CHECK_FULL_NAME] = "full_name", [CHECK_ROLES] = "roles"};

/* session_idle */
enum { IDLE_S, IDLE_NCOLS };
static const char *const idle_cols[IDLE_NCOLS] = {[IDLE_S] = "idle_s"};

/* The idle timeout: the setting if it is a whole number of seconds >= 1,
 * else $1 (LIMIT_SESSION_IDLE_S). */
#define IDLE_SQL                                                                         \
	"COALESCE((SELECT CASE WHEN value ~ '^[0-9]{1,9}$' AND value::int >= 1"           \
	" THEN value::int END FROM settings WHERE key = 'web.session_idle_s'), $1::int)"

static const struct db_stmt stmts[] = {
	{"sign_in_locked",
	 "SELECT GREATEST(1, ceil(extract(epoch FROM until - now())))::int AS wait_s"
	 " FROM sign_in_locks WHERE name = $1 AND until > now()", 1},
	/* one failure of a name at a time, until its commit */
	{"sign_in_name_lock",
	 "SELECT pg_advisory_xact_lock(hashtextextended('sign-in ' || $1, 0))", 1},
	{"sign_in_failure_insert", "INSERT INTO sign_in_failures (name, client) VALUES ($1, $2)", 2},
	/* a name's failures older than the window count no more: gone */
	{"sign_in_failures_expire",
	 "DELETE FROM sign_in_failures WHERE name = $1"
	 " AND at <= now() - make_interval(secs => $2::int)", 2},
	{"sign_in_failures_count",
	 "SELECT count(*) AS n FROM sign_in_failures"
	 " WHERE name = $1 AND at > now() - make_interval(secs => $2::int)", 2},
	{"sign_in_lock_put",
	 "INSERT INTO sign_in_locks (name, until) VALUES ($1, now() + make_interval(secs => $2::int))"
	 " ON CONFLICT (name) DO UPDATE SET at = now(), until = EXCLUDED.until", 2},
	{"sign_in_failures_clear", "DELETE FROM sign_in_failures WHERE name = $1", 1},
	{"session_user",
	 "SELECT u.id, COALESCE((SELECT string_agg(r.role, ',' ORDER BY r.role) FROM user_roles r"
	 "  WHERE r.user_id = u.id), '') AS roles"
	 " FROM users u WHERE u.name = $1 AND u.disabled_at IS NULL", 1},
	{"session_token_insert",
	 "INSERT INTO tokens (id, name, sha256, user_id) VALUES ($1, $2, $3, $4::bigint)", 4},
	{"session_insert",
	 "INSERT INTO sessions (sha256, csrf, user_id, token_id, client)"
	 " VALUES ($1, $2, $3::bigint, $4, $5)", 5},
	/* Refuses (no row) an ended session, one whose token was revoked, one
	 * idle too long and one of a disabled user; else moves last_seen. */
	{"session_check",
	 "UPDATE sessions s SET last_seen = now() FROM tokens t, users u"
	 " WHERE s.sha256 = $2 AND t.id = s.token_id AND u.id = s.user_id"
	 " AND s.ended_at IS NULL AND t.revoked_at IS NULL AND u.disabled_at IS NULL"
	 " AND s.last_seen > now() - make_interval(secs => " IDLE_SQL ")"
	 " RETURNING s.csrf, t.id AS token_id, t.name AS token_name, u.name AS user_name,"
	 " u.full_name, COALESCE((SELECT string_agg(r.role, ',') FROM user_roles r"
	 "  WHERE r.user_id = u.id), '') AS roles", 2},
	{"session_idle", "SELECT " IDLE_SQL " AS idle_s", 1},
	{"session_end",
	 "UPDATE sessions SET ended_at = now(), ended_reason = 'sign-out'"
	 " WHERE token_id = $1 AND ended_at IS NULL RETURNING id", 1},
	{"session_token_revoke",
	 "UPDATE tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", 1},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("sign_in_locked", locked_cols),
	DB_COLUMNS("sign_in_failures_count", failures_cols),
	DB_COLUMNS("session_user", suser_cols),
	DB_COLUMNS("session_check", check_cols),
	DB_COLUMNS("session_idle", idle_cols),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char unknown_msg[] = "unknown name or wrong password";

int ledger_sessions_setup(PGconn *c)
{
	return db_setup(c, stmts, N(stmts), columns, N(columns));
}

/* "admin,finance" as a role set (bits of ledger_role_names). */
static unsigned roles_of(const char *list)
{
	unsigned roles = 0;
	char one[32];

	while (*list) {
		size_t n = strcspn(list, ",");

		snprintf(one, sizeof(one), "%.*s", (int)n, list);
		roles |= ledger_role_bit(one);
		list += n + (list[n] == ',');
	}
	return roles;
}

/* The first role of roles by the order of ledger_role_names, "none" if none:
 * audit.role of a sign-in and a sign-out. */
static const char *first_role(unsigned roles)
{
	for (size_t i = 0; i < LEDGER_ROLES; i++)
		if (roles & (1u << i))
			return ledger_role_names[i];
	return "none";
}

int ledger_session_idle_s(int *out, PGconn *c)
{
	char dflt[16];
	PGresult *r = NULL;
	int rc;

	snprintf(dflt, sizeof(dflt), "%d", LIMIT_SESSION_IDLE_S);
	*out = LIMIT_SESSION_IDLE_S;
	rc = db_exec(&r, c, "session_idle", 1, (const char *const[]){dflt});
	if (rc == 0)
		*out = atoi(PQgetvalue(r, 0, IDLE_S));
	PQclear(r);
	return rc;
}

/* --- failures and locks ------------------------------------------------------ */

struct failure_tx {
	const char *name;
	const struct ledger_sign_in_from *from;
	bool locked; /* out: this failure locked the name */
};

static int failure_tx_run(PGconn *c, void *ctx)
{
	struct failure_tx *t = ctx;
	struct ledger_actor who = {"", "sign-in", "none", t->from->request_id, t->name};
	char window[16], lock[16];
	PGresult *r = NULL;
	int rc;

	snprintf(window, sizeof(window), "%d", LIMIT_SIGN_IN_WINDOW_S);
	snprintf(lock, sizeof(lock), "%d", LIMIT_SIGN_IN_LOCK_S);
	t->locked = false;
	rc = db_exec(NULL, c, "sign_in_name_lock", 1, (const char *const[]){t->name});
	if (rc == 0)
		rc = db_exec(NULL, c, "sign_in_failures_expire", 2,
			     (const char *const[]){t->name, window});
	if (rc == 0)
		rc = db_exec(NULL, c, "sign_in_failure_insert", 2,
			     (const char *const[]){t->name, t->from->client});
	if (rc == 0)
		rc = ledger_audit(c, &who, "session.fail", t->from->client);
	if (rc == 0)
		rc = db_exec(&r, c, "sign_in_failures_count", 2,
			     (const char *const[]){t->name, window});
	if (rc < 0)
		return rc;
	t->locked = atoi(PQgetvalue(r, 0, FAILURES_N)) >= LIMIT_SIGN_IN_FAILURES;
	PQclear(r);
	if (!t->locked)
		return 0;
	rc = db_exec(NULL, c, "sign_in_lock_put", 2, (const char *const[]){t->name, lock});
	return rc < 0 ? rc : ledger_audit(c, &who, "session.lock", t->from->client);
}

/* Stores and audits a failure of name; *out_locked if it locked the name. */
static int failure(bool *out_locked, PGconn *c, const char *name,
		   const struct ledger_sign_in_from *from)
{
	struct failure_tx t = {name, from, false};
	int rc = db_tx(c, DB_READ_COMMITTED, failure_tx_run, &t);

	*out_locked = rc == 0 && t.locked;
	return rc;
}

int ledger_sign_in_failed(PGconn *c, const char *user, const struct ledger_sign_in_from *from)
{
	bool locked;

	return failure(&locked, c, user, from);
}

/* --- sign-in ------------------------------------------------------------------ */

struct session_tx {
	const char *name;
	const struct ledger_sign_in_from *from;
	char cookie[HASH_HEX_BYTES];
	char csrf[HASH_HEX_BYTES];
	unsigned roles;
};

static int session_tx_run(PGconn *c, void *ctx)
{
	struct session_tx *t = ctx;
	char user_id[24], token_id[LEDGER_TOKEN_ID_BYTES], token_name[64];
	char secret[HASH_HEX_BYTES], secret_sha[HASH_HEX_BYTES], cookie_sha[HASH_HEX_BYTES];
	struct ledger_actor who = {0};
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "session_user", 1, (const char *const[]){t->name});

	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0) { /* disabled since the password was checked */
		PQclear(r);
		return err_code_set(ERR_NOTFOUND, EC_UNAUTHENTICATED, "%s", unknown_msg);
	}
	snprintf(user_id, sizeof(user_id), "%s", PQgetvalue(r, 0, SUSER_ID));
	t->roles = roles_of(PQgetvalue(r, 0, SUSER_ROLES));
	PQclear(r);
	/* the session's token: its secret is thrown away, so it is never a
	 * bearer token; only the session's cookie leads to it */
	if ((rc = ledger_random_hex(token_id, 8)) < 0 || (rc = ledger_random_hex(secret, 32)) < 0 ||
	    (rc = hash_sha256_hex(secret_sha, secret, strlen(secret))) < 0 ||
	    (rc = ledger_random_hex(t->cookie, 32)) < 0 ||
	    (rc = ledger_random_hex(t->csrf, 32)) < 0 ||
	    (rc = hash_sha256_hex(cookie_sha, t->cookie, strlen(t->cookie))) < 0)
		return rc;
	explicit_bzero(secret, sizeof(secret));
	snprintf(token_name, sizeof(token_name), "web-session-%s", token_id);
	rc = db_exec(NULL, c, "session_token_insert", 4,
		     (const char *const[]){token_id, token_name, secret_sha, user_id});
	if (rc == 0)
		rc = db_exec(NULL, c, "session_insert", 5,
			     (const char *const[]){cookie_sha, t->csrf, user_id, token_id,
						   t->from->client});
	if (rc == 0)
		rc = db_exec(NULL, c, "sign_in_failures_clear", 1, (const char *const[]){t->name});
	if (rc < 0)
		return rc;
	who = (struct ledger_actor){token_id, token_name, first_role(t->roles),
				    t->from->request_id, t->name};
	return ledger_audit(c, &who, "session.create", t->from->client);
}

int ledger_sign_in(char out_cookie[HASH_HEX_BYTES], json_t **out, int *out_retry_s, PGconn *c,
		   const char *name, const char *password, const struct ledger_sign_in_from *from)
{
	struct session_tx t = {.name = name, .from = from};
	PGresult *r = NULL;
	bool ok = false, locked = false;
	int rc, idle_s;

	out_cookie[0] = '\0';
	*out = NULL;
	*out_retry_s = 0;
	rc = db_exec(&r, c, "sign_in_locked", 1, (const char *const[]){name});
	if (rc < 0)
		return rc;
	if (PQntuples(r) > 0)
		*out_retry_s = atoi(PQgetvalue(r, 0, LOCKED_WAIT_S));
	PQclear(r);
	if (*out_retry_s > 0)
		return err_code_set(ERR_LIMIT, EC_TOO_MANY_REQUESTS,
				    "too many failed sign-ins as '%s': the name is locked; try"
				    " again in %d s", name, *out_retry_s);
	if ((rc = ledger_user_password_check(&ok, c, name, password)) < 0)
		return rc;
	if (!ok) {
		if ((rc = failure(&locked, c, name, from)) < 0)
			return rc;
		if (locked)
			return err_code_set(ERR_NOTFOUND, EC_UNAUTHENTICATED,
					    "%s; after %d failures the name is locked for %d"
					    " minutes", unknown_msg, LIMIT_SIGN_IN_FAILURES,
					    LIMIT_SIGN_IN_LOCK_S / 60);
		return err_code_set(ERR_NOTFOUND, EC_UNAUTHENTICATED, "%s", unknown_msg);
	}
	if ((rc = db_tx(c, DB_READ_COMMITTED, session_tx_run, &t)) < 0 ||
	    (rc = ledger_session_idle_s(&idle_s, c)) < 0)
		goto cleanup;
	*out = json_pack("{s:s, s:o, s:s, s:i}", "user", name, "roles", ledger_roles_json(t.roles),
			 "csrf", t.csrf, "idle_timeout_s", idle_s);
	if (!*out) {
		rc = err_oom();
		goto cleanup;
	}
	memcpy(out_cookie, t.cookie, HASH_HEX_BYTES);
cleanup:
	explicit_bzero(t.cookie, sizeof(t.cookie));
	return rc;
}

/* --- each request ---------------------------------------------------------------- */

static bool hex64(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 64 && s[n] == '\0';
}

int ledger_session_check(struct ledger_token *out, char out_csrf[HASH_HEX_BYTES], PGconn *c,
			 const char *cookie)
{
	char sha[HASH_HEX_BYTES], dflt[16];
	PGresult *r = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	out_csrf[0] = '\0';
	if (!hex64(cookie))
		return err_set(ERR_NOTFOUND, "session expired or ended; sign in again");
	snprintf(dflt, sizeof(dflt), "%d", LIMIT_SESSION_IDLE_S);
	if ((rc = hash_sha256_hex(sha, cookie, 64)) < 0)
		return rc;
	rc = db_exec(&r, c, "session_check", 2, (const char *const[]){dflt, sha});
	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0) {
		rc = err_set(ERR_NOTFOUND, "session expired or ended; sign in again");
	} else {
		snprintf(out_csrf, HASH_HEX_BYTES, "%s", PQgetvalue(r, 0, CHECK_CSRF));
		snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(r, 0, CHECK_TOKEN_ID));
		snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(r, 0, CHECK_TOKEN_NAME));
		snprintf(out->user, sizeof(out->user), "%s", PQgetvalue(r, 0, CHECK_USER));
		snprintf(out->full_name, sizeof(out->full_name), "%s",
			 PQgetvalue(r, 0, CHECK_FULL_NAME));
		out->roles = roles_of(PQgetvalue(r, 0, CHECK_ROLES));
	}
	PQclear(r);
	return rc;
}

/* --- sign-out ------------------------------------------------------------------- */

struct end_tx {
	const char *token_id;
	const struct ledger_actor *who;
};

static int end_tx_run(PGconn *c, void *ctx)
{
	struct end_tx *t = ctx;
	PGresult *r = NULL;
	bool found;
	int rc = db_exec(&r, c, "session_end", 1, (const char *const[]){t->token_id});

	if (rc < 0)
		return rc;
	found = PQntuples(r) > 0;
	PQclear(r);
	if (!found)
		return err_set(ERR_NOTFOUND, "no open session of token %s", t->token_id);
	rc = db_exec(NULL, c, "session_token_revoke", 1, (const char *const[]){t->token_id});
	return rc < 0 ? rc : ledger_audit(c, t->who, "session.end", t->who->token_name);
}

int ledger_session_end(PGconn *c, const char *token_id, const struct ledger_actor *who)
{
	struct end_tx t = {token_id, who};

	return db_tx(c, DB_READ_COMMITTED, end_tx_run, &t);
}
