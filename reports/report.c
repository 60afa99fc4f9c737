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
#include "common/text.h"
#include "common/money.h"
#include "fund/fund.h"
#include "ledger/ledger.h"
#include "reports/checkpoint.h"
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
	{"financial-position", reports_write_financial_position, false, false, false},
	{"financial-performance", reports_write_financial_performance, false, false, false},
	{"changes-in-net-assets", reports_write_changes_in_net_assets, false, false, false},
	{"cash-flow", reports_write_cash_flow, false, false, false},
	{"budget-status", reports_write_budget_status, false, false, false},
	{"budget-comparison", reports_write_budget_comparison, false, false, false},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The statements of the snapshot and the one query several kinds read; each
 * kind prepares its own beside its code (kinds.h). Columns by enum and
 * name as common/db.h says.
 */

/* reports_head */
enum { HEAD_SEQUENCE, HEAD_HASH, HEAD_NCOLS };
static const char *const head_cols[HEAD_NCOLS] = {[HEAD_SEQUENCE] = "sequence",
						   [HEAD_HASH] = "hash"};

/* reports_st_accounts: its enum is in kinds.h (account statement, trust
 * fund statement, IATI organisation) */
static const char *const accounts_cols[ACC_NCOLS] = {
	[ACC_CODE] = "code", [ACC_NAME] = "name", [ACC_TYPE] = "type",
	[ACC_CURRENCY] = "currency", [ACC_NORMAL_SIDE] = "normal_side",
	[ACC_OPENING] = "opening", [ACC_CLOSING] = "closing"};

static const struct db_stmt stmts[] = {
	{"reports_head", "SELECT sequence, hash FROM ledger_head", 0},
	{"reports_account", "SELECT 1 FROM accounts WHERE code = $1", 1},
	/* the accounts in scope with their debit balances before the period
	 * and at its end (running balances, one index descent each:
	 * docs/ledger.md) */
	{"reports_st_accounts",
	 "SELECT a.code, a.name, a.type, a.currency, a.normal_side,"
	 " COALESCE((SELECT b.debit_balance FROM balances b WHERE b.account = a.code"
	 "   AND b.day < $1::date ORDER BY b.day DESC LIMIT 1), 0) AS opening,"
	 " COALESCE((SELECT b.debit_balance FROM balances b WHERE b.account = a.code"
	 "   AND b.day <= $2::date ORDER BY b.day DESC LIMIT 1), 0) AS closing"
	 " FROM accounts a WHERE $3::text IS NULL OR a.code = $3"
	 " ORDER BY a.code COLLATE \"C\"", 3},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("reports_head", head_cols),
	DB_COLUMNS("reports_st_accounts", accounts_cols),
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
	       "iati-organisation, "
	       "financial-position, financial-performance, changes-in-net-assets, cash-flow, "
	       "budget-status, budget-comparison";
}

int reports_setup(PGconn *c)
{
	int rc = db_setup(c, stmts, N(stmts), columns, N(columns));

	if (rc == 0)
		rc = reports_statement_setup(c);
	if (rc == 0)
		rc = reports_trial_setup(c);
	if (rc == 0)
		rc = reports_fund_setup(c);
	if (rc == 0)
		rc = reports_iati_setup(c);
	if (rc == 0)
		rc = reports_rec_setup(c);
	if (rc == 0)
		rc = reports_ipsas_setup(c);
	if (rc == 0)
		rc = reports_checkpoint_setup(c);
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
	char *shown = NULL;
	int rc;

	/* text stored before the rule of common/text.h: shown, never raw */
	if (value && !text_ok(value, strlen(value)) &&
	    !(shown = text_shown(value, strlen(value))))
		return err_oom();
	rc = wrote(xmlTextWriterWriteAttribute(w, X(name), X(shown ? shown : value)), name);
	free(shown);
	return rc;
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
	    (rc = reports_attr(w, "currency", "USD")) < 0 ||
	    (rc = reports_attr(w, "rate", r)) < 0 ||
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
	snprintf(head_hash, sizeof(head_hash), "%s", PQgetvalue(r, 0, HEAD_HASH));
	x.h = (struct reports_header){REPORTS_FUND_NAME, rq->from, rq->to, rq->generated_at,
				      reports_ll(r, 0, HEAD_SEQUENCE), head_hash};
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
