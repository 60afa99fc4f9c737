/*
 * session.h - the web workspace's sessions in tfledgerd (session.c,
 * docs/workspace.md "Sessions"): POST /v1/sessions signs in and sets the
 * tfledger_session cookie, GET /v1/session says who is signed in with the
 * CSRF token, DELETE /v1/session signs out; server.c's authorise() asks
 * daemon_session_check of every request that comes with the cookie and no
 * Authorization header.
 */
#ifndef TFLEDGER_DAEMON_SESSION_H
#define TFLEDGER_DAEMON_SESSION_H

#include <libpq-fe.h>

#include "common/hash.h"
#include "ledger/ledger.h"

/* The cookie's name. */
#define DAEMON_SESSION_COOKIE "tfledger_session"

/*
 * Authenticates a request that came with the session cookie: out as a
 * token check gives it and out_csrf the session's CSRF token. method is
 * the request's; csrf the X-CSRF-Token header (NULL if absent). A request
 * other than GET and HEAD must carry the session's CSRF token (compared in
 * constant time). ERR_NOTFOUND "session expired or ended; sign in again"
 * (401); EC_CSRF "X-CSRF-Token: missing or wrong" (403); a database failure.
 */
int daemon_session_check(struct ledger_token *out, char out_csrf[HASH_HEX_BYTES], PGconn *c,
			 const char *cookie, const char *method, const char *csrf);

#endif
