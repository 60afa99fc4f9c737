/*
 * budgetkinds.c - the report kinds of the annual budgets (fund/budget.h,
 * docs/reports.md), read in the report's snapshot from the one reading of
 * fund_budget_status_read, so that the reports, the API and the CLI give
 * the same figures:
 *
 * budget-status: the year of --to as of --to, per budget line the original
 *   and final budgets, the obligations open, the expenditure since January
 *   1 and the balance, in USD, each tied to the accounts it sums (each
 *   account's amount in its currency and, per month, in USD at the month's
 *   UN rate), the allocations to the line; per meeting of the year its
 *   figures in its currency; totals.
 * budget-comparison: IPSAS 24's statement of comparison of budget and
 *   actual amounts for the year of --to: original and final budgets, the
 *   actual amounts on the budget's basis (the UN's: expenditure plus the
 *   obligations open at the end of the period) and the difference final -
 *   actual, per line with totals, in USD, each actual tied to its accounts.
 *
 * --from must be in the year of --to: a budget is for one calendar year,
 * and its expenditure always counts from January 1. Memory grows with the
 * accounts and months of the year, never with postings.
 */
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/money.h"
#include "fund/budget.h"
#include "reports/kinds.h"

/* What the comparison says of its basis (docs/reports.md says the same). */
#define BUDGET_BASIS                                                                      \
	"Budget basis of the United Nations (IPSAS 24): actual amounts on a comparable"   \
	" basis are the expenditure of the period plus the obligations open at its end;" \
	" difference = final budget - actual. USD at the UN operational rates of"        \
	" exchange: expenditure at each month's rate, obligations at the rate of the"    \
	" last month."

/* The status of the request's year as of --to; *out freed by the caller. */
static int read_status(struct fund_budget_status **out, struct reports_ctx *x)
{
	int year = 0;

	*out = NULL;
	if (strncmp(x->rq->from, x->rq->to, 4) != 0)
		return err_code_set(ERR_INVALID, EC_INVALID_FIELD,
				    "%s: --from %s and --to %s are not in the same year: a budget"
				    " is for one calendar year", x->rq->kind, x->rq->from,
				    x->rq->to);
	sscanf(x->rq->to, "%4d", &year);
	return fund_budget_status_read(out, x->c, year, x->rq->to);
}

static int write_year(xmlTextWriterPtr w, const struct fund_budget_status *s)
{
	char y[16];
	int rc;

	snprintf(y, sizeof(y), "%d", s->year);
	if ((rc = reports_write_text(w, "year", y)) < 0)
		return rc;
	return reports_write_date(w, "as-of", s->as_of);
}

/*
 * The figures of line k from *i on (moved on): one <account> per kind and
 * account with its amount, its USD sum and each month's part at its rate.
 */
static int write_accounts(xmlTextWriterPtr w, const struct fund_budget_status *s, size_t k,
			  size_t *i)
{
	int rc = 0;

	while (*i < s->n_figures && s->figures[*i].line == k) {
		const struct fund_budget_figure *f = &s->figures[*i];
		int64_t amount, usd;
		size_t end;

		if ((rc = fund_budget_account_sum(&end, &amount, &usd, s, *i)) < 0)
			return rc;
		if ((rc = reports_start(w, "account")) < 0 ||
		    (rc = reports_attr(w, "code", f->account)) < 0 ||
		    (rc = reports_attr(w, "kind", f->kind == FUND_BUDGET_OBLIGATION ? "obligation"
										   : "expense")) < 0 ||
		    (rc = reports_write_money(w, "amount", amount, f->currency)) < 0 ||
		    (rc = reports_write_money(w, "usd-total", usd, "USD")) < 0)
			return rc;
		for (; *i < end; (*i)++) {
			const struct fund_budget_figure *m = &s->figures[*i];

			if ((rc = reports_start(w, "part")) < 0 ||
			    (rc = reports_write_money(w, "amount", m->amount_minor, m->currency)) < 0 ||
			    (rc = reports_write_usd(w, "usd", m->usd_minor, m->rate, m->month)) < 0 ||
			    (rc = reports_end(w, "part")) < 0)
				return rc;
		}
		if ((rc = reports_end(w, "account")) < 0)
			return rc;
	}
	return rc;
}

static int write_allocations(xmlTextWriterPtr w, const struct fund_budget_status *s, size_t k)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < s->n_allocations; i++) {
		const struct fund_budget_allocation *a = &s->allocations[i];
		char id[24];

		if (a->line != k)
			continue;
		snprintf(id, sizeof(id), "%lld", a->id);
		if ((rc = reports_start(w, "allocation")) < 0 || (rc = reports_attr(w, "id", id)) < 0 ||
		    (rc = reports_attr(w, "date", a->date)) < 0 ||
		    (a->meeting[0] && (rc = reports_attr(w, "meeting", a->meeting)) < 0) ||
		    (rc = reports_attr(w, "source-earmark", a->source_earmark)) < 0 ||
		    (rc = reports_write_money(w, "source-amount", a->source_minor,
					      a->source_currency)) < 0 ||
		    (rc = reports_write_money(w, "amount", a->amount_minor, a->currency)) < 0 ||
		    (rc = reports_write_money(w, "usd", a->usd_minor, "USD")) < 0)
			return rc;
		rc = reports_end(w, "allocation");
	}
	return rc;
}

/* The five USD figures of a line (or of the totals) of the status. */
static int write_status_figures(xmlTextWriterPtr w, const struct fund_budget_line *l)
{
	int rc;

	if ((rc = reports_write_money(w, "original", l->original_minor, "USD")) < 0 ||
	    (rc = reports_write_money(w, "final", l->final_minor, "USD")) < 0 ||
	    (rc = reports_write_money(w, "obligations", l->obligations_minor, "USD")) < 0 ||
	    (rc = reports_write_money(w, "expenditure", l->expenditure_minor, "USD")) < 0)
		return rc;
	return reports_write_money(w, "balance", l->balance_minor, "USD");
}

static int write_meeting(xmlTextWriterPtr w, const char *name, const struct fund_budget_meeting *m)
{
	const char *ccy = m->currency;
	int rc;

	if ((rc = reports_start(w, name)) < 0 ||
	    (m->id[0] && (rc = reports_attr(w, "id", m->id)) < 0) ||
	    (rc = reports_attr(w, "currency", ccy)) < 0 ||
	    (m->id[0] && (rc = reports_write_text(w, "name", m->name)) < 0) ||
	    (rc = reports_write_money(w, "allocated", m->allocated_minor, ccy)) < 0 ||
	    (rc = reports_write_money(w, "obligations", m->obligations_minor, ccy)) < 0 ||
	    (rc = reports_write_money(w, "expenditure", m->expenditure_minor, ccy)) < 0 ||
	    (rc = reports_write_money(w, "balance", m->balance_minor, ccy)) < 0 ||
	    (rc = reports_write_money(w, "overruns", m->overruns_minor, ccy)) < 0)
		return rc;
	return reports_end(w, name);
}

/* The meetings, then their totals per currency. */
static int write_meetings(xmlTextWriterPtr w, const struct fund_budget_status *s)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < s->n_meetings; i++)
		rc = write_meeting(w, "meeting", &s->meetings[i]);
	for (size_t i = 0; rc == 0 && i < s->n_meeting_totals; i++)
		rc = write_meeting(w, "meeting-totals", &s->meeting_totals[i]);
	return rc;
}

int reports_write_budget_status(struct reports_ctx *x)
{
	struct fund_budget_status *s = NULL;
	xmlTextWriterPtr w = x->w;
	size_t f = 0;
	int rc;

	if ((rc = read_status(&s, x)) < 0 ||
	    (rc = reports_writer_begin(w, "budget-status", &x->h)) < 0 ||
	    (rc = write_year(w, s)) < 0)
		goto cleanup;
	for (size_t k = 0; k < s->n_lines; k++) {
		const struct fund_budget_line *l = &s->lines[k];
		char revs[16];

		snprintf(revs, sizeof(revs), "%d", l->revisions);
		if ((rc = reports_start(w, "line")) < 0 || (rc = reports_attr(w, "id", l->id)) < 0 ||
		    (rc = reports_attr(w, "revisions", revs)) < 0 ||
		    (rc = reports_write_text(w, "name", l->name)) < 0 ||
		    (rc = write_status_figures(w, l)) < 0 || (rc = write_accounts(w, s, k, &f)) < 0 ||
		    (rc = write_allocations(w, s, k)) < 0 ||
		    (rc = reports_write_money(w, "allocated-usd", l->allocated_usd_minor, "USD")) < 0 ||
		    (rc = reports_end(w, "line")) < 0)
			goto cleanup;
	}
	if ((rc = reports_start(w, "totals")) < 0 || (rc = write_status_figures(w, &s->totals)) < 0 ||
	    (rc = reports_write_money(w, "allocated-usd", s->totals.allocated_usd_minor, "USD")) < 0 ||
	    (rc = reports_end(w, "totals")) < 0)
		goto cleanup;
	rc = write_meetings(w, s);
cleanup:
	fund_budget_status_free(s);
	return rc;
}

/* IPSAS 24's columns of a line (or of the totals). */
static int write_comparison_figures(xmlTextWriterPtr w, const struct fund_budget_line *l)
{
	int64_t actual, difference;
	int rc;

	if (money_add(&actual, l->expenditure_minor, l->obligations_minor) < 0 ||
	    money_sub(&difference, l->final_minor, actual) < 0)
		return err_code_set(ERR_LIMIT, EC_TOO_LARGE, "%s: the actual amount does not fit",
				    l->id[0] ? l->id : "totals");
	if ((rc = reports_write_money(w, "original-budget", l->original_minor, "USD")) < 0 ||
	    (rc = reports_write_money(w, "final-budget", l->final_minor, "USD")) < 0 ||
	    (rc = reports_write_money(w, "expenditure", l->expenditure_minor, "USD")) < 0 ||
	    (rc = reports_write_money(w, "obligations", l->obligations_minor, "USD")) < 0 ||
	    (rc = reports_write_money(w, "actual", actual, "USD")) < 0)
		return rc;
	return reports_write_money(w, "difference", difference, "USD");
}

int reports_write_budget_comparison(struct reports_ctx *x)
{
	struct fund_budget_status *s = NULL;
	xmlTextWriterPtr w = x->w;
	size_t f = 0;
	int rc;

	if ((rc = read_status(&s, x)) < 0 ||
	    (rc = reports_writer_begin(w, "budget-comparison", &x->h)) < 0 ||
	    (rc = write_year(w, s)) < 0 || (rc = reports_write_text(w, "basis", BUDGET_BASIS)) < 0)
		goto cleanup;
	for (size_t k = 0; k < s->n_lines; k++) {
		const struct fund_budget_line *l = &s->lines[k];

		if ((rc = reports_start(w, "line")) < 0 || (rc = reports_attr(w, "id", l->id)) < 0 ||
		    (rc = reports_write_text(w, "name", l->name)) < 0 ||
		    (rc = write_comparison_figures(w, l)) < 0 ||
		    (rc = write_accounts(w, s, k, &f)) < 0 || (rc = reports_end(w, "line")) < 0)
			goto cleanup;
	}
	if ((rc = reports_start(w, "totals")) < 0 ||
	    (rc = write_comparison_figures(w, &s->totals)) < 0)
		goto cleanup;
	rc = reports_end(w, "totals");
cleanup:
	fund_budget_status_free(s);
	return rc;
}
