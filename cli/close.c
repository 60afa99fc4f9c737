/*
 * close.c - closing the books for people: tfledger periods list|close|
 * reopen, psc charge --month M, year close|list (fund/close.h,
 * docs/controls.md "Closing months and the year"). Each is one request
 * to tfledgerd through the one door (cli/session.h: --url, --token, no
 * database); `periods reopen` needs an admin's token, the route table says.
 *
 * Acknowledgements are positional arguments ITEM=REASON after the month
 * or none ("tfledger periods close 2019-03 'psc:2019-03=charged in April'"):
 * the body's {"acknowledge":[{"item","reason"}]}, which fund/close.c
 * validates as it does a request's.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/session.h"
#include "cli/table.h"
#include "common/err.h"
#include "cli/http.h"

static const struct cli_col period_cols[] = {
	{"month", "MONTH", false},	 {"status", "STATUS", false},
	{"ready", "READY", false},	 {"closed_by", "CLOSED BY", false},
	{"closed_at", "CLOSED AT", false}, {"events", "EVENTS", true},
	{"open", "OPEN ITEMS", false},	 {NULL, NULL, false}};
static const struct cli_col close_cols[] = {{"period", "MONTH", false},
					{"status", "STATUS", false},
					{"closed_by", "CLOSED BY", false},
					{"reopened_by", "REOPENED BY", false},
					{"reason", "REASON", false},
					{NULL, NULL, false}};
static const struct cli_col psc_cols[] = {
	{"month", "MONTH", false},	{"base", "BASE", true},	     {"rate", "RATE", true},
	{"amount", "PSC", true},	{"currency", "CCY", false},  {"changed", "CHANGED", false},
	{"entry_id", "ENTRY", false}, {NULL, NULL, false}};
static const struct cli_col year_cols[] = {
	{"year", "YEAR", true},	     {"closed", "CLOSED", false}, {"surplus", "SURPLUS", true},
	{"reserve", "RESERVE", true}, {"currency", "CCY", false},  {"closed_by", "CLOSED BY", false},
	{"closed_at", "CLOSED AT", false}, {NULL, NULL, false}};

/* The options every command here shares; the others go into the body. */
static const struct cli_args_opt common_opts[] = {
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json"),
	CLI_ARGS_SERVER(struct cli_run, http), CLI_ARGS_END};

#define REQ CLI_ARGS_REQUIRED
static const struct cli_args_opt reopen_opts[] = {
	CLI_ARGS_BODY_STR("reason", "T", "why, 1-1000 characters", REQ), CLI_ARGS_END};
static const struct cli_args_opt psc_opts[] = {
	CLI_ARGS_BODY_STR("month", "YYYY-MM", "the month charged", REQ), CLI_ARGS_END};
static const struct cli_args_opt year_opts[] = {
	CLI_ARGS_BODY_INT("year", "Y", "the year closed", REQ), CLI_ARGS_END};
#undef REQ

static const struct cli_args_cmd cmds[] = {
	{"periods list", NULL, common_opts, NULL, NULL, 0, 0,
	 "Every month with entries or events, closed or open, and what blocks its close."},
	{"periods close", NULL, common_opts, "MONTH [ITEM=REASON...]",
	 "the month, and the open items finance acknowledges", 1, 101,
	 "Closes a month that is ready, or whose open items are acknowledged."},
	{"periods reopen", reopen_opts, common_opts, "MONTH", "the month", 1, 1,
	 "Reopens a closed month (as admin)."},
	{"psc charge", psc_opts, common_opts, NULL, NULL, 0, 0,
	 "Charges a month's programme support costs (again if its base changed)."},
	{"year close", year_opts, common_opts, "[ITEM=REASON...]",
	 "December's open items finance acknowledges", 0, 100,
	 "The year-end close: surplus into 3100, the operating reserve, December closed."},
	{"year list", NULL, common_opts, NULL, NULL, 0, 0, "Every year, closed or not."},
};

static const char notes[] =
	"Every command takes [--format table|json] [--url URL] [--token TOKEN]\n"
	"(default $TFLEDGER_URL, $TFLEDGER_TOKEN) and needs no database.\n"
	"Open items are named revaluation:YYYY-MM, psc:YYYY-MM, reconciliation:IBAN\n"
	"(and month:YYYY-MM for a year). See docs/controls.md.\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

static void print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
}

/* args[0..n) ITEM=REASON into body's "acknowledge". */
static int acks_from_args(json_t *body, char **args, int n)
{
	json_t *arr = json_array();

	if (!arr || json_object_set_new(body, "acknowledge", arr) < 0)
		return err_set(ERR_SYSTEM, "out of memory");
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(args[i], '=');

		if (!eq || eq == args[i])
			return err_set(ERR_INVALID, "%s: expected ITEM=REASON", args[i]);
		if (json_array_append_new(arr, json_pack("{s:s%, s:s}", "item", args[i],
							 (size_t)(eq - args[i]), "reason",
							 eq + 1)) < 0)
			return err_set(ERR_SYSTEM, "out of memory");
	}
	return 0;
}

/* periods list as table rows: the open items joined, the events counted. */
static json_t *period_rows(json_t *periods)
{
	json_t *rows = json_array(), *p, *it;
	size_t i, k;

	json_array_foreach(periods, i, p) {
		char open[1024] = "";
		size_t used = 0;
		json_t *row = json_deep_copy(p);

		json_array_foreach(json_object_get(p, "open_items"), k, it)
			if (used < sizeof(open) - 1)
				used += (size_t)snprintf(open + used, sizeof(open) - used, "%s%s",
							 k ? " " : "",
							 json_string_value(json_object_get(it, "item")));
		json_object_set_new(row, "open", json_string(used ? open : "-"));
		json_object_set_new(row, "ready", json_string(json_is_true(json_object_get(p, "ready"))
								      ? "yes" : "no"));
		json_object_set_new(row, "events",
				    json_integer((json_int_t)json_array_size(
					    json_object_get(p, "events"))));
		json_array_append_new(rows, row);
	}
	return rows;
}

/* Prints the answer out (the API's JSON as it came, or a table: of the
 * list under list_key, else of the one object) if status is 0; ends the
 * run and returns status. */
static int finish(struct cli_run *r, int status, json_t *out, const struct cli_col *cols,
		  const char *list_key)
{
	json_t *list = list_key ? json_object_get(out, list_key) : NULL;

	if (status != CLI_OK) {
		/* the refusal is printed */
	} else if (strcmp(r->format, "json") == 0) {
		print_json(out);
	} else if (list_key && strcmp(list_key, "periods") == 0) {
		json_t *rows = period_rows(list);

		cli_print_table(rows, cols);
		json_decref(rows);
	} else if (list) {
		json_t *row;
		size_t i;

		json_array_foreach(list, i, row)
			if (json_is_boolean(json_object_get(row, "closed")))
				json_object_set_new(row, "closed",
						    json_string(json_is_true(json_object_get(row, "closed"))
								? "yes" : "no"));
		cli_print_table(list, cols);
	} else {
		json_t *one = json_pack("[O]", out);

		if (json_is_boolean(json_object_get(out, "changed")))
			json_object_set_new(json_array_get(one, 0), "changed",
					    json_string(json_is_true(json_object_get(out, "changed"))
							? "yes" : "no"));
		cli_print_table(one, cols);
		json_decref(one);
	}
	json_decref(out);
	cli_run_close(r);
	return status;
}

/* path = "/v1/" kind "/" seg "/" op, seg (a month, a year) from the
 * command line checked; 0 or the usage error's status. */
static int segment(struct cli_run *r, char *path, size_t size, const char *kind,
		   const char *seg, const char *op)
{
	char what[64];
	int status;

	snprintf(what, sizeof(what), "%s %s", r->family, r->action);
	if ((status = cli_http_segment_ok(what, seg)) != 0)
		return status;
	snprintf(path, size, "/v1/%s/%s/%s", kind, seg, op);
	return CLI_OK;
}

/* Runs the command through tfledgerd and ends r; args[0..n) its
 * positional arguments. */
static int dispatch(struct cli_run *r, char **args, int n)
{
	const char *f = r->family, *a = r->action;
	json_t *out = NULL;
	char path[128];
	int status;

	if (strcmp(f, "periods") == 0 && strcmp(a, "list") == 0) {
		status = cli_run_request(r, "GET", "/v1/periods", &out);
		return finish(r, status, out, period_cols, "periods");
	}
	if (strcmp(f, "periods") == 0) {
		bool reopen = strcmp(a, "reopen") == 0;
		int rc = reopen ? 0 : acks_from_args(r->body, args + 1, n - 1);

		if (rc < 0)
			status = cli_run_fail(r, rc);
		else
			status = segment(r, path, sizeof(path),
					 "periods", args[0], reopen ? "reopen" : "close");
		if (status == CLI_OK)
			status = cli_run_request(r, "POST", path, &out);
		return finish(r, status, out, close_cols, NULL);
	}
	if (strcmp(f, "psc") == 0) {
		status = segment(r, path, sizeof(path), "periods",
				 json_string_value(json_object_get(r->body, "month")), "psc");
		json_decref(r->body); /* the route takes no body */
		r->body = NULL;
		if (status == CLI_OK)
			status = cli_run_request(r, "POST", path, &out);
		return finish(r, status, out, psc_cols, NULL);
	}
	if (strcmp(a, "list") == 0) {
		status = cli_run_request(r, "GET", "/v1/years", &out);
		return finish(r, status, out, year_cols, "years");
	}
	{
		json_int_t year = json_integer_value(json_object_get(r->body, "year"));
		char y[32];
		int rc;

		snprintf(y, sizeof(y), "%lld", (long long)year);
		json_object_del(r->body, "year");
		rc = acks_from_args(r->body, args, n);
		status = rc < 0 ? cli_run_fail(r, rc)
				: segment(r, path, sizeof(path), "years", y, "close");
		if (status == CLI_OK)
			status = cli_run_request(r, "POST", path, &out);
		if (status == CLI_OK && strcmp(r->format, "table") == 0) {
			json_t *row = json_pack("{s:O, s:s, s:O, s:O, s:s}", "year",
						json_object_get(out, "year"), "closed", "yes",
						"surplus", json_object_get(out, "surplus"), "reserve",
						json_object_get(json_object_get(out, "reserve"),
								"target"),
						"currency", "USD");

			json_decref(out);
			out = row;
		}
		return finish(r, status, out, year_cols, NULL);
	}
}

/* cli_run_family, keeping every positional argument (acknowledgements). */
static int run_family(int argc, char **argv)
{
	struct cli_run r = {.family = argv[0], .format = "table", .lead = "tfledger: "};
	const struct cli_args_cmd *cmd;
	int rc, words, npos;

	r.body = json_object();
	if (!r.body)
		return cli_fail(err_set(ERR_SYSTEM, "out of memory"), r.family);
	rc = cli_args_parse_family(&cmd, &words, &npos, &family, &r, r.body, argc, argv);
	if (rc != 0) {
		cli_run_close(&r);
		return cli_args_status(rc);
	}
	cli_http_defaults(&r.http);
	r.action = argv[1];
	r.positional = npos > 0 ? argv[words] : NULL;
	return dispatch(&r, argv + words, npos);
}

int cli_periods(int argc, char **argv) { return run_family(argc, argv); }
int cli_psc(int argc, char **argv) { return run_family(argc, argv); }
int cli_year(int argc, char **argv) { return run_family(argc, argv); }
