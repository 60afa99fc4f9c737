/*
 * server.h - tfledgerd's HTTP API (docs/openapi.yaml)
 * on libmicrohttpd: routes, bearer-token authentication and roles,
 * Idempotency-Key, request ids, limits, /healthz and /metrics, a pool of
 * database connections for reads and the group-commit writer for appends.
 */
#ifndef TFLEDGER_DAEMON_SERVER_H
#define TFLEDGER_DAEMON_SERVER_H

#include <netinet/in.h>
#include <stdbool.h>

struct ledger_server;

/* What one client may hold (common/limits.h gives the defaults and why). */
struct daemon_server_limits {
	unsigned per_address; /* open connections from one address */
	unsigned header_s;    /* seconds to the end of a request's headers */
	unsigned request_s;   /* seconds for a whole request, body included */
};

/* The defaults: LIMIT_HTTP_PER_ADDRESS, LIMIT_HTTP_HEADER_S, LIMIT_HTTP_REQUEST_S. */
extern const struct daemon_server_limits daemon_server_default_limits;

/*
 * Starts serving on addr with limits (NULL: the defaults), over TLS with
 * the certificate in force when tls (daemon/tls.h: daemon_tls_load first),
 * else plain HTTP. The database
 * need not be reachable: requests answer 503 until it is. The caller owns
 * *out (daemon_server_stop).
 */
int daemon_server_start(struct ledger_server **out, const char *conninfo,
			const struct sockaddr_in *addr, bool tls,
			const struct daemon_server_limits *limits);

/*
 * Stops accepting connections, waits (at most LIMIT_HTTP_DRAIN_S) for the
 * requests in flight to be answered, commits what the writer holds, and
 * frees s.
 */
void daemon_server_stop(struct ledger_server *s);

#endif
