/*
 * ipsas.c - the IPSAS financial statements as report kinds (issue 14,
 * docs/controls.md "IPSAS statements"), all in USD by the one rule of
 * fund/usd.h, over a period of whole months (any other period is refused,
 * naming --from or --to):
 *
 * financial-position (IPSAS 1): the monetary accounts at the period's end
 *   at the UN rate of its last month: assets (cash 10NN, receivables 12NN,
 *   other), liabilities (advance receipts 21NN, PSC payable 2300, other),
 *   net assets = assets - liabilities, restricted (3200-USD) and
 *   accumulated surplus (the rest); and a check against the net-asset,
 *   revenue and expense accounts read at the same rates.
 * financial-performance (IPSAS 1): each revenue and expense account's
 *   movement month by month at that month's rate (year-end closing
 *   entries left out, as fund_usd_months gives it), by line; the surplus.
 * changes-in-net-assets: opening net assets (the position at the end of
 *   the month before), the surplus, transfers to the operating reserve
 *   (3200-USD), "revaluation not posted" (closing - opening - surplus:
 *   computed, never forced) and closing net assets; the
 *   two positions and the performance it reads are written after it.
 * cash-flow (IPSAS 2, direct method): ipsas_cash.c.
 *
 * Every line lists the accounts it sums, each in its own currency and in
 * USD with the rate (trust-fund-statement ties its lines the same way);
 * accounts whose figure is zero in their own currency are left out.
 *
 * Each kind runs its body twice over figures already in memory: first
 * without a writer, which asks for every rate a figure needs, so that a
 * missing rate refuses the kind once with the list of every missing
 * (currency, month) (missing-rate, 422); then with the writer. Nothing here
 * reads a posting: the months come from the running balances
 * (fund_usd_months), so memory and time grow with accounts x months.
 */
#include "reports/ipsas.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/err.h"
#include "common/money.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* --- lines: which accounts each line sums ------------------------------------------ */

bool reports_ipsas_code_is(const char *code, const char *pattern)
{
	for (int k = 0; k < 4; k++) {
		if (!code[k])
			return false;
		if (pattern[k] == 'N' ? !isdigit((unsigned char)code[k]) : code[k] != pattern[k])
			return false;
	}
	return code[4] == '-';
}

bool reports_ipsas_is_bank(const char *code, const char *type)
{
	return strcmp(type, "asset") == 0 && reports_ipsas_code_is(code, "10NN");
}

struct line_def {
	const char *id, *name, *type;
	const char *pat[3]; /* code prefixes (N a digit); none: every other account of type */
};

static const struct line_def position_lines[] = {
	{"cash", "Cash and cash equivalents", "asset", {"10NN"}},
	{"receivables", "Contributions receivable", "asset", {"12NN"}},
	{"other-assets", "Other assets", "asset", {NULL}},
	{"advance-receipts", "Advance receipts", "liability", {"21NN"}},
	{"psc-payable", "Programme support costs payable", "liability", {"2300"}},
	{"other-liabilities", "Other liabilities", "liability", {NULL}},
};

static const struct line_def performance_lines[] = {
	{"contributions", "Contributions", "revenue", {"41NN"}},
	{"in-kind-revenue", "Contributions in kind (goods)", "revenue", {"4200"}},
	{"interest", "Interest income", "revenue", {"4300"}},
	{"exchange-gains", "Exchange gains, unrealised and realised", "revenue", {"4900", "4910"}},
	{"other-revenue", "Other revenue", "revenue", {NULL}},
	{"charges", "Bank charges", "expense", {"5100"}},
	{"travel", "Travel support", "expense", {"5200"}},
	{"in-kind-expense", "Goods received in kind", "expense", {"5300"}},
	{"staff", "Staff and other personnel costs", "expense", {"5400"}},
	{"meetings", "Meetings and conferences", "expense", {"5500"}},
	{"contractual", "Contractual services", "expense", {"5600"}},
	{"psc", "Programme support costs", "expense", {"5800"}},
	{"exchange-losses", "Exchange losses, unrealised and realised", "expense", {"5900", "5910"}},
	{"other-expenses", "Other expenses", "expense", {NULL}},
};

/* The operating cash reserve, the restricted net assets (docs/controls.md). */
#define RESERVE "3200-USD"

/* The first line of defs that takes the account, or -1. */
static int line_of(const struct line_def *defs, size_t n, const char *code, const char *type)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(defs[i].type, type) != 0)
			continue;
		if (!defs[i].pat[0])
			return (int)i;
		for (size_t k = 0; k < N(defs[i].pat) && defs[i].pat[k]; k++)
			if (reports_ipsas_code_is(code, defs[i].pat[k]))
				return (int)i;
	}
	return -1;
}

/* A balance or movement (debits - credits) in the account's normal direction. */
static int64_t normal(const char *type, int64_t debit_balance)
{
	return strcmp(type, "asset") == 0 || strcmp(type, "expense") == 0 ? debit_balance
									    : -debit_balance;
}

/* --- the period and the months --------------------------------------------------------- */

static void month_add(char out[8], const char *month, int k)
{
	int y = atoi(month), m = atoi(month + 5) - 1 + k;

	y += m >= 0 ? m / 12 : -((11 - m) / 12);
	m = ((m % 12) + 12) % 12;
	y = y < 0 ? 0 : y % 10000;
	snprintf(out, 8, "%04d-%02d", y, (m + 1) % 100);
}

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[(m - 1) % 12];
}

int reports_ipsas_open(struct reports_ipsas *ip, struct reports_ctx *x)
{
	const struct reports_request *rq = x->rq;
	char first_month[8];
	int32_t from_day, to_day;
	int rc, months;

	memset(ip, 0, sizeof(*ip));
	ip->x = x;
	if ((rc = date_parse(&from_day, rq->from)) < 0 || (rc = date_parse(&to_day, rq->to)) < 0)
		return rc;
	if (strcmp(rq->from + 8, "01") != 0)
		return err_code_set(ERR_INVALID, EC_INVALID_FIELD,
				    "%s covers whole months: --from %s is not the first day of a "
				    "month", rq->kind, rq->from);
	if (atoi(rq->to + 8) != days_in_month(atoi(rq->to), atoi(rq->to + 5)))
		return err_code_set(ERR_INVALID, EC_INVALID_FIELD,
				    "%s covers whole months: --to %s is not the last day of a month",
				    rq->kind, rq->to);
	months = (atoi(rq->to) - atoi(rq->from)) * 12 + atoi(rq->to + 5) - atoi(rq->from + 5) + 1;
	if (months > REPORTS_IPSAS_MONTHS_MAX)
		return err_code_set(ERR_INVALID, EC_INVALID_FIELD,
				    "%s: --from %s to --to %s is %d months; at most %d", rq->kind,
				    rq->from, rq->to, months, REPORTS_IPSAS_MONTHS_MAX);
	date_format(ip->before_day, from_day - 1);
	snprintf(first_month, sizeof(first_month), "%.7s", rq->from);
	snprintf(ip->last_month, sizeof(ip->last_month), "%.7s", rq->to);
	month_add(ip->before_month, first_month, -1);
	if ((rc = fund_rates_load(&ip->rates, x->c)) < 0 ||
	    (rc = fund_usd_months(&ip->rows, &ip->n_rows, x->c, first_month, rq->to)) < 0)
		return rc;
	ip->n_months = (size_t)months;
	if (ip->n_rows % ip->n_months != 0)
		return err_set(ERR_INTERNAL, "%s: %zu account-months for %zu months", rq->kind,
			       ip->n_rows, ip->n_months);
	ip->n_accts = ip->n_rows / ip->n_months;
	return 0;
}

void reports_ipsas_close(struct reports_ipsas *ip)
{
	fund_rates_free(ip->rates);
	free(ip->rows);
	if (ip->cash_free)
		ip->cash_free(ip->cash);
	ip->rates = NULL;
	ip->rows = NULL;
	ip->cash = NULL;
}

const struct fund_usd_month *reports_ipsas_row(const struct reports_ipsas *ip, size_t a,
					       size_t month)
{
	return &ip->rows[a * ip->n_months + month];
}

/* --- USD figures and how they are written ---------------------------------------------- */

int reports_ipsas_usd(int64_t *out, struct reports_ipsas *ip, int64_t minor, const char *ccy,
		      const char *month)
{
	int rc;

	*out = 0;
	if (minor == 0)
		return 0;
	rc = fund_rates_usd(out, ip->rates, minor, ccy, month);
	return rc < 0 ? rc : 0; /* 1: missing, remembered for the first pass's refusal */
}

int reports_ipsas_write_usd(struct reports_ipsas *ip, const char *name, int64_t usd,
			    const char *ccy, const char *month)
{
	struct money_rate rate;
	int rc = fund_rates_get(&rate, ip->rates, ccy, month);

	if (rc != 0) /* the first pass refused every missing rate */
		return rc < 0 ? rc : err_set(ERR_INTERNAL, "%s %s: no rate in the second pass",
					     ccy, month);
	return reports_write_usd(ip->w, name, usd, rate, month);
}

int reports_ipsas_start(struct reports_ipsas *ip, const char *name, const char *id,
			const char *line_name)
{
	int rc;

	if (!ip->w)
		return 0;
	if ((rc = reports_start(ip->w, name)) < 0 || (id && (rc = reports_attr(ip->w, "id", id)) < 0))
		return rc;
	return line_name ? reports_attr(ip->w, "name", line_name) : 0;
}

int reports_ipsas_end(struct reports_ipsas *ip, const char *name, const char *total_name,
		      int64_t total_usd)
{
	int rc;

	if (!ip->w)
		return 0;
	if (total_name && (rc = reports_write_money(ip->w, total_name, total_usd, "USD")) < 0)
		return rc;
	return reports_end(ip->w, name);
}

int reports_ipsas_money(struct reports_ipsas *ip, const char *name, int64_t usd)
{
	return ip->w ? reports_write_money(ip->w, name, usd, "USD") : 0;
}

/*
 * Account a's figure f in its normal direction and in USD: its balance at
 * the end of the month before the period or at the period's end (one
 * rate), or its movement in the period month by month at each month's
 * rate. Written (when the writer is on and the figure is not zero in the
 * account's currency in every month) as <account code> with <amount> and
 * <usd>, or, for a movement, <month> elements then <amount> and
 * <total-usd>. The USD figure into *usd_out.
 */
static int account_figure(int64_t *usd_out, struct reports_ipsas *ip, size_t a, enum figure f)
{
	const struct fund_usd_month *first = reports_ipsas_row(ip, a, 0);
	const struct fund_usd_month *last = reports_ipsas_row(ip, a, ip->n_months - 1);
	xmlTextWriterPtr w = ip->w;
	int64_t amount = 0, u;
	bool shown = false;
	int rc;

	*usd_out = 0;
	if (f != MOVEMENT) {
		const char *month = f == OPENING_BALANCE ? ip->before_month : ip->last_month;

		amount = normal(first->type, f == OPENING_BALANCE ? first->opening_minor
								   : last->closing_minor);
		if (amount == 0)
			return 0;
		if ((rc = reports_ipsas_usd(usd_out, ip, amount, first->currency, month)) < 0 || !w)
			return rc;
		if ((rc = reports_start(w, "account")) < 0 ||
		    (rc = reports_attr(w, "code", first->account)) < 0 ||
		    (rc = reports_write_money(w, "amount", amount, first->currency)) < 0 ||
		    (rc = reports_ipsas_write_usd(ip, "usd", *usd_out, first->currency, month)) < 0)
			return rc;
		return reports_end(w, "account");
	}
	for (size_t k = 0; k < ip->n_months; k++) {
		const struct fund_usd_month *m = reports_ipsas_row(ip, a, k);
		int64_t mv = normal(m->type, m->movement_minor);

		if (mv == 0)
			continue;
		shown = true;
		if ((rc = reports_ipsas_usd(&u, ip, mv, m->currency, m->month)) < 0 ||
		    (rc = money_add(&amount, amount, mv)) < 0 ||
		    (rc = money_add(usd_out, *usd_out, u)) < 0)
			return rc;
	}
	if (!shown || !w)
		return 0;
	if ((rc = reports_start(w, "account")) < 0 ||
	    (rc = reports_attr(w, "code", first->account)) < 0)
		return rc;
	for (size_t k = 0; k < ip->n_months; k++) {
		const struct fund_usd_month *m = reports_ipsas_row(ip, a, k);
		int64_t mv = normal(m->type, m->movement_minor);

		if (mv == 0)
			continue;
		if ((rc = reports_ipsas_usd(&u, ip, mv, m->currency, m->month)) < 0 ||
		    (rc = reports_start(w, "month")) < 0 ||
		    (rc = reports_write_money(w, "amount", mv, m->currency)) < 0 ||
		    (rc = reports_ipsas_write_usd(ip, "usd", u, m->currency, m->month)) < 0 ||
		    (rc = reports_end(w, "month")) < 0)
			return rc;
	}
	if ((rc = reports_write_money(w, "amount", amount, first->currency)) < 0 ||
	    (rc = reports_write_money(w, "total-usd", *usd_out, "USD")) < 0)
		return rc;
	return reports_end(w, "account");
}

/*
 * <name> with a <line id name> per line of defs whose type is type, each
 * with the accounts it takes (figure f) and its <total-usd>; then the
 * section's <total-usd>, also into *total_out.
 */
static int section(int64_t *total_out, struct reports_ipsas *ip, const char *name,
		   const struct line_def *defs, size_t n_defs, const char *type, enum figure f)
{
	int rc;

	*total_out = 0;
	if ((rc = reports_ipsas_start(ip, name, NULL, NULL)) < 0)
		return rc;
	for (size_t i = 0; i < n_defs; i++) {
		int64_t line = 0, u;

		if (strcmp(defs[i].type, type) != 0)
			continue;
		if ((rc = reports_ipsas_start(ip, "line", defs[i].id, defs[i].name)) < 0)
			return rc;
		for (size_t a = 0; a < ip->n_accts; a++) {
			const struct fund_usd_month *m = reports_ipsas_row(ip, a, 0);

			if (line_of(defs, n_defs, m->account, m->type) != (int)i)
				continue;
			if ((rc = account_figure(&u, ip, a, f)) < 0 ||
			    (rc = money_add(&line, line, u)) < 0)
				return rc;
		}
		if ((rc = money_add(total_out, *total_out, line)) < 0 ||
		    (rc = reports_ipsas_end(ip, "line", "total-usd", line)) < 0)
			return rc;
	}
	return reports_ipsas_end(ip, name, "total-usd", *total_out);
}

/* --- the position (IPSAS 1) ---------------------------------------------------------------- */

int reports_ipsas_position(struct reports_ipsas_position *out, struct reports_ipsas *ip,
			   enum figure f)
{
	const char *month = f == OPENING_BALANCE ? ip->before_month : ip->last_month;
	int64_t u, accumulated, sum, rounding;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((ip->w && (rc = reports_write_date(ip->w, "as-of", f == OPENING_BALANCE
								  ? ip->before_day
								  : ip->x->rq->to)) < 0) ||
	    (ip->w && (rc = reports_write_text(ip->w, "rate-month", month)) < 0) ||
	    (rc = section(&out->assets, ip, "assets", position_lines, N(position_lines), "asset",
			  f)) < 0 ||
	    (rc = section(&out->liabilities, ip, "liabilities", position_lines,
			  N(position_lines), "liability", f)) < 0 ||
	    (rc = money_sub(&out->net_assets, out->assets, out->liabilities)) < 0)
		return rc;
	/* the net-asset, revenue and expense accounts at the same rates: what
	 * the journal's other side says the net assets are */
	for (size_t a = 0; a < ip->n_accts; a++) {
		const struct fund_usd_month *m = reports_ipsas_row(ip, a, 0);
		const struct fund_usd_month *l = reports_ipsas_row(ip, a, ip->n_months - 1);
		int64_t bal = f == OPENING_BALANCE ? m->opening_minor : l->closing_minor;

		if (fund_usd_monetary(m->type))
			continue;
		if ((rc = reports_ipsas_usd(&u, ip, -bal, m->currency, month)) < 0 ||
		    (rc = money_add(&out->from_accounts, out->from_accounts, u)) < 0)
			return rc;
	}
	if ((rc = reports_ipsas_start(ip, "net-assets", NULL, NULL)) < 0 ||
	    (rc = reports_ipsas_start(ip, "line", "restricted",
				      "Operating cash reserve (restricted net assets)")) < 0)
		return rc;
	for (size_t a = 0; a < ip->n_accts; a++)
		if (strcmp(reports_ipsas_row(ip, a, 0)->account, RESERVE) == 0 &&
		    (rc = account_figure(&out->restricted, ip, a, f)) < 0)
			return rc;
	if ((rc = money_sub(&accumulated, out->net_assets, out->restricted)) < 0 ||
	    (rc = money_add(&sum, out->liabilities, out->net_assets)) < 0 ||
	    (rc = money_sub(&rounding, out->net_assets, out->from_accounts)) < 0 ||
	    (rc = reports_ipsas_end(ip, "line", "total-usd", out->restricted)) < 0 ||
	    (rc = reports_ipsas_start(ip, "line", "accumulated-surplus",
				      "Accumulated surplus (deficit)")) < 0 ||
	    (rc = reports_ipsas_end(ip, "line", "total-usd", accumulated)) < 0 ||
	    (rc = reports_ipsas_end(ip, "net-assets", "total-usd", out->net_assets)) < 0 ||
	    (rc = reports_ipsas_start(ip, "check", NULL, NULL)) < 0 ||
	    (rc = reports_ipsas_money(ip, "assets", out->assets)) < 0 ||
	    (rc = reports_ipsas_money(ip, "liabilities-and-net-assets", sum)) < 0 ||
	    (rc = reports_ipsas_money(ip, "net-assets-from-accounts", out->from_accounts)) < 0 ||
	    (rc = reports_ipsas_money(ip, "rounding-difference", rounding)) < 0)
		return rc;
	return reports_ipsas_end(ip, "check", NULL, 0);
}

/* --- the performance (IPSAS 1) -------------------------------------------------------------- */

/* Revenue and expenses of the period by line, and <surplus> into *out. */
static int performance(int64_t *out, struct reports_ipsas *ip)
{
	int64_t revenue, expenses;
	int rc;

	*out = 0;
	if ((rc = section(&revenue, ip, "revenue", performance_lines, N(performance_lines),
			  "revenue", MOVEMENT)) < 0 ||
	    (rc = section(&expenses, ip, "expenses", performance_lines, N(performance_lines),
			  "expense", MOVEMENT)) < 0 ||
	    (rc = money_sub(out, revenue, expenses)) < 0)
		return rc;
	return reports_ipsas_money(ip, "surplus", *out);
}

/* --- the kinds ------------------------------------------------------------------------------ */

static int position_body(struct reports_ipsas *ip)
{
	struct reports_ipsas_position p;

	return reports_ipsas_position(&p, ip, CLOSING_BALANCE);
}

static int performance_body(struct reports_ipsas *ip)
{
	int64_t surplus;

	return performance(&surplus, ip);
}

/* One row of the statement of changes: restricted, accumulated, total. */
static int change_row(struct reports_ipsas *ip, const char *id, const char *name,
		      int64_t restricted, int64_t accumulated)
{
	int64_t total;
	int rc;

	if ((rc = money_add(&total, restricted, accumulated)) < 0 ||
	    (rc = reports_ipsas_start(ip, "row", id, name)) < 0 ||
	    (rc = reports_ipsas_money(ip, "restricted", restricted)) < 0 ||
	    (rc = reports_ipsas_money(ip, "accumulated-surplus", accumulated)) < 0)
		return rc;
	return reports_ipsas_end(ip, "row", "total", total);
}

static int changes_body(struct reports_ipsas *ip)
{
	struct reports_ipsas_position o, c;
	xmlTextWriterPtr w = ip->w;
	int64_t surplus, transfers, not_posted, acc_o, acc_c, acc_move;
	int rc;

	/* the figures first (the writer off), the rows, then what they read */
	ip->w = NULL;
	rc = reports_ipsas_position(&o, ip, OPENING_BALANCE);
	if (rc == 0)
		rc = reports_ipsas_position(&c, ip, CLOSING_BALANCE);
	if (rc == 0)
		rc = performance(&surplus, ip);
	ip->w = w;
	if (rc < 0)
		return rc;
	/* not_posted = closing - opening - surplus: the net assets at the
	 * closing rates move by exactly the surplus once every month's
	 * revaluation is posted (docs/controls.md) */
	if ((rc = money_sub(&transfers, c.restricted, o.restricted)) < 0 ||
	    (rc = money_sub(&not_posted, c.net_assets, o.net_assets)) < 0 ||
	    (rc = money_sub(&not_posted, not_posted, surplus)) < 0 ||
	    (rc = money_sub(&acc_o, o.net_assets, o.restricted)) < 0 ||
	    (rc = money_sub(&acc_c, c.net_assets, c.restricted)) < 0 ||
	    (rc = money_sub(&acc_move, 0, transfers)) < 0 ||
	    (rc = reports_ipsas_start(ip, "rows", NULL, NULL)) < 0 ||
	    (rc = change_row(ip, "opening", "Net assets at the start of the period", o.restricted,
			     acc_o)) < 0 ||
	    (rc = change_row(ip, "surplus", "Surplus (deficit) for the period", 0, surplus)) < 0 ||
	    (rc = change_row(ip, "reserve-transfers",
			     "Transfers to (from) the operating cash reserve", transfers,
			     acc_move)) < 0 ||
	    (rc = change_row(ip, "revaluation-not-posted",
			     "Revaluation not posted (months not revalued)", 0, not_posted)) < 0 ||
	    (rc = change_row(ip, "closing", "Net assets at the end of the period", c.restricted,
			     acc_c)) < 0 ||
	    (rc = reports_ipsas_end(ip, "rows", NULL, 0)) < 0 ||
	    (rc = reports_ipsas_start(ip, "opening-position", NULL, NULL)) < 0 ||
	    (rc = reports_ipsas_position(&o, ip, OPENING_BALANCE)) < 0 ||
	    (rc = reports_ipsas_end(ip, "opening-position", NULL, 0)) < 0 ||
	    (rc = reports_ipsas_start(ip, "performance", NULL, NULL)) < 0 ||
	    (rc = performance(&surplus, ip)) < 0 ||
	    (rc = reports_ipsas_end(ip, "performance", NULL, 0)) < 0 ||
	    (rc = reports_ipsas_start(ip, "closing-position", NULL, NULL)) < 0 ||
	    (rc = reports_ipsas_position(&c, ip, CLOSING_BALANCE)) < 0)
		return rc;
	return reports_ipsas_end(ip, "closing-position", NULL, 0);
}

int reports_ipsas_run(struct reports_ctx *x, const char *root, int (*body)(struct reports_ipsas *),
		      int (*prepare)(struct reports_ipsas *))
{
	struct reports_ipsas ip;
	int rc = reports_ipsas_open(&ip, x);

	if (rc == 0 && prepare)
		rc = prepare(&ip);
	if (rc == 0)
		rc = body(&ip); /* no writer yet: figures, and every rate they need */
	if (rc == 0)
		rc = fund_rates_missing_error(ip.rates);
	if (rc == 0)
		rc = reports_writer_begin(x->w, root, &x->h);
	if (rc == 0) {
		ip.w = x->w;
		rc = body(&ip);
	}
	reports_ipsas_close(&ip);
	return rc;
}

int reports_write_financial_position(struct reports_ctx *x)
{
	return reports_ipsas_run(x, "financial-position", position_body, NULL);
}

int reports_write_financial_performance(struct reports_ctx *x)
{
	return reports_ipsas_run(x, "financial-performance", performance_body, NULL);
}

int reports_write_changes_in_net_assets(struct reports_ctx *x)
{
	return reports_ipsas_run(x, "changes-in-net-assets", changes_body, NULL);
}
