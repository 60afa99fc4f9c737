/*
 * token.c - tfledger token create|list|revoke: the API's bearer tokens,
 * written straight to the database (the daemon may not write them).
 * `create` prints the token alone on stdout, once: only its SHA-256 is kept.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/cfg.h"
#include "common/db.h"
#include "common/err.h"
#include "ledger/ledger.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tfledger token create --role ROLE --name NAME [--database CONNINFO]\n"
		"       tfledger token list [--format table|json] [--database CONNINFO]\n"
		"       tfledger token revoke --name NAME [--database CONNINFO]\n\n"
		"ROLE is admin, finance (writes the ledger), secretariat or auditor (reads\n"
		"everything, writes nothing). create prints the token alone on stdout;\n"
		"it is shown once and stored only as a SHA-256.\n");
}

int cli_token(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"role", required_argument, NULL, 'r'},
		{"name", required_argument, NULL, 'n'},
		{"format", required_argument, NULL, 'f'},
		{"database", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *role = NULL, *name = NULL, *database = NULL, *format = "table";
	const char *action, *conninfo;
	char token[LEDGER_TOKEN_BYTES];
	json_t *list = NULL;
	PGconn *c = NULL;
	int opt, rc;

	if (argc < 2 || argv[1][0] == '-') {
		bool help = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);

		usage(help ? stdout : stderr);
		return help ? CLI_OK : CLI_USAGE;
	}
	action = argv[1];
	optind = 1;
	while ((opt = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': role = optarg; break;
		case 'n': name = optarg; break;
		case 'f': format = optarg; break;
		case 'd': database = optarg; break;
		case 'h': usage(stdout); return CLI_OK;
		default: return cli_usage_error("token", "bad option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("token", "unexpected argument '%s'", argv[optind + 1]);
	if (strcmp(action, "create") == 0 && (!role || !name))
		return cli_usage_error("token", "create needs --role and --name");
	if (strcmp(action, "revoke") == 0 && !name)
		return cli_usage_error("token", "revoke needs --name");
	if (strcmp(action, "create") != 0 && strcmp(action, "list") != 0 &&
	    strcmp(action, "revoke") != 0)
		return cli_usage_error("token", "unknown action '%s'", action);
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return cli_usage_error("token", "--format: table or json");
	if (role && !ledger_role_valid(role))
		return cli_usage_error("token", "--role %s: admin, finance, secretariat or auditor",
				       role);
	conninfo = cfg_database(database);
	if (!conninfo)
		return cli_fail(ERR_INVALID, "token");
	rc = db_connect(&c, conninfo);
	if (rc == 0 && strcmp(action, "create") == 0) {
		rc = ledger_token_create(token, c, role, name);
		if (rc == 0)
			printf("%s\n", token);
	} else if (rc == 0 && strcmp(action, "revoke") == 0) {
		rc = ledger_token_revoke(c, name);
		if (rc == 0)
			fprintf(stderr, "tfledger: token '%s' revoked\n", name);
	} else if (rc == 0) {
		rc = ledger_token_list(&list, c);
		if (rc == 0 && strcmp(format, "json") == 0) {
			json_t *o = json_pack("{s:O}", "tokens", list);

			json_dumpf(o, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(o);
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
