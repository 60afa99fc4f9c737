/*
 * test_ledger.c - the ledger through its real daemon: every route of the
 * contract's HTTP table, every error code, the role matrix, a revoke that
 * holds for the very next request, a table of bad requests that must store
 * nothing, the database's own defences tried with SQL, and the hash chain's
 * detection of rows changed behind its back.
 * Each test gets a fresh migrated database and its own tfledgerd.
 */
#include "tests/integration/ledger_fixture.h"

#include <jansson.h>

#include "common/db.h"
#include "common/err.h"
#include "ledger/ledger.h"

struct env {
	char conninfo[LIMIT_CONNINFO_BYTES];
	char dir[LIMIT_PATH_BYTES];
	struct daemon d;
	char *admin, *finance, *secretariat, *auditor;
};

static struct env E;

static void post_ok(const char *path, const char *body, char **id_out)
{
	struct resp r = http(&E.d, "POST", path, E.finance, NULL, body);

	ck_assert_msg(r.status == 201, "POST %s: %ld %s", path, r.status, r.body);
	if (id_out)
		*id_out = json_str(r.body, "id");
	resp_free(&r);
}

static void setup(void)
{
	harness_new_db(E.conninfo, sizeof(E.conninfo));
	harness_tmpdir(E.dir, sizeof(E.dir));
	E.admin = make_token(E.conninfo, "admin", "ada");
	E.finance = make_token(E.conninfo, "finance", "fin");
	E.secretariat = make_token(E.conninfo, "secretariat", "sec");
	E.auditor = make_token(E.conninfo, "auditor", "aud");
	daemon_start(&E.d, E.conninfo, E.dir);
	post_ok("/v1/accounts", "{\"code\":\"1010\",\"name\":\"Bank EUR\",\"type\":\"asset\",\"currency\":\"EUR\"}", NULL);
	post_ok("/v1/accounts", "{\"code\":\"4010\",\"name\":\"Contributions\",\"type\":\"revenue\",\"currency\":\"EUR\"}", NULL);
	post_ok("/v1/accounts", "{\"code\":\"1020\",\"name\":\"Bank USD\",\"type\":\"asset\",\"currency\":\"USD\"}", NULL);
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

static void expect(struct resp *r, long status, const char *code)
{
	char *got = error_code(r->body);

	ck_assert_msg(r->status == status, "status %ld, want %ld: %s", r->status, status, r->body);
	if (code)
		ck_assert_msg(got && strcmp(got, code) == 0, "code %s, want %s: %s", got, code,
			      r->body);
	ck_assert_msg(r->request_id[0], "no X-Request-Id");
	free(got);
}

START_TEST(test_accounts__create_get_list_and_conflict)
{
	struct resp r = http(&E.d, "GET", "/v1/accounts/1010", E.auditor, NULL, NULL);
	json_t *o;

	expect(&r, 200, NULL);
	o = json_loads(r.body, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(o, "code")), "1010");
	ck_assert_str_eq(json_string_value(json_object_get(o, "type")), "asset");
	ck_assert_str_eq(json_string_value(json_object_get(o, "currency")), "EUR");
	ck_assert_str_eq(json_string_value(json_object_get(o, "normal_side")), "debit");
	ck_assert_str_eq(json_string_value(json_object_get(o, "balance")), "0.00");
	json_decref(o);
	resp_free(&r);
	r = http(&E.d, "POST", "/v1/accounts", E.finance, NULL,
		 "{\"code\":\"1010\",\"name\":\"Again\",\"type\":\"asset\",\"currency\":\"EUR\"}");
	expect(&r, 409, "conflict");
	resp_free(&r);
	r = http(&E.d, "GET", "/v1/accounts/9999", E.auditor, NULL, NULL);
	expect(&r, 404, "not-found");
	resp_free(&r);
	r = http(&E.d, "GET", "/v1/accounts", E.auditor, NULL, NULL);
	expect(&r, 200, NULL);
	ck_assert_ptr_nonnull(strstr(r.body, "\"4010\""));
	resp_free(&r);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action = 'account.create'"), 3);
}
END_TEST

START_TEST(test_entry_post__stores_chains_and_balances)
{
	char body[1024], path[128];
	char *id1 = NULL, *id2 = NULL, *hash1 = NULL;
	struct resp r;
	json_t *o, *arr;

	entry_body(body, sizeof(body), "2019-02-14", "1010", "4010", "500000.00");
	r = http(&E.d, "POST", "/v1/entries", E.finance, NULL, body);
	expect(&r, 201, NULL);
	o = json_loads(r.body, 0, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "sequence")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(o, "prev_hash")),
			 "0000000000000000000000000000000000000000000000000000000000000000");
	ck_assert_int_eq(strlen(json_string_value(json_object_get(o, "hash"))), 64);
	arr = json_object_get(o, "postings");
	ck_assert_int_eq(json_array_size(arr), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(arr, 0), "amount")),
			 "500000.00");
	id1 = strdup(json_string_value(json_object_get(o, "id")));
	hash1 = strdup(json_string_value(json_object_get(o, "hash")));
	json_decref(o);
	resp_free(&r);

	entry_body(body, sizeof(body), "2019-03-01", "1010", "4010", "0.01");
	r = http(&E.d, "POST", "/v1/entries", E.admin, NULL, body);
	expect(&r, 201, NULL);
	o = json_loads(r.body, 0, NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "sequence")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(o, "prev_hash")), hash1);
	id2 = strdup(json_string_value(json_object_get(o, "id")));
	json_decref(o);
	resp_free(&r);

	/* GET the entry: same as the answer to the POST */
	snprintf(path, sizeof(path), "/v1/entries/%s", id1);
	r = http(&E.d, "GET", path, E.auditor, NULL, NULL);
	expect(&r, 200, NULL);
	ck_assert_ptr_nonnull(strstr(r.body, hash1));
	resp_free(&r);
	r = http(&E.d, "GET", "/v1/entries/00000000-0000-4000-8000-000000000000", E.auditor, NULL, NULL);
	expect(&r, 404, "not-found");
	resp_free(&r);
	r = http(&E.d, "GET", "/v1/entries/not-a-uuid", E.auditor, NULL, NULL);
	expect(&r, 404, "not-found");
	resp_free(&r);

	/* balances: current, as of dates, in the normal direction */
	r = http(&E.d, "GET", "/v1/accounts/4010/balance", E.auditor, NULL, NULL);
	expect(&r, 200, NULL);
	ck_assert_str_eq(r.body, "{\"account\":\"4010\",\"currency\":\"EUR\",\"balance\":\"500000.01\",\"as_of\":null}");
	resp_free(&r);
	r = http(&E.d, "GET", "/v1/accounts/1010/balance?as_of=2019-02-28", E.auditor, NULL, NULL);
	ck_assert_str_eq(r.body, "{\"account\":\"1010\",\"currency\":\"EUR\",\"balance\":\"500000.00\",\"as_of\":\"2019-02-28\"}");
	resp_free(&r);
	r = http(&E.d, "GET", "/v1/accounts/1010/balance?as_of=2019-02-13", E.auditor, NULL, NULL);
	ck_assert_str_eq(r.body, "{\"account\":\"1010\",\"currency\":\"EUR\",\"balance\":\"0.00\",\"as_of\":\"2019-02-13\"}");
	resp_free(&r);
	/* a back-dated entry moves every later running balance */
	entry_body(body, sizeof(body), "2019-01-05", "1010", "4010", "1.00");
	post_ok("/v1/entries", body, NULL);
	r = http(&E.d, "GET", "/v1/accounts/1010/balance?as_of=2019-02-28", E.auditor, NULL, NULL);
	ck_assert_str_eq(r.body, "{\"account\":\"1010\",\"currency\":\"EUR\",\"balance\":\"500001.00\",\"as_of\":\"2019-02-28\"}");
	resp_free(&r);
	r = http(&E.d, "GET", "/v1/accounts/1010", E.auditor, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(r.body, "\"balance\":\"500001.01\""));
	resp_free(&r);

	/* list: oldest first, paging with next, filters */
	r = http(&E.d, "GET", "/v1/entries?limit=2", E.auditor, NULL, NULL);
	expect(&r, 200, NULL);
	o = json_loads(r.body, 0, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(o, "entries")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(o, "entries"), 0), "id")), id1);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "next")), 2);
	json_decref(o);
	resp_free(&r);
	r = http(&E.d, "GET", "/v1/entries?limit=2&after=2", E.auditor, NULL, NULL);
	o = json_loads(r.body, 0, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(o, "entries")), 1);
	ck_assert(json_is_null(json_object_get(o, "next")));
	json_decref(o);
	resp_free(&r);
	r = http(&E.d, "GET", "/v1/entries?account=1010&from=2019-02-01&to=2019-02-28", E.auditor, NULL, NULL);
	o = json_loads(r.body, 0, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(o, "entries")), 1);
	json_decref(o);
	resp_free(&r);
	r = http(&E.d, "GET", "/v1/entries?account=1020", E.auditor, NULL, NULL);
	ck_assert_str_eq(r.body, "{\"entries\":[],\"next\":null}");
	resp_free(&r);

	r = http(&E.d, "GET", "/v1/journal/verify", E.auditor, NULL, NULL);
	expect(&r, 200, NULL);
	ck_assert_ptr_nonnull(strstr(r.body, "\"ok\":true,\"entries\":3"));
	resp_free(&r);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit WHERE action = 'entry.post'"), 3);
	free(id1);
	free(id2);
	free(hash1);
}
END_TEST

START_TEST(test_entry_reverse__swaps_sides_links_and_refuses_twice)
{
	char body[1024], path[160];
	char *id = NULL, *rid = NULL;
	struct resp r;
	json_t *o;

	entry_body(body, sizeof(body), "2019-02-14", "1010", "4010", "250.00");
	post_ok("/v1/entries", body, &id);
	snprintf(path, sizeof(path), "/v1/entries/%s/reverse", id);
	r = http(&E.d, "POST", path, E.finance, NULL, "{\"date\":\"2019-02-20\",\"memo\":\"wrong donor\"}");
	expect(&r, 201, NULL);
	o = json_loads(r.body, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(o, "reverses")), id);
	ck_assert_str_eq(json_string_value(json_object_get(o, "memo")), "wrong donor");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(o, "postings"), 0), "side")), "credit");
	rid = strdup(json_string_value(json_object_get(o, "id")));
	json_decref(o);
	resp_free(&r);
	r = http(&E.d, "POST", path, E.finance, NULL, "{\"date\":\"2019-02-21\"}");
	expect(&r, 422, "already-reversed");
	resp_free(&r);
	snprintf(path, sizeof(path), "/v1/entries/%s", id);
	r = http(&E.d, "GET", path, E.auditor, NULL, NULL);
	o = json_loads(r.body, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(o, "reversed_by")), rid);
	json_decref(o);
	resp_free(&r);
	r = http(&E.d, "GET", "/v1/accounts/1010/balance", E.auditor, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(r.body, "\"balance\":\"0.00\""));
	resp_free(&r);
	r = http(&E.d, "GET", "/v1/accounts/1010/balance?as_of=2019-02-19", E.auditor, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(r.body, "\"balance\":\"250.00\""));
	resp_free(&r);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM entries"), 2);
	free(id);
	free(rid);
}
END_TEST

START_TEST(test_entry_batch__all_or_nothing)
{
	char e1[512], e2[512], body[2048];
	struct resp r;
	json_t *o;

	entry_body(e1, sizeof(e1), "2019-04-01", "1010", "4010", "10.00");
	entry_body(e2, sizeof(e2), "2019-04-02", "1010", "4010", "20.00");
	snprintf(body, sizeof(body), "{\"entries\":[%s,%s]}", e1, e2);
	r = http(&E.d, "POST", "/v1/entries/batch", E.finance, NULL, body);
	expect(&r, 201, NULL);
	o = json_loads(r.body, 0, NULL);
	ck_assert_int_eq(json_array_size(json_object_get(o, "entries")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(o, "entries"), 1), "sequence")), 2);
	json_decref(o);
	resp_free(&r);
	/* the second entry names an unknown account: nothing of the batch is kept */
	entry_body(e2, sizeof(e2), "2019-04-02", "1010", "4999", "20.00");
	snprintf(body, sizeof(body), "{\"entries\":[%s,%s]}", e1, e2);
	r = http(&E.d, "POST", "/v1/entries/batch", E.finance, NULL, body);
	expect(&r, 422, "unknown-account");
	ck_assert_ptr_nonnull(strstr(r.body, "entries[1].postings[1].account"));
	resp_free(&r);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM entries"), 2);
	r = http(&E.d, "GET", "/v1/accounts/4010/balance", E.auditor, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(r.body, "\"balance\":\"30.00\""));
	resp_free(&r);
}
END_TEST

START_TEST(test_period_close__refuses_entries_dated_inside)
{
	char body[1024];
	struct resp r;

	r = http(&E.d, "POST", "/v1/periods/2019-01/close", E.finance, NULL, NULL);
	expect(&r, 201, NULL);
	resp_free(&r);
	r = http(&E.d, "POST", "/v1/periods/2019-01/close", E.finance, NULL, NULL);
	expect(&r, 409, "conflict");
	resp_free(&r);
	entry_body(body, sizeof(body), "2019-01-31", "1010", "4010", "1.00");
	r = http(&E.d, "POST", "/v1/entries", E.finance, NULL, body);
	expect(&r, 422, "period-closed");
	resp_free(&r);
	entry_body(body, sizeof(body), "2019-02-01", "1010", "4010", "1.00");
	post_ok("/v1/entries", body, NULL);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM entries"), 1);
}
END_TEST

START_TEST(test_idempotency__replays_first_answer_and_refuses_other_body)
{
	char body[1024], other[1024];
	struct resp a, b, c;

	entry_body(body, sizeof(body), "2019-02-14", "1010", "4010", "7.00");
	entry_body(other, sizeof(other), "2019-02-14", "1010", "4010", "8.00");
	a = http(&E.d, "POST", "/v1/entries", E.finance, "key-1", body);
	expect(&a, 201, NULL);
	b = http(&E.d, "POST", "/v1/entries", E.finance, "key-1", body);
	expect(&b, 201, NULL);
	ck_assert_str_eq(a.body, b.body);
	c = http(&E.d, "POST", "/v1/entries", E.finance, "key-1", other);
	expect(&c, 409, "conflict");
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM entries"), 1);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM entries WHERE idempotency_key = 'key-1'"), 1);
	resp_free(&a);
	resp_free(&b);
	resp_free(&c);
	/* accounts too */
	a = http(&E.d, "POST", "/v1/accounts", E.finance, "key-2",
		 "{\"code\":\"5010\",\"name\":\"Travel\",\"type\":\"expense\",\"currency\":\"EUR\"}");
	b = http(&E.d, "POST", "/v1/accounts", E.finance, "key-2",
		 "{\"code\":\"5010\",\"name\":\"Travel\",\"type\":\"expense\",\"currency\":\"EUR\"}");
	expect(&a, 201, NULL);
	expect(&b, 201, NULL);
	ck_assert_str_eq(a.body, b.body);
	resp_free(&a);
	resp_free(&b);
}
END_TEST

/* --- roles ---------------------------------------------------------------------- */

struct call {
	const char *method;
	char path[160];
	char body[1024];
	long status;
};

START_TEST(test_roles__matrix)
{
	static const char *const roles[] = {"admin", "finance", "secretariat", "auditor",
					    "approver"};
	char *approver = make_token(E.conninfo, "approver", "apr");
	char *tokens[5] = {E.admin, E.finance, E.secretariat, E.auditor, approver};
	char body[512], path[160], *ids[5];

	for (int i = 0; i < 5; i++) {
		entry_body(body, sizeof(body), "2019-05-01", "1010", "4010", "1.00");
		post_ok("/v1/entries", body, &ids[i]);
	}
	/* an approver alone approves rankings: the journal is not theirs to read */
	for (int i = 0; i < 5; i++) {
		bool writer = i < 2;
		long w = writer ? 201 : 403, rd = i < 4 ? 200 : 403;
		struct call calls[12];
		int n = 0;

		calls[n] = (struct call){"POST", "/v1/accounts", "", w};
		snprintf(calls[n++].body, sizeof(body),
			 "{\"code\":\"R-%s\",\"name\":\"x\",\"type\":\"memo\",\"currency\":\"EUR\"}", roles[i]);
		calls[n] = (struct call){"POST", "/v1/entries", "", w};
		entry_body(calls[n++].body, sizeof(body), "2019-05-02", "1010", "4010", "2.00");
		calls[n] = (struct call){"POST", "/v1/entries/batch", "", w};
		entry_body(body, sizeof(body), "2019-05-03", "1010", "4010", "3.00");
		snprintf(calls[n++].body, sizeof(calls[0].body), "{\"entries\":[%s]}", body);
		calls[n] = (struct call){"POST", "", "{\"date\":\"2019-05-04\"}", w};
		snprintf(calls[n++].path, sizeof(path), "/v1/entries/%s/reverse", ids[i]);
		calls[n] = (struct call){"POST", "", "", w};
		snprintf(calls[n++].path, sizeof(path), "/v1/periods/2018-%02d/close", i + 1);
		calls[n++] = (struct call){"GET", "/v1/accounts", "", rd};
		calls[n++] = (struct call){"GET", "/v1/accounts/1010", "", rd};
		calls[n++] = (struct call){"GET", "/v1/accounts/1010/balance?as_of=2019-05-01", "", rd};
		calls[n++] = (struct call){"GET", "/v1/entries", "", rd};
		calls[n] = (struct call){"GET", "", "", rd};
		snprintf(calls[n++].path, sizeof(path), "/v1/entries/%s", ids[i]);
		calls[n++] = (struct call){"GET", "/v1/journal/verify", "", rd};
		for (int k = 0; k < n; k++) {
			struct resp r = http(&E.d, calls[k].method, calls[k].path, tokens[i], NULL,
					     calls[k].body[0] ? calls[k].body : NULL);

			ck_assert_msg(r.status == calls[k].status, "%s %s %s: %ld, want %ld: %s",
				      roles[i], calls[k].method, calls[k].path, r.status,
				      calls[k].status, r.body);
			if (calls[k].status == 403)
				expect(&r, 403, "forbidden");
			resp_free(&r);
		}
	}
	/* a revoked token is refused */
	{
		const char *argv[] = {harness_bin_tfledger(), "token", "revoke", "--name", "aud",
				      "--database", E.conninfo, NULL};
		struct resp r;

		ck_assert_int_eq(harness_run(NULL, NULL, NULL, argv), 0);
		r = http(&E.d, "GET", "/v1/accounts", E.auditor, NULL, NULL);
		expect(&r, 401, "unauthenticated");
		resp_free(&r);
	}
	for (int i = 0; i < 5; i++)
		free(ids[i]);
	free(approver);
}
END_TEST

/*
 * Revocation holds for every request that starts after `tfledger token
 * revoke` returned, however late the daemon hears of it: many rounds of
 * create (ledger_token_create, what `token create` runs, in-process on a
 * new connection to keep a round short), use, revoke with the real CLI, and use again at once on a
 * kept-alive connection (the fastest a client can come back). Its own test
 * case: its rounds take long on a loaded machine.
 */
START_TEST(test_token_revoke__refuses_the_next_request_every_time)
{
	CURL *h = curl_easy_init();

	ck_assert_ptr_nonnull(h);
	for (int i = 0; i < 300; i++) {
		char name[32], tok[LEDGER_TOKEN_BYTES];
		const char *argv[] = {harness_bin_tfledger(), "token", "revoke", "--name", name,
				      "--database", E.conninfo, NULL};
		PGconn *c = harness_connect(E.conninfo);
		struct resp r;

		snprintf(name, sizeof(name), "rev-%d", i);
		ck_assert_int_eq(ledger_store_setup_owner(c), 0);
		ck_assert_msg(ledger_token_create(tok, c, "auditor", name, NULL) == 0, "%s",
			      err_last());
		PQfinish(c);
		r = http_on(h, &E.d, "GET", "/v1/accounts/1010", tok, NULL, NULL, 0);
		ck_assert_msg(r.status == 200, "round %d, before the revoke: %ld %s", i, r.status,
			      r.body);
		resp_free(&r);
		ck_assert_int_eq(harness_run(NULL, NULL, NULL, argv), 0);
		r = http_on(h, &E.d, "GET", "/v1/accounts/1010", tok, NULL, NULL, 0);
		ck_assert_msg(r.status == 401, "round %d, after the revoke: status %ld, want 401: %s",
			      i, r.status, r.body);
		resp_free(&r);
	}
	curl_easy_cleanup(h);
}
END_TEST

/* --- bad requests -------------------------------------------------------------- */

#define P(acct, side, amount, ccy) \
	"{\"account\":\"" acct "\",\"side\":\"" side "\",\"amount\":\"" amount "\",\"currency\":\"" ccy "\"}"
#define GOOD_POSTINGS "[" P("1010", "debit", "5.00", "EUR") "," P("4010", "credit", "5.00", "EUR") "]"

enum who { FIN, NONE, BAD, AUDITOR, SECRETARIAT, BASIC };
static const char BIG[] = "(the oversized body)";

static const struct bad_request {
	const char *name;
	const char *method, *path;
	enum who who;
	const char *key;
	const char *body; /* NULL: none; BIG: one byte over the limit */
	long status;
	const char *code;
} bad_requests[] = {
	{"malformed JSON", "POST", "/v1/entries", FIN, NULL, "{", 400, "invalid-json"},
	{"not an object", "POST", "/v1/entries", FIN, NULL, "[]", 400, "invalid-json"},
	{"empty body", "POST", "/v1/entries", FIN, NULL, "", 400, "invalid-json"},
	{"trailing garbage", "POST", "/v1/entries", FIN, NULL, "{} x", 400, "invalid-json"},
	{"duplicate key", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"date\":\"2019-02-15\",\"postings\":" GOOD_POSTINGS "}", 400, "invalid-json"},
	{"invalid UTF-8", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"memo\":\"\xc3\x28\",\"postings\":" GOOD_POSTINGS "}", 400, "invalid-json"},
	{"missing date", "POST", "/v1/entries", FIN, NULL, "{\"postings\":" GOOD_POSTINGS "}", 400, "invalid-field"},
	{"date as number", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":20190214,\"postings\":" GOOD_POSTINGS "}", 400, "invalid-field"},
	{"impossible date", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-29\",\"postings\":" GOOD_POSTINGS "}", 400, "invalid-field"},
	{"memo as number", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"memo\":1,\"postings\":" GOOD_POSTINGS "}", 400, "invalid-field"},
	{"postings not array", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":{}}", 400, "invalid-field"},
	{"unknown entry field", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"colour\":\"red\",\"postings\":" GOOD_POSTINGS "}", 400, "invalid-field"},
	{"unknown posting field", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[{\"account\":\"1010\",\"side\":\"debit\",\"amount\":\"5.00\",\"currency\":\"EUR\",\"x\":1}," P("4010", "credit", "5.00", "EUR") "]}",
	 400, "invalid-field"},
	{"amount as JSON number", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[{\"account\":\"1010\",\"side\":\"debit\",\"amount\":5.00,\"currency\":\"EUR\"}," P("4010", "credit", "5.00", "EUR") "]}",
	 400, "invalid-field"},
	{"amount 1e3", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[" P("1010", "debit", "1e3", "EUR") "," P("4010", "credit", "1e3", "EUR") "]}", 400, "invalid-field"},
	{"amount with wrong digits", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[" P("1010", "debit", "5.0", "EUR") "," P("4010", "credit", "5.0", "EUR") "]}", 400, "invalid-field"},
	{"negative amount", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[" P("1010", "debit", "-5.00", "EUR") "," P("4010", "credit", "-5.00", "EUR") "]}", 400, "invalid-field"},
	{"zero amount", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[" P("1010", "debit", "0.00", "EUR") "," P("4010", "credit", "0.00", "EUR") "]}", 400, "invalid-field"},
	{"overflowing amount", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[" P("1010", "debit", "92233720368547758.08", "EUR") "," P("4010", "credit", "92233720368547758.08", "EUR") "]}", 400, "invalid-field"},
	{"overflowing total", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[" P("1010", "debit", "92233720368547758.07", "EUR") "," P("1010", "debit", "92233720368547758.07", "EUR") "," P("4010", "credit", "1.00", "EUR") "]}", 400, "invalid-field"},
	{"bad side", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[" P("1010", "left", "5.00", "EUR") "," P("4010", "credit", "5.00", "EUR") "]}", 400, "invalid-field"},
	{"unknown currency", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[" P("1010", "debit", "5.00", "EUX") "," P("4010", "credit", "5.00", "EUX") "]}", 400, "invalid-field"},
	{"unknown account", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[" P("1099", "debit", "5.00", "EUR") "," P("4010", "credit", "5.00", "EUR") "]}", 422, "unknown-account"},
	{"currency mismatch", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[" P("1010", "debit", "5.00", "USD") "," P("1020", "credit", "5.00", "USD") "]}", 422, "currency-mismatch"},
	{"one posting", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[" P("1010", "debit", "5.00", "EUR") "]}", 422, "unbalanced-entry"},
	{"unbalanced", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[" P("1010", "debit", "5.00", "EUR") "," P("4010", "credit", "4.99", "EUR") "]}", 422, "unbalanced-entry"},
	{"balanced in total, not per currency", "POST", "/v1/entries", FIN, NULL,
	 "{\"date\":\"2019-02-14\",\"postings\":[" P("1010", "debit", "5.00", "EUR") "," P("1020", "credit", "5.00", "USD") "]}", 422, "unbalanced-entry"},
	{"no token", "POST", "/v1/entries", NONE, NULL, "{\"date\":\"2019-02-14\",\"postings\":" GOOD_POSTINGS "}", 401, "unauthenticated"},
	{"wrong token", "POST", "/v1/entries", BAD, NULL, "{\"date\":\"2019-02-14\",\"postings\":" GOOD_POSTINGS "}", 401, "unauthenticated"},
	{"basic auth", "POST", "/v1/entries", BASIC, NULL, "{\"date\":\"2019-02-14\",\"postings\":" GOOD_POSTINGS "}", 401, "unauthenticated"},
	{"auditor writes", "POST", "/v1/entries", AUDITOR, NULL, "{\"date\":\"2019-02-14\",\"postings\":" GOOD_POSTINGS "}", 403, "forbidden"},
	{"secretariat writes", "POST", "/v1/entries", SECRETARIAT, NULL, "{\"date\":\"2019-02-14\",\"postings\":" GOOD_POSTINGS "}", 403, "forbidden"},
	{"body over the limit", "POST", "/v1/entries", FIN, NULL, BIG, 413, "too-large"},
	{"idempotency key reused", "POST", "/v1/entries", FIN, "used-key",
	 "{\"date\":\"2019-02-15\",\"postings\":" GOOD_POSTINGS "}", 409, "conflict"},
	{"idempotency key too long", "POST", "/v1/entries", FIN,
	 "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
	 "{\"date\":\"2019-02-14\",\"postings\":" GOOD_POSTINGS "}", 400, "invalid-field"},
	{"empty batch", "POST", "/v1/entries/batch", FIN, NULL, "{\"entries\":[]}", 400, "invalid-field"},
	{"batch with an unbalanced entry", "POST", "/v1/entries/batch", FIN, NULL,
	 "{\"entries\":[{\"date\":\"2019-02-14\",\"postings\":" GOOD_POSTINGS "},{\"date\":\"2019-02-14\",\"postings\":[" P("1010", "debit", "5.00", "EUR") "," P("4010", "credit", "4.00", "EUR") "]}]}",
	 422, "unbalanced-entry"},
	{"account with bad type", "POST", "/v1/accounts", FIN, NULL,
	 "{\"code\":\"7000\",\"name\":\"x\",\"type\":\"equity\",\"currency\":\"EUR\"}", 400, "invalid-field"},
	{"account with bad currency", "POST", "/v1/accounts", FIN, NULL,
	 "{\"code\":\"7000\",\"name\":\"x\",\"type\":\"asset\",\"currency\":\"eur\"}", 400, "invalid-field"},
	{"account with bad code", "POST", "/v1/accounts", FIN, NULL,
	 "{\"code\":\"70 00\",\"name\":\"x\",\"type\":\"asset\",\"currency\":\"EUR\"}", 400, "invalid-field"},
	{"account with unknown field", "POST", "/v1/accounts", FIN, NULL,
	 "{\"code\":\"7000\",\"name\":\"x\",\"type\":\"asset\",\"currency\":\"EUR\",\"balance\":\"9.00\"}", 400, "invalid-field"},
	{"reverse an unknown entry", "POST", "/v1/entries/00000000-0000-4000-8000-000000000000/reverse", FIN, NULL,
	 "{\"date\":\"2019-02-14\"}", 404, "not-found"},
	{"close a bad month", "POST", "/v1/periods/2019-13/close", FIN, NULL, NULL, 400, "invalid-field"},
	{"list with bad limit", "GET", "/v1/entries?limit=0", FIN, NULL, NULL, 400, "invalid-field"},
	{"unknown query parameter", "GET", "/v1/entries?acount=1010", FIN, NULL, NULL, 400, "invalid-field"},
	{"bad as_of", "GET", "/v1/accounts/1010/balance?as_of=yesterday", FIN, NULL, NULL, 400, "invalid-field"},
	{"unknown route", "GET", "/v1/ledgers", FIN, NULL, NULL, 404, "not-found"},
};

static const char *state_sql =
	"SELECT (SELECT count(*) FROM entries) || '/' || (SELECT count(*) FROM postings) || '/' ||"
	" (SELECT count(*) FROM accounts) || '/' || (SELECT count(*) FROM balances) || '/' ||"
	" (SELECT count(*) FROM audit) || '/' || (SELECT count(*) FROM idempotency_keys) || '/' ||"
	" (SELECT count(*) FROM closed_periods) || '/' || (SELECT sequence FROM ledger_head) ||"
	" '/' || (SELECT sum(debit_balance) FROM balances)";

START_TEST(test_bad_requests__answer_their_code_and_store_nothing)
{
	size_t n = sizeof(bad_requests) / sizeof(bad_requests[0]);
	char *before, *after, *big;
	char body[1024];
	struct resp r;

	ck_assert_int_ge(n, 30);
	/* the key that one row reuses with another body */
	entry_body(body, sizeof(body), "2019-02-14", "1010", "4010", "5.00");
	r = http(&E.d, "POST", "/v1/entries", E.finance, "used-key", body);
	expect(&r, 201, NULL);
	resp_free(&r);
	before = query_str(E.conninfo, state_sql);
	big = malloc(LIMIT_HTTP_BODY_BYTES + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', LIMIT_HTTP_BODY_BYTES + 1);
	big[0] = '{';
	big[LIMIT_HTTP_BODY_BYTES] = '}';
	big[LIMIT_HTTP_BODY_BYTES + 1] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct bad_request *b = &bad_requests[i];
		const char *token = b->who == FIN ? E.finance
				    : b->who == AUDITOR ? E.auditor
				    : b->who == SECRETARIAT ? E.secretariat
				    : b->who == BAD ? "tfl_0000000000000000_0000000000000000000000000000000000000000000000000000000000000000"
				    : b->who == BASIC ? "Basic Zm9vOmJhcg=="
				    : NULL;
		const char *payload = b->body == BIG ? big : b->body;
		char *code;

		r = http_on(NULL, &E.d, b->method, b->path, token, b->key, payload,
			    payload ? strlen(payload) : 0);
		code = error_code(r.body);
		ck_assert_msg(r.status == b->status && code && strcmp(code, b->code) == 0,
			      "%s: got %ld %s, want %ld %s: %s", b->name, r.status, code, b->status,
			      b->code, r.body);
		ck_assert_msg(r.request_id[0], "%s: no X-Request-Id", b->name);
		/* invalid UTF-8 names its field, not only the byte */
		if (strcmp(b->name, "invalid UTF-8") == 0)
			ck_assert_msg(strstr(r.body, "memo: invalid UTF-8"), "%s", r.body);
		free(code);
		resp_free(&r);
	}
	after = query_str(E.conninfo, state_sql);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	free(big);
}
END_TEST

/* --- healthz, metrics, request ids -------------------------------------------- */

START_TEST(test_daemon__healthz_metrics_and_request_id)
{
	struct resp r = http(&E.d, "GET", "/healthz", NULL, NULL, NULL);
	char body[1024];

	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "{\"status\":\"ok\"}");
	ck_assert_int_eq(strlen(r.request_id), 32);
	resp_free(&r);
	entry_body(body, sizeof(body), "2019-02-14", "1010", "4010", "5.00");
	post_ok("/v1/entries", body, NULL);
	r = http(&E.d, "GET", "/metrics", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "tfledger_http_requests_total{route=\"entry_post\",status=\"201\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "tfledger_entries_committed_total 1\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "tfledger_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
	ck_assert_ptr_nonnull(strstr(r.body, "tfledger_group_commit_entries_count 1\n"));
	ck_assert_ptr_nonnull(strstr(r.body, "tfledger_db_errors_total 0\n"));
	resp_free(&r);
	/* the audit row carries the request id the client saw */
	{
		char *rid = query_str(E.conninfo, "SELECT request_id FROM audit WHERE action = 'entry.post'");

		ck_assert_int_eq(strlen(rid), 32);
		free(rid);
	}
}
END_TEST

/* --- the database defends itself ------------------------------------------------ */

START_TEST(test_db__refuses_unbalanced_changed_and_deleted_journal_rows)
{
	/* after the closed month; the role is reset after each */
	static const struct {
		const char *sql, *want;
	} refused[] = {
		/* what the journal refers to keeps its key */
		{"DELETE FROM accounts WHERE code = '1010'", "DELETE on accounts refused"},
		{"UPDATE accounts SET currency = 'USD' WHERE code = '1010'",
		 "UPDATE on accounts refused"},
		{"UPDATE tokens SET id = 'ffffffffffffffff'", "UPDATE on tokens refused"},
		{"DELETE FROM tokens", "DELETE on tokens refused"},
		/* an entry dated in the closed month, written by hand */
		{"INSERT INTO entries VALUES ('11111111-1111-4111-8111-111111111111', 99,"
		 " '2018-01-31', '', '', now(), (SELECT id FROM tokens LIMIT 1), NULL, NULL, NULL,"
		 " repeat('0', 64), repeat('1', 64))",
		 "period-closed 2018-01"},
		/* the daemon's role cannot reach the queue of the deferred check */
		{"SET ROLE tfledger_daemon; DELETE FROM ledger_unchecked", "permission denied"},
		/* triggers: no UPDATE, DELETE or TRUNCATE, even for the superuser */
		{"UPDATE postings SET amount = amount + 1", "append-only"},
		{"UPDATE entries SET memo = 'changed'", "append-only"},
		{"DELETE FROM postings", "append-only"},
		{"DELETE FROM entries", "append-only"},
		/* CASCADE: bank_line_matches (0042) refers to postings */
		{"TRUNCATE postings, entries CASCADE", "append-only"},
		/* the daemon's role has no such privilege even with triggers disabled */
		{"SET ROLE tfledger_daemon; UPDATE entries SET memo = 'x'", "permission denied"},
		{"SET ROLE tfledger_daemon; DELETE FROM postings", "permission denied"},
		{"SET ROLE tfledger_daemon; TRUNCATE entries", "permission denied"},
		{"SET ROLE tfledger_daemon; UPDATE tokens SET role = 'admin'", "permission denied"},
	};
	char body[1024];
	char *id;
	char sql[1024];
	PGconn *c;

	entry_body(body, sizeof(body), "2019-02-14", "1010", "4010", "5.00");
	post_ok("/v1/entries", body, &id);
	c = harness_connect(E.conninfo); /* the superuser */
	/* an unbalanced entry is refused at commit by the deferred trigger */
	harness_sql_refused(c, "BEGIN;"
			       "INSERT INTO entries VALUES ('11111111-1111-4111-8111-111111111111', 99, '2019-02-14', '', '', now(),"
			       " (SELECT id FROM tokens LIMIT 1), NULL, NULL, NULL, repeat('0', 64), repeat('1', 64));"
			       "INSERT INTO postings VALUES ('11111111-1111-4111-8111-111111111111', 1, '1010', 'debit', 500, 'EUR');"
			       "INSERT INTO postings VALUES ('11111111-1111-4111-8111-111111111111', 2, '4010', 'credit', 499, 'EUR');"
			       "COMMIT", "unbalanced-entry");
	PQclear(PQexec(c, "ROLLBACK"));
	/* lines must be 1..n (0004): then a posting added later has line > 2,
	 * which is what makes postings_balanced fire for it */
	harness_sql_refused(c, "BEGIN;"
			       "INSERT INTO entries VALUES ('11111111-1111-4111-8111-111111111111', 99, '2019-02-14', '', '', now(),"
			       " (SELECT id FROM tokens LIMIT 1), NULL, NULL, NULL, repeat('0', 64), repeat('1', 64));"
			       "INSERT INTO postings VALUES ('11111111-1111-4111-8111-111111111111', 2, '1010', 'debit', 500, 'EUR');"
			       "INSERT INTO postings VALUES ('11111111-1111-4111-8111-111111111111', 3, '4010', 'credit', 500, 'EUR');"
			       "COMMIT", "lines 2..3");
	PQclear(PQexec(c, "ROLLBACK"));
	/* hashes are 64 lower-case hex digits (0004's CHECK without a regex) */
	harness_sql_refused(c, "INSERT INTO entries VALUES ('11111111-1111-4111-8111-111111111111', 99, '2019-02-14', '', '', now(),"
			       " (SELECT id FROM tokens LIMIT 1), NULL, NULL, NULL, repeat('0', 64), repeat('A', 64))",
			    "entries_hash_check");
	harness_sql_refused(c, "INSERT INTO entries VALUES ('11111111-1111-4111-8111-111111111111', 99, '2019-02-14', '', '', now(),"
			       " (SELECT id FROM tokens LIMIT 1), NULL, NULL, NULL, repeat('0', 63), repeat('1', 64))",
			    "entries_prev_hash_check");
	/* an entry without postings too */
	harness_sql_refused(c, "INSERT INTO entries VALUES ('11111111-1111-4111-8111-111111111111', 99, '2019-02-14', '', '', now(),"
			       " (SELECT id FROM tokens LIMIT 1), NULL, NULL, NULL, repeat('0', 64), repeat('1', 64))",
			    "unbalanced-entry");
	/* a posting added to a stored entry unbalances it */
	snprintf(sql, sizeof(sql), "INSERT INTO postings VALUES ('%s', 3, '1010', 'debit', 1, 'EUR')", id);
	harness_sql_refused(c, sql, "unbalanced-entry");
	/* CHECKs: amount > 0, currency = the account's */
	snprintf(sql, sizeof(sql), "BEGIN; SET CONSTRAINTS ALL IMMEDIATE;"
		 " INSERT INTO postings VALUES ('%s', 4, '1010', 'debit', 0, 'EUR')", id);
	harness_sql_refused(c, sql, "postings_amount_check");
	PQclear(PQexec(c, "ROLLBACK"));
	snprintf(sql, sizeof(sql), "INSERT INTO postings VALUES ('%s', 4, '1010', 'debit', 1, 'USD')", id);
	harness_sql_refused(c, sql, "foreign key");
	/* references are statement triggers since 0006; each refuses its row */
	harness_sql_refused(c, "INSERT INTO postings VALUES ('22222222-2222-7222-8222-222222222222', 3, '1010',"
			       " 'debit', 1, 'EUR')", "no entry 22222222");
	harness_sql_refused(c, "INSERT INTO entries VALUES ('11111111-1111-4111-8111-111111111111', 99, '2019-02-14',"
			       " '', '', now(), 'ffffffffffffffff', NULL, NULL, NULL, repeat('0', 64), repeat('1', 64))",
			    "no token ffffffffffffffff");
	harness_sql_refused(c, "INSERT INTO entries VALUES ('11111111-1111-4111-8111-111111111111', 99, '2019-02-14',"
			       " '', '', now(), (SELECT id FROM tokens LIMIT 1), NULL, NULL,"
			       " '33333333-3333-7333-8333-333333333333', repeat('0', 64), repeat('1', 64))",
			    "no entry 33333333-3333-7333-8333-333333333333 to reverse");
	/* postings written by hand reach the currency totals at commit (the
	 * deferred fold of 0069), as ledger_append()'s do in its turn */
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT debits FROM ledger_currency_totals"
					      " WHERE currency = 'EUR'"), 500);
	{
		PGresult *r = PQexec(c, "BEGIN;"
			"INSERT INTO entries VALUES ('11111111-1111-4111-8111-111111111111', 99, '2019-02-14', '', '',"
			" now(), (SELECT id FROM tokens LIMIT 1), NULL, NULL, NULL, repeat('0', 64), repeat('1', 64));"
			"INSERT INTO postings VALUES ('11111111-1111-4111-8111-111111111111', 1, '1010', 'debit', 700, 'EUR'),"
			" ('11111111-1111-4111-8111-111111111111', 2, '4010', 'credit', 700, 'EUR');"
			"SET CONSTRAINTS ledger_currency_pending_check IMMEDIATE;"
			"SELECT (SELECT debits FROM ledger_currency_totals WHERE currency = 'EUR') || ' '"
			" || (SELECT count(*) FROM ledger_currency_pending)");

		ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
		ck_assert_str_eq(PQgetvalue(r, 0, 0), "1200 0");
		PQclear(r);
		PQclear(PQexec(c, "ROLLBACK"));
	}
	/* an entry dated in a closed month, written by hand */
	PQclear(PQexec(c, "INSERT INTO closed_periods (month, token_id)"
			  " VALUES ('2018-01-01', (SELECT id FROM tokens LIMIT 1))"));
	for (size_t i = 0; i < HARNESS_N(refused); i++) {
		harness_sql_refused(c, refused[i].sql, refused[i].want);
		PQclear(PQexec(c, "RESET ROLE"));
	}
	PQfinish(c);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM postings"), 2);
	free(id);
}
END_TEST

/* --- the hash chain detects tampering ------------------------------------------- */

static void expect_verify(const char *want_ok, long long bad_seq)
{
	struct resp r = http(&E.d, "GET", "/v1/journal/verify", E.auditor, NULL, NULL);
	json_t *o = json_loads(r.body, 0, NULL);

	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strcmp(want_ok, "true") == 0 ? json_is_true(json_object_get(o, "ok"))
						    : json_is_false(json_object_get(o, "ok")),
		      "verify: %s", r.body);
	if (bad_seq >= 0)
		ck_assert_msg(json_integer_value(json_object_get(o, "first_bad_sequence")) == bad_seq,
			      "verify: %s, want first bad %lld", r.body, bad_seq);
	json_decref(o);
	resp_free(&r);
	/* the CLI says the same, straight from the database */
	{
		const char *argv[] = {harness_bin_tfledger(), "verify", "--database", E.conninfo, NULL};
		char *out = NULL;
		int rc = harness_run(&out, NULL, NULL, argv);

		ck_assert_msg(rc == (strcmp(want_ok, "true") == 0 ? 0 : 2), "tfledger verify: %d %s", rc, out);
		free(out);
	}
}

static void tamper(const char *sql)
{
	PGconn *c = harness_connect(E.conninfo);
	PGresult *r = PQexec(c, sql);

	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
		      "%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

static void five_entries(void)
{
	char body[1024];

	for (int i = 1; i <= 5; i++) {
		char amount[16];

		snprintf(amount, sizeof(amount), "%d.00", i);
		entry_body(body, sizeof(body), "2019-02-14", "1010", "4010", amount);
		post_ok("/v1/entries", body, NULL);
	}
}

START_TEST(test_verify__detects_a_changed_posting)
{
	five_entries();
	expect_verify("true", -1);
	tamper("SET session_replication_role = replica;"
	       " UPDATE postings SET amount = 301 WHERE entry_id = (SELECT id FROM entries WHERE sequence = 3)");
	expect_verify("false", 3);
}
END_TEST

START_TEST(test_verify__detects_a_changed_memo)
{
	five_entries();
	tamper("SET session_replication_role = replica; UPDATE entries SET memo = 'x' WHERE sequence = 2");
	expect_verify("false", 2);
}
END_TEST

START_TEST(test_verify__detects_a_deleted_entry)
{
	five_entries();
	tamper("SET session_replication_role = replica;"
	       " DELETE FROM postings WHERE entry_id = (SELECT id FROM entries WHERE sequence = 4);"
	       " DELETE FROM entries WHERE sequence = 4");
	expect_verify("false", 4);
}
END_TEST

START_TEST(test_verify__detects_a_deleted_tail)
{
	five_entries();
	tamper("SET session_replication_role = replica;"
	       " DELETE FROM postings WHERE entry_id = (SELECT id FROM entries WHERE sequence = 5);"
	       " DELETE FROM entries WHERE sequence = 5");
	expect_verify("false", 5);
}
END_TEST

START_TEST(test_verify__detects_an_inserted_posting)
{
	five_entries();
	tamper("SET session_replication_role = replica;"
	       " INSERT INTO postings SELECT id, 3, '1010', 'debit', 1, 'EUR' FROM entries WHERE sequence = 2;"
	       " INSERT INTO postings SELECT id, 4, '4010', 'credit', 1, 'EUR' FROM entries WHERE sequence = 2");
	expect_verify("false", 2);
}
END_TEST

START_TEST(test_verify__detects_an_inserted_entry)
{
	five_entries();
	tamper("SET session_replication_role = replica;"
	       " INSERT INTO entries SELECT '22222222-2222-4222-8222-222222222222', 6, date, memo, reference,"
	       "  created_at, token_id, NULL, NULL, NULL, hash, repeat('a', 64) FROM entries WHERE sequence = 5;"
	       " INSERT INTO postings SELECT '22222222-2222-4222-8222-222222222222', line, account, side, amount, currency"
	       "  FROM postings WHERE entry_id = (SELECT id FROM entries WHERE sequence = 5)");
	expect_verify("false", 6);
}
END_TEST

/*
 * The guard of common/db.h against a real server: the ledger's own column
 * declarations pass, and a statement whose SELECT list and column enum
 * differ (columns swapped, one left out, or a name not prepared) is
 * refused at setup with ERR_INTERNAL naming the statement, whether it is
 * alone in its table (one Describe) or among others (a pipeline); the
 * connection stays usable either way.
 */
START_TEST(test_db_columns_verify__refuses_a_select_list_that_drifted)
{
	static const struct db_stmt stmts[] = {
		{"drift_head", "SELECT sequence, hash FROM ledger_head", 0},
	};
	static const char *const right[] = {"sequence", "hash"};
	static const char *const swapped[] = {"hash", "sequence"};
	static const char *const fewer[] = {"sequence"};
	static const struct db_columns ok = DB_COLUMNS("drift_head", right),
				       bad_order = DB_COLUMNS("drift_head", swapped),
				       bad_count = DB_COLUMNS("drift_head", fewer),
				       bad_name = DB_COLUMNS("drift_nosuch", right);
	static const struct {
		struct db_columns cols[3];
		size_t n;
		const char *want; /* in the message; NULL: accepted */
	} cases[] = {
		{{ok}, 1, NULL},
		{{ok, ok, ok}, 3, NULL},
		{{bad_order}, 1, "drift_head: column 0 is \"sequence\", the code reads it as \"hash\""},
		{{ok, bad_order, ok}, 3,
		 "drift_head: column 0 is \"sequence\", the code reads it as \"hash\""},
		{{bad_count}, 1, "drift_head: the statement returns 2 columns, the code reads 1"},
		{{ok, ok, bad_count}, 3, "drift_head: the statement returns 2 columns, the code reads 1"},
		{{bad_name}, 1, "drift_nosuch"},
		{{bad_name, ok, bad_order}, 3, "drift_nosuch"},
	};
	char conninfo[LIMIT_CONNINFO_BYTES];
	PGconn *c;

	harness_new_db(conninfo, sizeof(conninfo));
	c = harness_connect(conninfo);
	ck_assert_msg(ledger_store_setup_owner(c) == 0, "%s", err_last());
	ck_assert_msg(db_prepare(c, stmts, 1) == 0, "%s", err_last());
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = db_columns_verify(c, cases[i].cols, cases[i].n);
		PGresult *r = NULL;

		if (!cases[i].want) {
			ck_assert_msg(rc == 0, "case %zu: %s", i, err_last());
		} else {
			ck_assert_int_eq(rc, ERR_INTERNAL);
			ck_assert_msg(strstr(err_last(), cases[i].want), "case %zu: %s", i,
				      err_last());
		}
		ck_assert_msg(db_exec(&r, c, "drift_head", 0, NULL) == 0 && PQntuples(r) == 1,
			      "case %zu: the connection is not usable after: %s", i, err_last());
		PQclear(r);
	}
	PQfinish(c);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test api[] = {
		{test_accounts__create_get_list_and_conflict, 0},
		{test_entry_post__stores_chains_and_balances, 0},
		{test_entry_reverse__swaps_sides_links_and_refuses_twice, 0},
		{test_entry_batch__all_or_nothing, 0},
		{test_period_close__refuses_entries_dated_inside, 0},
		{test_idempotency__replays_first_answer_and_refuses_other_body, 0},
		{test_roles__matrix, 0},
		{test_bad_requests__answer_their_code_and_store_nothing, 0},
		{test_daemon__healthz_metrics_and_request_id, 0},
		{test_db__refuses_unbalanced_changed_and_deleted_journal_rows, 0},
		{test_verify__detects_a_changed_posting, 0},
		{test_verify__detects_a_changed_memo, 0},
		{test_verify__detects_a_deleted_entry, 0},
		{test_verify__detects_a_deleted_tail, 0},
		{test_verify__detects_an_inserted_posting, 0},
		{test_verify__detects_an_inserted_entry, 0},
	};
	const struct harness_test revoke[] = {
		{test_token_revoke__refuses_the_next_request_every_time, 0},
	};
	const struct harness_test db[] = {
		{test_db_columns_verify__refuses_a_select_list_that_drifted, 0},
	};
	Suite *s = suite_create("ledger");

	harness_add_tcase(s, "api", setup, teardown, 120, api, HARNESS_N(api));
	harness_add_tcase(s, "revoke", setup, teardown, 600, revoke, HARNESS_N(revoke));
	harness_add_tcase(s, "db", NULL, NULL, 0, db, HARNESS_N(db));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
