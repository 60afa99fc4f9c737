/*
 * test_statements.c - `tfledger statements import` end to end: the real
 * binary, through a real tfledgerd (--url, --token: the one door), against
 * a fresh migrated database per test. Every figure of the
 * contract's JSON, the stored rows, re-import storing nothing new, hostile
 * and bad files refused with exit 1 and nothing stored, quirks read with
 * warnings, several files all-or-nothing per file. Each bank line stored
 * once and none lost: a reused servicer reference, a line of an earlier
 * report, a different line under a taken key, random statements with
 * random reference reuse (seeded); keys of a database imported before
 * migration 0040 still deduplicate; the SQL formula equals the C one.
 * Entries in another currency than the account's.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/limits.h"
#include "common/migrate.h"
#include "tests/harness/harness.h"
#include "tests/integration/ledger_fixture.h"

#define DATA SRCDATADIR "/tests/data/camt/"

/* The test's tfledgerd, on the database imported into last (one per test:
 * each runs in a process of its own; teardown stops it). */
static struct cli_env E;
static char E_db[LIMIT_CONNINFO_BYTES];

static void teardown(void)
{
	cli_env_close(&E);
}

/* Runs tfledger statements import on fixtures (or, starting with '/', any
 * file) through a tfledgerd of db; returns the exit status. */
static int import(char **out, char **err, const char *db, const char *format,
		  const char *f1, const char *f2)
{
	char p1[4096], p2[512];
	const char *args[8];
	int n = 0;

	if (!E.d.pid || strcmp(E_db, db) != 0) {
		cli_env_close(&E);
		cli_env_open(&E, db);
		snprintf(E_db, sizeof(E_db), "%s", db);
	}
	snprintf(p1, sizeof(p1), "%s%s", f1[0] == '/' ? "" : DATA, f1);
	args[n++] = "statements";
	args[n++] = "import";
	args[n++] = p1;
	if (f2) {
		snprintf(p2, sizeof(p2), DATA "%s", f2);
		args[n++] = p2;
	}
	args[n++] = "--format";
	args[n++] = format;
	args[n] = NULL;
	return cli_on(out, err, &E.d, E.finance, args);
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
		 "\"duplicates\": 0, \"collisions\": 0, \"review\": 0}]}\n", DATA);
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
	expect_value(c, "SELECT (line_key ~ '^sha256:[0-9a-f]{64}$') || '|' || end_to_end_id ||"
			" '|' || debtor_name || '|' || booking_date || '|' || match_status FROM"
			" bank_lines WHERE bank_ref = 'EUR190214001'",
		     "true|IGF-TF-2019-03|Ministry for Foreign Affairs of "
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
		"\"debits\": \"500.00\", \"new\": 0, \"duplicates\": 5, \"collisions\": 0",
		"\"currency\": \"CHF\", \"entries\": 2, \"credits\": \"12000.00\", "
		"\"debits\": \"45.10\", \"new\": 0, \"duplicates\": 2, \"collisions\": 0",
		"\"currency\": \"JPY\", \"entries\": 1, \"credits\": \"1500000\", "
		"\"debits\": \"0\", \"new\": 0, \"duplicates\": 1, \"collisions\": 0",
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
		"\"duplicates\": 0",
		NULL});
	c = harness_connect(db);
	expect_value(c, "SELECT string_agg(tx_index || '=' || amount_minor, ',' ORDER BY id)"
			" || ' ' || count(DISTINCT line_key) FROM bank_lines"
			" WHERE bank_ref = 'USD190305BATCH'",
		     "1=100000,2=150000,3=50000 3");
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
		"\"debits\": \"1200.00\", \"new\": 4, \"duplicates\": 0",
		NULL});
	c = harness_connect(db);
	expect_value(c, "SELECT amount_minor || ' ' || instructed_minor || ' ' ||"
			" instructed_currency || ' ' || charges_minor || ' ' || charges_currency"
			" FROM bank_lines WHERE bank_ref = 'USD190402FX'",
		     "54893500 50000000 EUR 1500 USD");
	/* two identical lines without a reference: both kept, distinct keys */
	ck_assert_int_eq(count(c, "SELECT count(DISTINCT line_key) FROM bank_lines"
				  " WHERE bank_ref IS NULL"), 2);
	PQfinish(c);
	imported(db, "v08_fx.xml", (const char *const[]){
		"\"new\": 0, \"duplicates\": 4, \"collisions\": 0",
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
	{"real_currency_withdrawn.xml", "\"currency\": \"RUB\", \"entries\": 1, \"credits\": "
	 "\"500.50\"", "read as RUB"},
	{"quirk_amounts.xml", "\"entries\": 4, \"credits\": \"1539.50\", \"debits\": "
	 "\"310.55\", \"new\": 4", "kind=decimals"},
	{"quirk_iban.xml", "\"account\": \"CH9300762011623852957\"", "kind=iban-form"},
	{"quirk_zero_amount.xml", "\"entries\": 2, \"credits\": \"5.00\", \"debits\": "
	 "\"0.00\", \"new\": 1, \"duplicates\": 0", "kind=zero-amount"},
	{"foreign_no_amtdtls.xml", "\"currency\": \"EUR\", \"entries\": 2, \"credits\": "
	 "\"5.00\", \"debits\": \"0.00\", \"new\": 2, \"duplicates\": 0, \"collisions\": 0, "
	 "\"review\": 1}", "kind=foreign-currency"},
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
	ck_assert_msg(strstr(out, "\"new\": 0, \"duplicates\": 4, \"collisions\": 0, \"review\": 0}, "
			     "{\"file\""), "%s", out);
	ck_assert_msg(strstr(out, "\"debits\": \"1200.00\", \"new\": 4, \"duplicates\": 0, "
			     "\"collisions\": 0, \"review\": 0}"), "%s", out);
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

/* The contract's `statements import FILE... --database CONNINFO`: the
 * operator's import straight into that database, no server, the same JSON. */
START_TEST(test_statements_import__contract_database_path_needs_no_server)
{
	char db[LIMIT_CONNINFO_BYTES], *out = NULL, *err = NULL, want[512];
	const char *argv[] = {harness_bin_tfledger(), "statements", "import", DATA "v02_basic.xml",
			      "--format", "json", "--database", db, "--url",
			      "http://127.0.0.1:1", NULL};
	PGconn *c;

	harness_new_db(db, sizeof(db));
	ck_assert_int_eq(harness_run(&out, &err, NULL, argv), 0);
	snprintf(want, sizeof(want),
		 "{\"statements\": [{\"file\": \"%sv02_basic.xml\", \"id\": \"STMT-EUR-2019-02\", "
		 "\"account\": \"CH9300762011623852957\", \"currency\": \"EUR\", \"entries\": 4, "
		 "\"credits\": \"1520.00\", \"debits\": \"310.55\", \"new\": 4, "
		 "\"duplicates\": 0, \"collisions\": 0, \"review\": 0}]}\n", DATA);
	ck_assert_str_eq(out, want);
	free(out);
	free(err);
	c = harness_connect(db);
	expect_stored(c, 1, 4);
	PQfinish(c);
}
END_TEST

START_TEST(test_statements_import__usage_errors_exit_1)
{
	char *err = NULL;
	const char *argv[] = {harness_bin_tfledger(), "statements", "import", "x.xml",
			      "--format", "csv", NULL};
	const char *argv2[] = {harness_bin_tfledger(), "bank-statements", "import",
			       "/nonexistent/x.xml", "--url", "http://127.0.0.1:1", "--token", "t",
			       NULL};

	ck_assert_int_eq(harness_run(NULL, &err, NULL, argv), 1);
	ck_assert_ptr_nonnull(strstr(err, "--format"));
	free(err);
	ck_assert_int_eq(harness_run(NULL, &err, NULL, argv2), 1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.xml"));
	free(err);
}
END_TEST

START_TEST(test_statements_import__reused_servicer_reference_stores_every_line)
{
	char db[LIMIT_CONNINFO_BYTES];
	PGconn *c;

	harness_new_db(db, sizeof(db));
	/* three different entries share AcctSvcrRef 190508-0004: none is lost */
	imported(db, "reused_servicer_ref.xml", (const char *const[]){
		"\"entries\": 9, \"credits\": \"11280.50\", \"debits\": \"1287.40\", \"new\": 9, "
		"\"duplicates\": 0, \"collisions\": 0, \"review\": 0}",
		NULL});
	c = harness_connect(db);
	expect_stored(c, 1, 9);
	expect_value(c, "SELECT string_agg(side || ' ' || amount_minor || ' ' || end_to_end_id,"
			" ', ' ORDER BY entry_index) || ' / ' || count(DISTINCT line_key)"
			" FROM bank_lines WHERE bank_ref = '190508-0004'",
		     "credit 500000 IGF-TF-2019-23, credit 500000 IGF-TF-2019-24, "
		     "debit 120000 TRV-2019-0007 / 3");
	expect_value(c, "SELECT string_agg(bank_tx_code || ' ' || ntry_ref, ', ' ORDER BY"
			" entry_index) FROM bank_lines WHERE entry_index IN (1, 8, 9)",
		     "PMNT/RCDT/ESCT 1, ACMT/MDOP/CHRG 8, prtry:INT-CREDIT 9");
	PQfinish(c);
	imported(db, "reused_servicer_ref.xml", (const char *const[]){
		"\"new\": 0, \"duplicates\": 9, \"collisions\": 0", NULL});
	c = harness_connect(db);
	expect_stored(c, 1, 9);
	PQfinish(c);
}
END_TEST

START_TEST(test_statements_import__line_of_an_earlier_report_not_stored_again)
{
	char db[LIMIT_CONNINFO_BYTES];
	PGconn *c;

	harness_new_db(db, sizeof(db));
	/* pending, without booking date, other position, NtryRef and Stmt/Id */
	imported(db, "intraday_before_statement.xml", (const char *const[]){
		"\"new\": 2, \"duplicates\": 0", NULL});
	imported(db, "reused_servicer_ref.xml", (const char *const[]){
		"\"entries\": 9, \"credits\": \"11280.50\", \"debits\": \"1287.40\", \"new\": 7, "
		"\"duplicates\": 2, \"collisions\": 0", NULL});
	c = harness_connect(db);
	expect_stored(c, 2, 9);
	/* the line keeps what the first report said */
	expect_value(c, "SELECT status || ' ' || ntry_ref FROM bank_lines"
			" WHERE end_to_end_id = 'IGF-TF-2019-24'", "PDNG A1");
	PQfinish(c);
}
END_TEST

START_TEST(test_statements_import__different_line_under_a_taken_key_stored_with_warning)
{
	char db[LIMIT_CONNINFO_BYTES];
	char *out = NULL, *err = NULL;
	PGconn *c;
	int st;

	harness_new_db(db, sizeof(db));
	ck_assert_int_eq(import(NULL, NULL, db, "json", "reused_servicer_ref.xml", NULL), 0);
	/* same reference, amount, side, value date and end-to-end id as entry 4,
	 * another payer: a different line, stored under key~1 */
	st = import(&out, &err, db, "json", "key_collision.xml", NULL);
	ck_assert_msg(st == 0, "exit %d: %s", st, err);
	ck_assert_msg(strstr(out, "\"new\": 2, \"duplicates\": 0, \"collisions\": 1"), "%s", out);
	ck_assert_msg(strstr(err, "level=warn") && strstr(err, "kind=key-collision") &&
		      strstr(err, "key_collision.xml:25"), "%s", err);
	free(out);
	free(err);
	c = harness_connect(db);
	expect_stored(c, 2, 11);
	expect_value(c, "SELECT string_agg(debtor_name || ' ' || (line_key LIKE '%~1'), ', '"
			" ORDER BY id) FROM bank_lines WHERE end_to_end_id = 'IGF-TF-2019-23'",
		     "Federal Office of Communications false, Kingdom of the Netherlands true");
	PQfinish(c);
	/* both files again: nothing new, no collision */
	imported(db, "key_collision.xml", (const char *const[]){
		"\"new\": 0, \"duplicates\": 2, \"collisions\": 0", NULL});
	imported(db, "reused_servicer_ref.xml", (const char *const[]){
		"\"new\": 0, \"duplicates\": 9, \"collisions\": 0", NULL});
	c = harness_connect(db);
	expect_stored(c, 2, 11);
	PQfinish(c);
}
END_TEST

START_TEST(test_statements_import__refuses_more_than_64_lines_under_one_key)
{
	char db[LIMIT_CONNINFO_BYTES];
	char *err = NULL;
	PGconn *c;
	PGresult *r;

	harness_new_db(db, sizeof(db));
	ck_assert_int_eq(import(NULL, NULL, db, "json", "reused_servicer_ref.xml", NULL), 0);
	/* 63 more different lines under entry 4's key: key~1 .. key~63 */
	c = harness_connect(db);
	r = PQexec(c, "INSERT INTO bank_lines (statement, account, line_key, entry_index,"
		      " tx_index, amount_minor, currency, own_amount_minor, own_currency, side,"
		      " reversal, status, content_sha256) SELECT statement, account, line_key ||"
		      " '~' || n, entry_index, tx_index, amount_minor, currency, own_amount_minor,"
		      " own_currency, side, reversal, status, encode(sha256(convert_to(n::text,"
		      " 'UTF8')), 'hex') FROM bank_lines, generate_series(1, 63) n"
		      " WHERE end_to_end_id = 'IGF-TF-2019-23'");
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
	PQclear(r);
	expect_stored(c, 1, 9 + 63);
	/* a 65th different line: refused whole, bounded, nothing stored */
	ck_assert_int_eq(import(NULL, &err, db, "json", "key_collision.xml", NULL), 1);
	ck_assert_msg(strstr(err, "key_collision.xml:") &&
		      strstr(err, "more than 64 different lines of account "
			      "CH9300762011623852957 share one key"), "%s", err);
	free(err);
	expect_stored(c, 1, 9 + 63);
	PQfinish(c);
}
END_TEST

START_TEST(test_statements_import__foreign_currency_entries_read_not_refused)
{
	char db[LIMIT_CONNINFO_BYTES];
	PGconn *c;

	harness_new_db(db, sizeof(db));
	imported(db, "foreign_amtdtls.xml", (const char *const[]){
		"\"currency\": \"USD\", \"entries\": 3, \"credits\": \"1292.30\", \"debits\": "
		"\"57.15\", \"new\": 3, \"duplicates\": 0, \"collisions\": 0, \"review\": 0}",
		"\"currency\": \"CHF\", \"entries\": 2, \"credits\": \"144.00\", \"debits\": "
		"\"289.50\", \"new\": 2, \"duplicates\": 0, \"collisions\": 0, \"review\": 0}",
		NULL});
	c = harness_connect(db);
	expect_value(c, "SELECT string_agg(amount_minor || ' ' || currency || ' ' ||"
			" own_amount_minor || ' ' || own_currency || ' ' ||"
			" coalesce(account_amount_from, '-') || ' ' || coalesce(exchange_rate, '-'),"
			" ', ' ORDER BY id) FROM bank_lines",
		     "109230 USD 100000 EUR CntrValAmt 1.0923, 5715 USD 4500 GBP TxAmt 1.27, "
		     "20000 USD 20000 USD - -, 28950 CHF 30000 EUR CntrValAmt 0.965, "
		     "14400 CHF 15000 EUR InstdAmt 1.0417");
	expect_value(c, "SELECT string_agg(credits_minor || '/' || debits_minor, ' ' ORDER BY id)"
			" FROM bank_statements", "129230/5715 14400/28950");
	PQfinish(c);
	/* without an amount in the account's currency: stored in its own, for review */
	imported(db, "foreign_no_amtdtls.xml", (const char *const[]){
		"\"credits\": \"5.00\", \"debits\": \"0.00\", \"new\": 2, \"duplicates\": 0, "
		"\"collisions\": 0, \"review\": 1}", NULL});
	c = harness_connect(db);
	expect_value(c, "SELECT amount_minor || ' ' || currency || ' ' || review FROM bank_lines"
			" WHERE bank_ref = 'BC1'",
		     "1000 USD foreign-currency: no account-currency amount");
	expect_value(c, "SELECT credits_minor FROM bank_statements WHERE statement_id = 'B-CCY'",
		     "500");
	PQfinish(c);
	imported(db, "foreign_amtdtls.xml", (const char *const[]){"\"new\": 0, \"duplicates\": 3",
								  NULL});
	imported(db, "foreign_no_amtdtls.xml", (const char *const[]){"\"new\": 0, \"duplicates\": 2",
								     NULL});
}
END_TEST

/* Every fixture the reader accepts, imported in this order. */
static const char *const accepted[] = {
	"v02_basic.xml", "v04_multi.xml", "v08_fx.xml", "intraday_before_statement.xml",
	"reused_servicer_ref.xml", "key_collision.xml", "foreign_amtdtls.xml",
	"foreign_no_amtdtls.xml", "foreign_batch.xml", "quirk_long_remittance.xml",
	"quirk_amounts.xml",
};

/* The stored lines' keys recomputed by migration 0040's SQL functions, with
 * the occurrence and key~n rules of the migration, that differ from the
 * stored ones. */
static const char recompute_sql[] =
	"WITH b AS (SELECT id, account, statement, entry_index, tx_index, content_sha256,"
	" line_key, bank_line_base(account, own_currency, own_amount_minor, side, reversal,"
	" value_date, booking_date, bank_ref, tx_ref, end_to_end_id, remittance,"
	" remittance_refs, debtor_name, creditor_name) AS base FROM bank_lines),"
	" k AS (SELECT id, account, line_key, bank_line_key(base, row_number() OVER"
	" (PARTITION BY statement, base, content_sha256 ORDER BY entry_index, tx_index, id) - 1)"
	" AS k FROM b),"
	" u AS (SELECT id, line_key, k || CASE WHEN n > 1 THEN '~' || (n - 1) ELSE '' END AS k"
	" FROM (SELECT *, row_number() OVER (PARTITION BY account, k ORDER BY id) AS n FROM k) x)"
	" SELECT count(*) FILTER (WHERE k <> line_key) || '/' || count(*) FROM u";

START_TEST(test_statements_identity__sql_formula_equals_c)
{
	char db[LIMIT_CONNINFO_BYTES];
	char want[32];
	PGconn *c;
	long lines;

	harness_new_db(db, sizeof(db));
	for (size_t i = 0; i < HARNESS_N(accepted); i++)
		ck_assert_msg(import(NULL, NULL, db, "json", accepted[i], NULL) == 0, "%s",
			      accepted[i]);
	c = harness_connect(db);
	lines = count(c, "SELECT count(*) FROM bank_lines");
	ck_assert_int_ge(lines, 30);
	ck_assert_int_eq(count(c, "SELECT count(*) FROM bank_lines WHERE content_sha256 <>"
				  " bank_line_fingerprint(debtor_name, creditor_name, remittance,"
				  " remittance_refs)"), 0);
	snprintf(want, sizeof(want), "0/%ld", lines);
	expect_value(c, recompute_sql, want);
	/* and the check can fail: a key of another formula is seen */
	ck_assert_int_eq(count(c, "WITH x AS (UPDATE bank_lines SET line_key = 'sha256:' ||"
				  " repeat('0', 64) WHERE id = (SELECT min(id) FROM bank_lines)"
				  " RETURNING 1) SELECT count(*) FROM x"), 1);
	snprintf(want, sizeof(want), "1/%ld", lines);
	expect_value(c, recompute_sql, want);
	PQfinish(c);
}
END_TEST

/* Copies the shipped migrations named below before (all if NULL) into dir. */
static void copy_migrations(const char *dir, const char *before)
{
	DIR *d = opendir(SRCDATADIR "/migrations");
	struct dirent *e;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		char from[4096], to[4096];
		size_t len = strlen(e->d_name), n = 0;
		char *text;

		if (len < 5 || strcmp(e->d_name + len - 4, ".sql") != 0 ||
		    strcmp(e->d_name, "schema.sql") == 0 ||
		    (before && strcmp(e->d_name, before) >= 0))
			continue;
		snprintf(from, sizeof(from), SRCDATADIR "/migrations/%s", e->d_name);
		snprintf(to, sizeof(to), "%s/%s", dir, e->d_name);
		text = harness_slurp(from, &n);
		harness_spit(to, text, n);
		free(text);
	}
	closedir(d);
}

/* The files a database imported before migration 0040 could hold (the
 * reader refused entries in another currency then). */
static const char *const before_0040[] = {"v04_multi.xml", "v08_fx.xml",
					  "reused_servicer_ref.xml"};

/* SQL that stores the statements and lines of the database it runs on into
 * another one at migration 0033, the lines under the keys of 0010 (ref:
 * AcctSvcrRef[/n], txref:, else a unique sha256:) with its ON CONFLICT DO
 * NOTHING: what the import of 0010 stored. */
static const char old_rows_sql[] =
	"SELECT (SELECT string_agg(format('INSERT INTO bank_statements (account, statement_id,"
	" currency, camt_version, file_name, file_sha256, entries, credits_minor, debits_minor,"
	" opening_minor, opening_date, closing_minor, closing_date) VALUES (%L, %L, %L, %L, %L,"
	" %L, %L, %L, %L, %L, %L, %L, %L)', account, statement_id, currency, camt_version,"
	" file_name, file_sha256, entries, credits_minor, debits_minor, opening_minor,"
	" opening_date, closing_minor, closing_date), '; ' ORDER BY id) FROM bank_statements)"
	" || '; ' || (SELECT string_agg(format('INSERT INTO bank_lines (statement, account,"
	" line_key, entry_index, tx_index, amount_minor, currency, side, reversal, status,"
	" booking_date, value_date, bank_ref, tx_ref, end_to_end_id, remittance,"
	" remittance_refs, debtor_name, creditor_name, instructed_minor, instructed_currency,"
	" charges_minor, charges_currency) SELECT id, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L,"
	" %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L FROM bank_statements WHERE account = %L"
	" AND statement_id = %L ON CONFLICT (account, line_key) DO NOTHING', l.account,"
	" CASE WHEN bank_ref IS NOT NULL THEN 'ref:' || bank_ref || CASE WHEN tx_index > 0"
	" THEN '/' || tx_index ELSE '' END WHEN tx_ref IS NOT NULL THEN 'txref:' || tx_ref"
	" ELSE 'sha256:' || encode(sha256(convert_to(l.id::text, 'UTF8')), 'hex') END,"
	" entry_index, tx_index, amount_minor, l.currency, side, reversal, status, booking_date,"
	" value_date, bank_ref, tx_ref, end_to_end_id, remittance, remittance_refs,"
	" debtor_name, creditor_name, instructed_minor, instructed_currency, charges_minor,"
	" charges_currency, s.account, s.statement_id), '; ' ORDER BY l.id)"
	" FROM bank_lines l JOIN bank_statements s ON s.id = l.statement)";

START_TEST(test_statements_migration__file_imported_before_0040_stores_nothing_new_after)
{
	char now[LIMIT_CONNINFO_BYTES], old[LIMIT_CONNINFO_BYTES], dir[512];
	char *rows;
	PGconn *c, *o;
	PGresult *r;
	int applied = 0;

	/* the rows the files give, in a database of today */
	harness_new_db(now, sizeof(now));
	for (size_t i = 0; i < HARNESS_N(before_0040); i++)
		ck_assert_int_eq(import(NULL, NULL, now, "json", before_0040[i], NULL), 0);
	c = harness_connect(now);
	ck_assert_int_eq(count(c, "SELECT count(*) FROM bank_lines"), 21);
	rows = harness_query_value(c, old_rows_sql);
	ck_assert_ptr_nonnull(rows);
	PQfinish(c);

	/* a database at 0033 holding them under the keys of 0010 */
	harness_new_empty_db(old, sizeof(old));
	harness_tmpdir(dir, sizeof(dir));
	copy_migrations(dir, "0034");
	o = harness_connect(old);
	ck_assert_msg(migrate_apply(o, dir, &applied) == 0, "%s", err_last());
	ck_assert_int_eq(count(o, "SELECT count(*) FROM schema_migrations WHERE name >= '0034'"),
			 0);
	r = PQexec(o, rows);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(o));
	PQclear(r);
	free(rows);
	/* 0010's key dropped two of the nine lines sharing 190508-0004 */
	ck_assert_int_eq(count(o, "SELECT count(*) FROM bank_lines"), 19);
	ck_assert_int_eq(count(o, "SELECT count(*) FROM bank_lines WHERE line_key LIKE 'ref:%'"),
			 17);

	/* the upgrade: every later migration, 0040 among them */
	copy_migrations(dir, NULL);
	ck_assert_msg(migrate_apply(o, dir, &applied) == 0, "%s", err_last());
	ck_assert_int_ge(applied, 2);
	ck_assert_int_eq(count(o, "SELECT count(*) FROM bank_lines WHERE line_key !~"
				  " '^sha256:[0-9a-f]{64}$'"), 0);
	PQfinish(o);

	/* the same files again: the two lost lines come back, nothing else */
	imported(old, "v04_multi.xml", (const char *const[]){"\"new\": 0, \"duplicates\": 5",
							    "\"new\": 0, \"duplicates\": 2",
							    "\"new\": 0, \"duplicates\": 1", NULL});
	imported(old, "v08_fx.xml", (const char *const[]){"\"new\": 0, \"duplicates\": 4", NULL});
	imported(old, "reused_servicer_ref.xml", (const char *const[]){
		"\"new\": 2, \"duplicates\": 7, \"collisions\": 0", NULL});
	imported(old, "reused_servicer_ref.xml", (const char *const[]){
		"\"new\": 0, \"duplicates\": 9", NULL});
	o = harness_connect(old);
	ck_assert_int_eq(count(o, "SELECT count(*) FROM bank_lines"), 21);
	PQfinish(o);
}
END_TEST

/* --- random statements with random reference reuse ----------------------- */

/* One payment as a bank reports it; small pools so that references,
 * amounts and parties repeat. */
struct pay {
	int ref, e2e;  /* -1: none; e2e 0: NOTPROVIDED */
	int amount, debtor, rmt, day;
	bool debit;
	int other;     /* > 0: another payer, "Other n" */
};

#define PAY_MAX 160

static int pick(uint64_t *st, int n)
{
	return (int)(harness_xorshift(st) % (uint64_t)n);
}

static struct pay random_pay(uint64_t *st, int day)
{
	struct pay p = {pick(st, 5) - 1, pick(st, 4) - 1, pick(st, 3), pick(st, 2),
			pick(st, 2), day, pick(st, 5) == 0, 0};

	return p;
}

static int64_t pay_minor(const struct pay *p)
{
	static const int64_t amounts[] = {100000, 250000, 500000};

	return amounts[p->amount];
}

static void write_pay(FILE *f, const struct pay *p)
{
	int64_t v = pay_minor(p);

	fprintf(f, "<Ntry><Amt Ccy=\"EUR\">%lld.%02lld</Amt><CdtDbtInd>%s</CdtDbtInd>"
		   "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2019-06-0%d</Dt></BookgDt>"
		   "<ValDt><Dt>2019-06-0%d</Dt></ValDt>",
		(long long)(v / 100), (long long)(v % 100), p->debit ? "DBIT" : "CRDT", p->day,
		p->day);
	if (p->ref >= 0)
		fprintf(f, "<AcctSvcrRef>R-%d</AcctSvcrRef>", p->ref);
	fputs("<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd>"
	      "</Fmly></Domn></BkTxCd><NtryDtls><TxDtls>", f);
	if (p->e2e == 0)
		fputs("<Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>", f);
	else if (p->e2e > 0)
		fprintf(f, "<Refs><EndToEndId>E2E-%d</EndToEndId></Refs>", p->e2e);
	if (p->other)
		fprintf(f, "<RltdPties><Dbtr><Pty><Nm>Other %d</Nm></Pty></Dbtr></RltdPties>",
			p->other);
	else
		fprintf(f, "<RltdPties><Dbtr><Pty><Nm>Donor %d</Nm></Pty></Dbtr></RltdPties>",
			p->debtor);
	fprintf(f, "<RmtInf><Ustrd>%s</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n",
		p->rmt ? "Agreement IGF-TF-7" : "Gift");
}

static void write_stmt(FILE *f, const char *id, const struct pay *ps, int n)
{
	fprintf(f, "<Stmt><Id>%s</Id><CreDtTm>2019-06-02T20:00:00Z</CreDtTm><Acct><Id><IBAN>"
		   "CH9300762011623852957</IBAN></Id><Ccy>EUR</Ccy></Acct>\n", id);
	for (int i = 0; i < n; i++)
		write_pay(f, &ps[i]);
	fputs("</Stmt>\n", f);
}

/*
 * Statement 1 (day 1): random payments, some exact copies of earlier ones
 * (two equal payments of a day are two lines). Statement 2 (day 2), in
 * random order: some lines of statement 1 reported again (not new), new
 * payments of day 2 (some copies again), and payments of day 1 with the key
 * fields of a line of statement 1 but another payer (new: a key taken, or
 * another key). *lines and *sum_minor are the truth: the distinct lines.
 */
static void random_file(const char *path, uint64_t seed, long *lines, int64_t *sum_minor)
{
	static struct pay s1[PAY_MAX], s2[PAY_MAX];
	uint64_t st = seed;
	int n1 = 15 + pick(&st, 30), n2 = 0, others = 0;
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	*lines = 0;
	*sum_minor = 0;
	for (int i = 0; i < n1; i++) {
		s1[i] = i > 0 && pick(&st, 5) == 0 ? s1[pick(&st, i)] : random_pay(&st, 1);
		++*lines;
		*sum_minor += pay_minor(&s1[i]);
	}
	for (int i = 0; i < n1; i++)
		if (pick(&st, 3) == 0)
			s2[n2++] = s1[i];
	for (int k = 5 + pick(&st, 15), first = n2; k > 0; k--, n2++) {
		if (pick(&st, 4) == 0) {
			s2[n2] = s1[pick(&st, n1)];
			s2[n2].other = ++others;
		} else {
			s2[n2] = n2 > first && pick(&st, 5) == 0 ? s2[first + pick(&st, n2 - first)]
								 : random_pay(&st, 2);
		}
		++*lines;
		*sum_minor += pay_minor(&s2[n2]);
	}
	for (int i = n2 - 1; i > 0; i--) {
		int j = pick(&st, i + 1);
		struct pay t = s2[i];

		s2[i] = s2[j];
		s2[j] = t;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:"
	      "20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt><GrpHdr><MsgId>RANDOM</MsgId>"
	      "<CreDtTm>2019-06-02T20:00:00Z</CreDtTm></GrpHdr>\n", f);
	write_stmt(f, "RANDOM-DAY-1", s1, n1);
	write_stmt(f, "RANDOM-DAY-2", s2, n2);
	fputs("</BkToCstmrStmt></Document>\n", f);
	ck_assert_int_eq(fclose(f), 0);
}

static int occurrences(const char *s, const char *what)
{
	int n = 0;

	for (; (s = strstr(s, what)) != NULL; s++)
		n++;
	return n;
}

START_TEST(test_statements_import__random_reference_reuse_every_line_once)
{
	char db[LIMIT_CONNINFO_BYTES], dir[512], path[600], sql_sum[32];
	char *out = NULL, *err = NULL;
	long lines = 0;
	int64_t sum = 0;
	PGconn *c;
	int st;

	harness_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/random.xml", dir);
	random_file(path, 0x9E3779B97F4A7C15ULL * (uint64_t)(_i + 1), &lines, &sum);
	harness_new_db(db, sizeof(db));
	st = import(&out, &err, db, "json", path, NULL);
	ck_assert_msg(st == 0, "seed %d: exit %d: %s", _i, st, err);
	free(out);
	free(err);
	c = harness_connect(db);
	ck_assert_msg(count(c, "SELECT count(*) FROM bank_lines") == lines,
		      "seed %d: %ld lines stored, %ld distinct", _i,
		      count(c, "SELECT count(*) FROM bank_lines"), lines);
	snprintf(sql_sum, sizeof(sql_sum), "%lld", (long long)sum);
	expect_value(c, "SELECT sum(amount_minor) FROM bank_lines", sql_sum);
	/* the same file again stores nothing */
	ck_assert_int_eq(import(&out, NULL, db, "json", path, NULL), 0);
	ck_assert_msg(occurrences(out, "\"new\": 0, ") == 2, "seed %d: %s", _i, out);
	ck_assert_int_eq(count(c, "SELECT count(*) FROM bank_lines"), lines);
	free(out);
	PQfinish(c);
}
END_TEST

/* A notification (camt.054) and an intraday report (camt.052) stored first:
 * their lines are not stored again from the day's camt.053 statement; the
 * statement row keeps the format it came in. */
START_TEST(test_statements_import__notification_and_report_lines_not_stored_again)
{
	char db[LIMIT_CONNINFO_BYTES];
	PGconn *c;
	long before;

	harness_new_db(db, sizeof(db));
	c = harness_connect(db);
	imported(db, "054_notification.xml", (const char *const[]){"\"new\": 1", NULL});
	imported(db, "052_intraday.xml", (const char *const[]){"\"id\": \"RPT-EUR-2019-02-20-12\"", NULL});
	before = count(c, "SELECT count(*) FROM bank_lines");
	/* the statement's 4 lines: those seen in the notification and the
	 * report are duplicates, only the others are new */
	imported(db, "v02_basic.xml", (const char *const[]){"\"entries\": 4", NULL});
	ck_assert_int_eq(count(c, "SELECT count(*) FROM bank_lines WHERE account ="
				  " 'CH9300762011623852957'"), 4);
	ck_assert_int_ge(before, 2);
	expect_value(c, "SELECT string_agg(DISTINCT format, ',' ORDER BY format)"
			" FROM bank_statements", "camt.052,camt.053,camt.054");
	/* all three again: nothing new */
	imported(db, "054_notification.xml", (const char *const[]){"\"new\": 0", NULL});
	imported(db, "052_intraday.xml", (const char *const[]){"\"new\": 0", NULL});
	imported(db, "v02_basic.xml", (const char *const[]){"\"new\": 0", NULL});
	PQfinish(c);
}
END_TEST

/* MT940 through the same storage: every :61: line once, a second import
 * stores nothing, the SWIFT transaction type kept as the bank's code. */
START_TEST(test_statements_import__mt940_stored_once)
{
	char db[LIMIT_CONNINFO_BYTES], *out = NULL;
	PGconn *c;
	long lines;

	harness_new_db(db, sizeof(db));
	c = harness_connect(db);
	ck_assert_int_eq(import(&out, NULL, db, "json", SRCDATADIR "/tests/data/mt940/sepa_de.sta",
				NULL), 0);
	free(out);
	lines = count(c, "SELECT count(*) FROM bank_lines");
	ck_assert_int_gt(lines, 0);
	ck_assert_int_eq(count(c, "SELECT count(*) FROM bank_statements WHERE format = 'mt940'"
				  " AND camt_version IS NULL"),
			 count(c, "SELECT count(*) FROM bank_statements"));
	ck_assert_int_eq(count(c, "SELECT count(*) FROM bank_lines WHERE bank_tx_code"
				  " ~ '^swift:[NFS][A-Z0-9]{3}$'"), lines);
	ck_assert_int_eq(import(&out, NULL, db, "json", SRCDATADIR "/tests/data/mt940/sepa_de.sta",
				NULL), 0);
	ck_assert_msg(strstr(out, "\"new\": 0"), "%s", out);
	free(out);
	ck_assert_int_eq(count(c, "SELECT count(*) FROM bank_lines"), lines);
	/* a broken MT940 file stores nothing */
	ck_assert_int_eq(import(NULL, &out, db, "json", SRCDATADIR "/tests/data/mt940/bad_balance.sta",
				NULL), 1);
	ck_assert_msg(strstr(out, "bad_balance.sta:"), "%s", out);
	free(out);
	ck_assert_int_eq(count(c, "SELECT count(*) FROM bank_lines"), lines);
	PQfinish(c);
}
END_TEST

/* The shapes of real banks' files that were refused (CORPUS.md), through
 * the real importer: each stored whole, its version kept, a balance
 * without its side left NULL rather than guessed, nothing new again. */
START_TEST(test_statements_import__real_bank_shapes_stored_once)
{
	static const char *const files[] = {
		"real_date_time_zone.xml", "real_balance_no_side.xml", "real_v06_shape.xml",
		"real_v05_shape.xml", "real_v03_charges.xml", "real_stuzza_rate.xml",
	};
	char db[LIMIT_CONNINFO_BYTES];
	PGconn *c;

	harness_new_db(db, sizeof(db));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		ck_assert_int_eq(import(NULL, NULL, db, "json", files[i], NULL), 0);
	c = harness_connect(db);
	expect_stored(c, 7, 8);
	expect_value(c, "SELECT string_agg(statement_id || '=' || camt_version, ','"
			" ORDER BY id) FROM bank_statements",
		     "REAL-TZ-1=001.04,REAL-BAL-1=001.08,REAL-BAL-2=001.08,"
		     "CZ6508000000192000145399-2020-05-31=001.06,f5e4d3c2b1a0=001.05,"
		     "REAL-V03-1=001.03,AT-STMT-2019-03-01=001.02");
	expect_value(c, "SELECT exchange_rate FROM bank_lines WHERE bank_ref = 'AT190301000001'",
		     ".34");
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
	expect_stored(c, 7, 8);
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
		{test_statements_import__contract_database_path_needs_no_server, 0},
		{test_statements_import__reused_servicer_reference_stores_every_line, 0},
		{test_statements_import__line_of_an_earlier_report_not_stored_again, 0},
		{test_statements_import__different_line_under_a_taken_key_stored_with_warning, 0},
		{test_statements_import__refuses_more_than_64_lines_under_one_key, 0},
		{test_statements_import__foreign_currency_entries_read_not_refused, 0},
		{test_statements_identity__sql_formula_equals_c, 0},
		{test_statements_migration__file_imported_before_0040_stores_nothing_new_after, 0},
		{test_statements_import__random_reference_reuse_every_line_once, 8},
		{test_statements_import__notification_and_report_lines_not_stored_again, 0},
		{test_statements_import__mt940_stored_once, 0},
		{test_statements_import__real_bank_shapes_stored_once, 0},
	};
	Suite *s = suite_create("statements");

	harness_add_tcase(s, "import", NULL, teardown, 120, import, HARNESS_N(import));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
