/*
 * queue.c - the reconciliation work queue (queue.h; docs/fund.md,
 * "Reconciliation work queue"): the lines no posting explains yet with
 * their candidates, and the writes a person makes on them: confirm,
 * reject, unmatch, record, sign off, reopen.
 *
 * The invariants it keeps: a bank line is matched to one posting of the
 * ledger's bank account at most and a posting to one line (the primary
 * key and UNIQUE of bank_line_matches); a line's match_status says
 * 'matched' exactly when it has a match or a receipt; a line dated up to
 * an open sign-off of its statement account does not change (checked here
 * under the line's row lock, and by migration 0042's trigger). Each write
 * locks its bank line (FOR UPDATE) before it reads the line's state, and a
 * sign-off locks every line it covers, so a sign-off and a confirm of the
 * same line take turns and the second sees what the first did.
 *
 * What it must not do: score candidates (bank/match.c is the one place),
 * post a receipt other than through fund_receipt_add_matched, or post an
 * entry other than through fund/body.h's entry kit.
 */
#include "bank/queue.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank/match.h"
#include "bank/reconcile.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "fund/body.h"
#include "fund/fund.h"

/*
 * The columns of each statement whose rows are read, in the order of its
 * SELECT list, and the names the server gives them (common/db.h).
 */

/* q_line: a bank line, its day, whether a sign-off locks it, the ledger
 * account its statement account is linked to, its receipt and match */
enum {
	C_LN_ID, C_LN_STMT, C_LN_AMOUNT, C_LN_CURRENCY, C_LN_SIDE, C_LN_REVERSAL, C_LN_DATE,
	C_LN_STATUS, C_LN_INSTRUCTED, C_LN_INSTRUCTED_CCY, C_LN_BANK_REF, C_LN_LOCKED_TO,
	C_LN_LINKED, C_LN_RECEIPT, C_LN_ENTRY, C_LN_LINE, C_LN_KIND, C_LN_HOW, C_LN_NCOLS
};
static const char *const line_cols[C_LN_NCOLS] = {
	[C_LN_ID] = "id", [C_LN_STMT] = "statement_account", [C_LN_AMOUNT] = "amount_minor",
	[C_LN_CURRENCY] = "currency", [C_LN_SIDE] = "side", [C_LN_REVERSAL] = "reversal",
	[C_LN_DATE] = "date", [C_LN_STATUS] = "match_status",
	[C_LN_INSTRUCTED] = "instructed_minor", [C_LN_INSTRUCTED_CCY] = "instructed_currency",
	[C_LN_BANK_REF] = "bank_ref", [C_LN_LOCKED_TO] = "locked_to", [C_LN_LINKED] = "linked",
	[C_LN_RECEIPT] = "receipt", [C_LN_ENTRY] = "entry_id", [C_LN_LINE] = "line",
	[C_LN_KIND] = "kind", [C_LN_HOW] = "how"};

/* q_posting_matched */
enum { C_PM_LINE, C_PM_NCOLS };
static const char *const posting_matched_cols[C_PM_NCOLS] = {[C_PM_LINE] = "bank_line"};

/* q_receipt_posting: the receipt of a line and its posting on the bank */
enum { C_RP_ID, C_RP_ENTRY, C_RP_LINE, C_RP_NCOLS };
static const char *const receipt_posting_cols[C_RP_NCOLS] = {
	[C_RP_ID] = "id", [C_RP_ENTRY] = "entry_id", [C_RP_LINE] = "line"};

/* q_bank_posting */
enum { C_BP_LINE, C_BP_NCOLS };
static const char *const bank_posting_cols[C_BP_NCOLS] = {[C_BP_LINE] = "line"};

/* q_pledge_currency */
enum { C_PC_CURRENCY, C_PC_NCOLS };
static const char *const pledge_currency_cols[C_PC_NCOLS] = {[C_PC_CURRENCY] = "currency"};

/* q_queue: a line of the queue */
enum {
	C_Q_ID, C_Q_DATE, C_Q_SIDE, C_Q_REVERSAL, C_Q_AMOUNT, C_Q_CURRENCY, C_Q_PARTY, C_Q_TEXT,
	C_Q_BANK_REF, C_Q_TX_CODE, C_Q_STATUS, C_Q_NCOLS
};
static const char *const queue_cols[C_Q_NCOLS] = {
	[C_Q_ID] = "id", [C_Q_DATE] = "date", [C_Q_SIDE] = "side", [C_Q_REVERSAL] = "reversal",
	[C_Q_AMOUNT] = "amount_minor", [C_Q_CURRENCY] = "currency", [C_Q_PARTY] = "party",
	[C_Q_TEXT] = "text", [C_Q_BANK_REF] = "bank_ref", [C_Q_TX_CODE] = "bank_tx_code",
	[C_Q_STATUS] = "match_status"};

/* q_locked_to */
enum { C_LT_DATE, C_LT_NCOLS };
static const char *const locked_to_cols[C_LT_NCOLS] = {[C_LT_DATE] = "locked_to"};

/* q_closing_on: the closing balance of a statement that closes that day */
enum { C_CO_MINOR, C_CO_CURRENCY, C_CO_NCOLS };
static const char *const closing_on_cols[C_CO_NCOLS] = {[C_CO_MINOR] = "closing_minor",
							 [C_CO_CURRENCY] = "currency"};

/* q_closing_before: the last closing date up to a day */
enum { C_CB_DATE, C_CB_NCOLS };
static const char *const closing_before_cols[C_CB_NCOLS] = {[C_CB_DATE] = "closing_date"};

/* q_link_of */
enum { C_LO_ACCOUNT, C_LO_NCOLS };
static const char *const link_of_cols[C_LO_NCOLS] = {[C_LO_ACCOUNT] = "account"};

/* q_signoff_insert, q_reopen */
enum { C_NEW_ID, C_NEW_NCOLS };
static const char *const new_id_cols[C_NEW_NCOLS] = {[C_NEW_ID] = "id"};

/* q_signoff_get, q_signoffs */
enum {
	C_SO_ID, C_SO_ACCOUNT, C_SO_STMT, C_SO_CURRENCY, C_SO_PERIOD_END, C_SO_CLOSING,
	C_SO_LEDGER, C_SO_UNMATCHED, C_SO_SIGNED_BY, C_SO_SIGNED_AT, C_SO_REOPENED_BY,
	C_SO_REOPENED_AT, C_SO_REASON, C_SO_NCOLS
};
static const char *const signoff_cols[C_SO_NCOLS] = {
	[C_SO_ID] = "id", [C_SO_ACCOUNT] = "account", [C_SO_STMT] = "statement_account",
	[C_SO_CURRENCY] = "currency", [C_SO_PERIOD_END] = "period_end",
	[C_SO_CLOSING] = "bank_closing_minor", [C_SO_LEDGER] = "ledger_minor",
	[C_SO_UNMATCHED] = "unmatched_lines", [C_SO_SIGNED_BY] = "signed_by",
	[C_SO_SIGNED_AT] = "signed_at", [C_SO_REOPENED_BY] = "reopened_by",
	[C_SO_REOPENED_AT] = "reopened_at", [C_SO_REASON] = "reopen_reason"};

/* The day a line counts on, as bank_line_day() of migration 0042, for l
 * joined with its statement s. */
#define LINE_DAY "COALESCE(l.booking_date, l.value_date, s.closing_date)"

/* A timestamp as the API writes it. */
#define UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

#define SIGNOFF_SELECT \
	"SELECT o.id, o.account, o.statement_account, a.currency," \
	" o.period_end::text AS period_end, o.bank_closing_minor, o.ledger_minor," \
	" (SELECT count(*) FROM bank_lines l JOIN bank_statements s ON s.id = l.statement" \
	"  WHERE l.account = o.statement_account AND " LINE_DAY " <= o.period_end" \
	"  AND l.match_status <> 'matched'" \
	"  AND NOT EXISTS (SELECT 1 FROM bank_line_matches m WHERE m.bank_line = l.id))" \
	" AS unmatched_lines, o.signed_by, " UTC("o.signed_at") " AS signed_at," \
	" o.reopened_by, " UTC("o.reopened_at") " AS reopened_at, o.reopen_reason" \
	" FROM reconciliation_signoffs o JOIN accounts a ON a.code = o.account"

static const struct db_stmt stmts[] = {
	{"q_line_lock", "SELECT id FROM bank_lines WHERE id = $1 FOR UPDATE", 1},
	{"q_line",
	 "SELECT l.id, l.account AS statement_account, l.amount_minor, l.currency, l.side,"
	 " l.reversal, " LINE_DAY "::text AS date, l.match_status, l.instructed_minor,"
	 " l.instructed_currency, COALESCE(l.bank_ref, '') AS bank_ref,"
	 " (SELECT max(o.period_end) FROM reconciliation_signoffs o"
	 "  WHERE o.statement_account = l.account AND o.reopened_at IS NULL"
	 "  AND o.period_end >= " LINE_DAY ")::text AS locked_to,"
	 " (SELECT k.account FROM bank_account_links k WHERE k.statement_account = l.account)"
	 " AS linked, (SELECT r.id FROM receipts r WHERE r.bank_line = l.id) AS receipt,"
	 " m.entry_id, m.line, m.kind, m.how"
	 " FROM bank_lines l JOIN bank_statements s ON s.id = l.statement"
	 " LEFT JOIN bank_line_matches m ON m.bank_line = l.id WHERE l.id = $1",
	 1},
	{"q_posting_matched",
	 "SELECT bank_line FROM bank_line_matches WHERE entry_id = $1::uuid AND line = $2", 2},
	{"q_receipt_posting",
	 "SELECT r.id, r.entry_id, p.line FROM receipts r"
	 " JOIN postings p ON p.entry_id = r.entry_id AND p.account = r.bank_account"
	 " AND p.side = 'debit' WHERE r.bank_line = $1 ORDER BY p.line LIMIT 1",
	 1},
	{"q_bank_posting",
	 "SELECT line FROM postings WHERE entry_id = $1::uuid AND account = $2"
	 " ORDER BY line LIMIT 1",
	 2},
	{"q_pledge_currency", "SELECT currency FROM pledges WHERE id = $1", 1},
	{"q_match_insert",
	 "INSERT INTO bank_line_matches (bank_line, entry_id, line, kind, how, matched_by)"
	 " VALUES ($1, $2::uuid, $3, $4, $5, $6)",
	 6},
	{"q_match_delete", "DELETE FROM bank_line_matches WHERE bank_line = $1", 1},
	{"q_status",
	 "UPDATE bank_lines SET match_status = $2 WHERE id = $1 AND match_status <> $2", 2},
	{"q_reject",
	 "INSERT INTO bank_line_rejections (bank_line, candidate, rejected_by)"
	 " VALUES ($1, $2, $3)",
	 3},
	{"q_queue",
	 "SELECT l.id, " LINE_DAY "::text AS date, l.side, l.reversal, l.amount_minor,"
	 " l.currency, COALESCE(l.debtor_name, l.creditor_name, '') AS party,"
	 " concat_ws(' ', l.end_to_end_id, l.remittance, l.remittance_refs) AS text,"
	 " COALESCE(l.bank_ref, '') AS bank_ref, l.bank_tx_code, l.match_status"
	 " FROM bank_lines l JOIN bank_statements s ON s.id = l.statement"
	 " WHERE l.account = $1 AND l.match_status <> 'matched'"
	 " AND NOT EXISTS (SELECT 1 FROM bank_line_matches m WHERE m.bank_line = l.id)"
	 " AND ($2::bigint IS NULL"
	 "  OR (" LINE_DAY ", l.id) > (bank_line_day($2::bigint), $2::bigint))"
	 " ORDER BY " LINE_DAY ", l.id LIMIT $3",
	 3},
	{"q_locked_to",
	 "SELECT max(period_end)::text AS locked_to FROM reconciliation_signoffs"
	 " WHERE statement_account = $1 AND reopened_at IS NULL",
	 1},
	{"q_closing_on",
	 "SELECT closing_minor, currency FROM bank_statements WHERE account = $1"
	 " AND closing_date = $2 AND closing_minor IS NOT NULL ORDER BY id DESC LIMIT 1",
	 2},
	{"q_closing_before",
	 "SELECT max(closing_date)::text AS closing_date FROM bank_statements"
	 " WHERE account = $1 AND closing_minor IS NOT NULL AND closing_date <= $2",
	 2},
	{"q_link_of", "SELECT account FROM bank_account_links WHERE statement_account = $1", 1},
	{"q_signoff_lock",
	 "SELECT l.id FROM bank_lines l JOIN bank_statements s ON s.id = l.statement"
	 " WHERE l.account = $1 AND " LINE_DAY " <= $2 ORDER BY l.id FOR UPDATE OF l",
	 2},
	{"q_signoff_insert",
	 "INSERT INTO reconciliation_signoffs (account, statement_account, period_end,"
	 " bank_closing_minor, ledger_minor, signed_by) VALUES ($1, $2, $3, $4, $5, $6)"
	 " ON CONFLICT DO NOTHING RETURNING id",
	 6},
	{"q_signoff_get", SIGNOFF_SELECT " WHERE o.id = $1", 1},
	{"q_signoffs", SIGNOFF_SELECT " ORDER BY o.id", 0},
	{"q_reopen",
	 "UPDATE reconciliation_signoffs SET reopened_by = $2, reopened_at = now(),"
	 " reopen_reason = $3 WHERE id = $1 AND reopened_at IS NULL RETURNING id",
	 3},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("q_line", line_cols),
	DB_COLUMNS("q_posting_matched", posting_matched_cols),
	DB_COLUMNS("q_receipt_posting", receipt_posting_cols),
	DB_COLUMNS("q_bank_posting", bank_posting_cols),
	DB_COLUMNS("q_pledge_currency", pledge_currency_cols),
	DB_COLUMNS("q_queue", queue_cols),
	DB_COLUMNS("q_locked_to", locked_to_cols),
	DB_COLUMNS("q_closing_on", closing_on_cols),
	DB_COLUMNS("q_closing_before", closing_before_cols),
	DB_COLUMNS("q_link_of", link_of_cols),
	DB_COLUMNS("q_signoff_insert", new_id_cols),
	DB_COLUMNS("q_reopen", new_id_cols),
	DB_COLUMNS("q_signoff_get", signoff_cols),
	DB_COLUMNS("q_signoffs", signoff_cols),
};

int bank_queue_setup(PGconn *c)
{
	return db_setup(c, stmts, sizeof(stmts) / sizeof(stmts[0]), columns,
			sizeof(columns) / sizeof(columns[0]));
}

/*
 * Runs fn(c, ctx) through db_tx at iso; fn leaves its answer in *answer
 * (freeing the one of a run before: db_tx may run it again). On success
 * *out takes the answer; on failure it is freed and *out stays NULL.
 */
static int tx_answer(json_t **out, PGconn *c, enum db_isolation iso,
		     int (*fn)(PGconn *c, void *ctx), void *ctx, json_t **answer)
{
	int rc = db_tx(c, iso, fn, ctx);

	if (rc < 0) {
		json_decref(*answer);
		*answer = NULL;
		return rc;
	}
	*out = *answer;
	return 0;
}

/* --- a bank line under its row lock -------------------------------------------------- */

/* "posting:<36>/<4 digits>" or "pledge:<19 digits>" with its NUL */
#define CANDIDATE_BYTES 64

struct line {
	long long id, receipt;
	char stmt[LIMIT_CAMT_FIELD_BYTES], bank_ref[LIMIT_CAMT_FIELD_BYTES];
	char date[FUND_BODY_DATE_BYTES], locked_to[FUND_BODY_DATE_BYTES];
	char currency[4], instructed_ccy[4], side[8], status[16];
	char linked[LEDGER_CODE_BYTES];
	int64_t amount, instructed;
	bool reversal, has_instructed;
	/* its match, if it has one */
	bool matched;
	char entry[LEDGER_UUID_BYTES], kind[16], how[16];
	int posting;
};

static void copy(char *out, size_t size, const PGresult *r, int col)
{
	snprintf(out, size, "%s", PQgetvalue(r, 0, col));
}

/*
 * Locks bank line id (FOR UPDATE, until the caller's transaction ends) and
 * reads it into *out. The read comes after the lock, in a statement of its
 * own, so that it sees what a sign-off or a write that held the lock
 * committed. ERR_NOTFOUND naming bank_line.
 */
static int line_lock(struct line *out, PGconn *c, long long id)
{
	char ids[24];
	const char *p[] = {ids};
	PGresult *r = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(ids, sizeof(ids), "%lld", id);
	rc = db_exec(&r, c, "q_line_lock", 1, p);
	if (rc == 0 && PQntuples(r) == 0)
		rc = err_set(ERR_NOTFOUND, "bank_line: no bank line %lld", id);
	PQclear(r);
	r = NULL;
	if (rc == 0)
		rc = db_exec(&r, c, "q_line", 1, p);
	if (rc < 0)
		goto cleanup;
	ASSERT(PQntuples(r) == 1);
	out->id = id;
	copy(out->stmt, sizeof(out->stmt), r, C_LN_STMT);
	copy(out->bank_ref, sizeof(out->bank_ref), r, C_LN_BANK_REF);
	copy(out->date, sizeof(out->date), r, C_LN_DATE);
	copy(out->locked_to, sizeof(out->locked_to), r, C_LN_LOCKED_TO);
	copy(out->currency, sizeof(out->currency), r, C_LN_CURRENCY);
	copy(out->side, sizeof(out->side), r, C_LN_SIDE);
	copy(out->status, sizeof(out->status), r, C_LN_STATUS);
	copy(out->linked, sizeof(out->linked), r, C_LN_LINKED);
	out->amount = fund_body_int64(r, 0, C_LN_AMOUNT);
	out->reversal = strcmp(PQgetvalue(r, 0, C_LN_REVERSAL), "t") == 0;
	out->has_instructed = !PQgetisnull(r, 0, C_LN_INSTRUCTED);
	if (out->has_instructed) {
		out->instructed = fund_body_int64(r, 0, C_LN_INSTRUCTED);
		copy(out->instructed_ccy, sizeof(out->instructed_ccy), r, C_LN_INSTRUCTED_CCY);
	}
	out->receipt = PQgetisnull(r, 0, C_LN_RECEIPT) ? 0 : fund_body_int64(r, 0, C_LN_RECEIPT);
	out->matched = !PQgetisnull(r, 0, C_LN_ENTRY);
	if (out->matched) {
		copy(out->entry, sizeof(out->entry), r, C_LN_ENTRY);
		copy(out->kind, sizeof(out->kind), r, C_LN_KIND);
		copy(out->how, sizeof(out->how), r, C_LN_HOW);
		out->posting = (int)fund_body_int64(r, 0, C_LN_LINE);
	}
cleanup:
	PQclear(r);
	return rc;
}

/* 0 unless an open sign-off locks l: then 409 reconciliation-locked. */
static int check_unlocked(const struct line *l)
{
	if (!l->locked_to[0])
		return 0;
	return err_code_set(ERR_CONFLICT, EC_RECONCILIATION_LOCKED,
			    "bank_line: %lld (%s) is in the reconciliation of %s signed off up to"
			    " %s; an admin must reopen that sign-off to change it",
			    l->id, l->date, l->stmt, l->locked_to);
}

/* 0 unless l is matched already (a match, a receipt or its status): 409. */
static int check_unmatched(const struct line *l)
{
	if (l->matched)
		return err_set(ERR_CONFLICT, "bank_line: %lld is matched already (posting %s/%d, %s)",
			       l->id, l->entry, l->posting, l->how);
	if (l->receipt)
		return err_set(ERR_CONFLICT, "bank_line: %lld is matched already (receipt %lld)",
			       l->id, l->receipt);
	if (strcmp(l->status, "matched") == 0)
		return err_set(ERR_CONFLICT, "bank_line: %lld is matched already", l->id);
	return 0;
}

/*
 * The ledger bank account of l into *out: the one its statement account is
 * linked to, else given (required then); given must be a bank account
 * (10xx, an asset) in the line's currency, and the linked one if there is
 * a link. 400 naming bank_account; 422 unknown-account.
 */
static int bank_of(struct ledger_account *out, PGconn *c, const struct line *l,
		   const char *given)
{
	const char *code = l->linked[0] ? l->linked : given;
	int rc;

	if (!code)
		return fund_body_bad("bank_account", "required: the statement account of the line"
				     " is not linked to a bank account (bank-accounts link): ",
				     l->stmt);
	if (given && l->linked[0] && strcmp(given, l->linked) != 0)
		return err_set(ERR_INVALID, "bank_account: %s is linked to %s, not %s", l->stmt,
			       l->linked, given);
	rc = ledger_account_get(out, c, code);
	if (rc == ERR_NOTFOUND)
		return err_code_set(ERR_INVALID, EC_UNKNOWN_ACCOUNT, "bank_account: no account '%s'",
				    code);
	if (rc < 0)
		return rc;
	if (strncmp(out->code, "10", 2) != 0 || strcmp(out->type, "asset") != 0)
		return fund_body_bad("bank_account", "not a bank account (10xx-CCY): ", code);
	if (strcmp(out->currency, l->currency) != 0)
		return err_set(ERR_INVALID, "bank_account: %s keeps %s; bank line %lld is in %s",
			       out->code, out->currency, l->id, l->currency);
	return 0;
}

/* Sets l's match_status to status (nothing if it is so already). */
static int set_status(PGconn *c, const struct line *l, const char *status)
{
	char ids[24];

	snprintf(ids, sizeof(ids), "%lld", l->id);
	return db_exec(NULL, c, "q_status", 2, (const char *const[]){ids, status});
}

/* --- candidates ---------------------------------------------------------------------- */

/*
 * Reads a candidate "posting:<entry uuid>/<line>" (the uuid kept in lower
 * case, as the server writes it) or "pledge:<id>" into out, and its parts
 * into entry and posting, or pledge. 400 naming candidate.
 */
static int candidate_parse(char out[CANDIDATE_BYTES], char entry[LEDGER_UUID_BYTES],
			   int *posting, long long *pledge, const char *s)
{
#define CANDIDATE_WHAT "expected posting:<entry uuid>/<line> or pledge:<id>"
	size_t n = strlen(s);
	char *end = NULL;
	long long v;

	entry[0] = '\0';
	*posting = 0;
	*pledge = 0;
	if (n >= CANDIDATE_BYTES)
		return fund_body_bad("candidate", CANDIDATE_WHAT, NULL);
	if (strncmp(s, "posting:", 8) == 0 && n > 8 + 36 + 1 && s[8 + 36] == '/') {
		for (int i = 0; i < 36; i++) {
			char ch = (char)tolower((unsigned char)s[8 + i]);
			bool dash = i == 8 || i == 13 || i == 18 || i == 23;

			if (dash ? ch != '-' : !isxdigit((unsigned char)ch))
				return fund_body_bad("candidate", CANDIDATE_WHAT ", got ", s);
			entry[i] = ch;
		}
		entry[36] = '\0';
		v = isdigit((unsigned char)s[45]) ? strtoll(s + 45, &end, 10) : 0;
		if (v < 1 || v > LIMIT_POSTINGS_PER_ENTRY || *end)
			return fund_body_bad("candidate", CANDIDATE_WHAT ", got ", s);
		*posting = (int)v;
		snprintf(out, CANDIDATE_BYTES, "posting:%s/%d", entry, *posting);
		return 0;
	}
	if (strncmp(s, "pledge:", 7) == 0 && isdigit((unsigned char)s[7]) && n <= 7 + 18) {
		v = strtoll(s + 7, &end, 10);
		if (*end || v < 1)
			return fund_body_bad("candidate", CANDIDATE_WHAT ", got ", s);
		*pledge = v;
		snprintf(out, CANDIDATE_BYTES, "pledge:%lld", v);
		return 0;
	}
	return fund_body_bad("candidate", CANDIDATE_WHAT ", got ", s);
#undef CANDIDATE_WHAT
}

/*
 * Whether candidate is one bank_match_candidates offers for l on bank at
 * tolerance tol: 0, or 400 naming candidate. kind_out (may be NULL): what
 * a match to it records, the candidate's match_kind (bank/match.c decides
 * it from the entry's other postings). *left_out (may be NULL): how many
 * candidates the line has.
 */
static int offered(char kind_out[16], size_t *left_out, PGconn *c, const struct line *l,
		   const char *bank, int64_t tol, const char *candidate)
{
	json_t *arr = NULL, *v, *found = NULL;
	size_t i;
	int rc = bank_match_candidates(&arr, NULL, c, l->id, bank, tol);

	if (rc < 0)
		return rc;
	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(json_object_get(v, "candidate")) ?: "", candidate) == 0)
			found = v;
	if (kind_out && found)
		snprintf(kind_out, 16, "%s",
			 json_string_value(json_object_get(found, "match_kind")) ?: "other");
	if (left_out)
		*left_out = json_array_size(arr);
	json_decref(arr);
	if (!found)
		return err_set(ERR_INVALID, "candidate: %s is not a candidate of bank line %lld",
			       candidate, l->id);
	return 0;
}

/* Matches l to posting (entry, posting) as kind and how; marks it matched. */
static int match_insert(PGconn *c, const struct line *l, const char *entry, int posting,
			const char *kind, const char *how, const struct ledger_actor *who)
{
	char ids[24], lines[16];
	int rc;

	snprintf(ids, sizeof(ids), "%lld", l->id);
	snprintf(lines, sizeof(lines), "%d", posting);
	rc = db_exec(NULL, c, "q_match_insert", 6,
		     (const char *const[]){ids, entry, lines, kind, how, ledger_actor_user(who)});
	if (rc == ERR_CONFLICT)
		return err_set(ERR_CONFLICT, "candidate: posting %s/%d is matched already", entry,
			       posting);
	return rc == 0 ? set_status(c, l, "matched") : rc;
}

/*
 * The receipt of l (*receipt_out) and its posting on the bank (entry_out,
 * *posting_out): what fund_receipt_add_matched has just matched l to.
 */
static int receipt_posting(long long *receipt_out, char entry_out[LEDGER_UUID_BYTES],
			   int *posting_out, PGconn *c, const struct line *l)
{
	char ids[24];
	PGresult *r = NULL;
	int rc;

	snprintf(ids, sizeof(ids), "%lld", l->id);
	rc = db_exec(&r, c, "q_receipt_posting", 1, (const char *const[]){ids});
	if (rc == 0 && PQntuples(r) != 1)
		rc = err_set(ERR_INTERNAL, "bank line %lld: its receipt has no posting on the bank",
			     l->id);
	if (rc == 0) {
		*receipt_out = fund_body_int64(r, 0, C_RP_ID);
		snprintf(entry_out, LEDGER_UUID_BYTES, "%s", PQgetvalue(r, 0, C_RP_ENTRY));
		*posting_out = atoi(PQgetvalue(r, 0, C_RP_LINE));
	}
	PQclear(r);
	return rc;
}

/*
 * Posts l's receipt for pledge on bank through fund_receipt_add_matched
 * (dated the line's day, its amount; its instructed amount when it is in
 * the pledge's currency, unless instructed, a decimal, is given), which
 * matches the line to the receipt's bank posting as how.
 */
static int receipt_post(long long *receipt_out, char entry_out[LEDGER_UUID_BYTES],
			int *posting_out, PGconn *c, const struct line *l,
			const struct ledger_account *bank, long long pledge, const char *instructed,
			bool allow_over, const char *how, const struct ledger_actor *who)
{
	char amount[MONEY_STR_MAX], ins[MONEY_STR_MAX], ids[24];
	json_t *body = NULL, *out = NULL;
	PGresult *r = NULL;
	int rc;

	snprintf(ids, sizeof(ids), "%lld", pledge);
	rc = db_exec(&r, c, "q_pledge_currency", 1, (const char *const[]){ids});
	if (rc == 0 && PQntuples(r) == 0)
		rc = err_set(ERR_NOTFOUND, "pledge: no pledge %lld", pledge);
	if (rc < 0)
		goto cleanup;
	money_format(amount, l->amount, l->currency);
	body = json_pack("{s:I, s:s, s:s, s:s, s:I, s:b}", "pledge", (json_int_t)pledge, "date",
			 l->date, "bank_account", bank->code, "amount", amount, "bank_line",
			 (json_int_t)l->id, "allow_overpayment", allow_over);
	if (!body) {
		rc = err_oom();
		goto cleanup;
	}
	if (instructed) {
		json_object_set_new(body, "instructed_amount", json_string(instructed));
	} else if (l->has_instructed &&
		   strcmp(l->instructed_ccy, PQgetvalue(r, 0, C_PC_CURRENCY)) == 0) {
		money_format(ins, l->instructed, l->instructed_ccy);
		json_object_set_new(body, "instructed_amount", json_string(ins));
	}
	rc = fund_receipt_add_matched(&out, c, body, who, how);
	if (rc == 0)
		rc = receipt_posting(receipt_out, entry_out, posting_out, c, l);
cleanup:
	PQclear(r);
	json_decref(body);
	json_decref(out);
	return rc;
}

/* The answer of a write that matched l. */
static json_t *matched_json(const struct line *l, const char *candidate, const char *entry,
			    int posting, const char *kind, const char *how,
			    const struct ledger_actor *who, long long receipt)
{
	return json_pack("{s:I, s:s, s:s?, s:s, s:i, s:s, s:s, s:s, s:o}", "bank_line",
			 (json_int_t)l->id, "status", "matched", "candidate", candidate, "entry",
			 entry, "line", posting, "kind", kind, "how", how, "matched_by",
			 ledger_actor_user(who), "receipt",
			 receipt ? json_integer(receipt) : json_null());
}

/* --- confirm and reject ------------------------------------------------------------------ */

/* A request naming a line and one of its candidates. */
struct pick {
	long long line_id, pledge;
	const char *bank_given, *tolerance;
	char candidate[CANDIDATE_BYTES], entry[LEDGER_UUID_BYTES];
	int posting;
	const struct ledger_actor *who;
	json_t *out;
};

static int pick_read(struct pick *p, json_t *body)
{
	static const char *const allowed[] = {"bank_line", "candidate", "bank_account",
					      "tolerance", NULL};
	const char *cand;
	int rc;

	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_id(&p->line_id, body, "bank_line", true)) < 0 ||
	    (rc = fund_body_str(&cand, body, "candidate", true)) < 0 ||
	    (rc = fund_body_text(&p->bank_given, body, "bank_account", false,
				 LEDGER_CODE_BYTES - 1)) < 0 ||
	    (rc = fund_body_text(&p->tolerance, body, "tolerance", false, MONEY_STR_MAX - 1)) < 0)
		return rc;
	return candidate_parse(p->candidate, p->entry, &p->posting, &p->pledge, cand);
}

/* The line locked, unlocked, its bank account and tolerance read. */
static int pick_line(struct line *l, struct ledger_account *bank, int64_t *tol, PGconn *c,
		     const struct pick *p)
{
	int rc;

	*tol = 0;
	if ((rc = line_lock(l, c, p->line_id)) < 0 || (rc = check_unlocked(l)) < 0 ||
	    (rc = bank_of(bank, c, l, p->bank_given)) < 0)
		return rc;
	if (p->tolerance)
		rc = fund_body_amount_text(tol, p->tolerance, "tolerance", bank->currency,
					   FUND_BODY_NON_NEGATIVE);
	return rc;
}

static int confirm_tx(PGconn *c, void *ctx)
{
	struct pick *p = ctx;
	struct ledger_account bank;
	struct line l;
	PGresult *r = NULL;
	char lines[16], object[128], entry[LEDGER_UUID_BYTES];
	char kind[16] = "receipt";
	long long receipt = 0;
	int64_t tol;
	int posting = p->posting, rc;

	json_decref(p->out);
	p->out = NULL;
	if ((rc = pick_line(&l, &bank, &tol, c, p)) < 0 || (rc = check_unmatched(&l)) < 0)
		return rc;
	snprintf(entry, sizeof(entry), "%s", p->entry);
	if (p->posting) {
		snprintf(lines, sizeof(lines), "%d", p->posting);
		rc = db_exec(&r, c, "q_posting_matched", 2, (const char *const[]){p->entry, lines});
		if (rc == 0 && PQntuples(r) > 0)
			rc = err_set(ERR_CONFLICT,
				     "candidate: posting %s/%d is matched to bank line %s already",
				     p->entry, p->posting, PQgetvalue(r, 0, C_PM_LINE));
		PQclear(r);
		r = NULL;
		if (rc == 0)
			rc = offered(kind, NULL, c, &l, bank.code, tol, p->candidate);
		if (rc == 0)
			rc = match_insert(c, &l, p->entry, p->posting, kind, "confirmed", p->who);
	} else {
		rc = offered(NULL, NULL, c, &l, bank.code, tol, p->candidate);
		if (rc == 0)
			rc = receipt_post(&receipt, entry, &posting, c, &l, &bank, p->pledge, NULL,
					  false, "confirmed", p->who);
	}
	snprintf(object, sizeof(object), "bank_line %lld %s", l.id, p->candidate);
	if (rc == 0)
		rc = ledger_audit(c, p->who, "reconcile.confirm", object);
	if (rc == 0) {
		p->out = matched_json(&l, p->candidate, entry, posting, kind, "confirmed", p->who,
				      receipt);
		rc = p->out ? 0 : err_oom();
	}
	return rc;
}

int bank_queue_confirm(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who)
{
	struct pick p = {.who = who};
	int rc;

	*out = NULL;
	if ((rc = pick_read(&p, body)) < 0)
		return rc;
	return tx_answer(out, c, DB_READ_COMMITTED, confirm_tx, &p, &p.out);
}

static int reject_tx(PGconn *c, void *ctx)
{
	struct pick *p = ctx;
	struct ledger_account bank;
	struct line l;
	char ids[24], object[128];
	const char *status;
	size_t left = 0;
	int64_t tol;
	int rc;

	json_decref(p->out);
	p->out = NULL;
	if ((rc = pick_line(&l, &bank, &tol, c, p)) < 0 ||
	    (rc = offered(NULL, &left, c, &l, bank.code, tol, p->candidate)) < 0)
		return rc;
	snprintf(ids, sizeof(ids), "%lld", l.id);
	rc = db_exec(NULL, c, "q_reject", 3,
		     (const char *const[]){ids, p->candidate, ledger_actor_user(p->who)});
	if (rc == ERR_CONFLICT)
		rc = err_set(ERR_CONFLICT, "candidate: %s is rejected already", p->candidate);
	/* the candidate it had last: nothing left to suggest */
	status = left == 1 && strcmp(l.status, "suggested") == 0 ? "unmatched" : l.status;
	if (rc == 0)
		rc = set_status(c, &l, status);
	snprintf(object, sizeof(object), "bank_line %lld %s", l.id, p->candidate);
	if (rc == 0)
		rc = ledger_audit(c, p->who, "reconcile.reject", object);
	if (rc == 0) {
		p->out = json_pack("{s:I, s:s, s:s}", "bank_line", (json_int_t)l.id, "rejected",
				   p->candidate, "status", status);
		rc = p->out ? 0 : err_oom();
	}
	return rc;
}

int bank_queue_reject(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who)
{
	struct pick p = {.who = who};
	int rc;

	*out = NULL;
	if ((rc = pick_read(&p, body)) < 0)
		return rc;
	return tx_answer(out, c, DB_READ_COMMITTED, reject_tx, &p, &p.out);
}

/* --- unmatch --------------------------------------------------------------------------------- */

struct unmatch {
	long long line_id;
	const struct ledger_actor *who;
	json_t *out;
};

static int unmatch_tx(PGconn *c, void *ctx)
{
	struct unmatch *u = ctx;
	struct line l;
	char ids[24], object[128];
	int rc;

	json_decref(u->out);
	u->out = NULL;
	if ((rc = line_lock(&l, c, u->line_id)) < 0 || (rc = check_unlocked(&l)) < 0)
		return rc;
	if (l.receipt)
		return err_set(ERR_CONFLICT,
			       "bank_line: %lld is receipt %lld's, which stays: a receipt is undone"
			       " by reversing its entry, not by unmatching",
			       l.id, l.receipt);
	if (!l.matched)
		return err_set(ERR_CONFLICT, "bank_line: %lld is not matched", l.id);
	if (strcmp(l.how, "recorded") == 0)
		return err_set(ERR_CONFLICT,
			       "bank_line: %lld's entry %s was posted from it: reverse that entry"
			       " instead",
			       l.id, l.entry);
	snprintf(ids, sizeof(ids), "%lld", l.id);
	rc = db_exec(NULL, c, "q_match_delete", 1, (const char *const[]){ids});
	if (rc == 0)
		rc = set_status(c, &l, "unmatched");
	snprintf(object, sizeof(object), "bank_line %lld posting:%s/%d", l.id, l.entry, l.posting);
	if (rc == 0)
		rc = ledger_audit(c, u->who, "reconcile.unmatch", object);
	if (rc == 0) {
		u->out = json_pack("{s:I, s:s, s:s, s:i, s:s, s:s}", "bank_line", (json_int_t)l.id,
				   "status", "unmatched", "entry", l.entry, "line", l.posting, "kind",
				   l.kind, "how", l.how);
		rc = u->out ? 0 : err_oom();
	}
	return rc;
}

int bank_queue_unmatch(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who)
{
	static const char *const allowed[] = {"bank_line", NULL};
	struct unmatch u = {.who = who};
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_id(&u.line_id, body, "bank_line", true)) < 0)
		return rc;
	return tx_answer(out, c, DB_READ_COMMITTED, unmatch_tx, &u, &u.out);
}

/* --- record ------------------------------------------------------------------------------------- */

enum record_kind { REC_RECEIPT, REC_INTEREST, REC_CHARGE, REC_PAYMENT };
static const char *const record_kinds[] = {"receipt", "interest", "charge", "payment", NULL};

struct record {
	long long line_id, pledge;
	enum record_kind kind;
	const char *bank_given, *account, *memo, *instructed;
	bool allow_over;
	const struct ledger_actor *who;
	json_t *out;
};

/* Posts the entry of a charge, interest or payment from l on bank. */
static int record_entry(char entry_out[LEDGER_UUID_BYTES], int *posting_out, PGconn *c,
			const struct record *t, const struct line *l,
			const struct ledger_account *bank)
{
	static const char *const what[] = {"Receipt", "Interest", "Bank charge", "Payment"};
	struct ledger_entry e;
	char memo[LIMIT_MEMO_BYTES], reference[32];
	PGresult *r = NULL;
	bool in = t->kind == REC_INTEREST;
	int rc;

	snprintf(memo, sizeof(memo), "%s, bank line %lld %s", what[t->kind], l->id, l->bank_ref);
	snprintf(reference, sizeof(reference), "bank-line:%lld", l->id);
	rc = fund_body_entry_begin(&e, l->date, t->memo ? t->memo : memo, reference);
	if (rc < 0)
		return rc;
	fund_body_entry_add(&e, bank->code, l->currency, in, l->amount);
	fund_body_entry_add(&e, t->kind == REC_INTEREST ? "4300"
				: t->kind == REC_CHARGE ? "5100"
							: t->account,
			    l->currency, !in, l->amount);
	rc = fund_body_entry_done(entry_out, c, &e, t->who, "entry.post");
	if (rc == 0)
		rc = db_exec(&r, c, "q_bank_posting", 2, (const char *const[]){entry_out, bank->code});
	if (rc == 0) {
		ASSERT(PQntuples(r) == 1);
		*posting_out = atoi(PQgetvalue(r, 0, C_BP_LINE));
	}
	PQclear(r);
	return rc;
}

static int record_tx(PGconn *c, void *ctx)
{
	struct record *t = ctx;
	struct ledger_account bank, expense;
	struct line l;
	char entry[LEDGER_UUID_BYTES] = "", object[128];
	bool money_in = t->kind == REC_RECEIPT || t->kind == REC_INTEREST;
	long long receipt = 0;
	int posting = 0, rc;

	json_decref(t->out);
	t->out = NULL;
	if ((rc = line_lock(&l, c, t->line_id)) < 0 || (rc = check_unlocked(&l)) < 0 ||
	    (rc = check_unmatched(&l)) < 0 || (rc = bank_of(&bank, c, &l, t->bank_given)) < 0)
		return rc;
	if (l.reversal)
		return err_set(ERR_INVALID,
			       "bank_line: %lld is a reversal: post its entry and confirm it", l.id);
	if (money_in != (strcmp(l.side, "credit") == 0))
		return err_set(ERR_INVALID, "kind: a %s is money %s; bank line %lld is a %s",
			       record_kinds[t->kind], money_in ? "in" : "out", l.id, l.side);
	if (t->kind == REC_PAYMENT) {
		rc = ledger_account_get(&expense, c, t->account);
		if (rc == ERR_NOTFOUND)
			return err_code_set(ERR_INVALID, EC_UNKNOWN_ACCOUNT,
					    "account: no account '%s'", t->account);
		if (rc < 0)
			return rc;
		if (strcmp(expense.type, "expense") != 0 || strcmp(expense.currency, l.currency) != 0)
			return err_set(ERR_INVALID, "account: %s is not an expense account in %s",
				       t->account, l.currency);
	}
	if (t->kind == REC_RECEIPT)
		rc = receipt_post(&receipt, entry, &posting, c, &l, &bank, t->pledge, t->instructed,
				  t->allow_over, "recorded", t->who);
	else if ((rc = record_entry(entry, &posting, c, t, &l, &bank)) == 0)
		rc = match_insert(c, &l, entry, posting, record_kinds[t->kind], "recorded", t->who);
	snprintf(object, sizeof(object), "bank_line %lld %s entry %s", l.id, record_kinds[t->kind],
		 entry);
	if (rc == 0)
		rc = ledger_audit(c, t->who, "reconcile.record", object);
	if (rc == 0) {
		t->out = matched_json(&l, NULL, entry, posting, record_kinds[t->kind], "recorded",
				      t->who, receipt);
		rc = t->out ? 0 : err_oom();
	}
	return rc;
}

int bank_queue_record(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who)
{
	static const char *const allowed[] = {"bank_line", "kind",    "bank_account",
					      "pledge",	   "account", "memo",
					      "instructed_amount", "allow_overpayment", NULL};
	struct record t = {.who = who};
	const char *kind;
	int rc, k;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_id(&t.line_id, body, "bank_line", true)) < 0 ||
	    (rc = fund_body_str(&kind, body, "kind", true)) < 0 ||
	    (rc = fund_body_text(&t.bank_given, body, "bank_account", false,
				 LEDGER_CODE_BYTES - 1)) < 0 ||
	    (rc = fund_body_id(&t.pledge, body, "pledge", false)) < 0 ||
	    (rc = fund_body_text(&t.account, body, "account", false, LEDGER_CODE_BYTES - 1)) < 0 ||
	    (rc = fund_body_text(&t.memo, body, "memo", false, LIMIT_MEMO_BYTES)) < 0 ||
	    (rc = fund_body_text(&t.instructed, body, "instructed_amount", false,
				 MONEY_STR_MAX - 1)) < 0 ||
	    (rc = fund_body_bool(&t.allow_over, body, "allow_overpayment")) < 0)
		return rc;
	for (k = 0; record_kinds[k] && strcmp(record_kinds[k], kind) != 0; k++)
		;
	if (!record_kinds[k])
		return fund_body_bad("kind", "expected receipt, interest, charge or payment, got ",
				     kind);
	t.kind = (enum record_kind)k;
	if (t.kind == REC_RECEIPT && !t.pledge)
		return fund_body_bad("pledge", "required for kind receipt", NULL);
	if (t.kind != REC_RECEIPT && (t.pledge || t.instructed || t.allow_over))
		return fund_body_bad(t.pledge ? "pledge" : t.instructed ? "instructed_amount"
									 : "allow_overpayment",
				     "only for kind receipt", NULL);
	if (t.kind == REC_PAYMENT && !t.account)
		return fund_body_bad("account", "required for kind payment: the expense account",
				     NULL);
	if (t.kind != REC_PAYMENT && t.account)
		return fund_body_bad("account", "only for kind payment", NULL);
	if (t.kind == REC_RECEIPT && t.memo)
		return fund_body_bad("memo", "not for kind receipt: a receipt's memo is its own",
				     NULL);
	return tx_answer(out, c, DB_READ_COMMITTED, record_tx, &t, &t.out);
}

/* --- sign-offs ------------------------------------------------------------------------------- */

static json_t *signoff_json(const PGresult *r, int i)
{
	const char *ccy = PQgetvalue(r, i, C_SO_CURRENCY);
	int64_t closing = fund_body_int64(r, i, C_SO_CLOSING), ledger = fund_body_int64(r, i, C_SO_LEDGER);

	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:s, s:s, s:b, s:o, s:o,"
			 " s:o}",
			 "id", (json_int_t)fund_body_int64(r, i, C_SO_ID), "bank_account",
			 PQgetvalue(r, i, C_SO_ACCOUNT), "statement_account",
			 PQgetvalue(r, i, C_SO_STMT), "currency", ccy, "period_end",
			 PQgetvalue(r, i, C_SO_PERIOD_END), "bank_closing",
			 fund_body_money(closing, ccy), "ledger_balance",
			 fund_body_money(ledger, ccy), "difference",
			 fund_body_money(closing - ledger, ccy), "unmatched_lines",
			 (json_int_t)fund_body_int64(r, i, C_SO_UNMATCHED), "signed_by",
			 PQgetvalue(r, i, C_SO_SIGNED_BY), "signed_at",
			 PQgetvalue(r, i, C_SO_SIGNED_AT), "open",
			 PQgetisnull(r, i, C_SO_REOPENED_AT), "reopened_by",
			 fund_body_str_or_null(r, i, C_SO_REOPENED_BY), "reopened_at",
			 fund_body_str_or_null(r, i, C_SO_REOPENED_AT), "reopen_reason",
			 fund_body_str_or_null(r, i, C_SO_REASON));
}

/* *out = sign-off ids as JSON; ERR_NOTFOUND naming it. */
static int signoff_get(json_t **out, PGconn *c, const char *ids)
{
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "q_signoff_get", 1, (const char *const[]){ids});

	if (rc == 0 && PQntuples(r) == 0)
		rc = err_set(ERR_NOTFOUND, "signoff: no sign-off %s", ids);
	if (rc == 0 && !(*out = signoff_json(r, 0)))
		rc = err_oom();
	PQclear(r);
	return rc;
}

struct signoff {
	struct ledger_account bank;
	char stmt[LIMIT_CAMT_FIELD_BYTES];
	const char *period_end;
	const struct ledger_actor *who;
	json_t *out;
};

static int signoff_tx(PGconn *c, void *ctx)
{
	struct signoff *s = ctx;
	PGresult *r = NULL;
	char closing[24], ledger_s[24], ids[24], object[LIMIT_CAMT_FIELD_BYTES + 128];
	int64_t ledger = 0;
	int rc;

	json_decref(s->out);
	s->out = NULL;
	/* every line it covers, so that no confirm of one runs across it */
	rc = db_exec(NULL, c, "q_signoff_lock", 2, (const char *const[]){s->stmt, s->period_end});
	if (rc == 0)
		rc = db_exec(&r, c, "q_closing_on", 2, (const char *const[]){s->stmt, s->period_end});
	if (rc < 0)
		goto cleanup;
	if (PQntuples(r) == 0) {
		PQclear(r);
		r = NULL;
		rc = db_exec(&r, c, "q_closing_before", 2,
			     (const char *const[]){s->stmt, s->period_end});
		if (rc == 0)
			rc = err_set(ERR_INVALID,
				     "period_end: no stored statement of %s closes on %s (the"
				     " last closing before it: %s)",
				     s->stmt, s->period_end,
				     PQgetisnull(r, 0, C_CB_DATE) ? "none"
								   : PQgetvalue(r, 0, C_CB_DATE));
		goto cleanup;
	}
	if (strcmp(PQgetvalue(r, 0, C_CO_CURRENCY), s->bank.currency) != 0) {
		rc = err_set(ERR_INVALID, "statement_account: %s is in %s, %s in %s", s->stmt,
			     PQgetvalue(r, 0, C_CO_CURRENCY), s->bank.code, s->bank.currency);
		goto cleanup;
	}
	snprintf(closing, sizeof(closing), "%s", PQgetvalue(r, 0, C_CO_MINOR));
	PQclear(r);
	r = NULL;
	rc = ledger_balance(&ledger, c, &s->bank, s->period_end);
	snprintf(ledger_s, sizeof(ledger_s), "%" PRId64, ledger);
	if (rc == 0)
		rc = db_exec(&r, c, "q_signoff_insert", 6,
			     (const char *const[]){s->bank.code, s->stmt, s->period_end, closing,
						   ledger_s, ledger_actor_user(s->who)});
	if (rc == 0 && PQntuples(r) == 0)
		rc = err_set(ERR_CONFLICT,
			     "period_end: the reconciliation of %s and %s up to %s is signed off"
			     " already",
			     s->bank.code, s->stmt, s->period_end);
	if (rc < 0)
		goto cleanup;
	snprintf(ids, sizeof(ids), "%s", PQgetvalue(r, 0, C_NEW_ID));
	rc = signoff_get(&s->out, c, ids);
	snprintf(object, sizeof(object), "%s %s %s %s unmatched %lld", ids, s->bank.code, s->stmt,
		 s->period_end,
		 (long long)json_integer_value(json_object_get(s->out, "unmatched_lines")));
	if (rc == 0)
		rc = ledger_audit(c, s->who, "reconcile.signoff", object);
cleanup:
	PQclear(r);
	return rc;
}

int bank_queue_signoff(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who)
{
	static const char *const allowed[] = {"bank_account", "statement_account", "period_end",
					      NULL};
	struct signoff s = {.who = who};
	const char *bank, *stmt;
	PGresult *r = NULL;
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_text(&bank, body, "bank_account", true, LEDGER_CODE_BYTES - 1)) < 0 ||
	    (rc = fund_body_text(&stmt, body, "statement_account", false,
				 LIMIT_CAMT_FIELD_BYTES - 1)) < 0 ||
	    (rc = fund_body_date(&s.period_end, body, "period_end", true, NULL)) < 0)
		return rc;
	rc = ledger_account_get(&s.bank, c, bank);
	if (rc == ERR_NOTFOUND)
		return err_code_set(ERR_INVALID, EC_UNKNOWN_ACCOUNT, "bank_account: no account '%s'",
				    bank);
	if (rc < 0)
		return rc;
	if (strncmp(s.bank.code, "10", 2) != 0 || strcmp(s.bank.type, "asset") != 0)
		return fund_body_bad("bank_account", "not a bank account (10xx-CCY): ", bank);
	if (!stmt)
		rc = bank_reconcile_statement_account(s.stmt, c, s.bank.code);
	else
		snprintf(s.stmt, sizeof(s.stmt), "%s", stmt);
	if (rc == 0 && stmt)
		rc = db_exec(&r, c, "q_link_of", 1, (const char *const[]){s.stmt});
	if (rc == 0 && r && PQntuples(r) == 1 &&
	    strcmp(PQgetvalue(r, 0, C_LO_ACCOUNT), s.bank.code) != 0)
		rc = err_set(ERR_INVALID, "statement_account: %s is linked to %s, not %s", s.stmt,
			     PQgetvalue(r, 0, C_LO_ACCOUNT), s.bank.code);
	PQclear(r);
	if (rc < 0)
		return rc;
	return tx_answer(out, c, DB_READ_COMMITTED, signoff_tx, &s, &s.out);
}

struct reopen {
	long long id;
	const char *reason;
	const struct ledger_actor *who;
	json_t *out;
};

static int reopen_tx(PGconn *c, void *ctx)
{
	struct reopen *o = ctx;
	PGresult *r = NULL;
	char ids[24], object[LIMIT_ERR_BYTES];
	int rc;

	json_decref(o->out);
	o->out = NULL;
	snprintf(ids, sizeof(ids), "%lld", o->id);
	rc = db_exec(&r, c, "q_reopen", 3, (const char *const[]){ids, ledger_actor_user(o->who), o->reason});
	if (rc == 0 && PQntuples(r) == 0) {
		rc = signoff_get(&o->out, c, ids);
		if (rc == 0)
			rc = err_set(ERR_CONFLICT, "signoff: %lld was reopened already by %s at %s",
				     o->id,
				     json_string_value(json_object_get(o->out, "reopened_by")) ?: "",
				     json_string_value(json_object_get(o->out, "reopened_at")) ?: "");
	}
	PQclear(r);
	if (rc < 0)
		return rc;
	rc = signoff_get(&o->out, c, ids);
	snprintf(object, sizeof(object), "%s: %.900s", ids, o->reason);
	if (rc == 0)
		rc = ledger_audit(c, o->who, "reconcile.reopen", object);
	return rc;
}

int bank_queue_reopen(json_t **out, PGconn *c, long long id, json_t *body,
		      const struct ledger_actor *who)
{
	static const char *const allowed[] = {"reason", NULL};
	struct reopen o = {.id = id, .who = who};
	int rc;

	*out = NULL;
	if (!who->role || strcmp(who->role, "admin") != 0)
		return err_code_set(ERR_INVALID, EC_FORBIDDEN,
				    "the role %s may not reopen a signed-off reconciliation (admin"
				    " only)",
				    who->role ? who->role : "(none)");
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_text(&o.reason, body, "reason", true, 1000)) < 0)
		return rc;
	return tx_answer(out, c, DB_READ_COMMITTED, reopen_tx, &o, &o.out);
}

int bank_queue_signoffs_list(json_t **out, PGconn *c)
{
	return db_rows_json(out, c, "q_signoffs", 0, NULL, signoff_json);
}

/* --- the queue ------------------------------------------------------------------------------- */

struct list {
	struct ledger_account bank;
	char stmt[LIMIT_CAMT_FIELD_BYTES];
	const char *stmt_given, *tolerance;
	int64_t tol;
	long long after, limit;
	json_t *out;
};

static json_t *queue_line_json(const PGresult *r, int i, const char *locked_to, json_t *cands)
{
	const char *date = PQgetvalue(r, i, C_Q_DATE);

	return json_pack("{s:I, s:s, s:s, s:b, s:o, s:s, s:s, s:s, s:s, s:o, s:s, s:b, s:o}",
			 "bank_line", (json_int_t)fund_body_int64(r, i, C_Q_ID), "date", date,
			 "side", PQgetvalue(r, i, C_Q_SIDE), "reversal",
			 strcmp(PQgetvalue(r, i, C_Q_REVERSAL), "t") == 0, "amount",
			 fund_body_money(fund_body_int64(r, i, C_Q_AMOUNT),
					 PQgetvalue(r, i, C_Q_CURRENCY)),
			 "currency", PQgetvalue(r, i, C_Q_CURRENCY), "party",
			 PQgetvalue(r, i, C_Q_PARTY), "text", PQgetvalue(r, i, C_Q_TEXT),
			 "bank_ref", PQgetvalue(r, i, C_Q_BANK_REF), "bank_tx_code",
			 fund_body_str_or_null(r, i, C_Q_TX_CODE), "status",
			 PQgetvalue(r, i, C_Q_STATUS), "locked",
			 *locked_to && strcmp(date, locked_to) <= 0, "candidates", cands);
}

static int list_tx(PGconn *c, void *ctx)
{
	struct list *t = ctx;
	PGresult *r = NULL, *lt = NULL;
	json_t *lines = NULL;
	char after[24], limit[24], locked_to[FUND_BODY_DATE_BYTES] = "";
	int n, rc = 0;

	json_decref(t->out);
	t->out = NULL;
	if (t->stmt_given)
		snprintf(t->stmt, sizeof(t->stmt), "%s", t->stmt_given);
	else
		rc = bank_reconcile_statement_account(t->stmt, c, t->bank.code);
	snprintf(after, sizeof(after), "%lld", t->after);
	snprintf(limit, sizeof(limit), "%lld", t->limit + 1);
	if (rc == 0)
		rc = db_exec(&lt, c, "q_locked_to", 1, (const char *const[]){t->stmt});
	if (rc == 0)
		rc = db_exec(&r, c, "q_queue", 3,
			     (const char *const[]){t->stmt, t->after ? after : NULL, limit});
	if (rc < 0)
		goto cleanup;
	if (!PQgetisnull(lt, 0, C_LT_DATE))
		snprintf(locked_to, sizeof(locked_to), "%s", PQgetvalue(lt, 0, C_LT_DATE));
	lines = json_array();
	if (!lines) {
		rc = err_oom();
		goto cleanup;
	}
	n = PQntuples(r) > t->limit ? (int)t->limit : PQntuples(r);
	for (int i = 0; i < n; i++) {
		json_t *cands = NULL;

		rc = bank_match_candidates(&cands, NULL, c, fund_body_int64(r, i, C_Q_ID),
					   t->bank.code, t->tol);
		if (rc < 0)
			goto cleanup;
		if (json_array_append_new(lines, queue_line_json(r, i, locked_to, cands)) < 0) {
			rc = err_oom();
			goto cleanup;
		}
	}
	t->out = json_pack("{s:s, s:s, s:s, s:o, s:o, s:O, s:o}", "bank_account", t->bank.code,
			   "statement_account", t->stmt, "currency", t->bank.currency, "tolerance",
			   fund_body_money(t->tol, t->bank.currency), "locked_to",
			   locked_to[0] ? json_string(locked_to) : json_null(), "lines", lines,
			   "next",
			   PQntuples(r) > n ? json_integer(fund_body_int64(r, n - 1, C_Q_ID))
					    : json_null());
	rc = t->out ? 0 : err_oom();
cleanup:
	json_decref(lines);
	PQclear(r);
	PQclear(lt);
	return rc;
}

int bank_queue_list(json_t **out, PGconn *c, json_t *body)
{
	static const char *const allowed[] = {"bank_account", "statement_account", "tolerance",
					      "after", "limit", NULL};
	struct list t = {.limit = LIMIT_QUEUE_LINES};
	const char *bank;
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_text(&bank, body, "bank_account", true, LEDGER_CODE_BYTES - 1)) < 0 ||
	    (rc = fund_body_text(&t.stmt_given, body, "statement_account", false,
				 LIMIT_CAMT_FIELD_BYTES - 1)) < 0 ||
	    (rc = fund_body_text(&t.tolerance, body, "tolerance", false, MONEY_STR_MAX - 1)) < 0 ||
	    (rc = fund_body_id(&t.after, body, "after", false)) < 0 ||
	    (rc = fund_body_id(&t.limit, body, "limit", false)) < 0)
		return rc;
	if (!json_object_get(body, "limit"))
		t.limit = LIMIT_QUEUE_LINES;
	if (t.limit > LIMIT_QUEUE_LINES)
		return err_set(ERR_INVALID, "limit: 1 to %d lines a page", LIMIT_QUEUE_LINES);
	rc = ledger_account_get(&t.bank, c, bank);
	if (rc == ERR_NOTFOUND)
		return err_code_set(ERR_INVALID, EC_UNKNOWN_ACCOUNT, "bank_account: no account '%s'",
				    bank);
	if (rc < 0)
		return rc;
	if (strncmp(t.bank.code, "10", 2) != 0 || strcmp(t.bank.type, "asset") != 0)
		return fund_body_bad("bank_account", "not a bank account (10xx-CCY): ", bank);
	if (t.tolerance &&
	    (rc = fund_body_amount_text(&t.tol, t.tolerance, "tolerance", t.bank.currency,
					FUND_BODY_NON_NEGATIVE)) < 0)
		return rc;
	/* one snapshot: the lines and their candidates as of one moment */
	return tx_answer(out, c, DB_REPEATABLE_READ, list_tx, &t, &t.out);
}
