/*
 * control.c - the funds control (docs/controls.md, "Sources, allocations
 * and what is available" and "Funds control"): what each source (earmark,
 * currency) has available, allocations, a meeting's allocated budget and
 * the check every travel commitment passes, countersigned overruns, and
 * the bank accounts' overdraft limits.
 *
 * Invariants: a figure is int64 minor units; the share of a target's open
 * allocation that falls to each of its sources is computed exactly (128-bit
 * products) and the shares add up to the source amount; an allocation is
 * checked against its source's available and stored with its memo entry
 * and audit row in one transaction, under one lock for all allocations, so
 * two allocations never spend the same money. Memo entries only: this
 * file moves no real money (the bank floor of migration 0050 stops any
 * payment beyond cash, whatever path it takes).
 */
#include "fund/control.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"
#include "fund/body.h"
#include "fund/fund.h"
#include "fund/usd.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* --- statements ---------------------------------------------------------------- */

/* ctl_cash_pool: per currency, the bank accounts' and the travel pool's
 * balances as of $1 */
enum { C_CP_CURRENCY, C_CP_CASH, C_CP_POOL, C_CP_NCOLS };
static const char *const cash_pool_cols[C_CP_NCOLS] = {
	[C_CP_CURRENCY] = "currency", [C_CP_CASH] = "cash_minor", [C_CP_POOL] = "pool_minor"};

/* ctl_shares: each allocation dated up to $1, with its target's total and
 * what was obliged and spent against the target as of $1 */
enum {
	C_SH_EARMARK, C_SH_SOURCE_CURRENCY, C_SH_SOURCE, C_SH_CURRENCY, C_SH_FIRST, C_SH_TARGET,
	C_SH_OBLIGED, C_SH_SPENT, C_SH_NCOLS
};
static const char *const shares_cols[C_SH_NCOLS] = {
	[C_SH_EARMARK] = "source_earmark", [C_SH_SOURCE_CURRENCY] = "source_currency",
	[C_SH_SOURCE] = "source_minor", [C_SH_CURRENCY] = "currency", [C_SH_FIRST] = "first",
	[C_SH_TARGET] = "target_minor", [C_SH_OBLIGED] = "obliged_minor",
	[C_SH_SPENT] = "spent_minor"};

/* ctl_travel_allocated */
enum { C_ONE, C_ONE_NCOLS };
static const char *const allocated_cols[C_ONE_NCOLS] = {[C_ONE] = "allocated_minor"};

/* ctl_allocation_insert (RETURNING), ctl_allocations_list */
#define ALLOC_COLS                                                                         \
	"id, allocated_on, source_earmark, source_currency, source_minor, line, meeting, year," \
	" currency, amount_minor, usd_mantissa_source, usd_scale_source, usd_mantissa,"        \
	" usd_scale, memo, entry_id, allocated_by"
enum {
	C_AL_ID, C_AL_DATE, C_AL_EARMARK, C_AL_SOURCE_CURRENCY, C_AL_SOURCE, C_AL_LINE,
	C_AL_MEETING, C_AL_YEAR, C_AL_CURRENCY, C_AL_AMOUNT, C_AL_MANTISSA_SOURCE,
	C_AL_SCALE_SOURCE, C_AL_MANTISSA, C_AL_SCALE, C_AL_MEMO, C_AL_ENTRY, C_AL_BY, C_AL_NCOLS
};
static const char *const alloc_cols[C_AL_NCOLS] = {
	[C_AL_ID] = "id", [C_AL_DATE] = "allocated_on", [C_AL_EARMARK] = "source_earmark",
	[C_AL_SOURCE_CURRENCY] = "source_currency", [C_AL_SOURCE] = "source_minor",
	[C_AL_LINE] = "line", [C_AL_MEETING] = "meeting", [C_AL_YEAR] = "year",
	[C_AL_CURRENCY] = "currency", [C_AL_AMOUNT] = "amount_minor",
	[C_AL_MANTISSA_SOURCE] = "usd_mantissa_source", [C_AL_SCALE_SOURCE] = "usd_scale_source",
	[C_AL_MANTISSA] = "usd_mantissa", [C_AL_SCALE] = "usd_scale", [C_AL_MEMO] = "memo",
	[C_AL_ENTRY] = "entry_id", [C_AL_BY] = "allocated_by"};

/* ctl_last_day: the later of $1 and the last day of the running balances */
enum { C_LAST_DAY, C_LAST_NCOLS };
static const char *const last_day_cols[C_LAST_NCOLS] = {[C_LAST_DAY] = "last_day"};

/* ctl_line_get */
enum { C_LINE_ID, C_LINE_NCOLS };
static const char *const line_cols[C_LINE_NCOLS] = {[C_LINE_ID] = "id"};

/* ctl_meeting_budget */
enum {
	C_MB_CURRENCY, C_MB_ALLOCATED, C_MB_SOURCES, C_MB_OBLIGED, C_MB_SPENT, C_MB_OVERRUN,
	C_MB_OVERRUN_ID, C_MB_NCOLS
};
static const char *const meeting_budget_cols[C_MB_NCOLS] = {
	[C_MB_CURRENCY] = "currency", [C_MB_ALLOCATED] = "allocated_minor",
	[C_MB_SOURCES] = "sources", [C_MB_OBLIGED] = "obliged_minor",
	[C_MB_SPENT] = "spent_minor", [C_MB_OVERRUN] = "overrun_minor",
	[C_MB_OVERRUN_ID] = "overrun_id"};

/* ctl_overrun_insert, ctl_overrun_use (RETURNING), ctl_overruns_list */
#define OVERRUN_COLS                                                                      \
	"id, meeting, source, currency, amount_minor, reason, signed_by, signed_role,"     \
	" to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS signed_at," \
	" used_by, to_char(used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS used_at"
enum {
	C_OV_ID, C_OV_MEETING, C_OV_SOURCE, C_OV_CURRENCY, C_OV_AMOUNT, C_OV_REASON, C_OV_BY,
	C_OV_ROLE, C_OV_AT, C_OV_USED_BY, C_OV_USED_AT, C_OV_NCOLS
};
static const char *const overrun_cols[C_OV_NCOLS] = {
	[C_OV_ID] = "id", [C_OV_MEETING] = "meeting", [C_OV_SOURCE] = "source",
	[C_OV_CURRENCY] = "currency", [C_OV_AMOUNT] = "amount_minor", [C_OV_REASON] = "reason",
	[C_OV_BY] = "signed_by", [C_OV_ROLE] = "signed_role", [C_OV_AT] = "signed_at",
	[C_OV_USED_BY] = "used_by", [C_OV_USED_AT] = "used_at"};

/* ctl_overdraft_account, ctl_overdrafts_list */
enum { C_OD_ACCOUNT, C_OD_CURRENCY, C_OD_LIMIT, C_OD_REASON, C_OD_BY, C_OD_AT, C_OD_NCOLS };
static const char *const overdraft_cols[C_OD_NCOLS] = {
	[C_OD_ACCOUNT] = "account", [C_OD_CURRENCY] = "currency", [C_OD_LIMIT] = "limit_minor",
	[C_OD_REASON] = "reason", [C_OD_BY] = "set_by", [C_OD_AT] = "set_at"};

/* ctl_bank_account */
enum { C_BA_CURRENCY, C_BA_NCOLS };
static const char *const bank_account_cols[C_BA_NCOLS] = {[C_BA_CURRENCY] = "currency"};

/* The latest running balance of account code as of $1 (0 if none). */
#define BALANCE_AS_OF(code)                                                          \
	"COALESCE((SELECT b.debit_balance FROM balances b WHERE b.account = " code        \
	" AND b.day <= $1::date ORDER BY b.day DESC LIMIT 1), 0)"

static const struct db_stmt stmts[] = {
	{"ctl_cash_pool",
	 "SELECT a.currency,"
	 " COALESCE(sum(" BALANCE_AS_OF("a.code") ") FILTER (WHERE a.code ~ '^10'), 0)::bigint"
	 " AS cash_minor,"
	 " COALESCE(sum(" BALANCE_AS_OF("a.code") ") FILTER (WHERE a.code ~ '^8200-'), 0)::bigint"
	 " AS pool_minor"
	 " FROM accounts a"
	 " WHERE (a.type = 'asset' AND a.code ~ '^10[0-9][0-9]-[A-Z]{3}$') OR a.code ~ '^8200-'"
	 " GROUP BY a.currency ORDER BY a.currency",
	 1},
	/* A target is a meeting (its trips: open obligations and what settled
	 * trips paid, by the dates of their entries), else a line of a year in
	 * a currency (the movements of the line's expense accounts in that
	 * currency in the year, year-end closing entries left out). */
	{"ctl_shares",
	 "SELECT a.source_earmark, a.source_currency, a.source_minor, a.currency,"
	 " row_number() OVER (PARTITION BY a.line, a.meeting,"
	 "  CASE WHEN a.meeting IS NULL THEN a.year END, a.currency ORDER BY a.id) = 1 AS first,"
	 " sum(a.amount_minor) OVER (PARTITION BY a.line, a.meeting,"
	 "  CASE WHEN a.meeting IS NULL THEN a.year END, a.currency) AS target_minor,"
	 " CASE WHEN a.meeting IS NULL THEN 0 ELSE"
	 "  (SELECT COALESCE(sum(t.granted_minor), 0) FROM travel_trips t"
	 "   JOIN entries o ON o.id = t.obligation_entry"
	 "   LEFT JOIN entries s ON s.id = t.settlement_entry"
	 "   LEFT JOIN entries r ON r.id = t.release_entry"
	 "   WHERE t.meeting = a.meeting AND o.date <= $1::date"
	 "   AND (s.date IS NULL OR s.date > $1::date) AND (r.date IS NULL OR r.date > $1::date))"
	 " END::bigint AS obliged_minor,"
	 " CASE WHEN a.meeting IS NOT NULL THEN"
	 "  (SELECT COALESCE(sum(t.airfare_minor + t.dsa_minor), 0) FROM travel_trips t"
	 "   JOIN entries s ON s.id = t.settlement_entry"
	 "   WHERE t.meeting = a.meeting AND s.date <= $1::date)"
	 " ELSE"
	 "  (SELECT COALESCE(sum(CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END), 0)"
	 "   FROM budget_lines l JOIN postings p"
	 "    ON split_part(p.account, '-', 1) = ANY (l.expense_prefixes) AND p.currency = a.currency"
	 "   JOIN entries e ON e.id = p.entry_id"
	 "   WHERE l.id = a.line AND e.date >= make_date(a.year, 1, 1)"
	 "   AND e.date <= LEAST(make_date(a.year, 12, 31), $1::date)"
	 "   AND NOT EXISTS (SELECT 1 FROM fund_year_closes y WHERE e.id = ANY (y.entry_ids)))"
	 " END::bigint AS spent_minor"
	 " FROM fund_allocations a WHERE a.allocated_on <= $1::date ORDER BY a.id",
	 1},
	{"ctl_travel_allocated",
	 "SELECT COALESCE(sum(amount_minor), 0)::bigint AS allocated_minor FROM fund_allocations"
	 " WHERE line = 'travel' AND currency = $1 AND allocated_on <= $2::date",
	 2},
	{"ctl_lock", "SELECT pg_advisory_xact_lock(hashtextextended('fund_allocations', 0))", 0},
	{"ctl_line_get", "SELECT id FROM budget_lines WHERE id = $1", 1},
	{"ctl_last_day",
	 "SELECT GREATEST($1::date, COALESCE((SELECT max(date) FROM entries), $1::date))::text"
	 " AS last_day",
	 1},
	{"ctl_allocation_insert",
	 "INSERT INTO fund_allocations (allocated_on, source_earmark, source_currency,"
	 " source_minor, line, meeting, year, currency, amount_minor, usd_mantissa_source,"
	 " usd_scale_source, usd_mantissa, usd_scale, memo, entry_id, allocated_by)"
	 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
	 " RETURNING " ALLOC_COLS,
	 16},
	{"ctl_allocations_list",
	 "SELECT " ALLOC_COLS " FROM fund_allocations"
	 " WHERE ($1::text IS NULL OR meeting = $1) AND ($2::text IS NULL OR line = $2)"
	 " AND ($3::integer IS NULL OR year = $3) ORDER BY id",
	 3},
	{"ctl_meeting_budget",
	 "SELECT m.currency,"
	 " (SELECT COALESCE(sum(a.amount_minor), 0) FROM fund_allocations a"
	 "  WHERE a.meeting = m.id AND a.allocated_on <= $2::date)::bigint AS allocated_minor,"
	 " (SELECT COALESCE(string_agg(DISTINCT a.source_earmark || ' ' || a.source_currency, ', '),"
	 "  '') FROM fund_allocations a WHERE a.meeting = m.id AND a.allocated_on <= $2::date)"
	 " AS sources,"
	 " (SELECT COALESCE(sum(t.granted_minor), 0) FROM travel_trips t"
	 "  WHERE t.meeting = m.id AND t.status = 'approved')::bigint AS obliged_minor,"
	 " (SELECT COALESCE(sum(t.airfare_minor + t.dsa_minor), 0) FROM travel_trips t"
	 "  WHERE t.meeting = m.id AND t.status = 'settled')::bigint AS spent_minor,"
	 " COALESCE(o.amount_minor, 0) AS overrun_minor, COALESCE(o.id, 0) AS overrun_id"
	 " FROM travel_meetings m LEFT JOIN LATERAL"
	 " (SELECT id, amount_minor FROM fund_overruns WHERE meeting = m.id AND used_at IS NULL"
	 "  ORDER BY amount_minor DESC, id LIMIT 1) o ON true"
	 " WHERE m.id = $1",
	 2},
	/* The smallest overrun of the meeting not yet used that covers $2. */
	{"ctl_overrun_use",
	 "UPDATE fund_overruns SET used_by = $3, used_at = now()"
	 " WHERE id = (SELECT id FROM fund_overruns WHERE meeting = $1 AND used_at IS NULL"
	 "  AND amount_minor >= $2 ORDER BY amount_minor, id LIMIT 1) AND used_at IS NULL"
	 " RETURNING " OVERRUN_COLS,
	 3},
	{"ctl_overrun_insert",
	 "INSERT INTO fund_overruns (meeting, source, currency, amount_minor, reason, signed_by,"
	 " signed_role) VALUES ($1, 'none', $2, $3, $4, $5, $6) RETURNING " OVERRUN_COLS,
	 6},
	{"ctl_overruns_list", "SELECT " OVERRUN_COLS " FROM fund_overruns ORDER BY id", 0},
	{"ctl_bank_account",
	 "SELECT currency FROM accounts WHERE code = $1 AND type = 'asset'"
	 " AND code ~ '^10[0-9][0-9]-[A-Z]{3}$'",
	 1},
	{"ctl_overdraft_upsert",
	 "INSERT INTO account_overdrafts (account, limit_minor, reason, set_by)"
	 " VALUES ($1, $2, $3, $4) ON CONFLICT (account) DO UPDATE SET"
	 " limit_minor = EXCLUDED.limit_minor, reason = EXCLUDED.reason,"
	 " set_by = EXCLUDED.set_by, set_at = now()",
	 4},
	{"ctl_overdraft_delete", "DELETE FROM account_overdrafts WHERE account = $1", 1},
	{"ctl_overdrafts_list",
	 "SELECT o.account, a.currency, o.limit_minor, o.reason, o.set_by,"
	 " to_char(o.set_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS set_at"
	 " FROM account_overdrafts o JOIN accounts a ON a.code = o.account ORDER BY o.account",
	 0},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("ctl_cash_pool", cash_pool_cols),
	DB_COLUMNS("ctl_shares", shares_cols),
	DB_COLUMNS("ctl_travel_allocated", allocated_cols),
	DB_COLUMNS("ctl_line_get", line_cols),
	DB_COLUMNS("ctl_last_day", last_day_cols),
	DB_COLUMNS("ctl_allocation_insert", alloc_cols),
	DB_COLUMNS("ctl_allocations_list", alloc_cols),
	DB_COLUMNS("ctl_meeting_budget", meeting_budget_cols),
	DB_COLUMNS("ctl_overrun_use", overrun_cols),
	DB_COLUMNS("ctl_overrun_insert", overrun_cols),
	DB_COLUMNS("ctl_overruns_list", overrun_cols),
	DB_COLUMNS("ctl_bank_account", bank_account_cols),
	DB_COLUMNS("ctl_overdrafts_list", overdraft_cols),
};

int fund_control_setup(PGconn *c)
{
	return db_setup(c, stmts, N(stmts), columns, N(columns));
}

/* --- small helpers --------------------------------------------------------------- */

/* amount formatted in ccy, for messages ("1234.50 EUR"). */
static const char *fmt(char out[MONEY_STR_MAX + 8], int64_t minor, const char *ccy)
{
	char s[MONEY_STR_MAX];

	if (money_format(s, minor, ccy) < 0)
		snprintf(s, sizeof(s), "%" PRId64, minor);
	snprintf(out, MONEY_STR_MAX + 8, "%s %s", s, ccy);
	return out;
}

/* part * num / den, rounded toward zero, exactly (0 <= num <= den, den > 0). */
static int64_t share(int64_t part, int64_t num, int64_t den)
{
	return (int64_t)((__int128)part * num / den);
}

/* --- what is available ---------------------------------------------------------------- */

/* The figures of one source. */
struct source {
	char earmark[8];
	char currency[4];
	int64_t cash, pool, allocated, obliged, spent, open, available;
	int64_t overrun; /* none: obligations beyond the allocations of targets in its currency */
};

/* All sources as of a day: travel and none per currency of the chart. */
struct sources {
	struct source *s;
	size_t n;
};

static struct source *source_find(struct sources *all, const char *earmark, const char *ccy)
{
	for (size_t i = 0; i < all->n; i++)
		if (strcmp(all->s[i].earmark, earmark) == 0 && strcmp(all->s[i].currency, ccy) == 0)
			return &all->s[i];
	return NULL;
}

/*
 * Each allocation's source amount split into what was spent, what is
 * obliged and what is still open of its target, in the proportion of its
 * part of the target (spent first, then obliged, each capped at what the
 * target has left; rounding goes to open). What a target obliged beyond
 * its allocations (a countersigned overrun, not yet paid) is none's of the
 * target's currency: the fund's other money pays it.
 */
static int add_shares(struct sources *all, PGconn *c, const char *as_of)
{
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "ctl_shares", 1, (const char *const[]){as_of});

	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		int64_t s = fund_body_int64(r, i, C_SH_SOURCE);
		int64_t target = fund_body_int64(r, i, C_SH_TARGET);
		int64_t obliged = fund_body_int64(r, i, C_SH_OBLIGED);
		int64_t spent = fund_body_int64(r, i, C_SH_SPENT);
		int64_t in_spent, in_obliged, s_spent, s_obliged;
		struct source *src = source_find(all, PQgetvalue(r, i, C_SH_EARMARK),
						 PQgetvalue(r, i, C_SH_SOURCE_CURRENCY));
		struct source *none = source_find(all, "none", PQgetvalue(r, i, C_SH_CURRENCY));

		ASSERT(target > 0);
		if (obliged < 0)
			obliged = 0;
		in_spent = spent < 0 ? 0 : spent > target ? target : spent;
		in_obliged = obliged > target - in_spent ? target - in_spent : obliged;
		if (none && strcmp(PQgetvalue(r, i, C_SH_FIRST), "t") == 0 &&
		    (rc = money_add(&none->overrun, none->overrun, obliged - in_obliged)) < 0)
			break;
		if (!src) /* its currency has no accounts: cannot be (fund_allocation_add) */
			continue;
		s_spent = share(s, in_spent, target);
		s_obliged = share(s, in_obliged, target);
		if ((rc = money_add(&src->allocated, src->allocated, s)) < 0 ||
		    (rc = money_add(&src->spent, src->spent, s_spent)) < 0 ||
		    (rc = money_add(&src->obliged, src->obliged, s_obliged)) < 0 ||
		    (rc = money_add(&src->open, src->open, s - s_spent - s_obliged)) < 0)
			break;
	}
	PQclear(r);
	return rc;
}

/*
 * Reads every source's figures as of as_of into *out (free out->s):
 * available(travel, C) = the travel pool 8200-C; available(none, C) =
 * cash(C) - 8200-C - what the allocations of every source in C still hold
 * (obliged and open: what they spent has left the cash already) - what was
 * obliged beyond the allocations of targets in C. none's row shows the
 * figures of every allocation funded in C.
 */
static int sources_read(struct sources *out, PGconn *c, const char *as_of)
{
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "ctl_cash_pool", 1, (const char *const[]){as_of});
	int n;

	out->s = NULL;
	out->n = 0;
	if (rc < 0)
		return rc;
	n = PQntuples(r);
	out->s = calloc((size_t)n * 2 + 1, sizeof(*out->s));
	if (!out->s) {
		PQclear(r);
		return err_oom();
	}
	for (int i = 0; i < n; i++)
		for (int k = 0; k < 2; k++) {
			struct source *s = &out->s[out->n++];

			snprintf(s->earmark, sizeof(s->earmark), "%s", k == 0 ? "travel" : "none");
			snprintf(s->currency, sizeof(s->currency), "%s",
				 PQgetvalue(r, i, C_CP_CURRENCY));
			s->cash = fund_body_int64(r, i, C_CP_CASH);
			s->pool = fund_body_int64(r, i, C_CP_POOL);
		}
	PQclear(r);
	rc = add_shares(out, c, as_of);
	for (size_t i = 0; rc == 0 && i + 1 < out->n; i += 2) {
		struct source *t = &out->s[i], *u = &out->s[i + 1];

		/* none's row reads every allocation funded in its currency */
		if ((rc = money_add(&u->allocated, u->allocated, t->allocated)) < 0 ||
		    (rc = money_add(&u->obliged, u->obliged, t->obliged)) < 0 ||
		    (rc = money_add(&u->spent, u->spent, t->spent)) < 0 ||
		    (rc = money_add(&u->open, u->open, t->open)) < 0)
			break;
		t->available = t->pool;
		if ((rc = money_sub(&u->available, u->cash, u->pool)) < 0 ||
		    (rc = money_sub(&u->available, u->available, u->obliged)) < 0 ||
		    (rc = money_sub(&u->available, u->available, u->open)) < 0 ||
		    (rc = money_sub(&u->available, u->available, u->overrun)) < 0)
			break;
	}
	if (rc < 0) {
		free(out->s);
		out->s = NULL;
	}
	return rc;
}

/* The figures of s as JSON, without its USD part. */
static json_t *source_json(const struct source *s)
{
	const char *ccy = s->currency;

	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "earmark",
			 s->earmark, "currency", ccy, "cash", fund_body_money(s->cash, ccy),
			 "travel_pool", fund_body_money(s->pool, ccy), "allocated",
			 fund_body_money(s->allocated, ccy), "obliged",
			 fund_body_money(s->obliged, ccy), "spent", fund_body_money(s->spent, ccy),
			 "open_allocations", fund_body_money(s->open, ccy), "overrun_obliged",
			 fund_body_money(s->overrun, ccy), "available",
			 fund_body_money(s->available, ccy), "formula",
			 strcmp(s->earmark, "travel") == 0
				 ? "travel_pool"
				 : "cash - travel_pool - obliged - open_allocations - overrun_obliged");
}

int fund_funds_available(json_t **out, PGconn *c, const char *as_of)
{
	struct sources all = {NULL, 0};
	fund_rates *rates = NULL;
	json_t *arr = NULL;
	int64_t total = 0;
	char month[8];
	int rc;

	*out = NULL;
	if (!as_of || !date_valid(as_of))
		return fund_body_bad("as_of", "expected a date YYYY-MM-DD, got ",
				     as_of ? as_of : "");
	snprintf(month, sizeof(month), "%.7s", as_of);
	if ((rc = sources_read(&all, c, as_of)) < 0 || (rc = fund_rates_load(&rates, c)) < 0)
		goto cleanup;
	arr = json_array();
	if (!arr) {
		rc = err_oom();
		goto cleanup;
	}
	for (size_t i = 0; i < all.n; i++) {
		const struct source *s = &all.s[i];
		struct money_rate x;
		int64_t usd = 0;
		json_t *o;

		if (s->cash == 0 && s->pool == 0 && s->allocated == 0)
			continue;
		rc = fund_rates_usd(&usd, rates, s->available, s->currency, month);
		if (rc < 0)
			goto cleanup;
		fund_rates_get(&x, rates, s->currency, month);
		if ((rc = money_add(&total, total, usd)) < 0)
			goto cleanup;
		o = source_json(s);
		if (!o || json_object_set_new(o, "usd",
					      json_pack("{s:o, s:o}", "amount",
							fund_body_money(usd, "USD"),
							"usd_per_unit", fund_body_rate(x))) < 0 ||
		    json_array_append_new(arr, o) < 0) {
			rc = err_oom();
			goto cleanup;
		}
	}
	if ((rc = fund_rates_missing_error(rates)) < 0)
		goto cleanup;
	*out = json_pack("{s:s, s:s, s:O, s:o}", "as_of", as_of, "month", month, "sources", arr,
			 "available_usd", fund_body_money(total, "USD"));
	rc = *out ? 0 : err_oom();
cleanup:
	json_decref(arr);
	fund_rates_free(rates);
	free(all.s);
	return rc;
}

int fund_travel_allocated(int64_t *out, PGconn *c, const char *ccy, const char *as_of)
{
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "ctl_travel_allocated", 2, (const char *const[]){ccy, as_of});

	*out = rc == 0 ? fund_body_int64(r, 0, C_ONE) : 0;
	PQclear(r);
	return rc;
}

/* --- allocations ------------------------------------------------------------------------ */

struct alloc_tx {
	const char *date, *earmark, *source_ccy, *line, *meeting, *ccy, *memo;
	int year;
	int64_t amount, source_amount;
	bool across;
	struct money_rate rate_source, rate; /* USD per unit, when across */
	char meeting_ccy[4];
	const struct ledger_actor *who;
	json_t *out;
};

static json_t *alloc_json(const PGresult *r, int i)
{
	const char *sccy = PQgetvalue(r, i, C_AL_SOURCE_CURRENCY), *ccy = PQgetvalue(r, i, C_AL_CURRENCY);
	json_t *rates = json_null();

	if (!PQgetisnull(r, i, C_AL_MANTISSA_SOURCE))
		rates = json_pack(
			"{s:o, s:o}", sccy,
			fund_body_rate((struct money_rate){fund_body_int64(r, i, C_AL_MANTISSA_SOURCE),
						      (int)fund_body_int64(r, i, C_AL_SCALE_SOURCE)}),
			ccy,
			fund_body_rate((struct money_rate){fund_body_int64(r, i, C_AL_MANTISSA),
						      (int)fund_body_int64(r, i, C_AL_SCALE)}));
	return json_pack("{s:I, s:s, s:{s:s, s:s, s:o}, s:s, s:o, s:I, s:o, s:s, s:o, s:s, s:s,"
			 " s:s}",
			 "id", (json_int_t)fund_body_int64(r, i, C_AL_ID), "date",
			 PQgetvalue(r, i, C_AL_DATE), "source", "earmark",
			 PQgetvalue(r, i, C_AL_EARMARK), "currency", sccy, "amount",
			 fund_body_money(fund_body_int64(r, i, C_AL_SOURCE), sccy), "line",
			 PQgetvalue(r, i, C_AL_LINE), "meeting",
			 fund_body_str_or_null(r, i, C_AL_MEETING), "year",
			 (json_int_t)fund_body_int64(r, i, C_AL_YEAR), "amount",
			 fund_body_money(fund_body_int64(r, i, C_AL_AMOUNT), ccy), "currency", ccy,
			 "usd_per_unit", rates ? rates : json_null(), "memo",
			 PQgetvalue(r, i, C_AL_MEMO), "entry_id", PQgetvalue(r, i, C_AL_ENTRY),
			 "allocated_by", PQgetvalue(r, i, C_AL_BY));
}

/* Refuses the allocation when its source has less available on day than it takes. */
static int alloc_check_on(PGconn *c, const struct alloc_tx *t, const char *day)
{
	struct sources all = {NULL, 0};
	const struct source *s;
	char a[MONEY_STR_MAX + 8], b[MONEY_STR_MAX + 8], d[MONEY_STR_MAX + 8],
		e[MONEY_STR_MAX + 8], f[MONEY_STR_MAX + 8], g[MONEY_STR_MAX + 8];
	int64_t short_by;
	int rc = sources_read(&all, c, day);

	if (rc < 0)
		return rc;
	s = source_find(&all, t->earmark, t->source_ccy);
	if (!s) {
		rc = err_set(ERR_INVALID, "source.currency: the fund keeps no accounts in %s",
			     t->source_ccy);
	} else if (s->available < t->source_amount) {
		int64_t held = s->cash - s->pool - s->available; /* exact: no overflow, see sources_read */

		short_by = t->source_amount - s->available;
		if (strcmp(s->earmark, "travel") == 0)
			rc = err_code_set(ERR_CONFLICT, EC_INSUFFICIENT_FUNDS,
					  "source travel %s has %s available as of %s (the travel"
					  " pool 8200-%s, earmarked travel money not yet allocated),"
					  " the allocation takes %s: %s short; nothing was stored",
					  s->currency, fmt(a, s->available, s->currency), day,
					  s->currency, fmt(b, t->source_amount, s->currency),
					  fmt(d, short_by, s->currency));
		else
			rc = err_code_set(ERR_CONFLICT, EC_INSUFFICIENT_FUNDS,
					  "source none %s has %s available as of %s (cash %s less"
					  " the travel pool %s less what allocations hold %s), the"
					  " allocation takes %s: %s short; nothing was stored",
					  s->currency, fmt(a, s->available, s->currency), day,
					  fmt(b, s->cash, s->currency), fmt(d, s->pool, s->currency),
					  fmt(e, held, s->currency),
					  fmt(f, t->source_amount, s->currency),
					  fmt(g, short_by, s->currency));
	}
	free(all.s);
	return rc;
}

/*
 * Refuses the allocation when its source has less available than it takes
 * on its date or on the last day the running balances reach, if later (an
 * allocation dated back must not spend what later days spent already).
 */
static int alloc_check(PGconn *c, const struct alloc_tx *t)
{
	PGresult *r = NULL;
	int rc = alloc_check_on(c, t, t->date);

	if (rc == 0)
		rc = db_exec(&r, c, "ctl_last_day", 1, (const char *const[]){t->date});
	if (rc == 0 && strcmp(PQgetvalue(r, 0, C_LAST_DAY), t->date) != 0)
		rc = alloc_check_on(c, t, PQgetvalue(r, 0, C_LAST_DAY));
	PQclear(r);
	return rc;
}

static int alloc_tx_run(PGconn *c, void *ctx)
{
	struct alloc_tx *t = ctx;
	char memo[1024], entry[LEDGER_UUID_BYTES], src[24], amt[24], year[12];
	char ms[24], ss[8], mt[24], st[8];
	const char *contra = strcmp(t->earmark, "travel") == 0 ? "8200" : "8590";
	struct ledger_entry e;
	PGresult *r = NULL;
	int rc;

	json_decref(t->out);
	t->out = NULL;
	if ((rc = db_exec(NULL, c, "ctl_lock", 0, NULL)) < 0 || (rc = alloc_check(c, t)) < 0)
		return rc;
	snprintf(memo, sizeof(memo), "Allocation of %s %s to %s%s%s %d%s%s", t->earmark,
		 t->source_ccy, t->line, t->meeting ? ", meeting " : "", t->meeting ? t->meeting : "",
		 t->year, *t->memo ? ": " : "", t->memo);
	if ((rc = fund_body_entry_begin(&e, t->date, memo, "allocation")) < 0)
		return rc;
	fund_body_entry_add(&e, "8500", t->ccy, true, t->amount);
	if (t->across) {
		fund_body_entry_add(&e, "8900", t->ccy, false, t->amount);
		fund_body_entry_add(&e, "8900", t->source_ccy, true, t->source_amount);
	}
	fund_body_entry_add(&e, contra, t->source_ccy, false, t->source_amount);
	if ((rc = fund_body_entry_done(entry, c, &e, t->who, "entry.post")) < 0)
		return rc;
	snprintf(src, sizeof(src), "%" PRId64, t->source_amount);
	snprintf(amt, sizeof(amt), "%" PRId64, t->amount);
	snprintf(year, sizeof(year), "%d", t->year);
	snprintf(ms, sizeof(ms), "%" PRId64, t->rate_source.mantissa);
	snprintf(ss, sizeof(ss), "%d", t->rate_source.scale);
	snprintf(mt, sizeof(mt), "%" PRId64, t->rate.mantissa);
	snprintf(st, sizeof(st), "%d", t->rate.scale);
	rc = db_exec(&r, c, "ctl_allocation_insert", 16,
		     (const char *const[]){t->date, t->earmark, t->source_ccy, src, t->line,
					   t->meeting, year, t->ccy, amt, t->across ? ms : NULL,
					   t->across ? ss : NULL, t->across ? mt : NULL,
					   t->across ? st : NULL, t->memo, entry,
					   ledger_actor_user(t->who)});
	if (rc == 0)
		rc = ledger_audit(c, t->who, "allocation.add", PQgetvalue(r, 0, C_AL_ID));
	if (rc == 0 && !(t->out = alloc_json(r, 0)))
		rc = err_oom();
	PQclear(r);
	return rc;
}

/*
 * amount of t->ccy in the source currency at the UN rates of the date's
 * month, both stored in t: amount x rate(target) / rate(source), rounded
 * half away from zero, exactly.
 */
static int alloc_convert(struct alloc_tx *t, PGconn *c)
{
	fund_rates *rates = NULL;
	char month[8];
	int ds = money_currency_digits(t->source_ccy), dt = money_currency_digits(t->ccy);
	__int128 num, den, q = 0, rem;
	bool ok = ds >= 0 && dt >= 0;
	int rc;

	snprintf(month, sizeof(month), "%.7s", t->date);
	if ((rc = fund_rates_load(&rates, c)) < 0)
		return rc;
	fund_rates_get(&t->rate_source, rates, t->source_ccy, month);
	fund_rates_get(&t->rate, rates, t->ccy, month);
	rc = fund_rates_missing_error(rates);
	fund_rates_free(rates);
	if (rc < 0)
		return rc;
	/* source = amount / 10^dt * (mt / 10^st) / (ms / 10^ss) * 10^ds */
	num = (__int128)t->amount * t->rate.mantissa; /* < 2^126: both below 2^63 */
	den = (__int128)t->rate_source.mantissa;
	for (int k = 0; ok && k < ds + t->rate_source.scale; k++)
		ok = !__builtin_mul_overflow(num, 10, &num);
	for (int k = 0; ok && k < dt + t->rate.scale; k++)
		ok = !__builtin_mul_overflow(den, 10, &den);
	if (ok) {
		q = num / den;
		rem = num % den;
		if (rem >= den - rem) /* half away from zero: all are positive */
			q++;
	}
	if (ok && q == 0)
		return fund_body_bad("amount", "is less than one minor unit of the source's currency"
					       " at the UN rates of the month", NULL);
	if (!ok || q > INT64_MAX)
		return err_code_set(ERR_INVALID, EC_AMOUNT_OVERFLOW,
				    "amount: %s in %s at the UN rates of the month would be more"
				    " than %" PRId64 " minor units (64 bits)", t->ccy, t->source_ccy,
				    INT64_MAX);
	t->source_amount = (int64_t)q;
	return 0;
}

/*
 * The allocation's target: a meeting (line travel, the meeting's currency)
 * or a line other than travel (ccy_given, else the source's currency).
 */
static int alloc_target(struct alloc_tx *t, PGconn *c, json_t *body, const char *ccy_given)
{
	struct fund_meeting_budget b;
	PGresult *l = NULL;
	int rc;

	if (t->meeting) {
		if (t->line && strcmp(t->line, "travel") != 0)
			return fund_body_bad("line", "a meeting's allocation is to line travel, not ",
					     t->line);
		t->line = "travel";
		if ((rc = fund_meeting_budget(&b, c, t->meeting, t->date)) < 0)
			return rc;
		if (ccy_given && strcmp(ccy_given, b.currency) != 0)
			return err_set(ERR_INVALID, "currency: meeting %s is budgeted in %s, not %s",
				       t->meeting, b.currency, ccy_given);
		snprintf(t->meeting_ccy, sizeof(t->meeting_ccy), "%s", b.currency);
		t->ccy = t->meeting_ccy;
	} else if (!t->line) {
		return fund_body_bad("line", "required (or a meeting, whose line is travel)", NULL);
	} else if (strcmp(t->line, "travel") == 0) {
		return fund_body_bad("meeting", "required for line travel: travel money is"
						" allocated to a meeting", NULL);
	}
	rc = db_exec(&l, c, "ctl_line_get", 1, (const char *const[]){t->line});
	if (rc == 0 && PQntuples(l) == 0)
		rc = fund_body_bad("line", "no budget line ", t->line);
	PQclear(l);
	if (rc < 0 || t->ccy)
		return rc;
	if (ccy_given)
		return fund_body_currency(&t->ccy, c, body, "currency", true, "8500", "accounts");
	t->ccy = t->source_ccy;
	return 0;
}

int fund_allocation_add(json_t **out, PGconn *c, json_t *body,
			const struct ledger_actor *who)
{
	static const char *const allowed[] = {"date", "source", "line", "meeting", "year",
					      "amount", "currency", "memo", NULL};
	static const char *const source_allowed[] = {"earmark", "currency", NULL};
	struct alloc_tx t = {.who = who, .memo = ""};
	json_t *source = json_object_get(body, "source");
	const char *ccy_given = NULL;
	json_int_t year = 0;
	json_t *y;
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_date(&t.date, body, "date", true, NULL)) < 0)
		return rc;
	if (!json_is_object(source))
		return fund_body_bad("source", "expected an object {\"earmark\",\"currency\"}", NULL);
	if ((rc = fund_body_only_fields(source, source_allowed)) < 0 ||
	    (rc = fund_body_str(&t.earmark, source, "earmark", true)) < 0 ||
	    (rc = fund_body_currency(&t.source_ccy, c, source, "currency", true, "8200",
				     "accounts")) < 0)
		return err_wrap(rc, "source");
	if (strcmp(t.earmark, "travel") != 0 && strcmp(t.earmark, "none") != 0)
		return fund_body_bad("source.earmark", "expected travel or none, got ", t.earmark);
	if ((rc = fund_body_str(&t.line, body, "line", false)) < 0 ||
	    (rc = fund_body_str(&t.meeting, body, "meeting", false)) < 0 ||
	    (rc = fund_body_str(&ccy_given, body, "currency", false)) < 0 ||
	    (rc = fund_body_text(&t.memo, body, "memo", false, 1000)) < 0)
		return rc;
	if (!t.memo)
		t.memo = "";
	if ((rc = alloc_target(&t, c, body, ccy_given)) < 0)
		return rc;
	y = json_object_get(body, "year");
	if (json_is_null(y))
		return fund_body_bad("year", "null is not a value here (leave the field out)", NULL);
	if (y) {
		if (!json_is_integer(y) || (year = json_integer_value(y)) < 2000 || year > 2100)
			return fund_body_bad("year", "expected an integer year 2000-2100", NULL);
		t.year = (int)year;
	} else {
		t.year = atoi(t.date);
	}
	if ((rc = fund_body_amount(&t.amount, body, "amount", true, t.ccy, FUND_BODY_POSITIVE)) < 0)
		return rc;
	t.across = strcmp(t.ccy, t.source_ccy) != 0;
	if (t.across) {
		if ((rc = alloc_convert(&t, c)) < 0)
			return rc;
	} else {
		t.source_amount = t.amount;
	}
	rc = db_tx(c, DB_READ_COMMITTED, alloc_tx_run, &t);
	if (rc < 0 && err_code_of(rc) == EC_AMOUNT_OVERFLOW) /* the journal's bound (0067) */
		rc = err_wrap(rc, "amount");
	if (rc == 0)
		*out = t.out;
	else
		json_decref(t.out);
	return rc;
}

int fund_allocations_list(json_t **out, PGconn *c, const char *meeting, const char *line,
			  int year)
{
	char y[12];

	snprintf(y, sizeof(y), "%d", year);
	return db_rows_json(out, c, "ctl_allocations_list", 3,
			    (const char *const[]){meeting, line, year ? y : NULL}, alloc_json);
}

/* --- a meeting's budget --------------------------------------------------------------------- */

int fund_meeting_budget(struct fund_meeting_budget *out, PGconn *c, const char *meeting,
			const char *date)
{
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "ctl_meeting_budget", 2, (const char *const[]){meeting, date});

	memset(out, 0, sizeof(*out));
	if (rc == 0 && PQntuples(r) == 0)
		rc = err_set(ERR_NOTFOUND, "meeting: no meeting %s", meeting);
	if (rc == 0) {
		snprintf(out->currency, sizeof(out->currency), "%s",
			 PQgetvalue(r, 0, C_MB_CURRENCY));
		snprintf(out->sources, sizeof(out->sources), "%s", PQgetvalue(r, 0, C_MB_SOURCES));
		out->allocated_minor = fund_body_int64(r, 0, C_MB_ALLOCATED);
		out->obliged_minor = fund_body_int64(r, 0, C_MB_OBLIGED);
		out->spent_minor = fund_body_int64(r, 0, C_MB_SPENT);
		out->overrun_minor = fund_body_int64(r, 0, C_MB_OVERRUN);
		out->overrun_id = fund_body_int64(r, 0, C_MB_OVERRUN_ID);
	}
	PQclear(r);
	return rc;
}

static json_t *overrun_json(const PGresult *r, int i)
{
	const char *ccy = PQgetvalue(r, i, C_OV_CURRENCY);

	return json_pack("{s:I, s:o, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:o, s:o}", "id",
			 (json_int_t)fund_body_int64(r, i, C_OV_ID), "meeting",
			 fund_body_str_or_null(r, i, C_OV_MEETING), "source",
			 PQgetvalue(r, i, C_OV_SOURCE), "currency", ccy, "amount",
			 fund_body_money(fund_body_int64(r, i, C_OV_AMOUNT), ccy), "reason",
			 PQgetvalue(r, i, C_OV_REASON), "signed_by", PQgetvalue(r, i, C_OV_BY),
			 "signed_role", PQgetvalue(r, i, C_OV_ROLE), "signed_at",
			 PQgetvalue(r, i, C_OV_AT), "used_by",
			 fund_body_str_or_null(r, i, C_OV_USED_BY), "used_at",
			 fund_body_str_or_null(r, i, C_OV_USED_AT));
}

int fund_meeting_commit(json_t **overrun_out, PGconn *c, const char *meeting,
			const struct fund_meeting_budget *b, int64_t asked_minor,
			const char *used_by)
{
	const char *ccy = b->currency;
	char a[MONEY_STR_MAX + 8], o[MONEY_STR_MAX + 8], s[MONEY_STR_MAX + 8],
		k[MONEY_STR_MAX + 8], sh[MONEY_STR_MAX + 8], ov[MONEY_STR_MAX + 96], ex[24];
	PGresult *r = NULL;
	int64_t need, excess;
	int rc;

	*overrun_out = NULL;
	if ((rc = money_add(&need, b->obliged_minor, b->spent_minor)) < 0 ||
	    (rc = money_add(&need, need, asked_minor)) < 0)
		return rc;
	if (need <= b->allocated_minor)
		return 0;
	excess = need - b->allocated_minor;
	snprintf(ex, sizeof(ex), "%" PRId64, excess);
	rc = db_exec(&r, c, "ctl_overrun_use", 3, (const char *const[]){meeting, ex, used_by});
	if (rc == 0 && PQntuples(r) == 1) {
		*overrun_out = overrun_json(r, 0);
		rc = *overrun_out ? 0 : err_oom();
		if (rc == 0) {
			PQclear(r);
			return 0;
		}
	}
	PQclear(r);
	if (rc < 0)
		return rc;
	if (b->overrun_minor > 0)
		snprintf(ov, sizeof(ov), "; the countersigned overrun not yet used, %s, does not cover it",
			 fmt(k, b->overrun_minor, ccy));
	else
		snprintf(ov, sizeof(ov), "; no countersigned overrun");
	return err_code_set(ERR_CONFLICT, EC_INSUFFICIENT_FUNDS,
			    "meeting %s's allocation (%s) is %s: %s obliged and %s spent, %s"
			    " asked: %s short%s; nothing was stored",
			    meeting, *b->sources ? b->sources : "no allocation",
			    fmt(a, b->allocated_minor, ccy), fmt(o, b->obliged_minor, ccy),
			    fmt(s, b->spent_minor, ccy), fmt(k, asked_minor, ccy),
			    fmt(sh, excess, ccy), ov);
}

/* --- overruns ----------------------------------------------------------------------------- */

struct overrun_tx {
	const char *meeting, *ccy, *reason;
	int64_t amount;
	const struct ledger_actor *who;
	json_t *out;
};

static int overrun_tx_run(PGconn *c, void *ctx)
{
	struct overrun_tx *t = ctx;
	char amt[24];
	PGresult *r = NULL;
	int rc;

	json_decref(t->out);
	t->out = NULL;
	snprintf(amt, sizeof(amt), "%" PRId64, t->amount);
	rc = db_exec(&r, c, "ctl_overrun_insert", 6,
		     (const char *const[]){t->meeting, t->ccy, amt, t->reason,
					   ledger_actor_user(t->who),
					   t->who->role ? t->who->role : "finance"});
	if (rc == 0)
		rc = ledger_audit(c, t->who, "overrun.countersign", PQgetvalue(r, 0, C_OV_ID));
	if (rc == 0 && !(t->out = overrun_json(r, 0)))
		rc = err_oom();
	PQclear(r);
	return rc;
}

int fund_overrun_add(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who)
{
	static const char *const allowed[] = {"meeting", "amount", "reason", NULL};
	struct overrun_tx t = {.who = who};
	struct fund_meeting_budget b;
	char today[FUND_BODY_DATE_BYTES];
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_str(&t.meeting, body, "meeting", true)) < 0 ||
	    (rc = fund_body_text(&t.reason, body, "reason", true, 1000)) < 0)
		return rc;
	date_format(today, (int32_t)(time(NULL) / 86400));
	if ((rc = fund_meeting_budget(&b, c, t.meeting, today)) < 0 ||
	    (rc = fund_body_amount(&t.amount, body, "amount", true, b.currency,
				   FUND_BODY_POSITIVE)) < 0)
		return rc;
	t.ccy = b.currency;
	rc = db_tx(c, DB_READ_COMMITTED, overrun_tx_run, &t);
	if (rc == 0)
		*out = t.out;
	else
		json_decref(t.out);
	return rc;
}

static int overruns(json_t **out, PGconn *c, const char *name, int n, const char *const *p)
{
	return db_rows_json(out, c, name, n, p, overrun_json);
}

int fund_overruns_list(json_t **out, PGconn *c)
{
	return overruns(out, c, "ctl_overruns_list", 0, NULL);
}


/* --- overdrafts ----------------------------------------------------------------------------- */

struct overdraft_tx {
	const char *account, *reason;
	char ccy[4];
	int64_t limit;
	const struct ledger_actor *who;
};

static int overdraft_tx_run(PGconn *c, void *ctx)
{
	struct overdraft_tx *t = ctx;
	char lim[24];
	int rc;

	snprintf(lim, sizeof(lim), "%" PRId64, t->limit);
	if (t->limit == 0)
		rc = db_exec(NULL, c, "ctl_overdraft_delete", 1, (const char *const[]){t->account});
	else
		rc = db_exec(NULL, c, "ctl_overdraft_upsert", 4,
			     (const char *const[]){t->account, lim, t->reason,
						   ledger_actor_user(t->who)});
	return rc < 0 ? rc : ledger_audit(c, t->who, "overdraft.set", t->account);
}

int fund_overdraft_set(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who)
{
	static const char *const allowed[] = {"account", "limit", "reason", NULL};
	struct overdraft_tx t = {.who = who};
	PGresult *r = NULL;
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_str(&t.account, body, "account", true)) < 0 ||
	    (rc = fund_body_text(&t.reason, body, "reason", true, 1000)) < 0)
		return rc;
	rc = db_exec(&r, c, "ctl_bank_account", 1, (const char *const[]){t.account});
	if (rc == 0 && PQntuples(r) == 0)
		rc = fund_body_bad("account", "not a bank account (an asset account 10NN-CCY): ",
				   t.account);
	if (rc == 0)
		snprintf(t.ccy, sizeof(t.ccy), "%s", PQgetvalue(r, 0, C_BA_CURRENCY));
	PQclear(r);
	if (rc < 0 || (rc = fund_body_amount(&t.limit, body, "limit", true, t.ccy,
					     FUND_BODY_NON_NEGATIVE)) < 0)
		return rc;
	rc = db_tx(c, DB_READ_COMMITTED, overdraft_tx_run, &t);
	if (rc == 0) {
		*out = json_pack("{s:s, s:s, s:o, s:s, s:b}", "account", t.account, "currency", t.ccy,
				 "limit", fund_body_money(t.limit, t.ccy), "reason", t.reason,
				 "removed", t.limit == 0);
		rc = *out ? 0 : err_oom();
	}
	return rc;
}

int fund_overdrafts_list(json_t **out, PGconn *c)
{
	PGresult *r = NULL;
	json_t *arr;
	int rc = db_exec(&r, c, "ctl_overdrafts_list", 0, NULL);

	*out = NULL;
	if (rc < 0)
		return rc;
	arr = json_array();
	for (int i = 0; arr && i < PQntuples(r); i++) {
		const char *ccy = PQgetvalue(r, i, C_OD_CURRENCY);

		if (json_array_append_new(
			    arr, json_pack("{s:s, s:s, s:o, s:s, s:s, s:s}", "account",
					   PQgetvalue(r, i, C_OD_ACCOUNT), "currency", ccy, "limit",
					   fund_body_money(fund_body_int64(r, i, C_OD_LIMIT), ccy),
					   "reason", PQgetvalue(r, i, C_OD_REASON), "set_by",
					   PQgetvalue(r, i, C_OD_BY), "set_at",
					   PQgetvalue(r, i, C_OD_AT))) < 0) {
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
