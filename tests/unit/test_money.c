/*
 * test_money.c - common/money: parsing and formatting amounts exactly, from a
 * table of accepted and refused strings, and checked arithmetic.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "common/err.h"
#include "common/money.h"
#include "tests/harness/harness.h"

struct row {
	const char *text;
	const char *ccy;
	int rc;          /* expected return code */
	int64_t minor;   /* expected value when rc == 0 */
};

static const struct row rows[] = {
	/* accepted: every ISO 4217 digit class (0, 2, 3, 4) */
	{"1250.00", "USD", 0, 125000},
	{"0.01", "EUR", 0, 1},
	{"0.00", "CHF", 0, 0},
	{"500000.00", "EUR", 0, 50000000},
	{"-310.55", "EUR", 0, -31055},
	{"1250", "JPY", 0, 1250},
	{"0", "JPY", 0, 0},
	{"-7", "KRW", 0, -7},
	{"1.250", "KWD", 0, 1250},
	{"0.001", "BHD", 0, 1},
	{"12.3456", "CLF", 0, 123456},
	{"0.0001", "UYW", 0, 1},
	{"92233720368547758.07", "USD", 0, INT64_MAX},
	{"-92233720368547758.07", "USD", 0, -INT64_MAX},
	{"9223372036854775807", "JPY", 0, INT64_MAX},
	{"9223372036854775.807", "KWD", 0, INT64_MAX},
	{"10.00", "HRK", 0, 1000},           /* historic code, still readable */
	/* refused: shape */
	{"", "USD", ERR_INVALID, 0},
	{"-", "USD", ERR_INVALID, 0},
	{".50", "USD", ERR_INVALID, 0},
	{"1.", "USD", ERR_INVALID, 0},
	{"1.5", "USD", ERR_INVALID, 0},
	{"1.000", "USD", ERR_INVALID, 0},
	{"1250", "USD", ERR_INVALID, 0},
	{"1250.00", "JPY", ERR_INVALID, 0},
	{"1.25", "KWD", ERR_INVALID, 0},
	{"1.234", "CLF", ERR_INVALID, 0},
	{"-0.00", "USD", ERR_INVALID, 0},
	{"-0", "JPY", ERR_INVALID, 0},
	{"1e3", "USD", ERR_INVALID, 0},
	{"1e3", "JPY", ERR_INVALID, 0},
	{" 1.00", "USD", ERR_INVALID, 0},
	{"1.00 ", "USD", ERR_INVALID, 0},
	{"+1.00", "USD", ERR_INVALID, 0},
	{"1,000.00", "USD", ERR_INVALID, 0},
	{"01.00", "USD", ERR_INVALID, 0},
	{"00", "JPY", ERR_INVALID, 0},
	{"1.0.0", "USD", ERR_INVALID, 0},
	{"--1.00", "USD", ERR_INVALID, 0},
	{"0x10", "JPY", ERR_INVALID, 0},
	{"NaN", "USD", ERR_INVALID, 0},
	{"1.00\n", "USD", ERR_INVALID, 0},
	/* refused: currency */
	{"1.00", "usd", ERR_INVALID, 0},
	{"1.00", "XXX", ERR_INVALID, 0},
	{"1.00", "US", ERR_INVALID, 0},
	{"1.00", "USDD", ERR_INVALID, 0},
	{"1", "XAU", ERR_INVALID, 0},        /* no minor unit: not money here */
	/* refused: overflow */
	{"92233720368547758.08", "USD", ERR_LIMIT, 0},
	{"-92233720368547758.08", "USD", ERR_LIMIT, 0},
	{"9223372036854775808", "JPY", ERR_LIMIT, 0},
	{"99999999999999999999999999.00", "USD", ERR_LIMIT, 0},
	{"18446744073709551616", "JPY", ERR_LIMIT, 0},
};

START_TEST(test_money_parse__table)
{
	const struct row *r = &rows[_i];
	int64_t v = -12345;
	int rc = money_parse(&v, r->text, r->ccy);

	ck_assert_msg(rc == r->rc, "\"%s\" %s: got %d (%s), want %d", r->text, r->ccy,
		      rc, err_last(), r->rc);
	if (r->rc == 0) {
		char back[MONEY_STR_MAX];

		ck_assert_msg(v == r->minor, "\"%s\": got %lld", r->text, (long long)v);
		/* canonical: formatting gives the very same string back */
		ck_assert_int_eq(money_format(back, v, r->ccy), 0);
		ck_assert_str_eq(back, r->text);
	} else {
		ck_assert_msg(v == -12345, "\"%s\": output touched on error", r->text);
		ck_assert_msg(strlen(err_last()) > 0, "\"%s\": no message", r->text);
	}
}
END_TEST

START_TEST(test_money_parse__error_names_the_currency_digits)
{
	int64_t v;

	ck_assert_int_eq(money_parse(&v, "12.5", "USD"), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "USD takes exactly 2 decimal digits"));
	ck_assert_int_eq(money_parse(&v, "12.50", "JPY"), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "JPY takes exactly 0 decimal digits"));
}
END_TEST

START_TEST(test_money_parse_positive__refuses_zero_and_negative)
{
	int64_t v = 0;

	ck_assert_int_eq(money_parse_positive(&v, "0.00", "USD"), ERR_INVALID);
	ck_assert_int_eq(money_parse_positive(&v, "-1.00", "USD"), ERR_INVALID);
	ck_assert_int_eq(money_parse_positive(&v, "0.01", "USD"), 0);
	ck_assert_int_eq(v, 1);
}
END_TEST

START_TEST(test_money_format__pads_small_amounts)
{
	char s[MONEY_STR_MAX];

	ck_assert_int_eq(money_format(s, 5, "USD"), 0);
	ck_assert_str_eq(s, "0.05");
	ck_assert_int_eq(money_format(s, -5, "KWD"), 0);
	ck_assert_str_eq(s, "-0.005");
	ck_assert_int_eq(money_format(s, 0, "CLF"), 0);
	ck_assert_str_eq(s, "0.0000");
	ck_assert_int_eq(money_format(s, 0, "JPY"), 0);
	ck_assert_str_eq(s, "0");
	ck_assert_int_eq(money_format(s, 1, "XYZ"), ERR_INVALID);
}
END_TEST

START_TEST(test_money_add__detects_overflow)
{
	int64_t v = 0;

	ck_assert_int_eq(money_add(&v, INT64_MAX - 1, 1), 0);
	ck_assert_int_eq(v, INT64_MAX);
	ck_assert_int_eq(money_add(&v, INT64_MAX, 1), ERR_LIMIT);
	ck_assert_int_eq(money_add(&v, -INT64_MAX, -1), ERR_LIMIT); /* INT64_MIN */
	ck_assert_int_eq(money_sub(&v, -INT64_MAX, 1), ERR_LIMIT);
	ck_assert_int_eq(money_sub(&v, 100, 250), 0);
	ck_assert_int_eq(v, -150);
	ck_assert_int_eq(money_negate(&v, -INT64_MAX), 0);
	ck_assert_int_eq(v, INT64_MAX);
	ck_assert_int_eq(money_negate(&v, INT64_MIN), ERR_LIMIT);
	ck_assert_int_eq(money_cmp(1, 2), -1);
	ck_assert_int_eq(money_cmp(2, 2), 0);
	ck_assert_int_eq(money_cmp(3, 2), 1);
}
END_TEST

START_TEST(test_money_currency__digits_table)
{
	static const struct {
		const char *ccy;
		int digits;
	} digits[] = {
		{"USD", 2}, {"EUR", 2}, {"CHF", 2}, {"JPY", 0},
		{"KWD", 3}, {"CLF", 4}, {"ZZZ", ERR_INVALID},
	};

	for (size_t i = 0; i < HARNESS_N(digits); i++)
		ck_assert_msg(money_currency_digits(digits[i].ccy) == digits[i].digits,
			      "%s: %d, want %d", digits[i].ccy,
			      money_currency_digits(digits[i].ccy), digits[i].digits);
	ck_assert(money_currency_valid("BRL"));
	ck_assert(!money_currency_valid("brl"));
	ck_assert(!money_currency_valid(NULL));
}
END_TEST

START_TEST(test_money_rate_parse__accepts_decimals_refuses_the_rest)
{
	/* back: the rate formatted again (NULL: not checked) */
	static const struct {
		const char *text;
		int rc;
		const char *back;
	} cases[] = {
		{"1.1345", 0, "1.1345"},
		{"0.000523", 0, "0.000523"},
		{"110.50", 0, "110.5"},
		{"3", 0, NULL},
		{"0", ERR_INVALID, NULL},
		{"-1.2", ERR_INVALID, NULL},
		{"1e3", ERR_INVALID, NULL},
		{"1.", ERR_INVALID, NULL},
		{".5", ERR_INVALID, NULL},
		{"0.0000000000001", ERR_INVALID, NULL},
		{"", ERR_INVALID, NULL},
	};
	struct money_rate r;
	char s[MONEY_STR_MAX + 8];

	for (size_t i = 0; i < HARNESS_N(cases); i++) {
		int rc = money_rate_parse(&r, cases[i].text);

		ck_assert_msg(rc == cases[i].rc, "'%s': rc %d, want %d", cases[i].text, rc,
			      cases[i].rc);
		if (i == 0) {
			ck_assert_int_eq(r.mantissa, 11345);
			ck_assert_int_eq(r.scale, 4);
		}
		if (cases[i].back) {
			money_rate_format(s, r);
			ck_assert_str_eq(s, cases[i].back);
		}
	}
}
END_TEST

static void convert_case(const char *amount, const char *from, const char *rate,
			 const char *to, const char *want)
{
	struct money_rate r;
	int64_t a, v;
	char s[MONEY_STR_MAX];

	ck_assert_int_eq(money_parse(&a, amount, from), 0);
	ck_assert_int_eq(money_rate_parse(&r, rate), 0);
	ck_assert_msg(money_convert(&v, a, from, r, to) == 0, "%s", err_last());
	ck_assert_int_eq(money_format(s, v, to), 0);
	ck_assert_msg(strcmp(s, want) == 0, "%s %s at %s: got %s %s, want %s", amount, from,
		      rate, s, to, want);
}

START_TEST(test_money_convert__exact_with_half_away_rounding)
{
	struct money_rate r;
	int64_t v;

	convert_case("500000.00", "EUR", "1.1345", "USD", "567250.00");
	convert_case("1000", "JPY", "0.0091", "USD", "9.10");
	convert_case("1.000", "KWD", "3.3", "USD", "3.30");
	convert_case("0.01", "EUR", "1.5", "USD", "0.02");   /* 0.015 rounds up */
	convert_case("-0.01", "EUR", "1.5", "USD", "-0.02"); /* and away from zero */
	convert_case("0.01", "EUR", "1.4999", "USD", "0.01");
	convert_case("100.00", "USD", "1", "USD", "100.00");
	convert_case("12.34", "USD", "150.5", "JPY", "1857");
	ck_assert_int_eq(money_rate_parse(&r, "2"), 0);
	ck_assert_int_eq(money_convert(&v, INT64_MAX, "USD", r, "USD"), ERR_LIMIT);
	ck_assert_int_eq(money_convert(&v, 1, "USD", r, "XYZ"), ERR_INVALID);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test core[] = {
		{test_money_parse__table, (int)HARNESS_N(rows)},
		{test_money_parse__error_names_the_currency_digits, 0},
		{test_money_parse_positive__refuses_zero_and_negative, 0},
		{test_money_format__pads_small_amounts, 0},
		{test_money_add__detects_overflow, 0},
		{test_money_currency__digits_table, 0},
		{test_money_rate_parse__accepts_decimals_refuses_the_rest, 0},
		{test_money_convert__exact_with_half_away_rounding, 0},
	};
	Suite *s = suite_create("money");

	harness_add_tcase(s, "core", NULL, NULL, 0, core, HARNESS_N(core));
	return s;
}

int main(void)
{
	return harness_main(suite(), false);
}
