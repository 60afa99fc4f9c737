/*
 * ipsas.h - inside reports/: what the IPSAS statements' two files share
 * (ipsas.c: the position, the performance, the changes in net assets and
 * the figures in USD; ipsas_cash.c: the cash flow). Not part of the
 * module's outside; reports/report.h is.
 */
#ifndef TFLEDGER_REPORTS_IPSAS_H
#define TFLEDGER_REPORTS_IPSAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fund/usd.h"
#include "reports/kinds.h"

/* The longest period a statement covers: ten years of months. Its figures
 * are accounts x months in memory (a few hundred accounts: a few MB), and
 * a statement longer than that is a request gone wrong. */
#define REPORTS_IPSAS_MONTHS_MAX 120

/* What a statement reads, opened by reports_ipsas_open. */
struct reports_ipsas {
	struct reports_ctx *x;
	xmlTextWriterPtr w;            /* NULL in the first pass: figures only */
	fund_rates *rates;
	struct fund_usd_month *rows;   /* fund_usd_months: by account, then month */
	size_t n_rows, n_months, n_accts;
	char before_day[11];           /* the day before the period */
	char before_month[8];          /* its month: the opening figures' rate */
	char last_month[8];            /* the period's last: the closing figures' rate */
	void *cash;                    /* ipsas_cash.c's sums, freed by cash_free */
	void (*cash_free)(void *cash);
};

/* Which figure of an account. */
enum figure { OPENING_BALANCE, CLOSING_BALANCE, MOVEMENT };

/* The position's totals in USD. */
struct reports_ipsas_position {
	int64_t assets, liabilities, net_assets, restricted;
	int64_t from_accounts; /* net-asset, revenue and expense accounts at the same rates */
};

/*
 * Checks that x's period is whole months (ERR_INVALID naming --from or
 * --to) of at most REPORTS_IPSAS_MONTHS_MAX, loads the rates and every
 * account's months. Close with reports_ipsas_close, also on failure.
 */
int reports_ipsas_open(struct reports_ipsas *ip, struct reports_ctx *x);
void reports_ipsas_close(struct reports_ipsas *ip);

/* Account a's row for month k (0: the period's first). */
const struct fund_usd_month *reports_ipsas_row(const struct reports_ipsas *ip, size_t a,
					       size_t month);

/* True if code is PATTERN-CCY, N in the pattern standing for a digit
 * ("10NN" takes 1010-EUR). */
bool reports_ipsas_code_is(const char *code, const char *pattern);

/* True for a bank account: an asset 10NN-CCY (as ledger_append says). */
bool reports_ipsas_is_bank(const char *code, const char *type);

/*
 * minor of ccy in USD at month's rate into *out; 0 needs no rate. A missing
 * rate is remembered (the first pass refuses with them all) and gives 0.
 * ERR_LIMIT if the figure does not fit.
 */
int reports_ipsas_usd(int64_t *out, struct reports_ipsas *ip, int64_t minor, const char *ccy,
		      const char *month);

/* <name currency="USD" rate rate-month> with ccy's rate of month. */
int reports_ipsas_write_usd(struct reports_ipsas *ip, const char *name, int64_t usd,
			    const char *ccy, const char *month);

/* With the writer on (else nothing): <name [id] [name]>; its end, with a
 * <total_name currency="USD"> before it when total_name; <name>USD</name>. */
int reports_ipsas_start(struct reports_ipsas *ip, const char *name, const char *id,
			const char *line_name);
int reports_ipsas_end(struct reports_ipsas *ip, const char *name, const char *total_name,
		      int64_t total_usd);
int reports_ipsas_money(struct reports_ipsas *ip, const char *name, int64_t usd);

/* The position at the end of the month before the period (OPENING_BALANCE)
 * or at its end (CLOSING_BALANCE): as-of, rate-month, assets, liabilities,
 * net-assets and check; its totals into *out. */
int reports_ipsas_position(struct reports_ipsas_position *out, struct reports_ipsas *ip,
			   enum figure f);

/*
 * Opens the statement, runs prepare (if any) once, then body twice: without
 * the writer (every rate asked for; a missing one refuses the kind with
 * them all, missing-rate), then with it after the root and header.
 */
int reports_ipsas_run(struct reports_ctx *x, const char *root,
		      int (*body)(struct reports_ipsas *), int (*prepare)(struct reports_ipsas *));

#endif
