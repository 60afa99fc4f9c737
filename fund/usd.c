/*
 * usd.c - the fund's figures in US dollars (usd.h): the UN operational
 * rates held in memory with the (currency, month) pairs asked for and
 * missing, and every account's months from the running balances.
 *
 * Rates are read once (a few hundred rows at most) so that a statement
 * over a year asks the database nothing per figure, and so that every
 * missing rate is known at the end, not only the first. Months come from
 * balances (one index probe per account and month end) and the year-end
 * closing entries' own postings, never from a scan of the postings.
 */
#include "fund/usd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "fund/fund.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct rate_row {
	char ccy[4];
	char month[8];
	struct money_rate rate;
};

struct fund_rates {
	struct rate_row *rows; /* sorted by currency, month */
	size_t n;
	struct rate_row *missing; /* asked for and absent, unique, sorted */
	size_t n_missing, cap_missing;
};

/* --- statements ------------------------------------------------------------------ */

enum { UR_CURRENCY, UR_MONTH, UR_MANTISSA, UR_SCALE, UR_NCOLS };
static const char *const rate_cols[UR_NCOLS] = {
	[UR_CURRENCY] = "currency", [UR_MONTH] = "month", [UR_MANTISSA] = "usd_mantissa",
	[UR_SCALE] = "usd_scale"};

enum {
	UM_ACCOUNT, UM_TYPE, UM_CURRENCY, UM_MONTH, UM_OPENING, UM_CLOSING, UM_CLOSING_ENTRIES,
	UM_NCOLS
};
static const char *const month_cols[UM_NCOLS] = {
	[UM_ACCOUNT] = "code", [UM_TYPE] = "type", [UM_CURRENCY] = "currency",
	[UM_MONTH] = "month", [UM_OPENING] = "opening", [UM_CLOSING] = "closing",
	[UM_CLOSING_ENTRIES] = "closing_entries"};

static const struct db_stmt stmts[] = {
	{"fund_usd_rates",
	 "SELECT currency, month, usd_mantissa, usd_scale FROM exchange_rates"
	 " ORDER BY currency, month",
	 0},
	/* $1 first month (a date, its first day), $2 the last day */
	{"fund_usd_months",
	 "WITH m AS (SELECT to_char(g, 'YYYY-MM') AS month, g::date AS first_day,"
	 "                  least((g + interval '1 month' - interval '1 day')::date, $2::date)"
	 "                    AS last_day"
	 "           FROM generate_series($1::date, date_trunc('month', $2::date),"
	 "                                interval '1 month') AS g),"
	 " ce AS (SELECT p.account, to_char(e.date, 'YYYY-MM') AS month,"
	 "               sum(CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END) AS amt"
	 "        FROM fund_year_closes y CROSS JOIN LATERAL unnest(y.entry_ids) AS x(id)"
	 "        JOIN entries e ON e.id = x.id JOIN postings p ON p.entry_id = x.id"
	 "        WHERE e.date BETWEEN $1::date AND $2::date GROUP BY 1, 2)"
	 " SELECT a.code, a.type, a.currency, m.month,"
	 "  COALESCE((SELECT b.debit_balance FROM balances b WHERE b.account = a.code"
	 "            AND b.day < m.first_day ORDER BY b.day DESC LIMIT 1), 0) AS opening,"
	 "  COALESCE((SELECT b.debit_balance FROM balances b WHERE b.account = a.code"
	 "            AND b.day <= m.last_day ORDER BY b.day DESC LIMIT 1), 0) AS closing,"
	 "  COALESCE((SELECT ce.amt FROM ce WHERE ce.account = a.code AND ce.month = m.month),"
	 "           0) AS closing_entries"
	 " FROM accounts a CROSS JOIN m WHERE a.type <> 'memo'"
	 " ORDER BY a.code, m.month",
	 2},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("fund_usd_rates", rate_cols),
	DB_COLUMNS("fund_usd_months", month_cols),
};

/*
 * JIT off for the connection: fund_usd_months' planner estimate (a
 * generate_series counted as 1,000 months, three index probes per account
 * and month) passes jit_above_cost, and compiling it cost 0.4-1.3 s for a
 * query that runs in 3-8 ms; nothing the fund's connections run gains from
 * JIT.
 */
int fund_usd_setup(PGconn *c)
{
	int rc = db_exec_sql(c, "SET jit = off");

	return rc < 0 ? rc : db_setup(c, stmts, N(stmts), columns, N(columns));
}

/* --- rates ---------------------------------------------------------------------------- */

static int row_cmp(const char *ccy_a, const char *month_a, const struct rate_row *b)
{
	int d = strcmp(ccy_a, b->ccy);

	return d ? d : strcmp(month_a, b->month);
}

int fund_rates_load(fund_rates **out, PGconn *c)
{
	fund_rates *r = calloc(1, sizeof(*r));
	PGresult *res = NULL;
	int rc = r ? db_exec(&res, c, "fund_usd_rates", 0, NULL) : err_oom();

	*out = NULL;
	if (rc < 0)
		goto cleanup;
	r->n = (size_t)PQntuples(res);
	r->rows = calloc(r->n ? r->n : 1, sizeof(*r->rows));
	if (!r->rows) {
		rc = err_oom();
		goto cleanup;
	}
	for (size_t i = 0; i < r->n; i++) {
		struct rate_row *w = &r->rows[i];

		snprintf(w->ccy, sizeof(w->ccy), "%s", PQgetvalue(res, (int)i, UR_CURRENCY));
		snprintf(w->month, sizeof(w->month), "%s", PQgetvalue(res, (int)i, UR_MONTH));
		w->rate.mantissa = strtoll(PQgetvalue(res, (int)i, UR_MANTISSA), NULL, 10);
		w->rate.scale = atoi(PQgetvalue(res, (int)i, UR_SCALE));
	}
	*out = r;
	r = NULL;
cleanup:
	PQclear(res);
	fund_rates_free(r);
	return rc;
}

void fund_rates_free(fund_rates *r)
{
	if (!r)
		return;
	free(r->rows);
	free(r->missing);
	free(r);
}

/* Remembers (ccy, month) as missing, once, in order. */
static int remember_missing(fund_rates *r, const char *ccy, const char *month)
{
	size_t lo = 0, hi = r->n_missing;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = row_cmp(ccy, month, &r->missing[mid]);

		if (d == 0)
			return 0;
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (r->n_missing == r->cap_missing) {
		size_t cap = r->cap_missing ? 2 * r->cap_missing : 8;
		struct rate_row *m = realloc(r->missing, cap * sizeof(*m));

		if (!m)
			return err_oom();
		r->missing = m;
		r->cap_missing = cap;
	}
	memmove(&r->missing[lo + 1], &r->missing[lo], (r->n_missing - lo) * sizeof(*r->missing));
	memset(&r->missing[lo], 0, sizeof(*r->missing));
	snprintf(r->missing[lo].ccy, sizeof(r->missing[lo].ccy), "%s", ccy);
	snprintf(r->missing[lo].month, sizeof(r->missing[lo].month), "%s", month);
	r->n_missing++;
	return 0;
}

int fund_rates_get(struct money_rate *out, fund_rates *r, const char *ccy, const char *month)
{
	size_t lo = 0, hi = r->n;
	int rc;

	*out = (struct money_rate){1, 0};
	if (strcmp(ccy, "USD") == 0)
		return 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = row_cmp(ccy, month, &r->rows[mid]);

		if (d == 0) {
			*out = r->rows[mid].rate;
			return 0;
		}
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	rc = remember_missing(r, ccy, month);
	return rc < 0 ? rc : 1;
}

int fund_rates_usd(int64_t *usd_out, fund_rates *r, int64_t minor, const char *ccy,
		   const char *month)
{
	struct money_rate x;
	int rc = fund_rates_get(&x, r, ccy, month);

	*usd_out = 0;
	if (rc != 0)
		return rc;
	if (strcmp(ccy, "USD") == 0) {
		*usd_out = minor;
		return 0;
	}
	rc = money_convert(usd_out, minor, ccy, x, "USD");
	if (rc < 0)
		return err_code_set(ERR_LIMIT, EC_TOO_LARGE,
				    "%s %s at the rate of %s does not fit in USD minor units",
				    ccy, month, ccy);
	return 0;
}

bool fund_rates_any_missing(const fund_rates *r)
{
	return r && r->n_missing > 0;
}

json_t *fund_rates_missing_json(const fund_rates *r)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && r && i < r->n_missing; i++)
		if (json_array_append_new(arr, json_pack("{s:s, s:s}", "currency",
							 r->missing[i].ccy, "month",
							 r->missing[i].month)) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

int fund_rates_missing_error(const fund_rates *r)
{
	char list[1024] = "";
	size_t used = 0, shown = 0;

	if (!fund_rates_any_missing(r))
		return 0;
	for (; shown < r->n_missing; shown++) {
		int k = snprintf(list + used, sizeof(list) - used, "%s%s %s", shown ? ", " : "",
				 r->missing[shown].ccy, r->missing[shown].month);

		if (k < 0 || (size_t)k >= sizeof(list) - used - 32)
			break;
		used += (size_t)k;
	}
	if (shown < r->n_missing)
		snprintf(list + used, sizeof(list) - used, " and %zu more", r->n_missing - shown);
	return err_code_set(ERR_INVALID, EC_MISSING_RATE,
			    "no UN operational rate for %s (tfledger rates import)", list);
}

/* --- months --------------------------------------------------------------------------- */

bool fund_usd_monetary(const char *type)
{
	return strcmp(type, "asset") == 0 || strcmp(type, "liability") == 0;
}

int fund_usd_months(struct fund_usd_month **out, size_t *n_out, PGconn *c,
		    const char *from_month, const char *to_day)
{
	char first[11];
	PGresult *r = NULL;
	struct fund_usd_month *rows = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	*n_out = 0;
	snprintf(first, sizeof(first), "%.7s-01", from_month ? from_month : "");
	if (!from_month || strlen(from_month) != 7 || !date_valid(first))
		return err_code_set(ERR_INVALID, EC_INVALID_FIELD,
				    "from: expected a month YYYY-MM, got '%s'",
				    from_month ? from_month : "");
	if (!to_day || !date_valid(to_day))
		return err_code_set(ERR_INVALID, EC_INVALID_FIELD,
				    "to: expected a date YYYY-MM-DD, got '%s'", to_day ? to_day : "");
	if (strcmp(first, to_day) > 0)
		return err_code_set(ERR_INVALID, EC_INVALID_FIELD,
				    "from: the month %s starts after %s", from_month, to_day);
	rc = db_exec(&r, c, "fund_usd_months", 2, (const char *const[]){first, to_day});
	if (rc < 0)
		return rc;
	n = (size_t)PQntuples(r);
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		rc = err_oom();
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		struct fund_usd_month *m = &rows[i];
		int k = (int)i;

		snprintf(m->account, sizeof(m->account), "%s", PQgetvalue(r, k, UM_ACCOUNT));
		snprintf(m->type, sizeof(m->type), "%s", PQgetvalue(r, k, UM_TYPE));
		snprintf(m->currency, sizeof(m->currency), "%s", PQgetvalue(r, k, UM_CURRENCY));
		snprintf(m->month, sizeof(m->month), "%s", PQgetvalue(r, k, UM_MONTH));
		m->opening_minor = strtoll(PQgetvalue(r, k, UM_OPENING), NULL, 10);
		m->closing_minor = strtoll(PQgetvalue(r, k, UM_CLOSING), NULL, 10);
		m->closing_entries_minor = strtoll(PQgetvalue(r, k, UM_CLOSING_ENTRIES), NULL, 10);
		if (money_sub(&m->movement_minor, m->closing_minor, m->opening_minor) < 0 ||
		    money_sub(&m->movement_minor, m->movement_minor, m->closing_entries_minor) < 0) {
			rc = err_code_set(ERR_LIMIT, EC_TOO_LARGE,
					  "the movement of %s in %s does not fit", m->account,
					  m->month);
			goto cleanup;
		}
	}
	*out = rows;
	*n_out = n;
	rows = NULL;
cleanup:
	PQclear(r);
	free(rows);
	return rc;
}
