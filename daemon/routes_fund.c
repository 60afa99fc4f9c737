/*
 * routes_fund.c - tfledgerd's routes of the fund's books (fund/fund.h,
 * docs/fund.md "For the HTTP routes"): donors, pledges, receipts, gifts in
 * kind, rates, the chart of accounts and the money available for travel
 * (bank statements and reconciliation: routes_bank.c). Who may call which is in the route table
 * (routes.c).
 *
 * Every write goes through http_write: the write, its audit rows and the
 * Idempotency-Key's record commit in ONE transaction, so a retried request
 * either finds the stored answer or finds nothing stored at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "fund/body.h"
#include "fund/fund.h"
#include "daemon/http.h"
#include "daemon/routes.h"

/* What a document in a request body is called in messages ("body:3: ..."). */
#define BODY_NAME "body"

typedef int (*add_fn)(json_t **, PGconn *, json_t *, const struct ledger_actor *);

/* --- writes ------------------------------------------------------------------ */

/* One write: op fills out and status (err carries a failure). */
struct write {
	struct req *q;
	const struct ledger_actor *who;
	int (*op)(struct write *w, PGconn *c);
	json_t *body;          /* the parsed JSON body, if any */
	add_fn add;            /* for op_add */
	long long id;          /* for op_sign */
	const char *name;      /* for op_rates: the document in messages */
	json_t *out;
	unsigned status;
};

static int write_op(json_t **out, unsigned *status, PGconn *c, const struct ledger_actor *who,
		    void *ctx)
{
	struct write *w = ctx;
	int rc;

	w->who = who;
	w->out = NULL;
	rc = w->op(w, c);
	*out = w->out;
	*status = w->status;
	return rc;
}

/* Runs w through http_write and answers; frees what w holds. */
static enum MHD_Result write_run(struct write *w)
{
	enum MHD_Result sent = http_write(w->q, write_op, w);

	json_decref(w->body);
	return sent;
}

static int op_add(struct write *w, PGconn *c)
{
	w->status = 201;
	return w->add(&w->out, c, w->body, w->who);
}

/* A write: the body goes to fn as it is; 201 with its answer. */
static enum MHD_Result add(struct req *q, add_fn fn)
{
	struct write w = {.q = q, .op = op_add, .add = fn};
	enum MHD_Result sent;

	if (route_parse_body(&w.body, q, &sent, NULL))
		return sent;
	return write_run(&w);
}

static int op_sign(struct write *w, PGconn *c)
{
	w->status = 200;
	return fund_pledge_sign(&w->out, c, w->id, w->body, w->who);
}

enum MHD_Result route_pledge_sign(struct req *q, const char *const *args)
{
	struct write w = {.q = q, .op = op_sign};
	const char *id_s = args[0];
	enum MHD_Result sent;
	char *end;

	w.id = strtoll(id_s, &end, 10);
	if (*id_s < '0' || *id_s > '9' || *end || w.id < 1)
		return http_send_error(q, EC_NOT_FOUND, "no pledge %s", id_s);
	if (route_parse_body(&w.body, q, &sent, NULL))
		return sent;
	return write_run(&w);
}

/* An empty body, or a JSON object without fields; else 400 sent, 1. */
static int no_fields(struct req *q, enum MHD_Result *sent)
{
	json_t *body = NULL;

	if (http_body_len(q) == 0)
		return 0;
	if (route_parse_body(&body, q, sent, NULL))
		return 1;
	if (json_object_size(body)) {
		*sent = http_send_error(q, EC_INVALID_FIELD, "%s: unknown field",
					json_object_iter_key(json_object_iter(body)));
		json_decref(body);
		return 1;
	}
	json_decref(body);
	return 0;
}

static int op_init(struct write *w, PGconn *c)
{
	int created = 0;
	int rc = fund_init(&created, c, w->who);

	if (rc < 0)
		return rc;
	w->status = created > 0 ? 201 : 200;
	w->out = json_pack("{s:o, s:i}", "accounts", fund_chart_json(), "created",
			   created);
	return w->out ? 0 : err_set(ERR_INTERNAL, "out of memory");
}

/* POST /v1/fund/init: the chart of accounts; 201 if accounts were made,
 * 200 if all existed (a second call changes nothing). */
enum MHD_Result route_fund_init(struct req *q, const char *const *args)
{
	struct write w = {.q = q, .op = op_init};
	enum MHD_Result sent;

	(void)args;
	if (no_fields(q, &sent))
		return sent;
	return write_run(&w);
}

/* The body was spooled (route_spooled): the CSV reader reads it through a
 * read-only mapping of its file, whose pages are the file's (reclaimable,
 * never copied to the heap); a reader of a FILE* would be a second way. */
static int op_rates(struct write *w, PGconn *c)
{
	size_t len = http_body_len(w->q);
	void *doc = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, http_body_fd(w->q), 0) : NULL;
	int rc;

	if (doc == MAP_FAILED)
		return err_sys(ERR_SYSTEM, "cannot map the spooled request body");
	rc = fund_rates_import_csv(&w->out, c, doc ? doc : "", len, w->name, w->who);
	if (doc)
		munmap(doc, len);
	if (rc == 0)
		w->status = json_integer_value(json_object_get(w->out, "stored")) > 0 ? 201 : 200;
	return rc;
}

/* POST /v1/rates[?file=NAME] (text/csv): as `tfledger rates import`, all
 * or nothing; NAME (default "body") names the document in messages
 * ("NAME:4: column 3 ...") and in the answer's "file". */
enum MHD_Result route_rates_import(struct req *q, const char *const *args)
{
	static const char *const types[] = {"text/csv", NULL};
	struct write w = {.q = q, .op = op_rates};
	enum MHD_Result sent;

	(void)args;
	if (!(w.name = http_document_name(q, BODY_NAME, &sent)))
		return sent;
	if (http_content_type(q, types, &sent))
		return sent;
	return write_run(&w);
}

enum MHD_Result route_travel_available(struct req *q, const char *const *path_args)
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
	rc = fund_travel_available(&out, http_db(q), as_of);
	return rc < 0 ? http_send_failure(q, rc) : http_send_json(q, 200, out);
}

/* The books: a write takes the body as it is (201); a list is {"KEY": [...]}. */
#define ADD(route, fn)                                                         \
	enum MHD_Result route_##route(struct req *q, const char *const *args) \
	{                                                                      \
		(void)args;                                                    \
		return add(q, fn);                                             \
	}
#define LIST(route, fn, key)                                                   \
	enum MHD_Result route_##route(struct req *q, const char *const *args) \
	{                                                                      \
		(void)args;                                                    \
		return http_list(q, fn, key);                                  \
	}

/* A list paged on a cursor: {"KEY": [...], "next": CURSOR-or-null} (routes_page.c). */
#define PAGED(route, fn)                                                       \
	enum MHD_Result route_##route(struct req *q, const char *const *args) \
	{                                                                      \
		(void)args;                                                    \
		return route_list_page(q, fn);                                 \
	}

ADD(donor_add, fund_donor_add)
ADD(pledge_add, fund_pledge_add)
ADD(receipt_add, fund_receipt_add)
ADD(inkind_add, fund_inkind_add)
LIST(donors_list, fund_donors_list, "donors")
PAGED(pledges_list, fund_pledges_list)
PAGED(receipts_list, fund_receipts_list)
PAGED(inkind_list, fund_inkind_list)
LIST(rates_list, fund_rates_list, "rates")
