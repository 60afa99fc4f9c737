/*
 * migrate.c - tfledger migrate [--status]: apply pending migrations, or list
 * applied and pending ones. The work is common/migrate.c's.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/cfg.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/migrate.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tfledger migrate [--status] [--database CONNINFO] [--migrations DIR]\n\n"
		"Applies the pending schema migrations, each in one transaction, and\n"
		"records each file's SHA-256; a no-op when the database is up to date.\n"
		"Refuses to run if an applied migration's file has changed.\n\n"
		"  --status          list applied and pending migrations, change nothing\n"
		"  --database CONN   libpq conninfo (default $TFLEDGER_DATABASE)\n"
		"  --migrations DIR  where the NNNN_*.sql files are (default: the\n"
		"                    installed data directory, see $TFLEDGER_DATADIR)\n");
}

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
	static const struct option longopts[] = {
		{"status", no_argument, NULL, 's'},
		{"database", required_argument, NULL, 'd'},
		{"migrations", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char dirbuf[LIMIT_PATH_BYTES];
	const char *database = NULL;
	const char *dir = NULL;
	const char *conninfo;
	PGconn *c = NULL;
	int status_only = 0;
	int opt, rc, applied = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			status_only = 1;
			break;
		case 'd':
			database = optarg;
			break;
		case 'm':
			dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("migrate", "bad option");
		}
	}
	if (optind != argc)
		return cli_usage_error("migrate", "unexpected argument '%s'", argv[optind]);
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
	if (status_only) {
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
