/*
 * token.c - tfledger token create|list|revoke: the API's bearer tokens,
 * each belonging to a user (docs/people.md). Through tfledgerd as an admin
 * (--url/--token) or on the database directly (--database), as user.c's
 * cli_people_connect decides. `create` prints the token alone on stdout,
 * once: only its SHA-256 is kept.
 *
 * `token create --role ROLE --name NAME --database` (the contract's form,
 * which scripts and the tests' fixtures use) means: the user NAME, made if
 * absent, holds ROLE, and a new token named NAME belongs to them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/http.h"
#include "cli/session.h"
#include "common/err.h"
#include "ledger/people.h"

/* Takes the body's string member key out into out (size 128; "" if none). */
static void take(char out[128], json_t *body, const char *key)
{
	const char *v = json_string_value(json_object_get(body, key));

	snprintf(out, 128, "%s", v ? v : "");
	json_object_del(body, key);
}

static int print_list(const struct cli_run *r, json_t *out)
{
	json_t *t;
	size_t i;

	if (strcmp(r->format, "json") == 0) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
		return CLI_OK;
	}
	printf("%-16s  %-28s  %-20s  %-20s  %s\n", "ID", "NAME", "USER", "CREATED", "REVOKED");
	json_array_foreach(json_object_get(out, "tokens"), i, t) {
		json_t *rev = json_object_get(t, "revoked_at");

		printf("%-16s  %-28s  %-20s  %-20s  %s\n",
		       json_string_value(json_object_get(t, "id")),
		       json_string_value(json_object_get(t, "name")),
		       json_string_value(json_object_get(t, "user")),
		       json_string_value(json_object_get(t, "created_at")),
		       json_is_string(rev) ? json_string_value(rev) : "-");
	}
	return CLI_OK;
}

/* create: the new token alone on stdout (or the whole answer as JSON). */
static int create(struct cli_run *r, bool direct, json_t **out)
{
	char user[128], role[128], label[128], path[256], text[LEDGER_TOKEN_BYTES];
	int rc;

	take(user, r->body, "user");
	take(role, r->body, "role");
	label[0] = '\0';
	if (json_is_string(json_object_get(r->body, "name")))
		snprintf(label, sizeof(label), "%s",
			 json_string_value(json_object_get(r->body, "name")));
	if (*role && *user)
		return cli_usage_error("token create", "--role goes with --name alone: a user's"
						       " roles are set by `tfledger user add|roles`");
	if (*role && !direct)
		return cli_usage_error("token create", "--role --name works on the database"
						       " (--database); through tfledgerd make the"
						       " user with `tfledger user add`, then"
						       " `token create --user`");
	if (*role && !*label)
		return cli_usage_error("token create", "--role: give --name NAME, the user");
	if (!*role && !*user)
		return cli_usage_error("token create", "--user: required (whose token it is)");
	if (*role) {
		rc = ledger_token_create(text, r->c, role, label, &r->who);
		if (rc == 0)
			*out = json_pack("{s:s, s:s, s:s}", "token", text, "name", label, "user",
					 label);
		return rc < 0 ? cli_run_fail(r, rc) : 0;
	}
	if ((rc = cli_http_segment_ok("token create", user)) != 0)
		return rc;
	snprintf(path, sizeof(path), "/v1/users/%s/tokens", user);
	if (!direct)
		return cli_run_request(r, "POST", path, out);
	rc = ledger_user_token_create(out, r->c, user, r->body, &r->who);
	return rc < 0 ? cli_run_fail(r, rc) : 0;
}

static int run(struct cli_run *r)
{
	char name[128], path[256];
	json_t *out = NULL, *list = NULL;
	bool direct;
	int rc;

	/* --role --name is the database's alone: $TFLEDGER_DATABASE then serves
	 * even when a token is at hand too. */
	if (json_object_get(r->body, "role") && !r->database)
		r->database = getenv("TFLEDGER_DATABASE");
	rc = cli_people_connect(r, &direct);

	if (rc != 0)
		goto cleanup;
	if (strcmp(r->action, "create") == 0) {
		rc = create(r, direct, &out);
		if (rc == 0 && strcmp(r->format, "json") == 0) {
			json_dumpf(out, stdout, JSON_INDENT(2));
			putchar('\n');
		} else if (rc == 0) {
			printf("%s\n", json_string_value(json_object_get(out, "token")));
		}
	} else if (strcmp(r->action, "revoke") == 0) {
		take(name, r->body, "name");
		if ((rc = cli_http_segment_ok("token revoke", name)) != 0)
			goto cleanup;
		snprintf(path, sizeof(path), "/v1/tokens/%s/revoke", name);
		rc = direct ? ledger_token_revoke(&out, r->c, name, &r->who)
			    : cli_run_request(r, "POST", path, &out);
		if (rc < 0)
			rc = cli_run_fail(r, rc);
		else if (rc == 0)
			fprintf(stderr, "tfledger: token '%s' revoked\n", name);
	} else {
		take(name, r->body, "user");
		if (*name && (rc = cli_http_segment_ok("token list", name)) != 0)
			goto cleanup;
		snprintf(path, sizeof(path), "/v1/users/%s/tokens", name);
		if (!direct && !*name) {
			rc = cli_usage_error("token list", "--user: required through tfledgerd");
			goto cleanup;
		}
		rc = direct ? ledger_user_tokens(&list, r->c, *name ? name : NULL)
			    : cli_run_request(r, "GET", path, &out);
		if (direct && rc == 0)
			out = json_pack("{s:o}", "tokens", list);
		if (rc < 0)
			rc = cli_run_fail(r, rc);
		else if (rc == 0)
			rc = print_list(r, out);
	}
cleanup:
	json_decref(out);
	cli_run_close(r);
	return rc;
}

#define REQ CLI_ARGS_REQUIRED
static const struct cli_args_opt create_opts[] = {
	CLI_ARGS_BODY_STR("user", "USER", "the user the token belongs to", 0),
	CLI_ARGS_BODY_STR("name", "LABEL", "a name to revoke it by (default USER-<token id>)", 0),
	CLI_ARGS_BODY_STR("role", "ROLE", "with --name NAME and --database, no --user: the user"
					  " NAME, made if absent, holds ROLE",
			  0),
	CLI_ARGS_END};
static const struct cli_args_opt list_opts[] = {
	CLI_ARGS_BODY_STR("user", "USER", "only this user's (required through tfledgerd)", 0),
	CLI_ARGS_END};
static const struct cli_args_opt revoke_opts[] = {
	CLI_ARGS_BODY_STR("name", "NAME", "the token's name", REQ), CLI_ARGS_END};
static const struct cli_args_opt common_opts[] = {
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json"),
	CLI_ARGS_DATABASE(struct cli_run, database), CLI_ARGS_SERVER(struct cli_run, http),
	CLI_ARGS_END};

static const struct cli_args_cmd cmds[] = {
	{"token create", create_opts, common_opts, NULL, NULL, 0, 0,
	 "a new token for a user, printed alone on stdout, once"},
	{"token list", list_opts, common_opts, NULL, NULL, 0, 0, "tokens, never their secrets"},
	{"token revoke", revoke_opts, common_opts, NULL, NULL, 0, 0,
	 "revoke a token: refused from the next request on"},
};

static const char notes[] =
	"A token belongs to a user and acts with the user's roles. Through tfledgerd\n"
	"with an admin's token (--url, --token), or on the database directly with\n"
	"--database (operating the installation: the first admin's token). The token is\n"
	"shown once and stored only as a SHA-256.\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

int cli_token(int argc, char **argv)
{
	return cli_run_family(argc, argv, &family, "tfledger ", run);
}
