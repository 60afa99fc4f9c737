/*
 * test_text.c - issue 16 items 2 and 6 over the real tfledgerd: text that
 * XML 1.0 cannot carry or a terminal would act on (controls, U+FFFE) and
 * invalid UTF-8 are refused at every door with 400 naming the field, and
 * nothing is stored; other scripts' digits in an amount are 400, never
 * 500; and an entry stored before the door refused such text (inserted
 * here as the database's owner) still gives well-formed reports that
 * verify-statement passes, and CLI output that cannot act on a terminal.
 */
#include <libxml/parser.h>

#include "common/db.h"
#include "common/err.h"
#include "fund/fund.h"
#include "ledger/ledger.h"
#include "tests/integration/ledger_fixture.h"

static struct roles_env E;

static const struct ledger_actor who = {LEDGER_FUND_CLI_TOKEN_ID, "tester", "finance",
					"test", NULL};

static void setup(void)
{
	roles_env_open(&E);
	daemon_start(&E.d, E.conninfo, E.dir);
	json_decref(call_on(&E.d, "POST", "/v1/accounts", E.finance,
			    "{\"code\":\"1010\",\"name\":\"Bank\",\"type\":\"asset\","
			    "\"currency\":\"EUR\"}", 201));
	json_decref(call_on(&E.d, "POST", "/v1/accounts", E.finance,
			    "{\"code\":\"4010\",\"name\":\"Contributions\",\"type\":\"revenue\","
			    "\"currency\":\"EUR\"}", 201));
}

static void teardown(void)
{
	roles_env_close(&E);
}

static long long rows(const char *table)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return query_ll(E.conninfo, sql);
}

/* r is 400 code with a message that contains want; frees r. */
static void refused(struct resp r, const char *code, const char *want)
{
	char *got = error_code(r.body);
	json_t *o = json_loads(r.body, 0, NULL);
	const char *msg = json_string_value(json_object_get(json_object_get(o, "error"),
							    "message"));

	ck_assert_msg(r.status == 400, "status %ld, want 400: %s", r.status, r.body);
	ck_assert_msg(got && strcmp(got, code) == 0, "code %s, want %s: %s", got, code, r.body);
	ck_assert_msg(msg && strstr(msg, want), "message lacks '%s': %s", want, r.body);
	free(got);
	json_decref(o);
	resp_free(&r);
}

/* An entry body whose memo and reference are given as JSON string text. */
static void entry(char *out, size_t size, const char *memo, const char *ref, const char *amount)
{
	snprintf(out, size,
		 "{\"date\":\"2019-02-14\",\"memo\":\"%s\",\"reference\":\"%s\",\"postings\":["
		 "{\"account\":\"1010\",\"side\":\"debit\",\"amount\":\"%s\",\"currency\":\"EUR\"},"
		 "{\"account\":\"4010\",\"side\":\"credit\",\"amount\":\"%s\",\"currency\":\"EUR\"}]}",
		 memo, ref, amount, amount);
}

START_TEST(test_text__controls_and_nonchars_refused_naming_the_field)
{
	static const struct {
		const char *json, *named;
	} bad[] = {
		{"\\u0001", "control character U+0001 not allowed"},
		{"x\\u001b[31m", "control character U+001B not allowed"},
		{"\\uFFFE", "character U+FFFE not allowed"},
	};
	char body[1024], batch[2200];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[128];

		entry(body, sizeof(body), bad[i].json, "r", "10.00");
		snprintf(want, sizeof(want), "memo: %s", bad[i].named);
		refused(http(&E.d, "POST", "/v1/entries", E.finance, NULL, body), "invalid-field",
			want);
		entry(body, sizeof(body), "m", bad[i].json, "10.00");
		snprintf(want, sizeof(want), "reference: %s", bad[i].named);
		refused(http(&E.d, "POST", "/v1/entries", E.finance, "k-ref", body),
			"invalid-field", want);
		/* in a batch: the JSON path of the field */
		entry(body, sizeof(body), "fine", "r", "10.00");
		snprintf(batch, sizeof(batch), "{\"entries\":[%s,", body);
		entry(body, sizeof(body), bad[i].json, "r", "10.00");
		strcat(batch, body);
		strcat(batch, "]}");
		snprintf(want, sizeof(want), "entries[1].memo: %s", bad[i].named);
		refused(http(&E.d, "POST", "/v1/entries/batch", E.finance, NULL, batch),
			"invalid-field", want);
		/* an account's, a donor's and a meeting's name */
		snprintf(body, sizeof(body), "{\"code\":\"1020\",\"name\":\"B%s\",\"type\":\"asset\","
			 "\"currency\":\"EUR\"}", bad[i].json);
		snprintf(want, sizeof(want), "name: %s", bad[i].named);
		refused(http(&E.d, "POST", "/v1/accounts", E.finance, NULL, body), "invalid-field",
			want);
		snprintf(body, sizeof(body), "{\"id\":\"nor\",\"name\":\"Norway%s\",\"org_type\":\"10\","
			 "\"country\":\"NOR\"}", bad[i].json);
		refused(http(&E.d, "POST", "/v1/donors", E.finance, NULL, body), "invalid-field",
			want);
		snprintf(body, sizeof(body), "{\"id\":\"m1\",\"name\":\"MAG%s\",\"starts_on\":"
			 "\"2019-01-29\",\"ends_on\":\"2019-01-31\",\"place\":\"Geneva\","
			 "\"currency\":\"USD\"}", bad[i].json);
		refused(http(&E.d, "POST", "/v1/meetings", E.secretariat, NULL, body),
			"invalid-field", want);
		/* a key of the body is text too */
		snprintf(body, sizeof(body), "{\"me%smo\":\"x\"}", bad[i].json);
		refused(http(&E.d, "POST", "/v1/entries", E.finance, NULL, body), "invalid-field",
			"body: a key: ");
	}
	/* where: the character's position */
	entry(body, sizeof(body), "ab\\u001b", "r", "10.00");
	refused(http(&E.d, "POST", "/v1/entries", E.finance, NULL, body), "invalid-field",
		"memo: control character U+001B not allowed (character 3)");
	/* TAB, LF and CR are text: accepted */
	entry(body, sizeof(body), "tab\\tline\\nend\\r <&>\\\"'", "r", "10.00");
	json_decref(call_on(&E.d, "POST", "/v1/entries", E.finance, body, 201));
	ck_assert_int_eq(rows("entries"), 1);
	ck_assert_int_eq(rows("accounts"), 2);
	ck_assert_int_eq(rows("donors"), 0);
	ck_assert_int_eq(rows("travel_meetings"), 0);
	ck_assert_int_eq(rows("idempotency_keys"), 0);
}
END_TEST

START_TEST(test_text__bad_utf8_and_foreign_digits_are_400_never_500)
{
	char body[1024], csv[256];
	struct resp r;

	/* invalid UTF-8 in a JSON body: named by its field */
	entry(body, sizeof(body), "ab\xC3(", "r", "10.00");
	refused(http(&E.d, "POST", "/v1/entries", E.finance, NULL, body), "invalid-json",
		"memo: invalid UTF-8");
	entry(body, sizeof(body), "\xED\xA0\x80", "r", "10.00"); /* a surrogate */
	refused(http(&E.d, "POST", "/v1/entries", E.finance, NULL, body), "invalid-json",
		"memo: invalid UTF-8");
	/* Arabic-Indic and full-width digits */
	entry(body, sizeof(body), "m", "r", "\xD9\xA1\xD9\xA0.00");
	refused(http(&E.d, "POST", "/v1/entries", E.finance, NULL, body), "invalid-field",
		"U+0661");
	entry(body, sizeof(body), "m", "r", "\xEF\xBC\x91\xEF\xBC\x90.00");
	refused(http(&E.d, "POST", "/v1/entries", E.finance, NULL, body), "invalid-field",
		"U+FF11");
	/* a path segment and a query parameter */
	refused(http(&E.d, "GET", "/v1/entries/%FF%FE", E.finance, NULL, NULL), "invalid-field",
		"id: invalid UTF-8 (byte 1)");
	refused(http(&E.d, "GET", "/v1/accounts/10%01", E.finance, NULL, NULL), "invalid-field",
		"code: control character U+0001");
	refused(http(&E.d, "GET", "/v1/entries?account=%C3", E.finance, NULL, NULL),
		"invalid-field", "account: invalid UTF-8");
	/* a message that quotes the path is still JSON: 404, not 500 */
	r = http(&E.d, "GET", "/v1/nothing/%FF%1B", E.finance, NULL, NULL);
	ck_assert_msg(r.status == 404, "%ld: %s", r.status, r.body);
	ck_assert_msg(strstr(r.body, "\\\\xFF\\\\u001B"), "%s", r.body);
	resp_free(&r);
	/* a 600-character key of é cut mid-character by the message's limit */
	{
		char big[1400] = "{\"";

		for (int i = 0; i < 600; i++)
			strcat(big, "\xC3\xA9");
		strcat(big, "\":\"x\"}");
		r = http(&E.d, "POST", "/v1/entries", E.finance, NULL, big);
		ck_assert_msg(r.status == 400, "%ld: %s", r.status, r.body);
		resp_free(&r);
	}
	/* the rates CSV: bad UTF-8 and a control character, named by line */
	snprintf(csv, sizeof(csv), "currency,month,usd_per_unit\nEUR,2019-01,1.1\xFF\n");
	refused(http_on_typed(NULL, &E.d, "POST", "/v1/rates?file=r.csv", E.finance, NULL,
			      "text/csv", csv, strlen(csv)),
		"invalid-field", "r.csv:2:");
	snprintf(csv, sizeof(csv), "currency,month,usd_per_unit\nEUR\x1b,2019-01,1.1\n");
	refused(http_on_typed(NULL, &E.d, "POST", "/v1/rates?file=r.csv", E.finance, NULL,
			      "text/csv", csv, strlen(csv)),
		"invalid-field", "control character U+001B");
	ck_assert_int_eq(rows("entries"), 0);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM exchange_rates"), 0);
}
END_TEST

/* Fetches url_path as the auditor into the file path; returns the body. */
static char *fetch(const char *url_path, const char *file)
{
	struct resp r = http(&E.d, "GET", url_path, E.auditor, NULL, NULL);
	FILE *f;
	char *body;

	ck_assert_msg(r.status == 200, "%s: %ld: %s", url_path, r.status, r.body);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(r.body, 1, r.len, f), r.len);
	fclose(f);
	body = r.body;
	return body;
}

START_TEST(test_text__legacy_control_characters_give_wellformed_verifiable_reports)
{
	struct ledger_entry e = {.n_postings = 2};
	PGconn *c = harness_connect(E.conninfo); /* the database's owner: no door */
	char body[512], st[LIMIT_PATH_BYTES], tb[LIMIT_PATH_BYTES];
	char *xml, *out = NULL, *err = NULL;
	const char *argv[] = {harness_bin_tfledger(), "verify-statement", st, NULL};
	const char *ent[] = {"entries", NULL};
	xmlDocPtr doc;

	/* first an entry through the door with everything XML escapes */
	entry(body, sizeof(body), "<&>\\\"' and a\\ttab", "ref <&>", "5.00");
	json_decref(call_on(&E.d, "POST", "/v1/entries", E.finance, body, 201));
	/* then one as stored before the door refused control characters */
	ck_assert_int_eq(ledger_store_setup(c), 0);
	ck_assert_int_eq(fund_setup(c), 0);
	snprintf(e.date, sizeof(e.date), "2019-02-15");
	e.memo = strdup("legacy \x01 \x1b[31mred\x1b[0m <&> \xEF\xBF\xBE");
	e.reference = strdup("\x7f" "ref");
	e.postings = calloc(2, sizeof(*e.postings));
	ck_assert(e.memo && e.reference && e.postings);
	e.postings[0] = (struct ledger_posting){"1010", true, 700, "EUR"};
	e.postings[1] = (struct ledger_posting){"4010", false, 700, "EUR"};
	ck_assert_int_eq(db_exec_sql(c, "BEGIN"), 0);
	ck_assert_msg(fund_append(c, &e, &who, "test.legacy") == 0, "%s", err_last());
	ck_assert_int_eq(db_exec_sql(c, "COMMIT"), 0);
	ledger_entry_free(&e);
	PQfinish(c);
	ck_assert_int_eq(rows("entries"), 2);

	/* the account statement: well-formed, shows the escapes, verifies */
	snprintf(st, sizeof(st), "%.3000s/statement.xml", E.dir);
	xml = fetch("/v1/reports/account-statement?from=2019-01-01&to=2019-12-31", st);
	doc = xmlReadMemory(xml, (int)strlen(xml), "statement.xml", NULL, XML_PARSE_NONET);
	ck_assert_msg(doc, "the statement is not well-formed XML");
	xmlFreeDoc(doc);
	ck_assert_ptr_null(strchr(xml, 0x01));
	ck_assert_ptr_null(strchr(xml, 0x1b));
	ck_assert_msg(strstr(xml, "legacy \\u0001 \\u001B[31mred\\u001B[0m &lt;&amp;&gt; \\uFFFE"),
		      "%s", xml);
	ck_assert_msg(strstr(xml, "stored-base64=\""), "%s", xml);
	ck_assert_msg(strstr(xml, "&lt;&amp;&gt;&quot;' and a\ttab"), "%s", xml);
	free(xml);
	ck_assert_msg(harness_run(&out, &err, NULL, argv) == 0, "verify-statement: %s %s", out,
		      err);
	ck_assert_msg(strstr(out, "valid: 2 entries"), "%s", out);
	free(out);
	free(err);
	out = err = NULL;

	/* a shown text changed (the base64 kept) is caught */
	{
		char *t = harness_slurp(st, NULL), *p = strstr(t, "\\u0001");
		FILE *f;

		ck_assert_ptr_nonnull(p);
		p[5] = '2'; /* \u0002 */
		f = fopen(st, "w");
		fputs(t, f);
		fclose(f);
		free(t);
		ck_assert_int_ne(harness_run(&out, &err, NULL, argv), 0);
		free(out);
		free(err);
		out = err = NULL;
	}

	/* the trial balance: well-formed too (it needs the month's rates) */
	{
		size_t n;
		char *rates = harness_slurp(SRCDATADIR "/tests/data/fund/rates-2019.csv", &n);
		struct resp r = http_on_typed(NULL, &E.d, "POST", "/v1/rates", E.finance, NULL,
					      "text/csv", rates, n);

		ck_assert_msg(r.status == 201 || r.status == 200, "%ld: %s", r.status, r.body);
		resp_free(&r);
		free(rates);
	}
	snprintf(tb, sizeof(tb), "%.3000s/tb.xml", E.dir);
	xml = fetch("/v1/reports/trial-balance?from=2019-02-01&to=2019-02-28", tb);
	doc = xmlReadMemory(xml, (int)strlen(xml), "tb.xml", NULL, XML_PARSE_NONET);
	ck_assert_msg(doc, "the trial balance is not well-formed XML");
	xmlFreeDoc(doc);
	free(xml);

	/* the CLI's table of entries: no byte that acts on a terminal */
	ck_assert_int_eq(cli_on(&out, &err, &E.d, E.auditor, ent), 0);
	ck_assert_ptr_null(strchr(out, 0x1b));
	ck_assert_ptr_null(strchr(out, 0x01));
	ck_assert_msg(strstr(out, "\\u001B[31mred"), "%s", out);
	free(out);
	free(err);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test door[] = {
		{test_text__controls_and_nonchars_refused_naming_the_field, 0},
		{test_text__bad_utf8_and_foreign_digits_are_400_never_500, 0},
		{test_text__legacy_control_characters_give_wellformed_verifiable_reports, 0},
	};
	Suite *s = suite_create("text");

	harness_add_tcase(s, "door", setup, teardown, 120, door, HARNESS_N(door));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
