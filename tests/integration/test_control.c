/*
 * test_control.c - the funds control (fund/control.h, docs/controls.md
 * "Funds control") against a real PostgreSQL: what each source has
 * available and the figures it reads; allocations in one currency and
 * across two (both sides in the journal, the memo accounts balanced per
 * currency, both rates stored); an allocation beyond its source refused
 * with the figures and nothing stored; an approval beyond the meeting's
 * allocation refused, then let through once by a countersigned overrun; a
 * typed budget above the allocation refused (a what-if allowed); a
 * settlement beyond the cash stopped by the bank floor until an overdraft
 * is set; every route's roles and Idempotency-Key replays through the real
 * tfledgerd; the CLI's exit codes.
 */
#include "tests/integration/ledger_fixture.h"

#include <jansson.h>

#include "common/db.h"
#include "common/err.h"
#include "fund/body.h"
#include "fund/control.h"
#include "fund/fund.h"
#include "travel/travel.h"

#define DATA SRCDATADIR "/tests/data/"

static const struct ledger_actor fin = {LEDGER_FUND_CLI_TOKEN_ID, "fin", "finance", "test", NULL};
static const struct ledger_actor sec = {LEDGER_FUND_CLI_TOKEN_ID, "sec", "secretariat", "test", NULL};

#define ok(c, op, ...) harness_op_ok(c, op, &fin, __VA_ARGS__)

struct fx {
	char db[LIMIT_CONNINFO_BYTES];
	PGconn *c;
};

/*
 * A fresh database: the chart, the 2019 rates, 8000.00 USD received for
 * travel (2018-09-01) and 1000.00 EUR received unearmarked (2019-01-20).
 */
static void fx_open(struct fx *f)
{
	json_t *o, *p;

	harness_new_db(f->db, sizeof(f->db));
	harness_four_eyes(f->db, false); /* one actor ranks and approves here */
	f->c = harness_connect(f->db);
	harness_travel_fund(f->c, &fin);
	ck_assert_msg(fund_rates_import(&o, f->c, DATA "fund/rates-2019.csv", &fin) == 0, "%s",
		      err_last());
	json_decref(o);
	json_decref(ok(f->c, fund_donor_add,
		       "{\"id\":\"eu\",\"name\":\"EU\",\"org_type\":\"40\"}"));
	p = ok(f->c, fund_pledge_add,
	       "{\"donor\":\"eu\",\"date\":\"2019-01-05\",\"amount\":\"1000.00\",\"currency\":\"EUR\","
	       "\"agreement\":\"EU-1\"}");
	json_decref(ok(f->c, fund_receipt_add,
		       "{\"pledge\":%lld,\"date\":\"2019-01-20\",\"bank_account\":\"1010-EUR\","
		       "\"amount\":\"1000.00\"}",
		       (long long)json_integer_value(json_object_get(p, "id"))));
	json_decref(p);
}

static void fx_close(struct fx *f)
{
	PQfinish(f->c);
}

/* A USD meeting id starting 2019-02-01 with prior.csv's applicants (amina
 * 1000.00, bo 1500.00). */
static void meeting(PGconn *c, const char *id)
{
	json_t *out = NULL;
	FILE *f = fopen(DATA "travel/prior.csv", "r");
	int rc;

	json_decref(harness_op_ok(c, travel_meeting_add, &sec,
				  "{\"id\":\"%s\",\"name\":\"MAG\",\"starts_on\":\"2019-02-01\","
				  "\"ends_on\":\"2019-02-03\",\"place\":\"Geneva\",\"currency\":\"USD\"}",
				  id));
	ck_assert_ptr_nonnull(f);
	rc = travel_applicants_import(&out, c, id, f, "prior.csv", &sec);
	fclose(f);
	ck_assert_msg(rc == 0, "%s", err_last());
	json_decref(out);
}

/* Everything a refused write must leave as it was. */
static char *snapshot(PGconn *c)
{
	char *v = harness_query_value(
		c, "SELECT (SELECT count(*) FROM entries) || '/' || (SELECT count(*) FROM audit)"
		   " || '/' || (SELECT count(*) FROM fund_allocations) || '/' || (SELECT count(*)"
		   " FROM fund_overruns WHERE used_at IS NULL) || '/' || (SELECT count(*) FROM"
		   " travel_runs) || '/' || (SELECT count(*) FROM travel_trips) || '/' ||"
		   " (SELECT count(*) FROM account_overdrafts) || '/' || (SELECT hash FROM"
		   " ledger_head)");

	ck_assert_ptr_nonnull(v);
	return v;
}

static void expect_unchanged(PGconn *c, const char *before)
{
	char *after = snapshot(c);

	ck_assert_str_eq(after, before);
	free(after);
}

/* The source (earmark, currency) of a fund_funds_available answer. */
static json_t *source(json_t *av, const char *earmark, const char *ccy)
{
	size_t i;
	json_t *s;

	json_array_foreach(json_object_get(av, "sources"), i, s)
		if (strcmp(harness_str(s, "earmark"), earmark) == 0 &&
		    strcmp(harness_str(s, "currency"), ccy) == 0)
			return s;
	ck_abort_msg("no source %s %s", earmark, ccy);
	return NULL;
}

static json_t *available(PGconn *c, const char *as_of)
{
	json_t *av = NULL;
	int rc = fund_funds_available(&av, c, as_of);

	ck_assert_msg(rc == 0, "%s", err_last());
	return av;
}

/* Source (earmark, ccy) as of as_of reads these figures. */
static void expect_source(PGconn *c, const char *as_of, const char *earmark, const char *ccy,
			  const char *cash, const char *pool, const char *open, const char *avail)
{
	json_t *av = available(c, as_of), *s = source(av, earmark, ccy);

	ck_assert_str_eq(harness_str(s, "cash"), cash);
	ck_assert_str_eq(harness_str(s, "travel_pool"), pool);
	ck_assert_str_eq(harness_str(s, "open_allocations"), open);
	ck_assert_str_eq(harness_str(s, "available"), avail);
	json_decref(av);
}

/* Runs a write of fund/control.h expecting a refusal. */
static void refused(PGconn *c, harness_op_fn op, const char *text, int want_rc,
		    const char *want_code, const char *want)
{
	harness_op_refused(c, op, &fin, text, want_rc, want_code, want);
}

/* Ranks body; returns the ranking's JSON, or NULL with rc_out the refusal. */
static json_t *rank(int *rc_out, PGconn *c, const char *text)
{
	travel_ranking *k = NULL;
	json_t *body = json_loads(text, 0, NULL), *o = NULL;

	ck_assert_ptr_nonnull(body);
	*rc_out = travel_rank(&k, c, body, &sec);
	if (*rc_out == 0) {
		o = travel_ranking_json(k);
		ck_assert_ptr_nonnull(o);
	}
	travel_ranking_free(k);
	json_decref(body);
	return o;
}

/* Posts a payment of amount USD from 1010-USD for contractual services. */
static int pay_contract(PGconn *c, const char *date, int64_t amount)
{
	char id[LEDGER_UUID_BYTES];
	struct ledger_entry e;
	int rc;

	ck_assert_int_eq(db_exec_sql(c, "BEGIN"), 0);
	rc = fund_body_entry_begin(&e, date, "Contract payment", "contract");
	ck_assert_int_eq(rc, 0);
	fund_body_entry_add(&e, "5600", "USD", true, amount);
	fund_body_entry_add(&e, "1010", "USD", false, amount);
	rc = fund_body_entry_done(id, c, &e, &fin, "entry.post");
	ck_assert_int_eq(db_exec_sql(c, rc == 0 ? "COMMIT" : "ROLLBACK"), 0);
	return rc;
}

/* --- what is available --------------------------------------------------------------- */

START_TEST(test_available__figures_per_source_and_in_usd)
{
	struct fx f;
	json_t *av, *s;

	fx_open(&f);
	av = available(f.c, "2019-01-31");
	ck_assert_str_eq(harness_str(av, "month"), "2019-01");
	/* travel USD: the pool; none USD: cash less the pool; none EUR: its cash */
	s = source(av, "travel", "USD");
	ck_assert_str_eq(harness_str(s, "available"), "8000.00");
	ck_assert_str_eq(harness_str(s, "formula"), "travel_pool");
	s = source(av, "none", "USD");
	ck_assert_str_eq(harness_str(s, "cash"), "8000.00");
	ck_assert_str_eq(harness_str(s, "travel_pool"), "8000.00");
	ck_assert_str_eq(harness_str(s, "available"), "0.00");
	s = source(av, "none", "EUR");
	ck_assert_str_eq(harness_str(s, "available"), "1000.00");
	ck_assert_str_eq(harness_str(json_object_get(s, "usd"), "amount"), "1142.00");
	ck_assert_str_eq(harness_str(json_object_get(s, "usd"), "usd_per_unit"), "1.142");
	ck_assert_str_eq(harness_str(av, "available_usd"), "9142.00");
	json_decref(av);
	/* the EUR receipt's day has it; the day before lists no EUR source */
	expect_source(f.c, "2019-01-20", "none", "EUR", "1000.00", "0.00", "0.00", "1000.00");
	av = available(f.c, "2019-01-19");
	ck_assert_int_eq(json_array_size(json_object_get(av, "sources")), 2);
	ck_assert_str_eq(harness_str(av, "available_usd"), "8000.00");
	json_decref(av);
	fx_close(&f);
}
END_TEST

START_TEST(test_available__missing_rate_names_currency_and_month)
{
	struct fx f;
	json_t *av = NULL;
	int rc;

	fx_open(&f);
	rc = fund_funds_available(&av, f.c, "2019-12-31");
	ck_assert_int_eq(rc, ERR_INVALID);
	ck_assert_str_eq(err_code_name(err_code_of(rc)), "missing-rate");
	ck_assert_msg(strstr(err_last(), "EUR 2019-12"), "%s", err_last());
	ck_assert_ptr_null(av);
	rc = fund_funds_available(&av, f.c, "2019-13-01");
	ck_assert_str_eq(err_code_name(err_code_of(rc)), "invalid-field");
	fx_close(&f);
}
END_TEST

/* --- allocations ---------------------------------------------------------------------- */

START_TEST(test_allocation__same_currency_moves_the_pool_to_the_meeting)
{
	struct fx f;
	json_t *a, *av, *list = NULL;

	fx_open(&f);
	meeting(f.c, "m1");
	a = ok(f.c, fund_allocation_add,
	       "{\"date\":\"2019-01-10\",\"source\":{\"earmark\":\"travel\",\"currency\":\"USD\"},"
	       "\"meeting\":\"m1\",\"amount\":\"3000.00\",\"memo\":\"MAG 1\"}");
	ck_assert_str_eq(harness_str(a, "line"), "travel");
	ck_assert_int_eq(json_integer_value(json_object_get(a, "year")), 2019);
	ck_assert_str_eq(harness_str(a, "currency"), "USD");
	ck_assert_str_eq(harness_str(json_object_get(a, "source"), "amount"), "3000.00");
	ck_assert(json_is_null(json_object_get(a, "usd_per_unit")));
	/* Dr 8500-USD / Cr 8200-USD, its audit row */
	harness_expect_balance(f.c, "8500-USD", "300000");
	harness_expect_balance(f.c, "8200-USD", "500000");
	harness_expect_value(f.c, "SELECT count(*) FROM audit WHERE action = 'allocation.add'", "1");
	harness_expect_value(f.c, "SELECT count(*) FROM postings p JOIN fund_allocations a"
				  " ON a.entry_id = p.entry_id", "2");
	/* travel USD has 5000.00 left; none USD does not change */
	expect_source(f.c, "2019-01-31", "travel", "USD", "8000.00", "5000.00", "3000.00", "5000.00");
	expect_source(f.c, "2019-01-31", "none", "USD", "8000.00", "5000.00", "3000.00", "0.00");
	/* the money for travel stays 8000.00: 5000.00 in the pool, 3000.00 for m1 */
	ck_assert_int_eq(fund_travel_available(&av, f.c, "2019-01-31"), 0);
	ck_assert_str_eq(harness_str(json_array_get(json_object_get(av, "currencies"), 0), "funds"),
			 "8000.00");
	json_decref(av);
	ck_assert_int_eq(fund_allocations_list(&list, f.c, "m1", NULL, 0), 0);
	ck_assert_int_eq(json_array_size(list), 1);
	json_decref(list);
	ck_assert_int_eq(fund_allocations_list(&list, f.c, NULL, "staff", 0), 0);
	ck_assert_int_eq(json_array_size(list), 0);
	json_decref(list);
	harness_expect_trial_balance_zero(f.c);
	json_decref(a);
	fx_close(&f);
}
END_TEST

START_TEST(test_allocation__across_currencies_books_both_sides_through_8900)
{
	struct fx f;
	json_t *a, *r;

	fx_open(&f);
	meeting(f.c, "m1");
	/* 571.00 USD of m1 from EUR at 1.142 USD per EUR (January): 500.00 EUR */
	a = ok(f.c, fund_allocation_add,
	       "{\"date\":\"2019-01-25\",\"source\":{\"earmark\":\"none\",\"currency\":\"EUR\"},"
	       "\"meeting\":\"m1\",\"amount\":\"571.00\"}");
	ck_assert_str_eq(harness_str(a, "currency"), "USD");
	ck_assert_str_eq(harness_str(json_object_get(a, "source"), "amount"), "500.00");
	r = json_object_get(a, "usd_per_unit");
	ck_assert_str_eq(harness_str(r, "EUR"), "1.142");
	ck_assert_str_eq(harness_str(r, "USD"), "1");
	harness_expect_value(f.c, "SELECT usd_mantissa_source || '/' || usd_scale_source || ' '"
				  " || usd_mantissa || '/' || usd_scale FROM fund_allocations",
			     "1142/3 1/0");
	/* both sides in the journal, the memo accounts balanced per currency */
	harness_expect_balance(f.c, "8500-USD", "57100");
	harness_expect_balance(f.c, "8900-USD", "-57100");
	harness_expect_balance(f.c, "8900-EUR", "50000");
	harness_expect_balance(f.c, "8590-EUR", "-50000");
	harness_expect_value(f.c, "SELECT count(*) FROM postings p JOIN fund_allocations a"
				  " ON a.entry_id = p.entry_id", "4");
	harness_expect_trial_balance_zero(f.c);
	/* EUR's available falls by the source amount; USD's does not change */
	expect_source(f.c, "2019-01-31", "none", "EUR", "1000.00", "0.00", "500.00", "500.00");
	expect_source(f.c, "2019-01-31", "none", "USD", "8000.00", "8000.00", "0.00", "0.00");
	json_decref(a);
	/* a line of a year, in EUR, no meeting */
	a = ok(f.c, fund_allocation_add,
	       "{\"date\":\"2019-01-31\",\"source\":{\"earmark\":\"none\",\"currency\":\"EUR\"},"
	       "\"line\":\"staff\",\"year\":2019,\"amount\":\"200.00\"}");
	ck_assert_str_eq(harness_str(a, "currency"), "EUR");
	ck_assert(json_is_null(json_object_get(a, "meeting")));
	expect_source(f.c, "2019-01-31", "none", "EUR", "1000.00", "0.00", "700.00", "300.00");
	json_decref(a);
	fx_close(&f);
}
END_TEST

START_TEST(test_allocation__beyond_the_source_refused_with_figures_nothing_stored)
{
	struct fx f;
	char *before;

	fx_open(&f);
	meeting(f.c, "m1");
	json_decref(ok(f.c, fund_allocation_add,
		       "{\"date\":\"2019-01-25\",\"source\":{\"earmark\":\"none\",\"currency\":"
		       "\"EUR\"},\"line\":\"contractual\",\"amount\":\"400.00\"}"));
	before = snapshot(f.c);
	refused(f.c, fund_allocation_add,
		"{\"date\":\"2019-01-31\",\"source\":{\"earmark\":\"none\",\"currency\":\"EUR\"},"
		"\"line\":\"staff\",\"amount\":\"700.00\"}",
		ERR_CONFLICT, "insufficient-funds",
		"source none EUR has 600.00 EUR available as of 2019-01-31 (cash 1000.00 EUR less"
		" the travel pool 0.00 EUR less what allocations hold 400.00 EUR), the allocation takes"
		" 700.00 EUR: 100.00 EUR short; nothing was stored");
	refused(f.c, fund_allocation_add,
		"{\"date\":\"2019-01-31\",\"source\":{\"earmark\":\"travel\",\"currency\":\"USD\"},"
		"\"meeting\":\"m1\",\"amount\":\"8000.01\"}",
		ERR_CONFLICT, "insufficient-funds",
		"source travel USD has 8000.00 USD available as of 2019-01-31 (the travel pool"
		" 8200-USD");
	/* dated back before the other allocation: 1000.00 EUR then, but the
	 * 400.00 EUR set aside since leave 600.00 on the last day */
	refused(f.c, fund_allocation_add,
		"{\"date\":\"2019-01-21\",\"source\":{\"earmark\":\"none\",\"currency\":\"EUR\"},"
		"\"line\":\"staff\",\"amount\":\"700.00\"}",
		ERR_CONFLICT, "insufficient-funds",
		"source none EUR has 600.00 EUR available as of 2019-01-25");
	/* before the receipt the money was not there */
	refused(f.c, fund_allocation_add,
		"{\"date\":\"2018-08-31\",\"source\":{\"earmark\":\"travel\",\"currency\":\"USD\"},"
		"\"meeting\":\"m1\",\"amount\":\"1.00\"}",
		ERR_CONFLICT, "insufficient-funds", "0.00 USD available as of 2018-08-31");
	/* bad input names the field */
	refused(f.c, fund_allocation_add,
		"{\"date\":\"2019-01-31\",\"source\":{\"earmark\":\"travel\",\"currency\":\"USD\"},"
		"\"line\":\"travel\",\"amount\":\"1.00\"}",
		ERR_INVALID, "invalid-field", "meeting: required for line travel");
	refused(f.c, fund_allocation_add,
		"{\"date\":\"2019-01-31\",\"source\":{\"earmark\":\"gift\",\"currency\":\"USD\"},"
		"\"line\":\"staff\",\"amount\":\"1.00\"}",
		ERR_INVALID, "invalid-field", "source.earmark");
	refused(f.c, fund_allocation_add,
		"{\"date\":\"2019-01-31\",\"source\":{\"earmark\":\"none\",\"currency\":\"XXX\"},"
		"\"line\":\"staff\",\"amount\":\"1.00\"}",
		ERR_INVALID, "invalid-field", "source: currency");
	refused(f.c, fund_allocation_add,
		"{\"date\":\"2019-01-31\",\"source\":{\"earmark\":\"none\",\"currency\":\"EUR\"},"
		"\"line\":\"parties\",\"amount\":\"1.00\"}",
		ERR_INVALID, "invalid-field", "line: no budget line parties");
	refused(f.c, fund_allocation_add,
		"{\"date\":\"2019-01-31\",\"source\":{\"earmark\":\"none\",\"currency\":\"EUR\"},"
		"\"meeting\":\"nope\",\"amount\":\"1.00\"}",
		ERR_NOTFOUND, "not-found", "no meeting nope");
	refused(f.c, fund_allocation_add,
		"{\"date\":\"2019-01-31\",\"source\":{\"earmark\":\"none\",\"currency\":\"EUR\"},"
		"\"meeting\":\"m1\",\"currency\":\"EUR\",\"amount\":\"1.00\"}",
		ERR_INVALID, "invalid-field", "meeting m1 is budgeted in USD, not EUR");
	refused(f.c, fund_allocation_add,
		"{\"date\":\"2019-01-31\",\"source\":{\"earmark\":\"none\",\"currency\":\"EUR\"},"
		"\"line\":\"staff\",\"amount\":\"-1.00\"}",
		ERR_INVALID, "invalid-field", "amount");
	/* across currencies in a month without the rate: both missing named */
	refused(f.c, fund_allocation_add,
		"{\"date\":\"2019-11-05\",\"source\":{\"earmark\":\"none\",\"currency\":\"EUR\"},"
		"\"line\":\"staff\",\"currency\":\"CHF\",\"amount\":\"1.00\"}",
		ERR_INVALID, "missing-rate", "CHF 2019-11, EUR 2019-11");
	expect_unchanged(f.c, before);
	free(before);
	fx_close(&f);
}
END_TEST

/* --- funds control of travel ------------------------------------------------------------ */

START_TEST(test_approve__beyond_allocation_refused_then_countersigned_once)
{
	struct fx f;
	json_t *o, *list = NULL;
	struct fund_meeting_budget b;
	char *before;
	int rc;

	fx_open(&f);
	meeting(f.c, "m1");
	json_decref(ok(f.c, fund_allocation_add,
		       "{\"date\":\"2019-01-10\",\"source\":{\"earmark\":\"travel\",\"currency\":"
		       "\"USD\"},\"meeting\":\"m1\",\"amount\":\"2000.00\"}"));
	json_decref(ok(f.c, fund_allocation_add,
		       "{\"date\":\"2019-01-20\",\"source\":{\"earmark\":\"travel\",\"currency\":"
		       "\"USD\"},\"meeting\":\"m1\",\"amount\":\"500.00\"}"));
	/* the ledger budget is the meeting's allocation: 2500.00 on the 25th */
	o = rank(&rc, f.c, "{\"meeting\":\"m1\",\"as_of\":\"2019-01-25\"}");
	ck_assert_msg(rc == 0, "%s", err_last());
	ck_assert_str_eq(harness_str(o, "budget"), "2500.00");
	ck_assert_str_eq(harness_str(o, "budget_source"), "ledger");
	ck_assert_str_eq(harness_str(o, "allocated"), "2500.00");
	json_decref(o);
	/* approved on the 15th, the allocation was 2000.00: 500.00 short */
	before = snapshot(f.c);
	harness_op_refused(f.c, travel_approve, &sec, "{\"meeting\":\"m1\",\"date\":\"2019-01-15\"}",
			   ERR_CONFLICT, "insufficient-funds",
			   "meeting m1's allocation (travel USD) is 2000.00 USD: 0.00 USD obliged"
			   " and 0.00 USD spent, 2500.00 USD asked: 500.00 USD short; no"
			   " countersigned overrun; nothing was stored");
	expect_unchanged(f.c, before);
	free(before);
	/* finance countersigns 400.00: not enough, still refused */
	o = ok(f.c, fund_overrun_add,
	       "{\"meeting\":\"m1\",\"amount\":\"400.00\",\"reason\":\"too little\"}");
	ck_assert_str_eq(harness_str(o, "signed_role"), "finance");
	ck_assert_str_eq(harness_str(o, "source"), "none");
	json_decref(o);
	harness_op_refused(f.c, travel_approve, &sec, "{\"meeting\":\"m1\",\"date\":\"2019-01-15\"}",
			   ERR_CONFLICT, "insufficient-funds",
			   "the countersigned overrun not yet used, 400.00 USD, does not cover it");
	/* 500.00 countersigned: the approval goes through and uses it */
	json_decref(ok(f.c, fund_overrun_add,
		       "{\"meeting\":\"m1\",\"amount\":\"500.00\",\"reason\":\"MAG chair asked\"}"));
	harness_expect_value(f.c, "SELECT count(*) FROM audit WHERE action = 'overrun.countersign'",
			     "2");
	o = harness_op_ok(f.c, travel_approve, &sec, "{\"meeting\":\"m1\",\"date\":\"2019-01-15\"}");
	ck_assert_int_eq(json_array_size(json_object_get(o, "approved")), 2);
	ck_assert_str_eq(harness_str(json_object_get(o, "overrun"), "amount"), "500.00");
	ck_assert_msg(strstr(harness_str(json_object_get(o, "overrun"), "used_by"), "meeting m1"),
		      "used_by");
	ck_assert_str_eq(harness_str(json_object_get(o, "budget"), "allocated"), "2000.00");
	ck_assert_str_eq(harness_str(json_object_get(o, "budget"), "asked"), "2500.00");
	json_decref(o);
	harness_expect_balance(f.c, "8100-USD", "250000");
	/* used once: only the 400.00 remains unused */
	harness_expect_value(f.c, "SELECT string_agg(amount_minor || ':' || (used_at IS NOT NULL),"
				  " ',' ORDER BY id) FROM fund_overruns", "40000:false,50000:true");
	ck_assert_int_eq(fund_meeting_budget(&b, f.c, "m1", "2019-01-25"), 0);
	ck_assert_int_eq(b.overrun_minor, 40000);
	ck_assert_int_eq(b.obliged_minor, 250000);
	ck_assert_int_eq(fund_overruns_list(&list, f.c), 0);
	ck_assert_int_eq(json_array_size(list), 2);
	json_decref(list);
	/* what m1 obliged is held in the cash: none USD has nothing more */
	expect_source(f.c, "2019-01-31", "none", "USD", "8000.00", "5500.00", "0.00", "0.00");
	refused(f.c, fund_overrun_add, "{\"meeting\":\"nope\",\"amount\":\"1.00\",\"reason\":\"r\"}",
		ERR_NOTFOUND, "not-found", "no meeting nope");
	refused(f.c, fund_overrun_add, "{\"meeting\":\"m1\",\"amount\":\"1.00\"}", ERR_INVALID,
		"invalid-field", "reason");
	fx_close(&f);
}
END_TEST

START_TEST(test_rank__typed_budget_above_allocation_refused_what_if_allowed)
{
	struct fx f;
	json_t *o;
	char *before;
	int rc;

	fx_open(&f);
	meeting(f.c, "m1");
	json_decref(ok(f.c, fund_allocation_add,
		       "{\"date\":\"2019-01-10\",\"source\":{\"earmark\":\"travel\",\"currency\":"
		       "\"USD\"},\"meeting\":\"m1\",\"amount\":\"1000.00\"}"));
	before = snapshot(f.c);
	o = rank(&rc, f.c, "{\"meeting\":\"m1\",\"as_of\":\"2019-01-25\",\"budget\":\"1000000.00\"}");
	ck_assert_ptr_null(o);
	ck_assert_int_eq(rc, ERR_CONFLICT);
	ck_assert_str_eq(err_code_name(err_code_of(rc)), "insufficient-funds");
	ck_assert_msg(strstr(err_last(), "budget: 1000000.00 USD is above what meeting m1 has"
					 " allocated as of 2019-01-25, 1000.00 USD"),
		      "%s", err_last());
	expect_unchanged(f.c, before);
	/* a what-if may ask: it stores nothing */
	o = rank(&rc, f.c,
		 "{\"meeting\":\"m1\",\"as_of\":\"2019-01-25\",\"budget\":\"1000000.00\","
		 "\"what_if\":true}");
	ck_assert_msg(rc == 0, "%s", err_last());
	ck_assert_str_eq(harness_str(o, "allocated"), "2500.00");
	json_decref(o);
	expect_unchanged(f.c, before);
	free(before);
	/* the budget given at or below the allocation is stored */
	o = rank(&rc, f.c, "{\"meeting\":\"m1\",\"as_of\":\"2019-01-25\",\"budget\":\"1000.00\"}");
	ck_assert_msg(rc == 0, "%s", err_last());
	ck_assert_str_eq(harness_str(o, "budget_source"), "given");
	json_decref(o);
	/* without an allocation the ledger budget is nothing */
	meeting(f.c, "m2");
	o = rank(&rc, f.c, "{\"meeting\":\"m2\",\"as_of\":\"2019-01-25\"}");
	ck_assert_msg(rc == 0, "%s", err_last());
	ck_assert_str_eq(harness_str(o, "budget"), "0.00");
	ck_assert_str_eq(harness_str(o, "allocated"), "0.00");
	json_decref(o);
	fx_close(&f);
}
END_TEST

START_TEST(test_settle__beyond_cash_stopped_by_the_bank_floor_until_an_overdraft)
{
	struct fx f;
	json_t *o, *list = NULL;
	char *before;
	int rc;

	fx_open(&f);
	meeting(f.c, "m1");
	json_decref(ok(f.c, fund_allocation_add,
		       "{\"date\":\"2019-01-10\",\"source\":{\"earmark\":\"travel\",\"currency\":"
		       "\"USD\"},\"meeting\":\"m1\",\"amount\":\"2500.00\"}"));
	o = rank(&rc, f.c, "{\"meeting\":\"m1\",\"as_of\":\"2019-01-25\"}");
	ck_assert_msg(rc == 0, "%s", err_last());
	json_decref(o);
	json_decref(harness_op_ok(f.c, travel_approve, &sec,
				  "{\"meeting\":\"m1\",\"date\":\"2019-01-25\"}"));
	/* 7000.00 paid for a contract leaves 1000.00 USD in the bank */
	ck_assert_msg(pay_contract(f.c, "2019-01-26", 700000) == 0, "%s", err_last());
	harness_expect_balance(f.c, "1010-USD", "100000");
	before = snapshot(f.c);
	harness_op_refused(f.c, travel_settle, &sec,
			   "{\"meeting\":\"m1\",\"applicant\":\"bo\",\"airfare\":\"1200.00\","
			   "\"dsa\":\"300.00\",\"date\":\"2019-02-05\"}",
			   ERR_CONFLICT, "insufficient-funds",
			   "bank account 1010-USD would be -500.00 USD on 2019-02-05");
	expect_unchanged(f.c, before);
	free(before);
	/* a payment dated before the contract's is refused too: the floor holds on every later day */
	harness_op_refused(f.c, travel_settle, &sec,
			   "{\"meeting\":\"m1\",\"applicant\":\"bo\",\"airfare\":\"1200.00\","
			   "\"dsa\":\"300.00\",\"date\":\"2019-01-25\"}",
			   ERR_CONFLICT, "insufficient-funds", "1010-USD");
	/* finance allows 1000.00 below zero: the settlement goes through */
	refused(f.c, fund_overdraft_set,
		"{\"account\":\"5200-USD\",\"limit\":\"1.00\",\"reason\":\"r\"}", ERR_INVALID,
		"invalid-field", "account: not a bank account");
	refused(f.c, fund_overdraft_set,
		"{\"account\":\"1010-USD\",\"limit\":\"-1.00\",\"reason\":\"r\"}", ERR_INVALID,
		"invalid-field", "limit");
	o = ok(f.c, fund_overdraft_set,
	       "{\"account\":\"1010-USD\",\"limit\":\"1000.00\",\"reason\":\"bridge until the"
	       " EU transfer\"}");
	ck_assert_str_eq(harness_str(o, "limit"), "1000.00");
	json_decref(o);
	json_decref(harness_op_ok(f.c, travel_settle, &sec,
				  "{\"meeting\":\"m1\",\"applicant\":\"bo\",\"airfare\":\"1200.00\","
				  "\"dsa\":\"300.00\",\"date\":\"2019-02-05\"}"));
	harness_expect_balance(f.c, "1010-USD", "-50000");
	ck_assert_int_eq(fund_overdrafts_list(&list, f.c), 0);
	ck_assert_int_eq(json_array_size(list), 1);
	ck_assert_str_eq(harness_str(json_array_get(list, 0), "account"), "1010-USD");
	json_decref(list);
	harness_expect_value(f.c, "SELECT count(*) FROM audit WHERE action = 'overdraft.set'", "1");
	/* spent against m1 counts in its allocation: 1500.00 spent, 1000.00 obliged */
	expect_source(f.c, "2019-02-28", "travel", "USD", "-500.00", "5500.00", "0.00", "5500.00");
	/* limit 0 removes it; the account stays where it is */
	json_decref(ok(f.c, fund_overdraft_set,
		       "{\"account\":\"1010-USD\",\"limit\":\"0.00\",\"reason\":\"bridge over\"}"));
	ck_assert_int_eq(fund_overdrafts_list(&list, f.c), 0);
	ck_assert_int_eq(json_array_size(list), 0);
	json_decref(list);
	fx_close(&f);
}
END_TEST

/* --- routes ------------------------------------------------------------------------------ */

static struct roles_env E;

static void cli_ok(const char *const *args)
{
	char *err = NULL;
	int rc = cli_on(NULL, &err, &E.d, E.finance, args);

	ck_assert_msg(rc == 0, "tfledger %s %s: exit %d: %s", args[0], args[1], rc, err);
	free(err);
}

static void routes_setup(void)
{
	json_t *p;
	char body[256];

	roles_env_open(&E);
	daemon_start(&E.d, E.conninfo, E.dir);
	cli_ok((const char *const[]){"fund", "init", NULL});
	cli_ok((const char *const[]){"rates", "import", DATA "fund/rates-2019.csv", NULL});
	json_decref(call_on(&E.d, "POST", "/v1/donors", E.finance,
			    "{\"id\":\"eu\",\"name\":\"EU\",\"org_type\":\"40\"}",
			    201));
	p = call_on(&E.d, "POST", "/v1/pledges", E.finance,
		    "{\"donor\":\"eu\",\"date\":\"2019-01-05\",\"amount\":\"1000.00\",\"currency\":"
		    "\"EUR\",\"earmark\":\"travel\",\"agreement\":\"EU-1\"}",
		    201);
	snprintf(body, sizeof(body),
		 "{\"pledge\":%lld,\"date\":\"2019-01-20\",\"bank_account\":\"1010-EUR\","
		 "\"amount\":\"1000.00\"}",
		 (long long)json_integer_value(json_object_get(p, "id")));
	json_decref(p);
	json_decref(call_on(&E.d, "POST", "/v1/receipts", E.finance, body, 201));
	json_decref(call_on(&E.d, "POST", "/v1/meetings", E.secretariat,
			    "{\"id\":\"m1\",\"name\":\"MAG\",\"starts_on\":\"2019-02-01\","
			    "\"ends_on\":\"2019-02-03\",\"place\":\"Geneva\",\"currency\":\"EUR\"}",
			    201));
}

static void routes_teardown(void)
{
	roles_env_close(&E);
}

/* The status and, if code is not NULL, the error code of r; frees r. */
static void expect(struct resp r, long status, const char *code)
{
	char *got = error_code(r.body);

	ck_assert_msg(r.status == status, "status %ld, want %ld: %s", r.status, status, r.body);
	if (code)
		ck_assert_msg(got && strcmp(got, code) == 0, "code %s, want %s: %s", got, code,
			      r.body);
	free(got);
	resp_free(&r);
}

/* The write with key twice (the same answer, nothing more stored), then
 * the key with another body (409, nothing stored). */
static void replayed(const char *path, const char *token, const char *key, const char *body,
		     const char *other)
{
	PGconn *c = harness_connect(E.conninfo);
	struct resp a = http(&E.d, "POST", path, token, key, body), b;
	char *before;

	ck_assert_msg(a.status == 201, "%s: %ld: %s", path, a.status, a.body);
	before = snapshot(c);
	b = http(&E.d, "POST", path, token, key, body);
	ck_assert_msg(b.status == 201, "%s replay: %ld: %s", path, b.status, b.body);
	ck_assert_str_eq(b.body, a.body);
	resp_free(&b);
	expect(http(&E.d, "POST", path, token, key, other), 409, "conflict");
	expect_unchanged(c, before);
	free(before);
	resp_free(&a);
	PQfinish(c);
}

START_TEST(test_control_routes__roles_and_idempotency_keys)
{
	const char *alloc = "{\"date\":\"2019-01-25\",\"source\":{\"earmark\":\"travel\","
			    "\"currency\":\"EUR\"},\"meeting\":\"m1\",\"amount\":\"600.00\"}";
	const char *over = "{\"meeting\":\"m1\",\"amount\":\"100.00\",\"reason\":\"chair\"}";
	const char *od = "{\"account\":\"1010-EUR\",\"limit\":\"50.00\",\"reason\":\"bridge\"}";
	const char *const readers[] = {E.admin, E.finance, E.secretariat, E.auditor};
	char body[1024];
	PGconn *c;
	json_t *o;

	/* what is available: every role reads it */
	for (size_t i = 0; i < HARNESS_N(readers); i++) {
		o = call_on(&E.d, "GET", "/v1/funds/available?as_of=2019-01-31", readers[i], NULL,
			    200);
		ck_assert_str_eq(harness_str(o, "available_usd"), "1142.00");
		json_decref(o);
		json_decref(call_on(&E.d, "GET", "/v1/allocations", readers[i], NULL, 200));
		json_decref(call_on(&E.d, "GET", "/v1/overruns", readers[i], NULL, 200));
	}
	expect(http(&E.d, "GET", "/v1/funds/available", E.finance, NULL, NULL), 400,
	       "invalid-field");
	expect(http(&E.d, "GET", "/v1/funds/available?as_of=2019-01-31&x=1", E.finance, NULL, NULL),
	       400, "invalid-field");
	expect(http(&E.d, "GET", "/v1/funds/available?as_of=2019-12-31", E.finance, NULL, NULL),
	       422, "missing-rate");
	/* allocations: finance and admin write */
	expect(http(&E.d, "POST", "/v1/allocations", E.secretariat, NULL, alloc), 403, "forbidden");
	expect(http(&E.d, "POST", "/v1/allocations", E.auditor, NULL, alloc), 403, "forbidden");
	replayed("/v1/allocations", E.finance, "alloc-1", alloc,
		 "{\"date\":\"2019-01-25\",\"source\":{\"earmark\":\"travel\",\"currency\":\"EUR\"},"
		 "\"meeting\":\"m1\",\"amount\":\"1.00\"}");
	expect(http(&E.d, "POST", "/v1/allocations", E.admin, NULL, alloc), 409,
	       "insufficient-funds");
	o = call_on(&E.d, "GET", "/v1/allocations?meeting=m1&year=2019", E.secretariat, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "allocations")), 1);
	json_decref(o);
	expect(http(&E.d, "GET", "/v1/allocations?year=nineteen", E.finance, NULL, NULL), 400,
	       "invalid-field");
	/* overruns: finance alone countersigns */
	expect(http(&E.d, "POST", "/v1/overruns", E.admin, NULL, over), 403, "forbidden");
	expect(http(&E.d, "POST", "/v1/overruns", E.secretariat, NULL, over), 403, "forbidden");
	expect(http(&E.d, "POST", "/v1/overruns", E.auditor, NULL, over), 403, "forbidden");
	replayed("/v1/overruns", E.finance, "over-1", over,
		 "{\"meeting\":\"m1\",\"amount\":\"2.00\",\"reason\":\"chair\"}");
	o = call_on(&E.d, "GET", "/v1/overruns", E.auditor, NULL, 200);
	ck_assert_str_eq(harness_str(json_array_get(json_object_get(o, "overruns"), 0), "signed_by"),
			 "fin");
	json_decref(o);
	/* overdrafts: admin or finance set; secretariat neither sets nor reads */
	expect(http(&E.d, "POST", "/v1/overdrafts", E.secretariat, NULL, od), 403, "forbidden");
	expect(http(&E.d, "POST", "/v1/overdrafts", E.auditor, NULL, od), 403, "forbidden");
	expect(http(&E.d, "GET", "/v1/overdrafts", E.secretariat, NULL, NULL), 403, "forbidden");
	replayed("/v1/overdrafts", E.admin, "od-1", od,
		 "{\"account\":\"1010-EUR\",\"limit\":\"60.00\",\"reason\":\"bridge\"}");
	expect(http(&E.d, "POST", "/v1/overdrafts", E.finance, NULL,
		    "{\"account\":\"1200-EUR\",\"limit\":\"1.00\",\"reason\":\"r\"}"),
	       400, "invalid-field");
	o = call_on(&E.d, "GET", "/v1/overdrafts", E.auditor, NULL, 200);
	ck_assert_str_eq(harness_str(json_array_get(json_object_get(o, "overdrafts"), 0), "limit"),
			 "50.00");
	json_decref(o);
	/* the journal's own route meets the floor: 1000.00 EUR less 1060.00 is
	 * below -50.00, less 1040.00 is not */
	entry_body(body, sizeof(body), "2019-01-28", "5600-EUR", "1010-EUR", "1060.00");
	expect(http(&E.d, "POST", "/v1/entries", E.finance, NULL, body), 409, "insufficient-funds");
	entry_body(body, sizeof(body), "2019-01-28", "5600-EUR", "1010-EUR", "1040.00");
	expect(http(&E.d, "POST", "/v1/entries", E.finance, NULL, body), 201, NULL);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM entries WHERE memo = 'm'"), 1);
	c = harness_connect(E.conninfo);
	harness_expect_value(c,
			     "SELECT string_agg(action, ',' ORDER BY id) FROM audit WHERE action IN"
			     " ('allocation.add', 'overrun.countersign', 'overdraft.set')",
			     "allocation.add,overrun.countersign,overdraft.set");
	PQfinish(c);
}
END_TEST

/* --- the CLI --------------------------------------------------------------------------- */

START_TEST(test_control_cli__exit_codes)
{
	struct fx f;
	struct cli_env e;
	char *out = NULL, *err = NULL;
	int rc;

	fx_open(&f);
	meeting(f.c, "m1");
	cli_env_open(&e, f.db);
	rc = cli_on(&out, &err, &e.d, e.finance,  (const char *const[]){"allocations", "add", "--date", "2019-01-25",
						       "--source-earmark", "none",
						       "--source-currency", "EUR", "--meeting", "m1",
						       "--amount", "571.00", "--format", "json",
						       NULL});
	ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
	ck_assert_msg(strstr(out, "\"500.00\""), "%s", out);
	free(out);
	free(err);
	rc = cli_on(NULL, &err, &e.d, e.finance,  (const char *const[]){"allocations", "add", "--date", "2019-01-25",
						       "--source-earmark", "none",
						       "--source-currency", "EUR", "--line",
						       "staff", "--amount", "501.00", NULL});
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strstr(err, "500.00 EUR available") && strstr(err, "[insufficient-funds]"),
		      "%s", err);
	free(err);
	rc = cli_on(NULL, &err, &e.d, e.finance,  (const char *const[]){"allocations", "add", "--date", "2019-01-25",
						       NULL});
	ck_assert_int_eq(rc, 1);
	free(err);
	rc = cli_on(&out, &err, &e.d, e.finance,  (const char *const[]){"funds", "available", "--as-of",
						       "2019-01-31", NULL});
	ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
	ck_assert_msg(strstr(out, "available as of 2019-01-31: 8571.00 USD"), "%s", out);
	free(out);
	free(err);
	rc = cli_on(&out, &err, &e.d, e.finance,  (const char *const[]){"overruns", "add", "--meeting", "m1",
						       "--amount", "10.00", "--reason", "r", NULL});
	ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
	free(out);
	free(err);
	rc = cli_on(NULL, &err, &e.d, e.finance,  (const char *const[]){"overdrafts", "set", "--account", "8200-USD",
						       "--limit", "1.00", "--reason", "r", NULL});
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strstr(err, "not a bank account"), "%s", err);
	free(err);
	rc = cli_on(&out, &err, &e.d, e.finance,  (const char *const[]){"allocations", "list", "--meeting", "m1",
						       NULL});
	ck_assert_msg(rc == 0 && strstr(out, "m1"), "exit %d: %s %s", rc, out, err);
	free(out);
	free(err);
	cli_env_close(&e);
	fx_close(&f);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test lib[] = {
		{test_available__figures_per_source_and_in_usd, 0},
		{test_available__missing_rate_names_currency_and_month, 0},
		{test_allocation__same_currency_moves_the_pool_to_the_meeting, 0},
		{test_allocation__across_currencies_books_both_sides_through_8900, 0},
		{test_allocation__beyond_the_source_refused_with_figures_nothing_stored, 0},
		{test_approve__beyond_allocation_refused_then_countersigned_once, 0},
		{test_rank__typed_budget_above_allocation_refused_what_if_allowed, 0},
		{test_settle__beyond_cash_stopped_by_the_bank_floor_until_an_overdraft, 0},
		{test_control_cli__exit_codes, 0},
	};
	const struct harness_test routes[] = {
		{test_control_routes__roles_and_idempotency_keys, 0},
	};
	Suite *s = suite_create("control");

	harness_add_tcase(s, "library", NULL, NULL, 120, lib, HARNESS_N(lib));
	harness_add_tcase(s, "routes", routes_setup, routes_teardown, 120, routes,
			  HARNESS_N(routes));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
