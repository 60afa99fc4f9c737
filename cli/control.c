/*
 * control.c - the funds control for people (docs/controls.md "Funds
 * control"): tfledger allocations add|list, overruns add|list and
 * overdrafts set|list (what each source has available: tfledger funds
 * available, cli/fund.c). Like the fund's commands they talk to the
 * database directly (--database, else $TFLEDGER_DATABASE), working as
 * finance; the audit trail names the OS user.
 *
 * One way to do each thing: the flags become the JSON object the HTTP
 * route receives (--source-earmark and --source-currency become "source":
 * {"earmark","currency"}) and fund/control.c validates and stores it.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/session.h"
#include "cli/table.h"
#include "common/err.h"
#include "fund/control.h"

static const struct cli_args_opt common_opts[] = {
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json"),
	CLI_ARGS_DATABASE(struct cli_run, database), CLI_ARGS_END};

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
	"Every command takes [--format table|json] [--database CONNINFO].\n"
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

/* Prints out (JSON as it is, or rows as a table) or the error; ends the run. */
static int finish(struct cli_run *r, int rc, json_t *out, const char *key,
		  const struct cli_col *cols)
{
	int status = CLI_OK;

	if (rc < 0) {
		status = cli_run_fail(r, rc);
	} else if (strcmp(r->format, "json") == 0) {
		json_t *o = json_is_array(out) ? json_pack("{s:O}", key, out) : json_incref(out);

		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		json_t *rows = json_is_array(out) ? json_incref(out) : json_pack("[O]", out);

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
	json_t *out = NULL;
	int rc = cli_run_connect(r, "finance");

	if (rc < 0)
		return finish(r, rc, NULL, NULL, NULL);
	if (strcmp(f, "allocations") == 0) {
		if (strcmp(a, "add") == 0) {
			if ((rc = source_object(r->body)) == 0)
				rc = fund_allocation_add(&out, r->c, r->body, &r->who);
		} else {
			rc = fund_allocations_list(
				&out, r->c, json_string_value(json_object_get(r->body, "meeting")),
				json_string_value(json_object_get(r->body, "line")),
				(int)json_integer_value(json_object_get(r->body, "year")));
		}
		return finish(r, rc, out, "allocations", allocation_cols);
	}
	if (strcmp(f, "overruns") == 0) {
		rc = strcmp(a, "add") == 0 ? fund_overrun_add(&out, r->c, r->body, &r->who)
					   : fund_overruns_list(&out, r->c);
		return finish(r, rc, out, "overruns", overrun_cols);
	}
	rc = strcmp(a, "set") == 0 ? fund_overdraft_set(&out, r->c, r->body, &r->who)
				   : fund_overdrafts_list(&out, r->c);
	return finish(r, rc, out, "overdrafts", overdraft_cols);
}

static int run_family(int argc, char **argv)
{
	return cli_run_family(argc, argv, &family, "tfledger: ", dispatch);
}

int cli_allocations(int argc, char **argv) { return run_family(argc, argv); }
int cli_overruns(int argc, char **argv) { return run_family(argc, argv); }
int cli_overdrafts(int argc, char **argv) { return run_family(argc, argv); }
