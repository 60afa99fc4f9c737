/*
 * people.c - users, their roles and tokens, and the audit log read back
 * (see people.h). The daemon checks a presented token here on every
 * request (one primary-key lookup that also reads the user and the user's
 * roles); admins make and disable users and their tokens through the API;
 * the CLI does the same on the database directly for the first admin.
 *
 * Every write takes one transaction-scoped advisory lock (people_lock)
 * before it reads what it guards, so that two admins disabling each other
 * at the same time cannot leave the installation without an active admin.
 * It must not decide what a role may do: that is the route table's
 * (daemon/routes.c).
 *
 * Passwords are hashed here, with argon2id from libargon2 (the reference
 * implementation of RFC 9106), never by a hash of our own; the
 * PASSWORD_* constants say with which parameters and why.
 */
#include "ledger/people.h"

#include <argon2.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/limits.h"

const char *const ledger_role_names[LEDGER_ROLES] = {"admin", "finance", "secretariat",
						     "auditor", "approver"};


/* user_get, users_list */
#define USER_COLS                                                                       \
	"u.name, u.full_name,"                                                          \
	" COALESCE((SELECT string_agg(r.role, ',') FROM user_roles r"                   \
	"  WHERE r.user_id = u.id), '') AS roles,"                                      \
	" to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"    \
	" AS created_at, u.created_by,"                                                 \
	" to_char(u.disabled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"   \
	" AS disabled_at, u.disabled_by, u.disabled_reason,"                            \
	" to_char(u.password_set_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')" \
	" AS password_set_at"
enum {
	USER_NAME, USER_FULL_NAME, USER_ROLES, USER_CREATED_AT, USER_CREATED_BY,
	USER_DISABLED_AT, USER_DISABLED_BY, USER_DISABLED_REASON, USER_PASSWORD_SET_AT,
	USER_NCOLS
};
static const char *const user_cols[USER_NCOLS] = {
	[USER_NAME] = "name", [USER_FULL_NAME] = "full_name", [USER_ROLES] = "roles",
	[USER_CREATED_AT] = "created_at", [USER_CREATED_BY] = "created_by",
	[USER_DISABLED_AT] = "disabled_at", [USER_DISABLED_BY] = "disabled_by",
	[USER_DISABLED_REASON] = "disabled_reason", [USER_PASSWORD_SET_AT] = "password_set_at"};

/* password_get: what a password check reads of a user */
enum { PASSWORD_HASH, PASSWORD_DISABLED, PASSWORD_NCOLS };
static const char *const password_cols[PASSWORD_NCOLS] = {
	[PASSWORD_HASH] = "password_hash", [PASSWORD_DISABLED] = "disabled"};

/* token_get: the token, its user and the user's roles */
enum { TOKEN_NAME, TOKEN_SHA256, TOKEN_USER, TOKEN_FULL_NAME, TOKEN_ROLES, TOKEN_NCOLS };
static const char *const token_cols[TOKEN_NCOLS] = {
	[TOKEN_NAME] = "name", [TOKEN_SHA256] = "sha256", [TOKEN_USER] = "user_name",
	[TOKEN_FULL_NAME] = "full_name", [TOKEN_ROLES] = "roles"};

/* tokens_of */
enum { TOKENS_ID, TOKENS_NAME, TOKENS_USER, TOKENS_CREATED_AT, TOKENS_REVOKED_AT, TOKENS_NCOLS };
static const char *const tokens_cols[TOKENS_NCOLS] = {
	[TOKENS_ID] = "id", [TOKENS_NAME] = "name", [TOKENS_USER] = "user_name",
	[TOKENS_CREATED_AT] = "created_at", [TOKENS_REVOKED_AT] = "revoked_at"};

/* user_state: what a write needs to know of a user before it changes them */
enum { STATE_ID, STATE_DISABLED, STATE_ROLES, STATE_OTHER_ADMINS, STATE_NCOLS };
static const char *const state_cols[STATE_NCOLS] = {
	[STATE_ID] = "id", [STATE_DISABLED] = "disabled", [STATE_ROLES] = "roles",
	[STATE_OTHER_ADMINS] = "other_admins"};

/* audit_list */
enum {
	AUDIT_ID, AUDIT_AT, AUDIT_USER, AUDIT_TOKEN, AUDIT_ROLE, AUDIT_ACTION, AUDIT_OBJECT,
	AUDIT_REQUEST_ID, AUDIT_NCOLS
};
static const char *const audit_cols[AUDIT_NCOLS] = {
	[AUDIT_ID] = "id", [AUDIT_AT] = "at", [AUDIT_USER] = "user_name",
	[AUDIT_TOKEN] = "token_name", [AUDIT_ROLE] = "role", [AUDIT_ACTION] = "action",
	[AUDIT_OBJECT] = "object", [AUDIT_REQUEST_ID] = "request_id"};

static const struct db_stmt stmts[] = {
	/* the lock every write here holds until its commit */
	{"people_lock", "SELECT pg_advisory_xact_lock(hashtextextended('users', 0))", 0},
	/* Refuses (no row) a revoked token and a token of a disabled user. */
	{"token_get",
	 "SELECT t.name, t.sha256, u.name AS user_name, u.full_name,"
	 " COALESCE((SELECT string_agg(r.role, ',') FROM user_roles r"
	 "  WHERE r.user_id = u.id), '') AS roles"
	 " FROM tokens t JOIN users u ON u.id = t.user_id"
	 " WHERE t.id = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL", 1},
	{"user_get", "SELECT " USER_COLS " FROM users u WHERE u.name = $1", 1},
	{"users_list", "SELECT " USER_COLS " FROM users u ORDER BY u.name", 0},
	{"user_insert",
	 "INSERT INTO users (name, full_name, created_by) VALUES ($1, $2, $3)"
	 " ON CONFLICT (name) DO NOTHING RETURNING id", 3},
	{"user_state",
	 "SELECT u.id, u.disabled_at IS NOT NULL AS disabled,"
	 " COALESCE((SELECT string_agg(r.role, ',') FROM user_roles r"
	 "  WHERE r.user_id = u.id), '') AS roles,"
	 " (SELECT count(*) FROM users o JOIN user_roles r ON r.user_id = o.id"
	 "  AND r.role = 'admin' WHERE o.disabled_at IS NULL AND o.id <> u.id) AS other_admins"
	 " FROM users u WHERE u.name = $1", 1},
	{"password_get",
	 "SELECT password_hash, disabled_at IS NOT NULL AS disabled FROM users WHERE name = $1",
	 1},
	{"password_put",
	 "UPDATE users SET password_hash = $2, password_set_at = now() WHERE id = $1::bigint", 2},
	{"roles_clear", "DELETE FROM user_roles WHERE user_id = $1::bigint", 1},
	{"roles_add",
	 "INSERT INTO user_roles (user_id, role)"
	 " SELECT $1::bigint, unnest(string_to_array($2, ','))"
	 " ON CONFLICT DO NOTHING", 2},
	{"user_disable",
	 "UPDATE users SET disabled_at = now(), disabled_by = $2, disabled_reason = $3"
	 " WHERE id = $1::bigint AND disabled_at IS NULL", 3},
	{"token_insert",
	 "INSERT INTO tokens (id, name, sha256, user_id) VALUES ($1, $2, $3, $4::bigint)"
	 " ON CONFLICT DO NOTHING RETURNING id", 4},
	{"tokens_of",
	 "SELECT t.id, t.name, u.name AS user_name,"
	 " to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	 " AS created_at,"
	 " to_char(t.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	 " AS revoked_at FROM tokens t JOIN users u ON u.id = t.user_id"
	 " WHERE $1::text IS NULL OR u.name = $1 ORDER BY t.name", 1},
	{"token_revoke",
	 "UPDATE tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL"
	 " RETURNING id", 1},
	/* Oldest first after a cursor; from inclusive, to exclusive (the
	 * caller turns an inclusive day or instant into the bound after it). */
	{"audit_list",
	 "SELECT id,"
	 " to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS at,"
	 " user_name, token_name, role, action, object, request_id FROM audit"
	 " WHERE id > $1::bigint AND ($2::text IS NULL OR user_name = $2)"
	 " AND ($3::timestamptz IS NULL OR at >= $3::timestamptz)"
	 " AND ($4::timestamptz IS NULL OR at < $4::timestamptz)"
	 " AND ($5::text IS NULL OR action = $5)"
	 " AND ($6::text IS NULL OR starts_with(object, $6))"
	 " ORDER BY id LIMIT $7::int", 7},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("token_get", token_cols),	DB_COLUMNS("user_get", user_cols),
	DB_COLUMNS("users_list", user_cols),	DB_COLUMNS("user_state", state_cols),
	DB_COLUMNS("tokens_of", tokens_cols),	DB_COLUMNS("audit_list", audit_cols),
	DB_COLUMNS("password_get", password_cols),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int ledger_people_setup(PGconn *c)
{
	return db_setup(c, stmts, N(stmts), columns, N(columns));
}

/* --- roles and names ------------------------------------------------------------ */

unsigned ledger_role_bit(const char *name)
{
	for (size_t i = 0; name && i < LEDGER_ROLES; i++)
		if (strcmp(name, ledger_role_names[i]) == 0)
			return 1u << i;
	return 0;
}

bool ledger_role_valid(const char *role)
{
	return ledger_role_bit(role) != 0;
}

json_t *ledger_roles_json(unsigned roles)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < LEDGER_ROLES; i++)
		if (roles & (1u << i))
			json_array_append_new(a, json_string(ledger_role_names[i]));
	return a;
}

/* "admin,finance" (as string_agg writes it) as a role set. */
static unsigned roles_of_list(const char *list)
{
	unsigned roles = 0;

	while (*list) {
		size_t n = strcspn(list, ",");
		char one[32];

		snprintf(one, sizeof(one), "%.*s", (int)(n < sizeof(one) ? n : 0), list);
		roles |= ledger_role_bit(one);
		list += n + (list[n] == ',');
	}
	return roles;
}

/* The role set as "admin,finance" (the order of ledger_role_names). */
static void roles_list(char out[64], unsigned roles)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < LEDGER_ROLES; i++)
		if (roles & (1u << i))
			n += (size_t)snprintf(out + n, 64 - n, "%s%s", n ? "," : "",
					      ledger_role_names[i]);
}

bool ledger_user_name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');

		if (!alnum && (i == 0 || (ch != '.' && ch != '_' && ch != '-')))
			return false;
	}
	return true;
}

/* --- request bodies ---------------------------------------------------------------- */

/* body's keys are all in allowed (NULL-terminated). */
static int only_fields(json_t *body, const char *const *allowed)
{
	const char *key;
	json_t *v;

	if (!json_is_object(body))
		return err_set(ERR_INVALID, "body: expected a JSON object");
	json_object_foreach(body, key, v) {
		size_t i = 0;

		while (allowed[i] && strcmp(allowed[i], key) != 0)
			i++;
		if (!allowed[i])
			return err_set(ERR_INVALID, "%s: unknown field", key);
	}
	return 0;
}

/* A string field of at most max bytes, no NUL (may be empty); NULL if absent
 * and not required. */
static int text_field(const char **out, json_t *body, const char *key, bool required,
		      size_t max)
{
	json_t *v = json_object_get(body, key);

	*out = NULL;
	if (json_is_null(v)) /* never taken for absent (issue 16) */
		return err_set(ERR_INVALID, "%s: null is not a value here (leave the field out)", key);
	if (!v)
		return required ? err_set(ERR_INVALID, "%s: required", key) : 0;
	if (!json_is_string(v))
		return err_set(ERR_INVALID, "%s: expected a string", key);
	if (json_string_length(v) > max || memchr(json_string_value(v), '\0', json_string_length(v)))
		return err_set(ERR_INVALID, "%s: at most %zu bytes of text", key, max);
	*out = json_string_value(v);
	return 0;
}

/* "roles": a non-empty array of role names, each once. */
static int roles_field(unsigned *out, json_t *body)
{
	json_t *v = json_object_get(body, "roles"), *r;
	size_t i;

	*out = 0;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return err_set(ERR_INVALID, "roles: a non-empty array of admin, finance,"
					    " secretariat, auditor, approver");
	json_array_foreach(v, i, r) {
		unsigned bit = ledger_role_bit(json_string_value(r));

		if (!bit)
			return err_set(ERR_INVALID, "roles[%zu]: not a role (admin, finance,"
						    " secretariat, auditor, approver)", i);
		if (*out & bit)
			return err_set(ERR_INVALID, "roles[%zu]: %s given twice", i,
				       json_string_value(r));
		*out |= bit;
	}
	return 0;
}

/* --- passwords ------------------------------------------------------------------------ */

/*
 * argon2id's parameters: 3 passes over 64 MiB in one lane, a 16-byte
 * random salt, a 32-byte hash. These are RFC 9106's second recommended
 * option (section 4: t=3, m=64 MiB) with one lane instead of four. The
 * memory is what makes each guess expensive on a GPU or an ASIC for
 * whoever steals the hashes; three passes over it cost a fraction of a
 * second on a server core, which a person signing in does not notice and
 * an attacker pays for every guess. One lane: the daemon hashes on the request's own thread, and a
 * sign-in should not take several cores (each one in progress holds its
 * 64 MiB). The parameters and the salt are written into every hash (the
 * PHC string), so raising them later leaves the passwords set before
 * valid: argon2id_verify reads them back from the string.
 */
#define PASSWORD_T_COST 3
#define PASSWORD_M_COST_KIB (64u * 1024u)
#define PASSWORD_LANES 1
#define PASSWORD_SALT_BYTES 16
#define PASSWORD_HASH_BYTES 32
#define PASSWORD_ENCODED_BYTES 128 /* argon2_encodedlen of the above: 97 */

/*
 * password is at most LEDGER_PASSWORD_MAX_BYTES bytes, at least
 * LEDGER_PASSWORD_MIN_CHARS characters, and holds no control character
 * (C0, DEL or C1). It counts characters as UTF-8, which jansson guarantees
 * of every JSON string (and the CLI's json_stringn of its input); other
 * bytes given to ledger_user_password_check can only fail to match.
 */
static bool password_valid(const char *password)
{
	const unsigned char *s = (const unsigned char *)password;
	size_t n = strlen(password), chars = 0;

	if (n > LEDGER_PASSWORD_MAX_BYTES)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f || (s[i] == 0xc2 && s[i + 1] >= 0x80 &&
						      s[i + 1] <= 0x9f))
			return false;
		chars += (s[i] & 0xc0) != 0x80; /* a character's first byte */
	}
	return chars >= LEDGER_PASSWORD_MIN_CHARS;
}

/* The body's "password" (*out; NULL if absent or null and not required):
 * ERR_INVALID naming the field, never repeating its value. */
static int password_field(const char **out, json_t *body, bool required)
{
	int rc = text_field(out, body, "password", required, LEDGER_PASSWORD_MAX_BYTES);

	if (rc == 0 && *out && !password_valid(*out))
		rc = err_set(ERR_INVALID, "password: %d to %d bytes of UTF-8, at least %d"
					  " characters, without control characters",
			     LEDGER_PASSWORD_MIN_CHARS, LEDGER_PASSWORD_MAX_BYTES,
			     LEDGER_PASSWORD_MIN_CHARS);
	if (rc < 0)
		*out = NULL;
	return rc;
}

/* out: password's argon2id PHC string with a fresh random salt. */
static int password_hash(char out[PASSWORD_ENCODED_BYTES], const char *password)
{
	unsigned char salt[PASSWORD_SALT_BYTES];
	int rc;

	ASSERT(argon2_encodedlen(PASSWORD_T_COST, PASSWORD_M_COST_KIB, PASSWORD_LANES,
				 PASSWORD_SALT_BYTES, PASSWORD_HASH_BYTES,
				 Argon2_id) <= PASSWORD_ENCODED_BYTES);
	if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt))
		return err_sys(ERR_SYSTEM, "getrandom");
	rc = argon2id_hash_encoded(PASSWORD_T_COST, PASSWORD_M_COST_KIB, PASSWORD_LANES, password,
				   strlen(password), salt, sizeof(salt), PASSWORD_HASH_BYTES, out,
				   PASSWORD_ENCODED_BYTES);
	if (rc != ARGON2_OK)
		return err_set(rc == ARGON2_MEMORY_ALLOCATION_ERROR ? ERR_SYSTEM : ERR_INTERNAL,
			       "argon2id: %s", argon2_error_message(rc));
	return 0;
}

int ledger_password_request_id(char out[HASH_HEX_BYTES], const char *material, size_t n,
			       const char *key)
{
	unsigned char raw[PASSWORD_HASH_BYTES];
	char salt[HASH_HEX_BYTES];
	int rc = hash_sha256_hex(salt, key, strlen(key));

	if (rc < 0)
		return rc;
	rc = argon2id_hash_raw(PASSWORD_T_COST, PASSWORD_M_COST_KIB, PASSWORD_LANES, material, n,
			       salt, strlen(salt), raw, sizeof(raw));
	if (rc != ARGON2_OK)
		return err_set(rc == ARGON2_MEMORY_ALLOCATION_ERROR ? ERR_SYSTEM : ERR_INTERNAL,
			       "argon2id: %s", argon2_error_message(rc));
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

int ledger_user_password_check(bool *out_ok, PGconn *c, const char *user,
			       const char *password)
{
	char decoy[PASSWORD_ENCODED_BYTES];
	PGresult *r = NULL;
	int rc, v;

	*out_ok = false;
	if (!user || !password || !password_valid(password))
		return 0;
	rc = db_exec(&r, c, "password_get", 1, (const char *const[]){user});
	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0 || PQgetisnull(r, 0, PASSWORD_HASH)) {
		rc = password_hash(decoy, password); /* as long as a check takes */
	} else {
		v = argon2id_verify(PQgetvalue(r, 0, PASSWORD_HASH), password, strlen(password));
		if (v == ARGON2_OK)
			*out_ok = PQgetvalue(r, 0, PASSWORD_DISABLED)[0] != 't';
		else if (v != ARGON2_VERIFY_MISMATCH)
			rc = err_set(v == ARGON2_MEMORY_ALLOCATION_ERROR ? ERR_SYSTEM : ERR_INTERNAL,
				     "argon2id: %s", argon2_error_message(v));
	}
	PQclear(r);
	return rc;
}

/* --- users ---------------------------------------------------------------------------- */

static json_t *user_json(const PGresult *r, int row)
{
#define OR_NULL(col) (PQgetisnull(r, row, col) ? json_null() : json_string(PQgetvalue(r, row, col)))
	json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:s, s:b, s:o, s:o, s:o, s:o}", "name",
			      PQgetvalue(r, row, USER_NAME), "full_name",
			      PQgetvalue(r, row, USER_FULL_NAME), "roles",
			      ledger_roles_json(roles_of_list(PQgetvalue(r, row, USER_ROLES))),
			      "created_at", PQgetvalue(r, row, USER_CREATED_AT), "created_by",
			      PQgetvalue(r, row, USER_CREATED_BY), "disabled",
			      !PQgetisnull(r, row, USER_DISABLED_AT), "disabled_at",
			      OR_NULL(USER_DISABLED_AT), "disabled_by", OR_NULL(USER_DISABLED_BY),
			      "disabled_reason", OR_NULL(USER_DISABLED_REASON), "password_set_at",
			      OR_NULL(USER_PASSWORD_SET_AT));
#undef OR_NULL
	return o;
}

int ledger_user_get(json_t **out, PGconn *c, const char *name)
{
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "user_get", 1, (const char *const[]){name});

	*out = NULL;
	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0)
		rc = err_set(ERR_NOTFOUND, "no user '%s'", name);
	else if (!(*out = user_json(r, 0)))
		rc = err_oom();
	PQclear(r);
	return rc;
}

int ledger_users_list(json_t **out, PGconn *c)
{
	return db_rows_json(out, c, "users_list", 0, NULL, user_json);
}

/* What a user write works on. */
struct user_tx {
	const struct ledger_actor *who;
	const char *name, *full_name, *reason;
	char hash[PASSWORD_ENCODED_BYTES]; /* the password's, or "": none */
	unsigned roles;
	char id[24];	 /* users.id, after lookup */
	bool disabled;	 /* after lookup */
	unsigned held;	 /* the roles held, after lookup */
	long long other_admins; /* active admins other than this user */
};

/* Takes the people lock and reads t->name's state: ERR_NOTFOUND. */
static int lookup(PGconn *c, struct user_tx *t)
{
	PGresult *r = NULL;
	int rc = db_exec(NULL, c, "people_lock", 0, NULL);

	if (rc == 0)
		rc = db_exec(&r, c, "user_state", 1, (const char *const[]){t->name});
	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0) {
		rc = err_set(ERR_NOTFOUND, "no user '%s'", t->name);
	} else {
		snprintf(t->id, sizeof(t->id), "%s", PQgetvalue(r, 0, STATE_ID));
		t->disabled = PQgetvalue(r, 0, STATE_DISABLED)[0] == 't';
		t->held = roles_of_list(PQgetvalue(r, 0, STATE_ROLES));
		t->other_admins = strtoll(PQgetvalue(r, 0, STATE_OTHER_ADMINS), NULL, 10);
	}
	PQclear(r);
	return rc;
}

static int set_roles(PGconn *c, struct user_tx *t)
{
	char list[64];
	int rc = db_exec(NULL, c, "roles_clear", 1, (const char *const[]){t->id});

	roles_list(list, t->roles);
	return rc < 0 ? rc : db_exec(NULL, c, "roles_add", 2, (const char *const[]){t->id, list});
}

static int create_tx(PGconn *c, void *ctx)
{
	struct user_tx *t = ctx;
	PGresult *r = NULL;
	int rc = db_exec(NULL, c, "people_lock", 0, NULL);

	if (rc == 0)
		rc = db_exec(&r, c, "user_insert", 3,
			     (const char *const[]){t->name, t->full_name ? t->full_name : "",
						   ledger_actor_user(t->who)});
	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0)
		rc = err_set(ERR_CONFLICT, "a user named '%s' already exists", t->name);
	else
		snprintf(t->id, sizeof(t->id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (rc == 0)
		rc = set_roles(c, t);
	if (rc == 0 && t->hash[0])
		rc = db_exec(NULL, c, "password_put", 2, (const char *const[]){t->id, t->hash});
	return rc < 0 ? rc : ledger_audit(c, t->who, "user.create", t->name);
}

int ledger_user_create(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who)
{
	static const char *const allowed[] = {"name", "full_name", "roles", "password", NULL};
	struct user_tx t = {.who = who};
	const char *password = NULL;
	int rc;

	*out = NULL;
	if ((rc = only_fields(body, allowed)) < 0 ||
	    (rc = text_field(&t.name, body, "name", true, 64)) < 0 ||
	    (rc = text_field(&t.full_name, body, "full_name", false, 200)) < 0 ||
	    (rc = roles_field(&t.roles, body)) < 0 ||
	    (rc = password_field(&password, body, false)) < 0)
		return rc;
	if (!ledger_user_name_valid(t.name))
		return err_set(ERR_INVALID, "name: 1-64 of a-z 0-9 . _ -, beginning with a letter"
					    " or digit: '%s'", t.name);
	if (password && (rc = password_hash(t.hash, password)) < 0)
		return rc;
	rc = db_tx(c, DB_READ_COMMITTED, create_tx, &t);
	return rc < 0 ? rc : ledger_user_get(out, c, t.name);
}

static int roles_tx(PGconn *c, void *ctx)
{
	struct user_tx *t = ctx;
	int rc = lookup(c, t);

	if (rc < 0)
		return rc;
	if ((t->held & ~t->roles & ledger_role_bit("admin")) && !t->disabled &&
	    t->other_admins == 0)
		return err_set(ERR_CONFLICT, "'%s' is the last active admin: make another user"
					     " admin first", t->name);
	rc = set_roles(c, t);
	return rc < 0 ? rc : ledger_audit(c, t->who, "user.roles", t->name);
}

int ledger_user_roles_set(json_t **out, PGconn *c, const char *name, json_t *body,
			  const struct ledger_actor *who)
{
	static const char *const allowed[] = {"roles", NULL};
	struct user_tx t = {.who = who, .name = name};
	int rc;

	*out = NULL;
	if ((rc = only_fields(body, allowed)) < 0 || (rc = roles_field(&t.roles, body)) < 0)
		return rc;
	rc = db_tx(c, DB_READ_COMMITTED, roles_tx, &t);
	return rc < 0 ? rc : ledger_user_get(out, c, name);
}

static int disable_tx(PGconn *c, void *ctx)
{
	struct user_tx *t = ctx;
	int rc = lookup(c, t);

	if (rc < 0)
		return rc;
	if (t->disabled)
		return err_set(ERR_CONFLICT, "user '%s' is already disabled", t->name);
	if ((t->held & ledger_role_bit("admin")) && t->other_admins == 0)
		return err_set(ERR_CONFLICT, "'%s' is the last active admin: make another user"
					     " admin first", t->name);
	rc = db_exec(NULL, c, "user_disable", 3,
		     (const char *const[]){t->id, ledger_actor_user(t->who), t->reason});
	return rc < 0 ? rc : ledger_audit(c, t->who, "user.disable", t->name);
}

int ledger_user_disable(json_t **out, PGconn *c, const char *name, json_t *body,
			const struct ledger_actor *who)
{
	static const char *const allowed[] = {"reason", NULL};
	struct user_tx t = {.who = who, .name = name};
	int rc;

	*out = NULL;
	if ((rc = only_fields(body, allowed)) < 0 ||
	    (rc = text_field(&t.reason, body, "reason", true, 1000)) < 0)
		return rc;
	if (!*t.reason)
		return err_set(ERR_INVALID, "reason: required, why the user is disabled");
	rc = db_tx(c, DB_READ_COMMITTED, disable_tx, &t);
	return rc < 0 ? rc : ledger_user_get(out, c, name);
}

static int password_tx(PGconn *c, void *ctx)
{
	struct user_tx *t = ctx;
	int rc = lookup(c, t);

	if (rc < 0)
		return rc;
	if (t->disabled)
		return err_set(ERR_CONFLICT, "user '%s' is disabled: a password of theirs would"
					     " open nothing", t->name);
	rc = db_exec(NULL, c, "password_put", 2, (const char *const[]){t->id, t->hash});
	return rc < 0 ? rc : ledger_audit(c, t->who, "user.password", t->name);
}

int ledger_user_password_set(json_t **out, PGconn *c, const char *name, json_t *body,
			     const struct ledger_actor *who)
{
	static const char *const allowed[] = {"password", NULL};
	struct user_tx t = {.who = who, .name = name};
	const char *password = NULL;
	int rc;

	*out = NULL;
	if ((rc = only_fields(body, allowed)) < 0 ||
	    (rc = password_field(&password, body, true)) < 0 ||
	    (rc = password_hash(t.hash, password)) < 0)
		return rc;
	rc = db_tx(c, DB_READ_COMMITTED, password_tx, &t);
	return rc < 0 ? rc : ledger_user_get(out, c, name);
}

/* --- tokens ------------------------------------------------------------------------------ */

struct token_tx {
	struct user_tx u;
	const char *label;	/* the token's name, or NULL: USER-<id> */
	char name[128];
	char id[LEDGER_TOKEN_ID_BYTES];
	char text[LEDGER_TOKEN_BYTES];
	bool add_user;		/* ledger_token_create: make the user if absent */
};

static int token_tx_run(PGconn *c, void *ctx)
{
	struct token_tx *t = ctx;
	char sha[HASH_HEX_BYTES], secret[65];
	PGresult *r = NULL;
	int rc;

	if (t->add_user) {
		rc = db_exec(NULL, c, "people_lock", 0, NULL);
		if (rc == 0)
			rc = db_exec(NULL, c, "user_insert", 3,
				     (const char *const[]){t->u.name, "", "tfledger token create"});
		if (rc < 0)
			return rc;
	}
	rc = lookup(c, &t->u);
	if (rc < 0)
		return rc;
	if (t->u.disabled)
		return err_set(ERR_CONFLICT, "user '%s' is disabled: a token of theirs would"
					     " authenticate nothing", t->u.name);
	if (t->add_user) {
		char list[64];

		roles_list(list, t->u.roles);
		rc = db_exec(NULL, c, "roles_add", 2, (const char *const[]){t->u.id, list});
		if (rc < 0)
			return rc;
	}
	if ((rc = ledger_random_hex(t->id, 8)) < 0 || (rc = ledger_random_hex(secret, 32)) < 0)
		return rc;
	snprintf(t->text, sizeof(t->text), "tfl_%s_%s", t->id, secret);
	snprintf(t->name, sizeof(t->name), "%s", t->label ? t->label : t->u.name);
	if (!t->label && !t->add_user)
		snprintf(t->name, sizeof(t->name), "%s-%s", t->u.name, t->id);
	if ((rc = hash_sha256_hex(sha, t->text, strlen(t->text))) < 0)
		return rc;
	rc = db_exec(&r, c, "token_insert", 4, (const char *const[]){t->id, t->name, sha, t->u.id});
	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0)
		rc = err_set(ERR_CONFLICT, "a token named '%s' already exists", t->name);
	PQclear(r);
	return rc < 0 ? rc : ledger_audit(c, t->u.who, "token.create", t->name);
}

int ledger_user_token_create(json_t **out, PGconn *c, const char *user, json_t *body,
			     const struct ledger_actor *who)
{
	static const char *const allowed[] = {"name", NULL};
	struct token_tx t = {.u = {.who = who, .name = user}};
	int rc;

	*out = NULL;
	if (body && ((rc = only_fields(body, allowed)) < 0 ||
		     (rc = text_field(&t.label, body, "name", false, 100)) < 0))
		return rc;
	if (t.label && !*t.label)
		return err_set(ERR_INVALID, "name: 1-100 characters, or leave it out");
	rc = db_tx(c, DB_READ_COMMITTED, token_tx_run, &t);
	if (rc == 0 && !(*out = json_pack("{s:s, s:s, s:s, s:s}", "token", t.text, "name", t.name,
					  "user", user, "id", t.id)))
		rc = err_oom();
	return rc;
}

int ledger_token_create(char out[LEDGER_TOKEN_BYTES], PGconn *c, const char *role,
			const char *name, const struct ledger_actor *who)
{
	static const struct ledger_actor offline = {"", "tfledger token create", "admin", "cli",
						    NULL};
	struct token_tx t = {.u = {.who = who ? who : &offline, .name = name,
				   .roles = ledger_role_bit(role)},
			     .label = name, .add_user = true};
	int rc;

	if (!t.u.roles)
		return err_set(ERR_INVALID, "--role %s: expected admin, finance, secretariat,"
					    " auditor or approver", role);
	if (!ledger_user_name_valid(name))
		return err_set(ERR_INVALID, "--name %s: a user name, 1-64 of a-z 0-9 . _ -,"
					    " beginning with a letter or digit", name);
	rc = db_tx(c, DB_READ_COMMITTED, token_tx_run, &t);
	if (rc == 0)
		snprintf(out, LEDGER_TOKEN_BYTES, "%s", t.text);
	return rc;
}

/* The id of a presented token and the SHA-256 of its text, or
 * ERR_NOTFOUND for a malformed one (tfl_ + 16 hex + _ + 64 hex). */
static int token_parts(char id[LEDGER_TOKEN_ID_BYTES], char sha[HASH_HEX_BYTES],
		       const char *token)
{
	if (strlen(token) != 85 || strncmp(token, "tfl_", 4) != 0 || token[20] != '_')
		return err_set(ERR_NOTFOUND, "malformed token");
	memcpy(id, token + 4, 16);
	id[16] = '\0';
	return hash_sha256_hex(sha, token, strlen(token));
}

int ledger_token_check(struct ledger_token *out, PGconn *c, const char *token)
{
	char id[LEDGER_TOKEN_ID_BYTES], sha[HASH_HEX_BYTES];
	PGresult *r = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = token_parts(id, sha, token)) < 0)
		return rc;
	rc = db_exec(&r, c, "token_get", 1, (const char *const[]){id});
	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0 || !hash_equal_ct(sha, PQgetvalue(r, 0, TOKEN_SHA256), 64)) {
		rc = err_set(ERR_NOTFOUND, "unknown or revoked token, or disabled user");
	} else {
		snprintf(out->id, sizeof(out->id), "%s", id);
		snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(r, 0, TOKEN_NAME));
		snprintf(out->user, sizeof(out->user), "%s", PQgetvalue(r, 0, TOKEN_USER));
		snprintf(out->full_name, sizeof(out->full_name), "%s",
			 PQgetvalue(r, 0, TOKEN_FULL_NAME));
		out->roles = roles_of_list(PQgetvalue(r, 0, TOKEN_ROLES));
	}
	PQclear(r);
	return rc;
}

/*
 * Tokens remembered for the appends of ledger_token_recall: the last
 * LIMIT_TOKEN_MEMORY tokens ledger_token_check found, each with the
 * SHA-256 of its text, replaced oldest first.
 */
static struct {
	pthread_mutex_t mu;
	size_t next;
	struct {
		char sha[HASH_HEX_BYTES];
		struct ledger_token tok;
	} slot[LIMIT_TOKEN_MEMORY];
} remembered = {.mu = PTHREAD_MUTEX_INITIALIZER};

void ledger_token_remember(const struct ledger_token *t, const char *token)
{
	char id[LEDGER_TOKEN_ID_BYTES], sha[HASH_HEX_BYTES];
	size_t i;

	if (token_parts(id, sha, token) < 0 || strcmp(id, t->id) != 0)
		return;
	pthread_mutex_lock(&remembered.mu);
	for (i = 0; i < LIMIT_TOKEN_MEMORY; i++)
		if (strcmp(remembered.slot[i].tok.id, id) == 0)
			break;
	if (i == LIMIT_TOKEN_MEMORY)
		i = remembered.next++ % LIMIT_TOKEN_MEMORY;
	memcpy(remembered.slot[i].sha, sha, sizeof(sha));
	remembered.slot[i].tok = *t;
	pthread_mutex_unlock(&remembered.mu);
}

bool ledger_token_recall(struct ledger_token *out, const char *token)
{
	char id[LEDGER_TOKEN_ID_BYTES], sha[HASH_HEX_BYTES];
	bool found = false;

	memset(out, 0, sizeof(*out));
	if (token_parts(id, sha, token) < 0)
		return false;
	pthread_mutex_lock(&remembered.mu);
	for (size_t i = 0; i < LIMIT_TOKEN_MEMORY && !found; i++)
		if (strcmp(remembered.slot[i].tok.id, id) == 0 &&
		    hash_equal_ct(sha, remembered.slot[i].sha, 64)) {
			*out = remembered.slot[i].tok;
			found = true;
		}
	pthread_mutex_unlock(&remembered.mu);
	return found;
}

void ledger_token_forget(const char *id)
{
	pthread_mutex_lock(&remembered.mu);
	for (size_t i = 0; i < LIMIT_TOKEN_MEMORY; i++)
		if (strcmp(remembered.slot[i].tok.id, id) == 0)
			memset(&remembered.slot[i], 0, sizeof(remembered.slot[i]));
	pthread_mutex_unlock(&remembered.mu);
}

int ledger_user_tokens(json_t **out, PGconn *c, const char *user)
{
	PGresult *r = NULL;
	json_t *arr = NULL;
	int rc = 0;

	*out = NULL;
	if (user) {
		rc = ledger_user_get(&arr, c, user);
		json_decref(arr);
		if (rc < 0)
			return rc;
	}
	rc = db_exec(&r, c, "tokens_of", 1, (const char *const[]){user});
	if (rc < 0)
		return rc;
	arr = json_array();
	for (int i = 0; arr && i < PQntuples(r); i++)
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", PQgetvalue(r, i, TOKENS_ID),
				       "name", PQgetvalue(r, i, TOKENS_NAME), "user",
				       PQgetvalue(r, i, TOKENS_USER), "created_at",
				       PQgetvalue(r, i, TOKENS_CREATED_AT), "revoked_at",
				       PQgetisnull(r, i, TOKENS_REVOKED_AT)
					       ? json_null()
					       : json_string(PQgetvalue(r, i, TOKENS_REVOKED_AT))));
	PQclear(r);
	if (!arr)
		return err_oom();
	*out = arr;
	return 0;
}

struct revoke_tx {
	const char *name;
	const struct ledger_actor *who;
};

static int revoke_tx_run(PGconn *c, void *ctx)
{
	struct revoke_tx *t = ctx;
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "token_revoke", 1, (const char *const[]){t->name});

	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0)
		rc = err_set(ERR_NOTFOUND, "no active token named '%s'", t->name);
	PQclear(r);
	return rc < 0 ? rc : ledger_audit(c, t->who, "token.revoke", t->name);
}

int ledger_token_revoke(json_t **out, PGconn *c, const char *name,
			const struct ledger_actor *who)
{
	struct revoke_tx t = {name, who};
	int rc = db_tx(c, DB_READ_COMMITTED, revoke_tx_run, &t);

	*out = NULL;
	if (rc == 0 && !(*out = json_pack("{s:s, s:b}", "name", name, "revoked", 1)))
		rc = err_oom();
	return rc;
}

/* --- the audit log ------------------------------------------------------------------------- */

/* A date or timestamp s of parameter key as the instant it begins (end
 * false) or the instant after it ends (end true: a date's next midnight,
 * a timestamp's next microsecond), "YYYY-MM-DDTHH:MM:SS.uuuuuuZ". */
static int bound(char out[64], const char *key, const char *s, bool end)
{
	int64_t secs;
	int32_t ns;
	struct tm tm;
	time_t t;
	long us;

	if (date_parse_time(&secs, &ns, s) < 0)
		return err_set(ERR_INVALID, "%s: a date YYYY-MM-DD or an RFC 3339 timestamp: '%s'",
			       key, s);
	us = ns / 1000;
	if (end && strlen(s) == 10)
		secs += 86400;
	else if (end && ++us == 1000000) {
		us = 0;
		secs++;
	}
	t = (time_t)secs;
	if (!gmtime_r(&t, &tm))
		return err_set(ERR_INVALID, "%s: out of range: '%s'", key, s);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
	return 0;
}

int ledger_audit_list(json_t **out, PGconn *c, const struct ledger_audit_query *q)
{
	char after[24], limit[16], from[64], to[64];
	const char *p[7];
	PGresult *r = NULL;
	json_t *arr = NULL;
	int rc = 0, n;

	*out = NULL;
	ASSERT(q->limit >= 1 && q->limit <= LIMIT_LIST_ROWS);
	if ((q->from && (rc = bound(from, "from", q->from, false)) < 0) ||
	    (q->to && (rc = bound(to, "to", q->to, true)) < 0))
		return rc;
	snprintf(after, sizeof(after), "%" PRId64, q->after);
	snprintf(limit, sizeof(limit), "%d", q->limit + 1);
	p[0] = after;
	p[1] = q->user;
	p[2] = q->from ? from : NULL;
	p[3] = q->to ? to : NULL;
	p[4] = q->action;
	p[5] = q->object;
	p[6] = limit;
	rc = db_exec(&r, c, "audit_list", 7, p);
	if (rc < 0)
		return rc;
	n = PQntuples(r);
	arr = json_array();
	for (int i = 0; arr && i < n && i < q->limit; i++)
		json_array_append_new(
			arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
				       (json_int_t)strtoll(PQgetvalue(r, i, AUDIT_ID), NULL, 10),
				       "at", PQgetvalue(r, i, AUDIT_AT), "user",
				       PQgetvalue(r, i, AUDIT_USER), "token",
				       PQgetvalue(r, i, AUDIT_TOKEN), "role",
				       PQgetvalue(r, i, AUDIT_ROLE), "action",
				       PQgetvalue(r, i, AUDIT_ACTION), "object",
				       PQgetvalue(r, i, AUDIT_OBJECT), "request_id",
				       PQgetvalue(r, i, AUDIT_REQUEST_ID)));
	if (arr)
		*out = json_pack("{s:o, s:o}", "audit", arr, "next",
				 n > q->limit ? json_integer(strtoll(PQgetvalue(r, q->limit - 1,
										AUDIT_ID),
								     NULL, 10))
					      : json_null());
	PQclear(r);
	return *out ? 0 : err_oom();
}
