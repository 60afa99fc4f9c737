/*
 * test_people.c - people through the real tfledgerd and the real CLI: an
 * admin makes a user who holds two roles and a token for them, the token
 * works for both roles' routes and no others, and every audit row of what
 * the user does (a fund write, a ledger entry through the group-commit
 * writer) names them; disabling the user or revoking the token refuses
 * the very next request; the last active admin stays; the audit log reads
 * back filtered and a page at a time; the first admin is made offline and
 * then works through the API, where a disabled user's token makes the CLI
 * exit 1. Passwords: set through the API and through the CLI's standard
 * input, stored only as argon2id, never answered nor audited, checked by
 * ledger_user_password_check; set by the user themselves or an admin, not
 * by another user. Each test gets a fresh migrated database and its own
 * tfledgerd.
 */
#include "tests/integration/ledger_fixture.h"

#include <jansson.h>
#include <stdarg.h>

#include "common/err.h"
#include "common/hash.h"
#include "ledger/people.h"

static struct roles_env E;

static void setup(void)
{
	roles_env_open(&E);
	daemon_start(&E.d, E.conninfo, E.dir);
}

static void teardown(void)
{
	roles_env_close(&E);
}

/* An error answer of status with code whose message holds want. */
static void refused(const char *method, const char *path, const char *token, const char *body,
		    long status, const char *code, const char *want)
{
	json_t *o = call_on(&E.d, method, path, token, body, status);
	json_t *e = json_object_get(o, "error");
	const char *msg = json_string_value(json_object_get(e, "message"));

	ck_assert_str_eq(json_string_value(json_object_get(e, "code")), code);
	ck_assert_msg(msg && strstr(msg, want), "%s %s: message '%s' lacks '%s'", method, path,
		      msg, want);
	ck_assert_msg(!strstr(msg, "duplicate key") && !strstr(msg, "violates"),
		      "raw PostgreSQL text: %s", msg);
	json_decref(o);
}

/* POST /v1/users/NAME/tokens as the admin: the new token (caller frees). */
static char *user_token(const char *user, const char *label)
{
	char path[128], body[128];
	json_t *o;
	char *t;

	snprintf(path, sizeof(path), "/v1/users/%s/tokens", user);
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", label);
	o = call_on(&E.d, "POST", path, E.admin, body, 201);
	ck_assert_str_eq(json_string_value(json_object_get(o, "user")), user);
	ck_assert_str_eq(json_string_value(json_object_get(o, "name")), label);
	t = strdup(json_string_value(json_object_get(o, "token")));
	ck_assert_int_eq(strlen(t), 85);
	json_decref(o);
	return t;
}

static void add_user(const char *name, const char *roles)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"roles\":%s}", name, roles);
	json_decref(call_on(&E.d, "POST", "/v1/users", E.admin, body, 201));
}

START_TEST(test_users__two_roles_a_token_works_for_both_and_no_other)
{
	static const char *const bad[][2] = {
		{"{\"name\":\"Fiona F\",\"roles\":[\"finance\"]}", "name:"},
		{"{\"name\":\"x\",\"roles\":[]}", "roles:"},
		{"{\"name\":\"x\",\"roles\":[\"boss\"]}", "roles[0]:"},
		{"{\"name\":\"x\",\"roles\":[\"finance\",\"finance\"]}", "roles[1]:"},
		{"{\"name\":\"x\",\"roles\":[\"finance\"],\"password\":\"p\"}", "password:"},
		{"{\"roles\":[\"finance\"]}", "name:"},
	};
	long long users = query_ll(E.conninfo, "SELECT count(*) FROM users");
	char entry[512], *tok;
	json_t *o, *roles;

	o = call_on(&E.d, "POST", "/v1/users", E.admin,
		    "{\"name\":\"fiona\",\"full_name\":\"Fiona Example\","
		    "\"roles\":[\"secretariat\",\"finance\"]}", 201);
	roles = json_object_get(o, "roles");
	ck_assert_int_eq(json_array_size(roles), 2);
	ck_assert_str_eq(json_string_value(json_array_get(roles, 0)), "finance");
	ck_assert_str_eq(json_string_value(json_array_get(roles, 1)), "secretariat");
	ck_assert_str_eq(json_string_value(json_object_get(o, "created_by")), "ada");
	json_decref(o);
	refused("POST", "/v1/users", E.admin, "{\"name\":\"fiona\",\"roles\":[\"auditor\"]}",
		409, "conflict", "a user named 'fiona' already exists");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused("POST", "/v1/users", E.admin, bad[i][0], 400, "invalid-field", bad[i][1]);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM users"), users + 1);
	refused("POST", "/v1/users", E.finance, "{\"name\":\"y\",\"roles\":[\"finance\"]}", 403,
		"forbidden", "fin (finance) may not manage users");

	tok = user_token("fiona", "fiona-laptop");
	o = call_on(&E.d, "GET", "/v1/me", tok, NULL, 200);
	ck_assert_str_eq(json_string_value(json_object_get(o, "user")), "fiona");
	ck_assert_str_eq(json_string_value(json_object_get(o, "full_name")), "Fiona Example");
	ck_assert_str_eq(json_string_value(json_object_get(o, "token")), "fiona-laptop");
	ck_assert_int_eq(json_array_size(json_object_get(o, "roles")), 2);
	json_decref(o);

	/* finance's routes: an account, a fund write, an entry (group commit) */
	json_decref(call_on(&E.d, "POST", "/v1/accounts", tok,
			    "{\"code\":\"9010\",\"name\":\"Bank\",\"type\":\"asset\","
			    "\"currency\":\"EUR\"}", 201));
	json_decref(call_on(&E.d, "POST", "/v1/accounts", tok,
			    "{\"code\":\"9040\",\"name\":\"Gifts\",\"type\":\"revenue\","
			    "\"currency\":\"EUR\"}", 201));
	json_decref(call_on(&E.d, "POST", "/v1/fund/init", tok, NULL, 201));
	entry_body(entry, sizeof(entry), "2019-02-14", "9010", "9040", "5.00");
	json_decref(call_on(&E.d, "POST", "/v1/entries", tok, entry, 201));
	/* secretariat's route */
	json_decref(call_on(&E.d, "GET", "/v1/meetings", tok, NULL, 200));
	/* neither's */
	refused("GET", "/v1/users", tok, NULL, 403, "forbidden",
		"fiona (finance, secretariat) may not read users");
	refused("POST", "/v1/periods/2019-01/reopen", tok, "{\"reason\":\"r\"}", 403, "forbidden",
		"fiona (finance, secretariat) may not");

	/* every audit row of hers names her, acting in the route's role */
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(DISTINCT action) FROM audit WHERE"
					      " user_name = 'fiona' AND token_name = 'fiona-laptop'"
					      " AND role = 'finance' AND action IN ('account.create',"
					      " 'fund.init', 'entry.post')"),
			 3);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action IN"
					      " ('account.create', 'fund.init', 'entry.post') AND"
					      " (user_name <> 'fiona' OR role <> 'finance')"),
			 0);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE user_name = 'ada'"
					      " AND action IN ('user.create', 'token.create')"
					      " AND object IN ('fiona', 'fiona-laptop')"),
			 2);

	/* the admin and the auditor see her and her token, never its secret */
	o = call_on(&E.d, "GET", "/v1/users/fiona/tokens", E.auditor, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "tokens")), 1);
	ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(o, "tokens"), 0), "token"));
	json_decref(o);
	o = call_on(&E.d, "GET", "/v1/users", E.auditor, NULL, 200);
	ck_assert_int_eq((long long)json_array_size(json_object_get(o, "users")), users + 1);
	json_decref(o);
	refused("GET", "/v1/users/nobody", E.admin, NULL, 404, "not-found", "no user 'nobody'");
	free(tok);
}
END_TEST

START_TEST(test_disable__refuses_the_users_tokens_at_once)
{
	char *tok, *tok2;
	json_t *o;

	add_user("sam", "[\"secretariat\"]");
	tok = user_token("sam", "sam-1");
	tok2 = user_token("sam", "sam-2");
	json_decref(call_on(&E.d, "GET", "/v1/me", tok, NULL, 200));
	refused("POST", "/v1/users/sam/disable", E.admin, "{}", 400, "invalid-field", "reason:");
	refused("POST", "/v1/users/sam/disable", E.admin, "{\"reason\":\"\"}", 400,
		"invalid-field", "reason:");
	json_decref(call_on(&E.d, "GET", "/v1/me", tok, NULL, 200));
	o = call_on(&E.d, "POST", "/v1/users/sam/disable", E.admin,
		    "{\"reason\":\"left the Secretariat\"}", 200);
	ck_assert(json_is_true(json_object_get(o, "disabled")));
	ck_assert_str_eq(json_string_value(json_object_get(o, "disabled_by")), "ada");
	json_decref(o);
	refused("GET", "/v1/me", tok, NULL, 401, "unauthenticated",
		"unknown or revoked token, or disabled user");
	refused("GET", "/v1/meetings", tok2, NULL, 401, "unauthenticated",
		"unknown or revoked token, or disabled user");
	refused("POST", "/v1/users/sam/disable", E.admin, "{\"reason\":\"again\"}", 409,
		"conflict", "already disabled");
	refused("POST", "/v1/users/sam/tokens", E.admin, NULL, 409, "conflict", "is disabled");
	refused("POST", "/v1/users/nobody/disable", E.admin, "{\"reason\":\"r\"}", 404,
		"not-found", "no user 'nobody'");
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'user.disable' AND user_name = 'ada'"), 1);
	free(tok);
	free(tok2);
}
END_TEST

START_TEST(test_revoke__refuses_the_token_at_once_and_only_it)
{
	char *a, *b;

	add_user("rita", "[\"auditor\"]");
	a = user_token("rita", "rita-a");
	b = user_token("rita", "rita-b");
	refused("POST", "/v1/tokens/rita-a/revoke", E.auditor, NULL, 403, "forbidden",
		"aud (auditor) may not manage users");
	json_decref(call_on(&E.d, "POST", "/v1/tokens/rita-a/revoke", E.admin, NULL, 200));
	refused("GET", "/v1/me", a, NULL, 401, "unauthenticated", "unknown or revoked token");
	json_decref(call_on(&E.d, "GET", "/v1/me", b, NULL, 200));
	refused("POST", "/v1/tokens/rita-a/revoke", E.admin, NULL, 404, "not-found",
		"no active token named 'rita-a'");
	refused("POST", "/v1/users/rita/tokens", E.admin, "{\"name\":\"rita-b\"}", 409, "conflict",
		"a token named 'rita-b' already exists");
	free(a);
	free(b);
}
END_TEST

/*
 * An append takes its token from memory (tfledgerd's authorise, issue 18)
 * and the writer's transaction checks it again: a role withdrawn, a token
 * revoked or a user disabled holds for the very next append as for any
 * other request, single or batch, and nothing is stored.
 */
START_TEST(test_appends__a_role_withdrawn_a_revoke_or_a_disable_holds_at_once)
{
	long long entries;
	char entry[512], batch[1200], *tok, *tok2;

	add_user("fred", "[\"finance\"]");
	tok = user_token("fred", "fred-1");
	json_decref(call_on(&E.d, "POST", "/v1/accounts", E.finance,
			    "{\"code\":\"9110\",\"name\":\"Bank\",\"type\":\"asset\","
			    "\"currency\":\"EUR\"}", 201));
	json_decref(call_on(&E.d, "POST", "/v1/accounts", E.finance,
			    "{\"code\":\"9140\",\"name\":\"Gifts\",\"type\":\"revenue\","
			    "\"currency\":\"EUR\"}", 201));
	entry_body(entry, sizeof(entry), "2019-03-01", "9110", "9140", "7.00");
	snprintf(batch, sizeof(batch), "{\"entries\":[%s,%s]}", entry, entry);
	json_decref(call_on(&E.d, "POST", "/v1/entries", tok, entry, 201)); /* remembered */
	entries = query_ll(E.conninfo, "SELECT count(*) FROM entries");

	json_decref(call_on(&E.d, "POST", "/v1/users/fred/roles", E.admin,
			    "{\"roles\":[\"auditor\"]}", 200));
	refused("POST", "/v1/entries", tok, entry, 403, "forbidden",
		"no longer holds the role finance; nothing was stored");
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM entries"), entries);
	/* forgotten: the next request asks the database, which says why */
	refused("POST", "/v1/entries/batch", tok, batch, 403, "forbidden",
		"fred (auditor) may not write the ledger");

	json_decref(call_on(&E.d, "POST", "/v1/users/fred/roles", E.admin,
			    "{\"roles\":[\"finance\"]}", 200));
	json_decref(call_on(&E.d, "POST", "/v1/entries/batch", tok, batch, 201));
	entries += 2;
	json_decref(call_on(&E.d, "POST", "/v1/tokens/fred-1/revoke", E.admin, NULL, 200));
	refused("POST", "/v1/entries/batch", tok, batch, 401, "unauthenticated",
		"unknown or revoked token, or disabled user; nothing was stored");
	refused("POST", "/v1/entries", tok, entry, 401, "unauthenticated",
		"unknown or revoked token, or disabled user");

	tok2 = user_token("fred", "fred-2");
	json_decref(call_on(&E.d, "POST", "/v1/entries", tok2, entry, 201));
	entries++;
	json_decref(call_on(&E.d, "POST", "/v1/users/fred/disable", E.admin,
			    "{\"reason\":\"left\"}", 200));
	refused("POST", "/v1/entries", tok2, entry, 401, "unauthenticated",
		"unknown or revoked token, or disabled user; nothing was stored");
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM entries"), entries);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE user_name ="
					      " 'fred' AND action IN ('entry.post', 'entry.batch')"),
			 3);
	free(tok);
	free(tok2);
}
END_TEST

START_TEST(test_last_admin__can_be_neither_disabled_nor_demoted)
{
	char *bob;

	refused("POST", "/v1/users/ada/disable", E.admin, "{\"reason\":\"r\"}", 409, "conflict",
		"'ada' is the last active admin");
	refused("POST", "/v1/users/ada/roles", E.admin, "{\"roles\":[\"finance\"]}", 409,
		"conflict", "'ada' is the last active admin");
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM users u JOIN user_roles r"
					      " ON r.user_id = u.id WHERE u.name = 'ada' AND"
					      " r.role = 'admin' AND u.disabled_at IS NULL"), 1);
	/* a second admin: now ada may step down, and bob is the last */
	add_user("bob", "[\"admin\"]");
	bob = user_token("bob", "bob-1");
	json_decref(call_on(&E.d, "POST", "/v1/users/ada/roles", bob,
			    "{\"roles\":[\"finance\",\"approver\"]}", 200));
	refused("POST", "/v1/users/bob/disable", bob, "{\"reason\":\"r\"}", 409, "conflict",
		"'bob' is the last active admin");
	refused("POST", "/v1/users/bob/roles", bob, "{\"roles\":[\"auditor\"]}", 409, "conflict",
		"'bob' is the last active admin");
	/* ada's token now acts in her new roles only */
	refused("GET", "/v1/users", E.admin, NULL, 403, "forbidden",
		"ada (finance, approver) may not read users");
	free(bob);
}
END_TEST

/* A people write replays its first answer for the same Idempotency-Key and
 * stores nothing more; the request acts in the first of the route's roles
 * the user holds (enum role's order), written in audit.role. */
START_TEST(test_writes__replay_a_key_and_record_the_acting_role)
{
	const char *body = "{\"name\":\"kim\",\"roles\":[\"finance\",\"admin\"]}";
	struct resp a = http(&E.d, "POST", "/v1/users", E.admin, "k-1", body), b;
	long long audits = query_ll(E.conninfo, "SELECT count(*) FROM audit");
	char *kim;

	ck_assert_msg(a.status == 201, "%ld %s", a.status, a.body);
	b = http(&E.d, "POST", "/v1/users", E.admin, "k-1", body);
	ck_assert_int_eq(b.status, 201);
	ck_assert_str_eq(b.body, a.body);
	resp_free(&b);
	b = http(&E.d, "POST", "/v1/users", E.admin, "k-1", "{\"name\":\"lee\",\"roles\":[\"finance\"]}");
	ck_assert_int_eq(b.status, 409);
	resp_free(&b);
	resp_free(&a);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit"), audits);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM users WHERE name IN"
					      " ('kim', 'lee')"), 1);
	/* kim holds admin and finance: a ledger write (admin, finance) acts as admin */
	kim = user_token("kim", "kim-1");
	json_decref(call_on(&E.d, "POST", "/v1/accounts", kim,
			    "{\"code\":\"9010\",\"name\":\"Bank\",\"type\":\"asset\","
			    "\"currency\":\"EUR\"}", 201));
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'account.create' AND user_name = 'kim' AND"
					      " role = 'admin'"), 1);
	free(kim);
}
END_TEST

/* GET /v1/audit?query as the auditor: the answer (caller's). */
static json_t *audit(const char *query)
{
	char path[512];

	snprintf(path, sizeof(path), "/v1/audit%s", query);
	return call_on(&E.d, "GET", path, E.auditor, NULL, 200);
}

START_TEST(test_audit__filters_and_pages)
{
	char today[11], q[256];
	long long last;
	json_t *o, *rows;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	add_user("u-one", "[\"finance\"]");
	add_user("u-two", "[\"finance\"]");
	add_user("u-three", "[\"auditor\"]");
	add_user("v-four", "[\"auditor\"]");
	/* filtered by action, 2 a page, the cursor followed */
	o = audit("?action=user.create&limit=2");
	rows = json_object_get(o, "audit");
	ck_assert_int_eq(json_array_size(rows), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 0), "object")),
			 "u-one");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 0), "user")), "ada");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 0), "role")),
			 "admin");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(json_array_get(rows, 0),
								  "request_id")));
	ck_assert(json_is_integer(json_object_get(o, "next")));
	last = json_integer_value(json_object_get(o, "next"));
	ck_assert_int_eq(last, json_integer_value(json_object_get(json_array_get(rows, 1), "id")));
	json_decref(o);
	snprintf(q, sizeof(q), "?action=user.create&limit=2&after=%lld", last);
	o = audit(q);
	rows = json_object_get(o, "audit");
	ck_assert_int_eq(json_array_size(rows), 2);
	ck_assert_int_gt(json_integer_value(json_object_get(json_array_get(rows, 0), "id")), last);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 1), "object")),
			 "v-four");
	ck_assert(json_is_null(json_object_get(o, "next")));
	json_decref(o);
	/* an object prefix, a person, a day, an instant */
	o = audit("?object=u-");
	ck_assert_int_eq(json_array_size(json_object_get(o, "audit")), 3);
	json_decref(o);
	o = audit("?user=ada&action=user.create");
	ck_assert_int_eq(json_array_size(json_object_get(o, "audit")), 4);
	json_decref(o);
	o = audit("?user=fin");
	ck_assert_int_eq(json_array_size(json_object_get(o, "audit")), 0);
	json_decref(o);
	snprintf(q, sizeof(q), "?action=user.create&from=%s&to=%s", today, today);
	o = audit(q);
	ck_assert_int_eq(json_array_size(json_object_get(o, "audit")), 4);
	json_decref(o);
	o = audit("?action=user.create&to=2000-01-01");
	ck_assert_int_eq(json_array_size(json_object_get(o, "audit")), 0);
	json_decref(o);
	o = audit("?action=user.create&from=2000-01-01T00:00:00Z");
	ck_assert_int_eq(json_array_size(json_object_get(o, "audit")), 4);
	json_decref(o);
	/* bad parameters are named; the roles that may not read it are refused */
	refused("GET", "/v1/audit?from=yesterday", E.auditor, NULL, 400, "invalid-field", "from:");
	refused("GET", "/v1/audit?to=2019-02-30", E.auditor, NULL, 400, "invalid-field", "to:");
	refused("GET", "/v1/audit?limit=0", E.auditor, NULL, 400, "invalid-field", "limit:");
	refused("GET", "/v1/audit?limit=1001", E.auditor, NULL, 400, "invalid-field", "limit:");
	refused("GET", "/v1/audit?after=-1", E.auditor, NULL, 400, "invalid-field", "after:");
	refused("GET", "/v1/audit?who=ada", E.auditor, NULL, 400, "invalid-field", "who:");
	refused("GET", "/v1/audit", E.finance, NULL, 403, "forbidden",
		"fin (finance) may not read the audit log");
	json_decref(call_on(&E.d, "GET", "/v1/audit", E.admin, NULL, 200));
}
END_TEST

/* tfledger ARGS... (NULL-terminated): exit status; stdout and stderr kept. */
static int tf(char **out, char **err, const char *first, ...)
{
	const char *argv[32] = {harness_bin_tfledger(), first};
	int n = 2;
	va_list ap;

	va_start(ap, first);
	while (n < 31 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return harness_run(out, err, NULL, argv);
}

START_TEST(test_cli__first_admin_offline_then_through_the_api)
{
	char *out = NULL, *err = NULL, *root, *clerk;
	int rc;

	/* operating the installation: the database directly */
	rc = tf(&out, &err, "user", "add", "--name", "root", "--role", "admin,auditor",
		"--full-name", "Root Admin", "--database", E.conninfo, NULL);
	ck_assert_msg(rc == 0, "user add: %s", err);
	ck_assert_msg(strstr(out, "admin,auditor"), "user add: %s", out);
	free(out);
	free(err);
	rc = tf(&out, &err, "token", "create", "--user", "root", "--name", "root-1", "--database",
		E.conninfo, NULL);
	ck_assert_msg(rc == 0, "token create: %s", err);
	out[strcspn(out, "\n")] = '\0';
	ck_assert_int_eq(strlen(out), 85);
	root = out;
	free(err);
	/* through tfledgerd */
	rc = tf(&out, &err, "whoami", "--url", E.d.base, "--token", root, NULL);
	ck_assert_msg(rc == 0, "whoami: %s", err);
	ck_assert_msg(strstr(out, "root (Root Admin) (admin,auditor), token root-1"), "whoami: %s",
		      out);
	free(out);
	free(err);
	rc = tf(&out, &err, "user", "add", "--name", "clerk", "--role", "finance", "--url",
		E.d.base, "--token", root, NULL);
	ck_assert_msg(rc == 0, "user add (API): %s", err);
	free(out);
	free(err);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM users WHERE name = 'clerk'"
					      " AND created_by = 'root'"), 1);
	rc = tf(&out, &err, "token", "create", "--user", "clerk", "--url", E.d.base, "--token",
		root, NULL);
	ck_assert_msg(rc == 0, "token create (API): %s", err);
	out[strcspn(out, "\n")] = '\0';
	clerk = out;
	free(err);
	rc = tf(&out, &err, "whoami", "--url", E.d.base, "--token", clerk, NULL);
	ck_assert_msg(rc == 0 && strstr(out, "clerk (finance)"), "whoami clerk: %d %s %s", rc, out,
		      err);
	free(out);
	free(err);
	rc = tf(&out, &err, "user", "disable", "--name", "clerk", "--reason", "moved on", "--url",
		E.d.base, "--token", root, NULL);
	ck_assert_msg(rc == 0, "user disable (API): %s", err);
	free(out);
	free(err);
	rc = tf(&out, &err, "whoami", "--url", E.d.base, "--token", clerk, NULL);
	ck_assert_msg(rc == 1, "whoami of a disabled user: exit %d, want 1", rc);
	ck_assert_msg(strstr(err, "disabled user") && strstr(err, "[unauthenticated]"), "%s", err);
	free(out);
	free(err);
	/* a refusal of the API is exit 1 with the server's words */
	rc = tf(&out, &err, "user", "add", "--name", "clerk", "--role", "auditor", "--url",
		E.d.base, "--token", root, NULL);
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strstr(err, "a user named 'clerk' already exists [conflict]"), "%s", err);
	free(out);
	free(err);
	/* the audit log, every page, through the CLI */
	rc = tf(&out, &err, "audit", "--action", "user.create", "--format", "json", "--url",
		E.d.base, "--token", root, NULL);
	ck_assert_msg(rc == 0, "audit: %s", err);
	{
		json_t *o = json_loads(out, 0, NULL);
		json_t *rows = json_object_get(o, "audit");

		ck_assert_int_eq(json_array_size(rows), 2);
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 1),
								   "object")),
				 "clerk");
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 1), "user")),
				 "root");
		json_decref(o);
	}
	free(out);
	free(err);
	free(root);
	free(clerk);
}
END_TEST

/* --- passwords ------------------------------------------------------------------ */

/* ledger_user_password_check(user, password) on the test's own connection. */
static bool password_ok(const char *user, const char *password)
{
	PGconn *c = harness_connect(E.conninfo);
	bool ok = true;

	ck_assert_int_eq(ledger_people_setup(c), 0);
	ck_assert_msg(ledger_user_password_check(&ok, c, user, password) == 0, "check: %s",
		      err_last());
	PQfinish(c);
	return ok;
}

/* users.password_hash of user (caller frees). */
static char *stored_hash(const char *user)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT password_hash FROM users WHERE name = '%s'", user);
	return query_str(E.conninfo, sql);
}

/* The answer of method path as text holds neither needle. */
static void answer_lacks(const char *method, const char *path, const char *a, const char *b)
{
	struct resp r = http(&E.d, method, path, E.admin, NULL, NULL);

	ck_assert_msg(r.status == 200, "%s %s: %ld %s", method, path, r.status, r.body);
	ck_assert_msg(!strstr(r.body, a) && !strstr(r.body, b), "%s %s shows a secret: %s",
		      method, path, r.body);
	resp_free(&r);
}

START_TEST(test_passwords__argon2id_checked_never_answered_nor_audited)
{
	static const char *const bad[] = {
		"{\"name\":\"x\",\"roles\":[\"finance\"],\"password\":\"seven77\"}",
		"{\"name\":\"x\",\"roles\":[\"finance\"],\"password\":\"tab\\there-and-long\"}",
		"{\"name\":\"x\",\"roles\":[\"finance\"],\"password\":\"c1 \\u0085 control!\"}",
		"{\"name\":\"x\",\"roles\":[\"finance\"],\"password\":12345678}",
	};
	const char *pw = "correct horse battery";
	long long users = query_ll(E.conninfo, "SELECT count(*) FROM users");
	char *hash;
	json_t *o;

	o = call_on(&E.d, "POST", "/v1/users", E.admin,
		    "{\"name\":\"pia\",\"roles\":[\"finance\"],"
		    "\"password\":\"correct horse battery\"}", 201);
	ck_assert_msg(json_is_string(json_object_get(o, "password_set_at")), "no password_set_at");
	ck_assert_ptr_null(json_object_get(o, "password"));
	ck_assert_ptr_null(json_object_get(o, "password_hash"));
	json_decref(o);
	hash = stored_hash("pia");
	ck_assert_msg(hash && strncmp(hash, "$argon2id$v=19$m=65536,t=3,p=1$", 31) == 0,
		      "stored: %s", hash ? hash : "NULL");
	ck_assert_msg(!strstr(hash, pw), "the password in the clear: %s", hash);

	/* the check: right, wrong, someone unknown, someone without a password */
	ck_assert(password_ok("pia", pw));
	ck_assert(!password_ok("pia", "correct horse battery "));
	ck_assert(!password_ok("pia", "Correct horse battery"));
	ck_assert(!password_ok("nobody", pw));
	o = call_on(&E.d, "POST", "/v1/users", E.admin,
		    "{\"name\":\"tokens-only\",\"roles\":[\"auditor\"]}", 201);
	ck_assert(json_is_null(json_object_get(o, "password_set_at")));
	json_decref(o);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM users WHERE name ="
					      " 'tokens-only' AND password_hash IS NULL"),
			 1);
	ck_assert(!password_ok("tokens-only", pw));
	ck_assert(!password_ok("tokens-only", ""));

	/* bad passwords: 400 naming the field, never repeating it, nothing stored */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused("POST", "/v1/users", E.admin, bad[i], 400, "invalid-field", "password:");
	{
		struct resp r = http(&E.d, "POST", "/v1/users", E.admin, NULL, bad[0]);

		ck_assert_msg(!strstr(r.body, "seven77"), "the password echoed: %s", r.body);
		resp_free(&r);
	}
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM users"), users + 2);

	/* never in an answer, never in the audit log */
	answer_lacks("GET", "/v1/users", "$argon2id$", pw);
	answer_lacks("GET", "/v1/users/pia", "$argon2id$", pw);
	answer_lacks("GET", "/v1/audit", "$argon2id$", pw);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE"
					      " object LIKE '%argon2%' OR object LIKE '%horse%'"),
			 0);

	/* a disabled user's right password opens nothing */
	json_decref(call_on(&E.d, "POST", "/v1/users/pia/disable", E.admin,
			    "{\"reason\":\"left\"}", 200));
	ck_assert(!password_ok("pia", pw));
	refused("POST", "/v1/users/pia/password", E.admin, "{\"password\":\"another one here\"}",
		409, "conflict", "user 'pia' is disabled");
	free(hash);
}
END_TEST

START_TEST(test_passwords__set_by_the_user_or_an_admin_not_another)
{
	char *pia, *quinn, *before, *after;
	json_t *o;

	add_user("pia", "[\"finance\"]");
	add_user("quinn", "[\"approver\"]");
	pia = user_token("pia", "pia-1");
	quinn = user_token("quinn", "quinn-1");

	/* pia her own */
	o = call_on(&E.d, "POST", "/v1/users/pia/password", pia,
		    "{\"password\":\"pia's own passphrase\"}", 200);
	ck_assert_str_eq(json_string_value(json_object_get(o, "name")), "pia");
	ck_assert(json_is_string(json_object_get(o, "password_set_at")));
	ck_assert_ptr_null(json_object_get(o, "password"));
	json_decref(o);
	ck_assert(password_ok("pia", "pia's own passphrase"));
	/* quinn (approver alone) his own too */
	json_decref(call_on(&E.d, "POST", "/v1/users/quinn/password", quinn,
			    "{\"password\":\"quinn-first-9\"}", 200));
	ck_assert(password_ok("quinn", "quinn-first-9"));

	/* pia not quinn's: 403, his unchanged */
	before = stored_hash("quinn");
	refused("POST", "/v1/users/quinn/password", pia, "{\"password\":\"taken over!!\"}", 403,
		"forbidden", "pia may set only their own password");
	after = stored_hash("quinn");
	ck_assert_str_eq(before, after);
	free(after);
	ck_assert(!password_ok("quinn", "taken over!!"));

	/* the admin sets quinn's: a new salt, the old one stops working */
	json_decref(call_on(&E.d, "POST", "/v1/users/quinn/password", E.admin,
			    "{\"password\":\"reset by ada 2019\"}", 200));
	after = stored_hash("quinn");
	ck_assert_str_ne(before, after);
	ck_assert(password_ok("quinn", "reset by ada 2019"));
	ck_assert(!password_ok("quinn", "quinn-first-9"));

	/* bad bodies and an unknown user */
	refused("POST", "/v1/users/pia/password", pia, "{\"password\":\"short\"}", 400,
		"invalid-field", "password:");
	refused("POST", "/v1/users/pia/password", pia, "{}", 400, "invalid-field",
		"password: required");
	refused("POST", "/v1/users/pia/password", pia, "{\"password\":\"long enough\",\"x\":1}",
		400, "invalid-field", "x: unknown field");
	refused("POST", "/v1/users/nobody/password", E.admin, "{\"password\":\"long enough\"}",
		404, "not-found", "no user 'nobody'");
	ck_assert(password_ok("pia", "pia's own passphrase"));

	/* audited "user.password", naming who set it */
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'user.password' AND object = 'pia' AND user_name"
					      " = 'pia'"),
			 1);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'user.password' AND object = 'quinn'"),
			 2);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'user.password' AND object = 'quinn' AND user_name"
					      " = 'ada' AND role = 'admin'"),
			 1);
	free(before);
	free(after);
	free(pia);
	free(quinn);
}
END_TEST

START_TEST(test_passwords__a_keyed_request_replays_and_keeps_no_fast_hash)
{
	const char *body = "{\"password\":\"keyed and replayed\"}";
	char material[128], fast[HASH_HEX_BYTES], slow[HASH_HEX_BYTES], *stored;
	struct resp r1, r2, r3;

	add_user("pia", "[\"finance\"]");
	r1 = http(&E.d, "POST", "/v1/users/pia/password", E.admin, "pw-key-1", body);
	ck_assert_msg(r1.status == 200, "%ld %s", r1.status, r1.body);
	r2 = http(&E.d, "POST", "/v1/users/pia/password", E.admin, "pw-key-1", body);
	ck_assert_int_eq(r2.status, 200);
	ck_assert_str_eq(r1.body, r2.body);
	r3 = http(&E.d, "POST", "/v1/users/pia/password", E.admin, "pw-key-1",
		  "{\"password\":\"another password\"}");
	ck_assert_msg(r3.status == 409 && strstr(r3.body, "was used with another request"), "%ld %s",
		      r3.status, r3.body);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'user.password'"),
			 1);
	ck_assert(password_ok("pia", "keyed and replayed"));
	ck_assert_msg(!strstr(r1.body, "keyed and replayed") && !strstr(r1.body, "$argon2id$"),
		      "%s", r1.body);

	/* the key's record: argon2id of the request (its caller, the admin
	 * "ada", then method, path and body), not its SHA-256 */
	snprintf(material, sizeof(material), "ada\nPOST /v1/users/pia/password\n%s", body);
	ck_assert_int_eq(hash_sha256_hex(fast, material, strlen(material)), 0);
	ck_assert_int_eq(ledger_password_request_id(slow, material, strlen(material), "pw-key-1"), 0);
	stored = query_str(E.conninfo, "SELECT request_sha256 FROM idempotency_keys"
				       " WHERE key = 'pw-key-1'");
	ck_assert_str_ne(stored, fast);
	ck_assert_str_eq(stored, slow);
	free(stored);
	resp_free(&r1);
	resp_free(&r2);
	resp_free(&r3);
}
END_TEST

/* harness_run of tfledger ARGS... with input on standard input. */
static int tf_in(char **out, char **err, const char *input, const char *first, ...)
{
	const char *argv[32] = {harness_bin_tfledger(), first};
	int n = 2;
	va_list ap;

	va_start(ap, first);
	while (n < 31 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	return harness_run(out, err, input, argv);
}

START_TEST(test_cli__passwords_from_standard_input)
{
	char *out = NULL, *err = NULL, *root, *hash;
	int rc;

	/* the first admin on the database, the password piped in */
	rc = tf_in(&out, &err, "first admin's pass\n", "user", "add", "--name", "root", "--role",
		   "admin", "--database", E.conninfo, NULL);
	ck_assert_msg(rc == 0, "user add: %s", err);
	ck_assert_msg(!strstr(out, "first admin's pass") && !strstr(err, "Password for"),
		      "%s %s", out, err);
	free(out);
	free(err);
	hash = stored_hash("root");
	ck_assert_msg(hash && strncmp(hash, "$argon2id$", 10) == 0, "%s", hash ? hash : "NULL");
	free(hash);
	ck_assert(password_ok("root", "first admin's pass"));
	ck_assert(!password_ok("root", "first admin's pass\n"));
	rc = tf_in(&out, &err, NULL, "token", "create", "--user", "root", "--database",
		   E.conninfo, NULL);
	ck_assert_msg(rc == 0, "token create: %s", err);
	out[strcspn(out, "\n")] = '\0';
	root = out;
	free(err);

	/* through tfledgerd: a CRLF line; and no input at all: no password */
	rc = tf_in(&out, &err, "clerk's pass 1\r\n", "user", "add", "--name", "clerk", "--role",
		   "finance", "--url", E.d.base, "--token", root, NULL);
	ck_assert_msg(rc == 0, "user add (API): %s", err);
	free(out);
	free(err);
	ck_assert(password_ok("clerk", "clerk's pass 1"));
	rc = tf_in(&out, &err, "", "user", "add", "--name", "viewer", "--role", "auditor", "--url",
		   E.d.base, "--token", root, NULL);
	ck_assert_msg(rc == 0, "user add without a password: %s", err);
	free(out);
	free(err);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM users WHERE name = 'viewer'"
					      " AND password_hash IS NULL"),
			 1);

	/* tfledger user password, through tfledgerd and on the database */
	rc = tf_in(&out, &err, "clerk's pass 2\n", "user", "password", "--name", "clerk", "--url",
		   E.d.base, "--token", root, NULL);
	ck_assert_msg(rc == 0 && strstr(out, "password of clerk set at "), "%d %s %s", rc, out,
		      err);
	free(out);
	free(err);
	ck_assert(password_ok("clerk", "clerk's pass 2"));
	ck_assert(!password_ok("clerk", "clerk's pass 1"));
	rc = tf_in(&out, &err, "viewer's own pass\n", "user", "password", "--name", "viewer",
		   "--database", E.conninfo, NULL);
	ck_assert_msg(rc == 0, "user password (database): %s", err);
	free(out);
	free(err);
	ck_assert(password_ok("viewer", "viewer's own pass"));

	/* refusals: none given, too short, a control character; nothing changed */
	rc = tf_in(&out, &err, "", "user", "password", "--name", "clerk", "--url", E.d.base,
		   "--token", root, NULL);
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strstr(err, "password: none given"), "%s", err);
	free(out);
	free(err);
	rc = tf_in(&out, &err, "short\n", "user", "password", "--name", "clerk", "--url", E.d.base,
		   "--token", root, NULL);
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strstr(err, "password: ") && strstr(err, "[invalid-field]") &&
			      !strstr(err, "short\n"),
		      "%s", err);
	free(out);
	free(err);
	rc = tf_in(&out, &err, "bell\a in the middle\n", "user", "add", "--name", "bell", "--role",
		   "finance", "--database", E.conninfo, NULL);
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strstr(err, "password: "), "%s", err);
	free(out);
	free(err);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM users WHERE name = 'bell'"), 0);
	ck_assert(password_ok("clerk", "clerk's pass 2"));
	free(root);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test api[] = {
		{test_users__two_roles_a_token_works_for_both_and_no_other, 0},
		{test_disable__refuses_the_users_tokens_at_once, 0},
		{test_revoke__refuses_the_token_at_once_and_only_it, 0},
		{test_appends__a_role_withdrawn_a_revoke_or_a_disable_holds_at_once, 0},
		{test_last_admin__can_be_neither_disabled_nor_demoted, 0},
		{test_writes__replay_a_key_and_record_the_acting_role, 0},
		{test_audit__filters_and_pages, 0},
		{test_cli__first_admin_offline_then_through_the_api, 0},
		{test_passwords__argon2id_checked_never_answered_nor_audited, 0},
		{test_passwords__set_by_the_user_or_an_admin_not_another, 0},
		{test_passwords__a_keyed_request_replays_and_keeps_no_fast_hash, 0},
		{test_cli__passwords_from_standard_input, 0},
	};
	Suite *s = suite_create("people");

	harness_add_tcase(s, "api", setup, teardown, 120, api, HARNESS_N(api));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
