/*
 * budget.c - tfledger budgets set|list|status: the annual budgets per
 * budget line for people (fund/budget.h, docs/controls.md "Budgets"). Each
 * is one request to tfledgerd through the one door (cli/session.h: --url,
 * --token, no database): a write's flags become the JSON body POST
 * /v1/budgets takes, a read's its query (GET /v1/budgets, /v1/budgets/status).
 *
 * The status table prints each amount with its currency's ISO 4217 digits
 * (as the fund's JSON gives them) and thousands separators; --format json
 * prints the object GET /v1/budgets/status answers.
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
static const struct cli_args_opt set_opts[] = {
	CLI_ARGS_BODY_INT("year", "Y", "the budget year", REQ),
	CLI_ARGS_BODY_STR("line", "LINE", "travel, staff, meetings, contractual or psc", REQ),
	CLI_ARGS_BODY_STR("amount", "A", "the budget in USD", REQ),
	CLI_ARGS_BODY_STR("reason", "TEXT", "why (required for a revision)", 0),
	CLI_ARGS_END};
static const struct cli_args_opt list_opts[] = {
	CLI_ARGS_BODY_INT("year", "Y", "one year (default all)", 0), CLI_ARGS_END};
static const struct cli_args_opt status_opts[] = {
	CLI_ARGS_BODY_INT("year", "Y", "the budget year", REQ),
	CLI_ARGS_BODY_STR("as-of", "D", "a day of the year (default December 31)", 0),
	CLI_ARGS_END};
#undef REQ

static const struct cli_args_cmd cmds[] = {
	{"budgets set", set_opts, common_opts, NULL, NULL, 0, 0,
	 "Sets a line's budget for a year: the first is the original, each later one a"
	 " revision."},
	{"budgets list", list_opts, common_opts, NULL, NULL, 0, 0,
	 "The budgets per year and line, original and final."},
	{"budgets status", status_opts, common_opts, NULL, NULL, 0, 0,
	 "Budget, obligations, expenditure and balance per line and meeting as of a day."},
};

static const char notes[] =
	"Every command takes [--format table|json] [--url URL] [--token TOKEN]\n"
	"(default $TFLEDGER_URL, $TFLEDGER_TOKEN) and needs no database.\n"
	"Budgets are in USD; see docs/controls.md, \"Budgets\".\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

static const struct cli_col set_cols[] = {
	{"year", "YEAR", true},	     {"line", "LINE", false},    {"revision", "REVISION", true},
	{"amount", "AMOUNT", true},  {"original", "ORIGINAL", true}, {"reason", "REASON", false},
	{NULL, NULL, false}};
static const struct cli_col list_cols[] = {
	{"year", "YEAR", true},	       {"line", "LINE", false},	{"original", "ORIGINAL", true},
	{"final", "FINAL", true},      {"name", "NAME", false}, {NULL, NULL, false}};

/* The decimal string s ("-12345.67") with thousands separators into out. */
static void grouped(char *out, size_t size, const char *s)
{
	size_t digits = strcspn(s + (*s == '-'), "."), n = 0;
	const char *p = s;

	if (*p == '-' && n + 1 < size)
		out[n++] = *p++;
	for (size_t i = 0; *p && *p != '.' && n + 1 < size; i++, p++) {
		if (i > 0 && (digits - i) % 3 == 0 && n + 2 < size)
			out[n++] = ',';
		out[n++] = *p;
	}
	while (*p && n + 1 < size)
		out[n++] = *p++;
	out[n] = '\0';
}

/* One row of figures: a name, then each key of o grouped, right-aligned. */
static void print_row(const char *name, const char *ccy, json_t *o, const char *const *keys)
{
	char g[64];

	printf("%-14s %-3s", name, ccy);
	for (size_t i = 0; keys[i]; i++) {
		grouped(g, sizeof(g), json_string_value(json_object_get(o, keys[i])));
		printf(" %16s", g);
	}
	putchar('\n');
}

static void print_status(json_t *s)
{
	static const char *const line_keys[] = {"final", "obligations", "expenditure", "balance",
						NULL};
	static const char *const meeting_keys[] = {"allocated", "obligations", "expenditure",
						   "balance", "overruns", NULL};
	json_t *o;
	size_t i;

	printf("budget %lld as of %s\n", (long long)json_integer_value(json_object_get(s, "year")),
	       json_string_value(json_object_get(s, "as_of")));
	printf("%-14s %-3s %16s %16s %16s %16s\n", "LINE", "CCY", "BUDGET", "OBLIGATIONS",
	       "EXPENDITURE", "BALANCE");
	json_array_foreach(json_object_get(s, "lines"), i, o)
		print_row(json_string_value(json_object_get(o, "line")), "USD", o, line_keys);
	print_row("total", "USD", json_object_get(s, "totals"), line_keys);
	if (json_array_size(json_object_get(s, "meetings")) == 0)
		return;
	printf("\n%-14s %-3s %16s %16s %16s %16s %16s\n", "MEETING", "CCY", "ALLOCATED",
	       "OBLIGATIONS", "EXPENDITURE", "BALANCE", "OVERRUNS");
	json_array_foreach(json_object_get(s, "meetings"), i, o)
		print_row(json_string_value(json_object_get(o, "meeting")),
			  json_string_value(json_object_get(o, "currency")), o, meeting_keys);
	json_array_foreach(json_object_get(s, "meeting_totals"), i, o)
		print_row("total", json_string_value(json_object_get(o, "currency")), o,
			  meeting_keys);
}

static int dispatch(struct cli_run *r)
{
	const char *a = r->action;
	json_t *out = NULL;
	int status;

	if (strcmp(a, "set") == 0)
		status = cli_run_request(r, "POST", "/v1/budgets", &out);
	else if (strcmp(a, "list") == 0)
		status = cli_run_request(r, "GET", "/v1/budgets", &out);
	else /* status, the family's other command */
		status = cli_run_request(r, "GET", "/v1/budgets/status", &out);
	if (status != CLI_OK) {
		/* the refusal is printed */
	} else if (strcmp(r->format, "json") == 0) {
		json_dumpf(out, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (strcmp(a, "set") == 0) {
		json_t *one = json_pack("[O]", out);

		cli_print_table(one, set_cols);
		json_decref(one);
	} else if (strcmp(a, "list") == 0) {
		cli_print_table(json_object_get(out, "budgets"), list_cols);
	} else {
		print_status(out);
	}
	json_decref(out);
	cli_run_close(r);
	return status;
}

int cli_budgets(int argc, char **argv)
{
	return cli_run_family(argc, argv, &family, "tfledger: ", dispatch);
}
