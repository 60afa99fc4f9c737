/*
 * routes_privacy.c - tfledgerd's routes of personal data's erasure
 * (travel/privacy.h, docs/privacy.md "Erasure"): POST /v1/privacy/erasures
 * erases the personal fields of the applicants of meetings that ended
 * before a date outside the retention period (or counts them, dry_run);
 * GET /v1/privacy/erasures lists what was erased, when and by whom. Who
 * may call which is in the route table (routes.c): erasing is the admin's.
 *
 * The erasure goes through http_write: its rows, its audit row and the
 * Idempotency-Key's record commit in one transaction.
 */
#include <stdio.h>

#include "common/err.h"
#include "daemon/http.h"
#include "daemon/routes.h"
#include "travel/privacy.h"

static int erase_run(json_t **out, unsigned *status, PGconn *c, const struct ledger_actor *who,
		     void *ctx)
{
	*status = 200;
	return travel_privacy_erase(out, c, ctx, who);
}

/* POST /v1/privacy/erasures {"before","dry_run"?}: 200 what was erased. */
enum MHD_Result route_privacy_erase(struct req *q, const char *const *args)
{
	const char *bad;
	json_t *body = NULL;
	enum MHD_Result sent;

	(void)args;
	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (route_parse_body(&body, q, &sent, NULL))
		return sent;
	sent = http_write(q, erase_run, body);
	json_decref(body);
	return sent;
}

/* GET /v1/privacy/erasures: {"erasures":[...]}, oldest first. */
enum MHD_Result route_privacy_erasures(struct req *q, const char *const *args)
{
	const char *bad;
	json_t *out = NULL;
	int rc;

	(void)args;
	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	rc = travel_privacy_erasures(&out, http_db(q));
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, out);
}
