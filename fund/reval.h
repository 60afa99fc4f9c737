/*
 * reval.h - month-end revaluation at UN operational rates and corrections
 * of a stored rate (docs/controls.md "Month-end revaluation", docs/fund.md
 * "Rates").
 *
 * For month m, in USD minor units, from the running balances (fund_usd_months)
 * and the rates (fund_rates_*, fund/usd.h):
 *
 *   NA(m) = sum over assets and liabilities of their balance at the end of m
 *           at m's rate (each account rounded on its own);
 *   S(m)  = the surplus of m: minus the sum over revenue and expense
 *           accounts, except 4900-USD and 5900-USD, of their movement in m
 *           (debits minus credits, year-end closing entries left out) at
 *           m's rate;
 *   R(m)  = NA(m) - NA(m-1) - S(m)   (NA(m-1) at the rate of m-1).
 *
 * R > 0 is posted Dr 3900-USD / Cr 4900-USD, R < 0 Dr 5900-USD / Cr
 * 3900-USD, dated m's last day, once: fund_revaluations holds one current
 * row per month. Every rate the figures need is asked for; any missing is
 * ONE missing-rate refusal listing them all.
 *
 * Writes are one transaction each (joining the caller's if one is open:
 * db_tx), with their audit rows; entries go through fund_append. Call
 * ledger_store_setup and fund_setup on the connection first.
 */
#ifndef TFLEDGER_FUND_REVAL_H
#define TFLEDGER_FUND_REVAL_H

#include <jansson.h>
#include <libpq-fe.h>

struct fund_usd_month; /* fund/usd.h */

#include "ledger/ledger.h"

/* Prepares this file's statements (fund_setup calls it). */
int fund_reval_setup(PGconn *c);

/*
 * Revalues month ("YYYY-MM") and posts R(month) once. *out (the caller's):
 * {"month","amount","status","entry_id","reversed_entry_id","na","na_before",
 *  "surplus","rates":[{"currency","month","usd_per_unit"}]}, status
 * "posted" (no current row: a row is stored, with an entry unless R is 0),
 * "unchanged" (the current row has R already: nothing written) or
 * "reposted" (R differs: the old entry reversed, the row superseded, the
 * new one posted). ERR_INVALID: invalid-field (month), period-closed (the
 * month is closed), missing-rate (every missing (currency, month) listed);
 * ERR_CONFLICT if another revaluation of the month committed meanwhile;
 * ERR_INVALID if the chart has no 4900-USD (tfledger fund init).
 */
int fund_revalue(json_t **out, PGconn *c, const char *month, const struct ledger_actor *who);

/*
 * Read only: {"month","computed","posted","current","needed","entry_id",
 * "missing_rates"}: computed is R(month) now (null if rates are missing,
 * then listed in missing_rates), posted the current row's amount (null if
 * none), needed whether any monetary account outside USD has a balance at
 * the end of month or of the month before, and current true when the
 * posted row equals computed, or when nothing is needed, none is posted
 * and R is 0. A journal without the fund's chart (no 4900-USD: the
 * ledger's own use) has nothing to revalue: current true, needed false.
 * The close of a month calls it. ERR_INVALID for a bad month. It runs in
 * a transaction of its own, or joins the caller's (db_tx), where it turns
 * JIT off (set_config jit, local) for the rest of that transaction.
 */
int fund_revaluation_check(json_t **out, PGconn *c, const char *month);

/*
 * fund_revaluation_check, the same answer, from rows: fund_usd_months
 * (fund/usd.h) of a span that holds the month before month and month,
 * which a caller checking many months (the periods list) reads once
 * instead of once a month. rows stay the caller's.
 */
int fund_revaluation_check_rows(json_t **out, PGconn *c, const struct fund_usd_month *rows,
				size_t n, const char *month);

/* Every revaluation row, current and superseded, by month then id:
 * [{"id","month","amount","current","entry_id","reversal_entry_id",
 *   "posted_by","posted_at","superseded_at","rates"}]. */
int fund_revaluations_list(json_t **out, PGconn *c);

/*
 * Corrects a stored UN operational rate: body {"currency","month",
 * "usd_per_unit","reason"}. In one transaction: exchange_rates takes the
 * new value, rate_corrections keeps the old and the new with who and why,
 * the audit row `rate.correct`, and the months whose revaluation used it
 * (month and the month after) are revalued again where a revaluation is
 * posted. *out: {"currency","month","old","new","reason","revaluations":[
 * fund_revalue answers]}. Refused: invalid-field naming the field;
 * not-found if no rate is stored for the currency and month; conflict if
 * it is the stored value; period-closed if month or the month after is
 * closed.
 */
int fund_rate_correct(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who);

/* The corrections stored, newest first: [{"id","currency","month","old",
 * "new","reason","corrected_by","corrected_at"}]. */
int fund_rate_corrections_list(json_t **out, PGconn *c);

#endif
