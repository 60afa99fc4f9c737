/*
 * test_reports_ipsas.c - the four IPSAS statements (financial-position,
 * financial-performance, changes-in-net-assets, cash-flow) written by the
 * real `tfledger report KIND` from a small fund in USD and EUR over
 * January and February 2019, every figure computed by hand below (EUR at
 * 1.10 USD in January, 1.20 in February):
 *
 *   2019-01-10 pledge eu 10,000.00 EUR       Dr 1200-EUR / Cr 4100-EUR
 *   2019-01-15 pledge usa 5,000.00 USD       Dr 1200-USD / Cr 4100-USD
 *   2019-01-20 receipt 10,000.00 EUR         Dr 1010-EUR / Cr 1200-EUR
 *   2019-01-25 receipt 5,000.00 USD          Dr 1010-USD / Cr 1200-USD
 *   2019-01-28 travel paid 1,200.00 USD      Dr 5200-USD / Cr 1010-USD
 *   2019-01-31 PSC 156.00 USD                Dr 5800-USD / Cr 2300-USD
 *   2019-02-05 pledge eu 3,000.00 EUR        Dr 1200-EUR / Cr 4100-EUR
 *   2019-02-10 travel paid 500.00 EUR        Dr 5200-EUR / Cr 1010-EUR
 *   2019-02-15 PSC paid 100.00 USD           Dr 2300-USD / Cr 1010-USD
 *   2019-02-20 transfer 1,000.00 USD -> 800.00 EUR (through 3900)
 *   2019-02-28 interest 12.34 EUR            Dr 1010-EUR / Cr 4300-EUR
 *   2019-02-28 reserve 500.00 USD            Dr 3100-USD / Cr 3200-USD
 *   2019-02-28 revaluation R(Feb) 960.00     Dr 3900-USD / Cr 4900-USD
 *
 * NA(Jan) = 11,000.00 + 3,800.00 - 156.00 = 14,644.00 = S(Jan): R(Jan) = 0.
 * NA(Feb) = 1010-EUR 10,312.34 x 1.2 = 12,374.81 (12,374.808) + 1010-USD
 * 2,700.00 + 1200-EUR 3,000.00 x 1.2 = 3,600.00 - 2300-USD 56.00
 * = 18,618.81; S(Feb) without 4900 = 3,600.00 + 14.81 - 600.00 = 3,014.81;
 * R(Feb) = 18,618.81 - 14,644.00 - 3,014.81 = 960.00 (the 10,000 EUR held
 * gained 1,000.00, the transfer lost 40.00).
 *
 * Over HTTP (the real tfledgerd): the CLI's bytes, 422 missing-rate, 400
 * for a period that is not whole months.
 */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "common/xml.h"
#include "fund/fund.h"
#include "ledger/ledger.h"
#include "tests/harness/harness.h"
#include "tests/integration/ledger_fixture.h"

#define SCHEMAS SRCDATADIR "/reports/schemas/"
#define GEN_AT "2019-03-05T09:30:00Z"

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

#define ok(c, op, ...) harness_op_ok(c, op, &who, __VA_ARGS__)

static long long id_of(json_t *o)
{
	long long id = json_integer_value(json_object_get(o, "id"));

	json_decref(o);
	return id;
}

static void path(char *out, const struct fx *f, const char *name)
{
	int n = snprintf(out, LIMIT_PATH_BYTES, "%s/%s", f->dir, name);

	ck_assert(n > 0 && n < LIMIT_PATH_BYTES);
}

/* An entry of n postings {account, debit?, amount (minor), currency} on date. */
struct leg {
	const char *account;
	bool debit;
	int64_t amount;
	const char *ccy;
};

static void post(struct fx *f, const char *date, const char *memo, const struct leg *legs,
		 size_t n)
{
	struct ledger_entry e = {.n_postings = n};

	snprintf(e.date, sizeof(e.date), "%s", date);
	e.memo = strdup(memo);
	e.reference = strdup("");
	e.postings = calloc(n, sizeof(*e.postings));
	ck_assert(e.memo && e.reference && e.postings);
	for (size_t i = 0; i < n; i++) {
		snprintf(e.postings[i].account, sizeof(e.postings[i].account), "%s",
			 legs[i].account);
		e.postings[i].debit = legs[i].debit;
		e.postings[i].amount_minor = legs[i].amount;
		snprintf(e.postings[i].currency, sizeof(e.postings[i].currency), "%s", legs[i].ccy);
	}
	ck_assert_int_eq(db_exec_sql(f->c, "BEGIN"), 0);
	ck_assert_msg(fund_append(f->c, &e, &who, "test.ipsas") == 0, "%s: %s", memo, err_last());
	ck_assert_int_eq(db_exec_sql(f->c, "COMMIT"), 0);
	ledger_entry_free(&e);
}

#define POST(f, date, memo, ...)                                                  \
	do {                                                                      \
		const struct leg l_[] = {__VA_ARGS__};                            \
		post((f), (date), (memo), l_, sizeof(l_) / sizeof(l_[0]));        \
	} while (0)

/* The fund of the header, without R(Feb) (post_revaluation); rates: the
 * CSV text given. */
static void fx_open_rates(struct fx *f, const char *rates_csv)
{
	char rates[LIMIT_PATH_BYTES];
	json_t *out = NULL;
	long long eu, usa;
	FILE *fp;
	int created;

	memset(f, 0, sizeof(*f));
	harness_new_db(f->db, sizeof(f->db));
	harness_tmpdir(f->dir, sizeof(f->dir));
	f->c = harness_connect(f->db);
	ck_assert_int_eq(ledger_store_setup(f->c), 0);
	ck_assert_int_eq(fund_setup(f->c), 0);
	ck_assert_msg(fund_init(&created, f->c, &who) == 0, "%s", err_last());
	path(rates, f, "rates.csv");
	ck_assert((fp = fopen(rates, "w")) != NULL);
	fputs(rates_csv, fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_msg(fund_rates_import(&out, f->c, rates, &who) == 0, "%s", err_last());
	json_decref(out);
	json_decref(ok(f->c, fund_donor_add,
		       "{\"id\":\"eu\",\"name\":\"European Commission\",\"org_type\":\"40\"}"));
	json_decref(ok(f->c, fund_donor_add, "{\"id\":\"usa\",\"name\":\"United States\","
					     "\"org_type\":\"10\",\"country\":\"USA\"}"));
	eu = id_of(ok(f->c, fund_pledge_add,
		      "{\"donor\":\"eu\",\"date\":\"2019-01-10\",\"amount\":\"10000.00\","
		      "\"currency\":\"EUR\",\"agreement\":\"EU-2019-1\"}"));
	usa = id_of(ok(f->c, fund_pledge_add,
		       "{\"donor\":\"usa\",\"date\":\"2019-01-15\",\"amount\":\"5000.00\","
		       "\"currency\":\"USD\",\"agreement\":\"US-2019-1\"}"));
	json_decref(ok(f->c, fund_receipt_add,
		       "{\"pledge\":%lld,\"date\":\"2019-01-20\",\"bank_account\":\"1010-EUR\","
		       "\"amount\":\"10000.00\"}", eu));
	json_decref(ok(f->c, fund_receipt_add,
		       "{\"pledge\":%lld,\"date\":\"2019-01-25\",\"bank_account\":\"1010-USD\","
		       "\"amount\":\"5000.00\"}", usa));
	POST(f, "2019-01-28", "Travel support paid", {"5200-USD", true, 120000, "USD"},
	     {"1010-USD", false, 120000, "USD"});
	POST(f, "2019-01-31", "Programme support costs, January", {"5800-USD", true, 15600, "USD"},
	     {"2300-USD", false, 15600, "USD"});
	json_decref(ok(f->c, fund_pledge_add,
		       "{\"donor\":\"eu\",\"date\":\"2019-02-05\",\"amount\":\"3000.00\","
		       "\"currency\":\"EUR\",\"agreement\":\"EU-2019-2\"}"));
	POST(f, "2019-02-10", "Travel support paid in EUR", {"5200-EUR", true, 50000, "EUR"},
	     {"1010-EUR", false, 50000, "EUR"});
	POST(f, "2019-02-15", "Programme support costs paid", {"2300-USD", true, 10000, "USD"},
	     {"1010-USD", false, 10000, "USD"});
	POST(f, "2019-02-20", "Transfer USD to EUR", {"1010-EUR", true, 80000, "EUR"},
	     {"3900-EUR", false, 80000, "EUR"}, {"3900-USD", true, 100000, "USD"},
	     {"1010-USD", false, 100000, "USD"});
	POST(f, "2019-02-28", "Interest", {"1010-EUR", true, 1234, "EUR"},
	     {"4300-EUR", false, 1234, "EUR"});
	POST(f, "2019-02-28", "Operating cash reserve", {"3100-USD", true, 50000, "USD"},
	     {"3200-USD", false, 50000, "USD"});
}

static const char rates_csv[] = "currency,month,usd_per_unit\n"
				"EUR,2019-01,1.10\nEUR,2019-02,1.20\nEUR,2019-03,1.20\n";

/* R(Feb), by hand as docs/controls.md defines it (header). */
static void post_revaluation(struct fx *f)
{
	POST(f, "2019-02-28", "Revaluation 2019-02", {"3900-USD", true, 96000, "USD"},
	     {"4900-USD", false, 96000, "USD"});
}

static void fx_open(struct fx *f)
{
	fx_open_rates(f, rates_csv);
	post_revaluation(f);
}

static void fx_close(struct fx *f)
{
	if (f->d.pid)
		daemon_stop(&f->d);
	free(f->auditor);
	f->auditor = NULL;
	PQfinish(f->c);
}

/* `tfledger report kind` through tfledgerd (started on first use, an
 * auditor's token) into dir/name, then parsed and valid against its
 * schema; the caller frees the document. */
static xmlDocPtr report(struct fx *f, char *out, const char *kind, const char *from,
			const char *to, const char *name)
{
	char xsd[LIMIT_PATH_BYTES], *err = NULL;
	xmlDocPtr doc = NULL;
	int rc;

	path(out, f, name);
	if (!f->d.pid) {
		f->auditor = make_token(f->db, "auditor", "reports-aud");
		daemon_start(&f->d, f->db, f->dir);
	}
	rc = harness_tfledger(&err, "report", kind, "--from", from, "--to", to, "--output", out,
		 "--generated-at", GEN_AT, "--url", f->d.base, "--token", f->auditor, NULL);
	ck_assert_msg(rc == 0, "report %s: exit %d: %s", kind, rc, err);
	free(err);
	snprintf(xsd, sizeof(xsd), SCHEMAS "%s.xsd", kind);
	ck_assert_msg(xml_read_file(&doc, out) == 0, "%s", err_last());
	ck_assert_msg(xml_validate(doc, xsd, out) == 0, "%s", err_last());
	return doc;
}

/* A USD (or ccy) figure at an XPath expression (printf format). */
static int64_t xp_money(xmlDocPtr doc, const char *ccy, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int64_t xp_money(xmlDocPtr doc, const char *ccy, const char *fmt, ...)
{
	char expr[512], *s;
	int64_t v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(expr, sizeof(expr), fmt, ap);
	va_end(ap);
	s = harness_xpath(doc, "string(%s)", expr);
	ck_assert_msg(money_parse(&v, s, ccy) == 0, "%s = '%s': %s", expr, s, err_last());
	xmlFree(s);
	return v;
}

static long xp_count(xmlDocPtr doc, const char *expr)
{
	char *s = harness_xpath(doc, "count(%s)", expr);
	long n = strtol(s, NULL, 10);

	xmlFree(s);
	return n;
}

static void expect_xp(xmlDocPtr doc, const char *expr, const char *want)
{
	char *s = harness_xpath(doc, "string(%s)", expr);

	ck_assert_msg(strcmp(s, want) == 0, "%s = '%s', expected '%s'", expr, s, want);
	xmlFree(s);
}

#define USD(doc, ...) xp_money((doc), "USD", __VA_ARGS__)

/* An account of a line: its amount in ccy and its USD (balances). */
static void expect_account_at(xmlDocPtr doc, const char *scope, const char *line,
			      const char *code, const char *ccy, int64_t amount, int64_t usd,
			      const char *rate)
{
	char a[256];

	snprintf(a, sizeof(a), "%s/r:line[@id='%s']/r:account[@code='%s']", scope, line, code);
	ck_assert_int_eq(xp_count(doc, a), 1);
	ck_assert_int_eq(xp_money(doc, ccy, "%s/r:amount", a), amount);
	ck_assert_int_eq(USD(doc, "%s/r:usd", a), usd);
	if (rate) {
		char r[300];

		snprintf(r, sizeof(r), "%s/r:usd/@rate", a);
		expect_xp(doc, r, rate);
	}
}

#define FP "/r:financial-position"

START_TEST(test_ipsas_position__every_figure_exact_and_balanced)
{
	struct fx f;
	char p[LIMIT_PATH_BYTES];
	xmlDocPtr doc;

	fx_open(&f);
	doc = report(&f, p, "financial-position", "2019-01-01", "2019-02-28", "fp.xml");
	expect_xp(doc, FP "/r:as-of", "2019-02-28");
	expect_xp(doc, FP "/r:rate-month", "2019-02");
	/* 10,312.34 EUR x 1.2 = 12,374.808: rounded half away from zero */
	expect_account_at(doc, FP "/r:assets", "cash", "1010-EUR", "EUR", 1031234, 1237481, "1.2");
	expect_account_at(doc, FP "/r:assets", "cash", "1010-USD", "USD", 270000, 270000, NULL);
	ck_assert_int_eq(xp_count(doc, FP "/r:assets/r:line[@id='cash']/r:account"), 2);
	ck_assert_int_eq(USD(doc, FP "/r:assets/r:line[@id='cash']/r:total-usd"), 1507481);
	expect_account_at(doc, FP "/r:assets", "receivables", "1200-EUR", "EUR", 300000, 360000,
			  NULL);
	ck_assert_int_eq(xp_count(doc, FP "/r:assets/r:line[@id='receivables']/r:account"), 1);
	ck_assert_int_eq(USD(doc, FP "/r:assets/r:line[@id='other-assets']/r:total-usd"), 0);
	ck_assert_int_eq(USD(doc, FP "/r:assets/r:total-usd"), 1867481);
	expect_account_at(doc, FP "/r:liabilities", "psc-payable", "2300-USD", "USD", 5600, 5600,
			  NULL);
	ck_assert_int_eq(USD(doc, FP "/r:liabilities/r:line[@id='advance-receipts']/r:total-usd"),
			 0);
	ck_assert_int_eq(USD(doc, FP "/r:liabilities/r:total-usd"), 5600);
	expect_account_at(doc, FP "/r:net-assets", "restricted", "3200-USD", "USD", 50000, 50000,
			  NULL);
	ck_assert_int_eq(USD(doc, FP "/r:net-assets/r:line[@id='accumulated-surplus']/r:total-usd"),
			 1811881);
	ck_assert_int_eq(USD(doc, FP "/r:net-assets/r:total-usd"), 1861881);
	/* assets = liabilities + net assets; the other side of the journal agrees */
	ck_assert_int_eq(USD(doc, FP "/r:check/r:assets"), 1867481);
	ck_assert_int_eq(USD(doc, FP "/r:check/r:liabilities-and-net-assets"), 1867481);
	ck_assert_int_eq(USD(doc, FP "/r:check/r:net-assets-from-accounts"), 1861881);
	ck_assert_int_eq(USD(doc, FP "/r:check/r:rounding-difference"), 0);
	xmlFreeDoc(doc);
	/* as of January: the January rate, before February's entries */
	doc = report(&f, p, "financial-position", "2019-01-01", "2019-01-31", "fp1.xml");
	expect_account_at(doc, FP "/r:assets", "cash", "1010-EUR", "EUR", 1000000, 1100000, "1.1");
	ck_assert_int_eq(USD(doc, FP "/r:net-assets/r:total-usd"), 1464400);
	ck_assert_int_eq(USD(doc, FP "/r:net-assets/r:line[@id='restricted']/r:total-usd"), 0);
	xmlFreeDoc(doc);
	fx_close(&f);
}
END_TEST

#define PERF "/r:financial-performance"

START_TEST(test_ipsas_performance__each_month_at_its_rate)
{
	struct fx f;
	char p[LIMIT_PATH_BYTES], a[200];
	xmlDocPtr doc;

	fx_open(&f);
	doc = report(&f, p, "financial-performance", "2019-01-01", "2019-02-28", "perf.xml");
	/* 4100-EUR: 10,000.00 in January at 1.10, 3,000.00 in February at 1.20 */
	snprintf(a, sizeof(a), PERF "/r:revenue/r:line[@id='contributions']/r:account"
				     "[@code='4100-EUR']");
	ck_assert_int_eq(xp_count(doc, a), 1);
	ck_assert_int_eq(xp_count(doc, "//r:account[@code='4100-EUR']/r:month"), 2);
	ck_assert_int_eq(USD(doc, "%s/r:month[1]/r:usd", a), 1100000);
	expect_xp(doc, "//r:account[@code='4100-EUR']/r:month[1]/r:usd/@rate-month", "2019-01");
	ck_assert_int_eq(USD(doc, "%s/r:month[2]/r:usd", a), 360000);
	expect_xp(doc, "//r:account[@code='4100-EUR']/r:month[2]/r:usd/@rate", "1.2");
	ck_assert_int_eq(xp_money(doc, "EUR", "%s/r:amount", a), 1300000);
	ck_assert_int_eq(USD(doc, "%s/r:total-usd", a), 1460000);
	ck_assert_int_eq(USD(doc, PERF "/r:revenue/r:line[@id='contributions']/r:total-usd"),
			 1960000);
	/* 12.34 EUR x 1.2 = 14.808 */
	ck_assert_int_eq(USD(doc, PERF "/r:revenue/r:line[@id='interest']/r:total-usd"), 1481);
	ck_assert_int_eq(USD(doc, PERF "/r:revenue/r:line[@id='exchange-gains']/r:total-usd"),
			 96000);
	ck_assert_int_eq(USD(doc, PERF "/r:revenue/r:total-usd"), 2057481);
	ck_assert_int_eq(USD(doc, PERF "/r:expenses/r:line[@id='travel']/r:total-usd"), 180000);
	ck_assert_int_eq(xp_count(doc, PERF "/r:expenses/r:line[@id='travel']/r:account"), 2);
	ck_assert_int_eq(USD(doc, PERF "/r:expenses/r:line[@id='psc']/r:total-usd"), 15600);
	ck_assert_int_eq(USD(doc, PERF "/r:expenses/r:line[@id='charges']/r:total-usd"), 0);
	ck_assert_int_eq(USD(doc, PERF "/r:expenses/r:total-usd"), 195600);
	ck_assert_int_eq(USD(doc, PERF "/r:surplus"), 1861881);
	/* no account of a line another line takes, no memo account */
	ck_assert_int_eq(xp_count(doc, "//r:account[starts-with(@code, '8')]"), 0);
	ck_assert_int_eq(xp_count(doc, "//r:account[starts-with(@code, '3')]"), 0);
	xmlFreeDoc(doc);
	/* February alone */
	doc = report(&f, p, "financial-performance", "2019-02-01", "2019-02-28", "perf2.xml");
	ck_assert_int_eq(USD(doc, PERF "/r:revenue/r:total-usd"), 457481);
	ck_assert_int_eq(USD(doc, PERF "/r:expenses/r:total-usd"), 60000);
	ck_assert_int_eq(USD(doc, PERF "/r:surplus"), 397481);
	xmlFreeDoc(doc);
	fx_close(&f);
}
END_TEST

#define CNA "/r:changes-in-net-assets"
#define ROW(id, col) CNA "/r:rows/r:row[@id='" id "']/r:" col

/* The rows of changes-in-net-assets: opening + surplus + not posted = closing,
 * the reserve moved within net assets, ties to the positions it reads. */
static void expect_changes(xmlDocPtr doc, int64_t opening, int64_t surplus, int64_t not_posted,
			   int64_t closing, int64_t reserve)
{
	ck_assert_int_eq(USD(doc, ROW("opening", "total")), opening);
	ck_assert_int_eq(USD(doc, ROW("surplus", "total")), surplus);
	ck_assert_int_eq(USD(doc, ROW("surplus", "accumulated-surplus")), surplus);
	ck_assert_int_eq(USD(doc, ROW("reserve-transfers", "restricted")), reserve);
	ck_assert_int_eq(USD(doc, ROW("reserve-transfers", "accumulated-surplus")), -reserve);
	ck_assert_int_eq(USD(doc, ROW("reserve-transfers", "total")), 0);
	ck_assert_int_eq(USD(doc, ROW("revaluation-not-posted", "total")), not_posted);
	ck_assert_int_eq(USD(doc, ROW("closing", "total")), closing);
	ck_assert_int_eq(USD(doc, ROW("closing", "restricted")), reserve);
	ck_assert_int_eq(opening + surplus + not_posted, closing);
	ck_assert_int_eq(USD(doc, CNA "/r:opening-position/r:net-assets/r:total-usd"), opening);
	ck_assert_int_eq(USD(doc, CNA "/r:closing-position/r:net-assets/r:total-usd"), closing);
	ck_assert_int_eq(USD(doc, CNA "/r:performance/r:surplus"), surplus);
}

START_TEST(test_ipsas_changes__opening_plus_surplus_is_closing)
{
	struct fx f;
	char p[LIMIT_PATH_BYTES];
	xmlDocPtr doc;

	fx_open_rates(&f, rates_csv);
	/* February not revalued yet: the difference shows, never forced */
	doc = report(&f, p, "changes-in-net-assets", "2019-01-01", "2019-02-28", "c0.xml");
	expect_changes(doc, 0, 1861881 - 96000, 96000, 1861881, 50000);
	xmlFreeDoc(doc);
	post_revaluation(&f);
	doc = report(&f, p, "changes-in-net-assets", "2019-01-01", "2019-02-28", "c1.xml");
	expect_changes(doc, 0, 1861881, 0, 1861881, 50000);
	expect_xp(doc, CNA "/r:opening-position/r:as-of", "2018-12-31");
	xmlFreeDoc(doc);
	/* February alone: the opening at January's rate */
	doc = report(&f, p, "changes-in-net-assets", "2019-02-01", "2019-02-28", "c2.xml");
	expect_changes(doc, 1464400, 397481, 0, 1861881, 50000);
	expect_xp(doc, CNA "/r:opening-position/r:as-of", "2019-01-31");
	expect_xp(doc, CNA "/r:opening-position/r:rate-month", "2019-01");
	ck_assert_int_eq(USD(doc, CNA "/r:opening-position/r:assets/r:line[@id='cash']/"
				  "r:account[@code='1010-EUR']/r:usd"), 1100000);
	xmlFreeDoc(doc);
	fx_close(&f);
}
END_TEST

#define CF "/r:cash-flow"

START_TEST(test_ipsas_cash_flow__direct_method_ties_to_cash)
{
	struct fx f;
	char p[LIMIT_PATH_BYTES];
	xmlDocPtr doc;
	int64_t opening, closing, net, effect;

	fx_open(&f);
	doc = report(&f, p, "cash-flow", "2019-01-01", "2019-02-28", "cf.xml");
	ck_assert_int_eq(USD(doc, CF "/r:receipts/r:line[@id='contributions']/r:total-usd"),
			 1600000);
	ck_assert_int_eq(USD(doc, CF "/r:receipts/r:line[@id='contributions']/r:account"
				  "[@code='1010-EUR']/r:month[1]/r:usd"), 1100000);
	ck_assert_int_eq(xp_money(doc, "EUR", CF "/r:receipts/r:line[@id='contributions']/"
				       "r:account[@code='1010-EUR']/r:amount"), 1000000);
	ck_assert_int_eq(USD(doc, CF "/r:receipts/r:line[@id='interest']/r:total-usd"), 1481);
	ck_assert_int_eq(USD(doc, CF "/r:receipts/r:line[@id='other-receipts']/r:total-usd"), 0);
	ck_assert_int_eq(USD(doc, CF "/r:receipts/r:total-usd"), 1601481);
	ck_assert_int_eq(USD(doc, CF "/r:payments/r:line[@id='travel']/r:total-usd"), 180000);
	ck_assert_int_eq(xp_count(doc, CF "/r:payments/r:line[@id='travel']/r:account"), 2);
	ck_assert_int_eq(USD(doc, CF "/r:payments/r:line[@id='psc']/r:total-usd"), 10000);
	ck_assert_int_eq(USD(doc, CF "/r:payments/r:line[@id='other-payments']/r:total-usd"), 0);
	ck_assert_int_eq(USD(doc, CF "/r:payments/r:total-usd"), 190000);
	net = USD(doc, CF "/r:net-cash-flows");
	ck_assert_int_eq(net, 1411481);
	/* the transfer: -1,000.00 USD and +800.00 EUR (960.00 USD), not a flow */
	ck_assert_int_eq(USD(doc, CF "/r:transfers/r:account[@code='1010-USD']/r:total-usd"),
			 -100000);
	ck_assert_int_eq(USD(doc, CF "/r:transfers/r:account[@code='1010-EUR']/r:total-usd"), 96000);
	ck_assert_int_eq(USD(doc, CF "/r:transfers/r:total-usd"), -4000);
	opening = USD(doc, CF "/r:opening-cash/r:total-usd");
	closing = USD(doc, CF "/r:closing-cash/r:total-usd");
	effect = USD(doc, CF "/r:effect-of-exchange-rates");
	ck_assert_int_eq(opening, 0);
	ck_assert_int_eq(closing, 1507481);
	ck_assert_int_eq(effect, 96000);
	ck_assert_int_eq(USD(doc, CF "/r:net-change-in-cash"), closing - opening);
	ck_assert_int_eq(net + effect, closing - opening);
	/* the closing cash is the ledger's */
	ck_assert_int_eq(xp_money(doc, "EUR", CF "/r:closing-cash/r:account[@code='1010-EUR']/"
				       "r:amount"), 1031234);
	harness_expect_balance(f.c, "1010-EUR", "1031234");
	harness_expect_balance(f.c, "1010-USD", "270000");
	xmlFreeDoc(doc);
	/* February alone: opening cash at January's rate */
	doc = report(&f, p, "cash-flow", "2019-02-01", "2019-02-28", "cf2.xml");
	opening = USD(doc, CF "/r:opening-cash/r:total-usd");
	closing = USD(doc, CF "/r:closing-cash/r:total-usd");
	net = USD(doc, CF "/r:net-cash-flows");
	effect = USD(doc, CF "/r:effect-of-exchange-rates");
	ck_assert_int_eq(opening, 1480000);
	ck_assert_int_eq(net, 1481 - 70000);
	ck_assert_int_eq(effect, 96000);
	ck_assert_int_eq(net + effect, closing - opening);
	expect_xp(doc, CF "/r:opening-cash/r:account[@code='1010-EUR']/r:usd/@rate-month",
		  "2019-01");
	xmlFreeDoc(doc);
	fx_close(&f);
}
END_TEST

/* March, in USD: each line of the cash flow, flows the other way counted
 * negative on their line, counterparts no line names in other-. */
START_TEST(test_ipsas_cash_flow__every_line_and_refunds)
{
	static const struct {
		const char *section, *line;
		int64_t usd;
	} want[] = {
		{"receipts", "contributions", -30000}, {"receipts", "interest", 0},
		{"receipts", "other-receipts", 5000},  {"payments", "travel", -20000},
		{"payments", "charges", 500},          {"payments", "staff", 40000},
		{"payments", "meetings", 25000},       {"payments", "contractual", 0},
		{"payments", "psc", 0},                {"payments", "other-payments", 2000},
	};
	struct fx f;
	char p[LIMIT_PATH_BYTES];
	xmlDocPtr doc;

	fx_open(&f);
	POST(&f, "2019-03-05", "Travel refunded", {"1010-USD", true, 20000, "USD"},
	     {"5200-USD", false, 20000, "USD"});
	POST(&f, "2019-03-10", "Refund to a donor", {"4100-USD", true, 30000, "USD"},
	     {"1010-USD", false, 30000, "USD"});
	POST(&f, "2019-03-12", "Other receipt", {"1010-USD", true, 5000, "USD"},
	     {"3100-USD", false, 5000, "USD"});
	POST(&f, "2019-03-15", "Staff", {"5400-USD", true, 40000, "USD"},
	     {"1010-USD", false, 40000, "USD"});
	POST(&f, "2019-03-16", "Meeting and contractor", {"5500-USD", true, 10000, "USD"},
	     {"5600-USD", true, 15000, "USD"}, {"1010-USD", false, 25000, "USD"});
	POST(&f, "2019-03-20", "Bank charge", {"5100-USD", true, 500, "USD"},
	     {"1010-USD", false, 500, "USD"});
	POST(&f, "2019-03-25", "Other payment", {"3100-USD", true, 2000, "USD"},
	     {"1010-USD", false, 2000, "USD"});
	doc = report(&f, p, "cash-flow", "2019-03-01", "2019-03-31", "cf3.xml");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(USD(doc, CF "/r:%s/r:line[@id='%s']/r:total-usd", want[i].section,
				  want[i].line) == want[i].usd, "%s", want[i].line);
	/* one entry paying two lines is classed whole by the first: meetings (5500) */
	ck_assert_int_eq(USD(doc, CF "/r:payments/r:line[@id='meetings']/r:account"
				  "[@code='1010-USD']/r:amount"), 25000);
	ck_assert_int_eq(USD(doc, CF "/r:receipts/r:total-usd"), -25000);
	ck_assert_int_eq(USD(doc, CF "/r:payments/r:total-usd"), 47500);
	ck_assert_int_eq(USD(doc, CF "/r:net-cash-flows"), -72500);
	ck_assert_int_eq(USD(doc, CF "/r:opening-cash/r:total-usd"), 1507481);
	ck_assert_int_eq(USD(doc, CF "/r:closing-cash/r:total-usd"), 1434981);
	ck_assert_int_eq(USD(doc, CF "/r:effect-of-exchange-rates"), 0);
	xmlFreeDoc(doc);
	fx_close(&f);
}
END_TEST

/* Every kind: signed, verified, still valid; the same arguments, the same bytes. */
START_TEST(test_ipsas_kinds__signed_verified_and_the_same_bytes)
{
	static const char *const kinds[] = {"financial-position", "financial-performance",
					    "changes-in-net-assets", "cash-flow"};
	struct fx f;
	char p[LIMIT_PATH_BYTES], q[LIMIT_PATH_BYTES], key[LIMIT_PATH_BYTES],
		cert[LIMIT_PATH_BYTES], xsd[LIMIT_PATH_BYTES], *err = NULL;
	xmlDocPtr doc;

	fx_open(&f);
	path(key, &f, "k.pem");
	path(cert, &f, "c.pem");
	ck_assert_int_eq(harness_tfledger(&err, "report", "keygen", "--key", key, "--cert", cert, NULL), 0);
	free(err);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char *a, *b;

		xmlFreeDoc(report(&f, p, kinds[i], "2019-01-01", "2019-02-28", "a.xml"));
		xmlFreeDoc(report(&f, q, kinds[i], "2019-01-01", "2019-02-28", "b.xml"));
		a = harness_slurp(p, NULL);
		b = harness_slurp(q, NULL);
		ck_assert_msg(strcmp(a, b) == 0, "%s differs between two runs", kinds[i]);
		free(a);
		free(b);
		ck_assert_int_eq(harness_tfledger(&err, "report", kinds[i], "--from", "2019-01-01", "--to",
				     "2019-02-28", "--output", p, "--sign", key, "--cert", cert,
				     "--database", f.db, NULL), 0);
		free(err);
		snprintf(xsd, sizeof(xsd), SCHEMAS "%s.xsd", kinds[i]);
		ck_assert_msg(xml_read_file(&doc, p) == 0, "%s", err_last());
		ck_assert_msg(xml_validate(doc, xsd, p) == 0, "%s: %s", kinds[i], err_last());
		ck_assert_int_eq(xp_count(doc, "/*/*[local-name()='Signature']"), 1);
		xmlFreeDoc(doc);
		ck_assert_int_eq(harness_tfledger(&err, "report", "verify", p, "--cert", cert, NULL), 0);
		free(err);
	}
	fx_close(&f);
}
END_TEST

/* A missing rate: each kind refuses once, listing every missing rate it needs. */
START_TEST(test_ipsas_kinds__missing_rates_in_one_list)
{
	static const struct {
		const char *kind, *want;
	} cases[] = {
		{"financial-position", "no UN operational rate for CHF 2019-02, EUR 2019-02 "
				       "(tfledger rates import)"},
		{"financial-performance", "no UN operational rate for CHF 2019-01, EUR 2019-02 "},
		{"changes-in-net-assets", "no UN operational rate for CHF 2019-01, CHF 2019-02, "
					  "EUR 2019-02 "},
		{"cash-flow", "no UN operational rate for CHF 2019-01, CHF 2019-02, EUR 2019-02 "},
	};
	struct fx f;
	char p[LIMIT_PATH_BYTES], *err = NULL;

	fx_open_rates(&f, "currency,month,usd_per_unit\nEUR,2019-01,1.10\n");
	POST(&f, "2019-01-31", "Interest in CHF", {"1010-CHF", true, 10000, "CHF"},
	     {"4300-CHF", false, 10000, "CHF"});
	path(p, &f, "missing.xml");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = harness_tfledger(&err, "report", cases[i].kind, "--from", "2019-01-01", "--to",
			     "2019-02-28", "--output", p, "--database", f.db, NULL);

		harness_expect_run_refused(i, rc, err, cases[i].want, p);
	}
	/* January alone needs only CHF's January rate */
	ck_assert_int_eq(harness_tfledger(&err, "report", "cash-flow", "--from", "2019-01-01", "--to",
			     "2019-01-31", "--output", p, "--database", f.db, NULL), 1);
	ck_assert_msg(strstr(err, "no UN operational rate for CHF 2019-01 (tfledger"), "%s", err);
	free(err);
	fx_close(&f);
}
END_TEST

START_TEST(test_ipsas_kinds__a_period_of_whole_months_only)
{
	static const struct {
		const char *kind, *from, *to, *want;
	} bad[] = {
		{"financial-position", "2019-01-05", "2019-02-28",
		 "financial-position covers whole months: --from 2019-01-05 is not the first day "
		 "of a month"},
		{"cash-flow", "2019-01-01", "2019-02-27",
		 "cash-flow covers whole months: --to 2019-02-27 is not the last day of a month"},
		{"changes-in-net-assets", "2019-01-01", "2019-01-30", "--to 2019-01-30 is not"},
		{"financial-performance", "2000-01-01", "2019-12-31",
		 "financial-performance: --from 2000-01-01 to --to 2019-12-31 is 240 months; at "
		 "most 120"},
	};
	struct fx f;
	char p[LIMIT_PATH_BYTES], *err = NULL;

	fx_open(&f);
	path(p, &f, "bad.xml");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = harness_tfledger(&err, "report", bad[i].kind, "--from", bad[i].from, "--to", bad[i].to,
			     "--output", p, "--database", f.db, NULL);

		harness_expect_run_refused(i, rc, err, bad[i].want, p);
	}
	/* a leap February is a whole month: past that check, it asks for its rate */
	ck_assert_int_eq(harness_tfledger(&err, "report", "financial-position", "--from", "2020-02-01", "--to",
			     "2020-02-29", "--output", p, "--database", f.db, NULL), 1);
	ck_assert_msg(strstr(err, "no UN operational rate for EUR 2020-02 ("), "%s", err);
	free(err);
	fx_close(&f);
}
END_TEST

/* GET /v1/reports/{kind}: the CLI's bytes; a missing rate 422 with the list. */
START_TEST(test_ipsas_route__the_cli_bytes_and_missing_rate_422)
{
	struct fx f;
	struct daemon d = {0};
	struct resp r;
	char p[LIMIT_PATH_BYTES], *cli, *auditor, *code;
	long long head;

	(void)entry_body; /* of ledger_fixture.h */
	fx_open(&f);
	auditor = make_token(f.db, "auditor", "aud");
	head = query_ll(f.db, "SELECT sequence FROM ledger_head");
	xmlFreeDoc(report(&f, p, "cash-flow", "2019-01-01", "2019-02-28", "cli.xml"));
	cli = harness_slurp(p, NULL);
	daemon_start(&d, f.db, f.dir);
	r = http(&d, "GET", "/v1/reports/cash-flow?from=2019-01-01&to=2019-02-28&generated_at="
		 GEN_AT, auditor, NULL, NULL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(r.body, cli);
	resp_free(&r);
	r = http(&d, "GET", "/v1/reports/financial-position?from=2020-01-01&to=2020-02-29",
		 auditor, NULL, NULL);
	code = error_code(r.body);
	ck_assert_msg(r.status == 422 && code && strcmp(code, "missing-rate") == 0, "%ld %s",
		      r.status, r.body);
	ck_assert_msg(strstr(r.body, "no UN operational rate for EUR 2020-02 ("), "%s", r.body);
	free(code);
	resp_free(&r);
	r = http(&d, "GET", "/v1/reports/changes-in-net-assets?from=2019-01-01&to=2019-02-27",
		 auditor, NULL, NULL);
	code = error_code(r.body);
	ck_assert_msg(r.status == 400 && code && strcmp(code, "invalid-field") == 0, "%ld %s",
		      r.status, r.body);
	ck_assert_msg(strstr(r.body, "--to 2019-02-27 is not the last day of a month"), "%s",
		      r.body);
	free(code);
	resp_free(&r);
	daemon_stop(&d);
	/* the reports wrote nothing */
	ck_assert_int_eq(query_ll(f.db, "SELECT sequence FROM ledger_head"), head);
	free(cli);
	free(auditor);
	fx_close(&f);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test tests[] = {
		{test_ipsas_position__every_figure_exact_and_balanced, 0},
		{test_ipsas_performance__each_month_at_its_rate, 0},
		{test_ipsas_changes__opening_plus_surplus_is_closing, 0},
		{test_ipsas_cash_flow__direct_method_ties_to_cash, 0},
		{test_ipsas_cash_flow__every_line_and_refunds, 0},
		{test_ipsas_kinds__signed_verified_and_the_same_bytes, 0},
		{test_ipsas_kinds__missing_rates_in_one_list, 0},
		{test_ipsas_kinds__a_period_of_whole_months_only, 0},
		{test_ipsas_route__the_cli_bytes_and_missing_rate_422, 0},
	};
	Suite *s = suite_create("reports_ipsas");

	harness_add_tcase(s, "ipsas", NULL, NULL, 120, tests, HARNESS_N(tests));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
