/*
 * test_config.c - tfledgerd's start-up as an operator meets it: flags alone
 * start the daemon, which serves /healthz and stops on SIGTERM; --config
 * FILE alone does too, flags override the file, a bad line stops it with
 * exit 1 naming FILE:LINE; and the man pages format without warnings (when
 * groff is installed).
 */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "tests/harness/harness.h"

/* Writes text to DIR/name (a new temporary directory) and puts the path in out. */
static void write_conf(char *out, size_t size, const char *text)
{
	char dir[4096];
	FILE *f;
	int n;

	harness_tmpdir(dir, sizeof(dir));
	n = snprintf(out, size, "%s/tfledgerd.conf", dir);
	ck_assert(n > 0 && (size_t)n < size);
	f = fopen(out, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

/* Starts tfledgerd with argv, expects GET http://listen/healthz to answer
 * 200 {"status":"ok"}, then stops it with SIGTERM and expects exit 0. */
static void serves_healthz(const char *listen, char *const argv[])
{
	char url[64], body[1024];
	long status = 0;
	pid_t pid;
	int ws;

	ck_assert_int_lt(snprintf(url, sizeof(url), "http://%s/healthz", listen),
			 (int)sizeof(url));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execv(harness_bin_tfledgerd(), argv);
		_exit(127);
	}
	for (int i = 0; i < 200 && status == 0; i++) {
		struct timespec ts = {0, 50 * 1000000L};

		status = harness_http_get(url, body);
		if (status == 0)
			nanosleep(&ts, NULL);
	}
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(body, "{\"status\":\"ok\"}");
	ck_assert(WIFEXITED(ws));
	ck_assert_int_eq(WEXITSTATUS(ws), 0);
}

START_TEST(test_tfledgerd__serves_healthz_and_stops_on_sigterm)
{
	char conninfo[4096], listen[32];
	char *argv[] = {"tfledgerd", "--database", conninfo, "--listen", listen, NULL};

	harness_new_db(conninfo, sizeof(conninfo));
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", harness_free_port());
	serves_healthz(listen, argv);
}
END_TEST

START_TEST(test_tfledgerd_config__file_alone_starts_and_serves_healthz)
{
	char conninfo[4096], listen[32], conf[4200], text[8400];
	char *argv[] = {"tfledgerd", "--config", conf, NULL};

	harness_new_db(conninfo, sizeof(conninfo));
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", harness_free_port());
	/* comments, blank lines, blanks around '=', '=' inside the value */
	ck_assert_int_lt(snprintf(text, sizeof(text),
				  "# tfledgerd.conf for a test\n"
				  "\n"
				  "   database=%s\n"
				  "\t# indented comment\n"
				  "listen   =   %s   \n",
				  conninfo, listen),
			 (int)sizeof(text));
	write_conf(conf, sizeof(conf), text);
	unsetenv("TFLEDGER_DATABASE");
	serves_healthz(listen, argv);
}
END_TEST

START_TEST(test_tfledgerd_config__flags_override_the_file)
{
	char conninfo[4096], listen[32], conf[4200];
	char *argv[] = {"tfledgerd", "--config", conf, "--database", conninfo,
			"--listen", listen, NULL};

	harness_new_db(conninfo, sizeof(conninfo));
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", harness_free_port());
	/* both would stop the daemon if they were used */
	write_conf(conf, sizeof(conf),
		   "database = host=/tmp/tfl-nowhere dbname=x user=postgres\n"
		   "listen = not-an-address:1\n");
	serves_healthz(listen, argv);
}
END_TEST

START_TEST(test_tfledgerd_config__bad_lines_exit_1_naming_file_and_line)
{
	char conf[4200], want[4300];
	char *err = NULL;
	const char *argv[] = {harness_bin_tfledgerd(), "--config", conf, NULL};

	write_conf(conf, sizeof(conf),
		   "# settings\n"
		   "listen = 127.0.0.1:1\n"
		   "\n"
		   "max_connections = 10\n");
	ck_assert_int_eq(harness_run(NULL, &err, NULL, argv), 1);
	snprintf(want, sizeof(want), "%s:4: unknown key 'max_connections'", conf);
	ck_assert_msg(strstr(err, want), "%s", err);
	free(err);

	write_conf(conf, sizeof(conf), "database = x\nlisten 127.0.0.1:1\n");
	ck_assert_int_eq(harness_run(NULL, &err, NULL, argv), 1);
	snprintf(want, sizeof(want), "%s:2: expected 'key = value'", conf);
	ck_assert_msg(strstr(err, want), "%s", err);
	free(err);

	write_conf(conf, sizeof(conf), "listen =\n");
	ck_assert_int_eq(harness_run(NULL, &err, NULL, argv), 1);
	snprintf(want, sizeof(want), "%s:1: expected 'key = value', the value is empty",
		 conf);
	ck_assert_msg(strstr(err, want), "%s", err);
	free(err);

	/* a file that is not there */
	strcat(conf, ".missing");
	ck_assert_int_eq(harness_run(NULL, &err, NULL, argv), 1);
	ck_assert_msg(strstr(err, "cannot open"), "%s", err);
	free(err);
}
END_TEST

START_TEST(test_man_pages__format_without_warnings)
{
	static const char *const pages[] = {"man/tfledger.1", "man/tfledgerd.8"};

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		char path[4200];
		char *out = NULL, *err = NULL;
		/* exit 77: groff is not installed, nothing to check */
		const char *argv[] = {"/bin/sh", "-c",
				      "command -v groff >/dev/null 2>&1 || exit 77; "
				      "groff -man -Tutf8 -ww \"$0\"",
				      path, NULL};
		int rc;

		ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", SRCDATADIR, pages[i]),
				 (int)sizeof(path));
		rc = harness_run(&out, &err, NULL, argv);
		if (rc == 77) {
			fprintf(stderr, "groff not installed: %s not checked\n", pages[i]);
		} else {
			ck_assert_msg(rc == 0, "%s: groff exit %d: %s", pages[i], rc, err);
			ck_assert_msg(err[0] == '\0', "%s: groff warns: %s", pages[i], err);
			ck_assert_msg(strstr(out, "tfledger"), "%s", pages[i]);
		}
		free(out);
		free(err);
	}
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test tfledgerd___config[] = {
		{test_tfledgerd__serves_healthz_and_stops_on_sigterm, 0},
		{test_tfledgerd_config__file_alone_starts_and_serves_healthz, 0},
		{test_tfledgerd_config__flags_override_the_file, 0},
		{test_tfledgerd_config__bad_lines_exit_1_naming_file_and_line, 0},
		{test_man_pages__format_without_warnings, 0},
	};
	Suite *s = suite_create("config");

	harness_add_tcase(s, "tfledgerd --config", NULL, NULL, 120, tfledgerd___config,
			  HARNESS_N(tfledgerd___config));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
