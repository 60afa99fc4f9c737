/*
 * routes_fund.c - tfledgerd's routes of the fund's books (fund/fund.h,
 * docs/fund.md "For the HTTP routes"): donors, pledges, receipts, gifts in
 * kind, rates, the chart of accounts, bank statements (camt.053, ledger/
 * statements.h), reconciliation (bank/reconcile.h) and the money
 * available for travel. Who may call which is in the route table
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

#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "fund/body.h"
#include "fund/fund.h"
#include "daemon/http.h"
#include "daemon/routes.h"
#include "bank/reconcile.h"
#include "bank/statements.h"

/* What a document in a request body is called in messages ("body:3: ..."). */
#define BODY_NAME "body"

typedef int (*add_fn)(json_t **, PGconn *, json_t *, const struct ledger_actor *);
typedef int (*list_fn)(json_t **, PGconn *);

/* --- writes ------------------------------------------------------------------ */

/* One write: op fills out and status (err carries a failure). */
struct write {
	struct req *q;
	const struct ledger_actor *who;
	int (*op)(struct write *w, PGconn *c);
	json_t *body;          /* the parsed JSON body, if any */
	add_fn add;            /* for op_add */
	long long id;          /* for op_sign */
	char stmt_account[LIMIT_CAMT_FIELD_BYTES]; /* for op_reconcile */
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

	if (http_parse_body(&w.body, q, &sent))
		return sent;
	return write_run(&w);
}

/* A list: {"key": [...]}. */
static enum MHD_Result list(struct req *q, list_fn fn, const char *key)
{
	const char *bad;
	json_t *out = NULL;
	int rc;

	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	rc = fn(&out, http_db(q));
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, json_pack("{s:o}", key, out));
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
	if (http_parse_body(&w.body, q, &sent))
		return sent;
	return write_run(&w);
}

/* An empty body, or a JSON object without fields; else 400 sent, 1. */
static int no_fields(struct req *q, enum MHD_Result *sent)
{
	json_t *body = NULL;

	if (http_body_len(q) == 0)
		return 0;
	if (http_parse_body(&body, q, sent))
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

/* 0 if the body's Content-Type is one of types (parameters ignored), else
 * 400 sent and 1. */
static int content_type(struct req *q, const char *const *types, enum MHD_Result *sent)
{
	const char *h = http_header(q, "Content-Type");
	size_t n = h ? strcspn(h, "; \t") : 0;

	for (size_t i = 0; h && types[i]; i++)
		if (strlen(types[i]) == n && strncasecmp(h, types[i], n) == 0)
			return 0;
	*sent = http_send_error(q, EC_INVALID_FIELD, "Content-Type: expected %s%s%s, got %s",
				types[0], types[1] ? " or " : "", types[1] ? types[1] : "",
				h ? h : "none");
	return 1;
}

static int op_rates(struct write *w, PGconn *c)
{
	int rc = fund_rates_import_csv(&w->out, c, http_body(w->q), http_body_len(w->q),
					      BODY_NAME, w->who);

	if (rc == 0)
		w->status = json_integer_value(json_object_get(w->out, "stored")) > 0 ? 201 : 200;
	return rc;
}

/* POST /v1/rates (text/csv): as `tfledger rates import`, all or nothing. */
enum MHD_Result route_rates_import(struct req *q, const char *const *args)
{
	static const char *const types[] = {"text/csv", NULL};
	struct write w = {.q = q, .op = op_rates};
	enum MHD_Result sent;

	(void)args;
	if (content_type(q, types, &sent))
		return sent;
	return write_run(&w);
}

static int op_statements(struct write *w, PGconn *c)
{
	struct bank_statements_file *f = NULL;
	json_t *list = NULL;
	long new_lines = 0, dups = 0;
	int rc;

	rc = bank_statements_import_memory(&f, c, http_body(w->q), http_body_len(w->q),
					     BODY_NAME);
	if (rc == ERR_LIMIT)
		return err_recode(ERR_INVALID, EC_INVALID_FIELD);
	if (rc < 0)
		return rc;
	list = json_array();
	for (size_t i = 0; list && rc == 0 && i < f->n; i++) {
		const struct bank_statements_result *r = &f->stmts[i];
		char credits[MONEY_STR_MAX], debits[MONEY_STR_MAX], object[2 * LIMIT_CAMT_FIELD_BYTES];

		money_format(credits, r->credits_minor, r->currency);
		money_format(debits, r->debits_minor, r->currency);
		if (json_array_append_new(
			    list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:I}", "file",
					    BODY_NAME, "id", r->id, "account", r->account,
					    "currency", r->currency, "entries",
					    (json_int_t)r->entries, "credits", credits, "debits",
					    debits, "new", (json_int_t)r->new_lines, "duplicates",
					    (json_int_t)r->duplicates)) < 0)
			rc = err_set(ERR_INTERNAL, "out of memory");
		new_lines += r->new_lines;
		dups += r->duplicates;
		snprintf(object, sizeof(object), "%s %s", r->account, r->id);
		if (rc == 0)
			rc = ledger_audit(c, w->who, "statement.import", object);
	}
	if (rc == 0 && list)
		w->out = json_pack("{s:O, s:s?, s:I, s:I, s:I, s:I}", "statements", list, "version",
				   bank_camt_version_name(f->summary.version), "lines",
				   (json_int_t)f->summary.lines, "new", (json_int_t)new_lines,
				   "duplicates", (json_int_t)dups, "warnings",
				   (json_int_t)f->summary.warnings);
	if (rc == 0 && !w->out)
		rc = err_set(ERR_INTERNAL, "out of memory");
	w->status = new_lines > 0 ? 201 : 200;
	json_decref(list);
	bank_statements_file_free(f);
	return rc;
}

/* POST /v1/bank-statements (application/xml): as `tfledger statements
 * import`, one camt.053 document, all or nothing, each line stored once. */
enum MHD_Result route_statements_import(struct req *q, const char *const *args)
{
	static const char *const types[] = {"application/xml", "text/xml", NULL};
	struct write w = {.q = q, .op = op_statements};
	enum MHD_Result sent;

	(void)args;
	if (content_type(q, types, &sent))
		return sent;
	if (http_body_len(q) == 0)
		return http_send_error(q, EC_INVALID_FIELD, "body: a camt.053 document is required");
	return write_run(&w);
}

static int op_link(struct write *w, PGconn *c)
{
	bool created = false;
	int rc = bank_reconcile_link(&w->out, &created, c, w->body, w->who);

	w->status = created ? 201 : 200;
	return rc;
}

/* POST /v1/bank-accounts/links {"iban","account"}: 201 linked, 200 linked
 * before to the same account. */
enum MHD_Result route_link_add(struct req *q, const char *const *args)
{
	struct write w = {.q = q, .op = op_link};
	enum MHD_Result sent;

	(void)args;
	if (http_parse_body(&w.body, q, &sent))
		return sent;
	return write_run(&w);
}

/* bank_account, statement_account (else the only one in its currency),
 * tolerance; from the JSON body or the query. */
struct rec_args {
	const char *bank, *stmt, *tolerance;
};

static int op_reconcile(struct write *w, PGconn *c)
{
	const char *bank = json_string_value(json_object_get(w->body, "bank_account"));
	const char *stmt = json_string_value(json_object_get(w->body, "statement_account"));
	const char *tol = json_string_value(json_object_get(w->body, "tolerance"));
	char object[LEDGER_CODE_BYTES + LIMIT_CAMT_FIELD_BYTES + 2];
	int rc = 0;

	if (!stmt)
		rc = bank_reconcile_statement_account(w->stmt_account, c, bank);
	else
		snprintf(w->stmt_account, sizeof(w->stmt_account), "%s", stmt);
	if (rc == 0)
		rc = bank_reconcile(&w->out, c, bank, w->stmt_account, tol, w->who);
	snprintf(object, sizeof(object), "%s %s", bank, w->stmt_account);
	if (rc == 0)
		rc = ledger_audit(c, w->who, "reconcile", object);
	w->status = 200;
	return rc;
}

/* The fields of a reconciliation, checked; 0, or 1 with 400 sent. */
static int rec_fields(struct req *q, const char *bank, const char *stmt, const char *tol,
		      enum MHD_Result *sent)
{
	if (!bank || !ledger_code_valid(bank)) {
		*sent = http_send_error(q, EC_INVALID_FIELD, "bank_account: %s",
					bank ? "not an account code" : "required");
		return 1;
	}
	if (stmt && (strlen(stmt) < 1 || strlen(stmt) >= LIMIT_CAMT_FIELD_BYTES)) {
		*sent = http_send_error(q, EC_INVALID_FIELD, "statement_account: 1-%d characters",
					LIMIT_CAMT_FIELD_BYTES - 1);
		return 1;
	}
	if (tol && strlen(tol) >= MONEY_STR_MAX) {
		*sent = http_send_error(q, EC_INVALID_FIELD, "tolerance: not an amount");
		return 1;
	}
	return 0;
}

/* POST /v1/reconcile: as `tfledger reconcile`, matched receipts posted once. */
enum MHD_Result route_reconcile_run(struct req *q, const char *const *args)
{
	static const char *const allowed[] = {"bank_account", "statement_account", "tolerance",
					      NULL};
	struct write w = {.q = q, .op = op_reconcile};
	enum MHD_Result sent;
	const char *bank = NULL, *stmt = NULL, *tol = NULL;

	(void)args;
	if (http_parse_body(&w.body, q, &sent))
		return sent;
	if (fund_body_only_fields(w.body, allowed) < 0 ||
	    fund_body_str(&bank, w.body, "bank_account", true) < 0 ||
	    fund_body_str(&stmt, w.body, "statement_account", false) < 0 ||
	    fund_body_str(&tol, w.body, "tolerance", false) < 0) {
		json_decref(w.body);
		return http_send_failure(q, ERR_INVALID);
	}
	if (rec_fields(q, bank, stmt, tol, &sent)) {
		json_decref(w.body);
		return sent;
	}
	return write_run(&w);
}

struct preview {
	struct rec_args a;
	char stmt[LIMIT_CAMT_FIELD_BYTES];
	json_t *out;
};

static int preview_tx(PGconn *c, void *ctx)
{
	struct preview *p = ctx;
	int rc = 0;

	json_decref(p->out);
	p->out = NULL;
	if (!p->a.stmt)
		rc = bank_reconcile_statement_account(p->stmt, c, p->a.bank);
	else
		snprintf(p->stmt, sizeof(p->stmt), "%s", p->a.stmt);
	if (rc == 0)
		rc = bank_reconcile_preview(&p->out, c, p->a.bank, p->stmt, p->a.tolerance);
	if (rc == 0)
		json_object_set_new(p->out, "posted", json_false());
	return rc;
}

/* GET /v1/reconcile: the state now, and what a run would post; writes
 * nothing (one snapshot: REPEATABLE READ). */
enum MHD_Result route_reconcile_state(struct req *q, const char *const *path_args)
{
	static const char *const args[] = {"bank_account", "statement_account", "tolerance",
					   NULL};
	struct preview p = {{http_arg(q, "bank_account"), http_arg(q, "statement_account"),
			     http_arg(q, "tolerance")}, "", NULL};
	enum MHD_Result sent;
	const char *bad;
	int rc;

	(void)path_args;
	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (rec_fields(q, p.a.bank, p.a.stmt, p.a.tolerance, &sent))
		return sent;
	rc = db_tx(http_db(q), DB_REPEATABLE_READ, preview_tx, &p);
	if (rc < 0) {
		json_decref(p.out);
		return http_send_failure(q, rc);
	}
	return http_send_json(q, 200, p.out);
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
		return list(q, fn, key);                                       \
	}

ADD(donor_add, fund_donor_add)
ADD(pledge_add, fund_pledge_add)
ADD(receipt_add, fund_receipt_add)
ADD(inkind_add, fund_inkind_add)
LIST(donors_list, fund_donors_list, "donors")
LIST(pledges_list, fund_pledges_list, "pledges")
LIST(receipts_list, fund_receipts_list, "receipts")
LIST(inkind_list, fund_inkind_list, "inkind")
LIST(rates_list, fund_rates_list, "rates")
LIST(links_list, bank_reconcile_links_list, "links")
