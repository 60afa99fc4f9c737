/*
 * server.c - the HTTP API of tfledgerd (see server.h and docs/openapi.yaml).
 *
 * One thread per connection (libmicrohttpd), at most LIMIT_HTTP_CONNECTIONS,
 * LIMIT_HTTP_PER_ADDRESS of them from one client address; a watchdog cuts a
 * connection whose headers or whole request take too long (see "the
 * watchdog" below). A request finds its row of the route table (routes.c)
 * when its headers arrive and, from the headers alone, authenticates the
 * bearer token and checks the row's roles (a refused request's body is
 * read and dropped, never held, then 401/403 answered); then it reads its
 * body (413 beyond the row's limit), takes a pooled database connection,
 * replays an Idempotency-Key it has seen, and calls the row's
 * handler, which validates its input strictly and writes through
 * http_write (one transaction with the key's record) or, for appends to
 * the journal, hands the entries to the writer (writer.c, which stores the
 * key in their commit) and waits for their commit. Every answer carries X-Request-Id;
 * every error is {"error":{"code","message"}} with the contract's codes.
 * Nothing is stored unless the whole request succeeds.
 */
#include "daemon/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/date.h"
#include "common/db.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/money.h"
#include "fund/body.h"
#include "fund/fund.h"
#include "daemon/http.h"
#include "daemon/routes.h"
#include "daemon/session.h"
#include "daemon/throttle.h"
#include "daemon/tls.h"
#include "ledger/ledger.h"
#include "ledger/people.h"
#include "ledger/sessions.h"
#include "common/metrics.h"
#include "common/text.h"
#include "bank/queue.h"
#include "bank/reconcile.h"
#include "travel/privacy.h"
#include "travel/travel.h"
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

/* --- the watchdog: header and request time bounds ------------------------------ */

/*
 * libmicrohttpd bounds only idle time (MHD_OPTION_CONNECTION_TIMEOUT): a
 * client that sends a header line or a few body bytes every few seconds
 * is never idle and holds its connection and its thread for ever, and
 * LIMIT_HTTP_CONNECTIONS such clients stop the daemon. libmicrohttpd has
 * no bound on a request's total time, so each connection is tracked here
 * from MHD_OPTION_NOTIFY_CONNECTION's STARTED to its CLOSED, its clock
 * restarted when a request ends (completed), and one thread looks every
 * WATCH_TICK_MS and shuts down the socket of a connection still without a
 * request's full headers after header_s, or still in its request after
 * request_s. With one thread per connection, that connection's thread is
 * blocked in poll or recv on this socket: shutdown(2) wakes it with end of
 * file and it ends the connection as if the client had hung up
 * (completed() runs; a write not committed is not stored). Not close():
 * the descriptor stays libmicrohttpd's, which closes it after CLOSED, so
 * under the watchdog's lock a tracked descriptor is never another
 * connection's. An idle keep-alive connection waits for its next request's
 * headers, so it is closed after header_s too.
 */
#define WATCH_TICK_MS 250

struct watched {
	struct watched *prev, *next;
	int fd;
	char client[INET6_ADDRSTRLEN];
	struct timespec start; /* the connection's, or its last request's end */
	bool headers_done;     /* the current request's headers have arrived */
	bool cut;
};

struct watchdog {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, stop;
	struct watched *list;
	struct daemon_server_limits limits;
};

struct ledger_server {
	struct MHD_Daemon *d;
	struct ledger_writer *writer;
	struct pool pool;
	struct watchdog watch;
	atomic_int inflight;
};

const struct daemon_server_limits daemon_server_default_limits = {
	LIMIT_HTTP_PER_ADDRESS, LIMIT_HTTP_HEADER_S, LIMIT_HTTP_REQUEST_S};

static double since(const struct timespec *t0);

/* MHD_OPTION_NOTIFY_CONNECTION: tracks conn from its start to its close
 * (*socket_context is its struct watched; untracked if out of memory). */
static void notify_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			      enum MHD_ConnectionNotificationCode toe)
{
	struct watchdog *w = cls;
	struct watched *x = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

		if (!fd || !(x = calloc(1, sizeof(*x))))
			return;
		x->fd = fd->connect_fd;
		daemon_throttle_address(x->client, sizeof(x->client),
					ci ? ci->client_addr : NULL);
		clock_gettime(CLOCK_MONOTONIC, &x->start);
		pthread_mutex_lock(&w->mu);
		x->next = w->list;
		if (w->list)
			w->list->prev = x;
		w->list = x;
		pthread_mutex_unlock(&w->mu);
		*socket_context = x;
		return;
	}
	if (toe != MHD_CONNECTION_NOTIFY_CLOSED || !x)
		return;
	pthread_mutex_lock(&w->mu);
	if (x->prev)
		x->prev->next = x->next;
	else
		w->list = x->next;
	if (x->next)
		x->next->prev = x->prev;
	pthread_mutex_unlock(&w->mu);
	free(x);
	*socket_context = NULL;
}

/* The tracked state of conn's connection, or NULL. */
static struct watched *watched_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* Marks the state of conn's request: its headers arrived (true), or it
 * ended and the next request's clock starts (false). */
static void watch_mark(struct watchdog *w, struct MHD_Connection *conn, bool headers_done)
{
	struct watched *x = watched_of(conn);

	if (!x)
		return;
	pthread_mutex_lock(&w->mu);
	x->headers_done = headers_done;
	if (!headers_done)
		clock_gettime(CLOCK_MONOTONIC, &x->start);
	pthread_mutex_unlock(&w->mu);
}

/* The watchdog's thread: cuts connections past their bound until stopped. */
static void *watch_main(void *arg)
{
	struct watchdog *w = arg;

	pthread_setname_np(pthread_self(), "tfl-watchdog");
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		struct timespec until;

		for (struct watched *x = w->list; x; x = x->next) {
			unsigned bound = x->headers_done ? w->limits.request_s : w->limits.header_s;
			char s[16];

			if (x->cut || since(&x->start) < bound)
				continue;
			shutdown(x->fd, SHUT_RDWR);
			x->cut = true;
			snprintf(s, sizeof(s), "%u", bound);
			log_info(x->headers_done ? "connection cut: its request took too long"
						 : "connection cut: its headers took too long",
				 "client", x->client, "seconds", s, NULL);
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += WATCH_TICK_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&w->cv, &w->mu, &until);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static int watch_start(struct watchdog *w, const struct daemon_server_limits *limits)
{
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->limits = *limits;
	if (pthread_create(&w->thread, NULL, watch_main, w) != 0)
		return err_set(ERR_SYSTEM, "cannot start the connection watchdog");
	w->started = true;
	return 0;
}

/* Stops the thread (every connection is closed by now) and frees w's state. */
static void watch_stop(struct watchdog *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	while (w->list) {
		struct watched *x = w->list;

		w->list = x->next;
		free(x);
	}
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->started = false;
}

/* Prepares a new pooled connection for every module the routes call. */
static int setup(PGconn *c)
{
	/* named for pg_stat_activity and bench/ledger.sh's profile */
	int rc = db_exec_sql(c, "SET application_name = 'tfledgerd pool'");

	if (rc == 0)
		rc = ledger_store_setup(c);

	if (rc == 0)
		rc = fund_setup(c);
	if (rc == 0)
		rc = bank_reconcile_setup(c);
	if (rc == 0)
		rc = bank_queue_setup(c);
	if (rc == 0)
		rc = travel_setup(c);
	if (rc == 0)
		rc = travel_privacy_setup(c);
	if (rc == 0)
		rc = reports_setup(c);
	if (rc == 0)
		rc = ledger_sessions_setup(c);
	return rc;
}

/*
 * Takes a free slot (waiting for one) and makes its connection usable: one
 * made before the database was lost (an older generation) or found dead
 * (db_alive: its server crashed or a failover happened) is replaced by a
 * new one, tried with db_connect_retry's short bounded backoff, so that
 * requests reach a promoted standby without a restart. On failure the slot
 * is free again, *slot is -1 and ERR_UNAVAILABLE (503) is returned.
 */
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
	if (p->conns[i] && (p->gen[i] != p->generation || !db_alive(p->conns[i]))) {
		PQfinish(p->conns[i]);
		p->conns[i] = NULL;
	}
	p->gen[i] = p->generation;
	pthread_mutex_unlock(&p->mu);
	*slot = i;
	if (!p->conns[i]) {
		rc = db_connect_retry(&p->conns[i], p->conninfo);
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
			metrics_db_error();
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
	int spool; /* a spooled route's body: an unnamed temporary file (-1: none) */
	int spool_rc; /* why the body could not be spooled (0: it could) */
	struct hash_sha256 *spool_sha; /* of the Idempotency-Key's material, as it comes */
	size_t body_max; /* the route's limit (LIMIT_HTTP_BODY_BYTES if none) */
	const struct route *rt; /* NULL: no such route */
	char args[ROUTE_ARGS_MAX][128]; /* the path's {name} segments */
	bool too_large;
	const char *bad_framing; /* why the request's framing is refused (400), or NULL */
	char id[65];
	struct timespec t0;
	const char *route;
	struct ledger_token tok;
	unsigned roles;   /* the user's roles, ROLE_* bits (routes.h) */
	const char *role; /* the one the request acts in: audit.role */
	char csrf[HASH_HEX_BYTES]; /* the session's CSRF token; "": a token request */
	int slot;
	PGconn *c;
	bool db_lost;
	const char *idem_key;
	char request_sha[HASH_HEX_BYTES];
	bool authorised; /* the route's roles were checked from the headers */
	bool recalled;   /* ... with the token from memory (an append's) */
	bool hold;       /* send_response keeps the answer in held ... */
	struct MHD_Response *held; /* ... a refusal, sent once the body is dropped */
	unsigned held_status;
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
	if (ctype) /* NULL: an answer without a body (204) has no Content-Type */
		MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "X-Request-Id", q->id);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE) {
		char ra[16];

		snprintf(ra, sizeof(ra), "%d", LIMIT_RETRY_AFTER_S);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	if (q->hold) {
		q->held = r;
		q->held_status = status;
		ret = MHD_YES;
	} else {
		ret = MHD_queue_response(q->conn, status, r);
		MHD_destroy_response(r);
	}
	metrics_request(q->route, status, s);
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
	return http_send_fd_with(q, status, ctype, fd, size, NULL);
}

/* Adds headers ({name, value, ..., NULL}, may be NULL) to r (may be NULL). */
static struct MHD_Response *with_headers(struct MHD_Response *r, const char *const *headers)
{
	for (size_t i = 0; r && headers && headers[i] && headers[i + 1]; i += 2)
		MHD_add_response_header(r, headers[i], headers[i + 1]);
	return r;
}

enum MHD_Result http_send_fd_with(struct req *q, unsigned status, const char *ctype, int fd,
				  uint64_t size, const char *const *headers)
{
	struct MHD_Response *r = MHD_create_response_from_fd64(size, fd);

	if (!r)
		close(fd);
	return send_response(q, status, ctype, with_headers(r, headers));
}

enum MHD_Result http_send_bytes(struct req *q, unsigned status, const char *ctype,
				const char *body, size_t len, const char *const *headers)
{
	return send_response(q, status, ctype,
			     with_headers(MHD_create_response_from_buffer(
						  len, (void *)body, MHD_RESPMEM_MUST_COPY),
					  headers));
}

enum MHD_Result http_send_json(struct req *q, unsigned status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	enum MHD_Result ret;

	json_decref(body);
	if (!text)
		return send_text(
			q, 500, "application/json",
			"{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
	ret = send_text(q, status, "application/json", text);
	free(text);
	return ret;
}

enum MHD_Result http_send_error(struct req *q, enum err_code ec, const char *fmt, ...)
{
	char msg[LIMIT_ERR_BYTES], *shown = NULL;
	enum MHD_Result sent;
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) >= (int)sizeof(msg))
		msg[text_cut(msg, strlen(msg))] = '\0';
	va_end(ap);
	/* a message that quotes what a client sent (a path, a parameter) may
	 * hold bytes JSON cannot carry: shown as escapes, never a 500 */
	if (!text_ok(msg, strlen(msg)) && !(shown = text_shown(msg, strlen(msg))))
		snprintf(msg, sizeof(msg), "(the message held text that cannot be shown)");
	sent = http_send_json(q, err_code_status(ec),
			      json_pack("{s:{s:s, s:s}}", "error", "code", err_code_name(ec),
					"message", shown ? shown : msg));
	free(shown);
	return sent;
}

enum MHD_Result http_send_failure(struct req *q, int rc)
{
	enum err_code ec = err_code_of(rc);

	/* whatever the failure was called on its way up, a connection that
	 * broke meanwhile leaves the outcome unknown: 503 */
	if (q->c && PQstatus(q->c) != CONNECTION_OK)
		rc = ERR_UNAVAILABLE;
	if (rc == ERR_UNAVAILABLE) {
		q->db_lost = true;
		ec = EC_UNAVAILABLE;
	}
	if (ec == EC_UNAVAILABLE) {
		log_warn("database unavailable", "request_id", q->id, "error", err_last(), NULL);
		if (!q->rt || !q->rt->idempotent)
			return http_send_error(q, ec, "the database is unavailable or the connection"
						      " to it broke; retry later (request id %s)",
					       q->id);
		return http_send_error(q, ec, "the database is unavailable or the connection to it"
					      " broke; the outcome of the request is unknown: repeat"
					      " it with the same Idempotency-Key to settle it (request"
					      " id %s)", q->id);
	}
	if (err_code_status(ec) == 500) {
		log_error("internal error", "request_id", q->id, "error", err_last(), NULL);
		return http_send_error(q, ec, "an internal error (see the server log, request id"
					      " %s)", q->id);
	}
	return http_send_error(q, ec, "%s", err_last());
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

/*
 * The door for text in JSON bodies: every string and key of v (at path,
 * len bytes of path used, size in all) is text the ledger accepts
 * (common/text.h); else ERR_INVALID naming its JSON path,
 * "entries[3].memo: control character U+0001 not allowed (character 5)".
 */
static int check_strings(json_t *v, char *path, size_t len, size_t size)
{
	const char *key;
	json_t *x;
	size_t i;
	int rc = 0;

	if (json_is_string(v))
		return text_check(len ? path : "body", json_string_value(v), json_string_length(v));
	json_object_foreach(v, key, x) {
		int n = snprintf(path + len, size - len, "%s%s", len ? "." : "", key);
		size_t end = len + (size_t)n < size ? len + (size_t)n : size - 1;

		if ((rc = text_check(NULL, key, strlen(key))) < 0) {
			path[len] = '\0';
			return err_wrap(rc, "%s: a key", len ? path : "body");
		}
		if ((rc = check_strings(x, path, end, size)) < 0)
			return rc;
		path[len] = '\0';
	}
	json_array_foreach(v, i, x) {
		int n = snprintf(path + len, size - len, "[%zu]", i);
		size_t end = len + (size_t)n < size ? len + (size_t)n : size - 1;

		if ((rc = check_strings(x, path, end, size)) < 0)
			return rc;
		path[len] = '\0';
	}
	return 0;
}

/* Parses the body as one JSON object into *out; on failure sends 400. */
int http_parse_body(json_t **out, struct req *q, enum MHD_Result *sent)
{
	static const char *const json_type[] = {"application/json", NULL};
	json_error_t jerr;
	char path_buf[256] = "";

	*out = NULL;
	/* a body sent as anything but JSON is refused, not guessed at */
	if (q->len > 0 && http_content_type(q, json_type, sent))
		return -1;
	*out = json_loadb(q->body ? q->body : "", q->body ? q->len : 0, JSON_REJECT_DUPLICATES,
			  &jerr);
	if (!*out && json_error_code(&jerr) == json_error_invalid_utf8) {
		/* jansson names the byte; name the field that holds it. */
		char path[256];

		fund_body_path_at(path, sizeof(path), q->body ? q->body : "", q->len,
				  jerr.position < 0 ? 0 : (size_t)jerr.position);
		*sent = http_send_error(q, EC_INVALID_JSON,
					"%s: invalid UTF-8 (byte %d of the body)",
					path[0] ? path : "body", jerr.position);
		return -1;
	}
	if (!*out) {
		*sent = http_send_error(q, EC_INVALID_JSON, "body: %s (at byte %d)", jerr.text,
					jerr.position);
		return -1;
	}
	if (check_strings(*out, path_buf, 0, sizeof(path_buf)) < 0) {
		json_decref(*out);
		*out = NULL;
		*sent = http_send_error(q, EC_INVALID_FIELD, "%s", err_last());
		return -1;
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		*sent = http_send_error(q, EC_INVALID_JSON, "body: must be a JSON object");
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

const char *http_document_name(struct req *q, const char *fallback, enum MHD_Result *sent)
{
	static const char *const allowed[] = {"file", NULL};
	const char *name = http_arg(q, "file"), *bad = http_unknown_arg(q, allowed);
	json_t *probe;
	bool ok;

	if (bad) {
		*sent = http_send_error(q, EC_INVALID_FIELD, "%s: unknown query parameter", bad);
		return NULL;
	}
	if (!name)
		return fallback;
	ok = *name && strlen(name) < LIMIT_PATH_BYTES;
	for (const unsigned char *p = (const unsigned char *)name; ok && *p; p++)
		ok = *p >= 0x20 && *p != 0x7f;
	probe = ok ? json_string(name) : NULL; /* NULL unless valid UTF-8 */
	json_decref(probe);
	if (!probe) {
		*sent = http_send_error(q, EC_INVALID_FIELD,
					"file: 1-%d bytes of text without control characters",
					LIMIT_PATH_BYTES - 1);
		return NULL;
	}
	return name;
}

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
	return (struct ledger_actor){q->tok.id, q->tok.name, q->role, q->id, q->tok.user};
}

const struct ledger_token *http_token(const struct req *q)
{
	return &q->tok;
}

const char *http_session_csrf(const struct req *q)
{
	return q->csrf[0] ? q->csrf : NULL;
}

struct MHD_Connection *http_connection(const struct req *q)
{
	return q->conn;
}

int http_need_db(struct req *q)
{
	return need_db(q);
}

/* --- authentication, roles, idempotency --------------------------------------- */

/* The names of the ROLE_* bits in roles, "admin, finance" ("no role" if none). */
static void role_names(char *out, size_t size, unsigned roles)
{
	size_t n = 0;

	snprintf(out, size, "no role");
	for (unsigned bit = 1; bit && route_role_name(bit); bit <<= 1)
		if ((roles & bit) && n < size)
			n += (size_t)snprintf(out + n, size - n, "%s%s", n ? ", " : "",
					      route_role_name(bit));
}

/* The route roles (ROLE_* bits) of the roles t's user holds. */
static unsigned route_roles_of(const struct ledger_token *t)
{
	unsigned held = 0;

	for (size_t i = 0; i < LEDGER_ROLES; i++)
		if (t->roles & (1u << i))
			held |= route_role_of(ledger_role_names[i]);
	return held;
}

/* The role a request acts in (written in audit.role): the first of the
 * route's roles, in the order of enum role, that the user holds. */
static const char *acting_role(unsigned held)
{
	unsigned bit = 1;

	while (!(held & bit))
		bit <<= 1;
	return route_role_name(bit);
}

/* The address q's client connects from, or NULL if libmicrohttpd knows none. */
static const struct sockaddr *client_of(const struct req *q)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(q->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	return ci ? ci->client_addr : NULL;
}

const struct sockaddr *http_client(const struct req *q)
{
	return client_of(q);
}

/* Answers 429 too-many-requests with Retry-After: wait_s, and logs it. */
static enum MHD_Result send_throttled(struct req *q, const char *client, int wait_s)
{
	char ra[16], msg[128], *text;
	const char *headers[] = {"Retry-After", ra, NULL};
	json_t *body;
	enum MHD_Result sent;

	snprintf(ra, sizeof(ra), "%d", wait_s);
	snprintf(msg, sizeof(msg), "too many failed authentications from your address: "
				   "try again in %d s", wait_s);
	metrics_auth_throttled();
	log_info("authentication refused: too many failures", "request_id", q->id, "client",
		 client, "route", q->route, "retry_after", ra, NULL);
	body = json_pack("{s:{s:s, s:s}}", "error", "code", err_code_name(EC_TOO_MANY_REQUESTS),
			 "message", msg);
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text)
		return http_send_error(q, EC_INTERNAL, "out of memory");
	sent = http_send_bytes(q, err_code_status(EC_TOO_MANY_REQUESTS), "application/json",
			       text, strlen(text), headers);
	free(text);
	return sent;
}

/* Answers 401 for a failed authentication (why, in words), and logs and
 * counts it against the client's address; never the token. */
static enum MHD_Result unauthenticated(struct req *q, const char *client, const char *why)
{
	metrics_auth_failure();
	daemon_throttle_failure(client_of(q));
	log_info("authentication failed", "request_id", q->id, "client", client, "route",
		 q->route, "reason", why, NULL);
	return http_send_error(q, EC_UNAUTHENTICATED, "%s", why);
}

/* Authenticates the bearer token to a user, takes a pooled connection and
 * checks that the user holds one of roles; else 1 with 401/403/429/503
 * sent. An address with too many failed authentications (throttle.h) is
 * answered 429 before its token is looked at. Without an Authorization
 * header, the session cookie does as a token (daemon/session.c: looked up
 * on every request; a write without its X-CSRF-Token is 403 csrf). */
static int authorise(struct req *q, unsigned roles, const char *what, enum MHD_Result *sent)
{
	const char *h = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	const char *cookie = h ? NULL : MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND,
								       DAEMON_SESSION_COOKIE);
	char held[96], client[INET6_ADDRSTRLEN];
	int rc = 0, wait_s = daemon_throttle_wait_s(client_of(q));

	daemon_throttle_address(client, sizeof(client), client_of(q));
	if (wait_s > 0) {
		*sent = send_throttled(q, client, wait_s);
		return 1;
	}
	if (cookie) {
		rc = need_db(q);
		if (rc == 0)
			rc = daemon_session_check(&q->tok, q->csrf, q->c, cookie, q->method,
						  http_header(q, "X-CSRF-Token"));
		if (rc == ERR_NOTFOUND) {
			/* logged, not counted against the address: a page whose
			 * session ended asks several things at once, and a cookie
			 * (32 random bytes) is not guessed */
			log_info("session refused", "request_id", q->id, "client", client,
				 "route", q->route, NULL);
			*sent = http_send_error(q, EC_UNAUTHENTICATED, "%s", err_last());
			return 1;
		}
	} else if (!h || strncmp(h, "Bearer ", 7) != 0) {
		*sent = unauthenticated(q, client,
					"an Authorization: Bearer TOKEN header is required");
		return 1;
	}
	/*
	 * A revoke (or a user disabled, a role withdrawn) must hold for every
	 * request that starts after it returned, and only a read made after
	 * the request started can know of it (a cache emptied by NOTIFY hears
	 * of the revoke some time later). So the token is asked of the
	 * database (one prepared primary-key lookup, which reads the user and
	 * their roles too), except for an append without an Idempotency-Key
	 * (route_appends): its token comes from memory, and the transaction
	 * that stores its entries checks the token and role again before
	 * anything is stored (ledger_tokens_hold, migration 0070; http_append
	 * forgets a token refused there). Memory only ever lets an append
	 * on: a token it does not hold, or holds without a role the route
	 * takes, is asked of the database. That saves a round trip and a
	 * fifth of a single entry's CPU (bench/README.md, issue 18).
	 */
	q->recalled = !cookie && route_appends(q->rt) && !http_header(q, "Idempotency-Key") &&
		      ledger_token_recall(&q->tok, h + 7) && (route_roles_of(&q->tok) & roles);
	if (!cookie && !q->recalled) {
		rc = need_db(q);
		if (rc == 0)
			rc = ledger_token_check(&q->tok, q->c, h + 7);
		if (rc == 0)
			ledger_token_remember(&q->tok, h + 7);
	}
	if (rc == ERR_NOTFOUND) {
		*sent = unauthenticated(q, client, "unknown or revoked token, or disabled user");
		return 1;
	}
	if (rc < 0) {
		*sent = http_send_failure(q, rc);
		return 1;
	}
	daemon_throttle_success(client_of(q));
	q->roles = route_roles_of(&q->tok);
	if (!(q->roles & roles)) {
		role_names(held, sizeof(held), q->roles);
		*sent = http_send_error(q, EC_FORBIDDEN, "%s (%s) may not %s", q->tok.user, held,
					what);
		return 1;
	}
	q->role = acting_role(q->roles & roles);
	return 0;
}

bool http_role_in(const struct req *q, unsigned roles)
{
	return (q->roles & roles) != 0;
}

/*
 * out = the request's identity for its Idempotency-Key key: its caller
 * (the token's user: a key is scoped to who sent it, so another user's
 * same key is 409, never the first answer), method, path and body;
 * argon2id of them instead of SHA-256 where the body may carry a
 * password. A spooled body's SHA-256 was summed over the same material as
 * it arrived (spool_begin, spool_add). 0 or ERR_*.
 */
static int request_identity(char out[HASH_HEX_BYTES], const struct req *q, const char *key)
{
	char *material;
	size_t n;
	int rc;

	if (q->spool_sha)
		return hash_sha256_hex_of(out, q->spool_sha);
	material = malloc(strlen(q->tok.user) + strlen(q->method) + strlen(q->url) + q->len + 4);
	if (!material)
		return err_set(ERR_INTERNAL, "out of memory");
	n = (size_t)sprintf(material, "%s\n%s %s\n", q->tok.user, q->method, q->url);
	if (q->len)
		memcpy(material + n, q->body, q->len);
	if (route_secret(q->rt))
		rc = ledger_password_request_id(out, material, n + q->len, key);
	else
		rc = hash_sha256_hex(out, material, n + q->len);
	explicit_bzero(material, n + q->len);
	free(material);
	return rc;
}

/* For writes: reads Idempotency-Key; replays a stored answer (1 = sent). */
static int idempotency(struct req *q, enum MHD_Result *sent)
{
	const char *key = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
						      "Idempotency-Key");
	char stored[HASH_HEX_BYTES];
	char *response = NULL;
	bool found;
	int status, rc;
	size_t n;

	if (!key)
		return 0;
	n = strlen(key);
	if (n < 1 || n > LIMIT_IDEMPOTENCY_KEY_BYTES) {
		*sent = http_send_error(q, EC_INVALID_FIELD, "Idempotency-Key: 1-%d characters",
					LIMIT_IDEMPOTENCY_KEY_BYTES);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if (key[i] < 0x21 || key[i] > 0x7e) {
			*sent = http_send_error(q, EC_INVALID_FIELD,
						"Idempotency-Key: printable ASCII without spaces");
			return 1;
		}
	rc = request_identity(q->request_sha, q, key);
	if (rc == 0)
		rc = ledger_idempotency_get(&found, stored, &status, &response, q->c, key);
	if (rc < 0) {
		*sent = http_send_failure(q, rc);
		return 1;
	}
	q->idem_key = key;
	if (!found)
		return 0;
	if (hash_equal_ct(stored, q->request_sha, 64))
		*sent = send_text(q, (unsigned)status, "application/json", response);
	else
		*sent = http_send_error(q, EC_CONFLICT,
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
		return http_send_failure(q, rc);
	if (idempotency(q, &sent))
		return sent;
	return http_send_error(q, EC_CONFLICT, "Idempotency-Key was used concurrently");
}

/* --- the Idempotency-Key wrapper ------------------------------------------------ */

struct write {
	struct req *q;
	http_write_fn fn;
	void *ctx;
	struct ledger_actor who;
	json_t *out;
	unsigned status;
	char *response;
	bool key_taken; /* the key was stored meanwhile by another request */
};

static int write_tx(PGconn *c, void *ctx)
{
	struct write *w = ctx;
	int rc;

	json_decref(w->out);
	w->out = NULL;
	free(w->response);
	w->response = NULL;
	w->key_taken = false;
	rc = w->fn(&w->out, &w->status, c, &w->who, w->ctx);
	if (rc < 0)
		return rc;
	w->response = w->out ? json_dumps(w->out, JSON_COMPACT) : NULL;
	if (!w->response)
		return err_set(ERR_INTERNAL, "out of memory");
	if (!w->q->idem_key)
		return 0;
	rc = ledger_idempotency_put(c, w->q->idem_key, w->q->request_sha, (int)w->status,
				    w->response);
	if (err_code_of(rc) == EC_IDEMPOTENCY_KEY_TAKEN)
		w->key_taken = true;
	return rc;
}

enum MHD_Result http_write(struct req *q, http_write_fn fn, void *ctx)
{
	struct write w = {.q = q, .fn = fn, .ctx = ctx, .who = http_actor(q)};
	enum MHD_Result sent;
	int rc;

	ASSERT(q->rt && q->rt->idempotent);
	rc = db_tx(q->c, DB_READ_COMMITTED, write_tx, &w);
	if (rc < 0 && w.key_taken)
		sent = replay_after_race(q);
	else if (rc < 0)
		sent = http_send_failure(q, rc);
	else
		sent = send_text(q, w.status, "application/json", w.response);
	json_decref(w.out);
	free(w.response);
	return sent;
}

int http_content_type(struct req *q, const char *const *types, enum MHD_Result *sent)
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

enum MHD_Result http_list(struct req *q, http_list_fn fn, const char *key)
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

const char *http_header(struct req *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, name);
}

const char *http_body(const struct req *q)
{
	return q->body ? q->body : "";
}

int http_body_fd(const struct req *q)
{
	return q->spool;
}

/* --- the journal's writes: through the group-commit writer --------------------- */


enum MHD_Result http_append(struct req *q, struct ledger_entry *e, size_t n, bool batch,
			    const char *action)
{
	struct ledger_submit s = {0};
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
	/* from memory if it can (ledger/store.c), else asking the database */
	if (rc == 0 && !ledger_entries_check_known(&rc, e, n, batch)) {
		rc = need_db(q);
		if (rc == 0)
			rc = ledger_entries_check(q->c, e, n, batch);
	}
	if (rc < 0)
		return http_send_failure(q, rc);
	release_db(q); /* do not hold a read connection while the writer works */
	s.entries = e;
	s.n = n;
	s.batch = batch;
	s.idempotency_key = q->idem_key;
	s.request_sha256 = q->request_sha;
	s.action = action;
	s.who = http_actor(q);
	rc = ledger_writer_submit(q->srv->writer, &s);
	if (err_code_of(rc) == EC_UNAUTHENTICATED || err_code_of(rc) == EC_FORBIDDEN)
		ledger_token_forget(q->tok.id);
	if (q->idem_key && err_code_of(rc) == EC_IDEMPOTENCY_KEY_TAKEN)
		return replay_after_race(q);
	if (rc < 0)
		return http_send_failure(q, rc);
	{
		enum MHD_Result sent = send_text(q, 201, "application/json", s.response);

		free(s.response);
		return sent;
	}
}

enum MHD_Result route_healthz(struct req *q, const char *const *args)
{
	int rc;

	(void)args;
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

enum MHD_Result route_metrics(struct req *q, const char *const *args)
{
	char *text = metrics_render();
	enum MHD_Result sent;

	(void)args;
	if (!text)
		return http_send_error(q, EC_INTERNAL, "out of memory");
	sent = send_text(q, 200, "text/plain; version=0.0.4", text);
	free(text);
	return sent;
}

/* MHD_get_connection_values' callback: the first query parameter (name
 * or value) that is not accepted text, its message set; stops there. */
static enum MHD_Result arg_text(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	int *rc = cls;

	(void)kind;
	if ((*rc = text_check("a query parameter's name", key, strlen(key))) < 0)
		return MHD_NO;
	if (value && (*rc = text_check(key, value, strlen(value))) < 0)
		return MHD_NO;
	return MHD_YES;
}

/* The door for text in the URL: the path's {name} segments and every
 * query parameter are text the ledger accepts; else ERR_INVALID naming
 * the segment ("id: invalid UTF-8 (byte 1)") or the parameter. */
static int check_request_text(struct req *q)
{
	const char *p = q->rt->path;
	int rc = 0;

	for (int i = 0; i < ROUTE_ARGS_MAX && (p = strchr(p, '{')); i++, p++) {
		char name[32];

		snprintf(name, sizeof(name), "%.*s", (int)strcspn(p + 1, "}"), p + 1);
		if ((rc = text_check(name, q->args[i], strlen(q->args[i]))) < 0)
			return rc;
	}
	MHD_get_connection_values(q->conn, MHD_GET_ARGUMENT_KIND, arg_text, &rc);
	return rc;
}

/* A path the route table knows with other methods is 405 with Allow
 * listing them; an unknown path 404. */
static enum MHD_Result no_route(struct req *q)
{
	char allow[64], msg[128];
	json_t *o;
	char *text;
	enum MHD_Result sent;

	if (route_methods(allow, sizeof(allow), q->url) == 0)
		return http_send_error(q, EC_NOT_FOUND, "no route %s %s", q->method, q->url);
	snprintf(msg, sizeof(msg), "this path does not take %s; it takes %s", q->method, allow);
	o = json_pack("{s:{s:s, s:s}}", "error", "code", err_code_name(EC_METHOD_NOT_ALLOWED),
		      "message", msg);
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!text)
		return http_send_error(q, EC_INTERNAL, "out of memory");
	sent = http_send_bytes(q, err_code_status(EC_METHOD_NOT_ALLOWED), "application/json", text,
			       strlen(text), (const char *const[]){"Allow", allow, NULL});
	free(text);
	return sent;
}

/* Answers q, whose roles were checked from its headers (authorise_early),
 * by its row of the route table: 413, 400, 404/405, a stored
 * Idempotency-Key's answer, else the handler's. */
static enum MHD_Result dispatch(struct req *q)
{
	const char *args[ROUTE_ARGS_MAX];
	enum MHD_Result sent;
	int rc;

	if (q->too_large)
		return http_send_error(q, EC_TOO_LARGE, "the request body exceeds %zu bytes",
				       q->body_max);
	if (q->bad_framing)
		return http_send_error(q, EC_INVALID_FIELD, "%s", q->bad_framing);
	if (!q->rt)
		return no_route(q);
	q->route = q->rt->name;
	if (q->rt->roles && !q->authorised)
		return MHD_NO; /* its refusal could not be made: out of memory */
	if (q->spool_rc < 0)
		return http_send_failure(q, q->spool_rc);
	if (q->rt->roles && !q->recalled && (rc = need_db(q)) < 0)
		return http_send_failure(q, rc);
	if (check_request_text(q) < 0)
		return http_send_error(q, EC_INVALID_FIELD, "%s", err_last());
	if (q->rt->idempotent && idempotency(q, &sent))
		return sent;
	for (int i = 0; i < ROUTE_ARGS_MAX; i++)
		args[i] = q->args[i];
	return q->rt->handler(q, args);
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

static enum MHD_Result count_length(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	(void)kind;
	(void)value;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		(*(int *)cls)++;
	return MHD_YES;
}

/* Why a request's framing is refused, or NULL: HTTP/1.1 requires Host
 * (RFC 9112 3.2); two Content-Length headers make the body's end ambiguous
 * (request smuggling, RFC 9112 6.3). */
static const char *framing(struct MHD_Connection *conn, const char *version)
{
	int lengths = 0;

	if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
	    !MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST))
		return "Host: required in HTTP/1.1";
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_length, &lengths);
	if (lengths > 1)
		return "Content-Length: given more than once";
	return NULL;
}

/* An unnamed temporary file (mode 0600) in $TMPDIR, else /tmp: O_TMPFILE,
 * else mkstemp and unlink at once, so that no name is ever left behind.
 * The fd, or -1 with err_set. */
static int spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "%s/tfledgerd-body-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		err_sys(ERR_SYSTEM, "cannot make a temporary file for the request body in %s",
			dir);
		return -1;
	}
	unlink(path);
	return fd;
}

/* Readies q's body to be spooled (route_spooled): the file, and the sum of
 * the Idempotency-Key's material begun with what precedes the body (as
 * request_identity lays it out). A failure is kept in spool_rc, answered
 * once the body is read (and dropped). */
static void spool_begin(struct req *q)
{
	char head[1024];
	int n, rc;

	q->spool = spool_open();
	if (q->spool < 0) {
		q->spool_rc = ERR_SYSTEM;
		return;
	}
	n = snprintf(head, sizeof(head), "%s\n%s %s\n", q->tok.user, q->method, q->url);
	rc = n > 0 && (size_t)n < sizeof(head) ? 0 : err_set(ERR_INTERNAL, "URL too long");
	if (rc == 0)
		rc = hash_sha256_begin(&q->spool_sha);
	if (rc == 0)
		rc = hash_sha256_add(q->spool_sha, head, (size_t)n);
	q->spool_rc = rc;
}

/* Appends n bytes of q's body to its spool file and sum. */
static void spool_add(struct req *q, const char *data, size_t n)
{
	while (q->spool_rc == 0 && n > 0) {
		ssize_t w = write(q->spool, data, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			q->spool_rc = err_sys(ERR_SYSTEM, "cannot spool the request body");
			return;
		}
		if (hash_sha256_add(q->spool_sha, data, (size_t)w) < 0)
			q->spool_rc = ERR_INTERNAL;
		data += w;
		n -= (size_t)w;
	}
}

/*
 * Authenticates q and checks its route's roles from the headers alone,
 * before any of its body is read: a refusal (401, 403, 429, 503) is held
 * (q->held) while the body is read and dropped, then sent; answering
 * before the body is read makes clients see a reset instead. The pooled
 * connection authorise took is given back: the body may take long to come.
 */
static void authorise_early(struct req *q)
{
	enum MHD_Result sent;

	q->route = q->rt->name;
	q->hold = true;
	q->authorised = !authorise(q, q->rt->roles, q->rt->what, &sent);
	q->hold = false;
	release_db(q);
}

/* Queues the refusal authorise_early held. */
static enum MHD_Result send_held(struct req *q)
{
	enum MHD_Result ret = MHD_queue_response(q->conn, q->held_status, q->held);

	MHD_destroy_response(q->held);
	q->held = NULL;
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size,
			      void **req_cls)
{
	struct ledger_server *srv = cls;
	struct req *q = *req_cls;
	enum MHD_Result ret;

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
		q->spool = -1;
		q->route = "unknown";
		clock_gettime(CLOCK_MONOTONIC, &q->t0);
		request_id(q);
		q->rt = route_match(method, url, q->args);
		q->body_max = q->rt ? q->rt->body_max : LIMIT_HTTP_BODY_BYTES;
		q->bad_framing = framing(conn, version);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		/* Too large: the body is read and dropped, then 413 (answering
		 * before it is read makes clients see a reset, not the 413). */
		if (cl && strtoull(cl, NULL, 10) > q->body_max)
			q->too_large = true;
		watch_mark(&srv->watch, conn, true);
		if (q->rt && q->rt->roles && !q->too_large && !q->bad_framing)
			authorise_early(q);
		if (q->authorised && !q->held && route_spooled(q->rt))
			spool_begin(q);
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		/* a body that will not be used is read and dropped, not held */
		if (q->too_large || q->bad_framing || !q->rt || q->held ||
		    (q->rt->roles && !q->authorised))
			return MHD_YES;
		if (q->len + n > q->body_max) {
			q->too_large = true;
			free(q->body);
			q->body = NULL;
			q->len = q->cap = 0;
			return MHD_YES;
		}
		if (route_spooled(q->rt)) { /* to its file, never held (not even if
					     * the file failed: spool_rc answers) */
			spool_add(q, upload_data, n);
			q->len += n;
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
	if (q->held)
		return send_held(q);
	ret = dispatch(q);
	release_db(q);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *conn, void **req_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct ledger_server *srv = cls;
	struct req *q = *req_cls;
	bool large;

	(void)toe;
	watch_mark(&srv->watch, conn, false);
	if (!q)
		return;
	release_db(q);
	if (q->held)
		MHD_destroy_response(q->held);
	large = q->cap >= LIMIT_MALLOC_LARGE_BYTES;
	free(q->body);
	if (q->spool >= 0)
		close(q->spool);
	hash_sha256_free(q->spool_sha);
	free(q);
	*req_cls = NULL;
	atomic_fetch_sub(&srv->inflight, 1);
	/* What the body's reader built is in this thread's arena, which glibc
	 * keeps (M_TRIM_THRESHOLD, tfledgerd.c), and connection threads have
	 * several arenas: give their free pages back now (the body itself was
	 * a mapping of its own: LIMIT_MALLOC_LARGE_BYTES). */
	if (large)
		malloc_trim(0);
}

int daemon_server_start(struct ledger_server **out, const char *conninfo,
			const struct sockaddr_in *addr, bool tls,
			const struct daemon_server_limits *limits)
{
	struct ledger_server *srv = calloc(1, sizeof(*srv));
	struct MHD_OptionItem tls_options[DAEMON_TLS_OPTIONS];
	int rc;

	*out = NULL;
	if (!srv)
		return err_set(ERR_INTERNAL, "out of memory");
	if (!limits)
		limits = &daemon_server_default_limits;
	pthread_mutex_init(&srv->pool.mu, NULL);
	pthread_cond_init(&srv->pool.cv, NULL);
	srv->pool.conninfo = conninfo;
	rc = watch_start(&srv->watch, limits);
	if (rc == 0)
		rc = ledger_writer_start(&srv->writer, conninfo);
	if (rc < 0) {
		watch_stop(&srv->watch);
		free(srv);
		return rc;
	}
	daemon_tls_options(tls_options, tls);
	srv->d = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
			MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0),
		0, NULL, NULL, handle, srv, MHD_OPTION_SOCK_ADDR, addr,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)LIMIT_HTTP_TIMEOUT_S,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)LIMIT_HTTP_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, limits->per_address,
		MHD_OPTION_NOTIFY_CONNECTION, notify_connection, &srv->watch,
		MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
		MHD_OPTION_ARRAY, tls_options, MHD_OPTION_END);
	if (!srv->d) {
		ledger_writer_stop(srv->writer);
		watch_stop(&srv->watch);
		free(srv);
		return err_set(ERR_SYSTEM, "cannot listen on the address given");
	}
	*out = srv;
	return 0;
}

void daemon_server_stop(struct ledger_server *srv)
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
	watch_stop(&srv->watch);
	ledger_writer_stop(srv->writer);
	for (int i = 0; i < LIMIT_DB_POOL; i++)
		PQfinish(srv->pool.conns[i]);
	pthread_cond_destroy(&srv->pool.cv);
	pthread_mutex_destroy(&srv->pool.mu);
	free(srv);
}
