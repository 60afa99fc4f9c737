/*
 * metrics.h - tfledgerd's counters in Prometheus text format (GET /metrics):
 * requests by route and status, a request latency histogram, entries
 * committed, group commit sizes, database errors and failed
 * authentications. Thread-safe; process
 * wide (one daemon per process).
 */
#ifndef TFLEDGER_METRICS_H
#define TFLEDGER_METRICS_H

#include <stddef.h>

/* Counts one answered request; route is a fixed route name. */
void metrics_request(const char *route, unsigned status, double seconds);

/* Counts one committed group of n entries. */
void metrics_group(size_t n);

/* Counts one database error seen by the daemon. */
void metrics_db_error(void);

/* Counts one failed authentication (no, a malformed or an unknown token). */
void metrics_auth_failure(void);

/* Counts one request refused 429 for its address's failed authentications. */
void metrics_auth_throttled(void);

/* The exposition text; a new string (free it) or NULL. */
char *metrics_render(void);

#endif
