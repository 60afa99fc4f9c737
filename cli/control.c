/*
 * control.c - the funds control for people (docs/controls.md "Funds
 * control"): tfledger allocations add|list, overruns add|list and
 * overdrafts set|list (what each source has available: tfledger funds
 * available, cli/fund.c). Each command is one request to tfledgerd
 * (POST or GET /v1/allocations, /v1/overruns, /v1/overdrafts) through the
 * one door (cli/session.h): --url and --token, no database.
 *
 * One way to do each thing: the flags become the JSON object the HTTP
 * route receives (--source-earmark and --source-currency become "source":
 * {"earmark","currency"}), a list's flags its query, and fund/control.c
 * validates and stores it behind the route.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/session.h"
#include "cli/table.h"
#include "common/err.h"

static const struct cli_args_opt common_opts[] = {
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json"),
	CLI_ARGS_SERVER(struct cli_run, http), CLI_ARGS_END};

#define REQ CLI_ARGS_REQUIRED
static const struct cli_args_opt allocation_add_opts[] = {
	CLI_ARGS_BODY_STR("date", "D", "the day of the allocation", REQ),
	CLI_ARGS_BODY_STR("source-earmark", "travel|none", "the source's earmark", REQ),
	CLI_ARGS_BODY_STR("source-currency", "CCY", "the source's currency", REQ),
	CLI_ARGS_BODY_STR("line", "LINE", "the budget line (a meeting's is travel)", 0),
	CLI_ARGS_BODY_STR("meeting", "ID", "the meeting, for travel", 0),
	CLI_ARGS_BODY_INT("year", "YYYY", "the budget year (default the date's)", 0),
	CLI_ARGS_BODY_STR("amount", "A", "in the meeting's currency, else --currency, else the source's", REQ),
	CLI_ARGS_BODY_STR("currency", "CCY", "the allocation's currency (no meeting)", 0),
	CLI_ARGS_BODY_STR("memo", "TEXT", "why", 0),
	CLI_ARGS_END};
static const struct cli_args_opt allocations_list_opts[] = {
	CLI_ARGS_BODY_STR("meeting", "ID", "only this meeting's", 0),
	CLI_ARGS_BODY_STR("line", "LINE", "only this line's", 0),
	CLI_ARGS_BODY_INT("year", "YYYY", "only this year's", 0),
	CLI_ARGS_END};
static const struct cli_args_opt overrun_add_opts[] = {
	CLI_ARGS_BODY_STR("meeting", "ID", "the meeting", REQ),
	CLI_ARGS_BODY_STR("amount", "A", "how far beyond its allocation (its currency)", REQ),
	CLI_ARGS_BODY_STR("reason", "TEXT", "why", REQ),
	CLI_ARGS_END};
static const struct cli_args_opt overdraft_set_opts[] = {
	CLI_ARGS_BODY_STR("account", "CODE", "the bank account (10NN-CCY)", REQ),
	CLI_ARGS_BODY_STR("limit", "A", "how far below zero it may go; 0 removes it", REQ),
	CLI_ARGS_BODY_STR("reason", "TEXT", "why", REQ),
	CLI_ARGS_END};
#undef REQ

static const struct cli_args_cmd cmds[] = {
	{"allocations add", allocation_add_opts, common_opts, NULL, NULL, 0, 0,
	 "Sets a source's money aside for a budget line and, for travel, a meeting;\n"
	 "refused (insufficient-funds) beyond what the source has available."},
	{"allocations list", allocations_list_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"overruns add", overrun_add_opts, common_opts, NULL, NULL, 0, 0,
	 "Countersigns (finance) that one approval of the meeting may exceed its\n"
	 "allocation by up to the amount."},
	{"overruns list", NULL, common_opts, NULL, NULL, 0, 0, NULL},
	{"overdrafts set", overdraft_set_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"overdrafts list", NULL, common_opts, NULL, NULL, 0, 0, NULL},
};

static const char notes[] =
	"Every command takes [--format table|json] [--url URL] [--token TOKEN]\n"
	"(default $TFLEDGER_URL, $TFLEDGER_TOKEN) and needs no database.\n"
	"Amounts are decimal strings with the currency's ISO 4217 digits; dates\n"
	"YYYY-MM-DD. See docs/controls.md.\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

static const struct cli_col allocation_cols[] = {
	{"id", "ID", true},	       {"date", "DATE", false},
	{"source.earmark", "EARMARK", false}, {"source.currency", "SCCY", false},
	{"source.amount", "SOURCE AMOUNT", true}, {"line", "LINE", false},
	{"meeting", "MEETING", false}, {"year", "YEAR", true},
	{"amount", "AMOUNT", true},    {"currency", "CCY", false},
	{NULL, NULL, false}};
static const struct cli_col overrun_cols[] = {
	{"id", "ID", true},	      {"meeting", "MEETING", false}, {"amount", "AMOUNT", true},
	{"currency", "CCY", false},   {"signed_by", "SIGNED BY", false},
	{"used_by", "USED BY", false}, {"reason", "REASON", false}, {NULL, NULL, false}};
static const struct cli_col overdraft_cols[] = {
	{"account", "ACCOUNT", false}, {"limit", "LIMIT", true}, {"currency", "CCY", false},
	{"reason", "REASON", false},   {NULL, NULL, false}};

/* Prints the answer out (the API's JSON as it came, or a table: of the list
 * under key, else of the one object) if status is 0; ends the run. */
static int finish(struct cli_run *r, int status, json_t *out, const char *key,
		  const struct cli_col *cols)
{
	if (status != CLI_OK) {
		/* the refusal is printed */
	} else if (strcmp(r->format, "json") == 0) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		json_t *rows = key ? json_incref(json_object_get(out, key)) : json_pack("[O]", out);

		cli_print_table(rows, cols);
		json_decref(rows);
	}
	json_decref(out);
	cli_run_close(r);
	return status;
}

/* Moves --source-earmark and --source-currency into "source". */
static int source_object(json_t *body)
{
	json_t *s = json_object();

	if (!s)
		return err_set(ERR_INTERNAL, "out of memory");
	json_object_set(s, "earmark", json_object_get(body, "source_earmark"));
	json_object_set(s, "currency", json_object_get(body, "source_currency"));
	json_object_del(body, "source_earmark");
	json_object_del(body, "source_currency");
	return json_object_set_new(body, "source", s) == 0 ? 0
							    : err_set(ERR_INTERNAL, "out of memory");
}

static int dispatch(struct cli_run *r)
{
	const char *f = r->family, *a = r->action;
	bool add = strcmp(a, "add") == 0 || strcmp(a, "set") == 0;
	const struct cli_col *cols = strcmp(f, "allocations") == 0 ? allocation_cols
				     : strcmp(f, "overruns") == 0  ? overrun_cols
								   : overdraft_cols;
	char path[64];
	json_t *out = NULL;
	int status = CLI_OK;

	snprintf(path, sizeof(path), "/v1/%s", f);
	if (strcmp(f, "allocations") == 0 && add && source_object(r->body) < 0)
		status = cli_run_fail(r, ERR_INTERNAL);
	if (status == CLI_OK)
		status = cli_run_request(r, add ? "POST" : "GET", path, &out);
	return finish(r, status, out, add ? NULL : f, cols);
}

static int run_family(int argc, char **argv)
{
	return cli_run_family(argc, argv, &family, "tfledger: ", dispatch);
}

int cli_allocations(int argc, char **argv) { return run_family(argc, argv); }
int cli_overruns(int argc, char **argv) { return run_family(argc, argv); }
int cli_overdrafts(int argc, char **argv) { return run_family(argc, argv); }
