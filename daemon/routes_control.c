/*
 * routes_control.c - tfledgerd's routes of the funds control
 * (fund/control.h, docs/controls.md "Funds control"): what each source has
 * available, allocations, countersigned overruns and the bank accounts'
 * overdrafts. Who may call which is in the route table (routes.c): a
 * handler here only parses, calls one function of fund/control.h and
 * answers.
 *
 * Every write goes through http_write: the write, its audit row and the
 * Idempotency-Key's record commit in ONE transaction (routes_fund.c's
 * shape), so a retried request either finds the stored answer or finds
 * nothing stored at all.
 */
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/err.h"
#include "fund/control.h"
#include "daemon/http.h"
#include "daemon/routes.h"

typedef int (*add_fn)(json_t **, PGconn *, json_t *, const struct ledger_actor *);

/* One write of a JSON body: fn, answered 201. */
struct write {
	add_fn fn;
	json_t *body;
};

static int write_op(json_t **out, unsigned *status, PGconn *c, const struct ledger_actor *who,
		    void *ctx)
{
	struct write *w = ctx;

	*status = 201;
	return w->fn(out, c, w->body, who);
}

static enum MHD_Result add(struct req *q, add_fn fn)
{
	struct write w = {fn, NULL};
	enum MHD_Result sent;

	if (route_parse_body(&w.body, q, &sent, NULL))
		return sent;
	sent = http_write(q, write_op, &w);
	json_decref(w.body);
	return sent;
}

/* A list as {key: [...]} (fn fills out with the array). */
static enum MHD_Result send_list(struct req *q, int rc, json_t *arr, const char *key)
{
	json_t *o;

	if (rc < 0)
		return http_send_failure(q, rc);
	o = json_pack("{s:o}", key, arr);
	return o ? http_send_json(q, 200, o)
		 : http_send_error(q, EC_INTERNAL, "out of memory");
}

/* GET /v1/funds/available?as_of=D */
enum MHD_Result route_funds_available(struct req *q, const char *const *path_args)
{
	static const char *const args[] = {"as_of", NULL};
	const char *as_of = http_arg(q, "as_of"), *bad;
	json_t *out = NULL;
	int rc;

	(void)path_args;
	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (!as_of || !date_valid(as_of))
		return http_send_error(q, EC_INVALID_FIELD, "as_of: %s",
				       as_of ? "must be a date YYYY-MM-DD"
					     : "required query parameter is missing");
	rc = fund_funds_available(&out, http_db(q), as_of);
	return rc < 0 ? http_send_failure(q, rc) : http_send_json(q, 200, out);
}

enum MHD_Result route_allocation_add(struct req *q, const char *const *args)
{
	(void)args;
	return add(q, fund_allocation_add);
}

/* GET /v1/allocations?meeting=&line=&year= */
enum MHD_Result route_allocations_list(struct req *q, const char *const *path_args)
{
	static const char *const args[] = {"meeting", "line", "year", NULL};
	const char *year_s = http_arg(q, "year"), *bad;
	json_t *arr = NULL;
	long year = 0;
	char *end = NULL;
	int rc;

	(void)path_args;
	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (year_s) {
		year = strtol(year_s, &end, 10);
		if (*year_s < '0' || *year_s > '9' || *end || year < 2000 || year > 2100)
			return http_send_error(q, EC_INVALID_FIELD,
					       "year: expected a year 2000-2100, got '%s'", year_s);
	}
	rc = fund_allocations_list(&arr, http_db(q), http_arg(q, "meeting"), http_arg(q, "line"),
				   (int)year);
	return send_list(q, rc, arr, "allocations");
}

enum MHD_Result route_overrun_add(struct req *q, const char *const *args)
{
	(void)args;
	return add(q, fund_overrun_add);
}

enum MHD_Result route_overruns_list(struct req *q, const char *const *args)
{
	(void)args;
	return http_list(q, fund_overruns_list, "overruns");
}

enum MHD_Result route_overdraft_set(struct req *q, const char *const *args)
{
	(void)args;
	return add(q, fund_overdraft_set);
}

enum MHD_Result route_overdrafts_list(struct req *q, const char *const *args)
{
	(void)args;
	return http_list(q, fund_overdrafts_list, "overdrafts");
}
