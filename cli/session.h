/*
 * session.h - one command of the tfledger families that share one shape
 * (fund, donors, ..., reconcile, periods, budgets, meetings, applicants,
 * travel), from its arguments to its request: the options every such
 * command shares, the JSON body its other options fill, and the one door
 * to tfledgerd (cli_run_request: --url, --token, no database).
 *
 * cli_run_connect, the direct connection to the database as the daemon's
 * role, is left only for the families not converted yet (cli/travel.c);
 * it goes once none uses it.
 *
 * struct cli_run's body is public because the families' option tables
 * name its members (CLI_ARGS_FORMAT(struct cli_run, format, ...)).
 */
#ifndef TFLEDGER_CLI_SESSION_H
#define TFLEDGER_CLI_SESSION_H

#include <jansson.h>
#include <libpq-fe.h>

#include "cli/args.h"
#include "cli/http.h"
#include "ledger/ledger.h"

#define CLI_USER_BYTES 128
#define CLI_REQUEST_ID_BYTES 64

struct cli_run {
	const char *family;	/* argv[0]: "pledges" */
	const char *action;	/* argv[1], or "run" for a command of one word */
	const char *database;	/* --database, or NULL */
	struct cli_http http;	/* --url, --token (CLI_ARGS_SERVER(struct cli_run, http)) */
	const char *format;	/* --format, default "table" */
	const char *positional; /* the first positional argument, or NULL */
	const char *lead;	/* what its error messages begin with, before the command */
	json_t *body;		/* the other options, as an HTTP route would receive them */
	PGconn *c;		/* after cli_run_connect */
	struct ledger_actor who;
	char user[CLI_USER_BYTES], request_id[CLI_REQUEST_ID_BYTES];
};

/*
 * Runs one of family's commands: reads argv (argv[0] is the family) into a
 * cli_run (family, action, positional, the shared options and the body;
 * lead, "tfledger: " or "tfledger ", begins its error messages) and returns
 * run's exit status; run ends the run (cli_run_close). Without a command to
 * run, returns the status of the help or the refusal that
 * cli_args_parse_family wrote (2, said on stderr, if memory ran out).
 */
int cli_run_family(int argc, char **argv, const struct cli_args_family *family,
		   const char *lead, int (*run)(struct cli_run *r));

/*
 * The one door: sends r's request to tfledgerd (r->http) and returns the
 * exit status (0, or 1/2 with the refusal printed as "tfledger: FAMILY
 * ACTION: message [code]"). For GET, r->body's members become the query
 * string of path; for any other method r->body is the JSON body (NULL:
 * the request has none). *out is the answer (NULL on a refusal).
 */
int cli_run_request(struct cli_run *r, const char *method, const char *path, json_t **out);

/*
 * Every row of a list paginated on the API's cursor: GETs path (with
 * r->body's members as its query, as cli_run_request) and follows the
 * answer's "next" (after=NEXT, limit=LIMIT_LIST_ROWS) until it is null or
 * absent. *out (the caller's) is the last page's answer with key's array
 * holding every page's rows in order and "next" null; NULL on a refusal,
 * whose exit status is returned (printed as cli_run_request prints it).
 * A list that is not paged is one request.
 */
int cli_run_request_all(struct cli_run *r, const char *path, const char *key, json_t **out);

/*
 * Connects r to r->database (or $TFLEDGER_DATABASE), prepares the store,
 * fund, reconcile, reconciliation queue and travel statements, and makes
 * r->who the CLI token working as role for the OS user, with request id
 * "cli-PID". ERR_INVALID if no database is given, ERR_UNAVAILABLE if it
 * cannot be reached.
 */
int cli_run_connect(struct cli_run *r, const char *role);

/*
 * Prints "<lead>FAMILY ACTION: <err_last()>" on stderr, with " [code-name]"
 * when rc is a contract error (not a 500), and returns the exit status for rc.
 */
int cli_run_fail(const struct cli_run *r, int rc);

/* Frees r's body and closes its connection (either may be NULL). */
void cli_run_close(struct cli_run *r);

#endif
