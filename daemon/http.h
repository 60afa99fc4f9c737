/*
 * http.h - inside tfledgerd: what route handlers outside server.c need of a
 * request (server.c owns it: body, token, pooled connection, request id,
 * metrics). Not part of the ledger's outside interface.
 *
 * A handler is called by the route table (routes.h) once the route's role
 * check passed (afterwards http_db() is the pooled connection, prepared for
 * the ledger, fund, reconcile, travel and reports modules) and, for an
 * idempotent route, once no stored answer was found for its
 * Idempotency-Key. It validates, calls its module (a write through
 * http_write), and answers with one of the http_send_* functions, which
 * add X-Request-Id and count the answer.
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

/* True if the user whose token the request carries holds one of roles
 * (ROLE_* bits, routes.h), whichever role the request acts in. */
bool http_role_in(const struct req *q, unsigned roles);

/*
 * A write: fills *out (a new reference) and *status, or fails (err). It
 * runs inside http_write's transaction and may run more than once.
 */
typedef int (*http_write_fn)(json_t **out, unsigned *status, PGconn *c,
			     const struct ledger_actor *who, void *ctx);

/*
 * The Idempotency-Key wrapper of every idempotent route but the journal's
 * appends (whose key the group-commit writer stores): runs fn, then stores
 * the request's key (if it has one) with fn's status and answer, all in ONE
 * transaction (the module's own db_tx joins it under a savepoint), and
 * answers fn's status and JSON. If another request stored the key
 * meanwhile, that request's answer (or 409) instead.
 */
enum MHD_Result http_write(struct req *q, http_write_fn fn, void *ctx);

/*
 * The journal's writes: stamps entries e[0..n) with the caller's token (and
 * the request's Idempotency-Key, for one entry), checks them against the
 * database, hands them to the group-commit writer and answers 201 with the
 * stored entries (a replay if the key was taken meanwhile). e stays the
 * caller's.
 */
enum MHD_Result http_append(struct req *q, struct ledger_entry *e, size_t n, bool batch,
			    const char *action);

/* 0 if the body's Content-Type is one of types (NULL-terminated;
 * parameters ignored), else 1 with a 400 naming them sent. */
int http_content_type(struct req *q, const char *const *types, enum MHD_Result *sent);

/* A list route without query parameters: 200 {"key": [...]} from fn. */
typedef int (*http_list_fn)(json_t **out, PGconn *c);
enum MHD_Result http_list(struct req *q, http_list_fn fn, const char *key);

/* A request header, or NULL. */
const char *http_header(struct req *q, const char *name);
/* The raw body (NUL-terminated, "" if none; may hold NULs: http_body_len).
 * "" for a spooled route's (route_spooled): read http_body_fd instead. */
const char *http_body(const struct req *q);
/* A spooled route's body (route_spooled): an unnamed temporary file of
 * http_body_len bytes, read with pread or mmap or as /proc/self/fd/N (its
 * offset is at the end); server.c closes it when the request ends. -1 for
 * any other route. */
int http_body_fd(const struct req *q);

/* The body as one JSON object (*out, caller's); else 400 sent, -1 (a
 * non-empty body whose Content-Type is not application/json included). */
int http_parse_body(json_t **out, struct req *q, enum MHD_Result *sent);
size_t http_body_len(const struct req *q);

/* NULL if every query parameter is in allowed, else the first that is not. */
const char *http_unknown_arg(struct req *q, const char *const *allowed);
/* A query parameter, or NULL. */
const char *http_arg(struct req *q, const char *key);

/*
 * The name of a document sent as the body, for its messages ("NAME:43:
 * field: ...") and its answer: the query parameter file (the only one the
 * route then takes), else fallback. NULL with 400 sent (*sent) for another
 * parameter or a name that is not 1 to LIMIT_PATH_BYTES - 1 bytes of UTF-8
 * without control characters.
 */
const char *http_document_name(struct req *q, const char *fallback, enum MHD_Result *sent);

/* The pooled connection and who is asking: the actor's user is the
 * person (users.name), its role the one the request acts in (the first of
 * the route's roles, in the order of enum role, that the user holds). */
PGconn *http_db(const struct req *q);
struct ledger_actor http_actor(const struct req *q);
/* The token the request was authenticated by: its user and all their roles. */
const struct ledger_token *http_token(const struct req *q);

/* Answers; body is stolen. */
enum MHD_Result http_send_json(struct req *q, unsigned status, json_t *body);
enum MHD_Result http_send_error(struct req *q, enum err_code ec, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The error for a failed call (rc and err_last()): its contract code,
 * err_code(); ERR_UNAVAILABLE is 503 and drops the pooled connection. A
 * 503 and a 500 answer words and the request id (err_last() goes to the
 * log): the 503 that the outcome is unknown and the same Idempotency-Key
 * settles it. */
enum MHD_Result http_send_failure(struct req *q, int rc);
/* size bytes of fd from its start; fd is the response's (closed by it). */
enum MHD_Result http_send_fd(struct req *q, unsigned status, const char *ctype, int fd,
			     uint64_t size);
/* http_send_fd with more headers: headers is {name, value, ..., NULL}. */
enum MHD_Result http_send_fd_with(struct req *q, unsigned status, const char *ctype, int fd,
				  uint64_t size, const char *const *headers);
/* len bytes of body (copied), any content type, with more headers as above
 * (headers may be NULL). ctype NULL: no Content-Type, for an answer without
 * a body (204 No Content). */
enum MHD_Result http_send_bytes(struct req *q, unsigned status, const char *ctype,
				const char *body, size_t len, const char *const *headers);

/* --- sessions (daemon/session.c) ------------------------------------------ */

/* The session's CSRF token if the request came with the session cookie,
 * NULL if it came with a token. */
const char *http_session_csrf(const struct req *q);
/* The client's address, or NULL if libmicrohttpd knows none. */
const struct sockaddr *http_client(const struct req *q);
/* The request's libmicrohttpd connection (for what it knows of TLS). */
struct MHD_Connection *http_connection(const struct req *q);
/* Takes a pooled connection for a route without roles (the others have
 * one from authorise()): 0 or ERR_UNAVAILABLE. */
int http_need_db(struct req *q);

#endif
