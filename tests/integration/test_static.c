/*
 * test_static.c - tfledgerd serving the web workspace's files
 * (daemon/static.c) from a web directory made here, with a secret file
 * beside it that no request may reach: GET / and /web/... with their
 * Content-Type and security headers; "..", "%2e%2e" and "%2f" sent as is
 * (a raw socket: curl would tidy the path), a hidden file, a symlink out
 * (to a file and to a directory), a directory (no listing), an unknown
 * extension: all 404 and never the secret. Chart.js from --chart-js; a
 * --web-dir that is not there stops start-up.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/harness/harness.h"
#include "tests/integration/ledger_fixture.h"

#define SECRET "the secret beside the web directory"

static struct daemon D;
static char conninfo[LIMIT_CONNINFO_BYTES], dir[LIMIT_PATH_BYTES], web[LIMIT_PATH_BYTES + 8],
	chart[LIMIT_PATH_BYTES + 16];

static void put(const char *rel, const char *text)
{
	char path[LIMIT_PATH_BYTES + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	harness_spit_text(path, text);
}

static void setup(void)
{
	char path[LIMIT_PATH_BYTES + 64], target[LIMIT_PATH_BYTES + 64];
	const char *args[] = {"--database", conninfo, "--web-dir", web, "--chart-js", chart, NULL};

	harness_new_db(conninfo, sizeof(conninfo));
	harness_tmpdir(dir, sizeof(dir));
	snprintf(web, sizeof(web), "%s/web", dir);
	snprintf(chart, sizeof(chart), "%s/chart.min.js", dir);
	ck_assert_int_eq(mkdir(web, 0755), 0);
	snprintf(path, sizeof(path), "%s/js", web);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/outside", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put("web/index.html", "<!doctype html><title>workspace</title>");
	put("web/app.css", "body { color: #000; }");
	put("web/js/app.js", "export const x = 1;");
	put("web/.hidden.txt", SECRET);
	put("web/run.sh", SECRET);
	put("secret.txt", SECRET);
	put("outside/secret.txt", SECRET);
	put("chart.min.js", "/* Chart.js stand-in */");
	snprintf(target, sizeof(target), "%s/secret.txt", dir);
	snprintf(path, sizeof(path), "%s/link.txt", web);
	ck_assert_int_eq(symlink(target, path), 0);
	snprintf(target, sizeof(target), "%s/outside", dir);
	snprintf(path, sizeof(path), "%s/linked", web);
	ck_assert_int_eq(symlink(target, path), 0);
	for (int attempt = 0; attempt < 5; attempt++)
		if (daemon_spawn(&D, dir, args, NULL))
			return;
	ck_abort_msg("tfledgerd did not start");
}

static void teardown(void)
{
	if (D.pid)
		daemon_stop(&D);
}

/* "METHOD PATH" sent byte for byte on a socket; the whole answer, a new string. */
static char *raw(const char *method, const char *path)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)D.port)};
	char req[512], *out = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
		     method, path);
	ck_assert_int_eq(write(fd, req, (size_t)n), n);
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
		n = read(fd, out + len, 4096);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	out[len] = '\0';
	return out;
}

/* The answer's status code. */
static int status_of(const char *answer)
{
	int st = 0;

	ck_assert_msg(sscanf(answer, "HTTP/1.1 %d", &st) == 1, "no status line: %.200s", answer);
	return st;
}

/* path must be 404 and must not leak the secret. */
static void refused(const char *path)
{
	char *a = raw("GET", path);

	ck_assert_msg(status_of(a) == 404, "GET %s: want 404, got %.300s", path, a);
	ck_assert_msg(!strstr(a, SECRET), "GET %s leaked the secret", path);
	free(a);
}

/* GET path is 200 with Content-Type type, the security headers and body. */
static void served(const char *path, const char *type, const char *body)
{
	char *a = raw("GET", path), want[128];

	ck_assert_msg(status_of(a) == 200, "GET %s: %.300s", path, a);
	snprintf(want, sizeof(want), "Content-Type: %s\r\n", type);
	ck_assert_msg(strstr(a, want), "GET %s: no %s in %.400s", path, want, a);
	ck_assert_msg(strstr(a, "Content-Security-Policy: default-src 'self'; "
				"frame-ancestors 'none'\r\n"), "GET %s: CSP", path);
	ck_assert_msg(strstr(a, "X-Content-Type-Options: nosniff\r\n"), "GET %s: nosniff", path);
	ck_assert_msg(strstr(a, "Referrer-Policy: no-referrer\r\n"), "GET %s: referrer", path);
	ck_assert_msg(strstr(a, "Cache-Control: no-cache\r\n"), "GET %s: cache", path);
	ck_assert_msg(strstr(a, body), "GET %s: body %.300s", path, a);
	free(a);
}

START_TEST(test_static__serves_the_workspace_with_its_headers)
{
	served("/", "text/html; charset=utf-8", "<title>workspace</title>");
	served("/web/index.html", "text/html; charset=utf-8", "<title>workspace</title>");
	served("/web/app.css", "text/css; charset=utf-8", "color: #000");
	served("/web/js/app.js", "text/javascript; charset=utf-8", "export const x");
	served("/web/vendor/chart.js", "text/javascript; charset=utf-8", "Chart.js stand-in");
}
END_TEST

START_TEST(test_static__nothing_outside_the_web_directory)
{
	static const char *const paths[] = {
		"/web/../secret.txt",          "/web/%2e%2e/secret.txt",
		"/web/%2E%2E/secret.txt",      "/web/..%2fsecret.txt",
		"/web/%2e%2e%2fsecret.txt",    "/web/js/..%2f..%2fsecret.txt",
		"/web/.hidden.txt",            "/web/%2ehidden.txt",
		"/web/link.txt",               "/web/linked/secret.txt",
		"/web/js",                     "/web/js/",
		"/web/run.sh",                 "/web/missing.html",
		"/web/",                       "/web/vendor/other.js",
		"/web/a/b/c.js",
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		refused(paths[i]);
	/* the daemon still serves afterwards */
	served("/", "text/html; charset=utf-8", "workspace");
}
END_TEST

START_TEST(test_static__only_get)
{
	char *a = raw("POST", "/");

	ck_assert_msg(status_of(a) == 405 && strstr(a, "Allow: GET\r\n"), "%.300s", a);
	free(a);
	a = raw("DELETE", "/web/app.css");
	ck_assert_msg(status_of(a) == 405, "%.300s", a);
	free(a);
}
END_TEST

START_TEST(test_static__a_web_dir_not_there_stops_start_up)
{
	struct daemon d;
	char missing[LIMIT_PATH_BYTES + 16], *log;
	const char *args[] = {"--database", conninfo, "--web-dir", missing, NULL};
	int status = 0;

	snprintf(missing, sizeof(missing), "%s/nowhere", dir);
	ck_assert_int_eq(daemon_spawn(&d, dir, args, &status), 0);
	ck_assert_int_ne(status, 0);
	log = harness_slurp(d.log, NULL);
	ck_assert_msg(strstr(log, "nowhere") && strstr(log, "not a directory"), "%s", log);
	free(log);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test table[] = {
		{test_static__serves_the_workspace_with_its_headers, 0},
		{test_static__nothing_outside_the_web_directory, 0},
		{test_static__only_get, 0},
		{test_static__a_web_dir_not_there_stops_start_up, 0},
	};
	Suite *s = suite_create("static");

	harness_add_tcase(s, "static", setup, teardown, 120, table, HARNESS_N(table));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
