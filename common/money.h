/*
 * money.h - exact amounts: int64 minor units plus an ISO 4217 currency.
 *
 * The outside form of an amount is a decimal string with exactly the
 * currency's ISO 4217 minor digits ("1250.00" USD, "1250" JPY, "1.250" KWD);
 * it is canonical: format(parse(s)) == s for every accepted s. Inside, an
 * amount is int64 minor units in [-INT64_MAX, INT64_MAX] (INT64_MIN is never
 * produced, so negation is always safe). No floating point anywhere.
 * The digits table is generated from common/iso4217.tsv (ISO 4217 List One).
 */
#ifndef TFLEDGER_MONEY_H
#define TFLEDGER_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest formatted amount: sign, 19 digits, point, NUL, with room. */
#define MONEY_STR_MAX 24

/*
 * The number of minor digits of an active ISO 4217 currency (0 to 4), or
 * ERR_INVALID with a message if code is not one (3 upper-case letters that
 * name a currency with minor units).
 */
int money_currency_digits(const char *code);

/* True if code is an ISO 4217 currency this program accepts. */
bool money_currency_valid(const char *code);

/*
 * Parses s (NUL-terminated) as an amount of currency ccy into *out.
 * Accepted: an optional '-', digits without superfluous leading zeros, and
 * exactly the currency's minor digits after a '.' (no '.' when it has none).
 * Refused with ERR_INVALID and a message: empty, spaces, '+', exponents,
 * wrong number of decimals, "-0.00", anything beyond INT64_MAX minor units
 * (ERR_LIMIT), unknown currency.
 */
int money_parse(int64_t *out, const char *s, const char *ccy);

/* Like money_parse, and also refuses amounts <= 0. */
int money_parse_positive(int64_t *out, const char *s, const char *ccy);

/*
 * Writes minor units as the canonical decimal string of ccy into out
 * (MONEY_STR_MAX bytes). Returns 0, or ERR_INVALID for an unknown currency.
 */
int money_format(char out[MONEY_STR_MAX], int64_t minor, const char *ccy);

/* *out = a + b, or ERR_LIMIT if the result leaves [-INT64_MAX, INT64_MAX]. */
int money_add(int64_t *out, int64_t a, int64_t b);

/* *out = a - b, with the same check. */
int money_sub(int64_t *out, int64_t a, int64_t b);

/* *out = -a; always succeeds for amounts this module produced. */
int money_negate(int64_t *out, int64_t a);

/* -1, 0 or 1. */
int money_cmp(int64_t a, int64_t b);

/*
 * An exchange rate, exact: value = mantissa / 10^scale (e.g. "0.8765" is
 * {8765, 4}). Rates are positive and have at most MONEY_RATE_SCALE_MAX
 * decimal places.
 */
#define MONEY_RATE_SCALE_MAX 12
struct money_rate {
	int64_t mantissa;
	int scale;
};

/*
 * Parses a positive decimal rate such as "1.1234" or "0.000523" (digits,
 * at most one '.', no sign, no exponent, no spaces; at most
 * MONEY_RATE_SCALE_MAX decimals). ERR_INVALID with a message otherwise.
 */
int money_rate_parse(struct money_rate *out, const char *s);

/* The same rate with no trailing zeros in its mantissa ({11420, 4} is
 * {1142, 3}): equal rates are then equal fields. */
struct money_rate money_rate_normal(struct money_rate r);

/* Writes the rate back as its shortest decimal string (no trailing zeros). */
void money_rate_format(char out[MONEY_STR_MAX + 8], struct money_rate r);

/*
 * Converts amount_minor of currency from into currency to at rate (units of
 * `to` per unit of `from`), exactly, rounding half away from zero to the
 * minor unit of `to`. ERR_LIMIT if the result does not fit; ERR_INVALID for
 * an unknown currency.
 */
int money_convert(int64_t *out, int64_t amount_minor, const char *from,
		  struct money_rate rate, const char *to);

#endif
