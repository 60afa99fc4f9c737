/*
 * test_routes_travel.c - travel support through the real tfledgerd
 * (daemon/routes_travel.c) over HTTP: the applicant CSV uploaded as
 * text/csv (stored whole or not at all, a bad row named by line and
 * column, the differences from the fund's history in the answer), what-if
 * rankings with another budget and policy that leave every table as it
 * was, trip reports recorded apart from the settlement (reports outstanding
 * of later meetings right either way, from their due date), every write's
 * roles, audit row and Idempotency-Key replay, the whole flow from meeting
 * to settlement, approval under four eyes, stored runs read back equal to
 * the ranking's answer, and applicant corrections with their history.
 * Each test gets a fresh migrated database with the fund's chart.
 */
#include "tests/integration/ledger_fixture.h"

#include <jansson.h>
#include <pthread.h>

#define DATA SRCDATADIR "/tests/data/"

static struct roles_env E;
static char *Appr; /* a person with the approver role ("appr"): four eyes approve */

/* Who writes path: the approver approves a ranking, the Secretariat does the rest. */
static const char *writer(const char *path)
{
	size_t n = strlen(path);

	return n > 8 && strcmp(path + n - 8, "/approve") == 0 ? Appr : E.secretariat;
}

static const char *const meeting_2018 =
	"{\"id\":\"igf2018-mag3\",\"name\":\"MAG 3 2018\",\"starts_on\":\"2018-10-01\","
	"\"ends_on\":\"2018-10-03\",\"place\":\"Geneva\",\"currency\":\"USD\"}";
static const char *const meeting_m1 =
	"{\"id\":\"m1\",\"name\":\"MAG 1 2019\",\"starts_on\":\"2019-01-29\","
	"\"ends_on\":\"2019-01-31\",\"place\":\"Geneva\",\"currency\":\"USD\"}";
static const char *const meeting_m2 =
	"{\"id\":\"m2\",\"name\":\"MAG 2 2019\",\"starts_on\":\"2019-06-01\","
	"\"ends_on\":\"2019-06-03\",\"place\":\"Geneva\",\"currency\":\"USD\"}";

/*
 * 20000.00 USD received for travel (2018-08-01), as finance records it: the
 * money the meetings' allocations draw on (docs/controls.md).
 */
static void travel_money(void)
{
	json_t *p;
	char body[256];

	json_decref(call_on(&E.d, "POST", "/v1/donors", E.finance,
			    "{\"id\":\"fin\",\"name\":\"Finland\",\"org_type\":\"10\","
			    "\"country\":\"FIN\"}", 201));
	p = call_on(&E.d, "POST", "/v1/pledges", E.finance,
		    "{\"donor\":\"fin\",\"date\":\"2018-08-01\",\"amount\":\"20000.00\","
		    "\"currency\":\"USD\",\"earmark\":\"travel\",\"agreement\":\"TF-1\"}", 201);
	snprintf(body, sizeof(body),
		 "{\"pledge\":%lld,\"date\":\"2018-08-01\",\"bank_account\":\"1010-USD\","
		 "\"amount\":\"20000.00\"}",
		 (long long)json_integer_value(json_object_get(p, "id")));
	json_decref(p);
	json_decref(call_on(&E.d, "POST", "/v1/receipts", E.finance, body, 201));
}

/* Finance allocates 6000.00 USD of the travel earmark to meeting (2018-08-02). */
static void allocate(const char *meeting)
{
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"date\":\"2018-08-02\",\"source\":{\"earmark\":\"travel\",\"currency\":"
		 "\"USD\"},\"meeting\":\"%s\",\"amount\":\"6000.00\"}", meeting);
	json_decref(call_on(&E.d, "POST", "/v1/allocations", E.finance, body, 201));
}

/* Stores the meeting of a JSON text (as the secretariat) and allocates it
 * its budget; returns the meeting's answer. */
static json_t *add_meeting(const char *text)
{
	json_t *o = call_on(&E.d, "POST", "/v1/meetings", E.secretariat, text, 201);

	allocate(json_string_value(json_object_get(o, "id")));
	return o;
}

static void setup(void)
{
	char *err = NULL;

	roles_env_open(&E);
	daemon_start(&E.d, E.conninfo, E.dir);
	ck_assert_msg(cli_on(NULL, &err, &E.d, E.finance,
			     (const char *const[]){"fund", "init", NULL}) == 0,
		      "fund init: %s", err);
	free(err);
	harness_allow_overdrafts(E.conninfo);
	Appr = make_token(E.conninfo, "approver", "appr");
	travel_money();
}

static void teardown(void)
{
	roles_env_close(&E);
	free(Appr);
	Appr = NULL;
}

/* One request with a Content-Type of our choosing (the fixture's request). */
static struct resp req(const char *method, const char *path, const char *token,
		       const char *key, const char *ctype, const char *body)
{
	return http_on_typed(NULL, &E.d, method, path, token, key, ctype, body,
			     body ? strlen(body) : 0);
}

/* A JSON request that must answer status; returns the parsed answer. */
static json_t *call(const char *method, const char *path, const char *token, const char *body,
		    long status)
{
	return call_on(&E.d, method, path, token, body, status);
}

/* Uploads the applicant CSV file; returns the answer (status checked). */
static json_t *upload(const char *meeting, const char *file, const char *token, long status)
{
	char path[128], *csv = harness_slurp(file, NULL);
	struct resp r;
	json_t *o;

	snprintf(path, sizeof(path), "/v1/meetings/%s/applicants", meeting);
	r = req("POST", path, token, NULL, "text/csv", csv);
	free(csv);
	ck_assert_msg(r.status == status, "upload %s: %ld, want %ld: %s", file, r.status, status,
		      r.body);
	o = json_loads(r.body, 0, NULL);
	ck_assert_msg(o, "upload %s: not JSON: %s", file, r.body);
	resp_free(&r);
	return o;
}

/* Asserts an error answer: status, code, and a part of its message. */
static void refused(struct resp r, long status, const char *code, const char *want)
{
	json_t *o = json_loads(r.body, 0, NULL);
	json_t *e = json_object_get(o, "error");
	const char *got = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));

	ck_assert_msg(r.status == status, "status %ld, want %ld: %s", r.status, status, r.body);
	ck_assert_msg(got && strcmp(got, code) == 0, "code %s, want %s: %s", got, code, r.body);
	ck_assert_msg(!want || (msg && strstr(msg, want)), "message lacks '%s': %s", want, r.body);
	json_decref(o);
	resp_free(&r);
}

/* One refused request: what is sent and the error it must answer. */
struct refusal {
	const char *method, *path, *token, *ctype, *body;
	long status;
	const char *code, *want;
};

/* Asserts each of n requests refused as its row says (no Idempotency-Key). */
static void refused_each(const struct refusal *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		refused(req(c[i].method, c[i].path, c[i].token, NULL, c[i].ctype, c[i].body),
			c[i].status, c[i].code, c[i].want);
}

#define REFUSED_EACH(cases) refused_each((cases), sizeof(cases) / sizeof((cases)[0]))

/* Every row a write could add or change, in one line. */
static char *snapshot(void)
{
	char *v = query_str(
		E.conninfo,
		"SELECT (SELECT count(*) FROM entries) || '/' || (SELECT count(*) FROM postings)"
		" || '/' || (SELECT count(*) FROM audit) || '/' || (SELECT count(*) FROM"
		" idempotency_keys) || '/' || (SELECT count(*) FROM travel_meetings) || '/' ||"
		" (SELECT count(*) FROM travel_applicants) || '/' || (SELECT count(*) FROM"
		" travel_runs) || '/' || (SELECT count(*) FROM travel_decisions) || '/' ||"
		" COALESCE((SELECT string_agg(applicant || ':' || status || ':' ||"
		" COALESCE(report_received_on::text, '-'), ',' ORDER BY id) FROM travel_trips),"
		" '') || '/' || (SELECT hash FROM ledger_head)");

	ck_assert_ptr_nonnull(v);
	return v;
}

static void expect_unchanged(const char *before)
{
	char *after = snapshot();

	ck_assert_str_eq(after, before);
	free(after);
}

static void expect_sql(const char *sql, const char *want)
{
	char *v = query_str(E.conninfo, sql);

	ck_assert_msg(v && strcmp(v, want) == 0, "%s: got '%s', want '%s'", sql, v ? v : "(none)",
		      want);
	free(v);
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	ck_assert_msg(s, "no string '%s'", key);
	return s;
}

/* The element of array arr whose key is value. */
static json_t *find(json_t *arr, const char *key, const char *value)
{
	size_t i;
	json_t *x;

	json_array_foreach(arr, i, x)
		if (strcmp(str(x, key), value) == 0)
			return x;
	ck_abort_msg("no %s %s", key, value);
	return NULL;
}

/* The fund's figure (ledger or declared) of an applicant in an answer. */
static long long figure(json_t *answer, const char *id, const char *which, const char *field)
{
	json_t *a = find(json_object_get(answer, "applicants"), "id", id);

	return (long long)json_integer_value(json_object_get(json_object_get(a, which), field));
}

static size_t differences(json_t *answer, const char *id)
{
	return json_array_size(
		json_object_get(find(json_object_get(answer, "applicants"), "id", id), "differences"));
}

/* The 2018 meeting through HTTP (ends 2018-10-03, reports due 2018-11-02):
 * amina (1000.00) and bo (1500.00) funded and approved, bo's report
 * recorded on 2018-11-10, amina's never. */
static void prior_meeting(void)
{
	json_decref(add_meeting(meeting_2018));
	json_decref(upload("igf2018-mag3", DATA "travel/prior.csv", E.secretariat, 201));
	json_decref(call("POST", "/v1/meetings/igf2018-mag3/rank", E.secretariat,
			 "{\"as_of\":\"2018-09-10\",\"budget\":\"5000.00 USD\"}", 201));
	json_decref(call("POST", "/v1/meetings/igf2018-mag3/approve", Appr,
			 "{\"date\":\"2018-09-15\"}", 200));
	json_decref(call("POST", "/v1/meetings/igf2018-mag3/trips/bo/report", E.secretariat,
			 "{\"report_received\":\"2018-11-10\"}", 200));
}

/* --- applicants ------------------------------------------------------------------------- */

START_TEST(test_applicants_route__upload_stores_and_shows_the_funds_history)
{
	json_t *o, *a;
	char *before;

	prior_meeting();
	json_decref(add_meeting(meeting_m1));
	o = upload("m1", DATA "travel/mag1.csv", E.secretariat, 201);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "imported")), 6);
	ck_assert_str_eq(str(o, "meeting"), "m1");
	ck_assert_int_eq(json_array_size(json_object_get(o, "applicants")), 6);
	/* amina wrote 0 and 0: the fund paid one trip, its report never came */
	ck_assert_int_eq(figure(o, "amina", "declared", "prior_funded"), 0);
	ck_assert_int_eq(figure(o, "amina", "ledger", "prior_funded"), 1);
	ck_assert_int_eq(figure(o, "amina", "ledger", "prior_reports_outstanding"), 1);
	ck_assert_int_eq(differences(o, "amina"), 2);
	/* bo's report was recorded: only prior_funded differs */
	ck_assert_int_eq(differences(o, "bo"), 1);
	a = json_array_get(find(json_object_get(o, "applicants"), "id", "bo"), 0);
	a = json_array_get(json_object_get(find(json_object_get(o, "applicants"), "id", "bo"),
					   "differences"), 0);
	ck_assert_str_eq(str(a, "field"), "prior_funded");
	ck_assert_int_eq(differences(o, "cy"), 0);
	ck_assert_str_eq(str(find(json_object_get(o, "applicants"), "id", "eve"), "name"),
			 "Eve Cruz, Jr.");
	ck_assert_str_eq(str(find(json_object_get(o, "applicants"), "id", "eve"), "amount"),
			 "700.00");
	json_decref(o);
	expect_sql("SELECT count(*) || ' ' || min(source) FROM travel_applicants WHERE"
		   " meeting = 'm1'", "6 body");
	expect_sql("SELECT count(*) FROM audit WHERE action = 'travel.applicants.import' AND"
		   " object = 'm1' AND token_name = 'sec'", "1");

	/* read back by the auditor; as of a day before bo's report (and after its
	 * due date) it is outstanding; within the grace period it is not */
	o = call("GET", "/v1/meetings/m1/applicants", E.auditor, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "applicants")), 6);
	ck_assert_int_eq(differences(o, "amina"), 2);
	json_decref(o);
	o = call("GET", "/v1/meetings/m1/applicants?as_of=2018-11-09", E.auditor, NULL, 200);
	ck_assert_str_eq(str(o, "as_of"), "2018-11-09");
	ck_assert_int_eq(figure(o, "bo", "ledger", "prior_reports_outstanding"), 1);
	ck_assert_str_eq(str(find(json_object_get(o, "applicants"), "id", "bo"), "reports_due"),
			 "report for igf2018-mag3 due 2018-11-02 not received");
	json_decref(o);
	o = call("GET", "/v1/meetings/m1/applicants?as_of=2018-10-19", E.auditor, NULL, 200);
	ck_assert_int_eq(figure(o, "bo", "ledger", "prior_reports_outstanding"), 0);
	json_decref(o);

	before = snapshot();
	{
		const struct refusal bad[] = {
			{"GET", "/v1/meetings/m1/applicants?as_of=2019-02-30", E.auditor, NULL, NULL,
			 400, "invalid-field", "as_of"},
			{"GET", "/v1/meetings/nope/applicants", E.auditor, NULL, NULL, 404,
			 "not-found", "nope"},
			{"GET", "/v1/meetings/m1/applicants", E.finance, NULL, NULL, 403, "forbidden",
			 NULL},
		};

		REFUSED_EACH(bad);
	}
	expect_unchanged(before);
	free(before);
}
END_TEST

START_TEST(test_applicants_route__bad_upload_400_naming_line_and_column_nothing_stored)
{
	char *csv = harness_slurp(DATA "travel/mag1.csv", NULL), *before;
	/* a bad row in line 4 (XXX is no ISO 3166-1 alpha-3 code); wrong currency in line 2 */
	char *country = harness_slurp(DATA "travel/bad-country.csv", NULL);
	char *currency = harness_slurp(DATA "travel/bad-currency.csv", NULL);
	const char *path = "/v1/meetings/m1/applicants";
	const struct refusal bad[] = {
		{"POST", path, E.secretariat, "text/csv", country, 400, "invalid-field",
		 "body:4: column country"},
		{"POST", path, E.secretariat, "text/csv", currency, 400, "invalid-field",
		 "body:2: column currency"},
		{"POST", "/v1/meetings/m1/applicants?source=bad-country.csv", E.secretariat,
		 "text/csv", country, 400, "invalid-field", "bad-country.csv:4: column country"},
		{"POST", "/v1/meetings/m1/applicants?source=", E.secretariat, "text/csv", csv, 400,
		 "invalid-field", "source"},
		{"POST", path, E.secretariat, "text/csv", "id,name\nx,y\n", 400, "invalid-field",
		 "body:1"},
		{"POST", path, E.secretariat, "application/json", csv, 400, "invalid-field",
		 "Content-Type"},
		{"POST", path, E.secretariat, "text/csv", "", 400, "invalid-field", "body: empty"},
		{"POST", "/v1/meetings/nope/applicants", E.secretariat, "text/csv", csv, 404,
		 "not-found", "nope"},
		/* roles: finance and auditor may not upload */
		{"POST", path, E.finance, "text/csv", csv, 403, "forbidden", NULL},
		{"POST", path, E.auditor, "text/csv", csv, 403, "forbidden", NULL},
		{"POST", path, NULL, "text/csv", csv, 401, "unauthenticated", NULL},
	};

	json_decref(add_meeting(meeting_m1));
	before = snapshot();
	REFUSED_EACH(bad);
	free(country);
	free(currency);
	expect_unchanged(before);
	free(before);
	/* the whole file or nothing: a second upload of the same ids is 409 */
	json_decref(upload("m1", DATA "travel/mag1.csv", E.admin, 201));
	before = snapshot();
	refused(req("POST", "/v1/meetings/m1/applicants", E.secretariat, NULL, "text/csv", csv),
		409, "conflict", "has applicants amina, bo, cy, dee, eve, fay already");
	expect_unchanged(before);
	free(before);
	/* a later file with a new applicant: the answer shows what it stored */
	{
		struct resp r = req("POST", "/v1/meetings/m1/applicants", E.secretariat, NULL,
				    "text/csv; charset=utf-8",
				    "id,name,country,category,role,forms_complete,health_check,"
				    "prior_funded,prior_reports_outstanding,request,amount,currency,"
				    "requested_on\r\nzed,Zed,KEN,mag,,yes,yes,0,0,dsa,300.00,USD,"
				    "2018-12-10\r\n");
		json_t *o = json_loads(r.body, 0, NULL);

		ck_assert_msg(r.status == 201, "%ld: %s", r.status, r.body);
		ck_assert_int_eq(json_integer_value(json_object_get(o, "imported")), 1);
		ck_assert_int_eq(json_array_size(json_object_get(o, "applicants")), 1);
		ck_assert_str_eq(str(json_array_get(json_object_get(o, "applicants"), 0), "id"),
				 "zed");
		json_decref(o);
		resp_free(&r);
		o = call("GET", "/v1/meetings/m1/applicants", E.auditor, NULL, 200);
		ck_assert_int_eq(json_array_size(json_object_get(o, "applicants")), 7);
		json_decref(o);
	}
	free(csv);
}
END_TEST

/* --- what-if ------------------------------------------------------------------------------ */

/* A rank body of budget 2200.00 and the policy xml; the caller frees it. */
static char *policy_body(const char *xml)
{
	json_t *body = json_pack("{s:s, s:s}", "budget", "2200.00", "policy_xml", xml);
	char *text = json_dumps(body, 0);

	json_decref(body);
	return text;
}

START_TEST(test_rank_route__what_if_with_budget_and_policy_stores_nothing)
{
	char *policy = harness_slurp(DATA "travel/policy-stop.xml", NULL), *before, *bad;
	json_t *body, *o, *stored;
	char *text;

	json_decref(add_meeting(meeting_m1));
	json_decref(upload("m1", DATA "travel/mag1.csv", E.secretariat, 201));
	before = snapshot();

	/* another budget, the bundled policy: amina (3000.00) does not fit,
	 * bo and eve do */
	o = call("POST", "/v1/meetings/m1/rank?what_if=true", E.secretariat,
		 "{\"budget\":\"2200.00 USD\"}", 200);
	ck_assert(json_is_null(json_object_get(o, "run")));
	ck_assert_str_eq(str(o, "budget"), "2200.00");
	ck_assert_str_eq(str(o, "allocated"), "2200.00");
	ck_assert_str_eq(str(json_object_get(o, "policy"), "id"), "igf-travel");
	ck_assert_str_eq(str(find(json_object_get(o, "decisions"), "id", "amina"), "decision"),
			 "waitlisted");
	ck_assert_str_eq(str(find(json_object_get(o, "decisions"), "id", "eve"), "decision"),
			 "funded");
	json_decref(o);

	/* another policy (stop at the first misfit): nobody funded; the
	 * auditor may ask a what-if too */
	body = json_pack("{s:s, s:s}", "budget", "2200.00 USD", "policy_xml", policy);
	text = json_dumps(body, 0);
	o = call("POST", "/v1/meetings/m1/rank?what_if=true", E.auditor, text, 200);
	ck_assert_str_eq(str(json_object_get(o, "policy"), "id"), "igf-travel-stop");
	ck_assert_int_eq(strlen(str(json_object_get(o, "policy"), "sha256")), 64);
	ck_assert_str_eq(str(o, "allocated"), "0.00");
	ck_assert_str_eq(str(find(json_object_get(o, "decisions"), "id", "eve"), "decision"),
			 "waitlisted");
	json_decref(o);
	free(text);
	json_decref(body);
	/* "what_if": true in the body is the same */
	json_decref(call("POST", "/v1/meetings/m1/rank", E.secretariat,
			 "{\"budget\":\"100.00\",\"what_if\":true}", 200));
	/* a what-if with an Idempotency-Key keeps no key */
	{
		struct resp r = req("POST", "/v1/meetings/m1/rank?what_if=true", E.secretariat,
				    "wi-1", "application/json", "{\"budget\":\"100.00\"}");

		ck_assert_int_eq(r.status, 200);
		resp_free(&r);
	}

	/* refused, each naming what is at fault */
	bad = strdup(policy);
	memcpy(strstr(bad, "<key>ldc</key>"), "<key>lol</key>", 14);
	{
		char *bad_key = policy_body(bad), *truncated = policy_body("<policy"),
		     *stored_policy = policy_body(policy);
		const char *wi = "/v1/meetings/m1/rank?what_if=true", *js = "application/json";
		const struct refusal refusals[] = {
			{"POST", wi, E.secretariat, js, bad_key, 400, "invalid-field",
			 "policy_xml:23: Element"},
			{"POST", wi, E.secretariat, js, truncated, 400, "invalid-field",
			 "policy_xml:1"},
			{"POST", "/v1/meetings/m1/rank", E.secretariat, js, stored_policy, 400,
			 "invalid-field", "policy_xml: only for a what-if"},
			{"POST", wi, E.secretariat, js, "{\"budget\":\"10.00 EUR\"}", 400,
			 "invalid-field", "budget"},
			{"POST", wi, E.secretariat, js, "{\"budget\":\"10.5\"}", 400, "invalid-field",
			 "budget"},
			{"POST", "/v1/meetings/m1/rank?what_if=maybe", E.secretariat, js, "{}", 400,
			 "invalid-field", "what_if"},
			{"POST", "/v1/meetings/m1/rank?what_if=false", E.secretariat, js,
			 "{\"what_if\":true}", 400, "invalid-field", "what_if"},
			{"POST", wi, E.secretariat, js, "{\"policy\":\"/etc/passwd\"}", 400,
			 "invalid-field", "policy"},
			{"POST", wi, E.finance, js, "{}", 403, "forbidden", NULL},
			/* the auditor may not store a ranking */
			{"POST", "/v1/meetings/m1/rank", E.auditor, js, "{\"budget\":\"100.00\"}",
			 403, "forbidden", "store a ranking"},
		};

		REFUSED_EACH(refusals);
		free(bad_key);
		free(truncated);
		free(stored_policy);
	}
	free(bad);
	expect_unchanged(before);
	free(before);

	/* a stored ranking with the same budget decides the same */
	o = call("POST", "/v1/meetings/m1/rank?what_if=true", E.secretariat,
		 "{\"budget\":\"2200.00 USD\",\"as_of\":\"2019-01-05\"}", 200);
	stored = call("POST", "/v1/meetings/m1/rank", E.secretariat,
		      "{\"budget\":\"2200.00 USD\",\"as_of\":\"2019-01-05\"}", 201);
	ck_assert_int_gt(json_integer_value(json_object_get(stored, "run")), 0);
	ck_assert(json_equal(json_object_get(o, "decisions"), json_object_get(stored, "decisions")));
	json_decref(o);
	json_decref(stored);
	expect_sql("SELECT count(*) FROM travel_runs", "1");
	free(policy);
}
END_TEST

/* --- idempotency, roles, audit -------------------------------------------------------------- */

/*
 * Sends the write twice with key, asserting the same status and the very
 * same answer and nothing stored the second time; then the same key with
 * another body is 409 and stores nothing.
 */
static json_t *replayed(const char *path, const char *key, const char *ctype, const char *body,
			const char *other, long status)
{
	struct resp a = req("POST", path, writer(path), key, ctype, body), b;
	char *before;
	json_t *o;

	ck_assert_msg(a.status == status, "%s: %ld: %s", path, a.status, a.body);
	before = snapshot();
	b = req("POST", path, writer(path), key, ctype, body);
	ck_assert_msg(b.status == status, "%s replay: %ld: %s", path, b.status, b.body);
	ck_assert_str_eq(b.body, a.body);
	resp_free(&b);
	refused(req("POST", path, writer(path), key, ctype, other), 409, "conflict",
		"Idempotency-Key");
	expect_unchanged(before);
	free(before);
	o = json_loads(a.body, 0, NULL);
	ck_assert_ptr_nonnull(o);
	resp_free(&a);
	return o;
}

START_TEST(test_routes_travel__every_write_replays_its_idempotency_key)
{
	char *csv = harness_slurp(DATA "travel/mag1.csv", NULL);
	json_t *o;

	json_decref(replayed("/v1/meetings", "k-meeting", "application/json", meeting_m1,
			     meeting_m2, 201));
	allocate("m1");
	o = replayed("/v1/meetings/m1/applicants", "k-upload", "text/csv", csv,
		     "id,name\n", 201);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "imported")), 6);
	json_decref(o);
	o = replayed("/v1/meetings/m1/rank", "k-rank", "application/json",
		     "{\"budget\":\"5000.00\",\"as_of\":\"2019-01-05\"}",
		     "{\"budget\":\"4000.00\",\"as_of\":\"2019-01-05\"}", 201);
	ck_assert_int_gt(json_integer_value(json_object_get(o, "run")), 0);
	json_decref(o);
	expect_sql("SELECT count(*) FROM travel_runs", "1");
	o = replayed("/v1/meetings/m1/approve", "k-approve", "application/json",
		     "{\"date\":\"2019-01-06\"}", "{\"date\":\"2019-01-07\"}", 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "approved")), 2);
	json_decref(o);
	o = replayed("/v1/meetings/m1/trips/bo/decline", "k-decline", "application/json",
		     "{\"date\":\"2019-01-08\"}", "{\"date\":\"2019-01-09\"}", 200);
	ck_assert_str_eq(str(json_array_get(json_object_get(o, "offered"), 0), "applicant"), "cy");
	json_decref(o);
	json_decref(replayed("/v1/meetings/m1/trips/amina/report", "k-report", "application/json",
			     "{\"report_received\":\"2019-02-05\"}",
			     "{\"report_received\":\"2019-02-06\"}", 200));
	o = replayed("/v1/meetings/m1/trips/amina/settle", "k-settle", "application/json",
		     "{\"airfare\":\"2000.00\",\"dsa\":\"800.00\",\"date\":\"2019-02-10\"}",
		     "{\"airfare\":\"2000.00\",\"dsa\":\"900.00\",\"date\":\"2019-02-10\"}", 200);
	ck_assert_str_eq(str(o, "released"), "200.00");
	json_decref(o);
	json_decref(replayed("/v1/meetings/m1/trips/cy/cancel", "k-cancel", "application/json",
			     "{\"date\":\"2019-01-10\"}", "{}", 200));
	/* every key is kept once, with the answer given */
	expect_sql("SELECT count(*) FROM idempotency_keys WHERE key LIKE 'k-%'", "8");
	/* a key taken by one route is refused on another */
	refused(req("POST", "/v1/meetings/m1/approve", E.secretariat, "k-meeting",
		    "application/json", "{}"), 409, "conflict", "Idempotency-Key");
	free(csv);
}
END_TEST

START_TEST(test_routes_travel__roles_and_audit_rows_of_every_write)
{
	static const struct {
		const char *path, *body, *action;
		long status;
	} writes[] = {
		{"/v1/meetings/m1/rank", "{\"budget\":\"5000.00\",\"as_of\":\"2019-01-05\"}",
		 "travel.rank", 201},
		{"/v1/meetings/m1/approve", "{\"date\":\"2019-01-06\"}", "travel.approve", 200},
		{"/v1/meetings/m1/trips/bo/decline", "{\"date\":\"2019-01-08\"}", "travel.decline",
		 200},
		{"/v1/meetings/m1/trips/amina/report", "{\"report_received\":\"2019-02-05\"}",
		 "travel.report", 200},
		{"/v1/meetings/m1/trips/amina/settle",
		 "{\"airfare\":\"2000.00\",\"dsa\":\"800.00\",\"date\":\"2019-02-10\"}",
		 "travel.settle", 200},
		{"/v1/meetings/m1/trips/cy/cancel", "{\"date\":\"2019-01-10\"}", "travel.cancel",
		 200},
	};
	char *before;

	/* meeting and upload: forbidden to finance and auditor */
	before = snapshot();
	refused(req("POST", "/v1/meetings", E.finance, NULL, "application/json", meeting_m1), 403,
		"forbidden", "finance");
	refused(req("POST", "/v1/meetings", E.auditor, NULL, "application/json", meeting_m1), 403,
		"forbidden", "auditor");
	expect_unchanged(before);
	free(before);
	json_decref(add_meeting(meeting_m1));
	expect_sql("SELECT count(*) FROM audit WHERE action = 'travel.meeting.add' AND"
		   " token_name = 'sec' AND role = 'secretariat' AND object = 'm1'", "1");
	json_decref(upload("m1", DATA "travel/mag1.csv", E.secretariat, 201));
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		char sql[256];
		json_t *o;

		const char *p = writes[i].path, *b = writes[i].body, *js = "application/json";
		const struct refusal denied[] = {
			{"POST", p, E.finance, js, b, 403, "forbidden", NULL},
			{"POST", p, E.auditor, js, b, 403, "forbidden", NULL},
			{"POST", p, NULL, js, b, 401, "unauthenticated", NULL},
		};

		before = snapshot();
		REFUSED_EACH(denied);
		expect_unchanged(before);
		free(before);
		o = call("POST", writes[i].path, writer(writes[i].path), writes[i].body,
			 writes[i].status);
		json_decref(o);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE action = '%s' AND"
					   " token_name = '%s' AND role = '%s'",
			 writes[i].action, writer(p) == Appr ? "appr" : "sec",
			 writer(p) == Appr ? "approver" : "secretariat");
		expect_sql(sql, "1");
	}
	/* reads: the auditor yes, finance no */
	json_decref(call("GET", "/v1/meetings", E.auditor, NULL, 200));
	json_decref(call("GET", "/v1/meetings/m1/trips", E.auditor, NULL, 200));
	refused(req("GET", "/v1/meetings/m1/trips", E.finance, NULL, NULL, NULL), 403,
		"forbidden", NULL);
}
END_TEST

/* --- trip reports --------------------------------------------------------------------------- */

/* Reports applicant's trip in m1 received on date; asserts the trip then has status. */
static void reported(const char *applicant, const char *date, const char *status)
{
	char path[128], body[64];
	json_t *o;

	snprintf(path, sizeof(path), "/v1/meetings/m1/trips/%s/report", applicant);
	snprintf(body, sizeof(body), "{\"report_received\":\"%s\"}", date);
	o = call("POST", path, E.secretariat, body, 200);
	ck_assert_str_eq(str(json_object_get(o, "trip"), "report_received"), date);
	ck_assert_str_eq(str(json_object_get(o, "trip"), "status"), status);
	json_decref(o);
}

START_TEST(test_report_route__bad_input_refused_nothing_stored)
{
	const char *amina = "/v1/meetings/m1/trips/amina/report", *js = "application/json",
		   *on_0205 = "{\"report_received\":\"2019-02-05\"}";
	const struct refusal bad[] = {
		{"POST", amina, E.secretariat, js, "{\"report_received\":\"2019-01-28\"}", 400,
		 "invalid-field", "before the meeting starts"},
		{"POST", amina, E.secretariat, js, "{\"report_received\":\"2999-01-01\"}", 400,
		 "invalid-field", "in the future"},
		{"POST", amina, E.secretariat, js, "{\"report_received\":\"2019-02-30\"}", 400,
		 "invalid-field", "report_received"},
		{"POST", amina, E.secretariat, js, "{\"received\":\"2019-02-05\"}", 400,
		 "invalid-field", "received: unknown field"},
		{"POST", amina, E.secretariat, js, "{\"applicant\":\"bo\"}", 400, "invalid-field",
		 "applicant"},
		{"POST", "/v1/meetings/m1/trips/bo/report", E.secretariat, js, on_0205, 409,
		 "conflict", "declined"},
		{"POST", "/v1/meetings/m1/trips/cy/report", E.secretariat, js, on_0205, 409,
		 "conflict", "offered"},
		{"POST", "/v1/meetings/m1/trips/zed/report", E.secretariat, js, on_0205, 404,
		 "not-found", "zed"},
	};
	/* the same date again changes nothing; another date is a conflict, as
	 * is a settlement naming another date */
	const struct refusal again[] = {
		{"POST", amina, E.secretariat, js, "{\"report_received\":\"2019-02-06\"}", 409,
		 "conflict", "2019-02-05"},
		{"POST", "/v1/meetings/m1/trips/amina/settle", E.secretariat, js,
		 "{\"airfare\":\"1.00\",\"dsa\":\"0.00\",\"report_received\":\"2019-02-07\"}",
		 409, "conflict", "2019-02-05"},
	};
	char *before;

	json_decref(add_meeting(meeting_m1));
	json_decref(upload("m1", DATA "travel/mag1.csv", E.secretariat, 201));
	json_decref(call("POST", "/v1/meetings/m1/rank", E.secretariat,
			 "{\"budget\":\"5000.00\",\"as_of\":\"2019-01-05\"}", 201));
	json_decref(call("POST", "/v1/meetings/m1/approve", Appr, "{}", 200));
	json_decref(call("POST", "/v1/meetings/m1/trips/bo/decline", E.secretariat, "{}", 200));
	/* now: amina approved, bo declined, cy offered */
	before = snapshot();
	REFUSED_EACH(bad);
	expect_unchanged(before);
	free(before);
	reported("amina", "2019-02-05", "approved");
	/* the same date again changes nothing; another date is a conflict, as
	 * is a settlement naming another date */
	before = snapshot();
	json_decref(call("POST", "/v1/meetings/m1/trips/amina/report", E.secretariat,
			 "{\"report_received\":\"2019-02-05\"}", 200));
	REFUSED_EACH(again);
	expect_unchanged(before);
	free(before);
}
END_TEST

/* --- the whole flow ----------------------------------------------------------------------------- */

START_TEST(test_routes_travel__flow_meeting_to_settlement_and_later_history)
{
	json_t *o, *trips;
	long long entries;

	/* meeting, upload, rank with 5000.00: amina 3000.00 and bo 1500.00 funded */
	o = add_meeting(meeting_m1);
	ck_assert_str_eq(str(o, "starts_on"), "2019-01-29");
	json_decref(o);
	json_decref(upload("m1", DATA "travel/mag1.csv", E.secretariat, 201));
	o = call("POST", "/v1/meetings/m1/rank", E.secretariat,
		 "{\"budget\":\"5000.00 USD\",\"as_of\":\"2019-01-05\"}", 201);
	ck_assert_str_eq(str(o, "allocated"), "4500.00");
	ck_assert_str_eq(str(find(json_object_get(o, "decisions"), "id", "cy"), "decision"),
			 "waitlisted");
	json_decref(o);

	/* approve: two obligations; again: nothing */
	entries = query_ll(E.conninfo, "SELECT count(*) FROM entries");
	o = call("POST", "/v1/meetings/m1/approve", Appr, "{\"date\":\"2019-01-06\"}", 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "approved")), 2);
	json_decref(o);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM entries"), entries + 2);
	o = call("POST", "/v1/meetings/m1/approve", Appr, "{\"date\":\"2019-01-06\"}", 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "approved")), 0);
	json_decref(o);

	/* bo declines: 2000.00 free, cy (2000.00) is offered; approve obliges cy */
	o = call("POST", "/v1/meetings/m1/trips/bo/decline", E.secretariat,
		 "{\"date\":\"2019-01-08\"}", 200);
	ck_assert_str_eq(str(json_object_get(o, "trip"), "status"), "declined");
	ck_assert_int_eq(json_array_size(json_object_get(o, "offered")), 1);
	ck_assert_str_eq(str(json_array_get(json_object_get(o, "offered"), 0), "applicant"), "cy");
	json_decref(o);
	o = call("POST", "/v1/meetings/m1/approve", Appr, "{\"date\":\"2019-01-09\"}", 200);
	ck_assert_str_eq(str(json_array_get(json_object_get(o, "approved"), 0), "applicant"), "cy");
	json_decref(o);

	/* amina: report first, then the costs (no report in the settlement) */
	o = call("POST", "/v1/meetings/m1/trips/amina/report", E.secretariat,
		 "{\"report_received\":\"2019-02-05\"}", 200);
	ck_assert_str_eq(str(json_object_get(o, "trip"), "status"), "approved");
	json_decref(o);
	o = call("POST", "/v1/meetings/m1/trips/amina/settle", E.secretariat,
		 "{\"airfare\":\"2000.00\",\"dsa\":\"800.00\",\"date\":\"2019-02-10\"}", 200);
	ck_assert_str_eq(str(o, "released"), "200.00");
	ck_assert_str_eq(str(json_object_get(o, "trip"), "status"), "settled");
	ck_assert_str_eq(str(json_object_get(o, "trip"), "report_received"), "2019-02-05");
	json_decref(o);
	/* cy: the costs settled, the report still outstanding */
	o = call("POST", "/v1/meetings/m1/trips/cy/settle", E.secretariat,
		 "{\"airfare\":\"1500.00\",\"dsa\":\"500.00\",\"date\":\"2019-02-10\"}", 200);
	ck_assert(json_is_null(json_object_get(json_object_get(o, "trip"), "report_received")));
	json_decref(o);
	o = call("GET", "/v1/meetings/m1/trips", E.auditor, NULL, 200);
	trips = json_object_get(o, "trips");
	ck_assert_str_eq(str(find(trips, "applicant", "amina"), "status"), "settled");
	ck_assert_str_eq(str(find(trips, "applicant", "bo"), "status"), "declined");
	ck_assert_str_eq(str(find(trips, "applicant", "cy"), "status"), "settled");
	json_decref(o);
	/* the trips a page of one at a time on the cursor: each once, in id
	 * order, the last page's next null; a bad cursor or limit is named */
	{
		const char *seen[4] = {NULL};
		long long next = 0, prev = 0;
		size_t n = 0;
		char path[96];

		do {
			json_t *page, *t;

			snprintf(path, sizeof(path), "/v1/meetings/m1/trips?limit=1&after=%lld", next);
			page = call("GET", path, E.auditor, NULL, 200);
			ck_assert_int_eq(json_array_size(json_object_get(page, "trips")), 1);
			t = json_array_get(json_object_get(page, "trips"), 0);
			ck_assert_int_gt(json_integer_value(json_object_get(t, "id")), prev);
			prev = json_integer_value(json_object_get(t, "id"));
			ck_assert_int_lt(n, 3);
			seen[n++] = strcmp(str(t, "applicant"), "amina") == 0 ? "amina"
				    : strcmp(str(t, "applicant"), "bo") == 0  ? "bo"
									      : "cy";
			next = json_integer_value(json_object_get(page, "next"));
			ck_assert(next == 0 ? json_is_null(json_object_get(page, "next"))
					    : next == prev);
			json_decref(page);
		} while (next);
		ck_assert_int_eq(n, 3);
		ck_assert(strcmp(seen[0], seen[1]) && strcmp(seen[1], seen[2]) &&
			  strcmp(seen[0], seen[2]));
		refused(req("GET", "/v1/meetings/m1/trips?after=x", E.auditor, NULL, NULL, NULL), 400,
			"invalid-field", "after: a cursor (integer >= 0)");
		refused(req("GET", "/v1/meetings/m1/trips?limit=1001", E.auditor, NULL, NULL, NULL), 400,
			"invalid-field", "limit: 1-1000");
	}
	/* the obligations are all closed; the expense is what was paid */
	expect_sql("SELECT COALESCE(sum(CASE WHEN side = 'debit' THEN amount ELSE -amount END), 0)"
		   " FROM postings WHERE account = '8100-USD'", "0");
	expect_sql("SELECT sum(amount) FROM postings WHERE account = '5200-USD'", "480000");
	{
		json_t *v = call("GET", "/v1/journal/verify", E.auditor, NULL, 200);

		ck_assert(json_is_true(json_object_get(v, "ok")));
		json_decref(v);
	}

	/* a later meeting: the same people; the fund's history counts both
	 * trips as funded, cy's report as outstanding, amina's as in */
	json_decref(add_meeting(meeting_m2));
	o = upload("m2", DATA "travel/mag1.csv", E.secretariat, 201);
	ck_assert_int_eq(figure(o, "amina", "ledger", "prior_funded"), 1);
	ck_assert_int_eq(figure(o, "amina", "ledger", "prior_reports_outstanding"), 0);
	ck_assert_int_eq(figure(o, "cy", "ledger", "prior_funded"), 1);
	ck_assert_int_eq(figure(o, "cy", "ledger", "prior_reports_outstanding"), 1);
	ck_assert_int_eq(figure(o, "bo", "ledger", "prior_funded"), 0);
	ck_assert_int_eq(differences(o, "bo"), 0);
	json_decref(o);
	o = call("POST", "/v1/meetings/m2/rank?what_if=true", E.secretariat,
		 "{\"budget\":\"9000.00\",\"as_of\":\"2019-04-01\"}", 200);
	ck_assert_str_eq(str(find(json_object_get(o, "decisions"), "id", "cy"), "decision"),
			 "ineligible");
	ck_assert_str_eq(str(find(json_object_get(o, "decisions"), "id", "amina"), "decision"),
			 "funded");
	json_decref(o);
	/* cy's report arrives after the settlement and after its due date (m1
	 * ended 2019-01-31, 30 days of grace: 2019-03-02): outstanding from the
	 * due date until it came */
	reported("cy", "2019-03-10", "settled");
	o = call("GET", "/v1/meetings/m2/applicants?as_of=2019-04-01", E.auditor, NULL, 200);
	ck_assert_int_eq(figure(o, "cy", "ledger", "prior_reports_outstanding"), 0);
	json_decref(o);
	o = call("GET", "/v1/meetings/m2/applicants?as_of=2019-03-09", E.auditor, NULL, 200);
	ck_assert_int_eq(figure(o, "cy", "ledger", "prior_reports_outstanding"), 1);
	json_decref(o);
	o = call("GET", "/v1/meetings/m2/applicants?as_of=2019-03-02", E.auditor, NULL, 200);
	ck_assert_int_eq(figure(o, "cy", "ledger", "prior_reports_outstanding"), 0);
	json_decref(o);
	o = call("POST", "/v1/meetings/m2/rank?what_if=true", E.secretariat,
		 "{\"budget\":\"9000.00\",\"as_of\":\"2019-04-01\"}", 200);
	ck_assert_str_eq(str(find(json_object_get(o, "decisions"), "id", "cy"), "decision"),
			 "funded");
	json_decref(o);
}
END_TEST

/* Bad input on every write: 400 naming the field (or 404/409), and nothing
 * stored, not even the Idempotency-Key it came with. */
START_TEST(test_routes_travel__bad_input_names_the_field_stores_nothing)
{
	static const struct {
		const char *path, *body;
		long status;
		const char *code, *want;
	} bad[] = {
		{"/v1/meetings", "{\"id\":\"M 1\",\"name\":\"x\",\"starts_on\":\"2019-01-29\","
		 "\"ends_on\":\"2019-01-29\",\"place\":\"x\",\"currency\":\"USD\"}",
		 400, "invalid-field", "id:"},
		{"/v1/meetings", "{\"id\":\"m9\",\"name\":\"x\",\"starts_on\":\"2019-01-29\","
		 "\"ends_on\":\"2019-01-28\",\"place\":\"x\",\"currency\":\"USD\"}",
		 400, "invalid-field", "ends_on"},
		{"/v1/meetings", "{\"id\":\"m9\"", 400, "invalid-json", "body"},
		{"/v1/meetings/m1/rank", "{\"budget\":\"1.00\",\"as_of\":\"2019-13-01\"}", 400,
		 "invalid-field", "as_of"},
		{"/v1/meetings/m1/rank", "{\"budget\":\"1.00\",\"meeting\":\"m2\"}", 400,
		 "invalid-field", "meeting"},
		{"/v1/meetings/m1/approve", "{\"date\":\"yesterday\"}", 400, "invalid-field",
		 "date"},
		{"/v1/meetings/m1/approve", "{\"dates\":\"2019-01-06\"}", 400, "invalid-field",
		 "dates: unknown field"},
		{"/v1/meetings/m1/trips/amina/decline", "{\"reason\":\"ill\"}", 400,
		 "invalid-field", "reason: unknown field"},
		{"/v1/meetings/m1/trips/amina/cancel", "{\"date\":\"2019-02-30\"}", 400,
		 "invalid-field", "date"},
		{"/v1/meetings/m1/trips/amina/settle", "{\"airfare\":\"-1.00\",\"dsa\":\"0.00\"}",
		 400, "invalid-field", "airfare"},
		{"/v1/meetings/m1/trips/amina/settle", "{\"airfare\":\"2000\",\"dsa\":\"0.00\"}",
		 400, "invalid-field", "airfare"},
		{"/v1/meetings/m1/trips/amina/settle", "{\"airfare\":\"2000.00\"}", 400,
		 "invalid-field", "dsa"},
		{"/v1/meetings/m1/trips/amina/settle",
		 "{\"airfare\":\"3000.00\",\"dsa\":\"0.01\"}", 400, "invalid-field",
		 "above the granted"},
		{"/v1/meetings/m1/trips/cy/settle", "{\"airfare\":\"1.00\",\"dsa\":\"0.00\"}", 404,
		 "not-found", "cy"},
		{"/v1/meetings/nope/approve", "{}", 404, "not-found", "nope"},
	};
	char *before;

	json_decref(add_meeting(meeting_m1));
	json_decref(upload("m1", DATA "travel/mag1.csv", E.secretariat, 201));
	refused(req("POST", "/v1/meetings/m1/approve", E.secretariat, NULL, "application/json",
		    "{}"), 409, "conflict", "no stored ranking");
	json_decref(call("POST", "/v1/meetings/m1/rank", E.secretariat,
			 "{\"budget\":\"3000.00\",\"as_of\":\"2019-01-05\"}", 201));
	json_decref(call("POST", "/v1/meetings/m1/approve", Appr, "{}", 200));
	before = snapshot();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char key[32];

		snprintf(key, sizeof(key), "bad-%zu", i);
		refused(req("POST", bad[i].path, E.secretariat, key, "application/json", bad[i].body),
			bad[i].status, bad[i].code, bad[i].want);
	}
	expect_unchanged(before);
	free(before);
}
END_TEST

/* --- the same Idempotency-Key at the same time ------------------------------------------- */

#define RACERS 6

struct racer {
	const char *path, *body;
	struct resp r;
};

static void *race(void *arg)
{
	struct racer *x = arg;

	x->r = req("POST", x->path, writer(x->path), "k-race", "application/json", x->body);
	return NULL;
}

/* Sends RACERS identical requests with one key at once; all get the one
 * answer, and the write happened once. */
static void race_all(const char *path, const char *body, long status)
{
	struct racer x[RACERS];
	pthread_t t[RACERS];

	for (int i = 0; i < RACERS; i++) {
		x[i] = (struct racer){path, body, {0}};
		ck_assert_int_eq(pthread_create(&t[i], NULL, race, &x[i]), 0);
	}
	for (int i = 0; i < RACERS; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < RACERS; i++) {
		ck_assert_msg(x[i].r.status == status, "%s racer %d: %ld: %s", path, i,
			      x[i].r.status, x[i].r.body);
		ck_assert_str_eq(x[i].r.body, x[0].r.body);
	}
	for (int i = 0; i < RACERS; i++)
		resp_free(&x[i].r);
}

START_TEST(test_routes_travel__concurrent_requests_with_one_key_write_once)
{
	json_decref(add_meeting(meeting_m1));
	json_decref(upload("m1", DATA "travel/mag1.csv", E.secretariat, 201));
	json_decref(call("POST", "/v1/meetings/m1/rank", E.secretariat,
			 "{\"budget\":\"5000.00\",\"as_of\":\"2019-01-05\"}", 201));
	race_all("/v1/meetings/m1/approve", "{\"date\":\"2019-01-06\"}", 200);
	/* two obligations, one approval audited, one key */
	expect_sql("SELECT count(*) FROM travel_trips WHERE status = 'approved'", "2");
	expect_sql("SELECT count(*) FROM entries WHERE reference LIKE 'travel:%'", "2");
	expect_sql("SELECT count(*) FROM audit WHERE action = 'travel.approve'", "1");
	expect_sql("SELECT count(*) FROM idempotency_keys WHERE key = 'k-race'", "1");
}
END_TEST

/* Four eyes: the ranker may not approve, nor anyone without the approver
 * role; another person with it may, and the run names both; turned off,
 * the Secretariat approves its own ranking. */
START_TEST(test_routes_travel__four_eyes_on_approval)
{
	json_t *o, *run;
	char *before;

	json_decref(add_meeting(meeting_m1));
	json_decref(upload("m1", DATA "travel/mag1.csv", E.secretariat, 201));
	json_decref(call("POST", "/v1/meetings/m1/rank", E.secretariat,
			 "{\"budget\":\"5000.00\",\"as_of\":\"2019-01-05\"}", 201));
	before = snapshot();
	refused(req("POST", "/v1/meetings/m1/approve", E.secretariat, NULL, "application/json",
		    "{}"), 403, "four-eyes", "four eyes: sec ranked run 1 of m1; another person"
					     " with the approver role must approve it");
	refused(req("POST", "/v1/meetings/m1/approve", E.admin, NULL, "application/json", "{}"),
		403, "four-eyes", "ada does not hold the approver role");
	refused(req("POST", "/v1/meetings/m1/approve", E.finance, NULL, "application/json", "{}"),
		403, "forbidden", NULL);
	expect_unchanged(before);
	free(before);
	o = call("POST", "/v1/meetings/m1/approve", Appr, "{\"date\":\"2019-01-06\"}", 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "approved")), 2);
	ck_assert_str_eq(str(o, "ranked_by"), "sec");
	ck_assert_str_eq(str(o, "approved_by"), "appr");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(o, "approved_at")));
	ck_assert(json_is_null(json_object_get(o, "countersigned_by")));
	ck_assert(json_is_true(json_object_get(o, "four_eyes")));
	json_decref(o);
	expect_sql("SELECT created_by || ' ' || approved_by FROM travel_runs", "sec appr");
	expect_sql("SELECT user_name FROM audit WHERE action = 'travel.approve'", "appr");
	/* the stored run names both, for the auditor and the approver */
	o = call("GET", "/v1/meetings/m1/runs", E.auditor, NULL, 200);
	run = json_array_get(json_object_get(o, "runs"), 0);
	ck_assert_str_eq(str(run, "ranked_by"), "sec");
	ck_assert_str_eq(str(run, "approved_by"), "appr");
	ck_assert_str_eq(str(run, "status"), "approved");
	json_decref(o);
	json_decref(call("GET", "/v1/meetings/m1/runs/1", Appr, NULL, 200));
	refused(req("GET", "/v1/meetings/m1/runs", E.finance, NULL, NULL, NULL), 403, "forbidden",
		NULL);
	/* four eyes off: the Secretariat approves the run it ranked */
	harness_four_eyes(E.conninfo, false);
	json_decref(add_meeting(meeting_m2));
	json_decref(upload("m2", DATA "travel/mag1.csv", E.secretariat, 201));
	json_decref(call("POST", "/v1/meetings/m2/rank", E.secretariat,
			 "{\"budget\":\"5000.00\",\"as_of\":\"2019-01-05\"}", 201));
	o = call("POST", "/v1/meetings/m2/approve", E.secretariat, "{\"date\":\"2019-01-06\"}", 200);
	ck_assert(json_is_false(json_object_get(o, "four_eyes")));
	ck_assert_str_eq(str(o, "ranked_by"), "sec");
	ck_assert_str_eq(str(o, "approved_by"), "sec");
	json_decref(o);
}
END_TEST

/* The stored run, read back, is the ranking's answer: the same policy,
 * budget and decisions with their reasons and sentences; a later run
 * supersedes it. */
START_TEST(test_routes_travel__stored_run_equals_the_rank_answer)
{
	json_t *a, *g, *l;
	size_t i;
	json_t *d;
	char path[64];

	json_decref(add_meeting(meeting_m1));
	json_decref(upload("m1", DATA "travel/mag1.csv", E.secretariat, 201));
	a = call("POST", "/v1/meetings/m1/rank", E.secretariat,
		 "{\"budget\":\"5000.00\",\"as_of\":\"2019-01-05\"}", 201);
	snprintf(path, sizeof(path), "/v1/meetings/m1/runs/%lld",
		 (long long)json_integer_value(json_object_get(a, "run")));
	g = call("GET", path, E.auditor, NULL, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(g, "id")),
			 json_integer_value(json_object_get(a, "run")));
	ck_assert_str_eq(str(g, "policy_id"), str(json_object_get(a, "policy"), "id"));
	ck_assert_str_eq(str(g, "policy_version"), str(json_object_get(a, "policy"), "version"));
	ck_assert_str_eq(str(g, "policy_sha256"), str(json_object_get(a, "policy"), "sha256"));
	ck_assert_str_eq(str(g, "ranked_on"), str(a, "as_of"));
	ck_assert_str_eq(str(g, "budget"), str(a, "budget"));
	ck_assert_str_eq(str(g, "allocated"), str(a, "allocated"));
	ck_assert_str_eq(str(g, "remaining"), str(a, "remaining"));
	ck_assert_str_eq(str(g, "currency"), str(a, "currency"));
	ck_assert_str_eq(str(g, "budget_source"), str(a, "budget_source"));
	ck_assert_str_eq(str(g, "ranked_by"), "sec");
	ck_assert_str_eq(str(g, "status"), "proposed");
	ck_assert(json_is_null(json_object_get(g, "approved_by")));
	ck_assert_uint_eq(json_array_size(json_object_get(g, "decisions")),
			  json_array_size(json_object_get(a, "decisions")));
	ck_assert_uint_eq(json_array_size(json_object_get(g, "decisions")), 6);
	json_array_foreach(json_object_get(a, "decisions"), i, d) {
		json_t *s = json_array_get(json_object_get(g, "decisions"), i);

		ck_assert_int_eq(json_integer_value(json_object_get(s, "position")), (long long)i + 1);
		ck_assert_str_eq(str(s, "applicant"), str(d, "id"));
		ck_assert_msg(json_equal(json_object_get(s, "rank"), json_object_get(d, "rank")),
			      "rank of %s", str(d, "id"));
		ck_assert_str_eq(str(s, "decision"), str(d, "decision"));
		ck_assert_str_eq(str(s, "granted"), str(d, "granted"));
		ck_assert_msg(json_equal(json_object_get(s, "reasons"), json_object_get(d, "reasons")),
			      "reasons of %s", str(d, "id"));
		ck_assert_str_eq(str(s, "explanation"), str(d, "explanation"));
	}
	ck_assert_uint_eq(json_array_size(json_object_get(g, "inputs")), 6);
	json_decref(g);
	/* ranked again: the first run is superseded, the second proposed */
	json_decref(call("POST", "/v1/meetings/m1/rank", E.secretariat,
			 "{\"budget\":\"4000.00\",\"as_of\":\"2019-01-05\"}", 201));
	l = call("GET", "/v1/meetings/m1/runs", E.secretariat, NULL, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(l, "runs")), 2);
	ck_assert_str_eq(str(json_array_get(json_object_get(l, "runs"), 0), "status"), "superseded");
	ck_assert_str_eq(str(json_array_get(json_object_get(l, "runs"), 1), "status"), "proposed");
	ck_assert_str_eq(str(json_array_get(json_object_get(l, "runs"), 1), "budget"), "4000.00");
	json_decref(l);
	json_decref(a);
	refused(req("GET", "/v1/meetings/m1/runs/99", E.auditor, NULL, NULL, NULL), 404,
		"not-found", "no run 99");
	refused(req("GET", "/v1/meetings/m1/runs/x", E.auditor, NULL, NULL, NULL), 400,
		"invalid-field", "run");
	refused(req("GET", "/v1/meetings/nope/runs", E.auditor, NULL, NULL, NULL), 404,
		"not-found", "nope");
}
END_TEST

/* The state a refused correction must leave: every applicant's fields and
 * the changes kept. */
static char *applicants_state(void)
{
	return query_str(E.conninfo,
			 "SELECT md5(string_agg(a::text, ',' ORDER BY meeting, id)) || '/' ||"
			 " (SELECT count(*) FROM travel_applicant_changes) || '/' ||"
			 " (SELECT count(*) FROM audit) FROM travel_applicants a");
}

/* A correction: one field, its old and new values and the reason kept,
 * the next ranking using it; bad fields 400 naming them; 409 in words once
 * an approved run covers the applicant, and for a file uploaded again. */
START_TEST(test_routes_travel__applicant_correction_kept_refused_after_approval)
{
	const struct refusal bad[] = {
		{"PATCH", "/v1/meetings/m1/applicants/amina", E.secretariat, "application/json",
		 "{\"reason\":\"x\",\"colour\":\"red\"}", 400, "invalid-field", "colour"},
		{"PATCH", "/v1/meetings/m1/applicants/amina", E.secretariat, "application/json",
		 "{\"reason\":\"x\",\"country\":\"XXX\"}", 400, "invalid-field", "country"},
		{"PATCH", "/v1/meetings/m1/applicants/amina", E.secretariat, "application/json",
		 "{\"reason\":\"x\",\"amount\":\"12.345\"}", 400, "invalid-field", "amount"},
		{"PATCH", "/v1/meetings/m1/applicants/amina", E.secretariat, "application/json",
		 "{\"reason\":\"x\",\"currency\":\"EUR\"}", 400, "invalid-field", "currency"},
		{"PATCH", "/v1/meetings/m1/applicants/amina", E.secretariat, "application/json",
		 "{\"forms_complete\":\"no\"}", 400, "invalid-field", "reason"},
		{"PATCH", "/v1/meetings/m1/applicants/amina", E.secretariat, "application/json",
		 "{\"reason\":\"x\",\"health_attested_on\":\"2019-02-30\"}", 400, "invalid-field",
		 "health_attested_on"},
		{"PATCH", "/v1/meetings/m1/applicants/amina", E.secretariat, "application/json",
		 "{\"reason\":\"x\",\"health_check\":\"no\",\"health_attested_on\":\"2018-12-01\"}",
		 400, "invalid-field", "needs health_check yes"},
		{"PATCH", "/v1/meetings/m1/applicants/nobody", E.secretariat, "application/json",
		 "{\"reason\":\"x\",\"role\":\"y\"}", 404, "not-found", "nobody"},
		{"PATCH", "/v1/meetings/m1/applicants/amina", E.finance, "application/json",
		 "{\"reason\":\"x\",\"role\":\"y\"}", 403, "forbidden", NULL},
		{"PATCH", "/v1/meetings/m1/applicants/amina", E.auditor, "application/json",
		 "{\"reason\":\"x\",\"role\":\"y\"}", 403, "forbidden", NULL},
	};
	char *csv = harness_slurp(DATA "travel/mag1.csv", NULL), *before;
	json_t *o, *c;

	json_decref(add_meeting(meeting_m1));
	json_decref(upload("m1", DATA "travel/mag1.csv", E.secretariat, 201));
	/* amina's forms turn out incomplete */
	o = call("PATCH", "/v1/meetings/m1/applicants/amina", E.secretariat,
		 "{\"reason\":\"the travel form is unsigned\",\"forms_complete\":\"no\"}", 200);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "changed")), 1);
	ck_assert(json_is_false(json_object_get(o, "forms_complete")));
	c = json_array_get(json_object_get(o, "changes"), 0);
	ck_assert_str_eq(str(c, "field"), "forms_complete");
	ck_assert_str_eq(str(c, "old"), "yes");
	ck_assert_str_eq(str(c, "new"), "no");
	ck_assert_str_eq(str(c, "reason"), "the travel form is unsigned");
	ck_assert_str_eq(str(c, "changed_by"), "sec");
	json_decref(o);
	expect_sql("SELECT field || ':' || old_value || '>' || new_value || ':' || changed_by FROM"
		   " travel_applicant_changes", "forms_complete:yes>no:sec");
	expect_sql("SELECT count(*) FROM audit WHERE action = 'travel.applicant.correct' AND"
		   " object = 'm1/amina' AND user_name = 'sec'", "1");
	/* the same value again changes nothing */
	before = applicants_state();
	o = call("PATCH", "/v1/meetings/m1/applicants/amina", E.secretariat,
		 "{\"reason\":\"again\",\"forms_complete\":false}", 200);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "changed")), 0);
	json_decref(o);
	{
		char *after = applicants_state();

		ck_assert_str_eq(after, before);
		free(after);
	}
	/* bad corrections: 400/403/404 naming the field, nothing changed */
	REFUSED_EACH(bad);
	{
		char *after = applicants_state();

		ck_assert_str_eq(after, before);
		free(after);
	}
	free(before);
	/* read back by the auditor, with its history */
	o = call("GET", "/v1/meetings/m1/applicants/amina", E.auditor, NULL, 200);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "changes")), 1);
	ck_assert_str_eq(str(o, "meeting"), "m1");
	json_decref(o);
	/* a ranking now sees the change */
	o = call("POST", "/v1/meetings/m1/rank?what_if=true", E.secretariat,
		 "{\"budget\":\"5000.00\",\"as_of\":\"2019-01-05\"}", 200);
	ck_assert_str_eq(str(find(json_object_get(o, "decisions"), "id", "amina"), "decision"),
			 "ineligible");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(
				 find(json_object_get(o, "decisions"), "id", "amina"), "reasons"), 0)),
			 "forms-incomplete");
	json_decref(o);
	/* the same file again: 409 naming the ids and pointing to PATCH */
	before = snapshot();
	refused(req("POST", "/v1/meetings/m1/applicants", E.secretariat, NULL, "text/csv", csv),
		409, "conflict", "PATCH /v1/meetings/m1/applicants/ID");
	{
		struct resp r = req("POST", "/v1/meetings/m1/applicants", E.secretariat, NULL,
				    "text/csv", csv);

		ck_assert_msg(!strstr(r.body, "duplicate key") && !strstr(r.body, "violates"),
			      "%s", r.body);
		resp_free(&r);
	}
	expect_unchanged(before);
	free(before);
	/* ranked, approved: corrections of those it covers are refused in words */
	json_decref(call("POST", "/v1/meetings/m1/rank", E.secretariat,
			 "{\"budget\":\"5000.00\",\"as_of\":\"2019-01-05\"}", 201));
	json_decref(call("POST", "/v1/meetings/m1/approve", Appr, "{\"date\":\"2019-01-06\"}", 200));
	before = applicants_state();
	refused(req("PATCH", "/v1/meetings/m1/applicants/bo", E.secretariat, NULL,
		    "application/json", "{\"reason\":\"late news\",\"role\":\"chair\"}"),
		409, "conflict", "bo of meeting m1 is covered by an approved ranking");
	{
		char *after = applicants_state();

		ck_assert_str_eq(after, before);
		free(after);
	}
	free(before);
	free(csv);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test routes_travel[] = {
		{test_applicants_route__upload_stores_and_shows_the_funds_history, 0},
		{test_applicants_route__bad_upload_400_naming_line_and_column_nothing_stored, 0},
		{test_rank_route__what_if_with_budget_and_policy_stores_nothing, 0},
		{test_routes_travel__every_write_replays_its_idempotency_key, 0},
		{test_routes_travel__roles_and_audit_rows_of_every_write, 0},
		{test_report_route__bad_input_refused_nothing_stored, 0},
		{test_routes_travel__flow_meeting_to_settlement_and_later_history, 0},
		{test_routes_travel__concurrent_requests_with_one_key_write_once, 0},
		{test_routes_travel__bad_input_names_the_field_stores_nothing, 0},
		{test_routes_travel__four_eyes_on_approval, 0},
		{test_routes_travel__stored_run_equals_the_rank_answer, 0},
		{test_routes_travel__applicant_correction_kept_refused_after_approval, 0},
	};
	Suite *s = suite_create("routes_travel");

	harness_add_tcase(s, "routes_travel", setup, teardown, 120, routes_travel,
			  HARNESS_N(routes_travel));
	return s;
}

int main(void)
{
	(void)entry_body; /* the fixture's, for ledger tests */
	(void)http;
	(void)error_code;
	return harness_main(suite(), true);
}
