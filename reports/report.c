/*
 * report.c - `tfledger report KIND` and GET /v1/reports/{KIND}: checks the
 * request, opens one REPEATABLE READ READ ONLY snapshot, reads the ledger
 * head inside it, and hands the writer to the kind's function. The head in
 * the header and every figure of the report therefore describe one state
 * of the journal. Nothing here writes to the database.
 */
#include "reports/report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "fund/fund.h"
#include "ledger/ledger.h"
#include "reports/kinds.h"

#define X(s) BAD_CAST(s)

struct kind {
	const char *name;
	int (*write)(struct reports_ctx *x);
	bool takes_account;
	bool takes_bank_account; /* and requires it */
	bool takes_meeting;      /* and requires it */
};

static const struct kind kinds[] = {
	{"account-statement", reports_write_statement, true, false, false},
	{"trial-balance", reports_write_trial_balance, false, false, false},
	{"donor-contributions", reports_write_donors, false, false, false},
	{"in-kind", reports_write_inkind, false, false, false},
	{"trust-fund-statement", reports_write_fund_statement, false, false, false},
	{"reconciliation", reports_write_reconciliation, false, true, false},
	{"travel-allocation", reports_write_travel_allocation, false, false, true},
	{"iati-activities", reports_write_iati_activities, false, false, false},
	{"iati-organisation", reports_write_iati_organisation, false, false, false},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* LIMIT_REPORT_PAGE_ENTRIES as SQL text, at compile time */
#define STR_(x) #x
#define STR(x) STR_(x)
#define PAGE_ENTRIES STR(LIMIT_REPORT_PAGE_ENTRIES)

/* Statements of every kind, prepared once per connection (reports_setup). */
static const struct db_stmt stmts[] = {
	{"reports_head", "SELECT sequence, hash FROM ledger_head", 0},
	{"reports_account", "SELECT 1 FROM accounts WHERE code = $1", 1},
	/* the fund's IATI organisation identifier, if set (iati.c) */
	{"reports_iati_org_ref", "SELECT value FROM settings WHERE key = 'iati.org_ref'", 0},
	/* account statement: the accounts in scope with their debit balances
	 * before the period and at its end (running balances, one index
	 * descent each: docs/ledger.md) */
	{"reports_st_accounts",
	 "SELECT a.code, a.name, a.type, a.currency, a.normal_side,"
	 " COALESCE((SELECT b.debit_balance FROM balances b WHERE b.account = a.code"
	 "   AND b.day < $1::date ORDER BY b.day DESC LIMIT 1), 0),"
	 " COALESCE((SELECT b.debit_balance FROM balances b WHERE b.account = a.code"
	 "   AND b.day <= $2::date ORDER BY b.day DESC LIMIT 1), 0)"
	 " FROM accounts a WHERE $3::text IS NULL OR a.code = $3"
	 " ORDER BY a.code COLLATE \"C\"", 3},
	{"reports_st_first",
	 "SELECT min(sequence) FROM entries WHERE date BETWEEN $1::date AND $2::date", 2},
	/* a page of the account statement's entries: COPY takes no parameters,
	 * so the sequence the page starts after is set first, in the
	 * transaction, by reports_st_after. Each row one posting; the entry's
	 * columns only on its first posting's row (line 1), NULL on the others.
	 * LATERAL makes it one primary-key descent per entry (a plain join let
	 * the planner scan every posting once per page); the rows come in the
	 * order of the entries (sequence index) and, within each, of the
	 * subquery (line): statement.c checks both and refuses anything else,
	 * which spares the server a sort. Binary: no output functions on the
	 * server (created_at, ids and dates are formatted in statement.c). */
	{"reports_st_after", "SELECT set_config('tfledger.statement_after', $1, true)", 1},
	/* and, once per statement, no JIT: a page's estimated cost passes
	 * jit_above_cost, and compiling it again for every page costs more
	 * than it saves on a plan that is index descents and sends */
	{"reports_st_nojit", "SELECT set_config('jit', 'off', true)", 0},
	{"reports_st_page",
	 "COPY (SELECT e.sequence, e.date,"
	 " CASE WHEN p.line = 1 THEN e.id END, CASE WHEN p.line = 1 THEN e.memo END,"
	 " CASE WHEN p.line = 1 THEN e.reference END, CASE WHEN p.line = 1 THEN e.created_at END,"
	 " CASE WHEN p.line = 1 THEN e.token_id END,"
	 " CASE WHEN p.line = 1 THEN e.idempotency_key END,"
	 " CASE WHEN p.line = 1 THEN e.request_sha256 END,"
	 " CASE WHEN p.line = 1 THEN e.reverses END,"
	 " CASE WHEN p.line = 1 THEN e.prev_hash END, CASE WHEN p.line = 1 THEN e.hash END,"
	 " p.line, p.account, p.side, p.amount, p.currency"
	 " FROM (SELECT * FROM entries"
	 "   WHERE sequence > current_setting('tfledger.statement_after')::bigint"
	 "   ORDER BY sequence LIMIT " PAGE_ENTRIES ") e"
	 " CROSS JOIN LATERAL (SELECT * FROM postings q WHERE q.entry_id = e.id"
	 "   ORDER BY q.line) p"
	 " ORDER BY e.sequence) TO STDOUT (FORMAT binary)", 0},
	/* donor-contributions (fundkinds.c): per donor and pledge currency */
	{"reports_donors",
	 "WITH pl AS (SELECT donor, currency,"
	 "   COALESCE(sum(amount_minor) FILTER (WHERE signed_on BETWEEN $1::date AND $2::date),"
	 "            0) AS pledged,"
	 "   COALESCE(sum(amount_minor) FILTER (WHERE signed_on <= $2::date), 0) AS signed"
	 "   FROM pledges WHERE status <> 'indicative' GROUP BY 1, 2),"
	 " rc AS (SELECT p.donor, r.instructed_currency AS currency,"
	 "   COALESCE(sum(r.instructed_minor) FILTER (WHERE r.received_on BETWEEN $1::date"
	 "            AND $2::date), 0) AS received,"
	 "   COALESCE(sum(r.settled_minor) FILTER (WHERE r.received_on <= $2::date), 0) AS settled"
	 "   FROM receipts r JOIN pledges p ON p.id = r.pledge GROUP BY 1, 2)"
	 " SELECT d.id, d.name, d.org_type, d.country, currency, COALESCE(pl.pledged, 0),"
	 "  COALESCE(rc.received, 0), COALESCE(pl.signed, 0) - COALESCE(rc.settled, 0)"
	 " FROM pl FULL JOIN rc USING (donor, currency) JOIN donors d ON d.id = donor"
	 " WHERE COALESCE(pl.pledged, 0) <> 0 OR COALESCE(rc.received, 0) <> 0"
	 "  OR COALESCE(pl.signed, 0) <> COALESCE(rc.settled, 0)"
	 " ORDER BY d.id COLLATE \"C\", currency", 2},
	{"reports_donor_receipts",
	 "SELECT p.donor, r.received_on, r.instructed_minor, r.instructed_currency, r.id"
	 " FROM receipts r JOIN pledges p ON p.id = r.pledge"
	 " WHERE r.received_on BETWEEN $1::date AND $2::date"
	 " ORDER BY p.donor COLLATE \"C\", r.received_on, r.id", 2},
	/* in-kind (fundkinds.c): gifts whose entry is dated in the period */
	{"reports_inkind",
	 "SELECT g.id, g.kind, g.donor, d.name, g.description, g.amount_minor, g.currency,"
	 " g.period_start, g.period_end"
	 " FROM inkind_gifts g JOIN donors d ON d.id = g.donor"
	 " WHERE g.period_end BETWEEN $1::date AND $2::date ORDER BY g.period_end, g.id", 2},
	/* IATI (iati.c): donors and transactions of the period */
	{"reports_iati_donors",
	 "SELECT d.id, d.name, d.org_type FROM donors d"
	 " WHERE EXISTS (SELECT 1 FROM pledges p WHERE p.donor = d.id AND p.status <> 'indicative'"
	 "   AND p.signed_on BETWEEN $1::date AND $2::date)"
	 " OR EXISTS (SELECT 1 FROM receipts r JOIN pledges p ON p.id = r.pledge"
	 "   WHERE p.donor = d.id AND r.received_on BETWEEN $1::date AND $2::date)"
	 " ORDER BY d.id COLLATE \"C\"", 2},
	{"reports_iati_transactions",
	 "SELECT * FROM ("
	 " SELECT p.signed_on AS day, 11 AS type, p.amount_minor, p.currency,"
	 "  'Contribution agreement ' || p.agreement_no, d.name, d.org_type,"
	 "  'pledge-' || p.id AS ref"
	 " FROM pledges p JOIN donors d ON d.id = p.donor"
	 " WHERE p.status <> 'indicative' AND p.signed_on BETWEEN $1::date AND $2::date"
	 " UNION ALL"
	 " SELECT r.received_on, 1, r.instructed_minor, r.instructed_currency,"
	 "  'Contribution received', d.name, d.org_type, 'receipt-' || r.id"
	 " FROM receipts r JOIN pledges p ON p.id = r.pledge JOIN donors d ON d.id = p.donor"
	 " WHERE r.received_on BETWEEN $1::date AND $2::date"
	 " UNION ALL"
	 " SELECT e.date, 4, CASE WHEN q.side = 'debit' THEN q.amount ELSE -q.amount END,"
	 "  q.currency, CASE WHEN e.memo = '' THEN 'Travel expense' ELSE e.memo END, NULL, NULL,"
	 "  'entry-' || e.sequence || '-' || q.line"
	 " FROM postings q JOIN entries e ON e.id = q.entry_id"
	 " WHERE q.account LIKE '5200-%' AND e.date BETWEEN $1::date AND $2::date"
	 ") t ORDER BY day, type, ref COLLATE \"C\"", 2},
	/* reconciliation (reconkind.c): statement accounts with their currency,
	 * the bank lines of the period grouped by status, the last closing */
	{"reports_rec_accounts",
	 "SELECT account, currency FROM bank_statements WHERE $1::text IS NULL OR account = $1"
	 " GROUP BY 1, 2 ORDER BY account COLLATE \"C\", currency", 1},
	{"reports_rec_lines",
	 "SELECT l.id, COALESCE(l.booking_date, l.value_date, s.closing_date)::text AS day,"
	 " l.match_status, l.side, l.reversal, l.amount_minor, l.currency,"
	 " COALESCE(l.debtor_name, l.creditor_name), l.bank_ref, l.end_to_end_id,"
	 " concat_ws(' ', l.remittance, l.remittance_refs), r.id, r.pledge, p.agreement_no"
	 " FROM bank_lines l JOIN bank_statements s ON s.id = l.statement"
	 " LEFT JOIN receipts r ON r.bank_line = l.id LEFT JOIN pledges p ON p.id = r.pledge"
	 " WHERE l.account = $1"
	 " AND COALESCE(l.booking_date, l.value_date, s.closing_date) BETWEEN $2::date AND $3::date"
	 " ORDER BY l.match_status, day, l.id", 3},
	{"reports_rec_closing",
	 "SELECT closing_minor, closing_date::text FROM bank_statements"
	 " WHERE account = $1 AND closing_minor IS NOT NULL AND closing_date <= $2::date"
	 " ORDER BY closing_date DESC, id DESC LIMIT 1", 2},
	/* trial balance: every account's debits - credits dated up to to */
	{"reports_tb",
	 "SELECT a.code, a.name, a.type, a.currency,"
	 " COALESCE(sum(CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END), 0)"
	 " FROM accounts a"
	 " LEFT JOIN (postings p JOIN entries e ON e.id = p.entry_id AND e.date <= $1::date)"
	 "   ON p.account = a.code"
	 " GROUP BY a.code ORDER BY a.currency, a.code COLLATE \"C\"", 1},
};

bool reports_kind_valid(const char *kind)
{
	for (size_t i = 0; kind && i < N(kinds); i++)
		if (strcmp(kind, kinds[i].name) == 0)
			return true;
	return false;
}

const char *reports_kind_names(void)
{
	return "account-statement, trial-balance, donor-contributions, in-kind, "
	       "trust-fund-statement, reconciliation, travel-allocation, iati-activities, "
	       "iati-organisation";
}

int reports_setup(PGconn *c)
{
	int rc = db_prepare(c, stmts, N(stmts));

	return rc < 0 ? rc : reports_travel_setup(c);
}

/* --- helpers the kinds share (kinds.h) ---------------------------------------- */

static int wrote(int xml_rc, const char *name)
{
	return xml_rc < 0 ? err_set(ERR_SYSTEM, "writing report element <%s> failed", name) : 0;
}

int reports_start(xmlTextWriterPtr w, const char *name)
{
	return wrote(xmlTextWriterStartElement(w, X(name)), name);
}

int reports_end(xmlTextWriterPtr w, const char *name)
{
	return wrote(xmlTextWriterEndElement(w), name);
}

int reports_attr(xmlTextWriterPtr w, const char *name, const char *value)
{
	return wrote(xmlTextWriterWriteAttribute(w, X(name), X(value)), name);
}

int reports_attr_money(xmlTextWriterPtr w, const char *name, int64_t minor, const char *ccy)
{
	char s[MONEY_STR_MAX];
	int rc = money_format(s, minor, ccy);

	return rc < 0 ? rc : reports_attr(w, name, s);
}

int64_t reports_ll(const PGresult *r, int i, int col)
{
	return strtoll(PQgetvalue(r, i, col), NULL, 10);
}

void reports_month(char out[8], const char *date)
{
	snprintf(out, 8, "%.7s", date);
}

int reports_usd(int64_t *usd_out, struct money_rate *rate_out, PGconn *c, int64_t minor,
		const char *ccy, const char *month)
{
	int rc = fund_rate(rate_out, c, ccy, month);

	if (rc < 0)
		return rc;
	return money_convert(usd_out, minor, ccy, *rate_out, "USD");
}

int reports_write_usd(xmlTextWriterPtr w, const char *name, int64_t usd,
		      struct money_rate rate, const char *month)
{
	char amount[MONEY_STR_MAX], r[MONEY_STR_MAX + 8];
	int rc;

	money_rate_format(r, rate);
	if ((rc = money_format(amount, usd, "USD")) < 0 || (rc = reports_start(w, name)) < 0 ||
	    (rc = reports_attr(w, "currency", "USD")) < 0 || (rc = reports_attr(w, "rate", r)) < 0 ||
	    (rc = reports_attr(w, "rate-month", month)) < 0 ||
	    (rc = wrote(xmlTextWriterWriteString(w, X(amount)), name)) < 0)
		return rc;
	return reports_end(w, name);
}

/* --- the entry point --------------------------------------------------------------- */

static int check_request(PGconn *c, const struct reports_request *rq, const struct kind **out)
{
	PGresult *r = NULL;
	int rc;

	*out = NULL;
	for (size_t i = 0; rq->kind && i < N(kinds); i++)
		if (strcmp(rq->kind, kinds[i].name) == 0)
			*out = &kinds[i];
	if (!*out)
		return err_set(ERR_INVALID, "report kind '%s': expected one of %s",
			       rq->kind ? rq->kind : "", reports_kind_names());
	if ((rc = reports_check_date(rq->from, "--from")) < 0 ||
	    (rc = reports_check_date(rq->to, "--to")) < 0)
		return rc;
	if (strcmp(rq->from, rq->to) > 0)
		return err_set(ERR_INVALID, "--from %s is after --to %s", rq->from, rq->to);
	if (rq->generated_at && (rc = reports_check_time(rq->generated_at, "--generated-at")) < 0)
		return rc;
	if (rq->account && !(*out)->takes_account)
		return err_set(ERR_INVALID, "--account is for account-statement, not %s", rq->kind);
	if ((rq->bank_account || rq->statement_account) && !(*out)->takes_bank_account)
		return err_set(ERR_INVALID, "--%s is for reconciliation, not %s",
			       rq->bank_account ? "bank-account" : "statement-account", rq->kind);
	if ((*out)->takes_bank_account && !rq->bank_account)
		return err_set(ERR_INVALID, "%s needs --bank-account CODE", rq->kind);
	if (rq->meeting && !(*out)->takes_meeting)
		return err_set(ERR_INVALID, "--meeting is for travel-allocation, not %s", rq->kind);
	if ((*out)->takes_meeting && !rq->meeting)
		return err_set(ERR_INVALID, "%s needs --meeting ID", rq->kind);
	if (rq->bank_account && !ledger_code_valid(rq->bank_account))
		return err_set(ERR_INVALID, "--bank-account '%s' is not an account code",
			       rq->bank_account);
	if (rq->account) {
		if (!ledger_code_valid(rq->account))
			return err_set(ERR_INVALID, "--account '%s' is not an account code",
				       rq->account);
		if ((rc = db_exec(&r, c, "reports_account", 1,
				  (const char *const[]){rq->account})) < 0)
			return rc;
		if (PQntuples(r) == 0)
			rc = err_set(ERR_INVALID, "--account %s: no such account", rq->account);
		PQclear(r);
	}
	return rc;
}

int reports_write(PGconn *c, const struct reports_request *rq, xmlOutputBufferPtr out)
{
	struct reports_ctx x = {.c = c, .rq = rq};
	char head_hash[HASH_HEX_BYTES];
	const struct kind *k;
	PGresult *r = NULL;
	bool in_tx = false;
	int rc;

	if ((rc = reports_writer_open_buffer(&x.w, out)) < 0)
		return rc;
	if ((rc = db_exec_sql(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) < 0)
		goto cleanup;
	in_tx = true;
	if ((rc = check_request(c, rq, &k)) < 0 ||
	    (rc = db_exec(&r, c, "reports_head", 0, NULL)) < 0)
		goto cleanup;
	snprintf(head_hash, sizeof(head_hash), "%s", PQgetvalue(r, 0, 1));
	x.h = (struct reports_header){REPORTS_FUND_NAME, rq->from, rq->to, rq->generated_at,
				      reports_ll(r, 0, 0), head_hash};
	if ((rc = k->write(&x)) < 0 || (rc = reports_writer_end(x.w)) < 0)
		goto cleanup;
cleanup:
	PQclear(r);
	if (in_tx) {
		int end = db_exec_sql(c, rc < 0 ? "ROLLBACK" : "COMMIT");

		if (rc == 0)
			rc = end;
	}
	reports_writer_free(x.w);
	return rc;
}
