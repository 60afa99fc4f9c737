/*
 * close.h - closing the books (docs/controls.md, "Programme support costs
 * and the operating reserve" and "Closing months and the year"):
 * programme support costs charged each month, months closed (when they
 * are ready, or with finance's acknowledgement of what is open) and
 * reopened by an admin, the list of months with what blocks each, and the
 * year-end close that moves the year's surplus or deficit into
 * accumulated net assets and sets the operating cash reserve.
 *
 * Every write is ONE transaction (db_tx, joining the caller's: the route's
 * Idempotency-Key record commits with it) holding its rows, its entries
 * (fund_append) and its audit row; a refusal stores nothing. Closing and
 * reopening take the journal's head lock (which ledger_append() takes to
 * finish every append), so no entry can commit into a month between its
 * checks and its close.
 *
 * Connections: ledger_store_setup, then fund_setup (which calls
 * fund_close_setup). Failures return a negative err code with err_last();
 * the contract codes: invalid-field (400), forbidden (403), conflict
 * (409), period-not-ready (409, every open item in one message),
 * period-closed and missing-rate (422). On success *out is a new JSON
 * reference the caller owns.
 */
#ifndef TFLEDGER_FUND_CLOSE_H
#define TFLEDGER_FUND_CLOSE_H

#include <jansson.h>
#include <libpq-fe.h>

#include "ledger/ledger.h"

/* Prepares this file's statements (fund_setup calls it). */
int fund_close_setup(PGconn *c);

/*
 * Charges the programme support costs of month ("YYYY-MM"): base = the
 * month's expenditure in USD on the expense accounts of every budget line
 * but psc (each account's movement at the month's UN rate, fund/usd.h),
 * amount = base x settings fund.psc_rate (exact, half away from zero; 0
 * when the base is not positive), entry Dr 5800-USD / Cr 2300-USD dated
 * the month's last day, row fund_psc_charges, audit psc.charge. The same
 * base and rate as stored: nothing changes ("changed": false). Another
 * base: the old entry is reversed and a new one posted (audit object
 * names the reversed entry). period-closed (422) in a closed month;
 * missing-rate (422) listing every missing rate. *out:
 * {"month","base","rate","amount","currency":"USD","entry_id",
 *  "reversed_entry_id","changed","accounts":[{"account","movement","usd"}]}.
 */
int fund_psc_charge(json_t **out, PGconn *c, const char *month,
		    const struct ledger_actor *who);

/*
 * Closes month ("YYYY-MM") if it is ready: its revaluation posted and
 * current, its programme support costs charged and current, every linked
 * statement account with statements closing in or before it signed off to
 * its last closing date. body: {} or {"acknowledge":[{"item","reason"}]}:
 * an open item finance (or admin) acknowledges, with a reason of 1-1000
 * characters, does not block. Open items not acknowledged: ONE
 * period-not-ready (409) naming them all; an item acknowledged that is not
 * open: invalid-field; already closed: conflict. Writes closed_periods,
 * period_events (close, the acknowledgements) and the audit row
 * period.close. *out: {"period","status":"closed","closed_by",
 * "acknowledged":[{"item","reason","what"}]}.
 */
int fund_period_close(json_t **out, PGconn *c, const char *month, json_t *body,
		      const struct ledger_actor *who);

/*
 * Reopens closed month (admin only: forbidden otherwise), body
 * {"reason"} (1-1000 characters): deletes its closed_periods row under the
 * head lock, writes period_events (reopen) and audit period.reopen, and
 * makes this process forget the closed months it remembers. conflict if
 * the month is open or belongs to a closed year. *out: {"period",
 * "status":"open","reason","reopened_by"}.
 */
int fund_period_reopen(json_t **out, PGconn *c, const char *month, json_t *body,
		       const struct ledger_actor *who);

/*
 * Every month that has entries, a close or an event, oldest first:
 * [{"month","status":"open"|"closed","closed_at","closed_by","ready",
 *   "open_items":[{"item","what"}],"events":[{"action","reason",
 *   "acknowledged","by","role","at"}]}].
 */
int fund_periods_list(json_t **out, PGconn *c);

/*
 * The year-end close of year (2000-2100): every month before December
 * that has entries closed, December ready (as fund_period_close, body
 * alike); posts dated YEAR-12-31 one entry per currency moving every
 * revenue and expense account's balance into 3100-CCY, then the operating
 * reserve: target = settings fund.operating_reserve_rate x the year's
 * final budget (budgets, highest revision per line; 0 if none), entry
 * between 3100-USD and 3200-USD for target less the reserve's balance;
 * stores fund_year_closes (surplus in USD = the sum over the months of
 * S(m) + R(m), docs/controls.md) and closes December. A closed year:
 * conflict. *out: {"year","surplus","currency":"USD","currencies":[...],
 * "reserve":{...},"entry_ids":[...],"december":{...}}.
 */
int fund_year_close(json_t **out, PGconn *c, int year, json_t *body,
		    const struct ledger_actor *who);

/* Every year with entries or a close: [{"year","closed",...the close}]. */
int fund_years_list(json_t **out, PGconn *c);

#endif
