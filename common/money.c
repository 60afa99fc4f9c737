/*
 * money.c - parsing, formatting and checked arithmetic of minor units.
 *
 * Invariant: every amount this module produces lies in
 * [-INT64_MAX, INT64_MAX], and its string form is canonical (one string per
 * amount and currency). No floating point is used anywhere.
 */
#include "common/money.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/text.h"
#include "common/iso4217.h"

static int cmp_code(const void *key, const void *elem)
{
	const struct iso4217_currency *c = elem;

	return strcmp(key, c->code);
}

static const struct iso4217_currency *lookup(const char *code)
{
	if (!code || strlen(code) != 3)
		return NULL;
	return bsearch(code, iso4217_table, iso4217_count,
		       sizeof(iso4217_table[0]), cmp_code);
}

int money_currency_digits(const char *code)
{
	const struct iso4217_currency *c = lookup(code);

	if (!c)
		return err_set(ERR_INVALID,
			       "\"%s\" is not an ISO 4217 currency code",
			       code ? code : "");
	return c->digits;
}

bool money_currency_valid(const char *code)
{
	return lookup(code) != NULL;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ERR_INVALID for the character at p of amount s, named whole (a digit of
 * another script, U+0663, is more than one byte and no ASCII digit). */
static int bad_char(const char *s, const char *p)
{
	struct text_utf8 d = {0};
	size_t n = 0;
	int r = 0;

	while (p[n] && (r = text_utf8_feed(&d, (unsigned char)p[n])) == 0)
		n++;
	if (r == 1 && d.cp >= 0x80 && text_char_ok(d.cp))
		return err_set(ERR_INVALID, "amount \"%s\": unexpected character '%.*s' (U+%04X;"
				      " expected ASCII digits, a decimal like \"1250.00\")",
			       s, (int)n + 1, p, (unsigned)d.cp);
	if (r == 1 && text_char_ok(d.cp))
		return err_set(ERR_INVALID, "amount \"%s\": unexpected character '%c' "
				      "(expected a decimal like \"1250.00\")", s, *p);
	return err_set(ERR_INVALID, "amount: unexpected bytes (expected a decimal like"
			      " \"1250.00\")");
}

int money_parse(int64_t *out, const char *s, const char *ccy)
{
	int digits = money_currency_digits(ccy);
	const char *p = s;
	bool negative = false;
	uint64_t v = 0;
	int frac = -1; /* digits seen after '.', -1 before it */
	int intpart = 0;

	if (digits < 0)
		return digits;
	if (!s || *s == '\0')
		return err_set(ERR_INVALID, "empty amount");
	if (*p == '-') {
		negative = true;
		p++;
	}
	for (; *p; p++) {
		if (*p == '.') {
			if (frac >= 0)
				return err_set(ERR_INVALID,
					       "amount \"%s\": more than one '.'", s);
			if (intpart == 0)
				return err_set(ERR_INVALID,
					       "amount \"%s\": digits expected before '.'", s);
			frac = 0;
			continue;
		}
		if (!is_digit(*p))
			return bad_char(s, p);
		if (frac < 0) {
			if (intpart == 1 && v == 0)
				return err_set(ERR_INVALID,
					       "amount \"%s\": superfluous leading zero", s);
			intpart++;
		} else {
			frac++;
		}
		if (v > (UINT64_MAX - 9) / 10)
			return err_set(ERR_LIMIT,
				       "amount \"%s\" is too large for 64-bit minor units", s);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (intpart == 0)
		return err_set(ERR_INVALID, "amount \"%s\": no digits", s);
	if (frac < 0)
		frac = 0;
	else if (frac == 0)
		return err_set(ERR_INVALID, "amount \"%s\": digits expected after '.'", s);
	if (frac != digits)
		return err_set(ERR_INVALID,
			       "amount \"%s\": %s takes exactly %d decimal digit%s",
			       s, ccy, digits, digits == 1 ? "" : "s");
	if (v > (uint64_t)INT64_MAX)
		return err_set(ERR_LIMIT,
			       "amount \"%s\" is too large for 64-bit minor units", s);
	if (negative && v == 0)
		return err_set(ERR_INVALID, "amount \"%s\": negative zero", s);
	*out = negative ? -(int64_t)v : (int64_t)v;
	return 0;
}

int money_parse_positive(int64_t *out, const char *s, const char *ccy)
{
	int64_t v;
	int rc = money_parse(&v, s, ccy);

	if (rc < 0)
		return rc;
	if (v <= 0)
		return err_set(ERR_INVALID, "amount \"%s\" must be greater than zero", s);
	*out = v;
	return 0;
}

int money_format(char out[MONEY_STR_MAX], int64_t minor, const char *ccy)
{
	int digits = money_currency_digits(ccy);
	char rev[MONEY_STR_MAX];
	uint64_t v;
	int n = 0, i = 0;

	if (digits < 0)
		return digits;
	ASSERT(minor != INT64_MIN);
	v = minor < 0 ? (uint64_t)(-minor) : (uint64_t)minor;
	do {
		if (n == digits && digits > 0)
			rev[n++] = '.';
		rev[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 || n <= digits);
	if (minor < 0)
		out[i++] = '-';
	while (n > 0)
		out[i++] = rev[--n];
	out[i] = '\0';
	return 0;
}

int money_add(int64_t *out, int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r) || r == INT64_MIN)
		return err_set(ERR_LIMIT, "amount overflows 64-bit minor units");
	*out = r;
	return 0;
}

int money_sub(int64_t *out, int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r) || r == INT64_MIN)
		return err_set(ERR_LIMIT, "amount overflows 64-bit minor units");
	*out = r;
	return 0;
}

int money_negate(int64_t *out, int64_t a)
{
	if (a == INT64_MIN)
		return err_set(ERR_LIMIT, "amount overflows 64-bit minor units");
	*out = -a;
	return 0;
}

int money_cmp(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

int money_rate_parse(struct money_rate *out, const char *s)
{
	int64_t v = 0;
	int scale = -1;
	int ndigits = 0;

	if (!s || !*s)
		return err_set(ERR_INVALID, "empty rate");
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (scale >= 0 || ndigits == 0)
				return err_set(ERR_INVALID, "rate \"%s\": misplaced '.'", s);
			scale = 0;
			continue;
		}
		if (!is_digit(*p))
			return err_set(ERR_INVALID,
				       "rate \"%s\": unexpected character '%c' "
				       "(expected a decimal like \"1.1234\")", s, *p);
		if (v > (INT64_MAX - 9) / 10)
			return err_set(ERR_LIMIT, "rate \"%s\": too many digits", s);
		v = v * 10 + (*p - '0');
		ndigits++;
		if (scale >= 0)
			scale++;
	}
	if (scale == 0)
		return err_set(ERR_INVALID, "rate \"%s\": digits expected after '.'", s);
	if (scale < 0)
		scale = 0;
	if (scale > MONEY_RATE_SCALE_MAX)
		return err_set(ERR_INVALID, "rate \"%s\": more than %d decimals", s,
			       MONEY_RATE_SCALE_MAX);
	if (v == 0)
		return err_set(ERR_INVALID, "rate \"%s\" must be greater than zero", s);
	out->mantissa = v;
	out->scale = scale;
	return 0;
}

struct money_rate money_rate_normal(struct money_rate r)
{
	while (r.scale > 0 && r.mantissa % 10 == 0) {
		r.mantissa /= 10;
		r.scale--;
	}
	return r;
}

void money_rate_format(char out[MONEY_STR_MAX + 8], struct money_rate r)
{
	char digits[32];
	int n, i = 0;
	int64_t m = r.mantissa;
	int scale = r.scale;

	while (scale > 0 && m % 10 == 0) {
		m /= 10;
		scale--;
	}
	n = snprintf(digits, sizeof(digits), "%lld", (long long)m);
	if (scale == 0) {
		memcpy(out, digits, (size_t)n + 1);
		return;
	}
	if (n <= scale) {
		out[i++] = '0';
		out[i++] = '.';
		for (int z = 0; z < scale - n; z++)
			out[i++] = '0';
		memcpy(out + i, digits, (size_t)n + 1);
		return;
	}
	memcpy(out, digits, (size_t)(n - scale));
	out[n - scale] = '.';
	memcpy(out + n - scale + 1, digits + n - scale, (size_t)scale + 1);
}

int money_convert(int64_t *out, int64_t amount_minor, const char *from,
		  struct money_rate rate, const char *to)
{
	int from_digits = money_currency_digits(from);
	int to_digits = money_currency_digits(to);
	__int128 num, den = 1, q, r;
	int shift;

	if (from_digits < 0)
		return from_digits;
	if (to_digits < 0)
		return to_digits;
	/* result = amount * mantissa * 10^to_digits / (10^scale * 10^from_digits) */
	num = (__int128)amount_minor * rate.mantissa;
	shift = to_digits - from_digits - rate.scale;
	for (; shift > 0; shift--) {
		if (num > ((__int128)INT64_MAX * 1000) || num < -((__int128)INT64_MAX * 1000))
			return err_set(ERR_LIMIT, "converted amount overflows 64-bit minor units");
		num *= 10;
	}
	for (; shift < 0; shift++)
		den *= 10;
	q = num / den;
	r = num % den;
	if (r < 0)
		r = -r;
	if (2 * r >= den)
		q += num < 0 ? -1 : 1;
	if (q > INT64_MAX || q < -INT64_MAX)
		return err_set(ERR_LIMIT, "converted amount overflows 64-bit minor units");
	*out = (int64_t)q;
	return 0;
}
