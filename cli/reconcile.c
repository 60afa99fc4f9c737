/*
 * reconcile.c - bank reconciliation for people: `tfledger reconcile
 * --bank-account CODE` runs it as before (bank/reconcile.h), and the work
 * queue's commands (bank/queue.h) go through the lines it leaves:
 *
 *   tfledger reconcile queue|confirm|reject|unmatch|record|signoff|signoffs|reopen
 *
 * Each command is one request to tfledgerd through the one door
 * (cli/session.h: --url, --token, no database): a write's flags become
 * the JSON body of its route (POST /v1/reconcile, /v1/reconcile/confirm,
 * ...), a read's its query, and bank/queue.c validates it behind the
 * route. `reopen` needs an admin's token (the route table says so). Tables
 * are aligned; --format json prints the answer as the route sends it.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/http.h"
#include "cli/session.h"
#include "cli/table.h"
#include "common/err.h"

/* A line of a reconciliation run: its receipt and the pledge apart. */
static const struct cli_col line_cols[] = {
	{"bank_line", "LINE", true}, {"date", "DATE", false},	  {"side", "SIDE", false},
	{"amount", "AMOUNT", true},  {"currency", "CCY", false},   {"party", "PARTY", false},
	{"pledge", "PLEDGE", true},  {"receipt", "RECEIPT", true}, {"reason", "REASON", false},
	{NULL, NULL, false}};
/* A line of the queue and one of its candidates a row (queue_rows). */
static const struct cli_col queue_cols[] = {
	{"bank_line", "LINE", true},	   {"date", "DATE", false},	{"side", "SIDE", false},
	{"amount", "AMOUNT", true},	   {"party", "PARTY", false},	{"status", "STATUS", false},
	{"candidate", "CANDIDATE", false}, {"score", "SCORE", true},	{"why", "WHY", false},
	{NULL, NULL, false}};
static const struct cli_col match_cols[] = {
	{"bank_line", "LINE", true}, {"status", "STATUS", false}, {"kind", "KIND", false},
	{"how", "HOW", false},	     {"entry", "ENTRY", false},	  {"line", "POSTING", true},
	{"receipt", "RECEIPT", true}, {NULL, NULL, false}};
static const struct cli_col reject_cols[] = {{"bank_line", "LINE", true},
					 {"rejected", "REJECTED", false},
					 {"status", "STATUS", false},
					 {NULL, NULL, false}};
static const struct cli_col signoff_cols[] = {
	{"id", "ID", true},
	{"bank_account", "BANK", false},
	{"statement_account", "STATEMENT ACCOUNT", false},
	{"period_end", "PERIOD END", false},
	{"bank_closing", "BANK CLOSING", true},
	{"ledger_balance", "LEDGER", true},
	{"difference", "DIFFERENCE", true},
	{"unmatched_lines", "UNMATCHED", true},
	{"signed_by", "SIGNED BY", false},
	{"reopened_by", "REOPENED BY", false},
	{NULL, NULL, false}};

/* The options every command here shares; the others go into the body. */
static const struct cli_args_opt common_opts[] = {
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json"),
	CLI_ARGS_SERVER(struct cli_run, http), CLI_ARGS_END};

#define REQ CLI_ARGS_REQUIRED
#define BANK_ACCOUNT_OPT(flags) \
	CLI_ARGS_BODY_STR("bank-account", "CODE", "the bank account (10xx-CCY)", flags)
#define STATEMENT_ACCOUNT_OPT \
	CLI_ARGS_BODY_STR("statement-account", "IBAN", "its statement account (default: linked)", 0)
#define TOLERANCE_OPT \
	CLI_ARGS_BODY_STR("tolerance", "A", "the largest amount difference of a candidate", 0)

static const struct cli_args_opt run_opts[] = {
	BANK_ACCOUNT_OPT(REQ), STATEMENT_ACCOUNT_OPT,
	CLI_ARGS_BODY_STR("tolerance", "A", "the largest difference matched", 0),
	CLI_ARGS_BODY_STR("as-of", "D", "the statement's day (default: the last closing)", 0),
	CLI_ARGS_END};
static const struct cli_args_opt queue_opts[] = {
	BANK_ACCOUNT_OPT(REQ), STATEMENT_ACCOUNT_OPT, TOLERANCE_OPT,
	CLI_ARGS_BODY_INT("after", "LINE", "the last line of the page before", 0),
	CLI_ARGS_BODY_INT("limit", "N", "lines on the page (at most 100)", 0), CLI_ARGS_END};
static const struct cli_args_opt pick_opts[] = {
	CLI_ARGS_BODY_INT("bank-line", "ID", "the bank line", REQ),
	CLI_ARGS_BODY_STR("candidate", "C", "posting:<entry uuid>/<line> or pledge:<id>", REQ),
	BANK_ACCOUNT_OPT(0), TOLERANCE_OPT, CLI_ARGS_END};
static const struct cli_args_opt unmatch_opts[] = {
	CLI_ARGS_BODY_INT("bank-line", "ID", "the bank line", REQ), CLI_ARGS_END};
static const struct cli_args_opt record_opts[] = {
	CLI_ARGS_BODY_INT("bank-line", "ID", "the bank line", REQ),
	CLI_ARGS_BODY_STR("kind", "receipt|interest|charge|payment", "what the line is", REQ),
	BANK_ACCOUNT_OPT(0),
	CLI_ARGS_BODY_INT("pledge", "ID", "the pledge a receipt pays", 0),
	CLI_ARGS_BODY_STR("account", "CODE", "the expense account of a payment", 0),
	CLI_ARGS_BODY_STR("memo", "T", "the entry's memo (not for a receipt)", 0),
	CLI_ARGS_BODY_STR("instructed-amount", "A", "a receipt: the amount the donor sent", 0),
	CLI_ARGS_BODY_FLAG("allow-overpayment", "a receipt: accept more than is open"),
	CLI_ARGS_END};
static const struct cli_args_opt signoff_opts[] = {
	BANK_ACCOUNT_OPT(REQ), STATEMENT_ACCOUNT_OPT,
	CLI_ARGS_BODY_STR("period-end", "D", "the closing date of a stored statement", REQ),
	CLI_ARGS_END};
static const struct cli_args_opt reopen_opts[] = {
	CLI_ARGS_BODY_STR("reason", "T", "why, 1-1000 characters", REQ), CLI_ARGS_END};
#undef REQ

static const struct cli_args_cmd cmds[] = {
	{"reconcile", run_opts, common_opts, NULL, NULL, 0, 0,
	 "Matches the bank lines against receivables."},
	{"reconcile queue", queue_opts, common_opts, NULL, NULL, 0, 0,
	 "The lines no posting explains yet, oldest first, with their candidates."},
	{"reconcile confirm", pick_opts, common_opts, NULL, NULL, 0, 0,
	 "Matches a line to one of its candidates (a pledge's posts its receipt)."},
	{"reconcile reject", pick_opts, common_opts, NULL, NULL, 0, 0,
	 "A candidate of a line that is not it: never offered again."},
	{"reconcile unmatch", unmatch_opts, common_opts, NULL, NULL, 0, 0,
	 "Undoes a match that posted nothing."},
	{"reconcile record", record_opts, common_opts, NULL, NULL, 0, 0,
	 "Posts the entry a line is and matches it."},
	{"reconcile signoff", signoff_opts, common_opts, NULL, NULL, 0, 0,
	 "Signs off the reconciliation up to a statement's closing date: locks its lines."},
	{"reconcile signoffs", NULL, common_opts, NULL, NULL, 0, 0, "Every sign-off."},
	{"reconcile reopen", reopen_opts, common_opts, "ID", "the sign-off", 1, 1,
	 "Reopens a sign-off (as admin), unlocking its lines."},
};

static const char notes[] =
	"Every command takes [--format table|json] [--url URL] [--token TOKEN]\n"
	"(default $TFLEDGER_URL, $TFLEDGER_TOKEN) and needs no database.\n"
	"Amounts are decimal strings with the currency's ISO 4217 digits; dates\n"
	"YYYY-MM-DD. See docs/fund.md, \"Reconciliation work queue\".\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

static void print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
}

/* Prints the answer out (the API's JSON as it came; a table of the list
 * under list_key, or of the one object) if status is 0; ends the run and
 * returns status. */
static int finish(struct cli_run *r, int status, json_t *out, const struct cli_col *cols,
		  const char *list_key)
{
	if (status != CLI_OK) {
		/* the refusal is printed */
	} else if (strcmp(r->format, "json") == 0) {
		print_json(out);
	} else if (list_key) {
		cli_print_table(json_object_get(out, list_key), cols);
	} else if (out) {
		json_t *one = json_pack("[O]", out);

		cli_print_table(one, cols);
		json_decref(one);
	}
	json_decref(out);
	cli_run_close(r);
	return status;
}

/* A string of o, or "-". */
static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key)) ?: "-";
}

/* A scalar as text into buf (strings as they are). */
static const char *scalar(json_t *v, char buf[64])
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, 64, "%lld", (long long)json_integer_value(v));
	else if (json_is_true(v) || json_is_false(v))
		snprintf(buf, 64, "%s", json_is_true(v) ? "yes" : "no");
	else
		snprintf(buf, 64, "-");
	return buf;
}

/* A table of rows (objects) under the keys of the first row that hold
 * scalars, at most 15. */
static void print_items(json_t *rows)
{
	struct cli_col cols[16];
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach(json_array_get(rows, 0), k, v)
		if (n < 15 && !json_is_object(v) && !json_is_array(v))
			cols[n++] = (struct cli_col){k, k, json_is_integer(v) || strstr(k, "amount")};
	cols[n] = (struct cli_col){NULL, NULL, false};
	if (n > 0)
		cli_print_table(rows, cols);
}

/*
 * The reconciliation statement of a run (its "statement" object, when
 * bank/reconcile.c gives one), in its order: each figure on a line of its
 * own; an object (brought forward, a group of items with its total and
 * effect) as its figures on one line and its items as a table; a list as
 * a table.
 */
static void print_statement(json_t *st)
{
	const char *key, *k;
	char buf[64];
	json_t *v, *w;

	printf("reconciliation statement:\n");
	json_object_foreach(st, key, v) {
		if (!strcmp(key, "bank_account") || !strcmp(key, "statement_account") ||
		    !strcmp(key, "currency"))
			continue; /* the run's own, said below */
		if (json_is_array(v)) {
			printf("  %s:%s\n", key, json_array_size(v) ? "" : " none");
			print_items(v);
		} else if (json_is_object(v)) {
			printf("  %-28s", key);
			json_object_foreach(v, k, w)
				if (!json_is_array(w) && !json_is_object(w))
					printf(" %s %s", k, scalar(w, buf));
			putchar('\n');
			json_object_foreach(v, k, w)
				if (json_is_array(w) && json_array_size(w))
					print_items(w);
		} else {
			printf("  %-28s %s\n", key, scalar(v, buf));
		}
	}
	putchar('\n');
}

/* A reconciliation run as tables: matched, suggested, unmatched, then the
 * statement (or the bank's closing balance against the ledger's). */
static void print_run(json_t *out)
{
	static const char *const lists[] = {"matched", "suggested", "unmatched"};
	json_t *st = json_object_get(out, "statement");

	for (int k = 0; k < 3; k++) {
		printf("%s:\n", lists[k]);
		cli_print_table(json_object_get(out, lists[k]), line_cols);
		putchar('\n');
	}
	if (json_is_object(st))
		print_statement(st);
	printf("bank closing balance %s %s on %s; ledger %s %s; difference %s\n",
	       str(out, "bank_closing"), str(out, "currency"), str(out, "closing_date"),
	       str(out, "bank_account"), str(out, "ledger_balance"), str(out, "difference"));
}

/* The queue as rows: a line with its best candidate, then one row for
 * each other candidate (a new reference). */
static json_t *queue_rows(json_t *out)
{
	json_t *rows = json_array(), *line, *cand;
	size_t i, k;

	json_array_foreach(json_object_get(out, "lines"), i, line) {
		json_t *cands = json_object_get(line, "candidates");
		json_t *row = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:s}", "bank_line",
					json_object_get(line, "bank_line"), "date",
					json_object_get(line, "date"), "side",
					json_object_get(line, "side"), "amount",
					json_object_get(line, "amount"), "party",
					json_object_get(line, "party"), "status",
					json_object_get(line, "status"), "candidate",
					json_array_size(cands) ? "" : "(none)");

		if (!rows || !row || json_array_append_new(rows, row) < 0)
			break;
		json_array_foreach(cands, k, cand) {
			json_t *to = k == 0 ? row : json_object();

			json_object_set(to, "candidate", json_object_get(cand, "candidate"));
			json_object_set(to, "score", json_object_get(cand, "score"));
			json_object_set(to, "why", json_object_get(cand, "why"));
			if (k > 0)
				json_array_append_new(rows, to);
		}
	}
	return rows;
}

/* The route of each write of the queue: its path and its table. */
static const struct {
	const char *action, *path;
	const struct cli_col *cols;
} writes[] = {
	{"confirm", "/v1/reconcile/confirm", match_cols},
	{"reject", "/v1/reconcile/reject", reject_cols},
	{"unmatch", "/v1/reconcile/unmatch", match_cols},
	{"record", "/v1/reconcile/record", match_cols},
	{"signoff", "/v1/reconcile/signoffs", signoff_cols},
};

/* The queue as its table: a heading, a row per line and candidate, and
 * where the next page starts. */
static void print_queue(json_t *out)
{
	json_t *rows = queue_rows(out);

	printf("queue of %s (%s), tolerance %s%s%s\n", str(out, "bank_account"),
	       str(out, "statement_account"), str(out, "tolerance"),
	       json_is_string(json_object_get(out, "locked_to")) ? "; signed off to " : "",
	       json_string_value(json_object_get(out, "locked_to")) ?: "");
	cli_print_table(rows, queue_cols);
	if (json_is_integer(json_object_get(out, "next")))
		printf("more: --after %lld\n",
		       (long long)json_integer_value(json_object_get(out, "next")));
	json_decref(rows);
}

/*
 * Runs the command r names through tfledgerd and ends r. The parser has
 * refused every command not in cmds and every required option missing.
 */
static int dispatch(struct cli_run *r)
{
	const char *a = r->action;
	json_t *out = NULL;
	char path[128];
	int status;

	if (strcmp(a, "run") == 0) {
		/* matches, posts what is sure, shows the lines and the statement */
		status = cli_run_request(r, "POST", "/v1/reconcile", &out);
		if (status == CLI_OK && strcmp(r->format, "table") == 0) {
			print_run(out);
			json_decref(out);
			cli_run_close(r);
			return CLI_OK;
		}
		return finish(r, status, out, line_cols, NULL);
	}
	if (strcmp(a, "queue") == 0) {
		status = cli_run_request(r, "GET", "/v1/reconcile/queue", &out);
		if (status == CLI_OK && strcmp(r->format, "table") == 0) {
			print_queue(out);
			json_decref(out);
			cli_run_close(r);
			return CLI_OK;
		}
		return finish(r, status, out, queue_cols, NULL);
	}
	if (strcmp(a, "signoffs") == 0) {
		status = cli_run_request(r, "GET", "/v1/reconcile/signoffs", &out);
		return finish(r, status, out, signoff_cols, "signoffs");
	}
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		if (strcmp(a, writes[i].action) == 0) {
			status = cli_run_request(r, "POST", writes[i].path, &out);
			return finish(r, status, out, writes[i].cols, NULL);
		}
	ASSERT(strcmp(a, "reopen") == 0);
	status = cli_http_segment_ok("reconcile reopen", r->positional);
	snprintf(path, sizeof(path), "/v1/reconcile/signoffs/%s/reopen", r->positional);
	if (status == CLI_OK)
		status = cli_run_request(r, "POST", path, &out);
	return finish(r, status, out, signoff_cols, NULL);
}

int cli_reconcile(int argc, char **argv)
{
	return cli_run_family(argc, argv, &family, "tfledger: ", dispatch);
}
