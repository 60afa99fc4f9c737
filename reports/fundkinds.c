/*
 * fundkinds.c - the report kinds of the fund's books (migrations/0020,
 * docs/fund.md), read in the report's snapshot:
 *
 * donor-contributions: per donor and pledge currency, what was pledged
 *   (agreements signed in the period), received (instructed amounts of
 *   receipts in the period) and outstanding (signed up to the period's end
 *   less what receipts up to then settled); donors ordered by what they
 *   gave in the period in USD, each receipt converted at the UN rate of its
 *   month (rounded per receipt, as `tfledger donors list` does), each
 *   receipt listed with the rate used.
 * in-kind: gifts in kind whose entry (dated the end of the gift's period)
 *   falls in the report's period: kind, donor, description, fair value,
 *   the gift's period, how it is recognised, and USD at the rate of the
 *   entry's month.
 *
 * trust-fund-statement: sections of lines, each in its currency and in USD
 *   at the UN rate of the period's last month (rate-month), with a USD
 *   total: opening-balances and closing-balances (bank accounts 10xx),
 *   contributions (signed pledges of the period by donor, and goods in kind
 *   recognised as revenue, 4200), receivables (1200, 1210 at the end),
 *   expenses (movement of every expense account in the period) and
 *   obligations (travel obligations, 8100, at the end). Lines that are
 *   zero are left out.
 *
 * Rates (fund/usd.h): each kind first asks for every rate its figures
 * need (a zero figure needs none) and, when any is missing, refuses with
 * ONE list of every missing (currency, month) before anything is written
 * (missing-rate, the wording of fund_rates_missing_error everywhere).
 *
 * Memory grows with the number of donors or accounts, never with postings.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "common/money.h"
#include "fund/usd.h"
#include "reports/kinds.h"

/* --- statements (common/db.h) ------------------------------------------------------- */

/* reports_donors: per donor and pledge currency, pledged in the period,
 * received in it, outstanding at its end */
enum {
	DON_ID, DON_NAME, DON_ORG_TYPE, DON_COUNTRY, DON_CURRENCY, DON_PLEDGED, DON_RECEIVED,
	DON_OUTSTANDING, DON_NCOLS
};
static const char *const donors_cols[DON_NCOLS] = {
	[DON_ID] = "id", [DON_NAME] = "name", [DON_ORG_TYPE] = "org_type",
	[DON_COUNTRY] = "country", [DON_CURRENCY] = "currency", [DON_PLEDGED] = "pledged",
	[DON_RECEIVED] = "received", [DON_OUTSTANDING] = "outstanding"};

/* reports_donor_receipts: the receipts of the period, by donor */
enum { RCP_DONOR, RCP_RECEIVED_ON, RCP_AMOUNT, RCP_CURRENCY, RCP_ID, RCP_NCOLS };
static const char *const receipts_cols[RCP_NCOLS] = {
	[RCP_DONOR] = "donor", [RCP_RECEIVED_ON] = "received_on",
	[RCP_AMOUNT] = "instructed_minor", [RCP_CURRENCY] = "instructed_currency",
	[RCP_ID] = "id"};

/* reports_inkind: gifts whose entry is dated in the period */
enum {
	GIFT_ID, GIFT_KIND, GIFT_DONOR, GIFT_DONOR_NAME, GIFT_DESCRIPTION, GIFT_AMOUNT,
	GIFT_CURRENCY, GIFT_PERIOD_START, GIFT_PERIOD_END, GIFT_NCOLS
};
static const char *const inkind_cols[GIFT_NCOLS] = {
	[GIFT_ID] = "id", [GIFT_KIND] = "kind", [GIFT_DONOR] = "donor",
	[GIFT_DONOR_NAME] = "donor_name", [GIFT_DESCRIPTION] = "description",
	[GIFT_AMOUNT] = "amount_minor", [GIFT_CURRENCY] = "currency",
	[GIFT_PERIOD_START] = "period_start", [GIFT_PERIOD_END] = "period_end"};

static const struct db_stmt stmts[] = {
	{"reports_donors",
	 "WITH pl AS (SELECT donor, currency,"
	 "   COALESCE(sum(amount_minor) FILTER (WHERE signed_on BETWEEN $1::date AND $2::date),"
	 "            0) AS pledged,"
	 "   COALESCE(sum(amount_minor) FILTER (WHERE signed_on <= $2::date), 0) AS signed"
	 "   FROM pledges WHERE status <> 'indicative' GROUP BY 1, 2),"
	 " rc AS (SELECT p.donor, r.instructed_currency AS currency,"
	 "   COALESCE(sum(r.instructed_minor) FILTER (WHERE r.received_on BETWEEN $1::date"
	 "            AND $2::date), 0) AS received,"
	 "   COALESCE(sum(r.settled_minor) FILTER (WHERE r.received_on <= $2::date), 0) AS settled"
	 "   FROM receipts r JOIN pledges p ON p.id = r.pledge GROUP BY 1, 2)"
	 " SELECT d.id, d.name, d.org_type, d.country, currency,"
	 "  COALESCE(pl.pledged, 0) AS pledged, COALESCE(rc.received, 0) AS received,"
	 "  COALESCE(pl.signed, 0) - COALESCE(rc.settled, 0) AS outstanding"
	 " FROM pl FULL JOIN rc USING (donor, currency) JOIN donors d ON d.id = donor"
	 " WHERE COALESCE(pl.pledged, 0) <> 0 OR COALESCE(rc.received, 0) <> 0"
	 "  OR COALESCE(pl.signed, 0) <> COALESCE(rc.settled, 0)"
	 " ORDER BY d.id COLLATE \"C\", currency", 2},
	{"reports_donor_receipts",
	 "SELECT p.donor, r.received_on, r.instructed_minor, r.instructed_currency, r.id"
	 " FROM receipts r JOIN pledges p ON p.id = r.pledge"
	 " WHERE r.received_on BETWEEN $1::date AND $2::date"
	 " ORDER BY p.donor COLLATE \"C\", r.received_on, r.id", 2},
	{"reports_inkind",
	 "SELECT g.id, g.kind, g.donor, d.name AS donor_name, g.description, g.amount_minor,"
	 " g.currency, g.period_start, g.period_end"
	 " FROM inkind_gifts g JOIN donors d ON d.id = g.donor"
	 " WHERE g.period_end BETWEEN $1::date AND $2::date ORDER BY g.period_end, g.id", 2},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("reports_donors", donors_cols),
	DB_COLUMNS("reports_donor_receipts", receipts_cols),
	DB_COLUMNS("reports_inkind", inkind_cols),
};

int reports_fund_setup(PGconn *c)
{
	return db_setup(c, stmts, sizeof(stmts) / sizeof(stmts[0]), columns,
			sizeof(columns) / sizeof(columns[0]));
}

/* --- donor-contributions ----------------------------------------------------------- */

struct donor {
	const char *id;
	int row, n;       /* its rows in the per-currency result */
	int receipt, nr;  /* its rows in the receipts result */
	int64_t usd;
};

static int by_usd(const void *a, const void *b)
{
	const struct donor *x = a, *y = b;

	if (x->usd != y->usd)
		return x->usd > y->usd ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The USD of minor at the rate of month, and the rate (both from fr; the
 * caller has refused missing rates already). */
static int usd_of(int64_t *usd_out, struct money_rate *rate_out, fund_rates *fr, int64_t minor,
		  const char *ccy, const char *month)
{
	int rc = fund_rates_get(rate_out, fr, ccy, month);

	if (rc == 0)
		rc = fund_rates_usd(usd_out, fr, minor, ccy, month);
	return rc > 0 ? fund_rates_missing_error(fr) : rc;
}

/* Asks fr for the rate of each row's (ccy_col, month of date_col): the
 * missing ones are remembered, then refused together. */
static int rows_need_rates(fund_rates *fr, const PGresult *r, int ccy_col, int date_col)
{
	struct money_rate rate;
	char month[8];
	int rc = 0;

	for (int i = 0; rc >= 0 && i < PQntuples(r); i++) {
		reports_month(month, PQgetvalue(r, i, date_col));
		rc = fund_rates_get(&rate, fr, PQgetvalue(r, i, ccy_col), month);
	}
	return rc < 0 ? rc : fund_rates_missing_error(fr);
}

static int write_donor(struct reports_ctx *x, fund_rates *fr, const struct donor *d, long rank,
		       const PGresult *r, const PGresult *rc_res)
{
	xmlTextWriterPtr w = x->w;
	char rk[24];
	int rc;

	snprintf(rk, sizeof(rk), "%ld", rank);
	if ((rc = reports_start(w, "donor")) < 0 || (rc = reports_attr(w, "rank", rk)) < 0 ||
	    (rc = reports_attr(w, "id", d->id)) < 0 ||
	    (rc = reports_attr(w, "org-type", PQgetvalue(r, d->row, DON_ORG_TYPE))) < 0 ||
	    (!PQgetisnull(r, d->row, DON_COUNTRY) &&
	     (rc = reports_attr(w, "country", PQgetvalue(r, d->row, DON_COUNTRY))) < 0) ||
	    (rc = reports_write_text(w, "name", PQgetvalue(r, d->row, DON_NAME))) < 0 ||
	    (rc = reports_write_money(w, "received-usd", d->usd, "USD")) < 0)
		return rc;
	for (int i = d->row; i < d->row + d->n; i++) {
		const char *ccy = PQgetvalue(r, i, DON_CURRENCY);

		if ((rc = reports_start(w, "currency")) < 0 ||
		    (rc = reports_attr(w, "code", ccy)) < 0 ||
		    (rc = reports_write_money(w, "pledged", reports_ll(r, i, DON_PLEDGED),
					      ccy)) < 0 ||
		    (rc = reports_write_money(w, "received", reports_ll(r, i, DON_RECEIVED),
					      ccy)) < 0 ||
		    (rc = reports_write_money(w, "outstanding", reports_ll(r, i, DON_OUTSTANDING),
					      ccy)) < 0 ||
		    (rc = reports_end(w, "currency")) < 0)
			return rc;
	}
	for (int i = d->receipt; i < d->receipt + d->nr; i++) {
		const char *ccy = PQgetvalue(rc_res, i, RCP_CURRENCY);
		const char *date = PQgetvalue(rc_res, i, RCP_RECEIVED_ON);
		struct money_rate rate;
		char month[8];
		int64_t usd;

		reports_month(month, date);
		if ((rc = usd_of(&usd, &rate, fr, reports_ll(rc_res, i, RCP_AMOUNT), ccy,
				 month)) < 0 ||
		    (rc = reports_start(w, "receipt")) < 0 ||
		    (rc = reports_attr(w, "id", PQgetvalue(rc_res, i, RCP_ID))) < 0 ||
		    (rc = reports_attr(w, "date", date)) < 0 ||
		    (rc = reports_write_money(w, "amount", reports_ll(rc_res, i, RCP_AMOUNT),
					      ccy)) < 0 ||
		    (rc = reports_write_usd(w, "usd", usd, rate, month)) < 0 ||
		    (rc = reports_end(w, "receipt")) < 0)
			return rc;
	}
	return reports_end(w, "donor");
}

int reports_write_donors(struct reports_ctx *x)
{
	const char *const params[] = {x->rq->from, x->rq->to};
	PGresult *r = NULL, *rcp = NULL;
	fund_rates *fr = NULL;
	struct donor *d = NULL;
	size_t n = 0;
	int rc, j = 0;

	if ((rc = db_exec(&r, x->c, "reports_donors", 2, params)) < 0 ||
	    (rc = db_exec(&rcp, x->c, "reports_donor_receipts", 2, params)) < 0 ||
	    (rc = fund_rates_load(&fr, x->c)) < 0 ||
	    (rc = rows_need_rates(fr, rcp, RCP_CURRENCY, RCP_RECEIVED_ON)) < 0)
		goto cleanup;
	if (PQntuples(r) && !(d = calloc((size_t)PQntuples(r), sizeof(*d)))) {
		rc = err_set(ERR_INTERNAL, "out of memory for donors");
		goto cleanup;
	}
	for (int i = 0; i < PQntuples(r); i++) { /* rows come by donor id, bytewise */
		if (n == 0 || strcmp(d[n - 1].id, PQgetvalue(r, i, DON_ID)) != 0)
			d[n++] = (struct donor){PQgetvalue(r, i, DON_ID), i, 0, 0, 0, 0};
		d[n - 1].n++;
	}
	for (size_t k = 0; k < n; k++) { /* receipts come by donor id too: merge */
		struct money_rate rate;
		char month[8];
		int64_t usd;

		while (j < PQntuples(rcp) && strcmp(PQgetvalue(rcp, j, RCP_DONOR), d[k].id) < 0)
			j++;
		d[k].receipt = j;
		for (; j < PQntuples(rcp) && strcmp(PQgetvalue(rcp, j, RCP_DONOR), d[k].id) == 0;
		     j++) {
			reports_month(month, PQgetvalue(rcp, j, RCP_RECEIVED_ON));
			if ((rc = usd_of(&usd, &rate, fr, reports_ll(rcp, j, RCP_AMOUNT),
					 PQgetvalue(rcp, j, RCP_CURRENCY), month)) < 0 ||
			    (rc = money_add(&d[k].usd, d[k].usd, usd)) < 0)
				goto cleanup;
			d[k].nr++;
		}
	}
	if (n)
		qsort(d, n, sizeof(*d), by_usd);
	if ((rc = reports_writer_begin(x->w, "donor-contributions", &x->h)) < 0)
		goto cleanup;
	for (size_t k = 0; k < n; k++)
		if ((rc = write_donor(x, fr, &d[k], (long)k + 1, r, rcp)) < 0)
			goto cleanup;
cleanup:
	fund_rates_free(fr);
	free(d);
	PQclear(r);
	PQclear(rcp);
	return rc;
}

/* --- in-kind ------------------------------------------------------------------------ */

int reports_write_inkind(struct reports_ctx *x)
{
	const char *const params[] = {x->rq->from, x->rq->to};
	xmlTextWriterPtr w = x->w;
	fund_rates *fr = NULL;
	PGresult *r = NULL;
	int rc;

	if ((rc = db_exec(&r, x->c, "reports_inkind", 2, params)) < 0 ||
	    (rc = fund_rates_load(&fr, x->c)) < 0 ||
	    (rc = rows_need_rates(fr, r, GIFT_CURRENCY, GIFT_PERIOD_END)) < 0 ||
	    (rc = reports_writer_begin(w, "in-kind", &x->h)) < 0)
		goto cleanup;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *ccy = PQgetvalue(r, i, GIFT_CURRENCY);
		const char *end = PQgetvalue(r, i, GIFT_PERIOD_END);
		bool goods = strcmp(PQgetvalue(r, i, GIFT_KIND), "goods") == 0;
		struct money_rate rate;
		char month[8];
		int64_t usd;

		reports_month(month, end);
		if ((rc = usd_of(&usd, &rate, fr, reports_ll(r, i, GIFT_AMOUNT), ccy, month)) < 0 ||
		    (rc = reports_start(w, "gift")) < 0 ||
		    (rc = reports_attr(w, "id", PQgetvalue(r, i, GIFT_ID))) < 0 ||
		    (rc = reports_attr(w, "kind", PQgetvalue(r, i, GIFT_KIND))) < 0 ||
		    (rc = reports_attr(w, "donor", PQgetvalue(r, i, GIFT_DONOR))) < 0 ||
		    (rc = reports_write_text(w, "donor-name",
					     PQgetvalue(r, i, GIFT_DONOR_NAME))) < 0 ||
		    (rc = reports_write_text(w, "description",
					     PQgetvalue(r, i, GIFT_DESCRIPTION))) < 0 ||
		    (rc = reports_write_money(w, "fair-value", reports_ll(r, i, GIFT_AMOUNT),
					      ccy)) < 0 ||
		    (rc = reports_write_usd(w, "usd", usd, rate, month)) < 0 ||
		    (rc = reports_start(w, "gift-period")) < 0 ||
		    (rc = reports_write_date(w, "from", PQgetvalue(r, i, GIFT_PERIOD_START))) < 0 ||
		    (rc = reports_write_date(w, "to", end)) < 0 ||
		    (rc = reports_end(w, "gift-period")) < 0 ||
		    /* docs/fund.md: goods are revenue and expense, services memo only */
		    (rc = reports_write_text(w, "recognised", goods ? "revenue" : "memo")) < 0 ||
		    (rc = reports_end(w, "gift")) < 0)
			goto cleanup;
	}
cleanup:
	fund_rates_free(fr);
	PQclear(r);
	return rc;
}

/* --- trust-fund-statement ------------------------------------------------------------- */

/* write_accounts_section's col for the period's movement (closing - opening) */
#define MOVEMENT (-1)

/* Which accounts a section takes, from the chart of docs/fund.md. */
enum pick { BANK, RECEIVABLE, EXPENSE, OBLIGATION };

static bool picks(enum pick k, const char *code, const char *type)
{
	switch (k) {
	case BANK: return strncmp(code, "10", 2) == 0 && strcmp(type, "asset") == 0;
	case RECEIVABLE: return strncmp(code, "1200-", 5) == 0 || strncmp(code, "1210-", 5) == 0;
	case EXPENSE: return strcmp(type, "expense") == 0;
	case OBLIGATION: return strncmp(code, "8100-", 5) == 0;
	}
	return false;
}

/* The value of account row i in section (k, col), in the normal direction;
 * false if the section does not take it or it is zero (left out). */
static bool section_value(int64_t *out, enum pick k, int col, const PGresult *r, int i)
{
	int64_t v = col != MOVEMENT ? reports_ll(r, i, col)
				    : reports_ll(r, i, ACC_CLOSING) - reports_ll(r, i, ACC_OPENING);

	if (!picks(k, PQgetvalue(r, i, ACC_CODE), PQgetvalue(r, i, ACC_TYPE)) || v == 0)
		return false;
	*out = strcmp(PQgetvalue(r, i, ACC_NORMAL_SIDE), "credit") == 0 ? -v : v;
	return true;
}

/* A contribution in kind of row i (goods recognised as revenue, 4200,
 * credit-normal: its movement in the period); false if none. */
static bool goods_value(int64_t *out, const PGresult *a, int i)
{
	*out = reports_ll(a, i, ACC_OPENING) - reports_ll(a, i, ACC_CLOSING);
	return strncmp(PQgetvalue(a, i, ACC_CODE), "4200-", 5) == 0 && *out != 0;
}

/* The account sections of the statement, in order, around contributions. */
static const struct section {
	const char *name;
	enum pick k;
	int col;
} before[] = {{"opening-balances", BANK, ACC_OPENING}},
  after[] = {{"receivables", RECEIVABLE, ACC_CLOSING},
	     {"expenses", EXPENSE, MOVEMENT},
	     {"obligations", OBLIGATION, ACC_CLOSING},
	     {"closing-balances", BANK, ACC_CLOSING}};

/* Asks fr for the rate of month of every currency a line will be written
 * in; then ONE missing-rate refusal if any is missing. */
static int statement_needs_rates(fund_rates *fr, const PGresult *a, const PGresult *d,
				 const char *month)
{
	struct money_rate rate;
	int64_t v;
	int rc = 0;

	for (int i = 0; rc >= 0 && i < PQntuples(a); i++) {
		bool needed = goods_value(&v, a, i) || section_value(&v, BANK, ACC_OPENING, a, i);

		for (size_t s = 0; !needed && s < sizeof(after) / sizeof(after[0]); s++)
			needed = section_value(&v, after[s].k, after[s].col, a, i);
		if (needed)
			rc = fund_rates_get(&rate, fr, PQgetvalue(a, i, ACC_CURRENCY), month);
	}
	for (int i = 0; rc >= 0 && i < PQntuples(d); i++)
		if (reports_ll(d, i, DON_PLEDGED) != 0)
			rc = fund_rates_get(&rate, fr, PQgetvalue(d, i, DON_CURRENCY), month);
	return rc < 0 ? rc : fund_rates_missing_error(fr);
}

/* One line: <line id="..."><name/><amount/><usd/></line>, USD added to *total. */
static int write_line(struct reports_ctx *x, fund_rates *fr, const char *id, const char *name,
		      int64_t amount, const char *ccy, const char *month, int64_t *total)
{
	xmlTextWriterPtr w = x->w;
	struct money_rate rate;
	int64_t usd;
	int rc;

	if ((rc = usd_of(&usd, &rate, fr, amount, ccy, month)) < 0 ||
	    (rc = money_add(total, *total, usd)) < 0 || (rc = reports_start(w, "line")) < 0 ||
	    (rc = reports_attr(w, "id", id)) < 0 ||
	    (rc = reports_write_text(w, "name", name)) < 0 ||
	    (rc = reports_write_money(w, "amount", amount, ccy)) < 0 ||
	    (rc = reports_write_usd(w, "usd", usd, rate, month)) < 0)
		return rc;
	return reports_end(w, "line");
}

/*
 * A section of account lines: col ACC_OPENING or ACC_CLOSING of the
 * statement accounts result, or their difference (the period's movement)
 * when col is MOVEMENT; balances in the normal direction; zero lines left out.
 */
static int write_accounts_section(struct reports_ctx *x, fund_rates *fr,
				  const struct section *sec, const PGresult *r, const char *month)
{
	int64_t total = 0, v;
	int rc;

	if ((rc = reports_start(x->w, "section")) < 0 ||
	    (rc = reports_attr(x->w, "name", sec->name)) < 0)
		return rc;
	for (int i = 0; i < PQntuples(r); i++)
		if (section_value(&v, sec->k, sec->col, r, i) &&
		    (rc = write_line(x, fr, PQgetvalue(r, i, ACC_CODE), PQgetvalue(r, i, ACC_NAME),
				     v, PQgetvalue(r, i, ACC_CURRENCY), month, &total)) < 0)
			return rc;
	if ((rc = reports_write_money(x->w, "total-usd", total, "USD")) < 0)
		return rc;
	return reports_end(x->w, "section");
}

/* Contributions: signed pledges of the period by donor and currency, and
 * goods in kind recognised as revenue (4200) in the period. */
static int write_contributions(struct reports_ctx *x, fund_rates *fr, const PGresult *d,
			       const PGresult *a, const char *month)
{
	int64_t total = 0, v;
	int rc;

	if ((rc = reports_start(x->w, "section")) < 0 ||
	    (rc = reports_attr(x->w, "name", "contributions")) < 0)
		return rc;
	for (int i = 0; i < PQntuples(d); i++)
		if (reports_ll(d, i, DON_PLEDGED) != 0 &&
		    (rc = write_line(x, fr, PQgetvalue(d, i, DON_ID), PQgetvalue(d, i, DON_NAME),
				     reports_ll(d, i, DON_PLEDGED), PQgetvalue(d, i, DON_CURRENCY),
				     month, &total)) < 0)
			return rc;
	for (int i = 0; i < PQntuples(a); i++)
		if (goods_value(&v, a, i) &&
		    (rc = write_line(x, fr, PQgetvalue(a, i, ACC_CODE), PQgetvalue(a, i, ACC_NAME),
				     v, PQgetvalue(a, i, ACC_CURRENCY), month, &total)) < 0)
			return rc;
	if ((rc = reports_write_money(x->w, "total-usd", total, "USD")) < 0)
		return rc;
	return reports_end(x->w, "section");
}

int reports_write_fund_statement(struct reports_ctx *x)
{
	const char *const params[] = {x->rq->from, x->rq->to, NULL};
	PGresult *a = NULL, *d = NULL;
	fund_rates *fr = NULL;
	char month[8];
	int rc;

	reports_month(month, x->rq->to);
	if ((rc = db_exec(&a, x->c, "reports_st_accounts", 3, params)) < 0 ||
	    (rc = db_exec(&d, x->c, "reports_donors", 2, params)) < 0 ||
	    (rc = fund_rates_load(&fr, x->c)) < 0 ||
	    (rc = statement_needs_rates(fr, a, d, month)) < 0 ||
	    (rc = reports_writer_begin(x->w, "trust-fund-statement", &x->h)) < 0 ||
	    (rc = reports_write_text(x->w, "rate-month", month)) < 0 ||
	    (rc = write_accounts_section(x, fr, &before[0], a, month)) < 0 ||
	    (rc = write_contributions(x, fr, d, a, month)) < 0)
		goto cleanup;
	for (size_t s = 0; s < sizeof(after) / sizeof(after[0]); s++)
		if ((rc = write_accounts_section(x, fr, &after[s], a, month)) < 0)
			goto cleanup;
cleanup:
	fund_rates_free(fr);
	PQclear(a);
	PQclear(d);
	return rc;
}
