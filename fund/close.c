/*
 * close.c - closing the books (close.h; docs/controls.md, "Programme
 * support costs and the operating reserve", "Closing months and the
 * year"): programme support costs per month, the readiness of a month
 * (what blocks its close), closing and reopening months, the list of
 * months, the year-end close.
 *
 * Invariants: a month is closed only under the journal's head lock, after
 * its readiness was computed under that lock (no entry can land between
 * the two), and only if every open item was acknowledged by finance with a
 * reason; a write is one transaction with its rows, entries and audit row.
 * Figures in USD come from fund/usd.h (per account and month, at the UN
 * rate of the month, half away from zero); rates of settings are exact
 * decimals (money_rate_parse), never floats.
 *
 * This file must not change journal rows: a programme support charge
 * recomputed is a reversal and a new entry.
 */
#include "fund/close.h"
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

/* The most acknowledgements one close takes: one per open item, and a
 * month has three kinds of item (the statement accounts are few). */
#define ACKS_MAX 100
/* The most expense prefixes the budget lines name (migration 0050 seeds 5). */
#define PREFIXES_MAX 32
/* The most postings of one currency's year-end closing entry: the chart's
 * revenue and expense accounts of a currency, and 3100. */
#define YEAR_POSTINGS_MAX 64

#define UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* --- statements ------------------------------------------------------------------ */

/* close_closed */
enum { CL_CLOSED_AT, CL_NCOLS };
static const char *const closed_cols[CL_NCOLS] = {[CL_CLOSED_AT] = "closed_at"};

/* close_setting */
enum { SET_VALUE, SET_NCOLS };
static const char *const setting_cols[SET_NCOLS] = {[SET_VALUE] = "value"};

/* close_prefixes */
enum { PFX_PREFIX, PFX_NCOLS };
static const char *const prefix_cols[PFX_NCOLS] = {[PFX_PREFIX] = "prefix"};

/* close_psc_get */
enum { PSC_BASE, PSC_RATE, PSC_AMOUNT, PSC_ENTRY, PSC_NCOLS };
static const char *const psc_cols[PSC_NCOLS] = {
	[PSC_BASE] = "base_minor", [PSC_RATE] = "rate", [PSC_AMOUNT] = "amount_minor",
	[PSC_ENTRY] = "entry_id"};

/* close_reconciliation */
enum { RC_STATEMENT, RC_ACCOUNT, RC_LAST, RC_SIGNED_TO, RC_NCOLS };
static const char *const recon_cols[RC_NCOLS] = {
	[RC_STATEMENT] = "statement_account", [RC_ACCOUNT] = "account",
	[RC_LAST] = "last_closing", [RC_SIGNED_TO] = "signed_to"};

/* close_months */
enum { MO_MONTH, MO_NCOLS };
static const char *const months_cols[MO_NCOLS] = {[MO_MONTH] = "month"};

/* close_closed_all */
enum { CA_MONTH, CA_CLOSED_AT, CA_CLOSED_BY, CA_NCOLS };
static const char *const closed_all_cols[CA_NCOLS] = {
	[CA_MONTH] = "month", [CA_CLOSED_AT] = "closed_at", [CA_CLOSED_BY] = "closed_by"};

/* close_events */
enum { EV_MONTH, EV_ACTION, EV_REASON, EV_ACK, EV_BY, EV_ROLE, EV_AT, EV_NCOLS };
static const char *const event_cols[EV_NCOLS] = {
	[EV_MONTH] = "month", [EV_ACTION] = "action", [EV_REASON] = "reason",
	[EV_ACK] = "acknowledged", [EV_BY] = "by_name", [EV_ROLE] = "by_role", [EV_AT] = "at"};

/* close_year_get, close_years */
enum { YC_YEAR, YC_CLOSED, YC_SURPLUS, YC_RESERVE, YC_ENTRIES, YC_BY, YC_AT, YC_NCOLS };
static const char *const year_cols[YC_NCOLS] = {
	[YC_YEAR] = "year", [YC_CLOSED] = "closed", [YC_SURPLUS] = "surplus_minor",
	[YC_RESERVE] = "reserve_minor", [YC_ENTRIES] = "entry_ids", [YC_BY] = "closed_by",
	[YC_AT] = "closed_at"};

/* close_has_entries */
enum { HE_N, HE_NCOLS };
static const char *const has_cols[HE_NCOLS] = {[HE_N] = "n"};

/* close_year_balances */
enum { YB_CODE, YB_CURRENCY, YB_BALANCE, YB_NCOLS };
static const char *const year_bal_cols[YB_NCOLS] = {
	[YB_CODE] = "code", [YB_CURRENCY] = "currency", [YB_BALANCE] = "balance"};

/* close_balance */
enum { BAL_BALANCE, BAL_NCOLS };
static const char *const balance_cols[BAL_NCOLS] = {[BAL_BALANCE] = "balance"};

/* close_budget_total */
enum { BT_TOTAL, BT_LINES, BT_NCOLS };
static const char *const budget_cols[BT_NCOLS] = {[BT_TOTAL] = "total", [BT_LINES] = "lines"};

#define YEAR_SELECT                                                                      \
	"y.year, y.year IS NOT NULL AS closed, y.surplus_minor, y.reserve_minor,"       \
	" array_to_string(y.entry_ids, ',') AS entry_ids, y.closed_by, " UTC("y.closed_at") \
	" AS closed_at"

static const struct db_stmt stmts[] = {
	/* the journal's head lock: no entry commits while it is held */
	{"close_head_lock", "SELECT sequence FROM ledger_head FOR UPDATE", 0},
	{"close_closed",
	 "SELECT " UTC("closed_at") " AS closed_at FROM closed_periods WHERE month = $1::date", 1},
	{"close_period_insert",
	 "INSERT INTO closed_periods (month, token_id) VALUES ($1::date, $2)"
	 " ON CONFLICT (month) DO NOTHING RETURNING month",
	 2},
	{"close_period_delete", "DELETE FROM closed_periods WHERE month = $1::date RETURNING month",
	 1},
	{"close_event_insert",
	 "INSERT INTO period_events (month, action, reason, acknowledged, by_name, by_role)"
	 " VALUES ($1::date, $2, $3, $4::jsonb, $5, $6)",
	 6},
	{"close_setting", "SELECT value FROM settings WHERE key = $1", 1},
	{"close_prefixes",
	 "SELECT DISTINCT unnest(expense_prefixes) AS prefix FROM budget_lines"
	 " WHERE id <> 'psc' ORDER BY 1",
	 0},
	{"close_psc_get",
	 "SELECT base_minor, rate, amount_minor, entry_id FROM fund_psc_charges"
	 " WHERE month = $1::date",
	 1},
	{"close_psc_delete", "DELETE FROM fund_psc_charges WHERE month = $1::date", 1},
	{"close_psc_insert",
	 "INSERT INTO fund_psc_charges (month, base_minor, rate, amount_minor, entry_id,"
	 " charged_by) VALUES ($1::date, $2, $3, $4, $5, $6)",
	 6},
	/* $1 the month's last day: each linked statement account with
	 * statements closing on or before it, its last closing date, and how
	 * far its open sign-offs reach */
	{"close_reconciliation",
	 "SELECT l.statement_account, l.account,"
	 " to_char(max(s.closing_date), 'YYYY-MM-DD') AS last_closing,"
	 " (SELECT to_char(max(o.period_end), 'YYYY-MM-DD') FROM reconciliation_signoffs o"
	 "  WHERE o.statement_account = l.statement_account AND o.account = l.account"
	 "  AND o.reopened_at IS NULL) AS signed_to"
	 " FROM bank_account_links l JOIN bank_statements s ON s.account = l.statement_account"
	 " WHERE s.closing_date <= $1::date GROUP BY l.statement_account, l.account ORDER BY 1, 2",
	 1},
	{"close_months",
	 "SELECT to_char(m, 'YYYY-MM') AS month FROM"
	 " (SELECT DISTINCT date_trunc('month', day)::date AS m FROM balances"
	 "  UNION SELECT month FROM closed_periods UNION SELECT month FROM period_events) x"
	 " ORDER BY 1",
	 0},
	{"close_closed_all",
	 "SELECT to_char(c.month, 'YYYY-MM') AS month, " UTC("c.closed_at") " AS closed_at,"
	 " COALESCE((SELECT e.by_name FROM period_events e WHERE e.month = c.month"
	 "  AND e.action = 'close' ORDER BY e.id DESC LIMIT 1), t.name, c.token_id) AS closed_by"
	 " FROM closed_periods c LEFT JOIN tokens t ON t.id = c.token_id ORDER BY c.month",
	 0},
	{"close_events",
	 "SELECT to_char(month, 'YYYY-MM') AS month, action, reason,"
	 " acknowledged::text AS acknowledged, by_name, by_role, " UTC("at") " AS at"
	 " FROM period_events ORDER BY month, id",
	 0},
	{"close_year_get", "SELECT " YEAR_SELECT " FROM fund_year_closes y WHERE y.year = $1", 1},
	{"close_years",
	 "SELECT x.y AS year, y.year IS NOT NULL AS closed, y.surplus_minor, y.reserve_minor,"
	 " array_to_string(y.entry_ids, ',') AS entry_ids, y.closed_by, " UTC("y.closed_at")
	 " AS closed_at"
	 " FROM (SELECT DISTINCT extract(year FROM day)::integer AS y FROM balances"
	 "       UNION SELECT year FROM fund_year_closes) x"
	 " LEFT JOIN fund_year_closes y ON y.year = x.y ORDER BY 1",
	 0},
	/* $1 from (a month's first day), $2 to: the months in between with
	 * postings that are not closed */
	{"close_open_months",
	 "SELECT DISTINCT to_char(b.day, 'YYYY-MM') AS month FROM balances b"
	 " WHERE b.day >= $1::date AND b.day < $2::date AND NOT EXISTS"
	 " (SELECT 1 FROM closed_periods c WHERE c.month = date_trunc('month', b.day)::date)"
	 " ORDER BY 1",
	 2},
	/* whether any account moved between $1 and $2 */
	{"close_has_entries",
	 "SELECT count(*) AS n FROM (SELECT 1 FROM balances WHERE day BETWEEN $1::date AND"
	 " $2::date LIMIT 1) x",
	 2},
	{"close_year_balances",
	 "SELECT a.code, a.currency, COALESCE((SELECT b.debit_balance FROM balances b"
	 "  WHERE b.account = a.code AND b.day <= $1::date ORDER BY b.day DESC LIMIT 1), 0)"
	 " AS balance FROM accounts a WHERE a.type IN ('revenue', 'expense')"
	 " ORDER BY a.currency, a.code",
	 1},
	{"close_balance",
	 "SELECT COALESCE((SELECT debit_balance FROM balances WHERE account = $1"
	 " AND day <= $2::date ORDER BY day DESC LIMIT 1), 0) AS balance",
	 2},
	{"close_budget_total",
	 "SELECT COALESCE(sum(b.amount_minor), 0) AS total, count(*) AS lines FROM budgets b"
	 " WHERE b.year = $1 AND b.revision = (SELECT max(x.revision) FROM budgets x"
	 " WHERE x.year = b.year AND x.line = b.line)",
	 1},
	{"close_year_insert",
	 "INSERT INTO fund_year_closes (year, surplus_minor, reserve_minor, entry_ids, closed_by)"
	 " VALUES ($1, $2, $3, $4::uuid[], $5)",
	 5},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("close_closed", closed_cols),
	DB_COLUMNS("close_setting", setting_cols),
	DB_COLUMNS("close_prefixes", prefix_cols),
	DB_COLUMNS("close_psc_get", psc_cols),
	DB_COLUMNS("close_reconciliation", recon_cols),
	DB_COLUMNS("close_months", months_cols),
	DB_COLUMNS("close_closed_all", closed_all_cols),
	DB_COLUMNS("close_events", event_cols),
	DB_COLUMNS("close_year_get", year_cols),
	DB_COLUMNS("close_years", year_cols),
	DB_COLUMNS("close_open_months", months_cols),
	DB_COLUMNS("close_has_entries", has_cols),
	DB_COLUMNS("close_year_balances", year_bal_cols),
	DB_COLUMNS("close_balance", balance_cols),
	DB_COLUMNS("close_budget_total", budget_cols),
};

int fund_close_setup(PGconn *c)
{
	return db_setup(c, stmts, N(stmts), columns, N(columns));
}

/* --- small helpers ------------------------------------------------------------------ */

/* True for "YYYY-MM" with a month 01-12 of a year date_valid accepts. */
static bool month_valid(const char *s)
{
	char d[16];

	if (!s || strlen(s) != 7 || s[4] != '-')
		return false;
	snprintf(d, sizeof(d), "%s-01", s);
	return date_valid(d);
}

static int month_bad(const char *field, const char *s)
{
	return err_code_set(ERR_INVALID, EC_INVALID_FIELD, "%s: expected a month YYYY-MM, got '%.40s'",
			    field, s ? s : "");
}

/* The first day of month ("YYYY-MM-01"). */
static void month_first(char out[11], const char *month)
{
	snprintf(out, 11, "%.7s-01", month);
}

/* The last day of month. */
static void month_last(char out[11], const char *month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = atoi(month), m = atoi(month + 5);
	int d = days[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));

	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
		 (unsigned)d % 100u);
}

/* The month before month. */
static void month_prev(char out[8], const char *month)
{
	int y = atoi(month), m = atoi(month + 5);

	if (--m == 0) {
		m = 12;
		y--;
	}
	snprintf(out, 8, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
}

static bool is_admin(const struct ledger_actor *who)
{
	return who->role && strcmp(who->role, "admin") == 0;
}

static bool is_bookkeeper(const struct ledger_actor *who)
{
	return is_admin(who) || (who->role && strcmp(who->role, "finance") == 0);
}

/* The amount as text for a message: "1234.56 USD". */
static const char *fmt_money(char out[MONEY_STR_MAX + 8], int64_t minor, const char *ccy)
{
	char s[MONEY_STR_MAX];

	if (money_format(s, minor, ccy) < 0)
		snprintf(s, sizeof(s), "%" PRId64, minor);
	snprintf(out, MONEY_STR_MAX + 8, "%s %s", s, ccy);
	return out;
}

static int is_closed(bool *out, PGconn *c, const char *month)
{
	char first[11];
	PGresult *r = NULL;
	int rc;

	month_first(first, month);
	rc = db_exec(&r, c, "close_closed", 1, (const char *const[]){first});
	*out = rc == 0 && PQntuples(r) > 0;
	PQclear(r);
	return rc;
}

/*
 * A rate of settings key: a decimal from 0 to 1 ("0.13"), exact; "0"
 * turns it off ({0, 0}). The canonical text into text. A setting missing
 * or out of range is ERR_INVALID naming the key.
 */
static int setting_rate(struct money_rate *out, char text[MONEY_STR_MAX + 8], PGconn *c,
			const char *key)
{
	PGresult *r = NULL;
	const char *v;
	int rc = db_exec(&r, c, "close_setting", 1, (const char *const[]){key});

	*out = (struct money_rate){0, 0};
	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return err_code_set(ERR_INVALID, EC_INVALID_FIELD,
				    "settings %s: missing (a decimal from 0 to 1, e.g. 0.13)", key);
	}
	v = PQgetvalue(r, 0, SET_VALUE);
	if (strspn(v, "0.") == strlen(v) && v[0] == '0' && strchr(v, '.') == strrchr(v, '.'))
		rc = 0; /* "0", "0.00": off */
	else if (money_rate_parse(out, v) < 0)
		rc = err_code_set(ERR_INVALID, EC_INVALID_FIELD,
				  "settings %s: '%.40s' is not a decimal from 0 to 1 (e.g. 0.13)",
				  key, v);
	else {
		int64_t one = 1;

		for (int i = 0; i < out->scale; i++)
			one *= 10;
		if (out->mantissa > one)
			rc = err_code_set(ERR_INVALID, EC_INVALID_FIELD,
					  "settings %s: '%.40s' is above 1 (13 per cent is 0.13)",
					  key, v);
	}
	PQclear(r);
	if (rc == 0)
		money_rate_format(text, *out);
	return rc;
}

/* minor x rate in USD, exact, half away from zero (money_convert). */
static int apply_rate(int64_t *out, int64_t minor, struct money_rate rate)
{
	if (rate.mantissa == 0) {
		*out = 0;
		return 0;
	}
	if (money_convert(out, minor, "USD", rate, "USD") < 0)
		return err_code_set(ERR_LIMIT, EC_TOO_LARGE, "%" PRId64 " x rate does not fit", minor);
	return 0;
}

/* --- the books of a span of months ------------------------------------------------------ */

/* Every account's months of a span (fund_usd_months), the UN rates, and
 * the expense prefixes of the budget lines that programme support costs
 * are charged on. */
struct books {
	struct fund_usd_month *rows;
	size_t n;
	fund_rates *rates;
	char prefixes[PREFIXES_MAX][8];
	size_t n_prefixes;
};

static void books_free(struct books *b)
{
	free(b->rows);
	fund_rates_free(b->rates);
	memset(b, 0, sizeof(*b));
}

/* Loads the months from the month before from_month (the revaluation of
 * from_month reads it) to the end of to_month: one read of the running
 * balances for every month the caller checks. */
static int books_load(struct books *out, PGconn *c, const char *from_month, const char *to_month)
{
	char last[11], prev[8];
	PGresult *r = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	month_last(last, to_month);
	month_prev(prev, from_month);
	rc = fund_usd_months(&out->rows, &out->n, c, prev, last);
	if (rc == 0)
		rc = fund_rates_load(&out->rates, c);
	if (rc == 0)
		rc = db_exec(&r, c, "close_prefixes", 0, NULL);
	for (int i = 0; rc == 0 && i < PQntuples(r) && out->n_prefixes < PREFIXES_MAX; i++)
		snprintf(out->prefixes[out->n_prefixes++], sizeof(out->prefixes[0]), "%s",
			 PQgetvalue(r, i, PFX_PREFIX));
	PQclear(r);
	if (rc < 0)
		books_free(out);
	return rc;
}

/* True if account PREFIX-CCY has one of the prefixes programme support
 * costs are charged on. */
static bool psc_account(const struct books *b, const char *account)
{
	const char *dash = strchr(account, '-');

	for (size_t i = 0; dash && i < b->n_prefixes; i++)
		if (strlen(b->prefixes[i]) == (size_t)(dash - account) &&
		    strncmp(account, b->prefixes[i], (size_t)(dash - account)) == 0)
			return true;
	return false;
}

/*
 * The base of month's programme support costs in USD into *base_out; the
 * accounts that make it into accounts (if not NULL: [{"account",
 * "movement","usd"}]); the currencies whose rate is missing into missing
 * ("CHF 2019-03, ..."; "" if none). 0 or a failure.
 */
static int psc_base(int64_t *base_out, json_t *accounts, char missing[256],
		    const struct books *b, const char *month)
{
	int64_t base = 0;
	size_t used = 0;

	missing[0] = '\0';
	for (size_t i = 0; i < b->n; i++) {
		const struct fund_usd_month *m = &b->rows[i];
		int64_t usd;
		int rc;

		if (strcmp(m->month, month) != 0 || m->movement_minor == 0 ||
		    strcmp(m->type, "expense") != 0 || !psc_account(b, m->account))
			continue;
		rc = fund_rates_usd(&usd, b->rates, m->movement_minor, m->currency, month);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			if (!strstr(missing, m->currency) && used < 200)
				used += (size_t)snprintf(missing + used, 256 - used, "%s%s %s",
							 used ? ", " : "", m->currency, month);
			continue;
		}
		if (money_add(&base, base, usd) < 0)
			return err_code_set(ERR_LIMIT, EC_TOO_LARGE, "the base of %s does not fit",
					    month);
		if (accounts &&
		    json_array_append_new(accounts,
					  json_pack("{s:s, s:o, s:s, s:o}", "account", m->account,
						    "movement",
						    fund_body_money(m->movement_minor, m->currency),
						    "currency", m->currency, "usd",
						    fund_body_money(usd, "USD"))) < 0)
			return err_oom();
	}
	*base_out = base;
	return 0;
}

/* Adds {"item","what"} to items. */
static int item_add(json_t *items, const char *item, const char *what)
{
	return json_array_append_new(items, json_pack("{s:s, s:s}", "item", item, "what", what)) < 0
		       ? err_oom()
		       : 0;
}

/*
 * The revaluation item: open unless fund_revaluation_check (fund/reval.h)
 * finds the month's revaluation posted and equal to R(m) now, or nothing
 * to revalue; b holds month and the month before (books_load), so that
 * the periods list reads the running balances once, not once a month.
 */
static int revaluation_current(json_t *items, PGconn *c, const struct books *b,
			       const char *month)
{
	char item[32], what[512], computed[MONEY_STR_MAX + 8], posted[MONEY_STR_MAX + 8];
	json_t *o = NULL, *missing;
	int rc = fund_revaluation_check_rows(&o, c, b->rows, b->n, month);

	if (rc < 0 || json_is_true(json_object_get(o, "current"))) {
		json_decref(o);
		return rc;
	}
	missing = json_object_get(o, "missing_rates");
	if (json_array_size(missing) > 0) {
		size_t i, len;
		json_t *m;

		len = (size_t)snprintf(what, sizeof(what), "the month-end revaluation of %s needs"
				       " rates that are missing:", month);
		json_array_foreach(missing, i, m) {
			if (len < sizeof(what))
				len += (size_t)snprintf(what + len, sizeof(what) - len, "%s %s for %s",
							i ? "," : "",
							json_string_value(json_object_get(m, "currency")),
							json_string_value(json_object_get(m, "month")));
		}
	} else {
		snprintf(computed, sizeof(computed), "%s",
			 json_string_value(json_object_get(o, "computed")) ?
			 json_string_value(json_object_get(o, "computed")) : "?");
		snprintf(posted, sizeof(posted), "%s",
			 json_string_value(json_object_get(o, "posted")) ?
			 json_string_value(json_object_get(o, "posted")) : "none");
		snprintf(what, sizeof(what), "the month-end revaluation of %s is not posted or not"
			 " current: R = %s USD now, posted %s; revalue the month",
			 month, computed, posted);
	}
	json_decref(o);
	snprintf(item, sizeof(item), "revaluation:%s", month);
	return item_add(items, item, what);
}

/* The programme support costs item. */
static int psc_current(json_t *items, PGconn *c, const struct books *b, const char *month)
{
	char first[11], item[32], what[512], missing[256], rate_text[MONEY_STR_MAX + 8];
	char a[MONEY_STR_MAX + 8], s[MONEY_STR_MAX + 8];
	struct money_rate rate;
	PGresult *r = NULL;
	bool open = false;
	int64_t base;
	int rc;

	snprintf(item, sizeof(item), "psc:%s", month);
	if ((rc = psc_base(&base, NULL, missing, b, month)) < 0 ||
	    (rc = setting_rate(&rate, rate_text, c, "fund.psc_rate")) < 0)
		return rc;
	if (missing[0]) {
		snprintf(what, sizeof(what),
			 "the programme support costs of %s cannot be computed: no UN operational"
			 " rate for %s",
			 month, missing);
		return item_add(items, item, what);
	}
	month_first(first, month);
	rc = db_exec(&r, c, "close_psc_get", 1, (const char *const[]){first});
	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0) {
		open = base != 0; /* nothing spent: nothing to charge */
		snprintf(what, sizeof(what), "programme support costs of %s not charged (base %s)",
			 month, fmt_money(a, base, "USD"));
	} else if (fund_body_int64(r, 0, PSC_BASE) != base ||
		   strcmp(PQgetvalue(r, 0, PSC_RATE), rate_text) != 0) {
		open = true;
		snprintf(what, sizeof(what),
			 "programme support costs of %s charged on %s at %s; the base is now %s at"
			 " %s: charge them again",
			 month, fmt_money(a, fund_body_int64(r, 0, PSC_BASE), "USD"),
			 PQgetvalue(r, 0, PSC_RATE), fmt_money(s, base, "USD"), rate_text);
	}
	PQclear(r);
	return open ? item_add(items, item, what) : 0;
}

/* The reconciliation items: a linked statement account whose statements
 * close on or before the month's end, not signed off to the last one. */
static int reconciliation_current(json_t *items, PGconn *c, const char *month)
{
	char last[11], item[300], what[700];
	PGresult *r = NULL;
	int rc;

	month_last(last, month);
	rc = db_exec(&r, c, "close_reconciliation", 1, (const char *const[]){last});
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		const char *stmt = PQgetvalue(r, i, RC_STATEMENT), *to = PQgetvalue(r, i, RC_LAST);
		bool none = PQgetisnull(r, i, RC_SIGNED_TO);

		if (!none && strcmp(PQgetvalue(r, i, RC_SIGNED_TO), to) >= 0)
			continue;
		snprintf(item, sizeof(item), "reconciliation:%s", stmt);
		snprintf(what, sizeof(what),
			 "the reconciliation of %s (%s) is not signed off to its statement closing"
			 " %s%s%s",
			 stmt, PQgetvalue(r, i, RC_ACCOUNT), to,
			 none ? "" : "; signed off to ", none ? "" : PQgetvalue(r, i, RC_SIGNED_TO));
		rc = item_add(items, item, what);
	}
	PQclear(r);
	return rc;
}

/* What blocks closing month: [{"item","what"}] (new reference). */
static int month_items(json_t **out, PGconn *c, const struct books *b, const char *month)
{
	json_t *items = json_array();
	int rc = items ? 0 : err_oom();

	if (rc == 0)
		rc = revaluation_current(items, c, b, month);
	if (rc == 0)
		rc = psc_current(items, c, b, month);
	if (rc == 0)
		rc = reconciliation_current(items, c, month);
	if (rc < 0) {
		json_decref(items);
		items = NULL;
	}
	*out = items;
	return rc;
}

/* --- acknowledgements ----------------------------------------------------------------- */

/* Reads body {"acknowledge":[{"item","reason"}]?} into *out (a new array,
 * empty if none). ERR_INVALID naming the field; forbidden for a role that
 * may not acknowledge. */
static int acks_read(json_t **out, json_t *body, const struct ledger_actor *who)
{
	static const char *const allowed[] = {"acknowledge", NULL};
	static const char *const ack_fields[] = {"item", "reason", NULL};
	json_t *arr, *a;
	size_t i;
	int rc;

	*out = NULL;
	if (body && (rc = fund_body_only_fields(body, allowed)) < 0)
		return rc;
	arr = body ? json_object_get(body, "acknowledge") : NULL;
	if (arr && !json_is_array(arr) && !json_is_null(arr))
		return fund_body_bad("acknowledge", "expected an array of {item, reason}", NULL);
	if (json_array_size(arr) > ACKS_MAX)
		return err_code_set(ERR_INVALID, EC_INVALID_FIELD,
				    "acknowledge: more than %d items", ACKS_MAX);
	if (json_array_size(arr) > 0 && !is_bookkeeper(who))
		return err_code_set(ERR_INVALID, EC_FORBIDDEN,
				    "the role %s may not acknowledge open items (finance or admin)",
				    who->role ? who->role : "(none)");
	json_array_foreach(arr, i, a) {
		char field[48];
		const char *item, *reason;

		snprintf(field, sizeof(field), "acknowledge[%zu]", i);
		if (!json_is_object(a))
			return fund_body_bad(field, "expected an object {item, reason}", NULL);
		if ((rc = fund_body_only_fields(a, ack_fields)) < 0 ||
		    (rc = fund_body_text(&item, a, "item", true, 300)) < 0 ||
		    (rc = fund_body_text(&reason, a, "reason", true, 1000)) < 0)
			return err_wrap(rc, "%s", field);
		for (size_t k = 0; k < i; k++)
			if (strcmp(json_string_value(json_object_get(json_array_get(arr, k), "item")),
				   item) == 0)
				return err_code_set(ERR_INVALID, EC_INVALID_FIELD,
						    "%s.item: '%s' is acknowledged twice", field, item);
	}
	*out = arr ? json_deep_copy(arr) : json_array();
	return *out ? 0 : err_oom();
}

/*
 * Checks items (the open ones) against acks: every ack names an open item
 * (else invalid-field), every open item is acknowledged (else ONE
 * period-not-ready naming all that are not). On success each ack gets its
 * item's "what".
 */
static int acks_match(json_t *acks, json_t *items, const char *what)
{
	char list[LIMIT_ERR_BYTES - 200];
	size_t i, k, used = 0, n_open = 0, shown = 0;
	json_t *a, *it;

	json_array_foreach(acks, i, a) {
		const char *name = json_string_value(json_object_get(a, "item"));
		bool found = false;

		json_array_foreach(items, k, it)
			if (strcmp(json_string_value(json_object_get(it, "item")), name) == 0) {
				json_object_set(a, "what", json_object_get(it, "what"));
				found = true;
			}
		if (!found)
			return err_code_set(ERR_INVALID, EC_INVALID_FIELD,
					    "acknowledge[%zu].item: '%.200s' is not open in %s", i,
					    name, what);
	}
	json_array_foreach(items, k, it) {
		const char *name = json_string_value(json_object_get(it, "item"));
		bool acked = false;

		json_array_foreach(acks, i, a)
			if (strcmp(json_string_value(json_object_get(a, "item")), name) == 0)
				acked = true;
		if (acked)
			continue;
		n_open++;
		if (used < sizeof(list) - 300) {
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s (%.200s)",
						 shown ? "; " : "", name,
						 json_string_value(json_object_get(it, "what")));
			shown++;
		}
	}
	if (n_open == 0)
		return 0;
	if (shown < n_open)
		snprintf(list + used, sizeof(list) - used, "; and %zu more", n_open - shown);
	return err_code_set(ERR_CONFLICT, EC_PERIOD_NOT_READY,
			    "%s is not ready to close, %zu open item%s: %s. Finance may acknowledge"
			    " each with a reason",
			    what, n_open, n_open == 1 ? "" : "s", list);
}

/* --- programme support costs ----------------------------------------------------------- */

struct psc_tx {
	const char *month;
	const struct ledger_actor *who;
	json_t *out;
};

/* Reverses entry id, dated day, in c's transaction; its id into rev_id. */
static int reverse_entry(char rev_id[LEDGER_UUID_BYTES], PGconn *c, const char *id,
			 const char *day, const char *why, const struct ledger_actor *who)
{
	struct ledger_entry orig = {0}, rev = {0};
	char memo[256];
	int rc = ledger_entry_get(&orig, c, id);

	if (rc < 0)
		return rc;
	snprintf(memo, sizeof(memo), "Reversal of %s: %s", orig.id, why);
	rev.memo = strdup(memo);
	rev.reference = strdup(orig.reference);
	rev.postings = calloc(orig.n_postings, sizeof(*rev.postings));
	if (!rev.memo || !rev.reference || !rev.postings) {
		rc = err_oom();
		goto cleanup;
	}
	snprintf(rev.date, sizeof(rev.date), "%s", day);
	memcpy(rev.reverses, orig.id, sizeof(rev.reverses));
	rev.n_postings = orig.n_postings;
	for (size_t i = 0; i < orig.n_postings; i++) {
		rev.postings[i] = orig.postings[i];
		rev.postings[i].debit = !orig.postings[i].debit;
	}
	rc = fund_append(c, &rev, who, "entry.reverse");
	if (rc == 0)
		snprintf(rev_id, LEDGER_UUID_BYTES, "%s", rev.id);
cleanup:
	ledger_entry_free(&orig);
	ledger_entry_free(&rev);
	return rc;
}

static int psc_tx_run(PGconn *c, void *ctx)
{
	struct psc_tx *t = ctx;
	struct books b = {0};
	struct money_rate rate;
	char first[11], last[11], missing[256], rate_text[MONEY_STR_MAX + 8];
	char entry_id[LEDGER_UUID_BYTES] = "", old_entry[LEDGER_UUID_BYTES] = "";
	char reversed[LEDGER_UUID_BYTES] = "", base_s[24], amount_s[24], object[512];
	char a[MONEY_STR_MAX + 8], s[MONEY_STR_MAX + 8];
	int64_t base = 0, amount = 0;
	json_t *accounts = json_array();
	PGresult *r = NULL;
	bool closed, same = false, had = false;
	int rc = accounts ? 0 : err_oom();

	json_decref(t->out);
	t->out = NULL;
	month_first(first, t->month);
	month_last(last, t->month);
	if (rc == 0)
		rc = is_closed(&closed, c, t->month);
	if (rc == 0 && closed)
		rc = err_code_set(ERR_INVALID, EC_PERIOD_CLOSED,
				  "month: the period %s is closed: its programme support costs"
				  " cannot change",
				  t->month);
	if (rc == 0)
		rc = books_load(&b, c, t->month, t->month);
	if (rc == 0)
		rc = psc_base(&base, accounts, missing, &b, t->month);
	if (rc == 0 && missing[0])
		rc = fund_rates_missing_error(b.rates);
	if (rc == 0)
		rc = setting_rate(&rate, rate_text, c, "fund.psc_rate");
	if (rc == 0)
		rc = apply_rate(&amount, base > 0 ? base : 0, rate);
	if (rc == 0)
		rc = db_exec(&r, c, "close_psc_get", 1, (const char *const[]){first});
	if (rc == 0 && PQntuples(r) > 0) {
		had = true;
		same = fund_body_int64(r, 0, PSC_BASE) == base &&
		       strcmp(PQgetvalue(r, 0, PSC_RATE), rate_text) == 0;
		if (!PQgetisnull(r, 0, PSC_ENTRY))
			snprintf(old_entry, sizeof(old_entry), "%s", PQgetvalue(r, 0, PSC_ENTRY));
	}
	PQclear(r);
	if (rc < 0 || same)
		goto answer;
	if (old_entry[0])
		rc = reverse_entry(reversed, c, old_entry, last,
				   "programme support costs recomputed", t->who);
	if (rc == 0 && had)
		rc = db_exec(NULL, c, "close_psc_delete", 1, (const char *const[]){first});
	if (rc == 0 && amount > 0) {
		struct ledger_entry e;
		char memo[256];

		snprintf(memo, sizeof(memo),
			 "Programme support costs of %s: %s of expenditure %s", t->month,
			 rate_text, fmt_money(a, base, "USD"));
		rc = fund_body_entry_begin(&e, last, memo, "psc");
		if (rc == 0) {
			fund_body_entry_add(&e, "5800-USD", "USD", true, amount);
			fund_body_entry_add(&e, "2300-USD", "USD", false, amount);
			rc = fund_body_entry_done(entry_id, c, &e, t->who, "entry.post");
		}
	}
	snprintf(base_s, sizeof(base_s), "%" PRId64, base);
	snprintf(amount_s, sizeof(amount_s), "%" PRId64, amount);
	if (rc == 0)
		rc = db_exec(NULL, c, "close_psc_insert", 6,
			     (const char *const[]){first, base_s, rate_text, amount_s,
						   entry_id[0] ? entry_id : NULL,
						   ledger_actor_user(t->who)});
	snprintf(object, sizeof(object), "%s: base %s at %s, %s%s%s", t->month,
		 fmt_money(a, base, "USD"), rate_text, fmt_money(s, amount, "USD"),
		 reversed[0] ? "; reversed " : "", reversed[0] ? old_entry : "");
	if (rc == 0)
		rc = ledger_audit(c, t->who, "psc.charge", object);
answer:
	if (rc == 0 && same) {
		/* what is stored stands: its entry, its amount */
		amount = 0;
		rc = db_exec(&r, c, "close_psc_get", 1, (const char *const[]){first});
		if (rc == 0) {
			amount = fund_body_int64(r, 0, PSC_AMOUNT);
			snprintf(entry_id, sizeof(entry_id), "%s",
				 PQgetisnull(r, 0, PSC_ENTRY) ? "" : PQgetvalue(r, 0, PSC_ENTRY));
		}
		PQclear(r);
	}
	if (rc == 0) {
		t->out = json_pack("{s:s, s:o, s:s, s:o, s:s, s:o, s:o, s:b, s:O}", "month", t->month,
				   "base", fund_body_money(base, "USD"), "rate", rate_text,
				   "amount", fund_body_money(amount, "USD"), "currency", "USD",
				   "entry_id", entry_id[0] ? json_string(entry_id) : json_null(),
				   "reversed_entry_id",
				   reversed[0] ? json_string(old_entry) : json_null(), "changed",
				   !same, "accounts", accounts);
		if (!t->out)
			rc = err_oom();
	}
	json_decref(accounts);
	books_free(&b);
	return rc;
}

int fund_psc_charge(json_t **out, PGconn *c, const char *month, const struct ledger_actor *who)
{
	struct psc_tx t = {month, who, NULL};
	int rc;

	*out = NULL;
	if (!month_valid(month))
		return month_bad("month", month);
	rc = db_tx(c, DB_READ_COMMITTED, psc_tx_run, &t);
	if (rc < 0) {
		json_decref(t.out);
		return rc;
	}
	*out = t.out;
	return 0;
}

/* --- closing and reopening a month ------------------------------------------------------- */

/*
 * Closes month in c's transaction, the head lock held: refuses a month
 * closed already (conflict), computes its items and matches them with acks
 * (acks_match), then closed_periods, period_events and the audit row.
 * reason goes into the event ("" for a plain close).
 */
static int close_in_tx(PGconn *c, const char *month, json_t *acks, const char *reason,
		       const struct ledger_actor *who)
{
	char first[11], *ack_text = NULL;
	struct books b = {0};
	json_t *items = NULL;
	PGresult *r = NULL;
	bool closed;
	int rc = is_closed(&closed, c, month);

	if (rc == 0 && closed)
		rc = err_set(ERR_CONFLICT, "the period %s is already closed", month);
	if (rc == 0)
		rc = books_load(&b, c, month, month);
	if (rc == 0)
		rc = month_items(&items, c, &b, month);
	if (rc == 0)
		rc = acks_match(acks, items, month);
	month_first(first, month);
	if (rc == 0)
		rc = db_exec(&r, c, "close_period_insert", 2,
			     (const char *const[]){first, who->token_id});
	if (rc == 0 && PQntuples(r) == 0)
		rc = err_set(ERR_CONFLICT, "the period %s is already closed", month);
	PQclear(r);
	if (rc == 0 && !(ack_text = json_dumps(acks, JSON_COMPACT)))
		rc = err_oom();
	if (rc == 0)
		rc = db_exec(NULL, c, "close_event_insert", 6,
			     (const char *const[]){first, "close", reason, ack_text,
						   ledger_actor_user(who), who->role ? who->role : ""});
	if (rc == 0)
		rc = ledger_audit(c, who, "period.close", month);
	free(ack_text);
	json_decref(items);
	books_free(&b);
	return rc;
}

struct close_tx {
	const char *month;
	json_t *acks;
	const struct ledger_actor *who;
};

static int close_tx_run(PGconn *c, void *ctx)
{
	struct close_tx *t = ctx;
	int rc = db_exec(NULL, c, "close_head_lock", 0, NULL);

	return rc < 0 ? rc : close_in_tx(c, t->month, t->acks, "", t->who);
}

int fund_period_close(json_t **out, PGconn *c, const char *month, json_t *body,
		      const struct ledger_actor *who)
{
	struct close_tx t = {month, NULL, who};
	int rc;

	*out = NULL;
	if (!month_valid(month))
		return month_bad("period", month);
	if ((rc = acks_read(&t.acks, body, who)) < 0)
		return rc;
	rc = db_tx(c, DB_READ_COMMITTED, close_tx_run, &t);
	ledger_closed_forget(); /* committed or not: read them again */
	if (rc == 0) {
		*out = json_pack("{s:s, s:s, s:s, s:O}", "period", month, "status", "closed",
				 "closed_by", ledger_actor_user(who), "acknowledged", t.acks);
		if (!*out)
			rc = err_oom();
	}
	json_decref(t.acks);
	return rc;
}

struct reopen_tx {
	const char *month, *reason;
	const struct ledger_actor *who;
};

static int reopen_tx_run(PGconn *c, void *ctx)
{
	struct reopen_tx *t = ctx;
	char first[11], year[8], object[1100];
	PGresult *r = NULL;
	int rc = db_exec(NULL, c, "close_head_lock", 0, NULL);

	month_first(first, t->month);
	snprintf(year, sizeof(year), "%.4s", t->month);
	if (rc == 0)
		rc = db_exec(&r, c, "close_year_get", 1, (const char *const[]){year});
	if (rc == 0 && PQntuples(r) > 0)
		rc = err_set(ERR_CONFLICT,
			     "period: %s belongs to the year %s, closed on %s by %s; a closed"
			     " year's months stay closed",
			     t->month, year, PQgetvalue(r, 0, YC_AT), PQgetvalue(r, 0, YC_BY));
	PQclear(r);
	r = NULL;
	if (rc == 0)
		rc = db_exec(&r, c, "close_period_delete", 1, (const char *const[]){first});
	if (rc == 0 && PQntuples(r) == 0)
		rc = err_set(ERR_CONFLICT, "period: %s is not closed", t->month);
	PQclear(r);
	if (rc == 0)
		rc = db_exec(NULL, c, "close_event_insert", 6,
			     (const char *const[]){first, "reopen", t->reason, "[]",
						   ledger_actor_user(t->who), t->who->role});
	snprintf(object, sizeof(object), "%s: %.1000s", t->month, t->reason);
	if (rc == 0)
		rc = ledger_audit(c, t->who, "period.reopen", object);
	return rc;
}

int fund_period_reopen(json_t **out, PGconn *c, const char *month, json_t *body,
		       const struct ledger_actor *who)
{
	static const char *const allowed[] = {"reason", NULL};
	struct reopen_tx t = {month, NULL, who};
	int rc;

	*out = NULL;
	if (!is_admin(who))
		return err_code_set(ERR_INVALID, EC_FORBIDDEN,
				    "the role %s may not reopen a closed month (admin only)",
				    who->role ? who->role : "(none)");
	if (!month_valid(month))
		return month_bad("period", month);
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_text(&t.reason, body, "reason", true, 1000)) < 0)
		return rc;
	rc = db_tx(c, DB_READ_COMMITTED, reopen_tx_run, &t);
	ledger_closed_forget(); /* this process must not refuse the month any more */
	if (rc < 0)
		return rc;
	*out = json_pack("{s:s, s:s, s:s, s:s}", "period", month, "status", "open", "reason",
			 t.reason, "reopened_by", ledger_actor_user(who));
	return *out ? 0 : err_oom();
}

/* --- the list of months ----------------------------------------------------------------------- */

static json_t *event_json(PGresult *r, int i)
{
	json_t *ack = json_loads(PQgetvalue(r, i, EV_ACK), 0, NULL);

	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:s}", "action", PQgetvalue(r, i, EV_ACTION),
			 "reason", PQgetvalue(r, i, EV_REASON), "acknowledged",
			 ack ? ack : json_array(), "by", PQgetvalue(r, i, EV_BY), "role",
			 PQgetvalue(r, i, EV_ROLE), "at", PQgetvalue(r, i, EV_AT));
}

int fund_periods_list(json_t **out, PGconn *c)
{
	PGresult *months = NULL, *closed = NULL, *events = NULL;
	struct books b = {0};
	json_t *arr = NULL;
	int n, rc;

	*out = NULL;
	if ((rc = db_exec(&months, c, "close_months", 0, NULL)) < 0 ||
	    (rc = db_exec(&closed, c, "close_closed_all", 0, NULL)) < 0 ||
	    (rc = db_exec(&events, c, "close_events", 0, NULL)) < 0)
		goto cleanup;
	n = PQntuples(months);
	if (n > 0 && (rc = books_load(&b, c, PQgetvalue(months, 0, MO_MONTH),
				      PQgetvalue(months, n - 1, MO_MONTH))) < 0)
		goto cleanup;
	if (!(arr = json_array())) {
		rc = err_oom();
		goto cleanup;
	}
	for (int i = 0; i < n; i++) {
		const char *month = PQgetvalue(months, i, MO_MONTH);
		json_t *items = NULL, *evs = json_array(), *row;
		int k = -1;

		for (int j = 0; j < PQntuples(closed); j++)
			if (strcmp(PQgetvalue(closed, j, CA_MONTH), month) == 0)
				k = j;
		for (int j = 0; evs && j < PQntuples(events); j++)
			if (strcmp(PQgetvalue(events, j, EV_MONTH), month) == 0)
				json_array_append_new(evs, event_json(events, j));
		rc = month_items(&items, c, &b, month);
		if (rc < 0) {
			json_decref(evs);
			goto cleanup;
		}
		row = json_pack("{s:s, s:s, s:o, s:o, s:b, s:o, s:o}", "month", month, "status",
				k >= 0 ? "closed" : "open", "closed_at",
				k >= 0 ? json_string(PQgetvalue(closed, k, CA_CLOSED_AT)) : json_null(),
				"closed_by",
				k >= 0 ? json_string(PQgetvalue(closed, k, CA_CLOSED_BY)) : json_null(),
				"ready", json_array_size(items) == 0, "open_items", items, "events",
				evs ? evs : json_array());
		if (!row || json_array_append_new(arr, row) < 0) {
			rc = err_oom();
			goto cleanup;
		}
	}
	*out = arr;
	arr = NULL;
cleanup:
	PQclear(months);
	PQclear(closed);
	PQclear(events);
	books_free(&b);
	json_decref(arr);
	return rc;
}

/* --- the year-end close ------------------------------------------------------------------------- */

struct year_tx {
	int year;
	json_t *acks;
	const struct ledger_actor *who;
	json_t *out;
};

/* The year before, with entries and not closed; the open months of the
 * year before December; December closed: items that no acknowledgement
 * lifts, into items. */
static int year_months(json_t *items, PGconn *c, int year)
{
	char from[24], to[24], dec[16], item[32], what[160], ys[16];
	PGresult *r = NULL;
	bool closed;
	int rc;

	snprintf(from, sizeof(from), "%04d-01-01", year - 1);
	snprintf(to, sizeof(to), "%04d-12-31", year - 1);
	snprintf(ys, sizeof(ys), "%d", year - 1);
	rc = db_exec(&r, c, "close_has_entries", 2, (const char *const[]){from, to});
	closed = rc == 0 && strcmp(PQgetvalue(r, 0, HE_N), "0") == 0; /* nothing to close */
	PQclear(r);
	r = NULL;
	if (rc == 0 && !closed)
		rc = db_exec(&r, c, "close_year_get", 1, (const char *const[]){ys});
	if (rc == 0 && !closed && PQntuples(r) == 0) {
		snprintf(item, sizeof(item), "year:%d", year - 1);
		snprintf(what, sizeof(what),
			 "the year %d has entries and no year-end close: close the years in order",
			 year - 1);
		rc = item_add(items, item, what);
	}
	PQclear(r);
	r = NULL;
	if (rc < 0)
		return rc;

	snprintf(from, sizeof(from), "%04d-01-01", year);
	snprintf(to, sizeof(to), "%04d-12-01", year);
	snprintf(dec, sizeof(dec), "%04d-12", year);
	rc = db_exec(&r, c, "close_open_months", 2, (const char *const[]){from, to});
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		snprintf(item, sizeof(item), "month:%s", PQgetvalue(r, i, MO_MONTH));
		snprintf(what, sizeof(what), "%s has entries and is not closed: close it first",
			 PQgetvalue(r, i, MO_MONTH));
		rc = item_add(items, item, what);
	}
	PQclear(r);
	if (rc == 0)
		rc = is_closed(&closed, c, dec);
	if (rc == 0 && closed) {
		snprintf(item, sizeof(item), "month:%s", dec);
		snprintf(what, sizeof(what),
			 "%s is closed: the closing entries are dated %d-12-31; an admin must"
			 " reopen it",
			 dec, year);
		rc = item_add(items, item, what);
	}
	return rc;
}

/* A "year:" or "month:" item cannot be acknowledged away. */
static int year_refuse(json_t *items, int year)
{
	json_t *none = json_array();
	char what[16];
	int rc;

	if (!none)
		return err_oom();
	snprintf(what, sizeof(what), "the year %d", year);
	rc = acks_match(none, items, what);
	json_decref(none);
	return rc;
}

/*
 * The year's surplus in USD: the sum over its months of S(m) + R(m)
 * (docs/controls.md, "Month-end revaluation"), per month into months.
 */
static int year_surplus(int64_t *out, json_t *months, const struct books *b, int year)
{
	int64_t total = 0;
	int rc = 0;

	for (int mo = 1; mo <= 12 && rc == 0; mo++) {
		char month[8], prev[8];
		int64_t s = 0, na = 0, na_prev = 0, r, usd;

		snprintf(month, sizeof(month), "%04d-%02d", year, mo);
		month_prev(prev, month);
		for (size_t i = 0; i < b->n && rc >= 0; i++) {
			const struct fund_usd_month *m = &b->rows[i];
			bool rev_exp = strcmp(m->type, "revenue") == 0 ||
				       strcmp(m->type, "expense") == 0;

			if (strcmp(m->month, month) != 0)
				continue;
			if (rev_exp && strcmp(m->account, "4900-USD") != 0 &&
			    strcmp(m->account, "5900-USD") != 0 && m->movement_minor != 0) {
				rc = fund_rates_usd(&usd, b->rates, m->movement_minor, m->currency,
						    month);
				if (rc == 0 && money_sub(&s, s, usd) < 0) /* credits are surplus */
					rc = ERR_LIMIT;
			}
			if (fund_usd_monetary(m->type) && m->closing_minor != 0 && rc >= 0) {
				rc = fund_rates_usd(&usd, b->rates, m->closing_minor, m->currency,
						    month);
				if (rc == 0 && money_add(&na, na, usd) < 0)
					rc = ERR_LIMIT;
			}
			if (fund_usd_monetary(m->type) && m->opening_minor != 0 && rc >= 0) {
				rc = fund_rates_usd(&usd, b->rates, m->opening_minor, m->currency,
						    prev);
				if (rc == 0 && money_add(&na_prev, na_prev, usd) < 0)
					rc = ERR_LIMIT;
			}
			if (rc == 1)
				rc = 0; /* missing: listed at the end */
		}
		if (rc == ERR_LIMIT)
			return err_code_set(ERR_LIMIT, EC_TOO_LARGE, "the figures of %s do not fit",
					    month);
		if (rc < 0)
			return rc;
		if (money_sub(&r, na, na_prev) < 0 || money_sub(&r, r, s) < 0 ||
		    money_add(&total, total, s) < 0 || money_add(&total, total, r) < 0)
			return err_code_set(ERR_LIMIT, EC_TOO_LARGE, "the surplus of %s does not fit",
					    month);
		if (json_array_append_new(months, json_pack("{s:s, s:o, s:o}", "month", month, "S",
							     fund_body_money(s, "USD"), "R",
							     fund_body_money(r, "USD"))) < 0)
			return err_oom();
	}
	*out = total;
	return fund_rates_missing_error(b->rates);
}

/* Posts one currency's closing entry: every revenue and expense balance
 * (rows [from, to) of r, moved of them not 0) into 3100-CCY. Its id into
 * id_out, the currency's surplus (deficit if negative) into *net_out. */
static int year_entry(char id_out[LEDGER_UUID_BYTES], int64_t *net_out, PGconn *c, PGresult *r,
		      int from, int to, int moved, const char *day,
		      const struct ledger_actor *who)
{
	const char *ccy = PQgetvalue(r, from, YB_CURRENCY);
	struct ledger_entry e = {0};
	char memo[160], acct[LEDGER_CODE_BYTES];
	int64_t net = 0;
	int created, rc;

	*net_out = 0;
	if (moved + 1 > YEAR_POSTINGS_MAX)
		return err_code_set(ERR_LIMIT, EC_TOO_LARGE,
				    "%d revenue and expense accounts with a balance in %s: at most %d",
				    moved, ccy, YEAR_POSTINGS_MAX - 1);
	if ((rc = fund_currency_ensure(&created, c, ccy, who)) < 0)
		return rc;
	snprintf(memo, sizeof(memo),
		 "Year-end close %.4s: revenue and expenses in %s into accumulated surplus", day,
		 ccy);
	e.memo = strdup(memo);
	e.reference = strdup("year-close");
	e.postings = calloc((size_t)moved + 1, sizeof(*e.postings));
	if (!e.memo || !e.reference || !e.postings) {
		ledger_entry_free(&e);
		return err_oom();
	}
	snprintf(e.date, sizeof(e.date), "%s", day);
	for (int i = from; i < to; i++) {
		int64_t bal = fund_body_int64(r, i, YB_BALANCE);
		struct ledger_posting *p;

		if (bal == 0)
			continue;
		p = &e.postings[e.n_postings++];
		snprintf(p->account, sizeof(p->account), "%s", PQgetvalue(r, i, YB_CODE));
		snprintf(p->currency, sizeof(p->currency), "%s", ccy);
		p->debit = bal < 0; /* a debit balance is taken out by a credit */
		p->amount_minor = bal < 0 ? -bal : bal;
		net += bal;
	}
	if (net != 0) {
		struct ledger_posting *p = &e.postings[e.n_postings++];

		snprintf(acct, sizeof(acct), "3100-%s", ccy);
		snprintf(p->account, sizeof(p->account), "%s", acct);
		snprintf(p->currency, sizeof(p->currency), "%s", ccy);
		p->debit = net > 0; /* expenses above revenue: a deficit */
		p->amount_minor = net > 0 ? net : -net;
	}
	rc = fund_append(c, &e, who, "entry.post");
	if (rc == 0)
		snprintf(id_out, LEDGER_UUID_BYTES, "%s", e.id);
	*net_out = -net;
	ledger_entry_free(&e);
	return rc;
}

/* The operating reserve: target = rate x the year's final budget; the
 * entry between 3100-USD and 3200-USD for target less its balance. */
static int year_reserve(json_t **out, char id_out[LEDGER_UUID_BYTES], int64_t *target_out,
			PGconn *c, int year, const char *day, const struct ledger_actor *who)
{
	char ys[8], rate_text[MONEY_STR_MAX + 8], memo[200], a[MONEY_STR_MAX + 8];
	struct money_rate rate;
	PGresult *r = NULL;
	int64_t total = 0, lines = 0, target = 0, before = 0, move;
	int rc;

	id_out[0] = '\0';
	snprintf(ys, sizeof(ys), "%d", year);
	if ((rc = setting_rate(&rate, rate_text, c, "fund.operating_reserve_rate")) < 0)
		return rc;
	rc = db_exec(&r, c, "close_budget_total", 1, (const char *const[]){ys});
	if (rc == 0) {
		total = fund_body_int64(r, 0, BT_TOTAL);
		lines = fund_body_int64(r, 0, BT_LINES);
	}
	PQclear(r);
	if (rc == 0)
		rc = apply_rate(&target, total, rate);
	if (rc == 0)
		rc = db_exec(&r, c, "close_balance", 2, (const char *const[]){"3200-USD", day});
	if (rc == 0)
		before = -fund_body_int64(r, 0, BAL_BALANCE); /* a credit balance */
	PQclear(r);
	if (rc < 0)
		return rc;
	move = target - before;
	if (move != 0) {
		struct ledger_entry e;

		snprintf(memo, sizeof(memo), "Operating cash reserve %d: %s of the budget %s", year,
			 rate_text, fmt_money(a, total, "USD"));
		rc = fund_body_entry_begin(&e, day, memo, "year-close");
		if (rc < 0)
			return rc;
		fund_body_entry_add(&e, move > 0 ? "3100-USD" : "3200-USD", "USD", true,
				    move > 0 ? move : -move);
		fund_body_entry_add(&e, move > 0 ? "3200-USD" : "3100-USD", "USD", false,
				    move > 0 ? move : -move);
		rc = fund_body_entry_done(id_out, c, &e, who, "entry.post");
		if (rc < 0)
			return rc;
	}
	*target_out = target;
	*out = json_pack("{s:s, s:o, s:I, s:s, s:o, s:o, s:o, s:o}", "rate", rate_text,
			 "budget_total", fund_body_money(total, "USD"), "budget_lines",
			 (json_int_t)lines, "budget",
			 lines ? "the final budget of the year (budgets, highest revision per line)"
			       : "no budget for the year: the target is 0",
			 "target", fund_body_money(target, "USD"), "before",
			 fund_body_money(before, "USD"), "moved", fund_body_money(move, "USD"),
			 "entry_id", id_out[0] ? json_string(id_out) : json_null());
	return *out ? 0 : err_oom();
}

static int year_tx_run(PGconn *c, void *ctx)
{
	struct year_tx *t = ctx;
	char ys[8], day[11], dec[8], surplus_s[24], target_s[24], *ids_text = NULL;
	char id[LEDGER_UUID_BYTES] = "";
	struct books b = {0};
	json_t *items = json_array(), *months = json_array(), *ccys = json_array();
	json_t *ids = json_array(), *reserve = NULL, *dec_items = NULL;
	PGresult *r = NULL;
	int64_t surplus = 0, target = 0;
	int rc = items && months && ccys && ids ? 0 : err_oom();

	json_decref(t->out);
	t->out = NULL;
	snprintf(ys, sizeof(ys), "%d", t->year);
	snprintf(day, sizeof(day), "%d-12-31", t->year);
	snprintf(dec, sizeof(dec), "%d-12", t->year);
	if (rc == 0)
		rc = db_exec(NULL, c, "close_head_lock", 0, NULL);
	if (rc == 0)
		rc = db_exec(&r, c, "close_year_get", 1, (const char *const[]){ys});
	if (rc == 0 && PQntuples(r) > 0)
		rc = err_set(ERR_CONFLICT, "year: %d was closed on %s by %s", t->year,
			     PQgetvalue(r, 0, YC_AT), PQgetvalue(r, 0, YC_BY));
	PQclear(r);
	r = NULL;
	/* the months before December closed, December open and ready */
	if (rc == 0)
		rc = year_months(items, c, t->year);
	if (rc == 0 && json_array_size(items) > 0)
		rc = year_refuse(items, t->year);
	if (rc == 0)
		rc = books_load(&b, c, dec, dec);
	if (rc == 0)
		rc = month_items(&dec_items, c, &b, dec);
	if (rc == 0)
		rc = acks_match(t->acks, dec_items, dec);
	books_free(&b);
	if (rc == 0) {
		char jan[8];

		snprintf(jan, sizeof(jan), "%d-01", t->year);
		rc = books_load(&b, c, jan, dec);
	}
	if (rc == 0)
		rc = year_surplus(&surplus, months, &b, t->year);
	/* one closing entry per currency that has a balance to move */
	if (rc == 0)
		rc = db_exec(&r, c, "close_year_balances", 1, (const char *const[]){day});
	for (int i = 0, n = r ? PQntuples(r) : 0; rc == 0 && i < n;) {
		const char *ccy = PQgetvalue(r, i, YB_CURRENCY);
		int from = i, moved = 0;
		int64_t net;

		for (; i < n && strcmp(PQgetvalue(r, i, YB_CURRENCY), ccy) == 0; i++)
			moved += fund_body_int64(r, i, YB_BALANCE) != 0;
		if (moved == 0)
			continue;
		rc = year_entry(id, &net, c, r, from, i, moved, day, t->who);
		if (rc == 0)
			rc = json_array_append_new(ids, json_string(id)) < 0 ? err_oom() : 0;
		if (rc == 0 &&
		    json_array_append_new(ccys, json_pack("{s:s, s:s, s:I, s:o}", "currency", ccy,
							  "entry_id", id, "accounts", (json_int_t)moved,
							  "surplus", fund_body_money(net, ccy))) < 0)
			rc = err_oom();
	}
	if (rc == 0)
		rc = year_reserve(&reserve, id, &target, c, t->year, day, t->who);
	if (rc == 0 && id[0])
		rc = json_array_append_new(ids, json_string(id)) < 0 ? err_oom() : 0;
	/* the row, then December closed */
	if (rc == 0) {
		size_t i, used = 1, size = json_array_size(ids) * LEDGER_UUID_BYTES + 3;
		json_t *v;
		char *s = malloc(size);

		if (!(ids_text = s)) {
			rc = err_oom();
		} else {
			s[0] = '{';
			json_array_foreach(ids, i, v)
				used += (size_t)snprintf(s + used, size - used, "%s%s", i ? "," : "",
							 json_string_value(v));
			snprintf(s + used, size - used, "}");
		}
	}
	snprintf(surplus_s, sizeof(surplus_s), "%" PRId64, surplus);
	snprintf(target_s, sizeof(target_s), "%" PRId64, target);
	if (rc == 0)
		rc = db_exec(NULL, c, "close_year_insert", 5,
			     (const char *const[]){ys, surplus_s, target_s, ids_text,
						   ledger_actor_user(t->who)});
	if (rc == 0)
		rc = close_in_tx(c, dec, t->acks, "year-end close", t->who);
	if (rc == 0)
		rc = ledger_audit(c, t->who, "year.close", ys);
	if (rc == 0) {
		t->out = json_pack("{s:i, s:o, s:s, s:O, s:O, s:O, s:O, s:{s:s, s:s, s:O}}", "year",
				   t->year, "surplus", fund_body_money(surplus, "USD"), "currency",
				   "USD", "months", months, "currencies", ccys, "reserve", reserve,
				   "entry_ids", ids, "december", "period", dec, "status", "closed",
				   "acknowledged", t->acks);
		if (!t->out)
			rc = err_oom();
	}
	PQclear(r);
	free(ids_text);
	books_free(&b);
	json_decref(items);
	json_decref(dec_items);
	json_decref(months);
	json_decref(ccys);
	json_decref(ids);
	json_decref(reserve);
	return rc;
}

int fund_year_close(json_t **out, PGconn *c, int year, json_t *body,
		    const struct ledger_actor *who)
{
	struct year_tx t = {year, NULL, who, NULL};
	int rc;

	*out = NULL;
	if (year < 2000 || year > 2100)
		return err_code_set(ERR_INVALID, EC_INVALID_FIELD, "year: 2000 to 2100, got %d",
				    year);
	if ((rc = acks_read(&t.acks, body, who)) < 0)
		return rc;
	rc = db_tx(c, DB_READ_COMMITTED, year_tx_run, &t);
	ledger_closed_forget();
	if (rc == 0) {
		*out = t.out;
		t.out = NULL;
	}
	json_decref(t.out);
	json_decref(t.acks);
	return rc;
}

static json_t *year_json(const PGresult *r, int i)
{
	bool closed = strcmp(PQgetvalue(r, i, YC_CLOSED), "t") == 0;
	json_t *o = json_pack("{s:I, s:b}", "year", (json_int_t)fund_body_int64(r, i, YC_YEAR),
			      "closed", closed);

	if (o && closed) {
		json_t *ids = json_array();
		char *list = strdup(PQgetvalue(r, i, YC_ENTRIES)), *save = NULL;

		for (char *t = list ? strtok_r(list, ",", &save) : NULL; ids && t;
		     t = strtok_r(NULL, ",", &save))
			json_array_append_new(ids, json_string(t));
		free(list);
		json_object_set_new(o, "surplus",
				    fund_body_money(fund_body_int64(r, i, YC_SURPLUS), "USD"));
		json_object_set_new(o, "reserve",
				    fund_body_money(fund_body_int64(r, i, YC_RESERVE), "USD"));
		json_object_set_new(o, "currency", json_string("USD"));
		json_object_set_new(o, "entry_ids", ids ? ids : json_array());
		json_object_set_new(o, "closed_by", json_string(PQgetvalue(r, i, YC_BY)));
		json_object_set_new(o, "closed_at", json_string(PQgetvalue(r, i, YC_AT)));
	}
	return o;
}

int fund_years_list(json_t **out, PGconn *c)
{
	return db_rows_json(out, c, "close_years", 0, NULL, year_json);
}
