/*
 * reval.c - month-end revaluation for people (fund/reval.h,
 * docs/controls.md "Month-end revaluation"): tfledger revalue --month M,
 * revaluations list, revaluations check --month M. Each is one request to
 * tfledgerd through the one door (cli/session.h: --url, --token, no
 * database): POST /v1/revaluations {"month"}, GET /v1/revaluations and
 * GET /v1/revaluations/{month}.
 * Rate corrections are `tfledger rates correct` (cli/fund.c).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/session.h"
#include "cli/table.h"
#include "common/err.h"
#include "cli/http.h"

static const struct cli_col reval_cols[] = {
	{"month", "MONTH", false},   {"amount", "USD", true},	   {"status", "STATUS", false},
	{"na", "NA(m)", true},	     {"na_before", "NA(m-1)", true}, {"surplus", "S(m)", true},
	{"entry_id", "ENTRY", false}, {NULL, NULL, false}};
static const struct cli_col list_cols[] = {
	{"id", "ID", true},	   {"month", "MONTH", false},	  {"amount", "USD", true},
	{"current", "CURRENT", false}, {"entry_id", "ENTRY", false},
	{"reversal_entry_id", "REVERSAL", false}, {"posted_by", "BY", false},
	{"posted_at", "AT", false}, {NULL, NULL, false}};
static const struct cli_col check_cols[] = {
	{"month", "MONTH", false},     {"computed", "COMPUTED", true}, {"posted", "POSTED", true},
	{"current", "CURRENT", false}, {"needed", "NEEDED", false},   {NULL, NULL, false}};

static const struct cli_args_opt common_opts[] = {
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json"),
	CLI_ARGS_SERVER(struct cli_run, http), CLI_ARGS_END};
static const struct cli_args_opt month_opts[] = {
	CLI_ARGS_BODY_STR("month", "YYYY-MM", "the month", CLI_ARGS_REQUIRED), CLI_ARGS_END};

static const struct cli_args_cmd cmds[] = {
	{"revalue", month_opts, common_opts, NULL, NULL, 0, 0,
	 "Revalues the month at UN operational rates and posts R(m) once: posted,\n"
	 "unchanged (nothing written) or reposted (the old entry reversed)."},
	{"revaluations list", NULL, common_opts, NULL, NULL, 0, 0,
	 "Every revaluation, current and superseded."},
	{"revaluations check", month_opts, common_opts, NULL, NULL, 0, 0,
	 "Whether the month's posted revaluation is current (writes nothing)."},
};

static const char notes[] =
	"Every command takes [--format table|json] [--url URL] [--token TOKEN]\n"
	"(default $TFLEDGER_URL, $TFLEDGER_TOKEN) and needs no database.\n"
	"R(m) = NA(m) - NA(m-1) - S(m): docs/controls.md, \"Month-end revaluation\".\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

/* The table printer shows strings and numbers: true/false become yes/no. */
static void yes_no(json_t *rows)
{
	static const char *const keys[] = {"current", "needed"};
	size_t i;
	json_t *o;

	json_array_foreach(rows, i, o)
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (json_is_boolean(json_object_get(o, keys[k])))
				json_object_set_new(o, keys[k],
						    json_string(json_is_true(json_object_get(
								o, keys[k])) ? "yes" : "no"));
}

static int dispatch(struct cli_run *r)
{
	const struct cli_col *cols = reval_cols;
	json_t *out = NULL;
	char path[64];
	int status;

	if (strcmp(r->family, "revalue") == 0) {
		status = cli_run_request(r, "POST", "/v1/revaluations", &out);
	} else if (strcmp(r->action, "check") == 0) {
		const char *month = json_string_value(json_object_get(r->body, "month"));

		cols = check_cols;
		status = cli_http_segment_ok("revaluations check", month);
		snprintf(path, sizeof(path), "/v1/revaluations/%s", month);
		json_object_clear(r->body); /* the month is the path's */
		if (status == CLI_OK)
			status = cli_run_request(r, "GET", path, &out);
	} else { /* revaluations list */
		cols = list_cols;
		status = cli_run_request(r, "GET", "/v1/revaluations", &out);
	}
	if (status != CLI_OK) {
		/* the refusal is printed */
	} else if (strcmp(r->format, "json") == 0) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		json_t *list = json_object_get(out, "revaluations");
		json_t *rows = list ? json_incref(list) : json_pack("[O]", out);

		yes_no(rows);
		cli_print_table(rows, cols);
		json_decref(rows);
	}
	json_decref(out);
	cli_run_close(r);
	return status;
}

static int run_family(int argc, char **argv)
{
	return cli_run_family(argc, argv, &family, "tfledger: ", dispatch);
}

int cli_revalue(int argc, char **argv) { return run_family(argc, argv); }
int cli_revaluations(int argc, char **argv) { return run_family(argc, argv); }
