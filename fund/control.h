/*
 * control.h - the funds control of the trust fund (docs/controls.md,
 * "Sources, allocations and what is available" and "Funds control"): what
 * each source (earmark, currency) has available, the allocations that set
 * a source's money aside for a budget line and a meeting, the meeting's
 * allocated budget that travel approvals must fit in, the countersigned
 * overruns that let one approval go beyond it, and the bank accounts'
 * overdraft limits that ledger_append's floor reads (migration 0050).
 *
 * Every write takes the request's JSON body (the CLI builds the same
 * object), validates it, and in ONE transaction (joining the caller's, if
 * one is open) stores its row, its entry through fund_append and its audit
 * row; a refusal stores nothing. Failures return a negative err code with
 * err_last() naming the field and the figures; err_code_of(rc) is the
 * contract's: invalid-field (400), not-found (404), insufficient-funds
 * (409), missing-rate (422), or the ledger's 422 codes.
 * On success *out is a new JSON reference the caller owns.
 *
 * Connections: fund_setup() prepares this file's statements too.
 */
#ifndef TFLEDGER_FUND_CONTROL_H
#define TFLEDGER_FUND_CONTROL_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "ledger/ledger.h"

/* Prepares this file's statements (fund_setup calls it). */
int fund_control_setup(PGconn *c);

/*
 * What each source has available as of as_of (YYYY-MM-DD), from the
 * running balances and the allocations dated up to it:
 * {"as_of","month","sources":[{"earmark":"travel"|"none","currency",
 *  "cash","travel_pool","allocated","obliged","spent","open_allocations",
 *  "overrun_obliged","available","formula","usd":{"amount","usd_per_unit"}}],
 *  "available_usd"}; a currency with no cash, pool or allocation is left out
 * (docs/controls.md says which figures each earmark's available reads).
 * The USD figures are at the UN operational rates of as_of's month: a
 * missing rate is one missing-rate error naming every currency and month.
 */
int fund_funds_available(json_t **out, PGconn *c, const char *as_of);

/*
 * What has been allocated to the travel line in currency ccy up to as_of
 * (the target amounts, in ccy): the part of the money for travel that left
 * the travel pool 8200 for a meeting's budget (fund_travel_available).
 */
int fund_travel_allocated(int64_t *out, PGconn *c, const char *ccy, const char *as_of);

/*
 * {"date","source":{"earmark","currency"},"line"?,"meeting"?,"year"?,
 *  "amount","currency"?,"memo"?}: sets amount (in the meeting's currency,
 * else "currency", else the source's) aside for line ("travel" with a
 * meeting, which it implies) of year (default date's year). Across
 * currencies the source amount is amount at the UN operational rates of
 * date's month (both stored). One memo entry (docs/controls.md), row
 * fund_allocations, audit allocation.add. insufficient-funds (409) naming
 * the source, the figures read and the amount short when the source's
 * available as of date, or as of the last day of the running balances if
 * later, is below the source amount; nothing is stored.
 * Runs under a transaction-scoped lock, so two allocations never both
 * spend the same money.
 */
int fund_allocation_add(json_t **out, PGconn *c, json_t *body,
			const struct ledger_actor *who);

/* Allocations, oldest first; meeting, line (NULL: any) and year (0: any)
 * filter them: an array of what fund_allocation_add answers. */
int fund_allocations_list(json_t **out, PGconn *c, const char *meeting, const char *line,
			  int year);

/* A meeting's allocated budget, in its currency (migration 0050's tables
 * and the trips of travel/). */
struct fund_meeting_budget {
	char currency[4];
	int64_t allocated_minor; /* the allocations of the meeting dated up to the day asked */
	int64_t obliged_minor;	 /* granted amounts of its approved trips (open obligations) */
	int64_t spent_minor;	 /* what its settled trips paid */
	int64_t overrun_minor;	 /* the largest countersigned overrun not yet used, 0 if none */
	long long overrun_id;	 /* that overrun's id, 0 if none */
	char sources[256];	 /* the allocations' sources: "travel EUR, none USD" */
};

/*
 * The budget of meeting as of date (allocations dated up to it; the trips
 * as they stand), read in the caller's transaction. ERR_NOTFOUND for an
 * unknown meeting.
 */
int fund_meeting_budget(struct fund_meeting_budget *out, PGconn *c, const char *meeting,
			const char *date);

/*
 * The funds control of a commitment of asked_minor on meeting, inside the
 * caller's transaction: 0 if obliged + spent + asked fits in the
 * allocated budget b; else, if a countersigned overrun not yet used covers
 * the excess, marks it used by used_by and writes its JSON into
 * *overrun_out (else *overrun_out stays NULL); else insufficient-funds
 * naming the meeting's allocation (sources), allocated, obliged, spent,
 * asked and short.
 */
int fund_meeting_commit(json_t **overrun_out, PGconn *c, const char *meeting,
			const struct fund_meeting_budget *b, int64_t asked_minor,
			const char *used_by);

/*
 * {"meeting","amount","reason"}: a finance user's countersignature that an
 * approval of meeting may exceed its allocated budget by up to amount (the
 * meeting's currency), once. Row fund_overruns (signed_by, signed_role:
 * who countersigned; the route table lets finance only), source "none"
 * (the fund's unearmarked money in that currency pays it), audit
 * overrun.countersign.
 */
int fund_overrun_add(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who);

/* Every countersigned overrun, oldest first, with used_by and used_at. */
int fund_overruns_list(json_t **out, PGconn *c);

/*
 * {"account","limit","reason"}: account (a bank account 10NN-CCY of type
 * asset) may go down to minus limit (its currency); limit 0 removes the
 * overdraft. Audit overdraft.set.
 */
int fund_overdraft_set(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who);

/* Every overdraft: [{"account","currency","limit","reason","set_by","set_at"}]. */
int fund_overdrafts_list(json_t **out, PGconn *c);

#endif
