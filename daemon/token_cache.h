/*
 * token_cache.h - the daemon's memory of tokens it has already checked, so
 * that a request needs no database round trip to authenticate.
 *
 * Revocation is honoured as soon as the daemon can know of it: migration
 * 0005 makes every change to the tokens table NOTIFY tfledger_tokens at
 * commit; every pooled connection LISTENs on it, and before a request uses
 * the cache it reads what has arrived on its connection
 * (daemon_token_cache_poll). Any notification, and any new connection
 * (which may have missed one while the database was away), empties the
 * cache. Only the SHA-256 of a token is kept, compared in constant time.
 */
#ifndef TFLEDGER_DAEMON_TOKEN_CACHE_H
#define TFLEDGER_DAEMON_TOKEN_CACHE_H

#include <libpq-fe.h>

#include "ledger/ledger.h"

struct daemon_token_cache;

/* A new, empty cache; NULL when out of memory. */
struct daemon_token_cache *daemon_token_cache_new(void);

/* Frees the cache; accepts NULL. */
void daemon_token_cache_free(struct daemon_token_cache *tc);

/* Runs LISTEN on a new connection c and empties the cache. */
int daemon_token_cache_listen(struct daemon_token_cache *tc, PGconn *c);

/*
 * Reads the notifications that arrived on c (no round trip) and empties
 * the cache if the tokens changed. Call before daemon_token_cache_check
 * with the connection the request holds.
 */
void daemon_token_cache_poll(struct daemon_token_cache *tc, PGconn *c);

/*
 * Like ledger_token_check: fills *out for a valid, unrevoked token, else
 * ERR_NOTFOUND. Answers from the cache when it can, else asks c and
 * remembers a valid token.
 */
int daemon_token_cache_check(struct ledger_token *out, struct daemon_token_cache *tc,
			     PGconn *c, const char *token);

#endif
