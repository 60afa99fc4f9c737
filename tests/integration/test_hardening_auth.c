/*
 * test_hardening_auth.c - secrets kept out of `ps` and failed
 * authentications made expensive (issue 16, item 8), through the real
 * tfledgerd and the real CLI: bad tokens are answered 401, logged at info
 * with the client's address and never the token, counted in /metrics, and
 * after LIMIT_AUTH_FAILURES in a window the address is answered 429 with
 * Retry-After (even with a good token), while another address with a good
 * token is served; tfledgerd takes its conninfo from --database-file and
 * the CLI its token from --token-file, and a file that others may read is
 * refused naming it. Clients on other addresses are 127.0.0.2 and
 * 127.0.0.3 (all of 127/8 is loopback on Linux). Each test gets a fresh
 * migrated database.
 */
#include "tests/integration/ledger_fixture.h"

#include <jansson.h>
#include <sys/stat.h>

#define BAD_TOKEN "tfl_NOT-A-TOKEN-but-a-SECRET-guess-0123456789"

static struct roles_env E;

static void setup(void)
{
	roles_env_open(&E);
	daemon_start(&E.d, E.conninfo, E.dir);
}

static void teardown(void)
{
	roles_env_close(&E);
}

/* GET path on d with token from the source address from (an IPv4 of 127/8). */
static struct resp get_from(const char *from, const char *path, const char *token)
{
	struct resp r = {0};
	struct curl_slist *hdr = NULL;
	char url[512], line[600], iface[64];
	CURL *c = curl_easy_init();

	ck_assert_ptr_nonnull(c);
	snprintf(url, sizeof(url), "%s%s", E.d.base, path);
	snprintf(iface, sizeof(iface), "host!%s", from);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
	hdr = curl_slist_append(hdr, line);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return r;
}

/* The value of the unlabelled metric name in /metrics, -1 if absent. */
static long long metric(const char *name)
{
	struct resp r = http(&E.d, "GET", "/metrics", NULL, NULL, NULL);
	char want[128];
	const char *at;
	long long v = -1;

	ck_assert_int_eq(r.status, 200);
	snprintf(want, sizeof(want), "\n%s ", name);
	at = strstr(r.body, want);
	if (at)
		v = strtoll(at + strlen(want), NULL, 10);
	resp_free(&r);
	return v;
}

START_TEST(test_auth__bad_tokens_logged_counted_and_slowed_per_address)
{
	struct resp r;
	char *log;
	long retry;

	ck_assert_int_eq(metric("tfledger_auth_failures_total"), 0);
	for (int i = 0; i < LIMIT_AUTH_FAILURES; i++) {
		r = get_from("127.0.0.2", "/v1/journal/verify", BAD_TOKEN);
		ck_assert_msg(r.status == 401, "attempt %d: %ld %s", i, r.status, r.body);
		resp_free(&r);
	}
	ck_assert_int_eq(metric("tfledger_auth_failures_total"), LIMIT_AUTH_FAILURES);

	/* the next attempt from that address, even with a good token, waits */
	r = get_from("127.0.0.2", "/v1/journal/verify", BAD_TOKEN);
	ck_assert_msg(r.status == 429, "%ld %s", r.status, r.body);
	ck_assert_msg(strstr(r.body, "\"too-many-requests\""), "%s", r.body);
	retry = strtol(r.retry_after, NULL, 10);
	ck_assert_msg(retry >= 1 && retry <= LIMIT_AUTH_WINDOW_S, "Retry-After '%s'",
		      r.retry_after);
	resp_free(&r);
	r = get_from("127.0.0.2", "/v1/journal/verify", E.auditor);
	ck_assert_msg(r.status == 429, "%ld %s", r.status, r.body);
	resp_free(&r);
	ck_assert_int_eq(metric("tfledger_auth_throttled_total"), 2);

	/* another address with a good token is served; a bad one there is a 401 */
	r = get_from("127.0.0.3", "/v1/journal/verify", E.auditor);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	resp_free(&r);
	r = get_from("127.0.0.1", "/v1/journal/verify", BAD_TOKEN);
	ck_assert_int_eq(r.status, 401);
	resp_free(&r);
	ck_assert_int_eq(metric("tfledger_auth_failures_total"), LIMIT_AUTH_FAILURES + 1);

	/* logged at info with the address, never the token */
	log = harness_slurp(E.d.log, NULL);
	ck_assert_msg(strstr(log, "level=info msg=\"authentication failed\""), "%s", log);
	ck_assert_msg(strstr(log, "client=127.0.0.2"), "%s", log);
	ck_assert_msg(strstr(log, "client=127.0.0.1"), "%s", log);
	ck_assert_msg(strstr(log, "msg=\"authentication refused: too many failures\""), "%s",
		      log);
	ck_assert_msg(!strstr(log, "SECRET-guess"), "the token is in the log: %s", log);
	free(log);
}
END_TEST

START_TEST(test_auth__missing_or_malformed_header_counts_as_a_failure)
{
	struct resp r = http(&E.d, "GET", "/v1/journal/verify", NULL, NULL, NULL);

	ck_assert_int_eq(r.status, 401);
	resp_free(&r);
	r = http(&E.d, "GET", "/v1/journal/verify", "Basic YWRhOnNlY3JldA==", NULL, NULL);
	ck_assert_int_eq(r.status, 401);
	resp_free(&r);
	ck_assert_int_eq(metric("tfledger_auth_failures_total"), 2);
	/* the public routes need no token and count nothing */
	r = http(&E.d, "GET", "/healthz", NULL, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	resp_free(&r);
	ck_assert_int_eq(metric("tfledger_auth_failures_total"), 2);
}
END_TEST

START_TEST(test_daemon__database_file_read_and_a_readable_one_refused)
{
	struct daemon d = {0};
	char path[LIMIT_PATH_BYTES + 32], text[LIMIT_CONNINFO_BYTES + 2];
	const char *args[] = {"--database-file", path, NULL};
	char *log;
	int status = -1;

	snprintf(path, sizeof(path), "%s/conninfo", E.dir);
	snprintf(text, sizeof(text), "%s\n", E.conninfo);
	harness_spit_text(path, text);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(daemon_spawn(&d, E.dir, args, &status), 1);
	{
		struct resp r = http(&d, "GET", "/v1/journal/verify", E.auditor, NULL, NULL);

		ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
		resp_free(&r);
	}
	daemon_stop(&d);

	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(daemon_spawn(&d, E.dir, args, &status), 0);
	ck_assert_int_eq(status, 1);
	log = harness_slurp(d.log, NULL);
	ck_assert_msg(strstr(log, path) && strstr(log, "chmod 600"), "%s", log);
	ck_assert_msg(!strstr(log, E.conninfo), "the conninfo is in the log: %s", log);
	free(log);
}
END_TEST

START_TEST(test_cli__token_file_read_and_a_readable_one_refused)
{
	char path[LIMIT_PATH_BYTES + 32], text[128];
	char *out = NULL, *err = NULL;
	const char *argv[] = {harness_bin_tfledger(), "whoami", "--url", E.d.base, "--token-file",
			      path, "--format", "json", NULL};
	int rc;

	snprintf(path, sizeof(path), "%s/token", E.dir);
	snprintf(text, sizeof(text), "%s\n", E.auditor);
	harness_spit_text(path, text);
	ck_assert_int_eq(chmod(path, 0600), 0);
	rc = harness_run(&out, &err, NULL, argv);
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_msg(strstr(out, "\"aud\""), "%s", out);
	free(out);
	free(err);

	ck_assert_int_eq(chmod(path, 0604), 0);
	rc = harness_run(&out, &err, NULL, argv);
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strstr(err, path) && strstr(err, "chmod 600"), "%s", err);
	free(out);
	free(err);

	/* a ledger command reads it too */
	ck_assert_int_eq(chmod(path, 0400), 0);
	{
		const char *acc[] = {harness_bin_tfledger(), "accounts", "list", "--url", E.d.base,
				     "--token-file", path, NULL};

		rc = harness_run(&out, &err, NULL, acc);
		ck_assert_msg(rc == 0, "%s", err);
		free(out);
		free(err);
	}
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test auth[] = {
		{test_auth__bad_tokens_logged_counted_and_slowed_per_address, 0},
		{test_auth__missing_or_malformed_header_counts_as_a_failure, 0},
		{test_daemon__database_file_read_and_a_readable_one_refused, 0},
		{test_cli__token_file_read_and_a_readable_one_refused, 0},
	};
	Suite *s = suite_create("hardening_auth");

	harness_add_tcase(s, "auth", setup, teardown, 120, auth, HARNESS_N(auth));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
