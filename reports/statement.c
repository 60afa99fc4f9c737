/*
 * statement.c - the account statement: for every account in scope (one, or
 * all) its opening and closing balance; then the journal itself from the first entry dated in the period
 * to the ledger head, each entry with every field its hash covers and all
 * of its postings, so that the hash chain can be recomputed from the file
 * alone (tfledger verify-statement). Postings of entries dated in the period
 * carry the running balance of their account (if in scope), in journal
 * (sequence) order. Entries in the chain but dated outside the period are
 * marked in-period="false" and move no balance.
 *
 * Opening and closing balances come from the ledger's running balances
 * (as of the day before the period, and as of its end); the running
 * balances written beside the postings are summed here from the postings,
 * and the report is refused (ERR_INTERNAL) unless they end at the closing
 * balance: two independent sources that must agree.
 *
 * Streaming: entries are read in keyset pages of LIMIT_REPORT_PAGE_ENTRIES
 * (by sequence), each row a posting with its entry's columns. As soon as a
 * page has arrived the query for the next one is sent (asynchronously), and
 * what the server sends of it is taken in (PQconsumeInput) while this
 * process writes page N, so the server is never blocked on a full socket. Memory holds
 * at most two pages and grows with the number of accounts, never with
 * the number of postings.
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
	int64_t opening, closing; /* debits - credits, before and at the end */
	int64_t running;          /* debits - credits so far */
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
	for (size_t i = 0; i < n; i++)
		if ((rc = reports_start(w, "account")) < 0 ||
		    (rc = reports_attr(w, "code", a[i].code)) < 0 ||
		    (rc = reports_attr(w, "currency", a[i].currency)) < 0 ||
		    (rc = reports_attr(w, "type", PQgetvalue(r, (int)i, 2))) < 0 ||
		    (rc = reports_attr(w, "normal-side", a[i].normal_debit ? "debit" : "credit")) < 0 ||
		    (rc = reports_write_text(w, "name", PQgetvalue(r, (int)i, 1))) < 0 ||
		    (rc = reports_write_money(w, "opening-balance", normal(&a[i], a[i].opening),
					      a[i].currency)) < 0 ||
		    (rc = reports_write_money(w, "closing-balance", normal(&a[i], a[i].closing),
					      a[i].currency)) < 0 ||
		    (rc = reports_end(w, "account")) < 0)
			return rc;
	return reports_end(w, "accounts");
}

/* Optional elements: written only when the column is not NULL. */
static int write_optional(xmlTextWriterPtr w, const PGresult *r, int i, int col,
			  const char *name)
{
	return PQgetisnull(r, i, col) ? 0 : reports_write_text(w, name, PQgetvalue(r, i, col));
}

/* Writes the entry of rows [*i, ...) of page e (one row per posting, all
 * with the same sequence) and advances *i past them. */
static int write_entry(struct reports_ctx *x, struct acct *a, size_t n_acct,
		       const PGresult *e, int *i)
{
	xmlTextWriterPtr w = x->w;
	int k = *i;
	const char *seq = PQgetvalue(e, k, 0), *date = PQgetvalue(e, k, 1);
	bool in_period = strcmp(date, x->rq->from) >= 0 && strcmp(date, x->rq->to) <= 0;
	int rc;

	if (PQgetisnull(e, k, 2) || strcmp(PQgetvalue(e, k, 12), "1") != 0)
		return err_set(ERR_INTERNAL, "entry %s: its postings do not start at line 1", seq);
	if ((rc = reports_start(w, "entry")) < 0 || (rc = reports_attr(w, "sequence", seq)) < 0 ||
	    (rc = reports_attr(w, "id", PQgetvalue(e, k, 2))) < 0 ||
	    (rc = reports_attr(w, "date", date)) < 0 ||
	    (rc = reports_attr(w, "in-period", in_period ? "true" : "false")) < 0 ||
	    (rc = reports_write_text(w, "created-at", PQgetvalue(e, k, 5))) < 0 ||
	    (rc = reports_write_text(w, "token-id", PQgetvalue(e, k, 6))) < 0 ||
	    (rc = reports_write_text(w, "memo", PQgetvalue(e, k, 3))) < 0 ||
	    (rc = reports_write_text(w, "reference", PQgetvalue(e, k, 4))) < 0 ||
	    (rc = write_optional(w, e, k, 7, "idempotency-key")) < 0 ||
	    (rc = write_optional(w, e, k, 8, "request-sha256")) < 0 ||
	    (rc = write_optional(w, e, k, 9, "reverses")) < 0 ||
	    (rc = reports_write_text(w, "prev-hash", PQgetvalue(e, k, 10))) < 0 ||
	    (rc = reports_write_text(w, "hash", PQgetvalue(e, k, 11))) < 0)
		return rc;
	for (; k < PQntuples(e) && strcmp(PQgetvalue(e, k, 0), seq) == 0; k++) {
		const char *account = PQgetvalue(e, k, 13), *side = PQgetvalue(e, k, 14);
		const char *ccy = PQgetvalue(e, k, 16);
		int64_t amount = reports_ll(e, k, 15);
		struct acct *ac = in_period ? bsearch(account, a, n_acct, sizeof(*a), by_code) : NULL;

		if ((rc = reports_start(w, "posting")) < 0 ||
		    (rc = reports_attr(w, "line", PQgetvalue(e, k, 12))) < 0 ||
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
	*i = k;
	return reports_end(w, "entry");
}

/* Sends the query for the page after sequence `after` without waiting. */
static int send_page(PGconn *c, const char *after)
{
	char limit[24];

	snprintf(limit, sizeof(limit), "%d", LIMIT_REPORT_PAGE_ENTRIES);
	if (!PQsendQueryPrepared(c, "reports_st_page", 2, (const char *const[]){after, limit},
				 NULL, NULL, 0))
		return err_set(ERR_UNAVAILABLE, "account statement: %s", PQerrorMessage(c));
	return 0;
}

/* Waits for the page sent last: *out is its result (PQclear it). */
static int get_page(PGresult **out, PGconn *c)
{
	PGresult *r = PQgetResult(c), *more;
	int rc = db_result_check(c, r, "account statement page");

	while ((more = PQgetResult(c))) /* the end of the command */
		PQclear(more);
	if (rc < 0) {
		PQclear(r);
		r = NULL;
	}
	*out = r;
	return rc;
}

/* The journal from sequence first to the end of the snapshot, page by page,
 * each next page requested before the current one is written. */
static int write_entries(struct reports_ctx *x, struct acct *a, size_t n_acct, int64_t first)
{
	char after[24];
	PGresult *r = NULL, *ignored = NULL;
	bool in_flight = false;
	int rc;

	snprintf(after, sizeof(after), "%" PRId64, first - 1);
	if ((rc = send_page(x->c, after)) < 0)
		return rc;
	in_flight = true;
	for (;;) {
		int n, entries = 0;

		in_flight = false;
		if ((rc = get_page(&r, x->c)) < 0)
			goto cleanup;
		n = PQntuples(r);
		for (int i = 0; i < n; i++)
			entries += i == 0 || strcmp(PQgetvalue(r, i, 0), PQgetvalue(r, i - 1, 0)) != 0;
		if (entries == LIMIT_REPORT_PAGE_ENTRIES) {
			snprintf(after, sizeof(after), "%s", PQgetvalue(r, n - 1, 0));
			if ((rc = send_page(x->c, after)) < 0)
				goto cleanup;
			in_flight = true;
		}
		for (int i = 0, k = 0; i < n; k++) {
			if ((rc = write_entry(x, a, n_acct, r, &i)) < 0)
				goto cleanup;
			/* take in what the server has sent of the next page, so
			 * that it is not blocked on a full socket meanwhile */
			if (in_flight && k % 64 == 63 && !PQconsumeInput(x->c)) {
				rc = err_set(ERR_UNAVAILABLE, "account statement: %s",
					     PQerrorMessage(x->c));
				goto cleanup;
			}
		}
		PQclear(r);
		r = NULL;
		if (!in_flight)
			break;
	}
cleanup:
	PQclear(r);
	if (in_flight) { /* a write failed: let the connection finish the query */
		(void)get_page(&ignored, x->c);
		PQclear(ignored);
	}
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
				     reports_ll(r, (int)i, 5), reports_ll(r, (int)i, 6), 0};
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
		if (a[i].running != a[i].closing) {
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
