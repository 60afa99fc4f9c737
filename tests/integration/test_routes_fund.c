/*
 * test_routes_fund.c - the routes of the fund's books, travel support and
 * reports through the real tfledgerd (ledger/routes_*.c): each route's
 * success, the role matrix (finance / auditor / secretariat, 403 where
 * forbidden), bad input per family answered with its contract code and
 * nothing stored, donors ordered by USD, and a report as XML. Each test
 * gets a fresh migrated database with the fund's chart and the 2019 rates.
 */
#include "tests/integration/ledger_fixture.h"

#include <jansson.h>

#define DATA SRCDATADIR "/tests/data/"

struct env {
	char conninfo[LIMIT_CONNINFO_BYTES];
	char dir[LIMIT_PATH_BYTES];
	struct daemon d;
	char *admin, *finance, *secretariat, *auditor;
};

static struct env E;

static void cli_ok(const char *a1, const char *a2, const char *a3, const char *a4,
		   const char *a5)
{
	const char *argv[] = {harness_bin_tfledger(), a1, a2, a3, a4, a5,
			      NULL, NULL, NULL};
	char *err = NULL;
	int n = 1, rc;

	while (argv[n])
		n++;
	argv[n++] = "--database";
	argv[n] = E.conninfo;
	rc = harness_run(NULL, &err, NULL, argv);
	ck_assert_msg(rc == 0, "tfledger %s %s: exit %d: %s", a1, a2, rc, err);
	free(err);
}

static void setup(void)
{
	harness_new_db(E.conninfo, sizeof(E.conninfo));
	harness_tmpdir(E.dir, sizeof(E.dir));
	E.admin = make_token(E.conninfo, "admin", "ada");
	E.finance = make_token(E.conninfo, "finance", "fin");
	E.secretariat = make_token(E.conninfo, "secretariat", "sec");
	E.auditor = make_token(E.conninfo, "auditor", "aud");
	cli_ok("fund", "init", NULL, NULL, NULL);
	cli_ok("rates", "import", DATA "fund/rates-2019.csv", NULL, NULL);
	daemon_start(&E.d, E.conninfo, E.dir);
}

static void teardown(void)
{
	if (E.d.pid)
		daemon_stop(&E.d);
	free(E.admin);
	free(E.finance);
	free(E.secretariat);
	free(E.auditor);
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
	struct resp r = http(&E.d, method, path, token, NULL, body);
	json_t *o;

	ck_assert_msg(r.status == status, "%s %s: %ld, want %ld: %s", method, path, r.status,
		      status, r.body);
	o = json_loads(r.body, 0, NULL);
	ck_assert_msg(o, "%s %s: not JSON: %s", method, path, r.body);
	resp_free(&r);
	return o;
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
					    "/v1/inkind", "/v1/rates"};
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
	o = call("POST", "/v1/inkind", E.finance,
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
		o = call("GET", reads[i], E.auditor, NULL, 200);
		ck_assert_msg(json_array_size(json_object_get(o, reads[i] + 4)) > 0,
			      "%s lists nothing", reads[i]);
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
	o = call("GET", "/v1/funds/travel/available?as_of=2019-12-31", E.secretariat, NULL, 200);
	ck_assert_str_eq(json_string_value(json_object_get(o, "as_of")), "2019-12-31");
	ck_assert_ptr_nonnull(json_object_get(o, "available_usd"));
	json_decref(o);
	json_decref(call("GET", "/v1/funds/travel/available?as_of=2019-12-31", E.auditor, NULL,
			 200));
	expect(http(&E.d, "GET", "/v1/funds/travel/available", E.auditor, NULL, NULL), 400,
	       "invalid-field");
	expect(http(&E.d, "GET", "/v1/funds/travel/available?as_of=2019-13-01", E.auditor, NULL,
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
	expect(http(&E.d, "POST", "/v1/inkind", E.finance, NULL,
		    "{\"donor\":\"nor\",\"kind\":\"gift\",\"description\":\"d\",\"amount\":\"1.00\","
		    "\"currency\":\"USD\",\"period_start\":\"2019-01-01\",\"period_end\":\"2019-01-31\"}"),
	       400, "invalid-field");
	/* an unknown donor in the body is a bad field (404 is for the path) */
	expect(http(&E.d, "POST", "/v1/pledges", E.finance, NULL,
		    "{\"donor\":\"nobody\",\"date\":\"2019-01-05\",\"amount\":\"1.00\","
		    "\"currency\":\"EUR\"}"),
	       400, "invalid-field");
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
	/* an Idempotency-Key cannot be honoured yet: refused, not ignored */
	expect(http(&E.d, "POST", "/v1/donors", E.finance, "k1",
		    "{\"id\":\"y\",\"name\":\"Y\",\"org_type\":\"10\",\"country\":\"NOR\"}"),
	       400, "invalid-field");
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
	cli_ok("applicants", "import", DATA "travel/mag1.csv", "--meeting", "m1");

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

	o = call("POST", "/v1/meetings/m1/rank", E.secretariat,
		 "{\"as_of\":\"2019-01-15\",\"budget\":\"4500.00\",\"currency\":\"USD\"}", 201);
	ck_assert_int_gt(json_integer_value(json_object_get(o, "run")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "budget_source")), "given");
	json_decref(o);
	ck_assert_int_eq(count("travel_runs"), 1);

	/* approve: an empty body is fine; obligations are entries */
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
	expect(http(&E.d, "GET", "/v1/reports/trial-balance?from=2019-01-01&to=2019-03-31",
		    E.finance, NULL, NULL),
	       200, NULL);
	expect(http(&E.d, "GET", "/v1/reports/trial-balance?from=2019-01-01&to=2019-03-31",
		    E.secretariat, NULL, NULL),
	       403, "forbidden");
	expect(http(&E.d, "GET", "/v1/reports/no-such-kind?from=2019-01-01&to=2019-03-31",
		    E.auditor, NULL, NULL),
	       404, "not-found");
	expect(http(&E.d, "GET", "/v1/reports/trial-balance?to=2019-03-31", E.auditor, NULL, NULL),
	       400, "invalid-field");
	expect(http(&E.d, "GET", "/v1/reports/trial-balance?from=2019-03-31&to=2019-01-01",
		    E.auditor, NULL, NULL),
	       400, "invalid-field");
	expect(http(&E.d, "GET", "/v1/reports/account-statement?from=2019-01-01&to=2019-03-31"
				 "&account=9999",
		    E.auditor, NULL, NULL),
	       400, "invalid-field");
	/* bank_account reaches the reconciliation report: no statement imported here */
	expect(http(&E.d, "GET", "/v1/reports/reconciliation?from=2019-01-01&to=2019-03-31",
		    E.auditor, NULL, NULL),
	       400, "invalid-field");
	expect(http(&E.d, "GET", "/v1/reports/reconciliation?from=2019-01-01&to=2019-03-31"
				 "&bank_account=1010-EUR",
		    E.auditor, NULL, NULL),
	       400, "invalid-field");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("routes_fund");
	TCase *t = tcase_create("routes");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_fund_routes__writes_lists_roles_and_donor_order);
	tcase_add_test(t, test_fund_routes__bad_input_stores_nothing);
	tcase_add_test(t, test_travel_routes__rank_approve_decline_settle_and_roles);
	tcase_add_test(t, test_report_route__xml_roles_and_bad_requests);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = harness_main(suite(), true);
	curl_global_cleanup();
	return rc;
}
