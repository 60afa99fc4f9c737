/*
 * routes_people.c - tfledgerd's routes of people (ledger/people.h,
 * docs/people.md): users and their roles, made and disabled by an admin;
 * the tokens of a user; who am I; the audit log, read back. Who may call
 * which is in the route table (routes.c).
 *
 * Every write goes through http_write: the write, its audit row (naming
 * the admin) and the Idempotency-Key's record commit in ONE transaction.
 * Handlers only parse the path and query and call one function of people.c.
 */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/limits.h"
#include "daemon/http.h"
#include "daemon/routes.h"
#include "daemon/throttle.h"
#include "ledger/people.h"
#include "ledger/sessions.h"

/* One write of people.c: a user (or token) name from the path and the body. */
typedef int (*people_fn)(json_t **out, PGconn *c, const char *name, json_t *body,
			 const struct ledger_actor *who);

struct write {
	people_fn fn;
	const char *name; /* the path's {name}, or NULL */
	json_t *body;
	unsigned status;
};

static int write_op(json_t **out, unsigned *status, PGconn *c, const struct ledger_actor *who,
		    void *ctx)
{
	struct write *w = ctx;

	*status = w->status;
	return w->fn(out, c, w->name, w->body, who);
}

/* Parses the body (an empty one is {}) into *out; else 1 with 400 sent. */
static int body_of(json_t **out, struct req *q, enum MHD_Result *sent)
{
	if (http_body_len(q) == 0)
		*out = json_object();
	else if (route_parse_body(out, q, sent, NULL))
		return 1;
	if (!*out) {
		*sent = http_send_error(q, EC_INTERNAL, "out of memory");
		return 1;
	}
	return 0;
}

/* Parses the body (an empty one is {}), runs fn through http_write. */
static enum MHD_Result write_run(struct req *q, people_fn fn, const char *name,
				 unsigned status)
{
	struct write w = {fn, name, NULL, status};
	enum MHD_Result sent;

	if (body_of(&w.body, q, &sent))
		return sent;
	sent = http_write(q, write_op, &w);
	json_decref(w.body);
	return sent;
}

static int user_create(json_t **out, PGconn *c, const char *name, json_t *body,
		       const struct ledger_actor *who)
{
	(void)name;
	return ledger_user_create(out, c, body, who);
}

static int token_revoke(json_t **out, PGconn *c, const char *name, json_t *body,
			const struct ledger_actor *who)
{
	const char *key;
	json_t *v;

	json_object_foreach(body, key, v)
		return err_set(ERR_INVALID, "%s: unknown field", key);
	return ledger_token_revoke(out, c, name, who);
}

/* POST /v1/users {"name","full_name"?,"roles":[...],"password"?}: 201 the user. */
enum MHD_Result route_user_create(struct req *q, const char *const *args)
{
	(void)args;
	return write_run(q, user_create, NULL, 201);
}

/* POST /v1/users/{name}/roles {"roles":[...]}: 200 the user. */
enum MHD_Result route_user_roles(struct req *q, const char *const *args)
{
	return write_run(q, ledger_user_roles_set, args[0], 200);
}

/* POST /v1/users/{name}/disable {"reason"}: 200 the user. */
enum MHD_Result route_user_disable(struct req *q, const char *const *args)
{
	return write_run(q, ledger_user_disable, args[0], 200);
}

/*
 * One's own password changed from a web session: the body must also carry
 * "current", the password now (400 if absent, 403 if wrong; a wrong one is
 * counted and audited as a failed sign-in, ledger/sessions.h), so that a
 * browser left signed in does not let another person take the account.
 * A token request and an admin setting another's password need none.
 */
static enum MHD_Result own_password(struct req *q, const char *user)
{
	char client[64];
	struct ledger_actor who = http_actor(q);
	struct ledger_sign_in_from from = {client, who.request_id};
	struct write w = {ledger_user_password_set, user, NULL, 200};
	const char *current;
	enum MHD_Result sent;
	bool ok = false;
	int rc;

	if (body_of(&w.body, q, &sent))
		return sent;
	current = json_string_value(json_object_get(w.body, "current"));
	if (!current) {
		sent = http_send_error(q, EC_INVALID_FIELD,
				       "current: required (your current password) to change your"
				       " own password from a signed-in session");
		goto cleanup;
	}
	if ((rc = ledger_user_password_check(&ok, http_db(q), user, current)) < 0) {
		sent = http_send_failure(q, rc);
		goto cleanup;
	}
	if (!ok) {
		daemon_throttle_address(client, sizeof(client), http_client(q));
		rc = ledger_sign_in_failed(http_db(q), user, &from);
		sent = rc < 0 ? http_send_failure(q, rc)
			      : http_send_error(q, EC_FORBIDDEN,
						"current: not your current password");
		goto cleanup;
	}
	json_object_del(w.body, "current");
	sent = http_write(q, write_op, &w);
cleanup:
	json_decref(w.body);
	return sent;
}

/*
 * POST /v1/users/{name}/password {"password"}: 200 the user (never the
 * password nor its hash). An admin may set anyone's; every other user only
 * their own: 403 naming the person otherwise.
 */
enum MHD_Result route_user_password(struct req *q, const char *const *args)
{
	const struct ledger_token *t = http_token(q);

	if (!http_role_in(q, ROLE_ADMIN) && strcmp(t->user, args[0]) != 0)
		return http_send_error(q, EC_FORBIDDEN,
				       "%s may set only their own password, not %s's (an admin"
				       " sets anyone's)",
				       t->user, args[0]);
	if (http_session_csrf(q) && strcmp(t->user, args[0]) == 0)
		return own_password(q, args[0]);
	return write_run(q, ledger_user_password_set, args[0], 200);
}

/* POST /v1/users/{name}/tokens {"name"?}: 201 {"token","name","user","id"}. */
enum MHD_Result route_user_token_create(struct req *q, const char *const *args)
{
	return write_run(q, ledger_user_token_create, args[0], 201);
}

/* POST /v1/tokens/{name}/revoke: 200 {"name","revoked":true}. */
enum MHD_Result route_token_revoke(struct req *q, const char *const *args)
{
	return write_run(q, token_revoke, args[0], 200);
}

enum MHD_Result route_users_list(struct req *q, const char *const *args)
{
	(void)args;
	return http_list(q, ledger_users_list, "users");
}

/* A read of one named thing: 200 {...} or {"KEY": [...]}. */
static enum MHD_Result read_one(struct req *q, int (*fn)(json_t **, PGconn *, const char *),
				const char *name, const char *key)
{
	const char *bad = http_unknown_arg(q, http_no_args);
	json_t *out = NULL;
	int rc;

	if (bad)
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	rc = fn(&out, http_db(q), name);
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, key ? json_pack("{s:o}", key, out) : out);
}

enum MHD_Result route_user_get(struct req *q, const char *const *args)
{
	return read_one(q, ledger_user_get, args[0], NULL);
}

enum MHD_Result route_user_tokens(struct req *q, const char *const *args)
{
	return read_one(q, ledger_user_tokens, args[0], "tokens");
}

/* GET /v1/me: the person the token belongs to, all their roles, the token. */
enum MHD_Result route_me(struct req *q, const char *const *args)
{
	const struct ledger_token *t = http_token(q);
	const char *bad = http_unknown_arg(q, http_no_args);

	(void)args;
	if (bad)
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	return http_send_json(q, 200,
			      json_pack("{s:s, s:s, s:o, s:s}", "user", t->user, "full_name",
					t->full_name, "roles", ledger_roles_json(t->roles), "token",
					t->name));
}

/* GET /v1/audit?user=&from=&to=&action=&object=&after=&limit= */
enum MHD_Result route_audit_list(struct req *q, const char *const *path_args)
{
	static const char *const args[] = {"user", "from", "to", "action", "object",
					   "after", "limit", NULL};
	struct ledger_audit_query a = {.user = http_arg(q, "user"), .from = http_arg(q, "from"),
				       .to = http_arg(q, "to"), .action = http_arg(q, "action"),
				       .object = http_arg(q, "object")};
	const char *bad;
	enum MHD_Result sent;
	json_t *out = NULL;
	int rc;

	(void)path_args;
	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (a.user && !ledger_user_name_valid(a.user))
		return http_send_error(q, EC_INVALID_FIELD, "user: not a user name");
	if (a.action && (!*a.action || strlen(a.action) > 100))
		return http_send_error(q, EC_INVALID_FIELD, "action: 1-100 characters");
	if (route_page_args(&a.after, &a.limit, q, &sent) < 0)
		return sent;
	rc = ledger_audit_list(&out, http_db(q), &a);
	return rc < 0 ? http_send_failure(q, rc) : http_send_json(q, 200, out);
}
