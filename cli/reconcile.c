/*
 * reconcile.c - bank reconciliation for people: `tfledger reconcile
 * --bank-account CODE` runs it as before (bank/reconcile.h), and the work
 * queue's commands (bank/queue.h) go through the lines it leaves:
 *
 *   tfledger reconcile queue|confirm|reject|unmatch|record|signoff|signoffs|reopen
 *
 * Like the fund's families it talks to the database directly (--database,
 * else $TFLEDGER_DATABASE) as the daemon's role, the OS user named in the
 * audit rows; a write's flags become the JSON body the HTTP route would
 * receive, and bank/queue.c validates it. `reopen` works as the admin role
 * (the route is admin's only); every other command as finance. Tables are
 * aligned; --format json prints the answer as the route sends it.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank/queue.h"
#include "bank/reconcile.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/session.h"
#include "cli/table.h"
#include "common/date.h"
#include "common/err.h"
#include "common/limits.h"

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
	CLI_ARGS_DATABASE(struct cli_run, database), CLI_ARGS_END};

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
	"Every command takes [--format table|json] [--database CONNINFO].\n"
	"Amounts are decimal strings with the currency's ISO 4217 digits; dates\n"
	"YYYY-MM-DD. See docs/fund.md, \"Reconciliation work queue\".\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

static void print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
}

/* Prints out (a list as a table, an object as a one-row table; in JSON
 * a list under list_key) or the error, and ends the run. */
static int finish(struct cli_run *r, int rc, json_t *out, const struct cli_col *cols,
		  const char *list_key)
{
	int status = CLI_OK;

	if (rc < 0) {
		status = cli_run_fail(r, rc);
	} else if (strcmp(r->format, "json") == 0) {
		json_t *o = list_key && json_is_array(out) ? json_pack("{s:O}", list_key, out)
							   : json_incref(out);

		print_json(o);
		json_decref(o);
	} else if (json_is_array(out)) {
		cli_print_table(out, cols);
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

/* Adds the reconciliation statement as of as_of (NULL: the last closing)
 * to a run's out as "statement", null when no statement of the account
 * closes by then, as POST /v1/reconcile answers. */
static int with_statement(json_t *out, PGconn *c, const char *bank, const char *stmt,
			  const char *as_of)
{
	json_t *st = NULL;
	int rc = bank_reconcile_statement(&st, c, bank, stmt, as_of);

	if (rc == ERR_NOTFOUND) {
		err_clear();
		rc = 0;
	}
	if (rc == 0)
		json_object_set_new(out, "statement", st ? st : json_null());
	return rc;
}

/* tfledger reconcile --bank-account CODE [...]: matches, posts what is
 * sure, and shows the lines and the reconciliation statement. */
static int run_reconcile(struct cli_run *r)
{
	/* --bank-account is required: the parser put a string there */
	const char *bank = json_string_value(json_object_get(r->body, "bank_account"));
	const char *stmt = json_string_value(json_object_get(r->body, "statement_account"));
	const char *as_of = json_string_value(json_object_get(r->body, "as_of"));
	char linked[LIMIT_CAMT_FIELD_BYTES];
	json_t *out = NULL;
	int rc = 0;

	/* refused before anything is posted */
	if (as_of && !date_valid(as_of))
		rc = err_set(ERR_INVALID, "--as-of: expected a date YYYY-MM-DD, got %s", as_of);
	if (rc == 0 && !stmt) {
		rc = bank_reconcile_statement_account(linked, r->c, bank);
		stmt = linked;
	}
	if (rc == 0)
		rc = bank_reconcile(&out, r->c, bank, stmt,
				    json_string_value(json_object_get(r->body, "tolerance")),
				    &r->who);
	if (rc == 0)
		rc = with_statement(out, r->c, bank, stmt, as_of);
	if (rc == 0 && strcmp(r->format, "table") == 0) {
		print_run(out);
		json_decref(out);
		cli_run_close(r);
		return CLI_OK;
	}
	return finish(r, rc, out, line_cols, NULL);
}

/*
 * Runs the command r names and ends r. The parser has refused every
 * command not in cmds and every required option missing.
 */
static int dispatch(struct cli_run *r)
{
	const char *a = r->action;
	bool reopen = strcmp(a, "reopen") == 0;
	json_t *out = NULL;
	int rc;

	rc = cli_run_connect(r, reopen ? "admin" : "finance");
	if (rc < 0)
		return finish(r, rc, NULL, NULL, NULL);
	if (strcmp(a, "run") == 0)
		return run_reconcile(r);
	if (strcmp(a, "queue") == 0) {
		rc = bank_queue_list(&out, r->c, r->body);
		if (rc == 0 && strcmp(r->format, "table") == 0) {
			json_t *rows = queue_rows(out);

			printf("queue of %s (%s), tolerance %s%s%s\n", str(out, "bank_account"),
			       str(out, "statement_account"), str(out, "tolerance"),
			       json_is_string(json_object_get(out, "locked_to")) ? "; signed off to "
										 : "",
			       json_string_value(json_object_get(out, "locked_to")) ?: "");
			cli_print_table(rows, queue_cols);
			if (json_is_integer(json_object_get(out, "next")))
				printf("more: --after %lld\n",
				       (long long)json_integer_value(json_object_get(out, "next")));
			json_decref(rows);
			json_decref(out);
			cli_run_close(r);
			return CLI_OK;
		}
		return finish(r, rc, out, queue_cols, NULL);
	}
	if (strcmp(a, "confirm") == 0)
		rc = bank_queue_confirm(&out, r->c, r->body, &r->who);
	else if (strcmp(a, "reject") == 0)
		rc = bank_queue_reject(&out, r->c, r->body, &r->who);
	else if (strcmp(a, "unmatch") == 0)
		rc = bank_queue_unmatch(&out, r->c, r->body, &r->who);
	else if (strcmp(a, "record") == 0)
		rc = bank_queue_record(&out, r->c, r->body, &r->who);
	if (strcmp(a, "reject") == 0)
		return finish(r, rc, out, reject_cols, NULL);
	if (strcmp(a, "confirm") == 0 || strcmp(a, "unmatch") == 0 || strcmp(a, "record") == 0)
		return finish(r, rc, out, match_cols, NULL);
	if (strcmp(a, "signoff") == 0) {
		rc = bank_queue_signoff(&out, r->c, r->body, &r->who);
		return finish(r, rc, out, signoff_cols, NULL);
	}
	if (strcmp(a, "signoffs") == 0) {
		rc = bank_queue_signoffs_list(&out, r->c);
		return finish(r, rc, out, signoff_cols, "signoffs");
	}
	ASSERT(reopen);
	{
		char *end;
		long long id = strtoll(r->positional, &end, 10);

		if (*r->positional < '0' || *r->positional > '9' || *end || id < 1)
			rc = err_set(ERR_INVALID, "ID: expected a sign-off id, got %s", r->positional);
		else
			rc = bank_queue_reopen(&out, r->c, id, r->body, &r->who);
	}
	return finish(r, rc, out, signoff_cols, NULL);
}

int cli_reconcile(int argc, char **argv)
{
	return cli_run_family(argc, argv, &family, "tfledger: ", dispatch);
}
