/*
 * tfledgerd.c - the ledger daemon's entry point: options, start-up checks
 * (database reachable, migrations applied and unchanged), the HTTP server
 * and a clean exit on SIGTERM/SIGINT.
 *
 * The routes, authentication, limits and the group-commit writer live in
 * daemon/server.c; this file only starts and stops them. SIGTERM drains the
 * requests in flight and exits 0.
 *
 * Settings come from flags, then --config FILE (`database`,
 * `database_file`, `listen`, `sign_key`, `sign_cert`, `sign_certs_dir`,
 * `per_address_connections`, `header_timeout`, `request_timeout`),
 * then $TFLEDGER_DATABASE and the defaults: a flag always wins over the
 * file. The conninfo (and so a password) is best kept out of `ps`: in the
 * environment, the config file, or --database-file FILE (mode 0600,
 * checked: common/cfg.h cfg_secret_file).
 *
 * The signing key and certificates (daemon/signing.h, docs/signing.md) are
 * loaded before the server starts (a key that does not match its
 * certificate stops start-up, naming the files) and again on SIGHUP, from
 * the same files: a reload that fails is logged and the set in force
 * stays.
 *
 * TLS (daemon/tls.h): --tls-cert and --tls-key (config tls_cert, tls_key)
 * serve HTTPS, TLS 1.2 and 1.3 only; the pair is checked at start-up (a
 * bad one stops it, naming the file) and reloaded on SIGHUP like the
 * signing keys, without closing the listener. Without TLS, tfledgerd
 * listens only on a loopback address unless --insecure-http says that
 * plain HTTP on the network is meant.
 *
 * The web workspace (daemon/static.h, docs/workspace.md) is served from
 * --web-dir (`web_dir`, default the installed $(pkgdatadir)/web) and its
 * charts' Chart.js from --chart-js (`chart_js`, default Debian's
 * libjs-chart.js). A directory or file given that is not there stops
 * start-up; a default that is not there is logged, and the API is served
 * without the workspace.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
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
#include "ledger/ledger.h"
#include "daemon/server.h"
#include "daemon/signing.h"
#include "daemon/tls.h"
#include "daemon/static.h"
#include "config.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tfledgerd [--config FILE] [--database CONNINFO | --database-file FILE]\n"
		"                 [--listen HOST:PORT]\n"
		"                 [--sign-key KEY.pem --sign-cert CERT.pem] [--sign-certs-dir DIR]\n"
		"                 [--per-address-connections N] [--header-timeout S]\n"
		"                 [--request-timeout S]\n"
		"                 [--tls-cert CERT.pem --tls-key KEY.pem] [--insecure-http]\n"
		"                 [--web-dir DIR] [--chart-js FILE]\n"
		"       tfledgerd --help | --version\n\n"
		"The tfledger ledger daemon: HTTP/JSON on HOST:PORT (default 127.0.0.1:8080).\n"
		"It refuses to start unless every migration is applied and unchanged\n"
		"(run tfledger migrate first). SIGTERM or SIGINT stops it cleanly;\n"
		"SIGHUP reloads the signing key and certificates and the TLS pair.\n\n"
		"  --config FILE     read settings from FILE: 'key = value' lines,\n"
		"                    '#' comment lines; keys: database, database_file,\n"
		"                    listen, sign_key, sign_cert, sign_certs_dir,\n"
		"                    per_address_connections, header_timeout,\n"
		"                    request_timeout, tls_cert, tls_key, web_dir,\n"
		"                    chart_js.\n"
		"                    Flags override the file.\n"
		"  --database CONN   libpq conninfo (default: the file's, else\n"
		"                    $TFLEDGER_DATABASE); shows in ps: a password\n"
		"                    belongs in the environment or a file\n"
		"  --database-file FILE  read the conninfo from FILE's first line;\n"
		"                    FILE must be mode 0600 (no group or other access)\n"
		"  --listen H:P      IPv4 address and port to listen on\n"
		"  --sign-key FILE   sign every report served and issue signed journal\n"
		"                    checkpoints with this PEM private key ...\n"
		"  --sign-cert FILE  ... whose certificate this is (published at\n"
		"                    GET /v1/signing/certificates)\n"
		"  --sign-certs-dir DIR  earlier certificates (*.pem), still published so\n"
		"                    that older signatures verify (docs/signing.md)\n"
		"  --per-address-connections N  open connections one client address may\n"
		"                    hold (default 32; raise it behind a proxy)\n"
		"  --header-timeout S  seconds a request's headers may take (default 10)\n"
		"  --request-timeout S  seconds a whole request may take, body included\n"
		"                    (default 120)\n"
		"  --tls-cert FILE   serve HTTPS (TLS 1.2 and 1.3) with this PEM\n"
		"                    certificate chain, the server's certificate first ...\n"
		"  --tls-key FILE    ... and its unencrypted PEM private key (mode 0600)\n"
		"  --insecure-http   allow plain HTTP on a non-loopback address (without\n"
		"                    TLS, tfledgerd listens only on 127.0.0.0/8)\n"
		"  --web-dir DIR     serve the web workspace from DIR at / and /web/\n"
		"                    (default " STATIC_WEB_DIR_DEFAULT ")\n"
		"  --chart-js FILE   Chart.js for its charts, at /web/vendor/chart.js\n"
		"                    (default " STATIC_CHART_JS_DEFAULT ")\n\n"
		"Routes: see docs/openapi.yaml (GET /healthz, GET /metrics, /v1/...).\n");
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

/* Whether a is in 127.0.0.0/8, where plain HTTP stays on the machine. */
static bool loopback(const struct sockaddr_in *a)
{
	return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
}

/* The settings read from --config; each NULL unless the file sets it. */
struct file_settings {
	char *database, *database_file;
	char *listen;
	char *sign_key, *sign_cert, *sign_certs_dir;
	char *per_address, *header_timeout, *request_timeout;
	char *tls_cert, *tls_key;
	char *web_dir, *chart_js;
};

static int take(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return err_set(ERR_SYSTEM, "out of memory");
	free(*slot);
	*slot = copy;
	return 0;
}

static int on_setting(void *ud, const char *key, const char *value)
{
	struct file_settings *fs = ud;

	if (strcmp(key, "database") == 0)
		return take(&fs->database, value);
	if (strcmp(key, "database_file") == 0)
		return take(&fs->database_file, value);
	if (strcmp(key, "listen") == 0)
		return take(&fs->listen, value);
	if (strcmp(key, "sign_key") == 0)
		return take(&fs->sign_key, value);
	if (strcmp(key, "sign_cert") == 0)
		return take(&fs->sign_cert, value);
	if (strcmp(key, "sign_certs_dir") == 0)
		return take(&fs->sign_certs_dir, value);
	if (strcmp(key, "per_address_connections") == 0)
		return take(&fs->per_address, value);
	if (strcmp(key, "header_timeout") == 0)
		return take(&fs->header_timeout, value);
	if (strcmp(key, "request_timeout") == 0)
		return take(&fs->request_timeout, value);
	if (strcmp(key, "tls_cert") == 0)
		return take(&fs->tls_cert, value);
	if (strcmp(key, "tls_key") == 0)
		return take(&fs->tls_key, value);
	if (strcmp(key, "web_dir") == 0)
		return take(&fs->web_dir, value);
	if (strcmp(key, "chart_js") == 0)
		return take(&fs->chart_js, value);
	return err_set(ERR_INVALID, "unknown key '%s' (known: database, database_file, listen, "
				    "sign_key, sign_cert, sign_certs_dir, per_address_connections, "
				    "header_timeout, request_timeout, tls_cert, tls_key, web_dir, "
				    "chart_js)", key);
}

/* *out = text (NULL: left as it is) as a whole number 1..max; else err
 * naming the setting. */
static int parse_count(unsigned *out, const char *name, const char *text, unsigned max)
{
	char *end;
	unsigned long v;

	if (!text)
		return 0;
	v = strtoul(text, &end, 10);
	if (!*text || *end || text[0] == '-' || v < 1 || v > max)
		return err_set(ERR_INVALID, "%s %s: a whole number from 1 to %u", name, text, max);
	*out = (unsigned)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"database", required_argument, NULL, 'd'},
		{"database-file", required_argument, NULL, 'F'},
		{"listen", required_argument, NULL, 'l'},
		{"sign-key", required_argument, NULL, 'k'},
		{"sign-cert", required_argument, NULL, 'C'},
		{"sign-certs-dir", required_argument, NULL, 'D'},
		{"per-address-connections", required_argument, NULL, 'P'},
		{"header-timeout", required_argument, NULL, 'H'},
		{"request-timeout", required_argument, NULL, 'R'},
		{"tls-cert", required_argument, NULL, 'T'},
		{"tls-key", required_argument, NULL, 'K'},
		{"insecure-http", no_argument, NULL, 'I'},
		{"web-dir", required_argument, NULL, 'W'},
		{"chart-js", required_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	char dir[LIMIT_PATH_BYTES];
	struct file_settings fs = {0};
	struct daemon_server_limits limits = daemon_server_default_limits;
	const char *per_address = NULL, *header_timeout = NULL, *request_timeout = NULL;
	static char secret[LIMIT_CONNINFO_BYTES];
	const char *database_file = NULL;
	const char *sign_key = NULL, *sign_cert = NULL, *sign_certs_dir = NULL;
	const char *tls_cert = NULL, *tls_key = NULL;
	char fingerprint[65];
	bool insecure_http = false;
	const char *web_dir = NULL, *chart_js = NULL;

	/* A batch request allocates and frees a few MiB (body, JSON trees,
	 * the answer); glibc's defaults give it back to the kernel after each
	 * request and fault it in again, which was a third of the daemon's CPU
	 * in bench/ledger.sh. Keep it: the peak is bounded by the request and
	 * group limits (common/limits.h). A statement upload's tens of MiB
	 * are mapped on their own and given back (LIMIT_MALLOC_LARGE_BYTES). */
	mallopt(M_MMAP_THRESHOLD, LIMIT_MALLOC_LARGE_BYTES);
	mallopt(M_TRIM_THRESHOLD, LIMIT_MALLOC_KEEP_BYTES);
	const char *config = NULL;
	const char *listen = NULL;
	const char *database = NULL;
	struct sockaddr_in addr;
	struct ledger_server *srv = NULL;
	sigset_t stop;
	int sig;
	const char *conninfo;
	PGconn *c = NULL;
	int opt, rc, status = 1;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'd': database = optarg; break;
		case 'F': database_file = optarg; break;
		case 'l': listen = optarg; break;
		case 'k': sign_key = optarg; break;
		case 'C': sign_cert = optarg; break;
		case 'D': sign_certs_dir = optarg; break;
		case 'P': per_address = optarg; break;
		case 'H': header_timeout = optarg; break;
		case 'R': request_timeout = optarg; break;
		case 'T': tls_cert = optarg; break;
		case 'K': tls_key = optarg; break;
		case 'I': insecure_http = true; break;
		case 'W': web_dir = optarg; break;
		case 'J': chart_js = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("tfledgerd %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tfledgerd: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	if (config && cfg_file_read(config, on_setting, &fs) < 0) {
		fprintf(stderr, "tfledgerd: %s\n", err_last());
		goto cleanup;
	}
	if (database && database_file) {
		fprintf(stderr, "tfledgerd: give --database or --database-file, not both\n");
		goto cleanup;
	}
	if (!database && !database_file) {
		database = fs.database;
		database_file = fs.database ? NULL : fs.database_file;
	}
	if (database_file) {
		if (cfg_secret_file(secret, sizeof(secret), database_file) < 0) {
			fprintf(stderr, "tfledgerd: --database-file: %s\n", err_last());
			goto cleanup;
		}
		database = secret;
	}
	if (!listen)
		listen = fs.listen ? fs.listen : "127.0.0.1:8080";
	sign_key = sign_key ? sign_key : fs.sign_key;
	sign_cert = sign_cert ? sign_cert : fs.sign_cert;
	sign_certs_dir = sign_certs_dir ? sign_certs_dir : fs.sign_certs_dir;
	if (daemon_signing_load(sign_key, sign_cert, sign_certs_dir) < 0) {
		fprintf(stderr, "tfledgerd: signing: %s\n", err_last());
		goto cleanup;
	}
	if (parse_count(&limits.per_address, "--per-address-connections",
			per_address ? per_address : fs.per_address, LIMIT_HTTP_CONNECTIONS) < 0 ||
	    parse_count(&limits.header_s, "--header-timeout",
			header_timeout ? header_timeout : fs.header_timeout, LIMIT_HTTP_BOUND_MAX_S) < 0 ||
	    parse_count(&limits.request_s, "--request-timeout",
			request_timeout ? request_timeout : fs.request_timeout,
			LIMIT_HTTP_BOUND_MAX_S) < 0) {
		fprintf(stderr, "tfledgerd: %s\n", err_last());
		goto cleanup;
	}
	web_dir = web_dir ? web_dir : fs.web_dir;
	chart_js = chart_js ? chart_js : fs.chart_js;
	if (daemon_static_configure(web_dir, chart_js) < 0) {
		if ((web_dir && !daemon_static_web_dir()) || (chart_js && !daemon_static_chart_js())) {
			fprintf(stderr, "tfledgerd: web workspace: %s\n", err_last());
			goto cleanup;
		}
		log_warn("the web workspace is not served", "error", err_last(), NULL);
	}
	conninfo = cfg_database(database);
	if (!conninfo || parse_listen(&addr, listen) < 0) {
		fprintf(stderr, "tfledgerd: %s\n", err_last());
		goto cleanup;
	}
	tls_cert = tls_cert ? tls_cert : fs.tls_cert;
	tls_key = tls_key ? tls_key : fs.tls_key;
	if ((tls_cert || tls_key) && daemon_tls_load(fingerprint, sizeof(fingerprint), tls_cert,
						     tls_key) < 0) {
		fprintf(stderr, "tfledgerd: tls: %s\n", err_last());
		goto cleanup;
	}
	if (!daemon_tls_on() && !insecure_http && !loopback(&addr)) {
		fprintf(stderr, "tfledgerd: --listen %s is not a loopback address: give --tls-cert "
				"and --tls-key to serve HTTPS there, or --insecure-http if plain HTTP "
				"on the network is really meant\n", listen);
		goto cleanup;
	}
	rc = migrate_default_dir(dir, sizeof(dir));
	if (rc == 0)
		rc = db_connect(&c, conninfo);
	if (rc == 0)
		rc = migrate_check(c, dir);
	if (rc == 0)
		rc = ledger_store_setup(c); /* the role tfledger_daemon is usable */
	PQfinish(c);
	if (rc < 0) {
		log_error("cannot start", "error", err_last(), NULL);
		status = err_exit_status(rc);
		goto cleanup;
	}
	/* Block the stop signals in every thread; only sigwait() below takes
	 * them, so no request thread is interrupted. SIGPIPE is ignored: a
	 * client that hangs up must not kill the daemon. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (daemon_server_start(&srv, conninfo, &addr, daemon_tls_on(), &limits) < 0) {
		log_error("cannot listen", "listen", listen, "error", err_last(), NULL);
		status = 2;
		goto cleanup;
	}
	log_info("listening", "listen", listen, "version", PACKAGE_VERSION, "signing",
		 sign_key ? "on" : "off", "tls", daemon_tls_on() ? fingerprint : "off", NULL);
	for (;;) {
		if (sigwait(&stop, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		if (daemon_signing_load(sign_key, sign_cert, sign_certs_dir) < 0)
			log_error("SIGHUP: signing keys not reloaded, the old ones stay",
				  "error", err_last(), NULL);
		else
			log_info("SIGHUP: signing keys reloaded", NULL);
		if (!daemon_tls_on())
			continue;
		if (daemon_tls_load(fingerprint, sizeof(fingerprint), tls_cert, tls_key) < 0)
			log_error("SIGHUP: TLS certificate not reloaded, the old one stays", "error",
				  err_last(), NULL);
		else
			log_info("SIGHUP: TLS certificate reloaded", "sha256", fingerprint, NULL);
	}
	log_info("stopping: draining requests in flight", NULL);
	daemon_server_stop(srv);
	log_info("stopped", NULL);
	status = 0;
cleanup:
	daemon_signing_free_all();
	daemon_tls_free_all();
	free(fs.database);
	free(fs.database_file);
	free(fs.listen);
	free(fs.sign_key);
	free(fs.sign_cert);
	free(fs.sign_certs_dir);
	free(fs.per_address);
	free(fs.header_timeout);
	free(fs.request_timeout);
	free(fs.tls_cert);
	free(fs.tls_key);
	free(fs.web_dir);
	free(fs.chart_js);
	return status;
}
