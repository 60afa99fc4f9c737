/*
 * test_reval.c - month-end revaluation, rate corrections, realised
 * exchange differences, any ISO 4217 currency and missing rates listed
 * together (fund/reval.c, fund/fund.c, reports/trial.c, reports/fundkinds.c;
 * docs/controls.md "Month-end revaluation") against a fresh migrated
 * database per test: R(m) against figures worked out by hand in the test
 * to the cent, posted once, idempotent, reposted after a rate correction
 * (the old entry reversed), refused in a closed month; realised gain and
 * loss entries; the accounts of a new currency made by its first pledge;
 * every missing rate in one message. CLI paths run the real tfledger.
 */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/xml.h"
#include "fund/body.h"
#include "fund/fund.h"
#include "fund/reval.h"
#include "ledger/ledger.h"
#include "tests/harness/harness.h"
/* the daemon and its HTTP client; not every helper of it is used here */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "tests/integration/ledger_fixture.h"
#pragma GCC diagnostic pop

static const struct ledger_actor who = {LEDGER_FUND_CLI_TOKEN_ID, "tester", "finance",
					"test", NULL};

struct fx {
	char db[LIMIT_CONNINFO_BYTES];
	PGconn *c;
};

/* A fresh database with the chart (USD, EUR, CHF) and donor "ec". */
static void fx_open(struct fx *f)
{
	int created = 0;
	json_t *o;

	harness_new_db(f->db, sizeof(f->db));
	f->c = harness_connect(f->db);
	ck_assert_int_eq(ledger_store_setup(f->c), 0);
	ck_assert_int_eq(fund_setup(f->c), 0);
	ck_assert_msg(fund_init(&created, f->c, &who) == 0, "%s", err_last());
	o = harness_op_ok(f->c, fund_donor_add, &who,
			  "{\"id\":\"ec\",\"name\":\"European Commission\",\"org_type\":\"40\"}");
	json_decref(o);
}

static void fx_close(struct fx *f)
{
	harness_expect_trial_balance_zero(f->c);
	harness_expect_verified(f->c, -1);
	PQfinish(f->c);
}

/* Stores rates: a CSV text "currency,month,usd_per_unit\n...". */
static void rates(struct fx *f, const char *csv)
{
	json_t *out = NULL;

	ck_assert_msg(fund_rates_import_csv(&out, f->c, csv, strlen(csv), "rates", &who) == 0,
		      "%s", err_last());
	json_decref(out);
}

/* A pledge signed at once; returns its id. */
static long long pledge(struct fx *f, const char *date, const char *amount, const char *ccy,
			const char *agreement)
{
	json_t *o = harness_op_ok(f->c, fund_pledge_add, &who,
				  "{\"donor\":\"ec\",\"date\":\"%s\",\"amount\":\"%s\","
				  "\"currency\":\"%s\",\"agreement\":\"%s\"}",
				  date, amount, ccy, agreement);
	long long id = (long long)json_integer_value(json_object_get(o, "id"));

	json_decref(o);
	return id;
}

/* An expense paid from a bank account: Dr EXPENSE / Cr BANK, appended as
 * the fund's writes append (fund_append in one transaction). */
static void pay(struct fx *f, const char *date, const char *expense, const char *bank,
		const char *ccy, int64_t minor)
{
	struct ledger_entry e;
	char id[LEDGER_UUID_BYTES];

	ck_assert_int_eq(db_exec_sql(f->c, "BEGIN"), 0);
	ck_assert_int_eq(fund_body_entry_begin(&e, date, "Contractual services", "inv-1"), 0);
	fund_body_entry_add(&e, expense, ccy, true, minor);
	fund_body_entry_add(&e, bank, ccy, false, minor);
	ck_assert_msg(fund_body_entry_done(id, f->c, &e, &who, "entry.post") == 0, "%s",
		      err_last());
	ck_assert_int_eq(db_exec_sql(f->c, "COMMIT"), 0);
}

static const char *str(json_t *o, const char *key)
{
	return harness_str(o, key);
}

static json_t *revalue_ok(struct fx *f, const char *month)
{
	json_t *out = NULL;

	ck_assert_msg(fund_revalue(&out, f->c, month, &who) == 0, "%s: %s", month, err_last());
	return out;
}

static char *count(struct fx *f, const char *sql)
{
	return harness_query_value(f->c, sql);
}

/* --- R(m) by hand ---------------------------------------------------------------------- */

/*
 * EUR 2019-02 1.12, 2019-03 1.1537 (then corrected to 1.16).
 * February: pledge 1000.00 EUR signed (Dr 1200-EUR / Cr 4100-EUR), 400.00 EUR
 * received into 1010-EUR. NA(Jan) = 0; NA(Feb) = 600.00 x 1.12 + 400.00 x
 * 1.12 = 672.00 + 448.00 = 1120.00; S(Feb) = 1000.00 x 1.12 = 1120.00
 * (revenue); R(Feb) = 1120.00 - 0 - 1120.00 = 0.00: a row, no entry.
 * March: 300.00 EUR received, 50.00 EUR paid for services (5600-EUR), a USD
 * pledge of 500.00 signed (it adds 500.00 to NA and to S alike).
 * 1010-EUR 650.00, 1200-EUR 300.00, 1200-USD 500.00:
 *   NA(Mar) = 650.00 x 1.1537 = 749.905 -> 749.91, 300.00 x 1.1537 = 346.11,
 *             + 500.00 = 1596.02;
 *   S(Mar)  = 500.00 (4100-USD) - 50.00 x 1.1537 = 57.685 -> 57.69 = 442.31;
 *   R(Mar)  = 1596.02 - 1120.00 - 442.31 = 33.71 (a gain: the 1000.00 EUR
 *             held at the end of February, less what March paid at its rate).
 * After EUR 2019-03 is corrected to 1.16: NA(Mar) = 754.00 + 348.00 + 500.00
 * = 1602.00, S(Mar) = 500.00 - 58.00 = 442.00, R(Mar) = 1602.00 - 1120.00 -
 * 442.00 = 40.00.
 */
static void two_months(struct fx *f)
{
	long long p;
	json_t *o;

	rates(f, "currency,month,usd_per_unit\nEUR,2019-02,1.12\nEUR,2019-03,1.1537\n");
	p = pledge(f, "2019-02-05", "1000.00", "EUR", "EC-1");
	o = harness_op_ok(f->c, fund_receipt_add, &who,
			  "{\"pledge\":%lld,\"date\":\"2019-02-20\",\"bank_account\":\"1010-EUR\","
			  "\"amount\":\"400.00\"}", p);
	json_decref(o);
	o = harness_op_ok(f->c, fund_receipt_add, &who,
			  "{\"pledge\":%lld,\"date\":\"2019-03-10\",\"bank_account\":\"1010-EUR\","
			  "\"amount\":\"300.00\"}", p);
	json_decref(o);
	pay(f, "2019-03-15", "5600-EUR", "1010-EUR", "EUR", 5000);
	pledge(f, "2019-03-20", "500.00", "USD", "US-1");
}

START_TEST(test_revalue__equals_the_hand_computed_figure_posted_once)
{
	struct fx f;
	json_t *o;
	char *n;

	fx_open(&f);
	two_months(&f);
	o = revalue_ok(&f, "2019-02");
	ck_assert_str_eq(str(o, "status"), "posted");
	ck_assert_str_eq(str(o, "amount"), "0.00");
	ck_assert_str_eq(str(o, "na"), "1120.00");
	ck_assert_str_eq(str(o, "surplus"), "1120.00");
	ck_assert(json_is_null(json_object_get(o, "entry_id")));
	json_decref(o);

	o = revalue_ok(&f, "2019-03");
	ck_assert_str_eq(str(o, "status"), "posted");
	ck_assert_str_eq(str(o, "na"), "1596.02");
	ck_assert_str_eq(str(o, "na_before"), "1120.00");
	ck_assert_str_eq(str(o, "surplus"), "442.31");
	ck_assert_str_eq(str(o, "amount"), "33.71");
	ck_assert(json_is_string(json_object_get(o, "entry_id")));
	json_decref(o);
	harness_expect_balance(f.c, "4900-USD", "-3371");
	harness_expect_balance(f.c, "3900-USD", "3371");
	harness_expect_value(f.c, "SELECT date FROM entries WHERE memo LIKE 'Month-end%'",
			     "2019-03-31");
	harness_expect_value(f.c, "SELECT count(*) FROM audit"
				  " WHERE action = 'revaluation.post'", "2");

	/* idempotent: the same figure writes nothing */
	n = count(&f, "SELECT count(*) FROM entries");
	o = revalue_ok(&f, "2019-03");
	ck_assert_str_eq(str(o, "status"), "unchanged");
	ck_assert_str_eq(str(o, "amount"), "33.71");
	json_decref(o);
	harness_expect_value(f.c, "SELECT count(*) FROM entries", n);
	harness_expect_value(f.c, "SELECT count(*) FROM fund_revaluations", "2");
	free(n);

	/* check: current */
	ck_assert_int_eq(fund_revaluation_check(&o, f.c, "2019-03"), 0);
	ck_assert(json_is_true(json_object_get(o, "current")));
	ck_assert(json_is_true(json_object_get(o, "needed")));
	ck_assert_str_eq(str(o, "computed"), "33.71");
	ck_assert_str_eq(str(o, "posted"), "33.71");
	json_decref(o);
	fx_close(&f);
}
END_TEST

START_TEST(test_revalue__a_late_entry_reposts_a_rate_correction_reverses)
{
	struct fx f;
	json_t *o, *body, *rv;
	char *old_entry;

	fx_open(&f);
	two_months(&f);
	o = revalue_ok(&f, "2019-03");
	old_entry = strdup(str(o, "entry_id"));
	json_decref(o);

	/* the rate of March corrected: March reposted, its old entry reversed */
	o = harness_op_ok(f.c, fund_rate_correct, &who,
			  "{\"currency\":\"EUR\",\"month\":\"2019-03\",\"usd_per_unit\":\"1.16\","
			  "\"reason\":\"UN Treasury corrected the March rate\"}");
	ck_assert_str_eq(str(o, "old"), "1.1537");
	ck_assert_str_eq(str(o, "new"), "1.16");
	rv = json_array_get(json_object_get(o, "revaluations"), 0);
	ck_assert_ptr_nonnull(rv);
	ck_assert_str_eq(str(rv, "status"), "reposted");
	ck_assert_str_eq(str(rv, "amount"), "40.00");
	ck_assert_int_eq(json_array_size(json_object_get(o, "revaluations")), 1); /* no April */
	json_decref(o);
	harness_expect_value(f.c, "SELECT usd_mantissa || '/' || usd_scale FROM exchange_rates"
				  " WHERE currency = 'EUR' AND month = '2019-03'", "116/2");
	harness_expect_value(f.c, "SELECT old_mantissa || '/' || old_scale || ' '"
				  " || new_mantissa || '/' || new_scale || ' ' || corrected_by"
				  " FROM rate_corrections", "11537/4 116/2 tester");
	harness_expect_value(f.c, "SELECT count(*) FROM audit WHERE action = 'rate.correct'",
			     "1");
	{
		char sql[256];

		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM entries WHERE reverses = '%s' AND date = '2019-03-31'",
			 old_entry);
		harness_expect_value(f.c, sql, "1");
		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM fund_revaluations WHERE entry_id = '%s'"
			 " AND superseded_at IS NOT NULL AND reversal_entry_id IS NOT NULL",
			 old_entry);
		harness_expect_value(f.c, sql, "1");
	}
	harness_expect_balance(f.c, "4900-USD", "-4000");
	harness_expect_value(f.c, "SELECT count(*) FROM fund_revaluations"
				  " WHERE superseded_at IS NULL", "1");

	/* a payment in March moves NA(Mar) and S(Mar) alike: R unchanged */
	pay(&f, "2019-03-28", "5600-EUR", "1010-EUR", "EUR", 1000);
	o = revalue_ok(&f, "2019-03");
	ck_assert_str_eq(str(o, "status"), "unchanged");
	ck_assert_str_eq(str(o, "amount"), "40.00");
	json_decref(o);
	/* a late entry in February (open): 100.00 EUR paid on 2019-02-25.
	 * 1010-EUR 300.00 at the end of February, 540.00 at the end of March:
	 * NA(Feb) = 300.00 x 1.12 + 672.00 = 336.00 + 672.00 = 1008.00,
	 * NA(Mar) = 540.00 x 1.16 + 348.00 + 500.00 = 626.40 + 848.00 = 1474.40,
	 * S(Mar) = 500.00 - 60.00 x 1.16 = 500.00 - 69.60 = 430.40:
	 * R(Mar) = 1474.40 - 1008.00 - 430.40 = 36.00: reposted */
	pay(&f, "2019-02-25", "5600-EUR", "1010-EUR", "EUR", 10000);
	o = revalue_ok(&f, "2019-03");
	ck_assert_str_eq(str(o, "status"), "reposted");
	ck_assert_str_eq(str(o, "amount"), "36.00");
	ck_assert(json_is_string(json_object_get(o, "reversed_entry_id")));
	json_decref(o);
	/* the February rate corrected, 1.12 -> 1.125: NA(Feb) = 300.00 x 1.125
	 * + 600.00 x 1.125 = 337.50 + 675.00 = 1012.50, so March again:
	 * R(Mar) = 1474.40 - 1012.50 - 430.40 = 31.50 (February has no
	 * revaluation posted: only March is redone) */
	body = json_pack("{s:s, s:s, s:s, s:s}", "currency", "EUR", "month", "2019-02",
			 "usd_per_unit", "1.125", "reason", "corrected");
	ck_assert_msg(fund_rate_correct(&o, f.c, body, &who) == 0, "%s", err_last());
	json_decref(body);
	ck_assert_int_eq(json_array_size(json_object_get(o, "revaluations")), 1);
	rv = json_array_get(json_object_get(o, "revaluations"), 0);
	ck_assert_str_eq(str(rv, "month"), "2019-03");
	ck_assert_str_eq(str(rv, "status"), "reposted");
	ck_assert_str_eq(str(rv, "amount"), "31.50");
	json_decref(o);
	harness_expect_balance(f.c, "4900-USD", "-3150");
	harness_expect_value(f.c, "SELECT count(*) FROM fund_revaluations", "4");
	harness_expect_value(f.c, "SELECT count(*) FROM entries e JOIN fund_revaluations r"
				  " ON r.reversal_entry_id = e.id", "3");
	free(old_entry);
	fx_close(&f);
}
END_TEST

START_TEST(test_revalue__refused_in_a_closed_month_nothing_stored)
{
	struct fx f;
	json_t *o = NULL, *body;
	char *n;

	fx_open(&f);
	two_months(&f);
	o = revalue_ok(&f, "2019-03");
	json_decref(o);
	/* closed as the ledger records it (fund_period_close would first ask
	 * for March's programme support costs: test_close covers that) */
	free(harness_query_value(f.c, "INSERT INTO closed_periods (month, token_id)"
				      " VALUES ('2019-03-01', '0000000000000000') RETURNING 1"));
	n = count(&f, "SELECT count(*) FROM entries");
	ck_assert_int_eq(fund_revalue(&o, f.c, "2019-03", &who), ERR_INVALID);
	ck_assert_str_eq(err_code_name(err_code_of(ERR_INVALID)), "period-closed");
	ck_assert_msg(strstr(err_last(), "2019-03 is closed"), "%s", err_last());
	ck_assert_ptr_null(o);
	/* a correction of March, or of February (March's NA(m-1)), is refused */
	body = json_pack("{s:s, s:s, s:s, s:s}", "currency", "EUR", "month", "2019-02",
			 "usd_per_unit", "1.2", "reason", "x");
	ck_assert_int_eq(fund_rate_correct(&o, f.c, body, &who), ERR_INVALID);
	ck_assert_str_eq(err_code_name(err_code_of(ERR_INVALID)), "period-closed");
	json_decref(body);
	harness_expect_value(f.c, "SELECT count(*) FROM entries", n);
	harness_expect_value(f.c, "SELECT count(*) FROM rate_corrections", "0");
	harness_expect_value(f.c, "SELECT usd_mantissa FROM exchange_rates"
				  " WHERE currency = 'EUR' AND month = '2019-02'", "112");
	free(n);
	/* bad input: month, rate, unknown rate, same rate */
	harness_op_refused(f.c, fund_rate_correct, &who,
			   "{\"currency\":\"EUR\",\"month\":\"2019-13\",\"usd_per_unit\":\"1\","
			   "\"reason\":\"x\"}", ERR_INVALID, "invalid-field", "month:");
	harness_op_refused(f.c, fund_rate_correct, &who,
			   "{\"currency\":\"EUR\",\"month\":\"2019-04\",\"usd_per_unit\":\"-1\","
			   "\"reason\":\"x\"}", ERR_INVALID, "invalid-field", "usd_per_unit:");
	harness_op_refused(f.c, fund_rate_correct, &who,
			   "{\"currency\":\"GBP\",\"month\":\"2019-05\",\"usd_per_unit\":\"1.3\","
			   "\"reason\":\"x\"}", ERR_INVALID, "missing-rate", "no UN operational rate"
			   " for GBP in 2019-05");
	rates(&f, "currency,month,usd_per_unit\nEUR,2019-05,1.1\n");
	harness_op_refused(f.c, fund_rate_correct, &who,
			   "{\"currency\":\"EUR\",\"month\":\"2019-05\",\"usd_per_unit\":\"1.10\","
			   "\"reason\":\"x\"}", ERR_CONFLICT, "conflict", "nothing to correct");
	harness_op_refused(f.c, fund_rate_correct, &who,
			   "{\"currency\":\"EUR\",\"month\":\"2019-05\",\"usd_per_unit\":\"1.2\"}",
			   ERR_INVALID, "invalid-field", "reason");
	ck_assert_int_eq(fund_revalue(&o, f.c, "2019-3", &who), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "month: expected a month YYYY-MM"), "%s", err_last());
	fx_close(&f);
}
END_TEST

/* --- realised differences ----------------------------------------------------------- */

START_TEST(test_receipt__realised_gain_and_loss_against_3900_usd)
{
	struct fx f;
	long long p1, p2, p3;
	json_t *o;
	char *n;

	fx_open(&f);
	rates(&f, "currency,month,usd_per_unit\nEUR,2019-02,1.12\n");
	p1 = pledge(&f, "2019-02-01", "1000.00", "EUR", "EC-1");
	p2 = pledge(&f, "2019-02-01", "500.00", "EUR", "EC-2");
	/* 1000.00 EUR at 1.12 = 1120.00 USD; the bank booked 1125.00: a 5.00 gain */
	o = harness_op_ok(f.c, fund_receipt_add, &who,
			  "{\"pledge\":%lld,\"date\":\"2019-02-11\",\"bank_account\":\"1010-USD\","
			  "\"amount\":\"1125.00\",\"instructed_amount\":\"1000.00\"}", p1);
	ck_assert_str_eq(str(json_object_get(o, "realised"), "amount"), "5.00");
	json_decref(o);
	harness_expect_balance(f.c, "4910-USD", "-500");
	/* 500.00 EUR = 560.00 USD; booked 550.00 and 5.00 charges: 555.00 gross,
	 * a 5.00 loss */
	o = harness_op_ok(f.c, fund_receipt_add, &who,
			  "{\"pledge\":%lld,\"date\":\"2019-02-12\",\"bank_account\":\"1010-USD\","
			  "\"amount\":\"550.00\",\"instructed_amount\":\"500.00\","
			  "\"charges\":\"5.00\"}", p2);
	ck_assert_str_eq(str(json_object_get(o, "realised"), "amount"), "-5.00");
	json_decref(o);
	harness_expect_balance(f.c, "5910-USD", "500");
	/* the trading accounts are zero in USD at the UN rate: 3900-EUR 1500.00
	 * x 1.12 = 1680.00 against 3900-USD -1680.00 */
	harness_expect_balance(f.c, "3900-EUR", "150000");
	harness_expect_balance(f.c, "3900-USD", "-168000");
	/* so February has nothing unrealised */
	o = revalue_ok(&f, "2019-02");
	ck_assert_str_eq(str(o, "amount"), "0.00");
	json_decref(o);

	/* a receipt whose rates are missing: both named, nothing stored */
	p3 = pledge(&f, "2019-04-01", "100.00", "CHF", "CH-1");
	n = count(&f, "SELECT count(*) FROM entries");
	{
		char text[256];

		snprintf(text, sizeof(text),
			 "{\"pledge\":%lld,\"date\":\"2019-04-11\",\"bank_account\":\"1010-EUR\","
			 "\"amount\":\"90.00\",\"instructed_amount\":\"100.00\"}", p3);
		harness_op_refused(f.c, fund_receipt_add, &who, text, ERR_INVALID, "missing-rate",
				   "no UN operational rate for CHF 2019-04, EUR 2019-04");
	}
	harness_expect_value(f.c, "SELECT count(*) FROM entries", n);
	harness_expect_value(f.c, "SELECT count(*) FROM receipts", "2");
	free(n);
	fx_close(&f);
}
END_TEST

/* --- any currency, missing rates --------------------------------------------------------- */

START_TEST(test_currency__first_pledge_makes_its_accounts_in_one_step)
{
	struct fx f;
	json_t *o;

	fx_open(&f);
	harness_expect_value(f.c, "SELECT count(*) FROM accounts WHERE currency = 'GBP'", "0");
	o = harness_op_ok(f.c, fund_pledge_add, &who,
			  "{\"donor\":\"ec\",\"date\":\"2019-03-01\",\"amount\":\"250.00\","
			  "\"currency\":\"GBP\",\"agreement\":\"UK-1\"}");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "currency_accounts_created")), 25);
	json_decref(o);
	harness_expect_value(f.c, "SELECT count(*) FROM accounts WHERE currency = 'GBP'", "25");
	harness_expect_value(f.c, "SELECT object FROM audit WHERE action = 'fund.currency'",
			     "GBP");
	harness_expect_balance(f.c, "1200-GBP", "25000");
	/* the second makes none; a gift in kind in JPY makes JPY's */
	o = harness_op_ok(f.c, fund_pledge_add, &who,
			  "{\"donor\":\"ec\",\"date\":\"2019-03-02\",\"amount\":\"1.00\","
			  "\"currency\":\"GBP\"}");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "currency_accounts_created")), 0);
	json_decref(o);
	o = harness_op_ok(f.c, fund_inkind_add, &who,
			  "{\"donor\":\"ec\",\"kind\":\"goods\",\"description\":\"laptops\","
			  "\"amount\":\"120000\",\"currency\":\"JPY\",\"period_start\":\"2019-03-01\","
			  "\"period_end\":\"2019-03-01\"}");
	json_decref(o);
	harness_expect_balance(f.c, "5300-JPY", "120000");
	/* not ISO 4217: refused, nothing made */
	harness_op_refused(f.c, fund_pledge_add, &who,
			   "{\"donor\":\"ec\",\"date\":\"2019-03-01\",\"amount\":\"1.00\","
			   "\"currency\":\"XYZ\"}", ERR_INVALID, "invalid-field", "currency:");
	harness_expect_value(f.c, "SELECT count(*) FROM accounts WHERE currency = 'XYZ'", "0");
	/* the money available for travel reads every currency the chart holds */
	o = NULL;
	ck_assert_msg(fund_travel_available(&o, f.c, "2019-03-31") == 0, "%s", err_last());
	json_decref(o);
	fx_close(&f);
}
END_TEST

/* Runs `tfledger report KIND --from --to` into a new directory; the exit
 * status, the stderr text in *err (the caller frees); on success the
 * report is checked against its schema (reports/schemas/KIND.xsd). */
static int report(const struct fx *f, char **err, const char *kind, const char *to)
{
	char dir[LIMIT_PATH_BYTES], out[LIMIT_PATH_BYTES + 32], xsd[LIMIT_PATH_BYTES];
	xmlDocPtr doc = NULL;
	int rc;
	const char *args[] = {"report", kind, "--from", "2019-01-01", "--to", to, "--output", out,
			      "--generated-at", "2020-01-15T09:30:00Z", NULL};

	harness_tmpdir(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/%s.xml", dir, kind);
	rc = harness_tfledger_db(NULL, err, f->db, args);
	if (rc == 0) {
		snprintf(xsd, sizeof(xsd), SRCDATADIR "/reports/schemas/%s.xsd", kind);
		ck_assert_msg(xml_read_file(&doc, out) == 0, "%s", err_last());
		ck_assert_msg(xml_validate(doc, xsd, out) == 0, "%s", err_last());
		xmlFreeDoc(doc);
	}
	return rc;
}

START_TEST(test_missing_rates__one_list_then_the_reports_work)
{
	static const char *const kinds[] = {"trial-balance", "trust-fund-statement",
					    "donor-contributions"};
	struct fx f;
	json_t *o = NULL;
	long long p;
	char *err = NULL;

	fx_open(&f);
	pledge(&f, "2019-02-10", "100.00", "EUR", "EC-1");
	p = pledge(&f, "2019-03-10", "250.00", "GBP", "UK-1");
	o = harness_op_ok(f.c, fund_receipt_add, &who,
			  "{\"pledge\":%lld,\"date\":\"2019-03-20\",\"bank_account\":\"1010-GBP\","
			  "\"amount\":\"250.00\"}", p);
	json_decref(o);
	o = NULL;
	/* revaluation: every (currency, month) in one message */
	ck_assert_int_eq(fund_revalue(&o, f.c, "2019-03", &who), ERR_INVALID);
	ck_assert_str_eq(err_code_name(err_code_of(ERR_INVALID)), "missing-rate");
	ck_assert_msg(strstr(err_last(), "no UN operational rate for EUR 2019-02, EUR 2019-03,"
					 " GBP 2019-03 (tfledger rates import)"), "%s", err_last());
	ck_assert_ptr_null(o);
	harness_expect_value(f.c, "SELECT count(*) FROM fund_revaluations", "0");
	ck_assert_int_eq(fund_revaluation_check(&o, f.c, "2019-03"), 0);
	ck_assert(json_is_null(json_object_get(o, "computed")));
	ck_assert(json_is_false(json_object_get(o, "current")));
	ck_assert_int_eq(json_array_size(json_object_get(o, "missing_rates")), 3);
	json_decref(o);
	/* donors list: one list; receipts list: the figure that needs it named */
	ck_assert_int_eq(fund_donors_list(&o, f.c), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "no UN operational rate for GBP 2019-03"), "%s",
		      err_last());
	ck_assert_int_eq(fund_receipts_list(&o, f.c, 0, LIMIT_LIST_ROWS), 0);
	{
		json_t *r0 = json_array_get(json_object_get(o, "receipts"), 0);

		ck_assert(json_is_null(json_object_get(r0, "usd")));
		ck_assert_str_eq(str(json_object_get(r0, "missing_rate"), "currency"), "GBP");
	}
	json_decref(o);
	/* the reports: refused with one list naming GBP and the month */
	ck_assert_int_eq(report(&f, &err, "trial-balance", "2019-03-31"), 1);
	ck_assert_msg(strstr(err, "no UN operational rate for EUR 2019-03, GBP 2019-03"), "%s",
		      err);
	free(err);
	ck_assert_int_eq(report(&f, &err, "trust-fund-statement", "2019-03-31"), 1);
	ck_assert_msg(strstr(err, "no UN operational rate for EUR 2019-03, GBP 2019-03"), "%s",
		      err);
	free(err);
	ck_assert_int_eq(report(&f, &err, "donor-contributions", "2019-03-31"), 1);
	ck_assert_msg(strstr(err, "no UN operational rate for GBP 2019-03"), "%s", err);
	free(err);

	/* the rates added: everything works */
	rates(&f, "currency,month,usd_per_unit\nEUR,2019-02,1.13\nEUR,2019-03,1.12\n"
		  "GBP,2019-03,1.31\n");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		ck_assert_msg(report(&f, &err, kinds[i], "2019-03-31") == 0, "%s: %s", kinds[i],
			      err);
		free(err);
	}
	ck_assert_msg(fund_donors_list(&o, f.c) == 0, "%s", err_last());
	ck_assert_str_eq(str(json_array_get(o, 0), "given_usd"), "327.50");
	json_decref(o);
	/* R(Mar) = 100.00 EUR x (1.12 - 1.13) = -1.00 (GBP all at March's rate) */
	o = revalue_ok(&f, "2019-03");
	ck_assert_str_eq(str(o, "amount"), "-1.00");
	json_decref(o);
	harness_expect_balance(f.c, "5900-USD", "100");
	fx_close(&f);
}
END_TEST

START_TEST(test_check__a_journal_without_the_fund_chart_has_nothing_to_revalue)
{
	char db[LIMIT_CONNINFO_BYTES];
	json_t *o = NULL;
	PGconn *c;

	harness_new_db(db, sizeof(db));
	c = harness_connect(db);
	ck_assert_int_eq(ledger_store_setup(c), 0);
	ck_assert_int_eq(fund_setup(c), 0);
	ck_assert_msg(fund_revaluation_check(&o, c, "2019-03") == 0, "%s", err_last());
	ck_assert(json_is_true(json_object_get(o, "current")));
	ck_assert(json_is_false(json_object_get(o, "needed")));
	json_decref(o);
	o = NULL;
	ck_assert_int_eq(fund_revalue(&o, c, "2019-03", &who), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "tfledger fund init"), "%s", err_last());
	harness_expect_value(c, "SELECT count(*) FROM fund_revaluations", "0");
	PQfinish(c);
}
END_TEST

/* --- the CLI, through tfledgerd --------------------------------------------------------------- */

START_TEST(test_cli__revalue_correct_and_list_through_tfledgerd)
{
	struct fx f;
	struct cli_env e;
	char *out = NULL, *err = NULL;
	int rc;

	fx_open(&f);
	two_months(&f);
	cli_env_open(&e, f.db);
	{
		const char *args[] = {"revalue", "--month", "2019-03", "--format", "json", NULL};

		rc = cli_on(&out, &err, &e.d, e.finance, args);
		ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
		ck_assert_msg(strstr(out, "\"amount\": \"33.71\""), "%s", out);
		free(out);
		free(err);
	}
	{
		const char *args[] = {"rates", "correct", "--currency", "EUR", "--month", "2019-03",
				      "--usd-per-unit", "1.16", "--reason", "corrected", "--format",
				      "json", NULL};

		rc = cli_on(&out, &err, &e.d, e.finance, args);
		ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
		ck_assert_msg(strstr(out, "\"status\": \"reposted\""), "%s", out);
		ck_assert_msg(strstr(out, "\"amount\": \"40.00\""), "%s", out);
		free(out);
		free(err);
	}
	{
		const char *args[] = {"revaluations", "list", NULL};

		rc = cli_on(&out, &err, &e.d, e.finance, args);
		ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
		ck_assert_msg(strstr(out, "33.71") && strstr(out, "40.00"), "%s", out);
		free(out);
		free(err);
	}
	{
		const char *args[] = {"revalue", "--month", "March", NULL};

		rc = cli_on(&out, &err, &e.d, e.finance, args);
		ck_assert_int_eq(rc, 1);
		ck_assert_msg(strstr(err, "month: expected a month YYYY-MM"), "%s", err);
		free(out);
		free(err);
	}
	cli_env_close(&e);
	harness_expect_balance(f.c, "4900-USD", "-4000");
	fx_close(&f);
}
END_TEST

/* --- over HTTP ---------------------------------------------------------------------- */

static json_t *http_ok(const struct daemon *d, const char *method, const char *path,
		       const char *token, const char *key, const char *body, long status)
{
	struct resp r = http(d, method, path, token, key, body);
	json_t *o;

	ck_assert_msg(r.status == status, "%s %s: %ld, want %ld: %s", method, path, r.status,
		      status, r.body);
	o = json_loads(r.body, 0, NULL);
	ck_assert_msg(o, "%s %s: not JSON: %s", method, path, r.body);
	resp_free(&r);
	return o;
}

static void http_refused(const struct daemon *d, const char *method, const char *path,
			 const char *token, const char *body, long status, const char *code)
{
	struct resp r = http(d, method, path, token, NULL, body);
	char *got = error_code(r.body);

	ck_assert_msg(r.status == status && got && strcmp(got, code) == 0,
		      "%s %s: %ld %s, want %ld %s: %s", method, path, r.status, got, status, code,
		      r.body);
	free(got);
	resp_free(&r);
}

START_TEST(test_routes__roles_idempotency_key_and_answers)
{
	static const char *const month = "{\"month\":\"2019-03\"}";
	struct roles_env e;
	struct fx f;
	json_t *o, *again;
	char *a, *b;

	roles_env_open(&e);
	snprintf(f.db, sizeof(f.db), "%s", e.conninfo);
	f.c = harness_connect(f.db);
	ck_assert_int_eq(ledger_store_setup(f.c), 0);
	ck_assert_int_eq(fund_setup(f.c), 0);
	{
		int created;

		ck_assert_int_eq(fund_init(&created, f.c, &who), 0);
	}
	json_decref(harness_op_ok(f.c, fund_donor_add, &who,
				  "{\"id\":\"ec\",\"name\":\"EC\",\"org_type\":\"40\"}"));
	two_months(&f);
	daemon_start(&e.d, e.conninfo, e.dir);

	/* finance and admin write; auditor and secretariat may not */
	http_refused(&e.d, "POST", "/v1/revaluations", e.auditor, month, 403, "forbidden");
	http_refused(&e.d, "POST", "/v1/revaluations", e.secretariat, month, 403, "forbidden");
	http_refused(&e.d, "POST", "/v1/rates/corrections", e.auditor,
		     "{\"currency\":\"EUR\",\"month\":\"2019-03\",\"usd_per_unit\":\"1.16\","
		     "\"reason\":\"x\"}", 403, "forbidden");
	http_refused(&e.d, "GET", "/v1/revaluations", e.secretariat, NULL, 403, "forbidden");
	harness_expect_value(f.c, "SELECT count(*) FROM fund_revaluations", "0");
	http_refused(&e.d, "POST", "/v1/revaluations", e.finance, "{\"month\":\"2019\"}", 400,
		     "invalid-field");
	http_refused(&e.d, "POST", "/v1/revaluations", e.finance, "{\"month\":\"2019-03\","
		     "\"x\":1}", 400, "invalid-field");

	/* posted once; the same Idempotency-Key replays the answer and writes nothing */
	o = http_ok(&e.d, "POST", "/v1/revaluations", e.finance, "reval-k1", month, 201);
	ck_assert_str_eq(str(o, "status"), "posted");
	ck_assert_str_eq(str(o, "amount"), "33.71");
	again = http_ok(&e.d, "POST", "/v1/revaluations", e.finance, "reval-k1", month, 201);
	a = json_dumps(o, JSON_SORT_KEYS);
	b = json_dumps(again, JSON_SORT_KEYS);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	json_decref(o);
	json_decref(again);
	harness_expect_value(f.c, "SELECT count(*) FROM audit WHERE action = 'revaluation.post'",
			     "1");
	o = http_ok(&e.d, "POST", "/v1/revaluations", e.finance, "reval-k2", month, 200);
	ck_assert_str_eq(str(o, "status"), "unchanged");
	json_decref(o);
	o = http_ok(&e.d, "GET", "/v1/revaluations/2019-03", e.auditor, NULL, NULL, 200);
	ck_assert(json_is_true(json_object_get(o, "current")));
	json_decref(o);

	/* a correction over HTTP reposts March; listed */
	o = http_ok(&e.d, "POST", "/v1/rates/corrections", e.admin, "corr-k1",
		    "{\"currency\":\"EUR\",\"month\":\"2019-03\",\"usd_per_unit\":\"1.16\","
		    "\"reason\":\"UN Treasury\"}", 201);
	ck_assert_str_eq(str(json_array_get(json_object_get(o, "revaluations"), 0), "amount"),
			 "40.00");
	json_decref(o);
	o = http_ok(&e.d, "GET", "/v1/revaluations", e.auditor, NULL, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "revaluations")), 2);
	json_decref(o);
	o = http_ok(&e.d, "GET", "/v1/rates/corrections", e.finance, NULL, NULL, 200);
	ck_assert_str_eq(str(json_array_get(json_object_get(o, "corrections"), 0), "old"),
			 "1.1537");
	json_decref(o);
	http_refused(&e.d, "POST", "/v1/rates/corrections", e.finance,
		     "{\"currency\":\"EUR\",\"month\":\"2019-03\",\"usd_per_unit\":\"1.16\","
		     "\"reason\":\"again\"}", 409, "conflict");
	roles_env_close(&e);
	fx_close(&f);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test tests[] = {
		{test_revalue__equals_the_hand_computed_figure_posted_once, 0},
		{test_revalue__a_late_entry_reposts_a_rate_correction_reverses, 0},
		{test_revalue__refused_in_a_closed_month_nothing_stored, 0},
		{test_receipt__realised_gain_and_loss_against_3900_usd, 0},
		{test_currency__first_pledge_makes_its_accounts_in_one_step, 0},
		{test_missing_rates__one_list_then_the_reports_work, 0},
		{test_check__a_journal_without_the_fund_chart_has_nothing_to_revalue, 0},
		{test_cli__revalue_correct_and_list_through_tfledgerd, 0},
		{test_routes__roles_idempotency_key_and_answers, 0},
	};
	Suite *s = suite_create("reval");

	harness_add_tcase(s, "reval", NULL, NULL, 120, tests, HARNESS_N(tests));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
