/*
 * ledger_fixture.h - what the ledger's integration tests share: the real
 * tfledgerd started on a free port against a fresh database, tokens made
 * with the real `tfledger token create`, and an HTTP client (libcurl).
 * Static functions, included by each test program of the ledger.
 */
#ifndef TFLEDGER_TEST_LEDGER_FIXTURE_H
#define TFLEDGER_TEST_LEDGER_FIXTURE_H

#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/limits.h"
#include "tests/harness/harness.h"

struct daemon {
	pid_t pid;
	int port;
	char conninfo[LIMIT_CONNINFO_BYTES];
	char base[64];
	char log[LIMIT_PATH_BYTES + 64];
};

struct resp {
	long status;
	char *body;
	size_t len;
	char request_id[80];
	char retry_after[16];
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct resp *r = ud;
	size_t k = size * n;
	char *b = realloc(r->body, r->len + k + 1);

	if (!b)
		return 0;
	memcpy(b + r->len, p, k);
	r->body = b;
	r->len += k;
	b[r->len] = '\0';
	return k;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct resp *r = ud;
	size_t k = size * n;

	if (k > 14 && strncasecmp(p, "X-Request-Id: ", 14) == 0)
		snprintf(r->request_id, sizeof(r->request_id), "%.*s", (int)strcspn(p + 14, "\r\n"),
			 p + 14);
	if (k > 13 && strncasecmp(p, "Retry-After: ", 13) == 0)
		snprintf(r->retry_after, sizeof(r->retry_after), "%.*s",
			 (int)strcspn(p + 13, "\r\n"), p + 13);
	return k;
}

static void resp_free(struct resp *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/*
 * One request on handle h (NULL: a fresh handle). token NULL: no
 * Authorization, "Basic ..." that header as is, else a bearer token; key NULL: no Idempotency-Key; body NULL: no body.
 * status 0 means the connection failed.
 */
static struct resp http_on_typed(CURL *h, const struct daemon *d, const char *method,
				 const char *path, const char *token, const char *key,
				 const char *ctype, const char *body, size_t body_len)
{
	struct resp r = {0};
	struct curl_slist *hdr = NULL;
	char url[512], line[600];
	CURL *c = h ? h : curl_easy_init();

	ck_assert_ptr_nonnull(c);
	curl_easy_reset(c);
	snprintf(url, sizeof(url), "%s%s", d->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (token) {
		/* "Basic ..." is sent as is: the wrong scheme, for tests of 401 */
		snprintf(line, sizeof(line), "Authorization: %s%s",
			 strncmp(token, "Basic ", 6) == 0 ? "" : "Bearer ", token);
		hdr = curl_slist_append(hdr, line);
	}
	if (key) {
		snprintf(line, sizeof(line), "Idempotency-Key: %s", key);
		hdr = curl_slist_append(hdr, line);
	}
	hdr = curl_slist_append(hdr, "Expect:");
	if (body) {
		snprintf(line, sizeof(line), "Content-Type: %s", ctype);
		hdr = curl_slist_append(hdr, line);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(hdr);
	if (!h)
		curl_easy_cleanup(c);
	if (!r.body)
		r.body = strdup("");
	return r;
}

/* As http_on_typed with Content-Type: application/json. */
static struct resp http_on(CURL *h, const struct daemon *d, const char *method,
			   const char *path, const char *token, const char *key,
			   const char *body, size_t body_len)
{
	return http_on_typed(h, d, method, path, token, key, "application/json", body, body_len);
}

static struct resp http(const struct daemon *d, const char *method, const char *path,
			const char *token, const char *key, const char *body)
{
	return http_on(NULL, d, method, path, token, key, body, body ? strlen(body) : 0);
}

/*
 * Starts tfledgerd with the NULL-terminated args (at most 8: how it reaches
 * the database, "--database", conninfo or "--database-file", path) on a
 * free port, its stderr in log_dir; 1 once it answers /healthz, 0 when it
 * exited first, its exit status in *status (NULL: not wanted).
 */
static int daemon_spawn(struct daemon *d, const char *log_dir, const char *const *args,
			int *status)
{
	d->port = harness_free_port();
	snprintf(d->base, sizeof(d->base), "http://127.0.0.1:%d", d->port);
	snprintf(d->log, sizeof(d->log), "%s/tfledgerd-%d.log", log_dir, d->port);
	d->pid = fork();
	ck_assert_int_ge(d->pid, 0);
	if (d->pid == 0) {
		char listen[32];
		const char *argv[12] = {"tfledgerd"};
		int n = 1;
		FILE *f = fopen(d->log, "a");

		if (f)
			dup2(fileno(f), STDERR_FILENO);
		snprintf(listen, sizeof(listen), "127.0.0.1:%d", d->port);
		for (int i = 0; args[i] && n < 9; i++)
			argv[n++] = args[i];
		argv[n++] = "--listen";
		argv[n++] = listen;
		execv(harness_bin_tfledgerd(), (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 1000; i++) {
		struct resp r = http(d, "GET", "/healthz", NULL, NULL, NULL);
		long st = r.status;
		int ws;

		resp_free(&r);
		if (st == 200)
			return 1;
		if (waitpid(d->pid, &ws, WNOHANG) != 0) {
			d->pid = 0;
			if (status)
				*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128;
			return 0;
		}
		usleep(10000);
	}
	ck_abort_msg("tfledgerd neither answered /healthz nor exited");
	return 0;
}

/* Starts tfledgerd for conninfo and waits for /healthz; a port taken
 * between harness_free_port and the bind is tried again. */
static void daemon_start(struct daemon *d, const char *conninfo, const char *log_dir)
{
	const char *args[] = {"--database", conninfo, NULL};

	snprintf(d->conninfo, sizeof(d->conninfo), "%s", conninfo);
	for (int attempt = 0; attempt < 5; attempt++)
		if (daemon_spawn(d, log_dir, args, NULL))
			return;
	{
		char *log = harness_slurp(d->log, NULL);

		ck_abort_msg("tfledgerd exited at start-up five times; its log: %.2000s", log);
	}
}

/* SIGTERM; asserts a clean exit 0. */
static void daemon_stop(struct daemon *d)
{
	int ws;

	ck_assert_int_eq(kill(d->pid, SIGTERM), 0);
	while (waitpid(d->pid, &ws, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "tfledgerd did not exit 0 on SIGTERM");
	d->pid = 0;
}

__attribute__((unused)) static void daemon_kill9(struct daemon *d)
{
	int ws;

	kill(d->pid, SIGKILL);
	while (waitpid(d->pid, &ws, 0) < 0 && errno == EINTR)
		;
	d->pid = 0;
}

/* A new token of role made by the real CLI; returns a new string. */
static char *make_token(const char *conninfo, const char *role, const char *name)
{
	const char *argv[] = {harness_bin_tfledger(), "token", "create", "--role", role,
			      "--name", name, "--database", conninfo, NULL};
	char *out = NULL, *err = NULL;
	int rc = harness_run(&out, &err, NULL, argv);

	ck_assert_msg(rc == 0, "token create: %s", err);
	out[strcspn(out, "\n")] = '\0';
	ck_assert_int_eq(strlen(out), 85);
	free(err);
	return out;
}

/* The first column of the first row of sql as a long long. */
__attribute__((unused)) static long long query_ll(const char *conninfo, const char *sql)
{
	PGconn *c = harness_connect(conninfo);
	char *v = harness_query_value(c, sql);
	long long n = v ? strtoll(v, NULL, 10) : 0;

	free(v);
	PQfinish(c);
	return n;
}

__attribute__((unused)) static char *query_str(const char *conninfo, const char *sql)
{
	PGconn *c = harness_connect(conninfo);
	char *v = harness_query_value(c, sql);

	PQfinish(c);
	return v;
}

/*
 * The routes tests' world: a fresh migrated database, a token of each role,
 * a directory for the daemon's log, and the daemon (started by the test's
 * setup once the data it needs is in).
 */
struct roles_env {
	char conninfo[LIMIT_CONNINFO_BYTES];
	char dir[LIMIT_PATH_BYTES];
	struct daemon d;
	char *admin, *finance, *secretariat, *auditor;
};

/* The database, the directory and the four tokens (no daemon yet). */
__attribute__((unused)) static void roles_env_open(struct roles_env *e)
{
	harness_new_db(e->conninfo, sizeof(e->conninfo));
	harness_tmpdir(e->dir, sizeof(e->dir));
	e->admin = make_token(e->conninfo, "admin", "ada");
	e->finance = make_token(e->conninfo, "finance", "fin");
	e->secretariat = make_token(e->conninfo, "secretariat", "sec");
	e->auditor = make_token(e->conninfo, "auditor", "aud");
}

/* Stops the daemon if it runs and frees the tokens. */
__attribute__((unused)) static void roles_env_close(struct roles_env *e)
{
	if (e->d.pid)
		daemon_stop(&e->d);
	free(e->admin);
	free(e->finance);
	free(e->secretariat);
	free(e->auditor);
}

/* A JSON request to d that must answer status; returns the parsed answer. */
__attribute__((unused)) static json_t *call_on(const struct daemon *d, const char *method,
					       const char *path, const char *token,
					       const char *body, long status)
{
	struct resp r = http(d, method, path, token, NULL, body);
	json_t *o;

	ck_assert_msg(r.status == status, "%s %s: %ld, want %ld: %s", method, path, r.status,
		      status, r.body);
	o = json_loads(r.body, 0, NULL);
	ck_assert_msg(o, "%s %s: not JSON: %s", method, path, r.body);
	resp_free(&r);
	return o;
}

/*
 * The CLI's world in a test: tfledgerd on one database, and tokens of the
 * roles the finance families need, made with the real `tfledger token
 * create`. The CLI then runs with --url and --token only (cli_on): the one
 * door, no database.
 */
struct cli_env {
	struct daemon d;
	char dir[LIMIT_PATH_BYTES];
	char *finance, *admin;
};

/* Tokens (named cli-finance and cli-admin) and the daemon for conninfo. */
__attribute__((unused)) static void cli_env_open(struct cli_env *e, const char *conninfo)
{
	harness_tmpdir(e->dir, sizeof(e->dir));
	e->finance = make_token(conninfo, "finance", "cli-finance");
	e->admin = make_token(conninfo, "admin", "cli-admin");
	daemon_start(&e->d, conninfo, e->dir);
}

/* Stops the daemon and frees the tokens. */
__attribute__((unused)) static void cli_env_close(struct cli_env *e)
{
	if (e->d.pid)
		daemon_stop(&e->d);
	free(e->finance);
	free(e->admin);
	e->finance = e->admin = NULL;
}

/*
 * Runs `tfledger ARGS... --url URL --token TOKEN` (args NULL-terminated, at
 * most 28) against the daemon d with token; as harness_run: its exit
 * status, stdout and stderr into new strings (NULL to discard).
 */
__attribute__((unused)) static int cli_on(char **out, char **err, const struct daemon *d,
					  const char *token, const char *const *args)
{
	const char *argv[32] = {harness_bin_tfledger()};
	int n = 1;

	for (; *args; args++) {
		ck_assert_int_lt(n, 28);
		argv[n++] = *args;
	}
	argv[n++] = "--url";
	argv[n++] = d->base;
	argv[n++] = "--token";
	argv[n++] = token;
	argv[n] = NULL;
	return harness_run(out, err, NULL, argv);
}

/* A two-posting EUR entry body. */
__attribute__((unused)) static void entry_body(char *out, size_t size, const char *date, const char *debit,
		       const char *credit, const char *amount)
{
	snprintf(out, size,
		 "{\"date\":\"%s\",\"memo\":\"m\",\"reference\":\"r\",\"postings\":["
		 "{\"account\":\"%s\",\"side\":\"debit\",\"amount\":\"%s\",\"currency\":\"EUR\"},"
		 "{\"account\":\"%s\",\"side\":\"credit\",\"amount\":\"%s\",\"currency\":\"EUR\"}]}",
		 date, debit, amount, credit, amount);
}

/* The string value of top-level field key of a JSON text, new string or NULL. */
__attribute__((unused)) static char *json_str(const char *text, const char *key)
{
	json_t *o = json_loads(text, 0, NULL);
	json_t *v = json_object_get(o, key);
	char *s = json_is_string(v) ? strdup(json_string_value(v)) : NULL;

	json_decref(o);
	return s;
}

/* The error code of an error answer, new string or NULL. */
__attribute__((unused)) static char *error_code(const char *text)
{
	json_t *o = json_loads(text, 0, NULL);
	json_t *v = json_object_get(json_object_get(o, "error"), "code");
	char *s = json_is_string(v) ? strdup(json_string_value(v)) : NULL;

	json_decref(o);
	return s;
}

#endif
