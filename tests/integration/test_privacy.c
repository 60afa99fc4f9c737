/*
 * test_privacy.c - personal data kept to what is needed (docs/privacy.md),
 * through the real tfledgerd over HTTP and the real `tfledger privacy`:
 *
 * - the IATI files, meant for publication, carry no applicant's name, id
 *   or country: travel support is one transaction per meeting with at
 *   least 3 travellers, the others folded, and the files still validate
 *   against the official IATI 2.03 schemas;
 * - erasure after the retention period blanks the applicants' personal
 *   fields (name, role, source), the personal values of their corrections,
 *   the names in the stored runs' inputs and the stored answers that
 *   repeat them; it keeps ids, amounts, decisions and trips; it leaves the
 *   journal untouched (entry count and head hash equal, verify ok); a dry
 *   run changes nothing; a date inside the retention period is refused
 *   (409 in words); it is the admin's alone (403 for the others) and
 *   audited; the travel-allocation report of an erased meeting validates
 *   and shows ids only; ranking the erased inputs again decides the same.
 *
 * Two meetings of 2018: igf2018-mag3 (4 applicants, all funded, 3 trips
 * settled) and igf2018 (1 applicant, settled).
 */
#include "tests/integration/ledger_fixture.h"

#include <jansson.h>
#include <libxml/tree.h>

#include "common/err.h"
#include "common/xml.h"
#include "ledger/ledger.h"

#define IATI SRCDATADIR "/reports/iati/"
#define SCHEMAS SRCDATADIR "/reports/schemas/"

static struct roles_env E;

static const char *const header =
	"id,name,country,category,role,forms_complete,health_check,prior_funded,"
	"prior_reports_outstanding,request,amount,currency,requested_on\n";

/* The applicants: invented people whose names and ids a test looks for. */
static const char *const mag3_rows =
	"p-0101,Zephyrine Okonkwo-Lind,KEN,mag,,yes,yes,0,0,full,1000.00,USD,2018-07-01\n"
	"p-0102,Tobiah Marchetti-Vo,NPL,mag,,yes,yes,0,0,full,1100.00,USD,2018-07-02\n"
	"p-0103,Ilse Nakamura-Brandt,MWI,mag,,yes,yes,0,0,airfare,900.00,USD,2018-07-03\n"
	"p-0104,Quillon Adebayo-S\xc3\xb8rensen,BOL,individual,\"panellist, opening session\","
	"yes,yes,0,0,full,1300.00,USD,2018-07-04\n";
static const char *const igf_rows =
	"p-0201,Marisol Eriksdottir-Kane,PER,mag,,yes,yes,0,0,full,1200.00,USD,2018-08-01\n";

static const char *const personal[] = {
	"Zephyrine", "Okonkwo", "Tobiah", "Marchetti", "Nakamura", "Quillon", "Adebayo",
	"Marisol", "Eriksdottir", "panellist", "p-01", "p-02", "NPL", "MWI", "BOL", "PER",
};

static void setup(void)
{
	char *err = NULL;

	roles_env_open(&E);
	/* one person ranks and approves here: four eyes are another test's */
	harness_four_eyes(E.conninfo, false);
	daemon_start(&E.d, E.conninfo, E.dir);
	ck_assert_msg(cli_on(NULL, &err, &E.d, E.finance,
			     (const char *const[]){"fund", "init", NULL}) == 0,
		      "fund init: %s", err);
	free(err);
	harness_allow_overdrafts(E.conninfo);
}

static void teardown(void)
{
	roles_env_close(&E);
}

static json_t *call(const char *method, const char *path, const char *token, const char *body,
		    long status)
{
	return call_on(&E.d, method, path, token, body, status);
}

/* A request that must be refused with status and code; its message
 * (new string) is returned. */
static char *refused(const char *method, const char *path, const char *token,
		     const char *body, long status, const char *code)
{
	struct resp r = http(&E.d, method, path, token, NULL, body);
	char *got = error_code(r.body), *msg;
	json_t *o = json_loads(r.body, 0, NULL);

	ck_assert_msg(r.status == status, "%s %s: %ld, want %ld: %s", method, path, r.status,
		      status, r.body);
	ck_assert_msg(got && strcmp(got, code) == 0, "%s %s: code %s, want %s", method, path,
		      got ? got : "none", code);
	msg = strdup(json_string_value(json_object_get(json_object_get(o, "error"),
							  "message")));
	json_decref(o);
	free(got);
	resp_free(&r);
	return msg;
}

/* One meeting: stored, funded (allocation), its CSV uploaded with an
 * Idempotency-Key (so that the answer, with every name, is stored), ranked,
 * approved, and the first `settled` trips settled on 2018-12-10. */
static void meeting(const char *id, const char *starts, const char *ends, const char *rows,
		    int settled)
{
	char body[512], path[160], *csv;
	struct resp r;
	json_t *trips, *t;
	size_t i;

	snprintf(body, sizeof(body),
		 "{\"id\":\"%s\",\"name\":\"Meeting %s\",\"starts_on\":\"%s\",\"ends_on\":"
		 "\"%s\",\"place\":\"Geneva\",\"currency\":\"USD\"}",
		 id, id, starts, ends);
	json_decref(call("POST", "/v1/meetings", E.secretariat, body, 201));
	snprintf(body, sizeof(body),
		 "{\"date\":\"2018-08-02\",\"source\":{\"earmark\":\"travel\",\"currency\":"
		 "\"USD\"},\"meeting\":\"%s\",\"amount\":\"6000.00\"}",
		 id);
	json_decref(call("POST", "/v1/allocations", E.finance, body, 201));
	if (asprintf(&csv, "%s%s", header, rows) < 0)
		ck_abort_msg("out of memory");
	snprintf(path, sizeof(path), "/v1/meetings/%s/applicants", id);
	snprintf(body, sizeof(body), "upload-%s", id);
	r = http_on_typed(NULL, &E.d, "POST", path, E.secretariat, body, "text/csv", csv,
			  strlen(csv));
	ck_assert_msg(r.status == 201, "upload %s: %ld %s", id, r.status, r.body);
	resp_free(&r);
	free(csv);
	snprintf(path, sizeof(path), "/v1/meetings/%s/rank", id);
	json_decref(call("POST", path, E.secretariat,
			 "{\"as_of\":\"2018-09-10\",\"budget\":\"5000.00 USD\"}", 201));
	snprintf(path, sizeof(path), "/v1/meetings/%s/approve", id);
	json_decref(call("POST", path, E.admin, "{\"date\":\"2018-09-15\"}", 200));
	snprintf(path, sizeof(path), "/v1/meetings/%s/trips", id);
	trips = call("GET", path, E.auditor, NULL, 200);
	json_array_foreach(json_object_get(trips, "trips"), i, t) {
		if ((int)i >= settled)
			break;
		snprintf(path, sizeof(path), "/v1/meetings/%s/trips/%s/settle", id,
			 json_string_value(json_object_get(t, "applicant")));
		json_decref(call("POST", path, E.secretariat,
				 "{\"airfare\":\"700.00\",\"dsa\":\"200.00\",\"date\":\"2018-12-10\","
				 "\"report_received\":\"2018-12-01\"}",
				 200));
	}
	json_decref(trips);
}

/* The travel money and both meetings. */
static void travellers(void)
{
	json_t *p;
	char body[256];

	json_decref(call("POST", "/v1/donors", E.finance,
			 "{\"id\":\"fin\",\"name\":\"Finland\",\"org_type\":\"10\","
			 "\"country\":\"FIN\"}",
			 201));
	p = call("POST", "/v1/pledges", E.finance,
		 "{\"donor\":\"fin\",\"date\":\"2018-08-01\",\"amount\":\"20000.00\","
		 "\"currency\":\"USD\",\"earmark\":\"travel\",\"agreement\":\"TF-1\"}",
		 201);
	snprintf(body, sizeof(body),
		 "{\"pledge\":%lld,\"date\":\"2018-08-01\",\"bank_account\":\"1010-USD\","
		 "\"amount\":\"20000.00\"}",
		 (long long)json_integer_value(json_object_get(p, "id")));
	json_decref(p);
	json_decref(call("POST", "/v1/receipts", E.finance, body, 201));
	meeting("igf2018-mag3", "2018-10-01", "2018-10-03", mag3_rows, 3);
	meeting("igf2018", "2018-11-12", "2018-11-14", igf_rows, 1);
}

/* GET path as token: the answer's bytes (status 200 checked), new string. */
static char *get_text(const char *path, const char *token)
{
	struct resp r = http(&E.d, "GET", path, token, NULL, NULL);
	char *s;

	ck_assert_msg(r.status == 200, "GET %s: %ld %s", path, r.status, r.body);
	s = r.body;
	r.body = NULL;
	resp_free(&r);
	return s;
}

/* text contains none of the applicants' personal data. */
static void no_personal_data(const char *what, const char *text)
{
	for (size_t i = 0; i < sizeof(personal) / sizeof(personal[0]); i++)
		ck_assert_msg(!strstr(text, personal[i]), "%s carries '%s':\n%s", what, personal[i],
			      text);
}

/* The XML text parsed and valid against xsd; free with xmlFreeDoc. */
static xmlDocPtr valid(const char *text, const char *xsd)
{
	xmlDocPtr doc = NULL;

	ck_assert_msg(xml_read_memory(&doc, text, strlen(text), "report") == 0, "%s", err_last());
	ck_assert_msg(xml_validate(doc, xsd, "report") == 0, "%s: %s", xsd, err_last());
	return doc;
}

static long count(xmlDocPtr doc, const char *expr)
{
	char *s = harness_xpath(doc, "count(%s)", expr);
	long n = strtol(s, NULL, 10);

	xmlFree(s);
	return n;
}

static char *sql(const char *q)
{
	return query_str(E.conninfo, q);
}

/* --- IATI ---------------------------------------------------------------------------- */

START_TEST(test_iati__travel_per_meeting_aggregated_no_personal_data)
{
	char *act, *org, *s;
	xmlDocPtr doc;

	travellers();
	/* the organisation file's expenditure in USD needs December's rates */
	{
		const char *csv = "currency,month,usd_per_unit\nEUR,2018-12,1.14\n"
				  "CHF,2018-12,1.01\n";
		struct resp r = http_on_typed(NULL, &E.d, "POST", "/v1/rates", E.finance, NULL,
					      "text/csv", csv, strlen(csv));

		ck_assert_msg(r.status == 201, "rates: %ld %s", r.status, r.body);
		resp_free(&r);
	}
	act = get_text("/v1/reports/iati-activities?from=2018-01-01&to=2018-12-31", E.finance);
	no_personal_data("iati-activities", act);
	doc = valid(act, IATI "iati-activities-schema.xsd");
	/* the meeting with 3 travellers on its own, the one with 1 folded */
	ck_assert_int_eq(count(doc, "//transaction[transaction-type/@code='4']"), 2);
	s = harness_xpath(doc, "concat(//transaction[@ref='travel-igf2018-mag3-USD']/value, '|',"
			       " //transaction[@ref='travel-igf2018-mag3-USD']/transaction-date/"
			       "@iso-date, '|', //transaction[@ref='travel-other-USD']/value)");
	ck_assert_str_eq(s, "2700.00|2018-12-10|900.00");
	xmlFree(s);
	s = harness_xpath(doc, "string(//transaction[@ref='travel-igf2018-mag3-USD']"
			       "/description/narrative)");
	ck_assert_msg(strstr(s, "Meeting igf2018-mag3") && strstr(s, "travellers: 3"), "%s", s);
	xmlFree(s);
	s = harness_xpath(doc, "string(//transaction[@ref='travel-other-USD']"
			       "/description/narrative)");
	ck_assert_msg(!strstr(s, "igf2018") && strstr(s, "travellers: 1"), "%s", s);
	xmlFree(s);
	xmlFreeDoc(doc);
	org = get_text("/v1/reports/iati-organisation?from=2018-01-01&to=2018-12-31", E.auditor);
	no_personal_data("iati-organisation", org);
	xmlFreeDoc(valid(org, IATI "iati-organisations-schema.xsd"));
	free(act);
	free(org);
}
END_TEST

/* --- erasure --------------------------------------------------------------------------- */

/* What erasure must not change: decisions, trips, the journal. */
#define KEPT_SQL                                                                           \
	"SELECT (SELECT string_agg(concat_ws(',', run, applicant, rank, decision,"        \
	" amount_minor, granted_minor, reasons::text, explanation), ';' ORDER BY run,"     \
	" position) FROM travel_decisions) || '#' || (SELECT string_agg(concat_ws(',',"    \
	" meeting, applicant, person, status, granted_minor, airfare_minor, dsa_minor,"     \
	" obligation_entry, settlement_entry), ';' ORDER BY id) FROM travel_trips) || '#'" \
	" || (SELECT count(*) || ',' || max(sequence) FROM entries) || '#' ||"             \
	" (SELECT string_agg(hash, '' ORDER BY sequence) FROM entries)"

START_TEST(test_erase__blanks_personal_fields_keeps_amounts_decisions_and_journal)
{
	json_t *o, *m, *before_verify, *after_verify, *l;
	char *kept, *s, *msg;
	PGconn *c;

	travellers();
	c = harness_connect(E.conninfo);
	/* a correction of a personal field and of another (the travel routes'
	 * own table, written here as they would) */
	free(harness_query_value(
		c, "INSERT INTO travel_applicant_changes (meeting, applicant, field, old_value,"
		   " new_value, reason, changed_by) VALUES"
		   " ('igf2018-mag3', 'p-0101', 'name', 'Zephyrine Okonkwo', 'Zephyrine Okonkwo-Lind',"
		   "  'Okonkwo-Lind, as in the passport', 'sec'),"
		   " ('igf2018-mag3', 'p-0101', 'forms_complete', 'no', 'yes', 'forms came', 'sec')"
		   " RETURNING 1"));
	kept = sql(KEPT_SQL);
	before_verify = call("GET", "/v1/journal/verify", E.auditor, NULL, 200);
	ck_assert(json_is_true(json_object_get(before_verify, "ok")));

	/* the admin's alone */
	free(refused("POST", "/v1/privacy/erasures", E.finance, "{\"before\":\"2018-11-01\"}",
		     403, "forbidden"));
	free(refused("POST", "/v1/privacy/erasures", E.secretariat,
		     "{\"before\":\"2018-11-01\"}", 403, "forbidden"));
	free(refused("POST", "/v1/privacy/erasures", E.auditor, "{\"before\":\"2018-11-01\"}",
		     403, "forbidden"));
	free(refused("GET", "/v1/privacy/erasures", E.finance, NULL, 403, "forbidden"));
	/* bad input names the field */
	msg = refused("POST", "/v1/privacy/erasures", E.admin, "{}", 400, "invalid-field");
	ck_assert_msg(strstr(msg, "before"), "%s", msg);
	free(msg);
	msg = refused("POST", "/v1/privacy/erasures", E.admin, "{\"before\":\"2018-13-01\"}",
		      400, "invalid-field");
	ck_assert_msg(strstr(msg, "before"), "%s", msg);
	free(msg);
	msg = refused("POST", "/v1/privacy/erasures", E.admin,
		      "{\"before\":\"2018-11-01\",\"dry_run\":\"yes\"}", 400, "invalid-field");
	ck_assert_msg(strstr(msg, "dry_run"), "%s", msg);
	free(msg);
	msg = refused("POST", "/v1/privacy/erasures", E.admin,
		      "{\"before\":\"2018-11-01\",\"meeting\":\"x\"}", 400, "invalid-field");
	ck_assert_msg(strstr(msg, "meeting"), "%s", msg);
	free(msg);
	/* inside the retention period: in words */
	msg = refused("POST", "/v1/privacy/erasures", E.admin, "{\"before\":\"2099-01-01\"}",
		      409, "conflict");
	ck_assert_msg(strstr(msg, "retention period") && strstr(msg, "730 days"), "%s", msg);
	free(msg);
	free(harness_query_value(c, "UPDATE settings SET value = '36500' WHERE key ="
				    " 'privacy.retention_days' RETURNING 1"));
	msg = refused("POST", "/v1/privacy/erasures", E.admin, "{\"before\":\"2018-11-01\"}",
		      409, "conflict");
	ck_assert_msg(strstr(msg, "36500 days"), "%s", msg);
	free(msg);
	free(harness_query_value(c, "UPDATE settings SET value = '730' WHERE key ="
				    " 'privacy.retention_days' RETURNING 1"));

	/* a dry run counts and changes nothing */
	o = call("POST", "/v1/privacy/erasures", E.admin,
		 "{\"before\":\"2018-11-01\",\"dry_run\":true}", 200);
	ck_assert(json_is_null(json_object_get(o, "erasure")));
	ck_assert_int_eq(json_array_size(json_object_get(o, "meetings")), 1);
	m = json_array_get(json_object_get(o, "meetings"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(m, "meeting")), "igf2018-mag3");
	ck_assert_int_eq(json_integer_value(json_object_get(m, "applicants")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "changes")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(m, "runs")), 1);
	ck_assert_int_ge(json_integer_value(json_object_get(m, "answers")), 1);
	json_decref(o);
	harness_expect_value(c, "SELECT count(*) FROM travel_applicants WHERE name <> ''"
				" AND erased_at IS NULL", "5");
	harness_expect_value(c, "SELECT count(*) FROM privacy_erasures", "0");
	harness_expect_value(c, "SELECT count(*) FROM audit WHERE action = 'privacy.erase'", "0");
	harness_expect_value(c, "SELECT count(*) FROM idempotency_keys WHERE strpos(response,"
				" 'Zephyrine') > 0", "1");

	/* the erasure: meetings that ended before 2018-11-01, igf2018-mag3 only */
	o = call("POST", "/v1/privacy/erasures", E.admin, "{\"before\":\"2018-11-01\"}", 200);
	ck_assert_int_ge(json_integer_value(json_object_get(o, "erasure")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(o, "erased_by")), "ada");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "applicants")), 4);
	m = json_array_get(json_object_get(o, "meetings"), 0);
	ck_assert_int_eq(json_array_size(json_object_get(o, "meetings")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(m, "ends_on")), "2018-10-03");
	ck_assert_int_eq(json_integer_value(json_object_get(m, "runs")), 1);
	ck_assert_int_ge(json_integer_value(json_object_get(m, "answers")), 1);
	json_decref(o);
	harness_expect_value(c, "SELECT string_agg(id || ':' || name || ':' || role || ':' ||"
				" source || ':' || (erased_at IS NOT NULL) || ':' || erased_by, ';'"
				" ORDER BY id) FROM travel_applicants WHERE meeting = 'igf2018-mag3'",
			     "p-0101::::true:ada;p-0102::::true:ada;p-0103::::true:ada;"
			     "p-0104::(erased)::true:ada");
	/* the other meeting ended after the date: kept whole */
	harness_expect_value(c, "SELECT name || '|' || (erased_at IS NULL) FROM"
				" travel_applicants WHERE meeting = 'igf2018'",
			     "Marisol Eriksdottir-Kane|true");
	harness_expect_value(c, "SELECT string_agg(field || '=' || COALESCE(old_value, 'NULL') ||"
				" '>' || COALESCE(new_value, 'NULL') || ' ' || reason, ';' ORDER BY id)"
				" FROM travel_applicant_changes",
			     "name=NULL>NULL (erased);forms_complete=no>yes forms came");
	s = sql("SELECT inputs::text FROM travel_runs WHERE meeting = 'igf2018-mag3'");
	ck_assert_msg(!strstr(s, "Zephyrine") && !strstr(s, "Tobiah") && !strstr(s, "Ilse") &&
			      !strstr(s, "Quillon") && !strstr(s, "panellist") &&
			      strstr(s, "p-0104") && strstr(s, "\"role\": \"(erased)\""),
		      "%s", s);
	free(s);
	harness_expect_value(c, "SELECT count(*) FROM idempotency_keys WHERE strpos(response,"
				" 'Zephyrine') + strpos(response, 'Tobiah') > 0", "0");
	harness_expect_value(c, "SELECT count(*) FROM idempotency_keys WHERE strpos(response,"
				" 'Marisol') > 0", "1");
	/* decisions, trips, entries and their hashes as they were */
	s = sql(KEPT_SQL);
	ck_assert_str_eq(s, kept);
	free(s);
	after_verify = call("GET", "/v1/journal/verify", E.auditor, NULL, 200);
	ck_assert(json_is_true(json_object_get(after_verify, "ok")));
	ck_assert(json_equal(before_verify, after_verify));
	{ /* ledger_verify itself, on a connection of its own (the daemon's role) */
		PGconn *v = harness_connect(E.conninfo);

		ck_assert_msg(ledger_store_setup(v) == 0, "%s", err_last());
		harness_expect_verified(v, -1);
		PQfinish(v);
	}
	/* audited, and listed for the auditor */
	harness_expect_value(c, "SELECT user_name || ' ' || object FROM audit WHERE action ="
				" 'privacy.erase'", "ada erasure/1");
	l = call("GET", "/v1/privacy/erasures", E.auditor, NULL, 200);
	ck_assert_int_eq(json_array_size(json_object_get(l, "erasures")), 1);
	o = json_array_get(json_object_get(l, "erasures"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "erased_by")), "ada");
	ck_assert_str_eq(json_string_value(json_object_get(o, "before")), "2018-11-01");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "retention_days")), 730);
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(o, "meetings"), 0), "meeting")),
			 "igf2018-mag3");
	json_decref(l);
	/* again: nothing more to erase, nothing changes but the record of it */
	o = call("POST", "/v1/privacy/erasures", E.admin, "{\"before\":\"2018-11-01\"}", 200);
	ck_assert_int_eq(json_array_size(json_object_get(o, "meetings")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "applicants")), 0);
	json_decref(o);
	s = sql(KEPT_SQL);
	ck_assert_str_eq(s, kept);
	free(s);
	json_decref(before_verify);
	json_decref(after_verify);
	free(kept);
	PQfinish(c);
}
END_TEST

/* What ranking decided, per applicant: "id:decision:granted;..." in the
 * order of the answer's decisions. */
static char *decided(json_t *ranking)
{
	json_t *d;
	size_t i;
	char *s = strdup(""), *t;

	json_array_foreach(json_object_get(ranking, "decisions"), i, d) {
		if (asprintf(&t, "%s%s:%s:%s;", s, json_string_value(json_object_get(d, "id")),
			     json_string_value(json_object_get(d, "decision")),
			     json_string_value(json_object_get(d, "granted"))) < 0)
			ck_abort_msg("out of memory");
		free(s);
		s = t;
	}
	return s;
}

START_TEST(test_erase__erased_meeting_reports_ids_only_and_ranks_the_same)
{
	const char *rank = "{\"as_of\":\"2018-09-10\",\"budget\":\"5000.00 USD\",\"what_if\":true}";
	char *xml, *first, *again;
	json_t *o;
	xmlDocPtr doc;

	travellers();
	o = call("POST", "/v1/meetings/igf2018-mag3/rank", E.auditor, rank, 200);
	first = decided(o);
	json_decref(o);
	json_decref(call("POST", "/v1/privacy/erasures", E.admin, "{\"before\":\"2018-11-01\"}",
			 200));
	/* the individual's role erased to a marker: the same decisions */
	o = call("POST", "/v1/meetings/igf2018-mag3/rank", E.auditor, rank, 200);
	again = decided(o);
	json_decref(o);
	ck_assert_str_eq(again, first);
	ck_assert_msg(strstr(first, "p-0104:funded:1300.00;"), "%s", first);
	/* the Secretariat's own report: ids, no names, when they were erased */
	xml = get_text("/v1/reports/travel-allocation?from=2018-01-01&to=2018-12-31"
		       "&meeting=igf2018-mag3",
		       E.auditor);
	doc = valid(xml, SCHEMAS "travel-allocation-ledger.xsd");
	ck_assert_int_eq(count(doc, "//r:decision"), 4);
	ck_assert_int_eq(count(doc, "//r:decision/r:applicant[@name]"), 0);
	ck_assert_int_eq(count(doc, "//r:decision/r:applicant[@erased-on]"), 4);
	ck_assert_int_eq(count(doc, "//r:decision[@id='p-0104']/r:applicant[@role='(erased)']"), 1);
	ck_assert_msg(!strstr(xml, "Zephyrine") && !strstr(xml, "Quillon") &&
			      !strstr(xml, "panellist"),
		      "%s", xml);
	xmlFreeDoc(doc);
	free(xml);
	/* the meeting not erased still names its applicant */
	xml = get_text("/v1/reports/travel-allocation?from=2018-01-01&to=2018-12-31"
		       "&meeting=igf2018",
		       E.auditor);
	doc = valid(xml, SCHEMAS "travel-allocation-ledger.xsd");
	ck_assert_int_eq(count(doc, "//r:decision/r:applicant[@name='Marisol Eriksdottir-Kane']"),
			 1);
	xmlFreeDoc(doc);
	free(xml);
	free(first);
	free(again);
}
END_TEST

/* --- the CLI, through the one door --------------------------------------------------------- */

/* tfledger privacy ARGS... --url --token token: exit status, stdout (new) */
static int cli(char **out, char **err, const char *token, const char *a1, const char *a2,
	       const char *a3, const char *a4)
{
	const char *argv[12] = {harness_bin_tfledger(), "privacy"};
	int n = 2;

	for (const char *const *a = (const char *const[]){a1, a2, a3, a4, NULL}; *a; a++)
		argv[n++] = *a;
	argv[n++] = "--url";
	argv[n++] = E.d.base;
	argv[n++] = "--token";
	argv[n++] = token;
	argv[n] = NULL;
	return harness_run(out, err, NULL, argv);
}

START_TEST(test_privacy_cli__erase_and_list_through_tfledgerd)
{
	char *out = NULL, *err = NULL;

	travellers();
	ck_assert_int_eq(cli(&out, &err, E.admin, "erase", "--before", "2018-11-01", "--dry-run"),
			 0);
	ck_assert_msg(strstr(out, "dry run") && strstr(out, "igf2018-mag3"), "%s", out);
	free(out);
	free(err);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM travel_applicants"
					      " WHERE erased_at IS NOT NULL"),
			 0);
	/* finance may not: exit 1, the refusal in one form */
	ck_assert_int_eq(cli(&out, &err, E.finance, "erase", "--before", "2018-11-01", NULL), 1);
	ck_assert_msg(strstr(err, "privacy erase") && strstr(err, "[forbidden]"), "%s", err);
	free(out);
	free(err);
	/* a usage error names the option */
	ck_assert_int_eq(cli(&out, &err, E.admin, "erase", NULL, NULL, NULL), 1);
	ck_assert_msg(strstr(err, "--before"), "%s", err);
	free(out);
	free(err);
	ck_assert_int_eq(cli(&out, &err, E.admin, "erase", "--before", "2099-01-01", NULL), 1);
	ck_assert_msg(strstr(err, "retention period") && strstr(err, "[conflict]"), "%s", err);
	free(out);
	free(err);
	ck_assert_int_eq(cli(&out, &err, E.admin, "erase", "--before", "2018-11-01", NULL), 0);
	ck_assert_msg(strstr(out, "erasure 1 by ada"), "%s", out);
	free(out);
	free(err);
	ck_assert_int_eq(query_ll(E.conninfo, "SELECT count(*) FROM travel_applicants"
					      " WHERE erased_at IS NOT NULL"),
			 4);
	ck_assert_int_eq(cli(&out, &err, E.auditor, "list", "--format", "json", NULL), 0);
	ck_assert_msg(strstr(out, "\"erased_by\": \"ada\"") && strstr(out, "igf2018-mag3"), "%s",
		      out);
	free(out);
	free(err);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test privacy[] = {
		{test_iati__travel_per_meeting_aggregated_no_personal_data, 0},
		{test_erase__blanks_personal_fields_keeps_amounts_decisions_and_journal, 0},
		{test_erase__erased_meeting_reports_ids_only_and_ranks_the_same, 0},
		{test_privacy_cli__erase_and_list_through_tfledgerd, 0},
	};
	Suite *s = suite_create("privacy");

	harness_add_tcase(s, "privacy", setup, teardown, 180, privacy, HARNESS_N(privacy));
	return s;
}

int main(void)
{
	(void)entry_body; /* the fixture's, for ledger tests */
	return harness_main(suite(), true);
}
