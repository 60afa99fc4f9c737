/*
 * test_routes.c - tfledgerd's route table (daemon/routes.c) against
 * docs/openapi.yaml: the same (method, path) pairs both ways, each
 * operation's x-roles the table's roles, the token-free routes the ones
 * with "security: []"; and the matcher itself. openapi.yaml is read with a
 * line reader (two-space indents: paths at 2, methods at 4, an operation's
 * keys at 6), not a YAML library.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "daemon/routes.h"
#include "tests/harness/harness.h"

#define OPENAPI SRCDATADIR "/docs/openapi.yaml"
#define OPS_MAX 128

struct op {
	char method[8];
	char path[128];
	unsigned roles;
	bool no_token; /* security: [] */
	bool seen;     /* by a row of the table */
};

/* "[admin, finance]" as ROLE_* bits; an unknown role fails the test. */
static unsigned roles_of(const char *list, int line)
{
	char buf[256], *save = NULL;
	unsigned roles = 0;

	ck_assert_msg(list[0] == '[' && strchr(list, ']'), "openapi.yaml:%d: x-roles: [...]", line);
	snprintf(buf, sizeof(buf), "%.*s", (int)(strchr(list, ']') - list - 1), list + 1);
	for (char *r = strtok_r(buf, ", ", &save); r; r = strtok_r(NULL, ", ", &save)) {
		ck_assert_msg(route_role_of(r), "openapi.yaml:%d: no role %s", line, r);
		roles |= route_role_of(r);
	}
	return roles;
}

/* The operations under paths: in openapi.yaml. */
static size_t read_openapi(struct op *ops)
{
	static const char *const methods[] = {"get", "post", "put", "patch", "delete", NULL};
	FILE *f = fopen(OPENAPI, "r");
	char line[1024], path[128] = "";
	bool in_paths = false;
	size_t n = 0;
	int no = 0;

	ck_assert_msg(f != NULL, "%s: cannot open", OPENAPI);
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\r\n");

		line[len] = '\0';
		no++;
		if (line[0] && line[0] != ' ' && line[0] != '#') {
			in_paths = strcmp(line, "paths:") == 0;
			continue;
		}
		if (!in_paths)
			continue;
		if (strncmp(line, "  /", 3) == 0 && line[len - 1] == ':') {
			snprintf(path, sizeof(path), "%.*s", (int)len - 3, line + 2);
			continue;
		}
		for (size_t i = 0; methods[i] && strncmp(line, "    ", 4) == 0 && line[4] != ' '; i++) {
			size_t m = strlen(methods[i]);

			if (strncmp(line + 4, methods[i], m) != 0 || line[4 + m] != ':')
				continue;
			ck_assert_int_lt(n, OPS_MAX);
			memset(&ops[n], 0, sizeof(ops[n]));
			for (size_t k = 0; k < m; k++)
				ops[n].method[k] = (char)(methods[i][k] - 'a' + 'A');
			snprintf(ops[n].path, sizeof(ops[n].path), "%s", path);
			n++;
		}
		if (n && strncmp(line, "      x-roles: ", 15) == 0)
			ops[n - 1].roles = roles_of(line + 15, no);
		if (n && strcmp(line, "      security: []") == 0)
			ops[n - 1].no_token = true;
	}
	fclose(f);
	return n;
}

/* The names of a role set, for messages. */
static const char *names(char *buf, size_t size, unsigned roles)
{
	buf[0] = '\0';
	for (unsigned bit = 1; bit && bit <= roles; bit <<= 1)
		if (roles & bit)
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? ", " : "",
				 route_role_name(bit));
	return buf;
}

START_TEST(test_routes__agree_with_openapi)
{
	struct op ops[OPS_MAX];
	size_t n_ops = read_openapi(ops), n;
	const struct route *rt = daemon_routes(&n);
	char a[128], b[128];

	ck_assert_uint_gt(n_ops, 0);
	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < n_ops; j++)
			if (strcmp(ops[j].method, rt[i].method) == 0 &&
			    strcmp(ops[j].path, rt[i].path) == 0)
				break;
		ck_assert_msg(j < n_ops, "%s %s: in the route table, not in docs/openapi.yaml",
			      rt[i].method, rt[i].path);
		ops[j].seen = true;
		ck_assert_msg(ops[j].roles == rt[i].roles,
			      "%s %s: x-roles [%s] in docs/openapi.yaml, [%s] in the route table",
			      rt[i].method, rt[i].path, names(a, sizeof(a), ops[j].roles),
			      names(b, sizeof(b), rt[i].roles));
		ck_assert_msg(ops[j].no_token == (rt[i].roles == 0),
			      "%s %s: \"security: []\" in docs/openapi.yaml if and only if the table"
			      " asks no token", rt[i].method, rt[i].path);
	}
	for (size_t j = 0; j < n_ops; j++)
		ck_assert_msg(ops[j].seen, "%s %s: in docs/openapi.yaml, not in the route table",
			      ops[j].method, ops[j].path);
}
END_TEST

START_TEST(test_routes__every_post_is_idempotent_with_a_named_limit)
{
	size_t n;
	const struct route *rt = daemon_routes(&n);

	for (size_t i = 0; i < n; i++) {
		/* the sessions' two writes honour no key (routes.c says why:
		 * a sign-in's answer holds secrets no record may keep, a
		 * repeated sign-out finds its session ended) */
		bool keyless = rt[i].handler == route_session_create ||
			       rt[i].handler == route_session_end;

		ck_assert_msg(rt[i].idempotent == (strcmp(rt[i].method, "GET") != 0 && !keyless),
			      "%s %s", rt[i].method, rt[i].path);
		ck_assert_msg(rt[i].body_max == LIMIT_HTTP_BODY_BYTES ||
				      rt[i].body_max == LIMIT_HTTP_STATEMENT_BYTES,
			      "%s %s", rt[i].method, rt[i].path);
		ck_assert_msg(rt[i].roles == 0 || rt[i].what, "%s %s: no 403 message",
			      rt[i].method, rt[i].path);
	}
	ck_assert_uint_eq(route_match("POST", "/v1/bank-statements", (char[ROUTE_ARGS_MAX][128]){{0}})->body_max,
			  LIMIT_HTTP_STATEMENT_BYTES);
}
END_TEST

START_TEST(test_route_match__literals_first_and_arguments_copied)
{
	char args[ROUTE_ARGS_MAX][128];
	const struct route *rt;

	ck_assert_str_eq(route_match("POST", "/v1/entries/batch", args)->name, "entry_batch");
	rt = route_match("GET", "/v1/entries/batch", args);
	ck_assert_str_eq(rt->name, "entry_get");
	ck_assert_str_eq(args[0], "batch");
	rt = route_match("POST", "/v1/meetings/m-1/trips/ann/settle", args);
	ck_assert_str_eq(rt->name, "trip_settle");
	ck_assert_str_eq(args[0], "m-1");
	ck_assert_str_eq(args[1], "ann");
	ck_assert_str_eq(route_match("GET", "/v1/accounts/", args)->name, "accounts_list");
	ck_assert_ptr_null(route_match("GET", "/v1/meetings//trips", args));
	ck_assert_ptr_null(route_match("DELETE", "/v1/accounts", args));
	ck_assert_ptr_null(route_match("POST", "/v1/meetings/m/trips/ann/fly", args));
	ck_assert_ptr_null(route_match("GET", "/v1", args));
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test table[] = {
		{test_routes__agree_with_openapi, 0},
		{test_routes__every_post_is_idempotent_with_a_named_limit, 0},
		{test_route_match__literals_first_and_arguments_copied, 0},
	};
	Suite *s = suite_create("routes");

	harness_add_tcase(s, "table", NULL, NULL, 0, table, HARNESS_N(table));
	return s;
}

int main(void)
{
	return harness_main(suite(), false);
}
