/*
 * fund.c - the fund's books for people: tfledger fund init, donors add|list,
 * pledges add|sign|list, receipts add|list, inkind add|list, rates
 * import|list|correct|corrections, funds available|travel-available and bank-accounts
 * link|list
 * (reconcile and its work queue: cli/reconcile.c). For now they talk to the database
 * directly (--database, else $TFLEDGER_DATABASE), working as the daemon's
 * role so that they can do exactly what tfledgerd may; the audit trail
 * names the OS user.
 *
 * One way to do each thing: each command declares its options in `cmds`
 * (cli/args.h); a write's flags become the JSON object an HTTP route would
 * receive (--allow-overpayment becomes "allow_overpayment": true, --bank-line
 * 7 an integer) and go to fund/fund.c, which validates and stores it.
 * Tables are aligned; --format json is for scripts.
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
#include "fund/control.h"
#include "fund/fund.h"
#include "fund/reval.h"
#include "bank/reconcile.h"

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
	CLI_ARGS_DATABASE(struct cli_run, database), CLI_ARGS_END};

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
	{"inkind add", inkind_add_opts, common_opts, NULL, NULL, 0, 0, NULL},
	{"inkind list", NULL, common_opts, NULL, NULL, 0, 0, NULL},
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
	"Every command takes [--format table|json] [--database CONNINFO].\n"
	"Amounts are decimal strings with the currency's ISO 4217 digits; dates\n"
	"YYYY-MM-DD; rates CSV: currency,month,usd_per_unit. See docs/fund.md.\n";
static const struct cli_args_family family = CLI_ARGS_FAMILY(cmds, notes);

/* Prints out (a list as a table, an object as a one-row table; in JSON a
 * list under list_key) or the error, and ends the run. Returns the exit status. */
static int finish(struct cli_run *r, int rc, json_t *out, const struct cli_col *cols,
		  const char *list_key)
{
	int status = CLI_OK;

	if (rc < 0) {
		status = cli_run_fail(r, rc);
	} else if (strcmp(r->format, "json") == 0) {
		if (list_key && json_is_array(out)) {
			json_t *o = json_pack("{s:O}", list_key, out);

			print_json(o);
			json_decref(o);
		} else {
			print_json(out);
		}
	} else if (json_is_array(out)) {
		cli_print_table(out, cols);
	} else {
		json_t *one = json_pack("[O]", out);

		cli_print_table(one, cols);
		json_decref(one);
	}
	json_decref(out);
	cli_run_close(r);
	return status;
}

/*
 * Runs the command r names and ends r. The parser has refused every
 * command not in cmds and every required option missing, so each command below is one of cmds with
 * its required options in the body.
 */
static int dispatch(struct cli_run *r)
{
	const char *f = r->family, *a = r->action;
	json_t *out = NULL;
	int rc, created;

	if (strcmp(f, "fund") == 0 && strcmp(a, "chart") == 0)
		return finish(r, 0, fund_chart_json(), chart_cols, "accounts");
	rc = cli_run_connect(r, "finance");
	if (rc < 0)
		return finish(r, rc, NULL, NULL, NULL);
	if (strcmp(f, "fund") == 0 && strcmp(a, "init") == 0) {
		rc = fund_init(&created, r->c, &r->who);
		if (rc == 0) {
			fprintf(stderr, "tfledger: fund init: %d account(s) created\n", created);
			out = fund_chart_json();
		}
		return finish(r, rc, out, chart_cols, "accounts");
	}
	if (strcmp(f, "bank-accounts") == 0) {
		bool linked;

		if (strcmp(a, "link") == 0)
			rc = bank_reconcile_link(&out, &linked, r->c, r->body, &r->who);
		else /* list, its other command */
			rc = bank_reconcile_links_list(&out, r->c);
		return finish(r, rc, out, link_cols, "links");
	}
	if (strcmp(f, "donors") == 0 && strcmp(a, "add") == 0)
		rc = fund_donor_add(&out, r->c, r->body, &r->who);
	else if (strcmp(f, "donors") == 0 && strcmp(a, "list") == 0)
		rc = fund_donors_list(&out, r->c);
	else if (strcmp(f, "pledges") == 0 && strcmp(a, "add") == 0)
		rc = fund_pledge_add(&out, r->c, r->body, &r->who);
	else if (strcmp(f, "pledges") == 0 && strcmp(a, "sign") == 0)
		rc = fund_pledge_sign(&out, r->c, strtoll(r->positional, NULL, 10), r->body,
				      &r->who);
	else if (strcmp(f, "pledges") == 0 && strcmp(a, "list") == 0)
		rc = fund_pledges_list(&out, r->c);
	else if (strcmp(f, "receipts") == 0 && strcmp(a, "add") == 0)
		rc = fund_receipt_add(&out, r->c, r->body, &r->who);
	else if (strcmp(f, "receipts") == 0 && strcmp(a, "list") == 0)
		rc = fund_receipts_list(&out, r->c);
	else if (strcmp(f, "inkind") == 0 && strcmp(a, "add") == 0)
		rc = fund_inkind_add(&out, r->c, r->body, &r->who);
	else if (strcmp(f, "inkind") == 0 && strcmp(a, "list") == 0)
		rc = fund_inkind_list(&out, r->c);
	else if (strcmp(f, "rates") == 0 && strcmp(a, "import") == 0) {
		struct cli_progress *bar = cli_progress_watch_file(r->positional, r->positional);

		rc = fund_rates_import(&out, r->c, r->positional, &r->who);
		cli_progress_end(bar);
	}
	else if (strcmp(f, "rates") == 0 && strcmp(a, "list") == 0)
		rc = fund_rates_list(&out, r->c);
	else if (strcmp(f, "funds") == 0 && strcmp(a, "available") == 0)
		rc = fund_funds_available(
			&out, r->c, json_string_value(json_object_get(r->body, "as_of")));
	else if (strcmp(f, "rates") == 0 && strcmp(a, "correct") == 0)
		rc = fund_rate_correct(&out, r->c, r->body, &r->who);
	else if (strcmp(f, "rates") == 0 && strcmp(a, "corrections") == 0)
		rc = fund_rate_corrections_list(&out, r->c);
	else if (strcmp(f, "funds") == 0 && strcmp(a, "travel-available") == 0)
		rc = fund_travel_available(
			&out, r->c, json_string_value(json_object_get(r->body, "as_of")));
	else
		ASSERT(!"a command of cmds without its action");
	if (rc == 0 && strcmp(f, "funds") == 0 && strcmp(a, "available") == 0) {
		if (strcmp(r->format, "table") == 0) {
			json_t *rows = json_incref(json_object_get(out, "sources"));

			printf("available as of %s: %s USD\n",
			       json_string_value(json_object_get(out, "as_of")),
			       json_string_value(json_object_get(out, "available_usd")));
			json_decref(out);
			out = rows;
		}
		return finish(r, rc, out, source_cols, NULL);
	}
	if (rc == 0 && strcmp(f, "funds") == 0) {
		/* The summary on stderr, the per-currency table on stdout. */
		if (strcmp(r->format, "table") == 0) {
			json_t *rows = json_incref(json_object_get(out, "currencies"));

			printf("available for travel as of %s: %s USD\n",
			       json_string_value(json_object_get(out, "as_of")),
			       json_string_value(json_object_get(out, "available_usd")));
			json_decref(out);
			out = rows;
		}
		return finish(r, rc, out, travel_cols, NULL);
	}
	if (rc == 0 && strcmp(f, "rates") == 0 && strcmp(a, "import") == 0) {
		fprintf(stderr, "tfledger: rates import: %s: %lld stored, %lld unchanged\n",
			r->positional, (long long)json_integer_value(json_object_get(out, "stored")),
			(long long)json_integer_value(json_object_get(out, "unchanged")));
		if (strcmp(r->format, "table") == 0) {
			json_decref(out);
			out = NULL;
			rc = fund_rates_list(&out, r->c);
		}
	}
	if (strcmp(f, "rates") == 0 &&
	    (strcmp(a, "correct") == 0 || strcmp(a, "corrections") == 0))
		return finish(r, rc, out, correction_cols, "corrections");
	if (strcmp(f, "donors") == 0)
		return finish(r, rc, out, donor_cols, "donors");
	if (strcmp(f, "pledges") == 0)
		return finish(r, rc, out, pledge_cols, "pledges");
	if (strcmp(f, "receipts") == 0)
		return finish(r, rc, out, receipt_cols, "receipts");
	if (strcmp(f, "inkind") == 0)
		return finish(r, rc, out, inkind_cols, "inkind");
	return finish(r, rc, out, rate_cols, "rates");
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
