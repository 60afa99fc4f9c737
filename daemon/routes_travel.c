/*
 * routes_travel.c - tfledgerd's routes of travel support (travel/travel.h,
 * docs/travel.md "Over HTTP"): meetings, their applicants (an uploaded CSV),
 * rankings and what-ifs, approval, declines, cancellations, trip reports,
 * settlements and trips. The secretariat (and admin) writes; the
 * secretariat, auditor and admin read, and may rank what-ifs (which store
 * nothing).
 *
 * Every write honours Idempotency-Key as POST /v1/entries does: the module
 * stores the answer under the key in the write's own transaction, and a
 * retry is answered from it (daemon/http.h http_idempotency). The meeting and
 * applicant of the path go into the body the module takes; a body naming
 * others is refused. "policy" (a path on the server) is refused over HTTP;
 * a what-if takes the policy itself as "policy_xml".
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "daemon/http.h"
#include "travel/travel.h"

static const char *const writers[] = {"admin", "secretariat", NULL};
static const char *const readers[] = {"admin", "secretariat", "auditor", NULL};

typedef int (*op_fn)(json_t **, PGconn *, json_t *, const struct ledger_actor *,
		     const struct travel_idem *);

/* The request's Idempotency-Key for the module (after http_idempotency). */
static struct travel_idem idem_of(struct req *q, unsigned status)
{
	return (struct travel_idem){http_idem_key(q), http_request_sha(q),
					   status};
}

/* A failed write: if a concurrent request took its Idempotency-Key, that
 * request's answer (or 409); else the failure itself. */
static enum MHD_Result failed(struct req *q, int rc)
{
	enum MHD_Result sent;

	if (rc == ERR_CONFLICT && http_idem_key(q) && http_idempotency(q, &sent))
		return sent;
	return http_send_failure(q, rc);
}

/* Sets body[key] = value from the path; 1 with a 400 sent if it says otherwise. */
static int from_path(json_t *body, const char *key, const char *value, struct req *q,
		     enum MHD_Result *sent)
{
	json_t *v = json_object_get(body, key);

	if (v && !(json_is_string(v) && strcmp(json_string_value(v), value) == 0)) {
		*sent = http_send_error(q, EC_INVALID_FIELD, "%s: must be omitted or match the path",
					key);
		return 1;
	}
	json_object_set_new(body, key, json_string(value));
	return 0;
}

/* The body as a JSON object (empty: {}) with meeting and, if not NULL,
 * applicant from the path. 0, or 1 with an answer sent. */
static int read_body(json_t **body, struct req *q, const char *meeting, const char *applicant,
		     enum MHD_Result *sent)
{
	const char *bad;

	*body = NULL;
	if ((bad = http_unknown_arg(q, http_no_args))) {
		*sent = http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
		return 1;
	}
	if (http_body_len(q) == 0)
		*body = json_object();
	else if (http_parse_body(body, q, sent))
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

/* Authorises a write, replays its Idempotency-Key if stored, reads its body. */
static int write_body(json_t **body, struct req *q, const char *meeting, const char *applicant,
		      enum MHD_Result *sent)
{
	*body = NULL;
	if (http_authorise(q, writers, "write travel support", sent) ||
	    http_idempotency(q, sent))
		return 1;
	return read_body(body, q, meeting, applicant, sent);
}

static enum MHD_Result op(struct req *q, op_fn fn, const char *meeting, const char *applicant,
			  unsigned status)
{
	struct travel_idem idem;
	struct ledger_actor who;
	enum MHD_Result sent;
	json_t *body, *out = NULL;
	int rc;

	if (write_body(&body, q, meeting, applicant, &sent))
		return sent;
	idem = idem_of(q, status);
	who = http_actor(q);
	rc = fn(&out, http_db(q), body, &who, &idem);
	json_decref(body);
	return rc < 0 ? failed(q, rc) : http_send_json(q, status, out);
}

/*
 * A ranking: 201 with the stored run, or for a what-if (?what_if=true, or
 * "what_if": true in the body) 200 with nothing stored (no run, no audit
 * row, no Idempotency-Key kept: a what-if can simply be asked again).
 */
static enum MHD_Result rank(struct req *q, const char *meeting)
{
	static const char *const args[] = {"what_if", NULL};
	struct travel_idem idem;
	travel_ranking *k = NULL;
	struct ledger_actor who;
	enum MHD_Result sent;
	json_t *body = NULL, *v;
	const char *bad, *arg = http_arg(q, "what_if");
	bool what_if;
	int rc;

	if (http_authorise(q, readers, "rank travel support", &sent))
		return sent;
	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (arg && strcmp(arg, "true") != 0 && strcmp(arg, "false") != 0)
		return http_send_error(q, EC_INVALID_FIELD, "what_if: expected true or false, got '%s'",
				       arg);
	if (http_body_len(q) == 0)
		body = json_object();
	else if (http_parse_body(&body, q, &sent))
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
	if (!what_if && strcmp(who.role, "admin") != 0 && strcmp(who.role, "secretariat") != 0) {
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
	if (!what_if && http_idempotency(q, &sent)) {
		json_decref(body);
		return sent;
	}
	idem = idem_of(q, 201);
	rc = travel_rank(&k, http_db(q), body, &who, what_if ? NULL : &idem);
	json_decref(body);
	if (rc < 0)
		return failed(q, rc);
	sent = http_send_json(q, what_if ? 200 : 201, travel_ranking_json(k));
	travel_ranking_free(k);
	return sent;
}

/* True if the Content-Type is text/csv (parameters such as charset allowed). */
static bool is_csv(const char *ctype)
{
	return ctype && strncasecmp(ctype, "text/csv", 8) == 0 &&
	       (ctype[8] == '\0' || ctype[8] == ';' || ctype[8] == ' ');
}

/* POST /v1/meetings/{id}/applicants: the contract's CSV as the body. */
static enum MHD_Result applicants_import(struct req *q, const char *meeting)
{
	struct travel_idem idem;
	struct ledger_actor who;
	enum MHD_Result sent;
	json_t *out = NULL;
	const char *bad, *ctype;
	FILE *f;
	int rc;

	if (http_authorise(q, writers, "write travel support", &sent) ||
	    http_idempotency(q, &sent))
		return sent;
	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	ctype = http_header(q, "Content-Type");
	if (!is_csv(ctype))
		return http_send_error(q, EC_INVALID_FIELD, "Content-Type: expected text/csv (the"
							   " applicant CSV of the contract), got %s",
				       ctype ? ctype : "none");
	if (http_body_len(q) == 0)
		return http_send_error(q, EC_INVALID_FIELD,
				       "body: empty; expected the applicant CSV with its header row");
	f = fmemopen((void *)http_body(q), http_body_len(q), "r");
	if (!f)
		return http_send_error(q, EC_INTERNAL, "cannot read the body");
	idem = idem_of(q, 201);
	who = http_actor(q);
	rc = travel_applicants_import(&out, http_db(q), meeting, f, "body", &who, &idem);
	fclose(f);
	return rc < 0 ? failed(q, rc) : http_send_json(q, 201, out);
}

/* GET /v1/meetings, /v1/meetings/{id}/trips, /v1/meetings/{id}/applicants. */
static enum MHD_Result read_route(struct req *q, const char *meeting, const char *what)
{
	static const char *const as_of_arg[] = {"as_of", NULL};
	bool applicants = what && strcmp(what, "applicants") == 0;
	enum MHD_Result sent;
	const char *bad;
	json_t *out = NULL;
	int rc;

	if (http_authorise(q, readers, "read travel support", &sent))
		return sent;
	if ((bad = http_unknown_arg(q, applicants ? as_of_arg : http_no_args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (applicants)
		rc = travel_applicants_list(&out, http_db(q), meeting,
						   http_arg(q, "as_of"));
	else if (meeting)
		rc = travel_trips_list(&out, http_db(q), meeting);
	else
		rc = travel_meetings_list(&out, http_db(q));
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, meeting ? out : json_pack("{s:o}", "meetings", out));
}

bool http_routes_travel(struct req *q, bool get, bool post, int n, char s[][128],
			enum MHD_Result *sent)
{
	static const struct {
		const char *action, *route;
		op_fn fn;
	} trip_ops[] = {
		{"decline", "trip_decline", travel_decline},
		{"cancel", "trip_cancel", travel_cancel},
		{"report", "trip_report", travel_report},
		{"settle", "trip_settle", travel_settle},
	};

	if (strcmp(s[1], "meetings") != 0)
		return false;
	if (n == 2 && post) {
		http_route(q, "meeting_add");
		*sent = op(q, travel_meeting_add, NULL, NULL, 201);
	} else if (n == 2 && get) {
		http_route(q, "meetings_list");
		*sent = read_route(q, NULL, NULL);
	} else if (n == 4 && post && strcmp(s[3], "applicants") == 0) {
		http_route(q, "applicants_import");
		*sent = applicants_import(q, s[2]);
	} else if (n == 4 && get && strcmp(s[3], "applicants") == 0) {
		http_route(q, "applicants_list");
		*sent = read_route(q, s[2], "applicants");
	} else if (n == 4 && post && strcmp(s[3], "rank") == 0) {
		http_route(q, "meeting_rank");
		*sent = rank(q, s[2]);
	} else if (n == 4 && post && strcmp(s[3], "approve") == 0) {
		http_route(q, "meeting_approve");
		*sent = op(q, travel_approve, s[2], NULL, 200);
	} else if (n == 4 && get && strcmp(s[3], "trips") == 0) {
		http_route(q, "trips_list");
		*sent = read_route(q, s[2], "trips");
	} else if (n == 6 && post && strcmp(s[3], "trips") == 0) {
		for (size_t i = 0; i < sizeof(trip_ops) / sizeof(trip_ops[0]); i++)
			if (strcmp(s[5], trip_ops[i].action) == 0) {
				http_route(q, trip_ops[i].route);
				*sent = op(q, trip_ops[i].fn, s[2], s[4], 200);
				return true;
			}
		return false;
	} else {
		return false;
	}
	return true;
}
