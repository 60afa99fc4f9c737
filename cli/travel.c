/*
 * travel.c - travel support for people: tfledger meetings add|list,
 * applicants import FILE.csv|list|show|update --meeting ID, and travel
 * rank|approve|decline|cancel|report|settle|list|runs|run (docs/travel.md).
 * Every command goes through the one door: a request to tfledgerd with the
 * person's token (--url, --token, else $TFLEDGER_URL, $TFLEDGER_TOKEN),
 * never a database connection, so the roles, four eyes and the audit trail
 * are the server's.
 *
 * One way to do each thing: each command declares its options in `cmds`
 * (cli/args.h); the flags become the JSON object the route receives
 * (--what-if is "what_if": true, dashes become underscores), the meeting,
 * applicant and run go into the path, and cli_run_request sends it (for a
 * GET, the remaining options are the query string). Answers print as JSON
 * or as the tables below.
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
#include "common/limits.h"

/* The options every command here shares; the others go into the body. */
static const struct cli_args_opt common_opts[] = {
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json"),
	CLI_ARGS_SERVER(struct cli_run, http), CLI_ARGS_END};
static const struct cli_args_opt rank_common_opts[] = {
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json|xml"),
	CLI_ARGS_SERVER(struct cli_run, http), CLI_ARGS_END};

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
static const struct cli_args_opt applicant_opts[] = {MEETING_OPT, APPLICANT_OPT, CLI_ARGS_END};
static const struct cli_args_opt applicant_update_opts[] = {
	MEETING_OPT,
	APPLICANT_OPT,
	CLI_ARGS_BODY_STR("reason", "TEXT", "why (kept with the old and new values)", REQ),
	CLI_ARGS_BODY_STR("name", "NAME", "the applicant's name", 0),
	CLI_ARGS_BODY_STR("country", "ISO3", "the country the applicant comes from", 0),
	CLI_ARGS_BODY_STR("category", "C", "mag or individual", 0),
	CLI_ARGS_BODY_STR("role", "TEXT", "the role at the meeting ('' for none)", 0),
	CLI_ARGS_BODY_STR("forms-complete", "yes|no", "all funding forms completed", 0),
	CLI_ARGS_BODY_STR("health-check", "yes|no", "the health check attested", 0),
	CLI_ARGS_BODY_STR("health-attested-on", "D", "the day of the attestation ('' clears)", 0),
	CLI_ARGS_BODY_STR("prior-funded", "N", "earlier meetings funded (declared)", 0),
	CLI_ARGS_BODY_STR("prior-reports-outstanding", "N", "trip reports missing (declared)", 0),
	CLI_ARGS_BODY_STR("request", "R", "full, airfare or dsa", 0),
	CLI_ARGS_BODY_STR("amount", "A", "the amount requested", 0),
	CLI_ARGS_BODY_STR("currency", "CCY", "the meeting's currency", 0),
	CLI_ARGS_BODY_STR("requested-on", "D", "when the written request came", 0),
	CLI_ARGS_END};
static const struct cli_args_opt rank_opts[] = {
	MEETING_OPT,
	CLI_ARGS_BODY_STR("as-of", "D", "budget and history as of that day (default today)", 0),
	CLI_ARGS_BODY_STR("budget", "A", "instead of the meeting's allocated budget", 0),
	CLI_ARGS_BODY_STR("currency", "C", "the budget's currency, the meeting's", 0),
	CLI_ARGS_BODY_STR("policy", "FILE.xml", "a what-if under this policy (default: the"
						" bundled IGF travel policy)", 0),
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
static const struct cli_args_opt run_opts[] = {
	MEETING_OPT, CLI_ARGS_BODY_STR("run", "N", "the run's number (travel runs)", REQ),
	CLI_ARGS_END};
#undef REQ

static const struct cli_args_cmd cmds[] = {
	{"meetings add", meeting_add_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"meetings list", NULL, common_opts, NULL, NULL, 0, 0, NULL},
	{"applicants import", meeting_only_opts, common_opts, "FILE.csv",
	 "the applicants' CSV ('-': stdin)", 1, 1,
	 "Stores the file's applicants whole or not at all; an id the meeting has\n"
	 "already is refused (correct it with applicants update)."},
	{"applicants list", applicants_list_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"applicants show", applicant_opts, common_opts, NULL, NULL, 0, 0,
	 "The applicant with its corrections."},
	{"applicants update", applicant_update_opts, common_opts, NULL, NULL, 0, 0,
	 "Corrects fields before approval; old and new values are kept with the\n"
	 "reason and your name. The next ranking uses the new values."},
	{"travel rank", rank_opts, rank_common_opts, NULL, NULL, 0, 0,
	 "The budget defaults to what the meeting has allocated as of --as-of\n"
	 "(default today); prior funding and reports outstanding come from the\n"
	 "fund's history of earlier trips. --what-if stores nothing; --policy and\n"
	 "--format xml are for a what-if."},
	{"travel approve", approve_opts, common_opts, NULL, NULL, 0, 0,
	 "Four eyes (on by default): a person with the approver role who did not\n"
	 "rank the run approves it."},
	{"travel decline", release_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"travel cancel", release_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"travel report", report_opts, common_opts, NULL, NULL, 0, 0,
	 "The trip report arrived (default today)."},
	{"travel settle", settle_opts, common_opts, NULL, NULL, 0, 0,
	 "The costs paid, with the report if --report-received is given."},
	{"travel list", meeting_only_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"travel runs", meeting_only_opts, common_opts, NULL, NULL, 0, 0,
	 "The meeting's stored rankings: who ranked, who approved, their status."},
	{"travel run", run_opts, common_opts, NULL, NULL, 0, 0,
	 "One stored ranking with every decision as stored."},
};

static const char notes[] =
	"Every command takes [--format table|json] [--url URL] [--token TOKEN]\n"
	"(travel rank also --format xml); tfledger COMMAND ACTION --help for its\n"
	"options. See docs/travel.md.\n";
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
static const struct cli_col change_cols[] = {
	{"changed_at", "WHEN", false}, {"changed_by", "BY", false}, {"field", "FIELD", false},
	{"old", "OLD", false},	       {"new", "NEW", false},	    {"reason", "REASON", false},
	{NULL, NULL, false}};
static const struct cli_col trip_cols[] = {
	{"id", "TRIP", true},		   {"applicant", "APPLICANT", false},
	{"status", "STATUS", false},	   {"granted", "GRANTED", true},
	{"airfare", "AIRFARE", true},	   {"dsa", "DSA", true},
	{"report_received", "REPORT", false}, {"currency", "CCY", false},
	{"obligation_entry", "OBLIGATION ENTRY", false},
	{NULL, NULL, false}};
static const struct cli_col run_cols[] = {
	{"id", "RUN", true},		  {"ranked_on", "RANKED", false},
	{"status", "STATUS", false},	  {"budget", "BUDGET", true},
	{"allocated", "ALLOCATED", true}, {"currency", "CCY", false},
	{"ranked_by", "RANKED BY", false}, {"approved_by", "APPROVED BY", false},
	{"policy_version", "POLICY", false}, {NULL, NULL, false}};
static const struct cli_col decision_cols[] = {
	{"rank", "RANK", true},		 {"id", "ID", false},
	{"name", "NAME", false},	 {"country", "CTY", false},
	{"decision", "DECISION", false}, {"granted", "GRANTED", true},
	{"explanation", "WHY", false},	 {NULL, NULL, false}};
static const struct cli_col stored_decision_cols[] = {
	{"position", "POS", true},	 {"rank", "RANK", true},
	{"applicant", "APPLICANT", false}, {"decision", "DECISION", false},
	{"granted", "GRANTED", true},	 {"explanation", "WHY", false},
	{NULL, NULL, false}};

/* Prints the answer: JSON as it is, or rows (an array in o at key, or o
 * itself as one row) as a table. Ends the run and returns status. */
static int finish(struct cli_run *r, int status, json_t *out, const char *key,
		  const struct cli_col *cols)
{
	if (status == CLI_OK && strcmp(r->format, "json") == 0) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (status == CLI_OK && cols) {
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

/* Takes a path segment out of the body (a GET sends the rest as its query)
 * and checks it; *out is a copy the caller frees. 0 or the usage status. */
static int take_segment(char **out, struct cli_run *r, const char *key)
{
	const char *v = json_string_value(json_object_get(r->body, key));
	char what[160];

	*out = NULL;
	snprintf(what, sizeof(what), "%s %s: --%s", r->family, r->action, key);
	if (!v)
		return cli_usage_error(what, "required");
	if (cli_http_segment_ok(what, v) != 0)
		return CLI_USAGE;
	*out = strdup(v);
	json_object_del(r->body, key);
	return *out ? 0 : cli_fail(err_set(ERR_SYSTEM, "out of memory"), r->family);
}

/* Reads path ('-': stdin) whole, up to the HTTP body limit. */
static int slurp(char **out, size_t *len, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 0, n = 0;
	char *buf = NULL;
	int rc = f ? 0 : err_sys(ERR_INVALID, "%s: cannot open", path);

	*out = NULL;
	while (rc == 0) {
		char *p;

		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > (size_t)LIMIT_HTTP_BODY_BYTES + 1) {
				rc = err_set(ERR_INVALID, "%s: larger than %d bytes"
							  " (LIMIT_HTTP_BODY_BYTES)", path,
					     LIMIT_HTTP_BODY_BYTES);
				break;
			}
			if (!(p = realloc(buf, cap))) {
				rc = err_set(ERR_SYSTEM, "out of memory");
				break;
			}
			buf = p;
		}
		n += fread(buf + n, 1, cap - n - 1, f);
		if (ferror(f))
			rc = err_sys(ERR_INVALID, "%s: cannot read", path);
		else if (feof(f))
			break;
	}
	if (f && f != stdin)
		fclose(f);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
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

/* The string at key of o, or "-" (for the table's header lines). */
static const char *text_of(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : "-";
}

/* The lines above a ranking's table: policy, meeting, budget. */
static void print_ranking_head(json_t *o)
{
	json_t *p = json_object_get(o, "policy");

	printf("Policy:    %s %s (sha256 %s)\n", text_of(p, "id"), text_of(p, "version"),
	       text_of(p, "sha256"));
	printf("Meeting:   %s (%s), ranked as of %s\n", text_of(o, "meeting"),
	       text_of(o, "meeting_date"), text_of(o, "as_of"));
	printf("Budget:    %s %s (%s); allocated %s, remaining %s\n\n", text_of(o, "budget"),
	       text_of(o, "currency"), text_of(o, "budget_source"), text_of(o, "allocated"),
	       text_of(o, "remaining"));
}

static int rank(struct cli_run *r, const char *meeting)
{
	char path[256], *policy = NULL, *text = NULL;
	const char *file = json_string_value(json_object_get(r->body, "policy"));
	bool what_if = json_is_true(json_object_get(r->body, "what_if"));
	size_t len = 0;
	json_t *o = NULL;
	int status;

	if (strcmp(r->format, "xml") == 0 && !what_if) {
		cli_usage_error("travel rank: --format xml",
				"for a what-if (--what-if); a stored run's XML is the"
				" travel-allocation report (tfledger report travel-allocation)");
		return finish(r, CLI_USAGE, NULL, NULL, NULL);
	}
	if (file && !what_if) {
		cli_usage_error("travel rank: --policy",
				"for a what-if (--what-if); a stored ranking uses the server's"
				" policy");
		return finish(r, CLI_USAGE, NULL, NULL, NULL);
	}
	if (file) {
		/* the server takes no path of its own: the policy itself goes */
		int rc = slurp(&policy, &len, file);

		if (rc < 0)
			return finish(r, cli_fail(rc, "travel rank"), NULL, NULL, NULL);
		json_object_del(r->body, "policy");
		json_object_set_new(r->body, "policy_xml", json_string(policy));
		free(policy);
	}
	snprintf(path, sizeof(path), "/v1/meetings/%s/rank%s", meeting,
		 strcmp(r->format, "xml") == 0 ? "?format=xml" : "");
	if (strcmp(r->format, "xml") == 0) {
		char *body = json_dumps(r->body, JSON_COMPACT);

		status = body ? cli_http_raw(&text, &len, &r->http, "travel rank", "POST", path,
					     "application/json", body, strlen(body), NULL, 0)
			      : cli_fail(err_set(ERR_SYSTEM, "out of memory"), "travel rank");
		free(body);
		if (status == CLI_OK) {
			fwrite(text, 1, len, stdout);
			fprintf(stderr, "tfledger travel rank: what-if, nothing stored\n");
		}
		free(text);
		return finish(r, status, NULL, NULL, NULL);
	}
	status = cli_run_request(r, "POST", path, &o);
	if (status != CLI_OK)
		return finish(r, status, NULL, NULL, NULL);
	if (strcmp(r->format, "table") == 0) {
		print_ranking_head(o);
		cli_print_table(json_object_get(o, "decisions"), decision_cols);
		print_history(stdout, json_object_get(o, "history"));
	}
	if (json_is_integer(json_object_get(o, "run")))
		fprintf(stderr, "tfledger travel rank: run %lld stored (budget %s %s from %s)\n",
			(long long)json_integer_value(json_object_get(o, "run")), text_of(o, "budget"),
			text_of(o, "currency"), text_of(o, "budget_source"));
	else
		fprintf(stderr, "tfledger travel rank: what-if, nothing stored\n");
	return finish(r, status, o, NULL, NULL);
}

/* Runs the command r names and ends r. The parser has refused every
 * command not in cmds. */
static int dispatch(struct cli_run *r)
{
	const char *f = r->family, *a = r->action;
	char path[512], *meeting = NULL, *who = NULL;
	json_t *out = NULL;
	int status;

	if (strcmp(f, "meetings") == 0) {
		if (strcmp(a, "add") == 0) {
			status = cli_run_request(r, "POST", "/v1/meetings", &out);
			return finish(r, status, out, NULL, meeting_cols);
		}
		status = cli_run_request(r, "GET", "/v1/meetings", &out);
		return finish(r, status, out, "meetings", meeting_cols);
	}
	if ((status = take_segment(&meeting, r, "meeting")) != 0)
		return finish(r, status, NULL, NULL, NULL);
	/* the second segment, if the command has one: an applicant or a run
	 * (the route puts it back into the body it hands the module) */
	if (json_object_get(r->body, "applicant") &&
	    (status = take_segment(&who, r, "applicant")) != 0)
		goto done;
	if (strcmp(a, "run") == 0 && (status = take_segment(&who, r, "run")) != 0)
		goto done;

	if (strcmp(f, "applicants") == 0 && strcmp(a, "import") == 0) {
		char *csv = NULL, *text = NULL;
		size_t len = 0, alen = 0;
		json_error_t jerr;
		int rc = slurp(&csv, &len, r->positional);

		/* the file's name, for the server's messages and the rows */
		const char *base = strrchr(r->positional, '/');
		json_t *q = json_pack("{s:s}", "source", strcmp(r->positional, "-") == 0 ? "stdin"
							 : base		    ? base + 1
									    : r->positional);

		snprintf(path, sizeof(path), "/v1/meetings/%s/applicants", meeting);
		if (rc == 0 && (!q || cli_http_query(path, sizeof(path), q) < 0))
			rc = err_set(ERR_INVALID, "%s: the file's name is too long", r->positional);
		json_decref(q);
		status = rc < 0 ? cli_fail(rc, "applicants import")
				: cli_http_raw(&text, &alen, &r->http, "applicants import", "POST",
					       path, "text/csv", csv, len, NULL, 0);
		free(csv);
		if (status == CLI_OK && !(out = cli_http_load(text, alen, &jerr)))
			status = cli_fail(err_set(ERR_INTERNAL, "the answer is not JSON"),
					  "applicants import");
		free(text);
		if (status == CLI_OK) {
			print_differences(json_object_get(out, "applicants"));
			fprintf(stderr, "tfledger applicants import: %s: %lld applicant(s) stored\n",
				r->positional,
				(long long)json_integer_value(json_object_get(out, "imported")));
		}
		free(meeting);
		return finish(r, status, out, NULL, NULL);
	}
	if (strcmp(f, "applicants") == 0) {
		if (strcmp(a, "list") == 0) {
			snprintf(path, sizeof(path), "/v1/meetings/%s/applicants", meeting);
			status = cli_run_request(r, "GET", path, &out);
			if (status == CLI_OK && strcmp(r->format, "table") == 0)
				print_differences(json_object_get(out, "applicants"));
			free(meeting);
			return finish(r, status, out, "applicants", applicant_cols);
		}
		snprintf(path, sizeof(path), "/v1/meetings/%s/applicants/%s", meeting, who);
		status = cli_run_request(r, strcmp(a, "update") == 0 ? "PATCH" : "GET", path, &out);
		if (status == CLI_OK && strcmp(r->format, "table") == 0) {
			json_t *one = json_pack("[O]", out);

			cli_print_table(one, applicant_cols);
			json_decref(one);
			if (json_array_size(json_object_get(out, "changes")) > 0) {
				printf("\n");
				cli_print_table(json_object_get(out, "changes"), change_cols);
			}
		}
		if (status == CLI_OK && strcmp(a, "update") == 0)
			fprintf(stderr, "tfledger applicants update: %lld field(s) changed\n",
				(long long)json_integer_value(json_object_get(out, "changed")));
		goto done_out;
	}
	/* what is left is travel's */
	if (strcmp(a, "rank") == 0) {
		status = rank(r, meeting);
		free(meeting);
		return status;
	}
	if (strcmp(a, "runs") == 0 || strcmp(a, "run") == 0) {
		bool one = strcmp(a, "run") == 0;

		snprintf(path, sizeof(path), "/v1/meetings/%s/runs%s%s", meeting, one ? "/" : "",
			 one ? who : "");
		status = cli_run_request(r, "GET", path, &out);
		if (status == CLI_OK && one && strcmp(r->format, "table") == 0) {
			json_t *row = json_pack("[O]", out);

			cli_print_table(row, run_cols);
			json_decref(row);
			printf("\n");
			cli_print_table(json_object_get(out, "decisions"), stored_decision_cols);
		} else if (status == CLI_OK && strcmp(r->format, "table") == 0) {
			cli_print_table(json_object_get(out, "runs"), run_cols);
		}
		goto done_out;
	}
	if (strcmp(a, "list") == 0) {
		snprintf(path, sizeof(path), "/v1/meetings/%s/trips", meeting);
		status = cli_run_request_all(r, path, "trips", &out);
		free(meeting);
		return finish(r, status, out, "trips", trip_cols);
	}
	if (strcmp(a, "approve") == 0) {
		snprintf(path, sizeof(path), "/v1/meetings/%s/approve", meeting);
		status = cli_run_request(r, "POST", path, &out);
		if (status == CLI_OK)
			fprintf(stderr, "tfledger travel approve: run %lld: %zu trip(s) approved;"
					" ranked by %s, approved by %s\n",
				(long long)json_integer_value(json_object_get(out, "run")),
				json_array_size(json_object_get(out, "approved")),
				text_of(out, "ranked_by"), text_of(out, "approved_by"));
		free(meeting);
		return finish(r, status, out, "approved", trip_cols);
	}
	/* decline, cancel, report, settle: one trip */
	snprintf(path, sizeof(path), "/v1/meetings/%s/trips/%s/%s", meeting, who, a);
	status = cli_run_request(r, "POST", path, &out);
	if (status == CLI_OK && strcmp(a, "settle") == 0)
		fprintf(stderr, "tfledger travel settle: %s released\n", text_of(out, "released"));
	if (status == CLI_OK && strcmp(r->format, "table") == 0) {
		/* the trip, then the places offered (decline, cancel) */
		json_t *rows = json_pack("[O]", json_object_get(out, "trip"));

		json_array_extend(rows, json_object_get(out, "offered"));
		json_decref(out);
		out = rows;
	}
	free(meeting);
	free(who);
	return finish(r, status, out, NULL, trip_cols);
done_out:
	free(meeting);
	free(who);
	return finish(r, status, out, NULL, NULL);
done:
	free(meeting);
	free(who);
	return finish(r, status, NULL, NULL, NULL);
}

static int run_family(int argc, char **argv)
{
	return cli_run_family(argc, argv, &family, "tfledger ", dispatch);
}

int cli_meetings(int argc, char **argv) { return run_family(argc, argv); }
int cli_applicants(int argc, char **argv) { return run_family(argc, argv); }
int cli_travel(int argc, char **argv) { return run_family(argc, argv); }
