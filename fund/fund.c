/*
 * fund.c - the fund's books: the chart of accounts (a table), donors,
 * pledges, receipts, gifts in kind, the UN operational rates and the money
 * available for travel (docs/fund.md).
 *
 * Invariants: every write is one transaction holding its row, its entries
 * and its audit row; an entry is built balanced per currency here (amounts
 * in int64 minor units, no floats), then checked again by the ledger core
 * (ledger_entries_check) and by the database's deferred trigger. Entries
 * are appended with the journal's own path, ledger_append_in_tx (append.c),
 * in the caller's transaction (ERR_RETRY, and db_tx runs it again, if the
 * daemon appended meanwhile).
 * A cross-currency operation balances each currency through the currency-
 * trading accounts (3900-CCY). USD figures are converted per item at the
 * rate of its month with money_convert and carry that rate.
 *
 * This file must not change or delete journal rows: corrections are
 * reversals (POST /v1/entries/{id}/reverse).
 */
#include "fund/fund.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/csv.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "fund/body.h"
#include "fund/control.h"
#include "fund/reval.h"
#include "fund/budget.h"
#include "fund/close.h"
#include "fund/usd.h"
#include "rules/rules.h"

/* --- the chart of accounts ------------------------------------------------------ */

/* Accounts kept in each currency of the fund: code = PREFIX-CCY. */
static const struct chart_row {
	const char *prefix, *name, *type;
} chart[] = {
	{"1010", "Bank account", "asset"},
	{"1200", "Contributions receivable", "asset"},
	{"1210", "Contributions receivable, earmarked travel", "asset"},
	{"2100", "Advance receipts (received before an agreement or above it)", "liability"},
	{"3100", "Accumulated surplus (deficit)", "net_assets"},
	{"3900", "Currency trading", "net_assets"},
	{"4100", "Contribution revenue", "revenue"},
	{"4110", "Contribution revenue, earmarked travel", "revenue"},
	{"4200", "Contributions in kind, goods (revenue)", "revenue"},
	{"4300", "Interest income", "revenue"},
	{"5100", "Bank charges", "expense"},
	{"5200", "Travel expenses", "expense"},
	{"5300", "Goods received in kind (expense)", "expense"},
	{"5400", "Staff and other personnel costs", "expense"},
	{"5500", "Meetings and conferences", "expense"},
	{"5600", "Contractual services", "expense"},
	{"8100", "Travel obligations (memo)", "memo"},
	{"8190", "Travel obligations, contra (memo)", "memo"},
	{"8200", "Travel funds, earmarked receipts and allocations (memo)", "memo"},
	{"8290", "Travel funds, contra (memo)", "memo"},
	{"8300", "Services in kind at fair value (memo, disclosed, not revenue)", "memo"},
	{"8390", "Services in kind, contra (memo)", "memo"},
	{"8500", "Allocated budgets (memo)", "memo"},
	{"8590", "Allocated budgets, contra: unearmarked funds allocated (memo)", "memo"},
	{"8900", "Currency trading of allocations across currencies (memo)", "memo"},
};

/* The currencies `tfledger fund init` makes books in; any other ISO 4217
 * currency gets its accounts with its first pledge (fund_currency_ensure).
 * Everything else iterates the currencies the chart holds (fund_currencies). */
static const char *const init_currencies[] = {"USD", "EUR", "CHF"};

/* Accounts kept in the base currency only. */
static const struct chart_row base_chart[] = {
	{"2300", "Programme support costs payable", "liability"},
	{"3200", "Operating cash reserve (restricted net assets)", "net_assets"},
	{"4900", "Exchange gains", "revenue"},
	{"4910", "Realised exchange gains", "revenue"},
	{"5800", "Programme support costs", "expense"},
	{"5900", "Exchange losses", "expense"},
	{"5910", "Realised exchange losses", "expense"},
};
#define BASE_CCY "USD"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void code_of(char out[LEDGER_CODE_BYTES], const char *prefix, const char *ccy)
{
	snprintf(out, LEDGER_CODE_BYTES, "%s-%s", prefix, ccy);
}

json_t *fund_chart_json(void)
{
	json_t *arr = json_array();
	char code[LEDGER_CODE_BYTES], name[256];

	for (size_t k = 0; arr && k < N(init_currencies); k++)
		for (size_t i = 0; i < N(chart); i++) {
			code_of(code, chart[i].prefix, init_currencies[k]);
			snprintf(name, sizeof(name), "%s (%s)", chart[i].name, init_currencies[k]);
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "code", code,
							     "name", name, "type", chart[i].type,
							     "currency", init_currencies[k]));
		}
	for (size_t i = 0; arr && i < N(base_chart); i++) {
		code_of(code, base_chart[i].prefix, BASE_CCY);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "code", code, "name",
						     base_chart[i].name, "type", base_chart[i].type,
						     "currency", BASE_CCY));
	}
	return arr;
}

/* --- statements ------------------------------------------------------------------- */

/*
 * The columns of each statement whose rows are read, in the order of its
 * SELECT list, and the names the server gives them (common/db.h): the code
 * reads the enum, fund_setup checks the names once per connection.
 */

/* fund_pledge_insert, fund_receipt_insert, fund_inkind_insert: the new row's
 * id (RETURNING id; the other inserts' rows are not read, only counted) */
enum { C_NEW_ID, C_NEW_NCOLS };
static const char *const new_cols[C_NEW_NCOLS] = {[C_NEW_ID] = "id"};

/* fund_acct_same: whether the stored account is the chart's */
enum { C_SAME, C_SAME_NCOLS };
static const char *const same_cols[C_SAME_NCOLS] = {[C_SAME] = "same"};

/* fund_donor_get */
enum { C_DONOR_NAME, C_DONOR_NCOLS };
static const char *const donor_cols[C_DONOR_NCOLS] = {[C_DONOR_NAME] = "name"};

/* fund_donor_gifts: a donor, then one receipt of theirs (NULL if none) and
 * its month (the rates come from fund_rates, fund/usd.h) */
enum {
	C_GIFT_DONOR, C_GIFT_NAME, C_GIFT_ORG_TYPE, C_GIFT_COUNTRY, C_GIFT_INSTRUCTED,
	C_GIFT_INSTRUCTED_CURRENCY, C_GIFT_MONTH, C_GIFT_NCOLS
};
static const char *const gift_cols[C_GIFT_NCOLS] = {
	[C_GIFT_DONOR] = "id", [C_GIFT_NAME] = "name", [C_GIFT_ORG_TYPE] = "org_type",
	[C_GIFT_COUNTRY] = "country", [C_GIFT_INSTRUCTED] = "instructed_minor",
	[C_GIFT_INSTRUCTED_CURRENCY] = "instructed_currency", [C_GIFT_MONTH] = "month"};

/* A pledge row: fund_pledge_lock's columns, and fund_pledges_list's before
 * C_PLEDGE_SETTLED. */
#define PLEDGE_COLS                                                                    \
	"p.id, p.donor, p.status, p.pledged_on, p.amount_minor, p.currency, p.earmark," \
	" p.agreement_no, p.signed_on, p.entry_id, d.name"
enum {
	C_PLEDGE_ID, C_PLEDGE_DONOR, C_PLEDGE_STATUS, C_PLEDGE_DATE, C_PLEDGE_AMOUNT,
	C_PLEDGE_CURRENCY, C_PLEDGE_EARMARK, C_PLEDGE_AGREEMENT, C_PLEDGE_SIGNED_ON,
	C_PLEDGE_ENTRY, C_PLEDGE_DONOR_NAME, C_PLEDGE_NCOLS
};
#define PLEDGE_NAMES                                                                   \
	[C_PLEDGE_ID] = "id", [C_PLEDGE_DONOR] = "donor", [C_PLEDGE_STATUS] = "status",     \
	[C_PLEDGE_DATE] = "pledged_on", [C_PLEDGE_AMOUNT] = "amount_minor",                  \
	[C_PLEDGE_CURRENCY] = "currency", [C_PLEDGE_EARMARK] = "earmark",                   \
	[C_PLEDGE_AGREEMENT] = "agreement_no", [C_PLEDGE_SIGNED_ON] = "signed_on",          \
	[C_PLEDGE_ENTRY] = "entry_id", [C_PLEDGE_DONOR_NAME] = "name"
static const char *const pledge_cols[C_PLEDGE_NCOLS] = {PLEDGE_NAMES};

/* fund_pledges_list: a pledge, then what receipts settled of it */
enum { C_PLEDGE_SETTLED = C_PLEDGE_NCOLS, C_PLEDGES_NCOLS };
static const char *const pledges_cols[C_PLEDGES_NCOLS] = {
	PLEDGE_NAMES, [C_PLEDGE_SETTLED] = "settled_minor"};

/* fund_pledge_settled: what receipts settled of one pledge */
enum { C_SETTLED, C_SETTLED_NCOLS };
static const char *const settled_cols[C_SETTLED_NCOLS] = {[C_SETTLED] = "settled_minor"};

/* fund_receipts_list: a receipt, its pledge's donor, and the rate of its
 * month in the pledge's currency (NULL if none) */
enum {
	C_RECEIPT_ID, C_RECEIPT_PLEDGE, C_RECEIPT_DONOR, C_RECEIPT_DATE, C_RECEIPT_BANK,
	C_RECEIPT_AMOUNT, C_RECEIPT_CURRENCY, C_RECEIPT_CHARGES, C_RECEIPT_INSTRUCTED,
	C_RECEIPT_INSTRUCTED_CURRENCY, C_RECEIPT_SETTLED, C_RECEIPT_ADVANCE, C_RECEIPT_ENTRY,
	C_RECEIPT_BANK_LINE, C_RECEIPT_MONTH, C_RECEIPT_USD_MANTISSA, C_RECEIPT_USD_SCALE,
	C_RECEIPT_NCOLS
};
static const char *const receipt_cols[C_RECEIPT_NCOLS] = {
	[C_RECEIPT_ID] = "id", [C_RECEIPT_PLEDGE] = "pledge", [C_RECEIPT_DONOR] = "donor",
	[C_RECEIPT_DATE] = "received_on", [C_RECEIPT_BANK] = "bank_account",
	[C_RECEIPT_AMOUNT] = "amount_minor", [C_RECEIPT_CURRENCY] = "currency",
	[C_RECEIPT_CHARGES] = "charges_minor", [C_RECEIPT_INSTRUCTED] = "instructed_minor",
	[C_RECEIPT_INSTRUCTED_CURRENCY] = "instructed_currency",
	[C_RECEIPT_SETTLED] = "settled_minor", [C_RECEIPT_ADVANCE] = "advance_minor",
	[C_RECEIPT_ENTRY] = "entry_id", [C_RECEIPT_BANK_LINE] = "bank_line",
	[C_RECEIPT_MONTH] = "month", [C_RECEIPT_USD_MANTISSA] = "usd_mantissa",
	[C_RECEIPT_USD_SCALE] = "usd_scale"};

/* fund_inkind_list */
enum {
	C_INKIND_ID, C_INKIND_DONOR, C_INKIND_KIND, C_INKIND_DESCRIPTION, C_INKIND_AMOUNT,
	C_INKIND_CURRENCY, C_INKIND_START, C_INKIND_END, C_INKIND_ENTRY, C_INKIND_NCOLS
};
static const char *const inkind_cols[C_INKIND_NCOLS] = {
	[C_INKIND_ID] = "id", [C_INKIND_DONOR] = "donor", [C_INKIND_KIND] = "kind",
	[C_INKIND_DESCRIPTION] = "description", [C_INKIND_AMOUNT] = "amount_minor",
	[C_INKIND_CURRENCY] = "currency", [C_INKIND_START] = "period_start",
	[C_INKIND_END] = "period_end", [C_INKIND_ENTRY] = "entry_id"};

/* fund_currencies: the currencies the chart holds (each has its 8200) */
enum { C_CCY, C_CCY_NCOLS };
static const char *const ccy_cols[C_CCY_NCOLS] = {[C_CCY] = "currency"};

/* fund_rate_get */
enum { C_RATE_MANTISSA, C_RATE_SCALE, C_RATE_NCOLS };
static const char *const rate_cols[C_RATE_NCOLS] = {[C_RATE_MANTISSA] = "usd_mantissa",
						     [C_RATE_SCALE] = "usd_scale"};

/* fund_rates_list */
enum { C_RATES_CURRENCY, C_RATES_MONTH, C_RATES_MANTISSA, C_RATES_SCALE, C_RATES_NCOLS };
static const char *const rates_cols[C_RATES_NCOLS] = {
	[C_RATES_CURRENCY] = "currency", [C_RATES_MONTH] = "month",
	[C_RATES_MANTISSA] = "usd_mantissa", [C_RATES_SCALE] = "usd_scale"};

static const struct db_stmt stmts[] = {
	{"fund_acct_insert",
	 "INSERT INTO accounts (code, name, type, currency) VALUES ($1, $2, $3, $4)"
	 " ON CONFLICT DO NOTHING RETURNING code",
	 4},
	{"fund_acct_same",
	 "SELECT name = $2 AND type = $3 AND currency = $4 AS same FROM accounts WHERE code = $1",
	 4},
	{"fund_donor_insert",
	 "INSERT INTO donors (id, name, org_type, country) VALUES ($1, $2, $3, $4)"
	 " ON CONFLICT DO NOTHING RETURNING id",
	 4},
	{"fund_donor_get", "SELECT name FROM donors WHERE id = $1", 1},
	{"fund_donor_gifts",
	 "SELECT d.id, d.name, d.org_type, d.country, r.instructed_minor,"
	 " r.instructed_currency, to_char(r.received_on, 'YYYY-MM') AS month"
	 " FROM donors d LEFT JOIN pledges p ON p.donor = d.id"
	 " LEFT JOIN receipts r ON r.pledge = p.id"
	 " ORDER BY d.id, r.id",
	 0},
	{"fund_pledge_insert",
	 "INSERT INTO pledges (donor, status, pledged_on, amount_minor, currency, earmark)"
	 " VALUES ($1, 'indicative', $2, $3, $4, $5) RETURNING id",
	 5},
	{"fund_pledge_lock",
	 "SELECT " PLEDGE_COLS
	 " FROM pledges p JOIN donors d ON d.id = p.donor WHERE p.id = $1 FOR UPDATE OF p",
	 1},
	{"fund_pledge_settled",
	 "SELECT COALESCE(sum(settled_minor), 0) AS settled_minor FROM receipts WHERE pledge = $1",
	 1},
	{"fund_pledge_sign",
	 "UPDATE pledges SET status = 'signed', agreement_no = $2, signed_on = $3,"
	 " amount_minor = $4, entry_id = $5 WHERE id = $1 AND status = 'indicative'",
	 5},
	{"fund_pledge_paid", "UPDATE pledges SET status = 'paid' WHERE id = $1", 1},
	{"fund_line_matched",
	 "UPDATE bank_lines SET match_status = 'matched' WHERE id = $1"
	 " AND match_status <> 'matched' RETURNING id",
	 1},
	/* the receipt's debit of the bank account is what the bank line is */
	{"fund_line_match",
	 "INSERT INTO bank_line_matches (bank_line, entry_id, line, kind, how, matched_by)"
	 " SELECT $1, entry_id, line, 'receipt', $3, $4 FROM postings"
	 " WHERE entry_id = $2 AND account = $5 AND side = 'debit' RETURNING bank_line",
	 5},
	{"fund_pledges_list",
	 "SELECT " PLEDGE_COLS ","
	 " (SELECT COALESCE(sum(r.settled_minor), 0) FROM receipts r WHERE r.pledge = p.id)"
	 " AS settled_minor"
	 " FROM pledges p JOIN donors d ON d.id = p.donor"
	 " WHERE p.id > $1 ORDER BY p.id LIMIT $2",
	 2},
	{"fund_receipt_insert",
	 "INSERT INTO receipts (pledge, received_on, bank_account, amount_minor, currency,"
	 " charges_minor, instructed_minor, instructed_currency, settled_minor, advance_minor,"
	 " entry_id, bank_line)"
	 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
	 12},
	{"fund_receipts_list",
	 "SELECT r.id, r.pledge, p.donor, r.received_on, r.bank_account, r.amount_minor,"
	 " r.currency, r.charges_minor, r.instructed_minor, r.instructed_currency,"
	 " r.settled_minor, r.advance_minor, r.entry_id, r.bank_line,"
	 " to_char(r.received_on, 'YYYY-MM') AS month, x.usd_mantissa, x.usd_scale"
	 " FROM receipts r JOIN pledges p ON p.id = r.pledge"
	 " LEFT JOIN exchange_rates x ON x.currency = r.instructed_currency"
	 "  AND x.month = to_char(r.received_on, 'YYYY-MM')"
	 " WHERE r.id > $1 ORDER BY r.id LIMIT $2",
	 2},
	{"fund_inkind_insert",
	 "INSERT INTO inkind_gifts (donor, kind, description, amount_minor, currency,"
	 " period_start, period_end, entry_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	 " RETURNING id",
	 8},
	{"fund_inkind_list",
	 "SELECT id, donor, kind, description, amount_minor, currency, period_start,"
	 " period_end, entry_id FROM inkind_gifts WHERE id > $1 ORDER BY id LIMIT $2",
	 2},
	{"fund_currencies",
	 "SELECT currency FROM accounts WHERE code = '8200-' || currency AND type = 'memo'"
	 " ORDER BY currency",
	 0},
	{"fund_rate_get",
	 "SELECT usd_mantissa, usd_scale FROM exchange_rates WHERE currency = $1 AND month = $2",
	 2},
	{"fund_rate_insert",
	 "INSERT INTO exchange_rates (currency, month, usd_mantissa, usd_scale)"
	 " VALUES ($1, $2, $3, $4)",
	 4},
	{"fund_rates_list",
	 "SELECT currency, month, usd_mantissa, usd_scale FROM exchange_rates"
	 " ORDER BY month, currency",
	 0},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("fund_acct_same", same_cols),
	DB_COLUMNS("fund_donor_get", donor_cols),
	DB_COLUMNS("fund_donor_gifts", gift_cols),
	DB_COLUMNS("fund_pledge_insert", new_cols),
	DB_COLUMNS("fund_pledge_lock", pledge_cols),
	DB_COLUMNS("fund_pledge_settled", settled_cols),
	DB_COLUMNS("fund_pledges_list", pledges_cols),
	DB_COLUMNS("fund_receipt_insert", new_cols),
	DB_COLUMNS("fund_receipts_list", receipt_cols),
	DB_COLUMNS("fund_inkind_insert", new_cols),
	DB_COLUMNS("fund_inkind_list", inkind_cols),
	DB_COLUMNS("fund_currencies", ccy_cols),
	DB_COLUMNS("fund_rate_get", rate_cols),
	DB_COLUMNS("fund_rates_list", rates_cols),
};

int fund_setup(PGconn *c)
{
	int rc = db_setup(c, stmts, N(stmts), columns, N(columns));

	if (rc == 0)
		rc = fund_usd_setup(c);
	if (rc == 0)
		rc = fund_control_setup(c);
	if (rc == 0)
		rc = fund_reval_setup(c);
	if (rc == 0)
		rc = fund_budget_setup(c);
	return rc < 0 ? rc : fund_close_setup(c);
}

/* --- small helpers --------------------------------------------------------------- */

static bool month_valid(const char *s)
{
	return strlen(s) == 7 && s[0] >= '1' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
	       s[2] >= '0' && s[2] <= '9' && s[3] >= '0' && s[3] <= '9' && s[4] == '-' &&
	       ((s[5] == '0' && s[6] >= '1' && s[6] <= '9') ||
		(s[5] == '1' && s[6] >= '0' && s[6] <= '2'));
}

static int list_result(json_t **out, PGresult **r, PGconn *c, const char *name)
{
	*out = NULL;
	return db_exec(r, c, name, 0, NULL);
}

/* One row of a list query as JSON; NULL (out of memory) leaves the row out. */
typedef json_t *row_json_fn(PGresult *r, int row);

/*
 * Runs the parameterless prepared query name and answers (into *out, the
 * caller's) a JSON array with row(r, i) for each of its rows.
 */
static int list(json_t **out, PGconn *c, const char *name, row_json_fn *row)
{
	PGresult *r = NULL;
	json_t *arr;
	int rc = list_result(out, &r, c, name);

	if (rc < 0)
		return rc;
	arr = json_array();
	for (int i = 0; arr && i < PQntuples(r); i++)
		json_array_append_new(arr, row(r, i));
	PQclear(r);
	if (!arr)
		return err_oom();
	*out = arr;
	return 0;
}

/*
 * One page of a list in id order (keyset, never OFFSET): runs the prepared
 * query name, whose $1 is the cursor (rows with an id above it) and $2 how
 * many rows (limit + 1: the one beyond says a next page exists), and
 * whose first column is the row's integer id. *out (the caller's):
 * {key: [row(r, i)...], "next": the last row's id, or null on the last
 * page}. A row stored between two pages has a higher id than any before
 * it, so it is neither repeated nor skipped.
 */
static int page(json_t **out, PGconn *c, const char *name, const char *key,
		row_json_fn *row, int64_t after, int limit)
{
	char after_s[24], limit_s[16];
	PGresult *r = NULL;
	json_t *arr = NULL;
	int rc, n;

	ASSERT(after >= 0 && limit >= 1 && limit <= LIMIT_LIST_ROWS);
	*out = NULL;
	snprintf(after_s, sizeof(after_s), "%" PRId64, after);
	snprintf(limit_s, sizeof(limit_s), "%d", limit + 1);
	rc = db_exec(&r, c, name, 2, (const char *const[]){after_s, limit_s});
	if (rc < 0)
		return rc;
	n = PQntuples(r);
	arr = json_array();
	for (int i = 0; arr && i < n && i < limit; i++)
		json_array_append_new(arr, row(r, i));
	if (arr)
		*out = json_pack("{s:o, s:o}", key, arr, "next",
				 n > limit ? json_integer(strtoll(PQgetvalue(r, limit - 1, 0),
								  NULL, 10))
					   : json_null());
	PQclear(r);
	return *out ? 0 : err_oom();
}

/* --- entries ---------------------------------------------------------------------- */

int fund_append(PGconn *c, struct ledger_entry *e, const struct ledger_actor *who,
		const char *action)
{
	struct ledger_submit s = {.entries = e, .n = 1, .action = action, .who = *who};
	int rc;

	snprintf(e->token_id, sizeof(e->token_id), "%s", who->token_id);
	rc = ledger_entry_stamp(e);
	if (rc < 0) {
		return rc;
	}
	rc = ledger_entries_check(c, e, 1, false);
	if (rc == 0)
		rc = ledger_append_in_tx(c, &s);
	free(s.response);
	return rc;
}

/* --- fund init --------------------------------------------------------------------- */

struct init_tx {
	const struct ledger_actor *who;
	int created;
};

static int init_one(PGconn *c, struct init_tx *t, const char *code, const char *name,
		    const char *type, const char *ccy)
{
	const char *p[] = {code, name, type, ccy};
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "fund_acct_insert", 4, p);

	if (rc < 0)
		return rc;
	if (PQntuples(r) == 1) {
		t->created++;
		PQclear(r);
		return ledger_audit(c, t->who, "account.create", code);
	}
	PQclear(r);
	rc = db_exec(&r, c, "fund_acct_same", 4, p);
	if (rc == 0 && strcmp(PQgetvalue(r, 0, C_SAME), "t") != 0)
		rc = err_set(ERR_CONFLICT,
			     "account %s exists with another name, type or currency than the"
			     " fund's chart (%s, %s, %s)", code, name, type, ccy);
	PQclear(r);
	return rc;
}

static int init_tx_run(PGconn *c, void *ctx)
{
	struct init_tx *t = ctx;
	json_t *arr = fund_chart_json();
	json_t *a;
	size_t i;
	int rc = arr ? 0 : err_oom();

	t->created = 0;
	json_array_foreach(arr, i, a) {
		rc = init_one(c, t, json_string_value(json_object_get(a, "code")),
			      json_string_value(json_object_get(a, "name")),
			      json_string_value(json_object_get(a, "type")),
			      json_string_value(json_object_get(a, "currency")));
		if (rc < 0)
			break;
	}
	if (rc == 0 && t->created > 0)
		rc = ledger_audit(c, t->who, "fund.init", "");
	json_decref(arr);
	return rc;
}

struct currency_tx {
	const char *ccy;
	const struct ledger_actor *who;
	int created;
};

static int currency_tx_run(PGconn *c, void *ctx)
{
	struct currency_tx *t = ctx;
	struct init_tx it = {t->who, 0};
	char code[LEDGER_CODE_BYTES], name[256];
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < N(chart); i++) {
		code_of(code, chart[i].prefix, t->ccy);
		snprintf(name, sizeof(name), "%s (%s)", chart[i].name, t->ccy);
		rc = init_one(c, &it, code, name, chart[i].type, t->ccy);
	}
	if (rc == 0 && it.created > 0)
		rc = ledger_audit(c, t->who, "fund.currency", t->ccy);
	t->created = it.created;
	return rc;
}

int fund_currency_ensure(int *created_out, PGconn *c, const char *ccy,
			 const struct ledger_actor *who)
{
	struct currency_tx t = {ccy, who, 0};
	int rc;

	*created_out = 0;
	if (!ccy || !money_currency_valid(ccy))
		return fund_body_bad("currency", "not an ISO 4217 currency code: ",
				     ccy ? ccy : "");
	rc = db_tx(c, DB_READ_COMMITTED, currency_tx_run, &t);
	if (rc == 0)
		*created_out = t.created;
	return rc;
}

int fund_init(int *created_out, PGconn *c, const struct ledger_actor *who)
{
	struct init_tx t = {who, 0};
	int rc = db_tx(c, DB_READ_COMMITTED, init_tx_run, &t);

	*created_out = rc == 0 ? t.created : 0;
	return rc;
}

/* --- donors -------------------------------------------------------------------------- */

/* IATI OrganisationType (shared/reference/iati/codelists/OrganisationType.xml). */
static const char *const org_types[] = {"10", "11", "15", "21", "22", "23", "24", "30",
					"40", "60", "70", "71", "72", "73", "80", "90"};

struct donor_tx {
	const char *id, *name, *org_type, *country;
	const struct ledger_actor *who;
};

static int donor_tx_run(PGconn *c, void *ctx)
{
	struct donor_tx *t = ctx;
	const char *p[] = {t->id, t->name, t->org_type, t->country};
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "fund_donor_insert", 4, p);

	if (rc < 0)
		return rc;
	if (PQntuples(r) == 0)
		rc = err_set(ERR_CONFLICT, "id: a donor '%s' exists", t->id);
	PQclear(r);
	return rc < 0 ? rc : ledger_audit(c, t->who, "donor.add", t->id);
}

int fund_donor_add(json_t **out, PGconn *c, json_t *body,
		   const struct ledger_actor *who)
{
	static const char *const allowed[] = {"id", "name", "org_type", "country", NULL};
	struct donor_tx t = {.who = who};
	rules_countries *countries = NULL;
	size_t i = 0;
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_slug(&t.id, body, "id")) < 0 ||
	    (rc = fund_body_text(&t.name, body, "name", true, 200)) < 0 ||
	    (rc = fund_body_str(&t.org_type, body, "org_type", true)) < 0 ||
	    (rc = fund_body_str(&t.country, body, "country", false)) < 0)
		goto cleanup;
	while (i < N(org_types) && strcmp(org_types[i], t.org_type) != 0)
		i++;
	if (i == N(org_types)) {
		rc = fund_body_bad("org_type",
			 "not an IATI OrganisationType code (10, 11, 15, 21-24, 30, 40, 60,"
			 " 70-73, 80, 90): ", t.org_type);
		goto cleanup;
	}
	if (t.country) {
		rc = rules_countries_load_default(&countries);
		if (rc < 0)
			goto cleanup;
		if (!rules_country_known(countries, t.country)) {
			rc = fund_body_bad("country",
					   "not an ISO 3166-1 alpha-3 code: ", t.country);
			goto cleanup;
		}
	}
	rc = db_tx(c, DB_READ_COMMITTED, donor_tx_run, &t);
	if (rc < 0)
		goto cleanup;
	*out = json_pack("{s:s, s:s, s:s, s:s*}", "id", t.id, "name", t.name, "org_type",
			 t.org_type, "country", t.country);
	rc = *out ? 0 : err_oom();
cleanup:
	rules_countries_free(countries);
	return rc;
}

/* One donor of the list, with its running USD total. */
struct giver {
	json_t *obj, *rates;
	int64_t usd;
};

static int giver_cmp(const void *a, const void *b)
{
	const struct giver *x = a, *y = b;

	if (x->usd != y->usd)
		return x->usd > y->usd ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x->obj, "id")),
		      json_string_value(json_object_get(y->obj, "id")));
}

/* Adds rate (ccy, month) to the donor's list of rates used, once. */
static void rate_used(json_t *rates, const char *ccy, const char *month, struct money_rate x)
{
	size_t i;
	json_t *o;

	json_array_foreach(rates, i, o)
		if (strcmp(json_string_value(json_object_get(o, "currency")), ccy) == 0 &&
		    strcmp(json_string_value(json_object_get(o, "month")), month) == 0)
			return;
	json_array_append_new(rates, json_pack("{s:s, s:s, s:o}", "currency", ccy, "month",
					       month, "usd_per_unit", fund_body_rate(x)));
}

/* The rate of row's columns col_mantissa and col_scale for ccy: USD is 1. */
static int row_rate(struct money_rate *out, const PGresult *r, int row, int col_mantissa,
		    int col_scale, const char *ccy, const char *month)
{
	if (strcmp(ccy, "USD") == 0) {
		*out = (struct money_rate){1, 0};
		return 0;
	}
	if (PQgetisnull(r, row, col_mantissa)) {
		return err_code_set(ERR_INVALID, EC_MISSING_RATE,
			       "no UN operational rate for %s in %s (tfledger rates import)", ccy,
			       month);
	}
	*out = (struct money_rate){fund_body_int64(r, row, col_mantissa),
				   (int)fund_body_int64(r, row, col_scale)};
	return 0;
}

int fund_donors_list(json_t **out, PGconn *c)
{
	struct giver *g = NULL;
	fund_rates *fr = NULL;
	PGresult *r = NULL;
	json_t *arr = NULL;
	size_t n = 0;
	int rows, rc = list_result(out, &r, c, "fund_donor_gifts");

	if (rc < 0)
		return rc;
	if ((rc = fund_rates_load(&fr, c)) < 0)
		goto cleanup;
	rows = PQntuples(r);
	g = calloc((size_t)rows + 1, sizeof(*g));
	if (!g) {
		rc = err_oom();
		goto cleanup;
	}
	for (int i = 0; i < rows; i++) {
		const char *id = PQgetvalue(r, i, C_GIFT_DONOR);

		if (n == 0 || strcmp(json_string_value(json_object_get(g[n - 1].obj, "id")), id)) {
			g[n].obj = json_pack("{s:s, s:s, s:s, s:o}", "id", id, "name",
					     PQgetvalue(r, i, C_GIFT_NAME), "org_type",
					     PQgetvalue(r, i, C_GIFT_ORG_TYPE), "country",
					     fund_body_str_or_null(r, i, C_GIFT_COUNTRY));
			g[n].rates = json_array();
			if (!g[n].obj || !g[n].rates) {
				n++;
				rc = err_oom();
				goto cleanup;
			}
			n++;
		}
		if (!PQgetisnull(r, i, C_GIFT_INSTRUCTED)) {
			const char *ccy = PQgetvalue(r, i, C_GIFT_INSTRUCTED_CURRENCY);
			const char *month = PQgetvalue(r, i, C_GIFT_MONTH);
			struct money_rate x;
			int64_t usd;

			/* a missing rate is remembered; all are named after the loop */
			rc = fund_rates_usd(&usd, fr, fund_body_int64(r, i, C_GIFT_INSTRUCTED), ccy,
					    month);
			if (rc < 0)
				goto cleanup;
			if (rc > 0)
				continue;
			if ((rc = fund_rates_get(&x, fr, ccy, month)) < 0 ||
			    (rc = money_add(&g[n - 1].usd, g[n - 1].usd, usd)) < 0)
				goto cleanup;
			if (strcmp(ccy, "USD") != 0)
				rate_used(g[n - 1].rates, ccy, month, money_rate_normal(x));
		}
	}
	if ((rc = fund_rates_missing_error(fr)) < 0)
		goto cleanup;
	qsort(g, n, sizeof(*g), giver_cmp);
	arr = json_array();
	for (size_t i = 0; arr && i < n; i++) {
		json_object_set_new(g[i].obj, "given_usd", fund_body_money(g[i].usd, "USD"));
		json_object_set(g[i].obj, "rates", g[i].rates);
		json_array_append(arr, g[i].obj);
	}
	rc = arr ? 0 : err_oom();
	if (rc == 0) {
		*out = arr;
		arr = NULL;
	}
cleanup:
	fund_rates_free(fr);
	for (size_t i = 0; i < n; i++) {
		json_decref(g[i].obj);
		json_decref(g[i].rates);
	}
	free(g);
	json_decref(arr);
	PQclear(r);
	return rc;
}

/* --- pledges ------------------------------------------------------------------------- */

struct pledge {
	long long id;
	char donor[40], donor_name[256], status[16], date[11], currency[4], earmark[8];
	char agreement[80], signed_on[11], entry_id[LEDGER_UUID_BYTES];
	int64_t amount, settled;
};

static void pledge_from_row(struct pledge *p, const PGresult *r, int i)
{
	memset(p, 0, sizeof(*p));
	p->id = fund_body_int64(r, i, C_PLEDGE_ID);
	snprintf(p->donor, sizeof(p->donor), "%s", PQgetvalue(r, i, C_PLEDGE_DONOR));
	snprintf(p->status, sizeof(p->status), "%s", PQgetvalue(r, i, C_PLEDGE_STATUS));
	snprintf(p->date, sizeof(p->date), "%s", PQgetvalue(r, i, C_PLEDGE_DATE));
	p->amount = fund_body_int64(r, i, C_PLEDGE_AMOUNT);
	snprintf(p->currency, sizeof(p->currency), "%s", PQgetvalue(r, i, C_PLEDGE_CURRENCY));
	snprintf(p->earmark, sizeof(p->earmark), "%s", PQgetvalue(r, i, C_PLEDGE_EARMARK));
	snprintf(p->agreement, sizeof(p->agreement), "%s", PQgetvalue(r, i, C_PLEDGE_AGREEMENT));
	snprintf(p->signed_on, sizeof(p->signed_on), "%s", PQgetvalue(r, i, C_PLEDGE_SIGNED_ON));
	snprintf(p->entry_id, sizeof(p->entry_id), "%s", PQgetvalue(r, i, C_PLEDGE_ENTRY));
	snprintf(p->donor_name, sizeof(p->donor_name), "%s",
		 PQgetvalue(r, i, C_PLEDGE_DONOR_NAME));
}

static json_t *pledge_json(const struct pledge *p)
{
	int64_t open = p->status[0] == 'i' ? 0 : p->amount - p->settled;

	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "id",
			 (json_int_t)p->id, "donor", p->donor, "status", p->status, "date", p->date,
			 "amount", fund_body_money(p->amount, p->currency), "currency", p->currency,
			 "earmark", p->earmark, "agreement",
			 p->agreement[0] ? json_string(p->agreement) : json_null(), "signed_on",
			 p->signed_on[0] ? json_string(p->signed_on) : json_null(), "entry_id",
			 p->entry_id[0] ? json_string(p->entry_id) : json_null(), "settled",
			 fund_body_money(p->settled, p->currency), "open",
			 fund_body_money(open, p->currency));
}

/* Locks pledge id and loads it with what receipts settled. */
static int pledge_lock(struct pledge *p, PGconn *c, long long id)
{
	char ids[24];
	PGresult *r = NULL;
	int rc;

	snprintf(ids, sizeof(ids), "%lld", id);
	rc = db_exec(&r, c, "fund_pledge_lock", 1, (const char *const[]){ids});
	if (rc == 0 && PQntuples(r) == 0) {
		rc = err_set(ERR_NOTFOUND, "pledge: no pledge %lld", id);
	}
	if (rc == 0)
		pledge_from_row(p, r, 0);
	PQclear(r);
	r = NULL;
	if (rc == 0)
		rc = db_exec(&r, c, "fund_pledge_settled", 1, (const char *const[]){ids});
	if (rc == 0)
		p->settled = fund_body_int64(r, 0, C_SETTLED);
	PQclear(r);
	return rc;
}

/* Signs the locked indicative pledge p: its entry and its row. */
static int pledge_sign_locked(PGconn *c, struct pledge *p, const char *agreement,
			      const char *date, int64_t amount, const struct ledger_actor *who)
{
	struct ledger_entry e;
	char memo[512], ids[24], amt[24], entry_id[LEDGER_UUID_BYTES];
	bool travel = strcmp(p->earmark, "travel") == 0;
	int rc;

	if (strcmp(p->status, "indicative") != 0) {
		return err_set(ERR_CONFLICT, "pledge %lld is already signed (agreement %s)", p->id,
			       p->agreement);
	}
	snprintf(memo, sizeof(memo), "Contribution agreement %s signed: %s", agreement,
		 p->donor_name);
	rc = fund_body_entry_begin(&e, date, memo, agreement);
	if (rc < 0)
		return rc;
	fund_body_entry_add(&e, travel ? "1210" : "1200", p->currency, true, amount);
	fund_body_entry_add(&e, travel ? "4110" : "4100", p->currency, false, amount);
	rc = fund_body_entry_done(entry_id, c, &e, who, "entry.post");
	if (rc == 0) {
		snprintf(ids, sizeof(ids), "%lld", p->id);
		snprintf(amt, sizeof(amt), "%" PRId64, amount);
		rc = db_exec(NULL, c, "fund_pledge_sign", 5,
			     (const char *const[]){ids, agreement, date, amt, entry_id});
		if (rc == ERR_CONFLICT) {
			rc = err_set(ERR_CONFLICT, "agreement: '%s' is the agreement of another"
						   " pledge", agreement);
		}
	}
	if (rc == 0) {
		snprintf(p->status, sizeof(p->status), "signed");
		snprintf(p->agreement, sizeof(p->agreement), "%s", agreement);
		snprintf(p->signed_on, sizeof(p->signed_on), "%s", date);
		snprintf(p->entry_id, sizeof(p->entry_id), "%s", entry_id);
		p->amount = amount;
		rc = ledger_audit(c, who, "pledge.sign", ids);
	}
	return rc;
}

struct pledge_tx {
	struct pledge p;
	const char *agreement, *signed_on;
	int64_t sign_amount; /* 0: keep */
	const struct ledger_actor *who;
	bool add;
	int accounts_created; /* the pledge's currency's accounts made now */
};

static int pledge_tx_run(PGconn *c, void *ctx)
{
	struct pledge_tx *t = ctx;
	char amt[24], ids[24];
	PGresult *r = NULL;
	int rc = 0;

	if (t->add) {
		rc = fund_currency_ensure(&t->accounts_created, c, t->p.currency, t->who);
		if (rc < 0)
			return rc;
		snprintf(amt, sizeof(amt), "%" PRId64, t->p.amount);
		rc = db_exec(&r, c, "fund_pledge_insert", 5,
			     (const char *const[]){t->p.donor, t->p.date, amt, t->p.currency,
						   t->p.earmark});
		if (rc < 0)
			return rc;
		t->p.id = fund_body_int64(r, 0, C_NEW_ID);
		PQclear(r);
		snprintf(ids, sizeof(ids), "%lld", t->p.id);
		rc = ledger_audit(c, t->who, "pledge.add", ids);
	}
	if (rc == 0 && t->agreement) {
		long long id = t->p.id;

		rc = pledge_lock(&t->p, c, id);
		if (rc == 0)
			rc = pledge_sign_locked(c, &t->p, t->agreement, t->signed_on,
						t->sign_amount ? t->sign_amount : t->p.amount,
						t->who);
	}
	return rc;
}

/*
 * The required field "currency" of a pledge or a gift: any ISO 4217 code
 * (its accounts are made in the write's transaction by
 * fund_currency_ensure, audited fund.currency, when it is the first).
 */
static int new_currency(const char **out, json_t *body)
{
	int rc = fund_body_str(out, body, "currency", true);

	if (rc == 0 && !money_currency_valid(*out))
		rc = fund_body_bad("currency", "not an ISO 4217 currency: ", *out);
	return rc;
}

static int donor_exists(PGconn *c, const char *id, char name[256])
{
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "fund_donor_get", 1, (const char *const[]){id});

	if (rc == 0 && PQntuples(r) == 0)
		rc = err_set(ERR_NOTFOUND, "donor: no donor %s", id);
	else if (rc == 0)
		snprintf(name, 256, "%s", PQgetvalue(r, 0, C_DONOR_NAME));
	PQclear(r);
	return rc;
}

int fund_pledge_add(json_t **out, PGconn *c, json_t *body,
		    const struct ledger_actor *who)
{
	static const char *const allowed[] = {"donor", "date", "amount", "currency", "earmark",
					      "agreement", "signed_on", NULL};
	struct pledge_tx t = {.who = who, .add = true};
	const char *donor, *date, *ccy, *earmark;
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_str(&donor, body, "donor", true)) < 0 ||
	    (rc = fund_body_date(&date, body, "date", true, NULL)) < 0 ||
	    (rc = fund_body_str(&earmark, body, "earmark", false)) < 0 ||
	    (rc = fund_body_text(&t.agreement, body, "agreement", false, 64)) < 0 ||
	    (rc = fund_body_date(&t.signed_on, body, "signed_on", false, NULL)) < 0)
		return rc;
	if (earmark && strcmp(earmark, "none") != 0 && strcmp(earmark, "travel") != 0)
		return fund_body_bad("earmark", "expected none or travel, got ", earmark);
	if (t.signed_on && !t.agreement)
		return fund_body_bad("signed_on", "needs agreement", NULL);
	if ((rc = new_currency(&ccy, body)) < 0 ||
	    (rc = fund_body_amount(&t.p.amount, body, "amount", true, ccy,
				   FUND_BODY_POSITIVE)) < 0 ||
	    (rc = donor_exists(c, donor, t.p.donor_name)) < 0)
		return rc;
	snprintf(t.p.donor, sizeof(t.p.donor), "%s", donor);
	snprintf(t.p.date, sizeof(t.p.date), "%s", date);
	snprintf(t.p.currency, sizeof(t.p.currency), "%s", ccy);
	snprintf(t.p.earmark, sizeof(t.p.earmark), "%s", earmark ? earmark : "none");
	snprintf(t.p.status, sizeof(t.p.status), "indicative");
	if (t.agreement && !t.signed_on)
		t.signed_on = date;
	rc = db_tx(c, DB_READ_COMMITTED, pledge_tx_run, &t);
	if (rc < 0)
		return rc;
	*out = pledge_json(&t.p);
	if (*out)
		json_object_set_new(*out, "currency_accounts_created",
				    json_integer(t.accounts_created));
	return *out ? 0 : err_oom();
}

int fund_pledge_sign(json_t **out, PGconn *c, long long id, json_t *body,
		     const struct ledger_actor *who)
{
	static const char *const allowed[] = {"agreement", "date", "amount", NULL};
	struct pledge_tx t = {.who = who, .add = false};
	int rc;

	*out = NULL;
	t.p.id = id;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_text(&t.agreement, body, "agreement", true, 64)) < 0 ||
	    (rc = fund_body_date(&t.signed_on, body, "date", true, NULL)) < 0)
		return rc;
	if (json_object_get(body, "amount")) {
		/* The amount's currency is the pledge's: read it first. */
		PGresult *r = NULL;
		char ids[24];

		snprintf(ids, sizeof(ids), "%lld", id);
		rc = db_exec(&r, c, "fund_pledge_lock", 1, (const char *const[]){ids});
		if (rc == 0 && PQntuples(r) == 0) {
			rc = err_set(ERR_NOTFOUND, "pledge: no pledge %lld", id);
		}
		if (rc == 0)
			rc = fund_body_amount(&t.sign_amount, body, "amount", true,
					      PQgetvalue(r, 0, C_PLEDGE_CURRENCY),
					      FUND_BODY_POSITIVE);
		PQclear(r);
		if (rc < 0)
			return rc;
	}
	rc = db_tx(c, DB_READ_COMMITTED, pledge_tx_run, &t);
	if (rc < 0)
		return rc;
	*out = pledge_json(&t.p);
	return *out ? 0 : err_oom();
}

static json_t *pledge_row_json(PGresult *r, int i)
{
	struct pledge p;

	pledge_from_row(&p, r, i);
	p.settled = fund_body_int64(r, i, C_PLEDGE_SETTLED);
	return pledge_json(&p);
}

int fund_pledges_list(json_t **out, PGconn *c, int64_t after, int limit)
{
	return page(out, c, "fund_pledges_list", "pledges", pledge_row_json, after, limit);
}

/* --- receipts ----------------------------------------------------------------------------- */

struct receipt_tx {
	long long pledge, bank_line, id;
	const char *date, *how;
	struct ledger_account bank;
	int64_t amount, instructed, charges, settled, advance;
	bool has_instructed, has_charges, allow_over;
	json_t *body;
	struct pledge p;
	char entry_id[LEDGER_UUID_BYTES];
	int64_t realised;                      /* USD: > 0 a gain, < 0 a loss */
	char realised_entry[LEDGER_UUID_BYTES]; /* "" when none */
	const struct ledger_actor *who;
};

/* Works out settled/advance/charges from the locked pledge; refuses bad input. */
static int receipt_figures(struct receipt_tx *t)
{
	const char *pccy = t->p.currency, *bccy = t->bank.currency;
	bool same = strcmp(pccy, bccy) == 0;
	int64_t open;
	int rc;

	if (strcmp(t->p.status, "indicative") == 0) {
		return err_set(ERR_CONFLICT,
			       "pledge: %lld is indicative: sign its agreement before receipts",
			       t->pledge);
	}
	if (same && t->has_charges)
		return fund_body_bad("charges",
			   "only for a receipt in another currency than the pledge's; here they"
			   " are instructed_amount - amount", NULL);
	if (!same && !t->has_instructed) {
		return err_set(ERR_INVALID,
			       "instructed_amount: required: the bank account is in %s and the"
			       " pledge in %s", bccy, pccy);
	}
	rc = fund_body_amount(&t->instructed, t->body, "instructed_amount", !same, pccy,
			      FUND_BODY_POSITIVE);
	if (rc < 0)
		return rc;
	if (same && !t->has_instructed)
		t->instructed = t->amount;
	if (same) {
		if (t->instructed < t->amount)
			return fund_body_bad("instructed_amount",
				   "below the amount booked by the bank", NULL);
		t->charges = t->instructed - t->amount;
	} else if (t->has_charges &&
		   (rc = fund_body_amount(&t->charges, t->body, "charges", true, bccy,
					  FUND_BODY_POSITIVE)) < 0) {
		return rc;
	}
	open = t->p.amount - t->p.settled;
	if (t->instructed > open && !t->allow_over) {
		char i_s[MONEY_STR_MAX], o_s[MONEY_STR_MAX];

		money_format(i_s, t->instructed, pccy);
		money_format(o_s, open, pccy);
		return err_code_set(
			ERR_INVALID, EC_OVER_PAYMENT,
			"instructed_amount: %s %s is above the %s %s open on pledge %lld"
			" (agreement %s); allow_overpayment credits the difference to"
			" advance receipts",
			i_s, pccy, o_s, pccy, t->pledge, t->p.agreement);
	}
	t->settled = t->instructed > open ? open : t->instructed;
	t->advance = t->instructed - t->settled;
	return 0;
}

static int receipt_entry(struct receipt_tx *t, PGconn *c)
{
	const char *pccy = t->p.currency, *bccy = t->bank.currency;
	bool travel = strcmp(t->p.earmark, "travel") == 0;
	struct ledger_entry e;
	char memo[512];
	int64_t gross;
	int rc;

	snprintf(memo, sizeof(memo), "Receipt from %s, agreement %s", t->p.donor_name,
		 t->p.agreement);
	if ((rc = money_add(&gross, t->amount, t->charges)) < 0 ||
	    (rc = fund_body_entry_begin(&e, t->date, memo, t->p.agreement)) < 0)
		return rc;
	fund_body_entry_add(&e, t->bank.code, bccy, true, t->amount);
	fund_body_entry_add(&e, "5100", bccy, true, t->charges);
	if (strcmp(pccy, bccy) != 0) {
		/* Each currency balances through its trading account. */
		fund_body_entry_add(&e, "3900", bccy, false, gross);
		fund_body_entry_add(&e, "3900", pccy, true, t->instructed);
	}
	fund_body_entry_add(&e, travel ? "1210" : "1200", pccy, false, t->settled);
	fund_body_entry_add(&e, "2100", pccy, false, t->advance);
	if (travel) {
		fund_body_entry_add(&e, "8200", pccy, true, t->settled);
		fund_body_entry_add(&e, "8290", pccy, false, t->settled);
	}
	return fund_body_entry_done(t->entry_id, c, &e, t->who, "entry.post");
}

/*
 * A receipt across currencies (docs/fund.md "receipt, other currency"):
 * the realised exchange difference, in USD, of what the bank booked (the
 * gross: amount and charges, the bank's side of 3900) less what was
 * instructed, each at the UN operational rate of the receipt's month, as
 * its own entry against 3900-USD: a gain Dr 3900-USD / Cr 4910-USD, a loss
 * Dr 5910-USD / Cr 3900-USD. So the trading accounts of the receipt are
 * zero in USD and the month-end revaluation holds only what is unrealised.
 * Every missing rate is one missing-rate refusal.
 */
static int receipt_realised(struct receipt_tx *t, PGconn *c)
{
	const char *pccy = t->p.currency, *bccy = t->bank.currency;
	fund_rates *fr = NULL;
	struct ledger_entry e;
	char month[8], memo[512], b_s[MONEY_STR_MAX], i_s[MONEY_STR_MAX];
	int64_t gross, booked, instructed, diff;
	int rc;

	t->realised = 0;
	t->realised_entry[0] = '\0';
	if (strcmp(pccy, bccy) == 0)
		return 0;
	snprintf(month, sizeof(month), "%.7s", t->date);
	if ((rc = money_add(&gross, t->amount, t->charges)) < 0 ||
	    (rc = fund_rates_load(&fr, c)) < 0 ||
	    (rc = fund_rates_usd(&booked, fr, gross, bccy, month)) < 0 ||
	    (rc = fund_rates_usd(&instructed, fr, t->instructed, pccy, month)) < 0 ||
	    (rc = fund_rates_missing_error(fr)) < 0 ||
	    (rc = money_sub(&diff, booked, instructed)) < 0)
		goto cleanup;
	t->realised = diff;
	if (diff == 0)
		goto cleanup;
	money_format(b_s, booked, "USD");
	money_format(i_s, instructed, "USD");
	snprintf(memo, sizeof(memo), "Realised exchange %s on the receipt from %s, agreement %s:"
		 " booked %s USD, instructed %s USD at the UN rates of %s",
		 diff > 0 ? "gain" : "loss", t->p.donor_name, t->p.agreement, b_s, i_s, month);
	if ((rc = fund_body_entry_begin(&e, t->date, memo, t->p.agreement)) < 0)
		goto cleanup;
	fund_body_entry_add(&e, diff > 0 ? "3900" : "5910", "USD", true, diff > 0 ? diff : -diff);
	fund_body_entry_add(&e, diff > 0 ? "4910" : "3900", "USD", false, diff > 0 ? diff : -diff);
	rc = fund_body_entry_done(t->realised_entry, c, &e, t->who, "entry.post");
cleanup:
	fund_rates_free(fr);
	return rc;
}

static int receipt_tx_run(PGconn *c, void *ctx)
{
	struct receipt_tx *t = ctx;
	char ids[24], amt[24], chg[24], ins[24], set[24], adv[24], line[24];
	PGresult *r = NULL;
	int rc;

	if ((rc = pledge_lock(&t->p, c, t->pledge)) < 0 ||
	    (rc = receipt_figures(t)) < 0 || (rc = receipt_entry(t, c)) < 0 ||
	    (rc = receipt_realised(t, c)) < 0)
		return rc;
	snprintf(ids, sizeof(ids), "%lld", t->pledge);
	snprintf(amt, sizeof(amt), "%" PRId64, t->amount);
	snprintf(chg, sizeof(chg), "%" PRId64, t->charges);
	snprintf(ins, sizeof(ins), "%" PRId64, t->instructed);
	snprintf(set, sizeof(set), "%" PRId64, t->settled);
	snprintf(adv, sizeof(adv), "%" PRId64, t->advance);
	snprintf(line, sizeof(line), "%lld", t->bank_line);
	rc = db_exec(&r, c, "fund_receipt_insert", 12,
		     (const char *const[]){ids, t->date, t->bank.code, amt, t->bank.currency,
					   chg, ins, t->p.currency, set, adv, t->entry_id,
					   t->bank_line ? line : NULL});
	if (rc < 0)
		return rc;
	t->id = fund_body_int64(r, 0, C_NEW_ID);
	PQclear(r);
	r = NULL;
	if (t->bank_line) {
		rc = db_exec(&r, c, "fund_line_matched", 1, (const char *const[]){line});
		if (rc == 0 && PQntuples(r) == 0) {
			rc = err_set(ERR_CONFLICT, "bank_line: %lld is unknown or already matched",
				     t->bank_line);
		}
		PQclear(r);
		r = NULL;
		if (rc == 0)
			rc = db_exec(&r, c, "fund_line_match", 5,
				     (const char *const[]){line, t->entry_id, t->how,
							   ledger_actor_user(t->who), t->bank.code});
		if (rc == 0 && PQntuples(r) != 1)
			rc = err_set(ERR_INTERNAL, "receipt %lld: no debit of %s to match bank line"
				     " %lld with", t->id, t->bank.code, t->bank_line);
		PQclear(r);
		if (rc < 0)
			return rc;
	}
	if (t->p.settled + t->settled == t->p.amount &&
	    (rc = db_exec(NULL, c, "fund_pledge_paid", 1, (const char *const[]){ids})) < 0)
		return rc;
	snprintf(ids, sizeof(ids), "%lld", t->id);
	return ledger_audit(c, t->who, "receipt.add", ids);
}

static json_t *receipt_json(long long id, long long pledge, const char *donor,
			    const char *date, const char *bank, const char *bccy, int64_t amount,
			    int64_t charges, int64_t instructed, const char *pccy,
			    int64_t settled, int64_t advance, const char *entry_id,
			    long long bank_line)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:s, s:o, s:o, s:s,"
			 " s:o}",
			 "id", (json_int_t)id, "pledge", (json_int_t)pledge, "donor", donor, "date",
			 date, "bank_account", bank, "amount", fund_body_money(amount, bccy),
			 "currency", bccy, "charges", fund_body_money(charges, bccy),
			 "instructed_amount", fund_body_money(instructed, pccy),
			 "instructed_currency", pccy, "settled", fund_body_money(settled, pccy),
			 "advance", fund_body_money(advance, pccy), "entry_id", entry_id,
			 "bank_line", bank_line ? json_integer(bank_line) : json_null());
}

int fund_receipt_add(json_t **out, PGconn *c, json_t *body,
		     const struct ledger_actor *who)
{
	return fund_receipt_add_matched(out, c, body, who, "recorded");
}

int fund_receipt_add_matched(json_t **out, PGconn *c, json_t *body,
			     const struct ledger_actor *who, const char *how)
{
	static const char *const allowed[] = {"pledge", "date", "bank_account", "amount",
					      "instructed_amount", "charges",
					      "allow_overpayment", "bank_line", NULL};
	struct receipt_tx t = {.body = body, .who = who, .how = how};
	const char *bank;
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_id(&t.pledge, body, "pledge", true)) < 0 ||
	    (rc = fund_body_date(&t.date, body, "date", true, NULL)) < 0 ||
	    (rc = fund_body_str(&bank, body, "bank_account", true)) < 0 ||
	    (rc = fund_body_id(&t.bank_line, body, "bank_line", false)) < 0 ||
	    (rc = fund_body_bool(&t.allow_over, body, "allow_overpayment")) < 0)
		return rc;
	t.has_instructed = json_object_get(body, "instructed_amount") != NULL;
	t.has_charges = json_object_get(body, "charges") != NULL;
	rc = ledger_account_get(&t.bank, c, bank);
	if (rc == ERR_NOTFOUND) {
		return err_code_set(ERR_INVALID, EC_UNKNOWN_ACCOUNT,
				    "bank_account: no account '%s'", bank);
	}
	if (rc < 0)
		return rc;
	if (strcmp(t.bank.type, "asset") != 0 || strncmp(t.bank.code, "10", 2) != 0)
		return fund_body_bad("bank_account", "not a bank account (10xx-CCY): ", bank);
	if ((rc = fund_body_amount(&t.amount, body, "amount", true, t.bank.currency,
				   FUND_BODY_POSITIVE)) < 0)
		return rc;
	rc = db_tx(c, DB_READ_COMMITTED, receipt_tx_run, &t);
	if (rc < 0)
		return rc;
	*out = receipt_json(t.id, t.pledge, t.p.donor, t.date, t.bank.code, t.bank.currency,
			    t.amount, t.charges, t.instructed, t.p.currency, t.settled, t.advance,
			    t.entry_id, t.bank_line);
	if (*out && strcmp(t.p.currency, t.bank.currency) != 0)
		json_object_set_new(*out, "realised",
				    json_pack("{s:o, s:o}", "amount",
					      fund_body_money(t.realised, "USD"), "entry_id",
					      t.realised_entry[0] ? json_string(t.realised_entry)
								  : json_null()));
	return *out ? 0 : err_oom();
}

/* A receipt with its USD value, or "usd": null (not an error) and
 * "missing_rate": {"currency","month"} where its month has no rate. */
static json_t *receipt_row_json(PGresult *r, int i)
{
	const char *bccy = PQgetvalue(r, i, C_RECEIPT_CURRENCY);
	const char *pccy = PQgetvalue(r, i, C_RECEIPT_INSTRUCTED_CURRENCY);
	const char *month = PQgetvalue(r, i, C_RECEIPT_MONTH);
	json_t *o = receipt_json(
		fund_body_int64(r, i, C_RECEIPT_ID), fund_body_int64(r, i, C_RECEIPT_PLEDGE),
		PQgetvalue(r, i, C_RECEIPT_DONOR), PQgetvalue(r, i, C_RECEIPT_DATE),
		PQgetvalue(r, i, C_RECEIPT_BANK), bccy, fund_body_int64(r, i, C_RECEIPT_AMOUNT),
		fund_body_int64(r, i, C_RECEIPT_CHARGES),
		fund_body_int64(r, i, C_RECEIPT_INSTRUCTED), pccy,
		fund_body_int64(r, i, C_RECEIPT_SETTLED), fund_body_int64(r, i, C_RECEIPT_ADVANCE),
		PQgetvalue(r, i, C_RECEIPT_ENTRY), fund_body_int64(r, i, C_RECEIPT_BANK_LINE));
	struct money_rate x;
	int64_t usd;

	if (row_rate(&x, r, i, C_RECEIPT_USD_MANTISSA, C_RECEIPT_USD_SCALE, pccy, month) == 0 &&
	    money_convert(&usd, fund_body_int64(r, i, C_RECEIPT_INSTRUCTED), pccy, x, "USD") == 0)
		json_object_set_new(o, "usd", json_pack("{s:o, s:o, s:s}", "amount",
							fund_body_money(usd, "USD"), "usd_per_unit",
							fund_body_rate(money_rate_normal(x)), "month", month));
	else
		json_object_set_new(o, "usd", json_null());
	if (strcmp(pccy, "USD") != 0 && PQgetisnull(r, i, C_RECEIPT_USD_MANTISSA))
		json_object_set_new(o, "missing_rate", json_pack("{s:s, s:s}", "currency", pccy,
								 "month", month));
	err_clear();
	return o;
}

int fund_receipts_list(json_t **out, PGconn *c, int64_t after, int limit)
{
	return page(out, c, "fund_receipts_list", "receipts", receipt_row_json, after, limit);
}

/* --- gifts in kind ------------------------------------------------------------------------- */

struct inkind_tx {
	const char *donor, *kind, *description, *ccy, *start, *end;
	char donor_name[256], entry_id[LEDGER_UUID_BYTES];
	int64_t amount;
	long long id;
	const struct ledger_actor *who;
	int accounts_created;
};

static int inkind_tx_run(PGconn *c, void *ctx)
{
	struct inkind_tx *t = ctx;
	bool service = strcmp(t->kind, "service") == 0;
	struct ledger_entry e;
	char memo[1024], amt[24], ids[24];
	PGresult *r = NULL;
	int rc;

	snprintf(memo, sizeof(memo), "In kind (%s) from %s, %s to %s: %s", t->kind,
		 t->donor_name, t->start, t->end, t->description);
	rc = fund_currency_ensure(&t->accounts_created, c, t->ccy, t->who);
	if (rc == 0)
		rc = fund_body_entry_begin(&e, t->end, memo, "in-kind");
	if (rc < 0)
		return rc;
	/* Services: disclosed in memo accounts (IPSAS 23). Goods: recognised. */
	fund_body_entry_add(&e, service ? "8300" : "5300", t->ccy, true, t->amount);
	fund_body_entry_add(&e, service ? "8390" : "4200", t->ccy, false, t->amount);
	rc = fund_body_entry_done(t->entry_id, c, &e, t->who, "entry.post");
	if (rc == 0) {
		snprintf(amt, sizeof(amt), "%" PRId64, t->amount);
		rc = db_exec(&r, c, "fund_inkind_insert", 8,
			     (const char *const[]){t->donor, t->kind, t->description, amt, t->ccy,
						   t->start, t->end, t->entry_id});
	}
	if (rc == 0) {
		t->id = fund_body_int64(r, 0, C_NEW_ID);
		snprintf(ids, sizeof(ids), "%lld", t->id);
		rc = ledger_audit(c, t->who, "inkind.add", ids);
	}
	PQclear(r);
	return rc;
}

static json_t *inkind_json(long long id, const char *donor, const char *kind,
			   const char *description, int64_t amount, const char *ccy,
			   const char *start, const char *end, const char *entry_id)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)id,
			 "donor", donor, "kind", kind, "description", description, "amount",
			 fund_body_money(amount, ccy), "currency", ccy, "period_start", start,
			 "period_end", end, "entry_id", entry_id, "recognised",
			 strcmp(kind, "goods") == 0 ? "revenue-and-expense" : "disclosed-memo");
}

int fund_inkind_add(json_t **out, PGconn *c, json_t *body,
		    const struct ledger_actor *who)
{
	static const char *const allowed[] = {"donor", "kind", "description", "amount",
					      "currency", "period_start", "period_end", NULL};
	struct inkind_tx t = {.who = who};
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_str(&t.donor, body, "donor", true)) < 0 ||
	    (rc = fund_body_str(&t.kind, body, "kind", true)) < 0 ||
	    (rc = fund_body_text(&t.description, body, "description", true, 500)) < 0 ||
	    (rc = fund_body_date(&t.start, body, "period_start", true, NULL)) < 0 ||
	    (rc = fund_body_date(&t.end, body, "period_end", true, NULL)) < 0)
		return rc;
	if (strcmp(t.kind, "service") != 0 && strcmp(t.kind, "goods") != 0)
		return fund_body_bad("kind", "expected service or goods, got ", t.kind);
	if (strcmp(t.end, t.start) < 0)
		return fund_body_bad("period_end", "before period_start", NULL);
	if ((rc = new_currency(&t.ccy, body)) < 0 ||
	    (rc = fund_body_amount(&t.amount, body, "amount", true, t.ccy,
				   FUND_BODY_POSITIVE)) < 0 ||
	    (rc = donor_exists(c, t.donor, t.donor_name)) < 0)
		return rc;
	rc = db_tx(c, DB_READ_COMMITTED, inkind_tx_run, &t);
	if (rc < 0)
		return rc;
	*out = inkind_json(t.id, t.donor, t.kind, t.description, t.amount, t.ccy, t.start, t.end,
			   t.entry_id);
	return *out ? 0 : err_oom();
}

static json_t *inkind_row_json(PGresult *r, int i)
{
	return inkind_json(fund_body_int64(r, i, C_INKIND_ID), PQgetvalue(r, i, C_INKIND_DONOR),
			   PQgetvalue(r, i, C_INKIND_KIND), PQgetvalue(r, i, C_INKIND_DESCRIPTION),
			   fund_body_int64(r, i, C_INKIND_AMOUNT),
			   PQgetvalue(r, i, C_INKIND_CURRENCY), PQgetvalue(r, i, C_INKIND_START),
			   PQgetvalue(r, i, C_INKIND_END), PQgetvalue(r, i, C_INKIND_ENTRY));
}

int fund_inkind_list(json_t **out, PGconn *c, int64_t after, int limit)
{
	return page(out, c, "fund_inkind_list", "in_kind", inkind_row_json, after, limit);
}

/* --- UN operational rates --------------------------------------------------------------------- */

int fund_rate(struct money_rate *out, PGconn *c, const char *currency,
	      const char *month)
{
	PGresult *r = NULL;
	int rc;

	if (strcmp(currency, "USD") == 0) {
		*out = (struct money_rate){1, 0};
		return 0;
	}
	rc = db_exec(&r, c, "fund_rate_get", 2, (const char *const[]){currency, month});
	if (rc == 0 && PQntuples(r) == 0) {
		rc = err_code_set(ERR_INVALID, EC_MISSING_RATE,
			     "no UN operational rate for %s in %s (tfledger rates import)",
			     currency, month);
	} else if (rc == 0) {
		*out = (struct money_rate){fund_body_int64(r, 0, C_RATE_MANTISSA),
					   (int)fund_body_int64(r, 0, C_RATE_SCALE)};
	}
	PQclear(r);
	return rc;
}

struct rates_tx {
	const char *path;    /* the file, or the name of doc in messages */
	long stored, unchanged;
	const struct ledger_actor *who;
	const char *doc;     /* NULL: read path */
	size_t doc_len;
};

/* The error of field col (0-based, named name) of the current record. */
static int rate_bad(csv_reader *rd, size_t col, const char *name, const char *what,
		    const char *value)
{
	return err_set(ERR_INVALID, "%s:%zu: column %zu (%s): %s%s", csv_name(rd), csv_line(rd),
		       col + 1, name, what, value ? value : "");
}

int fund_rates_header(struct fund_rates_columns *out, csv_reader *rd)
{
	static const char *const names[3] = {"currency", "month", "usd_per_unit"};
	int rc = csv_next(rd);

	*out = (struct fund_rates_columns){{SIZE_MAX, SIZE_MAX, SIZE_MAX}, 0};
	if (rc == 0)
		return err_set(ERR_INVALID, "%s: empty file: expected the header"
					    " currency,month,usd_per_unit", csv_name(rd));
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < csv_nfields(rd); i++)
		for (int k = 0; k < 3; k++)
			if (strcmp(csv_field(rd, i, NULL), names[k]) == 0)
				out->col[k] = i;
	out->n_header = csv_nfields(rd);
	for (int k = 0; k < 3; k++)
		if (out->col[k] == SIZE_MAX)
			return err_set(ERR_INVALID, "%s:%zu: the header has no column %s",
				       csv_name(rd), csv_line(rd), names[k]);
	return 0;
}

int fund_rates_row(struct fund_rate_row *out, csv_reader *rd,
		   const struct fund_rates_columns *cols)
{
	const size_t *col = cols->col;
	const char *ccy = csv_field(rd, col[0], NULL), *month = csv_field(rd, col[1], NULL);
	const char *value = csv_field(rd, col[2], NULL);
	struct money_rate x;

	if (csv_nfields(rd) != cols->n_header) {
		return err_set(ERR_INVALID,
			       "%s:%zu: expected %zu fields as in the header, found %zu",
			       csv_name(rd), csv_line(rd), cols->n_header, csv_nfields(rd));
	}
	ASSERT(ccy && month && value);
	if (!money_currency_valid(ccy))
		return rate_bad(rd, col[0], "currency", "not an ISO 4217 currency: ", ccy);
	if (strcmp(ccy, "USD") == 0)
		return rate_bad(rd, col[0], "currency", "USD is the base currency (1)", NULL);
	if (!month_valid(month))
		return rate_bad(rd, col[1], "month", "expected YYYY-MM, got ", month);
	if (money_rate_parse(&x, value) < 0) {
		char why[LIMIT_ERR_BYTES]; /* err_last() is the buffer rate_bad writes */

		snprintf(why, sizeof(why), "%s", err_last());
		return rate_bad(rd, col[2], "usd_per_unit", why, NULL);
	}
	memcpy(out->currency, ccy, 4);
	memcpy(out->month, month, 8);
	out->rate = money_rate_normal(x);
	out->value = value;
	return 0;
}

/* Stores the current record's rate unless the same one is there already. */
static int rates_line(PGconn *c, struct rates_tx *t, csv_reader *rd,
		      const struct fund_rates_columns *cols)
{
	struct fund_rate_row row;
	char m[24], s[8];
	struct money_rate have;
	int rc = fund_rates_row(&row, rd, cols);

	if (rc < 0)
		return rc;
	rc = fund_rate(&have, c, row.currency, row.month);
	if (rc == 0) {
		have = money_rate_normal(have);
		if (have.mantissa != row.rate.mantissa || have.scale != row.rate.scale)
			return rate_bad(rd, cols->col[2], "usd_per_unit",
					"differs from the rate already stored for this currency"
					" and month: ", row.value);
		t->unchanged++;
		return 0;
	}
	if (rc != ERR_INVALID)
		return rc;
	snprintf(m, sizeof(m), "%" PRId64, row.rate.mantissa);
	snprintf(s, sizeof(s), "%d", row.rate.scale);
	rc = db_exec(NULL, c, "fund_rate_insert", 4,
		     (const char *const[]){row.currency, row.month, m, s});
	if (rc == 0)
		t->stored++;
	return rc;
}

static int rates_tx_run(PGconn *c, void *ctx)
{
	struct rates_tx *t = ctx;
	struct fund_rates_columns cols;
	csv_reader *rd = NULL;
	FILE *f = NULL;
	int rc;

	t->stored = t->unchanged = 0;
	if (t->doc && t->doc_len == 0)
		return err_set(ERR_INVALID, "%s: empty: expected the header"
					    " currency,month,usd_per_unit", t->path);
	if (t->doc) {
		f = fmemopen((void *)t->doc, t->doc_len, "r");
		if (!f)
			return err_sys(ERR_SYSTEM, "%s", t->path);
		rc = csv_open_stream(&rd, f, t->path);
	} else {
		rc = csv_open(&rd, t->path);
	}
	if (rc < 0) {
		if (f)
			fclose(f);
		return rc;
	}
	if ((rc = fund_rates_header(&cols, rd)) == 0)
		rc = 1;
	while (rc > 0 && (rc = csv_next(rd)) > 0)
		if ((rc = rates_line(c, t, rd, &cols)) == 0)
			rc = 1;
	if (rc == 0 && t->stored > 0)
		rc = ledger_audit(c, t->who, "rates.import", t->path);
	csv_close(rd);
	if (f)
		fclose(f);
	return rc;
}

static int rates_import(json_t **out, PGconn *c, struct rates_tx *tp)
{
	struct rates_tx t = *tp;
	const char *path = t.path;
	int rc = db_tx(c, DB_READ_COMMITTED, rates_tx_run, &t);

	*out = NULL;
	if (rc < 0)
		return rc;
	*out = json_pack("{s:s, s:I, s:I}", "file", path, "stored", (json_int_t)t.stored,
			 "unchanged", (json_int_t)t.unchanged);
	return *out ? 0 : err_oom();
}

int fund_rates_import(json_t **out, PGconn *c, const char *path,
		      const struct ledger_actor *who)
{
	struct rates_tx t = {path, 0, 0, who, NULL, 0};

	return rates_import(out, c, &t);
}

int fund_rates_import_csv(json_t **out, PGconn *c, const char *doc, size_t len,
			  const char *name, const struct ledger_actor *who)
{
	struct rates_tx t = {name, 0, 0, who, doc, len};

	return rates_import(out, c, &t);
}

static json_t *rate_row_json(PGresult *r, int i)
{
	struct money_rate x = {fund_body_int64(r, i, C_RATES_MANTISSA),
			       (int)fund_body_int64(r, i, C_RATES_SCALE)};

	return json_pack("{s:s, s:s, s:o}", "currency", PQgetvalue(r, i, C_RATES_CURRENCY),
			 "month", PQgetvalue(r, i, C_RATES_MONTH), "usd_per_unit", fund_body_rate(x));
}

int fund_rates_list(json_t **out, PGconn *c)
{
	return list(out, c, "fund_rates_list", rate_row_json);
}

/* --- travel ------------------------------------------------------------------------------- */

static int balance_of(int64_t *out, PGconn *c, const char *prefix, const char *ccy,
		      const char *as_of)
{
	struct ledger_account a;
	char acct[LEDGER_CODE_BYTES];
	int rc;

	code_of(acct, prefix, ccy);
	rc = ledger_account_get(&a, c, acct);
	if (rc == ERR_NOTFOUND)
		return err_code_set(ERR_INVALID, EC_UNKNOWN_ACCOUNT,
				    "no account '%s': run tfledger fund init", acct);
	return rc < 0 ? rc : ledger_balance(out, c, &a, as_of);
}

int fund_travel_available(json_t **out, PGconn *c, const char *as_of)
{
	json_t *arr = json_array();
	fund_rates *fr = NULL;
	PGresult *cur = NULL;
	char month[8];
	int64_t total = 0;
	int rc = arr ? 0 : err_oom();

	*out = NULL;
	if (rc == 0 && (!as_of || !date_valid(as_of)))
		rc = fund_body_bad("as_of", "expected a date YYYY-MM-DD, got ", as_of ? as_of : "");
	if (rc < 0 || (rc = db_exec(&cur, c, "fund_currencies", 0, NULL)) < 0 ||
	    (rc = fund_rates_load(&fr, c)) < 0)
		goto cleanup;
	snprintf(month, sizeof(month), "%.7s", as_of);
	for (int k = 0; k < PQntuples(cur); k++) {
		const char *ccy = PQgetvalue(cur, k, C_CCY);
		int64_t funds, allocated, obligations, spent, avail, usd = 0;
		struct money_rate x = {1, 0};
		json_t *o;

		/* funds: the travel pool and what meetings were allocated in ccy
		 * (docs/controls.md: an allocation moves money from the one to the other) */
		if ((rc = balance_of(&funds, c, "8200", ccy, as_of)) < 0 ||
		    (rc = fund_travel_allocated(&allocated, c, ccy, as_of)) < 0 ||
		    (rc = money_add(&funds, funds, allocated)) < 0 ||
		    (rc = balance_of(&obligations, c, "8100", ccy, as_of)) < 0 ||
		    (rc = balance_of(&spent, c, "5200", ccy, as_of)) < 0 ||
		    (rc = money_sub(&avail, funds, obligations)) < 0 ||
		    (rc = money_sub(&avail, avail, spent)) < 0)
			goto cleanup;
		if (funds == 0 && obligations == 0 && spent == 0)
			continue;
		/* a missing rate is remembered: every one is named below */
		if ((rc = fund_rates_get(&x, fr, ccy, month)) < 0 ||
		    (rc = fund_rates_usd(&usd, fr, avail, ccy, month)) < 0 ||
		    (rc = money_add(&total, total, usd)) < 0)
			goto cleanup;
		o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:s}}", "currency", ccy,
			      "funds", fund_body_money(funds, ccy), "obligations",
			      fund_body_money(obligations, ccy), "spent",
			      fund_body_money(spent, ccy), "available", fund_body_money(avail, ccy),
			      "usd", "amount", fund_body_money(usd, "USD"), "usd_per_unit",
			      fund_body_rate(money_rate_normal(x)), "month", month);
		if (!o || json_array_append_new(arr, o) < 0) {
			rc = err_oom();
			goto cleanup;
		}
	}
	if ((rc = fund_rates_missing_error(fr)) < 0)
		goto cleanup;
	*out = json_pack("{s:s, s:O, s:o}", "as_of", as_of, "currencies", arr, "available_usd",
			 fund_body_money(total, "USD"));
	rc = *out ? 0 : err_oom();
cleanup:
	fund_rates_free(fr);
	PQclear(cur);
	json_decref(arr);
	return rc;
}
