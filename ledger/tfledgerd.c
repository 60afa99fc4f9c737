/*
 * tfledgerd.c - the ledger daemon's entry point: options, start-up checks
 * (database reachable, migrations applied and unchanged), the HTTP server
 * and a clean exit on SIGTERM/SIGINT.
 *
 * Foundation state: serves GET /healthz only; the ledger's routes come with
 * the ledger (issue 3). Any other path answers 404 in the contract's error
 * shape.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/migrate.h"
#include "config.h"

static volatile sig_atomic_t stopping;
static const char *conninfo;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tfledgerd [--database CONNINFO] [--listen HOST:PORT]\n"
		"       tfledgerd --help | --version\n\n"
		"The tfledger ledger daemon: HTTP/JSON on HOST:PORT (default 127.0.0.1:8080).\n"
		"It refuses to start unless every migration is applied and unchanged\n"
		"(run tfledger migrate first). SIGTERM or SIGINT stops it cleanly.\n\n"
		"  --database CONN   libpq conninfo (default $TFLEDGER_DATABASE)\n"
		"  --listen H:P      IPv4 address and port to listen on\n\n"
		"Routes: GET /healthz.\n");
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
			     const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static bool database_up(void)
{
	PGconn *c = NULL;
	bool up = db_connect(&c, conninfo) == 0;

	PQfinish(c);
	return up;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	(void)cls;
	(void)version;
	(void)upload_data;
	if (!*req_cls) { /* first call: headers only */
		*req_cls = conn;
		return MHD_YES;
	}
	if (*upload_data_size) { /* this route takes no body */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/healthz") == 0 && strcmp(method, "GET") == 0) {
		if (database_up())
			return reply(conn, MHD_HTTP_OK, "{\"status\":\"ok\"}");
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
			     "{\"status\":\"unavailable\"}");
	}
	return reply(conn, MHD_HTTP_NOT_FOUND,
		     "{\"error\":{\"code\":\"not-found\",\"message\":\"no such route\"}}");
}

static int parse_listen(struct sockaddr_in *out, const char *s)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return err_set(ERR_INVALID, "--listen %s: expected HOST:PORT", s);
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return err_set(ERR_INVALID, "--listen %s: port must be 1-65535", s);
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &out->sin_addr) != 1)
		return err_set(ERR_INVALID, "--listen %s: '%s' is not an IPv4 address", s,
			       host);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"database", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	char dir[LIMIT_PATH_BYTES];
	const char *listen = "127.0.0.1:8080";
	const char *database = NULL;
	struct sockaddr_in addr;
	struct MHD_Daemon *d = NULL;
	struct sigaction sa;
	PGconn *c = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': database = optarg; break;
		case 'l': listen = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("tfledgerd %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tfledgerd: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	conninfo = cfg_database(database);
	if (!conninfo || parse_listen(&addr, listen) < 0) {
		fprintf(stderr, "tfledgerd: %s\n", err_last());
		return 1;
	}
	rc = migrate_default_dir(dir, sizeof(dir));
	if (rc == 0)
		rc = db_connect(&c, conninfo);
	if (rc == 0)
		rc = migrate_check(c, dir);
	PQfinish(c);
	if (rc < 0) {
		log_error("cannot start", "error", err_last(), NULL);
		return err_exit_status(rc);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0,
			     NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &addr,
			     MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!d) {
		log_error("cannot listen", "listen", listen, NULL);
		return 2;
	}
	log_info("listening", "listen", listen, "version", PACKAGE_VERSION, NULL);
	while (!stopping)
		pause();
	MHD_stop_daemon(d);
	log_info("stopped", NULL);
	return 0;
}
