/*
 * test_fund.c - the fund's books (fund/fund.c, cli/fund.c) against a fresh
 * migrated database per test: the chart, the entries of every operation
 * (pledge signature, receipts whole, partial, with charges, over-paid,
 * across currencies, gifts in kind), every currency's trial balance exactly
 * zero and the hash chain verified after a mixed sequence, donors ordered
 * by USD at the rates of their receipt months, the money available for
 * travel as of a date, and bad input refused naming the field with nothing
 * stored (tables, journal and audit unchanged). CLI paths run the real
 * tfledger binary against a real tfledgerd, with --url and --token only.
 */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "fund/fund.h"
#include "ledger/ledger.h"
#include "tests/harness/harness.h"
#include "tests/integration/ledger_fixture.h"

#define DATA SRCDATADIR "/tests/data/fund/"

static const struct ledger_actor who = {LEDGER_FUND_CLI_TOKEN_ID, "tester", "finance",
					"test", NULL};

struct fx {
	char db[LIMIT_CONNINFO_BYTES];
	PGconn *c;
};

/* A fresh database with the chart, and a connection working as the daemon. */
static void fx_open(struct fx *f)
{
	int created = 0;

	harness_new_db(f->db, sizeof(f->db));
	f->c = harness_connect(f->db);
	ck_assert_int_eq(ledger_store_setup(f->c), 0);
	ck_assert_int_eq(fund_setup(f->c), 0);
	ck_assert_msg(fund_init(&created, f->c, &who) == 0, "%s", err_last());
	ck_assert_int_eq(created, 82);
}

static void fx_close(struct fx *f)
{
	PQfinish(f->c);
}

/* Asserts the trial balance is zero and the journal verifies with entries
 * entries, then closes f. */
static void fx_close_verified(struct fx *f, long long entries)
{
	harness_expect_trial_balance_zero(f->c);
	harness_expect_verified(f->c, entries);
	fx_close(f);
}

/* Runs op on a JSON text body; asserts success; returns the answer. */
typedef int (*op_fn)(json_t **, PGconn *, json_t *, const struct ledger_actor *);

static json_t *ok(PGconn *c, op_fn op, const char *text)
{
	return harness_op_ok(c, op, &who, "%s", text);
}

/* Runs op expecting refusal rc with contract code and a message containing want. */
static void refused(PGconn *c, op_fn op, const char *text, int want_rc, const char *want_code,
		    const char *want)
{
	harness_op_refused(c, op, &who, text, want_rc, want_code, want);
}

static char *value(PGconn *c, const char *sql)
{
	char *v = harness_query_value(c, sql);

	ck_assert_msg(v, "no row: %s", sql);
	return v;
}



/* Audit rows matching cond written through the CLI: by its finance token
 * (cli_env), naming that token's person. */
static void expect_audit(PGconn *c, const char *cond, const char *want)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE token_name = 'cli-finance'"
		 " AND user_name = 'cli-finance' AND %s", cond);
	harness_expect_value(c, sql, want);
}

/* Everything a refused operation must leave as it was. */
static char *snapshot(PGconn *c)
{
	return value(c, "SELECT (SELECT count(*) FROM entries) || '/' || (SELECT count(*) FROM postings)"
			" || '/' || (SELECT count(*) FROM donors) || '/' || (SELECT count(*) FROM pledges)"
			" || '/' || (SELECT count(*) FROM receipts) || '/' || (SELECT count(*) FROM"
			" inkind_gifts) || '/' || (SELECT count(*) FROM exchange_rates) || '/' ||"
			" (SELECT count(*) FROM audit) || '/' || (SELECT count(*) FROM balances) || '/'"
			" || COALESCE((SELECT string_agg(status || amount_minor, ',' ORDER BY id) FROM"
			" pledges), '') || '/' || (SELECT hash FROM ledger_head)");
}

static void expect_unchanged(PGconn *c, const char *before)
{
	char *after = snapshot(c);

	ck_assert_str_eq(after, before);
	free(after);
}




static json_t *donor_add(PGconn *c, const char *text)
{
	return ok(c, fund_donor_add, text);
}

static long long pledge_signed(PGconn *c, const char *donor, const char *amount,
			       const char *ccy, const char *earmark, const char *agreement,
			       const char *date)
{
	json_t *p = harness_op_ok(c, fund_pledge_add, &who,
				  "{\"donor\":\"%s\",\"date\":\"%s\",\"amount\":\"%s\","
				  "\"currency\":\"%s\",\"earmark\":\"%s\",\"agreement\":\"%s\"}",
				  donor, date, amount, ccy, earmark, agreement);
	long long id;

	ck_assert_str_eq(harness_str(p, "status"), "signed");
	id = json_integer_value(json_object_get(p, "id"));
	json_decref(p);
	return id;
}

__attribute__((format(printf, 2, 3))) static json_t *receipt(PGconn *c, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return ok(c, fund_receipt_add, text);
}

static void rates_import(PGconn *c, const char *file)
{
	json_t *out = NULL;

	ck_assert_msg(fund_rates_import(&out, c, file, &who) == 0, "%s",
		      err_last());
	json_decref(out);
}

static void json_drop(json_t *o)
{
	json_decref(o);
}

/* --- the chart --------------------------------------------------------------------- */

START_TEST(test_fund_init__creates_the_chart_once_with_audit)
{
	char db[LIMIT_CONNINFO_BYTES], *out = NULL, *err = NULL;
	const char *const args[] = {"fund", "init", NULL};
	struct cli_env e;
	PGconn *c;

	harness_new_db(db, sizeof(db));
	cli_env_open(&e, db);
	ck_assert_int_eq(cli_on(&out, &err, &e.d, e.finance, args), 0);
	ck_assert_msg(strstr(err, "82 account(s) created"), "%s", err);
	ck_assert_msg(strstr(out, "3900-EUR") && strstr(out, "8300-CHF"), "%s", out);
	free(out);
	free(err);
	ck_assert_int_eq(cli_on(&out, &err, &e.d, e.finance, args), 0);
	ck_assert_msg(strstr(err, "0 account(s) created"), "%s", err);
	free(out);
	free(err);
	cli_env_close(&e);
	c = harness_connect(db);
	harness_expect_value(c, "SELECT count(*) FROM accounts", "82");
	harness_expect_value(c, "SELECT type || ' ' || currency || ' ' || normal_side FROM accounts"
		  " WHERE code = '2100-CHF'", "liability CHF credit");
	harness_expect_value(c, "SELECT type || ' ' || normal_side FROM accounts WHERE code = '8390-EUR'",
	       "memo debit");
	harness_expect_value(c, "SELECT count(*) FROM accounts WHERE code IN ('4900-USD', '5900-USD')", "2");
	harness_expect_value(c, "SELECT count(*) FROM audit WHERE action = 'account.create'", "82");
	expect_audit(c, "action = 'fund.init'", "1");
	/* the person of the finance token, not the OS user, is named */
	harness_expect_value(c, "SELECT string_agg(DISTINCT user_name, ',') FROM audit"
				" WHERE action = 'fund.init'", "cli-finance");
	PQfinish(c);
}
END_TEST

START_TEST(test_fund_init__refuses_a_clashing_account)
{
	char db[LIMIT_CONNINFO_BYTES], *err = NULL;
	struct cli_env e;
	PGconn *c;

	harness_new_db(db, sizeof(db));
	c = harness_connect(db);
	free(harness_query_value(c, "INSERT INTO accounts (code, name, type, currency)"
				    " VALUES ('1200-EUR', 'Something else', 'asset', 'EUR')"
				    " RETURNING 1"));
	cli_env_open(&e, db);
	ck_assert_int_eq(cli_on(NULL, &err, &e.d, e.finance, (const char *const[]){"fund", "init", NULL}),
			 1);
	ck_assert_msg(strstr(err, "1200-EUR"), "%s", err);
	harness_expect_value(c, "SELECT count(*) FROM accounts", "1");
	free(err);
	cli_env_close(&e);
	PQfinish(c);
}
END_TEST

/* --- pledges and receipts ------------------------------------------------------------ */

START_TEST(test_fund_pledge__indicative_makes_no_entry_signed_makes_receivable)
{
	struct fx f;
	json_t *p, *s, *body;

	fx_open(&f);
	json_drop(donor_add(f.c, "{\"id\":\"fin\",\"name\":\"Government of Finland\","
				 "\"org_type\":\"10\",\"country\":\"FIN\"}"));
	p = ok(f.c, fund_pledge_add, "{\"donor\":\"fin\",\"date\":\"2019-01-10\","
					     "\"amount\":\"450000.00\",\"currency\":\"EUR\"}");
	ck_assert_str_eq(harness_str(p, "status"), "indicative");
	ck_assert(json_is_null(json_object_get(p, "entry_id")));
	harness_expect_value(f.c, "SELECT count(*) FROM entries", "0");
	body = json_loads("{\"agreement\":\"IGF-TF-2019-03\",\"date\":\"2019-02-01\","
			  "\"amount\":\"500000.00\"}", 0, NULL);
	ck_assert_int_eq(fund_pledge_sign(&s, f.c, json_integer_value(json_object_get(p, "id")),
					  body, &who), 0);
	ck_assert_str_eq(harness_str(s, "status"), "signed");
	ck_assert_str_eq(harness_str(s, "amount"), "500000.00");
	ck_assert_str_eq(harness_str(s, "open"), "500000.00");
	harness_expect_value(f.c, "SELECT count(*) FROM entries", "1");
	harness_expect_value(f.c, "SELECT string_agg(account || ' ' || side || ' ' || amount || ' ' || currency,"
		    " ', ' ORDER BY line) FROM postings",
	       "1200-EUR debit 50000000 EUR, 4100-EUR credit 50000000 EUR");
	harness_expect_value(f.c, "SELECT date || ' ' || reference FROM entries", "2019-02-01 IGF-TF-2019-03");
	harness_expect_value(f.c, "SELECT entry_id = (SELECT id FROM entries) FROM pledges", "t");
	/* Signing twice is a conflict and changes nothing. */
	{
		char *before = snapshot(f.c);
		json_t *again = NULL;

		ck_assert_int_eq(fund_pledge_sign(&again, f.c,
						  json_integer_value(json_object_get(p, "id")),
						  body, &who),
				 ERR_CONFLICT);
		ck_assert_str_eq(err_code_name(err_code_of(ERR_CONFLICT)), "conflict");
		expect_unchanged(f.c, before);
		free(before);
	}
	json_decref(body);
	json_decref(p);
	json_decref(s);
	fx_close(&f);
}
END_TEST

START_TEST(test_fund_receipt__partial_with_charges_then_overpayment_to_advance)
{
	static const struct harness_balance after_first[] = {
		{"1010-EUR", "3999000"},
		{"5100-EUR", "1000"},
		{"1200-EUR", "6000000"},
	};
	static const struct harness_balance after_overpayment[] = {
		{"1200-EUR", "0"},
		{"2100-EUR", "-1000000"},
		{"1010-EUR", "10999000"},
	};
	struct fx f;
	long long id;
	json_t *r;
	char *before;

	fx_open(&f);
	json_drop(donor_add(f.c, "{\"id\":\"ec\",\"name\":\"European Commission\","
				 "\"org_type\":\"40\"}"));
	id = pledge_signed(f.c, "ec", "100000.00", "EUR", "none", "EC-2019-1", "2019-01-05");
	/* The donor instructed 40,000.00; the bank booked 39,990.00: 10.00 charges. */
	r = receipt(f.c, "{\"pledge\":%lld,\"date\":\"2019-01-20\",\"bank_account\":\"1010-EUR\","
			 "\"amount\":\"39990.00\",\"instructed_amount\":\"40000.00\"}", id);
	ck_assert_str_eq(harness_str(r, "charges"), "10.00");
	ck_assert_str_eq(harness_str(r, "settled"), "40000.00");
	ck_assert_str_eq(harness_str(r, "advance"), "0.00");
	json_decref(r);
	harness_expect_balances(f.c, after_first, HARNESS_N(after_first));
	harness_expect_value(f.c, "SELECT status FROM pledges", "signed");
	/* 70,000.00 is above the 60,000.00 open: refused without the flag. */
	before = snapshot(f.c);
	{
		char text[256];

		snprintf(text, sizeof(text),
			 "{\"pledge\":%lld,\"date\":\"2019-02-20\",\"bank_account\":\"1010-EUR\","
			 "\"amount\":\"70000.00\"}", id);
		refused(f.c, fund_receipt_add, text, ERR_INVALID, "over-payment",
			"instructed_amount: 70000.00 EUR is above the 60000.00 EUR open");
	}
	expect_unchanged(f.c, before);
	free(before);
	r = receipt(f.c, "{\"pledge\":%lld,\"date\":\"2019-02-20\",\"bank_account\":\"1010-EUR\","
			 "\"amount\":\"70000.00\",\"allow_overpayment\":true}", id);
	ck_assert_str_eq(harness_str(r, "settled"), "60000.00");
	ck_assert_str_eq(harness_str(r, "advance"), "10000.00");
	json_decref(r);
	harness_expect_balances(f.c, after_overpayment, HARNESS_N(after_overpayment));
	harness_expect_value(f.c, "SELECT status FROM pledges", "paid");
	harness_expect_value(f.c, "SELECT count(*) FROM audit WHERE action = 'receipt.add'", "2");
	harness_expect_value(f.c, "SELECT count(*) FROM audit WHERE action = 'entry.post'", "3");
	fx_close_verified(&f, 3);
}
END_TEST

START_TEST(test_fund_receipt__underpayment_leaves_the_receivable_open)
{
	static const struct harness_balance after_underpayment[] = {
		{"1200-CHF", "5000000"},
		{"5100-CHF", "0"},
	};
	struct fx f;
	long long id;
	json_t *list;

	fx_open(&f);
	json_drop(donor_add(f.c, "{\"id\":\"che\",\"name\":\"Switzerland\",\"org_type\":\"10\","
				 "\"country\":\"CHE\"}"));
	id = pledge_signed(f.c, "che", "450000.00", "CHF", "none", "CH-7F-0042", "2019-01-07");
	json_drop(receipt(f.c, "{\"pledge\":%lld,\"date\":\"2019-03-05\",\"bank_account\":"
			       "\"1010-CHF\",\"amount\":\"400000.00\"}", id));
	ck_assert_int_eq(fund_pledges_list(&list, f.c, 0, LIMIT_LIST_ROWS), 0);
	ck_assert(json_is_null(json_object_get(list, "next")));
	{
		json_t *p0 = json_array_get(json_object_get(list, "pledges"), 0);

		ck_assert_str_eq(harness_str(p0, "open"), "50000.00");
		ck_assert_str_eq(harness_str(p0, "settled"), "400000.00");
		ck_assert_str_eq(harness_str(p0, "status"), "signed");
	}
	json_decref(list);
	harness_expect_balances(f.c, after_underpayment, HARNESS_N(after_underpayment));
	fx_close(&f);
}
END_TEST

START_TEST(test_fund_receipt__across_currencies_balances_each_currency)
{
	struct fx f;
	long long id;
	json_t *r;

	fx_open(&f);
	json_drop(donor_add(f.c, "{\"id\":\"fin\",\"name\":\"Government of Finland\","
				 "\"org_type\":\"10\",\"country\":\"FIN\"}"));
	id = pledge_signed(f.c, "fin", "50000.00", "EUR", "none", "FI-2019", "2019-01-02");
	/* 50,000.00 EUR sent to the USD account: 57,425.00 USD booked, 25.00 USD charges:
	 * 57,450.00 USD gross, which is 50,000.00 EUR at the UN rate of February
	 * (1.149), so no realised difference (test_reval.c has those). */
	rates_import(f.c, DATA "rates-2019.csv");
	r = receipt(f.c, "{\"pledge\":%lld,\"date\":\"2019-02-14\",\"bank_account\":\"1010-USD\","
			 "\"amount\":\"57425.00\",\"instructed_amount\":\"50000.00\","
			 "\"charges\":\"25.00\"}", id);
	ck_assert_str_eq(harness_str(r, "currency"), "USD");
	ck_assert_str_eq(harness_str(r, "instructed_currency"), "EUR");
	ck_assert_str_eq(harness_str(r, "charges"), "25.00");
	ck_assert_str_eq(harness_str(json_object_get(r, "realised"), "amount"), "0.00");
	json_decref(r);
	harness_expect_value(f.c, "SELECT string_agg(account || ' ' || side || ' ' || amount, ', ' ORDER BY line)"
		    " FROM postings p JOIN entries e ON e.id = p.entry_id WHERE e.sequence = 2",
	       "1010-USD debit 5742500, 5100-USD debit 2500, 3900-USD credit 5745000,"
	       " 3900-EUR debit 5000000, 1200-EUR credit 5000000");
	harness_expect_balance(f.c, "1200-EUR", "0");
	harness_expect_value(f.c, "SELECT status FROM pledges", "paid");
	fx_close_verified(&f, 2);
}
END_TEST

START_TEST(test_fund_inkind__services_in_memo_goods_as_revenue)
{
	static const struct harness_balance balances[] = {
		{"8300-USD", "2400000"}, {"8390-USD", "-2400000"}, {"4100-USD", "0"},
		{"5300-CHF", "150000"},  {"4200-CHF", "-150000"},
	};
	struct fx f;
	json_t *g, *list;

	fx_open(&f);
	json_drop(donor_add(f.c, "{\"id\":\"cisco\",\"name\":\"Cisco\",\"org_type\":\"70\","
				 "\"country\":\"USA\"}"));
	json_drop(donor_add(f.c, "{\"id\":\"unog\",\"name\":\"UN Office at Geneva\","
				 "\"org_type\":\"40\"}"));
	g = ok(f.c, fund_inkind_add,
	       "{\"donor\":\"cisco\",\"kind\":\"service\",\"description\":\"WebEx for MAG"
	       " virtual meetings\",\"amount\":\"24000.00\",\"currency\":\"USD\","
	       "\"period_start\":\"2019-01-01\",\"period_end\":\"2019-12-31\"}");
	ck_assert_str_eq(harness_str(g, "recognised"), "disclosed-memo");
	json_decref(g);
	json_drop(ok(f.c, fund_inkind_add,
		     "{\"donor\":\"unog\",\"kind\":\"goods\",\"description\":\"Conference"
		     " supplies\",\"amount\":\"1500.00\",\"currency\":\"CHF\",\"period_start\":"
		     "\"2019-03-01\",\"period_end\":\"2019-03-31\"}"));
	harness_expect_balances(f.c, balances, HARNESS_N(balances));
	harness_expect_value(f.c, "SELECT string_agg(e.date::text, ',' ORDER BY e.sequence) FROM entries e",
	       "2019-12-31,2019-03-31");
	ck_assert_int_eq(fund_inkind_list(&list, f.c, 0, LIMIT_LIST_ROWS), 0);
	ck_assert_int_eq(json_array_size(json_object_get(list, "in_kind")), 2);
	ck_assert_str_eq(harness_str(json_array_get(json_object_get(list, "in_kind"), 1),
				     "recognised"),
			 "revenue-and-expense");
	json_decref(list);
	harness_expect_trial_balance_zero(f.c);
	fx_close(&f);
}
END_TEST

/* --- donors in USD ------------------------------------------------------------------------ */

START_TEST(test_fund_donors__ordered_by_usd_at_the_rates_of_receipt_months)
{
	struct fx f;
	json_t *list, *d;
	long long p;

	fx_open(&f);
	rates_import(f.c, DATA "rates-2019.csv");
	json_drop(donor_add(f.c, "{\"id\":\"che\",\"name\":\"Government of Switzerland\","
				 "\"org_type\":\"10\",\"country\":\"CHE\"}"));
	json_drop(donor_add(f.c, "{\"id\":\"cisco\",\"name\":\"Cisco\",\"org_type\":\"70\","
				 "\"country\":\"USA\"}"));
	json_drop(donor_add(f.c, "{\"id\":\"ec\",\"name\":\"European Commission\","
				 "\"org_type\":\"40\"}"));
	json_drop(donor_add(f.c, "{\"id\":\"fin\",\"name\":\"Government of Finland\","
				 "\"org_type\":\"10\",\"country\":\"FIN\"}"));
	/* Finland: 500,000.00 EUR instructed in February (1.149): 574,500.00 USD,
	 * though the bank kept 10.00 of it. */
	p = pledge_signed(f.c, "fin", "500000.00", "EUR", "none", "FI-1", "2019-01-02");
	json_drop(receipt(f.c, "{\"pledge\":%lld,\"date\":\"2019-02-14\",\"bank_account\":"
			       "\"1010-EUR\",\"amount\":\"499990.00\",\"instructed_amount\":"
			       "\"500000.00\"}", p));
	/* The EC: 400,000.00 EUR in January (1.142): 456,800.00 USD. */
	p = pledge_signed(f.c, "ec", "400000.00", "EUR", "none", "EC-1", "2019-01-02");
	json_drop(receipt(f.c, "{\"pledge\":%lld,\"date\":\"2019-01-20\",\"bank_account\":"
			       "\"1010-EUR\",\"amount\":\"400000.00\"}", p));
	/* Switzerland: more in its own currency, less in USD: 450,000.00 CHF in
	 * March (1.005) = 452,250.00, plus 333.33 CHF in January (1.013) =
	 * 337.663... = 337.66 USD. */
	p = pledge_signed(f.c, "che", "460000.00", "CHF", "none", "CH-1", "2019-01-02");
	json_drop(receipt(f.c, "{\"pledge\":%lld,\"date\":\"2019-03-05\",\"bank_account\":"
			       "\"1010-CHF\",\"amount\":\"450000.00\"}", p));
	json_drop(receipt(f.c, "{\"pledge\":%lld,\"date\":\"2019-01-31\",\"bank_account\":"
			       "\"1010-CHF\",\"amount\":\"333.33\"}", p));
	json_drop(ok(f.c, fund_inkind_add,
		     "{\"donor\":\"cisco\",\"kind\":\"service\",\"description\":\"WebEx\","
		     "\"amount\":\"24000.00\",\"currency\":\"USD\",\"period_start\":\"2019-01-01\","
		     "\"period_end\":\"2019-12-31\"}"));
	ck_assert_msg(fund_donors_list(&list, f.c) == 0, "%s", err_last());
	ck_assert_int_eq(json_array_size(list), 4);
	ck_assert_str_eq(harness_str(json_array_get(list, 0), "id"), "fin");
	ck_assert_str_eq(harness_str(json_array_get(list, 0), "given_usd"), "574500.00");
	ck_assert_str_eq(harness_str(json_array_get(list, 1), "id"), "ec");
	ck_assert_str_eq(harness_str(json_array_get(list, 1), "given_usd"), "456800.00");
	d = json_array_get(list, 2);
	ck_assert_str_eq(harness_str(d, "id"), "che");
	ck_assert_str_eq(harness_str(d, "given_usd"), "452587.66");
	ck_assert_int_eq(json_array_size(json_object_get(d, "rates")), 2);
	ck_assert_str_eq(harness_str(json_array_get(json_object_get(d, "rates"), 0), "month"), "2019-03");
	ck_assert_str_eq(harness_str(json_array_get(json_object_get(d, "rates"), 0), "usd_per_unit"),
			 "1.005");
	ck_assert_str_eq(harness_str(json_array_get(list, 3), "id"), "cisco");
	ck_assert_str_eq(harness_str(json_array_get(list, 3), "given_usd"), "0.00");
	ck_assert(json_is_null(json_object_get(json_array_get(list, 1), "country")));
	json_decref(list);
	fx_close(&f);
}
END_TEST

START_TEST(test_fund_donors__missing_rate_names_currency_and_month)
{
	struct fx f;
	json_t *list = NULL;
	long long p;
	int rc;

	fx_open(&f);
	rates_import(f.c, DATA "rates-2019.csv"); /* no CHF for February */
	json_drop(donor_add(f.c, "{\"id\":\"che\",\"name\":\"Switzerland\",\"org_type\":\"10\","
				 "\"country\":\"CHE\"}"));
	p = pledge_signed(f.c, "che", "1000.00", "CHF", "none", "CH-2", "2019-01-02");
	json_drop(receipt(f.c, "{\"pledge\":%lld,\"date\":\"2019-02-11\",\"bank_account\":"
			       "\"1010-CHF\",\"amount\":\"1000.00\"}", p));
	rc = fund_donors_list(&list, f.c);
	ck_assert_int_eq(rc, ERR_INVALID);
	ck_assert_str_eq(err_code_name(err_code_of(ERR_INVALID)), "missing-rate");
	/* the wording of fund_rates_missing_error (fund/usd.h), every pair listed */
	ck_assert_msg(strstr(err_last(), "no UN operational rate for CHF 2019-02"), "%s",
		      err_last());
	ck_assert_ptr_null(list);
	fx_close(&f);
}
END_TEST

/* --- travel -------------------------------------------------------------------------------- */

/* Posts a travel obligation or expense as the travel module will. */
static void post_travel(PGconn *c, const char *date, const char *memo, const char *const *acct,
			const bool *debit, const long long *amount, size_t n)
{
	struct ledger_entry e = {0};

	snprintf(e.date, sizeof(e.date), "%s", date);
	e.memo = strdup(memo);
	e.reference = strdup("travel");
	e.postings = calloc(n, sizeof(*e.postings));
	e.n_postings = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(e.postings[i].account, sizeof(e.postings[i].account), "%s", acct[i]);
		e.postings[i].debit = debit[i];
		e.postings[i].amount_minor = amount[i];
		snprintf(e.postings[i].currency, sizeof(e.postings[i].currency), "EUR");
	}
	ck_assert_int_eq(db_exec_sql(c, "BEGIN"), 0);
	ck_assert_msg(fund_append(c, &e, &who, "travel.test") == 0, "%s",
		      err_last());
	ck_assert_int_eq(db_exec_sql(c, "COMMIT"), 0);
	ledger_entry_free(&e);
}

static json_t *available(PGconn *c, const char *as_of)
{
	json_t *out = NULL;

	ck_assert_msg(fund_travel_available(&out, c, as_of) == 0, "%s", err_last());
	return out;
}

START_TEST(test_fund_travel__available_as_of_a_date)
{
	static const char *const oblig[] = {"8100-EUR", "8190-EUR"};
	static const char *const spend[] = {"5200-EUR", "1010-EUR", "8190-EUR", "8100-EUR"};
	struct fx f;
	json_t *a, *eur;
	long long p;

	fx_open(&f);
	rates_import(f.c, DATA "rates-2019.csv");
	json_drop(donor_add(f.c, "{\"id\":\"fin\",\"name\":\"Finland\",\"org_type\":\"10\","
				 "\"country\":\"FIN\"}"));
	p = pledge_signed(f.c, "fin", "60000.00", "EUR", "travel", "FI-TRAVEL", "2019-01-10");
	/* An unearmarked pledge's receipt is no travel money. */
	json_drop(receipt(f.c, "{\"pledge\":%lld,\"date\":\"2019-02-01\",\"bank_account\":"
			       "\"1010-EUR\",\"amount\":\"60000.00\"}", p));
	p = pledge_signed(f.c, "fin", "9000.00", "EUR", "none", "FI-CORE", "2019-01-10");
	json_drop(receipt(f.c, "{\"pledge\":%lld,\"date\":\"2019-02-01\",\"bank_account\":"
			       "\"1010-EUR\",\"amount\":\"9000.00\"}", p));
	harness_expect_balance(f.c, "1210-EUR", "0");
	post_travel(f.c, "2019-03-01", "obligation: MAG travel", oblig, (const bool[]){true, false},
		    (const long long[]){1500000, 1500000}, 2);
	post_travel(f.c, "2019-04-02", "tickets, obligation liquidated", spend,
		    (const bool[]){true, false, true, false},
		    (const long long[]){400000, 400000, 400000, 400000}, 4);

	a = available(f.c, "2019-01-31");
	ck_assert_int_eq(json_array_size(json_object_get(a, "currencies")), 0);
	ck_assert_str_eq(harness_str(a, "available_usd"), "0.00");
	json_decref(a);

	a = available(f.c, "2019-02-28");
	eur = json_array_get(json_object_get(a, "currencies"), 0);
	ck_assert_str_eq(harness_str(eur, "funds"), "60000.00");
	ck_assert_str_eq(harness_str(eur, "available"), "60000.00");
	ck_assert_str_eq(harness_str(json_object_get(eur, "usd"), "usd_per_unit"), "1.149");
	ck_assert_str_eq(harness_str(a, "available_usd"), "68940.00");
	json_decref(a);

	a = available(f.c, "2019-03-31");
	eur = json_array_get(json_object_get(a, "currencies"), 0);
	ck_assert_str_eq(harness_str(eur, "obligations"), "15000.00");
	ck_assert_str_eq(harness_str(eur, "available"), "45000.00");
	ck_assert_str_eq(harness_str(a, "available_usd"), "50895.00");
	json_decref(a);

	/* April has no rate yet: refused, naming it. */
	a = NULL;
	ck_assert_int_eq(fund_travel_available(&a, f.c, "2019-04-30"), ERR_INVALID);
	ck_assert_str_eq(err_code_name(err_code_of(ERR_INVALID)), "missing-rate");
	ck_assert_msg(strstr(err_last(), "no UN operational rate for EUR 2019-04"), "%s",
		      err_last());
	ck_assert_ptr_null(a);
	rates_import(f.c, DATA "rates-2019-04.csv");
	a = available(f.c, "2019-04-30");
	eur = json_array_get(json_object_get(a, "currencies"), 0);
	ck_assert_str_eq(harness_str(eur, "obligations"), "11000.00");
	ck_assert_str_eq(harness_str(eur, "spent"), "4000.00");
	ck_assert_str_eq(harness_str(eur, "available"), "45000.00");
	ck_assert_str_eq(harness_str(json_object_get(eur, "usd"), "usd_per_unit"), "1.124");
	ck_assert_str_eq(harness_str(a, "available_usd"), "50580.00");
	json_decref(a);
	fx_close_verified(&f, 6);
}
END_TEST

/* --- bad input: refused, field named, nothing stored -------------------------------------- */

static const struct bad_case {
	const char *what;
	op_fn op;
	const char *body, *code, *message;
} bad_cases[] = {
	{"unknown donor", fund_pledge_add,
	 "{\"donor\":\"nobody\",\"date\":\"2019-01-10\",\"amount\":\"10.00\",\"currency\":\"EUR\"}",
	 "not-found", "donor: no donor nobody"},
	{"unknown currency", fund_pledge_add,
	 "{\"donor\":\"fin\",\"date\":\"2019-01-10\",\"amount\":\"10.00\",\"currency\":\"XYZ\"}",
	 "invalid-field", "currency: not an ISO 4217 currency: XYZ"},
	/* a currency without books gets them with its first pledge (test_reval.c) */
	{"currency in lower case", fund_pledge_add,
	 "{\"donor\":\"fin\",\"date\":\"2019-01-10\",\"amount\":\"10.00\",\"currency\":\"gbp\"}",
	 "invalid-field", "currency: not an ISO 4217 currency: gbp"},
	{"amount digits", fund_pledge_add,
	 "{\"donor\":\"fin\",\"date\":\"2019-01-10\",\"amount\":\"10.5\",\"currency\":\"EUR\"}",
	 "invalid-field", "amount"},
	{"bad date", fund_pledge_add,
	 "{\"donor\":\"fin\",\"date\":\"2019-02-30\",\"amount\":\"10.00\",\"currency\":\"EUR\"}",
	 "invalid-field", "date: expected a date"},
	{"unknown field", fund_pledge_add,
	 "{\"donor\":\"fin\",\"date\":\"2019-01-10\",\"amount\":\"10.00\",\"currency\":\"EUR\","
	 "\"colour\":\"red\"}", "invalid-field", "colour: unknown field"},
	{"bad earmark", fund_pledge_add,
	 "{\"donor\":\"fin\",\"date\":\"2019-01-10\",\"amount\":\"10.00\",\"currency\":\"EUR\","
	 "\"earmark\":\"parties\"}", "invalid-field", "earmark: expected none or travel"},
	{"bad org type", fund_donor_add,
	 "{\"id\":\"x\",\"name\":\"X\",\"org_type\":\"12\"}", "invalid-field",
	 "org_type: not an IATI OrganisationType code"},
	{"bad country", fund_donor_add,
	 "{\"id\":\"x\",\"name\":\"X\",\"org_type\":\"10\",\"country\":\"XXA\"}",
	 "invalid-field", "country: not an ISO 3166-1 alpha-3 code: XXA"},
	{"duplicate donor", fund_donor_add,
	 "{\"id\":\"fin\",\"name\":\"Finland again\",\"org_type\":\"10\"}", "conflict",
	 "id: a donor 'fin' exists"},
	{"unknown donor in kind", fund_inkind_add,
	 "{\"donor\":\"icann\",\"kind\":\"service\",\"description\":\"transcription\","
	 "\"amount\":\"900.00\",\"currency\":\"USD\",\"period_start\":\"2019-01-01\","
	 "\"period_end\":\"2019-01-31\"}", "not-found", "donor: no donor icann"},
	{"in-kind kind", fund_inkind_add,
	 "{\"donor\":\"fin\",\"kind\":\"cash\",\"description\":\"x\",\"amount\":\"900.00\","
	 "\"currency\":\"USD\",\"period_start\":\"2019-01-01\",\"period_end\":\"2019-01-31\"}",
	 "invalid-field", "kind: expected service or goods"},
	{"receipt above open", fund_receipt_add,
	 "{\"pledge\":2,\"date\":\"2019-02-01\",\"bank_account\":\"1010-EUR\","
	 "\"amount\":\"1000.01\"}", "over-payment", "instructed_amount: 1000.01 EUR is above"
	 " the 1000.00 EUR open on pledge 2"},
	/* null is not an absent field for any reader of the kit, booleans too (issue 16) */
	{"allow_overpayment null is refused", fund_receipt_add,
	 "{\"pledge\":2,\"date\":\"2019-02-01\",\"bank_account\":\"1010-EUR\","
	 "\"amount\":\"1000.01\",\"allow_overpayment\":null}", "invalid-field",
	 "allow_overpayment: null is not a value here"},
	{"zero charges refused (an Amount is > 0)", fund_receipt_add,
	 "{\"pledge\":2,\"date\":\"2019-02-01\",\"bank_account\":\"1010-USD\","
	 "\"amount\":\"10.00\",\"instructed_amount\":\"9.00\",\"charges\":\"0.00\"}",
	 "invalid-field", "charges"},
	{"receipt on indicative pledge", fund_receipt_add,
	 "{\"pledge\":1,\"date\":\"2019-02-01\",\"bank_account\":\"1010-EUR\","
	 "\"amount\":\"10.00\"}", "conflict", "pledge: 1 is indicative"},
	{"receipt unknown pledge", fund_receipt_add,
	 "{\"pledge\":99,\"date\":\"2019-02-01\",\"bank_account\":\"1010-EUR\","
	 "\"amount\":\"10.00\"}", "not-found", "pledge: no pledge 99"},
	{"receipt unknown bank", fund_receipt_add,
	 "{\"pledge\":2,\"date\":\"2019-02-01\",\"bank_account\":\"1010-JPY\","
	 "\"amount\":\"10\"}", "unknown-account", "bank_account: no account '1010-JPY'"},
	{"receipt not into a bank", fund_receipt_add,
	 "{\"pledge\":2,\"date\":\"2019-02-01\",\"bank_account\":\"5100-EUR\","
	 "\"amount\":\"10.00\"}", "invalid-field", "bank_account: not a bank account"},
	{"instructed below booked", fund_receipt_add,
	 "{\"pledge\":2,\"date\":\"2019-02-01\",\"bank_account\":\"1010-EUR\","
	 "\"amount\":\"10.00\",\"instructed_amount\":\"9.00\"}", "invalid-field",
	 "instructed_amount: below the amount booked"},
	{"cross currency without instructed", fund_receipt_add,
	 "{\"pledge\":2,\"date\":\"2019-02-01\",\"bank_account\":\"1010-USD\","
	 "\"amount\":\"10.00\"}", "invalid-field", "instructed_amount: required"},
};

START_TEST(test_fund_bad_input__refused_naming_the_field_nothing_stored)
{
	const struct bad_case *b = &bad_cases[_i];
	struct fx f;
	int want_rc;
	char *before;

	fx_open(&f);
	json_drop(donor_add(f.c, "{\"id\":\"fin\",\"name\":\"Finland\",\"org_type\":\"10\","
				 "\"country\":\"FIN\"}"));
	json_drop(ok(f.c, fund_pledge_add, "{\"donor\":\"fin\",\"date\":\"2019-01-10\","
						 "\"amount\":\"10.00\",\"currency\":\"EUR\"}"));
	(void)pledge_signed(f.c, "fin", "1000.00", "EUR", "none", "FI-BAD", "2019-01-10");
	before = snapshot(f.c);
	want_rc = strcmp(b->code, "conflict") == 0  ? ERR_CONFLICT
		  : strcmp(b->code, "not-found") == 0 ? ERR_NOTFOUND
						      : ERR_INVALID;
	refused(f.c, b->op, b->body, want_rc, b->code, b->message);
	expect_unchanged(f.c, before);
	free(before);
	harness_expect_verified(f.c, 1);
	fx_close(&f);
}
END_TEST

/* --- the database defends itself ---------------------------------------------------------- */

START_TEST(test_fund_db__refuses_what_the_code_refuses)
{
	struct fx f;
	long long p;

	fx_open(&f); /* works as tfledger_daemon */
	json_drop(donor_add(f.c, "{\"id\":\"fin\",\"name\":\"Finland\",\"org_type\":\"10\"}"));
	p = pledge_signed(f.c, "fin", "100.00", "EUR", "none", "FI-DB", "2019-01-10");
	json_drop(receipt(f.c, "{\"pledge\":%lld,\"date\":\"2019-02-01\",\"bank_account\":"
			       "\"1010-EUR\",\"amount\":\"90.00\",\"instructed_amount\":\"100.00\"}",
			  p));
	harness_sql_refused(f.c, "UPDATE receipts SET amount_minor = 1", "permission denied");
	harness_sql_refused(f.c, "DELETE FROM donors", "permission denied");
	harness_sql_refused(f.c, "DELETE FROM exchange_rates", "permission denied");
	harness_sql_refused(f.c, "UPDATE pledges SET donor = 'x'", "permission denied");
	harness_sql_refused(f.c, "INSERT INTO pledges (donor, status, pledged_on, amount_minor, currency)"
			 " VALUES ('fin', 'signed', '2019-01-01', 1, 'EUR')", "check constraint");
	harness_sql_refused(f.c, "INSERT INTO inkind_gifts (donor, kind, description, amount_minor,"
			 " currency, period_start, period_end, entry_id) VALUES ('fin', 'service',"
			 " 'x', 1, 'USD', '2019-01-01', '2019-01-01',"
			 " '00000000-0000-4000-8000-000000000000')", "is not in the journal");
	harness_sql_refused(f.c, "INSERT INTO exchange_rates (currency, month, usd_mantissa, usd_scale)"
			 " VALUES ('EUR', '2019-13', 1, 0)", "check constraint");
	harness_sql_refused(f.c, "INSERT INTO receipts (pledge, received_on, bank_account, amount_minor,"
			 " currency, charges_minor, instructed_minor, instructed_currency,"
			 " settled_minor, advance_minor, entry_id) SELECT pledge, received_on,"
			 " bank_account, amount_minor, currency, 0, instructed_minor,"
			 " instructed_currency, settled_minor, 0, entry_id FROM receipts",
		    "check constraint");
	fx_close(&f);
}
END_TEST

/* --- CLI ----------------------------------------------------------------------------------- */

static void cli_ok(const struct cli_env *e, const char *const *args)
{
	char *err = NULL;
	int rc = cli_on(NULL, &err, &e->d, e->finance, args);

	ck_assert_msg(rc == 0, "%s %s: exit %d: %s", args[0], args[1], rc, err);
	free(err);
}

START_TEST(test_fund_cli__rates_file_with_a_bad_line_stores_nothing)
{
	struct cli_env e;
	char db[LIMIT_CONNINFO_BYTES], *err = NULL, *before;
	PGconn *c;

	harness_new_db(db, sizeof(db));
	cli_env_open(&e, db);
	c = harness_connect(db);
	cli_ok(&e, (const char *const[]){"fund", "init", NULL});
	before = snapshot(c);
	ck_assert_int_eq(cli_on(NULL, &err, &e.d, e.finance,
			     (const char *const[]){"rates", "import", DATA "rates-bad.csv", NULL}),
			 1);
	ck_assert_msg(strstr(err, "rates-bad.csv:4: column 3 (usd_per_unit)"), "%s", err);
	free(err);
	expect_unchanged(c, before);
	ck_assert_int_eq(cli_on(NULL, &err, &e.d, e.finance,
			     (const char *const[]){"rates", "import", DATA "rates-bad-month.csv",
						   NULL}),
			 1);
	ck_assert_msg(strstr(err, "rates-bad-month.csv:3: column 2 (month): expected YYYY-MM,"
				  " got 2019-13"), "%s", err);
	free(err);
	expect_unchanged(c, before);
	free(before);
	/* A stored rate may be repeated but not changed. */
	cli_ok(&e, (const char *const[]){"rates", "import", DATA "rates-2019.csv", NULL});
	harness_expect_value(c, "SELECT count(*) FROM exchange_rates", "5");
	harness_expect_value(c, "SELECT usd_mantissa || 'e-' || usd_scale FROM exchange_rates"
		  " WHERE currency = 'EUR' AND month = '2019-01'", "1142e-3");
	before = snapshot(c);
	ck_assert_int_eq(cli_on(NULL, &err, &e.d, e.finance,
			     (const char *const[]){"rates", "import", DATA "rates-conflict.csv",
						   NULL}),
			 1);
	ck_assert_msg(strstr(err, "rates-conflict.csv:3: column 3 (usd_per_unit): differs"), "%s",
		      err);
	free(err);
	expect_unchanged(c, before);
	free(before);
	cli_env_close(&e);
	PQfinish(c);
}
END_TEST

START_TEST(test_fund_cli__mixed_sequence_balances_and_verifies)
{
	/* refused through the binary: exit 1, the message holds want (and want2) */
	static const struct {
		const char *args[12];
		const char *want, *want2;
	} bad[] = {
		{{"pledges", "add", "--donor", "nobody", "--date", "2019-01-08", "--amount", "1.00",
		  "--currency", "EUR", NULL},
		 "donor: no donor nobody", NULL},
		{{"pledges", "add", "--donor", "fin", "--date", "2019-01-08", "--amount", "1.00",
		  "--currency", "EUX", NULL},
		 "currency: not an ISO 4217 currency: EUX", NULL},
		{{"receipts", "add", "--pledge", "1", "--date", "2019-03-02", "--bank-account",
		  "1010-EUR", "--amount", "0.01", NULL},
		 "instructed_amount", "over-payment"},
	};
	/* signature, two receipts (the second's realised gain: 28,300.00 USD
	 * booked for 25,000.00 EUR = 28,275.00 USD at March's 1.131), in kind */
	static const struct harness_balance balances[] = {
		{"1210-EUR", "0"},        {"2100-EUR", "-500000"}, {"3900-EUR", "2500000"},
		{"3900-USD", "-2827500"}, {"8200-EUR", "12000000"}, {"5100-EUR", "1500"},
		{"4910-USD", "-2500"},
	};
	struct cli_env e;
	char db[LIMIT_CONNINFO_BYTES], *out = NULL, *err = NULL, *before;
	json_t *j;
	PGconn *c;

	harness_new_db(db, sizeof(db));
	cli_env_open(&e, db);
	c = harness_connect(db);
	cli_ok(&e, (const char *const[]){"fund", "init", NULL});
	cli_ok(&e, (const char *const[]){"rates", "import", DATA "rates-2019.csv", NULL});
	cli_ok(&e, (const char *const[]){"donors", "add", "--id", "fin", "--name",
					 "Government of Finland", "--org-type", "10", "--country",
					 "FIN", NULL});
	cli_ok(&e, (const char *const[]){"donors", "add", "--id", "icann", "--name", "ICANN",
					 "--org-type", "21", "--country", "USA", NULL});
	cli_ok(&e, (const char *const[]){"pledges", "add", "--donor", "fin", "--date",
					 "2019-01-08", "--amount", "120000.00", "--currency", "EUR",
					 "--earmark", "travel", NULL});
	cli_ok(&e, (const char *const[]){"pledges", "sign", "1", "--agreement", "FI-2019-T",
					 "--date", "2019-01-15", NULL});
	cli_ok(&e, (const char *const[]){"receipts", "add", "--pledge", "1", "--date",
					 "2019-02-01", "--bank-account", "1010-EUR", "--amount",
					 "99985.00", "--instructed-amount", "100000.00", NULL});
	cli_ok(&e, (const char *const[]){"receipts", "add", "--pledge", "1", "--date",
					 "2019-03-01", "--bank-account", "1010-USD", "--amount",
					 "28300.00", "--instructed-amount", "25000.00",
					 "--allow-overpayment", NULL});
	cli_ok(&e, (const char *const[]){"in-kind", "add", "--donor", "icann", "--kind", "service",
					 "--description", "MAG meeting transcription",
					 "--amount", "8000.00", "--currency", "USD",
					 "--period-start", "2019-01-29", "--period-end",
					 "2019-01-31", NULL});
	/* The bad-input cases through the binary: exit 1, field named, nothing stored. */
	before = snapshot(c);
	for (size_t i = 0; i < HARNESS_N(bad); i++) {
		ck_assert_int_eq(cli_on(NULL, &err, &e.d, e.finance, bad[i].args), 1);
		ck_assert_msg(strstr(err, bad[i].want) && (!bad[i].want2 || strstr(err, bad[i].want2)),
			      "%s", err);
		free(err);
	}
	expect_unchanged(c, before);
	free(before);

	/* Entries: signature, two receipts, a realised gain, in kind. */
	harness_expect_value(c, "SELECT count(*) FROM entries", "5");
	harness_expect_balances(c, balances, HARNESS_N(balances));
	harness_expect_trial_balance_zero(c);
	ck_assert_int_eq(ledger_store_setup_owner(c), 0);
	harness_expect_verified(c, 5);
	expect_audit(c, "action IN ('donor.add', 'pledge.add', 'pledge.sign', 'receipt.add',"
			" 'inkind.add', 'rates.import')", "8");
	expect_audit(c, "action = 'entry.post'", "5");
	harness_expect_value(c, "SELECT count(DISTINCT token_id) FROM entries", "1");

	/* The journal verifies through the real binary too. */
	cli_ok(&e, (const char *const[]){"verify", NULL});

	/* Lists for scripts. */
	ck_assert_int_eq(cli_on(&out, &err, &e.d, e.finance,
			     (const char *const[]){"receipts", "list", "--format", "json", NULL}),
			 0);
	j = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(j);
	{
		json_t *r2 = json_array_get(json_object_get(j, "receipts"), 1);

		ck_assert_str_eq(harness_str(r2, "advance"), "5000.00");
		ck_assert_str_eq(harness_str(json_object_get(r2, "usd"), "amount"), "28275.00");
		ck_assert_str_eq(harness_str(json_object_get(r2, "usd"), "usd_per_unit"), "1.131");
	}
	json_decref(j);
	free(out);
	free(err);
	ck_assert_int_eq(cli_on(&out, &err, &e.d, e.finance, (const char *const[]){"donors", "list", NULL}), 0);
	ck_assert_msg(strstr(out, "GIVEN USD") && strstr(out, "143175.00"), "%s", out);
	ck_assert_msg(strstr(out, "fin") < strstr(out, "icann"), "%s", out);
	free(out);
	free(err);
	ck_assert_int_eq(cli_on(&out, &err, &e.d, e.finance,
			     (const char *const[]){"funds", "travel-available", "--as-of",
						   "2019-03-31", "--format", "json", NULL}),
			 0);
	j = json_loads(out, 0, NULL);
	ck_assert_str_eq(harness_str(j, "available_usd"), "135720.00");
	json_decref(j);
	free(out);
	free(err);
	cli_env_close(&e);
	PQfinish(c);
}
END_TEST

START_TEST(test_fund_reconcile__matches_once_suggests_and_leaves_the_rest)
{
	struct cli_env e;
	char db[LIMIT_CONNINFO_BYTES], *out = NULL, *err = NULL;
	const char *const rec[] = {"reconcile", "--bank-account", "1010-EUR",
				   "--statement-account", "CH9300762011623852957",
				   "--tolerance", "50.00", "--format", "json", NULL};
	json_t *j;
	PGconn *c;

	harness_new_db(db, sizeof(db));
	cli_env_open(&e, db);
	c = harness_connect(db);
	cli_ok(&e, (const char *const[]){"fund", "init", NULL});
	cli_ok(&e, (const char *const[]){"donors", "add", "--id", "fin", "--name", "Finland",
					 "--org-type", "10", "--country", "FIN", NULL});
	cli_ok(&e, (const char *const[]){"donors", "add", "--id", "isoc", "--name",
					 "Internet Society", "--org-type", "21", NULL});
	cli_ok(&e, (const char *const[]){"pledges", "add", "--donor", "fin", "--date", "2019-01-08",
					 "--amount", "1000.00", "--currency", "EUR", "--agreement",
					 "IGF-TF-2019-03", NULL});
	cli_ok(&e, (const char *const[]){"pledges", "add", "--donor", "isoc", "--date",
					 "2019-01-08", "--amount", "500.00", "--currency", "EUR",
					 "--agreement", "ISOC-2019", NULL});
	cli_ok(&e, (const char *const[]){"bank-statements", "import",
					 SRCDATADIR "/tests/data/camt/v02_basic.xml", NULL});
	for (int run = 0; run < 2; run++) {
		ck_assert_int_eq(cli_on(&out, &err, &e.d, e.finance, rec), 0);
		j = json_loads(out, 0, NULL);
		ck_assert_msg(j, "%s", out);
		ck_assert_int_eq(json_array_size(json_object_get(j, "matched")), 1);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 json_array_get(json_object_get(j, "matched"), 0), "pledge")), 1);
		ck_assert_int_eq(json_array_size(json_object_get(j, "suggested")), 1);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 json_array_get(json_object_get(j, "suggested"), 0), "pledge")), 2);
		ck_assert_int_eq(json_array_size(json_object_get(j, "unmatched")), 2);
		ck_assert_str_eq(harness_str(j, "bank_closing"), "11209.45");
		ck_assert_str_eq(harness_str(j, "ledger_balance"), "1000.00");
		ck_assert_str_eq(harness_str(j, "difference"), "10209.45");
		json_decref(j);
		free(out);
		free(err);
	}
	/* The matched line posted its receipt once, however often it ran. */
	harness_expect_value(c, "SELECT count(*) FROM receipts", "1");
	harness_expect_value(c, "SELECT count(*) FROM entries", "3");
	harness_expect_value(c, "SELECT string_agg(match_status, ',' ORDER BY id) FROM bank_lines",
	       "matched,suggested,unmatched,unmatched");
	harness_expect_value(c, "SELECT status FROM pledges WHERE id = 1", "paid");
	harness_expect_trial_balance_zero(c);
	cli_env_close(&e);
	PQfinish(c);
}
END_TEST

/* The one door: with $TFLEDGER_DATABASE pointing at no server at all and
 * no --database, the finance families still work through tfledgerd (and
 * without a token they say so rather than reach for a database). */
START_TEST(test_fund_cli__needs_no_database)
{
	char db[LIMIT_CONNINFO_BYTES], *out = NULL, *err = NULL;
	struct cli_env e;
	PGconn *c;

	harness_new_db(db, sizeof(db));
	cli_env_open(&e, db);
	ck_assert_int_eq(setenv("TFLEDGER_DATABASE", "host=/nonexistent/tfledger dbname=nowhere",
				1), 0);
	cli_ok(&e, (const char *const[]){"fund", "init", NULL});
	cli_ok(&e, (const char *const[]){"rates", "import", DATA "rates-2019.csv", NULL});
	cli_ok(&e, (const char *const[]){"donors", "add", "--id", "fin", "--name", "Finland",
					 "--org-type", "10", "--country", "FIN", NULL});
	cli_ok(&e, (const char *const[]){"pledges", "add", "--donor", "fin", "--date", "2019-01-08",
					 "--amount", "1000.00", "--currency", "EUR", "--agreement",
					 "IGF-TF-2019-03", NULL});
	cli_ok(&e, (const char *const[]){"bank-accounts", "link", "--iban",
					 "CH9300762011623852957", "--account", "1010-EUR", NULL});
	cli_ok(&e, (const char *const[]){"bank-statements", "import",
					 SRCDATADIR "/tests/data/camt/v02_basic.xml", NULL});
	cli_ok(&e, (const char *const[]){"reconcile", "--bank-account", "1010-EUR", NULL});
	cli_ok(&e, (const char *const[]){"allocations", "list", NULL});
	cli_ok(&e, (const char *const[]){"budgets", "list", NULL});
	cli_ok(&e, (const char *const[]){"revaluations", "list", NULL});
	ck_assert_int_eq(cli_on(&out, &err, &e.d, e.finance,
				(const char *const[]){"periods", "list", "--format", "json", NULL}),
			 0);
	ck_assert_msg(strstr(out, "\"2019-02\""), "%s", out);
	free(out);
	free(err);
	ck_assert_int_eq(cli_on(&out, &err, &e.d, e.finance,
				(const char *const[]){"pledges", "list", NULL}), 0);
	ck_assert_msg(strstr(out, "IGF-TF-2019-03") && strstr(out, "paid"), "%s", out);
	free(out);
	free(err);
	/* no token: refused, naming what is missing */
	{
		const char *argv[] = {harness_bin_tfledger(), "donors", "list", "--url", e.d.base,
				      NULL};

		ck_assert_int_eq(unsetenv("TFLEDGER_TOKEN"), 0);
		ck_assert_int_eq(harness_run(NULL, &err, NULL, argv), 1);
		ck_assert_msg(strstr(err, "no token") && strstr(err, "TFLEDGER_TOKEN"), "%s", err);
		free(err);
	}
	cli_env_close(&e);
	c = harness_connect(db);
	harness_expect_value(c, "SELECT count(*) FROM receipts", "1");
	harness_expect_value(c, "SELECT count(*) FROM audit WHERE action = 'donor.add'"
				" AND user_name = 'cli-finance'", "1");
	PQfinish(c);
}
END_TEST

START_TEST(test_fund_cli__usage_errors_exit_1)
{
	char *err = NULL;
	const char *argv1[] = {harness_bin_tfledger(), "pledges", "sign", NULL};
	const char *argv2[] = {harness_bin_tfledger(), "donors", "list", "--format", "xml", NULL};
	const char *argv3[] = {harness_bin_tfledger(), "rates", "frobnicate", "--url",
			       "http://127.0.0.1:1", NULL};

	ck_assert_int_eq(harness_run(NULL, &err, NULL, argv1), 1);
	ck_assert_msg(strstr(err, "pledge ID"), "%s", err);
	free(err);
	ck_assert_int_eq(harness_run(NULL, &err, NULL, argv2), 1);
	ck_assert_msg(strstr(err, "--format"), "%s", err);
	free(err);
	ck_assert_int_ne(harness_run(NULL, &err, NULL, argv3), 0);
	free(err);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test fund[] = {
		{test_fund_init__creates_the_chart_once_with_audit, 0},
		{test_fund_init__refuses_a_clashing_account, 0},
		{test_fund_pledge__indicative_makes_no_entry_signed_makes_receivable, 0},
		{test_fund_receipt__partial_with_charges_then_overpayment_to_advance, 0},
		{test_fund_receipt__underpayment_leaves_the_receivable_open, 0},
		{test_fund_receipt__across_currencies_balances_each_currency, 0},
		{test_fund_inkind__services_in_memo_goods_as_revenue, 0},
		{test_fund_donors__ordered_by_usd_at_the_rates_of_receipt_months, 0},
		{test_fund_donors__missing_rate_names_currency_and_month, 0},
		{test_fund_travel__available_as_of_a_date, 0},
		{test_fund_bad_input__refused_naming_the_field_nothing_stored, (int)HARNESS_N(bad_cases)},
		{test_fund_db__refuses_what_the_code_refuses, 0},
		{test_fund_cli__rates_file_with_a_bad_line_stores_nothing, 0},
		{test_fund_cli__mixed_sequence_balances_and_verifies, 0},
		{test_fund_reconcile__matches_once_suggests_and_leaves_the_rest, 0},
		{test_fund_cli__needs_no_database, 0},
		{test_fund_cli__usage_errors_exit_1, 0},
	};
	Suite *s = suite_create("fund");

	harness_add_tcase(s, "fund", NULL, NULL, 120, fund, HARNESS_N(fund));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
