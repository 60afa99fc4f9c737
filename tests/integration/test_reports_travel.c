/*
 * test_reports_travel.c - the travel-allocation report kind
 * (reports/travelkind.c) written by the real `tfledger report
 * travel-allocation` and the real tfledgerd, from a meeting built through
 * travel/travel.h on a fresh database: applicants imported from a CSV the
 * test writes, ranked with a given budget, approved, a decline offering the
 * places to the waitlist, approved again, settled, a cancellation offering a
 * place again, a settlement after the period, and one entry posted by hand
 * with the meeting's reference. The report validates against its schema;
 * its decisions and trips are the stored ones; every entry it lists is the
 * trip's entry with that sequence, hash and postings; the totals equal the
 * 8100/8190/5200 postings of the meeting's entries by SQL; the latest run as
 * of the period's end is the one shown; the same arguments and generated-at
 * give the same bytes, over HTTP too; more decisions than a keyset page are
 * all written once, in order; bad requests are refused naming what.
 */
#include "tests/integration/ledger_fixture.h"

#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdarg.h>

#include "common/db.h"
#include "common/err.h"
#include "common/money.h"
#include "common/xml.h"
#include "fund/control.h"
#include "fund/fund.h"
#include "ledger/ledger.h"
#include "travel/travel.h"
#include "reports/writer.h"

#define XSD SRCDATADIR "/reports/schemas/travel-allocation-ledger.xsd"
#define GEN_AT "2020-01-15T09:30:00Z"
#define MEETING "igf2019-mag1"
#define ROOT "/r:travel-allocation"

static const struct ledger_actor who = {LEDGER_FUND_CLI_TOKEN_ID, "tester", "secretariat",
					"test", NULL};
static const struct ledger_actor fin = {LEDGER_FUND_CLI_TOKEN_ID, "fin", "finance", "test", NULL};

/* The applicants (the contract's CSV): gus is from a developed economy. */
static const char applicants_csv[] =
	"id,name,country,category,role,forms_complete,health_check,prior_funded,"
	"prior_reports_outstanding,request,amount,currency,requested_on\n"
	"amina,Amina Banda,ZMB,mag,,yes,yes,0,0,full,3000.00,USD,2018-12-01\n"
	"bo,Bo Santos,PHL,mag,,yes,yes,0,0,airfare,1500.00,USD,2018-12-02\n"
	"cy,Cy Rao,IND,mag,,yes,yes,0,0,full,2000.00,USD,2018-12-03\n"
	"dee,Dee Rojas,CHL,individual,speaker,yes,yes,0,0,full,1800.00,USD,2018-12-05\n"
	"eve,\"Eve Cruz, Jr.\",PHL,individual,panelist,yes,yes,0,0,dsa,700.00,USD,2018-12-06\n"
	"fay,Fay Ito,IND,individual,moderator,yes,yes,0,0,full,1900.00,USD,2018-12-04\n"
	"gus,Gus Lind,SWE,individual,speaker,yes,yes,0,0,full,2500.00,USD,2018-12-04\n";

struct fx {
	char db[LIMIT_CONNINFO_BYTES];
	char dir[LIMIT_PATH_BYTES];
	PGconn *c;
};

typedef int (*op_fn)(json_t **, PGconn *, json_t *, const struct ledger_actor *);

/* Runs op on a JSON text (printf format); asserts success; returns the answer. */
#define ok(c, op, ...) harness_op_ok(c, op, &who, __VA_ARGS__)


/* Imports the applicant CSV at path for meeting, as the CLI does. */
static int import(json_t **out, PGconn *c, const char *meeting, const char *path)
{
	FILE *in = fopen(path, "r");
	int rc;

	ck_assert_msg(in, "%s: cannot open", path);
	rc = travel_applicants_import(out, c, meeting, in, path, &who);
	fclose(in);
	return rc;
}


/* Finance allocates amount USD of the travel earmark to meeting (2019-01-02):
 * a ranking's budget is at most what the meeting has (docs/controls.md). */
static void allocate(PGconn *c, const char *meeting, const char *amount)
{
	json_decref(ok(c, fund_allocation_add,
		       "{\"date\":\"2019-01-02\",\"source\":{\"earmark\":\"travel\","
		       "\"currency\":\"USD\"},\"meeting\":\"%s\",\"amount\":\"%s\"}",
		       meeting, amount));
}

static void rank(PGconn *c, const char *as_of, const char *budget)
{
	char text[256];
	travel_ranking *k = NULL;
	json_t *body;

	snprintf(text, sizeof(text), "{\"meeting\":\"" MEETING "\",\"as_of\":\"%s\",\"budget\":"
		 "\"%s\"}", as_of, budget);
	body = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(body);
	ck_assert_msg(travel_rank(&k, c, body, &who) == 0, "rank: %s", err_last());
	travel_ranking_free(k);
	json_decref(body);
}

/* The trips offered by a decline or cancel answer, as "a,b". */
static void expect_offered(json_t *o, const char *want)
{
	char got[128] = "";
	size_t i;
	json_t *t;

	json_array_foreach(json_object_get(o, "offered"), i, t) {
		if (i)
			strcat(got, ",");
		strcat(got, json_string_value(json_object_get(t, "applicant")));
	}
	ck_assert_str_eq(got, want);
	json_decref(o);
}

static void hand_entry(PGconn *c)
{
	struct ledger_entry e = {.n_postings = 2};

	snprintf(e.date, sizeof(e.date), "2019-02-20");
	e.memo = strdup("Visa fee for a MAG member, booked by hand");
	e.reference = strdup("travel:" MEETING);
	e.postings = calloc(2, sizeof(*e.postings));
	ck_assert(e.memo && e.reference && e.postings);
	e.postings[0] = (struct ledger_posting){"5200-USD", true, 2500, "USD"};
	e.postings[1] = (struct ledger_posting){"1010-USD", false, 2500, "USD"};
	ck_assert_int_eq(db_exec_sql(c, "BEGIN"), 0);
	ck_assert_msg(fund_append(c, &e, &who, "test.travel") == 0, "%s",
		      err_last());
	ck_assert_int_eq(db_exec_sql(c, "COMMIT"), 0);
	ledger_entry_free(&e);
}

static void path(char *out, const struct fx *f, const char *name)
{
	int n = snprintf(out, LIMIT_PATH_BYTES, "%s/%s", f->dir, name);

	ck_assert(n > 0 && n < LIMIT_PATH_BYTES);
}

/*
 * The meeting, with 6000.00 USD given: amina 3000, bo 1500 and eve 700 are
 * funded (01-06: before a period from 01-07); amina declines (01-08): cy
 * 2000 and dee 1800 are offered and approved (01-09); bo is settled for
 * 1400.00 (02-10); dee is cancelled (02-15): fay 1900 fits and is offered;
 * a hand entry of 25.00 (02-20); eve is settled for 650.00 after a period
 * ending 02-28 (03-05), before its trip report arrived. States: amina declined, bo settled, cy approved,
 * dee cancelled, eve settled, fay offered; gus ineligible, no trip.
 */
static void fx_open(struct fx *f)
{
	char csv[LIMIT_PATH_BYTES];
	json_t *out = NULL;

	harness_new_db(f->db, sizeof(f->db));
	harness_four_eyes(f->db, false); /* one actor ranks and approves here */
	harness_tmpdir(f->dir, sizeof(f->dir));
	f->c = harness_connect(f->db);
	harness_travel_fund(f->c, &who);
	json_decref(ok(f->c, travel_meeting_add,
		       "{\"id\":\"" MEETING "\",\"name\":\"MAG 1 2019\",\"starts_on\":\"2019-01-29\","
		       "\"ends_on\":\"2019-01-31\",\"place\":\"Geneva\",\"currency\":\"USD\","
		       "\"budget_line\":\"MAG travel 2019\"}"));
	path(csv, f, "applicants.csv");
	harness_spit_text(csv, applicants_csv);
	ck_assert_msg(import(&out, f->c, MEETING, csv) == 0,
		      "%s", err_last());
	ck_assert_int_eq(json_integer_value(json_object_get(out, "imported")), 7);
	json_decref(out);
	allocate(f->c, MEETING, "6000.00");
	rank(f->c, "2019-01-05", "6000.00");
	json_decref(ok(f->c, travel_approve,
		       "{\"meeting\":\"" MEETING "\",\"date\":\"2019-01-06\"}"));
	expect_offered(ok(f->c, travel_decline, "{\"meeting\":\"" MEETING "\","
			  "\"applicant\":\"amina\",\"date\":\"2019-01-08\"}"), "cy,dee");
	json_decref(ok(f->c, travel_approve,
		       "{\"meeting\":\"" MEETING "\",\"date\":\"2019-01-09\"}"));
	json_decref(ok(f->c, travel_settle,
		       "{\"meeting\":\"" MEETING "\",\"applicant\":\"bo\",\"airfare\":\"1400.00\","
		       "\"dsa\":\"0.00\",\"report_received\":\"2019-02-08\",\"date\":\"2019-02-10\"}"));
	expect_offered(ok(f->c, travel_cancel, "{\"meeting\":\"" MEETING "\","
			  "\"applicant\":\"dee\",\"date\":\"2019-02-15\"}"), "fay");
	hand_entry(f->c);
	json_decref(ok(f->c, travel_settle,
		       "{\"meeting\":\"" MEETING "\",\"applicant\":\"eve\",\"airfare\":\"0.00\","
		       "\"dsa\":\"650.00\",\"date\":\"2019-03-05\"}"));
}

static void fx_close(struct fx *f)
{
	PQfinish(f->c);
}

/* Runs `tfledger report travel-allocation --from --to --database` with the
 * extra arguments (NULL-terminated); exit status, stderr into *err. */
static int report_run(char **err, const struct fx *f, const char *from, const char *to, ...)
{
	const char *argv[32] = {harness_bin_tfledger(), "report", "travel-allocation", "--from",
				from, "--to", to, "--database", f->db};
	size_t n = 9;
	va_list ap;

	va_start(ap, to);
	for (const char *a = va_arg(ap, const char *); a; a = va_arg(ap, const char *)) {
		ck_assert(n < 31);
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	return harness_run(NULL, err, NULL, argv);
}

/* Writes the report of MEETING for the period to file name; asserts success. */
static void report(const struct fx *f, char *out, const char *from, const char *to,
		   const char *name)
{
	char *err = NULL;
	int rc;

	path(out, f, name);
	rc = report_run(&err, f, from, to, "--meeting", MEETING, "--output", out,
			"--generated-at", GEN_AT, NULL);
	ck_assert_msg(rc == 0, "report: exit %d: %s", rc, err);
	free(err);
}

static xmlDocPtr valid(const char *p)
{
	xmlDocPtr doc = NULL;

	ck_assert_msg(xml_read_file(&doc, p) == 0, "%s", err_last());
	ck_assert_msg(xml_validate(doc, XSD, p) == 0, "%s", err_last());
	return doc;
}


static void expect_xp(xmlDocPtr doc, const char *expr, const char *want)
{
	char *s = harness_xpath(doc, "%s", expr);

	ck_assert_msg(strcmp(s, want) == 0, "%s = '%s', want '%s'", expr, s, want);
	xmlFree(s);
}

/* An amount in USD minor units. */
__attribute__((format(printf, 2, 3))) static int64_t xp_usd(xmlDocPtr doc, const char *fmt,
							      ...)
{
	char expr[512], *s;
	int64_t v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(expr, sizeof(expr), fmt, ap);
	va_end(ap);
	s = harness_xpath(doc, "string(%s/@currency)", expr);
	ck_assert_msg(strcmp(s, "USD") == 0, "%s: currency '%s'", expr, s);
	xmlFree(s);
	s = harness_xpath(doc, "%s", expr);
	ck_assert_msg(money_parse(&v, s, "USD") == 0, "%s = '%s': %s", expr, s, err_last());
	xmlFree(s);
	return v;
}

static long xp_long(xmlDocPtr doc, const char *expr)
{
	char *s = harness_xpath(doc, "%s", expr);
	long n = strtol(s, NULL, 10);

	xmlFree(s);
	return n;
}

/* The first column of sql's first row (printf format) as a number. */
__attribute__((format(printf, 2, 3))) static int64_t sql_ll(PGconn *c, const char *fmt, ...)
{
	va_list ap;
	char sql[1024], *v;
	int64_t n;

	va_start(ap, fmt);
	ck_assert_int_lt(vsnprintf(sql, sizeof(sql), fmt, ap), (int)sizeof(sql));
	va_end(ap);
	v = harness_query_value(c, sql);
	ck_assert_msg(v, "no row: %s", sql);
	n = strtoll(v, NULL, 10);
	free(v);
	return n;
}


/* Sum over the meeting's entries dated in [from, to] of the postings on
 * account: its debits ("debit"), its credits ("credit"), or debits - credits
 * (NULL). */
static int64_t postings_sum(PGconn *c, const char *account, const char *side, const char *from,
			    const char *to)
{
	const char *amount = !side ? "CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END"
		: strcmp(side, "debit") == 0 ? "CASE WHEN p.side = 'debit' THEN p.amount END"
					     : "CASE WHEN p.side = 'credit' THEN p.amount END";

	return sql_ll(c, "SELECT COALESCE(sum(%s), 0) FROM postings p JOIN entries e"
			 " ON e.id = p.entry_id WHERE e.reference = 'travel:" MEETING "'"
			 " AND p.account = '%s' AND e.date BETWEEN '%s' AND '%s'",
		      amount, account, from, to);
}

/* The totals group name of the report tie to the postings dated [from, to]. */
static void totals_tie(PGconn *c, xmlDocPtr doc, const char *group, const char *from,
		       const char *to)
{
	int64_t obliged = xp_usd(doc, ROOT "/r:totals/r:%s/r:obliged", group);
	int64_t released = xp_usd(doc, ROOT "/r:totals/r:%s/r:released", group);
	int64_t spent = xp_usd(doc, ROOT "/r:totals/r:%s/r:spent", group);

	ck_assert_int_eq(obliged, postings_sum(c, "8100-USD", "debit", from, to));
	ck_assert_int_eq(obliged, postings_sum(c, "8190-USD", "credit", from, to));
	ck_assert_int_eq(released, postings_sum(c, "8100-USD", "credit", from, to));
	ck_assert_int_eq(released, postings_sum(c, "8190-USD", "debit", from, to));
	ck_assert_int_eq(spent, postings_sum(c, "5200-USD", NULL, from, to));
}

/*
 * Every entry the report lists (under trips and other-entries) is the
 * journal's entry of that sequence: its hash, date and reference, and its
 * figures are its own postings; those under a trip are the trip's own
 * obligation, release or settlement entry, as the role says. Returns how
 * many entries were listed.
 */
static long entries_tie(PGconn *c, xmlDocPtr doc)
{
	static const char *const where[] = {ROOT "/r:trips/r:trip/r:entry",
					    ROOT "/r:other-entries/r:entry"};
	long listed = 0;

	for (size_t w = 0; w < 2; w++) {
		char count[600];
		long n;

		snprintf(count, sizeof(count), "count(%s)", where[w]);
		n = xp_long(doc, count);
		for (long i = 1; i <= n; i++) {
			char *seq = harness_xpath(doc, "string((%s)[%ld]/@sequence)", where[w], i);
			char *hash = harness_xpath(doc, "string((%s)[%ld]/@hash)", where[w], i);
			char *date = harness_xpath(doc, "string((%s)[%ld]/@date)", where[w], i);
			char *role = harness_xpath(doc, "string((%s)[%ld]/@role)", where[w], i);
			char *trip = harness_xpath(doc, "string((%s)[%ld]/../@id)", where[w], i);
			const char *col = strcmp(role, "obligation") == 0 ? "obligation_entry"
					  : strcmp(role, "release") == 0  ? "release_entry"
									  : "settlement_entry";

			ck_assert_int_eq(sql_ll(c, "SELECT count(*) FROM entries WHERE sequence = %s"
					       " AND hash = '%s' AND date = '%s' AND reference ="
					       " 'travel:" MEETING "'", seq, hash, date), 1);
			ck_assert_int_eq(xp_usd(doc, "(%s)[%ld]/r:obliged", where[w], i),
					 sql_ll(c, "SELECT COALESCE(sum(p.amount), 0) FROM postings p"
					       " JOIN entries e ON e.id = p.entry_id WHERE e.sequence ="
					       " %s AND p.account = '8100-USD' AND p.side = 'debit'",
					       seq));
			ck_assert_int_eq(xp_usd(doc, "(%s)[%ld]/r:released", where[w], i),
					 sql_ll(c, "SELECT COALESCE(sum(p.amount), 0) FROM postings p"
					       " JOIN entries e ON e.id = p.entry_id WHERE e.sequence ="
					       " %s AND p.account = '8100-USD' AND p.side = 'credit'",
					       seq));
			ck_assert_int_eq(xp_usd(doc, "(%s)[%ld]/r:spent", where[w], i),
					 sql_ll(c, "SELECT COALESCE(sum(CASE WHEN p.side = 'debit'"
					       " THEN p.amount ELSE -p.amount END), 0) FROM postings p"
					       " JOIN entries e ON e.id = p.entry_id WHERE e.sequence ="
					       " %s AND p.account = '5200-USD'", seq));
			if (w == 0)
				ck_assert_msg(sql_ll(c, "SELECT count(*) FROM travel_trips t JOIN"
						     " entries e ON e.id = t.%s WHERE t.id = %s AND"
						     " e.sequence = %s", col, trip, seq) == 1,
					      "entry %s is not trip %s's %s entry", seq, trip, role);
			else
				ck_assert_msg(role[0] == '\0' &&
						      sql_ll(c, "SELECT count(*) FROM travel_trips t"
							     " JOIN entries e ON e.id IN"
							     " (t.obligation_entry, t.release_entry,"
							     " t.settlement_entry) WHERE e.sequence = %s",
							     seq) == 0,
					      "other entry %s belongs to a trip", seq);
			xmlFree(seq);
			xmlFree(hash);
			xmlFree(date);
			xmlFree(role);
			xmlFree(trip);
		}
		listed += n;
	}
	return listed;
}

/* The sum of figure over the listed entries with in-period = flag. */
static int64_t listed_sum(xmlDocPtr doc, const char *figure, const char *flag)
{
	char count[256];
	int64_t sum = 0;
	long n;

	snprintf(count, sizeof(count), "count(//r:entry[@in-period = '%s'])", flag);
	n = xp_long(doc, count);
	for (long i = 1; i <= n; i++)
		sum += xp_usd(doc, "(//r:entry[@in-period = '%s'])[%ld]/r:%s", flag, i, figure);
	return sum;
}

/* --- tests ------------------------------------------------------------------------ */

START_TEST(test_report_travel__valid_stored_decisions_and_trips_tied_to_postings)
{
	static const char *const groups[][3] = {{"before-period", "1900-01-01", "2019-01-06"},
						{"in-period", "2019-01-07", "2019-02-28"},
						{"after-period", "2019-03-01", "9999-12-31"}};
	struct fx f;
	char p[LIMIT_PATH_BYTES], *head;
	xmlDocPtr doc;

	fx_open(&f);
	report(&f, p, "2019-01-07", "2019-02-28", "t.xml");
	doc = valid(p);
	/* no countersigned overrun: no overruns element (the shape before issue 14) */
	expect_xp(doc, "count(" ROOT "/r:overruns)", "0");
	/* the header's head is the ledger's */
	head = harness_query_value(f.c, "SELECT sequence || ' ' || hash FROM ledger_head");
	{
		char *s = harness_xpath(doc, "concat(" ROOT "/r:header/r:ledger-head/r:sequence, ' ',"
				  ROOT "/r:header/r:ledger-head/r:hash)");

		ck_assert_str_eq(s, head);
		xmlFree(s);
	}
	free(head);
	/* the meeting and the run as stored */
	expect_xp(doc, "string(" ROOT "/r:meeting/@id)", MEETING);
	expect_xp(doc, "string(" ROOT "/r:meeting/r:budget-line)", "MAG travel 2019");
	expect_xp(doc, "string(" ROOT "/r:run/@ranked-on)", "2019-01-05");
	expect_xp(doc, "string(" ROOT "/r:run/@runs)", "1");
	{
		char *sha = harness_query_value(f.c, "SELECT policy_id || ' ' || policy_version"
						     " || ' ' || policy_sha256 FROM travel_runs");
		char *s = harness_xpath(doc, "concat(" ROOT "/r:run/r:policy/@id, ' ', " ROOT "/r:run/r:policy"
				  "/@version, ' ', " ROOT "/r:run/r:policy/@sha256)");

		ck_assert_str_eq(s, sha);
		xmlFree(s);
		free(sha);
	}
	expect_xp(doc, "string(" ROOT "/r:run/r:budget/@source)", "given");
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:run/r:budget/r:total"), 600000);
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:run/r:budget/r:allocated"), 520000);
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:run/r:budget/r:remaining"), 80000);
	/* decisions in stored position order, with the stored figures */
	{
		char order[256] = "";
		long n = xp_long(doc, "count(" ROOT "/r:run/r:decisions/r:decision)");

		ck_assert_int_eq(n, 7);
		expect_xp(doc, "string(" ROOT "/r:run/r:decisions/@count)", "7");
		expect_xp(doc, "string(" ROOT "/r:run/r:decisions/@funded)", "3");
		for (long i = 1; i <= n; i++) {
			char *s = harness_xpath(doc, "concat(" ROOT "/r:run/r:decisions/r:decision[%ld]/@id, ':',"
					  ROOT "/r:run/r:decisions/r:decision[%ld]/@outcome, ':',"
					  ROOT "/r:run/r:decisions/r:decision[%ld]/r:granted)", i, i, i);

			strcat(order, i > 1 ? "," : "");
			strcat(order, s);
			xmlFree(s);
		}
		harness_expect_value(f.c, "SELECT string_agg(applicant || ':' || decision || ':' ||"
				" (granted_minor / 100) || '.' || lpad((granted_minor % 100)::text, 2, '0'),"
				" ',' ORDER BY position) FROM travel_decisions", order);
		ck_assert_str_eq(order, "amina:funded:3000.00,bo:funded:1500.00,cy:waitlisted:0.00,"
					"eve:funded:700.00,fay:waitlisted:0.00,dee:waitlisted:0.00,"
					"gus:ineligible:0.00");
	}
	expect_xp(doc, "string(" ROOT "/r:run/r:decisions/r:decision[@id = 'gus']/r:reason/@code)",
		  "developed-economy");
	expect_xp(doc, "count(" ROOT "/r:run/r:decisions/r:decision[@id = 'gus']/@rank)", "0");
	expect_xp(doc, "string(" ROOT "/r:run/r:decisions/r:decision[@id = 'eve']/r:applicant/@name)",
		  "Eve Cruz, Jr.");
	{
		char *why = harness_query_value(f.c, "SELECT explanation FROM travel_decisions"
						     " WHERE applicant = 'cy'");

		expect_xp(doc, "string(" ROOT "/r:run/r:decisions/r:decision[@id = 'cy']"
			       "/r:explanation)", why);
		free(why);
	}
	/* trips in the snapshot's states, by id */
	{
		char states[256] = "";
		long n = xp_long(doc, "count(" ROOT "/r:trips/r:trip)");

		for (long i = 1; i <= n; i++) {
			char *s = harness_xpath(doc, "concat(" ROOT "/r:trips/r:trip[%ld]/@applicant, ':',"
					  ROOT "/r:trips/r:trip[%ld]/@state)", i, i);

			strcat(states, i > 1 ? "," : "");
			strcat(states, s);
			xmlFree(s);
		}
		harness_expect_value(f.c, "SELECT string_agg(applicant || ':' || status, ',' ORDER BY id)"
				" FROM travel_trips", states);
		ck_assert_str_eq(states, "amina:declined,bo:settled,eve:settled,cy:approved,"
					 "dee:cancelled,fay:offered");
	}
	expect_xp(doc, "concat(" ROOT "/r:trips/@offered, " ROOT "/r:trips/@approved, "
		       ROOT "/r:trips/@settled, " ROOT "/r:trips/@declined, "
		       ROOT "/r:trips/@cancelled)", "11211");
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:trips/r:trip[@applicant = 'bo']/r:settlement/r:paid"),
			 140000);
	expect_xp(doc, "count(" ROOT "/r:trips/r:trip[@applicant = 'fay']/r:entry)", "0");
	/* settled before its report: the settlement has no report-received */
	expect_xp(doc, "concat(count(" ROOT "/r:trips/r:trip[@applicant = 'eve']/r:settlement"
		       "/r:report-received), '/', " ROOT "/r:trips/r:trip[@applicant = 'bo']"
		       "/r:settlement/r:report-received)", "0/2019-02-08");
	expect_xp(doc, "string(" ROOT "/r:trips/r:trip[@applicant = 'eve']/r:entry"
		       "[@role = 'settlement']/@in-period)", "false");
	/* every entry: the trip's own, with its own postings; all listed */
	ck_assert_int_eq(entries_tie(f.c, doc),
			 sql_ll(f.c, "SELECT count(*) FROM entries WHERE reference = 'travel:"
				     MEETING "'"));
	expect_xp(doc, "count(" ROOT "/r:other-entries/r:entry)", "1");
	/* the totals are the postings by date, and the entries listed */
	for (size_t g = 0; g < 3; g++)
		totals_tie(f.c, doc, groups[g][0], groups[g][1], groups[g][2]);
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:totals/r:before-period/r:obliged"), 520000);
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:totals/r:in-period/r:obliged"), 380000);
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:totals/r:in-period/r:released"), 630000);
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:totals/r:in-period/r:spent"), 142500);
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:totals/r:after-period/r:spent"), 65000);
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:totals/r:in-period/r:obliged"),
			 listed_sum(doc, "obliged", "true"));
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:totals/r:in-period/r:released"),
			 listed_sum(doc, "released", "true"));
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:totals/r:in-period/r:spent"),
			 listed_sum(doc, "spent", "true"));
	/* open at the end: eve 700 and cy 2000, the meeting's 8100 to 02-28 */
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:totals/r:open-at-end"), 270000);
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:totals/r:open-at-end"),
			 postings_sum(f.c, "8100-USD", NULL, "1900-01-01", "2019-02-28"));
	xmlFreeDoc(doc);
	fx_close(&f);
}
END_TEST

START_TEST(test_report_travel__latest_run_as_of_the_period_end_and_same_bytes)
{
	struct fx f;
	char a[LIMIT_PATH_BYTES], b[LIMIT_PATH_BYTES], *ta, *tb, *err = NULL;
	xmlDocPtr doc;
	long long first, second;

	fx_open(&f);
	/* 3000.00 above the meeting's 6000.00, countersigned by finance */
	json_decref(harness_op_ok(f.c, fund_overrun_add, &fin,
				  "{\"meeting\":\"" MEETING "\",\"amount\":\"3000.00\","
				  "\"reason\":\"more\"}"));
	rank(f.c, "2019-03-10", "9000.00");
	first = sql_ll(f.c, "SELECT min(id) FROM travel_runs");
	second = sql_ll(f.c, "SELECT max(id) FROM travel_runs");
	ck_assert_int_ne(first, second);
	/* a period ending before the second ranking shows the first */
	report(&f, a, "2019-01-01", "2019-02-28", "feb.xml");
	doc = valid(a);
	ck_assert_int_eq(xp_long(doc, "string(" ROOT "/r:run/@id)"), first);
	expect_xp(doc, "string(" ROOT "/r:run/@runs)", "1");
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:run/r:budget/r:total"), 600000);
	xmlFreeDoc(doc);
	/* the whole year: the second, every entry in the period */
	report(&f, a, "2019-01-01", "2019-12-31", "a.xml");
	doc = valid(a);
	ck_assert_int_eq(xp_long(doc, "string(" ROOT "/r:run/@id)"), second);
	expect_xp(doc, "string(" ROOT "/r:run/@runs)", "2");
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:run/r:budget/r:total"), 900000);
	/* the countersigned overrun is shown (valid against the schema above) */
	expect_xp(doc, "string(" ROOT "/r:overruns/r:overrun/r:amount)", "3000.00");
	expect_xp(doc, "string(" ROOT "/r:overruns/r:overrun/@signed-role)", "finance");
	expect_xp(doc, "string(" ROOT "/r:overruns/r:overrun/r:reason)", "more");
	expect_xp(doc, "count(" ROOT "/r:overruns/r:overrun/@used-by)", "0");
	expect_xp(doc, "count(//r:entry[@in-period = 'false'])", "0");
	totals_tie(f.c, doc, "in-period", "2019-01-01", "2019-12-31");
	ck_assert_int_eq(xp_usd(doc, ROOT "/r:totals/r:after-period/r:released"), 0);
	xmlFreeDoc(doc);
	/* the same arguments and generated-at: the same bytes */
	report(&f, b, "2019-01-01", "2019-12-31", "b.xml");
	ta = harness_slurp(a, NULL);
	tb = harness_slurp(b, NULL);
	ck_assert_str_eq(ta, tb);
	ck_assert_ptr_nonnull(strstr(ta, "<generated-at>" GEN_AT "</generated-at>"));
	free(ta);
	free(tb);
	/* a signed report verifies and still validates */
	{
		char key[LIMIT_PATH_BYTES], cert[LIMIT_PATH_BYTES];
		const char *keygen[] = {harness_bin_tfledger(), "report", "keygen", "--key", key,
					"--cert", cert, NULL};
		const char *verify[] = {harness_bin_tfledger(), "report", "verify", b, "--cert", cert,
					NULL};

		path(key, &f, "k.pem");
		path(cert, &f, "c.pem");
		ck_assert_int_eq(harness_run(NULL, NULL, NULL, keygen), 0);
		ck_assert_int_eq(report_run(&err, &f, "2019-01-01", "2019-12-31", "--meeting", MEETING,
					    "--output", b, "--sign", key, "--cert", cert, NULL), 0);
		free(err);
		xmlFreeDoc(valid(b));
		ck_assert_int_eq(harness_run(NULL, NULL, NULL, verify), 0);
	}
	fx_close(&f);
}
END_TEST

START_TEST(test_report_travel__bad_requests_exit_1_naming_what)
{
	static const struct {
		const char *kind, *opt, *val, *to, *want;
	} bad[] = {
		{"travel-allocation", "--meeting", "igf2099-none", "2019-12-31",
		 "meeting: no meeting 'igf2099-none'"},
		{"travel-allocation", "--meeting", "igf2019-new", "2019-12-31",
		 "--meeting igf2019-new: no ranking stored yet"},
		{"travel-allocation", "--meeting", MEETING, "2019-01-04",
		 "no ranking on or before --to 2019-01-04 (the first was ranked on 2019-01-05)"},
		{"travel-allocation", NULL, NULL, "2019-12-31", "travel-allocation needs --meeting ID"},
		{"trial-balance", "--meeting", MEETING, "2019-12-31",
		 "--meeting is for travel-allocation, not trial-balance"},
	};
	struct fx f;
	char p[LIMIT_PATH_BYTES];

	fx_open(&f);
	json_decref(ok(f.c, travel_meeting_add,
		       "{\"id\":\"igf2019-new\",\"name\":\"MAG 2 2019\",\"starts_on\":\"2019-06-01\","
		       "\"ends_on\":\"2019-06-02\",\"place\":\"Berlin\",\"currency\":\"USD\"}"));
	path(p, &f, "bad.xml");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[] = {harness_bin_tfledger(), "report", bad[i].kind, "--from",
				      "2019-01-01", "--to", bad[i].to, "--output", p, "--database",
				      f.db, bad[i].opt, bad[i].val, NULL};
		char *err = NULL;
		int rc = harness_run(NULL, &err, NULL, argv);

		harness_expect_run_refused(i, rc, err, bad[i].want, p);
	}
	fx_close(&f);
}
END_TEST

/* More decisions than a keyset page: every one, once, in position order. */
START_TEST(test_report_travel__decisions_beyond_one_page)
{
	const int n = LIMIT_REPORT_PAGE_ENTRIES + 101;
	struct fx f;
	char csv[LIMIT_PATH_BYTES], p[LIMIT_PATH_BYTES], *err = NULL, *text;
	size_t size = 256 + (size_t)n * 96, len;
	json_t *out = NULL;
	xmlDocPtr doc;

	fx_open(&f);
	text = malloc(size);
	ck_assert_ptr_nonnull(text);
	len = (size_t)snprintf(text, size, "%s", "id,name,country,category,role,forms_complete,"
			       "health_check,prior_funded,prior_reports_outstanding,request,amount,"
			       "currency,requested_on\n");
	for (int i = 1; i <= n; i++)
		len += (size_t)snprintf(text + len, size - len, "p%05d,Person %d,%s,individual,"
					"speaker,yes,yes,0,0,full,100.00,USD,2019-01-10\n", i, i,
					i % 2 ? "IND" : "PHL");
	ck_assert_uint_lt(len, size);
	path(csv, &f, "big.csv");
	harness_spit_text(csv, text);
	free(text);
	json_decref(ok(f.c, travel_meeting_add,
		       "{\"id\":\"igf2019-big\",\"name\":\"Open forum\",\"starts_on\":\"2019-06-01\","
		       "\"ends_on\":\"2019-06-02\",\"place\":\"Berlin\",\"currency\":\"USD\"}"));
	ck_assert_msg(import(&out, f.c, "igf2019-big", csv) == 0, "%s", err_last());
	json_decref(out);
	allocate(f.c, "igf2019-big", "1000.00");
	{
		travel_ranking *k = NULL;
		json_t *body = json_pack("{s:s, s:s, s:s}", "meeting", "igf2019-big", "as_of",
					 "2019-02-01", "budget", "1000.00");

		ck_assert_msg(travel_rank(&k, f.c, body, &who) == 0, "%s",
			      err_last());
		travel_ranking_free(k);
		json_decref(body);
	}
	path(p, &f, "big.xml");
	ck_assert_int_eq(report_run(&err, &f, "2019-01-01", "2019-12-31", "--meeting",
				    "igf2019-big", "--output", p, NULL), 0);
	free(err);
	doc = valid(p); /* positions and ids are unique (xs:unique) */
	ck_assert_int_eq(xp_long(doc, "count(" ROOT "/r:run/r:decisions/r:decision)"), n);
	ck_assert_int_eq(xp_long(doc, "string(" ROOT "/r:run/r:decisions/@count)"), n);
	ck_assert_int_eq(xp_long(doc, "string(" ROOT "/r:run/r:decisions/@funded)"), 10);
	for (int i = LIMIT_REPORT_PAGE_ENTRIES - 1; i <= LIMIT_REPORT_PAGE_ENTRIES + 2; i++) {
		char e[128];

		snprintf(e, sizeof(e), "string(" ROOT "/r:run/r:decisions/r:decision[%d]/@position)",
			 i);
		ck_assert_int_eq(xp_long(doc, e), i);
	}
	ck_assert_int_eq(xp_long(doc, "count(" ROOT "/r:run/r:decisions/r:decision[last()]"
				      "[@position = count(../r:decision)])"), 1);
	xmlFreeDoc(doc);
	fx_close(&f);
}
END_TEST

START_TEST(test_report_travel_route__meeting_and_generated_at_give_the_cli_bytes)
{
	struct fx f;
	struct daemon d = {0};
	struct resp r;
	char p[LIMIT_PATH_BYTES], *cli, *auditor, *err;
	const char *q = "/v1/reports/travel-allocation?from=2019-01-01&to=2019-12-31";
	char url[256];
	long long head;

	(void)entry_body; /* of ledger_fixture.h, for the EUR tests */
	fx_open(&f);
	auditor = make_token(f.db, "auditor", "aud");
	report(&f, p, "2019-01-01", "2019-12-31", "cli.xml");
	cli = harness_slurp(p, NULL);
	head = query_ll(f.db, "SELECT sequence FROM ledger_head");
	ck_assert_ptr_nonnull(strstr(cli, "<sequence>"));
	ck_assert_int_eq(strtoll(strstr(cli, "<sequence>") + 10, NULL, 10), head);
	daemon_start(&d, f.db, f.dir);
	snprintf(url, sizeof(url), "%s&meeting=" MEETING "&generated_at=" GEN_AT, q);
	r = http(&d, "GET", url, auditor, NULL, NULL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_str_eq(r.body, cli);
	resp_free(&r);
	/* without generated_at the time is now: another document, same figures */
	snprintf(url, sizeof(url), "%s&meeting=" MEETING, q);
	r = http(&d, "GET", url, auditor, NULL, NULL);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_ptr_null(strstr(r.body, GEN_AT));
	ck_assert_ptr_nonnull(strstr(r.body, "<totals>"));
	resp_free(&r);
	/* refused, naming the parameter */
	snprintf(url, sizeof(url), "%s&meeting=" MEETING "&generated_at=2020-01-15", q);
	r = http(&d, "GET", url, auditor, NULL, NULL);
	err = error_code(r.body);
	ck_assert_msg(r.status == 400 && err && strcmp(err, "invalid-field") == 0, "%ld %s",
		      r.status, r.body);
	ck_assert_ptr_nonnull(strstr(r.body, "generated_at"));
	free(err);
	resp_free(&r);
	snprintf(url, sizeof(url), "%s&meeting=igf2099-none", q);
	r = http(&d, "GET", url, auditor, NULL, NULL);
	ck_assert_msg(r.status == 404 && strstr(r.body, "no meeting 'igf2099-none'"), "%ld %s", r.status,
		      r.body);
	resp_free(&r);
	r = http(&d, "GET", q, auditor, NULL, NULL);
	ck_assert_msg(r.status == 400 && strstr(r.body, "needs --meeting"), "%ld %s", r.status,
		      r.body);
	resp_free(&r);
	daemon_stop(&d);
	/* the reports wrote nothing: the head is the one the first report states */
	ck_assert_int_eq(query_ll(f.db, "SELECT sequence FROM ledger_head"), head);
	free(cli);
	free(auditor);
	fx_close(&f);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test travel_allocation[] = {
		{test_report_travel__valid_stored_decisions_and_trips_tied_to_postings, 0},
		{test_report_travel__latest_run_as_of_the_period_end_and_same_bytes, 0},
		{test_report_travel__bad_requests_exit_1_naming_what, 0},
		{test_report_travel__decisions_beyond_one_page, 0},
		{test_report_travel_route__meeting_and_generated_at_give_the_cli_bytes, 0},
	};
	Suite *s = suite_create("reports_travel");

	harness_add_tcase(s, "travel-allocation", NULL, NULL, 120, travel_allocation,
			  HARNESS_N(travel_allocation));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
