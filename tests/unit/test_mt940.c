/*
 * test_mt940.c - the MT940 reader (bank/mt940.c) and the format sniffer
 * (bank/read.c) on the fixtures of tests/data/mt940 and tests/data/camt:
 * every figure of a German SEPA-structured file and of a SWIFT-blocked one,
 * year rollover of the entry date, CRLF and LF alike, tolerated deviations
 * (with warnings), and hostile or bad input refused with file:line: field.
 * No database.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bank/mt940.h"
#include "bank/read.h"
#include "common/err.h"
#include "common/log.h"
#include "tests/harness/harness.h"

#define DATA SRCDATADIR "/tests/data/mt940/"
#define CAMT SRCDATADIR "/tests/data/camt/"
#define MAX_STMTS 8
#define MAX_LINES 16

struct got {
	struct bank_camt_statement begun[MAX_STMTS];
	struct bank_camt_statement ended[MAX_STMTS];
	int nbegun, nended;
	struct bank_camt_line lines[MAX_LINES];
	int stmt_of_line[MAX_LINES];
	int nlines;
};

static int on_begin(void *ctx, const struct bank_camt_statement *s)
{
	struct got *g = ctx;

	ck_assert_int_lt(g->nbegun, MAX_STMTS);
	ck_assert_int_eq(g->nbegun, g->nended); /* begun once, before its lines */
	g->begun[g->nbegun++] = *s;
	return 0;
}

static int on_line(void *ctx, const struct bank_camt_statement *s,
		   const struct bank_camt_line *l)
{
	struct got *g = ctx;

	ck_assert_int_lt(g->nlines, MAX_LINES);
	ck_assert_int_eq(g->nbegun, g->nended + 1);
	ck_assert_str_eq(s->id, g->begun[g->nbegun - 1].id);
	g->stmt_of_line[g->nlines] = g->nbegun - 1;
	g->lines[g->nlines++] = *l;
	return 0;
}

static int on_end(void *ctx, const struct bank_camt_statement *s)
{
	struct got *g = ctx;

	ck_assert_int_lt(g->nended, MAX_STMTS);
	g->ended[g->nended++] = *s;
	return 0;
}

/* Reads path through bank_read (the sniffer), quietly; the caller frees
 * *out. */
static int read_path(struct got **out, struct bank_camt_summary *sum, const char *path)
{
	struct got *g = calloc(1, sizeof(*g));
	struct bank_camt_handler h = {on_begin, on_line, on_end, g};
	int rc;

	ck_assert_ptr_nonnull(g);
	log_set_level(LOG_ERROR);
	rc = bank_read(sum, path, &h);
	log_set_level(LOG_INFO);
	*out = g;
	return rc;
}

/* The same for text held in memory, named "t.sta". */
static int read_text(struct got **out, struct bank_camt_summary *sum, const char *text)
{
	struct got *g = calloc(1, sizeof(*g));
	struct bank_camt_handler h = {on_begin, on_line, on_end, g};
	int rc;

	ck_assert_ptr_nonnull(g);
	log_set_level(LOG_ERROR);
	rc = bank_read_memory(sum, text, strlen(text), "t.sta", &h);
	log_set_level(LOG_INFO);
	*out = g;
	return rc;
}

START_TEST(test_mt940_read__sepa_structured_statements)
{
	struct bank_camt_summary sum;
	struct got *g = NULL;
	const struct bank_camt_statement *s;
	const struct bank_camt_line *l;

	ck_assert_msg(read_path(&g, &sum, DATA "sepa_de.sta") == 0, "%s", err_last());
	ck_assert_int_eq(sum.format, BANK_FORMAT_MT940);
	ck_assert_int_eq(sum.version, 0);
	ck_assert_int_eq(sum.statements, 2);
	ck_assert_int_eq(sum.lines, 4);
	ck_assert_int_eq(sum.warnings, 1); /* the zero-amount line */
	ck_assert_int_eq(g->nended, 2);

	s = &g->ended[0];
	ck_assert_int_eq(s->format, BANK_FORMAT_MT940);
	ck_assert_int_eq(s->line, 1);
	/* :20: STARTUMS is in every statement of such banks: the number and
	 * the opening date make the id */
	ck_assert_str_eq(s->id, "STARTUMS/00000/001/2018-12-31");
	ck_assert_str_eq(s->account, "DE89370400440532013000"); /* BIC/ dropped */
	ck_assert_str_eq(s->currency, "EUR");
	ck_assert_int_eq(s->entries, 2);
	ck_assert_int_eq(s->credits_minor, 100000);
	ck_assert_int_eq(s->debits_minor, 1055);
	ck_assert(s->has_opening && s->has_closing);
	ck_assert_int_eq(s->opening_minor, 1000000);
	ck_assert_str_eq(s->opening_date, "2018-12-31");
	ck_assert_int_eq(s->closing_minor, 1098945);
	ck_assert_str_eq(s->closing_date, "2018-12-31");

	l = &g->lines[0];
	ck_assert_int_eq(l->line, 5);
	ck_assert_int_eq(l->entry_index, 1);
	ck_assert_int_eq(l->tx_index, 0);
	ck_assert_int_eq(l->amount_minor, 100000);
	ck_assert_int_eq(l->side, LEDGER_CAMT_CREDIT);
	ck_assert(!l->reversal);
	ck_assert_str_eq(l->status, "BOOK");
	ck_assert_str_eq(l->value_date, "2018-12-31");
	ck_assert_str_eq(l->booking_date, "2019-01-02"); /* MMDD after the year end */
	ck_assert_str_eq(l->bank_ref, "EUR181231001");
	ck_assert_str_eq(l->remittance_refs, ""); /* NONREF */
	ck_assert_str_eq(l->end_to_end_id, "IGF-TF-2019-03");
	/* ?21/?22 joined, a subfield cut by the line end read whole */
	ck_assert_str_eq(l->remittance, "Contribution IGF Trust Fund 2019");
	ck_assert_str_eq(l->debtor_name, "Ministry for Foreign Affairs of Finland");
	ck_assert_str_eq(l->creditor_name, "");
	ck_assert(!l->has_instructed && !l->has_charges);

	l = &g->lines[1];
	ck_assert_int_eq(l->amount_minor, 1055);
	ck_assert_int_eq(l->side, LEDGER_CAMT_DEBIT);
	ck_assert_str_eq(l->booking_date, "");
	ck_assert_str_eq(l->bank_ref, "EUR181231FEE");
	ck_assert_str_eq(l->end_to_end_id, "");
	ck_assert_str_eq(l->remittance, "Kontofuehrung Dezember");

	s = &g->ended[1];
	ck_assert_str_eq(s->id, "STARTUMS/00001/001/2019-01-02");
	ck_assert_int_eq(s->entries, 3); /* the zero line counts, stores nothing */
	ck_assert_int_eq(s->credits_minor, 30000);
	ck_assert_int_eq(s->debits_minor, 30000);
	l = &g->lines[2];
	ck_assert_int_eq(g->stmt_of_line[2], 1);
	ck_assert_int_eq(l->entry_index, 1);
	ck_assert_str_eq(l->value_date, "2019-01-02");
	ck_assert_str_eq(l->booking_date, "2018-12-31"); /* MMDD before the year end */
	ck_assert_int_eq(l->side, LEDGER_CAMT_DEBIT);
	ck_assert_str_eq(l->remittance_refs, "TRAVEL-2019-12");
	ck_assert_str_eq(l->end_to_end_id, "TRAVEL-2019-0012");
	ck_assert_str_eq(l->creditor_name, "A. Participant");
	ck_assert_str_eq(l->debtor_name, "");
	ck_assert_str_eq(l->remittance, "IGF 2019 travel support");
	/* RD: the reversal of a debit is booked as a credit */
	l = &g->lines[3];
	ck_assert(l->reversal);
	ck_assert_int_eq(l->side, LEDGER_CAMT_CREDIT);
	ck_assert_int_eq(l->amount_minor, 30000);
	ck_assert_str_eq(l->debtor_name, "A. Participant");
	ck_assert_str_eq(l->remittance, "Retoure IGF 2019 travel support");
	free(g);
}
END_TEST

START_TEST(test_mt940_read__swift_blocks_and_unstructured_text)
{
	struct bank_camt_summary sum;
	struct got *g = NULL;
	const struct bank_camt_line *l;

	ck_assert_msg(read_path(&g, &sum, DATA "swift_blocks.sta") == 0, "%s", err_last());
	ck_assert_int_eq(sum.format, BANK_FORMAT_MT940);
	ck_assert_int_eq(sum.statements, 2);
	ck_assert_int_eq(sum.lines, 2);
	ck_assert_int_eq(sum.warnings, 0); /* the long header lines are no deviation */
	ck_assert_str_eq(g->ended[0].id, "USD190405/95/1/2019-04-04");
	ck_assert_str_eq(g->ended[0].account, "CH5604835012345678009");
	ck_assert_str_eq(g->ended[0].currency, "USD");
	ck_assert_int_eq(g->ended[0].opening_minor, 5000000);
	ck_assert_int_eq(g->ended[0].closing_minor, 4880000);
	l = &g->lines[0];
	ck_assert_int_eq(l->amount_minor, 120000);
	ck_assert_int_eq(l->side, LEDGER_CAMT_DEBIT);
	ck_assert_str_eq(l->value_date, "2019-04-05");
	ck_assert_str_eq(l->bank_ref, "USD190405TRV7");
	ck_assert_str_eq(l->remittance_refs, "TRAVEL-2019-31");
	/* unstructured :86: is the remittance, its lines joined by newlines;
	 * the supplementary line of :61: is not read */
	ck_assert_str_eq(l->remittance, "IGF 2019 travel support, trip 31\nTravel Agency SA");
	ck_assert_str_eq(l->end_to_end_id, "");
	/* :60M:/:62M: intermediate balances; "25000," has no decimals */
	ck_assert_str_eq(g->ended[1].id, "USD190406/96/1/2019-04-06");
	ck_assert_int_eq(g->ended[1].closing_minor, 7380000);
	ck_assert_int_eq(g->lines[1].amount_minor, 2500000);
	ck_assert_str_eq(g->lines[1].remittance, "Contribution 2019, Government of Japan");
	free(g);
}
END_TEST

/* The same statement with CRLF and with LF, in memory and from a file. */
START_TEST(test_mt940_read__crlf_and_lf_alike)
{
	char *crlf = harness_slurp(DATA "sepa_de.sta", NULL);
	char *lf = calloc(1, strlen(crlf) + 1);
	struct bank_camt_summary a, b;
	struct got *ga = NULL, *gb = NULL;
	size_t n = 0;

	ck_assert_ptr_nonnull(lf);
	ck_assert_ptr_nonnull(strstr(crlf, "\r\n"));
	for (const char *q = crlf; *q; q++)
		if (*q != '\r')
			lf[n++] = *q;
	ck_assert_int_eq(read_text(&ga, &a, crlf), 0);
	ck_assert_int_eq(read_text(&gb, &b, lf), 0);
	ck_assert_int_eq(a.lines, 4);
	ck_assert_int_eq(a.lines, b.lines);
	ck_assert_int_eq(a.statements, b.statements);
	for (int i = 0; i < ga->nlines; i++) {
		const struct bank_camt_line *x = &ga->lines[i], *y = &gb->lines[i];

		ck_assert_int_eq(x->amount_minor, y->amount_minor);
		ck_assert_int_eq(x->side, y->side);
		ck_assert_int_eq(x->reversal, y->reversal);
		ck_assert_str_eq(x->value_date, y->value_date);
		ck_assert_str_eq(x->booking_date, y->booking_date);
		ck_assert_str_eq(x->bank_ref, y->bank_ref);
		ck_assert_str_eq(x->end_to_end_id, y->end_to_end_id);
		ck_assert_str_eq(x->remittance, y->remittance);
		ck_assert_str_eq(x->remittance_refs, y->remittance_refs);
		ck_assert_str_eq(x->debtor_name, y->debtor_name);
		ck_assert_str_eq(x->creditor_name, y->creditor_name);
	}
	ck_assert_str_eq(ga->ended[1].id, gb->ended[1].id);
	ck_assert_str_eq(gb->lines[0].remittance, "Contribution IGF Trust Fund 2019");
	free(crlf);
	free(lf);
	free(ga);
	free(gb);
}
END_TEST

#define HEAD ":20:T\n:25:CH9300762011623852957\n:28C:1/1\n"

/* Entry dates across a year end, both ways, and on 29 February. */
START_TEST(test_mt940_read__entry_date_year_rollover)
{
	static const struct {
		const char *line61, *value, *booking;
	} cases[] = {
		{"1912310102C1,00NTRFNONREF", "2019-12-31", "2020-01-02"},
		{"2001021230C1,00NTRFNONREF", "2020-01-02", "2019-12-30"},
		{"1906300701C1,00NTRFNONREF", "2019-06-30", "2019-07-01"},
		{"2003010229C1,00NTRFNONREF", "2020-03-01", "2020-02-29"},
		{"9912310101C1,00NTRFNONREF", "1999-12-31", "2000-01-01"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		struct bank_camt_summary sum;
		struct got *g = NULL;

		snprintf(text, sizeof(text), HEAD ":60F:C190101EUR0,00\n:61:%s\n"
			 ":62F:C190101EUR1,00\n-\n", cases[i].line61);
		ck_assert_msg(read_text(&g, &sum, text) == 0, "%zu: %s", i, err_last());
		ck_assert_str_eq(g->lines[0].value_date, cases[i].value);
		ck_assert_str_eq(g->lines[0].booking_date, cases[i].booking);
		free(g);
	}
}
END_TEST

/* Amounts: decimals by the currency, exact, no floating point. */
START_TEST(test_mt940_read__amounts_exact_in_minor_units)
{
	static const struct {
		const char *ccy, *amount;
		long long minor;
	} cases[] = {
		{"EUR", "0,01", 1},
		{"EUR", "1234,5", 123450},
		{"EUR", "1234,50", 123450},
		{"EUR", "0001234,56", 123456},
		{"JPY", "1500000,", 1500000},
		{"KWD", "1,234", 1234},
		{"EUR", "92233720368547758,07", 9223372036854775807LL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		struct bank_camt_summary sum;
		struct got *g = NULL;

		snprintf(text, sizeof(text), HEAD ":60F:C190101%s0,\n:61:190102C%sNTRFNONREF\n"
			 ":62F:C190102%s%s\n-\n", cases[i].ccy, cases[i].amount, cases[i].ccy,
			 cases[i].amount);
		ck_assert_msg(read_text(&g, &sum, text) == 0, "%zu: %s", i, err_last());
		ck_assert_int_eq(g->lines[0].amount_minor, cases[i].minor);
		ck_assert_int_eq(g->ended[0].closing_minor, cases[i].minor);
		free(g);
	}
}
END_TEST

START_TEST(test_mt940_read__refuses_bad_fixtures_naming_line_and_field)
{
	static const struct {
		const char *file;
		int rc;
		const char *want;
	} cases[] = {
		{"bad_truncated.sta", ERR_INVALID, "bad_truncated.sta:6: :62F: closing balance: "
		 "missing: the statement of line 1 has no closing balance"},
		{"bad_date.sta", ERR_INVALID, "bad_date.sta:5: :61: value date: '191302' is "
		 "not a date YYMMDD"},
		{"bad_entry_date.sta", ERR_INVALID, "bad_entry_date.sta:5: :61: entry date: "
		 "'0230' is not a date MMDD"},
		{"bad_huge_amount.sta", ERR_LIMIT, "bad_huge_amount.sta:5: :61: amount: "
		 "'92233720368547758,08'"},
		{"bad_missing_25.sta", ERR_INVALID, "bad_missing_25.sta:1: :25: account: missing"},
		{"bad_balance.sta", ERR_INVALID, "bad_balance.sta:6: :62F: closing balance: "
		 "120.00 EUR is not the opening balance plus the lines (110.00 EUR)"},
		{"bad_garbage.sta", ERR_INVALID, "bad_garbage.sta:1: format: neither"},
		{"bad_binary.sta", ERR_INVALID, "bad_binary.sta:2: line: control byte 0x00"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[512];
		struct bank_camt_summary sum;
		struct got *g = NULL;
		int rc;

		snprintf(path, sizeof(path), DATA "%s", cases[i].file);
		rc = read_path(&g, &sum, path);
		ck_assert_msg(rc == cases[i].rc, "%s: rc %d: %s", cases[i].file, rc, err_last());
		ck_assert_msg(strstr(err_last(), cases[i].want), "%s", err_last());
		ck_assert_int_eq(g->nended, 0);
		ck_assert_int_eq(sum.statements, 0);
		free(g);
	}
}
END_TEST

/* Hostile and malformed text, each refused with the line and field. */
START_TEST(test_mt940_read__refuses_hostile_text)
{
	static const struct {
		const char *text;
		int rc;
		const char *want;
	} cases[] = {
		{"", ERR_INVALID, "t.sta: empty"},
		{"\n\n  \n", ERR_INVALID, "t.sta:1: format: neither"},
		{"{1:F01X}{2:O940}{4:\n-}\n", ERR_INVALID, "t.sta:2: :20: reference: no MT940 "
		 "statement"},
		{":20:T\n:25:A\n:28C:1\n:60F:C190101EUR1,00\n", ERR_INVALID,
		 "t.sta:4: :62F: closing balance: missing"},
		{":25:A\n", ERR_INVALID, "t.sta:1: format: neither"},
		{":20:T\n:25:A\n:28C:1\n:61:190101C1,00NTRF\n", ERR_INVALID,
		 "t.sta:4: :61: field: before the opening balance :60F:"},
		{":20:T\n:25:A\n:60F:C190101EUR1,00\n:61:190101C1,00NTRF\n", ERR_INVALID,
		 "t.sta:1: :28C: statement number: missing"},
		{":20:T\n:25:A\n:28C:1\n:60F:C190101EUR1,00\ngarbage\n", ERR_INVALID,
		 "t.sta:5: line: 'garbage' is not an MT940 field and :60F: has one line"},
		{":20:T\ngarbage\n:25:A\n", ERR_INVALID, "t.sta:2: line: 'garbage' is not an "
		 "MT940 field and :20: has one line only"},
		{"hello\n:20:T\n", ERR_INVALID, "t.sta:1: format: neither"},
		{HEAD ":60F:X190101EUR1,00\n", ERR_INVALID, "t.sta:4: :60F: opening balance: "
		 "'X': expected C or D"},
		{HEAD ":60F:C190101XXX1,00\n", ERR_INVALID, "'XXX' is no ISO 4217 currency"},
		{HEAD ":60F:C190101EUR1.00\n", ERR_INVALID, "t.sta:4: :60F: opening balance: "
		 "'1' is not an amount"},
		{HEAD ":60F:C190101EUR1,0,0\n", ERR_INVALID, "two decimal commas"},
		{HEAD ":60F:C190101EUR1,001\n", ERR_INVALID, "more decimals than EUR has (2)"},
		{HEAD ":60F:C190101EUR-1,00\n", ERR_INVALID, "'-1,00' is not"},
		{HEAD ":60F:C190101EUR1,00\n:61:190101X1,00NTRF\n", ERR_INVALID,
		 "t.sta:5: :61: mark: 'X1': expected C, D, RC or RD"},
		{HEAD ":60F:C190101EUR1,00\n:61:190101C1,00XTRF\n", ERR_INVALID,
		 "t.sta:5: :61: type: 'XTRF'"},
		{HEAD ":60F:C190101EUR1,00\n:61:190101C1,00N\n", ERR_INVALID, ":61: type"},
		{HEAD ":60F:C190101EUR1,00\n:61:1901\n", ERR_INVALID, ":61: value date"},
		{HEAD ":60F:C190101EUR1,00\n:61:190101C100000000000000000000,00NTRF\n", ERR_LIMIT,
		 "t.sta:5: :61: amount: '100000000000000000000,00' is too large"},
		{HEAD ":60F:C190101EUR92233720368547758,07\n:61:190101C0,01NTRF\n"
		 ":62F:C190101EUR1,00\n", ERR_LIMIT, "t.sta:6: :62F: closing balance: overflows"},
		{HEAD ":60F:C190101EUR1,00\n:61:190101C1,00NTRF\n:62F:C190101USD2,00\n",
		 ERR_INVALID, "currency USD differs"},
		{HEAD ":60F:C190101EUR1,00\n:62F:C190101EUR1,00\n:61:190101C1,00NTRF\n",
		 ERR_INVALID, "t.sta:6: :61: field: after the closing balance"},
		{HEAD ":60F:C190101EUR1,00\n:60F:C190101EUR1,00\n", ERR_INVALID,
		 "a second opening balance"},
		{HEAD ":60F:C190101EUR1,00\n:20:U\n", ERR_INVALID, "t.sta:5: :20: reference: a new "
		 "statement before :62F:"},
		{":20:T\n:25:/\n", ERR_INVALID, "t.sta:2: :25: account: '/' is not an account"},
		{":20:\n", ERR_INVALID, "t.sta:1: :20: reference: empty"},
		{"\xEF\xBB\xBF:20:T\r\n:25:A\r\n:28C:1\r\n:60F:C190101EUR1,00\r\n:61:\r",
		 ERR_INVALID, ":61: value date"},
		{":20:T\n:25:A\x07\n", ERR_INVALID, "t.sta:2: line: control byte 0x07 at column 6"},
		{":20:T\r:25:A\r:28C:1\r", ERR_INVALID, "control byte 0x0D"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bank_camt_summary sum;
		struct got *g = NULL;
		int rc = read_text(&g, &sum, cases[i].text);

		ck_assert_msg(rc == cases[i].rc, "case %zu: rc %d: %s", i, rc, err_last());
		ck_assert_msg(strncmp(err_last(), "t.sta", 5) == 0, "case %zu: %s", i,
			      err_last());
		ck_assert_msg(!cases[i].want || strstr(err_last(), cases[i].want),
			      "case %zu: %s", i, err_last());
		ck_assert_int_eq(sum.statements, 0);
		ck_assert_int_eq(g->nended, 0);
		free(g);
	}
}
END_TEST

/* Lines and fields beyond their limits; a long line within them is read. */
START_TEST(test_mt940_read__bounds_line_and_field)
{
	size_t cap = 3 * BANK_MT940_FIELD_BYTES;
	char *text = calloc(1, cap);
	struct bank_camt_summary sum;
	struct got *g = NULL;
	size_t n;

	ck_assert_ptr_nonnull(text);
	/* one line above BANK_MT940_LINE_BYTES */
	n = (size_t)snprintf(text, cap, ":20:");
	memset(text + n, 'A', BANK_MT940_LINE_BYTES);
	ck_assert_int_eq(read_text(&g, &sum, text), ERR_LIMIT);
	ck_assert_msg(strstr(err_last(), "t.sta:1: line: longer than 512 bytes"), "%s",
		      err_last());
	free(g);
	/* a :86: of many lines, each within the line limit */
	n = (size_t)snprintf(text, cap, HEAD ":60F:C190101EUR0,\n:61:190101C1,00NTRF\n:86:");
	while (n < cap - 100) {
		memset(text + n, 'x', 60);
		n += 60;
		text[n++] = '\n';
	}
	text[n] = '\0';
	ck_assert_int_eq(read_text(&g, &sum, text), ERR_LIMIT);
	ck_assert_msg(strstr(err_last(), "t.sta:6: :86: field: longer than 4096 bytes"), "%s",
		      err_last());
	free(g);
	/* 80 characters: tolerated, with a warning */
	n = (size_t)snprintf(text, cap, HEAD ":60F:C190101EUR0,\n:61:190101C1,00NTRFNONREF\n"
			     ":86:%080d\n:62F:C190101EUR1,00\n", 7);
	ck_assert_msg(read_text(&g, &sum, text) == 0, "%s", err_last());
	ck_assert_int_eq(sum.warnings, 1);
	ck_assert_int_eq(strlen(g->lines[0].remittance), 80);
	free(g);
	free(text);
}
END_TEST

/* Tolerated: ISO 8859-1 text, unknown fields, SOH/ETX wrapping, extra
 * zero decimals, several statements without "-" between them. */
START_TEST(test_mt940_read__tolerates_with_warnings)
{
	static const char text[] =
		"\x01:20:T\n:25:CH9300762011623852957\n:28C:1/1\n:60F:C190101EUR0,\n"
		":61:190101C1,000NTRFNONREF//B1\n:86:M\xFC" "ller AG\n:34F:EURD0,\n"
		":62F:C190101EUR1,00\x03\n"
		":20:U\n:25:CH9300762011623852957\n:28C:2/1\n:60F:C190102EUR1,00\n"
		":62F:C190102EUR1,00\n";
	struct bank_camt_summary sum;
	struct got *g = NULL;

	ck_assert_msg(read_text(&g, &sum, text) == 0, "%s", err_last());
	ck_assert_int_eq(sum.statements, 2);
	ck_assert_int_eq(sum.lines, 1);
	ck_assert_int_eq(sum.warnings, 3); /* decimals, encoding, unknown field */
	ck_assert_int_eq(g->lines[0].amount_minor, 100);
	ck_assert_str_eq(g->lines[0].remittance, "M\xC3\xBCller AG");
	/* a statement without lines is begun at its end */
	ck_assert_int_eq(g->nbegun, 2);
	ck_assert_str_eq(g->ended[1].id, "U/2/1/2019-01-02");
	ck_assert_int_eq(g->ended[1].entries, 0);
	free(g);
}
END_TEST

/* The one rule for text (common/text.h): U+FFFE in UTF-8, or a C1 control
 * (0x85 read as ISO 8859-1), is refused naming the line. */
START_TEST(test_mt940_read__refuses_text_the_ledger_does_not_accept)
{
	static const char *const texts[] = {
		":20:T\n:25:CH9300762011623852957\n:28C:1/1\n:60F:C190101EUR0,\n"
		":61:190101C1,00NTRFNONREF//B1\n:86:M\xEF\xBF\xBEller\n"
		":62F:C190101EUR1,00\n",
		":20:T\n:25:CH9300762011623852957\n:28C:1/1\n:60F:C190101EUR0,\n"
		":61:190101C1,00NTRFNONREF//B1\n:86:M\x85ller\n"
		":62F:C190101EUR1,00\n",
	};
	const char *const want[] = {"U+FFFE not allowed", "U+0085 not allowed"};

	for (size_t i = 0; i < 2; i++) {
		struct bank_camt_summary sum;
		struct got *g = NULL;

		ck_assert_int_eq(read_text(&g, &sum, texts[i]), ERR_INVALID);
		ck_assert_msg(strstr(err_last(), ":6: line: ") && strstr(err_last(), want[i]),
			      "%s", err_last());
		free(g);
	}
}
END_TEST

static int stop_at_second_line(void *ctx, const struct bank_camt_statement *s,
			       const struct bank_camt_line *l)
{
	(void)s;
	(void)l;
	return ++*(int *)ctx == 2 ? err_set(ERR_CONFLICT, "stop") : 0;
}

START_TEST(test_mt940_read__callback_error_stops_reading)
{
	int calls = 0;
	struct bank_camt_handler h = {NULL, stop_at_second_line, NULL, &calls};

	ck_assert_int_eq(bank_mt940_read(NULL, DATA "sepa_de.sta", &h), ERR_CONFLICT);
	ck_assert_int_eq(calls, 2);
	ck_assert_str_eq(err_last(), "stop");
}
END_TEST

START_TEST(test_mt940_read__refuses_file_above_size_limit)
{
	char dir[512], path[600];
	int fd;

	harness_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/huge.sta", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, ":20:X\n", 6), 6);
	ck_assert_int_eq(ftruncate(fd, LIMIT_CAMT_BYTES + 1), 0); /* sparse */
	close(fd);
	ck_assert_int_eq(bank_read(NULL, path, NULL), ERR_LIMIT);
	ck_assert_ptr_nonnull(strstr(err_last(), "LIMIT_CAMT_BYTES"));
	unlink(path);
}
END_TEST

/* bank_read picks the reader by the content, not the file name. */
START_TEST(test_read__sniffs_the_format)
{
	static const struct {
		const char *path;
		enum bank_format format;
		int version;
		long statements;
	} cases[] = {
		{CAMT "v02_basic.xml", BANK_FORMAT_CAMT053, 2, 1},
		{CAMT "v04_multi.xml", BANK_FORMAT_CAMT053, 4, 3},
		{CAMT "052_intraday.xml", BANK_FORMAT_CAMT052, 2, 2},
		{CAMT "054_notification.xml", BANK_FORMAT_CAMT054, 4, 1},
		{CAMT "054_v08_debit.xml", BANK_FORMAT_CAMT054, 8, 1},
		{DATA "sepa_de.sta", BANK_FORMAT_MT940, 0, 2},
		{DATA "swift_blocks.sta", BANK_FORMAT_MT940, 0, 2},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bank_camt_summary sum, mem;
		struct got *g = NULL;
		size_t len;
		char *buf = harness_slurp(cases[i].path, &len);
		struct bank_camt_handler none = {0};

		ck_assert_msg(read_path(&g, &sum, cases[i].path) == 0, "%s: %s", cases[i].path,
			      err_last());
		ck_assert_int_eq(sum.format, cases[i].format);
		ck_assert_int_eq(sum.version, cases[i].version);
		ck_assert_int_eq(sum.statements, cases[i].statements);
		ck_assert_int_eq(g->ended[0].format, cases[i].format);
		log_set_level(LOG_ERROR);
		ck_assert_int_eq(bank_read_memory(&mem, buf, len, "body", &none), 0);
		log_set_level(LOG_INFO);
		ck_assert_int_eq(mem.format, cases[i].format);
		ck_assert_int_eq(mem.lines, sum.lines);
		free(buf);
		free(g);
	}
	/* XML after a byte order mark and blank lines; MT940 behind blank lines */
	{
		static const char xml[] = "\xEF\xBB\xBF\n  <Document xmlns='urn:iso:std:iso:"
			"20022:tech:xsd:camt.054.001.02'><BkToCstmrDbtCdtNtfctn/></Document>";
		static const char mt[] = "\r\n\r\n:20:T\r\n:25:A\r\n:28C:1\r\n"
			":60F:C190101EUR1,00\r\n:62F:C190101EUR1,00\r\n-\r\n";
		struct bank_camt_summary sum;

		ck_assert_msg(bank_read_memory(&sum, xml, strlen(xml), "x", NULL) == 0, "%s",
			      err_last());
		ck_assert_int_eq(sum.format, BANK_FORMAT_CAMT054);
		ck_assert_msg(bank_read_memory(&sum, mt, strlen(mt), "m", NULL) == 0, "%s",
			      err_last());
		ck_assert_int_eq(sum.format, BANK_FORMAT_MT940);
		ck_assert_int_eq(sum.statements, 1);
	}
	/* a camt file refused by its reader keeps the reader's message */
	ck_assert_int_eq(bank_read(NULL, CAMT "hostile_wrong_root.xml", NULL), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "hostile_wrong_root.xml:3: Document: not "
				     "a camt.053"));
	ck_assert_int_eq(bank_read(NULL, DATA "no-such-file.sta", NULL), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "no-such-file.sta: cannot read"));
	ck_assert_str_eq(bank_format_name(BANK_FORMAT_CAMT052), "camt.052");
	ck_assert_str_eq(bank_format_name(BANK_FORMAT_MT940), "mt940");
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test read[] = {
		{test_mt940_read__sepa_structured_statements, 0},
		{test_mt940_read__swift_blocks_and_unstructured_text, 0},
		{test_mt940_read__crlf_and_lf_alike, 0},
		{test_mt940_read__entry_date_year_rollover, 0},
		{test_mt940_read__amounts_exact_in_minor_units, 0},
		{test_mt940_read__refuses_bad_fixtures_naming_line_and_field, 0},
		{test_mt940_read__refuses_hostile_text, 0},
		{test_mt940_read__bounds_line_and_field, 0},
		{test_mt940_read__tolerates_with_warnings, 0},
		{test_mt940_read__refuses_text_the_ledger_does_not_accept, 0},
		{test_mt940_read__callback_error_stops_reading, 0},
		{test_mt940_read__refuses_file_above_size_limit, 0},
		{test_read__sniffs_the_format, 0},
	};
	Suite *s = suite_create("mt940");

	harness_add_tcase(s, "read", NULL, NULL, 0, read, HARNESS_N(read));
	return s;
}

int main(void)
{
	return harness_main(suite(), false);
}
