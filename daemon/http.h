/*
 * http.h - inside tfledgerd: what route handlers outside server.c need of a
 * request (server.c owns it: body, token, pooled connection, request id,
 * metrics). Not part of the ledger's outside interface.
 *
 * A handler sets its route name (a static string, for metrics), then
 * http_authorise() (401/403/503 answered there; afterwards http_db() is the
 * pooled connection, prepared for the ledger, fund, reconcile, travel and
 * reports modules), validates, calls its module, and answers with one of
 * the http_send_* functions, which add X-Request-Id and count the answer.
 */
#ifndef TFLEDGER_DAEMON_HTTP_H
#define TFLEDGER_DAEMON_HTTP_H

#include <jansson.h>
#include <libpq-fe.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "ledger/ledger.h"

struct req;

/* An empty, NULL-terminated list of query parameters. */
extern const char *const http_no_args[];

/* The route's name in metrics and logs (static string). */
void http_route(struct req *q, const char *route);

/*
 * Authenticates the bearer token and takes a pooled connection; role must
 * be one of roles (NULL-terminated), else 403 "the role R may not <what>".
 * 0, or 1 when an answer was sent (*sent).
 */
int http_authorise(struct req *q, const char *const *roles, const char *what,
		   enum MHD_Result *sent);

/* 1 with a 400 sent if the request carries an Idempotency-Key (routes
 * whose module cannot store one yet), else 0. */
int http_no_idempotency(struct req *q, enum MHD_Result *sent);

/*
 * For writes that honour an Idempotency-Key (after http_authorise): checks
 * the header and, if the key was used, answers (the stored answer for the
 * same method, path and body, else 409) and returns 1. Else 0; the write
 * then stores its record with ledger_idempotency_put(http_idem_key(q),
 * http_request_sha(q), ...) in its own transaction (http_idem_key NULL:
 * no key was given).
 */
int http_idempotency(struct req *q, enum MHD_Result *sent);
const char *http_idem_key(const struct req *q);
const char *http_request_sha(const struct req *q);
/* After ledger_idempotency_put said the key was taken meanwhile. */
enum MHD_Result http_replay_after_race(struct req *q);

/* A request header, or NULL. */
const char *http_header(struct req *q, const char *name);
/* The raw body (NUL-terminated, "" if none; may hold NULs: http_body_len). */
const char *http_body(const struct req *q);

/* The body as one JSON object (*out, caller's); else 400 sent, -1. */
int http_parse_body(json_t **out, struct req *q, enum MHD_Result *sent);
size_t http_body_len(const struct req *q);

/* NULL if every query parameter is in allowed, else the first that is not. */
const char *http_unknown_arg(struct req *q, const char *const *allowed);
/* A query parameter, or NULL. */
const char *http_arg(struct req *q, const char *key);

/* The pooled connection (after http_authorise) and who is asking. */
PGconn *http_db(const struct req *q);
struct ledger_actor http_actor(const struct req *q);

/* Answers; body is stolen. */
enum MHD_Result http_send_json(struct req *q, unsigned status, json_t *body);
/* An answer already serialised (JSON text, copied). */
enum MHD_Result http_send_stored(struct req *q, unsigned status, const char *json_text);
enum MHD_Result http_send_error(struct req *q, enum err_code ec, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The error for a failed call (rc and err_last()): its contract code,
 * err_code(); ERR_UNAVAILABLE is 503 and drops the pooled connection. */
enum MHD_Result http_send_failure(struct req *q, int rc);
/* size bytes of fd from its start; fd is the response's (closed by it). */
enum MHD_Result http_send_fd(struct req *q, unsigned status, const char *ctype, int fd,
			     uint64_t size);

/* The route families outside server.c. Each returns true if it has the
 * route of (method, path segments s[0..n-1], s[0] being "v1") and answered
 * into *sent. */
bool http_routes_fund(struct req *q, bool get, bool post, int n, char s[][128],
		      enum MHD_Result *sent);
/* The body limit of the fund's route (method, url) if it has its own (a
 * bank statement is larger than JSON), else 0: LIMIT_HTTP_BODY_BYTES. */
size_t http_routes_fund_body_max(const char *method, const char *url);
bool http_routes_travel(struct req *q, bool get, bool post, int n, char s[][128],
			enum MHD_Result *sent);
bool http_routes_reports(struct req *q, bool get, bool post, int n, char s[][128],
			 enum MHD_Result *sent);

#endif
