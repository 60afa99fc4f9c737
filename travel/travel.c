/*
 * travel.c - travel support in the ledger (docs/travel.md): meetings, their
 * applicants, stored rankings, and trips with their obligation, release
 * and settlement entries and, apart from those, their trip reports.
 *
 * Invariants: every write is one transaction holding its rows, its entries
 * (appended by fund_append: the journal's own path) and its audit row;
 * called inside a caller's transaction it joins it (the daemon's
 * Idempotency-Key wrapper stores the key's record there). Entries are
 * built balanced here in int64 minor units of the meeting's currency; the
 * ledger core and the database check them again.
 * An approved trip's obligation (Dr 8100 / Cr 8190, the granted amount) is
 * open until exactly one entry closes it: a release (declined, cancelled)
 * or a settlement, which liquidates the whole granted amount and books what
 * was paid as expense. A trip report is a date on an approved or settled
 * trip, recorded once, with no entry; a person's reports outstanding are
 * their approved or settled trips whose report was due (the meeting's end
 * plus the policy's grace days) and has not come. Approval under four
 * eyes (travel_approve) names three people apart: the ranker, the
 * approver and the countersigner of an overrun it uses. An applicant is
 * corrected field by field, old and new values kept, until an approved run
 * covers it. Entries name a trip by its number, never a person (the
 * journal is kept for ever and hashed). The ranking is rules_rank():
 * this file gathers its inputs (the fund's own history for prior funding)
 * and stores its result;
 * it must not rank by itself, nor change or delete journal rows.
 */
#include "travel/travel.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "fund/body.h"
#include "common/money.h"
#include "fund/control.h"
#include "fund/fund.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The columns of each statement whose rows are read, in the order of its
 * SELECT list, and the names the server gives them (common/db.h): the code
 * reads the enum, travel_setup checks the names once per connection.
 */

/* A trip row: what travel_trip_insert, _approve, _release, _settle and
 * _report return and what travel_trip_lock and travel_trips_list select. */
#define TRIP_COLS                                                                      \
	"id, meeting, applicant, person, run, status, granted_minor, currency,"        \
	" obligation_entry, release_entry, report_received_on, airfare_minor, dsa_minor," \
	" settlement_entry"
enum {
	C_TRIP_ID, C_TRIP_MEETING, C_TRIP_APPLICANT, C_TRIP_PERSON, C_TRIP_RUN, C_TRIP_STATUS,
	C_TRIP_GRANTED, C_TRIP_CURRENCY, C_TRIP_OBLIGATION_ENTRY, C_TRIP_RELEASE_ENTRY,
	C_TRIP_REPORT_RECEIVED, C_TRIP_AIRFARE, C_TRIP_DSA, C_TRIP_SETTLEMENT_ENTRY, C_TRIP_NCOLS
};
static const char *const trip_cols[C_TRIP_NCOLS] = {
	[C_TRIP_ID] = "id", [C_TRIP_MEETING] = "meeting", [C_TRIP_APPLICANT] = "applicant",
	[C_TRIP_PERSON] = "person", [C_TRIP_RUN] = "run", [C_TRIP_STATUS] = "status",
	[C_TRIP_GRANTED] = "granted_minor", [C_TRIP_CURRENCY] = "currency",
	[C_TRIP_OBLIGATION_ENTRY] = "obligation_entry", [C_TRIP_RELEASE_ENTRY] = "release_entry",
	[C_TRIP_REPORT_RECEIVED] = "report_received_on", [C_TRIP_AIRFARE] = "airfare_minor",
	[C_TRIP_DSA] = "dsa_minor", [C_TRIP_SETTLEMENT_ENTRY] = "settlement_entry"};

/* A meeting row: travel_meeting_get's columns, the first ones of
 * travel_meeting_lock and travel_meetings_list (travel_meeting_insert's
 * row is not read, only counted). */
#define MEETING_COLS "id, name, starts_on, ends_on, place, currency, budget_line"
enum {
	C_MEETING_ID, C_MEETING_NAME, C_MEETING_STARTS_ON, C_MEETING_ENDS_ON, C_MEETING_PLACE,
	C_MEETING_CURRENCY, C_MEETING_BUDGET_LINE, C_MEETING_NCOLS
};
#define MEETING_NAMES                                                                    \
	[C_MEETING_ID] = "id", [C_MEETING_NAME] = "name", [C_MEETING_STARTS_ON] = "starts_on", \
	[C_MEETING_ENDS_ON] = "ends_on", [C_MEETING_PLACE] = "place",                          \
	[C_MEETING_CURRENCY] = "currency", [C_MEETING_BUDGET_LINE] = "budget_line"
static const char *const meeting_cols[C_MEETING_NCOLS] = {MEETING_NAMES};

/* travel_meeting_lock: a meeting, then the lock taken (void, not read) */
enum { C_MEETING_LOCKED = C_MEETING_NCOLS, C_MEETING_LOCK_NCOLS };
static const char *const meeting_lock_cols[C_MEETING_LOCK_NCOLS] = {
	MEETING_NAMES, [C_MEETING_LOCKED] = "locked"};

/* travel_meetings_list: a meeting, then how many applicants, runs, trips */
enum {
	C_MEETINGS_APPLICANTS = C_MEETING_NCOLS, C_MEETINGS_RUNS, C_MEETINGS_TRIPS,
	C_MEETINGS_NCOLS
};
static const char *const meetings_cols[C_MEETINGS_NCOLS] = {
	MEETING_NAMES, [C_MEETINGS_APPLICANTS] = "applicants", [C_MEETINGS_RUNS] = "runs",
	[C_MEETINGS_TRIPS] = "trips"};

/* travel_applicants_ranked: an applicant as stored, then the fund's history
 * of the person (funded, outstanding), then the file it came from */
enum {
	C_APPL_ID, C_APPL_PERSON, C_APPL_NAME, C_APPL_COUNTRY, C_APPL_CATEGORY, C_APPL_ROLE,
	C_APPL_FORMS_COMPLETE, C_APPL_HEALTH_CHECK, C_APPL_DECLARED_FUNDED,
	C_APPL_DECLARED_OUTSTANDING, C_APPL_REQUEST, C_APPL_AMOUNT, C_APPL_REQUESTED_ON,
	C_APPL_LINE, C_APPL_FUNDED, C_APPL_OUTSTANDING, C_APPL_SOURCE, C_APPL_HEALTH_ATTESTED,
	C_APPL_REPORTS_DUE, C_APPL_NCOLS
};
static const char *const applicant_cols[C_APPL_NCOLS] = {
	[C_APPL_ID] = "id", [C_APPL_PERSON] = "person", [C_APPL_NAME] = "name",
	[C_APPL_COUNTRY] = "country", [C_APPL_CATEGORY] = "category", [C_APPL_ROLE] = "role",
	[C_APPL_FORMS_COMPLETE] = "forms_complete", [C_APPL_HEALTH_CHECK] = "health_check",
	[C_APPL_DECLARED_FUNDED] = "declared_prior_funded",
	[C_APPL_DECLARED_OUTSTANDING] = "declared_prior_reports_outstanding",
	[C_APPL_REQUEST] = "request", [C_APPL_AMOUNT] = "amount_minor",
	[C_APPL_REQUESTED_ON] = "requested_on", [C_APPL_LINE] = "line",
	[C_APPL_FUNDED] = "funded", [C_APPL_OUTSTANDING] = "outstanding",
	[C_APPL_SOURCE] = "source", [C_APPL_HEALTH_ATTESTED] = "health_attested_on",
	[C_APPL_REPORTS_DUE] = "reports_due"};

/* travel_run_insert: the new run's id (RETURNING id) */
enum { C_NEW_RUN_ID, C_NEW_RUN_NCOLS };
static const char *const new_run_cols[C_NEW_RUN_NCOLS] = {[C_NEW_RUN_ID] = "id"};

/* travel_run_latest */
enum { C_RUN_ID, C_RUN_BUDGET, C_RUN_ALLOCATION, C_RUN_RANKED_BY, C_RUN_APPROVED_BY, C_RUN_NCOLS };
static const char *const run_cols[C_RUN_NCOLS] = {
	[C_RUN_ID] = "id", [C_RUN_BUDGET] = "budget_minor", [C_RUN_ALLOCATION] = "allocation",
	[C_RUN_RANKED_BY] = "created_by", [C_RUN_APPROVED_BY] = "approved_by"};

/* travel_runs_list: a stored run as GET /v1/meetings/{id}/runs shows it */
#define STORED_RUN_COLS                                                                     \
	"r.id, r.ranked_on, r.policy_id, r.policy_version, r.policy_sha256, r.budget_minor,"   \
	" r.allocated_minor, r.remaining_minor, r.currency, r.budget_source,"                  \
	" r.created_by AS ranked_by, r.approved_by,"                                           \
	" to_char(r.approved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"       \
	" AS approved_at,"                                                                     \
	" CASE WHEN r.approved_by IS NOT NULL THEN 'approved' WHEN EXISTS (SELECT 1"          \
	"  FROM travel_runs l WHERE l.meeting = r.meeting AND l.id > r.id) THEN 'superseded'" \
	"  ELSE 'proposed' END AS status,"                                                    \
	" (SELECT string_agg(DISTINCT o.signed_by, ', ') FROM fund_overruns o"                \
	"  WHERE o.used_by = 'travel run ' || r.id || ' of meeting ' || r.meeting)"           \
	" AS countersigned_by, r.inputs::text AS inputs"
enum {
	C_SR_ID, C_SR_RANKED_ON, C_SR_POLICY_ID, C_SR_POLICY_VERSION, C_SR_POLICY_SHA256,
	C_SR_BUDGET, C_SR_ALLOCATED, C_SR_REMAINING, C_SR_CURRENCY, C_SR_BUDGET_SOURCE,
	C_SR_RANKED_BY, C_SR_APPROVED_BY, C_SR_APPROVED_AT, C_SR_STATUS, C_SR_COUNTERSIGNED_BY,
	C_SR_INPUTS, C_SR_NCOLS
};
static const char *const stored_run_cols[C_SR_NCOLS] = {
	[C_SR_ID] = "id", [C_SR_RANKED_ON] = "ranked_on", [C_SR_POLICY_ID] = "policy_id",
	[C_SR_POLICY_VERSION] = "policy_version", [C_SR_POLICY_SHA256] = "policy_sha256",
	[C_SR_BUDGET] = "budget_minor", [C_SR_ALLOCATED] = "allocated_minor",
	[C_SR_REMAINING] = "remaining_minor", [C_SR_CURRENCY] = "currency",
	[C_SR_BUDGET_SOURCE] = "budget_source", [C_SR_RANKED_BY] = "ranked_by",
	[C_SR_APPROVED_BY] = "approved_by", [C_SR_APPROVED_AT] = "approved_at",
	[C_SR_STATUS] = "status", [C_SR_COUNTERSIGNED_BY] = "countersigned_by",
	[C_SR_INPUTS] = "inputs"};

/* travel_decisions_of: a stored decision */
enum {
	C_DEC_POSITION, C_DEC_APPLICANT, C_DEC_RANK, C_DEC_DECISION, C_DEC_AMOUNT,
	C_DEC_GRANTED, C_DEC_REASONS, C_DEC_EXPLANATION, C_DEC_NCOLS
};
static const char *const decision_cols[C_DEC_NCOLS] = {
	[C_DEC_POSITION] = "position", [C_DEC_APPLICANT] = "applicant", [C_DEC_RANK] = "rank",
	[C_DEC_DECISION] = "decision", [C_DEC_AMOUNT] = "amount_minor",
	[C_DEC_GRANTED] = "granted_minor", [C_DEC_REASONS] = "reasons",
	[C_DEC_EXPLANATION] = "explanation"};

/* travel_run_approve: who approved the run, when (RETURNING) */
enum { C_APPROVED_BY, C_APPROVED_AT, C_APPROVED_NCOLS };
static const char *const approved_cols[C_APPROVED_NCOLS] = {
	[C_APPROVED_BY] = "approved_by", [C_APPROVED_AT] = "approved_at"};

/* travel_setting: one value of settings */
enum { C_SETTING_VALUE, C_SETTING_NCOLS };
static const char *const setting_cols[C_SETTING_NCOLS] = {[C_SETTING_VALUE] = "value"};

/* travel_applicant_row: an applicant's correctable fields as the CSV writes
 * them (the values travel_applicant_changes keeps), the order of
 * correctable[] below */
enum {
	C_AR_NAME, C_AR_COUNTRY, C_AR_CATEGORY, C_AR_ROLE, C_AR_FORMS, C_AR_HEALTH,
	C_AR_HEALTH_ATTESTED, C_AR_PRIOR_FUNDED, C_AR_PRIOR_REPORTS, C_AR_REQUEST, C_AR_AMOUNT,
	C_AR_CURRENCY, C_AR_REQUESTED_ON, C_AR_COVERED, C_AR_NCOLS
};
static const char *const applicant_row_cols[C_AR_NCOLS] = {
	[C_AR_NAME] = "name", [C_AR_COUNTRY] = "country", [C_AR_CATEGORY] = "category",
	[C_AR_ROLE] = "role", [C_AR_FORMS] = "forms_complete", [C_AR_HEALTH] = "health_check",
	[C_AR_HEALTH_ATTESTED] = "health_attested_on", [C_AR_PRIOR_FUNDED] = "prior_funded",
	[C_AR_PRIOR_REPORTS] = "prior_reports_outstanding", [C_AR_REQUEST] = "request",
	[C_AR_AMOUNT] = "amount_minor", [C_AR_CURRENCY] = "currency",
	[C_AR_REQUESTED_ON] = "requested_on", [C_AR_COVERED] = "covered"};

/* travel_applicant_changes_of */
enum { C_CH_FIELD, C_CH_OLD, C_CH_NEW, C_CH_REASON, C_CH_BY, C_CH_AT, C_CH_NCOLS };
static const char *const change_cols[C_CH_NCOLS] = {
	[C_CH_FIELD] = "field", [C_CH_OLD] = "old_value", [C_CH_NEW] = "new_value",
	[C_CH_REASON] = "reason", [C_CH_BY] = "changed_by", [C_CH_AT] = "changed_at"};

/* travel_applicants_taken: the ids of a file already stored for the meeting */
enum { C_TAKEN_ID, C_TAKEN_NCOLS };
static const char *const taken_cols[C_TAKEN_NCOLS] = {[C_TAKEN_ID] = "id"};

/* travel_to_approve: the applicant, the amount granted, and the offered trip
 * (NULL for a funded decision without one); position orders the rows */
enum {
	C_APPROVE_APPLICANT, C_APPROVE_PERSON, C_APPROVE_GRANTED, C_APPROVE_TRIP,
	C_APPROVE_POSITION, C_APPROVE_NCOLS
};
static const char *const to_approve_cols[C_APPROVE_NCOLS] = {
	[C_APPROVE_APPLICANT] = "applicant", [C_APPROVE_PERSON] = "person",
	[C_APPROVE_GRANTED] = "granted_minor", [C_APPROVE_TRIP] = "trip",
	[C_APPROVE_POSITION] = "position"};

/* travel_waitlist */
enum { C_WAIT_APPLICANT, C_WAIT_PERSON, C_WAIT_AMOUNT, C_WAIT_NCOLS };
static const char *const waitlist_cols[C_WAIT_NCOLS] = {
	[C_WAIT_APPLICANT] = "applicant", [C_WAIT_PERSON] = "person",
	[C_WAIT_AMOUNT] = "amount_minor"};

/* travel_committed: one sum of the meeting's trips */
enum { C_SUM_MINOR, C_SUM_NCOLS };
static const char *const committed_cols[C_SUM_NCOLS] = {[C_SUM_MINOR] = "committed_minor"};

static const struct db_stmt stmts[] = {
	{"travel_meeting_insert",
	 "INSERT INTO travel_meetings (id, name, starts_on, ends_on, place, currency, budget_line)"
	 " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id", 7},
	{"travel_meeting_get", "SELECT " MEETING_COLS " FROM travel_meetings WHERE id = $1", 1},
	/* One writer per meeting at a time: a transaction-scoped advisory lock
	 * (FOR UPDATE would need UPDATE on travel_meetings, which the daemon's
	 * role is not given). */
	{"travel_meeting_lock",
	 "SELECT " MEETING_COLS ","
	 " pg_advisory_xact_lock(hashtextextended('travel_meetings:' || id, 0)) AS locked"
	 " FROM travel_meetings WHERE id = $1", 1},
	{"travel_meetings_list",
	 "SELECT m.id, m.name, m.starts_on, m.ends_on, m.place, m.currency, m.budget_line,"
	 " (SELECT count(*) FROM travel_applicants a WHERE a.meeting = m.id) AS applicants,"
	 " (SELECT count(*) FROM travel_runs r WHERE r.meeting = m.id) AS runs,"
	 " (SELECT count(*) FROM travel_trips t WHERE t.meeting = m.id) AS trips"
	 " FROM travel_meetings m ORDER BY m.starts_on, m.id", 0},
	{"travel_applicants_insert",
	 "INSERT INTO travel_applicants (meeting, id, person, name, country, category, role,"
	 " forms_complete, health_check, health_attested_on, declared_prior_funded,"
	 " declared_prior_reports_outstanding, request, amount_minor, currency, requested_on,"
	 " source, line)"
	 " SELECT $1, x.id, x.id, x.name, x.country, x.category, x.role, x.forms_complete,"
	 " x.health_check, NULLIF(x.health_attested_on, '')::date, x.prior_funded,"
	 " x.prior_reports_outstanding, x.request,"
	 " x.amount_minor, x.currency, x.requested_on, $3, x.line"
	 " FROM jsonb_to_recordset($2::jsonb) AS x(id text, name text, country text,"
	 " category text, role text, forms_complete boolean, health_check boolean,"
	 " health_attested_on text, prior_funded bigint, prior_reports_outstanding bigint,"
	 " request text, amount_minor bigint, currency text, requested_on text, line integer)",
	 3},
	/* The ids of a file ($2, as travel_applicants_insert takes it) that the
	 * meeting has already: a re-upload is refused naming them (PATCH corrects). */
	{"travel_applicants_taken",
	 "SELECT a.id FROM travel_applicants a WHERE a.meeting = $1 AND a.id IN"
	 " (SELECT x.id FROM jsonb_to_recordset($2::jsonb) AS x(id text)) ORDER BY a.id", 2},
	/* Each applicant with the fund's history of the same person: approved
	 * or settled trips of meetings that began before this one ($2), and
	 * those whose report was due (the meeting's end plus $5 days of grace,
	 * the policy's) before the ranking date ($3) and had not arrived by
	 * then, named with their due dates. $4 true: only the rows this
	 * transaction added (created_at is its start). */
	{"travel_applicants_ranked",
	 "SELECT a.id, a.person, a.name, a.country, a.category, a.role, a.forms_complete,"
	 " a.health_check, a.declared_prior_funded, a.declared_prior_reports_outstanding,"
	 " a.request, a.amount_minor, a.requested_on, a.line,"
	 " h.funded, h.outstanding, a.source, a.health_attested_on, h.reports_due"
	 " FROM travel_applicants a CROSS JOIN LATERAL"
	 " (SELECT count(*) AS funded, count(*) FILTER (WHERE o.late) AS outstanding,"
	 "   COALESCE(string_agg('report for ' || o.meeting || ' due ' || o.due"
	 "    || ' not received', '; ' ORDER BY o.due, o.meeting) FILTER (WHERE o.late), '')"
	 "   AS reports_due"
	 "  FROM (SELECT m.id AS meeting, (m.ends_on + $5::integer) AS due,"
	 "    (m.ends_on + $5::integer) < $3::date AND (t.report_received_on IS NULL"
	 "    OR t.report_received_on > $3::date) AS late"
	 "   FROM travel_trips t JOIN travel_meetings m ON m.id = t.meeting"
	 "   WHERE t.person = a.person AND m.starts_on < $2::date"
	 "   AND t.status IN ('approved', 'settled')) o) h"
	 " WHERE a.meeting = $1 AND ($4::boolean IS NOT TRUE OR a.created_at = now())"
	 " ORDER BY a.id", 5},
	{"travel_applicant_row",
	 "SELECT a.name, a.country, a.category, a.role,"
	 " CASE WHEN a.forms_complete THEN 'yes' ELSE 'no' END AS forms_complete,"
	 " CASE WHEN a.health_check THEN 'yes' ELSE 'no' END AS health_check,"
	 " COALESCE(a.health_attested_on::text, '') AS health_attested_on,"
	 " a.declared_prior_funded::text AS prior_funded,"
	 " a.declared_prior_reports_outstanding::text AS prior_reports_outstanding,"
	 " a.request, a.amount_minor, a.currency, a.requested_on,"
	 " EXISTS (SELECT 1 FROM travel_runs r JOIN travel_decisions d ON d.run = r.id"
	 "  WHERE r.meeting = a.meeting AND d.applicant = a.id AND r.approved_by IS NOT NULL)"
	 " OR EXISTS (SELECT 1 FROM travel_trips t WHERE t.meeting = a.meeting"
	 "  AND t.applicant = a.id) AS covered"
	 " FROM travel_applicants a WHERE a.meeting = $1 AND a.id = $2", 2},
	/* A correction: $3 holds the new values (the CSV's text) of the fields
	 * it changes; the others stay. */
	{"travel_applicant_update",
	 "UPDATE travel_applicants a SET name = COALESCE(p.x->>'name', a.name),"
	 " country = COALESCE(p.x->>'country', a.country),"
	 " category = COALESCE(p.x->>'category', a.category),"
	 " role = COALESCE(p.x->>'role', a.role),"
	 " forms_complete = COALESCE((p.x->>'forms_complete') = 'yes', a.forms_complete),"
	 " health_check = COALESCE((p.x->>'health_check') = 'yes', a.health_check),"
	 " health_attested_on = CASE WHEN p.x ? 'health_attested_on'"
	 "  THEN NULLIF(p.x->>'health_attested_on', '')::date ELSE a.health_attested_on END,"
	 " declared_prior_funded = COALESCE((p.x->>'prior_funded')::bigint,"
	 "  a.declared_prior_funded),"
	 " declared_prior_reports_outstanding = COALESCE((p.x->>'prior_reports_outstanding')"
	 "  ::bigint, a.declared_prior_reports_outstanding),"
	 " request = COALESCE(p.x->>'request', a.request),"
	 " amount_minor = COALESCE((p.x->>'amount_minor')::bigint, a.amount_minor),"
	 " requested_on = COALESCE(p.x->>'requested_on', a.requested_on)"
	 " FROM (SELECT $3::jsonb AS x) p WHERE a.meeting = $1 AND a.id = $2 RETURNING a.id", 3},
	{"travel_applicant_changes_insert",
	 "INSERT INTO travel_applicant_changes (meeting, applicant, field, old_value, new_value,"
	 " reason, changed_by)"
	 " SELECT $1, $2, x.field, x.old_value, x.new_value, $3, $4"
	 " FROM jsonb_to_recordset($5::jsonb) AS x(field text, old_value text, new_value text)",
	 5},
	{"travel_applicant_changes_of",
	 "SELECT field, old_value, new_value, reason, changed_by,"
	 " to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS changed_at"
	 " FROM travel_applicant_changes WHERE meeting = $1 AND applicant = $2 ORDER BY id", 2},
	{"travel_setting", "SELECT value FROM settings WHERE key = $1", 1},
	{"travel_runs_list",
	 "SELECT " STORED_RUN_COLS " FROM travel_runs r WHERE r.meeting = $1"
	 " AND ($2::bigint IS NULL OR r.id = $2::bigint) ORDER BY r.id", 2},
	{"travel_decisions_of",
	 "SELECT position, applicant, rank, decision, amount_minor, granted_minor,"
	 " array_to_json(reasons)::text AS reasons, explanation"
	 " FROM travel_decisions WHERE run = $1 ORDER BY position", 1},
	/* Records the approver of run $1: when this approval obliged trips ($3)
	 * or no run of the meeting was approved before (approving again with
	 * nothing to do stores nothing) */
	{"travel_run_approve",
	 "UPDATE travel_runs r SET approved_by = $2, approved_at = now()"
	 " WHERE r.id = $1 AND r.approved_by IS NULL AND ($3::boolean OR NOT EXISTS"
	 "  (SELECT 1 FROM travel_runs p WHERE p.meeting = r.meeting"
	 "   AND p.approved_by IS NOT NULL))"
	 " RETURNING r.approved_by,"
	 " to_char(r.approved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	 " AS approved_at", 3},
	{"travel_run_insert",
	 "INSERT INTO travel_runs (meeting, ranked_on, policy_id, policy_version, policy_sha256,"
	 " budget_source, budget_minor, allocated_minor, remaining_minor, currency, inputs,"
	 " created_by, allocation)"
	 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id", 13},
	{"travel_decisions_insert",
	 "INSERT INTO travel_decisions (run, position, applicant, rank, decision, amount_minor,"
	 " granted_minor, reasons, explanation)"
	 " SELECT $1, x.position, x.applicant, x.rank, x.decision, x.amount_minor,"
	 " x.granted_minor, ARRAY(SELECT jsonb_array_elements_text(x.reasons)), x.explanation"
	 " FROM jsonb_to_recordset($2::jsonb) AS x(position integer, applicant text,"
	 " rank integer, decision text, amount_minor bigint, granted_minor bigint,"
	 " reasons jsonb, explanation text)", 2},
	{"travel_run_latest",
	 "SELECT id, budget_minor, allocation, created_by, approved_by FROM travel_runs"
	 " WHERE meeting = $1 ORDER BY id DESC LIMIT 1", 1},
	/* What approval obliges: funded decisions of run $2 without a trip, then
	 * the places offered after a decline. */
	{"travel_to_approve",
	 "SELECT d.applicant, a.person, d.granted_minor, NULL::bigint AS trip, d.position"
	 " FROM travel_decisions d JOIN travel_applicants a"
	 "  ON a.meeting = $1 AND a.id = d.applicant"
	 " WHERE d.run = $2 AND d.decision = 'funded' AND NOT EXISTS"
	 "  (SELECT 1 FROM travel_trips t WHERE t.meeting = $1 AND t.applicant = d.applicant)"
	 " UNION ALL"
	 " SELECT t.applicant, t.person, t.granted_minor, t.id, 2147483647"
	 " FROM travel_trips t WHERE t.meeting = $1 AND t.status = 'offered'"
	 " ORDER BY 5, 1", 2},
	{"travel_waitlist",
	 "SELECT d.applicant, a.person, d.amount_minor FROM travel_decisions d"
	 " JOIN travel_applicants a ON a.meeting = $1 AND a.id = d.applicant"
	 " WHERE d.run = $2 AND d.decision = 'waitlisted' AND NOT EXISTS"
	 "  (SELECT 1 FROM travel_trips t WHERE t.meeting = $1 AND t.applicant = d.applicant)"
	 " ORDER BY d.position", 2},
	/* What the meeting's trips hold of its budget: offered and approved
	 * their granted amount, settled what was paid. */
	{"travel_committed",
	 "SELECT COALESCE(sum(CASE WHEN status IN ('offered', 'approved') THEN granted_minor"
	 " WHEN status = 'settled' THEN airfare_minor + dsa_minor ELSE 0 END), 0)"
	 " AS committed_minor FROM travel_trips WHERE meeting = $1", 1},
	{"travel_trip_insert",
	 "INSERT INTO travel_trips (meeting, applicant, person, run, status, granted_minor,"
	 " currency, obligation_entry) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
	 " RETURNING " TRIP_COLS, 8},
	{"travel_trip_approve",
	 "UPDATE travel_trips SET status = 'approved', obligation_entry = $2, updated_at = now()"
	 " WHERE id = $1 AND status = 'offered' RETURNING " TRIP_COLS, 2},
	{"travel_trip_lock",
	 "SELECT " TRIP_COLS " FROM travel_trips WHERE meeting = $1 AND applicant = $2"
	 " FOR UPDATE", 2},
	{"travel_trip_release",
	 "UPDATE travel_trips SET status = $2, release_entry = $3, updated_at = now()"
	 " WHERE id = $1 RETURNING " TRIP_COLS, 3},
	{"travel_trip_settle",
	 "UPDATE travel_trips SET status = 'settled',"
	 " report_received_on = COALESCE($2::date, report_received_on),"
	 " airfare_minor = $3, dsa_minor = $4, settlement_entry = $5, updated_at = now()"
	 " WHERE id = $1 AND status = 'approved' RETURNING " TRIP_COLS, 5},
	{"travel_trip_report",
	 "UPDATE travel_trips SET report_received_on = $2, updated_at = now()"
	 " WHERE id = $1 AND status IN ('approved', 'settled') AND report_received_on IS NULL"
	 " RETURNING " TRIP_COLS, 2},
	{"travel_trips_list",
	 "SELECT " TRIP_COLS " FROM travel_trips WHERE meeting = $1 AND id > $2"
	 " ORDER BY id LIMIT $3", 3},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("travel_meeting_get", meeting_cols),
	DB_COLUMNS("travel_meeting_lock", meeting_lock_cols),
	DB_COLUMNS("travel_meetings_list", meetings_cols),
	DB_COLUMNS("travel_applicants_ranked", applicant_cols),
	DB_COLUMNS("travel_run_insert", new_run_cols),
	DB_COLUMNS("travel_run_latest", run_cols),
	DB_COLUMNS("travel_to_approve", to_approve_cols),
	DB_COLUMNS("travel_waitlist", waitlist_cols),
	DB_COLUMNS("travel_committed", committed_cols),
	DB_COLUMNS("travel_trip_insert", trip_cols),
	DB_COLUMNS("travel_trip_approve", trip_cols),
	DB_COLUMNS("travel_trip_lock", trip_cols),
	DB_COLUMNS("travel_trip_release", trip_cols),
	DB_COLUMNS("travel_trip_settle", trip_cols),
	DB_COLUMNS("travel_trip_report", trip_cols),
	DB_COLUMNS("travel_trips_list", trip_cols),
	DB_COLUMNS("travel_runs_list", stored_run_cols),
	DB_COLUMNS("travel_decisions_of", decision_cols),
	DB_COLUMNS("travel_run_approve", approved_cols),
	DB_COLUMNS("travel_setting", setting_cols),
	DB_COLUMNS("travel_applicant_row", applicant_row_cols),
	DB_COLUMNS("travel_applicant_changes_of", change_cols),
	DB_COLUMNS("travel_applicants_taken", taken_cols),
};

int travel_setup(PGconn *c)
{
	return db_setup(c, stmts, N(stmts), columns, N(columns));
}

/* --- small helpers --------------------------------------------------------------- */

/* A report date: valid, not before the meeting starts, not after today. */
static int report_date_check(const char *date, const char *starts_on)
{
	char now[LEDGER_TIME_BYTES];

	ledger_now(now);
	if (!date_valid(date))
		return fund_body_bad("report_received", "expected a date YYYY-MM-DD, got ",
				     date);
	if (strcmp(date, starts_on) < 0) {
		return err_set(ERR_INVALID, "report_received: %s is before the meeting starts (%s)",
			       date, starts_on);
	}
	if (strncmp(date, now, 10) > 0) {
		return err_set(ERR_INVALID, "report_received: %s is in the future (today is %.10s)",
			       date, now);
	}
	return 0;
}

static json_t *money_or_null(const PGresult *r, int row, int col, const char *ccy)
{
	return PQgetisnull(r, row, col) ? json_null()
					: fund_body_money(fund_body_int64(r, row, col), ccy);
}

/* A trip row (TRIP_COLS) as JSON. */
static json_t *trip_json(const PGresult *r, int i)
{
	const char *ccy = PQgetvalue(r, i, C_TRIP_CURRENCY);

	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "id", (json_int_t)fund_body_int64(r, i, C_TRIP_ID),
			 "meeting", PQgetvalue(r, i, C_TRIP_MEETING),
			 "applicant", PQgetvalue(r, i, C_TRIP_APPLICANT),
			 "person", PQgetvalue(r, i, C_TRIP_PERSON),
			 "run", (json_int_t)fund_body_int64(r, i, C_TRIP_RUN),
			 "status", PQgetvalue(r, i, C_TRIP_STATUS),
			 "granted", fund_body_money(fund_body_int64(r, i, C_TRIP_GRANTED), ccy),
			 "currency", ccy,
			 "obligation_entry", fund_body_str_or_null(r, i, C_TRIP_OBLIGATION_ENTRY),
			 "release_entry", fund_body_str_or_null(r, i, C_TRIP_RELEASE_ENTRY),
			 "report_received", fund_body_str_or_null(r, i, C_TRIP_REPORT_RECEIVED),
			 "airfare", money_or_null(r, i, C_TRIP_AIRFARE, ccy),
			 "dsa", money_or_null(r, i, C_TRIP_DSA, ccy),
			 "settlement_entry", fund_body_str_or_null(r, i, C_TRIP_SETTLEMENT_ENTRY));
}

static int append_new(json_t *arr, json_t *o)
{
	return o && json_array_append_new(arr, o) == 0 ? 0 : err_oom();
}

/* The meeting row (travel_meeting_get columns), locked when lock is set. */
static int meeting_load(PGresult **out, PGconn *c, const char *id, bool lock)
{
	int rc;

	*out = NULL;
	if (!id)
		return fund_body_bad("meeting", "required", NULL);
	rc = db_exec(out, c, lock ? "travel_meeting_lock" : "travel_meeting_get", 1,
		     (const char *const[]){id});
	if (rc == 0 && PQntuples(*out) == 0) {
		PQclear(*out);
		*out = NULL;
		rc = err_set(ERR_NOTFOUND, "meeting: no meeting '%s'", id);
	}
	return rc;
}

/* --- entries ----------------------------------------------------------------------- */

/* Starts b (fund_body_entry_begin) with the memo and reference of a travel
 * entry: "Travel support KIND: trip TRIP, MEETING", "travel:MEETING". The
 * journal is kept for ever and hashed: it names the trip by its number (a
 * pseudonym: travel_trips links it to the person), never the applicant's
 * name or CSV id (docs/privacy.md). */
static int travel_entry_begin(struct ledger_entry *b, const char *date, const char *kind,
			      const char *meeting, const char *trip)
{
	char memo[256], ref[48];

	snprintf(memo, sizeof(memo), "Travel support %s: trip %s, %s", kind, trip, meeting);
	snprintf(ref, sizeof(ref), "travel:%s", meeting); /* ids: 32 bytes at most */
	return fund_body_entry_begin(b, date, memo, ref);
}

/* --- meetings ------------------------------------------------------------------------ */

struct meeting_tx {
	const char *p[7];
	const struct ledger_actor *who;
	json_t *out;
};

static json_t *meeting_json(const PGresult *r, int i)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "id", PQgetvalue(r, i, C_MEETING_ID),
			 "name", PQgetvalue(r, i, C_MEETING_NAME),
			 "starts_on", PQgetvalue(r, i, C_MEETING_STARTS_ON),
			 "ends_on", PQgetvalue(r, i, C_MEETING_ENDS_ON),
			 "place", PQgetvalue(r, i, C_MEETING_PLACE),
			 "currency", PQgetvalue(r, i, C_MEETING_CURRENCY),
			 "budget_line", PQgetvalue(r, i, C_MEETING_BUDGET_LINE));
}

static int meeting_tx_run(PGconn *c, void *ctx)
{
	struct meeting_tx *t = ctx;
	PGresult *r = NULL;
	int created = 0;
	/* a meeting in a currency the books do not keep yet gets its accounts
	 * (obligations, travel expenses) in the same step, as a pledge does */
	int rc = fund_currency_ensure(&created, c, t->p[5], t->who);

	if (rc == 0)
		rc = db_exec(&r, c, "travel_meeting_insert", 7, t->p);

	json_decref(t->out);
	t->out = NULL;
	if (rc == 0 && PQntuples(r) == 0) {
		rc = err_set(ERR_CONFLICT, "id: meeting '%s' exists", t->p[0]);
	}
	PQclear(r);
	r = NULL;
	if (rc == 0)
		rc = ledger_audit(c, t->who, "travel.meeting.add", t->p[0]);
	if (rc == 0)
		rc = meeting_load(&r, c, t->p[0], false);
	if (rc == 0 && !(t->out = meeting_json(r, 0)))
		rc = err_oom();
	PQclear(r);
	return rc;
}

int travel_meeting_add(json_t **out, PGconn *c, json_t *body,
		       const struct ledger_actor *who)
{
	static const char *const allowed[] = {"id",	  "name",     "starts_on", "ends_on",
					      "place",	  "currency", "budget_line", NULL};
	struct meeting_tx t = {.who = who};
	char today[FUND_BODY_DATE_BYTES];
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_slug(&t.p[0], body, "id")) < 0 ||
	    (rc = fund_body_text(&t.p[1], body, "name", true, 200)) < 0 ||
	    (rc = fund_body_date(&t.p[2], body, "starts_on", true, today)) < 0 ||
	    (rc = fund_body_date(&t.p[3], body, "ends_on", true, today)) < 0 ||
	    (rc = fund_body_text(&t.p[4], body, "place", true, 200)) < 0 ||
	    (rc = fund_body_str(&t.p[6], body, "budget_line", false)) < 0)
		return rc;
	if (strcmp(t.p[3], t.p[2]) < 0)
		return fund_body_bad("ends_on", "before starts_on: ", t.p[3]);
	if (!t.p[6])
		t.p[6] = "";
	if (strlen(t.p[6]) > 200)
		return fund_body_bad("budget_line", "expected at most 200 bytes", NULL);
	rc = fund_body_str(&t.p[5], body, "currency", true);
	if (rc == 0 && !money_currency_valid(t.p[5]))
		rc = fund_body_bad("currency", "not an ISO 4217 currency: ", t.p[5]);
	if (rc == 0)
		rc = db_tx(c, DB_READ_COMMITTED, meeting_tx_run, &t);
	if (rc == 0) {
		*out = t.out;
	} else {
		json_decref(t.out);
	}
	return rc;
}

int travel_meetings_list(json_t **out, PGconn *c)
{
	PGresult *r = NULL;
	json_t *arr = json_array();
	int rc = arr ? db_exec(&r, c, "travel_meetings_list", 0, NULL) : err_oom();

	*out = NULL;
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		json_t *m = meeting_json(r, i);

		if (m && (json_object_set_new(m, "applicants", json_integer(fund_body_int64(
							  r, i, C_MEETINGS_APPLICANTS))) < 0 ||
			  json_object_set_new(m, "runs", json_integer(fund_body_int64(
							    r, i, C_MEETINGS_RUNS))) < 0 ||
			  json_object_set_new(m, "trips", json_integer(fund_body_int64(
							     r, i, C_MEETINGS_TRIPS))) < 0)) {
			json_decref(m);
			m = NULL;
		}
		rc = append_new(arr, m);
	}
	PQclear(r);
	if (rc == 0) {
		*out = arr;
		return 0;
	}
	json_decref(arr);
	return rc;
}

/* --- applicants ------------------------------------------------------------------------ */

static const char *const category_names[] = {"mag", "individual"};
static const char *const request_names[] = {"full", "airfare", "dsa"};

struct import_tx {
	const char *meeting, *source;
	char *rows;
	char as_of[11];
	const PGresult *m;
	const struct ledger_actor *who;
	json_t *out;
};

/* The applicant row i of r (travel_applicants_ranked) as the API shows it. */
static json_t *applicant_json(const PGresult *r, int i, const char *ccy)
{
	int64_t df = fund_body_int64(r, i, C_APPL_DECLARED_FUNDED);
	int64_t dro = fund_body_int64(r, i, C_APPL_DECLARED_OUTSTANDING);
	int64_t lf = fund_body_int64(r, i, C_APPL_FUNDED);
	int64_t lro = fund_body_int64(r, i, C_APPL_OUTSTANDING);
	json_t *diff = json_array();

	if (diff && df != lf)
		json_array_append_new(diff, json_pack("{s:s, s:I, s:I}", "field", "prior_funded",
						      "declared", (json_int_t)df, "ledger",
						      (json_int_t)lf));
	if (diff && dro != lro)
		json_array_append_new(diff, json_pack("{s:s, s:I, s:I}", "field",
						      "prior_reports_outstanding", "declared",
						      (json_int_t)dro, "ledger", (json_int_t)lro));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:o, s:s, s:s, s:s, s:I,"
			 " s:{s:I, s:I}, s:{s:I, s:I}, s:o*, s:o, s:s}",
			 "id", PQgetvalue(r, i, C_APPL_ID), "name", PQgetvalue(r, i, C_APPL_NAME),
			 "country", PQgetvalue(r, i, C_APPL_COUNTRY), "category",
			 PQgetvalue(r, i, C_APPL_CATEGORY), "role", PQgetvalue(r, i, C_APPL_ROLE),
			 "forms_complete",
			 strcmp(PQgetvalue(r, i, C_APPL_FORMS_COMPLETE), "t") == 0, "health_check",
			 strcmp(PQgetvalue(r, i, C_APPL_HEALTH_CHECK), "t") == 0, "request",
			 PQgetvalue(r, i, C_APPL_REQUEST), "amount",
			 fund_body_money(fund_body_int64(r, i, C_APPL_AMOUNT), ccy), "currency",
			 ccy, "requested_on", PQgetvalue(r, i, C_APPL_REQUESTED_ON), "source",
			 PQgetvalue(r, i, C_APPL_SOURCE), "line",
			 (json_int_t)fund_body_int64(r, i, C_APPL_LINE), "declared", "prior_funded",
			 (json_int_t)df, "prior_reports_outstanding", (json_int_t)dro, "ledger",
			 "prior_funded", (json_int_t)lf, "prior_reports_outstanding",
			 (json_int_t)lro, "differences", diff, "health_attested_on",
			 fund_body_str_or_null(r, i, C_APPL_HEALTH_ATTESTED), "reports_due",
			 PQgetvalue(r, i, C_APPL_REPORTS_DUE));
}

/* {"meeting","as_of","applicants":[...]} of meeting row m as of as_of:
 * every applicant, or only those the current transaction stored (just_added). */
static int applicants_json(json_t **out, PGconn *c, const PGresult *m, const char *as_of,
			   bool just_added)
{
	PGresult *r = NULL;
	json_t *arr = json_array();
	rules_policy *policy = NULL;
	char grace[16];
	int rc = arr ? rules_policy_load_default(&policy) : err_oom();

	*out = NULL;
	/* the reports outstanding as the bundled policy counts them */
	snprintf(grace, sizeof(grace), "%d", policy ? rules_policy_report_grace_days(policy) : 0);
	rules_policy_free(policy);
	if (rc == 0)
		rc = db_exec(&r, c, "travel_applicants_ranked", 5,
			     (const char *const[]){PQgetvalue(m, 0, C_MEETING_ID),
						   PQgetvalue(m, 0, C_MEETING_STARTS_ON), as_of,
						   just_added ? "true" : NULL, grace});
	for (int i = 0; rc == 0 && i < PQntuples(r); i++)
		rc = append_new(arr, applicant_json(r, i, PQgetvalue(m, 0, C_MEETING_CURRENCY)));
	if (rc == 0 &&
	    !(*out = json_pack("{s:s, s:s, s:O}", "meeting", PQgetvalue(m, 0, C_MEETING_ID),
			       "as_of", as_of, "applicants", arr)))
		rc = err_oom();
	json_decref(arr);
	PQclear(r);
	return rc;
}

static int import_tx_run(PGconn *c, void *ctx)
{
	struct import_tx *t = ctx;
	json_t *list = NULL;
	PGresult *taken = NULL;
	int rc = db_exec(&taken, c, "travel_applicants_taken", 2,
			 (const char *const[]){t->meeting, t->rows});

	json_decref(t->out);
	t->out = NULL;
	if (rc == 0 && PQntuples(taken) > 0) {
		char ids[512] = "";
		size_t len = 0;

		for (int i = 0; i < PQntuples(taken) && len < sizeof(ids); i++)
			len += (size_t)snprintf(ids + len, sizeof(ids) - len, "%s%s",
						i ? ", " : "", PQgetvalue(taken, i, C_TAKEN_ID));
		rc = err_set(ERR_CONFLICT,
			     "id: meeting %s has applicant%s %s%s already; nothing was stored. To"
			     " correct a stored applicant, change its fields with PATCH"
			     " /v1/meetings/%s/applicants/ID (tfledger applicants update); import"
			     " only new applicants", t->meeting, PQntuples(taken) == 1 ? "" : "s",
			     ids, len >= sizeof(ids) ? "..." : "", t->meeting);
	}
	PQclear(taken);
	if (rc == 0) {
		rc = db_exec(NULL, c, "travel_applicants_insert", 3,
			     (const char *const[]){t->meeting, t->rows, t->source});
		if (rc == ERR_CONFLICT) /* stored meanwhile: words, not the server's */
			rc = err_set(ERR_CONFLICT, "id: an applicant of this file was stored for"
						   " meeting %s meanwhile; nothing was stored",
				     t->meeting);
	}
	if (rc == 0)
		rc = ledger_audit(c, t->who, "travel.applicants.import", t->meeting);
	if (rc == 0)
		rc = applicants_json(&list, c, t->m, t->as_of, true);
	if (rc == 0) {
		t->out = list;
		if (json_object_set_new(list, "source", json_string(t->source)) < 0 ||
		    json_object_set_new(list, "imported",
					json_integer((json_int_t)json_array_size(
						json_object_get(list, "applicants")))) < 0)
			rc = err_oom();
	}
	return rc;
}

int travel_applicants_import(json_t **out, PGconn *c, const char *meeting, FILE *f,
			     const char *source, const struct ledger_actor *who)
{
	struct import_tx t = {.meeting = meeting, .source = source, .who = who};
	struct rules_applicant *a = NULL;
	rules_countries *countries = NULL;
	PGresult *m = NULL;
	json_t *rows = json_array();
	size_t n = 0;
	int rc = rows ? 0 : err_oom();

	*out = NULL;
	if (rc == 0)
		rc = meeting_load(&m, c, meeting, false);
	if (rc == 0 && !f)
		rc = fund_body_bad("file", "required", NULL);
	if (rc == 0)
		rc = rules_countries_load_default(&countries);
	if (rc < 0)
		goto cleanup;
	rc = rules_applicants_read_stream(&a, &n, f, source, PQgetvalue(m, 0, C_MEETING_CURRENCY),
					  countries);
	if (rc == ERR_LIMIT)
		rc = err_recode(ERR_INVALID, EC_INVALID_FIELD);
	if (rc < 0)
		goto cleanup;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char amount[MONEY_STR_MAX];

		money_format(amount, a[i].amount_minor, PQgetvalue(m, 0, C_MEETING_CURRENCY));
		rc = append_new(
			rows,
			json_pack(
				"{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:s, s:I, s:s, s:s, s:I,"
				" s:s}",
				"id", a[i].id, "name", a[i].name, "country", a[i].country,
				"category", category_names[a[i].category], "role", a[i].role,
				"forms_complete", a[i].forms_complete, "health_check",
				a[i].health_check, "prior_funded", (json_int_t)a[i].prior_funded,
				"prior_reports_outstanding",
				(json_int_t)a[i].prior_reports_outstanding, "request",
				request_names[a[i].request], "amount_minor",
				(json_int_t)a[i].amount_minor, "currency",
				PQgetvalue(m, 0, C_MEETING_CURRENCY), "requested_on",
				a[i].requested_on, "line", (json_int_t)a[i].line,
				"health_attested_on", a[i].health_attested_on));
	}
	t.rows = rc == 0 ? json_dumps(rows, JSON_COMPACT) : NULL;
	if (rc == 0 && !t.rows)
		rc = err_oom();
	if (rc == 0) {
		char now[LEDGER_TIME_BYTES];

		ledger_now(now);
		snprintf(t.as_of, sizeof(t.as_of), "%.10s", now);
		t.m = m;
		rc = db_tx(c, DB_READ_COMMITTED, import_tx_run, &t);
	}
	if (rc == 0) {
		*out = t.out;
		t.out = NULL;
	}
cleanup:
	json_decref(t.out);
	free(t.rows);
	json_decref(rows);
	rules_applicants_free(a, n);
	rules_countries_free(countries);
	PQclear(m);
	return rc;
}

int travel_applicants_list(json_t **out, PGconn *c, const char *meeting,
			   const char *as_of)
{
	PGresult *m = NULL;
	char today[11];
	int rc;

	*out = NULL;
	if (as_of && !date_valid(as_of))
		return fund_body_bad("as_of", "expected a date YYYY-MM-DD, got ", as_of);
	if (!as_of) {
		char now[LEDGER_TIME_BYTES];

		ledger_now(now);
		snprintf(today, sizeof(today), "%.10s", now);
		as_of = today;
	}
	if ((rc = meeting_load(&m, c, meeting, false)) < 0)
		return rc;
	rc = applicants_json(out, c, m, as_of, false);
	PQclear(m);
	return rc;
}

/* --- ranking ---------------------------------------------------------------------------- */

struct travel_ranking {
	rules_policy *policy;
	rules_countries *countries;
	struct rules_applicant *applicants;
	size_t n;
	struct rules_result result;
	bool ranked;
	json_t *inputs;   /* the applicants as ranked */
	json_t *history;  /* where the CSV differs from the fund's history */
	char meeting[40], currency[4], as_of[11], budget_source[8];
	long long run;    /* 0 for a what-if */
};

void travel_ranking_free(travel_ranking *k)
{
	if (!k)
		return;
	if (k->ranked)
		rules_result_free(&k->result);
	rules_applicants_free(k->applicants, k->n);
	rules_policy_free(k->policy);
	rules_countries_free(k->countries);
	json_decref(k->inputs);
	json_decref(k->history);
	free(k);
}

const struct rules_result *travel_ranking_result(const travel_ranking *k)
{
	return &k->result;
}

/* Notes a difference between what the applicant wrote and the fund's history. */
static int history_note(json_t *history, const char *id, const char *field,
			int64_t declared, int64_t ledger)
{
	if (declared == ledger)
		return 0;
	return append_new(history, json_pack("{s:s, s:s, s:I, s:I}", "id", id, "field", field,
					     "declared", (json_int_t)declared, "ledger",
					     (json_int_t)ledger));
}

/* Builds applicant i of k from row i of r (travel_applicants_ranked). */
static int applicant_from_row(travel_ranking *k, const PGresult *r, int i)
{
	struct rules_applicant *a = &k->applicants[i];
	const char *id = PQgetvalue(r, i, C_APPL_ID), *name = PQgetvalue(r, i, C_APPL_NAME);
	const char *role = PQgetvalue(r, i, C_APPL_ROLE);
	const char *req = PQgetvalue(r, i, C_APPL_REQUESTED_ON);
	const char *due = PQgetvalue(r, i, C_APPL_REPORTS_DUE);
	size_t li = strlen(id), ln = strlen(name), lr = strlen(req), lo = strlen(role);
	size_t ld = strlen(due);
	char *p = malloc(li + ln + lr + lo + ld + 5);
	int64_t declared_f = fund_body_int64(r, i, C_APPL_DECLARED_FUNDED);
	int64_t declared_o = fund_body_int64(r, i, C_APPL_DECLARED_OUTSTANDING);

	if (!p)
		return err_oom();
	/* one allocation for the five strings, owned by id (rules_applicants_free) */
	a->id = memcpy(p, id, li + 1);
	a->name = memcpy(p + li + 1, name, ln + 1);
	a->requested_on = memcpy(p + li + ln + 2, req, lr + 1);
	a->role = memcpy(p + li + ln + lr + 3, role, lo + 1);
	a->reports_due = memcpy(p + li + ln + lr + lo + 4, due, ld + 1);
	snprintf(a->health_attested_on, sizeof(a->health_attested_on), "%s",
		 PQgetvalue(r, i, C_APPL_HEALTH_ATTESTED));
	snprintf(a->country, sizeof(a->country), "%s", PQgetvalue(r, i, C_APPL_COUNTRY));
	a->category = strcmp(PQgetvalue(r, i, C_APPL_CATEGORY), "mag") == 0 ? RULES_MAG
									    : RULES_INDIVIDUAL;
	a->has_role = role[strspn(role, " \t\r\n")] != '\0';
	a->forms_complete = strcmp(PQgetvalue(r, i, C_APPL_FORMS_COMPLETE), "t") == 0;
	a->health_check = strcmp(PQgetvalue(r, i, C_APPL_HEALTH_CHECK), "t") == 0;
	a->request = strcmp(PQgetvalue(r, i, C_APPL_REQUEST), "full") == 0	    ? RULES_FULL
		     : strcmp(PQgetvalue(r, i, C_APPL_REQUEST), "airfare") == 0 ? RULES_AIRFARE
								    : RULES_DSA;
	a->amount_minor = fund_body_int64(r, i, C_APPL_AMOUNT);
	a->line = (size_t)fund_body_int64(r, i, C_APPL_LINE);
	a->prior_funded = fund_body_int64(r, i, C_APPL_FUNDED);
	a->prior_reports_outstanding = fund_body_int64(r, i, C_APPL_OUTSTANDING);
	if (date_parse_time(&a->requested_s, &a->requested_ns, a->requested_on) < 0)
		return err_set(ERR_INTERNAL, "stored applicant %s: bad requested_on %s", a->id,
			       a->requested_on);
	if (history_note(k->history, a->id, "prior_funded", declared_f, a->prior_funded) < 0 ||
	    history_note(k->history, a->id, "prior_reports_outstanding", declared_o,
			 a->prior_reports_outstanding) < 0)
		return err_oom();
	return append_new(
		k->inputs,
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I,"
			  " s:s, s:o, s:s, s:s}",
			  "id", a->id, "person", PQgetvalue(r, i, C_APPL_PERSON), "name", a->name,
			  "country", a->country, "category", PQgetvalue(r, i, C_APPL_CATEGORY),
			  "role", role, "forms_complete", a->forms_complete ? "yes" : "no",
			  "health_check", a->health_check ? "yes" : "no", "prior_funded",
			  (json_int_t)a->prior_funded, "prior_reports_outstanding",
			  (json_int_t)a->prior_reports_outstanding, "declared_prior_funded",
			  (json_int_t)declared_f, "declared_prior_reports_outstanding",
			  (json_int_t)declared_o, "request", PQgetvalue(r, i, C_APPL_REQUEST),
			  "amount", fund_body_money(a->amount_minor, k->currency), "currency",
			  k->currency, "requested_on", a->requested_on));
}

/*
 * The meeting's budget from the fund's books: what was allocated to it as
 * of as_of (fund_allocations, docs/controls.md), whatever its trips took
 * of it already (ranking again sees the same budget); *overrun_out the
 * largest countersigned overrun not yet used, which a typed budget may add.
 */
static int ledger_budget(int64_t *out, int64_t *overrun_out, PGconn *c, const char *meeting,
			 const char *as_of)
{
	struct fund_meeting_budget b;
	int rc = fund_meeting_budget(&b, c, meeting, as_of);

	*out = rc == 0 ? b.allocated_minor : 0;
	*overrun_out = rc == 0 ? b.overrun_minor : 0;
	return rc;
}

/* The decisions of a ranking as travel_decisions rows (JSON text). */
static int decisions_rows(char **out, const struct rules_result *res)
{
	static const char *const outcome[] = {"funded", "waitlisted", "ineligible"};
	json_t *arr = json_array();
	int rc = arr ? 0 : err_oom();

	*out = NULL;
	for (size_t i = 0; rc == 0 && i < res->n; i++) {
		const struct rules_decision *d = &res->decisions[i];
		json_t *reasons = json_array();
		char why[1024];

		rules_explain(why, sizeof(why), res, d);
		for (size_t k = 0; reasons && k < d->nreasons; k++)
			json_array_append_new(reasons,
					      json_string(rules_reason_name(d->reasons[k])));
		rc = append_new(
			arr, json_pack("{s:I, s:s, s:o, s:s, s:I, s:I, s:o, s:s}", "position",
				       (json_int_t)(i + 1), "applicant", d->applicant->id, "rank",
				       d->rank ? json_integer((json_int_t)d->rank) : json_null(),
				       "decision", outcome[d->outcome], "amount_minor",
				       (json_int_t)d->applicant->amount_minor, "granted_minor",
				       (json_int_t)d->granted_minor, "reasons", reasons,
				       "explanation", why));
	}
	if (rc == 0 && !(*out = json_dumps(arr, JSON_COMPACT)))
		rc = err_oom();
	json_decref(arr);
	return rc;
}

struct rank_tx {
	travel_ranking *k;
	const struct ledger_actor *who;
};

static int rank_tx_run(PGconn *c, void *ctx)
{
	struct rank_tx *t = ctx;
	travel_ranking *k = t->k;
	const struct rules_result *res = &k->result;
	PGresult *r = NULL;
	char *inputs = json_dumps(k->inputs, JSON_COMPACT), *rows = NULL;
	char budget[24], allocated[24], remaining[24];
	int rc = inputs ? decisions_rows(&rows, res) : err_oom();

	snprintf(budget, sizeof(budget), "%" PRId64, res->budget_minor);
	snprintf(allocated, sizeof(allocated), "%" PRId64, res->allocated_minor);
	snprintf(remaining, sizeof(remaining), "%" PRId64, res->remaining_minor);
	if (rc == 0)
		rc = db_exec(&r, c, "travel_run_insert", 13,
			     (const char *const[]){k->meeting, k->as_of, rules_policy_id(k->policy),
						   rules_policy_version(k->policy),
						   rules_policy_sha256(k->policy), k->budget_source,
						   budget, allocated, remaining, k->currency,
						   inputs, ledger_actor_user(t->who),
						   rules_policy_allocation(k->policy) ==
								   RULES_STOP_AT_FIRST_MISFIT
							   ? "stop-at-first-misfit"
							   : "skip-and-continue"});
	if (rc == 0) {
		k->run = fund_body_int64(r, 0, C_NEW_RUN_ID);
		rc = db_exec(NULL, c, "travel_decisions_insert", 2,
			     (const char *const[]){PQgetvalue(r, 0, C_NEW_RUN_ID), rows});
	}
	if (rc == 0) {
		char object[80];

		snprintf(object, sizeof(object), "%s/run/%lld", k->meeting, k->run);
		rc = ledger_audit(c, t->who, "travel.rank", object);
	}
	PQclear(r);
	free(inputs);
	free(rows);
	return rc;
}

int travel_rank(travel_ranking **out, PGconn *c, json_t *body,
		const struct ledger_actor *who)
{
	static const char *const allowed[] = {"meeting", "as_of",   "budget",	  "currency",
					      "policy",	 "what_if", "policy_xml", NULL};
	travel_ranking *k = calloc(1, sizeof(*k));
	struct rank_tx t = {k, who};
	const char *meeting = NULL, *as_of = NULL, *budget_s = NULL, *ccy = NULL, *policy = NULL;
	const char *policy_xml = NULL;
	char amount[MONEY_STR_MAX + 8], grace[16];
	PGresult *m = NULL, *r = NULL;
	int64_t budget = 0, allocated = 0, overrun = 0;
	int32_t day = 0;
	bool what_if;
	int rc = k ? 0 : err_oom();

	*out = NULL;
	if (rc == 0 && ((rc = fund_body_only_fields(body, allowed)) < 0 ||
			(rc = fund_body_str(&meeting, body, "meeting", true)) < 0 ||
			(rc = fund_body_date(&as_of, body, "as_of", false, k->as_of)) < 0 ||
			(rc = fund_body_str(&budget_s, body, "budget", false)) < 0 ||
			(rc = fund_body_str(&ccy, body, "currency", false)) < 0 ||
			(rc = fund_body_str(&policy, body, "policy", false)) < 0 ||
			(rc = fund_body_str(&policy_xml, body, "policy_xml", false)) < 0))
		goto cleanup;
	if (rc < 0)
		goto cleanup;
	if ((rc = fund_body_bool(&what_if, body, "what_if")) < 0)
		goto cleanup;
	if (policy && policy_xml) {
		rc = fund_body_bad("policy_xml", "give policy or policy_xml, not both", NULL);
		goto cleanup;
	}
	if (policy_xml && !what_if) {
		rc = fund_body_bad("policy_xml",
				   "only for a what-if (a stored run uses a policy file)", NULL);
		goto cleanup;
	}
	if (as_of != k->as_of)
		snprintf(k->as_of, sizeof(k->as_of), "%s", as_of);
	if ((rc = meeting_load(&m, c, meeting, false)) < 0)
		goto cleanup;
	snprintf(k->meeting, sizeof(k->meeting), "%s", meeting);
	snprintf(k->currency, sizeof(k->currency), "%s", PQgetvalue(m, 0, C_MEETING_CURRENCY));
	if (ccy && strcmp(ccy, k->currency) != 0) {
		rc = err_set(ERR_INVALID, "currency: meeting %s is budgeted in %s, not %s", meeting,
			     k->currency, ccy);
		goto cleanup;
	}
	if (budget_s) {
		/* "AMOUNT" or "AMOUNT CCY" */
		const char *sp = strchr(budget_s, ' ');
		size_t len = sp ? (size_t)(sp - budget_s) : strlen(budget_s);

		if (len >= sizeof(amount) || (sp && strcmp(sp + 1, k->currency) != 0)) {
			rc = err_set(ERR_INVALID, "budget: expected AMOUNT or AMOUNT %s (meeting %s"
						  " is budgeted in %s), got '%s'", k->currency,
				     meeting, k->currency, budget_s);
			goto cleanup;
		}
		snprintf(amount, sizeof(amount), "%.*s", (int)len, budget_s);
		budget_s = amount;
	}
	if (budget_s && (rc = fund_body_amount_text(&budget, budget_s, "budget", k->currency,
						    FUND_BODY_NON_NEGATIVE)) < 0)
		goto cleanup;
	rc = policy_xml ? rules_policy_load_buffer(&k->policy, policy_xml, strlen(policy_xml),
						   "policy_xml")
	     : policy   ? rules_policy_load(&k->policy, policy)
			: rules_policy_load_default(&k->policy);
	if (rc < 0) {
		if (!policy_xml) /* its messages begin "policy_xml:" already */
			err_wrap(rc, "policy");
		if (rc == ERR_INVALID || rc == ERR_SYSTEM || rc == ERR_LIMIT)
			rc = err_recode(ERR_INVALID, EC_INVALID_FIELD);
		goto cleanup;
	}
	if ((rc = rules_countries_load_default(&k->countries)) < 0 ||
	    (rc = date_parse(&day, PQgetvalue(m, 0, C_MEETING_STARTS_ON))) < 0)
		goto cleanup;
	if ((rc = ledger_budget(&allocated, &overrun, c, meeting, k->as_of)) < 0)
		goto cleanup;
	if (!budget_s) {
		snprintf(k->budget_source, sizeof(k->budget_source), "ledger");
		budget = allocated;
	} else if (budget > allocated && budget - allocated > overrun && !what_if) {
		char a[MONEY_STR_MAX], g[MONEY_STR_MAX], o[MONEY_STR_MAX], sh[MONEY_STR_MAX];

		money_format(a, allocated, k->currency);
		money_format(g, budget, k->currency);
		money_format(o, overrun, k->currency);
		money_format(sh, budget - allocated - overrun, k->currency);
		rc = err_code_set(ERR_CONFLICT, EC_INSUFFICIENT_FUNDS,
				  "budget: %s %s is above what meeting %s has allocated as of %s,"
				  " %s %s (with a countersigned overrun not yet used of %s %s): %s %s"
				  " short; nothing was stored (a what-if may try it)", g, k->currency,
				  meeting, k->as_of, a, k->currency, o, k->currency, sh, k->currency);
		goto cleanup;
	} else {
		snprintf(k->budget_source, sizeof(k->budget_source), "given");
	}
	k->inputs = json_array();
	k->history = json_array();
	if (!k->inputs || !k->history) {
		rc = err_oom();
		goto cleanup;
	}
	snprintf(grace, sizeof(grace), "%d", rules_policy_report_grace_days(k->policy));
	rc = db_exec(&r, c, "travel_applicants_ranked", 5,
		     (const char *const[]){meeting, PQgetvalue(m, 0, C_MEETING_STARTS_ON), k->as_of,
					   NULL, grace});
	if (rc < 0)
		goto cleanup;
	k->applicants = calloc((size_t)PQntuples(r) + 1, sizeof(*k->applicants));
	if (!k->applicants) {
		rc = err_oom();
		goto cleanup;
	}
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		k->n = (size_t)i + 1; /* freed whole or partly filled */
		rc = applicant_from_row(k, r, i);
	}
	if (rc < 0)
		goto cleanup;
	rc = rules_rank(&k->result, k->policy, k->countries, k->applicants, k->n, day, budget,
			k->currency);
	if (rc < 0)
		goto cleanup;
	k->ranked = true;
	if (!what_if)
		rc = db_tx(c, DB_READ_COMMITTED, rank_tx_run, &t);
	if (rc == 0) {
		*out = k;
		k = NULL;
	}
cleanup:
	PQclear(m);
	PQclear(r);
	travel_ranking_free(k);
	return rc;
}

json_t *travel_ranking_json(const travel_ranking *k)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	json_t *o = NULL;
	int rc;

	if (!f)
		return NULL;
	rc = rules_write_json(f, &k->result);
	if (fclose(f) == 0 && rc == 0)
		o = json_loadb(text, size, 0, NULL);
	free(text);
	/* each decision with its sentence, name and country (the engine's
	 * table shows them; a client of the API prints its own) */
	for (size_t i = 0; o && i < k->result.n; i++) {
		const struct rules_decision *d = &k->result.decisions[i];
		json_t *dj = json_array_get(json_object_get(o, "decisions"), i);
		char why[1024];

		rules_explain(why, sizeof(why), &k->result, d);
		if (!dj || json_object_set_new(dj, "explanation", json_string(why)) < 0 ||
		    json_object_set_new(dj, "name", json_string(d->applicant->name)) < 0 ||
		    json_object_set_new(dj, "country", json_string(d->applicant->country)) < 0) {
			json_decref(o);
			o = NULL;
		}
	}
	if (o && (json_object_set_new(o, "meeting", json_string(k->meeting)) < 0 ||
		  json_object_set_new(o, "as_of", json_string(k->as_of)) < 0 ||
		  json_object_set_new(o, "run", k->run ? json_integer(k->run) : json_null()) < 0 ||
		  json_object_set_new(o, "budget_source", json_string(k->budget_source)) < 0 ||
		  json_object_set(o, "history", k->history) < 0)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* --- approve ------------------------------------------------------------------------------ */

struct trip_tx {
	json_t *body;
	const char *meeting, *applicant, *date, *status;
	int64_t airfare, dsa, paid;
	const char *report, *bank;
	const struct ledger_actor *who;
	bool approver;	/* approval: who acts as approver */
	bool four_eyes; /* approval: travel.four_eyes is on (read in the transaction) */
	json_t *out;
};

/* The latest run of the meeting: id (text) and budget. */
static int latest_run(PGresult **out, PGconn *c, const char *meeting)
{
	int rc = db_exec(out, c, "travel_run_latest", 1, (const char *const[]){meeting});

	if (rc == 0 && PQntuples(*out) == 0) {
		PQclear(*out);
		*out = NULL;
		rc = err_set(ERR_CONFLICT, "meeting %s has no stored ranking: run tfledger travel"
					   " rank --meeting %s first", meeting, meeting);
	}
	return rc;
}

/*
 * The funds control of an approval: what it would oblige (the granted
 * amounts of to_approve), added to the meeting's open obligations and
 * spending, must fit in the meeting's allocated budget as of the approval's
 * date, or in it and a countersigned overrun not yet used (then marked
 * used by this run); else insufficient-funds and nothing is stored.
 * *budget_out: {"currency","allocated","obliged","spent","asked"};
 * *overrun_out the overrun used, or NULL.
 */
static int approve_control(json_t **budget_out, json_t **overrun_out, PGconn *c,
			   const struct trip_tx *t, const PGresult *to_approve, const char *run)
{
	struct fund_meeting_budget b;
	int64_t asked = 0;
	char used_by[96];
	int rc = fund_meeting_budget(&b, c, t->meeting, t->date);

	*budget_out = *overrun_out = NULL;
	for (int i = 0; rc == 0 && i < PQntuples(to_approve); i++)
		rc = money_add(&asked, asked, fund_body_int64(to_approve, i, C_APPROVE_GRANTED));
	snprintf(used_by, sizeof(used_by), "travel run %s of meeting %s", run, t->meeting);
	if (rc == 0 && asked > 0)
		rc = fund_meeting_commit(overrun_out, c, t->meeting, &b, asked, used_by);
	if (rc == 0) {
		*budget_out = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "currency", b.currency,
					"sources", b.sources, "allocated",
					fund_body_money(b.allocated_minor, b.currency), "obliged",
					fund_body_money(b.obliged_minor, b.currency), "spent",
					fund_body_money(b.spent_minor, b.currency), "asked",
					fund_body_money(asked, b.currency));
		rc = *budget_out ? 0 : err_oom();
	}
	return rc;
}

/* True unless settings key (a travel switch such as travel.four_eyes) is
 * "off"; a missing key is on (migration 0060 sets it on). */
static int setting_on(bool *out, PGconn *c, const char *key)
{
	PGresult *r = NULL;
	int rc = db_exec(&r, c, "travel_setting", 1, (const char *const[]){key});

	*out = rc < 0 || PQntuples(r) == 0 ||
	       strcmp(PQgetvalue(r, 0, C_SETTING_VALUE), "off") != 0;
	PQclear(r);
	return rc;
}

/*
 * Four eyes on the approval of run (travel_run_latest's row) by who, when
 * travel.four_eyes is on: who holds the approver role (approver) and is
 * not the person who ranked the run. EC_FOUR_EYES (403) in words if not.
 */
static int four_eyes_check(const struct trip_tx *t, const PGresult *run)
{
	const char *user = ledger_actor_user(t->who);

	if (!t->four_eyes)
		return 0;
	if (strcmp(user, PQgetvalue(run, 0, C_RUN_RANKED_BY)) == 0)
		return err_code_set(ERR_INVALID, EC_FOUR_EYES,
				    "four eyes: %s ranked run %s of %s; another person with the"
				    " approver role must approve it", user,
				    PQgetvalue(run, 0, C_RUN_ID), t->meeting);
	if (!t->approver)
		return err_code_set(ERR_INVALID, EC_FOUR_EYES,
				    "four eyes: %s does not hold the approver role; a person with"
				    " the approver role who did not rank run %s of %s (ranked by"
				    " %s) must approve it", user, PQgetvalue(run, 0, C_RUN_ID),
				    t->meeting, PQgetvalue(run, 0, C_RUN_RANKED_BY));
	return 0;
}

/*
 * Four eyes on the countersigned overrun an approval would use: its
 * signer (fund_overruns.signed_by) is a third person, neither the ranker
 * nor the approver. EC_FOUR_EYES (403) in words if not; the caller's
 * transaction rolls the overrun's use back.
 */
static int four_eyes_overrun(const struct trip_tx *t, const PGresult *run, json_t *overrun)
{
	const char *signer = json_string_value(json_object_get(overrun, "signed_by"));
	const char *user = ledger_actor_user(t->who);
	const char *ranker = PQgetvalue(run, 0, C_RUN_RANKED_BY);

	if (!t->four_eyes || !overrun || !signer)
		return 0;
	if (strcmp(signer, ranker) != 0 && strcmp(signer, user) != 0)
		return 0;
	return err_code_set(ERR_INVALID, EC_FOUR_EYES,
			    "four eyes: the overrun %lld of %s that this approval needs was"
			    " countersigned by %s, who %s run %s; the countersignature must be a"
			    " third person's (another finance officer countersigns an overrun)",
			    (long long)json_integer_value(json_object_get(overrun, "id")),
			    t->meeting, signer,
			    strcmp(signer, ranker) == 0 ? "ranked" : "is approving",
			    PQgetvalue(run, 0, C_RUN_ID));
}

/* The stored run id of meeting (STORED_RUN_COLS) as JSON; with decisions. */
static int stored_run(json_t **out, PGconn *c, const char *meeting, const char *id,
		      bool decisions);

static int approve_tx_run(PGconn *c, void *ctx)
{
	struct trip_tx *t = ctx;
	PGresult *m = NULL, *run = NULL, *to_approve = NULL, *done = NULL;
	json_t *approved = json_array(), *budget = NULL, *overrun = NULL, *names = NULL;
	bool newly = false;
	int rc = approved ? 0 : err_oom();

	json_decref(t->out);
	t->out = NULL;
	if (rc == 0)
		rc = meeting_load(&m, c, t->meeting, true);
	if (rc == 0)
		rc = setting_on(&t->four_eyes, c, "travel.four_eyes");
	if (rc == 0)
		rc = latest_run(&run, c, t->meeting);
	if (rc == 0)
		rc = four_eyes_check(t, run);
	if (rc == 0)
		rc = db_exec(&to_approve, c, "travel_to_approve", 2,
			     (const char *const[]){t->meeting, PQgetvalue(run, 0, C_RUN_ID)});
	if (rc == 0)
		rc = approve_control(&budget, &overrun, c, t, to_approve,
				     PQgetvalue(run, 0, C_RUN_ID));
	if (rc == 0)
		rc = four_eyes_overrun(t, run, overrun);
	for (int i = 0; rc == 0 && i < PQntuples(to_approve); i++) {
		const char *ccy = PQgetvalue(m, 0, C_MEETING_CURRENCY);
		const char *applicant = PQgetvalue(to_approve, i, C_APPROVE_APPLICANT);
		char entry[LEDGER_UUID_BYTES], trip_id[24];
		struct ledger_entry b;
		PGresult *trip = NULL;

		/* a funded decision becomes an offered trip first: the entry's
		 * memo names the trip by its number, not the person */
		if (PQgetisnull(to_approve, i, C_APPROVE_TRIP)) {
			rc = db_exec(&trip, c, "travel_trip_insert", 8,
				     (const char *const[]){
					     t->meeting, applicant,
					     PQgetvalue(to_approve, i, C_APPROVE_PERSON),
					     PQgetvalue(run, 0, C_RUN_ID), "offered",
					     PQgetvalue(to_approve, i, C_APPROVE_GRANTED), ccy, NULL});
			if (rc == 0)
				snprintf(trip_id, sizeof(trip_id), "%s",
					 PQgetvalue(trip, 0, C_TRIP_ID));
			PQclear(trip);
			trip = NULL;
		} else {
			snprintf(trip_id, sizeof(trip_id), "%s",
				 PQgetvalue(to_approve, i, C_APPROVE_TRIP));
		}
		if (rc < 0 ||
		    (rc = travel_entry_begin(&b, t->date, "obligation", t->meeting, trip_id)) < 0)
			break;
		fund_body_entry_add(&b, "8100", ccy, true,
				    fund_body_int64(to_approve, i, C_APPROVE_GRANTED));
		fund_body_entry_add(&b, "8190", ccy, false,
				    fund_body_int64(to_approve, i, C_APPROVE_GRANTED));
		if ((rc = fund_body_entry_done(entry, c, &b, t->who, "travel.obligation")) < 0)
			break;
		rc = db_exec(&trip, c, "travel_trip_approve", 2,
			     (const char *const[]){trip_id, entry});
		if (rc == 0 && PQntuples(trip) != 1)
			rc = err_set(ERR_INTERNAL, "trip %s/%s changed meanwhile", t->meeting,
				     applicant);
		if (rc == 0)
			rc = append_new(approved, trip_json(trip, 0));
		PQclear(trip);
	}
	/* the run records its (first) approver; later approvals of places
	 * offered after a decline are in the audit trail; a run ranked again
	 * after an approval is approved by the approval that obliges from it */
	if (rc == 0)
		rc = db_exec(&done, c, "travel_run_approve", 3,
			     (const char *const[]){PQgetvalue(run, 0, C_RUN_ID),
						   ledger_actor_user(t->who),
						   json_array_size(approved) > 0 ? "true" : "false"});
	if (rc == 0)
		newly = PQntuples(done) == 1;
	if (rc == 0 && (newly || json_array_size(approved) > 0))
		rc = ledger_audit(c, t->who, "travel.approve", t->meeting);
	if (rc == 0)
		rc = stored_run(&names, c, t->meeting, PQgetvalue(run, 0, C_RUN_ID), false);
	if (rc == 0) {
		t->out = json_pack("{s:s, s:I, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:b}",
				   "meeting", t->meeting, "run",
				   (json_int_t)fund_body_int64(run, 0, C_RUN_ID), "approved",
				   approved, "budget", budget, "overrun",
				   overrun ? overrun : json_null(), "ranked_by",
				   json_object_get(names, "ranked_by"), "approved_by",
				   json_object_get(names, "approved_by"), "approved_at",
				   json_object_get(names, "approved_at"), "countersigned_by",
				   json_object_get(names, "countersigned_by"), "four_eyes",
				   t->four_eyes);
		rc = t->out ? 0 : err_oom();
	}
	json_decref(approved);
	json_decref(budget);
	json_decref(overrun);
	json_decref(names);
	PQclear(m);
	PQclear(run);
	PQclear(to_approve);
	PQclear(done);
	return rc;
}

/* Runs fn in a transaction; hands t->out over on success. */
static int trip_tx(json_t **out, PGconn *c, int (*fn)(PGconn *, void *), struct trip_tx *t)
{
	int rc = db_tx(c, DB_READ_COMMITTED, fn, t);

	if (rc == 0) {
		*out = t->out;
	} else {
		json_decref(t->out);
	}
	return rc;
}

/*
 * Begins a write on one trip, inside the transaction: forgets t->out from an
 * earlier try, locks the meeting (into *m) and the trip of t->applicant to
 * t->meeting (into *trip; ERR_NOTFOUND when there is none). The caller
 * clears both results whatever this returns.
 */
static int trip_lock(PGresult **m, PGresult **trip, PGconn *c, struct trip_tx *t)
{
	int rc;

	json_decref(t->out);
	t->out = NULL;
	rc = meeting_load(m, c, t->meeting, true);
	if (rc == 0)
		rc = db_exec(trip, c, "travel_trip_lock", 2,
			     (const char *const[]){t->meeting, t->applicant});
	if (rc == 0 && PQntuples(*trip) == 0)
		rc = err_set(ERR_NOTFOUND, "applicant: %s has no trip to %s", t->applicant,
			     t->meeting);
	return rc;
}

/* Reads what every write on one trip has: no field but allowed, "meeting", "applicant". */
static int trip_body(struct trip_tx *t, json_t *body, const char *const *allowed)
{
	int rc;

	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_str(&t->meeting, body, "meeting", true)) < 0)
		return rc;
	return fund_body_str(&t->applicant, body, "applicant", true);
}

/* Records action in the audit log on the object MEETING/APPLICANT. */
static int trip_audit(PGconn *c, const struct trip_tx *t, const char *applicant,
		      const char *action)
{
	char object[140];

	snprintf(object, sizeof(object), "%s/%s", t->meeting, applicant);
	return ledger_audit(c, t->who, action, object);
}

/*
 * Refuses a report date other than the one recorded on the locked trip
 * (when one is: the same date is no change).
 */
static int report_same(const PGresult *trip, const struct trip_tx *t)
{
	if (PQgetisnull(trip, 0, C_TRIP_REPORT_RECEIVED) ||
	    strcmp(PQgetvalue(trip, 0, C_TRIP_REPORT_RECEIVED), t->report) == 0)
		return 0;
	return err_set(ERR_CONFLICT, "report_received: the report of %s for %s was recorded as"
				     " received on %s, not %s", t->applicant, t->meeting,
		       PQgetvalue(trip, 0, C_TRIP_REPORT_RECEIVED), t->report);
}

int travel_approve(json_t **out, PGconn *c, json_t *body,
		   const struct ledger_actor *who)
{
	static const char *const allowed[] = {"meeting", "date", NULL};
	struct trip_tx t = {.body = body,
			    .who = who,
			    .approver = who->role && strcmp(who->role, "approver") == 0};
	char today[11];
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_str(&t.meeting, body, "meeting", true)) < 0 ||
	    (rc = fund_body_date(&t.date, body, "date", false, today)) < 0)
		return rc;
	return trip_tx(out, c, approve_tx_run, &t);
}

/* --- decline, cancel ------------------------------------------------------------------------ */

/* Offers places to the latest run's waitlist in rank order, each that fits
 * in what is left, under the run's allocation rule. */
static int offer_waitlisted(json_t *offered, PGconn *c, struct trip_tx *t, const char *ccy)
{
	PGresult *run = NULL, *used = NULL, *wait = NULL;
	int64_t left;
	bool stop;
	int rc = latest_run(&run, c, t->meeting);

	if (rc == 0)
		rc = db_exec(&used, c, "travel_committed", 1, (const char *const[]){t->meeting});
	if (rc == 0)
		rc = db_exec(&wait, c, "travel_waitlist", 2,
			     (const char *const[]){t->meeting, PQgetvalue(run, 0, C_RUN_ID)});
	if (rc < 0)
		goto cleanup;
	left = fund_body_int64(run, 0, C_RUN_BUDGET) - fund_body_int64(used, 0, C_SUM_MINOR);
	stop = strcmp(PQgetvalue(run, 0, C_RUN_ALLOCATION), "stop-at-first-misfit") == 0;
	for (int i = 0; rc == 0 && i < PQntuples(wait); i++) {
		PGresult *trip = NULL;

		if (fund_body_int64(wait, i, C_WAIT_AMOUNT) > left && stop)
			break;
		if (fund_body_int64(wait, i, C_WAIT_AMOUNT) > left)
			continue;
		left -= fund_body_int64(wait, i, C_WAIT_AMOUNT);
		rc = db_exec(&trip, c, "travel_trip_insert", 8,
			     (const char *const[]){t->meeting,
						   PQgetvalue(wait, i, C_WAIT_APPLICANT),
						   PQgetvalue(wait, i, C_WAIT_PERSON),
						   PQgetvalue(run, 0, C_RUN_ID), "offered",
						   PQgetvalue(wait, i, C_WAIT_AMOUNT), ccy, NULL});
		if (rc == 0)
			rc = append_new(offered, trip_json(trip, 0));
		if (rc == 0)
			rc = trip_audit(c, t, PQgetvalue(wait, i, C_WAIT_APPLICANT),
					"travel.offer");
		PQclear(trip);
	}
cleanup:
	PQclear(run);
	PQclear(used);
	PQclear(wait);
	return rc;
}

static int release_tx_run(PGconn *c, void *ctx)
{
	struct trip_tx *t = ctx;
	PGresult *m = NULL, *trip = NULL, *done = NULL;
	json_t *offered = json_array();
	char entry[LEDGER_UUID_BYTES] = "";
	const char *ccy;
	int rc = offered ? 0 : err_oom();

	if (rc == 0)
		rc = trip_lock(&m, &trip, c, t);
	if (rc < 0)
		goto cleanup;
	ccy = PQgetvalue(m, 0, C_MEETING_CURRENCY);
	if (strcmp(PQgetvalue(trip, 0, C_TRIP_STATUS), "offered") != 0 &&
	    strcmp(PQgetvalue(trip, 0, C_TRIP_STATUS), "approved") != 0) {
		rc = err_set(ERR_CONFLICT, "applicant: the trip of %s to %s is %s", t->applicant,
			     t->meeting, PQgetvalue(trip, 0, C_TRIP_STATUS));
		goto cleanup;
	}
	if (!PQgetisnull(trip, 0, C_TRIP_OBLIGATION_ENTRY)) {
		struct ledger_entry b;

		if ((rc = travel_entry_begin(&b, t->date, "release", t->meeting,
					     PQgetvalue(trip, 0, C_TRIP_ID))) < 0)
			goto cleanup;
		fund_body_entry_add(&b, "8190", ccy, true,
				    fund_body_int64(trip, 0, C_TRIP_GRANTED));
		fund_body_entry_add(&b, "8100", ccy, false,
				    fund_body_int64(trip, 0, C_TRIP_GRANTED));
		if ((rc = fund_body_entry_done(entry, c, &b, t->who, "travel.release")) < 0)
			goto cleanup;
	}
	rc = db_exec(&done, c, "travel_trip_release", 3,
		     (const char *const[]){PQgetvalue(trip, 0, C_TRIP_ID), t->status,
					   entry[0] ? entry : NULL});
	if (rc == 0)
		rc = trip_audit(c, t, t->applicant,
				strcmp(t->status, "declined") == 0 ? "travel.decline"
								   : "travel.cancel");
	if (rc == 0)
		rc = offer_waitlisted(offered, c, t, ccy);
	if (rc == 0) {
		t->out = json_pack("{s:o, s:O}", "trip", trip_json(done, 0), "offered", offered);
		rc = t->out ? 0 : err_oom();
	}
cleanup:
	json_decref(offered);
	PQclear(m);
	PQclear(trip);
	PQclear(done);
	return rc;
}

static int release(json_t **out, PGconn *c, json_t *body, const char *status,
		   const struct ledger_actor *who)
{
	static const char *const allowed[] = {"meeting", "applicant", "date", NULL};
	struct trip_tx t = {.body = body, .status = status, .who = who};
	char today[11];
	int rc;

	*out = NULL;
	if ((rc = trip_body(&t, body, allowed)) < 0 ||
	    (rc = fund_body_date(&t.date, body, "date", false, today)) < 0)
		return rc;
	return trip_tx(out, c, release_tx_run, &t);
}

int travel_decline(json_t **out, PGconn *c, json_t *body,
		   const struct ledger_actor *who)
{
	return release(out, c, body, "declined", who);
}

int travel_cancel(json_t **out, PGconn *c, json_t *body,
		  const struct ledger_actor *who)
{
	return release(out, c, body, "cancelled", who);
}

/* --- settle ------------------------------------------------------------------------------------
 */

static int settle_tx_run(PGconn *c, void *ctx)
{
	struct trip_tx *t = ctx;
	PGresult *m = NULL, *trip = NULL, *done = NULL;
	char entry[LEDGER_UUID_BYTES], bank[LEDGER_CODE_BYTES], airfare[24], dsa[24];
	int64_t paid = t->paid, granted;
	const char *ccy;
	struct ledger_entry b;
	int rc;

	rc = trip_lock(&m, &trip, c, t);
	if (rc < 0)
		goto cleanup;
	ccy = PQgetvalue(m, 0, C_MEETING_CURRENCY);
	if (strcmp(PQgetvalue(trip, 0, C_TRIP_STATUS), "approved") != 0) {
		rc = err_set(ERR_CONFLICT, "applicant: the trip of %s to %s is %s, not approved",
			     t->applicant, t->meeting, PQgetvalue(trip, 0, C_TRIP_STATUS));
		goto cleanup;
	}
	if (t->report && (rc = report_same(trip, t)) < 0)
		goto cleanup;
	granted = fund_body_int64(trip, 0, C_TRIP_GRANTED);
	if (paid > granted) {
		char g[MONEY_STR_MAX], p[MONEY_STR_MAX];

		money_format(g, granted, ccy);
		money_format(p, paid, ccy);
		rc = err_set(ERR_INVALID,
			     "airfare: airfare + dsa (%s %s) is above the granted %s %s", p, ccy, g,
			     ccy);
		goto cleanup;
	}
	snprintf(bank, sizeof(bank), "%s", t->bank ? t->bank : "1010");
	if ((rc = travel_entry_begin(&b, t->date, "settlement", t->meeting,
				     PQgetvalue(trip, 0, C_TRIP_ID))) < 0)
		goto cleanup;
	fund_body_entry_add(&b, "5200", ccy, true, paid);
	fund_body_entry_add(&b, bank, ccy, false, paid);
	fund_body_entry_add(&b, "8190", ccy, true, granted);
	fund_body_entry_add(&b, "8100", ccy, false, granted);
	if ((rc = fund_body_entry_done(entry, c, &b, t->who, "travel.settlement")) < 0)
		goto cleanup;
	snprintf(airfare, sizeof(airfare), "%" PRId64, t->airfare);
	snprintf(dsa, sizeof(dsa), "%" PRId64, t->dsa);
	rc = db_exec(&done, c, "travel_trip_settle", 5,
		     (const char *const[]){PQgetvalue(trip, 0, C_TRIP_ID), t->report, airfare, dsa,
					   entry});
	if (rc == 0)
		rc = trip_audit(c, t, t->applicant, "travel.settle");
	if (rc == 0) {
		t->out = json_pack("{s:o, s:o}", "trip", trip_json(done, 0), "released",
				   fund_body_money(granted - paid, ccy));
		rc = t->out ? 0 : err_oom();
	}
cleanup:
	PQclear(m);
	PQclear(trip);
	PQclear(done);
	return rc;
}

int travel_settle(json_t **out, PGconn *c, json_t *body,
		  const struct ledger_actor *who)
{
	static const char *const allowed[] = {"meeting", "applicant", "airfare", "dsa",
					      "report_received", "date", "bank_account", NULL};
	struct trip_tx t = {.body = body, .who = who};
	PGresult *m = NULL;
	char today[11];
	int rc;

	*out = NULL;
	if ((rc = trip_body(&t, body, allowed)) < 0 ||
	    (rc = fund_body_str(&t.report, body, "report_received", false)) < 0 ||
	    (rc = fund_body_date(&t.date, body, "date", false, today)) < 0 ||
	    (rc = fund_body_str(&t.bank, body, "bank_account", false)) < 0 ||
	    (rc = meeting_load(&m, c, t.meeting, false)) < 0)
		return rc;
	if (t.report &&
	    (rc = report_date_check(t.report, PQgetvalue(m, 0, C_MEETING_STARTS_ON))) < 0) {
		PQclear(m);
		return rc;
	}
	/* each may be 0, not both (docs/travel.md, "Settle") */
	if ((rc = fund_body_amount(&t.airfare, body, "airfare", true,
				   PQgetvalue(m, 0, C_MEETING_CURRENCY),
				   FUND_BODY_NON_NEGATIVE)) == 0 &&
	    (rc = fund_body_amount(&t.dsa, body, "dsa", true, PQgetvalue(m, 0, C_MEETING_CURRENCY),
				   FUND_BODY_NON_NEGATIVE)) == 0 &&
	    (money_add(&t.paid, t.airfare, t.dsa) < 0 || t.paid == 0))
		rc = fund_body_bad("airfare", "airfare + dsa must be more than 0 (and fit 64 bits)",
			 NULL);
	if (rc == 0 && t.bank && !ledger_code_valid(t.bank))
		rc = fund_body_bad("bank_account", "not an account code: ", t.bank);
	PQclear(m);
	return rc < 0 ? rc : trip_tx(out, c, settle_tx_run, &t);
}

/* --- trip reports ------------------------------------------------------------------------- */

static int report_tx_run(PGconn *c, void *ctx)
{
	struct trip_tx *t = ctx;
	PGresult *m = NULL, *trip = NULL, *done = NULL;
	const char *status;
	int rc;

	rc = trip_lock(&m, &trip, c, t);
	if (rc < 0)
		goto cleanup;
	status = PQgetvalue(trip, 0, C_TRIP_STATUS);
	if (strcmp(status, "approved") != 0 && strcmp(status, "settled") != 0) {
		rc = err_set(ERR_CONFLICT,
			     "applicant: the trip of %s to %s is %s: no trip took place"
			     " to report on",
			     t->applicant, t->meeting, status);
		goto cleanup;
	}
	if (!PQgetisnull(trip, 0, C_TRIP_REPORT_RECEIVED)) {
		/* recorded before: the same date changes nothing, another is refused */
		if ((rc = report_same(trip, t)) < 0)
			goto cleanup;
		t->out = json_pack("{s:o}", "trip", trip_json(trip, 0));
		rc = t->out ? 0 : err_oom();
		goto cleanup;
	}
	rc = db_exec(&done, c, "travel_trip_report", 2,
		     (const char *const[]){PQgetvalue(trip, 0, C_TRIP_ID), t->report});
	if (rc == 0 && PQntuples(done) != 1)
		rc = err_set(ERR_INTERNAL, "trip %s/%s changed meanwhile", t->meeting,
			     t->applicant);
	if (rc == 0)
		rc = trip_audit(c, t, t->applicant, "travel.report");
	if (rc == 0) {
		t->out = json_pack("{s:o}", "trip", trip_json(done, 0));
		rc = t->out ? 0 : err_oom();
	}
cleanup:
	PQclear(m);
	PQclear(trip);
	PQclear(done);
	return rc;
}

int travel_report(json_t **out, PGconn *c, json_t *body,
		  const struct ledger_actor *who)
{
	static const char *const allowed[] = {"meeting", "applicant", "report_received", NULL};
	struct trip_tx t = {.body = body, .who = who};
	PGresult *m = NULL;
	char today[11];
	int rc;

	*out = NULL;
	if ((rc = trip_body(&t, body, allowed)) < 0 ||
	    (rc = fund_body_date(&t.report, body, "report_received", false, today)) < 0 ||
	    (rc = meeting_load(&m, c, t.meeting, false)) < 0)
		return rc;
	rc = report_date_check(t.report, PQgetvalue(m, 0, C_MEETING_STARTS_ON));
	PQclear(m);
	return rc < 0 ? rc : trip_tx(out, c, report_tx_run, &t);
}

/* --- list ----------------------------------------------------------------------------------------
 */

int travel_trips_list(json_t **out, PGconn *c, const char *meeting, int64_t after, int limit)
{
	PGresult *m = NULL, *r = NULL;
	json_t *arr = json_array();
	char after_s[24], limit_s[16];
	int rc, n = 0;

	ASSERT(after >= 0 && limit >= 1 && limit <= LIMIT_LIST_ROWS);
	*out = NULL;
	snprintf(after_s, sizeof(after_s), "%" PRId64, after);
	snprintf(limit_s, sizeof(limit_s), "%d", limit + 1); /* one more: is there a next page */
	rc = arr ? meeting_load(&m, c, meeting, false) : err_oom();
	if (rc == 0) {
		rc = db_exec(&r, c, "travel_trips_list", 3,
			     (const char *const[]){meeting, after_s, limit_s});
	}
	if (rc == 0)
		n = PQntuples(r);
	for (int i = 0; rc == 0 && i < n && i < limit; i++)
		rc = append_new(arr, trip_json(r, i));
	if (rc == 0) {
		*out = json_pack("{s:s, s:O, s:o}", "meeting", meeting, "trips", arr, "next",
				 n > limit ? json_integer(fund_body_int64(r, limit - 1, C_TRIP_ID))
					   : json_null());
		rc = *out ? 0 : err_oom();
	}
	json_decref(arr);
	PQclear(m);
	PQclear(r);
	return rc;
}

/* --- stored runs ------------------------------------------------------------------------- */

/* Row i of r (travel_runs_list) as the API shows a stored run. */
static json_t *stored_run_json(const PGresult *r, int i)
{
	const char *ccy = PQgetvalue(r, i, C_SR_CURRENCY);

	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:o, s:o, s:o,"
			 " s:s}",
			 "id", (json_int_t)fund_body_int64(r, i, C_SR_ID),
			 "ranked_on", PQgetvalue(r, i, C_SR_RANKED_ON),
			 "policy_id", PQgetvalue(r, i, C_SR_POLICY_ID),
			 "policy_version", PQgetvalue(r, i, C_SR_POLICY_VERSION),
			 "policy_sha256", PQgetvalue(r, i, C_SR_POLICY_SHA256),
			 "budget", fund_body_money(fund_body_int64(r, i, C_SR_BUDGET), ccy),
			 "allocated", fund_body_money(fund_body_int64(r, i, C_SR_ALLOCATED), ccy),
			 "remaining", fund_body_money(fund_body_int64(r, i, C_SR_REMAINING), ccy),
			 "currency", ccy,
			 "budget_source", PQgetvalue(r, i, C_SR_BUDGET_SOURCE),
			 "ranked_by", PQgetvalue(r, i, C_SR_RANKED_BY),
			 "approved_by", fund_body_str_or_null(r, i, C_SR_APPROVED_BY),
			 "approved_at", fund_body_str_or_null(r, i, C_SR_APPROVED_AT),
			 "countersigned_by", fund_body_str_or_null(r, i, C_SR_COUNTERSIGNED_BY),
			 "status", PQgetvalue(r, i, C_SR_STATUS));
}

/* The stored decisions of run (its id as text), in their order, as JSON. */
static int decisions_json(json_t **out, PGconn *c, const char *run, const char *ccy)
{
	PGresult *r = NULL;
	json_t *arr = json_array();
	int rc = arr ? db_exec(&r, c, "travel_decisions_of", 1, (const char *const[]){run})
		     : err_oom();

	*out = NULL;
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		json_t *reasons = json_loads(PQgetvalue(r, i, C_DEC_REASONS), 0, NULL);

		rc = append_new(
			arr,
			reasons ? json_pack("{s:I, s:s, s:o, s:s, s:o, s:o, s:o, s:s}", "position",
					    (json_int_t)fund_body_int64(r, i, C_DEC_POSITION),
					    "applicant", PQgetvalue(r, i, C_DEC_APPLICANT), "rank",
					    PQgetisnull(r, i, C_DEC_RANK)
						    ? json_null()
						    : json_integer(fund_body_int64(r, i, C_DEC_RANK)),
					    "decision", PQgetvalue(r, i, C_DEC_DECISION), "amount",
					    fund_body_money(fund_body_int64(r, i, C_DEC_AMOUNT), ccy),
					    "granted",
					    fund_body_money(fund_body_int64(r, i, C_DEC_GRANTED), ccy),
					    "reasons", reasons, "explanation",
					    PQgetvalue(r, i, C_DEC_EXPLANATION))
				: NULL);
	}
	if (rc == 0)
		*out = arr;
	else
		json_decref(arr);
	PQclear(r);
	return rc;
}

static int stored_run(json_t **out, PGconn *c, const char *meeting, const char *id,
		      bool decisions)
{
	PGresult *r = NULL;
	json_t *o = NULL, *d = NULL, *inputs = NULL;
	int rc = db_exec(&r, c, "travel_runs_list", 2, (const char *const[]){meeting, id});

	*out = NULL;
	if (rc == 0 && PQntuples(r) == 0)
		rc = err_set(ERR_NOTFOUND, "run: meeting %s has no run %s", meeting, id);
	if (rc == 0 && !(o = stored_run_json(r, 0)))
		rc = err_oom();
	if (rc == 0 && decisions)
		rc = decisions_json(&d, c, id, PQgetvalue(r, 0, C_SR_CURRENCY));
	if (rc == 0 && decisions &&
	    (!(inputs = json_loads(PQgetvalue(r, 0, C_SR_INPUTS), 0, NULL)) ||
	     json_object_set_new(o, "meeting", json_string(meeting)) < 0 ||
	     json_object_set_new(o, "decisions", d) < 0 ||
	     json_object_set_new(o, "inputs", inputs) < 0))
		rc = err_oom();
	if (rc == 0)
		*out = o;
	else
		json_decref(o);
	PQclear(r);
	return rc;
}

int travel_runs_list(json_t **out, PGconn *c, const char *meeting)
{
	PGresult *m = NULL, *r = NULL;
	json_t *arr = json_array();
	int rc = arr ? meeting_load(&m, c, meeting, false) : err_oom();

	*out = NULL;
	if (rc == 0)
		rc = db_exec(&r, c, "travel_runs_list", 2, (const char *const[]){meeting, NULL});
	for (int i = 0; rc == 0 && i < PQntuples(r); i++)
		rc = append_new(arr, stored_run_json(r, i));
	if (rc == 0 && !(*out = json_pack("{s:s, s:O}", "meeting", meeting, "runs", arr)))
		rc = err_oom();
	json_decref(arr);
	PQclear(m);
	PQclear(r);
	return rc;
}

int travel_run_get(json_t **out, PGconn *c, const char *meeting, const char *run)
{
	PGresult *m = NULL;
	size_t n = run ? strlen(run) : 0;
	int rc;

	*out = NULL;
	if (n == 0 || n > 18 || strspn(run, "0123456789") != n || run[0] == '0')
		return fund_body_bad("run", "expected a run number, got ", run ? run : "nothing");
	if ((rc = meeting_load(&m, c, meeting, false)) == 0)
		rc = stored_run(out, c, meeting, run, true);
	PQclear(m);
	return rc;
}

/* --- applicants: one at a time, corrections ------------------------------------------------ */

/* The correctable fields, in the order of travel_applicant_row's columns. */
static const char *const correctable[] = {
	"name", "country", "category", "role", "forms_complete", "health_check",
	"health_attested_on", "prior_funded", "prior_reports_outstanding", "request", "amount",
	"currency", "requested_on", NULL};

/* The changes of an applicant, oldest first. */
static int changes_json(json_t **out, PGconn *c, const char *meeting, const char *applicant)
{
	PGresult *r = NULL;
	json_t *arr = json_array();
	int rc = arr ? db_exec(&r, c, "travel_applicant_changes_of", 2,
			       (const char *const[]){meeting, applicant})
		     : err_oom();

	*out = NULL;
	for (int i = 0; rc == 0 && i < PQntuples(r); i++)
		rc = append_new(arr, json_pack("{s:s, s:o, s:o, s:s, s:s, s:s}", "field",
					       PQgetvalue(r, i, C_CH_FIELD), "old",
					       fund_body_str_or_null(r, i, C_CH_OLD), "new",
					       fund_body_str_or_null(r, i, C_CH_NEW), "reason",
					       PQgetvalue(r, i, C_CH_REASON), "changed_by",
					       PQgetvalue(r, i, C_CH_BY), "changed_at",
					       PQgetvalue(r, i, C_CH_AT)));
	if (rc == 0)
		*out = arr;
	else
		json_decref(arr);
	PQclear(r);
	return rc;
}

/* The applicant as travel_applicants_list shows it (as of today), with its changes. */
static int applicant_one(json_t **out, PGconn *c, const PGresult *m, const char *applicant)
{
	char now[LEDGER_TIME_BYTES], today[11];
	json_t *list = NULL, *a, *changes = NULL;
	size_t i;
	int rc;

	*out = NULL;
	ledger_now(now);
	snprintf(today, sizeof(today), "%.10s", now);
	if ((rc = applicants_json(&list, c, m, today, false)) < 0)
		return rc;
	rc = err_set(ERR_NOTFOUND, "applicant: meeting %s has no applicant '%s'",
		     PQgetvalue(m, 0, C_MEETING_ID), applicant);
	json_array_foreach(json_object_get(list, "applicants"), i, a) {
		if (strcmp(json_string_value(json_object_get(a, "id")), applicant) != 0)
			continue;
		rc = changes_json(&changes, c, PQgetvalue(m, 0, C_MEETING_ID), applicant);
		if (rc == 0 && (json_object_set_new(a, "meeting", json_string(PQgetvalue(
								   m, 0, C_MEETING_ID))) < 0 ||
				json_object_set_new(a, "as_of", json_string(today)) < 0 ||
				json_object_set_new(a, "changes", changes) < 0))
			rc = err_oom();
		if (rc == 0)
			*out = json_incref(a);
		break;
	}
	json_decref(list);
	return rc;
}

int travel_applicant_get(json_t **out, PGconn *c, const char *meeting, const char *applicant)
{
	PGresult *m = NULL;
	int rc = meeting_load(&m, c, meeting, false);

	*out = NULL;
	if (rc == 0)
		rc = applicant_one(out, c, m, applicant);
	PQclear(m);
	return rc;
}

struct correct_tx {
	json_t *body;
	const char *meeting, *applicant, *reason;
	const struct ledger_actor *who;
	json_t *out;
};

/* "yes"/"no" from a JSON boolean or the CSV's text. */
static int yes_no(const char **out, json_t *v, const char *key)
{
	if (json_is_boolean(v))
		*out = json_is_true(v) ? "yes" : "no";
	else if (json_is_string(v) && (strcmp(json_string_value(v), "yes") == 0 ||
				       strcmp(json_string_value(v), "no") == 0))
		*out = json_string_value(v);
	else
		return fund_body_bad(key, "expected yes or no (or true or false)", NULL);
	return 0;
}

/* A count >= 0 from a JSON integer or digits; into buf. */
static int count_text(char *buf, size_t size, json_t *v, const char *key)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;

	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= 999999999) {
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
		return 0;
	}
	if (!s || n == 0 || n > 9 || strspn(s, "0123456789") != n || (s[0] == '0' && n > 1))
		return fund_body_bad(key, "expected a whole number >= 0", NULL);
	snprintf(buf, size, "%s", s);
	return 0;
}

/*
 * The new value of field k (correctable[k]) from the body, in the CSV's
 * text (amount: the decimal, *minor its minor units), checked as the CSV
 * is checked (rules/applicants.c). ERR_INVALID naming the field.
 */
static int new_value(char *buf, size_t size, int64_t *minor, json_t *v, int k,
		     const PGresult *m, const rules_countries *countries)
{
	const char *key = correctable[k], *s = json_string_value(v), *t = NULL;
	const char *ccy = PQgetvalue(m, 0, C_MEETING_CURRENCY);
	int64_t sec;
	int32_t ns;
	int rc = 0;

	switch (k) {
	case C_AR_FORMS:
	case C_AR_HEALTH:
		rc = yes_no(&t, v, key);
		break;
	case C_AR_PRIOR_FUNDED:
	case C_AR_PRIOR_REPORTS:
		return count_text(buf, size, v, key);
	case C_AR_HEALTH_ATTESTED:
		if (json_is_null(v) || (s && !*s))
			t = "";
		else if (!s || !date_valid(s))
			rc = fund_body_bad(key, "expected a date YYYY-MM-DD, or null to clear it",
					   NULL);
		else
			t = s;
		break;
	default:
		if (!s)
			return fund_body_bad(key, "expected a string", NULL);
		t = s;
		break;
	}
	if (rc < 0)
		return rc;
	if (k == C_AR_NAME && (strlen(t) > 200 || strpbrk(t, "\r\n")))
		return fund_body_bad(key, "expected at most 200 bytes on one line", NULL);
	if (k == C_AR_ROLE && (strlen(t) > 200 || strpbrk(t, "\r\n")))
		return fund_body_bad(key, "expected at most 200 bytes on one line", NULL);
	if (k == C_AR_COUNTRY && !rules_country_known(countries, t))
		return fund_body_bad(key, "unknown country: expected an ISO 3166-1 alpha-3 code"
					  " such as KEN, got ", t);
	if (k == C_AR_CATEGORY && strcmp(t, "mag") != 0 && strcmp(t, "individual") != 0)
		return fund_body_bad(key, "expected mag or individual, got ", t);
	if (k == C_AR_REQUEST && strcmp(t, "full") != 0 && strcmp(t, "airfare") != 0 &&
	    strcmp(t, "dsa") != 0)
		return fund_body_bad(key, "expected full, airfare or dsa, got ", t);
	if (k == C_AR_CURRENCY && strcmp(t, ccy) != 0)
		return err_set(ERR_INVALID, "currency: meeting %s is budgeted in %s; an applicant's"
					    " currency is the meeting's, not %s",
			       PQgetvalue(m, 0, C_MEETING_ID), ccy, t);
	if (k == C_AR_REQUESTED_ON && date_parse_time(&sec, &ns, t) < 0)
		return fund_body_bad(key, "expected a date YYYY-MM-DD or an RFC 3339 timestamp,"
					  " got ", t);
	if (k == C_AR_AMOUNT) {
		if ((rc = fund_body_amount_text(minor, t, key, ccy, FUND_BODY_POSITIVE)) < 0)
			return rc;
		money_format(buf, *minor, ccy);
		return 0;
	}
	if (strlen(t) >= size)
		return fund_body_bad(key, "too long", NULL);
	snprintf(buf, size, "%s", t);
	return 0;
}

static int correct_tx_run(PGconn *c, void *ctx)
{
	struct correct_tx *t = ctx;
	PGresult *m = NULL, *row = NULL, *upd = NULL;
	rules_countries *countries = NULL;
	json_t *set = json_object(), *changes = json_array();
	char *set_text = NULL, *changes_text = NULL, object[140];
	int rc = set && changes ? 0 : err_oom();

	json_decref(t->out);
	t->out = NULL;
	if (rc == 0)
		rc = meeting_load(&m, c, t->meeting, true);
	if (rc == 0)
		rc = db_exec(&row, c, "travel_applicant_row", 2,
			     (const char *const[]){t->meeting, t->applicant});
	if (rc == 0 && PQntuples(row) == 0)
		rc = err_set(ERR_NOTFOUND, "applicant: meeting %s has no applicant '%s'",
			     t->meeting, t->applicant);
	if (rc == 0 && strcmp(PQgetvalue(row, 0, C_AR_COVERED), "t") == 0)
		rc = err_set(ERR_CONFLICT,
			     "applicant: %s of meeting %s is covered by an approved ranking (or has"
			     " a trip); an approved decision is not changed after the fact:"
			     " decline or cancel the trip instead", t->applicant, t->meeting);
	if (rc == 0)
		rc = rules_countries_load_default(&countries);
	for (int k = 0; rc == 0 && correctable[k]; k++) {
		json_t *v = json_object_get(t->body, correctable[k]);
		char now[256], old[MONEY_STR_MAX + 8];
		int64_t minor = 0;

		if (!v)
			continue;
		if ((rc = new_value(now, sizeof(now), &minor, v, k, m, countries)) < 0)
			break;
		if (k == C_AR_AMOUNT)
			money_format(old, fund_body_int64(row, 0, C_AR_AMOUNT),
				     PQgetvalue(m, 0, C_MEETING_CURRENCY));
		if (strcmp(now, k == C_AR_AMOUNT ? old : PQgetvalue(row, 0, k)) == 0)
			continue; /* the same value: no change */
		if (k == C_AR_AMOUNT)
			rc = json_object_set_new(set, "amount_minor", json_integer(minor));
		else
			rc = json_object_set_new(set, correctable[k], json_string(now));
		if (rc == 0)
			rc = append_new(changes,
					json_pack("{s:s, s:s, s:s}", "field", correctable[k],
						  "old_value", k == C_AR_AMOUNT ? old
									: PQgetvalue(row, 0, k),
						  "new_value", now));
		else
			rc = err_oom();
	}
	if (rc == 0) {
		/* as in the CSV: a date of attestation only with health_check yes */
		json_t *h = json_object_get(set, "health_check");
		json_t *d = json_object_get(set, "health_attested_on");
		const char *check = h ? json_string_value(h) : PQgetvalue(row, 0, C_AR_HEALTH);
		const char *date = d ? json_string_value(d) : PQgetvalue(row, 0, C_AR_HEALTH_ATTESTED);

		if (strcmp(check, "no") == 0 && *date)
			rc = fund_body_bad("health_attested_on", "a date of a health attestation"
								 " needs health_check yes (set it"
								 " to null to clear it)", NULL);
	}
	if (rc == 0 && json_array_size(changes) > 0) {
		set_text = json_dumps(set, JSON_COMPACT);
		changes_text = json_dumps(changes, JSON_COMPACT);
		rc = set_text && changes_text ? 0 : err_oom();
		if (rc == 0)
			rc = db_exec(&upd, c, "travel_applicant_update", 3,
				     (const char *const[]){t->meeting, t->applicant, set_text});
		if (rc == 0)
			rc = db_exec(NULL, c, "travel_applicant_changes_insert", 5,
				     (const char *const[]){t->meeting, t->applicant, t->reason,
							   ledger_actor_user(t->who),
							   changes_text});
		snprintf(object, sizeof(object), "%s/%s", t->meeting, t->applicant);
		if (rc == 0)
			rc = ledger_audit(c, t->who, "travel.applicant.correct", object);
	}
	if (rc == 0)
		rc = applicant_one(&t->out, c, m, t->applicant);
	if (rc == 0 && json_object_set_new(t->out, "changed", json_integer((json_int_t)
								   json_array_size(changes))) < 0)
		rc = err_oom();
	rules_countries_free(countries);
	json_decref(set);
	json_decref(changes);
	free(set_text);
	free(changes_text);
	PQclear(m);
	PQclear(row);
	PQclear(upd);
	return rc;
}

int travel_applicant_update(json_t **out, PGconn *c, json_t *body,
			    const struct ledger_actor *who)
{
	static const char *const allowed[] = {
		"meeting", "applicant", "reason", "name", "country", "category", "role",
		"forms_complete", "health_check", "health_attested_on", "prior_funded",
		"prior_reports_outstanding", "request", "amount", "currency", "requested_on", NULL};
	struct correct_tx t = {.body = body, .who = who};
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_str(&t.meeting, body, "meeting", true)) < 0 ||
	    (rc = fund_body_str(&t.applicant, body, "applicant", true)) < 0 ||
	    (rc = fund_body_text(&t.reason, body, "reason", true, 1000)) < 0)
		return rc;
	if (json_object_size(body) <= 3)
		return fund_body_bad("reason", "and at least one field to change: name, country,"
					       " category, role, forms_complete, health_check,"
					       " health_attested_on, prior_funded,"
					       " prior_reports_outstanding, request, amount,"
					       " currency, requested_on", NULL);
	rc = db_tx(c, DB_READ_COMMITTED, correct_tx_run, &t);
	if (rc == 0)
		*out = t.out;
	else
		json_decref(t.out);
	return rc;
}
