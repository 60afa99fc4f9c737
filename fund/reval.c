/*
 * reval.c - month-end revaluation at UN operational rates, and corrections
 * of a stored rate (reval.h; docs/controls.md "Month-end revaluation").
 *
 * R(m) is computed from the running balances (fund_usd_months: one index
 * probe per account and month end) and the rates held in memory
 * (fund_rates_*), so that revaluing a month costs the same with a million
 * postings as with ten. Every rate a figure needs is asked for before
 * anything is refused, so a refusal lists every missing rate at once; a
 * zero figure needs no rate.
 *
 * Invariants: fund_revaluations holds at most one current row per month
 * (its unique index), and the journal holds exactly the current row's
 * entry unreversed: a different R reverses the old entry (an entry that
 * `reverses` it, as `tfledger reverse` makes) before the new one is posted,
 * in the same transaction. Nothing here edits or deletes a journal row; a
 * closed month is never revalued.
 */
#include "fund/reval.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "fund/body.h"
#include "fund/fund.h"
#include "fund/usd.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* --- statements (common/db.h) ------------------------------------------------------ */

/* reval_current, reval_current_lock: the month's current row */
enum { CUR_ID, CUR_AMOUNT, CUR_ENTRY, CUR_NCOLS };
static const char *const cur_cols[CUR_NCOLS] = {
	[CUR_ID] = "id", [CUR_AMOUNT] = "amount_minor", [CUR_ENTRY] = "entry_id"};

/* reval_closed: the first closed month among $1 and the month after (if $2) */
enum { CLOSED_MONTH, CLOSED_NCOLS };
static const char *const closed_cols[CLOSED_NCOLS] = {[CLOSED_MONTH] = "month"};

/* reval_insert, rate_correction_insert */
enum { NEW_ID, NEW_NCOLS };
static const char *const new_cols[NEW_NCOLS] = {[NEW_ID] = "id"};

/* reval_list */
enum {
	RL_ID, RL_MONTH, RL_AMOUNT, RL_CURRENT, RL_ENTRY, RL_REVERSAL, RL_BY, RL_AT,
	RL_SUPERSEDED, RL_RATES, RL_NCOLS
};
static const char *const list_cols[RL_NCOLS] = {
	[RL_ID] = "id", [RL_MONTH] = "month", [RL_AMOUNT] = "amount_minor",
	[RL_CURRENT] = "current", [RL_ENTRY] = "entry_id", [RL_REVERSAL] = "reversal_entry_id",
	[RL_BY] = "posted_by", [RL_AT] = "posted_at", [RL_SUPERSEDED] = "superseded_at",
	[RL_RATES] = "rates"};

/* rate_lock */
enum { RK_MANTISSA, RK_SCALE, RK_NCOLS };
static const char *const rate_cols[RK_NCOLS] = {[RK_MANTISSA] = "usd_mantissa",
						[RK_SCALE] = "usd_scale"};

/* rate_corrections_list */
enum {
	RC_ID, RC_CURRENCY, RC_MONTH, RC_OLD_M, RC_OLD_S, RC_NEW_M, RC_NEW_S, RC_REASON, RC_BY,
	RC_AT, RC_NCOLS
};
static const char *const corr_cols[RC_NCOLS] = {
	[RC_ID] = "id", [RC_CURRENCY] = "currency", [RC_MONTH] = "month",
	[RC_OLD_M] = "old_mantissa", [RC_OLD_S] = "old_scale", [RC_NEW_M] = "new_mantissa",
	[RC_NEW_S] = "new_scale", [RC_REASON] = "reason", [RC_BY] = "corrected_by",
	[RC_AT] = "corrected_at"};

#define CUR_SQL                                                                           \
	"SELECT id, amount_minor, entry_id FROM fund_revaluations"                        \
	" WHERE month = $1::date AND superseded_at IS NULL"

static const struct db_stmt stmts[] = {
	/* fund_usd_months' plan is estimated far above its cost (generate_series
	 * counts as 1,000 months), which starts JIT compiling: 0.4-1.3 s of a
	 * query that runs in 3-8 ms without it. Off for this transaction only. */
	{"reval_no_jit", "SELECT set_config('jit', 'off', true) AS jit", 0},
	{"reval_current", CUR_SQL, 1},
	{"reval_current_lock", CUR_SQL " FOR UPDATE", 1},
	/* $1 the month's first day; $2 't' to look at the month after too */
	{"reval_closed",
	 "SELECT to_char(month, 'YYYY-MM') AS month FROM closed_periods"
	 " WHERE month = $1::date OR ($2::boolean AND month = ($1::date + interval '1 month')::date)"
	 " ORDER BY month LIMIT 1",
	 2},
	{"reval_supersede",
	 "UPDATE fund_revaluations SET superseded_at = now(), reversal_entry_id = $2"
	 " WHERE id = $1 AND superseded_at IS NULL",
	 2},
	{"reval_insert",
	 "INSERT INTO fund_revaluations (month, amount_minor, rates, entry_id, posted_by)"
	 " VALUES ($1::date, $2, $3::jsonb, $4, $5) RETURNING id",
	 5},
	{"reval_list",
	 "SELECT id, to_char(month, 'YYYY-MM') AS month, amount_minor,"
	 " superseded_at IS NULL AS current, entry_id, reversal_entry_id, posted_by,"
	 " to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS posted_at,"
	 " to_char(superseded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	 " AS superseded_at, rates::text AS rates"
	 " FROM fund_revaluations ORDER BY month, id",
	 0},
	{"rate_lock",
	 "SELECT usd_mantissa, usd_scale FROM exchange_rates WHERE currency = $1 AND month = $2"
	 " FOR UPDATE",
	 2},
	{"rate_update",
	 "UPDATE exchange_rates SET usd_mantissa = $3, usd_scale = $4"
	 " WHERE currency = $1 AND month = $2",
	 4},
	{"rate_correction_insert",
	 "INSERT INTO rate_corrections (currency, month, old_mantissa, old_scale, new_mantissa,"
	 " new_scale, reason, corrected_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
	 8},
	{"rate_corrections_list",
	 "SELECT id, currency, month, old_mantissa, old_scale, new_mantissa, new_scale, reason,"
	 " corrected_by,"
	 " to_char(corrected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	 " AS corrected_at FROM rate_corrections ORDER BY id DESC",
	 0},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("reval_current", cur_cols),
	DB_COLUMNS("reval_current_lock", cur_cols),
	DB_COLUMNS("reval_closed", closed_cols),
	DB_COLUMNS("reval_insert", new_cols),
	DB_COLUMNS("reval_list", list_cols),
	DB_COLUMNS("rate_lock", rate_cols),
	DB_COLUMNS("rate_correction_insert", new_cols),
	DB_COLUMNS("rate_corrections_list", corr_cols),
};

int fund_reval_setup(PGconn *c)
{
	return db_setup(c, stmts, N(stmts), columns, N(columns));
}

/* --- small helpers --------------------------------------------------------------- */

/* A month and the days around it: first[11] "YYYY-MM-01", last[11] its last
 * day, prev[8] the month before, next[8] the month after. */
struct month_days {
	char month[8], first[11], last[11], prev[32], next[32]; /* prev, next: YYYY-MM */
};

/* ERR_INVALID (invalid-field field) unless s is a month YYYY-MM. */
static int month_days(struct month_days *out, const char *s, const char *field)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	memset(out, 0, sizeof(*out));
	if (!s || strlen(s) != 7 || s[4] != '-' || sscanf(s, "%4d-%2d", &y, &m) != 2 ||
	    y < 1900 || y > 9998 || m < 1 || m > 12)
		return fund_body_bad(field, "expected a month YYYY-MM, got ", s ? s : "");
	snprintf(out->first, sizeof(out->first), "%.7s-01", s);
	if (!date_valid(out->first))
		return fund_body_bad(field, "expected a month YYYY-MM, got ", s);
	d = days[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	snprintf(out->month, sizeof(out->month), "%04d-%02d", y, m);
	snprintf(out->last, sizeof(out->last), "%04d-%02d-%02d", y, m, d);
	snprintf(out->prev, sizeof(out->prev), "%04d-%02d", m == 1 ? y - 1 : y, m == 1 ? 12 : m - 1);
	snprintf(out->next, sizeof(out->next), "%04d-%02d", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
	return 0;
}

/* period-closed naming the month, unless neither month nor (if next) the
 * month after is closed. */
static int refuse_closed(PGconn *c, const struct month_days *d, bool next, const char *what)
{
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "reval_closed", 2,
			 (const char *const[]){d->first, next ? "t" : "f"});

	if (rc == 0 && PQntuples(r) > 0)
		rc = err_code_set(ERR_INVALID, EC_PERIOD_CLOSED,
				  "month %s is closed: %s would change its revaluation (reopen it"
				  " first); nothing was stored", PQgetvalue(r, 0, CLOSED_MONTH), what);
	PQclear(r);
	return rc;
}

/* --- R(m) -------------------------------------------------------------------------- */

struct figures {
	int64_t na, na_before, surplus, r;
	bool needed;  /* a monetary account outside USD has a balance at m or m-1 */
	json_t *rates; /* [{"currency","month","usd_per_unit"}] the rates used */
};

/* Adds (ccy, month, rate) to f->rates once. */
static int rate_used(struct figures *f, const char *ccy, const char *month, struct money_rate x)
{
	size_t i;
	json_t *o;

	if (strcmp(ccy, "USD") == 0)
		return 0;
	json_array_foreach(f->rates, i, o)
		if (strcmp(json_string_value(json_object_get(o, "currency")), ccy) == 0 &&
		    strcmp(json_string_value(json_object_get(o, "month")), month) == 0)
			return 0;
	o = json_pack("{s:s, s:s, s:o}", "currency", ccy, "month", month, "usd_per_unit",
		      fund_body_rate(x));
	return o && json_array_append_new(f->rates, o) == 0 ? 0 : err_oom();
}

/* *total += minor of ccy at the rate of month; a zero needs no rate; a
 * missing rate is remembered in fr (and adds nothing). */
static int add_usd(int64_t *total, struct figures *f, fund_rates *fr, int64_t minor,
		   const char *ccy, const char *month)
{
	struct money_rate x;
	int64_t usd;
	int rc;

	if (minor == 0)
		return 0;
	rc = fund_rates_usd(&usd, fr, minor, ccy, month);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if ((rc = fund_rates_get(&x, fr, ccy, month)) < 0 || (rc = rate_used(f, ccy, month, x)) < 0)
		return rc;
	return money_add(total, *total, usd);
}

/* Whether the books are the fund's: its chart holds 4900-USD (tfledger
 * fund init). A journal without the chart (the ledger's own use) has no
 * revaluation to make. */
static int fund_books(bool *out, PGconn *c)
{
	struct ledger_account a;
	int rc = ledger_account_get(&a, c, "4900-USD");

	*out = rc == 0;
	return rc == ERR_NOTFOUND ? 0 : rc;
}

static bool own_account(const char *code)
{
	return strcmp(code, "4900-USD") == 0 || strcmp(code, "5900-USD") == 0;
}

/*
 * R(d->month) into *f (f->rates a new array the caller frees) from rows,
 * fund_usd_months of a span that holds d->prev and d->month (rows of other
 * months are passed over). Missing rates are left in fr
 * (fund_rates_any_missing); f's figures are then incomplete and must not
 * be used.
 */
static int compute_rows(struct figures *f, fund_rates *fr, const struct fund_usd_month *rows,
			size_t n, const struct month_days *d)
{
	int64_t movement_usd = 0;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	f->rates = json_array();
	if (!f->rates)
		return err_oom();
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct fund_usd_month *m = &rows[i];
		bool this_month = strcmp(m->month, d->month) == 0;

		if (!this_month && strcmp(m->month, d->prev) != 0)
			continue;
		if (fund_usd_monetary(m->type)) {
			if (strcmp(m->currency, "USD") != 0 && m->closing_minor != 0)
				f->needed = true;
			rc = add_usd(this_month ? &f->na : &f->na_before, f, fr, m->closing_minor,
				     m->currency, m->month);
		} else if (this_month && !own_account(m->account) &&
			   (strcmp(m->type, "revenue") == 0 || strcmp(m->type, "expense") == 0)) {
			rc = add_usd(&movement_usd, f, fr, m->movement_minor, m->currency,
				     m->month);
		}
	}
	if (rc < 0)
		return rc;
	/* the surplus is credits minus debits: revenue is credit-normal */
	if ((rc = money_negate(&f->surplus, movement_usd)) < 0 ||
	    (rc = money_sub(&f->r, f->na, f->na_before)) < 0 ||
	    (rc = money_sub(&f->r, f->r, f->surplus)) < 0)
		return err_code_set(ERR_LIMIT, EC_TOO_LARGE, "the revaluation of %s does not fit",
				    d->month);
	return 0;
}

/* compute_rows on the months d->prev and d->month read now. */
static int compute(struct figures *f, fund_rates *fr, PGconn *c, const struct month_days *d)
{
	struct fund_usd_month *rows = NULL;
	size_t n = 0;
	int rc = fund_usd_months(&rows, &n, c, d->prev, d->last);

	if (rc == 0)
		rc = compute_rows(f, fr, rows, n, d);
	else
		memset(f, 0, sizeof(*f));
	free(rows);
	return rc;
}

/* --- posting ------------------------------------------------------------------------- */

struct revalue_tx {
	struct month_days d;
	const struct ledger_actor *who;
	bool only_if_posted; /* a rate correction: revalue only where a row is current */
	json_t *out;
};

/* Reverses entry id, dated day, into rev_id: the reversal `reverses` it. */
static int reverse_entry(char rev_id[LEDGER_UUID_BYTES], PGconn *c, const char *id,
			 const char *day, const char *why, const struct ledger_actor *who)
{
	struct ledger_entry orig = {0}, e;
	char memo[256];
	int rc = ledger_entry_get(&orig, c, id);

	if (rc < 0)
		return rc;
	if (orig.reversed_by[0]) {
		rc = err_code_set(ERR_INVALID, EC_ALREADY_REVERSED, "entry %s was reversed by %s",
				  id, orig.reversed_by);
		goto cleanup;
	}
	snprintf(memo, sizeof(memo), "Reversal of %s: %s", orig.id, why);
	if ((rc = fund_body_entry_begin(&e, day, memo, orig.reference)) < 0)
		goto cleanup;
	snprintf(e.reverses, sizeof(e.reverses), "%s", orig.id);
	for (size_t i = 0; i < orig.n_postings; i++)
		fund_body_entry_add(&e, orig.postings[i].account, orig.postings[i].currency,
				    !orig.postings[i].debit, orig.postings[i].amount_minor);
	rc = fund_body_entry_done(rev_id, c, &e, who, "entry.reverse");
cleanup:
	ledger_entry_free(&orig);
	return rc;
}

static int revalue_tx_run(PGconn *c, void *ctx)
{
	struct revalue_tx *t = ctx;
	struct figures f = {0};
	fund_rates *fr = NULL;
	PGresult *cur = NULL, *ins = NULL;
	char entry_id[LEDGER_UUID_BYTES] = "", rev_id[LEDGER_UUID_BYTES] = "";
	char amt[24], memo[160], *rates_text = NULL;
	const char *status = "posted";
	bool has_cur;
	int rc;

	bool books;

	json_decref(t->out);
	t->out = NULL;
	if ((rc = db_exec(NULL, c, "reval_no_jit", 0, NULL)) < 0 ||
	    (rc = fund_books(&books, c)) < 0)
		goto cleanup;
	if (!books) {
		rc = err_set(ERR_INVALID, "month %s: the fund's chart has no 4900-USD to revalue"
					  " into (tfledger fund init)", t->d.month);
		goto cleanup;
	}
	if ((rc = refuse_closed(c, &t->d, false, "a revaluation")) < 0 ||
	    (rc = db_exec(&cur, c, "reval_current_lock", 1, (const char *const[]){t->d.first})) < 0)
		goto cleanup;
	has_cur = PQntuples(cur) > 0;
	if (!has_cur && t->only_if_posted)
		goto cleanup; /* nothing posted: nothing to redo */
	if ((rc = fund_rates_load(&fr, c)) < 0 || (rc = compute(&f, fr, c, &t->d)) < 0 ||
	    (rc = fund_rates_missing_error(fr)) < 0)
		goto cleanup;
	if (has_cur && fund_body_int64(cur, 0, CUR_AMOUNT) == f.r) {
		status = "unchanged";
		snprintf(entry_id, sizeof(entry_id), "%s", PQgetvalue(cur, 0, CUR_ENTRY));
		goto answer;
	}
	if (has_cur) {
		status = "reposted";
		if (!PQgetisnull(cur, 0, CUR_ENTRY)) {
			snprintf(memo, sizeof(memo), "revaluation of %s superseded", t->d.month);
			rc = reverse_entry(rev_id, c, PQgetvalue(cur, 0, CUR_ENTRY), t->d.last, memo,
					   t->who);
			if (rc < 0)
				goto cleanup;
		}
		rc = db_exec(NULL, c, "reval_supersede", 2,
			     (const char *const[]){PQgetvalue(cur, 0, CUR_ID),
						   rev_id[0] ? rev_id : NULL});
		if (rc < 0)
			goto cleanup;
	}
	if (f.r != 0) {
		struct ledger_entry e;
		int64_t a = f.r > 0 ? f.r : -f.r;

		snprintf(memo, sizeof(memo), "Month-end revaluation of %s at UN operational rates"
					     " (unrealised exchange %s)", t->d.month,
			 f.r > 0 ? "gain" : "loss");
		if ((rc = fund_body_entry_begin(&e, t->d.last, memo, "revaluation")) < 0)
			goto cleanup;
		fund_body_entry_add(&e, f.r > 0 ? "3900-USD" : "5900-USD", "USD", true, a);
		fund_body_entry_add(&e, f.r > 0 ? "4900-USD" : "3900-USD", "USD", false, a);
		if ((rc = fund_body_entry_done(entry_id, c, &e, t->who, "entry.post")) < 0)
			goto cleanup;
	}
	snprintf(amt, sizeof(amt), "%" PRId64, f.r);
	rates_text = json_dumps(f.rates, JSON_COMPACT);
	if (!rates_text) {
		rc = err_oom();
		goto cleanup;
	}
	if ((rc = db_exec(&ins, c, "reval_insert", 5,
			  (const char *const[]){t->d.first, amt, rates_text,
						entry_id[0] ? entry_id : NULL,
						ledger_actor_user(t->who)})) < 0 ||
	    (rc = ledger_audit(c, t->who, "revaluation.post", t->d.month)) < 0)
		goto cleanup;
answer:
	t->out = json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:b, s:O}", "month",
			   t->d.month, "amount", fund_body_money(f.r, "USD"), "status", status,
			   "entry_id", entry_id[0] ? json_string(entry_id) : json_null(),
			   "reversed_entry_id", rev_id[0] ? json_string(rev_id) : json_null(),
			   "na", fund_body_money(f.na, "USD"), "na_before",
			   fund_body_money(f.na_before, "USD"), "surplus",
			   fund_body_money(f.surplus, "USD"), "needed", f.needed, "rates", f.rates);
	rc = t->out ? 0 : err_oom();
cleanup:
	free(rates_text);
	json_decref(f.rates);
	fund_rates_free(fr);
	PQclear(cur);
	PQclear(ins);
	return rc;
}

int fund_revalue(json_t **out, PGconn *c, const char *month, const struct ledger_actor *who)
{
	struct revalue_tx t = {.who = who};
	int rc;

	*out = NULL;
	if ((rc = month_days(&t.d, month, "month")) < 0)
		return rc;
	rc = db_tx(c, DB_READ_COMMITTED, revalue_tx_run, &t);
	if (rc == ERR_CONFLICT)
		rc = err_set(ERR_CONFLICT, "month %s: another revaluation was stored meanwhile;"
					   " run it again", t.d.month);
	if (rc < 0) {
		json_decref(t.out);
		return rc;
	}
	*out = t.out;
	return 0;
}

struct check_tx {
	struct month_days d;
	const struct fund_usd_month *rows; /* NULL: read the months here */
	size_t n;
	json_t *out;
};

static int check_tx_run(PGconn *c, void *ctx)
{
	struct check_tx *t = ctx;
	struct figures f = {0};
	fund_rates *fr = NULL;
	PGresult *cur = NULL;
	bool missing, posted, current, books;
	int rc;

	json_decref(t->out);
	t->out = NULL;
	if ((rc = db_exec(NULL, c, "reval_no_jit", 0, NULL)) < 0 ||
	    (rc = fund_books(&books, c)) < 0)
		return rc;
	if (!books) { /* a journal without the fund's chart: nothing to revalue */
		t->out = json_pack("{s:s, s:n, s:n, s:b, s:b, s:n, s:[]}", "month", t->d.month,
				   "computed", "posted", "current", 1, "needed", 0, "entry_id",
				   "missing_rates");
		return t->out ? 0 : err_oom();
	}
	if ((rc = db_exec(&cur, c, "reval_current", 1, (const char *const[]){t->d.first})) < 0 ||
	    (rc = fund_rates_load(&fr, c)) < 0 ||
	    (rc = t->rows ? compute_rows(&f, fr, t->rows, t->n, &t->d) : compute(&f, fr, c, &t->d)) < 0)
		goto cleanup;
	missing = fund_rates_any_missing(fr);
	posted = PQntuples(cur) > 0;
	current = !missing && (posted ? fund_body_int64(cur, 0, CUR_AMOUNT) == f.r
				      : f.r == 0 && !f.needed);
	t->out = json_pack("{s:s, s:o, s:o, s:b, s:b, s:o, s:o}", "month", t->d.month,
			   "computed", missing ? json_null() : fund_body_money(f.r, "USD"),
			   "posted",
			   posted ? fund_body_money(fund_body_int64(cur, 0, CUR_AMOUNT), "USD")
				  : json_null(),
			   "current", current, "needed", f.needed, "entry_id",
			   posted && !PQgetisnull(cur, 0, CUR_ENTRY)
				   ? json_string(PQgetvalue(cur, 0, CUR_ENTRY))
				   : json_null(),
			   "missing_rates", fund_rates_missing_json(fr));
	rc = t->out ? 0 : err_oom();
cleanup:
	json_decref(f.rates);
	fund_rates_free(fr);
	PQclear(cur);
	return rc;
}

int fund_revaluation_check(json_t **out, PGconn *c, const char *month)
{
	return fund_revaluation_check_rows(out, c, NULL, 0, month);
}

int fund_revaluation_check_rows(json_t **out, PGconn *c, const struct fund_usd_month *rows,
				size_t n, const char *month)
{
	struct check_tx t = {.rows = rows, .n = n, .out = NULL};
	int rc;

	*out = NULL;
	if ((rc = month_days(&t.d, month, "month")) < 0)
		return rc;
	rc = db_tx(c, DB_READ_COMMITTED, check_tx_run, &t);
	if (rc < 0) {
		json_decref(t.out);
		return rc;
	}
	*out = t.out;
	return 0;
}

static json_t *text_or_null(const PGresult *r, int i, int col)
{
	return PQgetisnull(r, i, col) ? json_null() : json_string(PQgetvalue(r, i, col));
}

int fund_revaluations_list(json_t **out, PGconn *c)
{
	PGresult *r = NULL;
	json_t *arr = NULL;
	int rc = db_exec(&r, c, "reval_list", 0, NULL);

	*out = NULL;
	if (rc < 0)
		return rc;
	arr = json_array();
	for (int i = 0; arr && i < PQntuples(r); i++) {
		json_t *o = json_pack(
			"{s:I, s:s, s:o, s:b, s:o, s:o, s:s, s:s, s:o, s:o}", "id",
			(json_int_t)fund_body_int64(r, i, RL_ID), "month",
			PQgetvalue(r, i, RL_MONTH), "amount",
			fund_body_money(fund_body_int64(r, i, RL_AMOUNT), "USD"), "current",
			strcmp(PQgetvalue(r, i, RL_CURRENT), "t") == 0, "entry_id",
			text_or_null(r, i, RL_ENTRY), "reversal_entry_id",
			text_or_null(r, i, RL_REVERSAL), "posted_by", PQgetvalue(r, i, RL_BY),
			"posted_at", PQgetvalue(r, i, RL_AT), "superseded_at",
			text_or_null(r, i, RL_SUPERSEDED), "rates",
			json_loads(PQgetvalue(r, i, RL_RATES), 0, NULL));

		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	PQclear(r);
	if (!arr)
		return err_oom();
	*out = arr;
	return 0;
}

/* --- rate corrections ------------------------------------------------------------- */

struct correct_tx {
	const char *ccy, *reason;
	struct month_days d;
	struct money_rate new_rate, old_rate;
	const struct ledger_actor *who;
	json_t *revaluations;
};

static int correct_tx_run(PGconn *c, void *ctx)
{
	struct correct_tx *t = ctx;
	const char *months[2] = {t->d.month, t->d.next};
	char om[24], os[8], nm[24], ns[8];
	PGresult *r = NULL;
	int rc;

	json_decref(t->revaluations);
	t->revaluations = json_array();
	if (!t->revaluations)
		return err_oom();
	if ((rc = refuse_closed(c, &t->d, true, "a correction of its rate")) < 0 ||
	    (rc = db_exec(&r, c, "rate_lock", 2, (const char *const[]){t->ccy, t->d.month})) < 0)
		goto cleanup;
	if (PQntuples(r) == 0) {
		rc = err_code_set(ERR_INVALID, EC_MISSING_RATE,
				  "no UN operational rate for %s in %s is stored: load it with"
				  " tfledger rates import", t->ccy, t->d.month);
		goto cleanup;
	}
	t->old_rate = money_rate_normal((struct money_rate){fund_body_int64(r, 0, RK_MANTISSA),
						      (int)fund_body_int64(r, 0, RK_SCALE)});
	if (t->old_rate.mantissa == t->new_rate.mantissa &&
	    t->old_rate.scale == t->new_rate.scale) {
		rc = err_set(ERR_CONFLICT, "usd_per_unit: the rate of %s %s is that already;"
					   " nothing to correct", t->ccy, t->d.month);
		goto cleanup;
	}
	snprintf(om, sizeof(om), "%" PRId64, t->old_rate.mantissa);
	snprintf(os, sizeof(os), "%d", t->old_rate.scale);
	snprintf(nm, sizeof(nm), "%" PRId64, t->new_rate.mantissa);
	snprintf(ns, sizeof(ns), "%d", t->new_rate.scale);
	if ((rc = db_exec(NULL, c, "rate_update", 4,
			  (const char *const[]){t->ccy, t->d.month, nm, ns})) < 0 ||
	    (rc = db_exec(NULL, c, "rate_correction_insert", 8,
			  (const char *const[]){t->ccy, t->d.month, om, os, nm, ns, t->reason,
						ledger_actor_user(t->who)})) < 0)
		goto cleanup;
	{
		char object[16];

		snprintf(object, sizeof(object), "%s %s", t->ccy, t->d.month);
		if ((rc = ledger_audit(c, t->who, "rate.correct", object)) < 0)
			goto cleanup;
	}
	/* R(m) uses m's rate, R(m+1) m's rate for NA(m): redo both where posted */
	for (int k = 0; k < 2; k++) {
		struct revalue_tx rt = {.who = t->who, .only_if_posted = true};

		if ((rc = month_days(&rt.d, months[k], "month")) < 0 ||
		    (rc = revalue_tx_run(c, &rt)) < 0) {
			json_decref(rt.out);
			goto cleanup;
		}
		if (rt.out && json_array_append_new(t->revaluations, rt.out) < 0) {
			rc = err_oom();
			goto cleanup;
		}
	}
cleanup:
	PQclear(r);
	return rc;
}

int fund_rate_correct(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who)
{
	static const char *const allowed[] = {"currency", "month", "usd_per_unit", "reason", NULL};
	struct correct_tx t = {.who = who};
	const char *month, *value;
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_str(&t.ccy, body, "currency", true)) < 0 ||
	    (rc = fund_body_str(&month, body, "month", true)) < 0 ||
	    (rc = fund_body_str(&value, body, "usd_per_unit", true)) < 0 ||
	    (rc = fund_body_text(&t.reason, body, "reason", true, 1000)) < 0)
		return rc;
	if (!money_currency_valid(t.ccy))
		return fund_body_bad("currency", "not an ISO 4217 currency: ", t.ccy);
	if (strcmp(t.ccy, "USD") == 0)
		return fund_body_bad("currency", "USD is the base currency (1)", NULL);
	if ((rc = month_days(&t.d, month, "month")) < 0)
		return rc;
	if (money_rate_parse(&t.new_rate, value) < 0 || t.new_rate.mantissa <= 0) {
		char why[LIMIT_ERR_BYTES];

		snprintf(why, sizeof(why), "%s", err_last());
		return err_set(ERR_INVALID, "usd_per_unit: expected a positive decimal, got '%s'"
					    " (%s)", value, why);
	}
	t.new_rate = money_rate_normal(t.new_rate);
	rc = db_tx(c, DB_READ_COMMITTED, correct_tx_run, &t);
	if (rc == 0)
		*out = json_pack("{s:s, s:s, s:o, s:o, s:s, s:O}", "currency", t.ccy, "month",
				 t.d.month, "old", fund_body_rate(t.old_rate), "new",
				 fund_body_rate(t.new_rate), "reason", t.reason, "revaluations",
				 t.revaluations);
	json_decref(t.revaluations);
	if (rc < 0)
		return rc;
	return *out ? 0 : err_oom();
}

int fund_rate_corrections_list(json_t **out, PGconn *c)
{
	PGresult *r = NULL;
	json_t *arr = NULL;
	int rc = db_exec(&r, c, "rate_corrections_list", 0, NULL);

	*out = NULL;
	if (rc < 0)
		return rc;
	arr = json_array();
	for (int i = 0; arr && i < PQntuples(r); i++) {
		struct money_rate o = {fund_body_int64(r, i, RC_OLD_M),
				       (int)fund_body_int64(r, i, RC_OLD_S)};
		struct money_rate n = {fund_body_int64(r, i, RC_NEW_M),
				       (int)fund_body_int64(r, i, RC_NEW_S)};
		json_t *x = json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:s}", "id",
				      (json_int_t)fund_body_int64(r, i, RC_ID), "currency",
				      PQgetvalue(r, i, RC_CURRENCY), "month",
				      PQgetvalue(r, i, RC_MONTH), "old", fund_body_rate(o), "new",
				      fund_body_rate(n), "reason", PQgetvalue(r, i, RC_REASON),
				      "corrected_by", PQgetvalue(r, i, RC_BY), "corrected_at",
				      PQgetvalue(r, i, RC_AT));

		if (!x || json_array_append_new(arr, x) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	PQclear(r);
	if (!arr)
		return err_oom();
	*out = arr;
	return 0;
}
