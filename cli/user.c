/*
 * user.c - tfledger user add|list|show|disable|roles|password and tfledger
 * whoami: the people who use tfledger, the roles they hold and their
 * passwords (docs/people.md).
 *
 * A people command (user, token) reaches the installation one of two
 * ways, the same command either way: through tfledgerd as an admin
 * (--url/--token), or on the database directly (--database), which is for
 * operating the installation: making the first admin and their token
 * before any admin exists. cli_people_connect says which and connects.
 * whoami always asks tfledgerd.
 *
 * A password is never an option (it would show in ps and the shell's
 * history): user add and user password read it from standard input, one
 * line, or ask for it at a terminal with echo off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/http.h"
#include "cli/session.h"
#include "common/err.h"
#include "ledger/people.h"

int cli_people_connect(struct cli_run *r, bool *direct)
{
	int rc;

	*direct = r->database || (!r->http.token && getenv("TFLEDGER_DATABASE"));
	if (!*direct)
		return 0;
	rc = cli_run_connect(r, "admin");
	if (rc == ERR_INVALID)
		return cli_run_fail(r, err_set(ERR_INVALID, "give --database CONNINFO (operating"
							    " the installation) or --url and"
							    " --token (an admin's)"));
	return rc < 0 ? cli_run_fail(r, rc) : 0;
}

/* out as indented JSON on stdout. */
static int print_json(json_t *out)
{
	json_dumpf(out, stdout, JSON_INDENT(2));
	putchar('\n');
	return CLI_OK;
}

/* "a,b" of --role into the body's "roles" array (the option's "role" goes). */
static int roles_from_option(struct cli_run *r)
{
	const char *list = json_string_value(json_object_get(r->body, "role"));
	json_t *roles = json_array();

	while (roles && list && *list) {
		size_t n = strcspn(list, ",");

		json_array_append_new(roles, json_stringn(list, n));
		list += n + (list[n] == ',');
	}
	if (!roles || json_object_set_new(r->body, "roles", roles) < 0)
		return cli_run_fail(r, err_set(ERR_SYSTEM, "out of memory"));
	json_object_del(r->body, "role");
	return 0;
}

/* Takes the body's "name" out as the user the path names (*out, a copy). */
static int name_from_body(struct cli_run *r, char out[128])
{
	const char *name = json_string_value(json_object_get(r->body, "name"));

	snprintf(out, 128, "%s", name ? name : "");
	json_object_del(r->body, "name");
	return cli_http_segment_ok(r->family, out);
}

/*
 * The password for user name into r's body ("password"; left out for
 * none): one line of standard input, its line end stripped, when that is
 * not a terminal (empty input or none at all: no password); at a terminal,
 * asked on stderr with echo off. required (user password): none is
 * refused. The line is wiped before it is freed.
 */
static int password_from_stdin(struct cli_run *r, const char *name, bool required)
{
	bool tty = isatty(STDIN_FILENO);
	struct termios old, quiet;
	bool quieted = false;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	json_t *v;
	int rc = 0;

	if (tty) {
		fprintf(stderr, "Password for %s%s: ", name, required ? "" : " (empty for none)");
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			quieted = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	n = getline(&line, &cap, stdin);
	if (quieted)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (tty)
		fputc('\n', stderr);
	if (n < 0 && ferror(stdin)) {
		rc = cli_run_fail(r, err_sys(ERR_SYSTEM, "password: reading standard input"));
		goto cleanup;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n <= 0) {
		if (required)
			rc = cli_run_fail(r, err_set(ERR_INVALID, "password: none given (one line"
								  " on standard input)"));
		goto cleanup;
	}
	v = json_stringn(line, (size_t)n);
	if (!v)
		rc = cli_run_fail(r, err_set(ERR_INVALID, "password: not UTF-8 text"));
	else if (json_object_set_new(r->body, "password", v) < 0)
		rc = cli_run_fail(r, err_set(ERR_SYSTEM, "out of memory"));
cleanup:
	if (line)
		explicit_bzero(line, cap);
	free(line);
	return rc;
}

/* "admin,finance" of a roles array. */
static void roles_text(char *out, size_t size, json_t *roles)
{
	size_t i, n = 0;
	json_t *v;

	out[0] = '\0';
	json_array_foreach(roles, i, v)
		if (n < size)
			n += (size_t)snprintf(out + n, size - n, "%s%s", i ? "," : "",
					      json_string_value(v));
}

/* Users as an aligned table (or JSON): one object or {"users":[...]}. */
static int print_users(const struct cli_run *r, json_t *out)
{
	json_t *users = json_object_get(out, "users"), *u;
	size_t i;

	if (strcmp(r->format, "json") == 0)
		return print_json(out);
	printf("%-20s  %-36s  %-20s  %-20s  %s\n", "NAME", "ROLES", "CREATED", "DISABLED",
	       "FULL NAME");
	if (!users) {
		users = json_array();
		json_array_append(users, out);
	} else {
		json_incref(users);
	}
	json_array_foreach(users, i, u) {
		char roles[96];
		json_t *d = json_object_get(u, "disabled_at");

		roles_text(roles, sizeof(roles), json_object_get(u, "roles"));
		printf("%-20s  %-36s  %-20s  %-20s  %s\n",
		       json_string_value(json_object_get(u, "name")), roles,
		       json_string_value(json_object_get(u, "created_at")),
		       json_is_string(d) ? json_string_value(d) : "-",
		       json_string_value(json_object_get(u, "full_name")));
	}
	json_decref(users);
	return CLI_OK;
}

static int run_user(struct cli_run *r)
{
	char name[128] = "", path[256];
	json_t *out = NULL;
	bool direct;
	int rc = cli_people_connect(r, &direct);

	if (rc != 0)
		goto cleanup;
	if (strcmp(r->action, "add") == 0 || strcmp(r->action, "roles") == 0)
		rc = roles_from_option(r);
	if (rc == 0 && strcmp(r->action, "add") == 0)
		rc = password_from_stdin(
			r, json_string_value(json_object_get(r->body, "name")), false);
	if (rc == 0 && strcmp(r->action, "add") != 0 && strcmp(r->action, "list") != 0)
		rc = name_from_body(r, name);
	if (rc == 0 && strcmp(r->action, "password") == 0)
		rc = password_from_stdin(r, name, true);
	if (rc != 0)
		goto cleanup;
	snprintf(path, sizeof(path), "/v1/users/%s/%s", name, r->action);
	if (strcmp(r->action, "add") == 0) {
		rc = direct ? ledger_user_create(&out, r->c, r->body, &r->who)
			    : cli_run_request(r, "POST", "/v1/users", &out);
	} else if (strcmp(r->action, "list") == 0) {
		json_t *users = NULL;

		rc = direct ? ledger_users_list(&users, r->c)
			    : cli_run_request(r, "GET", "/v1/users", &out);
		if (direct && rc == 0)
			out = json_pack("{s:o}", "users", users);
	} else if (strcmp(r->action, "show") == 0) {
		snprintf(path, sizeof(path), "/v1/users/%s", name);
		rc = direct ? ledger_user_get(&out, r->c, name) : cli_run_request(r, "GET", path, &out);
	} else if (strcmp(r->action, "password") == 0) {
		rc = direct ? ledger_user_password_set(&out, r->c, name, r->body, &r->who)
			    : cli_run_request(r, "POST", path, &out);
	} else if (strcmp(r->action, "disable") == 0) {
		rc = direct ? ledger_user_disable(&out, r->c, name, r->body, &r->who)
			    : cli_run_request(r, "POST", path, &out);
	} else {
		rc = direct ? ledger_user_roles_set(&out, r->c, name, r->body, &r->who)
			    : cli_run_request(r, "POST", path, &out);
	}
	if (direct && rc < 0)
		rc = cli_run_fail(r, rc);
	else if (rc == 0 && strcmp(r->action, "password") == 0 && strcmp(r->format, "json") != 0)
		printf("password of %s set at %s\n", name,
		       json_string_value(json_object_get(out, "password_set_at")));
	else if (rc == 0)
		rc = print_users(r, out);
cleanup:
	json_decref(out);
	cli_run_close(r);
	return rc;
}

static const struct cli_args_opt common_opts[] = {
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json"),
	CLI_ARGS_DATABASE(struct cli_run, database), CLI_ARGS_SERVER(struct cli_run, http),
	CLI_ARGS_END};

#define REQ CLI_ARGS_REQUIRED
#define ROLES "admin, finance, secretariat, auditor, approver; several: admin,finance"
static const struct cli_args_opt add_opts[] = {
	CLI_ARGS_BODY_STR("name", "NAME", "login name: 1-64 of a-z 0-9 . _ -", REQ),
	CLI_ARGS_BODY_STR("role", "ROLE[,ROLE...]", ROLES, REQ),
	CLI_ARGS_BODY_STR("full-name", "TEXT", "the person's full name", 0), CLI_ARGS_END};
static const struct cli_args_opt name_opts[] = {
	CLI_ARGS_BODY_STR("name", "NAME", "the user", REQ), CLI_ARGS_END};
static const struct cli_args_opt disable_opts[] = {
	CLI_ARGS_BODY_STR("name", "NAME", "the user", REQ),
	CLI_ARGS_BODY_STR("reason", "TEXT", "why (kept in the user's record)", REQ), CLI_ARGS_END};
static const struct cli_args_opt roles_opts[] = {
	CLI_ARGS_BODY_STR("name", "NAME", "the user", REQ),
	CLI_ARGS_BODY_STR("role", "ROLE[,ROLE...]", ROLES " (replaces what they hold)", REQ),
	CLI_ARGS_END};
static const struct cli_args_opt none_opts[] = {CLI_ARGS_END};

static const struct cli_args_cmd cmds[] = {
	{"user add", add_opts, common_opts, NULL, NULL, 0, 0, "make a user who holds ROLEs"},
	{"user list", none_opts, common_opts, NULL, NULL, 0, 0, "every user and their roles"},
	{"user show", name_opts, common_opts, NULL, NULL, 0, 0, "one user"},
	{"user disable", disable_opts, common_opts, NULL, NULL, 0, 0,
	 "disable a user: their tokens stop working at once"},
	{"user roles", roles_opts, common_opts, NULL, NULL, 0, 0, "replace a user's roles"},
	{"user password", name_opts, common_opts, NULL, NULL, 0, 0,
	 "set a user's password (one line of standard input): an admin anyone's, a user"
	 " their own"},
};

static const char notes[] =
	"Through tfledgerd with an admin's token (--url, --token; $TFLEDGER_URL,\n"
	"$TFLEDGER_TOKEN), or on the database directly with --database (operating the\n"
	"installation: the first admin). The last active admin can be neither disabled\n"
	"nor lose the admin role. Make a user's token with `tfledger token create --user`.\n"
	"A password is read from standard input, one line (user add: empty or none means\n"
	"no password, tokens only), or asked for with echo off when that is a terminal.\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

int cli_user(int argc, char **argv)
{
	return cli_run_family(argc, argv, &family, "tfledger ", run_user);
}

/* --- whoami ------------------------------------------------------------------ */

static int run_whoami(struct cli_run *r)
{
	json_t *out = NULL;
	char roles[96];
	int rc = cli_run_request(r, "GET", "/v1/me", &out);

	if (rc == 0 && strcmp(r->format, "json") == 0) {
		rc = print_json(out);
	} else if (rc == 0) {
		const char *full = json_string_value(json_object_get(out, "full_name"));

		roles_text(roles, sizeof(roles), json_object_get(out, "roles"));
		printf("%s%s%s%s (%s), token %s\n", json_string_value(json_object_get(out, "user")),
		       full && *full ? " (" : "", full && *full ? full : "",
		       full && *full ? ")" : "", roles,
		       json_string_value(json_object_get(out, "token")));
	}
	json_decref(out);
	cli_run_close(r);
	return rc;
}

static const struct cli_args_opt whoami_opts[] = {
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json"), CLI_ARGS_SERVER(struct cli_run, http),
	CLI_ARGS_END};
static const struct cli_args_cmd whoami_cmds[] = {
	{"whoami", whoami_opts, NULL, NULL, NULL, 0, 0,
	 "the person your token belongs to, their roles, the token's name"},
};
static const struct cli_args_family whoami_family = CLI_ARGS_FAMILY(whoami_cmds, NULL);

int cli_whoami(int argc, char **argv)
{
	return cli_run_family(argc, argv, &whoami_family, "tfledger ", run_whoami);
}
