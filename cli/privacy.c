/*
 * privacy.c - tfledger privacy erase|list: erasing travel applicants'
 * personal fields after the retention period, and what was erased
 * (travel/privacy.h, docs/privacy.md "Erasure"). Through the one door:
 * each command is one request to tfledgerd with the person's token
 * (POST and GET /v1/privacy/erasures), which checks the role (erasing is
 * the admin's) and writes the audit row; no database is needed here.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/http.h"
#include "cli/session.h"
#include "cli/table.h"

static const struct cli_args_opt common_opts[] = {
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json"),
	CLI_ARGS_SERVER(struct cli_run, http), CLI_ARGS_END};

static const struct cli_args_opt erase_opts[] = {
	CLI_ARGS_BODY_STR("before", "YYYY-MM-DD",
			  "erase the applicants of meetings that ended before this day",
			  CLI_ARGS_REQUIRED),
	CLI_ARGS_BODY_FLAG("dry-run", "count what would be erased; change nothing"),
	CLI_ARGS_END};
static const struct cli_args_opt list_opts[] = {CLI_ARGS_END};

static const struct cli_args_cmd cmds[] = {
	{"privacy erase", erase_opts, common_opts, NULL, NULL, 0, 0,
	 "Erases the personal fields (name, role, source) of the applicants of every"
	 " meeting that ended before --before, which must be outside the retention"
	 " period (setting privacy.retention_days, 730 days by default). Amounts,"
	 " decisions, pseudonymous ids and the journal stay. Admin only."},
	{"privacy list", list_opts, common_opts, NULL, NULL, 0, 0,
	 "Every erasure: when, by whom, and what it erased per meeting (admin, auditor)."},
};

static const char notes[] =
	"Every command takes [--format table|json] [--url URL] [--token TOKEN].\n"
	"See docs/privacy.md: what personal data is kept, where, why and for how long.\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

static const struct cli_col meeting_cols[] = {
	{"meeting", "MEETING", false}, {"ends_on", "ENDED", false},
	{"applicants", "APPLICANTS", true}, {"changes", "CHANGES", true},
	{"runs", "RUNS", true},	     {"answers", "ANSWERS", true},
	{NULL, NULL, false}};

static void print_erasure(json_t *e)
{
	json_t *id = json_object_get(e, "erasure");

	if (json_is_true(json_object_get(e, "dry_run")))
		printf("dry run: nothing erased; meetings that ended before %s:\n",
		       json_string_value(json_object_get(e, "before")));
	else
		printf("erasure %lld by %s: meetings that ended before %s:\n",
		       (long long)json_integer_value(id),
		       json_string_value(json_object_get(e, "erased_by")),
		       json_string_value(json_object_get(e, "before")));
	if (json_array_size(json_object_get(e, "meetings")) == 0)
		printf("  none with applicants left to erase\n");
	else
		cli_print_table(json_object_get(e, "meetings"), meeting_cols);
}

static void print_list(json_t *l)
{
	json_t *e;
	size_t i;

	if (json_array_size(json_object_get(l, "erasures")) == 0)
		printf("no erasures\n");
	json_array_foreach(json_object_get(l, "erasures"), i, e) {
		printf("%serasure %lld at %s by %s: meetings that ended before %s (retention %lld"
		       " days)\n",
		       i ? "\n" : "", (long long)json_integer_value(json_object_get(e, "id")),
		       json_string_value(json_object_get(e, "erased_at")),
		       json_string_value(json_object_get(e, "erased_by")),
		       json_string_value(json_object_get(e, "before")),
		       (long long)json_integer_value(json_object_get(e, "retention_days")));
		if (json_array_size(json_object_get(e, "meetings")))
			cli_print_table(json_object_get(e, "meetings"), meeting_cols);
	}
}

static int dispatch(struct cli_run *r)
{
	bool erase = strcmp(r->action, "erase") == 0;
	json_t *out = NULL;
	int status = cli_run_request(r, erase ? "POST" : "GET", "/v1/privacy/erasures", &out);

	if (status == CLI_OK && strcmp(r->format, "json") == 0) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (status == CLI_OK && erase) {
		print_erasure(out);
	} else if (status == CLI_OK) {
		print_list(out);
	}
	json_decref(out);
	cli_run_close(r);
	return status;
}

int cli_privacy(int argc, char **argv)
{
	return cli_run_family(argc, argv, &family, "tfledger: ", dispatch);
}
