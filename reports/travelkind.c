/*
 * travelkind.c - the travel-allocation report (docs/reports.md): for one
 * stored meeting (`--meeting ID`), its latest ranking run as of the
 * period's end (policy id, version and SHA-256, ranking date, budget, every
 * decision in stored position order with rank, outcome, amounts, reason
 * codes and sentence), the meeting's trips as the report's snapshot holds
 * them, each with the sequence and hash of every entry it made, and totals
 * of the meeting's entries (reference 'travel:ID') on 8100-CCY and 5200-CCY,
 * grouped by date: before, in and after the period; and, when there are
 * some, the overruns finance countersigned for the meeting (fund_overruns,
 * migration 0050; an optional element of the schema).
 *
 * Written from the tables of 0030_travel.sql (travel/travel.c writes them);
 * it only reads, inside the report's snapshot, and never ranks. The totals
 * are read with one aggregate over the postings, the entries one by one
 * under their trips: the writer sums what it listed and refuses to finish
 * (ERR_INTERNAL) unless the two agree, so every figure of the totals is
 * tied to entries named by sequence in the same file.
 *
 * The kind's queries are kept here, in their own table prepared by
 * reports_travel_setup() (called from reports_setup), beside the code that
 * reads their columns. Streaming: decisions, trips and unlinked entries are
 * read in keyset pages of LIMIT_REPORT_PAGE_ENTRIES: memory does not grow
 * with the number of applicants or entries.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "reports/kinds.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE_TEXT_BYTES 24

/* One entry's figures on the meeting's accounts: Dr 8100 (obliged), Cr 8100
 * (released: by a release or a settlement), Dr - Cr 5200 (spent). */
#define ENTRY_FIGURES(ccy_param)                                                          \
	" COALESCE(sum(p.amount) FILTER (WHERE p.account = '8100-' || " ccy_param            \
	"   AND p.side = 'debit'), 0) AS obliged,"                                             \
	" COALESCE(sum(p.amount) FILTER (WHERE p.account = '8100-' || " ccy_param            \
	"   AND p.side = 'credit'), 0) AS released,"                                           \
	" COALESCE(sum(CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END)"          \
	"   FILTER (WHERE p.account = '5200-' || " ccy_param "), 0) AS spent"

/* The columns of each statement, beside it (common/db.h). */

/* reports_trv_meeting: the meeting and its trips by state */
enum {
	M_ID, M_NAME, M_STARTS_ON, M_ENDS_ON, M_PLACE, M_CURRENCY, M_BUDGET_LINE, M_TRIPS,
	M_OFFERED, M_APPROVED, M_SETTLED, M_DECLINED, M_CANCELLED, M_NCOLS
};
static const char *const meeting_cols[M_NCOLS] = {
	[M_ID] = "id", [M_NAME] = "name", [M_STARTS_ON] = "starts_on", [M_ENDS_ON] = "ends_on",
	[M_PLACE] = "place", [M_CURRENCY] = "currency", [M_BUDGET_LINE] = "budget_line",
	[M_TRIPS] = "trips", [M_OFFERED] = "offered", [M_APPROVED] = "approved",
	[M_SETTLED] = "settled", [M_DECLINED] = "declined", [M_CANCELLED] = "cancelled"};

/* reports_trv_run: the latest run (by id, as approval takes it) ranked on or
 * before $2, with how many runs were, and its decisions by outcome */
enum {
	R_ID, R_RANKED_ON, R_POLICY_ID, R_POLICY_VERSION, R_POLICY_SHA256, R_ALLOCATION,
	R_BUDGET_SOURCE, R_BUDGET, R_ALLOCATED, R_REMAINING, R_CURRENCY, R_CREATED_BY, R_RUNS,
	R_DECISIONS, R_FUNDED, R_WAITLISTED, R_INELIGIBLE, R_NCOLS
};
static const char *const run_cols[R_NCOLS] = {
	[R_ID] = "id", [R_RANKED_ON] = "ranked_on", [R_POLICY_ID] = "policy_id",
	[R_POLICY_VERSION] = "policy_version", [R_POLICY_SHA256] = "policy_sha256",
	[R_ALLOCATION] = "allocation", [R_BUDGET_SOURCE] = "budget_source",
	[R_BUDGET] = "budget_minor", [R_ALLOCATED] = "allocated_minor",
	[R_REMAINING] = "remaining_minor", [R_CURRENCY] = "currency",
	[R_CREATED_BY] = "created_by", [R_RUNS] = "runs", [R_DECISIONS] = "decisions",
	[R_FUNDED] = "funded", [R_WAITLISTED] = "waitlisted", [R_INELIGIBLE] = "ineligible"};

/* reports_trv_runs: for the message when there is none: every run, the
 * first ranking date */
enum { RUNS_COUNT, RUNS_FIRST, RUNS_NCOLS };
static const char *const runs_cols[RUNS_NCOLS] = {[RUNS_COUNT] = "runs",
						   [RUNS_FIRST] = "first_ranked_on"};

/* reports_trv_decisions: a page of decisions of run $1 after position $2;
 * the applicant as stored now: once its personal fields are erased
 * (travel/privacy.h) its name is empty and erased_on says when, and the
 * report shows its pseudonymous id only */
enum {
	D_POSITION, D_APPLICANT, D_RANK, D_DECISION, D_AMOUNT, D_GRANTED, D_REASONS,
	D_EXPLANATION, D_NAME, D_COUNTRY, D_CATEGORY, D_ROLE, D_REQUEST, D_REQUESTED_ON,
	D_ERASED_ON, D_NCOLS
};
static const char *const decisions_cols[D_NCOLS] = {
	[D_POSITION] = "position", [D_APPLICANT] = "applicant", [D_RANK] = "rank",
	[D_DECISION] = "decision", [D_AMOUNT] = "amount_minor", [D_GRANTED] = "granted_minor",
	[D_REASONS] = "reasons", [D_EXPLANATION] = "explanation", [D_NAME] = "name",
	[D_COUNTRY] = "country", [D_CATEGORY] = "category", [D_ROLE] = "role",
	[D_REQUEST] = "request", [D_REQUESTED_ON] = "requested_on", [D_ERASED_ON] = "erased_on"};

/* reports_trv_trips: a page of the meeting's trips after id $3, each row one
 * of its entries (or NULLs for a trip without one), entries by sequence */
enum {
	T_ID, T_APPLICANT, T_RUN, T_STATUS, T_GRANTED, T_REPORT, T_AIRFARE, T_DSA, T_ROLE,
	T_SEQUENCE, T_DATE, T_HASH, T_REFERENCE, T_OBLIGED, T_RELEASED, T_SPENT, T_NCOLS
};
static const char *const trips_cols[T_NCOLS] = {
	[T_ID] = "id", [T_APPLICANT] = "applicant", [T_RUN] = "run", [T_STATUS] = "status",
	[T_GRANTED] = "granted_minor", [T_REPORT] = "report_received_on",
	[T_AIRFARE] = "airfare_minor", [T_DSA] = "dsa_minor", [T_ROLE] = "role",
	[T_SEQUENCE] = "sequence", [T_DATE] = "date", [T_HASH] = "hash",
	[T_REFERENCE] = "reference", [T_OBLIGED] = "obliged", [T_RELEASED] = "released",
	[T_SPENT] = "spent"};

/* reports_trv_other: a page of the meeting's entries after sequence $3 that
 * no trip names (posted by hand with its reference): listed so that the
 * totals tie */
enum { O_SEQUENCE, O_DATE, O_HASH, O_OBLIGED, O_RELEASED, O_SPENT, O_NCOLS };
static const char *const other_cols[O_NCOLS] = {
	[O_SEQUENCE] = "sequence", [O_DATE] = "date", [O_HASH] = "hash",
	[O_OBLIGED] = "obliged", [O_RELEASED] = "released", [O_SPENT] = "spent"};

/* reports_trv_totals: the totals straight from the postings, by date:
 * bucket 0 before the period ($3 from), 1 in it, 2 after it ($4 to) */
enum { TOT_BUCKET, TOT_OBLIGED, TOT_RELEASED, TOT_SPENT, TOT_NCOLS };
static const char *const totals_cols[TOT_NCOLS] = {
	[TOT_BUCKET] = "bucket", [TOT_OBLIGED] = "obliged", [TOT_RELEASED] = "released",
	[TOT_SPENT] = "spent"};

/* reports_trv_overruns: the meeting's countersigned overruns (fund/control.h) */
enum {
	OV_ID, OV_AMOUNT, OV_CURRENCY, OV_REASON, OV_BY, OV_ROLE, OV_AT, OV_USED_BY, OV_USED_AT,
	OV_NCOLS
};
static const char *const overrun_cols[OV_NCOLS] = {
	[OV_ID] = "id", [OV_AMOUNT] = "amount_minor", [OV_CURRENCY] = "currency",
	[OV_REASON] = "reason", [OV_BY] = "signed_by", [OV_ROLE] = "signed_role",
	[OV_AT] = "signed_at", [OV_USED_BY] = "used_by", [OV_USED_AT] = "used_at"};

static const struct db_stmt stmts[] = {
	{"reports_trv_meeting",
	 "SELECT m.id, m.name, m.starts_on::text, m.ends_on::text, m.place, m.currency,"
	 " m.budget_line, count(t.id) AS trips,"
	 " count(t.id) FILTER (WHERE t.status = 'offered') AS offered,"
	 " count(t.id) FILTER (WHERE t.status = 'approved') AS approved,"
	 " count(t.id) FILTER (WHERE t.status = 'settled') AS settled,"
	 " count(t.id) FILTER (WHERE t.status = 'declined') AS declined,"
	 " count(t.id) FILTER (WHERE t.status = 'cancelled') AS cancelled"
	 " FROM travel_meetings m LEFT JOIN travel_trips t ON t.meeting = m.id"
	 " WHERE m.id = $1 GROUP BY m.id", 1},
	{"reports_trv_run",
	 "SELECT r.id, r.ranked_on::text, r.policy_id, r.policy_version, r.policy_sha256,"
	 " r.allocation, r.budget_source, r.budget_minor, r.allocated_minor, r.remaining_minor,"
	 " r.currency, r.created_by,"
	 " (SELECT count(*) FROM travel_runs x WHERE x.meeting = $1 AND x.ranked_on <= $2::date)"
	 "   AS runs,"
	 " (SELECT count(*) FROM travel_decisions d WHERE d.run = r.id) AS decisions,"
	 " (SELECT count(*) FROM travel_decisions d WHERE d.run = r.id AND d.decision = 'funded')"
	 "   AS funded,"
	 " (SELECT count(*) FROM travel_decisions d WHERE d.run = r.id"
	 "   AND d.decision = 'waitlisted') AS waitlisted,"
	 " (SELECT count(*) FROM travel_decisions d WHERE d.run = r.id"
	 "   AND d.decision = 'ineligible') AS ineligible"
	 " FROM travel_runs r WHERE r.meeting = $1 AND r.ranked_on <= $2::date"
	 " ORDER BY r.id DESC LIMIT 1", 2},
	{"reports_trv_runs", "SELECT count(*) AS runs, min(ranked_on)::text AS first_ranked_on"
			     " FROM travel_runs WHERE meeting = $1", 1},
	{"reports_trv_decisions",
	 "SELECT d.position, d.applicant, d.rank, d.decision, d.amount_minor, d.granted_minor,"
	 " array_to_string(d.reasons, ' ') AS reasons, d.explanation,"
	 " a.name, a.country, a.category, a.role, a.request, a.requested_on,"
	 " to_char(a.erased_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS erased_on"
	 " FROM travel_decisions d JOIN travel_runs r ON r.id = d.run"
	 " LEFT JOIN travel_applicants a ON a.meeting = r.meeting AND a.id = d.applicant"
	 " WHERE d.run = $1 AND d.position > $2 ORDER BY d.position LIMIT $3", 3},
	{"reports_trv_trips",
	 "SELECT t.id, t.applicant, t.run, t.status, t.granted_minor,"
	 " t.report_received_on::text, t.airfare_minor, t.dsa_minor,"
	 " e.role, e.sequence, e.date::text, e.hash, e.reference, e.obliged, e.released, e.spent"
	 " FROM (SELECT * FROM travel_trips WHERE meeting = $1 AND id > $3 ORDER BY id LIMIT $4) t"
	 " LEFT JOIN LATERAL (SELECT k.role, x.sequence, x.date, x.hash, x.reference,"
	 ENTRY_FIGURES("$2")
	 "  FROM (VALUES (t.obligation_entry, 'obligation'), (t.release_entry, 'release'),"
	 "    (t.settlement_entry, 'settlement')) k (id, role)"
	 "  JOIN entries x ON x.id = k.id JOIN postings p ON p.entry_id = x.id"
	 "  GROUP BY x.id, k.role) e ON true"
	 " ORDER BY t.id, e.sequence", 4},
	{"reports_trv_other",
	 "SELECT e.sequence, e.date::text, e.hash," ENTRY_FIGURES("$2")
	 " FROM entries e JOIN postings p ON p.entry_id = e.id"
	 " WHERE e.reference = 'travel:' || $1 AND e.sequence > $3"
	 " AND e.id IN (SELECT q.entry_id FROM postings q WHERE q.account IN"
	 "   ('8100-' || $2, '8190-' || $2, '5200-' || $2))"
	 " AND NOT EXISTS (SELECT 1 FROM travel_trips t WHERE t.meeting = $1"
	 "   AND e.id IN (t.obligation_entry, t.release_entry, t.settlement_entry))"
	 " GROUP BY e.id ORDER BY e.sequence LIMIT $4", 4},
	{"reports_trv_totals",
	 "SELECT CASE WHEN e.date < $3::date THEN 0 WHEN e.date <= $4::date THEN 1 ELSE 2 END"
	 " AS bucket," ENTRY_FIGURES("$2")
	 " FROM postings p JOIN entries e ON e.id = p.entry_id"
	 " WHERE p.account IN ('8100-' || $2, '8190-' || $2, '5200-' || $2)"
	 " AND e.reference = 'travel:' || $1 GROUP BY 1 ORDER BY 1", 4},
	{"reports_trv_overruns",
	 "SELECT id, amount_minor, currency, reason, signed_by, signed_role,"
	 " to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS signed_at,"
	 " used_by, to_char(used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS used_at"
	 " FROM fund_overruns WHERE meeting = $1 ORDER BY id", 1},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("reports_trv_meeting", meeting_cols),
	DB_COLUMNS("reports_trv_run", run_cols),
	DB_COLUMNS("reports_trv_runs", runs_cols),
	DB_COLUMNS("reports_trv_decisions", decisions_cols),
	DB_COLUMNS("reports_trv_trips", trips_cols),
	DB_COLUMNS("reports_trv_other", other_cols),
	DB_COLUMNS("reports_trv_totals", totals_cols),
	DB_COLUMNS("reports_trv_overruns", overrun_cols),
};

int reports_travel_setup(PGconn *c)
{
	return db_setup(c, stmts, N(stmts), columns, N(columns));
}

/* What one entry moved on the meeting's accounts. */
struct figures {
	int64_t obliged, released, spent;
};

enum { BEFORE, IN_PERIOD, AFTER, BUCKETS };

struct travel {
	struct reports_ctx *x;
	const char *meeting, *ccy;
	char reference[48];
	struct figures listed[BUCKETS]; /* summed from the entries written */
};

static int add(struct figures *to, const struct figures *f)
{
	int rc;

	if ((rc = money_add(&to->obliged, to->obliged, f->obliged)) < 0 ||
	    (rc = money_add(&to->released, to->released, f->released)) < 0 ||
	    (rc = money_add(&to->spent, to->spent, f->spent)) < 0)
		return err_wrap(rc, "travel-allocation totals");
	return 0;
}

static int bucket(const struct travel *t, const char *date)
{
	if (strcmp(date, t->x->rq->from) < 0)
		return BEFORE;
	return strcmp(date, t->x->rq->to) <= 0 ? IN_PERIOD : AFTER;
}

static int attr_opt(xmlTextWriterPtr w, const char *name, const PGresult *r, int i, int col)
{
	if (PQgetisnull(r, i, col) || !*PQgetvalue(r, i, col))
		return 0;
	return reports_attr(w, name, PQgetvalue(r, i, col));
}

static int write_figures(xmlTextWriterPtr w, const struct figures *f, const char *ccy)
{
	int rc;

	if ((rc = reports_write_money(w, "obliged", f->obliged, ccy)) < 0 ||
	    (rc = reports_write_money(w, "released", f->released, ccy)) < 0)
		return rc;
	return reports_write_money(w, "spent", f->spent, ccy);
}

/*
 * Where an entry's columns are in a result: reports_trv_trips' or
 * reports_trv_other's.
 */
struct entry_cols {
	int sequence, date, hash, obliged, released, spent;
};

static const struct entry_cols trip_entry = {T_SEQUENCE, T_DATE, T_HASH,
					     T_OBLIGED, T_RELEASED, T_SPENT};
static const struct entry_cols other_entry = {O_SEQUENCE, O_DATE, O_HASH,
					      O_OBLIGED, O_RELEASED, O_SPENT};

/*
 * <entry [role=] sequence= date= hash= in-period=> with its figures, from
 * row i of r, its columns where col says; counted in t->listed.
 */
static int write_entry(struct travel *t, const char *role, const PGresult *r, int i,
		       const struct entry_cols *col)
{
	xmlTextWriterPtr w = t->x->w;
	const char *date = PQgetvalue(r, i, col->date);
	struct figures f = {reports_ll(r, i, col->obliged), reports_ll(r, i, col->released),
			    reports_ll(r, i, col->spent)};
	int b = bucket(t, date), rc;

	if ((rc = reports_start(w, "entry")) < 0 ||
	    (role && (rc = reports_attr(w, "role", role)) < 0) ||
	    (rc = reports_attr(w, "sequence", PQgetvalue(r, i, col->sequence))) < 0 ||
	    (rc = reports_attr(w, "date", date)) < 0 ||
	    (rc = reports_attr(w, "hash", PQgetvalue(r, i, col->hash))) < 0 ||
	    (rc = reports_attr(w, "in-period", b == IN_PERIOD ? "true" : "false")) < 0 ||
	    (rc = write_figures(w, &f, t->ccy)) < 0 || (rc = add(&t->listed[b], &f)) < 0)
		return rc;
	return reports_end(w, "entry");
}

/* --- the meeting and its run ------------------------------------------------------- */

static int write_meeting(struct travel *t, const PGresult *m)
{
	xmlTextWriterPtr w = t->x->w;
	int rc;

	if ((rc = reports_start(w, "meeting")) < 0 ||
	    (rc = reports_attr(w, "id", PQgetvalue(m, 0, M_ID))) < 0 ||
	    (rc = reports_attr(w, "currency", PQgetvalue(m, 0, M_CURRENCY))) < 0 ||
	    (rc = reports_write_text(w, "name", PQgetvalue(m, 0, M_NAME))) < 0 ||
	    (rc = reports_write_date(w, "starts-on", PQgetvalue(m, 0, M_STARTS_ON))) < 0 ||
	    (rc = reports_write_date(w, "ends-on", PQgetvalue(m, 0, M_ENDS_ON))) < 0 ||
	    (rc = reports_write_text(w, "place", PQgetvalue(m, 0, M_PLACE))) < 0 ||
	    (*PQgetvalue(m, 0, M_BUDGET_LINE) &&
	     (rc = reports_write_text(w, "budget-line", PQgetvalue(m, 0, M_BUDGET_LINE))) < 0))
		return rc;
	return reports_end(w, "meeting");
}

/* *out = the run to report; ERR_INVALID naming --meeting if there is none. */
static int load_run(PGresult **out, struct travel *t)
{
	PGresult *all = NULL;
	int rc = db_exec(out, t->x->c, "reports_trv_run", 2,
			 (const char *const[]){t->meeting, t->x->rq->to});

	if (rc < 0 || PQntuples(*out) > 0)
		return rc;
	PQclear(*out);
	*out = NULL;
	if ((rc = db_exec(&all, t->x->c, "reports_trv_runs", 1,
			  (const char *const[]){t->meeting})) < 0)
		return rc;
	if (reports_ll(all, 0, RUNS_COUNT) == 0)
		rc = err_set(ERR_INVALID,
			     "--meeting %s: no ranking stored yet (tfledger travel rank "
			     "--meeting %s stores one)",
			     t->meeting, t->meeting);
	else
		rc = err_set(ERR_INVALID,
			     "--meeting %s: no ranking on or before --to %s (the first "
			     "was ranked on %s)",
			     t->meeting, t->x->rq->to, PQgetvalue(all, 0, RUNS_FIRST));
	PQclear(all);
	return rc;
}

static int write_applicant(xmlTextWriterPtr w, const PGresult *r, int i)
{
	int rc;

	if (PQgetisnull(r, i, D_NAME))
		return err_set(ERR_INTERNAL, "decision for %s: no such applicant stored",
			       PQgetvalue(r, i, D_APPLICANT));
	if ((rc = reports_start(w, "applicant")) < 0 ||
	    (rc = attr_opt(w, "name", r, i, D_NAME)) < 0 ||
	    (rc = attr_opt(w, "erased-on", r, i, D_ERASED_ON)) < 0 ||
	    (rc = reports_attr(w, "country", PQgetvalue(r, i, D_COUNTRY))) < 0 ||
	    (rc = reports_attr(w, "category", PQgetvalue(r, i, D_CATEGORY))) < 0 ||
	    (rc = attr_opt(w, "role", r, i, D_ROLE)) < 0 ||
	    (rc = reports_attr(w, "request", PQgetvalue(r, i, D_REQUEST))) < 0 ||
	    (rc = reports_attr(w, "requested-on", PQgetvalue(r, i, D_REQUESTED_ON))) < 0)
		return rc;
	return reports_end(w, "applicant");
}

/* One <reason code=""/> per code of the space-separated list. */
static int write_reasons(xmlTextWriterPtr w, const char *list)
{
	char code[64];
	int rc;

	while (*list) {
		size_t n = strcspn(list, " ");

		if (n == 0 || n >= sizeof(code))
			return err_set(ERR_INTERNAL, "stored reason codes '%s' malformed", list);
		memcpy(code, list, n);
		code[n] = '\0';
		if ((rc = reports_start(w, "reason")) < 0 ||
		    (rc = reports_attr(w, "code", code)) < 0 || (rc = reports_end(w, "reason")) < 0)
			return rc;
		list += n + (list[n] == ' ');
	}
	return 0;
}

static int write_decision(struct travel *t, const PGresult *r, int i)
{
	xmlTextWriterPtr w = t->x->w;
	int rc;

	if ((rc = reports_start(w, "decision")) < 0 ||
	    (rc = reports_attr(w, "position", PQgetvalue(r, i, D_POSITION))) < 0 ||
	    (rc = reports_attr(w, "id", PQgetvalue(r, i, D_APPLICANT))) < 0 ||
	    (rc = attr_opt(w, "rank", r, i, D_RANK)) < 0 ||
	    (rc = reports_attr(w, "outcome", PQgetvalue(r, i, D_DECISION))) < 0 ||
	    (rc = write_applicant(w, r, i)) < 0 ||
	    (rc = reports_write_money(w, "requested", reports_ll(r, i, D_AMOUNT), t->ccy)) < 0 ||
	    (rc = reports_write_money(w, "granted", reports_ll(r, i, D_GRANTED), t->ccy)) < 0 ||
	    (rc = write_reasons(w, PQgetvalue(r, i, D_REASONS))) < 0 ||
	    (rc = reports_write_text(w, "explanation", PQgetvalue(r, i, D_EXPLANATION))) < 0)
		return rc;
	return reports_end(w, "decision");
}

/* <decisions> of the run, read in keyset pages by position. */
static int write_decisions(struct travel *t, const PGresult *run)
{
	xmlTextWriterPtr w = t->x->w;
	char after[PAGE_TEXT_BYTES] = "0", limit[PAGE_TEXT_BYTES];
	PGresult *r = NULL;
	int rc, n;

	snprintf(limit, sizeof(limit), "%d", LIMIT_REPORT_PAGE_ENTRIES);
	if ((rc = reports_start(w, "decisions")) < 0 ||
	    (rc = reports_attr(w, "count", PQgetvalue(run, 0, R_DECISIONS))) < 0 ||
	    (rc = reports_attr(w, "funded", PQgetvalue(run, 0, R_FUNDED))) < 0 ||
	    (rc = reports_attr(w, "waitlisted", PQgetvalue(run, 0, R_WAITLISTED))) < 0 ||
	    (rc = reports_attr(w, "ineligible", PQgetvalue(run, 0, R_INELIGIBLE))) < 0)
		return rc;
	do {
		if ((rc = db_exec(&r, t->x->c, "reports_trv_decisions", 3,
				  (const char *const[]){PQgetvalue(run, 0, R_ID), after,
							limit})) < 0)
			return rc;
		n = PQntuples(r);
		for (int i = 0; rc == 0 && i < n; i++)
			rc = write_decision(t, r, i);
		if (n > 0)
			snprintf(after, sizeof(after), "%s", PQgetvalue(r, n - 1, D_POSITION));
		PQclear(r);
	} while (rc == 0 && n == LIMIT_REPORT_PAGE_ENTRIES);
	return rc < 0 ? rc : reports_end(w, "decisions");
}

static int write_run(struct travel *t, const PGresult *run)
{
	xmlTextWriterPtr w = t->x->w;
	const char *ccy = PQgetvalue(run, 0, R_CURRENCY);
	int rc;

	if (strcmp(ccy, t->ccy) != 0)
		return err_set(ERR_INTERNAL, "run %s is in %s, its meeting in %s",
			       PQgetvalue(run, 0, R_ID), ccy, t->ccy);
	if ((rc = reports_start(w, "run")) < 0 ||
	    (rc = reports_attr(w, "id", PQgetvalue(run, 0, R_ID))) < 0 ||
	    (rc = reports_attr(w, "ranked-on", PQgetvalue(run, 0, R_RANKED_ON))) < 0 ||
	    (rc = reports_attr(w, "created-by", PQgetvalue(run, 0, R_CREATED_BY))) < 0 ||
	    (rc = reports_attr(w, "runs", PQgetvalue(run, 0, R_RUNS))) < 0 ||
	    (rc = reports_start(w, "policy")) < 0 ||
	    (rc = reports_attr(w, "id", PQgetvalue(run, 0, R_POLICY_ID))) < 0 ||
	    (rc = reports_attr(w, "version", PQgetvalue(run, 0, R_POLICY_VERSION))) < 0 ||
	    (rc = reports_attr(w, "sha256", PQgetvalue(run, 0, R_POLICY_SHA256))) < 0 ||
	    (rc = reports_attr(w, "allocation", PQgetvalue(run, 0, R_ALLOCATION))) < 0 ||
	    (rc = reports_end(w, "policy")) < 0 ||
	    (rc = reports_start(w, "budget")) < 0 ||
	    (rc = reports_attr(w, "source", PQgetvalue(run, 0, R_BUDGET_SOURCE))) < 0 ||
	    (rc = reports_write_money(w, "total", reports_ll(run, 0, R_BUDGET), ccy)) < 0 ||
	    (rc = reports_write_money(w, "allocated", reports_ll(run, 0, R_ALLOCATED), ccy)) < 0 ||
	    (rc = reports_write_money(w, "remaining", reports_ll(run, 0, R_REMAINING), ccy)) < 0 ||
	    (rc = reports_end(w, "budget")) < 0 || (rc = write_decisions(t, run)) < 0)
		return rc;
	return reports_end(w, "run");
}

/* --- trips and their entries --------------------------------------------------------- */

static int trip_begin(struct travel *t, const PGresult *r, int i)
{
	xmlTextWriterPtr w = t->x->w;
	bool settled = strcmp(PQgetvalue(r, i, T_STATUS), "settled") == 0;
	int64_t paid = 0;
	int rc;

	if ((rc = reports_start(w, "trip")) < 0 ||
	    (rc = reports_attr(w, "id", PQgetvalue(r, i, T_ID))) < 0 ||
	    (rc = reports_attr(w, "applicant", PQgetvalue(r, i, T_APPLICANT))) < 0 ||
	    (rc = reports_attr(w, "run", PQgetvalue(r, i, T_RUN))) < 0 ||
	    (rc = reports_attr(w, "state", PQgetvalue(r, i, T_STATUS))) < 0 ||
	    (rc = reports_write_money(w, "granted", reports_ll(r, i, T_GRANTED), t->ccy)) < 0)
		return rc;
	if (!settled)
		return 0;
	/* a trip is settled before its report arrives as often as after */
	if ((rc = money_add(&paid, reports_ll(r, i, T_AIRFARE), reports_ll(r, i, T_DSA))) < 0 ||
	    (rc = reports_start(w, "settlement")) < 0 ||
	    (!PQgetisnull(r, i, T_REPORT) &&
	     (rc = reports_write_date(w, "report-received", PQgetvalue(r, i, T_REPORT))) < 0) ||
	    (rc = reports_write_money(w, "airfare", reports_ll(r, i, T_AIRFARE), t->ccy)) < 0 ||
	    (rc = reports_write_money(w, "dsa", reports_ll(r, i, T_DSA), t->ccy)) < 0 ||
	    (rc = reports_write_money(w, "paid", paid, t->ccy)) < 0)
		return rc;
	return reports_end(w, "settlement");
}

/* <trips> with per-state counts, read in keyset pages of trips by id. */
static int write_trips(struct travel *t, const PGresult *m)
{
	static const struct {
		const char *name;
		int col;
	} states[] = {{"offered", M_OFFERED}, {"approved", M_APPROVED}, {"settled", M_SETTLED},
		      {"declined", M_DECLINED}, {"cancelled", M_CANCELLED}};
	xmlTextWriterPtr w = t->x->w;
	char after[PAGE_TEXT_BYTES] = "0", limit[PAGE_TEXT_BYTES];
	PGresult *r = NULL;
	int rc, n, trips;

	snprintf(limit, sizeof(limit), "%d", LIMIT_REPORT_PAGE_ENTRIES);
	if ((rc = reports_start(w, "trips")) < 0 ||
	    (rc = reports_attr(w, "count", PQgetvalue(m, 0, M_TRIPS))) < 0)
		return rc;
	for (size_t s = 0; s < N(states); s++)
		if ((rc = reports_attr(w, states[s].name, PQgetvalue(m, 0, states[s].col))) < 0)
			return rc;
	do {
		if ((rc = db_exec(&r, t->x->c, "reports_trv_trips", 4,
				  (const char *const[]){t->meeting, t->ccy, after, limit})) < 0)
			return rc;
		n = PQntuples(r);
		trips = 0;
		for (int i = 0; rc == 0 && i < n; i++) {
			bool first = i == 0 || strcmp(PQgetvalue(r, i, T_ID),
						      PQgetvalue(r, i - 1, T_ID)) != 0;
			bool last = i == n - 1 || strcmp(PQgetvalue(r, i, T_ID),
							 PQgetvalue(r, i + 1, T_ID)) != 0;

			trips += first;
			if (first && (rc = trip_begin(t, r, i)) < 0)
				break;
			if (!PQgetisnull(r, i, T_SEQUENCE)) {
				if (strcmp(PQgetvalue(r, i, T_REFERENCE), t->reference) != 0)
					rc = err_set(ERR_INTERNAL, "trip %s names entry %s, whose "
						     "reference is not %s", PQgetvalue(r, i, T_ID),
						     PQgetvalue(r, i, T_SEQUENCE), t->reference);
				else
					rc = write_entry(t, PQgetvalue(r, i, T_ROLE), r, i,
							 &trip_entry);
			}
			if (rc == 0 && last)
				rc = reports_end(w, "trip");
		}
		if (n > 0)
			snprintf(after, sizeof(after), "%s", PQgetvalue(r, n - 1, T_ID));
		PQclear(r);
	} while (rc == 0 && trips == LIMIT_REPORT_PAGE_ENTRIES);
	return rc < 0 ? rc : reports_end(w, "trips");
}

/* <other-entries>: the meeting's entries that no trip names. */
static int write_other_entries(struct travel *t)
{
	xmlTextWriterPtr w = t->x->w;
	char after[PAGE_TEXT_BYTES] = "0", limit[PAGE_TEXT_BYTES];
	PGresult *r = NULL;
	int rc, n;

	snprintf(limit, sizeof(limit), "%d", LIMIT_REPORT_PAGE_ENTRIES);
	if ((rc = reports_start(w, "other-entries")) < 0)
		return rc;
	do {
		if ((rc = db_exec(&r, t->x->c, "reports_trv_other", 4,
				  (const char *const[]){t->meeting, t->ccy, after, limit})) < 0)
			return rc;
		n = PQntuples(r);
		for (int i = 0; rc == 0 && i < n; i++)
			rc = write_entry(t, NULL, r, i, &other_entry);
		if (n > 0)
			snprintf(after, sizeof(after), "%s", PQgetvalue(r, n - 1, O_SEQUENCE));
		PQclear(r);
	} while (rc == 0 && n == LIMIT_REPORT_PAGE_ENTRIES);
	return rc < 0 ? rc : reports_end(w, "other-entries");
}

/* <totals> from the postings, refused unless they equal what was listed. */
static int write_totals(struct travel *t)
{
	static const char *const names[BUCKETS] = {"before-period", "in-period", "after-period"};
	xmlTextWriterPtr w = t->x->w;
	struct figures sums[BUCKETS] = {{0}}, open = {0};
	PGresult *r = NULL;
	int rc = db_exec(&r, t->x->c, "reports_trv_totals", 4,
			 (const char *const[]){t->meeting, t->ccy, t->x->rq->from, t->x->rq->to});

	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		int64_t b = reports_ll(r, i, TOT_BUCKET);

		ASSERT(b >= BEFORE && b < BUCKETS);
		sums[b] = (struct figures){reports_ll(r, i, TOT_OBLIGED),
					   reports_ll(r, i, TOT_RELEASED),
					   reports_ll(r, i, TOT_SPENT)};
	}
	PQclear(r);
	for (int b = 0; rc == 0 && b < BUCKETS; b++)
		if (memcmp(&sums[b], &t->listed[b], sizeof(sums[b])) != 0)
			rc = err_set(ERR_INTERNAL,
				     "travel-allocation %s: the postings of %s (%s) "
				     "do not add up to the entries listed",
				     t->meeting, t->reference, names[b]);
	if (rc < 0 || (rc = add(&open, &sums[BEFORE])) < 0 ||
	    (rc = add(&open, &sums[IN_PERIOD])) < 0 ||
	    (rc = money_sub(&open.obliged, open.obliged, open.released)) < 0 ||
	    (rc = reports_start(w, "totals")) < 0)
		return rc;
	for (int b = 0; b < BUCKETS; b++)
		if ((rc = reports_start(w, names[b])) < 0 ||
		    (rc = write_figures(w, &sums[b], t->ccy)) < 0 ||
		    (rc = reports_end(w, names[b])) < 0)
			return rc;
	if ((rc = reports_write_money(w, "open-at-end", open.obliged, t->ccy)) < 0)
		return rc;
	return reports_end(w, "totals");
}

/*
 * <overruns> when finance countersigned some for the meeting (every one the
 * snapshot holds, used or not; docs/controls.md "Funds control"); nothing
 * when none, so that a meeting without overruns reads as before.
 */
static int write_overruns(struct travel *t)
{
	xmlTextWriterPtr w = t->x->w;
	PGresult *r = NULL;
	int rc = db_exec(&r, t->x->c, "reports_trv_overruns", 1, (const char *const[]){t->meeting});

	if (rc == 0 && PQntuples(r) > 0)
		rc = reports_start(w, "overruns");
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		if ((rc = reports_start(w, "overrun")) < 0 ||
		    (rc = reports_attr(w, "id", PQgetvalue(r, i, OV_ID))) < 0 ||
		    (rc = reports_attr(w, "signed-by", PQgetvalue(r, i, OV_BY))) < 0 ||
		    (rc = reports_attr(w, "signed-role", PQgetvalue(r, i, OV_ROLE))) < 0 ||
		    (rc = reports_attr(w, "signed-at", PQgetvalue(r, i, OV_AT))) < 0 ||
		    (rc = attr_opt(w, "used-by", r, i, OV_USED_BY)) < 0 ||
		    (rc = attr_opt(w, "used-at", r, i, OV_USED_AT)) < 0 ||
		    (rc = reports_write_money(w, "amount", reports_ll(r, i, OV_AMOUNT),
					      PQgetvalue(r, i, OV_CURRENCY))) < 0 ||
		    (rc = reports_write_text(w, "reason", PQgetvalue(r, i, OV_REASON))) < 0)
			break;
		rc = reports_end(w, "overrun");
	}
	if (rc == 0 && PQntuples(r) > 0)
		rc = reports_end(w, "overruns");
	PQclear(r);
	return rc;
}

int reports_write_travel_allocation(struct reports_ctx *x)
{
	struct travel t = {.x = x, .meeting = x->rq->meeting};
	PGresult *m = NULL, *run = NULL;
	int rc;

	ASSERT(t.meeting); /* report.c requires --meeting for this kind */
	if ((rc = db_exec(&m, x->c, "reports_trv_meeting", 1,
			  (const char *const[]){t.meeting})) < 0)
		goto cleanup;
	if (PQntuples(m) == 0) {
		rc = err_set(ERR_NOTFOUND, "meeting: no meeting '%s'", t.meeting);
		goto cleanup;
	}
	t.ccy = PQgetvalue(m, 0, M_CURRENCY);
	snprintf(t.reference, sizeof(t.reference), "travel:%s", t.meeting);
	if ((rc = load_run(&run, &t)) < 0 ||
	    (rc = reports_writer_begin(x->w, "travel-allocation", &x->h)) < 0 ||
	    (rc = write_meeting(&t, m)) < 0 || (rc = write_run(&t, run)) < 0 ||
	    (rc = write_trips(&t, m)) < 0 || (rc = write_other_entries(&t)) < 0 ||
	    (rc = write_totals(&t)) < 0 || (rc = write_overruns(&t)) < 0)
		goto cleanup;
cleanup:
	PQclear(m);
	PQclear(run);
	return rc;
}
