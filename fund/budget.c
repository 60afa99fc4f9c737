/*
 * budget.c - annual budgets per budget line and where they stand as of a
 * day (budget.h, docs/controls.md "Budgets").
 *
 * Invariants: a budget row is never changed (a revision is a new row,
 * numbered under a per-year advisory lock so that two revisions at
 * once get n+1 and n+2, never the same number); every USD figure is made
 * by fund/usd.h, each account and month at its month's rate, and a missing
 * rate is remembered, never the end of the reading, so that the refusal
 * names every missing rate at once. The status reads the running balances
 * (balances) and a few small tables, never a scan of the postings.
 */
#include "fund/budget.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "fund/body.h"
#include "fund/fund.h"
#include "fund/usd.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The most expense prefixes a budget line names (budget_lines). */
#define PREFIXES_MAX 8

/* The years a budget may be for (budgets' CHECK). */
#define YEAR_MIN 2000
#define YEAR_MAX 2100

/* --- statements (common/db.h) ---------------------------------------------------- */

/* fund_budget_lines: the lines, by position */
enum { BL_ID, BL_NAME, BL_EXPENSE_PREFIXES, BL_NCOLS };
static const char *const line_cols[BL_NCOLS] = {
	[BL_ID] = "id", [BL_NAME] = "name", [BL_EXPENSE_PREFIXES] = "expense_prefixes"};

/* fund_budget_last: the last revision of (year, line) and the original */
enum { BLAST_REVISION, BLAST_ORIGINAL, BLAST_NCOLS };
static const char *const last_cols[BLAST_NCOLS] = {[BLAST_REVISION] = "revision",
						   [BLAST_ORIGINAL] = "original"};

/* fund_budget_bound */
enum { BB_OTHERS, BB_OVER, BB_NCOLS };
static const char *const bound_cols[BB_NCOLS] = {[BB_OTHERS] = "others", [BB_OVER] = "over"};

/* fund_budget_insert */
enum { BINS_SET_AT, BINS_NCOLS };
static const char *const insert_cols[BINS_NCOLS] = {[BINS_SET_AT] = "set_at"};

/* fund_budgets_list: every revision */
enum {
	BR_YEAR, BR_LINE, BR_NAME, BR_REVISION, BR_AMOUNT, BR_REASON, BR_SET_BY, BR_SET_AT,
	BR_NCOLS
};
static const char *const rev_cols[BR_NCOLS] = {
	[BR_YEAR] = "year", [BR_LINE] = "line", [BR_NAME] = "name",
	[BR_REVISION] = "revision", [BR_AMOUNT] = "amount_minor", [BR_REASON] = "reason",
	[BR_SET_BY] = "set_by", [BR_SET_AT] = "set_at"};

/* fund_budget_year: per line, its revisions, original and final */
enum { BY_LINE, BY_REVISIONS, BY_ORIGINAL, BY_FINAL, BY_NCOLS };
static const char *const year_cols[BY_NCOLS] = {
	[BY_LINE] = "line", [BY_REVISIONS] = "revisions", [BY_ORIGINAL] = "original",
	[BY_FINAL] = "final"};

/* fund_budget_obligations: each line's obligation accounts at a day */
enum { BO_LINE, BO_CODE, BO_CURRENCY, BO_BALANCE, BO_NCOLS };
static const char *const obl_cols[BO_NCOLS] = {
	[BO_LINE] = "line", [BO_CODE] = "code", [BO_CURRENCY] = "currency",
	[BO_BALANCE] = "balance"};

/* fund_budget_allocations: the year's allocations up to a day */
enum {
	BA_LINE, BA_ID, BA_DATE, BA_MEETING, BA_SOURCE_EARMARK, BA_SOURCE_CURRENCY,
	BA_SOURCE_AMOUNT, BA_CURRENCY, BA_AMOUNT, BA_NCOLS
};
static const char *const alloc_cols[BA_NCOLS] = {
	[BA_LINE] = "line", [BA_ID] = "id", [BA_DATE] = "allocated_on",
	[BA_MEETING] = "meeting", [BA_SOURCE_EARMARK] = "source_earmark",
	[BA_SOURCE_CURRENCY] = "source_currency", [BA_SOURCE_AMOUNT] = "source_minor",
	[BA_CURRENCY] = "currency", [BA_AMOUNT] = "amount_minor"};

/* fund_budget_meetings: the year's meetings and their figures */
enum {
	BM_ID, BM_NAME, BM_CURRENCY, BM_ALLOCATED, BM_OBLIGATIONS, BM_EXPENDITURE, BM_OVERRUNS,
	BM_NCOLS
};
static const char *const meeting_cols[BM_NCOLS] = {
	[BM_ID] = "id", [BM_NAME] = "name", [BM_CURRENCY] = "currency",
	[BM_ALLOCATED] = "allocated", [BM_OBLIGATIONS] = "obligations",
	[BM_EXPENDITURE] = "expenditure", [BM_OVERRUNS] = "overruns"};

#define SET_AT_UTC "to_char(set_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static const struct db_stmt stmts[] = {
	{"fund_budget_lines",
	 "SELECT id, name, array_to_string(expense_prefixes, ',') AS expense_prefixes"
	 " FROM budget_lines ORDER BY position",
	 0},
	/* the budgets of one year one at a time (revision numbers, the year's
	 * bound): any bigint pair will do */
	{"fund_budget_lock", "SELECT pg_advisory_xact_lock(hashtext('budgets'), hashtext($1))", 1},
	{"fund_budget_last",
	 "SELECT max(revision) AS revision,"
	 " min(amount_minor) FILTER (WHERE revision = 0) AS original"
	 " FROM budgets WHERE year = $1::int AND line = $2",
	 2},
	/* whether amount ($3) as a line's budget would take the year's bound, the
	 * sum over its lines of each line's largest budget, beyond 64 bits */
	{"fund_budget_bound",
	 "SELECT COALESCE(sum(m.most), 0) AS others,"
	 " COALESCE(sum(m.most), 0) + $3::numeric > 9223372036854775807 AS over"
	 " FROM (SELECT max(amount_minor) AS most FROM budgets"
	 "       WHERE year = $1::int AND line <> $2 GROUP BY line) m",
	 3},
	{"fund_budget_insert",
	 "INSERT INTO budgets (year, line, revision, amount_minor, reason, set_by)"
	 " VALUES ($1::int, $2, $3::int, $4::bigint, $5, $6) RETURNING " SET_AT_UTC " AS set_at",
	 6},
	{"fund_budgets_list",
	 "SELECT b.year, b.line, l.name, b.revision, b.amount_minor, b.reason, b.set_by,"
	 " to_char(b.set_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS set_at"
	 " FROM budgets b JOIN budget_lines l ON l.id = b.line"
	 " WHERE $1::int = 0 OR b.year = $1::int ORDER BY b.year, l.position, b.revision",
	 1},
	{"fund_budget_year",
	 "SELECT line, count(*) AS revisions,"
	 " min(amount_minor) FILTER (WHERE revision = 0) AS original,"
	 " (array_agg(amount_minor ORDER BY revision DESC))[1] AS final"
	 " FROM budgets WHERE year = $1::int GROUP BY line",
	 1},
	{"fund_budget_obligations",
	 "SELECT l.id AS line, a.code, a.currency,"
	 " COALESCE((SELECT b.debit_balance FROM balances b WHERE b.account = a.code"
	 "           AND b.day <= $1::date ORDER BY b.day DESC LIMIT 1), 0) AS balance"
	 " FROM budget_lines l JOIN accounts a ON split_part(a.code, '-', 1) = l.obligation_prefix"
	 " ORDER BY l.position, a.code COLLATE \"C\"",
	 1},
	{"fund_budget_allocations",
	 "SELECT line, id, allocated_on, COALESCE(meeting, '') AS meeting, source_earmark,"
	 " source_currency, source_minor, currency, amount_minor FROM fund_allocations"
	 " WHERE year = $1::int AND allocated_on <= $2::date ORDER BY line, allocated_on, id",
	 2},
	/* a meeting of the year: allocations of the year, or trips and a start
	 * in it; obligations open at $2 from the dates of the trips' entries */
	{"fund_budget_meetings",
	 "SELECT m.id, m.name, m.currency,"
	 " COALESCE((SELECT sum(a.amount_minor) FROM fund_allocations a WHERE a.meeting = m.id"
	 "   AND a.currency = m.currency AND a.year = $1::int AND a.allocated_on <= $2::date), 0)"
	 "   AS allocated,"
	 " COALESCE((SELECT sum(t.granted_minor) FROM travel_trips t"
	 "   JOIN entries o ON o.id = t.obligation_entry"
	 "   LEFT JOIN entries r ON r.id = t.release_entry"
	 "   LEFT JOIN entries s ON s.id = t.settlement_entry"
	 "   WHERE t.meeting = m.id AND o.date <= $2::date AND (r.date IS NULL OR r.date > $2::date)"
	 "   AND (s.date IS NULL OR s.date > $2::date)), 0) AS obligations,"
	 " COALESCE((SELECT sum(t.airfare_minor + t.dsa_minor) FROM travel_trips t"
	 "   JOIN entries s ON s.id = t.settlement_entry WHERE t.meeting = m.id"
	 "   AND s.date BETWEEN make_date($1::int, 1, 1) AND $2::date), 0) AS expenditure,"
	 " COALESCE((SELECT sum(o.amount_minor) FROM fund_overruns o WHERE o.meeting = m.id"
	 "   AND o.currency = m.currency), 0) AS overruns"
	 " FROM travel_meetings m"
	 " WHERE EXISTS (SELECT 1 FROM fund_allocations a WHERE a.meeting = m.id"
	 "   AND a.year = $1::int AND a.allocated_on <= $2::date)"
	 "  OR (extract(year FROM m.starts_on) = $1::int"
	 "   AND EXISTS (SELECT 1 FROM travel_trips t WHERE t.meeting = m.id))"
	 " ORDER BY m.starts_on, m.id",
	 2},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("fund_budget_lines", line_cols),
	DB_COLUMNS("fund_budget_last", last_cols),
	DB_COLUMNS("fund_budget_bound", bound_cols),
	DB_COLUMNS("fund_budget_insert", insert_cols),
	DB_COLUMNS("fund_budgets_list", rev_cols),
	DB_COLUMNS("fund_budget_year", year_cols),
	DB_COLUMNS("fund_budget_obligations", obl_cols),
	DB_COLUMNS("fund_budget_allocations", alloc_cols),
	DB_COLUMNS("fund_budget_meetings", meeting_cols),
};

int fund_budget_setup(PGconn *c)
{
	return db_setup(c, stmts, N(stmts), columns, N(columns));
}

static int64_t ll(const PGresult *r, int row, int col)
{
	return fund_body_int64(r, row, col);
}

/* --- setting a budget -------------------------------------------------------------- */

struct set_tx {
	int year;
	const char *line, *reason;
	int64_t amount;
	const struct ledger_actor *who;
	char name[201];
	int revision;
	int64_t original;
	char set_at[32];
};

/* The line's name into t->name, or invalid-field naming the lines there are. */
static int line_known(PGconn *c, struct set_tx *t)
{
	PGresult *r = NULL;
	char known[512] = "";
	size_t used = 0;
	int rc = db_exec(&r, c, "fund_budget_lines", 0, NULL);

	if (rc < 0)
		return rc;
	for (int i = 0; i < PQntuples(r); i++) {
		if (strcmp(PQgetvalue(r, i, BL_ID), t->line) == 0) {
			snprintf(t->name, sizeof(t->name), "%s", PQgetvalue(r, i, BL_NAME));
			PQclear(r);
			return 0;
		}
		if (used < sizeof(known))
			used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s",
						 i ? ", " : "", PQgetvalue(r, i, BL_ID));
	}
	PQclear(r);
	return err_code_set(ERR_INVALID, EC_INVALID_FIELD,
			    "line: no budget line '%s'; the budget lines are %s", t->line, known);
}

static int set_tx_run(PGconn *c, void *ctx)
{
	struct set_tx *t = ctx;
	char year[16], rev[16], amt[24], key[64], obj[80], have[MONEY_STR_MAX];
	PGresult *r = NULL;
	int rc;

	snprintf(year, sizeof(year), "%d", t->year);
	snprintf(key, sizeof(key), "%d/%s", t->year, t->line);
	if ((rc = line_known(c, t)) < 0 ||
	    (rc = db_exec(NULL, c, "fund_budget_lock", 1, (const char *const[]){year})) < 0 ||
	    (rc = db_exec(&r, c, "fund_budget_last", 2, (const char *const[]){year, t->line})) < 0)
		goto cleanup;
	t->revision = PQgetisnull(r, 0, BLAST_REVISION) ? 0 : (int)ll(r, 0, BLAST_REVISION) + 1;
	t->original = t->revision == 0 ? t->amount : ll(r, 0, BLAST_ORIGINAL);
	if (t->revision > 0 && !t->reason) {
		money_format(have, t->original, "USD");
		rc = err_code_set(ERR_INVALID, EC_INVALID_FIELD,
				  "reason: required for a revision: the %s budget of %d has an"
				  " original of %s USD and would get revision %d; say why",
				  t->line, t->year, have, t->revision);
		goto cleanup;
	}
	PQclear(r);
	r = NULL;
	snprintf(rev, sizeof(rev), "%d", t->revision);
	snprintf(amt, sizeof(amt), "%" PRId64, t->amount);
	if ((rc = db_exec(&r, c, "fund_budget_bound", 3,
			  (const char *const[]){year, t->line, amt})) < 0)
		goto cleanup;
	if (strcmp(PQgetvalue(r, 0, BB_OVER), "t") == 0) {
		rc = err_code_set(ERR_INVALID, EC_AMOUNT_OVERFLOW,
				  "amount: the budgets of %d would add up to more than %" PRId64
				  " USD cents (64 bits): the other lines' budgets (each line's"
				  " largest revision) come to %s cents already",
				  t->year, INT64_MAX, PQgetvalue(r, 0, BB_OTHERS));
		goto cleanup;
	}
	PQclear(r);
	r = NULL;
	rc = db_exec(&r, c, "fund_budget_insert", 6,
		     (const char *const[]){year, t->line, rev, amt, t->reason ? t->reason : "",
					   ledger_actor_user(t->who)});
	if (rc < 0)
		goto cleanup;
	snprintf(t->set_at, sizeof(t->set_at), "%s", PQgetvalue(r, 0, BINS_SET_AT));
	snprintf(obj, sizeof(obj), "%s/%d", key, t->revision);
	rc = ledger_audit(c, t->who, "budget.set", obj);
cleanup:
	PQclear(r);
	return rc;
}

/* A year field: a JSON integer YEAR_MIN..YEAR_MAX. */
static int body_year(int *out, json_t *body)
{
	json_t *v = json_object_get(body, "year");

	*out = 0;
	if (!v)
		return fund_body_bad("year", "required field is missing", NULL);
	if (!json_is_integer(v) || json_integer_value(v) < YEAR_MIN ||
	    json_integer_value(v) > YEAR_MAX)
		return fund_body_bad("year", "expected an integer from 2000 to 2100", NULL);
	*out = (int)json_integer_value(v);
	return 0;
}

int fund_budget_set(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who)
{
	static const char *const allowed[] = {"year", "line", "amount", "reason", NULL};
	struct set_tx t = {.who = who};
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 || (rc = body_year(&t.year, body)) < 0 ||
	    (rc = fund_body_text(&t.line, body, "line", true, 32)) < 0 ||
	    (rc = fund_body_amount(&t.amount, body, "amount", true, "USD",
				   FUND_BODY_NON_NEGATIVE)) < 0 ||
	    (rc = fund_body_text(&t.reason, body, "reason", false, 1000)) < 0)
		return rc;
	rc = db_tx(c, DB_READ_COMMITTED, set_tx_run, &t);
	if (rc < 0)
		return rc;
	*out = json_pack("{s:i, s:s, s:s, s:i, s:o, s:s, s:s, s:s, s:s, s:o}", "year", t.year,
			 "line", t.line, "name", t.name, "revision", t.revision, "amount",
			 fund_body_money(t.amount, "USD"), "currency", "USD", "reason",
			 t.reason ? t.reason : "", "set_by", ledger_actor_user(who), "set_at",
			 t.set_at, "original", fund_body_money(t.original, "USD"));
	return *out ? 0 : err_oom();
}

int fund_budgets_list(json_t **out, PGconn *c, int year)
{
	PGresult *r = NULL;
	json_t *arr = json_array(), *cur = NULL;
	char y[16];
	int rc = arr ? 0 : err_oom();

	*out = NULL;
	if (rc == 0 && year != 0 && (year < YEAR_MIN || year > YEAR_MAX))
		rc = fund_body_bad("year", "expected an integer from 2000 to 2100", NULL);
	snprintf(y, sizeof(y), "%d", year);
	if (rc < 0 || (rc = db_exec(&r, c, "fund_budgets_list", 1, (const char *const[]){y})) < 0)
		goto cleanup;
	for (int i = 0; i < PQntuples(r); i++) {
		json_t *rev;

		if (ll(r, i, BR_REVISION) == 0) { /* rows come by year, line, revision */
			cur = json_pack("{s:I, s:s, s:s, s:o, s:[]}", "year",
					(json_int_t)ll(r, i, BR_YEAR), "line",
					PQgetvalue(r, i, BR_LINE), "name", PQgetvalue(r, i, BR_NAME),
					"original", fund_body_money(ll(r, i, BR_AMOUNT), "USD"),
					"revisions");
			if (!cur || json_array_append_new(arr, cur) < 0) {
				rc = err_oom();
				goto cleanup;
			}
		}
		ASSERT(cur);
		rev = json_pack("{s:I, s:o, s:s, s:s, s:s}", "revision",
				(json_int_t)ll(r, i, BR_REVISION), "amount",
				fund_body_money(ll(r, i, BR_AMOUNT), "USD"), "reason",
				PQgetvalue(r, i, BR_REASON), "set_by", PQgetvalue(r, i, BR_SET_BY),
				"set_at", PQgetvalue(r, i, BR_SET_AT));
		if (!rev || json_array_append_new(json_object_get(cur, "revisions"), rev) < 0 ||
		    json_object_set_new(cur, "final",
					fund_body_money(ll(r, i, BR_AMOUNT), "USD")) < 0) {
			rc = err_oom();
			goto cleanup;
		}
	}
	*out = arr;
	arr = NULL;
cleanup:
	PQclear(r);
	json_decref(arr);
	return rc;
}

/* --- the status as of a day ------------------------------------------------------- */

/* A line's expense accounts: their code prefixes ("5200"); its obligation
 * accounts come joined to it (fund_budget_obligations). */
struct line_accounts {
	char expense[PREFIXES_MAX][LEDGER_CODE_BYTES];
	size_t n_expense;
};

/* Grows *arr (of elements of size bytes, *cap of them) to hold n + 1. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t want;

	if (n < *cap)
		return 0;
	want = *cap ? 2 * *cap : 16;
	p = realloc(*arr, want * size);
	if (!p)
		return err_oom();
	*arr = p;
	*cap = want;
	return 0;
}

/* True if code is PREFIX-CCY for prefix. */
static bool has_prefix(const char *code, const char *prefix)
{
	size_t len = strlen(prefix);

	return len > 0 && strncmp(code, prefix, len) == 0 && code[len] == '-';
}

void fund_budget_status_free(struct fund_budget_status *s)
{
	if (!s)
		return;
	free(s->lines);
	free(s->figures);
	free(s->allocations);
	free(s->meetings);
	free(s->meeting_totals);
	free(s);
}

/* The status being read: s and what only the reading needs. */
struct reading {
	struct fund_budget_status *s;
	struct line_accounts *acc; /* one per line */
	size_t cap_figures, cap_allocations;
	fund_rates *rates;
};

static int add_usd(int64_t *sum, int64_t v)
{
	return money_add(sum, *sum, v) < 0 ? err_code_set(ERR_LIMIT, EC_TOO_LARGE,
							  "a budget total does not fit")
					   : 0;
}

/* Appends a figure of line k; converts it (a missing rate remembered). */
static int add_figure(struct reading *g, size_t k, enum fund_budget_kind kind,
		      const char *account, const char *ccy, const char *month, int64_t amount)
{
	struct fund_budget_status *s = g->s;
	struct fund_budget_figure *f;
	int rc = grow((void **)&s->figures, &g->cap_figures, s->n_figures, sizeof(*f));

	if (rc < 0)
		return rc;
	f = &s->figures[s->n_figures++];
	memset(f, 0, sizeof(*f));
	f->line = k;
	f->kind = kind;
	snprintf(f->account, sizeof(f->account), "%s", account);
	snprintf(f->currency, sizeof(f->currency), "%s", ccy);
	snprintf(f->month, sizeof(f->month), "%s", month);
	f->amount_minor = amount;
	if ((rc = fund_rates_get(&f->rate, g->rates, ccy, month)) < 0 ||
	    (rc = fund_rates_usd(&f->usd_minor, g->rates, amount, ccy, month)) < 0)
		return rc;
	return add_usd(kind == FUND_BUDGET_OBLIGATION ? &s->lines[k].obligations_minor
						      : &s->lines[k].expenditure_minor,
		       f->usd_minor);
}

static int read_lines(struct reading *g, PGconn *c)
{
	struct fund_budget_status *s = g->s;
	PGresult *r = NULL;
	char y[16];
	int rc = db_exec(&r, c, "fund_budget_lines", 0, NULL);

	if (rc < 0)
		return rc;
	s->n_lines = (size_t)PQntuples(r);
	s->lines = calloc(s->n_lines + 1, sizeof(*s->lines));
	g->acc = calloc(s->n_lines + 1, sizeof(*g->acc));
	if (!s->lines || !g->acc) {
		rc = err_oom();
		goto cleanup;
	}
	for (size_t k = 0; rc == 0 && k < s->n_lines; k++) {
		struct line_accounts *a = &g->acc[k];
		const char *p = PQgetvalue(r, (int)k, BL_EXPENSE_PREFIXES);

		snprintf(s->lines[k].id, sizeof(s->lines[k].id), "%s", PQgetvalue(r, (int)k, BL_ID));
		snprintf(s->lines[k].name, sizeof(s->lines[k].name), "%s",
			 PQgetvalue(r, (int)k, BL_NAME));
		while (*p && rc == 0) {
			size_t len = strcspn(p, ",");

			if (a->n_expense == PREFIXES_MAX || len >= LEDGER_CODE_BYTES)
				rc = err_set(ERR_INTERNAL, "budget line %s: more than %d expense"
					     " prefixes, or one too long (budget_lines)",
					     s->lines[k].id, PREFIXES_MAX);
			else
				snprintf(a->expense[a->n_expense++], LEDGER_CODE_BYTES, "%.*s",
					 (int)len, p);
			p += len + (p[len] == ',');
		}
		if (rc < 0)
			goto cleanup;
	}
	PQclear(r);
	r = NULL;
	snprintf(y, sizeof(y), "%d", s->year);
	if ((rc = db_exec(&r, c, "fund_budget_year", 1, (const char *const[]){y})) < 0)
		return rc;
	for (int i = 0; i < PQntuples(r); i++)
		for (size_t k = 0; k < s->n_lines; k++)
			if (strcmp(s->lines[k].id, PQgetvalue(r, i, BY_LINE)) == 0) {
				s->lines[k].revisions = (int)ll(r, i, BY_REVISIONS);
				s->lines[k].original_minor = ll(r, i, BY_ORIGINAL);
				s->lines[k].final_minor = ll(r, i, BY_FINAL);
			}
cleanup:
	PQclear(r);
	return rc;
}

/* Each line's obligation accounts at as_of, at the rate of as_of's month. */
static int read_obligations(struct reading *g, PGconn *c)
{
	struct fund_budget_status *s = g->s;
	PGresult *r = NULL;
	char month[8];
	int rc = db_exec(&r, c, "fund_budget_obligations", 1, (const char *const[]){s->as_of});

	snprintf(month, sizeof(month), "%.7s", s->as_of);
	for (int i = 0; rc == 0 && i < PQntuples(r); i++)
		for (size_t k = 0; rc == 0 && k < s->n_lines; k++)
			if (strcmp(s->lines[k].id, PQgetvalue(r, i, BO_LINE)) == 0 &&
			    ll(r, i, BO_BALANCE) != 0)
				rc = add_figure(g, k, FUND_BUDGET_OBLIGATION,
						PQgetvalue(r, i, BO_CODE),
						PQgetvalue(r, i, BO_CURRENCY), month,
						ll(r, i, BO_BALANCE));
	PQclear(r);
	return rc;
}

/* Each line's expense accounts' movements from January to as_of, by month. */
static int read_expenditure(struct reading *g, PGconn *c)
{
	struct fund_budget_status *s = g->s;
	struct fund_usd_month *m = NULL;
	char from[8];
	size_t n = 0;
	int rc;

	snprintf(from, sizeof(from), "%d-01", s->year);
	rc = fund_usd_months(&m, &n, c, from, s->as_of);
	for (size_t k = 0; rc == 0 && k < s->n_lines; k++)
		for (size_t i = 0; rc == 0 && i < n; i++) {
			bool mine = false;

			for (size_t p = 0; p < g->acc[k].n_expense; p++)
				mine = mine || has_prefix(m[i].account, g->acc[k].expense[p]);
			if (mine && m[i].movement_minor != 0)
				rc = add_figure(g, k, FUND_BUDGET_EXPENSE, m[i].account,
						m[i].currency, m[i].month, m[i].movement_minor);
		}
	free(m);
	return rc;
}

static int read_allocations(struct reading *g, PGconn *c, const char *year)
{
	struct fund_budget_status *s = g->s;
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "fund_budget_allocations", 2, (const char *const[]){year, s->as_of});

	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		struct fund_budget_allocation *a;
		char month[8];
		size_t k = 0;

		while (k < s->n_lines && strcmp(s->lines[k].id, PQgetvalue(r, i, BA_LINE)) != 0)
			k++;
		ASSERT(k < s->n_lines); /* fund_allocations.line references budget_lines */
		if ((rc = grow((void **)&s->allocations, &g->cap_allocations, s->n_allocations,
			       sizeof(*a))) < 0)
			break;
		a = &s->allocations[s->n_allocations++];
		memset(a, 0, sizeof(*a));
		a->line = k;
		a->id = ll(r, i, BA_ID);
		snprintf(a->date, sizeof(a->date), "%s", PQgetvalue(r, i, BA_DATE));
		snprintf(a->meeting, sizeof(a->meeting), "%s", PQgetvalue(r, i, BA_MEETING));
		snprintf(a->source_earmark, sizeof(a->source_earmark), "%s",
			 PQgetvalue(r, i, BA_SOURCE_EARMARK));
		snprintf(a->source_currency, sizeof(a->source_currency), "%s",
			 PQgetvalue(r, i, BA_SOURCE_CURRENCY));
		a->source_minor = ll(r, i, BA_SOURCE_AMOUNT);
		snprintf(a->currency, sizeof(a->currency), "%s", PQgetvalue(r, i, BA_CURRENCY));
		a->amount_minor = ll(r, i, BA_AMOUNT);
		snprintf(month, sizeof(month), "%.7s", a->date);
		if ((rc = fund_rates_usd(&a->usd_minor, g->rates, a->amount_minor, a->currency,
					 month)) >= 0)
			rc = add_usd(&s->lines[k].allocated_usd_minor, a->usd_minor);
	}
	PQclear(r);
	return rc < 0 ? rc : 0;
}

static int read_meetings(struct reading *g, PGconn *c, const char *year)
{
	struct fund_budget_status *s = g->s;
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "fund_budget_meetings", 2, (const char *const[]){year, s->as_of});

	if (rc < 0)
		return rc;
	s->n_meetings = (size_t)PQntuples(r);
	s->meetings = calloc(s->n_meetings + 1, sizeof(*s->meetings));
	if (!s->meetings)
		rc = err_oom();
	for (size_t i = 0; rc == 0 && i < s->n_meetings; i++) {
		struct fund_budget_meeting *m = &s->meetings[i];
		int k = (int)i;

		snprintf(m->id, sizeof(m->id), "%s", PQgetvalue(r, k, BM_ID));
		snprintf(m->name, sizeof(m->name), "%s", PQgetvalue(r, k, BM_NAME));
		snprintf(m->currency, sizeof(m->currency), "%s", PQgetvalue(r, k, BM_CURRENCY));
		m->allocated_minor = ll(r, k, BM_ALLOCATED);
		m->obligations_minor = ll(r, k, BM_OBLIGATIONS);
		m->expenditure_minor = ll(r, k, BM_EXPENDITURE);
		m->overruns_minor = ll(r, k, BM_OVERRUNS);
		if (money_sub(&m->balance_minor, m->allocated_minor, m->obligations_minor) < 0 ||
		    money_sub(&m->balance_minor, m->balance_minor, m->expenditure_minor) < 0)
			rc = err_code_set(ERR_LIMIT, EC_TOO_LARGE, "meeting %s: the balance does"
					  " not fit", m->id);
	}
	PQclear(r);
	return rc;
}

/* The meetings' figures added up per currency, in order of first use. */
static int sum_meetings(struct fund_budget_status *s)
{
	s->meeting_totals = calloc(s->n_meetings + 1, sizeof(*s->meeting_totals));
	if (!s->meeting_totals)
		return err_oom();
	for (size_t i = 0; i < s->n_meetings; i++) {
		const struct fund_budget_meeting *m = &s->meetings[i];
		struct fund_budget_meeting *t = s->meeting_totals;

		while (t < s->meeting_totals + s->n_meeting_totals &&
		       strcmp(t->currency, m->currency) != 0)
			t++;
		if (t == s->meeting_totals + s->n_meeting_totals) {
			snprintf(t->currency, sizeof(t->currency), "%s", m->currency);
			s->n_meeting_totals++;
		}
		if (money_add(&t->allocated_minor, t->allocated_minor, m->allocated_minor) < 0 ||
		    money_add(&t->obligations_minor, t->obligations_minor, m->obligations_minor) < 0 ||
		    money_add(&t->expenditure_minor, t->expenditure_minor, m->expenditure_minor) < 0 ||
		    money_add(&t->balance_minor, t->balance_minor, m->balance_minor) < 0 ||
		    money_add(&t->overruns_minor, t->overruns_minor, m->overruns_minor) < 0)
			return err_code_set(ERR_LIMIT, EC_TOO_LARGE,
					    "the meetings' %s total does not fit", m->currency);
	}
	return 0;
}

/* The figures' order: line, kind (obligations first), account, month. */
static int figure_cmp(const void *pa, const void *pb)
{
	const struct fund_budget_figure *a = pa, *b = pb;
	int d;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	d = strcmp(a->account, b->account);
	return d ? d : strcmp(a->month, b->month);
}

/* The allocations' order: line, date, id. */
static int allocation_cmp(const void *pa, const void *pb)
{
	const struct fund_budget_allocation *a = pa, *b = pb;
	int d;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	d = strcmp(a->date, b->date);
	return d ? d : (a->id > b->id) - (a->id < b->id);
}

/* Balances and totals once every figure is in. */
static int sum_up(struct fund_budget_status *s)
{
	struct fund_budget_line *t = &s->totals;
	int rc = 0;

	for (size_t k = 0; rc == 0 && k < s->n_lines; k++) {
		struct fund_budget_line *l = &s->lines[k];

		if (money_sub(&l->balance_minor, l->final_minor, l->obligations_minor) < 0 ||
		    money_sub(&l->balance_minor, l->balance_minor, l->expenditure_minor) < 0)
			return err_code_set(ERR_LIMIT, EC_TOO_LARGE, "line %s: the balance does"
					    " not fit", l->id);
		if ((rc = add_usd(&t->original_minor, l->original_minor)) < 0 ||
		    (rc = add_usd(&t->final_minor, l->final_minor)) < 0 ||
		    (rc = add_usd(&t->obligations_minor, l->obligations_minor)) < 0 ||
		    (rc = add_usd(&t->expenditure_minor, l->expenditure_minor)) < 0 ||
		    (rc = add_usd(&t->balance_minor, l->balance_minor)) < 0 ||
		    (rc = add_usd(&t->allocated_usd_minor, l->allocated_usd_minor)) < 0)
			return rc;
		t->revisions += l->revisions;
	}
	return 0;
}

int fund_budget_status_read(struct fund_budget_status **out, PGconn *c, int year,
			    const char *as_of)
{
	struct reading g = {0};
	char y[16];
	int rc;

	*out = NULL;
	if (year < YEAR_MIN || year > YEAR_MAX)
		return fund_body_bad("year", "expected an integer from 2000 to 2100", NULL);
	snprintf(y, sizeof(y), "%d", year);
	if (!as_of || !date_valid(as_of))
		return fund_body_bad("as_of", "expected a date YYYY-MM-DD, got ",
				     as_of ? as_of : "");
	if (strncmp(as_of, y, 4) != 0 || as_of[4] != '-')
		return err_code_set(ERR_INVALID, EC_INVALID_FIELD,
				    "as_of: %s is not in the budget year %d", as_of, year);
	g.s = calloc(1, sizeof(*g.s));
	if (!g.s)
		return err_oom();
	g.s->year = year;
	snprintf(g.s->as_of, sizeof(g.s->as_of), "%s", as_of);
	if ((rc = fund_rates_load(&g.rates, c)) < 0 || (rc = read_lines(&g, c)) < 0 ||
	    (rc = read_obligations(&g, c)) < 0 || (rc = read_expenditure(&g, c)) < 0 ||
	    (rc = read_allocations(&g, c, y)) < 0 || (rc = read_meetings(&g, c, y)) < 0)
		goto cleanup;
	if ((rc = fund_rates_missing_error(g.rates)) < 0) {
		err_wrap(rc, "the budget of %d as of %s", year, as_of);
		goto cleanup;
	}
	if (g.s->n_figures)
		qsort(g.s->figures, g.s->n_figures, sizeof(*g.s->figures), figure_cmp);
	if (g.s->n_allocations)
		qsort(g.s->allocations, g.s->n_allocations, sizeof(*g.s->allocations),
		      allocation_cmp);
	if ((rc = sum_up(g.s)) < 0 || (rc = sum_meetings(g.s)) < 0)
		goto cleanup;
	*out = g.s;
	g.s = NULL;
cleanup:
	fund_budget_status_free(g.s);
	fund_rates_free(g.rates);
	free(g.acc);
	return rc;
}

/* --- the status as JSON --------------------------------------------------------- */

static json_t *usd(int64_t minor)
{
	return fund_body_money(minor, "USD");
}

int fund_budget_account_sum(size_t *end_out, int64_t *amount_out, int64_t *usd_out,
			    const struct fund_budget_status *s, size_t i)
{
	const struct fund_budget_figure *f = &s->figures[i];
	size_t end = i;

	ASSERT(i < s->n_figures);
	*amount_out = *usd_out = 0;
	while (end < s->n_figures && s->figures[end].line == f->line &&
	       s->figures[end].kind == f->kind && strcmp(s->figures[end].account, f->account) == 0) {
		if (money_add(amount_out, *amount_out, s->figures[end].amount_minor) < 0 ||
		    money_add(usd_out, *usd_out, s->figures[end].usd_minor) < 0)
			return err_code_set(ERR_LIMIT, EC_TOO_LARGE,
					    "%s: the sum of its months does not fit", f->account);
		end++;
	}
	*end_out = end;
	return 0;
}

/* The figures of line k grouped by kind and account, from *i on (moved
 * on), into *out (a new array); ERR_LIMIT if a sum does not fit. */
static int accounts_json(json_t **out, const struct fund_budget_status *s, size_t k, size_t *i)
{
	json_t *arr = json_array();
	int rc = arr ? 0 : err_oom();

	while (rc == 0 && *i < s->n_figures && s->figures[*i].line == k) {
		const struct fund_budget_figure *f = &s->figures[*i];
		int64_t amount, in_usd;
		json_t *months, *o;
		size_t end;

		if ((rc = fund_budget_account_sum(&end, &amount, &in_usd, s, *i)) < 0)
			break;
		months = json_array();
		for (; months && *i < end; (*i)++) {
			const struct fund_budget_figure *m = &s->figures[*i];

			json_array_append_new(months,
					      json_pack("{s:s, s:o, s:o, s:o}", "month", m->month,
							"amount", fund_body_money(m->amount_minor,
										  m->currency),
							"usd", usd(m->usd_minor), "usd_per_unit",
							fund_body_rate(m->rate)));
		}
		o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o*}", "account", f->account, "kind",
			      f->kind == FUND_BUDGET_OBLIGATION ? "obligation" : "expense",
			      "currency", f->currency, "amount", fund_body_money(amount, f->currency),
			      "usd", usd(in_usd), "months", months);
		if (!o || !months || json_array_append_new(arr, o) < 0)
			rc = err_oom();
	}
	if (rc < 0)
		json_decref(arr);
	*out = rc < 0 ? NULL : arr;
	return rc;
}

static json_t *allocations_json(const struct fund_budget_status *s, size_t k)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < s->n_allocations; i++) {
		const struct fund_budget_allocation *a = &s->allocations[i];

		if (a->line != k)
			continue;
		if (json_array_append_new(
			    arr, json_pack("{s:I, s:s, s:s?, s:{s:s, s:s, s:o}, s:o, s:s, s:o}", "id",
					   (json_int_t)a->id, "date", a->date, "meeting",
					   a->meeting[0] ? a->meeting : NULL, "source", "earmark",
					   a->source_earmark, "currency", a->source_currency,
					   "amount", fund_body_money(a->source_minor,
								     a->source_currency),
					   "amount", fund_body_money(a->amount_minor, a->currency),
					   "currency", a->currency, "usd", usd(a->usd_minor))) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *line_json(const struct fund_budget_line *l)
{
	return json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:o}", "revisions", l->revisions,
			 "original", usd(l->original_minor), "final", usd(l->final_minor),
			 "obligations", usd(l->obligations_minor), "expenditure",
			 usd(l->expenditure_minor), "balance", usd(l->balance_minor),
			 "allocated_usd", usd(l->allocated_usd_minor));
}

static json_t *meeting_json(const struct fund_budget_meeting *m)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "currency", m->currency, "allocated",
			 fund_body_money(m->allocated_minor, m->currency), "obligations",
			 fund_body_money(m->obligations_minor, m->currency), "expenditure",
			 fund_body_money(m->expenditure_minor, m->currency), "balance",
			 fund_body_money(m->balance_minor, m->currency), "overruns",
			 fund_body_money(m->overruns_minor, m->currency));
}

int fund_budget_status(json_t **out, PGconn *c, int year, const char *as_of)
{
	struct fund_budget_status *s = NULL;
	json_t *o = NULL, *lines, *meetings, *totals, *accounts = NULL;
	char dec31[16];
	size_t f = 0;
	int rc;

	*out = NULL;
	snprintf(dec31, sizeof(dec31), "%d-12-31", year);
	if ((rc = fund_budget_status_read(&s, c, year, as_of ? as_of : dec31)) < 0)
		return rc;
	o = json_pack("{s:i, s:s, s:s, s:[], s:o, s:[], s:[]}", "year", s->year, "as_of",
		      s->as_of, "currency", "USD", "lines", "totals", line_json(&s->totals),
		      "meetings", "meeting_totals");
	if (!o) {
		rc = err_oom();
		goto cleanup;
	}
	lines = json_object_get(o, "lines");
	meetings = json_object_get(o, "meetings");
	totals = json_object_get(o, "meeting_totals");
	for (size_t k = 0; k < s->n_lines; k++) {
		json_t *l = line_json(&s->lines[k]);

		if (!l) {
			rc = err_oom();
			goto cleanup;
		}
		if ((rc = accounts_json(&accounts, s, k, &f)) < 0) {
			json_decref(l);
			goto cleanup;
		}
		if (json_object_set_new(l, "line", json_string(s->lines[k].id)) < 0 ||
		    json_object_set_new(l, "name", json_string(s->lines[k].name)) < 0 ||
		    json_object_set_new(l, "accounts", accounts) < 0 ||
		    json_object_set_new(l, "allocations", allocations_json(s, k)) < 0 ||
		    json_array_append_new(lines, l) < 0) { /* jansson dropped l: never twice */
			rc = err_oom();
			goto cleanup;
		}
	}
	for (size_t i = 0; i < s->n_meetings; i++) {
		json_t *m = meeting_json(&s->meetings[i]);

		if (!m || json_object_set_new(m, "meeting", json_string(s->meetings[i].id)) < 0 ||
		    json_object_set_new(m, "name", json_string(s->meetings[i].name)) < 0 ||
		    json_array_append_new(meetings, m) < 0) {
			rc = err_oom();
			goto cleanup;
		}
	}
	for (size_t i = 0; i < s->n_meeting_totals; i++)
		if (json_array_append_new(totals, meeting_json(&s->meeting_totals[i])) < 0) {
			rc = err_oom();
			goto cleanup;
		}
	*out = o;
	o = NULL;
cleanup:
	fund_budget_status_free(s);
	json_decref(o);
	return rc;
}
