/*
 * usd.h - the fund's figures in US dollars, one way for every control and
 * statement that needs them (docs/controls.md, "Figures in USD"):
 *
 * - a figure of currency C in month M is converted at the UN operational
 *   rate of C for M (exchange_rates; USD is 1), exactly, rounded half away
 *   from zero (money_convert);
 * - what needs several rates asks for all of them and, when some are
 *   missing, refuses ONCE with the list of every missing (currency, month)
 *   (missing-rate, 422), or shows what it could and names the rest: a
 *   missing rate never stops at the first one;
 * - an account's month is its running balance at the end of the month
 *   before (opening), at the end of the month or the day asked (closing),
 *   and the movement between them less the year-end closing entries of that
 *   month (fund_year_closes), from the running balances (balances), so
 *   that it costs the same with a million postings as with ten.
 *
 * Nothing here writes; every function reads in the caller's transaction
 * (a report's snapshot).
 */
#ifndef TFLEDGER_FUND_USD_H
#define TFLEDGER_FUND_USD_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/money.h"
#include "ledger/ledger.h"

/* Prepares this file's statements (fund_setup calls it). */
int fund_usd_setup(PGconn *c);

/* Every UN operational rate stored, and the rates asked for and missing. */
typedef struct fund_rates fund_rates;

/* Loads every stored rate (a small table: currencies x months). */
int fund_rates_load(fund_rates **out, PGconn *c);
void fund_rates_free(fund_rates *r);

/*
 * The rate of ccy in month ("YYYY-MM"): 0, or 1 when it is missing (the
 * pair is remembered for fund_rates_missing_*; *out is then {1, 0}).
 */
int fund_rates_get(struct money_rate *out, fund_rates *r, const char *ccy, const char *month);

/*
 * minor of ccy in USD at the month's rate: 0; 1 when the rate is missing
 * (remembered; *usd_out 0); ERR_LIMIT (too-large) if it does not fit.
 */
int fund_rates_usd(int64_t *usd_out, fund_rates *r, int64_t minor, const char *ccy,
		   const char *month);

/* True if any rate asked for was missing. */
bool fund_rates_any_missing(const fund_rates *r);

/* The missing pairs asked for, in order of currency then month:
 * [{"currency","month"}] (new reference; an empty array if none). */
json_t *fund_rates_missing_json(const fund_rates *r);

/*
 * ERR_INVALID with EC_MISSING_RATE: "no UN operational rate for GBP
 * 2019-03, GBP 2019-04, CHF 2019-04 (tfledger rates import)", every
 * missing pair in one message; 0 if none is missing.
 */
int fund_rates_missing_error(const fund_rates *r);

/* One account in one month (debit balances: debits minus credits). */
struct fund_usd_month {
	char account[LEDGER_CODE_BYTES];
	char type[16];    /* asset, liability, net_assets, revenue, expense */
	char currency[4];
	char month[8];    /* YYYY-MM */
	int64_t opening_minor;  /* at the end of the month before */
	int64_t closing_minor;  /* at the end of the month, or at to_day in its month */
	int64_t closing_entries_minor; /* the year-end closing entries' part of the month */
	int64_t movement_minor; /* closing - opening - closing_entries */
};

/*
 * Every account that is not memo, for each month from from_month
 * ("YYYY-MM") to the month of to_day ("YYYY-MM-DD"; its closing is at
 * to_day), ordered by account then month: a malloc'd array of *n_out rows
 * (free it). ERR_INVALID naming the field if from_month or to_day is not a
 * month or a date, or from_month is after to_day.
 */
int fund_usd_months(struct fund_usd_month **out, size_t *n_out, PGconn *c,
		    const char *from_month, const char *to_day);

/* True for the monetary items that month-end revaluation translates at the
 * closing rate: assets and liabilities (memo accounts are not). */
bool fund_usd_monetary(const char *type);

#endif
