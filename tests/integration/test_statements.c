/*
 * test_statements.c - `tfledger statements import` end to end: the real
 * binary against a fresh migrated database per test. Every figure of the
 * contract's JSON, the stored rows, re-import storing nothing new, hostile
 * and bad files refused with exit 1 and nothing stored, quirks read with
 * warnings, several files all-or-nothing per file.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "tests/harness/harness.h"

#define DATA SRCDATADIR "/tests/data/camt/"

/* Runs tfledger statements import on fixtures; returns the exit status. */
static int import(char **out, char **err, const char *db, const char *format,
		  const char *f1, const char *f2)
{
	char p1[512], p2[512];
	const char *argv[10];
	int n = 0;

	snprintf(p1, sizeof(p1), DATA "%s", f1);
	argv[n++] = harness_bin_tfledger();
	argv[n++] = "statements";
	argv[n++] = "import";
	argv[n++] = p1;
	if (f2) {
		snprintf(p2, sizeof(p2), DATA "%s", f2);
		argv[n++] = p2;
	}
	argv[n++] = "--format";
	argv[n++] = format;
	argv[n++] = "--database";
	argv[n++] = db;
	argv[n] = NULL;
	return harness_run(out, err, NULL, argv);
}

static long count(PGconn *c, const char *sql)
{
	char *v = harness_query_value(c, sql);
	long n = v ? atol(v) : -1;

	free(v);
	return n;
}

static void expect_value(PGconn *c, const char *sql, const char *want)
{
	char *v = harness_query_value(c, sql);

	ck_assert_msg(v && strcmp(v, want) == 0, "%s: got '%s', want '%s'", sql,
		      v ? v : "(no row)", want);
	free(v);
}

/* Asserts db holds statements statements and lines bank lines. */
static void expect_stored(PGconn *c, long long statements, long long lines)
{
	ck_assert_int_eq(count(c, "SELECT count(*) FROM bank_statements"), statements);
	ck_assert_int_eq(count(c, "SELECT count(*) FROM bank_lines"), lines);
}

/* Imports file into db as JSON; asserts success and that the output holds
 * each string of want (NULL-terminated). */
static void imported(const char *db, const char *file, const char *const *want)
{
	char *out = NULL;

	ck_assert_int_eq(import(&out, NULL, db, "json", file, NULL), 0);
	for (; *want; want++)
		ck_assert_msg(strstr(out, *want), "%s", out);
	free(out);
}

START_TEST(test_statements_import__v02_json_figures_and_rows)
{
	char db[LIMIT_CONNINFO_BYTES];
	char *out = NULL, *err = NULL;
	char want[1024];
	PGconn *c;
	int st;

	harness_new_db(db, sizeof(db));
	st = import(&out, &err, db, "json", "v02_basic.xml", NULL);
	ck_assert_msg(st == 0, "exit %d: %s", st, err);
	snprintf(want, sizeof(want),
		 "{\"statements\": [{\"file\": \"%sv02_basic.xml\", \"id\": \"STMT-EUR-2019-02\", "
		 "\"account\": \"CH9300762011623852957\", \"currency\": \"EUR\", \"entries\": 4, "
		 "\"credits\": \"1520.00\", \"debits\": \"310.55\", \"new\": 4, "
		 "\"duplicates\": 0}]}\n", DATA);
	ck_assert_str_eq(out, want);
	free(out);
	free(err);

	c = harness_connect(db);
	expect_stored(c, 1, 4);
	expect_value(c, "SELECT sum(amount_minor) FILTER (WHERE side = 'credit') || '/' ||"
			" sum(amount_minor) FILTER (WHERE side = 'debit') FROM bank_lines",
		     "152000/31055");
	expect_value(c, "SELECT entries || ' ' || credits_minor || ' ' || debits_minor || ' ' ||"
			" opening_minor || ' ' || closing_minor || ' ' || closing_date ||"
			" ' ' || camt_version FROM bank_statements",
		     "4 152000 31055 1000000 1120945 2019-02-28 001.02");
	expect_value(c, "SELECT line_key || '|' || end_to_end_id || '|' || debtor_name ||"
			" '|' || booking_date || '|' || match_status FROM bank_lines"
			" WHERE bank_ref = 'EUR190214001'",
		     "ref:EUR190214001|IGF-TF-2019-03|Ministry for Foreign Affairs of "
		     "Finland|2019-02-14|unmatched");
	expect_value(c, "SELECT remittance FROM bank_lines WHERE bank_ref = 'EUR190214001'",
		     "Contribution IGF Trust Fund 2019\nAgreement IGF-TF-2019-03");
	PQfinish(c);
}
END_TEST

START_TEST(test_statements_import__again_stores_nothing_new)
{
	char db[LIMIT_CONNINFO_BYTES];
	PGconn *c;

	harness_new_db(db, sizeof(db));
	ck_assert_int_eq(import(NULL, NULL, db, "json", "v04_multi.xml", NULL), 0);
	/* entries and sums are the file's; every line is a duplicate now */
	imported(db, "v04_multi.xml", (const char *const[]){
		"\"id\": \"STMT-USD-2019-03\", \"account\": \"DE89370400440532013000\", "
		"\"currency\": \"USD\", \"entries\": 3, \"credits\": \"3250.00\", "
		"\"debits\": \"500.00\", \"new\": 0, \"duplicates\": 5}",
		"\"currency\": \"CHF\", \"entries\": 2, \"credits\": \"12000.00\", "
		"\"debits\": \"45.10\", \"new\": 0, \"duplicates\": 2}",
		"\"currency\": \"JPY\", \"entries\": 1, \"credits\": \"1500000\", "
		"\"debits\": \"0\", \"new\": 0, \"duplicates\": 1}",
		NULL});
	c = harness_connect(db);
	expect_stored(c, 3, 8);
	PQfinish(c);
}
END_TEST

START_TEST(test_statements_import__splits_batch_and_keeps_reversal)
{
	char db[LIMIT_CONNINFO_BYTES];
	PGconn *c;

	harness_new_db(db, sizeof(db));
	imported(db, "v04_multi.xml", (const char *const[]){
		"\"entries\": 3, \"credits\": \"3250.00\", \"debits\": \"500.00\", \"new\": 5, "
		"\"duplicates\": 0}",
		NULL});
	c = harness_connect(db);
	expect_value(c, "SELECT string_agg(line_key || '=' || amount_minor, ',' ORDER BY id)"
			" FROM bank_lines WHERE bank_ref = 'USD190305BATCH'",
		     "ref:USD190305BATCH/1=100000,ref:USD190305BATCH/2=150000,"
		     "ref:USD190305BATCH/3=50000");
	expect_value(c, "SELECT remittance_refs FROM bank_lines WHERE tx_index = 2",
		     "IGF-TF-2019-12");
	expect_value(c, "SELECT side || ' ' || reversal FROM bank_lines"
			" WHERE bank_ref = 'USD190320REV'", "debit true");
	expect_value(c, "SELECT account || ' ' || currency || ' ' || amount_minor FROM"
			" bank_lines WHERE bank_ref = 'JPY190325001'", "JP-0001 JPY 1500000");
	PQfinish(c);
}
END_TEST

START_TEST(test_statements_import__instructed_amount_charges_and_fallback_keys)
{
	char db[LIMIT_CONNINFO_BYTES];
	PGconn *c;

	harness_new_db(db, sizeof(db));
	imported(db, "v08_fx.xml", (const char *const[]){
		"\"currency\": \"USD\", \"entries\": 4, \"credits\": \"549135.00\", "
		"\"debits\": \"1200.00\", \"new\": 4, \"duplicates\": 0}",
		NULL});
	c = harness_connect(db);
	expect_value(c, "SELECT amount_minor || ' ' || instructed_minor || ' ' ||"
			" instructed_currency || ' ' || charges_minor || ' ' || charges_currency"
			" FROM bank_lines WHERE bank_ref = 'USD190402FX'",
		     "54893500 50000000 EUR 1500 USD");
	/* two identical lines without a reference: both kept, distinct keys */
	ck_assert_int_eq(count(c, "SELECT count(DISTINCT line_key) FROM bank_lines"
				  " WHERE line_key LIKE 'sha256:%'"), 2);
	PQfinish(c);
	imported(db, "v08_fx.xml", (const char *const[]){
		"\"new\": 0, \"duplicates\": 4}",
		NULL});
}
END_TEST

START_TEST(test_statements_import__refuses_hostile_and_bad_files_whole)
{
	const char *name = harness_camt_refused[_i];
	char db[LIMIT_CONNINFO_BYTES];
	char *out = NULL, *err = NULL;
	PGconn *c;
	int st;

	harness_new_db(db, sizeof(db));
	st = import(&out, &err, db, "json", name, NULL);
	ck_assert_msg(st == 1, "%s: exit %d: %s", name, st, err);
	ck_assert_msg(strstr(err, name) && strstr(err, ".xml:"), "%s", err);
	ck_assert_str_eq(out, "{\"statements\": []}\n");
	free(out);
	free(err);
	c = harness_connect(db);
	expect_stored(c, 0, 0);
	PQfinish(c);
}
END_TEST

START_TEST(test_statements_import__late_error_names_file_line_and_field)
{
	char db[LIMIT_CONNINFO_BYTES];
	char *err = NULL;

	harness_new_db(db, sizeof(db));
	ck_assert_int_eq(import(NULL, &err, db, "table", "bad_late_error.xml", NULL), 1);
	ck_assert_msg(strstr(err, "bad_late_error.xml:43: Ntry/Amt: '12.345' has more decimals"),
		      "%s", err);
	free(err);
}
END_TEST

static const struct {
	const char *file;
	const char *figures; /* the JSON tail from "entries" */
	const char *warning; /* a field named in a warning */
} quirks[] = {
	{"quirk_long_remittance.xml", "\"entries\": 2, \"credits\": \"300.00\"",
	 "field=TxDtls/RmtInf/Ustrd"},
	{"quirk_order.xml", "\"entries\": 1, \"credits\": \"75.25\"", "field=Ntry/Amt"},
	{"quirk_missing.xml", "\"entries\": 1, \"credits\": \"60.00\"", "field=Ntry/BkTxCd"},
	{"quirk_currency_case.xml", "\"currency\": \"EUR\", \"entries\": 1, \"credits\": "
	 "\"0.00\", \"debits\": \"40.00\"", "kind=currency-case"},
	{"quirk_amounts.xml", "\"entries\": 4, \"credits\": \"1539.50\", \"debits\": "
	 "\"310.55\", \"new\": 4", "kind=decimals"},
	{"quirk_iban.xml", "\"account\": \"CH9300762011623852957\"", "kind=iban-form"},
	{"quirk_zero_amount.xml", "\"entries\": 2, \"credits\": \"5.00\", \"debits\": "
	 "\"0.00\", \"new\": 1, \"duplicates\": 0", "kind=zero-amount"},
};

START_TEST(test_statements_import__reads_quirks_with_warnings)
{
	char db[LIMIT_CONNINFO_BYTES];
	char *out = NULL, *err = NULL;
	int st;

	harness_new_db(db, sizeof(db));
	st = import(&out, &err, db, "json", quirks[_i].file, NULL);
	ck_assert_msg(st == 0, "%s: exit %d: %s", quirks[_i].file, st, err);
	ck_assert_msg(strstr(out, quirks[_i].figures), "%s: %s", quirks[_i].file, out);
	ck_assert_msg(strstr(err, "level=warn") && strstr(err, quirks[_i].warning) &&
		      strstr(err, quirks[_i].file), "%s: %s", quirks[_i].file, err);
	free(out);
	free(err);
}
END_TEST

START_TEST(test_statements_import__several_files_all_or_nothing_per_file)
{
	char db[LIMIT_CONNINFO_BYTES];
	char *out = NULL, *err = NULL;
	PGconn *c;

	harness_new_db(db, sizeof(db));
	/* the first file is imported, the second refused whole */
	ck_assert_int_eq(import(&out, &err, db, "json", "v02_basic.xml",
				"bad_late_error.xml"), 1);
	ck_assert_msg(strstr(out, "STMT-EUR-2019-02") && !strstr(out, "B-LATE"), "%s", out);
	ck_assert_msg(strstr(err, "bad_late_error.xml refused, nothing of it stored; 1 "
			     "earlier file imported"), "%s", err);
	free(out);
	free(err);
	c = harness_connect(db);
	expect_stored(c, 1, 4);
	PQfinish(c);
	/* two good files together */
	ck_assert_int_eq(import(&out, NULL, db, "json", "v02_basic.xml", "v08_fx.xml"), 0);
	ck_assert_msg(strstr(out, "\"new\": 0, \"duplicates\": 4}, {\"file\""), "%s", out);
	ck_assert_msg(strstr(out, "\"debits\": \"1200.00\", \"new\": 4, \"duplicates\": 0}"),
		      "%s", out);
	free(out);
}
END_TEST

START_TEST(test_statements_import__table_is_aligned)
{
	char db[LIMIT_CONNINFO_BYTES];
	char *out = NULL;
	char *nl;
	size_t width;

	harness_new_db(db, sizeof(db));
	ck_assert_int_eq(import(&out, NULL, db, "table", "v04_multi.xml", NULL), 0);
	ck_assert_msg(strncmp(out, "FILE", 4) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "DUPLICATES"));
	nl = strchr(out, '\n');
	width = (size_t)(nl - out);
	for (char *line = nl + 1; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		ck_assert_ptr_nonnull(nl);
		ck_assert_uint_eq((size_t)(nl - line), width);
	}
	ck_assert_ptr_nonnull(strstr(out, "  3250.00  "));
	free(out);
}
END_TEST

START_TEST(test_statements_import__usage_errors_exit_1)
{
	char *err = NULL;
	const char *argv[] = {harness_bin_tfledger(), "statements", "import", "x.xml",
			      "--format", "csv", NULL};
	const char *argv2[] = {harness_bin_tfledger(), "statements", "import",
			       "/nonexistent/x.xml", "--database", "", NULL};
	char db[LIMIT_CONNINFO_BYTES];

	ck_assert_int_eq(harness_run(NULL, &err, NULL, argv), 1);
	ck_assert_ptr_nonnull(strstr(err, "--format"));
	free(err);
	harness_new_db(db, sizeof(db));
	argv2[5] = db;
	ck_assert_int_eq(harness_run(NULL, &err, NULL, argv2), 1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.xml"));
	free(err);
}
END_TEST

/* The shapes of real banks' files that were refused (CORPUS.md), through
 * the real importer: each stored whole, its version kept, a balance
 * without its side left NULL rather than guessed, nothing new again. */
START_TEST(test_statements_import__real_bank_shapes_stored_once)
{
	static const char *const files[] = {
		"real_date_time_zone.xml", "real_balance_no_side.xml", "real_v06_shape.xml",
		"real_v05_shape.xml", "real_v03_charges.xml",
	};
	char db[LIMIT_CONNINFO_BYTES];
	PGconn *c;

	harness_new_db(db, sizeof(db));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		ck_assert_int_eq(import(NULL, NULL, db, "json", files[i], NULL), 0);
	c = harness_connect(db);
	expect_stored(c, 6, 7);
	expect_value(c, "SELECT string_agg(statement_id || '=' || camt_version, ','"
			" ORDER BY id) FROM bank_statements",
		     "REAL-TZ-1=001.04,REAL-BAL-1=001.08,REAL-BAL-2=001.08,"
		     "CZ6508000000192000145399-2020-05-31=001.06,f5e4d3c2b1a0=001.05,"
		     "REAL-V03-1=001.03");
	expect_value(c, "SELECT coalesce(opening_minor::text, 'null') || ' ' ||"
			" coalesce(closing_minor::text, 'null') FROM bank_statements"
			" WHERE statement_id = 'REAL-BAL-1'", "null null");
	expect_value(c, "SELECT opening_date || ' ' || closing_minor FROM bank_statements"
			" WHERE statement_id = 'REAL-TZ-1'", "2019-06-01 42000");
	expect_value(c, "SELECT string_agg(booking_date || ' ' || amount_minor, ','"
			" ORDER BY id) FROM bank_lines WHERE account = 'CZ6508000000192000145399'",
		     "2020-05-12 750,2020-05-20 2000");
	expect_value(c, "SELECT charges_minor || ' ' || charges_currency FROM bank_lines"
			" WHERE bank_ref = 'V03-0001'", "450 EUR");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *out = NULL;

		ck_assert_int_eq(import(&out, NULL, db, "json", files[i], NULL), 0);
		ck_assert_msg(!strstr(out, "\"new\": 1") && !strstr(out, "\"new\": 2"),
			      "%s: %s", files[i], out);
		free(out);
	}
	expect_stored(c, 6, 7);
	PQfinish(c);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test import[] = {
		{test_statements_import__v02_json_figures_and_rows, 0},
		{test_statements_import__again_stores_nothing_new, 0},
		{test_statements_import__splits_batch_and_keeps_reversal, 0},
		{test_statements_import__instructed_amount_charges_and_fallback_keys, 0},
		{test_statements_import__refuses_hostile_and_bad_files_whole, (int)HARNESS_CAMT_REFUSED_N},
		{test_statements_import__late_error_names_file_line_and_field, 0},
		{test_statements_import__reads_quirks_with_warnings, (int)HARNESS_N(quirks)},
		{test_statements_import__several_files_all_or_nothing_per_file, 0},
		{test_statements_import__table_is_aligned, 0},
		{test_statements_import__usage_errors_exit_1, 0},
		{test_statements_import__real_bank_shapes_stored_once, 0},
	};
	Suite *s = suite_create("statements");

	harness_add_tcase(s, "import", NULL, NULL, 120, import, HARNESS_N(import));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
