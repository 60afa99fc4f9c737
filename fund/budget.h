/*
 * budget.h - the trust fund's annual budget per budget line (migration
 * 0050: budget_lines, budgets) and where it stands as of any day: budget,
 * obligations, expenditure and balance per line and per meeting
 * (docs/controls.md, "Budgets"), the figures of the budget-status and
 * budget-comparison reports (IPSAS 24).
 *
 * A budget is set in USD per (year, line): the first row is revision 0,
 * the original budget; each later set is a new row, revision n+1, and the
 * highest revision is the final budget. Rows are never changed.
 *
 * The status reads, never writes; every USD figure goes through fund/usd.h
 * (the UN operational rate of the figure's month, every missing rate in
 * one refusal). Connections: fund_setup() prepares this file's statements.
 */
#ifndef TFLEDGER_FUND_BUDGET_H
#define TFLEDGER_FUND_BUDGET_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "common/money.h"
#include "ledger/ledger.h"

/* Prepares this file's statements (fund_setup calls it). */
int fund_budget_setup(PGconn *c);

/*
 * Sets the budget of a line for a year: {"year","line","amount","reason"?},
 * year an integer 2000-2100, amount USD (>= 0). The first of (year, line) is
 * revision 0; each later one revision n+1, for which reason (1-1000 bytes)
 * is required. One transaction with its audit row (budget.set, object
 * "YEAR/LINE/REVISION"). An unknown line is invalid-field naming it and
 * the lines there are. *out: {"year","line","name","revision","amount",
 * "currency":"USD","reason","set_by","set_at","original"}.
 */
int fund_budget_set(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who);

/*
 * The budgets of year (0: every year) by year and line position:
 * [{"year","line","name","original","final","revisions":[{"revision",
 * "amount","reason","set_by","set_at"}]}].
 */
int fund_budgets_list(json_t **out, PGconn *c, int year);

/* What a figure of a line sums. */
enum fund_budget_kind {
	FUND_BUDGET_OBLIGATION, /* a memo account's balance at as_of (8100-CCY) */
	FUND_BUDGET_EXPENSE     /* an expense account's movement in one month */
};

/* One account's part of a line's obligations or expenditure. */
struct fund_budget_figure {
	size_t line; /* index into status lines */
	enum fund_budget_kind kind;
	char account[LEDGER_CODE_BYTES];
	char currency[4];
	char month[8];         /* YYYY-MM: the month of the rate (and of the movement) */
	int64_t amount_minor;  /* in currency, debit positive */
	int64_t usd_minor;     /* at the UN operational rate of month */
	struct money_rate rate; /* USD per unit of currency */
};

/* An allocation to a line in the year up to as_of (fund_allocations). */
struct fund_budget_allocation {
	size_t line;
	long long id;
	char date[11];
	char meeting[33]; /* "" for none */
	char source_earmark[8];
	char source_currency[4];
	int64_t source_minor;
	char currency[4];
	int64_t amount_minor;
	int64_t usd_minor; /* at the rate of the allocation's month */
};

/* A budget line as of as_of, in USD. */
struct fund_budget_line {
	char id[33];
	char name[201];
	int revisions; /* 0: no budget set for the year */
	int64_t original_minor, final_minor;
	int64_t obligations_minor, expenditure_minor, balance_minor; /* balance: final - both */
	int64_t allocated_usd_minor;
};

/* A meeting of the year, in its currency. */
struct fund_budget_meeting {
	char id[33];
	char name[201];
	char currency[4];
	int64_t allocated_minor;   /* its allocations of the year up to as_of */
	int64_t obligations_minor; /* approved trips' granted amounts open at as_of */
	int64_t expenditure_minor; /* settled trips' airfare + DSA, Jan 1 to as_of */
	int64_t balance_minor;     /* allocated - obligations - expenditure */
	int64_t overruns_minor;    /* countersigned overruns in its currency */
};

struct fund_budget_status {
	int year;
	char as_of[11];
	struct fund_budget_line *lines; /* by position */
	size_t n_lines;
	struct fund_budget_figure *figures; /* by line, kind (obligations first), account, month */
	size_t n_figures;
	struct fund_budget_allocation *allocations; /* by line, date, id */
	size_t n_allocations;
	struct fund_budget_meeting *meetings; /* by start, id */
	size_t n_meetings;
	/* the meetings' figures added up per currency (id and name empty), in
	 * the order of each currency's first meeting */
	struct fund_budget_meeting *meeting_totals;
	size_t n_meeting_totals;
	struct fund_budget_line totals; /* id and name empty */
};

/*
 * The budget of year as of as_of ("YYYY-MM-DD" in year), read in the
 * caller's transaction (a report's snapshot) or alone: per line the
 * original and final budgets, the obligations open at as_of (the line's
 * obligation memo accounts at as_of's month rate), the expenditure from
 * January 1 to as_of (the line's expense accounts' movements, each month
 * at its rate, year-end closing entries left out) and the balance; the
 * allocations to it; per meeting of the year its figures in its currency.
 * invalid-field for a year or date out of range; missing-rate (ERR_INVALID)
 * listing every (currency, month) missing, once. Free with
 * fund_budget_status_free.
 */
int fund_budget_status_read(struct fund_budget_status **out, PGconn *c, int year,
			    const char *as_of);
void fund_budget_status_free(struct fund_budget_status *s);

/*
 * The figures from i (< n_figures) on of the same line, kind and account
 * as figure i, one per month (the status keeps them together): *end_out
 * one past the last, their amounts' sum in the account's currency and
 * their USD figures' sum. ERR_LIMIT (too-large) if a sum does not fit.
 */
int fund_budget_account_sum(size_t *end_out, int64_t *amount_out, int64_t *usd_out,
			    const struct fund_budget_status *s, size_t i);

/*
 * fund_budget_status_read as JSON: {"year","as_of","currency":"USD",
 * "lines":[{"line","name","revisions","original","final","obligations",
 * "expenditure","balance","allocated_usd","accounts":[{"account","kind",
 * "currency","amount","usd","months":[{"month","amount","usd",
 * "usd_per_unit"}]}],"allocations":[...]}],"totals":{...},
 * "meetings":[{"meeting","name","currency","allocated","obligations",
 * "expenditure","balance","overruns"}],"meeting_totals":[{"currency",...}]}.
 * as_of NULL: December 31 of year.
 */
int fund_budget_status(json_t **out, PGconn *c, int year, const char *as_of);

#endif
