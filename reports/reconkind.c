/*
 * reconkind.c - the reconciliation report (docs/reports.md): the bank lines
 * of one statement account (IBAN, as in bank_lines.account) dated in the
 * period, grouped by the match_status that `tfledger reconcile`
 * (bank/reconcile.c) stored - matched (with the posting of the ledger it
 * is matched to, and the receipt it posted), suggested, unmatched - then
 * the bank's closing balance against the ledger's balance of the bank
 * account (10xx-CCY) on the closing day, and the reconciliation statement
 * that explains their difference item by item (bank_reconcile_statement:
 * the same figures as the CLI and GET /v1/reconcile, computed in one place).
 *
 * It only reads, inside the report's snapshot: it never runs matching and
 * never moves a match_status, so it shows what reconcile last stored. A
 * line's date is its booking date, else its value date, else its
 * statement's closing date (as reconcile dates the receipt it posts).
 * Memory grows with the bank lines of the period and the statement's
 * unreconciled items, never with all postings.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "bank/reconcile.h"
#include "common/money.h"
#include "ledger/ledger.h"
#include "reports/kinds.h"

/* --- statements (common/db.h) ------------------------------------------------------- */

/* reports_rec_accounts: the statement accounts with their currency */
enum { SA_ACCOUNT, SA_CURRENCY, SA_NCOLS };
static const char *const accounts_cols[SA_NCOLS] = {[SA_ACCOUNT] = "account",
						     [SA_CURRENCY] = "currency"};

/* reports_rec_lines: the bank lines of the period by status, each with the
 * posting it is matched to and the receipt (and its pledge) posted for it */
enum {
	L_ID, L_DAY, L_STATUS, L_SIDE, L_REVERSAL, L_AMOUNT, L_CCY, L_PARTY, L_BANK_REF,
	L_E2E, L_REMITTANCE, L_RECEIPT, L_PLEDGE, L_AGREEMENT, L_ENTRY, L_ENTRY_LINE, L_KIND,
	L_HOW, L_NCOLS
};
static const char *const lines_cols[L_NCOLS] = {
	[L_ID] = "id", [L_DAY] = "day", [L_STATUS] = "match_status", [L_SIDE] = "side",
	[L_REVERSAL] = "reversal", [L_AMOUNT] = "amount_minor", [L_CCY] = "currency",
	[L_PARTY] = "party", [L_BANK_REF] = "bank_ref", [L_E2E] = "end_to_end_id",
	[L_REMITTANCE] = "remittance", [L_RECEIPT] = "receipt", [L_PLEDGE] = "pledge",
	[L_AGREEMENT] = "agreement_no", [L_ENTRY] = "entry", [L_ENTRY_LINE] = "entry_line",
	[L_KIND] = "kind", [L_HOW] = "how"};

/* reports_rec_closing: the last closing balance on or before the period's end */
enum { CL_MINOR, CL_DATE, CL_NCOLS };
static const char *const closing_cols[CL_NCOLS] = {[CL_MINOR] = "closing_minor",
						    [CL_DATE] = "closing_date"};

static const struct db_stmt stmts[] = {
	{"reports_rec_accounts",
	 "SELECT account, currency FROM bank_statements WHERE $1::text IS NULL OR account = $1"
	 " GROUP BY 1, 2 ORDER BY account COLLATE \"C\", currency", 1},
	{"reports_rec_lines",
	 "SELECT l.id, COALESCE(l.booking_date, l.value_date, s.closing_date)::text AS day,"
	 " l.match_status, l.side, l.reversal, l.amount_minor, l.currency,"
	 " COALESCE(l.debtor_name, l.creditor_name) AS party, l.bank_ref, l.end_to_end_id,"
	 " concat_ws(' ', l.remittance, l.remittance_refs) AS remittance, r.id AS receipt,"
	 " r.pledge, p.agreement_no, m.entry_id::text AS entry, m.line AS entry_line, m.kind,"
	 " m.how"
	 " FROM bank_lines l JOIN bank_statements s ON s.id = l.statement"
	 " LEFT JOIN receipts r ON r.bank_line = l.id LEFT JOIN pledges p ON p.id = r.pledge"
	 " LEFT JOIN bank_line_matches m ON m.bank_line = l.id"
	 " WHERE l.account = $1"
	 " AND COALESCE(l.booking_date, l.value_date, s.closing_date) BETWEEN $2::date AND $3::date"
	 " ORDER BY l.match_status, day, l.id", 3},
	{"reports_rec_closing",
	 "SELECT closing_minor, closing_date::text FROM bank_statements"
	 " WHERE account = $1 AND closing_minor IS NOT NULL AND closing_date <= $2::date"
	 " ORDER BY closing_date DESC, id DESC LIMIT 1", 2},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("reports_rec_accounts", accounts_cols),
	DB_COLUMNS("reports_rec_lines", lines_cols),
	DB_COLUMNS("reports_rec_closing", closing_cols),
};

int reports_rec_setup(PGconn *c)
{
	return db_setup(c, stmts, sizeof(stmts) / sizeof(stmts[0]), columns,
			sizeof(columns) / sizeof(columns[0]));
}

/* --- the report ------------------------------------------------------------------------- */

static const char *const statuses[] = {"matched", "suggested", "unmatched"};

/*
 * *out = the statement account: rq's, checked to have statements in the
 * bank account's currency, or else the only statement account in that
 * currency. ERR_INVALID naming what to give otherwise. *out points into
 * *r, which the caller clears.
 */
static int statement_account(const char **out, PGresult **r, struct reports_ctx *x,
			     const struct ledger_account *bank)
{
	const char *want = x->rq->statement_account;
	int rc, n = 0;

	*out = NULL;
	if ((rc = db_exec(r, x->c, "reports_rec_accounts", 1, (const char *const[]){want})) < 0)
		return rc;
	for (int i = 0; i < PQntuples(*r); i++) {
		if (strcmp(PQgetvalue(*r, i, SA_CURRENCY), bank->currency) != 0) {
			if (want)
				return err_set(ERR_INVALID,
					       "--statement-account %s is in %s, "
					       "--bank-account %s in %s",
					       want, PQgetvalue(*r, i, SA_CURRENCY), bank->code,
					       bank->currency);
			continue;
		}
		if (!*out || strcmp(*out, PQgetvalue(*r, i, SA_ACCOUNT)) != 0)
			n++;
		*out = PQgetvalue(*r, i, SA_ACCOUNT);
	}
	if (want && !*out)
		return err_set(ERR_INVALID, "--statement-account %s: no bank statement imported",
			       want);
	if (!*out)
		return err_set(ERR_INVALID, "no bank statement in %s imported; give "
			       "--statement-account IBAN", bank->currency);
	if (n > 1)
		return err_set(ERR_INVALID, "%d statement accounts in %s; give "
			       "--statement-account IBAN", n, bank->currency);
	return 0;
}

/* Optional text child: left out when the column is NULL or empty. */
static int text_opt(xmlTextWriterPtr w, const char *name, const PGresult *r, int i, int col)
{
	if (PQgetisnull(r, i, col) || !*PQgetvalue(r, i, col))
		return 0;
	return reports_write_text(w, name, PQgetvalue(r, i, col));
}

static int write_line(xmlTextWriterPtr w, const PGresult *r, int i)
{
	int rc;

	if ((rc = reports_start(w, "line")) < 0 ||
	    (rc = reports_attr(w, "id", PQgetvalue(r, i, L_ID))) < 0 ||
	    (rc = reports_attr(w, "date", PQgetvalue(r, i, L_DAY))) < 0 ||
	    (rc = reports_attr(w, "side", PQgetvalue(r, i, L_SIDE))) < 0 ||
	    (rc = reports_attr(w, "reversal", strcmp(PQgetvalue(r, i, L_REVERSAL), "t") == 0
							 ? "true" : "false")) < 0 ||
	    (rc = reports_write_money(w, "amount", reports_ll(r, i, L_AMOUNT),
				      PQgetvalue(r, i, L_CCY))) < 0 ||
	    (rc = text_opt(w, "party", r, i, L_PARTY)) < 0 ||
	    (rc = text_opt(w, "bank-ref", r, i, L_BANK_REF)) < 0 ||
	    (rc = text_opt(w, "end-to-end-id", r, i, L_E2E)) < 0 ||
	    (rc = text_opt(w, "remittance", r, i, L_REMITTANCE)) < 0)
		return rc;
	if (!PQgetisnull(r, i, L_ENTRY) &&
	    ((rc = reports_start(w, "posting")) < 0 ||
	     (rc = reports_attr(w, "entry", PQgetvalue(r, i, L_ENTRY))) < 0 ||
	     (rc = reports_attr(w, "line", PQgetvalue(r, i, L_ENTRY_LINE))) < 0 ||
	     (rc = reports_attr(w, "kind", PQgetvalue(r, i, L_KIND))) < 0 ||
	     (rc = reports_attr(w, "how", PQgetvalue(r, i, L_HOW))) < 0 ||
	     (rc = reports_end(w, "posting")) < 0))
		return rc;
	if (!PQgetisnull(r, i, L_RECEIPT) &&
	    ((rc = reports_start(w, "receipt")) < 0 ||
	     (rc = reports_attr(w, "id", PQgetvalue(r, i, L_RECEIPT))) < 0 ||
	     (rc = reports_attr(w, "pledge", PQgetvalue(r, i, L_PLEDGE))) < 0 ||
	     (rc = reports_attr(w, "agreement", PQgetvalue(r, i, L_AGREEMENT))) < 0 ||
	     (rc = reports_end(w, "receipt")) < 0))
		return rc;
	return reports_end(w, "line");
}

/* <matched count="N"> and its lines (rows come grouped by status). */
static int write_group(xmlTextWriterPtr w, const char *status, const PGresult *r)
{
	char n_text[24];
	int rc, n = 0, n_text_len;

	for (int i = 0; i < PQntuples(r); i++)
		n += strcmp(PQgetvalue(r, i, L_STATUS), status) == 0;
	n_text_len = snprintf(n_text, sizeof(n_text), "%d", n);
	if (n_text_len < 0 || (size_t)n_text_len >= sizeof(n_text))
		return err_set(ERR_INTERNAL, "line count does not fit");
	if ((rc = reports_start(w, status)) < 0 || (rc = reports_attr(w, "count", n_text)) < 0)
		return rc;
	for (int i = 0; i < PQntuples(r); i++)
		if (strcmp(PQgetvalue(r, i, L_STATUS), status) == 0 &&
		    (rc = write_line(w, r, i)) < 0)
			return rc;
	return reports_end(w, status);
}

/* --- the reconciliation statement (bank_reconcile_statement's object) ------------------- */

/* An attribute from a JSON string or integer member; left out when absent,
 * null or "". */
static int attr_json(xmlTextWriterPtr w, const char *name, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	char n[24];

	if (json_is_integer(v)) {
		snprintf(n, sizeof(n), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return reports_attr(w, name, n);
	}
	if (!json_is_string(v) || !*json_string_value(v))
		return 0;
	return reports_attr(w, name, json_string_value(v));
}

/* A text child from a JSON string member; left out when absent or "". */
static int text_json(xmlTextWriterPtr w, const char *name, const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v && *v ? reports_write_text(w, name, v) : 0;
}

/* <name currency="CCY">amount</name> from a JSON amount string (exact:
 * parsed back to minor units); left out when the member is null. */
static int money_json(xmlTextWriterPtr w, const char *name, const json_t *o, const char *key,
		      const char *ccy)
{
	const json_t *v = json_object_get(o, key);
	int64_t minor;

	if (json_is_null(v))
		return 0;
	if (!json_is_string(v) || money_parse(&minor, json_string_value(v), ccy) < 0)
		return err_set(ERR_INTERNAL, "reconciliation statement: %s is no %s amount", key,
			       ccy);
	return reports_write_money(w, name, minor, ccy);
}

/* What one item of each group is written as. */
enum item_shape { ITEM_POSTING, ITEM_BANK_LINE, ITEM_GAP, ITEM_PAIR };

static int write_item(xmlTextWriterPtr w, enum item_shape shape, const json_t *it,
		      const char *ccy)
{
	int rc = 0;

	switch (shape) {
	case ITEM_POSTING:
		if ((rc = reports_start(w, "posting")) < 0 ||
		    (rc = attr_json(w, "entry", it, "entry")) < 0 ||
		    (rc = attr_json(w, "line", it, "line")) < 0 ||
		    (rc = attr_json(w, "date", it, "date")) < 0 ||
		    (rc = attr_json(w, "side", it, "side")) < 0 ||
		    (rc = money_json(w, "amount", it, "amount", ccy)) < 0 ||
		    (rc = text_json(w, "memo", it, "memo")) < 0 ||
		    (rc = text_json(w, "reference", it, "reference")) < 0)
			return rc;
		return reports_end(w, "posting");
	case ITEM_BANK_LINE:
		if ((rc = reports_start(w, "bank-line")) < 0 ||
		    (rc = attr_json(w, "id", it, "bank_line")) < 0 ||
		    (rc = attr_json(w, "date", it, "date")) < 0 ||
		    (rc = attr_json(w, "side", it, "side")) < 0 ||
		    (rc = money_json(w, "amount", it, "amount", ccy)) < 0 ||
		    (rc = text_json(w, "party", it, "party")) < 0 ||
		    (rc = text_json(w, "bank-ref", it, "bank_ref")) < 0 ||
		    (rc = text_json(w, "bank-tx-code", it, "bank_tx_code")) < 0)
			return rc;
		return reports_end(w, "bank-line");
	case ITEM_GAP:
		if ((rc = reports_start(w, "gap")) < 0 ||
		    (rc = attr_json(w, "statement", it, "statement")) < 0 ||
		    (rc = attr_json(w, "previous-statement", it, "previous_statement")) < 0 ||
		    (rc = attr_json(w, "date", it, "date")) < 0 ||
		    (rc = attr_json(w, "previous-closing-date", it, "previous_closing_date")) < 0 ||
		    (rc = money_json(w, "opening", it, "opening", ccy)) < 0 ||
		    (rc = money_json(w, "previous-closing", it, "previous_closing", ccy)) < 0)
			return rc;
		return reports_end(w, "gap");
	case ITEM_PAIR:
		if ((rc = reports_start(w, "pair")) < 0 ||
		    (rc = attr_json(w, "bank-line", it, "bank_line")) < 0 ||
		    (rc = attr_json(w, "date", it, "date")) < 0 ||
		    (rc = attr_json(w, "entry", it, "entry")) < 0 ||
		    (rc = attr_json(w, "line", it, "line")) < 0 ||
		    (rc = money_json(w, "bank", it, "bank", ccy)) < 0 ||
		    (rc = money_json(w, "ledger", it, "ledger", ccy)) < 0 ||
		    (rc = money_json(w, "difference", it, "difference", ccy)) < 0)
			return rc;
		return reports_end(w, "pair");
	}
	return err_set(ERR_INTERNAL, "reconciliation statement: unknown item shape");
}

/* The statement's groups in the order an auditor reads them: the ledger's
 * items, then the bank's, then what only a broken chain of statements or
 * a matched pair of different amounts leaves. */
static const struct {
	const char *key, *element;
	enum item_shape shape;
} groups[] = {
	{"receipts_in_transit", "receipts-in-transit", ITEM_POSTING},
	{"outstanding_payments", "outstanding-payments", ITEM_POSTING},
	{"bank_credits_not_in_ledger", "bank-credits-not-in-ledger", ITEM_BANK_LINE},
	{"bank_debits_not_in_ledger", "bank-debits-not-in-ledger", ITEM_BANK_LINE},
	{"statement_gaps", "statement-gaps", ITEM_GAP},
	{"amount_differences", "amount-differences", ITEM_PAIR},
};

static int write_statement(xmlTextWriterPtr w, const json_t *st, const char *ccy)
{
	const json_t *bf = json_object_get(st, "brought_forward");
	int rc;

	if ((rc = reports_start(w, "statement")) < 0 ||
	    (rc = attr_json(w, "closing-date", st, "closing_date")) < 0 ||
	    (rc = attr_json(w, "statement", st, "statement")) < 0 ||
	    (rc = money_json(w, "bank-closing", st, "bank_closing", ccy)) < 0 ||
	    (rc = money_json(w, "ledger-balance", st, "ledger_balance", ccy)) < 0 ||
	    (rc = reports_start(w, "brought-forward")) < 0 ||
	    (rc = attr_json(w, "statement", bf, "statement")) < 0 ||
	    (rc = attr_json(w, "date", bf, "date")) < 0 ||
	    (rc = money_json(w, "bank-opening", bf, "bank_opening", ccy)) < 0 ||
	    (rc = money_json(w, "ledger-opening", bf, "ledger_opening", ccy)) < 0 ||
	    (rc = money_json(w, "effect", bf, "effect", ccy)) < 0 ||
	    (rc = reports_end(w, "brought-forward")) < 0)
		return rc;
	for (size_t k = 0; k < sizeof(groups) / sizeof(groups[0]); k++) {
		const json_t *g = json_object_get(st, groups[k].key), *it;
		size_t i;

		if ((rc = reports_start(w, groups[k].element)) < 0 ||
		    (rc = money_json(w, "total", g, "total", ccy)) < 0 ||
		    (rc = money_json(w, "effect", g, "effect", ccy)) < 0)
			return rc;
		json_array_foreach(json_object_get(g, "items"), i, it)
			if ((rc = write_item(w, groups[k].shape, it, ccy)) < 0)
				return rc;
		if ((rc = reports_end(w, groups[k].element)) < 0)
			return rc;
	}
	if ((rc = money_json(w, "difference", st, "difference", ccy)) < 0 ||
	    (rc = money_json(w, "explained", st, "explained", ccy)) < 0 ||
	    (rc = money_json(w, "unexplained", st, "unexplained", ccy)) < 0)
		return rc;
	return reports_end(w, "statement");
}

int reports_write_reconciliation(struct reports_ctx *x)
{
	xmlTextWriterPtr w = x->w;
	PGresult *acc = NULL, *lines = NULL, *cl = NULL;
	json_t *st = NULL;
	struct ledger_account bank;
	const char *iban = NULL, *as_of;
	int64_t ledger = 0, closing = 0, diff = 0;
	bool has_closing;
	int rc;

	rc = ledger_account_get(&bank, x->c, x->rq->bank_account);
	if (rc == ERR_NOTFOUND)
		rc = err_set(ERR_INVALID, "--bank-account %s: no such account",
			     x->rq->bank_account);
	else if (rc == 0 && (strncmp(bank.code, "10", 2) != 0 || strcmp(bank.type, "asset") != 0))
		rc = err_set(ERR_INVALID, "--bank-account %s: not a bank account (10xx-CCY)",
			     bank.code);
	if (rc < 0 || (rc = statement_account(&iban, &acc, x, &bank)) < 0)
		goto cleanup;
	if ((rc = db_exec(&lines, x->c, "reports_rec_lines", 3,
			  (const char *const[]){iban, x->rq->from, x->rq->to})) < 0 ||
	    (rc = db_exec(&cl, x->c, "reports_rec_closing", 2,
			  (const char *const[]){iban, x->rq->to})) < 0)
		goto cleanup;
	/* the ledger on the day of the bank's last closing balance, as reconcile compares */
	has_closing = PQntuples(cl) > 0;
	as_of = has_closing ? PQgetvalue(cl, 0, CL_DATE) : x->rq->to;
	if (has_closing)
		closing = reports_ll(cl, 0, CL_MINOR);
	if ((rc = ledger_balance(&ledger, x->c, &bank, as_of)) < 0 ||
	    (rc = money_sub(&diff, closing, ledger)) < 0 ||
	    (rc = reports_writer_begin(w, "reconciliation", &x->h)) < 0 ||
	    (rc = reports_start(w, "bank-account")) < 0 ||
	    (rc = reports_attr(w, "code", bank.code)) < 0 ||
	    (rc = reports_attr(w, "currency", bank.currency)) < 0 ||
	    (rc = reports_attr(w, "statement-account", iban)) < 0 ||
	    (rc = reports_end(w, "bank-account")) < 0)
		goto cleanup;
	for (size_t s = 0; s < sizeof(statuses) / sizeof(statuses[0]); s++)
		if ((rc = write_group(w, statuses[s], lines)) < 0)
			goto cleanup;
	if ((rc = reports_start(w, "balances")) < 0 ||
	    (rc = reports_write_date(w, "as-of", as_of)) < 0 ||
	    (has_closing &&
	     (rc = reports_write_money(w, "bank-closing", closing, bank.currency)) < 0) ||
	    (rc = reports_write_money(w, "ledger-balance", ledger, bank.currency)) < 0 ||
	    (has_closing &&
	     (rc = reports_write_money(w, "difference", diff, bank.currency)) < 0) ||
	    (rc = reports_end(w, "balances")) < 0)
		goto cleanup;
	/* the statement explaining the difference, when a statement closes by the period's end */
	rc = bank_reconcile_statement(&st, x->c, bank.code, iban, x->rq->to);
	if (rc == ERR_NOTFOUND) {
		err_clear();
		rc = 0;
	} else if (rc == 0) {
		rc = write_statement(w, st, bank.currency);
	}
cleanup:
	json_decref(st);
	PQclear(acc);
	PQclear(lines);
	PQclear(cl);
	return rc;
}
