/*
 * routes_budget.c - tfledgerd's routes of the annual budgets (fund/budget.h,
 * docs/controls.md "Budgets"): setting a line's budget for a year (a new
 * revision each time), the budgets, and where they stand as of a day. Who
 * may call which is in the route table (routes.c).
 *
 * The write goes through http_write, as routes_fund.c's do: the budget row,
 * its audit row and the Idempotency-Key's record commit in ONE transaction,
 * so a retried request either finds the stored answer or nothing stored.
 */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "daemon/http.h"
#include "daemon/routes.h"
#include "fund/budget.h"

static int set_op(json_t **out, unsigned *status, PGconn *c, const struct ledger_actor *who,
		  void *ctx)
{
	*status = 201;
	return fund_budget_set(out, c, ctx, who);
}

/* POST /v1/budgets: {"year","line","amount","reason"?}; 201 with the revision. */
enum MHD_Result route_budget_set(struct req *q, const char *const *args)
{
	json_t *body = NULL;
	enum MHD_Result sent;
	const char *bad;

	(void)args;
	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (route_parse_body(&body, q, &sent, NULL))
		return sent;
	sent = http_write(q, set_op, body);
	json_decref(body);
	return sent;
}

/*
 * The query parameter year: 4 digits (*out), or absent (*out 0) unless
 * required. 0, or 1 with a 400 sent.
 */
static int year_arg(int *out, struct req *q, bool required, enum MHD_Result *sent)
{
	const char *y = http_arg(q, "year");

	*out = 0;
	if (!y && !required)
		return 0;
	if (!y) {
		*sent = http_send_error(q, EC_INVALID_FIELD,
					"year: required query parameter is missing");
		return 1;
	}
	if (strlen(y) != 4 || strspn(y, "0123456789") != 4 || atoi(y) < 2000 || atoi(y) > 2100) {
		*sent = http_send_error(q, EC_INVALID_FIELD,
					"year: expected a year from 2000 to 2100, got '%.16s'", y);
		return 1;
	}
	*out = atoi(y);
	return 0;
}

/* GET /v1/budgets[?year=Y]: {"budgets":[...]} */
enum MHD_Result route_budgets_list(struct req *q, const char *const *path_args)
{
	static const char *const args[] = {"year", NULL};
	json_t *out = NULL;
	enum MHD_Result sent;
	const char *bad;
	int year, rc;

	(void)path_args;
	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (year_arg(&year, q, false, &sent))
		return sent;
	rc = fund_budgets_list(&out, http_db(q), year);
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, json_pack("{s:o}", "budgets", out));
}

/* GET /v1/budgets/status?year=Y[&as_of=D]: fund_budget_status's object
 * (as_of defaults to December 31 of the year). */
enum MHD_Result route_budget_status(struct req *q, const char *const *path_args)
{
	static const char *const args[] = {"year", "as_of", NULL};
	json_t *out = NULL;
	enum MHD_Result sent;
	const char *bad;
	int year, rc;

	(void)path_args;
	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (year_arg(&year, q, true, &sent))
		return sent;
	rc = fund_budget_status(&out, http_db(q), year, http_arg(q, "as_of"));
	return rc < 0 ? http_send_failure(q, rc) : http_send_json(q, 200, out);
}
