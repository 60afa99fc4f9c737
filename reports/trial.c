/*
 * trial.c - the trial balance as of the period's end: every account's
 * balance (debits - credits of all its postings dated up to `to`) in the
 * debit or the credit column, grouped by currency, each with its USD figure
 * at the UN operational rate of `to`'s month (the rate written beside it).
 * Per currency the debit and credit columns are equal, because every entry
 * balances per currency; the report refuses to be written if they are not.
 * In USD the columns may differ by the rounding of each conversion: the
 * difference is written, never hidden.
 *
 * Rates (fund/usd.h): a balance that is not zero needs its currency's
 * rate of the month; when any is missing the report is refused with ONE
 * list of every missing (currency, month) before anything is written. A
 * currency whose every account is zero needs no rate: without one it is
 * left out (there is nothing to convert).
 */
#include <stdio.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "common/money.h"
#include "fund/usd.h"
#include "reports/kinds.h"

/* reports_tb: every account's debits - credits dated up to $1 */
enum { TB_CODE, TB_NAME, TB_TYPE, TB_CURRENCY, TB_BALANCE, TB_NCOLS };
static const char *const tb_cols[TB_NCOLS] = {
	[TB_CODE] = "code", [TB_NAME] = "name", [TB_TYPE] = "type", [TB_CURRENCY] = "currency",
	[TB_BALANCE] = "balance"};

static const struct db_stmt stmts[] = {
	{"reports_tb",
	 "SELECT a.code, a.name, a.type, a.currency,"
	 " COALESCE(sum(CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END), 0)"
	 " AS balance FROM accounts a"
	 " LEFT JOIN (postings p JOIN entries e ON e.id = p.entry_id AND e.date <= $1::date)"
	 "   ON p.account = a.code"
	 " GROUP BY a.code ORDER BY a.currency, a.code COLLATE \"C\"", 1},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("reports_tb", tb_cols),
};

int reports_trial_setup(PGconn *c)
{
	return db_setup(c, stmts, sizeof(stmts) / sizeof(stmts[0]), columns,
			sizeof(columns) / sizeof(columns[0]));
}

struct totals {
	int64_t debits, credits;
};

static int write_totals(xmlTextWriterPtr w, const char *name, struct totals t, const char *ccy)
{
	int rc;

	if ((rc = reports_start(w, name)) < 0 ||
	    (rc = reports_write_money(w, "debits", t.debits, ccy)) < 0 ||
	    (rc = reports_write_money(w, "credits", t.credits, ccy)) < 0)
		return rc;
	return reports_end(w, name);
}

/* Adds |balance| to the debit or credit column of t. */
static int add(struct totals *t, int64_t balance)
{
	return balance >= 0 ? money_add(&t->debits, t->debits, balance)
			    : money_sub(&t->credits, t->credits, balance);
}

int reports_write_trial_balance(struct reports_ctx *x)
{
	xmlTextWriterPtr w = x->w;
	struct totals ccy_t = {0}, usd_t = {0};
	struct money_rate rate = {1, 0};
	fund_rates *fr = NULL;
	PGresult *r = NULL;
	char month[8], diff_ccy[4] = "";
	int64_t diff;
	int rc, n;

	reports_month(month, x->rq->to);
	if ((rc = db_exec(&r, x->c, "reports_tb", 1, (const char *const[]){x->rq->to})) < 0 ||
	    (rc = fund_rates_load(&fr, x->c)) < 0)
		goto cleanup;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) /* every rate a balance needs, missing ones remembered */
		if (reports_ll(r, i, TB_BALANCE) != 0 &&
		    (rc = fund_rates_get(&rate, fr, PQgetvalue(r, i, TB_CURRENCY), month)) < 0)
			goto cleanup;
	if ((rc = fund_rates_missing_error(fr)) < 0 ||
	    (rc = reports_writer_begin(w, "trial-balance", &x->h)) < 0 ||
	    (rc = reports_write_date(w, "as-of", x->rq->to)) < 0)
		goto cleanup;
	for (int i = 0; i < n; i++) {
		const char *ccy = PQgetvalue(r, i, TB_CURRENCY);
		int64_t bal = reports_ll(r, i, TB_BALANCE), usd;

		if (strcmp(ccy, diff_ccy) != 0 && fund_rates_get(&rate, fr, ccy, month) != 0) {
			/* every balance of ccy is zero (else refused above): left out */
			while (i + 1 < n && strcmp(PQgetvalue(r, i + 1, TB_CURRENCY), ccy) == 0)
				i++;
			continue;
		}
		if (strcmp(ccy, diff_ccy) != 0) { /* a new currency */
			if ((rc = reports_start(w, "currency")) < 0 ||
			    (rc = reports_attr(w, "code", ccy)) < 0)
				goto cleanup;
			snprintf(diff_ccy, sizeof(diff_ccy), "%s", ccy);
			ccy_t = (struct totals){0, 0};
		}
		if ((rc = fund_rates_usd(&usd, fr, bal, ccy, month)) < 0 ||
		    (rc = reports_start(w, "account")) < 0 ||
		    (rc = reports_attr(w, "code", PQgetvalue(r, i, TB_CODE))) < 0 ||
		    (rc = reports_attr(w, "type", PQgetvalue(r, i, TB_TYPE))) < 0 ||
		    (rc = reports_write_text(w, "name", PQgetvalue(r, i, TB_NAME))) < 0 ||
		    (rc = reports_write_money(w, "debit", bal > 0 ? bal : 0, ccy)) < 0 ||
		    (rc = reports_write_money(w, "credit", bal < 0 ? -bal : 0, ccy)) < 0 ||
		    (rc = reports_write_usd(w, "usd-debit", usd > 0 ? usd : 0, rate, month)) < 0 ||
		    (rc = reports_write_usd(w, "usd-credit", usd < 0 ? -usd : 0, rate,
					    month)) < 0 ||
		    (rc = reports_end(w, "account")) < 0 || (rc = add(&ccy_t, bal)) < 0 ||
		    (rc = add(&usd_t, usd)) < 0)
			goto cleanup;
		if (i + 1 == n || strcmp(PQgetvalue(r, i + 1, TB_CURRENCY), ccy) != 0) {
			if (ccy_t.debits != ccy_t.credits) {
				rc = err_set(ERR_INTERNAL, "trial balance: %s debits and credits "
						  "differ: the journal is unbalanced", ccy);
				goto cleanup;
			}
			if ((rc = write_totals(w, "totals", ccy_t, ccy)) < 0 ||
			    (rc = reports_end(w, "currency")) < 0)
				goto cleanup;
		}
	}
	if ((rc = money_sub(&diff, usd_t.debits, usd_t.credits)) < 0 ||
	    (rc = reports_start(w, "usd-totals")) < 0 ||
	    (rc = reports_write_money(w, "debits", usd_t.debits, "USD")) < 0 ||
	    (rc = reports_write_money(w, "credits", usd_t.credits, "USD")) < 0 ||
	    (rc = reports_write_money(w, "rounding-difference", diff, "USD")) < 0)
		goto cleanup;
	rc = reports_end(w, "usd-totals");
cleanup:
	fund_rates_free(fr);
	PQclear(r);
	return rc;
}
