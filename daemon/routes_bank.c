/*
 * routes_bank.c - tfledgerd's routes of the fund's bank accounts
 * (docs/bank-statements.md, docs/fund.md "Reconciliation"): camt.053
 * statements (bank/statements.h), links of statement accounts to the
 * ledger's bank accounts, reconciliation (bank/reconcile.h) and its work
 * queue, sign-offs and reopening (bank/queue.h). Who may
 * call which is in the route table (routes.c); every write goes through
 * http_write, one transaction with its audit rows and Idempotency-Key.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank/queue.h"
#include "bank/reconcile.h"
#include "bank/statements.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/money.h"
#include "daemon/http.h"
#include "daemon/routes.h"
#include "fund/body.h"

/* What a document in a request body is called in messages ("body:3: ..."). */
#define BODY_NAME "body"

/* One document: the request, and what its messages call it. */
struct import {
	struct req *q;
	const char *name; /* ?file=, else BODY_NAME */
};

static int statements_op(json_t **out, unsigned *status, PGconn *c,
			 const struct ledger_actor *who, void *ctx)
{
	const struct import *im = ctx;
	struct req *q = im->q;
	struct bank_statements_file *f = NULL;
	json_t *list = NULL, *deviations = json_array();
	long new_lines = 0, dups = 0;
	char path[64];
	int rc;

	if (!deviations)
		return err_set(ERR_INTERNAL, "out of memory");
	bank_statements_collect_deviations(deviations);
	/* the body was spooled (route_spooled): the reader streams it from
	 * its file, named as the request names it */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", http_body_fd(q));
	rc = bank_statements_import_named(&f, c, path, im->name);
	bank_statements_collect_deviations(NULL);
	if (rc < 0)
		json_decref(deviations);
	if (rc == ERR_LIMIT)
		return err_recode(ERR_INVALID, EC_INVALID_FIELD);
	if (rc < 0)
		return rc;
	list = json_array();
	for (size_t i = 0; list && rc == 0 && i < f->n; i++) {
		const struct bank_statements_result *r = &f->stmts[i];
		char credits[MONEY_STR_MAX], debits[MONEY_STR_MAX],
			object[2 * LIMIT_CAMT_FIELD_BYTES];

		money_format(credits, r->credits_minor, r->currency);
		money_format(debits, r->debits_minor, r->currency);
		if (json_array_append_new(
			    list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I}",
					    "file", im->name, "id", r->id, "account", r->account,
					    "currency", r->currency, "entries",
					    (json_int_t)r->entries, "credits", credits, "debits",
					    debits, "new", (json_int_t)r->new_lines, "duplicates",
					    (json_int_t)r->duplicates, "collisions",
					    (json_int_t)r->collisions, "review",
					    (json_int_t)r->review)) < 0)
			rc = err_set(ERR_INTERNAL, "out of memory");
		new_lines += r->new_lines;
		dups += r->duplicates;
		snprintf(object, sizeof(object), "%s %s", r->account, r->id);
		if (rc == 0)
			rc = ledger_audit(c, who, "statement.import", object);
	}
	if (rc == 0 && list)
		*out = json_pack("{s:O, s:s, s:s?, s:I, s:I, s:I, s:I, s:o}", "statements", list,
				   "format", bank_format_name(f->summary.format), "version",
				   bank_camt_version_name(f->summary.version), "lines",
				   (json_int_t)f->summary.lines, "new", (json_int_t)new_lines,
				   "duplicates", (json_int_t)dups, "warnings",
				   (json_int_t)f->summary.warnings, "deviations", deviations);
	else if (rc == 0)
		json_decref(deviations);
	if (rc == 0 && !*out)
		rc = err_set(ERR_INTERNAL, "out of memory");
	*status = new_lines > 0 ? 201 : 200;
	json_decref(list);
	bank_statements_file_free(f);
	return rc;
}

/* POST /v1/bank-statements[?file=NAME] (application/xml: camt.053/052/054;
 * text/plain: MT940): as `tfledger bank-statements import`, one document,
 * all or nothing, each line stored once. bank_read tells the format from
 * the content. NAME (default "body") names the document in messages
 * ("NAME:43: Ntry/Amt: ..."), in the answer and in the stored statement;
 * the deviations tolerated are answered in "deviations". */
enum MHD_Result route_statements_import(struct req *q, const char *const *args)
{
	static const char *const types[] = {"application/xml", "text/xml", "text/plain", NULL};
	struct import im = {q, NULL};
	enum MHD_Result sent;
	int rc;

	(void)args;
	if (!(im.name = http_document_name(q, BODY_NAME, &sent)))
		return sent;
	if (http_content_type(q, types, &sent))
		return sent;
	if (http_body_len(q) == 0)
		return http_send_error(q, EC_INVALID_FIELD,
				       "body: a camt.05x or MT940 document is required");
	/* outside http_write's transaction: the pooled connection's first
	 * import makes its temporary tables */
	rc = bank_statements_prepare(http_db(q));
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_write(q, statements_op, &im);
}

static int link_op(json_t **out, unsigned *status, PGconn *c, const struct ledger_actor *who,
		   void *ctx)
{
	bool created = false;
	int rc = bank_reconcile_link(out, &created, c, ctx, who);

	*status = created ? 201 : 200;
	return rc;
}

/* POST /v1/bank-accounts/links {"iban","account"}: 201 linked, 200 linked
 * before to the same account. */
enum MHD_Result route_link_add(struct req *q, const char *const *args)
{
	enum MHD_Result sent;
	json_t *body = NULL;

	(void)args;
	if (route_parse_body(&body, q, &sent, NULL))
		return sent;
	sent = http_write(q, link_op, body);
	json_decref(body);
	return sent;
}

enum MHD_Result route_links_list(struct req *q, const char *const *args)
{
	(void)args;
	return http_list(q, bank_reconcile_links_list, "links");
}

/* bank_account, statement_account (else the only one in its currency),
 * tolerance, as_of (of the statement; else its last closing); from the
 * JSON body or the query. */
struct rec_args {
	const char *bank, *stmt, *tolerance, *as_of;
};

/* Adds the reconciliation statement to out as "statement": null when no
 * statement of the account has a closing balance by as_of. */
static int with_statement(json_t *out, PGconn *c, const struct rec_args *a, const char *stmt)
{
	json_t *st = NULL;
	int rc = bank_reconcile_statement(&st, c, a->bank, stmt, a->as_of);

	if (rc == ERR_NOTFOUND) {
		err_clear();
		rc = 0;
	}
	if (rc == 0)
		json_object_set_new(out, "statement", st ? st : json_null());
	return rc;
}

static int reconcile_op(json_t **out, unsigned *status, PGconn *c,
			const struct ledger_actor *who, void *ctx)
{
	const struct rec_args *a = ctx;
	char stmt[LIMIT_CAMT_FIELD_BYTES];
	char object[LEDGER_CODE_BYTES + LIMIT_CAMT_FIELD_BYTES + 2];
	int rc = 0;

	if (!a->stmt)
		rc = bank_reconcile_statement_account(stmt, c, a->bank);
	else
		snprintf(stmt, sizeof(stmt), "%s", a->stmt);
	if (rc == 0)
		rc = bank_reconcile(out, c, a->bank, stmt, a->tolerance, who);
	if (rc == 0)
		rc = with_statement(*out, c, a, stmt);
	snprintf(object, sizeof(object), "%s %s", a->bank, stmt);
	if (rc == 0)
		rc = ledger_audit(c, who, "reconcile", object);
	*status = 200;
	return rc;
}

/* The fields of a reconciliation, checked; 0, or 1 with 400 sent. */
static int rec_fields(struct req *q, const struct rec_args *a, enum MHD_Result *sent)
{
	const char *bank = a->bank, *stmt = a->stmt, *tol = a->tolerance;

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
					      "as_of", NULL};
	struct rec_args a = {NULL, NULL, NULL, NULL};
	enum MHD_Result sent;
	json_t *body = NULL;

	(void)args;
	if (route_parse_body(&body, q, &sent, NULL))
		return sent;
	if (fund_body_only_fields(body, allowed) < 0 ||
	    fund_body_str(&a.bank, body, "bank_account", true) < 0 ||
	    fund_body_str(&a.stmt, body, "statement_account", false) < 0 ||
	    fund_body_str(&a.tolerance, body, "tolerance", false) < 0 ||
	    fund_body_str(&a.as_of, body, "as_of", false) < 0)
		sent = http_send_failure(q, ERR_INVALID);
	else if (!rec_fields(q, &a, &sent))
		sent = http_write(q, reconcile_op, &a);
	json_decref(body);
	return sent;
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
		rc = with_statement(p->out, c, &p->a, p->stmt);
	if (rc == 0)
		json_object_set_new(p->out, "posted", json_false());
	return rc;
}

/* GET /v1/reconcile: the state now, and what a run would post; writes
 * nothing (one snapshot: REPEATABLE READ). */
enum MHD_Result route_reconcile_state(struct req *q, const char *const *path_args)
{
	static const char *const args[] = {"bank_account", "statement_account", "tolerance",
					   "as_of", NULL};
	struct preview p = {{http_arg(q, "bank_account"), http_arg(q, "statement_account"),
			     http_arg(q, "tolerance"), http_arg(q, "as_of")}, "", NULL};
	enum MHD_Result sent;
	const char *bad;
	int rc;

	(void)path_args;
	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	if (rec_fields(q, &p.a, &sent))
		return sent;
	rc = db_tx(http_db(q), DB_REPEATABLE_READ, preview_tx, &p);
	if (rc < 0) {
		json_decref(p.out);
		return http_send_failure(q, rc);
	}
	return http_send_json(q, 200, p.out);
}


/* --- the reconciliation work queue (bank/queue.h) ------------------------------ */

typedef int (*queue_fn)(json_t **, PGconn *, json_t *, const struct ledger_actor *);

/* One write of the queue: fn with the body; status on success. */
struct queue_write {
	queue_fn fn;
	json_t *body;
	long long id; /* the sign-off of a reopen */
	unsigned status;
};

static int queue_op(json_t **out, unsigned *status, PGconn *c, const struct ledger_actor *who,
		    void *ctx)
{
	struct queue_write *w = ctx;

	*status = w->status;
	if (!w->fn)
		return bank_queue_reopen(out, c, w->id, w->body, who);
	return w->fn(out, c, w->body, who);
}

/* Parses the JSON body and runs w through http_write. */
static enum MHD_Result queue_write_run(struct req *q, struct queue_write *w)
{
	enum MHD_Result sent;

	if (route_parse_body(&w->body, q, &sent, NULL))
		return sent;
	sent = http_write(q, queue_op, w);
	json_decref(w->body);
	return sent;
}

/* GET /v1/reconcile/queue?bank_account=&statement_account=&tolerance=&after=&limit=:
 * the lines to explain with their candidates, one page (one snapshot). */
enum MHD_Result route_queue_list(struct req *q, const char *const *path_args)
{
	static const char *const args[] = {"bank_account", "statement_account", "tolerance",
					   "after", "limit", NULL};
	json_t *body = json_object(), *out = NULL;
	const char *bad;
	int rc = 0;

	(void)path_args;
	if (!body)
		return http_send_failure(q, err_set(ERR_INTERNAL, "out of memory"));
	if ((bad = http_unknown_arg(q, args))) {
		json_decref(body);
		return http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
	}
	for (int i = 0; rc == 0 && args[i]; i++) {
		const char *v = http_arg(q, args[i]);
		bool number = i >= 3;
		char *end = NULL;
		long long n;

		if (!v)
			continue;
		if (!number) {
			json_object_set_new(body, args[i], json_string(v));
			continue;
		}
		/* a count or an id: digits, as the body's JSON integer would be */
		n = *v >= '0' && *v <= '9' && strlen(v) <= 18 ? strtoll(v, &end, 10) : 0;
		if (n < 1 || *end)
			rc = err_set(ERR_INVALID, "%s: expected a positive integer", args[i]);
		else
			json_object_set_new(body, args[i], json_integer(n));
	}
	if (rc == 0)
		rc = bank_queue_list(&out, http_db(q), body);
	json_decref(body);
	if (rc < 0)
		return http_send_failure(q, rc);
	return http_send_json(q, 200, out);
}

/* POST /v1/reconcile/confirm {"bank_line","candidate","bank_account"?,"tolerance"?} */
enum MHD_Result route_queue_confirm(struct req *q, const char *const *args)
{
	struct queue_write w = {.fn = bank_queue_confirm, .status = 200};

	(void)args;
	return queue_write_run(q, &w);
}

/* POST /v1/reconcile/reject {"bank_line","candidate","bank_account"?,"tolerance"?} */
enum MHD_Result route_queue_reject(struct req *q, const char *const *args)
{
	struct queue_write w = {.fn = bank_queue_reject, .status = 200};

	(void)args;
	return queue_write_run(q, &w);
}

/* POST /v1/reconcile/unmatch {"bank_line"} */
enum MHD_Result route_queue_unmatch(struct req *q, const char *const *args)
{
	struct queue_write w = {.fn = bank_queue_unmatch, .status = 200};

	(void)args;
	return queue_write_run(q, &w);
}

/* POST /v1/reconcile/record {"bank_line","kind",...}: 201, the entry posted. */
enum MHD_Result route_queue_record(struct req *q, const char *const *args)
{
	struct queue_write w = {.fn = bank_queue_record, .status = 201};

	(void)args;
	return queue_write_run(q, &w);
}

/* POST /v1/reconcile/signoffs {"bank_account","statement_account"?,"period_end"}: 201. */
enum MHD_Result route_signoff_add(struct req *q, const char *const *args)
{
	struct queue_write w = {.fn = bank_queue_signoff, .status = 201};

	(void)args;
	return queue_write_run(q, &w);
}

enum MHD_Result route_signoffs_list(struct req *q, const char *const *args)
{
	(void)args;
	return http_list(q, bank_queue_signoffs_list, "signoffs");
}

/* POST /v1/reconcile/signoffs/{id}/reopen {"reason"} (admin, the table says). */
enum MHD_Result route_signoff_reopen(struct req *q, const char *const *args)
{
	struct queue_write w = {.fn = NULL, .status = 200};
	const char *id_s = args[0];
	char *end;

	w.id = strtoll(id_s, &end, 10);
	if (*id_s < '0' || *id_s > '9' || *end || w.id < 1)
		return http_send_error(q, EC_NOT_FOUND, "signoff: no sign-off %s", id_s);
	return queue_write_run(q, &w);
}
