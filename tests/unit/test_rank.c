/*
 * test_rank.c - `tfledger rank` run as the real program: golden outputs in
 * tests/data/rank (NAME.csv beside NAME.expected.json / .txt, compared byte
 * for byte), malformed CSV files refused with file, line and column and
 * nothing on stdout, edited policies changing the result, invalid policies
 * refused with their line, and the XML report valid against its schema.
 * Needs no database; writes only under /tmp.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "common/limits.h"
#include "common/xml.h"
#include "rules/rules.h"
#include "tests/harness/harness.h"

#define DATA SRCDATADIR "/tests/data/rank/"

/* Runs tfledger rank with the given options (NULL-terminated, after "rank"). */
static int rank(char **out, char **err, const char *const *opts)
{
	const char *argv[24] = {harness_bin_tfledger(), "rank"};
	int n = 2;

	for (; *opts; opts++) {
		ck_assert(n < 23);
		argv[n++] = *opts;
	}
	argv[n] = NULL;
	return harness_run(out, err, NULL, argv);
}

/* ---- golden outputs -------------------------------------------------------- */

struct golden {
	const char *csv, *expected, *meeting, *budget, *currency, *policy, *format;
};

static const struct golden goldens[] = {
	{"gates", "gates.expected.json", "2019-01-29", "100000.00", "USD", NULL, "json"},
	{"gates", "gates.expected.txt", "2019-01-29", "100000.00", "USD", NULL, "table"},
	{"key-category", "key-category.expected.json", "2019-01-29", "10000.00", "USD", NULL, "json"},
	{"key-never-funded", "key-never-funded.expected.json", "2019-01-29", "10000.00", "USD", NULL, "json"},
	{"key-ldc", "key-ldc.expected.json", "2019-01-29", "10000.00", "USD", NULL, "json"},
	{"key-partial", "key-partial.expected.json", "2019-01-29", "10000.00", "USD", NULL, "json"},
	{"key-requested-on", "key-requested-on.expected.json", "2019-01-29", "10000.00", "USD", NULL, "json"},
	{"tie-id", "tie-id.expected.json", "2019-01-29", "10000.00", "USD", NULL, "json"},
	{"timestamp-vs-date", "timestamp-vs-date.expected.json", "2019-01-29", "10000.00", "USD", NULL, "json"},
	{"deadline", "deadline.expected.json", "2019-01-29", "10000.00", "USD", NULL, "json"},
	{"budget", "budget.expected.json", "2019-01-29", "5000.00", "USD", NULL, "json"},
	{"budget", "budget.expected.txt", "2019-01-29", "5000.00", "USD", NULL, "table"},
	{"budget", "budget-stop.expected.json", "2019-01-29", "5000.00", "USD",
	 "stop-at-first-misfit.xml", "json"},
	{"ldc-dates", "ldc-dates-2019.expected.json", "2019-01-29", "10000.00", "USD", NULL, "json"},
	{"ldc-dates", "ldc-dates-2024.expected.json", "2024-06-01", "10000.00", "USD", NULL, "json"},
	{"quoting", "quoting.expected.json", "2019-01-29", "2000.00", "USD", NULL, "json"},
	{"empty", "empty.expected.json", "2019-01-29", "0.00", "USD", NULL, "json"},
	{"jpy", "jpy.expected.json", "2019-01-29", "200000", "JPY", NULL, "json"},
};

#define NGOLDEN ((int)HARNESS_N(goldens))

static char *run_golden(const struct golden *g, char **err)
{
	char csv[LIMIT_PATH_BYTES], policy[LIMIT_PATH_BYTES];
	const char *opts[16] = {"--applicants", csv, "--meeting-date", g->meeting, "--budget",
				g->budget, "--currency", g->currency, "--format", g->format};
	char *out = NULL;
	int n = 10, status;

	snprintf(csv, sizeof(csv), DATA "%s.csv", g->csv);
	if (g->policy) {
		snprintf(policy, sizeof(policy), DATA "%s", g->policy);
		opts[n++] = "--policy";
		opts[n++] = policy;
	}
	opts[n] = NULL;
	status = rank(&out, err, opts);
	ck_assert_msg(status == 0, "%s: exit %d: %s", g->expected, status, *err);
	return out;
}

START_TEST(test_rank__golden_output)
{
	const struct golden *g = &goldens[_i];
	char path[LIMIT_PATH_BYTES];
	char *err = NULL, *out = run_golden(g, &err);
	char *want;

	snprintf(path, sizeof(path), DATA "%s", g->expected);
	want = harness_slurp(path, NULL);
	harness_same_bytes(out, want);
	ck_assert_str_eq(err, "");
	free(want);
	free(out);
	free(err);
}
END_TEST

/* Every reason code of the contract shows in at least one golden output. */
START_TEST(test_rank__goldens_cover_every_reason_code)
{
	bool seen[RULES_REASON_COUNT] = {false};
	char path[LIMIT_PATH_BYTES], quoted[64];

	for (int i = 0; i < NGOLDEN; i++) {
		char *text;

		if (!strstr(goldens[i].expected, ".json"))
			continue;
		snprintf(path, sizeof(path), DATA "%s", goldens[i].expected);
		text = harness_slurp(path, NULL);
		for (int r = 0; r < RULES_REASON_COUNT; r++) {
			snprintf(quoted, sizeof(quoted), "\"%s\"", rules_reason_name(r));
			seen[r] |= strstr(text, quoted) != NULL;
		}
		free(text);
	}
	for (int r = 0; r < RULES_REASON_COUNT; r++)
		ck_assert_msg(seen[r], "no golden output shows '%s'", rules_reason_name(r));
}
END_TEST

START_TEST(test_rank__xml_report_is_valid_against_its_schema)
{
	const struct golden g = {"gates", "", "2019-01-29", "5000.00", "USD", NULL, "xml"};
	const struct golden q = {"quoting", "", "2019-01-29", "1000.00", "USD", NULL, "xml"};
	char *err = NULL, *out;
	xmlDocPtr doc = NULL;

	for (int i = 0; i < 2; i++) {
		out = run_golden(i ? &q : &g, &err);
		ck_assert_int_eq(xml_read_memory(&doc, out, strlen(out), "report.xml"), 0);
		ck_assert_msg(xml_validate(doc, SRCDATADIR "/reports/schemas/travel-allocation.xsd",
					   "report.xml") == 0, "%s\n%s", err_last(), out);
		ck_assert(strstr(out, "<reason code=\"developed-economy\"/>") || i);
		xmlFreeDoc(doc);
		free(out);
		free(err);
	}
}
END_TEST

/* rank's options for budget.csv as JSON into --output path. */
#define BUDGET_JSON_TO(path)                                                                     \
	{"--applicants", DATA "budget.csv", "--meeting-date", "2019-01-29", "--budget", "5000.00", \
	 "--currency", "USD", "--format", "json", "--output", (path), NULL}

/* got (freed here) is budget.csv's golden JSON to the byte. */
static void expect_budget_json(char *got)
{
	char *want = harness_slurp(DATA "budget.expected.json", NULL);

	harness_same_bytes(got, want);
	free(got);
	free(want);
}

START_TEST(test_rank__output_file_and_nothing_on_stdout)
{
	char dir[256], path[LIMIT_PATH_BYTES];
	const char *opts[] = BUDGET_JSON_TO(path);
	char *out = NULL, *err = NULL;

	harness_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/r.json", dir);
	ck_assert_int_eq(rank(&out, &err, opts), 0);
	ck_assert_str_eq(out, "");
	expect_budget_json(harness_slurp(path, NULL));
	free(out);
	free(err);
}
END_TEST

/* --output into something that is not a regular file (a FIFO here; a device
 * such as /dev/null the same way) writes into it and leaves it in place. */
START_TEST(test_rank__output_into_a_fifo_writes_through_and_keeps_the_fifo)
{
	char dir[256], path[LIMIT_PATH_BYTES];
	const char *opts[] = BUDGET_JSON_TO(path);
	struct harness_fifo *ff;
	char *out = NULL, *err = NULL, *got;
	struct stat st;
	int rc;

	harness_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/pipe", dir);
	ff = harness_fifo_start(path);
	rc = rank(&out, &err, opts);
	got = harness_fifo_finish(ff, NULL);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert_msg(S_ISFIFO(st.st_mode), "--output replaced the FIFO (mode %o)",
		      (unsigned)st.st_mode);
	expect_budget_json(got);
	ck_assert_str_eq(out, "");
	free(out);
	free(err);
}
END_TEST

/* ---- malformed applicant files ----------------------------------------------- */

static const char *const header =
	"id,name,country,category,role,forms_complete,health_check,prior_funded,"
	"prior_reports_outstanding,request,amount,currency,requested_on\n";

static const char *const columns[] = {
	"id", "name", "country", "category", "role", "forms_complete", "health_check",
	"prior_funded", "prior_reports_outstanding", "request", "amount", "currency",
	"requested_on",
};

static const char *const good[] = {
	"x3", "Name", "KEN", "mag", "", "yes", "yes", "0", "0", "full", "1000.00", "USD",
	"2018-12-01",
};

/* ---- row order does not matter, through the CSV and the program ------------ */

static uint64_t rng_state;

static uint64_t rng(void)
{
	return harness_xorshift(&rng_state);
}

START_TEST(test_rank__random_files_rank_the_same_in_any_row_order)
{
	static const char *const cc[] = {"KEN", "NPL", "BTN", "DEU", "MCO", "BRA", "RUS", "HTI"};
	static const char *const req[] = {"full", "airfare", "dsa"};
	enum { ROWS = 150 };
	char dir[256], p1[LIMIT_PATH_BYTES], p2[LIMIT_PATH_BYTES];
	char *rows[ROWS];
	FILE *f1, *f2;

	rng_state = 0xfeedbeefULL + (uint64_t)_i;
	harness_tmpdir(dir, sizeof(dir));
	snprintf(p1, sizeof(p1), "%s/a.csv", dir);
	snprintf(p2, sizeof(p2), "%s/b.csv", dir);
	for (int i = 0; i < ROWS; i++) {
		char line[512];

		/* quoted names with commas, timestamps and bare dates, many ties */
		snprintf(line, sizeof(line),
			 "id%03d,\"Name %d, \"\"q\"\"\",%s,%s,%s,%s,%s,%d,%d,%s,%d.00,USD,%s%d%s\r\n",
			 (int)(rng() % 1000) * 1000 + i, i, cc[rng() % 8],
			 rng() % 3 ? "mag" : "individual", rng() % 4 ? "panel" : "",
			 rng() % 8 ? "yes" : "no", rng() % 8 ? "yes" : "no", (int)(rng() % 3),
			 (int)(rng() % 10 == 0), req[rng() % 3], 100 + (int)(rng() % 20) * 100,
			 "2018-12-1", (int)(rng() % 10),
			 rng() % 2 ? "" : (rng() % 2 ? "T12:00:00Z" : "T00:00:00+01:00"));
		rows[i] = strdup(line);
	}
	f1 = fopen(p1, "wb");
	f2 = fopen(p2, "wb");
	ck_assert(f1 && f2);
	fputs(header, f1);
	fputs(header, f2);
	for (int i = 0; i < ROWS; i++)
		fputs(rows[i], f1);
	for (int i = ROWS; i > 1; i--) {        /* Fisher-Yates */
		int j = (int)(rng() % (uint64_t)i);
		char *t = rows[i - 1];

		rows[i - 1] = rows[j];
		rows[j] = t;
	}
	for (int i = 0; i < ROWS; i++) {
		fputs(rows[i], f2);
		free(rows[i]);
	}
	ck_assert_int_eq(fclose(f1), 0);
	ck_assert_int_eq(fclose(f2), 0);
	for (int fmt = 0; fmt < 3; fmt++) {
		const char *format = fmt == 0 ? "json" : fmt == 1 ? "table" : "xml";
		const char *o1[] = {"--applicants", p1, "--meeting-date", "2019-01-29", "--budget",
				    "9000.00", "--currency", "USD", "--format", format, NULL};
		const char *o2[] = {"--applicants", p2, "--meeting-date", "2019-01-29", "--budget",
				    "9000.00", "--currency", "USD", "--format", format, NULL};
		char *out1 = NULL, *out2 = NULL, *err = NULL;

		ck_assert_msg(rank(&out1, &err, o1) == 0, "%s", err);
		free(err);
		ck_assert_msg(rank(&out2, &err, o2) == 0, "%s", err);
		free(err);
		harness_same_bytes(out1, out2);
		ck_assert(strstr(out1, fmt == 0 ? "\"funded\"" : fmt == 1 ? " funded " : "outcome=\"funded\""));
		free(out1);
		free(out2);
	}
}
END_TEST

struct bad_value {
	const char *column, *value;
};

static const struct bad_value bad_values[] = {
	{"id", ""},
	{"id", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}, /* 65 */
	{"country", "XYZ"},
	{"country", "ken"},
	{"country", "KE"},
	{"country", ""},
	{"category", "MAG"},
	{"category", "member"},
	{"forms_complete", "Yes"},
	{"forms_complete", ""},
	{"health_check", "1"},
	{"prior_funded", "-1"},
	{"prior_funded", "1.0"},
	{"prior_funded", ""},
	{"prior_funded", "01"},
	{"prior_reports_outstanding", "two"},
	{"request", "partial"},
	{"amount", "0.00"},
	{"amount", "12.5"},
	{"amount", "-5.00"},
	{"amount", "1e3"},
	{"amount", "92233720368547758.08"},
	{"amount", ""},
	{"currency", "EUR"},
	{"currency", "usd"},
	{"requested_on", "2018-02-30"},
	{"requested_on", "2018-12-01 10:00"},
	{"requested_on", "2018-12-01T10:00:00"},
	{"requested_on", ""},
};

/* Runs rank on text (written to a temp file) and checks it is refused with
 * exit 1, nothing on stdout, and want (after the file's path) on stderr. */
static void refused(const char *text, const char *want)
{
	char dir[256], path[LIMIT_PATH_BYTES], needle[LIMIT_PATH_BYTES + 128];
	const char *opts[] = {"--applicants", path, "--meeting-date", "2019-01-29",
			      "--budget", "5000.00", "--currency", "USD", "--format", "json", NULL};
	char *out = NULL, *err = NULL;

	harness_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/applicants.csv", dir);
	harness_spit_text(path, text);
	ck_assert_int_eq(rank(&out, &err, opts), 1);
	ck_assert_msg(strcmp(out, "") == 0, "stdout not empty: %s", out);
	snprintf(needle, sizeof(needle), "%s%s", path, want);
	ck_assert_msg(strstr(err, needle), "stderr '%s' lacks '%s'", err, needle);
	free(out);
	free(err);
}

START_TEST(test_rank__refuses_bad_value_with_line_and_column)
{
	const struct bad_value *b = &bad_values[_i];
	char text[2048], want[128];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "%s"
				   "x1,One,KEN,mag,,yes,yes,0,0,full,1000.00,USD,2018-12-01\n"
				   "x2,\"Two, quoted\",NPL,mag,,yes,yes,0,0,dsa,500.00,USD,2018-12-02\n",
			     header);
	for (int c = 0; c < 13; c++) {
		const char *v = strcmp(columns[c], b->column) == 0 ? b->value : good[c];

		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s", c ? "," : "", v);
	}
	snprintf(text + n, sizeof(text) - n, "\n");
	snprintf(want, sizeof(want), ":4: column %s ", b->column);
	refused(text, want);
}
END_TEST

struct bad_file {
	const char *text, *want;
};

static const struct bad_file bad_files[] = {
	/* duplicate id, named on the second occurrence */
	{"x1,A,KEN,mag,,yes,yes,0,0,full,1.00,USD,2018-12-01\n"
	 "x2,B,KEN,mag,,yes,yes,0,0,full,1.00,USD,2018-12-01\n"
	 "x1,C,KEN,mag,,yes,yes,0,0,full,1.00,USD,2018-12-01\n",
	 ":4: column id: duplicate id 'x1' (first on line 2)"},
	/* broken quoting: a quote inside an unquoted field, at column 6 */
	{"x1,A\"B,KEN,mag,,yes,yes,0,0,full,1.00,USD,2018-12-01\n", ":2:5: quote inside"},
	/* text after a closing quote */
	{"x1,\"A\"B,KEN,mag,,yes,yes,0,0,full,1.00,USD,2018-12-01\n", ":2:7: a closing quote"},
	/* a quote never closed: where it opened */
	{"x1,A,KEN,mag,,yes,yes,0,0,full,1.00,USD,2018-12-01\n"
	 "x2,\"B,KEN,mag,,yes,yes,0,0,full,1.00,USD,2018-12-01\n", ":3:4: quoted field never closed"},
	/* too few fields */
	{"x1,A,KEN,mag,,yes,yes,0,0,full,1.00,USD\n", ":2: 12 fields, but the header has 13"},
	/* invalid UTF-8 in a name */
	{"x1,Caf\xE9,KEN,mag,,yes,yes,0,0,full,1.00,USD,2018-12-01\n", ":2:8: invalid UTF-8"},
};

START_TEST(test_rank__refuses_bad_file)
{
	char text[2048];

	snprintf(text, sizeof(text), "%s%s", header, bad_files[_i].text);
	refused(text, bad_files[_i].want);
}
END_TEST

START_TEST(test_rank__refuses_missing_and_doubled_columns)
{
	refused("id,name,country,category,role,forms_complete,prior_funded,"
		"prior_reports_outstanding,request,amount,currency,requested_on\n",
		":1: column health_check: missing from the header");
	refused("id,name,country,category,role,forms_complete,health_check,prior_funded,"
		"prior_reports_outstanding,request,amount,currency,requested_on,country\n",
		":1: column country (field 14): named twice");
	refused("", ":1: empty file");
}
END_TEST

START_TEST(test_rank__usage_errors_exit_1)
{
	const char *no_budget[] = {"--applicants", DATA "budget.csv", "--meeting-date",
				   "2019-01-29", "--currency", "USD", NULL};
	const char *bad_ccy[] = {"--applicants", DATA "budget.csv", "--meeting-date", "2019-01-29",
				 "--budget", "5.00", "--currency", "XYZ", NULL};
	const char *neg[] = {"--applicants", DATA "budget.csv", "--meeting-date", "2019-01-29",
			     "--budget", "-5.00", "--currency", "USD", NULL};
	const char *bad_day[] = {"--applicants", DATA "budget.csv", "--meeting-date", "2019-02-29",
				 "--budget", "5.00", "--currency", "USD", NULL};
	const char *bad_fmt[] = {"--applicants", DATA "budget.csv", "--meeting-date", "2019-01-29",
				 "--budget", "5.00", "--currency", "USD", "--format", "csv", NULL};
	const char *no_file[] = {"--applicants", "/nonexistent/a.csv", "--meeting-date",
				 "2019-01-29", "--budget", "5.00", "--currency", "USD", NULL};
	const char *help[] = {"--help", NULL};
	const char *const *cases[] = {no_budget, bad_ccy, neg, bad_day, bad_fmt, no_file};
	char *out = NULL, *err = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(rank(&out, &err, cases[i]) == 1, "case %zu: %s", i, err);
		ck_assert_str_eq(out, "");
		ck_assert(strlen(err) > 0);
		free(out);
		free(err);
	}
	ck_assert_int_eq(rank(&out, &err, help), 0);
	ck_assert(strstr(out, "--applicants"));
	free(out);
	free(err);
}
END_TEST

/* ---- policies are data ------------------------------------------------------- */

/* The default policy with from replaced by to, in a temp dir; path to out. */
static void edited_policy(char *out, size_t size, const char *from, const char *to)
{
	char dir[256];
	char *text = harness_slurp(SRCDATADIR "/rules/policies/igf-travel.xml", NULL);
	char *at = strstr(text, from);
	FILE *f;

	ck_assert_msg(at != NULL, "%s", from);
	harness_tmpdir(dir, sizeof(dir));
	ck_assert((size_t)snprintf(out, size, "%s/policy.xml", dir) < size);
	f = fopen(out, "wb");
	ck_assert(f);
	fwrite(text, 1, (size_t)(at - text), f);
	fputs(to, f);
	fputs(at + strlen(from), f);
	ck_assert_int_eq(fclose(f), 0);
	free(text);
}

/* JSON of rank on DATA csv with the policy at path (NULL: default). */
static char *json_with(const char *csv, const char *policy)
{
	char file[LIMIT_PATH_BYTES];
	const char *opts[] = {"--applicants", file, "--meeting-date", "2019-01-29", "--budget",
			      "100000.00", "--currency", "USD", "--format", "json",
			      policy ? "--policy" : NULL, policy, NULL};
	char *out = NULL, *err = NULL;

	snprintf(file, sizeof(file), DATA "%s", csv);
	ck_assert_msg(rank(&out, &err, opts) == 0, "%s", err);
	free(err);
	return out;
}

/* The decision object of id in a JSON result, as a new string. */
static char *decision(const char *json, const char *id)
{
	char key[96];
	const char *a, *b;

	snprintf(key, sizeof(key), "{\"id\": \"%s\",", id);
	a = strstr(json, key);
	ck_assert_msg(a != NULL, "no decision for %s", id);
	b = strstr(a, "]}");
	ck_assert(b);
	return strndup(a, (size_t)(b - a + 2));
}

START_TEST(test_rank__policy_without_a_gate_lets_through)
{
	char path[LIMIT_PATH_BYTES];
	char *before = json_with("gates.csv", NULL), *after, *d;

	d = decision(before, "g-developed");
	ck_assert_msg(strstr(d, "\"rank\": null") && strstr(d, "\"developed-economy\""), "%s", d);
	free(d);
	edited_policy(path, sizeof(path), "<gate>developed-economy</gate>", "");
	after = json_with("gates.csv", path);
	d = decision(after, "g-developed");
	ck_assert_msg(strstr(d, "\"decision\": \"funded\""), "%s", d);
	free(d);
	/* several gates at once: reasons keep the policy's order, minus the gate */
	d = decision(after, "g-all-developed");
	ck_assert_msg(strstr(d, "[\"no-role\", \"forms-incomplete\", \"no-health-check\", "
				"\"prior-reports-outstanding\", \"late-request\"]"), "%s", d);
	free(d);
	ck_assert_str_ne(before, after); /* the sha256 too */
	free(before);
	free(after);
}
END_TEST

START_TEST(test_rank__policy_key_order_decides)
{
	char path[LIMIT_PATH_BYTES];
	char *before = json_with("key-category.csv", NULL), *after, *d;

	d = decision(before, "b");      /* the MAG member first by default */
	ck_assert_msg(strstr(d, "\"rank\": 1,"), "%s", d);
	free(d);
	/* partial-request first: a (airfare) now beats b (full) */
	edited_policy(path, sizeof(path), "<key>category</key>",
		      "<key>partial-request</key><key>category</key>");
	/* partial-request now appears twice; remove the later one */
	{
		char *text = harness_slurp(path, NULL);
		char *second = strstr(strstr(text, "<key>partial-request</key>") + 1,
				      "<key>partial-request</key>");
		FILE *f = fopen(path, "wb");

		ck_assert(second && f);
		fwrite(text, 1, (size_t)(second - text), f);
		fputs(second + strlen("<key>partial-request</key>"), f);
		fclose(f);
		free(text);
	}
	after = json_with("key-category.csv", path);
	d = decision(after, "a");
	ck_assert_msg(strstr(d, "\"rank\": 1,") &&
		      strstr(d, "[\"partial-request\", \"individual-with-role\", \"never-funded\", "
				"\"ldc\"]"), "%s", d);
	free(d);
	free(before);
	free(after);
}
END_TEST

START_TEST(test_rank__policy_deadline_moves_the_boundary)
{
	char path[LIMIT_PATH_BYTES];
	char *before = json_with("deadline.csv", NULL), *after, *d;

	d = decision(before, "d1-on-day");
	ck_assert_msg(strstr(d, "\"funded\""), "%s", d);
	free(d);
	edited_policy(path, sizeof(path), "daysBeforeMeeting=\"42\"", "daysBeforeMeeting=\"43\"");
	after = json_with("deadline.csv", path);
	d = decision(after, "d1-on-day");
	ck_assert_msg(strstr(d, "[\"late-request\"]"), "%s", d);
	free(d);
	free(before);
	free(after);
}
END_TEST

START_TEST(test_rank__invalid_policy_refused_with_line)
{
	char path[LIMIT_PATH_BYTES], want[LIMIT_PATH_BYTES + 8];
	const char *opts[] = {"--applicants", DATA "gates.csv", "--meeting-date", "2019-01-29",
			      "--budget", "5.00", "--currency", "USD", "--policy", path, NULL};
	char *out = NULL, *err = NULL;

	edited_policy(path, sizeof(path), "<key>ldc</key>", "<key>least-developed</key>");
	ck_assert_int_eq(rank(&out, &err, opts), 1);
	ck_assert_str_eq(out, "");
	snprintf(want, sizeof(want), "%s:29:", path);
	ck_assert_msg(strstr(err, want), "%s", err);
	free(out);
	free(err);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test core[] = {
		{test_rank__golden_output, NGOLDEN},
		{test_rank__goldens_cover_every_reason_code, 0},
		{test_rank__xml_report_is_valid_against_its_schema, 0},
		{test_rank__output_file_and_nothing_on_stdout, 0},
		{test_rank__output_into_a_fifo_writes_through_and_keeps_the_fifo, 0},
		{test_rank__random_files_rank_the_same_in_any_row_order, 10},
		{test_rank__refuses_bad_value_with_line_and_column, (int)HARNESS_N(bad_values)},
		{test_rank__refuses_bad_file, (int)HARNESS_N(bad_files)},
		{test_rank__refuses_missing_and_doubled_columns, 0},
		{test_rank__usage_errors_exit_1, 0},
		{test_rank__policy_without_a_gate_lets_through, 0},
		{test_rank__policy_key_order_decides, 0},
		{test_rank__policy_deadline_moves_the_boundary, 0},
		{test_rank__invalid_policy_refused_with_line, 0},
	};
	Suite *s = suite_create("rank");

	harness_add_tcase(s, "core", NULL, NULL, 0, core, HARNESS_N(core));
	return s;
}

int main(void)
{
	return harness_main(suite(), false);
}
