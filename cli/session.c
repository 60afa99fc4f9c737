/*
 * session.c - one command of the families of session.h, from its arguments
 * to its request (or, for a family not converted yet, its connection). It
 * only reads, sends and reports; what a command does is its family's file's.
 */
#include "cli/session.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cfg.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "fund/fund.h"
#include "bank/queue.h"
#include "bank/reconcile.h"
#include "travel/travel.h"

int cli_run_family(int argc, char **argv, const struct cli_args_family *family,
		   const char *lead, int (*run)(struct cli_run *r))
{
	struct cli_run r = {.family = argv[0], .format = "table", .lead = lead};
	const struct cli_args_cmd *cmd;
	int rc, words, npos;

	r.body = json_object();
	if (!r.body)
		return cli_fail(err_set(ERR_SYSTEM, "out of memory"), r.family);
	rc = cli_args_parse_family(&cmd, &words, &npos, family, &r, r.body, argc, argv);
	if (rc != 0) {
		cli_run_close(&r);
		return cli_args_status(rc);
	}
	cli_http_defaults(&r.http);
	r.action = words > 1 ? argv[1] : "run";
	r.positional = npos > 0 ? argv[words] : NULL;
	return run(&r);
}

int cli_run_request(struct cli_run *r, const char *method, const char *path, json_t **out)
{
	char what[128], full[4096];

	snprintf(what, sizeof(what), "%s%s%s", r->family, strcmp(r->action, "run") ? " " : "",
		 strcmp(r->action, "run") ? r->action : "");
	*out = NULL;
	if (strcmp(method, "GET") != 0)
		return cli_http_json(out, &r->http, what, method, path, r->body);
	if (!r->body)
		return cli_http_json(out, &r->http, what, method, path, NULL);
	snprintf(full, sizeof(full), "%s", path);
	if (cli_http_query(full, sizeof(full), r->body) < 0) {
		fprintf(stderr, "tfledger: %s: %s\n", what, err_last());
		return CLI_USAGE;
	}
	return cli_http_json(out, &r->http, what, method, full, NULL);
}

int cli_run_request_all(struct cli_run *r, const char *path, const char *key, json_t **out)
{
	json_t *all = json_array(), *page = NULL, *next;
	int status = CLI_OK;

	*out = NULL;
	if (!r->body)
		r->body = json_object();
	if (!all || !r->body) {
		json_decref(all);
		fprintf(stderr, "tfledger: %s %s: out of memory\n", r->family, r->action);
		return CLI_FAIL;
	}
	for (;;) {
		status = cli_run_request(r, "GET", path, &page);
		if (status != CLI_OK)
			break;
		json_array_extend(all, json_object_get(page, key));
		next = json_object_get(page, "next");
		if (!json_is_integer(next))
			break;
		/* the next page, as large as the API allows: fewer round trips */
		json_object_set(r->body, "after", next);
		json_object_set_new(r->body, "limit", json_integer(LIMIT_LIST_ROWS));
		json_decref(page);
		page = NULL;
	}
	json_object_del(r->body, "after");
	json_object_del(r->body, "limit");
	if (status == CLI_OK) {
		json_object_set(page, key, all);
		json_object_set_new(page, "next", json_null());
		*out = page;
		page = NULL;
	}
	json_decref(page);
	json_decref(all);
	return status;
}

int cli_run_connect(struct cli_run *r, const char *role)
{
	const char *conninfo = cfg_database(r->database);
	struct passwd *pw = getpwuid(geteuid());
	const char *name = pw ? pw->pw_name : getenv("USER");
	int rc;

	snprintf(r->user, sizeof(r->user), "%s", name && *name ? name : "unknown");
	snprintf(r->request_id, sizeof(r->request_id), "cli-%ld", (long)getpid());
	r->who = (struct ledger_actor){LEDGER_FUND_CLI_TOKEN_ID, r->user, role, r->request_id,
				       r->user};
	if (!conninfo)
		return ERR_INVALID;
	rc = db_connect(&r->c, conninfo);
	if (rc == 0)
		rc = ledger_store_setup(r->c);
	if (rc == 0)
		rc = fund_setup(r->c);
	if (rc == 0)
		rc = bank_reconcile_setup(r->c);
	if (rc == 0)
		rc = bank_queue_setup(r->c);
	if (rc == 0)
		rc = travel_setup(r->c);
	return rc;
}

int cli_run_fail(const struct cli_run *r, int rc)
{
	fprintf(stderr, "%s%s %s: %s", r->lead, r->family, r->action, err_last());
	if (err_code_status(err_code_of(rc)) != 500)
		fprintf(stderr, " [%s]", err_code_name(err_code_of(rc)));
	fputc('\n', stderr);
	return err_exit_status(rc);
}

void cli_run_close(struct cli_run *r)
{
	json_decref(r->body);
	r->body = NULL;
	PQfinish(r->c);
	r->c = NULL;
}
