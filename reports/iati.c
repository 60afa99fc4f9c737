/*
 * iati.c - the fund in IATI 2.03 (iatistandard.org), for publication:
 *
 * iati-activities: one activity, the trust fund, with its donors of the
 *   period as funding organisations and its transactions of the period:
 *   incoming commitments (11) for pledges signed, incoming funds (1) for
 *   receipts (instructed amount, pledge currency), and expenditure (4) for
 *   travel expenses (postings on 5200 accounts: a debit spends, a credit, a
 *   reversal, is negative), by date, type, then ref.
 *
 * IATI files are published: they carry no personal data (docs/privacy.md).
 * Travel expenditure is published per meeting, aggregated, never per
 * traveller: one transaction per meeting and currency (the meeting's name,
 * place and dates, how many travellers, the sum of the period, dated on its
 * last expense), for a meeting with at least IATI_TRAVEL_MIN_TRAVELLERS
 * travellers settled in the period; the meetings with fewer, and travel
 * expenses of no meeting (entries not referenced 'travel:MEETING'), are
 * folded into one transaction per currency that names no meeting, so that
 * a figure never belongs to one or two people. No entry memo, applicant
 * id, name or country is written.
 * iati-organisation: the fund as an organisation, with its total
 *   expenditure of the period in USD (UN rate of the period's last month)
 *   and one expense line per expense account.
 *
 * IATI files have no namespace and no tfledger header: generated-datetime
 * is --generated-at (or now), so the same ledger and arguments give the same
 * bytes. Codes come from fixed values and the donors' org_type, which the
 * database limits to the OrganisationType codelist (migrations/0020); the
 * tests check every code against the codelists in reports/iati/codelists.
 *
 * The fund's IATI organisation identifier (reporting-org ref, and the
 * activity's identifier with "-TF") is the setting iati.org_ref in the
 * settings table, read inside the report's snapshot; without it,
 * IATI_ORG_REF_UNSET, a placeholder that is not a registered identifier
 * (docs/reports.md: set the real one before publishing). A set value is
 * checked against IATI's form for identifiers: an agency prefix, '-', an
 * id; letters, digits, '-', '.', '_' only (no spaces, '/', ... ).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"
#include "reports/kinds.h"

#define IATI_ORG_REF_UNSET "XI-IATI-IGFTF"
#define IATI_ORG_REF_BYTES 101 /* IATI identifiers are short; a stated maximum */
#define IATI_ORG_TYPE "40" /* OrganisationType: Multilateral */
#define IATI_ORG_NAME "UN DESA - Internet Governance Forum Trust Fund"
/* A meeting's travel support is published on its own only with at least
 * this many travellers settled in the period; fewer are folded with the
 * others (small cells single people out). */
#define IATI_TRAVEL_MIN_TRAVELLERS "3"

#define X(s) BAD_CAST(s)

/* --- statements (common/db.h) ------------------------------------------------------- */

/* reports_iati_org_ref: the fund's IATI organisation identifier, if set */
enum { REF_VALUE, REF_NCOLS };
static const char *const ref_cols[REF_NCOLS] = {[REF_VALUE] = "value"};

/* reports_iati_donors: the donors with a pledge signed or a receipt in the period */
enum { DONOR_ID, DONOR_NAME, DONOR_ORG_TYPE, DONOR_NCOLS };
static const char *const donors_cols[DONOR_NCOLS] = {
	[DONOR_ID] = "id", [DONOR_NAME] = "name", [DONOR_ORG_TYPE] = "org_type"};

/* reports_iati_transactions: pledges (11), receipts (1) and travel expenses
 * (4, aggregated per meeting or folded) of the period; the provider only
 * for pledges and receipts */
enum {
	TR_DAY, TR_TYPE, TR_AMOUNT, TR_CURRENCY, TR_DESCRIPTION, TR_PROVIDER_NAME,
	TR_PROVIDER_TYPE, TR_REF, TR_NCOLS
};
static const char *const transactions_cols[TR_NCOLS] = {
	[TR_DAY] = "day", [TR_TYPE] = "type", [TR_AMOUNT] = "amount_minor",
	[TR_CURRENCY] = "currency", [TR_DESCRIPTION] = "description",
	[TR_PROVIDER_NAME] = "provider_name", [TR_PROVIDER_TYPE] = "provider_type",
	[TR_REF] = "ref"};

static const struct db_stmt stmts[] = {
	{"reports_iati_org_ref", "SELECT value FROM settings WHERE key = 'iati.org_ref'", 0},
	{"reports_iati_donors",
	 "SELECT d.id, d.name, d.org_type FROM donors d"
	 " WHERE EXISTS (SELECT 1 FROM pledges p WHERE p.donor = d.id AND p.status <> 'indicative'"
	 "   AND p.signed_on BETWEEN $1::date AND $2::date)"
	 " OR EXISTS (SELECT 1 FROM receipts r JOIN pledges p ON p.id = r.pledge"
	 "   WHERE p.donor = d.id AND r.received_on BETWEEN $1::date AND $2::date)"
	 " ORDER BY d.id COLLATE \"C\"", 2},
	{"reports_iati_transactions",
	 /* the period's travel expenses per meeting (NULL: of no meeting) and
	  * currency, with the travellers whose settlement they are */
	 "WITH travel_per_meeting AS ("
	 " SELECT m.id AS meeting, m.name, m.place, m.starts_on::text AS starts_on,"
	 "  m.ends_on::text AS ends_on, q.currency, max(e.date) AS day,"
	 "  sum(CASE WHEN q.side = 'debit' THEN q.amount ELSE -q.amount END) AS amount_minor,"
	 "  count(DISTINCT t.person) AS travellers"
	 " FROM postings q JOIN entries e ON e.id = q.entry_id"
	 " LEFT JOIN travel_meetings m ON e.reference = 'travel:' || m.id"
	 " LEFT JOIN travel_trips t ON t.settlement_entry = e.id"
	 " WHERE q.account LIKE '5200-%' AND e.date BETWEEN $1::date AND $2::date"
	 " GROUP BY m.id, q.currency)"
	 " SELECT * FROM ("
	 " SELECT p.signed_on AS day, 11 AS type, p.amount_minor, p.currency,"
	 "  'Contribution agreement ' || p.agreement_no AS description,"
	 "  d.name AS provider_name, d.org_type AS provider_type, 'pledge-' || p.id AS ref"
	 " FROM pledges p JOIN donors d ON d.id = p.donor"
	 " WHERE p.status <> 'indicative' AND p.signed_on BETWEEN $1::date AND $2::date"
	 " UNION ALL"
	 " SELECT r.received_on, 1, r.instructed_minor, r.instructed_currency,"
	 "  'Contribution received', d.name, d.org_type, 'receipt-' || r.id"
	 " FROM receipts r JOIN pledges p ON p.id = r.pledge JOIN donors d ON d.id = p.donor"
	 " WHERE r.received_on BETWEEN $1::date AND $2::date"
	 " UNION ALL"
	 " SELECT day, 4, amount_minor, currency,"
	 "  'Travel support for participants of ' || name || ' (' || place || ', ' || starts_on"
	 "  || ' to ' || ends_on || '), travellers: ' || travellers,"
	 "  NULL, NULL, 'travel-' || meeting || '-' || currency"
	 " FROM travel_per_meeting WHERE meeting IS NOT NULL"
	 "  AND travellers >= " IATI_TRAVEL_MIN_TRAVELLERS
	 " UNION ALL"
	 " SELECT max(day), 4, sum(amount_minor), currency,"
	 "  'Travel support for participants of meetings with fewer than "
	 IATI_TRAVEL_MIN_TRAVELLERS " travellers each, and travel expenses of no meeting,"
	 " travellers: ' || sum(travellers),"
	 "  NULL, NULL, 'travel-other-' || currency"
	 " FROM travel_per_meeting WHERE meeting IS NULL"
	 "  OR travellers < " IATI_TRAVEL_MIN_TRAVELLERS
	 " GROUP BY currency"
	 ") t ORDER BY day, type, ref COLLATE \"C\"", 2},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("reports_iati_org_ref", ref_cols),
	DB_COLUMNS("reports_iati_donors", donors_cols),
	DB_COLUMNS("reports_iati_transactions", transactions_cols),
};

int reports_iati_setup(PGconn *c)
{
	return db_setup(c, stmts, sizeof(stmts) / sizeof(stmts[0]), columns,
			sizeof(columns) / sizeof(columns[0]));
}

/* --- writing ---------------------------------------------------------------------------- */

static int narrative(xmlTextWriterPtr w, const char *parent, const char *text)
{
	int rc;

	if ((rc = reports_start(w, parent)) < 0 ||
	    (rc = reports_write_text(w, "narrative", text)) < 0)
		return rc;
	return reports_end(w, parent);
}

/* <name ref=.. type=..><narrative>text</narrative></name>; ref may be NULL. */
static int org(xmlTextWriterPtr w, const char *name, const char *ref, const char *role,
	       const char *type, const char *text)
{
	int rc;

	if ((rc = reports_start(w, name)) < 0 || (ref && (rc = reports_attr(w, "ref", ref)) < 0) ||
	    (role && (rc = reports_attr(w, "role", role)) < 0) ||
	    (rc = reports_attr(w, "type", type)) < 0 ||
	    (rc = reports_write_text(w, "narrative", text)) < 0)
		return rc;
	return reports_end(w, name);
}

/* <value currency=.. value-date=..>decimal</value> */
static int value(xmlTextWriterPtr w, int64_t minor, const char *ccy, const char *date)
{
	char s[MONEY_STR_MAX];
	int rc;

	if ((rc = money_format(s, minor, ccy)) < 0 || (rc = reports_start(w, "value")) < 0 ||
	    (rc = reports_attr(w, "currency", ccy)) < 0 ||
	    (rc = reports_attr(w, "value-date", date)) < 0 ||
	    xmlTextWriterWriteString(w, X(s)) < 0)
		return rc < 0 ? rc : err_set(ERR_SYSTEM, "writing <value> failed");
	return reports_end(w, "value");
}

/* The fund's identifier into out: the setting iati.org_ref, else the
 * placeholder. ERR_INVALID naming the setting if it is malformed. */
static int org_ref(char out[IATI_ORG_REF_BYTES], PGconn *c)
{
	PGresult *r = NULL;
	const char *v;
	int rc;

	if ((rc = db_exec(&r, c, "reports_iati_org_ref", 0, NULL)) < 0)
		return rc;
	v = PQntuples(r) ? PQgetvalue(r, 0, REF_VALUE) : IATI_ORG_REF_UNSET;
	if (strlen(v) < 3 || strlen(v) >= IATI_ORG_REF_BYTES || !strchr(v + 1, '-') ||
	    v[0] == '-' || v[strlen(v) - 1] == '-' ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._") !=
		    strlen(v))
		rc = err_set(ERR_INVALID,
			     "setting iati.org_ref '%s': expected an IATI "
			     "organisation identifier, AGENCY-ID (letters, digits, '-', '.', '_'; "
			     "at most %d characters)",
			     v, IATI_ORG_REF_BYTES - 1);
	else
		snprintf(out, IATI_ORG_REF_BYTES, "%s", v);
	PQclear(r);
	return rc;
}

/* The root: <ROOT version="2.03" generated-datetime=..>. */
static int begin(struct reports_ctx *x, const char *root, char stamp[DATE_TIME_BYTES])
{
	int rc;

	if (x->rq->generated_at)
		snprintf(stamp, DATE_TIME_BYTES, "%s", x->rq->generated_at);
	else
		date_format_time(stamp, time(NULL));
	if ((rc = reports_start(x->w, root)) < 0 ||
	    (rc = reports_attr(x->w, "version", "2.03")) < 0)
		return rc;
	return reports_attr(x->w, "generated-datetime", stamp);
}

static int transactions(struct reports_ctx *x, const PGresult *t)
{
	xmlTextWriterPtr w = x->w;
	int rc = 0;

	for (int i = 0; i < PQntuples(t); i++) {
		const char *date = PQgetvalue(t, i, TR_DAY), *type = PQgetvalue(t, i, TR_TYPE);

		if ((rc = reports_start(w, "transaction")) < 0 ||
		    (rc = reports_attr(w, "ref", PQgetvalue(t, i, TR_REF))) < 0 ||
		    (rc = reports_start(w, "transaction-type")) < 0 ||
		    (rc = reports_attr(w, "code", type)) < 0 ||
		    (rc = reports_end(w, "transaction-type")) < 0 ||
		    (rc = reports_start(w, "transaction-date")) < 0 ||
		    (rc = reports_attr(w, "iso-date", date)) < 0 ||
		    (rc = reports_end(w, "transaction-date")) < 0 ||
		    (rc = value(w, reports_ll(t, i, TR_AMOUNT), PQgetvalue(t, i, TR_CURRENCY),
				date)) < 0 ||
		    (rc = narrative(w, "description", PQgetvalue(t, i, TR_DESCRIPTION))) < 0 ||
		    (!PQgetisnull(t, i, TR_PROVIDER_NAME) &&
		     (rc = org(w, "provider-org", NULL, NULL, PQgetvalue(t, i, TR_PROVIDER_TYPE),
			       PQgetvalue(t, i, TR_PROVIDER_NAME))) < 0) ||
		    (rc = reports_end(w, "transaction")) < 0)
			return rc;
	}
	return rc;
}

int reports_write_iati_activities(struct reports_ctx *x)
{
	const char *const params[] = {x->rq->from, x->rq->to};
	xmlTextWriterPtr w = x->w;
	char stamp[DATE_TIME_BYTES], ref[IATI_ORG_REF_BYTES], id[IATI_ORG_REF_BYTES + 3];
	PGresult *d = NULL, *t = NULL;
	int rc;

	if ((rc = org_ref(ref, x->c)) < 0)
		return rc;
	snprintf(id, sizeof(id), "%s-TF", ref);
	if ((rc = db_exec(&d, x->c, "reports_iati_donors", 2, params)) < 0 ||
	    (rc = db_exec(&t, x->c, "reports_iati_transactions", 2, params)) < 0 ||
	    (rc = begin(x, "iati-activities", stamp)) < 0 ||
	    (rc = reports_start(w, "iati-activity")) < 0 ||
	    (rc = reports_attr(w, "default-currency", "USD")) < 0 ||
	    (rc = reports_attr(w, "last-updated-datetime", stamp)) < 0 ||
	    (rc = reports_attr(w, "xml:lang", "en")) < 0 ||
	    (rc = reports_write_text(w, "iati-identifier", id)) < 0 ||
	    (rc = org(w, "reporting-org", ref, NULL, IATI_ORG_TYPE, IATI_ORG_NAME)) < 0 ||
	    (rc = narrative(w, "title", "IGF Trust Fund")) < 0 ||
	    (rc = reports_start(w, "description")) < 0 || (rc = reports_attr(w, "type", "1")) < 0 ||
	    (rc = reports_write_text(w, "narrative",
				     "Extrabudgetary trust fund supporting the "
				     "Internet Governance Forum and travel of "
				     "participants from developing countries.")) < 0 ||
	    (rc = reports_end(w, "description")) < 0)
		goto cleanup;
	for (int i = 0; i < PQntuples(d); i++)
		if ((rc = org(w, "participating-org", NULL, "1", PQgetvalue(d, i, DONOR_ORG_TYPE),
			      PQgetvalue(d, i, DONOR_NAME))) < 0)
			goto cleanup;
	if ((rc = org(w, "participating-org", ref, "4", IATI_ORG_TYPE, IATI_ORG_NAME)) < 0 ||
	    (rc = reports_start(w, "activity-status")) < 0 ||
	    (rc = reports_attr(w, "code", "2")) < 0 || /* Implementation */
	    (rc = reports_end(w, "activity-status")) < 0 ||
	    (rc = reports_start(w, "activity-date")) < 0 ||
	    (rc = reports_attr(w, "iso-date", x->rq->from)) < 0 ||
	    (rc = reports_attr(w, "type", "2")) < 0 || /* Actual start */
	    (rc = reports_end(w, "activity-date")) < 0 || (rc = transactions(x, t)) < 0)
		goto cleanup;
cleanup:
	PQclear(d);
	PQclear(t);
	return rc;
}

/* What expense account row i of reports_st_accounts moved in the period, in USD at month's rate. */
static int expense_usd(int64_t *out, PGconn *c, const PGresult *a, int i, const char *month)
{
	struct money_rate rate;

	return reports_usd(out, &rate, c,
			   reports_ll(a, i, ACC_CLOSING) - reports_ll(a, i, ACC_OPENING),
			   PQgetvalue(a, i, ACC_CURRENCY), month);
}

int reports_write_iati_organisation(struct reports_ctx *x)
{
	const char *const params[] = {x->rq->from, x->rq->to, NULL};
	xmlTextWriterPtr w = x->w;
	char stamp[DATE_TIME_BYTES], month[8], ref[IATI_ORG_REF_BYTES];
	int64_t total = 0;
	PGresult *a = NULL;
	int rc;

	reports_month(month, x->rq->to);
	if ((rc = org_ref(ref, x->c)) < 0 ||
	    (rc = db_exec(&a, x->c, "reports_st_accounts", 3, params)) < 0)
		goto cleanup;
	for (int i = 0; i < PQntuples(a); i++) { /* the total comes before its lines */
		int64_t usd;

		if (strcmp(PQgetvalue(a, i, ACC_TYPE), "expense") != 0)
			continue;
		if ((rc = expense_usd(&usd, x->c, a, i, month)) < 0 ||
		    (rc = money_add(&total, total, usd)) < 0)
			goto cleanup;
	}
	if ((rc = begin(x, "iati-organisations", stamp)) < 0 ||
	    (rc = reports_start(w, "iati-organisation")) < 0 ||
	    (rc = reports_attr(w, "default-currency", "USD")) < 0 ||
	    (rc = reports_attr(w, "last-updated-datetime", stamp)) < 0 ||
	    (rc = reports_attr(w, "xml:lang", "en")) < 0 ||
	    (rc = reports_write_text(w, "organisation-identifier", ref)) < 0 ||
	    (rc = narrative(w, "name", IATI_ORG_NAME)) < 0 ||
	    (rc = org(w, "reporting-org", ref, NULL, IATI_ORG_TYPE, IATI_ORG_NAME)) < 0 ||
	    (rc = reports_start(w, "total-expenditure")) < 0 ||
	    (rc = reports_start(w, "period-start")) < 0 ||
	    (rc = reports_attr(w, "iso-date", x->rq->from)) < 0 ||
	    (rc = reports_end(w, "period-start")) < 0 ||
	    (rc = reports_start(w, "period-end")) < 0 ||
	    (rc = reports_attr(w, "iso-date", x->rq->to)) < 0 ||
	    (rc = reports_end(w, "period-end")) < 0 || (rc = value(w, total, "USD", x->rq->to)) < 0)
		goto cleanup;
	for (int i = 0; i < PQntuples(a); i++) {
		int64_t usd;

		if (strcmp(PQgetvalue(a, i, ACC_TYPE), "expense") != 0)
			continue;
		if ((rc = expense_usd(&usd, x->c, a, i, month)) < 0 ||
		    (rc = reports_start(w, "expense-line")) < 0 ||
		    (rc = reports_attr(w, "ref", PQgetvalue(a, i, ACC_CODE))) < 0 ||
		    (rc = value(w, usd, "USD", x->rq->to)) < 0 ||
		    (rc = reports_write_text(w, "narrative", PQgetvalue(a, i, ACC_NAME))) < 0 ||
		    (rc = reports_end(w, "expense-line")) < 0)
			goto cleanup;
	}
cleanup:
	PQclear(a);
	return rc;
}
