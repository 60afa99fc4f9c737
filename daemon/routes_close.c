/*
 * routes_close.c - tfledgerd's routes of closing the books (fund/close.h,
 * docs/controls.md "Closing months and the year"): months closed,
 * reopened and listed with what blocks each, programme support costs
 * charged for a month, the year-end close and the list of years. Who may
 * call which is in the route table (routes.c); reopening is the admin's
 * there and again in fund_period_reopen.
 *
 * Every write goes through http_write: the write, its audit rows and the
 * Idempotency-Key's record commit in ONE transaction, so a retried request
 * either finds the stored answer or finds nothing stored at all.
 *
 * A month's close also issues a signed journal checkpoint (reason "close",
 * reports/checkpoint.h) inside that same transaction, under a savepoint,
 * when a signing key is configured: the answer names it ("checkpoint": its
 * row, or null). A checkpoint that cannot be made is logged and the close
 * still succeeds.
 */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "daemon/http.h"
#include "daemon/routes.h"
#include "daemon/signing.h"
#include "fund/close.h"
#include "reports/checkpoint.h"

enum op { OP_CLOSE, OP_REOPEN, OP_PSC, OP_YEAR };

/* One write: a month (or a year) and the body. */
struct write {
	enum op op;
	const char *month;
	int year;
	json_t *body; /* NULL for an empty body */
};

/* After a month's close, in its transaction: a signed checkpoint, named in
 * the answer; a failure is logged and leaves the close as it was. */
static int close_checkpoint(json_t *answer, PGconn *c, const char *month,
			    const struct ledger_actor *who)
{
	struct daemon_signing *sg = daemon_signing_acquire();
	const struct reports_signer *signer = daemon_signing_signer(sg);
	json_t *cp = NULL;

	if (signer && reports_checkpoint_issue(&cp, c, signer, who, "close", month) < 0)
		log_error("month closed, but its checkpoint could not be issued", "month", month,
			  "error", err_last(), NULL);
	daemon_signing_release(sg);
	if (json_is_object(answer))
		json_object_set_new(answer, "checkpoint", cp ? cp : json_null());
	else
		json_decref(cp);
	return 0;
}

static int write_op(json_t **out, unsigned *status, PGconn *c, const struct ledger_actor *who,
		    void *ctx)
{
	struct write *w = ctx;
	int rc;

	*out = NULL;
	switch (w->op) {
	case OP_CLOSE:
		*status = 201;
		if ((rc = fund_period_close(out, c, w->month, w->body, who)) < 0)
			return rc;
		return close_checkpoint(*out, c, w->month, who);
	case OP_REOPEN:
		*status = 200;
		return fund_period_reopen(out, c, w->month, w->body, who);
	case OP_PSC:
		rc = fund_psc_charge(out, c, w->month, who);
		*status = rc == 0 && json_is_true(json_object_get(*out, "changed")) ? 201 : 200;
		return rc;
	case OP_YEAR:
		*status = 201;
		return fund_year_close(out, c, w->year, w->body, who);
	}
	return err_set(ERR_INTERNAL, "unknown close operation");
}

/* Parses the body if there is one (an empty body is NULL), runs w, answers. */
static enum MHD_Result write_run(struct req *q, struct write *w, bool body_required)
{
	enum MHD_Result sent;

	if ((body_required || http_body_len(q) > 0) && route_parse_body(&w->body, q, &sent, NULL))
		return sent;
	sent = http_write(q, write_op, w);
	json_decref(w->body);
	return sent;
}

/* POST /v1/periods/{month}/close {"acknowledge":[{"item","reason"}]?} */
enum MHD_Result route_period_close(struct req *q, const char *const *args)
{
	struct write w = {.op = OP_CLOSE, .month = args[0]};

	return write_run(q, &w, false);
}

/* POST /v1/periods/{month}/reopen {"reason"} (admin) */
enum MHD_Result route_period_reopen(struct req *q, const char *const *args)
{
	struct write w = {.op = OP_REOPEN, .month = args[0]};

	return write_run(q, &w, true);
}

/* POST /v1/periods/{month}/psc: no body; 201 when an entry changed, 200 if
 * the stored charge stands. */
enum MHD_Result route_psc_charge(struct req *q, const char *const *args)
{
	struct write w = {.op = OP_PSC, .month = args[0]};

	if (http_body_len(q) > 0)
		return http_send_error(q, EC_INVALID_FIELD, "body: this route takes none");
	return write_run(q, &w, false);
}

/* POST /v1/years/{year}/close {"acknowledge":[...]?} */
enum MHD_Result route_year_close(struct req *q, const char *const *args)
{
	struct write w = {.op = OP_YEAR};
	char *end;
	long y = strtol(args[0], &end, 10);

	if (strlen(args[0]) != 4 || *end || y < 2000 || y > 2100)
		return http_send_error(q, EC_INVALID_FIELD, "year: 2000 to 2100, got '%.8s'",
				       args[0]);
	w.year = (int)y;
	return write_run(q, &w, false);
}

enum MHD_Result route_periods_list(struct req *q, const char *const *args)
{
	(void)args;
	return http_list(q, fund_periods_list, "periods");
}

enum MHD_Result route_years_list(struct req *q, const char *const *args)
{
	(void)args;
	return http_list(q, fund_years_list, "years");
}
