/*
 * routes_reval.c - tfledgerd's routes of month-end revaluation and rate
 * corrections (fund/reval.h, docs/controls.md "Month-end revaluation"):
 * POST/GET /v1/revaluations, GET /v1/revaluations/{month} (is the posted
 * revaluation current?), POST/GET /v1/rates/corrections. Who may call
 * which is in the route table (routes.c).
 *
 * Every write goes through http_write, as routes_fund.c's do: the write,
 * its audit rows and the Idempotency-Key's record commit in ONE
 * transaction, so a retried request finds the stored answer or nothing.
 */
#include <string.h>

#include "common/err.h"
#include "fund/body.h"
#include "fund/reval.h"
#include "daemon/http.h"
#include "daemon/routes.h"

/* One write: the parsed body, and what the operation answers. */
struct write {
	json_t *body;
	int (*op)(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who);
};

static int write_op(json_t **out, unsigned *status, PGconn *c, const struct ledger_actor *who,
		    void *ctx)
{
	struct write *w = ctx;
	const char *st;
	int rc = w->op(out, c, w->body, who);

	/* 201 when something was stored; a revaluation found unchanged, 200 */
	st = rc == 0 ? json_string_value(json_object_get(*out, "status")) : NULL;
	*status = rc == 0 ? (st && strcmp(st, "unchanged") == 0 ? 200 : 201) : 0;
	return rc;
}

/* Parses the body, runs op through http_write (201 with its answer, 200
 * when it stored nothing). */
static enum MHD_Result write_run(struct req *q,
				 int (*op)(json_t **, PGconn *, json_t *, const struct ledger_actor *))
{
	struct write w = {NULL, op};
	enum MHD_Result sent;

	if (route_parse_body(&w.body, q, &sent, NULL))
		return sent;
	sent = http_write(q, write_op, &w);
	json_decref(w.body);
	return sent;
}

/* {"month"}: fund_revalue: 201 posted or reposted, 200 unchanged (the
 * answer's status says which). */
static int revalue_op(json_t **out, PGconn *c, json_t *body, const struct ledger_actor *who)
{
	static const char *const allowed[] = {"month", NULL};
	const char *month;
	int rc;

	*out = NULL;
	if ((rc = fund_body_only_fields(body, allowed)) < 0 ||
	    (rc = fund_body_str(&month, body, "month", true)) < 0)
		return rc;
	return fund_revalue(out, c, month, who);
}

enum MHD_Result route_revalue(struct req *q, const char *const *args)
{
	(void)args;
	return write_run(q, revalue_op);
}

enum MHD_Result route_rate_correct(struct req *q, const char *const *args)
{
	(void)args;
	return write_run(q, fund_rate_correct);
}

enum MHD_Result route_revaluations_list(struct req *q, const char *const *args)
{
	(void)args;
	return http_list(q, fund_revaluations_list, "revaluations");
}

enum MHD_Result route_rate_corrections_list(struct req *q, const char *const *args)
{
	(void)args;
	return http_list(q, fund_rate_corrections_list, "corrections");
}

/* GET /v1/revaluations/{month}: fund_revaluation_check. */
enum MHD_Result route_revaluation_check(struct req *q, const char *const *args)
{
	static const char *const none[] = {NULL};
	const char *bad;
	json_t *out = NULL;
	int rc;

	if ((bad = http_unknown_arg(q, none)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	rc = fund_revaluation_check(&out, http_db(q), args[0]);
	return rc < 0 ? http_send_failure(q, rc) : http_send_json(q, 200, out);
}
