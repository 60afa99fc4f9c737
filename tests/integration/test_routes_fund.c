/*
 * test_routes_fund.c - the routes of the fund's books, travel support and
 * reports through the real tfledgerd (daemon/routes_*.c): each route's
 * success, the role matrix (finance / auditor / secretariat, 403 where
 * forbidden), bad input per family answered with its contract code and
 * nothing stored, donors ordered by USD, and a report as XML. Each test
 * gets a fresh migrated database with the fund's chart and the 2019 rates.
 */
#include "tests/integration/ledger_fixture.h"

#include <jansson.h>

#define DATA SRCDATADIR "/tests/data/"

static struct roles_env E;

static void cli_ok(const char *a1, const char *a2, const char *a3, const char *a4,
		   const char *a5)
{
	const char *argv[] = {harness_bin_tfledger(), a1, a2, a3, a4, a5,
			      NULL, NULL, NULL};
	char *err = NULL;
	int n = 1, rc;

	while (argv[n])
		n++;
	rc = cli_on(NULL, &err, &E.d, E.finance, argv + 1);
	ck_assert_msg(rc == 0, "tfledger %s %s: exit %d: %s", a1, a2, rc, err);
	free(err);
}

/* A fresh database with tokens and the daemon; the chart and the 2019
 * rates too unless bare. */
static void start(bool bare)
{
	roles_env_open(&E);
	daemon_start(&E.d, E.conninfo, E.dir);
	if (!bare) {
		cli_ok("fund", "init", NULL, NULL, NULL);
		cli_ok("rates", "import", DATA "fund/rates-2019.csv", NULL, NULL);
		harness_allow_overdrafts(E.conninfo);
	}
}

static void setup(void)
{
	start(false);
}

static void setup_bare(void)
{
	start(true);
}

static void teardown(void)
{
	roles_env_close(&E);
}

/* Asserts status (and code, if not NULL) and the request id; frees r. */
static void expect(struct resp r, long status, const char *code)
{
	char *got = error_code(r.body);

	ck_assert_msg(r.status == status, "status %ld, want %ld: %s", r.status, status, r.body);
	if (code)
		ck_assert_msg(got && strcmp(got, code) == 0, "code %s, want %s: %s", got, code,
			      r.body);
	ck_assert_msg(r.request_id[0], "no X-Request-Id");
	free(got);
	resp_free(&r);
}

/* A request that must answer status; returns the parsed body (caller's). */
static json_t *call(const char *method, const char *path, const char *token, const char *body,
		    long status)
{
	return call_on(&E.d, method, path, token, body, status);
}

static long long count(const char *table)
{
	char sql[128];

	ck_assert_int_lt(snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table),
			 (int)sizeof(sql));
	return query_ll(E.conninfo, sql);
}

/* A signed pledge of donor; returns its id. */
static long long pledge(const char *donor, const char *amount, const char *ccy,
			const char *agreement)
{
	char body[512];
	json_t *o;
	long long id;

	snprintf(body, sizeof(body),
		 "{\"donor\":\"%s\",\"date\":\"2019-01-05\",\"amount\":\"%s\",\"currency\":\"%s\""
		 ",\"agreement\":\"%s\"}",
		 donor, amount, ccy, agreement);
	o = call("POST", "/v1/pledges", E.finance, body, 201);
	id = json_integer_value(json_object_get(o, "id"));
	ck_assert_int_gt(id, 0);
	json_decref(o);
	return id;
}

static void receipt(long long pledge_id, const char *bank, const char *amount)
{
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"pledge\":%lld,\"date\":\"2019-01-20\",\"bank_account\":\"%s\","
		 "\"amount\":\"%s\"}",
		 pledge_id, bank, amount);
	json_decref(call("POST", "/v1/receipts", E.finance, body, 201));
}

START_TEST(test_fund_routes__writes_lists_roles_and_donor_order)
{
	static const char *const reads[] = {"/v1/donors", "/v1/pledges", "/v1/receipts",
					    "/v1/in-kind", "/v1/rates"};
	const char *donor = "{\"id\":\"mmm\",\"name\":\"M\",\"org_type\":\"10\",\"country\":\"NOR\"}";
	long long p1, p2, indicative;
	char path[64];
	json_t *o, *arr;

	/* donors: finance writes; auditor and secretariat may not; admin may */
	expect(http(&E.d, "POST", "/v1/donors", E.auditor, NULL, donor), 403, "forbidden");
	expect(http(&E.d, "POST", "/v1/donors", E.secretariat, NULL, donor), 403, "forbidden");
	ck_assert_int_eq(count("donors"), 0);
	o = call("POST", "/v1/donors", E.finance, donor, 201);
	ck_assert_str_eq(json_string_value(json_object_get(o, "id")), "mmm");
	json_decref(o);
	json_decref(call("POST", "/v1/donors", E.admin,
			 "{\"id\":\"aaa\",\"name\":\"A\",\"org_type\":\"10\",\"country\":\"CHE\"}",
			 201));
	json_decref(call("POST", "/v1/donors", E.finance,
			 "{\"id\":\"zzz\",\"name\":\"Z\",\"org_type\":\"15\"}", 201));
	expect(http(&E.d, "POST", "/v1/donors", E.finance, NULL, donor), 409, "conflict");

	/* pledges: signed at once, or indicative then signed */
	p1 = pledge("zzz", "1000.00", "EUR", "Z-1");
	o = call("POST", "/v1/pledges", E.finance,
		 "{\"donor\":\"aaa\",\"date\":\"2019-01-05\",\"amount\":\"1000.00\","
		 "\"currency\":\"CHF\"}",
		 201);
	indicative = json_integer_value(json_object_get(o, "id"));
	json_decref(o);
	snprintf(path, sizeof(path), "/v1/pledges/%lld/sign", indicative);
	expect(http(&E.d, "POST", path, E.auditor, NULL,
		    "{\"agreement\":\"A-1\",\"date\":\"2019-01-10\"}"),
	       403, "forbidden");
	o = call("POST", path, E.finance, "{\"agreement\":\"A-1\",\"date\":\"2019-01-10\"}", 200);
	ck_assert_str_eq(json_string_value(json_object_get(o, "agreement")), "A-1");
	json_decref(o);
	p2 = indicative;
	expect(http(&E.d, "POST", "/v1/pledges/999/sign", E.finance, NULL,
		    "{\"agreement\":\"X\",\"date\":\"2019-01-10\"}"),
	       404, "not-found");

	/* receipts: CHF 1000 (USD 1013.00) and EUR 1000 (USD 1142.00) */
	receipt(p2, "1010-CHF", "1000.00");
	receipt(p1, "1010-EUR", "1000.00");
	expect(http(&E.d, "POST", "/v1/receipts", E.secretariat, NULL, "{}"), 403, "forbidden");

	/* in kind */
	o = call("POST", "/v1/in-kind", E.finance,
		 "{\"donor\":\"mmm\",\"kind\":\"service\",\"description\":\"rooms\","
		 "\"amount\":\"2500.00\",\"currency\":\"USD\",\"period_start\":\"2019-01-01\","
		 "\"period_end\":\"2019-01-31\"}",
		 201);
	ck_assert_str_eq(json_string_value(json_object_get(o, "amount")), "2500.00");
	json_decref(o);

	/* donors by USD given, largest first, not by id or by raw amount */
	o = call("GET", "/v1/donors", E.auditor, NULL, 200);
	arr = json_object_get(o, "donors");
	ck_assert_int_eq(json_array_size(arr), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 0), "id")), "zzz");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 1), "id")), "aaa");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 2), "id")), "mmm");
	json_decref(o);

	/* every list: finance, auditor and admin read, the secretariat may not */
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		json_decref(call("GET", reads[i], E.finance, NULL, 200));
		json_decref(call("GET", reads[i], E.admin, NULL, 200));
		char key[32];

		/* the list's key is the path's last word, '-' as '_' (in_kind) */
		snprintf(key, sizeof(key), "%s", reads[i] + 4);
		for (char *k = key; *k; k++)
			*k = *k == '-' ? '_' : *k;
		o = call("GET", reads[i], E.auditor, NULL, 200);
		ck_assert_msg(json_array_size(json_object_get(o, key)) > 0, "%s lists nothing",
			      reads[i]);
		json_decref(o);
		expect(http(&E.d, "GET", reads[i], E.secretariat, NULL, NULL), 403, "forbidden");
	}
	/* each receipt in USD at its month's rate, exactly */
	o = call("GET", "/v1/receipts", E.auditor, NULL, 200);
	arr = json_object_get(o, "receipts");
	ck_assert_int_eq(json_array_size(arr), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *usd = json_object_get(json_array_get(arr, i), "usd");
		const char *amount = json_string_value(json_object_get(usd, "amount"));

		ck_assert_msg(amount && (strcmp(amount, "1013.00") == 0 ||
					 strcmp(amount, "1142.00") == 0),
			      "usd %s", amount ? amount : "(none)");
	}
	json_decref(o);

	/* travel available: the secretariat reads it too; as_of required */
	o = call("GET", "/v1/funds/travel-available?as_of=2019-12-31", E.secretariat, NULL, 200);
	ck_assert_str_eq(json_string_value(json_object_get(o, "as_of")), "2019-12-31");
	ck_assert_ptr_nonnull(json_object_get(o, "available_usd"));
	json_decref(o);
	json_decref(call("GET", "/v1/funds/travel-available?as_of=2019-12-31", E.auditor, NULL,
			 200));
	expect(http(&E.d, "GET", "/v1/funds/travel-available", E.auditor, NULL, NULL), 400,
	       "invalid-field");
	expect(http(&E.d, "GET", "/v1/funds/travel-available?as_of=2019-13-01", E.auditor, NULL,
		    NULL),
	       400, "invalid-field");
}
END_TEST

START_TEST(test_fund_routes__bad_input_stores_nothing)
{
	long long p, entries, audit;

	json_decref(call("POST", "/v1/donors", E.finance,
			 "{\"id\":\"nor\",\"name\":\"Norway\",\"org_type\":\"10\",\"country\":\"NOR\"}",
			 201));
	p = pledge("nor", "1000.00", "EUR", "N-1");
	entries = count("entries");
	audit = count("audit");
	/* 400 */
	expect(http(&E.d, "POST", "/v1/donors", E.finance, NULL,
		    "{\"id\":\"x\",\"name\":\"X\",\"org_type\":\"99\"}"),
	       400, "invalid-field");
	expect(http(&E.d, "POST", "/v1/donors", E.finance, NULL, "{\"id\":"), 400, "invalid-json");
	expect(http(&E.d, "POST", "/v1/pledges", E.finance, NULL,
		    "{\"donor\":\"nor\",\"date\":\"2019-01-05\",\"amount\":\"1.001\","
		    "\"currency\":\"EUR\"}"),
	       400, "invalid-field");
	expect(http(&E.d, "POST", "/v1/in-kind", E.finance, NULL,
		    "{\"donor\":\"nor\",\"kind\":\"gift\",\"description\":\"d\",\"amount\":\"1.00\","
		    "\"currency\":\"USD\",\"period_start\":\"2019-01-01\",\"period_end\":\"2019-01-31\"}"),
	       400, "invalid-field");
	/* an unknown donor is not-found, as an unknown pledge or meeting, in a
	 * body as in a path: one code for one condition */
	expect(http(&E.d, "POST", "/v1/pledges", E.finance, NULL,
		    "{\"donor\":\"nobody\",\"date\":\"2019-01-05\",\"amount\":\"1.00\","
		    "\"currency\":\"EUR\"}"),
	       404, "not-found");
	expect(http(&E.d, "POST", "/v1/pledges/999/sign", E.finance, NULL,
		    "{\"agreement\":\"X\",\"date\":\"2019-01-10\"}"),
	       404, "not-found");
	/* 422: over-payment, and a month without a rate */
	{
		char body[256];

		snprintf(body, sizeof(body),
			 "{\"pledge\":%lld,\"date\":\"2019-01-20\",\"bank_account\":\"1010-EUR\","
			 "\"amount\":\"5000.00\"}",
			 p);
		expect(http(&E.d, "POST", "/v1/receipts", E.finance, NULL, body), 422,
		       "over-payment");
	}
	/* a refused write stores its Idempotency-Key nowhere either */
	expect(http(&E.d, "POST", "/v1/donors", E.finance, "k1",
		    "{\"id\":\"y\",\"name\":\"Y\",\"org_type\":\"99\",\"country\":\"NOR\"}"),
	       400, "invalid-field");
	ck_assert_int_eq(count("idempotency_keys"), 0);
	ck_assert_int_eq(count("donors"), 1);
	ck_assert_int_eq(count("pledges"), 1);
	ck_assert_int_eq(count("receipts"), 0);
	ck_assert_int_eq(count("inkind_gifts"), 0);
	ck_assert_int_eq(count("entries"), entries);
	ck_assert_int_eq(count("audit"), audit);
	/* a receipt of a month without a UN rate: the donors' list cannot be made */
	{
		char body[256];

		snprintf(body, sizeof(body),
			 "{\"pledge\":%lld,\"date\":\"2019-06-20\",\"bank_account\":\"1010-EUR\","
			 "\"amount\":\"100.00\"}",
			 p);
		json_decref(call("POST", "/v1/receipts", E.finance, body, 201));
	}
	expect(http(&E.d, "GET", "/v1/donors", E.auditor, NULL, NULL), 422, "missing-rate");
}
END_TEST

START_TEST(test_travel_routes__rank_approve_decline_settle_and_roles)
{
	const char *meeting = "{\"id\":\"m1\",\"name\":\"MAG 1\",\"starts_on\":\"2019-01-29\","
			      "\"ends_on\":\"2019-01-31\",\"place\":\"Geneva\",\"currency\":\"USD\"}";
	long long entries;
	json_t *o;

	expect(http(&E.d, "POST", "/v1/meetings", E.finance, NULL, meeting), 403, "forbidden");
	expect(http(&E.d, "POST", "/v1/meetings", E.auditor, NULL, meeting), 403, "forbidden");
	o = call("POST", "/v1/meetings", E.secretariat, meeting, 201);
	ck_assert_str_eq(json_string_value(json_object_get(o, "id")), "m1");
	json_decref(o);
	expect(http(&E.d, "POST", "/v1/meetings", E.secretariat, NULL, meeting), 409, "conflict");
	{
		/* the applicants' CSV uploaded as the Secretariat (the one door) */
		size_t len = 0;
		char *csv = harness_slurp(DATA "travel/mag1.csv", &len);
		struct resp r = http_on_typed(NULL, &E.d, "POST", "/v1/meetings/m1/applicants",
					      E.secretariat, NULL, "text/csv", csv, len);

		ck_assert_msg(r.status == 201, "upload: %ld: %s", r.status, r.body);
		resp_free(&r);
		free(csv);
	}

	o = call("GET", "/v1/meetings", E.auditor, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "meetings")), 1);
	json_decref(o);
	expect(http(&E.d, "GET", "/v1/meetings", E.finance, NULL, NULL), 403, "forbidden");

	/* what-if: answered, nothing stored */
	o = call("POST", "/v1/meetings/m1/rank", E.secretariat,
		 "{\"as_of\":\"2019-01-15\",\"budget\":\"4500.00\",\"currency\":\"USD\","
		 "\"what_if\":true}",
		 200);
	ck_assert(json_is_null(json_object_get(o, "run")));
	json_decref(o);
	ck_assert_int_eq(count("travel_runs"), 0);
	expect(http(&E.d, "POST", "/v1/meetings/m1/rank", E.auditor, NULL, "{}"), 403, "forbidden");
	expect(http(&E.d, "POST", "/v1/meetings/m1/rank", E.secretariat, NULL,
		    "{\"policy\":\"/etc/passwd\",\"budget\":\"1.00\",\"currency\":\"USD\"}"),
	       400, "invalid-field");
	expect(http(&E.d, "POST", "/v1/meetings/m1/rank", E.secretariat, NULL,
		    "{\"meeting\":\"other\",\"budget\":\"1.00\",\"currency\":\"USD\"}"),
	       400, "invalid-field");
	expect(http(&E.d, "POST", "/v1/meetings/nope/rank", E.secretariat, NULL,
		    "{\"budget\":\"1.00\",\"currency\":\"USD\"}"),
	       404, "not-found");
	ck_assert_int_eq(count("travel_runs"), 0);

	/* a budget above the meeting's allocation is refused, nothing stored */
	expect(http(&E.d, "POST", "/v1/meetings/m1/rank", E.secretariat, NULL,
		    "{\"as_of\":\"2019-01-15\",\"budget\":\"4500.00\",\"currency\":\"USD\"}"),
	       409, "insufficient-funds");
	ck_assert_int_eq(count("travel_runs"), 0);
	/* the money: 4500.00 USD received for travel, allocated to m1 by finance */
	json_decref(call("POST", "/v1/donors", E.finance,
			 "{\"id\":\"fin\",\"name\":\"Finland\",\"org_type\":\"10\","
			 "\"country\":\"FIN\"}", 201));
	o = call("POST", "/v1/pledges", E.finance,
		 "{\"donor\":\"fin\",\"date\":\"2019-01-02\",\"amount\":\"4500.00\","
		 "\"currency\":\"USD\",\"earmark\":\"travel\",\"agreement\":\"TF-1\"}", 201);
	{
		char body[256];

		snprintf(body, sizeof(body),
			 "{\"pledge\":%lld,\"date\":\"2019-01-03\",\"bank_account\":"
			 "\"1010-USD\",\"amount\":\"4500.00\"}",
			 (long long)json_integer_value(json_object_get(o, "id")));
		json_decref(o);
		json_decref(call("POST", "/v1/receipts", E.finance, body, 201));
	}
	json_decref(call("POST", "/v1/allocations", E.finance,
			 "{\"date\":\"2019-01-04\",\"source\":{\"earmark\":\"travel\","
			 "\"currency\":\"USD\"},\"meeting\":\"m1\",\"amount\":\"4500.00\"}",
			 201));
	o = call("POST", "/v1/meetings/m1/rank", E.secretariat,
		 "{\"as_of\":\"2019-01-15\",\"budget\":\"4500.00\",\"currency\":\"USD\"}", 201);
	ck_assert_int_gt(json_integer_value(json_object_get(o, "run")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "budget_source")), "given");
	json_decref(o);
	ck_assert_int_eq(count("travel_runs"), 1);

	/* approve: an empty body is fine; obligations are entries. (Four eyes,
	 * on by default, is test_routes_travel's: here the installation turned
	 * it off, so the Secretariat approves the run it ranked.) */
	harness_four_eyes(E.conninfo, false);
	entries = count("entries");
	expect(http(&E.d, "POST", "/v1/meetings/m1/approve", E.finance, NULL, NULL), 403,
	       "forbidden");
	o = call("POST", "/v1/meetings/m1/approve", E.secretariat, "{\"date\":\"2019-01-16\"}", 200);
	ck_assert_int_ge(json_array_size(json_object_get(o, "approved")), 2);
	json_decref(o);
	ck_assert_int_gt(count("entries"), entries);

	o = call("GET", "/v1/meetings/m1/trips", E.auditor, NULL, 200);
	ck_assert_str_eq(json_string_value(json_object_get(o, "meeting")), "m1");
	ck_assert_int_ge(json_array_size(json_object_get(o, "trips")), 2);
	json_decref(o);
	expect(http(&E.d, "GET", "/v1/meetings/m1/trips", E.finance, NULL, NULL), 403, "forbidden");
	expect(http(&E.d, "GET", "/v1/meetings/nope/trips", E.auditor, NULL, NULL), 404,
	       "not-found");

	/* settle above the granted amount: 400, nothing stored */
	entries = count("entries");
	expect(http(&E.d, "POST", "/v1/meetings/m1/trips/bo/settle", E.secretariat, NULL,
		    "{\"airfare\":\"9000.00\",\"dsa\":\"0.00\",\"report_received\":\"2019-02-10\"}"),
	       400, "invalid-field");
	ck_assert_int_eq(count("entries"), entries);
	o = call("POST", "/v1/meetings/m1/trips/bo/settle", E.secretariat,
		 "{\"airfare\":\"1200.00\",\"dsa\":\"0.00\",\"report_received\":\"2019-02-10\","
		 "\"date\":\"2019-02-15\"}",
		 200);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "trip"), "status")),
			 "settled");
	json_decref(o);
	ck_assert_int_eq(count("entries"), entries + 1);

	/* decline, then cancel of the declined trip: 409 */
	expect(http(&E.d, "POST", "/v1/meetings/m1/trips/amina/decline", E.auditor, NULL, NULL),
	       403, "forbidden");
	o = call("POST", "/v1/meetings/m1/trips/amina/decline", E.secretariat,
		 "{\"date\":\"2019-01-20\"}", 200);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "trip"), "status")),
			 "declined");
	json_decref(o);
	entries = count("entries");
	expect(http(&E.d, "POST", "/v1/meetings/m1/trips/amina/cancel", E.secretariat, NULL, NULL),
	       409, "conflict");
	expect(http(&E.d, "POST", "/v1/meetings/m1/trips/amina/settle", E.secretariat, "k",
		    "{\"airfare\":\"1.00\",\"dsa\":\"0.00\",\"report_received\":\"2019-02-10\"}"),
	       409, "conflict");
	ck_assert_int_eq(count("entries"), entries);
}
END_TEST

START_TEST(test_report_route__xml_roles_and_bad_requests)
{
	struct resp r;
	char *ctype = NULL, body[1024];
	CURL *h = curl_easy_init();

	ck_assert_ptr_nonnull(h);
	entry_body(body, sizeof(body), "2019-02-14", "1010-EUR", "4100-EUR", "1234.56");
	json_decref(call("POST", "/v1/entries", E.finance, body, 201));
	r = http_on(h, &E.d, "GET", "/v1/reports/trial-balance?from=2019-01-01&to=2019-03-31",
		    E.auditor, NULL, NULL, 0);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ctype);
	ck_assert_str_eq(ctype, "application/xml");
	ck_assert_msg(strncmp(r.body, "<?xml", 5) == 0, "%s", r.body);
	ck_assert_ptr_nonnull(strstr(r.body, "trial-balance"));
	ck_assert_ptr_nonnull(strstr(r.body, "1010-EUR"));
	ck_assert_ptr_nonnull(strstr(r.body, "1234.56"));
	ck_assert_msg(strstr(r.body, "</") && r.body[r.len - 1] == '\n', "incomplete: %s", r.body);
	resp_free(&r);
	curl_easy_cleanup(h);
	{
		const struct {
			const char *token, *path;
			long status;
			const char *code;
		} gets[] = {
			{E.finance, "/v1/reports/trial-balance?from=2019-01-01&to=2019-03-31",
			 200, NULL},
			{E.secretariat, "/v1/reports/trial-balance?from=2019-01-01&to=2019-03-31",
			 403, "forbidden"},
			{E.auditor, "/v1/reports/no-such-kind?from=2019-01-01&to=2019-03-31",
			 404, "not-found"},
			{E.auditor, "/v1/reports/trial-balance?to=2019-03-31",
			 400, "invalid-field"},
			{E.auditor, "/v1/reports/trial-balance?from=2019-03-31&to=2019-01-01",
			 400, "invalid-field"},
			{E.auditor, "/v1/reports/account-statement?from=2019-01-01&to=2019-03-31"
			 "&account=9999",
			 400, "invalid-field"},
			/* bank_account reaches the reconciliation report: no statement here */
			{E.auditor, "/v1/reports/reconciliation?from=2019-01-01&to=2019-03-31",
			 400, "invalid-field"},
			{E.auditor, "/v1/reports/reconciliation?from=2019-01-01&to=2019-03-31"
			 "&bank_account=1010-EUR",
			 400, "invalid-field"},
		};

		for (size_t i = 0; i < sizeof(gets) / sizeof(gets[0]); i++)
			expect(http(&E.d, "GET", gets[i].path, gets[i].token, NULL, NULL),
			       gets[i].status, gets[i].code);
	}
}
END_TEST

/* --- issue 4's HTTP writes: fund init, rates, bank statements, reconcile,
 * and Idempotency-Key on every fund write ---------------------------------- */

/* A request with a body of content type ctype (len bytes). */
static struct resp typed(const char *method, const char *path, const char *token,
			 const char *key, const char *ctype, const char *body, size_t len)
{
	return http_on_typed(NULL, &E.d, method, path, token, key, ctype, body, len);
}

/* A fixture file's bytes (caller's). */
static char *fixture(const char *name, size_t *len)
{
	char path[LIMIT_PATH_BYTES];
	char *text;

	snprintf(path, sizeof(path), DATA "%s", name);
	text = harness_slurp(path, len);
	ck_assert_msg(text, "cannot read %s", path);
	return text;
}

/* POSTs fixture name as ctype; asserts status; returns the answer (caller's). */
static struct resp post_file(const char *path, const char *token, const char *key,
			     const char *ctype, const char *name, long status)
{
	size_t len;
	char *body = fixture(name, &len);
	struct resp r = typed("POST", path, token, key, ctype, body, len);

	free(body);
	ck_assert_msg(r.status == status, "POST %s %s: %ld, want %ld: %s", path, name, r.status,
		      status, r.body);
	return r;
}

/* post_file, and where want is not NULL the answer must contain it; keeps nothing. */
static void post_only(const char *path, const char *token, const char *key, const char *ctype,
		      const char *name, long status, const char *want)
{
	struct resp r = post_file(path, token, key, ctype, name, status);

	ck_assert_msg(!want || strstr(r.body, want), "%s %s: %s", path, name, r.body);
	resp_free(&r);
}

static json_t *parse(const struct resp *r)
{
	json_t *o = json_loads(r->body, 0, NULL);

	ck_assert_msg(o, "not JSON: %s", r->body);
	return o;
}

/* post_file, then the answer parsed; the caller json_decref()s it. */
static json_t *post_json(const char *path, const char *token, const char *key, const char *ctype,
			 const char *name, long status)
{
	struct resp r = post_file(path, token, key, ctype, name, status);
	json_t *o = parse(&r);

	resp_free(&r);
	return o;
}

static const char *str_of(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	ck_assert_msg(v, "no string %s", key);
	return v;
}

static long long int_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_integer(v), "no integer %s", key);
	return json_integer_value(v);
}

static size_t size_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_array(v), "no array %s", key);
	return json_array_size(v);
}

/* The number of rows of the database's tables that any write changes. */
static long long written(void)
{
	return query_ll(E.conninfo,
			"SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM entries)"
			" + (SELECT count(*) FROM audit) + (SELECT count(*) FROM idempotency_keys)"
			" + (SELECT count(*) FROM donors) + (SELECT count(*) FROM pledges)"
			" + (SELECT count(*) FROM receipts) + (SELECT count(*) FROM inkind_gifts)"
			" + (SELECT count(*) FROM exchange_rates)"
			" + (SELECT count(*) FROM bank_statements) + (SELECT count(*) FROM bank_lines)"
			" + (SELECT count(*) FROM bank_lines WHERE match_status <> 'unmatched')"
			" + (SELECT count(*) FROM pledges WHERE status = 'signed')");
}

/* As call, as finance, with an Idempotency-Key. */
static json_t *call_key(const char *method, const char *path, const char *key,
			const char *body, long status)
{
	struct resp r = http(&E.d, method, path, E.finance, key, body);
	json_t *o;

	ck_assert_msg(r.status == status, "%s %s: %ld, want %ld: %s", method, path, r.status,
		      status, r.body);
	o = parse(&r);
	resp_free(&r);
	return o;
}

/* A write with key answers status; the same key and body replays the same
 * answer and stores nothing more; the same key with other_body is 409. */
static void replays(const char *path, const char *key, const char *body,
		    const char *other_body, long status)
{
	struct resp first = http(&E.d, "POST", path, E.finance, key, body), again;
	long long before;

	ck_assert_msg(first.status == status, "POST %s: %ld, want %ld: %s", path, first.status,
		      status, first.body);
	before = written();
	again = http(&E.d, "POST", path, E.finance, key, body);
	ck_assert_msg(again.status == status, "replay %s: %ld: %s", path, again.status, again.body);
	ck_assert_str_eq(again.body, first.body);
	ck_assert_int_eq(written(), before);
	expect(http(&E.d, "POST", path, E.finance, key, other_body), 409, "conflict");
	ck_assert_int_eq(written(), before);
	resp_free(&first);
	resp_free(&again);
}

START_TEST(test_fund_init_route__creates_the_chart_once_and_replays)
{
	long long before, audit;
	struct resp r, again;
	json_t *o;

	ck_assert_int_eq(count("accounts"), 0);
	before = written(); /* the fixture's tokens: their users' audit rows */
	expect(http(&E.d, "POST", "/v1/fund/init", E.auditor, NULL, NULL), 403, "forbidden");
	expect(http(&E.d, "POST", "/v1/fund/init", E.secretariat, NULL, NULL), 403, "forbidden");
	expect(http(&E.d, "POST", "/v1/fund/init", E.finance, NULL, "{\"currency\":\"EUR\"}"), 400,
	       "invalid-field");
	expect(http(&E.d, "POST", "/v1/fund/init", E.finance, "i0", "[]"), 400, "invalid-json");
	ck_assert_int_eq(written(), before);

	/* 17 accounts in each of USD, EUR and CHF, and two in USD only */
	r = http(&E.d, "POST", "/v1/fund/init", E.finance, "i1", NULL);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	o = parse(&r);
	ck_assert_int_eq(int_of(o, "created"), 82);
	ck_assert_int_eq(size_of(o, "accounts"), 82);
	ck_assert_str_eq(str_of(json_array_get(json_object_get(o, "accounts"), 0), "code"),
			 "1010-USD");
	json_decref(o);
	ck_assert_int_eq(count("accounts"), 82);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action = 'fund.init'"
					      " AND token_name = 'fin'"),
			 1);
	ck_assert_int_eq(count("idempotency_keys"), 1);

	/* the same key: the first answer again, nothing written */
	before = written();
	again = http(&E.d, "POST", "/v1/fund/init", E.finance, "i1", NULL);
	ck_assert_int_eq(again.status, 201);
	ck_assert_str_eq(again.body, r.body);
	resp_free(&again);
	ck_assert_int_eq(written(), before);
	/* the same key with a body: another request */
	expect(http(&E.d, "POST", "/v1/fund/init", E.finance, "i1", "{}"), 409, "conflict");

	/* without a key: 200, the same chart, nothing created, nothing audited */
	audit = count("audit");
	again = http(&E.d, "POST", "/v1/fund/init", E.finance, NULL, "{}");
	ck_assert_msg(again.status == 200, "%ld %s", again.status, again.body);
	o = parse(&again);
	ck_assert_int_eq(int_of(o, "created"), 0);
	ck_assert_int_eq(size_of(o, "accounts"), 82);
	json_decref(o);
	resp_free(&again);
	ck_assert_int_eq(count("accounts"), 82);
	ck_assert_int_eq(count("audit"), audit);
	resp_free(&r);
}
END_TEST

START_TEST(test_fund_init_route__refuses_a_clashing_account_whole)
{
	/* 1010-EUR exists in another currency: nothing of the chart is made */
	json_decref(call("POST", "/v1/accounts", E.finance,
			 "{\"code\":\"1010-EUR\",\"name\":\"Bank\",\"type\":\"asset\","
			 "\"currency\":\"CHF\"}",
			 201));
	expect(http(&E.d, "POST", "/v1/fund/init", E.finance, "c1", NULL), 409, "conflict");
	ck_assert_int_eq(count("accounts"), 1);
	ck_assert_int_eq(count("idempotency_keys"), 0);
}
END_TEST

START_TEST(test_rates_route__csv_all_or_nothing_and_replays)
{
	struct resp r;
	json_t *o;
	long long before;

	json_decref(call("POST", "/v1/fund/init", E.finance, NULL, 201));
	before = written();
	/* the content type is the CSV's, roles as for every fund write */
	post_only("/v1/rates", E.finance, NULL, "application/json", "fund/rates-2019.csv", 400,
		  "Content-Type");
	post_only("/v1/rates", E.auditor, NULL, "text/csv", "fund/rates-2019.csv", 403, NULL);
	/* a bad line: 400 naming line and field; lines 2-3 were good, none stored */
	post_only("/v1/rates", E.finance, "bad", "text/csv", "fund/rates-bad.csv", 400,
		  "body:4: column 3 (usd_per_unit)");
	post_only("/v1/rates", E.finance, NULL, "text/csv", "fund/rates-bad-month.csv", 400,
		  "body:3: column 2 (month)");
	r = typed("POST", "/v1/rates", E.finance, NULL, "text/csv", "", 0);
	expect(r, 400, "invalid-field");
	ck_assert_int_eq(written(), before);

	/* loaded: 201 with the count; the key replays; another file with it is 409 */
	r = post_file("/v1/rates", E.finance, "bad", "text/csv; charset=utf-8",
		      "fund/rates-2019.csv", 201);
	o = parse(&r);
	ck_assert_int_eq(int_of(o, "stored"), 5);
	ck_assert_int_eq(int_of(o, "unchanged"), 0);
	json_decref(o);
	ck_assert_int_eq(count("exchange_rates"), 5);
	ck_assert_int_eq(query_ll(E.conninfo,
				  "SELECT count(*) FROM audit WHERE action = 'rates.import'"),
			 1);
	before = written();
	{
		struct resp again = post_file("/v1/rates", E.finance, "bad", "text/csv",
					      "fund/rates-2019.csv", 201);

		ck_assert_str_eq(again.body, r.body);
		resp_free(&again);
	}
	resp_free(&r);
	post_only("/v1/rates", E.finance, "bad", "text/csv", "fund/rates-2019-04.csv", 409, NULL);
	ck_assert_int_eq(written(), before);
	/* again without a key: 200, all unchanged; a changed rate is refused */
	o = post_json("/v1/rates", E.finance, NULL, "text/csv", "fund/rates-2019.csv", 200);
	ck_assert_int_eq(int_of(o, "stored"), 0);
	ck_assert_int_eq(int_of(o, "unchanged"), 5);
	json_decref(o);
	post_only("/v1/rates", E.finance, NULL, "text/csv", "fund/rates-conflict.csv", 400,
		  "body:3");
	ck_assert_int_eq(written(), before);
	o = call("GET", "/v1/rates", E.auditor, NULL, 200);
	ck_assert_int_eq(size_of(o, "rates"), 5);
	json_decref(o);
}
END_TEST

START_TEST(test_statements_route__imports_once_refuses_hostile_xml_and_replays)
{
	static const char *const refused[] = {
		"camt/hostile_xxe.xml", "camt/hostile_billion_laughs.xml",
		"camt/hostile_doctype.xml", "camt/hostile_not_well_formed.xml",
		"camt/hostile_too_deep.xml", "camt/hostile_wrong_root.xml",
		"camt/bad_late_error.xml", "camt/bad_currency.xml"};
	struct resp r, again;
	json_t *o, *st;
	long long before = written();

	post_only("/v1/bank-statements", E.auditor, NULL, "application/xml", "camt/v02_basic.xml",
		  403, NULL);
	post_only("/v1/bank-statements", E.secretariat, NULL, "application/xml",
		  "camt/v02_basic.xml", 403, NULL);
	post_only("/v1/bank-statements", E.finance, NULL, "text/csv", "camt/v02_basic.xml", 400,
		  "Content-Type");
	expect(typed("POST", "/v1/bank-statements", E.finance, NULL, "application/xml", "", 0), 400,
	       "invalid-field");
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		r = post_file("/v1/bank-statements", E.finance, "s1", "application/xml", refused[i],
			      400);
		ck_assert_msg(strncmp(r.body, "{\"error\":{\"code\":\"invalid-field\","
					      "\"message\":\"body:", 47) == 0,
			      "%s: %s", refused[i], r.body);
		resp_free(&r);
	}
	post_only("/v1/bank-statements", E.finance, NULL, "application/xml",
		  "camt/bad_late_error.xml", 400, "body:43: Ntry/Amt");
	ck_assert_int_eq(written(), before);

	/* stored: the CLI's figures, one audit row per statement */
	r = post_file("/v1/bank-statements", E.finance, "s1", "application/xml",
		      "camt/v02_basic.xml", 201);
	o = parse(&r);
	ck_assert_int_eq(size_of(o, "statements"), 1);
	st = json_array_get(json_object_get(o, "statements"), 0);
	ck_assert_str_eq(str_of(st, "id"), "STMT-EUR-2019-02");
	ck_assert_str_eq(str_of(st, "account"), "CH9300762011623852957");
	ck_assert_str_eq(str_of(st, "currency"), "EUR");
	ck_assert_int_eq(int_of(st, "entries"), 4);
	ck_assert_str_eq(str_of(st, "credits"), "1520.00");
	ck_assert_str_eq(str_of(st, "debits"), "310.55");
	ck_assert_int_eq(int_of(st, "new"), 4);
	ck_assert_int_eq(int_of(st, "duplicates"), 0);
	ck_assert_str_eq(str_of(o, "version"), "001.02");
	ck_assert_int_eq(int_of(o, "lines"), 4);
	ck_assert_int_eq(int_of(o, "new"), 4);
	ck_assert_int_eq(int_of(o, "warnings"), 0);
	json_decref(o);
	ck_assert_int_eq(count("bank_lines"), 4);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'statement.import' AND token_name = 'fin'"),
			 1);

	/* the key replays; another file with it is 409; nothing more stored */
	before = written();
	again = post_file("/v1/bank-statements", E.finance, "s1", "application/xml",
			  "camt/v02_basic.xml", 201);
	ck_assert_str_eq(again.body, r.body);
	resp_free(&again);
	resp_free(&r);
	post_only("/v1/bank-statements", E.finance, "s1", "application/xml", "camt/v04_multi.xml",
		  409, NULL);
	ck_assert_int_eq(written(), before);

	/* the same file without a key: 200, every line a duplicate */
	o = post_json("/v1/bank-statements", E.finance, NULL, "text/xml",
		      "camt/v02_basic.xml", 200);
	ck_assert_int_eq(int_of(o, "new"), 0);
	ck_assert_int_eq(int_of(o, "duplicates"), 4);
	json_decref(o);
	ck_assert_int_eq(count("bank_lines"), 4);

	/* several statements and versions; tolerated quirks are counted */
	o = post_json("/v1/bank-statements", E.finance, NULL, "application/xml",
		      "camt/v04_multi.xml", 201);
	ck_assert_int_eq(size_of(o, "statements"), 3);
	ck_assert_str_eq(str_of(o, "version"), "001.04");
	json_decref(o);
	o = post_json("/v1/bank-statements", E.finance, NULL, "application/xml",
		      "camt/quirk_long_remittance.xml", 201);
	ck_assert_int_gt(int_of(o, "warnings"), 0);
	json_decref(o);
}
END_TEST

START_TEST(test_statements_route__body_limit_is_its_own)
{
	/* above the JSON routes' limit, below the statements' own: read */
	size_t pad = LIMIT_HTTP_BODY_BYTES + 1024, len, n;
	char *doc = fixture("camt/v02_basic.xml", &len);
	char *big = malloc(len + pad + 16);
	char *decl_end = strstr(doc, "?>");
	struct resp r;

	ck_assert_ptr_nonnull(big);
	ck_assert_ptr_nonnull(decl_end);
	n = (size_t)(decl_end + 2 - doc);
	memcpy(big, doc, n);
	memcpy(big + n, "<!--", 4);
	memset(big + n + 4, 'x', pad);
	memcpy(big + n + 4 + pad, "-->", 3);
	memcpy(big + n + 7 + pad, doc + n, len - n);
	r = typed("POST", "/v1/bank-statements", E.finance, NULL, "application/xml", big,
		  len + pad + 7);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	resp_free(&r);
	ck_assert_int_eq(count("bank_lines"), 4);
	expect(typed("POST", "/v1/donors", E.finance, NULL, "application/json", big,
		     len + pad + 7),
	       413, "too-large");
	free(big);
	free(doc);
	/* above its own limit: 413, nothing read */
	big = malloc((size_t)LIMIT_HTTP_STATEMENT_BYTES + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', (size_t)LIMIT_HTTP_STATEMENT_BYTES + 1);
	expect(typed("POST", "/v1/bank-statements", E.finance, NULL, "application/xml", big,
		     (size_t)LIMIT_HTTP_STATEMENT_BYTES + 1),
	       413, "too-large");
	free(big);
	ck_assert_int_eq(count("bank_statements"), 1);
}
END_TEST

/* Finland's and the Internet Society's pledges and the v02 statement. */
static void reconcile_scene(void)
{
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
	post_only("/v1/bank-statements", E.finance, NULL, "application/xml", "camt/v02_basic.xml",
		  201, NULL);
}

START_TEST(test_reconcile_route__posts_once_replays_and_shows_state)
{
	const char *body = "{\"bank_account\":\"1010-EUR\","
			   "\"statement_account\":\"CH9300762011623852957\",\"tolerance\":\"50.00\"}";
	long long before;
	struct resp r, again;
	json_t *o;

	/* nothing imported yet: which statement account is not known */
	expect(http(&E.d, "GET", "/v1/reconcile?bank_account=1010-EUR", E.auditor, NULL, NULL),
	       400, "invalid-field");
	reconcile_scene();
	before = written();

	/* the state, read by the auditor: nothing posted, nothing stored */
	o = call("GET", "/v1/reconcile?bank_account=1010-EUR&tolerance=50.00", E.auditor, NULL, 200);
	ck_assert_str_eq(str_of(o, "statement_account"), "CH9300762011623852957");
	ck_assert_int_eq(size_of(o, "matched"), 0);
	ck_assert_int_eq(size_of(o, "to_post"), 1);
	ck_assert_int_eq(size_of(o, "suggested"), 1);
	ck_assert_int_eq(size_of(o, "unmatched"), 2);
	ck_assert_str_eq(str_of(o, "difference"), "11209.45");
	ck_assert(json_is_false(json_object_get(o, "posted")));
	/* the statement: every line still explains the difference */
	ck_assert_str_eq(str_of(json_object_get(o, "statement"), "explained"), "11209.45");
	ck_assert_str_eq(str_of(json_object_get(o, "statement"), "unexplained"), "0.00");
	json_decref(o);
	o = call("GET", "/v1/reconcile?bank_account=1010-EUR&as_of=2019-01-31", E.auditor, NULL,
		 200);
	ck_assert(json_is_null(json_object_get(o, "statement")));
	json_decref(o);
	expect(http(&E.d, "GET", "/v1/reconcile?bank_account=1010-EUR&as_of=2019-02-30", E.auditor,
		    NULL, NULL),
	       400, "invalid-field");
	ck_assert_int_eq(written(), before);
	expect(http(&E.d, "GET", "/v1/reconcile?bank_account=1010-EUR", E.secretariat, NULL, NULL),
	       403, "forbidden");
	expect(http(&E.d, "GET", "/v1/reconcile", E.auditor, NULL, NULL), 400, "invalid-field");
	expect(http(&E.d, "GET", "/v1/reconcile?bank_account=1010-EUR&x=1", E.auditor, NULL, NULL),
	       400, "invalid-field");
	expect(http(&E.d, "GET", "/v1/reconcile?bank_account=1010-EUR&tolerance=1.001", E.auditor,
		    NULL, NULL),
	       400, "invalid-field");

	/* bad requests and wrong roles change nothing */
	expect(http(&E.d, "POST", "/v1/reconcile", E.auditor, NULL, body), 403, "forbidden");
	expect(http(&E.d, "POST", "/v1/reconcile", E.finance, "r1", "{\"bank_account\":\"1010-EUR\","
								   "\"tolerance\":\"x\"}"),
	       400, "invalid-field");
	expect(http(&E.d, "POST", "/v1/reconcile", E.finance, "r1", "{\"statement_account\":\"X\"}"),
	       400, "invalid-field");
	expect(http(&E.d, "POST", "/v1/reconcile", E.finance, "r1",
		    "{\"bank_account\":\"1010-EUR\",\"other\":1}"),
	       400, "invalid-field");
	expect(http(&E.d, "POST", "/v1/reconcile", E.finance, "r1", "{\"bank_account\":\"9999\"}"),
	       422, "unknown-account");
	expect(http(&E.d, "POST", "/v1/reconcile", E.finance, "r1",
		    "{\"bank_account\":\"4100-EUR\",\"statement_account\":\"CH9300762011623852957\"}"),
	       400, "invalid-field");
	ck_assert_int_eq(written(), before);

	/* the run: Finland's line posts its receipt */
	r = http(&E.d, "POST", "/v1/reconcile", E.finance, "r1", body);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	o = parse(&r);
	ck_assert_int_eq(size_of(o, "matched"), 1);
	ck_assert_int_eq(int_of(json_array_get(json_object_get(o, "matched"), 0), "pledge"), 1);
	ck_assert_int_eq(size_of(o, "suggested"), 1);
	ck_assert_int_eq(size_of(o, "unmatched"), 2);
	ck_assert_str_eq(str_of(o, "bank_closing"), "11209.45");
	ck_assert_str_eq(str_of(o, "ledger_balance"), "1000.00");
	ck_assert_str_eq(str_of(o, "difference"), "10209.45");
	{
		json_t *st = json_object_get(o, "statement");

		ck_assert_str_eq(str_of(st, "closing_date"), "2019-02-28");
		ck_assert_str_eq(str_of(json_object_get(st, "brought_forward"), "effect"),
				 "10000.00");
		ck_assert_str_eq(str_of(json_object_get(st, "bank_credits_not_in_ledger"), "total"),
				 "520.00");
		ck_assert_str_eq(str_of(json_object_get(st, "bank_debits_not_in_ledger"), "total"),
				 "310.55");
		ck_assert_str_eq(str_of(st, "explained"), "10209.45");
		ck_assert_str_eq(str_of(st, "unexplained"), "0.00");
	}
	json_decref(o);
	ck_assert_int_eq(count("receipts"), 1);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action = 'reconcile'"),
			 1);

	/* the key replays; another body with it is 409 */
	before = written();
	again = http(&E.d, "POST", "/v1/reconcile", E.finance, "r1", body);
	ck_assert_int_eq(again.status, 200);
	ck_assert_str_eq(again.body, r.body);
	resp_free(&again);
	resp_free(&r);
	expect(http(&E.d, "POST", "/v1/reconcile", E.finance, "r1", "{\"bank_account\":\"1010-EUR\"}"),
	       409, "conflict");
	ck_assert_int_eq(written(), before);

	/* again without a key and without the statement account: posts nothing twice */
	o = call("POST", "/v1/reconcile", E.finance, "{\"bank_account\":\"1010-EUR\"}", 200);
	ck_assert_int_eq(size_of(o, "matched"), 1);
	ck_assert_str_eq(str_of(o, "statement_account"), "CH9300762011623852957");
	json_decref(o);
	ck_assert_int_eq(count("receipts"), 1);
	o = call("GET", "/v1/reconcile?bank_account=1010-EUR", E.finance, NULL, 200);
	ck_assert_int_eq(size_of(o, "matched"), 1);
	ck_assert_int_eq(size_of(o, "to_post"), 0);
	ck_assert_str_eq(str_of(o, "difference"), "10209.45");
	json_decref(o);
}
END_TEST

START_TEST(test_fund_writes__honour_idempotency_keys)
{
	char body[512], other[512], path[64];
	long long id;
	json_t *o;

	replays("/v1/donors", "d1",
		"{\"id\":\"fin\",\"name\":\"Finland\",\"org_type\":\"10\",\"country\":\"FIN\"}",
		"{\"id\":\"nor\",\"name\":\"Norway\",\"org_type\":\"10\",\"country\":\"NOR\"}", 201);
	ck_assert_int_eq(count("donors"), 1);
	replays("/v1/pledges", "p1",
		"{\"donor\":\"fin\",\"date\":\"2019-01-08\",\"amount\":\"1000.00\","
		"\"currency\":\"EUR\",\"agreement\":\"IGF-TF-2019-03\"}",
		"{\"donor\":\"fin\",\"date\":\"2019-01-08\",\"amount\":\"2000.00\","
		"\"currency\":\"EUR\",\"agreement\":\"IGF-TF-2019-03\"}",
		201);
	ck_assert_int_eq(count("pledges"), 1);
	o = call("POST", "/v1/pledges", E.finance,
		 "{\"donor\":\"fin\",\"date\":\"2019-02-01\",\"amount\":\"300.00\",\"currency\":\"CHF\"}",
		 201);
	id = json_integer_value(json_object_get(o, "id"));
	json_decref(o);
	snprintf(path, sizeof(path), "/v1/pledges/%lld/sign", id);
	replays(path, "g1", "{\"agreement\":\"FIN-CHF\",\"date\":\"2019-02-03\"}",
		"{\"agreement\":\"FIN-CHF-2\",\"date\":\"2019-02-03\"}", 200);
	ck_assert_int_eq(query_ll(E.conninfo,
				  "SELECT count(*) FROM pledges WHERE status = 'signed'"), 2);
	snprintf(body, sizeof(body),
		 "{\"pledge\":1,\"date\":\"2019-01-20\",\"bank_account\":\"1010-EUR\","
		 "\"amount\":\"400.00\"}");
	snprintf(other, sizeof(other),
		 "{\"pledge\":1,\"date\":\"2019-01-20\",\"bank_account\":\"1010-EUR\","
		 "\"amount\":\"500.00\"}");
	replays("/v1/receipts", "t1", body, other, 201);
	ck_assert_int_eq(count("receipts"), 1);
	replays("/v1/in-kind", "k1",
		"{\"donor\":\"fin\",\"kind\":\"service\",\"description\":\"rooms\","
		"\"amount\":\"2500.00\",\"currency\":\"USD\",\"period_start\":\"2019-01-01\","
		"\"period_end\":\"2019-01-31\"}",
		"{\"donor\":\"fin\",\"kind\":\"service\",\"description\":\"rooms\","
		"\"amount\":\"2600.00\",\"currency\":\"USD\",\"period_start\":\"2019-01-01\","
		"\"period_end\":\"2019-01-31\"}",
		201);
	ck_assert_int_eq(count("inkind_gifts"), 1);
	/* a key is one request, whatever the route: on another path it is 409 */
	expect(http(&E.d, "POST", "/v1/donors", E.finance, "t1",
		    "{\"id\":\"nor\",\"name\":\"Norway\",\"org_type\":\"10\"}"),
	       409, "conflict");
	/* a refused write leaves its key free: the corrected request succeeds */
	expect(http(&E.d, "POST", "/v1/donors", E.finance, "d2",
		    "{\"id\":\"nor\",\"name\":\"Norway\",\"org_type\":\"99\"}"),
	       400, "invalid-field");
	json_decref(call_key("POST", "/v1/donors", "d2",
			     "{\"id\":\"nor\",\"name\":\"Norway\",\"org_type\":\"10\"}", 201));
	ck_assert_int_eq(query_ll(E.conninfo,
				  "SELECT count(*) FROM idempotency_keys WHERE key = 'd2'"), 1);
	/* a key that is no key */
	expect(http(&E.d, "POST", "/v1/donors", E.finance, "a b", "{}"), 400, "invalid-field");
	ck_assert_int_eq(count("donors"), 2);
}
END_TEST

/* Replaces every from in text by to (same length); returns text. */
static char *swap(char *text, const char *from, const char *to)
{
	size_t n = strlen(from);

	ck_assert_uint_eq(n, strlen(to));
	for (char *p = strstr(text, from); p; p = strstr(p + n, from))
		memcpy(p, to, n);
	return text;
}

START_TEST(test_bank_account_links__name_the_statement_account_of_a_bank_account)
{
	const char *link = "{\"iban\":\"ch93 0076 2011 6238 5295 7\",\"account\":\"1010-EUR\"}";
	size_t len;
	char *doc;
	struct resp r;
	json_t *o;
	long long before;

	reconcile_scene();
	/* a second EUR account: which one 1010-EUR is cannot be guessed */
	doc = fixture("camt/v02_basic.xml", &len);
	swap(swap(doc, "CH9300762011623852957", "CH5604835012345678009"), "STMT-EUR-2019-02",
	     "STMT-EUR-2019-B2");
	r = typed("POST", "/v1/bank-statements", E.finance, NULL, "application/xml", doc, len);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body);
	resp_free(&r);
	free(doc);
	r = http(&E.d, "GET", "/v1/reconcile?bank_account=1010-EUR", E.auditor, NULL, NULL);
	ck_assert_msg(r.status == 400 && strstr(r.body, "statement_account"), "%ld %s", r.status,
		      r.body);
	resp_free(&r);

	/* refused: wrong role, not a bank account, unknown account, bad field */
	before = written();
	expect(http(&E.d, "POST", "/v1/bank-accounts/links", E.auditor, NULL, link), 403,
	       "forbidden");
	expect(http(&E.d, "POST", "/v1/bank-accounts/links", E.finance, "L1",
		    "{\"iban\":\"CH9300762011623852957\",\"account\":\"4100-EUR\"}"),
	       400, "invalid-field");
	expect(http(&E.d, "POST", "/v1/bank-accounts/links", E.finance, "L1",
		    "{\"iban\":\"CH9300762011623852957\",\"account\":\"1010-XXX\"}"),
	       422, "unknown-account");
	expect(http(&E.d, "POST", "/v1/bank-accounts/links", E.finance, "L1",
		    "{\"iban\":\"-\",\"account\":\"1010-EUR\"}"),
	       400, "invalid-field");
	expect(http(&E.d, "POST", "/v1/bank-accounts/links", E.finance, "L1",
		    "{\"iban\":\"CH9300762011623852957\",\"account\":\"1010-EUR\",\"x\":1}"),
	       400, "invalid-field");
	ck_assert_int_eq(written(), before);

	/* linked (the IBAN kept as the statements keep it); the key replays */
	o = call_key("POST", "/v1/bank-accounts/links", "L1", link, 201);
	ck_assert_str_eq(str_of(o, "iban"), "CH9300762011623852957");
	ck_assert_str_eq(str_of(o, "currency"), "EUR");
	json_decref(o);
	ck_assert_int_eq(count("bank_account_links"), 1);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action ="
					      " 'bank_account.link'"),
			 1);
	replays("/v1/bank-accounts/links", "L2", link,
		"{\"iban\":\"CH9300762011623852957\",\"account\":\"1010-CHF\"}", 200);
	expect(http(&E.d, "POST", "/v1/bank-accounts/links", E.finance, NULL,
		    "{\"iban\":\"CH9300762011623852957\",\"account\":\"1010-CHF\"}"),
	       409, "conflict");
	ck_assert_int_eq(count("bank_account_links"), 1);
	o = call("GET", "/v1/bank-accounts/links", E.auditor, NULL, 200);
	ck_assert_int_eq(size_of(o, "links"), 1);
	json_decref(o);
	expect(http(&E.d, "GET", "/v1/bank-accounts/links", E.secretariat, NULL, NULL), 403,
	       "forbidden");

	/* the link answers which statement account, over HTTP and in the CLI */
	o = call("GET", "/v1/reconcile?bank_account=1010-EUR", E.auditor, NULL, 200);
	ck_assert_str_eq(str_of(o, "statement_account"), "CH9300762011623852957");
	ck_assert_int_eq(size_of(o, "to_post"), 1);
	json_decref(o);
	{
		const char *args[] = {"reconcile", "--bank-account", "1010-EUR", "--format", "json",
				      NULL};
		char *out = NULL, *err = NULL;

		ck_assert_int_eq(cli_on(&out, &err, &E.d, E.finance, args), 0);
		o = json_loads(out, 0, NULL);
		ck_assert_msg(o, "%s", out);
		ck_assert_str_eq(str_of(o, "statement_account"), "CH9300762011623852957");
		ck_assert_int_eq(size_of(o, "matched"), 1);
		json_decref(o);
		free(out);
		free(err);
	}
	ck_assert_int_eq(count("receipts"), 1);
	/* two linked: then it must be named */
	cli_ok("bank-accounts", "link", "--iban", "CH5604835012345678009", "--account=1010-EUR");
	r = http(&E.d, "GET", "/v1/reconcile?bank_account=1010-EUR", E.auditor, NULL, NULL);
	ck_assert_msg(r.status == 400 && strstr(r.body, "linked"), "%ld %s", r.status, r.body);
	resp_free(&r);
	o = call("GET", "/v1/reconcile?bank_account=1010-EUR&statement_account=CH5604835012345678009",
		 E.auditor, NULL, 200);
	ck_assert_int_eq(size_of(o, "to_post"), 0); /* its line's pledge is settled */
	json_decref(o);
}
END_TEST

/* An indicative pledge of donor "pg" (no entry); returns its id. */
static long long pledge_indicative(void)
{
	json_t *o = call("POST", "/v1/pledges", E.finance,
			 "{\"donor\":\"pg\",\"date\":\"2019-02-01\",\"amount\":\"10.00\","
			 "\"currency\":\"USD\"}",
			 201);
	long long id = json_integer_value(json_object_get(o, "id"));

	json_decref(o);
	return id;
}

/*
 * GET path?after=AFTER&limit=LIMIT (after 0: none): asserts 200, that the
 * page holds rows of key with ids above after in ascending order, at most
 * limit, and appends their ids to ids[*n]. Returns "next" (0 if null).
 */
static long long page_of(const char *path, const char *key, long long after, int limit,
			 long long *ids, size_t *n)
{
	char url[256];
	json_t *o, *arr, *next, *row;
	long long prev = after, cursor;
	size_t i;

	if (after)
		snprintf(url, sizeof(url), "%s?after=%lld&limit=%d", path, after, limit);
	else
		snprintf(url, sizeof(url), "%s?limit=%d", path, limit);
	o = call("GET", url, E.auditor, NULL, 200);
	arr = json_object_get(o, key);
	ck_assert_msg(json_is_array(arr), "%s: no %s", url, key);
	ck_assert_int_le(json_array_size(arr), limit);
	json_array_foreach(arr, i, row) {
		long long id = json_integer_value(json_object_get(row, "id"));

		ck_assert_msg(id > prev, "%s: id %lld after %lld", url, id, prev);
		prev = id;
		ids[(*n)++] = id;
	}
	next = json_object_get(o, "next");
	ck_assert_msg(next && (json_is_null(next) || json_is_integer(next)), "%s: next", url);
	cursor = json_is_null(next) ? 0 : json_integer_value(next);
	if (cursor)
		ck_assert_int_eq(cursor, prev);
	json_decref(o);
	return cursor;
}

START_TEST(test_fund_routes__lists_page_on_the_cursor)
{
	static const char *const lists[] = {"/v1/pledges", "/v1/receipts", "/v1/in-kind"};
	static const char *const bad[] = {"after=abc", "after=-1",  "after=",    "limit=0",
					  "limit=1001", "limit=x", "limit=",    "offset=2"};
	long long ids[16], made[6], next;
	size_t n = 0;
	char url[128];
	json_t *o;

	json_decref(call("POST", "/v1/donors", E.finance,
			 "{\"id\":\"pg\",\"name\":\"Paged\",\"org_type\":\"10\",\"country\":\"NOR\"}",
			 201));
	for (int i = 0; i < 5; i++)
		made[i] = pledge_indicative();
	/* pages of 2: the first two; a pledge stored between two pages is
	 * neither repeated nor skipped; the last page's next is null */
	next = page_of("/v1/pledges", "pledges", 0, 2, ids, &n);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(next, made[1]);
	made[5] = pledge_indicative();
	while (next)
		next = page_of("/v1/pledges", "pledges", next, 2, ids, &n);
	ck_assert_int_eq(n, 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_int_eq(ids[i], made[i]);
	/* without limit= a page holds 100; 150 pledges are two pages */
	ck_assert_int_eq(query_ll(E.conninfo,
				  "WITH i AS (INSERT INTO pledges (donor, status, pledged_on,"
				  " amount_minor, currency) SELECT 'pg', 'indicative', '2019-02-02',"
				  " 100, 'USD' FROM generate_series(1, 144) RETURNING 1)"
				  " SELECT count(*) FROM i"),
			 144);
	o = call("GET", "/v1/pledges", E.auditor, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "pledges")), 100);
	next = json_integer_value(json_object_get(o, "next"));
	ck_assert_int_gt(next, 0);
	json_decref(o);
	snprintf(url, sizeof(url), "/v1/pledges?after=%lld", next);
	o = call("GET", url, E.auditor, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "pledges")), 50);
	ck_assert(json_is_null(json_object_get(o, "next")));
	json_decref(o);
	/* the CLI follows next to the end: all 150, each once, in id order */
	{
		const char *argv[] = {"pledges", "list", "--format", "json", NULL};
		char *out = NULL, *err = NULL;
		json_t *all, *row;
		long long prev = 0;
		size_t i;

		ck_assert_msg(cli_on(&out, &err, &E.d, E.auditor, argv) == 0, "%s", err);
		all = json_loads(out, 0, NULL);
		ck_assert_msg(all, "not JSON: %s", out);
		ck_assert_int_eq(json_array_size(json_object_get(all, "pledges")), 150);
		json_array_foreach(json_object_get(all, "pledges"), i, row) {
			ck_assert_int_gt(json_integer_value(json_object_get(row, "id")), prev);
			prev = json_integer_value(json_object_get(row, "id"));
		}
		ck_assert(json_is_null(json_object_get(all, "next")));
		json_decref(all);
		free(out);
		free(err);
	}
	/* a bad cursor or limit: 400 naming it, on each paged list */
	for (size_t l = 0; l < HARNESS_N(lists); l++)
		for (size_t b = 0; b < HARNESS_N(bad); b++) {
			struct resp r;
			char want[32];

			snprintf(url, sizeof(url), "%s?%s", lists[l], bad[b]);
			snprintf(want, sizeof(want), "\"%.*s: ", (int)strcspn(bad[b], "="), bad[b]);
			r = http(&E.d, "GET", url, E.auditor, NULL, NULL);
			ck_assert_msg(r.status == 400 && strstr(r.body, want), "%s: %ld %s", url,
				      r.status, r.body);
			expect(r, 400, "invalid-field");
		}
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test routes[] = {
		{test_fund_routes__writes_lists_roles_and_donor_order, 0},
		{test_fund_routes__bad_input_stores_nothing, 0},
		{test_fund_routes__lists_page_on_the_cursor, 0},
		{test_travel_routes__rank_approve_decline_settle_and_roles, 0},
		{test_report_route__xml_roles_and_bad_requests, 0},
		{test_statements_route__imports_once_refuses_hostile_xml_and_replays, 0},
		{test_statements_route__body_limit_is_its_own, 0},
		{test_reconcile_route__posts_once_replays_and_shows_state, 0},
		{test_fund_writes__honour_idempotency_keys, 0},
		{test_bank_account_links__name_the_statement_account_of_a_bank_account, 0},
	};
	const struct harness_test bare[] = {
		{test_fund_init_route__creates_the_chart_once_and_replays, 0},
		{test_fund_init_route__refuses_a_clashing_account_whole, 0},
		{test_rates_route__csv_all_or_nothing_and_replays, 0},
	};
	Suite *s = suite_create("routes_fund");

	harness_add_tcase(s, "routes", setup, teardown, 120, routes, HARNESS_N(routes));
	harness_add_tcase(s, "bare", setup_bare, teardown, 120, bare, HARNESS_N(bare));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
