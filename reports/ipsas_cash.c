/*
 * ipsas_cash.c - the cash flow statement (IPSAS 2, direct method), report
 * kind cash-flow, in USD by the rule of fund/usd.h over whole months:
 *
 * Each entry dated in the period that moves a bank account (10NN-CCY) is a
 * flow of that account, classed by its other postings on the other side
 * (the counterpart), the first line of cash_lines that one of them
 * matches: a receipt (the bank debited) against 12NN/21NN/41NN is a
 * contribution, against 4300 interest; a payment against 5200 travel,
 * 5100 charges, 5400 staff, 5500 meetings, 5600 contractual services,
 * 2300/5800 programme support; anything else other receipts or other
 * payments. A flow against a line of the other direction counts there
 * with its sign (a travel refund lowers travel payments, a refund to a
 * donor lowers contributions). An entry that debits one bank account and
 * credits another is a transfer between the fund's own accounts: not a
 * flow; what it changes in USD (a transfer across currencies) is part of
 * the effect of exchange rates.
 *
 * Each flow is summed per line, bank account and month in the account's
 * currency and converted at that month's rate (rounded per account and
 * month). Opening cash is the bank accounts at the end of the month before
 * at that month's rate, closing cash at the period's end at its last
 * month's rate; the effect of exchange rate changes = closing - opening -
 * net flows. The postings read must add up, per bank account, to what its
 * running balances moved in the period, or the report is refused
 * (ERR_INTERNAL): two sources that must agree.
 *
 * Streaming: the period's entries are read in keyset pages of
 * LIMIT_REPORT_PAGE_ENTRIES by sequence, each page one COPY of a row per
 * posting taken a row at a time (as statement.c reads); memory holds one
 * entry's postings and the sums, never a page.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "reports/ipsas.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define STR_(x) #x
#define STR(x) STR_(x)

/* --- statements (common/db.h) --------------------------------------------------------- */

/* reports_cash_range: the sequences of the first and last entries dated in the period */
enum { RANGE_FIRST, RANGE_LAST, RANGE_NCOLS };
static const char *const range_cols[RANGE_NCOLS] = {[RANGE_FIRST] = "first",
						    [RANGE_LAST] = "last"};

/* reports_cash_page, a text COPY: its columns, counted in every row */
enum { P_SEQUENCE, P_DATE, P_ACCOUNT, P_SIDE, P_AMOUNT, P_NCOLS };

static const struct db_stmt stmts[] = {
	{"reports_cash_range",
	 "SELECT min(sequence) AS first, max(sequence) AS last FROM entries"
	 " WHERE date BETWEEN $1::date AND $2::date", 2},
	/* COPY takes no parameters: the page's bounds are set first, in the
	 * transaction; and no JIT, as for the account statement's pages */
	{"reports_cash_bounds",
	 "SELECT set_config('tfledger.cash_after', $1, true),"
	 " set_config('tfledger.cash_last', $2, true), set_config('jit', 'off', true)", 2},
	/* the next page of entries by sequence up to the period's last, each
	 * with its postings (one primary-key descent per entry, LATERAL as in
	 * statement.c); entries of the range dated outside the period come
	 * too and are skipped here (their date says so) */
	{"reports_cash_page",
	 "COPY (SELECT e.sequence, e.date, p.account, p.side, p.amount"
	 " FROM (SELECT id, sequence, date FROM entries"
	 "   WHERE sequence > current_setting('tfledger.cash_after')::bigint"
	 "     AND sequence <= current_setting('tfledger.cash_last')::bigint"
	 "   ORDER BY sequence LIMIT " STR(LIMIT_REPORT_PAGE_ENTRIES) ") e"
	 " CROSS JOIN LATERAL (SELECT account, side, amount FROM postings q"
	 "   WHERE q.entry_id = e.id ORDER BY q.line) p"
	 " ORDER BY e.sequence) TO STDOUT", 0},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("reports_cash_range", range_cols),
};

int reports_ipsas_setup(PGconn *c)
{
	return db_setup(c, stmts, N(stmts), columns, N(columns));
}

/* --- lines ------------------------------------------------------------------------------ */

static const struct cash_line {
	const char *id, *name;
	bool receipt;       /* a line of receipts (else of payments) */
	const char *pat[3]; /* counterpart code prefixes; none: the rest of its direction */
} cash_lines[] = {
	{"contributions", "Contributions received", true, {"12NN", "21NN", "41NN"}},
	{"interest", "Interest received", true, {"4300"}},
	{"other-receipts", "Other receipts", true, {NULL}},
	{"travel", "Travel support paid", false, {"5200"}},
	{"charges", "Bank charges paid", false, {"5100"}},
	{"staff", "Staff and other personnel costs paid", false, {"5400"}},
	{"meetings", "Meetings and conferences paid", false, {"5500"}},
	{"contractual", "Contractual services paid", false, {"5600"}},
	{"psc", "Programme support costs paid", false, {"2300", "5800"}},
	{"other-payments", "Other payments", false, {NULL}},
};
#define OTHER_RECEIPTS 2
#define OTHER_PAYMENTS (N(cash_lines) - 1)
#define TRANSFERS N(cash_lines) /* the sums' extra line: between own bank accounts */

/* --- the sums ------------------------------------------------------------------------------ */

/* An account of the months rows (memo accounts are not among them). */
struct acct {
	const char *code; /* into the months rows */
	int bank;         /* its index among the bank accounts, or -1 */
};

struct posting {
	const struct acct *a; /* NULL: a memo account */
	bool debit;
	int64_t amount;
};

struct cash {
	struct acct *accts; /* by code, bytewise */
	size_t n_accts;
	size_t *banks;      /* the bank accounts' account indexes, in account order */
	size_t n_banks;
	int64_t *sums;      /* [line][bank][month], debits - credits of the bank account */
	/* the entry being read */
	int64_t sequence;   /* 0: none */
	int month;          /* its month in the period, -1 outside it */
	struct posting *p;  /* LIMIT_POSTINGS_PER_ENTRY */
	size_t n;
};

static int64_t *sum_at(struct cash *s, const struct reports_ipsas *ip, size_t line, size_t bank,
		       size_t month)
{
	return &s->sums[(line * s->n_banks + bank) * ip->n_months + month];
}

static int by_code(const void *a, const void *b)
{
	return strcmp(((const struct acct *)a)->code, ((const struct acct *)b)->code);
}

static void cash_free(void *p)
{
	struct cash *s = p;

	if (!s)
		return;
	free(s->accts);
	free(s->banks);
	free(s->sums);
	free(s->p);
	free(s);
}

/* The class of an entry's bank postings (all on one side: debit if inflow). */
static size_t classify(const struct cash *s, bool inflow)
{
	size_t best = N(cash_lines);

	for (size_t i = 0; i < s->n; i++) {
		const struct posting *p = &s->p[i];

		if (!p->a || p->a->bank >= 0 || p->debit == inflow)
			continue; /* memo, bank, or not on the other side */
		for (size_t l = 0; l < best; l++)
			for (size_t k = 0; k < N(cash_lines[l].pat) && cash_lines[l].pat[k]; k++)
				if (reports_ipsas_code_is(p->a->code, cash_lines[l].pat[k])) {
					best = l;
					break;
				}
	}
	if (best < N(cash_lines))
		return best;
	return inflow ? OTHER_RECEIPTS : OTHER_PAYMENTS;
}

/* Adds the entry read so far to the sums (if dated in the period and it
 * moves a bank account), and forgets it. */
static int end_entry(struct cash *s, const struct reports_ipsas *ip)
{
	bool debits = false, credits = false;
	size_t line;
	int rc;

	for (size_t i = 0; i < s->n; i++)
		if (s->p[i].a && s->p[i].a->bank >= 0) {
			debits |= s->p[i].debit;
			credits |= !s->p[i].debit;
		}
	if (s->month >= 0 && (debits || credits)) {
		line = debits && credits ? TRANSFERS : classify(s, debits);
		for (size_t i = 0; i < s->n; i++) {
			const struct posting *p = &s->p[i];
			int64_t *sum;

			if (!p->a || p->a->bank < 0)
				continue;
			sum = sum_at(s, ip, line, (size_t)p->a->bank, (size_t)s->month);
			if ((rc = p->debit ? money_add(sum, *sum, p->amount)
					   : money_sub(sum, *sum, p->amount)) < 0)
				return err_code_set(ERR_LIMIT, EC_TOO_LARGE,
						    "cash-flow: the flows of %s do not fit",
						    p->a->code);
		}
	}
	s->n = 0;
	s->sequence = 0;
	return 0;
}

/* The month index of date "YYYY-MM-DD" in the period, or -1. */
static int month_of(const struct reports_ipsas *ip, const char *date, size_t len)
{
	const struct reports_request *rq = ip->x->rq;
	int k;

	if (len != 10 || memcmp(date, rq->from, 10) < 0 || memcmp(date, rq->to, 10) > 0)
		return -1;
	k = (atoi(date) - atoi(rq->from)) * 12 + atoi(date + 5) - atoi(rq->from + 5);
	return k >= 0 && (size_t)k < ip->n_months ? k : -1;
}

/* One COPY text row: sequence, date, account, side, amount, tab-separated. */
static int read_row(struct cash *s, const struct reports_ipsas *ip, char *row, int len)
{
	char *f[P_NCOLS], *end = row + len;
	struct acct key, *a;
	int64_t sequence;
	size_t k = 0;
	int rc;

	if (len > 0 && end[-1] == '\n')
		*--end = '\0';
	else
		return err_set(ERR_INTERNAL, "cash-flow: a COPY row without its end");
	for (char *p = row; k < P_NCOLS; k++) {
		char *tab = strchr(p, '\t');

		f[k] = p;
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	if (k != P_NCOLS - 1)
		return err_set(ERR_INTERNAL, "cash-flow: a COPY row of %zu columns", k + 1);
	sequence = strtoll(f[P_SEQUENCE], NULL, 10);
	if (sequence != s->sequence) {
		if (s->sequence && (rc = end_entry(s, ip)) < 0)
			return rc;
		s->sequence = sequence;
		s->month = month_of(ip, f[P_DATE], strlen(f[P_DATE]));
	}
	if (s->n == LIMIT_POSTINGS_PER_ENTRY)
		return err_set(ERR_INTERNAL, "cash-flow: entry %" PRId64 " has more than %d postings",
			       sequence, LIMIT_POSTINGS_PER_ENTRY);
	key.code = f[P_ACCOUNT];
	a = bsearch(&key, s->accts, s->n_accts, sizeof(*a), by_code);
	s->p[s->n++] = (struct posting){a, strcmp(f[P_SIDE], "debit") == 0,
					strtoll(f[P_AMOUNT], NULL, 10)};
	return 0;
}

/* Reads what is left of a COPY after a failure, so the connection can go on. */
static void drain(PGconn *c)
{
	PGresult *r;
	char *buf;

	while (PQgetCopyData(c, &buf, 0) > 0)
		PQfreemem(buf);
	while ((r = PQgetResult(c)))
		PQclear(r);
}

/* One page: the entries after sequence after, up to last. *rows_out: how
 * many rows it had. */
static int read_page(long *rows_out, struct cash *s, const struct reports_ipsas *ip,
		     int64_t after, const char *last)
{
	PGconn *c = ip->x->c;
	char a[24], *buf;
	PGresult *r;
	int n, rc;

	*rows_out = 0;
	snprintf(a, sizeof(a), "%" PRId64, after);
	if ((rc = db_exec(NULL, c, "reports_cash_bounds", 2, (const char *const[]){a, last})) < 0 ||
	    (rc = db_exec(NULL, c, "reports_cash_page", 0, NULL)) < 0)
		return rc;
	while ((n = PQgetCopyData(c, &buf, 0)) > 0) {
		rc = read_row(s, ip, buf, n);
		PQfreemem(buf);
		if (rc < 0) {
			drain(c);
			return rc;
		}
		(*rows_out)++;
	}
	if (n == -2)
		rc = err_set(ERR_UNAVAILABLE, "cash-flow: %s", PQerrorMessage(c));
	while ((r = PQgetResult(c))) {
		int rc1 = db_result_check(c, r, "cash-flow page");

		if (rc == 0)
			rc = rc1;
		PQclear(r);
	}
	return rc;
}

/* The accounts (by code) and bank accounts of the months rows, and room
 * for the sums. */
static int cash_new(struct cash **out, const struct reports_ipsas *ip)
{
	struct cash *s = calloc(1, sizeof(*s));
	size_t n = ip->n_accts;

	*out = NULL;
	if (!s || !(s->accts = calloc(n ? n : 1, sizeof(*s->accts))) ||
	    !(s->banks = calloc(n ? n : 1, sizeof(*s->banks))) ||
	    !(s->p = calloc(LIMIT_POSTINGS_PER_ENTRY, sizeof(*s->p)))) {
		cash_free(s);
		return err_set(ERR_INTERNAL, "cash-flow: out of memory");
	}
	s->n_accts = n;
	for (size_t a = 0; a < n; a++) {
		const struct fund_usd_month *m = reports_ipsas_row(ip, a, 0);
		bool bank = reports_ipsas_is_bank(m->account, m->type);

		s->accts[a] = (struct acct){m->account, bank ? (int)s->n_banks : -1};
		if (bank)
			s->banks[s->n_banks++] = a;
	}
	qsort(s->accts, n, sizeof(*s->accts), by_code);
	s->sums = calloc((TRANSFERS + 1) * (s->n_banks ? s->n_banks : 1) * ip->n_months,
			 sizeof(*s->sums));
	if (!s->sums) {
		cash_free(s);
		return err_set(ERR_INTERNAL, "cash-flow: out of memory");
	}
	*out = s;
	return 0;
}

/* Reads the period's postings into the sums and checks them against each
 * bank account's running balances (the kind's prepare step). */
static int read_flows(struct reports_ipsas *ip)
{
	const struct reports_request *rq = ip->x->rq;
	PGresult *r = NULL;
	struct cash *s = NULL;
	int64_t after, last;
	long rows;
	int rc;

	if ((rc = cash_new(&s, ip)) < 0)
		return rc;
	ip->cash = s;
	ip->cash_free = cash_free;
	if ((rc = db_exec(&r, ip->x->c, "reports_cash_range", 2,
			  (const char *const[]){rq->from, rq->to})) < 0)
		return rc;
	if (!PQgetisnull(r, 0, RANGE_FIRST)) {
		after = reports_ll(r, 0, RANGE_FIRST) - 1;
		last = reports_ll(r, 0, RANGE_LAST);
		while (after < last) {
			if ((rc = read_page(&rows, s, ip, after, PQgetvalue(r, 0, RANGE_LAST))) < 0)
				goto cleanup;
			if (rows == 0 || s->sequence <= after) {
				rc = err_set(ERR_INTERNAL, "cash-flow: no entry after %" PRId64
						  " up to %" PRId64, after, last);
				goto cleanup;
			}
			after = s->sequence;
		}
		if ((rc = end_entry(s, ip)) < 0)
			goto cleanup;
	}
	for (size_t b = 0; b < s->n_banks; b++) {
		const struct fund_usd_month *o = reports_ipsas_row(ip, s->banks[b], 0);
		const struct fund_usd_month *c = reports_ipsas_row(ip, s->banks[b], ip->n_months - 1);
		int64_t moved = 0;

		for (size_t l = 0; l <= TRANSFERS; l++)
			for (size_t k = 0; k < ip->n_months; k++)
				if ((rc = money_add(&moved, moved, *sum_at(s, ip, l, b, k))) < 0)
					goto cleanup;
		if (moved != c->closing_minor - o->opening_minor) {
			rc = err_set(ERR_INTERNAL,
				     "cash-flow: the postings of %s in the period add up to %" PRId64
				     " minor units, its running balances moved %" PRId64,
				     o->account, moved, c->closing_minor - o->opening_minor);
			goto cleanup;
		}
	}
cleanup:
	PQclear(r);
	return rc;
}

/* --- writing -------------------------------------------------------------------------------- */

/* Line l's flows (sign: a receipt line's inflows, a payment line's outflows
 * positive; transfers: into the accounts), per bank account and month;
 * its USD total into *out. */
static int write_line(int64_t *out, struct reports_ipsas *ip, size_t l)
{
	struct cash *s = ip->cash;
	int sign = l == TRANSFERS || cash_lines[l].receipt ? 1 : -1;
	int rc;

	*out = 0;
	if (l < TRANSFERS &&
	    (rc = reports_ipsas_start(ip, "line", cash_lines[l].id, cash_lines[l].name)) < 0)
		return rc;
	for (size_t b = 0; b < s->n_banks; b++) {
		const struct fund_usd_month *a = reports_ipsas_row(ip, s->banks[b], 0);
		int64_t amount = 0, total = 0, u;
		bool any = false;

		for (size_t k = 0; k < ip->n_months; k++) {
			int64_t v = sign * *sum_at(s, ip, l, b, k);

			any |= v != 0;
			if ((rc = reports_ipsas_usd(&u, ip, v, a->currency,
						    reports_ipsas_row(ip, s->banks[b], k)->month)) < 0 ||
			    (rc = money_add(&amount, amount, v)) < 0 ||
			    (rc = money_add(&total, total, u)) < 0)
				return rc;
		}
		if ((rc = money_add(out, *out, total)) < 0)
			return rc;
		if (!any || !ip->w)
			continue;
		if ((rc = reports_start(ip->w, "account")) < 0 ||
		    (rc = reports_attr(ip->w, "code", a->account)) < 0)
			return rc;
		for (size_t k = 0; k < ip->n_months; k++) {
			const char *month = reports_ipsas_row(ip, s->banks[b], k)->month;
			int64_t v = sign * *sum_at(s, ip, l, b, k);

			if (v == 0)
				continue;
			if ((rc = reports_ipsas_usd(&u, ip, v, a->currency, month)) < 0 ||
			    (rc = reports_start(ip->w, "month")) < 0 ||
			    (rc = reports_write_money(ip->w, "amount", v, a->currency)) < 0 ||
			    (rc = reports_ipsas_write_usd(ip, "usd", u, a->currency, month)) < 0 ||
			    (rc = reports_end(ip->w, "month")) < 0)
				return rc;
		}
		if ((rc = reports_write_money(ip->w, "amount", amount, a->currency)) < 0 ||
		    (rc = reports_write_money(ip->w, "total-usd", total, "USD")) < 0 ||
		    (rc = reports_end(ip->w, "account")) < 0)
			return rc;
	}
	return l < TRANSFERS ? reports_ipsas_end(ip, "line", "total-usd", *out) : 0;
}

/* <name> with the bank accounts' balances (f) and their USD total. */
static int write_cash(int64_t *out, struct reports_ipsas *ip, const char *name, enum figure f)
{
	struct cash *s = ip->cash;
	const char *month = f == OPENING_BALANCE ? ip->before_month : ip->last_month;
	int rc;

	*out = 0;
	if ((rc = reports_ipsas_start(ip, name, NULL, NULL)) < 0 ||
	    (ip->w && (rc = reports_write_date(ip->w, "as-of", f == OPENING_BALANCE
								  ? ip->before_day
								  : ip->x->rq->to)) < 0))
		return rc;
	for (size_t b = 0; b < s->n_banks; b++) {
		const struct fund_usd_month *o = reports_ipsas_row(ip, s->banks[b], 0);
		const struct fund_usd_month *c = reports_ipsas_row(ip, s->banks[b], ip->n_months - 1);
		int64_t amount = f == OPENING_BALANCE ? o->opening_minor : c->closing_minor, u;

		if (amount == 0)
			continue;
		if ((rc = reports_ipsas_usd(&u, ip, amount, o->currency, month)) < 0 ||
		    (rc = money_add(out, *out, u)) < 0)
			return rc;
		if (!ip->w)
			continue;
		if ((rc = reports_start(ip->w, "account")) < 0 ||
		    (rc = reports_attr(ip->w, "code", o->account)) < 0 ||
		    (rc = reports_write_money(ip->w, "amount", amount, o->currency)) < 0 ||
		    (rc = reports_ipsas_write_usd(ip, "usd", u, o->currency, month)) < 0 ||
		    (rc = reports_end(ip->w, "account")) < 0)
			return rc;
	}
	return reports_ipsas_end(ip, name, "total-usd", *out);
}

static int cash_body(struct reports_ipsas *ip)
{
	int64_t receipts = 0, payments = 0, net, transfers, opening, closing, change, effect, u;
	int rc;

	if ((rc = reports_ipsas_start(ip, "receipts", NULL, NULL)) < 0)
		return rc;
	for (size_t l = 0; l < N(cash_lines); l++) {
		if (l == OTHER_RECEIPTS + 1 &&
		    ((rc = reports_ipsas_end(ip, "receipts", "total-usd", receipts)) < 0 ||
		     (rc = reports_ipsas_start(ip, "payments", NULL, NULL)) < 0))
			return rc;
		if ((rc = write_line(&u, ip, l)) < 0 ||
		    (rc = cash_lines[l].receipt ? money_add(&receipts, receipts, u)
						: money_add(&payments, payments, u)) < 0)
			return rc;
	}
	if ((rc = reports_ipsas_end(ip, "payments", "total-usd", payments)) < 0 ||
	    (rc = money_sub(&net, receipts, payments)) < 0 ||
	    (rc = reports_ipsas_money(ip, "net-cash-flows", net)) < 0 ||
	    (rc = reports_ipsas_start(ip, "transfers", NULL, NULL)) < 0 ||
	    (rc = write_line(&transfers, ip, TRANSFERS)) < 0 ||
	    (rc = reports_ipsas_end(ip, "transfers", "total-usd", transfers)) < 0)
		return rc;
	/* computed without writing, to state the effect before the balances */
	{
		xmlTextWriterPtr w = ip->w;

		ip->w = NULL;
		rc = write_cash(&opening, ip, "opening-cash", OPENING_BALANCE);
		if (rc == 0)
			rc = write_cash(&closing, ip, "closing-cash", CLOSING_BALANCE);
		ip->w = w;
		if (rc < 0)
			return rc;
	}
	if ((rc = money_sub(&change, closing, opening)) < 0 ||
	    (rc = money_sub(&effect, change, net)) < 0 ||
	    (rc = reports_ipsas_money(ip, "effect-of-exchange-rates", effect)) < 0 ||
	    (rc = reports_ipsas_money(ip, "net-change-in-cash", change)) < 0 ||
	    (rc = write_cash(&opening, ip, "opening-cash", OPENING_BALANCE)) < 0)
		return rc;
	return write_cash(&closing, ip, "closing-cash", CLOSING_BALANCE);
}

int reports_write_cash_flow(struct reports_ctx *x)
{
	return reports_ipsas_run(x, "cash-flow", cash_body, read_flows);
}
