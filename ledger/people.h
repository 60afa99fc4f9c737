/*
 * people.h - the people who use tfledger (people.c): users who hold one or
 * more roles, the tokens that belong to them, and the audit log read back.
 * Users belong to the ledger's core: every audit row names one
 * (audit.user_name), and the daemon asks here, on every request, whose
 * token it was given and which roles that person holds.
 *
 * Invariants kept here (and by migrations/0060): a user is never deleted
 * (the audit trail names them), only disabled; a disabled user's tokens
 * and a revoked token authenticate nothing; the last active admin can be
 * neither disabled nor stripped of the role. Every write runs in one
 * transaction (db_tx: joins the caller's) with its audit row.
 *
 * Failures return a negative err code with err_last() set: ERR_INVALID
 * (invalid-field, the message begins with the field), ERR_NOTFOUND,
 * ERR_CONFLICT (409, said in words).
 */
#ifndef TFLEDGER_LEDGER_PEOPLE_H
#define TFLEDGER_LEDGER_PEOPLE_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "common/hash.h"
#include "ledger/ledger.h"

/* The roles, in this order: bit i of a role set is ledger_role_names[i]. */
#define LEDGER_ROLES 5
extern const char *const ledger_role_names[LEDGER_ROLES];

/* The bit of role name, 0 if it is no role. */
unsigned ledger_role_bit(const char *name);

/* A role set as a JSON array of names in the order above (new ref). */
json_t *ledger_roles_json(unsigned roles);

/* A login name: 1-64 of a-z 0-9 . _ -, the first a-z or 0-9. */
bool ledger_user_name_valid(const char *name);

/* Prepares people.c's statements on c (ledger_store_setup and
 * ledger_store_setup_owner call it). */
int ledger_people_setup(PGconn *c);

/*
 * {"name","full_name"?,"roles":[...],"password"?} makes a user: 201 body
 * in *out ({name, full_name, roles, created_at, created_by, disabled_at,
 * ..., password_set_at}; never the password nor its hash). Without a
 * password (absent or null) the person works with tokens only.
 * ERR_INVALID naming the field; ERR_CONFLICT if the name is taken.
 * Audited "user.create" naming who.
 */
int ledger_user_create(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who);

/*
 * Passwords, for the workspace's sign-in (docs/people.md "Passwords").
 * A password is 8 to 1024 bytes of UTF-8 with at least 8 characters and
 * no control character; only its argon2id hash is stored (users.
 * password_hash, a PHC string with its own salt and parameters).
 */
#define LEDGER_PASSWORD_MIN_CHARS 8
#define LEDGER_PASSWORD_MAX_BYTES 1024

/*
 * {"password"} sets the user's password (replacing one set before).
 * ERR_INVALID naming "password" (the message never repeats it),
 * ERR_NOTFOUND, ERR_CONFLICT for a disabled user. Who may set whose
 * password is the route's to decide. Audited "user.password". *out: the
 * user.
 */
int ledger_user_password_set(json_t **out, PGconn *c, const char *name, json_t *body,
			     const struct ledger_actor *who);

/*
 * *out_ok: password is user's password, by argon2id_verify (the library
 * compares in constant time). False, with 0 returned, for a disabled
 * user, a user without a password, an unknown user and a password out of
 * bounds; an unknown user and one without a password cost one hashing
 * too, so that the time taken does not tell which names exist. A
 * negative err code only when the check itself failed (database, memory).
 */
int ledger_user_password_check(bool *out_ok, PGconn *c, const char *user,
			       const char *password);

/*
 * The identity of a request whose body may carry a password, as its
 * Idempotency-Key record keeps it (64 hex digits, like the SHA-256 of
 * method, path and body that other requests keep): argon2id of material
 * with the password parameters, salted by the key. The same request with
 * the same key gives the same identity, so a replay is recognised; a
 * guess at the password from the record costs as much as a guess from
 * users.password_hash.
 */
int ledger_password_request_id(char out[HASH_HEX_BYTES], const char *material, size_t n,
			       const char *key);

/* One user as ledger_user_create answers; ERR_NOTFOUND. */
int ledger_user_get(json_t **out, PGconn *c, const char *name);

/* Every user, by name: a JSON array (new ref). */
int ledger_users_list(json_t **out, PGconn *c);

/*
 * {"roles":[...]} replaces the user's roles (non-empty). ERR_CONFLICT if
 * it would leave no active admin. Audited "user.roles". *out: the user.
 */
int ledger_user_roles_set(json_t **out, PGconn *c, const char *name, json_t *body,
			  const struct ledger_actor *who);

/*
 * {"reason"} disables the user: their tokens stop working at once (the
 * daemon checks every request). ERR_CONFLICT if already disabled or the
 * last active admin. Audited "user.disable". *out: the user.
 */
int ledger_user_disable(json_t **out, PGconn *c, const char *name, json_t *body,
			const struct ledger_actor *who);

/*
 * {"name"?} makes a token for user (label default "USER-<token id>"):
 * *out {"token": the secret, shown this once, "name", "user", "id"}.
 * ERR_NOTFOUND for no such user, ERR_CONFLICT for a disabled user or a
 * label taken. Audited "token.create" (object: the label).
 */
int ledger_user_token_create(json_t **out, PGconn *c, const char *user, json_t *body,
			     const struct ledger_actor *who);

/* The tokens of user (NULL: of everyone), never their secrets: an array
 * of {id, name, user, created_at, revoked_at}. ERR_NOTFOUND for no such user. */
int ledger_user_tokens(json_t **out, PGconn *c, const char *user);

/* Revokes the token named name: ERR_NOTFOUND if there is no such
 * unrevoked token. Audited "token.revoke". *out {"name","revoked":true}. */
int ledger_token_revoke(json_t **out, PGconn *c, const char *name,
			const struct ledger_actor *who);

/* GET /v1/audit's filters: NULL (0 for after) means none. from and to are
 * dates (the whole day counts) or RFC 3339 timestamps, inclusive; object
 * is a prefix. */
struct ledger_audit_query {
	const char *user, *from, *to, *action, *object;
	int64_t after;
	int limit; /* 1 .. LIMIT_LIST_ROWS */
};

/* {"audit":[{id, at, user, token, role, action, object, request_id}],
 * "next": the last id or null}, oldest first. ERR_INVALID naming a bad
 * from or to. */
int ledger_audit_list(json_t **out, PGconn *c, const struct ledger_audit_query *q);

#endif
