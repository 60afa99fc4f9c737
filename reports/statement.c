/*
 * statement.c - the account statement: for every account in scope (one, or
 * all) its opening balance, the period's debits and credits and its closing
 * balance; then the journal itself from the first entry dated in the period
 * to the ledger head, each entry with every field its hash covers and all
 * of its postings, so that the hash chain can be recomputed from the file
 * alone (tfledger verify-statement). Postings of entries dated in the period
 * carry the running balance of their account (if in scope), in journal
 * (sequence) order. Entries in the chain but dated outside the period are
 * marked in-period="false" and move no balance.
 *
 * Streaming: entries are read in keyset pages of LIMIT_REPORT_PAGE_ENTRIES
 * (by sequence) with their postings, written, and freed before the next
 * page; memory grows with the number of accounts, never with postings.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "ledger/ledger.h"
#include "reports/kinds.h"

struct acct {
	const char *code; /* into the accounts result, which outlives the array */
	const char *currency;
	bool normal_debit;
	int64_t opening, debits, credits; /* opening: debits - credits */
	int64_t running;                  /* debits - credits so far */
};

static int by_code(const void *key, const void *elem)
{
	return strcmp(key, ((const struct acct *)elem)->code);
}

/* The balance in the account's normal direction. */
static int64_t normal(const struct acct *a, int64_t debit_balance)
{
	return a->normal_debit ? debit_balance : -debit_balance;
}

static int write_accounts(struct reports_ctx *x, struct acct *a, size_t n, const PGresult *r)
{
	xmlTextWriterPtr w = x->w;
	int rc;

	if ((rc = reports_start(w, "accounts")) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		int64_t closing;

		if ((rc = money_add(&closing, a[i].opening, a[i].debits)) < 0 ||
		    (rc = money_sub(&closing, closing, a[i].credits)) < 0)
			return err_wrap(rc, "account %s", a[i].code);
		if ((rc = reports_start(w, "account")) < 0 ||
		    (rc = reports_attr(w, "code", a[i].code)) < 0 ||
		    (rc = reports_attr(w, "currency", a[i].currency)) < 0 ||
		    (rc = reports_attr(w, "type", PQgetvalue(r, (int)i, 2))) < 0 ||
		    (rc = reports_attr(w, "normal-side", a[i].normal_debit ? "debit" : "credit")) < 0 ||
		    (rc = reports_write_text(w, "name", PQgetvalue(r, (int)i, 1))) < 0 ||
		    (rc = reports_write_money(w, "opening-balance", normal(&a[i], a[i].opening),
					      a[i].currency)) < 0 ||
		    (rc = reports_write_money(w, "debits", a[i].debits, a[i].currency)) < 0 ||
		    (rc = reports_write_money(w, "credits", a[i].credits, a[i].currency)) < 0 ||
		    (rc = reports_write_money(w, "closing-balance", normal(&a[i], closing),
					      a[i].currency)) < 0 ||
		    (rc = reports_end(w, "account")) < 0)
			return rc;
	}
	return reports_end(w, "accounts");
}

/* Optional elements: written only when the column is not NULL. */
static int write_optional(xmlTextWriterPtr w, const PGresult *r, int i, int col,
			  const char *name)
{
	return PQgetisnull(r, i, col) ? 0 : reports_write_text(w, name, PQgetvalue(r, i, col));
}

/* Writes entry row i of page e with its postings p[*pi...]; advances *pi. */
static int write_entry(struct reports_ctx *x, struct acct *a, size_t n_acct,
		       const PGresult *e, int i, const PGresult *p, int *pi)
{
	xmlTextWriterPtr w = x->w;
	const char *seq = PQgetvalue(e, i, 0), *date = PQgetvalue(e, i, 2);
	bool in_period = strcmp(date, x->rq->from) >= 0 && strcmp(date, x->rq->to) <= 0;
	int rc;

	if ((rc = reports_start(w, "entry")) < 0 || (rc = reports_attr(w, "sequence", seq)) < 0 ||
	    (rc = reports_attr(w, "id", PQgetvalue(e, i, 1))) < 0 ||
	    (rc = reports_attr(w, "date", date)) < 0 ||
	    (rc = reports_attr(w, "in-period", in_period ? "true" : "false")) < 0 ||
	    (rc = reports_write_text(w, "created-at", PQgetvalue(e, i, 5))) < 0 ||
	    (rc = reports_write_text(w, "token-id", PQgetvalue(e, i, 6))) < 0 ||
	    (rc = reports_write_text(w, "memo", PQgetvalue(e, i, 3))) < 0 ||
	    (rc = reports_write_text(w, "reference", PQgetvalue(e, i, 4))) < 0 ||
	    (rc = write_optional(w, e, i, 7, "idempotency-key")) < 0 ||
	    (rc = write_optional(w, e, i, 8, "request-sha256")) < 0 ||
	    (rc = write_optional(w, e, i, 9, "reverses")) < 0 ||
	    (rc = reports_write_text(w, "prev-hash", PQgetvalue(e, i, 10))) < 0 ||
	    (rc = reports_write_text(w, "hash", PQgetvalue(e, i, 11))) < 0)
		return rc;
	for (; *pi < PQntuples(p) && strcmp(PQgetvalue(p, *pi, 0), seq) == 0; (*pi)++) {
		const char *account = PQgetvalue(p, *pi, 2), *side = PQgetvalue(p, *pi, 3);
		const char *ccy = PQgetvalue(p, *pi, 5);
		int64_t amount = reports_ll(p, *pi, 4);
		struct acct *ac = in_period ? bsearch(account, a, n_acct, sizeof(*a), by_code) : NULL;

		if ((rc = reports_start(w, "posting")) < 0 ||
		    (rc = reports_attr(w, "line", PQgetvalue(p, *pi, 1))) < 0 ||
		    (rc = reports_attr(w, "account", account)) < 0 ||
		    (rc = reports_attr(w, "side", side)) < 0 ||
		    (rc = reports_attr_money(w, "amount", amount, ccy)) < 0 ||
		    (rc = reports_attr(w, "currency", ccy)) < 0)
			return rc;
		if (ac) {
			rc = side[0] == 'd' ? money_add(&ac->running, ac->running, amount)
					    : money_sub(&ac->running, ac->running, amount);
			if (rc < 0 || (rc = reports_attr_money(w, "balance", normal(ac, ac->running),
							       ccy)) < 0)
				return rc;
		}
		if ((rc = reports_end(w, "posting")) < 0)
			return rc;
	}
	return reports_end(w, "entry");
}

/* The journal from sequence first to the end of the snapshot, page by page. */
static int write_entries(struct reports_ctx *x, struct acct *a, size_t n_acct, int64_t first)
{
	char after[24], last[24], limit[24];
	PGresult *e = NULL, *p = NULL;
	int rc, n;

	snprintf(after, sizeof(after), "%" PRId64, first - 1);
	snprintf(limit, sizeof(limit), "%d", LIMIT_REPORT_PAGE_ENTRIES);
	do {
		int pi = 0;

		if ((rc = db_exec(&e, x->c, "reports_st_entries", 2,
				  (const char *const[]){after, limit})) < 0)
			goto cleanup;
		n = PQntuples(e);
		if (n == 0)
			break;
		snprintf(last, sizeof(last), "%s", PQgetvalue(e, n - 1, 0));
		if ((rc = db_exec(&p, x->c, "reports_st_postings", 2,
				  (const char *const[]){after, last})) < 0)
			goto cleanup;
		for (int i = 0; i < n; i++)
			if ((rc = write_entry(x, a, n_acct, e, i, p, &pi)) < 0)
				goto cleanup;
		snprintf(after, sizeof(after), "%s", last);
		PQclear(e);
		PQclear(p);
		e = p = NULL;
	} while (n == LIMIT_REPORT_PAGE_ENTRIES);
cleanup:
	PQclear(e);
	PQclear(p);
	return rc;
}

int reports_write_statement(struct reports_ctx *x)
{
	const struct reports_request *rq = x->rq;
	PGresult *r = NULL, *f = NULL;
	struct acct *a = NULL;
	int64_t first = 0;
	size_t n = 0;
	int rc;

	if ((rc = db_exec(&r, x->c, "reports_st_accounts", 3,
			  (const char *const[]){rq->from, rq->to, rq->account})) < 0 ||
	    (rc = db_exec(&f, x->c, "reports_st_first", 2,
			  (const char *const[]){rq->from, rq->to})) < 0)
		goto cleanup;
	n = (size_t)PQntuples(r);
	if (n && !(a = calloc(n, sizeof(*a)))) {
		rc = err_set(ERR_INTERNAL, "out of memory for %zu accounts", n);
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++)
		a[i] = (struct acct){PQgetvalue(r, (int)i, 0), PQgetvalue(r, (int)i, 3),
				     strcmp(PQgetvalue(r, (int)i, 4), "debit") == 0,
				     reports_ll(r, (int)i, 5), reports_ll(r, (int)i, 6),
				     reports_ll(r, (int)i, 7), 0};
	for (size_t i = 0; i < n; i++)
		a[i].running = a[i].opening;
	if (!PQgetisnull(f, 0, 0))
		first = reports_ll(f, 0, 0);
	if ((rc = reports_writer_begin(x->w, "account-statement", &x->h)) < 0 ||
	    (rc = reports_write_text(x->w, "scope", rq->account ? rq->account : "all")) < 0 ||
	    (rc = write_accounts(x, a, n, r)) < 0 || (rc = reports_start(x->w, "entries")) < 0)
		goto cleanup;
	if (first > 0 && (rc = write_entries(x, a, n, first)) < 0)
		goto cleanup;
	for (size_t i = 0; i < n; i++)
		if (a[i].running != a[i].opening + a[i].debits - a[i].credits) {
			rc = err_set(ERR_INTERNAL, "account %s: the running balance does not end "
					  "at the closing balance (journal changed under the snapshot?)",
				     a[i].code);
			goto cleanup;
		}
	rc = reports_end(x->w, "entries");
cleanup:
	free(a);
	PQclear(r);
	PQclear(f);
	return rc;
}
