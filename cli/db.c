/*
 * db.c - tfledger db init|start|stop|status|promote --dir DIR: the private
 * PostgreSQL cluster of common/cluster.c, for people.
 * `start` prints the conninfo alone on stdout so scripts can capture it:
 *   export TFLEDGER_DATABASE="$(tfledger db start --dir DIR)"
 * `init --standby-of PRIMARY` makes DIR the primary's synchronous standby
 * and prints the pair's conninfo (both, read-write only) for tfledgerd;
 * `promote` makes a standby the primary once the primary is lost.
 */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "common/cluster.h"
#include "common/err.h"
#include "common/limits.h"

struct opts {
	const char *dir;
	const char *standby_of;
	bool immediate;
};

static const struct cli_args_opt dir_opts[] = {
	CLI_ARGS_OPT_STR("dir", struct opts, dir, "DIR", "the cluster's directory",
			 CLI_ARGS_REQUIRED),
	CLI_ARGS_END};

static const struct cli_args_opt init_opts[] = {
	CLI_ARGS_OPT_STR("dir", struct opts, dir, "DIR", "the cluster's directory",
			 CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_STR("standby-of", struct opts, standby_of, "PRIMARY_DIR",
			 "make DIR a synchronous standby of the running cluster there", 0),
	CLI_ARGS_END};

static const struct cli_args_opt stop_opts[] = {
	CLI_ARGS_OPT_STR("dir", struct opts, dir, "DIR", "the cluster's directory",
			 CLI_ARGS_REQUIRED),
	CLI_ARGS_OPT_FLAG("immediate", struct opts, immediate,
			  "stop at once, as a crash would (a failover drill)"),
	CLI_ARGS_END};

static const struct cli_args_cmd cmds[] = {
	{"db init", init_opts, NULL, NULL, NULL, 0, 0, NULL},
	{"db start", dir_opts, NULL, NULL, NULL, 0, 0, NULL},
	{"db stop", stop_opts, NULL, NULL, NULL, 0, 0, NULL},
	{"db status", dir_opts, NULL, NULL, NULL, 0, 0, NULL},
	{"db promote", dir_opts, NULL, NULL, NULL, 0, 0, NULL},
};

static const char notes[] =
	"init creates a private PostgreSQL cluster in DIR; start starts it (unix\n"
	"socket in DIR, no TCP) and prints its conninfo on stdout; stop stops it;\n"
	"status says whether it runs and prints its conninfo. stop --immediate\n"
	"stops it at once, as a crash would (pg_ctl stop -m immediate).\n\n"
	"init --standby-of PRIMARY_DIR copies the running cluster there into DIR\n"
	"(pg_basebackup), starts DIR as its streaming standby and makes the primary\n"
	"wait for it at every COMMIT (synchronous replication); it prints the\n"
	"conninfo of the pair for tfledgerd, which then follows a promotion.\n"
	"promote makes the standby in DIR the primary (after the primary is lost;\n"
	"never start the old primary again as it is).\n\n"
	"When run as root the server runs as the 'postgres' user and DIR is handed\n"
	"to that user. DIR must be short enough for a unix socket path (~95 chars).\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

int cli_db(int argc, char **argv)
{
	char conninfo[LIMIT_CONNINFO_BYTES];
	const struct cli_args_cmd *cmd;
	struct opts o = {NULL, NULL, false};
	const char *dir, *action;
	int rc, words, npos;

	rc = cli_args_parse_family(&cmd, &words, &npos, &family, &o, NULL, argc, argv);
	if (rc != 0)
		return cli_args_status(rc);
	action = argv[1];
	dir = o.dir;

	if (strcmp(action, "init") == 0 && o.standby_of) {
		rc = cluster_init_standby(dir, o.standby_of, conninfo, sizeof(conninfo));
		if (rc < 0)
			return cli_fail(rc, "db init");
		fprintf(stderr, "tfledger: %s is a synchronous standby of %s\n", dir, o.standby_of);
		printf("%s\n", conninfo);
		return CLI_OK;
	}
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
		rc = o.immediate ? cluster_crash(dir) : cluster_stop(dir);
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
	if (strcmp(action, "promote") == 0) {
		rc = cluster_promote(dir);
		if (rc < 0)
			return cli_fail(rc, "db promote");
		fprintf(stderr, "tfledger: the cluster in %s is the primary now\n", dir);
		return CLI_OK;
	}
	ASSERT(!"a command of cmds without its action");
	return CLI_FAIL;
}
