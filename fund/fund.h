/*
 * fund.h - the fund's books on top of the journal: the chart of accounts of
 * a UN trust fund, donors, pledges (indicative and signed), receipts, gifts
 * in kind, UN operational rates of exchange, and the money available for
 * travel (docs/fund.md lists the entries each operation makes).
 *
 * One way to do each thing: every write takes the request's JSON body (the
 * CLI builds the same object from its flags), validates it, and in ONE
 * transaction stores its row, appends its balanced entries to the journal
 * through ledger_append() (ledger/append.c) with its audit row. Any
 * failure leaves the database exactly as it was.
 *
 * Connections: call ledger_store_setup() (or ledger_store_setup_owner())
 * first, then fund_setup() once. Failures return a negative err code
 * with err_last() naming the field; err_code_of(rc) is then the HTTP
 * contract's code (common/err.h): invalid-field (400), not-found (404),
 * conflict (409), unknown-account / currency-mismatch / unbalanced-entry /
 * period-closed (422), and two of this module, both 422: over-payment
 * (a receipt above what is open without allow_overpayment) and
 * missing-rate (no UN operational rate for a currency and month needed).
 * On success *out (where there is one) is a new JSON
 * reference the caller owns, shaped as docs/fund.md says.
 */
#ifndef TFLEDGER_FUND_FUND_H
#define TFLEDGER_FUND_FUND_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "common/csv.h"
#include "common/money.h"
#include "ledger/ledger.h"

/* The token id of entries the CLI posts straight to the database
 * (migrations/0020: a revoked token that can never authenticate). */
#define LEDGER_FUND_CLI_TOKEN_ID "0000000000000000"

/* Prepares this module's statements on c (after ledger_store_setup). */
int fund_setup(PGconn *c);

/*
 * Creates the chart of accounts (docs/fund.md) where missing; idempotent.
 * *created_out counts the accounts created now. ERR_CONFLICT if an account
 * with one of the chart's codes exists with another name, type or currency.
 */
int fund_init(int *created_out, PGconn *c, const struct ledger_actor *who);

/*
 * Creates the chart's accounts of currency ccy (every per-currency row of
 * the chart: bank, receivables, revenue, expenses, memo; docs/fund.md)
 * where missing, in the caller's transaction if one is open: a donor's
 * first pledge in a new ISO 4217 currency needs nothing made by hand.
 * *created_out counts the accounts created (0 when all exist). ERR_INVALID
 * (invalid-field "currency") if ccy is not an ISO 4217 code; ERR_CONFLICT as
 * fund_init.
 */
int fund_currency_ensure(int *created_out, PGconn *c, const char *ccy,
			 const struct ledger_actor *who);

/* The chart as JSON: [{"code","name","type","currency"}...] (no database). */
json_t *fund_chart_json(void);

/* {"id","name","org_type","country"}: country may be null. */
int fund_donor_add(json_t **out, PGconn *c, json_t *body,
		   const struct ledger_actor *who);

/*
 * Donors sorted by what they gave: the instructed amounts of their
 * receipts in USD, each at the UN operational rate of its month (rounded
 * half away from zero per receipt), largest first, then by id. Each donor
 * carries the rates used. Missing rates: ONE "missing-rate" naming every
 * (currency, month) missing (fund_rates_missing_error, fund/usd.h).
 */
int fund_donors_list(json_t **out, PGconn *c);

/*
 * {"donor","date","amount","currency","earmark"?,"agreement"?,"signed_on"?}:
 * without agreement an indicative pledge (no entry); with it, signed at
 * once (signed_on defaults to date). currency: any ISO 4217 code; the
 * first pledge (or gift in kind) in it makes its accounts in the same
 * transaction (fund_currency_ensure); the answer's
 * "currency_accounts_created" says how many.
 */
int fund_pledge_add(json_t **out, PGconn *c, json_t *body,
		    const struct ledger_actor *who);

/* Signs indicative pledge id: {"agreement","date","amount"?}. */
int fund_pledge_sign(json_t **out, PGconn *c, long long id, json_t *body,
		     const struct ledger_actor *who);

/*
 * One page of the pledges, each with what receipts settled and what is
 * open, in id order: those with an id above after (0: from the first),
 * at most limit (1..LIMIT_LIST_ROWS). *out (the caller's):
 * {"pledges":[...],"next": the cursor of the next page, or null}.
 */
int fund_pledges_list(json_t **out, PGconn *c, int64_t after, int limit);

/*
 * {"pledge","date","bank_account","amount","instructed_amount"?,"charges"?,
 *  "allow_overpayment"?,"bank_line"?}: amount is what the bank booked, in
 * the bank account's currency; instructed_amount what the donor sent, in
 * the pledge's currency (defaults to amount when the currencies agree; the
 * difference is bank charges). charges (bank currency) only when they
 * differ. Above what is open: "over-payment" unless allow_overpayment.
 * Across currencies the realised exchange difference is a second entry in
 * the same transaction (docs/fund.md: Dr 3900-USD / Cr 4910-USD a gain,
 * Dr 5910-USD / Cr 3900-USD a loss; the answer's "realised"); a missing
 * rate of either currency for the receipt's month is "missing-rate"
 * naming both, and nothing is stored.
 */
int fund_receipt_add(json_t **out, PGconn *c, json_t *body,
		     const struct ledger_actor *who);

/*
 * fund_receipt_add, saying how a bank_line came to be matched: with
 * "bank_line", the receipt's debit of the bank account is stored as that
 * line's match (bank_line_matches, kind receipt, migration 0042) in the
 * same transaction, how = "auto" (reconcile), "confirmed" (a person
 * confirmed the suggestion) or "recorded" (what fund_receipt_add says: a
 * person recorded it from the line), matched_by = ledger_actor_user(who).
 * A line matched already is ERR_CONFLICT, and nothing is stored.
 */
int fund_receipt_add_matched(json_t **out, PGconn *c, json_t *body,
			     const struct ledger_actor *who, const char *how);

/* One page of the receipts (as fund_pledges_list pages: {"receipts":[...],
 * "next"}), each with its USD figure and the rate used; where its month
 * has no rate "usd" is null and "missing_rate" {"currency","month"} says
 * which rate that figure needs. */
int fund_receipts_list(json_t **out, PGconn *c, int64_t after, int limit);

/* {"donor","kind":"service"|"goods","description","amount","currency",
 *  "period_start","period_end"}. */
int fund_inkind_add(json_t **out, PGconn *c, json_t *body,
		    const struct ledger_actor *who);
/* One page of the gifts in kind (as fund_pledges_list pages:
 * {"in_kind":[...],"next"}). */
int fund_inkind_list(json_t **out, PGconn *c, int64_t after, int limit);

/*
 * Loads a CSV of UN operational rates (header currency,month,usd_per_unit,
 * any column order) in one transaction: a bad line is ERR_INVALID naming
 * file, line and column, and nothing is stored. A rate already stored with
 * the same value is skipped; with another value it is refused. *out is
 * {"file","stored","unchanged"}.
 */
int fund_rates_import(json_t **out, PGconn *c, const char *path,
		      const struct ledger_actor *who);
/* The same for a CSV document of len bytes at doc (an HTTP request body),
 * named name in messages ("name:LINE: column N (FIELD): ..."). */
int fund_rates_import_csv(json_t **out, PGconn *c, const char *doc, size_t len,
			  const char *name, const struct ledger_actor *who);
int fund_rates_list(json_t **out, PGconn *c);

/* The columns of a rates CSV, from its header (fund_rates_header). */
struct fund_rates_columns {
	size_t col[3];   /* of currency, month and usd_per_unit */
	size_t n_header; /* fields in the header: every record has as many */
};

/* One record of a rates CSV, checked with no database (fund_rates_row). */
struct fund_rate_row {
	char currency[4];
	char month[8];           /* YYYY-MM */
	struct money_rate rate;  /* normalised (money_rate_normal) */
	const char *value;       /* usd_per_unit as written: rd's, valid until
				    its next csv_next */
};

/*
 * The pure half of the rates import, which the import runs and
 * fuzz/fuzz_csv_rates.c fuzzes: fund_rates_header reads the header record
 * of rd (ERR_INVALID "NAME: empty file ..." or "NAME:LINE: the header has
 * no column X", or csv_next's error); fund_rates_row checks rd's current
 * record against it (ERR_INVALID "NAME:LINE: column N (FIELD): what").
 */
int fund_rates_header(struct fund_rates_columns *out, csv_reader *rd);
int fund_rates_row(struct fund_rate_row *out, csv_reader *rd,
		   const struct fund_rates_columns *cols);

/* USD per unit of currency in month YYYY-MM (USD: 1); "missing-rate". */
int fund_rate(struct money_rate *out, PGconn *c, const char *currency,
	      const char *month);

/*
 * The money available for travel as of date (YYYY-MM-DD), per currency,
 * from the balances of the journal: earmarked travel funds (memo 8200),
 * less travel obligations (memo 8100) and travel expenses (5200); and the
 * total in USD at the rates of the as-of month.
 */
int fund_travel_available(json_t **out, PGconn *c, const char *as_of);

/*
 * Appends e (postings, date, memo, reference set by the caller; e is
 * stamped, checked and chained here) to the journal inside the caller's
 * open transaction, with an audit row (action, object = the entry id).
 * ERR_INVALID with the ledger's contract code for an entry it refuses.
 */
int fund_append(PGconn *c, struct ledger_entry *e, const struct ledger_actor *who,
		const char *action);

#endif
