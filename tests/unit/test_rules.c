/*
 * test_rules.c - rules/ without the CLI: loading policies (valid, invalid,
 * hostile XML through common/xml), the country data and its dates, date
 * parsing, and property tests of the engine over many random applicant
 * sets (seeded, so every run checks the same sets).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/xml.h"
#include "rules/rules.h"
#include "tests/harness/harness.h"

/* The default policy's text with `from` replaced by `to` (must occur). */
static char *policy_variant(const char *from, const char *to)
{
	char *text = harness_slurp(SRCDATADIR "/rules/policies/igf-travel.xml", NULL);
	char *at = strstr(text, from);
	char *out;

	ck_assert_msg(at != NULL, "'%s' not in the default policy", from);
	out = malloc(strlen(text) - strlen(from) + strlen(to) + 1);
	ck_assert(out);
	memcpy(out, text, (size_t)(at - text));
	strcpy(out + (at - text), to);
	strcat(out, at + strlen(from));
	free(text);
	return out;
}

/* Writes text as a policy file in a new temp dir; path into out. */
static void write_policy(char *out, size_t size, const char *text)
{
	char dir[256];

	harness_tmpdir(dir, sizeof(dir));
	ck_assert((size_t)snprintf(out, size, "%s/policy.xml", dir) < size);
	harness_spit_text(out, text);
}

/* Loads text as a policy file (written in a new temp dir); rules_policy_load's rc. */
static int load_text(rules_policy **out, const char *text)
{
	char path[LIMIT_PATH_BYTES];

	write_policy(path, sizeof(path), text);
	return rules_policy_load(out, path);
}

/* ---- policy ---------------------------------------------------------------- */

START_TEST(test_rules_policy_load__default_policy)
{
	rules_policy *p = NULL;

	ck_assert_int_eq(rules_policy_load_default(&p), 0);
	ck_assert_str_eq(rules_policy_id(p), "igf-travel");
	ck_assert_str_eq(rules_policy_version(p), "2019.2");
	ck_assert_int_eq(rules_policy_deadline_days(p), 42);
	ck_assert_uint_eq(strlen(rules_policy_sha256(p)), 64);
	rules_policy_free(p);
}
END_TEST

/* The trip report's grace period is the policy's: 30 in the bundled one,
 * 30 when a (format 1.0) policy does not say, any 0..3660 it says. */
START_TEST(test_rules_policy_load__report_grace_days)
{
	rules_policy *p = NULL;
	char *text;

	ck_assert_int_eq(rules_policy_load_default(&p), 0);
	ck_assert_int_eq(rules_policy_report_grace_days(p), 30);
	rules_policy_free(p);
	p = NULL;
	text = policy_variant("  <reportGrace daysAfterMeeting=\"30\"/>\n", "");
	ck_assert_int_eq(load_text(&p, text), 0);
	ck_assert_int_eq(rules_policy_report_grace_days(p), 30);
	rules_policy_free(p);
	free(text);
	p = NULL;
	text = policy_variant("daysAfterMeeting=\"30\"", "daysAfterMeeting=\"0\"");
	ck_assert_int_eq(load_text(&p, text), 0);
	ck_assert_int_eq(rules_policy_report_grace_days(p), 0);
	rules_policy_free(p);
	free(text);
	p = NULL;
	text = policy_variant("daysAfterMeeting=\"30\"", "daysAfterMeeting=\"-1\"");
	ck_assert_int_eq(load_text(&p, text), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "daysAfterMeeting"), "%s", err_last());
	ck_assert_ptr_null(p);
	free(text);
}
END_TEST

/* The applicants' CSV may carry health_attested_on: a date, only with
 * health_check yes; nothing else about health. */
START_TEST(test_rules_applicants_read__health_attested_on)
{
	static const char head[] =
		"id,name,country,category,role,forms_complete,health_check,prior_funded,"
		"prior_reports_outstanding,request,amount,currency,requested_on,health_attested_on\n";
	static const struct {
		const char *row, *want; /* want: NULL = read, with row's date */
	} cases[] = {
		{"a,A,KEN,mag,,yes,yes,0,0,full,1.00,USD,2018-12-01,2018-11-20\n", NULL},
		{"a,A,KEN,mag,,yes,yes,0,0,full,1.00,USD,2018-12-01,\n", NULL},
		{"a,A,KEN,mag,,yes,yes,0,0,full,1.00,USD,2018-12-01,20-11-2018\n",
		 "x.csv:2: column health_attested_on"},
		{"a,A,KEN,mag,,yes,no,0,0,full,1.00,USD,2018-12-01,2018-11-20\n",
		 "needs health_check yes"},
	};
	rules_countries *k = NULL;

	ck_assert_int_eq(rules_countries_load_default(&k), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		struct rules_applicant *a = NULL;
		size_t n = 0;
		FILE *f;
		int rc;

		snprintf(text, sizeof(text), "%s%s", head, cases[i].row);
		f = fmemopen(text, strlen(text), "r");
		ck_assert(f);
		rc = rules_applicants_read_stream(&a, &n, f, "x.csv", "USD", k);
		fclose(f);
		if (cases[i].want) {
			ck_assert_msg(rc == ERR_INVALID, "case %zu: %d", i, rc);
			ck_assert_msg(strstr(err_last(), cases[i].want), "case %zu: %s", i,
				      err_last());
			continue;
		}
		ck_assert_msg(rc == 0, "case %zu: %s", i, err_last());
		ck_assert_uint_eq(n, 1);
		ck_assert_str_eq(a[0].health_attested_on, i == 0 ? "2018-11-20" : "");
		ck_assert_ptr_null(a[0].reports_due);
		rules_applicants_free(a, n);
	}
	rules_countries_free(k);
}
END_TEST

START_TEST(test_rules_policy_load__sha256_follows_the_bytes)
{
	rules_policy *a = NULL, *b = NULL;
	char *text = policy_variant("<title>", "<title>Edited: ");

	ck_assert_int_eq(rules_policy_load_default(&a), 0);
	ck_assert_int_eq(load_text(&b, text), 0);
	ck_assert_str_ne(rules_policy_sha256(a), rules_policy_sha256(b));
	rules_policy_free(a);
	rules_policy_free(b);
	free(text);
}
END_TEST

struct bad_policy {
	const char *from, *to;
	const char *want;   /* in the message, after "policy.xml:" */
};

static const struct bad_policy bad_policies[] = {
	{"<gate>no-role</gate>", "<gate>no-rol</gate>", ":18: "},          /* unknown gate */
	{"<key>ldc</key>", "<key>ldc</key><key>ldc</key>", ":29: "},       /* key twice */
	{"daysBeforeMeeting=\"42\"", "daysBeforeMeeting=\"-1\"", ":16: "},
	{"rule=\"skip-and-continue\"", "rule=\"first-fit\"", ":34: "},
	{"version=\"2019.2\"", "", ":13: "},                               /* no version */
	{"<effective from=\"2019-01-01\"/>", "<effective from=\"2019-02-30\"/>", ":15: "},
	{"<requestDeadline", "<deadline", ":16: "},                        /* wrong element */
	{"urn:tfledger:policy:1", "urn:tfledger:policy:2", ":13: "},      /* namespace */
	{"</eligibility>", "</eligibilty>", ":25: "},                     /* not well-formed */
};

START_TEST(test_rules_policy_load__refuses_invalid_with_line)
{
	const struct bad_policy *b = &bad_policies[_i];
	char path[LIMIT_PATH_BYTES];
	char want[LIMIT_PATH_BYTES + 16];
	rules_policy *p = NULL;
	char *text = policy_variant(b->from, b->to);

	write_policy(path, sizeof(path), text);
	ck_assert_int_eq(rules_policy_load(&p, path), ERR_INVALID);
	ck_assert_ptr_null(p);
	snprintf(want, sizeof(want), "%s%s", path, b->want);
	ck_assert_msg(strstr(err_last(), want), "case %d: '%s' lacks '%s'", _i, err_last(),
		      want);
	free(text);
}
END_TEST

START_TEST(test_rules_policy_load__refuses_doctype_and_entities)
{
	rules_policy *p = NULL;
	char *text = policy_variant("<policy ", "<!DOCTYPE policy [<!ENTITY x \"42\">]>\n<policy ");

	ck_assert_int_eq(load_text(&p, text), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "DOCTYPE"), "%s", err_last());
	free(text);
}
END_TEST

START_TEST(test_rules_policy_load__missing_file)
{
	rules_policy *p = NULL;

	ck_assert_int_eq(rules_policy_load(&p, "/nonexistent/p.xml"), ERR_SYSTEM);
	ck_assert(strstr(err_last(), "/nonexistent/p.xml"));
}
END_TEST

/* ---- common/xml, which the policy loader relies on --------------------------- */

START_TEST(test_xml_read_memory__refuses_entity_expansion)
{
	static const char doc[] =
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>\n"
		"<lolz>&lol2;</lolz>\n";
	xmlDocPtr d = NULL;

	ck_assert_int_eq(xml_read_memory(&d, doc, sizeof(doc) - 1, "bomb.xml"), ERR_INVALID);
	ck_assert_ptr_null(d);
	ck_assert_msg(strstr(err_last(), "bomb.xml") && strstr(err_last(), "DOCTYPE"), "%s",
		      err_last());
}
END_TEST

START_TEST(test_xml_read_memory__refuses_external_entity)
{
	static const char doc[] =
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<r>&x;</r>\n";
	xmlDocPtr d = NULL;

	ck_assert_int_eq(xml_read_memory(&d, doc, sizeof(doc) - 1, "xxe.xml"), ERR_INVALID);
	ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_xml_read_memory__malformed_names_the_line)
{
	static const char doc[] = "<?xml version=\"1.0\"?>\n<a>\n  <b>\n  </c>\n</a>\n";
	xmlDocPtr d = NULL;

	ck_assert_int_eq(xml_read_memory(&d, doc, sizeof(doc) - 1, "m.xml"), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "m.xml:4:"), "%s", err_last());
}
END_TEST

/* ---- country data and dates ---------------------------------------------------- */

struct ldc_case {
	const char *iso3, *day;
	bool ldc;
};

static const struct ldc_case ldc_cases[] = {
	{"BTN", "2019-01-29", true},  {"BTN", "2023-12-12", true},
	{"BTN", "2023-12-13", false}, {"BTN", "2024-06-01", false},
	{"VUT", "2020-12-03", true},  {"VUT", "2020-12-04", false},
	{"STP", "2024-12-12", true},  {"STP", "2024-12-13", false},
	{"GNQ", "2017-06-03", true},  {"GNQ", "2019-01-29", false},
	{"WSM", "2013-12-31", true},  {"WSM", "2014-01-01", false},
	{"MDV", "2010-12-31", true},  {"MDV", "2011-01-01", false},
	{"CPV", "2007-12-19", true},  {"CPV", "2008-06-01", false},
	{"BWA", "1994-01-01", true},  {"BWA", "1995-01-01", false},
	{"NPL", "2019-01-29", true},  {"NPL", "2026-11-24", false},
	{"AFG", "2030-01-01", true},  {"KEN", "2019-01-29", false},
	{"DEU", "2019-01-29", false},
};

START_TEST(test_rules_country_is_ldc__on_the_day)
{
	const struct ldc_case *c = &ldc_cases[_i];
	rules_countries *k = NULL;
	int32_t day;

	ck_assert_int_eq(rules_countries_load_default(&k), 0);
	ck_assert_int_eq(date_parse(&day, c->day), 0);
	ck_assert_msg(rules_country_is_ldc(k, c->iso3, day) == c->ldc, "%s on %s", c->iso3,
		      c->day);
	rules_countries_free(k);
}
END_TEST

START_TEST(test_rules_countries__wesp_classes_and_names)
{
	rules_countries *k = NULL;

	ck_assert_int_eq(rules_countries_load_default(&k), 0);
	ck_assert_int_eq(rules_country_wesp(k, "DEU"), RULES_WESP_DEVELOPED);
	ck_assert_int_eq(rules_country_wesp(k, "RUS"), RULES_WESP_TRANSITION);
	ck_assert_int_eq(rules_country_wesp(k, "KEN"), RULES_WESP_DEVELOPING);
	ck_assert_int_eq(rules_country_wesp(k, "MCO"), RULES_WESP_UNCLASSIFIED);
	ck_assert_str_eq(rules_country_name(k, "DEU"), "Germany");
	ck_assert(rules_country_known(k, "PRI"));
	ck_assert(!rules_country_known(k, "XKX"));  /* Kosovo: no ISO 3166-1 code */
	ck_assert(!rules_country_known(k, "deu"));
	ck_assert(!rules_country_known(k, "DE"));
	rules_countries_free(k);
}
END_TEST

START_TEST(test_rules_countries_load__bad_row_names_line_and_column)
{
	char dir[256], eco[LIMIT_PATH_BYTES], ldc[LIMIT_PATH_BYTES];
	rules_countries *k = NULL;

	harness_tmpdir(dir, sizeof(dir));
	snprintf(eco, sizeof(eco), "%s/e.csv", dir);
	snprintf(ldc, sizeof(ldc), "%s/l.csv", dir);
	harness_spit_text(eco, "iso3,name,wesp_class\nKEN,Kenya,developing\nDEU,Germany,rich\n");
	harness_spit_text(ldc, "iso3,ldc_until,note\n");
	ck_assert_int_eq(rules_countries_load(&k, eco, ldc), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "e.csv:3: column wesp_class"), "%s", err_last());
	harness_spit_text(eco, "iso3,name,wesp_class\nKEN,Kenya,developing\n");
	harness_spit_text(ldc, "iso3,ldc_until,note\nKEN,2020-02-31,\n");
	ck_assert_int_eq(rules_countries_load(&k, eco, ldc), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "l.csv:2: column ldc_until"), "%s", err_last());
}
END_TEST

/*
 * The countries the seed transcript (the IGF 2019 MAG orientation call,
 * ../shared/seed) says its speakers come from or work in, with the class
 * the transcript's eligibility rule needs ("you have to come from at least
 * developing country or transitional economy ... we cannot fund people from
 * developed countries"; "we do try and support people from LDC's"), as
 * rules/data gives them. rules/data/README.md says what this does and does
 * not verify.
 */
static const struct {
	const char *said, *iso3;
	enum rules_wesp wesp;
	bool ldc_2019;
} seed_countries[] = {
	{"Carlos Afonso from Brazil", "BRA", RULES_WESP_DEVELOPING, false},
	{"Chenai: Zimbabwean based in South Africa", "ZWE", RULES_WESP_DEVELOPING, false},
	{"Chenai: based in South Africa", "ZAF", RULES_WESP_DEVELOPING, false},
	{"Heiki Sibul from Estonia", "EST", RULES_WESP_DEVELOPED, false},
	{"Lianna Galstyan from Armenia", "ARM", RULES_WESP_TRANSITION, false},
	{"Mary Rose from the Philippines", "PHL", RULES_WESP_DEVELOPING, false},
	{"Nebojsa Regoje: Bosnian government", "BIH", RULES_WESP_TRANSITION, false},
	{"Ricardo from Argentina", "ARG", RULES_WESP_DEVELOPING, false},
	{"Roman Chukov: represent Russia", "RUS", RULES_WESP_TRANSITION, false},
	{"Rudolf Gridl from Germany", "DEU", RULES_WESP_DEVELOPED, false},
	{"Jutta Croll working in Germany", "DEU", RULES_WESP_DEVELOPED, false},
	{"Ben Wallis: British", "GBR", RULES_WESP_DEVELOPED, false},
	{"Ben Wallis: I live in the United States", "USA", RULES_WESP_DEVELOPED, false},
	{"a nonprofit organization in Chile", "CHL", RULES_WESP_DEVELOPING, false},
	{"Rajesh Chharia: advisory board in India", "IND", RULES_WESP_DEVELOPING, false},
	{"Xiaofeng Tao from Beijing University", "CHN", RULES_WESP_DEVELOPING, false},
	{"Adama Jess Jallow: the IGF in Zambia", "ZMB", RULES_WESP_DEVELOPING, true},
	{"donor: the government of Finland", "FIN", RULES_WESP_DEVELOPED, false},
	{"donor: the government of Switzerland", "CHE", RULES_WESP_DEVELOPED, false},
};

START_TEST(test_rules_countries__the_seed_transcripts_countries)
{
	rules_countries *k = NULL;
	int32_t day;

	ck_assert_int_eq(rules_countries_load_default(&k), 0);
	ck_assert_int_eq(date_parse(&day, "2019-01-29"), 0);
	for (size_t i = 0; i < sizeof(seed_countries) / sizeof(seed_countries[0]); i++) {
		const char *c = seed_countries[i].iso3;

		ck_assert_msg(rules_country_known(k, c), "%s: %s unknown", seed_countries[i].said, c);
		ck_assert_msg(rules_country_wesp(k, c) == seed_countries[i].wesp, "%s: %s class %d",
			      seed_countries[i].said, c, (int)rules_country_wesp(k, c));
		ck_assert_msg(rules_country_is_ldc(k, c, day) == seed_countries[i].ldc_2019,
			      "%s: %s LDC in 2019", seed_countries[i].said, c);
	}
	rules_countries_free(k);
}
END_TEST

/* A policy from memory is the policy from its file: same hash, same
 * result; an invalid one names the given name and the line. */
START_TEST(test_rules_policy_load_buffer__same_as_the_file)
{
	rules_policy *a = NULL, *b = NULL;
	char *text = policy_variant("version=\"2019.2\"", "version=\"9.9\"");

	ck_assert_int_eq(load_text(&a, text), 0);
	ck_assert_int_eq(rules_policy_load_buffer(&b, text, strlen(text), "upload"), 0);
	ck_assert_str_eq(rules_policy_sha256(a), rules_policy_sha256(b));
	ck_assert_str_eq(rules_policy_version(b), "9.9");
	ck_assert_str_eq(rules_policy_path(b), "upload");
	ck_assert_int_eq(rules_policy_allocation(a), rules_policy_allocation(b));
	rules_policy_free(a);
	rules_policy_free(b);
	free(text);
	text = policy_variant("<requestDeadline", "<deadline");
	ck_assert_int_eq(rules_policy_load_buffer(&b, text, strlen(text), "upload"), ERR_INVALID);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(err_last(), "upload:16: "), "%s", err_last());
	free(text);
}
END_TEST

START_TEST(test_rules_parse_time__dates_and_timestamps)
{
	/* date_parse_time: rc, then (when rc is 0 and check_s/check_ns) s or ns */
	static const struct {
		const char *text;
		int rc;
		bool check_s, check_ns;
		int64_t s;
		int32_t ns;
	} times[] = {
		{"1970-01-01", 0, true, false, 0, 0},
		{"2018-12-18", 0, true, false, 1545091200, 0},
		{"2018-12-18T00:00:00Z", 0, true, false, 1545091200, 0},
		{"2018-12-19T00:30:00+01:00", 0, true, false, 1545091200 + 23 * 3600 + 1800, 0},
		{"2018-12-18t10:00:00.25z", 0, false, true, 0, 250000000},
		{"2000-02-29", 0, false, false, 0, 0},
		{"1900-02-29", ERR_INVALID, false, false, 0, 0},
		{"2018-12-18T24:00:00Z", ERR_INVALID, false, false, 0, 0},
		{"2018-12-18T10:00:00", ERR_INVALID, false, false, 0, 0},
		{"2018-12-18 10:00:00Z", ERR_INVALID, false, false, 0, 0},
		{"2018-12-18T10:00:00.Z", ERR_INVALID, false, false, 0, 0},
		{"18-12-18", ERR_INVALID, false, false, 0, 0},
	};
	/* date_parse and, when accepted, date_format back to the same text */
	static const struct {
		const char *text;
		int rc;
	} days[] = {
		{"2024-02-29", 0},
		{"1900-01-01", 0},
		{"9999-12-31", 0},
		/* one range of years for every date tfledger reads (common/date.h) */
		{"1899-12-31", ERR_INVALID},
	};
	int64_t s;
	int32_t ns, day;
	char back[11];

	for (size_t i = 0; i < HARNESS_N(times); i++) {
		int rc = date_parse_time(&s, &ns, times[i].text);

		ck_assert_msg(rc == times[i].rc, "%s: rc %d, want %d", times[i].text, rc,
			      times[i].rc);
		if (times[i].check_s)
			ck_assert_msg(s == times[i].s, "%s: %lld, want %lld", times[i].text,
				      (long long)s, (long long)times[i].s);
		if (times[i].check_ns)
			ck_assert_msg(ns == times[i].ns, "%s: ns %d, want %d", times[i].text,
				      (int)ns, (int)times[i].ns);
	}
	for (size_t i = 0; i < HARNESS_N(days); i++) {
		int rc = date_parse(&day, days[i].text);

		ck_assert_msg(rc == days[i].rc, "%s: rc %d, want %d", days[i].text, rc,
			      days[i].rc);
		if (rc == 0) {
			date_format(back, day);
			ck_assert_str_eq(back, days[i].text);
		}
	}
	ck_assert(!date_valid("0001-01-01"));
	ck_assert(date_time_utc_valid("2024-02-29T23:59:59Z"));
	ck_assert(!date_time_utc_valid("2023-02-29T00:00:00Z"));
	ck_assert(!date_time_utc_valid("2023-01-01T00:00:00+00:00"));
	ck_assert_int_eq(date_parse(&day, "2019-13-01"), ERR_INVALID);
}
END_TEST

/* ---- properties of the engine over random inputs -------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	return harness_xorshift(&rng_state);
}

static uint64_t pick(uint64_t n)
{
	return rng() % n;
}

static const char *const sample_countries[] = {
	"KEN", "NPL", "BTN", "DEU", "USA", "BRA", "RUS", "MCO", "PRI", "ZMB", "IND", "HTI",
};

/* n random applicants; ids from a small space would collide, so numbered. */
static struct rules_applicant *random_applicants(size_t n)
{
	struct rules_applicant *a = calloc(n, sizeof(*a));
	char buf[32];

	ck_assert(a);
	for (size_t i = 0; i < n; i++) {
		/* id, name and requested_on in one allocation, as the reader does */
		int len = snprintf(buf, sizeof(buf), "%c%zu", (char)('a' + pick(3)), i);

		a[i].id = malloc((size_t)len + 4);
		ck_assert(a[i].id);
		memcpy(a[i].id, buf, (size_t)len + 1);
		a[i].name = strcpy(a[i].id + len + 1, "x");
		a[i].requested_on = strcpy(a[i].id + len + 3, "");
		memcpy(a[i].country, sample_countries[pick(12)], 4);
		a[i].category = pick(3) ? RULES_MAG : RULES_INDIVIDUAL;
		a[i].has_role = pick(4) != 0;
		a[i].forms_complete = pick(8) != 0;
		a[i].health_check = pick(8) != 0;
		a[i].prior_funded = pick(3) ? 0 : (int64_t)pick(4);
		a[i].prior_reports_outstanding = pick(10) ? 0 : 1;
		a[i].request = (enum rules_request)pick(3);
		/* a few amount sizes so that ties and misfits happen */
		a[i].amount_minor = (int64_t)(1 + pick(40)) * 10000 + (int64_t)pick(3);
		/* days around the deadline (2018-12-18), few distinct instants so
		 * that full ties, broken by id alone, are common */
		a[i].requested_s = 1545091200 + ((int64_t)pick(6) - 4) * 86400 +
				   (int64_t)pick(2) * 3600;
		a[i].requested_ns = (int32_t)(pick(4) == 0);
	}
	return a;
}

static char *json_of(const struct rules_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert(f);
	ck_assert_int_eq(rules_write_json(f, r), 0);
	fclose(f);
	return buf;
}

static void load_policies(rules_policy **skip, rules_policy **stop)
{
	char *text = policy_variant("skip-and-continue", "stop-at-first-misfit");

	ck_assert_int_eq(rules_policy_load_default(skip), 0);
	ck_assert_int_eq(load_text(stop, text), 0);
	free(text);
}

/* The contract's default order, written independently of rules/rank.c. */
static int contract_order(const struct rules_applicant *x, const struct rules_applicant *y,
			  const rules_countries *k, int32_t day)
{
	int a, b;

	if ((a = x->category != RULES_MAG) != (b = y->category != RULES_MAG))
		return a - b;
	if ((a = x->prior_funded != 0) != (b = y->prior_funded != 0))
		return a - b;
	if ((a = !rules_country_is_ldc(k, x->country, day)) !=
	    (b = !rules_country_is_ldc(k, y->country, day)))
		return a - b;
	if ((a = x->request == RULES_FULL) != (b = y->request == RULES_FULL))
		return a - b;
	if (x->requested_s != y->requested_s)
		return x->requested_s < y->requested_s ? -1 : 1;
	if (x->requested_ns != y->requested_ns)
		return x->requested_ns < y->requested_ns ? -1 : 1;
	return strcmp(x->id, y->id);
}

START_TEST(test_rules_rank__properties_over_random_files)
{
	rules_policy *skip = NULL, *stop = NULL;
	rules_countries *k = NULL;
	int32_t meeting;

	rng_state = 0x5eed0fa11u + (uint64_t)_i * 7919;
	load_policies(&skip, &stop);
	ck_assert_int_eq(rules_countries_load_default(&k), 0);
	ck_assert_int_eq(date_parse(&meeting, "2019-01-29"), 0);
	for (int iter = 0; iter < 50; iter++) {
		size_t n = (size_t)pick(120);
		struct rules_applicant *a = random_applicants(n);
		struct rules_applicant *shuffled = malloc((n ? n : 1) * sizeof(*a));
		int64_t budget = (int64_t)pick(3000000);

		ck_assert(shuffled);
		memcpy(shuffled, a, n * sizeof(*a));
		for (size_t i = n; i > 1; i--) {
			size_t j = (size_t)pick(i);
			struct rules_applicant t = shuffled[i - 1];

			shuffled[i - 1] = shuffled[j];
			shuffled[j] = t;
		}
		for (int pol = 0; pol < 2; pol++) {
			const rules_policy *p = pol ? stop : skip;
			struct rules_result r1, r2;
			int64_t sum = 0;
			size_t first_wait = SIZE_MAX;
			char *j1, *j2;

			ck_assert_int_eq(rules_rank(&r1, p, k, a, n, meeting, budget, "USD"), 0);
			ck_assert_int_eq(rules_rank(&r2, p, k, shuffled, n, meeting, budget,
						    "USD"), 0);
			/* same bytes whatever the row order */
			j1 = json_of(&r1);
			j2 = json_of(&r2);
			harness_same_bytes(j1, j2);
			ck_assert_uint_eq(r1.n, n);
			for (size_t i = 0; i < r1.n; i++) {
				const struct rules_decision *d = &r1.decisions[i];

				sum += d->granted_minor;
				if (i < r1.n_eligible) {
					ck_assert_uint_eq(d->rank, i + 1);
					if (i > 0)
						ck_assert_int_lt(contract_order(
							r1.decisions[i - 1].applicant,
							d->applicant, k, meeting), 0);
				} else {
					ck_assert_int_eq(d->outcome, RULES_INELIGIBLE);
					ck_assert_int_eq(d->granted_minor, 0);
					if (i > r1.n_eligible)
						ck_assert_int_lt(strcmp(r1.decisions[i - 1].applicant->id,
									d->applicant->id), 0);
				}
				if (d->outcome == RULES_FUNDED)
					ck_assert_int_eq(d->granted_minor,
							 d->applicant->amount_minor);
				if (d->outcome == RULES_WAITLISTED && first_wait == SIZE_MAX)
					first_wait = i;
				/* under stop-at-first-misfit nobody below it is funded */
				if (pol == 1 && i > first_wait)
					ck_assert_int_ne(d->outcome, RULES_FUNDED);
				/* under skip-and-continue no waitlisted amount fits */
				if (pol == 0 && d->outcome == RULES_WAITLISTED)
					ck_assert_int_gt(d->applicant->amount_minor,
							 r1.remaining_minor);
			}
			/* the budget is never exceeded, and adds up */
			ck_assert_int_eq(sum, r1.allocated_minor);
			ck_assert_int_le(r1.allocated_minor, budget);
			ck_assert_int_eq(r1.allocated_minor + r1.remaining_minor, budget);
			free(j1);
			free(j2);
			rules_result_free(&r1);
			rules_result_free(&r2);
		}
		free(shuffled);
		rules_applicants_free(a, n);
	}
	rules_countries_free(k);
	rules_policy_free(skip);
	rules_policy_free(stop);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test core[] = {
		{test_rules_policy_load__default_policy, 0},
		{test_rules_policy_load__report_grace_days, 0},
		{test_rules_applicants_read__health_attested_on, 0},
		{test_rules_policy_load__sha256_follows_the_bytes, 0},
		{test_rules_policy_load__refuses_invalid_with_line, (int)HARNESS_N(bad_policies)},
		{test_rules_policy_load__refuses_doctype_and_entities, 0},
		{test_rules_policy_load__missing_file, 0},
		{test_xml_read_memory__refuses_entity_expansion, 0},
		{test_xml_read_memory__refuses_external_entity, 0},
		{test_xml_read_memory__malformed_names_the_line, 0},
		{test_rules_country_is_ldc__on_the_day, (int)HARNESS_N(ldc_cases)},
		{test_rules_countries__wesp_classes_and_names, 0},
		{test_rules_countries_load__bad_row_names_line_and_column, 0},
		{test_rules_parse_time__dates_and_timestamps, 0},
		{test_rules_countries__the_seed_transcripts_countries, 0},
		{test_rules_policy_load_buffer__same_as_the_file, 0},
		{test_rules_rank__properties_over_random_files, 20},
	};
	Suite *s = suite_create("rules");

	harness_add_tcase(s, "core", NULL, NULL, 0, core, HARNESS_N(core));
	return s;
}

int main(void)
{
	return harness_main(suite(), false);
}
