/*
 * db.c - tfledger db init|start|stop|status --dir DIR: the private
 * PostgreSQL cluster of common/cluster.c, for people.
 * `start` prints the conninfo alone on stdout so scripts can capture it:
 *   export TFLEDGER_DATABASE="$(tfledger db start --dir DIR)"
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/cluster.h"
#include "common/err.h"
#include "common/limits.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tfledger db init   --dir DIR   create a private PostgreSQL cluster in DIR\n"
		"       tfledger db start  --dir DIR   start it (unix socket in DIR, no TCP);\n"
		"                                      print its conninfo on stdout\n"
		"       tfledger db stop   --dir DIR   stop it\n"
		"       tfledger db status --dir DIR   say whether it runs; print its conninfo\n\n"
		"When run as root the server runs as the 'postgres' user and DIR is handed\n"
		"to that user. DIR must be short enough for a unix socket path (~95 chars).\n");
}

int cli_db(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"dir", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char conninfo[LIMIT_CONNINFO_BYTES];
	const char *dir = NULL;
	const char *action;
	int opt, rc;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			usage(stdout);
			return CLI_OK;
		}
		usage(stderr);
		return CLI_USAGE;
	}
	action = argv[1];
	optind = 1;
	while ((opt = getopt_long(argc - 1, argv + 1, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return CLI_OK;
		default:
			return cli_usage_error("db", "bad option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("db", "unexpected argument '%s'", argv[optind + 1]);
	if (!dir)
		return cli_usage_error("db", "--dir DIR is required");

	if (strcmp(action, "init") == 0) {
		rc = cluster_init(dir, NULL);
		if (rc < 0)
			return cli_fail(rc, "db init");
		fprintf(stderr, "tfledger: initialised a PostgreSQL cluster in %s\n", dir);
		return CLI_OK;
	}
	if (strcmp(action, "start") == 0) {
		rc = cluster_start(dir, NULL, conninfo, sizeof(conninfo));
		if (rc < 0)
			return cli_fail(rc, "db start");
		printf("%s\n", conninfo);
		return CLI_OK;
	}
	if (strcmp(action, "stop") == 0) {
		rc = cluster_stop(dir);
		if (rc < 0)
			return cli_fail(rc, "db stop");
		fprintf(stderr, "tfledger: stopped the cluster in %s\n", dir);
		return CLI_OK;
	}
	if (strcmp(action, "status") == 0) {
		char abs[LIMIT_PATH_BYTES];
		bool running = false;

		rc = cluster_status(dir, &running);
		if (rc == 0)
			rc = cluster_abspath(abs, sizeof(abs), dir);
		if (rc == 0)
			rc = cluster_conninfo(conninfo, sizeof(conninfo), abs, CLUSTER_DBNAME);
		if (rc < 0)
			return cli_fail(rc, "db status");
		printf("%s\t%s\n", running ? "running" : "stopped", conninfo);
		return CLI_OK;
	}
	return cli_usage_error("db", "unknown action '%s' (init, start, stop or status)",
			       action);
}
