/*
 * routes_travel.c - tfledgerd's routes of travel support (travel/travel.h,
 * docs/travel.md "Over HTTP"): meetings, their applicants (an uploaded CSV),
 * rankings and what-ifs, stored runs, approval under four eyes, corrections
 * of an applicant, declines, cancellations, trip reports, settlements and
 * trips. Who may call which is in the route table
 * (routes.c); the auditor may rank what-ifs (which store nothing) but not
 * store a ranking.
 *
 * Every write goes through http_write: the module's write, its audit row
 * and the Idempotency-Key's record commit in one transaction. The meeting and
 * applicant of the path go into the body the module takes; a body naming
 * others is refused. "policy" (a path on the server) is refused over HTTP;
 * a what-if takes the policy itself as "policy_xml".
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/err.h"
#include "daemon/http.h"
#include "daemon/routes.h"
#include "travel/travel.h"

typedef int (*op_fn)(json_t **, PGconn *, json_t *, const struct ledger_actor *);

/* A write of the module on a JSON body, answered with status. */
struct op {
	op_fn fn;
	json_t *body;
	unsigned status;
};

static int op_run(json_t **out, unsigned *status, PGconn *c, const struct ledger_actor *who,
		  void *ctx)
{
	struct op *o = ctx;

	*status = o->status;
	return o->fn(out, c, o->body, who);
}

/* Sets body[key] = value from the path; 1 with a 400 sent if it says otherwise. */
static int from_path(json_t *body, const char *key, const char *value, struct req *q,
		     enum MHD_Result *sent)
{
	json_t *v = json_object_get(body, key);

	if (v && !(json_is_string(v) && strcmp(json_string_value(v), value) == 0)) {
		*sent = http_send_error(q, EC_INVALID_FIELD,
					"%s: must be omitted or match the path", key);
		return 1;
	}
	json_object_set_new(body, key, json_string(value));
	return 0;
}

/* The body as a JSON object (empty: {}) with meeting and, if not NULL,
 * applicant from the path. 0, or 1 with an answer sent. A null is refused
 * but for an applicant's health_attested_on, where it clears the date. */
static int read_body(json_t **body, struct req *q, const char *meeting, const char *applicant,
		     enum MHD_Result *sent)
{
	static const char *const nullable[] = {"health_attested_on", NULL};
	const char *bad;

	*body = NULL;
	if ((bad = http_unknown_arg(q, http_no_args))) {
		*sent = http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
		return 1;
	}
	if (http_body_len(q) == 0)
		*body = json_object();
	else if (route_parse_body(body, q, sent, nullable))
		return 1;
	if (!*body) {
		*sent = http_send_error(q, EC_INTERNAL, "out of memory");
		return 1;
	}
	if ((meeting && from_path(*body, "meeting", meeting, q, sent)) ||
	    (applicant && from_path(*body, "applicant", applicant, q, sent))) {
		json_decref(*body);
		*body = NULL;
		return 1;
	}
	return 0;
}

static enum MHD_Result op(struct req *q, op_fn fn, const char *meeting, const char *applicant,
			  unsigned status)
{
	struct op o = {fn, NULL, status};
	enum MHD_Result sent;

	if (read_body(&o.body, q, meeting, applicant, &sent))
		return sent;
	sent = http_write(q, op_run, &o);
	json_decref(o.body);
	return sent;
}

static int rank_run(json_t **out, unsigned *status, PGconn *c, const struct ledger_actor *who,
		    void *ctx)
{
	travel_ranking *k = NULL;
	int rc = travel_rank(&k, c, ctx, who);

	*status = 201;
	*out = rc < 0 ? NULL : travel_ranking_json(k);
	travel_ranking_free(k);
	return rc < 0 ? rc : *out ? 0 : err_set(ERR_INTERNAL, "out of memory");
}

/* The what-if's travel-allocation XML (rules_write_xml), 200, written to
 * an unlinked temporary file first (as routes_reports.c does): a failure
 * is an error answer, never a truncated document. */
static enum MHD_Result send_xml(struct req *q, const travel_ranking *k)
{
	FILE *f = tmpfile();
	long size;
	int fd;

	if (!f || rules_write_xml(f, travel_ranking_result(k)) < 0 || fflush(f) != 0 ||
	    (size = ftell(f)) < 0 || (fd = dup(fileno(f))) < 0) {
		if (f)
			fclose(f);
		return http_send_error(q, EC_INTERNAL, "cannot write the ranking's XML");
	}
	fclose(f);
	return http_send_fd(q, 200, "application/xml", fd, (uint64_t)size);
}

/*
 * A ranking: 201 with the stored run, or for a what-if (?what_if=true, or
 * "what_if": true in the body) 200 with nothing stored (no run, no audit
 * row, no Idempotency-Key kept: a what-if can simply be asked again);
 * a what-if answers the travel-allocation XML with ?format=xml.
 */
enum MHD_Result route_meeting_rank(struct req *q, const char *const *path_args)
{
	static const char *const args[] = {"what_if", "format", NULL};
	const char *meeting = path_args[0];
	travel_ranking *k = NULL;
	struct ledger_actor who;
	enum MHD_Result sent;
	json_t *body = NULL, *v;
	const char *bad, *arg = http_arg(q, "what_if"), *format = http_arg(q, "format");
	bool what_if;
	int rc;

	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (arg && strcmp(arg, "true") != 0 && strcmp(arg, "false") != 0)
		return http_send_error(q, EC_INVALID_FIELD,
				       "what_if: expected true or false, got '%s'", arg);
	if (format && strcmp(format, "json") != 0 && strcmp(format, "xml") != 0)
		return http_send_error(q, EC_INVALID_FIELD,
				       "format: expected json or xml, got '%s'", format);
	if (http_body_len(q) == 0)
		body = json_object();
	else if (route_parse_body(&body, q, &sent, NULL))
		return sent;
	if (!body || from_path(body, "meeting", meeting, q, &sent)) {
		json_decref(body);
		return body ? sent : http_send_error(q, EC_INTERNAL, "out of memory");
	}
	v = json_object_get(body, "what_if");
	if (arg && v && !(json_is_boolean(v) && json_is_true(v) == (strcmp(arg, "true") == 0))) {
		json_decref(body);
		return http_send_error(q, EC_INVALID_FIELD, "what_if: the body says otherwise than"
							   " the query");
	}
	if (arg)
		json_object_set_new(body, "what_if", json_boolean(strcmp(arg, "true") == 0));
	what_if = json_is_true(json_object_get(body, "what_if"));
	who = http_actor(q);
	if (!what_if && !http_role_in(q, ROLE_ADMIN | ROLE_SECRETARIAT)) {
		json_decref(body);
		return http_send_error(q, EC_FORBIDDEN, "the role %s may not store a ranking (a"
						       " what-if, ?what_if=true, stores nothing)",
				       who.role);
	}
	if (json_object_get(body, "policy")) {
		json_decref(body);
		return http_send_error(q, EC_INVALID_FIELD,
				       "policy: a path on the server is not accepted over HTTP; "
				       "send the policy itself as policy_xml with a what-if");
	}
	if (!what_if && format && strcmp(format, "xml") == 0) {
		json_decref(body);
		return http_send_error(q, EC_INVALID_FIELD,
				       "format: xml is for a what-if; a stored run's XML is the"
				       " travel-allocation report (GET /v1/reports/travel-allocation)");
	}
	if (!what_if) {
		sent = http_write(q, rank_run, body);
		json_decref(body);
		return sent;
	}
	rc = travel_rank(&k, http_db(q), body, &who);
	json_decref(body);
	if (rc < 0)
		return http_send_failure(q, rc);
	sent = format && strcmp(format, "xml") == 0 ? send_xml(q, k)
						     : http_send_json(q, 200, travel_ranking_json(k));
	travel_ranking_free(k);
	return sent;
}

/* True if the Content-Type is text/csv (parameters such as charset allowed). */
static bool is_csv(const char *ctype)
{
	return ctype && strncasecmp(ctype, "text/csv", 8) == 0 &&
	       (ctype[8] == '\0' || ctype[8] == ';' || ctype[8] == ' ');
}

struct import {
	struct req *q;
	const char *meeting, *source;
};

static int import_run(json_t **out, unsigned *status, PGconn *c,
		      const struct ledger_actor *who, void *ctx)
{
	struct import *im = ctx;
	FILE *f = fmemopen((void *)http_body(im->q), http_body_len(im->q), "r");
	int rc;

	*status = 201;
	if (!f)
		return err_set(ERR_INTERNAL, "cannot read the body");
	rc = travel_applicants_import(out, c, im->meeting, f, im->source ? im->source : "body",
				      who);
	fclose(f);
	return rc;
}

/*
 * POST /v1/meetings/{id}/applicants[?source=NAME]: the contract's CSV as the
 * body; source names the file in messages and in the rows (the CLI sends
 * the file's name), else "body".
 */
enum MHD_Result route_applicants_import(struct req *q, const char *const *args)
{
	static const char *const source_arg[] = {"source", NULL};
	struct import im = {q, args[0], http_arg(q, "source")};
	const char *bad, *ctype;

	if ((bad = http_unknown_arg(q, source_arg)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (im.source && (!*im.source || strlen(im.source) > 200 ||
			  strpbrk(im.source, "\r\n\t")))
		return http_send_error(q, EC_INVALID_FIELD,
				       "source: expected a file's name of 1 to 200 bytes on one line");
	ctype = http_header(q, "Content-Type");
	if (!is_csv(ctype))
		return http_send_error(q, EC_INVALID_FIELD,
				       "Content-Type: expected text/csv (the"
				       " applicant CSV of the contract), got %s",
				       ctype ? ctype : "none");
	if (http_body_len(q) == 0)
		return http_send_error(
			q, EC_INVALID_FIELD,
			"body: empty; expected the applicant CSV with its header row");
	return http_write(q, import_run, &im);
}

/* GET /v1/meetings, /v1/meetings/{id}/trips (a page: after=, limit=),
 * /v1/meetings/{id}/applicants. */
static enum MHD_Result read_route(struct req *q, const char *meeting, const char *what)
{
	static const char *const as_of_arg[] = {"as_of", NULL};
	static const char *const page_args[] = {"after", "limit", NULL};
	bool applicants = what && strcmp(what, "applicants") == 0;
	const char *bad;
	enum MHD_Result sent;
	json_t *out = NULL;
	int64_t after = 0;
	int rc, limit = 0; /* both set by route_page_args */

	if ((bad = http_unknown_arg(q, applicants ? as_of_arg
					: meeting ? page_args
						  : http_no_args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (meeting && !applicants && route_page_args(&after, &limit, q, &sent) < 0)
		return sent;
	if (applicants)
		rc = travel_applicants_list(&out, http_db(q), meeting,
					    http_arg(q, "as_of"));
	else if (meeting)
		rc = travel_trips_list(&out, http_db(q), meeting, after, limit);
	else
		rc = travel_meetings_list(&out, http_db(q));
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, meeting ? out : json_pack("{s:o}", "meetings", out));
}

enum MHD_Result route_meetings_list(struct req *q, const char *const *args)
{
	(void)args;
	return read_route(q, NULL, NULL);
}

enum MHD_Result route_applicants_list(struct req *q, const char *const *args)
{
	return read_route(q, args[0], "applicants");
}

enum MHD_Result route_trips_list(struct req *q, const char *const *args)
{
	return read_route(q, args[0], "trips");
}

enum MHD_Result route_meeting_add(struct req *q, const char *const *args)
{
	(void)args;
	return op(q, travel_meeting_add, NULL, NULL, 201);
}

struct approve {
	json_t *body;
	bool approver;
};

static int approve_run(json_t **out, unsigned *status, PGconn *c,
		       const struct ledger_actor *who, void *ctx)
{
	struct approve *a = ctx;
	struct ledger_actor as = *who;

	*status = 200;
	if (a->approver)
		as.role = "approver"; /* the role four eyes asks for, in the audit row too */
	return travel_approve(out, c, a->body, &as);
}

/* Approval under four eyes: a caller who holds the approver role acts as
 * approver, whatever other roles they hold (the route table lets admin and
 * secretariat in too, for an installation that turned travel.four_eyes
 * off). */
enum MHD_Result route_meeting_approve(struct req *q, const char *const *args)
{
	struct approve a = {NULL, http_role_in(q, ROLE_APPROVER)};
	enum MHD_Result sent;

	if (read_body(&a.body, q, args[0], NULL, &sent))
		return sent;
	sent = http_write(q, approve_run, &a);
	json_decref(a.body);
	return sent;
}

/* A read of one meeting's object (a run, an applicant): 200 or the failure. */
static enum MHD_Result read_one(struct req *q, int (*fn)(json_t **, PGconn *, const char *,
							 const char *),
				const char *meeting, const char *what)
{
	const char *bad;
	json_t *out = NULL;
	int rc;

	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	rc = fn(&out, http_db(q), meeting, what);
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, out);
}

enum MHD_Result route_runs_list(struct req *q, const char *const *args)
{
	const char *bad;
	json_t *out = NULL;
	int rc;

	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	rc = travel_runs_list(&out, http_db(q), args[0]);
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, out);
}

enum MHD_Result route_run_get(struct req *q, const char *const *args)
{
	return read_one(q, travel_run_get, args[0], args[1]);
}

enum MHD_Result route_applicant_get(struct req *q, const char *const *args)
{
	return read_one(q, travel_applicant_get, args[0], args[1]);
}

/* PATCH: a correction of the applicant's fields with its reason. */
enum MHD_Result route_applicant_update(struct req *q, const char *const *args)
{
	return op(q, travel_applicant_update, args[0], args[1], 200);
}

enum MHD_Result route_trip_decline(struct req *q, const char *const *args)
{
	return op(q, travel_decline, args[0], args[1], 200);
}

enum MHD_Result route_trip_cancel(struct req *q, const char *const *args)
{
	return op(q, travel_cancel, args[0], args[1], 200);
}

enum MHD_Result route_trip_report(struct req *q, const char *const *args)
{
	return op(q, travel_report, args[0], args[1], 200);
}

enum MHD_Result route_trip_settle(struct req *q, const char *const *args)
{
	return op(q, travel_settle, args[0], args[1], 200);
}
