/*
 * test_tls.c - tfledgerd over TLS (issue 16, "Also: TLS"), with the real
 * daemon, the real CLI and the real openssl command: a CA and server
 * certificates are made at test time in the test's directory. The CLI
 * talks https with --cacert (or $TFLEDGER_CACERT) and refuses a server it
 * cannot verify; TLS 1.1 is refused while 1.2 and 1.3 are served; SIGHUP
 * with a new certificate makes new connections see it while the daemon
 * keeps running, and a bad pair on reload keeps the old one; a bad pair at
 * start-up stops the daemon naming the file; plain HTTP is refused on a
 * non-loopback address unless --insecure-http. The web workspace's session
 * cookie is Secure over TLS (sign-in and sign-out) and not over plain HTTP
 * on loopback, where a browser would not send a Secure cookie back.
 */
#include "tests/integration/ledger_fixture.h"

#include <sys/stat.h>

static struct roles_env E;
static char ca[LIMIT_PATH_BYTES + 16], cert[LIMIT_PATH_BYTES + 16], key[LIMIT_PATH_BYTES + 16];

/* Runs the shell command (formatted) in E.dir; its exit status, stdout and
 * stderr together into *out (NULL: discarded). */
__attribute__((format(printf, 2, 3))) static int sh(char **out, const char *fmt, ...)
{
	char cmd[4096], full[4096 + LIMIT_PATH_BYTES + 32];
	const char *argv[] = {"/bin/sh", "-c", full, NULL};
	char *o = NULL, *e = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd '%s' && { %s ; } 2>&1", E.dir, cmd);
	rc = harness_run(&o, &e, NULL, argv);
	free(e);
	if (out)
		*out = o;
	else
		free(o);
	return rc;
}

/* A P-256 server key name.key (mode 0600) and its certificate name.pem for
 * 127.0.0.1 signed by the test CA. */
static void make_server_cert(const char *name)
{
	char *out = NULL;
	int rc = sh(&out,
		    "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		    "-keyout %s.key -out %s.csr -subj /CN=127.0.0.1 && chmod 600 %s.key && "
		    "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > %s.ext && "
		    "openssl x509 -req -in %s.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
		    "-days 2 -out %s.pem -extfile %s.ext",
		    name, name, name, name, name, name, name);

	ck_assert_msg(rc == 0, "openssl: %s", out);
	free(out);
}

static void setup(void)
{
	char *out = NULL;
	int rc;

	roles_env_open(&E);
	rc = sh(&out, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		      "-keyout ca.key -out ca.pem -days 2 -subj '/CN=tfledger test CA'");
	ck_assert_msg(rc == 0, "openssl: %s", out);
	free(out);
	make_server_cert("srv");
	make_server_cert("srv2");
	snprintf(ca, sizeof(ca), "%s/ca.pem", E.dir);
	snprintf(cert, sizeof(cert), "%s/srv.pem", E.dir);
	snprintf(key, sizeof(key), "%s/srv.key", E.dir);
}

static void teardown(void)
{
	roles_env_close(&E);
}

/* GET path over d->base with the CA file cacert (NULL: the system's); the
 * answer's status, 0 when the connection or the handshake failed. */
static long get(const struct daemon *d, const char *path, const char *cacert)
{
	struct resp r = {0};
	char url[512];
	CURL *c = curl_easy_init();

	ck_assert_ptr_nonnull(c);
	snprintf(url, sizeof(url), "%s%s", d->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_cleanup(c);
	free(r.body);
	return r.status;
}

/*
 * Starts tfledgerd on E's database listening on listen_host (a free port)
 * with the NULL-terminated extra args (at most 8); https: the base URL is
 * https and /healthz is asked with the test CA. 1 once /healthz answers
 * 200, 0 when it exited first, its exit status in *status.
 */
static int spawn(struct daemon *d, const char *listen_host, bool https,
		 const char *const *args, int *status)
{
	d->port = harness_free_port();
	snprintf(d->base, sizeof(d->base), "%s://127.0.0.1:%d", https ? "https" : "http",
		 d->port);
	snprintf(d->log, sizeof(d->log), "%s/tfledgerd-%d.log", E.dir, d->port);
	d->pid = fork();
	ck_assert_int_ge(d->pid, 0);
	if (d->pid == 0) {
		char listen[64];
		const char *argv[16] = {"tfledgerd", "--database", E.conninfo, "--listen", listen};
		int n = 5;
		FILE *f = fopen(d->log, "a");

		if (f)
			dup2(fileno(f), STDERR_FILENO);
		snprintf(listen, sizeof(listen), "%s:%d", listen_host, d->port);
		for (int i = 0; args[i] && n < 15; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv(harness_bin_tfledgerd(), (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 1000; i++) {
		int ws;

		if (get(d, "/healthz", ca) == 200)
			return 1;
		if (waitpid(d->pid, &ws, WNOHANG) != 0) {
			d->pid = 0;
			*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128;
			return 0;
		}
		usleep(10000);
	}
	ck_abort_msg("tfledgerd neither answered /healthz nor exited");
	return 0;
}

/* tfledgerd over TLS with E's pair, on 127.0.0.1. */
static void start_tls(struct daemon *d)
{
	const char *args[] = {"--tls-cert", cert, "--tls-key", key, NULL};
	int status = 0;

	if (!spawn(d, "127.0.0.1", true, args, &status)) {
		char *log = harness_slurp(d->log, NULL);

		ck_abort_msg("tfledgerd exited %d: %s", status, log);
	}
}

/* The SHA-256 fingerprint of the certificate the server on port shows to a
 * new connection, as openssl prints it; new string. */
static char *served_fingerprint(int port)
{
	char *out = NULL;
	int rc = sh(&out, "openssl s_client -connect 127.0.0.1:%d -CAfile ca.pem </dev/null "
			  "2>/dev/null | openssl x509 -noout -fingerprint -sha256", port);

	ck_assert_msg(rc == 0, "s_client: %s", out);
	return out;
}

/* The SHA-256 fingerprint of the certificate in file name; new string. */
static char *file_fingerprint(const char *name)
{
	char *out = NULL;
	int rc = sh(&out, "openssl x509 -in %s -noout -fingerprint -sha256", name);

	ck_assert_msg(rc == 0, "x509: %s", out);
	return out;
}

/* Waits (at most 10 s) until the daemon's log holds text. */
static void wait_log(const struct daemon *d, const char *text)
{
	for (int i = 0; i < 1000; i++) {
		char *log = harness_slurp(d->log, NULL);
		bool found = log && strstr(log, text);

		free(log);
		if (found)
			return;
		usleep(10000);
	}
	ck_abort_msg("tfledgerd's log never said '%s'", text);
}

/* An answer with the Set-Cookie it carried (the last one; "" if none). */
struct cookie_resp {
	struct resp r;
	char set_cookie[512];
};

static size_t on_cookie_header(char *p, size_t size, size_t n, void *ud)
{
	struct cookie_resp *cr = ud;
	size_t k = size * n;

	if (k > 12 && strncasecmp(p, "Set-Cookie: ", 12) == 0)
		snprintf(cr->set_cookie, sizeof(cr->set_cookie), "%.*s",
			 (int)strcspn(p + 12, "\r\n"), p + 12);
	return k;
}

/*
 * One JSON request to d, verified with the test CA when d is https: token
 * (bearer, NULL: none) or cookie and csrf (the session's, NULL: none),
 * body (NULL: none). The status must be want; the answer and its
 * Set-Cookie are returned (free cr.r.body).
 */
static struct cookie_resp web(const struct daemon *d, const char *method, const char *path,
			      const char *token, const char *cookie, const char *csrf,
			      const char *body, long want)
{
	struct cookie_resp cr = {0};
	struct curl_slist *hdr = NULL;
	char url[512], line[256];
	CURL *c = curl_easy_init();

	ck_assert_ptr_nonnull(c);
	snprintf(url, sizeof(url), "%s%s", d->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &cr.r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_cookie_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &cr);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	if (token) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
		hdr = curl_slist_append(hdr, line);
	}
	if (cookie) {
		snprintf(line, sizeof(line), "tfledger_session=%s", cookie);
		curl_easy_setopt(c, CURLOPT_COOKIE, line);
	}
	if (csrf) {
		snprintf(line, sizeof(line), "X-CSRF-Token: %s", csrf);
		hdr = curl_slist_append(hdr, line);
	}
	hdr = curl_slist_append(hdr, "Expect:");
	if (body) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &cr.r.status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	ck_assert_msg(cr.r.status == want, "%s %s: %ld, want %ld: %s", method, path, cr.r.status,
		      want, cr.r.body ? cr.r.body : "");
	return cr;
}

/*
 * Signs "fatou" in on d and checks the session cookie's Secure attribute
 * (secure: present, else absent) on the sign-in's cookie and on the
 * sign-out's that clears it.
 */
static void expect_cookie_secure(const struct daemon *d, bool secure)
{
	struct cookie_resp in = web(d, "POST", "/v1/sessions", NULL, NULL, NULL,
				    "{\"name\":\"fatou\",\"password\":\"correct horse battery\"}",
				    201);
	struct cookie_resp out;
	char cookie[80];
	char *csrf = json_str(in.r.body, "csrf");

	ck_assert_msg(strncmp(in.set_cookie, "tfledger_session=", 17) == 0, "%s: Set-Cookie %s",
		      d->base, in.set_cookie);
	ck_assert_ptr_nonnull(strstr(in.set_cookie, "; HttpOnly"));
	ck_assert_ptr_nonnull(strstr(in.set_cookie, "; SameSite=Strict"));
	ck_assert_msg((strstr(in.set_cookie, "; Secure") != NULL) == secure,
		      "%s: Secure %s on the sign-in's cookie: %s", d->base,
		      secure ? "missing" : "present", in.set_cookie);
	snprintf(cookie, sizeof(cookie), "%.*s", (int)strcspn(in.set_cookie + 17, ";"),
		 in.set_cookie + 17);
	ck_assert_ptr_nonnull(csrf);
	out = web(d, "DELETE", "/v1/session", NULL, cookie, csrf, NULL, 204);
	ck_assert_msg(strstr(out.set_cookie, "Max-Age=0"), "%s: sign-out Set-Cookie %s",
		      d->base, out.set_cookie);
	ck_assert_msg((strstr(out.set_cookie, "; Secure") != NULL) == secure,
		      "%s: Secure %s on the sign-out's cookie: %s", d->base,
		      secure ? "missing" : "present", out.set_cookie);
	free(csrf);
	free(in.r.body);
	free(out.r.body);
}

START_TEST(test_tls__the_session_cookie_is_secure_over_tls_and_not_over_loopback_http)
{
	struct daemon d = {0};
	const char *none[] = {NULL};
	int status = -1;

	start_tls(&d);
	free(web(&d, "POST", "/v1/users", E.admin, NULL, NULL,
		 "{\"name\":\"fatou\",\"roles\":[\"finance\"],"
		 "\"password\":\"correct horse battery\"}", 201).r.body);
	expect_cookie_secure(&d, true);
	daemon_stop(&d);
	/* the same database on plain HTTP on loopback: no Secure (the browser
	 * would not send a Secure cookie back over http://127.0.0.1) */
	ck_assert_msg(spawn(&d, "127.0.0.1", false, none, &status), "loopback: %d", status);
	expect_cookie_secure(&d, false);
	daemon_stop(&d);
}
END_TEST

START_TEST(test_tls__cli_verifies_the_server_with_cacert)
{
	struct daemon d = {0};
	const char *with[] = {harness_bin_tfledger(), "whoami", "--url", NULL, "--token",
			      E.admin, "--cacert", ca, NULL};
	const char *without[] = {harness_bin_tfledger(), "whoami", "--url", NULL,
				 "--token", E.admin, NULL};
	char *out = NULL, *err = NULL;
	int rc;

	start_tls(&d);
	with[3] = without[3] = d.base;
	rc = harness_run(&out, &err, NULL, with);
	ck_assert_msg(rc == 0, "with --cacert: %s", err);
	ck_assert_msg(strstr(out, "ada"), "whoami: %s", out);
	free(out);
	free(err);

	/* $TFLEDGER_CACERT does the same */
	setenv("TFLEDGER_CACERT", ca, 1);
	rc = harness_run(&out, &err, NULL, without);
	unsetenv("TFLEDGER_CACERT");
	ck_assert_msg(rc == 0, "with $TFLEDGER_CACERT: %s", err);
	free(out);
	free(err);

	/* without the CA: refused, saying why and what to do; exit 2 */
	rc = harness_run(&out, &err, NULL, without);
	ck_assert_int_eq(rc, 2);
	ck_assert_msg(strstr(err, "certificate") && strstr(err, "--cacert"), "%s", err);
	free(out);
	free(err);

	/* the plain-HTTP URL to the TLS port gets no answer */
	snprintf(d.base, sizeof(d.base), "http://127.0.0.1:%d", d.port);
	ck_assert_int_eq(get(&d, "/healthz", NULL), 0);
	snprintf(d.base, sizeof(d.base), "https://127.0.0.1:%d", d.port);
	daemon_stop(&d);
}
END_TEST

START_TEST(test_tls__only_tls_1_2_and_1_3)
{
	struct daemon d = {0};
	char *out = NULL;
	int rc;

	start_tls(&d);
	/* SECLEVEL=0 lets openssl's client offer TLS 1.1: the refusal is the server's */
	rc = sh(&out, "openssl s_client -connect 127.0.0.1:%d -CAfile ca.pem -tls1_1 "
		      "-cipher DEFAULT@SECLEVEL=0 </dev/null", d.port);
	ck_assert_msg(rc != 0, "TLS 1.1 was accepted: %s", out);
	/* the client sent its hello (it did not refuse by itself) and got no session */
	ck_assert_msg(!strstr(out, "no protocols available") && !strstr(out, "written 0 bytes") &&
			      strstr(out, "Cipher is (NONE)"),
		      "not refused by the server: %s", out);
	free(out);
	rc = sh(&out, "openssl s_client -connect 127.0.0.1:%d -CAfile ca.pem -tls1_2 "
		      "-verify_return_error </dev/null", d.port);
	ck_assert_msg(rc == 0 && strstr(out, "Protocol  : TLSv1.2"), "TLS 1.2: %s", out);
	free(out);
	rc = sh(&out, "openssl s_client -connect 127.0.0.1:%d -CAfile ca.pem -tls1_3 "
		      "-verify_return_error </dev/null", d.port);
	ck_assert_msg(rc == 0 && strstr(out, "TLSv1.3"), "TLS 1.3: %s", out);
	free(out);
	daemon_stop(&d);
}
END_TEST

START_TEST(test_tls__sighup_swaps_the_certificate_and_a_bad_one_is_not_taken)
{
	struct daemon d = {0};
	char *before = NULL, *now = NULL, *want = NULL, *old = file_fingerprint("srv.pem");
	int rc;
	bool swapped = false, twice = false;

	start_tls(&d);
	before = served_fingerprint(d.port);
	ck_assert_str_eq(before, old);

	/* the new pair put in place, SIGHUP: new connections see it */
	rc = sh(NULL, "cp srv2.key srv.key.new && cp srv2.pem srv.pem.new && "
		      "mv srv.key.new srv.key && mv srv.pem.new srv.pem");
	ck_assert_int_eq(rc, 0);
	want = file_fingerprint("srv2.pem");
	ck_assert_str_ne(want, old);
	ck_assert_int_eq(kill(d.pid, SIGHUP), 0);
	wait_log(&d, "TLS certificate reloaded");
	for (int i = 0; i < 100 && !swapped; i++) {
		free(now);
		now = served_fingerprint(d.port);
		swapped = strcmp(now, want) == 0;
		if (!swapped)
			usleep(50000);
	}
	ck_assert_msg(swapped, "served %s, want %s", now, want);
	ck_assert_int_eq(get(&d, "/healthz", ca), 200);
	ck_assert_int_eq(waitpid(d.pid, NULL, WNOHANG), 0); /* the same process */

	/* a key that does not match the certificate: logged, the old pair stays */
	rc = sh(NULL, "cp ca.key srv.key.new && chmod 600 srv.key.new && mv srv.key.new srv.key");
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(kill(d.pid, SIGHUP), 0);
	wait_log(&d, "TLS certificate not reloaded");
	free(now);
	now = served_fingerprint(d.port);
	ck_assert_str_eq(now, want);
	ck_assert_int_eq(get(&d, "/healthz", ca), 200);

	/* a certificate file that is not PEM: the same */
	rc = sh(NULL, "cp srv2.key srv.key && echo garbage > srv.pem");
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(kill(d.pid, SIGHUP), 0);
	for (int i = 0; i < 1000 && !twice; i++) {
		char *log = harness_slurp(d.log, NULL);
		char *first = log ? strstr(log, "TLS certificate not reloaded") : NULL;

		twice = first && strstr(first + 1, "TLS certificate not reloaded");
		free(log);
		if (!twice)
			usleep(10000);
	}
	ck_assert_msg(twice, "the second bad reload was not logged");
	{
		char *log = harness_slurp(d.log, NULL);

		ck_assert_msg(strstr(log, "srv.key: the private key does not match") &&
				      strstr(log, "srv.pem: not a PEM certificate"),
			      "the reasons, naming the files: %s", log);
		free(log);
	}
	free(now);
	now = served_fingerprint(d.port);
	ck_assert_str_eq(now, want);
	ck_assert_int_eq(get(&d, "/healthz", ca), 200);
	daemon_stop(&d);
	free(before);
	free(now);
	free(want);
	free(old);
}
END_TEST

/* Starting with args must fail with exit 1 and a log naming want. */
static void refused_at_start(const char *listen_host, const char *const *args, const char *want,
			     const char *want2)
{
	struct daemon d = {0};
	int status = -1;
	char *log;

	ck_assert_msg(!spawn(&d, listen_host, true, args, &status), "tfledgerd started");
	ck_assert_int_eq(status, 1);
	log = harness_slurp(d.log, NULL);
	ck_assert_msg(log && strstr(log, want) && strstr(log, want2), "want '%s', '%s': %s", want,
		      want2, log);
	free(log);
}

START_TEST(test_tls__a_bad_pair_stops_start_up_naming_the_file)
{
	char ca_key[LIMIT_PATH_BYTES + 16], missing[LIMIT_PATH_BYTES + 16],
		other[LIMIT_PATH_BYTES + 16];
	const char *mismatch[] = {"--tls-cert", cert, "--tls-key", ca_key, NULL};
	const char *unreadable[] = {"--tls-cert", missing, "--tls-key", key, NULL};
	const char *open_key[] = {"--tls-cert", cert, "--tls-key", key, NULL};
	const char *not_pem[] = {"--tls-cert", other, "--tls-key", key, NULL};
	const char *half[] = {"--tls-cert", cert, NULL};

	snprintf(ca_key, sizeof(ca_key), "%s/ca.key", E.dir);
	snprintf(missing, sizeof(missing), "%s/no-such.pem", E.dir);
	snprintf(other, sizeof(other), "%s/srv.ext", E.dir);
	refused_at_start("127.0.0.1", mismatch, ca_key, "does not match");
	refused_at_start("127.0.0.1", unreadable, missing, "cannot open");
	refused_at_start("127.0.0.1", not_pem, other, "not a PEM certificate");
	refused_at_start("127.0.0.1", half, "--tls-key", "both");
	ck_assert_int_eq(chmod(key, 0640), 0);
	refused_at_start("127.0.0.1", open_key, key, "chmod 600");
}
END_TEST

START_TEST(test_tls__plain_http_only_on_loopback)
{
	struct daemon d = {0};
	const char *none[] = {NULL};
	const char *insecure[] = {"--insecure-http", NULL};
	char conf[LIMIT_PATH_BYTES + 16], text[3 * LIMIT_PATH_BYTES];
	const char *config[] = {"--config", conf, NULL};
	int status = -1;

	/* 0.0.0.0 is every address, not only loopback */
	refused_at_start("0.0.0.0", none, "not a loopback address", "--insecure-http");
	ck_assert_msg(spawn(&d, "0.0.0.0", false, insecure, &status), "--insecure-http: %d",
		      status);
	daemon_stop(&d);
	/* plain HTTP on loopback stays as it was */
	ck_assert_msg(spawn(&d, "127.0.0.1", false, none, &status), "loopback: %d", status);
	daemon_stop(&d);
	/* TLS from the config file's tls_cert and tls_key on every address */
	snprintf(conf, sizeof(conf), "%s/tfledgerd.conf", E.dir);
	snprintf(text, sizeof(text), "tls_cert = %s\ntls_key = %s\n", cert, key);
	harness_spit_text(conf, text);
	ck_assert_msg(spawn(&d, "0.0.0.0", true, config, &status), "tls from --config: %d",
		      status);
	daemon_stop(&d);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test tls[] = {
		{test_tls__cli_verifies_the_server_with_cacert, 0},
		{test_tls__only_tls_1_2_and_1_3, 0},
		{test_tls__sighup_swaps_the_certificate_and_a_bad_one_is_not_taken, 0},
		{test_tls__a_bad_pair_stops_start_up_naming_the_file, 0},
		{test_tls__plain_http_only_on_loopback, 0},
		{test_tls__the_session_cookie_is_secure_over_tls_and_not_over_loopback_http, 0},
	};
	Suite *s = suite_create("tls");

	harness_add_tcase(s, "tls", setup, teardown, 120, tls, HARNESS_N(tls));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
