/*
 * privacy.c - erasing travel applicants' personal fields after the
 * retention period (privacy.h; docs/privacy.md "Erasure").
 *
 * One erasure is one transaction: per meeting, the applicants' rows, their
 * corrections, the stored runs' inputs (privacy_erased_inputs, migration
 * 0064) and the stored answers that name the meeting (the SECURITY
 * DEFINER function privacy_forget_answers, which deletes only those), then
 * the privacy_erasures row and its audit row. It never writes an entry nor
 * reads one: the journal holds no personal name, and its hash chain is
 * not touched. A dry run reads the same counts with one query and writes
 * nothing.
 */
#include "travel/privacy.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "fund/body.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The most days a retention period may be: a hundred years. */
#define RETENTION_DAYS_MAX 36500

/* The fields of an applicant that are personal data (the columns erased,
 * and the names travel_applicant_changes gives them). */
#define PERSONAL_FIELDS "('name', 'role', 'source')"

/* An answer stored for an Idempotency-Key that speaks of meeting $1 (the
 * daemon stores answers as compact JSON: "meeting":"ID"). */
#define ANSWER_OF_MEETING(m) "strpos(k.response, '\"meeting\":' || to_json(" m "::text)::text) > 0"

/* The columns of each statement whose rows are read (common/db.h). */

/* privacy_retention: the setting, if any */
enum { RET_VALUE, RET_NCOLS };
static const char *const retention_cols[RET_NCOLS] = {[RET_VALUE] = "value"};

/* privacy_candidates: the meetings ended before $1 with applicants not yet
 * erased, and what erasing them would change */
enum {
	CAND_MEETING, CAND_ENDS_ON, CAND_APPLICANTS, CAND_CHANGES, CAND_RUNS, CAND_ANSWERS,
	CAND_NCOLS
};
static const char *const candidates_cols[CAND_NCOLS] = {
	[CAND_MEETING] = "meeting", [CAND_ENDS_ON] = "ends_on",
	[CAND_APPLICANTS] = "applicants", [CAND_CHANGES] = "changes", [CAND_RUNS] = "runs",
	[CAND_ANSWERS] = "answers"};

/* privacy_forget_answers: how many stored answers were deleted */
enum { FORGET_COUNT, FORGET_NCOLS };
static const char *const forget_cols[FORGET_NCOLS] = {[FORGET_COUNT] = "forgotten"};

/* privacy_erasure_insert: the new row's id */
enum { NEW_ID, NEW_NCOLS };
static const char *const new_cols[NEW_NCOLS] = {[NEW_ID] = "id"};

/* privacy_erasures_list */
enum {
	LIST_ID, LIST_ERASED_AT, LIST_ERASED_BY, LIST_BEFORE, LIST_RETENTION, LIST_MEETINGS,
	LIST_NCOLS
};
static const char *const list_cols[LIST_NCOLS] = {
	[LIST_ID] = "id", [LIST_ERASED_AT] = "erased_at", [LIST_ERASED_BY] = "erased_by",
	[LIST_BEFORE] = "before", [LIST_RETENTION] = "retention_days",
	[LIST_MEETINGS] = "meetings"};

static const struct db_stmt stmts[] = {
	{"privacy_retention",
	 "SELECT value FROM settings WHERE key = 'privacy.retention_days'", 0},
	{"privacy_candidates",
	 "SELECT m.id AS meeting, m.ends_on::text AS ends_on,"
	 " (SELECT count(*) FROM travel_applicants a WHERE a.meeting = m.id"
	 "   AND a.erased_at IS NULL) AS applicants,"
	 " (SELECT count(*) FROM travel_applicant_changes c WHERE c.meeting = m.id"
	 "   AND c.field IN " PERSONAL_FIELDS
	 "   AND (c.old_value IS NOT NULL OR c.new_value IS NOT NULL)) AS changes,"
	 " (SELECT count(*) FROM travel_runs r WHERE r.meeting = m.id"
	 "   AND r.inputs <> privacy_erased_inputs(r.inputs)) AS runs,"
	 " (SELECT count(*) FROM idempotency_keys k WHERE " ANSWER_OF_MEETING("m.id") ")"
	 "   AS answers"
	 " FROM travel_meetings m WHERE m.ends_on < $1::date AND EXISTS"
	 "  (SELECT 1 FROM travel_applicants a WHERE a.meeting = m.id AND a.erased_at IS NULL)"
	 " ORDER BY m.ends_on, m.id",
	 1},
	{"privacy_erase_applicants",
	 "UPDATE travel_applicants SET name = '', source = '', erased_at = now(),"
	 " erased_by = $2,"
	 " role = CASE WHEN role ~ '^\\s*$' THEN '' ELSE '" TRAVEL_PRIVACY_ERASED_ROLE "' END"
	 " WHERE meeting = $1 AND erased_at IS NULL",
	 2},
	{"privacy_erase_changes",
	 "UPDATE travel_applicant_changes SET old_value = NULL, new_value = NULL,"
	 " reason = '" TRAVEL_PRIVACY_ERASED_ROLE "'"
	 " WHERE meeting = $1 AND field IN " PERSONAL_FIELDS
	 " AND (old_value IS NOT NULL OR new_value IS NOT NULL)",
	 1},
	{"privacy_erase_runs",
	 "UPDATE travel_runs SET inputs = privacy_erased_inputs(inputs)"
	 " WHERE meeting = $1 AND inputs <> privacy_erased_inputs(inputs)",
	 1},
	{"privacy_forget_answers", "SELECT privacy_forget_answers($1) AS forgotten", 1},
	{"privacy_erasure_insert",
	 "INSERT INTO privacy_erasures (erased_by, before, retention_days, meetings)"
	 " VALUES ($1, $2, $3, $4::jsonb) RETURNING id",
	 4},
	{"privacy_erasures_list",
	 "SELECT id,"
	 " to_char(erased_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS erased_at,"
	 " erased_by, before::text AS before, retention_days, meetings::text AS meetings"
	 " FROM privacy_erasures ORDER BY id",
	 0},
};

static const struct db_columns columns[] = {
	DB_COLUMNS("privacy_retention", retention_cols),
	DB_COLUMNS("privacy_candidates", candidates_cols),
	DB_COLUMNS("privacy_forget_answers", forget_cols),
	DB_COLUMNS("privacy_erasure_insert", new_cols),
	DB_COLUMNS("privacy_erasures_list", list_cols),
};

int travel_privacy_setup(PGconn *c)
{
	return db_setup(c, stmts, N(stmts), columns, N(columns));
}

/* The retention period in days: the setting privacy.retention_days, else
 * TRAVEL_PRIVACY_RETENTION_DAYS. ERR_INTERNAL naming the setting if it is
 * not a whole number of days (the installation's fault, not the caller's). */
static int retention_days(int *out, PGconn *c)
{
	PGresult *r = NULL;
	const char *v;
	char *end;
	long days;
	int rc = db_exec(&r, c, "privacy_retention", 0, NULL);

	*out = TRAVEL_PRIVACY_RETENTION_DAYS;
	if (rc < 0 || PQntuples(r) == 0)
		goto cleanup;
	v = PQgetvalue(r, 0, RET_VALUE);
	days = strtol(v, &end, 10);
	if (*v < '0' || *v > '9' || *end || days > RETENTION_DAYS_MAX)
		rc = err_set(ERR_INTERNAL,
			     "setting privacy.retention_days '%s': expected a whole number of days,"
			     " 0 to %d",
			     v, RETENTION_DAYS_MAX);
	else
		*out = (int)days;
cleanup:
	PQclear(r);
	return rc;
}

/* The counts of candidate row i as the answer shows them. */
static json_t *meeting_json(const PGresult *r, int i, long long answers_forgotten,
			    bool dry_run)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "meeting",
			 PQgetvalue(r, i, CAND_MEETING), "ends_on", PQgetvalue(r, i, CAND_ENDS_ON),
			 "applicants", (json_int_t)fund_body_int64(r, i, CAND_APPLICANTS),
			 "changes", (json_int_t)fund_body_int64(r, i, CAND_CHANGES), "runs",
			 (json_int_t)fund_body_int64(r, i, CAND_RUNS), "answers",
			 (json_int_t)(dry_run ? fund_body_int64(r, i, CAND_ANSWERS)
					      : answers_forgotten));
}

/* Erases one meeting's personal fields; *forgotten: the answers deleted. */
static int erase_meeting(long long *forgotten, PGconn *c, const char *meeting,
			 const char *by)
{
	PGresult *r = NULL;
	int rc;

	*forgotten = 0;
	if ((rc = db_exec(NULL, c, "privacy_erase_applicants", 2,
			  (const char *const[]){meeting, by})) < 0 ||
	    (rc = db_exec(NULL, c, "privacy_erase_changes", 1, (const char *const[]){meeting})) <
		    0 ||
	    (rc = db_exec(NULL, c, "privacy_erase_runs", 1, (const char *const[]){meeting})) < 0 ||
	    (rc = db_exec(&r, c, "privacy_forget_answers", 1, (const char *const[]){meeting})) < 0)
		return err_wrap(rc, "erasing meeting %s", meeting);
	*forgotten = fund_body_int64(r, 0, FORGET_COUNT);
	PQclear(r);
	return 0;
}

struct erase_tx {
	const char *before;
	bool dry_run;
	const struct ledger_actor *who;
	json_t *out;
};

/* The latest "before" allowed today: today (UTC) minus days, into out. */
static int latest_before(char out[DATE_BYTES], int days)
{
	char now[LEDGER_TIME_BYTES], today[DATE_BYTES];
	int32_t day;
	int rc;

	ledger_now(now);
	snprintf(today, sizeof(today), "%.10s", now);
	if ((rc = date_parse(&day, today)) < 0)
		return rc;
	date_format(out, day - days);
	return 0;
}

static int erase_tx_run(PGconn *c, void *ctx)
{
	struct erase_tx *t = ctx;
	const char *by = ledger_actor_user(t->who);
	PGresult *r = NULL, *n = NULL;
	json_t *meetings = json_array();
	char latest[DATE_BYTES], days_s[16], *text = NULL;
	long long total = 0;
	int days = 0, rc = meetings ? retention_days(&days, c) : err_oom();

	json_decref(t->out);
	t->out = NULL;
	if (rc == 0)
		rc = latest_before(latest, days);
	if (rc == 0 && strcmp(t->before, latest) > 0)
		rc = err_set(ERR_CONFLICT,
			     "before: %s is inside the retention period: applicants' personal "
			     "fields are kept %d days after their meeting ends (setting "
			     "privacy.retention_days), so the latest date an erasure may take "
			     "today is %s",
			     t->before, days, latest);
	if (rc == 0)
		rc = db_exec(&r, c, "privacy_candidates", 1, (const char *const[]){t->before});
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		long long forgotten = 0;
		json_t *m;

		if (!t->dry_run)
			rc = erase_meeting(&forgotten, c, PQgetvalue(r, i, CAND_MEETING), by);
		if (rc == 0) {
			m = meeting_json(r, i, forgotten, t->dry_run);
			rc = m && json_array_append_new(meetings, m) == 0 ? 0 : err_oom();
			total += fund_body_int64(r, i, CAND_APPLICANTS);
		}
	}
	snprintf(days_s, sizeof(days_s), "%d", days);
	if (rc == 0 && !t->dry_run) {
		text = json_dumps(meetings, JSON_COMPACT);
		rc = text ? db_exec(&n, c, "privacy_erasure_insert", 4,
				    (const char *const[]){by, t->before, days_s, text})
			  : err_oom();
	}
	if (rc == 0 && !t->dry_run) {
		char object[48];

		snprintf(object, sizeof(object), "erasure/%s", PQgetvalue(n, 0, NEW_ID));
		rc = ledger_audit(c, t->who, "privacy.erase", object);
	}
	if (rc == 0 &&
	    !(t->out = json_pack("{s:o, s:b, s:s, s:i, s:s, s:O, s:I}", "erasure",
				 t->dry_run ? json_null()
					    : json_integer(fund_body_int64(n, 0, NEW_ID)),
				 "dry_run", t->dry_run, "before", t->before, "retention_days", days,
				 "erased_by", by, "meetings", meetings, "applicants",
				 (json_int_t)total)))
		rc = err_oom();
	free(text);
	json_decref(meetings);
	PQclear(r);
	PQclear(n);
	return rc;
}

int travel_privacy_erase(json_t **out, PGconn *c, json_t *body,
			 const struct ledger_actor *who)
{
	static const char *const allowed[] = {"before", "dry_run", NULL};
	struct erase_tx t = {.who = who};
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_date(&t.before, body, "before", true, NULL)) < 0 ||
	    (rc = fund_body_bool(&t.dry_run, body, "dry_run")) < 0)
		return rc;
	rc = db_tx(c, DB_READ_COMMITTED, erase_tx_run, &t);
	if (rc == 0)
		*out = t.out;
	else
		json_decref(t.out);
	return rc;
}

int travel_privacy_erasures(json_t **out, PGconn *c)
{
	PGresult *r = NULL;
	json_t *arr = json_array();
	int rc = arr ? db_exec(&r, c, "privacy_erasures_list", 0, NULL) : err_oom();

	*out = NULL;
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		json_t *meetings = json_loads(PQgetvalue(r, i, LIST_MEETINGS), 0, NULL);
		json_t *e = meetings ? json_pack("{s:I, s:s, s:s, s:s, s:I, s:o}", "id",
						 (json_int_t)fund_body_int64(r, i, LIST_ID),
						 "erased_at", PQgetvalue(r, i, LIST_ERASED_AT),
						 "erased_by", PQgetvalue(r, i, LIST_ERASED_BY),
						 "before", PQgetvalue(r, i, LIST_BEFORE),
						 "retention_days",
						 (json_int_t)fund_body_int64(r, i, LIST_RETENTION),
						 "meetings", meetings)
				     : NULL;

		rc = e && json_array_append_new(arr, e) == 0 ? 0 : err_oom();
	}
	if (rc == 0 && !(*out = json_pack("{s:O}", "erasures", arr)))
		rc = err_oom();
	json_decref(arr);
	PQclear(r);
	return rc;
}
