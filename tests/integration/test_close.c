/*
 * test_close.c - closing the books (fund/close.c, daemon/routes_close.c,
 * cli/close.c) against a fresh migrated database and the real tfledgerd
 * per test: programme support costs exact to the cent on a hand-computed
 * case in three currencies, charged once, charged again after a late
 * entry (the old entry reversed); a month's close refused with every open
 * item in one answer, then closed with finance's acknowledgements (stored,
 * audited); reopening by an admin only, entries accepted again, the list
 * of months with both events; the year-end close (revenue and expenses at
 * zero, 3100 holding each currency's surplus, the operating reserve at 15%
 * of the final budget, December closed, a second close refused).
 */
#include "tests/integration/ledger_fixture.h"

#include <jansson.h>

#include "common/err.h"
#include "fund/close.h"
#include "fund/fund.h"
#include "fund/reval.h"

#define DEMO SRCDATADIR "/demo/igf2019/"

static struct roles_env E;
static PGconn *C; /* the test's own connection, working as the daemon */

static const struct ledger_actor fin = {LEDGER_FUND_CLI_TOKEN_ID, "tester", "finance", "test", NULL};
static const struct ledger_actor adm = {LEDGER_FUND_CLI_TOKEN_ID, "tester", "admin", "test", NULL};
static const struct ledger_actor sec = {LEDGER_FUND_CLI_TOKEN_ID, "tester", "secretariat",
					"test", NULL};

/* The UN rates the cases use: EUR every month of 2019 (1.131 in March,
 * 1.12 in December), CHF in March only; no rate of May for CHF or EUR. */
static const char rates_csv[] =
	"currency,month,usd_per_unit\n"
	"EUR,2019-01,1.14\nEUR,2019-02,1.14\nEUR,2019-03,1.131\nEUR,2019-04,1.14\n"
	"EUR,2019-06,1.14\nEUR,2019-07,1.14\nEUR,2019-08,1.14\nEUR,2019-09,1.14\n"
	"EUR,2019-10,1.14\nEUR,2019-11,1.14\nEUR,2019-12,1.12\n"
	"CHF,2019-03,1.005\n";

static void setup(void)
{
	json_t *out = NULL;
	int created = 0;

	roles_env_open(&E);
	C = harness_connect(E.conninfo);
	ck_assert_int_eq(ledger_store_setup(C), 0);
	ck_assert_msg(fund_setup(C) == 0, "%s", err_last());
	ck_assert_msg(fund_init(&created, C, &fin) == 0, "%s", err_last());
	ck_assert_msg(fund_rates_import_csv(&out, C, rates_csv, strlen(rates_csv), "rates", &fin) ==
			      0,
		      "%s", err_last());
	json_decref(out);
	harness_allow_overdrafts(E.conninfo);
	daemon_start(&E.d, E.conninfo, E.dir);
}

static void teardown(void)
{
	PQfinish(C);
	C = NULL;
	roles_env_close(&E);
}

/* A two-posting entry through POST /v1/entries (finance). */
static void post(const char *date, const char *debit, const char *credit, const char *amount,
		 const char *ccy)
{
	char body[1024];

	snprintf(body, sizeof(body),
		 "{\"date\":\"%s\",\"memo\":\"test\",\"reference\":\"t\",\"postings\":["
		 "{\"account\":\"%s\",\"side\":\"debit\",\"amount\":\"%s\",\"currency\":\"%s\"},"
		 "{\"account\":\"%s\",\"side\":\"credit\",\"amount\":\"%s\",\"currency\":\"%s\"}]}",
		 date, debit, amount, ccy, credit, amount, ccy);
	json_decref(call_on(&E.d, "POST", "/v1/entries", E.finance, body, 201));
}

static long long count(const char *sql)
{
	return query_ll(E.conninfo, sql);
}

static const char *str(json_t *o, const char *key)
{
	return harness_str(o, key);
}

/* fund_psc_charge that must succeed. */
static json_t *psc(const char *month)
{
	json_t *o = NULL;
	int rc = fund_psc_charge(&o, C, month, &fin);

	ck_assert_msg(rc == 0, "psc %s: %s", month, err_last());
	return o;
}

/* fund_period_close with body text (NULL: none) expecting rc and code. */
static void close_refused(const char *month, const char *body_text, const struct ledger_actor *who,
			  int want_rc, const char *want_code, const char *want)
{
	json_t *body = body_text ? json_loads(body_text, 0, NULL) : NULL, *o = NULL;
	int rc;

	ck_assert(!body_text || body);
	rc = fund_period_close(&o, C, month, body, who);
	ck_assert_msg(rc == want_rc, "close %s: rc %d (%s), want %d", month, rc, err_last(),
		      want_rc);
	ck_assert_str_eq(err_code_name(err_code_of(rc)), want_code);
	ck_assert_msg(strstr(err_last(), want), "'%s' lacks '%s'", err_last(), want);
	ck_assert_ptr_null(o);
	json_decref(body);
}

/* Runs tfledger ARGS against the test's tfledgerd (--url, --token: the
 * admin's for `periods reopen`, else finance's); returns its exit status,
 * stdout into *out (free it). */
static int cli(char **out, const char *const *args)
{
	bool reopen = strcmp(args[0], "periods") == 0 && args[1] && strcmp(args[1], "reopen") == 0;
	char *err = NULL;
	int rc = cli_on(out, &err, &E.d, reopen ? E.admin : E.finance, args);

	if (rc != 0)
		fprintf(stderr, "tfledger %s %s: %s\n", args[0], args[1] ? args[1] : "", err);
	free(err);
	return rc;
}

/* --- programme support costs ------------------------------------------------------- */

START_TEST(test_psc__exact_to_the_cent_once_and_again_after_a_late_entry)
{
	char *first_entry, sql[256];
	json_t *o;

	/* March 2019: EUR 1000.00 travel at 1.131 = 1131.00; CHF 333.33 meetings at
	 * 1.005 = 334.99665, 335.00; USD 1234.50 staff. Bank charges are no base. */
	post("2019-03-05", "5200-EUR", "1010-EUR", "1000.00", "EUR");
	post("2019-03-06", "5500-CHF", "1010-CHF", "333.33", "CHF");
	post("2019-03-07", "5400-USD", "1010-USD", "1234.50", "USD");
	post("2019-03-08", "5100-USD", "1010-USD", "50.00", "USD");

	/* base 2700.50 x 0.13 = 351.065: half away from zero, 351.07 */
	o = psc("2019-03");
	ck_assert_str_eq(str(o, "base"), "2700.50");
	ck_assert_str_eq(str(o, "rate"), "0.13");
	ck_assert_str_eq(str(o, "amount"), "351.07");
	ck_assert(json_is_true(json_object_get(o, "changed")));
	ck_assert_int_eq(json_array_size(json_object_get(o, "accounts")), 3);
	first_entry = strdup(str(o, "entry_id"));
	json_decref(o);
	harness_expect_balance(C, "5800-USD", "35107");
	harness_expect_balance(C, "2300-USD", "-35107");
	harness_expect_value(C, "SELECT to_char(date, 'YYYY-MM-DD') FROM entries WHERE reference = 'psc'",
			     "2019-03-31");

	/* again: the same base, nothing changes */
	o = psc("2019-03");
	ck_assert(json_is_false(json_object_get(o, "changed")));
	ck_assert_str_eq(str(o, "entry_id"), first_entry);
	ck_assert_str_eq(str(o, "amount"), "351.07");
	json_decref(o);
	ck_assert_int_eq(count("SELECT count(*) FROM entries WHERE reference = 'psc'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'psc.charge'"), 1);

	/* a late entry: EUR 100.00 contractual, 113.10; base 2813.60, 365.768 -> 365.77 */
	post("2019-03-20", "5600-EUR", "1010-EUR", "100.00", "EUR");
	o = psc("2019-03");
	ck_assert(json_is_true(json_object_get(o, "changed")));
	ck_assert_str_eq(str(o, "base"), "2813.60");
	ck_assert_str_eq(str(o, "amount"), "365.77");
	ck_assert_str_eq(str(o, "reversed_entry_id"), first_entry);
	ck_assert_str_ne(str(o, "entry_id"), first_entry);
	json_decref(o);
	harness_expect_balance(C, "5800-USD", "36577");
	harness_expect_balance(C, "2300-USD", "-36577");
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM entries WHERE reverses = '%s' AND date = '2019-03-31'",
		 first_entry);
	harness_expect_value(C, sql, "1");
	harness_expect_value(C, "SELECT base_minor || '/' || amount_minor || '/' || rate FROM"
				" fund_psc_charges", "281360/36577/0.13");
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM audit WHERE action = 'psc.charge' AND object LIKE"
		 " '%%reversed %s'", first_entry);
	harness_expect_value(C, sql, "1");
	free(first_entry);

	/* May: neither rate is there, both named in one refusal, nothing stored */
	post("2019-05-06", "5500-CHF", "1010-CHF", "10.00", "CHF");
	post("2019-05-07", "5200-EUR", "1010-EUR", "10.00", "EUR");
	{
		json_t *none = NULL;
		int rc = fund_psc_charge(&none, C, "2019-05", &fin);

		ck_assert_int_eq(rc, ERR_INVALID);
		ck_assert_str_eq(err_code_name(err_code_of(rc)), "missing-rate");
		ck_assert_msg(strstr(err_last(), "CHF 2019-05") && strstr(err_last(), "EUR 2019-05"),
			      "%s", err_last());
		ck_assert_ptr_null(none);
	}
	ck_assert_int_eq(count("SELECT count(*) FROM fund_psc_charges"), 1);
	/* a bad month */
	{
		json_t *none = NULL;

		ck_assert_int_eq(fund_psc_charge(&none, C, "2019-13", &fin), ERR_INVALID);
		ck_assert_ptr_nonnull(strstr(err_last(), "month"));
	}
	harness_expect_trial_balance_zero(C);
	harness_expect_verified(C, -1);
}
END_TEST

/* --- closing a month ----------------------------------------------------------------------- */

START_TEST(test_close__refused_naming_every_open_item_then_closed_with_acknowledgements)
{
	static const char iban[] = "DE89370400440532013000";
	char *out = NULL;
	json_t *o = NULL, *acks, *body;

	/* a statement account linked to 1010-EUR, its statement closing 2019-02-28,
	 * no sign-off; a EUR payment in March, no revaluation, no PSC charged */
	ck_assert_int_eq(cli(NULL, (const char *const[]){"bank-statements", "import",
							 DEMO "bank-2019-02.xml", NULL}),
			 0);
	ck_assert_int_eq(cli(NULL, (const char *const[]){"bank-accounts", "link", "--iban", iban,
							 "--account", "1010-EUR", NULL}),
			 0);
	post("2019-03-05", "5200-EUR", "1010-EUR", "1000.00", "EUR");

	/* one refusal, every item named; nothing stored */
	close_refused("2019-03", NULL, &fin, ERR_CONFLICT, "period-not-ready", "3 open items");
	ck_assert_ptr_nonnull(strstr(err_last(), "revaluation:2019-03"));
	ck_assert_ptr_nonnull(strstr(err_last(), "psc:2019-03"));
	ck_assert_ptr_nonnull(strstr(err_last(), "reconciliation:DE89370400440532013000"));
	ck_assert_ptr_nonnull(strstr(err_last(), "not posted or not current"));
	ck_assert_ptr_nonnull(strstr(err_last(), "posted none"));
	ck_assert_int_eq(count("SELECT count(*) FROM closed_periods"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM period_events"), 0);
	/* the same through the API and the CLI */
	{
		struct resp r = http(&E.d, "POST", "/v1/periods/2019-03/close", E.finance, NULL, NULL);
		char *code = error_code(r.body);

		ck_assert_int_eq(r.status, 409);
		ck_assert_str_eq(code, "period-not-ready");
		ck_assert_ptr_nonnull(strstr(r.body, "psc:2019-03"));
		free(code);
		resp_free(&r);
	}
	ck_assert_int_eq(cli(NULL, (const char *const[]){"periods", "close", "2019-03", NULL}), 1);

	/* acknowledging what is not open, or as the secretariat, or half */
	close_refused("2019-03", "{\"acknowledge\":[{\"item\":\"psc:2019-04\",\"reason\":\"x\"}]}",
		      &fin, ERR_INVALID, "invalid-field", "acknowledge[0].item: 'psc:2019-04'");
	close_refused("2019-03", "{\"acknowledge\":[{\"item\":\"psc:2019-03\",\"reason\":\"x\"}]}",
		      &sec, ERR_INVALID, "forbidden", "secretariat");
	close_refused("2019-03", "{\"acknowledge\":[{\"item\":\"psc:2019-03\",\"reason\":\"\"}]}",
		      &fin, ERR_INVALID, "invalid-field", "acknowledge[0]: reason");
	close_refused("2019-03",
		      "{\"acknowledge\":[{\"item\":\"psc:2019-03\",\"reason\":\"charged in April\"},"
		      "{\"item\":\"revaluation:2019-03\",\"reason\":\"rates late\"}]}",
		      &fin, ERR_CONFLICT, "period-not-ready", "1 open item: reconciliation:");
	ck_assert_ptr_null(strstr(err_last(), "psc:2019-03"));
	ck_assert_int_eq(count("SELECT count(*) FROM closed_periods"), 0);

	/* every item acknowledged: closed, the acknowledgements stored and audited */
	body = json_loads("{\"acknowledge\":[{\"item\":\"psc:2019-03\",\"reason\":\"charged in April\"},"
			  "{\"item\":\"revaluation:2019-03\",\"reason\":\"rates late\"},"
			  "{\"item\":\"reconciliation:DE89370400440532013000\",\"reason\":\"bank"
			  " statement of March not received\"}]}",
			  0, NULL);
	ck_assert_msg(fund_period_close(&o, C, "2019-03", body, &fin) == 0, "%s", err_last());
	json_decref(body);
	ck_assert_str_eq(str(o, "status"), "closed");
	acks = json_object_get(o, "acknowledged");
	ck_assert_int_eq(json_array_size(acks), 3);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_array_get(acks, 2), "what")),
				     "not signed off"));
	json_decref(o);
	harness_expect_value(C, "SELECT to_char(month, 'YYYY-MM') FROM closed_periods", "2019-03");
	harness_expect_value(C, "SELECT action || '/' || jsonb_array_length(acknowledged) || '/' ||"
				" (acknowledged->1->>'item') || '/' || by_role FROM period_events",
			     "close/3/revaluation:2019-03/finance");
	{
		char sql[256];

		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM audit WHERE action = 'period.close' AND object ="
			 " '2019-03' AND token_name = 'tester'");
		harness_expect_value(C, sql, "1");
	}

	/* closed: the month refuses entries, a second close is a conflict, a PSC
	 * charge a closed period */
	{
		char entry[1024];
		struct resp r;

		entry_body(entry, sizeof(entry), "2019-03-31", "5200-EUR", "1010-EUR", "1.00");
		r = http(&E.d, "POST", "/v1/entries", E.finance, NULL, entry);
		ck_assert_int_eq(r.status, 422);
		ck_assert_ptr_nonnull(strstr(r.body, "period-closed"));
		resp_free(&r);
	}
	close_refused("2019-03", NULL, &fin, ERR_CONFLICT, "conflict", "already closed");
	{
		json_t *none = NULL;
		int rc = fund_psc_charge(&none, C, "2019-03", &fin);

		ck_assert_str_eq(err_code_name(err_code_of(rc)), "period-closed");
	}
	/* the CLI lists it with its event */
	ck_assert_int_eq(cli(&out, (const char *const[]){"periods", "list", "--format", "json", NULL}),
			 0);
	o = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(o);
	{
		json_t *periods = json_object_get(o, "periods"), *p = NULL, *x;
		size_t i;

		json_array_foreach(periods, i, x)
			if (strcmp(json_string_value(json_object_get(x, "month")), "2019-03") == 0)
				p = x;
		ck_assert_ptr_nonnull(p);
		ck_assert_str_eq(json_string_value(json_object_get(p, "status")), "closed");
		ck_assert_int_eq(json_array_size(json_object_get(p, "events")), 1);
	}
	json_decref(o);
	free(out);

	/* reopened through the API by an admin: the daemon takes entries again */
	o = call_on(&E.d, "POST", "/v1/periods/2019-03/reopen", E.admin,
		    "{\"reason\":\"the March statement came\"}", 200);
	ck_assert_str_eq(str(o, "status"), "open");
	ck_assert_str_eq(str(o, "reopened_by"), "ada");
	json_decref(o);
	{
		char entry[1024];

		entry_body(entry, sizeof(entry), "2019-03-31", "5200-EUR", "1010-EUR", "1.00");
		json_decref(call_on(&E.d, "POST", "/v1/entries", E.finance, entry, 201));
	}
	harness_expect_value(C, "SELECT string_agg(action, ',' ORDER BY id) FROM period_events",
			     "close,reopen");

	/* signed off to its statement's closing date, the account is no item */
	ck_assert_int_eq(cli(NULL, (const char *const[]){"reconcile", "signoff", "--bank-account",
							 "1010-EUR", "--statement-account", iban,
							 "--period-end", "2019-02-28", NULL}),
			 0);
	ck_assert_int_eq(fund_periods_list(&o, C), 0);
	{
		json_t *x, *items = NULL;
		size_t i;

		json_array_foreach(o, i, x)
			if (strcmp(json_string_value(json_object_get(x, "month")), "2019-03") == 0)
				items = json_object_get(x, "open_items");
		ck_assert_ptr_nonnull(items);
		json_array_foreach(items, i, x)
			ck_assert_msg(strncmp(json_string_value(json_object_get(x, "item")),
					      "reconciliation:", 15) != 0,
				      "%s", json_string_value(json_object_get(x, "what")));
		ck_assert_int_eq(json_array_size(items), 2); /* revaluation, psc */
	}
	json_decref(o);
}
END_TEST

/* --- the list of months ----------------------------------------------------------------------- */

/*
 * The list reads the running balances once for all its months
 * (books_load) and checks each month's revaluation from them: for every
 * month its revaluation item is what fund_revaluation_check says of that
 * month on its own (open, with R now and what is posted; missing rates;
 * or no item when current), whether revalued, revalued and then changed by
 * a late entry, never revalued, or short of a rate.
 */
START_TEST(test_periods_list__each_months_revaluation_as_checked_alone)
{
	json_t *o = NULL, *x, *rv = NULL;
	size_t i;
	int with_r = 0, missing = 0, current = 0;

	post("2019-01-10", "1010-EUR", "4100-EUR", "1000.00", "EUR");
	post("2019-03-05", "1010-EUR", "4100-EUR", "250.00", "EUR");
	post("2019-05-20", "5200-EUR", "1010-EUR", "40.00", "EUR"); /* no EUR rate for May */
	post("2019-07-01", "1010-EUR", "4100-EUR", "10.00", "EUR");
	ck_assert_msg(fund_revalue(&rv, C, "2019-01", &fin) == 0, "%s", err_last());
	json_decref(rv);
	ck_assert_msg(fund_revalue(&rv, C, "2019-03", &fin) == 0, "%s", err_last());
	json_decref(rv);
	post("2019-03-28", "1010-EUR", "4100-EUR", "5.00", "EUR"); /* March's R moves on */
	ck_assert_msg(fund_periods_list(&o, C) == 0, "%s", err_last());
	ck_assert_int_eq(json_array_size(o), 4); /* the months with entries */
	json_array_foreach(o, i, x) {
		const char *month = str(x, "month");
		json_t *alone = NULL, *it, *item = NULL;
		char want[32];
		size_t k;

		ck_assert_msg(fund_revaluation_check(&alone, C, month) == 0, "%s", err_last());
		snprintf(want, sizeof(want), "revaluation:%s", month);
		json_array_foreach(json_object_get(x, "open_items"), k, it)
			if (strcmp(str(it, "item"), want) == 0)
				item = it;
		if (json_is_true(json_object_get(alone, "current"))) {
			ck_assert_msg(!item, "%s: %s, alone: current", month,
				      item ? str(item, "what") : "");
			current++;
		} else if (json_array_size(json_object_get(alone, "missing_rates")) > 0) {
			ck_assert_msg(item && strstr(str(item, "what"), "needs rates that are missing"),
				      "%s: no missing-rates item", month);
			missing++;
		} else {
			char r[64];

			snprintf(r, sizeof(r), "R = %s USD now, posted %s", str(alone, "computed"),
				 json_is_null(json_object_get(alone, "posted")) ? "none"
									: str(alone, "posted"));
			ck_assert_msg(item && strstr(str(item, "what"), r), "%s: '%s' lacks '%s'",
				      month, item ? str(item, "what") : "(no item)", r);
			with_r++;
		}
		json_decref(alone);
	}
	json_decref(o);
	/* each kind was met: the comparison is not vacuous */
	ck_assert_int_ge(current, 1);  /* January, revalued and unchanged */
	ck_assert_int_ge(missing, 1);  /* May */
	ck_assert_int_ge(with_r, 1);   /* March, changed since it was revalued */
}
END_TEST

/* --- reopening, and the list ------------------------------------------------------------------ */

START_TEST(test_reopen__admin_only_then_entries_accepted_and_the_list_shows_both_events)
{
	json_t *o, *p = NULL, *x, *evs;
	size_t i;

	post("2019-04-10", "5400-USD", "1010-USD", "100.00", "USD");
	/* not ready: the programme support costs of April */
	{
		struct resp r = http(&E.d, "POST", "/v1/periods/2019-04/close", E.finance, NULL, "{}");
		char *code = error_code(r.body);

		ck_assert_msg(r.status == 409 && code && strcmp(code, "period-not-ready") == 0,
			      "%ld %s", r.status, r.body);
		ck_assert_ptr_nonnull(strstr(r.body, "psc:2019-04"));
		free(code);
		resp_free(&r);
	}
	/* charged through the API: 201; the same Idempotency-Key replays that
	 * answer and stores nothing more; without it, 200 (nothing changed) */
	{
		struct resp a = http(&E.d, "POST", "/v1/periods/2019-04/psc", E.finance, "k-psc", NULL);
		struct resp b = http(&E.d, "POST", "/v1/periods/2019-04/psc", E.finance, "k-psc", NULL);

		ck_assert_msg(a.status == 201, "%ld %s", a.status, a.body);
		ck_assert_int_eq(b.status, 201);
		ck_assert_str_eq(a.body, b.body);
		ck_assert_ptr_nonnull(strstr(a.body, "\"amount\":\"13.00\""));
		resp_free(&a);
		resp_free(&b);
		ck_assert_int_eq(count("SELECT count(*) FROM idempotency_keys WHERE key = 'k-psc'"), 1);
		ck_assert_int_eq(count("SELECT count(*) FROM entries WHERE reference = 'psc'"), 1);
	}
	o = call_on(&E.d, "POST", "/v1/periods/2019-04/psc", E.finance, NULL, 200);
	ck_assert(json_is_false(json_object_get(o, "changed")));
	json_decref(o);
	{
		struct resp r = http(&E.d, "POST", "/v1/periods/2019-04/psc", E.auditor, NULL, NULL);

		ck_assert_int_eq(r.status, 403);
		resp_free(&r);
	}
	/* ready now: closed with no acknowledgement; the month refuses entries */
	o = call_on(&E.d, "POST", "/v1/periods/2019-04/close", E.finance, NULL, 201);
	ck_assert_str_eq(str(o, "status"), "closed");
	json_decref(o);
	{
		struct resp r = http(&E.d, "POST", "/v1/entries", E.finance, NULL,
				     "{\"date\":\"2019-04-15\",\"postings\":[{\"account\":\"5400-USD\","
				     "\"side\":\"debit\",\"amount\":\"1.00\",\"currency\":\"USD\"},"
				     "{\"account\":\"1010-USD\",\"side\":\"credit\",\"amount\":\"1.00\","
				     "\"currency\":\"USD\"}]}");

		ck_assert_int_eq(r.status, 422);
		resp_free(&r);
	}

	/* reopen: finance may not (the route table and the function), an admin may */
	{
		struct resp r = http(&E.d, "POST", "/v1/periods/2019-04/reopen", E.finance, NULL,
				     "{\"reason\":\"late invoice\"}");
		char *code = error_code(r.body);

		ck_assert_int_eq(r.status, 403);
		ck_assert_str_eq(code, "forbidden");
		free(code);
		resp_free(&r);
	}
	{
		json_t *body = json_loads("{\"reason\":\"late invoice\"}", 0, NULL), *none = NULL;
		int rc = fund_period_reopen(&none, C, "2019-04", body, &fin);

		ck_assert_str_eq(err_code_name(err_code_of(rc)), "forbidden");
		ck_assert_ptr_null(none);
		json_decref(body);
	}
	{
		struct resp r = http(&E.d, "POST", "/v1/periods/2019-04/reopen", E.admin, NULL, "{}");

		ck_assert_int_eq(r.status, 400);
		resp_free(&r);
	}
	ck_assert_int_eq(count("SELECT count(*) FROM closed_periods"), 1);
	/* by the CLI, through the daemon */
	{
		char *out = NULL;

		ck_assert_int_eq(cli(&out, (const char *const[]){"periods", "reopen", "2019-04",
								 "--reason", "late invoice from the venue",
								 "--format", "json", NULL}),
				 0);
		o = json_loads(out, 0, NULL);
		ck_assert_ptr_nonnull(o);
		ck_assert_str_eq(str(o, "status"), "open");
		json_decref(o);
		free(out);
	}
	ck_assert_int_eq(count("SELECT count(*) FROM closed_periods"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM audit WHERE action = 'period.reopen' AND"
			       " object = '2019-04: late invoice from the venue'"),
			 1);
	/* open again: the daemon takes an entry at once; reopening an open month
	 * is a conflict */
	post("2019-04-15", "5400-USD", "1010-USD", "1.00", "USD");
	{
		struct resp r = http(&E.d, "POST", "/v1/periods/2019-04/reopen", E.admin, NULL,
				     "{\"reason\":\"again\"}");

		ck_assert_int_eq(r.status, 409);
		resp_free(&r);
	}

	/* the list: both events; the late entry makes April's PSC open again */
	o = call_on(&E.d, "GET", "/v1/periods", E.auditor, NULL, 200);
	json_array_foreach(json_object_get(o, "periods"), i, x)
		if (strcmp(json_string_value(json_object_get(x, "month")), "2019-04") == 0)
			p = x;
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(json_string_value(json_object_get(p, "status")), "open");
	ck_assert(json_is_false(json_object_get(p, "ready")));
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(p, "open_items"), 0), "item")),
			 "psc:2019-04");
	evs = json_object_get(p, "events");
	ck_assert_int_eq(json_array_size(evs), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(evs, 0), "action")),
			 "close");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(evs, 1), "action")),
			 "reopen");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(evs, 1), "reason")),
			 "late invoice from the venue");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(evs, 1), "role")),
			 "admin");
	json_decref(o);
	{
		struct resp r = http(&E.d, "GET", "/v1/periods", E.secretariat, NULL, NULL);

		ck_assert_int_eq(r.status, 403);
		resp_free(&r);
	}
}
END_TEST

/* --- the year-end close -------------------------------------------------------------------------- */

START_TEST(test_year_close__surplus_into_3100_reserve_set_december_closed_once)
{
	json_t *o = NULL, *body;
	int rc;

	/* 2019: EUR 10000.00 received and 2000.00 spent in March; USD 50000.00
	 * received and 20000.00 spent in December */
	post("2019-03-10", "1010-EUR", "4100-EUR", "10000.00", "EUR");
	post("2019-03-15", "5200-EUR", "1010-EUR", "2000.00", "EUR");
	post("2019-12-05", "1010-USD", "4100-USD", "50000.00", "USD");
	post("2019-12-10", "5400-USD", "1010-USD", "20000.00", "USD");
	/* the final budget: travel revised to 120000.00, staff 80000.00 */
	harness_expect_value(C,
			     "WITH x AS (INSERT INTO budgets (year, line, revision, amount_minor, set_by)"
			     " VALUES (2019, 'travel', 0, 10000000, 't'), (2019, 'travel', 1, 12000000,"
			     " 't'), (2019, 'staff', 0, 8000000, 't') RETURNING 1) SELECT count(*) FROM x",
			     "3");

	/* March has entries and is open: one refusal that names it */
	body = json_loads("{\"acknowledge\":[{\"item\":\"revaluation:2019-12\",\"reason\":\"x\"}]}",
			  0, NULL);
	rc = fund_year_close(&o, C, 2019, body, &fin);
	ck_assert_int_eq(rc, ERR_CONFLICT);
	ck_assert_str_eq(err_code_name(err_code_of(rc)), "period-not-ready");
	ck_assert_msg(strstr(err_last(), "month:2019-03"), "%s", err_last());
	ck_assert_int_eq(count("SELECT count(*) FROM fund_year_closes"), 0);

	/* March: PSC 2262.00 x 0.13 = 294.06, closed with its revaluation acknowledged */
	json_decref(psc("2019-03"));
	{
		json_t *b = json_loads("{\"acknowledge\":[{\"item\":\"revaluation:2019-03\","
				       "\"reason\":\"revalued at the year end\"}]}",
				       0, NULL);

		ck_assert_msg(fund_period_close(&o, C, "2019-03", b, &fin) == 0, "%s", err_last());
		json_decref(o);
		json_decref(b);
	}
	/* December not ready until its PSC is charged (20000.00 x 0.13 = 2600.00) */
	rc = fund_year_close(&o, C, 2019, body, &fin);
	ck_assert_str_eq(err_code_name(err_code_of(rc)), "period-not-ready");
	ck_assert_msg(strstr(err_last(), "psc:2019-12"), "%s", err_last());
	json_decref(psc("2019-12"));

	/* the surplus needs every month's rate of a currency held: May's is
	 * missing, named, and nothing is stored */
	rc = fund_year_close(&o, C, 2019, body, &fin);
	ck_assert_str_eq(err_code_name(err_code_of(rc)), "missing-rate");
	ck_assert_msg(strstr(err_last(), "EUR 2019-05"), "%s", err_last());
	ck_assert_int_eq(count("SELECT count(*) FROM fund_year_closes"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM entries WHERE reference = 'year-close'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM closed_periods WHERE month = '2019-12-01'"), 0);
	{
		static const char may[] = "currency,month,usd_per_unit\nEUR,2019-05,1.14\n";

		ck_assert_int_eq(fund_rates_import_csv(&o, C, may, strlen(may), "may", &fin), 0);
		json_decref(o);
		o = NULL;
	}

	ck_assert_msg(fund_year_close(&o, C, 2019, body, &fin) == 0, "%s", err_last());
	json_decref(body);
	/* surplus = NA(Dec) at Dec's rate: 8000.00 EUR x 1.12 + 30000.00 USD - PSC
	 * payable 2894.06 = 36065.94 USD */
	ck_assert_str_eq(str(o, "surplus"), "36065.94");
	ck_assert_str_eq(str(json_object_get(o, "reserve"), "target"), "30000.00");
	ck_assert_str_eq(str(json_object_get(o, "reserve"), "budget_total"), "200000.00");
	ck_assert_str_eq(str(json_object_get(o, "reserve"), "moved"), "30000.00");
	ck_assert_int_eq(json_array_size(json_object_get(o, "currencies")), 2);
	ck_assert_int_eq(json_array_size(json_object_get(o, "entry_ids")), 3);
	ck_assert_int_eq(json_array_size(json_object_get(o, "months")), 12);
	json_decref(o);

	/* every revenue and expense account at zero; 3100 holds each currency's
	 * surplus (EUR 8000.00; USD 27105.94 less the reserve 30000.00) */
	harness_expect_value(C, "SELECT count(*) FROM accounts a WHERE a.type IN ('revenue', 'expense')"
				" AND COALESCE((SELECT b.debit_balance FROM balances b WHERE b.account ="
				" a.code ORDER BY b.day DESC LIMIT 1), 0) <> 0",
			     "0");
	harness_expect_balance(C, "3100-EUR", "-800000");
	harness_expect_balance(C, "3100-USD", "289406");
	harness_expect_balance(C, "3200-USD", "-3000000");
	harness_expect_value(C, "SELECT surplus_minor || '/' || reserve_minor || '/' ||"
				" cardinality(entry_ids) FROM fund_year_closes WHERE year = 2019",
			     "3606594/3000000/3");
	harness_expect_value(C, "SELECT count(*) FROM closed_periods WHERE month = '2019-12-01'", "1");
	harness_expect_value(C, "SELECT count(*) FROM entries WHERE date = '2019-12-31' AND"
				" reference = 'year-close'", "3");
	harness_expect_value(C, "SELECT count(*) FROM audit WHERE action = 'year.close'", "1");
	/* the PSC base ignores the closing entries: December is still current */
	o = NULL;
	ck_assert_int_eq(fund_periods_list(&o, C), 0);
	{
		json_t *x, *dec = NULL;
		size_t i;

		json_array_foreach(o, i, x)
			if (strcmp(json_string_value(json_object_get(x, "month")), "2019-12") == 0)
				dec = x;
		ck_assert_ptr_nonnull(dec);
		ck_assert_str_eq(json_string_value(json_object_get(dec, "status")), "closed");
	}
	json_decref(o);

	/* a second close is a conflict; the years list it; December stays closed */
	{
		struct resp r = http(&E.d, "POST", "/v1/years/2019/close", E.finance, NULL, NULL);
		char *code = error_code(r.body);

		ck_assert_int_eq(r.status, 409);
		ck_assert_str_eq(code, "conflict");
		free(code);
		resp_free(&r);
		r = http(&E.d, "POST", "/v1/periods/2019-12/reopen", E.admin, NULL,
			 "{\"reason\":\"try\"}");
		ck_assert_int_eq(r.status, 409);
		ck_assert_ptr_nonnull(strstr(r.body, "closed year"));
		resp_free(&r);
	}
	/* and the database refuses it to anyone (migration 0053) */
	harness_sql_refused(C, "DELETE FROM closed_periods WHERE month = '2019-12-01'",
			    "year-end close is stored");
	o = call_on(&E.d, "GET", "/v1/years", E.auditor, NULL, 200);
	{
		json_t *y = json_array_get(json_object_get(o, "years"), 0);

		ck_assert_int_eq(json_integer_value(json_object_get(y, "year")), 2019);
		ck_assert(json_is_true(json_object_get(y, "closed")));
		ck_assert_str_eq(json_string_value(json_object_get(y, "surplus")), "36065.94");
		ck_assert_str_eq(json_string_value(json_object_get(y, "reserve")), "30000.00");
	}
	json_decref(o);
	harness_expect_trial_balance_zero(C);
	harness_expect_verified(C, -1);
}
END_TEST

START_TEST(test_year_close__bad_input_stores_nothing)
{
	struct resp r = http(&E.d, "POST", "/v1/years/19/close", E.finance, NULL, NULL);
	json_t *o = NULL;

	ck_assert_int_eq(r.status, 400);
	resp_free(&r);
	r = http(&E.d, "POST", "/v1/years/2019/close", E.auditor, NULL, NULL);
	ck_assert_int_eq(r.status, 403);
	resp_free(&r);
	r = http(&E.d, "POST", "/v1/years/2019/close", E.finance, NULL, "{\"acknowledge\":3}");
	ck_assert_int_eq(r.status, 400);
	resp_free(&r);
	r = http(&E.d, "POST", "/v1/periods/2019-3/close", E.finance, NULL, NULL);
	ck_assert_int_eq(r.status, 400);
	resp_free(&r);
	ck_assert_int_eq(fund_year_close(&o, C, 1999, NULL, &fin), ERR_INVALID);
	ck_assert_ptr_null(o);
	/* an empty year closes: nothing to move, no budget (target 0, said), December closed */
	ck_assert_msg(fund_year_close(&o, C, 2018, NULL, &adm) == 0, "%s", err_last());
	ck_assert_str_eq(str(o, "surplus"), "0.00");
	ck_assert_ptr_nonnull(strstr(str(json_object_get(o, "reserve"), "budget"), "no budget"));
	ck_assert_int_eq(json_array_size(json_object_get(o, "entry_ids")), 0);
	json_decref(o);
	ck_assert_int_eq(count("SELECT count(*) FROM closed_periods WHERE month = '2018-12-01'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM entries"), 0);
	/* the years close in order: 2020 has entries and no close, 2021 waits */
	post("2020-01-10", "1010-USD", "4100-USD", "10.00", "USD");
	ck_assert_int_eq(fund_year_close(&o, C, 2021, NULL, &fin), ERR_CONFLICT);
	ck_assert_str_eq(err_code_name(err_code_of(ERR_CONFLICT)), "period-not-ready");
	ck_assert_msg(strstr(err_last(), "year:2020"), "%s", err_last());
	ck_assert_ptr_null(o);
	ck_assert_int_eq(count("SELECT count(*) FROM fund_year_closes"), 1);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test tests[] = {
		{test_psc__exact_to_the_cent_once_and_again_after_a_late_entry, 0},
		{test_close__refused_naming_every_open_item_then_closed_with_acknowledgements, 0},
		{test_reopen__admin_only_then_entries_accepted_and_the_list_shows_both_events, 0},
		{test_periods_list__each_months_revaluation_as_checked_alone, 0},
		{test_year_close__surplus_into_3100_reserve_set_december_closed_once, 0},
		{test_year_close__bad_input_stores_nothing, 0},
	};
	Suite *s = suite_create("close");

	harness_add_tcase(s, "close", setup, teardown, 180, tests, HARNESS_N(tests));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
