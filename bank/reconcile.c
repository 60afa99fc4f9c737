/*
 * reconcile.c - bank lines against open receivables, and the bank's closing
 * balance against the ledger's (docs/fund.md, "Reconciliation").
 *
 * A matched line posts its receipt through fund_receipt_add (one
 * way to record a receipt), which also marks the line 'matched' in the
 * same transaction; receipts.bank_line is UNIQUE, so a line posts once
 * however often reconciliation runs. Nothing doubtful is ever posted: it
 * is suggested for a person to record with `tfledger receipts add`.
 */
#include "bank/reconcile.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank/match.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"
#include "fund/body.h"
#include "fund/fund.h"

/*
 * The columns of each statement whose rows are read, in the order of its
 * SELECT list, and the names the server gives them (common/db.h): the code
 * reads the enum, bank_reconcile_setup checks the names once per connection.
 */

/* rec_lines: a bank line, its statement's date when it has none, the text
 * agreement numbers are looked for in, the party, the receipt that posted it */
enum {
	C_LINE_ID, C_LINE_AMOUNT, C_LINE_CURRENCY, C_LINE_SIDE, C_LINE_REVERSAL, C_LINE_DATE,
	C_LINE_TEXT, C_LINE_PARTY, C_LINE_INSTRUCTED, C_LINE_INSTRUCTED_CURRENCY,
	C_LINE_RECEIPT, C_LINE_BANK_REF, C_LINE_NCOLS
};
static const char *const line_cols[C_LINE_NCOLS] = {
	[C_LINE_ID] = "id", [C_LINE_AMOUNT] = "amount_minor", [C_LINE_CURRENCY] = "currency",
	[C_LINE_SIDE] = "side", [C_LINE_REVERSAL] = "reversal", [C_LINE_DATE] = "date",
	[C_LINE_TEXT] = "text", [C_LINE_PARTY] = "party",
	[C_LINE_INSTRUCTED] = "instructed_minor",
	[C_LINE_INSTRUCTED_CURRENCY] = "instructed_currency", [C_LINE_RECEIPT] = "receipt",
	[C_LINE_BANK_REF] = "bank_ref"};

/* rec_open: a signed pledge, what is open of it, its donor's name */
enum { C_OPEN_ID, C_OPEN_AGREEMENT, C_OPEN_CURRENCY, C_OPEN_AMOUNT, C_OPEN_DONOR, C_OPEN_NCOLS };
static const char *const open_cols[C_OPEN_NCOLS] = {
	[C_OPEN_ID] = "id", [C_OPEN_AGREEMENT] = "agreement_no", [C_OPEN_CURRENCY] = "currency",
	[C_OPEN_AMOUNT] = "open_minor", [C_OPEN_DONOR] = "name"};

/* rec_closing */
enum { C_CLOSING_MINOR, C_CLOSING_DATE, C_CLOSING_NCOLS };
static const char *const closing_cols[C_CLOSING_NCOLS] = {
	[C_CLOSING_MINOR] = "closing_minor", [C_CLOSING_DATE] = "closing_date"};

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

static const struct db_stmt stmts[] = {
	{"rec_lines",
	 "SELECT l.id, l.amount_minor, l.currency, l.side, l.reversal,"
	 " COALESCE(l.booking_date, l.value_date, s.closing_date)::text AS date,"
	 " concat_ws(' ', l.end_to_end_id, l.remittance, l.remittance_refs) AS text,"
	 " COALESCE(l.debtor_name, l.creditor_name, '') AS party, l.instructed_minor,"
	 " l.instructed_currency, (SELECT r.id FROM receipts r WHERE r.bank_line = l.id)"
	 " AS receipt, COALESCE(l.bank_ref, '') AS bank_ref"
	 " FROM bank_lines l JOIN bank_statements s ON s.id = l.statement"
	 " WHERE l.account = $1 ORDER BY l.id", 1},
	{"rec_open",
	 "SELECT p.id, p.agreement_no, p.currency, p.amount_minor - COALESCE((SELECT"
	 " sum(r.settled_minor) FROM receipts r WHERE r.pledge = p.id), 0) AS open_minor,"
	 " d.name FROM pledges p JOIN donors d ON d.id = p.donor WHERE p.status = 'signed'"
	 " ORDER BY p.id", 0},
	{"rec_status", "UPDATE bank_lines SET match_status = $2 WHERE id = $1", 2},
	{"rec_closing",
	 "SELECT closing_minor, closing_date::text AS closing_date FROM bank_statements"
	 " WHERE account = $1 AND closing_minor IS NOT NULL"
	 " ORDER BY closing_date DESC, id DESC LIMIT 1", 1},
	{"rec_accounts",
	 "SELECT DISTINCT account AS statement_account FROM bank_statements WHERE currency = $1"
	 " AND account NOT IN (SELECT statement_account FROM bank_account_links"
	 "  WHERE account <> $2) ORDER BY 1", 2},
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
	DB_COLUMNS("rec_open", open_cols),
	DB_COLUMNS("rec_closing", closing_cols),
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

struct open_pledge {
	long long id;
	const char *agreement, *currency, *donor;
	int64_t open;
};

static json_t *line_json(const PGresult *r, int i, const char *status, long long pledge,
			 const char *why)
{
	char amount[MONEY_STR_MAX];

	money_format(amount, strtoll(PQgetvalue(r, i, C_LINE_AMOUNT), NULL, 10),
		     PQgetvalue(r, i, C_LINE_CURRENCY));
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "bank_line",
			 (json_int_t)strtoll(PQgetvalue(r, i, C_LINE_ID), NULL, 10), "status",
			 status, "date", PQgetvalue(r, i, C_LINE_DATE), "side",
			 PQgetvalue(r, i, C_LINE_SIDE), "amount", amount, "currency",
			 PQgetvalue(r, i, C_LINE_CURRENCY), "party", PQgetvalue(r, i, C_LINE_PARTY),
			 "bank_ref", PQgetvalue(r, i, C_LINE_BANK_REF), "pledge",
			 pledge ? json_integer(pledge) : json_null(), "reason", why);
}

/* Case-insensitive: does hay contain needle (non-empty)? */
static bool contains(const char *hay, const char *needle)
{
	return *needle && strcasestr(hay, needle) != NULL;
}

/* Posts the receipt of line i for pledge p; 0, or the refusal in err_last(). */
static int post(PGconn *c, const PGresult *r, int i, const struct open_pledge *p,
		const char *bank_account, const struct ledger_actor *who)
{
	const char *ccy = PQgetvalue(r, i, C_LINE_CURRENCY);
	char amount[MONEY_STR_MAX], instructed[MONEY_STR_MAX];
	json_t *body, *out = NULL;
	int rc;

	money_format(amount, strtoll(PQgetvalue(r, i, C_LINE_AMOUNT), NULL, 10), ccy);
	body = json_pack("{s:I, s:s, s:s, s:s, s:I}", "pledge", (json_int_t)p->id, "date",
			 PQgetvalue(r, i, C_LINE_DATE), "bank_account", bank_account, "amount",
			 amount, "bank_line",
			 (json_int_t)strtoll(PQgetvalue(r, i, C_LINE_ID), NULL, 10));
	if (!body)
		return err_set(ERR_INTERNAL, "out of memory");
	if (!PQgetisnull(r, i, C_LINE_INSTRUCTED) &&
	    strcmp(PQgetvalue(r, i, C_LINE_INSTRUCTED_CURRENCY), p->currency) == 0) {
		money_format(instructed, strtoll(PQgetvalue(r, i, C_LINE_INSTRUCTED), NULL, 10),
			     p->currency);
		json_object_set_new(body, "instructed_amount", json_string(instructed));
	}
	rc = fund_receipt_add(&out, c, body, who);
	json_decref(out);
	json_decref(body);
	return rc;
}

/* post: post matched receipts and store each line's status; else only
 * say what a run would do (lines it would post go to "to_post"). */
static int run(json_t **out, PGconn *c, const char *bank_account,
	       const char *statement_account, const char *tolerance,
	       const struct ledger_actor *who, bool posting)
{
	json_t *matched = json_array(), *suggested = json_array(), *unmatched = json_array();
	json_t *to_post = json_array();
	struct open_pledge *open = NULL;
	PGresult *lines = NULL, *pl = NULL, *cl = NULL;
	struct ledger_account bank;
	int64_t tol = 0, ledger = 0, closing = 0;
	char reason[512];
	int n_open = 0, rc;

	*out = NULL;
	if (!matched || !suggested || !unmatched || !to_post) {
		rc = err_set(ERR_INTERNAL, "out of memory");
		goto cleanup;
	}
	rc = ledger_account_get(&bank, c, bank_account);
	if (rc == ERR_NOTFOUND) {
		rc = err_code_set(ERR_INVALID, EC_UNKNOWN_ACCOUNT, "bank_account: no account '%s'",
				  bank_account);
	} else if (rc == 0 && strncmp(bank.code, "10", 2) != 0) {
		rc = err_set(ERR_INVALID, "bank_account: not a bank account (10xx-CCY): %s",
			     bank_account);
	} else if (rc == 0 && tolerance) {
		rc = fund_body_amount_text(&tol, tolerance, "tolerance", bank.currency,
					   FUND_BODY_NON_NEGATIVE);
	}
	if (rc < 0)
		goto cleanup;
	if ((rc = db_exec(&lines, c, "rec_lines", 1,
			  (const char *const[]){statement_account})) < 0 ||
	    (rc = db_exec(&pl, c, "rec_open", 0, NULL)) < 0)
		goto cleanup;
	n_open = PQntuples(pl);
	open = calloc((size_t)n_open + 1, sizeof(*open));
	if (!open) {
		rc = err_set(ERR_INTERNAL, "out of memory");
		goto cleanup;
	}
	for (int k = 0; k < n_open; k++)
		open[k] = (struct open_pledge){strtoll(PQgetvalue(pl, k, C_OPEN_ID), NULL, 10),
					       PQgetvalue(pl, k, C_OPEN_AGREEMENT),
					       PQgetvalue(pl, k, C_OPEN_CURRENCY),
					       PQgetvalue(pl, k, C_OPEN_DONOR),
					       strtoll(PQgetvalue(pl, k, C_OPEN_AMOUNT), NULL, 10)};
	for (int i = 0; i < PQntuples(lines); i++) {
		const char *text = PQgetvalue(lines, i, C_LINE_TEXT),
			   *party = PQgetvalue(lines, i, C_LINE_PARTY);
		const char *status = "unmatched", *id = PQgetvalue(lines, i, C_LINE_ID);
		int64_t amount = strtoll(PQgetvalue(lines, i, C_LINE_AMOUNT), NULL, 10);
		struct open_pledge *hit = NULL;
		int n_hits = 0;

		snprintf(reason, sizeof(reason), "no agreement number or donor matched");
		if (!PQgetisnull(lines, i, C_LINE_RECEIPT)) {
			json_array_append_new(
				matched,
				line_json(lines, i, "matched",
					  strtoll(PQgetvalue(lines, i, C_LINE_RECEIPT), NULL, 10),
					  "receipt recorded"));
			continue;
		}
		if (strcmp(PQgetvalue(lines, i, C_LINE_SIDE), "credit") != 0 ||
		    strcmp(PQgetvalue(lines, i, C_LINE_REVERSAL), "t") == 0 ||
		    strcmp(PQgetvalue(lines, i, C_LINE_CURRENCY), bank.currency) != 0) {
			snprintf(reason, sizeof(reason), "not a credit in %s", bank.currency);
		} else {
			for (int k = 0; k < n_open; k++)
				if (contains(text, open[k].agreement)) {
					hit = &open[k];
					n_hits++;
				}
			if (n_hits == 1 && !posting) {
				snprintf(reason, sizeof(reason),
					 "agreement %s: reconcile posts its receipt if it fits"
					 " what is open", hit->agreement);
				json_array_append_new(to_post, line_json(lines, i, "to_post",
									 hit->id, reason));
				continue;
			} else if (n_hits == 1) {
				rc = post(c, lines, i, hit, bank.code, who);
				if (rc == 0) {
					json_array_append_new(
						matched, line_json(lines, i, "matched", hit->id,
								   "agreement number"));
					continue;
				}
				if (rc != ERR_INVALID && rc != ERR_CONFLICT)
					goto cleanup;
				status = "suggested";
				snprintf(reason, sizeof(reason), "agreement %s, not posted: %s",
					 hit->agreement, err_last());
			} else if (n_hits > 1) {
				status = "suggested";
				hit = NULL;
				snprintf(reason, sizeof(reason), "names %d agreements", n_hits);
			} else {
				for (int k = 0; k < n_open && !hit; k++) {
					int64_t d = open[k].open - amount;

					if (strcmp(open[k].currency, bank.currency) == 0 &&
					    (contains(party, open[k].donor) ||
					     contains(open[k].donor, party)) &&
					    d <= tol && -d <= tol)
						hit = &open[k];
				}
				if (hit) {
					status = "suggested";
					snprintf(reason, sizeof(reason),
						 "donor %s and amount within tolerance of the open"
						 " pledge", hit->donor);
				}
			}
		}
		if (posting)
			rc = db_exec(NULL, c, "rec_status", 2, (const char *const[]){id, status});
		if (rc < 0)
			goto cleanup;
		json_array_append_new(strcmp(status, "suggested") == 0 ? suggested : unmatched,
				      line_json(lines, i, status, hit ? hit->id : 0, reason));
	}
	rc = db_exec(&cl, c, "rec_closing", 1, (const char *const[]){statement_account});
	if (rc < 0)
		goto cleanup;
	if (PQntuples(cl) > 0) {
		closing = strtoll(PQgetvalue(cl, 0, C_CLOSING_MINOR), NULL, 10);
		rc = ledger_balance(&ledger, c, &bank, PQgetvalue(cl, 0, C_CLOSING_DATE));
	} else {
		rc = ledger_balance(&ledger, c, &bank, NULL);
	}
	if (rc < 0)
		goto cleanup;
	{
		char b[MONEY_STR_MAX], l[MONEY_STR_MAX], d[MONEY_STR_MAX];

		money_format(b, closing, bank.currency);
		money_format(l, ledger, bank.currency);
		money_format(d, closing - ledger, bank.currency);
		*out = json_pack("{s:s, s:s, s:s, s:O, s:O, s:O, s:o, s:o, s:s, s:s}",
				 "bank_account", bank.code, "statement_account", statement_account,
				 "currency", bank.currency, "matched", matched, "suggested",
				 suggested, "unmatched", unmatched, "bank_closing",
				 PQntuples(cl) > 0 ? json_string(b) : json_null(), "closing_date",
				 PQntuples(cl) > 0 ? json_string(PQgetvalue(cl, 0, C_CLOSING_DATE))
						   : json_null(),
				 "ledger_balance", l, "difference", d);
	}
	if (*out && !posting)
		json_object_set(*out, "to_post", to_post);
	rc = *out ? 0 : err_set(ERR_INTERNAL, "out of memory");
cleanup:
	free(open);
	PQclear(lines);
	PQclear(pl);
	PQclear(cl);
	json_decref(matched);
	json_decref(suggested);
	json_decref(unmatched);
	json_decref(to_post);
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
		return fund_body_bad("account", "no account ", t.account);
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
