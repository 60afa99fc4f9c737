/*
 * fund.c - the fund's books for people: tfledger fund init, donors add|list,
 * pledges add|sign|list, receipts add|list, inkind add|list, rates
 * import|list and funds travel-available. For now they talk to the database
 * directly (--database, else $TFLEDGER_DATABASE), working as the daemon's
 * role so that they can do exactly what tfledgerd may; the audit trail
 * names the OS user.
 *
 * One way to do each thing: a write turns its flags into the JSON object an
 * HTTP route would receive (--allow-overpayment becomes "allow_overpayment":
 * true, --bank-line 7 an integer) and hands it to fund/fund.c, which
 * validates and stores it. Tables are aligned; --format json is for scripts.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/session.h"
#include "cli/table.h"
#include "common/db.h"
#include "common/err.h"
#include "fund/fund.h"
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
static const struct cli_col travel_cols[] = {
	{"currency", "CCY", false},	    {"funds", "FUNDS", true},
	{"obligations", "OBLIGATIONS", true}, {"spent", "SPENT", true},
	{"available", "AVAILABLE", true},     {"usd.amount", "USD", true},
	{"usd.usd_per_unit", "RATE", true},   {NULL, NULL, false}};
static const struct cli_col line_cols[] = {
	{"bank_line", "LINE", true}, {"date", "DATE", false},	{"side", "SIDE", false},
	{"amount", "AMOUNT", true},  {"currency", "CCY", false}, {"party", "PARTY", false},
	{"pledge", "PLEDGE", true},  {"reason", "REASON", false}, {NULL, NULL, false}};
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

/* The options every family shares, and the write's JSON body. */
struct run {
	const char *family, *action, *database, *format, *positional;
	json_t *body;
	PGconn *c;
	struct ledger_actor who;
	char user[CLI_USER_BYTES], request_id[CLI_REQUEST_ID_BYTES];
};

/* Fields of a body that are JSON integers rather than strings. */
static bool integer_field(const char *key)
{
	return strcmp(key, "pledge") == 0 || strcmp(key, "bank_line") == 0;
}

/*
 * Reads argv[2..] (after family and action): --database, --format, one
 * positional argument if allowed, and every other --flag VALUE into body
 * (dashes become underscores; --allow-overpayment is a boolean).
 */
static int parse_args(struct run *r, int argc, char **argv, bool positional)
{
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *eq, *value;
		char key[64];

		if (strncmp(a, "--", 2) != 0) {
			if (!positional || r->positional)
				return cli_usage_error(r->family, "unexpected argument '%s'", a);
			r->positional = a;
			continue;
		}
		a += 2;
		eq = strchr(a, '=');
		snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
		for (char *p = key; *p; p++)
			if (*p == '-')
				*p = '_';
		if (strcmp(key, "allow_overpayment") == 0 && !eq) {
			json_object_set_new(r->body, key, json_true());
			continue;
		}
		if (strcmp(key, "help") == 0)
			return -1;
		if (eq)
			value = eq + 1;
		else if (i + 1 < argc)
			value = argv[++i];
		else
			return cli_usage_error(r->family, "--%s needs a value", a);
		if (strcmp(key, "database") == 0) {
			r->database = value;
		} else if (strcmp(key, "format") == 0) {
			r->format = value;
		} else if (integer_field(key)) {
			char *end;
			long long n = strtoll(value, &end, 10);

			if (*value == '\0' || *end != '\0')
				return cli_usage_error(r->family, "--%s: expected an integer, got '%s'",
						       key, value);
			json_object_set_new(r->body, key, json_integer(n));
		} else {
			json_object_set_new(r->body, key, json_string(value));
		}
	}
	if (strcmp(r->format, "table") != 0 && strcmp(r->format, "json") != 0)
		return cli_usage_error(r->family, "--format: table or json");
	return 0;
}

static int connect(struct run *r)
{
	return cli_session_open(&r->c, &r->who, r->user, r->request_id, r->database,
				"finance");
}

/* Prints out (a list as a table, an object as a one-row table) or the error. */
static int finish(struct run *r, int rc, json_t *out,
		  const struct cli_col *cols, const char *list_key)
{
	int status = CLI_OK;

	if (rc < 0) {
		char what[64];

		snprintf(what, sizeof(what), "%s %s", r->family, r->action);
		if (err_code_status(err_code_of(rc)) != 500)
			fprintf(stderr, "tfledger: %s: %s [%s]\n", what, err_last(),
				err_code_name(err_code_of(rc)));
		else
			fprintf(stderr, "tfledger: %s: %s\n", what, err_last());
		status = err_exit_status(rc);
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
	json_decref(r->body);
	PQfinish(r->c);
	return status;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tfledger fund init | chart\n"
		"       tfledger donors add --id ID --name NAME --org-type CODE [--country ISO3]\n"
		"       tfledger donors list\n"
		"       tfledger pledges add --donor ID --date D --amount A --currency C\n"
		"                [--earmark none|travel] [--agreement NO [--signed-on D]]\n"
		"       tfledger pledges sign ID --agreement NO --date D [--amount A]\n"
		"       tfledger pledges list\n"
		"       tfledger receipts add --pledge ID --date D --bank-account CODE --amount A\n"
		"                [--instructed-amount A] [--charges A] [--allow-overpayment]\n"
		"                [--bank-line ID]\n"
		"       tfledger receipts list\n"
		"       tfledger inkind add --donor ID --kind service|goods --description T\n"
		"                --amount A --currency C --period-start D --period-end D\n"
		"       tfledger inkind list\n"
		"       tfledger rates import FILE.csv | list\n"
		"       tfledger funds travel-available --as-of D\n"
		"       tfledger bank-accounts link --iban IBAN --account CODE | list\n"
		"       tfledger reconcile --bank-account CODE [--statement-account IBAN]\n"
		"                [--tolerance A]\n\n"
		"Every command takes [--format table|json] [--database CONNINFO].\n"
		"Amounts are decimal strings with the currency's ISO 4217 digits; dates\n"
		"YYYY-MM-DD; rates CSV: currency,month,usd_per_unit. See docs/fund.md.\n");
}

/* One entry point for every family: argv[0] is the family, argv[1] the action. */
static int run_family(int argc, char **argv)
{
	struct run r = {.family = argv[0], .format = "table", .body = json_object()};
	const char *f = argv[0], *a;
	bool pos;
	json_t *out = NULL;
	int rc, created;

	if (strcmp(f, "reconcile") == 0 && argc >= 2 && strcmp(argv[1], "--help") != 0) {
		/* No action word: shift so that flags start at argv[2]. */
		argc++;
		argv--;
	}
	if (argc < 2 || argv[1][0] == '-') {
		bool help = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);

		json_decref(r.body);
		usage(help ? stdout : stderr);
		return help ? CLI_OK : CLI_USAGE;
	}
	a = r.action = strcmp(f, "reconcile") == 0 ? "run" : argv[1];
	pos = (strcmp(f, "pledges") == 0 && strcmp(a, "sign") == 0) ||
	      (strcmp(f, "rates") == 0 && strcmp(a, "import") == 0);
	rc = r.body ? parse_args(&r, argc, argv, pos) : CLI_FAIL;
	if (rc != 0) {
		json_decref(r.body);
		if (rc == -1) {
			usage(stdout);
			return CLI_OK;
		}
		return rc;
	}
	if (pos && !r.positional) {
		json_decref(r.body);
		return cli_usage_error(f, "%s needs %s", a,
				       strcmp(f, "rates") == 0 ? "FILE.csv" : "the pledge ID");
	}
	if (strcmp(f, "fund") == 0 && strcmp(a, "chart") == 0)
		return finish(&r, 0, fund_chart_json(), chart_cols, "accounts");
	rc = connect(&r);
	if (rc < 0)
		return finish(&r, rc, NULL, NULL, NULL);
	if (strcmp(f, "fund") == 0 && strcmp(a, "init") == 0) {
		rc = fund_init(&created, r.c, &r.who);
		if (rc == 0) {
			fprintf(stderr, "tfledger: fund init: %d account(s) created\n", created);
			out = fund_chart_json();
		}
		return finish(&r, rc, out, chart_cols, "accounts");
	}
	if (strcmp(f, "bank-accounts") == 0) {
		bool linked;

		if (strcmp(a, "link") == 0)
			rc = bank_reconcile_link(&out, &linked, r.c, r.body, &r.who);
		else if (strcmp(a, "list") == 0)
			rc = bank_reconcile_links_list(&out, r.c);
		else {
			json_decref(r.body);
			PQfinish(r.c);
			return cli_usage_error(f, "unknown action '%s'", a);
		}
		return finish(&r, rc, out, link_cols, "links");
	}
	if (strcmp(f, "reconcile") == 0) {
		const char *bank = json_string_value(json_object_get(r.body, "bank_account"));
		const char *stmt = json_string_value(json_object_get(r.body, "statement_account"));
		char linked[LIMIT_CAMT_FIELD_BYTES];

		if (!bank) {
			json_decref(r.body);
			PQfinish(r.c);
			return cli_usage_error(f, "needs --bank-account");
		}
		rc = 0;
		if (!stmt) {
			rc = bank_reconcile_statement_account(linked, r.c, bank);
			stmt = linked;
		}
		if (rc == 0)
			rc = bank_reconcile(&out, r.c, bank, stmt,
				      json_string_value(json_object_get(r.body, "tolerance")), &r.who);
		if (rc == 0 && strcmp(r.format, "table") == 0) {
			static const char *const lists[] = {"matched", "suggested", "unmatched"};

			for (int k = 0; k < 3; k++) {
				printf("%s:\n", lists[k]);
				cli_print_table(json_object_get(out, lists[k]), line_cols);
				putchar('\n');
			}
			printf("bank closing balance %s %s on %s; ledger %s %s; difference %s\n",
			       json_string_value(json_object_get(out, "bank_closing")) ?: "-",
			       json_string_value(json_object_get(out, "currency")),
			       json_string_value(json_object_get(out, "closing_date")) ?: "-",
			       json_string_value(json_object_get(out, "bank_account")),
			       json_string_value(json_object_get(out, "ledger_balance")),
			       json_string_value(json_object_get(out, "difference")));
			json_decref(out);
			out = json_array();
			r.format = "none";
		}
		if (rc == 0 && strcmp(r.format, "none") == 0) {
			json_decref(out);
			json_decref(r.body);
			PQfinish(r.c);
			return CLI_OK;
		}
		return finish(&r, rc, out, line_cols, NULL);
	}
	if (strcmp(f, "donors") == 0 && strcmp(a, "add") == 0)
		rc = fund_donor_add(&out, r.c, r.body, &r.who);
	else if (strcmp(f, "donors") == 0 && strcmp(a, "list") == 0)
		rc = fund_donors_list(&out, r.c);
	else if (strcmp(f, "pledges") == 0 && strcmp(a, "add") == 0)
		rc = fund_pledge_add(&out, r.c, r.body, &r.who);
	else if (strcmp(f, "pledges") == 0 && strcmp(a, "sign") == 0)
		rc = fund_pledge_sign(&out, r.c, strtoll(r.positional, NULL, 10), r.body,
					     &r.who);
	else if (strcmp(f, "pledges") == 0 && strcmp(a, "list") == 0)
		rc = fund_pledges_list(&out, r.c);
	else if (strcmp(f, "receipts") == 0 && strcmp(a, "add") == 0)
		rc = fund_receipt_add(&out, r.c, r.body, &r.who);
	else if (strcmp(f, "receipts") == 0 && strcmp(a, "list") == 0)
		rc = fund_receipts_list(&out, r.c);
	else if (strcmp(f, "inkind") == 0 && strcmp(a, "add") == 0)
		rc = fund_inkind_add(&out, r.c, r.body, &r.who);
	else if (strcmp(f, "inkind") == 0 && strcmp(a, "list") == 0)
		rc = fund_inkind_list(&out, r.c);
	else if (strcmp(f, "rates") == 0 && strcmp(a, "import") == 0) {
		struct cli_progress *bar = cli_progress_watch_file(r.positional, r.positional);

		rc = fund_rates_import(&out, r.c, r.positional, &r.who);
		cli_progress_end(bar);
	}
	else if (strcmp(f, "rates") == 0 && strcmp(a, "list") == 0)
		rc = fund_rates_list(&out, r.c);
	else if (strcmp(f, "funds") == 0 && strcmp(a, "travel-available") == 0)
		rc = fund_travel_available(
			&out, r.c, json_string_value(json_object_get(r.body, "as_of")));
	else {
		json_decref(r.body);
		PQfinish(r.c);
		return cli_usage_error(f, "unknown action '%s'", a);
	}
	if (rc == 0 && strcmp(f, "funds") == 0) {
		/* The summary on stderr, the per-currency table on stdout. */
		if (strcmp(r.format, "table") == 0) {
			json_t *rows = json_incref(json_object_get(out, "currencies"));

			printf("available for travel as of %s: %s USD\n",
			       json_string_value(json_object_get(out, "as_of")),
			       json_string_value(json_object_get(out, "available_usd")));
			json_decref(out);
			out = rows;
		}
		return finish(&r, rc, out, travel_cols, NULL);
	}
	if (rc == 0 && strcmp(f, "rates") == 0 && strcmp(a, "import") == 0) {
		fprintf(stderr, "tfledger: rates import: %s: %lld stored, %lld unchanged\n",
			r.positional, (long long)json_integer_value(json_object_get(out, "stored")),
			(long long)json_integer_value(json_object_get(out, "unchanged")));
		if (strcmp(r.format, "table") == 0) {
			json_decref(out);
			out = NULL;
			rc = fund_rates_list(&out, r.c);
		}
	}
	if (strcmp(f, "donors") == 0)
		return finish(&r, rc, out, donor_cols, "donors");
	if (strcmp(f, "pledges") == 0)
		return finish(&r, rc, out, pledge_cols, "pledges");
	if (strcmp(f, "receipts") == 0)
		return finish(&r, rc, out, receipt_cols, "receipts");
	if (strcmp(f, "inkind") == 0)
		return finish(&r, rc, out, inkind_cols, "inkind");
	return finish(&r, rc, out, rate_cols, "rates");
}

int cli_fund(int argc, char **argv) { return run_family(argc, argv); }
int cli_donors(int argc, char **argv) { return run_family(argc, argv); }
int cli_pledges(int argc, char **argv) { return run_family(argc, argv); }
int cli_receipts(int argc, char **argv) { return run_family(argc, argv); }
int cli_inkind(int argc, char **argv) { return run_family(argc, argv); }
int cli_rates(int argc, char **argv) { return run_family(argc, argv); }
int cli_funds(int argc, char **argv) { return run_family(argc, argv); }
int cli_reconcile(int argc, char **argv) { return run_family(argc, argv); }
int cli_bank_accounts(int argc, char **argv) { return run_family(argc, argv); }
