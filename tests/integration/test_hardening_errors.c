/*
 * test_hardening_errors.c - issue 16 items 4, 5 and 7 against the real
 * tfledgerd and PostgreSQL: a backend killed while it serves a request
 * answers 503 with Retry-After (never 500), and the same Idempotency-Key
 * then settles it with exactly one stored result; an amount that would
 * overflow a running balance is 422 amount-overflow and the books stay
 * usable; contract departures (405 with Allow, an Idempotency-Key scoped
 * to its caller, a missing Host, database text kept from clients).
 */
#include "tests/integration/ledger_fixture.h"

#include <jansson.h>

static struct roles_env E;

static void post_ok(const char *path, const char *body)
{
	json_t *o = call_on(&E.d, "POST", path, E.finance, body, 201);

	json_decref(o);
}

static void setup(void)
{
	roles_env_open(&E);
	daemon_start(&E.d, E.conninfo, E.dir);
	post_ok("/v1/accounts", "{\"code\":\"1010\",\"name\":\"Bank EUR\",\"type\":\"asset\","
				"\"currency\":\"EUR\"}");
	post_ok("/v1/accounts", "{\"code\":\"4010\",\"name\":\"Contributions\",\"type\":"
				"\"revenue\",\"currency\":\"EUR\"}");
}

static void teardown(void)
{
	roles_env_close(&E);
}

static void exec_sql(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

static void expect(const struct resp *r, long status, const char *code)
{
	char *got = error_code(r->body);

	ck_assert_msg(r->status == status, "status %ld, want %ld: %s", r->status, status, r->body);
	if (code)
		ck_assert_msg(got && strcmp(got, code) == 0, "code %s, want %s: %s", got, code,
			      r->body);
	free(got);
}

/*
 * Sends method path (finance token, Idempotency-Key key, body) from a child
 * process while the test holds lock_sql's lock in c; once the request's
 * backend waits on that lock, terminates it (from another connection);
 * returns the child's answer.
 */
static struct resp killed_request(PGconn *c, const char *lock_sql, const char *method,
				  const char *path, const char *key, const char *body)
{
	char file[LIMIT_PATH_BYTES + 32];
	struct resp r = {0};
	pid_t pid;
	int ws, killed = 0;
	FILE *f;
	PGconn *killer = harness_connect(E.conninfo); /* pg_stat_activity is read outside
							 the lock's transaction: a
							 transaction sees one snapshot */

	snprintf(file, sizeof(file), "%s/answer.txt", E.dir);
	exec_sql(c, "BEGIN");
	exec_sql(c, lock_sql);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct resp a = http(&E.d, method, path, E.finance, key, body);

		f = fopen(file, "w");
		if (f) {
			fprintf(f, "%ld\n%s\n%s", a.status, a.retry_after, a.body);
			fclose(f);
		}
		_exit(0);
	}
	for (int i = 0; i < 3000 && !killed; i++) {
		char *n = harness_query_value(
			killer, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
			   " WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
			   " AND datname = current_database()");

		killed = n && atoi(n) > 0;
		free(n);
		usleep(10000);
	}
	exec_sql(c, "ROLLBACK");
	PQfinish(killer);
	while (waitpid(pid, &ws, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	{
		size_t len = 0;
		char *text = harness_slurp(file, &len);
		char *nl1 = strchr(text, '\n'), *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;

		ck_assert_ptr_nonnull(nl2);
		r.status = strtol(text, NULL, 10);
		snprintf(r.retry_after, sizeof(r.retry_after), "%.*s", (int)(nl2 - nl1 - 1),
			 nl1 + 1);
		r.body = strdup(nl2 + 1);
		free(text);
	}
	ck_assert_msg(killed, "no backend waited on the lock; the answer: %ld %s", r.status,
		      r.body);
	return r;
}

START_TEST(test_lost_connection__http_write_answers_503_and_the_key_settles_it)
{
	const char *body = "{\"code\":\"1020\",\"name\":\"Bank USD\",\"type\":\"asset\","
			   "\"currency\":\"USD\"}";
	PGconn *c = harness_connect(E.conninfo);
	struct resp r = killed_request(c, "LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE",
				       "POST", "/v1/accounts", "acc-kill-1", body);

	expect(&r, 503, "unavailable");
	ck_assert_msg(r.retry_after[0], "no Retry-After");
	ck_assert_msg(strstr(r.body, "unknown") && strstr(r.body, "Idempotency-Key"),
		      "the message does not say the outcome is unknown: %s", r.body);
	ck_assert_msg(!strstr(r.body, "server closed") && !strstr(r.body, "terminating"),
		      "database text reached the client: %s", r.body);
	resp_free(&r);
	r = http(&E.d, "POST", "/v1/accounts", E.finance, "acc-kill-1", body);
	expect(&r, 201, NULL);
	resp_free(&r);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM accounts WHERE code = '1020'"),
			 1);
	PQfinish(c);
}
END_TEST

START_TEST(test_lost_connection__the_writer_answers_503_and_the_key_settles_it)
{
	char body[1024];
	PGconn *c = harness_connect(E.conninfo);
	struct resp r;

	entry_body(body, sizeof(body), "2019-02-14", "1010", "4010", "10.00");
	r = killed_request(c, "LOCK TABLE ledger_head IN EXCLUSIVE MODE", "POST", "/v1/entries",
			   "entry-kill-1", body);
	expect(&r, 503, "unavailable");
	ck_assert_msg(r.retry_after[0], "no Retry-After");
	ck_assert_msg(strstr(r.body, "unknown") && strstr(r.body, "Idempotency-Key"),
		      "the message does not say the outcome is unknown: %s", r.body);
	resp_free(&r);
	for (int i = 0; i < 2; i++) { /* the retry, then the replay */
		r = http(&E.d, "POST", "/v1/entries", E.finance, "entry-kill-1", body);
		expect(&r, 201, NULL);
		resp_free(&r);
	}
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM entries"), 1);
	PQfinish(c);
}
END_TEST

static void jpy_entry(char *out, size_t size, const char *debit, const char *credit,
		      const char *amount)
{
	snprintf(out, size,
		 "{\"date\":\"2019-03-01\",\"memo\":\"m\",\"reference\":\"r\",\"postings\":["
		 "{\"account\":\"%s\",\"side\":\"debit\",\"amount\":\"%s\",\"currency\":\"JPY\"},"
		 "{\"account\":\"%s\",\"side\":\"credit\",\"amount\":\"%s\",\"currency\":\"JPY\"}]}",
		 debit, amount, credit, amount);
}

START_TEST(test_overflow__a_running_balance_beyond_int64_is_422_amount_overflow)
{
	char body[1024];
	struct resp r;
	json_t *o;

	post_ok("/v1/accounts", "{\"code\":\"1030\",\"name\":\"Bank JPY\",\"type\":\"asset\","
				"\"currency\":\"JPY\"}");
	post_ok("/v1/accounts", "{\"code\":\"4030\",\"name\":\"Contributions JPY\",\"type\":"
				"\"revenue\",\"currency\":\"JPY\"}");
	/* a little under the bound, so that the JPY postings of the journal
	 * (migration 0067) leave room for the 5 that come back below */
	jpy_entry(body, sizeof(body), "1030", "4030", "9223372036854775800");
	r = http(&E.d, "POST", "/v1/entries", E.finance, NULL, body);
	expect(&r, 201, NULL);
	resp_free(&r);
	jpy_entry(body, sizeof(body), "1030", "4030", "9223372036854775807");
	r = http(&E.d, "POST", "/v1/entries", E.finance, NULL, body);
	expect(&r, 422, "amount-overflow");
	ck_assert_msg(!strstr(r.body, "PL/pgSQL") && !strstr(r.body, "out of range"),
		      "database text reached the client: %s", r.body);
	resp_free(&r);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM entries"), 1);
	/* later postings: one that brings the balance back, one elsewhere */
	jpy_entry(body, sizeof(body), "4030", "1030", "5");
	r = http(&E.d, "POST", "/v1/entries", E.finance, NULL, body);
	expect(&r, 201, NULL);
	resp_free(&r);
	entry_body(body, sizeof(body), "2019-03-02", "1010", "4010", "1.00");
	r = http(&E.d, "POST", "/v1/entries", E.finance, NULL, body);
	expect(&r, 201, NULL);
	resp_free(&r);
	o = call_on(&E.d, "GET", "/v1/accounts/1030", E.auditor, NULL, 200);
	ck_assert_str_eq(json_string_value(json_object_get(o, "balance")), "9223372036854775795");
	json_decref(o);
	r = http(&E.d, "GET", "/v1/journal/verify", E.auditor, NULL, NULL);
	expect(&r, 200, NULL);
	resp_free(&r);
	{
		const char *csv = "currency,month,usd_per_unit\nEUR,2019-03,1.13\nJPY,2019-03,0.009\n";

		r = http_on_typed(NULL, &E.d, "POST", "/v1/rates", E.finance, NULL, "text/csv", csv,
				  strlen(csv));
		expect(&r, 201, NULL);
		resp_free(&r);
	}
	r = http(&E.d, "GET", "/v1/reports/trial-balance?from=2019-03-01&to=2019-03-31",
		 E.auditor, NULL, NULL);
	expect(&r, 200, NULL);
	resp_free(&r);
}
END_TEST

START_TEST(test_method__a_wrong_method_on_a_known_path_is_405_with_allow)
{
	CURL *h = curl_easy_init();
	struct resp r = {0};
	char url[256];
	struct curl_slist *hdr = NULL;
	char auth[200];
	char allow[128] = "";
	long status = 0;

	/* Allow is read from the raw headers */
	snprintf(url, sizeof(url), "%s/v1/accounts/1010", E.d.base);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", E.finance);
	hdr = curl_slist_append(hdr, auth);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
	ck_assert_int_eq(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	{
		struct curl_header *a = NULL;

		if (curl_easy_header(h, "Allow", 0, CURLH_HEADER, -1, &a) == CURLHE_OK)
			snprintf(allow, sizeof(allow), "%s", a->value);
	}
	ck_assert_msg(status == 405, "DELETE /v1/accounts/1010: %ld %s", status, r.body);
	ck_assert_msg(strstr(allow, "GET"), "Allow: %s", allow);
	ck_assert_ptr_null(strstr(allow, "DELETE"));
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	resp_free(&r);
	r = http(&E.d, "GET", "/v1/no-such-thing", E.finance, NULL, NULL);
	expect(&r, 404, "not-found");
	resp_free(&r);
}
END_TEST

START_TEST(test_idempotency__a_key_is_scoped_to_its_caller)
{
	const char *body = "{\"code\":\"1040\",\"name\":\"Bank CHF\",\"type\":\"asset\","
			   "\"currency\":\"CHF\"}";
	char *other = make_token(E.conninfo, "finance", "fin2");
	struct resp a, b;

	a = http(&E.d, "POST", "/v1/accounts", E.finance, "shared-key", body);
	expect(&a, 201, NULL);
	b = http(&E.d, "POST", "/v1/accounts", other, "shared-key", body);
	ck_assert_msg(b.status != 201 || strcmp(a.body, b.body) != 0,
		      "another caller got the first caller's stored answer: %s", b.body);
	ck_assert_msg(b.status == 409, "another caller: %ld %s", b.status, b.body);
	resp_free(&a);
	resp_free(&b);
	free(other);
}
END_TEST

/* A raw HTTP/1.1 request (text as is) to d; the status line's code. */
static long raw_status(const char *text)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)E.d.port)};
	char buf[4096];
	ssize_t n, got = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	long status = 0;

	ck_assert_int_ge(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0 &&
	       (size_t)(got += n) < sizeof(buf) - 1 && !strstr(buf, "\r\n"))
		buf[got] = '\0';
	buf[got] = '\0';
	close(fd);
	sscanf(buf, "HTTP/1.%*d %ld", &status);
	return status;
}

START_TEST(test_http__a_missing_host_and_a_duplicate_content_length_are_400)
{
	char text[1024];

	snprintf(text, sizeof(text), "GET /v1/accounts HTTP/1.1\r\nAuthorization: Bearer %s\r\n"
				     "Connection: close\r\n\r\n", E.auditor);
	ck_assert_int_eq(raw_status(text), 400);
	snprintf(text, sizeof(text),
		 "POST /v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
		 "Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 2\r\n"
		 "Connection: close\r\n\r\n{}", E.finance);
	ck_assert_int_eq(raw_status(text), 400);
	snprintf(text, sizeof(text), "GET /v1/accounts HTTP/1.1\r\nHost: x\r\n"
				     "Authorization: Bearer %s\r\nConnection: close\r\n\r\n",
		 E.auditor);
	ck_assert_int_eq(raw_status(text), 200);
}
END_TEST

/* Audit rows of action (the log every write leaves). */
static long long audit_rows(const char *action)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE action = '%s'", action);
	return query_ll(E.conninfo, sql);
}

START_TEST(test_reconcile__an_unknown_statement_account_is_404_and_writes_nothing)
{
	struct resp r = http(&E.d, "POST", "/v1/fund/init", E.finance, NULL, NULL);
	long long before;

	expect(&r, 201, NULL);
	resp_free(&r);
	before = audit_rows("reconcile");
	r = http(&E.d, "POST", "/v1/reconcile", E.finance, NULL,
		 "{\"bank_account\":\"1010-EUR\",\"statement_account\":\"CH9300762011623852957\"}");
	expect(&r, 404, "not-found");
	ck_assert_msg(strstr(r.body, "statement_account"), "the field is not named: %s", r.body);
	resp_free(&r);
	ck_assert_int_eq(audit_rows("reconcile"), before);
}
END_TEST

START_TEST(test_json__null_is_not_an_absent_field)
{
	struct resp r = http(&E.d, "POST", "/v1/fund/init", E.finance, NULL, NULL);

	expect(&r, 201, NULL);
	resp_free(&r);
	r = http(&E.d, "POST", "/v1/reconcile", E.finance, NULL,
		 "{\"bank_account\":\"1010-EUR\",\"statement_account\":\"CH9300762011623852957\","
		 "\"tolerance\":null}");
	expect(&r, 400, "invalid-field");
	ck_assert_msg(strstr(r.body, "tolerance"), "the field is not named: %s", r.body);
	resp_free(&r);
	ck_assert_int_eq(audit_rows("reconcile"), 0);
}
END_TEST

START_TEST(test_json__a_body_not_sent_as_json_is_400_naming_content_type)
{
	const char *body = "{\"code\":\"1050\",\"name\":\"Bank GBP\",\"type\":\"asset\","
			   "\"currency\":\"GBP\"}";
	struct resp r = http_on_typed(NULL, &E.d, "POST", "/v1/accounts", E.finance, NULL,
				      "text/plain", body, strlen(body));

	expect(&r, 400, "invalid-field");
	ck_assert_msg(strstr(r.body, "Content-Type"), "Content-Type is not named: %s", r.body);
	resp_free(&r);
	r = http_on_typed(NULL, &E.d, "POST", "/v1/accounts", E.finance, NULL,
			  "application/x-www-form-urlencoded", body, strlen(body));
	expect(&r, 400, "invalid-field");
	resp_free(&r);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM accounts WHERE code = '1050'"),
			 0);
	r = http_on_typed(NULL, &E.d, "POST", "/v1/accounts", E.finance, NULL,
			  "application/json; charset=utf-8", body, strlen(body));
	expect(&r, 201, NULL);
	resp_free(&r);
}
END_TEST

START_TEST(test_rates__invalid_utf8_in_the_csv_is_400)
{
	const char *csv = "currency,month,usd_per_unit\nEUR,2019-01,1.1\xff\xfe\n";
	struct resp r = http_on_typed(NULL, &E.d, "POST", "/v1/rates", E.finance, NULL,
				      "text/csv", csv, strlen(csv));

	expect(&r, 400, NULL);
	resp_free(&r);
	ck_assert_int_eq(audit_rows("rates.import"), 0);
}
END_TEST

START_TEST(test_db_text__a_unique_violation_is_409_in_words)
{
	struct resp r = http(&E.d, "POST", "/v1/accounts", E.finance, NULL,
			     "{\"code\":\"1010\",\"name\":\"Again\",\"type\":\"asset\","
			     "\"currency\":\"EUR\"}");

	expect(&r, 409, "conflict");
	ck_assert_msg(!strstr(r.body, "duplicate key") && !strstr(r.body, "violates") &&
			      !strstr(r.body, "DETAIL"),
		      "database text reached the client: %s", r.body);
	resp_free(&r);
}
END_TEST

/* The report kinds that need no more than a period (reports/report.c). */
static const char *const period_kinds[] = {
	"trial-balance", "donor-contributions", "in-kind", "trust-fund-statement",
	"iati-activities", "iati-organisation", "financial-position",
	"financial-performance", "changes-in-net-assets", "cash-flow", "budget-status",
	"budget-comparison", NULL};

START_TEST(test_overflow__no_report_total_goes_beyond_int64)
{
	char body[1024];
	struct resp r;

	post_ok("/v1/accounts", "{\"code\":\"1030\",\"name\":\"Bank JPY\",\"type\":\"asset\","
				"\"currency\":\"JPY\"}");
	post_ok("/v1/accounts", "{\"code\":\"1031\",\"name\":\"Cash JPY\",\"type\":\"asset\","
				"\"currency\":\"JPY\"}");
	post_ok("/v1/accounts", "{\"code\":\"4030\",\"name\":\"Contributions JPY\",\"type\":"
				"\"revenue\",\"currency\":\"JPY\"}");
	post_ok("/v1/accounts", "{\"code\":\"4031\",\"name\":\"Other JPY\",\"type\":"
				"\"revenue\",\"currency\":\"JPY\"}");
	jpy_entry(body, sizeof(body), "1030", "4030", "9223372036854775800");
	r = http(&E.d, "POST", "/v1/entries", E.finance, NULL, body);
	expect(&r, 201, NULL);
	resp_free(&r);
	/* on other accounts: no running balance overflows, but every total would */
	jpy_entry(body, sizeof(body), "1031", "4031", "9223372036854775807");
	r = http(&E.d, "POST", "/v1/entries", E.finance, NULL, body);
	expect(&r, 422, "amount-overflow");
	ck_assert_msg(strstr(r.body, "postings"), "the field is not named: %s", r.body);
	resp_free(&r);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM entries"), 1);
	/* what reaches the bound exactly is still taken, and every report answers */
	jpy_entry(body, sizeof(body), "4030", "1030", "7");
	r = http(&E.d, "POST", "/v1/entries", E.finance, NULL, body);
	expect(&r, 201, NULL);
	resp_free(&r);
	{
		const char *csv = "currency,month,usd_per_unit\nEUR,2019-03,1.13\nJPY,2019-03,0.009\n";

		r = http_on_typed(NULL, &E.d, "POST", "/v1/rates", E.finance, NULL, "text/csv", csv,
				  strlen(csv));
		expect(&r, 201, NULL);
		resp_free(&r);
	}
	for (size_t i = 0; period_kinds[i]; i++) {
		char path[256];

		snprintf(path, sizeof(path), "/v1/reports/%s?from=2019-03-01&to=2019-03-31",
			 period_kinds[i]);
		r = http(&E.d, "GET", path, E.auditor, NULL, NULL);
		ck_assert_msg(r.status == 200, "%s: %ld %s", period_kinds[i], r.status, r.body);
		resp_free(&r);
	}
	r = http(&E.d, "GET",
		 "/v1/reports/account-statement?from=2019-03-01&to=2019-03-31&account=1030",
		 E.auditor, NULL, NULL);
	expect(&r, 200, NULL);
	resp_free(&r);
}
END_TEST

START_TEST(test_overflow__budget_lines_of_a_year_beyond_int64_are_422)
{
	struct resp r;
	json_t *o;

	post_ok("/v1/budgets", "{\"year\":2019,\"line\":\"travel\","
			       "\"amount\":\"92233720368547758.07\"}");
	r = http(&E.d, "POST", "/v1/budgets", E.finance, NULL,
		 "{\"year\":2019,\"line\":\"staff\",\"amount\":\"92233720368547758.07\"}");
	expect(&r, 422, "amount-overflow");
	ck_assert_msg(strstr(r.body, "amount"), "the field is not named: %s", r.body);
	resp_free(&r);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM budgets"), 1);
	ck_assert_int_eq(audit_rows("budget.set"), 1);
	/* a revision replaces the line's figure: it is within the bound */
	r = http(&E.d, "POST", "/v1/budgets", E.finance, NULL,
		 "{\"year\":2019,\"line\":\"travel\",\"amount\":\"92233720368547758.00\","
		 "\"reason\":\"less\"}");
	expect(&r, 201, NULL);
	resp_free(&r);
	o = call_on(&E.d, "GET", "/v1/budgets/status?year=2019", E.auditor, NULL, 200);
	json_decref(o);
}
END_TEST

START_TEST(test_overflow__an_allocation_beyond_int64_at_the_rates_is_422)
{
	const char *csv = "currency,month,usd_per_unit\nEUR,2019-03,1.13\n";
	struct resp r = http(&E.d, "POST", "/v1/fund/init", E.finance, NULL, NULL);
	long long audits;

	expect(&r, 201, NULL);
	resp_free(&r);
	r = http_on_typed(NULL, &E.d, "POST", "/v1/rates", E.finance, NULL, "text/csv", csv,
			  strlen(csv));
	expect(&r, 201, NULL);
	resp_free(&r);
	audits = query_ll(E.conninfo, "SELECT count(*) FROM audit");
	/* the most EUR cents there are, from USD: 1.13 times more USD cents */
	r = http(&E.d, "POST", "/v1/allocations", E.finance, NULL,
		 "{\"date\":\"2019-03-01\",\"source\":{\"earmark\":\"none\",\"currency\":\"USD\"},"
		 "\"line\":\"staff\",\"currency\":\"EUR\",\"amount\":\"92233720368547758.07\"}");
	expect(&r, 422, "amount-overflow");
	ck_assert_msg(strstr(r.body, "\"amount: "), "the field is not named: %s", r.body);
	resp_free(&r);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM fund_allocations"), 0);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit"), audits);
}
END_TEST

/*
 * Every write route with a JSON body (daemon/routes.c; those that take CSV,
 * XML or no body are left out), with a body holding each of its fields
 * (docs/openapi.yaml) and, for nested ones, the path of a field inside.
 * FINANCE-only routes are sent by finance, the rest by admin.
 */
static const struct null_route {
	const char *method, *path, *body;
	const char *nested[3]; /* JSON paths below the top level, each nulled too */
	bool finance;
} null_routes[] = {
	{"POST", "/v1/accounts", "{\"code\":\"1090\",\"name\":\"n\",\"type\":\"asset\",\"currency\":\"EUR\"}",
	 {NULL}, false},
	{"POST", "/v1/entries", "{\"date\":\"2019-03-01\",\"memo\":\"m\",\"reference\":\"r\",\"postings\":"
	 "[{\"account\":\"1010\",\"side\":\"debit\",\"amount\":\"1.00\",\"currency\":\"EUR\"},"
	 "{\"account\":\"4010\",\"side\":\"credit\",\"amount\":\"1.00\",\"currency\":\"EUR\"}]}",
	 {"postings[0].amount", "postings[1].account"}, false},
	{"POST", "/v1/entries/batch", "{\"entries\":[{\"date\":\"2019-03-01\",\"memo\":\"m\",\"postings\":"
	 "[{\"account\":\"1010\",\"side\":\"debit\",\"amount\":\"1.00\",\"currency\":\"EUR\"},"
	 "{\"account\":\"4010\",\"side\":\"credit\",\"amount\":\"1.00\",\"currency\":\"EUR\"}]}]}",
	 {"entries[0].memo", "entries[0].postings[0].side"}, false},
	{"POST", "/v1/entries/01a25169-0585-786f-b0ea-86d2ecc0320d/reverse",
	 "{\"date\":\"2019-03-02\",\"memo\":\"m\"}", {NULL}, false},
	{"POST", "/v1/periods/2019-03/close", "{\"acknowledge\":[{\"item\":\"i\",\"reason\":\"r\"}]}",
	 {"acknowledge[0].reason"}, false},
	{"POST", "/v1/bank-accounts/links", "{\"iban\":\"CH9300762011623852957\",\"account\":\"1010-EUR\"}",
	 {NULL}, false},
	{"POST", "/v1/reconcile", "{\"bank_account\":\"1010-EUR\",\"statement_account\":"
	 "\"CH9300762011623852957\",\"tolerance\":\"0.00\",\"as_of\":\"2019-03-31\"}",
	 {NULL}, false},
	{"POST", "/v1/reconcile/confirm", "{\"bank_line\":1,\"candidate\":\"c\",\"bank_account\":"
	 "\"1010-EUR\",\"tolerance\":\"0.00\"}", {NULL}, false},
	{"POST", "/v1/reconcile/reject", "{\"bank_line\":1,\"candidate\":\"c\",\"bank_account\":"
	 "\"1010-EUR\",\"tolerance\":\"0.00\"}", {NULL}, false},
	{"POST", "/v1/reconcile/unmatch", "{\"bank_line\":1}", {NULL}, false},
	{"POST", "/v1/reconcile/record", "{\"bank_line\":1,\"kind\":\"charge\",\"bank_account\":"
	 "\"1010-EUR\",\"pledge\":1,\"account\":\"5100-EUR\",\"memo\":\"m\",\"instructed_amount\":"
	 "\"1.00\",\"allow_overpayment\":false}", {NULL}, false},
	{"POST", "/v1/reconcile/signoffs", "{\"bank_account\":\"1010-EUR\",\"statement_account\":"
	 "\"CH9300762011623852957\",\"period_end\":\"2019-03-31\"}", {NULL}, false},
	{"POST", "/v1/reconcile/signoffs/1/reopen", "{\"reason\":\"r\"}", {NULL}, false},
	{"POST", "/v1/donors", "{\"id\":\"d1\",\"name\":\"n\",\"org_type\":\"government\",\"country\":\"CHE\"}",
	 {NULL}, false},
	{"POST", "/v1/pledges", "{\"donor\":\"d1\",\"date\":\"2019-03-01\",\"amount\":\"1.00\",\"currency\":"
	 "\"EUR\",\"earmark\":\"none\",\"agreement\":\"a\",\"signed_on\":\"2019-03-01\"}",
	 {NULL}, false},
	{"POST", "/v1/pledges/1/sign", "{\"agreement\":\"a\",\"date\":\"2019-03-01\",\"amount\":\"1.00\"}",
	 {NULL}, false},
	{"POST", "/v1/receipts", "{\"pledge\":1,\"date\":\"2019-03-01\",\"bank_account\":\"1010-EUR\","
	 "\"amount\":\"1.00\",\"instructed_amount\":\"1.00\",\"charges\":\"0.00\","
	 "\"allow_overpayment\":false,\"bank_line\":1}", {NULL}, false},
	{"POST", "/v1/in-kind", "{\"donor\":\"d1\",\"kind\":\"venue\",\"description\":\"d\",\"amount\":"
	 "\"1.00\",\"currency\":\"EUR\",\"period_start\":\"2019-03-01\",\"period_end\":\"2019-03-02\"}",
	 {NULL}, false},
	{"POST", "/v1/allocations", "{\"date\":\"2019-03-01\",\"source\":{\"earmark\":\"none\",\"currency\":"
	 "\"EUR\"},\"line\":\"staff\",\"meeting\":\"m1\",\"year\":2019,\"amount\":\"1.00\",\"currency\":"
	 "\"EUR\",\"memo\":\"m\"}",
	 {"source.earmark", "source.currency"}, false},
	{"POST", "/v1/overruns", "{\"meeting\":\"m1\",\"amount\":\"1.00\",\"reason\":\"r\"}", {NULL}, true},
	{"POST", "/v1/overdrafts", "{\"account\":\"1010-EUR\",\"limit\":\"1.00\",\"reason\":\"r\"}",
	 {NULL}, false},
	{"POST", "/v1/revaluations", "{\"month\":\"2019-03\"}", {NULL}, false},
	{"POST", "/v1/budgets", "{\"year\":2019,\"line\":\"staff\",\"amount\":\"1.00\",\"reason\":\"r\"}",
	 {NULL}, false},
	{"POST", "/v1/meetings", "{\"id\":\"m1\",\"name\":\"n\",\"starts_on\":\"2019-03-01\",\"ends_on\":"
	 "\"2019-03-02\",\"place\":\"p\",\"currency\":\"USD\",\"budget_line\":\"travel\"}",
	 {NULL}, false},
	{"POST", "/v1/meetings/m1/rank", "{\"as_of\":\"2019-03-01\",\"budget\":\"1.00\",\"currency\":"
	 "\"USD\",\"what_if\":true,\"policy_xml\":\"<p/>\"}", {NULL}, false},
	{"POST", "/v1/meetings/m1/approve", "{\"date\":\"2019-03-01\"}", {NULL}, false},
	{"PATCH", "/v1/meetings/m1/applicants/a1", "{\"reason\":\"r\",\"name\":\"n\",\"country\":\"CHE\","
	 "\"category\":\"mag\",\"role\":\"r\",\"forms_complete\":true,\"health_check\":true,"
	 "\"prior_funded\":0,\"prior_reports_outstanding\":0,\"request\":\"full\",\"amount\":\"1.00\","
	 "\"currency\":\"USD\",\"requested_on\":\"2019-03-01\"}", {NULL}, false},
	{"POST", "/v1/meetings/m1/trips/a1/report", "{\"report_received\":\"2019-03-01\"}",
	 {NULL}, false},
	{"POST", "/v1/meetings/m1/trips/a1/decline", "{\"date\":\"2019-03-01\"}", {NULL}, false},
	{"POST", "/v1/meetings/m1/trips/a1/cancel", "{\"date\":\"2019-03-01\"}", {NULL}, false},
	{"POST", "/v1/meetings/m1/trips/a1/settle", "{\"airfare\":\"1.00\",\"dsa\":\"1.00\","
	 "\"report_received\":\"2019-03-01\",\"date\":\"2019-03-01\",\"bank_account\":\"1010-EUR\"}",
	 {NULL}, false},
	{"POST", "/v1/periods/2019-03/reopen", "{\"reason\":\"r\"}", {NULL}, false},
	{"POST", "/v1/years/2019/close", "{\"acknowledge\":[{\"item\":\"i\",\"reason\":\"r\"}]}",
	 {"acknowledge[0].item"}, false},
	{"POST", "/v1/privacy/erasures", "{\"before\":\"2019-03-01\",\"dry_run\":true}",
	 {NULL}, false},
	{"POST", "/v1/checkpoints", "{\"x\":1}", {NULL}, false},
	{"POST", "/v1/users", "{\"name\":\"nu\",\"full_name\":\"N U\",\"roles\":[\"finance\"],"
	 "\"password\":\"correct horse battery staple\"}", {"roles[0]"}, false},
	{"POST", "/v1/users/fin/roles", "{\"roles\":[\"finance\"]}", {"roles[0]"}, false},
	{"POST", "/v1/users/fin/disable", "{\"reason\":\"r\"}", {NULL}, false},
	{"POST", "/v1/users/fin/password", "{\"password\":\"correct horse battery staple\"}",
	 {NULL}, false},
	{"POST", "/v1/users/fin/tokens", "{\"name\":\"t2\"}", {NULL}, false},
};

/* body with the value at path ("a", "a[0].b", "a.b") made null; caller's text. */
static char *with_null(const char *body, const char *path)
{
	json_t *root = json_loads(body, 0, NULL), *v = root, *parent = NULL;
	char key[64] = "";
	const char *p = path;
	long idx = -1;
	char *out;

	ck_assert_ptr_nonnull(root);
	while (*p) {
		size_t n = strcspn(p, ".[");

		parent = v;
		if (n > 0) {
			snprintf(key, sizeof(key), "%.*s", (int)n, p);
			idx = -1;
			v = json_object_get(v, key);
			p += n;
		} else if (*p == '[') {
			idx = strtol(p + 1, NULL, 10);
			v = json_array_get(v, (size_t)idx);
			p = strchr(p, ']') + 1;
		} else {
			p++; /* the dot */
			continue;
		}
		ck_assert_msg(v, "%s: no %s in %s", path, key, body);
	}
	if (idx >= 0)
		json_array_set_new(parent, (size_t)idx, json_null());
	else
		json_object_set_new(parent, key, json_null());
	out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return out;
}

static void expect_null_refused(const struct null_route *rt, const char *field)
{
	char *body = with_null(rt->body, field);
	struct resp r = http(&E.d, rt->method, rt->path, rt->finance ? E.finance : E.admin, NULL,
			     body);
	char want[128];

	snprintf(want, sizeof(want), "\"%s: null is not a value here", field);
	ck_assert_msg(r.status == 400 && strstr(r.body, "\"invalid-field\"") &&
			      strstr(r.body, want + 1),
		      "%s %s with %s null: %ld %s", rt->method, rt->path, field, r.status, r.body);
	resp_free(&r);
	free(body);
}

START_TEST(test_json__null_is_refused_by_every_write_route_naming_the_field)
{
	long long audits = query_ll(E.conninfo, "SELECT count(*) FROM audit");

	for (size_t i = 0; i < sizeof(null_routes) / sizeof(null_routes[0]); i++) {
		const struct null_route *rt = &null_routes[i];
		json_t *o = json_loads(rt->body, 0, NULL);
		const char *key;
		json_t *v;

		json_object_foreach(o, key, v)
			expect_null_refused(rt, key);
		for (int k = 0; k < 3 && rt->nested[k]; k++)
			expect_null_refused(rt, rt->nested[k]);
		json_decref(o);
	}
	/* nothing stored: no audit row, no entry, no account, no user */
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM audit"), audits);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM entries"), 0);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM accounts WHERE code = '1090'"), 0);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM users WHERE name = 'nu'"), 0);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test t[] = {
		{test_lost_connection__http_write_answers_503_and_the_key_settles_it, 0},
		{test_lost_connection__the_writer_answers_503_and_the_key_settles_it, 0},
		{test_overflow__a_running_balance_beyond_int64_is_422_amount_overflow, 0},
		{test_method__a_wrong_method_on_a_known_path_is_405_with_allow, 0},
		{test_idempotency__a_key_is_scoped_to_its_caller, 0},
		{test_http__a_missing_host_and_a_duplicate_content_length_are_400, 0},
		{test_reconcile__an_unknown_statement_account_is_404_and_writes_nothing, 0},
		{test_json__null_is_not_an_absent_field, 0},
		{test_json__a_body_not_sent_as_json_is_400_naming_content_type, 0},
		{test_rates__invalid_utf8_in_the_csv_is_400, 0},
		{test_db_text__a_unique_violation_is_409_in_words, 0},
		{test_overflow__no_report_total_goes_beyond_int64, 0},
		{test_overflow__budget_lines_of_a_year_beyond_int64_are_422, 0},
		{test_json__null_is_refused_by_every_write_route_naming_the_field, 0},
		{test_overflow__an_allocation_beyond_int64_at_the_rates_is_422, 0},
	};
	Suite *s = suite_create("hardening_errors");

	harness_add_tcase(s, "errors", setup, teardown, 120, t, HARNESS_N(t));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
