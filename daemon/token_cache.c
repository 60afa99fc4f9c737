/*
 * token_cache.c - tokens already checked, kept by the daemon (see
 * token_cache.h for how revocation empties it).
 *
 * A small table of LIMIT_TOKEN_CACHE slots under one mutex: token id, the
 * SHA-256 of the whole token, name and role. A generation number, bumped
 * by every flush, stops a lookup that raced with a revoke from putting the
 * answer it read before the revoke back into the cache.
 */
#include "daemon/token_cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/err.h"
#include "common/hash.h"
#include "common/limits.h"

struct slot {
	bool used;
	struct ledger_token tok;
	char sha[HASH_HEX_BYTES];
};

struct daemon_token_cache {
	pthread_mutex_t mu;
	unsigned long generation;
	size_t next; /* the slot to replace when all are used */
	struct slot slots[LIMIT_TOKEN_CACHE];
};

struct daemon_token_cache *daemon_token_cache_new(void)
{
	struct daemon_token_cache *tc = calloc(1, sizeof(*tc));

	if (tc)
		pthread_mutex_init(&tc->mu, NULL);
	return tc;
}

void daemon_token_cache_free(struct daemon_token_cache *tc)
{
	if (!tc)
		return;
	pthread_mutex_destroy(&tc->mu);
	free(tc);
}

static void flush(struct daemon_token_cache *tc)
{
	pthread_mutex_lock(&tc->mu);
	memset(tc->slots, 0, sizeof(tc->slots));
	tc->generation++;
	pthread_mutex_unlock(&tc->mu);
}

int daemon_token_cache_listen(struct daemon_token_cache *tc, PGconn *c)
{
	int rc = db_exec_sql(c, "LISTEN tfledger_tokens");

	flush(tc);
	return rc;
}

void daemon_token_cache_poll(struct daemon_token_cache *tc, PGconn *c)
{
	PGnotify *n;
	bool changed = false;

	if (!PQconsumeInput(c))
		changed = true; /* the connection is in doubt: trust nothing */
	while ((n = PQnotifies(c))) {
		changed = true;
		PQfreemem(n);
	}
	if (changed)
		flush(tc);
}

int daemon_token_cache_check(struct ledger_token *out, struct daemon_token_cache *tc,
			     PGconn *c, const char *token)
{
	char sha[HASH_HEX_BYTES];
	unsigned long generation;
	int rc;

	/* tfl_ + 16 hex + _ + 64 hex, as ledger_token_check reads it */
	if (strlen(token) != 85 || strncmp(token, "tfl_", 4) != 0 || token[20] != '_')
		return err_set(ERR_NOTFOUND, "malformed token");
	if ((rc = hash_sha256_hex(sha, token, strlen(token))) < 0)
		return rc;
	pthread_mutex_lock(&tc->mu);
	for (size_t i = 0; i < LIMIT_TOKEN_CACHE; i++) {
		struct slot *s = &tc->slots[i];

		if (s->used && memcmp(s->tok.id, token + 4, 16) == 0 &&
		    hash_equal_ct(s->sha, sha, 64)) {
			*out = s->tok;
			pthread_mutex_unlock(&tc->mu);
			return 0;
		}
	}
	generation = tc->generation;
	pthread_mutex_unlock(&tc->mu);

	rc = ledger_token_check(out, c, token);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&tc->mu);
	if (tc->generation == generation) {
		struct slot *s = &tc->slots[tc->next];

		tc->next = (tc->next + 1) % LIMIT_TOKEN_CACHE;
		s->used = true;
		s->tok = *out;
		memcpy(s->sha, sha, HASH_HEX_BYTES);
	}
	pthread_mutex_unlock(&tc->mu);
	return 0;
}
