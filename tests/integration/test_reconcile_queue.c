/*
 * test_reconcile_queue.c - the reconciliation work queue (bank/queue.c)
 * through the real tfledgerd and the real CLI (--url, --token) against a fresh migrated
 * database: the queue and its pages, confirm / reject / unmatch, record
 * with an Idempotency-Key replayed, a sign-off's lock refused by the C
 * code (409 reconciliation-locked) and by migration 0042's trigger (direct
 * SQL), reopening by an admin only, audit rows, and hostile bodies
 * refused naming the field with nothing stored.
 *
 * The scene: Finland's and the Internet Society's signed EUR pledges,
 * CH9300762011623852957 linked to 1010-EUR, the v02 statement of February
 * 2019 (Finland 1000.00 in naming its agreement, ISOC 520.00 in, a travel
 * payment of 300.00 out, a bank fee of 10.55), and the travel payment's
 * entry (Dr 5200-EUR / Cr 1010-EUR 300.00) already in the ledger.
 */
#include "tests/integration/ledger_fixture.h"

#include <jansson.h>

#define DATA SRCDATADIR "/tests/data/"
#define IBAN "CH9300762011623852957"

static struct roles_env E;
/* the scene's bank lines by their bank reference, and the travel entry */
static long long L_FIN, L_ISOC, L_TRAVEL, L_FEE;
static char travel_posting[80];

/* tfledger ARGS against the test's tfledgerd with finance's token. */
static void cli_ok(const char *const *args)
{
	char *err = NULL;
	int rc = cli_on(NULL, &err, &E.d, E.finance, args);

	ck_assert_msg(rc == 0, "tfledger %s %s: exit %d: %s", args[0], args[1], rc, err);
	free(err);
}

/* Asserts status (and code, and that the message contains want, if not
 * NULL); frees r. */
static void expect(struct resp r, long status, const char *code, const char *want)
{
	char *got = error_code(r.body);

	ck_assert_msg(r.status == status, "status %ld, want %ld: %s", r.status, status, r.body);
	if (code)
		ck_assert_msg(got && strcmp(got, code) == 0, "code %s, want %s: %s", got, code,
			      r.body);
	if (want)
		ck_assert_msg(strstr(r.body, want), "'%s' not in %s", want, r.body);
	free(got);
	resp_free(&r);
}

static json_t *call(const char *method, const char *path, const char *token, const char *body,
		    long status)
{
	return call_on(&E.d, method, path, token, body, status);
}

static long long ll(const char *sql)
{
	return query_ll(E.conninfo, sql);
}

static long long line_id(const char *bank_ref)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT id FROM bank_lines WHERE bank_ref = '%s'", bank_ref);
	return ll(sql);
}

/* Everything a refused request must leave as it was. */
static long long written(void)
{
	return ll("SELECT (SELECT count(*) FROM entries) + (SELECT count(*) FROM audit)"
		  " + (SELECT count(*) FROM idempotency_keys) + (SELECT count(*) FROM receipts)"
		  " + (SELECT count(*) FROM bank_line_matches)"
		  " + (SELECT count(*) FROM bank_line_rejections)"
		  " + (SELECT count(*) FROM reconciliation_signoffs)"
		  " + (SELECT count(*) FROM reconciliation_signoffs WHERE reopened_at IS NOT NULL)"
		  " + (SELECT count(*) FROM bank_lines WHERE match_status = 'matched')");
}

static long long audits(const char *action)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE action = '%s'", action);
	return ll(sql);
}

static const char *str_of(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	ck_assert_msg(v, "no string %s", key);
	return v;
}

static void setup(void)
{
	static const char *const init[] = {"fund", "init", NULL};
	static const char *const rates[] = {"rates", "import", DATA "fund/rates-2019.csv", NULL};
	char body[1024];
	size_t len;
	char *xml;
	struct resp r;
	json_t *o;

	roles_env_open(&E);
	daemon_start(&E.d, E.conninfo, E.dir);
	cli_ok(init);
	cli_ok(rates);
	harness_allow_overdrafts(E.conninfo);
	/* interest income: in the chart once the match branch adds it; else here */
	r = http(&E.d, "GET", "/v1/accounts/4300-EUR", E.admin, NULL, NULL);
	if (r.status == 404)
		json_decref(call("POST", "/v1/accounts", E.admin,
				 "{\"code\":\"4300-EUR\",\"name\":\"Interest income\","
				 "\"type\":\"revenue\",\"currency\":\"EUR\"}",
				 201));
	resp_free(&r);
	json_decref(call("POST", "/v1/donors", E.finance,
			 "{\"id\":\"fin\",\"name\":\"Finland\",\"org_type\":\"10\",\"country\":\"FIN\"}",
			 201));
	json_decref(call("POST", "/v1/donors", E.finance,
			 "{\"id\":\"isoc\",\"name\":\"Internet Society\",\"org_type\":\"21\"}", 201));
	json_decref(call("POST", "/v1/pledges", E.finance,
			 "{\"donor\":\"fin\",\"date\":\"2019-01-08\",\"amount\":\"1000.00\","
			 "\"currency\":\"EUR\",\"agreement\":\"IGF-TF-2019-03\"}",
			 201));
	json_decref(call("POST", "/v1/pledges", E.finance,
			 "{\"donor\":\"isoc\",\"date\":\"2019-01-08\",\"amount\":\"500.00\","
			 "\"currency\":\"EUR\",\"agreement\":\"ISOC-2019\"}",
			 201));
	json_decref(call("POST", "/v1/bank-accounts/links", E.finance,
			 "{\"iban\":\"" IBAN "\",\"account\":\"1010-EUR\"}", 201));
	xml = harness_slurp(DATA "camt/v02_basic.xml", &len);
	ck_assert_ptr_nonnull(xml);
	r = http_on_typed(NULL, &E.d, "POST", "/v1/bank-statements", E.finance, NULL,
			  "application/xml", xml, len);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	resp_free(&r);
	free(xml);
	entry_body(body, sizeof(body), "2019-02-21", "5200-EUR", "1010-EUR", "300.00");
	o = call("POST", "/v1/entries", E.finance, body, 201);
	snprintf(travel_posting, sizeof(travel_posting), "posting:%s/2", str_of(o, "id"));
	json_decref(o);
	L_FIN = line_id("EUR190214001");
	L_ISOC = line_id("EUR190220001");
	L_TRAVEL = line_id("EUR190221001");
	L_FEE = line_id("EUR190228FEE");
	ck_assert(L_FIN > 0 && L_ISOC > 0 && L_TRAVEL > 0 && L_FEE > 0);
}

static void teardown(void)
{
	roles_env_close(&E);
}

/* POST path {"bank_line":line, "candidate":candidate}; the answer must be status. */
static json_t *pick(const char *path, long long line, const char *candidate, long status)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"candidate\":\"%s\"}", line, candidate);
	return call("POST", path, E.finance, body, status);
}

static struct resp pick_raw(const char *path, long long line, const char *candidate)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"candidate\":\"%s\"}", line, candidate);
	return http(&E.d, "POST", path, E.finance, NULL, body);
}

static struct resp line_op(const char *path, const char *token, long long line)
{
	char body[64];

	snprintf(body, sizeof(body), "{\"bank_line\":%lld}", line);
	return http(&E.d, "POST", path, token, NULL, body);
}

/* The queue's line id of q, or NULL. */
static json_t *queue_line(json_t *q, long long id)
{
	json_t *l;
	size_t i;

	json_array_foreach(json_object_get(q, "lines"), i, l)
		if (json_integer_value(json_object_get(l, "bank_line")) == id)
			return l;
	return NULL;
}

static bool offers(json_t *line, const char *candidate)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(line, "candidates"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "candidate")) ?: "", candidate) == 0)
			return true;
	return false;
}

START_TEST(test_queue__lists_lines_oldest_first_with_candidates_in_pages)
{
	json_t *q, *l, *lines;
	char path[128];
	long long next;
	size_t i;

	q = call("GET", "/v1/reconcile/queue?bank_account=1010-EUR", E.auditor, NULL, 200);
	ck_assert_str_eq(str_of(q, "statement_account"), IBAN);
	ck_assert(json_is_null(json_object_get(q, "locked_to")));
	ck_assert(json_is_null(json_object_get(q, "next")));
	lines = json_object_get(q, "lines");
	ck_assert_int_eq(json_array_size(lines), 4);
	json_array_foreach(lines, i, l)
		if (i > 0)
			ck_assert_str_le(str_of(json_array_get(lines, i - 1), "date"),
					 str_of(l, "date"));
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(lines, 0), "bank_line")),
			 L_FIN);
	ck_assert_msg(offers(queue_line(q, L_FIN), "pledge:1"), "Finland's pledge not offered");
	ck_assert_msg(offers(queue_line(q, L_TRAVEL), travel_posting),
		      "the travel posting not offered");
	ck_assert(!offers(queue_line(q, L_FIN), travel_posting)); /* a debit is no credit */
	ck_assert_str_eq(str_of(queue_line(q, L_FEE), "amount"), "10.55");
	ck_assert(json_is_false(json_object_get(queue_line(q, L_FEE), "locked")));
	json_decref(q);

	/* pages of two: next leads to the rest, then null */
	q = call("GET", "/v1/reconcile/queue?bank_account=1010-EUR&limit=2", E.finance, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(q, "lines")), 2);
	next = json_integer_value(json_object_get(q, "next"));
	ck_assert_int_eq(next, json_integer_value(json_object_get(
				       json_array_get(json_object_get(q, "lines"), 1), "bank_line")));
	json_decref(q);
	snprintf(path, sizeof(path), "/v1/reconcile/queue?bank_account=1010-EUR&limit=2&after=%lld",
		 next);
	q = call("GET", path, E.admin, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(q, "lines")), 2);
	ck_assert(json_is_null(json_object_get(q, "next")));
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_array_get(json_object_get(q, "lines"), 1), "bank_line")),
			 L_FEE);
	json_decref(q);

	/* who may read, and bad parameters */
	expect(http(&E.d, "GET", "/v1/reconcile/queue?bank_account=1010-EUR", E.secretariat, NULL,
		    NULL),
	       403, "forbidden", NULL);
	expect(http(&E.d, "GET", "/v1/reconcile/queue", E.auditor, NULL, NULL), 400,
	       "invalid-field", "bank_account");
	expect(http(&E.d, "GET", "/v1/reconcile/queue?bank_account=1010-EUR&x=1", E.auditor, NULL,
		    NULL),
	       400, "invalid-field", "x");
	expect(http(&E.d, "GET", "/v1/reconcile/queue?bank_account=1010-EUR&limit=101", E.auditor,
		    NULL, NULL),
	       400, "invalid-field", "limit");
	expect(http(&E.d, "GET", "/v1/reconcile/queue?bank_account=1010-EUR&limit=0", E.auditor,
		    NULL, NULL),
	       400, "invalid-field", "limit");
	expect(http(&E.d, "GET",
		    "/v1/reconcile/queue?bank_account=1010-EUR&after=99999999999999999999",
		    E.auditor, NULL, NULL),
	       400, "invalid-field", "after");
	expect(http(&E.d, "GET", "/v1/reconcile/queue?bank_account=1010-EUR&tolerance=1.001",
		    E.auditor, NULL, NULL),
	       400, "invalid-field", "tolerance");
	expect(http(&E.d, "GET", "/v1/reconcile/queue?bank_account=9999-EUR", E.auditor, NULL,
		    NULL),
	       422, "unknown-account", "bank_account");
}
END_TEST

START_TEST(test_queue__confirm_reject_unmatch_and_conflicts)
{
	char body[256];
	long long before;
	json_t *o, *q;
	struct resp r;

	/* the travel payment is the posting the ledger has */
	o = pick("/v1/reconcile/confirm", L_TRAVEL, travel_posting, 200);
	ck_assert_str_eq(str_of(o, "status"), "matched");
	ck_assert_str_eq(str_of(o, "kind"), "payment");
	ck_assert_str_eq(str_of(o, "how"), "confirmed");
	ck_assert_str_eq(str_of(o, "matched_by"), "fin");
	ck_assert(json_is_null(json_object_get(o, "receipt")));
	json_decref(o);
	ck_assert_int_eq(ll("SELECT count(*) FROM bank_line_matches WHERE how = 'confirmed'"
			    " AND kind = 'payment' AND matched_by = 'fin'"),
			 1);
	ck_assert_int_eq(audits("reconcile.confirm"), 1);
	q = call("GET", "/v1/reconcile/queue?bank_account=1010-EUR", E.auditor, NULL, 200);
	ck_assert_ptr_null(queue_line(q, L_TRAVEL));
	ck_assert_int_eq(json_array_size(json_object_get(q, "lines")), 3);
	json_decref(q);

	/* a line matched, a posting matched, a candidate not the line's: refused, nothing stored */
	before = written();
	expect(pick_raw("/v1/reconcile/confirm", L_TRAVEL, travel_posting), 409, "conflict",
	       "matched already");
	expect(pick_raw("/v1/reconcile/confirm", L_FEE, travel_posting), 409, "conflict",
	       "matched to bank line");
	expect(pick_raw("/v1/reconcile/confirm", L_FIN, "pledge:2"), 400, "invalid-field",
	       "candidate");
	expect(pick_raw("/v1/reconcile/confirm", L_FIN, "posting:00000000-0000-4000-8000-"
							"000000000000/1"),
	       400, "invalid-field", "candidate");
	expect(pick_raw("/v1/reconcile/confirm", 9223372036854775807LL, "pledge:1"), 404,
	       "not-found", "bank_line");
	expect(line_op("/v1/reconcile/unmatch", E.auditor, L_TRAVEL), 403, "forbidden", NULL);
	ck_assert_int_eq(written(), before);

	/* unmatched: the posting is free and the line back in the queue */
	r = line_op("/v1/reconcile/unmatch", E.finance, L_TRAVEL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	resp_free(&r);
	ck_assert_int_eq(ll("SELECT count(*) FROM bank_line_matches"), 0);
	ck_assert_int_eq(audits("reconcile.unmatch"), 1);
	expect(line_op("/v1/reconcile/unmatch", E.finance, L_TRAVEL), 409, "conflict",
	       "not matched");

	/* rejected: never offered again, and no longer confirmable */
	o = pick("/v1/reconcile/reject", L_TRAVEL, travel_posting, 200);
	ck_assert_str_eq(str_of(o, "rejected"), travel_posting);
	json_decref(o);
	ck_assert_int_eq(ll("SELECT count(*) FROM bank_line_rejections WHERE rejected_by = 'fin'"),
			 1);
	ck_assert_int_eq(audits("reconcile.reject"), 1);
	q = call("GET", "/v1/reconcile/queue?bank_account=1010-EUR", E.auditor, NULL, 200);
	ck_assert(!offers(queue_line(q, L_TRAVEL), travel_posting));
	json_decref(q);
	expect(pick_raw("/v1/reconcile/confirm", L_TRAVEL, travel_posting), 400, "invalid-field",
	       "not a candidate");
	expect(pick_raw("/v1/reconcile/reject", L_TRAVEL, travel_posting), 400, "invalid-field",
	       "not a candidate");

	/* a candidate is the line's at the tolerance it was offered at: ISOC's
	 * 520.00 is 20.00 from its open 500.00, and then still an over-payment */
	expect(pick_raw("/v1/reconcile/confirm", L_ISOC, "pledge:2"), 400, "invalid-field",
	       "not a candidate");
	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"candidate\":\"pledge:2\","
				     "\"tolerance\":\"50.00\"}", L_ISOC);
	expect(http(&E.d, "POST", "/v1/reconcile/confirm", E.finance, NULL, body), 422,
	       "over-payment", NULL);
	ck_assert_int_eq(ll("SELECT count(*) FROM receipts"), 0);

	/* a pledge: its receipt posted from the line, which cannot be unmatched */
	o = pick("/v1/reconcile/confirm", L_FIN, "pledge:1", 200);
	ck_assert_str_eq(str_of(o, "kind"), "receipt");
	ck_assert(json_integer_value(json_object_get(o, "receipt")) > 0);
	json_decref(o);
	ck_assert_int_eq(ll("SELECT count(*) FROM receipts WHERE bank_line IS NOT NULL"), 1);
	ck_assert_int_eq(ll("SELECT count(*) FROM bank_line_matches m JOIN receipts r"
			    " ON r.bank_line = m.bank_line AND r.entry_id = m.entry_id"
			    " WHERE m.how = 'confirmed'"),
			 1);
	ck_assert_int_eq(ll("SELECT count(*) FROM bank_lines WHERE match_status = 'matched'"), 1);
	expect(line_op("/v1/reconcile/unmatch", E.finance, L_FIN), 409, "conflict", "receipt");
}
END_TEST

START_TEST(test_queue__record_posts_once_and_replays_its_key)
{
	char body[256];
	long long before;
	struct resp r, again;
	json_t *o;

	/* the bank fee: Dr 5100-EUR / Cr 1010-EUR 10.55, matched as recorded */
	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"kind\":\"charge\"}", L_FEE);
	before = ll("SELECT count(*) FROM entries");
	r = http(&E.d, "POST", "/v1/reconcile/record", E.finance, "rec-1", body);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	again = http(&E.d, "POST", "/v1/reconcile/record", E.finance, "rec-1", body);
	ck_assert_int_eq(again.status, 201);
	ck_assert_str_eq(again.body, r.body);
	resp_free(&again);
	resp_free(&r);
	ck_assert_int_eq(ll("SELECT count(*) FROM entries"), before + 1);
	ck_assert_int_eq(ll("SELECT count(*) FROM postings p JOIN entries e ON e.id = p.entry_id"
			    " WHERE e.date = '2019-02-28' AND p.amount = 1055"
			    " AND ((p.account = '5100-EUR' AND p.side = 'debit')"
			    "  OR (p.account = '1010-EUR' AND p.side = 'credit'))"),
			 2);
	ck_assert_int_eq(ll("SELECT count(*) FROM bank_line_matches WHERE how = 'recorded'"
			    " AND kind = 'charge'"),
			 1);
	ck_assert_int_eq(audits("reconcile.record"), 1);
	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"kind\":\"payment\",\"account\":"
				     "\"5200-EUR\"}", L_FEE);
	expect(http(&E.d, "POST", "/v1/reconcile/record", E.finance, "rec-1", body), 409,
	       "conflict", NULL);
	/* a recorded line is matched: no second entry, no unmatch */
	before = written();
	expect(http(&E.d, "POST", "/v1/reconcile/record", E.finance, NULL, body), 409, "conflict",
	       "matched already");
	expect(line_op("/v1/reconcile/unmatch", E.finance, L_FEE), 409, "conflict",
	       "reverse that entry");

	/* the side must be the kind's; a receipt needs its pledge, a payment its account */
	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"kind\":\"charge\"}", L_ISOC);
	expect(http(&E.d, "POST", "/v1/reconcile/record", E.finance, NULL, body), 400,
	       "invalid-field", "kind");
	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"kind\":\"payment\"}", L_TRAVEL);
	expect(http(&E.d, "POST", "/v1/reconcile/record", E.finance, NULL, body), 400,
	       "invalid-field", "account");
	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"kind\":\"payment\",\"account\":"
				     "\"4100-EUR\"}", L_TRAVEL);
	expect(http(&E.d, "POST", "/v1/reconcile/record", E.finance, NULL, body), 400,
	       "invalid-field", "account");
	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"kind\":\"receipt\"}", L_ISOC);
	expect(http(&E.d, "POST", "/v1/reconcile/record", E.finance, NULL, body), 400,
	       "invalid-field", "pledge");
	/* ISOC sent 520.00 on 500.00 pledged: an over-payment unless allowed */
	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"kind\":\"receipt\",\"pledge\":2}",
		 L_ISOC);
	expect(http(&E.d, "POST", "/v1/reconcile/record", E.finance, NULL, body), 422,
	       "over-payment", NULL);
	ck_assert_int_eq(written(), before);
	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"kind\":\"receipt\",\"pledge\":2,"
				     "\"allow_overpayment\":true}", L_ISOC);
	o = call("POST", "/v1/reconcile/record", E.finance, body, 201);
	ck_assert_str_eq(str_of(o, "how"), "recorded");
	ck_assert(json_integer_value(json_object_get(o, "receipt")) > 0);
	json_decref(o);
	ck_assert_int_eq(ll("SELECT count(*) FROM receipts WHERE pledge = 2 AND amount_minor = 52000"
			    " AND received_on = '2019-02-20'"),
			 1);

	/* a payment to an expense account, and interest (Cr 4300-EUR) */
	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"kind\":\"payment\",\"account\":"
				     "\"5200-EUR\",\"memo\":\"IGF 2019 travel, A. Participant\"}",
		 L_TRAVEL);
	o = call("POST", "/v1/reconcile/record", E.finance, body, 201);
	ck_assert_str_eq(str_of(o, "kind"), "payment");
	json_decref(o);
	snprintf(body, sizeof(body), "SELECT count(*) FROM entries WHERE memo = 'IGF 2019 travel,"
				     " A. Participant' AND reference = 'bank-line:%lld'", L_TRAVEL);
	ck_assert_int_eq(ll(body), 1);
	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"kind\":\"interest\"}", L_FIN);
	o = call("POST", "/v1/reconcile/record", E.finance, body, 201);
	ck_assert_str_eq(str_of(o, "kind"), "interest");
	json_decref(o);
	ck_assert_int_eq(ll("SELECT count(*) FROM postings WHERE account = '4300-EUR'"
			    " AND side = 'credit' AND amount = 100000"),
			 1);
	ck_assert_int_eq(ll("SELECT count(*) FROM bank_lines WHERE match_status = 'matched'"), 4);
	ck_assert_int_eq(audits("reconcile.record"), 4);
}
END_TEST

START_TEST(test_signoff__locks_the_period_until_an_admin_reopens_it)
{
	const char *signoff = "{\"bank_account\":\"1010-EUR\",\"period_end\":\"2019-02-28\"}";
	char sql[256], body[128];
	long long before, id;
	PGconn *c;
	json_t *o, *q;
	struct resp r;

	json_decref(pick("/v1/reconcile/confirm", L_TRAVEL, travel_posting, 200));

	/* only finance (and admin) sign off, on a statement's closing date */
	before = written();
	expect(http(&E.d, "POST", "/v1/reconcile/signoffs", E.auditor, NULL, signoff), 403,
	       "forbidden", NULL);
	expect(http(&E.d, "POST", "/v1/reconcile/signoffs", E.finance, NULL,
		    "{\"bank_account\":\"1010-EUR\",\"period_end\":\"2019-02-27\"}"),
	       400, "invalid-field", "period_end");
	ck_assert_int_eq(written(), before);

	/* the state as it is: three lines unexplained, the difference with them */
	o = call("POST", "/v1/reconcile/signoffs", E.finance, signoff, 201);
	id = json_integer_value(json_object_get(o, "id"));
	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(str_of(o, "statement_account"), IBAN);
	ck_assert_str_eq(str_of(o, "bank_closing"), "11209.45");
	ck_assert_str_eq(str_of(o, "ledger_balance"), "-300.00");
	ck_assert_str_eq(str_of(o, "difference"), "11509.45");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "unmatched_lines")), 3);
	ck_assert(json_is_true(json_object_get(o, "open")));
	ck_assert_str_eq(str_of(o, "signed_by"), "fin");
	json_decref(o);
	ck_assert_int_eq(audits("reconcile.signoff"), 1);
	expect(http(&E.d, "POST", "/v1/reconcile/signoffs", E.finance, NULL, signoff), 409,
	       "conflict", "signed off already");

	/* locked: every change of its lines is refused by the code ... */
	before = written();
	expect(line_op("/v1/reconcile/unmatch", E.finance, L_TRAVEL), 409,
	       "reconciliation-locked", "reopen");
	expect(pick_raw("/v1/reconcile/confirm", L_FIN, "pledge:1"), 409, "reconciliation-locked",
	       NULL);
	expect(pick_raw("/v1/reconcile/reject", L_FIN, "pledge:1"), 409, "reconciliation-locked",
	       NULL);
	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"kind\":\"charge\"}", L_FEE);
	expect(http(&E.d, "POST", "/v1/reconcile/record", E.finance, NULL, body), 409,
	       "reconciliation-locked", NULL);
	/* a receipt recorded by hand for a locked line: the trigger's TL001
	 * answers as the code would, 409 reconciliation-locked */
	{
		long long minor = ll("SELECT amount_minor FROM bank_lines"
				     " WHERE bank_ref = 'EUR190214001'");
		char receipt[256];

		snprintf(receipt, sizeof(receipt),
			 "{\"pledge\":1,\"date\":\"2019-02-14\",\"bank_account\":\"1010-EUR\","
			 "\"amount\":\"%lld.%02lld\",\"bank_line\":%lld,"
			 "\"allow_overpayment\":true}",
			 minor / 100, minor % 100, L_FIN);
		expect(http(&E.d, "POST", "/v1/receipts", E.finance, NULL, receipt), 409,
		       "reconciliation-locked", NULL);
	}
	ck_assert_int_eq(written(), before);
	/* ... and by the database, if code forgot */
	c = harness_connect(E.conninfo);
	snprintf(sql, sizeof(sql), "DELETE FROM bank_line_matches WHERE bank_line = %lld",
		 L_TRAVEL);
	harness_sql_refused(c, sql, "reconciliation-locked");
	snprintf(sql, sizeof(sql), "UPDATE bank_lines SET match_status = 'suggested' WHERE id = %lld",
		 L_FEE);
	harness_sql_refused(c, sql, "reconciliation-locked");
	PQfinish(c);
	q = call("GET", "/v1/reconcile/queue?bank_account=1010-EUR", E.auditor, NULL, 200);
	ck_assert_str_eq(str_of(q, "locked_to"), "2019-02-28");
	ck_assert(json_is_true(json_object_get(queue_line(q, L_FEE), "locked")));
	json_decref(q);
	o = call("GET", "/v1/reconcile/signoffs", E.auditor, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "signoffs")), 1);
	json_decref(o);
	expect(http(&E.d, "GET", "/v1/reconcile/signoffs", E.secretariat, NULL, NULL), 403,
	       "forbidden", NULL);

	/* reopening is the admin's alone, with a reason */
	snprintf(sql, sizeof(sql), "/v1/reconcile/signoffs/%lld/reopen", id);
	expect(http(&E.d, "POST", sql, E.finance, NULL, "{\"reason\":\"wrong match\"}"), 403,
	       "forbidden", NULL);
	expect(http(&E.d, "POST", sql, E.admin, NULL, "{}"), 400, "invalid-field", "reason");
	expect(http(&E.d, "POST", "/v1/reconcile/signoffs/999/reopen", E.admin, NULL,
		    "{\"reason\":\"x\"}"),
	       404, "not-found", NULL);
	ck_assert_int_eq(written(), before);
	r = http(&E.d, "POST", sql, E.admin, "reopen-1", "{\"reason\":\"wrong match\"}");
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	o = json_loads(r.body, 0, NULL);
	ck_assert(json_is_false(json_object_get(o, "open")));
	ck_assert_str_eq(str_of(o, "reopened_by"), "ada");
	ck_assert_str_eq(str_of(o, "reopen_reason"), "wrong match");
	json_decref(o);
	resp_free(&r);
	expect(http(&E.d, "POST", sql, E.admin, NULL, "{\"reason\":\"again\"}"), 409, "conflict",
	       "reopened already");
	ck_assert_int_eq(audits("reconcile.reopen"), 1);

	/* open again: the mistake is fixed */
	r = line_op("/v1/reconcile/unmatch", E.finance, L_TRAVEL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	resp_free(&r);
	/* and a new sign-off of the same day may be made */
	json_decref(call("POST", "/v1/reconcile/signoffs", E.finance, signoff, 201));
}
END_TEST

/* A confirm that waits for a sign-off's row lock on its line reads the
 * line after the sign-off commits: the C check answers, not the trigger. */
START_TEST(test_signoff__a_confirm_waiting_on_a_signoff_sees_its_lock)
{
	char sql[512], answer[512] = "";
	PGconn *a = harness_connect(E.conninfo), *watch = harness_connect(E.conninfo);
	PGresult *r;
	int fds[2], ws, waited = 0;
	ssize_t n;
	pid_t pid;

	/* a sign-off in flight: the line locked as bank_queue_signoff locks it */
	snprintf(sql, sizeof(sql),
		 "BEGIN; SELECT id FROM bank_lines WHERE id = %lld FOR UPDATE;"
		 " INSERT INTO reconciliation_signoffs (account, statement_account, period_end,"
		 " bank_closing_minor, ledger_minor, signed_by) VALUES ('1010-EUR', '" IBAN "',"
		 " '2019-02-28', 1120945, -30000, 'in flight')",
		 L_TRAVEL);
	r = PQexec(a, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(a));
	PQclear(r);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct resp q = pick_raw("/v1/reconcile/confirm", L_TRAVEL, travel_posting);
		int len = snprintf(answer, sizeof(answer), "%ld %s", q.status, q.body);

		(void)!write(fds[1], answer, (size_t)len);
		_exit(0);
	}
	close(fds[1]);
	/* until the confirm waits for the line's lock */
	while (waited < 1000) {
		char *v = harness_query_value(watch, "SELECT count(*) FROM pg_stat_activity"
						     " WHERE wait_event_type = 'Lock'");
		bool blocked = v && strcmp(v, "0") != 0;

		free(v);
		if (blocked)
			break;
		usleep(10000);
		waited++;
	}
	ck_assert_msg(waited < 1000, "the confirm never waited for the line");
	r = PQexec(a, "COMMIT");
	ck_assert_int_eq(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	n = read(fds[0], answer, sizeof(answer) - 1);
	answer[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	while (waitpid(pid, &ws, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	ck_assert_msg(strncmp(answer, "409 ", 4) == 0 && strstr(answer, "reconciliation-locked"),
		      "%s", answer);
	ck_assert_int_eq(ll("SELECT count(*) FROM bank_line_matches"), 0);
	PQfinish(a);
	PQfinish(watch);
}
END_TEST

START_TEST(test_queue__hostile_bodies_are_refused_naming_the_field)
{
	static const struct {
		const char *path, *body, *field;
	} bad[] = {
		{"/v1/reconcile/confirm", "{}", "bank_line"},
		{"/v1/reconcile/confirm", "{\"bank_line\":\"1\",\"candidate\":\"pledge:1\"}",
		 "bank_line"},
		{"/v1/reconcile/confirm", "{\"bank_line\":-4,\"candidate\":\"pledge:1\"}",
		 "bank_line"},
		{"/v1/reconcile/confirm", "{\"bank_line\":1}", "candidate"},
		{"/v1/reconcile/confirm", "{\"bank_line\":1,\"candidate\":7}", "candidate"},
		{"/v1/reconcile/confirm", "{\"bank_line\":1,\"candidate\":\"posting:zz\"}",
		 "candidate"},
		{"/v1/reconcile/confirm", "{\"bank_line\":1,\"candidate\":\"pledge:0\"}",
		 "candidate"},
		{"/v1/reconcile/confirm",
		 "{\"bank_line\":1,\"candidate\":\"pledge:99999999999999999999\"}", "candidate"},
		{"/v1/reconcile/confirm", "{\"bank_line\":1,\"candidate\":\"pledge:1\",\"x\":1}",
		 "x"},
		{"/v1/reconcile/confirm",
		 "{\"bank_line\":1,\"candidate\":\"pledge:1\",\"tolerance\":[1]}", "tolerance"},
		{"/v1/reconcile/reject", "{\"bank_line\":1,\"candidate\":null}", "candidate"},
		{"/v1/reconcile/unmatch", "{\"bank_line\":1.5}", "bank_line"},
		{"/v1/reconcile/unmatch", "{\"bank_line\":1,\"candidate\":\"pledge:1\"}",
		 "candidate"},
		{"/v1/reconcile/record", "{\"bank_line\":1}", "kind"},
		{"/v1/reconcile/record", "{\"bank_line\":1,\"kind\":\"gift\"}", "kind"},
		{"/v1/reconcile/record", "{\"bank_line\":1,\"kind\":\"charge\",\"pledge\":1}",
		 "pledge"},
		{"/v1/reconcile/record", "{\"bank_line\":1,\"kind\":\"charge\",\"account\":\"x\"}",
		 "account"},
		{"/v1/reconcile/record", "{\"bank_line\":1,\"kind\":\"receipt\",\"pledge\":1,"
					 "\"memo\":\"m\"}",
		 "memo"},
		{"/v1/reconcile/record", "{\"bank_line\":1,\"kind\":\"charge\","
					 "\"allow_overpayment\":\"yes\"}",
		 "allow_overpayment"},
		{"/v1/reconcile/signoffs", "{\"bank_account\":\"1010-EUR\"}", "period_end"},
		{"/v1/reconcile/signoffs",
		 "{\"bank_account\":\"1010-EUR\",\"period_end\":\"2019-02-30\"}", "period_end"},
		{"/v1/reconcile/signoffs", "{\"bank_account\":[],\"period_end\":\"2019-02-28\"}",
		 "bank_account"},
		{"/v1/reconcile/signoffs", "{\"bank_account\":\"4100-EUR\",\"period_end\":"
					   "\"2019-02-28\"}",
		 "bank_account"},
	};
	char *huge = malloc(200000), body[512];
	long long before = written();
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct resp r = http(&E.d, "POST", bad[i].path, E.finance, "k", bad[i].body);
		char *code = error_code(r.body);

		ck_assert_msg(r.status == 400 && code && strcmp(code, "invalid-field") == 0,
			      "%s %s: %ld %s", bad[i].path, bad[i].body, r.status, r.body);
		ck_assert_msg(strstr(r.body, bad[i].field), "%s %s: no %s in %s", bad[i].path,
			      bad[i].body, bad[i].field, r.body);
		free(code);
		resp_free(&r);
	}
	/* a memo, a reason, a candidate far too long */
	ck_assert_ptr_nonnull(huge);
	n = (size_t)snprintf(huge, 200000, "{\"bank_line\":1,\"kind\":\"charge\",\"memo\":\"");
	memset(huge + n, 'm', 150000);
	strcpy(huge + n + 150000, "\"}");
	expect(http(&E.d, "POST", "/v1/reconcile/record", E.finance, NULL, huge), 400,
	       "invalid-field", "memo");
	n = (size_t)snprintf(huge, 200000, "{\"bank_line\":1,\"candidate\":\"posting:");
	memset(huge + n, 'a', 150000);
	strcpy(huge + n + 150000, "\"}");
	expect(http(&E.d, "POST", "/v1/reconcile/confirm", E.finance, NULL, huge), 400,
	       "invalid-field", "candidate");
	n = (size_t)snprintf(huge, 200000, "{\"reason\":\"");
	memset(huge + n, 'r', 1001);
	strcpy(huge + n + 1001, "\"}");
	expect(http(&E.d, "POST", "/v1/reconcile/signoffs/1/reopen", E.admin, NULL, huge), 400,
	       "invalid-field", "reason");
	free(huge);
	/* an id beyond int64 is no JSON integer jansson reads: refused as JSON */
	expect(http(&E.d, "POST", "/v1/reconcile/unmatch", E.finance, NULL,
		    "{\"bank_line\":99999999999999999999}"),
	       400, NULL, NULL);
	snprintf(body, sizeof(body), "{\"bank_line\":%lld,\"candidate\":\"pledge:1\","
				     "\"bank_account\":\"1010-USD\"}", L_FIN);
	expect(http(&E.d, "POST", "/v1/reconcile/confirm", E.finance, NULL, body), 400,
	       "invalid-field", "bank_account");
	expect(http(&E.d, "POST", "/v1/reconcile/signoffs/x/reopen", E.admin, NULL,
		    "{\"reason\":\"r\"}"),
	       404, "not-found", NULL);
	expect(http(&E.d, "POST", "/v1/reconcile/confirm", E.finance, NULL, "[1]"), 400, NULL,
	       NULL);
	ck_assert_int_eq(written(), before);
}
END_TEST

/* tfledger reconcile as before (PLEDGE and RECEIPT apart) and its queue commands. */
START_TEST(test_cli__reconcile_runs_as_before_and_works_the_queue)
{
	const char *run[] = {"reconcile", "--bank-account", "1010-EUR", NULL};
	char line[32];
	const char *queue[] = {"reconcile", "queue", "--bank-account", "1010-EUR", "--format",
			       "json", NULL};
	const char *confirm[] = {"reconcile", "confirm", "--bank-line", line, "--candidate",
				 travel_posting, NULL};
	const char *signoffs[] = {"reconcile", "signoffs", NULL};
	const char *bad_day[] = {"reconcile", "--bank-account", "1010-EUR", "--as-of",
				 "2019-02-30", NULL};
	char *out = NULL, *err = NULL;
	json_t *o;
	int rc;

	/* a bad --as-of is refused by the server, naming its field, nothing posted */
	rc = cli_on(&out, &err, &E.d, E.finance, bad_day);
	ck_assert_msg(rc == 1 && strstr(err, "as_of: not a date") && strstr(err, "[invalid-field]"),
		      "%d %s", rc, err);
	ck_assert_int_eq(ll("SELECT count(*) FROM receipts"), 0);
	free(out);
	free(err);
	rc = cli_on(&out, &err, &E.d, E.finance, run);
	ck_assert_msg(rc == 0, "reconcile: %d %s", rc, err);
	ck_assert_msg(strstr(out, "PLEDGE") && strstr(out, "RECEIPT") && strstr(out, "matched:"),
		      "%s", out);
	/* and the reconciliation statement, explained to the cent */
	ck_assert_msg(strstr(out, "reconciliation statement:") &&
			      strstr(out, "bank_debits_not_in_ledger") &&
			      strstr(out, "unexplained                  0.00"),
		      "%s", out);
	ck_assert_int_eq(ll("SELECT count(*) FROM receipts"), 1); /* Finland's, as before */
	free(out);
	free(err);
	rc = cli_on(&out, &err, &E.d, E.finance, queue);
	ck_assert_msg(rc == 0, "queue: %d %s", rc, err);
	o = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_array_size(json_object_get(o, "lines")), 3);
	json_decref(o);
	free(out);
	free(err);
	snprintf(line, sizeof(line), "%lld", L_TRAVEL);
	rc = cli_on(&out, &err, &E.d, E.finance, confirm);
	ck_assert_msg(rc == 0, "confirm: %d %s", rc, err);
	ck_assert_msg(strstr(out, "payment") && strstr(out, "confirmed"), "out: %s err: %s", out, err);
	free(out);
	free(err);
	ck_assert_int_eq(ll("SELECT count(*) FROM audit WHERE action = 'reconcile.confirm'"), 1);
	/* again: refused, exit 1, the code named */
	rc = cli_on(&out, &err, &E.d, E.finance, confirm);
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strstr(err, "[conflict]"), "%s", err);
	free(out);
	free(err);
	rc = cli_on(&out, &err, &E.d, E.finance, signoffs);
	ck_assert_msg(rc == 0 && strstr(out, "PERIOD END"), "%d %s %s", rc, out, err);
	free(out);
	free(err);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test tests[] = {
		{test_queue__lists_lines_oldest_first_with_candidates_in_pages, 0},
		{test_queue__confirm_reject_unmatch_and_conflicts, 0},
		{test_queue__record_posts_once_and_replays_its_key, 0},
		{test_signoff__locks_the_period_until_an_admin_reopens_it, 0},
		{test_signoff__a_confirm_waiting_on_a_signoff_sees_its_lock, 0},
		{test_queue__hostile_bodies_are_refused_naming_the_field, 0},
		{test_cli__reconcile_runs_as_before_and_works_the_queue, 0},
	};
	Suite *s = suite_create("reconcile_queue");

	harness_add_tcase(s, "queue", setup, teardown, 120, tests, HARNESS_N(tests));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
