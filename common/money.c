/*
 * money.c - parsing, formatting and checked arithmetic of minor units.
 *
 * Invariant: every amount this module produces lies in
 * [-INT64_MAX, INT64_MAX], and its string form is canonical (one string per
 * amount and currency). No floating point is used anywhere.
 */
#include "common/money.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
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
			return err_set(ERR_INVALID,
				       "amount \"%s\": unexpected character '%c' "
				       "(expected a decimal like \"1250.00\")",
				       s, *p);
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
