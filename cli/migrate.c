/*
 * migrate.c - tfledger migrate [--status]: apply pending migrations, or list
 * applied and pending ones. The work is common/migrate.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "common/cfg.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/migrate.h"

struct opts {
	bool status;
	const char *database, *migrations;
};

static const struct cli_args_opt opts[] = {
	CLI_ARGS_OPT_FLAG("status", struct opts, status,
			  "list applied and pending migrations, change nothing"),
	CLI_ARGS_DATABASE(struct opts, database),
	CLI_ARGS_OPT_STR("migrations", struct opts, migrations, "DIR",
			 "the NNNN_*.sql files (default: installed, or $TFLEDGER_DATADIR)", 0),
	CLI_ARGS_END};

static const struct cli_args_cmd cmd = {
	"migrate", opts, NULL, NULL, NULL, 0, 0,
	"Applies the pending schema migrations, each in one transaction, and\n"
	"records each file's SHA-256; a no-op when the database is up to date.\n"
	"Refuses to run if an applied migration's file has changed."};

static int print_status(PGconn *c, const char *dir)
{
	struct migration *rows = NULL;
	size_t n = 0;
	int rc = migrate_list(&rows, &n, c, dir);

	if (rc < 0)
		return rc;
	printf("%-40s %-8s %-20s %s\n", "MIGRATION", "STATE", "APPLIED", "SHA256");
	for (size_t i = 0; i < n; i++) {
		const struct migration *m = &rows[i];
		const char *state = !m->db_sha256[0] ? "pending"
				    : !m->file_sha256[0] ? "unknown"
				    : strcmp(m->db_sha256, m->file_sha256) ? "changed"
				    : "applied";

		printf("%-40s %-8s %-20s %.16s\n", m->name, state,
		       m->applied_at[0] ? m->applied_at : "-",
		       m->file_sha256[0] ? m->file_sha256 : m->db_sha256);
	}
	free(rows);
	return 0;
}

int cli_migrate(int argc, char **argv)
{
	char dirbuf[LIMIT_PATH_BYTES];
	struct opts o = {false, NULL, NULL};
	const char *database, *dir, *conninfo;
	PGconn *c = NULL;
	int rc, npos, applied = 0;

	if ((rc = cli_args_parse(&npos, &cmd, &o, NULL, argc - 1, argv + 1)) != 0)
		return cli_args_status(rc);
	database = o.database;
	dir = o.migrations;
	conninfo = cfg_database(database);
	if (!conninfo)
		return cli_fail(ERR_INVALID, "migrate");
	if (!dir) {
		rc = migrate_default_dir(dirbuf, sizeof(dirbuf));
		if (rc < 0)
			return cli_fail(rc, "migrate");
		dir = dirbuf;
	}
	rc = db_connect(&c, conninfo);
	if (rc < 0)
		return cli_fail(rc, "migrate");
	if (o.status) {
		rc = print_status(c, dir);
	} else {
		rc = migrate_apply(c, dir, &applied);
		if (rc == 0)
			fprintf(stderr, "tfledger: %d migration%s applied; the database is "
					"up to date\n", applied, applied == 1 ? "" : "s");
	}
	PQfinish(c);
	return rc < 0 ? cli_fail(rc, "migrate") : CLI_OK;
}
