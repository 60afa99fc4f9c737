/*
 * test_reports_kinds.c - the report kinds written by the real `tfledger
 * report KIND` through a real tfledgerd (the one door, an auditor's token;
 * the signed report and the bad requests use the operator's --database
 * path) from a small fund ledger (fund/fund.c operations on a fresh
 * database: pledges, receipts in three currencies, gifts in kind, entries
 * posted out of date order, a travel expense): each report validates against its schema and
 * its figures tie out to the ledger (closing balances = ledger_balance,
 * trial balance zero per currency, USD figures at the UN rates); the same
 * arguments give the same bytes; a signed report verifies; verify-statement
 * accepts an untouched statement and refuses one with a changed amount,
 * hash, memo or running balance, or a removed entry; bad requests exit 1.
 */
#include <check.h>
#include <jansson.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bank/reconcile.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "common/xml.h"
#include "fund/fund.h"
#include "ledger/ledger.h"
#include "reports/writer.h"
#include "tests/harness/harness.h"
#include "tests/integration/ledger_fixture.h"

#define SCHEMAS SRCDATADIR "/reports/schemas/"
#define GEN_AT "2020-01-15T09:30:00Z"

static const struct ledger_actor who = {LEDGER_FUND_CLI_TOKEN_ID, "tester", "finance",
					"test", NULL};

struct fx {
	char db[LIMIT_CONNINFO_BYTES];
	char dir[LIMIT_PATH_BYTES];
	PGconn *c;
	/* tfledgerd and an auditor's token, started by the first report():
	 * reports go through the one door, as a person fetches them */
	struct daemon d;
	char *auditor;
};

/* Runs op on a JSON text (printf format); asserts success; returns the answer. */
#define ok(c, op, ...) harness_op_ok(c, op, &who, __VA_ARGS__)

static long long id_of(json_t *o)
{
	long long id = json_integer_value(json_object_get(o, "id"));

	json_decref(o);
	return id;
}

/*
 * The fund ledger of the tests: EUR, USD and CHF pledges and receipts in
 * January to March 2019, a service in kind dated 2019-12-31 posted before
 * the February entries (so the journal is not in date order), goods in kind,
 * and a travel expense paid in USD.
 */
static void fx_open(struct fx *f)
{
	static const struct {
		harness_op_fn op;
		const char *json; /* a receipt's without its leading '{"pledge":N,' */
	} steps[] = {
		{fund_donor_add, "{\"id\":\"eu\",\"name\":\"European Commission\",\"org_type\":\"40\"}"},
		{fund_donor_add, "{\"id\":\"usa\",\"name\":\"United States\",\"org_type\":\"10\","
				 "\"country\":\"USA\"}"},
		{fund_donor_add, "{\"id\":\"swiss\",\"name\":\"Switzerland <OFCOM> & co\","
				 "\"org_type\":\"10\",\"country\":\"CHE\"}"},
		{fund_pledge_add, "{\"donor\":\"eu\",\"date\":\"2019-01-10\",\"amount\":\"100000.00\","
				  "\"currency\":\"EUR\",\"agreement\":\"EU-2019-1\"}"},
		{fund_receipt_add, "\"date\":\"2019-01-20\",\"bank_account\":\"1010-EUR\","
				   "\"amount\":\"39990.00\",\"instructed_amount\":\"40000.00\"}"},
		{fund_inkind_add, "{\"donor\":\"usa\",\"kind\":\"service\",\"description\":\"Web "
				  "conferencing\",\"amount\":\"24000.00\",\"currency\":\"USD\","
				  "\"period_start\":\"2019-01-01\",\"period_end\":\"2019-12-31\"}"},
		{fund_pledge_add, "{\"donor\":\"usa\",\"date\":\"2019-02-05\",\"amount\":\"50000.00\","
				  "\"currency\":\"USD\",\"agreement\":\"US-2019-1\"}"},
		{fund_receipt_add, "\"date\":\"2019-02-20\",\"bank_account\":\"1010-USD\","
				   "\"amount\":\"50000.00\"}"},
		{fund_pledge_add, "{\"donor\":\"swiss\",\"date\":\"2019-03-01\",\"amount\":\"20000.00\","
				  "\"currency\":\"CHF\",\"earmark\":\"travel\",\"agreement\":\"CH-2019-1\"}"},
		{fund_receipt_add, "\"date\":\"2019-03-15\",\"bank_account\":\"1010-CHF\","
				   "\"amount\":\"12000.00\"}"},
		{fund_inkind_add, "{\"donor\":\"swiss\",\"kind\":\"goods\",\"description\":\"Conference"
				  " supplies\",\"amount\":\"1500.00\",\"currency\":\"CHF\","
				  "\"period_start\":\"2019-03-01\",\"period_end\":\"2019-03-31\"}"},
	};
	json_t *out = NULL;
	long long p = 0;
	int created;

	memset(f, 0, sizeof(*f));
	harness_new_db(f->db, sizeof(f->db));
	harness_tmpdir(f->dir, sizeof(f->dir));
	f->c = harness_connect(f->db);
	ck_assert_int_eq(ledger_store_setup(f->c), 0);
	ck_assert_int_eq(fund_setup(f->c), 0);
	ck_assert_msg(fund_init(&created, f->c, &who) == 0, "%s", err_last());
	ck_assert_msg(fund_rates_import(&out, f->c, SRCDATADIR
					"/tests/data/reports/rates-2019.csv", &who) == 0, "%s", err_last());
	json_decref(out);
	/* in this order; a receipt is for the pledge before it */
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].op == fund_pledge_add)
			p = id_of(ok(f->c, steps[i].op, "%s", steps[i].json));
		else if (steps[i].op == fund_receipt_add)
			json_decref(ok(f->c, steps[i].op, "{\"pledge\":%lld,%s", p, steps[i].json));
		else
			json_decref(ok(f->c, steps[i].op, "%s", steps[i].json));
	}
	/* a travel expense, as the travel module books a settled trip */
	{
		struct ledger_entry e = {.n_postings = 2};

		snprintf(e.date, sizeof(e.date), "2019-03-20");
		e.memo = strdup("Travel support: MAG member to Geneva");
		e.reference = strdup("TRV-2019-1");
		e.postings = calloc(2, sizeof(*e.postings));
		ck_assert(e.memo && e.reference && e.postings);
		e.postings[0] = (struct ledger_posting){"5200-USD", true, 125000, "USD"};
		e.postings[1] = (struct ledger_posting){"1010-USD", false, 125000, "USD"};
		ck_assert_int_eq(db_exec_sql(f->c, "BEGIN"), 0);
		ck_assert_msg(fund_append(f->c, &e, &who, "test.travel") == 0, "%s",
			      err_last());
		ck_assert_int_eq(db_exec_sql(f->c, "COMMIT"), 0);
		ledger_entry_free(&e);
	}
}

static void fx_close(struct fx *f)
{
	if (f->d.pid)
		daemon_stop(&f->d);
	free(f->auditor);
	f->auditor = NULL;
	PQfinish(f->c);
}

static void path(char *out, const struct fx *f, const char *name)
{
	int n = snprintf(out, LIMIT_PATH_BYTES, "%s/%s", f->dir, name);

	ck_assert(n > 0 && n < LIMIT_PATH_BYTES);
}

/* The daemon of f, started on first use, and its auditor's token. */
static void fx_daemon(struct fx *f)
{
	(void)entry_body; /* of ledger_fixture.h */
	(void)query_ll;
	if (f->d.pid)
		return;
	f->auditor = make_token(f->db, "auditor", "reports-aud");
	daemon_start(&f->d, f->db, f->dir);
}

/* Writes report kind for the period to file name with `tfledger report`
 * through tfledgerd, as an auditor; asserts success. */
static void report(struct fx *f, char *out, const char *kind, const char *from,
		   const char *to, const char *account, const char *name)
{
	char *err = NULL;
	int rc;

	path(out, f, name);
	fx_daemon(f);
	if (account)
		rc = harness_tfledger(&err, "report", kind, "--from", from, "--to", to, "--account", account,
			 "--output", out, "--generated-at", GEN_AT, "--url", f->d.base,
			 "--token", f->auditor, NULL);
	else
		rc = harness_tfledger(&err, "report", kind, "--from", from, "--to", to, "--output", out,
			 "--generated-at", GEN_AT, "--url", f->d.base, "--token", f->auditor,
			 NULL);
	ck_assert_msg(rc == 0, "report %s: exit %d: %s", kind, rc, err);
	free(err);
}

/* Parses file p and validates it against schema xsd; the caller frees. */
static xmlDocPtr valid(const char *p, const char *xsd)
{
	xmlDocPtr doc = NULL;

	ck_assert_msg(xml_read_file(&doc, p) == 0, "%s", err_last());
	ck_assert_msg(xml_validate(doc, xsd, p) == 0, "%s", err_last());
	return doc;
}

/* report() of kind, then the file parsed and valid against kind's schema. */
static xmlDocPtr valid_report(struct fx *f, char *out, const char *kind, const char *from,
			      const char *to, const char *account, const char *name)
{
	char xsd[LIMIT_PATH_BYTES];

	report(f, out, kind, from, to, account, name);
	snprintf(xsd, sizeof(xsd), SCHEMAS "%s.xsd", kind);
	return valid(out, xsd);
}


static int64_t xp_money(xmlDocPtr doc, const char *ccy, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int64_t xp_money(xmlDocPtr doc, const char *ccy, const char *fmt, ...)
{
	char expr[512];
	int64_t v;
	char *s;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(expr, sizeof(expr), fmt, ap);
	va_end(ap);
	s = harness_xpath(doc, "%s", expr);
	ck_assert_msg(money_parse(&v, s, ccy) == 0, "%s = '%s': %s", expr, s, err_last());
	xmlFree(s);
	return v;
}

static long xp_count(xmlDocPtr doc, const char *expr)
{
	char e[512], *s;
	long n;

	snprintf(e, sizeof(e), "count(%s)", expr);
	s = harness_xpath(doc, "%s", e);
	n = strtol(s, NULL, 10);
	xmlFree(s);
	return n;
}

/* The ledger's own balance of code as of date (normal direction). */
static int64_t ledger_bal(PGconn *c, const char *code, const char *as_of)
{
	struct ledger_account a;
	int64_t b;

	ck_assert_msg(ledger_account_get(&a, c, code) == 0, "%s", err_last());
	ck_assert_msg(ledger_balance(&b, c, &a, as_of) == 0, "%s", err_last());
	return b;
}

static char *slurp(const char *p)
{
	FILE *fp = fopen(p, "rb");
	char *b;
	long n;

	ck_assert_ptr_nonnull(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	b = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(fread(b, 1, (size_t)n, fp), n);
	b[n] = '\0';
	fclose(fp);
	return b;
}

static void spit(const char *p, const char *text)
{
	FILE *fp = fopen(p, "wb");

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fwrite(text, 1, strlen(text), fp), strlen(text));
	fclose(fp);
}

/* verify-statement's exit status on file p; its stderr into *err if given. */
static int verify_statement(const char *p, char **err)
{
	return harness_tfledger(err, "verify-statement", p, NULL);
}

/* Every account of a statement: its closing balance is the ledger's. */
static void closing_balances_tie_out(PGconn *c, xmlDocPtr doc, const char *to)
{
	long n = xp_count(doc, "/r:account-statement/r:accounts/r:account");

	ck_assert_int_gt(n, 0);
	for (long i = 1; i <= n; i++) {
		char *code = harness_xpath(doc, "/r:account-statement/r:accounts/r:account[%ld]/@code", i);
		char *ccy = harness_xpath(doc, "/r:account-statement/r:accounts/r:account[%ld]/@currency", i);
		int64_t closing = xp_money(doc, ccy, "/r:account-statement/r:accounts/r:account[%ld]"
						     "/r:closing-balance", i);

		ck_assert_msg(closing == ledger_bal(c, code, to), "%s: closing %lld", code,
			      (long long)closing);
		xmlFree(code);
		xmlFree(ccy);
	}
}

/* --- account statement ------------------------------------------------------------- */

/* Asserts the statement t fails verification, naming want (unless NULL). */
static void expect_not_verified(const char *t, const char *want)
{
	char *err = NULL;

	ck_assert_int_eq(verify_statement(t, &err), 1);
	ck_assert_msg(!want || strstr(err, want), "%s", err);
	free(err);
}

START_TEST(test_report_statement__all_accounts_valid_ties_out_and_verifies)
{
	struct fx f;
	char p[LIMIT_PATH_BYTES], *head, *err = NULL;
	xmlDocPtr doc;

	fx_open(&f);
	doc = valid_report(&f, p, "account-statement", "2019-01-01", "2019-12-31", NULL, "all.xml");
	closing_balances_tie_out(f.c, doc, "2019-12-31");
	/* every entry and posting of the year, the last one the head */
	head = harness_query_value(f.c, "SELECT sequence || ' ' || hash FROM ledger_head");
	{
		char *s = harness_xpath(doc, "concat(//r:ledger-head/r:sequence, ' ', //r:ledger-head/r:hash)");
		char *n = harness_query_value(f.c, "SELECT count(*) FROM postings");
		char *last = harness_xpath(doc, "concat(//r:entry[last()]/@sequence, ' ', //r:entry[last()]"
				     "/r:hash)");

		ck_assert_str_eq(s, head);
		ck_assert_str_eq(last, head);
		ck_assert_int_eq(xp_count(doc, "//r:posting"), strtol(n, NULL, 10));
		ck_assert_int_eq(xp_count(doc, "//r:entry[@in-period='false']"), 0);
		xmlFree(s);
		xmlFree(last);
		free(n);
	}
	/* the running balance of the last posting of 1010-EUR is its closing balance */
	ck_assert_int_eq(xp_money(doc, "EUR", "(//r:posting[@account='1010-EUR'])[last()]"
					      "/@balance"),
			 ledger_bal(f.c, "1010-EUR", "2019-12-31"));
	ck_assert_int_eq(verify_statement(p, &err), 0);
	free(err);
	free(head);
	xmlFreeDoc(doc);
	fx_close(&f);
}
END_TEST

START_TEST(test_report_statement__mid_period_carries_the_chain_to_the_head)
{
	struct fx f;
	char p[LIMIT_PATH_BYTES], *err = NULL;
	xmlDocPtr doc;

	fx_open(&f);
	doc = valid_report(&f, p, "account-statement", "2019-02-01", "2019-02-28", NULL, "feb.xml");
	closing_balances_tie_out(f.c, doc, "2019-02-28");
	/* opening = the ledger's balance the day before the period */
	ck_assert_int_eq(xp_money(doc, "EUR", "//r:account[@code='1200-EUR']/r:opening-balance"),
			 ledger_bal(f.c, "1200-EUR", "2019-01-31"));
	ck_assert_int_eq(xp_money(doc, "EUR", "//r:account[@code='1200-EUR']/r:opening-balance"),
			 6000000);
	/* the February entries and, after them, the later ones for the chain only */
	ck_assert_int_eq(xp_count(doc, "//r:entry[@in-period='true']"), 2);
	ck_assert_int_eq(xp_count(doc, "//r:entry[@in-period='false']"), 4);
	ck_assert_int_eq(xp_count(doc, "//r:entry[@in-period='false']//@balance"), 0);
	ck_assert_int_eq(verify_statement(p, &err), 0);
	free(err);
	xmlFreeDoc(doc);
	fx_close(&f);
}
END_TEST

START_TEST(test_report_statement__one_account_and_an_empty_period)
{
	struct fx f;
	char p[LIMIT_PATH_BYTES], *err = NULL;
	xmlDocPtr doc;

	fx_open(&f);
	doc = valid_report(&f, p, "account-statement", "2019-01-01", "2019-12-31",
			   "1010-EUR", "eur.xml");
	ck_assert_int_eq(xp_count(doc, "//r:accounts/r:account"), 1);
	closing_balances_tie_out(f.c, doc, "2019-12-31");
	ck_assert_int_eq(xp_count(doc, "//r:posting[@balance]"), 1);
	ck_assert_int_eq(xp_money(doc, "EUR", "//r:posting[@balance]/@balance"), 3999000);
	ck_assert_int_eq(verify_statement(p, &err), 0);
	free(err);
	xmlFreeDoc(doc);

	doc = valid_report(&f, p, "account-statement", "2018-01-01", "2018-12-31",
			   NULL, "empty.xml");
	ck_assert_int_eq(xp_count(doc, "//r:entry"), 0);
	ck_assert_int_eq(xp_money(doc, "EUR", "//r:account[@code='1010-EUR']/r:closing-balance"),
			 0);
	ck_assert_int_eq(verify_statement(p, &err), 0);
	free(err);
	xmlFreeDoc(doc);
	fx_close(&f);
}
END_TEST

/* Replaces the first occurrence of from after marker (or anywhere if NULL). */
static void tamper(const char *src, const char *dst, const char *marker, const char *from,
		   const char *to)
{
	char *text = slurp(src), *at = marker ? strstr(text, marker) : text, *hit, *out;
	size_t n;

	ck_assert_msg(at, "no %s", marker);
	hit = strstr(at, from);
	ck_assert_msg(hit, "no %s", from);
	n = strlen(text) - strlen(from) + strlen(to) + 1;
	out = malloc(n);
	ck_assert_ptr_nonnull(out);
	snprintf(out, n, "%.*s%s%s", (int)(hit - text), text, to, hit + strlen(from));
	spit(dst, out);
	free(out);
	free(text);
}

/* Cuts the whole <entry> element that holds marker. */
static void remove_entry(const char *src, const char *dst, const char *marker)
{
	char *text = slurp(src), *m = strstr(text, marker), *start, *end;

	ck_assert_ptr_nonnull(m);
	for (start = m; start > text && strncmp(start, "<entry ", 7) != 0; start--)
		;
	end = strstr(m, "</entry>");
	ck_assert_ptr_nonnull(end);
	end += strlen("</entry>");
	memmove(start, end, strlen(end) + 1);
	spit(dst, text);
	free(text);
}

START_TEST(test_report_verify_statement__refuses_any_change)
{
	struct fx f;
	char p[LIMIT_PATH_BYTES], t[LIMIT_PATH_BYTES], *err = NULL, *h = NULL;
	xmlDocPtr doc;

	fx_open(&f);
	report(&f, p, "account-statement", "2019-01-01", "2019-12-31", NULL, "all.xml");
	path(t, &f, "tampered.xml");
	doc = valid(p, SCHEMAS "account-statement.xsd");
	h = harness_xpath(doc, "//r:entry[3]/r:hash");
	xmlFreeDoc(doc);

	tamper(p, t, "<entry sequence=\"2\"", "amount=\"39990.00\"", "amount=\"39999.00\"");
	expect_not_verified(t, "entry 2");
	/* the same amount changed in both postings of the entry: still balanced */
	tamper(p, t, "<entry sequence=\"1\"", "100000.00", "100001.00");
	tamper(t, t, "<entry sequence=\"1\"", "100000.00", "100001.00");
	expect_not_verified(t, NULL);
	/* one hex digit of a hash */
	tamper(p, t, h, h + 1, h + 2);
	expect_not_verified(t, NULL);
	/* a memo */
	tamper(p, t, "<entry sequence=\"4\"", "<memo>", "<memo>x");
	expect_not_verified(t, "entry 4: the hash");
	/* a running balance */
	tamper(p, t, "<entry sequence=\"2\"", "balance=\"39990.00\"", "balance=\"39990.01\"");
	expect_not_verified(t, "running balance");
	/* the stated head */
	tamper(p, t, "<ledger-head>", "<sequence>", "<sequence>1");
	expect_not_verified(t, NULL);
	/* a removed entry: the middle one, and the last one */
	remove_entry(p, t, "<entry sequence=\"4\"");
	expect_not_verified(t, "missing");
	remove_entry(p, t, "<entry sequence=\"9\"");
	expect_not_verified(t, "head");
	/* the untouched file still passes; a trial balance is not a statement */
	ck_assert_int_eq(verify_statement(p, &err), 0);
	free(err);
	report(&f, t, "trial-balance", "2019-01-01", "2019-12-31", NULL, "tb.xml");
	expect_not_verified(t, "not an account statement");
	path(t, &f, "missing.xml");
	ck_assert_int_eq(verify_statement(t, &err), 2);
	free(err);
	xmlFree(h);
	fx_close(&f);
}
END_TEST

/* --- trial balance --------------------------------------------------------------------- */

START_TEST(test_report_trial_balance__zero_per_currency_and_usd_at_un_rates)
{
	static const struct {
		const char *ccy;
		struct money_rate rate;
	} ccys[] = {{"CHF", {10215, 4}}, {"EUR", {11187, 4}}, {"USD", {1, 0}}};
	struct fx f;
	char p[LIMIT_PATH_BYTES];
	int64_t usd_debits = 0, usd_credits = 0;
	xmlDocPtr doc;

	fx_open(&f);
	doc = valid_report(&f, p, "trial-balance", "2019-01-01", "2019-12-31", NULL, "tb.xml");
	ck_assert_int_eq(xp_count(doc, "//r:currency"), 3);
	ck_assert_int_eq(xp_count(doc, "//r:currency/r:account"), 82);
	for (size_t k = 0; k < 3; k++) {
		const char *ccy = ccys[k].ccy;
		char base[64];
		int64_t d = 0, c = 0;
		long n;

		snprintf(base, sizeof(base), "//r:currency[@code='%s']", ccy);
		n = xp_count(doc, base);
		ck_assert_int_eq(n, 1);
		n = xp_count(doc, strcat(base, "/r:account"));
		for (long i = 1; i <= n; i++) {
			char *code = harness_xpath(doc, "(%s)[%ld]/@code", base, i);
			int64_t dr = xp_money(doc, ccy, "(%s)[%ld]/r:debit", base, i);
			int64_t cr = xp_money(doc, ccy, "(%s)[%ld]/r:credit", base, i);
			int64_t udr = xp_money(doc, "USD", "(%s)[%ld]/r:usd-debit", base, i);
			int64_t ucr = xp_money(doc, "USD", "(%s)[%ld]/r:usd-credit", base, i);
			struct ledger_account a;
			int64_t want;

			ck_assert_int_eq(ledger_account_get(&a, f.c, code), 0);
			want = ledger_bal(f.c, code, "2019-12-31");
			ck_assert_msg(dr - cr == (a.normal_debit ? want : -want), "%s", code);
			ck_assert_int_eq(money_convert(&want, dr - cr, ccy, ccys[k].rate, "USD"), 0);
			ck_assert_int_eq(udr - ucr, want);
			d += dr;
			c += cr;
			usd_debits += udr;
			usd_credits += ucr;
			xmlFree(code);
		}
		ck_assert_int_eq(d, c);
		ck_assert_int_gt(d, 0);
		ck_assert_int_eq(xp_money(doc, ccy, "//r:currency[@code='%s']/r:totals/r:debits", ccy),
				 d);
		ck_assert_int_eq(xp_money(doc, ccy, "//r:currency[@code='%s']/r:totals/r:credits",
					  ccy), c);
	}
	ck_assert_int_eq(xp_money(doc, "USD", "//r:usd-totals/r:debits"), usd_debits);
	ck_assert_int_eq(xp_money(doc, "USD", "//r:usd-totals/r:rounding-difference"),
			 usd_debits - usd_credits);
	xmlFreeDoc(doc);
	fx_close(&f);
}
END_TEST

/* The exact sum of the amounts the node set expr selects (XPath sum() is a
 * floating-point number: not used). */
static int64_t xp_money_sum(xmlDocPtr doc, const char *ccy, const char *expr)
{
	long n = xp_count(doc, expr);
	int64_t total = 0;

	for (long i = 1; i <= n; i++)
		total += xp_money(doc, ccy, "(%s)[%ld]", expr, i);
	return total;
}

/* --- donor contributions and gifts in kind ------------------------------------------- */

/* The movement of account code in the period, normal direction. */
static int64_t movement(PGconn *c, const char *code, const char *before, const char *to)
{
	return ledger_bal(c, code, to) - ledger_bal(c, code, before);
}

START_TEST(test_report_donors__ranked_by_usd_tied_to_revenue_and_receivables)
{
	static const char *const ccys[] = {"CHF", "EUR", "USD"};
	struct fx f;
	char p[LIMIT_PATH_BYTES];
	xmlDocPtr doc;

	fx_open(&f);
	doc = valid_report(&f, p, "donor-contributions", "2019-01-01", "2019-12-31",
			   NULL, "donors.xml");
	/* USD 50,000.00; EUR 40,000.00 x 1.142; CHF 12,000.00 x 1.005 */
	{
		char *order = harness_xpath(doc, "concat(//r:donor[1]/@id, ' ', //r:donor[2]/@id, ' ',"
				      " //r:donor[3]/@id)");

		ck_assert_str_eq(order, "usa eu swiss");
		xmlFree(order);
	}
	ck_assert_int_eq(xp_money(doc, "USD", "//r:donor[@id='eu']/r:received-usd"), 4568000);
	ck_assert_int_eq(xp_money(doc, "USD", "//r:donor[@id='swiss']/r:received-usd"), 1206000);
	ck_assert_int_eq(xp_money(doc, "USD", "//r:donor[@id='eu']/r:receipt/r:usd"), 4568000);
	for (size_t k = 0; k < 3; k++) {
		const char *ccy = ccys[k];
		char rev[2][16], recv[2][16];
		char e[2][96];
		int64_t pledged, outstanding;

		snprintf(e[0], sizeof(e[0]), "//r:currency[@code='%s']/r:pledged", ccy);
		snprintf(e[1], sizeof(e[1]), "//r:currency[@code='%s']/r:outstanding", ccy);
		pledged = xp_money_sum(doc, ccy, e[0]);
		outstanding = xp_money_sum(doc, ccy, e[1]);

		snprintf(rev[0], sizeof(rev[0]), "4100-%s", ccy);
		snprintf(rev[1], sizeof(rev[1]), "4110-%s", ccy);
		snprintf(recv[0], sizeof(recv[0]), "1200-%s", ccy);
		snprintf(recv[1], sizeof(recv[1]), "1210-%s", ccy);
		ck_assert_int_gt(pledged, 0);
		ck_assert_int_eq(pledged, movement(f.c, rev[0], "2018-12-31", "2019-12-31") +
						  movement(f.c, rev[1], "2018-12-31", "2019-12-31"));
		ck_assert_int_eq(outstanding, ledger_bal(f.c, recv[0], "2019-12-31") +
						      ledger_bal(f.c, recv[1], "2019-12-31"));
	}
	xmlFreeDoc(doc);
	/* February: only the US pledge and receipt; the EU pledge still open */
	doc = valid_report(&f, p, "donor-contributions", "2019-02-01", "2019-02-28",
			   NULL, "feb.xml");
	ck_assert_int_eq(xp_money(doc, "EUR", "//r:donor[@id='eu']/r:currency/r:pledged"), 0);
	ck_assert_int_eq(xp_money(doc, "EUR", "//r:donor[@id='eu']/r:currency/r:outstanding"),
			 6000000);
	ck_assert_int_eq(xp_count(doc, "//r:receipt"), 1);
	ck_assert_int_eq(xp_count(doc, "//r:donor[@id='swiss']"), 0);
	xmlFreeDoc(doc);
	fx_close(&f);
}
END_TEST

START_TEST(test_report_inkind__fair_values_tied_to_the_ledger)
{
	struct fx f;
	char p[LIMIT_PATH_BYTES];
	xmlDocPtr doc;

	fx_open(&f);
	doc = valid_report(&f, p, "in-kind", "2019-01-01", "2019-12-31", NULL, "inkind.xml");
	ck_assert_int_eq(xp_count(doc, "//r:gift"), 2);
	ck_assert_int_eq(xp_money_sum(doc, "CHF", "//r:gift[@kind='goods']/r:fair-value"),
			 movement(f.c, "5300-CHF", "2018-12-31", "2019-12-31"));
	ck_assert_int_eq(xp_money_sum(doc, "USD", "//r:gift[@kind='service']/r:fair-value"),
			 movement(f.c, "8300-USD", "2018-12-31", "2019-12-31"));
	/* CHF 1,500.00 at the March rate 1.005 */
	ck_assert_int_eq(xp_money(doc, "USD", "//r:gift[@kind='goods']/r:usd"), 150750);
	{
		char *s = harness_xpath(doc, "concat(//r:gift[@kind='goods']/r:recognised, ' ',"
				  " //r:gift[@kind='service']/r:recognised, ' ',"
				  " //r:gift[@kind='goods']/r:donor-name)");

		ck_assert_str_eq(s, "revenue memo Switzerland <OFCOM> & co");
		xmlFree(s);
	}
	xmlFreeDoc(doc);
	/* the service's entry is dated its period's end: not in the first half */
	doc = valid_report(&f, p, "in-kind", "2019-01-01", "2019-06-30", NULL, "h1.xml");
	ck_assert_int_eq(xp_count(doc, "//r:gift"), 1);
	xmlFreeDoc(doc);
	fx_close(&f);
}
END_TEST

START_TEST(test_report_fund_statement__sections_tie_to_the_accounts)
{
	static const char *const sections[] = {"opening-balances", "contributions", "receivables",
					       "expenses", "obligations", "closing-balances"};
	struct fx f;
	char p[LIMIT_PATH_BYTES];
	xmlDocPtr doc;

	fx_open(&f);
	doc = valid_report(&f, p, "trust-fund-statement", "2019-01-01", "2019-12-31",
			   NULL, "tfs.xml");
	for (size_t i = 0; i < 6; i++) {
		char e[128], *name = harness_xpath(doc, "//r:section[%zu]/@name", i + 1);

		ck_assert_str_eq(name, sections[i]);
		xmlFree(name);
		snprintf(e, sizeof(e), "//r:section[%zu]/r:line/r:usd", i + 1);
		ck_assert_int_eq(xp_money(doc, "USD", "//r:section[%zu]/r:total-usd", i + 1),
				 xp_money_sum(doc, "USD", e));
	}
	ck_assert_int_eq(xp_count(doc, "//r:section[@name='opening-balances']/r:line"), 0);
	/* closing cash and receivables are the ledger's balances */
	ck_assert_int_eq(xp_count(doc, "//r:section[@name='closing-balances']/r:line"), 3);
	ck_assert_int_eq(xp_money(doc, "EUR", "//r:section[@name='closing-balances']/r:line"
					      "[@id='1010-EUR']/r:amount"),
			 ledger_bal(f.c, "1010-EUR", "2019-12-31"));
	ck_assert_int_eq(xp_money(doc, "CHF", "//r:section[@name='receivables']/r:line"
					      "[@id='1210-CHF']/r:amount"),
			 ledger_bal(f.c, "1210-CHF", "2019-12-31"));
	/* EUR 10.00 of bank charges; CHF 1,500.00 of goods in kind */
	ck_assert_int_eq(xp_money(doc, "EUR", "//r:section[@name='expenses']/r:line"
					      "[@id='5100-EUR']/r:amount"), 1000);
	ck_assert_int_eq(xp_money(doc, "CHF", "//r:section[@name='contributions']/r:line"
					      "[@id='4200-CHF']/r:amount"),
			 movement(f.c, "4200-CHF", "2018-12-31", "2019-12-31"));
	ck_assert_int_eq(xp_money(doc, "CHF", "//r:section[@name='contributions']/r:line"
					      "[@id='swiss']/r:amount"),
			 movement(f.c, "4110-CHF", "2018-12-31", "2019-12-31"));
	/* USD at the December rates: EUR 39,990.00 x 1.1187 = 44,736.81 */
	ck_assert_int_eq(xp_money(doc, "USD", "//r:section[@name='closing-balances']/r:line"
					      "[@id='1010-EUR']/r:usd"), 4473681);
	xmlFreeDoc(doc);
	fx_close(&f);
}
END_TEST

/* --- IATI --------------------------------------------------------------------------- */

#define IATI SRCDATADIR "/reports/iati/"

/* Every value of attribute expr in doc is a code of codelist name. */
static void codes_in_list(xmlDocPtr doc, const char *expr, const char *name)
{
	char p[LIMIT_PATH_BYTES];
	xmlDocPtr list = NULL;
	long n = xp_count(doc, expr);

	ck_assert_msg(n > 0, "no %s", expr);
	snprintf(p, sizeof(p), IATI "codelists/%s.xml", name);
	ck_assert_msg(xml_read_file(&list, p) == 0, "%s", err_last());
	for (long i = 1; i <= n; i++) {
		char *code = harness_xpath(doc, "(%s)[%ld]", expr, i);
		xmlXPathContextPtr ctx = xmlXPathNewContext(list);
		xmlXPathObjectPtr o;
		char q[160];

		snprintf(q, sizeof(q), "count(//codelist-item[code='%s'])", code);
		o = xmlXPathEvalExpression(BAD_CAST q, ctx);
		ck_assert_msg(o && xmlXPathCastToNumber(o) == 1, "%s '%s' is not in %s", expr, code,
			      name);
		xmlXPathFreeObject(o);
		xmlXPathFreeContext(ctx);
		xmlFree(code);
	}
	xmlFreeDoc(list);
}

static char *iati_xp(xmlDocPtr doc, const char *expr)
{
	return harness_xpath(doc, "%s", expr);
}

START_TEST(test_report_iati__valid_against_official_schemas_and_codelists)
{
	PGconn *owner;
	struct fx f;
	char p[LIMIT_PATH_BYTES], *s;
	xmlDocPtr doc;

	fx_open(&f);
	report(&f, p, "iati-activities", "2019-01-01", "2019-12-31", NULL, "act.xml");
	doc = valid(p, IATI "iati-activities-schema.xsd");
	codes_in_list(doc, "//transaction-type/@code", "TransactionType");
	codes_in_list(doc, "//@type[parent::participating-org or parent::reporting-org or"
			   " parent::provider-org]", "OrganisationType");
	codes_in_list(doc, "//participating-org/@role", "OrganisationRole");
	codes_in_list(doc, "//activity-status/@code", "ActivityStatus");
	codes_in_list(doc, "//activity-date/@type", "ActivityDateType");
	codes_in_list(doc, "//@currency | //@default-currency", "Currency");
	codes_in_list(doc, "/iati-activities/@version", "Version");
	/* three agreements signed, three receipts, one travel expense */
	ck_assert_int_eq(xp_count(doc, "//transaction[transaction-type/@code='11']"), 3);
	ck_assert_int_eq(xp_count(doc, "//transaction[transaction-type/@code='1']"), 3);
	ck_assert_int_eq(xp_count(doc, "//transaction[transaction-type/@code='4']"), 1);
	ck_assert_int_eq(xp_count(doc, "//participating-org[@role='1']"), 3);
	s = iati_xp(doc, "concat(//transaction[transaction-type/@code='1' and value/@currency="
			 "'EUR']/value, ' ', //transaction[transaction-type/@code='4']/value)");
	ck_assert_str_eq(s, "40000.00 1250.00");
	xmlFree(s);
	ck_assert_int_eq(xp_money(doc, "USD", "//transaction[transaction-type/@code='4']/value"),
			 movement(f.c, "5200-USD", "2018-12-31", "2019-12-31"));
	xmlFreeDoc(doc);

	report(&f, p, "iati-organisation", "2019-01-01", "2019-12-31", NULL, "org.xml");
	doc = valid(p, IATI "iati-organisations-schema.xsd");
	codes_in_list(doc, "//reporting-org/@type", "OrganisationType");
	codes_in_list(doc, "//@currency | //@default-currency", "Currency");
	/* USD 1,250.00 + EUR 10.00 x 1.1187 + CHF 1,500.00 x 1.0215 */
	ck_assert_int_eq(xp_money(doc, "USD", "//total-expenditure/value"),
			 125000 + 1119 + 153225);
	ck_assert_int_eq(xp_money_sum(doc, "USD", "//expense-line/value"),
			 xp_money(doc, "USD", "//total-expenditure/value"));
	/* without the setting iati.org_ref: the placeholder */
	s = iati_xp(doc, "string(//organisation-identifier)");
	ck_assert_str_eq(s, "XI-IATI-IGFTF");
	xmlFree(s);
	xmlFreeDoc(doc);

	/* with it: the fund's identifier everywhere, still valid (settings are
	 * the owner's to write: a connection of its own) */
	owner = harness_connect(f.db);
	free(harness_query_value(owner, "INSERT INTO settings (key, value) VALUES"
				      " ('iati.org_ref', 'XM-EXAMPLE-41.1_x') RETURNING key"));
	report(&f, p, "iati-organisation", "2019-01-01", "2019-12-31", NULL, "org2.xml");
	doc = valid(p, IATI "iati-organisations-schema.xsd");
	s = iati_xp(doc, "concat(//organisation-identifier, ' ', //reporting-org/@ref)");
	ck_assert_str_eq(s, "XM-EXAMPLE-41.1_x XM-EXAMPLE-41.1_x");
	xmlFree(s);
	xmlFreeDoc(doc);
	report(&f, p, "iati-activities", "2019-01-01", "2019-12-31", NULL, "act2.xml");
	doc = valid(p, IATI "iati-activities-schema.xsd");
	s = iati_xp(doc, "concat(//iati-identifier, ' ', //reporting-org/@ref, ' ',"
			 " //participating-org[@role='4']/@ref)");
	ck_assert_str_eq(s, "XM-EXAMPLE-41.1_x-TF XM-EXAMPLE-41.1_x XM-EXAMPLE-41.1_x");
	xmlFree(s);
	xmlFreeDoc(doc);

	/* a malformed one is a bad request naming the setting */
	free(harness_query_value(owner, "UPDATE settings SET value = 'XM DAC/41'"
				      " WHERE key = 'iati.org_ref' RETURNING key"));
	{
		char *err = NULL;

		path(p, &f, "bad.xml");
		ck_assert_int_eq(harness_tfledger(&err, "report", "iati-activities", "--from", "2019-01-01",
				     "--to", "2019-12-31", "--output", p, "--database", f.db, NULL),
				 1);
		ck_assert_msg(strstr(err, "iati.org_ref"), "%s", err);
		free(err);
	}
	free(harness_query_value(owner, "DELETE FROM settings WHERE key = 'iati.org_ref'"
				       " RETURNING key"));
	PQfinish(owner);
	fx_close(&f);
}
END_TEST

/* --- reconciliation ------------------------------------------------------------------ */

/* The count of bank lines of the fixture's IBAN with match_status st, from the database. */
static long lines_with(PGconn *c, const char *st)
{
	char q[256], *v;
	long n;
	int len = snprintf(q, sizeof(q), "SELECT count(*) FROM bank_lines WHERE account ="
				       " 'CH9300762011623852957' AND match_status = '%s'", st);

	ck_assert(len > 0 && (size_t)len < sizeof(q));
	v = harness_query_value(c, q);
	n = strtol(v, NULL, 10);
	free(v);
	return n;
}

START_TEST(test_report_reconciliation__lists_what_reconcile_stored_and_ties_out)
{
	const char *rec[] = {"reconcile", "--bank-account", "1010-EUR", "--statement-account",
			     "CH9300762011623852957", "--tolerance", "50.00", "--format", "json",
			     NULL};
	const char *import[] = {"bank-statements", "import",
				SRCDATADIR "/tests/data/camt/v02_basic.xml", NULL};
	struct cli_env e;
	char a[LIMIT_PATH_BYTES], b[LIMIT_PATH_BYTES], *out = NULL, *err = NULL, *ta, *tb, *before;
	struct fx f;
	xmlDocPtr doc;
	json_t *j;
	int64_t closing, diff;

	fx_open(&f);
	json_decref(ok(f.c, fund_donor_add,
		       "{\"id\":\"fin\",\"name\":\"Finland\",\"org_type\":\"10\"}"));
	json_decref(ok(f.c, fund_donor_add,
		       "{\"id\":\"isoc\",\"name\":\"Internet Society\",\"org_type\":\"21\"}"));
	json_decref(ok(f.c, fund_pledge_add,
		       "{\"donor\":\"fin\",\"date\":\"2019-01-08\",\"amount\":\"1000.00\","
		       "\"currency\":\"EUR\",\"agreement\":\"IGF-TF-2019-03\"}"));
	json_decref(ok(f.c, fund_pledge_add,
		       "{\"donor\":\"isoc\",\"date\":\"2019-01-08\",\"amount\":\"500.00\","
		       "\"currency\":\"EUR\",\"agreement\":\"ISOC-2019\"}"));
	cli_env_open(&e, f.db);
	ck_assert_int_eq(cli_on(NULL, &err, &e.d, e.finance, import), 0);
	free(err);
	ck_assert_int_eq(cli_on(&out, &err, &e.d, e.finance, rec), 0);
	free(err);
	cli_env_close(&e);
	j = json_loads(out, 0, NULL);
	ck_assert_msg(j, "%s", out);
	free(out);

	before = harness_query_value(f.c, "SELECT string_agg(id || match_status, ',' ORDER BY id)"
					  " FROM bank_lines");
	path(a, &f, "rec-a.xml");
	path(b, &f, "rec-b.xml");
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(harness_tfledger(&err, "report", "reconciliation", "--bank-account", "1010-EUR",
				     "--from", "2019-01-01", "--to", "2019-12-31", "--output",
				     i ? b : a, "--generated-at", GEN_AT, "--database", f.db, NULL),
				 0);
		free(err);
	}
	doc = valid(a, SCHEMAS "reconciliation.xsd");
	/* the report only reads: the statuses are as reconcile left them */
	{
		char *after = harness_query_value(f.c, "SELECT string_agg(id || match_status, ','"
						  " ORDER BY id) FROM bank_lines");

		ck_assert_str_eq(after, before);
		free(after);
	}
	ck_assert_int_eq(xp_count(doc, "/r:reconciliation/r:matched/r:line"),
			 lines_with(f.c, "matched"));
	ck_assert_int_eq(xp_count(doc, "/r:reconciliation/r:suggested/r:line"),
			 lines_with(f.c, "suggested"));
	ck_assert_int_eq(xp_count(doc, "/r:reconciliation/r:unmatched/r:line"),
			 lines_with(f.c, "unmatched"));
	ck_assert_int_eq(xp_count(doc, "//r:matched/r:line"),
			 (long)json_array_size(json_object_get(j, "matched")));
	ck_assert_int_eq(xp_count(doc, "//r:suggested/r:line"),
			 (long)json_array_size(json_object_get(j, "suggested")));
	ck_assert_int_eq(xp_count(doc, "//r:unmatched/r:line"),
			 (long)json_array_size(json_object_get(j, "unmatched")));
	ck_assert_int_eq(xp_count(doc, "//r:matched/r:line"), 1);
	ck_assert_int_eq(xp_count(doc, "//r:suggested/r:line"), 1);
	ck_assert_int_eq(xp_count(doc, "//r:unmatched/r:line"), 2);
	ck_assert_int_eq(xp_count(doc, "/r:reconciliation/*[@count = count(r:line)]"), 3);
	{
		char *agr = harness_xpath(doc, "//r:matched/r:line/r:receipt/@agreement");
		char *rid = harness_xpath(doc, "//r:matched/r:line/r:receipt/@id");
		char *db_rid = harness_query_value(f.c, "SELECT id FROM receipts WHERE bank_line"
						   " IS NOT NULL");

		ck_assert_str_eq(agr, "IGF-TF-2019-03");
		ck_assert_str_eq(rid, db_rid);
		xmlFree(agr);
		xmlFree(rid);
		free(db_rid);
	}
	/* bank closing - ledger balance on the closing day, from the database */
	{
		char *v = harness_query_value(f.c, "SELECT closing_minor FROM bank_statements"
					      " WHERE account = 'CH9300762011623852957'");
		char *as_of = harness_xpath(doc, "//r:balances/r:as-of");

		closing = strtoll(v, NULL, 10);
		free(v);
		ck_assert_str_eq(as_of, "2019-02-28");
		ck_assert_int_eq(xp_money(doc, "EUR", "//r:balances/r:bank-closing"), closing);
		ck_assert_int_eq(xp_money(doc, "EUR", "//r:balances/r:ledger-balance"),
				 ledger_bal(f.c, "1010-EUR", as_of));
		diff = xp_money(doc, "EUR", "//r:balances/r:difference");
		ck_assert_int_eq(diff, closing - ledger_bal(f.c, "1010-EUR", as_of));
		ck_assert_int_eq(money_parse(&closing, json_string_value(json_object_get(
							  j, "difference")), "EUR"), 0);
		ck_assert_int_eq(diff, closing);
		xmlFree(as_of);
	}
	/* the matched line names the receipt's posting of the bank account */
	{
		char *kind = harness_xpath(doc, "//r:matched/r:line/r:posting/@kind");
		char *entry = harness_xpath(doc, "//r:matched/r:line/r:posting/@entry");
		char *db_entry = harness_query_value(f.c, "SELECT entry_id FROM receipts"
						     " WHERE bank_line IS NOT NULL");

		ck_assert_str_eq(kind, "receipt");
		ck_assert_str_eq(entry, db_entry);
		xmlFree(kind);
		xmlFree(entry);
		free(db_entry);
	}
	/* the statement: bank_reconcile_statement's figures, item by item, and
	 * the effects add up to what it says is explained */
	{
		static const char *const groups[] = {
			"receipts-in-transit", "outstanding-payments", "bank-credits-not-in-ledger",
			"bank-debits-not-in-ledger", "statement-gaps", "amount-differences"};
		static const char *const keys[] = {
			"receipts_in_transit", "outstanding_payments", "bank_credits_not_in_ledger",
			"bank_debits_not_in_ledger", "statement_gaps", "amount_differences"};
		json_t *st = NULL;
		int64_t v, sum;
		char xp[128];

		ck_assert_int_eq(bank_reconcile_setup(f.c), 0);
		ck_assert_msg(bank_reconcile_statement(&st, f.c, "1010-EUR",
						       "CH9300762011623852957",
						       "2019-12-31") == 0, "%s", err_last());
		ck_assert_int_eq(xp_count(doc, "/r:reconciliation/r:statement"), 1);
		ck_assert_int_eq(xp_money(doc, "EUR", "//r:statement/r:difference"), diff);
		sum = xp_money(doc, "EUR", "//r:statement/r:brought-forward/r:effect");
		for (size_t k = 0; k < sizeof(groups) / sizeof(groups[0]); k++) {
			json_t *g = json_object_get(st, keys[k]);

			ck_assert_int_eq(money_parse(&v, json_string_value(json_object_get(
								 g, "effect")), "EUR"), 0);
			ck_assert_int_eq(xp_money(doc, "EUR", "//r:statement/r:%s/r:effect",
						  groups[k]), v);
			sum += v;
			snprintf(xp, sizeof(xp), "//r:statement/r:%s/*[@date]", groups[k]);
			ck_assert_int_eq(xp_count(doc, xp),
					 (long)json_array_size(json_object_get(g, "items")));
		}
		ck_assert_int_eq(xp_money(doc, "EUR", "//r:statement/r:explained"), sum);
		ck_assert_int_eq(money_parse(&v, json_string_value(json_object_get(
							 st, "unexplained")), "EUR"), 0);
		ck_assert_int_eq(xp_money(doc, "EUR", "//r:statement/r:unexplained"), v);
		ck_assert_int_eq(diff - sum, v);
		/* both unmatched bank lines are in the ledger's period and not in it */
		ck_assert_int_ge(xp_count(doc, "//r:statement/r:bank-credits-not-in-ledger/r:bank-line"
					  " | //r:statement/r:bank-debits-not-in-ledger/r:bank-line"),
				 2);
		json_decref(st);
	}
	/* same arguments, same bytes */
	ta = slurp(a);
	tb = slurp(b);
	ck_assert_str_eq(ta, tb);
	free(ta);
	free(tb);
	xmlFreeDoc(doc);

	/* a period before the lines: no line, the ledger on --to, no bank closing */
	ck_assert_int_eq(harness_tfledger(&err, "report", "reconciliation", "--bank-account", "1010-EUR",
			     "--statement-account", "CH9300762011623852957", "--from",
			     "2018-01-01", "--to", "2018-12-31", "--output", a, "--generated-at",
			     GEN_AT, "--database", f.db, NULL),
			 0);
	free(err);
	doc = valid(a, SCHEMAS "reconciliation.xsd");
	ck_assert_int_eq(xp_count(doc, "//r:line"), 0);
	ck_assert_int_eq(xp_count(doc, "//r:bank-closing | //r:difference | //r:statement"), 0);
	ck_assert_int_eq(xp_money(doc, "EUR", "//r:balances/r:ledger-balance"), 0);
	xmlFreeDoc(doc);
	json_decref(j);
	free(before);
	fx_close(&f);
}
END_TEST

/* --- what every kind shares ---------------------------------------------------------- */

static const char *const kinds[] = {"account-statement", "trial-balance",
				    "donor-contributions", "in-kind", "trust-fund-statement",
				    "iati-activities", "iati-organisation"};

START_TEST(test_report_kinds__same_arguments_same_bytes)
{
	struct fx f;
	char a[LIMIT_PATH_BYTES], b[LIMIT_PATH_BYTES], *ta, *tb;

	fx_open(&f);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		report(&f, a, kinds[i], "2019-01-01", "2019-12-31", NULL, "a.xml");
		report(&f, b, kinds[i], "2019-01-01", "2019-12-31", NULL, "b.xml");
		ta = slurp(a);
		tb = slurp(b);
		ck_assert_msg(strcmp(ta, tb) == 0, "%s differs between two runs", kinds[i]);
		ck_assert_msg(strstr(ta, "<generated-at>" GEN_AT "</generated-at>") ||
				      strstr(ta, "generated-datetime=\"" GEN_AT "\""),
			      "%s: no fixed generated-at", kinds[i]);
		free(ta);
		free(tb);
	}
	fx_close(&f);
}
END_TEST

START_TEST(test_report_kinds__signed_report_verifies_and_still_checks)
{
	struct fx f;
	char p[LIMIT_PATH_BYTES], key[LIMIT_PATH_BYTES], cert[LIMIT_PATH_BYTES], *err = NULL;
	xmlDocPtr doc;

	fx_open(&f);
	path(key, &f, "k.pem");
	path(cert, &f, "c.pem");
	ck_assert_int_eq(harness_tfledger(&err, "report", "keygen", "--key", key, "--cert", cert, NULL), 0);
	free(err);
	path(p, &f, "signed.xml");
	ck_assert_int_eq(harness_tfledger(&err, "report", "account-statement", "--from", "2019-01-01", "--to",
			     "2019-12-31", "--output", p, "--sign", key, "--cert", cert,
			     "--database", f.db, NULL), 0);
	free(err);
	doc = valid(p, SCHEMAS "account-statement.xsd");
	ck_assert_int_eq(xp_count(doc, "/*/*[local-name()='Signature']"), 1);
	xmlFreeDoc(doc);
	ck_assert_int_eq(harness_tfledger(&err, "report", "verify", p, "--cert", cert, NULL), 0);
	free(err);
	ck_assert_int_eq(verify_statement(p, &err), 0);
	free(err);
	tamper(p, p, "<entry sequence=\"3\"", "24000.00", "24000.01");
	ck_assert_int_eq(harness_tfledger(&err, "report", "verify", p, "--cert", cert, NULL), 1);
	free(err);
	fx_close(&f);
}
END_TEST

/* Asserts that p is still a FIFO (not replaced by a regular file). */
static void still_fifo(const char *p)
{
	struct stat st;

	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert_msg(S_ISFIFO(st.st_mode), "%s was replaced (mode %o)", p, (unsigned)st.st_mode);
}

/* --output into a FIFO (a device such as /dev/null is the same case; never
 * tried here, since a wrong answer would break the machine): the report is
 * written through it and the FIFO stays; so is a report signed by `report
 * sign --output`; --sign into it is refused, as it signs the file in place. */
START_TEST(test_report_kinds__output_into_a_fifo_writes_through_and_keeps_the_fifo)
{
	struct fx f;
	char p[LIMIT_PATH_BYTES], fifo[LIMIT_PATH_BYTES], fifo2[LIMIT_PATH_BYTES];
	char key[LIMIT_PATH_BYTES], cert[LIMIT_PATH_BYTES], *err = NULL, *want, *got;
	struct harness_fifo *ff;
	int rc;

	fx_open(&f);
	report(&f, p, "trial-balance", "2019-01-01", "2019-12-31", NULL, "file.xml");
	path(fifo, &f, "pipe");
	ff = harness_fifo_start(fifo);
	rc = harness_tfledger(&err, "report", "trial-balance", "--from", "2019-01-01", "--to", "2019-12-31",
		 "--output", fifo, "--generated-at", GEN_AT, "--database", f.db, NULL);
	got = harness_fifo_finish(ff, NULL);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
	free(err);
	still_fifo(fifo);
	want = harness_slurp(p, NULL);
	ck_assert_msg(strcmp(got, want) == 0, "the FIFO got other bytes than the file");
	free(got);
	free(want);

	path(key, &f, "k.pem");
	path(cert, &f, "c.pem");
	ck_assert_int_eq(harness_tfledger(&err, "report", "keygen", "--key", key, "--cert", cert, NULL), 0);
	free(err);
	path(fifo2, &f, "pipe2");
	ff = harness_fifo_start(fifo2);
	rc = harness_tfledger(&err, "report", "sign", p, "--key", key, "--cert", cert, "--output", fifo2, NULL);
	got = harness_fifo_finish(ff, NULL);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
	free(err);
	still_fifo(fifo2);
	ck_assert_msg(strstr(got, "SignatureValue>"), "not signed: %.200s", got);
	free(got);

	rc = harness_tfledger(&err, "report", "trial-balance", "--from", "2019-01-01", "--to", "2019-12-31",
		 "--output", fifo, "--sign", key, "--cert", cert, "--database", f.db, NULL);
	ck_assert_msg(rc == 1 && strstr(err, "regular file"), "exit %d: %s", rc, err);
	free(err);
	still_fifo(fifo);
	fx_close(&f);
}
END_TEST

START_TEST(test_report_kinds__bad_requests_exit_1_naming_what)
{
	static const struct {
		const char *kind, *from, *to, *extra, *extra_val, *want;
	} bad[] = {
		{"balance-sheet", "2019-01-01", "2019-12-31", NULL, NULL, "unknown subcommand"},
		{"trial-balance", "2019-02-30", "2019-12-31", NULL, NULL, "--from"},
		{"trial-balance", "2019-12-31", "2019-01-01", NULL, NULL, "after"},
		{"trial-balance", "2019-01-01", "2019-12-31", "--generated-at", "yesterday",
		 "--generated-at"},
		{"account-statement", "2019-01-01", "2019-12-31", "--account", "9999-XXX",
		 "no such account"},
		{"trial-balance", "2019-01-01", "2019-12-31", "--account", "1010-EUR", "--account"},
		{"trial-balance", "2019-01-01", "2019-12-31", "--sign", "k.pem", "--sign"},
		{"reconciliation", "2019-01-01", "2019-12-31", NULL, NULL, "--bank-account"},
		{"reconciliation", "2019-01-01", "2019-12-31", "--bank-account", "9999-XXX",
		 "no such account"},
		{"reconciliation", "2019-01-01", "2019-12-31", "--bank-account", "1200-EUR",
		 "not a bank account"},
		{"reconciliation", "2019-01-01", "2019-12-31", "--bank-account", "1010-EUR",
		 "no bank statement"},
		{"trial-balance", "2019-01-01", "2019-12-31", "--bank-account", "1010-EUR",
		 "--bank-account"},
	};
	struct fx f;
	char p[LIMIT_PATH_BYTES];

	fx_open(&f);
	path(p, &f, "bad.xml");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		int rc;

		if (bad[i].extra)
			rc = harness_tfledger(&err, "report", bad[i].kind, "--from", bad[i].from, "--to", bad[i].to,
				 bad[i].extra, bad[i].extra_val, "--output", p, "--database", f.db,
				 NULL);
		else
			rc = harness_tfledger(&err, "report", bad[i].kind, "--from", bad[i].from, "--to", bad[i].to,
				 "--output", p, "--database", f.db, NULL);
		harness_expect_run_refused(i, rc, err, bad[i].want, p);
	}
	fx_close(&f);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test kinds_tests[] = {
		{test_report_statement__all_accounts_valid_ties_out_and_verifies, 0},
		{test_report_statement__mid_period_carries_the_chain_to_the_head, 0},
		{test_report_statement__one_account_and_an_empty_period, 0},
		{test_report_verify_statement__refuses_any_change, 0},
		{test_report_trial_balance__zero_per_currency_and_usd_at_un_rates, 0},
		{test_report_donors__ranked_by_usd_tied_to_revenue_and_receivables, 0},
		{test_report_inkind__fair_values_tied_to_the_ledger, 0},
		{test_report_fund_statement__sections_tie_to_the_accounts, 0},
		{test_report_iati__valid_against_official_schemas_and_codelists, 0},
		{test_report_reconciliation__lists_what_reconcile_stored_and_ties_out, 0},
		{test_report_kinds__same_arguments_same_bytes, 0},
		{test_report_kinds__signed_report_verifies_and_still_checks, 0},
		{test_report_kinds__bad_requests_exit_1_naming_what, 0},
		{test_report_kinds__output_into_a_fifo_writes_through_and_keeps_the_fifo, 0},
	};
	Suite *s = suite_create("reports_kinds");

	harness_add_tcase(s, "kinds", NULL, NULL, 120, kinds_tests, HARNESS_N(kinds_tests));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
