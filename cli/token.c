/*
 * token.c - tfledger token create|list|revoke: the API's bearer tokens,
 * written straight to the database (the daemon may not write them).
 * `create` prints the token alone on stdout, once: only its SHA-256 is kept.
 */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "common/cfg.h"
#include "common/db.h"
#include "common/err.h"
#include "ledger/ledger.h"

struct opts {
	const char *role, *name, *format, *database;
};

static const struct cli_args_opt create_opts[] = {
	CLI_ARGS_OPT_STR("role", struct opts, role, "ROLE", "admin, finance, secretariat or auditor",
			 CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("name", struct opts, name, "NAME", "a name to revoke it by",
			 CLI_ARGS_REQUIRED),
	CLI_ARGS_END};
static const struct cli_args_opt list_opts[] = {
	CLI_ARGS_FORMAT(struct opts, format, "table|json"), CLI_ARGS_END};
static const struct cli_args_opt revoke_opts[] = {
	CLI_ARGS_OPT_STR("name", struct opts, name, "NAME", "the token's name", CLI_ARGS_REQUIRED),
	CLI_ARGS_END};
static const struct cli_args_opt common_opts[] = {
	CLI_ARGS_DATABASE(struct opts, database), CLI_ARGS_END};

static const struct cli_args_cmd cmds[] = {
	{"token create", create_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"token list", list_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"token revoke", revoke_opts, common_opts, NULL, NULL, 0, 0, NULL},
};

static const char notes[] =
	"ROLE is admin, finance (writes the ledger), secretariat or auditor (reads\n"
	"everything, writes nothing). create prints the token alone on stdout;\n"
	"it is shown once and stored only as a SHA-256. Every command takes\n"
	"[--database CONNINFO].\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

int cli_token(int argc, char **argv)
{
	struct opts o = {.format = "table"};
	const struct cli_args_cmd *cmd;
	const char *action, *conninfo;
	char token[LEDGER_TOKEN_BYTES];
	json_t *list = NULL;
	PGconn *c = NULL;
	int rc, words, npos;

	rc = cli_args_parse_family(&cmd, &words, &npos, &family, &o, NULL, argc, argv);
	if (rc != 0)
		return cli_args_status(rc);
	action = argv[1];
	if (o.role && !ledger_role_valid(o.role))
		return cli_usage_error(cmd->name, "--role %s: admin, finance, secretariat or auditor",
				       o.role);
	conninfo = cfg_database(o.database);
	if (!conninfo)
		return cli_fail(ERR_INVALID, "token");
	rc = db_connect(&c, conninfo);
	if (rc == 0 && strcmp(action, "create") == 0) {
		rc = ledger_token_create(token, c, o.role, o.name);
		if (rc == 0)
			printf("%s\n", token);
	} else if (rc == 0 && strcmp(action, "revoke") == 0) {
		rc = ledger_token_revoke(c, o.name);
		if (rc == 0)
			fprintf(stderr, "tfledger: token '%s' revoked\n", o.name);
	} else if (rc == 0) {
		rc = ledger_token_list(&list, c);
		if (rc == 0 && strcmp(o.format, "json") == 0) {
			json_t *j = json_pack("{s:O}", "tokens", list);

			json_dumpf(j, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(j);
		} else if (rc == 0) {
			size_t i;
			json_t *t;

			printf("%-16s  %-24s  %-11s  %-20s  %s\n", "ID", "NAME", "ROLE", "CREATED",
			       "REVOKED");
			json_array_foreach(list, i, t) {
				json_t *rev = json_object_get(t, "revoked_at");

				printf("%-16s  %-24s  %-11s  %-20s  %s\n",
				       json_string_value(json_object_get(t, "id")),
				       json_string_value(json_object_get(t, "name")),
				       json_string_value(json_object_get(t, "role")),
				       json_string_value(json_object_get(t, "created_at")),
				       json_is_string(rev) ? json_string_value(rev) : "-");
			}
		}
	}
	json_decref(list);
	PQfinish(c);
	return rc < 0 ? cli_fail(rc, "token") : CLI_OK;
}
