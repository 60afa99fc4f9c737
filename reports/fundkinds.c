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
 * Memory grows with the number of donors of the period (a sort), never
 * with postings.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "common/money.h"
#include "reports/kinds.h"

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

static int write_donor(struct reports_ctx *x, const struct donor *d, long rank,
		       const PGresult *r, const PGresult *rc_res)
{
	xmlTextWriterPtr w = x->w;
	char rk[24];
	int rc;

	snprintf(rk, sizeof(rk), "%ld", rank);
	if ((rc = reports_start(w, "donor")) < 0 || (rc = reports_attr(w, "rank", rk)) < 0 ||
	    (rc = reports_attr(w, "id", d->id)) < 0 ||
	    (rc = reports_attr(w, "org-type", PQgetvalue(r, d->row, 2))) < 0 ||
	    (!PQgetisnull(r, d->row, 3) &&
	     (rc = reports_attr(w, "country", PQgetvalue(r, d->row, 3))) < 0) ||
	    (rc = reports_write_text(w, "name", PQgetvalue(r, d->row, 1))) < 0 ||
	    (rc = reports_write_money(w, "received-usd", d->usd, "USD")) < 0)
		return rc;
	for (int i = d->row; i < d->row + d->n; i++) {
		const char *ccy = PQgetvalue(r, i, 4);

		if ((rc = reports_start(w, "currency")) < 0 ||
		    (rc = reports_attr(w, "code", ccy)) < 0 ||
		    (rc = reports_write_money(w, "pledged", reports_ll(r, i, 5), ccy)) < 0 ||
		    (rc = reports_write_money(w, "received", reports_ll(r, i, 6), ccy)) < 0 ||
		    (rc = reports_write_money(w, "outstanding", reports_ll(r, i, 7), ccy)) < 0 ||
		    (rc = reports_end(w, "currency")) < 0)
			return rc;
	}
	for (int i = d->receipt; i < d->receipt + d->nr; i++) {
		const char *ccy = PQgetvalue(rc_res, i, 3), *date = PQgetvalue(rc_res, i, 1);
		struct money_rate rate;
		char month[8];
		int64_t usd;

		reports_month(month, date);
		if ((rc = reports_usd(&usd, &rate, x->c, reports_ll(rc_res, i, 2), ccy, month)) < 0 ||
		    (rc = reports_start(w, "receipt")) < 0 ||
		    (rc = reports_attr(w, "id", PQgetvalue(rc_res, i, 4))) < 0 ||
		    (rc = reports_attr(w, "date", date)) < 0 ||
		    (rc = reports_write_money(w, "amount", reports_ll(rc_res, i, 2), ccy)) < 0 ||
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
	struct donor *d = NULL;
	size_t n = 0;
	int rc, j = 0;

	if ((rc = db_exec(&r, x->c, "reports_donors", 2, params)) < 0 ||
	    (rc = db_exec(&rcp, x->c, "reports_donor_receipts", 2, params)) < 0)
		goto cleanup;
	if (PQntuples(r) && !(d = calloc((size_t)PQntuples(r), sizeof(*d)))) {
		rc = err_set(ERR_INTERNAL, "out of memory for donors");
		goto cleanup;
	}
	for (int i = 0; i < PQntuples(r); i++) { /* rows come by donor id, bytewise */
		if (n == 0 || strcmp(d[n - 1].id, PQgetvalue(r, i, 0)) != 0)
			d[n++] = (struct donor){PQgetvalue(r, i, 0), i, 0, 0, 0, 0};
		d[n - 1].n++;
	}
	for (size_t k = 0; k < n; k++) { /* receipts come by donor id too: merge */
		struct money_rate rate;
		char month[8];
		int64_t usd;

		while (j < PQntuples(rcp) && strcmp(PQgetvalue(rcp, j, 0), d[k].id) < 0)
			j++;
		d[k].receipt = j;
		for (; j < PQntuples(rcp) && strcmp(PQgetvalue(rcp, j, 0), d[k].id) == 0; j++) {
			reports_month(month, PQgetvalue(rcp, j, 1));
			if ((rc = reports_usd(&usd, &rate, x->c, reports_ll(rcp, j, 2),
					      PQgetvalue(rcp, j, 3), month)) < 0 ||
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
		if ((rc = write_donor(x, &d[k], (long)k + 1, r, rcp)) < 0)
			goto cleanup;
cleanup:
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
	PGresult *r = NULL;
	int rc;

	if ((rc = db_exec(&r, x->c, "reports_inkind", 2, params)) < 0 ||
	    (rc = reports_writer_begin(w, "in-kind", &x->h)) < 0)
		goto cleanup;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *ccy = PQgetvalue(r, i, 6), *end = PQgetvalue(r, i, 8);
		bool goods = strcmp(PQgetvalue(r, i, 1), "goods") == 0;
		struct money_rate rate;
		char month[8];
		int64_t usd;

		reports_month(month, end);
		if ((rc = reports_usd(&usd, &rate, x->c, reports_ll(r, i, 5), ccy, month)) < 0 ||
		    (rc = reports_start(w, "gift")) < 0 ||
		    (rc = reports_attr(w, "id", PQgetvalue(r, i, 0))) < 0 ||
		    (rc = reports_attr(w, "kind", PQgetvalue(r, i, 1))) < 0 ||
		    (rc = reports_attr(w, "donor", PQgetvalue(r, i, 2))) < 0 ||
		    (rc = reports_write_text(w, "donor-name", PQgetvalue(r, i, 3))) < 0 ||
		    (rc = reports_write_text(w, "description", PQgetvalue(r, i, 4))) < 0 ||
		    (rc = reports_write_money(w, "fair-value", reports_ll(r, i, 5), ccy)) < 0 ||
		    (rc = reports_write_usd(w, "usd", usd, rate, month)) < 0 ||
		    (rc = reports_start(w, "gift-period")) < 0 ||
		    (rc = reports_write_date(w, "from", PQgetvalue(r, i, 7))) < 0 ||
		    (rc = reports_write_date(w, "to", end)) < 0 ||
		    (rc = reports_end(w, "gift-period")) < 0 ||
		    /* docs/fund.md: goods are revenue and expense, services memo only */
		    (rc = reports_write_text(w, "recognised", goods ? "revenue" : "memo")) < 0 ||
		    (rc = reports_end(w, "gift")) < 0)
			goto cleanup;
	}
cleanup:
	PQclear(r);
	return rc;
}
