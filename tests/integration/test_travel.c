/*
 * test_travel.c - travel support in the ledger (travel/travel.c,
 * cli/travel.c) against a fresh migrated database per test, with a fund
 * that received 8000.00 USD earmarked for travel: import and rank a stored
 * meeting with the ledger's budget, prior funding from the fund's history
 * over what the CSV says (and the difference reported), approve twice =
 * the same entries, decline releasing the obligation and offering the place
 * to the next waitlisted applicant who fits, settle booking the actual cost
 * and releasing the rest, every currency's trial balance zero and the
 * journal verified after all of it, a what-if that stores nothing, and bad
 * CSV files refused whole with nothing stored; four eyes (the ranker, a
 * person without the approver role, a countersigner who ranked or
 * approves: refused; the setting off: the Secretariat approves), the trip
 * report due after the policy's grace days, and no person named in the
 * journal's memos. CLI paths run the real tfledger binary through the one
 * door: a real tfledgerd and the tokens of three people, no database.
 */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/limits.h"
#include "fund/control.h"
#include "fund/fund.h"
#include "ledger/ledger.h"
#include "travel/travel.h"
#include "tests/harness/harness.h"
#include "tests/integration/ledger_fixture.h"

#define DATA SRCDATADIR "/tests/data/travel/"

static const struct ledger_actor who = {LEDGER_FUND_CLI_TOKEN_ID, "tester", "secretariat",
					"test", NULL};

struct fx {
	char db[LIMIT_CONNINFO_BYTES];
	PGconn *c;
};

typedef int (*op_fn)(json_t **, PGconn *, json_t *, const struct ledger_actor *);

/* Runs op on a JSON text (printf format); asserts success; returns the answer. */
#define ok(c, op, ...) harness_op_ok(c, op, &who, __VA_ARGS__)




/* Everything a refused or idempotent operation must leave as it was. */
static char *snapshot(PGconn *c)
{
	char *v = harness_query_value(
		c, "SELECT (SELECT count(*) FROM entries) || '/' || (SELECT count(*) FROM postings)"
		   " || '/' || (SELECT count(*) FROM audit) || '/' || (SELECT count(*) FROM"
		   " travel_meetings) || '/' || (SELECT count(*) FROM travel_applicants) || '/' ||"
		   " (SELECT count(*) FROM travel_runs) || '/' || (SELECT count(*) FROM"
		   " travel_decisions) || '/' || COALESCE((SELECT string_agg(applicant || ':' ||"
		   " status, ',' ORDER BY id) FROM travel_trips), '') || '/' || (SELECT hash FROM"
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




/* A fresh database with the chart and 8000.00 USD received for travel;
 * one actor ranks and approves (four eyes off: the four-eyes tests and the
 * CLI's, through tfledgerd, turn it on). */
static void fx_open(struct fx *f)
{
	harness_new_db(f->db, sizeof(f->db));
	harness_four_eyes(f->db, false);
	f->c = harness_connect(f->db);
	harness_travel_fund(f->c, &who);
	harness_expect_balance(f->c, "8200-USD", "800000");
}

static void fx_close(struct fx *f)
{
	PQfinish(f->c);
}

static void import(PGconn *c, const char *meeting, const char *file, long long want)
{
	json_t *out = NULL;
	FILE *f = fopen(file, "r");
	int rc;

	ck_assert_msg(f, "%s", file);
	rc = travel_applicants_import(&out, c, meeting, f, file, &who);
	fclose(f);

	ck_assert_msg(rc == 0, "import %s: %s", file, err_last());
	ck_assert_int_eq(json_integer_value(json_object_get(out, "imported")), want);
	json_decref(out);
}

/*
 * Allocates amount USD of source earmark to meeting on date (the funds
 * control: a meeting's budget is what was allocated to it, docs/controls.md).
 */
static void allocate(PGconn *c, const char *meeting, const char *date, const char *amount,
		     const char *earmark)
{
	json_decref(ok(c, fund_allocation_add,
		       "{\"date\":\"%s\",\"source\":{\"earmark\":\"%s\",\"currency\":\"USD\"},"
		       "\"meeting\":\"%s\",\"amount\":\"%s\"}",
		       date, earmark, meeting, amount));
}

/* Ranks with body (printf format); returns the ranking's JSON. */
__attribute__((format(printf, 2, 3))) static json_t *rank(PGconn *c, const char *fmt, ...)
{
	char text[512];
	travel_ranking *k = NULL;
	json_t *body, *o;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	body = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(body);
	rc = travel_rank(&k, c, body, &who);
	ck_assert_msg(rc == 0, "rank %s: %s [%s]", text, err_last(), err_code_name(err_code_of(rc)));
	o = travel_ranking_json(k);
	ck_assert_ptr_nonnull(o);
	travel_ranking_free(k);
	json_decref(body);
	return o;
}

/* The decision of applicant id in a ranking's JSON. */
static json_t *decision(json_t *ranking, const char *id)
{
	size_t i;
	json_t *d;

	json_array_foreach(json_object_get(ranking, "decisions"), i, d)
		if (strcmp(harness_str(d, "id"), id) == 0)
			return d;
	ck_abort_msg("no decision for %s", id);
	return NULL;
}

/*
 * The earlier meeting (2018-10-01), 2500.00 allocated from the travel
 * earmark: amina (1000.00) and bo (1500.00) funded and approved; bo's trip
 * settled with its report (900.00 + 300.00 paid), amina's report never
 * came. Leaves 8100-USD 1000.00, 5200-USD 1200.00, 8200-USD 5500.00.
 */
static void prior_meeting(PGconn *c)
{
	json_t *o;

	json_decref(ok(c, travel_meeting_add,
		       "{\"id\":\"igf2018-mag3\",\"name\":\"MAG 3 2018\",\"starts_on\":\"2018-10-01\","
		       "\"ends_on\":\"2018-10-03\",\"place\":\"Geneva\",\"currency\":\"USD\"}"));
	import(c, "igf2018-mag3", DATA "prior.csv", 2);
	allocate(c, "igf2018-mag3", "2018-09-01", "2500.00", "travel");
	o = rank(c, "{\"meeting\":\"igf2018-mag3\",\"as_of\":\"2018-09-10\",\"budget\":\"2500.00\"}");
	ck_assert_str_eq(harness_str(o, "allocated"), "2500.00");
	json_decref(o);
	json_decref(ok(c, travel_approve, "{\"meeting\":\"igf2018-mag3\",\"date\":\"2018-09-15\"}"));
	json_decref(ok(c, travel_settle,
		       "{\"meeting\":\"igf2018-mag3\",\"applicant\":\"bo\",\"airfare\":\"900.00\","
		       "\"dsa\":\"300.00\",\"report_received\":\"2018-10-20\",\"date\":\"2018-10-20\"}"));
	harness_expect_balance(c, "8100-USD", "100000");
	harness_expect_balance(c, "5200-USD", "120000");
}

/* The main meeting, allocated what the travel earmark has left after
 * prior_meeting: 5500.00 (2019-01-02). */
static void main_meeting(PGconn *c)
{
	json_decref(ok(c, travel_meeting_add,
		       "{\"id\":\"igf2019-mag1\",\"name\":\"MAG 1 2019\",\"starts_on\":\"2019-01-29\","
		       "\"ends_on\":\"2019-01-31\",\"place\":\"Geneva\",\"currency\":\"USD\","
		       "\"budget_line\":\"MAG travel 2019\"}"));
	import(c, "igf2019-mag1", DATA "mag1.csv", 6);
	allocate(c, "igf2019-mag1", "2019-01-02", "5500.00", "travel");
}

/* --- tests ---------------------------------------------------------------------------- */

START_TEST(test_travel_rank__budget_from_ledger_and_history_over_csv)
{
	struct fx f;
	json_t *o, *h;
	char sql[256];

	fx_open(&f);
	prior_meeting(f.c);
	main_meeting(f.c);
	o = rank(f.c, "{\"meeting\":\"igf2019-mag1\",\"as_of\":\"2019-01-05\"}");
	/* the meeting's allocation: 8000.00 earmarked less 2500.00 to the prior meeting */
	ck_assert_str_eq(harness_str(o, "budget"), "5500.00");
	ck_assert_str_eq(harness_str(o, "budget_source"), "ledger");
	ck_assert_str_eq(harness_str(o, "allocated"), "4200.00");
	ck_assert_str_eq(harness_str(o, "remaining"), "1300.00");
	/* amina wrote 0 and 0; the fund knows one trip without its report */
	ck_assert_str_eq(harness_str(decision(o, "amina"), "decision"), "ineligible");
	ck_assert_str_eq(json_string_value(json_array_get(
				 json_object_get(decision(o, "amina"), "reasons"), 0)),
			 "prior-reports-outstanding");
	/* bo wrote 0; the fund paid his earlier trip */
	ck_assert_str_eq(json_string_value(json_array_get(
				 json_object_get(decision(o, "bo"), "reasons"), 1)),
			 "funded-before");
	ck_assert_int_eq(json_integer_value(json_object_get(decision(o, "cy"), "rank")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(decision(o, "bo"), "rank")), 2);
	ck_assert_str_eq(harness_str(decision(o, "eve"), "decision"), "funded");
	ck_assert_str_eq(harness_str(decision(o, "fay"), "decision"), "waitlisted");
	ck_assert_str_eq(harness_str(decision(o, "dee"), "decision"), "waitlisted");
	h = json_object_get(o, "history");
	ck_assert_int_eq(json_array_size(h), 3);
	ck_assert_str_eq(harness_str(json_array_get(h, 0), "id"), "amina");
	ck_assert_str_eq(harness_str(json_array_get(h, 0), "field"), "prior_funded");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(h, 0), "declared")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(h, 0), "ledger")), 1);
	ck_assert_str_eq(harness_str(json_array_get(h, 1), "field"), "prior_reports_outstanding");
	ck_assert_str_eq(harness_str(json_array_get(h, 2), "id"), "bo");
	/* stored: the run, its inputs as ranked, the policy hash, the decisions */
	snprintf(sql, sizeof(sql),
		 "SELECT budget_minor || ' ' || budget_source || ' ' || policy_id || ' ' ||"
		 " (policy_sha256 = '%s') || ' ' || jsonb_array_length(inputs)"
		 " FROM travel_runs WHERE id = %lld",
		 harness_str(json_object_get(o, "policy"), "sha256"),
		 (long long)json_integer_value(json_object_get(o, "run")));
	harness_expect_value(f.c, sql, "550000 ledger igf-travel true 6");
	harness_expect_value(f.c, "SELECT inputs->0->>'prior_funded' || '/' || (inputs->0->>"
		    "'declared_prior_funded') FROM travel_runs ORDER BY id DESC LIMIT 1", "1/0");
	harness_expect_value(f.c, "SELECT string_agg(applicant || ':' || decision || ':' || granted_minor, ','"
		    " ORDER BY position) FROM travel_decisions WHERE run = (SELECT max(id) FROM"
		    " travel_runs)",
	       "cy:funded:200000,bo:funded:150000,eve:funded:70000,fay:waitlisted:0,"
	       "dee:waitlisted:0,amina:ineligible:0");
	harness_expect_value(f.c, "SELECT count(*) FROM audit WHERE action = 'travel.rank'", "2");
	json_decref(o);
	fx_close(&f);
}
END_TEST

START_TEST(test_travel_flow__approve_decline_settle_balances_and_verifies)
{
	struct fx f;
	json_t *o;
	char *before;

	fx_open(&f);
	prior_meeting(f.c);
	main_meeting(f.c);
	json_decref(rank(f.c, "{\"meeting\":\"igf2019-mag1\",\"as_of\":\"2019-01-05\"}"));

	/* approve: one obligation per funded applicant */
	o = ok(f.c, travel_approve, "{\"meeting\":\"igf2019-mag1\",\"date\":\"2019-01-06\"}");
	ck_assert_int_eq(json_array_size(json_object_get(o, "approved")), 3);
	json_decref(o);
	harness_expect_balance(f.c, "8100-USD", "520000");
	harness_expect_balance(f.c, "8190-USD", "-520000");
	harness_expect_value(f.c, "SELECT string_agg(t.applicant || ':' || p.amount, ',' ORDER BY t.applicant)"
		    " FROM travel_trips t JOIN postings p ON p.entry_id = t.obligation_entry"
		    " AND p.side = 'debit' WHERE t.meeting = 'igf2019-mag1'",
	       "bo:150000,cy:200000,eve:70000");

	/* ranking again after the approval sees the same budget and decisions
	 * (the meeting's own obligations count as its budget), and approving
	 * that run obliges nobody twice */
	o = rank(f.c, "{\"meeting\":\"igf2019-mag1\",\"as_of\":\"2019-01-07\"}");
	ck_assert_str_eq(harness_str(o, "budget"), "5500.00");
	ck_assert_str_eq(harness_str(o, "allocated"), "4200.00");
	json_decref(o);
	harness_expect_value(f.c, "SELECT count(*) FROM (SELECT applicant, decision FROM travel_decisions"
		    " WHERE run = (SELECT max(id) FROM travel_runs) EXCEPT SELECT applicant,"
		    " decision FROM travel_decisions WHERE run = (SELECT max(id) - 1 FROM"
		    " travel_runs)) x", "0");

	/* approving twice changes nothing */
	before = snapshot(f.c);
	o = ok(f.c, travel_approve, "{\"meeting\":\"igf2019-mag1\",\"date\":\"2019-01-07\"}");
	ck_assert_int_eq(json_array_size(json_object_get(o, "approved")), 0);
	json_decref(o);
	expect_unchanged(f.c, before);
	free(before);

	/* bo declines: 1500.00 released; 2800.00 is free: fay (3500.00) does
	 * not fit, dee (1800.00) does and is offered the place */
	o = ok(f.c, travel_decline,
	       "{\"meeting\":\"igf2019-mag1\",\"applicant\":\"bo\",\"date\":\"2019-01-08\"}");
	ck_assert_str_eq(harness_str(json_object_get(o, "trip"), "status"), "declined");
	ck_assert_int_eq(json_array_size(json_object_get(o, "offered")), 1);
	ck_assert_str_eq(harness_str(json_array_get(json_object_get(o, "offered"), 0), "applicant"), "dee");
	ck_assert_str_eq(harness_str(json_array_get(json_object_get(o, "offered"), 0), "status"), "offered");
	json_decref(o);
	harness_expect_balance(f.c, "8100-USD", "370000");
	harness_expect_value(f.c, "SELECT p.amount || p.account FROM travel_trips t JOIN postings p ON"
		    " p.entry_id = t.release_entry AND p.side = 'credit' WHERE t.applicant = 'bo'"
		    " AND t.meeting = 'igf2019-mag1'", "1500008100-USD");
	/* declining again is a conflict and stores nothing */
	before = snapshot(f.c);
	{
		json_t *body = json_loads("{\"meeting\":\"igf2019-mag1\",\"applicant\":\"bo\"}", 0,
					  NULL), *out = NULL;

		ck_assert_int_eq(travel_decline(&out, f.c, body, &who), ERR_CONFLICT);
		ck_assert_str_eq(err_code_name(err_code_of(ERR_CONFLICT)), "conflict");
		ck_assert_ptr_null(out);
		json_decref(body);
	}
	expect_unchanged(f.c, before);
	free(before);

	/* the offered place is obliged by the next approve */
	o = ok(f.c, travel_approve, "{\"meeting\":\"igf2019-mag1\",\"date\":\"2019-01-09\"}");
	ck_assert_int_eq(json_array_size(json_object_get(o, "approved")), 1);
	ck_assert_str_eq(harness_str(json_array_get(json_object_get(o, "approved"), 0), "applicant"), "dee");
	json_decref(o);
	harness_expect_balance(f.c, "8100-USD", "550000");

	/* settle cy: 1200.00 + 500.00 paid of 2000.00 granted */
	o = ok(f.c, travel_settle,
	       "{\"meeting\":\"igf2019-mag1\",\"applicant\":\"cy\",\"airfare\":\"1200.00\","
	       "\"dsa\":\"500.00\",\"report_received\":\"2019-02-08\",\"date\":\"2019-02-10\"}");
	ck_assert_str_eq(harness_str(o, "released"), "300.00");
	ck_assert_str_eq(harness_str(json_object_get(o, "trip"), "status"), "settled");
	json_decref(o);
	/* the expense is the actual cost; cy's obligation is zero */
	harness_expect_value(f.c, "SELECT string_agg(p.account || ' ' || p.side || ' ' || p.amount, ', '"
		    " ORDER BY p.account, p.side) FROM travel_trips t JOIN postings p ON"
		    " p.entry_id = t.settlement_entry WHERE t.applicant = 'cy'",
	       "1010-USD credit 170000, 5200-USD debit 170000, 8100-USD credit 200000,"
	       " 8190-USD debit 200000");
	harness_expect_value(f.c, "SELECT sum(CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END)"
		    " FROM postings p JOIN entries e ON e.id = p.entry_id WHERE p.account ="
		    " '8100-USD' AND e.id IN (SELECT obligation_entry FROM travel_trips WHERE"
		    " applicant = 'cy' UNION ALL SELECT settlement_entry FROM travel_trips WHERE"
		    " applicant = 'cy')", "0");
	/* open: amina 1000 (2018) + eve 700 + dee 1800; spent 1200 + 1700 */
	harness_expect_balance(f.c, "8100-USD", "350000");
	harness_expect_balance(f.c, "5200-USD", "290000");
	harness_expect_balance(f.c, "1010-USD", "510000");
	{
		json_t *av = NULL;

		ck_assert_int_eq(fund_travel_available(&av, f.c, "2019-02-28"), 0);
		ck_assert_str_eq(harness_str(json_array_get(json_object_get(av, "currencies"), 0),
				     "available"), "1600.00");
		json_decref(av);
	}
	/* settling twice is a conflict */
	before = snapshot(f.c);
	{
		json_t *body = json_loads("{\"meeting\":\"igf2019-mag1\",\"applicant\":\"cy\","
					  "\"airfare\":\"1.00\",\"dsa\":\"0.00\","
					  "\"report_received\":\"2019-02-08\"}", 0, NULL), *out = NULL;

		ck_assert_int_eq(travel_settle(&out, f.c, body, &who), ERR_CONFLICT);
		json_decref(body);
	}
	expect_unchanged(f.c, before);
	free(before);

	harness_expect_trial_balance_zero(f.c);
	harness_expect_verified(f.c, -1);
	harness_expect_value(f.c, "SELECT string_agg(applicant || ':' || status, ',' ORDER BY applicant) FROM"
		    " travel_trips WHERE meeting = 'igf2019-mag1'",
	       "bo:declined,cy:settled,dee:approved,eve:approved");
	fx_close(&f);
}
END_TEST

START_TEST(test_travel_settle__above_granted_refused_nothing_stored)
{
	struct fx f;
	json_t *body, *out = NULL;
	char *before;

	fx_open(&f);
	prior_meeting(f.c);
	before = snapshot(f.c);
	body = json_loads("{\"meeting\":\"igf2018-mag3\",\"applicant\":\"amina\","
			  "\"airfare\":\"800.00\",\"dsa\":\"200.01\",\"report_received\":"
			  "\"2018-10-10\"}", 0, NULL);
	ck_assert_int_eq(travel_settle(&out, f.c, body, &who), ERR_INVALID);
	ck_assert_str_eq(err_code_name(err_code_of(ERR_INVALID)), "invalid-field");
	ck_assert_msg(strstr(err_last(), "1000.01") && strstr(err_last(), "1000.00"), "%s",
		      err_last());
	ck_assert_ptr_null(out);
	json_decref(body);
	expect_unchanged(f.c, before);
	free(before);
	fx_close(&f);
}
END_TEST

START_TEST(test_travel_what_if__stores_nothing)
{
	struct fx f;
	json_t *o;
	char *before;

	fx_open(&f);
	main_meeting(f.c);
	before = snapshot(f.c);
	o = rank(f.c, "{\"meeting\":\"igf2019-mag1\",\"budget\":\"2200.00\",\"currency\":\"USD\","
		      "\"what_if\":true}");
	ck_assert(json_is_null(json_object_get(o, "run")));
	ck_assert_str_eq(harness_str(o, "budget_source"), "given");
	/* no history here: amina is eligible and first (LDC) but 3000.00 does
	 * not fit; bo 1500.00 and eve 700.00 do, cy 2000.00 not after bo */
	ck_assert_int_eq(json_array_size(json_object_get(o, "history")), 0);
	ck_assert_str_eq(harness_str(o, "allocated"), "2200.00");
	ck_assert_int_eq(json_integer_value(json_object_get(decision(o, "amina"), "rank")), 1);
	ck_assert_str_eq(harness_str(decision(o, "amina"), "decision"), "waitlisted");
	ck_assert_str_eq(harness_str(decision(o, "bo"), "decision"), "funded");
	ck_assert_str_eq(harness_str(decision(o, "cy"), "decision"), "waitlisted");
	ck_assert_str_eq(harness_str(decision(o, "eve"), "decision"), "funded");
	json_decref(o);
	/* another policy: stopping at amina, the first misfit, funds nobody */
	o = rank(f.c, "{\"meeting\":\"igf2019-mag1\",\"budget\":\"2200.00\",\"policy\":"
		      "\"" DATA "policy-stop.xml\",\"what_if\":true}");
	ck_assert_str_eq(harness_str(json_object_get(o, "policy"), "id"), "igf-travel-stop");
	ck_assert_str_eq(harness_str(o, "allocated"), "0.00");
	ck_assert_str_eq(harness_str(decision(o, "eve"), "decision"), "waitlisted");
	ck_assert(json_is_null(json_object_get(o, "run")));
	json_decref(o);
	expect_unchanged(f.c, before);
	free(before);
	fx_close(&f);
}
END_TEST

START_TEST(test_travel_cancel__offered_place_needs_no_entry_and_is_offered_on)
{
	struct fx f;
	json_t *o;
	char *n1, *n2;

	fx_open(&f);
	main_meeting(f.c);
	/* 5000.00 given, no history: amina 3000.00 and bo 1500.00 funded */
	o = rank(f.c, "{\"meeting\":\"igf2019-mag1\",\"budget\":\"5000.00\",\"as_of\":"
		      "\"2019-01-05\"}");
	ck_assert_str_eq(harness_str(o, "allocated"), "4500.00");
	json_decref(o);
	json_decref(ok(f.c, travel_approve, "{\"meeting\":\"igf2019-mag1\",\"date\":"
						   "\"2019-01-06\"}"));
	/* cancelling bo frees 1500.00: 2000.00 left, cy (2000.00) fits */
	o = ok(f.c, travel_cancel,
	       "{\"meeting\":\"igf2019-mag1\",\"applicant\":\"bo\",\"date\":\"2019-01-07\"}");
	ck_assert_str_eq(harness_str(json_object_get(o, "trip"), "status"), "cancelled");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(json_object_get(o, "trip"),
								  "release_entry")));
	ck_assert_int_eq(json_array_size(json_object_get(o, "offered")), 1);
	ck_assert_str_eq(harness_str(json_array_get(json_object_get(o, "offered"), 0), "applicant"), "cy");
	json_decref(o);
	harness_expect_balance(f.c, "8100-USD", "300000");
	/* cancelling the offered place makes no entry; eve (700.00) is offered */
	n1 = harness_query_value(f.c, "SELECT count(*) FROM entries");
	o = ok(f.c, travel_cancel,
	       "{\"meeting\":\"igf2019-mag1\",\"applicant\":\"cy\",\"date\":\"2019-01-08\"}");
	ck_assert(json_is_null(json_object_get(json_object_get(o, "trip"), "release_entry")));
	ck_assert_int_eq(json_array_size(json_object_get(o, "offered")), 1);
	ck_assert_str_eq(harness_str(json_array_get(json_object_get(o, "offered"), 0), "applicant"), "eve");
	json_decref(o);
	n2 = harness_query_value(f.c, "SELECT count(*) FROM entries");
	ck_assert_str_eq(n1, n2);
	free(n1);
	free(n2);
	harness_expect_value(f.c, "SELECT string_agg(applicant || ':' || status, ',' ORDER BY id) FROM"
		    " travel_trips", "amina:approved,bo:cancelled,cy:cancelled,eve:offered");
	harness_expect_trial_balance_zero(f.c);
	harness_expect_verified(f.c, -1);
	fx_close(&f);
}
END_TEST

/*
 * Offers after a decline follow the run's allocation rule. Two meetings with
 * the same applicants, 4600.00 each (one allocated from the travel earmark,
 * the other from 5000.00 USD received unearmarked): amina 3000.00 and bo
 * 1500.00 funded.
 * Cancelling bo frees 1600.00: cy (2000.00) does not fit; under
 * skip-and-continue eve (700.00) is offered, under stop-at-first-misfit
 * nobody.
 */
START_TEST(test_travel_offer__follows_the_runs_allocation_rule)
{
	static const struct {
		const char *meeting, *policy, *offered;
	} cases[] = {{"skip", NULL, "eve"}, {"stop", DATA "policy-stop.xml", NULL}};
	struct fx f;
	json_t *p;

	fx_open(&f);
	p = ok(f.c, fund_pledge_add,
	       "{\"donor\":\"fin\",\"date\":\"2018-08-01\",\"amount\":\"5000.00\","
	       "\"currency\":\"USD\",\"agreement\":\"TF-2018-2\"}");
	json_decref(ok(f.c, fund_receipt_add,
		       "{\"pledge\":%lld,\"date\":\"2018-09-01\",\"bank_account\":\"1010-USD\","
		       "\"amount\":\"5000.00\"}",
		       (long long)json_integer_value(json_object_get(p, "id"))));
	json_decref(p);
	for (size_t i = 0; i < 2; i++) {
		const char *m = cases[i].meeting;
		json_t *o;
		char pol[512] = "";

		json_decref(ok(f.c, travel_meeting_add,
			       "{\"id\":\"%s\",\"name\":\"x\",\"starts_on\":\"2019-01-29\","
			       "\"ends_on\":\"2019-01-29\",\"place\":\"x\",\"currency\":\"USD\"}",
			       m));
		import(f.c, m, DATA "mag1.csv", 6);
		allocate(f.c, m, "2019-01-02", "4600.00", i == 0 ? "travel" : "none");
		if (cases[i].policy)
			snprintf(pol, sizeof(pol), ",\"policy\":\"%s\"", cases[i].policy);
		o = rank(f.c, "{\"meeting\":\"%s\",\"budget\":\"4600.00\"%s}", m, pol);
		ck_assert_str_eq(harness_str(o, "allocated"), "4500.00");
		json_decref(o);
		json_decref(ok(f.c, travel_approve, "{\"meeting\":\"%s\"}", m));
		o = ok(f.c, travel_cancel, "{\"meeting\":\"%s\",\"applicant\":\"bo\"}", m);
		if (cases[i].offered) {
			ck_assert_int_eq(json_array_size(json_object_get(o, "offered")), 1);
			ck_assert_str_eq(harness_str(json_array_get(json_object_get(o, "offered"), 0),
					     "applicant"), cases[i].offered);
		} else {
			ck_assert_int_eq(json_array_size(json_object_get(o, "offered")), 0);
		}
		json_decref(o);
	}
	harness_expect_value(f.c, "SELECT string_agg(meeting || ':' || allocation, ',' ORDER BY id) FROM"
		    " travel_runs", "skip:skip-and-continue,stop:stop-at-first-misfit");
	fx_close(&f);
}
END_TEST

/* Runs op on text expecting rc and code, and that nothing changed. */
static void refused(PGconn *c, op_fn op, const char *text, int want_rc, const char *want_code,
		    const char *want)
{
	char *before = snapshot(c);

	harness_op_refused(c, op, &who, text, want_rc, want_code, want);
	expect_unchanged(c, before);
	free(before);
}

/* travel_rank has its own signature; adapt it to op_fn. */
static int rank_op(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *w)
{
	travel_ranking *k = NULL;
	int rc = travel_rank(&k, c, body, w);

	*out = k ? travel_ranking_json(k) : NULL;
	travel_ranking_free(k);
	return rc;
}

START_TEST(test_travel_bad_input__refused_naming_the_field_nothing_stored)
{
	static const struct {
		op_fn op;
		const char *text;
		int err;
		const char *code, *want;
	} bad[] = {
		{travel_meeting_add, "{\"id\":\"igf2019-mag1\",\"name\":\"x\","
		 "\"starts_on\":\"2019-01-29\",\"ends_on\":\"2019-01-29\",\"place\":\"x\","
		 "\"currency\":\"USD\"}",
		 ERR_CONFLICT, "conflict", "exists"},
		{travel_meeting_add, "{\"id\":\"m2\",\"name\":\"x\",\"starts_on\":\"2019-01-29\","
		 "\"ends_on\":\"2019-01-28\",\"place\":\"x\",\"currency\":\"USD\"}",
		 ERR_INVALID, "invalid-field", "ends_on"},
		{travel_meeting_add, "{\"id\":\"m2\",\"name\":\"x\",\"starts_on\":\"2019-01-29\","
		 "\"ends_on\":\"2019-01-29\",\"place\":\"x\",\"currency\":\"XXY\"}",
		 ERR_INVALID, "invalid-field", "not an ISO 4217 currency: XXY"},
		{travel_meeting_add, "{\"id\":\"M 2\",\"name\":\"x\",\"starts_on\":\"2019-01-29\","
		 "\"ends_on\":\"2019-01-29\",\"place\":\"x\",\"currency\":\"USD\"}",
		 ERR_INVALID, "invalid-field", "id:"},
		{rank_op, "{\"meeting\":\"nope\"}", ERR_NOTFOUND, "not-found", "nope"},
		{rank_op, "{\"meeting\":\"igf2019-mag1\",\"budget\":\"10.00\","
		 "\"currency\":\"EUR\"}",
		 ERR_INVALID, "invalid-field", "budgeted in USD"},
		{rank_op, "{\"meeting\":\"igf2019-mag1\",\"budget\":\"10.5\"}",
		 ERR_INVALID, "invalid-field", "budget"},
		{rank_op, "{\"meeting\":\"igf2019-mag1\",\"policy\":\"" DATA "mag1.csv\"}",
		 ERR_INVALID, "invalid-field", "policy"},
		{rank_op, "{\"meeting\":\"igf2019-mag1\",\"budgets\":\"1.00\"}",
		 ERR_INVALID, "invalid-field", "budgets: unknown field"},
		{travel_approve, "{\"meeting\":\"igf2019-mag1\"}",
		 ERR_CONFLICT, "conflict", "no stored ranking"},
		{travel_decline, "{\"meeting\":\"igf2019-mag1\",\"applicant\":\"cy\"}",
		 ERR_NOTFOUND, "not-found", "no trip"},
		{travel_settle, "{\"meeting\":\"igf2019-mag1\",\"applicant\":\"cy\","
		 "\"airfare\":\"-1.00\",\"dsa\":\"0.00\",\"report_received\":\"2019-02-01\"}",
		 ERR_INVALID, "invalid-field", "airfare"},
		{travel_settle, "{\"meeting\":\"igf2019-mag1\",\"applicant\":\"cy\","
		 "\"airfare\":\"0.00\",\"dsa\":\"0.00\",\"report_received\":\"2019-02-01\"}",
		 ERR_INVALID, "invalid-field", "more than 0"},
		{travel_settle, "{\"meeting\":\"igf2019-mag1\",\"applicant\":\"cy\","
		 "\"airfare\":\"1.00\",\"dsa\":\"0.00\",\"report_received\":\"2019-02-30\"}",
		 ERR_INVALID, "invalid-field", "report_received"},
	};
	struct fx f;

	fx_open(&f);
	main_meeting(f.c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(f.c, bad[i].op, bad[i].text, bad[i].err, bad[i].code, bad[i].want);
	/* a meeting in a currency the books do not keep yet gets its accounts */
	harness_expect_value(f.c, "SELECT count(*) FROM accounts WHERE currency = 'JPY'", "0");
	json_decref(ok(f.c, travel_meeting_add,
		       "{\"id\":\"tokyo\",\"name\":\"x\",\"starts_on\":\"2019-01-29\","
		       "\"ends_on\":\"2019-01-29\",\"place\":\"Tokyo\",\"currency\":\"JPY\"}"));
	harness_expect_value(f.c, "SELECT count(*) FROM accounts WHERE currency = 'JPY'", "25");
	harness_expect_value(f.c, "SELECT count(*) FROM audit WHERE action = 'fund.currency'"
				  " AND object = 'JPY'", "1");
	fx_close(&f);
}
END_TEST

/* The database refuses what the code refuses (0030's CHECK constraints). */
START_TEST(test_travel_db__refuses_what_the_code_refuses)
{
	/* 23514: a CHECK; P0001: the entry-exists trigger; 42501: the daemon's
	 * role may not change a stored run */
	static const struct {
		const char *sql, *sqlstate;
	} bad_sql[] = {
		{"INSERT INTO travel_meetings (id, name, starts_on, ends_on, place, currency)"
		 " VALUES ('m2', 'x', '2019-01-02', '2019-01-01', 'x', 'USD')", "23514"},
		{"INSERT INTO travel_trips (meeting, applicant, person, run, status, granted_minor,"
		 " currency) SELECT 'igf2019-mag1', 'cy', 'cy', max(id), 'approved', 100, 'USD'"
		 " FROM travel_runs", "23514"},
		{"INSERT INTO travel_trips (meeting, applicant, person, run, status, granted_minor,"
		 " currency, obligation_entry) SELECT 'igf2019-mag1', 'cy', 'cy', max(id),"
		 " 'approved', 100, 'USD', gen_random_uuid() FROM travel_runs", "P0001"},
		{"INSERT INTO travel_trips (meeting, applicant, person, run, status, granted_minor,"
		 " currency, report_received_on) SELECT 'igf2019-mag1', 'cy', 'cy', max(id),"
		 " 'offered', 100, 'USD', '2019-01-01' FROM travel_runs", "23514"},
		{"UPDATE travel_runs SET allocated_minor = allocated_minor + 1", "42501"},
		/* 0033: a report belongs to a trip that took place; a settled
		 * trip has its figures */
		{"INSERT INTO travel_trips (meeting, applicant, person, run, status, granted_minor,"
		 " currency, report_received_on) SELECT 'igf2019-mag1', 'cy', 'cy', max(id),"
		 " 'cancelled', 100, 'USD', '2019-02-01' FROM travel_runs", "23514"},
		{"INSERT INTO travel_trips (meeting, applicant, person, run, status, granted_minor,"
		 " currency, obligation_entry, settlement_entry, report_received_on)"
		 " SELECT 'igf2019-mag1', 'cy', 'cy', max(r.id), 'settled', 100, 'USD', e.id, e.id,"
		 " '2019-02-01' FROM travel_runs r, (SELECT id FROM entries LIMIT 1) e GROUP BY e.id",
		 "23514"},
		{"INSERT INTO travel_decisions (run, position, applicant, rank, decision,"
		 " amount_minor, granted_minor, reasons, explanation) SELECT max(id), 99, 'zz', NULL,"
		 " 'funded', 5, 5, '{}', 'x' FROM travel_runs", "23514"},
	};
	struct fx f;

	fx_open(&f);
	main_meeting(f.c);
	json_decref(rank(f.c, "{\"meeting\":\"igf2019-mag1\",\"budget\":\"100.00\"}"));
	for (size_t i = 0; i < sizeof(bad_sql) / sizeof(bad_sql[0]); i++) {
		PGresult *r = PQexec(f.c, bad_sql[i].sql);
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

		ck_assert_msg(PQresultStatus(r) == PGRES_FATAL_ERROR, "accepted: %s", bad_sql[i].sql);
		ck_assert_msg(state && strcmp(state, bad_sql[i].sqlstate) == 0, "%s: SQLSTATE %s, want"
			      " %s", bad_sql[i].sql, state ? state : "-", bad_sql[i].sqlstate);
		PQclear(r);
	}
	fx_close(&f);
}
END_TEST

/* --- four eyes, the report's grace period, the journal's memos ------------------------------ */

/* The people of the four-eyes tests: their token name is their user name. */
static const struct ledger_actor sec = {LEDGER_FUND_CLI_TOKEN_ID, "sec", "secretariat", "t",
					"sec"};
static const struct ledger_actor appr = {LEDGER_FUND_CLI_TOKEN_ID, "appr", "approver", "t",
					 "appr"};
static const struct ledger_actor fin = {LEDGER_FUND_CLI_TOKEN_ID, "fin", "finance", "t",
					"fin"};

/*
 * The main meeting ranked by sec as of 2019-01-05, approved as of
 * 2019-01-01, the day before its allocation: the approval needs a
 * countersigned overrun for all it obliges.
 */
static void four_eyes_meeting(PGconn *c)
{
	main_meeting(c);
	json_decref(harness_op_ok(c, rank_op, &sec,
				  "{\"meeting\":\"igf2019-mag1\",\"as_of\":\"2019-01-05\"}"));
}

START_TEST(test_travel_four_eyes__ranker_and_non_approver_refused)
{
	struct fx f;
	char *before;
	json_t *o;

	fx_open(&f);
	harness_four_eyes(f.db, true);
	main_meeting(f.c);
	json_decref(harness_op_ok(f.c, rank_op, &appr,
				  "{\"meeting\":\"igf2019-mag1\",\"as_of\":\"2019-01-05\"}"));
	harness_expect_value(f.c, "SELECT created_by FROM travel_runs", "appr");
	before = snapshot(f.c);
	/* an approver who ranked the run: refused in words */
	harness_op_refused(f.c, travel_approve, &appr, "{\"meeting\":\"igf2019-mag1\"}",
			   ERR_INVALID, "four-eyes",
			   "four eyes: appr ranked run 1 of igf2019-mag1; another person with the"
			   " approver role must approve it");
	/* another person without the approver role: refused */
	harness_op_refused(f.c, travel_approve, &sec, "{\"meeting\":\"igf2019-mag1\"}",
			   ERR_INVALID, "four-eyes", "sec does not hold the approver role");
	expect_unchanged(f.c, before);
	free(before);
	harness_expect_value(f.c, "SELECT count(*) FROM travel_runs WHERE approved_by IS NOT NULL",
			     "0");
	/* turned off for this installation: the Secretariat approves too */
	harness_four_eyes(f.db, false);
	o = harness_op_ok(f.c, travel_approve, &appr,
			  "{\"meeting\":\"igf2019-mag1\",\"date\":\"2019-01-06\"}");
	ck_assert(json_is_false(json_object_get(o, "four_eyes")));
	ck_assert_str_eq(harness_str(o, "ranked_by"), "appr");
	ck_assert_str_eq(harness_str(o, "approved_by"), "appr");
	json_decref(o);
	fx_close(&f);
}
END_TEST

START_TEST(test_travel_four_eyes__countersigner_is_a_third_person)
{
	struct fx f;
	char *before;
	json_t *o;

	fx_open(&f);
	harness_four_eyes(f.db, true);
	four_eyes_meeting(f.c);
	/* the ranker countersigned the overrun: refused, the overrun unused */
	json_decref(harness_op_ok(f.c, fund_overrun_add, &sec,
				  "{\"meeting\":\"igf2019-mag1\",\"amount\":\"6000.00\","
				  "\"reason\":\"signed by the ranker\"}"));
	before = snapshot(f.c);
	harness_op_refused(f.c, travel_approve, &appr,
			   "{\"meeting\":\"igf2019-mag1\",\"date\":\"2019-01-01\"}", ERR_INVALID,
			   "four-eyes", "countersigned by sec, who ranked run 1");
	expect_unchanged(f.c, before);
	free(before);
	harness_expect_value(f.c, "SELECT count(*) FROM fund_overruns WHERE used_at IS NULL", "1");
	fx_close(&f);

	/* the approver countersigned it: refused; finance's own: approved,
	 * three names on the run */
	fx_open(&f);
	harness_four_eyes(f.db, true);
	four_eyes_meeting(f.c);
	json_decref(harness_op_ok(f.c, fund_overrun_add, &appr,
				  "{\"meeting\":\"igf2019-mag1\",\"amount\":\"6000.00\","
				  "\"reason\":\"signed by the approver\"}"));
	harness_op_refused(f.c, travel_approve, &appr,
			   "{\"meeting\":\"igf2019-mag1\",\"date\":\"2019-01-01\"}", ERR_INVALID,
			   "four-eyes", "countersigned by appr, who is approving run 1");
	json_decref(harness_op_ok(f.c, fund_overrun_add, &fin,
				  "{\"meeting\":\"igf2019-mag1\",\"amount\":\"5500.00\","
				  "\"reason\":\"signed by finance\"}"));
	o = harness_op_ok(f.c, travel_approve, &appr,
			  "{\"meeting\":\"igf2019-mag1\",\"date\":\"2019-01-01\"}");
	ck_assert_int_gt(json_array_size(json_object_get(o, "approved")), 0);
	ck_assert_str_eq(harness_str(json_object_get(o, "overrun"), "signed_by"), "fin");
	ck_assert_str_eq(harness_str(o, "ranked_by"), "sec");
	ck_assert_str_eq(harness_str(o, "approved_by"), "appr");
	ck_assert_str_eq(harness_str(o, "countersigned_by"), "fin");
	ck_assert(json_is_true(json_object_get(o, "four_eyes")));
	json_decref(o);
	harness_expect_value(f.c, "SELECT created_by || ' ' || approved_by || ' ' ||"
				  " (approved_at IS NOT NULL) FROM travel_runs", "sec appr true");
	o = NULL;
	ck_assert_int_eq(travel_run_get(&o, f.c, "igf2019-mag1", "1"), 0);
	ck_assert_str_eq(harness_str(o, "countersigned_by"), "fin");
	ck_assert_str_eq(harness_str(o, "status"), "approved");
	json_decref(o);
	fx_close(&f);
}
END_TEST

/*
 * A trip report is due the policy's grace days after its meeting ends:
 * amina's trip to igf2018-mag3 (ended 2018-10-03, no report) is not
 * outstanding 10 days later, and is 40 days later, named with its due date
 * (2018-11-02 under the bundled policy's 30 days); a policy with 5 days of
 * grace makes it due on 2018-10-08.
 */
START_TEST(test_travel_grace__report_due_after_the_policys_days)
{
	struct fx f;
	json_t *o, *body;
	char *xml, *p, text[4096];
	travel_ranking *k = NULL;

	fx_open(&f);
	prior_meeting(f.c);
	main_meeting(f.c);
	o = rank(f.c, "{\"meeting\":\"igf2019-mag1\",\"as_of\":\"2018-10-13\","
		      "\"budget\":\"9000.00\",\"what_if\":true}");
	ck_assert_str_eq(harness_str(decision(o, "amina"), "decision"), "funded");
	json_decref(o);
	o = rank(f.c, "{\"meeting\":\"igf2019-mag1\",\"as_of\":\"2018-11-12\","
		      "\"budget\":\"9000.00\",\"what_if\":true}");
	ck_assert_str_eq(harness_str(decision(o, "amina"), "decision"), "ineligible");
	ck_assert_str_eq(json_string_value(json_array_get(
				 json_object_get(decision(o, "amina"), "reasons"), 0)),
			 "prior-reports-outstanding");
	ck_assert_msg(strstr(harness_str(decision(o, "amina"), "explanation"),
			     "report for igf2018-mag3 due 2018-11-02 not received"),
		      "%s", harness_str(decision(o, "amina"), "explanation"));
	json_decref(o);
	/* the grace period is the policy's data */
	xml = harness_slurp(SRCDATADIR "/rules/policies/igf-travel.xml", NULL);
	p = strstr(xml, "daysAfterMeeting=\"30\"");
	ck_assert_ptr_nonnull(p);
	memcpy(p, "daysAfterMeeting=\"05\"", 21);
	body = json_pack("{s:s, s:s, s:s, s:s, s:b}", "meeting", "igf2019-mag1", "as_of",
			 "2018-10-13", "budget", "9000.00", "policy_xml", xml, "what_if", 1);
	ck_assert_msg(travel_rank(&k, f.c, body, &who) == 0, "%s", err_last());
	o = travel_ranking_json(k);
	snprintf(text, sizeof(text), "%s", harness_str(decision(o, "amina"), "explanation"));
	ck_assert_msg(strstr(text, "report for igf2018-mag3 due 2018-10-08 not received"), "%s",
		      text);
	json_decref(o);
	travel_ranking_free(k);
	json_decref(body);
	free(xml);
	fx_close(&f);
}
END_TEST

/*
 * The journal is kept for ever and hashed: after a whole year of travel
 * (approve, decline, offer, cancel, settle), no entry's memo or reference
 * holds an applicant's name or CSV id; each names its trip by number.
 */
START_TEST(test_travel_journal__memos_name_trips_not_people)
{
	struct fx f;

	fx_open(&f);
	prior_meeting(f.c);
	main_meeting(f.c);
	json_decref(rank(f.c, "{\"meeting\":\"igf2019-mag1\",\"as_of\":\"2019-01-05\"}"));
	json_decref(ok(f.c, travel_approve, "{\"meeting\":\"igf2019-mag1\",\"date\":\"2019-01-06\"}"));
	json_decref(ok(f.c, travel_decline,
		       "{\"meeting\":\"igf2019-mag1\",\"applicant\":\"bo\",\"date\":\"2019-01-08\"}"));
	json_decref(ok(f.c, travel_approve, "{\"meeting\":\"igf2019-mag1\",\"date\":\"2019-01-09\"}"));
	json_decref(ok(f.c, travel_cancel,
		       "{\"meeting\":\"igf2019-mag1\",\"applicant\":\"dee\",\"date\":\"2019-01-10\"}"));
	json_decref(ok(f.c, travel_settle,
		       "{\"meeting\":\"igf2019-mag1\",\"applicant\":\"cy\",\"airfare\":\"1200.00\","
		       "\"dsa\":\"500.00\",\"date\":\"2019-02-10\"}"));
	/* travel entries were written: obligations, releases, settlements */
	harness_expect_value(f.c, "SELECT count(*) >= 8 FROM entries WHERE reference LIKE 'travel:%'",
			     "t");
	harness_expect_value(f.c, "SELECT count(*) FROM entries e JOIN travel_applicants a ON"
				  " position(a.name IN e.memo || ' ' || e.reference) > 0"
				  " OR e.memo || ' ' || e.reference ~ ('\\m' || a.id || '\\M')",
			     "0");
	harness_expect_value(f.c, "SELECT count(*) FROM entries WHERE reference LIKE 'travel:%' AND"
				  " memo !~ '^Travel support [a-z]+: trip [0-9]+, igf20[0-9]{2}-mag[0-9]$'",
			     "0");
	/* the trip's number in the memo is the trip's own */
	harness_expect_value(f.c, "SELECT count(*) FROM travel_trips t JOIN entries e ON"
				  " e.id = t.obligation_entry WHERE e.memo <> 'Travel support"
				  " obligation: trip ' || t.id || ', ' || t.meeting", "0");
	harness_expect_trial_balance_zero(f.c);
	harness_expect_verified(f.c, -1);
	fx_close(&f);
}
END_TEST

/* --- CLI: through the one door ------------------------------------------------------------ */

/* tfledgerd on the fixture's database with the tokens of three people. */
struct door {
	struct daemon d;
	char dir[LIMIT_PATH_BYTES];
	char *sec, *appr, *aud;
};

static void door_open(struct door *o, const struct fx *f)
{
	harness_tmpdir(o->dir, sizeof(o->dir));
	o->sec = make_token(f->db, "secretariat", "sec");
	o->appr = make_token(f->db, "approver", "appr");
	o->aud = make_token(f->db, "auditor", "aud");
	daemon_start(&o->d, f->db, o->dir);
}

static void door_close(struct door *o)
{
	daemon_stop(&o->d);
	free(o->sec);
	free(o->appr);
	free(o->aud);
}

/* Runs `tfledger ARGS --url URL --token TOKEN` (no database anywhere: the
 * environment's TFLEDGER_DATABASE is cleared); its exit status. */
static int cli(char **out, char **err, const struct door *o, const char *token,
	       const char *const *args)
{
	const char *argv[40];
	size_t n = 0;

	argv[n++] = harness_bin_tfledger();
	for (; *args; args++) {
		ck_assert(n < 34);
		argv[n++] = *args;
	}
	argv[n++] = "--url";
	argv[n++] = o->d.base;
	argv[n++] = "--token";
	argv[n++] = token;
	argv[n] = NULL;
	unsetenv("TFLEDGER_DATABASE");
	return harness_run(out, err, NULL, argv);
}

static void cli_ok(char **out, const struct door *o, const char *token, const char *const *args)
{
	char *err = NULL;
	int rc = cli(out, &err, o, token, args);

	ck_assert_msg(rc == 0, "%s %s: exit %d: %s", args[0], args[1], rc, err);
	free(err);
}

/* A refused command: exit status want, stderr holding each of the texts. */
static void cli_refused(const struct door *o, const char *token, const char *const *args,
			int want, const char *text)
{
	char *err = NULL;
	int rc = cli(NULL, &err, o, token, args);

	ck_assert_msg(rc == want, "%s %s: exit %d, want %d: %s", args[0], args[1], rc, want, err);
	ck_assert_msg(strstr(err, text), "%s %s: '%s' lacks '%s'", args[0], args[1], err, text);
	free(err);
}

START_TEST(test_travel_cli__bad_csv_refused_whole_nothing_stored)
{
	static const struct {
		const char *file, *want;
	} bad[] = {
		{DATA "bad-country.csv", "bad-country.csv:4: column country"},
		{DATA "bad-currency.csv", "bad-currency.csv:2: column currency"},
	};
	struct fx f;
	struct door o;
	char *before;

	fx_open(&f);
	door_open(&o, &f);
	json_decref(ok(f.c, travel_meeting_add,
		       "{\"id\":\"m1\",\"name\":\"M\",\"starts_on\":\"2019-01-29\","
		       "\"ends_on\":\"2019-01-29\",\"place\":\"Geneva\",\"currency\":\"USD\"}"));
	before = snapshot(f.c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cli_refused(&o, o.sec,
			    (const char *const[]){"applicants", "import", bad[i].file, "--meeting",
						  "m1", NULL},
			    1, bad[i].want);
		expect_unchanged(f.c, before);
	}
	/* an unknown meeting is refused too */
	cli_refused(&o, o.sec,
		    (const char *const[]){"applicants", "import", DATA "mag1.csv", "--meeting",
					  "nope", NULL},
		    1, "no meeting 'nope'");
	/* the auditor may not import: the server's roles hold for the CLI */
	cli_refused(&o, o.aud,
		    (const char *const[]){"applicants", "import", DATA "mag1.csv", "--meeting",
					  "m1", NULL},
		    1, "[forbidden]");
	expect_unchanged(f.c, before);
	free(before);
	door_close(&o);
	fx_close(&f);
}
END_TEST

START_TEST(test_travel_cli__import_rank_approve_twice_list)
{
	struct fx f;
	struct door o;
	char *out = NULL, *before;
	json_t *o1, *o2;

	fx_open(&f);
	door_open(&o, &f);
	cli_ok(NULL, &o, o.sec,
	       (const char *const[]){"meetings", "add", "--id", "igf2019-mag1", "--name", "MAG 1",
				     "--starts-on", "2019-01-29", "--ends-on", "2019-01-31",
				     "--place", "Geneva", "--currency", "USD", NULL});
	cli_ok(NULL, &o, o.sec,
	       (const char *const[]){"applicants", "import", DATA "mag1.csv", "--meeting",
				     "igf2019-mag1", NULL});
	/* the same file again: 409 naming the ids, pointing to a correction */
	before = snapshot(f.c);
	cli_refused(&o, o.sec,
		    (const char *const[]){"applicants", "import", DATA "mag1.csv", "--meeting",
					  "igf2019-mag1", NULL},
		    1, "amina, bo, cy, dee, eve, fay already");
	expect_unchanged(f.c, before);
	/* what-if in JSON: nothing stored */
	cli_ok(&out, &o, o.sec,
	       (const char *const[]){"travel", "rank", "--meeting", "igf2019-mag1", "--budget",
				     "1000.00", "--currency", "USD", "--what-if", "--format",
				     "json", NULL});
	o1 = json_loads(out, 0, NULL);
	ck_assert_msg(o1, "not JSON: %s", out);
	ck_assert_str_eq(harness_str(o1, "budget"), "1000.00");
	ck_assert(json_is_null(json_object_get(o1, "run")));
	json_decref(o1);
	free(out);
	expect_unchanged(f.c, before);
	free(before);
	/* finance allocates the earmark's 8000.00 to the meeting: the stored
	 * ranking takes it as of the date */
	allocate(f.c, "igf2019-mag1", "2019-01-02", "8000.00", "travel");
	cli_ok(&out, &o, o.sec,
	       (const char *const[]){"travel", "rank", "--meeting", "igf2019-mag1", "--as-of",
				     "2019-01-05", NULL});
	ck_assert_msg(strstr(out, "8000.00") && strstr(out, "Amina Banda") &&
			      strstr(out, "Funded: MAG member"), "%s", out);
	free(out);
	harness_expect_value(f.c, "SELECT budget_minor || budget_source || created_by FROM travel_runs",
			     "800000ledgersec");
	cli_ok(&out, &o, o.sec,
	       (const char *const[]){"travel", "rank", "--meeting", "igf2019-mag1", "--what-if",
				     "--format", "xml", "--as-of", "2019-01-05", NULL});
	ck_assert_msg(strncmp(out, "<?xml", 5) == 0, "%s", out);
	free(out);
	/* four eyes (the installation's default): the ranker may not approve;
	 * the approver may, once */
	harness_four_eyes(f.db, true);
	before = snapshot(f.c);
	cli_refused(&o, o.sec,
		    (const char *const[]){"travel", "approve", "--meeting", "igf2019-mag1", NULL},
		    1, "four eyes: sec ranked run 1 of igf2019-mag1");
	expect_unchanged(f.c, before);
	free(before);
	cli_ok(NULL, &o, o.appr,
	       (const char *const[]){"travel", "approve", "--meeting", "igf2019-mag1", "--date",
				     "2019-01-06", NULL});
	before = snapshot(f.c);
	cli_ok(NULL, &o, o.appr,
	       (const char *const[]){"travel", "approve", "--meeting", "igf2019-mag1", "--date",
				     "2019-01-06", NULL});
	expect_unchanged(f.c, before);
	free(before);
	cli_ok(&out, &o, o.sec,
	       (const char *const[]){"travel", "list", "--meeting", "igf2019-mag1", "--format",
				     "json", NULL});
	o1 = json_loads(out, 0, NULL);
	ck_assert_msg(o1, "not JSON: %s", out);
	/* 8000.00: amina 3000, bo 1500, cy 2000, eve 700 (no history here) */
	ck_assert_int_eq(json_array_size(json_object_get(o1, "trips")), 4);
	json_decref(o1);
	free(out);
	harness_expect_balance(f.c, "8100-USD", "720000");
	harness_expect_value(f.c, "SELECT count(*) FROM audit WHERE action = 'travel.approve'", "1");
	/* the stored runs, read by the auditor, name both people */
	cli_ok(&out, &o, o.aud,
	       (const char *const[]){"travel", "runs", "--meeting", "igf2019-mag1", "--format",
				     "json", NULL});
	o1 = json_loads(out, 0, NULL);
	ck_assert_msg(o1, "not JSON: %s", out);
	o2 = json_array_get(json_object_get(o1, "runs"), 0);
	ck_assert_str_eq(harness_str(o2, "ranked_by"), "sec");
	ck_assert_str_eq(harness_str(o2, "approved_by"), "appr");
	ck_assert_str_eq(harness_str(o2, "status"), "approved");
	json_decref(o1);
	free(out);
	cli_ok(&out, &o, o.aud,
	       (const char *const[]){"travel", "run", "--meeting", "igf2019-mag1", "--run", "1",
				     NULL});
	ck_assert_msg(strstr(out, "approved") && strstr(out, "amina") &&
			      strstr(out, "Funded: MAG member"), "%s", out);
	free(out);
	/* cy declines: 2800.00 free, fay (3500.00) does not fit, dee does */
	cli_ok(&out, &o, o.sec,
	       (const char *const[]){"travel", "decline", "--meeting", "igf2019-mag1",
				     "--applicant", "cy", "--date", "2019-01-08", NULL});
	ck_assert_msg(strstr(out, "declined") && strstr(out, "dee") && strstr(out, "offered") &&
			      !strstr(out, "fay"), "%s", out);
	free(out);
	/* amina's trip cost 2000.00 + 800.00 of 3000.00: 200.00 released */
	{
		char *err = NULL;

		ck_assert_int_eq(cli(NULL, &err, &o, o.sec,
				     (const char *const[]){"travel", "settle", "--meeting",
							   "igf2019-mag1", "--applicant", "amina",
							   "--airfare", "2000.00", "--dsa", "800.00",
							   "--report-received", "2019-02-05",
							   "--date", "2019-02-06", NULL}),
				 0);
		ck_assert_msg(strstr(err, "200.00 released"), "%s", err);
		free(err);
	}
	harness_expect_value(f.c, "SELECT string_agg(applicant || ':' || status, ',' ORDER BY id) FROM"
		    " travel_trips", "amina:settled,bo:approved,cy:declined,eve:approved,"
		    "dee:offered");
	harness_expect_balance(f.c, "8100-USD", "220000");
	harness_expect_balance(f.c, "5200-USD", "280000");
	/* every write's audit row names the person who did it */
	harness_expect_value(f.c, "SELECT string_agg(DISTINCT user_name, ',') FROM audit"
				  " WHERE action LIKE 'travel.%'", "appr,sec");
	harness_expect_trial_balance_zero(f.c);
	harness_expect_verified(f.c, -1);
	door_close(&o);
	fx_close(&f);
}
END_TEST

/*
 * Correcting an applicant through the CLI: one field with its reason, the
 * old and new values kept and shown; a bad value refused naming the field;
 * refused once an approved run covers the applicant.
 */
START_TEST(test_travel_cli__applicant_update_shows_history)
{
	struct fx f;
	struct door o;
	char *out = NULL, *before;
	json_t *a;

	fx_open(&f);
	door_open(&o, &f);
	main_meeting(f.c);
	cli_ok(&out, &o, o.sec,
	       (const char *const[]){"applicants", "update", "--meeting", "igf2019-mag1",
				     "--applicant", "dee", "--health-attested-on", "2018-12-20",
				     "--reason", "attestation arrived", "--format", "json", NULL});
	a = json_loads(out, 0, NULL);
	ck_assert_msg(a, "not JSON: %s", out);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "changed")), 1);
	ck_assert_str_eq(harness_str(a, "health_attested_on"), "2018-12-20");
	json_decref(a);
	free(out);
	cli_ok(&out, &o, o.aud,
	       (const char *const[]){"applicants", "show", "--meeting", "igf2019-mag1",
				     "--applicant", "dee", NULL});
	ck_assert_msg(strstr(out, "health_attested_on") && strstr(out, "2018-12-20") &&
			      strstr(out, "attestation arrived") && strstr(out, "sec"), "%s", out);
	free(out);
	before = snapshot(f.c);
	cli_refused(&o, o.sec,
		    (const char *const[]){"applicants", "update", "--meeting", "igf2019-mag1",
					  "--applicant", "dee", "--forms-complete", "maybe",
					  "--reason", "x", NULL},
		    1, "forms_complete: expected yes or no");
	cli_refused(&o, o.sec,
		    (const char *const[]){"applicants", "update", "--meeting", "igf2019-mag1",
					  "--applicant", "dee", "--reason", "nothing", NULL},
		    1, "at least one field");
	expect_unchanged(f.c, before);
	free(before);
	door_close(&o);
	fx_close(&f);
}
END_TEST

/*
 * A trip report is recorded on its own, before or after the settlement,
 * through the tfledger binary; a later meeting's ranking counts a report as
 * outstanding from its due date (the meeting's end, 2018-10-03, plus the
 * policy's 30 days of grace: 2018-11-02) until the day it was received.
 */
START_TEST(test_travel_cli__report_apart_from_settlement_counts_in_later_history)
{
	struct fx f;
	struct door o;
	char *out = NULL, *before;
	json_t *d, *r;

	fx_open(&f);
	door_open(&o, &f);
	prior_meeting(f.c); /* amina approved, no report; bo settled with his */
	/* amina's costs settled without a report: still outstanding */
	cli_ok(NULL, &o, o.sec,
	       (const char *const[]){"travel", "settle", "--meeting", "igf2018-mag3", "--applicant",
				     "amina", "--airfare", "700.00", "--dsa", "200.00", "--date",
				     "2018-10-25", NULL});
	harness_expect_value(f.c, "SELECT status || ' ' || COALESCE(report_received_on::text, '-') FROM"
		    " travel_trips WHERE applicant = 'amina'", "settled -");
	main_meeting(f.c);
	cli_ok(&out, &o, o.sec,
	       (const char *const[]){"applicants", "list", "--meeting", "igf2019-mag1", "--as-of",
				     "2019-01-05", "--format", "json", NULL});
	r = json_loads(out, 0, NULL);
	ck_assert_msg(r, "not JSON: %s", out);
	d = json_array_get(json_object_get(r, "applicants"), 0);
	ck_assert_str_eq(harness_str(d, "id"), "amina");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(d, "ledger"),
							    "prior_reports_outstanding")), 1);
	ck_assert_str_eq(harness_str(d, "reports_due"),
			 "report for igf2018-mag3 due 2018-11-02 not received");
	json_decref(r);
	free(out);
	/* the report arrives on 2018-11-20 */
	cli_ok(&out, &o, o.sec,
	       (const char *const[]){"travel", "report", "--meeting", "igf2018-mag3", "--applicant",
				     "amina", "--report-received", "2018-11-20", "--format", "json",
				     NULL});
	r = json_loads(out, 0, NULL);
	ck_assert_msg(r, "not JSON: %s", out);
	ck_assert_str_eq(harness_str(json_object_get(r, "trip"), "report_received"), "2018-11-20");
	json_decref(r);
	free(out);
	/* recording another date is refused, exit 1, nothing stored */
	before = snapshot(f.c);
	cli_refused(&o, o.sec,
		    (const char *const[]){"travel", "report", "--meeting", "igf2018-mag3",
					  "--applicant", "amina", "--report-received", "2018-11-21",
					  NULL},
		    1, "2018-11-20");
	expect_unchanged(f.c, before);
	free(before);
	/* within the grace period: not outstanding; after the due date and
	 * before the report: outstanding, named with its due date; from the
	 * day it came: not */
	r = rank(f.c, "{\"meeting\":\"igf2019-mag1\",\"as_of\":\"2018-11-02\","
		      "\"budget\":\"9000.00\",\"what_if\":true}");
	ck_assert_str_eq(harness_str(decision(r, "amina"), "decision"), "funded");
	json_decref(r);
	r = rank(f.c, "{\"meeting\":\"igf2019-mag1\",\"as_of\":\"2018-11-19\","
		      "\"budget\":\"9000.00\",\"what_if\":true}");
	ck_assert_str_eq(harness_str(decision(r, "amina"), "decision"), "ineligible");
	ck_assert_msg(strstr(harness_str(decision(r, "amina"), "explanation"),
			     "report for igf2018-mag3 due 2018-11-02 not received"),
		      "%s", harness_str(decision(r, "amina"), "explanation"));
	json_decref(r);
	r = rank(f.c, "{\"meeting\":\"igf2019-mag1\",\"as_of\":\"2018-11-20\","
		      "\"budget\":\"9000.00\",\"what_if\":true}");
	ck_assert_str_eq(harness_str(decision(r, "amina"), "decision"), "funded");
	json_decref(r);
	harness_expect_trial_balance_zero(f.c);
	harness_expect_verified(f.c, -1);
	door_close(&o);
	fx_close(&f);
}
END_TEST

START_TEST(test_travel_cli__usage_errors_exit_1)
{
	static const char *const cases[][8] = {
		{"travel", "nonsense", NULL},
		{"travel", "rank", "--meeting", "m", "--format", "csv", NULL},
		{"travel", "rank", "--meeting", "m", "--format", "xml", NULL},
		{"travel", "rank", "--meeting", "m", "--policy", "p.xml", NULL},
		{"travel", "run", "--meeting", "m", "--run", "1/2", NULL},
		{"applicants", "import", "--meeting", "m", NULL},
		{"applicants", "import", "x.csv", NULL},
		{"meetings", "list", "--format", "xml", NULL},
	};
	struct fx f;
	struct door o;

	fx_open(&f);
	door_open(&o, &f);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = NULL;
		int rc = cli(NULL, &err, &o, o.sec, cases[i]);

		ck_assert_msg(rc == 1, "%s %s: exit %d: %s", cases[i][0], cases[i][1], rc, err);
		ck_assert_msg(strstr(err, "tfledger"), "%s", err);
		free(err);
	}
	{
		char *out = NULL;
		const char *argv[] = {harness_bin_tfledger(), "travel", "--help", NULL};

		ck_assert_int_eq(harness_run(&out, NULL, NULL, argv), 0);
		ck_assert_ptr_nonnull(strstr(out, "tfledger travel settle"));
		ck_assert_ptr_nonnull(strstr(out, "tfledger travel runs"));
		free(out);
	}
	door_close(&o);
	fx_close(&f);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test travel[] = {
		{test_travel_rank__budget_from_ledger_and_history_over_csv, 0},
		{test_travel_flow__approve_decline_settle_balances_and_verifies, 0},
		{test_travel_settle__above_granted_refused_nothing_stored, 0},
		{test_travel_what_if__stores_nothing, 0},
		{test_travel_cancel__offered_place_needs_no_entry_and_is_offered_on, 0},
		{test_travel_offer__follows_the_runs_allocation_rule, 0},
		{test_travel_bad_input__refused_naming_the_field_nothing_stored, 0},
		{test_travel_db__refuses_what_the_code_refuses, 0},
		{test_travel_cli__bad_csv_refused_whole_nothing_stored, 0},
		{test_travel_cli__import_rank_approve_twice_list, 0},
		{test_travel_cli__usage_errors_exit_1, 0},
		{test_travel_cli__report_apart_from_settlement_counts_in_later_history, 0},
		{test_travel_cli__applicant_update_shows_history, 0},
		{test_travel_four_eyes__ranker_and_non_approver_refused, 0},
		{test_travel_four_eyes__countersigner_is_a_third_person, 0},
		{test_travel_grace__report_due_after_the_policys_days, 0},
		{test_travel_journal__memos_name_trips_not_people, 0},
	};
	Suite *s = suite_create("travel");

	harness_add_tcase(s, "travel", NULL, NULL, 120, travel, HARNESS_N(travel));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
