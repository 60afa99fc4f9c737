/*
 * test_csv.c - common/csv: RFC 4180 records from buffers (a table of inputs
 * and the records they must give, or the line:column of the fault they must
 * name) and from fixture files (BOM, CRLF, quoted line breaks).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csv.h"
#include "common/err.h"
#include "common/limits.h"
#include "tests/harness/harness.h"

/*
 * Reads all of text and renders it as "line:f1|f2|...;" per record, so a
 * whole parse is one string to compare. On error returns "ERR <message>".
 */
static char *render(const char *text, size_t len)
{
	FILE *f = fmemopen((void *)text, len, "r");
	char *out = NULL;
	size_t out_len = 0;
	FILE *o = open_memstream(&out, &out_len);
	csv_reader *r = NULL;
	int rc;

	ck_assert(f && o);
	ck_assert_int_eq(csv_open_stream(&r, f, "t.csv"), 0);
	while ((rc = csv_next(r)) > 0) {
		fprintf(o, "%zu:", csv_line(r));
		for (size_t i = 0; i < csv_nfields(r); i++)
			fprintf(o, "%s%s", i ? "|" : "", csv_field(r, i, NULL));
		fputc(';', o);
	}
	if (rc < 0)
		fprintf(o, "ERR %s", err_last());
	csv_close(r);
	fclose(f);
	fclose(o);
	return out;
}

struct row {
	const char *in;
	const char *want;
};

static const struct row rows[] = {
	{"a,b\n1,2\n", "1:a|b;2:1|2;"},
	{"a,b\r\n1,2\r\n", "1:a|b;2:1|2;"},
	{"a,b\n1,2", "1:a|b;2:1|2;"},                       /* no final newline */
	{"\xEF\xBB\xBF" "a,b\n", "1:a|b;"},                 /* BOM skipped */
	{"a,\"b,c\"\n", "1:a|b,c;"},                        /* comma quoted */
	{"\"say \"\"hi\"\"\",x\n", "1:say \"hi\"|x;"},      /* doubled quotes */
	{"id\n\"two\nlines\"\nnext\n", "1:id;2:two\nlines;4:next;"}, /* record line */
	{"\"a\r\nb\"\r\n", "1:a\r\nb;"},                    /* CRLF kept inside */
	{"a,,\n", "1:a||;"},                                /* empty fields */
	{"a\n\n\nb\n", "1:a;4:b;"},                         /* empty lines skipped */
	{"\"\"\n", "1:;"},                                  /* one empty quoted field */
	{"", ""},
	{"caf\xC3\xA9,\xE2\x82\xAC\n", "1:caf\xC3\xA9|\xE2\x82\xAC;"},
	/* faults: name:line:column */
	{"a,b\"c\n", "ERR t.csv:1:4: quote inside an unquoted field"},
	{"x\na,\"open\nmore\n", "ERR t.csv:2:3: quoted field never closed"},
	{"\"ab\"c,d\n", "ERR t.csv:1:5: a closing quote must be followed"},
	{"a\rb\n", "ERR t.csv:1:2: carriage return not followed"},
	{"ok\nab\xFF\n", "ERR t.csv:2:3: invalid UTF-8"},
	{"ok\n\xC3(\n", "ERR t.csv:2:2: invalid UTF-8"},
	{"\xED\xA0\x80\n", "ERR t.csv:1:2: invalid UTF-8"},  /* a surrogate */
	{"\xC0\xAF\n", "ERR t.csv:1:1: invalid UTF-8"},      /* overlong */
	{"a\xE2\x82,b\n", "ERR t.csv:1:4: invalid UTF-8"},   /* truncated */
};

START_TEST(test_csv_next__table)
{
	const struct row *r = &rows[_i];
	char *got = render(r->in, strlen(r->in));

	if (strncmp(r->want, "ERR ", 4) == 0)
		ck_assert_msg(strstr(got, r->want) != NULL,
			      "row %d: got '%s', want '%s'", _i, got, r->want);
	else
		ck_assert_msg(strcmp(got, r->want) == 0, "row %d: got '%s', want '%s'", _i,
			      got, r->want);
	free(got);
}
END_TEST

START_TEST(test_csv_next__refuses_nul_byte)
{
	char *got = render("a\0b\n", 4);

	ck_assert_msg(strstr(got, "t.csv:1:2: NUL byte"), "%s", got);
	free(got);
}
END_TEST

START_TEST(test_csv_next__limits_record_length)
{
	size_t n = LIMIT_CSV_RECORD_BYTES + 10;
	char *text = malloc(n + 2);
	char *got;

	ck_assert(text);
	text[0] = '"';
	memset(text + 1, 'x', n);
	text[n + 1] = '\0';        /* an unclosed quote running to the end */
	got = render(text, n + 1);
	ck_assert_msg(strstr(got, "t.csv:1: record longer than"), "%s", got);
	free(got);
	free(text);
}
END_TEST

START_TEST(test_csv_next__limits_fields)
{
	size_t n = LIMIT_CSV_FIELDS + 1;
	char *text = malloc(2 * n + 1);
	char *got;

	ck_assert(text);
	for (size_t i = 0; i < n; i++) {
		text[2 * i] = 'x';
		text[2 * i + 1] = i + 1 < n ? ',' : '\n';
	}
	text[2 * n] = '\0';
	got = render(text, 2 * n);
	ck_assert_msg(strstr(got, "more than 256 fields"), "%s", got);
	free(got);
	free(text);
}
END_TEST

START_TEST(test_csv_open__reads_bom_crlf_multiline_file)
{
	csv_reader *r = NULL;
	size_t len;

	ck_assert_int_eq(csv_open(&r, SRCDATADIR "/tests/data/csv/bom-crlf-multiline.csv"), 0);
	ck_assert_int_eq(csv_next(r), 1);
	ck_assert_str_eq(csv_field(r, 0, NULL), "id");  /* no BOM bytes left */
	ck_assert_int_eq(csv_next(r), 1);
	ck_assert_uint_eq(csv_line(r), 2);
	ck_assert_str_eq(csv_field(r, 1, &len), "two\r\nlines");
	ck_assert_uint_eq(len, 10);
	ck_assert_int_eq(csv_next(r), 1);
	ck_assert_uint_eq(csv_line(r), 4);
	ck_assert_str_eq(csv_field(r, 1, NULL), "a \"quoted\", comma");
	ck_assert_int_eq(csv_next(r), 1);
	ck_assert_uint_eq(csv_line(r), 6);               /* after an empty line */
	ck_assert_str_eq(csv_field(r, 1, NULL), "\xC3\xA9t\xC3\xA9");
	ck_assert_ptr_null(csv_field(r, 2, NULL));
	ck_assert_int_eq(csv_next(r), 0);
	csv_close(r);
}
END_TEST

START_TEST(test_csv_open__unclosed_quote_names_where_it_opened)
{
	const char *path = SRCDATADIR "/tests/data/csv/bad-unclosed.csv";
	csv_reader *r = NULL;

	ck_assert_int_eq(csv_open(&r, path), 0);
	ck_assert_int_eq(csv_next(r), 1);
	ck_assert_int_eq(csv_next(r), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "bad-unclosed.csv:2:3: quoted field never closed"),
		      "%s", err_last());
	csv_close(r);
}
END_TEST

START_TEST(test_csv_open__missing_file_is_an_error)
{
	csv_reader *r = NULL;

	ck_assert_int_eq(csv_open(&r, "/nonexistent/x.csv"), ERR_SYSTEM);
	ck_assert_ptr_null(r);
	ck_assert(strstr(err_last(), "/nonexistent/x.csv"));
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test core[] = {
		{test_csv_next__table, (int)HARNESS_N(rows)},
		{test_csv_next__refuses_nul_byte, 0},
		{test_csv_next__limits_record_length, 0},
		{test_csv_next__limits_fields, 0},
		{test_csv_open__reads_bom_crlf_multiline_file, 0},
		{test_csv_open__unclosed_quote_names_where_it_opened, 0},
		{test_csv_open__missing_file_is_an_error, 0},
	};
	Suite *s = suite_create("csv");

	harness_add_tcase(s, "core", NULL, NULL, 0, core, HARNESS_N(core));
	return s;
}

int main(void)
{
	return harness_main(suite(), false);
}
