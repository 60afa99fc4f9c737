/*
 * reconcile.c - the bank's lines against the ledger's bank account, both
 * ways, and the reconciliation statement that explains the difference
 * between the bank's closing balance and the ledger's (docs/fund.md,
 * "Reconciliation").
 *
 * Every line is judged by the one scorer, bank_match_candidates
 * (bank/match.c). A line with one sure candidate is matched: to a posting
 * the ledger already has (a receipt, a travel payment, a transfer, a
 * refund: a bank_line_matches row, nothing posted), or to an open pledge,
 * whose receipt it posts through fund_receipt_add_matched (the one way to
 * record a receipt, which stores the match in the same transaction). A
 * line and a posting are matched once (bank_line_matches is one to one),
 * so a second run matches and posts nothing new. Nothing doubtful is
 * matched or posted: it is suggested with its candidates, or, for a bank
 * charge or interest the ledger lacks, given a proposed entry for a person
 * to record. Lines of a signed-off reconciliation are left as they are.
 *
 * The statement only reads, in one snapshot.
 */
#include "bank/reconcile.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank/match.h"
#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"
#include "fund/body.h"
#include "fund/fund.h"

/* Candidates a suggested line shows (the work queue shows them all). */
#define SUGGESTED_SHOWN 3

/*
 * The columns of each statement whose rows are read, in the order of its
 * SELECT list, and the names the server gives them (common/db.h): the code
 * reads the enum, bank_reconcile_setup checks the names once per connection.
 */

/* rec_lines: a bank line, its day, its party, its match and receipt, and
 * the end of the signed-off reconciliation that locks it (NULL: none) */
enum {
	C_LINE_ID, C_LINE_AMOUNT, C_LINE_CURRENCY, C_LINE_SIDE, C_LINE_DATE,
	C_LINE_INSTRUCTED, C_LINE_INSTRUCTED_CURRENCY, C_LINE_PARTY, C_LINE_BANK_REF,
	C_LINE_TX_CODE, C_LINE_STATUS, C_LINE_ENTRY, C_LINE_ENTRY_LINE, C_LINE_KIND, C_LINE_HOW,
	C_LINE_RECEIPT, C_LINE_RECEIPT_PLEDGE, C_LINE_LOCKED_TO, C_LINE_NCOLS
};
static const char *const line_cols[C_LINE_NCOLS] = {
	[C_LINE_ID] = "id", [C_LINE_AMOUNT] = "amount_minor", [C_LINE_CURRENCY] = "currency",
	[C_LINE_SIDE] = "side", [C_LINE_DATE] = "date", [C_LINE_INSTRUCTED] = "instructed_minor",
	[C_LINE_INSTRUCTED_CURRENCY] = "instructed_currency", [C_LINE_PARTY] = "party",
	[C_LINE_BANK_REF] = "bank_ref", [C_LINE_TX_CODE] = "bank_tx_code",
	[C_LINE_STATUS] = "match_status", [C_LINE_ENTRY] = "entry",
	[C_LINE_ENTRY_LINE] = "entry_line", [C_LINE_KIND] = "kind", [C_LINE_HOW] = "how",
	[C_LINE_RECEIPT] = "receipt", [C_LINE_RECEIPT_PLEDGE] = "receipt_pledge",
	[C_LINE_LOCKED_TO] = "locked_to"};

/* rec_closing */
enum { C_CLOSING_STATEMENT, C_CLOSING_MINOR, C_CLOSING_DATE, C_CLOSING_NCOLS };
static const char *const closing_cols[C_CLOSING_NCOLS] = {
	[C_CLOSING_STATEMENT] = "statement_id", [C_CLOSING_MINOR] = "closing_minor",
	[C_CLOSING_DATE] = "closing_date"};

/* rec_st_chain: the statements up to the closing, oldest first */
enum {
	C_CHAIN_STATEMENT, C_CHAIN_OPENING, C_CHAIN_OPENING_DATE, C_CHAIN_CLOSING,
	C_CHAIN_CLOSING_DATE, C_CHAIN_START, C_CHAIN_DAY_BEFORE, C_CHAIN_NCOLS
};
static const char *const chain_cols[C_CHAIN_NCOLS] = {
	[C_CHAIN_STATEMENT] = "statement_id", [C_CHAIN_OPENING] = "opening_minor",
	[C_CHAIN_OPENING_DATE] = "opening_date", [C_CHAIN_CLOSING] = "closing_minor",
	[C_CHAIN_CLOSING_DATE] = "closing_date", [C_CHAIN_START] = "start_date",
	[C_CHAIN_DAY_BEFORE] = "day_before"};

/* rec_st_lines: bank lines of the statements not in the ledger's period */
enum {
	C_SL_ID, C_SL_DATE, C_SL_SIDE, C_SL_AMOUNT, C_SL_PARTY, C_SL_BANK_REF, C_SL_TX_CODE,
	C_SL_ENTRY, C_SL_ENTRY_DATE, C_SL_NCOLS
};
static const char *const st_line_cols[C_SL_NCOLS] = {
	[C_SL_ID] = "id", [C_SL_DATE] = "date", [C_SL_SIDE] = "side",
	[C_SL_AMOUNT] = "amount_minor", [C_SL_PARTY] = "party", [C_SL_BANK_REF] = "bank_ref",
	[C_SL_TX_CODE] = "bank_tx_code", [C_SL_ENTRY] = "entry", [C_SL_ENTRY_DATE] = "entry_date"};

/* rec_st_postings: postings of the period not on the statements */
enum {
	C_SP_ENTRY, C_SP_LINE, C_SP_DATE, C_SP_SIDE, C_SP_AMOUNT, C_SP_MEMO, C_SP_REFERENCE,
	C_SP_BANK_LINE, C_SP_NCOLS
};
static const char *const st_posting_cols[C_SP_NCOLS] = {
	[C_SP_ENTRY] = "entry", [C_SP_LINE] = "line", [C_SP_DATE] = "date", [C_SP_SIDE] = "side",
	[C_SP_AMOUNT] = "amount", [C_SP_MEMO] = "memo", [C_SP_REFERENCE] = "reference",
	[C_SP_BANK_LINE] = "bank_line"};

/* rec_st_pairs: matched pairs of the period whose amounts differ */
enum {
	C_PAIR_LINE, C_PAIR_DATE, C_PAIR_ENTRY, C_PAIR_ENTRY_LINE, C_PAIR_BANK, C_PAIR_LEDGER,
	C_PAIR_NCOLS
};
static const char *const pair_cols[C_PAIR_NCOLS] = {
	[C_PAIR_LINE] = "bank_line", [C_PAIR_DATE] = "date", [C_PAIR_ENTRY] = "entry",
	[C_PAIR_ENTRY_LINE] = "line", [C_PAIR_BANK] = "bank_signed",
	[C_PAIR_LEDGER] = "ledger_signed"};

/* rec_accounts, rec_linked: statement accounts */
enum { C_STMT_ACCOUNT, C_STMT_ACCOUNT_NCOLS };
static const char *const stmt_account_cols[C_STMT_ACCOUNT_NCOLS] = {
	[C_STMT_ACCOUNT] = "statement_account"};

/* rec_link_get: the ledger account a statement account is linked to
 * (rec_link_insert's row is not read: only whether there is one) */
enum { C_LINKED_ACCOUNT, C_LINKED_NCOLS };
static const char *const linked_cols[C_LINKED_NCOLS] = {[C_LINKED_ACCOUNT] = "account"};

/* rec_links */
enum { C_LINK_IBAN, C_LINK_ACCOUNT, C_LINK_CURRENCY, C_LINK_CREATED_AT, C_LINK_NCOLS };
static const char *const links_cols[C_LINK_NCOLS] = {
	[C_LINK_IBAN] = "statement_account", [C_LINK_ACCOUNT] = "account",
	[C_LINK_CURRENCY] = "currency", [C_LINK_CREATED_AT] = "created_at"};

/* The day a bank line counts on (as bank_line_day() of migration 0042). */
#define LINE_DAY "COALESCE(l.booking_date, l.value_date, s.closing_date)"
/* The party of a line: who paid a credit, who was paid a debit. */
#define LINE_PARTY                                                                   \
	"CASE WHEN l.side = 'credit' THEN COALESCE(l.debtor_name, l.creditor_name, '')" \
	" ELSE COALESCE(l.creditor_name, l.debtor_name, '') END"
/* The statement (docs/fund.md): a line is on it when booked on a statement
 * of the account ($stmt) closing by the day ($day); a posting is in the
 * ledger's period when it is of the bank account ($bank) and dated from the
 * first statement's start ($start) to the day. */
#define ON_STATEMENT(stmt, day)                                                        \
	"(s.account = " stmt " AND s.closing_minor IS NOT NULL AND s.closing_date <= " day \
	"::date AND l.status = 'BOOK')"
#define IN_PERIOD(bank, start, day) \
	"(p.account = " bank " AND e.date BETWEEN " start "::date AND " day "::date)"

static const struct db_stmt stmts[] = {
	{"rec_lines",
	 "SELECT l.id, l.amount_minor, l.currency, l.side, " LINE_DAY "::text AS date,"
	 " l.instructed_minor, l.instructed_currency, " LINE_PARTY " AS party,"
	 " COALESCE(l.bank_ref, '') AS bank_ref, l.bank_tx_code, l.match_status,"
	 " m.entry_id::text AS entry, m.line AS entry_line, m.kind, m.how,"
	 " (SELECT r.id FROM receipts r WHERE r.bank_line = l.id OR r.entry_id = m.entry_id"
	 "  ORDER BY r.id LIMIT 1) AS receipt,"
	 " (SELECT r.pledge FROM receipts r WHERE r.bank_line = l.id OR r.entry_id = m.entry_id"
	 "  ORDER BY r.id LIMIT 1) AS receipt_pledge,"
	 " (SELECT max(o.period_end) FROM reconciliation_signoffs o"
	 "  WHERE o.statement_account = l.account AND o.reopened_at IS NULL"
	 "  AND o.period_end >= " LINE_DAY ")::text AS locked_to"
	 " FROM bank_lines l JOIN bank_statements s ON s.id = l.statement"
	 " LEFT JOIN bank_line_matches m ON m.bank_line = l.id"
	 " WHERE l.account = $1 ORDER BY l.id", 1},
	{"rec_status", "UPDATE bank_lines SET match_status = $2 WHERE id = $1"
	 " AND match_status <> $2", 2},
	{"rec_match",
	 "INSERT INTO bank_line_matches (bank_line, entry_id, line, kind, how, matched_by)"
	 " VALUES ($1, $2, $3, $4, 'auto', $5)", 5},
	/* $2: the day, NULL for the last */
	{"rec_closing",
	 "SELECT statement_id, closing_minor, closing_date::text AS closing_date"
	 " FROM bank_statements WHERE account = $1 AND closing_minor IS NOT NULL"
	 " AND closing_date IS NOT NULL AND ($2::date IS NULL OR closing_date <= $2::date)"
	 " ORDER BY closing_date DESC, id DESC LIMIT 1", 2},
	{"rec_st_chain",
	 "SELECT statement_id, opening_minor, opening_date::text AS opening_date,"
	 " closing_minor, closing_date::text AS closing_date,"
	 " COALESCE(opening_date, closing_date)::text AS start_date,"
	 " (COALESCE(opening_date, closing_date) - 1)::text AS day_before"
	 " FROM bank_statements WHERE account = $1 AND closing_minor IS NOT NULL"
	 " AND closing_date <= $2::date ORDER BY closing_date, id", 2},
	/* $1 statement account, $2 day, $3 start, $4 bank account */
	{"rec_st_lines",
	 "SELECT l.id, " LINE_DAY "::text AS date, l.side, l.amount_minor, " LINE_PARTY
	 " AS party, COALESCE(l.bank_ref, '') AS bank_ref, l.bank_tx_code,"
	 " m.entry_id::text AS entry, e.date::text AS entry_date"
	 " FROM bank_lines l JOIN bank_statements s ON s.id = l.statement"
	 " LEFT JOIN bank_line_matches m ON m.bank_line = l.id"
	 " LEFT JOIN postings p ON p.entry_id = m.entry_id AND p.line = m.line"
	 " LEFT JOIN entries e ON e.id = m.entry_id"
	 " WHERE " ON_STATEMENT("$1", "$2")
	 " AND NOT COALESCE(" IN_PERIOD("$4", "$3", "$2") ", false)"
	 " ORDER BY 2, l.id", 4},
	/* $1 bank account, $2 day, $3 start, $4 statement account */
	{"rec_st_postings",
	 "SELECT p.entry_id::text AS entry, p.line, e.date::text AS date, p.side, p.amount,"
	 " e.memo, e.reference, m.bank_line"
	 " FROM postings p JOIN entries e ON e.id = p.entry_id"
	 " LEFT JOIN bank_line_matches m ON m.entry_id = p.entry_id AND m.line = p.line"
	 " LEFT JOIN bank_lines l ON l.id = m.bank_line"
	 " LEFT JOIN bank_statements s ON s.id = l.statement"
	 " WHERE " IN_PERIOD("$1", "$3", "$2")
	 " AND NOT COALESCE(" ON_STATEMENT("$4", "$2") ", false)"
	 " ORDER BY e.date, e.sequence, p.line", 4},
	/* $1 statement account, $2 day, $3 start, $4 bank account */
	{"rec_st_pairs",
	 "SELECT l.id AS bank_line, " LINE_DAY "::text AS date, m.entry_id::text AS entry,"
	 " m.line, CASE WHEN l.side = 'credit' THEN l.amount_minor ELSE -l.amount_minor END"
	 " AS bank_signed, CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END"
	 " AS ledger_signed"
	 " FROM bank_line_matches m JOIN bank_lines l ON l.id = m.bank_line"
	 " JOIN bank_statements s ON s.id = l.statement"
	 " JOIN postings p ON p.entry_id = m.entry_id AND p.line = m.line"
	 " JOIN entries e ON e.id = m.entry_id"
	 " WHERE " ON_STATEMENT("$1", "$2") " AND " IN_PERIOD("$4", "$3", "$2")
	 " AND (CASE WHEN l.side = 'credit' THEN l.amount_minor ELSE -l.amount_minor END)"
	 "  <> (CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END)"
	 " ORDER BY 2, l.id", 4},
	{"rec_accounts",
	 "SELECT DISTINCT account AS statement_account FROM bank_statements WHERE currency = $1"
	 " AND account NOT IN (SELECT statement_account FROM bank_account_links"
	 "  WHERE account <> $2) ORDER BY 1", 2},
	{"rec_statement_known", "SELECT 1 FROM bank_statements WHERE account = $1 LIMIT 1", 1},
	{"rec_linked",
	 "SELECT statement_account FROM bank_account_links WHERE account = $1 ORDER BY 1", 1},
	{"rec_link_insert",
	 "INSERT INTO bank_account_links (statement_account, account) VALUES ($1, $2)"
	 " ON CONFLICT DO NOTHING RETURNING account", 2},
	{"rec_link_get",
	 "SELECT account FROM bank_account_links WHERE statement_account = $1", 1},
	{"rec_links",
	 "SELECT l.statement_account, l.account, a.currency,"
	 " to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	 " AS created_at"
	 " FROM bank_account_links l JOIN accounts a ON a.code = l.account"
	 " ORDER BY l.account, l.statement_account", 0},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("rec_lines", line_cols),
	DB_COLUMNS("rec_closing", closing_cols),
	DB_COLUMNS("rec_st_chain", chain_cols),
	DB_COLUMNS("rec_st_lines", st_line_cols),
	DB_COLUMNS("rec_st_postings", st_posting_cols),
	DB_COLUMNS("rec_st_pairs", pair_cols),
	DB_COLUMNS("rec_accounts", stmt_account_cols),
	DB_COLUMNS("rec_linked", stmt_account_cols),
	DB_COLUMNS("rec_link_get", linked_cols),
	DB_COLUMNS("rec_links", links_cols),
};

int bank_reconcile_setup(PGconn *c)
{
	int rc = bank_match_setup(c);

	return rc < 0 ? rc : db_setup(c, stmts, sizeof(stmts) / sizeof(stmts[0]), columns,
				       sizeof(columns) / sizeof(columns[0]));
}

static json_t *money_json(int64_t minor, const char *ccy)
{
	char s[MONEY_STR_MAX];

	return money_format(s, minor, ccy) == 0 ? json_string(s) : NULL;
}

static json_t *str_or_null(const PGresult *r, int i, int col)
{
	return PQgetisnull(r, i, col) ? json_null() : json_string(PQgetvalue(r, i, col));
}

static json_t *int_or_null(const PGresult *r, int i, int col)
{
	return PQgetisnull(r, i, col) ? json_null()
				      : json_integer(strtoll(PQgetvalue(r, i, col), NULL, 10));
}

/* --- reconcile -------------------------------------------------------------------- */

/*
 * Line i of rec_lines as the CLI, the API and the report show it: "pledge"
 * and "receipt" are each what they say (null when none), "entry",
 * "entry_line", "kind", "how" the posting a matched line is matched to.
 */
static json_t *line_json(const PGresult *r, int i, const char *status, const char *why)
{
	return json_pack(
		"{s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}",
		"bank_line", (json_int_t)strtoll(PQgetvalue(r, i, C_LINE_ID), NULL, 10), "status",
		status, "date", PQgetvalue(r, i, C_LINE_DATE), "side", PQgetvalue(r, i, C_LINE_SIDE),
		"amount",
		money_json(strtoll(PQgetvalue(r, i, C_LINE_AMOUNT), NULL, 10),
			   PQgetvalue(r, i, C_LINE_CURRENCY)),
		"currency", PQgetvalue(r, i, C_LINE_CURRENCY), "party", PQgetvalue(r, i, C_LINE_PARTY),
		"bank_ref", PQgetvalue(r, i, C_LINE_BANK_REF), "bank_tx_code",
		str_or_null(r, i, C_LINE_TX_CODE), "pledge", int_or_null(r, i, C_LINE_RECEIPT_PLEDGE),
		"receipt", int_or_null(r, i, C_LINE_RECEIPT), "entry", str_or_null(r, i, C_LINE_ENTRY),
		"entry_line", int_or_null(r, i, C_LINE_ENTRY_LINE), "kind",
		str_or_null(r, i, C_LINE_KIND), "how", str_or_null(r, i, C_LINE_HOW), "reason", why);
}

/*
 * The entry a person may record for a line the ledger lacks, from the
 * bank's transaction code (docs/fund.md): a charge debited (camt
 * .../CHRG, MT940 NCHG or NCOM) is Dr 5100-CCY / Cr the bank account;
 * interest credited (.../INTR, NINT) is Dr the bank account / Cr
 * 4300-CCY. NULL for any other line.
 */
static json_t *proposal(const PGresult *r, int i, const struct ledger_account *bank)
{
	const char *code = PQgetvalue(r, i, C_LINE_TX_CODE), *slash = strrchr(code, '/');
	bool credit = strcmp(PQgetvalue(r, i, C_LINE_SIDE), "credit") == 0;
	char other[LEDGER_CODE_BYTES];
	const char *kind = NULL;

	if (PQgetisnull(r, i, C_LINE_TX_CODE))
		return NULL;
	if (!credit && ((slash && strcmp(slash, "/CHRG") == 0) || strcmp(code, "swift:NCHG") == 0 ||
			strcmp(code, "swift:NCOM") == 0))
		kind = "charge";
	else if (credit && ((slash && strcmp(slash, "/INTR") == 0) ||
			    strcmp(code, "swift:NINT") == 0))
		kind = "interest";
	if (!kind)
		return NULL;
	snprintf(other, sizeof(other), "%s-%s", credit ? "4300" : "5100", bank->currency);
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "kind", kind, "debit",
			 credit ? bank->code : other, "credit", credit ? other : bank->code,
			 "amount",
			 money_json(strtoll(PQgetvalue(r, i, C_LINE_AMOUNT), NULL, 10),
				    bank->currency),
			 "date", PQgetvalue(r, i, C_LINE_DATE), "memo",
			 credit ? "Interest credited by the bank" : "Bank charges");
}

struct run {
	PGconn *c;
	struct ledger_account bank;
	int64_t tol;
	const struct ledger_actor *who;
	bool posting;
	json_t *suggested, *unmatched, *to_post, *to_match;
};

/* Posts the receipt of line i for the pledge of candidate k; 0, or the
 * refusal in err_last(). */
static int post_receipt(struct run *R, const PGresult *r, int i, json_t *k)
{
	const char *ccy = PQgetvalue(r, i, C_LINE_CURRENCY);
	const char *pccy = json_string_value(json_object_get(k, "currency"));
	json_t *body, *out = NULL;
	int rc;

	body = json_pack("{s:O, s:s, s:s, s:o, s:I}", "pledge", json_object_get(k, "pledge"),
			 "date", PQgetvalue(r, i, C_LINE_DATE), "bank_account", R->bank.code,
			 "amount", money_json(strtoll(PQgetvalue(r, i, C_LINE_AMOUNT), NULL, 10), ccy),
			 "bank_line", (json_int_t)strtoll(PQgetvalue(r, i, C_LINE_ID), NULL, 10));
	if (!body)
		return err_oom();
	if (!PQgetisnull(r, i, C_LINE_INSTRUCTED) && pccy &&
	    strcmp(PQgetvalue(r, i, C_LINE_INSTRUCTED_CURRENCY), pccy) == 0)
		json_object_set_new(body, "instructed_amount",
				    money_json(strtoll(PQgetvalue(r, i, C_LINE_INSTRUCTED), NULL,
						       10),
					       pccy));
	rc = fund_receipt_add_matched(&out, R->c, body, R->who, "auto");
	json_decref(out);
	json_decref(body);
	return rc;
}

struct match_tx {
	const char *line, *entry, *entry_line, *kind, *who;
};

static int match_tx_run(PGconn *c, void *ctx)
{
	const struct match_tx *t = ctx;
	int rc = db_exec(NULL, c, "rec_match", 5,
			 (const char *const[]){t->line, t->entry, t->entry_line, t->kind, t->who});

	return rc < 0 ? rc
		      : db_exec(NULL, c, "rec_status", 2, (const char *const[]){t->line, "matched"});
}

/* Matches line i to the posting of candidate k: nothing is posted. */
static int match_posting(struct run *R, const PGresult *r, int i, json_t *k)
{
	char entry_line[16];
	struct match_tx t = {PQgetvalue(r, i, C_LINE_ID),
			     json_string_value(json_object_get(k, "entry")), entry_line,
			     json_string_value(json_object_get(k, "match_kind")),
			     ledger_actor_user(R->who)};

	snprintf(entry_line, sizeof(entry_line), "%lld",
		 (long long)json_integer_value(json_object_get(k, "line")));
	return db_tx(R->c, DB_READ_COMMITTED, match_tx_run, &t);
}

/* The first n candidates, and the best pledge among them. */
static void show_candidates(json_t *o, json_t *cands)
{
	json_t *shown = json_array();

	for (size_t k = 0; shown && k < json_array_size(cands) && k < SUGGESTED_SHOWN; k++)
		json_array_append(shown, json_array_get(cands, k));
	json_object_set_new(o, "candidates", shown ? shown : json_null());
	for (size_t k = 0; k < json_array_size(cands); k++) {
		json_t *p = json_object_get(json_array_get(cands, k), "pledge");

		if (json_is_integer(p)) {
			json_object_set(o, "pledge", p);
			break;
		}
	}
}

/*
 * Judges unmatched line i: matches or posts it when one candidate is sure
 * (posting), or says it would (to_match, to_post); else suggests it with
 * its candidates, or leaves it unmatched (with a proposal where there is
 * one); stores the status when posting. ERR_* only for what is not the
 * line's fault.
 */
static int judge(struct run *R, const PGresult *r, int i)
{
	const char *id = PQgetvalue(r, i, C_LINE_ID), *status = "unmatched";
	json_t *cands = NULL, *k = NULL, *o = NULL, *prop = NULL;
	char reason[512];
	int rc = 0, sure = -1;

	snprintf(reason, sizeof(reason), "no candidate in the ledger or among open pledges");
	if (strcmp(PQgetvalue(r, i, C_LINE_CURRENCY), R->bank.currency) != 0) {
		snprintf(reason, sizeof(reason), "not in %s", R->bank.currency);
	} else {
		rc = bank_match_candidates(&cands, &sure, R->c, strtoll(id, NULL, 10), R->bank.code,
					   R->tol);
		if (rc < 0)
			goto cleanup;
	}
	k = sure >= 0 ? json_array_get(cands, (size_t)sure) : NULL;
	if (k && !R->posting) {
		bool pledge = json_is_integer(json_object_get(k, "pledge"));

		o = line_json(r, i, pledge ? "to_post" : "to_match",
			      json_string_value(json_object_get(k, "why")));
		json_object_set(o, pledge ? "pledge" : "entry",
				json_object_get(k, pledge ? "pledge" : "entry"));
		json_object_set(o, "candidates", cands);
		rc = json_array_append_new(pledge ? R->to_post : R->to_match, o) < 0 ? err_oom() : 0;
		goto cleanup;
	}
	if (k) {
		bool pledge = json_is_integer(json_object_get(k, "pledge"));

		rc = pledge ? post_receipt(R, r, i, k) : match_posting(R, r, i, k);
		if (rc == 0)
			goto cleanup; /* listed with the matched lines */
		if (rc != ERR_INVALID && rc != ERR_CONFLICT)
			goto cleanup;
		snprintf(reason, sizeof(reason), "%s %s, not %s: %s", pledge ? "agreement" : "entry",
			 json_string_value(json_object_get(k, pledge ? "agreement" : "entry")),
			 pledge ? "posted" : "matched", err_last());
		err_clear();
		rc = 0;
		status = "suggested";
	} else if (json_array_size(cands) > 0) {
		status = "suggested";
		snprintf(reason, sizeof(reason), "%zu candidate(s), none sure; best: %s",
			 json_array_size(cands),
			 json_string_value(json_object_get(json_array_get(cands, 0), "why")));
	} else if ((prop = proposal(r, i, &R->bank))) {
		snprintf(reason, sizeof(reason), "%s not in the ledger: record the proposed entry",
			 json_string_value(json_object_get(prop, "kind")));
	}
	if (R->posting &&
	    (rc = db_exec(NULL, R->c, "rec_status", 2, (const char *const[]){id, status})) < 0)
		goto cleanup;
	o = line_json(r, i, status, reason);
	if (json_array_size(cands) > 0)
		show_candidates(o, cands);
	if (prop)
		json_object_set(o, "proposal", prop);
	rc = json_array_append_new(strcmp(status, "suggested") == 0 ? R->suggested : R->unmatched,
				   o) < 0
		     ? err_oom()
		     : 0;
cleanup:
	json_decref(cands);
	json_decref(prop);
	return rc;
}

/* Whether line i is matched: to a posting, or (before 0042) by a receipt. */
static bool is_matched(const PGresult *r, int i)
{
	return !PQgetisnull(r, i, C_LINE_ENTRY) || !PQgetisnull(r, i, C_LINE_RECEIPT);
}

/* posting: match, post and store each line's status; else only say what a
 * run would do (to_post: receipts it would post; to_match: postings). */
static int run(json_t **out, PGconn *c, const char *bank_account,
	       const char *statement_account, const char *tolerance,
	       const struct ledger_actor *who, bool posting)
{
	struct run R = {.c = c, .who = who, .posting = posting};
	json_t *matched = json_array();
	PGresult *lines = NULL, *cl = NULL;
	int64_t ledger = 0, closing = 0;
	int rc;

	*out = NULL;
	R.suggested = json_array();
	R.unmatched = json_array();
	R.to_post = json_array();
	R.to_match = json_array();
	if (!matched || !R.suggested || !R.unmatched || !R.to_post || !R.to_match) {
		rc = err_oom();
		goto cleanup;
	}
	rc = ledger_account_get(&R.bank, c, bank_account);
	if (rc == ERR_NOTFOUND) {
		rc = err_code_set(ERR_INVALID, EC_UNKNOWN_ACCOUNT, "bank_account: no account '%s'",
				  bank_account);
	} else if (rc == 0 && strncmp(R.bank.code, "10", 2) != 0) {
		rc = err_set(ERR_INVALID, "bank_account: not a bank account (10xx-CCY): %s",
			     bank_account);
	} else if (rc == 0 && tolerance) {
		rc = fund_body_amount_text(&R.tol, tolerance, "tolerance", R.bank.currency,
					   FUND_BODY_NON_NEGATIVE);
	}
	if (rc < 0)
		goto cleanup;
	/* a statement account named but never imported is 404 before anything
	 * is written ("": none linked nor found, the run finds no lines) */
	if (statement_account[0] &&
	    (rc = db_exec(&lines, c, "rec_statement_known", 1,
			  (const char *const[]){statement_account})) < 0)
		goto cleanup;
	if (statement_account[0] && PQntuples(lines) == 0) {
		rc = err_set(ERR_NOTFOUND, "statement_account: no statement of account '%s' was"
					   " imported", statement_account);
		goto cleanup;
	}
	PQclear(lines);
	lines = NULL;
	if ((rc = db_exec(&lines, c, "rec_lines", 1, (const char *const[]){statement_account})) < 0)
		goto cleanup;
	for (int i = 0; i < PQntuples(lines); i++) {
		const char *locked = PQgetvalue(lines, i, C_LINE_LOCKED_TO);
		char reason[128];

		if (is_matched(lines, i))
			continue;
		if (!PQgetisnull(lines, i, C_LINE_LOCKED_TO)) {
			const char *st = PQgetvalue(lines, i, C_LINE_STATUS);

			snprintf(reason, sizeof(reason),
				 "signed off up to %s: left as it is", locked);
			if (json_array_append_new(strcmp(st, "suggested") == 0 ? R.suggested
										: R.unmatched,
						  line_json(lines, i, st, reason)) < 0) {
				rc = err_oom();
				goto cleanup;
			}
			continue;
		}
		if ((rc = judge(&R, lines, i)) < 0)
			goto cleanup;
	}
	/* the matched lines as they now are, this run's included */
	if (posting) {
		PQclear(lines);
		lines = NULL;
		if ((rc = db_exec(&lines, c, "rec_lines", 1,
				  (const char *const[]){statement_account})) < 0)
			goto cleanup;
	}
	for (int i = 0; i < PQntuples(lines); i++) {
		const char *kind = PQgetvalue(lines, i, C_LINE_KIND), *how = PQgetvalue(lines, i, C_LINE_HOW);
		char reason[128];

		if (!is_matched(lines, i))
			continue;
		if (PQgetisnull(lines, i, C_LINE_ENTRY) || strcmp(kind, "receipt") == 0)
			snprintf(reason, sizeof(reason), "receipt recorded");
		else
			snprintf(reason, sizeof(reason), "%s in the ledger, matched (%s)", kind, how);
		if (json_array_append_new(matched, line_json(lines, i, "matched", reason)) < 0) {
			rc = err_oom();
			goto cleanup;
		}
	}
	rc = db_exec(&cl, c, "rec_closing", 2, (const char *const[]){statement_account, NULL});
	if (rc < 0)
		goto cleanup;
	if (PQntuples(cl) > 0) {
		closing = strtoll(PQgetvalue(cl, 0, C_CLOSING_MINOR), NULL, 10);
		rc = ledger_balance(&ledger, c, &R.bank, PQgetvalue(cl, 0, C_CLOSING_DATE));
	} else {
		rc = ledger_balance(&ledger, c, &R.bank, NULL);
	}
	if (rc < 0)
		goto cleanup;
	*out = json_pack("{s:s, s:s, s:s, s:O, s:O, s:O, s:o, s:o, s:o, s:o}", "bank_account",
			 R.bank.code, "statement_account", statement_account, "currency",
			 R.bank.currency, "matched", matched, "suggested", R.suggested,
			 "unmatched", R.unmatched, "bank_closing",
			 PQntuples(cl) > 0 ? money_json(closing, R.bank.currency) : json_null(),
			 "closing_date",
			 PQntuples(cl) > 0 ? json_string(PQgetvalue(cl, 0, C_CLOSING_DATE))
					   : json_null(),
			 "ledger_balance", money_json(ledger, R.bank.currency), "difference",
			 money_json(closing - ledger, R.bank.currency));
	if (*out && !posting) {
		json_object_set(*out, "to_post", R.to_post);
		json_object_set(*out, "to_match", R.to_match);
	}
	rc = *out ? 0 : err_oom();
cleanup:
	PQclear(lines);
	PQclear(cl);
	json_decref(matched);
	json_decref(R.suggested);
	json_decref(R.unmatched);
	json_decref(R.to_post);
	json_decref(R.to_match);
	return rc;
}

int bank_reconcile(json_t **out, PGconn *c, const char *bank_account,
		   const char *statement_account, const char *tolerance,
		   const struct ledger_actor *who)
{
	return run(out, c, bank_account, statement_account, tolerance, who, true);
}

int bank_reconcile_preview(json_t **out, PGconn *c, const char *bank_account,
			   const char *statement_account, const char *tolerance)
{
	return run(out, c, bank_account, statement_account, tolerance, NULL, false);
}

/* --- the reconciliation statement --------------------------------------------------- */

/* A group of items and what they add to the explained difference. */
struct group {
	json_t *items;
	int64_t total; /* of the items' amounts, each positive */
	int64_t effect; /* signed: what the group adds to "explained" */
};

static int add(int64_t *acc, int64_t v)
{
	return money_add(acc, *acc, v) < 0
		       ? err_set(ERR_LIMIT, "reconciliation statement: a sum leaves 64 bits")
		       : 0;
}

static json_t *group_json(const struct group *g, const char *ccy)
{
	return json_pack("{s:o, s:o, s:O}", "total", money_json(g->total, ccy), "effect",
			 money_json(g->effect, ccy), "items", g->items);
}

struct statement_tx {
	const char *bank_account, *stmt, *as_of;
	json_t *out;
};

static json_t *line_item(const PGresult *r, int i, const char *ccy)
{
	return json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:o}", "bank_line",
			 (json_int_t)strtoll(PQgetvalue(r, i, C_SL_ID), NULL, 10), "date",
			 PQgetvalue(r, i, C_SL_DATE), "side", PQgetvalue(r, i, C_SL_SIDE), "amount",
			 money_json(strtoll(PQgetvalue(r, i, C_SL_AMOUNT), NULL, 10), ccy), "party",
			 PQgetvalue(r, i, C_SL_PARTY), "bank_ref", PQgetvalue(r, i, C_SL_BANK_REF),
			 "bank_tx_code", str_or_null(r, i, C_SL_TX_CODE), "entry",
			 str_or_null(r, i, C_SL_ENTRY), "entry_date",
			 str_or_null(r, i, C_SL_ENTRY_DATE));
}

static json_t *posting_item(const PGresult *r, int i, const char *ccy)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:o, s:s, s:s, s:o}", "entry",
			 PQgetvalue(r, i, C_SP_ENTRY), "line", atoi(PQgetvalue(r, i, C_SP_LINE)),
			 "date", PQgetvalue(r, i, C_SP_DATE), "side", PQgetvalue(r, i, C_SP_SIDE),
			 "amount", money_json(strtoll(PQgetvalue(r, i, C_SP_AMOUNT), NULL, 10), ccy),
			 "memo", PQgetvalue(r, i, C_SP_MEMO), "reference",
			 PQgetvalue(r, i, C_SP_REFERENCE), "bank_line",
			 int_or_null(r, i, C_SP_BANK_LINE));
}

/* Appends item (a new reference) of amount to g, which adds sign * amount. */
static int group_add(struct group *g, json_t *item, int64_t amount, int sign)
{
	int rc;

	if (!item || json_array_append_new(g->items, item) < 0)
		return err_oom();
	if ((rc = add(&g->total, amount)) < 0)
		return rc;
	return add(&g->effect, sign * amount);
}

enum { G_BF, G_IN_TRANSIT, G_OUTSTANDING, G_BANK_CREDITS, G_BANK_DEBITS, G_GAPS, G_PAIRS, G_N };

static int statement_tx_run(PGconn *c, void *ctx)
{
	struct statement_tx *t = ctx;
	PGresult *cl = NULL, *chain = NULL, *lines = NULL, *posts = NULL, *pairs = NULL;
	struct group g[G_N] = {{0}};
	struct ledger_account bank;
	const char *day, *start, *ccy;
	int64_t bank_closing, ledger = 0, ledger_before = 0, opening = 0, difference, explained = 0;
	bool has_opening;
	int rc;

	json_decref(t->out);
	t->out = NULL;
	for (int k = 0; k < G_N; k++)
		if (!(g[k].items = json_array())) {
			rc = err_oom();
			goto cleanup;
		}
	rc = ledger_account_get(&bank, c, t->bank_account);
	if (rc == ERR_NOTFOUND || (rc == 0 && strncmp(bank.code, "10", 2) != 0))
		rc = err_code_set(ERR_INVALID, EC_UNKNOWN_ACCOUNT,
				  "bank_account: no bank account (10xx-CCY) '%s'", t->bank_account);
	if (rc < 0)
		goto cleanup;
	ccy = bank.currency;
	if ((rc = db_exec(&cl, c, "rec_closing", 2, (const char *const[]){t->stmt, t->as_of})) < 0)
		goto cleanup;
	if (PQntuples(cl) == 0) {
		rc = err_set(ERR_NOTFOUND,
			     "statement_account: no statement of %s with a closing balance%s%s",
			     t->stmt, t->as_of ? " on or before " : "", t->as_of ? t->as_of : "");
		goto cleanup;
	}
	bank_closing = strtoll(PQgetvalue(cl, 0, C_CLOSING_MINOR), NULL, 10);
	day = PQgetvalue(cl, 0, C_CLOSING_DATE);
	if ((rc = db_exec(&chain, c, "rec_st_chain", 2, (const char *const[]){t->stmt, day})) < 0)
		goto cleanup;
	ASSERT(PQntuples(chain) > 0);
	start = PQgetvalue(chain, 0, C_CHAIN_START);
	has_opening = !PQgetisnull(chain, 0, C_CHAIN_OPENING);
	if (has_opening)
		opening = strtoll(PQgetvalue(chain, 0, C_CHAIN_OPENING), NULL, 10);
	if ((rc = ledger_balance(&ledger, c, &bank, day)) < 0 ||
	    (rc = ledger_balance(&ledger_before, c, &bank,
				 PQgetvalue(chain, 0, C_CHAIN_DAY_BEFORE))) < 0)
		goto cleanup;
	/* consecutive statements: an opening that is not the closing before */
	for (int i = 1; i < PQntuples(chain); i++) {
		int64_t open_i, prev, gap;

		if (PQgetisnull(chain, i, C_CHAIN_OPENING))
			continue;
		open_i = strtoll(PQgetvalue(chain, i, C_CHAIN_OPENING), NULL, 10);
		prev = strtoll(PQgetvalue(chain, i - 1, C_CHAIN_CLOSING), NULL, 10);
		if ((rc = money_sub(&gap, open_i, prev)) < 0)
			goto cleanup;
		if (gap == 0)
			continue;
		rc = group_add(&g[G_GAPS],
			       json_pack("{s:s, s:s, s:o, s:s, s:o, s:o}", "statement",
					 PQgetvalue(chain, i, C_CHAIN_STATEMENT), "previous_statement",
					 PQgetvalue(chain, i - 1, C_CHAIN_STATEMENT), "date",
					 str_or_null(chain, i, C_CHAIN_OPENING_DATE),
					 "previous_closing_date",
					 PQgetvalue(chain, i - 1, C_CHAIN_CLOSING_DATE), "opening",
					 money_json(open_i, ccy), "previous_closing",
					 money_json(prev, ccy)),
			       gap < 0 ? -gap : gap, gap < 0 ? -1 : 1);
		if (rc < 0)
			goto cleanup;
	}
	if ((rc = db_exec(&lines, c, "rec_st_lines", 4,
			  (const char *const[]){t->stmt, day, start, bank.code})) < 0)
		goto cleanup;
	for (int i = 0; i < PQntuples(lines); i++) {
		bool credit = strcmp(PQgetvalue(lines, i, C_SL_SIDE), "credit") == 0;

		rc = group_add(&g[credit ? G_BANK_CREDITS : G_BANK_DEBITS],
			       line_item(lines, i, ccy),
			       strtoll(PQgetvalue(lines, i, C_SL_AMOUNT), NULL, 10), credit ? 1 : -1);
		if (rc < 0)
			goto cleanup;
	}
	if ((rc = db_exec(&posts, c, "rec_st_postings", 4,
			  (const char *const[]){bank.code, day, start, t->stmt})) < 0)
		goto cleanup;
	for (int i = 0; i < PQntuples(posts); i++) {
		bool debit = strcmp(PQgetvalue(posts, i, C_SP_SIDE), "debit") == 0;

		rc = group_add(&g[debit ? G_IN_TRANSIT : G_OUTSTANDING], posting_item(posts, i, ccy),
			       strtoll(PQgetvalue(posts, i, C_SP_AMOUNT), NULL, 10), debit ? -1 : 1);
		if (rc < 0)
			goto cleanup;
	}
	if ((rc = db_exec(&pairs, c, "rec_st_pairs", 4,
			  (const char *const[]){t->stmt, day, start, bank.code})) < 0)
		goto cleanup;
	for (int i = 0; i < PQntuples(pairs); i++) {
		int64_t b = strtoll(PQgetvalue(pairs, i, C_PAIR_BANK), NULL, 10),
			l = strtoll(PQgetvalue(pairs, i, C_PAIR_LEDGER), NULL, 10), d;

		if ((rc = money_sub(&d, b, l)) < 0)
			goto cleanup;
		rc = group_add(&g[G_PAIRS],
			       json_pack("{s:I, s:s, s:s, s:i, s:o, s:o, s:o}", "bank_line",
					 (json_int_t)strtoll(PQgetvalue(pairs, i, C_PAIR_LINE), NULL,
							     10),
					 "date", PQgetvalue(pairs, i, C_PAIR_DATE), "entry",
					 PQgetvalue(pairs, i, C_PAIR_ENTRY), "line",
					 atoi(PQgetvalue(pairs, i, C_PAIR_ENTRY_LINE)), "bank",
					 money_json(b, ccy), "ledger", money_json(l, ccy),
					 "difference", money_json(d, ccy)),
			       d < 0 ? -d : d, d < 0 ? -1 : 1);
		if (rc < 0)
			goto cleanup;
	}
	/* brought forward: the bank's opening of the first statement against
	 * the ledger's balance the day before it starts */
	if ((rc = money_sub(&g[G_BF].effect, opening, ledger_before)) < 0 ||
	    (rc = money_sub(&difference, bank_closing, ledger)) < 0)
		goto cleanup;
	for (int k = 0; k < G_N; k++)
		if ((rc = add(&explained, g[k].effect)) < 0)
			goto cleanup;
	{
		int64_t unexplained;

		if ((rc = money_sub(&unexplained, difference, explained)) < 0)
			goto cleanup;
		t->out = json_pack(
			"{s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o,"
			" s:{s:s, s:s, s:o, s:o, s:o},"
			" s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			"bank_account", bank.code, "statement_account", t->stmt, "currency", ccy,
			"as_of", t->as_of ? json_string(t->as_of) : json_null(), "closing_date", day,
			"statement", PQgetvalue(cl, 0, C_CLOSING_STATEMENT), "bank_closing",
			money_json(bank_closing, ccy), "ledger_balance", money_json(ledger, ccy),
			"brought_forward", "statement", PQgetvalue(chain, 0, C_CHAIN_STATEMENT),
			"date", start, "bank_opening",
			has_opening ? money_json(opening, ccy) : json_null(), "ledger_opening",
			money_json(ledger_before, ccy), "effect",
			money_json(g[G_BF].effect, ccy), "receipts_in_transit",
			group_json(&g[G_IN_TRANSIT], ccy), "outstanding_payments",
			group_json(&g[G_OUTSTANDING], ccy), "bank_credits_not_in_ledger",
			group_json(&g[G_BANK_CREDITS], ccy), "bank_debits_not_in_ledger",
			group_json(&g[G_BANK_DEBITS], ccy), "statement_gaps",
			group_json(&g[G_GAPS], ccy), "amount_differences",
			group_json(&g[G_PAIRS], ccy), "difference", money_json(difference, ccy),
			"explained", money_json(explained, ccy), "unexplained",
			money_json(unexplained, ccy));
	}
	rc = t->out ? 0 : err_oom();
cleanup:
	for (int k = 0; k < G_N; k++)
		json_decref(g[k].items);
	PQclear(cl);
	PQclear(chain);
	PQclear(lines);
	PQclear(posts);
	PQclear(pairs);
	return rc;
}

int bank_reconcile_statement(json_t **out, PGconn *c, const char *bank_account,
			     const char *statement_account, const char *as_of)
{
	struct statement_tx t = {bank_account, statement_account, as_of, NULL};
	int rc;

	*out = NULL;
	if (as_of && !date_valid(as_of))
		return err_set(ERR_INVALID, "as_of: not a date (YYYY-MM-DD): %.40s", as_of);
	rc = db_tx(c, DB_REPEATABLE_READ, statement_tx_run, &t);
	if (rc < 0) {
		json_decref(t.out);
		return rc;
	}
	*out = t.out;
	return 0;
}

int bank_reconcile_statement_account(char out[LIMIT_CAMT_FIELD_BYTES], PGconn *c,
				     const char *bank_account)
{
	struct ledger_account bank;
	PGresult *r = NULL;
	int rc, n;

	out[0] = '\0';
	rc = ledger_account_get(&bank, c, bank_account);
	if (rc == ERR_NOTFOUND) {
		return err_code_set(ERR_INVALID, EC_UNKNOWN_ACCOUNT,
				    "bank_account: no account '%s'", bank_account);
	}
	/* a link says it; else the only statement account in the currency */
	if (rc == 0)
		rc = db_exec(&r, c, "rec_linked", 1, (const char *const[]){bank.code});
	if (rc < 0)
		return rc;
	n = PQntuples(r);
	if (n > 1) {
		rc = err_set(ERR_INVALID,
			     "statement_account: required: %d statement accounts are"
			     " linked to %s, e.g. %s",
			     n, bank.code, PQgetvalue(r, 0, C_STMT_ACCOUNT));
		PQclear(r);
		return rc;
	}
	if (n == 0) {
		PQclear(r);
		r = NULL;
		rc = db_exec(&r, c, "rec_accounts", 2,
			     (const char *const[]){bank.currency, bank.code});
		if (rc < 0)
			return rc;
		n = PQntuples(r);
	}
	if (n == 1) {
		snprintf(out, LIMIT_CAMT_FIELD_BYTES, "%s", PQgetvalue(r, 0, C_STMT_ACCOUNT));
	} else {
		rc = err_set(ERR_INVALID, "statement_account: %s%s%s%s",
			     n == 0 ? "no bank statement in "
				    : "required: statements of several accounts in ",
			     bank.currency, n == 0 ? " is stored" : " are stored, e.g. ",
			     n == 0 ? "" : PQgetvalue(r, 0, C_STMT_ACCOUNT));
	}
	PQclear(r);
	return rc;
}

/* --- links of statement accounts to the ledger's bank accounts ------------------ */

struct link_tx {
	char stmt[LIMIT_CAMT_FIELD_BYTES];
	const char *account;
	const struct ledger_actor *who;
	bool created;
};

static int link_tx_run(PGconn *c, void *ctx)
{
	struct link_tx *t = ctx;
	PGresult *r = NULL;
	char object[LIMIT_CAMT_FIELD_BYTES + LEDGER_CODE_BYTES + 2];
	int rc = db_exec(&r, c, "rec_link_insert", 2, (const char *const[]){t->stmt, t->account});

	t->created = rc == 0 && PQntuples(r) == 1;
	PQclear(r);
	r = NULL;
	if (rc == 0 && !t->created) {
		rc = db_exec(&r, c, "rec_link_get", 1, (const char *const[]){t->stmt});
		if (rc == 0 && PQntuples(r) == 1 &&
		    strcmp(PQgetvalue(r, 0, C_LINKED_ACCOUNT), t->account) != 0)
			rc = err_set(ERR_CONFLICT, "iban: %s is linked to %s already", t->stmt,
				     PQgetvalue(r, 0, C_LINKED_ACCOUNT));
		PQclear(r);
		return rc;
	}
	snprintf(object, sizeof(object), "%s %s", t->stmt, t->account);
	if (rc == 0)
		rc = ledger_audit(c, t->who, "bank_account.link", object);
	return rc;
}

int bank_reconcile_link(json_t **out, bool *created, PGconn *c, json_t *body,
			const struct ledger_actor *who)
{
	static const char *const allowed[] = {"iban", "account", NULL};
	struct link_tx t = {.who = who};
	struct ledger_account bank;
	const char *iban;
	size_t n = 0;
	int rc;

	*out = NULL;
	*created = false;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_str(&iban, body, "iban", true)) < 0 ||
	    (rc = fund_body_str(&t.account, body, "account", true)) < 0)
		return rc;
	/* as the camt reader keeps an IBAN: no spaces, upper case */
	for (const char *p = iban; *p && n + 1 < sizeof(t.stmt); p++)
		if (*p != ' ')
			t.stmt[n++] = *p;
	t.stmt[n] = '\0';
	if (n >= 4 && isalpha((unsigned char)t.stmt[0]) && isalpha((unsigned char)t.stmt[1]) &&
	    isdigit((unsigned char)t.stmt[2]) && isdigit((unsigned char)t.stmt[3]))
		for (size_t i = 0; i < n; i++)
			t.stmt[i] = (char)toupper((unsigned char)t.stmt[i]);
	if (n == 0 || strlen(iban) >= sizeof(t.stmt) || !isalnum((unsigned char)t.stmt[0]))
		return fund_body_bad("iban",
				     "an IBAN or account id: 1-255 characters, starting with a"
				     " letter or digit", NULL);
	rc = ledger_account_get(&bank, c, t.account);
	if (rc == ERR_NOTFOUND)
		return err_code_set(ERR_INVALID, EC_UNKNOWN_ACCOUNT, "account: no account '%s'",
				    t.account);
	if (rc < 0)
		return rc;
	if (strncmp(bank.code, "10", 2) != 0 || strcmp(bank.type, "asset") != 0)
		return fund_body_bad("account", "not a bank account (10xx-CCY): ",
				     t.account);
	rc = db_tx(c, DB_READ_COMMITTED, link_tx_run, &t);
	if (rc < 0)
		return rc;
	*out = json_pack("{s:s, s:s, s:s}", "iban", t.stmt, "account", bank.code, "currency",
			 bank.currency);
	*created = t.created;
	return *out ? 0 : err_set(ERR_INTERNAL, "out of memory");
}

int bank_reconcile_links_list(json_t **out, PGconn *c)
{
	PGresult *r = NULL;
	json_t *arr = NULL;
	int rc;

	*out = NULL;
	rc = db_exec(&r, c, "rec_links", 0, NULL);
	if (rc < 0)
		return rc;
	arr = json_array();
	for (int i = 0; arr && i < PQntuples(r); i++)
		if (json_array_append_new(arr,
					  json_pack("{s:s, s:s, s:s, s:s}", "iban",
						    PQgetvalue(r, i, C_LINK_IBAN), "account",
						    PQgetvalue(r, i, C_LINK_ACCOUNT), "currency",
						    PQgetvalue(r, i, C_LINK_CURRENCY), "created_at",
						    PQgetvalue(r, i, C_LINK_CREATED_AT))) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	PQclear(r);
	if (!arr)
		return err_set(ERR_INTERNAL, "out of memory");
	*out = arr;
	return 0;
}
