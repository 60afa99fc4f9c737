/*
 * server.c - the HTTP API of tfledgerd (see server.h and docs/openapi.yaml).
 *
 * One thread per connection (libmicrohttpd), at most LIMIT_HTTP_CONNECTIONS.
 * A request reads its body (413 beyond LIMIT_HTTP_BODY_BYTES), takes a
 * pooled database connection, authenticates the bearer token, checks the
 * role, replays an Idempotency-Key it has seen, validates its input strictly
 * and, for appends to the journal, hands the entries to the writer
 * (writer.c) and waits for their commit. Every answer carries X-Request-Id;
 * every error is {"error":{"code","message"}} with the contract's codes.
 * Nothing is stored unless the whole request succeeds.
 */
#include "ledger/server.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/db.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/money.h"
#include "ledger/body.h"
#include "ledger/fund.h"
#include "ledger/http.h"
#include "ledger/ledger.h"
#include "ledger/metrics.h"
#include "ledger/reconcile.h"
#include "ledger/statements.h"
#include "ledger/travel.h"
#include "reports/report.h"

/* --- the connection pool ----------------------------------------------------- */

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	PGconn *conns[LIMIT_DB_POOL];
	unsigned gen[LIMIT_DB_POOL]; /* generation each connection was made in */
	bool busy[LIMIT_DB_POOL];
	unsigned generation;          /* bumped when the database was lost */
	const char *conninfo;
};

struct ledger_server {
	struct MHD_Daemon *d;
	struct ledger_writer *writer;
	struct pool pool;
	atomic_int inflight;
};

/* Prepares a new pooled connection for every module the routes call. */
static int setup(PGconn *c)
{
	int rc = ledger_store_setup(c);

	if (rc == 0)
		rc = ledger_fund_setup(c);
	if (rc == 0)
		rc = ledger_reconcile_setup(c);
	if (rc == 0)
		rc = ledger_statements_prepare(c);
	if (rc == 0)
		rc = ledger_travel_setup(c);
	if (rc == 0)
		rc = reports_setup(c);
	return rc;
}

static int pool_get(struct pool *p, int *slot)
{
	int i, rc = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		for (i = 0; i < LIMIT_DB_POOL && p->busy[i]; i++)
			;
		if (i < LIMIT_DB_POOL)
			break;
		pthread_cond_wait(&p->cv, &p->mu);
	}
	p->busy[i] = true;
	if (p->conns[i] && p->gen[i] != p->generation) {
		PQfinish(p->conns[i]);
		p->conns[i] = NULL;
	}
	p->gen[i] = p->generation;
	pthread_mutex_unlock(&p->mu);
	*slot = i;
	if (!p->conns[i]) {
		rc = db_connect(&p->conns[i], p->conninfo);
		if (rc == 0)
			rc = setup(p->conns[i]);
		if (rc < 0 && p->conns[i]) {
			PQfinish(p->conns[i]);
			p->conns[i] = NULL;
		}
		if (rc < 0) {
			pthread_mutex_lock(&p->mu);
			p->busy[i] = false;
			pthread_cond_signal(&p->cv);
			pthread_mutex_unlock(&p->mu);
			*slot = -1;
			ledger_metrics_db_error();
			return err_set(ERR_UNAVAILABLE, "the database is unavailable: %s",
				       err_last());
		}
	}
	return 0;
}

static void pool_put(struct pool *p, int slot, bool lost)
{
	if (slot < 0)
		return;
	pthread_mutex_lock(&p->mu);
	if (lost || PQstatus(p->conns[slot]) != CONNECTION_OK ||
	    PQtransactionStatus(p->conns[slot]) != PQTRANS_IDLE) {
		PQfinish(p->conns[slot]);
		p->conns[slot] = NULL;
		if (lost)
			p->generation++; /* the others are probably dead too */
	}
	p->busy[slot] = false;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* --- requests ------------------------------------------------------------------- */

struct req {
	struct ledger_server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	char *body;
	size_t len, cap;
	size_t body_max; /* LIMIT_HTTP_BODY_BYTES, or the route's own limit */
	bool too_large;
	char id[65];
	struct timespec t0;
	const char *route;
	struct ledger_token tok;
	int slot;
	PGconn *c;
	bool db_lost;
	const char *idem_key;
	char request_sha[HASH_HEX_BYTES];
};

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Queues r (destroyed here) with the headers, metrics and log every answer has. */
static enum MHD_Result send_response(struct req *q, unsigned status, const char *ctype,
				     struct MHD_Response *r)
{
	enum MHD_Result ret;
	char st[8];
	double s = since(&q->t0);

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "X-Request-Id", q->id);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE) {
		char ra[16];

		snprintf(ra, sizeof(ra), "%d", LIMIT_RETRY_AFTER_S);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	ret = MHD_queue_response(q->conn, status, r);
	MHD_destroy_response(r);
	ledger_metrics_request(q->route, status, s);
	snprintf(st, sizeof(st), "%u", status);
	{
		char ms[32];

		snprintf(ms, sizeof(ms), "%.3f", s * 1000);
		log_write(status >= 500 ? LOG_WARN : LOG_DEBUG, "request", "request_id", q->id,
			  "method", q->method, "path", q->url, "route", q->route,
			  "status", st, "ms", ms, NULL);
	}
	return ret;
}

static enum MHD_Result send_text(struct req *q, unsigned status, const char *ctype,
				 const char *body)
{
	return send_response(q, status, ctype,
			     MHD_create_response_from_buffer(strlen(body), (void *)body,
							     MHD_RESPMEM_MUST_COPY));
}

enum MHD_Result http_send_fd(struct req *q, unsigned status, const char *ctype, int fd,
			     uint64_t size)
{
	struct MHD_Response *r = MHD_create_response_from_fd64(size, fd);

	if (!r)
		close(fd);
	return send_response(q, status, ctype, r);
}

enum MHD_Result http_send_json(struct req *q, unsigned status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	enum MHD_Result ret;

	json_decref(body);
	if (!text)
		return send_text(q, 500, "application/json",
				 "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
	ret = send_text(q, status, "application/json", text);
	free(text);
	return ret;
}

static unsigned status_for(const char *code)
{
	static const struct {
		const char *code;
		unsigned status;
	} map[] = {
		{"invalid-json", 400}, {"invalid-field", 400}, {"unauthenticated", 401},
		{"forbidden", 403}, {"not-found", 404}, {"conflict", 409},
		{"too-large", 413}, {"unbalanced-entry", 422}, {"unknown-account", 422},
		{"currency-mismatch", 422}, {"period-closed", 422},
		{"already-reversed", 422}, {"over-payment", 422}, {"missing-rate", 422},
		{"unavailable", 503},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].code, code) == 0)
			return map[i].status;
	return 500;
}

enum MHD_Result http_send_error(struct req *q, const char *code, const char *fmt, ...)
{
	char msg[LIMIT_ERR_BYTES];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return http_send_json(q, status_for(code),
			      json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
}

/* The error for a failed operation: its contract code, else one from rc. */
enum MHD_Result http_send_failure(struct req *q, int rc, const char *code)
{
	if (rc == ERR_UNAVAILABLE) {
		q->db_lost = true;
		code = "unavailable";
	}
	if (!code)
		code = rc == ERR_NOTFOUND ? "not-found"
		       : rc == ERR_CONFLICT ? "conflict"
		       : rc == ERR_INVALID ? "invalid-field"
		       : rc == ERR_LIMIT ? "too-large"
		       : "internal";
	if (strcmp(code, "internal") == 0)
		log_error("internal error", "request_id", q->id, "error", err_last(), NULL);
	return http_send_error(q, code, "%s", err_last());
}

static int need_db(struct req *q)
{
	int rc;

	if (q->c)
		return 0;
	rc = pool_get(&q->srv->pool, &q->slot);
	if (rc == 0)
		q->c = q->srv->pool.conns[q->slot];
	return rc;
}

static void release_db(struct req *q)
{
	if (!q->c && q->slot < 0)
		return;
	pool_put(&q->srv->pool, q->slot, q->db_lost);
	q->c = NULL;
	q->slot = -1;
}

/* --- input --------------------------------------------------------------------------- */

/* Parses the body as one JSON object into *out; on failure sends 400. */
int http_parse_body(json_t **out, struct req *q, enum MHD_Result *sent)
{
	json_error_t jerr;

	*out = json_loadb(q->body ? q->body : "", q->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*out && json_error_code(&jerr) == json_error_invalid_utf8) {
		/* jansson names the byte; name the field that holds it. */
		char path[256];

		ledger_body_path_at(path, sizeof(path), q->body ? q->body : "", q->len,
				    jerr.position < 0 ? 0 : (size_t)jerr.position);
		*sent = http_send_error(q, "invalid-json", "%s: invalid UTF-8 (byte %d of the body)",
					path[0] ? path : "body", jerr.position);
		return -1;
	}
	if (!*out) {
		*sent = http_send_error(q, "invalid-json", "body: %s (at byte %d)", jerr.text,
					jerr.position);
		return -1;
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		*sent = http_send_error(q, "invalid-json", "body: must be a JSON object");
		return -1;
	}
	return 0;
}

struct args_check {
	const char *const *allowed;
	const char *bad;
};

static enum MHD_Result arg_iter(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct args_check *a = cls;

	(void)kind;
	(void)value;
	for (size_t i = 0; a->allowed[i]; i++)
		if (strcmp(key, a->allowed[i]) == 0)
			return MHD_YES;
	a->bad = key;
	return MHD_NO;
}

/* NULL if every query parameter is allowed, else the first that is not. */
const char *http_unknown_arg(struct req *q, const char *const *allowed)
{
	struct args_check a = {allowed, NULL};

	MHD_get_connection_values(q->conn, MHD_GET_ARGUMENT_KIND, arg_iter, &a);
	return a.bad;
}

const char *http_arg(struct req *q, const char *key)
{
	return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *const http_no_args[] = {NULL};

size_t http_body_len(const struct req *q)
{
	return q->len;
}

PGconn *http_db(const struct req *q)
{
	return q->c;
}

struct ledger_actor http_actor(const struct req *q)
{
	return (struct ledger_actor){q->tok.id, q->tok.name, q->tok.role, q->id};
}

void http_route(struct req *q, const char *route)
{
	q->route = route;
}

/* --- authentication, roles, idempotency --------------------------------------- */

enum access { READ, WRITE };

/* The journal: everyone reads it, finance (and admin) writes it. */
static const char *const ledger_readers[] = {"admin", "finance", "auditor", "secretariat", NULL};
static const char *const ledger_writers[] = {"admin", "finance", NULL};

static int authorise(struct req *q, enum access a, enum MHD_Result *sent)
{
	return http_authorise(q, a == WRITE ? ledger_writers : ledger_readers,
			      a == WRITE ? "write the ledger" : "read the ledger", sent);
}

int http_authorise(struct req *q, const char *const *roles, const char *what,
		   enum MHD_Result *sent)
{
	const char *h = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	size_t i;
	int rc;

	if (!h || strncmp(h, "Bearer ", 7) != 0) {
		*sent = http_send_error(q, "unauthenticated",
					"an Authorization: Bearer TOKEN header is required");
		return 1;
	}
	/*
	 * Asked of the database on every request, never answered from memory:
	 * a revoke must hold for every request that starts after it returned,
	 * and only a read made after the request started can know of it (a
	 * cache emptied by NOTIFY hears of the revoke some time later). One
	 * prepared primary-key lookup on the connection the request holds.
	 */
	rc = need_db(q);
	if (rc == 0)
		rc = ledger_token_check(&q->tok, q->c, h + 7);
	if (rc == ERR_NOTFOUND) {
		*sent = http_send_error(q, "unauthenticated", "unknown or revoked token");
		return 1;
	}
	if (rc < 0) {
		*sent = http_send_failure(q, rc, NULL);
		return 1;
	}
	for (i = 0; roles[i] && strcmp(roles[i], q->tok.role) != 0; i++)
		;
	if (!roles[i]) {
		*sent = http_send_error(q, "forbidden", "the role %s may not %s", q->tok.role, what);
		return 1;
	}
	return 0;
}

int http_no_idempotency(struct req *q, enum MHD_Result *sent)
{
	if (!MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "Idempotency-Key"))
		return 0;
	*sent = http_send_error(q, "invalid-field",
				"Idempotency-Key: not supported on this route yet; "
				"retrying it would write twice");
	return 1;
}

/* For writes: reads Idempotency-Key; replays a stored answer (1 = sent). */
static int idempotency(struct req *q, enum MHD_Result *sent)
{
	const char *key = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
						      "Idempotency-Key");
	char *material = NULL, stored[HASH_HEX_BYTES];
	char *response = NULL;
	bool found;
	int status, rc;
	size_t n;

	if (!key)
		return 0;
	n = strlen(key);
	if (n < 1 || n > LIMIT_IDEMPOTENCY_KEY_BYTES) {
		*sent = http_send_error(q, "invalid-field", "Idempotency-Key: 1-%d characters",
					LIMIT_IDEMPOTENCY_KEY_BYTES);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e) {
			*sent = http_send_error(q, "invalid-field",
						"Idempotency-Key: printable ASCII without spaces");
			return 1;
		}
	/* The request's identity: method, path and body. */
	material = malloc(strlen(q->method) + strlen(q->url) + q->len + 3);
	if (!material) {
		*sent = http_send_error(q, "internal", "out of memory");
		return 1;
	}
	n = (size_t)sprintf(material, "%s %s\n", q->method, q->url);
	if (q->len)
		memcpy(material + n, q->body, q->len);
	rc = hash_sha256_hex(q->request_sha, material, n + q->len);
	free(material);
	if (rc == 0)
		rc = ledger_idempotency_get(&found, stored, &status, &response, q->c, key);
	if (rc < 0) {
		*sent = http_send_failure(q, rc, NULL);
		return 1;
	}
	q->idem_key = key;
	if (!found)
		return 0;
	if (hash_equal_ct(stored, q->request_sha, 64))
		*sent = send_text(q, (unsigned)status, "application/json", response);
	else
		*sent = http_send_error(q, "conflict",
					"Idempotency-Key '%s' was used with another request", key);
	free(response);
	return 1;
}

/* After the writer said the key was taken meanwhile: replay or 409. */
static enum MHD_Result replay_after_race(struct req *q)
{
	enum MHD_Result sent;
	int rc = need_db(q);

	if (rc < 0)
		return http_send_failure(q, rc, NULL);
	if (idempotency(q, &sent))
		return sent;
	return http_send_error(q, "conflict", "Idempotency-Key was used concurrently");
}

int http_idempotency(struct req *q, enum MHD_Result *sent)
{
	return idempotency(q, sent);
}

const char *http_idem_key(const struct req *q)
{
	return q->idem_key;
}

const char *http_request_sha(const struct req *q)
{
	return q->request_sha;
}

enum MHD_Result http_replay_after_race(struct req *q)
{
	return replay_after_race(q);
}

enum MHD_Result http_send_stored(struct req *q, unsigned status, const char *json_text)
{
	return send_text(q, status, "application/json", json_text);
}

const char *http_header(struct req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, name);
}

const char *http_body(const struct req *q)
{
	return q->body ? q->body : "";
}

/* --- routes --------------------------------------------------------------------------- */

static enum MHD_Result account_create(struct req *q)
{
	static const char *const fields[] = {"code", "name", "type", "currency", NULL};
	static const char *const types[] = {"asset", "liability", "net_assets",
					    "revenue", "expense", "memo", NULL};
	struct ledger_account a = {0};
	struct ledger_actor who = {q->tok.id, q->tok.name, q->tok.role, q->id};
	enum MHD_Result sent;
	json_t *body = NULL, *out = NULL;
	const char *v[4];
	char *response = NULL;
	int rc;

	if (authorise(q, WRITE, &sent) || idempotency(q, &sent) || http_parse_body(&body, q, &sent))
		return sent;
	{
		const char *k;
		json_t *val;

		json_object_foreach(body, k, val) {
			size_t i;

			(void)val;
			for (i = 0; fields[i] && strcmp(fields[i], k) != 0; i++)
				;
			if (!fields[i]) {
				sent = http_send_error(q, "invalid-field", "%s: unknown field", k);
				goto cleanup;
			}
		}
	}
	for (int i = 0; i < 4; i++) {
		json_t *f = json_object_get(body, fields[i]);

		if (!json_is_string(f)) {
			sent = http_send_error(q, "invalid-field", "%s: %s", fields[i],
					       f ? "must be a string" : "required field is missing");
			goto cleanup;
		}
		v[i] = json_string_value(f);
	}
	if (!ledger_code_valid(v[0])) {
		sent = http_send_error(q, "invalid-field",
				       "code: 1-32 letters, digits, '.', '_' or '-', starting with a letter or digit");
		goto cleanup;
	}
	if (strlen(v[1]) < 1 || strlen(v[1]) > 200) {
		sent = http_send_error(q, "invalid-field", "name: 1-200 bytes");
		goto cleanup;
	}
	{
		size_t i;

		for (i = 0; types[i] && strcmp(types[i], v[2]) != 0; i++)
			;
		if (!types[i]) {
			sent = http_send_error(q, "invalid-field",
					       "type: asset, liability, net_assets, revenue, expense or memo");
			goto cleanup;
		}
	}
	if (!money_currency_valid(v[3])) {
		sent = http_send_error(q, "invalid-field", "currency: not an ISO 4217 currency code");
		goto cleanup;
	}
	snprintf(a.code, sizeof(a.code), "%s", v[0]);
	snprintf(a.name, sizeof(a.name), "%s", v[1]);
	snprintf(a.type, sizeof(a.type), "%s", v[2]);
	snprintf(a.currency, sizeof(a.currency), "%s", v[3]);
	a.normal_debit = strcmp(a.type, "asset") == 0 || strcmp(a.type, "expense") == 0 ||
			 strcmp(a.type, "memo") == 0;
	out = ledger_account_json(&a, 0);
	response = out ? json_dumps(out, JSON_COMPACT) : NULL;
	if (!response) {
		sent = http_send_error(q, "internal", "out of memory");
		goto cleanup;
	}
	rc = ledger_account_create(q->c, &a, &who, q->idem_key, q->request_sha, response);
	if (rc == ERR_CONFLICT && q->idem_key && strstr(err_last(), "idempotency"))
		sent = replay_after_race(q);
	else if (rc < 0)
		sent = http_send_failure(q, rc, NULL);
	else
		sent = send_text(q, 201, "application/json", response);
cleanup:
	free(response);
	json_decref(out);
	json_decref(body);
	return sent;
}

static enum MHD_Result account_get(struct req *q, const char *code, bool balance_only)
{
	static const char *const bal_args[] = {"as_of", NULL};
	struct ledger_account a;
	enum MHD_Result sent;
	const char *as_of = NULL, *bad;
	int64_t bal;
	int rc;

	if (authorise(q, READ, &sent))
		return sent;
	if ((bad = http_unknown_arg(q, balance_only ? bal_args : http_no_args)))
		return http_send_error(q, "invalid-field", "%s: unknown query parameter", bad);
	if (balance_only) {
		as_of = http_arg(q, "as_of");
		if (as_of && !ledger_date_valid(as_of))
			return http_send_error(q, "invalid-field", "as_of: must be a date YYYY-MM-DD");
	}
	rc = ledger_account_balance(&a, &bal, q->c, code, as_of);
	if (rc < 0)
		return http_send_failure(q, rc, NULL);
	if (!balance_only)
		return http_send_json(q, 200, ledger_account_json(&a, bal));
	{
		char amount[MONEY_STR_MAX];

		money_format(amount, bal, a.currency);
		return http_send_json(q, 200, json_pack("{s:s, s:s, s:s, s:o}", "account", a.code,
						   "currency", a.currency, "balance", amount,
						   "as_of", as_of ? json_string(as_of) : json_null()));
	}
}

static enum MHD_Result accounts_list(struct req *q)
{
	enum MHD_Result sent;
	json_t *arr = NULL;
	const char *bad;
	int rc;

	if (authorise(q, READ, &sent))
		return sent;
	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, "invalid-field", "%s: unknown query parameter", bad);
	rc = ledger_accounts_list(&arr, q->c);
	if (rc < 0)
		return http_send_failure(q, rc, NULL);
	return http_send_json(q, 200, json_pack("{s:o}", "accounts", arr));
}

/* Stamps entries, checks them against the database, and appends them. */
static enum MHD_Result append(struct req *q, struct ledger_entry *e, size_t n, bool batch,
			      const char *action)
{
	struct ledger_submit s = {0};
	const char *code = NULL;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = ledger_entry_stamp(&e[i]);
		snprintf(e[i].token_id, sizeof(e[i].token_id), "%s", q->tok.id);
		if (rc == 0 && q->idem_key && !batch) {
			e[i].idempotency_key = strdup(q->idem_key);
			snprintf(e[i].request_sha256, sizeof(e[i].request_sha256), "%s",
				 q->request_sha);
			if (!e[i].idempotency_key)
				rc = err_set(ERR_INTERNAL, "out of memory");
		}
	}
	if (rc == 0)
		rc = ledger_entries_check(q->c, e, n, batch, &code);
	if (rc < 0)
		return http_send_failure(q, rc, code);
	release_db(q); /* do not hold a read connection while the writer works */
	s.entries = e;
	s.n = n;
	s.batch = batch;
	s.idempotency_key = q->idem_key;
	s.request_sha256 = q->request_sha;
	s.action = action;
	s.who = (struct ledger_actor){q->tok.id, q->tok.name, q->tok.role, q->id};
	rc = ledger_writer_submit(q->srv->writer, &s);
	if (rc == ERR_CONFLICT && q->idem_key)
		return replay_after_race(q);
	if (rc < 0)
		return http_send_failure(q, rc, s.code);
	{
		enum MHD_Result sent = send_text(q, 201, "application/json", s.response);

		free(s.response);
		return sent;
	}
}

static enum MHD_Result entry_post(struct req *q)
{
	struct ledger_entry e = {0};
	enum MHD_Result sent;
	const char *code = NULL;
	json_t *body = NULL;

	if (authorise(q, WRITE, &sent) || idempotency(q, &sent) || http_parse_body(&body, q, &sent))
		return sent;
	if (ledger_entry_parse(&e, body, "", &code) < 0)
		sent = http_send_failure(q, ERR_INVALID, code);
	else
		sent = append(q, &e, 1, false, "entry.post");
	ledger_entry_free(&e);
	json_decref(body);
	return sent;
}

static enum MHD_Result entry_batch(struct req *q)
{
	struct ledger_entry *e = NULL;
	enum MHD_Result sent;
	const char *code = NULL, *key;
	json_t *body = NULL, *arr, *v;
	size_t n = 0, parsed = 0;

	if (authorise(q, WRITE, &sent) || idempotency(q, &sent) || http_parse_body(&body, q, &sent))
		return sent;
	json_object_foreach(body, key, v) {
		if (strcmp(key, "entries") != 0) {
			sent = http_send_error(q, "invalid-field", "%s: unknown field", key);
			goto cleanup;
		}
	}
	arr = json_object_get(body, "entries");
	if (!json_is_array(arr)) {
		sent = http_send_error(q, "invalid-field", "entries: %s",
				       arr ? "must be an array" : "required field is missing");
		goto cleanup;
	}
	n = json_array_size(arr);
	if (n < 1 || n > LIMIT_BATCH_ENTRIES) {
		sent = http_send_error(q, "invalid-field", "entries: 1 to %d entries",
				       LIMIT_BATCH_ENTRIES);
		goto cleanup;
	}
	e = calloc(n, sizeof(*e));
	if (!e) {
		sent = http_send_error(q, "internal", "out of memory");
		goto cleanup;
	}
	for (parsed = 0; parsed < n; parsed++) {
		char where[48];

		snprintf(where, sizeof(where), "entries[%zu].", parsed);
		if (ledger_entry_parse(&e[parsed], json_array_get(arr, parsed), where, &code) < 0) {
			sent = http_send_failure(q, ERR_INVALID, code);
			goto cleanup;
		}
	}
	sent = append(q, e, n, true, "entry.batch");
cleanup:
	for (size_t i = 0; e && i < parsed; i++)
		ledger_entry_free(&e[i]);
	free(e);
	json_decref(body);
	return sent;
}

static enum MHD_Result entry_get(struct req *q, const char *id)
{
	struct ledger_entry e;
	enum MHD_Result sent;
	const char *bad;
	int rc;

	if (authorise(q, READ, &sent))
		return sent;
	if ((bad = http_unknown_arg(q, http_no_args)))
		return http_send_error(q, "invalid-field", "%s: unknown query parameter", bad);
	rc = ledger_entry_get(&e, q->c, id);
	if (rc < 0)
		return http_send_failure(q, rc, NULL);
	sent = http_send_json(q, 200, ledger_entry_json(&e));
	ledger_entry_free(&e);
	return sent;
}

static enum MHD_Result entries_list(struct req *q)
{
	static const char *const args[] = {"account", "from", "to", "after", "limit", NULL};
	const char *account = http_arg(q, "account"), *from = http_arg(q, "from");
	const char *to = http_arg(q, "to");
	const char *after_s = http_arg(q, "after"), *limit_s = http_arg(q, "limit"), *bad;
	enum MHD_Result sent;
	long long after = 0, limit = 100;
	json_t *out = NULL;
	char *end;
	int rc;

	if (authorise(q, READ, &sent))
		return sent;
	if ((bad = http_unknown_arg(q, args)))
		return http_send_error(q, "invalid-field", "%s: unknown query parameter", bad);
	if (account && !ledger_code_valid(account))
		return http_send_error(q, "invalid-field", "account: not an account code");
	if (from && !ledger_date_valid(from))
		return http_send_error(q, "invalid-field", "from: must be a date YYYY-MM-DD");
	if (to && !ledger_date_valid(to))
		return http_send_error(q, "invalid-field", "to: must be a date YYYY-MM-DD");
	if (after_s) {
		after = strtoll(after_s, &end, 10);
		if (!*after_s || *end || after < 0)
			return http_send_error(q, "invalid-field", "after: a cursor (integer >= 0)");
	}
	if (limit_s) {
		limit = strtoll(limit_s, &end, 10);
		if (!*limit_s || *end || limit < 1 || limit > LIMIT_LIST_ENTRIES)
			return http_send_error(q, "invalid-field", "limit: 1-%d", LIMIT_LIST_ENTRIES);
	}
	rc = ledger_entries_list(&out, q->c, account, from, to, after, (int)limit);
	if (rc < 0)
		return http_send_failure(q, rc, NULL);
	return http_send_json(q, 200, out);
}

static enum MHD_Result entry_reverse(struct req *q, const char *id)
{
	static const char *const fields[] = {"date", "memo", NULL};
	struct ledger_entry orig = {0}, rev = {0};
	enum MHD_Result sent;
	json_t *body = NULL, *v;
	const char *key, *date, *memo;
	char defmemo[64];
	int rc;

	if (authorise(q, WRITE, &sent) || idempotency(q, &sent) || http_parse_body(&body, q, &sent))
		return sent;
	json_object_foreach(body, key, v) {
		size_t i;

		for (i = 0; fields[i] && strcmp(fields[i], key) != 0; i++)
			;
		if (!fields[i]) {
			sent = http_send_error(q, "invalid-field", "%s: unknown field", key);
			goto cleanup;
		}
		if (!json_is_string(v)) {
			sent = http_send_error(q, "invalid-field", "%s: must be a string", key);
			goto cleanup;
		}
	}
	date = json_string_value(json_object_get(body, "date"));
	if (!date || !ledger_date_valid(date)) {
		sent = http_send_error(q, "invalid-field", "date: %s",
				       date ? "must be a date YYYY-MM-DD (1900-9999)"
				       : "required field is missing");
		goto cleanup;
	}
	memo = json_string_value(json_object_get(body, "memo"));
	if (memo && strlen(memo) > LIMIT_MEMO_BYTES) {
		sent = http_send_error(q, "invalid-field", "memo: longer than %d bytes",
				       LIMIT_MEMO_BYTES);
		goto cleanup;
	}
	rc = ledger_entry_get(&orig, q->c, id);
	if (rc < 0) {
		sent = http_send_failure(q, rc, NULL);
		goto cleanup;
	}
	if (orig.reversed_by[0]) {
		sent = http_send_error(q, "already-reversed", "entry %s was reversed by %s", id,
				       orig.reversed_by);
		goto cleanup;
	}
	snprintf(defmemo, sizeof(defmemo), "Reversal of %s", orig.id);
	rev.memo = strdup(memo ? memo : defmemo);
	rev.reference = strdup(orig.reference);
	rev.postings = calloc(orig.n_postings, sizeof(*rev.postings));
	if (!rev.memo || !rev.reference || !rev.postings) {
		sent = http_send_error(q, "internal", "out of memory");
		goto cleanup;
	}
	memcpy(rev.date, date, 11);
	memcpy(rev.reverses, orig.id, sizeof(rev.reverses));
	rev.n_postings = orig.n_postings;
	for (size_t i = 0; i < orig.n_postings; i++) {
		rev.postings[i] = orig.postings[i];
		rev.postings[i].debit = !orig.postings[i].debit;
	}
	sent = append(q, &rev, 1, false, "entry.reverse");
cleanup:
	ledger_entry_free(&orig);
	ledger_entry_free(&rev);
	json_decref(body);
	return sent;
}

static bool month_valid(const char *s)
{
	char d[11];

	if (strlen(s) != 7)
		return false;
	snprintf(d, sizeof(d), "%s-01", s);
	return ledger_date_valid(d);
}

static enum MHD_Result period_close(struct req *q, const char *month)
{
	struct ledger_actor who = {q->tok.id, q->tok.name, q->tok.role, q->id};
	enum MHD_Result sent;
	json_t *body = NULL, *out;
	char *response = NULL;
	int rc;

	if (authorise(q, WRITE, &sent) || idempotency(q, &sent))
		return sent;
	if (q->len) {
		if (http_parse_body(&body, q, &sent))
			return sent;
		if (json_object_size(body)) {
			sent = http_send_error(q, "invalid-field", "%s: unknown field",
					       json_object_iter_key(json_object_iter(body)));
			json_decref(body);
			return sent;
		}
		json_decref(body);
	}
	if (!month_valid(month))
		return http_send_error(q, "invalid-field", "period: must be YYYY-MM");
	out = json_pack("{s:s, s:s}", "period", month, "status", "closed");
	response = out ? json_dumps(out, JSON_COMPACT) : NULL;
	json_decref(out);
	if (!response)
		return http_send_error(q, "internal", "out of memory");
	rc = ledger_period_close(q->c, month, &who, q->idem_key, q->request_sha, response);
	sent = rc < 0 ? http_send_failure(q, rc, NULL) : send_text(q, 201, "application/json", response);
	free(response);
	return sent;
}

static enum MHD_Result journal_verify(struct req *q)
{
	struct ledger_verify_result v;
	enum MHD_Result sent;
	json_t *out;
	int rc;

	if (authorise(q, READ, &sent))
		return sent;
	rc = ledger_verify(&v, q->c);
	if (rc < 0)
		return http_send_failure(q, rc, NULL);
	out = json_pack("{s:b, s:I, s:s}", "ok", v.ok, "entries", (json_int_t)v.entries,
			"head", v.head);
	if (out && !v.ok) {
		json_object_set_new(out, "first_bad_sequence", json_integer(v.bad_sequence));
		json_object_set_new(out, "reason", json_string(v.why));
	}
	return http_send_json(q, 200, out);
}

static enum MHD_Result healthz(struct req *q)
{
	int rc;

	for (int attempt = 0; attempt < 2; attempt++) {
		rc = need_db(q);
		if (rc == 0)
			rc = db_exec_sql(q->c, "SELECT 1");
		if (rc == 0)
			return send_text(q, 200, "application/json", "{\"status\":\"ok\"}");
		/* A connection from before an outage: drop it and try a new one. */
		q->db_lost = true;
		release_db(q);
		q->db_lost = false;
	}
	return send_text(q, 503, "application/json", "{\"status\":\"unavailable\"}");
}

static enum MHD_Result metrics(struct req *q)
{
	char *text = ledger_metrics_render();
	enum MHD_Result sent;

	if (!text)
		return http_send_error(q, "internal", "out of memory");
	sent = send_text(q, 200, "text/plain; version=0.0.4", text);
	free(text);
	return sent;
}

/* Splits path into at most 6 segments after the leading '/'. */
static int split(char seg[6][128], const char *path)
{
	int n = 0;

	if (*path != '/')
		return -1;
	path++;
	while (*path) {
		const char *slash = strchr(path, '/');
		size_t len = slash ? (size_t)(slash - path) : strlen(path);

		if (n == 6 || len == 0 || len >= 128)
			return -1;
		memcpy(seg[n], path, len);
		seg[n][len] = '\0';
		n++;
		path += len;
		if (*path == '/')
			path++;
	}
	return n;
}

static enum MHD_Result dispatch(struct req *q)
{
	char s[6][128];
	int n = split(s, q->url);
	bool get = strcmp(q->method, "GET") == 0, post = strcmp(q->method, "POST") == 0;
	enum MHD_Result sent;

	if (q->too_large)
		return http_send_error(q, "too-large", "the request body exceeds %zu bytes",
				       q->body_max);
	if (n == 1 && strcmp(s[0], "healthz") == 0 && get)
		return q->route = "healthz", healthz(q);
	if (n == 1 && strcmp(s[0], "metrics") == 0 && get)
		return q->route = "metrics", metrics(q);
	if (n >= 2 && strcmp(s[0], "v1") == 0) {
		if (n == 2 && strcmp(s[1], "accounts") == 0 && post)
			return q->route = "account_create", account_create(q);
		if (n == 2 && strcmp(s[1], "accounts") == 0 && get)
			return q->route = "accounts_list", accounts_list(q);
		if (n == 3 && strcmp(s[1], "accounts") == 0 && get)
			return q->route = "account_get", account_get(q, s[2], false);
		if (n == 4 && strcmp(s[1], "accounts") == 0 && strcmp(s[3], "balance") == 0 && get)
			return q->route = "account_balance", account_get(q, s[2], true);
		if (n == 2 && strcmp(s[1], "entries") == 0 && post)
			return q->route = "entry_post", entry_post(q);
		if (n == 2 && strcmp(s[1], "entries") == 0 && get)
			return q->route = "entries_list", entries_list(q);
		if (n == 3 && strcmp(s[1], "entries") == 0 && strcmp(s[2], "batch") == 0 && post)
			return q->route = "entry_batch", entry_batch(q);
		if (n == 3 && strcmp(s[1], "entries") == 0 && get)
			return q->route = "entry_get", entry_get(q, s[2]);
		if (n == 4 && strcmp(s[1], "entries") == 0 && strcmp(s[3], "reverse") == 0 && post)
			return q->route = "entry_reverse", entry_reverse(q, s[2]);
		if (n == 4 && strcmp(s[1], "periods") == 0 && strcmp(s[3], "close") == 0 && post)
			return q->route = "period_close", period_close(q, s[2]);
		if (n == 3 && strcmp(s[1], "journal") == 0 && strcmp(s[2], "verify") == 0 && get)
			return q->route = "journal_verify", journal_verify(q);
		if (http_routes_fund(q, get, post, n, s, &sent) ||
		    http_routes_travel(q, get, post, n, s, &sent) ||
		    http_routes_reports(q, get, post, n, s, &sent))
			return sent;
	}
	return http_send_error(q, "not-found", "no route %s %s", q->method, q->url);
}

static void request_id(struct req *q)
{
	const char *given = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
							"X-Request-Id");
	size_t n = given ? strlen(given) : 0;
	bool ok = n >= 1 && n <= 64;

	for (size_t i = 0; ok && i < n; i++) {
		char c = given[i];

		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		     (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
	}
	if (ok)
		memcpy(q->id, given, n + 1);
	else if (ledger_random_hex(q->id, 16) < 0)
		snprintf(q->id, sizeof(q->id), "unknown");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size,
			      void **req_cls)
{
	struct ledger_server *srv = cls;
	struct req *q = *req_cls;
	enum MHD_Result ret;

	(void)version;
	if (!q) { /* headers only */
		const char *cl;

		q = calloc(1, sizeof(*q));
		if (!q)
			return MHD_NO;
		atomic_fetch_add(&srv->inflight, 1);
		*req_cls = q;
		q->srv = srv;
		q->conn = conn;
		q->method = method;
		q->url = url;
		q->slot = -1;
		q->route = "unknown";
		clock_gettime(CLOCK_MONOTONIC, &q->t0);
		request_id(q);
		q->body_max = http_routes_fund_body_max(method, url);
		if (!q->body_max)
			q->body_max = LIMIT_HTTP_BODY_BYTES;
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		/* Too large: the body is read and dropped, then 413 (answering
		 * before it is read makes clients see a reset, not the 413). */
		if (cl && strtoull(cl, NULL, 10) > q->body_max)
			q->too_large = true;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (q->too_large)
			return MHD_YES;
		if (q->len + n > q->body_max) {
			q->too_large = true;
			free(q->body);
			q->body = NULL;
			q->len = q->cap = 0;
			return MHD_YES;
		}
		if (q->len + n + 1 > q->cap) {
			size_t cap = q->cap ? q->cap : 4096;
			char *p;

			while (cap < q->len + n + 1)
				cap *= 2;
			if (cap > q->body_max + 1)
				cap = q->body_max + 1;
			p = realloc(q->body, cap);
			if (!p)
				return MHD_NO;
			q->body = p;
			q->cap = cap;
		}
		memcpy(q->body + q->len, upload_data, n);
		q->len += n;
		q->body[q->len] = '\0';
		return MHD_YES;
	}
	ret = dispatch(q);
	release_db(q);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *conn, void **req_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct ledger_server *srv = cls;
	struct req *q = *req_cls;

	(void)conn;
	(void)toe;
	if (!q)
		return;
	release_db(q);
	free(q->body);
	free(q);
	*req_cls = NULL;
	atomic_fetch_sub(&srv->inflight, 1);
}

int ledger_server_start(struct ledger_server **out, const char *conninfo,
			const struct sockaddr_in *addr)
{
	struct ledger_server *srv = calloc(1, sizeof(*srv));
	int rc;

	*out = NULL;
	if (!srv)
		return err_set(ERR_INTERNAL, "out of memory");
	pthread_mutex_init(&srv->pool.mu, NULL);
	pthread_cond_init(&srv->pool.cv, NULL);
	srv->pool.conninfo = conninfo;
	rc = ledger_writer_start(&srv->writer, conninfo);
	if (rc < 0) {
		free(srv);
		return rc;
	}
	srv->d = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
			MHD_USE_ERROR_LOG,
		0, NULL, NULL, handle, srv, MHD_OPTION_SOCK_ADDR, addr,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)LIMIT_HTTP_TIMEOUT_S,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)LIMIT_HTTP_CONNECTIONS,
		MHD_OPTION_NOTIFY_COMPLETED, completed, srv, MHD_OPTION_END);
	if (!srv->d) {
		ledger_writer_stop(srv->writer);
		free(srv);
		return err_set(ERR_SYSTEM, "cannot listen on the address given");
	}
	*out = srv;
	return 0;
}

void ledger_server_stop(struct ledger_server *srv)
{
	MHD_socket fd;

	if (!srv)
		return;
	fd = MHD_quiesce_daemon(srv->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	for (int i = 0; i < LIMIT_HTTP_DRAIN_S * 100 && atomic_load(&srv->inflight) > 0; i++)
		usleep(10000);
	MHD_stop_daemon(srv->d);
	ledger_writer_stop(srv->writer);
	for (int i = 0; i < LIMIT_DB_POOL; i++)
		PQfinish(srv->pool.conns[i]);
	pthread_cond_destroy(&srv->pool.cv);
	pthread_mutex_destroy(&srv->pool.mu);
	free(srv);
}
