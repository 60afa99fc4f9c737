/*
 * fund.c - the fund's books for people: tfledger fund init|chart, donors
 * add|list, pledges add|sign|list, receipts add|list, in-kind add|list,
 * rates import|list|correct|corrections, funds available|travel-available
 * and bank-accounts link|list (reconcile and its work queue:
 * cli/reconcile.c). Every command but `fund chart` (the program's own
 * chart, no request) is one request to tfledgerd through the one door
 * (cli/session.h): --url and --token, no database; the server checks the
 * token's role and writes the audit row naming its person.
 *
 * One way to do each thing: each command declares its options in `cmds`
 * (cli/args.h); a write's flags become the JSON body its route receives
 * (--allow-overpayment becomes "allow_overpayment": true, --bank-line 7 an
 * integer), which fund/fund.c validates behind the route; a list's options
 * become its query. Tables are aligned; --format json prints the API's
 * answer as it came.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/http.h"
#include "cli/progress.h"
#include "cli/session.h"
#include "cli/table.h"
#include "common/err.h"
#include "common/limits.h"
#include "fund/fund.h"

static const struct cli_col donor_cols[] = {
	{"id", "ID", false}, {"name", "NAME", false}, {"org_type", "TYPE", false},
	{"country", "COUNTRY", false}, {"given_usd", "GIVEN USD", true}, {NULL, NULL, false}};
static const struct cli_col pledge_cols[] = {
	{"id", "ID", true},	  {"donor", "DONOR", false},	   {"status", "STATUS", false},
	{"date", "DATE", false},  {"amount", "AMOUNT", true},	   {"currency", "CCY", false},
	{"earmark", "EARMARK", false}, {"agreement", "AGREEMENT", false},
	{"settled", "SETTLED", true},  {"open", "OPEN", true},	   {NULL, NULL, false}};
static const struct cli_col receipt_cols[] = {
	{"id", "ID", true},
	{"pledge", "PLEDGE", true},
	{"donor", "DONOR", false},
	{"date", "DATE", false},
	{"bank_account", "BANK", false},
	{"amount", "AMOUNT", true},
	{"currency", "CCY", false},
	{"charges", "CHARGES", true},
	{"instructed_amount", "INSTRUCTED", true},
	{"instructed_currency", "ICCY", false},
	{"settled", "SETTLED", true},
	{"advance", "ADVANCE", true},
	{"usd.amount", "USD", true},
	{"usd.usd_per_unit", "RATE", true},
	{NULL, NULL, false}};
static const struct cli_col inkind_cols[] = {
	{"id", "ID", true},	       {"donor", "DONOR", false},
	{"kind", "KIND", false},       {"amount", "FAIR VALUE", true},
	{"currency", "CCY", false},    {"period_start", "FROM", false},
	{"period_end", "TO", false},   {"recognised", "RECOGNISED", false},
	{"description", "DESCRIPTION", false}, {NULL, NULL, false}};
static const struct cli_col rate_cols[] = {{"currency", "CCY", false},
				       {"month", "MONTH", false},
				       {"usd_per_unit", "USD PER UNIT", true},
				       {NULL, NULL, false}};
static const struct cli_col correction_cols[] = {
	{"currency", "CCY", false}, {"month", "MONTH", false}, {"old", "OLD", true},
	{"new", "NEW", true},	    {"reason", "REASON", false}, {NULL, NULL, false}};
static const struct cli_col travel_cols[] = {
	{"currency", "CCY", false},	    {"funds", "FUNDS", true},
	{"obligations", "OBLIGATIONS", true}, {"spent", "SPENT", true},
	{"available", "AVAILABLE", true},     {"usd.amount", "USD", true},
	{"usd.usd_per_unit", "RATE", true},   {NULL, NULL, false}};
static const struct cli_col source_cols[] = {
	{"earmark", "EARMARK", false}, {"currency", "CCY", false},
	{"cash", "CASH", true},	       {"travel_pool", "POOL 8200", true},
	{"open_allocations", "OPEN ALLOC", true}, {"available", "AVAILABLE", true},
	{"usd.amount", "USD", true},   {NULL, NULL, false}};
static const struct cli_col link_cols[] = {{"iban", "IBAN", false},
				       {"account", "ACCOUNT", false},
				       {"currency", "CCY", false},
				       {NULL, NULL, false}};
static const struct cli_col chart_cols[] = {{"code", "CODE", false},
					{"type", "TYPE", false},
					{"currency", "CCY", false},
					{"name", "NAME", false},
					{NULL, NULL, false}};

static void print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
}

/* The options every command here shares; the others go into the body. */
static const struct cli_args_opt common_opts[] = {
	CLI_ARGS_FORMAT(struct cli_run, format, "table|json"),
	CLI_ARGS_SERVER(struct cli_run, http), CLI_ARGS_END};

#define REQ CLI_ARGS_REQUIRED
static const struct cli_args_opt donor_add_opts[] = {
	CLI_ARGS_BODY_STR("id", "ID", "1-32 of a-z 0-9 . _ - (starting a-z 0-9)", REQ),
	CLI_ARGS_BODY_STR("name", "NAME", "the donor's name", REQ),
	CLI_ARGS_BODY_STR("org-type", "CODE", "IATI organisation type (10, 21, 40, 80, ...)", REQ),
	CLI_ARGS_BODY_STR("country", "ISO3", "ISO 3166-1 alpha-3 country", 0),
	CLI_ARGS_END};
static const struct cli_args_opt pledge_add_opts[] = {
	CLI_ARGS_BODY_STR("donor", "ID", "the donor", REQ),
	CLI_ARGS_BODY_STR("date", "D", "the day of the pledge", REQ),
	CLI_ARGS_BODY_STR("amount", "A", "the amount pledged", REQ),
	CLI_ARGS_BODY_STR("currency", "C", "ISO 4217 (a new one gets its accounts)", REQ),
	CLI_ARGS_BODY_STR("earmark", "none|travel", "what it is for (default none)", 0),
	CLI_ARGS_BODY_STR("agreement", "NO", "the contribution agreement's number", 0),
	CLI_ARGS_BODY_STR("signed-on", "D", "the day the agreement was signed", 0),
	CLI_ARGS_END};
static const struct cli_args_opt pledge_sign_opts[] = {
	CLI_ARGS_BODY_STR("agreement", "NO", "the contribution agreement's number", REQ),
	CLI_ARGS_BODY_STR("date", "D", "the day it was signed", REQ),
	CLI_ARGS_BODY_STR("amount", "A", "the amount agreed, if not the pledge's", 0),
	CLI_ARGS_END};
static const struct cli_args_opt receipt_add_opts[] = {
	CLI_ARGS_BODY_INT("pledge", "ID", "the pledge paid", REQ),
	CLI_ARGS_BODY_STR("date", "D", "the value date", REQ),
	CLI_ARGS_BODY_STR("bank-account", "CODE", "the bank account (10xx-CCY)", REQ),
	CLI_ARGS_BODY_STR("amount", "A", "the amount the bank booked", REQ),
	CLI_ARGS_BODY_STR("instructed-amount", "A", "the amount the donor sent", 0),
	CLI_ARGS_BODY_STR("charges", "A", "bank charges (instructed less booked)", 0),
	CLI_ARGS_BODY_FLAG("allow-overpayment", "accept more than the pledge has open"),
	CLI_ARGS_BODY_INT("bank-line", "ID", "the statement line it matches", 0),
	CLI_ARGS_END};
static const struct cli_args_opt inkind_add_opts[] = {
	CLI_ARGS_BODY_STR("donor", "ID", "the donor", REQ),
	CLI_ARGS_BODY_STR("kind", "service|goods", "what was given", REQ),
	CLI_ARGS_BODY_STR("description", "T", "what it was, 1-500 characters", REQ),
	CLI_ARGS_BODY_STR("amount", "A", "its fair value", REQ),
	CLI_ARGS_BODY_STR("currency", "C", "ISO 4217", REQ),
	CLI_ARGS_BODY_STR("period-start", "D", "the first day it covers", REQ),
	CLI_ARGS_BODY_STR("period-end", "D", "the last day it covers", REQ),
	CLI_ARGS_END};
static const struct cli_args_opt rate_correct_opts[] = {
	CLI_ARGS_BODY_STR("currency", "C", "ISO 4217, not USD", REQ),
	CLI_ARGS_BODY_STR("month", "YYYY-MM", "the month of the rate", REQ),
	CLI_ARGS_BODY_STR("usd-per-unit", "X", "the corrected rate, USD per unit", REQ),
	CLI_ARGS_BODY_STR("reason", "T", "why, 1-1000 characters", REQ),
	CLI_ARGS_END};
static const struct cli_args_opt travel_available_opts[] = {
	CLI_ARGS_BODY_STR("as-of", "D", "the day", REQ),
	CLI_ARGS_END};
static const struct cli_args_opt link_opts[] = {
	CLI_ARGS_BODY_STR("iban", "IBAN", "the statement account", REQ),
	CLI_ARGS_BODY_STR("account", "CODE", "the bank account (10xx-CCY)", REQ),
	CLI_ARGS_END};
#undef REQ

static const struct cli_args_cmd cmds[] = {
	{"fund init", NULL, common_opts, NULL, NULL, 0, 0,
	 "Creates the accounts of the fund's chart that are missing."},
	{"fund chart", NULL, common_opts, NULL, NULL, 0, 0, "The fund's chart of accounts."},
	{"donors add", donor_add_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"donors list", NULL, common_opts, NULL, NULL, 0, 0, "Donors, by what they gave."},
	{"pledges add", pledge_add_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"pledges sign", pledge_sign_opts, common_opts, "ID", "the pledge ID", 1, 1, NULL},
	{"pledges list", NULL, common_opts, NULL, NULL, 0, 0, NULL},
	{"receipts add", receipt_add_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"receipts list", NULL, common_opts, NULL, NULL, 0, 0, NULL},
	{"in-kind add", inkind_add_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"in-kind list", NULL, common_opts, NULL, NULL, 0, 0, NULL},
	{"rates import", NULL, common_opts, "FILE.csv",
	 "the UN rates: a CSV of currency,month,usd_per_unit", 1, 1, NULL},
	{"rates list", NULL, common_opts, NULL, NULL, 0, 0, NULL},
	{"funds available", travel_available_opts, common_opts, NULL, NULL, 0, 0,
	 "What each source (earmark, currency) has available, and in USD."},
	{"rates correct", rate_correct_opts, common_opts, NULL, NULL, 0, 0,
	 "Corrects a stored rate (the old value kept with who and why) and revalues\n"
	 "again the month and the month after where a revaluation is posted."},
	{"rates corrections", NULL, common_opts, NULL, NULL, 0, 0,
	 "Every rate correction, newest first."},
	{"funds travel-available", travel_available_opts, common_opts, NULL, NULL, 0, 0,
	 "The money available for travel, per currency and in USD."},
	{"bank-accounts link", link_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"bank-accounts list", NULL, common_opts, NULL, NULL, 0, 0, NULL},
};

static const char notes[] =
	"Every command takes [--format table|json] [--url URL] [--token TOKEN]\n"
	"(default $TFLEDGER_URL, $TFLEDGER_TOKEN) and needs no database.\n"
	"Amounts are decimal strings with the currency's ISO 4217 digits; dates\n"
	"YYYY-MM-DD; rates CSV: currency,month,usd_per_unit. See docs/fund.md.\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

/* rates import FILE.csv: POST /v1/rates?file=FILE.csv with the file's
 * bytes (text/csv), read from the file as they are sent. */
static int rates_import(struct cli_run *r, json_t **out)
{
	char path[LIMIT_PATH_BYTES * 3 + 32] = "/v1/rates";
	json_t *q = json_pack("{s:s}", "file", r->positional);
	FILE *f = fopen(r->positional, "rb");
	char *ans = NULL;
	size_t alen = 0;
	struct stat st;
	json_error_t e;
	int rc = 0;

	*out = NULL;
	if (!f)
		rc = err_sys(ERR_INVALID, "%s", r->positional);
	else if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode))
		rc = err_set(ERR_INVALID, "%s: not a regular file", r->positional);
	else if (st.st_size > LIMIT_HTTP_BODY_BYTES)
		rc = err_set(ERR_LIMIT, "%s: larger than %d bytes", r->positional,
			     LIMIT_HTTP_BODY_BYTES);
	else if (!q || cli_http_query(path, sizeof(path), q) < 0)
		rc = err_set(ERR_LIMIT, "%s: the name is too long", r->positional);
	json_decref(q);
	if (rc < 0) {
		if (f)
			fclose(f);
		return cli_run_fail(r, rc);
	}
	r->http.body_file = f;
	r->http.progress = cli_progress_start(r->positional, (int64_t)st.st_size);
	rc = cli_http_raw(&ans, &alen, &r->http, "rates import", "POST", path, "text/csv", NULL,
			  (size_t)st.st_size, NULL, 0);
	cli_progress_end(r->http.progress);
	r->http.progress = NULL;
	r->http.body_file = NULL;
	fclose(f);
	if (rc != 0)
		return rc;
	*out = cli_http_load(ans, alen, &e);
	free(ans);
	if (!*out) {
		fprintf(stderr, "tfledger: rates import: the answer is not JSON: %s\n", e.text);
		return CLI_FAIL;
	}
	return CLI_OK;
}

/* The route of r's command, and the key of the list its answer holds (NULL:
 * the answer is one object). */
struct route {
	const char *family, *action, *method, *path, *list_key;
	const struct cli_col *cols;
};

static const struct route routes[] = {
	{"donors", "add", "POST", "/v1/donors", NULL, donor_cols},
	{"donors", "list", "GET", "/v1/donors", "donors", donor_cols},
	{"pledges", "add", "POST", "/v1/pledges", NULL, pledge_cols},
	{"pledges", "list", "GET", "/v1/pledges", "pledges", pledge_cols},
	{"pledges", "sign", "POST", NULL, NULL, pledge_cols}, /* /v1/pledges/ID/sign */
	{"receipts", "add", "POST", "/v1/receipts", NULL, receipt_cols},
	{"receipts", "list", "GET", "/v1/receipts", "receipts", receipt_cols},
	{"in-kind", "add", "POST", "/v1/in-kind", NULL, inkind_cols},
	{"in-kind", "list", "GET", "/v1/in-kind", "in_kind", inkind_cols},
	{"rates", "list", "GET", "/v1/rates", "rates", rate_cols},
	{"rates", "correct", "POST", "/v1/rates/corrections", NULL, correction_cols},
	{"rates", "corrections", "GET", "/v1/rates/corrections", "corrections", correction_cols},
	{"bank-accounts", "link", "POST", "/v1/bank-accounts/links", NULL, link_cols},
	{"bank-accounts", "list", "GET", "/v1/bank-accounts/links", "links", link_cols},
	{"fund", "init", "POST", "/v1/fund/init", "accounts", chart_cols},
	{"funds", "available", "GET", "/v1/funds/available", NULL, source_cols},
	{"funds", "travel-available", "GET", "/v1/funds/travel-available", NULL, travel_cols},
};

/* The route of family f's action a, or NULL. */
static const struct route *route_of(const char *f, const char *a)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].family, f) == 0 && strcmp(routes[i].action, a) == 0)
			return &routes[i];
	return NULL;
}

/* Prints the answer out of route t in r's format; 0. */
static int print(const struct cli_run *r, const struct route *t, json_t *out)
{
	const char *f = r->family;
	json_t *rows;

	if (strcmp(r->format, "json") == 0) {
		print_json(out);
		return CLI_OK;
	}
	if (strcmp(f, "funds") == 0) {
		printf("available%s as of %s: %s USD\n",
		       strcmp(r->action, "available") == 0 ? "" : " for travel",
		       json_string_value(json_object_get(out, "as_of")),
		       json_string_value(json_object_get(out, "available_usd")));
		rows = json_object_get(out, strcmp(r->action, "available") == 0 ? "sources"
										   : "currencies");
		cli_print_table(rows, t->cols);
		return CLI_OK;
	}
	rows = t->list_key ? json_incref(json_object_get(out, t->list_key)) : json_pack("[O]", out);
	cli_print_table(rows, t->cols);
	json_decref(rows);
	return CLI_OK;
}

/*
 * Runs the command r names through tfledgerd and ends r. The parser has
 * refused every command not in cmds and every required option missing,
 * so each command below is one of cmds with its required options in the
 * body.
 */
static int dispatch(struct cli_run *r)
{
	const char *f = r->family, *a = r->action;
	const struct route *t = NULL;
	json_t *out = NULL;
	char path[256];
	int status;

	if (strcmp(f, "fund") == 0 && strcmp(a, "chart") == 0) {
		/* the chart is the program's own: no request */
		out = fund_chart_json();
		if (strcmp(r->format, "json") == 0) {
			json_t *o = json_pack("{s:O}", "accounts", out);

			print_json(o);
			json_decref(o);
		} else {
			cli_print_table(out, chart_cols);
		}
		json_decref(out);
		cli_run_close(r);
		return CLI_OK;
	}
	t = route_of(f, a);
	if (strcmp(f, "rates") == 0 && strcmp(a, "import") == 0) {
		status = rates_import(r, &out);
		if (status == CLI_OK) {
			fprintf(stderr, "tfledger: rates import: %s: %lld stored, %lld unchanged\n",
				r->positional,
				(long long)json_integer_value(json_object_get(out, "stored")),
				(long long)json_integer_value(json_object_get(out, "unchanged")));
			if (strcmp(r->format, "json") == 0) {
				print_json(out);
			} else { /* the rates as they stand now */
				json_decref(out);
				json_object_clear(r->body);
				t = route_of("rates", "list");
				status = cli_run_request(r, t->method, t->path, &out);
				if (status == CLI_OK)
					print(r, t, out);
			}
		}
		json_decref(out);
		cli_run_close(r);
		return status;
	}
	ASSERT(t != NULL);
	if (!t->path) { /* pledges sign ID */
		if ((status = cli_http_segment_ok("pledges sign", r->positional)) != 0) {
			cli_run_close(r);
			return status;
		}
		snprintf(path, sizeof(path), "/v1/pledges/%s/sign", r->positional);
		status = cli_run_request(r, "POST", path, &out);
	} else if (strcmp(t->method, "GET") == 0 && t->list_key) {
		status = cli_run_request_all(r, t->path, t->list_key, &out);
	} else {
		status = cli_run_request(r, t->method, t->path, &out);
	}
	if (status == CLI_OK && strcmp(f, "fund") == 0)
		fprintf(stderr, "tfledger: fund init: %lld account(s) created\n",
			(long long)json_integer_value(json_object_get(out, "created")));
	if (status == CLI_OK)
		status = print(r, t, out);
	json_decref(out);
	cli_run_close(r);
	return status;
}

static int run_family(int argc, char **argv)
{
	return cli_run_family(argc, argv, &family, "tfledger: ", dispatch);
}

int cli_fund(int argc, char **argv) { return run_family(argc, argv); }
int cli_donors(int argc, char **argv) { return run_family(argc, argv); }
int cli_pledges(int argc, char **argv) { return run_family(argc, argv); }
int cli_receipts(int argc, char **argv) { return run_family(argc, argv); }
int cli_inkind(int argc, char **argv) { return run_family(argc, argv); }
int cli_rates(int argc, char **argv) { return run_family(argc, argv); }
int cli_funds(int argc, char **argv) { return run_family(argc, argv); }
int cli_bank_accounts(int argc, char **argv) { return run_family(argc, argv); }
