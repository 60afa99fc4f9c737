/*
 * travel.c - travel support for people: tfledger meetings add|list,
 * applicants import FILE.csv --meeting ID | list --meeting ID, and travel
 * rank|approve|decline|cancel|report|settle|list (docs/travel.md). For now they
 * talk to the database directly (--database, else $TFLEDGER_DATABASE),
 * working as the daemon's role; the audit trail names the OS user.
 *
 * One way to do each thing: each command declares its options in `cmds`
 * (cli/args.h); the flags become the JSON object an HTTP route would
 * receive (--what-if is "what_if": true, dashes become underscores) and
 * travel/travel.c validates and stores it. Rankings print with the
 * engine's own writers (table, json, xml).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/session.h"
#include "cli/table.h"
#include "common/db.h"
#include "common/err.h"
#include "fund/fund.h"
#include "travel/travel.h"

/* The options every command here shares; the others go into the body. */
static const struct cli_args_opt common_opts[] = {
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json"),
	CLI_ARGS_DATABASE(struct cli_run, database), CLI_ARGS_END};
static const struct cli_args_opt rank_common_opts[] = {
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json|xml"),
	CLI_ARGS_DATABASE(struct cli_run, database), CLI_ARGS_END};

#define REQ CLI_ARGS_REQUIRED
#define MEETING_OPT CLI_ARGS_BODY_STR("meeting", "ID", "the meeting", REQ)
#define APPLICANT_OPT CLI_ARGS_BODY_STR("applicant", "ID", "the applicant", REQ)
static const struct cli_args_opt meeting_add_opts[] = {
	CLI_ARGS_BODY_STR("id", "ID", "1 to 32 of a-z 0-9 . _ - (not first)", REQ),
	CLI_ARGS_BODY_STR("name", "NAME", "the meeting's name", REQ),
	CLI_ARGS_BODY_STR("starts-on", "D", "its first day", REQ),
	CLI_ARGS_BODY_STR("ends-on", "D", "its last day", REQ),
	CLI_ARGS_BODY_STR("place", "PLACE", "where it is", REQ),
	CLI_ARGS_BODY_STR("currency", "CCY", "the currency of its travel budget", REQ),
	CLI_ARGS_BODY_STR("budget-line", "TEXT", "the budget line it is charged to", 0),
	CLI_ARGS_END};
static const struct cli_args_opt meeting_only_opts[] = {MEETING_OPT, CLI_ARGS_END};
static const struct cli_args_opt applicants_list_opts[] = {
	MEETING_OPT, CLI_ARGS_BODY_STR("as-of", "D", "history as of that day (default today)", 0),
	CLI_ARGS_END};
static const struct cli_args_opt rank_opts[] = {
	MEETING_OPT,
	CLI_ARGS_BODY_STR("as-of", "D", "budget and history as of that day (default today)", 0),
	CLI_ARGS_BODY_STR("budget", "A", "instead of the money available for travel", 0),
	CLI_ARGS_BODY_STR("currency", "C", "the budget's currency, the meeting's", 0),
	CLI_ARGS_BODY_STR("policy", "FILE.xml", "default: the bundled IGF travel policy", 0),
	CLI_ARGS_BODY_FLAG("what-if", "store nothing"),
	CLI_ARGS_END};
static const struct cli_args_opt approve_opts[] = {
	MEETING_OPT, CLI_ARGS_BODY_STR("date", "D", "the day (default today)", 0), CLI_ARGS_END};
static const struct cli_args_opt release_opts[] = {
	MEETING_OPT, APPLICANT_OPT, CLI_ARGS_BODY_STR("date", "D", "the day (default today)", 0),
	CLI_ARGS_END};
static const struct cli_args_opt report_opts[] = {
	MEETING_OPT, APPLICANT_OPT,
	CLI_ARGS_BODY_STR("report-received", "D", "the day the report came (default today)", 0),
	CLI_ARGS_END};
static const struct cli_args_opt settle_opts[] = {
	MEETING_OPT,
	APPLICANT_OPT,
	CLI_ARGS_BODY_STR("airfare", "A", "the airfare paid", REQ),
	CLI_ARGS_BODY_STR("dsa", "A", "the daily subsistence allowance paid", REQ),
	CLI_ARGS_BODY_STR("report-received", "D", "the day the trip report came", 0),
	CLI_ARGS_BODY_STR("date", "D", "the day paid (default today)", 0),
	CLI_ARGS_BODY_STR("bank-account", "CODE", "the bank account paid from", 0),
	CLI_ARGS_END};
#undef REQ

static const struct cli_args_cmd cmds[] = {
	{"meetings add", meeting_add_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"meetings list", NULL, common_opts, NULL, NULL, 0, 0, NULL},
	{"applicants import", meeting_only_opts, common_opts, "FILE.csv",
	 "the applicants' CSV ('-': stdin)", 1, 1, NULL},
	{"applicants list", applicants_list_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"travel rank", rank_opts, rank_common_opts, NULL, NULL, 0, 0,
	 "The budget defaults to the money available for travel in the ledger as of\n"
	 "--as-of (default today); prior funding and reports outstanding come from the\n"
	 "fund's history of earlier trips. --what-if stores nothing."},
	{"travel approve", approve_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"travel decline", release_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"travel cancel", release_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"travel report", report_opts, common_opts, NULL, NULL, 0, 0,
	 "The trip report arrived (default today)."},
	{"travel settle", settle_opts, common_opts, NULL, NULL, 0, 0,
	 "The costs paid, with the report if --report-received is given."},
	{"travel list", meeting_only_opts, common_opts, NULL, NULL, 0, 0, NULL},
};

static const char notes[] =
	"Every command takes [--format table|json] [--database CONNINFO] (travel rank\n"
	"also --format xml); tfledger COMMAND ACTION --help for its options.\n"
	"See docs/travel.md.\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

static const struct cli_col meeting_cols[] = {
	{"id", "ID", false},	       {"starts_on", "STARTS", false}, {"ends_on", "ENDS", false},
	{"currency", "CCY", false},    {"place", "PLACE", false},      {"applicants", "APPLICANTS", true},
	{"runs", "RUNS", true},	       {"trips", "TRIPS", true},       {"name", "NAME", false},
	{NULL, NULL, false}};
static const struct cli_col applicant_cols[] = {
	{"id", "ID", false},		 {"country", "COUNTRY", false},
	{"category", "CATEGORY", false}, {"request", "REQUEST", false},
	{"amount", "AMOUNT", true},	 {"currency", "CCY", false},
	{"requested_on", "REQUESTED", false}, {"name", "NAME", false},
	{NULL, NULL, false}};
static const struct cli_col trip_cols[] = {
	{"applicant", "APPLICANT", false}, {"status", "STATUS", false},
	{"granted", "GRANTED", true},	   {"airfare", "AIRFARE", true},
	{"dsa", "DSA", true},		   {"report_received", "REPORT", false},
	{"currency", "CCY", false},	   {"obligation_entry", "OBLIGATION ENTRY", false},
	{NULL, NULL, false}};

/* Prints the answer: JSON as it is, or rows (an array in o at key, or o
 * itself as one row) as a table; or the error. Ends the run and returns the
 * exit status. */
static int finish(struct cli_run *r, int rc, json_t *out, const char *key,
		  const struct cli_col *cols)
{
	int status = CLI_OK;

	if (rc < 0) {
		status = cli_run_fail(r, rc);
	} else if (strcmp(r->format, "json") == 0) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (cols) {
		json_t *rows = json_is_array(out) ? json_incref(out)
			       : key		  ? json_incref(json_object_get(out, key))
						  : json_pack("[O]", out);

		cli_print_table(rows, cols);
		json_decref(rows);
	}
	json_decref(out);
	cli_run_close(r);
	return status;
}

/* Writes the notes of where the applicants' CSV differs from the fund. */
static void print_history(FILE *f, json_t *history)
{
	size_t i;
	json_t *h;

	json_array_foreach(history, i, h)
		fprintf(f, "note: %s: %s: the CSV says %lld, the fund's history %lld (used)\n",
			json_string_value(json_object_get(h, "id")),
			json_string_value(json_object_get(h, "field")),
			(long long)json_integer_value(json_object_get(h, "declared")),
			(long long)json_integer_value(json_object_get(h, "ledger")));
}

/* Writes a note per difference between an applicant's CSV and the fund. */
static void print_differences(json_t *applicants)
{
	size_t i, j;
	json_t *a, *d;

	json_array_foreach(applicants, i, a)
		json_array_foreach(json_object_get(a, "differences"), j, d)
			fprintf(stderr, "note: %s: %s: the CSV says %lld, the fund's history %lld\n",
				json_string_value(json_object_get(a, "id")),
				json_string_value(json_object_get(d, "field")),
				(long long)json_integer_value(json_object_get(d, "declared")),
				(long long)json_integer_value(json_object_get(d, "ledger")));
}

static int rank(struct cli_run *r)
{
	travel_ranking *k = NULL;
	json_t *o = NULL;
	int rc = travel_rank(&k, r->c, r->body, &r->who);

	if (rc < 0)
		return finish(r, rc, NULL, NULL, NULL);
	o = travel_ranking_json(k);
	if (!o) {
		rc = err_set(ERR_INTERNAL, "out of memory");
	} else if (strcmp(r->format, "json") == 0) {
		rc = json_dumpf(o, stdout, JSON_INDENT(2)) == 0 ? 0 : ERR_SYSTEM;
		putchar('\n');
	} else {
		bool table = strcmp(r->format, "table") == 0;

		rc = table ? rules_write_table(stdout, travel_ranking_result(k))
			   : rules_write_xml(stdout, travel_ranking_result(k));
		print_history(table ? stdout : stderr, json_object_get(o, "history"));
	}
	if (rc == 0 && json_is_integer(json_object_get(o, "run")))
		fprintf(stderr, "tfledger travel rank: run %lld stored (budget %s %s from %s)\n",
			(long long)json_integer_value(json_object_get(o, "run")),
			json_string_value(json_object_get(o, "budget")),
			json_string_value(json_object_get(o, "currency")),
			json_string_value(json_object_get(o, "budget_source")));
	else if (rc == 0)
		fprintf(stderr, "tfledger travel rank: what-if, nothing stored\n");
	json_decref(o);
	travel_ranking_free(k);
	if (rc < 0)
		return finish(r, rc, NULL, NULL, NULL);
	cli_run_close(r);
	return CLI_OK;
}

/* Runs the command r names and ends r. The parser has refused every
 * command not in cmds. */
static int dispatch(struct cli_run *r)
{
	const char *f = r->family, *a = r->action;
	json_t *out = NULL;
	int rc = cli_run_connect(r, "secretariat");

	if (rc < 0)
		return finish(r, rc, NULL, NULL, NULL);
	if (strcmp(f, "meetings") == 0 && strcmp(a, "add") == 0) {
		rc = travel_meeting_add(&out, r->c, r->body, &r->who);
		return finish(r, rc, out, NULL, meeting_cols);
	}
	if (strcmp(f, "meetings") == 0 && strcmp(a, "list") == 0) {
		rc = travel_meetings_list(&out, r->c);
		if (rc == 0 && strcmp(r->format, "json") == 0)
			out = json_pack("{s:o}", "meetings", out);
		return finish(r, rc, out, NULL, meeting_cols);
	}
	if (strcmp(f, "applicants") == 0 && strcmp(a, "import") == 0) {
		bool std = strcmp(r->positional, "-") == 0;
		FILE *in = std ? stdin : fopen(r->positional, "r");
		struct cli_progress *bar;

		if (!in) {
			rc = err_sys(ERR_INVALID, "%s: cannot open", r->positional);
			return finish(r, rc, NULL, NULL, NULL);
		}
		bar = cli_progress_watch_file(r->positional, r->positional);
		rc = travel_applicants_import(
			&out, r->c, json_string_value(json_object_get(r->body, "meeting")), in,
			r->positional, &r->who);
		cli_progress_end(bar);
		if (!std)
			fclose(in);
		if (rc == 0)
			print_differences(json_object_get(out, "applicants"));
		if (rc == 0)
			fprintf(stderr, "tfledger applicants import: %s: %lld applicant(s) stored\n",
				r->positional, (long long)json_integer_value(json_object_get(out, "imported")));
		return finish(r, rc, out, NULL, NULL);
	}
	if (strcmp(f, "applicants") == 0 && strcmp(a, "list") == 0) {
		rc = travel_applicants_list(
			&out, r->c, json_string_value(json_object_get(r->body, "meeting")),
			json_string_value(json_object_get(r->body, "as_of")));
		if (rc == 0 && strcmp(r->format, "table") == 0)
			print_differences(json_object_get(out, "applicants"));
		return finish(r, rc, out, "applicants", applicant_cols);
	}
	/* what is left is travel's */
	if (strcmp(a, "rank") == 0)
		return rank(r);
	if (strcmp(a, "approve") == 0) {
		rc = travel_approve(&out, r->c, r->body, &r->who);
		if (rc == 0)
			fprintf(stderr, "tfledger travel approve: %zu trip(s) approved\n",
				json_array_size(json_object_get(out, "approved")));
		return finish(r, rc, out, "approved", trip_cols);
	}
	if (strcmp(a, "decline") == 0 || strcmp(a, "cancel") == 0) {
		json_t *rows;

		rc = strcmp(a, "decline") == 0
			     ? travel_decline(&out, r->c, r->body, &r->who)
			     : travel_cancel(&out, r->c, r->body, &r->who);
		if (rc == 0 && strcmp(r->format, "table") == 0) {
			/* the trip, then the places offered */
			rows = json_pack("[O]", json_object_get(out, "trip"));
			json_array_extend(rows, json_object_get(out, "offered"));
			json_decref(out);
			out = json_pack("{s:o}", "rows", rows);
		}
		return finish(r, rc, out, "rows", trip_cols);
	}
	if (strcmp(a, "settle") == 0 || strcmp(a, "report") == 0) {
		bool settle = strcmp(a, "settle") == 0;

		rc = settle ? travel_settle(&out, r->c, r->body, &r->who)
			    : travel_report(&out, r->c, r->body, &r->who);
		if (rc == 0 && settle)
			fprintf(stderr, "tfledger travel settle: %s released\n",
				json_string_value(json_object_get(out, "released")));
		if (rc == 0 && strcmp(r->format, "table") == 0) {
			/* the table is of the trip alone */
			json_t *trip = json_incref(json_object_get(out, "trip"));

			json_decref(out);
			out = trip;
		}
		return finish(r, rc, out, NULL, trip_cols);
	}
	if (strcmp(a, "list") == 0) {
		rc = travel_trips_list(
			&out, r->c, json_string_value(json_object_get(r->body, "meeting")));
		return finish(r, rc, out, "trips", trip_cols);
	}
	ASSERT(!"a command of cmds without its action");
	return CLI_FAIL;
}

static int run_family(int argc, char **argv)
{
	return cli_run_family(argc, argv, &family, "tfledger ", dispatch);
}

int cli_meetings(int argc, char **argv) { return run_family(argc, argv); }
int cli_applicants(int argc, char **argv) { return run_family(argc, argv); }
int cli_travel(int argc, char **argv) { return run_family(argc, argv); }
