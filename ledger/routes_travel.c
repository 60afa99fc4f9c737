/*
 * routes_travel.c - tfledgerd's routes of travel support (ledger/travel.h,
 * docs/travel.md "For the HTTP routes"): meetings, rankings, approval,
 * declines, cancellations, settlements and trips. The secretariat (and
 * admin) writes; the secretariat, auditor and admin read.
 *
 * The meeting and applicant of the path go into the body the module
 * takes; a body naming others is refused. Not served: the applicant CSV
 * import and a ranking with another policy file (both need an upload);
 * "policy" in a ranking's body is refused, as a path on the server.
 */
#include <string.h>

#include "common/err.h"
#include "ledger/http.h"
#include "ledger/travel.h"

static const char *const writers[] = {"admin", "secretariat", NULL};
static const char *const readers[] = {"admin", "secretariat", "auditor", NULL};

typedef int (*op_fn)(json_t **, PGconn *, json_t *, const struct ledger_actor *,
		     const char **);

/* Sets body[key] = value from the path; 1 with a 400 sent if it says otherwise. */
static int from_path(json_t *body, const char *key, const char *value, struct req *q,
		     enum MHD_Result *sent)
{
	json_t *v = json_object_get(body, key);

	if (v && !(json_is_string(v) && strcmp(json_string_value(v), value) == 0)) {
		*sent = http_send_error(q, "invalid-field", "%s: must be omitted or match the path",
					key);
		return 1;
	}
	json_object_set_new(body, key, json_string(value));
	return 0;
}

/*
 * Authorises a write and reads its body (empty: {}) with meeting and, if
 * not NULL, applicant from the path. 0, or 1 with an answer sent.
 */
static int write_body(json_t **body, struct req *q, const char *meeting, const char *applicant,
		      enum MHD_Result *sent)
{
	*body = NULL;
	if (http_authorise(q, writers, "write travel support", sent) ||
	    http_no_idempotency(q, sent))
		return 1;
	if (http_body_len(q) == 0)
		*body = json_object();
	else if (http_parse_body(body, q, sent))
		return 1;
	if (!*body) {
		*sent = http_send_error(q, "internal", "out of memory");
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
	struct ledger_actor who;
	enum MHD_Result sent;
	json_t *body, *out = NULL;
	const char *code = NULL;
	int rc;

	if (write_body(&body, q, meeting, applicant, &sent))
		return sent;
	who = http_actor(q);
	rc = fn(&out, http_db(q), body, &who, &code);
	json_decref(body);
	return rc < 0 ? http_send_failure(q, rc, code) : http_send_json(q, status, out);
}

/* 201 with the stored run, or 200 for a what-if (nothing stored). */
static enum MHD_Result rank(struct req *q, const char *meeting)
{
	ledger_travel_ranking *k = NULL;
	struct ledger_actor who;
	enum MHD_Result sent;
	json_t *body;
	const char *code = NULL;
	bool what_if;
	int rc;

	if (write_body(&body, q, meeting, NULL, &sent))
		return sent;
	if (json_object_get(body, "policy")) {
		json_decref(body);
		return http_send_error(q, "invalid-field",
				       "policy: not accepted over HTTP (a policy file upload "
				       "is not served yet); the bundled policy is used");
	}
	what_if = json_is_true(json_object_get(body, "what_if"));
	who = http_actor(q);
	rc = ledger_travel_rank(&k, http_db(q), body, &who, &code);
	json_decref(body);
	if (rc < 0)
		return http_send_failure(q, rc, code);
	sent = http_send_json(q, what_if ? 200 : 201, ledger_travel_ranking_json(k));
	ledger_travel_ranking_free(k);
	return sent;
}

static enum MHD_Result meetings_list(struct req *q, const char *meeting)
{
	enum MHD_Result sent;
	const char *code = NULL, *bad;
	json_t *out = NULL;
	int rc;

	if (http_authorise(q, readers, "read travel support", &sent))
		return sent;
	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, "invalid-field", "%s: unknown query parameter", bad);
	if (meeting)
		rc = ledger_travel_trips_list(&out, http_db(q), meeting, &code);
	else
		rc = ledger_travel_meetings_list(&out, http_db(q), &code);
	if (rc < 0)
		return http_send_failure(q, rc, code);
	return http_send_json(q, 200, meeting ? out : json_pack("{s:o}", "meetings", out));
}

bool http_routes_travel(struct req *q, bool get, bool post, int n, char s[][128],
			enum MHD_Result *sent)
{
	static const struct {
		const char *action, *route;
		op_fn fn;
	} trip_ops[] = {
		{"decline", "trip_decline", ledger_travel_decline},
		{"cancel", "trip_cancel", ledger_travel_cancel},
		{"settle", "trip_settle", ledger_travel_settle},
	};

	if (strcmp(s[1], "meetings") != 0)
		return false;
	if (n == 2 && post) {
		http_route(q, "meeting_add");
		*sent = op(q, ledger_travel_meeting_add, NULL, NULL, 201);
	} else if (n == 2 && get) {
		http_route(q, "meetings_list");
		*sent = meetings_list(q, NULL);
	} else if (n == 4 && post && strcmp(s[3], "rank") == 0) {
		http_route(q, "meeting_rank");
		*sent = rank(q, s[2]);
	} else if (n == 4 && post && strcmp(s[3], "approve") == 0) {
		http_route(q, "meeting_approve");
		*sent = op(q, ledger_travel_approve, s[2], NULL, 200);
	} else if (n == 4 && get && strcmp(s[3], "trips") == 0) {
		http_route(q, "trips_list");
		*sent = meetings_list(q, s[2]);
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
